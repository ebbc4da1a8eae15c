/*
 * capture: thin wrapper over libpcap.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

struct capture {
	pcap_t		*p;
	int		 dlt;
	int		 fd;
	capture_cb	 cb;
	void		*arg;
	enum capture_dir dir;
};

static char *
xstrdupf(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 3;
	char *s = malloc(n);

	if (s != NULL)
		snprintf(s, n, "%s: %s", a, b);
	return s;
}

struct capture *
capture_open_file(const char *path, char **cause)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct capture *c;

	errbuf[0] = '\0';
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		*cause = xstrdupf(path, strerror(errno));
		return NULL;
	}
	c->p = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (c->p == NULL) {
		*cause = xstrdupf(path, errbuf);
		free(c);
		return NULL;
	}
	c->dlt = pcap_datalink(c->p);
	c->fd = -1;
	return c;
}

struct capture *
capture_open_live(const char *ifname, size_t bufsize, enum capture_dir dir,
    char **cause)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	struct capture *c;
	pcap_t *p;

	errbuf[0] = '\0';
	if ((p = pcap_create(ifname, errbuf)) == NULL) {
		*cause = xstrdupf(ifname, errbuf);
		return NULL;
	}
	/* Immediate mode: a DNS answer must reach us now, not when a
	 * buffer fills, or the client connects before the rule exists. */
	if (pcap_set_immediate_mode(p, 1) != 0 ||
	    pcap_set_snaplen(p, 65535) != 0 ||
	    pcap_set_buffer_size(p, (int)bufsize) != 0 ||
	    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO) != 0)
		goto fail;
	if (pcap_activate(p) < 0)
		goto fail;
	if (dir != CAPTURE_BOTH && pcap_setdirection(p, dir == CAPTURE_IN ?
	    PCAP_D_IN : PCAP_D_OUT) != 0)
		goto fail;
	if (pcap_compile(p, &prog, CAPTURE_FILTER, 1,
	    PCAP_NETMASK_UNKNOWN) != 0)
		goto fail;
	if (pcap_setfilter(p, &prog) != 0) {
		pcap_freecode(&prog);
		goto fail;
	}
	pcap_freecode(&prog);
	if (pcap_setnonblock(p, 1, errbuf) != 0) {
		*cause = xstrdupf(ifname, errbuf);
		pcap_close(p);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		*cause = xstrdupf(ifname, strerror(errno));
		pcap_close(p);
		return NULL;
	}
	c->p = p;
	c->dlt = pcap_datalink(p);
	c->fd = pcap_get_selectable_fd(p);
	c->dir = dir;
	return c;
fail:
	*cause = xstrdupf(ifname, pcap_geterr(p));
	pcap_close(p);
	return NULL;
}

static void
capture_handler(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u +
	    (uint64_t)h->ts.tv_usec;

	c->cb(c->arg, c->dlt, bytes, h->caplen, ts);
}

int
capture_dispatch(struct capture *c, int max, capture_cb cb, void *arg,
    char **cause)
{
	int n;

	c->cb = cb;
	c->arg = arg;
	n = pcap_dispatch(c->p, max, capture_handler, (u_char *)c);
	if (n == PCAP_ERROR) {
		*cause = xstrdupf("capture", pcap_geterr(c->p));
		return -1;
	}
	if (n == PCAP_ERROR_BREAK)
		return 0;
	return n;
}

int
capture_stats(struct capture *c, uint64_t *recv, uint64_t *drop)
{
	struct pcap_stat ps;

	if (pcap_stats(c->p, &ps) != 0)
		return -1;
	*recv = ps.ps_recv;
	*drop = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	return 0;
}

enum capture_dir
capture_direction(const struct capture *c)
{
	return c->dir;
}

int
capture_dlt(const struct capture *c)
{
	return c->dlt;
}

int
capture_fd(const struct capture *c)
{
	return c->fd;
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	pcap_close(c->p);
	free(c);
}
