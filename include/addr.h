/*
 * addr: IPv4/IPv6 addresses, CIDR prefixes and MAC addresses — parsing,
 * matching and formatting shared by the config, the catalogue and the
 * packet path.  Pure; no allocation.
 */
#ifndef SG_ADDR_H
#define SG_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest text addr_format() writes, NUL included ("[v6]:port" fits). */
#define ADDR_STRLEN 64

struct addr {
	uint8_t	family;		/* AF_INET or AF_INET6 */
	uint8_t	bytes[16];	/* network order; IPv4 uses the first 4 */
};

struct cidr {
	struct addr	a;	/* host bits are zero */
	uint8_t		prefix;	/* 0..32 or 0..128 */
};

struct mac {
	uint8_t	bytes[6];
};

/* Parse a numeric IPv4 or IPv6 address (no brackets, no port).
 * Returns 0 and fills *ret, or -EINVAL leaving *ret untouched. */
int	addr_parse(const char *s, struct addr *ret);

/* Parse "ADDR" or "ADDR/LEN".  A bare address is a host prefix.  Set host
 * bits are an error (-EINVAL), so a typo never widens a prefix silently. */
int	cidr_parse(const char *s, struct cidr *ret);

/* Parse "3c:22:fb:12:34:56" (or '-' separated).  0 or -EINVAL. */
int	mac_parse(const char *s, struct mac *ret);

bool	addr_equal(const struct addr *a, const struct addr *b);
bool	cidr_contains(const struct cidr *c, const struct addr *a);
/* True when the two prefixes share at least one address. */
bool	cidr_overlaps(const struct cidr *a, const struct cidr *b);

struct sockaddr;
struct sockaddr_storage;

/* a and port as a socket address in *ss (zeroed first). */
void	addr_to_sockaddr(const struct addr *a, uint16_t port,
	    struct sockaddr_storage *ss);
/* The address of sa (IPv4-mapped IPv6 as IPv4); family 0 for other
 * families. */
void	addr_from_sockaddr(const struct sockaddr *sa, struct addr *a);

/* Format into buf (NUL-terminated, truncated to len).  Return strlen. */
size_t	addr_format(const struct addr *a, char *buf, size_t len);
/* "1.2.3.4:443" or "[2001:db8::1]:443". */
size_t	addr_format_port(const struct addr *a, uint16_t port, char *buf,
	    size_t len);
size_t	cidr_format(const struct cidr *c, char *buf, size_t len);
size_t	mac_format(const struct mac *m, char *buf, size_t len);

#endif
