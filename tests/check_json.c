/*
 * signetd tests: the yajl callback decoder and its flat field view, for
 * the three source shapes and hostile input. Sysmon lines are cut from
 * OTRF Security-Datasets captures (MIT), keeping their field names,
 * order and value shapes.
 */
#include "testutil.h"

#include "json.h"

struct seen {
	struct fields	 f[8];
	int		 n;
};

static void
seen_cb(void *arg, const struct fields *f)
{
	struct seen	*s = arg;

	if (s->n < 8)
		s->f[s->n] = *f;
	s->n++;
}

static void
ck_field(const struct fields *f, enum field id, const char *want)
{
	ck_assert_msg(f->v[id].type == FV_STR || f->v[id].type == FV_NUM,
	    "field %d absent", id);
	ck_assert_uint_eq(f->v[id].n, strlen(want));
	ck_assert_int_eq(memcmp(f->v[id].p, want, f->v[id].n), 0);
}

static int
parse(struct json *j, const char *s, enum skip_reason *why)
{
	return (json_parse(j, s, strlen(s), why));
}

static const char nxlog_eid3[] =
    "{\"tags\":[\"mordorDataset\"],\"@version\":\"1\",\"DestinationIp\":"
    "\"52.114.158.91\",\"Channel\":\"Microsoft-Windows-Sysmon/Operational\","
    "\"Hostname\":\"WORKSTATION5.theshire.local\",\"@timestamp\":"
    "\"2020-08-06T07:56:22.800Z\",\"ProcessId\":\"3132\",\"Initiated\":"
    "\"true\",\"DestinationHostname\":\"-\",\"host\":"
    "\"wec.internal.cloudapp.net\",\"Image\":"
    "\"C:\\\\Windows\\\\System32\\\\svchost.exe\",\"EventTime\":"
    "\"2020-08-06 03:56:21\",\"DestinationPort\":\"443\",\"SourceName\":"
    "\"Microsoft-Windows-Sysmon\",\"UtcTime\":\"2020-08-06 07:56:20.207\","
    "\"Keywords\":-9223372036854775808,\"EventID\":3,\"ProcessGuid\":"
    "\"{297bc33e-5c35-5f2b-4600-000000000400}\",\"Protocol\":\"tcp\"}";

START_TEST(test_json_nxlog_flat)
{
	struct seen		 s = { .n = 0 };
	struct json		*j = json_new(seen_cb, &s);
	enum skip_reason	 why;

	ck_assert_int_eq(parse(j, nxlog_eid3, &why), 1);
	ck_assert_int_eq(s.n, 1);
	ck_field(&s.f[0], F_DESTIP, "52.114.158.91");
	ck_field(&s.f[0], F_EVENTID, "3");
	ck_assert_int_eq(s.f[0].v[F_EVENTID].type, FV_NUM);
	ck_field(&s.f[0], F_IMAGE, "C:\\Windows\\System32\\svchost.exe");
	ck_field(&s.f[0], F_COMPUTER, "WORKSTATION5.theshire.local");
	ck_field(&s.f[0], F_UTCTIME, "2020-08-06 07:56:20.207");
	ck_field(&s.f[0], F_CHANNEL, "Microsoft-Windows-Sysmon/Operational");
	ck_assert_int_eq(s.f[0].v[F_CATEGORY].type, FV_NONE);
	json_free(j);
}
END_TEST

START_TEST(test_json_winlogbeat)
{
	static const char line[] =
	    "{\"@timestamp\": \"2020-09-02T01:43:50.871Z\", \"event\": "
	    "{\"code\": \"7\", \"provider\": \"Microsoft-Windows-Sysmon\"}, "
	    "\"host\": {\"name\": \"WORKSTATION5\"}, \"winlog\": {\"channel\": "
	    "\"Microsoft-Windows-Sysmon/Operational\", \"computer_name\": "
	    "\"WORKSTATION5.theshire.local\", \"event_data\": {\"Image\": "
	    "\"C:\\\\a.exe\", \"ImageLoaded\": \"C:\\\\b.dll\", \"Signed\": "
	    "\"false\", \"SignatureStatus\": \"Unavailable\"}, \"event_id\": "
	    "\"7\", \"process\": {\"pid\": 3120}, \"provider_name\": "
	    "\"Microsoft-Windows-Sysmon\", \"user\": {\"name\": \"SYSTEM\"}}}";
	struct seen		 s = { .n = 0 };
	struct json		*j = json_new(seen_cb, &s);
	enum skip_reason	 why;

	ck_assert_int_eq(parse(j, line, &why), 1);
	ck_field(&s.f[0], F_EVENTID, "7");
	ck_assert_int_eq(s.f[0].v[F_EVENTID].type, FV_STR);
	ck_field(&s.f[0], F_COMPUTER, "WORKSTATION5.theshire.local");
	ck_field(&s.f[0], F_IMAGELOADED, "C:\\b.dll");
	ck_field(&s.f[0], F_SIGNED, "false");
	ck_field(&s.f[0], F_PROVIDER, "Microsoft-Windows-Sysmon");
	ck_assert_int_eq(s.f[0].v[F_USER].type, FV_NONE);
	json_free(j);
}
END_TEST

START_TEST(test_json_winlogbeat6)
{
	static const char line[] =
	    "{\"@timestamp\":\"2019-05-18T20:42:59.045Z\",\"computer_name\":"
	    "\"HR001.shire.com\",\"event_id\":3,\"event_data\":{\"UtcTime\":"
	    "\"2019-05-07 11:56:15.761\",\"DestinationIp\":\"10.0.10.106\","
	    "\"Initiated\":\"true\"},\"source_name\":\"Microsoft-Windows-Sysmon\","
	    "\"host\":{\"name\":\"WECserver\"},\"log_name\":"
	    "\"Microsoft-Windows-Sysmon/Operational\"}";
	struct seen		 s = { .n = 0 };
	struct json		*j = json_new(seen_cb, &s);
	enum skip_reason	 why;

	ck_assert_int_eq(parse(j, line, &why), 1);
	ck_field(&s.f[0], F_COMPUTER, "HR001.shire.com");
	ck_field(&s.f[0], F_EVENTID, "3");
	ck_field(&s.f[0], F_DESTIP, "10.0.10.106");
	ck_field(&s.f[0], F_CHANNEL, "Microsoft-Windows-Sysmon/Operational");
	json_free(j);
}
END_TEST

START_TEST(test_json_mde_envelope)
{
	static const char line[] =
	    "{\"records\":[{\"time\":\"x\",\"category\":"
	    "\"AdvancedHunting-DeviceNetworkEvents\",\"properties\":"
	    "{\"DeviceId\":\"d1\",\"RemoteIP\":\"81.2.69.142\",\"RemotePort\":"
	    "443,\"AdditionalFields\":{\"DeviceId\":\"nested\"}}},"
	    "{\"category\":\"AdvancedHunting-DeviceFileCertificateInfo\","
	    "\"properties\":{\"DeviceId\":\"d2\",\"IsSigned\":false,"
	    "\"IsTrusted\":null}},"
	    "{\"properties\":{\"DeviceId\":\"d3\"},\"category\":\"c3\"}]}";
	struct seen		 s = { .n = 0 };
	struct json		*j = json_new(seen_cb, &s);
	enum skip_reason	 why;

	ck_assert_int_eq(parse(j, line, &why), 3);
	ck_assert_int_eq(s.n, 3);
	ck_field(&s.f[0], F_DEVICEID, "d1");
	ck_field(&s.f[0], F_REMOTEPORT, "443");
	ck_field(&s.f[1], F_CATEGORY,
	    "AdvancedHunting-DeviceFileCertificateInfo");
	ck_assert_int_eq(s.f[1].v[F_ISSIGNED].type, FV_FALSE);
	ck_assert_int_eq(s.f[1].v[F_ISTRUSTED].type, FV_NULL);
	ck_assert_int_eq(s.f[1].v[F_REMOTEIP].type, FV_NONE);
	ck_field(&s.f[2], F_DEVICEID, "d3");
	ck_field(&s.f[2], F_CATEGORY, "c3");
	json_free(j);
}
END_TEST

START_TEST(test_json_top_level_array)
{
	struct seen		 s = { .n = 0 };
	struct json		*j = json_new(seen_cb, &s);
	enum skip_reason	 why;

	ck_assert_int_eq(parse(j, "[{\"category\":\"a\"},{\"category\":\"b\"}]",
	    &why), 2);
	ck_field(&s.f[1], F_CATEGORY, "b");
	json_free(j);
}
END_TEST

/*
 * "records" opens an envelope only as a key of a top-level map with an
 * array for its value; anywhere else it is a key like any other, and a
 * key that followed it does not make the next array an envelope.
 */
START_TEST(test_json_records_key_only_at_top)
{
	struct seen		 s = { .n = 0 };
	struct json		*j = json_new(seen_cb, &s);
	enum skip_reason	 why;

	/* in a record of a top-level array: the record, not its array */
	ck_assert_int_eq(parse(j, "[{\"category\":\"a\",\"records\":"
	    "[{\"category\":\"inner\"}]}]", &why), 1);
	ck_field(&s.f[0], F_CATEGORY, "a");
	/* a map for its value is skipped, and the top map is the record */
	s.n = 0;
	ck_assert_int_eq(parse(j, "{\"records\":{\"category\":\"inner\"},"
	    "\"category\":\"top\"}", &why), 1);
	ck_field(&s.f[0], F_CATEGORY, "top");
	/* a scalar between the key and an array: no envelope */
	s.n = 0;
	ck_assert_int_eq(parse(j, "{\"records\":1,\"x\":[{\"category\":"
	    "\"inner\"}],\"category\":\"top\"}", &why), 1);
	ck_field(&s.f[0], F_CATEGORY, "top");
	/* in properties: not an envelope either */
	s.n = 0;
	ck_assert_int_eq(parse(j, "{\"properties\":{\"records\":"
	    "[{\"category\":\"inner\"}]},\"category\":\"top\"}", &why), 1);
	ck_field(&s.f[0], F_CATEGORY, "top");
	/* NXLog 6's prefix does not reach it */
	s.n = 0;
	ck_assert_int_eq(parse(j, "{\"EventData.records\":[{\"category\":"
	    "\"inner\"}],\"category\":\"top\"}", &why), 1);
	ck_field(&s.f[0], F_CATEGORY, "top");
	/* and at the top it does, next to other keys */
	s.n = 0;
	ck_assert_int_eq(parse(j, "{\"x\":1,\"records\":[{\"category\":"
	    "\"a\"},{\"category\":\"b\"}],\"y\":[]}", &why), 2);
	ck_field(&s.f[1], F_CATEGORY, "b");
	json_free(j);
}
END_TEST

/* Escaped strings are unescaped into the arena and stay valid. */
START_TEST(test_json_escapes)
{
	struct seen		 s = { .n = 0 };
	struct json		*j = json_new(seen_cb, &s);
	enum skip_reason	 why;

	ck_assert_int_eq(parse(j, "{\"Image\":\"C:\\\\a \\\"b\\\" \\u00e9\","
	    "\"User\":\"x\\ty\",\"Hashes\":\"plain\"}", &why), 1);
	ck_field(&s.f[0], F_IMAGE, "C:\\a \"b\" \xc3\xa9");
	ck_field(&s.f[0], F_USER, "x\ty");
	ck_field(&s.f[0], F_HASHES, "plain");
	json_free(j);
}
END_TEST

/* NXLog Agent 6 with AddPrefix writes EventData.<Name>. */
START_TEST(test_json_eventdata_prefix)
{
	struct seen		 s = { .n = 0 };
	struct json		*j = json_new(seen_cb, &s);
	enum skip_reason	 why;

	ck_assert_int_eq(parse(j, "{\"EventData.Image\":\"C:\\\\x.exe\"}",
	    &why), 1);
	ck_field(&s.f[0], F_IMAGE, "C:\\x.exe");
	json_free(j);
}
END_TEST

START_TEST(test_json_bad_input)
{
	struct seen		 s = { .n = 0 };
	struct json		*j = json_new(seen_cb, &s);
	enum skip_reason	 why;
	char			 deep[400];
	int			 i;

	ck_assert_int_eq(parse(j, "not json", &why), -1);
	ck_assert_int_eq(why, SKIP_NOT_JSON);
	ck_assert_int_eq(parse(j, "{\"Image\":\"trunc", &why), -1);
	ck_assert_int_eq(why, SKIP_NOT_JSON);
	ck_assert_int_eq(parse(j, "{\"a\":1}}", &why), -1);
	ck_assert_int_eq(why, SKIP_NOT_JSON);
	ck_assert_int_eq(parse(j, "\"just a string\"", &why), -1);
	ck_assert_int_eq(why, SKIP_UNKNOWN_SOURCE);
	ck_assert_int_eq(parse(j, "{\"records\":[]}", &why), -1);
	ck_assert_int_eq(why, SKIP_UNKNOWN_SOURCE);
	for (i = 0; i < 100; i++)
		deep[i] = '[';
	for (i = 0; i < 100; i++)
		deep[100 + i] = ']';
	deep[200] = '\0';
	ck_assert_int_eq(parse(j, deep, &why), -1);
	ck_assert_int_eq(why, SKIP_TOO_DEEP);
	ck_assert_int_eq(parse(j, "", &why), -1);
	/* the decoder recovers: the next good message parses */
	s.n = 0;
	ck_assert_int_eq(parse(j, nxlog_eid3, &why), 1);
	ck_field(&s.f[0], F_DESTIP, "52.114.158.91");
	json_free(j);
}
END_TEST

/* Random bytes never crash the decoder (bounded, fixed seed). */
START_TEST(test_json_random_bytes)
{
	struct seen		 s = { .n = 0 };
	struct json		*j = json_new(seen_cb, &s);
	enum skip_reason	 why;
	char			 buf[256];
	unsigned		 seed = 42;
	int			 i, k, n;

	for (i = 0; i < 5000; i++) {
		n = (int)(rand_r(&seed) % sizeof(buf));
		for (k = 0; k < n; k++)
			buf[k] = "{}[]\":,a1 \\tn"[rand_r(&seed) % 13];
		(void)json_parse(j, buf, (size_t)n, &why);
	}
	s.n = 0;
	ck_assert_int_eq(parse(j, nxlog_eid3, &why), 1);
	json_free(j);
}
END_TEST

/*
 * A message that ends inside a token after a complete value (an open
 * string, half a literal) must not leave the lexer mid-token: the next
 * message, maybe from another sender, would be read as its continuation.
 */
START_TEST(test_json_no_state_across_messages)
{
	static const char *const tails[] = {
		"{\"a\":1} \"", "{\"a\":1} \"open", "{\"a\":1} tr",
		"{\"a\":1} nul", "{\"a\":1} 12", "{\"a\":1} -"
	};
	struct seen		 s = { .n = 0 };
	struct json		*j = json_new(seen_cb, &s);
	enum skip_reason	 why;
	size_t			 i;

	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		(void)parse(j, tails[i], &why);
		s.n = 0;
		ck_assert_msg(parse(j, nxlog_eid3, &why) == 1,
		    "message after \"%s\" lost", tails[i]);
		ck_assert_int_eq(s.n, 1);
		ck_field(&s.f[0], F_DESTIP, "52.114.158.91");
	}
	json_free(j);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("json");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_json_nxlog_flat);
	tcase_add_test(tc, test_json_winlogbeat);
	tcase_add_test(tc, test_json_winlogbeat6);
	tcase_add_test(tc, test_json_mde_envelope);
	tcase_add_test(tc, test_json_top_level_array);
	tcase_add_test(tc, test_json_records_key_only_at_top);
	tcase_add_test(tc, test_json_escapes);
	tcase_add_test(tc, test_json_eventdata_prefix);
	tcase_add_test(tc, test_json_bad_input);
	tcase_add_test(tc, test_json_random_bytes);
	tcase_add_test(tc, test_json_no_state_across_messages);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
