/*
 * pcap2seed: turn packet captures into seed inputs for the fuzz targets.
 *
 *	pcap2seed -m MODE [-n count] [-s bytes] OUTDIR FILE...
 *
 * Modes (the input format of each target is described in its file):
 *
 *   observe  one seed per capture for fuzz_observe.c: the first count
 *            frames (default 64) that carry a TCP or UDP payload, turned
 *            into Ethernet frames, each behind its 2-byte length and a
 *            1-byte time step, at most bytes bytes (default 65536) in all.
 *   decode   one seed per frame for fuzz_decode.c: the index of the
 *            capture's link type in fuzz_decode.c's table, then the frame
 *            as captured; the first count frames (default 16).
 *   dns      UDP or TCP payloads from or to port 53 (fuzz_dns.c);
 *   tls      TCP payloads that start a TLS handshake record (fuzz_tls.c);
 *   http     TCP payloads that start like a request line (fuzz_http.c);
 *   quic     UDP long-header packets to or from port 443, each as a
 *            one-datagram fuzz_quic.c input (mode byte 0, 2-byte length).
 *            For these four, at most count (default 8) per capture.
 *
 * Seeds are named MODE-HASH, HASH a 64-bit FNV-1a of the content, so the
 * same frame from two captures is one file.  Link types decode.c does not
 * know are skipped with a note; a capture that cannot be opened is an
 * error (exit 1) after the others are done.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2	276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4	228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6	229
#endif

#define SEED_MAX	65536
#define ETH_HLEN	14

enum mode {
	M_OBSERVE,
	M_DECODE,
	M_DNS,
	M_TLS,
	M_HTTP,
	M_QUIC,
};

static const char *const mode_names[] = {
	"observe", "decode", "dns", "tls", "http", "quic",
};

static const char	*outdir;
static unsigned long	 nwritten;

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: pcap2seed -m observe|decode|dns|tls|http|quic "
	    "[-n count] [-s bytes] outdir file...\n");
	exit(2);
}

static uint64_t
fnv1a(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Write one seed; errors are fatal, a seed dir must be complete. */
static void
seed_write(enum mode m, const uint8_t *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s-%016llx", outdir, mode_names[m],
	    (unsigned long long)fnv1a(p, len));
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(p, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "pcap2seed: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	nwritten++;
}

/* Index of dlt in fuzz_decode.c's table, or -1. */
static int
decode_index(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
		return 0;
	case DLT_LINUX_SLL:
		return 1;
	case DLT_LINUX_SLL2:
		return 2;
	case DLT_RAW:
		return 3;
	case 101:
		return 4;
	case DLT_IPV4:
		return 5;
	case DLT_IPV6:
		return 6;
	case DLT_NULL:
		return 7;
	case DLT_LOOP:
		return 8;
	default:
		return -1;
	}
}

/* The ethertype of an IP packet from its version nibble, or 0. */
static uint16_t
ip_ethertype(const uint8_t *p, size_t len)
{
	if (len < 1)
		return 0;
	switch (p[0] >> 4) {
	case 4:
		return 0x0800;
	case 6:
		return 0x86dd;
	default:
		return 0;
	}
}

/*
 * Rewrite a frame of link type dlt as an Ethernet frame into out
 * (SEED_MAX bytes).  Returns its length, or 0 when it has no Ethernet
 * form.
 */
static size_t
to_ether(int dlt, const uint8_t *p, size_t len, uint8_t *out)
{
	const uint8_t *l3 = NULL, *src = NULL;
	uint16_t type = 0;
	size_t l3len = 0;

	switch (dlt) {
	case DLT_EN10MB:
		if (len > SEED_MAX)
			len = SEED_MAX;
		memcpy(out, p, len);
		return len;
	case DLT_LINUX_SLL:
		/* type(2) arphrd(2) addrlen(2) addr(8) protocol(2) */
		if (len < 16)
			return 0;
		type = (uint16_t)(p[14] << 8 | p[15]);
		src = p + 6;
		l3 = p + 16;
		l3len = len - 16;
		break;
	case DLT_LINUX_SLL2:
		/* protocol(2) mbz(2) ifindex(4) arphrd(2) type(1) alen(1)
		 * addr(8) */
		if (len < 20)
			return 0;
		type = (uint16_t)(p[0] << 8 | p[1]);
		src = p + 12;
		l3 = p + 20;
		l3len = len - 20;
		break;
	case DLT_RAW:
	case 101:
	case DLT_IPV4:
	case DLT_IPV6:
		l3 = p;
		l3len = len;
		type = ip_ethertype(l3, l3len);
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (len < 4)
			return 0;
		l3 = p + 4;
		l3len = len - 4;
		type = ip_ethertype(l3, l3len);
		break;
	default:
		return 0;
	}
	if (type == 0)
		return 0;
	if (l3len > SEED_MAX - ETH_HLEN)
		l3len = SEED_MAX - ETH_HLEN;
	memset(out, 0, ETH_HLEN);
	out[0] = 0x02;		/* a locally administered address */
	if (src != NULL)
		memcpy(out + 6, src, 6);
	else
		out[6] = 0x02;
	out[12] = (uint8_t)(type >> 8);
	out[13] = (uint8_t)type;
	memcpy(out + ETH_HLEN, l3, l3len);
	return ETH_HLEN + l3len;
}

/* The time step byte of fuzz_observe.c closest to a delta. */
static uint8_t
time_step(int64_t delta_us)
{
	int64_t s;

	if (delta_us < 0)
		return 0xff;
	if (delta_us < 128 * 1000)
		return (uint8_t)(delta_us / 1000);
	s = (delta_us + 500000) / 1000000;
	if (s > 0x7e)
		s = 0x7e;
	return (uint8_t)(0x80 + s);
}

static bool
looks_like_request(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 8; i++)
		if (p[i] < 'A' || p[i] > 'Z')
			break;
	return i >= 3 && i < len && p[i] == ' ';
}

/* The payload seed this packet gives in mode m, if any. */
static void
payload_seed(enum mode m, const struct pkt *k, uint8_t *buf, unsigned *n)
{
	const uint8_t *p = k->payload;
	size_t len = k->paylen;
	bool tcp = k->proto == IPPROTO_TCP;

	if (len == 0)
		return;
	switch (m) {
	case M_DNS:
		if (k->sport != 53 && k->dport != 53)
			return;
		break;
	case M_TLS:
		if (!tcp || len < 6 || p[0] != 0x16 || p[1] != 0x03)
			return;
		break;
	case M_HTTP:
		if (!tcp || !looks_like_request(p, len))
			return;
		break;
	case M_QUIC:
		if (tcp || (k->sport != 443 && k->dport != 443) ||
		    !(p[0] & 0x80) || len > SEED_MAX - 3)
			return;
		buf[0] = 0;
		buf[1] = (uint8_t)(len >> 8);
		buf[2] = (uint8_t)len;
		memcpy(buf + 3, p, len);
		seed_write(m, buf, len + 3);
		(*n)++;
		return;
	default:
		return;
	}
	seed_write(m, p, len);
	(*n)++;
}

/* Returns 0, or -1 when the capture could not be read. */
static int
convert(enum mode m, const char *path, unsigned count, size_t maxbytes)
{
	static uint8_t seed[SEED_MAX], frame[SEED_MAX];
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct pkt k;
	pcap_t *pc;
	int64_t prev_us = 0, ts_us;
	size_t used = 0, flen;
	unsigned n = 0;
	int dlt, idx, rc;

	if ((pc = pcap_open_offline(path, errbuf)) == NULL) {
		fprintf(stderr, "pcap2seed: %s\n", errbuf);
		return -1;
	}
	dlt = pcap_datalink(pc);
	if ((idx = decode_index(dlt)) < 0) {
		fprintf(stderr, "pcap2seed: %s: link type %d skipped\n", path,
		    dlt);
		pcap_close(pc);
		return 0;
	}
	while (n < count && (rc = pcap_next_ex(pc, &h, &data)) == 1) {
		ts_us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
		switch (m) {
		case M_DECODE:
			flen = h->caplen < SEED_MAX - 1 ? h->caplen :
			    SEED_MAX - 1;
			seed[0] = (uint8_t)idx;
			memcpy(seed + 1, data, flen);
			seed_write(m, seed, flen + 1);
			n++;
			break;
		case M_OBSERVE:
			if ((flen = to_ether(dlt, data, h->caplen,
			    frame)) == 0 ||
			    decode_frame(DLT_EN10MB, frame, flen, &k) !=
			    DECODE_OK || k.paylen == 0)
				break;
			if (flen > 0xffff)
				flen = 0xffff;
			if (used + 3 + flen > maxbytes)
				goto done;
			seed[used] = (uint8_t)(flen >> 8);
			seed[used + 1] = (uint8_t)flen;
			seed[used + 2] = n == 0 ? 0 :
			    time_step(ts_us - prev_us);
			memcpy(seed + used + 3, frame, flen);
			used += 3 + flen;
			prev_us = ts_us;
			n++;
			break;
		default:
			if (decode_frame(dlt, data, h->caplen, &k) == DECODE_OK)
				payload_seed(m, &k, seed, &n);
			break;
		}
	}
done:
	if (m == M_OBSERVE && used > 0)
		seed_write(m, seed, used);
	pcap_close(pc);
	return 0;
}

int
main(int argc, char *argv[])
{
	enum mode m = M_OBSERVE;
	unsigned long count = 0, maxbytes = SEED_MAX;
	char *end;
	size_t i;
	int ch, bad = 0;
	bool have_mode = false;

	while ((ch = getopt(argc, argv, "m:n:s:")) != -1) {
		switch (ch) {
		case 'm':
			for (i = 0; i < sizeof(mode_names) /
			    sizeof(mode_names[0]); i++)
				if (strcmp(optarg, mode_names[i]) == 0)
					break;
			if (i == sizeof(mode_names) / sizeof(mode_names[0]))
				usage();
			m = (enum mode)i;
			have_mode = true;
			break;
		case 'n':
			errno = 0;
			count = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || count == 0 ||
			    count > 1000000)
				usage();
			break;
		case 's':
			errno = 0;
			maxbytes = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || maxbytes < 64 ||
			    maxbytes > SEED_MAX)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (!have_mode || argc < 2)
		usage();
	if (count == 0)
		count = m == M_OBSERVE ? 64 : m == M_DECODE ? 16 : 8;
	outdir = argv[0];
	for (ch = 1; ch < argc; ch++)
		if (convert(m, argv[ch], (unsigned)count, maxbytes) < 0)
			bad = 1;
	printf("pcap2seed: %s: %lu seeds from %d captures\n", mode_names[m],
	    nwritten, argc - 1);
	return bad;
}
