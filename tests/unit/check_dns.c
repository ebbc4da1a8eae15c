/*
 * Unit tests for dns.c: answers, CNAME chains, names, and every RFC 9267
 * anti-pattern as a hit and a near miss.  Each packet is built by hand
 * below; `check_dns --write-seeds DIR` writes them out as DIR/<name>.bin,
 * the fuzzing seeds and regression inputs kept in tests/data/dns/.
 * real-*.bin there are DNS payloads cut from the nDPI captures.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

#define PKT_MAX		(65535 + 2 + 65535 + 2)
#define RESPONSE	0x8180	/* QR, RD, RA */
#define QUERY		0x0100	/* RD */
#define T_A		1
#define T_NS		2
#define T_CNAME		5
#define T_TXT		16
#define T_AAAA		28
#define T_PRIVATE	65280	/* RFC 6895 3.1: private use */
#define C_IN		1
#define C_CH		3

/*
 * Packet builder.  It also runs outside Check (--write-seeds), where
 * ck_assert cannot report, so it checks itself with BUILD_ASSERT.
 */

#define BUILD_ASSERT(x) do {						\
	if (!(x)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x);	\
		abort();						\
	}								\
} while (0)

struct pkt {
	uint8_t	b[PKT_MAX];
	size_t	len;
};

static void
put8(struct pkt *k, unsigned int v)
{
	BUILD_ASSERT(k->len < PKT_MAX);
	k->b[k->len++] = (uint8_t)v;
}

static void
put16(struct pkt *k, unsigned int v)
{
	put8(k, v >> 8);
	put8(k, v & 0xff);
}

static void
put32(struct pkt *k, uint32_t v)
{
	put16(k, v >> 16);
	put16(k, v & 0xffff);
}

static void
putmem(struct pkt *k, const void *p, size_t n)
{
	BUILD_ASSERT(n <= PKT_MAX - k->len);
	memcpy(k->b + k->len, p, n);
	k->len += n;
}

/* One label of n raw bytes; n is written as given, however bad. */
static void
put_label(struct pkt *k, const void *s, size_t n)
{
	put8(k, (unsigned int)n);
	putmem(k, s, n);
}

/* The labels of a dotted name, no terminator ("" writes nothing). */
static void
put_labels(struct pkt *k, const char *dotted)
{
	const char *dot;

	while (*dotted != '\0') {
		dot = strchr(dotted, '.');
		if (dot == NULL)
			dot = dotted + strlen(dotted);
		put_label(k, dotted, (size_t)(dot - dotted));
		dotted = *dot ? dot + 1 : dot;
	}
}

static void
put_ptr(struct pkt *k, size_t off)
{
	put16(k, 0xc000 | (unsigned int)off);
}

/* An uncompressed name; returns its offset. */
static size_t
put_name(struct pkt *k, const char *dotted)
{
	size_t at = k->len;

	put_labels(k, dotted);
	put8(k, 0);
	return at;
}

/* Labels then a pointer to off; returns the name's offset. */
static size_t
put_cname(struct pkt *k, const char *dotted, size_t off)
{
	size_t at = k->len;

	put_labels(k, dotted);
	put_ptr(k, off);
	return at;
}

static void
put_hdr(struct pkt *k, unsigned int flags, unsigned int qd, unsigned int an,
    unsigned int ns, unsigned int ar)
{
	k->len = 0;
	put16(k, 0x1234);
	put16(k, flags);
	put16(k, qd);
	put16(k, an);
	put16(k, ns);
	put16(k, ar);
}

static void
put_question(struct pkt *k, const char *name, unsigned int qtype)
{
	put_name(k, name);
	put16(k, qtype);
	put16(k, C_IN);
}

/* TYPE, CLASS, TTL and a RDLENGTH to patch; returns where to patch. */
static size_t
rr_begin(struct pkt *k, unsigned int type, unsigned int class, uint32_t ttl)
{
	size_t at;

	put16(k, type);
	put16(k, class);
	put32(k, ttl);
	at = k->len;
	put16(k, 0);
	return at;
}

static void
rr_end(struct pkt *k, size_t at)
{
	size_t n = k->len - at - 2;

	k->b[at] = (uint8_t)(n >> 8);
	k->b[at + 1] = (uint8_t)n;
}

/* An A or AAAA record after its owner. */
static void
rr_addr(struct pkt *k, const char *addr, uint32_t ttl)
{
	uint8_t b[16];
	size_t at;

	if (inet_pton(AF_INET, addr, b) == 1) {
		at = rr_begin(k, T_A, C_IN, ttl);
		putmem(k, b, 4);
	} else {
		BUILD_ASSERT(inet_pton(AF_INET6, addr, b) == 1);
		at = rr_begin(k, T_AAAA, C_IN, ttl);
		putmem(k, b, 16);
	}
	rr_end(k, at);
}

/* A CNAME after its owner: labels then a pointer; returns the target. */
static size_t
rr_cname(struct pkt *k, const char *labels, size_t ptr, uint32_t ttl)
{
	size_t at, target;

	at = rr_begin(k, T_CNAME, C_IN, ttl);
	target = k->len;
	if (ptr)
		put_cname(k, labels, ptr);
	else
		put_name(k, labels);
	rr_end(k, at);
	return target;
}

#define QNAME		12	/* where the question name starts */
#define X10		"xxxxxxxxxx"
#define L61		X10 X10 X10 X10 X10 X10 "x"
#define L62		L61 "x"
#define L63		L62 "x"
#define L59		X10 X10 X10 X10 X10 "xxxxxxxxx"

/* Ordinary answers. */

static void
b_a(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 1, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_ptr(k, QNAME);
	rr_addr(k, "93.184.216.34", 300);
}

static void
b_aaaa(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 2, 0, 0);
	put_question(k, "star-mini.c10r.facebook.com", T_AAAA);
	put_ptr(k, QNAME);
	rr_addr(k, "2a03:2880:f12c:83:face:b00c:0:25de", 60);
	put_ptr(k, QNAME);
	rr_addr(k, "2a03:2880:f12c:183:face:b00c:0:25de", 61);
}

/* www.instagram.com CNAME z-p42-instagram.c10r.instagram.com, as served. */
static void
b_cname_chain(struct pkt *k)
{
	size_t z;

	put_hdr(k, RESPONSE, 1, 3, 0, 0);
	put_question(k, "www.instagram.com", T_A);
	put_ptr(k, QNAME);
	z = rr_cname(k, "z-p42-instagram.c10r", QNAME + 4, 3600);
	put_ptr(k, z);
	rr_addr(k, "157.240.1.174", 30);
	put_ptr(k, z);
	rr_addr(k, "2a03:2880:f22d:c3:face:b00c:0:43fe", 31);
}

/* The same two-hop chain with every record in reverse order. */
static void
b_chain_out_of_order(struct pkt *k)
{
	size_t z, geo;

	put_hdr(k, RESPONSE, 1, 3, 0, 0);
	put_question(k, "www.instagram.com", T_A);
	z = put_cname(k, "z-p42-instagram.c10r", QNAME + 4);
	rr_addr(k, "157.240.1.174", 30);
	geo = put_cname(k, "geo-p42", QNAME + 4);
	rr_cname(k, "", z, 300);
	put_ptr(k, QNAME);
	rr_cname(k, "", geo, 3600);
}

/* An address for a name the question never led to. */
static void
b_unrelated_owner(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 3, 0, 0);
	put_question(k, "www.instagram.com", T_A);
	put_name(k, "evil.example");
	rr_addr(k, "10.10.0.1", 86400);
	put_ptr(k, QNAME);
	rr_addr(k, "157.240.1.174", 30);
	put_cname(k, "x", QNAME);
	rr_addr(k, "10.10.0.53", 86400);
}

static void
b_ttl(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 3, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_ptr(k, QNAME);
	rr_addr(k, "192.0.2.1", 0);
	put_ptr(k, QNAME);
	rr_addr(k, "192.0.2.2", 0x7fffffff);
	put_ptr(k, QNAME);
	rr_addr(k, "192.0.2.3", 0x80000000);	/* RFC 2181 8: zero */
}

static void
b_query(struct pkt *k)
{
	put_hdr(k, QUERY, 1, 0, 0, 0);
	put_question(k, "www.instagram.com", T_AAAA);
}

/* RFC 4343: owners match whatever their case; text is lower case. */
static void
b_case_folding(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 2, 0, 0);
	put_question(k, "WwW.InStaGram.COM", T_A);
	put_ptr(k, QNAME);
	rr_cname(k, "Z-P42-INSTAGRAM.C10R.instagram.com", 0, 60);
	put_name(k, "z-p42-Instagram.c10r.INSTAGRAM.com");
	rr_addr(k, "157.240.1.174", 30);
}

/* Bytes a log, a JSON line or a terminal must never see raw. */
static void
b_hostile_bytes(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 1, 0, 0);
	put_label(k, "<script>", 8);
	put_label(k, "a\"b", 3);
	put_label(k, "new\nline", 8);
	put_label(k, "\x1b[31m", 5);
	put_label(k, "dot.in", 6);
	put_label(k, "back\\slash", 10);
	put_label(k, "sp ce\x7f\xff", 7);
	put_label(k, "example", 7);
	put8(k, 0);
	put16(k, T_A);
	put16(k, C_IN);
	put_ptr(k, QNAME);
	rr_addr(k, "192.0.2.7", 5);
}

static void
b_cname_loop(struct pkt *k)
{
	size_t a;

	put_hdr(k, RESPONSE, 1, 2, 0, 0);
	put_question(k, "loop.example", T_A);
	put_ptr(k, QNAME);
	a = rr_cname(k, "a", QNAME, 60);
	put_ptr(k, a);
	rr_cname(k, "", QNAME, 60);
}

static void
b_many_addrs(struct pkt *k)
{
	char a[32];
	int i;

	put_hdr(k, RESPONSE, 1, 40, 0, 0);
	put_question(k, "many.example", T_A);
	for (i = 0; i < 40; i++) {
		snprintf(a, sizeof(a), "192.0.2.%d", i + 1);
		put_ptr(k, QNAME);
		rr_addr(k, a, 60);
	}
}

/* c0 -> c1 -> ... -> c10: only the first DNS_MAX_CHAIN hops are kept. */
static void
b_chain_cap(struct pkt *k)
{
	char name[32];
	size_t prev = QNAME, n8 = 0;
	int i;

	put_hdr(k, RESPONSE, 1, 12, 0, 0);
	put_question(k, "c0.example", T_A);
	for (i = 1; i <= 10; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		put_ptr(k, prev);
		prev = rr_cname(k, name, QNAME + 3, 60);
		if (i == 8)
			n8 = prev;
	}
	put_ptr(k, prev);
	rr_addr(k, "192.0.2.10", 60);
	put_ptr(k, n8);
	rr_addr(k, "192.0.2.8", 60);
}

static void
b_nxdomain(struct pkt *k)
{
	put_hdr(k, RESPONSE | 3, 1, 0, 0, 0);
	put_question(k, "nope.example", T_A);
}

static void
b_root_qname(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 0, 0, 0);
	put_question(k, "", T_NS);
}

/* Other types and classes are skipped, yet their owners are checked. */
static void
b_other_rrs(struct pkt *k)
{
	size_t at;

	put_hdr(k, RESPONSE, 1, 3, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_ptr(k, QNAME);
	at = rr_begin(k, T_TXT, C_IN, 60);
	put_label(k, "v=spf1 -all", 11);
	rr_end(k, at);
	put_ptr(k, QNAME);
	at = rr_begin(k, T_A, C_CH, 60);	/* CHAOS A: not an address */
	put_name(k, "ch.example");
	put16(k, 0x1234);
	rr_end(k, at);
	put_ptr(k, QNAME);
	rr_addr(k, "192.0.2.1", 60);
}

static void
b_qdcount0(struct pkt *k)
{
	put_hdr(k, RESPONSE, 0, 0, 0, 0);
}

static void
b_qdcount2(struct pkt *k)
{
	put_hdr(k, RESPONSE, 2, 0, 0, 0);
	put_question(k, "a.example", T_A);
	put_question(k, "b.example", T_A);
}

static void
b_opcode_notify(struct pkt *k)
{
	put_hdr(k, 0x2000, 1, 0, 0, 0);		/* RFC 1996: NOTIFY */
	put_question(k, "example.com", 6);
}

static void
b_header_only(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 0, 0, 0);
	k->len = 11;
}

/* RFC 1035 3.4.1: RDATA of A is 4 bytes, of AAAA 16 (RFC 3596 2.2). */
static void
b_a_rdlen(struct pkt *k, size_t n)
{
	static const uint8_t z[17];
	size_t at;

	put_hdr(k, RESPONSE, 1, 1, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_ptr(k, QNAME);
	at = rr_begin(k, n == 5 ? T_A : T_AAAA, C_IN, 60);
	putmem(k, z, n);
	rr_end(k, at);
}

static void
b_a_rdlen5(struct pkt *k)
{
	b_a_rdlen(k, 5);
}

static void
b_aaaa_rdlen4(struct pkt *k)
{
	b_a_rdlen(k, 4);
}

/* CNAME RDATA must be exactly one name (RFC 1035 3.3.1). */
static void
b_cname_rdata_trailing(struct pkt *k)
{
	size_t at;

	put_hdr(k, RESPONSE, 1, 1, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_ptr(k, QNAME);
	at = rr_begin(k, T_CNAME, C_IN, 60);
	put_name(k, "x.example");
	put8(k, 0);
	rr_end(k, at);
}

/* Compression pointers (RFC 1035 4.1.4, RFC 9267 2). */

/* An owner that points at itself. */
static void
b_ptr_self_loop(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 1, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_ptr(k, k->len);
	rr_addr(k, "192.0.2.1", 60);
}

/* The nearest legal thing: a pointer to the pointer just before. */
static void
b_ptr_self_loop_nearmiss(struct pkt *k)
{
	size_t prev;

	put_hdr(k, RESPONSE, 1, 2, 0, 0);
	put_question(k, "www.example.com", T_A);
	prev = k->len;
	put_ptr(k, QNAME);
	rr_addr(k, "192.0.2.1", 60);
	put_ptr(k, prev);
	rr_addr(k, "192.0.2.2", 60);
}

/* A label, then a pointer back to that label: "a.a.a.a..." forever. */
static void
b_ptr_label_loop(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 1, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_cname(k, "a", k->len);
	rr_addr(k, "192.0.2.1", 60);
}

static void
b_ptr_label_loop_nearmiss(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 1, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_cname(k, "a", QNAME);
	rr_addr(k, "192.0.2.1", 60);
}

/* CNAME target A: pointer to B; owner B of the next RR: pointer to A. */
static void
b_ptr_cycle(struct pkt *k)
{
	size_t at, a, b;

	put_hdr(k, RESPONSE, 1, 2, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_ptr(k, QNAME);
	at = rr_begin(k, T_CNAME, C_IN, 60);
	a = k->len;
	b = a + 2;			/* the next owner */
	put_ptr(k, b);
	rr_end(k, at);
	BUILD_ASSERT(k->len == b);
	put_ptr(k, a);
	rr_addr(k, "192.0.2.1", 60);
}

/* The same shape, legal: A holds a label and points back to the qname. */
static void
b_ptr_cycle_nearmiss(struct pkt *k)
{
	size_t a;

	put_hdr(k, RESPONSE, 1, 2, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_ptr(k, QNAME);
	a = rr_cname(k, "x", QNAME, 60);
	put_cname(k, "y", a);
	rr_addr(k, "192.0.2.1", 60);
}

/* The first owner points at the second owner, later in the message. */
static void
b_ptr_forward(struct pkt *k)
{
	size_t next;

	put_hdr(k, RESPONSE, 1, 2, 0, 0);
	put_question(k, "www.example.com", T_A);
	next = k->len + 2 + 10 + 4;
	put_ptr(k, next);
	rr_addr(k, "192.0.2.1", 60);
	BUILD_ASSERT(k->len == next);
	put_ptr(k, QNAME);
	rr_addr(k, "192.0.2.2", 60);
}

/* The same records, the first owner pointing back at the question. */
static void
b_ptr_forward_nearmiss(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 2, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_ptr(k, QNAME);
	rr_addr(k, "192.0.2.1", 60);
	put_ptr(k, QNAME);
	rr_addr(k, "192.0.2.2", 60);
}

static void
b_ptr_into_header(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 1, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_ptr(k, 5);
	rr_addr(k, "192.0.2.1", 60);
}

static void
b_ptr_into_header_nearmiss(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 1, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_ptr(k, QNAME);	/* the first byte after the header */
	rr_addr(k, "192.0.2.1", 60);
}

/* The largest 14-bit offset, far beyond a small message. */
static void
b_ptr_offset_3fff(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 1, 0, 0);
	put_question(k, "max.example.com", T_A);
	put_ptr(k, 0x3fff);
	rr_addr(k, "192.0.2.1", 60);
}

/* The same pointer in a message long enough: a name sits at 0x3fff. */
static void
b_ptr_offset_3fff_nearmiss(struct pkt *k)
{
	size_t at;

	put_hdr(k, RESPONSE, 1, 2, 0, 0);
	put_question(k, "max.example.com", T_A);
	put_ptr(k, QNAME);
	at = rr_begin(k, T_PRIVATE, C_IN, 60);
	while (k->len < 0x3fff)
		put8(k, 0);
	put_cname(k, "max", QNAME + 4);
	rr_end(k, at);
	put_ptr(k, 0x3fff);
	rr_addr(k, "192.0.2.1", 60);
}

/*
 * A run of n pointers, each to the one before, the first to the qname;
 * an owner pointing at the last makes n + 1 hops.
 */
static void
b_hops(struct pkt *k, int n)
{
	size_t at, prev = QNAME, here;
	int i;

	put_hdr(k, RESPONSE, 1, 2, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_ptr(k, QNAME);
	at = rr_begin(k, T_PRIVATE, C_IN, 60);
	for (i = 0; i < n; i++) {
		here = k->len;
		put_ptr(k, prev);
		prev = here;
	}
	rr_end(k, at);
	put_ptr(k, prev);
	rr_addr(k, "192.0.2.1", 60);
}

static void
b_ptr_hops(struct pkt *k)
{
	b_hops(k, 128);
}

static void
b_ptr_hops_nearmiss(struct pkt *k)
{
	b_hops(k, 127);
}

/* Names and labels (RFC 1035 2.3.4, 3.1, RFC 9267 3). */

/* 63 + 63 + 63 + 62 bytes of labels, 4 length bytes, the root: 256. */
static void
b_name_too_long(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 0, 0, 0);
	put_question(k, L63 "." L63 "." L63 "." L62, T_A);
}

/* Exactly 255. */
static void
b_name_too_long_nearmiss(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 0, 0, 0);
	put_question(k, L63 "." L63 "." L63 "." L61, T_A);
}

/* A 255-byte qname and an owner "a" + pointer to it: 257. */
static void
b_name_too_long_compressed(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 1, 0, 0);
	put_question(k, L63 "." L63 "." L63 "." L61, T_A);
	put_cname(k, "a", QNAME);
	rr_addr(k, "192.0.2.1", 60);
}

/* A 253-byte qname and the same owner: 255. */
static void
b_name_too_long_compressed_nearmiss(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 1, 0, 0);
	put_question(k, L63 "." L63 "." L63 "." L59, T_A);
	put_cname(k, "a", QNAME);
	rr_addr(k, "192.0.2.1", 60);
}

static void
b_label_too_long(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 0, 0, 0);
	put_question(k, L63 "x.example", T_A);
}

static void
b_label_too_long_nearmiss(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 0, 0, 0);
	put_question(k, L63 ".example", T_A);
}

/* Label types 0x80 (reserved) and 0x40 (extended, RFC 6891 5). */
static void
b_label_type_reserved(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 0, 0, 0);
	put8(k, 0x80);
	put8(k, 0x01);
	put_question(k, "example", T_A);
}

static void
b_label_type_extended(struct pkt *k)
{
	put_hdr(k, RESPONSE, 1, 0, 0, 0);
	put8(k, 0x41);		/* RFC 2673 bit-string label */
	put8(k, 0x08);
	put8(k, 0xaa);
	put_question(k, "example", T_A);
}

/* Counts and lengths (RFC 9267 5, 6). */

static void
b_rr_count(struct pkt *k)
{
	b_a(k);
	k->b[6] = 0xff;		/* ANCOUNT 65535 */
	k->b[7] = 0xff;
}

static void
b_rr_count_nearmiss(struct pkt *k)
{
	b_a(k);			/* ANCOUNT 1, one record */
}

/* One record more than present, yet within the 11-byte bound. */
static void
b_rr_count_one_more(struct pkt *k)
{
	b_a(k);
	k->b[7] = 2;
}

static void
b_rr_count_additional(struct pkt *k)
{
	b_a(k);
	k->b[10] = 0x10;	/* ARCOUNT 4096 */
}

static void
b_rdlength_ffff(struct pkt *k)
{
	size_t at;

	put_hdr(k, RESPONSE, 1, 1, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_ptr(k, QNAME);
	at = rr_begin(k, T_PRIVATE, C_IN, 60);
	put32(k, 0);
	k->b[at] = 0xff;
	k->b[at + 1] = 0xff;
}

/*
 * A 65535-byte message (the most TCP can carry) whose last RDATA, of
 * RDLENGTH 0xffc4, ends on its last byte; extra makes RDLENGTH longer.
 */
static void
b_rdlength_big(struct pkt *k, unsigned int extra)
{
	size_t at;
	unsigned int n;

	put_hdr(k, RESPONSE, 1, 2, 0, 0);
	put_question(k, "www.example.com", T_A);
	put_ptr(k, QNAME);
	rr_addr(k, "192.0.2.1", 60);
	put_ptr(k, QNAME);
	at = rr_begin(k, T_PRIVATE, C_IN, 60);
	while (k->len < 65535)
		put8(k, 0);
	rr_end(k, at);
	n = ((unsigned int)k->b[at] << 8 | k->b[at + 1]) + extra;
	BUILD_ASSERT(n > 0xff00);
	k->b[at] = (uint8_t)(n >> 8);
	k->b[at + 1] = (uint8_t)n;
}

static void
b_rdlength_beyond(struct pkt *k)
{
	b_rdlength_big(k, 1);
}

static void
b_rdlength_beyond_nearmiss(struct pkt *k)
{
	b_rdlength_big(k, 0);
}

/* TCP DNS (RFC 1035 4.2.2, RFC 7766 8). */

static void
tcp_wrap(struct pkt *k, void (*build)(struct pkt *), int delta)
{
	static struct pkt m;

	build(&m);
	put16(k, (unsigned int)((int)m.len + delta));
	putmem(k, m.b, m.len);
}

static void
b_tcp_len_plus_one(struct pkt *k)
{
	k->len = 0;
	tcp_wrap(k, b_cname_chain, 1);
}

static void
b_tcp_len_plus_one_nearmiss(struct pkt *k)
{
	k->len = 0;
	tcp_wrap(k, b_cname_chain, 0);
}

static void
b_tcp_two_messages(struct pkt *k)
{
	k->len = 0;
	tcp_wrap(k, b_query, 0);
	tcp_wrap(k, b_cname_chain, 0);
}

static void
b_tcp_zero_length(struct pkt *k)
{
	k->len = 0;
	put16(k, 0);
	tcp_wrap(k, b_a, 0);
}

/* The table. */

enum kind { UDP, TCP };

struct tcase {
	const char	*name;		/* also the seed file name */
	void		(*build)(struct pkt *);
	enum kind	 kind;
	enum dns_result	 rc;
	const char	*qname;		/* NULL: not checked */
	const char	*chain[DNS_MAX_CHAIN + 1];
	const char	*addrs[DNS_MAX_ADDRS + 1];	/* "addr/ttl" */
	size_t		 naddrs;	/* when more than listed */
	/* TCP: messages walked, then the walk's final result. */
	int		 nmsgs;
	enum dns_result	 tcp_end;
};

static const struct tcase cases[] = {
	{ "a", b_a, UDP, DNS_OK, "www.example.com", { NULL },
	    { "93.184.216.34/300" }, 0, 0, 0 },
	{ "aaaa", b_aaaa, UDP, DNS_OK, "star-mini.c10r.facebook.com", { NULL },
	    { "2a03:2880:f12c:83:face:b00c:0:25de/60",
	    "2a03:2880:f12c:183:face:b00c:0:25de/61" }, 0, 0, 0 },
	{ "cname-chain", b_cname_chain, UDP, DNS_OK, "www.instagram.com",
	    { "z-p42-instagram.c10r.instagram.com" },
	    { "157.240.1.174/30", "2a03:2880:f22d:c3:face:b00c:0:43fe/31" },
	    0, 0, 0 },
	{ "cname-chain-out-of-order", b_chain_out_of_order, UDP, DNS_OK,
	    "www.instagram.com",
	    { "geo-p42.instagram.com", "z-p42-instagram.c10r.instagram.com" },
	    { "157.240.1.174/30" }, 0, 0, 0 },
	{ "unrelated-owner", b_unrelated_owner, UDP, DNS_OK,
	    "www.instagram.com", { NULL }, { "157.240.1.174/30" }, 0, 0, 0 },
	{ "ttl", b_ttl, UDP, DNS_OK, "www.example.com", { NULL },
	    { "192.0.2.1/0", "192.0.2.2/2147483647", "192.0.2.3/0" },
	    0, 0, 0 },
	{ "query", b_query, UDP, DNS_OK, "www.instagram.com", { NULL },
	    { NULL }, 0, 0, 0 },
	{ "case-folding", b_case_folding, UDP, DNS_OK, "www.instagram.com",
	    { "z-p42-instagram.c10r.instagram.com" }, { "157.240.1.174/30" },
	    0, 0, 0 },
	{ "name-hostile-bytes", b_hostile_bytes, UDP, DNS_OK,
	    "\\060script\\062.a\\034b.new\\010line.\\027\\09131m."
	    "dot\\046in.back\\092slash.sp\\032ce\\127\\255.example",
	    { NULL }, { "192.0.2.7/5" }, 0, 0, 0 },
	{ "cname-loop", b_cname_loop, UDP, DNS_OK, "loop.example",
	    { "a.loop.example" }, { NULL }, 0, 0, 0 },
	{ "many-addrs", b_many_addrs, UDP, DNS_OK, "many.example", { NULL },
	    { "192.0.2.1/60", "192.0.2.2/60" }, DNS_MAX_ADDRS, 0, 0 },
	{ "cname-chain-cap", b_chain_cap, UDP, DNS_OK, "c0.example",
	    { "c1.example", "c2.example", "c3.example", "c4.example",
	    "c5.example", "c6.example", "c7.example", "c8.example" },
	    { "192.0.2.8/60" }, 0, 0, 0 },
	{ "nxdomain", b_nxdomain, UDP, DNS_OK, "nope.example", { NULL },
	    { NULL }, 0, 0, 0 },
	{ "root-qname", b_root_qname, UDP, DNS_OK, "", { NULL }, { NULL },
	    0, 0, 0 },
	{ "other-rrs", b_other_rrs, UDP, DNS_OK, "www.example.com", { NULL },
	    { "192.0.2.1/60" }, 0, 0, 0 },
	{ "qdcount-0", b_qdcount0, UDP, DNS_UNSUPPORTED, NULL, { NULL },
	    { NULL }, 0, 0, 0 },
	{ "qdcount-2", b_qdcount2, UDP, DNS_UNSUPPORTED, NULL, { NULL },
	    { NULL }, 0, 0, 0 },
	{ "opcode-notify", b_opcode_notify, UDP, DNS_UNSUPPORTED, NULL,
	    { NULL }, { NULL }, 0, 0, 0 },
	{ "header-short", b_header_only, UDP, DNS_TRUNCATED, NULL, { NULL },
	    { NULL }, 0, 0, 0 },
	{ "a-rdlen-5", b_a_rdlen5, UDP, DNS_MALFORMED, NULL, { NULL },
	    { NULL }, 0, 0, 0 },
	{ "aaaa-rdlen-4", b_aaaa_rdlen4, UDP, DNS_MALFORMED, NULL, { NULL },
	    { NULL }, 0, 0, 0 },
	{ "cname-rdata-trailing", b_cname_rdata_trailing, UDP, DNS_MALFORMED,
	    NULL, { NULL }, { NULL }, 0, 0, 0 },

	{ "ptr-self-loop", b_ptr_self_loop, UDP, DNS_MALFORMED, NULL,
	    { NULL }, { NULL }, 0, 0, 0 },
	{ "ptr-self-loop-nearmiss", b_ptr_self_loop_nearmiss, UDP, DNS_OK,
	    "www.example.com", { NULL }, { "192.0.2.1/60", "192.0.2.2/60" },
	    0, 0, 0 },
	{ "ptr-label-loop", b_ptr_label_loop, UDP, DNS_MALFORMED, NULL,
	    { NULL }, { NULL }, 0, 0, 0 },
	{ "ptr-label-loop-nearmiss", b_ptr_label_loop_nearmiss, UDP, DNS_OK,
	    "www.example.com", { NULL }, { NULL }, 0, 0, 0 },
	{ "ptr-cycle", b_ptr_cycle, UDP, DNS_MALFORMED, NULL, { NULL },
	    { NULL }, 0, 0, 0 },
	{ "ptr-cycle-nearmiss", b_ptr_cycle_nearmiss, UDP, DNS_OK,
	    "www.example.com", { "x.www.example.com" }, { NULL }, 0, 0, 0 },
	{ "ptr-forward", b_ptr_forward, UDP, DNS_MALFORMED, NULL, { NULL },
	    { NULL }, 0, 0, 0 },
	{ "ptr-forward-nearmiss", b_ptr_forward_nearmiss, UDP, DNS_OK,
	    "www.example.com", { NULL }, { "192.0.2.1/60", "192.0.2.2/60" },
	    0, 0, 0 },
	{ "ptr-into-header", b_ptr_into_header, UDP, DNS_MALFORMED, NULL,
	    { NULL }, { NULL }, 0, 0, 0 },
	{ "ptr-into-header-nearmiss", b_ptr_into_header_nearmiss, UDP, DNS_OK,
	    "www.example.com", { NULL }, { "192.0.2.1/60" }, 0, 0, 0 },
	{ "ptr-offset-3fff", b_ptr_offset_3fff, UDP, DNS_MALFORMED, NULL,
	    { NULL }, { NULL }, 0, 0, 0 },
	{ "ptr-offset-3fff-nearmiss", b_ptr_offset_3fff_nearmiss, UDP, DNS_OK,
	    "max.example.com", { NULL }, { "192.0.2.1/60" }, 0, 0, 0 },
	{ "ptr-hops", b_ptr_hops, UDP, DNS_MALFORMED, NULL, { NULL },
	    { NULL }, 0, 0, 0 },
	{ "ptr-hops-nearmiss", b_ptr_hops_nearmiss, UDP, DNS_OK,
	    "www.example.com", { NULL }, { "192.0.2.1/60" }, 0, 0, 0 },

	{ "name-too-long", b_name_too_long, UDP, DNS_MALFORMED, NULL,
	    { NULL }, { NULL }, 0, 0, 0 },
	{ "name-too-long-nearmiss", b_name_too_long_nearmiss, UDP, DNS_OK,
	    L63 "." L63 "." L63 "." L61, { NULL }, { NULL }, 0, 0, 0 },
	{ "name-too-long-compressed", b_name_too_long_compressed, UDP,
	    DNS_MALFORMED, NULL, { NULL }, { NULL }, 0, 0, 0 },
	{ "name-too-long-compressed-nearmiss",
	    b_name_too_long_compressed_nearmiss, UDP, DNS_OK,
	    L63 "." L63 "." L63 "." L59, { NULL }, { NULL }, 0, 0, 0 },
	{ "label-too-long", b_label_too_long, UDP, DNS_MALFORMED, NULL,
	    { NULL }, { NULL }, 0, 0, 0 },
	{ "label-too-long-nearmiss", b_label_too_long_nearmiss, UDP, DNS_OK,
	    L63 ".example", { NULL }, { NULL }, 0, 0, 0 },
	{ "label-type-reserved", b_label_type_reserved, UDP, DNS_MALFORMED,
	    NULL, { NULL }, { NULL }, 0, 0, 0 },
	{ "label-type-extended", b_label_type_extended, UDP, DNS_MALFORMED,
	    NULL, { NULL }, { NULL }, 0, 0, 0 },

	{ "rr-count", b_rr_count, UDP, DNS_MALFORMED, NULL, { NULL },
	    { NULL }, 0, 0, 0 },
	{ "rr-count-nearmiss", b_rr_count_nearmiss, UDP, DNS_OK,
	    "www.example.com", { NULL }, { "93.184.216.34/300" }, 0, 0, 0 },
	{ "rr-count-one-more", b_rr_count_one_more, UDP, DNS_TRUNCATED, NULL,
	    { NULL }, { NULL }, 0, 0, 0 },
	{ "rr-count-additional", b_rr_count_additional, UDP, DNS_MALFORMED,
	    NULL, { NULL }, { NULL }, 0, 0, 0 },
	{ "rdlength-ffff", b_rdlength_ffff, UDP, DNS_MALFORMED, NULL,
	    { NULL }, { NULL }, 0, 0, 0 },
	{ "rdlength-beyond", b_rdlength_beyond, UDP, DNS_MALFORMED, NULL,
	    { NULL }, { NULL }, 0, 0, 0 },
	{ "rdlength-beyond-nearmiss", b_rdlength_beyond_nearmiss, UDP, DNS_OK,
	    "www.example.com", { NULL }, { "192.0.2.1/60" }, 0, 0, 0 },

	{ "tcp-len-plus-one", b_tcp_len_plus_one, TCP, DNS_OK, NULL,
	    { NULL }, { NULL }, 0, 0, DNS_TRUNCATED },
	{ "tcp-len-plus-one-nearmiss", b_tcp_len_plus_one_nearmiss, TCP,
	    DNS_OK, "www.instagram.com",
	    { "z-p42-instagram.c10r.instagram.com" },
	    { "157.240.1.174/30", "2a03:2880:f22d:c3:face:b00c:0:43fe/31" },
	    0, 1, DNS_TRUNCATED },
	{ "tcp-two-messages", b_tcp_two_messages, TCP, DNS_OK,
	    "www.instagram.com", { "z-p42-instagram.c10r.instagram.com" },
	    { "157.240.1.174/30", "2a03:2880:f22d:c3:face:b00c:0:43fe/31" },
	    0, 2, DNS_TRUNCATED },
	{ "tcp-zero-length", b_tcp_zero_length, TCP, DNS_OK, NULL, { NULL },
	    { NULL }, 0, 0, DNS_MALFORMED },
};
#define NCASES	(sizeof(cases) / sizeof(cases[0]))

static struct pkt pk;
static struct dns_msg msg;

static void
addr_text(const struct dns_addr *a, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	ck_assert_ptr_nonnull(inet_ntop(a->family, a->bytes, ip, sizeof(ip)));
	snprintf(buf, size, "%s/%u", ip, (unsigned int)a->ttl);
}

/* Text is made of these only: no quote, angle bracket, space or control. */
#define TEXT_CHARS	"abcdefghijklmnopqrstuvwxyz0123456789-_.\\"

static void
check_text(const struct dns_name *n)
{
	size_t i;

	ck_assert_uint_eq(strlen(n->text), n->len);
	ck_assert_uint_lt(n->len, DNS_TEXT_MAX);
	for (i = 0; i < n->len; i++)
		ck_assert_msg(strchr(TEXT_CHARS, n->text[i]) != NULL,
		    "byte %u in %s", (unsigned char)n->text[i], n->text);
}

/* Compare a parsed message with the expectations of t. */
static void
check_msg(const struct tcase *t, const struct dns_msg *m)
{
	char buf[64];
	size_t i, n;

	check_text(&m->qname);
	if (t->qname != NULL)
		ck_assert_str_eq(m->qname.text, t->qname);
	for (n = 0; t->chain[n] != NULL; n++)
		;
	ck_assert_uint_eq(m->nchain, n);
	for (i = 0; i < n; i++) {
		check_text(&m->chain[i]);
		ck_assert_str_eq(m->chain[i].text, t->chain[i]);
	}
	for (n = 0; t->addrs[n] != NULL; n++)
		;
	ck_assert_uint_eq(m->naddrs, t->naddrs ? t->naddrs : n);
	for (i = 0; i < n; i++) {
		addr_text(&m->addrs[i], buf, sizeof(buf));
		ck_assert_str_eq(buf, t->addrs[i]);
	}
}

/* A copy of exactly len bytes, so the sanitizer sees any overread. */
static enum dns_result
parse_exact(const uint8_t *buf, size_t len, struct dns_msg *m)
{
	enum dns_result rc;
	uint8_t *copy;

	copy = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, buf, len);
	rc = dns_parse(copy, len, m);
	free(copy);
	return rc;
}

START_TEST(test_table)
{
	const struct tcase *t = &cases[_i];
	const uint8_t *m;
	size_t off = 0, mlen;
	enum dns_result rc;
	int n = 0;

	t->build(&pk);
	if (t->kind == UDP) {
		rc = parse_exact(pk.b, pk.len, &msg);
		ck_assert_msg(rc == t->rc, "%s: %s, want %s", t->name,
		    dns_result_str(rc), dns_result_str(t->rc));
		if (rc == DNS_OK)
			check_msg(t, &msg);
		return;
	}
	while ((rc = dns_tcp_next(pk.b, pk.len, &off, &m, &mlen)) == DNS_OK) {
		ck_assert_uint_le((size_t)(m - pk.b) + mlen, pk.len);
		ck_assert_int_eq(parse_exact(m, mlen, &msg), DNS_OK);
		n++;
	}
	ck_assert_msg(rc == t->tcp_end, "%s: %s", t->name, dns_result_str(rc));
	ck_assert_int_eq(n, t->nmsgs);
	if (rc == DNS_TRUNCATED)	/* at the end, or kept for reassembly */
		ck_assert_uint_eq(off, n > 0 ? pk.len : 0);
	if (n > 0)
		check_msg(t, &msg);	/* the last message */
}
END_TEST

/* Every proper prefix of every good message is an error, never a crash. */
START_TEST(test_prefixes)
{
	const struct tcase *t = &cases[_i];
	size_t n;

	if (t->kind != UDP || t->rc != DNS_OK)
		return;
	t->build(&pk);
	for (n = 0; n < pk.len; n++) {
		/* Big messages: both ends, enough to meet every field. */
		if (n == 2048 && pk.len > 4096)
			n = pk.len - 2048;
		ck_assert_msg(parse_exact(pk.b, n, &msg) != DNS_OK,
		    "%s: prefix of %zu bytes parsed", t->name, n);
	}
}
END_TEST

START_TEST(test_tcp_partial)
{
	const uint8_t *m = NULL;
	size_t off, mlen;

	b_tcp_two_messages(&pk);
	/* A prefix ending inside the second length field or message. */
	off = 0;
	ck_assert_int_eq(dns_tcp_next(pk.b, 1, &off, &m, &mlen),
	    DNS_TRUNCATED);
	ck_assert_uint_eq(off, 0);
	ck_assert_int_eq(dns_tcp_next(pk.b, pk.len - 1, &off, &m, &mlen),
	    DNS_OK);
	ck_assert_int_eq(dns_tcp_next(pk.b, off + 1, &off, &m, &mlen),
	    DNS_TRUNCATED);
	ck_assert_int_eq(dns_tcp_next(pk.b, pk.len - 1, &off, &m, &mlen),
	    DNS_TRUNCATED);
	ck_assert_uint_lt(off, pk.len - 1);	/* left for reassembly */
	ck_assert_int_eq(dns_tcp_next(pk.b, pk.len, &off, &m, &mlen), DNS_OK);
	ck_assert_uint_eq(off, pk.len);
	ck_assert_int_eq(dns_tcp_next(pk.b, pk.len, &off, &m, &mlen),
	    DNS_TRUNCATED);
	ck_assert_int_eq(dns_tcp_next(pk.b, 0, &off, &m, &mlen),
	    DNS_TRUNCATED);
}
END_TEST

START_TEST(test_header_fields)
{
	b_cname_chain(&pk);
	pk.b[2] |= 0x02;	/* TC */
	ck_assert_int_eq(parse_exact(pk.b, pk.len, &msg), DNS_OK);
	ck_assert_uint_eq(msg.id, 0x1234);
	ck_assert(msg.response);
	ck_assert(msg.tc);
	ck_assert_uint_eq(msg.opcode, 0);
	ck_assert_uint_eq(msg.rcode, 0);
	ck_assert_uint_eq(msg.qtype, T_A);
	ck_assert_uint_eq(msg.qclass, C_IN);
	ck_assert_uint_eq(msg.ancount, 3);
	ck_assert_uint_eq(msg.addrs[0].family, AF_INET);
	ck_assert_uint_eq(msg.addrs[1].family, AF_INET6);

	b_nxdomain(&pk);
	ck_assert_int_eq(parse_exact(pk.b, pk.len, &msg), DNS_OK);
	ck_assert_uint_eq(msg.rcode, 3);
	ck_assert(!msg.tc);

	b_query(&pk);
	ck_assert_int_eq(parse_exact(pk.b, pk.len, &msg), DNS_OK);
	ck_assert(!msg.response);
	ck_assert_uint_eq(msg.qtype, T_AAAA);
}
END_TEST

START_TEST(test_result_str)
{
	ck_assert_str_eq(dns_result_str(DNS_OK), "ok");
	ck_assert_str_eq(dns_result_str(DNS_TRUNCATED), "truncated");
	ck_assert_str_eq(dns_result_str(DNS_MALFORMED), "malformed");
	ck_assert_str_eq(dns_result_str(DNS_UNSUPPORTED), "unsupported");
	ck_assert_str_eq(dns_result_str((enum dns_result)99), "unknown");
}
END_TEST

/* Real responses cut from the nDPI captures (see tests/data/dns/README). */

struct rcase {
	const char	*file;
	enum kind	 kind;
	enum dns_result	 rc;
	const char	*qname;
	unsigned int	 qtype;
	const char	*chain[4];
	size_t		 naddrs;
	const char	*first;		/* first address, "addr/ttl" */
};

static const struct rcase reals[] = {
	{ "real-instagram-cdn.bin", UDP, DNS_OK,
	    "igcdn-photos-h-a.akamaihd.net", T_A,
	    { "igcdn-photos-h-a.akamaihd.net.edgesuite.net",
	    "a1408.dspw43.akamai.net" }, 8, "46.33.70.174/19" },
	{ "real-instagram-query.bin", UDP, DNS_OK,
	    "igcdn-photos-h-a.akamaihd.net", T_A, { NULL }, 0, NULL },
	{ "real-whatsapp-a.bin", UDP, DNS_OK, "e7.whatsapp.net", T_A,
	    { NULL }, 8, "169.45.219.235/491" },
	{ "real-teams-cname3.bin", UDP, DNS_OK, "api.teams.skype.com", T_A,
	    { "teams-afd.trafficmanager.net",
	    "teams-afd-trafficmanager-net.s-0004.s-msedge.net",
	    "s-0004.s-msedge.net" }, 1, "52.113.194.131/141" },
	{ "real-weibo-cname3.bin", UDP, DNS_OK, "img.t.sinajs.cn", T_A,
	    { "wcdn.sinajs.cn", "sinajs.csglb.txcdn.cn", "n4cswhk3.gccdn.net" },
	    2, "93.188.134.246/4" },
	{ "real-netflix-aaaa.bin", UDP, DNS_OK, "ios.nccp.netflix.com",
	    T_AAAA, { "ios.nccp.geo.netflix.com",
	    "ios.nccp.us-west-2.prodaa.netflix.com" }, 8,
	    "2620:108:700f::3429:fe2a/11" },
	{ "real-invalid-chars.bin", UDP, DNS_OK,
	    "www.allyourbasesare\\001\\002\\003ongto.cn", T_A, { NULL }, 1,
	    "19.185.141.241/60" },
	{ "real-two-questions.bin", UDP, DNS_UNSUPPORTED, NULL, 0, { NULL },
	    0, NULL },
	{ "real-tcp-dnskey.bin", TCP, DNS_OK, "weberlab.de", 48, { NULL }, 0,
	    NULL },
};
#define NREALS	(sizeof(reals) / sizeof(reals[0]))

static const char *
data_dir(void)
{
	const char *d = getenv("SG_DNS_DATA");

	return d != NULL ? d : "tests/data/dns";
}

static size_t
read_file(const char *name, uint8_t *buf, size_t size)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", data_dir(), name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, size, f);
	ck_assert(!ferror(f));
	fclose(f);
	return n;
}

START_TEST(test_real)
{
	const struct rcase *r = &reals[_i];
	const uint8_t *m = pk.b;
	size_t len, off = 0, i, n;
	char buf[64];

	len = pk.len = read_file(r->file, pk.b, sizeof(pk.b));
	if (r->kind == TCP) {
		ck_assert_int_eq(dns_tcp_next(pk.b, pk.len, &off, &m, &len),
		    DNS_OK);
		ck_assert_uint_eq(off, pk.len);
	}
	ck_assert_int_eq(parse_exact(m, len, &msg), r->rc);
	/* Every prefix parses to something, within bounds. */
	for (n = 0; n < len; n++)
		(void)parse_exact(m, n, &msg);
	if (r->rc != DNS_OK)
		return;
	ck_assert_int_eq(parse_exact(m, len, &msg), DNS_OK);
	check_text(&msg.qname);
	ck_assert_str_eq(msg.qname.text, r->qname);
	ck_assert_uint_eq(msg.qtype, r->qtype);
	for (n = 0; r->chain[n] != NULL; n++)
		;
	ck_assert_uint_eq(msg.nchain, n);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(msg.chain[i].text, r->chain[i]);
	ck_assert_uint_eq(msg.naddrs, r->naddrs);
	if (r->first != NULL) {
		addr_text(&msg.addrs[0], buf, sizeof(buf));
		ck_assert_str_eq(buf, r->first);
	}
}
END_TEST

/*
 * The committed seeds are the packets built here: a change to a builder
 * must come with `check_dns --write-seeds tests/data/dns`.
 */
START_TEST(test_seeds_current)
{
	static uint8_t file[PKT_MAX];
	const struct tcase *t = &cases[_i];
	char name[128];
	size_t n;

	t->build(&pk);
	snprintf(name, sizeof(name), "%s.bin", t->name);
	n = read_file(name, file, sizeof(file));
	ck_assert_msg(n == pk.len && memcmp(file, pk.b, n) == 0,
	    "%s/%s differs from its builder", data_dir(), name);
}
END_TEST

/* --write-seeds DIR: every built packet as DIR/<name>.bin. */
static int
write_seeds(const char *dir)
{
	char path[512];
	size_t i;
	FILE *f;

	for (i = 0; i < NCASES; i++) {
		cases[i].build(&pk);
		snprintf(path, sizeof(path), "%s/%s.bin", dir, cases[i].name);
		if ((f = fopen(path, "wb")) == NULL ||
		    fwrite(pk.b, 1, pk.len, f) != pk.len || fclose(f) != 0) {
			fprintf(stderr, "check_dns: %s: %s\n", path,
			    strerror(errno));
			return EXIT_FAILURE;
		}
	}
	return EXIT_SUCCESS;
}

int
main(int argc, char **argv)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: check_dns [--write-seeds dir]\n");
		return EXIT_FAILURE;
	}
	tcase_add_loop_test(tc, test_table, 0, NCASES);
	tcase_add_loop_test(tc, test_prefixes, 0, NCASES);
	tcase_add_test(tc, test_tcp_partial);
	tcase_add_test(tc, test_header_fields);
	tcase_add_test(tc, test_result_str);
	tcase_add_loop_test(tc, test_real, 0, NREALS);
	tcase_add_loop_test(tc, test_seeds_current, 0, NCASES);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
