/*
 * signetd: reference-counted interned strings. Device ids, signer names,
 * statuses and paths repeat across millions of state entries; each is
 * stored once and compared by pointer.
 */
#ifndef SIGNETD_INTERN_H
#define SIGNETD_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include "htab.h"
#include "siphash.h"

struct istr {
	uint64_t	h;
	uint32_t	refs;
	uint32_t	len;
	char		s[];		/* NUL-terminated */
};

struct intern {
	struct htab	 t;
	struct sipkey	 key;
	size_t		 bytes;		/* strings and table */
};

void		 intern_init(struct intern *, const struct sipkey *);
void		 intern_clear(struct intern *);
struct istr	*intern_get(struct intern *, const char *, size_t);
struct istr	*intern_get_lower(struct intern *, const char *, size_t);
struct istr	*intern_lookup(struct intern *, const char *, size_t);
void		 intern_put(struct intern *, struct istr *);
size_t		 intern_bytes(const struct intern *);

#endif
