/*
 * Unit tests for render.c: each escaper with hostile strings (|, =, \,
 * newlines, quotes, brackets, non-ASCII, invalid UTF-8), then whole CEF
 * and LEEF lines parsed back to the values that went in, the Slack and
 * Teams bodies parsed as JSON and checked field by field, and the syslog
 * headers byte for byte.
 */
#define _POSIX_C_SOURCE	200809L

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "config.h"
#include "alert.h"
#include "buf.h"
#include "render.h"

#define T0	INT64_C(1709287200000000)
#define SL(s)	((struct slice){ (s), sizeof(s) - 1 })

/* Image path and signer an attacker controls. */
#define EVIL_IMAGE	"C:\\Us|ers\\a=b\r\nc\xc3\xa9\\x.exe"
#define EVIL_SIGNER	"Ev|l=Co \\\"rp]\n\xe2\x80\xae" "fdp.exe\xff"
/* EVIL_SIGNER with its invalid byte as U+FFFD. */
#define EVIL_SIGNER_OK	"Ev|l=Co \\\"rp]\n\xe2\x80\xae" "fdp.exe\xef\xbf\xbd"

typedef void (*escaper)(struct buf *, const char *, size_t);

static char *
esc(escaper f, const char *s)
{
	struct buf	 b;

	buf_init(&b);
	f(&b, s, strlen(s));
	buf_addc(&b, '\0');
	return (b.p);
}

static void
assert_esc(escaper f, const char *in, const char *want)
{
	char	*got = esc(f, in);

	ck_assert_str_eq(got, want);
	free(got);
}

static void
evil_alert(struct alert *a)
{
	memset(a, 0, sizeof(*a));
	a->kind = ALERT_ALERT;
	a->rule = RULE_NETJOIN;
	a->severity = SEV_HIGH;
	a->time = T0;
	a->detected_at = T0;
	a->device_id = SL("dev|1");
	a->device_name = SL("ws=01");
	a->image = SL(EVIL_IMAGE);
	a->has_pid = 1;
	a->pid = 4242;
	a->has_sha1 = 1;
	memset(a->sha1, 0xab, sizeof(a->sha1));
	a->has_sig = 1;
	a->sig_status = SL("Unsigned");
	a->sig_signer = SL(EVIL_SIGNER);
	a->has_net = 1;
	a->remote_ip.s6_addr[10] = 0xff;
	a->remote_ip.s6_addr[11] = 0xff;
	a->remote_ip.s6_addr[12] = 81;
	a->remote_ip.s6_addr[13] = 2;
	a->remote_ip.s6_addr[14] = 69;
	a->remote_ip.s6_addr[15] = 142;
	a->has_port = 1;
	a->remote_port = 443;
	a->remote_url = SL("<!channel> evil.example");
	a->count = 3;
}

START_TEST(test_render_cef_escapes)
{
	assert_esc(render_cef_header_str, "a|b\\c", "a\\|b\\\\c");
	assert_esc(render_cef_header_str, "x\ny\rz=w", "x y z=w");
	assert_esc(render_cef_ext_str, "a=b\\c|d", "a\\=b\\\\c|d");
	assert_esc(render_cef_ext_str, "l1\nl2\r\tx", "l1\\nl2\\r x");
	assert_esc(render_cef_ext_str, "caf\xc3\xa9 \xe6\x97\xa5",
	    "caf\xc3\xa9 \xe6\x97\xa5");
	assert_esc(render_cef_ext_str, "a\xff" "b\xc3", "a\xef\xbf\xbd"
	    "b\xef\xbf\xbd");
}
END_TEST

START_TEST(test_render_leef_escapes)
{
	assert_esc(render_leef_str, "a\tb\\c\nd\re", "a\\tb\\\\c\\nd\\re");
	assert_esc(render_leef_str, "k=v|w", "k=v|w");
	assert_esc(render_leef_str, "\x01\x7f", "  ");
	assert_esc(render_leef_str, "\xed\xa0\x80", "\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd");
}
END_TEST

START_TEST(test_render_sd_escapes)
{
	assert_esc(render_sd_str, "a\"b\\c]d", "a\\\"b\\\\c\\]d");
	assert_esc(render_sd_str, "x\ny", "x y");
	assert_esc(render_sd_str, "\xc3\xa9[", "\xc3\xa9[");
}
END_TEST

START_TEST(test_render_mrkdwn)
{
	struct buf	 b;

	buf_init(&b);
	render_mrkdwn_str(&b, "<!channel> & <b>", 16, 100);
	ck_assert_str_eq(b.p, "&lt;!channel&gt; &amp; &lt;b&gt;");
	/* Cut at a character boundary, marked with an ellipsis. */
	buf_reset(&b);
	render_mrkdwn_str(&b, "ab\xc3\xa9" "cd", 6, 3);
	ck_assert_str_eq(b.p, "ab\xe2\x80\xa6");
	buf_reset(&b);
	render_mrkdwn_str(&b, "ab\xc3\xa9" "cd", 6, 4);
	ck_assert_str_eq(b.p, "ab\xc3\xa9\xe2\x80\xa6");
	buf_clear(&b);
}
END_TEST

/* Undo the CEF extension escapes of s[0..n) into a new string. */
static char *
cef_unescape(const char *s, size_t n)
{
	char	*o = malloc(n + 1), *p = o;
	size_t	 i;

	ck_assert_ptr_nonnull(o);
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			*p++ = s[i] == 'n' ? '\n' : s[i] == 'r' ? '\r' : s[i];
		} else
			*p++ = s[i];
	}
	*p = '\0';
	return (o);
}

/*
 * The value of key in a CEF extension: after "key=", up to the blank
 * before the next unescaped '=' 's key, or the end.
 */
static char *
cef_value(const char *ext, const char *key)
{
	char		 pat[64];
	const char	*v, *p, *end = NULL;

	snprintf(pat, sizeof(pat), " %s=", key);
	v = strstr(ext, pat);
	if (v == NULL && strncmp(ext, pat + 1, strlen(pat + 1)) == 0)
		v = ext - 1;
	ck_assert_msg(v != NULL, "no %s in %s", key, ext);
	v += strlen(pat);
	for (p = v; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == ' ')
			end = p;
		if (*p == '=')
			break;
	}
	if (*p == '\0')
		end = p;
	ck_assert_ptr_nonnull(end);
	return (cef_unescape(v, (size_t)(end - v)));
}

START_TEST(test_render_cef_line)
{
	struct alert	 a;
	struct buf	 b;
	const char	*p, *ext = NULL;
	char		*v;
	int		 pipes = 0;

	evil_alert(&a);
	buf_init(&b);
	render_cef(&a, &b);
	ck_assert_ptr_null(memchr(b.p, '\n', b.len));
	ck_assert_ptr_null(memchr(b.p, '\r', b.len));
	ck_assert_int_eq(strncmp(b.p, "CEF:0|signetd|signetd|", 22), 0);
	/* Seven unescaped pipes end the header. */
	for (p = b.p; *p != '\0' && pipes < 7; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '|' && ++pipes == 7)
			ext = p + 1;
	}
	ck_assert_ptr_nonnull(ext);
	ck_assert_ptr_nonnull(strstr(b.p, "|netjoin|"));
	ck_assert_ptr_nonnull(strstr(b.p, "|8|rt=1709287200000 "));
	v = cef_value(ext, "sproc");
	ck_assert_str_eq(v, EVIL_IMAGE);
	free(v);
	v = cef_value(ext, "cs2");
	ck_assert_str_eq(v, EVIL_SIGNER_OK);
	free(v);
	v = cef_value(ext, "cs2Label");
	ck_assert_str_eq(v, "Signer");
	free(v);
	v = cef_value(ext, "dvchost");
	ck_assert_str_eq(v, "ws=01");
	free(v);
	v = cef_value(ext, "dst");
	ck_assert_str_eq(v, "81.2.69.142");
	free(v);
	v = cef_value(ext, "dpt");
	ck_assert_str_eq(v, "443");
	free(v);
	v = cef_value(ext, "cnt");
	ck_assert_str_eq(v, "3");
	free(v);
	buf_clear(&b);
}
END_TEST

/* LEEF attribute value of key, unescaped. */
static char *
leef_value(const char *line, const char *key)
{
	char		 pat[64];
	const char	*v;
	size_t		 n;

	snprintf(pat, sizeof(pat), "\t%s=", key);
	v = strstr(line, pat);
	if (v == NULL) {
		snprintf(pat, sizeof(pat), "|x09|%s=", key);
		v = strstr(line, pat);
	}
	ck_assert_msg(v != NULL, "no %s", key);
	v += strlen(pat);
	n = strcspn(v, "\t");
	return (cef_unescape(v, n));
}

START_TEST(test_render_leef_line)
{
	struct alert	 a;
	struct buf	 b;
	char		*v;

	evil_alert(&a);
	buf_init(&b);
	render_leef(&a, &b);
	ck_assert_ptr_null(memchr(b.p, '\n', b.len));
	ck_assert_int_eq(strncmp(b.p, "LEEF:2.0|signetd|signetd|", 25), 0);
	ck_assert_ptr_nonnull(strstr(b.p, "|netjoin|x09|devTime="));
	v = leef_value(b.p, "devTime");
	ck_assert_str_eq(v, "2024-03-01T10:00:00.000Z");
	free(v);
	v = leef_value(b.p, "image");
	ck_assert_str_eq(v, EVIL_IMAGE);
	free(v);
	v = leef_value(b.p, "signer");
	ck_assert_str_eq(v, EVIL_SIGNER_OK);
	free(v);
	v = leef_value(b.p, "sev");
	ck_assert_str_eq(v, "8");
	free(v);
	v = leef_value(b.p, "dstPort");
	ck_assert_str_eq(v, "443");
	free(v);
	v = leef_value(b.p, "identHostName");
	ck_assert_str_eq(v, "ws=01");
	free(v);
	buf_clear(&b);
}
END_TEST

static yajl_val
parse(const struct buf *b)
{
	char		 err[256];
	yajl_val	 v;

	v = yajl_tree_parse(b->p, err, sizeof(err));
	ck_assert_msg(v != NULL, "%s: %s", err, b->p);
	return (v);
}

static const char *
str_at(yajl_val v, const char **path)
{
	yajl_val	 s = yajl_tree_get(v, path, yajl_t_string);

	ck_assert_msg(s != NULL, "no string at %s", path[0]);
	return (YAJL_GET_STRING(s));
}

START_TEST(test_render_slack_shape)
{
	struct alert	 a;
	struct buf	 b;
	yajl_val	 v, blocks, sec, fields, f;
	const char	*s;
	size_t		 i;
	int		 seen_url = 0, seen_image = 0;

	evil_alert(&a);
	buf_init(&b);
	render_slack(&a, &b);
	v = parse(&b);
	ck_assert(YAJL_IS_OBJECT(v));
	ck_assert_uint_eq(YAJL_GET_OBJECT(v)->len, 2);
	s = str_at(v, (const char *[]){ "text", NULL });
	ck_assert_ptr_nonnull(strstr(s, "HIGH netjoin"));
	ck_assert_ptr_nonnull(strstr(s, "ws=01"));
	blocks = yajl_tree_get(v, (const char *[]){ "blocks", NULL },
	    yajl_t_array);
	ck_assert_ptr_nonnull(blocks);
	ck_assert_uint_eq(YAJL_GET_ARRAY(blocks)->len, 1);
	sec = YAJL_GET_ARRAY(blocks)->values[0];
	ck_assert_str_eq(str_at(sec, (const char *[]){ "type", NULL }),
	    "section");
	ck_assert_str_eq(str_at(sec, (const char *[]){ "text", "type",
	    NULL }), "mrkdwn");
	fields = yajl_tree_get(sec, (const char *[]){ "fields", NULL },
	    yajl_t_array);
	ck_assert_ptr_nonnull(fields);
	ck_assert_uint_ge(YAJL_GET_ARRAY(fields)->len, 5);
	ck_assert_uint_le(YAJL_GET_ARRAY(fields)->len, 10);
	for (i = 0; i < YAJL_GET_ARRAY(fields)->len; i++) {
		f = YAJL_GET_ARRAY(fields)->values[i];
		ck_assert_uint_eq(YAJL_GET_OBJECT(f)->len, 2);
		ck_assert_str_eq(str_at(f, (const char *[]){ "type", NULL }),
		    "mrkdwn");
		s = str_at(f, (const char *[]){ "text", NULL });
		ck_assert_int_eq(s[0], '*');
		if (strncmp(s, "*URL*\n", 6) == 0) {
			ck_assert_str_eq(s + 6, "&lt;!channel&gt; evil.example");
			seen_url = 1;
		}
		if (strncmp(s, "*Image*\n", 8) == 0) {
			ck_assert_str_eq(s + 8, EVIL_IMAGE);
			seen_image = 1;
		}
	}
	ck_assert(seen_image);
	ck_assert(seen_url);
	yajl_tree_free(v);
	buf_clear(&b);
}
END_TEST

START_TEST(test_render_teams_shape)
{
	struct alert	 a;
	struct buf	 b;
	yajl_val	 v, at, c, body, facts, f;
	const char	*t;
	size_t		 i;
	int		 seen = 0;

	evil_alert(&a);
	buf_init(&b);
	render_teams(&a, &b);
	v = parse(&b);
	ck_assert_str_eq(str_at(v, (const char *[]){ "type", NULL }),
	    "message");
	at = yajl_tree_get(v, (const char *[]){ "attachments", NULL },
	    yajl_t_array);
	ck_assert_ptr_nonnull(at);
	ck_assert_uint_eq(YAJL_GET_ARRAY(at)->len, 1);
	at = YAJL_GET_ARRAY(at)->values[0];
	ck_assert_str_eq(str_at(at, (const char *[]){ "contentType", NULL }),
	    "application/vnd.microsoft.card.adaptive");
	ck_assert(YAJL_IS_NULL(yajl_tree_get(at, (const char *[]){
	    "contentUrl", NULL }, yajl_t_any)));
	c = yajl_tree_get(at, (const char *[]){ "content", NULL },
	    yajl_t_object);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(str_at(c, (const char *[]){ "type", NULL }),
	    "AdaptiveCard");
	ck_assert_str_eq(str_at(c, (const char *[]){ "version", NULL }),
	    "1.4");
	ck_assert_str_eq(str_at(c, (const char *[]){ "$schema", NULL }),
	    "http://adaptivecards.io/schemas/adaptive-card.json");
	body = yajl_tree_get(c, (const char *[]){ "body", NULL },
	    yajl_t_array);
	ck_assert_uint_eq(YAJL_GET_ARRAY(body)->len, 2);
	ck_assert_str_eq(str_at(YAJL_GET_ARRAY(body)->values[0],
	    (const char *[]){ "type", NULL }), "TextBlock");
	ck_assert_str_eq(str_at(YAJL_GET_ARRAY(body)->values[1],
	    (const char *[]){ "type", NULL }), "FactSet");
	facts = yajl_tree_get(YAJL_GET_ARRAY(body)->values[1],
	    (const char *[]){ "facts", NULL }, yajl_t_array);
	ck_assert_ptr_nonnull(facts);
	for (i = 0; i < YAJL_GET_ARRAY(facts)->len; i++) {
		f = YAJL_GET_ARRAY(facts)->values[i];
		ck_assert_uint_eq(YAJL_GET_OBJECT(f)->len, 2);
		t = str_at(f, (const char *[]){ "title", NULL });
		if (strcmp(t, "Signer") == 0) {
			ck_assert_str_eq(str_at(f, (const char *[]){ "value",
			    NULL }), EVIL_SIGNER_OK);
			seen = 1;
		}
	}
	ck_assert(seen);
	yajl_tree_free(v);
	buf_clear(&b);
}
END_TEST

START_TEST(test_render_syslog_head)
{
	struct render_syslog	 rs = { 0, 16, "host1", "signetd", 42 };
	struct alert		 a;
	struct buf		 b;

	evil_alert(&a);
	buf_init(&b);
	render_syslog_head(&a, &rs, &b);
	ck_assert_str_eq(b.p, "<131>1 2024-03-01T10:00:00.000Z host1 signetd 42 "
	    "netjoin [signetd@32473 rule=\"netjoin\" kind=\"alert\" "
	    "severity=\"high\" technique=\"T1036.001\" device=\"ws=01\" "
	    "image=\"C:\\\\Us|ers\\\\a=b  c\xc3\xa9\\\\x.exe\" "
	    "sha1=\"abababababababababababababababababababab\" "
	    "remote_ip=\"81.2.69.142\" remote_port=\"443\" "
	    "status=\"Unsigned\" signer=\"Ev|l=Co \\\\\\\"rp\\] "
	    "\xe2\x80\xae" "fdp.exe\xef\xbf\xbd\"] ");
	rs.rfc3164 = 1;
	a.severity = SEV_CRITICAL;
	a.detected_at = T0 + INT64_C(3600000000) * 24 * 9 + 5000000;
	buf_reset(&b);
	render_syslog_head(&a, &rs, &b);
	ck_assert_str_eq(b.p, "<130>Mar 10 10:00:05 host1 signetd[42]: ");
	a.detected_at = T0;
	buf_reset(&b);
	render_syslog_head(&a, &rs, &b);
	ck_assert_str_eq(b.p, "<130>Mar  1 10:00:00 host1 signetd[42]: ");
	ck_assert_int_eq(render_syslog_pri(1, SEV_INFO), 14);
	ck_assert_int_eq(render_syslog_pri(23, SEV_LOW), 189);
	buf_clear(&b);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("render");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_render_cef_escapes);
	tcase_add_test(tc, test_render_leef_escapes);
	tcase_add_test(tc, test_render_sd_escapes);
	tcase_add_test(tc, test_render_mrkdwn);
	tcase_add_test(tc, test_render_cef_line);
	tcase_add_test(tc, test_render_leef_line);
	tcase_add_test(tc, test_render_slack_shape);
	tcase_add_test(tc, test_render_teams_shape);
	tcase_add_test(tc, test_render_syslog_head);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
