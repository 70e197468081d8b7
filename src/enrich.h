/*
 * signetd: the stage between the rules and the outputs. Each alert is
 * tested against the allowlists (an alert they name is counted and
 * dropped), given the GeoIP data of its remote address and a severity,
 * then handed to the next sink. What the stage holds (lists, databases,
 * severity map) is built whole from a configuration and replaced in one
 * step on reload; the rules' state is never touched.
 */
#ifndef SIGNETD_ENRICH_H
#define SIGNETD_ENRICH_H

#include <stdint.h>
#include <stdio.h>

#include "alert.h"
#include "allow.h"
#include "conf.h"
#include "geoip.h"

struct enrich_stats {
	uint64_t	alerts;		/* received from the rules */
	uint64_t	sent;		/* handed on */
	uint64_t	by_rule[RULE_NRULES];	/* received, per rule */
	uint64_t	sent_by[RULE_NRULES][SEV_NSEVERITIES];
	uint64_t	suppressed[ALLOW_NSCOPES][ALLOW_NKINDS];
	uint64_t	escalated;	/* made critical by country or ASN */
	uint64_t	reloads;
	uint64_t	reload_failures;
	struct geoip_stats geoip;	/* every database used, reloads too */
};

struct enrich;

struct enrich	*enrich_new(const struct conf *, const struct alert_sink *,
		    FILE *);
void		 enrich_free(struct enrich *);
void		 enrich_sink(struct enrich *, struct alert_sink *);
int		 enrich_reload(struct enrich *, const struct conf *, FILE *);
int		 enrich_test(const struct conf *, FILE *);
void		 enrich_get_stats(const struct enrich *, struct enrich_stats *);
void		 enrich_print_stats(const struct enrich *, FILE *);

#endif
