/*
 * Unit tests for output.c: file outputs round trip through temporary
 * files, open and write errors are reported and counted, and the sink
 * reaches the same path; rules and min_severity filter and count; the
 * retry policy (HTTP verdicts, back-off, Retry-After); outputs_check().
 */
/* mkstemp() is POSIX; -std=c11 hides it unless asked for. */
#define _POSIX_C_SOURCE	200809L

#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <yajl/yajl_tree.h>

#include "config.h"
#include "alert.h"
#include "buf.h"
#include "conf.h"
#include "output.h"
#include "output_int.h"

#define T0	INT64_C(1709287200000000)
#define SL(s)	((struct slice){ (s), sizeof(s) - 1 })

struct tmpfile {
	char	path[64];
};

static void
tmp_make(struct tmpfile *t)
{
	int	fd;

	strcpy(t->path, "/tmp/check_output.XXXXXX");
	fd = mkstemp(t->path);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

/* The whole file as a NUL-terminated string; the caller frees it. */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE	*fp;
	char	*s;
	long	 n;

	fp = fopen(path, "rb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	ck_assert_int_ge(n, 0);
	rewind(fp);
	s = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = '\0';
	fclose(fp);
	if (lenp != NULL)
		*lenp = (size_t)n;
	return (s);
}

static void
sample_alert(struct alert *a, uint64_t count)
{
	memset(a, 0, sizeof(*a));
	a->kind = ALERT_ALERT;
	a->rule = RULE_NETJOIN;
	a->severity = SEV_HIGH;
	a->time = T0;
	a->detected_at = T0;
	a->device_id = SL("dev-1");
	a->device_name = SL("ws01");
	a->image = SL("C:\\x\\a.exe");
	a->has_sha1 = 1;
	memset(a->sha1, 0xab, sizeof(a->sha1));
	a->has_net = 1;
	a->remote_ip.s6_addr[10] = 0xff;
	a->remote_ip.s6_addr[11] = 0xff;
	a->remote_ip.s6_addr[12] = 81;
	a->remote_ip.s6_addr[13] = 2;
	a->remote_ip.s6_addr[14] = 69;
	a->remote_ip.s6_addr[15] = 142;
	a->count = count;
	a->first_seen = T0;
	a->last_seen = T0;
}

static void
conf_with(struct conf *c, struct conf_output *o, size_t n)
{
	memset(c, 0, sizeof(*c));
	c->outputs = o;
	c->noutputs = n;
}

/* The text of the alert as alert_json or alert_text renders it, + '\n'. */
static char *
rendered(const struct alert *a, enum output_format f)
{
	struct buf	 b;

	buf_init(&b);
	if (f == FMT_JSON)
		alert_json(a, &b);
	else
		alert_text(a, &b);
	buf_addc(&b, '\n');
	return (b.p);
}

START_TEST(test_output_file_roundtrip)
{
	struct tmpfile		 tj, tt;
	struct conf		 c;
	struct conf_output	 o[2];
	struct outputs		*os;
	struct alert		 a[3];
	struct buf		 want;
	char			 err[256], *s, *line, *nl;
	size_t			 i, n;
	yajl_val		 v;

	tmp_make(&tj);
	tmp_make(&tt);
	o[0] = (struct conf_output){ .name = "alerts", .type = OUT_FILE,
	    .format = FMT_JSON, .path = tj.path, .line = 1 };
	o[1] = (struct conf_output){ .name = "ops", .type = OUT_FILE,
	    .format = FMT_TEXT, .path = tt.path, .line = 5 };
	conf_with(&c, o, 2);
	os = outputs_new(&c, NULL, err, sizeof(err));
	ck_assert_msg(os != NULL, "%s", err);
	ck_assert_uint_eq(outputs_count(os), 2);
	ck_assert_str_eq(outputs_name(os, 0), "alerts");
	ck_assert_str_eq(outputs_name(os, 1), "ops");
	ck_assert_ptr_null(outputs_name(os, 2));
	ck_assert_ptr_null(outputs_stats(os, 2));

	buf_init(&want);
	for (i = 0; i < 3; i++) {
		sample_alert(&a[i], i + 1);
		outputs_emit(os, &a[i]);
	}
	ck_assert_int_eq(outputs_flush(os), 0);
	ck_assert_uint_eq(outputs_stats(os, 0)->sent, 3);
	ck_assert_uint_eq(outputs_stats(os, 0)->errors, 0);
	ck_assert_uint_eq(outputs_stats(os, 1)->sent, 3);
	ck_assert_uint_eq(outputs_stats(os, 1)->errors, 0);
	outputs_free(os);

	/* JSON: three lines, each one object with its own count. */
	s = slurp(tj.path, &n);
	line = s;
	for (i = 0; i < 3; i++) {
		nl = strchr(line, '\n');
		ck_assert_ptr_nonnull(nl);
		*nl = '\0';
		v = yajl_tree_parse(line, err, sizeof(err));
		ck_assert_msg(v != NULL, "line %zu: %s", i, err);
		ck_assert_int_eq(YAJL_GET_INTEGER(yajl_tree_get(v,
		    (const char *[]){ "count", NULL }, yajl_t_number)),
		    (long long)i + 1);
		yajl_tree_free(v);
		line = nl + 1;
	}
	ck_assert_str_eq(line, "");
	free(s);

	/* Text: byte for byte what alert_text gives. */
	for (i = 0; i < 3; i++) {
		line = rendered(&a[i], FMT_TEXT);
		buf_adds(&want, line);
		free(line);
	}
	s = slurp(tt.path, NULL);
	ck_assert_str_eq(s, want.p);
	free(s);
	buf_clear(&want);
	unlink(tj.path);
	unlink(tt.path);
}
END_TEST

/* Files are opened for append: what was there stays. */
START_TEST(test_output_file_appends)
{
	struct tmpfile		 t;
	struct conf		 c;
	struct conf_output	 o;
	struct outputs		*os;
	struct alert		 a;
	FILE			*fp;
	char			 err[256], *s, *want;

	tmp_make(&t);
	fp = fopen(t.path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("old line\n", fp);
	fclose(fp);
	o = (struct conf_output){ .name = "f", .type = OUT_FILE,
	    .format = FMT_JSON, .path = t.path, .line = 1 };
	conf_with(&c, &o, 1);
	os = outputs_new(&c, NULL, err, sizeof(err));
	ck_assert_msg(os != NULL, "%s", err);
	sample_alert(&a, 1);
	outputs_emit(os, &a);
	outputs_free(os);		/* closing flushes */
	s = slurp(t.path, NULL);
	want = rendered(&a, FMT_JSON);
	ck_assert_int_eq(strncmp(s, "old line\n", 9), 0);
	ck_assert_str_eq(s + 9, want);
	free(s);
	free(want);
	unlink(t.path);
}
END_TEST

/*
 * outputs_flush_due(): an alert stays in the buffer until the oldest one
 * since the last flush is `age' old at `now'; then all are written, and
 * the next alert starts the wait again.
 */
START_TEST(test_output_flush_due)
{
	struct tmpfile		 t;
	struct conf		 c;
	struct conf_output	 o;
	struct outputs		*os;
	struct alert		 a, b;
	char			 err[256], *s, *wa, *wb;
	int64_t			 before, after;

	tmp_make(&t);
	o = (struct conf_output){ .name = "f", .type = OUT_FILE,
	    .format = FMT_JSON, .path = t.path, .line = 1 };
	conf_with(&c, &o, 1);
	os = outputs_new(&c, NULL, err, sizeof(err));
	ck_assert_msg(os != NULL, "%s", err);
	ck_assert_int_eq(outputs_flush_due(os, output_now() + 1000000, 250),
	    0);
	sample_alert(&a, 1);
	sample_alert(&b, 2);
	wa = rendered(&a, FMT_JSON);
	wb = rendered(&b, FMT_JSON);

	before = output_now();
	outputs_emit(os, &a);
	after = output_now();
	ck_assert_int_eq(outputs_flush_due(os, before + 249, 250), 0);
	s = slurp(t.path, NULL);
	ck_assert_str_eq(s, "");
	free(s);
	ck_assert_int_eq(outputs_flush_due(os, after + 250, 250), 0);
	s = slurp(t.path, NULL);
	ck_assert_str_eq(s, wa);
	free(s);

	/* The wait starts at the next alert, not at the first one. */
	before = output_now();
	outputs_emit(os, &b);
	ck_assert_int_eq(outputs_flush_due(os, before + 249, 250), 0);
	s = slurp(t.path, NULL);
	ck_assert_str_eq(s, wa);
	free(s);
	ck_assert_int_eq(outputs_flush(os), 0);
	ck_assert_int_eq(outputs_flush_due(os, output_now() + 1000000, 250),
	    0);
	s = slurp(t.path, NULL);
	ck_assert_uint_eq(strlen(s), strlen(wa) + strlen(wb));
	ck_assert_str_eq(s + strlen(wa), wb);
	free(s);
	outputs_free(os);
	free(wa);
	free(wb);
	unlink(t.path);
}
END_TEST

/*
 * outputs_flush_due() leaves spools alone (an fdatasync per call would
 * cost more than the read it interrupts): outputs_flush() syncs them.
 */
START_TEST(test_output_flush_due_spool)
{
	struct event_base	*base;
	struct conf		 c;
	struct conf_output	 o;
	struct outputs		*os;
	struct alert		 a;
	char			 dir[] = "/tmp/check_output.XXXXXX", err[256];
	char			 cmd[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_nonnull(base = event_base_new());
	o = (struct conf_output){ .name = "h1", .type = OUT_WEBHOOK,
	    .format = FMT_JSON, .url = "http://127.0.0.1:9/", .batch = 1,
	    .queue_size = 10, .spool = dir, .spool_max = 1 << 20,
	    .max_retries = 1, .max_age = INT64_C(1) << 40,
	    .backoff_min = 1000000, .backoff_max = 1000000,
	    .connect_timeout = 1000000, .request_timeout = 1000000,
	    .retry_after_max = 1000000, .line = 1 };
	conf_with(&c, &o, 1);
	os = outputs_new(&c, base, err, sizeof(err));
	ck_assert_msg(os != NULL, "%s", err);
	sample_alert(&a, 1);
	outputs_emit(os, &a);
	ck_assert_int_eq(outputs_flush_due(os, output_now() + 1000000, 250),
	    0);
	ck_assert_uint_eq(outputs_stats(os, 0)->spooled, 0);
	ck_assert_int_eq(outputs_flush(os), 0);
	ck_assert_uint_eq(outputs_stats(os, 0)->spooled, 1);
	outputs_free(os);
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A file output creates its file 0640, whatever the umask allows. */
START_TEST(test_output_file_mode)
{
	struct tmpfile		 t;
	struct conf		 c;
	struct conf_output	 o;
	struct outputs		*os;
	struct stat		 sb;
	char			 err[256];
	mode_t			 old;

	tmp_make(&t);
	unlink(t.path);
	old = umask(0);
	o = (struct conf_output){ .name = "f", .type = OUT_FILE,
	    .format = FMT_JSON, .path = t.path, .line = 1 };
	conf_with(&c, &o, 1);
	os = outputs_new(&c, NULL, err, sizeof(err));
	umask(old);
	ck_assert_msg(os != NULL, "%s", err);
	ck_assert_int_eq(stat(t.path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0640);
	/* Reopened for logrotate: a new file, the same mode. */
	ck_assert_int_eq(unlink(t.path), 0);
	old = umask(0);
	outputs_reopen(os);
	umask(old);
	ck_assert_int_eq(stat(t.path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0640);
	outputs_free(os);
	unlink(t.path);
}
END_TEST

/* Two outputs of one format get the same bytes. */
START_TEST(test_output_same_format_twice)
{
	struct tmpfile		 t1, t2;
	struct conf		 c;
	struct conf_output	 o[2];
	struct outputs		*os;
	struct alert		 a;
	char			 err[256], *s1, *s2;
	size_t			 i;

	tmp_make(&t1);
	tmp_make(&t2);
	o[0] = (struct conf_output){ .name = "a", .type = OUT_FILE,
	    .format = FMT_TEXT, .path = t1.path, .line = 1 };
	o[1] = (struct conf_output){ .name = "b", .type = OUT_FILE,
	    .format = FMT_TEXT, .path = t2.path, .line = 2 };
	conf_with(&c, o, 2);
	os = outputs_new(&c, NULL, err, sizeof(err));
	ck_assert_msg(os != NULL, "%s", err);
	for (i = 0; i < 100; i++) {
		sample_alert(&a, i);
		outputs_emit(os, &a);
	}
	ck_assert_int_eq(outputs_flush(os), 0);
	outputs_free(os);
	s1 = slurp(t1.path, NULL);
	s2 = slurp(t2.path, NULL);
	ck_assert_str_eq(s1, s2);
	ck_assert_ptr_nonnull(strstr(s1, " count=99 "));
	free(s1);
	free(s2);
	unlink(t1.path);
	unlink(t2.path);
}
END_TEST

START_TEST(test_output_sink)
{
	struct tmpfile		 t;
	struct conf		 c;
	struct conf_output	 o;
	struct outputs		*os;
	struct alert_sink	 sink;
	struct alert		 a;
	char			 err[256], *s, *want;

	tmp_make(&t);
	o = (struct conf_output){ .name = "f", .type = OUT_FILE,
	    .format = FMT_TEXT, .path = t.path, .line = 1 };
	conf_with(&c, &o, 1);
	os = outputs_new(&c, NULL, err, sizeof(err));
	ck_assert_msg(os != NULL, "%s", err);
	outputs_sink(os, &sink);
	sample_alert(&a, 7);
	sink.emit(sink.arg, &a);
	ck_assert_uint_eq(outputs_stats(os, 0)->sent, 1);
	ck_assert_int_eq(outputs_flush(os), 0);
	s = slurp(t.path, NULL);
	want = rendered(&a, FMT_TEXT);
	ck_assert_str_eq(s, want);
	free(s);
	free(want);
	outputs_free(os);
	unlink(t.path);
}
END_TEST

/* A file that cannot be opened fails the whole set, naming the file. */
START_TEST(test_output_open_error)
{
	struct tmpfile		 t;
	struct conf		 c;
	struct conf_output	 o[2];
	char			 err[256];

	tmp_make(&t);
	o[0] = (struct conf_output){ .name = "good", .type = OUT_FILE,
	    .format = FMT_JSON, .path = t.path, .line = 1 };
	o[1] = (struct conf_output){ .name = "bad", .type = OUT_FILE,
	    .format = FMT_JSON, .path = "/nonexistent-signetd-dir/alerts.json", .line = 4 };
	conf_with(&c, o, 2);
	err[0] = '\0';
	ck_assert_ptr_null(outputs_new(&c, NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err,
	    "/nonexistent-signetd-dir/alerts.json"));
	ck_assert_ptr_nonnull(strstr(err, "bad"));
	ck_assert_ptr_nonnull(strstr(err, "No such file"));

	o[1].path = NULL;
	err[0] = '\0';
	ck_assert_ptr_null(outputs_new(&c, NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "bad"));
	unlink(t.path);
}
END_TEST

/* /dev/full takes the open and fails the write: counted, flush says -1. */
START_TEST(test_output_write_error)
{
	struct conf		 c;
	struct conf_output	 o;
	struct outputs		*os;
	struct alert		 a;
	char			 err[256];

	if (access("/dev/full", W_OK) != 0)
		return;
	o = (struct conf_output){ .name = "full", .type = OUT_FILE,
	    .format = FMT_JSON, .path = "/dev/full", .line = 1 };
	conf_with(&c, &o, 1);
	os = outputs_new(&c, NULL, err, sizeof(err));
	ck_assert_msg(os != NULL, "%s", err);
	sample_alert(&a, 1);
	outputs_emit(os, &a);
	ck_assert_int_eq(outputs_flush(os), -1);
	ck_assert_uint_eq(outputs_stats(os, 0)->errors, 1);
	/* The next failure is seen again, not hidden behind the first. */
	outputs_emit(os, &a);
	ck_assert_int_eq(outputs_flush(os), -1);
	ck_assert_uint_eq(outputs_stats(os, 0)->errors, 2);
	outputs_free(os);
}
END_TEST

START_TEST(test_output_stdout_and_none)
{
	struct conf		 c;
	struct conf_output	 o;
	struct outputs		*os;
	struct alert		 a;
	char			 err[256];

	o = (struct conf_output){ .name = "console", .type = OUT_STDOUT,
	    .format = FMT_TEXT, .path = NULL, .line = 1 };
	conf_with(&c, &o, 1);
	os = outputs_new(&c, NULL, err, sizeof(err));
	ck_assert_msg(os != NULL, "%s", err);
	ck_assert_uint_eq(outputs_count(os), 1);
	ck_assert_str_eq(outputs_name(os, 0), "console");
	ck_assert_uint_eq(outputs_stats(os, 0)->sent, 0);
	outputs_free(os);	/* must not close stdout */
	ck_assert_int_ne(fcntl(STDOUT_FILENO, F_GETFD), -1);

	conf_with(&c, NULL, 0);
	os = outputs_new(&c, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(os);
	ck_assert_uint_eq(outputs_count(os), 0);
	sample_alert(&a, 1);
	outputs_emit(os, &a);
	ck_assert_int_eq(outputs_flush(os), 0);
	outputs_free(os);
	outputs_free(NULL);
}
END_TEST

START_TEST(test_output_http_verdict)
{
	static const int	 ok[] = { 200, 201, 202, 204, 299 };
	static const int	 retry[] = { 408, 429, 500, 502, 503, 504, 599 };
	static const int	 reject[] = { 100, 301, 302, 400, 401, 403, 404,
				    409, 413, 422, 600 };
	size_t			 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		ck_assert_int_eq(output_http_verdict(ok[i]), OUTPUT_OK);
	for (i = 0; i < sizeof(retry) / sizeof(retry[0]); i++)
		ck_assert_int_eq(output_http_verdict(retry[i]), OUTPUT_RETRY);
	for (i = 0; i < sizeof(reject) / sizeof(reject[0]); i++)
		ck_assert_int_eq(output_http_verdict(reject[i]),
		    OUTPUT_REJECT);
}
END_TEST

/* Doubling from min, capped at max, half of it jitter. */
START_TEST(test_output_backoff)
{
	int64_t		 min = 1000000, max = 60000000, d, lo, hi;
	uint64_t	 a, r, seed = 1;
	int		 k;

	for (a = 1; a <= 40; a++) {
		hi = min << (a - 1 < 20 ? a - 1 : 20);
		if (hi > max)
			hi = max;
		lo = hi / 2;
		for (k = 0; k < 50; k++) {
			r = output_rand(&seed);
			d = output_backoff(min, max, a, r);
			ck_assert_msg(d >= lo && d <= hi, "attempt %llu: %lld "
			    "not in [%lld, %lld]", (unsigned long long)a,
			    (long long)d, (long long)lo, (long long)hi);
		}
	}
	/* The jitter spreads: not every draw is the same. */
	ck_assert_int_ne(output_backoff(min, max, 3, 1),
	    output_backoff(min, max, 3, 2000000));
	ck_assert_int_eq(output_backoff(min, max, 1, 0), min / 2);
	ck_assert_int_eq(output_backoff(min, max, 100, 0), max / 2);
}
END_TEST

START_TEST(test_output_retry_after)
{
	int64_t	 max = 300000000;

	ck_assert_int_eq(output_retry_after("2", max, 0), 2000000);
	ck_assert_int_eq(output_retry_after(" 5 ", max, 0), 5000000);
	ck_assert_int_eq(output_retry_after("0", max, 0), 0);
	ck_assert_int_eq(output_retry_after("86400", max, 0), max);
	ck_assert_int_eq(output_retry_after("99999999999999999999", max, 0),
	    max);
	ck_assert_int_eq(output_retry_after(NULL, max, 0), -1);
	ck_assert_int_eq(output_retry_after("", max, 0), -1);
	ck_assert_int_eq(output_retry_after("-1", max, 0), -1);
	ck_assert_int_eq(output_retry_after("2s", max, 0), -1);
	ck_assert_int_eq(output_retry_after("Wed, 21 Oct 2015 07:28:00 GMT",
	    max, 0), -1);
}
END_TEST

/* rules and min_severity: what does not pass is counted as filtered. */
START_TEST(test_output_filter)
{
	struct tmpfile		 t;
	struct conf		 c;
	struct conf_output	 o;
	struct outputs		*os;
	struct alert		 a;
	char			 err[256], *s;

	tmp_make(&t);
	o = (struct conf_output){ .name = "f", .type = OUT_FILE,
	    .format = FMT_TEXT, .path = t.path, .line = 1,
	    .rules = { "imageload" }, .nrules = 1,
	    .min_severity = SEV_HIGH };
	conf_with(&c, &o, 1);
	os = outputs_new(&c, NULL, err, sizeof(err));
	ck_assert_msg(os != NULL, "%s", err);
	sample_alert(&a, 1);		/* netjoin, high */
	outputs_emit(os, &a);
	a.rule = RULE_IMAGELOAD;
	a.severity = SEV_MEDIUM;
	outputs_emit(os, &a);
	a.severity = SEV_CRITICAL;
	a.count = 77;
	outputs_emit(os, &a);
	ck_assert_uint_eq(outputs_stats(os, 0)->filtered, 2);
	ck_assert_uint_eq(outputs_stats(os, 0)->sent, 1);
	outputs_free(os);
	s = slurp(t.path, NULL);
	ck_assert_ptr_nonnull(strstr(s, "CRITICAL imageload"));
	ck_assert_ptr_nonnull(strstr(s, "count=77"));
	ck_assert_ptr_null(strchr(strchr(s, '\n') + 1, '\n'));
	free(s);
	unlink(t.path);
}
END_TEST

/* CEF and LEEF lines go to files too; slack does not. */
START_TEST(test_output_check)
{
	struct conf		 c;
	struct conf_output	 o[4];
	FILE			*fp;
	char			*msgs = NULL;
	size_t			 len = 0;

	o[0] = (struct conf_output){ .name = "a", .type = OUT_FILE,
	    .format = FMT_CEF, .path = "/dev/null", .line = 1 };
	o[1] = (struct conf_output){ .name = "b", .type = OUT_STDOUT,
	    .format = FMT_SLACK, .line = 5 };
	o[2] = (struct conf_output){ .name = "c", .type = OUT_WEBHOOK,
	    .format = FMT_JSON, .url = "gopher://x/", .batch = 1,
	    .line = 9 };
	o[3] = (struct conf_output){ .name = "d", .type = OUT_SYSLOG,
	    .format = FMT_CEF, .target = "tcp://[::1]:6514", .line = 13 };
	conf_with(&c, o, 4);
	fp = open_memstream(&msgs, &len);
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(outputs_check(&c, fp), 2);
	fclose(fp);
	ck_assert_str_eq(msgs, "(defaults):5: [output b]: format slack is "
	    "not for type stdout\n(defaults):9: [output c]: url: not "
	    "http:// or https://\n");
	free(msgs);
}
END_TEST

/* SIGHUP after logrotate moved the file: the next alert is in a new one. */
START_TEST(test_output_reopen)
{
	struct tmpfile		 t;
	struct conf		 c;
	struct conf_output	 o;
	struct outputs		*os;
	struct alert		 a;
	char			 err[256], moved[80], *s;

	tmp_make(&t);
	snprintf(moved, sizeof(moved), "%s.1", t.path);
	o = (struct conf_output){ .name = "f", .type = OUT_FILE,
	    .format = FMT_TEXT, .path = t.path, .line = 1 };
	conf_with(&c, &o, 1);
	os = outputs_new(&c, NULL, err, sizeof(err));
	ck_assert_msg(os != NULL, "%s", err);
	sample_alert(&a, 1);
	outputs_emit(os, &a);
	ck_assert_int_eq(outputs_flush(os), 0);
	ck_assert_int_eq(rename(t.path, moved), 0);
	sample_alert(&a, 2);
	outputs_emit(os, &a);		/* before the HUP: the old file */
	outputs_reopen(os);
	sample_alert(&a, 3);
	outputs_emit(os, &a);
	outputs_free(os);
	s = slurp(moved, NULL);
	ck_assert_ptr_nonnull(strstr(s, "count=1"));
	ck_assert_ptr_nonnull(strstr(s, "count=2"));
	ck_assert_ptr_null(strstr(s, "count=3"));
	free(s);
	s = slurp(t.path, NULL);
	ck_assert_ptr_null(strstr(s, "count=2"));
	ck_assert_ptr_nonnull(strstr(s, "count=3"));
	free(s);
	unlink(moved);
	unlink(t.path);
}
END_TEST

/* The number of lines of a file. */
static size_t
nlines(const char *path)
{
	char	*s, *p;
	size_t	 n = 0;

	s = slurp(path, NULL);
	for (p = s; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	free(s);
	return (n);
}

/*
 * A reload: an unchanged output keeps its instance, a removed one stops
 * taking alerts, a new one starts taking them; a changed network output
 * keeps what it had queued, whether its queue is handed over (same size)
 * or copied (another size). A configuration that cannot be opened
 * changes nothing.
 */
START_TEST(test_output_reload)
{
	struct tmpfile		 tf, tg, tn;
	struct event_base	*base;
	struct conf		 c;
	struct conf_output	 o[4];
	struct outputs		*os;
	struct outputs_next	*nx;
	const struct output_stats *kept;
	struct alert		 a;
	char			 err[256];

	tmp_make(&tf);
	tmp_make(&tg);
	tmp_make(&tn);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	o[0] = (struct conf_output){ .name = "f", .type = OUT_FILE,
	    .format = FMT_JSON, .path = tf.path, .line = 1 };
	o[1] = (struct conf_output){ .name = "g", .type = OUT_FILE,
	    .format = FMT_JSON, .path = tg.path, .line = 5 };
	o[2] = (struct conf_output){ .name = "h1", .type = OUT_WEBHOOK,
	    .format = FMT_JSON, .url = "http://127.0.0.1:9/", .batch = 1,
	    .queue_size = 10, .max_retries = 1, .max_age = INT64_C(1) << 40,
	    .backoff_min = 1000000, .backoff_max = 1000000,
	    .connect_timeout = 1000000, .request_timeout = 1000000,
	    .retry_after_max = 1000000, .line = 9 };
	o[3] = o[2];
	o[3].name = "h2";
	conf_with(&c, o, 4);
	os = outputs_new(&c, base, err, sizeof(err));
	ck_assert_msg(os != NULL, "%s", err);
	sample_alert(&a, 1);
	outputs_emit(os, &a);
	kept = outputs_stats(os, 0);
	ck_assert_uint_eq(outputs_stats(os, 2)->depth, 1);
	ck_assert_uint_eq(outputs_stats(os, 3)->depth, 1);

	/* f as it was, g gone, h1 and h2 changed, n new. */
	o[1] = (struct conf_output){ .name = "n", .type = OUT_FILE,
	    .format = FMT_JSON, .path = tn.path, .line = 5 };
	o[2].max_retries = 5;
	o[3].queue_size = 20;
	nx = outputs_prepare(os, &c, err, sizeof(err));
	ck_assert_msg(nx != NULL, "%s", err);
	ck_assert_uint_eq(outputs_count(os), 4);	/* not yet */
	outputs_commit(os, nx, 1000000);
	ck_assert_uint_eq(outputs_count(os), 4);
	ck_assert_str_eq(outputs_name(os, 0), "f");
	ck_assert_str_eq(outputs_name(os, 1), "n");
	ck_assert_str_eq(outputs_name(os, 2), "h1");
	ck_assert_str_eq(outputs_name(os, 3), "h2");
	ck_assert_ptr_eq(outputs_stats(os, 0), kept);
	ck_assert_uint_eq(outputs_stats(os, 2)->depth, 1);
	ck_assert_uint_eq(outputs_stats(os, 2)->queued, 1);
	ck_assert_uint_eq(outputs_stats(os, 3)->depth, 1);
	ck_assert_uint_eq(outputs_stats(os, 3)->dropped, 0);
	sample_alert(&a, 2);
	outputs_emit(os, &a);
	ck_assert_int_eq(outputs_flush(os), 0);
	ck_assert_uint_eq(outputs_stats(os, 0)->sent, 2);
	ck_assert_uint_eq(outputs_stats(os, 2)->queued, 2);
	ck_assert_uint_eq(nlines(tf.path), 2);
	ck_assert_uint_eq(nlines(tg.path), 1);
	ck_assert_uint_eq(nlines(tn.path), 1);

	/* A file that cannot be opened: nothing changes. */
	o[1].path = "/nonexistent/dir/alerts";
	o[0].format = FMT_TEXT;
	ck_assert_ptr_null(outputs_prepare(os, &c, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "output n: cannot open "
	    "/nonexistent/dir/alerts"));
	ck_assert_str_eq(outputs_name(os, 1), "n");
	ck_assert_ptr_eq(outputs_stats(os, 0), kept);
	outputs_emit(os, &a);
	ck_assert_int_eq(outputs_flush(os), 0);
	ck_assert_uint_eq(nlines(tn.path), 2);
	outputs_free(os);
	event_base_free(base);
	unlink(tf.path);
	unlink(tg.path);
	unlink(tn.path);
}
END_TEST

/*
 * A spool has one writer: a reload may hand it to the replacement of its
 * output, but not open it for another while it is in use.
 */
START_TEST(test_output_reload_spool)
{
	struct event_base	*base;
	struct conf		 c;
	struct conf_output	 o;
	struct outputs		*os;
	struct outputs_next	*nx;
	struct alert		 a;
	char			 dir[] = "/tmp/check_output.XXXXXX", err[256];
	char			 cmd[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_nonnull(base = event_base_new());
	o = (struct conf_output){ .name = "h1", .type = OUT_WEBHOOK,
	    .format = FMT_JSON, .url = "http://127.0.0.1:9/", .batch = 1,
	    .queue_size = 10, .spool = dir, .spool_max = 1 << 20,
	    .max_retries = 1, .max_age = INT64_C(1) << 40,
	    .backoff_min = 1000000, .backoff_max = 1000000,
	    .connect_timeout = 1000000, .request_timeout = 1000000,
	    .retry_after_max = 1000000, .line = 1 };
	conf_with(&c, &o, 1);
	os = outputs_new(&c, base, err, sizeof(err));
	ck_assert_msg(os != NULL, "%s", err);
	sample_alert(&a, 1);
	outputs_emit(os, &a);
	ck_assert_uint_eq(outputs_stats(os, 0)->depth, 1);

	o.name = "h2";
	ck_assert_ptr_null(outputs_prepare(os, &c, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "is in use by output h1"));
	o.name = "h1";
	o.format = FMT_SLACK;
	ck_assert_ptr_null(outputs_prepare(os, &c, err, sizeof(err)));
	o.format = FMT_JSON;
	o.max_retries = 7;
	nx = outputs_prepare(os, &c, err, sizeof(err));
	ck_assert_msg(nx != NULL, "%s", err);
	outputs_commit(os, nx, 1000000);
	ck_assert_uint_eq(outputs_stats(os, 0)->depth, 1);
	outputs_free(os);
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("output");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_output_file_roundtrip);
	tcase_add_test(tc, test_output_file_appends);
	tcase_add_test(tc, test_output_flush_due);
	tcase_add_test(tc, test_output_flush_due_spool);
	tcase_add_test(tc, test_output_same_format_twice);
	tcase_add_test(tc, test_output_file_mode);
	tcase_add_test(tc, test_output_sink);
	tcase_add_test(tc, test_output_open_error);
	tcase_add_test(tc, test_output_write_error);
	tcase_add_test(tc, test_output_stdout_and_none);
	tcase_add_test(tc, test_output_http_verdict);
	tcase_add_test(tc, test_output_backoff);
	tcase_add_test(tc, test_output_retry_after);
	tcase_add_test(tc, test_output_filter);
	tcase_add_test(tc, test_output_check);
	tcase_add_test(tc, test_output_reopen);
	tcase_add_test(tc, test_output_reload);
	tcase_add_test(tc, test_output_reload_spool);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
