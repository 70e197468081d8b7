/*
 * signetd tests: field mapping (spec sections 1, 2 and 8) from JSON lines
 * through the decoder to struct rec. Sysmon lines follow OTRF captures
 * (MIT); MDE records follow the documented streaming schema.
 */
#include "testutil.h"

#include "json.h"
#include "norm.h"

struct one {
	struct rec		 r;
	int			 rc;
	enum skip_reason	 why;
	int			 n;
};

static void
one_cb(void *arg, const struct fields *f)
{
	struct one	*o = arg;

	o->n++;
	o->rc = norm_record(f, &o->r, &o->why);
}

static struct one	 last;
static struct json	*j;

static void
setup(void)
{
	j = json_new(one_cb, &last);
}

static void
teardown(void)
{
	json_free(j);
}

/* The record borrows from the decoder, which lives for the whole test. */
static struct one *
norm_line(const char *line)
{
	enum skip_reason	 why;

	memset(&last, 0, sizeof(last));
	ck_assert_int_eq(json_parse(j, line, strlen(line), &why), 1);
	return (&last);
}

static void
ck_slice(struct slice s, const char *want)
{
	ck_assert_uint_eq(s.n, strlen(want));
	ck_assert_int_eq(memcmp(s.p, want, s.n), 0);
}

#define SYSMON_HDR "\"Channel\":\"Microsoft-Windows-Sysmon/Operational\"," \
	"\"Hostname\":\"WORKSTATION5.theshire.local\","

START_TEST(test_norm_sysmon_load)
{
	struct one	*o = norm_line("{" SYSMON_HDR "\"EventID\":7,"
	    "\"UtcTime\":\"2020-09-02 01:43:49.587\",\"ProcessGuid\":"
	    "\"{ff90ade3-f8d5-5f4e-7a04-000000000400}\",\"ProcessId\":\"4800\","
	    "\"Image\":\"C:\\\\Users\\\\pgustavo\\\\Desktop\\\\MoveWMI.exe\","
	    "\"ImageLoaded\":\"C:\\\\Users\\\\pgustavo\\\\Desktop\\\\MoveWMI.exe\","
	    "\"Hashes\":\"SHA1=19EF40D5BA35BA0DCF092CF688A403E6AFFCB55F,MD5="
	    "9F31011FA85C64A635305EE0E270610B\",\"Signed\":\"false\","
	    "\"Signature\":\"-\",\"SignatureStatus\":\"Unavailable\"}");

	ck_assert_int_eq(o->rc, 0);
	ck_assert_int_eq(o->r.kind, REC_LOAD);
	ck_assert_int_eq(o->r.source, SRC_SYSMON);
	ck_slice(o->r.device, "workstation5.theshire.local");
	ck_slice(o->r.device_name, "WORKSTATION5.theshire.local");
	ck_assert_int_eq(o->r.time, INT64_C(1599011029587000));
	ck_assert_int_eq(o->r.has_sha1, 1);
	ck_assert_uint_eq(o->r.sha1[0], 0x19);
	ck_assert_uint_eq(o->r.sha1[19], 0x5f);
	ck_assert_int_eq(o->r.is_signed, TRI_FALSE);
	ck_assert_int_eq(o->r.is_trusted, TRI_FALSE);
	ck_slice(o->r.status, "Unavailable");
	ck_slice(o->r.signer, "-");
	ck_assert_int_eq(o->r.pid, 4800);
}
END_TEST

START_TEST(test_norm_sysmon_net)
{
	struct one	*o = norm_line("{" SYSMON_HDR "\"EventID\":\"3\","
	    "\"UtcTime\":\"2020-08-06 07:56:20.207\",\"ProcessId\":\"3132\","
	    "\"Image\":\"C:\\\\Windows\\\\svchost.exe\",\"Initiated\":\"true\","
	    "\"DestinationIp\":\"52.114.158.91\",\"DestinationPort\":\"443\","
	    "\"DestinationHostname\":\"-\",\"Protocol\":\"tcp\"}");

	ck_assert_int_eq(o->rc, 0);
	ck_assert_int_eq(o->r.kind, REC_NET);
	ck_assert_int_eq(o->r.outbound, TRI_TRUE);
	ck_assert_int_eq(o->r.ip_state, IP_OK);
	ck_assert_int_eq(o->r.has_port, 1);
	ck_assert_uint_eq(o->r.remote_port, 443);
	ck_assert_uint_eq(o->r.remote_url.n, 0);
	ck_assert_int_eq(o->r.has_sha1, 0);
}
END_TEST

/* Initiated means outbound only as "true" (or JSON true). */
START_TEST(test_norm_sysmon_initiated_strict)
{
	ck_assert_int_eq(norm_line("{" SYSMON_HDR "\"EventID\":3,"
	    "\"UtcTime\":\"2020-08-06 07:56:20\",\"Initiated\":\"True\"}")
	    ->r.outbound, TRI_FALSE);
	ck_assert_int_eq(norm_line("{" SYSMON_HDR "\"EventID\":3,"
	    "\"UtcTime\":\"2020-08-06 07:56:20\",\"Initiated\":true}")
	    ->r.outbound, TRI_TRUE);
}
END_TEST

START_TEST(test_norm_sysmon_proc_hashes_any_order)
{
	struct one	*o = norm_line("{" SYSMON_HDR "\"EventID\":1,"
	    "\"UtcTime\":\"2020-08-06 07:56:20.2\",\"ProcessGuid\":\"{AB}\","
	    "\"Hashes\":\"MD5=00,IMPHASH=11,sha1=19ef40d5ba35ba0dcf092cf688a4"
	    "03e6affcb55f\",\"CommandLine\":\"a b\",\"User\":\"X\\\\y\"}");

	ck_assert_int_eq(o->rc, 0);
	ck_assert_int_eq(o->r.kind, REC_PROC);
	ck_assert_int_eq(o->r.has_sha1, 1);
	ck_assert_uint_eq(o->r.sha1[1], 0xef);
	ck_slice(o->r.guid, "{AB}");
	ck_slice(o->r.user, "X\\y");
	o = norm_line("{" SYSMON_HDR "\"EventID\":1,\"UtcTime\":"
	    "\"2020-08-06 07:56:20\",\"ProcessGuid\":\"{AB}\",\"Hashes\":"
	    "\"MD5=00,IMPHASH=11\"}");
	ck_assert_int_eq(o->rc, 0);
	ck_assert_int_eq(o->r.has_sha1, 0);
	o = norm_line("{" SYSMON_HDR "\"EventID\":1,\"UtcTime\":"
	    "\"2020-08-06 07:56:20\",\"ProcessGuid\":\"{AB}\",\"Hashes\":"
	    "\"SHA1=XYZ\"}");
	ck_assert_int_eq(o->rc, -1);
	ck_assert_int_eq(o->why, SKIP_BAD_FIELD);
}
END_TEST

/* Forty characters that are not all hex digits are not a SHA1. */
START_TEST(test_norm_sha1_non_hex_refused)
{
	static const char *const bad[] = {
		"g9ef40d5ba35ba0dcf092cf688a403e6affcb55f",
		"19ef40d5ba35ba0dcf092cf688a403e6affcb55G",
		"19ef40d5ba35ba0dcf092cf688a403e6affcb5 f",
		"19ef40d5ba35ba0dcf092cf688a403e6affcb5:f",
		"19ef40d5ba35ba0dcf092cf688a403e6affcb5/f",
		"19ef40d5ba35ba0dcf092cf688a403e6affcb5`f",
		"19ef40d5ba35ba0dcf092cf688a403e6affcb5@f",
		"19ef40d5ba35ba0dcf092cf688a403e6affcb5\\u00e9"
	};
	char		 line[512];
	struct one	*o;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "{" SYSMON_HDR "\"EventID\":1,"
		    "\"UtcTime\":\"2020-08-06 07:56:20\",\"ProcessGuid\":"
		    "\"{AB}\",\"Hashes\":\"SHA1=%s\"}", bad[i]);
		o = norm_line(line);
		ck_assert_msg(o->rc == -1 && o->why == SKIP_BAD_FIELD,
		    "SHA1=%s taken", bad[i]);
	}
	o = norm_line("{\"category\":\"AdvancedHunting-DeviceFileCertificateInfo"
	    "\",\"properties\":{\"DeviceId\":\"d\",\"Timestamp\":"
	    "\"2024-03-01T00:00:00Z\",\"SHA1\":"
	    "\"19ef40d5ba35ba0dcf092cf688a403e6affcb5\\u00ff\"}}");
	ck_assert_int_eq(o->rc, -1);
	ck_assert_int_eq(o->why, SKIP_BAD_FIELD);
}
END_TEST

/* Without UtcTime the forwarder's timestamp is used. */
START_TEST(test_norm_sysmon_time_fallback)
{
	struct one	*o = norm_line("{\"winlog\":{\"channel\":"
	    "\"Microsoft-Windows-Sysmon/Operational\",\"computer_name\":\"H\","
	    "\"event_id\":\"1\",\"event_data\":{\"ProcessGuid\":\"{x}\"}},"
	    "\"@timestamp\":\"2019-03-18T16:57:48.07Z\"}");

	ck_assert_int_eq(o->rc, 0);
	ck_assert_int_eq(o->r.time, INT64_C(1552928268070000));
	ck_slice(o->r.device, "h");
}
END_TEST

START_TEST(test_norm_skips)
{
	struct one	*o;

	o = norm_line("{" SYSMON_HDR "\"EventID\":5,\"UtcTime\":"
	    "\"2020-08-06 07:56:20\"}");
	ck_assert_int_eq(o->why, SKIP_IGNORED);
	o = norm_line("{" SYSMON_HDR "\"EventID\":1,\"UtcTime\":"
	    "\"2020-08-06 07:56:20\"}");
	ck_assert_int_eq(o->why, SKIP_MISSING_FIELD);
	o = norm_line("{" SYSMON_HDR "\"EventID\":1,\"ProcessGuid\":\"{x}\","
	    "\"UtcTime\":\"2020-13-06 07:56:20\"}");
	ck_assert_int_eq(o->why, SKIP_BAD_TIME);
	{
		char	 line[1024];

		snprintf(line, sizeof(line), "{" SYSMON_HDR "\"EventID\":1,"
		    "\"ProcessGuid\":\"{x}\",\"UtcTime\":\"2020-08-06 07:56:20\","
		    "\"Hostname\":\"%0300d\"}", 7);
		o = norm_line(line);
		ck_assert_int_eq(o->why, SKIP_BAD_FIELD);
	}
	o = norm_line("{\"Channel\":\"Security\",\"EventID\":4624}");
	ck_assert_int_eq(o->why, SKIP_UNKNOWN_SOURCE);
	o = norm_line("{\"category\":\"AdvancedHunting-DeviceImageLoadEvents\","
	    "\"properties\":{}}");
	ck_assert_int_eq(o->why, SKIP_IGNORED);
	o = norm_line("{\"category\":\"Other\"}");
	ck_assert_int_eq(o->why, SKIP_UNKNOWN_SOURCE);
	o = norm_line("{\"category\":\"AdvancedHunting-DeviceFileCertificateInfo\","
	    "\"properties\":{\"DeviceId\":\"d\",\"Timestamp\":"
	    "\"2024-03-01T00:00:00Z\"}}");
	ck_assert_int_eq(o->why, SKIP_MISSING_FIELD);
}
END_TEST

START_TEST(test_norm_mde_net)
{
	struct one	*o = norm_line("{\"time\":\"2026-07-18T14:00:54.7649349Z\","
	    "\"category\":\"AdvancedHunting-DeviceNetworkEvents\","
	    "\"properties\":{\"DeviceName\":\"mbp16\",\"DeviceId\":\"5844d4a3\","
	    "\"RemoteIP\":\"20.42.65.85\",\"RemotePort\":443,\"Protocol\":"
	    "\"Tcp\",\"RemoteUrl\":null,\"InitiatingProcessId\":16865,"
	    "\"InitiatingProcessSHA1\":\"DF28E5FB02D978B99EEF04163B25EEFAAAC32C77\","
	    "\"InitiatingProcessFolderPath\":\"/library/x\","
	    "\"InitiatingProcessAccountName\":\"rob\","
	    "\"InitiatingProcessAccountDomain\":\"mbp16\",\"ActionType\":"
	    "\"ConnectionSuccess\",\"Timestamp\":\"2026-07-18T13:58:19.271806Z\"}}");

	ck_assert_int_eq(o->rc, 0);
	ck_assert_int_eq(o->r.kind, REC_NET);
	ck_assert_int_eq(o->r.source, SRC_MDE);
	ck_slice(o->r.device, "5844d4a3");
	ck_assert_int_eq(o->r.has_sha1, 1);
	ck_assert_uint_eq(o->r.sha1[0], 0xdf);
	ck_assert_int_eq(o->r.pid, 16865);
	ck_assert_int_eq(o->r.outbound, TRI_TRUE);
	ck_assert_uint_eq(o->r.remote_url.n, 0);
	ck_slice(o->r.user, "mbp16\\rob");
	ck_assert_int_eq(o->r.time % 1000000, 271806);
}
END_TEST

/* DeviceId else lower(DeviceName) for network rows. */
START_TEST(test_norm_mde_device_fallback)
{
	struct one	*o = norm_line("{\"category\":"
	    "\"AdvancedHunting-DeviceNetworkEvents\",\"properties\":"
	    "{\"DeviceName\":\"WS01.Corp\",\"ActionType\":\"InboundConnectionAccepted\","
	    "\"Timestamp\":\"2024-03-01T00:00:00Z\"}}");

	ck_assert_int_eq(o->rc, 0);
	ck_slice(o->r.device, "ws01.corp");
	ck_assert_int_eq(o->r.outbound, TRI_FALSE);
	ck_assert_int_eq(o->r.has_sha1, 0);
	ck_assert_int_eq(o->r.has_pid, 0);
}
END_TEST

static struct one *
mde_cert(const char *signedv, const char *trustedv)
{
	static char	 line[512];

	snprintf(line, sizeof(line), "{\"category\":"
	    "\"AdvancedHunting-DeviceFileCertificateInfo\",\"properties\":"
	    "{\"DeviceId\":\"d\",\"SHA1\":"
	    "\"1bc5066ddf693fc034d6514618854e26a84fd0d1\",\"IsSigned\":%s,"
	    "\"IsTrusted\":%s,\"Signer\":\"Microsoft Windows\","
	    "\"Timestamp\":\"2022-11-07T17:00:58.1501482Z\"}}", signedv,
	    trustedv);
	return (norm_line(line));
}

/* Booleans as true/false, 1/0 and the strings; anything else unknown. */
START_TEST(test_norm_mde_booleans)
{
	struct one	*o;

	o = mde_cert("true", "true");
	ck_assert_int_eq(o->rc, 0);
	ck_assert_int_eq(o->r.kind, REC_CERT);
	ck_assert_int_eq(o->r.is_signed, TRI_TRUE);
	ck_assert_int_eq(o->r.is_trusted, TRI_TRUE);
	ck_slice(o->r.status, "Valid");
	ck_assert_int_eq(mde_cert("0", "1")->r.is_signed, TRI_FALSE);
	ck_assert_int_eq(mde_cert("0", "1")->r.is_trusted, TRI_TRUE);
	ck_slice(mde_cert("0", "1")->r.status, "Unsigned");
	ck_assert_int_eq(mde_cert("\"false\"", "\"1\"")->r.is_signed,
	    TRI_FALSE);
	ck_assert_int_eq(mde_cert("\"true\"", "\"0\"")->r.is_trusted,
	    TRI_FALSE);
	ck_slice(mde_cert("\"true\"", "\"0\"")->r.status, "Untrusted");
	ck_assert_int_eq(mde_cert("\"True\"", "2")->r.is_signed, TRI_UNKNOWN);
	ck_assert_int_eq(mde_cert("\"True\"", "2")->r.is_trusted, TRI_UNKNOWN);
	ck_assert_int_eq(mde_cert("null", "\"\"")->r.is_signed, TRI_UNKNOWN);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("norm");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_norm_sysmon_load);
	tcase_add_test(tc, test_norm_sysmon_net);
	tcase_add_test(tc, test_norm_sysmon_initiated_strict);
	tcase_add_test(tc, test_norm_sysmon_proc_hashes_any_order);
	tcase_add_test(tc, test_norm_sha1_non_hex_refused);
	tcase_add_test(tc, test_norm_sysmon_time_fallback);
	tcase_add_test(tc, test_norm_skips);
	tcase_add_test(tc, test_norm_mde_net);
	tcase_add_test(tc, test_norm_mde_device_fallback);
	tcase_add_test(tc, test_norm_mde_booleans);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
