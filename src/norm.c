/*
 * signetd: from the flat field view to a normalized record, following the
 * field mapping of the detection spec. Source detection is by content:
 * an MDE record names its table in `category'; a Sysmon record names the
 * Sysmon channel or provider. Everything else is counted and skipped.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "addr.h"
#include "norm.h"
#include "tstamp.h"

#define MDE_PREFIX	"AdvancedHunting-"
#define SYSMON_CHANNEL	"Microsoft-Windows-Sysmon/Operational"
#define SYSMON_PROVIDER	"Microsoft-Windows-Sysmon"

static int	norm_mde(const struct fields *, struct rec *,
		    enum skip_reason *);
static int	norm_sysmon(const struct fields *, struct rec *,
		    enum skip_reason *);

static int
fv_is(const struct fval *v, const char *s)
{
	size_t	 n = strlen(s);

	return (v->type == FV_STR && v->n == n && memcmp(v->p, s, n) == 0);
}

static int
fv_is_ci(const struct fval *v, const char *s)
{
	size_t	 n = strlen(s);

	return (v->type == FV_STR && v->n == n && strncasecmp(v->p, s, n) == 0);
}

/* A string (or number) value as a slice; null and booleans are empty. */
static struct slice
fv_slice(const struct fval *v)
{
	if (v->type != FV_STR && v->type != FV_NUM)
		return (SLICE_EMPTY);
	return ((struct slice){ v->p, v->n });
}

/* Sysmon writes "-" for an empty field in newer versions, "" in older. */
static struct slice
fv_sysmon(const struct fval *v)
{
	struct slice	 s = fv_slice(v);

	if (s.n == 1 && s.p[0] == '-')
		return (SLICE_EMPTY);
	return (s);
}

static int
parse_i64(const char *p, size_t n, int64_t *out)
{
	int64_t	 v = 0;
	size_t	 i;

	if (n == 0 || n > 18)
		return (-1);
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return (-1);
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return (0);
}

/* A number, or a string of digits as Sysmon's EventData has them. */
static int
fv_int(const struct fval *v, int64_t *out)
{
	if (v->type != FV_NUM && v->type != FV_STR)
		return (-1);
	return (parse_i64(v->p, v->n, out));
}

/*
 * Hex digit values plus one; 0 for anything else. A table rather than
 * three range tests: every record with a SHA1 has forty digits to read,
 * and the tests' branches were a third of norm_record()'s own cost.
 */
static const uint8_t hexval1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16
};

static int
norm_sha1_hex(const char *p, size_t n, uint8_t *out)
{
	const unsigned char	*u = (const unsigned char *)p;
	size_t			 i;
	int			 hi, lo;

	if (n != 40)
		return (-1);
	for (i = 0; i < 20; i++) {
		hi = hexval1[u[2 * i]] - 1;
		lo = hexval1[u[2 * i + 1]] - 1;
		if ((hi | lo) < 0)
			return (-1);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (0);
}

/*
 * MDE booleans: true/false, 1/0, or the strings "true"/"false"/"1"/"0".
 * Anything else ("True", 2, null, absent) is unknown.
 */
static enum tri
mde_bool(const struct fval *v)
{
	if (v->type == FV_TRUE)
		return (TRI_TRUE);
	if (v->type == FV_FALSE)
		return (TRI_FALSE);
	if (v->type == FV_NUM || v->type == FV_STR) {
		if (v->n == 1 && v->p[0] == '1')
			return (TRI_TRUE);
		if (v->n == 1 && v->p[0] == '0')
			return (TRI_FALSE);
	}
	if (fv_is(v, "true"))
		return (TRI_TRUE);
	if (fv_is(v, "false"))
		return (TRI_FALSE);
	return (TRI_UNKNOWN);
}

/* Sysmon's Signed and Initiated mean yes only as "true" (or JSON true). */
static enum tri
sysmon_bool(const struct fval *v)
{
	return (v->type == FV_TRUE || fv_is(v, "true") ? TRI_TRUE : TRI_FALSE);
}

static void
norm_lower(char *dst, const char *src, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ?
		    src[i] + 'a' - 'A' : src[i];
}

/*
 * The device id as a lower-cased copy in the record's own buffer; sets
 * why: an absent name is missing, one too long for any host is bad.
 */
static int
norm_device_lower(struct rec *r, struct slice name, enum skip_reason *why)
{
	if (name.n == 0 || name.n > sizeof(r->devbuf)) {
		*why = name.n == 0 ? SKIP_MISSING_FIELD : SKIP_BAD_FIELD;
		return (-1);
	}
	norm_lower(r->devbuf, name.p, name.n);
	r->device = (struct slice){ r->devbuf, name.n };
	r->device_name = name;
	return (0);
}

static int
norm_time(const struct fval *v, int64_t *t, enum skip_reason *why)
{
	if (v->type != FV_STR) {
		*why = v->type == FV_NONE || v->type == FV_NULL ?
		    SKIP_MISSING_FIELD : SKIP_BAD_TIME;
		return (-1);
	}
	if (tstamp_parse(v->p, v->n, t) == -1) {
		*why = SKIP_BAD_TIME;
		return (-1);
	}
	return (0);
}

static int
norm_ip(const struct fval *v, struct rec *r)
{
	struct slice	 s = fv_sysmon(v);

	r->remote_ip_text = s;
	if (s.n == 0)
		r->ip_state = IP_NONE;
	else if (addr_parse(s.p, s.n, &r->remote_ip) == 0)
		r->ip_state = IP_OK;
	else
		r->ip_state = IP_BAD;
	return (0);
}

static void
norm_port(const struct fval *v, struct rec *r)
{
	int64_t	 port;

	if (fv_int(v, &port) == 0 && port <= 65535) {
		r->has_port = 1;
		r->remote_port = (uint16_t)port;
	}
}

static void
norm_pid(const struct fval *v, struct rec *r)
{
	if (fv_int(v, &r->pid) == 0)
		r->has_pid = 1;
}

int
norm_record(const struct fields *f, struct rec *r, enum skip_reason *why)
{
	const struct fval	*cat = &f->v[F_CATEGORY];

	memset(r, 0, offsetof(struct rec, devbuf));
	r->is_signed = r->is_trusted = r->outbound = TRI_UNKNOWN;
	if (cat->type == FV_STR)
		return (norm_mde(f, r, why));
	if (fv_is_ci(&f->v[F_CHANNEL], SYSMON_CHANNEL) ||
	    fv_is_ci(&f->v[F_PROVIDER], SYSMON_PROVIDER))
		return (norm_sysmon(f, r, why));
	*why = SKIP_UNKNOWN_SOURCE;
	return (-1);
}

/* --- Microsoft Defender for Endpoint ------------------------------- */

static int
mde_sha1(const struct fval *v, struct rec *r, enum skip_reason *why)
{
	if (v->type == FV_NONE || v->type == FV_NULL ||
	    (v->type == FV_STR && v->n == 0))
		return (0);
	if (v->type != FV_STR || norm_sha1_hex(v->p, v->n, r->sha1) == -1) {
		*why = SKIP_BAD_FIELD;
		return (-1);
	}
	r->has_sha1 = 1;
	return (0);
}

static void
mde_user(const struct fields *f, struct rec *r)
{
	struct slice	 dom = fv_slice(&f->v[F_IP_ACCOUNTDOMAIN]);
	struct slice	 name = fv_slice(&f->v[F_IP_ACCOUNTNAME]);

	if (dom.n == 0 || dom.n + 1 + name.n > sizeof(r->userbuf)) {
		r->user = name;
		return;
	}
	memcpy(r->userbuf, dom.p, dom.n);
	r->userbuf[dom.n] = '\\';
	memcpy(r->userbuf + dom.n + 1, name.p, name.n);
	r->user = (struct slice){ r->userbuf, dom.n + 1 + name.n };
}

static int
mde_net(const struct fields *f, struct rec *r, enum skip_reason *why)
{
	struct slice	 id = fv_slice(&f->v[F_DEVICEID]);

	r->kind = REC_NET;
	if (id.n > 0) {
		r->device = id;
		r->device_name = fv_slice(&f->v[F_DEVICENAME]);
	} else if (norm_device_lower(r, fv_slice(&f->v[F_DEVICENAME]),
	    why) == -1)
		return (-1);
	if (mde_sha1(&f->v[F_IP_SHA1], r, why) == -1)
		return (-1);
	norm_pid(&f->v[F_IP_PID], r);
	r->image = fv_slice(&f->v[F_IP_FOLDERPATH]);
	r->cmdline = fv_slice(&f->v[F_IP_CMDLINE]);
	mde_user(f, r);
	norm_ip(&f->v[F_REMOTEIP], r);
	norm_port(&f->v[F_REMOTEPORT], r);
	r->remote_url = fv_slice(&f->v[F_REMOTEURL]);
	r->protocol = fv_slice(&f->v[F_PROTOCOL]);
	r->outbound = fv_is(&f->v[F_ACTIONTYPE], "ConnectionSuccess") ?
	    TRI_TRUE : TRI_FALSE;
	return (0);
}

static int
mde_cert(const struct fields *f, struct rec *r, enum skip_reason *why)
{
	r->kind = REC_CERT;
	r->device = fv_slice(&f->v[F_DEVICEID]);
	r->device_name = fv_slice(&f->v[F_DEVICENAME]);
	if (r->device.n == 0) {
		*why = SKIP_MISSING_FIELD;
		return (-1);
	}
	if (mde_sha1(&f->v[F_SHA1], r, why) == -1)
		return (-1);
	if (!r->has_sha1) {
		*why = SKIP_MISSING_FIELD;
		return (-1);
	}
	r->is_signed = mde_bool(&f->v[F_ISSIGNED]);
	r->is_trusted = mde_bool(&f->v[F_ISTRUSTED]);
	r->signer = fv_slice(&f->v[F_SIGNER]);
	r->issuer = fv_slice(&f->v[F_ISSUER]);
	if (r->is_signed == TRI_FALSE)
		r->status = (struct slice){ "Unsigned", 8 };
	else if (r->is_signed == TRI_TRUE && r->is_trusted == TRI_FALSE)
		r->status = (struct slice){ "Untrusted", 9 };
	else if (r->is_signed == TRI_TRUE && r->is_trusted == TRI_TRUE)
		r->status = (struct slice){ "Valid", 5 };
	else
		r->status = (struct slice){ "Unknown", 7 };
	return (0);
}

static int
norm_mde(const struct fields *f, struct rec *r, enum skip_reason *why)
{
	const struct fval	*cat = &f->v[F_CATEGORY];
	size_t			 pl = sizeof(MDE_PREFIX) - 1;
	struct slice		 table;
	int			 rc;

	r->source = SRC_MDE;
	if (cat->n <= pl || memcmp(cat->p, MDE_PREFIX, pl) != 0) {
		*why = SKIP_UNKNOWN_SOURCE;
		return (-1);
	}
	table = (struct slice){ cat->p + pl, cat->n - pl };
	if (table.n == 19 && memcmp(table.p, "DeviceNetworkEvents", 19) == 0)
		rc = mde_net(f, r, why);
	else if (table.n == 25 &&
	    memcmp(table.p, "DeviceFileCertificateInfo", 25) == 0)
		rc = mde_cert(f, r, why);
	else {
		*why = SKIP_IGNORED;
		return (-1);
	}
	if (rc == -1)
		return (-1);
	return (norm_time(&f->v[F_TIMESTAMP], &r->time, why));
}

/* --- Sysmon --------------------------------------------------------- */

/* The SHA1 of a Hashes value "SHA1=..,MD5=..,..", in any order or subset. */
static int
sysmon_hashes(const struct fval *v, struct rec *r, enum skip_reason *why)
{
	const char	*p = v->p, *end = v->p + v->n, *comma, *eq;

	if (v->type != FV_STR)
		return (0);
	while (p < end) {
		if ((comma = memchr(p, ',', (size_t)(end - p))) == NULL)
			comma = end;
		eq = memchr(p, '=', (size_t)(comma - p));
		if (eq != NULL && eq - p == 4 && strncasecmp(p, "SHA1", 4) == 0) {
			if (norm_sha1_hex(eq + 1, (size_t)(comma - eq - 1),
			    r->sha1) == -1) {
				*why = SKIP_BAD_FIELD;
				return (-1);
			}
			r->has_sha1 = 1;
			return (0);
		}
		p = comma + 1;
	}
	return (0);
}

/*
 * UtcTime first (Sysmon writes it in UTC), else the forwarder's time:
 * NXLog's EventTime, or Winlogbeat's @timestamp. An NXLog line that went
 * through Logstash has a @timestamp too, but it is Logstash's, so
 * EventTime wins when both are there.
 */
static int
sysmon_time(const struct fields *f, struct rec *r, enum skip_reason *why)
{
	if (f->v[F_UTCTIME].type != FV_NONE)
		return (norm_time(&f->v[F_UTCTIME], &r->time, why));
	if (f->v[F_EVENTTIME].type != FV_NONE)
		return (norm_time(&f->v[F_EVENTTIME], &r->time, why));
	return (norm_time(&f->v[F_ATTIMESTAMP], &r->time, why));
}

static void
sysmon_process(const struct fields *f, struct rec *r)
{
	r->guid = fv_sysmon(&f->v[F_PROCESSGUID]);
	norm_pid(&f->v[F_PROCESSID], r);
	r->image = fv_sysmon(&f->v[F_IMAGE]);
	r->user = fv_sysmon(&f->v[F_USER]);
}

static int
sysmon_proc(const struct fields *f, struct rec *r, enum skip_reason *why)
{
	r->kind = REC_PROC;
	sysmon_process(f, r);
	r->cmdline = fv_sysmon(&f->v[F_COMMANDLINE]);
	if (r->guid.n == 0) {
		*why = SKIP_MISSING_FIELD;
		return (-1);
	}
	return (sysmon_hashes(&f->v[F_HASHES], r, why));
}

static int
sysmon_net(const struct fields *f, struct rec *r, enum skip_reason *why)
{
	r->kind = REC_NET;
	sysmon_process(f, r);
	norm_ip(&f->v[F_DESTIP], r);
	norm_port(&f->v[F_DESTPORT], r);
	r->remote_url = fv_sysmon(&f->v[F_DESTHOST]);
	r->protocol = fv_sysmon(&f->v[F_PROTOCOL]);
	r->outbound = sysmon_bool(&f->v[F_INITIATED]);
	return (0);
}

static int
sysmon_load(const struct fields *f, struct rec *r, enum skip_reason *why)
{
	r->kind = REC_LOAD;
	sysmon_process(f, r);
	r->path = fv_sysmon(&f->v[F_IMAGELOADED]);
	if (r->path.n == 0) {
		*why = SKIP_MISSING_FIELD;
		return (-1);
	}
	r->is_signed = sysmon_bool(&f->v[F_SIGNED]);
	r->status = fv_sysmon(&f->v[F_SIGSTATUS]);
	r->is_trusted = fv_is(&f->v[F_SIGSTATUS], "Valid") ?
	    TRI_TRUE : TRI_FALSE;
	/* As sent: the imageload rule treats "-" as a signature (spec 4). */
	r->signer = fv_slice(&f->v[F_SIGNATURE]);
	return (sysmon_hashes(&f->v[F_HASHES], r, why));
}

static int
norm_sysmon(const struct fields *f, struct rec *r, enum skip_reason *why)
{
	int64_t	 eid;
	int	 rc;

	r->source = SRC_SYSMON;
	if (fv_int(&f->v[F_EVENTID], &eid) == -1) {
		*why = f->v[F_EVENTID].type == FV_NONE ?
		    SKIP_MISSING_FIELD : SKIP_BAD_FIELD;
		return (-1);
	}
	if (eid == 1)
		rc = sysmon_proc(f, r, why);
	else if (eid == 3)
		rc = sysmon_net(f, r, why);
	else if (eid == 7)
		rc = sysmon_load(f, r, why);
	else {
		*why = SKIP_IGNORED;
		return (-1);
	}
	if (rc == -1)
		return (-1);
	if (norm_device_lower(r, fv_slice(&f->v[F_COMPUTER]), why) == -1)
		return (-1);
	return (sysmon_time(f, r, why));
}
