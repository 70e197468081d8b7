/*
 * signetd: the engine (see engine.h).
 *
 * Event time decides everything. `max' is the highest event time
 * accepted so far, the watermark is max - L. A record older than
 * watermark - W is late: counted and dropped. In live mode an event time
 * more than future_skew ahead of the wall clock is replaced by the arrival
 * time and counted, so one forged timestamp cannot push the watermark
 * ahead and flush the state.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "intern.h"
#include "xmalloc.h"

#define ENGINE_NONE	INT64_MIN

struct engine {
	int64_t			 window;
	int64_t			 lateness;
	int64_t			 future_skew;
	uint64_t		 budget;	/* state_memory, bytes */
	int			 netjoin_on;
	int			 imageload_on;
	struct intern		 in;
	struct netjoin		*nj;
	struct imageload	*il;
	struct engine_stats	 st;
};

struct engine *
engine_new(const struct conf *cf, const struct alert_sink *sink,
    const struct sipkey *sk)
{
	struct engine	*e;

	e = xcalloc(1, sizeof(*e));
	e->window = cf->window;
	e->lateness = cf->lateness;
	e->future_skew = cf->future_skew;
	e->budget = cf->state_memory;
	e->netjoin_on = cf->netjoin;
	e->imageload_on = cf->imageload;
	intern_init(&e->in, sk);
	e->nj = netjoin_new(cf, &e->in, sk, sink);
	e->il = imageload_new(cf, &e->in, sk, sink);
	e->st.max_time = e->st.watermark = ENGINE_NONE;
	return (e);
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	netjoin_free(e->nj);
	imageload_free(e->il);
	intern_clear(&e->in);
	free(e);
}

static uint64_t
engine_bytes(const struct engine *e)
{
	return (netjoin_stats(e->nj)->bytes + imageload_stats(e->il)->bytes +
	    intern_bytes(&e->in));
}

/* Evict, in the spec's order, until the state fits its budget again. */
static void
engine_enforce_budget(struct engine *e)
{
	while (engine_bytes(e) > e->budget && netjoin_evict(e->nj))
		e->st.over_budget++;
}

static void
engine_advance(struct engine *e, int64_t t, int64_t now)
{
	if (e->st.max_time != ENGINE_NONE && t <= e->st.max_time) {
		netjoin_clock(e->nj, e->st.watermark, now);
		imageload_clock(e->il, e->st.watermark, now);
		return;
	}
	e->st.max_time = t;
	e->st.watermark = t - e->lateness;
	netjoin_clock(e->nj, e->st.watermark, now);
	imageload_clock(e->il, e->st.watermark, now);
}

/*
 * One normalized record, arrived at wall-clock time `now' (µs). `live'
 * enables the clamp of forged future timestamps.
 */
void
engine_push(struct engine *e, struct rec *r, int64_t now, int live)
{
	if (live && r->time > now + e->future_skew) {
		r->time = now;
		e->st.clamped++;
	}
	if (e->st.watermark != ENGINE_NONE &&
	    r->time < e->st.watermark - e->window) {
		e->st.late[r->kind]++;
		return;
	}
	e->st.accepted[r->kind]++;
	engine_advance(e, r->time, now);
	switch (r->kind) {
	case REC_CERT:
		if (e->netjoin_on)
			netjoin_fact(e->nj, r);
		break;
	case REC_PROC:
		if (e->netjoin_on)
			netjoin_proc(e->nj, r);
		break;
	case REC_NET:
		if (e->netjoin_on)
			netjoin_net(e->nj, r);
		break;
	case REC_LOAD:
		if (e->netjoin_on)
			netjoin_fact(e->nj, r);
		if (e->imageload_on)
			imageload_load(e->il, r);
		break;
	default:
		break;
	}
	engine_enforce_budget(e);
}

/* Periodic work: bounded expiry. Returns the slots examined. */
size_t
engine_tick(struct engine *e, int64_t now, size_t budget)
{
	netjoin_clock(e->nj, e->st.watermark, now);
	return (netjoin_expire(e->nj, budget));
}

/* End of input: send what is still counted, close every window. */
void
engine_flush(struct engine *e, int64_t now)
{
	netjoin_clock(e->nj, e->st.watermark, now);
	imageload_clock(e->il, e->st.watermark, now);
	netjoin_flush(e->nj);
	imageload_flush(e->il);
}

const struct engine_stats *
engine_stats(struct engine *e)
{
	e->st.intern_bytes = intern_bytes(&e->in);
	e->st.bytes = engine_bytes(e);
	return (&e->st);
}

const struct netjoin_stats *
engine_netjoin_stats(const struct engine *e)
{
	return (netjoin_stats(e->nj));
}

const struct imageload_stats *
engine_imageload_stats(const struct engine *e)
{
	return (imageload_stats(e->il));
}

void
engine_print_stats(struct engine *e, FILE *fp)
{
	const struct engine_stats	*s = engine_stats(e);
	const struct netjoin_stats	*n = netjoin_stats(e->nj);
	const struct imageload_stats	*i = imageload_stats(e->il);
	int				 k;

	fprintf(fp, "signetd: accepted:");
	for (k = 0; k < REC_NKINDS; k++)
		fprintf(fp, " %s %llu", rec_kind_name(k),
		    (unsigned long long)s->accepted[k]);
	fprintf(fp, "; late:");
	for (k = 0; k < REC_NKINDS; k++)
		fprintf(fp, " %s %llu", rec_kind_name(k),
		    (unsigned long long)s->late[k]);
	fprintf(fp, "; clamped %llu\n", (unsigned long long)s->clamped);
	fprintf(fp, "signetd: netjoin: net %llu qualifying %llu "
	    "not_outbound %llu system_pid %llu not_public %llu no_ip %llu "
	    "bad_ip %llu no_key %llu by_proc %llu by_path %llu\n",
	    (unsigned long long)n->net, (unsigned long long)n->qualifying,
	    (unsigned long long)n->not_outbound,
	    (unsigned long long)n->system_pid,
	    (unsigned long long)n->not_public, (unsigned long long)n->no_ip,
	    (unsigned long long)n->bad_ip, (unsigned long long)n->no_key,
	    (unsigned long long)n->by_proc, (unsigned long long)n->by_path);
	fprintf(fp, "signetd: netjoin: facts bad %llu good %llu unknown %llu "
	    "no_sha1 %llu; matched %llu suppressed %llu alerts %llu "
	    "waited_out %llu approx %llu\n",
	    (unsigned long long)n->facts_bad,
	    (unsigned long long)n->facts_good,
	    (unsigned long long)n->facts_unknown,
	    (unsigned long long)n->facts_no_sha1,
	    (unsigned long long)n->matched, (unsigned long long)n->suppressed,
	    (unsigned long long)n->alerts, (unsigned long long)n->waited_out,
	    (unsigned long long)n->approx);
	fprintf(fp, "signetd: imageload: loads %llu qualifying %llu late %llu "
	    "alerts %llu reports %llu untracked %llu\n",
	    (unsigned long long)i->loads, (unsigned long long)i->qualifying,
	    (unsigned long long)i->late, (unsigned long long)i->alerts,
	    (unsigned long long)i->reports, (unsigned long long)i->untracked);
	fprintf(fp, "signetd: state: keys %llu groups %llu procs %llu "
	    "windows %llu bytes %llu budget evictions %llu (groups %llu "
	    "events %llu procs %llu keys %llu)\n",
	    (unsigned long long)n->keys, (unsigned long long)n->groups,
	    (unsigned long long)n->procs, (unsigned long long)i->windows,
	    (unsigned long long)s->bytes, (unsigned long long)s->over_budget,
	    (unsigned long long)n->evicted_groups,
	    (unsigned long long)n->evicted_events,
	    (unsigned long long)n->evicted_procs,
	    (unsigned long long)n->evicted_keys);
}

/*
 * Reload: the options a running engine can take without losing state
 * (config.c marks the others, which keep their running value). A rule
 * turned off keeps its state, which expires as usual.
 */
void
engine_reconf(struct engine *e, const struct conf *cf)
{
	e->future_skew = cf->future_skew;
	e->netjoin_on = cf->netjoin;
	e->imageload_on = cf->imageload;
	netjoin_reconf(e->nj, cf);
	imageload_reconf(e->il, cf);
}
