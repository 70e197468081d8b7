/*
 * Unit tests for alert.c: the JSON object and the text line of each kind
 * of alert, checked as exact strings for a fixed alert and field by field
 * through yajl's tree parser, and hostile strings that must stay valid.
 */
#include <netinet/in.h>

#include <check.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "config.h"
#include "alert.h"
#include "buf.h"
#include "tstamp.h"

#define T0	INT64_C(1709287200000000)	/* 2024-03-01T10:00:00Z */
#define SEC	TSTAMP_SEC

#define SL(s)	((struct slice){ (s), sizeof(s) - 1 })

#define HEX	"0123456789abcdeffedcba9876543210a5a5a5a5"

static const uint8_t	sha1_bytes[20] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
	0xa5, 0xa5, 0xa5, 0xa5
};

/* The time strings come from tstamp_format, whatever its precision. */
struct tsbuf {
	char	s[TSTAMP_BUFSZ];
};

static const char *
ts(struct tsbuf *t, int64_t us)
{
	ck_assert_uint_gt(tstamp_format(us, t->s, sizeof(t->s)), 0);
	return (t->s);
}

static void
set_ip(struct in6_addr *a, const uint8_t *bytes)
{
	memcpy(a->s6_addr, bytes, 16);
}

static void
set_v4(struct in6_addr *a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	uint8_t	m[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	m[12] = b0;
	m[13] = b1;
	m[14] = b2;
	m[15] = b3;
	set_ip(a, m);
}

/* A netjoin alert keyed by sha1, every field set. */
static void
netjoin_alert(struct alert *a)
{
	memset(a, 0, sizeof(*a));
	a->kind = ALERT_ALERT;
	a->rule = RULE_NETJOIN;
	a->severity = SEV_HIGH;
	a->time = T0;
	a->detected_at = T0 + 1500000;
	a->device_id = SL("dev-1234");
	a->device_name = SL("ws01");
	a->has_pid = 1;
	a->pid = 4242;
	a->image = SL("C:\\x\\a.exe");
	a->has_sha1 = 1;
	memcpy(a->sha1, sha1_bytes, sizeof(a->sha1));
	a->guid = SL("{aaaa-bbbb}");
	a->cmdline = SL("a.exe -q");
	a->user = SL("CORP\\bob");
	a->has_sig = 1;
	a->sig_signed = TRI_FALSE;
	a->sig_trusted = TRI_UNKNOWN;
	a->sig_status = SL("Unsigned");
	a->sig_signer = SL("");
	a->sig_issuer = SLICE_EMPTY;
	a->sig_source = SRC_MDE;
	a->sig_time = T0 - 60 * SEC;
	a->has_net = 1;
	set_v4(&a->remote_ip, 81, 2, 69, 142);
	a->has_port = 1;
	a->remote_port = 443;
	a->remote_url = SL("evil.example");
	a->protocol = SL("Tcp");
	a->ports[0] = 443;
	a->ports[1] = 8443;
	a->nports = 2;
	a->urls[0] = SL("evil.example");
	a->urls[1] = SL("cdn.evil.example");
	a->nurls = 2;
	a->count = 3;
	a->first_seen = T0 - 120 * SEC;
	a->last_seen = T0;
}

/* A Sysmon imageload alert: first qualifying load in its window. */
static void
imageload_alert(struct alert *a)
{
	memset(a, 0, sizeof(*a));
	a->kind = ALERT_ALERT;
	a->rule = RULE_IMAGELOAD;
	a->severity = SEV_MEDIUM;
	a->time = T0 + 5 * SEC;
	a->detected_at = T0 + 6 * SEC;
	a->device_id = SL("ws01");
	a->device_name = SL("WS01");
	a->has_pid = 1;
	a->pid = 77;
	a->image = SL("C:\\x\\host.exe");
	a->guid = SL("{cccc}");
	a->has_sig = 1;
	a->sig_signed = TRI_TRUE;
	a->sig_trusted = TRI_FALSE;
	a->sig_status = SL("Expired");
	a->sig_signer = SL("Contoso");
	a->sig_source = SRC_SYSMON;
	a->sig_time = T0 + 5 * SEC;
	a->window_start = T0;
	a->image_loaded = SL("C:\\x\\b.dll");
	a->count = 1;
	a->first_seen = T0 + 5 * SEC;
	a->last_seen = T0 + 5 * SEC;
}

static void
report_alert(struct alert *a)
{
	memset(a, 0, sizeof(*a));
	a->kind = ALERT_REPORT;
	a->rule = RULE_IMAGELOAD;
	a->severity = SEV_LOW;
	a->time = T0 + 3600 * SEC;
	a->detected_at = T0 + 3700 * SEC;
	a->window_start = T0;
	a->image_loaded = SL("C:\\x\\b.dll");
	a->signature = SL("Contoso");
	a->is_signed = 1;
	a->executions = 3;
	a->hosts = 2;
	a->statuses[0] = SL("Expired");
	a->statuses[1] = SL("Revoked");
	a->nstatuses = 2;
}

static yajl_val
render_parse(const struct alert *a, struct buf *b)
{
	yajl_val	v;
	char		err[256];

	buf_reset(b);
	alert_json(a, b);
	ck_assert_uint_eq(strlen(b->p), b->len);
	ck_assert_ptr_null(memchr(b->p, '\n', b->len));
	v = yajl_tree_parse(b->p, err, sizeof(err));
	ck_assert_msg(v != NULL, "%s: %s", err, b->p);
	ck_assert(YAJL_IS_OBJECT(v));
	return (v);
}

/* The member at a path of up to three keys, NULL if absent. */
static yajl_val
get(yajl_val v, const char *k1, const char *k2, const char *k3)
{
	const char	*path[4] = { k1, k2, k3, NULL };

	return (yajl_tree_get(v, path, yajl_t_any));
}

static void
assert_str(yajl_val v, const char *k1, const char *k2, const char *want)
{
	yajl_val	x = get(v, k1, k2, NULL);

	ck_assert_msg(x != NULL && YAJL_IS_STRING(x), "%s.%s: not a string",
	    k1, k2 != NULL ? k2 : "");
	ck_assert_str_eq(YAJL_GET_STRING(x), want);
}

static void
assert_int(yajl_val v, const char *k1, const char *k2, long long want)
{
	yajl_val	x = get(v, k1, k2, NULL);

	ck_assert_msg(x != NULL && YAJL_IS_INTEGER(x), "%s.%s: not an integer",
	    k1, k2 != NULL ? k2 : "");
	ck_assert_int_eq(YAJL_GET_INTEGER(x), want);
}

static void
assert_absent(yajl_val v, const char *k1, const char *k2)
{
	ck_assert_msg(get(v, k1, k2, NULL) == NULL, "%s.%s: present", k1,
	    k2 != NULL ? k2 : "");
}

/* The keys of object o, in order, are exactly the NULL-ended list. */
static void
assert_keys(yajl_val o, ...)
{
	va_list		 ap;
	const char	*k;
	size_t		 i = 0;

	ck_assert(o != NULL && YAJL_IS_OBJECT(o));
	va_start(ap, o);
	while ((k = va_arg(ap, const char *)) != NULL) {
		ck_assert_msg(i < o->u.object.len, "missing key %s", k);
		ck_assert_str_eq(o->u.object.keys[i], k);
		i++;
	}
	va_end(ap);
	ck_assert_uint_eq(o->u.object.len, i);
}

/* A text line: no newline, no control byte, quotes paired. */
static void
assert_one_line(const struct buf *b)
{
	size_t	i, quotes = 0;

	for (i = 0; i < b->len; i++) {
		if ((unsigned char)b->p[i] < 0x20 || b->p[i] == 0x7f)
			ck_abort_msg("control byte at %zu: %s", i, b->p);
		if (b->p[i] == '"')
			quotes++;
	}
	ck_assert_msg(quotes % 2 == 0, "unpaired quote: %s", b->p);
}

START_TEST(test_alert_names)
{
	ck_assert_str_eq(alert_rule_name(RULE_NETJOIN), "netjoin");
	ck_assert_str_eq(alert_rule_name(RULE_IMAGELOAD), "imageload");
	ck_assert_str_eq(alert_rule_name(RULE_NRULES), "unknown");
	ck_assert_str_eq(severity_name(SEV_INFO), "info");
	ck_assert_str_eq(severity_name(SEV_LOW), "low");
	ck_assert_str_eq(severity_name(SEV_MEDIUM), "medium");
	ck_assert_str_eq(severity_name(SEV_HIGH), "high");
	ck_assert_str_eq(severity_name(SEV_CRITICAL), "critical");
	ck_assert_str_eq(severity_name(SEV_NSEVERITIES), "unknown");
	ck_assert_str_eq(severity_name((enum severity)-1), "unknown");
}
END_TEST

START_TEST(test_alert_json_netjoin_exact)
{
	struct alert	a;
	struct buf	b, want;
	struct tsbuf	t0, t1, t2, t3;

	netjoin_alert(&a);
	buf_init(&b);
	buf_init(&want);
	buf_printf(&want, "{\"kind\":\"alert\",\"rule\":\"netjoin\","
	    "\"technique\":\"T1036.001\",\"tactic\":\"defense-evasion\","
	    "\"severity\":\"high\",\"time\":\"%s\",\"detected_at\":\"%s\","
	    "\"device\":{\"id\":\"dev-1234\",\"name\":\"ws01\"},"
	    "\"process\":{\"pid\":4242,\"image\":\"C:\\\\x\\\\a.exe\","
	    "\"sha1\":\"" HEX "\",\"guid\":\"{aaaa-bbbb}\","
	    "\"cmdline\":\"a.exe -q\",\"user\":\"CORP\\\\bob\"},"
	    "\"signature\":{\"signed\":false,\"trusted\":null,"
	    "\"status\":\"Unsigned\",\"signer\":\"\",\"issuer\":\"\","
	    "\"source\":\"mde\",\"time\":\"%s\"},"
	    "\"network\":{\"remote_ip\":\"81.2.69.142\",\"remote_port\":443,"
	    "\"remote_url\":\"evil.example\",\"protocol\":\"Tcp\","
	    "\"ports\":[443,8443],"
	    "\"urls\":[\"evil.example\",\"cdn.evil.example\"]},"
	    "\"key\":\"" HEX "\",\"count\":3,"
	    "\"first_seen\":\"%s\",\"last_seen\":\"%s\"}",
	    ts(&t0, T0), ts(&t1, T0 + 1500000), ts(&t2, T0 - 60 * SEC),
	    ts(&t3, T0 - 120 * SEC), t0.s);
	alert_json(&a, &b);
	ck_assert_str_eq(b.p, want.p);
	ck_assert_uint_eq(b.len, want.len);
	buf_clear(&b);
	buf_clear(&want);
}
END_TEST

START_TEST(test_alert_json_netjoin_fields)
{
	struct alert	a;
	struct buf	b;
	struct tsbuf	t;
	yajl_val	v, x;

	netjoin_alert(&a);
	buf_init(&b);
	v = render_parse(&a, &b);
	assert_keys(v, "kind", "rule", "technique", "tactic", "severity",
	    "time", "detected_at", "device", "process", "signature",
	    "network", "key", "count", "first_seen", "last_seen", NULL);
	assert_str(v, "kind", NULL, "alert");
	assert_str(v, "rule", NULL, "netjoin");
	assert_str(v, "technique", NULL, "T1036.001");
	assert_str(v, "tactic", NULL, "defense-evasion");
	assert_str(v, "severity", NULL, "high");
	assert_str(v, "time", NULL, ts(&t, T0));
	ck_assert_int_eq(strncmp(t.s, "2024-03-01T10:00:00", 19), 0);
	assert_str(v, "device", "id", "dev-1234");
	assert_str(v, "device", "name", "ws01");
	assert_keys(get(v, "process", NULL, NULL), "pid", "image", "sha1",
	    "guid", "cmdline", "user", NULL);
	assert_int(v, "process", "pid", 4242);
	assert_str(v, "process", "image", "C:\\x\\a.exe");
	assert_str(v, "process", "sha1", HEX);
	assert_str(v, "process", "user", "CORP\\bob");
	assert_keys(get(v, "signature", NULL, NULL), "signed", "trusted",
	    "status", "signer", "issuer", "source", "time", NULL);
	ck_assert(YAJL_IS_FALSE(get(v, "signature", "signed", NULL)));
	ck_assert(YAJL_IS_NULL(get(v, "signature", "trusted", NULL)));
	assert_str(v, "signature", "status", "Unsigned");
	assert_str(v, "signature", "signer", "");
	assert_str(v, "signature", "source", "mde");
	assert_str(v, "signature", "time", ts(&t, T0 - 60 * SEC));
	assert_str(v, "network", "remote_ip", "81.2.69.142");
	assert_int(v, "network", "remote_port", 443);
	assert_str(v, "network", "protocol", "Tcp");
	x = get(v, "network", "ports", NULL);
	ck_assert(YAJL_IS_ARRAY(x) && x->u.array.len == 2);
	ck_assert_int_eq(YAJL_GET_INTEGER(x->u.array.values[1]), 8443);
	x = get(v, "network", "urls", NULL);
	ck_assert(YAJL_IS_ARRAY(x) && x->u.array.len == 2);
	ck_assert_str_eq(YAJL_GET_STRING(x->u.array.values[1]),
	    "cdn.evil.example");
	assert_str(v, "key", NULL, HEX);
	assert_int(v, "count", NULL, 3);
	assert_str(v, "first_seen", NULL, ts(&t, T0 - 120 * SEC));
	assert_str(v, "last_seen", NULL, ts(&t, T0));
	yajl_tree_free(v);
	buf_clear(&b);
}
END_TEST

/* A Sysmon net event with no hash: keyed by path, no sha1 anywhere. */
START_TEST(test_alert_json_netjoin_path_key)
{
	struct alert	a;
	struct buf	b;
	yajl_val	v;

	netjoin_alert(&a);
	a.has_sha1 = 0;
	a.key_is_path = 1;
	a.key_path = SL("c:\\users\\bob\\a \"b\".exe");
	a.sig_source = SRC_SYSMON;
	a.sig_signed = TRI_TRUE;
	a.sig_trusted = TRI_FALSE;
	buf_init(&b);
	v = render_parse(&a, &b);
	assert_str(v, "key", NULL, "path:c:\\users\\bob\\a \"b\".exe");
	ck_assert_ptr_nonnull(strstr(b.p,
	    "\"key\":\"path:c:\\\\users\\\\bob\\\\a \\\"b\\\".exe\","));
	assert_absent(v, "process", "sha1");
	ck_assert(YAJL_IS_TRUE(get(v, "signature", "signed", NULL)));
	ck_assert(YAJL_IS_FALSE(get(v, "signature", "trusted", NULL)));
	assert_str(v, "signature", "source", "sysmon");
	yajl_tree_free(v);

	/* An empty path still makes a well-formed key. */
	a.key_path = SLICE_EMPTY;
	v = render_parse(&a, &b);
	assert_str(v, "key", NULL, "path:");
	yajl_tree_free(v);
	buf_clear(&b);
}
END_TEST

START_TEST(test_alert_json_ipv6)
{
	static const uint8_t	v6[16] = {
		0x2a, 0x00, 0x14, 0x50, 0x40, 0x01, 0x08, 0x0b,
		0, 0, 0, 0, 0, 0, 0x20, 0x0e
	};
	struct alert		a;
	struct buf		b;
	yajl_val		v;

	netjoin_alert(&a);
	set_ip(&a.remote_ip, v6);
	buf_init(&b);
	v = render_parse(&a, &b);
	assert_str(v, "network", "remote_ip", "2a00:1450:4001:80b::200e");
	assert_int(v, "network", "remote_port", 443);
	yajl_tree_free(v);

	buf_reset(&b);
	alert_text(&a, &b);
	ck_assert_ptr_nonnull(strstr(b.p,
	    " remote=[2a00:1450:4001:80b::200e]:443 "));
	a.has_port = 0;
	buf_reset(&b);
	alert_text(&a, &b);
	ck_assert_ptr_nonnull(strstr(b.p, " remote=2a00:1450:4001:80b::200e "));
	buf_clear(&b);
}
END_TEST

/* IPv4 arrives IPv4-mapped and is written as plain dotted quad. */
START_TEST(test_alert_json_v4mapped)
{
	struct alert	a;
	struct buf	b;
	yajl_val	v;

	netjoin_alert(&a);
	set_v4(&a.remote_ip, 8, 8, 4, 4);
	a.has_port = 0;
	buf_init(&b);
	v = render_parse(&a, &b);
	assert_str(v, "network", "remote_ip", "8.8.4.4");
	assert_absent(v, "network", "remote_port");
	yajl_tree_free(v);
	buf_reset(&b);
	alert_text(&a, &b);
	ck_assert_ptr_nonnull(strstr(b.p, " remote=8.8.4.4 url="));
	buf_clear(&b);
}
END_TEST

/* Unknown values are left out; empty sections and arrays too. */
START_TEST(test_alert_json_omits_unknown)
{
	struct alert	a;
	struct buf	b;
	yajl_val	v;

	netjoin_alert(&a);
	a.has_pid = 0;
	a.has_sha1 = 0;
	a.key_is_path = 1;
	a.key_path = SL("c:\\x\\a.exe");
	a.guid = SLICE_EMPTY;
	a.cmdline = SL("");
	a.user = SLICE_EMPTY;
	a.has_sig = 0;
	a.has_port = 0;
	a.remote_url = SLICE_EMPTY;
	a.protocol = SLICE_EMPTY;
	a.nports = 0;
	a.nurls = 0;
	buf_init(&b);
	v = render_parse(&a, &b);
	assert_keys(v, "kind", "rule", "technique", "tactic", "severity",
	    "time", "detected_at", "device", "process", "network", "key",
	    "count", "first_seen", "last_seen", NULL);
	assert_keys(get(v, "process", NULL, NULL), "image", NULL);
	assert_keys(get(v, "network", NULL, NULL), "remote_ip", NULL);
	yajl_tree_free(v);

	a.image = SLICE_EMPTY;
	a.has_net = 0;
	a.device_id = SLICE_EMPTY;
	v = render_parse(&a, &b);
	assert_keys(get(v, "process", NULL, NULL), NULL);
	assert_absent(v, "network", NULL);
	assert_absent(v, "device", NULL);
	yajl_tree_free(v);
	buf_clear(&b);
}
END_TEST

START_TEST(test_alert_json_imageload)
{
	struct alert	a;
	struct buf	b;
	struct tsbuf	t;
	yajl_val	v;

	imageload_alert(&a);
	buf_init(&b);
	v = render_parse(&a, &b);
	assert_keys(v, "kind", "rule", "technique", "tactic", "severity",
	    "time", "detected_at", "device", "process", "signature",
	    "window_start", "image_loaded", "count", "first_seen",
	    "last_seen", NULL);
	assert_str(v, "kind", NULL, "alert");
	assert_str(v, "rule", NULL, "imageload");
	assert_str(v, "severity", NULL, "medium");
	assert_str(v, "device", "id", "ws01");
	assert_str(v, "device", "name", "WS01");
	assert_keys(get(v, "process", NULL, NULL), "pid", "image", "guid",
	    NULL);
	assert_str(v, "process", "image", "C:\\x\\host.exe");
	ck_assert(YAJL_IS_TRUE(get(v, "signature", "signed", NULL)));
	ck_assert(YAJL_IS_FALSE(get(v, "signature", "trusted", NULL)));
	assert_str(v, "signature", "status", "Expired");
	assert_str(v, "signature", "signer", "Contoso");
	assert_str(v, "signature", "issuer", "");
	assert_str(v, "signature", "source", "sysmon");
	assert_str(v, "window_start", NULL, ts(&t, T0));
	assert_str(v, "image_loaded", NULL, "C:\\x\\b.dll");
	assert_int(v, "count", NULL, 1);
	assert_str(v, "first_seen", NULL, ts(&t, T0 + 5 * SEC));
	yajl_tree_free(v);
	buf_clear(&b);
}
END_TEST

START_TEST(test_alert_json_report)
{
	struct alert	a;
	struct buf	b, want;
	struct tsbuf	t0, t1, t2;
	yajl_val	v, x;

	report_alert(&a);
	buf_init(&b);
	v = render_parse(&a, &b);
	assert_keys(v, "kind", "rule", "technique", "tactic", "severity",
	    "time", "detected_at", "window_start", "image_loaded",
	    "signature", "signed", "executions", "hosts", "statuses", NULL);
	assert_str(v, "kind", NULL, "report");
	assert_str(v, "signature", NULL, "Contoso");
	ck_assert(YAJL_IS_TRUE(get(v, "signed", NULL, NULL)));
	assert_int(v, "executions", NULL, 3);
	assert_int(v, "hosts", NULL, 2);
	x = get(v, "statuses", NULL, NULL);
	ck_assert(YAJL_IS_ARRAY(x) && x->u.array.len == 2);
	ck_assert_str_eq(YAJL_GET_STRING(x->u.array.values[0]), "Expired");
	ck_assert_str_eq(YAJL_GET_STRING(x->u.array.values[1]), "Revoked");
	yajl_tree_free(v);

	buf_init(&want);
	buf_printf(&want, "{\"kind\":\"report\",\"rule\":\"imageload\","
	    "\"technique\":\"T1036.001\",\"tactic\":\"defense-evasion\","
	    "\"severity\":\"low\",\"time\":\"%s\",\"detected_at\":\"%s\","
	    "\"window_start\":\"%s\",\"image_loaded\":\"C:\\\\x\\\\b.dll\","
	    "\"signature\":\"Contoso\",\"signed\":true,\"executions\":3,"
	    "\"hosts\":2,\"statuses\":[\"Expired\",\"Revoked\"]}",
	    ts(&t0, T0 + 3600 * SEC), ts(&t1, T0 + 3700 * SEC), ts(&t2, T0));
	ck_assert_str_eq(b.p, want.p);

	a.is_signed = 0;
	a.nstatuses = 0;
	v = render_parse(&a, &b);
	ck_assert(YAJL_IS_FALSE(get(v, "signed", NULL, NULL)));
	x = get(v, "statuses", NULL, NULL);
	ck_assert(YAJL_IS_ARRAY(x) && x->u.array.len == 0);
	yajl_tree_free(v);
	buf_clear(&b);
	buf_clear(&want);
}
END_TEST

/* alert_json appends; a caller may build a line around it. */
START_TEST(test_alert_json_appends)
{
	struct alert	a;
	struct buf	b;

	report_alert(&a);
	buf_init(&b);
	buf_adds(&b, "[");
	alert_json(&a, &b);
	buf_adds(&b, ",");
	alert_json(&a, &b);
	buf_adds(&b, "]");
	ck_assert_int_eq(strncmp(b.p, "[{\"kind\":\"report\"", 17), 0);
	ck_assert_ptr_nonnull(strstr(b.p, "]},{\"kind\""));
	ck_assert_int_eq(b.p[b.len - 2], '}');
	buf_clear(&b);
}
END_TEST

START_TEST(test_alert_text_netjoin)
{
	struct alert	a;
	struct buf	b, want;
	struct tsbuf	t;

	netjoin_alert(&a);
	buf_init(&b);
	buf_init(&want);
	alert_text(&a, &b);
	buf_printf(&want, "%s HIGH netjoin device=\"ws01\" "
	    "device_id=\"dev-1234\" pid=4242 image=\"C:\\x\\a.exe\" "
	    "sha1=" HEX " remote=81.2.69.142:443 url=\"evil.example\" "
	    "status=\"Unsigned\" signer=\"\" count=3 key=\"" HEX "\"",
	    ts(&t, T0));
	ck_assert_str_eq(b.p, want.p);

	a.has_sha1 = 0;
	a.key_is_path = 1;
	a.key_path = SL("c:\\x\\a.exe");
	a.has_pid = 0;
	a.has_sig = 0;
	a.remote_url = SLICE_EMPTY;
	buf_reset(&b);
	buf_reset(&want);
	alert_text(&a, &b);
	buf_printf(&want, "%s HIGH netjoin device=\"ws01\" "
	    "device_id=\"dev-1234\" image=\"C:\\x\\a.exe\" "
	    "remote=81.2.69.142:443 count=3 key=\"path:c:\\x\\a.exe\"",
	    t.s);
	ck_assert_str_eq(b.p, want.p);
	buf_clear(&b);
	buf_clear(&want);
}
END_TEST

START_TEST(test_alert_text_imageload)
{
	struct alert	a;
	struct buf	b, want;
	struct tsbuf	t0, t1;

	imageload_alert(&a);
	buf_init(&b);
	buf_init(&want);
	alert_text(&a, &b);
	buf_printf(&want, "%s MEDIUM imageload device=\"WS01\" "
	    "device_id=\"ws01\" pid=77 image=\"C:\\x\\host.exe\" "
	    "loaded=\"C:\\x\\b.dll\" status=\"Expired\" signer=\"Contoso\" "
	    "window=%s count=1", ts(&t0, T0 + 5 * SEC), ts(&t1, T0));
	ck_assert_str_eq(b.p, want.p);
	buf_clear(&b);
	buf_clear(&want);
}
END_TEST

START_TEST(test_alert_text_report)
{
	struct alert	a;
	struct buf	b, want;
	struct tsbuf	t0, t1;

	report_alert(&a);
	buf_init(&b);
	buf_init(&want);
	alert_text(&a, &b);
	buf_printf(&want, "%s REPORT imageload window=%s "
	    "loaded=\"C:\\x\\b.dll\" signer=\"Contoso\" signed=true "
	    "executions=3 hosts=2 statuses=\"Expired,Revoked\"",
	    ts(&t0, T0 + 3600 * SEC), ts(&t1, T0));
	ck_assert_str_eq(b.p, want.p);
	buf_clear(&b);
	buf_clear(&want);
}
END_TEST

/* What GeoIP knows of 81.2.69.142, with an AS made up for the test. */
static void
set_geo(struct alert_geo *g)
{
	memset(g, 0, sizeof(*g));
	g->country_iso = SL("GB");
	g->country = SL("United Kingdom");
	g->city = SL("London");
	g->has_asn = 1;
	g->asn = 64496;
	g->as_org = SL("Example \"Net\" Ltd");
}

/* geo comes after network, with the fields the databases have. */
START_TEST(test_alert_json_geo)
{
	struct alert	a;
	struct buf	b;
	yajl_val	v;

	netjoin_alert(&a);
	set_geo(&a.geo);
	buf_init(&b);
	v = render_parse(&a, &b);
	assert_keys(v, "kind", "rule", "technique", "tactic", "severity",
	    "time", "detected_at", "device", "process", "signature",
	    "network", "geo", "key", "count", "first_seen", "last_seen",
	    NULL);
	assert_keys(get(v, "geo", NULL, NULL), "country_iso", "country",
	    "city", "asn", "as_org", NULL);
	assert_str(v, "geo", "country_iso", "GB");
	assert_str(v, "geo", "country", "United Kingdom");
	assert_str(v, "geo", "city", "London");
	assert_int(v, "geo", "asn", 64496);
	assert_str(v, "geo", "as_org", "Example \"Net\" Ltd");
	ck_assert_ptr_nonnull(strstr(b.p, "\"remote_url\":\"evil.example\","
	    "\"protocol\":\"Tcp\",\"ports\":[443,8443],\"urls\":"
	    "[\"evil.example\",\"cdn.evil.example\"]},\"geo\":"
	    "{\"country_iso\":\"GB\",\"country\":\"United Kingdom\","
	    "\"city\":\"London\",\"asn\":64496,"
	    "\"as_org\":\"Example \\\"Net\\\" Ltd\"},\"key\":"));
	yajl_tree_free(v);

	/* An ASN database alone: only asn and as_org. */
	a.geo.country_iso = a.geo.country = a.geo.city = SLICE_EMPTY;
	v = render_parse(&a, &b);
	assert_keys(get(v, "geo", NULL, NULL), "asn", "as_org", NULL);
	yajl_tree_free(v);

	/* Known country, unknown AS. */
	set_geo(&a.geo);
	a.geo.has_asn = 0;
	a.geo.as_org = SLICE_EMPTY;
	v = render_parse(&a, &b);
	assert_keys(get(v, "geo", NULL, NULL), "country_iso", "country",
	    "city", NULL);
	yajl_tree_free(v);

	/* Nothing known: no geo at all; without a network, none either. */
	memset(&a.geo, 0, sizeof(a.geo));
	v = render_parse(&a, &b);
	assert_absent(v, "geo", NULL);
	yajl_tree_free(v);
	set_geo(&a.geo);
	a.has_net = 0;
	v = render_parse(&a, &b);
	assert_absent(v, "geo", NULL);
	assert_absent(v, "network", NULL);
	yajl_tree_free(v);
	imageload_alert(&a);
	set_geo(&a.geo);
	v = render_parse(&a, &b);
	assert_absent(v, "geo", NULL);
	yajl_tree_free(v);
	ck_assert(alert_geo_empty(&(struct alert_geo){ 0 }));
	buf_clear(&b);
}
END_TEST

/* Text: country_iso city asn as_org after the remote and its url. */
START_TEST(test_alert_text_geo)
{
	struct alert	a;
	struct buf	b, want;
	struct tsbuf	t;

	netjoin_alert(&a);
	set_geo(&a.geo);
	buf_init(&b);
	buf_init(&want);
	alert_text(&a, &b);
	buf_printf(&want, "%s HIGH netjoin device=\"ws01\" "
	    "device_id=\"dev-1234\" pid=4242 image=\"C:\\x\\a.exe\" "
	    "sha1=" HEX " remote=81.2.69.142:443 url=\"evil.example\" "
	    "country_iso=\"GB\" city=\"London\" asn=64496 "
	    "as_org=\"Example \\x22Net\\x22 Ltd\" "
	    "status=\"Unsigned\" signer=\"\" count=3 key=\"" HEX "\"",
	    ts(&t, T0));
	ck_assert_str_eq(b.p, want.p);
	assert_one_line(&b);

	/* Only what is known; a hostile city stays on its line. */
	a.geo.country_iso = SLICE_EMPTY;
	a.geo.has_asn = 0;
	a.geo.as_org = SLICE_EMPTY;
	a.geo.city = SL("Lon\ndon\"");
	buf_reset(&b);
	alert_text(&a, &b);
	ck_assert_ptr_nonnull(strstr(b.p, " url=\"evil.example\" "
	    "city=\"Lon\\x0adon\\x22\" status="));
	ck_assert_ptr_null(strstr(b.p, "country_iso="));
	ck_assert_ptr_null(strstr(b.p, "asn="));
	assert_one_line(&b);
	buf_clear(&b);
	buf_clear(&want);
}
END_TEST

START_TEST(test_alert_text_unknown_enums)
{
	struct alert	a;
	struct buf	b;
	yajl_val	v;

	netjoin_alert(&a);
	a.severity = (enum severity)42;
	a.sig_source = (enum rec_source)9;
	a.sig_signed = (enum tri)5;
	buf_init(&b);
	alert_text(&a, &b);
	ck_assert_ptr_nonnull(strstr(b.p, " UNKNOWN netjoin "));
	v = render_parse(&a, &b);
	assert_str(v, "severity", NULL, "unknown");
	assert_str(v, "signature", "source", "unknown");
	ck_assert(YAJL_IS_NULL(get(v, "signature", "signed", NULL)));
	yajl_tree_free(v);
	buf_clear(&b);
}
END_TEST

/*
 * Strings an attacker controls: quotes, backslashes, line breaks, a NUL
 * inside the slice, invalid UTF-8 and a right-to-left override. The JSON
 * must parse and keep what is valid; the text must stay one line.
 */
START_TEST(test_alert_hostile_strings)
{
	static const char	img[] = "C:\\\"q\"\\\n evil\0x"
	    "\xff\xc0\xaf\xed\xa0\x80 \xe2\x80\xae" "exe.txt";
	struct alert		a;
	struct buf		b;
	yajl_val		v, x;
	const char		*s;

	netjoin_alert(&a);
	a.image = (struct slice){ img, sizeof(img) - 1 };
	a.device_name = SL("ws01\" \"x\"=1");
	a.sig_signer = SL("a\r\nb\t\x1b[2J");
	a.remote_url = SL("\xf5x\x80\"");
	a.cmdline = SL("cmd /c \"echo }]\"");
	a.urls[0] = SL("\"\\");
	a.key_is_path = 1;
	a.key_path = SL("c:\\\"\n\xff");
	buf_init(&b);
	v = render_parse(&a, &b);
	ck_assert_ptr_null(memchr(b.p, '\r', b.len));
	ck_assert_ptr_nonnull(strstr(b.p, "\"image\":\"C:\\\\\\\"q\\\"\\\\\\n "
	    "evil\\u0000x\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd "
	    "\xe2\x80\xae" "exe.txt\""));
	/* yajl stops the C string at the NUL; the part before survives. */
	s = YAJL_GET_STRING(get(v, "process", "image", NULL));
	ck_assert_str_eq(s, "C:\\\"q\"\\\n evil");
	assert_str(v, "device", "name", "ws01\" \"x\"=1");
	assert_str(v, "signature", "signer", "a\r\nb\t\x1b[2J");
	assert_str(v, "network", "remote_url", "\xef\xbf\xbdx\xef\xbf\xbd\"");
	assert_str(v, "process", "cmdline", "cmd /c \"echo }]\"");
	x = get(v, "network", "urls", NULL);
	ck_assert_str_eq(YAJL_GET_STRING(x->u.array.values[0]), "\"\\");
	assert_str(v, "key", NULL, "path:c:\\\"\n\xef\xbf\xbd");
	yajl_tree_free(v);

	buf_reset(&b);
	alert_text(&a, &b);
	assert_one_line(&b);
	ck_assert_ptr_nonnull(strstr(b.p, " device=\"ws01\\x22 \\x22x\\x22=1\" "));
	ck_assert_ptr_nonnull(strstr(b.p, " image=\"C:\\\\x22q\\x22\\\\x0a "
	    "evil\\x00x\\xff\\xc0\\xaf\\xed\\xa0\\x80 \\xe2\\x80\\xae"
	    "exe.txt\" "));
	ck_assert_ptr_nonnull(strstr(b.p,
	    " signer=\"a\\x0d\\x0ab\\x09\\x1b[2J\" "));
	ck_assert_ptr_nonnull(strstr(b.p, " url=\"\\xf5x\\x80\\x22\" "));
	ck_assert_ptr_nonnull(strstr(b.p, " key=\"path:c:\\\\x22\\x0a\\xff\""));

	report_alert(&a);
	a.image_loaded = (struct slice){ img, sizeof(img) - 1 };
	a.statuses[0] = SL("Ex,\npired");
	a.statuses[1] = SL("\"");
	v = render_parse(&a, &b);
	x = get(v, "statuses", NULL, NULL);
	ck_assert_str_eq(YAJL_GET_STRING(x->u.array.values[0]), "Ex,\npired");
	yajl_tree_free(v);
	buf_reset(&b);
	alert_text(&a, &b);
	assert_one_line(&b);
	ck_assert_ptr_nonnull(strstr(b.p,
	    " statuses=\"Ex,\\x0apired,\\x22\""));
	buf_clear(&b);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("alert");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_alert_names);
	tcase_add_test(tc, test_alert_json_netjoin_exact);
	tcase_add_test(tc, test_alert_json_netjoin_fields);
	tcase_add_test(tc, test_alert_json_netjoin_path_key);
	tcase_add_test(tc, test_alert_json_ipv6);
	tcase_add_test(tc, test_alert_json_v4mapped);
	tcase_add_test(tc, test_alert_json_omits_unknown);
	tcase_add_test(tc, test_alert_json_imageload);
	tcase_add_test(tc, test_alert_json_report);
	tcase_add_test(tc, test_alert_json_appends);
	tcase_add_test(tc, test_alert_text_netjoin);
	tcase_add_test(tc, test_alert_text_imageload);
	tcase_add_test(tc, test_alert_text_report);
	tcase_add_test(tc, test_alert_json_geo);
	tcase_add_test(tc, test_alert_text_geo);
	tcase_add_test(tc, test_alert_text_unknown_enums);
	tcase_add_test(tc, test_alert_hostile_strings);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
