/*
 * libFuzzer target for dns.c.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *       tests/fuzz/fuzz_dns.c src/dns.c -o fuzz_dns
 *   ./fuzz_dns -max_len=4096 CORPUS tests/data/dns
 *
 * The input is tried as one message and as a TCP DNS stream.  Besides
 * memory safety it checks the contracts the callers rely on:
 *  - the same input gives the same answer twice;
 *  - names are made of a-z 0-9 - _ . and \DDD escapes only, their len is
 *    their strlen, and read back into wire form they have labels of
 *    1..63 bytes and at most 255 bytes in all;
 *  - counts stay within their arrays, addresses are AF_INET/AF_INET6;
 *  - the TCP walk only moves forward, returns messages inside the input,
 *    and stops at the end with *off == len.
 */
#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct dns_msg m1, m2;

#define check(c)	do { if (!(c)) abort(); } while (0)

static bool
digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read the text back as wire form and check what dns.h promises. */
static void
valid_name(const struct dns_name *n)
{
	size_t i = 0, label = 0, wire = 1;
	unsigned int v;
	char c;

	check(n->len < DNS_TEXT_MAX);
	check(strlen(n->text) == n->len);
	if (n->len == 0)
		return;				/* the root */
	while (i <= n->len) {
		c = n->text[i];
		if (c == '.' || c == '\0') {
			check(label >= 1 && label <= DNS_LABEL_MAX);
			wire += 1 + label;
			label = 0;
			i++;
			continue;
		}
		if (c == '\\') {
			check(i + 3 < n->len);
			check(digit(n->text[i + 1]) && digit(n->text[i + 2]) &&
			    digit(n->text[i + 3]));
			v = (unsigned int)(n->text[i + 1] - '0') * 100 +
			    (unsigned int)(n->text[i + 2] - '0') * 10 +
			    (unsigned int)(n->text[i + 3] - '0');
			check(v <= 255);
			/* Only what could not be written plainly is escaped. */
			check(!(v >= 'a' && v <= 'z') &&
			    !(v >= 'A' && v <= 'Z') &&
			    !(v >= '0' && v <= '9') && v != '-' && v != '_');
			i += 4;
		} else {
			check((c >= 'a' && c <= 'z') || digit(c) || c == '-' ||
			    c == '_');
			i++;
		}
		label++;
	}
	check(wire <= DNS_NAME_MAX);
}

static void
valid(const struct dns_msg *m)
{
	size_t i;

	valid_name(&m->qname);
	check(m->nchain <= DNS_MAX_CHAIN);
	check(m->naddrs <= DNS_MAX_ADDRS);
	check(m->opcode == 0);
	if (!m->response)
		check(m->nchain == 0 && m->naddrs == 0);
	for (i = 0; i < m->nchain; i++) {
		valid_name(&m->chain[i]);
		check(strcmp(m->chain[i].text, m->qname.text) != 0);
	}
	for (i = 0; i < m->naddrs; i++) {
		check(m->addrs[i].family == AF_INET ||
		    m->addrs[i].family == AF_INET6);
		check(m->addrs[i].ttl < 0x80000000U);
	}
}

static bool
same(const struct dns_msg *a, const struct dns_msg *b)
{
	size_t i;

	if (a->id != b->id || a->response != b->response ||
	    a->rcode != b->rcode || a->tc != b->tc || a->qtype != b->qtype ||
	    a->qclass != b->qclass || a->ancount != b->ancount ||
	    strcmp(a->qname.text, b->qname.text) != 0 ||
	    a->nchain != b->nchain || a->naddrs != b->naddrs)
		return false;
	for (i = 0; i < a->nchain; i++)
		if (strcmp(a->chain[i].text, b->chain[i].text) != 0)
			return false;
	for (i = 0; i < a->naddrs; i++)
		if (a->addrs[i].family != b->addrs[i].family ||
		    a->addrs[i].ttl != b->addrs[i].ttl ||
		    memcmp(a->addrs[i].bytes, b->addrs[i].bytes, 16) != 0)
			return false;
	return true;
}

static void
one(const uint8_t *buf, size_t len)
{
	enum dns_result r1, r2;

	r1 = dns_parse(buf, len, &m1);
	check(r1 == DNS_OK || r1 == DNS_TRUNCATED || r1 == DNS_MALFORMED ||
	    r1 == DNS_UNSUPPORTED);
	check(dns_result_str(r1) != NULL);
	r2 = dns_parse(buf, len, &m2);
	check(r1 == r2);
	if (r1 != DNS_OK)
		return;
	valid(&m1);
	check(same(&m1, &m2));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *msg;
	size_t off = 0, prev, mlen;
	enum dns_result r;

	one(data, size);
	for (;;) {
		prev = off;
		r = dns_tcp_next(data, size, &off, &msg, &mlen);
		if (r != DNS_OK) {
			check(off == prev);
			check(r == DNS_TRUNCATED || r == DNS_MALFORMED);
			if (r == DNS_TRUNCATED && size - off >= 2)
				check(((size_t)data[off] << 8 | data[off + 1]) >
				    size - off - 2);
			break;
		}
		check(off > prev && off <= size);
		check(msg == data + prev + 2 && mlen == off - prev - 2);
		check(mlen > 0);
		one(msg, mlen);
	}
	return 0;
}
