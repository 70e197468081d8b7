/*
 * signetd: alert renderings for the network outputs (see render.h).
 *
 * Every string taken from the input goes through one escaper per
 * format, which first makes it valid UTF-8 (an ill-formed sequence
 * becomes U+FFFD, as in buf_json_str) and then escapes the ASCII bytes
 * the format gives a meaning to:
 *
 *	CEF header	\ and | get a backslash; other controls a blank
 *	CEF extension	\ and = get a backslash; LF and CR are \n and \r;
 *			other controls a blank
 *	LEEF attribute	\ gets a backslash; tab, LF and CR are \t, \n and
 *			\r (the tab is the delimiter); other controls a
 *			blank
 *	syslog SD value	", \ and ] get a backslash (RFC 5424 6.3.3);
 *			controls a blank
 *	Slack mrkdwn	&, < and > are &amp; &lt; &gt; (Slack's own
 *			rule: <!channel> would ping everyone)
 *
 * Slack and Teams bodies are JSON built here, strings by buf_json_str.
 * Slack: {"text": fallback, "blocks": [{"type": "section", "text":
 * {"type": "mrkdwn", ...}, "fields": [up to 10 mrkdwn fields]}]}.
 * Teams (Workflows "post to a channel when a webhook request is
 * received"): {"type": "message", "attachments": [{"contentType":
 * "application/vnd.microsoft.card.adaptive", "contentUrl": null,
 * "content": AdaptiveCard 1.4 with a TextBlock and a FactSet}]}.
 */
#include <netinet/in.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "addr.h"
#include "alert.h"
#include "buf.h"
#include "render.h"
#include "tstamp.h"

#define RENDER_VENDOR		"signetd"
#define RENDER_PRODUCT		"signetd"
#define RENDER_TECHNIQUE	"T1036.001"
/* RFC 5612: the enterprise number set aside for documentation. */
#define RENDER_SD_ID		"signetd@32473"
#define RENDER_MAX_FACTS	14
#define RENDER_SLACK_FIELDS	10	/* Slack's limit per section */
#define RENDER_SLACK_VALUE	1000	/* bytes; a field holds 2000 chars */
#define RENDER_FFFD		"\xef\xbf\xbd"

typedef const char *(*render_map)(unsigned char);

struct render_fact {
	const char	*label;
	const char	*p;
	size_t		 n;
	char		 tmp[TSTAMP_BUFSZ + ADDR_STRLEN];
};

static void	 render_esc(struct buf *, const char *, size_t, render_map);
static const char *render_map_cef_header(unsigned char);
static const char *render_map_cef_ext(unsigned char);
static const char *render_map_leef(unsigned char);
static const char *render_map_sd(unsigned char);
static const char *render_map_mrkdwn(unsigned char);
static int	 render_sev10(enum severity);
static const char *render_event_id(const struct alert *);
static const char *render_title(const struct alert *);
static void	 render_sha1(const struct alert *, char *);
static size_t	 render_remote(const struct alert *, char *, size_t);
static size_t	 render_facts(const struct alert *, struct render_fact *);
static void	 render_fact_str(struct render_fact *, const char *,
		    struct slice);
static void	 render_fact_fmt(struct render_fact *, const char *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
static void	 render_fallback(const struct alert *, struct buf *);
static void	 render_cef_kv(struct buf *, const char *, const char *,
		    size_t);
static void	 render_leef_kv(struct buf *, const char *, const char *,
		    size_t);
static void	 render_sd_kv(struct buf *, const char *, const char *,
		    size_t);
static void	 render_sd(const struct alert *, struct buf *);
static const char *render_map_ctl(unsigned char);

/*
 * s as valid UTF-8, each ASCII byte through map (NULL: as it is). Only
 * ASCII ever needs escaping here, so multi-byte sequences pass whole.
 */
static void
render_esc(struct buf *b, const char *s, size_t n, render_map map)
{
	const char	*r;
	size_t		 i = 0, len, bad;

	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			if ((r = map((unsigned char)s[i])) != NULL)
				buf_adds(b, r);
			else
				buf_addc(b, s[i]);
			i++;
		} else if ((len = buf_utf8(s + i, n - i, &bad)) > 0) {
			buf_add(b, s + i, len);
			i += len;
		} else {
			buf_adds(b, RENDER_FFFD);
			i += bad;
		}
	}
}

static const char *
render_map_ctl(unsigned char c)
{
	return (c < 0x20 || c == 0x7f ? " " : NULL);
}

static const char *
render_map_cef_header(unsigned char c)
{
	if (c == '\\')
		return ("\\\\");
	if (c == '|')
		return ("\\|");
	return (render_map_ctl(c));
}

static const char *
render_map_cef_ext(unsigned char c)
{
	switch (c) {
	case '\\':
		return ("\\\\");
	case '=':
		return ("\\=");
	case '\n':
		return ("\\n");
	case '\r':
		return ("\\r");
	default:
		return (render_map_ctl(c));
	}
}

static const char *
render_map_leef(unsigned char c)
{
	switch (c) {
	case '\\':
		return ("\\\\");
	case '\t':
		return ("\\t");
	case '\n':
		return ("\\n");
	case '\r':
		return ("\\r");
	default:
		return (render_map_ctl(c));
	}
}

static const char *
render_map_sd(unsigned char c)
{
	switch (c) {
	case '"':
		return ("\\\"");
	case '\\':
		return ("\\\\");
	case ']':
		return ("\\]");
	default:
		return (render_map_ctl(c));
	}
}

static const char *
render_map_mrkdwn(unsigned char c)
{
	switch (c) {
	case '&':
		return ("&amp;");
	case '<':
		return ("&lt;");
	case '>':
		return ("&gt;");
	default:
		return (NULL);
	}
}

void
render_cef_header_str(struct buf *b, const char *s, size_t n)
{
	render_esc(b, s, n, render_map_cef_header);
}

void
render_cef_ext_str(struct buf *b, const char *s, size_t n)
{
	render_esc(b, s, n, render_map_cef_ext);
}

void
render_leef_str(struct buf *b, const char *s, size_t n)
{
	render_esc(b, s, n, render_map_leef);
}

void
render_sd_str(struct buf *b, const char *s, size_t n)
{
	render_esc(b, s, n, render_map_sd);
}

/*
 * Escaped for Slack, cut at a character boundary to at most max bytes
 * of input, with an ellipsis when cut.
 */
void
render_mrkdwn_str(struct buf *b, const char *s, size_t n, size_t max)
{
	size_t	 cut = n, len, bad;

	if (n > max) {
		for (cut = 0; cut < max; cut += len) {
			if ((len = buf_utf8(s + cut, n - cut, &bad)) == 0)
				len = bad;
			if (cut + len > max)
				break;
		}
	}
	render_esc(b, s, cut, render_map_mrkdwn);
	if (cut < n)
		buf_adds(b, "\xe2\x80\xa6");
}

/* CEF and LEEF severities run 0 to 10 and 1 to 10. */
static int
render_sev10(enum severity s)
{
	static const int	 v[SEV_NSEVERITIES] = { 1, 3, 5, 8, 10 };

	return ((unsigned)s < SEV_NSEVERITIES ? v[s] : 5);
}

static const char *
render_event_id(const struct alert *a)
{
	if (a->kind == ALERT_REPORT)
		return ("imageload-report");
	return (alert_rule_name(a->rule));
}

static const char *
render_title(const struct alert *a)
{
	if (a->kind == ALERT_REPORT)
		return ("Rare image with a bad signature loaded");
	if (a->rule == RULE_NETJOIN)
		return ("Process with a bad signature connected to a public "
		    "address");
	return ("Image with a bad signature loaded");
}

static void
render_sha1(const struct alert *a, char *hex)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < 20; i++) {
		hex[2 * i] = digits[a->sha1[i] >> 4];
		hex[2 * i + 1] = digits[a->sha1[i] & 0xf];
	}
	hex[40] = '\0';
}

/* ADDR or ADDR:PORT ([ADDR]:PORT for IPv6) into s; its length. */
static size_t
render_remote(const struct alert *a, char *s, size_t len)
{
	char	ip[ADDR_STRLEN];
	size_t	n;
	int	r;

	n = addr_format(&a->remote_ip, ip, sizeof(ip));
	if (!a->has_port)
		r = snprintf(s, len, "%s", ip);
	else if (memchr(ip, ':', n) != NULL)
		r = snprintf(s, len, "[%s]:%u", ip, (unsigned)a->remote_port);
	else
		r = snprintf(s, len, "%s:%u", ip, (unsigned)a->remote_port);
	return (r < 0 ? 0 : (size_t)r < len ? (size_t)r : len - 1);
}

static void
render_fact_str(struct render_fact *f, const char *label, struct slice v)
{
	f->label = label;
	f->p = v.p != NULL ? v.p : "";
	f->n = v.n;
}

static void
render_fact_fmt(struct render_fact *f, const char *label, const char *fmt,
    ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(f->tmp, sizeof(f->tmp), fmt, ap);
	va_end(ap);
	f->label = label;
	f->p = f->tmp;
	f->n = n < 0 ? 0 : (size_t)n < sizeof(f->tmp) ? (size_t)n :
	    sizeof(f->tmp) - 1;
}

/*
 * The facts of an alert, most telling first, for the chat bodies. What
 * is unknown is left out.
 */
static size_t
render_facts(const struct alert *a, struct render_fact *f)
{
	char	 t[TSTAMP_BUFSZ], hex[41];
	size_t	 n = 0;

	render_fact_fmt(&f[n++], "Rule", "%s%s", alert_rule_name(a->rule),
	    a->kind == ALERT_REPORT ? " report" : "");
	render_fact_fmt(&f[n++], "Severity", "%s", severity_name(a->severity));
	tstamp_format(a->kind == ALERT_REPORT ? a->window_start : a->time, t,
	    sizeof(t));
	render_fact_fmt(&f[n++], a->kind == ALERT_REPORT ? "Window" : "Time",
	    "%s", t);
	if (a->device_name.n > 0)
		render_fact_str(&f[n++], "Device", a->device_name);
	else if (a->device_id.n > 0)
		render_fact_str(&f[n++], "Device", a->device_id);
	if (a->image.n > 0)
		render_fact_str(&f[n++], "Image", a->image);
	if (a->image_loaded.n > 0)
		render_fact_str(&f[n++], "Loaded", a->image_loaded);
	if (a->has_sha1) {
		render_sha1(a, hex);
		render_fact_fmt(&f[n++], "SHA1", "%s", hex);
	}
	if (a->has_net) {
		f[n].n = render_remote(a, f[n].tmp, sizeof(f[n].tmp));
		f[n].p = f[n].tmp;
		f[n++].label = "Remote";
		if (a->remote_url.n > 0)
			render_fact_str(&f[n++], "URL", a->remote_url);
	}
	if (a->has_sig) {
		render_fact_str(&f[n++], "Status", a->sig_status);
		render_fact_str(&f[n++], "Signer", a->sig_signer);
	} else if (a->signature.n > 0)
		render_fact_str(&f[n++], "Signer", a->signature);
	if (a->kind == ALERT_REPORT)
		render_fact_fmt(&f[n++], "Executions", "%" PRIu64 " on %"
		    PRIu64 " hosts", a->executions, a->hosts);
	else
		render_fact_fmt(&f[n++], "Count", "%" PRIu64, a->count);
	if (a->user.n > 0 && n < RENDER_MAX_FACTS)
		render_fact_str(&f[n++], "User", a->user);
	return (n);
}

/* One line for notifications: "HIGH netjoin: IMAGE on DEVICE". */
static void
render_fallback(const struct alert *a, struct buf *b)
{
	struct slice	 what = a->image.n > 0 ? a->image : a->image_loaded;
	struct slice	 dev = a->device_name.n > 0 ? a->device_name :
			    a->device_id;
	const char	*sev = severity_name(a->severity);

	for (; *sev != '\0'; sev++)
		buf_addc(b, (char)(*sev - ('a' <= *sev && *sev <= 'z' ?
		    'a' - 'A' : 0)));
	buf_printf(b, " %s%s: ", alert_rule_name(a->rule),
	    a->kind == ALERT_REPORT ? " report" : "");
	render_mrkdwn_str(b, what.p, what.n, RENDER_SLACK_VALUE);
	if (dev.n > 0) {
		buf_adds(b, " on ");
		render_mrkdwn_str(b, dev.p, dev.n, RENDER_SLACK_VALUE);
	}
}

void
render_slack(const struct alert *a, struct buf *b)
{
	struct render_fact	 f[RENDER_MAX_FACTS];
	struct buf		 s;
	size_t			 i, n;

	buf_init(&s);
	n = render_facts(a, f);
	buf_adds(&s, "signetd: ");
	render_fallback(a, &s);
	buf_adds(b, "{\"text\":");
	buf_json_str(b, s.p, s.len);
	buf_reset(&s);
	buf_printf(&s, "*%s* (%s, MITRE ATT&amp;CK %s)", render_title(a),
	    severity_name(a->severity), RENDER_TECHNIQUE);
	buf_adds(b, ",\"blocks\":[{\"type\":\"section\",\"text\":"
	    "{\"type\":\"mrkdwn\",\"text\":");
	buf_json_str(b, s.p, s.len);
	buf_adds(b, "},\"fields\":[");
	for (i = 0; i < n && i < RENDER_SLACK_FIELDS; i++) {
		buf_reset(&s);
		buf_printf(&s, "*%s*\n", f[i].label);
		render_mrkdwn_str(&s, f[i].p, f[i].n, RENDER_SLACK_VALUE);
		buf_adds(b, i == 0 ? "{\"type\":\"mrkdwn\",\"text\":" :
		    ",{\"type\":\"mrkdwn\",\"text\":");
		buf_json_str(b, s.p, s.len);
		buf_addc(b, '}');
	}
	buf_adds(b, "]}]}");
	buf_clear(&s);
}

void
render_teams(const struct alert *a, struct buf *b)
{
	struct render_fact	 f[RENDER_MAX_FACTS];
	const char		*t = render_title(a);
	size_t			 i, n;

	n = render_facts(a, f);
	buf_adds(b, "{\"type\":\"message\",\"attachments\":[{"
	    "\"contentType\":\"application/vnd.microsoft.card.adaptive\","
	    "\"contentUrl\":null,\"content\":{"
	    "\"$schema\":\"http://adaptivecards.io/schemas/"
	    "adaptive-card.json\","
	    "\"type\":\"AdaptiveCard\",\"version\":\"1.4\",\"body\":["
	    "{\"type\":\"TextBlock\",\"size\":\"Medium\","
	    "\"weight\":\"Bolder\",\"wrap\":true,\"text\":");
	buf_json_str(b, t, strlen(t));
	buf_adds(b, "},{\"type\":\"FactSet\",\"facts\":[");
	for (i = 0; i < n; i++) {
		buf_adds(b, i == 0 ? "{\"title\":" : ",{\"title\":");
		buf_json_str(b, f[i].label, strlen(f[i].label));
		buf_adds(b, ",\"value\":");
		buf_json_str(b, f[i].p, f[i].n);
		buf_addc(b, '}');
	}
	buf_adds(b, "]}]}}]}");
}

static void
render_cef_kv(struct buf *b, const char *k, const char *v, size_t n)
{
	buf_printf(b, " %s=", k);
	render_cef_ext_str(b, v, n);
}

/*
 * CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|Extension, with
 * ArcSight's standard keys where one fits and labelled custom strings
 * (cs1 to cs3) for the signature and the technique.
 */
void
render_cef(const struct alert *a, struct buf *b)
{
	char	 hex[41], ip[ADDR_STRLEN], num[32];
	size_t	 n;
	int	 v4;

	buf_adds(b, "CEF:0|" RENDER_VENDOR "|" RENDER_PRODUCT "|");
	render_cef_header_str(b, PACKAGE_VERSION, strlen(PACKAGE_VERSION));
	buf_printf(b, "|%s|", render_event_id(a));
	render_cef_header_str(b, render_title(a), strlen(render_title(a)));
	buf_printf(b, "|%d|rt=%" PRId64, render_sev10(a->severity),
	    (a->kind == ALERT_REPORT ? a->window_start : a->time) / 1000);
	if (a->device_name.n > 0)
		render_cef_kv(b, "dvchost", a->device_name.p,
		    a->device_name.n);
	if (a->device_id.n > 0)
		render_cef_kv(b, "deviceExternalId", a->device_id.p,
		    a->device_id.n);
	if (a->image.n > 0)
		render_cef_kv(b, "sproc", a->image.p, a->image.n);
	if (a->has_pid)
		buf_printf(b, " spid=%" PRId64, a->pid);
	if (a->user.n > 0)
		render_cef_kv(b, "suser", a->user.p, a->user.n);
	if (a->has_sha1) {
		render_sha1(a, hex);
		buf_printf(b, " fileHash=%s", hex);
	}
	if (a->image_loaded.n > 0)
		render_cef_kv(b, "filePath", a->image_loaded.p,
		    a->image_loaded.n);
	if (a->has_net) {
		n = addr_format(&a->remote_ip, ip, sizeof(ip));
		v4 = addr_is_v4mapped(&a->remote_ip);
		if (!v4)
			buf_adds(b, " c6a3Label=Remote address");
		buf_printf(b, " %s=%.*s", v4 ? "dst" : "c6a3", (int)n, ip);
		if (a->has_port)
			buf_printf(b, " dpt=%u", (unsigned)a->remote_port);
		if (a->remote_url.n > 0)
			render_cef_kv(b, "request", a->remote_url.p,
			    a->remote_url.n);
	}
	if (a->has_sig) {
		buf_adds(b, " cs1Label=Signature status");
		render_cef_kv(b, "cs1", a->sig_status.p, a->sig_status.n);
		buf_adds(b, " cs2Label=Signer");
		render_cef_kv(b, "cs2", a->sig_signer.p, a->sig_signer.n);
	} else if (a->signature.n > 0) {
		buf_adds(b, " cs2Label=Signer");
		render_cef_kv(b, "cs2", a->signature.p, a->signature.n);
	}
	buf_adds(b, " cs3Label=Technique cs3=" RENDER_TECHNIQUE);
	snprintf(num, sizeof(num), "%" PRIu64, a->kind == ALERT_REPORT ?
	    a->executions : a->count);
	buf_printf(b, " cnt=%s", num);
}

static void
render_leef_kv(struct buf *b, const char *k, const char *v, size_t n)
{
	buf_printf(b, "\t%s=", k);
	render_leef_str(b, v, n);
}

/*
 * LEEF:2.0|Vendor|Product|Version|EventID|x09| and tab-separated
 * key=value attributes: QRadar's predefined keys where one fits
 * (devTime with its devTimeFormat, sev, cat, usrName, dst, dstPort,
 * identHostName), ours for the rest.
 */
void
render_leef(const struct alert *a, struct buf *b)
{
	char	 hex[41], ip[ADDR_STRLEN], t[TSTAMP_BUFSZ];
	size_t	 n;

	buf_adds(b, "LEEF:2.0|" RENDER_VENDOR "|" RENDER_PRODUCT "|");
	render_cef_header_str(b, PACKAGE_VERSION, strlen(PACKAGE_VERSION));
	buf_printf(b, "|%s|x09|", render_event_id(a));
	n = tstamp_format(a->kind == ALERT_REPORT ? a->window_start : a->time,
	    t, sizeof(t));
	buf_printf(b, "devTime=%.*s\tdevTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSX"
	    "\tsev=%d\tcat=%s\ttechnique=" RENDER_TECHNIQUE, (int)n, t,
	    render_sev10(a->severity), severity_name(a->severity));
	if (a->device_name.n > 0)
		render_leef_kv(b, "identHostName", a->device_name.p,
		    a->device_name.n);
	if (a->device_id.n > 0)
		render_leef_kv(b, "deviceId", a->device_id.p, a->device_id.n);
	if (a->image.n > 0)
		render_leef_kv(b, "image", a->image.p, a->image.n);
	if (a->has_pid)
		buf_printf(b, "\tpid=%" PRId64, a->pid);
	if (a->user.n > 0)
		render_leef_kv(b, "usrName", a->user.p, a->user.n);
	if (a->has_sha1) {
		render_sha1(a, hex);
		buf_printf(b, "\tsha1=%s", hex);
	}
	if (a->image_loaded.n > 0)
		render_leef_kv(b, "loaded", a->image_loaded.p,
		    a->image_loaded.n);
	if (a->has_net) {
		n = addr_format(&a->remote_ip, ip, sizeof(ip));
		buf_printf(b, "\tdst=%.*s", (int)n, ip);
		if (a->has_port)
			buf_printf(b, "\tdstPort=%u", (unsigned)a->remote_port);
		if (a->remote_url.n > 0)
			render_leef_kv(b, "url", a->remote_url.p,
			    a->remote_url.n);
	}
	if (a->has_sig) {
		render_leef_kv(b, "sigStatus", a->sig_status.p,
		    a->sig_status.n);
		render_leef_kv(b, "signer", a->sig_signer.p, a->sig_signer.n);
	} else if (a->signature.n > 0)
		render_leef_kv(b, "signer", a->signature.p, a->signature.n);
	buf_printf(b, "\tcount=%" PRIu64, a->kind == ALERT_REPORT ?
	    a->executions : a->count);
}

/* Syslog severities: critical is crit (2) down to info (6). */
int
render_syslog_pri(int facility, enum severity s)
{
	static const int	 v[SEV_NSEVERITIES] = { 6, 5, 4, 3, 2 };

	return (facility * 8 + ((unsigned)s < SEV_NSEVERITIES ? v[s] : 5));
}

static void
render_sd_kv(struct buf *b, const char *k, const char *v, size_t n)
{
	buf_printf(b, " %s=\"", k);
	render_sd_str(b, v, n);
	buf_addc(b, '"');
}

/* The structured data of RFC 5424: one element with the key fields. */
static void
render_sd(const struct alert *a, struct buf *b)
{
	char	 hex[41], ip[ADDR_STRLEN];
	size_t	 n;

	buf_printf(b, "[" RENDER_SD_ID " rule=\"%s\" kind=\"%s\" "
	    "severity=\"%s\" technique=\"" RENDER_TECHNIQUE "\"",
	    alert_rule_name(a->rule), a->kind == ALERT_REPORT ? "report" :
	    "alert", severity_name(a->severity));
	if (a->device_name.n > 0)
		render_sd_kv(b, "device", a->device_name.p, a->device_name.n);
	if (a->image.n > 0)
		render_sd_kv(b, "image", a->image.p, a->image.n);
	if (a->image_loaded.n > 0)
		render_sd_kv(b, "loaded", a->image_loaded.p,
		    a->image_loaded.n);
	if (a->has_sha1) {
		render_sha1(a, hex);
		buf_printf(b, " sha1=\"%s\"", hex);
	}
	if (a->has_net) {
		n = addr_format(&a->remote_ip, ip, sizeof(ip));
		buf_printf(b, " remote_ip=\"%.*s\"", (int)n, ip);
		if (a->has_port)
			buf_printf(b, " remote_port=\"%u\"",
			    (unsigned)a->remote_port);
	}
	if (a->has_sig) {
		render_sd_kv(b, "status", a->sig_status.p, a->sig_status.n);
		render_sd_kv(b, "signer", a->sig_signer.p, a->sig_signer.n);
	}
	buf_addc(b, ']');
}

/*
 * The header, up to and including the blank before MSG. RFC 5424:
 * "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD ", the time being
 * when the alert was raised, MSGID the rule. RFC 3164: "<PRI>Mmm dd
 * hh:mm:ss HOSTNAME TAG[PID]: ", in UTC for want of a zone to name.
 */
void
render_syslog_head(const struct alert *a, const struct render_syslog *o,
    struct buf *b)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char		 t[TSTAMP_BUFSZ];
	struct tm	 tm;
	time_t		 sec;
	size_t		 n;

	buf_printf(b, "<%d>", render_syslog_pri(o->facility, a->severity));
	if (o->rfc3164) {
		sec = (time_t)(a->detected_at / TSTAMP_SEC);
		gmtime_r(&sec, &tm);
		buf_printf(b, "%s %2d %02d:%02d:%02d %s %s[%ld]: ",
		    mon[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec, o->hostname, o->app_name, o->pid);
		return;
	}
	n = tstamp_format(a->detected_at, t, sizeof(t));
	buf_printf(b, "1 %.*s %s %s %ld %s ", (int)n, t, o->hostname,
	    o->app_name, o->pid, a->kind == ALERT_REPORT ? "report" :
	    alert_rule_name(a->rule));
	render_sd(a, b);
	buf_addc(b, ' ');
}
