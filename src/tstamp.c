/*
 * signetd: RFC 3339 style timestamps to and from int64 microseconds since
 * the epoch. The calendar arithmetic is done here, on integers, because
 * timegm(3) and strptime(3) depend on the locale and the TZ environment and
 * the telemetry we read names its zone explicitly or means UTC.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "tstamp.h"

#define DAY_SEC		INT64_C(86400)
#define YEAR_MIN	1970
#define YEAR_MAX	9999
#define FRAC_MAX	9	/* digits; nanoseconds is the finest we see */

/* A cursor over a string that is not NUL-terminated. */
struct tcur {
	const char	*s;
	size_t		 n;
	size_t		 i;
};

struct civil {
	int	year;
	int	mon;
	int	day;
	int	hour;
	int	min;
	int	sec;
};

static int	tstamp_digits(struct tcur *, int, int *);
static int	tstamp_lit(struct tcur *, char);
static int	tstamp_leap(int64_t);
static int	tstamp_mdays(int, int);
static int64_t	tstamp_days(int64_t, int, int);
static void	tstamp_civil(int64_t, int64_t *, int *, int *);
static int	tstamp_date(struct tcur *, struct civil *);
static int	tstamp_time(struct tcur *, struct civil *);
static int	tstamp_frac(struct tcur *, int64_t *);
static int	tstamp_zone(struct tcur *, int64_t *);

/* Read exactly `width' decimal digits. */
static int
tstamp_digits(struct tcur *c, int width, int *out)
{
	int	v = 0;

	if (c->n - c->i < (size_t)width)
		return (-1);
	for (; width > 0; width--, c->i++) {
		if (c->s[c->i] < '0' || c->s[c->i] > '9')
			return (-1);
		v = v * 10 + (c->s[c->i] - '0');
	}
	*out = v;
	return (0);
}

static int
tstamp_lit(struct tcur *c, char ch)
{
	if (c->i >= c->n || c->s[c->i] != ch)
		return (-1);
	c->i++;
	return (0);
}

static int
tstamp_leap(int64_t y)
{
	return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
}

static int
tstamp_mdays(int y, int m)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && tstamp_leap(y))
		return (29);
	return (mdays[m - 1]);
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date: H. Hinnant's
 * days_from_civil, which counts in 400-year eras starting in March so that
 * the leap day is the last day of its year. Valid for any int64 year that
 * does not overflow.
 */
static int64_t
tstamp_days(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

/* The inverse of tstamp_days (Hinnant's civil_from_days). */
static void
tstamp_civil(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t	era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* "YYYY-MM-DD", range checked, leap years included. */
static int
tstamp_date(struct tcur *c, struct civil *t)
{
	if (tstamp_digits(c, 4, &t->year) == -1 || tstamp_lit(c, '-') == -1 ||
	    tstamp_digits(c, 2, &t->mon) == -1 || tstamp_lit(c, '-') == -1 ||
	    tstamp_digits(c, 2, &t->day) == -1)
		return (-1);
	if (t->year < YEAR_MIN || t->year > YEAR_MAX ||
	    t->mon < 1 || t->mon > 12 ||
	    t->day < 1 || t->day > tstamp_mdays(t->year, t->mon))
		return (-1);
	return (0);
}

/*
 * "hh:mm:ss". A second of 60 is a leap second (RFC 3339 5.6); with no
 * leap second table we let it count as the first second of the next
 * minute, which is what the arithmetic below does by itself.
 */
static int
tstamp_time(struct tcur *c, struct civil *t)
{
	if (tstamp_digits(c, 2, &t->hour) == -1 || tstamp_lit(c, ':') == -1 ||
	    tstamp_digits(c, 2, &t->min) == -1 || tstamp_lit(c, ':') == -1 ||
	    tstamp_digits(c, 2, &t->sec) == -1)
		return (-1);
	if (t->hour > 23 || t->min > 59 || t->sec > 60)
		return (-1);
	return (0);
}

/*
 * Optional ".f" with 1 to 9 digits, as microseconds. MDE sends seven
 * digits (100 ns ticks); digits past the sixth are dropped, not rounded,
 * so that a time never moves into the next second.
 */
static int
tstamp_frac(struct tcur *c, int64_t *us)
{
	int	ndig = 0;

	*us = 0;
	if (tstamp_lit(c, '.') == -1)
		return (0);
	for (; c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9';
	    c->i++, ndig++)
		if (ndig < 6)
			*us = *us * 10 + (c->s[c->i] - '0');
	if (ndig == 0 || ndig > FRAC_MAX)
		return (-1);
	for (; ndig < 6; ndig++)
		*us *= 10;
	return (0);
}

/*
 * Optional zone, as seconds east of UTC: "Z", "+hh:mm", "+hhmm" or "+hh"
 * (the last two are ISO 8601 basic forms some agents emit). No zone at all
 * means UTC: Sysmon's UtcTime says so in its name.
 */
static int
tstamp_zone(struct tcur *c, int64_t *off)
{
	int	sign, hh, mm = 0;

	*off = 0;
	if (c->i == c->n)
		return (0);
	if (c->s[c->i] == 'Z' || c->s[c->i] == 'z') {
		c->i++;
		return (0);
	}
	if (c->s[c->i] != '+' && c->s[c->i] != '-')
		return (-1);
	sign = c->s[c->i++] == '-' ? -1 : 1;
	if (tstamp_digits(c, 2, &hh) == -1)
		return (-1);
	if (c->i < c->n) {
		(void)tstamp_lit(c, ':');
		if (tstamp_digits(c, 2, &mm) == -1)
			return (-1);
	}
	if (hh > 23 || mm > 59)
		return (-1);
	*off = sign * (hh * 3600 + mm * 60);
	return (0);
}

/*
 * Parse "YYYY-MM-DD[T ]hh:mm:ss[.f][zone]" (RFC 3339 5.6, plus the space
 * separator and zone-less form of Sysmon and NXLog) into microseconds
 * since the epoch. Everything must be consumed; a time before the epoch
 * is refused like any other out of range value.
 */
int
tstamp_parse(const char *s, size_t n, int64_t *us)
{
	struct tcur	c = { s, n, 0 };
	struct civil	t;
	int64_t		frac, off, secs;

	if (s == NULL || tstamp_date(&c, &t) == -1)
		return (-1);
	if (c.i >= n || (s[c.i] != 'T' && s[c.i] != 't' && s[c.i] != ' '))
		return (-1);
	c.i++;
	if (tstamp_time(&c, &t) == -1 || tstamp_frac(&c, &frac) == -1 ||
	    tstamp_zone(&c, &off) == -1 || c.i != n)
		return (-1);
	secs = tstamp_days(t.year, t.mon, t.day) * DAY_SEC +
	    t.hour * 3600 + t.min * 60 + t.sec - off;
	if (secs < 0)
		return (-1);
	*us = secs * TSTAMP_SEC + frac;
	return (0);
}

/* n decimal digits of v, zero-padded, at p; returns p + n. */
static char *
put_digits(char *p, int64_t v, int n)
{
	int	 i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return (p + n);
}

/*
 * tstamp_format() for four-digit years, without snprintf: every alert
 * carries several timestamps and snprintf cost some 3,500 instructions
 * for each. Output and truncation are snprintf's.
 */
static size_t
tstamp_format_fast(int64_t year, int mon, int day, int64_t rem, int64_t frac,
    char *buf, size_t len)
{
	char	 t[TSTAMP_BUFSZ], *p = t;
	size_t	 n;

	p = put_digits(p, year, 4);
	*p++ = '-';
	p = put_digits(p, mon, 2);
	*p++ = '-';
	p = put_digits(p, day, 2);
	*p++ = 'T';
	p = put_digits(p, rem / 3600, 2);
	*p++ = ':';
	p = put_digits(p, rem / 60 % 60, 2);
	*p++ = ':';
	p = put_digits(p, rem % 60, 2);
	*p++ = '.';
	if (frac % 1000 == 0)
		p = put_digits(p, frac / 1000, 3);
	else
		p = put_digits(p, frac, 6);
	*p++ = 'Z';
	n = (size_t)(p - t);
	if (n < len) {
		memcpy(buf, t, n);
		buf[n] = '\0';
		return (n);
	}
	memcpy(buf, t, len - 1);
	buf[len - 1] = '\0';
	return (len - 1);
}

/*
 * Format as "YYYY-MM-DDThh:mm:ss.mmmZ", or with six fraction digits when
 * the value is not a whole millisecond, so that parse(format(t)) == t.
 * Division floors, so times before the epoch come out as valid dates
 * rather than negative fields.
 */
size_t
tstamp_format(int64_t us, char *buf, size_t len)
{
	int64_t	secs, frac, days, rem, year;
	int	mon, day, r;

	if (buf == NULL || len == 0)
		return (0);
	secs = us / TSTAMP_SEC;
	frac = us % TSTAMP_SEC;
	if (frac < 0) {
		frac += TSTAMP_SEC;
		secs--;
	}
	days = secs / DAY_SEC;
	rem = secs % DAY_SEC;
	if (rem < 0) {
		rem += DAY_SEC;
		days--;
	}
	tstamp_civil(days, &year, &mon, &day);
	if (year >= 0 && year <= 9999)
		return (tstamp_format_fast(year, mon, day, rem, frac, buf,
		    len));
	if (frac % 1000 == 0)
		r = snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
		    (long long)year, mon, day, (int)(rem / 3600),
		    (int)(rem / 60 % 60), (int)(rem % 60), (int)(frac / 1000));
	else
		r = snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02d.%06dZ",
		    (long long)year, mon, day, (int)(rem / 3600),
		    (int)(rem / 60 % 60), (int)(rem % 60), (int)frac);
	if (r < 0) {
		buf[0] = '\0';
		return (0);
	}
	return ((size_t)r < len ? (size_t)r : len - 1);
}
