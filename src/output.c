/*
 * signetd: the alert outputs (see output.h and output_int.h).
 *
 * An alert is rendered once per format it is needed in, into buffers the
 * outputs object owns and reuses, then written to each stdout or file
 * output and queued for each network one. Nothing here waits: network
 * outputs are fed from their queue by a transport that reports back when
 * a batch is delivered, refused or failed. A failure is retried after an
 * exponential back-off with jitter (or the server's Retry-After), on the
 * output's one timer; a batch retried max_retries times, or an alert
 * queued longer than max_age, is dropped and counted. Each output has its
 * own queue and timer, so a dead peer costs the others nothing.
 */
#include <sys/types.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "alert.h"
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "output.h"
#include "output_int.h"
#include "outq.h"
#include "render.h"
#include "xmalloc.h"

/*
 * Files get a buffer of their own, larger than stdio's default of one
 * block, so a replay writes in few system calls; the caller flushes after
 * each batch of input so that live alerts do not wait in it.
 */
#define OUTPUT_FILE_BUFSZ	65536
#define OUTPUT_NFORMATS		(FMT_LEEF + 1)
/* A spool is synced at least this often while alerts pour in. */
#define OUTPUT_SYNC_EVERY	1024
/* Drops are logged at most this often per output (µs). */
#define OUTPUT_DROPLOG_EVERY	10000000
/* How often a drain looks whether every output is done. */
#define OUTPUT_DRAIN_POLL	20000
/* A batch's bytes, beyond its first alert. */
#define OUTPUT_BATCH_BYTES	(1u << 20)

struct outputs {
	struct output		**v;
	size_t			 n;
	struct output		**old;		/* removed, still delivering */
	size_t			 nold;
	struct event		*reaper;	/* frees them when done */
	struct event_base	*base;		/* borrowed */
	struct evdns_base	*dns;
	struct buf		 rend[OUTPUT_NFORMATS];
	int			 have[OUTPUT_NFORMATS];
	struct buf		 line;
	int64_t			 written;	/* oldest unflushed alert; 0 */
};

static const char *const output_type_names[] = {
	"stdout", "file", "webhook", "syslog"
};
static const char *const output_format_names[OUTPUT_NFORMATS] = {
	"text", "json", "slack", "teams", "cef", "leef"
};

static int	 output_check_one(const struct conf_output *, char *, size_t);
static int	 output_check_spool(const struct conf *, size_t, char *,
		    size_t);
static int	 output_open(struct outputs *, struct output *, int,
		    const struct conf_output *, char *, size_t);
static int	 output_open_file(struct output *, char *, size_t);
static int	 output_open_net(struct output *, int, char *, size_t);
static void	 output_close(struct output *);
static const struct buf *output_render(struct outputs *,
		    enum output_format, const struct alert *);
static void	 output_write(struct output *, const struct buf *);
static int	 output_flush_file(struct output *);
static void	 output_push(struct output *, const struct buf *);
static void	 output_sync(struct output *);
static void	 output_kick(struct output *);
static void	 output_expire(struct output *);
static void	 output_droplog(struct output *, const char *);
static void	 output_timer_cb(evutil_socket_t, short, void *);
static void	 output_drain_cb(evutil_socket_t, short, void *);
static int	 output_settled(const struct output *);
static void	 output_undelivered(struct output *, const char *);
static void	 outputs_emit_cb(void *, const struct alert *);

int64_t
output_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* splitmix64: jitter needs spread, not secrecy. */
uint64_t
output_rand(uint64_t *s)
{
	uint64_t	 z;

	z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return (z ^ (z >> 31));
}

/*
 * What an HTTP status means for delivery: 2xx delivered; 408, 429 and
 * 5xx worth another try; anything else (a 4xx, a redirect we do not
 * follow) refused for good.
 */
enum output_verdict
output_http_verdict(int code)
{
	if (code >= 200 && code <= 299)
		return (OUTPUT_OK);
	if (code == 408 || code == 429 || (code >= 500 && code <= 599))
		return (OUTPUT_RETRY);
	return (OUTPUT_REJECT);
}

/*
 * Delay before retry number attempt (1, 2, ...): min doubled each time,
 * at most max, then "equal jitter": half of it fixed, half random, so
 * that outputs failing together do not retry in step.
 */
int64_t
output_backoff(int64_t min, int64_t max, uint64_t attempt, uint64_t rnd)
{
	int64_t	 d = min;
	uint64_t i;

	for (i = 1; i < attempt && d < max; i++)
		d = d > max / 2 ? max : d * 2;
	if (d > max)
		d = max;
	if (d < 2)
		return (d);
	return (d / 2 + (int64_t)(rnd % (uint64_t)(d / 2 + 1)));
}

/*
 * A Retry-After value in delay-seconds (RFC 9110 10.2.3) as µs, cut to
 * max; -1 if absent or not a number (an HTTP-date is not honoured: the
 * back-off applies). now is unused but for the day dates are.
 */
int64_t
output_retry_after(const char *s, int64_t max, int64_t now)
{
	int64_t	 v = 0;

	if (s == NULL)
		return (-1);
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return (-1);
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > max / 1000000)
			return (max);
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '\0')
		return (-1);
	return (v * 1000000 < max ? v * 1000000 : max);
}

/* The combinations the configuration table cannot tell. */
static int
output_check_one(const struct conf_output *co, char *why, size_t len)
{
	static const unsigned int fmts[] = {
		[OUT_STDOUT] = 1u << FMT_TEXT | 1u << FMT_JSON |
		    1u << FMT_CEF | 1u << FMT_LEEF,
		[OUT_FILE] = 1u << FMT_TEXT | 1u << FMT_JSON |
		    1u << FMT_CEF | 1u << FMT_LEEF,
		[OUT_WEBHOOK] = 1u << FMT_JSON | 1u << FMT_SLACK |
		    1u << FMT_TEAMS,
		[OUT_SYSLOG] = 1u << FMT_TEXT | 1u << FMT_JSON |
		    1u << FMT_CEF | 1u << FMT_LEEF,
	};

	if ((unsigned)co->type > OUT_SYSLOG ||
	    (unsigned)co->format >= OUTPUT_NFORMATS) {
		snprintf(why, len, "unknown type or format");
		return (-1);
	}
	if ((fmts[co->type] & 1u << co->format) == 0) {
		snprintf(why, len, "format %s is not for type %s",
		    output_format_names[co->format],
		    output_type_names[co->type]);
		return (-1);
	}
	if (co->type == OUT_WEBHOOK)
		return (output_webhook_check(co, why, len));
	if (co->type == OUT_SYSLOG)
		return (output_syslog_check(co, why, len));
	return (0);
}

/* Two outputs writing one spool would corrupt it. */
static int
output_check_spool(const struct conf *cf, size_t i, char *why, size_t len)
{
	const struct conf_output	*co = &cf->outputs[i];
	size_t				 j;

	if (co->spool == NULL ||
	    (co->type != OUT_WEBHOOK && co->type != OUT_SYSLOG))
		return (0);
	for (j = 0; j < i; j++) {
		if (cf->outputs[j].spool != NULL &&
		    strcmp(cf->outputs[j].spool, co->spool) == 0) {
			snprintf(why, len, "spool %s is also [output %s]'s",
			    co->spool, cf->outputs[j].name);
			return (-1);
		}
	}
	return (0);
}

/*
 * Check what config.c cannot: each problem as "file:line: message" on
 * errfp (if not NULL); returns how many there were.
 */
int
outputs_check(const struct conf *cf, FILE *errfp)
{
	const struct conf_output	*co;
	char				 why[256];
	size_t				 i;
	int				 nerr = 0;

	for (i = 0; i < cf->noutputs; i++) {
		co = &cf->outputs[i];
		if (output_check_one(co, why, sizeof(why)) == 0 &&
		    output_check_spool(cf, i, why, sizeof(why)) == 0)
			continue;
		nerr++;
		if (errfp != NULL)
			fprintf(errfp, "%s:%d: [output %s]: %s\n",
			    cf->file != NULL ? cf->file : "(defaults)",
			    co->line, co->name, why);
	}
	return (nerr);
}

/*
 * stdout needs no setup: C11 7.21.3 makes it fully buffered when it is not
 * an interactive device, and glibc and the BSDs line-buffer it when it is
 * a terminal, which is the behaviour we want. Calling setvbuf() here would
 * be wrong besides: it is only allowed before the first write, and
 * outputs_new() runs again on every reload.
 */
/*
 * Alerts name devices, users and command lines: a file the daemon
 * creates is for its user and group only, whatever the umask lets
 * through (fopen's 0666 would make it world-readable under the usual
 * 022). An existing file keeps the mode it was given.
 */
static FILE *
output_fopen(const char *path)
{
	FILE	*fp;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) == -1)
		return (NULL);
	if ((fp = fdopen(fd, "a")) == NULL)
		close(fd);
	return (fp);
}

static int
output_open_file(struct output *o, char *err, size_t errlen)
{
	if (o->type == OUT_STDOUT) {
		o->fp = stdout;
		return (0);
	}
	if (o->co->path == NULL || o->co->path[0] == '\0') {
		snprintf(err, errlen, "output %s: no file path", o->name);
		return (-1);
	}
	o->path = xstrdup(o->co->path);
	if ((o->fp = output_fopen(o->path)) == NULL) {
		snprintf(err, errlen, "output %s: cannot open %s: %s",
		    o->name, o->path, strerror(errno));
		return (-1);
	}
	o->iobuf = xmalloc(OUTPUT_FILE_BUFSZ);
	if (setvbuf(o->fp, o->iobuf, _IOFBF, OUTPUT_FILE_BUFSZ) != 0) {
		free(o->iobuf);
		o->iobuf = NULL;
	}
	return (0);
}

/*
 * A network output; with noqueue, without the queue it will take over
 * from the instance it replaces (outputs_commit()).
 */
static int
output_open_net(struct output *o, int noqueue, char *err, size_t errlen)
{
	const struct conf_output	*co = o->co;
	char				 why[256];

	o->ops = co->type == OUT_WEBHOOK ? &output_webhook_ops :
	    &output_syslog_ops;
	if (noqueue)
		o->q = NULL;
	else if (co->spool != NULL) {
		if ((o->q = outq_spool_open(co->spool, co->spool_max, why,
		    sizeof(why))) == NULL) {
			snprintf(err, errlen, "output %s: %s", o->name, why);
			return (-1);
		}
		o->stats.depth = outq_depth(o->q);
		if (o->stats.depth > 0)
			log_notice("output %s: %" PRIu64 " alerts in the spool "
			    "to deliver", o->name, o->stats.depth);
	} else
		o->q = outq_new(co->queue_size);
	if ((o->timer = evtimer_new(o->os->base, output_timer_cb, o)) ==
	    NULL) {
		snprintf(err, errlen, "output %s: cannot make a timer",
		    o->name);
		return (-1);
	}
	o->rng = (uint64_t)output_now() ^ (uint64_t)getpid() << 32 ^
	    (uint64_t)(uintptr_t)o;
	if (o->ops->open(o, err, errlen) == -1)
		return (-1);
	/* What a spool held goes out as soon as the loop runs. */
	if (o->stats.depth > 0)
		output_arm(o, 0);
	return (0);
}

static int
output_open(struct outputs *os, struct output *o, int noqueue,
    const struct conf_output *co, char *err, size_t errlen)
{
	char	 why[256];
	size_t	 i;

	o->name = xstrdup(co->name != NULL ? co->name : "");
	o->co = conf_output_dup(co);
	o->os = os;
	o->type = co->type;
	o->format = co->format;
	o->min_severity = co->min_severity;
	for (i = 0; i < co->nrules; i++)
		o->rules |= strcmp(co->rules[i], "netjoin") == 0 ?
		    1u << RULE_NETJOIN : 1u << RULE_IMAGELOAD;
	if (co->nrules == 0)
		o->rules = ~0u;
	if (output_check_one(co, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "output %s: %s", o->name, why);
		return (-1);
	}
	if (co->type == OUT_STDOUT || co->type == OUT_FILE)
		return (output_open_file(o, err, errlen));
	if (os->base == NULL) {
		snprintf(err, errlen, "output %s: no event loop", o->name);
		return (-1);
	}
	return (output_open_net(o, noqueue, err, errlen));
}

/*
 * Close a file (never stdout, which only gets flushed) and free. Callers
 * that want the last write errors counted call outputs_flush() first; a
 * failure here can only be logged. A network output drops what it has in
 * flight; what its memory queue holds is lost (and was counted by
 * outputs_drain()), what its spool holds stays for the next start.
 */
static void
output_close(struct output *o)
{
	size_t	 lost;

	if (o->fp != NULL && o->fp != stdout) {
		if (fclose(o->fp) == EOF)
			log_warn("output %s: closing %s", o->name, o->path);
	} else if (o->fp != NULL)
		(void)fflush(o->fp);
	if (o->ops != NULL && o->impl != NULL)
		o->ops->close(o);
	if (o->q != NULL && outq_sync(o->q, &lost) == -1)
		log_warnx("output %s: %zu alerts lost writing the spool",
		    o->name, lost);
	outq_free(o->q);
	if (o->timer != NULL)
		event_free(o->timer);
	free(o->hostname);
	free(o->iobuf);
	free(o->path);
	free(o->name);
	conf_output_free(o->co);
	free(o);
}

struct outputs *
outputs_new(const struct conf *conf, struct event_base *base, char *err,
    size_t errlen)
{
	struct outputs	*os;
	size_t		 i;

	os = xcalloc(1, sizeof(*os));
	os->base = base;
	for (i = 0; i < OUTPUT_NFORMATS; i++)
		buf_init(&os->rend[i]);
	buf_init(&os->line);
	if (conf->noutputs > 0)
		os->v = xcalloc(conf->noutputs, sizeof(*os->v));
	for (i = 0; i < conf->noutputs; i++) {
		os->n = i + 1;
		os->v[i] = xcalloc(1, sizeof(*os->v[i]));
		if (output_open(os, os->v[i], 0, &conf->outputs[i], err,
		    errlen) == -1) {
			outputs_free(os);
			return (NULL);
		}
	}
	return (os);
}

void
outputs_free(struct outputs *os)
{
	size_t	i;

	if (os == NULL)
		return;
	for (i = 0; i < os->n; i++)
		output_close(os->v[i]);
	free(os->v);
	for (i = 0; i < os->nold; i++)
		output_close(os->old[i]);
	free(os->old);
	if (os->reaper != NULL)
		event_free(os->reaper);
	if (os->dns != NULL)
		evdns_base_free(os->dns, 0);
	for (i = 0; i < OUTPUT_NFORMATS; i++)
		buf_clear(&os->rend[i]);
	buf_clear(&os->line);
	free(os);
}

struct event_base *
output_base(const struct output *o)
{
	return (o->os->base);
}

/*
 * The resolver, made on first use: host names are looked up without
 * blocking the loop. Literal addresses never need it.
 */
struct evdns_base *
output_dns(struct output *o)
{
	struct outputs	*os = o->os;

	if (os->dns == NULL)
		os->dns = evdns_base_new(os->base,
		    EVDNS_BASE_INITIALIZE_NAMESERVERS);
	return (os->dns);
}

/* The alert in format f, rendered at most once per alert. */
static const struct buf *
output_render(struct outputs *os, enum output_format f, const struct alert *a)
{
	struct buf	*b = &os->rend[f];

	if (os->have[f])
		return (b);
	buf_reset(b);
	switch (f) {
	case FMT_TEXT:
		alert_text(a, b);
		break;
	case FMT_JSON:
		alert_json(a, b);
		break;
	case FMT_SLACK:
		render_slack(a, b);
		break;
	case FMT_TEAMS:
		render_teams(a, b);
		break;
	case FMT_CEF:
		render_cef(a, b);
		break;
	case FMT_LEEF:
		render_leef(a, b);
		break;
	}
	os->have[f] = 1;
	return (b);
}

/*
 * One line to one output. A short write is counted as an error and the
 * stream's error flag cleared, so the next failure is seen and counted
 * too rather than hidden behind the first.
 */
static void
output_write(struct output *o, const struct buf *b)
{
	if (fwrite(b->p, 1, b->len, o->fp) != b->len ||
	    fputc('\n', o->fp) == EOF) {
		o->stats.errors++;
		o->stats.dropped++;
		snprintf(o->stats.last_error, sizeof(o->stats.last_error),
		    "write: %s", strerror(errno));
		clearerr(o->fp);
		return;
	}
	o->stats.sent++;
}

/* Into the queue; a full one drops and counts. */
static void
output_push(struct output *o, const struct buf *b)
{
	int	 r;

	r = outq_push(o->q, b->p, b->len, output_now());
	if (r == -1) {
		o->stats.dropped++;
		snprintf(o->stats.last_error, sizeof(o->stats.last_error),
		    "spool full");
	} else {
		o->stats.queued++;
		if (r == 1) {
			o->stats.dropped++;
			snprintf(o->stats.last_error,
			    sizeof(o->stats.last_error), "queue full");
		}
	}
	if (outq_unsynced(o->q) >= OUTPUT_SYNC_EVERY)
		output_sync(o);
	o->stats.depth = outq_depth(o->q);
}

void
outputs_emit(struct outputs *os, const struct alert *a)
{
	struct output		*o;
	const struct buf	*b;
	size_t			 i;

	if (os->written == 0)
		os->written = output_now();
	memset(os->have, 0, sizeof(os->have));
	for (i = 0; i < os->n; i++) {
		o = os->v[i];
		if ((o->rules & 1u << a->rule) == 0 ||
		    (int)a->severity < o->min_severity) {
			o->stats.filtered++;
			continue;
		}
		b = output_render(os, o->format, a);
		switch (o->type) {
		case OUT_STDOUT:
		case OUT_FILE:
			output_write(o, b);
			break;
		case OUT_SYSLOG:
			buf_reset(&os->line);
			render_syslog_head(a, &o->rs, &os->line);
			buf_add(&os->line, b->p, b->len);
			output_push(o, &os->line);
			break;
		case OUT_WEBHOOK:
			output_push(o, b);
			break;
		}
	}
}

/* Spool: what was pushed goes to disk now. */
static void
output_sync(struct output *o)
{
	size_t	 n = outq_unsynced(o->q), lost;

	if (n == 0)
		return;
	if (outq_sync(o->q, &lost) == 0) {
		o->stats.spooled += n;
		return;
	}
	o->stats.dropped += lost;
	o->stats.errors++;
	snprintf(o->stats.last_error, sizeof(o->stats.last_error),
	    "spool write failed");
}

/* A file or stdout: what stdio holds goes out; -1 (counted) if it fails. */
static int
output_flush_file(struct output *o)
{
	if (o->fp == NULL || fflush(o->fp) != EOF)
		return (0);
	o->stats.errors++;
	clearerr(o->fp);
	return (-1);
}

/*
 * Flush files and spools, and start what network outputs have queued;
 * -1 if a file failed (each failure is counted).
 */
int
outputs_flush(struct outputs *os)
{
	struct output	*o;
	size_t		 i;
	int		 rv = 0;

	os->written = 0;
	for (i = 0; i < os->n; i++) {
		o = os->v[i];
		if (output_flush_file(o) == -1)
			rv = -1;
		if (o->q == NULL)
			continue;
		output_sync(o);
		o->stats.depth = outq_depth(o->q);
		output_kick(o);
	}
	return (rv);
}

/*
 * Between messages: once the oldest alert emitted since the last flush
 * is `age' µs old at `now' (wall clock), flush the files and stdout, so
 * that a long read does not hold their alerts back. Spools and network
 * outputs wait for outputs_flush() at the end of the loop iteration, as
 * before: an fdatasync(2) every `age' would cost more than the read.
 * -1 if a file failed, else 0 (also when nothing was due).
 */
int
outputs_flush_due(struct outputs *os, int64_t now, int64_t age)
{
	size_t	 i;
	int	 rv = 0;

	if (os->written == 0 || now - os->written < age)
		return (0);
	os->written = 0;
	for (i = 0; i < os->n; i++)
		if (output_flush_file(os->v[i]) == -1)
			rv = -1;
	return (rv);
}

/* Alerts at the head older than max_age are dropped, not sent. */
static void
output_expire(struct output *o)
{
	const struct outq_item	*it;
	int64_t			 limit = output_now() - o->co->max_age;
	size_t			 n, k;

	for (;;) {
		n = outq_peek(o->q, 64, SIZE_MAX, &it);
		for (k = 0; k < n && it[k].time < limit; k++)
			;
		if (k == 0)
			return;
		(void)outq_peek(o->q, k, SIZE_MAX, &it);
		k = outq_pop(o->q);
		o->stats.dropped += k;
		snprintf(o->stats.last_error, sizeof(o->stats.last_error),
		    "older than max_age");
		output_droplog(o, "older than max_age");
	}
}

/*
 * A dead peer makes drops by the batch: say how many were dropped, and
 * why the last one was, at most once per interval rather than each time.
 */
static void
output_droplog(struct output *o, const char *why)
{
	int64_t	 now = output_now();

	if (o->droplog != 0 && now - o->droplog < OUTPUT_DROPLOG_EVERY)
		return;
	log_warnx("output %s: dropped %" PRIu64 " alerts%s (last: %s)",
	    o->name, o->stats.dropped - o->droplogged, o->droplog != 0 ?
	    " since the last report" : "", why);
	o->droplog = now;
	o->droplogged = o->stats.dropped;
}

/* Hand the next batch to the transport, if idle and there is one. */
static void
output_kick(struct output *o)
{
	const struct outq_item	*it;
	size_t			 n;

	if (o->state != OUTPUT_IDLE || outq_depth(o->q) == 0)
		return;
	output_expire(o);
	n = outq_peek(o->q, o->ops->batch(o), OUTPUT_BATCH_BYTES, &it);
	o->stats.depth = outq_depth(o->q);
	if (n == 0)
		return;
	o->state = OUTPUT_BUSY;
	o->inflight = n;
	if (o->ops->send(o, it, n) == -1) {
		if (o->stats.last_error[0] == '\0')
			snprintf(o->stats.last_error,
			    sizeof(o->stats.last_error), "cannot send");
		output_done(o, OUTPUT_RETRY, -1, "%s", o->stats.last_error);
	}
}

void
output_arm(struct output *o, int64_t us)
{
	struct timeval	 tv;

	if (us < 0)
		us = 0;
	tv.tv_sec = us / 1000000;
	tv.tv_usec = us % 1000000;
	evtimer_add(o->timer, &tv);
}

static void
output_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct output	*o = arg;

	if (o->state == OUTPUT_BUSY) {
		if (o->ops->timeout(o) == 0)
			output_done(o, OUTPUT_RETRY, -1, "timed out");
		return;
	}
	o->state = OUTPUT_IDLE;
	output_kick(o);
}

/* A retry: after Retry-After if the peer said, else the back-off. */
static void
output_retry(struct output *o, int64_t retry_after, const char *why)
{
	int64_t	 d;

	o->attempt++;
	o->stats.errors++;
	if (o->attempt > o->co->max_retries) {
		o->stats.dropped += outq_pop(o->q);
		output_droplog(o, why);
		o->attempt = 0;
		o->state = OUTPUT_IDLE;
		output_arm(o, 0);
		return;
	}
	if (o->attempt == 1)
		log_warnx("output %s: %s; retrying", o->name, why);
	else
		log_debug("output %s: retry %" PRIu64 " failed: %s", o->name,
		    o->attempt - 1, why);
	o->stats.retried += o->inflight;
	if (retry_after >= 0)
		d = retry_after + (int64_t)(output_rand(&o->rng) %
		    (uint64_t)(retry_after / 10 + 1));
	else
		d = output_backoff(o->co->backoff_min, o->co->backoff_max,
		    o->attempt, output_rand(&o->rng));
	o->state = OUTPUT_BACKOFF;
	output_arm(o, d);
}

/*
 * The transport's report on the batch in flight. The next batch starts
 * from the timer, not from here: the transport may be inside one of its
 * own callbacks.
 */
void
output_done(struct output *o, enum output_verdict v, int64_t retry_after,
    const char *fmt, ...)
{
	va_list	 ap;
	size_t	 n;

	if (o->state != OUTPUT_BUSY)
		return;
	evtimer_del(o->timer);
	if (v != OUTPUT_OK) {
		va_start(ap, fmt);
		vsnprintf(o->stats.last_error, sizeof(o->stats.last_error),
		    fmt, ap);
		va_end(ap);
	}
	switch (v) {
	case OUTPUT_OK:
		o->stats.sent += outq_pop(o->q);
		if (o->attempt > 0)
			log_info("output %s: delivering again", o->name);
		o->attempt = 0;
		break;
	case OUTPUT_REJECT:
		n = outq_pop(o->q);
		o->stats.rejected += n;
		o->stats.errors++;
		/* A peer that refuses every batch would flood the log. */
		if (log_rate(&o->reject_log, output_now(),
		    "output: refused batches"))
			log_warnx("output %s: %zu alerts refused: %s",
			    o->name, n, o->stats.last_error);
		o->attempt = 0;
		break;
	case OUTPUT_RETRY:
		output_retry(o, retry_after, o->stats.last_error);
		o->stats.depth = outq_depth(o->q);
		return;
	}
	o->stats.depth = outq_depth(o->q);
	o->state = OUTPUT_IDLE;
	output_arm(o, 0);
}

/*
 * Done for now: nothing in flight, and either nothing queued or all of
 * it safe in a spool while the peer is failing.
 */
static int
output_settled(const struct output *o)
{
	if (o->q == NULL)
		return (1);
	if (o->state == OUTPUT_BUSY)
		return (0);
	if (outq_depth(o->q) == 0)
		return (1);
	return (outq_is_spool(o->q) && outq_unsynced(o->q) == 0 &&
	    o->state == OUTPUT_BACKOFF);
}

int
outputs_settled(const struct outputs *os)
{
	size_t	 i;

	for (i = 0; i < os->n; i++)
		if (!output_settled(os->v[i]))
			return (0);
	for (i = 0; i < os->nold; i++)
		if (!output_settled(os->old[i]))
			return (0);
	return (1);
}

/* What a memory queue still holds is lost, and counted as dropped. */
static void
output_undelivered(struct output *o, const char *when)
{
	size_t	 n;

	if (o->q == NULL || outq_is_spool(o->q) ||
	    (n = outq_depth(o->q)) == 0)
		return;
	o->stats.dropped += n;
	o->stats.depth = 0;
	snprintf(o->stats.last_error, sizeof(o->stats.last_error),
	    "undelivered %s", when);
	log_warnx("output %s: %zu alerts undelivered %s", o->name, n, when);
}

static void
output_drain_cb(evutil_socket_t fd, short what, void *arg)
{
}

/*
 * At the end (of a replay, or of the daemon after SIGTERM): run the loop
 * until every output has delivered or spooled what it holds, or timeout
 * µs have passed; returns the µs it took. What a memory queue still holds
 * then is lost, and counted as dropped.
 */
int64_t
outputs_drain(struct outputs *os, int64_t timeout)
{
	struct event	*ev = NULL;
	struct timeval	 tv = { 0, OUTPUT_DRAIN_POLL };
	int64_t		 start = output_now();
	size_t		 i;

	(void)outputs_flush(os);
	if (!outputs_settled(os) && os->base != NULL &&
	    (ev = event_new(os->base, -1, EV_PERSIST, output_drain_cb,
	    NULL)) != NULL && event_add(ev, &tv) == 0) {
		while (!outputs_settled(os) && output_now() - start < timeout)
			if (event_base_loop(os->base, EVLOOP_ONCE) == -1 ||
			    event_base_got_break(os->base))
				break;
	}
	if (ev != NULL)
		event_free(ev);
	for (i = 0; i < os->n; i++)
		output_undelivered(os->v[i], "at exit");
	for (i = 0; i < os->nold; i++)
		output_undelivered(os->old[i], "at exit");
	return (output_now() - start);
}

/* SIGHUP: files are opened again, for logrotate. */
void
outputs_reopen(struct outputs *os)
{
	struct output	*o;
	FILE		*fp;
	size_t		 i;

	for (i = 0; i < os->n; i++) {
		o = os->v[i];
		if (o->type != OUT_FILE || o->fp == NULL)
			continue;
		if ((fp = output_fopen(o->path)) == NULL) {
			log_warn("output %s: reopening %s; still writing the "
			    "old file", o->name, o->path);
			continue;
		}
		if (fclose(o->fp) == EOF)
			log_warn("output %s: closing %s", o->name, o->path);
		o->fp = fp;
		if (o->iobuf != NULL && setvbuf(o->fp, o->iobuf, _IOFBF,
		    OUTPUT_FILE_BUFSZ) != 0) {
			free(o->iobuf);
			o->iobuf = NULL;
		}
	}
}

static void
outputs_emit_cb(void *arg, const struct alert *a)
{
	outputs_emit(arg, a);
}

void
outputs_sink(struct outputs *os, struct alert_sink *sink)
{
	sink->emit = outputs_emit_cb;
	sink->arg = os;
}

size_t
outputs_count(const struct outputs *os)
{
	return (os->n);
}

const char *
outputs_name(const struct outputs *os, size_t i)
{
	if (i >= os->n)
		return (NULL);
	return (os->v[i]->name);
}

const struct output_stats *
outputs_stats(const struct outputs *os, size_t i)
{
	if (i >= os->n)
		return (NULL);
	return (&os->v[i]->stats);
}

/* One line per output. */
void
outputs_print_stats(const struct outputs *os, FILE *fp)
{
	const struct output_stats	*s;
	size_t				 i;

	for (i = 0; i < os->n; i++) {
		s = &os->v[i]->stats;
		fprintf(fp, "signetd: output %s: queued %" PRIu64 " sent %"
		    PRIu64 " retried %" PRIu64 " rejected %" PRIu64
		    " dropped %" PRIu64 " spooled %" PRIu64 " filtered %"
		    PRIu64 " errors %" PRIu64 " depth %" PRIu64,
		    os->v[i]->name, s->queued, s->sent, s->retried,
		    s->rejected, s->dropped, s->spooled, s->filtered,
		    s->errors, s->depth);
		if (s->last_error[0] != '\0')
			fprintf(fp, " last_error \"%s\"", s->last_error);
		fputc('\n', fp);
	}
}

/*
 * A client TLS context: TLS 1.2 or later, the system's CAs and ca_file,
 * the chain verified unless tls_verify is off, which is said at every
 * start.
 */
SSL_CTX *
output_tls_ctx(const struct output *o, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		goto fail;
	if (!o->co->tls_verify) {
		log_warnx("output %s: tls_verify = no: the server's "
		    "certificate is not checked", o->name);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return (ctx);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_default_verify_paths(ctx) != 1)
		goto fail;
	if (o->co->ca_file != NULL && SSL_CTX_load_verify_locations(ctx,
	    o->co->ca_file, NULL) != 1)
		goto fail;
	return (ctx);
fail:
	snprintf(err, errlen, "output %s: TLS setup%s%s: %s", o->name,
	    o->co->ca_file != NULL ? ", " : "", o->co->ca_file != NULL ?
	    o->co->ca_file : "", ERR_reason_error_string(ERR_get_error()));
	SSL_CTX_free(ctx);
	return (NULL);
}

/*
 * One connection's SSL: the server must show a certificate for host (a
 * name, or an address in its IP SANs); a name also goes in SNI.
 */
SSL *
output_tls_ssl(SSL_CTX *ctx, const char *host, int verify)
{
	struct in6_addr	 a6;
	SSL		*ssl;
	int		 ip;

	if ((ssl = SSL_new(ctx)) == NULL)
		return (NULL);
	ip = inet_pton(AF_INET, host, &a6) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1;
	if (!ip && SSL_set_tlsext_host_name(ssl, host) != 1)
		goto fail;
	if (!verify)
		return (ssl);
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
	    host) != 1 : SSL_set1_host(ssl, host) != 1)
		goto fail;
	return (ssl);
fail:
	SSL_free(ssl);
	return (NULL);
}

/* --- reload ------------------------------------------------------------ */

/*
 * What outputs_prepare() made of a new configuration: for each of its
 * [output] sections in order, the instance to run and the one it
 * replaces (or NULL). An instance kept as it is appears as both.
 */
struct outputs_next {
	struct output		**v;
	struct output		**from;
	size_t			  n;
};

/* The running output of that name, or NULL. */
static struct output *
outputs_find(const struct outputs *os, const char *name)
{
	size_t	 i;

	for (i = 0; i < os->n; i++)
		if (strcmp(os->v[i]->name, name) == 0)
			return (os->v[i]);
	return (NULL);
}

static int
output_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

/*
 * Can the new settings co take over o's queue? Queued alerts are already
 * rendered (and, for syslog, given their header), so the type, format
 * and header settings must stay; so must the spool, which is on disk.
 */
static int
output_can_carry(const struct output *o, const struct conf_output *co)
{
	const struct conf_output	*p = o->co;

	return (o->q != NULL && co->type == p->type &&
	    co->format == p->format && co->protocol == p->protocol &&
	    co->facility == p->facility &&
	    output_streq(co->app_name, p->app_name) &&
	    output_streq(co->spool, p->spool));
}

/*
 * A spool is one writer's: a new instance may not open the directory of
 * one that runs, or of a removed one still delivering, unless it takes
 * that one's queue over. -1, with the reason in err, if it would.
 */
static int
outputs_spool_busy(const struct outputs *os, const struct conf_output *co,
    char *err, size_t errlen)
{
	const struct output	*o;
	size_t			 i;

	if (co->spool == NULL)
		return (0);
	for (i = 0; i < os->n + os->nold; i++) {
		o = i < os->n ? os->v[i] : os->old[i - os->n];
		if (o->q == NULL || !output_streq(o->co->spool, co->spool))
			continue;
		snprintf(err, errlen, "output %s: spool %s is in use by "
		    "output %s%s", co->name, co->spool, o->name, i < os->n ?
		    "" : " until it has delivered what it holds");
		return (-1);
	}
	return (0);
}

void
outputs_abort(struct outputs_next *nx)
{
	size_t	 i;

	if (nx == NULL)
		return;
	for (i = 0; i < nx->n; i++)
		if (nx->v[i] != NULL && nx->v[i] != nx->from[i])
			output_close(nx->v[i]);
	free(nx->v);
	free(nx->from);
	free(nx);
}

/*
 * The outputs a new configuration asks for, made without touching the
 * running ones: an unchanged section keeps its instance; a new or
 * changed one gets a new instance, opened now so that any error shows
 * before anything changes (NULL, the reason in err). A changed network
 * output whose queue can be carried over gets none of its own.
 */
struct outputs_next *
outputs_prepare(struct outputs *os, const struct conf *cf, char *err,
    size_t errlen)
{
	struct outputs_next	*nx;
	const struct conf_output *co;
	struct output		*old;
	size_t			 i;
	int			 carry;

	nx = xcalloc(1, sizeof(*nx));
	nx->v = xcalloc(cf->noutputs + 1, sizeof(*nx->v));
	nx->from = xcalloc(cf->noutputs + 1, sizeof(*nx->from));
	for (i = 0; i < cf->noutputs; i++) {
		co = &cf->outputs[i];
		old = outputs_find(os, co->name != NULL ? co->name : "");
		nx->from[i] = old;
		nx->n = i + 1;
		if (old != NULL && conf_output_equal(old->co, co)) {
			nx->v[i] = old;
			continue;
		}
		carry = old != NULL && output_can_carry(old, co);
		if (!carry && outputs_spool_busy(os, co, err, errlen) == -1) {
			outputs_abort(nx);
			return (NULL);
		}
		nx->v[i] = xcalloc(1, sizeof(*nx->v[i]));
		if (output_open(os, nx->v[i], carry, co, err, errlen) == -1) {
			outputs_abort(nx);
			return (NULL);
		}
	}
	return (nx);
}

/*
 * Move what o holds to n, its replacement. The batch o has in flight is
 * given up (it is still at the head of the queue, so n sends it again:
 * at least once, never lost). A memory queue of another size is copied
 * into n's own, oldest first; if it is shorter, the oldest are dropped.
 */
static void
output_carry(struct output *n, struct output *o)
{
	const struct outq_item	*it;
	size_t			 k, i;

	if (o->impl != NULL)
		o->ops->close(o);
	o->impl = NULL;
	o->state = OUTPUT_IDLE;
	evtimer_del(o->timer);
	n->stats = o->stats;
	if (outq_is_spool(o->q) || o->co->queue_size == n->co->queue_size) {
		n->q = o->q;
		o->q = NULL;
	} else {
		n->q = outq_new(n->co->queue_size);
		while ((k = outq_peek(o->q, 64, SIZE_MAX, &it)) > 0) {
			for (i = 0; i < k; i++)
				if (outq_push(n->q, it[i].p, it[i].len,
				    it[i].time) != 0)
					n->stats.dropped++;
			(void)outq_pop(o->q);
		}
	}
	n->stats.depth = outq_depth(n->q);
	if (n->stats.depth > 0)
		output_arm(n, 0);
}

/* Removed outputs that have delivered, or whose time is up, are freed. */
static void
outputs_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct outputs	*os = arg;
	struct output	*o;
	int64_t		 now = output_now();
	size_t		 i = 0;

	while (i < os->nold) {
		o = os->old[i];
		if (!output_settled(o) && now < o->retire_by) {
			i++;
			continue;
		}
		output_undelivered(o, "when removed");
		log_info("output %s: removed", o->name);
		output_close(o);
		os->old[i] = os->old[--os->nold];
	}
	if (os->nold == 0)
		evtimer_del(os->reaper);
}

/*
 * An output the configuration no longer has (or has with settings its
 * queue cannot go to): it takes no more alerts. A file is flushed and
 * closed at once; a network output goes on delivering what it holds for
 * at most timeout µs (a spool keeps the rest for the next start).
 */
static void
output_retire(struct outputs *os, struct output *o, int64_t timeout)
{
	struct timeval	 tv = { 0, 100000 };

	if (o->fp != NULL && fflush(o->fp) == EOF)
		o->stats.errors++;
	if (o->q == NULL || output_settled(o) || os->base == NULL) {
		output_undelivered(o, "when removed");
		output_close(o);
		return;
	}
	if (os->reaper == NULL && (os->reaper = event_new(os->base, -1,
	    EV_PERSIST, outputs_reap_cb, os)) == NULL)
		fatalx("output %s: cannot make a timer", o->name);
	o->retire_by = output_now() + timeout;
	os->old = xreallocarray(os->old, os->nold + 1, sizeof(*os->old));
	os->old[os->nold++] = o;
	if (!evtimer_pending(os->reaper, NULL))
		evtimer_add(os->reaper, &tv);
	output_sync(o);
	output_kick(o);
}

/*
 * Swap in what outputs_prepare() made: replaced instances hand their
 * queue over (or retire), removed ones retire, kept ones go on as they
 * were. Alerts emitted from now on go to the new set.
 */
void
outputs_commit(struct outputs *os, struct outputs_next *nx, int64_t timeout)
{
	struct output	*o;
	size_t		 i, j;
	int		 used;

	for (i = 0; i < os->n; i++) {
		o = os->v[i];
		used = 0;
		for (j = 0; j < nx->n; j++) {
			if (nx->from[j] != o)
				continue;
			used = 1;
			if (nx->v[j] == o)
				break;
			log_notice("output %s: settings changed", o->name);
			if (nx->v[j]->ops != NULL && nx->v[j]->q == NULL) {
				output_carry(nx->v[j], o);
				output_close(o);
			} else
				output_retire(os, o, timeout);
			break;
		}
		if (!used) {
			log_notice("output %s: removed from the configuration",
			    o->name);
			output_retire(os, o, timeout);
		}
	}
	for (j = 0; j < nx->n; j++)
		if (nx->from[j] == NULL)
			log_notice("output %s: added", nx->v[j]->name);
	free(os->v);
	os->v = nx->v;
	os->n = nx->n;
	free(nx->from);
	free(nx);
}
