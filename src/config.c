/*
 * signetd: the configuration file, an INI file read with inih. Every
 * option is declared once, in conf_options[] (section, key, type, default,
 * bounds, reloadable, where it lives, help); the embedded defaults of
 * conf_new() are parsed from that table by the code that parses the file.
 */
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config.h"
#include "addr.h"
#include "conf.h"
#include "log.h"
#include "xmalloc.h"

#define CONF_STR(x)	CONF_STR1(x)
#define CONF_STR1(x)	#x

/* inih keeps names in 50-byte buffers and cuts longer ones silently. */
#define CONF_NAME_MAX	49
#define CONF_OUTNAME_MAX 32
/* Room for a value quoted in a message; longer ones end in "...". */
#define CONF_VIS_MAX	72

enum conf_section {
	SEC_NONE = 0,		/* before the first section */
	SEC_SIGNETD,
	SEC_NETJOIN,
	SEC_IMAGELOAD,
	SEC_OUTPUT,
	SEC_MAX
};

enum conf_type {
	T_BOOL,			/* int */
	T_DURATION,		/* int64_t, µs */
	T_SIZE,			/* uint64_t, bytes */
	T_UINT,			/* uint64_t */
	T_STRING,		/* char *, owned */
	T_ENUM,			/* an enum, int-sized; words[] by value */
	T_CIDR_LIST,		/* struct cidr_list */
	T_STRING_LIST		/* char *[], count at noff */
};

struct conf_option {
	enum conf_section	 sec;
	const char		*key;
	enum conf_type		 type;
	const char		*def;	/* NULL: no default */
	const char		*min;	/* numbers: bounds; lists: item count */
	const char		*max;
	int			 reload; /* may change without a restart */
	size_t			 off;	/* in struct conf, or conf_output */
	size_t			 noff;	/* T_STRING_LIST: the count */
	const char *const	*words;	/* T_ENUM: NULL-terminated */
	const char		*help;
};

static const char *const conf_section_names[SEC_MAX] = {
	"", "signetd", "rule netjoin", "rule imageload", "output"
};

static const char *const conf_output_types[] = { "stdout", "file", NULL };
static const char *const conf_output_formats[] = { "text", "json", NULL };

_Static_assert(OUT_STDOUT == 0 && OUT_FILE == 1, "conf_output_types");
_Static_assert(FMT_TEXT == 0 && FMT_JSON == 1, "conf_output_formats");
_Static_assert(sizeof(enum output_type) == sizeof(int), "T_ENUM");
_Static_assert(sizeof(enum output_format) == sizeof(int), "T_ENUM");

#define C(f)	offsetof(struct conf, f)
#define O(f)	offsetof(struct conf_output, f)

/*
 * The options, in the order conf_dump() prints them. Bounds are text in
 * the option's own syntax so messages can quote them as written.
 */
static const struct conf_option conf_options[] = {
	{ SEC_SIGNETD, "state_memory", T_SIZE, "1G", "1M", "1T", 0,
	    C(state_memory), 0, NULL,
	    "memory budget for the state of all rules" },
	{ SEC_SIGNETD, "lateness", T_DURATION, "5m", "0", "1d", 0,
	    C(lateness), 0, NULL,
	    "how far behind the newest event time a record still matches "
	    "exactly" },
	{ SEC_SIGNETD, "future_skew", T_DURATION, "1h", "1s", "7d", 1,
	    C(future_skew), 0, NULL,
	    "live mode: an event time further ahead of the clock is "
	    "replaced by the arrival time" },
	{ SEC_SIGNETD, "max_message", T_SIZE, "64K", "1K", "16M", 0,
	    C(max_message), 0, NULL,
	    "longest input message; longer ones are dropped and counted" },
	{ SEC_SIGNETD, "tick", T_DURATION, "250ms", "10ms", "10s", 1,
	    C(tick), 0, NULL,
	    "live mode: interval between two expiry runs" },
	{ SEC_SIGNETD, "expire_budget", T_UINT, "1000", "1", "1000000", 1,
	    C(expire_budget), 0, NULL,
	    "state entries examined per expiry run" },

	{ SEC_NETJOIN, "enabled", T_BOOL, "yes", NULL, NULL, 1,
	    C(netjoin), 0, NULL,
	    "run the netjoin rule" },
	{ SEC_NETJOIN, "window", T_DURATION, "24h", "1s", "30d", 0,
	    C(window), 0, NULL,
	    "W: a connection and a bad signature fact match when their "
	    "times are at most this far apart" },
	{ SEC_NETJOIN, "suppress", T_DURATION, "1h", "0", "30d", 1,
	    C(suppress), 0, NULL,
	    "S: later matches of a group within this time are counted into "
	    "its next alert; 0 sends every match" },
	{ SEC_NETJOIN, "internal", T_CIDR_LIST, "default", NULL, NULL, 1,
	    C(internal), 0, NULL,
	    "remote addresses in these prefixes are not public; the word "
	    "default stands for the special-purpose ranges" },

	{ SEC_IMAGELOAD, "enabled", T_BOOL, "yes", NULL, NULL, 1,
	    C(imageload), 0, NULL,
	    "run the imageload rule" },
	{ SEC_IMAGELOAD, "period", T_DURATION, "1h", "1m", "1d", 0,
	    C(period), 0, NULL,
	    "R: length of the tumbling windows, aligned to the epoch" },
	{ SEC_IMAGELOAD, "threshold", T_UINT, "10", "1", "1000000", 1,
	    C(threshold), 0, NULL,
	    "T: a group with fewer executions in a window is reported" },
	{ SEC_IMAGELOAD, "statuses", T_STRING_LIST,
	    "Invalid, Expired, Revoked, Untrusted",
	    "1", CONF_STR(CONF_MAX_STATUSES), 1,
	    C(statuses), C(nstatuses), NULL,
	    "signature statuses that make an image load qualify" },

	{ SEC_OUTPUT, "type", T_ENUM, NULL, NULL, NULL, 1,
	    O(type), 0, conf_output_types,
	    "where alerts go: stdout or file (required)" },
	{ SEC_OUTPUT, "format", T_ENUM, "text", NULL, NULL, 1,
	    O(format), 0, conf_output_formats,
	    "text (one line per alert) or json (one object per line)" },
	{ SEC_OUTPUT, "path", T_STRING, NULL, NULL, NULL, 1,
	    O(path), 0, NULL,
	    "file the alerts are appended to (type file only)" },
};

#define CONF_NOPTIONS	(sizeof(conf_options) / sizeof(conf_options[0]))

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
	size_t			 out;		/* current [output], index */
	int			 outputs_replaced;
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
static int	 conf_set_enum(const struct conf_option *, void *,
		    const char *, char *, size_t);
static int	 conf_set_cidrs(void *, const char *, int, char *, size_t);
static int	 conf_set_strings(const struct conf_option *, void *,
		    const char *, int, char *, size_t);
static int	 conf_set(const struct conf_option *, void *, const char *,
		    int, char *, size_t);
static void	*conf_base(struct conf *, const struct conf_option *,
		    size_t);
static const struct conf_option *conf_find(enum conf_section,
		    const char *);
static void	 conf_output_add(struct conf *, const char *, int);
static void	 conf_outputs_free(struct conf *);
static void	 conf_section_close(struct conf_parse *);
static void	 conf_section_open(struct conf_parse *, char *);
static void	 conf_section_output(struct conf_parse *, const char *);
static void	 conf_line_section(struct conf_parse *, char *, char *);
static void	 conf_line_key(struct conf_parse *, char *, char *);
static void	 conf_line(struct conf_parse *, char *);
static char	*conf_reader(char *, int, void *);
static int	 conf_handler(void *, const char *, const char *,
		    const char *);
static void	 conf_dump_value(const struct conf_option *, const void *,
		    size_t, FILE *);
static void	 conf_dump_item(const char *, size_t *, FILE *);
static int	 conf_cidrs_special(const struct cidr_list *);
static void	 conf_dump_cidrs(const struct cidr_list *, size_t, FILE *);
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
	else
		*(uint64_t *)dst = v;
	return (0);
}

static int
conf_set_enum(const struct conf_option *o, void *dst, const char *s,
    char *why, size_t len)
{
	char	 vis[CONF_VIS_MAX];
	size_t	 i, n;
	int	 v;

	for (i = 0; o->words[i] != NULL; i++) {
		if (strcmp(s, o->words[i]) == 0) {
			v = (int)i;
			memcpy(dst, &v, sizeof(v));
			return (0);
		}
	}
	n = (size_t)snprintf(why, len, "'%s' is not",
	    conf_vis(s, vis, sizeof(vis)));
	for (i = 0; o->words[i] != NULL && n < len; i++)
		n += (size_t)snprintf(why + n, len - n, "%s %s",
		    i == 0 ? "" : (o->words[i + 1] == NULL ? " or" : ","),
		    o->words[i]);
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
 * A list of prefixes, where "default" stands for the special-purpose
 * ranges. A key line replaces the list; a continuation line extends it.
 */
static int
conf_set_cidrs(void *dst, const char *value, int cont, char *why,
    size_t len)
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
		if (strcmp(items[i], "default") == 0)
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

/* A list of words (statuses); duplicates are refused. */
static int
conf_set_strings(const struct conf_option *o, void *dst, const char *value,
    int cont, char *why, size_t len)
{
	char		**v = dst;
	size_t		*np = (size_t *)((char *)dst - o->off + o->noff);
	char		 vis[CONF_VIS_MAX];
	char		*buf, **items;
	size_t		 base, max, i, j;
	int		 n, rv = -1;

	max = (size_t)strtoul(o->max, NULL, 10);
	if (max > CONF_MAX_STATUSES)
		fatalx("%s: %s holds at most %d items", __func__, o->key,
		    CONF_MAX_STATUSES);
	base = cont ? *np : 0;
	buf = xstrdup(value);
	items = xreallocarray(NULL, strlen(buf) / 2 + 1, sizeof(*items));
	if ((n = conf_split(buf, items, why, len)) == -1)
		goto done;
	if (base + (size_t)n > max) {
		snprintf(why, len, "more than %zu items", max);
		goto done;
	}
	for (i = 0; i < (size_t)n; i++) {
		for (j = 0; j < base + i; j++) {
			if (strcmp(j < base ? v[j] : items[j - base],
			    items[i]) == 0) {
				snprintf(why, len, "'%s' is listed twice",
				    conf_vis(items[i], vis, sizeof(vis)));
				goto done;
			}
		}
	}
	for (i = base; i < *np; i++) {
		free(v[i]);
		v[i] = NULL;
	}
	for (i = 0; i < (size_t)n; i++)
		v[base + i] = xstrdup(items[i]);
	*np = base + (size_t)n;
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
		return (conf_set_number(o, dst, s, why, len));
	case T_STRING:
		free(*(char **)dst);
		*(char **)dst = xstrdup(s);
		return (0);
	case T_ENUM:
		return (conf_set_enum(o, dst, s, why, len));
	case T_CIDR_LIST:
		return (conf_set_cidrs(dst, s, cont, why, len));
	case T_STRING_LIST:
		return (conf_set_strings(o, dst, s, cont, why, len));
	}
	return (-1);
}

/* Where option o lives: in the conf, or in output number out. */
static void *
conf_base(struct conf *c, const struct conf_option *o, size_t out)
{
	if (o->sec == SEC_OUTPUT)
		return ((char *)&c->outputs[out] + o->off);
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

/* Apply the table's defaults to one section; they are known good. */
static void
conf_defaults(struct conf *c, enum conf_section sec, size_t out)
{
	const struct conf_option	*o;
	char				 why[256];

	for (o = conf_options; o < conf_options + CONF_NOPTIONS; o++) {
		if (o->sec != sec || o->def == NULL)
			continue;
		if (conf_set(o, conf_base(c, o, out), o->def, 0, why,
		    sizeof(why)) == -1)
			fatalx("default of %s: %s", o->key, why);
	}
}

/* Append an output with its defaults; type stdout until a key says. */
static void
conf_output_add(struct conf *c, const char *name, int line)
{
	struct conf_output	*out;

	c->outputs = xreallocarray(c->outputs, c->noutputs + 1,
	    sizeof(*c->outputs));
	out = &c->outputs[c->noutputs];
	memset(out, 0, sizeof(*out));
	out->name = xstrdup(name);
	out->type = OUT_STDOUT;
	out->line = line;
	conf_defaults(c, SEC_OUTPUT, c->noutputs++);
}

static void
conf_outputs_free(struct conf *c)
{
	size_t	 i;

	for (i = 0; i < c->noutputs; i++) {
		free(c->outputs[i].name);
		free(c->outputs[i].path);
	}
	free(c->outputs);
	c->outputs = NULL;
	c->noutputs = 0;
}

struct conf *
conf_new(void)
{
	struct conf	*c;
	enum conf_section sec;

	c = xcalloc(1, sizeof(*c));
	cidr_list_init(&c->internal);
	for (sec = SEC_SIGNETD; sec < SEC_OUTPUT; sec++)
		conf_defaults(c, sec, 0);
	/* Without an [output] section alerts go to stdout as text. */
	conf_output_add(c, "stdout", 0);
	return (c);
}

void
conf_free(struct conf *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nstatuses; i++)
		free(c->statuses[i]);
	cidr_list_clear(&c->internal);
	conf_outputs_free(c);
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

/* The section ends: check what only a whole [output] can tell. */
static void
conf_section_close(struct conf_parse *p)
{
	const struct conf_output	*out;
	const struct conf_option	*type, *path;

	if (p->sec != SEC_OUTPUT || p->skip)
		return;
	out = &p->conf->outputs[p->out];
	type = conf_find(SEC_OUTPUT, "type");
	path = conf_find(SEC_OUTPUT, "path");
	if (p->seen[type - conf_options] == 0)
		conf_error(p, out->line, "[output %s]: missing type (stdout "
		    "or file)", out->name);
	else if (out->type == OUT_FILE && out->path == NULL)
		conf_error(p, out->line, "[output %s]: type file needs a path",
		    out->name);
	else if (out->type == OUT_STDOUT && out->path != NULL)
		conf_error(p, p->seen[path - conf_options], "[output %s]: "
		    "path is not allowed with type stdout", out->name);
}

static void
conf_section_output(struct conf_parse *p, const char *name)
{
	char	 vis[CONF_VIS_MAX];
	size_t	 i, len;

	len = strlen(name);
	if (len == 0) {
		conf_error(p, p->line, "[output] needs a name: [output NAME]");
		p->skip = 1;
		return;
	}
	if (len > CONF_OUTNAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != len) {
		conf_error(p, p->line, "bad output name '%s' (1 to %d "
		    "letters, digits, '.', '_' or '-')",
		    conf_vis(name, vis, sizeof(vis)), CONF_OUTNAME_MAX);
		p->skip = 1;
		return;
	}
	/* The file's outputs replace the built-in one. */
	if (!p->outputs_replaced) {
		conf_outputs_free(p->conf);
		p->outputs_replaced = 1;
	}
	for (i = 0; i < p->conf->noutputs; i++) {
		if (strcmp(p->conf->outputs[i].name, name) == 0) {
			conf_error(p, p->line, "duplicate output name '%s' "
			    "(first at line %d)", name,
			    p->conf->outputs[i].line);
			p->skip = 1;
			return;
		}
	}
	conf_output_add(p->conf, name, p->line);
	p->out = p->conf->noutputs - 1;
}

/*
 * Open the section named s (the text between the brackets): "signetd",
 * "rule netjoin", "rule imageload" or "output NAME", words separated by
 * blanks. Keys of a section we do not know are skipped unreported.
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

	if (strcmp(kind, "output") == 0) {
		p->sec = SEC_OUTPUT;
		p->skip = 0;
		for (i = 0; i < CONF_NOPTIONS; i++)
			if (conf_options[i].sec == SEC_OUTPUT)
				p->seen[i] = 0;
		snprintf(p->secname, sizeof(p->secname), "output %s", rest);
		conf_section_output(p, rest);
		return;
	}
	if (strcmp(kind, "signetd") == 0 && *rest == '\0')
		sec = SEC_SIGNETD;
	else if (strcmp(kind, "rule") == 0 && strcmp(rest, "netjoin") == 0)
		sec = SEC_NETJOIN;
	else if (strcmp(kind, "rule") == 0 && strcmp(rest, "imageload") == 0)
		sec = SEC_IMAGELOAD;
	else {
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
	if (o->type != T_CIDR_LIST && o->type != T_STRING_LIST) {
		conf_error(p, p->line, "%s: only a list may continue on an "
		    "indented line", o->key);
		p->last = NULL;
		return;
	}
	if (conf_set(o, conf_base(p->conf, o, p->out), value, 1, why,
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
	if (p->seen[i] != 0) {
		conf_error(p, p->line, "duplicate key '%s' (first at line "
		    "%d)", key, p->seen[i]);
		return (1);
	}
	p->seen[i] = p->line;
	if (conf_set(o, conf_base(p->conf, o, p->out), value, 0, why,
	    sizeof(why)) == -1)
		conf_error(p, p->line, "%s: %s", key, why);
	else
		p->last = o;
	return (1);
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

/* A prefix list; the special-purpose ranges print as "default". */
static void
conf_dump_cidrs(const struct cidr_list *l, size_t col, FILE *fp)
{
	const struct cidr	*c;
	char			 addr[ADDR_STRLEN], item[ADDR_STRLEN + 4];
	size_t			 i;

	if ((i = (size_t)conf_cidrs_special(l)) > 0) {
		fputs("default", fp);
		col += 7;
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
	case T_STRING:
		fputs(*(char *const *)v, fp);
		break;
	case T_ENUM:
		memcpy(&e, v, sizeof(e));
		fputs(o->words[e], fp);
		break;
	case T_CIDR_LIST:
		conf_dump_cidrs(v, col, fp);
		break;
	case T_STRING_LIST:
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

static void
conf_dump_section(const struct conf *c, enum conf_section sec, size_t out,
    FILE *fp)
{
	const struct conf_option	*o;
	const void			*v;

	if (sec == SEC_OUTPUT)
		fprintf(fp, "\n[output %s]\n", c->outputs[out].name);
	else
		fprintf(fp, "\n[%s]\n", conf_section_names[sec]);
	for (o = conf_options; o < conf_options + CONF_NOPTIONS; o++) {
		if (o->sec != sec)
			continue;
		v = conf_base((struct conf *)c, o, out);
		if (o->type == T_STRING && *(char *const *)v == NULL)
			continue;
		fprintf(fp, "# %s\n%s = ", o->help, o->key);
		conf_dump_value(o, v, strlen(o->key) + 3, fp);
		fputc('\n', fp);
	}
}

/* The effective configuration, as a file that would load to the same. */
void
conf_dump(const struct conf *c, FILE *fp)
{
	enum conf_section	 sec;
	size_t			 i;

	fprintf(fp, "# signetd configuration: %s\n", c->file != NULL ?
	    c->file : "built-in defaults");
	for (sec = SEC_SIGNETD; sec < SEC_OUTPUT; sec++)
		conf_dump_section(c, sec, 0, fp);
	for (i = 0; i < c->noutputs; i++)
		conf_dump_section(c, SEC_OUTPUT, i, fp);
}
