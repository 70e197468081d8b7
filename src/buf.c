/*
 * signetd: a growable byte buffer and the two string writers alerts need.
 * buf_json_str() writes a JSON string (RFC 8259) that is valid whatever
 * bytes it was given; buf_text_str() writes a value for the one-line text
 * form that can neither end early nor break the line.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "buf.h"
#include "log.h"
#include "xmalloc.h"

#define BUF_MINCAP	256

static void	buf_grow(struct buf *, size_t);
static size_t	utf8_seq(const unsigned char *, size_t, size_t *);
static uint32_t	utf8_cp(const unsigned char *, size_t);
static int	text_hidden(uint32_t);
static void	json_escape(struct buf *, unsigned char);
static void	text_escape(struct buf *, const unsigned char *, size_t);

static const char hexdigits[] = "0123456789abcdef";

void
buf_init(struct buf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_clear(struct buf *b)
{
	free(b->p);
	buf_init(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

/*
 * Make room for n more bytes and the NUL kept after the data, doubling so
 * that a buffer reused for every alert stops allocating after the first
 * few.
 */
static void
buf_grow(struct buf *b, size_t n)
{
	size_t	need, cap;

	if (n > SIZE_MAX - b->len - 1)
		fatalx("buf_grow: %zu + %zu overflows", b->len, n);
	need = b->len + n + 1;
	if (need <= b->cap)
		return;
	cap = b->cap == 0 ? BUF_MINCAP : b->cap;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			fatalx("buf_grow: %zu bytes is too much", need);
		cap *= 2;
	}
	b->p = xreallocarray(b->p, cap, 1);
	b->cap = cap;
	b->p[b->len] = '\0';
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n != 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
buf_addc(struct buf *b, char c)
{
	buf_grow(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Format into the free space; if it did not fit, grow once and redo. */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	buf_grow(b, 0);
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->p[b->len] = '\0';
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		buf_grow(b, (size_t)n);
		va_start(ap, fmt);
		(void)vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/*
 * Length of the well-formed UTF-8 sequence at s (Unicode 15, table 3-7:
 * no overlongs, no surrogates, nothing above U+10FFFF), or 0 when there
 * is none. Then *bad is the length of the maximal subpart, the bytes that
 * one U+FFFD stands for (Unicode 15, 3.9, "U+FFFD Substitution of Maximal
 * Subparts"), as Python's and WHATWG decoders do.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		need, i;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else {
		*bad = 1;
		return (0);
	}
	for (i = 1; i < need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return (0);
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return (need);
}

/*
 * For writers of other formats: the length of the well-formed UTF-8
 * sequence at s (n > 0 bytes), or 0 and in *bad how many bytes one
 * U+FFFD stands for.
 */
size_t
buf_utf8(const char *s, size_t n, size_t *bad)
{
	return (utf8_seq((const unsigned char *)s, n, bad));
}

/* The code point of a sequence utf8_seq() accepted. */
static uint32_t
utf8_cp(const unsigned char *s, size_t len)
{
	uint32_t	cp;
	size_t		i;

	if (len == 1)
		return (s[0]);
	cp = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return (cp);
}

/*
 * Characters that are valid but would mislead someone reading a terminal:
 * C1 controls (U+009B is CSI on some terminals), line and paragraph
 * separators, and the invisible and direction-changing format characters
 * (U+202E can make "exe.txt" read "txt.exe", the very masquerading this
 * daemon looks for).
 */
static int
text_hidden(uint32_t cp)
{
	return ((cp >= 0x80 && cp <= 0x9f) ||
	    (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x2069) ||
	    cp == 0xfeff);
}

static void
json_escape(struct buf *b, unsigned char c)
{
	char	u[6] = { '\\', 'u', '0', '0', 0, 0 };

	switch (c) {
	case '"':
		buf_add(b, "\\\"", 2);
		break;
	case '\\':
		buf_add(b, "\\\\", 2);
		break;
	case '\b':
		buf_add(b, "\\b", 2);
		break;
	case '\f':
		buf_add(b, "\\f", 2);
		break;
	case '\n':
		buf_add(b, "\\n", 2);
		break;
	case '\r':
		buf_add(b, "\\r", 2);
		break;
	case '\t':
		buf_add(b, "\\t", 2);
		break;
	default:
		u[4] = hexdigits[c >> 4];
		u[5] = hexdigits[c & 0xf];
		buf_add(b, u, sizeof(u));
		break;
	}
}

/*
 * Write s[0..n) as a quoted JSON string. Runs of bytes that need nothing
 * are copied in one go; '"', '\\' and C0 controls are escaped; every
 * ill-formed UTF-8 subpart becomes \ufffd, so the result is valid JSON and
 * valid UTF-8 whatever the input.
 */
void
buf_json_str(struct buf *b, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, run = 0, len, bad = 1;

	buf_grow(b, n + 2);
	buf_addc(b, '"');
	if (n == 0) {		/* an empty slice may have p == NULL */
		buf_addc(b, '"');
		return;
	}
	while (i < n) {
		if (u[i] >= 0x80) {
			if ((len = utf8_seq(u + i, n - i, &bad)) != 0) {
				i += len;
				continue;
			}
		} else if (u[i] >= 0x20 && u[i] != '"' && u[i] != '\\') {
			i++;
			continue;
		}
		buf_add(b, u + run, i - run);
		if (u[i] < 0x80) {
			json_escape(b, u[i]);
			i++;
		} else {
			buf_add(b, "\\ufffd", 6);
			i += bad;
		}
		run = i;
	}
	buf_add(b, u + run, i - run);
	buf_addc(b, '"');
}

static void
text_escape(struct buf *b, const unsigned char *s, size_t n)
{
	char	x[4] = { '\\', 'x', 0, 0 };
	size_t	i;

	for (i = 0; i < n; i++) {
		x[2] = hexdigits[s[i] >> 4];
		x[3] = hexdigits[s[i] & 0xf];
		buf_add(b, x, sizeof(x));
	}
}

/*
 * Write s[0..n) for the text form, without quotes. Printable ASCII and
 * valid UTF-8 pass as they are; control bytes, DEL, '"', invalid UTF-8 and
 * the characters text_hidden() lists are written byte by byte as \xNN, so
 * a quoted value never ends early and a line never breaks. Backslashes
 * stay, for the sake of Windows paths: the text form is for reading and
 * grepping, the JSON form is the exact one.
 */
void
buf_text_str(struct buf *b, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, run = 0, len, bad = 1;

	buf_grow(b, n);
	if (n == 0)		/* an empty slice may have p == NULL */
		return;
	while (i < n) {
		if (u[i] >= 0x80) {
			len = utf8_seq(u + i, n - i, &bad);
			if (len != 0 && !text_hidden(utf8_cp(u + i, len))) {
				i += len;
				continue;
			}
			if (len != 0)
				bad = len;
		} else if (u[i] >= 0x20 && u[i] != 0x7f && u[i] != '"') {
			i++;
			continue;
		} else
			bad = 1;
		buf_add(b, u + run, i - run);
		text_escape(b, u + i, bad);
		i += bad;
		run = i;
	}
	buf_add(b, u + run, i - run);
}
