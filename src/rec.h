/*
 * signetd: the normalized record (struct rec) every decoder produces and the
 * engine consumes, and the skip reasons a message or record can be counted
 * under. Strings are (ptr, len) slices borrowed from the message buffer or
 * the decoder's arena; nothing here owns memory.
 */
#ifndef SIGNETD_REC_H
#define SIGNETD_REC_H

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

struct slice {
	const char	*p;
	size_t		 n;
};

#define SLICE_EMPTY	((struct slice){ NULL, 0 })

enum rec_kind {
	REC_CERT = 0,
	REC_PROC,
	REC_NET,
	REC_LOAD,
	REC_NKINDS
};

enum rec_source {
	SRC_MDE = 0,
	SRC_SYSMON,
	SRC_NSOURCES
};

/* Three-valued booleans: MDE sends values that are neither true nor false. */
enum tri {
	TRI_UNKNOWN = -1,
	TRI_FALSE = 0,
	TRI_TRUE = 1
};

enum ip_state {
	IP_NONE = 0,		/* field absent or empty */
	IP_OK,
	IP_BAD			/* present but unparsable */
};

/* Reasons a message or a record is skipped; each one has a counter. */
enum skip_reason {
	SKIP_NOT_JSON = 0,	/* no JSON value, or malformed JSON */
	SKIP_BAD_SYSLOG,	/* a syslog header that does not parse */
	SKIP_TOO_DEEP,		/* JSON nested deeper than the decoder allows */
	SKIP_TOO_LONG,		/* message longer than max_message */
	SKIP_EMPTY,		/* empty line or frame */
	SKIP_BAD_FRAME,		/* octet-counting frame that does not parse */
	SKIP_UNKNOWN_SOURCE,	/* a record of no source we know */
	SKIP_IGNORED,		/* known source, but a table or EID we do not use */
	SKIP_MISSING_FIELD,	/* a field the mapping needs is absent */
	SKIP_BAD_FIELD,		/* a field is present but malformed */
	SKIP_BAD_TIME,		/* timestamp absent or unparsable */
	SKIP_NREASONS
};

const char	*skip_reason_name(enum skip_reason);
const char	*rec_kind_name(enum rec_kind);
const char	*rec_source_name(enum rec_source);

/*
 * One normalized record. `time' is microseconds since the epoch, UTC.
 * For Sysmon, `device' is the lower-cased computer name (in devbuf) and
 * `device_name' the name as sent; for MDE both come from the record.
 */
struct rec {
	enum rec_kind	 kind;
	enum rec_source	 source;
	int64_t		 time;
	struct slice	 device;
	struct slice	 device_name;
	int		 has_sha1;
	uint8_t		 sha1[20];

	/* cert and load: the file the signature facts describe */
	struct slice	 path;
	enum tri	 is_signed;
	enum tri	 is_trusted;
	struct slice	 status;	/* Sysmon: SignatureStatus as sent */
	struct slice	 signer;
	struct slice	 issuer;

	/* proc, net, load: the process */
	struct slice	 guid;
	int		 has_pid;
	int64_t		 pid;
	struct slice	 image;
	struct slice	 cmdline;
	struct slice	 user;

	/* net */
	enum ip_state	 ip_state;
	struct in6_addr	 remote_ip;	/* IPv4 as IPv4-mapped */
	struct slice	 remote_ip_text;
	int		 has_port;
	uint16_t	 remote_port;
	struct slice	 remote_url;
	struct slice	 protocol;
	enum tri	 outbound;	/* ConnectionSuccess / Initiated */

	char		 devbuf[256];
	char		 userbuf[512];
};

#endif
