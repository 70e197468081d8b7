/*
 * signetd: service manager notifications (see notify.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "config.h"
#include "log.h"
#include "notify.h"

/*
 * A notification that cannot be sent is not worth stopping for: the
 * manager either is not listening or will act on the missing message
 * (a start or watchdog timeout), which is what it is there for.
 */
static void
notify_send(const char *state)
{
	int	 rv;

	if ((rv = sd_notify(0, state)) < 0)
		log_debug("sd_notify %s: %s", state, strerror(-rv));
}

/* Up and serving: listeners bound, state loaded, privileges dropped. */
void
notify_ready(const char *status)
{
	char	 buf[512];

	snprintf(buf, sizeof(buf), "READY=1\nSTATUS=%s", status);
	notify_send(buf);
}

/*
 * systemd 253 and later want the CLOCK_MONOTONIC time of the reload with
 * RELOADING=1 (Type=notify-reload); older ones ignore it.
 */
void
notify_reloading(void)
{
	struct timespec	 ts;
	char		 buf[128];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000 +
	    (unsigned long long)ts.tv_nsec / 1000);
	notify_send(buf);
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1");
}

void
notify_status(const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[512];
	int	 n;

	n = snprintf(buf, sizeof(buf), "STATUS=");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	notify_send(buf);
}

/*
 * How often to say WATCHDOG=1, in µs: half the manager's WatchdogSec, so
 * one late tick does not kill a daemon that is alive; 0: no watchdog.
 */
int64_t
notify_watchdog_interval(void)
{
	uint64_t	 usec;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return (0);
	return ((int64_t)(usec / 2 > 0 ? usec / 2 : 1));
}

void
notify_watchdog(void)
{
	notify_send("WATCHDOG=1");
}
