/*
 * signetd: unit tests for tstamp.c, with the timestamp forms found in the
 * real data under /work/shared/testdata (Sysmon, NXLog, Winlogbeat, MDE).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "tstamp.h"

#define DAY_US	(INT64_C(86400) * TSTAMP_SEC)

/*
 * Loops of many cases test with if/ck_abort_msg: every passing ck_assert
 * reports its location to the check parent, a write(2) each.
 */

static int64_t
parse_ok(const char *s)
{
	int64_t	us = -42;

	ck_assert_msg(tstamp_parse(s, strlen(s), &us) == 0,
	    "refused \"%s\"", s);
	return (us);
}

static int
parse_fails(const char *s)
{
	int64_t	us = -42;

	return (tstamp_parse(s, strlen(s), &us) == -1 && us == -42);
}

START_TEST(test_tstamp_sysmon_utctime)
{
	ck_assert_int_eq(parse_ok("2020-09-02 01:43:49.587"),
	    INT64_C(1599011029587000));
}
END_TEST

START_TEST(test_tstamp_nxlog_eventtime)
{
	ck_assert_int_eq(parse_ok("2020-09-01 21:43:49"),
	    INT64_C(1598996629000000));
}
END_TEST

START_TEST(test_tstamp_winlogbeat)
{
	ck_assert_int_eq(parse_ok("2019-03-18T16:57:48.07Z"),
	    INT64_C(1552928268070000));
}
END_TEST

START_TEST(test_tstamp_mde_seven_digits_truncated)
{
	/* 7 digits: the 100 ns tick (…4934|9) is dropped, not rounded up. */
	ck_assert_int_eq(parse_ok("2026-07-18T14:00:54.7649349Z"),
	    INT64_C(1784383254764934));
	ck_assert_int_eq(parse_ok("2023-12-21T11:24:19.271806Z"),
	    INT64_C(1703157859271806));
	ck_assert_int_eq(parse_ok("2021-08-02T13:11:39.7724491Z"),
	    INT64_C(1627909899772449));
}
END_TEST

START_TEST(test_tstamp_nxlog6_offset)
{
	ck_assert_int_eq(parse_ok("2022-07-05T08:24:39.522394+02:00"),
	    INT64_C(1657002279522394));
}
END_TEST

START_TEST(test_tstamp_zone_forms)
{
	int64_t	utc = parse_ok("2022-07-05T06:24:39Z");

	ck_assert_int_eq(parse_ok("2022-07-05T08:24:39+02:00"), utc);
	ck_assert_int_eq(parse_ok("2022-07-05T08:24:39+0200"), utc);
	ck_assert_int_eq(parse_ok("2022-07-05T08:24:39+02"), utc);
	ck_assert_int_eq(parse_ok("2022-07-05T00:54:39-05:30"), utc);
	ck_assert_int_eq(parse_ok("2022-07-05t06:24:39z"), utc);
	ck_assert_int_eq(parse_ok("2022-07-05 06:24:39"), utc);
	ck_assert_int_eq(parse_ok("2022-07-05T06:24:39+00:00"), utc);
	ck_assert_int_eq(parse_ok("2022-07-05T06:24:39-00:00"), utc);
	ck_assert_int_eq(parse_ok("2022-07-06T06:23:39+23:59"), utc);
	ck_assert_int_eq(parse_ok("2022-07-04T06:25:39-23:59"), utc);
}
END_TEST

START_TEST(test_tstamp_fraction_digits)
{
	int64_t	base = parse_ok("2020-09-02T01:43:49Z");

	ck_assert_int_eq(parse_ok("2020-09-02T01:43:49.5Z") - base, 500000);
	ck_assert_int_eq(parse_ok("2020-09-02T01:43:49.587Z") - base, 587000);
	ck_assert_int_eq(parse_ok("2020-09-02T01:43:49.0109752Z") - base,
	    10975);
	ck_assert_int_eq(parse_ok("2020-09-02T01:43:49.000001Z") - base, 1);
	ck_assert_int_eq(parse_ok("2020-09-02T01:43:49.999999999Z") - base,
	    999999);
	ck_assert_int_eq(parse_ok("2020-09-02T01:43:49.0Z"), base);
}
END_TEST

START_TEST(test_tstamp_calendar_edges)
{
	ck_assert_int_eq(parse_ok("1970-01-01T00:00:00Z"), 0);
	ck_assert_int_eq(parse_ok("2000-02-29T00:00:00Z"),
	    INT64_C(951782400000000));
	ck_assert_int_eq(parse_ok("2000-03-01T00:00:00Z") -
	    parse_ok("2000-02-28T00:00:00Z"), 2 * DAY_US);
	ck_assert_int_eq(parse_ok("2024-02-29T12:00:00Z"),
	    INT64_C(1709208000000000));
	ck_assert_int_eq(parse_ok("2100-03-01T00:00:00Z"),
	    INT64_C(4107542400000000));
	ck_assert_int_eq(parse_ok("2100-03-01T00:00:00Z") -
	    parse_ok("2100-02-28T00:00:00Z"), DAY_US);
	ck_assert_int_eq(parse_ok("9999-12-31T23:59:59.999999Z"),
	    INT64_C(253402300799999999));
	ck_assert(parse_fails("2100-02-29T00:00:00Z"));
	ck_assert(parse_fails("2023-02-29T00:00:00Z"));
	ck_assert(parse_fails("1900-02-29T00:00:00Z"));
	ck_assert(parse_fails("2020-04-31T00:00:00Z"));
}
END_TEST

START_TEST(test_tstamp_leap_second)
{
	ck_assert_int_eq(parse_ok("2016-12-31T23:59:60Z"),
	    parse_ok("2017-01-01T00:00:00Z"));
	ck_assert_int_eq(parse_ok("2016-12-31T23:59:60.5Z"),
	    parse_ok("2017-01-01T00:00:00.5Z"));
}
END_TEST

/* Every date from 1970 to 9999 against a day counter, both ways. */
START_TEST(test_tstamp_every_day)
{
	static const int mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	char	s[TSTAMP_BUFSZ], f[TSTAMP_BUFSZ];
	int64_t	day = 0, us;
	int	y, m, d, n, leap;

	for (y = 1970; y <= 9999; y++) {
		leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		for (m = 1; m <= 12; m++) {
			n = mdays[m - 1] + (m == 2 && leap);
			for (d = 1; d <= n; d++, day++) {
				snprintf(s, sizeof(s),
				    "%04d-%02d-%02dT00:00:00.000Z", y, m, d);
				if (tstamp_parse(s, strlen(s), &us) == -1 ||
				    us != day * DAY_US)
					ck_abort_msg("parse \"%s\"", s);
				tstamp_format(us, f, sizeof(f));
				if (strcmp(f, s) != 0)
					ck_abort_msg("format \"%s\"", f);
			}
			snprintf(s, sizeof(s), "%04d-%02d-%02dT00:00:00Z",
			    y, m, n + 1);
			if (!parse_fails(s))
				ck_abort_msg("accepted \"%s\"", s);
		}
	}
}
END_TEST

/* The input is a slice: bytes past n are not looked at. */
START_TEST(test_tstamp_not_nul_terminated)
{
	const char	 s[] = "2020-09-02 01:43:49.587\",\"Foo\":1";
	char		*copy;
	int64_t		 us;

	ck_assert_int_eq(tstamp_parse(s, 23, &us), 0);
	ck_assert_int_eq(us, INT64_C(1599011029587000));
	ck_assert_int_eq(tstamp_parse(s, 22, &us), 0);
	ck_assert_int_eq(us, INT64_C(1599011029580000));
	ck_assert_int_eq(tstamp_parse(s, 24, &us), -1);

	/* Exactly sized heap copy, so ASan sees any read past the end. */
	copy = malloc(23);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, 23);
	ck_assert_int_eq(tstamp_parse(copy, 23, &us), 0);
	ck_assert_int_eq(tstamp_parse(copy, 20, &us), -1);
	free(copy);
}
END_TEST

START_TEST(test_tstamp_malformed)
{
	static const char *bad[] = {
		"", "2", "2020", "2020-09-02", "2020-09-02T", "2020-09-02T01",
		"2020-09-02T01:43", "2020-09-02T01:43:4", "2020-9-02T01:43:49",
		"2020-09-2T01:43:49", "20200902T014349Z", "2020/09/02 01:43:49",
		"2020-13-01T00:00:00", "2020-00-01T00:00:00",
		"2020-09-00T00:00:00", "2020-09-31T00:00:00",
		"2020-09-02T24:00:00", "2020-09-02T23:60:00",
		"2020-09-02T23:59:61", "2020-09-02T-1:43:49",
		"1969-12-31T23:59:59Z", "0000-01-01T00:00:00Z",
		"10000-01-01T00:00:00Z", "+2020-09-02T01:43:49",
		"1970-01-01T00:00:00+00:01", "2020-09-02X01:43:49",
		"2020-09-02TT01:43:49", "2020-09-02  01:43:49",
		"2020-09-02T01:43:49.", "2020-09-02T01:43:49.Z",
		"2020-09-02T01:43:49.1234567890", "2020-09-02T01:43:49,5",
		"2020-09-02T01:43:49.-5", "2020-09-02T01:43:49.5x",
		"2020-09-02T01:43:49Z ", " 2020-09-02T01:43:49",
		"2020-09-02T01:43:49ZZ", "2020-09-02T01:43:49 Z",
		"2020-09-02T01:43:49 +02:00", "2020-09-02T01:43:49UTC",
		"2020-09-02T01:43:49+24:00", "2020-09-02T01:43:49+02:60",
		"2020-09-02T01:43:49+2", "2020-09-02T01:43:49+02:",
		"2020-09-02T01:43:49+02:0", "2020-09-02T01:43:49+020",
		"2020-09-02T01:43:49+02000", "2020-09-02T01:43:49+02:00:00",
		"2020-09-02T01:43:49+", "2020-09-02T01:43:49-",
		"2020-09-02T01:43:49+0a:00", "2020-09-02T01:43:49\n",
		"2020-09-02T01:43:49\"",
		"\xef\xbb\xbf" "2020-09-02T01:43:49",
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_fails(bad[i]), "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(tstamp_parse(NULL, 0, NULL), -1);
}
END_TEST

START_TEST(test_tstamp_format_forms)
{
	char	buf[TSTAMP_BUFSZ];

	ck_assert_uint_eq(tstamp_format(0, buf, sizeof(buf)), 24);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00.000Z");
	ck_assert_uint_eq(tstamp_format(INT64_C(1599011029587000), buf,
	    sizeof(buf)), 24);
	ck_assert_str_eq(buf, "2020-09-02T01:43:49.587Z");
	ck_assert_uint_eq(tstamp_format(INT64_C(1784383254764934), buf,
	    sizeof(buf)), 27);
	ck_assert_str_eq(buf, "2026-07-18T14:00:54.764934Z");
	tstamp_format(INT64_C(1657002279522394), buf, sizeof(buf));
	ck_assert_str_eq(buf, "2022-07-05T06:24:39.522394Z");
	tstamp_format(INT64_C(253402300799999999), buf, sizeof(buf));
	ck_assert_str_eq(buf, "9999-12-31T23:59:59.999999Z");
}
END_TEST

/*
 * The hand-made formatting against gmtime_r(3) and snprintf(3), over
 * times from year 0 to 9999, whole milliseconds or not, and every
 * buffer size up to the full string (truncated as snprintf truncates).
 */
START_TEST(test_tstamp_format_matches_gmtime)
{
	char		 buf[TSTAMP_BUFSZ], want[TSTAMP_BUFSZ];
	struct tm	 tm;
	uint64_t	 x = 88172645463325252ULL;
	int64_t		 us, lo = INT64_C(-62167219200) * TSTAMP_SEC;
	int64_t		 span = INT64_C(253402300800) * TSTAMP_SEC - lo;
	time_t		 secs;
	size_t		 len, n, full;
	int		 i;

	for (i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		us = lo + (int64_t)(x % (uint64_t)span);
		if (i % 2 == 0)
			us -= us % 1000;
		secs = (time_t)(us / TSTAMP_SEC - (us % TSTAMP_SEC < 0));
		ck_assert_ptr_nonnull(gmtime_r(&secs, &tm));
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		n = strlen(want);
		us = (us % TSTAMP_SEC + TSTAMP_SEC) % TSTAMP_SEC;
		if (us % 1000 == 0)
			snprintf(want + n, sizeof(want) - n, "%03dZ",
			    (int)(us / 1000));
		else
			snprintf(want + n, sizeof(want) - n, "%06dZ", (int)us);
		full = strlen(want);
		us = (int64_t)secs * TSTAMP_SEC + us;
		ck_assert_uint_eq(tstamp_format(us, buf, sizeof(buf)), full);
		ck_assert_str_eq(buf, want);
		len = 1 + (size_t)i % (full + 1);
		n = tstamp_format(us, buf, len);
		ck_assert_uint_eq(n, len - 1);
		ck_assert_int_eq(strncmp(buf, want, n), 0);
		ck_assert_int_eq(buf[n], '\0');
	}
}
END_TEST

/* Floor division: negative times are real dates, and nothing crashes. */
START_TEST(test_tstamp_format_out_of_range)
{
	char	buf[TSTAMP_BUFSZ], small[8];
	size_t	n;

	tstamp_format(-1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1969-12-31T23:59:59.999999Z");
	tstamp_format(-TSTAMP_SEC, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1969-12-31T23:59:59.000Z");
	tstamp_format(-DAY_US, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1969-12-31T00:00:00.000Z");
	n = tstamp_format(INT64_MIN, buf, sizeof(buf));
	ck_assert_uint_lt(n, TSTAMP_BUFSZ);
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_int_eq(buf[0], '-');
	n = tstamp_format(INT64_MAX, buf, sizeof(buf));
	ck_assert_uint_lt(n, TSTAMP_BUFSZ);
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_str_eq(buf, "294247-01-10T04:00:54.775807Z");

	n = tstamp_format(0, small, sizeof(small));
	ck_assert_uint_eq(n, sizeof(small) - 1);
	ck_assert_str_eq(small, "1970-01");
	ck_assert_uint_eq(tstamp_format(0, small, 0), 0);
}
END_TEST

/* format then parse gives the value back, at µs and ms precision. */
START_TEST(test_tstamp_round_trip)
{
	char		buf[TSTAMP_BUFSZ];
	uint64_t	x = 0x9e3779b97f4a7c15ULL;
	int64_t		us, back;
	int		i;

	for (i = 0; i < 100000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		us = (int64_t)((x >> 11) % UINT64_C(253402300800000000));
		if (i & 1)
			us -= us % 1000;
		tstamp_format(us, buf, sizeof(buf));
		if (tstamp_parse(buf, strlen(buf), &back) == -1 || back != us)
			ck_abort_msg("round trip of %lld", (long long)us);
	}
}
END_TEST

/*
 * Hostile input: random bytes and single-byte mutations of a valid stamp,
 * each in an exactly sized heap buffer. Nothing may crash, and whatever is
 * accepted must be in range and survive a round trip at µs precision.
 */
START_TEST(test_tstamp_hostile)
{
	const char	 seed[] = "2022-07-05T08:24:39.522394+02:00";
	const char	 alpha[] = "0123456789-:T .Zz+";
	char		*p, buf[TSTAMP_BUFSZ];
	uint64_t	 x = 12345;
	int64_t		 us, back;
	size_t		 n, j;
	int		 i;

	for (i = 0; i < 200000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		n = (x >> 33) % sizeof(seed);
		if ((p = malloc(n + 1)) == NULL)
			ck_abort_msg("malloc");
		memcpy(p, seed, n);
		for (j = 0; j < n; j++) {
			x = x * 6364136223846793005ULL + 1;
			if (i % 3 == 0)
				p[j] = (char)(x >> 56);
			else if ((x >> 40) % 16 == 0)
				p[j] = alpha[(x >> 20) % (sizeof(alpha) - 1)];
		}
		if (tstamp_parse(p, n, &us) == 0) {
			if (us < 0 || us >= INT64_C(253402300800000000) +
			    DAY_US)
				ck_abort_msg("out of range: %lld",
				    (long long)us);
			tstamp_format(us, buf, sizeof(buf));
			if (tstamp_parse(buf, strlen(buf), &back) == -1 ||
			    back != us)
				ck_abort_msg("round trip of %lld",
				    (long long)us);
		}
		free(p);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("tstamp");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_tstamp_sysmon_utctime);
	tcase_add_test(tc, test_tstamp_nxlog_eventtime);
	tcase_add_test(tc, test_tstamp_winlogbeat);
	tcase_add_test(tc, test_tstamp_mde_seven_digits_truncated);
	tcase_add_test(tc, test_tstamp_nxlog6_offset);
	tcase_add_test(tc, test_tstamp_zone_forms);
	tcase_add_test(tc, test_tstamp_fraction_digits);
	tcase_add_test(tc, test_tstamp_calendar_edges);
	tcase_add_test(tc, test_tstamp_leap_second);
	tcase_add_test(tc, test_tstamp_every_day);
	tcase_add_test(tc, test_tstamp_not_nul_terminated);
	tcase_add_test(tc, test_tstamp_malformed);
	tcase_add_test(tc, test_tstamp_format_forms);
	tcase_add_test(tc, test_tstamp_format_out_of_range);
	tcase_add_test(tc, test_tstamp_format_matches_gmtime);
	tcase_add_test(tc, test_tstamp_round_trip);
	tcase_add_test(tc, test_tstamp_hostile);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
