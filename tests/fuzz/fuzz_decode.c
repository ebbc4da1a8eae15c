/*
 * libFuzzer target for decode.c: link layer through L4 of one frame.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *	    tests/fuzz/fuzz_decode.c src/decode.c \
 *	    $(pkg-config --cflags libpcap) \
 *	    -o build-fuzz/fuzz_decode
 *	build-fuzz/fuzz_decode -max_len=9000 CORPUS
 *
 * Input: one byte that picks the link type (its value modulo the table
 * below), then the frame.  The frame ends where the input ends, so a
 * read past caplen is a heap overflow that ASan reports.  The seeds come
 * from captures (tests/fuzz/pcap2seed -m decode), which write the index
 * of the capture's own link type.
 *
 * Besides memory safety it checks what observe.c and flow.c rely on:
 *  - the same frame decodes the same twice (no hidden state);
 *  - an OK packet is TCP or UDP over IPv4 or IPv6, its payload lies
 *    inside the frame, the source MAC (when set) too, and an IPv4
 *    address has zero bytes after the fourth (flow keys hash all 16);
 *  - UDP carries no TCP flags or sequence number;
 *  - a link type decode_dlt_supported() refuses is always skipped.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <pcap/dlt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2	276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4	228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6	229
#endif

/*
 * The order is part of the seed format (pcap2seed.c writes the index):
 * extend at the end only.  The last entries are link types decode.c does
 * not know, to check that they are skipped.
 */
static const int dlts[] = {
	DLT_EN10MB,		/* 0 */
	DLT_LINUX_SLL,		/* 1 */
	DLT_LINUX_SLL2,		/* 2 */
	DLT_RAW,		/* 3 */
	101,			/* 4: LINKTYPE_RAW as savefiles write it */
	DLT_IPV4,		/* 5 */
	DLT_IPV6,		/* 6 */
	DLT_NULL,		/* 7 */
	DLT_LOOP,		/* 8 */
	DLT_IEEE802_11,		/* 9: unsupported */
	-1,			/* 10: nonsense */
};
#define NDLTS	(sizeof(dlts) / sizeof(dlts[0]))

#define check(c)	do { if (!(c)) abort(); } while (0)

/* [p, p + n) lies inside [frame, frame + len). */
static bool
inside(const uint8_t *p, size_t n, const uint8_t *frame, size_t len)
{
	uintptr_t a = (uintptr_t)p, f = (uintptr_t)frame;

	return a >= f && a - f <= len && n <= len - (a - f);
}

static bool
addr_ok(const struct addr *a)
{
	static const uint8_t zero[12];

	if (a->family == AF_INET6)
		return true;
	return a->family == AF_INET && memcmp(a->bytes + 4, zero, 12) == 0;
}

static bool
same(const struct pkt *a, const struct pkt *b)
{
	return a->src.family == b->src.family &&
	    memcmp(a->src.bytes, b->src.bytes, 16) == 0 &&
	    a->dst.family == b->dst.family &&
	    memcmp(a->dst.bytes, b->dst.bytes, 16) == 0 &&
	    a->sport == b->sport && a->dport == b->dport &&
	    a->proto == b->proto && a->tcp_flags == b->tcp_flags &&
	    a->first_fragment == b->first_fragment && a->seq == b->seq &&
	    a->payload == b->payload && a->paylen == b->paylen &&
	    a->l3len == b->l3len && a->mac_src == b->mac_src;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt p1, p2;
	enum decode_result r1, r2;
	const uint8_t *frame;
	size_t len;
	int dlt;

	if (size < 1)
		return 0;
	dlt = dlts[data[0] % NDLTS];
	frame = data + 1;
	len = size - 1;

	r1 = decode_frame(dlt, frame, len, &p1);
	check(r1 == DECODE_OK || r1 == DECODE_SKIP ||
	    r1 == DECODE_TRUNCATED || r1 == DECODE_MALFORMED);
	if (!decode_dlt_supported(dlt))
		check(r1 == DECODE_SKIP);
	r2 = decode_frame(dlt, frame, len, &p2);
	check(r1 == r2);
	if (r1 != DECODE_OK)
		return 0;
	check(same(&p1, &p2));

	check(p1.proto == IPPROTO_TCP || p1.proto == IPPROTO_UDP);
	check(addr_ok(&p1.src) && addr_ok(&p1.dst));
	check(p1.src.family == p1.dst.family);
	check(p1.payload != NULL);
	check(inside(p1.payload, p1.paylen, frame, len));
	if (p1.mac_src != NULL)
		check(inside(p1.mac_src, 6, frame, len));
	if (p1.proto == IPPROTO_UDP)
		check(p1.tcp_flags == 0 && p1.seq == 0);
	return 0;
}
