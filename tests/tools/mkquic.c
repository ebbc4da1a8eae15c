/*
 * mkquic: QUIC test captures and a QUIC-only corpus reader.
 *
 *	mkquic write DIR	write the test captures (.pcap, .expected) to DIR
 *	mkquic read FILE...	for each UDP flow of each capture, feed the
 *				initiator's datagrams to quic_parse_datagram()
 *				and print one line per flow:
 *				file client server result version sni
 *
 * The captures are built with tests/unit/quic_build.c, deterministic,
 * Ethernet framed, with correct IP and UDP checksums.
 */
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quic.h"
#include "quic_build.h"
#include "tls.h"

#define V1		0x00000001U
#define V2		0x6b3343cfU
#define FLOWS_MAX	4096
#define FEED_MAX	64	/* client datagrams fed per flow */

/* ------------------------------------------------------------------ */
/* Writing */

struct ep {
	int		 af;
	uint8_t		 addr[16];
	uint16_t	 port;
	uint8_t		 mac[6];
};

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet + IP + UDP around payload; returns the frame length. */
static size_t
frame(uint8_t *out, size_t cap, const struct ep *src, const struct ep *dst,
    const uint8_t *payload, size_t len)
{
	static uint16_t ipid = 0x4d2;
	size_t iph = src->af == AF_INET ? 20 : 40, n = 14 + iph + 8 + len;
	uint8_t *ip = out + 14, *udp = ip + iph;
	uint32_t sum;
	uint16_t c;

	if (n > cap)
		return 0;
	memcpy(out, dst->mac, 6);
	memcpy(out + 6, src->mac, 6);
	out[12] = src->af == AF_INET ? 0x08 : 0x86;
	out[13] = src->af == AF_INET ? 0x00 : 0xdd;
	if (src->af == AF_INET) {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		ip[2] = (uint8_t)((20 + 8 + len) >> 8);
		ip[3] = (uint8_t)(20 + 8 + len);
		ip[4] = (uint8_t)(ipid >> 8);
		ip[5] = (uint8_t)ipid++;
		ip[6] = 0x40;		/* DF: QUIC datagrams never fragment */
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, src->addr, 4);
		memcpy(ip + 16, dst->addr, 4);
		c = fold(sum16(ip, 20, 0));
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
		sum = sum16(ip + 12, 8, 0);
	} else {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		ip[4] = (uint8_t)((8 + len) >> 8);
		ip[5] = (uint8_t)(8 + len);
		ip[6] = 17;
		ip[7] = 64;
		memcpy(ip + 8, src->addr, 16);
		memcpy(ip + 24, dst->addr, 16);
		sum = sum16(ip + 8, 32, 0);
	}
	udp[0] = (uint8_t)(src->port >> 8);
	udp[1] = (uint8_t)src->port;
	udp[2] = (uint8_t)(dst->port >> 8);
	udp[3] = (uint8_t)dst->port;
	udp[4] = (uint8_t)((8 + len) >> 8);
	udp[5] = (uint8_t)(8 + len);
	udp[6] = udp[7] = 0;
	memcpy(udp + 8, payload, len);
	sum += 17 + (uint32_t)(8 + len);
	c = fold(sum16(udp, 8 + len, sum));
	if (c == 0)
		c = 0xffff;
	udp[6] = (uint8_t)(c >> 8);
	udp[7] = (uint8_t)c;
	return n;
}

struct cap {
	pcap_t		*pd;
	pcap_dumper_t	*dump;
	long		 sec, usec;
};

static int
cap_open(struct cap *c, const char *dir, const char *name,
    const char *expected)
{
	char path[4096];
	FILE *fp;

	c->sec = 1795428060;	/* 2026-11-23T10:01:00Z, lesson time */
	c->usec = 0;
	if ((c->pd = pcap_open_dead(DLT_EN10MB, 65535)) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/%s.pcap", dir, name);
	if ((c->dump = pcap_dump_open(c->pd, path)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, pcap_geterr(c->pd));
		pcap_close(c->pd);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.expected", dir, name);
	if ((fp = fopen(path, "w")) == NULL ||
	    fprintf(fp, "%s\n", expected) < 0 || fclose(fp) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
cap_put(struct cap *c, const struct ep *src, const struct ep *dst,
    const uint8_t *payload, size_t len)
{
	uint8_t f[16384];
	struct pcap_pkthdr h;
	size_t n;

	if (len == 0 || (n = frame(f, sizeof(f), src, dst, payload, len)) == 0)
		return -1;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = c->sec;
	h.ts.tv_usec = c->usec;
	h.caplen = h.len = (bpf_u_int32)n;
	pcap_dump((u_char *)c->dump, &h, f);
	c->usec += 1500;	/* 1.5 ms apart */
	return 0;
}

static void
cap_close(struct cap *c)
{
	pcap_dump_close(c->dump);
	pcap_close(c->pd);
}

static void
ep_set(struct ep *e, int af, const char *addr, uint16_t port, uint8_t mac)
{
	memset(e, 0, sizeof(*e));
	e->af = af;
	if (inet_pton(af, addr, e->addr) != 1)
		abort();
	e->port = port;
	e->mac[0] = 0x02;
	e->mac[5] = mac;
}

/* An Initial with the CRYPTO bytes [off, off + len) of hello. */
static size_t
initial(uint8_t *out, size_t cap, uint32_t version, const uint8_t *dcid,
    size_t dcid_len, uint64_t pn, const uint8_t *hello, size_t off,
    size_t len)
{
	static const uint8_t scid[8] = { 0x3c, 0x1e, 0x57, 0x00, 0, 0, 0, 1 };
	uint8_t fr[2048];
	struct qb_initial q;

	memset(&q, 0, sizeof(q));
	q.version = version;
	q.dcid = dcid;
	q.dcid_len = dcid_len;
	q.scid = scid;
	q.scid_len = sizeof(scid);
	q.pn = pn;
	q.pn_len = 1;
	q.frames_len = qb_crypto(fr, sizeof(fr), off, hello + off, len);
	q.frames = fr;
	q.pad_to = 1252;
	return q.frames_len == 0 ? 0 : qb_initial(out, cap, &q);
}

static int
write_captures(const char *dir)
{
	static const uint8_t dcid1[8] = { 0x6e, 0x2d, 0x41, 0x07, 0x9a,
	    0x15, 0xc3, 0x88 };
	static const uint8_t dcid2[16] = { 0x41, 0xd2, 0x0f, 0x33, 0x87, 0x5e,
	    0x10, 0xfa, 0x02, 0x9b, 0x44, 0x61, 0xce, 0x7a, 0x55, 0x0d };
	static const uint8_t dcid3[8] = { 0xb7, 0x03, 0x2f, 0x61, 0xd4,
	    0x98, 0x0e, 0x5c };
	uint8_t hello[2600], d[4096];
	struct ep cl, sv;
	struct cap c;
	size_t n, len, a, b, m;
	int rc = 0, i;

	/* 1: one Initial, IPv4, a hello that fits in it; the server's
	 * answer (undecryptable with client keys) follows. */
	if (cap_open(&c, dir, "quic-v1-instagram", "www.instagram.com") == -1)
		return -1;
	ep_set(&cl, AF_INET, "10.10.0.23", 51522, 0x23);
	ep_set(&sv, AF_INET, "157.240.221.174", 443, 0x01);
	n = qb_client_hello(hello, sizeof(hello), "www.instagram.com", 0, 11);
	len = initial(d, sizeof(d), V1, dcid1, sizeof(dcid1), 0, hello, 0, n);
	rc |= cap_put(&c, &cl, &sv, d, len);
	len = qb_long(d, sizeof(d), V1, QB_INITIAL, dcid1, 4, 1180);
	rc |= cap_put(&c, &sv, &cl, d, len);
	cap_close(&c);

	/* 2: a Chrome-sized hello over 3 Initials sent last first, IPv6
	 * from a ULA client. */
	if (cap_open(&c, dir, "quic-split3-reversed-ipv6",
	    "www.instagram.com") == -1)
		return -1;
	ep_set(&cl, AF_INET6, "fd10::23", 60211, 0x23);
	ep_set(&sv, AF_INET6, "2a03:2880:f10c::1", 443, 0x01);
	n = qb_client_hello(hello, sizeof(hello), "www.instagram.com", 1, 12);
	a = n / 3;
	b = 2 * n / 3;
	for (i = 2; i >= 0; i--) {
		size_t lo = i == 0 ? 0 : i == 1 ? a : b;
		size_t hi = i == 0 ? a : i == 1 ? b : n;

		len = initial(d, sizeof(d), V1, dcid2, sizeof(dcid2),
		    (uint64_t)i, hello, lo, hi - lo);
		rc |= cap_put(&c, &cl, &sv, d, len);
	}
	cap_close(&c);

	/* 3: QUIC v2 (RFC 9369), IPv4: the first Initial coalesced with a
	 * 0-RTT packet, the second completing the hello. */
	if (cap_open(&c, dir, "quic-v2-youtube", "www.youtube.com") == -1)
		return -1;
	ep_set(&cl, AF_INET, "10.10.0.42", 40188, 0x42);
	ep_set(&sv, AF_INET, "142.250.180.14", 443, 0x01);
	n = qb_client_hello(hello, sizeof(hello), "www.youtube.com", 1, 13);
	len = initial(d, sizeof(d), V2, dcid3, sizeof(dcid3), 0, hello, 0,
	    1000);
	m = qb_long(d + len, sizeof(d) - len, V2, QB_0RTT, dcid3,
	    sizeof(dcid3), 120);
	rc |= cap_put(&c, &cl, &sv, d, len + m);
	len = initial(d, sizeof(d), V2, dcid3, sizeof(dcid3), 1, hello, 1000,
	    n - 1000);
	rc |= cap_put(&c, &cl, &sv, d, len);
	cap_close(&c);
	return rc == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Reading */

struct rflow {
	int		 af;
	uint8_t		 caddr[16], saddr[16];
	uint16_t	 cport, sport;
	unsigned	 fed;
	enum quic_result best;
	uint32_t	 version;
	struct tls_hello hello;
	struct quic_flow q;
	uint8_t		*buf;
};

struct reader {
	const char	*file;
	struct rflow	*flows[FLOWS_MAX];
	size_t		 nflows;
};

static int
rank(enum quic_result r)
{
	switch (r) {
	case QUIC_OK:
		return 9;
	case QUIC_MALFORMED:
		return 8;
	case QUIC_TOO_BIG:
		return 7;
	case QUIC_NEED_MORE:
		return 6;
	case QUIC_DECRYPT_FAILED:
		return 5;
	case QUIC_UNSUPPORTED_VERSION:
		return 4;
	case QUIC_SKIPPED:
		return 2;
	case QUIC_NOT_QUIC:
		return 1;
	}
	return 0;
}

static void
udp(struct reader *rd, int af, const uint8_t *src, const uint8_t *dst,
    const uint8_t *u, size_t len)
{
	size_t alen = af == AF_INET ? 4 : 16, i;
	uint16_t sport, dport;
	struct rflow *f = NULL;
	enum quic_result r;
	bool fwd = true;

	if (len < 8)
		return;
	sport = (uint16_t)(u[0] << 8 | u[1]);
	dport = (uint16_t)(u[2] << 8 | u[3]);
	if (sport == 53 || dport == 53 || sport == 5353 || dport == 5353)
		return;
	for (i = 0; i < rd->nflows; i++) {
		f = rd->flows[i];
		if (f->af != af)
			continue;
		if (memcmp(f->caddr, src, alen) == 0 && f->cport == sport &&
		    memcmp(f->saddr, dst, alen) == 0 && f->sport == dport)
			break;
		if (memcmp(f->caddr, dst, alen) == 0 && f->cport == dport &&
		    memcmp(f->saddr, src, alen) == 0 && f->sport == sport) {
			fwd = false;
			break;
		}
	}
	if (i == rd->nflows) {
		if (rd->nflows == FLOWS_MAX)
			return;
		if ((f = calloc(1, sizeof(*f))) == NULL ||
		    (f->buf = malloc(QUIC_CRYPTO_MAX)) == NULL)
			abort();
		f->af = af;
		memcpy(f->caddr, src, alen);
		memcpy(f->saddr, dst, alen);
		f->cport = sport;
		f->sport = dport;
		f->best = QUIC_NOT_QUIC;
		quic_flow_init(&f->q, f->buf, QUIC_CRYPTO_MAX);
		rd->flows[rd->nflows++] = f;
	}
	if (!fwd || quic_flow_done(&f->q) || f->fed >= FEED_MAX)
		return;
	f->fed++;
	r = quic_parse_datagram(&f->q, u + 8, len - 8, &f->hello, &f->version);
	if (rank(r) > rank(f->best))
		f->best = r;
}

static void
ip_packet(struct reader *rd, const uint8_t *p, size_t len)
{
	size_t hl, plen;
	uint8_t nh;

	if (len < 1)
		return;
	if (p[0] >> 4 == 4) {
		if (len < 20 || (hl = (size_t)(p[0] & 0x0f) * 4) < 20 ||
		    hl > len)
			return;
		plen = (size_t)(p[2] << 8 | p[3]);
		if (plen > len || plen < hl)
			plen = len;
		/* fragments other than whole datagrams are skipped */
		if (p[9] != 17 || (p[6] & 0x3f) != 0 || p[7] != 0 ||
		    (p[6] & 0x20) != 0)
			return;
		udp(rd, AF_INET, p + 12, p + 16, p + hl, plen - hl);
	} else if (p[0] >> 4 == 6) {
		if (len < 40)
			return;
		plen = 40 + (size_t)(p[4] << 8 | p[5]);
		if (plen > len)
			plen = len;
		nh = p[6];
		hl = 40;
		/* hop-by-hop, routing, destination options */
		while ((nh == 0 || nh == 43 || nh == 60) && hl + 8 <= plen) {
			nh = p[hl];
			hl += 8 + (size_t)p[hl + 1] * 8;
		}
		if (nh != 17 || hl > plen)
			return;
		udp(rd, AF_INET6, p + 8, p + 24, p + hl, plen - hl);
	}
}

static void
link_packet(struct reader *rd, int dlt, const uint8_t *p, size_t len)
{
	size_t off;
	uint16_t et;

	switch (dlt) {
	case DLT_EN10MB:
		if (len < 14)
			return;
		et = (uint16_t)(p[12] << 8 | p[13]);
		off = 14;
		while ((et == 0x8100 || et == 0x88a8) && len >= off + 4) {
			et = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
			off += 4;
		}
		if (et != 0x0800 && et != 0x86dd)
			return;
		break;
	case DLT_LINUX_SLL:
		off = 16;
		break;
	case DLT_LINUX_SLL2:
		off = 20;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		off = 4;
		break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		off = 0;
		break;
	default:
		return;
	}
	if (len > off)
		ip_packet(rd, p + off, len - off);
}

static void
addr_str(int af, const uint8_t *a, uint16_t port, char *out, size_t cap)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(af, a, s, sizeof(s));
	if (af == AF_INET6)
		snprintf(out, cap, "[%s]:%u", s, port);
	else
		snprintf(out, cap, "%s:%u", s, port);
}

static int
read_capture(const char *file)
{
	char err[PCAP_ERRBUF_SIZE], c[64], s[64];
	struct reader rd;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pd;
	size_t i;
	int dlt, rc;

	if ((pd = pcap_open_offline(file, err)) == NULL) {
		fprintf(stderr, "%s: %s\n", file, err);
		return -1;
	}
	memset(&rd, 0, sizeof(rd));
	rd.file = strrchr(file, '/') != NULL ? strrchr(file, '/') + 1 : file;
	dlt = pcap_datalink(pd);
	while ((rc = pcap_next_ex(pd, &h, &data)) == 1)
		link_packet(&rd, dlt, data, h->caplen);
	pcap_close(pd);
	for (i = 0; i < rd.nflows; i++) {
		struct rflow *f = rd.flows[i];
		const char *v = quic_version_name(f->version);

		if (f->best != QUIC_NOT_QUIC) {
			addr_str(f->af, f->caddr, f->cport, c, sizeof(c));
			addr_str(f->af, f->saddr, f->sport, s, sizeof(s));
			printf("%s\t%s\t%s\t%s\t%s\t%s\n", rd.file, c, s,
			    quic_result_str(f->best),
			    f->best == QUIC_OK && v != NULL ? v : "-",
			    f->best == QUIC_OK && f->hello.has_sni ?
			    f->hello.sni : "-");
		}
		free(f->buf);
		free(f);
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	int i, rc = 0;

	if (argc == 3 && strcmp(argv[1], "write") == 0)
		return write_captures(argv[2]) == 0 ? EXIT_SUCCESS :
		    EXIT_FAILURE;
	if (argc >= 3 && strcmp(argv[1], "read") == 0) {
		for (i = 2; i < argc; i++)
			if (read_capture(argv[i]) == -1)
				rc = 1;
		return rc;
	}
	fprintf(stderr, "usage: mkquic write dir | mkquic read file ...\n");
	return EXIT_FAILURE;
}
