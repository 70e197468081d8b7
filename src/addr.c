/*
 * signetd: strict IP address parsing, CIDR prefixes and lists, and the
 * special-purpose ranges that make an address "not public" (detection
 * spec, sections 5 and 8). IPv4 is held as IPv4-mapped IPv6 (::ffff:a.b.c.d)
 * so that one 128-bit compare serves both families.
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <endian.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "addr.h"
#include "log.h"
#include "xmalloc.h"

/* The longest literal inet_pton accepts: INET6_ADDRSTRLEN less the NUL. */
#define ADDR_MAXLEN	(INET6_ADDRSTRLEN - 1)

static void	addr_set_v4mapped(struct in6_addr *, const struct in_addr *);
static uint64_t	addr_load64(const uint8_t *);
static void	addr_store64(uint8_t *, uint64_t);
static void	addr_words(const struct in6_addr *, uint64_t *, uint64_t *);
static void	addr_mask(uint8_t, uint64_t *, uint64_t *);
static int	cidr_parse_plen(const char *, size_t, unsigned int, uint8_t *);

/*
 * The IANA special-purpose ranges that are not globally reachable
 * (spec section 5); cidr_list_add_special() installs exactly these.
 */
static const char *const addr_special[] = {
	"0.0.0.0/8",
	"10.0.0.0/8",
	"100.64.0.0/10",
	"127.0.0.0/8",
	"169.254.0.0/16",
	"172.16.0.0/12",
	"192.0.0.0/24",
	"192.0.2.0/24",
	"192.168.0.0/16",
	"198.18.0.0/15",
	"198.51.100.0/24",
	"203.0.113.0/24",
	"224.0.0.0/4",
	"240.0.0.0/4",
	"::/128",
	"::1/128",
	"100::/64",
	"2001:db8::/32",
	"fc00::/7",
	"fe80::/10",
	"ff00::/8",
};

static void
addr_set_v4mapped(struct in6_addr *a, const struct in_addr *v4)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[10] = 0xff;
	a->s6_addr[11] = 0xff;
	memcpy(&a->s6_addr[12], v4, 4);
}

/*
 * Parse an address of n bytes, not NUL-terminated, as inet_pton(3) does:
 * dotted quads without leading zeros or short forms, IPv6 without zone
 * ids. IPv4 is stored IPv4-mapped. Returns 0, or -1 if unparsable.
 */
int
addr_parse(const char *s, size_t n, struct in6_addr *out)
{
	char		 buf[ADDR_MAXLEN + 1];
	struct in_addr	 v4;

	if (n == 0 || n > ADDR_MAXLEN || memchr(s, '\0', n) != NULL)
		return (-1);
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (memchr(buf, ':', n) != NULL)
		return (inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1);
	if (inet_pton(AF_INET, buf, &v4) != 1)
		return (-1);
	addr_set_v4mapped(out, &v4);
	return (0);
}

int
addr_is_v4mapped(const struct in6_addr *a)
{
	static const uint8_t	 prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	return (memcmp(a->s6_addr, prefix, sizeof(prefix)) == 0);
}

/*
 * Write the address into buf: IPv4-mapped as a dotted quad, the rest in
 * the RFC 5952 form inet_ntop(3) gives. Returns the length written, or 0
 * if buf is too small (ADDR_STRLEN always suffices).
 */
size_t
addr_format(const struct in6_addr *a, char *buf, size_t len)
{
	const char	*p;

	if (len > INT32_MAX)
		len = INT32_MAX;
	if (addr_is_v4mapped(a))
		p = inet_ntop(AF_INET, &a->s6_addr[12], buf, (socklen_t)len);
	else
		p = inet_ntop(AF_INET6, a, buf, (socklen_t)len);
	if (p == NULL) {
		if (len > 0)
			buf[0] = '\0';
		return (0);
	}
	return (strlen(buf));
}

/*
 * Eight bytes in network order as a number: a copy and one bswap (gcc 12
 * at -O2 keeps a byte loop as a loop, 8 loads and shifts). It runs twice
 * for every network record's address, and per prefix when one is added.
 */
static uint64_t
addr_load64(const uint8_t *p)
{
	uint64_t	 v;

	memcpy(&v, p, sizeof(v));
	return (be64toh(v));
}

static void
addr_store64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, sizeof(v));
}

/* The address as two 64-bit words, most significant first. */
static void
addr_words(const struct in6_addr *a, uint64_t *hi, uint64_t *lo)
{
	*hi = addr_load64(&a->s6_addr[0]);
	*lo = addr_load64(&a->s6_addr[8]);
}

/* The netmask of a prefix length, as addr_words() lays it out. */
static void
addr_mask(uint8_t plen, uint64_t *hi, uint64_t *lo)
{
	if (plen == 0) {
		*hi = *lo = 0;
	} else if (plen <= 64) {
		*hi = UINT64_MAX << (64 - plen);
		*lo = 0;
	} else {
		*hi = UINT64_MAX;
		*lo = UINT64_MAX << (128 - plen);
	}
}

/* A decimal prefix length in [0, max], without sign or leading zero. */
static int
cidr_parse_plen(const char *s, size_t n, unsigned int max, uint8_t *out)
{
	unsigned int	 v = 0;
	size_t		 i;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return (-1);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v > max)
		return (-1);
	*out = (uint8_t)v;
	return (0);
}

/*
 * Parse "address/length" or a bare address (a host route) of n bytes. An
 * IPv4 length n becomes 96 + n over the mapped form. Host bits are
 * masked off rather than refused, as operators expect of "10.1.2.3/8".
 */
int
cidr_parse(const char *s, size_t n, struct cidr *out)
{
	const char	*slash;
	size_t		 alen;
	uint8_t		 plen;
	int		 v6;
	uint64_t	 hi, lo, mhi, mlo;

	if ((slash = memchr(s, '/', n)) == NULL)
		alen = n;
	else
		alen = (size_t)(slash - s);
	if (addr_parse(s, alen, &out->net) == -1)
		return (-1);
	v6 = memchr(s, ':', alen) != NULL;
	if (slash == NULL)
		plen = 128;
	else {
		if (cidr_parse_plen(slash + 1, n - alen - 1, v6 ? 128 : 32,
		    &plen) == -1)
			return (-1);
		if (!v6)
			plen += 96;
	}
	out->plen = plen;
	addr_words(&out->net, &hi, &lo);
	addr_mask(plen, &mhi, &mlo);
	addr_store64(&out->net.s6_addr[0], hi & mhi);
	addr_store64(&out->net.s6_addr[8], lo & mlo);
	return (0);
}

int
cidr_contains(const struct cidr *c, const struct in6_addr *a)
{
	uint64_t	 ahi, alo, nhi, nlo, mhi, mlo;

	addr_words(a, &ahi, &alo);
	addr_words(&c->net, &nhi, &nlo);
	addr_mask(c->plen, &mhi, &mlo);
	return ((ahi & mhi) == nhi && (alo & mlo) == nlo);
}

void
cidr_list_init(struct cidr_list *l)
{
	l->v = NULL;
	l->w = NULL;
	l->n = l->cap = 0;
}

void
cidr_list_clear(struct cidr_list *l)
{
	free(l->v);
	free(l->w);
	cidr_list_init(l);
}

void
cidr_list_add(struct cidr_list *l, const struct cidr *c)
{
	struct cidr_words	*w;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 8 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
		l->w = xreallocarray(l->w, l->cap, sizeof(*l->w));
	}
	w = &l->w[l->n];
	addr_words(&c->net, &w->nhi, &w->nlo);
	addr_mask(c->plen, &w->mhi, &w->mlo);
	l->v[l->n++] = *c;
}

/* Make dst, already initialised, a copy of src. */
void
cidr_list_copy(struct cidr_list *dst, const struct cidr_list *src)
{
	size_t	 i;

	if (dst == src)
		return;
	dst->n = 0;
	for (i = 0; i < src->n; i++)
		cidr_list_add(dst, &src->v[i]);
}

void
cidr_list_add_special(struct cidr_list *l)
{
	struct cidr	 c;
	size_t		 i;

	for (i = 0; i < sizeof(addr_special) / sizeof(addr_special[0]); i++) {
		if (cidr_parse(addr_special[i], strlen(addr_special[i]),
		    &c) == -1)
			fatalx("%s: bad built-in prefix %s", __func__,
			    addr_special[i]);
		cidr_list_add(l, &c);
	}
}

/*
 * Is the address inside any prefix of the list? This runs once per
 * network record over some twenty entries, so it is a plain scan: the
 * address is converted once, and each entry, converted when it was
 * added, costs two masked compares.
 */
int
cidr_list_contains(const struct cidr_list *l, const struct in6_addr *a)
{
	const struct cidr_words	*w;
	uint64_t		 ahi, alo;
	size_t			 i;

	addr_words(a, &ahi, &alo);
	for (i = 0; i < l->n; i++) {
		w = &l->w[i];
		if ((ahi & w->mhi) == w->nhi && (alo & w->mlo) == w->nlo)
			return (1);
	}
	return (0);
}
