/*
 * signetd: open-addressing hash table of pointers (see htab.h).
 *
 * The load factor is kept at or below 3/4 by doubling. Deletion shifts
 * the following entries of the probe run back instead of leaving a
 * tombstone, so lookups never degrade after churn: the state tables see
 * one insert and one delete per expired entry, forever.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "htab.h"
#include "xmalloc.h"

static void	htab_grow(struct htab *);

void
htab_init(struct htab *t, size_t hint)
{
	size_t	 cap = 16;

	while (cap < hint + hint / 3)
		cap <<= 1;
	t->s = xcalloc(cap, sizeof(*t->s));
	t->mask = cap - 1;
	t->n = 0;
}

void
htab_clear(struct htab *t)
{
	free(t->s);
	t->s = NULL;
	t->mask = 0;
	t->n = 0;
}

/* First candidate whose hash equals h; *it keeps the probe position. */
void *
htab_first(const struct htab *t, uint64_t h, size_t *it)
{
	*it = (size_t)h & t->mask;
	return (htab_next(t, h, it));
}

void *
htab_next(const struct htab *t, uint64_t h, size_t *it)
{
	size_t	 i = *it;

	for (;;) {
		if (t->s[i].e == NULL)
			return (NULL);
		if (t->s[i].h == h) {
			*it = (i + 1) & t->mask;
			return (t->s[i].e);
		}
		i = (i + 1) & t->mask;
	}
}

static void
htab_place(struct htab_slot *s, size_t mask, uint64_t h, void *e)
{
	size_t	 i = (size_t)h & mask;

	while (s[i].e != NULL)
		i = (i + 1) & mask;
	s[i].h = h;
	s[i].e = e;
}

static void
htab_grow(struct htab *t)
{
	struct htab_slot	*ns;
	size_t			 i, ncap = (t->mask + 1) * 2;

	ns = xcalloc(ncap, sizeof(*ns));
	for (i = 0; i <= t->mask; i++)
		if (t->s[i].e != NULL)
			htab_place(ns, ncap - 1, t->s[i].h, t->s[i].e);
	free(t->s);
	t->s = ns;
	t->mask = ncap - 1;
}

void
htab_insert(struct htab *t, uint64_t h, void *e)
{
	if ((t->n + 1) * 4 > (t->mask + 1) * 3)
		htab_grow(t);
	htab_place(t->s, t->mask, h, e);
	t->n++;
}

/*
 * Remove entry e. Entries after the hole whose home slot is not in the
 * cyclic range (hole, position] move back into the hole (Knuth 6.4,
 * algorithm R).
 */
int
htab_remove(struct htab *t, uint64_t h, const void *e)
{
	size_t	 i = (size_t)h & t->mask, j, home;

	while (t->s[i].e != e) {
		if (t->s[i].e == NULL)
			return (-1);
		i = (i + 1) & t->mask;
	}
	j = i;
	for (;;) {
		t->s[i].e = NULL;
		for (;;) {
			j = (j + 1) & t->mask;
			if (t->s[j].e == NULL) {
				t->n--;
				return (0);
			}
			home = (size_t)t->s[j].h & t->mask;
			if (i <= j ? (home <= i || home > j) :
			    (home <= i && home > j))
				break;
		}
		t->s[i] = t->s[j];
		i = j;
	}
}

size_t
htab_capacity(const struct htab *t)
{
	return (t->mask + 1);
}

void *
htab_at(const struct htab *t, size_t i)
{
	return (t->s[i & t->mask].e);
}

size_t
htab_bytes(const struct htab *t)
{
	return ((t->mask + 1) * sizeof(*t->s));
}
