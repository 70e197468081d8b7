/*
 * signetd: JSON body decoding with yajl's callback API into a flat view of
 * the fields the spec needs. No tree, no allocation per field: string
 * values point into the message, or into the decoder's arena when yajl had
 * to unescape them. One message may hold several records (MDE's
 * {"records":[...]} envelope, or a top-level array); the callback sees each.
 */
#ifndef SIGNETD_JSON_H
#define SIGNETD_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "rec.h"

enum field {
	/* record level, any shape */
	F_CATEGORY = 0,		/* MDE: AdvancedHunting-<Table> */
	F_COMPUTER,		/* Hostname, winlog.computer_name, computer_name */
	F_EVENTID,		/* EventID, winlog.event_id, event_id */
	F_CHANNEL,		/* Channel, winlog.channel, log_name */
	F_PROVIDER,		/* SourceName, winlog.provider_name, source_name */
	F_EVENTTIME,		/* NXLog EventTime */
	F_ATTIMESTAMP,		/* @timestamp */
	/* Sysmon EventData */
	F_UTCTIME,
	F_PROCESSGUID,
	F_PROCESSID,
	F_IMAGE,
	F_IMAGELOADED,
	F_HASHES,
	F_COMMANDLINE,
	F_USER,
	F_DESTIP,
	F_DESTPORT,
	F_DESTHOST,
	F_PROTOCOL,		/* also MDE Protocol */
	F_INITIATED,
	F_SIGNED,
	F_SIGNATURE,
	F_SIGSTATUS,
	/* MDE properties */
	F_TIMESTAMP,
	F_DEVICEID,
	F_DEVICENAME,
	F_ACTIONTYPE,
	F_REMOTEIP,
	F_REMOTEPORT,
	F_REMOTEURL,
	F_IP_PID,
	F_IP_SHA1,
	F_IP_FOLDERPATH,
	F_IP_FILENAME,
	F_IP_CMDLINE,
	F_IP_ACCOUNTNAME,
	F_IP_ACCOUNTDOMAIN,
	F_SHA1,
	F_ISSIGNED,
	F_ISTRUSTED,
	F_SIGNER,
	F_ISSUER,
	F_NFIELDS
};

enum fval_type {
	FV_NONE = 0,		/* absent */
	FV_STR,
	FV_NUM,			/* p/n hold the number as written */
	FV_TRUE,
	FV_FALSE,
	FV_NULL
};

struct fval {
	const char	*p;
	uint32_t	 n;
	uint8_t		 type;
};

struct fields {
	struct fval	 v[F_NFIELDS];
};

typedef void (*json_record_cb)(void *, const struct fields *);

struct json;

struct json	*json_new(json_record_cb, void *);
void		 json_free(struct json *);
int		 json_parse(struct json *, const char *, size_t,
		    enum skip_reason *);

#define JSON_MAX_DEPTH	32

#endif
