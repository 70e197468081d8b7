/*
 * signetd: allowlists (see allow.h). A set holds one list per scope and
 * kind, each in the order the entries were written. An alert is tested
 * against its rule's lists first, then the global ones, kind by kind in
 * enum order, entry by entry; the first entry that matches takes the hit.
 * Only alerts are tested, never records, so plain scans are cheap enough.
 *
 * What each kind looks at:
 *	sha1	the sha1 of the alert's process or of its signed file
 *	path	netjoin: the process image (else the path key);
 *		imageload: the loaded image
 *	signer	the signer of the signature fact; reports: their signature
 *	device	the device id or name (alerts; reports span devices)
 *	remote	the remote address (netjoin)
 *	domain	the host of the remote URL (netjoin)
 *	asn, country	the GeoIP data of the remote address (netjoin)
 * Globs (path, signer, device) are fnmatch(3) patterns matched without
 * regard to ASCII case, with backslashes as plain characters: a Windows
 * path is written as it is, and '*' matches across its separators.
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "addr.h"
#include "alert.h"
#include "allow.h"
#include "buf.h"
#include "xmalloc.h"

/* Longest value, and line of a list file. */
#define ALLOW_VALUE_MAX	1024
#define ALLOW_LINE_MAX	4096
/* Messages printed per list file; the rest are only counted. */
#define ALLOW_ERRORS_MAX 20
/* RFC 1035 2.3.4, in text form. */
#define ALLOW_DOMAIN_MAX 253

#define ALLOW_FNM	(FNM_NOESCAPE | FNM_CASEFOLD)

struct allow_list {
	struct allow_entry	*v;
	size_t			 n;
	size_t			 cap;
};

struct allow_set {
	struct allow_list	 lists[ALLOW_NSCOPES][ALLOW_NKINDS];
	char			**files;	/* entries' file names */
	size_t			 nfiles;
	struct buf		 subj;		/* a NUL-terminated subject */
};

static const char *const allow_kind_names[ALLOW_NKINDS] = {
	"sha1", "path", "signer", "device", "remote", "domain", "asn",
	"country"
};

static const char *const allow_scope_names[ALLOW_NSCOPES] = {
	"all", "netjoin", "imageload"
};

static int	 allow_lower(int);
static int	 allow_caseeq(const char *, const char *, size_t);
static int	 allow_hex(int);
static int	 allow_parse_sha1(const char *, struct allow_entry *, char *,
		    size_t);
static int	 allow_parse_remote(const char *, struct allow_entry *, char *,
		    size_t);
static int	 allow_parse_domain(const char *, struct allow_entry *, char *,
		    size_t);
static int	 allow_parse_asn(const char *, struct allow_entry *, char *,
		    size_t);
static int	 allow_parse_country(const char *, struct allow_entry *,
		    char *, size_t);
static int	 allow_parse(enum allow_kind, const char *,
		    struct allow_entry *, char *, size_t);
static const char *allow_file_name(struct allow_set *, const char *);
static void	 allow_load_error(const char *, int, int *, FILE *,
		    const char *, ...) __attribute__((format(printf, 5, 6)));
static int	 allow_load_line(struct allow_set *, enum allow_scope,
		    const char *, int, char *, unsigned int, char *, size_t);
static const char *allow_cstr(struct allow_set *, struct slice);
static struct allow_entry *allow_glob(struct allow_set *,
		    struct allow_list *, struct slice);
static struct slice allow_path(const struct alert *);
static struct slice allow_url_host(struct slice);
static int	 allow_domain_match(const char *, struct slice);
static struct allow_entry *allow_match_kind(struct allow_set *,
		    struct allow_list *, enum allow_kind, const struct alert *);
static int	 allow_text_cmp(const void *, const void *);

int
allow_kind_parse(const char *s)
{
	int	 i;

	for (i = 0; i < ALLOW_NKINDS; i++)
		if (strcmp(s, allow_kind_names[i]) == 0)
			return (i);
	return (-1);
}

const char *
allow_kind_name(enum allow_kind k)
{
	if ((unsigned)k >= ALLOW_NKINDS)
		return ("unknown");
	return (allow_kind_names[k]);
}

int
allow_scope_parse(const char *s)
{
	int	 i;

	for (i = 0; i < ALLOW_NSCOPES; i++)
		if (strcmp(s, allow_scope_names[i]) == 0)
			return (i);
	return (-1);
}

const char *
allow_scope_name(enum allow_scope s)
{
	if ((unsigned)s >= ALLOW_NSCOPES)
		return ("unknown");
	return (allow_scope_names[s]);
}

/* ASCII only: a locale never changes what matches. */
static int
allow_lower(int c)
{
	return (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

static int
allow_caseeq(const char *a, const char *b, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (allow_lower((unsigned char)a[i]) !=
		    allow_lower((unsigned char)b[i]))
			return (0);
	return (1);
}

static int
allow_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = allow_lower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

static int
allow_parse_sha1(const char *s, struct allow_entry *e, char *why, size_t len)
{
	size_t	 i;
	int	 hi, lo;

	if (strlen(s) != 40)
		goto bad;
	e->text = xmalloc(41);
	for (i = 0; i < 20; i++) {
		if ((hi = allow_hex((unsigned char)s[2 * i])) < 0 ||
		    (lo = allow_hex((unsigned char)s[2 * i + 1])) < 0) {
			free(e->text);
			e->text = NULL;
			goto bad;
		}
		e->u.sha1[i] = (uint8_t)(hi << 4 | lo);
		e->text[2 * i] = (char)allow_lower((unsigned char)s[2 * i]);
		e->text[2 * i + 1] = (char)allow_lower(
		    (unsigned char)s[2 * i + 1]);
	}
	e->text[40] = '\0';
	return (0);
bad:
	snprintf(why, len, "'%s' is not a SHA1 (40 hex digits)", s);
	return (-1);
}

/* A prefix or a bare address, kept as "address/length". */
static int
allow_parse_remote(const char *s, struct allow_entry *e, char *why,
    size_t len)
{
	char	 addr[ADDR_STRLEN], text[ADDR_STRLEN + 5];

	if (cidr_parse(s, strlen(s), &e->u.cidr) == -1) {
		snprintf(why, len, "'%s' is not an address or prefix", s);
		return (-1);
	}
	addr_format(&e->u.cidr.net, addr, sizeof(addr));
	snprintf(text, sizeof(text), "%s/%u", addr,
	    addr_is_v4mapped(&e->u.cidr.net) ? e->u.cidr.plen - 96u :
	    e->u.cidr.plen);
	e->text = xstrdup(text);
	return (0);
}

/*
 * A domain: letters, digits, '-' and '_' in dot-separated labels, kept
 * in lower case. "*.example.com", ".example.com" and "example.com." all
 * mean example.com, which covers itself and every name under it.
 */
static int
allow_parse_domain(const char *s, struct allow_entry *e, char *why,
    size_t len)
{
	const char	*p = s;
	size_t		 n, i;
	int		 c, label = 0;

	if (strncmp(p, "*.", 2) == 0)
		p += 2;
	else if (*p == '.')
		p++;
	n = strlen(p);
	if (n > 0 && p[n - 1] == '.')
		n--;
	if (n == 0 || n > ALLOW_DOMAIN_MAX)
		goto bad;
	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (c == '.') {
			if (label == 0)
				goto bad;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_')
			label++;
		else
			goto bad;
	}
	if (label == 0)
		goto bad;
	e->text = xstrndup(p, n);
	for (i = 0; i < n; i++)
		e->text[i] = (char)allow_lower((unsigned char)e->text[i]);
	return (0);
bad:
	snprintf(why, len, "'%s' is not a domain name", s);
	return (-1);
}

/* An AS number, 1 to 4294967295, with or without "AS" before it. */
static int
allow_parse_asn(const char *s, struct allow_entry *e, char *why, size_t len)
{
	const char	*p = s;
	uint64_t	 v = 0;
	char		 text[16];

	if (allow_lower((unsigned char)p[0]) == 'a' &&
	    allow_lower((unsigned char)p[1]) == 's')
		p += 2;
	if (*p == '\0' || strlen(p) > 10)
		goto bad;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v == 0 || v > UINT32_MAX)
		goto bad;
	e->u.asn = (uint32_t)v;
	snprintf(text, sizeof(text), "AS%" PRIu32, e->u.asn);
	e->text = xstrdup(text);
	return (0);
bad:
	snprintf(why, len, "'%s' is not an AS number (1 to 4294967295, "
	    "maybe after AS)", s);
	return (-1);
}

/* An ISO 3166-1 alpha-2 code, kept in upper case. */
static int
allow_parse_country(const char *s, struct allow_entry *e, char *why,
    size_t len)
{
	int	 i;

	for (i = 0; i < 2; i++)
		if (allow_lower((unsigned char)s[i]) < 'a' ||
		    allow_lower((unsigned char)s[i]) > 'z')
			break;
	if (i < 2 || s[2] != '\0') {
		snprintf(why, len, "'%s' is not a country code (two letters, "
		    "ISO 3166-1)", s);
		return (-1);
	}
	for (i = 0; i < 2; i++)
		e->u.country[i] = (char)(allow_lower((unsigned char)s[i]) -
		    'a' + 'A');
	e->u.country[2] = '\0';
	e->text = xstrdup(e->u.country);
	return (0);
}

/* Value s of kind k into e (text allocated), or why it is wrong. */
static int
allow_parse(enum allow_kind k, const char *s, struct allow_entry *e,
    char *why, size_t len)
{
	const char	*p;

	memset(e, 0, sizeof(*e));
	e->kind = k;
	if (*s == '\0') {
		snprintf(why, len, "empty value");
		return (-1);
	}
	if (strlen(s) > ALLOW_VALUE_MAX) {
		snprintf(why, len, "value longer than %d characters",
		    ALLOW_VALUE_MAX);
		return (-1);
	}
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(why, len, "control character in value");
			return (-1);
		}
	}
	switch (k) {
	case ALLOW_SHA1:
		return (allow_parse_sha1(s, e, why, len));
	case ALLOW_REMOTE:
		return (allow_parse_remote(s, e, why, len));
	case ALLOW_DOMAIN:
		return (allow_parse_domain(s, e, why, len));
	case ALLOW_ASN:
		return (allow_parse_asn(s, e, why, len));
	case ALLOW_COUNTRY:
		return (allow_parse_country(s, e, why, len));
	case ALLOW_PATH:
	case ALLOW_SIGNER:
	case ALLOW_DEVICE:
		e->text = xstrdup(s);
		return (0);
	default:
		snprintf(why, len, "unknown kind of entry");
		return (-1);
	}
}

/* Is s a valid value of kind k? For the configuration's checks. */
int
allow_item_check(enum allow_kind k, const char *s, char *why, size_t len)
{
	struct allow_entry	 e;

	if (allow_parse(k, s, &e, why, len) == -1)
		return (-1);
	free(e.text);
	return (0);
}

struct allow_set *
allow_set_new(void)
{
	struct allow_set	*s;

	s = xcalloc(1, sizeof(*s));
	buf_init(&s->subj);
	return (s);
}

void
allow_set_free(struct allow_set *s)
{
	struct allow_list	*l;
	size_t			 i;
	int			 sc, k;

	if (s == NULL)
		return;
	for (sc = 0; sc < ALLOW_NSCOPES; sc++) {
		for (k = 0; k < ALLOW_NKINDS; k++) {
			l = &s->lists[sc][k];
			for (i = 0; i < l->n; i++)
				free(l->v[i].text);
			free(l->v);
		}
	}
	for (i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	buf_clear(&s->subj);
	free(s);
}

/* The set's copy of a file name, shared by the entries from it. */
static const char *
allow_file_name(struct allow_set *s, const char *file)
{
	size_t	 i;

	for (i = s->nfiles; i > 0; i--)
		if (strcmp(s->files[i - 1], file) == 0)
			return (s->files[i - 1]);
	s->files = xreallocarray(s->files, s->nfiles + 1, sizeof(*s->files));
	s->files[s->nfiles] = xstrdup(file);
	return (s->files[s->nfiles++]);
}

/*
 * Append an entry of kind k to scope sc: value as written at file:line.
 * Returns 0, or -1 with why saying what is wrong with the value.
 */
int
allow_add(struct allow_set *s, enum allow_scope sc, enum allow_kind k,
    const char *value, const char *file, int line, char *why, size_t len)
{
	struct allow_list	*l;
	struct allow_entry	 e;

	if ((unsigned)sc >= ALLOW_NSCOPES || (unsigned)k >= ALLOW_NKINDS) {
		snprintf(why, len, "unknown scope or kind");
		return (-1);
	}
	if (allow_parse(k, value, &e, why, len) == -1)
		return (-1);
	e.scope = sc;
	e.file = allow_file_name(s, file);
	e.line = line;
	l = &s->lists[sc][k];
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 8 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = e;
	return (0);
}

static void
allow_load_error(const char *path, int line, int *nerr, FILE *errfp,
    const char *fmt, ...)
{
	va_list	 ap;

	if ((*nerr)++ >= ALLOW_ERRORS_MAX || errfp == NULL)
		return;
	if (line > 0)
		fprintf(errfp, "%s:%d: ", path, line);
	else
		fprintf(errfp, "%s: ", path);
	va_start(ap, fmt);
	vfprintf(errfp, fmt, ap);
	va_end(ap);
	fputc('\n', errfp);
}

/*
 * One line of a list file, without its newline: blank, a comment, or
 * "KIND VALUE". Returns 0, or -1 with why set.
 */
static int
allow_load_line(struct allow_set *s, enum allow_scope sc, const char *path,
    int lineno, char *line, unsigned int kinds, char *why, size_t len)
{
	char	*kind, *value, *e, tmp[256];
	int	 k;

	/* Nothing unprintable reaches a message, even from a binary file. */
	for (e = line; *e != '\0'; e++) {
		if (((unsigned char)*e < 0x20 && *e != '\t' && *e != '\r') ||
		    *e == 0x7f) {
			snprintf(why, len, "control character in line");
			return (-1);
		}
	}
	kind = line + strspn(line, " \t");
	e = kind + strlen(kind);
	while (e > kind && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	if (*kind == '\0' || *kind == '#')
		return (0);
	value = kind + strcspn(kind, " \t");
	if (*value != '\0')
		*value++ = '\0';
	value += strspn(value, " \t");
	if ((k = allow_kind_parse(kind)) == -1) {
		snprintf(why, len, "unknown kind '%.32s' (sha1, path, signer, "
		    "device, remote, domain, asn or country)", kind);
		return (-1);
	}
	if ((kinds & ALLOW_BIT(k)) == 0) {
		snprintf(why, len, "%s entries need the %s database in "
		    "[geoip]", kind, k == ALLOW_ASN ? "asn" :
		    "city or country");
		return (-1);
	}
	if (allow_add(s, sc, k, value, path, lineno, tmp,
	    sizeof(tmp)) == -1) {
		snprintf(why, len, "%s: %s", kind, tmp);
		return (-1);
	}
	return (0);
}

/*
 * Read list file path into scope sc: one entry per line, "KIND VALUE",
 * blank lines and lines starting with '#' skipped. Only kinds in the
 * mask may appear. Every problem goes to errfp as "path:line: message";
 * returns how many there were (the entries read stay in the set).
 */
int
allow_load(struct allow_set *s, enum allow_scope sc, const char *path,
    unsigned int kinds, FILE *errfp)
{
	FILE	*fp;
	char	*line = NULL, why[512];
	size_t	 cap = 0;
	ssize_t	 n;
	int	 lineno = 0, nerr = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		allow_load_error(path, 0, &nerr, errfp, "%s", strerror(errno));
		return (nerr);
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if ((size_t)n != strlen(line))
			allow_load_error(path, lineno, &nerr, errfp,
			    "NUL byte in line");
		else if (n > ALLOW_LINE_MAX)
			allow_load_error(path, lineno, &nerr, errfp,
			    "line longer than %d characters", ALLOW_LINE_MAX);
		else if (allow_load_line(s, sc, path, lineno, line +
		    (lineno == 1 && strncmp(line, "\xef\xbb\xbf", 3) == 0 ?
		    3 : 0), kinds, why, sizeof(why)) == -1)
			allow_load_error(path, lineno, &nerr, errfp, "%s", why);
	}
	if (ferror(fp))
		allow_load_error(path, 0, &nerr, errfp, "%s", strerror(errno));
	if (nerr > ALLOW_ERRORS_MAX && errfp != NULL)
		fprintf(errfp, "%s: %d more errors\n", path,
		    nerr - ALLOW_ERRORS_MAX);
	free(line);
	fclose(fp);
	return (nerr);
}

size_t
allow_count(const struct allow_set *s, enum allow_scope sc, enum allow_kind k)
{
	if ((unsigned)sc >= ALLOW_NSCOPES || (unsigned)k >= ALLOW_NKINDS)
		return (0);
	return (s->lists[sc][k].n);
}

struct allow_entry *
allow_entry_at(struct allow_set *s, enum allow_scope sc, enum allow_kind k,
    size_t i)
{
	if (i >= allow_count(s, sc, k))
		return (NULL);
	return (&s->lists[sc][k].v[i]);
}

/* The scope of a rule's own lists, or -1. */
static int
allow_rule_scope(enum alert_rule r)
{
	switch (r) {
	case RULE_NETJOIN:
		return (ALLOW_NETJOIN);
	case RULE_IMAGELOAD:
		return (ALLOW_IMAGELOAD);
	default:
		return (-1);
	}
}

/* Has an alert of rule r entries of a kind in mask to be tested against? */
int
allow_uses(const struct allow_set *s, enum alert_rule r, unsigned int mask)
{
	int	 sc = allow_rule_scope(r), k;

	for (k = 0; k < ALLOW_NKINDS; k++) {
		if ((mask & ALLOW_BIT(k)) == 0)
			continue;
		if (s->lists[ALLOW_ALL][k].n > 0 ||
		    (sc >= 0 && s->lists[sc][k].n > 0))
			return (1);
	}
	return (0);
}

/*
 * A NUL-terminated copy of v in the set's buffer, or NULL when v holds a
 * NUL: a pattern must not match what the NUL would cut off.
 */
static const char *
allow_cstr(struct allow_set *s, struct slice v)
{
	if (v.n > 0 && memchr(v.p, '\0', v.n) != NULL)
		return (NULL);
	buf_reset(&s->subj);
	buf_add(&s->subj, v.p, v.n);
	buf_addc(&s->subj, '\0');
	return (s->subj.p);
}

static struct allow_entry *
allow_glob(struct allow_set *s, struct allow_list *l, struct slice v)
{
	const char	*subj;
	size_t		 i;

	if ((subj = allow_cstr(s, v)) == NULL)
		return (NULL);
	for (i = 0; i < l->n; i++)
		if (fnmatch(l->v[i].text, subj, ALLOW_FNM) == 0)
			return (&l->v[i]);
	return (NULL);
}

/* The file an alert is about: see the top of the file. */
static struct slice
allow_path(const struct alert *a)
{
	if (a->rule == RULE_IMAGELOAD)
		return (a->image_loaded);
	if (a->image.n > 0)
		return (a->image);
	if (a->key_is_path)
		return (a->key_path);
	return (SLICE_EMPTY);
}

/*
 * The host of a remote URL: MDE's RemoteUrl may be a URL or a bare name,
 * Sysmon's DestinationHostname a name. Scheme, user, port, path, query
 * and a final dot are dropped; an IPv6 literal has no host name.
 */
static struct slice
allow_url_host(struct slice u)
{
	const char	*p = u.p, *e = u.p + u.n, *q;

	if (u.n == 0)
		return (SLICE_EMPTY);
	if ((q = memmem(p, u.n, "://", 3)) != NULL)
		p = q + 3;
	for (q = p; q < e && *q != '/' && *q != '?' && *q != '#'; q++)
		;
	e = q;
	if ((q = memchr(p, '@', (size_t)(e - p))) != NULL)
		p = q + 1;
	if (p < e && *p == '[')
		return (SLICE_EMPTY);
	if ((q = memchr(p, ':', (size_t)(e - p))) != NULL)
		e = q;
	if (e > p && e[-1] == '.')
		e--;
	return ((struct slice){ p, (size_t)(e - p) });
}

/* Is host d (lower case) or a name under it? */
static int
allow_domain_match(const char *d, struct slice host)
{
	size_t		 n = strlen(d);
	const char	*tail;

	if (host.n < n)
		return (0);
	tail = host.p + host.n - n;
	if (!allow_caseeq(tail, d, n))
		return (0);
	return (host.n == n || tail[-1] == '.');
}

static struct allow_entry *
allow_match_kind(struct allow_set *s, struct allow_list *l, enum allow_kind k,
    const struct alert *a)
{
	struct allow_entry	*e;
	struct slice		 v;
	size_t			 i;

	switch (k) {
	case ALLOW_SHA1:
		for (i = 0; a->kind == ALERT_ALERT && i < l->n; i++)
			if ((a->has_sha1 &&
			    memcmp(l->v[i].u.sha1, a->sha1, 20) == 0) ||
			    (a->has_file_sha1 &&
			    memcmp(l->v[i].u.sha1, a->file_sha1, 20) == 0))
				return (&l->v[i]);
		return (NULL);
	case ALLOW_PATH:
		v = allow_path(a);
		return (v.n > 0 ? allow_glob(s, l, v) : NULL);
	case ALLOW_SIGNER:
		if (a->kind == ALERT_REPORT)
			return (allow_glob(s, l, a->signature));
		return (a->has_sig ? allow_glob(s, l, a->sig_signer) : NULL);
	case ALLOW_DEVICE:
		if (a->device_id.n == 0)
			return (NULL);
		if ((e = allow_glob(s, l, a->device_id)) != NULL)
			return (e);
		return (a->device_name.n > 0 ?
		    allow_glob(s, l, a->device_name) : NULL);
	case ALLOW_REMOTE:
		for (i = 0; a->has_net && i < l->n; i++)
			if (cidr_contains(&l->v[i].u.cidr, &a->remote_ip))
				return (&l->v[i]);
		return (NULL);
	case ALLOW_DOMAIN:
		v = a->has_net ? allow_url_host(a->remote_url) : SLICE_EMPTY;
		for (i = 0; v.n > 0 && i < l->n; i++)
			if (allow_domain_match(l->v[i].text, v))
				return (&l->v[i]);
		return (NULL);
	case ALLOW_ASN:
		for (i = 0; a->has_net && a->geo.has_asn && i < l->n; i++)
			if (l->v[i].u.asn == a->geo.asn)
				return (&l->v[i]);
		return (NULL);
	case ALLOW_COUNTRY:
		v = a->has_net ? a->geo.country_iso : SLICE_EMPTY;
		for (i = 0; v.n == 2 && i < l->n; i++)
			if (allow_caseeq(l->v[i].u.country, v.p, 2))
				return (&l->v[i]);
		return (NULL);
	default:
		return (NULL);
	}
}

/*
 * The first entry that names alert a (its rule's lists, then the global
 * ones), which is given the hit; NULL if none does. The geo fields of a
 * must be filled in already for asn and country entries to match.
 */
struct allow_entry *
allow_match(struct allow_set *s, const struct alert *a)
{
	struct allow_entry	*e;
	int			 scopes[2], i, k;

	scopes[0] = allow_rule_scope(a->rule);
	scopes[1] = ALLOW_ALL;
	for (i = 0; i < 2; i++) {
		if (scopes[i] < 0)
			continue;
		for (k = 0; k < ALLOW_NKINDS; k++) {
			if (s->lists[scopes[i]][k].n == 0)
				continue;
			e = allow_match_kind(s, &s->lists[scopes[i]][k], k, a);
			if (e != NULL) {
				e->hits++;
				return (e);
			}
		}
	}
	return (NULL);
}

static int
allow_text_cmp(const void *a, const void *b)
{
	const struct allow_entry *x = *(const struct allow_entry *const *)a;
	const struct allow_entry *y = *(const struct allow_entry *const *)b;
	int			 c;

	if ((c = strcmp(x->text, y->text)) != 0)
		return (c);
	return (x < y ? -1 : x > y);
}

/*
 * A reload keeps the hit counts: each entry of dst takes the hits of the
 * first entry of src with the same scope, kind and canonical text.
 */
void
allow_carry(struct allow_set *dst, const struct allow_set *src)
{
	const struct allow_list	 *ls;
	struct allow_list	 *ld;
	struct allow_entry	**v;
	size_t			  i, lo, hi, mid;
	int			  sc, k;

	for (sc = 0; sc < ALLOW_NSCOPES; sc++) {
		for (k = 0; k < ALLOW_NKINDS; k++) {
			ls = &src->lists[sc][k];
			ld = &dst->lists[sc][k];
			if (ls->n == 0 || ld->n == 0)
				continue;
			v = xreallocarray(NULL, ls->n, sizeof(*v));
			for (i = 0; i < ls->n; i++)
				v[i] = &ls->v[i];
			qsort(v, ls->n, sizeof(*v), allow_text_cmp);
			for (i = 0; i < ld->n; i++) {
				/* The first of v whose text is not less. */
				for (lo = 0, hi = ls->n; lo < hi; ) {
					mid = lo + (hi - lo) / 2;
					if (strcmp(v[mid]->text,
					    ld->v[i].text) < 0)
						lo = mid + 1;
					else
						hi = mid;
				}
				if (lo < ls->n &&
				    strcmp(v[lo]->text, ld->v[i].text) == 0)
					ld->v[i].hits = v[lo]->hits;
			}
			free(v);
		}
	}
}

/* "allow SCOPE: N kind, ..." for each scope that has entries. */
void
allow_print_counts(const struct allow_set *s, FILE *fp)
{
	int	 sc, k, any;

	for (sc = 0; sc < ALLOW_NSCOPES; sc++) {
		any = 0;
		for (k = 0; k < ALLOW_NKINDS; k++) {
			if (s->lists[sc][k].n == 0)
				continue;
			if (!any)
				fprintf(fp, "allow %s: ",
				    allow_scope_names[sc]);
			fprintf(fp, "%s%zu %s", any ? ", " : "",
			    s->lists[sc][k].n, allow_kind_names[k]);
			any = 1;
		}
		if (any)
			fputc('\n', fp);
	}
}

/*
 * One line per entry: how many alerts it hit and where it was written.
 * The line starts "signetd: allow SCOPE", or "signetd: WHAT" when what is
 * not NULL (the escalation lists use the same entries).
 */
void
allow_print_hits(const struct allow_set *s, const char *what, FILE *fp)
{
	const struct allow_entry	*e;
	size_t				 i;
	int				 sc, k;

	for (sc = 0; sc < ALLOW_NSCOPES; sc++) {
		for (k = 0; k < ALLOW_NKINDS; k++) {
			for (i = 0; i < s->lists[sc][k].n; i++) {
				e = &s->lists[sc][k].v[i];
				if (what != NULL)
					fprintf(fp, "signetd: %s", what);
				else
					fprintf(fp, "signetd: allow %s",
					    allow_scope_names[sc]);
				fprintf(fp, " %s \"%s\": hits %" PRIu64
				    " (%s", allow_kind_names[k], e->text,
				    e->hits, e->file);
				if (e->line > 0)
					fprintf(fp, ":%d", e->line);
				fputs(")\n", fp);
			}
		}
	}
}
