/*
 * signetd: dropping privileges (see priv.h).
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "priv.h"

/*
 * Groups first, the user last: once the uid is gone the right to change
 * groups is gone with it. setres[ug]id sets real, effective and saved
 * ids alike, so nothing is left to switch back to; the check after it
 * makes sure of that rather than trusting it.
 */
static int
priv_become(const struct passwd *pw, char *err, size_t len)
{
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		snprintf(err, len, "cannot become user %s: %s", pw->pw_name,
		    strerror(errno));
		return (-1);
	}
	if (pw->pw_uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		snprintf(err, len, "user %s could become root again",
		    pw->pw_name);
		return (-1);
	}
	return (0);
}

/*
 * Whether priv_drop() can do what the configuration asks, said before
 * anything is bound so that a daemon that would refuse to run refuses at
 * once. Root with no user is refused unless allow_root: a daemon that
 * parses what the network sends has no business keeping root by
 * accident. The user is looked up here and again at the drop, which
 * keeps no struct passwd across the two.
 */
int
priv_check(const char *user, int allow_root, char *err, size_t len)
{
	struct passwd	*pw;

	if (user == NULL) {
		if (geteuid() == 0 && !allow_root) {
			snprintf(err, len, "refusing to run as root: set "
			    "user (or allow_root = yes) in [signetd]");
			return (-1);
		}
		return (0);
	}
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, len, "user %s: %s", user,
		    errno != 0 ? strerror(errno) : "no such user");
		return (-1);
	}
	if (geteuid() != 0 && geteuid() != pw->pw_uid) {
		snprintf(err, len, "cannot become user %s: not running as "
		    "root", user);
		return (-1);
	}
	if (pw->pw_uid == 0 && !allow_root) {
		snprintf(err, len, "user %s is root: set allow_root = yes to "
		    "run as root", user);
		return (-1);
	}
	return (0);
}

/* Run as user (a name, or NULL: stay) from now on; priv_check() first. */
int
priv_drop(const char *user, int allow_root, char *err, size_t len)
{
	struct passwd	*pw;

	if (priv_check(user, allow_root, err, len) == -1)
		return (-1);
	if (user == NULL || geteuid() != 0)
		return (0);
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, len, "user %s: no such user", user);
		return (-1);
	}
	return (priv_become(pw, err, len));
}
