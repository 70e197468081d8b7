/*
 * signetd: the optional syslog header in front of a JSON body. Agents send
 * bare JSON lines, RFC 5424 (NXLog, logger --rfc5424) or RFC 3164 as
 * rsyslog forwards it, with or without PRI. We only need the body, so the
 * header is parsed to find where the body starts, and its fields are
 * returned as slices for the curious. Pure: bytes in, slices out.
 */
#include <string.h>

#include "config.h"
#include "syslog.h"
#include "tstamp.h"

#define PRI_MAX		191	/* facility 23, severity 7 (RFC 5424 6.2.1) */
#define SD_NAME_MAX	32	/* RFC 5424 6.3: SD-NAME = 1*32PRINTUSASCII */

/* A cursor over the message; `mark' is where the fallback search starts. */
struct scur {
	const char	*p;
	const char	*end;
	const char	*mark;
};

static int	syslog_lit(struct scur *, char);
static int	syslog_isspace(char);
static int	syslog_spaces(struct scur *);
static void	syslog_bom(struct scur *);
static void	syslog_lead(struct scur *);
static int	syslog_num(struct scur *, int, int, int *);
static int	syslog_pri(struct scur *, int *);
static int	syslog_field(struct scur *, struct slice *);
static void	syslog_nil(struct slice *);
static int	syslog_sd_name(struct scur *);
static int	syslog_sd_value(struct scur *);
static int	syslog_sd_elem(struct scur *);
static int	syslog_sd(struct scur *, struct slice *);
static int	syslog_5424(struct scur *, struct syslog_hdr *);
static int	syslog_ts3164(struct scur *, struct slice *);
static int	syslog_ts3339(struct scur *, struct slice *);
static int	syslog_json_start(const struct scur *);
static int	syslog_tagchar(unsigned char);
static int	syslog_tag(struct scur *, struct syslog_hdr *);
static int	syslog_3164(struct scur *, struct syslog_hdr *);
static int	syslog_body(const char *, const char *, const char **,
		    size_t *);
static int	syslog_fallback(struct syslog_hdr *, const char *,
		    const char *, const char **, size_t *);

static int
syslog_lit(struct scur *c, char ch)
{
	if (c->p >= c->end || *c->p != ch)
		return (-1);
	c->p++;
	return (0);
}

static int
syslog_isspace(char ch)
{
	return (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n');
}

/* One or more SP, as RFC 3164 relays pad fields. */
static int
syslog_spaces(struct scur *c)
{
	if (syslog_lit(c, ' ') == -1)
		return (-1);
	while (syslog_lit(c, ' ') == 0)
		continue;
	return (0);
}

/* Skip a UTF-8 byte order mark (RFC 5424 6.4 allows one before MSG). */
static void
syslog_bom(struct scur *c)
{
	if (c->end - c->p >= 3 && memcmp(c->p, "\xef\xbb\xbf", 3) == 0)
		c->p += 3;
}

/* Spaces, tabs and a BOM in front of a message carry nothing. */
static void
syslog_lead(struct scur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
	syslog_bom(c);
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* Read min..max decimal digits; no sign, no white space. */
static int
syslog_num(struct scur *c, int min, int max, int *out)
{
	int	n = 0, v = 0;

	while (n < max && c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		v = v * 10 + (*c->p++ - '0');
		n++;
	}
	if (n < min)
		return (-1);
	*out = v;
	return (0);
}

/*
 * PRI = "<" PRIVAL ">", PRIVAL 0..191 in 1 to 3 digits with no leading
 * zero but in "<0>" (RFC 5424 6.2.1; RFC 3164 4.1.1 is the same).
 */
static int
syslog_pri(struct scur *c, int *pri)
{
	struct scur	t = *c;
	int		v;

	if (syslog_lit(&t, '<') == -1 || syslog_num(&t, 1, 3, &v) == -1 ||
	    syslog_lit(&t, '>') == -1)
		return (-1);
	if (v > PRI_MAX || (c->p[1] == '0' && t.p - c->p != 3))
		return (-1);
	*pri = v;
	*c = t;
	return (0);
}

/* One header field: a run of bytes other than white space. */
static int
syslog_field(struct scur *c, struct slice *s)
{
	const char	*start = c->p;

	while (c->p < c->end && !syslog_isspace(*c->p))
		c->p++;
	if (c->p == start)
		return (-1);
	s->p = start;
	s->n = (size_t)(c->p - start);
	return (0);
}

/* RFC 5424 NILVALUE "-" is returned as an absent field, as in RFC 3164. */
static void
syslog_nil(struct slice *s)
{
	if (s->n == 1 && s->p[0] == '-')
		*s = SLICE_EMPTY;
}

/* SD-NAME: 1 to 32 PRINTUSASCII except '=', SP, ']' and '"'. */
static int
syslog_sd_name(struct scur *c)
{
	const char	*start = c->p;

	while (c->p < c->end && *c->p > ' ' && *c->p < 127 &&
	    *c->p != '=' && *c->p != ']' && *c->p != '"')
		c->p++;
	if (c->p == start || c->p - start > SD_NAME_MAX)
		return (-1);
	return (0);
}

/*
 * PARAM-VALUE in quotes, where '"', '\' and ']' are escaped with '\'
 * (RFC 5424 6.3.3). A backslash before any other byte is kept as is by
 * the RFC, so stepping over the pair is right in every case.
 */
static int
syslog_sd_value(struct scur *c)
{
	if (syslog_lit(c, '"') == -1)
		return (-1);
	while (c->p < c->end && *c->p != '"') {
		if (*c->p == '\\' && c->end - c->p >= 2)
			c->p++;
		c->p++;
	}
	return (syslog_lit(c, '"'));
}

/* SD-ELEMENT = "[" SD-ID *(SP PARAM-NAME "=" PARAM-VALUE) "]" */
static int
syslog_sd_elem(struct scur *c)
{
	if (syslog_lit(c, '[') == -1 || syslog_sd_name(c) == -1)
		return (-1);
	while (syslog_lit(c, ' ') == 0)
		if (syslog_sd_name(c) == -1 || syslog_lit(c, '=') == -1 ||
		    syslog_sd_value(c) == -1)
			return (-1);
	return (syslog_lit(c, ']'));
}

/* STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT (RFC 5424 6.3). */
static int
syslog_sd(struct scur *c, struct slice *sd)
{
	const char	*start = c->p;

	if (syslog_lit(c, '-') == -1) {
		do {
			if (syslog_sd_elem(c) == -1)
				return (-1);
		} while (c->p < c->end && *c->p == '[');
	}
	sd->p = start;
	sd->n = (size_t)(c->p - start);
	return (0);
}

/*
 * RFC 5424 6: after "<PRI>1 ", TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID
 * SP MSGID SP STRUCTURED-DATA [SP MSG]. Fields are checked for shape only;
 * the timestamp is the caller's to parse if it wants it.
 */
static int
syslog_5424(struct scur *c, struct syslog_hdr *h)
{
	if (syslog_field(c, &h->timestamp) == -1)
		return (-1);
	c->mark = c->p;
	if (syslog_lit(c, ' ') == -1 || syslog_field(c, &h->hostname) == -1 ||
	    syslog_lit(c, ' ') == -1 || syslog_field(c, &h->app) == -1 ||
	    syslog_lit(c, ' ') == -1 || syslog_field(c, &h->procid) == -1 ||
	    syslog_lit(c, ' ') == -1 || syslog_field(c, &h->msgid) == -1 ||
	    syslog_lit(c, ' ') == -1 || syslog_sd(c, &h->sd) == -1)
		return (-1);
	if (c->p < c->end && syslog_lit(c, ' ') == -1)
		return (-1);
	syslog_nil(&h->timestamp);
	syslog_nil(&h->hostname);
	syslog_nil(&h->app);
	syslog_nil(&h->procid);
	syslog_nil(&h->msgid);
	h->version = 1;
	return (0);
}

/*
 * RFC 3164 4.1.2 TIMESTAMP "Mmm dd hh:mm:ss" with the day padded by a
 * space ("Sep  2"); a zero-padded or unpadded day is taken too, as some
 * relays write them.
 */
static int
syslog_ts3164(struct scur *c, struct slice *ts)
{
	static const char	 months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct scur		 t = *c;
	int			 i, d, hh, mm, ss;

	if (c->end - c->p < 3)
		return (-1);
	for (i = 0; i < 12; i++)
		if (memcmp(c->p, months + 3 * i, 3) == 0)
			break;
	t.p += 3;
	if (i == 12 || syslog_lit(&t, ' ') == -1)
		return (-1);
	(void)syslog_lit(&t, ' ');
	if (syslog_num(&t, 1, 2, &d) == -1 || syslog_lit(&t, ' ') == -1 ||
	    syslog_num(&t, 2, 2, &hh) == -1 || syslog_lit(&t, ':') == -1 ||
	    syslog_num(&t, 2, 2, &mm) == -1 || syslog_lit(&t, ':') == -1 ||
	    syslog_num(&t, 2, 2, &ss) == -1)
		return (-1);
	if (d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
		return (-1);
	ts->p = c->p;
	ts->n = (size_t)(t.p - c->p);
	*c = t;
	return (0);
}

/* An RFC 3339 timestamp in place of the RFC 3164 one (rsyslog templates). */
static int
syslog_ts3339(struct scur *c, struct slice *ts)
{
	struct scur	t = *c;
	struct slice	s;
	int64_t		us;

	if (syslog_field(&t, &s) == -1 || tstamp_parse(s.p, s.n, &us) == -1)
		return (-1);
	*ts = s;
	*c = t;
	return (0);
}

static int
syslog_json_start(const struct scur *c)
{
	return (c->p < c->end && (*c->p == '{' || *c->p == '['));
}

/* TAG characters: alphanumerics and "-_./", as program names are. */
static int
syslog_tagchar(unsigned char ch)
{
	return ((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= 'a' && ch <= 'z') || ch == '-' || ch == '_' || ch == '.' ||
	    ch == '/');
}

/*
 * TAG ["[" PID "]"] ":" (RFC 3164 4.1.3, with the PID convention of
 * syslog(3)). Nothing moves unless it matches. A second ':' right after
 * the first means an IPv6 hostname, not a tag.
 */
static int
syslog_tag(struct scur *c, struct syslog_hdr *h)
{
	struct scur	t = *c;
	struct slice	tag, pid = SLICE_EMPTY;

	while (t.p < t.end && syslog_tagchar((unsigned char)*t.p))
		t.p++;
	tag.p = c->p;
	tag.n = (size_t)(t.p - c->p);
	if (tag.n == 0)
		return (-1);
	if (syslog_lit(&t, '[') == 0) {
		pid.p = t.p;
		while (t.p < t.end && *t.p != ']' && !syslog_isspace(*t.p))
			t.p++;
		pid.n = (size_t)(t.p - pid.p);
		if (pid.n == 0 || syslog_lit(&t, ']') == -1)
			return (-1);
	}
	if (syslog_lit(&t, ':') == -1 || (t.p < t.end && *t.p == ':'))
		return (-1);
	h->app = tag;
	h->procid = pid;
	*c = t;
	return (0);
}

/*
 * RFC 3164 4.1: [TIMESTAMP SP] [HOSTNAME SP] TAG ":" MSG. Both the
 * timestamp and the hostname may be missing (logger(1) to /dev/log sends
 * no hostname), so a first word that is a TAG is taken as one, and JSON
 * may start right where the tag would be.
 */
static int
syslog_3164(struct scur *c, struct syslog_hdr *h)
{
	if (syslog_ts3164(c, &h->timestamp) == 0 ||
	    syslog_ts3339(c, &h->timestamp) == 0) {
		c->mark = c->p;
		if (syslog_spaces(c) == -1)
			return (-1);
	}
	if (syslog_json_start(c) || syslog_tag(c, h) == 0)
		return (0);
	if (syslog_field(c, &h->hostname) == -1 || syslog_spaces(c) == -1)
		return (-1);
	if (syslog_json_start(c))
		return (0);
	return (syslog_tag(c, h));
}

/*
 * The body is what is left once white space and a BOM in front and white
 * space behind are trimmed; it must not be empty. Leading white space is
 * dropped too, for agents that put the JSON on a line of its own.
 */
static int
syslog_body(const char *p, const char *end, const char **body,
    size_t *bodylen)
{
	struct scur	c = { p, end, p };

	while (c.p < c.end && syslog_isspace(*c.p))
		c.p++;
	syslog_bom(&c);
	while (c.p < c.end && syslog_isspace(*c.p))
		c.p++;
	while (c.end > c.p && syslog_isspace(c.end[-1]))
		c.end--;
	if (c.p == c.end)
		return (-1);
	*body = c.p;
	*bodylen = (size_t)(c.end - c.p);
	return (0);
}

/*
 * Relays do not always write what the RFCs say: hostnames with spaces,
 * tags with brackets or quotes, a second timestamp, a truncated PRI. When
 * the header does not parse, we bet that the JSON body starts at the first
 * '{' after the PRI and timestamp, as a '{' cannot occur in either; the
 * JSON decoder then has the last word. Only the PRI and timestamp are kept.
 */
static int
syslog_fallback(struct syslog_hdr *h, const char *from, const char *end,
    const char **body, size_t *bodylen)
{
	const char	*brace;

	h->version = 0;
	syslog_nil(&h->timestamp);
	h->hostname = h->app = h->procid = h->msgid = h->sd = SLICE_EMPTY;
	if ((brace = memchr(from, '{', (size_t)(end - from))) == NULL)
		return (-1);
	return (syslog_body(brace, end, body, bodylen));
}

/*
 * Split a message into its syslog header, if any, and its JSON body.
 * Returns 0 with the body set, or -1 when there is no body to be found.
 */
int
syslog_parse(const char *buf, size_t len, struct syslog_hdr *h,
    const char **body, size_t *bodylen)
{
	struct scur	c;
	int		r;

	memset(h, 0, sizeof(*h));
	h->pri = -1;
	if (buf == NULL)
		return (-1);
	c.p = c.mark = buf;
	c.end = buf + len;
	syslog_lead(&c);
	c.mark = c.p;
	if (syslog_json_start(&c))
		return (syslog_body(c.p, c.end, body, bodylen));
	if (c.p < c.end && *c.p == '<') {
		if (syslog_pri(&c, &h->pri) == -1)
			return (syslog_fallback(h, c.p, c.end, body, bodylen));
		c.mark = c.p;
	}
	if (h->pri != -1 && c.end - c.p >= 2 && memcmp(c.p, "1 ", 2) == 0) {
		c.p += 2;
		r = syslog_5424(&c, h);
	} else
		r = syslog_3164(&c, h);
	if (r == -1)
		return (syslog_fallback(h, c.mark, c.end, body, bodylen));
	return (syslog_body(c.p, c.end, body, bodylen));
}
