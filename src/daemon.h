/*
 * signetd: the live daemon: one event loop over the listeners, the expiry
 * tick, periodic drop summaries, and a graceful stop on SIGTERM/SIGINT.
 */
#ifndef SIGNETD_DAEMON_H
#define SIGNETD_DAEMON_H

#include "conf.h"

int	daemon_run(struct conf *);

#endif
