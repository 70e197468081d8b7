/*
 * signetd: timestamps as int64 microseconds since the epoch, UTC.
 * Parsing and formatting without the C library's locale or time zone.
 */
#ifndef SIGNETD_TSTAMP_H
#define SIGNETD_TSTAMP_H

#include <stddef.h>
#include <stdint.h>

#define TSTAMP_SEC	INT64_C(1000000)
#define TSTAMP_BUFSZ	40

int	tstamp_parse(const char *, size_t, int64_t *);
size_t	tstamp_format(int64_t, char *, size_t);

#endif
