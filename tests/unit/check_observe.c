/*
 * Unit tests for observe.c, the dissection stage, driven with built
 * Ethernet frames: TCP reassembly of a ClientHello in any segment order,
 * DNS answers matched to queries, unanswered queries reported, forged
 * answers, DoT/DoQ told by port, IPv6 link-local clients, and a flow
 * table that stays bounded.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <check.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "dns.h"
#include "flow.h"
#include "observe.h"

#define MAXOBS 64

struct seen {
	size_t		n;
	char		name[MAXOBS][DNS_TEXT_MAX];
	enum obs_proto	proto[MAXOBS];
	char		platform[MAXOBS][32];
	char		category[MAXOBS][32];
	enum circ_reason reason[MAXOBS];
	bool		solicited[MAXOBS], unanswered[MAXOBS];
	size_t		naddrs[MAXOBS];
	uint64_t	ts[MAXOBS];
	uint16_t	cport[MAXOBS];
};

static struct catalog *cat;
static struct observer *o;
static struct seen seen;
static uint8_t hello[4096];
static size_t hello_len;

static void
record(const struct observation *ob, void *arg)
{
	struct seen *s = arg;
	size_t i = s->n;

	ck_assert_uint_lt(i, MAXOBS);
	ck_assert_uint_lt(ob->name_len, DNS_TEXT_MAX);
	memcpy(s->name[i], ob->name, ob->name_len);
	s->name[i][ob->name_len] = '\0';
	s->proto[i] = ob->proto;
	snprintf(s->platform[i], 32, "%s", ob->platform ? ob->platform->id : "");
	snprintf(s->category[i], 32, "%s", ob->category);
	s->reason[i] = ob->reason;
	s->solicited[i] = ob->solicited;
	s->unanswered[i] = ob->unanswered;
	s->naddrs[i] = ob->dns ? ob->dns->naddrs : 0;
	s->ts[i] = ob->ts_us;
	s->cport[i] = ob->cport;
	s->n++;
}

static void
setup(void)
{
	static const char text[] =
	    "[platform instagram]\nname = Instagram\ncategory = social\n"
	    "domains = instagram.com, cdninstagram.com\n"
	    "[platform google-dns]\nname = Google Public DNS\n"
	    "category = circumvention\nreason = doh\ndomains = dns.google\n";
	char path[] = "/tmp/check_observe.XXXXXX";
	const char *paths[1] = { path };
	char *cause = NULL;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	cat = catalog_load_files(paths, 1, &cause);
	unlink(path);
	ck_assert_msg(cat != NULL, "%s", cause ? cause : "");
	memset(&seen, 0, sizeof(seen));
	o = observer_new(cat, record, &seen);
	ck_assert_ptr_nonnull(o);

	f = fopen("tests/data/tls/chrome-pq-hello.bin", "rb");
	ck_assert_msg(f != NULL, "run from the repository root");
	hello_len = fread(hello, 1, sizeof(hello), f);
	fclose(f);
	ck_assert_uint_gt(hello_len, 1500);
}

static void
teardown(void)
{
	observer_free(o);
	catalog_free(cat);
}

/* ---------------------------------------------------------------- frames */

struct frame {
	uint8_t	b[4096];
	size_t	n;
};

static void
put(struct frame *f, const void *p, size_t n)
{
	ck_assert_uint_le(f->n + n, sizeof(f->b));
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void
put16(struct frame *f, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(f, b, 2);
}

static void
put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

struct ep {
	const char	*addr;
	uint16_t	 port;
};

/* Ethernet + IPv4/IPv6 + UDP/TCP header for len payload bytes. */
static void
headers(struct frame *f, struct ep src, struct ep dst, uint8_t proto,
    uint32_t seq, size_t len)
{
	struct addr s, d;
	size_t l4 = proto == IPPROTO_TCP ? 20 : 8;

	ck_assert_int_eq(addr_parse(src.addr, &s), 0);
	ck_assert_int_eq(addr_parse(dst.addr, &d), 0);
	f->n = 0;
	put(f, "\x02\0\0\0\0\x01\x02\0\0\0\0\x17", 12);
	if (s.family == AF_INET) {
		put16(f, 0x0800);
		put16(f, 0x4500);
		put16(f, (unsigned)(20 + l4 + len));
		put32(f, 0);
		put16(f, 64 << 8 | proto);
		put16(f, 0);
		put(f, s.bytes, 4);
		put(f, d.bytes, 4);
	} else {
		put16(f, 0x86dd);
		put32(f, 0x60000000);
		put16(f, (unsigned)(l4 + len));
		put16(f, (unsigned)proto << 8 | 64);
		put(f, s.bytes, 16);
		put(f, d.bytes, 16);
	}
	put16(f, src.port);
	put16(f, dst.port);
	if (proto == IPPROTO_TCP) {
		put32(f, seq);
		put32(f, 0);
		put16(f, 5 << 12 | 0x18);	/* PSH ACK */
		put16(f, 65535);
		put32(f, 0);
	} else {
		put16(f, (unsigned)(8 + len));
		put16(f, 0);
	}
}

static void
send_frame(struct frame *f, uint64_t ts)
{
	observer_frame(o, DLT_EN10MB, f->b, f->n, ts);
}

static void
tcp_send(struct ep c, struct ep s, uint32_t seq, const uint8_t *p,
    size_t len, uint64_t ts)
{
	struct frame f;

	headers(&f, c, s, IPPROTO_TCP, seq, len);
	put(&f, p, len);
	send_frame(&f, ts);
}

/* A DNS message: one question, and for an answer one A record. */
static size_t
dns_msg(uint8_t *b, uint16_t id, const char *name, bool answer)
{
	size_t n = 0;
	const char *p = name;

	b[n++] = (uint8_t)(id >> 8);
	b[n++] = (uint8_t)id;
	b[n++] = answer ? 0x81 : 0x01;
	b[n++] = answer ? 0x80 : 0x00;
	memcpy(b + n, answer ? "\0\1\0\1\0\0\0\0" : "\0\1\0\0\0\0\0\0", 8);
	n += 8;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		b[n++] = (uint8_t)l;
		memcpy(b + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	b[n++] = 0;
	memcpy(b + n, "\0\1\0\1", 4);
	n += 4;
	if (answer) {
		memcpy(b + n, "\xc0\x0c\0\1\0\1\0\0\x0e\x10\0\4\x9d\xf0\1\x23", 16);
		n += 16;
	}
	return n;
}

static void
udp_send(struct ep src, struct ep dst, const uint8_t *p, size_t len,
    uint64_t ts)
{
	struct frame f;

	headers(&f, src, dst, IPPROTO_UDP, 0, len);
	put(&f, p, len);
	send_frame(&f, ts);
}

static const struct ep C4 = { "10.10.0.23", 51522 };
static const struct ep S4 = { "157.240.1.35", 443 };
static const struct ep R4 = { "10.10.0.53", 53 };

/* ----------------------------------------------------------------- tests */

START_TEST(test_hello_one_segment)
{
	tcp_send(C4, S4, 1000, hello, hello_len, 1);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert_int_eq(seen.proto[0], OBS_TLS);
	ck_assert_str_eq(seen.name[0], "www.instagram.com");
	ck_assert_str_eq(seen.platform[0], "instagram");
	ck_assert_str_eq(seen.category[0], "social");
}
END_TEST

/* Segment orders of the same three-part hello: all must give one
 * observation.  Order 2,0,1 (first segment late) is the one we cannot
 * see: the stream start is learned from the segment that starts it. */
START_TEST(test_hello_segments)
{
	static const int orders[][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 } };
	size_t cut[4] = { 0, 300, 900, hello_len };
	int r = _i, k;
	struct ep c = C4;

	c.port = (uint16_t)(40000 + r);
	for (k = 0; k < 3; k++) {
		int seg = orders[r][k];

		tcp_send(c, S4, 5000 + (uint32_t)cut[seg], hello + cut[seg],
		    cut[seg + 1] - cut[seg], 10 + (uint64_t)k);
	}
	if (r == 2) {
		/* The middle segment came first and was not kept; its
		 * retransmission completes the hello. */
		ck_assert_uint_eq(seen.n, 0);
		tcp_send(c, S4, 5000 + 300, hello + 300, 600, 20);
	}
	ck_assert_uint_eq(seen.n, 1);
	ck_assert_str_eq(seen.name[0], "www.instagram.com");
	ck_assert_uint_eq(seen.cport[0], c.port);
}
END_TEST

START_TEST(test_hello_overlap_duplicates)
{
	struct ep c = C4;

	c.port = 41000;
	tcp_send(c, S4, 100, hello, 700, 1);
	tcp_send(c, S4, 100, hello, 700, 2);			/* duplicate */
	tcp_send(c, S4, 100 + 500, hello + 500, 600, 3);	/* overlap */
	tcp_send(c, S4, 100 + 1100, hello + 1100, hello_len - 1100, 4);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert_str_eq(seen.name[0], "www.instagram.com");
	/* Later segments of the finished flow report nothing more. */
	tcp_send(c, S4, 100 + (uint32_t)hello_len, (const uint8_t *)"\x17\x03\x03\0\1x",
	    6, 5);
	ck_assert_uint_eq(seen.n, 1);
}
END_TEST

START_TEST(test_dns_matched_and_forged)
{
	uint8_t b[512];
	size_t n;

	/* Query then answer: solicited. */
	n = dns_msg(b, 0x1234, "www.instagram.com", false);
	udp_send(C4, R4, b, n, 1000);
	n = dns_msg(b, 0x1234, "www.instagram.com", true);
	udp_send(R4, C4, b, n, 2000);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert(seen.solicited[0]);
	ck_assert_uint_eq(seen.naddrs[0], 1);
	ck_assert_str_eq(seen.platform[0], "instagram");

	/* An answer nobody asked for (wrong ID): reported, not solicited. */
	n = dns_msg(b, 0x9999, "www.instagram.com", true);
	udp_send(R4, C4, b, n, 3000);
	ck_assert_uint_eq(seen.n, 2);
	ck_assert(!seen.solicited[1]);

	/* The right ID but another name: not solicited either. */
	n = dns_msg(b, 0x4321, "www.instagram.com", false);
	udp_send(C4, R4, b, n, 4000);
	n = dns_msg(b, 0x4321, "cdninstagram.com", true);
	udp_send(R4, C4, b, n, 5000);
	ck_assert_uint_eq(seen.n, 3);
	ck_assert(!seen.solicited[2]);

	/* A "response" sent to port 53 is no answer at all. */
	n = dns_msg(b, 0x5555, "www.instagram.com", true);
	udp_send(C4, R4, b, n, 6000);
	ck_assert_uint_eq(seen.n, 3);
}
END_TEST

START_TEST(test_dns_unanswered)
{
	uint8_t b[512];
	size_t n;
	struct ep c6 = { "fe80::aff:fe0a:17", 5353 };
	struct ep r6 = { "fe80::aff:fe0a:1", 53 };

	n = dns_msg(b, 7, "www.instagram.com", false);
	udp_send(c6, r6, b, n, 1000000);
	/* A retransmission keeps the first time. */
	udp_send(c6, r6, b, n, 2000000);
	ck_assert_uint_eq(seen.n, 0);
	/* Time passes (any packet carries the clock). */
	tcp_send(C4, S4, 1, (const uint8_t *)"x", 1,
	    1000000 + OBSERVE_QUERY_TIMEOUT_US + 1000000);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert(seen.unanswered[0]);
	ck_assert_uint_eq(seen.ts[0], 1000000);
	ck_assert_str_eq(seen.name[0], "www.instagram.com");

	/* What is pending at the end of a capture is flushed. */
	n = dns_msg(b, 8, "dns.google", false);
	udp_send(c6, r6, b, n, 20000000);
	observer_flush(o);
	ck_assert_uint_eq(seen.n, 2);
	ck_assert(seen.unanswered[1]);
	ck_assert_str_eq(seen.category[1], "circumvention");
	ck_assert_int_eq(seen.reason[1], CIRC_DOH);
}
END_TEST

/* TCP DNS: three answers in one stream, cut so that the second and the
 * third straddle segments; each is reported exactly once. */
START_TEST(test_dns_tcp_stream)
{
	static const char *names[3] = { "www.instagram.com", "dns.google",
	    "cdninstagram.com" };
	struct ep c = { "10.10.0.23", 40053 };
	uint8_t stream[1024];
	size_t n = 0, i, m, cut1, cut2;

	for (i = 0; i < 3; i++) {
		m = dns_msg(stream + n + 2, (uint16_t)i, names[i], true);
		stream[n] = (uint8_t)(m >> 8);
		stream[n + 1] = (uint8_t)m;
		n += 2 + m;
	}
	cut1 = 2 + (size_t)((stream[0] << 8) | stream[1]) + 10;
	cut2 = n - 7;
	tcp_send(R4, c, 7000, stream, cut1, 1);
	ck_assert_uint_eq(seen.n, 1);
	tcp_send(R4, c, 7000 + (uint32_t)cut1, stream + cut1, cut2 - cut1, 2);
	ck_assert_uint_eq(seen.n, 2);
	tcp_send(R4, c, 7000 + (uint32_t)cut2, stream + cut2, n - cut2, 3);
	ck_assert_uint_eq(seen.n, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_str_eq(seen.name[i], names[i]);
		ck_assert(seen.solicited[i]);	/* on the client's connection */
	}
}
END_TEST

START_TEST(test_dot_by_port)
{
	struct ep dot = { "8.8.8.8", 853 };
	struct ep c = C4;

	c.port = 42000;
	tcp_send(c, dot, 1, hello, hello_len, 1);
	ck_assert_uint_eq(seen.n, 1);
	/* The name is Instagram's, the port says DNS over TLS. */
	ck_assert_str_eq(seen.platform[0], "instagram");
	ck_assert_str_eq(seen.category[0], "circumvention");
	ck_assert_int_eq(seen.reason[0], CIRC_DOT);
}
END_TEST

START_TEST(test_table_bounded)
{
	struct ep c = C4;
	uint32_t i;

	/* Many half hellos: the table never grows past its limit. */
	for (i = 0; i < FLOW_MAX + 500; i++) {
		c.port = (uint16_t)(10000 + i);
		tcp_send(c, S4, 1, hello, 300, 1000 + i);
	}
	ck_assert_uint_eq(seen.n, 0);
	ck_assert_uint_eq(observer_flow_stats(o)->evicted, 500);
	/* The most recent ones are still completed. */
	tcp_send(c, S4, 301, hello + 300, hello_len - 300, 5000);
	ck_assert_uint_eq(seen.n, 1);
}
END_TEST

/* A name whose text is long with escapes still classifies by its tail. */
START_TEST(test_long_escaped_name)
{
	uint8_t b[600];
	size_t n = 0, i, k;

	memcpy(b, "\0\1\x81\x80\0\1\0\0\0\0\0\0", 12);
	n = 12;
	for (k = 0; k < 3; k++) {		/* three labels of 63 odd bytes */
		b[n++] = 63;
		for (i = 0; i < 63; i++)
			b[n++] = 0x01;
	}
	memcpy(b + n, "\011instagram\003com\0\0\1\0\1", 20);
	n += 20;
	udp_send(R4, C4, b, n, 1);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert_str_eq(seen.platform[0], "instagram");
}
END_TEST

/* More queries awaiting answers than the table holds: the oldest are
 * pushed out (and counted), never more than the limit are kept. */
START_TEST(test_query_limit)
{
	uint8_t b[512];
	size_t n;
	uint32_t i;

	for (i = 0; i < OBSERVE_QUERY_MAX + 10; i++) {
		struct ep c = { "10.10.0.23", (uint16_t)(1024 + i) };

		n = dns_msg(b, (uint16_t)i, "www.instagram.com", false);
		udp_send(c, R4, b, n, 1000 + i);
	}
	ck_assert_uint_eq(observer_query_stats(o)->evicted, 10);
	ck_assert_uint_eq(observer_stats(o)->dns_queries, OBSERVE_QUERY_MAX + 10);
}
END_TEST

START_TEST(test_garbage_frames)
{
	uint8_t junk[1600];
	unsigned seed = 7;
	size_t i, k;

	for (i = 0; i < 20000; i++) {
		for (k = 0; k < sizeof(junk); k++) {
			seed = seed * 1103515245 + 12345;
			junk[k] = (uint8_t)(seed >> 16);
		}
		/* Ethernet IPv4, TCP or UDP, to interesting ports. */
		memcpy(junk + 12, "\x08\x00\x45\x00", 4);
		junk[14 + 9] = i & 1 ? IPPROTO_TCP : IPPROTO_UDP;
		junk[14 + 20 + 2] = 0;
		junk[14 + 20 + 3] = (uint8_t[]){ 53, 187, 80 }[i % 3];
		if (i % 5 == 0)
			junk[14 + 20 + 20] = 0x16;
		observer_frame(o, DLT_EN10MB, junk, (seed >> 8) % sizeof(junk),
		    i * 1000);
	}
	observer_flush(o);
	/* Whatever was reported is printable. */
	for (i = 0; i < seen.n; i++)
		for (k = 0; seen.name[i][k]; k++)
			ck_assert(seen.name[i][k] >= 0x20 && seen.name[i][k] < 0x7f);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("observe");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_hello_one_segment);
	tcase_add_loop_test(tc, test_hello_segments, 0, 3);
	tcase_add_test(tc, test_hello_overlap_duplicates);
	tcase_add_test(tc, test_dns_matched_and_forged);
	tcase_add_test(tc, test_dns_unanswered);
	tcase_add_test(tc, test_dns_tcp_stream);
	tcase_add_test(tc, test_dot_by_port);
	tcase_add_test(tc, test_table_bounded);
	tcase_add_test(tc, test_long_escaped_name);
	tcase_add_test(tc, test_query_limit);
	tcase_add_test(tc, test_garbage_frames);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
