/*
 * signetd: fixed-size item pool (see pool.h). Freed items form a list
 * threaded through their first four bytes; fresh ids are handed out in
 * order, so a chunk is only touched (and costs resident memory) once
 * its first item is used.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "pool.h"
#include "xmalloc.h"

#define POOL_CHUNK	((size_t)1 << POOL_SHIFT)

void
pool_init(struct pool *p, size_t size)
{
	memset(p, 0, sizeof(*p));
	p->size = size < sizeof(uint32_t) ? sizeof(uint32_t) : size;
	p->fresh = 1;
}

void
pool_clear(struct pool *p)
{
	size_t	 i;

	for (i = 0; i < p->nchunk; i++)
		free(p->chunk[i]);
	free(p->chunk);
	pool_init(p, p->size);
}

/* A zeroed item's id, or 0 when every id is in use. */
uint32_t
pool_get(struct pool *p)
{
	uint32_t	 id;
	void		*it;

	if (p->free != 0) {
		id = p->free;
		it = pool_at(p, id);
		memcpy(&p->free, it, sizeof(p->free));
	} else {
		if (p->fresh > POOL_MAXID)
			return (0);
		id = p->fresh++;
		if ((id >> POOL_SHIFT) >= p->nchunk) {
			p->chunk = xreallocarray(p->chunk, p->nchunk + 1,
			    sizeof(*p->chunk));
			p->chunk[p->nchunk++] = xmalloc(POOL_CHUNK * p->size);
		}
		it = pool_at(p, id);
	}
	memset(it, 0, p->size);
	p->n++;
	return (id);
}

/* The item is zeroed (but for the free list link): walkers can tell. */
void
pool_put(struct pool *p, uint32_t id)
{
	void	*it = pool_at(p, id);

	memset(it, 0, p->size);
	memcpy(it, &p->free, sizeof(p->free));
	p->free = id;
	p->n--;
}

/* Bytes held: every chunk handed out so far. */
size_t
pool_bytes(const struct pool *p)
{
	return (p->nchunk * POOL_CHUNK * p->size + p->nchunk *
	    sizeof(*p->chunk));
}
