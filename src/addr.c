/*
 * addr: address, prefix and MAC parsing and formatting.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int
addr_parse(const char *s, struct addr *ret)
{
	struct addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.bytes) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.bytes) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	*ret = a;
	return 0;
}

int
cidr_parse(const char *s, struct cidr *ret)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	struct cidr c;
	unsigned long len;
	char *end;
	size_t n, max, i;

	memset(&c, 0, sizeof(c));
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (addr_parse(buf, &c.a) < 0)
		return -EINVAL;
	max = c.a.family == AF_INET ? 32 : 128;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || *end != '\0' || len > max)
			return -EINVAL;
	} else
		len = max;
	c.prefix = (uint8_t)len;
	/* Host bits must be clear. */
	for (i = 0; i < max / 8; i++) {
		size_t bit = i * 8;
		uint8_t mask;

		if (bit + 8 <= len)
			continue;
		mask = bit >= len ? 0xff : (uint8_t)(0xff >> (len - bit));
		if (c.a.bytes[i] & mask)
			return -EINVAL;
	}
	*ret = c;
	return 0;
}

int
mac_parse(const char *s, struct mac *ret)
{
	struct mac m;
	int i, hi, lo;

	for (i = 0; i < 6; i++) {
		hi = s[0];
		lo = hi ? s[1] : 0;
		if (!hi || !lo)
			return -EINVAL;
#define HEXVAL(c) ((c) >= '0' && (c) <= '9' ? (c) - '0' : \
	(c) >= 'a' && (c) <= 'f' ? (c) - 'a' + 10 : \
	(c) >= 'A' && (c) <= 'F' ? (c) - 'A' + 10 : -1)
		if (HEXVAL(hi) < 0 || HEXVAL(lo) < 0)
			return -EINVAL;
		m.bytes[i] = (uint8_t)(HEXVAL(hi) << 4 | HEXVAL(lo));
#undef HEXVAL
		s += 2;
		if (i < 5) {
			if (*s != ':' && *s != '-')
				return -EINVAL;
			s++;
		}
	}
	if (*s != '\0')
		return -EINVAL;
	*ret = m;
	return 0;
}

bool
addr_equal(const struct addr *a, const struct addr *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && memcmp(a->bytes, b->bytes, n) == 0;
}

static bool
prefix_match(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool
cidr_contains(const struct cidr *c, const struct addr *a)
{
	if (c->a.family != a->family)
		return false;
	return prefix_match(c->a.bytes, a->bytes, c->prefix);
}

bool
cidr_overlaps(const struct cidr *a, const struct cidr *b)
{
	if (a->a.family != b->a.family)
		return false;
	return prefix_match(a->a.bytes, b->a.bytes,
	    a->prefix < b->prefix ? a->prefix : b->prefix);
}

size_t
addr_format(const struct addr *a, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (inet_ntop(a->family == AF_INET ? AF_INET : AF_INET6, a->bytes,
	    tmp, sizeof(tmp)) == NULL)
		snprintf(tmp, sizeof(tmp), "?");
	return (size_t)snprintf(buf, len, "%s", tmp);
}

size_t
addr_format_port(const struct addr *a, uint16_t port, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	addr_format(a, tmp, sizeof(tmp));
	if (a->family == AF_INET6)
		return (size_t)snprintf(buf, len, "[%s]:%u", tmp, port);
	return (size_t)snprintf(buf, len, "%s:%u", tmp, port);
}

size_t
cidr_format(const struct cidr *c, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	addr_format(&c->a, tmp, sizeof(tmp));
	return (size_t)snprintf(buf, len, "%s/%u", tmp, c->prefix);
}

size_t
mac_format(const struct mac *m, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
	    m->bytes[0], m->bytes[1], m->bytes[2], m->bytes[3], m->bytes[4],
	    m->bytes[5]);
}

void
addr_to_sockaddr(const struct addr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->bytes, 4);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->bytes, 16);
	}
}

void
addr_from_sockaddr(const struct sockaddr *sa, struct addr *a)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)
	    (const void *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)
	    (const void *)sa;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		a->family = AF_INET;
		memcpy(a->bytes, &sin->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		if (memcmp(&sin6->sin6_addr, mapped, 12) == 0) {
			a->family = AF_INET;
			memcpy(a->bytes, (const uint8_t *)&sin6->sin6_addr + 12,
			    4);
		} else {
			a->family = AF_INET6;
			memcpy(a->bytes, &sin6->sin6_addr, 16);
		}
	}
}
