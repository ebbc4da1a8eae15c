/*
 * decode: link layer through L4 of one captured frame, without copying.
 *
 * Pure: no allocation, no globals, no clock, no logging.  Handles
 * Ethernet (802.1Q, QinQ, PPPoE session), Linux SLL and SLL2, raw IP,
 * BSD loopback, IPv4 (non-first fragments skipped), IPv6 with extension
 * headers, and tunnels (6in4, VXLAN, GTP-U) so a capture taken on a trunk
 * or a mobile core still yields the inner flows.  L4 is UDP or TCP.
 */
#ifndef SG_DECODE_H
#define SG_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define DECODE_MAX_ENCAP 4	/* nested VLAN/tunnel layers followed */

enum decode_result {
	DECODE_OK = 0,
	DECODE_SKIP,		/* well-formed but nothing for us (ARP, ICMP,
				   non-first fragment, unknown link type) */
	DECODE_TRUNCATED,	/* snaplen or a length field cut it short */
	DECODE_MALFORMED,
};

#define TCP_FIN	0x01
#define TCP_SYN	0x02
#define TCP_RST	0x04
#define TCP_ACK	0x10

struct pkt {
	struct addr	 src, dst;
	uint16_t	 sport, dport;
	uint8_t		 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t		 tcp_flags;
	bool		 first_fragment; /* IPv4/6 fragment 0 of several */
	uint8_t		 dir;		/* enum capture_dir: 0 unknown (in the
					   padding: a packet stays 80 bytes) */
	uint32_t	 seq;		/* TCP sequence number */
	const uint8_t	*payload;	/* L4 payload, points into the frame */
	size_t		 paylen;	/* bytes captured */
	size_t		 l3len;		/* IP packet length on the wire */
	const uint8_t	*mac_src;	/* Ethernet source (6 bytes) or NULL */
};

/*
 * Decode frame (caplen captured bytes) of libpcap link type dlt.
 * DECODE_OK fills *ret (payload points into frame); any other result
 * leaves *ret unspecified.
 */
enum decode_result decode_frame(int dlt, const uint8_t *frame, size_t caplen,
		    struct pkt *ret);

/* True when this libpcap link type is one decode_frame() understands. */
bool		decode_dlt_supported(int dlt);

#endif
