/*
 * signetd: optional syslog header in front of a JSON body: RFC 5424,
 * RFC 3164, with or without PRI. Pure: bytes in, slices out.
 */
#ifndef SIGNETD_SYSLOG_H
#define SIGNETD_SYSLOG_H

#include <stddef.h>

#include "rec.h"

struct syslog_hdr {
	int		pri;		/* -1 when absent */
	int		version;	/* 1 for RFC 5424, 0 otherwise */
	struct slice	timestamp;
	struct slice	hostname;
	struct slice	app;
	struct slice	procid;
	struct slice	msgid;
	struct slice	sd;		/* RFC 5424 structured data, or "-" */
};

int	syslog_parse(const char *, size_t, struct syslog_hdr *,
	    const char **, size_t *);

#endif
