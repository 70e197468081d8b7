/*
 * signetd: rendering an alert, as one JSON object for machines and as one
 * text line for people. Neither allocates once the buffer has grown.
 *
 * JSON (no trailing newline; the caller adds it). Keys in this order:
 *
 *	kind rule technique tactic severity time detected_at device{id name}
 *	netjoin alert:   process{} signature{} network{} geo{} key count
 *			 first_seen last_seen
 *	imageload alert: process{} signature{} window_start image_loaded
 *			 count first_seen last_seen
 *	report:          window_start image_loaded signature signed
 *			 executions hosts statuses[]
 *
 *	process   {pid image sha1 guid cmdline user}
 *	signature {signed trusted status signer issuer source time}
 *	network   {remote_ip remote_port remote_url protocol ports[] urls[]}
 *	geo       {country_iso country city asn as_org}
 *
 * Times are RFC 3339 strings in UTC (tstamp_format), signed and trusted
 * are true, false or null (unknown). What is unknown is left out: device
 * when it has no id (reports span devices), pid, sha1, remote_port and
 * empty process and network strings, signature and network when the alert
 * has none, empty ports and urls, geo fields the databases do not have
 * (and geo itself when they have none). Device and signature strings are
 * written even when empty: an empty signer means there is none.
 *
 * Text: one line, fields separated by one space,
 *
 *	TIME LEVEL RULE key=value ...
 *
 * TIME is the event time as above, LEVEL the severity in capitals (INFO,
 * LOW, MEDIUM, HIGH, CRITICAL), or REPORT for an imageload window report,
 * RULE the rule name. The pairs come in a fixed order and a pair whose
 * value is unknown is left out:
 *
 *	netjoin:   device device_id pid image sha1 remote url country_iso
 *		   city asn as_org status signer count key
 *	imageload: device device_id pid image sha1 loaded status signer
 *		   window count
 *	REPORT:    window loaded signer signed executions hosts statuses
 *
 * Each key is always quoted or never: strings taken from the input
 * (device, device_id, image, url, status, signer, loaded, key, statuses)
 * and from the GeoIP databases (country_iso, city, as_org) are always in
 * double quotes, written by buf_text_str(): a '"', a
 * control character, invalid UTF-8 or a character that hides or reorders
 * text (U+202E and kin) shows as \xNN per byte, so a value can neither
 * end early nor break the line; backslashes stay as they are.
 * What signetd makes (times, numbers, hex sha1, addresses, true/false) is
 * never quoted. remote is ADDR or ADDR:PORT, an IPv6 address in brackets
 * when a port follows; key is the sha1 in hex, or "path:" and the
 * lower-cased path; statuses are joined with commas. Examples, wrapped
 * here but one line each:
 *
 *	2024-03-01T10:00:00.000Z HIGH netjoin device="ws01" device_id="ws01"
 *	    pid=4242 image="C:\x\a.exe" sha1=0123...cdef remote=81.2.69.142:443
 *	    url="evil.example" status="Unsigned" signer="" count=3
 *	    key="0123...cdef"
 *	2024-03-01T10:00:00.000Z MEDIUM imageload device="ws01" ...
 *	    loaded="C:\x\b.dll" status="Expired" signer="Contoso"
 *	    window=2024-03-01T10:00:00.000Z count=1
 *	2024-03-01T11:00:00.000Z REPORT imageload
 *	    window=2024-03-01T10:00:00.000Z loaded="C:\x\b.dll"
 *	    signer="Contoso" signed=true executions=3 hosts=2
 *	    statuses="Expired,Revoked"
 */
#include <netinet/in.h>

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "addr.h"
#include "alert.h"
#include "buf.h"
#include "tstamp.h"

#define ALERT_TECHNIQUE	"T1036.001"
#define ALERT_TACTIC	"defense-evasion"

static const char	*source_name(enum rec_source);
static void	 sha1_hex(const uint8_t *, char *);

static void	 json_key(struct buf *, const char *);
static void	 json_open(struct buf *, const char *, char);
static void	 json_close(struct buf *, char);
static void	 json_cstr(struct buf *, const char *, const char *);
static void	 json_str(struct buf *, const char *, struct slice);
static void	 json_str_opt(struct buf *, const char *, struct slice);
static void	 json_int(struct buf *, const char *, int64_t);
static void	 json_uint(struct buf *, const char *, uint64_t);
static void	 json_time(struct buf *, const char *, int64_t);
static void	 json_tri(struct buf *, const char *, enum tri);
static void	 json_head(const struct alert *, struct buf *);
static void	 json_device(const struct alert *, struct buf *);
static void	 json_process(const struct alert *, struct buf *);
static void	 json_signature(const struct alert *, struct buf *);
static void	 json_network(const struct alert *, struct buf *);
static void	 json_geo(const struct alert *, struct buf *);
static void	 json_key_field(const struct alert *, struct buf *);
static void	 json_seen(const struct alert *, struct buf *);
static void	 json_window(const struct alert *, struct buf *);
static void	 json_report(const struct alert *, struct buf *);

static void	 text_str(struct buf *, const char *, struct slice);
static void	 text_time(struct buf *, const char *, int64_t);
static void	 text_device(const struct alert *, struct buf *);
static void	 text_process(const struct alert *, struct buf *);
static void	 text_remote(const struct alert *, struct buf *);
static void	 text_geo(const struct alert *, struct buf *);
static void	 text_signature(const struct alert *, struct buf *);
static void	 text_key(const struct alert *, struct buf *);
static void	 text_netjoin(const struct alert *, struct buf *);
static void	 text_imageload(const struct alert *, struct buf *);
static void	 text_report(const struct alert *, struct buf *);

static const char *const rule_names[RULE_NRULES] = {
	"netjoin",
	"imageload"
};

static const char *const severity_names[SEV_NSEVERITIES] = {
	"info",
	"low",
	"medium",
	"high",
	"critical"
};

static const char *const severity_upper[SEV_NSEVERITIES] = {
	"INFO",
	"LOW",
	"MEDIUM",
	"HIGH",
	"CRITICAL"
};

const char *
alert_rule_name(enum alert_rule r)
{
	if ((unsigned)r >= RULE_NRULES)
		return ("unknown");
	return (rule_names[r]);
}

const char *
severity_name(enum severity s)
{
	if ((unsigned)s >= SEV_NSEVERITIES)
		return ("unknown");
	return (severity_names[s]);
}

int
alert_geo_empty(const struct alert_geo *g)
{
	return (g->country_iso.n == 0 && g->country.n == 0 &&
	    g->city.n == 0 && !g->has_asn && g->as_org.n == 0);
}

/* Spelled here, not taken from rec.c: these strings are output format. */
static const char *
source_name(enum rec_source s)
{
	switch (s) {
	case SRC_MDE:
		return ("mde");
	case SRC_SYSMON:
		return ("sysmon");
	default:
		return ("unknown");
	}
}

/* 40 lower-case hex digits and a NUL into s[41]. */
static void
sha1_hex(const uint8_t *h, char *s)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < 20; i++) {
		s[2 * i] = digits[h[i] >> 4];
		s[2 * i + 1] = digits[h[i] & 0xf];
	}
	s[40] = '\0';
}

/*
 * JSON writers. Every member is written followed by a comma and
 * json_close() takes the last one back, so optional members need no
 * bookkeeping. Keys are literals of this file and need no escaping.
 */
static void
json_key(struct buf *b, const char *k)
{
	buf_addc(b, '"');
	buf_adds(b, k);
	buf_add(b, "\":", 2);
}

static void
json_open(struct buf *b, const char *k, char c)
{
	json_key(b, k);
	buf_addc(b, c);
}

static void
json_close(struct buf *b, char c)
{
	if (b->len > 0 && b->p[b->len - 1] == ',')
		b->len--;
	buf_addc(b, c);
	buf_addc(b, ',');
}

static void
json_cstr(struct buf *b, const char *k, const char *v)
{
	json_key(b, k);
	buf_json_str(b, v, strlen(v));
	buf_addc(b, ',');
}

static void
json_str(struct buf *b, const char *k, struct slice v)
{
	json_key(b, k);
	buf_json_str(b, v.p, v.n);
	buf_addc(b, ',');
}

static void
json_str_opt(struct buf *b, const char *k, struct slice v)
{
	if (v.n != 0)
		json_str(b, k, v);
}

static void
json_int(struct buf *b, const char *k, int64_t v)
{
	json_key(b, k);
	buf_printf(b, "%" PRId64 ",", v);
}

static void
json_uint(struct buf *b, const char *k, uint64_t v)
{
	json_key(b, k);
	buf_printf(b, "%" PRIu64 ",", v);
}

static void
json_time(struct buf *b, const char *k, int64_t t)
{
	char	s[TSTAMP_BUFSZ];
	size_t	n;

	n = tstamp_format(t, s, sizeof(s));
	json_key(b, k);
	buf_json_str(b, s, n);
	buf_addc(b, ',');
}

static void
json_tri(struct buf *b, const char *k, enum tri v)
{
	json_key(b, k);
	if (v == TRI_TRUE)
		buf_adds(b, "true,");
	else if (v == TRI_FALSE)
		buf_adds(b, "false,");
	else
		buf_adds(b, "null,");
}

static void
json_head(const struct alert *a, struct buf *b)
{
	json_cstr(b, "kind", a->kind == ALERT_REPORT ? "report" : "alert");
	json_cstr(b, "rule", alert_rule_name(a->rule));
	json_cstr(b, "technique", ALERT_TECHNIQUE);
	json_cstr(b, "tactic", ALERT_TACTIC);
	json_cstr(b, "severity", severity_name(a->severity));
	json_time(b, "time", a->time);
	json_time(b, "detected_at", a->detected_at);
}

static void
json_device(const struct alert *a, struct buf *b)
{
	if (a->device_id.n == 0)
		return;
	json_open(b, "device", '{');
	json_str(b, "id", a->device_id);
	json_str(b, "name", a->device_name);
	json_close(b, '}');
}

static void
json_process(const struct alert *a, struct buf *b)
{
	char	hex[41];

	json_open(b, "process", '{');
	if (a->has_pid)
		json_int(b, "pid", a->pid);
	json_str_opt(b, "image", a->image);
	if (a->has_sha1) {
		sha1_hex(a->sha1, hex);
		json_cstr(b, "sha1", hex);
	}
	json_str_opt(b, "guid", a->guid);
	json_str_opt(b, "cmdline", a->cmdline);
	json_str_opt(b, "user", a->user);
	json_close(b, '}');
}

static void
json_signature(const struct alert *a, struct buf *b)
{
	char	hex[41];

	if (!a->has_sig)
		return;
	json_open(b, "signature", '{');
	if (a->has_file_sha1) {
		sha1_hex(a->file_sha1, hex);
		json_cstr(b, "sha1", hex);
	}
	json_tri(b, "signed", a->sig_signed);
	json_tri(b, "trusted", a->sig_trusted);
	json_str(b, "status", a->sig_status);
	json_str(b, "signer", a->sig_signer);
	json_str(b, "issuer", a->sig_issuer);
	json_cstr(b, "source", source_name(a->sig_source));
	json_time(b, "time", a->sig_time);
	json_close(b, '}');
}

static void
json_network(const struct alert *a, struct buf *b)
{
	char	ip[ADDR_STRLEN];
	size_t	i, n;

	if (!a->has_net)
		return;
	json_open(b, "network", '{');
	n = addr_format(&a->remote_ip, ip, sizeof(ip));
	json_key(b, "remote_ip");
	buf_json_str(b, ip, n);
	buf_addc(b, ',');
	if (a->has_port)
		json_uint(b, "remote_port", a->remote_port);
	json_str_opt(b, "remote_url", a->remote_url);
	json_str_opt(b, "protocol", a->protocol);
	if (a->nports > 0) {
		json_open(b, "ports", '[');
		for (i = 0; i < a->nports && i < ALERT_MAX_PORTS; i++)
			buf_printf(b, "%u,", (unsigned)a->ports[i]);
		json_close(b, ']');
	}
	if (a->nurls > 0) {
		json_open(b, "urls", '[');
		for (i = 0; i < a->nurls && i < ALERT_MAX_URLS; i++) {
			buf_json_str(b, a->urls[i].p, a->urls[i].n);
			buf_addc(b, ',');
		}
		json_close(b, ']');
	}
	json_close(b, '}');
}

/* Where the remote address is; nothing when the databases do not know. */
static void
json_geo(const struct alert *a, struct buf *b)
{
	const struct alert_geo	*g = &a->geo;

	if (!a->has_net || alert_geo_empty(g))
		return;
	json_open(b, "geo", '{');
	json_str_opt(b, "country_iso", g->country_iso);
	json_str_opt(b, "country", g->country);
	json_str_opt(b, "city", g->city);
	if (g->has_asn)
		json_uint(b, "asn", g->asn);
	json_str_opt(b, "as_org", g->as_org);
	json_close(b, '}');
}

/* The join key: "path:" and the lower-cased path, or the sha1 in hex. */
static void
json_key_field(const struct alert *a, struct buf *b)
{
	char	hex[41];
	size_t	pos;

	if (a->key_is_path) {
		json_key(b, "key");
		buf_add(b, "\"path:", 6);
		/* Drop the opening quote of the path, joining the two. */
		pos = b->len;
		buf_json_str(b, a->key_path.p, a->key_path.n);
		memmove(b->p + pos, b->p + pos + 1, b->len - pos);
		b->len--;
		buf_addc(b, ',');
	} else if (a->has_sha1) {
		sha1_hex(a->sha1, hex);
		json_cstr(b, "key", hex);
	}
}

static void
json_seen(const struct alert *a, struct buf *b)
{
	json_uint(b, "count", a->count);
	json_time(b, "first_seen", a->first_seen);
	json_time(b, "last_seen", a->last_seen);
}

static void
json_window(const struct alert *a, struct buf *b)
{
	json_time(b, "window_start", a->window_start);
	json_str(b, "image_loaded", a->image_loaded);
}

static void
json_report(const struct alert *a, struct buf *b)
{
	size_t	i;

	json_window(a, b);
	json_str(b, "signature", a->signature);
	json_key(b, "signed");
	buf_adds(b, a->is_signed ? "true," : "false,");
	json_uint(b, "executions", a->executions);
	json_uint(b, "hosts", a->hosts);
	json_open(b, "statuses", '[');
	for (i = 0; i < a->nstatuses && i < ALERT_MAX_STATUSES; i++) {
		buf_json_str(b, a->statuses[i].p, a->statuses[i].n);
		buf_addc(b, ',');
	}
	json_close(b, ']');
}

/* Append the alert to b as one JSON object, without a newline. */
void
alert_json(const struct alert *a, struct buf *b)
{
	buf_addc(b, '{');
	json_head(a, b);
	json_device(a, b);
	if (a->kind == ALERT_REPORT)
		json_report(a, b);
	else if (a->rule == RULE_IMAGELOAD) {
		json_process(a, b);
		json_signature(a, b);
		json_window(a, b);
		json_seen(a, b);
	} else {
		json_process(a, b);
		json_signature(a, b);
		json_network(a, b);
		json_geo(a, b);
		json_key_field(a, b);
		json_seen(a, b);
	}
	json_close(b, '}');
	b->p[--b->len] = '\0';	/* the comma json_close() left */
}

/* Text writers: each pair is written with the space that precedes it. */
static void
text_str(struct buf *b, const char *k, struct slice v)
{
	buf_addc(b, ' ');
	buf_adds(b, k);
	buf_add(b, "=\"", 2);
	buf_text_str(b, v.p, v.n);
	buf_addc(b, '"');
}

static void
text_time(struct buf *b, const char *k, int64_t t)
{
	char	s[TSTAMP_BUFSZ];
	size_t	n;

	n = tstamp_format(t, s, sizeof(s));
	buf_addc(b, ' ');
	buf_adds(b, k);
	buf_addc(b, '=');
	buf_add(b, s, n);
}

static void
text_device(const struct alert *a, struct buf *b)
{
	if (a->device_id.n == 0)
		return;
	text_str(b, "device", a->device_name);
	text_str(b, "device_id", a->device_id);
}

static void
text_process(const struct alert *a, struct buf *b)
{
	char	hex[41];

	if (a->has_pid)
		buf_printf(b, " pid=%" PRId64, a->pid);
	if (a->image.n != 0)
		text_str(b, "image", a->image);
	if (a->has_sha1) {
		sha1_hex(a->sha1, hex);
		buf_printf(b, " sha1=%s", hex);
	}
}

static void
text_remote(const struct alert *a, struct buf *b)
{
	char	ip[ADDR_STRLEN];
	size_t	n;

	if (!a->has_net)
		return;
	n = addr_format(&a->remote_ip, ip, sizeof(ip));
	buf_add(b, " remote=", 8);
	if (a->has_port && memchr(ip, ':', n) != NULL)
		buf_printf(b, "[%.*s]:%u", (int)n, ip, (unsigned)a->remote_port);
	else if (a->has_port)
		buf_printf(b, "%.*s:%u", (int)n, ip, (unsigned)a->remote_port);
	else
		buf_add(b, ip, n);
	if (a->remote_url.n != 0)
		text_str(b, "url", a->remote_url);
}

static void
text_geo(const struct alert *a, struct buf *b)
{
	const struct alert_geo	*g = &a->geo;

	if (!a->has_net)
		return;
	if (g->country_iso.n != 0)
		text_str(b, "country_iso", g->country_iso);
	if (g->city.n != 0)
		text_str(b, "city", g->city);
	if (g->has_asn)
		buf_printf(b, " asn=%" PRIu32, g->asn);
	if (g->as_org.n != 0)
		text_str(b, "as_org", g->as_org);
}

static void
text_signature(const struct alert *a, struct buf *b)
{
	if (!a->has_sig)
		return;
	text_str(b, "status", a->sig_status);
	text_str(b, "signer", a->sig_signer);
}

static void
text_key(const struct alert *a, struct buf *b)
{
	char	hex[41];

	if (a->key_is_path) {
		buf_add(b, " key=\"path:", 11);
		buf_text_str(b, a->key_path.p, a->key_path.n);
		buf_addc(b, '"');
	} else if (a->has_sha1) {
		sha1_hex(a->sha1, hex);
		buf_printf(b, " key=\"%s\"", hex);
	}
}

static void
text_netjoin(const struct alert *a, struct buf *b)
{
	text_device(a, b);
	text_process(a, b);
	text_remote(a, b);
	text_geo(a, b);
	text_signature(a, b);
	buf_printf(b, " count=%" PRIu64, a->count);
	text_key(a, b);
}

static void
text_imageload(const struct alert *a, struct buf *b)
{
	text_device(a, b);
	text_process(a, b);
	text_str(b, "loaded", a->image_loaded);
	text_signature(a, b);
	text_time(b, "window", a->window_start);
	buf_printf(b, " count=%" PRIu64, a->count);
}

static void
text_report(const struct alert *a, struct buf *b)
{
	size_t	i;

	text_time(b, "window", a->window_start);
	text_str(b, "loaded", a->image_loaded);
	text_str(b, "signer", a->signature);
	buf_printf(b, " signed=%s executions=%" PRIu64 " hosts=%" PRIu64,
	    a->is_signed ? "true" : "false", a->executions, a->hosts);
	buf_add(b, " statuses=\"", 11);
	for (i = 0; i < a->nstatuses && i < ALERT_MAX_STATUSES; i++) {
		if (i > 0)
			buf_addc(b, ',');
		buf_text_str(b, a->statuses[i].p, a->statuses[i].n);
	}
	buf_addc(b, '"');
}

/* Append the alert to b as one text line, without the newline. */
void
alert_text(const struct alert *a, struct buf *b)
{
	char		 s[TSTAMP_BUFSZ];
	const char	*level;
	size_t		 n;

	if (a->kind == ALERT_REPORT)
		level = "REPORT";
	else if ((unsigned)a->severity < SEV_NSEVERITIES)
		level = severity_upper[a->severity];
	else
		level = "UNKNOWN";
	n = tstamp_format(a->time, s, sizeof(s));
	buf_add(b, s, n);
	buf_printf(b, " %s %s", level, alert_rule_name(a->rule));
	if (a->kind == ALERT_REPORT)
		text_report(a, b);
	else if (a->rule == RULE_IMAGELOAD)
		text_imageload(a, b);
	else
		text_netjoin(a, b);
}
