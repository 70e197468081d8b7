/*
 * signetd: JSON decoding into the flat field view (see json.h).
 *
 * yajl calls back per token. A small stack of contexts, one per nesting
 * level, says what each map is: the record itself, MDE's `properties',
 * Winlogbeat's `winlog' and `event_data', Winlogbeat 6's top-level
 * `event_data', or something we skip. Keys are looked up once in a hashed
 * table that maps (context, name) to a field slot, so the three source
 * shapes fill the same slots and the normalizer does not care which one
 * it got. The record is handed over when its map closes.
 *
 * One yajl handle serves every message: with yajl_allow_multiple_values
 * the parser returns to its start state after each top-level value, so
 * the handle is only rebuilt after an error, a truncated message, or one
 * that ends inside a token after its last complete value.
 */
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "config.h"
#include "json.h"
#include "xmalloc.h"

/*
 * The maps whose keys are not read come first, so that the key callback
 * tells them from the others with one compare (json_map_key_cb()).
 */
enum ctx {
	CTX_SKIP = 0,		/* a map or array we do not look into */
	CTX_ENVELOPE,		/* a top-level map that held "records" */
	CTX_RECORDS,		/* array whose maps are records */
	CTX_ROOT,		/* a record */
	CTX_PROPS,		/* MDE properties */
	CTX_WINLOG,		/* Winlogbeat winlog */
	CTX_EVDATA		/* Sysmon EventData (any shape) */
};

#define M_ROOT		(1u << CTX_ROOT)
#define M_PROPS		(1u << CTX_PROPS)
#define M_WINLOG	(1u << CTX_WINLOG)
#define M_EVDATA	(1u << CTX_EVDATA)

/*
 * What a key means: a field slot, or a context for the map it opens.
 * "records" has child CTX_RECORDS: the array it opens holds records if
 * the key is at the top level (json_key() checks the depth).
 */
struct keydef {
	const char	*name;
	unsigned	 ctxmask;
	int		 slot;		/* -1: none */
	enum ctx	 child;
};

/* What each key we use means; json_new() indexes them by hash. */
static const struct keydef keydefs[] = {
	{ "@timestamp",		M_ROOT,		F_ATTIMESTAMP,	CTX_SKIP },
	{ "ActionType",		M_PROPS,	F_ACTIONTYPE,	CTX_SKIP },
	{ "Channel",		M_ROOT,		F_CHANNEL,	CTX_SKIP },
	{ "CommandLine",	M_ROOT | M_EVDATA, F_COMMANDLINE, CTX_SKIP },
	{ "DestinationHostname", M_ROOT | M_EVDATA, F_DESTHOST,	CTX_SKIP },
	{ "DestinationIp",	M_ROOT | M_EVDATA, F_DESTIP,	CTX_SKIP },
	{ "DestinationPort",	M_ROOT | M_EVDATA, F_DESTPORT,	CTX_SKIP },
	{ "DeviceId",		M_PROPS,	F_DEVICEID,	CTX_SKIP },
	{ "DeviceName",		M_PROPS,	F_DEVICENAME,	CTX_SKIP },
	{ "EventID",		M_ROOT,		F_EVENTID,	CTX_SKIP },
	{ "EventTime",		M_ROOT,		F_EVENTTIME,	CTX_SKIP },
	{ "Hashes",		M_ROOT | M_EVDATA, F_HASHES,	CTX_SKIP },
	{ "Hostname",		M_ROOT,		F_COMPUTER,	CTX_SKIP },
	{ "Image",		M_ROOT | M_EVDATA, F_IMAGE,	CTX_SKIP },
	{ "ImageLoaded",	M_ROOT | M_EVDATA, F_IMAGELOADED, CTX_SKIP },
	{ "Initiated",		M_ROOT | M_EVDATA, F_INITIATED,	CTX_SKIP },
	{ "InitiatingProcessAccountDomain", M_PROPS, F_IP_ACCOUNTDOMAIN,
	    CTX_SKIP },
	{ "InitiatingProcessAccountName", M_PROPS, F_IP_ACCOUNTNAME, CTX_SKIP },
	{ "InitiatingProcessCommandLine", M_PROPS, F_IP_CMDLINE, CTX_SKIP },
	{ "InitiatingProcessFileName", M_PROPS,	F_IP_FILENAME,	CTX_SKIP },
	{ "InitiatingProcessFolderPath", M_PROPS, F_IP_FOLDERPATH, CTX_SKIP },
	{ "InitiatingProcessId", M_PROPS,	F_IP_PID,	CTX_SKIP },
	{ "InitiatingProcessSHA1", M_PROPS,	F_IP_SHA1,	CTX_SKIP },
	{ "IsSigned",		M_PROPS,	F_ISSIGNED,	CTX_SKIP },
	{ "IsTrusted",		M_PROPS,	F_ISTRUSTED,	CTX_SKIP },
	{ "Issuer",		M_PROPS,	F_ISSUER,	CTX_SKIP },
	{ "ProcessGuid",	M_ROOT | M_EVDATA, F_PROCESSGUID, CTX_SKIP },
	{ "ProcessId",		M_ROOT | M_EVDATA, F_PROCESSID,	CTX_SKIP },
	{ "Protocol",		M_ROOT | M_EVDATA | M_PROPS, F_PROTOCOL,
	    CTX_SKIP },
	{ "RemoteIP",		M_PROPS,	F_REMOTEIP,	CTX_SKIP },
	{ "RemotePort",		M_PROPS,	F_REMOTEPORT,	CTX_SKIP },
	{ "RemoteUrl",		M_PROPS,	F_REMOTEURL,	CTX_SKIP },
	{ "SHA1",		M_PROPS,	F_SHA1,		CTX_SKIP },
	{ "Signature",		M_ROOT | M_EVDATA, F_SIGNATURE,	CTX_SKIP },
	{ "SignatureStatus",	M_ROOT | M_EVDATA, F_SIGSTATUS,	CTX_SKIP },
	{ "Signed",		M_ROOT | M_EVDATA, F_SIGNED,	CTX_SKIP },
	{ "Signer",		M_PROPS,	F_SIGNER,	CTX_SKIP },
	{ "SourceName",		M_ROOT,		F_PROVIDER,	CTX_SKIP },
	{ "Timestamp",		M_PROPS,	F_TIMESTAMP,	CTX_SKIP },
	{ "User",		M_ROOT | M_EVDATA, F_USER,	CTX_SKIP },
	{ "UtcTime",		M_ROOT | M_EVDATA, F_UTCTIME,	CTX_SKIP },
	{ "category",		M_ROOT,		F_CATEGORY,	CTX_SKIP },
	{ "channel",		M_WINLOG,	F_CHANNEL,	CTX_SKIP },
	{ "computer_name",	M_ROOT | M_WINLOG, F_COMPUTER,	CTX_SKIP },
	{ "event_data",		M_ROOT | M_WINLOG, -1,		CTX_EVDATA },
	{ "event_id",		M_ROOT | M_WINLOG, F_EVENTID,	CTX_SKIP },
	{ "log_name",		M_ROOT,		F_CHANNEL,	CTX_SKIP },
	{ "properties",		M_ROOT,		-1,		CTX_PROPS },
	{ "provider_name",	M_WINLOG,	F_PROVIDER,	CTX_SKIP },
	{ "records",		M_ROOT,		-1,		CTX_RECORDS },
	{ "source_name",	M_ROOT,		F_PROVIDER,	CTX_SKIP },
	{ "winlog",		M_ROOT,		-1,		CTX_WINLOG },
};

#define NKEYDEFS	(sizeof(keydefs) / sizeof(keydefs[0]))

#define JSON_KEYBUCKETS	256
/* No key we use is shorter ("User", "SHA1"); key_eq() relies on it. */
#define KEYDEF_MINLEN	4

_Static_assert(NKEYDEFS < 0xff, "keydef indexes are bytes");
_Static_assert(JSON_KEYBUCKETS == 256, "keydef_bucket() gives 8 bits");

/* NXLog Agent 6's AddPrefix option writes EventData fields this way. */
#define EVDATA_PREFIX	"EventData."

struct json {
	yajl_handle	 h;
	json_record_cb	 cb;
	void		*cbarg;

	const char	*msg;		/* borrowed: the message being parsed */
	size_t		 msglen;
	char		*arena;		/* unescaped strings, >= msglen */
	size_t		 arenacap;
	size_t		 arenalen;

	int		 depth;
	enum ctx	 stack[JSON_MAX_DEPTH + 1];
	int		 slot;		/* field of the value that follows */
	enum ctx	 child;		/* context of the map or array that
					   follows; CTX_RECORDS after a
					   top-level "records" key */
	int		 values;	/* top-level values completed */
	size_t		 vend;		/* offset just past the last one */
	int		 records;
	int		 too_deep;
	struct fields	 f;

	uint8_t		 bucket[JSON_KEYBUCKETS];	/* first keydef, 0xff */
	uint8_t		 chain[NKEYDEFS];		/* next keydef, 0xff */
	uint16_t	 keylen[NKEYDEFS];
};

static const yajl_callbacks	json_callbacks;

static void	json_value_done(struct json *);
static int	json_tail_clean(const struct json *);

/*
 * Keys are looked up once per key in every record, most of them names we
 * do not use (NXLog sends some fifty per record), so the lookup is a small
 * hash of the length and the last four bytes (n >= KEYDEF_MINLEN), built
 * once per decoder; a miss usually ends at an empty bucket or costs one
 * comparison of lengths. Over the bench's corpus a key visits 0.53
 * entries and compares 0.42 in full, about as the byte hash this replaces
 * did at 256 buckets, for half its instructions.
 */
static unsigned
keydef_bucket(const char *p, size_t n)
{
	uint32_t	 w;

	memcpy(&w, p + n - 4, sizeof(w));
	return (((w + (uint32_t)n) * 0x9e3779b1u) >> 24);
}

static void
keydef_index(struct json *j)
{
	size_t		 i, b;

	memset(j->bucket, 0xff, sizeof(j->bucket));
	for (i = 0; i < NKEYDEFS; i++) {
		j->keylen[i] = (uint16_t)strlen(keydefs[i].name);
		if (j->keylen[i] < KEYDEF_MINLEN)
			abort();	/* key_eq() reads 4 bytes */
		b = keydef_bucket(keydefs[i].name, j->keylen[i]);
		j->chain[i] = j->bucket[b];
		j->bucket[b] = (uint8_t)i;
	}
}

/*
 * Equality of two strings of n >= 4 bytes, a word at a time: the last
 * word overlaps the one before it rather than falling back to bytes.
 * Cheaper than a call to memcmp for keys of a dozen bytes, and every key
 * that names a field is compared in full once per record.
 */
static int
key_eq(const char *a, const char *b, size_t n)
{
	uint64_t	 x, y;
	uint32_t	 u, v;
	size_t		 i;

	if (n < 8) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		if (u != v)
			return (0);
		memcpy(&u, a + n - 4, 4);
		memcpy(&v, b + n - 4, 4);
		return (u == v);
	}
	for (i = 0; i + 8 < n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return (0);
	}
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, b + n - 8, 8);
	return (x == y);
}

static const struct keydef *
keydef_find(const struct json *j, const char *p, size_t n)
{
	uint8_t	 i;

	if (n < KEYDEF_MINLEN)
		return (NULL);
	for (i = j->bucket[keydef_bucket(p, n)]; i != 0xff; i = j->chain[i])
		if (j->keylen[i] == n && key_eq(keydefs[i].name, p, n))
			return (&keydefs[i]);
	return (NULL);
}

static void
json_reset_handle(struct json *j)
{
	if (j->h != NULL)
		yajl_free(j->h);
	if ((j->h = yajl_alloc(&json_callbacks, NULL, j)) == NULL)
		abort();
	yajl_config(j->h, yajl_allow_multiple_values, 1);
	yajl_config(j->h, yajl_dont_validate_strings, 1);
}

struct json *
json_new(json_record_cb cb, void *arg)
{
	struct json	*j;

	j = xcalloc(1, sizeof(*j));
	j->cb = cb;
	j->cbarg = arg;
	keydef_index(j);
	json_reset_handle(j);
	return (j);
}

void
json_free(struct json *j)
{
	if (j == NULL)
		return;
	yajl_free(j->h);
	free(j->arena);
	free(j);
}

static enum ctx
json_ctx(const struct json *j)
{
	return (j->stack[j->depth]);
}

/* A top-level value ended; yajl's offset is just past its last token. */
static void
json_value_done(struct json *j)
{
	j->values++;
	j->vend = yajl_get_bytes_consumed(j->h);
}

/*
 * Is there nothing but white space after the last complete value? yajl
 * keeps a token cut off by the end of the buffer (an open string, half a
 * literal or number) for the next call, which would read the next
 * message, maybe another sender's, as its continuation.
 */
static int
json_tail_clean(const struct json *j)
{
	size_t	 i;

	for (i = j->vend; i < j->msglen; i++)
		if (j->msg[i] != ' ' && j->msg[i] != '\t' &&
		    j->msg[i] != '\r' && j->msg[i] != '\n')
			return (0);
	return (1);
}

/*
 * A string yajl unescaped lives in its own buffer until the next token,
 * so it is copied into the arena. Out of line, and json_store()'s calls
 * are all tail calls, so that the common store (a string in the message)
 * runs without a stack frame: one string in seven has an escape.
 */
static int	json_store_copy(struct json *, struct fval *, const char *,
		    size_t, uint8_t) __attribute__((__noinline__));
static int	json_store_top(struct json *) __attribute__((__noinline__));

static int
json_store_copy(struct json *j, struct fval *v, const char *s, size_t n,
    uint8_t type)
{
	v->p = j->arena + j->arenalen;
	v->n = (uint32_t)n;
	v->type = type;
	memcpy(j->arena + j->arenalen, s, n);
	j->arenalen += n;
	return (1);
}

/* A scalar at the top level: a complete value, if not a record. */
static int
json_store_top(struct json *j)
{
	json_value_done(j);
	return (1);
}

/*
 * Keep a scalar if the key before it named a slot; everything but an
 * unescaped string points into the message.
 */
static int
json_store(struct json *j, const unsigned char *p, size_t n, uint8_t type)
{
	struct fval	*v;
	const char	*s = (const char *)p;
	uintptr_t	 off = (uintptr_t)s - (uintptr_t)j->msg;

	if (j->depth == 0)
		return (json_store_top(j));
	if (j->slot < 0)
		return (1);
	v = &j->f.v[j->slot];
	j->slot = -1;
	if (n > UINT32_MAX)
		return (1);
	if (s != NULL && (off > j->msglen || n > j->msglen - off))
		return (json_store_copy(j, v, s, n, type));
	v->p = s;
	v->n = (uint32_t)n;
	v->type = type;
	return (1);
}

static int
json_null_cb(void *ctx)
{
	return (json_store(ctx, NULL, 0, FV_NULL));
}

static int
json_bool_cb(void *ctx, int b)
{
	return (json_store(ctx, NULL, 0, b ? FV_TRUE : FV_FALSE));
}

/*
 * Most scalars are values of keys we do not use: those return before the
 * call to json_store(), which yajl would otherwise pay per string.
 */
static int
json_number_cb(void *ctx, const char *s, size_t n)
{
	struct json	*j = ctx;

	if (j->slot < 0 && j->depth != 0)
		return (1);
	return (json_store(ctx, (const unsigned char *)s, n, FV_NUM));
}

static int
json_string_cb(void *ctx, const unsigned char *s, size_t n)
{
	struct json	*j = ctx;

	if (j->slot < 0 && j->depth != 0)
		return (1);
	return (json_store(ctx, s, n, FV_STR));
}

static int
json_push(struct json *j, enum ctx c)
{
	if (j->depth >= JSON_MAX_DEPTH) {
		j->too_deep = 1;
		return (0);
	}
	j->stack[++j->depth] = c;
	j->slot = -1;
	j->child = CTX_SKIP;
	return (1);
}

static int
json_start_map_cb(void *ctx)
{
	struct json	*j = ctx;
	enum ctx	 parent = json_ctx(j), c;

	if (j->depth == 0 || parent == CTX_RECORDS)
		c = CTX_ROOT;
	else if (parent == CTX_SKIP || j->child == CTX_RECORDS)
		c = CTX_SKIP;	/* "records": {...} is not an envelope */
	else
		c = j->child;
	if (c == CTX_ROOT) {
		memset(&j->f, 0, sizeof(j->f));
		j->arenalen = 0;
	}
	return (json_push(j, c));
}

/*
 * A key of a map we read: NXLog 6's prefixed EventData names, then the
 * key table, where "records" counts only at the top. Kept out of
 * json_map_key_cb() so that the keys of skipped maps return without its
 * stack frame.
 */
static int
json_key(struct json *j, enum ctx c, const char *k, size_t n)
{
	const struct keydef	*d;
	size_t			 pl = sizeof(EVDATA_PREFIX) - 1;

	if (c == CTX_ROOT && n > pl && k[0] == 'E' &&
	    memcmp(k, EVDATA_PREFIX, pl) == 0) {
		k += pl;
		n -= pl;
		c = CTX_EVDATA;
	}
	if ((d = keydef_find(j, k, n)) == NULL || (d->ctxmask & (1u << c)) == 0)
		return (1);
	if (d->child == CTX_RECORDS && j->depth != 1)
		return (1);
	j->slot = d->slot;
	j->child = d->child;
	return (1);
}

static int
json_map_key_cb(void *ctx, const unsigned char *key, size_t n)
{
	struct json	*j = ctx;
	enum ctx	 c = json_ctx(j);

	j->slot = -1;
	j->child = CTX_SKIP;
	if (c < CTX_ROOT)	/* CTX_SKIP, CTX_ENVELOPE */
		return (1);
	return (json_key(j, c, (const char *)key, n));
}

static int
json_end_map_cb(void *ctx)
{
	struct json	*j = ctx;

	if (json_ctx(j) == CTX_ROOT) {
		j->records++;
		j->cb(j->cbarg, &j->f);
	}
	j->depth--;
	j->slot = -1;
	if (j->depth == 0)
		json_value_done(j);
	return (1);
}

/* A top-level array, or "records" in a top-level map, holds records. */
static int
json_start_array_cb(void *ctx)
{
	struct json	*j = ctx;
	enum ctx	 c = CTX_SKIP;

	if (j->depth == 0)
		c = CTX_RECORDS;
	else if (j->child == CTX_RECORDS) {
		j->stack[j->depth] = CTX_ENVELOPE;
		c = CTX_RECORDS;
	}
	return (json_push(j, c));
}

static int
json_end_array_cb(void *ctx)
{
	struct json	*j = ctx;

	j->depth--;
	j->slot = -1;
	if (j->depth == 0)
		json_value_done(j);
	return (1);
}

static const yajl_callbacks json_callbacks = {
	json_null_cb,
	json_bool_cb,
	NULL,
	NULL,
	json_number_cb,
	json_string_cb,
	json_start_map_cb,
	json_map_key_cb,
	json_end_map_cb,
	json_start_array_cb,
	json_end_array_cb
};

/*
 * Parse one message. Returns the number of records handed to the
 * callback, or -1 with *why set; records seen before an error have
 * already been handed over.
 */
int
json_parse(struct json *j, const char *buf, size_t len, enum skip_reason *why)
{
	yajl_status	 st;

	if (j->arenacap < len) {
		free(j->arena);
		j->arenacap = len < 4096 ? 4096 : len;
		j->arena = xmalloc(j->arenacap);
	}
	j->msg = buf;
	j->msglen = len;
	j->arenalen = 0;
	j->depth = 0;
	j->stack[0] = CTX_SKIP;
	j->slot = -1;
	j->child = CTX_SKIP;
	j->values = 0;
	j->vend = 0;
	j->records = 0;
	j->too_deep = 0;

	st = yajl_parse(j->h, (const unsigned char *)buf, len);
	if (st != yajl_status_ok || j->depth != 0 || j->values == 0 ||
	    !json_tail_clean(j)) {
		*why = j->too_deep ? SKIP_TOO_DEEP : SKIP_NOT_JSON;
		json_reset_handle(j);
		return (-1);
	}
	if (j->records == 0) {
		*why = SKIP_UNKNOWN_SOURCE;
		return (-1);
	}
	return (j->records);
}
