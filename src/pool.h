/*
 * signetd: a pool of fixed-size items named by 32-bit ids. The state
 * tables hold millions of small entries: a pool keeps them without a
 * malloc header each, and an id is half a pointer, so links between
 * entries and the index tables cost 4 bytes. Items never move (chunks
 * are never reallocated), so a pointer to an item stays valid until the
 * item is put back. Id 0 is never handed out: it means "none".
 */
#ifndef SIGNETD_POOL_H
#define SIGNETD_POOL_H

#include <stddef.h>
#include <stdint.h>

#define POOL_SHIFT	12		/* items per chunk: 4096 */
#define POOL_IDBITS	27		/* ids fit an itab slot */
#define POOL_MAXID	((UINT32_C(1) << POOL_IDBITS) - 1)

struct pool {
	char		**chunk;
	size_t		  nchunk;
	size_t		  size;		/* bytes per item */
	uint32_t	  free;		/* first free id, 0: none */
	uint32_t	  fresh;	/* next id never handed out */
	size_t		  n;		/* items in use */
};

void	 pool_init(struct pool *, size_t);
void	 pool_clear(struct pool *);
uint32_t pool_get(struct pool *);
void	 pool_put(struct pool *, uint32_t);
size_t	 pool_bytes(const struct pool *);

static inline void *
pool_at(const struct pool *p, uint32_t id)
{
	return (p->chunk[id >> POOL_SHIFT] +
	    (size_t)(id & ((1u << POOL_SHIFT) - 1)) * p->size);
}

#endif
