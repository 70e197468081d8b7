/*
 * signetd: giving up root. Once sockets are bound and files opened the
 * daemon runs as the configured user and its group, or refuses to go on
 * as root unless the configuration allows it.
 */
#ifndef SIGNETD_PRIV_H
#define SIGNETD_PRIV_H

#include <stddef.h>

int	priv_check(const char *, int, char *, size_t);
int	priv_drop(const char *, int, char *, size_t);

#endif
