/*
 * signetd: unit tests for priv.c. Each check test runs in its own forked
 * process, so a test that drops root does not take it from the others.
 * Run as root (as CI does) the drop itself is tested; otherwise what a
 * user who is not root may and may not do.
 */
#include <sys/types.h>

#include <check.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "priv.h"

START_TEST(test_priv_root_needs_user_or_allow_root)
{
	char	 err[256] = "";

	if (geteuid() != 0) {
		ck_assert_int_eq(priv_check(NULL, 0, err, sizeof(err)), 0);
		ck_assert_int_eq(priv_drop(NULL, 0, err, sizeof(err)), 0);
		return;
	}
	ck_assert_int_eq(priv_check(NULL, 0, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "refusing to run as root: set user (or "
	    "allow_root = yes) in [signetd]");
	ck_assert_int_eq(priv_drop(NULL, 0, err, sizeof(err)), -1);
	ck_assert_int_eq(priv_check(NULL, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(priv_drop(NULL, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(geteuid(), 0);
	/* user = root is root all the same. */
	ck_assert_int_eq(priv_check("root", 0, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "user root is root: set allow_root = yes to "
	    "run as root");
	ck_assert_int_eq(priv_check("root", 1, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_priv_unknown_user)
{
	char	 err[256] = "";

	ck_assert_int_eq(priv_check("signetd-no-such-user", 0, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "user signetd-no-such-user: no such user");
	ck_assert_int_eq(priv_drop("signetd-no-such-user", 1, err,
	    sizeof(err)), -1);
}
END_TEST

/* Real, effective and saved ids all change, groups are the user's one. */
START_TEST(test_priv_drop_to_nobody)
{
	struct passwd	*pw;
	char		 err[256] = "";
	uid_t		 r, e, s;
	gid_t		 rg, eg, sg, groups[8];

	ck_assert_ptr_nonnull(pw = getpwnam("nobody"));
	if (geteuid() != 0) {
		if (geteuid() == pw->pw_uid)
			return;
		ck_assert_int_eq(priv_drop("nobody", 0, err, sizeof(err)),
		    -1);
		ck_assert_str_eq(err, "cannot become user nobody: not "
		    "running as root");
		return;
	}
	ck_assert_int_eq(priv_drop("nobody", 0, err, sizeof(err)), 0);
	ck_assert_int_eq(getresuid(&r, &e, &s), 0);
	ck_assert_int_eq(getresgid(&rg, &eg, &sg), 0);
	ck_assert_int_eq(r, pw->pw_uid);
	ck_assert_int_eq(e, pw->pw_uid);
	ck_assert_int_eq(s, pw->pw_uid);
	ck_assert_int_eq(rg, pw->pw_gid);
	ck_assert_int_eq(eg, pw->pw_gid);
	ck_assert_int_eq(sg, pw->pw_gid);
	ck_assert_int_eq(getgroups(8, groups), 1);
	ck_assert_int_eq(groups[0], pw->pw_gid);
	ck_assert_int_eq(setuid(0), -1);
	ck_assert_int_eq(setgid(0), -1);
	/* Already that user: nothing to do, and no complaint. */
	ck_assert_int_eq(priv_drop("nobody", 0, err, sizeof(err)), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("priv");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_priv_root_needs_user_or_allow_root);
	tcase_add_test(tc, test_priv_unknown_user);
	tcase_add_test(tc, test_priv_drop_to_nobody);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* The drop must stay in the test's own process. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
