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

/*
 * The state is worked on in local variables and stored back once per
 * call: through the struct pointer the compiler kept every round in
 * memory, and sipround() was not inlined.
 */
#define SIPROUND(v0, v1, v2, v3) do {					\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

#define SIPBLOCK(v0, v1, v2, v3, m) do {				\
	v3 ^= (m);							\
	SIPROUND(v0, v1, v2, v3);					\
	SIPROUND(v0, v1, v2, v3);					\
	v0 ^= (m);							\
} while (0)

#define BYTES(c)	(UINT64_C(0x0101010101010101) * (c))

static void
sipblock(struct siphash *s, uint64_t m)
{
	uint64_t	 v0 = s->v0, v1 = s->v1, v2 = s->v2, v3 = s->v3;

	SIPBLOCK(v0, v1, v2, v3, m);
	s->v0 = v0;
	s->v1 = v1;
	s->v2 = v2;
	s->v3 = v3;
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

static inline uint64_t
le64(const uint8_t *p)
{
	return ((uint64_t)p[0] | (uint64_t)p[1] << 8 |
	    (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	    (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56);
}

/*
 * ASCII 'A'-'Z' to lower case in all eight bytes at once: a byte gets
 * 0x20 when its low seven bits are at least 'A' and at most 'Z' and its
 * high bit is clear (no carry crosses a byte: each sum stays below 0x100).
 */
static inline uint64_t
lower8(uint64_t m)
{
	uint64_t	 low7 = m & BYTES(0x7f);
	uint64_t	 ge_a = low7 + BYTES(0x80 - 'A');
	uint64_t	 gt_z = low7 + BYTES(0x7f - 'Z');

	return (m | ((ge_a & ~gt_z & ~m & BYTES(0x80)) >> 2));
}

/* Whole words of p, lower-cased or not; returns the bytes consumed. */
static size_t
siphash_words(struct siphash *s, const uint8_t *p, size_t len, int lower)
{
	uint64_t	 v0 = s->v0, v1 = s->v1, v2 = s->v2, v3 = s->v3, m;
	size_t		 done = 0;

	for (; len - done >= 8; done += 8) {
		m = le64(p + done);
		if (lower)
			m = lower8(m);
		SIPBLOCK(v0, v1, v2, v3, m);
	}
	s->v0 = v0;
	s->v1 = v1;
	s->v2 = v2;
	s->v3 = v3;
	return (done);
}

/* The first n < 8 bytes of p as a little-endian word, the rest zero. */
static inline uint64_t
le_part(const uint8_t *p, size_t n)
{
	uint64_t	 v = 0;

	while (n-- > 0)
		v |= (uint64_t)p[n] << (8 * n);
	return (v);
}

/*
 * Feed len bytes, lower-cased or not. A part that does not fill the
 * pending word is merged into it as a whole (le_part()), not a byte at a
 * time through the word's state: keys are hashed in several small parts
 * (a length, a flag, then strings), and the byte path was the larger
 * part of siphash_add()'s cost.
 */
static void
siphash_feed(struct siphash *s, const uint8_t *p, size_t len, int lower)
{
	uint64_t	 m;
	size_t		 n;

	s->total += len;
	if (s->ntail != 0) {
		n = 8 - s->ntail;
		if (len < n)
			n = len;
		m = le_part(p, n);
		if (lower)
			m = lower8(m);
		s->tail |= m << (8 * s->ntail);
		s->ntail += n;
		p += n;
		len -= n;
		if (s->ntail < 8)
			return;
		sipblock(s, s->tail);
		s->tail = 0;
		s->ntail = 0;
	}
	n = siphash_words(s, p, len, lower);
	p += n;
	len -= n;
	m = le_part(p, len);
	s->tail = lower ? lower8(m) : m;
	s->ntail = len;
}

void
siphash_add(struct siphash *s, const void *data, size_t len)
{
	siphash_feed(s, data, len, 0);
}

void
siphash_add_lower(struct siphash *s, const char *str, size_t len)
{
	siphash_feed(s, (const uint8_t *)str, len, 1);
}

uint64_t
siphash_end(struct siphash *s)
{
	uint64_t	 v0 = s->v0, v1 = s->v1, v2 = s->v2, v3 = s->v3, b;

	b = ((uint64_t)s->total << 56) | s->tail;
	SIPBLOCK(v0, v1, v2, v3, b);
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return (v0 ^ v1 ^ v2 ^ v3);
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
