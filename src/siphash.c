/*
 * signetd: SipHash-2-4 (Aumasson and Bernstein, 2012), written from the
 * paper's description. siphash_add_lower() hashes the ASCII lower-case form
 * of its input, so case-insensitive keys (paths, GUIDs, host names) need no
 * lower-cased copy on the lookup path.
 */
#include <sys/random.h>

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "siphash.h"

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void
sipround(struct siphash *s)
{
	s->v0 += s->v1; s->v1 = ROTL(s->v1, 13); s->v1 ^= s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3; s->v3 = ROTL(s->v3, 16); s->v3 ^= s->v2;
	s->v0 += s->v3; s->v3 = ROTL(s->v3, 21); s->v3 ^= s->v0;
	s->v2 += s->v1; s->v1 = ROTL(s->v1, 17); s->v1 ^= s->v2;
	s->v2 = ROTL(s->v2, 32);
}

static void
sipblock(struct siphash *s, uint64_t m)
{
	s->v3 ^= m;
	sipround(s);
	sipround(s);
	s->v0 ^= m;
}

void
siphash_init(struct siphash *s, const struct sipkey *k)
{
	s->v0 = k->k0 ^ UINT64_C(0x736f6d6570736575);
	s->v1 = k->k1 ^ UINT64_C(0x646f72616e646f6d);
	s->v2 = k->k0 ^ UINT64_C(0x6c7967656e657261);
	s->v3 = k->k1 ^ UINT64_C(0x7465646279746573);
	s->tail = 0;
	s->ntail = 0;
	s->total = 0;
}

static inline void
siphash_byte(struct siphash *s, uint8_t c)
{
	s->tail |= (uint64_t)c << (8 * s->ntail);
	if (++s->ntail == 8) {
		sipblock(s, s->tail);
		s->tail = 0;
		s->ntail = 0;
	}
}

void
siphash_add(struct siphash *s, const void *data, size_t len)
{
	const uint8_t	*p = data;
	uint64_t	 m;

	s->total += len;
	while (len > 0 && s->ntail != 0) {
		siphash_byte(s, *p++);
		len--;
	}
	/* Whole little-endian words straight from the input. */
	while (len >= 8) {
		m = (uint64_t)p[0] | (uint64_t)p[1] << 8 |
		    (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
		    (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
		    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
		sipblock(s, m);
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		siphash_byte(s, *p++);
}

void
siphash_add_lower(struct siphash *s, const char *str, size_t len)
{
	uint8_t	 c;

	s->total += len;
	while (len-- > 0) {
		c = (uint8_t)*str++;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		siphash_byte(s, c);
	}
}

uint64_t
siphash_end(struct siphash *s)
{
	uint64_t	 b;

	b = ((uint64_t)s->total << 56) | s->tail;
	sipblock(s, b);
	s->v2 ^= 0xff;
	sipround(s);
	sipround(s);
	sipround(s);
	sipround(s);
	return (s->v0 ^ s->v1 ^ s->v2 ^ s->v3);
}

uint64_t
siphash(const struct sipkey *k, const void *data, size_t len)
{
	struct siphash	 s;

	siphash_init(&s, k);
	siphash_add(&s, data, len);
	return (siphash_end(&s));
}

/* A fresh random key; falls back to time and pid if getrandom(2) fails. */
void
siphash_random_key(struct sipkey *k)
{
	struct timespec	 ts;

	if (getrandom(k, sizeof(*k), GRND_NONBLOCK) == (ssize_t)sizeof(*k))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	k->k0 = (uint64_t)ts.tv_nsec * UINT64_C(0x9e3779b97f4a7c15) ^
	    (uint64_t)getpid();
	k->k1 = (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)k;
}
