/*
 * signetd: strict IP address parsing, CIDR lists and the "is this address
 * public" test of the detection spec (section 5). IPv4 addresses are held
 * as IPv4-mapped IPv6 so one code path serves both families.
 */
#ifndef SIGNETD_ADDR_H
#define SIGNETD_ADDR_H

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#define ADDR_STRLEN	INET6_ADDRSTRLEN

struct cidr {
	struct in6_addr	net;	/* masked */
	uint8_t		plen;	/* IPv6 prefix length; IPv4 /n is 96 + n */
};

/* A prefix as the membership test uses it: network and mask words. */
struct cidr_words {
	uint64_t	 nhi, nlo;
	uint64_t	 mhi, mlo;
};

struct cidr_list {
	struct cidr		*v;
	struct cidr_words	*w;	/* the same prefixes, precomputed */
	size_t			 n;
	size_t			 cap;
};

int	addr_parse(const char *, size_t, struct in6_addr *);
int	addr_is_v4mapped(const struct in6_addr *);
size_t	addr_format(const struct in6_addr *, char *, size_t);

int	cidr_parse(const char *, size_t, struct cidr *);
int	cidr_contains(const struct cidr *, const struct in6_addr *);

void	cidr_list_init(struct cidr_list *);
void	cidr_list_clear(struct cidr_list *);
void	cidr_list_add(struct cidr_list *, const struct cidr *);
void	cidr_list_copy(struct cidr_list *, const struct cidr_list *);
void	cidr_list_add_special(struct cidr_list *);
int	cidr_list_contains(const struct cidr_list *, const struct in6_addr *);

#endif
