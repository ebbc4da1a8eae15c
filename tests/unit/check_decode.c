/* Unit tests for decode.c: every link type and encapsulation, fragments,
 * IPv6 extension headers, and truncation at every length. */
#include <sys/socket.h>
#include <netinet/in.h>

#include <check.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

struct buf {
	uint8_t	b[2048];
	size_t	n;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void
put8(struct buf *b, unsigned v)
{
	b->b[b->n++] = (uint8_t)v;
}

static void
put16(struct buf *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void
put32(struct buf *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b, v & 0xffff);
}

static const uint8_t V4SRC[4] = { 10, 10, 0, 23 };
static const uint8_t V4DST[4] = { 157, 240, 1, 35 };
static const uint8_t V6SRC[16] = { 0xfd, 0x10, [15] = 0x23 };
static const uint8_t V6DST[16] = { 0x2a, 0x03, 0x28, 0x80, [15] = 1 };

/* UDP header + payload "hello". */
static void
udp(struct buf *b, unsigned sport, unsigned dport)
{
	put16(b, sport);
	put16(b, dport);
	put16(b, 8 + 5);
	put16(b, 0);
	put(b, "hello", 5);
}

static void
tcp(struct buf *b, unsigned sport, unsigned dport, uint32_t seq)
{
	put16(b, sport);
	put16(b, dport);
	put32(b, seq);
	put32(b, 0);
	put8(b, 5 << 4);
	put8(b, TCP_ACK);
	put16(b, 65535);
	put32(b, 0);
	put(b, "hi", 2);
}

static void
ipv4(struct buf *b, uint8_t proto, unsigned frag, size_t l4len)
{
	put8(b, 0x45);
	put8(b, 0);
	put16(b, (unsigned)(20 + l4len));
	put16(b, 1);
	put16(b, frag);
	put8(b, 64);
	put8(b, proto);
	put16(b, 0);
	put(b, V4SRC, 4);
	put(b, V4DST, 4);
}

static void
ipv6(struct buf *b, uint8_t nh, size_t plen)
{
	put32(b, 0x60000000);
	put16(b, (unsigned)plen);
	put8(b, nh);
	put8(b, 64);
	put(b, V6SRC, 16);
	put(b, V6DST, 16);
}

static void
ether(struct buf *b, unsigned type)
{
	static const uint8_t mac[12] = { 1, 2, 3, 4, 5, 6, 0x3c, 0x22, 0xfb,
	    0x12, 0x34, 0x56 };

	put(b, mac, 12);
	put16(b, type);
}

/* Decode and check it is UDP 10.10.0.23:5353 -> :53 "hello" (v4) or the
 * v6 twin. */
static void
expect_udp(int dlt, const struct buf *b, int v6)
{
	struct pkt p;
	size_t i;

	ck_assert_int_eq(decode_frame(dlt, b->b, b->n, &p), DECODE_OK);
	ck_assert_int_eq(p.proto, IPPROTO_UDP);
	ck_assert_int_eq(p.sport, 5353);
	ck_assert_int_eq(p.dport, 53);
	ck_assert_uint_eq(p.paylen, 5);
	ck_assert(memcmp(p.payload, "hello", 5) == 0);
	ck_assert_int_eq(p.src.family, v6 ? AF_INET6 : AF_INET);
	ck_assert(memcmp(p.src.bytes, v6 ? V6SRC : V4SRC, v6 ? 16 : 4) == 0);
	ck_assert(memcmp(p.dst.bytes, v6 ? V6DST : V4DST, v6 ? 16 : 4) == 0);
	/* Every shorter capture is rejected or decoded within bounds. */
	for (i = 0; i < b->n; i++) {
		enum decode_result r = decode_frame(dlt, b->b, i, &p);

		if (r == DECODE_OK)
			ck_assert(p.payload + p.paylen <= b->b + i);
	}
}

START_TEST(test_ether_v4)
{
	struct buf b = { .n = 0 };

	ether(&b, 0x0800);
	ipv4(&b, IPPROTO_UDP, 0, 13);
	udp(&b, 5353, 53);
	expect_udp(DLT_EN10MB, &b, 0);
}
END_TEST

START_TEST(test_ether_padding)
{
	struct buf b = { .n = 0 };
	struct pkt p;

	ether(&b, 0x0800);
	ipv4(&b, IPPROTO_UDP, 0, 13);
	udp(&b, 5353, 53);
	put(&b, "\0\0\0\0\0\0\0\0\0\0\0", 11);	/* Ethernet minimum padding */
	ck_assert_int_eq(decode_frame(DLT_EN10MB, b.b, b.n, &p), DECODE_OK);
	ck_assert_uint_eq(p.paylen, 5);
}
END_TEST

START_TEST(test_vlan_qinq)
{
	struct buf b = { .n = 0 };

	ether(&b, 0x88a8);
	put16(&b, 100);
	put16(&b, 0x8100);
	put16(&b, 200);
	put16(&b, 0x86dd);
	ipv6(&b, IPPROTO_UDP, 13);
	udp(&b, 5353, 53);
	expect_udp(DLT_EN10MB, &b, 1);
}
END_TEST

START_TEST(test_pppoe)
{
	struct buf b = { .n = 0 };

	ether(&b, 0x8864);
	put8(&b, 0x11);
	put8(&b, 0);
	put16(&b, 0x1234);
	put16(&b, 2 + 20 + 13);
	put16(&b, 0x0021);
	ipv4(&b, IPPROTO_UDP, 0, 13);
	udp(&b, 5353, 53);
	expect_udp(DLT_EN10MB, &b, 0);
}
END_TEST

START_TEST(test_sll_sll2_raw)
{
	struct buf b = { .n = 0 };

	put(&b, "\0\0\0\1\0\6abcdefgh", 14);
	put16(&b, 0x0800);
	ipv4(&b, IPPROTO_UDP, 0, 13);
	udp(&b, 5353, 53);
	expect_udp(DLT_LINUX_SLL, &b, 0);

	b.n = 0;
	put16(&b, 0x86dd);
	put(&b, "\0\0\0\0\0\0\0\1\0\6abcdefgh", 18);
	ipv6(&b, IPPROTO_UDP, 13);
	udp(&b, 5353, 53);
	expect_udp(DLT_LINUX_SLL2, &b, 1);

	b.n = 0;
	ipv6(&b, IPPROTO_UDP, 13);
	udp(&b, 5353, 53);
	expect_udp(DLT_RAW, &b, 1);
	expect_udp(101, &b, 1);		/* LINKTYPE_RAW in savefiles */
}
END_TEST

START_TEST(test_ipv6_ext_headers)
{
	struct buf b = { .n = 0 };

	ether(&b, 0x86dd);
	ipv6(&b, 0, 8 + 16 + 8 + 13);
	put8(&b, 60);			/* hop-by-hop -> dest opts */
	put8(&b, 0);
	put(&b, "\1\4\0\0\0\0", 6);
	put8(&b, 44);			/* dest opts (16 bytes) -> fragment */
	put8(&b, 1);
	put(&b, "\1\14\0\0\0\0\0\0\0\0\0\0\0\0", 14);
	put8(&b, IPPROTO_UDP);		/* fragment 0, more fragments */
	put8(&b, 0);
	put16(&b, 0x0001);
	put32(&b, 42);
	udp(&b, 5353, 53);
	expect_udp(DLT_EN10MB, &b, 1);
}
END_TEST

START_TEST(test_fragments)
{
	struct buf b = { .n = 0 };
	struct pkt p;

	ether(&b, 0x0800);
	ipv4(&b, IPPROTO_UDP, 0x2000, 13);	/* MF, offset 0: first */
	udp(&b, 5353, 53);
	ck_assert_int_eq(decode_frame(DLT_EN10MB, b.b, b.n, &p), DECODE_OK);
	ck_assert(p.first_fragment);

	b.n = 0;
	ether(&b, 0x0800);
	ipv4(&b, IPPROTO_UDP, 0x0010, 13);	/* offset 128: skipped */
	udp(&b, 5353, 53);
	ck_assert_int_eq(decode_frame(DLT_EN10MB, b.b, b.n, &p), DECODE_SKIP);

	b.n = 0;
	ether(&b, 0x86dd);
	ipv6(&b, 44, 8 + 13);
	put8(&b, IPPROTO_UDP);
	put8(&b, 0);
	put16(&b, 0x0100);			/* offset 32: skipped */
	put32(&b, 42);
	udp(&b, 5353, 53);
	ck_assert_int_eq(decode_frame(DLT_EN10MB, b.b, b.n, &p), DECODE_SKIP);
}
END_TEST

START_TEST(test_6in4)
{
	struct buf b = { .n = 0 };

	ether(&b, 0x0800);
	ipv4(&b, IPPROTO_IPV6, 0, 40 + 13);
	ipv6(&b, IPPROTO_UDP, 13);
	udp(&b, 5353, 53);
	expect_udp(DLT_EN10MB, &b, 1);
}
END_TEST

START_TEST(test_vxlan)
{
	struct buf b = { .n = 0 };
	size_t inner = 8 + 14 + 20 + 13;

	ether(&b, 0x0800);
	ipv4(&b, IPPROTO_UDP, 0, 8 + inner);
	put16(&b, 40000);
	put16(&b, 4789);
	put16(&b, (unsigned)(8 + inner));
	put16(&b, 0);
	put(&b, "\x08\0\0\0\0\0\x2a\0", 8);
	ether(&b, 0x0800);
	ipv4(&b, IPPROTO_UDP, 0, 13);
	udp(&b, 5353, 53);
	expect_udp(DLT_EN10MB, &b, 0);
}
END_TEST

START_TEST(test_gtpu)
{
	struct buf b = { .n = 0 };
	struct pkt p;

	ether(&b, 0x0800);
	ipv4(&b, IPPROTO_UDP, 0, 8 + 16 + 4 + 40 + 13);
	put16(&b, 2152);
	put16(&b, 2152);
	put16(&b, 8 + 16 + 4 + 40 + 13);
	put16(&b, 0);
	put8(&b, 0x34);			/* v1, PT, E: extension headers */
	put8(&b, 0xff);			/* G-PDU */
	put16(&b, 4 + 4 + 40 + 13);
	put32(&b, 0x1234);		/* TEID */
	put16(&b, 0);
	put8(&b, 0);
	put8(&b, 0x85);			/* next: PDU session container */
	put8(&b, 1);			/* 4 bytes */
	put8(&b, 0x10);
	put8(&b, 0x05);
	put8(&b, 0);			/* no more */
	ipv6(&b, IPPROTO_UDP, 13);
	udp(&b, 5353, 53);
	expect_udp(DLT_EN10MB, &b, 1);
	/* A chain of extension headers that never ends: the outer packet. */
	b.b[b.n - 13 - 40 - 1] = 0x85;
	ck_assert_int_eq(decode_frame(DLT_EN10MB, b.b, b.n, &p), DECODE_OK);
	ck_assert_int_eq(p.sport, 2152);
}
END_TEST

START_TEST(test_tcp)
{
	struct buf b = { .n = 0 };
	struct pkt p;

	ether(&b, 0x0800);
	ipv4(&b, IPPROTO_TCP, 0, 22);
	tcp(&b, 51522, 443, 0xdeadbeef);
	ck_assert_int_eq(decode_frame(DLT_EN10MB, b.b, b.n, &p), DECODE_OK);
	ck_assert_int_eq(p.proto, IPPROTO_TCP);
	ck_assert_uint_eq(p.seq, 0xdeadbeef);
	ck_assert_uint_eq(p.paylen, 2);
	ck_assert_int_eq(p.tcp_flags, TCP_ACK);
	ck_assert_ptr_nonnull(p.mac_src);
	ck_assert_int_eq(p.mac_src[0], 0x3c);
	/* A data offset below 5 words is malformed. */
	b.b[14 + 20 + 12] = 4 << 4;
	ck_assert_int_eq(decode_frame(DLT_EN10MB, b.b, b.n, &p),
	    DECODE_MALFORMED);
}
END_TEST

START_TEST(test_garbage)
{
	uint8_t junk[256];
	struct pkt p;
	size_t i, n;
	unsigned seed = 1;
	static const int dlts[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2,
	    DLT_RAW, DLT_NULL, 9999 };

	for (i = 0; i < 20000; i++) {
		for (n = 0; n < sizeof(junk); n++) {
			seed = seed * 1103515245 + 12345;
			junk[n] = (uint8_t)(seed >> 16);
		}
		/* Aim at the interesting paths now and then. */
		if (i % 3 == 0) {
			junk[12] = 0x81;
			junk[13] = 0;
		}
		if (i % 5 == 0)
			junk[0] = 0x45;
		n = (seed >> 8) % sizeof(junk);
		if (decode_frame(dlts[i % 6], junk, n, &p) == DECODE_OK)
			ck_assert(p.payload + p.paylen <= junk + n);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_ether_v4);
	tcase_add_test(tc, test_ether_padding);
	tcase_add_test(tc, test_vlan_qinq);
	tcase_add_test(tc, test_pppoe);
	tcase_add_test(tc, test_sll_sll2_raw);
	tcase_add_test(tc, test_ipv6_ext_headers);
	tcase_add_test(tc, test_fragments);
	tcase_add_test(tc, test_6in4);
	tcase_add_test(tc, test_vxlan);
	tcase_add_test(tc, test_gtpu);
	tcase_add_test(tc, test_tcp);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
