/*
 * signetd: the counters as a list of samples, and its two renderings
 * (see metrics.h). The list is collected whole from the modules' stats
 * at the moment it is asked for; nothing here keeps counters of its own.
 *
 * Names follow the Prometheus conventions: a signetd_ prefix, counters
 * end in _total, sizes in _bytes, times in _seconds. Labels hold names
 * from fixed tables (sources, kinds, reasons, rules, severities) or
 * from the configuration (listener and output names), escaped all the
 * same as the text format asks: backslash, double quote and newline.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "alert.h"
#include "allow.h"
#include "buf.h"
#include "engine.h"
#include "enrich.h"
#include "listen.h"
#include "metrics.h"
#include "output.h"
#include "pipeline.h"
#include "rec.h"
#include "xmalloc.h"

/* A family; its label names end with NULL, which is not counted. */
#define F_COUNTER(n, h, ...)	{ "signetd_" n, h, METRIC_COUNTER,	\
	sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *) - 1, \
	{ __VA_ARGS__ } }
#define F_GAUGE(n, h, ...)	{ "signetd_" n, h, METRIC_GAUGE,	\
	sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *) - 1, \
	{ __VA_ARGS__ } }

/* Records. */
static const struct metric_family f_messages = F_COUNTER("messages_total",
    "Messages handed to the pipeline (one JSON value each).", NULL);
static const struct metric_family f_message_bytes = F_COUNTER(
    "message_bytes_total", "Bytes of the messages handed to the pipeline.",
    NULL);
static const struct metric_family f_records = F_COUNTER("records_total",
    "Records decoded, by source and kind.", "source", "kind", NULL);
static const struct metric_family f_skipped = F_COUNTER(
    "records_skipped_total", "Messages and records skipped, by reason.",
    "reason", NULL);
static const struct metric_family f_accepted = F_COUNTER(
    "records_accepted_total", "Records the rules took in, by kind.",
    "kind", NULL);
static const struct metric_family f_late = F_COUNTER("records_late_total",
    "Records dropped as older than the watermark less the window, by kind.",
    "kind", NULL);
static const struct metric_family f_clamped = F_COUNTER(
    "records_clamped_total",
    "Future event times replaced by the arrival time.", NULL);

/* State. */
static const struct metric_family f_entries = F_GAUGE("state_entries",
    "Entries in the rules' state, by table.", "table", NULL);
static const struct metric_family f_bytes = F_GAUGE("state_bytes",
    "Memory the rules' state takes, by table.", "table", NULL);
static const struct metric_family f_budget = F_GAUGE("state_budget_bytes",
    "The state_memory budget.", NULL);
static const struct metric_family f_evictions = F_COUNTER(
    "state_evictions_total",
    "State entries evicted to stay within state_memory, by table.",
    "table", NULL);
static const struct metric_family f_budget_evictions = F_COUNTER(
    "state_budget_evictions_total",
    "Evictions forced by the state_memory budget.", NULL);
static const struct metric_family f_saves = F_COUNTER(
    "state_saves_total",
    "Saves of state_file (periodic and at stop), by result.", "result",
    NULL);
static const struct metric_family f_untracked = F_COUNTER(
    "imageload_untracked_total",
    "New imageload groups not kept: over the rule's share of memory.",
    NULL);
static const struct metric_family f_il_late = F_COUNTER(
    "imageload_late_total",
    "Image loads for a window already reported.", NULL);
static const struct metric_family f_waited_out = F_COUNTER(
    "netjoin_waited_out_total",
    "Connections that waited for a signature fact in vain.", NULL);

/* Alerts. */
static const struct metric_family f_raised = F_COUNTER(
    "alerts_raised_total",
    "Alerts (and imageload window reports) the rules raised, by rule.",
    "rule", NULL);
static const struct metric_family f_alerts = F_COUNTER("alerts_total",
    "Alerts handed to the outputs, by rule and severity.", "rule",
    "severity", NULL);
static const struct metric_family f_allowlisted = F_COUNTER(
    "alerts_allowlisted_total",
    "Alerts an allowlist entry dropped, by its scope and kind.", "scope",
    "kind", NULL);
static const struct metric_family f_escalated = F_COUNTER(
    "alerts_escalated_total",
    "Alerts made critical by their remote country or AS number.", NULL);
static const struct metric_family f_suppressed = F_COUNTER(
    "netjoin_suppressed_total",
    "Netjoin matches held back by the suppression interval.", NULL);
static const struct metric_family f_geo_lookups = F_COUNTER(
    "geoip_lookups_total", "GeoIP lookups.", NULL);
static const struct metric_family f_geo_cached = F_COUNTER(
    "geoip_cache_hits_total", "GeoIP lookups answered from the cache.",
    NULL);
static const struct metric_family f_geo_not_found = F_COUNTER(
    "geoip_not_found_total", "GeoIP lookups of an address in no database.",
    NULL);
static const struct metric_family f_geo_errors = F_COUNTER(
    "geoip_errors_total", "GeoIP lookups that met corrupt data.", NULL);
static const struct metric_family f_reloads = F_COUNTER(
    "enrich_reloads_total",
    "Reloads of the allowlists, GeoIP databases and severities, by result.",
    "result", NULL);

/* Outputs, one sample each. */
static const struct metric_family f_out_queued = F_COUNTER(
    "output_queued_total", "Alerts an output took in.", "output", NULL);
static const struct metric_family f_out_sent = F_COUNTER(
    "output_sent_total", "Alerts an output delivered or wrote.", "output",
    NULL);
static const struct metric_family f_out_retried = F_COUNTER(
    "output_retried_total", "Alerts sent again after a failed attempt.",
    "output", NULL);
static const struct metric_family f_out_rejected = F_COUNTER(
    "output_rejected_total", "Alerts the peer refused for good.", "output",
    NULL);
static const struct metric_family f_out_dropped = F_COUNTER(
    "output_dropped_total",
    "Alerts lost to a full queue, max_retries, max_age or a write error.",
    "output", NULL);
static const struct metric_family f_out_spooled = F_COUNTER(
    "output_spooled_total", "Alerts written to the spool.", "output", NULL);
static const struct metric_family f_out_filtered = F_COUNTER(
    "output_filtered_total",
    "Alerts not for this output (rules, min_severity).", "output", NULL);
static const struct metric_family f_out_errors = F_COUNTER(
    "output_errors_total", "Failed writes and delivery attempts.",
    "output", NULL);
static const struct metric_family f_out_depth = F_GAUGE(
    "output_queue_depth", "Alerts in the output's queue now.", "output",
    NULL);

/* Listeners, one sample each (refusals: one per reason). */
static const struct metric_family f_lis_accepted = F_COUNTER(
    "listen_connections_accepted_total", "Connections accepted.",
    "listener", NULL);
static const struct metric_family f_lis_active = F_GAUGE(
    "listen_connections_active", "Connections open now.", "listener", NULL);
static const struct metric_family f_lis_refused = F_COUNTER(
    "listen_connections_refused_total",
    "Connections closed at once: sender not allowed, or over a limit.",
    "listener", "reason", NULL);
static const struct metric_family f_lis_idle = F_COUNTER(
    "listen_idle_closed_total", "Connections closed for being idle.",
    "listener", NULL);
static const struct metric_family f_lis_handshake = F_COUNTER(
    "listen_handshake_failed_total", "TLS handshakes that failed.",
    "listener", NULL);
static const struct metric_family f_lis_mid_frame = F_COUNTER(
    "listen_closed_mid_frame_total",
    "Frames lost to a connection closed in their middle.", "listener",
    NULL);
static const struct metric_family f_lis_accept_errors = F_COUNTER(
    "listen_accept_errors_total", "Failed accepts.", "listener", NULL);
static const struct metric_family f_lis_backoffs = F_COUNTER(
    "listen_fd_backoffs_total",
    "Pauses of accepting for want of file descriptors.", "listener", NULL);
static const struct metric_family f_lis_datagrams = F_COUNTER(
    "listen_datagrams_total", "Datagrams received.", "listener", NULL);
static const struct metric_family f_lis_dgram_refused = F_COUNTER(
    "listen_datagrams_refused_total", "Datagrams from senders not allowed.",
    "listener", NULL);
static const struct metric_family f_lis_truncated = F_COUNTER(
    "listen_truncated_total", "Datagrams longer than max_message.",
    "listener", NULL);
static const struct metric_family f_lis_kernel_drops = F_COUNTER(
    "listen_kernel_drops_total",
    "Datagrams the kernel dropped for want of buffer space.", "listener",
    NULL);
static const struct metric_family f_lis_bytes = F_COUNTER(
    "listen_bytes_total", "Bytes received.", "listener", NULL);
static const struct metric_family f_lis_messages = F_COUNTER(
    "listen_messages_total", "Messages handed to the pipeline.",
    "listener", NULL);
static const struct metric_family f_lis_too_long = F_COUNTER(
    "listen_too_long_total", "Frames longer than max_message.",
    "listener", NULL);
static const struct metric_family f_lis_bad_frame = F_COUNTER(
    "listen_bad_frame_total", "Octet-counting frames that do not parse.",
    "listener", NULL);
static const struct metric_family f_lis_empty = F_COUNTER(
    "listen_empty_total", "Empty frames and datagrams.", "listener", NULL);

/* The process. */
static const struct metric_family f_build = F_GAUGE("build_info",
    "Always 1; the version is in the label.", "version", NULL);
static const struct metric_family f_start = F_GAUGE("start_time_seconds",
    "When the process started, seconds since the epoch.", NULL);
static const struct metric_family f_uptime = F_GAUGE("uptime_seconds",
    "Seconds since the process started.", NULL);

static void	metrics_collect_records(struct metric_list *,
		    const struct pipeline *, struct engine *);
static void	metrics_collect_state(struct metric_list *, struct engine *,
		    uint64_t);
static void	metrics_collect_alerts(struct metric_list *,
		    const struct enrich *, struct engine *);
static void	metrics_collect_outputs(struct metric_list *,
		    const struct outputs *);
static void	metrics_collect_listeners(struct metric_list *,
		    const struct listeners *);
static void	metrics_collect_process(struct metric_list *, int64_t,
		    int64_t);
static void	metrics_sample(const struct metric *, struct buf *);
static void	metrics_escape(struct buf *, const char *, int);

void
metric_list_init(struct metric_list *l)
{
	l->v = NULL;
	l->n = l->cap = 0;
}

void
metric_list_clear(struct metric_list *l)
{
	free(l->v);
	metric_list_init(l);
}

/* One sample of fam: its label values follow, as many as fam has labels. */
void
metric_add(struct metric_list *l, const struct metric_family *fam,
    uint64_t value, ...)
{
	struct metric	*m;
	va_list		 ap;
	size_t		 i;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	m = &l->v[l->n++];
	m->fam = fam;
	m->value = value;
	va_start(ap, value);
	for (i = 0; i < METRIC_MAX_LABELS; i++)
		m->values[i] = i < fam->nlabels ? va_arg(ap, const char *) :
		    NULL;
	va_end(ap);
}

static void
metrics_collect_records(struct metric_list *l, const struct pipeline *p,
    struct engine *e)
{
	const struct pipeline_stats	*ps = pipeline_stats(p);
	const struct engine_stats	*es = engine_stats(e);
	int				 s, k;

	metric_add(l, &f_messages, ps->messages);
	metric_add(l, &f_message_bytes, ps->bytes);
	for (s = 0; s < SRC_NSOURCES; s++)
		for (k = 0; k < REC_NKINDS; k++)
			metric_add(l, &f_records, ps->by_source_kind[s][k],
			    rec_source_name(s), rec_kind_name(k));
	for (k = 0; k < SKIP_NREASONS; k++)
		metric_add(l, &f_skipped, ps->skipped[k], skip_reason_name(k));
	for (k = 0; k < REC_NKINDS; k++)
		metric_add(l, &f_accepted, es->accepted[k], rec_kind_name(k));
	for (k = 0; k < REC_NKINDS; k++)
		metric_add(l, &f_late, es->late[k], rec_kind_name(k));
	metric_add(l, &f_clamped, es->clamped);
}

/*
 * Entries per table; bytes per rule (netjoin accounts its three tables
 * as one) and for the interned strings both rules share.
 */
static void
metrics_collect_state(struct metric_list *l, struct engine *e,
    uint64_t budget)
{
	const struct engine_stats	*es = engine_stats(e);
	const struct netjoin_stats	*n = engine_netjoin_stats(e);
	const struct imageload_stats	*i = engine_imageload_stats(e);

	metric_add(l, &f_entries, n->keys, "signature_facts");
	metric_add(l, &f_entries, n->procs, "processes");
	metric_add(l, &f_entries, n->groups, "waiting_groups");
	metric_add(l, &f_entries, i->groups, "imageload_groups");
	metric_add(l, &f_entries, i->windows, "imageload_windows");
	metric_add(l, &f_bytes, n->bytes, "netjoin");
	metric_add(l, &f_bytes, i->bytes, "imageload");
	metric_add(l, &f_bytes, es->intern_bytes, "strings");
	metric_add(l, &f_budget, budget);
	metric_add(l, &f_evictions, n->evicted_keys, "signature_facts");
	metric_add(l, &f_evictions, n->evicted_procs, "processes");
	metric_add(l, &f_evictions, n->evicted_groups, "waiting_groups");
	metric_add(l, &f_evictions, n->evicted_events, "waiting_events");
	metric_add(l, &f_budget_evictions, es->over_budget);
	metric_add(l, &f_untracked, i->untracked);
	metric_add(l, &f_il_late, i->late);
	metric_add(l, &f_waited_out, n->waited_out);
}

static void
metrics_collect_alerts(struct metric_list *l, const struct enrich *en,
    struct engine *e)
{
	struct enrich_stats	 st;
	int			 r, s;

	enrich_get_stats(en, &st);
	for (r = 0; r < RULE_NRULES; r++)
		metric_add(l, &f_raised, st.by_rule[r], alert_rule_name(r));
	for (r = 0; r < RULE_NRULES; r++)
		for (s = 0; s < SEV_NSEVERITIES; s++)
			metric_add(l, &f_alerts, st.sent_by[r][s],
			    alert_rule_name(r), severity_name(s));
	for (r = 0; r < ALLOW_NSCOPES; r++)
		for (s = 0; s < ALLOW_NKINDS; s++)
			metric_add(l, &f_allowlisted, st.suppressed[r][s],
			    allow_scope_name(r), allow_kind_name(s));
	metric_add(l, &f_escalated, st.escalated);
	metric_add(l, &f_suppressed, engine_netjoin_stats(e)->suppressed);
	metric_add(l, &f_geo_lookups, st.geoip.lookups);
	metric_add(l, &f_geo_cached, st.geoip.cached);
	metric_add(l, &f_geo_not_found, st.geoip.not_found);
	metric_add(l, &f_geo_errors, st.geoip.errors);
	metric_add(l, &f_reloads, st.reloads, "ok");
	metric_add(l, &f_reloads, st.reload_failures, "failed");
}

/* Family by family, so that each family's samples stay together. */
static void
metrics_collect_outputs(struct metric_list *l, const struct outputs *os)
{
	static const struct {
		const struct metric_family	*fam;
		size_t				 off;
	} tab[] = {
		{ &f_out_queued, offsetof(struct output_stats, queued) },
		{ &f_out_sent, offsetof(struct output_stats, sent) },
		{ &f_out_retried, offsetof(struct output_stats, retried) },
		{ &f_out_rejected, offsetof(struct output_stats, rejected) },
		{ &f_out_dropped, offsetof(struct output_stats, dropped) },
		{ &f_out_spooled, offsetof(struct output_stats, spooled) },
		{ &f_out_filtered, offsetof(struct output_stats, filtered) },
		{ &f_out_errors, offsetof(struct output_stats, errors) },
		{ &f_out_depth, offsetof(struct output_stats, depth) },
	};
	const struct output_stats	*st;
	size_t				 t, i;

	for (t = 0; t < sizeof(tab) / sizeof(tab[0]); t++)
		for (i = 0; i < outputs_count(os); i++) {
			st = outputs_stats(os, i);
			metric_add(l, tab[t].fam, *(const uint64_t *)
			    (const void *)((const char *)st + tab[t].off),
			    outputs_name(os, i));
		}
}

static void
metrics_collect_listeners(struct metric_list *l, const struct listeners *ls)
{
#define LS(f)	{ &f_lis_##f, offsetof(struct listen_stats, f) }
	static const struct {
		const struct metric_family	*fam;
		size_t				 off;
	} tab[] = {
		{ &f_lis_accepted, offsetof(struct listen_stats, accepted) },
		{ &f_lis_active, offsetof(struct listen_stats, active) },
		{ &f_lis_idle, offsetof(struct listen_stats, idle_closed) },
		{ &f_lis_handshake, offsetof(struct listen_stats,
		    handshake_failed) },
		{ &f_lis_mid_frame, offsetof(struct listen_stats,
		    closed_mid_frame) },
		{ &f_lis_accept_errors, offsetof(struct listen_stats,
		    accept_errors) },
		{ &f_lis_backoffs, offsetof(struct listen_stats, fd_backoffs) },
		LS(datagrams),
		{ &f_lis_dgram_refused, offsetof(struct listen_stats,
		    refused_datagrams) },
		LS(truncated),
		LS(kernel_drops),
		LS(bytes),
		LS(messages),
		LS(too_long),
		LS(bad_frame),
		LS(empty),
	};
#undef LS
	const struct listen_stats	*st;
	size_t				 t, i;

	for (i = 0; i < listeners_count(ls); i++) {
		st = listeners_stats(ls, i);
		metric_add(l, &f_lis_refused, st->refused_allow,
		    listeners_name(ls, i), "allow");
		metric_add(l, &f_lis_refused, st->refused_limit,
		    listeners_name(ls, i), "limit");
	}
	for (t = 0; t < sizeof(tab) / sizeof(tab[0]); t++)
		for (i = 0; i < listeners_count(ls); i++) {
			st = listeners_stats(ls, i);
			metric_add(l, tab[t].fam, *(const uint64_t *)
			    (const void *)((const char *)st + tab[t].off),
			    listeners_name(ls, i));
		}
}

static void
metrics_collect_process(struct metric_list *l, int64_t start, int64_t now)
{
	metric_add(l, &f_build, 1, PACKAGE_VERSION);
	metric_add(l, &f_start, (uint64_t)(start / 1000000));
	metric_add(l, &f_uptime, now > start ?
	    (uint64_t)((now - start) / 1000000) : 0);
}

/* Everything, from the sources that run, into l (emptied first). */
void
metrics_collect(struct metric_list *l, const struct metrics_sources *src)
{
	l->n = 0;
	metrics_collect_process(l, src->start, src->now);
	if (src->pipe != NULL && src->engine != NULL)
		metrics_collect_records(l, src->pipe, src->engine);
	if (src->engine != NULL)
		metrics_collect_state(l, src->engine, src->state_memory);
	if (src->state_file) {
		metric_add(l, &f_saves, src->saves, "ok");
		metric_add(l, &f_saves, src->save_failures, "failed");
	}
	if (src->enrich != NULL && src->engine != NULL)
		metrics_collect_alerts(l, src->enrich, src->engine);
	if (src->out != NULL)
		metrics_collect_outputs(l, src->out);
	if (src->lis != NULL)
		metrics_collect_listeners(l, src->lis);
}

/*
 * The text format's escapes: in HELP, backslash and newline; in a label
 * value, the double quote too.
 */
static void
metrics_escape(struct buf *b, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_adds(b, "\\\\");
		else if (*s == '\n')
			buf_adds(b, "\\n");
		else if (*s == '"' && quote)
			buf_adds(b, "\\\"");
		else
			buf_addc(b, *s);
	}
}

/* NAME{label="value",...} VALUE, as both renderings write a sample. */
static void
metrics_sample(const struct metric *m, struct buf *b)
{
	size_t	 i;

	buf_adds(b, m->fam->name);
	for (i = 0; i < m->fam->nlabels; i++) {
		buf_addc(b, i == 0 ? '{' : ',');
		buf_adds(b, m->fam->labels[i]);
		buf_adds(b, "=\"");
		metrics_escape(b, m->values[i] != NULL ? m->values[i] : "", 1);
		buf_addc(b, '"');
	}
	if (m->fam->nlabels > 0)
		buf_addc(b, '}');
	buf_printf(b, " %" PRIu64 "\n", m->value);
}

/*
 * The Prometheus text exposition format, version 0.0.4: HELP and TYPE
 * once, before the first sample of each family.
 */
void
metrics_render_prom(const struct metric_list *l, struct buf *b)
{
	const struct metric_family	*prev = NULL;
	size_t				 i;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].fam != prev) {
			prev = l->v[i].fam;
			buf_printf(b, "# HELP %s ", prev->name);
			metrics_escape(b, prev->help, 0);
			buf_printf(b, "\n# TYPE %s %s\n", prev->name,
			    prev->type == METRIC_COUNTER ? "counter" : "gauge");
		}
		metrics_sample(&l->v[i], b);
	}
}

/* The log form: "signetd: metric " and the sample, one line each. */
void
metrics_render_log(const struct metric_list *l, FILE *fp)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < l->n; i++) {
		buf_adds(&b, "signetd: metric ");
		metrics_sample(&l->v[i], &b);
	}
	if (b.len > 0)
		fwrite(b.p, 1, b.len, fp);
	buf_clear(&b);
}

/* Collect and print in the log form, for SIGUSR1 and --replay. */
void
metrics_print(const struct metrics_sources *src, FILE *fp)
{
	struct metric_list	 l;

	metric_list_init(&l);
	metrics_collect(&l, src);
	metrics_render_log(&l, fp);
	metric_list_clear(&l);
}
