/*
 * signetd: index of pool ids (see itab.h).
 *
 * Linear probing from home = (hash >> 32) * capacity >> 32. Slots are
 * filled to at most 85 %, tombstones included: past that the table is
 * rebuilt, half as large again when more than 70 % of it is live, else
 * at the same size to sweep the tombstones out. A rebuild at the same
 * size comes after at least 15 % of the capacity in deletions, so
 * deletion stays O(1) amortised, and lookups never walk a run of dead slots for
 * long: the state tables see one insert and one delete per expired
 * entry, forever.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "itab.h"
#include "pool.h"
#include "xmalloc.h"

#define ITAB_TAGBITS	5
#define ITAB_TAGMASK	((UINT32_C(1) << ITAB_TAGBITS) - 1)
#define ITAB_EMPTY	0
#define ITAB_DEAD	1		/* id 0 is never an entry */
#define ITAB_MINCAP	16

static size_t
itab_home(const struct itab *t, uint64_t h)
{
	return ((size_t)(((h >> 32) * (uint64_t)t->cap) >> 32));
}

static uint32_t
itab_slot(uint64_t h, uint32_t id)
{
	return (id << ITAB_TAGBITS | ((uint32_t)h & ITAB_TAGMASK));
}

void
itab_init(struct itab *t, size_t hint, uint64_t (*hash)(void *, uint32_t),
    void *arg)
{
	size_t	 cap = ITAB_MINCAP;

	while (cap * 17 / 20 <= hint)
		cap += cap / 2;
	t->s = xcalloc(cap, sizeof(*t->s));
	t->cap = cap;
	t->n = t->dead = 0;
	t->hash = hash;
	t->arg = arg;
}

void
itab_clear(struct itab *t)
{
	free(t->s);
	t->s = NULL;
	t->cap = t->n = t->dead = 0;
}

/* First candidate whose hash bits match; *it keeps the probe position. */
uint32_t
itab_first(const struct itab *t, uint64_t h, size_t *it)
{
	*it = itab_home(t, h);
	return (itab_next(t, h, it));
}

uint32_t
itab_next(const struct itab *t, uint64_t h, size_t *it)
{
	size_t		 i = *it;
	uint32_t	 s, tag = (uint32_t)h & ITAB_TAGMASK;

	for (;;) {
		if ((s = t->s[i]) == ITAB_EMPTY)
			return (0);
		if (++i == t->cap)
			i = 0;
		if (s != ITAB_DEAD && (s & ITAB_TAGMASK) == tag) {
			*it = i;
			return (s >> ITAB_TAGBITS);
		}
	}
}

static void
itab_place(struct itab *t, uint64_t h, uint32_t id)
{
	size_t	 i = itab_home(t, h);

	while (t->s[i] != ITAB_EMPTY && t->s[i] != ITAB_DEAD)
		if (++i == t->cap)
			i = 0;
	if (t->s[i] == ITAB_DEAD)
		t->dead--;
	t->s[i] = itab_slot(h, id);
}

static void
itab_rebuild(struct itab *t, size_t ncap)
{
	uint32_t	*old = t->s, s;
	size_t		 i, ocap = t->cap;

	t->s = xcalloc(ncap, sizeof(*t->s));
	t->cap = ncap;
	t->dead = 0;
	for (i = 0; i < ocap; i++)
		if ((s = old[i]) > ITAB_DEAD)
			itab_place(t, t->hash(t->arg, s >> ITAB_TAGBITS),
			    s >> ITAB_TAGBITS);
	free(old);
}

void
itab_insert(struct itab *t, uint64_t h, uint32_t id)
{
	if ((t->n + t->dead + 1) * 20 > t->cap * 17)
		itab_rebuild(t, (t->n + 1) * 10 > t->cap * 7 ?
		    t->cap + t->cap / 2 : t->cap);
	itab_place(t, h, id);
	t->n++;
}

int
itab_remove(struct itab *t, uint64_t h, uint32_t id)
{
	size_t		 i = itab_home(t, h);
	uint32_t	 want = itab_slot(h, id);

	while (t->s[i] != want) {
		if (t->s[i] == ITAB_EMPTY)
			return (-1);
		if (++i == t->cap)
			i = 0;
	}
	t->s[i] = ITAB_DEAD;
	t->n--;
	t->dead++;
	return (0);
}

size_t
itab_capacity(const struct itab *t)
{
	return (t->cap);
}

/* The id in slot i, or 0. */
uint32_t
itab_at(const struct itab *t, size_t i)
{
	uint32_t	 s = t->s[i];

	return (s > ITAB_DEAD ? s >> ITAB_TAGBITS : 0);
}

size_t
itab_bytes(const struct itab *t)
{
	return (t->cap * sizeof(*t->s));
}
