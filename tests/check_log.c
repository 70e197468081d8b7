/*
 * signetd: unit tests for log.c: the journal prefix and the rate limit.
 * stderr is pointed at a temporary file to read what was logged.
 */
#include <sys/stat.h>

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

#define SEC	INT64_C(1000000)
#define T0	(INT64_C(1709251200) * SEC)

/* stderr into a fresh temporary file; what it got, back. */
static FILE *
capture(void)
{
	FILE	*fp;

	ck_assert_ptr_nonnull(fp = tmpfile());
	fflush(stderr);
	ck_assert_int_ne(dup2(fileno(fp), STDERR_FILENO), -1);
	return (fp);
}

static char *
captured(FILE *fp, char *buf, size_t len)
{
	size_t	 n;

	fflush(stderr);
	rewind(fp);
	n = fread(buf, 1, len - 1, fp);
	buf[n] = '\0';
	return (buf);
}

static size_t
count_lines(const char *s, const char *needle)
{
	size_t	 n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return (n);
}

START_TEST(test_log_rate_burst_then_counted)
{
	struct log_rate	 r;
	int		 i, ok = 0;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < 100; i++)
		ok += log_rate(&r, T0 + i * SEC / 10, "x");
	ck_assert_int_eq(ok, LOG_RATE_BURST);
	ck_assert_uint_eq(r.suppressed, 100 - LOG_RATE_BURST);
}
END_TEST

/* A new interval sums up the last one's held-back lines in one line. */
START_TEST(test_log_rate_summary)
{
	struct log_rate	 r;
	FILE		*fp;
	char		 buf[4096];
	int		 i;

	log_init(0, "t");
	unsetenv("JOURNAL_STREAM");
	memset(&r, 0, sizeof(r));
	fp = capture();
	for (i = 0; i < 12; i++)
		(void)log_rate(&r, T0, "handshakes");
	ck_assert_int_eq(log_rate(&r, T0 + LOG_RATE_INTERVAL, "handshakes"),
	    1);
	ck_assert_uint_eq(r.suppressed, 0);
	ck_assert_uint_eq(r.n, 1);
	captured(fp, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "t: handshakes: 7 more not logged in the "
	    "last 60 s\n") != NULL, "got '%s'", buf);
	ck_assert_uint_eq(count_lines(buf, "\n"), 1);
	fclose(fp);
}
END_TEST

/* Nothing held back: no summary line. A clock going back starts anew. */
START_TEST(test_log_rate_quiet)
{
	struct log_rate	 r;
	FILE		*fp;
	char		 buf[256];

	log_init(0, "t");
	memset(&r, 0, sizeof(r));
	fp = capture();
	ck_assert_int_eq(log_rate(&r, T0, "x"), 1);
	ck_assert_int_eq(log_rate(&r, T0 + 2 * LOG_RATE_INTERVAL, "x"), 1);
	ck_assert_int_eq(log_rate(&r, T0 - SEC, "x"), 1);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(captured(fp, buf, sizeof(buf)), "");
	fclose(fp);
}
END_TEST

/*
 * Under the journal, lines carry <N> for their level and no tag; only
 * when stderr is the stream JOURNAL_STREAM names, not one inherited
 * with stderr sent elsewhere.
 */
START_TEST(test_log_journal_prefix)
{
	FILE		*fp;
	struct stat	 sb;
	char		 buf[256], js[64];

	fp = capture();
	ck_assert_int_eq(fstat(STDERR_FILENO, &sb), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)sb.st_dev,
	    (unsigned long long)sb.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	log_init(0, "t");
	log_warnx("w %d", 1);
	log_notice("n");
	log_info("hidden at verbosity 0");
	ck_assert_str_eq(captured(fp, buf, sizeof(buf)), "<4>w 1\n<5>n\n");
	fclose(fp);
	fp = capture();
	log_init(0, "t");
	log_warnx("w %d", 2);
	ck_assert_str_eq(captured(fp, buf, sizeof(buf)), "t: w 2\n");
	fclose(fp);
	unsetenv("JOURNAL_STREAM");
	log_init(1, "t");
	fp = capture();
	log_info("i");
	ck_assert_str_eq(captured(fp, buf, sizeof(buf)), "t: i\n");
	fclose(fp);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_log_rate_burst_then_counted);
	tcase_add_test(tc, test_log_rate_summary);
	tcase_add_test(tc, test_log_rate_quiet);
	tcase_add_test(tc, test_log_journal_prefix);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
