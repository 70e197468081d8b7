/*
 * signetd: an open-addressing hash table of entry pointers with their
 * 64-bit hashes cached. The caller hashes (seeded SipHash) and compares the
 * full key: htab only finds candidates with an equal hash. Linear probing
 * with backward-shift deletion, so there are no tombstones.
 */
#ifndef SIGNETD_HTAB_H
#define SIGNETD_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct htab_slot {
	uint64_t	 h;
	void		*e;
};

struct htab {
	struct htab_slot *s;
	size_t		  mask;		/* capacity - 1 */
	size_t		  n;
};

void	 htab_init(struct htab *, size_t);
void	 htab_clear(struct htab *);
void	*htab_first(const struct htab *, uint64_t, size_t *);
void	*htab_next(const struct htab *, uint64_t, size_t *);
void	 htab_insert(struct htab *, uint64_t, void *);
int	 htab_remove(struct htab *, uint64_t, const void *);
size_t	 htab_capacity(const struct htab *);
void	*htab_at(const struct htab *, size_t);
size_t	 htab_bytes(const struct htab *);

#endif
