/*
 * signetd: the per-message pipeline (see pipeline.h). Nothing here
 * allocates per message: the decoder and the record are reused.
 */
#include <stdlib.h>

#include "config.h"
#include "json.h"
#include "norm.h"
#include "pipeline.h"
#include "syslog.h"
#include "xmalloc.h"

/* Expiry work piggybacked on each message, as redis does on lookups. */
#define PIPELINE_EXPIRE_STEP	8

struct pipeline {
	struct engine		*engine;	/* borrowed */
	struct json		*json;
	size_t			 max_message;
	int64_t			 now;
	int			 live;
	struct rec		 rec;
	struct pipeline_stats	 st;
	void			(*after)(void *, int64_t);
	void			*after_arg;
};

static void	pipeline_record_cb(void *, const struct fields *);
static void	pipeline_decode(struct pipeline *, const char *, size_t);

struct pipeline *
pipeline_new(struct engine *e, size_t max_message)
{
	struct pipeline	*p;

	p = xcalloc(1, sizeof(*p));
	p->engine = e;
	p->max_message = max_message;
	p->json = json_new(pipeline_record_cb, p);
	return (p);
}

void
pipeline_free(struct pipeline *p)
{
	if (p == NULL)
		return;
	json_free(p->json);
	free(p);
}

static void
pipeline_record_cb(void *arg, const struct fields *f)
{
	struct pipeline		*p = arg;
	enum skip_reason	 why;

	p->st.records++;
	if (norm_record(f, &p->rec, &why) == -1) {
		p->st.skipped[why]++;
		return;
	}
	p->st.decoded[p->rec.kind]++;
	p->st.by_source[p->rec.source]++;
	p->st.by_source_kind[p->rec.source][p->rec.kind]++;
	engine_push(p->engine, &p->rec, p->now, p->live);
}

/* An optional syslog header and one JSON value, then expiry work. */
static void
pipeline_decode(struct pipeline *p, const char *msg, size_t len)
{
	const char		*body;
	size_t			 bodylen;
	struct syslog_hdr	 hdr;
	enum skip_reason	 why;

	if (len > p->max_message) {
		p->st.skipped[SKIP_TOO_LONG]++;
		return;
	}
	if (syslog_parse(msg, len, &hdr, &body, &bodylen) == -1) {
		p->st.skipped[SKIP_BAD_SYSLOG]++;
		return;
	}
	if (json_parse(p->json, body, bodylen, &why) == -1)
		p->st.skipped[why]++;
	engine_tick(p->engine, p->now, PIPELINE_EXPIRE_STEP);
}

/*
 * One message. `now' is the arrival time (wall clock, µs); `live' enables
 * the future-time clamp. The after hook, if any, runs once it is done.
 */
void
pipeline_message(struct pipeline *p, const char *msg, size_t len,
    int64_t now, int live)
{
	p->st.messages++;
	p->st.bytes += len;
	p->now = now;
	p->live = live;
	pipeline_decode(p, msg, len);
	if (p->after != NULL)
		p->after(p->after_arg, now);
}

/*
 * fn(arg, now) runs after each message, with its arrival time: the daemon
 * writes out alerts there that a long read would otherwise hold back.
 */
void
pipeline_set_after(struct pipeline *p, void (*fn)(void *, int64_t),
    void *arg)
{
	p->after = fn;
	p->after_arg = arg;
}

/* Skips decided before a message exists (framing). */
void
pipeline_skip(struct pipeline *p, enum skip_reason why, uint64_t n)
{
	p->st.skipped[why] += n;
}

const struct pipeline_stats *
pipeline_stats(const struct pipeline *p)
{
	return (&p->st);
}

uint64_t
pipeline_skipped(const struct pipeline *p)
{
	uint64_t	 n = 0;
	int		 i;

	for (i = 0; i < SKIP_NREASONS; i++)
		n += p->st.skipped[i];
	return (n);
}

uint64_t
pipeline_decoded(const struct pipeline *p)
{
	uint64_t	 n = 0;
	int		 i;

	for (i = 0; i < REC_NKINDS; i++)
		n += p->st.decoded[i];
	return (n);
}

void
pipeline_print_stats(const struct pipeline *p, FILE *fp)
{
	int	 i;

	fprintf(fp, "signetd: decoded:");
	for (i = 0; i < REC_NKINDS; i++)
		fprintf(fp, " %s %llu", rec_kind_name(i),
		    (unsigned long long)p->st.decoded[i]);
	for (i = 0; i < SRC_NSOURCES; i++)
		fprintf(fp, " %s %llu", rec_source_name(i),
		    (unsigned long long)p->st.by_source[i]);
	fprintf(fp, "\nsignetd: skipped:");
	for (i = 0; i < SKIP_NREASONS; i++)
		fprintf(fp, " %s %llu", skip_reason_name(i),
		    (unsigned long long)p->st.skipped[i]);
	fprintf(fp, "\n");
}
