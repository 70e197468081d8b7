/*
 * signetd: one struct alert for everything the rules raise, and its two
 * renderings: a JSON object on one line, and a one-line text form for
 * operators tailing the output. Every pointer in the struct is borrowed
 * for the duration of the emit call.
 */
#ifndef SIGNETD_ALERT_H
#define SIGNETD_ALERT_H

#include <netinet/in.h>

#include <stdint.h>

#include "rec.h"

struct buf;

enum alert_kind {
	ALERT_ALERT = 0,
	ALERT_REPORT		/* imageload window report */
};

enum alert_rule {
	RULE_NETJOIN = 0,
	RULE_IMAGELOAD,
	RULE_NRULES
};

enum severity {
	SEV_INFO = 0,
	SEV_LOW,
	SEV_MEDIUM,
	SEV_HIGH,
	SEV_CRITICAL,
	SEV_NSEVERITIES
};

#define ALERT_MAX_PORTS		8
#define ALERT_MAX_URLS		4
#define ALERT_MAX_STATUSES	16

/*
 * Where the remote address of a netjoin alert is, as the GeoIP databases
 * say (enrich.c). An empty slice, or has_asn 0, is a field the databases
 * do not have for the address; all empty: no "geo" at all.
 */
struct alert_geo {
	struct slice	 country_iso;	/* ISO 3166-1 alpha-2 */
	struct slice	 country;	/* English name */
	struct slice	 city;		/* English name */
	int		 has_asn;
	uint32_t	 asn;
	struct slice	 as_org;
};

struct alert {
	enum alert_kind	 kind;
	enum alert_rule	 rule;
	enum severity	 severity;
	int64_t		 time;		/* event time, µs */
	int64_t		 detected_at;	/* wall clock, µs */

	struct slice	 device_id;
	struct slice	 device_name;

	/* process */
	int		 has_pid;
	int64_t		 pid;
	struct slice	 image;
	int		 has_sha1;
	uint8_t		 sha1[20];
	struct slice	 guid;
	struct slice	 cmdline;
	struct slice	 user;

	/* signature: the fact that made the match (netjoin, imageload alert) */
	int		 has_sig;
	enum tri	 sig_signed;
	enum tri	 sig_trusted;
	struct slice	 sig_status;
	struct slice	 sig_signer;
	struct slice	 sig_issuer;
	enum rec_source	 sig_source;
	int64_t		 sig_time;
	int		 has_file_sha1;	/* the signed file's hash */
	uint8_t		 file_sha1[20];

	/* network (netjoin) */
	int		 has_net;
	struct in6_addr	 remote_ip;
	int		 has_port;
	uint16_t	 remote_port;
	struct slice	 remote_url;
	struct slice	 protocol;
	uint16_t	 ports[ALERT_MAX_PORTS];	/* sample, distinct */
	size_t		 nports;
	struct slice	 urls[ALERT_MAX_URLS];		/* sample, distinct */
	size_t		 nurls;
	struct alert_geo geo;		/* of remote_ip; set by enrich.c */

	/* join key: sha1 (has_sha1 above) or a lower-cased path */
	int		 key_is_path;
	struct slice	 key_path;
	uint64_t	 count;
	int64_t		 first_seen;
	int64_t		 last_seen;

	/* imageload */
	int64_t		 window_start;
	struct slice	 image_loaded;
	struct slice	 signature;
	int		 is_signed;
	uint64_t	 executions;
	uint64_t	 hosts;
	struct slice	 statuses[ALERT_MAX_STATUSES];
	size_t		 nstatuses;
};

/* Where the engine hands alerts; output.c provides the real one. */
struct alert_sink {
	void	(*emit)(void *, const struct alert *);
	void	*arg;
};

const char	*alert_rule_name(enum alert_rule);
const char	*severity_name(enum severity);
int		 alert_geo_empty(const struct alert_geo *);
void		 alert_json(const struct alert *, struct buf *);
void		 alert_text(const struct alert *, struct buf *);

#endif
