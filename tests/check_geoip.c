/*
 * signetd: tests of geoip.c over MaxMind's public test databases
 * (tests/data/mmdb): each database kind is checked by type, broken files
 * are refused with a message naming them, and lookups give what
 * mmdblookup(1) gives for the same address and database, and nothing for
 * an address the databases do not have.
 */
#include <sys/wait.h>

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "addr.h"
#include "alert.h"
#include "geoip.h"

#define MMDB		TESTDATA "/mmdb"
#define CITY		MMDB "/GeoIP2-City-Test.mmdb"
#define COUNTRY		MMDB "/GeoIP2-Country-Test.mmdb"
#define ASN		MMDB "/GeoLite2-ASN-Test.mmdb"

/* Addresses in and out of the test databases, both families. */
static const char *const addrs[] = {
	"81.2.69.142", "81.2.69.160", "89.160.20.112", "89.160.20.128",
	"175.16.199.0", "216.160.83.56", "2.125.160.216", "67.43.156.1",
	"214.78.120.5", "202.196.224.1", "1.128.0.1", "12.81.92.1",
	"15.1.2.3", "1.0.0.1", "2001:218::1", "2600:6000::1",
	"2a02:ffc0::1", "8.8.8.8", "10.0.2.15", "127.0.0.1", "::1",
	"2001:db8::1",
};

static struct in6_addr
ip(const char *s)
{
	struct in6_addr	 a;

	ck_assert_msg(addr_parse(s, strlen(s), &a) == 0, "%s", s);
	return (a);
}

static struct geoip *
open3(const char *city, const char *country, const char *asn, size_t cache)
{
	const char	*paths[GEOIP_NDBS];
	char		 err[512];
	struct geoip	*g;

	paths[GEOIP_CITY] = city;
	paths[GEOIP_COUNTRY] = country;
	paths[GEOIP_ASN] = asn;
	g = geoip_open(paths, cache, err, sizeof(err));
	ck_assert_msg(g != NULL, "%s", err);
	return (g);
}

static int
slice_is(struct slice s, const char *want)
{
	return (s.n == strlen(want) && (s.n == 0 || memcmp(s.p, want,
	    s.n) == 0));
}

static void
assert_slice(struct slice s, const char *want, const char *what)
{
	ck_assert_msg(slice_is(s, want), "%s: '%.*s', want '%s'", what,
	    (int)s.n, s.p != NULL ? s.p : "", want);
}

START_TEST(test_geoip_names)
{
	ck_assert_int_eq(geoip_db_parse("city"), GEOIP_CITY);
	ck_assert_int_eq(geoip_db_parse("country"), GEOIP_COUNTRY);
	ck_assert_int_eq(geoip_db_parse("asn"), GEOIP_ASN);
	ck_assert_int_eq(geoip_db_parse("isp"), -1);
	ck_assert_str_eq(geoip_db_name(GEOIP_ASN), "asn");
	ck_assert_str_eq(geoip_db_name(GEOIP_NDBS), "unknown");
}
END_TEST

/* Each option takes the databases that have its data, and no other. */
START_TEST(test_geoip_check_types)
{
	char	 why[512];

	ck_assert_int_eq(geoip_check(GEOIP_CITY, CITY, why, sizeof(why)), 0);
	ck_assert_int_eq(geoip_check(GEOIP_COUNTRY, CITY, why, sizeof(why)),
	    0);
	ck_assert_int_eq(geoip_check(GEOIP_COUNTRY, COUNTRY, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(geoip_check(GEOIP_ASN, ASN, why, sizeof(why)), 0);

	ck_assert_int_eq(geoip_check(GEOIP_CITY, COUNTRY, why, sizeof(why)),
	    -1);
	ck_assert_str_eq(why, COUNTRY ": database type 'GeoIP2-Country' is "
	    "not a City or Enterprise database");
	ck_assert_int_eq(geoip_check(GEOIP_ASN, CITY, why, sizeof(why)), -1);
	ck_assert_str_eq(why, CITY ": database type 'GeoIP2-City' is not an "
	    "ASN or ISP database");
	ck_assert_int_eq(geoip_check(GEOIP_COUNTRY, ASN, why, sizeof(why)),
	    -1);
	ck_assert_str_eq(why, ASN ": database type 'GeoLite2-ASN' is not a "
	    "Country, City or Enterprise database");
	ck_assert_int_eq(geoip_check(GEOIP_NDBS, CITY, why, sizeof(why)), -1);
}
END_TEST

/*
 * Broken databases: refused by libmaxminddb, or (the deliberately broken
 * "Test" databases that open) by their type; never a crash. Each message
 * starts with the file's path.
 */
static const struct {
	const char	*file;
	const char	*why;
} broken[] = {
	{ MMDB "/GeoIP2-City-Test-Invalid-Node-Count.mmdb",
	    "not a usable MaxMind DB: The MaxMind DB file contains invalid "
	    "metadata" },
	{ MMDB "/bad/libmaxminddb-offset-integer-overflow.mmdb",
	    "not a usable MaxMind DB: The MaxMind DB file's data section "
	    "contains bad data" },
	{ MMDB "/bad/libmaxminddb-metadata-marker-only.mmdb",
	    "not a usable MaxMind DB: " },
	{ MMDB "/bad/invalid-string-length.mmdb",
	    "not a usable MaxMind DB: " },
	{ MMDB "/bad/cyclic-data-structure.mmdb",
	    "not a usable MaxMind DB: " },
	{ MMDB "/bad/libmaxminddb-corrupt-search-tree.mmdb",
	    "database type 'Test' is not a City or Enterprise database" },
	{ MMDB "/MaxMind-DB-test-broken-pointers-24.mmdb",
	    "database type 'Test' is not a City or Enterprise database" },
	{ MMDB "/no-such.mmdb", "No such file or directory" },
	{ MMDB, "not a usable MaxMind DB: " },
	{ "/dev/null", "not a usable MaxMind DB: " },
	{ TESTDATA "/demo.jsonl", "not a usable MaxMind DB: " },
};

START_TEST(test_geoip_broken)
{
	const char	*paths[GEOIP_NDBS] = { NULL, NULL, NULL };
	char		 why[512], want[512];

	snprintf(want, sizeof(want), "%s: %s", broken[_i].file,
	    broken[_i].why);
	ck_assert_int_eq(geoip_check(GEOIP_CITY, broken[_i].file, why,
	    sizeof(why)), -1);
	ck_assert_msg(strncmp(why, want, strlen(want)) == 0, "'%s', want "
	    "'%s...'", why, want);
	/* geoip_open: all or nothing, the kind named first. */
	paths[GEOIP_COUNTRY] = COUNTRY;
	paths[GEOIP_CITY] = broken[_i].file;
	ck_assert_ptr_null(geoip_open(paths, 16, why, sizeof(why)));
	snprintf(want, sizeof(want), "city: %s: %s", broken[_i].file,
	    broken[_i].why);
	ck_assert_msg(strncmp(why, want, strlen(want)) == 0, "'%s'", why);
}
END_TEST

/*
 * Addresses known to be in, or out of, the test databases; the values
 * are those of MaxMind's source JSON (source-data/), which mmdblookup
 * shows too (tests/data/SOURCES).
 */
START_TEST(test_geoip_known)
{
	struct geoip		*g;
	struct alert_geo	 r;
	struct in6_addr		 a;

	g = open3(CITY, NULL, ASN, 0);
	a = ip("81.2.69.142");
	ck_assert_int_eq(geoip_lookup(g, &a, &r), 1);
	assert_slice(r.country_iso, "GB", "country_iso");
	assert_slice(r.country, "United Kingdom", "country");
	assert_slice(r.city, "London", "city");
	ck_assert_int_eq(r.has_asn, 0);
	ck_assert_uint_eq(r.as_org.n, 0);

	a = ip("89.160.20.112");
	ck_assert_int_eq(geoip_lookup(g, &a, &r), 1);
	assert_slice(r.country_iso, "SE", "country_iso");
	assert_slice(r.city, "Link\xc3\xb6ping", "city");

	a = ip("1.128.0.1");
	ck_assert_int_eq(geoip_lookup(g, &a, &r), 1);
	ck_assert_int_eq(r.has_asn, 1);
	ck_assert_uint_eq(r.asn, 1221);
	assert_slice(r.as_org, "Telstra Pty Ltd", "as_org");
	ck_assert_uint_eq(r.country_iso.n, 0);

	/* IPv6, and a country without a city. */
	a = ip("2001:218::1");
	ck_assert_int_eq(geoip_lookup(g, &a, &r), 1);
	assert_slice(r.country_iso, "JP", "country_iso");
	assert_slice(r.country, "Japan", "country");
	ck_assert_uint_eq(r.city.n, 0);
	a = ip("2600:6000::1");
	ck_assert_int_eq(geoip_lookup(g, &a, &r), 1);
	ck_assert_uint_eq(r.asn, 237);
	assert_slice(r.as_org, "Merit Network Inc.", "as_org");

	/* Not in any database: nothing at all, not a wrong something. */
	a = ip("8.8.8.8");
	ck_assert_int_eq(geoip_lookup(g, &a, &r), 0);
	ck_assert(alert_geo_empty(&r));
	a = ip("10.0.2.15");
	ck_assert_int_eq(geoip_lookup(g, &a, &r), 0);
	ck_assert(alert_geo_empty(&r));
	a = ip("2001:db8::1");
	ck_assert_int_eq(geoip_lookup(g, &a, &r), 0);
	ck_assert(alert_geo_empty(&r));
	ck_assert_uint_eq(geoip_stats(g)->lookups, 8);
	ck_assert_uint_eq(geoip_stats(g)->found, 5);
	ck_assert_uint_eq(geoip_stats(g)->not_found, 3);
	ck_assert_uint_eq(geoip_stats(g)->errors, 0);
	geoip_free(g);
}
END_TEST

/*
 * An IPv4 address is looked up in the IPv4 subtree of an IPv6 database
 * (::a.b.c.d), as MaxMind stores it: the IPv4-mapped form signetd keeps
 * internally must give the same as the dotted quad, which mmdblookup
 * looks up the same way.
 */
START_TEST(test_geoip_ipv4_in_ipv6_db)
{
	struct geoip		*g;
	struct alert_geo	 r1, r2;
	struct in6_addr		 a, b;

	g = open3(CITY, NULL, NULL, 0);
	a = ip("::ffff:81.2.69.142");
	b = ip("81.2.69.142");
	ck_assert_mem_eq(&a, &b, sizeof(a));
	ck_assert_int_eq(geoip_lookup(g, &a, &r1), 1);
	assert_slice(r1.city, "London", "city");
	/* The IPv4-compatible form is the same network in MaxMind DBs. */
	b = ip("::81.2.69.142");
	ck_assert_int_eq(geoip_lookup(g, &b, &r2), 1);
	assert_slice(r2.city, "London", "city");
	geoip_free(g);
}
END_TEST

/* The Country database first for the country, the City one for a city. */
START_TEST(test_geoip_country_first)
{
	struct geoip		*g;
	struct alert_geo	 r;
	struct in6_addr		 a;

	g = open3(CITY, COUNTRY, NULL, 0);
	ck_assert(geoip_has(g, GEOIP_CITY) && geoip_has(g, GEOIP_COUNTRY) &&
	    !geoip_has(g, GEOIP_ASN));
	/* In both. */
	a = ip("81.2.69.142");
	ck_assert_int_eq(geoip_lookup(g, &a, &r), 1);
	assert_slice(r.country_iso, "GB", "country_iso");
	assert_slice(r.city, "London", "city");
	/* In the City database only: its country is taken. */
	a = ip("175.16.199.0");
	ck_assert_int_eq(geoip_lookup(g, &a, &r), 1);
	assert_slice(r.country_iso, "CN", "country_iso");
	assert_slice(r.city, "Changchun", "city");
	geoip_free(g);
	/* A Country database alone gives no city. */
	g = open3(NULL, COUNTRY, NULL, 0);
	a = ip("81.2.69.142");
	ck_assert_int_eq(geoip_lookup(g, &a, &r), 1);
	assert_slice(r.country_iso, "GB", "country_iso");
	ck_assert_uint_eq(r.city.n, 0);
	ck_assert(!geoip_has(NULL, GEOIP_CITY));
	geoip_free(g);
	geoip_free(NULL);
}
END_TEST

/* Cached answers are the same answers, even when slots are shared. */
START_TEST(test_geoip_cache)
{
	struct geoip		*g;
	struct alert_geo	 r, again;
	struct in6_addr		 a;
	size_t			 i, k;

	for (k = 0; k < 3; k++) {
		g = open3(CITY, NULL, ASN, k == 0 ? 0 : k == 1 ? 1 : 1024);
		for (i = 0; i < 2 * sizeof(addrs) / sizeof(addrs[0]); i++) {
			a = ip(addrs[i % (sizeof(addrs) / sizeof(addrs[0]))]);
			(void)geoip_lookup(g, &a, &r);
			(void)geoip_lookup(g, &a, &again);
			ck_assert_mem_eq(&r, &again, sizeof(r));
		}
		if (k == 0)
			ck_assert_uint_eq(geoip_stats(g)->cached, 0);
		else if (k == 1)
			/* One slot: each second lookup hits it. */
			ck_assert_uint_eq(geoip_stats(g)->cached,
			    2 * sizeof(addrs) / sizeof(addrs[0]));
		else
			/* At least each second lookup; more, shared slots. */
			ck_assert_uint_ge(geoip_stats(g)->cached,
			    2 * sizeof(addrs) / sizeof(addrs[0]));
		geoip_free(g);
	}
}
END_TEST

/*
 * What mmdblookup prints for one path, into buf: the string or number,
 * or "" when the address or the path is not in the database. Returns -1
 * when mmdblookup could not be run.
 */
static int
mmdblookup(const char *db, const char *addr, const char *path, char *buf,
    size_t len)
{
	char	 cmd[1024], line[512], *p, *e;
	FILE	*fp;
	int	 st;

	snprintf(cmd, sizeof(cmd), "mmdblookup --file '%s' --ip '%s' %s "
	    "2>/dev/null", db, addr, path);
	buf[0] = '\0';
	if ((fp = popen(cmd, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "  ", 2) != 0 || buf[0] != '\0')
			continue;
		p = line + 2;
		if (*p == '"' && (e = strrchr(p + 1, '"')) != NULL)
			snprintf(buf, len, "%.*s", (int)(e - p - 1), p + 1);
		else if (*p >= '0' && *p <= '9')
			snprintf(buf, len, "%.*s", (int)strspn(p,
			    "0123456789"), p);
	}
	st = pclose(fp);
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 127)
		return (-1);
	if (WEXITSTATUS(st) != 0)
		buf[0] = '\0';
	return (0);
}

static void
compare(const char *what, const char *db, const char *addr,
    const char *path, struct slice got)
{
	char	 want[256];

	ck_assert_int_eq(mmdblookup(db, addr, path, want, sizeof(want)), 0);
	ck_assert_msg(slice_is(got, want), "%s of %s in %s: '%.*s', "
	    "mmdblookup '%s'", what, addr, db, (int)got.n,
	    got.p != NULL ? got.p : "", want);
}

/* Every field, every address, against mmdblookup on the same file. */
START_TEST(test_geoip_same_as_mmdblookup)
{
	struct geoip		*g;
	struct alert_geo	 r;
	struct in6_addr		 a;
	char			 want[64], num[16];
	const char		*s = addrs[_i];

	if (mmdblookup(CITY, "81.2.69.142", "country iso_code", want,
	    sizeof(want)) == -1) {
		fprintf(stderr, "check_geoip: no mmdblookup (Debian "
		    "mmdb-bin), comparison skipped\n");
		return;
	}
	ck_assert_str_eq(want, "GB");
	g = open3(CITY, NULL, ASN, 8);
	a = ip(s);
	(void)geoip_lookup(g, &a, &r);
	compare("country_iso", CITY, s, "country iso_code", r.country_iso);
	compare("country", CITY, s, "country names en", r.country);
	compare("city", CITY, s, "city names en", r.city);
	compare("as_org", ASN, s, "autonomous_system_organization",
	    r.as_org);
	ck_assert_int_eq(mmdblookup(ASN, s, "autonomous_system_number", want,
	    sizeof(want)), 0);
	snprintf(num, sizeof(num), "%u", (unsigned)r.asn);
	ck_assert_str_eq(r.has_asn ? num : "", want);
	geoip_free(g);
	/* The Country database alone, likewise. */
	g = open3(NULL, COUNTRY, NULL, 0);
	(void)geoip_lookup(g, &a, &r);
	compare("country_iso", COUNTRY, s, "country iso_code", r.country_iso);
	compare("country", COUNTRY, s, "country names en", r.country);
	geoip_free(g);
}
END_TEST

/*
 * A City database whose doubles are broken opens (its type is right):
 * what signetd reads of it is still right, and nothing crashes.
 */
START_TEST(test_geoip_broken_data)
{
	struct geoip		*g;
	struct alert_geo	 r;
	struct in6_addr		 a;
	size_t			 i;

	g = open3(MMDB "/GeoIP2-City-Test-Broken-Double-Format.mmdb", NULL,
	    NULL, 4);
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		a = ip(addrs[i]);
		(void)geoip_lookup(g, &a, &r);
	}
	a = ip("81.2.69.142");
	ck_assert_int_eq(geoip_lookup(g, &a, &r), 1);
	assert_slice(r.country_iso, "GB", "country_iso");
	geoip_free(g);
}
END_TEST

START_TEST(test_geoip_describe)
{
	struct geoip	*g;
	FILE		*fp;
	char		 buf[1024];
	size_t		 n;

	g = open3(CITY, NULL, ASN, 0);
	fp = tmpfile();
	ck_assert_ptr_nonnull(fp);
	geoip_describe(g, fp);
	rewind(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	ck_assert_msg(strstr(buf, "geoip city: " CITY " (GeoIP2-City, built "
	    "20") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "geoip asn: " ASN " (GeoLite2-ASN, built "
	    "20") != NULL, "%s", buf);
	ck_assert_ptr_null(strstr(buf, "geoip country"));
	geoip_free(g);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("geoip");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_geoip_names);
	tcase_add_test(tc, test_geoip_check_types);
	tcase_add_loop_test(tc, test_geoip_broken, 0,
	    sizeof(broken) / sizeof(broken[0]));
	tcase_add_test(tc, test_geoip_known);
	tcase_add_test(tc, test_geoip_ipv4_in_ipv6_db);
	tcase_add_test(tc, test_geoip_country_first);
	tcase_add_test(tc, test_geoip_cache);
	tcase_add_loop_test(tc, test_geoip_same_as_mmdblookup, 0,
	    sizeof(addrs) / sizeof(addrs[0]));
	tcase_add_test(tc, test_geoip_broken_data);
	tcase_add_test(tc, test_geoip_describe);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
