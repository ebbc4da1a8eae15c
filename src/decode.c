/*
 * decode: link layer, IP and L4 headers of a captured frame.
 *
 * Every read checks the remaining length first (p/rem, goto too_short);
 * headers are read with memcpy-free byte arithmetic, never by casting the
 * frame to a struct.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <pcap/dlt.h>
#include <string.h>

#include "decode.h"

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88a8
#define ETH_P_QINQ1	0x9100
#define ETH_P_PPPOES	0x8864
#define PPP_IP		0x0021
#define PPP_IPV6	0x0057
#define VXLAN_PORT	4789
#define GTPU_PORT	2152

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2	276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4	228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6	229
#endif
/* In savefiles LINKTYPE_RAW is 101; libpcap maps it to DLT_RAW. */
#define LINKTYPE_RAW	101

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static enum decode_result decode_ether(const uint8_t *, size_t, int,
		    struct pkt *);
static enum decode_result decode_ip(const uint8_t *, size_t, int,
		    struct pkt *);

/*
 * UDP tunnels that carry whole packets: VXLAN (RFC 7348, an Ethernet
 * frame) and GTP-U (3GPP TS 29.281, an IP packet, as mobile networks and
 * their test captures carry them).  On success *ret is the inner packet;
 * otherwise *ret is untouched and the outer UDP packet stands.
 */
static void
decode_udp_tunnel(const uint8_t *p, size_t len, int depth, struct pkt *ret)
{
	struct pkt inner;
	enum decode_result r = DECODE_SKIP;
	size_t off;

	if (depth >= DECODE_MAX_ENCAP || ret->first_fragment)
		return;
	memset(&inner, 0, sizeof(inner));
	if (ret->dport == VXLAN_PORT) {
		if (len < 8 + 14 || !(p[0] & 0x08))	/* I flag: VNI valid */
			return;
		r = decode_ether(p + 8, len - 8, depth + 1, &inner);
	} else if (ret->dport == GTPU_PORT || ret->sport == GTPU_PORT) {
		/* Version 1, PT 1, message type 255 (G-PDU). */
		if (len < 8 || (p[0] & 0xf0) != 0x30 || p[1] != 0xff)
			return;
		off = 8;
		if (p[0] & 0x07) {		/* E, S or PN: 4 more bytes */
			uint8_t next;
			int n;

			if (len < 12)
				return;
			next = p[11];
			off = 12;
			/* Extension headers: length in 4-byte units, the
			 * last byte names the next one. */
			for (n = 0; next != 0 && n < 8; n++) {
				size_t el;

				if (!(p[0] & 0x04) || off >= len)
					return;
				el = (size_t)p[off] * 4;
				if (el == 0 || len - off < el)
					return;
				next = p[off + el - 1];
				off += el;
			}
			if (next != 0)
				return;
		}
		r = decode_ip(p + off, len - off, depth + 1, &inner);
	}
	if (r == DECODE_OK)
		*ret = inner;
}
bool
decode_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case LINKTYPE_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

/* Dispatch on an ethertype; p points at what follows it. */
static enum decode_result
decode_ethertype(uint16_t type, const uint8_t *p, size_t rem, int depth,
    struct pkt *ret)
{
	if (depth > DECODE_MAX_ENCAP)
		return DECODE_SKIP;
	for (;;) {
		switch (type) {
		case ETH_P_IP:
		case ETH_P_IPV6:
			return decode_ip(p, rem, depth, ret);
		case ETH_P_8021Q:
		case ETH_P_8021AD:
		case ETH_P_QINQ1:
			/* 802.1Q tag: TCI(2) then the inner ethertype. */
			if (rem < 4)
				return DECODE_TRUNCATED;
			type = get16(p + 2);
			p += 4;
			rem -= 4;
			if (++depth > DECODE_MAX_ENCAP)
				return DECODE_SKIP;
			continue;
		case ETH_P_PPPOES:
			/* RFC 2516: ver/type, code, session, length, then PPP. */
			if (rem < 8)
				return DECODE_TRUNCATED;
			if (p[0] != 0x11 || p[1] != 0x00)
				return DECODE_SKIP;
			if (get16(p + 6) != PPP_IP && get16(p + 6) != PPP_IPV6)
				return DECODE_SKIP;
			return decode_ip(p + 8, rem - 8, depth + 1, ret);
		default:
			return DECODE_SKIP;
		}
	}
}

static enum decode_result
decode_ether(const uint8_t *p, size_t rem, int depth, struct pkt *ret)
{
	if (rem < 14)
		return DECODE_TRUNCATED;
	ret->mac_src = p + 6;
	return decode_ethertype(get16(p + 12), p + 14, rem - 14, depth, ret);
}

static enum decode_result
decode_l4(const uint8_t *p, size_t rem, uint8_t proto, int depth,
    struct pkt *ret)
{
	size_t hl;

	ret->proto = proto;
	switch (proto) {
	case IPPROTO_UDP:
		if (rem < 8)
			return DECODE_TRUNCATED;
		ret->sport = get16(p);
		ret->dport = get16(p + 2);
		ret->tcp_flags = 0;
		ret->seq = 0;
		ret->payload = p + 8;
		ret->paylen = rem - 8;
		/* The UDP length bounds the payload (Ethernet pads). */
		if (get16(p + 4) >= 8 && (size_t)get16(p + 4) - 8 < ret->paylen)
			ret->paylen = (size_t)get16(p + 4) - 8;
		if (ret->dport == VXLAN_PORT || ret->dport == GTPU_PORT ||
		    ret->sport == GTPU_PORT)
			decode_udp_tunnel(ret->payload, ret->paylen, depth, ret);
		return DECODE_OK;
	case IPPROTO_TCP:
		if (rem < 20)
			return DECODE_TRUNCATED;
		hl = (size_t)(p[12] >> 4) * 4;
		if (hl < 20)
			return DECODE_MALFORMED;
		if (rem < hl)
			return DECODE_TRUNCATED;
		ret->sport = get16(p);
		ret->dport = get16(p + 2);
		ret->seq = get32(p + 4);
		ret->tcp_flags = p[13];
		ret->payload = p + hl;
		ret->paylen = rem - hl;
		return DECODE_OK;
	default:
		return DECODE_SKIP;
	}
}

static enum decode_result
decode_ipv4(const uint8_t *p, size_t rem, int depth, struct pkt *ret)
{
	size_t hl, tot;
	uint16_t frag;
	uint8_t proto;

	if (rem < 20)
		return DECODE_TRUNCATED;
	hl = (size_t)(p[0] & 0x0f) * 4;
	tot = get16(p + 2);
	if (hl < 20 || tot < hl)
		return DECODE_MALFORMED;
	if (rem < hl)
		return DECODE_TRUNCATED;
	/* Trust the shorter of captured and announced: Ethernet pads short
	 * frames, and snaplen may cut long ones. */
	if (tot < rem)
		rem = tot;
	frag = get16(p + 6);
	/* RFC 791: a non-first fragment has no L4 header. */
	if (frag & 0x1fff)
		return DECODE_SKIP;
	proto = p[9];
	/* decode_frame() zeroed *ret, so bytes 4..15 are zero already,
	 * and an IPv4 outer header is only ever followed by an inner
	 * packet that sets all of them. */
	ret->src.family = ret->dst.family = AF_INET;
	memcpy(ret->src.bytes, p + 12, 4);
	memcpy(ret->dst.bytes, p + 16, 4);
	ret->first_fragment = (frag & 0x2000) != 0;
	ret->l3len = tot;
	if (proto == IPPROTO_IPV6) {
		/* RFC 4213: 6in4; the inner addresses are the flow. */
		if (depth >= DECODE_MAX_ENCAP || ret->first_fragment)
			return DECODE_SKIP;
		return decode_ip(p + hl, rem - hl, depth + 1, ret);
	}
	return decode_l4(p + hl, rem - hl, proto, depth, ret);
}

static enum decode_result
decode_ipv6(const uint8_t *p, size_t rem, int depth, struct pkt *ret)
{
	size_t plen, hl;
	uint8_t nh;
	int n;

	if (rem < 40)
		return DECODE_TRUNCATED;
	plen = get16(p + 4);
	nh = p[6];
	ret->src.family = ret->dst.family = AF_INET6;
	memcpy(ret->src.bytes, p + 8, 16);
	memcpy(ret->dst.bytes, p + 24, 16);
	ret->first_fragment = false;
	ret->l3len = plen + 40;
	p += 40;
	rem -= 40;
	/* A zero payload length is a jumbogram (RFC 2675); use what we have. */
	if (plen != 0 && plen < rem)
		rem = plen;
	/* RFC 8200 4: walk extension headers, a bounded number of them. */
	for (n = 0; n < 8; n++) {
		switch (nh) {
		case 0:		/* hop-by-hop */
		case 43:	/* routing */
		case 60:	/* destination options */
			if (rem < 8)
				return DECODE_TRUNCATED;
			hl = ((size_t)p[1] + 1) * 8;
			if (rem < hl)
				return DECODE_TRUNCATED;
			nh = p[0];
			p += hl;
			rem -= hl;
			continue;
		case 44:	/* fragment */
			if (rem < 8)
				return DECODE_TRUNCATED;
			if (get16(p + 2) & 0xfff8)
				return DECODE_SKIP;	/* non-first fragment */
			ret->first_fragment = (p[3] & 1) != 0;
			nh = p[0];
			p += 8;
			rem -= 8;
			continue;
		case 51:	/* AH, RFC 4302: length in 4-octet units, minus 2 */
			if (rem < 8)
				return DECODE_TRUNCATED;
			hl = ((size_t)p[1] + 2) * 4;
			if (rem < hl)
				return DECODE_TRUNCATED;
			nh = p[0];
			p += hl;
			rem -= hl;
			continue;
		default:
			return decode_l4(p, rem, nh, depth, ret);
		}
	}
	return DECODE_SKIP;
}

static enum decode_result
decode_ip(const uint8_t *p, size_t rem, int depth, struct pkt *ret)
{
	if (rem < 1)
		return DECODE_TRUNCATED;
	switch (p[0] >> 4) {
	case 4:
		return decode_ipv4(p, rem, depth, ret);
	case 6:
		return decode_ipv6(p, rem, depth, ret);
	default:
		return DECODE_SKIP;
	}
}

enum decode_result
decode_frame(int dlt, const uint8_t *frame, size_t caplen, struct pkt *ret)
{
	memset(ret, 0, sizeof(*ret));
	switch (dlt) {
	case DLT_EN10MB:
		return decode_ether(frame, caplen, 0, ret);
	case DLT_LINUX_SLL:
		/* 16-byte cooked header; protocol at offset 14. */
		if (caplen < 16)
			return DECODE_TRUNCATED;
		return decode_ethertype(get16(frame + 14), frame + 16,
		    caplen - 16, 0, ret);
	case DLT_LINUX_SLL2:
		/* 20-byte cooked header; protocol at offset 0. */
		if (caplen < 20)
			return DECODE_TRUNCATED;
		return decode_ethertype(get16(frame), frame + 20, caplen - 20,
		    0, ret);
	case DLT_RAW:
	case LINKTYPE_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return decode_ip(frame, caplen, 0, ret);
	case DLT_NULL:
	case DLT_LOOP:
		/* A 4-byte address family in either byte order (and the BSDs
		 * disagree on AF_INET6); the IP version nibble is enough. */
		if (caplen < 4)
			return DECODE_TRUNCATED;
		return decode_ip(frame + 4, caplen - 4, 0, ret);
	default:
		return DECODE_SKIP;
	}
}
