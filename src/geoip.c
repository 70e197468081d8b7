/*
 * signetd: GeoIP and ASN lookups over MaxMind DB files (see geoip.h).
 *
 * Each field has one source: country_iso and country come from the
 * Country database if one is configured and knows the address, else from
 * the City database; city from the City database; asn and as_org from
 * the ASN database. The strings are slices into the memory-mapped files,
 * valid until geoip_free(); a reload opens a new struct geoip (with an
 * empty cache) and frees the old one, so nothing keeps a stale slice.
 *
 * An IPv4 address (held IPv4-mapped) is looked up as AF_INET: in an IPv6
 * database libmaxminddb then walks its IPv4 subtree (::a.b.c.d), which is
 * where MaxMind puts IPv4 data, rather than ::ffff:a.b.c.d.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <maxminddb.h>

#include "config.h"
#include "addr.h"
#include "alert.h"
#include "geoip.h"
#include "xmalloc.h"

/* Room for a database's own type string quoted in a message. */
#define GEOIP_VIS_MAX	48

struct geoip_slot {
	struct in6_addr	 addr;
	int		 used;
	struct alert_geo geo;
};

struct geoip {
	MMDB_s			 db[GEOIP_NDBS];
	int			 open[GEOIP_NDBS];
	char			*path[GEOIP_NDBS];
	struct geoip_slot	*cache;
	size_t			 ncache;
	struct geoip_stats	 st;
};

static const char *const geoip_names[GEOIP_NDBS] = {
	"city", "country", "asn"
};

/*
 * What each option accepts: a database whose type (metadata
 * database_type, such as "GeoIP2-City") contains one of these words.
 * Enterprise databases carry city and country data under the same keys;
 * ISP databases carry the ASN keys.
 */
static const char *const geoip_types[GEOIP_NDBS][4] = {
	{ "City", "Enterprise", NULL },
	{ "Country", "City", "Enterprise", NULL },
	{ "ASN", "ISP", NULL },
};

static const char *const geoip_want[GEOIP_NDBS] = {
	"a City or Enterprise database",
	"a Country, City or Enterprise database",
	"an ASN or ISP database",
};

static const char *geoip_vis(const char *, char *, size_t);
static int	 geoip_open_one(MMDB_s *, enum geoip_db, const char *, char *,
		    size_t);
static size_t	 geoip_hash(const struct in6_addr *);
static int	 geoip_str(struct geoip *, MMDB_entry_s *, const char *const *,
		    struct slice *);
static void	 geoip_asn(struct geoip *, MMDB_entry_s *, struct alert_geo *);
static int	 geoip_find(struct geoip *, enum geoip_db,
		    const struct sockaddr *, MMDB_entry_s *);
static void	 geoip_fill(struct geoip *, const struct in6_addr *,
		    struct alert_geo *);

int
geoip_db_parse(const char *s)
{
	int	 i;

	for (i = 0; i < GEOIP_NDBS; i++)
		if (strcmp(s, geoip_names[i]) == 0)
			return (i);
	return (-1);
}

const char *
geoip_db_name(enum geoip_db db)
{
	if ((unsigned)db >= GEOIP_NDBS)
		return ("unknown");
	return (geoip_names[db]);
}

/* A string from a file, safe to print: printable ASCII, cut short. */
static const char *
geoip_vis(const char *s, char *buf, size_t len)
{
	size_t	 i;

	for (i = 0; s[i] != '\0' && i + 4 < len; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (s[i] != '\0') {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return (buf);
}

/*
 * Open path as database db into m, or say why not: the file cannot be
 * read, libmaxminddb refuses it (corrupt, not a MaxMind DB), or it holds
 * another kind of data than the option asks for.
 */
static int
geoip_open_one(MMDB_s *m, enum geoip_db db, const char *path, char *why,
    size_t len)
{
	char		 vis[GEOIP_VIS_MAX];
	const char	*type;
	size_t		 i;
	int		 rv;

	if (access(path, R_OK) == -1) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if ((rv = MMDB_open(path, MMDB_MODE_MMAP, m)) != MMDB_SUCCESS) {
		snprintf(why, len, "%s: not a usable MaxMind DB: %s", path,
		    MMDB_strerror(rv));
		return (-1);
	}
	type = m->metadata.database_type != NULL ?
	    m->metadata.database_type : "";
	for (i = 0; geoip_types[db][i] != NULL; i++)
		if (strstr(type, geoip_types[db][i]) != NULL)
			return (0);
	snprintf(why, len, "%s: database type '%s' is not %s", path,
	    geoip_vis(type, vis, sizeof(vis)), geoip_want[db]);
	MMDB_close(m);
	return (-1);
}

/* Can path serve as database db? The configuration checks each file. */
int
geoip_check(enum geoip_db db, const char *path, char *why, size_t len)
{
	MMDB_s	 m;

	if ((unsigned)db >= GEOIP_NDBS) {
		snprintf(why, len, "unknown database kind");
		return (-1);
	}
	if (geoip_open_one(&m, db, path, why, len) == -1)
		return (-1);
	MMDB_close(&m);
	return (0);
}

/*
 * Open the databases whose path is not NULL (paths[GEOIP_NDBS]), with a
 * cache of ncache lookups (0: none). All or nothing: on failure err says
 * which database and why, and nothing stays open.
 */
struct geoip *
geoip_open(const char *const *paths, size_t ncache, char *err, size_t len)
{
	struct geoip	*g;
	char		 why[512];
	int		 i;

	g = xcalloc(1, sizeof(*g));
	for (i = 0; i < GEOIP_NDBS; i++) {
		if (paths[i] == NULL)
			continue;
		if (geoip_open_one(&g->db[i], i, paths[i], why,
		    sizeof(why)) == -1) {
			snprintf(err, len, "%s: %s", geoip_names[i], why);
			geoip_free(g);
			return (NULL);
		}
		g->open[i] = 1;
		g->path[i] = xstrdup(paths[i]);
	}
	g->ncache = ncache;
	if (ncache > 0)
		g->cache = xcalloc(ncache, sizeof(*g->cache));
	return (g);
}

void
geoip_free(struct geoip *g)
{
	int	 i;

	if (g == NULL)
		return;
	for (i = 0; i < GEOIP_NDBS; i++) {
		if (g->open[i])
			MMDB_close(&g->db[i]);
		free(g->path[i]);
	}
	free(g->cache);
	free(g);
}

int
geoip_has(const struct geoip *g, enum geoip_db db)
{
	return (g != NULL && (unsigned)db < GEOIP_NDBS && g->open[db]);
}

const struct geoip_stats *
geoip_stats(const struct geoip *g)
{
	return (&g->st);
}

/* A cache slot for a: a multiplicative hash of the address's halves. */
static size_t
geoip_hash(const struct in6_addr *a)
{
	uint64_t	 hi, lo;

	memcpy(&hi, a->s6_addr, 8);
	memcpy(&lo, a->s6_addr + 8, 8);
	return ((size_t)(((hi * UINT64_C(0x9e3779b97f4a7c15)) ^ lo) *
	    UINT64_C(0xbf58476d1ce4e5b9) >> 32));
}

/*
 * The string at path in entry e into *out. A path the entry does not
 * have is no error (the field is unknown); corrupt data is counted.
 * Returns 1 when a non-empty string was found.
 */
static int
geoip_str(struct geoip *g, MMDB_entry_s *e, const char *const *path,
    struct slice *out)
{
	MMDB_entry_data_s	 d;
	int			 rv;

	rv = MMDB_aget_value(e, &d, path);
	if (rv != MMDB_SUCCESS) {
		if (rv != MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
			g->st.errors++;
		return (0);
	}
	if (!d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING ||
	    d.data_size == 0)
		return (0);
	out->p = d.utf8_string;
	out->n = d.data_size;
	return (1);
}

/* autonomous_system_number and _organization, as ASN and ISP DBs have. */
static void
geoip_asn(struct geoip *g, MMDB_entry_s *e, struct alert_geo *out)
{
	static const char *const num[] = { "autonomous_system_number", NULL };
	static const char *const org[] = {
		"autonomous_system_organization", NULL
	};
	MMDB_entry_data_s	 d;
	int			 rv;

	rv = MMDB_aget_value(e, &d, num);
	if (rv != MMDB_SUCCESS &&
	    rv != MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
		g->st.errors++;
	else if (rv == MMDB_SUCCESS && d.has_data) {
		if (d.type == MMDB_DATA_TYPE_UINT32) {
			out->has_asn = 1;
			out->asn = d.uint32;
		} else if (d.type == MMDB_DATA_TYPE_UINT16) {
			out->has_asn = 1;
			out->asn = d.uint16;
		} else if (d.type == MMDB_DATA_TYPE_UINT64 &&
		    d.uint64 <= UINT32_MAX) {
			out->has_asn = 1;
			out->asn = (uint32_t)d.uint64;
		}
	}
	(void)geoip_str(g, e, org, &out->as_org);
}

/* Look sa up in database db; 1 and *e when it has an entry. */
static int
geoip_find(struct geoip *g, enum geoip_db db, const struct sockaddr *sa,
    MMDB_entry_s *e)
{
	MMDB_lookup_result_s	 r;
	int			 mmerr;

	if (!g->open[db])
		return (0);
	r = MMDB_lookup_sockaddr(&g->db[db], sa, &mmerr);
	if (mmerr != MMDB_SUCCESS) {
		/* An IPv6 address in an IPv4-only database: not in it. */
		if (mmerr != MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR)
			g->st.errors++;
		return (0);
	}
	if (!r.found_entry)
		return (0);
	*e = r.entry;
	return (1);
}

/* Every field the databases have for a, from its source (top of file). */
static void
geoip_fill(struct geoip *g, const struct in6_addr *a, struct alert_geo *out)
{
	static const char *const iso[] = { "country", "iso_code", NULL };
	static const char *const cname[] = {
		"country", "names", "en", NULL
	};
	static const char *const city[] = { "city", "names", "en", NULL };
	static const enum geoip_db countries[] = { GEOIP_COUNTRY, GEOIP_CITY };
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	MMDB_entry_s		 e;
	size_t			 i;

	memset(&ss, 0, sizeof(ss));
	if (addr_is_v4mapped(a)) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->s6_addr + 12, 4);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = *a;
	}
	for (i = 0; i < sizeof(countries) / sizeof(countries[0]); i++) {
		if (geoip_find(g, countries[i], (struct sockaddr *)&ss, &e) &&
		    geoip_str(g, &e, iso, &out->country_iso)) {
			(void)geoip_str(g, &e, cname, &out->country);
			break;
		}
	}
	if (geoip_find(g, GEOIP_CITY, (struct sockaddr *)&ss, &e))
		(void)geoip_str(g, &e, city, &out->city);
	if (geoip_find(g, GEOIP_ASN, (struct sockaddr *)&ss, &e))
		geoip_asn(g, &e, out);
}

/*
 * Fill *out with what the databases know of a; returns 1 if they know
 * anything, 0 if not (*out is then empty). Answers come from the cache
 * when the slot of a holds a.
 */
int
geoip_lookup(struct geoip *g, const struct in6_addr *a,
    struct alert_geo *out)
{
	struct geoip_slot	*s = NULL;

	g->st.lookups++;
	if (g->ncache > 0) {
		s = &g->cache[geoip_hash(a) % g->ncache];
		if (s->used && memcmp(&s->addr, a, sizeof(*a)) == 0) {
			g->st.cached++;
			*out = s->geo;
			goto done;
		}
	}
	memset(out, 0, sizeof(*out));
	geoip_fill(g, a, out);
	if (s != NULL) {
		s->addr = *a;
		s->used = 1;
		s->geo = *out;
	}
done:
	if (alert_geo_empty(out)) {
		g->st.not_found++;
		return (0);
	}
	g->st.found++;
	return (1);
}

/* One line per open database: its kind, file, type and build date. */
void
geoip_describe(const struct geoip *g, FILE *fp)
{
	char		 vis[GEOIP_VIS_MAX], date[32];
	const char	*type;
	struct tm	 tm;
	time_t		 t;
	uint64_t	 epoch;
	int		 i;

	for (i = 0; i < GEOIP_NDBS; i++) {
		if (!g->open[i])
			continue;
		type = g->db[i].metadata.database_type != NULL ?
		    g->db[i].metadata.database_type : "";
		epoch = g->db[i].metadata.build_epoch;
		t = (time_t)epoch;
		/* Up to year 9999; a wild epoch prints as a number. */
		if (epoch > UINT64_C(253402300799) ||
		    gmtime_r(&t, &tm) == NULL ||
		    strftime(date, sizeof(date), "%Y-%m-%d", &tm) == 0)
			snprintf(date, sizeof(date), "epoch %" PRIu64, epoch);
		fprintf(fp, "geoip %s: %s (%s, built %s, IPv%u)\n",
		    geoip_names[i], g->path[i], geoip_vis(type, vis,
		    sizeof(vis)), date, (unsigned)g->db[i].metadata.ip_version);
	}
}
