/*
 * dns: pure parser of DNS messages (RFC 1035) as they cross the gateway.
 *
 * Pure: no allocation, no globals, no clock, no logging.  Every read is
 * bounds-checked; every RFC 9267 anti-pattern (compression loops, forward
 * pointers, pointers into the header, names > 255, labels > 63, counts
 * larger than the packet) is rejected with bounded work.
 */
#ifndef SG_DNS_H
#define SG_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX	255	/* RFC 1035 3.1: wire-format name length */
#define DNS_LABEL_MAX	63
/* Presentation form: escapes (\DDD) can make it up to 4x the wire form. */
#define DNS_TEXT_MAX	(4 * DNS_NAME_MAX + 1)
#define DNS_MAX_ADDRS	32	/* answer addresses kept per message */
#define DNS_MAX_CHAIN	8	/* CNAME hops followed from the question */

enum dns_result {
	DNS_OK = 0,
	DNS_TRUNCATED,		/* ran out of bytes */
	DNS_MALFORMED,		/* violates the format (bad pointer, label, ...) */
	DNS_UNSUPPORTED,	/* QDCOUNT != 1, opcode != QUERY, ... */
};

struct dns_addr {
	uint8_t		family;	/* AF_INET or AF_INET6 */
	uint8_t		bytes[16];
	uint32_t	ttl;
};

/*
 * A name in presentation form, lower-cased, no trailing dot ("" is the
 * root).  Label bytes outside [a-z0-9-_] and '.' or '\' inside a label are
 * written as \DDD (RFC 1035 5.1), so the text never contains control
 * characters, and a '.' always separates labels.
 */
struct dns_name {
	char	text[DNS_TEXT_MAX];
	size_t	len;
};

struct dns_msg {
	uint16_t	id;
	bool		response;	/* QR bit */
	uint8_t		opcode;
	uint8_t		rcode;
	bool		tc;		/* truncated, the client will retry on TCP */
	uint16_t	qtype;
	uint16_t	qclass;
	struct dns_name	qname;
	/*
	 * The CNAME chain from qname: chain[0] is the target of qname's CNAME,
	 * chain[1] the target of chain[0]'s, ...  Addresses (A/AAAA) are kept
	 * only when their owner is qname or a name on the chain.
	 */
	size_t		nchain;
	struct dns_name	chain[DNS_MAX_CHAIN];
	size_t		naddrs;
	struct dns_addr	addrs[DNS_MAX_ADDRS];
	uint16_t	ancount;
};

/*
 * Parse one DNS message (UDP payload, or one TCP message without its
 * length prefix).  Queries parse too (response == false, no answers).
 * Returns DNS_OK and fills *ret; on any other result *ret is unspecified.
 */
enum dns_result	dns_parse(const uint8_t *buf, size_t len, struct dns_msg *ret);

/*
 * TCP DNS (RFC 1035 4.2.2, RFC 7766): walk the 2-byte length prefixed
 * messages in a segment.  *off is the offset of the next message; on
 * DNS_OK, *ret_msg and *ret_len point into buf at the next complete message
 * and *off is advanced past it.  DNS_TRUNCATED when fewer bytes than the
 * prefix announces remain (the caller may reassemble), DNS_MALFORMED for
 * a zero length.  At the end of buf returns DNS_TRUNCATED with *off == len.
 */
enum dns_result	dns_tcp_next(const uint8_t *buf, size_t len, size_t *off,
		    const uint8_t **ret_msg, size_t *ret_len);

const char	*dns_result_str(enum dns_result);

#endif
