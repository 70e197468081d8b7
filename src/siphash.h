/*
 * signetd: SipHash-2-4, the keyed hash of every state table. Keys come from
 * the network, so the hash is seeded at start to resist hash flooding.
 */
#ifndef SIGNETD_SIPHASH_H
#define SIGNETD_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct sipkey {
	uint64_t	k0;
	uint64_t	k1;
};

/* Incremental form, so a key made of several parts hashes without a copy. */
struct siphash {
	uint64_t	v0, v1, v2, v3;
	uint64_t	tail;
	size_t		ntail;
	size_t		total;
};

void		siphash_init(struct siphash *, const struct sipkey *);
void		siphash_add(struct siphash *, const void *, size_t);
void		siphash_add_lower(struct siphash *, const char *, size_t);
uint64_t	siphash_end(struct siphash *);
uint64_t	siphash(const struct sipkey *, const void *, size_t);
void		siphash_random_key(struct sipkey *);

#endif
