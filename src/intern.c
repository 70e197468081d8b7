/*
 * signetd: reference-counted string interning over htab.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "intern.h"
#include "xmalloc.h"

void
intern_init(struct intern *in, const struct sipkey *key)
{
	htab_init(&in->t, 64);
	in->key = *key;
	in->bytes = 0;
}

void
intern_clear(struct intern *in)
{
	size_t	 i;

	for (i = 0; i < htab_capacity(&in->t); i++)
		free(htab_at(&in->t, i));
	htab_clear(&in->t);
	in->bytes = 0;
}

static struct istr *
intern_find(struct intern *in, uint64_t h, const char *s, size_t n)
{
	struct istr	*is;
	size_t		 it;

	for (is = htab_first(&in->t, h, &it); is != NULL;
	    is = htab_next(&in->t, h, &it))
		if (is->len == n && memcmp(is->s, s, n) == 0)
			return (is);
	return (NULL);
}

static struct istr *
intern_add(struct intern *in, uint64_t h, const char *s, size_t n)
{
	struct istr	*is;

	is = xmalloc(sizeof(*is) + n + 1);
	is->h = h;
	is->refs = 1;
	is->len = (uint32_t)n;
	memcpy(is->s, s, n);
	is->s[n] = '\0';
	htab_insert(&in->t, h, is);
	in->bytes += sizeof(*is) + n + 1 + sizeof(struct htab_slot);
	return (is);
}

/* Strings longer than 4 GiB cannot reach here: messages are bounded. */
struct istr *
intern_get(struct intern *in, const char *s, size_t n)
{
	struct istr	*is;
	uint64_t	 h;

	h = siphash(&in->key, s, n);
	if ((is = intern_find(in, h, s, n)) != NULL) {
		is->refs++;
		return (is);
	}
	return (intern_add(in, h, s, n));
}

/* The interned string equal to s, without taking a reference. */
struct istr *
intern_lookup(struct intern *in, const char *s, size_t n)
{
	return (intern_find(in, siphash(&in->key, s, n), s, n));
}

static int
lower_eq(const char *low, const char *s, size_t n)
{
	size_t	 i;
	char	 c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (low[i] != c)
			return (0);
	}
	return (1);
}

/* The interned ASCII lower-case form of s, hashed and compared in place. */
struct istr *
intern_get_lower(struct intern *in, const char *s, size_t n)
{
	struct siphash	 sh;
	struct istr	*is;
	uint64_t	 h;
	size_t		 it, i;

	siphash_init(&sh, &in->key);
	siphash_add_lower(&sh, s, n);
	h = siphash_end(&sh);
	for (is = htab_first(&in->t, h, &it); is != NULL;
	    is = htab_next(&in->t, h, &it))
		if (is->len == n && lower_eq(is->s, s, n)) {
			is->refs++;
			return (is);
		}
	is = intern_add(in, h, s, n);
	for (i = 0; i < n; i++)
		if (is->s[i] >= 'A' && is->s[i] <= 'Z')
			is->s[i] += 'a' - 'A';
	return (is);
}

void
intern_put(struct intern *in, struct istr *is)
{
	if (is == NULL || --is->refs > 0)
		return;
	htab_remove(&in->t, is->h, is);
	in->bytes -= sizeof(*is) + is->len + 1 + sizeof(struct htab_slot);
	free(is);
}

size_t
intern_bytes(const struct intern *in)
{
	return (in->bytes);
}
