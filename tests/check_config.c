/*
 * signetd: tests of config.c: the defaults, the value syntax, the
 * example files, every kind of error with its exact file:line text,
 * garbage input, and that the example configuration and the manual
 * name every option of the table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "config.h"
#include "addr.h"
#include "conf.h"
#include "xmalloc.h"

#define CONF_DIR	TESTDATA "/conf"
#define TOP		TESTDATA "/../.."

#define US(x)		((int64_t)(x) * 1000000)

/* The bad files; each X.conf has its expected messages in X.err. */
static const char *const bad_files[] = {
	"bad-clash", "bad-duplicate", "bad-enrich", "bad-key", "bad-lateness",
	"bad-list", "bad-metrics", "bad-metrics2",
	"bad-listen", "bad-long", "bad-needs", "bad-output", "bad-section",
	"bad-syntax", "bad-value",
};

/* The whole of a file, or of what a FILE * holds, NUL-terminated. */
static char *
slurp_fp(FILE *fp)
{
	char	*buf;
	long	 len;

	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	ck_assert_int_ge(len, 0);
	rewind(fp);
	buf = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, fp), (size_t)len);
	buf[len] = '\0';
	return (buf);
}

static char *
slurp(const char *path)
{
	FILE	*fp;
	char	*buf;

	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	buf = slurp_fp(fp);
	fclose(fp);
	return (buf);
}

/* Load path over the defaults; *msgs gets what was reported. */
static struct conf *
load(const char *path, int *nerr, char **msgs)
{
	struct conf	*c;
	FILE		*err;

	err = tmpfile();
	ck_assert_ptr_nonnull(err);
	c = conf_new();
	*nerr = conf_load(c, path, err);
	*msgs = slurp_fp(err);
	fclose(err);
	return (c);
}

/* Load a file that must be clean. */
static struct conf *
load_ok(const char *path)
{
	struct conf	*c;
	char		*msgs;
	int		 nerr;

	c = load(path, &nerr, &msgs);
	ck_assert_msg(nerr == 0, "%s: %d errors:\n%s", path, nerr, msgs);
	ck_assert_str_eq(msgs, "");
	free(msgs);
	return (c);
}

/* conf_dump() less its first line, which names the file. */
static char *
dump(const struct conf *c)
{
	FILE	*fp;
	char	*buf, *nl;

	fp = tmpfile();
	ck_assert_ptr_nonnull(fp);
	conf_dump(c, fp);
	buf = slurp_fp(fp);
	fclose(fp);
	ck_assert_msg(strncmp(buf, "# ", 2) == 0 &&
	    (nl = strchr(buf, '\n')) != NULL, "dump header");
	memmove(buf, nl + 1, strlen(nl + 1) + 1);
	return (buf);
}

/*
 * A scratch file in the working directory (the build tree under make
 * check); the tests of one program run one after the other.
 */
static char *
write_tmp(const void *data, size_t len)
{
	char	*path;
	FILE	*fp;

	path = xstrdup("check_config.tmp");
	fp = fopen(path, "wb");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
	return (path);
}

static void
assert_cidr(const struct cidr *c, const char *want)
{
	struct cidr	 w;

	ck_assert_int_eq(cidr_parse(want, strlen(want), &w), 0);
	ck_assert_msg(c->plen == w.plen && memcmp(&c->net, &w.net,
	    sizeof(w.net)) == 0, "prefix is not %s", want);
}

static void
assert_special_prefix(const struct cidr_list *l)
{
	struct cidr_list	 special;
	size_t			 i;

	cidr_list_init(&special);
	cidr_list_add_special(&special);
	ck_assert_uint_ge(l->n, special.n);
	for (i = 0; i < special.n; i++) {
		ck_assert_uint_eq(l->v[i].plen, special.v[i].plen);
		ck_assert_mem_eq(&l->v[i].net, &special.v[i].net,
		    sizeof(special.v[i].net));
	}
	cidr_list_clear(&special);
}

/* A listener with the defaults of every option its proto has. */
static void
assert_listen_defaults(const struct conf_listen *l, const char *name,
    enum listen_proto proto)
{
	ck_assert_str_eq(l->name, name);
	ck_assert_int_eq(l->proto, proto);
	ck_assert_uint_eq(l->naddresses, 2);
	ck_assert_str_eq(l->addresses[0], "127.0.0.1");
	ck_assert_str_eq(l->addresses[1], "::1");
	ck_assert_ptr_null(l->addresses[2]);
	ck_assert_uint_eq(l->port, 5514);
	ck_assert_uint_eq(l->allow.n, 0);
	ck_assert_uint_eq(l->max_connections, 1024);
	ck_assert_uint_eq(l->max_per_source, 64);
	ck_assert_int_eq(l->idle_timeout, US(300));
	ck_assert_uint_eq(l->rcvbuf, UINT64_C(4) << 20);
	ck_assert_int_eq(l->client_cert, CLIENT_CERT_NONE);
	ck_assert_ptr_null(l->ca_file);
	ck_assert_int_eq(l->handshake_timeout, US(10));
}

START_TEST(test_config_defaults)
{
	static const char *const statuses[] = {
		"Invalid", "Expired", "Revoked", "Untrusted"
	};
	struct conf	*c;
	size_t		 i;

	c = conf_new();
	ck_assert_ptr_null(c->file);
	ck_assert_uint_eq(c->state_memory, UINT64_C(1) << 30);
	ck_assert_int_eq(c->lateness, US(300));
	ck_assert_int_eq(c->future_skew, US(3600));
	ck_assert_uint_eq(c->max_message, 65536);
	ck_assert_int_eq(c->tick, 250000);
	ck_assert_uint_eq(c->expire_budget, 1000);
	ck_assert_int_eq(c->stop_timeout, US(5));
	ck_assert_int_eq(c->stats_interval, US(60));
	ck_assert_int_eq(c->netjoin, 1);
	ck_assert_int_eq(c->window, US(86400));
	ck_assert_int_eq(c->suppress, US(3600));
	assert_special_prefix(&c->internal);
	ck_assert_uint_eq(c->internal.n, 21);
	ck_assert_int_eq(c->imageload, 1);
	ck_assert_int_eq(c->period, US(3600));
	ck_assert_uint_eq(c->threshold, 10);
	ck_assert_uint_eq(c->nstatuses, 4);
	for (i = 0; i < 4; i++)
		ck_assert_str_eq(c->statuses[i], statuses[i]);
	ck_assert_uint_eq(c->noutputs, 1);
	ck_assert_str_eq(c->outputs[0].name, "stdout");
	ck_assert_int_eq(c->outputs[0].type, OUT_STDOUT);
	ck_assert_int_eq(c->outputs[0].format, FMT_TEXT);
	ck_assert_ptr_null(c->outputs[0].path);
	/* No allowlists, no GeoIP, every alert high. */
	ck_assert_uint_eq(c->nallows, 0);
	ck_assert_ptr_null(c->geoip_city);
	ck_assert_ptr_null(c->geoip_country);
	ck_assert_ptr_null(c->geoip_asn);
	ck_assert_uint_eq(c->geoip_cache, 1024);
	ck_assert_int_eq(c->severity, 3);
	ck_assert_uint_eq(c->sev_critical.n + c->sev_high.n +
	    c->sev_medium.n + c->sev_low.n + c->sev_info.n, 0);
	ck_assert_uint_eq(c->escalate_country.n + c->escalate_asn.n, 0);
	/* UDP and TCP on loopback, port 5514. */
	ck_assert_uint_eq(c->nlistens, 2);
	assert_listen_defaults(&c->listens[0], "udp", PROTO_UDP);
	assert_listen_defaults(&c->listens[1], "tcp", PROTO_TCP);
	for (i = 0; i < 2; i++) {
		ck_assert_ptr_null(c->listens[i].cert_file);
		ck_assert_ptr_null(c->listens[i].key_file);
		ck_assert_int_eq(c->listens[i].line, 0);
	}
	conf_free(c);
	conf_free(NULL);
}
END_TEST

START_TEST(test_config_duration)
{
	static const struct {
		const char	*s;
		int		 ok;
		int64_t		 us;
	} cases[] = {
		{ "0", 1, 0 }, { "1", 1, US(1) }, { "90", 1, US(90) },
		{ "250ms", 1, 250000 }, { "1ms", 1, 1000 }, { "0ms", 1, 0 },
		{ "90s", 1, US(90) }, { "5m", 1, US(300) },
		{ "24h", 1, US(86400) }, { "30d", 1, US(30 * 86400) },
		{ "007s", 1, US(7) },
		{ "9223372036854s", 1, US(INT64_C(9223372036854)) },
		{ "9223372036855s", 0, 0 },
		{ "106751991d", 1, US(INT64_C(106751991) * 86400) },
		{ "106751992d", 0, 0 },
		{ "9223372036854775807ms", 0, 0 },
		{ "99999999999999999999", 0, 0 },
		{ "", 0, 0 }, { "s", 0, 0 }, { "-1", 0, 0 }, { "-1s", 0, 0 },
		{ "+1s", 0, 0 }, { "1.5h", 0, 0 }, { "1h30m", 0, 0 },
		{ "5 m", 0, 0 }, { " 5m", 0, 0 }, { "5m ", 0, 0 },
		{ "5M", 0, 0 }, { "5H", 0, 0 }, { "5us", 0, 0 },
		{ "5w", 0, 0 }, { "5mss", 0, 0 }, { "0x10", 0, 0 },
	};
	int64_t	 v;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = -42;
		ck_assert_msg(conf_parse_duration(cases[i].s, &v) ==
		    (cases[i].ok ? 0 : -1), "'%s'", cases[i].s);
		if (cases[i].ok)
			ck_assert_msg(v == cases[i].us, "'%s' gave %lld",
			    cases[i].s, (long long)v);
		else
			ck_assert_int_eq(v, -42);
	}
}
END_TEST

START_TEST(test_config_size)
{
	static const struct {
		const char	*s;
		int		 ok;
		uint64_t	 v;
	} cases[] = {
		{ "0", 1, 0 }, { "1", 1, 1 }, { "1B", 1, 1 }, { "1b", 1, 1 },
		{ "1K", 1, 1024 }, { "1k", 1, 1024 }, { "1KB", 1, 1024 },
		{ "1kb", 1, 1024 }, { "64K", 1, 65536 },
		{ "16M", 1, UINT64_C(16) << 20 },
		{ "1G", 1, UINT64_C(1) << 30 },
		{ "1GB", 1, UINT64_C(1) << 30 }, { "2T", 1, UINT64_C(2) << 40 },
		{ "16777215T", 1, UINT64_C(16777215) << 40 },
		{ "16777216T", 0, 0 },
		{ "18446744073709551615", 1, UINT64_MAX },
		{ "18446744073709551616", 0, 0 },
		{ "", 0, 0 }, { "K", 0, 0 }, { "1P", 0, 0 }, { "1.5K", 0, 0 },
		{ "1 K", 0, 0 }, { "-1K", 0, 0 }, { "1KBB", 0, 0 },
		{ "1BK", 0, 0 }, { "1KiB", 0, 0 }, { " 1K", 0, 0 },
	};
	uint64_t	 v;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 42;
		ck_assert_msg(conf_parse_size(cases[i].s, &v) ==
		    (cases[i].ok ? 0 : -1), "'%s'", cases[i].s);
		ck_assert_msg(v == (cases[i].ok ? cases[i].v : 42), "'%s'",
		    cases[i].s);
	}
}
END_TEST

/* [metrics] listen: a literal IP, bracketed for IPv6, and a port. */
START_TEST(test_config_hostport)
{
	static const struct {
		const char	*s;
		const char	*addr;	/* NULL: refused */
		uint16_t	 port;
	} cases[] = {
		{ "127.0.0.1:9464", "127.0.0.1", 9464 },
		{ "[::1]:1", "::1", 1 }, { "0.0.0.0:65535", "0.0.0.0", 65535 },
		{ "[::]:80", "::", 80 },
		{ "127.0.0.1:0", NULL, 0 }, { "127.0.0.1:65536", NULL, 0 },
		{ "127.0.0.1:", NULL, 0 }, { "127.0.0.1", NULL, 0 },
		{ "::1:9464", NULL, 0 }, { "[::1]9464", NULL, 0 },
		{ "[::1:9464", NULL, 0 }, { "localhost:9464", NULL, 0 },
		{ "127.0.0.1:94x", NULL, 0 }, { ":9464", NULL, 0 },
		{ "127.0.0.1:-1", NULL, 0 }, { "", NULL, 0 },
	};
	struct in6_addr	 a;
	char		 buf[ADDR_STRLEN];
	uint16_t	 port;
	size_t		 i;
	int		 rv;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		port = 7;
		rv = conf_parse_hostport(cases[i].s, &a, &port);
		if (cases[i].addr == NULL) {
			ck_assert_msg(rv == -1 && port == 7, "'%s'",
			    cases[i].s);
			continue;
		}
		ck_assert_msg(rv == 0, "'%s'", cases[i].s);
		addr_format(&a, buf, sizeof(buf));
		ck_assert_str_eq(buf, cases[i].addr);
		ck_assert_uint_eq(port, cases[i].port);
	}
}
END_TEST

/* Booleans, through a file since they have no public parser. */
START_TEST(test_config_bool)
{
	static const struct {
		const char	*s;
		int		 v;
	} cases[] = {
		{ "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 },
		{ "on", 1 }, { "off", 0 }, { "1", 1 }, { "0", 0 },
		{ "YES", 1 }, { "Off", 0 }, { "y", -1 }, { "2", -1 },
		{ "yes please", -1 }, { "nope", -1 },
	};
	struct conf	*c;
	char		 text[128], *path, *msgs;
	size_t		 i;
	int		 nerr;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[rule netjoin]\nenabled = %s\n"
		    "[rule imageload]\nenabled = %s\n", cases[i].s,
		    cases[i].s);
		path = write_tmp(text, strlen(text));
		c = load(path, &nerr, &msgs);
		if (cases[i].v == -1)
			ck_assert_msg(nerr == 2, "'%s' accepted", cases[i].s);
		else {
			ck_assert_msg(nerr == 0, "'%s': %s", cases[i].s, msgs);
			ck_assert_int_eq(c->netjoin, cases[i].v);
			ck_assert_int_eq(c->imageload, cases[i].v);
		}
		conf_free(c);
		free(msgs);
		remove(path);
		free(path);
	}
}
END_TEST

/* The example of the brief, as operators will write it. */
START_TEST(test_config_example)
{
	struct conf	*c;
	const char	*path = CONF_DIR "/example.conf";

	c = load_ok(path);
	ck_assert_str_eq(c->file, path);
	ck_assert_uint_eq(c->state_memory, UINT64_C(1) << 30);
	ck_assert_int_eq(c->window, US(86400));
	ck_assert_int_eq(c->suppress, US(3600));
	/* internal = 127.0.0.0/8, ::1/128 replaces the default list. */
	ck_assert_uint_eq(c->internal.n, 2);
	assert_cidr(&c->internal.v[0], "127.0.0.0/8");
	assert_cidr(&c->internal.v[1], "::1/128");
	ck_assert_int_eq(c->period, US(3600));
	ck_assert_uint_eq(c->threshold, 10);
	ck_assert_uint_eq(c->nstatuses, 4);
	ck_assert_str_eq(c->statuses[3], "Untrusted");
	/* [output console] replaces the built-in stdout output. */
	ck_assert_uint_eq(c->noutputs, 1);
	ck_assert_str_eq(c->outputs[0].name, "console");
	ck_assert_int_eq(c->outputs[0].type, OUT_STDOUT);
	ck_assert_int_eq(c->outputs[0].format, FMT_JSON);
	ck_assert_int_eq(c->outputs[0].line, 14);
	/* What the file leaves out keeps its default. */
	ck_assert_int_eq(c->lateness, US(300));
	ck_assert_int_eq(c->netjoin, 1);
	ck_assert_uint_eq(c->nlistens, 2);
	ck_assert_str_eq(c->listens[0].name, "udp");
	ck_assert_str_eq(c->listens[1].name, "tcp");
	conf_free(c);
}
END_TEST

/* Listeners of each kind: the file's replace the built-in ones. */
START_TEST(test_config_listen)
{
	struct conf		*c;
	const struct conf_listen *l;

	c = load_ok(CONF_DIR "/listen.conf");
	ck_assert_int_eq(c->stop_timeout, US(30));
	ck_assert_int_eq(c->stats_interval, US(300));
	ck_assert_uint_eq(c->nlistens, 4);

	l = &c->listens[0];
	ck_assert_str_eq(l->name, "syslog-udp");
	ck_assert_int_eq(l->line, 9);
	ck_assert_int_eq(l->proto, PROTO_UDP);
	ck_assert_uint_eq(l->naddresses, 2);
	ck_assert_str_eq(l->addresses[0], "0.0.0.0");
	ck_assert_str_eq(l->addresses[1], "::");
	ck_assert_uint_eq(l->port, 514);
	ck_assert_uint_eq(l->allow.n, 2);
	assert_cidr(&l->allow.v[0], "10.0.0.0/8");
	assert_cidr(&l->allow.v[1], "2001:db8::/32");
	ck_assert_uint_eq(l->rcvbuf, UINT64_C(8) << 20);

	l = &c->listens[1];
	ck_assert_str_eq(l->name, "syslog-tcp");
	ck_assert_int_eq(l->proto, PROTO_TCP);
	ck_assert_uint_eq(l->naddresses, 1);
	ck_assert_str_eq(l->addresses[0], "192.0.2.10");
	ck_assert_uint_eq(l->port, 601);
	/* A list continued on an indented line. */
	ck_assert_uint_eq(l->allow.n, 2);
	assert_cidr(&l->allow.v[1], "10.2.0.0/16");
	ck_assert_uint_eq(l->max_connections, 200);
	ck_assert_uint_eq(l->max_per_source, 4);
	ck_assert_int_eq(l->idle_timeout, US(3600));
	ck_assert_ptr_null(l->cert_file);

	l = &c->listens[2];
	ck_assert_str_eq(l->name, "wef");
	ck_assert_int_eq(l->proto, PROTO_TLS);
	/* Addresses are kept in their canonical form. */
	ck_assert_uint_eq(l->naddresses, 2);
	ck_assert_str_eq(l->addresses[0], "192.0.2.10");
	ck_assert_str_eq(l->addresses[1], "2001:db8::10");
	ck_assert_uint_eq(l->port, 6514);
	ck_assert_uint_eq(l->allow.n, 1);
	ck_assert_uint_eq(l->max_connections, 100);
	ck_assert_uint_eq(l->max_per_source, 2);
	ck_assert_int_eq(l->idle_timeout, US(600));
	ck_assert_str_eq(l->cert_file, "/dev/null");
	ck_assert_str_eq(l->key_file, "/dev/null");
	ck_assert_str_eq(l->ca_file, "/dev/null");
	ck_assert_int_eq(l->client_cert, CLIENT_CERT_REQUIRE);
	ck_assert_int_eq(l->handshake_timeout, US(30));

	/* A TLS listener that sets only what it must. */
	l = &c->listens[3];
	assert_listen_defaults(l, "tls-min", PROTO_TLS);
	ck_assert_str_eq(l->cert_file, "/dev/null");
	ck_assert_int_eq(l->line, 40);
	/* No [output] section: the built-in one stays. */
	ck_assert_uint_eq(c->noutputs, 1);
	conf_free(c);
}
END_TEST

/* Addresses: literal IPs only, canonical, at most CONF_MAX_ADDRS. */
START_TEST(test_config_listen_address)
{
	static const struct {
		const char	*value;
		const char	*want;	/* the addresses, or the error */
	} cases[] = {
		{ "0.0.0.0, ::", "0.0.0.0 ::" },
		{ "::FFFF:127.0.0.1, 0:0:0:0:0:0:0:1", "127.0.0.1 ::1" },
		{ "fe80::1, 2001:0db8::0001", "fe80::1 2001:db8::1" },
		{ "1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4, 5.5.5.5, 6.6.6.6, "
		    "7.7.7.7, 8.8.8.8", "1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4 "
		    "5.5.5.5 6.6.6.6 7.7.7.7 8.8.8.8" },
		{ "1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4, 5.5.5.5, 6.6.6.6, "
		    "7.7.7.7, 8.8.8.8, 9.9.9.9", "address: more than 8 items" },
		{ "127.0.0.1, ::ffff:127.0.0.1",
		    "address: '127.0.0.1' is listed twice" },
		{ "*", "address: '*' is not supported: use 0.0.0.0 and :: for "
		    "every address" },
		{ "localhost", "address: 'localhost' is not an IPv4 or IPv6 "
		    "address" },
		{ "10.0.0.0/8", "address: '10.0.0.0/8' is not an IPv4 or IPv6 "
		    "address" },
		{ "fe80::1%eth0", "address: 'fe80::1%eth0' is not an IPv4 or "
		    "IPv6 address" },
		{ "127.0.0.01", "address: '127.0.0.01' is not an IPv4 or IPv6 "
		    "address" },
		{ "[::1]", "address: '[::1]' is not an IPv4 or IPv6 address" },
	};
	struct conf	*c;
	char		 text[256], got[256], want[512], *path, *msgs;
	size_t		 i, j, n;
	int		 nerr;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[listen x]\nproto = udp\n"
		    "address = %s\n", cases[i].value);
		path = write_tmp(text, strlen(text));
		c = load(path, &nerr, &msgs);
		if (nerr == 0) {
			got[0] = '\0';
			for (j = 0, n = 0; j < c->listens[0].naddresses; j++)
				n += (size_t)snprintf(got + n, sizeof(got) - n,
				    "%s%s", j == 0 ? "" : " ",
				    c->listens[0].addresses[j]);
			ck_assert_str_eq(got, cases[i].want);
		} else {
			snprintf(want, sizeof(want), "%s:3: %s\n", path,
			    cases[i].want);
			ck_assert_str_eq(msgs, want);
			ck_assert_int_eq(nerr, 1);
		}
		conf_free(c);
		free(msgs);
		remove(path);
		free(path);
	}
}
END_TEST

/*
 * Files named by cert_file, key_file and ca_file must be readable when
 * the configuration is loaded, so that signetd -t says when they are not.
 */
START_TEST(test_config_listen_files)
{
	static const char	 fmt[] = "[listen x]\nproto = tls\n"
	    "cert_file = %s\nkey_file = %s\n";
	struct conf		*c;
	char			 text[512], want[512], *path, *msgs;
	int			 nerr;

	/* The scratch file, the configuration itself, can be read. */
	snprintf(text, sizeof(text), fmt, "check_config.tmp",
	    "check_config.tmp");
	path = write_tmp(text, strlen(text));
	c = load(path, &nerr, &msgs);
	ck_assert_msg(nerr == 0, "%s", msgs);
	ck_assert_str_eq(c->listens[0].cert_file, "check_config.tmp");
	conf_free(c);
	free(msgs);
	remove(path);
	free(path);

	/* Relative to the working directory, as the daemon would open. */
	snprintf(text, sizeof(text), fmt, "no-such.crt", ".");
	path = write_tmp(text, strlen(text));
	c = load(path, &nerr, &msgs);
	snprintf(want, sizeof(want), "%s:3: cert_file: no-such.crt: No such "
	    "file or directory\n%s:4: key_file: .: Is a directory\n", path,
	    path);
	ck_assert_str_eq(msgs, want);
	ck_assert_int_eq(nerr, 2);
	ck_assert_ptr_null(c->listens[0].cert_file);
	conf_free(c);
	free(msgs);
	remove(path);
	free(path);
}
END_TEST

START_TEST(test_config_syntax)
{
	struct conf	*c;

	c = load_ok(CONF_DIR "/syntax.conf");
	ck_assert_uint_eq(c->state_memory, UINT64_C(512) << 20);
	ck_assert_int_eq(c->lateness, US(30));
	ck_assert_int_eq(c->tick, US(1));
	ck_assert_int_eq(c->netjoin, 0);
	ck_assert_int_eq(c->suppress, 0);
	/* default, then two more on continuation lines. */
	assert_special_prefix(&c->internal);
	ck_assert_uint_eq(c->internal.n, 23);
	assert_cidr(&c->internal.v[21], "2001:db8:1::/48");
	assert_cidr(&c->internal.v[22], "192.0.2.1");
	ck_assert_uint_eq(c->nstatuses, 2);
	ck_assert_str_eq(c->statuses[0], "Invalid");
	ck_assert_str_eq(c->statuses[1], "Expired");
	ck_assert_uint_eq(c->noutputs, 1);
	ck_assert_str_eq(c->outputs[0].name, "stdout");
	conf_free(c);
}
END_TEST

START_TEST(test_config_bom_crlf)
{
	struct conf	*c;

	c = load_ok(CONF_DIR "/bom-crlf.conf");
	ck_assert_int_eq(c->tick, US(2));
	ck_assert_uint_eq(c->noutputs, 2);
	ck_assert_str_eq(c->outputs[0].name, "file1");
	ck_assert_int_eq(c->outputs[0].type, OUT_FILE);
	ck_assert_int_eq(c->outputs[0].format, FMT_JSON);
	ck_assert_str_eq(c->outputs[0].path, "/var/log/signetd/alerts.json");
	ck_assert_int_eq(c->outputs[0].line, 4);
	ck_assert_str_eq(c->outputs[1].name, "out.2_x-y");
	ck_assert_int_eq(c->outputs[1].type, OUT_STDOUT);
	ck_assert_int_eq(c->outputs[1].format, FMT_TEXT);
	ck_assert_ptr_null(c->outputs[1].path);
	conf_free(c);
}
END_TEST

/* A file that sets little leaves the rest as conf_load found it. */
START_TEST(test_config_on_top)
{
	static const char	 text[] = "[signetd]\ntick = 1s\n";
	struct conf		*c;
	char			*path, *msgs;
	int			 nerr;

	path = write_tmp(text, sizeof(text) - 1);
	c = conf_new();
	c->window = US(600);
	ck_assert_int_eq(conf_load(c, path, NULL), 0);
	ck_assert_int_eq(c->tick, US(1));
	ck_assert_int_eq(c->window, US(600));
	ck_assert_uint_eq(c->noutputs, 1);
	conf_free(c);
	c = load(path, &nerr, &msgs);
	ck_assert_int_eq(c->window, US(86400));
	conf_free(c);
	free(msgs);
	remove(path);
	free(path);
}
END_TEST

/* Replace each @FILE@ of the expected messages by the path. */
static char *
expand(const char *tmpl, const char *path)
{
	size_t		 n = 1;
	const char	*p;
	char		*out, *o;

	for (p = tmpl; *p != '\0'; p++)
		n += strncmp(p, "@FILE@", 6) == 0 ? strlen(path) : 1;
	out = o = malloc(n);
	ck_assert_ptr_nonnull(out);
	for (p = tmpl; *p != '\0'; ) {
		if (strncmp(p, "@FILE@", 6) == 0) {
			memcpy(o, path, strlen(path));
			o += strlen(path);
			p += 6;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return (out);
}

/*
 * Where got and want part, as the two lines there: whole message lists
 * of a long file would overflow what check can report.
 */
static void
assert_same_lines(const char *name, const char *got, const char *want)
{
	size_t	 i = 0, n = 1, gl, wl;

	for (; got[i] != '\0' && got[i] == want[i]; i++)
		n += got[i] == '\n';
	if (got[i] == '\0' && want[i] == '\0')
		return;
	while (i > 0 && got[i - 1] != '\n')
		i--;
	gl = strcspn(got + i, "\n");
	wl = strcspn(want + i, "\n");
	ck_abort_msg("%s: message %zu is\n%.*s\nwant\n%.*s", name, n,
	    (int)gl, got + i, (int)wl, want + i);
}

static void
check_bad(const char *name)
{
	char		 conf[512], err[512];
	char		*want, *tmpl, *msgs;
	struct conf	*c;
	const char	*p;
	int		 nerr, lines = 0;

	snprintf(conf, sizeof(conf), "%s/%s.conf", CONF_DIR, name);
	snprintf(err, sizeof(err), "%s/%s.err", CONF_DIR, name);
	tmpl = slurp(err);
	want = expand(tmpl, conf);
	for (p = want; *p != '\0'; p++)
		lines += *p == '\n';
	c = load(conf, &nerr, &msgs);
	assert_same_lines(name, msgs, want);
	ck_assert_int_eq(nerr, lines);
	ck_assert_int_gt(nerr, 0);
	conf_free(c);
	free(msgs);
	free(want);
	free(tmpl);
}

START_TEST(test_config_errors)
{
	check_bad(bad_files[_i]);
}
END_TEST

START_TEST(test_config_unreadable)
{
	struct conf	*c;
	char		*msgs;
	int		 nerr;

	c = load(CONF_DIR "/no-such-file.conf", &nerr, &msgs);
	ck_assert_int_eq(nerr, 1);
	ck_assert_str_eq(msgs, CONF_DIR "/no-such-file.conf: "
	    "No such file or directory\n");
	/* The defaults are still whole. */
	ck_assert_uint_eq(c->noutputs, 1);
	conf_free(c);
	free(msgs);

	c = load(CONF_DIR, &nerr, &msgs);
	ck_assert_int_eq(nerr, 1);
	ck_assert_str_eq(msgs, CONF_DIR ": Is a directory\n");
	conf_free(c);
	free(msgs);
}
END_TEST

/* A 100 KB line, a NUL byte: one message each, nothing else breaks. */
START_TEST(test_config_long_line)
{
	static const char	 head[] = "[signetd]\ntick = 1s\nx = ";
	static const char	 tail[] = "\n\0tick = 2s\nlateness = 1m\n";
	size_t			 len = 100 * 1024;
	struct conf		*c;
	char			*text, *path, *msgs, want[600];
	int			 nerr;

	text = malloc(len);
	ck_assert_ptr_nonnull(text);
	memset(text, 'a', len);
	memcpy(text, head, sizeof(head) - 1);
	memcpy(text + len - sizeof(tail) + 1, tail, sizeof(tail) - 1);
	path = write_tmp(text, len);
	c = load(path, &nerr, &msgs);
	snprintf(want, sizeof(want), "%s:3: line too long (more than 197 "
	    "characters)\n%s:4: NUL byte in line\n", path, path);
	ck_assert_str_eq(msgs, want);
	ck_assert_int_eq(nerr, 2);
	ck_assert_int_eq(c->tick, US(1));
	ck_assert_int_eq(c->lateness, US(60));
	conf_free(c);
	free(msgs);
	remove(path);
	free(path);
	free(text);
}
END_TEST

/*
 * Random bytes, and random lines made of the characters that matter to
 * the syntax: conf_load must report, never crash nor leak (ASan).
 */
START_TEST(test_config_garbage)
{
	static const char	 alphabet[] = "[]=;#:, \t\n\r\\\"/.-_01sKmhd"
	    "outputrulenetjoinimageloadsignetdtypefilestdoutinternal"
	    "listenprotoudptcptlsaddressportallowcert_file*\xff";
	uint32_t		 seed = 0x5eed;
	char			*text, *path;
	struct conf		*c;
	size_t			 len, i;
	int			 round, nerr, bad = 0;

	text = malloc(65536);
	ck_assert_ptr_nonnull(text);
	for (round = 0; round < 200; round++) {
		seed = seed * 1103515245 + 12345;
		len = (seed >> 8) % 65536;
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			text[i] = round % 2 == 0 ? (char)(seed >> 16) :
			    alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		path = write_tmp(text, len);
		c = conf_new();
		nerr = conf_load(c, path, NULL);
		ck_assert_int_ge(nerr, 0);
		bad += nerr > 0;
		conf_free(c);
		remove(path);
		free(path);
	}
	ck_assert_int_ge(bad, 190);
	free(text);
}
END_TEST

/* The text of section name in dump d, up to the next section. */
static char *
section(const char *d, const char *name)
{
	const char	*p, *e;
	char		 head[64];

	snprintf(head, sizeof(head), "\n%s\n", name);
	p = strstr(d, head);
	ck_assert_msg(p != NULL, "no %s in the dump", name);
	if ((e = strstr(p + 1, "\n[")) == NULL)
		e = p + strlen(p);
	return (xstrndup(p, (size_t)(e - p) + 1));
}

/* Section name of dump d holds every string of the NULL-ended list. */
static void
assert_section(const char *d, const char *name, ...)
{
	va_list		 ap;
	const char	*want;
	char		*sec;

	sec = section(d, name);
	va_start(ap, name);
	while ((want = va_arg(ap, const char *)) != NULL)
		ck_assert_msg(strstr(sec, want) != NULL, "%s lacks '%s':\n%s",
		    name, want, sec);
	va_end(ap);
	free(sec);
}

/* Section name of dump d holds none of them. */
static void
refute_section(const char *d, const char *name, ...)
{
	va_list		 ap;
	const char	*bad;
	char		*sec;

	sec = section(d, name);
	va_start(ap, name);
	while ((bad = va_arg(ap, const char *)) != NULL)
		ck_assert_msg(strstr(sec, bad) == NULL, "%s has '%s':\n%s",
		    name, bad, sec);
	va_end(ap);
	free(sec);
}

/* The dump is a configuration file that loads to the same. */
static void
check_roundtrip(struct conf *c)
{
	char		*d1, *d2, *path;
	struct conf	*c2;

	d1 = dump(c);
	path = write_tmp(d1, strlen(d1));
	c2 = load_ok(path);
	d2 = dump(c2);
	ck_assert_str_eq(d1, d2);
	conf_free(c2);
	remove(path);
	free(path);
	free(d1);
	free(d2);
}

START_TEST(test_config_dump_roundtrip)
{
	struct conf	*c;
	char		*d;

	c = conf_new();
	check_roundtrip(c);
	d = dump(c);
	ck_assert_ptr_nonnull(strstr(d, "\n[rule netjoin]\n"));
	ck_assert_ptr_nonnull(strstr(d, "\nwindow = 1d\n"));
	ck_assert_ptr_nonnull(strstr(d, "\ntick = 250ms\n"));
	ck_assert_ptr_nonnull(strstr(d, "\nstate_memory = 1G\n"));
	ck_assert_ptr_nonnull(strstr(d, "\ninternal = default\n"));
	ck_assert_ptr_nonnull(strstr(d, "\n[output stdout]\n"));
	ck_assert_ptr_nonnull(strstr(d, "\ntype = stdout\n"));
	assert_section(d, "[listen udp]", "\nproto = udp\n", "\nrcvbuf = 4M\n",
	    "\naddress = 127.0.0.1, ::1\n", "\nport = 5514\n", NULL);
	refute_section(d, "[listen udp]", "\nallow", "\nmax_connections",
	    "\nmax_per_source", "\nidle_timeout", "\nhandshake_timeout",
	    "_file", "\nclient_cert", NULL);
	assert_section(d, "[listen tcp]", "\nproto = tcp\n",
	    "\nmax_connections = 1024\n", "\nmax_per_source = 64\n",
	    "\nidle_timeout = 5m\n", NULL);
	refute_section(d, "[listen tcp]", "\nallow", "\nrcvbuf",
	    "\nhandshake_timeout", "_file", "\nclient_cert", NULL);
	ck_assert_ptr_nonnull(strstr(d, "\nstop_timeout = 5s\n"));
	ck_assert_ptr_nonnull(strstr(d, "\nstats_interval = 1m\n"));
	free(d);
	conf_free(c);
	/* Each listener prints only the options of its proto. */
	c = load_ok(CONF_DIR "/listen.conf");
	check_roundtrip(c);
	d = dump(c);
	assert_section(d, "[listen syslog-udp]", "\naddress = 0.0.0.0, ::\n",
	    "\nallow = 10.0.0.0/8, 2001:db8::/32\n", "\nrcvbuf = 8M\n", NULL);
	refute_section(d, "[listen syslog-udp]", "\nmax_connections",
	    "_file", "\nclient_cert", NULL);
	assert_section(d, "[listen syslog-tcp]",
	    "\nallow = 10.1.0.0/16, 10.2.0.0/16\n", "\nidle_timeout = 1h\n",
	    NULL);
	assert_section(d, "[listen wef]",
	    "\naddress = 192.0.2.10, 2001:db8::10\n",
	    "\ncert_file = /dev/null\n", "\nkey_file = /dev/null\n",
	    "\nca_file = /dev/null\n", "\nclient_cert = require\n",
	    "\nhandshake_timeout = 30s\n", NULL);
	refute_section(d, "[listen wef]", "\nrcvbuf", NULL);
	assert_section(d, "[listen tls-min]", "\nclient_cert = none\n",
	    "\nhandshake_timeout = 10s\n", NULL);
	refute_section(d, "[listen tls-min]", "\nca_file", "\nallow", NULL);
	free(d);
	conf_free(c);
	c = load_ok(CONF_DIR "/syntax.conf");
	check_roundtrip(c);
	d = dump(c);
	ck_assert_ptr_nonnull(strstr(d, "\ninternal = default, "
	    "2001:db8:1::/48, 192.0.2.1/32\n"));
	free(d);
	conf_free(c);
	c = load_ok(CONF_DIR "/bom-crlf.conf");
	check_roundtrip(c);
	conf_free(c);
	/* Long lists come out over continuation lines. */
	c = load_ok(CONF_DIR "/long-lists.conf");
	ck_assert_uint_eq(c->internal.n, 21 + 40);
	ck_assert_uint_eq(c->nstatuses, 16);
	check_roundtrip(c);
	conf_free(c);
	c = load_ok(CONF_DIR "/example.conf");
	check_roundtrip(c);
	d = dump(c);
	ck_assert_ptr_nonnull(strstr(d, "\ninternal = 127.0.0.0/8, "
	    "::1/128\n"));
	free(d);
	conf_free(c);
}
END_TEST

/* A list option holds exactly the NULL-ended items. */
static void
assert_list(const struct conf_list *l, ...)
{
	va_list		 ap;
	const char	*want;
	size_t		 i = 0;

	va_start(ap, l);
	while ((want = va_arg(ap, const char *)) != NULL) {
		ck_assert_msg(i < l->n, "list lacks %s", want);
		ck_assert_str_eq(l->v[i], want);
		i++;
	}
	va_end(ap);
	ck_assert_uint_eq(l->n, i);
}

/*
 * [allow SCOPE], [geoip] and [severity]: values as written, [allow] is
 * [allow all], lists go on over indented lines, and the dump loads to
 * the same.
 */
START_TEST(test_config_enrich)
{
	static const char	 fmt[] =
	    "[allow]\n"
	    "sha1 = 0123456789abcdef0123456789abcdef01234567,\n"
	    "    ABCDEF0123456789ABCDEF0123456789ABCDEF01\n"
	    "path = C:\\Program Files\\Vendor\\*\n"
	    "signer = Microsoft*, Contoso Ltd\n"
	    "device = lab-*\n"
	    "[allow netjoin]\n"
	    "remote = 10.0.0.0/8, 2001:db8::/32\n"
	    "domain = example.com, *.example.org\n"
	    "asn = AS15169\n"
	    "country = gb\n"
	    "file = %s/enrich/allow.list\n"
	    "[geoip]\n"
	    "city = %s/mmdb/GeoIP2-City-Test.mmdb\n"
	    "asn = %s/mmdb/GeoLite2-ASN-Test.mmdb\n"
	    "cache = 16\n"
	    "[severity]\n"
	    "default = medium\n"
	    "critical = Revoked\n"
	    "low = Valid, Unavailable\n"
	    "escalate_country = KP\n"
	    "escalate_asn = 64496\n";
	char		 text[2048];
	char		*path, *d;
	struct conf	*c;

	snprintf(text, sizeof(text), fmt, TESTDATA, TESTDATA, TESTDATA);
	path = write_tmp(text, strlen(text));
	c = load_ok(path);
	ck_assert_uint_eq(c->nallows, 2);
	ck_assert_str_eq(c->allows[0].name, "all");
	ck_assert_int_eq(c->allows[0].line, 1);
	assert_list(&c->allows[0].sha1,
	    "0123456789abcdef0123456789abcdef01234567",
	    "ABCDEF0123456789ABCDEF0123456789ABCDEF01", NULL);
	assert_list(&c->allows[0].path, "C:\\Program Files\\Vendor\\*",
	    NULL);
	assert_list(&c->allows[0].signer, "Microsoft*", "Contoso Ltd", NULL);
	assert_list(&c->allows[0].device, "lab-*", NULL);
	assert_list(&c->allows[0].remote, NULL);
	ck_assert_str_eq(c->allows[1].name, "netjoin");
	assert_list(&c->allows[1].remote, "10.0.0.0/8", "2001:db8::/32",
	    NULL);
	assert_list(&c->allows[1].domain, "example.com", "*.example.org",
	    NULL);
	assert_list(&c->allows[1].asn, "AS15169", NULL);
	assert_list(&c->allows[1].country, "gb", NULL);
	ck_assert_uint_eq(c->allows[1].file.n, 1);
	ck_assert_ptr_nonnull(strstr(c->geoip_city, "GeoIP2-City-Test"));
	ck_assert_ptr_null(c->geoip_country);
	ck_assert_ptr_nonnull(strstr(c->geoip_asn, "GeoLite2-ASN-Test"));
	ck_assert_uint_eq(c->geoip_cache, 16);
	ck_assert_int_eq(c->severity, 2);
	assert_list(&c->sev_critical, "Revoked", NULL);
	assert_list(&c->sev_low, "Valid", "Unavailable", NULL);
	assert_list(&c->sev_high, NULL);
	assert_list(&c->escalate_country, "KP", NULL);
	assert_list(&c->escalate_asn, "64496", NULL);
	check_roundtrip(c);
	d = dump(c);
	assert_section(d, "[allow all]", "\nsigner = Microsoft*, Contoso Ltd\n",
	    "\ndevice = lab-*\n", NULL);
	refute_section(d, "[allow all]", "\nremote", "\nfile", NULL);
	assert_section(d, "[severity]", "\ndefault = medium\n",
	    "\ncritical = Revoked\n", "\nlow = Valid, Unavailable\n", NULL);
	free(d);
	conf_free(c);
	remove(path);
	free(path);
}
END_TEST

/* etc/signetd.conf shows the defaults: it loads to what conf_new gives. */
START_TEST(test_config_etc_is_default)
{
	struct conf	*def, *etc;
	char		*d1, *d2;

	def = conf_new();
	etc = load_ok(TOP "/etc/signetd.conf");
	d1 = dump(def);
	d2 = dump(etc);
	ck_assert_str_eq(d2, d1);
	free(d1);
	free(d2);
	conf_free(def);
	conf_free(etc);
}
END_TEST

START_TEST(test_config_option_table)
{
	size_t	 i, j, n;

	n = conf_option_count();
	ck_assert_uint_eq(n, 81);
	ck_assert_ptr_null(conf_option_name(n));
	ck_assert_ptr_null(conf_option_section(n));
	ck_assert_str_eq(conf_option_name(0), "state_memory");
	ck_assert_str_eq(conf_option_section(0), "signetd");
	ck_assert_str_eq(conf_option_name(12), "proto");
	ck_assert_str_eq(conf_option_section(12), "listen");
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			ck_assert_msg(strcmp(conf_option_section(i),
			    conf_option_section(j)) != 0 ||
			    strcmp(conf_option_name(i),
			    conf_option_name(j)) != 0, "%s twice",
			    conf_option_name(i));
}
END_TEST

/*
 * The section a documentation line opens, or NULL: "[name]" in the
 * example file (commented out or not), ".Ss [name]" in the manual.
 * Output sections all count as "output", listen sections as "listen",
 * allow sections as "allow".
 */
static const char *
doc_section(const char *line, char *buf, size_t len)
{
	const char	*e;

	line += strspn(line, "#");
	if (strncmp(line, ".Ss ", 4) == 0)
		line += 4;
	if (*line != '[' || (e = strchr(line, ']')) == NULL)
		return (NULL);
	snprintf(buf, len, "%.*s", (int)(e - line - 1), line + 1);
	if (strncmp(buf, "output ", 7) == 0)
		buf[6] = '\0';
	else if (strncmp(buf, "listen ", 7) == 0)
		buf[6] = '\0';
	else if (strncmp(buf, "allow ", 6) == 0)
		buf[5] = '\0';
	return (buf);
}

/* Does the line document key: "key =" (maybe commented), ".It Cm key"? */
static int
doc_key(const char *line, const char *key)
{
	size_t	 n = strlen(key);

	if (strncmp(line, ".It Cm ", 7) == 0)
		return (strncmp(line + 7, key, n) == 0 && line[7 + n] == ' ');
	line += strspn(line, "#");
	return (strncmp(line, key, n) == 0 && strncmp(line + n, " = ",
	    3) == 0);
}

/* Every option of the table is documented in its section of the file. */
static void
check_documented(const char *path)
{
	char		*text, *line, *nl, sec[64], cur[64] = "";
	size_t		 i, n = conf_option_count();
	int		*found;

	found = xcalloc(n, sizeof(*found));
	text = slurp(path);
	for (line = text; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			nl = line + strlen(line) - 1;
		else
			*nl = '\0';
		if (doc_section(line, sec, sizeof(sec)) != NULL) {
			snprintf(cur, sizeof(cur), "%s", sec);
			continue;
		}
		for (i = 0; i < n; i++)
			if (strcmp(cur, conf_option_section(i)) == 0 &&
			    doc_key(line, conf_option_name(i)))
				found[i] = 1;
	}
	for (i = 0; i < n; i++)
		ck_assert_msg(found[i], "%s: option %s of [%s] is missing",
		    path, conf_option_name(i), conf_option_section(i));
	free(text);
	free(found);
}

START_TEST(test_config_documented)
{
	check_documented(TOP "/etc/signetd.conf");
	check_documented(TOP "/man/signetd.conf.5");
}
END_TEST

/*
 * An example's certificate files (values under /etc/signetd/tls/) are
 * not on the test machine: they become /dev/null, which can be read.
 */
static void
untls(char *block)
{
	static const char	 dir[] = "/etc/signetd/";
	char			*p, *e;

	while ((p = strstr(block, dir)) != NULL) {
		e = p + strcspn(p, "\n");
		memcpy(p, "/dev/null", 9);
		memmove(p + 9, e, strlen(e) + 1);
	}
}

/* The EXAMPLES of signetd.conf(5) load clean; the first is example.conf. */
START_TEST(test_config_man_examples)
{
	char		*man, *ex, *p, *e, *block, *path, *want;
	struct conf	*c;
	int		 n = 0;

	man = slurp(TOP "/man/signetd.conf.5");
	want = slurp(CONF_DIR "/example.conf");
	ex = strstr(man, "\n.Sh EXAMPLES\n");
	ck_assert_ptr_nonnull(ex);
	for (p = ex; (p = strstr(p, "\n.Bd -literal")) != NULL; p = e) {
		p = strchr(p + 1, '\n') + 1;
		e = strstr(p, "\n.Ed\n");
		ck_assert_ptr_nonnull(e);
		block = xstrndup(p, (size_t)(e - p) + 1);
		if (n++ == 0)
			ck_assert_str_eq(block, want);
		untls(block);
		path = write_tmp(block, strlen(block));
		c = load_ok(path);
		conf_free(c);
		remove(path);
		free(path);
		free(block);
	}
	ck_assert_int_eq(n, 5);
	free(want);
	free(man);
}
END_TEST

/* Load text written to the scratch file; it must be clean. */
static struct conf *
load_text(const char *text)
{
	struct conf	*c;
	char		*path;

	path = write_tmp(text, strlen(text));
	c = load_ok(path);
	remove(path);
	free(path);
	return (c);
}

/*
 * A reload keeps what needs a restart: a changed state_memory, window,
 * statuses or output spool is reported and set back; reloadable options
 * (tick, suppress, an output's url) and new sections keep the new values.
 */
START_TEST(test_config_reload_keep)
{
	struct conf	*cur, *next;
	FILE		*fp;
	char		*msgs;
	int		 n;

	cur = load_text("[signetd]\nstate_memory = 64M\ntick = 1s\n"
	    "[rule netjoin]\nwindow = 1h\nsuppress = 1m\n"
	    "[rule imageload]\nstatuses = Invalid\n"
	    "[output hook]\ntype = webhook\nformat = json\n"
	    "url = http://127.0.0.1:1/a\nspool = /var/spool/a\n");
	next = load_text("[signetd]\nstate_memory = 128M\ntick = 2s\n"
	    "[rule netjoin]\nwindow = 2h\nsuppress = 2m\n"
	    "[rule imageload]\nstatuses = Invalid, Expired\n"
	    "[output hook]\ntype = webhook\nformat = json\n"
	    "url = http://127.0.0.1:1/b\nspool = /var/spool/b\n"
	    "[output new]\ntype = webhook\nformat = json\n"
	    "url = http://127.0.0.1:1/c\nspool = /var/spool/c\n");
	fp = tmpfile();
	ck_assert_ptr_nonnull(fp);
	n = conf_keep_running(next, cur, fp);
	msgs = slurp_fp(fp);
	fclose(fp);
	ck_assert_int_eq(n, 4);
	ck_assert_str_eq(msgs,
	    "reload: [signetd] state_memory changed; it takes effect at "
	    "restart\n"
	    "reload: [rule netjoin] window changed; it takes effect at "
	    "restart\n"
	    "reload: [rule imageload] statuses changed; it takes effect at "
	    "restart\n"
	    "reload: [output hook] spool changed; it takes effect at "
	    "restart\n");
	ck_assert_uint_eq(next->state_memory, 64 << 20);
	ck_assert_int_eq(next->window, US(3600));
	ck_assert_uint_eq(next->nstatuses, 1);
	ck_assert_str_eq(next->statuses[0], "Invalid");
	ck_assert_str_eq(next->outputs[0].spool, "/var/spool/a");
	/* Reloadable, or new: as the new file says. */
	ck_assert_int_eq(next->tick, US(2));
	ck_assert_int_eq(next->suppress, US(120));
	ck_assert_str_eq(next->outputs[0].url, "http://127.0.0.1:1/b");
	ck_assert_str_eq(next->outputs[1].spool, "/var/spool/c");
	/* Nothing left to set back the second time. */
	ck_assert_int_eq(conf_keep_running(next, cur, NULL), 0);
	free(msgs);
	conf_free(cur);
	conf_free(next);
}
END_TEST

/* Sections compare by name and settings; a copy of an output is equal. */
START_TEST(test_config_reload_equal)
{
	struct conf		*a, *b;
	struct conf_output	*d;

#define RELOAD_TEXT	"[listen t]\nproto = tcp\nport = 7000\n" \
			"[listen u]\nproto = udp\nport = 7000\n" \
			"[output f]\ntype = file\npath = /tmp/x\n" \
			"[output h]\ntype = webhook\nformat = json\n" \
			"url = http://127.0.0.1:1/\n" \
			"header = X-A: 1\nheader = X-B: 2\n"
	a = load_text(RELOAD_TEXT);
	/* Moved down: the lines differ, the settings do not. */
	b = load_text("\n\n" RELOAD_TEXT);
#undef RELOAD_TEXT
	ck_assert_int_ne(a->listens[0].line, b->listens[0].line);
	ck_assert_int_eq(conf_listen_equal(&a->listens[0], &b->listens[0]),
	    1);
	ck_assert_int_eq(conf_listen_equal(&a->listens[0], &a->listens[1]),
	    0);
	ck_assert_int_eq(conf_output_equal(&a->outputs[1], &b->outputs[1]),
	    1);
	b->listens[0].max_connections++;
	ck_assert_int_eq(conf_listen_equal(&a->listens[0], &b->listens[0]),
	    0);
	free(b->outputs[1].headers[1]);
	b->outputs[1].headers[1] = xstrdup("X-B: 3");
	ck_assert_int_eq(conf_output_equal(&a->outputs[1], &b->outputs[1]),
	    0);
	d = conf_output_dup(&a->outputs[1]);
	ck_assert_int_eq(conf_output_equal(d, &a->outputs[1]), 1);
	ck_assert_ptr_ne(d->url, a->outputs[1].url);
	ck_assert_uint_eq(d->nheaders, 2);
	conf_free(a);
	ck_assert_str_eq(d->headers[1], "X-B: 2");
	ck_assert_str_eq(d->url, "http://127.0.0.1:1/");
	conf_output_free(d);
	conf_free(b);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_config_defaults);
	tcase_add_test(tc, test_config_duration);
	tcase_add_test(tc, test_config_size);
	tcase_add_test(tc, test_config_hostport);
	tcase_add_test(tc, test_config_bool);
	tcase_add_test(tc, test_config_example);
	tcase_add_test(tc, test_config_listen);
	tcase_add_test(tc, test_config_listen_address);
	tcase_add_test(tc, test_config_listen_files);
	tcase_add_test(tc, test_config_syntax);
	tcase_add_test(tc, test_config_bom_crlf);
	tcase_add_test(tc, test_config_on_top);
	tcase_add_loop_test(tc, test_config_errors, 0,
	    sizeof(bad_files) / sizeof(bad_files[0]));
	tcase_add_test(tc, test_config_unreadable);
	tcase_add_test(tc, test_config_long_line);
	tcase_add_test(tc, test_config_garbage);
	tcase_add_test(tc, test_config_dump_roundtrip);
	tcase_add_test(tc, test_config_enrich);
	tcase_add_test(tc, test_config_etc_is_default);
	tcase_add_test(tc, test_config_option_table);
	tcase_add_test(tc, test_config_documented);
	tcase_add_test(tc, test_config_man_examples);
	tcase_add_test(tc, test_config_reload_keep);
	tcase_add_test(tc, test_config_reload_equal);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
