/*
 * signetd: telling the service manager how the daemon is doing, through
 * libsystemd's sd_notify (READY, RELOADING, STOPPING, STATUS, WATCHDOG).
 * Without $NOTIFY_SOCKET every call does nothing, so the daemon runs the
 * same under systemd, another supervisor or a shell.
 */
#ifndef SIGNETD_NOTIFY_H
#define SIGNETD_NOTIFY_H

#include <stdint.h>

void	notify_ready(const char *);
void	notify_reloading(void);
void	notify_stopping(void);
void	notify_status(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
int64_t	notify_watchdog_interval(void);
void	notify_watchdog(void);

#endif
