/*
 * capture: libpcap handles for a live interface or a capture file.
 * The same dispatch loop serves the daemon and --replay.
 */
#ifndef SG_CAPTURE_H
#define SG_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct capture;

/* Called once per frame: link type, frame bytes, captured length, the
 * frame's timestamp in microseconds since the epoch. */
typedef void (*capture_cb)(void *arg, int dlt, const uint8_t *frame,
    size_t caplen, uint64_t ts_us);

/* The BPF program the daemon installs on live interfaces. */
#define CAPTURE_FILTER \
	"port 53 or port 853 or tcp dst port 443 or udp dst port 443 " \
	"or tcp dst port 80 or vlan"

/* Open a capture file (pcap or pcapng).  NULL and *cause on error. */
struct capture	*capture_open_file(const char *path, char **cause);

/* Open a live interface in immediate, non-blocking mode with the given
 * kernel buffer size and CAPTURE_FILTER.  NULL and *cause on error. */
/* Which packets of the interface a live handle sees (pcap_setdirection):
 * the daemon opens one handle for each, so it knows an answer the
 * gateway sent from one a device on the LAN forged. */
enum capture_dir {
	CAPTURE_BOTH = 0,	/* files, and interfaces that cannot tell */
	CAPTURE_IN,		/* received on the interface */
	CAPTURE_OUT,		/* sent out of it by this host */
};

struct capture	*capture_open_live(const char *ifname, size_t bufsize,
		    enum capture_dir dir,
		    char **cause);

/* Deliver up to max frames (-1: all available / to end of file).
 * Returns frames delivered, 0 at end of file or nothing ready, -1 on
 * error with *cause set. */
int		 capture_dispatch(struct capture *, int max, capture_cb cb,
		    void *arg, char **cause);

/* Packets received and dropped by the kernel (pcap_stats); 0 or -1. */
int		 capture_stats(struct capture *, uint64_t *recv,
		    uint64_t *drop);

int		 capture_dlt(const struct capture *);
enum capture_dir capture_direction(const struct capture *);
int		 capture_fd(const struct capture *);	/* for epoll; -1 for files */
void		 capture_close(struct capture *);	/* NULL-safe */

#endif
