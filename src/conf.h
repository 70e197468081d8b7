/*
 * signetd: the configuration. Every option is declared once, in the table
 * in config.c (name, type, bounds, default, reloadable); this struct holds
 * the values. conf_new() gives the embedded defaults.
 */
#ifndef SIGNETD_CONF_H
#define SIGNETD_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

enum output_type {
	OUT_STDOUT = 0,
	OUT_FILE,
	OUT_WEBHOOK,
	OUT_SYSLOG
};

enum output_format {
	FMT_TEXT = 0,
	FMT_JSON,
	FMT_SLACK,
	FMT_TEAMS,
	FMT_CEF,
	FMT_LEEF
};

enum syslog_protocol {
	SYSLOG_RFC5424 = 0,
	SYSLOG_RFC3164
};

#define CONF_MAX_RULES		2
#define CONF_MAX_HEADERS	16

/*
 * [output NAME]. What applies to which type is said in config.c's table;
 * outputs_check() tells the combinations the table cannot (a format for
 * the wrong type, a bad header or URL).
 */
struct conf_output {
	char			*name;
	enum output_type	 type;
	enum output_format	 format;
	char			*path;		/* OUT_FILE */
	int			 line;		/* where the section starts */

	/* every type: which alerts */
	char			*rules[CONF_MAX_RULES];
	size_t			 nrules;
	int			 min_severity;	/* enum severity */

	/* webhook and syslog: the queue and the retries */
	uint64_t		 queue_size;	/* alerts held in memory */
	char			*spool;		/* directory, or NULL */
	uint64_t		 spool_max;	/* bytes */
	uint64_t		 max_retries;
	int64_t			 max_age;	/* µs */
	int64_t			 backoff_min;	/* µs */
	int64_t			 backoff_max;	/* µs */
	int64_t			 connect_timeout; /* µs */
	int64_t			 request_timeout; /* µs */
	char			*ca_file;
	int			 tls_verify;

	/* webhook */
	char			*url;
	uint64_t		 batch;
	char			*headers[CONF_MAX_HEADERS];	/* "Name: value" */
	size_t			 nheaders;
	char			*header_file;
	char			*hmac_key_file;
	int64_t			 retry_after_max; /* µs */

	/* syslog */
	char			*target;
	enum syslog_protocol	 protocol;
	int			 facility;	/* 0 to 23 */
	char			*app_name;
};

enum listen_proto {
	PROTO_UDP = 0,
	PROTO_TCP,
	PROTO_TLS
};

enum client_cert {
	CLIENT_CERT_NONE = 0,
	CLIENT_CERT_OPTIONAL,
	CLIENT_CERT_REQUIRE
};

#define CONF_MAX_ADDRS		8

/* [listen NAME]: one socket per address, all on the same port. */
struct conf_listen {
	char			*name;
	enum listen_proto	 proto;
	char			*addresses[CONF_MAX_ADDRS];	/* literal IPs */
	size_t			 naddresses;
	uint16_t		 port;
	struct cidr_list	 allow;		/* empty: every sender */
	uint64_t		 max_connections;	/* per listener */
	uint64_t		 max_per_source;	/* per sender address */
	int64_t			 idle_timeout;	/* µs */
	uint64_t		 rcvbuf;	/* UDP SO_RCVBUF, 0: system's */
	char			*cert_file;	/* TLS */
	char			*key_file;
	char			*ca_file;
	enum client_cert	 client_cert;
	int64_t			 handshake_timeout;	/* µs */
	int			 line;		/* where the section starts */
};

/* A list of any length: items as written, each checked by its option. */
struct conf_list {
	char			**v;
	size_t			  n;
};

/* [allow SCOPE]: alerts that these entries name are not sent. */
struct conf_allow {
	char			*name;		/* all, netjoin or imageload */
	struct conf_list	 sha1;
	struct conf_list	 path;
	struct conf_list	 signer;
	struct conf_list	 device;
	struct conf_list	 remote;
	struct conf_list	 domain;
	struct conf_list	 asn;
	struct conf_list	 country;
	struct conf_list	 file;		/* list files */
	int			 line;		/* where the section starts */
};

#define CONF_MAX_STATUSES	16

struct conf {
	char		*file;		/* NULL for the embedded defaults */

	/* [signetd] */
	uint64_t	 state_memory;	/* bytes */
	int64_t		 lateness;	/* µs */
	int64_t		 future_skew;	/* µs; live-mode clamp */
	uint64_t	 max_message;	/* bytes */
	int64_t		 tick;		/* µs between expiry ticks (live) */
	uint64_t	 expire_budget;	/* entries examined per tick */
	int64_t		 stop_timeout;	/* µs: graceful stop drains this long */
	int64_t		 stats_interval; /* µs between drop summaries (live) */
	char		*state_file;	/* NULL: state in memory only */
	int64_t		 snapshot_interval; /* µs between two saves */
	char		*user;		/* drop to it after start, or NULL */
	int		 allow_root;	/* no user: root may stay */

	/* [rule netjoin] */
	int		 netjoin;
	int64_t		 window;	/* W, µs */
	int64_t		 suppress;	/* S, µs */
	struct cidr_list internal;

	/* [rule imageload] */
	int		 imageload;
	int64_t		 period;	/* R, µs */
	uint64_t	 threshold;	/* T */
	char		*statuses[CONF_MAX_STATUSES];
	size_t		 nstatuses;

	/* [allow SCOPE] */
	struct conf_allow *allows;
	size_t		 nallows;

	/* [geoip]: MaxMind DB files, NULL when not set */
	char		*geoip_city;
	char		*geoip_country;
	char		*geoip_asn;
	uint64_t	 geoip_cache;	/* lookups remembered */

	/* [severity] */
	int		 severity;	/* enum severity, when no rule says */
	struct conf_list sev_critical;	/* signature statuses */
	struct conf_list sev_high;
	struct conf_list sev_medium;
	struct conf_list sev_low;
	struct conf_list sev_info;
	struct conf_list escalate_country;
	struct conf_list escalate_asn;

	/* [metrics] */
	char		*metrics_listen; /* "ADDRESS:PORT", or NULL */

	/* [output NAME] */
	struct conf_output *outputs;
	size_t		 noutputs;

	/* [listen NAME] */
	struct conf_listen *listens;
	size_t		 nlistens;
};

struct conf	*conf_new(void);
void		 conf_free(struct conf *);
int		 conf_load(struct conf *, const char *, FILE *);
void		 conf_dump(const struct conf *, FILE *);
int		 conf_parse_duration(const char *, int64_t *);
int		 conf_parse_size(const char *, uint64_t *);
int		 conf_parse_hostport(const char *, struct in6_addr *,
		    uint16_t *);

/* Reload: compare sections, keep what needs a restart (see config.c). */
int		 conf_keep_running(struct conf *, const struct conf *, FILE *);
int		 conf_listen_equal(const struct conf_listen *,
		    const struct conf_listen *);
int		 conf_output_equal(const struct conf_output *,
		    const struct conf_output *);
struct conf_output *conf_output_dup(const struct conf_output *);
void		 conf_output_free(struct conf_output *);

/* The option table, for tests that check the docs name every option. */
size_t		 conf_option_count(void);
const char	*conf_option_name(size_t);
const char	*conf_option_section(size_t);

#endif
