/*
 * signetd: where an address is, from MaxMind DB files (libmaxminddb): the
 * country and city from a City or Country database, the AS number and
 * organisation from an ASN database. The databases are opened whole at
 * start (and again on SIGHUP) and memory-mapped; lookups never block, and
 * a small direct-mapped cache keeps the latest results.
 */
#ifndef SIGNETD_GEOIP_H
#define SIGNETD_GEOIP_H

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alert.h"

enum geoip_db {
	GEOIP_CITY = 0,
	GEOIP_COUNTRY,
	GEOIP_ASN,
	GEOIP_NDBS
};

struct geoip_stats {
	uint64_t	lookups;
	uint64_t	cached;		/* answered from the cache */
	uint64_t	found;		/* some field known */
	uint64_t	not_found;	/* in no database */
	uint64_t	errors;		/* corrupt data met; fields left out */
};

struct geoip;

int		 geoip_db_parse(const char *);
const char	*geoip_db_name(enum geoip_db);
int		 geoip_check(enum geoip_db, const char *, char *, size_t);
struct geoip	*geoip_open(const char *const *, size_t, char *, size_t);
void		 geoip_free(struct geoip *);
int		 geoip_has(const struct geoip *, enum geoip_db);
int		 geoip_lookup(struct geoip *, const struct in6_addr *,
		    struct alert_geo *);
const struct geoip_stats *geoip_stats(const struct geoip *);
void		 geoip_describe(const struct geoip *, FILE *);

#endif
