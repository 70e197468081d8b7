/*
 * signetd: an open-addressing index of pool ids (see pool.h), four bytes
 * a slot: 27 bits of id and 5 bits of the entry's hash, which weed out
 * most candidates without touching the entry. The caller hashes (seeded
 * SipHash) and compares the full key. Any capacity (the home slot is
 * taken by multiplication, not masking), grown by half, so a table of
 * N entries costs 4.7 to 8.5 bytes per entry rather than 8 to 16.
 * Deletion leaves a tombstone; the table is rebuilt when they pile up,
 * which needs each live entry's hash again: the caller's rehash callback.
 */
#ifndef SIGNETD_ITAB_H
#define SIGNETD_ITAB_H

#include <stddef.h>
#include <stdint.h>

struct itab {
	uint32_t	*s;
	size_t		 cap;
	size_t		 n;		/* live entries */
	size_t		 dead;		/* tombstones */
	uint64_t	(*hash)(void *, uint32_t);
	void		*arg;
};

void	 itab_init(struct itab *, size_t, uint64_t (*)(void *, uint32_t),
	    void *);
void	 itab_clear(struct itab *);
uint32_t itab_first(const struct itab *, uint64_t, size_t *);
uint32_t itab_next(const struct itab *, uint64_t, size_t *);
void	 itab_insert(struct itab *, uint64_t, uint32_t);
int	 itab_remove(struct itab *, uint64_t, uint32_t);
size_t	 itab_capacity(const struct itab *);
uint32_t itab_at(const struct itab *, size_t);
size_t	 itab_bytes(const struct itab *);

#endif
