/*
 * signetd tests: the metrics. The text format (HELP and TYPE once per
 * family, label escapes, exact numbers), the log form against it, the
 * numbers collected from a known stream, and the HTTP server: 200, 404
 * and 405, a port that cannot be bound, and reloads that move it.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "testutil.h"

#include "config.h"
#include "buf.h"
#include "conf.h"
#include "engine.h"
#include "enrich.h"
#include "metrics.h"
#include "pipeline.h"
#include "xmalloc.h"

static const struct metric_family fa = { "t_a_total", "Help of a.",
    METRIC_COUNTER, 2, { "x", "y" } };
static const struct metric_family fb = { "t_b", "Help of b.",
    METRIC_GAUGE, 0, { NULL } };
static const struct metric_family fc = { "t_c_total",
    "Back\\slash, \"quotes\"\nand a newline.", METRIC_COUNTER, 1,
    { "name" } };

/* The samples of an exposition, without the comment lines. */
static void
samples_of(const char *text, struct buf *out)
{
	const char	*p = text, *nl;

	buf_reset(out);
	while (*p != '\0') {
		nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		if (*p != '#')
			buf_add(out, p, nl - p + 1);
		p = nl + 1;
	}
}

static size_t
count_of(const char *hay, const char *needle)
{
	size_t	 n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return (n);
}

START_TEST(test_metrics_prom_format)
{
	struct metric_list	 l;
	struct buf		 b;

	metric_list_init(&l);
	buf_init(&b);
	metric_add(&l, &fa, 3, "p", "q");
	metric_add(&l, &fa, UINT64_MAX, "p", "r");
	metric_add(&l, &fb, 0);
	metrics_render_prom(&l, &b);
	ck_assert_str_eq(b.p,
	    "# HELP t_a_total Help of a.\n"
	    "# TYPE t_a_total counter\n"
	    "t_a_total{x=\"p\",y=\"q\"} 3\n"
	    "t_a_total{x=\"p\",y=\"r\"} 18446744073709551615\n"
	    "# HELP t_b Help of b.\n"
	    "# TYPE t_b gauge\n"
	    "t_b 0\n");
	buf_clear(&b);
	metric_list_clear(&l);
}
END_TEST

/* Label values: \ " and newline escaped; HELP: \ and newline only. */
START_TEST(test_metrics_label_escaping)
{
	struct metric_list	 l;
	struct buf		 b;

	metric_list_init(&l);
	buf_init(&b);
	metric_add(&l, &fc, 7, "a\"b\\c\nd");
	metric_add(&l, &fc, 8, "");
	metrics_render_prom(&l, &b);
	ck_assert_str_eq(b.p,
	    "# HELP t_c_total Back\\\\slash, \"quotes\"\\nand a newline.\n"
	    "# TYPE t_c_total counter\n"
	    "t_c_total{name=\"a\\\"b\\\\c\\nd\"} 7\n"
	    "t_c_total{name=\"\"} 8\n");
	buf_clear(&b);
	metric_list_clear(&l);
}
END_TEST

/* The log form is the samples of the exposition, each line prefixed. */
START_TEST(test_metrics_log_form)
{
	struct metric_list	 l;
	struct buf		 b, s, want;
	char			*text = NULL;
	size_t			 len = 0;
	FILE			*fp;

	metric_list_init(&l);
	buf_init(&b);
	buf_init(&s);
	buf_init(&want);
	metric_add(&l, &fa, 1, "p", "q");
	metric_add(&l, &fb, 2);
	metric_add(&l, &fc, 3, "x\"y");
	metrics_render_prom(&l, &b);
	samples_of(b.p, &s);
	buf_adds(&want, "signetd: metric t_a_total{x=\"p\",y=\"q\"} 1\n"
	    "signetd: metric t_b 2\n"
	    "signetd: metric t_c_total{name=\"x\\\"y\"} 3\n");
	fp = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(fp);
	metrics_render_log(&l, fp);
	fclose(fp);
	ck_assert_str_eq(text, want.p);
	ck_assert_str_eq(s.p, "t_a_total{x=\"p\",y=\"q\"} 1\nt_b 2\n"
	    "t_c_total{name=\"x\\\"y\"} 3\n");
	free(text);
	buf_clear(&b);
	buf_clear(&s);
	buf_clear(&want);
	metric_list_clear(&l);
}
END_TEST

/* The value of the sample that starts with `name', or -1. */
static int64_t
value_of(const char *text, const char *name)
{
	const char	*p = text;
	size_t		 n = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return (strtoll(p + n + 1, NULL, 10));
		p += n;
	}
	return (-1);
}

struct demo {
	struct conf	*cf;
	struct sinkbuf	 sb;
	struct enrich	*en;
	struct engine	*e;
	struct pipeline	*p;
};

/* The bundled demo stream through the pipeline, as --replay does. */
static void
demo_run(struct demo *d)
{
	struct sipkey	 sk = { 1, 2 };
	struct alert_sink sink = sinkbuf_sink(&d->sb);
	char		 line[65536];
	FILE		*fp;

	d->cf = conf_new();
	ck_assert_ptr_nonnull(d->en = enrich_new(d->cf, &sink, stderr));
	enrich_sink(d->en, &sink);
	d->e = engine_new(d->cf, &sink, &sk);
	d->p = pipeline_new(d->e, d->cf->max_message);
	ck_assert_ptr_nonnull(fp = fopen(TESTDATA "/demo.jsonl", "r"));
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		pipeline_message(d->p, line, strlen(line), T0, 0);
	}
	fclose(fp);
	engine_flush(d->e, T0);
}

static void
demo_free(struct demo *d)
{
	pipeline_free(d->p);
	engine_free(d->e);
	enrich_free(d->en);
	conf_free(d->cf);
}

/*
 * The numbers of a known stream (tests/data/demo.jsonl: 288 lines,
 * 18 Sysmon events of IDs we do not use, 2 records of no source we
 * know), and every family's HELP and TYPE just once.
 */
/* With a state_file, its saves and failed saves, as SIGUSR1 prints them. */
START_TEST(test_metrics_state_saves)
{
	struct metrics_sources	 src;
	struct metric_list	 l;
	struct buf		 b;

	memset(&src, 0, sizeof(src));
	src.state_file = 1;
	src.saves = 7;
	src.save_failures = 2;
	metric_list_init(&l);
	buf_init(&b);
	metrics_collect(&l, &src);
	metrics_render_prom(&l, &b);
	ck_assert_int_eq(value_of(b.p,
	    "signetd_state_saves_total{result=\"ok\"}"), 7);
	ck_assert_int_eq(value_of(b.p,
	    "signetd_state_saves_total{result=\"failed\"}"), 2);
	buf_clear(&b);
	metric_list_clear(&l);
}
END_TEST

START_TEST(test_metrics_collect_numbers)
{
	struct demo		 d;
	struct metrics_sources	 src;
	struct metric_list	 l;
	struct buf		 b, name;
	struct enrich_stats	 es;
	const struct metric_family *prev = NULL;
	size_t			 i;
	int			 r, s;
	int64_t			 sum;

	memset(&d, 0, sizeof(d));
	demo_run(&d);
	memset(&src, 0, sizeof(src));
	src.pipe = d.p;
	src.engine = d.e;
	src.enrich = d.en;
	src.state_memory = 12345;
	src.start = T0;
	src.now = T0 + 90 * T_SEC;
	metric_list_init(&l);
	buf_init(&b);
	buf_init(&name);
	metrics_collect(&l, &src);
	metrics_render_prom(&l, &b);
	ck_assert_int_eq(value_of(b.p, "signetd_messages_total"), 288);
	ck_assert_int_eq(value_of(b.p,
	    "signetd_records_total{source=\"mde\",kind=\"cert\"}"), 5);
	ck_assert_int_eq(value_of(b.p,
	    "signetd_records_total{source=\"mde\",kind=\"net\"}"), 44);
	ck_assert_int_eq(value_of(b.p,
	    "signetd_records_total{source=\"sysmon\",kind=\"proc\"}"), 29);
	ck_assert_int_eq(value_of(b.p,
	    "signetd_records_total{source=\"sysmon\",kind=\"load\"}"), 119);
	ck_assert_int_eq(value_of(b.p,
	    "signetd_records_skipped_total{reason=\"ignored\"}"), 18);
	ck_assert_int_eq(value_of(b.p,
	    "signetd_records_skipped_total{reason=\"unknown_source\"}"), 2);
	ck_assert_int_eq(value_of(b.p,
	    "signetd_records_skipped_total{reason=\"not_json\"}"), 0);
	ck_assert_int_eq(value_of(b.p, "signetd_state_budget_bytes"), 12345);
	/* No state_file: no saves family. */
	ck_assert_ptr_null(strstr(b.p, "signetd_state_saves_total"));
	ck_assert_int_eq(value_of(b.p, "signetd_uptime_seconds"), 90);
	ck_assert_int_eq(value_of(b.p, "signetd_start_time_seconds"),
	    T0 / T_SEC);
	ck_assert_int_eq(value_of(b.p, "signetd_build_info{version=\""
	    PACKAGE_VERSION "\"}"), 1);
	ck_assert_int_eq(value_of(b.p,
	    "signetd_state_entries{table=\"signature_facts\"}"),
	    engine_netjoin_stats(d.e)->keys);
	/* Alerts: what the sink got, by rule and severity. */
	enrich_get_stats(d.en, &es);
	ck_assert_uint_gt(d.sb.n, 0);
	ck_assert_uint_eq(es.sent, d.sb.n);
	for (sum = 0, r = 0; r < RULE_NRULES; r++)
		for (s = 0; s < SEV_NSEVERITIES; s++) {
			buf_reset(&name);
			buf_printf(&name, "signetd_alerts_total{rule=\"%s\","
			    "severity=\"%s\"}", alert_rule_name(r),
			    severity_name(s));
			ck_assert_int_eq(value_of(b.p, name.p),
			    es.sent_by[r][s]);
			sum += value_of(b.p, name.p);
		}
	ck_assert_int_eq(sum, (int64_t)d.sb.n);
	ck_assert_int_eq(value_of(b.p,
	    "signetd_alerts_raised_total{rule=\"imageload\"}"),
	    sinkbuf_count(&d.sb, RULE_IMAGELOAD, ALERT_ALERT) +
	    sinkbuf_count(&d.sb, RULE_IMAGELOAD, ALERT_REPORT));
	/* One run per family, so one HELP and TYPE each. */
	for (i = 0; i < l.n; i++) {
		if (l.v[i].fam == prev)
			continue;
		prev = l.v[i].fam;
		buf_reset(&name);
		buf_printf(&name, "# HELP %s ", prev->name);
		ck_assert_uint_eq(count_of(b.p, name.p), 1);
		buf_reset(&name);
		buf_printf(&name, "# TYPE %s ", prev->name);
		ck_assert_uint_eq(count_of(b.p, name.p), 1);
		ck_assert_int_eq(strncmp(prev->name, "signetd_", 8), 0);
		if (prev->type == METRIC_COUNTER)
			ck_assert_str_eq(prev->name + strlen(prev->name) - 6,
			    "_total");
		else
			ck_assert_ptr_null(strstr(prev->name, "_total"));
	}
	buf_clear(&b);
	buf_clear(&name);
	metric_list_clear(&l);
	demo_free(&d);
}
END_TEST

/* The HTTP side: a base, a server, a client on the same loop. */
struct http_test {
	struct event_base	*base;
	int			 pending;
	int			 code[4];
	char			*body[4];
	char			 ctype[4][128];
};

struct http_req {
	struct http_test	*t;
	int			 i;
};

static void
fill_cb(void *arg, struct metrics_sources *src)
{
	src->start = T0;
	src->now = T0 + 5 * T_SEC;
}

/* A port free on 127.0.0.1 now. */
static uint16_t
free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;
	uint16_t		 port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

/* 1 when something listens on 127.0.0.1:port. */
static int
can_connect(uint16_t port)
{
	struct sockaddr_in	 sin;
	int			 fd, rv;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rv = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);
	return (rv == 0);
}

static void
set_listen(struct conf *cf, uint16_t port)
{
	char	 spec[64];

	free(cf->metrics_listen);
	cf->metrics_listen = NULL;
	if (port == 0)
		return;
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", (unsigned int)port);
	cf->metrics_listen = xstrdup(spec);
}

static void
http_done_cb(struct evhttp_request *req, void *arg)
{
	struct http_req		*r = arg;
	struct evbuffer		*in;
	const char		*ct;
	size_t			 n;

	if (req != NULL) {
		r->t->code[r->i] = evhttp_request_get_response_code(req);
		in = evhttp_request_get_input_buffer(req);
		n = evbuffer_get_length(in);
		r->t->body[r->i] = xcalloc(1, n + 1);
		evbuffer_remove(in, r->t->body[r->i], n);
		ct = evhttp_find_header(evhttp_request_get_input_headers(req),
		    "Content-Type");
		if (ct != NULL)
			snprintf(r->t->ctype[r->i], sizeof(r->t->ctype[0]),
			    "%s", ct);
	}
	if (--r->t->pending == 0)
		event_base_loopexit(r->t->base, NULL);
}

static void
http_send(struct http_test *t, struct http_req *r, uint16_t port,
    enum evhttp_cmd_type cmd, const char *path)
{
	struct evhttp_connection *c;
	struct evhttp_request	*req;

	c = evhttp_connection_base_new(t->base, NULL, "127.0.0.1", port);
	ck_assert_ptr_nonnull(c);
	evhttp_connection_free_on_completion(c);
	evhttp_connection_set_timeout(c, 10);
	req = evhttp_request_new(http_done_cb, r);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    "localhost");
	ck_assert_int_eq(evhttp_make_request(c, req, cmd, path), 0);
	t->pending++;
}

START_TEST(test_metrics_http_serve)
{
	struct http_test	 t;
	struct http_req		 r[4];
	struct conf		*cf = conf_new();
	struct metrics		*m;
	struct timeval		 limit = { 20, 0 };
	char			 err[256];
	uint16_t		 port = free_port();
	int			 i;

	memset(&t, 0, sizeof(t));
	ck_assert_ptr_nonnull(t.base = event_base_new());
	set_listen(cf, port);
	m = metrics_new(t.base, cf, fill_cb, NULL, err, sizeof(err));
	ck_assert_msg(m != NULL, "metrics_new: %s", err);
	for (i = 0; i < 4; i++) {
		r[i].t = &t;
		r[i].i = i;
	}
	http_send(&t, &r[0], port, EVHTTP_REQ_GET, "/metrics");
	http_send(&t, &r[1], port, EVHTTP_REQ_GET, "/other");
	http_send(&t, &r[2], port, EVHTTP_REQ_POST, "/metrics");
	http_send(&t, &r[3], port, EVHTTP_REQ_GET, "/metrics?x=1");
	event_base_loopexit(t.base, &limit);
	event_base_dispatch(t.base);
	ck_assert_int_eq(t.pending, 0);
	ck_assert_int_eq(t.code[0], 200);
	ck_assert_str_eq(t.ctype[0],
	    "text/plain; version=0.0.4; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(t.body[0],
	    "# TYPE signetd_build_info gauge\n"
	    "signetd_build_info{version=\"" PACKAGE_VERSION "\"} 1\n"));
	ck_assert_int_eq(value_of(t.body[0], "signetd_uptime_seconds"), 5);
	ck_assert_int_eq(t.code[1], 404);
	ck_assert_int_eq(t.code[2], 405);
	ck_assert_int_eq(t.code[3], 200);
	for (i = 0; i < 4; i++)
		free(t.body[i]);
	metrics_free(m);
	event_base_free(t.base);
	conf_free(cf);
}
END_TEST

/* A port that cannot be bound: no metrics object, and a reason. */
START_TEST(test_metrics_bind_failure)
{
	struct event_base	*base = event_base_new();
	struct conf		*cf = conf_new();
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	char			 err[256], want[64];
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	set_listen(cf, ntohs(sin.sin_port));
	err[0] = '\0';
	ck_assert_ptr_null(metrics_new(base, cf, fill_cb, NULL, err,
	    sizeof(err)));
	snprintf(want, sizeof(want), "cannot listen on 127.0.0.1:%u",
	    (unsigned int)ntohs(sin.sin_port));
	ck_assert_msg(strstr(err, want) != NULL, "err: %s", err);
	close(fd);
	conf_free(cf);
	event_base_free(base);
}
END_TEST

/* Reloads start, move and stop the server; a failed move keeps it. */
START_TEST(test_metrics_reload)
{
	struct event_base	*base = event_base_new();
	struct conf		*cf = conf_new();
	struct metrics		*m;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	char			 err[256];
	uint16_t		 a = free_port(), b;
	int			 fd;

	m = metrics_new(base, cf, fill_cb, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(can_connect(a), 0);
	set_listen(cf, a);
	ck_assert_int_eq(metrics_reload(m, cf), 0);
	ck_assert_int_eq(can_connect(a), 1);
	ck_assert_int_eq(metrics_reload(m, cf), 0);
	ck_assert_int_eq(can_connect(a), 1);
	b = free_port();
	set_listen(cf, b);
	ck_assert_int_eq(metrics_reload(m, cf), 0);
	ck_assert_int_eq(can_connect(b), 1);
	ck_assert_int_eq(can_connect(a), 0);
	/* A port another socket holds: -1, and b stays. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	set_listen(cf, ntohs(sin.sin_port));
	ck_assert_int_eq(metrics_reload(m, cf), -1);
	ck_assert_int_eq(can_connect(b), 1);
	close(fd);
	set_listen(cf, 0);
	ck_assert_int_eq(metrics_reload(m, cf), 0);
	ck_assert_int_eq(can_connect(b), 0);
	metrics_free(m);
	conf_free(cf);
	event_base_free(base);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_metrics_prom_format);
	tcase_add_test(tc, test_metrics_label_escaping);
	tcase_add_test(tc, test_metrics_log_form);
	tcase_add_test(tc, test_metrics_collect_numbers);
	tcase_add_test(tc, test_metrics_state_saves);
	tcase_add_test(tc, test_metrics_http_serve);
	tcase_add_test(tc, test_metrics_bind_failure);
	tcase_add_test(tc, test_metrics_reload);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
