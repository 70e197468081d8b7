/*
 * signetd: allowlists, GeoIP and severity between the rules and the
 * outputs (see enrich.h).
 *
 * For each alert, in this order:
 *  1. when the alert has a remote address, GeoIP is configured and some
 *     allow entry of the alert's scopes is by asn or country, the address
 *     is looked up first, so that those entries can match;
 *  2. the allowlists (allow.c): the first entry that names the alert
 *     takes the hit, the alert is counted under that entry's scope and
 *     kind and goes no further;
 *  3. otherwise the address is looked up now if it was not in step 1;
 *  4. the severity: critical when the remote country or AS number is on
 *     an escalation list (netjoin only: the other rule has no address);
 *     else the severity the [severity] map gives the signature status
 *     (an imageload report, which spans statuses, takes the highest of
 *     its statuses'); a status the map does not list, or an alert
 *     without one, takes the default;
 *  5. the alert goes to the next sink (the outputs).
 * Statuses compare without regard to ASCII case.
 *
 * Everything built from the configuration lives in one struct
 * enrich_tables. A reload builds a new one whole (reading the list files
 * and opening the databases again) and swaps it in only when all of it
 * worked, carrying the entries' hit counts over; the old one stays when
 * anything failed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "alert.h"
#include "allow.h"
#include "conf.h"
#include "enrich.h"
#include "geoip.h"
#include "xmalloc.h"

struct enrich_sevmap {
	char		*status;
	enum severity	 severity;
};

struct enrich_tables {
	struct allow_set	*allow;
	struct allow_set	*escalate;	/* asn and country, scope all */
	struct geoip		*geo;		/* NULL: no [geoip] */
	enum severity		 def;
	struct enrich_sevmap	*map;
	size_t			 nmap;
};

struct enrich {
	struct enrich_tables	*t;
	struct alert_sink	 next;
	struct enrich_stats	 st;
};

/* Where each kind's list lives in a [allow SCOPE] section. */
static const size_t enrich_allow_off[ALLOW_NKINDS] = {
	[ALLOW_SHA1] = offsetof(struct conf_allow, sha1),
	[ALLOW_PATH] = offsetof(struct conf_allow, path),
	[ALLOW_SIGNER] = offsetof(struct conf_allow, signer),
	[ALLOW_DEVICE] = offsetof(struct conf_allow, device),
	[ALLOW_REMOTE] = offsetof(struct conf_allow, remote),
	[ALLOW_DOMAIN] = offsetof(struct conf_allow, domain),
	[ALLOW_ASN] = offsetof(struct conf_allow, asn),
	[ALLOW_COUNTRY] = offsetof(struct conf_allow, country),
};

static void	 enrich_tables_free(struct enrich_tables *);
static int	 enrich_geoip(struct enrich_tables *, const struct conf *,
		    FILE *);
static int	 enrich_list(struct allow_set *, enum allow_scope,
		    enum allow_kind, const struct conf_list *, const char *,
		    int, FILE *);
static int	 enrich_allow(struct enrich_tables *, const struct conf *,
		    FILE *);
static void	 enrich_map(struct enrich_tables *, const struct conf_list *,
		    enum severity);
static int	 enrich_severities(struct enrich_tables *,
		    const struct conf *, FILE *);
static struct enrich_tables *enrich_tables_new(const struct conf *, FILE *);
static enum severity enrich_status(const struct enrich_tables *,
		    struct slice);
static enum severity enrich_severity(struct enrich *,
		    const struct enrich_tables *, const struct alert *);
static void	 enrich_emit_cb(void *, const struct alert *);
static void	 enrich_geo_add(struct geoip_stats *,
		    const struct geoip_stats *);

static void
enrich_tables_free(struct enrich_tables *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	allow_set_free(t->allow);
	allow_set_free(t->escalate);
	geoip_free(t->geo);
	for (i = 0; i < t->nmap; i++)
		free(t->map[i].status);
	free(t->map);
	free(t);
}

/* Open the databases [geoip] names, if any. */
static int
enrich_geoip(struct enrich_tables *t, const struct conf *cf, FILE *errfp)
{
	const char	*paths[GEOIP_NDBS];
	char		 err[1024];

	paths[GEOIP_CITY] = cf->geoip_city;
	paths[GEOIP_COUNTRY] = cf->geoip_country;
	paths[GEOIP_ASN] = cf->geoip_asn;
	if (paths[GEOIP_CITY] == NULL && paths[GEOIP_COUNTRY] == NULL &&
	    paths[GEOIP_ASN] == NULL)
		return (0);
	t->geo = geoip_open(paths, (size_t)cf->geoip_cache, err, sizeof(err));
	if (t->geo == NULL) {
		fprintf(errfp, "%s: [geoip] %s\n", cf->file != NULL ?
		    cf->file : "signetd", err);
		return (-1);
	}
	return (0);
}

/*
 * The items of one configuration list into set s. They were checked when
 * the file was read; an item refused now is reported all the same.
 */
static int
enrich_list(struct allow_set *s, enum allow_scope sc, enum allow_kind k,
    const struct conf_list *l, const char *file, int line, FILE *errfp)
{
	char	 why[256];
	size_t	 i;
	int	 nerr = 0;

	for (i = 0; i < l->n; i++) {
		if (allow_add(s, sc, k, l->v[i], file, line, why,
		    sizeof(why)) == 0)
			continue;
		fprintf(errfp, "%s:%d: %s: %s\n", file, line,
		    allow_kind_name(k), why);
		nerr++;
	}
	return (nerr);
}

/*
 * The [allow SCOPE] sections: the entries written in them, then those of
 * their list files, in order. Entries by asn or country need the
 * database that has the data.
 */
static int
enrich_allow(struct enrich_tables *t, const struct conf *cf, FILE *errfp)
{
	const struct conf_allow	*a;
	const char		*file = cf->file != NULL ? cf->file :
				    "signetd";
	unsigned int		 kinds = ALLOW_ANY;
	size_t			 i, j;
	int			 sc, k, nerr = 0;

	if (!geoip_has(t->geo, GEOIP_ASN))
		kinds &= ~ALLOW_BIT(ALLOW_ASN);
	if (!geoip_has(t->geo, GEOIP_CITY) &&
	    !geoip_has(t->geo, GEOIP_COUNTRY))
		kinds &= ~ALLOW_BIT(ALLOW_COUNTRY);
	t->allow = allow_set_new();
	for (i = 0; i < cf->nallows; i++) {
		a = &cf->allows[i];
		if ((sc = allow_scope_parse(a->name)) == -1) {
			fprintf(errfp, "%s:%d: unknown allow scope '%s'\n",
			    file, a->line, a->name);
			nerr++;
			continue;
		}
		for (k = 0; k < ALLOW_NKINDS; k++)
			nerr += enrich_list(t->allow, sc, k,
			    (const struct conf_list *)((const char *)a +
			    enrich_allow_off[k]), file, a->line, errfp);
		for (j = 0; j < a->file.n; j++)
			nerr += allow_load(t->allow, sc, a->file.v[j], kinds,
			    errfp);
	}
	return (nerr);
}

static void
enrich_map(struct enrich_tables *t, const struct conf_list *l,
    enum severity sev)
{
	size_t	 i;

	if (l->n == 0)
		return;
	t->map = xreallocarray(t->map, t->nmap + l->n, sizeof(*t->map));
	for (i = 0; i < l->n; i++) {
		t->map[t->nmap].status = xstrdup(l->v[i]);
		t->map[t->nmap++].severity = sev;
	}
}

/* [severity]: the default, the status map and the escalation lists. */
static int
enrich_severities(struct enrich_tables *t, const struct conf *cf,
    FILE *errfp)
{
	const char	*file = cf->file != NULL ? cf->file : "signetd";
	int		 nerr;

	t->def = (enum severity)cf->severity;
	enrich_map(t, &cf->sev_critical, SEV_CRITICAL);
	enrich_map(t, &cf->sev_high, SEV_HIGH);
	enrich_map(t, &cf->sev_medium, SEV_MEDIUM);
	enrich_map(t, &cf->sev_low, SEV_LOW);
	enrich_map(t, &cf->sev_info, SEV_INFO);
	t->escalate = allow_set_new();
	nerr = enrich_list(t->escalate, ALLOW_ALL, ALLOW_COUNTRY,
	    &cf->escalate_country, file, 0, errfp);
	nerr += enrich_list(t->escalate, ALLOW_ALL, ALLOW_ASN,
	    &cf->escalate_asn, file, 0, errfp);
	return (nerr);
}

/* Everything the stage needs from cf, or NULL with errfp saying why. */
static struct enrich_tables *
enrich_tables_new(const struct conf *cf, FILE *errfp)
{
	struct enrich_tables	*t;
	int			 nerr;

	t = xcalloc(1, sizeof(*t));
	if (enrich_geoip(t, cf, errfp) == -1) {
		enrich_tables_free(t);
		return (NULL);
	}
	nerr = enrich_allow(t, cf, errfp);
	nerr += enrich_severities(t, cf, errfp);
	if (nerr > 0) {
		enrich_tables_free(t);
		return (NULL);
	}
	return (t);
}

/*
 * The stage, handing alerts to next; NULL if the configuration's lists
 * or databases cannot be used (errfp says why).
 */
struct enrich *
enrich_new(const struct conf *cf, const struct alert_sink *next,
    FILE *errfp)
{
	struct enrich	*e;

	e = xcalloc(1, sizeof(*e));
	if ((e->t = enrich_tables_new(cf, errfp)) == NULL) {
		free(e);
		return (NULL);
	}
	e->next = *next;
	return (e);
}

void
enrich_free(struct enrich *e)
{
	if (e == NULL)
		return;
	enrich_tables_free(e->t);
	free(e);
}

/* The sink the rules are to send their alerts to. */
void
enrich_sink(struct enrich *e, struct alert_sink *s)
{
	s->emit = enrich_emit_cb;
	s->arg = e;
}

static void
enrich_geo_add(struct geoip_stats *dst, const struct geoip_stats *src)
{
	dst->lookups += src->lookups;
	dst->cached += src->cached;
	dst->found += src->found;
	dst->not_found += src->not_found;
	dst->errors += src->errors;
}

/*
 * Build new tables from cf and put them in place of the old ones, whose
 * entries pass their hit counts on. On failure (errfp says why) the old
 * tables stay and -1 is returned.
 */
int
enrich_reload(struct enrich *e, const struct conf *cf, FILE *errfp)
{
	struct enrich_tables	*t;

	if ((t = enrich_tables_new(cf, errfp)) == NULL) {
		e->st.reload_failures++;
		return (-1);
	}
	allow_carry(t->allow, e->t->allow);
	allow_carry(t->escalate, e->t->escalate);
	if (e->t->geo != NULL)
		enrich_geo_add(&e->st.geoip, geoip_stats(e->t->geo));
	enrich_tables_free(e->t);
	e->t = t;
	e->st.reloads++;
	return (0);
}

/*
 * signetd -t: build what the configuration asks for, say what it holds
 * (databases, how many entries each list has) on fp and return the
 * number of problems, each already told on fp.
 */
int
enrich_test(const struct conf *cf, FILE *fp)
{
	struct enrich_tables	*t;
	size_t			 n;

	if ((t = enrich_tables_new(cf, fp)) == NULL)
		return (1);
	if (t->geo != NULL)
		geoip_describe(t->geo, fp);
	allow_print_counts(t->allow, fp);
	n = allow_count(t->escalate, ALLOW_ALL, ALLOW_COUNTRY) +
	    allow_count(t->escalate, ALLOW_ALL, ALLOW_ASN);
	if (n > 0)
		fprintf(fp, "escalate: %zu country, %zu asn\n",
		    allow_count(t->escalate, ALLOW_ALL, ALLOW_COUNTRY),
		    allow_count(t->escalate, ALLOW_ALL, ALLOW_ASN));
	enrich_tables_free(t);
	return (0);
}

void
enrich_get_stats(const struct enrich *e, struct enrich_stats *st)
{
	*st = e->st;
	if (e->t->geo != NULL)
		enrich_geo_add(&st->geoip, geoip_stats(e->t->geo));
}

/* The severity the map gives status s, or the default. */
static enum severity
enrich_status(const struct enrich_tables *t, struct slice s)
{
	size_t	 i;

	for (i = 0; i < t->nmap; i++)
		if (strlen(t->map[i].status) == s.n &&
		    strncasecmp(t->map[i].status, s.p, s.n) == 0)
			return (t->map[i].severity);
	return (t->def);
}

/* Steps 4 of the comment at the top of the file. */
static enum severity
enrich_severity(struct enrich *e, const struct enrich_tables *t,
    const struct alert *a)
{
	enum severity	 sev, s;
	size_t		 i;

	if (a->has_net && allow_match(t->escalate, a) != NULL) {
		e->st.escalated++;
		return (SEV_CRITICAL);
	}
	if (a->kind == ALERT_REPORT && a->nstatuses > 0) {
		sev = SEV_INFO;
		for (i = 0; i < a->nstatuses && i < ALERT_MAX_STATUSES; i++)
			if ((s = enrich_status(t, a->statuses[i])) > sev)
				sev = s;
		return (sev);
	}
	if (a->has_sig)
		return (enrich_status(t, a->sig_status));
	return (t->def);
}

/* The sink of the rules: steps 1 to 5 of the comment at the top. */
static void
enrich_emit_cb(void *arg, const struct alert *in)
{
	struct enrich		*e = arg;
	struct enrich_tables	*t = e->t;
	struct allow_entry	*hit;
	struct alert		 a;
	int			 looked = 0;

	e->st.alerts++;
	if ((unsigned)in->rule < RULE_NRULES)
		e->st.by_rule[in->rule]++;
	a = *in;
	memset(&a.geo, 0, sizeof(a.geo));
	if (t->geo != NULL && a.has_net &&
	    allow_uses(t->allow, a.rule, ALLOW_GEO)) {
		(void)geoip_lookup(t->geo, &a.remote_ip, &a.geo);
		looked = 1;
	}
	if ((hit = allow_match(t->allow, &a)) != NULL) {
		e->st.suppressed[hit->scope][hit->kind]++;
		return;
	}
	if (t->geo != NULL && a.has_net && !looked)
		(void)geoip_lookup(t->geo, &a.remote_ip, &a.geo);
	a.severity = enrich_severity(e, t, &a);
	e->st.sent++;
	if ((unsigned)a.rule < RULE_NRULES &&
	    (unsigned)a.severity < SEV_NSEVERITIES)
		e->st.sent_by[a.rule][a.severity]++;
	e->next.emit(e->next.arg, &a);
}

/*
 * The counters: alerts in and out, per scope and kind what the
 * allowlists suppressed, GeoIP lookups, and every entry's hits.
 */
void
enrich_print_stats(const struct enrich *e, FILE *fp)
{
	struct enrich_stats	 st;
	uint64_t		 sum;
	int			 sc, k, any;

	enrich_get_stats(e, &st);
	for (sum = 0, sc = 0; sc < ALLOW_NSCOPES; sc++)
		for (k = 0; k < ALLOW_NKINDS; k++)
			sum += st.suppressed[sc][k];
	fprintf(fp, "signetd: enrich: alerts %llu sent %llu suppressed %llu "
	    "escalated %llu reloads %llu reload_failures %llu\n",
	    (unsigned long long)st.alerts, (unsigned long long)st.sent,
	    (unsigned long long)sum, (unsigned long long)st.escalated,
	    (unsigned long long)st.reloads,
	    (unsigned long long)st.reload_failures);
	if (e->t->geo != NULL || st.geoip.lookups > 0)
		fprintf(fp, "signetd: geoip: lookups %llu cached %llu found "
		    "%llu not_found %llu errors %llu\n",
		    (unsigned long long)st.geoip.lookups,
		    (unsigned long long)st.geoip.cached,
		    (unsigned long long)st.geoip.found,
		    (unsigned long long)st.geoip.not_found,
		    (unsigned long long)st.geoip.errors);
	for (sc = 0; sc < ALLOW_NSCOPES; sc++) {
		any = 0;
		for (k = 0; k < ALLOW_NKINDS; k++) {
			if (st.suppressed[sc][k] == 0 &&
			    allow_count(e->t->allow, sc, k) == 0)
				continue;
			if (!any)
				fprintf(fp, "signetd: allow %s: suppressed",
				    allow_scope_name(sc));
			fprintf(fp, " %s %llu", allow_kind_name(k),
			    (unsigned long long)st.suppressed[sc][k]);
			any = 1;
		}
		if (any)
			fputc('\n', fp);
	}
	allow_print_hits(e->t->allow, NULL, fp);
	allow_print_hits(e->t->escalate, "escalate", fp);
}
