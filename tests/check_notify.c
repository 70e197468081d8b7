/*
 * signetd: unit tests for notify.c. A datagram socket stands in for the
 * service manager: $NOTIFY_SOCKET names it, and each test reads what the
 * daemon would have told systemd.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "notify.h"

static int	 mgr = -1;
static char	 mgr_path[108];

static void
mgr_setup(void)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { 5, 0 };

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(mgr_path, sizeof(mgr_path), "/tmp/signetd-notify.%ld",
	    (long)getpid());
	unlink(mgr_path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", mgr_path);
	ck_assert_int_ne(mgr = socket(AF_UNIX, SOCK_DGRAM, 0), -1);
	ck_assert_int_eq(bind(mgr, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(setsockopt(mgr, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	setenv("NOTIFY_SOCKET", mgr_path, 1);
}

static void
mgr_teardown(void)
{
	if (mgr != -1)
		close(mgr);
	unlink(mgr_path);
	unsetenv("NOTIFY_SOCKET");
}

/* The next datagram the manager got, as a string. */
static const char *
mgr_recv(char *buf, size_t len)
{
	ssize_t	 n;

	n = recv(mgr, buf, len - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	return (buf);
}

START_TEST(test_notify_ready_and_stopping)
{
	char	 buf[512];

	notify_ready("running");
	ck_assert_str_eq(mgr_recv(buf, sizeof(buf)),
	    "READY=1\nSTATUS=running");
	notify_stopping();
	ck_assert_str_eq(mgr_recv(buf, sizeof(buf)), "STOPPING=1");
}
END_TEST

START_TEST(test_notify_reloading_monotonic)
{
	char			 buf[512];
	unsigned long long	 us = 0;
	struct timespec		 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify_reloading();
	mgr_recv(buf, sizeof(buf));
	ck_assert_int_eq(sscanf(buf, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    &us), 1);
	ck_assert_uint_ge(us, (unsigned long long)ts.tv_sec * 1000000);
}
END_TEST

/* STATUS= takes printf arguments; an over-long status is cut, not sent whole. */
START_TEST(test_notify_status)
{
	char	 buf[2048], big[1024];

	notify_status("%d messages, %s", 42, "ok");
	ck_assert_str_eq(mgr_recv(buf, sizeof(buf)),
	    "STATUS=42 messages, ok");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	notify_status("%s", big);
	ck_assert_uint_eq(strlen(mgr_recv(buf, sizeof(buf))), 511);
}
END_TEST

/* WatchdogSec=: half the interval, only for this process. */
START_TEST(test_notify_watchdog)
{
	char	 buf[64], pid[32];

	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	ck_assert_int_eq(notify_watchdog_interval(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_int_eq(notify_watchdog_interval(), 15000000);
	setenv("WATCHDOG_PID", "1", 1);
	ck_assert_int_eq(notify_watchdog_interval(), 0);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	notify_watchdog();
	ck_assert_str_eq(mgr_recv(buf, sizeof(buf)), "WATCHDOG=1");
}
END_TEST

/* No manager: every call is a no-op and nothing fails. */
START_TEST(test_notify_no_manager)
{
	unsetenv("NOTIFY_SOCKET");
	notify_ready("x");
	notify_reloading();
	notify_status("y");
	notify_watchdog();
	notify_stopping();
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("notify");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_checked_fixture(tc, mgr_setup, mgr_teardown);
	tcase_add_test(tc, test_notify_ready_and_stopping);
	tcase_add_test(tc, test_notify_reloading_monotonic);
	tcase_add_test(tc, test_notify_status);
	tcase_add_test(tc, test_notify_watchdog);
	tcase_add_test(tc, test_notify_no_manager);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
