/*
 * mkbench: build the benchmark capture by concatenating capture files
 * (Ethernet link type only; others are skipped and named) again and
 * again until at least N packets are written.  Each round shifts the
 * timestamps past the previous round and rewrites the IPv4/IPv6
 * addresses (one byte per round), so every round's flows are new flows
 * to the programs being measured, as on a real network.
 *
 * usage: mkbench OUT MINPACKETS FILE...
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t frame[65536];

/* Offset of the IP header in an Ethernet frame (VLAN tags skipped), or
 * -1. */
static long
ip_offset(const uint8_t *p, size_t len)
{
	size_t off = 12;
	int tags = 0;

	while (off + 2 <= len) {
		unsigned type = (unsigned)p[off] << 8 | p[off + 1];

		if ((type == 0x8100 || type == 0x88a8) && tags++ < 2) {
			off += 4;
			continue;
		}
		if (type == 0x0800 || type == 0x86dd)
			return (long)off + 2;
		return -1;
	}
	return -1;
}

static void
perturb(uint8_t *p, size_t len, unsigned round)
{
	long ip = ip_offset(p, len);
	uint8_t r = (uint8_t)(round * 37 + 11);

	if (round == 0 || ip < 0)
		return;
	if ((p[ip] >> 4) == 4 && (size_t)ip + 20 <= len) {
		p[ip + 13] ^= r;	/* third octet of src and dst */
		p[ip + 17] ^= r;
	} else if ((p[ip] >> 4) == 6 && (size_t)ip + 40 <= len) {
		p[ip + 8 + 13] ^= r;	/* inside the interface id */
		p[ip + 24 + 13] ^= r;
	}
}

int
main(int argc, char *argv[])
{
	char errbuf[PCAP_ERRBUF_SIZE];
	unsigned long long want, written = 0;
	struct pcap_pkthdr *h, oh;
	pcap_dumper_t *d;
	const u_char *data;
	pcap_t *dead, *in;
	long long shift = 0, last = 0, first;
	unsigned round;
	int i, rc, any;

	if (argc < 4) {
		fprintf(stderr, "usage: mkbench out minpackets file...\n");
		return 2;
	}
	want = strtoull(argv[2], NULL, 10);
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	if ((d = pcap_dump_open(dead, argv[1])) == NULL) {
		fprintf(stderr, "mkbench: %s\n", pcap_geterr(dead));
		return 1;
	}
	for (round = 0; written < want; round++) {
		any = 0;
		for (i = 3; i < argc && written < want; i++) {
			if ((in = pcap_open_offline(argv[i], errbuf)) == NULL)
				continue;
			if (pcap_datalink(in) != DLT_EN10MB) {
				if (round == 0)
					fprintf(stderr, "mkbench: skipping %s "
					    "(link type %d)\n", argv[i],
					    pcap_datalink(in));
				pcap_close(in);
				continue;
			}
			first = -1;
			while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
				long long t = (long long)h->ts.tv_sec *
				    1000000 + h->ts.tv_usec;

				if (first < 0)
					first = t;
				/* Lay the files end to end in time. */
				t = t - first + shift;
				if (t < last)
					t = last;
				last = t;
				oh = *h;
				oh.ts.tv_sec = t / 1000000;
				oh.ts.tv_usec = t % 1000000;
				memcpy(frame, data, h->caplen);
				perturb(frame, h->caplen, round);
				pcap_dump((u_char *)d, &oh, frame);
				written++;
				any = 1;
			}
			pcap_close(in);
			shift = last + 1000000;
		}
		if (!any)
			break;
	}
	pcap_dump_close(d);
	pcap_close(dead);
	printf("%llu packets in %u rounds\n", written, round);
	return written >= want ? 0 : 1;
}
