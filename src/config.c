/*
 * signetd: the configuration file, an INI file read with inih. Every
 * option is declared once, in conf_options[] (section, key, type, default,
 * bounds, reloadable, where it lives, which kinds of a named section it
 * applies to, help); the embedded defaults of conf_new() are parsed from
 * that table by the code that parses the file. Sections a file may have
 * many of, each with a name ([listen NAME], [output NAME], [allow SCOPE]),
 * are described once each in conf_nameds[] and handled by one set of
 * functions.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "addr.h"
#include "alert.h"
#include "allow.h"
#include "conf.h"
#include "geoip.h"
#include "log.h"
#include "xmalloc.h"

#define CONF_STR(x)	CONF_STR1(x)
#define CONF_STR1(x)	#x

/* inih keeps names in 50-byte buffers and cuts longer ones silently. */
#define CONF_NAME_MAX	49
/* Names of [listen NAME] and [output NAME]. */
#define CONF_SECNAME_MAX 32
/* Room for a value quoted in a message; longer ones end in "...". */
#define CONF_VIS_MAX	72

/*
 * In the order conf_dump() prints them: daemon, inputs, rules, what
 * happens to alerts between the rules and the outputs, outputs.
 */
enum conf_section {
	SEC_NONE = 0,		/* before the first section */
	SEC_SIGNETD,
	SEC_LISTEN,
	SEC_NETJOIN,
	SEC_IMAGELOAD,
	SEC_ALLOW,
	SEC_GEOIP,
	SEC_SEVERITY,
	SEC_OUTPUT,
	SEC_METRICS,
	SEC_MAX
};

enum conf_type {
	T_BOOL,			/* int */
	T_DURATION,		/* int64_t, µs */
	T_SIZE,			/* uint64_t, bytes */
	T_UINT,			/* uint64_t */
	T_PORT,			/* uint16_t */
	T_STRING,		/* char *, owned */
	T_FILE,			/* char *, owned; names a readable file */
	T_ENUM,			/* an enum, int-sized; words[] by value */
	T_CIDR_LIST,		/* struct cidr_list */
	T_STRING_LIST,		/* char *[], count at noff */
	T_ADDR_LIST,		/* char *[] of literal IPs, count at noff */
	T_MMDB,			/* char *, owned; a MaxMind DB of the kind */
				/* the key names (geoip_check) */
	T_LIST,			/* struct conf_list; words[0] names what */
				/* its items are (conf_list_check) */
	T_LINE_LIST		/* char *[], count at noff; the key may */
				/* repeat, each line adds its value whole */
};

/*
 * One option. In a named section, one enum option (the section's select
 * key, such as a listener's proto) says what kind the section is; only
 * and need are bit masks of its values (BIT()) that say which kinds the
 * option applies to (0: all), and for which values of option need_key
 * it must be set.
 */
struct conf_option {
	enum conf_section	 sec;
	const char		*key;
	enum conf_type		 type;
	const char		*def;	/* NULL: no default */
	const char		*min;	/* numbers: bounds; lists: item count */
	const char		*max;
	int			 reload; /* may change without a restart */
	size_t			 off;	/* in struct conf, or the element */
	size_t			 noff;	/* word lists: the count */
	const char *const	*words;	/* T_ENUM: by value; T_CIDR_LIST: */
					/* the word for the special ranges; */
					/* T_LIST: [0] is what items are */
	unsigned int		 only;	/* kinds it applies to; 0: all */
	const char		*need_key; /* it is required when this */
	unsigned int		 need;	/* enum option has these values */
	const char		*help;
};

/*
 * A section a file may have any number of, each with a distinct name:
 * where its array and count live in struct conf, where an element keeps
 * its name and line, the key that selects its kind (NULL: one kind), and
 * the names it may have (NULL: any; else the first is that of a section
 * written without a name).
 */
struct conf_named {
	enum conf_section	 sec;
	const char		*noun;		/* in messages */
	size_t			 size;		/* of one element */
	size_t			 voff;		/* struct conf: the array */
	size_t			 noff;		/* struct conf: its length */
	size_t			 nameoff;	/* element: char *name */
	size_t			 lineoff;	/* element: int line */
	const char		*select;	/* key of an enum option */
	const char *const	*names;
};

static const char *const conf_section_names[SEC_MAX] = {
	"", "signetd", "listen", "rule netjoin", "rule imageload", "allow",
	"geoip", "severity", "output", "metrics"
};

static const char *const conf_output_types[] = {
	"stdout", "file", "webhook", "syslog", NULL
};
static const char *const conf_output_formats[] = {
	"text", "json", "slack", "teams", "cef", "leef", NULL
};
static const char *const conf_rule_names[] = {
	"netjoin", "imageload", NULL
};
static const char *const conf_severities[] = {
	"info", "low", "medium", "high", "critical", NULL
};
static const char *const conf_syslog_protocols[] = {
	"rfc5424", "rfc3164", NULL
};
/* RFC 5424 6.2.1, by code. */
static const char *const conf_facilities[] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6",
	"local7", NULL
};
static const char *const conf_listen_protos[] = {
	"udp", "tcp", "tls", NULL
};
static const char *const conf_client_certs[] = {
	"none", "optional", "require", NULL
};
static const char *const conf_special_word[] = { "default", NULL };
static const char *const conf_allow_scopes[] = {
	"all", "netjoin", "imageload", NULL
};
/* What the items of a T_LIST are; see conf_list_check(). */
static const char *const conf_is_sha1[] = { "sha1", NULL };
static const char *const conf_is_path[] = { "path", NULL };
static const char *const conf_is_signer[] = { "signer", NULL };
static const char *const conf_is_device[] = { "device", NULL };
static const char *const conf_is_remote[] = { "remote", NULL };
static const char *const conf_is_domain[] = { "domain", NULL };
static const char *const conf_is_asn[] = { "asn", NULL };
static const char *const conf_is_country[] = { "country", NULL };
static const char *const conf_is_file[] = { "file", NULL };
static const char *const conf_is_status[] = { "status", NULL };

_Static_assert(OUT_STDOUT == 0 && OUT_FILE == 1 && OUT_WEBHOOK == 2 &&
    OUT_SYSLOG == 3, "conf_output_types");
_Static_assert(FMT_TEXT == 0 && FMT_JSON == 1 && FMT_SLACK == 2 &&
    FMT_TEAMS == 3 && FMT_CEF == 4 && FMT_LEEF == 5, "conf_output_formats");
_Static_assert(SYSLOG_RFC5424 == 0 && SYSLOG_RFC3164 == 1,
    "conf_syslog_protocols");
_Static_assert(sizeof(enum syslog_protocol) == sizeof(int), "T_ENUM");
_Static_assert(sizeof(((struct conf_output *)0)->rules) / sizeof(char *) ==
    CONF_MAX_RULES, "rules");
_Static_assert(sizeof(((struct conf_output *)0)->headers) / sizeof(char *) ==
    CONF_MAX_HEADERS, "headers");
_Static_assert(PROTO_UDP == 0 && PROTO_TCP == 1 && PROTO_TLS == 2,
    "conf_listen_protos");
_Static_assert(CLIENT_CERT_NONE == 0 && CLIENT_CERT_OPTIONAL == 1 &&
    CLIENT_CERT_REQUIRE == 2, "conf_client_certs");
_Static_assert(sizeof(enum output_type) == sizeof(int), "T_ENUM");
_Static_assert(sizeof(enum output_format) == sizeof(int), "T_ENUM");
_Static_assert(sizeof(enum listen_proto) == sizeof(int), "T_ENUM");
_Static_assert(sizeof(enum client_cert) == sizeof(int), "T_ENUM");
_Static_assert(SEV_INFO == 0 && SEV_LOW == 1 && SEV_MEDIUM == 2 &&
    SEV_HIGH == 3 && SEV_CRITICAL == 4, "conf_severities");
_Static_assert(ALLOW_ALL == 0 && ALLOW_NETJOIN == 1 && ALLOW_IMAGELOAD == 2,
    "conf_allow_scopes");
_Static_assert(sizeof(((struct conf_listen *)0)->port) == sizeof(uint16_t),
    "T_PORT");
/* A word list's max, in the table, is the length of its array. */
_Static_assert(sizeof(((struct conf *)0)->statuses) / sizeof(char *) ==
    CONF_MAX_STATUSES, "statuses");
_Static_assert(sizeof(((struct conf_listen *)0)->addresses) /
    sizeof(char *) == CONF_MAX_ADDRS, "addresses");

#define C(f)	offsetof(struct conf, f)
#define L(f)	offsetof(struct conf_listen, f)
#define O(f)	offsetof(struct conf_output, f)
#define A(f)	offsetof(struct conf_allow, f)
#define BIT(v)	(1u << (v))

#define P_STREAM (BIT(PROTO_TCP) | BIT(PROTO_TLS))
#define O_NET	(BIT(OUT_WEBHOOK) | BIT(OUT_SYSLOG))
#define O_HOOK	BIT(OUT_WEBHOOK)
#define O_SYS	BIT(OUT_SYSLOG)
#define P_TLS	BIT(PROTO_TLS)

/*
 * The options, in the order conf_dump() prints them. Bounds are text in
 * the option's own syntax so messages can quote them as written.
 */
static const struct conf_option conf_options[] = {
	{ SEC_SIGNETD, "state_memory", T_SIZE, "1G", "1M", "1T", 0,
	    C(state_memory), 0, NULL, 0, NULL, 0,
	    "memory budget for the state of all rules" },
	{ SEC_SIGNETD, "lateness", T_DURATION, "5m", "0", "1d", 0,
	    C(lateness), 0, NULL, 0, NULL, 0,
	    "how far behind the newest event time a record still matches "
	    "exactly" },
	{ SEC_SIGNETD, "future_skew", T_DURATION, "1h", "1s", "7d", 1,
	    C(future_skew), 0, NULL, 0, NULL, 0,
	    "live mode: an event time further ahead of the clock is "
	    "replaced by the arrival time" },
	{ SEC_SIGNETD, "max_message", T_SIZE, "64K", "1K", "16M", 0,
	    C(max_message), 0, NULL, 0, NULL, 0,
	    "longest input message; longer ones are dropped and counted" },
	{ SEC_SIGNETD, "tick", T_DURATION, "250ms", "10ms", "10s", 1,
	    C(tick), 0, NULL, 0, NULL, 0,
	    "live mode: interval between two expiry runs" },
	{ SEC_SIGNETD, "expire_budget", T_UINT, "1000", "1", "1000000", 1,
	    C(expire_budget), 0, NULL, 0, NULL, 0,
	    "state entries examined per expiry run" },
	{ SEC_SIGNETD, "stop_timeout", T_DURATION, "5s", "1s", "5m", 1,
	    C(stop_timeout), 0, NULL, 0, NULL, 0,
	    "on SIGTERM or SIGINT: how long inputs and outputs may drain "
	    "before the daemon exits" },
	{ SEC_SIGNETD, "stats_interval", T_DURATION, "60s", "1s", "1d", 1,
	    C(stats_interval), 0, NULL, 0, NULL, 0,
	    "live mode: interval between two summaries of what was dropped" },
	{ SEC_SIGNETD, "state_file", T_STRING, NULL, NULL, NULL, 0,
	    C(state_file), 0, NULL, 0, NULL, 0,
	    "live mode: the rules' state is saved to this file and loaded "
	    "from it at start; when not set, state lives in memory only" },
	{ SEC_SIGNETD, "snapshot_interval", T_DURATION, "5m", "1s", "1d", 1,
	    C(snapshot_interval), 0, NULL, 0, NULL, 0,
	    "live mode: interval between two saves of state_file (it is "
	    "also saved at stop)" },
	{ SEC_SIGNETD, "user", T_STRING, NULL, NULL, NULL, 0,
	    C(user), 0, NULL, 0, NULL, 0,
	    "live mode: started as root, run as this user and its group "
	    "once sockets are bound and files opened" },
	{ SEC_SIGNETD, "allow_root", T_BOOL, "no", NULL, NULL, 0,
	    C(allow_root), 0, NULL, 0, NULL, 0,
	    "live mode: keep running as root when no user is set" },

	{ SEC_LISTEN, "proto", T_ENUM, NULL, NULL, NULL, 1,
	    L(proto), 0, conf_listen_protos, 0, NULL, 0,
	    "udp, tcp or tls (required)" },
	{ SEC_LISTEN, "address", T_ADDR_LIST, "127.0.0.1, ::1",
	    "1", CONF_STR(CONF_MAX_ADDRS), 1,
	    L(addresses), L(naddresses), NULL, 0, NULL, 0,
	    "literal IPv4 or IPv6 addresses to listen on; 0.0.0.0 and :: "
	    "for all" },
	{ SEC_LISTEN, "port", T_PORT, "5514", "1", "65535", 1,
	    L(port), 0, NULL, 0, NULL, 0,
	    "port, on every address" },
	{ SEC_LISTEN, "allow", T_CIDR_LIST, NULL, NULL, NULL, 1,
	    L(allow), 0, NULL, 0, NULL, 0,
	    "senders in these prefixes may send; when not set, every sender" },
	{ SEC_LISTEN, "max_connections", T_UINT, "1024", "1", "1000000", 1,
	    L(max_connections), 0, NULL, P_STREAM, NULL, 0,
	    "connections open at once; more are closed at accept" },
	{ SEC_LISTEN, "max_per_source", T_UINT, "64", "1", "1000000", 1,
	    L(max_per_source), 0, NULL, P_STREAM, NULL, 0,
	    "connections open at once from one sender address" },
	{ SEC_LISTEN, "idle_timeout", T_DURATION, "5m", "1s", "1d", 1,
	    L(idle_timeout), 0, NULL, P_STREAM, NULL, 0,
	    "a connection that sends nothing for this long is closed" },
	{ SEC_LISTEN, "rcvbuf", T_SIZE, "4M", "0", "1G", 1,
	    L(rcvbuf), 0, NULL, BIT(PROTO_UDP), NULL, 0,
	    "socket receive buffer; 0 keeps the kernel's default" },
	{ SEC_LISTEN, "cert_file", T_FILE, NULL, NULL, NULL, 1,
	    L(cert_file), 0, NULL, P_TLS, "proto", P_TLS,
	    "PEM certificate chain of the server, its own first "
	    "(required)" },
	{ SEC_LISTEN, "key_file", T_FILE, NULL, NULL, NULL, 1,
	    L(key_file), 0, NULL, P_TLS, "proto", P_TLS,
	    "PEM private key of cert_file (required)" },
	{ SEC_LISTEN, "ca_file", T_FILE, NULL, NULL, NULL, 1,
	    L(ca_file), 0, NULL, P_TLS, "client_cert",
	    BIT(CLIENT_CERT_OPTIONAL) | BIT(CLIENT_CERT_REQUIRE),
	    "PEM certificates of the CAs that client certificates must "
	    "chain to" },
	{ SEC_LISTEN, "client_cert", T_ENUM, "none", NULL, NULL, 1,
	    L(client_cert), 0, conf_client_certs, P_TLS, NULL, 0,
	    "none, optional or require: whether a client must show a "
	    "certificate signed by ca_file" },
	{ SEC_LISTEN, "handshake_timeout", T_DURATION, "10s", "1s", "5m", 1,
	    L(handshake_timeout), 0, NULL, P_TLS, NULL, 0,
	    "a TLS handshake not done in this time is given up" },

	{ SEC_NETJOIN, "enabled", T_BOOL, "yes", NULL, NULL, 1,
	    C(netjoin), 0, NULL, 0, NULL, 0,
	    "run the netjoin rule" },
	{ SEC_NETJOIN, "window", T_DURATION, "24h", "1s", "30d", 0,
	    C(window), 0, NULL, 0, NULL, 0,
	    "W: a connection and a bad signature fact match when their "
	    "times are at most this far apart" },
	{ SEC_NETJOIN, "suppress", T_DURATION, "1h", "0", "30d", 1,
	    C(suppress), 0, NULL, 0, NULL, 0,
	    "S: later matches of a group within this time are counted into "
	    "its next alert; 0 sends every match" },
	{ SEC_NETJOIN, "internal", T_CIDR_LIST, "default", NULL, NULL, 1,
	    C(internal), 0, conf_special_word, 0, NULL, 0,
	    "remote addresses in these prefixes are not public; the word "
	    "default stands for the special-purpose ranges" },

	{ SEC_IMAGELOAD, "enabled", T_BOOL, "yes", NULL, NULL, 1,
	    C(imageload), 0, NULL, 0, NULL, 0,
	    "run the imageload rule" },
	{ SEC_IMAGELOAD, "period", T_DURATION, "1h", "1m", "1d", 0,
	    C(period), 0, NULL, 0, NULL, 0,
	    "R: length of the tumbling windows, aligned to the epoch" },
	{ SEC_IMAGELOAD, "threshold", T_UINT, "10", "1", "1000000", 1,
	    C(threshold), 0, NULL, 0, NULL, 0,
	    "T: a group with fewer executions in a window is reported" },
	{ SEC_IMAGELOAD, "statuses", T_STRING_LIST,
	    "Invalid, Expired, Revoked, Untrusted",
	    "1", CONF_STR(CONF_MAX_STATUSES), 0,
	    C(statuses), C(nstatuses), NULL, 0, NULL, 0,
	    "signature statuses that make an image load qualify" },

	{ SEC_ALLOW, "sha1", T_LIST, NULL, NULL, NULL, 1,
	    A(sha1), 0, conf_is_sha1, 0, NULL, 0,
	    "SHA1s of files (40 hex digits)" },
	{ SEC_ALLOW, "path", T_LIST, NULL, NULL, NULL, 1,
	    A(path), 0, conf_is_path, 0, NULL, 0,
	    "file paths, globs, any case: netjoin the process image, "
	    "imageload the loaded image" },
	{ SEC_ALLOW, "signer", T_LIST, NULL, NULL, NULL, 1,
	    A(signer), 0, conf_is_signer, 0, NULL, 0,
	    "signers of the signature, globs, any case" },
	{ SEC_ALLOW, "device", T_LIST, NULL, NULL, NULL, 1,
	    A(device), 0, conf_is_device, 0, NULL, 0,
	    "device ids or names, globs, any case" },
	{ SEC_ALLOW, "remote", T_LIST, NULL, NULL, NULL, 1,
	    A(remote), 0, conf_is_remote, 0, NULL, 0,
	    "remote addresses or prefixes" },
	{ SEC_ALLOW, "domain", T_LIST, NULL, NULL, NULL, 1,
	    A(domain), 0, conf_is_domain, 0, NULL, 0,
	    "remote host names: each covers itself and every name under it" },
	{ SEC_ALLOW, "asn", T_LIST, NULL, NULL, NULL, 1,
	    A(asn), 0, conf_is_asn, 0, NULL, 0,
	    "AS numbers of the remote address (needs [geoip] asn)" },
	{ SEC_ALLOW, "country", T_LIST, NULL, NULL, NULL, 1,
	    A(country), 0, conf_is_country, 0, NULL, 0,
	    "ISO country codes of the remote address (needs [geoip] city or "
	    "country)" },
	{ SEC_ALLOW, "file", T_LIST, NULL, NULL, NULL, 1,
	    A(file), 0, conf_is_file, 0, NULL, 0,
	    "list files: one \"KIND VALUE\" per line, # comments" },

	{ SEC_GEOIP, "city", T_MMDB, NULL, NULL, NULL, 1,
	    C(geoip_city), 0, NULL, 0, NULL, 0,
	    "MaxMind City database: country and city of remote addresses" },
	{ SEC_GEOIP, "country", T_MMDB, NULL, NULL, NULL, 1,
	    C(geoip_country), 0, NULL, 0, NULL, 0,
	    "MaxMind Country database: country of remote addresses, before "
	    "the City database's" },
	{ SEC_GEOIP, "asn", T_MMDB, NULL, NULL, NULL, 1,
	    C(geoip_asn), 0, NULL, 0, NULL, 0,
	    "MaxMind ASN database: AS number and organisation" },
	{ SEC_GEOIP, "cache", T_UINT, "1024", "0", "1000000", 1,
	    C(geoip_cache), 0, NULL, 0, NULL, 0,
	    "lookups remembered, by address; 0: none" },

	{ SEC_SEVERITY, "default", T_ENUM, "high", NULL, NULL, 1,
	    C(severity), 0, conf_severities, 0, NULL, 0,
	    "severity of an alert whose signature status is not listed "
	    "below" },
	{ SEC_SEVERITY, "critical", T_LIST, NULL, NULL, NULL, 1,
	    C(sev_critical), 0, conf_is_status, 0, NULL, 0,
	    "signature statuses whose alerts are critical" },
	{ SEC_SEVERITY, "high", T_LIST, NULL, NULL, NULL, 1,
	    C(sev_high), 0, conf_is_status, 0, NULL, 0,
	    "signature statuses whose alerts are high" },
	{ SEC_SEVERITY, "medium", T_LIST, NULL, NULL, NULL, 1,
	    C(sev_medium), 0, conf_is_status, 0, NULL, 0,
	    "signature statuses whose alerts are medium" },
	{ SEC_SEVERITY, "low", T_LIST, NULL, NULL, NULL, 1,
	    C(sev_low), 0, conf_is_status, 0, NULL, 0,
	    "signature statuses whose alerts are low" },
	{ SEC_SEVERITY, "info", T_LIST, NULL, NULL, NULL, 1,
	    C(sev_info), 0, conf_is_status, 0, NULL, 0,
	    "signature statuses whose alerts are info" },
	{ SEC_SEVERITY, "escalate_country", T_LIST, NULL, NULL, NULL, 1,
	    C(escalate_country), 0, conf_is_country, 0, NULL, 0,
	    "netjoin alerts towards these countries are critical (needs "
	    "[geoip] city or country)" },
	{ SEC_SEVERITY, "escalate_asn", T_LIST, NULL, NULL, NULL, 1,
	    C(escalate_asn), 0, conf_is_asn, 0, NULL, 0,
	    "netjoin alerts towards these AS numbers are critical (needs "
	    "[geoip] asn)" },

	{ SEC_METRICS, "listen", T_STRING, NULL, NULL, NULL, 1,
	    C(metrics_listen), 0, NULL, 0, NULL, 0,
	    "ADDRESS:PORT ([ADDRESS]:PORT for IPv6) to serve Prometheus "
	    "metrics on, over HTTP; when not set, none" },

	{ SEC_OUTPUT, "type", T_ENUM, NULL, NULL, NULL, 1,
	    O(type), 0, conf_output_types, 0, NULL, 0,
	    "where alerts go: stdout, file, webhook or syslog (required)" },
	{ SEC_OUTPUT, "format", T_ENUM, "text", NULL, NULL, 1,
	    O(format), 0, conf_output_formats, 0, "type", O_NET,
	    "stdout and file: text, json, cef or leef; webhook: json, slack "
	    "or teams; syslog: json, text, cef or leef (required)" },
	{ SEC_OUTPUT, "path", T_STRING, NULL, NULL, NULL, 1,
	    O(path), 0, NULL, BIT(OUT_FILE), "type", BIT(OUT_FILE),
	    "file the alerts are appended to; reopened on SIGHUP" },
	{ SEC_OUTPUT, "rules", T_STRING_LIST, "netjoin, imageload",
	    "1", CONF_STR(CONF_MAX_RULES), 1,
	    O(rules), O(nrules), conf_rule_names, 0, NULL, 0,
	    "the rules whose alerts this output sends" },
	{ SEC_OUTPUT, "min_severity", T_ENUM, "info", NULL, NULL, 1,
	    O(min_severity), 0, conf_severities, 0, NULL, 0,
	    "alerts of a lower severity are filtered out and counted" },
	{ SEC_OUTPUT, "queue_size", T_UINT, "10000", "1", "10000000", 1,
	    O(queue_size), 0, NULL, O_NET, NULL, 0,
	    "alerts held in memory for delivery; when full, the oldest is "
	    "dropped and counted" },
	{ SEC_OUTPUT, "spool", T_STRING, NULL, NULL, NULL, 0,
	    O(spool), 0, NULL, O_NET, NULL, 0,
	    "directory that makes the queue disk-backed: undelivered "
	    "alerts survive a restart" },
	{ SEC_OUTPUT, "spool_max", T_SIZE, "1G", "1M", "1T", 1,
	    O(spool_max), 0, NULL, O_NET, NULL, 0,
	    "bytes the spool may hold; when full, new alerts are dropped "
	    "and counted" },
	{ SEC_OUTPUT, "max_retries", T_UINT, "100", "0", "1000000", 1,
	    O(max_retries), 0, NULL, O_NET, NULL, 0,
	    "retries of one delivery before its alerts are dropped" },
	{ SEC_OUTPUT, "max_age", T_DURATION, "1d", "1s", "30d", 1,
	    O(max_age), 0, NULL, O_NET, NULL, 0,
	    "an alert queued longer than this is dropped, not sent" },
	{ SEC_OUTPUT, "backoff_min", T_DURATION, "1s", "10ms", "1h", 1,
	    O(backoff_min), 0, NULL, O_NET, NULL, 0,
	    "delay before the first retry; it doubles on each retry" },
	{ SEC_OUTPUT, "backoff_max", T_DURATION, "5m", "10ms", "1d", 1,
	    O(backoff_max), 0, NULL, O_NET, NULL, 0,
	    "longest delay between two retries" },
	{ SEC_OUTPUT, "connect_timeout", T_DURATION, "10s", "100ms", "5m", 1,
	    O(connect_timeout), 0, NULL, O_NET, NULL, 0,
	    "a connection not made in this time is given up and retried" },
	{ SEC_OUTPUT, "request_timeout", T_DURATION, "30s", "100ms", "1h", 1,
	    O(request_timeout), 0, NULL, O_NET, NULL, 0,
	    "a delivery not done in this time is given up and retried" },
	{ SEC_OUTPUT, "ca_file", T_FILE, NULL, NULL, NULL, 1,
	    O(ca_file), 0, NULL, O_NET, NULL, 0,
	    "PEM CA certificates trusted besides the system's" },
	{ SEC_OUTPUT, "tls_verify", T_BOOL, "yes", NULL, NULL, 1,
	    O(tls_verify), 0, NULL, O_NET, NULL, 0,
	    "verify the server's certificate chain and name" },
	{ SEC_OUTPUT, "url", T_STRING, NULL, NULL, NULL, 1,
	    O(url), 0, NULL, O_HOOK, "type", O_HOOK,
	    "http:// or https:// URL the alerts are POSTed to" },
	{ SEC_OUTPUT, "batch", T_UINT, "1", "1", "1000", 1,
	    O(batch), 0, NULL, O_HOOK, NULL, 0,
	    "format json: alerts per request; more than 1 sends a JSON "
	    "array" },
	{ SEC_OUTPUT, "header", T_LINE_LIST, NULL,
	    "0", CONF_STR(CONF_MAX_HEADERS), 1,
	    O(headers), O(nheaders), NULL, O_HOOK, NULL, 0,
	    "an HTTP header, Name: value; the key may repeat" },
	{ SEC_OUTPUT, "header_file", T_FILE, NULL, NULL, NULL, 1,
	    O(header_file), 0, NULL, O_HOOK, NULL, 0,
	    "file holding one secret header line, Name: value" },
	{ SEC_OUTPUT, "hmac_key_file", T_FILE, NULL, NULL, NULL, 1,
	    O(hmac_key_file), 0, NULL, O_HOOK, NULL, 0,
	    "file holding the key that signs each request with "
	    "HMAC-SHA256" },
	{ SEC_OUTPUT, "retry_after_max", T_DURATION, "5m", "1s", "1d", 1,
	    O(retry_after_max), 0, NULL, O_HOOK, NULL, 0,
	    "a longer Retry-After from the server is cut to this" },
	{ SEC_OUTPUT, "target", T_STRING, NULL, NULL, NULL, 1,
	    O(target), 0, NULL, O_SYS, "type", O_SYS,
	    "udp://HOST:PORT, tcp://HOST:PORT, tls://HOST:PORT or "
	    "unix:PATH" },
	{ SEC_OUTPUT, "protocol", T_ENUM, "rfc5424", NULL, NULL, 1,
	    O(protocol), 0, conf_syslog_protocols, O_SYS, NULL, 0,
	    "rfc5424 or rfc3164 message header" },
	{ SEC_OUTPUT, "facility", T_ENUM, "user", NULL, NULL, 1,
	    O(facility), 0, conf_facilities, O_SYS, NULL, 0,
	    "syslog facility of the messages" },
	{ SEC_OUTPUT, "app_name", T_STRING, "signetd", NULL, NULL, 1,
	    O(app_name), 0, NULL, O_SYS, NULL, 0,
	    "APP-NAME (RFC 5424) or TAG (RFC 3164) of the messages" },
};

#define CONF_NOPTIONS	(sizeof(conf_options) / sizeof(conf_options[0]))

static const struct conf_named conf_nameds[] = {
	{ SEC_LISTEN, "listener", sizeof(struct conf_listen),
	    C(listens), C(nlistens), L(name), L(line), "proto", NULL },
	{ SEC_ALLOW, "allow scope", sizeof(struct conf_allow),
	    C(allows), C(nallows), A(name), A(line), NULL,
	    conf_allow_scopes },
	{ SEC_OUTPUT, "output", sizeof(struct conf_output),
	    C(outputs), C(noutputs), O(name), O(line), "type", NULL },
};

#define CONF_NNAMEDS	(sizeof(conf_nameds) / sizeof(conf_nameds[0]))

/*
 * The embedded named sections, each given the value of its select key;
 * the first section of a kind in a file replaces them all.
 */
static const struct {
	enum conf_section	 sec;
	const char		*name;
	const char		*select;
} conf_builtins[] = {
	{ SEC_LISTEN, "udp", "udp" },
	{ SEC_LISTEN, "tcp", "tcp" },
	{ SEC_OUTPUT, "stdout", "stdout" },
};

/* What the handler needs while one file is read. */
struct conf_parse {
	struct conf		*conf;
	const char		*path;
	FILE			*fp;
	FILE			*errfp;
	int			 nerr;
	int			 line;		/* of the line inih holds */
	int			 rerrno;	/* a read error, or 0 */
	enum conf_section	 sec;
	int			 skip;		/* keys here are not ours */
	char			 secname[CONF_NAME_MAX + 1];
	size_t			 idx;		/* of the current named one */
	int			 replaced[SEC_MAX];	/* built-ins gone */
	int			 bad_select;	/* its select key's value */
	int			 cont;		/* line continues a list */
	int			 may_cont;	/* an indented line would */
	const struct conf_option *last;		/* key of the last key line */
	int			 secline[SEC_MAX];
	int			 seen[CONF_NOPTIONS];	/* line a key was set */
};

static void	 conf_error(struct conf_parse *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static const char *conf_vis(const char *, char *, size_t);
static int	 conf_strcaseeq(const char *, const char *);
static int	 conf_parse_u64(const char *, uint64_t *, const char **);
static int	 conf_parse_dur(const char *, int64_t *);
static int	 conf_parse_sz(const char *, uint64_t *);
static int	 conf_parse_bool(const char *, int *);
static int	 conf_parse_num(const struct conf_option *, const char *,
		    uint64_t *);
static int	 conf_split(char *, char **, char *, size_t);
static void	 conf_defaults(struct conf *, enum conf_section, size_t);
static void	 conf_continue(struct conf_parse *, const char *);
static void	 conf_dump_duration(int64_t, FILE *);
static void	 conf_dump_size(uint64_t, FILE *);
static const char *conf_type_name(const struct conf_option *);
static int	 conf_set_number(const struct conf_option *, void *,
		    const char *, char *, size_t);
static size_t	 conf_words(const char *const *, unsigned int, char *,
		    size_t);
static int	 conf_set_enum(const struct conf_option *, void *,
		    const char *, char *, size_t);
static int	 conf_set_cidrs(const struct conf_option *, void *,
		    const char *, int, char *, size_t);
static char	*conf_list_item(const struct conf_option *, const char *,
		    char *, size_t);
static int	 conf_set_strings(const struct conf_option *, void *,
		    const char *, int, char *, size_t);
static int	 conf_check_file(const char *, char *, size_t);
static int	 conf_set_file(void *, const char *, char *, size_t);
static int	 conf_set_mmdb(const struct conf_option *, void *,
		    const char *, char *, size_t);
static int	 conf_list_check(const struct conf_option *, const char *,
		    char *, size_t);
static int	 conf_set_list(const struct conf_option *, void *,
		    const char *, int, char *, size_t);
static int	 conf_add_line(const struct conf_option *, void *,
		    const char *, char *, size_t);
static int	 conf_set(const struct conf_option *, void *, const char *,
		    int, char *, size_t);
static int	 conf_is_list(const struct conf_option *);
static const struct conf_named *conf_named_of(enum conf_section);
static char	*conf_named_at(const struct conf *,
		    const struct conf_named *, size_t);
static size_t	*conf_named_count(const struct conf *,
		    const struct conf_named *);
static char	*conf_named_name(const struct conf_named *, const char *);
static int	 conf_named_line(const struct conf_named *, const char *);
static size_t	 conf_named_add(struct conf *, const struct conf_named *,
		    const char *, int);
static void	 conf_named_free(struct conf *, const struct conf_named *);
static void	*conf_base(const struct conf *, const struct conf_option *,
		    size_t);
static const struct conf_option *conf_find(enum conf_section,
		    const char *);
static int	 conf_enum_value(const struct conf_option *, const char *);
static int	 conf_applies(const struct conf_option *,
		    const struct conf_named *, const char *);
static void	 conf_values_free(enum conf_section, char *);
static void	 conf_named_need(struct conf_parse *,
		    const struct conf_named *, const char *);
static void	 conf_named_check(struct conf_parse *,
		    const struct conf_named *, const char *);
static void	 conf_section_close(struct conf_parse *);
static int	 conf_section_is(enum conf_section, const char *,
		    const char *);
static void	 conf_section_open(struct conf_parse *, char *);
static void	 conf_section_named(struct conf_parse *,
		    const struct conf_named *, const char *);
static void	 conf_line_section(struct conf_parse *, char *, char *);
static void	 conf_line_key(struct conf_parse *, char *, char *);
static void	 conf_line(struct conf_parse *, char *);
static char	*conf_reader(char *, int, void *);
static int	 conf_handler(void *, const char *, const char *,
		    const char *);
static const char *conf_listen_shared(const struct conf_listen *,
		    const struct conf_listen *);
static void	 conf_listen_clash(struct conf_parse *);
static void	 conf_metrics_listen(struct conf_parse *);
static int	 conf_seen(const struct conf_parse *, enum conf_section,
		    const char *);
static void	 conf_severity_clash(struct conf_parse *);
static void	 conf_geoip_needs(struct conf_parse *);
static void	 conf_dump_value(const struct conf_option *, const void *,
		    size_t, FILE *);
static void	 conf_dump_item(const char *, size_t *, FILE *);
static int	 conf_cidrs_special(const struct cidr_list *);
static void	 conf_dump_cidrs(const struct conf_option *,
		    const struct cidr_list *, size_t, FILE *);
static void	 conf_dump_lines(const struct conf_option *, const void *,
		    FILE *);
static int	 conf_dump_skip(const struct conf_option *,
		    const struct conf_named *, const char *, const void *);
static void	 conf_dump_section(const struct conf *, enum conf_section,
		    size_t, FILE *);

/* Report one problem as "path:line: message" and count it. */
static void
conf_error(struct conf_parse *p, int line, const char *fmt, ...)
{
	va_list	 ap;

	p->nerr++;
	if (p->errfp == NULL)
		return;
	if (line > 0)
		fprintf(p->errfp, "%s:%d: ", p->path, line);
	else
		fprintf(p->errfp, "%s: ", p->path);
	va_start(ap, fmt);
	vfprintf(p->errfp, fmt, ap);
	va_end(ap);
	fputc('\n', p->errfp);
}

/* Input quoted in a message: bytes a terminal would act on as \xNN. */
static const char *
conf_vis(const char *s, char *buf, size_t len)
{
	size_t		 i = 0;
	unsigned char	 c;

	/* Each step leaves room for "\xNN" and then "...". */
	for (; *s != '\0'; s++) {
		if (i + 8 >= len) {
			memcpy(buf + i, "...", 4);
			return (buf);
		}
		c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f)
			buf[i++] = (char)c;
		else
			i += (size_t)snprintf(buf + i, len - i, "\\x%02x", c);
	}
	buf[i] = '\0';
	return (buf);
}

/* ASCII-only, so a locale never changes what a keyword is. */
static int
conf_strcaseeq(const char *a, const char *b)
{
	unsigned char	 ca, cb;

	do {
		ca = (unsigned char)*a++;
		cb = (unsigned char)*b++;
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return (0);
	} while (ca != '\0');
	return (1);
}

/*
 * Leading decimal digits of s; *end is set after them. Returns 0, -1 if
 * there is no digit, -2 on overflow.
 */
static int
conf_parse_u64(const char *s, uint64_t *out, const char **end)
{
	uint64_t	 v = 0, d;

	if (*s < '0' || *s > '9')
		return (-1);
	for (; *s >= '0' && *s <= '9'; s++) {
		d = (uint64_t)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return (-2);
		v = v * 10 + d;
	}
	*out = v;
	*end = s;
	return (0);
}

/* A duration in µs: digits and one of ms, s, m, h, d (none: seconds). */
static int
conf_parse_dur(const char *s, int64_t *out)
{
	static const struct {
		const char	*unit;
		uint64_t	 us;
	} units[] = {
		{ "", 1000000 }, { "ms", 1000 }, { "s", 1000000 },
		{ "m", 60 * UINT64_C(1000000) },
		{ "h", 3600 * UINT64_C(1000000) },
		{ "d", 86400 * UINT64_C(1000000) },
	};
	const char	*end;
	uint64_t	 v;
	size_t		 i;
	int		 rv;

	if ((rv = conf_parse_u64(s, &v, &end)) != 0)
		return (rv);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		if (v > INT64_MAX / units[i].us)
			return (-2);
		*out = (int64_t)(v * units[i].us);
		return (0);
	}
	return (-1);
}

/* A size in bytes: digits, then K, M, G or T (powers of 1024), then B. */
static int
conf_parse_sz(const char *s, uint64_t *out)
{
	static const char	 units[] = "KMGT";
	const char		*end, *u;
	uint64_t		 v;
	int			 rv, shift = 0;
	char			 c;

	if ((rv = conf_parse_u64(s, &v, &end)) != 0)
		return (rv);
	c = *end >= 'a' && *end <= 'z' ? (char)(*end - 'a' + 'A') : *end;
	if (c != '\0' && (u = strchr(units, c)) != NULL) {
		shift = 10 * (int)(u - units + 1);
		end++;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0')
		return (-1);
	if (shift > 0 && v > UINT64_MAX >> shift)
		return (-2);
	*out = v << shift;
	return (0);
}

int
conf_parse_duration(const char *s, int64_t *out)
{
	return (conf_parse_dur(s, out) == 0 ? 0 : -1);
}

int
conf_parse_size(const char *s, uint64_t *out)
{
	return (conf_parse_sz(s, out) == 0 ? 0 : -1);
}

static int
conf_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t			 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (conf_strcaseeq(s, yes[i])) {
			*out = 1;
			return (0);
		}
		if (conf_strcaseeq(s, no[i])) {
			*out = 0;
			return (0);
		}
	}
	return (-1);
}

static const char *
conf_type_name(const struct conf_option *o)
{
	switch (o->type) {
	case T_BOOL:
		return ("boolean (yes or no)");
	case T_DURATION:
		return ("duration (a number and ms, s, m, h or d)");
	case T_SIZE:
		return ("size (a number and K, M, G or T)");
	case T_UINT:
	case T_PORT:
		return ("number");
	default:
		return ("value");
	}
}

/* Parse a number of the option's type into v, then check the bounds. */
static int
conf_parse_num(const struct conf_option *o, const char *s, uint64_t *v)
{
	int64_t	 d;
	int	 rv;

	switch (o->type) {
	case T_DURATION:
		if ((rv = conf_parse_dur(s, &d)) == 0)
			*v = (uint64_t)d;
		return (rv);
	case T_SIZE:
		return (conf_parse_sz(s, v));
	default:
		if ((rv = conf_parse_u64(s, v, &s)) == 0 && *s != '\0')
			rv = -1;
		return (rv);
	}
}

/* The numeric types: parse, check the bounds, store. */
static int
conf_set_number(const struct conf_option *o, void *dst, const char *s,
    char *why, size_t len)
{
	char		 vis[CONF_VIS_MAX];
	uint64_t	 v, min = 0, max = UINT64_MAX;
	int		 rv;

	rv = conf_parse_num(o, s, &v);
	if (rv == 0 && o->min != NULL && conf_parse_num(o, o->min, &min) != 0)
		fatalx("%s: bad bound %s of %s", __func__, o->min, o->key);
	if (rv == 0 && o->max != NULL && conf_parse_num(o, o->max, &max) != 0)
		fatalx("%s: bad bound %s of %s", __func__, o->max, o->key);
	if (rv == -1) {
		snprintf(why, len, "'%s' is not a %s",
		    conf_vis(s, vis, sizeof(vis)), conf_type_name(o));
		return (-1);
	}
	if (rv == -2 || v < min || v > max) {
		snprintf(why, len, "'%s' is out of range (%s to %s)",
		    conf_vis(s, vis, sizeof(vis)), o->min, o->max);
		return (-1);
	}
	if (o->type == T_DURATION)
		*(int64_t *)dst = (int64_t)v;
	else if (o->type == T_PORT)
		*(uint16_t *)dst = (uint16_t)v;
	else
		*(uint64_t *)dst = v;
	return (0);
}

/*
 * The words whose bit is in mask, as "a, b or c", into buf; returns the
 * length it would have, as snprintf does.
 */
static size_t
conf_words(const char *const *words, unsigned int mask, char *buf,
    size_t len)
{
	size_t	 i, k, n = 0, left = 0;

	for (i = 0; words[i] != NULL; i++)
		left += (mask & BIT(i)) != 0;
	if (len > 0)
		buf[0] = '\0';
	for (i = 0, k = 0; words[i] != NULL; i++) {
		if ((mask & BIT(i)) == 0)
			continue;
		k++;
		n += (size_t)snprintf(buf + (n < len ? n : len),
		    n < len ? len - n : 0, "%s%s",
		    k == 1 ? "" : (k == left ? " or " : ", "), words[i]);
	}
	return (n);
}

static int
conf_set_enum(const struct conf_option *o, void *dst, const char *s,
    char *why, size_t len)
{
	char	 vis[CONF_VIS_MAX], words[128];
	size_t	 i;
	int	 v;

	for (i = 0; o->words[i] != NULL; i++) {
		if (strcmp(s, o->words[i]) == 0) {
			v = (int)i;
			memcpy(dst, &v, sizeof(v));
			return (0);
		}
	}
	conf_words(o->words, ~0u, words, sizeof(words));
	snprintf(why, len, "'%s' is not %s", conf_vis(s, vis, sizeof(vis)),
	    words);
	return (-1);
}

/*
 * Split a comma-separated list in place into items, which has room for
 * one item per two bytes of s, plus one. Items are trimmed of blanks and
 * must not be empty; a trailing comma is allowed, as a list continued on
 * the next line reads best with one. Returns the number of items, or -1.
 */
static int
conf_split(char *s, char **items, char *why, size_t len)
{
	char	*p, *e;
	int	 n = 0;

	for (;;) {
		if ((e = strchr(s, ',')) != NULL)
			*e = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		p = s + strlen(s);
		while (p > s && (p[-1] == ' ' || p[-1] == '\t'))
			*--p = '\0';
		if (*s == '\0' && e == NULL && n > 0)
			return (n);
		if (*s == '\0') {
			snprintf(why, len, "empty list item");
			return (-1);
		}
		items[n++] = s;
		if (e == NULL)
			return (n);
		s = e + 1;
	}
}

/*
 * A list of prefixes, where the option's word ("default"), if it has
 * one, stands for the special-purpose ranges. A key line replaces the
 * list; a continuation line extends it.
 */
static int
conf_set_cidrs(const struct conf_option *o, void *dst, const char *value,
    int cont, char *why, size_t len)
{
	struct cidr_list	*l = dst, tmp;
	struct cidr		 c;
	char			 vis[CONF_VIS_MAX];
	char			*buf, **items;
	size_t			 i;
	int			 n, rv = -1;

	buf = xstrdup(value);
	items = xreallocarray(NULL, strlen(buf) / 2 + 1, sizeof(*items));
	cidr_list_init(&tmp);
	if ((n = conf_split(buf, items, why, len)) == -1)
		goto done;
	for (i = 0; i < (size_t)n; i++) {
		if (o->words != NULL && strcmp(items[i], o->words[0]) == 0)
			cidr_list_add_special(&tmp);
		else if (cidr_parse(items[i], strlen(items[i]), &c) == 0)
			cidr_list_add(&tmp, &c);
		else {
			snprintf(why, len, "'%s' is not an address or prefix",
			    conf_vis(items[i], vis, sizeof(vis)));
			goto done;
		}
	}
	if (!cont)
		l->n = 0;
	for (i = 0; i < tmp.n; i++)
		cidr_list_add(l, &tmp.v[i]);
	rv = 0;
done:
	cidr_list_clear(&tmp);
	free(items);
	free(buf);
	return (rv);
}

/*
 * One item of a word list, as it is kept: an address is checked and put
 * in its canonical form, so that "::1" and "0::1" are seen to be one; in
 * a list with words, an item must be one of them.
 * Returns a copy, or NULL with why saying what is wrong.
 */
static char *
conf_list_item(const struct conf_option *o, const char *s, char *why,
    size_t len)
{
	struct in6_addr	 a;
	char		 buf[ADDR_STRLEN], vis[CONF_VIS_MAX], words[128];
	size_t		 i;

	if (o->type != T_ADDR_LIST && o->words != NULL) {
		for (i = 0; o->words[i] != NULL; i++)
			if (strcmp(s, o->words[i]) == 0)
				return (xstrdup(s));
		conf_words(o->words, ~0u, words, sizeof(words));
		snprintf(why, len, "'%s' is not %s",
		    conf_vis(s, vis, sizeof(vis)), words);
		return (NULL);
	}
	if (o->type != T_ADDR_LIST)
		return (xstrdup(s));
	if (addr_parse(s, strlen(s), &a) == 0 &&
	    addr_format(&a, buf, sizeof(buf)) > 0)
		return (xstrdup(buf));
	if (strcmp(s, "*") == 0)
		snprintf(why, len, "'*' is not supported: use 0.0.0.0 and :: "
		    "for every address");
	else
		snprintf(why, len, "'%s' is not an IPv4 or IPv6 address",
		    conf_vis(s, vis, sizeof(vis)));
	return (NULL);
}

/* A list of words (statuses, addresses); duplicates are refused. */
static int
conf_set_strings(const struct conf_option *o, void *dst, const char *value,
    int cont, char *why, size_t len)
{
	char		**v = dst;
	size_t		*np = (size_t *)((char *)dst - o->off + o->noff);
	char		 vis[CONF_VIS_MAX];
	char		*buf, **items, **own;
	size_t		 base, max, i, j, nown = 0;
	int		 n, rv = -1;

	max = (size_t)strtoul(o->max, NULL, 10);
	base = cont ? *np : 0;
	buf = xstrdup(value);
	items = xreallocarray(NULL, strlen(buf) / 2 + 1, sizeof(*items));
	own = xreallocarray(NULL, strlen(buf) / 2 + 1, sizeof(*own));
	if ((n = conf_split(buf, items, why, len)) == -1)
		goto done;
	if (base + (size_t)n > max) {
		snprintf(why, len, "more than %zu items", max);
		goto done;
	}
	for (; nown < (size_t)n; nown++)
		if ((own[nown] = conf_list_item(o, items[nown], why,
		    len)) == NULL)
			goto done;
	for (i = 0; i < (size_t)n; i++) {
		for (j = 0; j < base + i; j++) {
			if (strcmp(j < base ? v[j] : own[j - base],
			    own[i]) == 0) {
				snprintf(why, len, "'%s' is listed twice",
				    conf_vis(own[i], vis, sizeof(vis)));
				goto done;
			}
		}
	}
	for (i = base; i < *np; i++) {
		free(v[i]);
		v[i] = NULL;
	}
	for (i = 0; i < (size_t)n; i++)
		v[base + i] = own[i];
	*np = base + (size_t)n;
	nown = 0;
	rv = 0;
done:
	for (i = 0; i < nown; i++)
		free(own[i]);
	free(own);
	free(items);
	free(buf);
	return (rv);
}

/*
 * A file the daemon reads when it starts (a certificate or key): one it
 * cannot read is reported here, so that signetd -t catches it. The path
 * is quoted whole: it fits in a line, shorter than INI_MAX_LINE.
 */
static int
conf_check_file(const char *s, char *why, size_t len)
{
	struct stat	 st;
	char		 vis[INI_MAX_LINE + 8];
	int		 e = 0;

	if (access(s, R_OK) == -1)
		e = errno;
	else if (stat(s, &st) == 0 && S_ISDIR(st.st_mode))
		e = EISDIR;
	if (e != 0) {
		snprintf(why, len, "%s: %s", conf_vis(s, vis, sizeof(vis)),
		    strerror(e));
		return (-1);
	}
	return (0);
}

static int
conf_set_file(void *dst, const char *s, char *why, size_t len)
{
	if (conf_check_file(s, why, len) == -1)
		return (-1);
	free(*(char **)dst);
	*(char **)dst = xstrdup(s);
	return (0);
}

/*
 * A MaxMind DB file: it is opened and its type checked now, so that
 * signetd -t catches a missing, corrupt or wrong database.
 */
static int
conf_set_mmdb(const struct conf_option *o, void *dst, const char *s,
    char *why, size_t len)
{
	int	 db;

	if ((db = geoip_db_parse(o->key)) == -1)
		fatalx("%s: %s is no database kind", __func__, o->key);
	if (geoip_check(db, s, why, len) == -1)
		return (-1);
	free(*(char **)dst);
	*(char **)dst = xstrdup(s);
	return (0);
}

/*
 * A key that may repeat (an HTTP header): each line adds its value as it
 * is, commas and all, up to the option's max.
 */
static int
conf_add_line(const struct conf_option *o, void *dst, const char *s,
    char *why, size_t len)
{
	char	**v = dst;
	size_t	 *np = (size_t *)((char *)dst - o->off + o->noff);
	size_t	  max;

	max = (size_t)strtoul(o->max, NULL, 10);
	if (*np >= max) {
		snprintf(why, len, "more than %zu %s lines", max, o->key);
		return (-1);
	}
	v[(*np)++] = xstrdup(s);
	return (0);
}

/*
 * Is s an item of list o? Its words[0] says what the items are: list
 * files (readable), signature statuses (one word), or the values of an
 * allowlist kind (allow_item_check).
 */
static int
conf_list_check(const struct conf_option *o, const char *s, char *why,
    size_t len)
{
	const char	*what = o->words[0], *q;
	char		 vis[CONF_VIS_MAX];
	int		 k;

	if (strcmp(what, "file") == 0)
		return (conf_check_file(s, why, len));
	if (strcmp(what, "status") == 0) {
		for (q = s; *q != '\0'; q++) {
			if ((unsigned char)*q <= ' ' || *q == 0x7f) {
				snprintf(why, len, "'%s' is not a signature "
				    "status (one word)",
				    conf_vis(s, vis, sizeof(vis)));
				return (-1);
			}
		}
		return (0);
	}
	if ((k = allow_kind_parse(what)) == -1)
		fatalx("%s: %s: no such kind %s", __func__, o->key, what);
	return (allow_item_check(k, s, why, len));
}

/*
 * A list of any length whose items are checked by conf_list_check(); an
 * item given twice is refused. A key line replaces the list; a
 * continuation line extends it.
 */
static int
conf_set_list(const struct conf_option *o, void *dst, const char *value,
    int cont, char *why, size_t len)
{
	struct conf_list	*l = dst;
	char			 vis[CONF_VIS_MAX];
	char			*buf, **items;
	size_t			 i, j;
	int			 n, rv = -1;

	buf = xstrdup(value);
	items = xreallocarray(NULL, strlen(buf) / 2 + 1, sizeof(*items));
	if ((n = conf_split(buf, items, why, len)) == -1)
		goto done;
	for (i = 0; i < (size_t)n; i++) {
		if (conf_list_check(o, items[i], why, len) == -1)
			goto done;
		for (j = 0; j < i + (cont ? l->n : 0); j++) {
			if (strcmp(j < i ? items[j] : l->v[j - i],
			    items[i]) == 0) {
				snprintf(why, len, "'%s' is listed twice",
				    conf_vis(items[i], vis, sizeof(vis)));
				goto done;
			}
		}
	}
	if (!cont) {
		for (i = 0; i < l->n; i++)
			free(l->v[i]);
		l->n = 0;
	}
	l->v = xreallocarray(l->v, l->n + (size_t)n, sizeof(*l->v));
	for (i = 0; i < (size_t)n; i++)
		l->v[l->n++] = xstrdup(items[i]);
	rv = 0;
done:
	free(items);
	free(buf);
	return (rv);
}

/*
 * Give option o the value s; dst is where it lives. cont: s continues a
 * list on an indented line. On error why says what is wrong with s.
 */
static int
conf_set(const struct conf_option *o, void *dst, const char *s, int cont,
    char *why, size_t len)
{
	char	 vis[CONF_VIS_MAX];

	if (*s == '\0') {
		snprintf(why, len, "empty value");
		return (-1);
	}
	switch (o->type) {
	case T_BOOL:
		if (conf_parse_bool(s, dst) == 0)
			return (0);
		snprintf(why, len, "'%s' is not a boolean (yes, no, true, "
		    "false, on, off, 1 or 0)", conf_vis(s, vis, sizeof(vis)));
		return (-1);
	case T_DURATION:
	case T_SIZE:
	case T_UINT:
	case T_PORT:
		return (conf_set_number(o, dst, s, why, len));
	case T_STRING:
		free(*(char **)dst);
		*(char **)dst = xstrdup(s);
		return (0);
	case T_FILE:
		return (conf_set_file(dst, s, why, len));
	case T_MMDB:
		return (conf_set_mmdb(o, dst, s, why, len));
	case T_LIST:
		return (conf_set_list(o, dst, s, cont, why, len));
	case T_ENUM:
		return (conf_set_enum(o, dst, s, why, len));
	case T_CIDR_LIST:
		return (conf_set_cidrs(o, dst, s, cont, why, len));
	case T_STRING_LIST:
	case T_ADDR_LIST:
		return (conf_set_strings(o, dst, s, cont, why, len));
	case T_LINE_LIST:
		return (conf_add_line(o, dst, s, why, len));
	}
	return (-1);
}

/* May the value go on over indented lines? */
static int
conf_is_list(const struct conf_option *o)
{
	return (o->type == T_CIDR_LIST || o->type == T_STRING_LIST ||
	    o->type == T_ADDR_LIST || o->type == T_LIST);
}

/* The named kind of section sec, or NULL for a section there is one of. */
static const struct conf_named *
conf_named_of(enum conf_section sec)
{
	size_t	 i;

	for (i = 0; i < CONF_NNAMEDS; i++)
		if (conf_nameds[i].sec == sec)
			return (&conf_nameds[i]);
	return (NULL);
}

/*
 * Element i of kind k. The array pointer is a struct pointer of its own
 * type in struct conf; it is copied out, not read through a char **.
 */
static char *
conf_named_at(const struct conf *c, const struct conf_named *k, size_t i)
{
	char	*v;

	memcpy(&v, (const char *)c + k->voff, sizeof(v));
	return (v + i * k->size);
}

static size_t *
conf_named_count(const struct conf *c, const struct conf_named *k)
{
	return ((size_t *)((char *)c + k->noff));
}

static char *
conf_named_name(const struct conf_named *k, const char *e)
{
	char	*name;

	memcpy(&name, e + k->nameoff, sizeof(name));
	return (name);
}

static int
conf_named_line(const struct conf_named *k, const char *e)
{
	int	 line;

	memcpy(&line, e + k->lineoff, sizeof(line));
	return (line);
}

/* Where option o lives: in the conf, or in element idx of its kind. */
static void *
conf_base(const struct conf *c, const struct conf_option *o, size_t idx)
{
	const struct conf_named	*k;

	if ((k = conf_named_of(o->sec)) != NULL)
		return (conf_named_at(c, k, idx) + o->off);
	return ((char *)c + o->off);
}

static const struct conf_option *
conf_find(enum conf_section sec, const char *key)
{
	size_t	 i;

	for (i = 0; i < CONF_NOPTIONS; i++)
		if (conf_options[i].sec == sec &&
		    strcmp(conf_options[i].key, key) == 0)
			return (&conf_options[i]);
	return (NULL);
}

/* The value of enum option o in element e. */
static int
conf_enum_value(const struct conf_option *o, const char *e)
{
	int	 v;

	memcpy(&v, e + o->off, sizeof(v));
	return (v);
}

/* Does o apply to element e, given the kind its select key says? */
static int
conf_applies(const struct conf_option *o, const struct conf_named *k,
    const char *e)
{
	if (o->only == 0)
		return (1);
	return ((o->only & BIT(conf_enum_value(conf_find(k->sec, k->select),
	    e))) != 0);
}

/* Apply the table's defaults to one section; they are known good. */
static void
conf_defaults(struct conf *c, enum conf_section sec, size_t idx)
{
	const struct conf_option	*o;
	char				 why[256];

	for (o = conf_options; o < conf_options + CONF_NOPTIONS; o++) {
		if (o->sec != sec || o->def == NULL)
			continue;
		if (conf_set(o, conf_base(c, o, idx), o->def, 0, why,
		    sizeof(why)) == -1)
			fatalx("default of %s: %s", o->key, why);
	}
}

/* Free what option o owns at base, and leave it empty. */
static void
conf_value_free(const struct conf_option *o, char *base)
{
	struct conf_list	*l;
	char			**v;
	size_t			*np, i;

	switch (o->type) {
	case T_STRING:
	case T_FILE:
	case T_MMDB:
		free(*(char **)(base + o->off));
		*(char **)(base + o->off) = NULL;
		break;
	case T_LIST:
		l = (struct conf_list *)(base + o->off);
		for (i = 0; i < l->n; i++)
			free(l->v[i]);
		free(l->v);
		l->v = NULL;
		l->n = 0;
		break;
	case T_CIDR_LIST:
		cidr_list_clear((struct cidr_list *)(base + o->off));
		break;
	case T_STRING_LIST:
	case T_ADDR_LIST:
	case T_LINE_LIST:
		v = (char **)(base + o->off);
		np = (size_t *)(base + o->noff);
		for (i = 0; i < *np; i++) {
			free(v[i]);
			v[i] = NULL;
		}
		*np = 0;
		break;
	default:
		break;
	}
}

/* Free what the options of section sec, living at base, own. */
static void
conf_values_free(enum conf_section sec, char *base)
{
	const struct conf_option	*o;

	for (o = conf_options; o < conf_options + CONF_NOPTIONS; o++)
		if (o->sec == sec)
			conf_value_free(o, base);
}

/* Append an element of kind k with its defaults; returns its index. */
static size_t
conf_named_add(struct conf *c, const struct conf_named *k, const char *name,
    int line)
{
	size_t	*n = conf_named_count(c, k);
	char	*v, *e, *dup;

	memcpy(&v, (char *)c + k->voff, sizeof(v));
	v = xreallocarray(v, *n + 1, k->size);
	memcpy((char *)c + k->voff, &v, sizeof(v));
	e = v + *n * k->size;
	memset(e, 0, k->size);
	dup = xstrdup(name);
	memcpy(e + k->nameoff, &dup, sizeof(dup));
	memcpy(e + k->lineoff, &line, sizeof(line));
	conf_defaults(c, k->sec, (*n)++);
	return (*n - 1);
}

/* Free every element of kind k. */
static void
conf_named_free(struct conf *c, const struct conf_named *k)
{
	size_t	*n = conf_named_count(c, k);
	char	*v, *e;
	size_t	 i;

	for (i = 0; i < *n; i++) {
		e = conf_named_at(c, k, i);
		free(conf_named_name(k, e));
		conf_values_free(k->sec, e);
	}
	memcpy(&v, (char *)c + k->voff, sizeof(v));
	free(v);
	v = NULL;
	memcpy((char *)c + k->voff, &v, sizeof(v));
	*n = 0;
}

struct conf *
conf_new(void)
{
	struct conf			*c;
	const struct conf_named		*k;
	const struct conf_option	*o;
	enum conf_section		 sec;
	char				 why[256];
	size_t				 i, idx;

	c = xcalloc(1, sizeof(*c));
	cidr_list_init(&c->internal);
	for (sec = SEC_SIGNETD; sec < SEC_MAX; sec++)
		if (conf_named_of(sec) == NULL)
			conf_defaults(c, sec, 0);
	/*
	 * Without [listen] sections UDP and TCP on loopback; without
	 * [output] sections alerts go to stdout as text.
	 */
	for (i = 0; i < sizeof(conf_builtins) / sizeof(conf_builtins[0]);
	    i++) {
		k = conf_named_of(conf_builtins[i].sec);
		idx = conf_named_add(c, k, conf_builtins[i].name, 0);
		o = conf_find(k->sec, k->select);
		if (conf_set(o, conf_base(c, o, idx), conf_builtins[i].select,
		    0, why, sizeof(why)) == -1)
			fatalx("built-in %s: %s", conf_builtins[i].name, why);
	}
	return (c);
}

void
conf_free(struct conf *c)
{
	enum conf_section	 sec;
	size_t			 i;

	if (c == NULL)
		return;
	for (sec = SEC_SIGNETD; sec < SEC_MAX; sec++)
		if (conf_named_of(sec) == NULL)
			conf_values_free(sec, (char *)c);
	for (i = 0; i < CONF_NNAMEDS; i++)
		conf_named_free(c, &conf_nameds[i]);
	free(c->file);
	free(c);
}

size_t
conf_option_count(void)
{
	return (CONF_NOPTIONS);
}

const char *
conf_option_name(size_t i)
{
	return (i < CONF_NOPTIONS ? conf_options[i].key : NULL);
}

const char *
conf_option_section(size_t i)
{
	return (i < CONF_NOPTIONS ?
	    conf_section_names[conf_options[i].sec] : NULL);
}

/*
 * The options of element e that its kind, or another option's value,
 * requires and the section leaves out; reported at the section's line.
 */
static void
conf_named_need(struct conf_parse *p, const struct conf_named *k,
    const char *e)
{
	const struct conf_option	*o, *by;
	int				 v;

	for (o = conf_options; o < conf_options + CONF_NOPTIONS; o++) {
		if (o->sec != k->sec || o->need == 0 ||
		    p->seen[o - conf_options] != 0)
			continue;
		if ((by = conf_find(k->sec, o->need_key)) == NULL ||
		    by->type != T_ENUM)
			fatalx("%s: %s needs a bad key", __func__, o->key);
		/* Not for this kind: nothing to need (nor to set). */
		if (!conf_applies(by, k, e) || !conf_applies(o, k, e))
			continue;
		v = conf_enum_value(by, e);
		if ((o->need & BIT(v)) != 0)
			conf_error(p, conf_named_line(k, e), "[%s %s]: %s %s "
			    "needs a %s", conf_section_names[k->sec],
			    conf_named_name(k, e), by->key, by->words[v],
			    o->key);
	}
}

/*
 * What only a whole named section tells: its select key is set, each
 * option set applies to the kind it selects, and what is required is
 * there.
 */
static void
conf_named_check(struct conf_parse *p, const struct conf_named *k,
    const char *e)
{
	const struct conf_option	*sel, *o;
	const char			*sname = conf_section_names[k->sec];
	char				 words[128];
	int				 line;

	/* The kind is unknown: what applies to it is too. */
	if (p->bad_select || k->select == NULL)
		return;
	sel = conf_find(k->sec, k->select);
	if (p->seen[sel - conf_options] == 0) {
		conf_words(sel->words, ~0u, words, sizeof(words));
		conf_error(p, conf_named_line(k, e), "[%s %s]: missing %s "
		    "(%s)", sname, conf_named_name(k, e), sel->key, words);
		return;
	}
	for (o = conf_options; o < conf_options + CONF_NOPTIONS; o++) {
		if (o->sec != k->sec || conf_applies(o, k, e) ||
		    (line = p->seen[o - conf_options]) == 0)
			continue;
		conf_words(sel->words, o->only, words, sizeof(words));
		conf_error(p, line, "[%s %s]: %s is only for %s %s", sname,
		    conf_named_name(k, e), o->key, sel->key, words);
	}
	conf_named_need(p, k, e);
}

/* The section ends: check what only a whole named section can tell. */
static void
conf_section_close(struct conf_parse *p)
{
	const struct conf_named	*k;

	if (p->skip || (k = conf_named_of(p->sec)) == NULL)
		return;
	conf_named_check(p, k, conf_named_at(p->conf, k, p->idx));
}

/* Open a section of named kind k; p->skip is set if it is refused. */
static void
conf_section_named(struct conf_parse *p, const struct conf_named *k,
    const char *name)
{
	const char	*sname = conf_section_names[k->sec];
	char		 vis[CONF_VIS_MAX], words[128];
	size_t		 i, len, *n;

	if (*name == '\0' && k->names != NULL)
		name = k->names[0];
	len = strlen(name);
	if (len == 0) {
		conf_error(p, p->line, "[%s] needs a name: [%s NAME]", sname,
		    sname);
		return;
	}
	if (len > CONF_SECNAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != len) {
		conf_error(p, p->line, "bad %s name '%s' (1 to %d "
		    "letters, digits, '.', '_' or '-')", k->noun,
		    conf_vis(name, vis, sizeof(vis)), CONF_SECNAME_MAX);
		return;
	}
	for (i = 0; k->names != NULL && k->names[i] != NULL; i++)
		if (strcmp(k->names[i], name) == 0)
			break;
	if (k->names != NULL && k->names[i] == NULL) {
		conf_words(k->names, ~0u, words, sizeof(words));
		conf_error(p, p->line, "unknown %s '%s' (%s)", k->noun, name,
		    words);
		return;
	}
	/* The file's sections of a kind replace the built-in ones. */
	if (!p->replaced[k->sec]) {
		conf_named_free(p->conf, k);
		p->replaced[k->sec] = 1;
	}
	n = conf_named_count(p->conf, k);
	for (i = 0; i < *n; i++) {
		if (strcmp(conf_named_name(k, conf_named_at(p->conf, k, i)),
		    name) == 0) {
			conf_error(p, p->line, "duplicate %s name '%s' (first "
			    "at line %d)", k->noun, name,
			    conf_named_line(k, conf_named_at(p->conf, k, i)));
			return;
		}
	}
	p->idx = conf_named_add(p->conf, k, name, p->line);
	p->bad_select = 0;
	for (i = 0; i < CONF_NOPTIONS; i++)
		if (conf_options[i].sec == k->sec)
			p->seen[i] = 0;
	p->sec = k->sec;
	p->skip = 0;
	snprintf(p->secname, sizeof(p->secname), "%s %s", sname, name);
}

/* Is "kind rest" the name of section sec? */
static int
conf_section_is(enum conf_section sec, const char *kind, const char *rest)
{
	const char	*name = conf_section_names[sec];
	size_t		 n = strlen(kind);

	if (strncmp(name, kind, n) != 0)
		return (0);
	if (name[n] == '\0')
		return (*rest == '\0');
	return (name[n] == ' ' && strcmp(name + n + 1, rest) == 0);
}

/*
 * Open the section named s (the text between the brackets): "signetd",
 * "rule netjoin", "rule imageload", "geoip", "severity", "listen NAME",
 * "output NAME" or "allow [SCOPE]", words separated by blanks. Keys of a
 * section we do not know are skipped unreported.
 */
static void
conf_section_open(struct conf_parse *p, char *s)
{
	char		 vis[CONF_VIS_MAX];
	char		*kind, *rest, *e;
	enum conf_section sec;
	size_t		 i;

	conf_section_close(p);
	p->sec = SEC_NONE;
	p->skip = 1;
	p->last = NULL;
	conf_vis(s, vis, sizeof(vis));
	kind = s + strspn(s, " \t");
	rest = kind + strcspn(kind, " \t");
	if (*rest != '\0')
		*rest++ = '\0';
	rest += strspn(rest, " \t");
	for (e = rest + strlen(rest); e > rest && (e[-1] == ' ' ||
	    e[-1] == '\t'); )
		*--e = '\0';

	for (i = 0; i < CONF_NNAMEDS; i++) {
		if (strcmp(kind, conf_section_names[conf_nameds[i].sec]) == 0) {
			conf_section_named(p, &conf_nameds[i], rest);
			return;
		}
	}
	for (sec = SEC_SIGNETD; sec < SEC_MAX; sec++)
		if (conf_named_of(sec) == NULL &&
		    conf_section_is(sec, kind, rest))
			break;
	if (sec == SEC_MAX) {
		if (strcmp(kind, "rule") == 0)
			conf_error(p, p->line, "unknown rule '%s' (netjoin or "
			    "imageload)", rest);
		else
			conf_error(p, p->line, "unknown section [%s]", vis);
		return;
	}
	if (p->secline[sec] != 0)
		conf_error(p, p->line, "duplicate section [%s] (first at "
		    "line %d)", conf_section_names[sec], p->secline[sec]);
	else
		p->secline[sec] = p->line;
	p->sec = sec;
	p->skip = 0;
	snprintf(p->secname, sizeof(p->secname), "%s",
	    conf_section_names[sec]);
}

/*
 * A section line, s at its '['. Only blanks or a comment may follow the
 * ']'; inih would ignore anything there, we refuse it.
 */
static void
conf_line_section(struct conf_parse *p, char *buf, char *s)
{
	char	*e, *t, *name;

	if ((e = strchr(s, ']')) == NULL) {
		conf_error(p, p->line, "missing ']' after the section name");
		goto bad;
	}
	t = e + 1 + strspn(e + 1, " \t\f\v");
	if (*t != '\0' && *t != '#' && *t != ';') {
		conf_error(p, p->line, "unexpected text after ']'");
		goto bad;
	}
	for (t = s + 1; t < e; t++) {
		if (*t == ';' || *t == '#' || *t == '[' || (*t != '\t' &&
		    (*t < 0x20 || *t > 0x7e))) {
			conf_error(p, p->line, "bad character in the section "
			    "name");
			goto bad;
		}
	}
	name = xstrndup(s + 1, (size_t)(e - s - 1));
	conf_section_open(p, name);
	free(name);
	/* inih sees the section too, unindented (else: a continuation). */
	memmove(buf, s, strlen(s) + 1);
	return;
bad:
	conf_section_close(p);
	p->sec = SEC_NONE;
	p->skip = 1;
	buf[0] = '\0';
}

/*
 * A "key = value" line, s at the key. inih would also split at ':', and
 * stop at an inline comment; we refuse both before the '='.
 */
static void
conf_line_key(struct conf_parse *p, char *buf, char *s)
{
	char	*q, *e;
	int	 was_space = 0;

	for (q = s; *q != '\0' && *q != '=' && *q != ':'; q++) {
		if (*q == ';' && was_space)
			break;
		was_space = *q == ' ' || *q == '\t';
	}
	if (*q != '=') {
		conf_error(p, p->line, "expected '[section]' or 'key = "
		    "value'");
		buf[0] = '\0';
		return;
	}
	for (e = q; e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	if (e == s || e - s > CONF_NAME_MAX) {
		conf_error(p, p->line, e == s ? "missing key before '='" :
		    "key too long");
		buf[0] = '\0';
		return;
	}
	memmove(buf, s, strlen(s) + 1);
	p->may_cont = 1;
}

/*
 * Sort one line for inih, in place. inih tells only the line number of
 * the first bad line, and never calls the handler for it; so every bad
 * line is reported here and handed to inih blank. Indentation is kept
 * only on a list continuation, which inih passes to the handler.
 */
static void
conf_line(struct conf_parse *p, char *buf)
{
	char	*s = buf;

	p->cont = 0;
	if (p->line == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (*s == ' ' || *s == '\t' || *s == '\f' || *s == '\v' ||
	    *s == '\r')
		s++;
	if (*s == '\0') {
		p->may_cont = 0;
		buf[0] = '\0';
	} else if (*s == '#' || *s == ';')
		buf[0] = '\0';
	else if (*s == '[') {
		p->may_cont = 0;
		conf_line_section(p, buf, s);
	} else if (s > buf && p->may_cont && strchr(s, '=') == NULL)
		p->cont = 1;
	else {
		p->may_cont = 0;
		conf_line_key(p, buf, s);
	}
}

/*
 * inih's fgets(3)-like reader. It hands inih one physical line per call,
 * so p->line is the line of the handler call that follows. inih splits a
 * line longer than its buffer in two silently; here the whole line is
 * read, and refused if it does not fit.
 */
static char *
conf_reader(char *buf, int size, void *arg)
{
	struct conf_parse	*p = arg;
	size_t			 len = 0, cap;
	int			 c, any = 0, nul = 0, over = 0;

	if (size < 4)
		return (NULL);
	cap = (size_t)size - 2;
	while ((c = getc(p->fp)) != EOF) {
		any = 1;
		if (c == '\n')
			break;
		if (c == '\0')
			nul = 1;
		else if (len < cap)
			buf[len++] = (char)c;
		else
			over = 1;
	}
	if (c == EOF && ferror(p->fp)) {
		p->rerrno = errno;
		return (NULL);
	}
	if (!any)
		return (NULL);
	p->line++;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	if (over || len > (size_t)size - 3) {
		conf_error(p, p->line, "line too long (more than %d "
		    "characters)", size - 3);
		buf[0] = '\0';
		p->may_cont = 0;
	} else if (nul) {
		conf_error(p, p->line, "NUL byte in line");
		buf[0] = '\0';
		p->may_cont = 0;
	} else
		conf_line(p, buf);
	return (buf);
}

/* A continuation line: value extends the list of the last key. */
static void
conf_continue(struct conf_parse *p, const char *value)
{
	const struct conf_option	*o = p->last;
	char				 why[256];

	if (o == NULL)
		return;
	if (!conf_is_list(o)) {
		conf_error(p, p->line, "%s: only a list may continue on an "
		    "indented line", o->key);
		p->last = NULL;
		return;
	}
	if (conf_set(o, conf_base(p->conf, o, p->idx), value, 1, why,
	    sizeof(why)) == -1) {
		conf_error(p, p->line, "%s: %s", o->key, why);
		p->last = NULL;
	}
}

/* inih's handler: one key of the current section. */
static int
conf_handler(void *arg, const char *section, const char *key,
    const char *value)
{
	struct conf_parse		*p = arg;
	const struct conf_option	*o;
	const struct conf_named		*k;
	char				 why[256], vis[CONF_VIS_MAX];
	size_t				 i;

	if (p->skip)
		return (1);
	if (p->cont) {
		conf_continue(p, value);
		return (1);
	}
	p->last = NULL;
	if (p->sec == SEC_NONE) {
		conf_error(p, p->line, "key '%s' outside of any section",
		    conf_vis(key, vis, sizeof(vis)));
		return (1);
	}
	if ((o = conf_find(p->sec, key)) == NULL) {
		conf_error(p, p->line, "unknown key '%s' in [%s]",
		    conf_vis(key, vis, sizeof(vis)), p->secname);
		return (1);
	}
	i = (size_t)(o - conf_options);
	if (p->seen[i] != 0 && o->type != T_LINE_LIST) {
		conf_error(p, p->line, "duplicate key '%s' (first at line "
		    "%d)", key, p->seen[i]);
		return (1);
	}
	p->seen[i] = p->line;
	if (conf_set(o, conf_base(p->conf, o, p->idx), value, 0, why,
	    sizeof(why)) == 0) {
		p->last = o;
		return (1);
	}
	conf_error(p, p->line, "%s: %s", key, why);
	if ((k = conf_named_of(p->sec)) != NULL && k->select != NULL &&
	    strcmp(k->select, o->key) == 0)
		p->bad_select = 1;
	return (1);
}

/*
 * The first address two listeners of one transport (UDP, or TCP for tcp
 * and tls) share on one port, or NULL.
 */
static const char *
conf_listen_shared(const struct conf_listen *a, const struct conf_listen *b)
{
	size_t	 i, j;

	if (a->port != b->port ||
	    (a->proto == PROTO_UDP) != (b->proto == PROTO_UDP))
		return (NULL);
	for (i = 0; i < a->naddresses; i++)
		for (j = 0; j < b->naddresses; j++)
			if (strcmp(a->addresses[i], b->addresses[j]) == 0)
				return (a->addresses[i]);
	return (NULL);
}

/* A socket two listeners would bind would fail at start: say so now. */
static void
conf_listen_clash(struct conf_parse *p)
{
	const struct conf_listen	*a, *b;
	const char			*addr;
	size_t				 i, j;

	for (j = 1; j < p->conf->nlistens; j++) {
		b = &p->conf->listens[j];
		for (i = 0; i < j; i++) {
			a = &p->conf->listens[i];
			if ((addr = conf_listen_shared(a, b)) == NULL)
				continue;
			conf_error(p, b->line, "[listen %s]: %s port %u is "
			    "also bound by [listen %s]", b->name, addr,
			    (unsigned int)b->port, a->name);
			break;
		}
	}
}

/* The line key of singleton section sec was set on, or 0. */
static int
conf_seen(const struct conf_parse *p, enum conf_section sec, const char *key)
{
	const struct conf_option	*o;

	if ((o = conf_find(sec, key)) == NULL)
		fatalx("%s: no option %s", __func__, key);
	return (p->seen[o - conf_options]);
}

/*
 * netjoin keeps one span of bad facts per key (netjoin.c), which is exact
 * only while the lateness is shorter than the window: held state then
 * spans less than 2W. Reported at the line that set either, or line 0.
 */
static void
conf_lateness_window(struct conf_parse *p)
{
	int	 line;

	if (p->conf->lateness < p->conf->window)
		return;
	line = conf_seen(p, SEC_SIGNETD, "lateness");
	if (line == 0)
		line = conf_seen(p, SEC_NETJOIN, "window");
	conf_error(p, line, "lateness must be shorter than the netjoin "
	    "window");
}

/* [metrics] listen must be ADDRESS:PORT, and not a port a TCP listener has. */
static void
conf_metrics_listen(struct conf_parse *p)
{
	const struct conf_listen	*l;
	struct in6_addr			 a, b;
	uint16_t			 port;
	size_t				 i, j;
	int				 line;

	if (p->conf->metrics_listen == NULL)
		return;
	line = conf_seen(p, SEC_METRICS, "listen");
	if (conf_parse_hostport(p->conf->metrics_listen, &a, &port) == -1) {
		conf_error(p, line, "listen: '%s' is not ADDRESS:PORT (an IP "
		    "address, in brackets for IPv6, and a port from 1 to "
		    "65535)", p->conf->metrics_listen);
		return;
	}
	for (i = 0; i < p->conf->nlistens; i++) {
		l = &p->conf->listens[i];
		if (l->proto == PROTO_UDP || l->port != port)
			continue;
		for (j = 0; j < l->naddresses; j++) {
			if (addr_parse(l->addresses[j],
			    strlen(l->addresses[j]), &b) == -1)
				continue;
			if (memcmp(&a, &b, sizeof(a)) == 0 ||
			    IN6_IS_ADDR_UNSPECIFIED(&a) ||
			    IN6_IS_ADDR_UNSPECIFIED(&b) ||
			    (IN6_IS_ADDR_V4MAPPED(&a) &&
			    IN6_IS_ADDR_V4MAPPED(&b) &&
			    (a.s6_addr32[3] == 0 || b.s6_addr32[3] == 0))) {
				conf_error(p, line, "listen: port %u is also "
				    "bound by [listen %s]", (unsigned int)port,
				    l->name);
				return;
			}
		}
	}
}

/*
 * "ADDRESS:PORT" or "[ADDRESS]:PORT", the address a literal IP; IPv4 is
 * given back IPv4-mapped, as addr_parse() does.
 */
int
conf_parse_hostport(const char *s, struct in6_addr *a, uint16_t *port)
{
	const char	*colon, *host = s, *end;
	uint64_t	 v;
	const char	*why;

	if (*s == '[') {
		host = s + 1;
		if ((end = strchr(host, ']')) == NULL || end[1] != ':')
			return (-1);
		colon = end + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL ||
		    memchr(s, ':', colon - s) != NULL)
			return (-1);
		end = colon;
	}
	if (addr_parse(host, end - host, a) == -1)
		return (-1);
	if (conf_parse_u64(colon + 1, &v, &why) != 0 || *why != '\0' ||
	    v == 0 || v > 65535)
		return (-1);
	*port = (uint16_t)v;
	return (0);
}

/*
 * A signature status has one severity: one listed under two levels is
 * reported at the line of the later level. ASCII case does not count.
 */
static void
conf_severity_clash(struct conf_parse *p)
{
	static const char *const levels[] = {
		"critical", "high", "medium", "low", "info"
	};
	const struct conf_list	*a, *b;
	size_t			 i, j, x, y, n = sizeof(levels) /
				    sizeof(levels[0]);

	for (j = 1; j < n; j++) {
		b = conf_base(p->conf, conf_find(SEC_SEVERITY, levels[j]), 0);
		for (y = 0; y < b->n; y++) {
			for (i = 0; i < j; i++) {
				a = conf_base(p->conf,
				    conf_find(SEC_SEVERITY, levels[i]), 0);
				for (x = 0; x < a->n; x++)
					if (conf_strcaseeq(a->v[x], b->v[y]))
						break;
				if (x == a->n)
					continue;
				conf_error(p, conf_seen(p, SEC_SEVERITY,
				    levels[j]), "%s: '%s' is also listed "
				    "under %s (line %d)", levels[j], b->v[y],
				    levels[i], conf_seen(p, SEC_SEVERITY,
				    levels[i]));
				break;
			}
		}
	}
}

/*
 * Entries and escalations by AS number need the ASN database, those by
 * country the City or Country database: without it they could never
 * match, which is a mistake worth stopping for.
 */
static void
conf_geoip_needs(struct conf_parse *p)
{
	const struct conf	*c = p->conf;
	const struct conf_allow	*a;
	int			 cc, asn;
	size_t			 i;

	cc = c->geoip_city != NULL || c->geoip_country != NULL;
	asn = c->geoip_asn != NULL;
	for (i = 0; i < c->nallows; i++) {
		a = &c->allows[i];
		if (a->asn.n > 0 && !asn)
			conf_error(p, a->line, "[allow %s]: asn entries need "
			    "[geoip] asn", a->name);
		if (a->country.n > 0 && !cc)
			conf_error(p, a->line, "[allow %s]: country entries "
			    "need [geoip] city or country", a->name);
	}
	if (c->escalate_asn.n > 0 && !asn)
		conf_error(p, conf_seen(p, SEC_SEVERITY, "escalate_asn"),
		    "escalate_asn needs [geoip] asn");
	if (c->escalate_country.n > 0 && !cc)
		conf_error(p, conf_seen(p, SEC_SEVERITY, "escalate_country"),
		    "escalate_country needs [geoip] city or country");
}

/*
 * Read path on top of what c holds. Every problem goes to errfp (if not
 * NULL) as "path:line: message"; returns how many there were. After an
 * error c is still whole (conf_free works) but not to be used.
 */
int
conf_load(struct conf *c, const char *path, FILE *errfp)
{
	struct conf_parse	 p;
	int			 rv;

	memset(&p, 0, sizeof(p));
	p.conf = c;
	p.path = path;
	p.errfp = errfp;
	if ((p.fp = fopen(path, "r")) == NULL) {
		conf_error(&p, 0, "%s", strerror(errno));
		return (p.nerr);
	}
	free(c->file);
	c->file = xstrdup(path);
	rv = ini_parse_stream(conf_reader, &p, conf_handler, &p);
	conf_section_close(&p);
	/* Sections with errors hold defaults where the file says more. */
	if (p.nerr == 0) {
		conf_listen_clash(&p);
		conf_geoip_needs(&p);
		conf_severity_clash(&p);
		conf_lateness_window(&p);
		conf_metrics_listen(&p);
	}
	if (p.rerrno != 0)
		conf_error(&p, 0, "%s", strerror(p.rerrno));
	else if (rv > 0 && p.nerr == 0)
		conf_error(&p, rv, "syntax error");
	else if (rv < 0 && p.nerr == 0)
		conf_error(&p, 0, "cannot parse (inih error %d)", rv);
	fclose(p.fp);
	return (p.nerr);
}

static void
conf_dump_duration(int64_t v, FILE *fp)
{
	static const struct {
		const char	*unit;
		int64_t		 us;
	} units[] = {
		{ "d", 86400 * INT64_C(1000000) },
		{ "h", 3600 * INT64_C(1000000) },
		{ "m", 60 * INT64_C(1000000) },
		{ "s", 1000000 },
	};
	size_t	 i;

	if (v == 0) {
		fputs("0", fp);
		return;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (v % units[i].us == 0) {
			fprintf(fp, "%" PRId64 "%s", v / units[i].us,
			    units[i].unit);
			return;
		}
	}
	fprintf(fp, "%" PRId64 "ms", v / 1000);
}

static void
conf_dump_size(uint64_t v, FILE *fp)
{
	static const char	 units[] = "TGMK";
	int			 i;

	for (i = 0; v != 0 && i < 4; i++) {
		if (v % (UINT64_C(1) << (10 * (4 - i))) == 0) {
			fprintf(fp, "%" PRIu64 "%c", v >> (10 * (4 - i)),
			    units[i]);
			return;
		}
	}
	fprintf(fp, "%" PRIu64, v);
}

/*
 * Print one list item after the first; past 72 columns the list goes on
 * over an indented line, so that the dump loads again (lines are short).
 */
static void
conf_dump_item(const char *item, size_t *col, FILE *fp)
{
	size_t	 n = strlen(item);

	if (*col + 2 + n > 72) {
		fputs(",\n    ", fp);
		*col = 4;
	} else {
		fputs(", ", fp);
		*col += 2;
	}
	fputs(item, fp);
	*col += n;
}

/* Does l start with the special-purpose ranges, in their order? */
static int
conf_cidrs_special(const struct cidr_list *l)
{
	struct cidr_list	 special;
	size_t			 i;
	int			 rv;

	cidr_list_init(&special);
	cidr_list_add_special(&special);
	rv = l->n >= special.n;
	for (i = 0; rv && i < special.n; i++)
		rv = l->v[i].plen == special.v[i].plen &&
		    memcmp(&l->v[i].net, &special.v[i].net,
		    sizeof(l->v[i].net)) == 0;
	i = special.n;
	cidr_list_clear(&special);
	return (rv ? (int)i : 0);
}

/* A prefix list; the special-purpose ranges print as the word. */
static void
conf_dump_cidrs(const struct conf_option *o, const struct cidr_list *l,
    size_t col, FILE *fp)
{
	const struct cidr	*c;
	char			 addr[ADDR_STRLEN], item[ADDR_STRLEN + 4];
	size_t			 i = 0;

	if (o->words != NULL && (i = (size_t)conf_cidrs_special(l)) > 0) {
		fputs(o->words[0], fp);
		col += strlen(o->words[0]);
	}
	for (; i < l->n; i++) {
		c = &l->v[i];
		addr_format(&c->net, addr, sizeof(addr));
		snprintf(item, sizeof(item), "%s/%u", addr,
		    addr_is_v4mapped(&c->net) ? c->plen - 96u : c->plen);
		if (i == 0) {
			fputs(item, fp);
			col += strlen(item);
		} else
			conf_dump_item(item, &col, fp);
	}
}

/* The value of o, which lives at v, after "key = " at column col. */
static void
conf_dump_value(const struct conf_option *o, const void *v, size_t col,
    FILE *fp)
{
	const struct conf_list	*l;
	const char *const	*sv;
	size_t			 i, n;
	int			 e;

	switch (o->type) {
	case T_BOOL:
		fputs(*(const int *)v ? "yes" : "no", fp);
		break;
	case T_DURATION:
		conf_dump_duration(*(const int64_t *)v, fp);
		break;
	case T_SIZE:
		conf_dump_size(*(const uint64_t *)v, fp);
		break;
	case T_UINT:
		fprintf(fp, "%" PRIu64, *(const uint64_t *)v);
		break;
	case T_PORT:
		fprintf(fp, "%u", (unsigned int)*(const uint16_t *)v);
		break;
	case T_STRING:
	case T_FILE:
	case T_MMDB:
		fputs(*(char *const *)v, fp);
		break;
	case T_LIST:
		l = v;
		for (i = 0; i < l->n; i++) {
			if (i == 0) {
				fputs(l->v[i], fp);
				col += strlen(l->v[i]);
			} else
				conf_dump_item(l->v[i], &col, fp);
		}
		break;
	case T_ENUM:
		memcpy(&e, v, sizeof(e));
		fputs(o->words[e], fp);
		break;
	case T_CIDR_LIST:
		conf_dump_cidrs(o, v, col, fp);
		break;
	case T_LINE_LIST:
		/* One key line per value: conf_dump_section() writes them. */
		break;
	case T_STRING_LIST:
	case T_ADDR_LIST:
		sv = v;
		n = *(const size_t *)((const char *)v - o->off + o->noff);
		for (i = 0; i < n; i++) {
			if (i == 0) {
				fputs(sv[i], fp);
				col += strlen(sv[i]);
			} else
				conf_dump_item(sv[i], &col, fp);
		}
		break;
	}
}

/* Options left unset, or not for this kind of section, do not print. */
static int
conf_dump_skip(const struct conf_option *o, const struct conf_named *k,
    const char *e, const void *v)
{
	if (k != NULL && !conf_applies(o, k, e))
		return (1);
	if (o->type == T_STRING || o->type == T_FILE || o->type == T_MMDB)
		return (*(char *const *)v == NULL);
	if (o->type == T_CIDR_LIST)
		return (((const struct cidr_list *)v)->n == 0);
	if (o->type == T_LIST)
		return (((const struct conf_list *)v)->n == 0);
	if (o->type == T_LINE_LIST)
		return (*(const size_t *)((const char *)v - o->off +
		    o->noff) == 0);
	return (0);
}

/* A key that may repeat: one line per value. */
static void
conf_dump_lines(const struct conf_option *o, const void *v, FILE *fp)
{
	char *const	*sv = v;
	size_t		 i, n;

	n = *(const size_t *)((const char *)v - o->off + o->noff);
	fprintf(fp, "# %s\n", o->help);
	for (i = 0; i < n; i++)
		fprintf(fp, "%s = %s\n", o->key, sv[i]);
}

/* Section sec, or element idx of it for a named one. */
static void
conf_dump_section(const struct conf *c, enum conf_section sec, size_t idx,
    FILE *fp)
{
	const struct conf_option	*o;
	const struct conf_named		*k;
	const char			*e = NULL;
	const void			*v;

	if ((k = conf_named_of(sec)) != NULL) {
		e = conf_named_at(c, k, idx);
		fprintf(fp, "\n[%s %s]\n", conf_section_names[sec],
		    conf_named_name(k, e));
	} else
		fprintf(fp, "\n[%s]\n", conf_section_names[sec]);
	for (o = conf_options; o < conf_options + CONF_NOPTIONS; o++) {
		if (o->sec != sec)
			continue;
		v = conf_base(c, o, idx);
		if (conf_dump_skip(o, k, e, v))
			continue;
		if (o->type == T_LINE_LIST) {
			conf_dump_lines(o, v, fp);
			continue;
		}
		fprintf(fp, "# %s\n%s = ", o->help, o->key);
		conf_dump_value(o, v, strlen(o->key) + 3, fp);
		fputc('\n', fp);
	}
}

/* The effective configuration, as a file that would load to the same. */
void
conf_dump(const struct conf *c, FILE *fp)
{
	const struct conf_named	*k;
	enum conf_section	 sec;
	size_t			 i;

	fprintf(fp, "# signetd configuration: %s\n", c->file != NULL ?
	    c->file : "built-in defaults");
	for (sec = SEC_SIGNETD; sec < SEC_MAX; sec++) {
		if ((k = conf_named_of(sec)) == NULL)
			conf_dump_section(c, sec, 0, fp);
		else
			for (i = 0; i < *conf_named_count(c, k); i++)
				conf_dump_section(c, sec, i, fp);
	}
}

/* --- reload: what changed, and what must wait for a restart --------- */

static int
conf_str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

static int
conf_cidrs_equal(const struct cidr_list *a, const struct cidr_list *b)
{
	size_t	 i;

	if (a->n != b->n)
		return (0);
	for (i = 0; i < a->n; i++)
		if (a->v[i].plen != b->v[i].plen || memcmp(&a->v[i].net,
		    &b->v[i].net, sizeof(a->v[i].net)) != 0)
			return (0);
	return (1);
}

static int
conf_strv_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t	 i;

	if (na != nb)
		return (0);
	for (i = 0; i < na; i++)
		if (!conf_str_equal(a[i], b[i]))
			return (0);
	return (1);
}

/* Bytes of a scalar option's value; 0 for the others. */
static size_t
conf_scalar_size(const struct conf_option *o)
{
	switch (o->type) {
	case T_BOOL:
	case T_ENUM:
		return (sizeof(int));
	case T_DURATION:
		return (sizeof(int64_t));
	case T_SIZE:
	case T_UINT:
		return (sizeof(uint64_t));
	case T_PORT:
		return (sizeof(uint16_t));
	default:
		return (0);
	}
}

/* Does option o hold the same value at a and at b? */
static int
conf_value_equal(const struct conf_option *o, const char *a, const char *b)
{
	const struct conf_list	*la, *lb;
	size_t			 na, nb, sz;

	if ((sz = conf_scalar_size(o)) > 0)
		return (memcmp(a + o->off, b + o->off, sz) == 0);
	switch (o->type) {
	case T_STRING:
	case T_FILE:
	case T_MMDB:
		return (conf_str_equal(*(char *const *)(a + o->off),
		    *(char *const *)(b + o->off)));
	case T_CIDR_LIST:
		return (conf_cidrs_equal((const struct cidr_list *)(a +
		    o->off), (const struct cidr_list *)(b + o->off)));
	case T_LIST:
		la = (const struct conf_list *)(a + o->off);
		lb = (const struct conf_list *)(b + o->off);
		return (conf_strv_equal(la->v, la->n, lb->v, lb->n));
	default:
		memcpy(&na, a + o->noff, sizeof(na));
		memcpy(&nb, b + o->noff, sizeof(nb));
		return (conf_strv_equal((char *const *)(a + o->off), na,
		    (char *const *)(b + o->off), nb));
	}
}

/* Option o's value at src, copied over the one at dst. */
static void
conf_value_copy(const struct conf_option *o, char *dst, const char *src)
{
	const struct conf_list	*ls;
	struct conf_list	*ld;
	char			*s, **dv;
	char *const		*sv;
	size_t			 i, n, sz;

	conf_value_free(o, dst);
	if ((sz = conf_scalar_size(o)) > 0) {
		memcpy(dst + o->off, src + o->off, sz);
		return;
	}
	switch (o->type) {
	case T_STRING:
	case T_FILE:
	case T_MMDB:
		s = *(char *const *)(src + o->off);
		*(char **)(dst + o->off) = s != NULL ? xstrdup(s) : NULL;
		break;
	case T_CIDR_LIST:
		cidr_list_copy((struct cidr_list *)(dst + o->off),
		    (const struct cidr_list *)(src + o->off));
		break;
	case T_LIST:
		ls = (const struct conf_list *)(src + o->off);
		ld = (struct conf_list *)(dst + o->off);
		if (ls->n > 0)
			ld->v = xreallocarray(NULL, ls->n, sizeof(*ld->v));
		for (i = 0; i < ls->n; i++)
			ld->v[i] = xstrdup(ls->v[i]);
		ld->n = ls->n;
		break;
	default:
		memcpy(&n, src + o->noff, sizeof(n));
		sv = (char *const *)(src + o->off);
		dv = (char **)(dst + o->off);
		for (i = 0; i < n; i++)
			dv[i] = xstrdup(sv[i]);
		memcpy(dst + o->noff, &n, sizeof(n));
		break;
	}
}

/* Do two elements of a named section hold the same settings? */
static int
conf_element_equal(const struct conf_named *k, const char *a, const char *b)
{
	const struct conf_option	*o;

	if (!conf_str_equal(conf_named_name(k, a), conf_named_name(k, b)))
		return (0);
	for (o = conf_options; o < conf_options + CONF_NOPTIONS; o++)
		if (o->sec == k->sec && !conf_value_equal(o, a, b))
			return (0);
	return (1);
}

/* A reload compares sections by name and settings, not by line. */
int
conf_listen_equal(const struct conf_listen *a, const struct conf_listen *b)
{
	return (conf_element_equal(conf_named_of(SEC_LISTEN),
	    (const char *)a, (const char *)b));
}

int
conf_output_equal(const struct conf_output *a, const struct conf_output *b)
{
	return (conf_element_equal(conf_named_of(SEC_OUTPUT),
	    (const char *)a, (const char *)b));
}

/*
 * A deep copy of an [output NAME] section, so that an output can outlive
 * the configuration it was made from (a reload frees the old one).
 */
struct conf_output *
conf_output_dup(const struct conf_output *co)
{
	const struct conf_option	*o;
	struct conf_output		*d;

	d = xcalloc(1, sizeof(*d));
	d->name = co->name != NULL ? xstrdup(co->name) : NULL;
	d->line = co->line;
	for (o = conf_options; o < conf_options + CONF_NOPTIONS; o++)
		if (o->sec == SEC_OUTPUT)
			conf_value_copy(o, (char *)d, (const char *)co);
	return (d);
}

void
conf_output_free(struct conf_output *co)
{
	if (co == NULL)
		return;
	conf_values_free(SEC_OUTPUT, (char *)co);
	free(co->name);
	free(co);
}

/* The element of cur with the name of next's element e, or NULL. */
static const char *
conf_named_match(const struct conf *cur, const struct conf_named *k,
    const char *e)
{
	const char	*name = conf_named_name(k, e), *c;
	size_t		 i;

	for (i = 0; i < *conf_named_count(cur, k); i++) {
		c = conf_named_at(cur, k, i);
		if (conf_str_equal(conf_named_name(k, c), name))
			return (c);
	}
	return (NULL);
}

/* Option o of next at dst, if it changed, is set back to cur's at src. */
static int
conf_keep_one(const struct conf_option *o, const char *where, char *dst,
    const char *src, FILE *fp)
{
	if (conf_value_equal(o, dst, src))
		return (0);
	if (fp != NULL)
		fprintf(fp, "reload: %s %s changed; it takes effect at "
		    "restart\n", where, o->key);
	conf_value_copy(o, dst, src);
	return (1);
}

/*
 * Before a reload swaps next in for cur: every option that cannot
 * change without a restart (reload 0 in the table) and that next sets
 * differently is reported on fp and set back to cur's value, so that
 * next says what the daemon runs with. In a named section, only an
 * element of the same name and kind in both is compared; one that is
 * new takes its values as they are. Returns how many were set back.
 */
int
conf_keep_running(struct conf *next, const struct conf *cur, FILE *fp)
{
	const struct conf_option	*o, *sel;
	const struct conf_named		*k;
	const char			*c;
	char				 where[CONF_SECNAME_MAX + 32], *e;
	size_t				 i;
	int				 n = 0;

	for (o = conf_options; o < conf_options + CONF_NOPTIONS; o++) {
		if (o->reload)
			continue;
		if ((k = conf_named_of(o->sec)) == NULL) {
			snprintf(where, sizeof(where), "[%s]",
			    conf_section_names[o->sec]);
			n += conf_keep_one(o, where, (char *)next,
			    (const char *)cur, fp);
			continue;
		}
		sel = k->select != NULL ? conf_find(k->sec, k->select) : NULL;
		for (i = 0; i < *conf_named_count(next, k); i++) {
			e = conf_named_at(next, k, i);
			if ((c = conf_named_match(cur, k, e)) == NULL ||
			    (sel != NULL && conf_enum_value(sel, e) !=
			    conf_enum_value(sel, c)) ||
			    !conf_applies(o, k, e))
				continue;
			snprintf(where, sizeof(where), "[%s %s]",
			    conf_section_names[o->sec], conf_named_name(k, e));
			n += conf_keep_one(o, where, e, c, fp);
		}
	}
	return (n);
}
