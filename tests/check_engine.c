/*
 * signetd tests: the engine's watermark, late records and the live-mode
 * clamp of forged future timestamps.
 */
#include "testutil.h"

#include "conf.h"
#include "engine.h"

static struct sinkbuf	 sb;
static struct conf	*cf;
static struct engine	*e;

static void
setup(void)
{
	struct sipkey	 sk = { 5, 6 };
	struct alert_sink sink = sinkbuf_sink(&sb);

	cf = conf_new();
	e = engine_new(cf, &sink, &sk);
}

static void
teardown(void)
{
	engine_free(e);
	conf_free(cf);
}

START_TEST(test_engine_watermark)
{
	struct rec	 r = mk_net("d", T0, 0xaa, "81.2.69.142");

	engine_push(e, &r, T0, 0);
	ck_assert_int_eq(engine_stats(e)->max_time, T0);
	ck_assert_int_eq(engine_stats(e)->watermark, T0 - 5 * 60 * T_SEC);
	r.time = T0 - T_HOUR;
	engine_push(e, &r, T0, 0);
	ck_assert_int_eq(engine_stats(e)->max_time, T0);
	ck_assert_uint_eq(engine_stats(e)->accepted[REC_NET], 2);
}
END_TEST

/* A record older than watermark - W is late: counted, never matched. */
START_TEST(test_engine_late_record)
{
	struct rec	 r = mk_net("d", T0 + 48 * T_HOUR, 0xaa, "81.2.69.142");
	struct rec	 c = mk_cert("d", T0, 0xaa, TRI_FALSE, TRI_FALSE);

	engine_push(e, &r, T0, 0);
	engine_push(e, &c, T0, 0);
	ck_assert_uint_eq(engine_stats(e)->late[REC_CERT], 1);
	c.time = T0 + 48 * T_HOUR - 24 * T_HOUR - 5 * 60 * T_SEC;
	engine_push(e, &c, T0, 0);
	ck_assert_uint_eq(engine_stats(e)->late[REC_CERT], 1);
	ck_assert_uint_eq(sb.n, 0);
	c.time = T0 + 48 * T_HOUR - T_HOUR;
	engine_push(e, &c, T0, 0);
	ck_assert_uint_eq(sb.n, 1);
}
END_TEST

/* Live mode: a time over an hour ahead of the clock becomes arrival time. */
START_TEST(test_engine_future_clamp)
{
	struct rec	 r = mk_net("d", T0 + 2 * T_HOUR, 0xaa, "81.2.69.142");

	engine_push(e, &r, T0, 1);
	ck_assert_uint_eq(engine_stats(e)->clamped, 1);
	ck_assert_int_eq(engine_stats(e)->max_time, T0);
	r.time = T0 + 30 * 60 * T_SEC;
	engine_push(e, &r, T0, 1);
	ck_assert_uint_eq(engine_stats(e)->clamped, 1);
	r.time = T0 + 100 * T_HOUR;
	engine_push(e, &r, T0, 0);
	ck_assert_uint_eq(engine_stats(e)->clamped, 1);
	ck_assert_int_eq(engine_stats(e)->max_time, T0 + 100 * T_HOUR);
}
END_TEST

START_TEST(test_engine_rules_off)
{
	struct sipkey	 sk = { 5, 6 };
	struct alert_sink sink = sinkbuf_sink(&sb);
	struct rec	 c = mk_cert("d", T0, 0xaa, TRI_FALSE, TRI_FALSE);
	struct rec	 r = mk_net("d", T0, 0xaa, "81.2.69.142");

	engine_free(e);
	cf->netjoin = 0;
	e = engine_new(cf, &sink, &sk);
	engine_push(e, &c, T0, 0);
	engine_push(e, &r, T0, 0);
	engine_flush(e, T0);
	ck_assert_uint_eq(sb.n, 0);
	ck_assert_uint_eq(engine_netjoin_stats(e)->net, 0);
}
END_TEST

/*
 * A reload's options reach a running engine, and its state stays: a
 * fact from before each change still joins the connections after it.
 */
START_TEST(test_engine_reconf)
{
	struct rec	 c = mk_cert("d", T0, 0xaa, TRI_FALSE, TRI_FALSE);
	struct rec	 r = mk_net("d", T0, 0xaa, "81.2.69.142");

	engine_push(e, &c, T0, 0);
	engine_push(e, &r, T0, 0);
	ck_assert_uint_eq(sb.n, 1);
	r.time = T0 + 60 * T_SEC;
	engine_push(e, &r, T0, 0);
	ck_assert_uint_eq(sb.n, 1);		/* suppressed for 1h */
	ck_assert_uint_eq(engine_netjoin_stats(e)->suppressed, 1);

	cf->suppress = 0;
	engine_reconf(e, cf);
	r.time = T0 + 120 * T_SEC;
	engine_push(e, &r, T0, 0);
	ck_assert_uint_eq(sb.n, 2);

	cf->netjoin = 0;
	engine_reconf(e, cf);
	r.time = T0 + 180 * T_SEC;
	engine_push(e, &r, T0, 0);
	ck_assert_uint_eq(sb.n, 2);
	ck_assert_uint_eq(engine_netjoin_stats(e)->net, 3);

	cf->netjoin = 1;
	cf->future_skew = T_SEC;
	engine_reconf(e, cf);
	r.time = T0 + 240 * T_SEC;
	engine_push(e, &r, T0 + 200 * T_SEC, 1);	/* 40 s ahead */
	ck_assert_uint_eq(engine_stats(e)->clamped, 1);
	ck_assert_uint_eq(sb.n, 3);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("engine");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_engine_watermark);
	tcase_add_test(tc, test_engine_late_record);
	tcase_add_test(tc, test_engine_future_clamp);
	tcase_add_test(tc, test_engine_rules_off);
	tcase_add_test(tc, test_engine_reconf);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
