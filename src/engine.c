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
#include "log.h"
#include "snapshot.h"
#include "xmalloc.h"

#define ENGINE_NONE	INT64_MIN

struct engine {
	int64_t			 window;
	int64_t			 lateness;
	int64_t			 future_skew;
	int64_t			 suppress;	/* kept for the state file */
	int64_t			 period;
	uint64_t		 threshold;
	char			*statuses[CONF_MAX_STATUSES];
	size_t			 nstatuses;
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
	e->suppress = cf->suppress;
	e->period = cf->period;
	e->threshold = cf->threshold;
	for (e->nstatuses = 0; e->nstatuses < cf->nstatuses; e->nstatuses++)
		e->statuses[e->nstatuses] = xstrdup(cf->statuses[e->nstatuses]);
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
	while (e->nstatuses > 0)
		free(e->statuses[--e->nstatuses]);
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

/* --- the state file ----------------------------------------------------
 *
 * PARM records the parameters the state was built under; ENGN the event
 * time and watermark. A file built under other parameters is still
 * loaded, since a restart is how a configuration change is applied:
 * facts and connections are kept and age out under the new window,
 * lateness and suppress; imageload windows of another period do not line
 * up with the new ones and are dropped; statuses are matched by name.
 * Each difference is logged.
 */

struct engine_parm {
	int64_t		 window;
	int64_t		 suppress;
	int64_t		 lateness;
	int64_t		 period;
	uint64_t	 threshold;
	uint64_t	 budget;
	uint8_t		 netjoin;
	uint8_t		 imageload;
	char		*statuses[CONF_MAX_STATUSES];
	size_t		 nstatuses;
};

static void
engine_save_parm_cb(struct snapshot_w *w, void *arg)
{
	struct engine	*e = arg;
	size_t		 i, n;

	snapshot_put_i64(w, e->window);
	snapshot_put_i64(w, e->suppress);
	snapshot_put_i64(w, e->lateness);
	snapshot_put_i64(w, e->period);
	snapshot_put_u64(w, e->threshold);
	snapshot_put_u64(w, e->budget);
	snapshot_put_u8(w, (uint8_t)e->netjoin_on);
	snapshot_put_u8(w, (uint8_t)e->imageload_on);
	snapshot_put_u8(w, (uint8_t)e->nstatuses);
	for (i = 0; i < e->nstatuses; i++) {
		n = strlen(e->statuses[i]);
		snapshot_put_u32(w, (uint32_t)n);
		snapshot_put(w, e->statuses[i], n);
	}
}

static void
engine_save_time_cb(struct snapshot_w *w, void *arg)
{
	struct engine	*e = arg;

	snapshot_put_i64(w, e->st.max_time);
	snapshot_put_i64(w, e->st.watermark);
}

static void
engine_save_cb(struct snapshot_w *w, void *arg)
{
	struct engine	*e = arg;

	if (snapshot_section(w, SNAPSHOT_PARM, engine_save_parm_cb, e) == -1 ||
	    snapshot_section(w, SNAPSHOT_ENGN, engine_save_time_cb, e) == -1 ||
	    netjoin_save(e->nj, w) == -1)
		return;
	(void)imageload_save(e->il, w);
}

/* The whole state as a state file into fp. */
int
engine_snapshot_write(struct engine *e, FILE *fp)
{
	return (snapshot_write(fp, &e->in, engine_save_cb, e));
}

/* The whole state into path, atomically; *size gets the file's size. */
int
engine_save(struct engine *e, const char *path, uint64_t *size)
{
	return (snapshot_save(path, &e->in, engine_save_cb, e, size));
}

static void
engine_parm_clear(struct engine_parm *p)
{
	while (p->nstatuses > 0)
		free(p->statuses[--p->nstatuses]);
}

static int
engine_read_parm(struct snapshot_r *r, struct engine_parm *p)
{
	uint32_t	 len;
	uint8_t		 n, i;

	if (snapshot_get_i64(r, &p->window) == -1 ||
	    snapshot_get_i64(r, &p->suppress) == -1 ||
	    snapshot_get_i64(r, &p->lateness) == -1 ||
	    snapshot_get_i64(r, &p->period) == -1 ||
	    snapshot_get_u64(r, &p->threshold) == -1 ||
	    snapshot_get_u64(r, &p->budget) == -1 ||
	    snapshot_get_u8(r, &p->netjoin) == -1 ||
	    snapshot_get_u8(r, &p->imageload) == -1 ||
	    snapshot_get_u8(r, &n) == -1)
		return (-1);
	if (n > CONF_MAX_STATUSES)
		return (snapshot_fail(r, "too many statuses"));
	for (i = 0; i < n; i++) {
		if (snapshot_get_u32(r, &len) == -1)
			return (-1);
		if (len > r->n)
			return (snapshot_fail(r,
			    "status longer than its section"));
		p->statuses[p->nstatuses++] = xstrndup((const char *)r->p,
		    len);
		r->p += len;
		r->n -= len;
	}
	if (r->n != 0)
		return (snapshot_fail(r, "bytes after the parameters"));
	return (0);
}

/* Say how the file's parameters differ from ours, and what follows. */
static void
engine_parm_compare(const struct engine *e, const struct engine_parm *p)
{
	if (p->window != e->window || p->lateness != e->lateness ||
	    p->suppress != e->suppress)
		log_notice("state: saved with window %llds, lateness %llds, "
		    "suppress %llds; kept under the configured %llds, %llds, "
		    "%llds", (long long)(p->window / 1000000),
		    (long long)(p->lateness / 1000000),
		    (long long)(p->suppress / 1000000),
		    (long long)(e->window / 1000000),
		    (long long)(e->lateness / 1000000),
		    (long long)(e->suppress / 1000000));
	if (p->period != e->period)
		log_notice("state: imageload windows saved with period %llds, "
		    "now %llds: dropped", (long long)(p->period / 1000000),
		    (long long)(e->period / 1000000));
}

static int
engine_read_time(struct engine *e, struct snapshot_r *r)
{
	int64_t	 max, wm;

	if (snapshot_get_time(r, &max) == -1 || snapshot_get_i64(r, &wm) == -1)
		return (-1);
	if (r->n != 0)
		return (snapshot_fail(r, "bytes after the watermark"));
	/* The watermark follows from the newest time and our lateness. */
	e->st.max_time = max;
	e->st.watermark = max == ENGINE_NONE ? ENGINE_NONE : max - e->lateness;
	return (0);
}

/* The next section, which must be `want'. */
static int
engine_section(struct snapshot_r *r, uint32_t want, struct snapshot_r *s)
{
	uint32_t	 tag;

	if (snapshot_next(r, &tag, s) == -1)
		return (-1);
	if (tag != want)
		return (snapshot_fail(r, "unexpected section"));
	return (0);
}

/* A failure inside a section is reported as the file's. */
static int
engine_sub(struct snapshot_r *r, const struct snapshot_r *s, int rv)
{
	if (rv == -1)
		snapshot_fail(r, s->why != NULL ? s->why : "bad section");
	return (rv);
}

static int
engine_read_rules(struct engine *e, struct snapshot_r *r,
    const struct engine_parm *p)
{
	struct snapshot_r	 s;

	if (engine_section(r, SNAPSHOT_ENGN, &s) == -1 ||
	    engine_sub(r, &s, engine_read_time(e, &s)) == -1 ||
	    engine_section(r, SNAPSHOT_NJKY, &s) == -1 ||
	    engine_sub(r, &s,
	    netjoin_restore(e->nj, SNAPSHOT_NJKY, &s)) == -1 ||
	    engine_section(r, SNAPSHOT_NJPR, &s) == -1 ||
	    engine_sub(r, &s,
	    netjoin_restore(e->nj, SNAPSHOT_NJPR, &s)) == -1 ||
	    engine_section(r, SNAPSHOT_ILWN, &s) == -1 ||
	    engine_sub(r, &s, imageload_restore(e->il, &s, p->period,
	    p->budget, (const char *const *)p->statuses, p->nstatuses)) == -1 ||
	    engine_section(r, SNAPSHOT_END, &s) == -1)
		return (-1);
	if (s.n != 0 || r->n != 0)
		return (snapshot_fail(r, "bytes after the end"));
	return (0);
}

/* Every section after the header, into this (empty) engine. */
static int
engine_restore_cb(struct snapshot_r *r, void *arg)
{
	struct engine		*e = arg;
	struct engine_parm	 p;
	struct snapshot_r		 s, strs;
	int			 rv = -1;

	memset(&p, 0, sizeof(p));
	memset(&strs, 0, sizeof(strs));
	if (engine_section(r, SNAPSHOT_STRS, &strs) == -1)
		return (-1);
	if (engine_sub(r, &strs, snapshot_get_strings(&strs, &e->in)) == -1)
		goto done;
	r->strs = strs.strs;
	r->nstrs = strs.nstrs;
	if (engine_section(r, SNAPSHOT_PARM, &s) == -1 ||
	    engine_sub(r, &s, engine_read_parm(&s, &p)) == -1)
		goto done;
	engine_parm_compare(e, &p);
	rv = engine_read_rules(e, r, &p);
done:
	engine_parm_clear(&p);
	snapshot_strings_free(&strs, &e->in);
	r->strs = NULL;
	r->nstrs = 0;
	return (rv);
}

/* The rules catch up with the loaded watermark; the budget holds. */
static void
engine_restored(struct engine *e, int64_t now)
{
	netjoin_clock(e->nj, e->st.watermark, now);
	imageload_clock(e->il, e->st.watermark, now);
	engine_enforce_budget(e);
}

/*
 * A state file in memory into this empty engine. -1 with *why when it is
 * not a good one: the engine then holds part of it, and is to be freed.
 */
int
engine_snapshot_read(struct engine *e, const uint8_t *buf, size_t len,
    int64_t now, const char **why)
{
	struct snapshot_r	 r;

	if (snapshot_open(buf, len, &r, why) == -1)
		return (-1);
	if (engine_restore_cb(&r, e) == -1) {
		*why = r.why;
		return (-1);
	}
	engine_restored(e, now);
	return (0);
}

/*
 * Load path into this empty engine: 1 loaded, 0 no file, -1 a bad file
 * (logged and moved aside; free this engine and start with a new one).
 */
int
engine_restore(struct engine *e, const char *path, int64_t now)
{
	int	 rv;

	if ((rv = snapshot_load(path, engine_restore_cb, e)) == 1)
		engine_restored(e, now);
	return (rv);
}
