/*
 * signetd: allowlists. Entries name alerts that are not to be sent: by
 * the SHA1 or path of the file, its signer, the device, the remote
 * prefix or domain, or (with GeoIP) the remote AS number or country.
 * Entries come from the configuration and from list files; each counts
 * the alerts it suppressed.
 */
#ifndef SIGNETD_ALLOW_H
#define SIGNETD_ALLOW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "alert.h"

/* In the order an alert is tested against them. */
enum allow_kind {
	ALLOW_SHA1 = 0,
	ALLOW_PATH,
	ALLOW_SIGNER,
	ALLOW_DEVICE,
	ALLOW_REMOTE,
	ALLOW_DOMAIN,
	ALLOW_ASN,
	ALLOW_COUNTRY,
	ALLOW_NKINDS
};

#define ALLOW_BIT(k)	(1u << (k))
#define ALLOW_ANY	((1u << ALLOW_NKINDS) - 1)
#define ALLOW_GEO	(ALLOW_BIT(ALLOW_ASN) | ALLOW_BIT(ALLOW_COUNTRY))

/* [allow] applies to every rule, [allow RULE] to that rule's alerts. */
enum allow_scope {
	ALLOW_ALL = 0,
	ALLOW_NETJOIN,
	ALLOW_IMAGELOAD,
	ALLOW_NSCOPES
};

struct allow_entry {
	enum allow_scope scope;
	enum allow_kind	 kind;
	char		*text;		/* canonical form, as printed */
	const char	*file;		/* where it was written (borrowed) */
	int		 line;
	uint64_t	 hits;		/* alerts it suppressed */
	union {
		uint8_t		 sha1[20];
		struct cidr	 cidr;
		uint32_t	 asn;
		char		 country[3];
	} u;
};

struct allow_set;

int		 allow_kind_parse(const char *);
const char	*allow_kind_name(enum allow_kind);
int		 allow_scope_parse(const char *);
const char	*allow_scope_name(enum allow_scope);
int		 allow_item_check(enum allow_kind, const char *, char *,
		    size_t);

struct allow_set *allow_set_new(void);
void		 allow_set_free(struct allow_set *);
int		 allow_add(struct allow_set *, enum allow_scope,
		    enum allow_kind, const char *, const char *, int, char *,
		    size_t);
int		 allow_load(struct allow_set *, enum allow_scope, const char *,
		    unsigned int, FILE *);
size_t		 allow_count(const struct allow_set *, enum allow_scope,
		    enum allow_kind);
struct allow_entry *allow_entry_at(struct allow_set *, enum allow_scope,
		    enum allow_kind, size_t);
int		 allow_uses(const struct allow_set *, enum alert_rule,
		    unsigned int);
struct allow_entry *allow_match(struct allow_set *, const struct alert *);
void		 allow_carry(struct allow_set *, const struct allow_set *);
void		 allow_print_counts(const struct allow_set *, FILE *);
void		 allow_print_hits(const struct allow_set *, const char *,
		    FILE *);

#endif
