/*
 * signetd: tests of enrich.c and allow.c: each allowlist kind suppresses
 * exactly the alerts it names, and nothing else, counted per scope, kind
 * and entry; the rule's own lists come before the global ones; GeoIP data
 * is added (and looked up first when entries need it); severities follow
 * the map and the escalation lists; list files are read with file:line
 * errors; a reload swaps lists and databases whole, or keeps them.
 */
#include <netinet/in.h>

#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "addr.h"
#include "alert.h"
#include "allow.h"
#include "conf.h"
#include "enrich.h"
#include "xmalloc.h"

#define MMDB		TESTDATA "/mmdb"
#define LISTS		TESTDATA "/enrich"
#define TMPCONF		"check_enrich.conf"
#define TMPLIST		"check_enrich.list"

#define SL(s)		((struct slice){ (s), sizeof(s) - 1 })

/* What reached the outputs. */
struct seen {
	size_t			 n;
	enum severity		 sev[64];
	struct alert_geo	 geo[64];
};

static void
seen_emit(void *arg, const struct alert *a)
{
	struct seen	*s = arg;

	ck_assert_uint_lt(s->n, 64);
	s->sev[s->n] = a->severity;
	s->geo[s->n] = a->geo;
	s->n++;
}

/*
 * A configuration from text in which @D@ stands for tests/data; it must
 * load clean.
 */
static struct conf *
conf_text(const char *text)
{
	struct conf	*c;
	FILE		*fp;
	const char	*p, *q;
	int		 nerr;

	fp = fopen(TMPCONF, "w");
	ck_assert_ptr_nonnull(fp);
	for (p = text; (q = strstr(p, "@D@")) != NULL; p = q + 3)
		fprintf(fp, "%.*s%s", (int)(q - p), p, TESTDATA);
	fputs(p, fp);
	ck_assert_int_eq(fclose(fp), 0);
	c = conf_new();
	nerr = conf_load(c, TMPCONF, stderr);
	ck_assert_int_eq(nerr, 0);
	return (c);
}

static void
write_list(const char *text)
{
	FILE	*fp;

	fp = fopen(TMPLIST, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

static struct enrich *
enrich_text(const char *text, struct seen *s, struct alert_sink *in)
{
	struct alert_sink	 out = { seen_emit, s };
	struct enrich		*e;
	struct conf		*c;

	memset(s, 0, sizeof(*s));
	c = conf_text(text);
	e = enrich_new(c, &out, stderr);
	ck_assert_ptr_nonnull(e);
	enrich_sink(e, in);
	conf_free(c);
	return (e);
}

/* Everything enrich_print_stats() says. */
static char *
stats_text(const struct enrich *e)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	fp = tmpfile();
	ck_assert_ptr_nonnull(fp);
	enrich_print_stats(e, fp);
	n = ftell(fp);
	rewind(fp);
	buf = xmalloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return (buf);
}

static void
assert_stats_has(const struct enrich *e, const char *want)
{
	char	*t = stats_text(e);

	ck_assert_msg(strstr(t, want) != NULL, "no '%s' in:\n%s", want, t);
	free(t);
}

static uint64_t
suppressed(const struct enrich *e, enum allow_scope sc, enum allow_kind k)
{
	struct enrich_stats	 st;

	enrich_get_stats(e, &st);
	return (st.suppressed[sc][k]);
}

static uint64_t
suppressed_total(const struct enrich *e)
{
	struct enrich_stats	 st;
	uint64_t		 n = 0;
	int			 sc, k;

	enrich_get_stats(e, &st);
	for (sc = 0; sc < ALLOW_NSCOPES; sc++)
		for (k = 0; k < ALLOW_NKINDS; k++)
			n += st.suppressed[sc][k];
	return (n);
}

static void
set_ip(struct alert *a, const char *s)
{
	ck_assert_int_eq(addr_parse(s, strlen(s), &a->remote_ip), 0);
}

/* A netjoin alert as the rule makes it: keyed by sha1 0x11..., to GB. */
static void
netjoin(struct alert *a)
{
	memset(a, 0, sizeof(*a));
	a->kind = ALERT_ALERT;
	a->rule = RULE_NETJOIN;
	a->severity = SEV_HIGH;
	a->device_id = SL("dev-0001");
	a->device_name = SL("WS01");
	a->has_pid = 1;
	a->pid = 4242;
	a->image = SL("C:\\Users\\bob\\Desktop\\tool.exe");
	a->has_sha1 = 1;
	memset(a->sha1, 0x22, sizeof(a->sha1));
	a->has_sig = 1;
	a->sig_signed = TRI_FALSE;
	a->sig_status = SL("Unsigned");
	a->sig_signer = SL("");
	a->has_net = 1;
	set_ip(a, "81.2.69.142");
	a->has_port = 1;
	a->remote_port = 443;
	a->remote_url = SL("www.evil.example");
	a->count = 1;
}

static void
imageload(struct alert *a)
{
	memset(a, 0, sizeof(*a));
	a->kind = ALERT_ALERT;
	a->rule = RULE_IMAGELOAD;
	a->severity = SEV_HIGH;
	a->device_id = SL("ws02");
	a->device_name = SL("WS02");
	a->image = SL("C:\\Windows\\System32\\svchost.exe");
	a->has_sig = 1;
	a->sig_signed = TRI_TRUE;
	a->sig_trusted = TRI_FALSE;
	a->sig_status = SL("Expired");
	a->sig_signer = SL("Contoso Ltd");
	a->image_loaded = SL("C:\\Program Files\\Contoso\\agent.dll");
	a->signature = SL("Contoso Ltd");
	a->is_signed = 1;
	a->count = 1;
}

static void
report(struct alert *a)
{
	memset(a, 0, sizeof(*a));
	a->kind = ALERT_REPORT;
	a->rule = RULE_IMAGELOAD;
	a->severity = SEV_HIGH;
	a->image_loaded = SL("C:\\Program Files\\Contoso\\agent.dll");
	a->signature = SL("Contoso Ltd");
	a->is_signed = 1;
	a->executions = 3;
	a->hosts = 2;
	a->statuses[0] = SL("Expired");
	a->nstatuses = 1;
}

/*
 * One allowlist kind: a configuration with entries of that kind only,
 * and alerts, each marked as named by them or not. The named ones must
 * be suppressed (and counted under the kind), the others sent.
 */
struct kcase {
	const char	*name;
	enum allow_kind	 kind;
	const char	*conf;
	void		(*make)(struct alert *, int);
	int		 nalerts;
	unsigned int	 named;		/* bit i: alert i is named */
};

static void
mk_sha1(struct alert *a, int i)
{
	netjoin(a);
	switch (i) {
	case 0:
		memset(a->sha1, 0xab, sizeof(a->sha1));
		break;
	case 1:		/* one byte off */
		memset(a->sha1, 0xab, sizeof(a->sha1));
		a->sha1[19] = 0xac;
		break;
	case 2:		/* keyed by path: no sha1 known */
		a->has_sha1 = 0;
		a->key_is_path = 1;
		a->key_path = SL("c:\\users\\bob\\desktop\\tool.exe");
		break;
	case 3:
		imageload(a);
		break;
	case 4:		/* the loaded file's hash */
		imageload(a);
		a->has_file_sha1 = 1;
		memset(a->file_sha1, 0xab, sizeof(a->file_sha1));
		break;
	}
}

static void
mk_path(struct alert *a, int i)
{
	switch (i) {
	case 0:		/* another case, a subdirectory */
		netjoin(a);
		a->image = SL("c:\\program files\\vendor\\bin\\up.exe");
		break;
	case 1:
		netjoin(a);
		a->image = SL("C:\\Program Files\\Vendor2\\up.exe");
		break;
	case 2:		/* netjoin keyed by path, no image */
		netjoin(a);
		a->image = SLICE_EMPTY;
		a->key_is_path = 1;
		a->key_path = SL("c:\\program files\\vendor\\x.exe");
		break;
	case 3:		/* imageload: the loaded image counts */
		imageload(a);
		a->image_loaded = SL("C:\\Program Files\\Vendor\\v.dll");
		break;
	case 4:		/* ... not the process that loads it */
		imageload(a);
		a->image = SL("C:\\Program Files\\Vendor\\host.exe");
		break;
	case 5:
		report(a);
		a->image_loaded = SL("C:\\PROGRAM FILES\\VENDOR\\v.dll");
		break;
	case 6:		/* a NUL must not cut the path short */
		netjoin(a);
		a->image = (struct slice){
		    "C:\\Program Files\\Vendor\\a.exe\0x", 31 };
		break;
	}
}

static void
mk_signer(struct alert *a, int i)
{
	switch (i) {
	case 0:
		netjoin(a);
		a->sig_signer = SL("CONTOSO TEST SIGNING PCA");
		break;
	case 1:
		netjoin(a);
		a->sig_signer = SL("Contoso Ltd");
		break;
	case 2:
		imageload(a);
		a->sig_signer = SL("Contoso Testing");
		break;
	case 3:
		report(a);
		a->signature = SL("contoso test");
		break;
	case 4:		/* no signature fact */
		netjoin(a);
		a->has_sig = 0;
		break;
	}
}

static void
mk_device(struct alert *a, int i)
{
	switch (i) {
	case 0:		/* by name */
		netjoin(a);
		a->device_name = SL("lab-07");
		break;
	case 1:		/* by id, any case */
		imageload(a);
		a->device_id = SL("LAB-X");
		break;
	case 2:
		netjoin(a);
		a->device_name = SL("ws-lab-1");
		break;
	case 3:		/* reports span devices */
		report(a);
		break;
	}
}

static void
mk_remote(struct alert *a, int i)
{
	netjoin(a);
	switch (i) {
	case 0:
		set_ip(a, "81.2.69.130");
		break;
	case 1:
		set_ip(a, "81.2.69.64");
		break;
	case 2:
		set_ip(a, "2001:218::1");
		break;
	case 3:
		set_ip(a, "2001:219::1");
		break;
	case 4:
		imageload(a);
		break;
	}
}

static void
mk_domain(struct alert *a, int i)
{
	static const struct slice urls[] = {
		SL("example.com"), SL("WWW.Example.COM"),
		SL("https://cdn.example.com:8443/x?y"), SL("example.com."),
		SL("badexample.com"), SL("example.com.evil.net"),
		SL("https://evil.net/example.com"), SL("[2001:db8::1]:443"),
		SL(""),
	};

	netjoin(a);
	a->remote_url = urls[i];
}

static void
mk_asn(struct alert *a, int i)
{
	static const char *const ips[] = {
		"1.128.0.1", "12.81.92.1", "8.8.8.8", "81.2.69.142"
	};

	netjoin(a);
	set_ip(a, ips[i]);
}

static void
mk_country(struct alert *a, int i)
{
	static const char *const ips[] = {
		"81.2.69.142", "2.125.160.216", "89.160.20.112", "8.8.8.8",
		"1.128.0.1"
	};

	netjoin(a);
	set_ip(a, ips[i]);
}

static const struct kcase kcases[] = {
	{ "sha1", ALLOW_SHA1,
	    "[allow]\nsha1 = ABABABABABABABABABABABABABABABABABABABAB\n",
	    mk_sha1, 5, 0x1 | 0x10 },
	{ "path", ALLOW_PATH,
	    "[allow]\npath = C:\\Program Files\\Vendor\\*\n",
	    mk_path, 7, 0x1 | 0x4 | 0x8 | 0x20 },
	{ "signer", ALLOW_SIGNER,
	    "[allow]\nsigner = Contoso Test*\n",
	    mk_signer, 5, 0x1 | 0x4 | 0x8 },
	{ "device", ALLOW_DEVICE,
	    "[allow]\ndevice = LAB-*\n",
	    mk_device, 4, 0x1 | 0x2 },
	{ "remote", ALLOW_REMOTE,
	    "[allow]\nremote = 81.2.69.128/26, 2001:218::/32\n",
	    mk_remote, 5, 0x1 | 0x4 },
	{ "domain", ALLOW_DOMAIN,
	    "[allow]\ndomain = *.example.com\n",
	    mk_domain, 9, 0xf },
	{ "asn", ALLOW_ASN,
	    "[geoip]\nasn = @D@/mmdb/GeoLite2-ASN-Test.mmdb\n"
	    "[allow]\nasn = AS1221\n",
	    mk_asn, 4, 0x1 },
	{ "country", ALLOW_COUNTRY,
	    "[geoip]\ncity = @D@/mmdb/GeoIP2-City-Test.mmdb\n"
	    "[allow]\ncountry = gb\n",
	    mk_country, 5, 0x3 },
};

START_TEST(test_enrich_allow_kinds)
{
	const struct kcase	*kc = &kcases[_i];
	struct alert_sink	 in;
	struct enrich_stats	 st;
	struct enrich		*e;
	struct seen		 s;
	struct alert		 a;
	int			 i, k, named = 0;

	e = enrich_text(kc->conf, &s, &in);
	for (i = 0; i < kc->nalerts; i++) {
		kc->make(&a, i);
		in.emit(in.arg, &a);
		if (kc->named & (1u << i))
			named++;
		ck_assert_msg(s.n == (size_t)(i + 1 - named), "%s: alert %d "
		    "%s", kc->name, i, kc->named & (1u << i) ?
		    "was sent" : "was suppressed");
	}
	enrich_get_stats(e, &st);
	ck_assert_uint_eq(st.alerts, (uint64_t)kc->nalerts);
	ck_assert_uint_eq(st.sent, (uint64_t)(kc->nalerts - named));
	for (k = 0; k < ALLOW_NKINDS; k++)
		ck_assert_uint_eq(suppressed(e, ALLOW_ALL, k),
		    k == (int)kc->kind ? (uint64_t)named : 0);
	ck_assert_uint_eq(suppressed_total(e), (uint64_t)named);
	enrich_free(e);
}
END_TEST

/* [allow imageload] leaves netjoin alone, and the other way round. */
START_TEST(test_enrich_scopes)
{
	struct alert_sink	 in;
	struct enrich		*e;
	struct seen		 s;
	struct alert		 a;

	e = enrich_text("[allow imageload]\nsigner = Contoso*\n"
	    "[allow netjoin]\npath = *\\Desktop\\*\n", &s, &in);
	netjoin(&a);
	a.sig_signer = SL("Contoso Ltd");
	a.image = SL("C:\\tools\\x.exe");
	in.emit(in.arg, &a);
	ck_assert_uint_eq(s.n, 1);
	imageload(&a);
	a.image_loaded = SL("C:\\Users\\bob\\Desktop\\y.dll");
	a.sig_signer = SL("Fabrikam");
	in.emit(in.arg, &a);
	ck_assert_uint_eq(s.n, 2);
	imageload(&a);
	in.emit(in.arg, &a);
	report(&a);
	in.emit(in.arg, &a);
	netjoin(&a);
	in.emit(in.arg, &a);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(suppressed(e, ALLOW_IMAGELOAD, ALLOW_SIGNER), 2);
	ck_assert_uint_eq(suppressed(e, ALLOW_NETJOIN, ALLOW_PATH), 1);
	ck_assert_uint_eq(suppressed_total(e), 3);
	assert_stats_has(e, "signetd: allow imageload: suppressed signer 2\n");
	assert_stats_has(e, "signetd: allow netjoin: suppressed path 1\n");
	assert_stats_has(e, "signetd: allow imageload signer \"Contoso*\": "
	    "hits 2 (" TMPCONF ":1)\n");
	assert_stats_has(e, "signetd: enrich: alerts 5 sent 2 suppressed 3 ");
	enrich_free(e);
}
END_TEST

/*
 * The first entry takes the hit: the rule's own lists before [allow],
 * kinds in their order, entries as written.
 */
START_TEST(test_enrich_first_entry)
{
	struct alert_sink	 in;
	struct enrich		*e;
	struct seen		 s;
	struct alert		 a;

	e = enrich_text("[allow]\nsha1 = " "2222222222222222222222222222222222"
	    "222222\ndevice = ws*, WS01\n"
	    "[allow netjoin]\nremote = 81.2.69.0/24, 81.2.69.142\n", &s, &in);
	netjoin(&a);
	in.emit(in.arg, &a);
	ck_assert_uint_eq(suppressed(e, ALLOW_NETJOIN, ALLOW_REMOTE), 1);
	imageload(&a);
	in.emit(in.arg, &a);
	ck_assert_uint_eq(suppressed(e, ALLOW_ALL, ALLOW_DEVICE), 1);
	netjoin(&a);
	set_ip(&a, "89.160.20.112");
	in.emit(in.arg, &a);
	ck_assert_uint_eq(suppressed(e, ALLOW_ALL, ALLOW_SHA1), 1);
	ck_assert_uint_eq(s.n, 0);
	assert_stats_has(e, "allow netjoin remote \"81.2.69.0/24\": hits 1 ");
	assert_stats_has(e, "allow netjoin remote \"81.2.69.142/32\": hits 0 ");
	assert_stats_has(e, "allow all device \"ws*\": hits 1 ");
	assert_stats_has(e, "allow all device \"WS01\": hits 0 ");
	assert_stats_has(e, "allow all sha1 \"2222222222222222222222222222222"
	    "222222222\": hits 1 ");
	enrich_free(e);
}
END_TEST

/* Without GeoIP an alert passes as it came, but for its severity. */
START_TEST(test_enrich_passthrough)
{
	struct alert_sink	 in;
	struct enrich		*e;
	struct seen		 s;
	struct alert		 a;

	e = enrich_text("", &s, &in);
	netjoin(&a);
	a.severity = SEV_LOW;
	in.emit(in.arg, &a);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(s.sev[0], SEV_HIGH);
	ck_assert(alert_geo_empty(&s.geo[0]));
	assert_stats_has(e, "signetd: enrich: alerts 1 sent 1 suppressed 0 "
	    "escalated 0 reloads 0 reload_failures 0\n");
	enrich_free(e);
}
END_TEST

/*
 * GeoIP data reaches the outputs; entries by country are tested with
 * it, so the lookup comes first then; otherwise only alerts that are
 * sent are looked up.
 */
START_TEST(test_enrich_geo)
{
	struct alert_sink	 in;
	struct enrich_stats	 st;
	struct enrich		*e;
	struct seen		 s;
	struct alert		 a;

	e = enrich_text("[geoip]\ncity = @D@/mmdb/GeoIP2-City-Test.mmdb\n"
	    "asn = @D@/mmdb/GeoLite2-ASN-Test.mmdb\n"
	    "[allow netjoin]\nremote = 10.0.0.0/8\n", &s, &in);
	netjoin(&a);
	in.emit(in.arg, &a);
	set_ip(&a, "1.128.0.1");
	in.emit(in.arg, &a);
	set_ip(&a, "8.8.8.8");
	in.emit(in.arg, &a);
	set_ip(&a, "10.1.2.3");
	in.emit(in.arg, &a);
	imageload(&a);
	in.emit(in.arg, &a);
	ck_assert_uint_eq(s.n, 4);
	ck_assert_uint_eq(s.geo[0].country_iso.n, 2);
	ck_assert_int_eq(memcmp(s.geo[0].country_iso.p, "GB", 2), 0);
	ck_assert_int_eq(memcmp(s.geo[0].city.p, "London", 6), 0);
	ck_assert_int_eq(s.geo[1].has_asn, 1);
	ck_assert_uint_eq(s.geo[1].asn, 1221);
	ck_assert(alert_geo_empty(&s.geo[2]));
	ck_assert(alert_geo_empty(&s.geo[3]));
	enrich_get_stats(e, &st);
	/* The suppressed alert and the imageload one were not looked up. */
	ck_assert_uint_eq(st.geoip.lookups, 3);
	ck_assert_uint_eq(st.geoip.found, 2);
	enrich_free(e);

	e = enrich_text("[geoip]\ncity = @D@/mmdb/GeoIP2-City-Test.mmdb\n"
	    "[allow netjoin]\nremote = 10.0.0.0/8\ncountry = SE\n", &s, &in);
	netjoin(&a);
	set_ip(&a, "10.1.2.3");
	in.emit(in.arg, &a);
	set_ip(&a, "89.160.20.112");
	in.emit(in.arg, &a);
	ck_assert_uint_eq(s.n, 0);
	enrich_get_stats(e, &st);
	ck_assert_uint_eq(st.geoip.lookups, 2);
	ck_assert_uint_eq(suppressed(e, ALLOW_NETJOIN, ALLOW_COUNTRY), 1);
	assert_stats_has(e, "signetd: geoip: lookups 2 cached 0 found 1 "
	    "not_found 1 errors 0\n");
	enrich_free(e);
}
END_TEST

/* Status map, default, reports, and escalation by country and ASN. */
START_TEST(test_enrich_severity)
{
	struct alert_sink	 in;
	struct enrich_stats	 st;
	struct enrich		*e;
	struct seen		 s;
	struct alert		 a;

	e = enrich_text("[geoip]\ncity = @D@/mmdb/GeoIP2-City-Test.mmdb\n"
	    "asn = @D@/mmdb/GeoLite2-ASN-Test.mmdb\n"
	    "[severity]\ndefault = medium\ncritical = Revoked\n"
	    "high = unsigned\nlow = Expired\ninfo = Valid\n"
	    "escalate_country = se\nescalate_asn = 1221\n", &s, &in);
	netjoin(&a);			/* Unsigned, GB */
	in.emit(in.arg, &a);
	a.sig_status = SL("Untrusted");	/* not listed: the default */
	in.emit(in.arg, &a);
	set_ip(&a, "89.160.20.112");	/* SE */
	in.emit(in.arg, &a);
	set_ip(&a, "1.128.0.1");	/* AS1221 */
	in.emit(in.arg, &a);
	imageload(&a);			/* Expired */
	in.emit(in.arg, &a);
	a.sig_status = SL("REVOKED");
	in.emit(in.arg, &a);
	report(&a);			/* Expired */
	in.emit(in.arg, &a);
	a.statuses[1] = SL("Revoked");
	a.nstatuses = 2;
	in.emit(in.arg, &a);
	a.statuses[0] = SL("Valid");
	a.nstatuses = 1;
	in.emit(in.arg, &a);
	a.statuses[0] = SL("Invalid");
	in.emit(in.arg, &a);
	netjoin(&a);
	a.has_sig = 0;			/* no status at all */
	in.emit(in.arg, &a);
	ck_assert_uint_eq(s.n, 11);
	ck_assert_int_eq(s.sev[0], SEV_HIGH);
	ck_assert_int_eq(s.sev[1], SEV_MEDIUM);
	ck_assert_int_eq(s.sev[2], SEV_CRITICAL);
	ck_assert_int_eq(s.sev[3], SEV_CRITICAL);
	ck_assert_int_eq(s.sev[4], SEV_LOW);
	ck_assert_int_eq(s.sev[5], SEV_CRITICAL);
	ck_assert_int_eq(s.sev[6], SEV_LOW);
	ck_assert_int_eq(s.sev[7], SEV_CRITICAL);
	ck_assert_int_eq(s.sev[8], SEV_INFO);
	ck_assert_int_eq(s.sev[9], SEV_MEDIUM);
	ck_assert_int_eq(s.sev[10], SEV_MEDIUM);
	enrich_get_stats(e, &st);
	ck_assert_uint_eq(st.escalated, 2);
	assert_stats_has(e, "signetd: escalate country \"SE\": hits 1 (");
	assert_stats_has(e, "signetd: escalate asn \"AS1221\": hits 1 (");
	enrich_free(e);
}
END_TEST

/* A list file: entries as written, found by kind, hits at file:line. */
START_TEST(test_enrich_list_file)
{
	struct alert_sink	 in;
	struct enrich		*e;
	struct conf		*c;
	struct seen		 s;
	struct alert		 a;
	FILE			*fp;
	char			 buf[1024];
	size_t			 n;

	e = enrich_text("[allow]\nfile = @D@/enrich/allow.list\n"
	    "[geoip]\nasn = @D@/mmdb/GeoLite2-ASN-Test.mmdb\n"
	    "city = @D@/mmdb/GeoIP2-City-Test.mmdb\n"
	    "[allow netjoin]\nfile = @D@/enrich/geo.list\n", &s, &in);
	netjoin(&a);
	memset(a.sha1, 0x11, sizeof(a.sha1));
	in.emit(in.arg, &a);
	netjoin(&a);
	a.image = SL("C:\\Program Files (x86)\\Vendor, Inc\\bin\\x.exe");
	in.emit(in.arg, &a);
	netjoin(&a);
	a.sig_signer = SL("Fabrikam Test Signing, Beta");
	in.emit(in.arg, &a);
	imageload(&a);
	a.device_id = SL("build-17");
	in.emit(in.arg, &a);
	netjoin(&a);
	set_ip(&a, "203.0.113.9");
	in.emit(in.arg, &a);
	netjoin(&a);
	a.remote_url = SL("eu.cdn.example.net");
	in.emit(in.arg, &a);
	netjoin(&a);
	set_ip(&a, "1.128.0.1");
	in.emit(in.arg, &a);
	set_ip(&a, "89.160.20.112");
	in.emit(in.arg, &a);
	ck_assert_uint_eq(s.n, 0);
	netjoin(&a);
	in.emit(in.arg, &a);
	ck_assert_uint_eq(s.n, 1);
	assert_stats_has(e, "allow all sha1 \"11111111111111111111111111111"
	    "11111111111\": hits 1 (" TESTDATA "/enrich/allow.list:3)\n");
	assert_stats_has(e, "allow all path \"C:\\Program Files (x86)\\Vendor,"
	    " Inc\\*\": hits 1 (" TESTDATA "/enrich/allow.list:4)\n");
	assert_stats_has(e, "allow all device \"build-*\": hits 1 (" TESTDATA
	    "/enrich/allow.list:8)\n");
	assert_stats_has(e, "allow netjoin asn \"AS1221\": hits 1 (" TESTDATA
	    "/enrich/geo.list:3)\n");
	assert_stats_has(e, "allow netjoin country \"SE\": hits 1 (" TESTDATA
	    "/enrich/geo.list:4)\n");
	assert_stats_has(e, "signetd: allow all: suppressed sha1 1 path 1 "
	    "signer 1 device 1 remote 1 domain 1\n");
	enrich_free(e);

	/* signetd -t: what each list holds. */
	fp = tmpfile();
	ck_assert_ptr_nonnull(fp);
	c = conf_text("[allow]\nfile = @D@/enrich/allow.list\n"
	    "sha1 = 0000000000000000000000000000000000000000\n"
	    "[allow imageload]\nsigner = a, b\n[severity]\n");
	ck_assert_int_eq(enrich_test(c, fp), 0);
	conf_free(c);
	rewind(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	ck_assert_str_eq(buf, "allow all: 2 sha1, 1 path, 1 signer, 1 device, "
	    "1 remote, 1 domain\nallow imageload: 2 signer\n");
}
END_TEST

/*
 * A list file with mistakes: each is reported as file:line, and the
 * stage is not built.
 */
START_TEST(test_enrich_bad_list)
{
	struct alert_sink	 out = { seen_emit, NULL };
	struct conf		*c;
	FILE			*err;
	char			 buf[2048];
	size_t			 n;

	c = conf_text("[allow netjoin]\nfile = @D@/enrich/bad.list\n");
	err = tmpfile();
	ck_assert_ptr_nonnull(err);
	ck_assert_ptr_null(enrich_new(c, &out, err));
	ck_assert_int_eq(enrich_test(c, err), 1);
	rewind(err);
	n = fread(buf, 1, sizeof(buf) - 1, err);
	buf[n] = '\0';
	fclose(err);
	ck_assert_str_eq(buf,
	    LISTS "/bad.list:2: sha1: 'xyz' is not a SHA1 (40 hex digits)\n"
	    LISTS "/bad.list:3: unknown kind 'colour' (sha1, path, signer, "
	    "device, remote, domain, asn or country)\n"
	    LISTS "/bad.list:4: path: empty value\n"
	    LISTS "/bad.list:5: remote: '300.1.1.1' is not an address or "
	    "prefix\n"
	    LISTS "/bad.list:6: asn entries need the asn database in [geoip]\n"
	    /* and again for signetd -t */
	    LISTS "/bad.list:2: sha1: 'xyz' is not a SHA1 (40 hex digits)\n"
	    LISTS "/bad.list:3: unknown kind 'colour' (sha1, path, signer, "
	    "device, remote, domain, asn or country)\n"
	    LISTS "/bad.list:4: path: empty value\n"
	    LISTS "/bad.list:5: remote: '300.1.1.1' is not an address or "
	    "prefix\n"
	    LISTS "/bad.list:6: asn entries need the asn database in "
	    "[geoip]\n");
	conf_free(c);
}
END_TEST

/* The values allow_item_check() takes, and their canonical text. */
START_TEST(test_enrich_allow_values)
{
	static const struct {
		enum allow_kind	 kind;
		const char	*in;
		const char	*text;	/* NULL: refused */
	} v[] = {
		{ ALLOW_SHA1, "AbCdEf0123456789abcdef0123456789ABCDEF01",
		    "abcdef0123456789abcdef0123456789abcdef01" },
		{ ALLOW_SHA1, "abcdef0123456789abcdef0123456789abcdef0", NULL },
		{ ALLOW_SHA1, "abcdef0123456789abcdef0123456789abcdef0g",
		    NULL },
		{ ALLOW_REMOTE, "10.1.2.3/8", "10.0.0.0/8" },
		{ ALLOW_REMOTE, "2001:DB8::1", "2001:db8::1/128" },
		{ ALLOW_REMOTE, "10.0.0.0/33", NULL },
		{ ALLOW_DOMAIN, "*.Example.COM.", "example.com" },
		{ ALLOW_DOMAIN, ".example.com", "example.com" },
		{ ALLOW_DOMAIN, "a..b", NULL },
		{ ALLOW_DOMAIN, "*", NULL },
		{ ALLOW_DOMAIN, "ex ample.com", NULL },
		{ ALLOW_ASN, "as64496", "AS64496" },
		{ ALLOW_ASN, "4294967295", "AS4294967295" },
		{ ALLOW_ASN, "4294967296", NULL },
		{ ALLOW_ASN, "AS", NULL },
		{ ALLOW_ASN, "0", NULL },
		{ ALLOW_COUNTRY, "gb", "GB" },
		{ ALLOW_COUNTRY, "G1", NULL },
		{ ALLOW_COUNTRY, "GBR", NULL },
		{ ALLOW_PATH, "C:\\x\\*", "C:\\x\\*" },
		{ ALLOW_PATH, "a\tb", NULL },
		{ ALLOW_SIGNER, "", NULL },
	};
	struct allow_set	*set;
	struct allow_entry	*ent;
	char			 why[256];
	size_t			 i;

	set = allow_set_new();
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_int_eq(allow_item_check(v[i].kind, v[i].in, why,
		    sizeof(why)), v[i].text != NULL ? 0 : -1);
		if (v[i].text == NULL)
			continue;
		ck_assert_int_eq(allow_add(set, ALLOW_ALL, v[i].kind, v[i].in,
		    "f", 1, why, sizeof(why)), 0);
		ent = allow_entry_at(set, ALLOW_ALL, v[i].kind,
		    allow_count(set, ALLOW_ALL, v[i].kind) - 1);
		ck_assert_ptr_nonnull(ent);
		ck_assert_str_eq(ent->text, v[i].text);
	}
	ck_assert_int_eq(allow_kind_parse("domain"), ALLOW_DOMAIN);
	ck_assert_int_eq(allow_kind_parse("file"), -1);
	ck_assert_int_eq(allow_scope_parse("all"), ALLOW_ALL);
	ck_assert_int_eq(allow_scope_parse("rule"), -1);
	ck_assert_ptr_null(allow_entry_at(set, ALLOW_ALL, ALLOW_DEVICE, 0));
	allow_set_free(set);
	allow_set_free(NULL);
}
END_TEST

/*
 * A reload with a changed list file takes effect at once and keeps the
 * hits of entries that stay; a bad list file or database keeps what is
 * in use.
 */
START_TEST(test_enrich_reload)
{
	static const char	 text[] =
	    "[geoip]\ncity = @D@/mmdb/GeoIP2-City-Test.mmdb\n"
	    "[allow netjoin]\nfile = " TMPLIST "\n";
	struct alert_sink	 in;
	struct enrich_stats	 st;
	struct enrich		*e;
	struct conf		*c;
	struct seen		 s;
	struct alert		 a;
	FILE			*err;

	write_list("remote 81.2.69.142\n");
	e = enrich_text(text, &s, &in);
	netjoin(&a);
	in.emit(in.arg, &a);			/* suppressed */
	netjoin(&a);
	set_ip(&a, "89.160.20.112");
	in.emit(in.arg, &a);			/* sent */
	ck_assert_uint_eq(s.n, 1);

	write_list("country SE\nremote 81.2.69.142\n");
	c = conf_text(text);
	ck_assert_int_eq(enrich_reload(e, c, stderr), 0);
	conf_free(c);
	in.emit(in.arg, &a);			/* now suppressed */
	netjoin(&a);
	in.emit(in.arg, &a);			/* still suppressed */
	ck_assert_uint_eq(s.n, 1);
	assert_stats_has(e, "allow netjoin remote \"81.2.69.142/32\": hits 2 "
	    "(" TMPLIST ":2)\n");
	assert_stats_has(e, "allow netjoin country \"SE\": hits 1 (" TMPLIST
	    ":1)\n");

	/* A bad line: the lists in use stay. */
	write_list("remote 81.2.69.142\nremote nonsense\n");
	c = conf_text(text);
	err = tmpfile();
	ck_assert_int_eq(enrich_reload(e, c, err), -1);
	fclose(err);
	/* A database gone bad since the file was checked: likewise. */
	free(c->geoip_city);
	c->geoip_city = xstrdup(MMDB "/GeoIP2-City-Test-Invalid-Node-Count"
	    ".mmdb");
	write_list("remote 81.2.69.142\n");
	err = tmpfile();
	ck_assert_int_eq(enrich_reload(e, c, err), -1);
	fclose(err);
	conf_free(c);
	netjoin(&a);
	set_ip(&a, "89.160.20.112");
	in.emit(in.arg, &a);			/* SE: still suppressed */
	ck_assert_uint_eq(s.n, 1);
	enrich_get_stats(e, &st);
	ck_assert_uint_eq(st.reloads, 1);
	ck_assert_uint_eq(st.reload_failures, 2);
	/* GeoIP lookups of the databases before the reload still count. */
	ck_assert_uint_eq(st.geoip.lookups, 4);
	ck_assert_uint_eq(suppressed(e, ALLOW_NETJOIN, ALLOW_COUNTRY), 2);
	ck_assert_uint_eq(suppressed(e, ALLOW_NETJOIN, ALLOW_REMOTE), 2);
	enrich_free(e);
	remove(TMPLIST);
	remove(TMPCONF);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("enrich");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_enrich_allow_kinds, 0,
	    sizeof(kcases) / sizeof(kcases[0]));
	tcase_add_test(tc, test_enrich_scopes);
	tcase_add_test(tc, test_enrich_first_entry);
	tcase_add_test(tc, test_enrich_passthrough);
	tcase_add_test(tc, test_enrich_geo);
	tcase_add_test(tc, test_enrich_severity);
	tcase_add_test(tc, test_enrich_list_file);
	tcase_add_test(tc, test_enrich_bad_list);
	tcase_add_test(tc, test_enrich_allow_values);
	tcase_add_test(tc, test_enrich_reload);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
