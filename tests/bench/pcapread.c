/*
 * pcapread: the benchmark's baseline — libpcap reading a capture file
 * and doing nothing with the frames.  No program that reads the file
 * through libpcap can be faster; `make bench` reports schoolgated's
 * replay rate as a fraction of this.
 *
 * usage: pcapread FILE   prints "packets N bytes N"
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

struct counts {
	uint64_t	packets;
	uint64_t	bytes;
};

static void
count(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct counts *c = (struct counts *)user;

	(void)bytes;
	c->packets++;
	c->bytes += h->caplen;
}

int
main(int argc, char *argv[])
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct counts c = { 0, 0 };
	pcap_t *p;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: pcapread file\n");
		return 2;
	}
	if ((p = pcap_open_offline(argv[1], errbuf)) == NULL) {
		fprintf(stderr, "pcapread: %s\n", errbuf);
		return 1;
	}
	while ((n = pcap_dispatch(p, -1, count, (u_char *)&c)) > 0)
		;
	if (n < 0) {
		fprintf(stderr, "pcapread: %s\n", pcap_geterr(p));
		return 1;
	}
	pcap_close(p);
	printf("packets %llu bytes %llu\n", (unsigned long long)c.packets,
	    (unsigned long long)c.bytes);
	return 0;
}
