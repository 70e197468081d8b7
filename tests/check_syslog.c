/*
 * signetd: unit tests for syslog.c. The headers are those util-linux
 * logger 2.38.1 writes (logger -u SOCK --stderr --no-act ...), rsyslog's
 * forwarding templates and NXLog's to_syslog_bsd/to_syslog_ietf.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "syslog.h"
#include "xmalloc.h"

/* What syslog_parse returned, with the slices copied out as strings. */
struct parsed {
	int	r;
	int	pri;
	int	version;
	char	ts[64];
	char	host[64];
	char	app[64];
	char	procid[64];
	char	msgid[64];
	char	sd[256];
	char	body[512];
	size_t	bodylen;
};

/*
 * Loops of many cases test with if/ck_abort_msg: every passing ck_assert
 * reports its location to the check parent, a write(2) each.
 */
static int
within(const char *p, size_t n, const char *base, size_t len)
{
	return (n == 0 || (p >= base && p + n <= base + len));
}

static void
copy_slice(char *dst, size_t dstsz, struct slice s, const char *base,
    size_t len)
{
	if (!within(s.p, s.n, base, len) || s.n >= dstsz)
		ck_abort_msg("slice outside the message or too long");
	if (s.n > 0)
		memcpy(dst, s.p, s.n);
	dst[s.n] = '\0';
}

/*
 * Parse from an exactly sized heap copy, so that ASan catches a read past
 * the end, and check that everything returned points into the message.
 */
static void
parse(const char *msg, size_t len, struct parsed *out)
{
	struct syslog_hdr	 h;
	const char		*body = NULL;
	size_t			 bodylen = 0;
	char			*copy;

	copy = xmemdup(msg, len > 0 ? len : 1);
	memset(out, 0, sizeof(*out));
	out->r = syslog_parse(copy, len, &h, &body, &bodylen);
	if (out->r == 0) {
		if (bodylen == 0 || !within(body, bodylen, copy, len))
			ck_abort_msg("body outside the message or empty");
		copy_slice(out->body, sizeof(out->body),
		    (struct slice){ body, bodylen }, copy, len);
		out->bodylen = bodylen;
	} else if (out->r != -1)
		ck_abort_msg("returned %d", out->r);
	out->pri = h.pri;
	out->version = h.version;
	copy_slice(out->ts, sizeof(out->ts), h.timestamp, copy, len);
	copy_slice(out->host, sizeof(out->host), h.hostname, copy, len);
	copy_slice(out->app, sizeof(out->app), h.app, copy, len);
	copy_slice(out->procid, sizeof(out->procid), h.procid, copy, len);
	copy_slice(out->msgid, sizeof(out->msgid), h.msgid, copy, len);
	copy_slice(out->sd, sizeof(out->sd), h.sd, copy, len);
	free(copy);
}

#define PARSE(lit, out)	parse((lit), sizeof(lit) - 1, (out))

static void
assert_body(const char *msg, const char *want)
{
	struct parsed	p;

	parse(msg, strlen(msg), &p);
	ck_assert_msg(p.r == 0, "no body in \"%s\"", msg);
	ck_assert_str_eq(p.body, want);
}

static void
assert_fails(const char *msg, size_t len)
{
	struct parsed	p;

	parse(msg, len, &p);
	ck_assert_msg(p.r == -1, "body \"%s\" in \"%.*s\"", p.body, (int)len,
	    msg);
}

START_TEST(test_syslog_no_header)
{
	struct parsed	p;

	PARSE("{\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_int_eq(p.pri, -1);
	ck_assert_int_eq(p.version, 0);
	ck_assert_str_eq(p.body, "{\"a\":1}");
	ck_assert_str_eq(p.host, "");
	ck_assert_str_eq(p.sd, "");

	assert_body("[1,2]", "[1,2]");
	assert_body(" \t {\"a\":1} \r\n", "{\"a\":1}");
	assert_body("\xef\xbb\xbf{\"a\":1}", "{\"a\":1}");
	assert_body("  \xef\xbb\xbf {\"a\":\"\xc3\xa9\"}\r", "{\"a\":\"\xc3\xa9\"}");
}
END_TEST

START_TEST(test_syslog_logger_rfc5424)
{
	struct parsed	p;

	/* logger --rfc5424 -t nxlog '{"a":1}' */
	PARSE("<13>1 2026-11-30T00:50:26.879751+00:00 vm nxlog - - "
	    "[timeQuality tzKnown=\"1\" isSynced=\"0\"] {\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_int_eq(p.pri, 13);
	ck_assert_int_eq(p.version, 1);
	ck_assert_str_eq(p.ts, "2026-11-30T00:50:26.879751+00:00");
	ck_assert_str_eq(p.host, "vm");
	ck_assert_str_eq(p.app, "nxlog");
	ck_assert_str_eq(p.procid, "");
	ck_assert_str_eq(p.msgid, "");
	ck_assert_str_eq(p.sd, "[timeQuality tzKnown=\"1\" isSynced=\"0\"]");
	ck_assert_str_eq(p.body, "{\"a\":1}");

	/* logger --rfc5424=notq -i: a PROCID and no structured data */
	PARSE("<13>1 2026-11-30T00:50:26.905354+00:00 vm nxlog 5511 - - "
	    "{\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_str_eq(p.procid, "5511");
	ck_assert_str_eq(p.sd, "-");
	ck_assert_str_eq(p.body, "{\"a\":1}");

	/* logger --rfc5424 --msgid ID47 -p local4.info */
	PARSE("<166>1 2026-11-30T00:50:26.911461+00:00 vm nxlog - ID47 "
	    "[timeQuality tzKnown=\"1\" isSynced=\"0\"] {\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_int_eq(p.pri, 166);
	ck_assert_str_eq(p.msgid, "ID47");
	ck_assert_str_eq(p.body, "{\"a\":1}");

	/* logger --rfc5424=notime,nohost: NILVALUE fields */
	PARSE("<13>1 - - nxlog - - - {\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_int_eq(p.version, 1);
	ck_assert_str_eq(p.ts, "");
	ck_assert_str_eq(p.host, "");
	ck_assert_str_eq(p.app, "nxlog");
	ck_assert_str_eq(p.body, "{\"a\":1}");

	/* logger with a message spanning lines */
	PARSE("<13>1 2026-11-30T00:50:35.765982+00:00 vm nxlog - - "
	    "[timeQuality tzKnown=\"1\" isSynced=\"0\"] \n{\"a\":1}\n", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_str_eq(p.body, "{\"a\":1}");
}
END_TEST

/* logger --sd-id zoo@123 --sd-param 'tiger="hun\]gry \"x\" \\"' ... */
START_TEST(test_syslog_sd_escapes)
{
	struct parsed	p;

	PARSE("<13>1 2026-11-30T00:50:35.751017+00:00 vm nxlog 5572 - "
	    "[timeQuality tzKnown=\"1\" isSynced=\"0\"]"
	    "[zoo@123 tiger=\"hun\\]gry \\\"x\\\" \\\\\"]"
	    "[origin ip=\"10.0.0.1\"] {\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_int_eq(p.version, 1);
	ck_assert_str_eq(p.sd, "[timeQuality tzKnown=\"1\" isSynced=\"0\"]"
	    "[zoo@123 tiger=\"hun\\]gry \\\"x\\\" \\\\\"]"
	    "[origin ip=\"10.0.0.1\"]");
	ck_assert_str_eq(p.body, "{\"a\":1}");

	/* A '{' and "] " inside a value must not be taken for the body. */
	PARSE("<13>1 - h a - - [x@1 v=\"\\] {\\\"b\\\":2}\" w=\"\"] {\"a\":1}",
	    &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_int_eq(p.version, 1);
	ck_assert_str_eq(p.body, "{\"a\":1}");

	/* NXLog to_syslog_ietf(): values with spaces and quotes. */
	PARSE("<13>1 2020-09-02T01:43:49.587000+00:00 WORKSTATION5 "
	    "Microsoft-Windows-Sysmon 2772 - [NXLOG@14506 "
	    "EventReceivedTime=\"2020-09-01 21:43:49\" "
	    "SourceModuleName=\"eventlog\" SourceModuleType=\"im_msvistalog\"]"
	    " {\"EventID\":3}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_str_eq(p.host, "WORKSTATION5");
	ck_assert_str_eq(p.app, "Microsoft-Windows-Sysmon");
	ck_assert_str_eq(p.procid, "2772");
	ck_assert_str_eq(p.body, "{\"EventID\":3}");
}
END_TEST

/* RFC 5424 6.4: MSG may begin with a BOM. */
START_TEST(test_syslog_bom)
{
	struct parsed	p;

	PARSE("<13>1 - host app - - - \xef\xbb\xbf{\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_str_eq(p.body, "{\"a\":1}");
	PARSE("<13>Sep  2 01:43:49 host app: \xef\xbb\xbf{\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_str_eq(p.body, "{\"a\":1}");
}
END_TEST

START_TEST(test_syslog_logger_rfc3164)
{
	struct parsed	p;

	/* logger --rfc3164 -t nxlog */
	PARSE("<13>Nov 30 00:50:26 vm nxlog: {\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_int_eq(p.pri, 13);
	ck_assert_int_eq(p.version, 0);
	ck_assert_str_eq(p.ts, "Nov 30 00:50:26");
	ck_assert_str_eq(p.host, "vm");
	ck_assert_str_eq(p.app, "nxlog");
	ck_assert_str_eq(p.procid, "");
	ck_assert_str_eq(p.body, "{\"a\":1}");

	/* logger --rfc3164 -i */
	PARSE("<13>Nov 30 00:50:35 vm nxlog[5573]: {\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_str_eq(p.app, "nxlog");
	ck_assert_str_eq(p.procid, "5573");
	ck_assert_str_eq(p.body, "{\"a\":1}");

	/* logger to /dev/log: no HOSTNAME */
	PARSE("<13>Nov 30 00:50:26 nxlog: {\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_str_eq(p.host, "");
	ck_assert_str_eq(p.app, "nxlog");
	ck_assert_str_eq(p.body, "{\"a\":1}");
}
END_TEST

START_TEST(test_syslog_rsyslog_forward)
{
	struct parsed	p;

	/* RSYSLOG_TraditionalForwardFormat, day padded with a space */
	PARSE("<13>Sep  2 01:43:49 host tag: {\"EventID\":7}\n", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_str_eq(p.ts, "Sep  2 01:43:49");
	ck_assert_str_eq(p.host, "host");
	ck_assert_str_eq(p.app, "tag");
	ck_assert_str_eq(p.body, "{\"EventID\":7}");

	/* RSYSLOG_ForwardFormat: RFC 3339 timestamp in a 3164 header */
	PARSE("<13>2020-09-02T01:43:49.587000+00:00 host tag: {\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_int_eq(p.version, 0);
	ck_assert_str_eq(p.ts, "2020-09-02T01:43:49.587000+00:00");
	ck_assert_str_eq(p.host, "host");
	ck_assert_str_eq(p.app, "tag");
	ck_assert_str_eq(p.body, "{\"a\":1}");

	/* NXLog to_syslog_bsd() */
	PARSE("<14>Sep  2 01:43:49 WORKSTATION5 Microsoft-Windows-Sysmon[2772]: "
	    "{\"EventID\":3}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_int_eq(p.pri, 14);
	ck_assert_str_eq(p.host, "WORKSTATION5");
	ck_assert_str_eq(p.app, "Microsoft-Windows-Sysmon");
	ck_assert_str_eq(p.procid, "2772");

	/* Zero-padded and unpadded days, no PRI, no space after ':' */
	PARSE("Sep 02 01:43:49 host tag:{\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_int_eq(p.pri, -1);
	ck_assert_str_eq(p.ts, "Sep 02 01:43:49");
	ck_assert_str_eq(p.app, "tag");
	ck_assert_str_eq(p.body, "{\"a\":1}");
	PARSE("<13>Sep 2 01:43:49 host.example.org sysmon/x.y_z-1: {}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_str_eq(p.ts, "Sep 2 01:43:49");
	ck_assert_str_eq(p.host, "host.example.org");
	ck_assert_str_eq(p.app, "sysmon/x.y_z-1");
	ck_assert_str_eq(p.body, "{}");

	/* A hostname and then straight to JSON, no tag */
	PARSE("<13>Sep  2 01:43:49 host {\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_str_eq(p.host, "host");
	ck_assert_str_eq(p.app, "");
	ck_assert_str_eq(p.body, "{\"a\":1}");

	/* An IPv6 hostname is not a tag */
	PARSE("<13>Sep  2 01:43:49 fe80::1 tag: {\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_str_eq(p.host, "fe80::1");
	ck_assert_str_eq(p.app, "tag");

	/* A body that is not JSON is still the body: json.c judges it. */
	PARSE("<13>Sep  2 01:43:49 host tag: plain text\r\n", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_str_eq(p.body, "plain text");
}
END_TEST

START_TEST(test_syslog_pri)
{
	struct parsed	p;

	PARSE("<0>1 - h a - - - {}", &p);
	ck_assert_int_eq(p.pri, 0);
	ck_assert_int_eq(p.version, 1);
	PARSE("<191>1 - h a - - - {}", &p);
	ck_assert_int_eq(p.pri, 191);
	ck_assert_int_eq(p.version, 1);
	PARSE("<7>Sep  2 01:43:49 h t: {}", &p);
	ck_assert_int_eq(p.pri, 7);

	/* Out of range or leading zeros: no PRI, the body is still found */
	PARSE("<192>1 - h a - - - {\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_int_eq(p.pri, -1);
	ck_assert_int_eq(p.version, 0);
	ck_assert_str_eq(p.host, "");
	ck_assert_str_eq(p.body, "{\"a\":1}");
	PARSE("<013>Sep  2 01:43:49 h t: {}", &p);
	ck_assert_int_eq(p.pri, -1);
	ck_assert_str_eq(p.body, "{}");
	PARSE("<00>{}", &p);
	ck_assert_int_eq(p.pri, -1);
	PARSE("<1234>{}", &p);
	ck_assert_int_eq(p.pri, -1);
	PARSE("<-1>{}", &p);
	ck_assert_int_eq(p.pri, -1);
	PARSE("<>{}", &p);
	ck_assert_int_eq(p.pri, -1);
	ck_assert_str_eq(p.body, "{}");
}
END_TEST

/*
 * Headers that do not parse, with a '{' later on: the body is taken from
 * there and only PRI and timestamp are kept.
 */
START_TEST(test_syslog_fallback)
{
	struct parsed	p;

	/* A hostname with spaces, as some Windows relays write it */
	PARSE("<13>Sep  2 01:43:49 My Host Name tag: {\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_int_eq(p.pri, 13);
	ck_assert_str_eq(p.ts, "Sep  2 01:43:49");
	ck_assert_str_eq(p.host, "");
	ck_assert_str_eq(p.app, "");
	ck_assert_str_eq(p.body, "{\"a\":1}");

	/* Unterminated structured data */
	PARSE("<13>1 2020-09-02T01:43:49Z host app - - [x@1 a=\"b] {\"a\":1}",
	    &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_int_eq(p.version, 0);
	ck_assert_str_eq(p.ts, "2020-09-02T01:43:49Z");
	ck_assert_str_eq(p.sd, "");
	ck_assert_str_eq(p.body, "{\"a\":1}");

	/* Two spaces between RFC 5424 fields */
	PARSE("<13>1 2020-09-02T01:43:49Z host  app - - - {\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_str_eq(p.body, "{\"a\":1}");

	/* A tag with characters RFC 3164 does not allow */
	PARSE("<13>Sep  2 01:43:49 host \"Sysmon\": {\"a\":1}", &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_str_eq(p.body, "{\"a\":1}");

	/* An SD-ID longer than 32 */
	PARSE("<13>1 - h a - - [abcdefghijabcdefghijabcdefghijabc] {\"a\":1}",
	    &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_int_eq(p.version, 0);
	ck_assert_str_eq(p.body, "{\"a\":1}");
}
END_TEST

/* No body to be found: the caller counts these as bad_syslog. */
START_TEST(test_syslog_malformed)
{
	static const char *bad[] = {
		"", " ", " \t\r\n", "\xef\xbb\xbf", "<", "<13", "<13>", "<999>",
		"<13>1", "<13>1 ", "<13>1 - - - - - -",
		"<13>1 2020-09-02T01:43:49Z host app - - -",
		"<13>1 2020-09-02T01:43:49Z host app - - - \xef\xbb\xbf \r\n",
		"<13>1 2020-09-02T01:43:49Z host app - - [a b=\"c\"]",
		"<13>1 2020-09-02T01:43:49Z host app - - [a b=\"c\"]x",
		"<13>Sep  2 01:43:49", "<13>Sep  2 01:43:49 host tag:",
		"<13>Sep  2 01:43:49 host tag:  \r\n", "<13>Sep  2 01:43:49 ",
		"<13>Sep  2 01:43:49 host", "<13>Sep  2 01:43:49 host ",
		"<13>Sep 32 01:43:49 host tag: x", "garbage", "hello world",
		"<13>Sep  2 01:43:49 host tag[: x", "<13>Sep  2 01:43:49 t[]: x",
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_fails(bad[i], strlen(bad[i]));
	assert_fails("<13>\0{}", 5);
	ck_assert_int_eq(syslog_parse(NULL, 0, &(struct syslog_hdr){ 0 },
	    &(const char *){ NULL }, &(size_t){ 0 }), -1);
}
END_TEST

/* The length is the message: a '{' just past it is not looked at. */
START_TEST(test_syslog_not_nul_terminated)
{
	static const char	msg[] = "<13>Sep  2 01:43:49 host tag: {\"a\":1}";
	struct parsed		p;

	parse(msg, sizeof(msg) - 1 - 7, &p);
	ck_assert_int_eq(p.r, -1);
	parse(msg, sizeof(msg) - 2, &p);
	ck_assert_int_eq(p.r, 0);
	ck_assert_str_eq(p.body, "{\"a\":1");
}
END_TEST

/*
 * Hostile input: seeded random bytes, and random mutations of real
 * headers, each in an exactly sized heap buffer (parse() checks that the
 * body and every slice lie inside it). A body is never empty nor begins
 * or ends with white space, and a PRI is in range.
 */
START_TEST(test_syslog_hostile)
{
	static const char *seeds[] = {
		"<13>1 2026-11-30T00:50:35.751017+00:00 vm nxlog 5572 - "
		    "[timeQuality tzKnown=\"1\" isSynced=\"0\"][zoo@123 t=\"h"
		    "\\]g \\\"x\\\" \\\\\"] \xef\xbb\xbf{\"a\":1}\r\n",
		"<13>Nov 30 00:50:35 vm nxlog[5573]: {\"a\":1}",
		"<13>2020-09-02T01:43:49.587000+00:00 host tag: {\"a\":1}",
		" \xef\xbb\xbf[1, {\"a\":1}]",
	};
	static const char	 alpha[] = "<>[]{}\"\\= :-1 \t\r\n";
	struct parsed		 p;
	char			 buf[256];
	uint64_t		 x = 7;
	size_t			 len, j, k, last;
	int			 i;

	for (i = 0; i < 100000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		k = (x >> 20) % (sizeof(seeds) / sizeof(seeds[0]));
		len = strlen(seeds[k]);
		len = (x >> 33) % (len + 1);
		memcpy(buf, seeds[k], len);
		for (j = 0; j < len; j++) {
			x = x * 6364136223846793005ULL + 1;
			if (i % 4 == 0)
				buf[j] = (char)(x >> 56);
			else if ((x >> 40) % 24 == 0)
				buf[j] = alpha[(x >> 20) % (sizeof(alpha) - 1)];
		}
		parse(buf, len, &p);
		if (p.pri < -1 || p.pri > 191 || (p.version != 0 &&
		    p.version != 1))
			ck_abort_msg("case %d: pri %d version %d", i, p.pri,
			    p.version);
		if (p.r == 0) {
			last = p.bodylen - 1;
			if (memchr(" \t\r\n", p.body[0], 4) != NULL ||
			    memchr(" \t\r\n", p.body[last], 4) != NULL)
				ck_abort_msg("case %d: untrimmed body", i);
		}
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("syslog");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_syslog_no_header);
	tcase_add_test(tc, test_syslog_logger_rfc5424);
	tcase_add_test(tc, test_syslog_sd_escapes);
	tcase_add_test(tc, test_syslog_bom);
	tcase_add_test(tc, test_syslog_logger_rfc3164);
	tcase_add_test(tc, test_syslog_rsyslog_forward);
	tcase_add_test(tc, test_syslog_pri);
	tcase_add_test(tc, test_syslog_fallback);
	tcase_add_test(tc, test_syslog_malformed);
	tcase_add_test(tc, test_syslog_not_nul_terminated);
	tcase_add_test(tc, test_syslog_hostile);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
