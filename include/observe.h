/*
 * observe: the dissection stage.  Takes decoded packets, runs the pure
 * DNS/TLS/QUIC/HTTP parsers (with reassembly through the flow table),
 * classifies the names against the catalogue and hands each observation
 * to a callback.  The same code serves the live daemon and --replay.
 *
 * Time is an argument: the capture timestamp of the packet.
 */
#ifndef SG_OBSERVE_H
#define SG_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "classify.h"
#include "decode.h"

struct dns_msg;
struct tls_hello;

/* DNS queries (UDP) awaiting their answer; an answer that matches one is
 * solicited, a query left unanswered is reported when it times out. */
#define OBSERVE_QUERY_MAX	4096
#define OBSERVE_QUERY_TIMEOUT_US (5ULL * 1000000)

/* RFC 7858 / RFC 9250: DNS over TLS and over QUIC.  TLS or QUIC to this
 * port, or with the ALPN "dot" or "doq", is circumvention whatever the
 * server name says. */
#define OBSERVE_DOT_PORT	853

enum obs_proto {
	OBS_DNS = 0,
	OBS_TLS,
	OBS_QUIC,
	OBS_HTTP,
};

struct observation {
	uint64_t		 ts_us;		/* capture time, us since epoch */
	enum obs_proto		 proto;
	struct addr		 client;	/* querier / initiator */
	struct addr		 server;	/* resolver / server */
	uint16_t		 cport, sport;
	const char		*name;		/* printable, see dns.h/tls.h */
	size_t			 name_len;
	const struct platform	*platform;	/* NULL when none matched */
	/* The platform's category, or "circumvention" for DoT/DoQ seen by
	 * port alone; "" when neither. */
	const char		*category;
	enum circ_reason	 reason;	/* CIRC_NONE unless circumvention */
	enum circ_reason	 alpn_reason;	/* DoT/DoQ told by the ALPN */
	bool			 ech;		/* TLS/QUIC: ECH offered */
	bool			 solicited;	/* DNS: answers a query we saw */
	bool			 unanswered;	/* DNS: a query that timed out */
	bool			 query;		/* DNS: a query, just sent (the
					   query callback only) */
	uint8_t			 dir;		/* of the packet it came in:
					   enum capture_dir, 0 unknown */
	const struct dns_msg	*dns;		/* DNS answer, else NULL */
	const struct tls_hello	*hello;		/* TLS/QUIC only */
	const uint8_t		*mac;		/* client MAC or NULL */
};

typedef void (*observe_cb)(const struct observation *, void *arg);

struct observer_stats {
	uint64_t	packets;
	uint64_t	undecodable;	/* truncated or malformed frames */
	uint64_t	dns_answers;
	uint64_t	dns_unsolicited;	/* no matching query seen */
	uint64_t	dns_queries;
	uint64_t	dns_unanswered;
	uint64_t	dns_bad;
	uint64_t	tls_hellos;
	uint64_t	tls_bad;
	uint64_t	quic_hellos;
	uint64_t	quic_bad;
	uint64_t	http_requests;
	uint64_t	http_bad;
};

struct observer;

/* cat may be NULL (every platform empty).  cb is called synchronously
 * from observer_packet(); the observation is valid only during the call.
 * Returns NULL on allocation failure. */
struct observer	*observer_new(const struct catalog *cat, observe_cb cb,
		    void *arg);
void		 observer_free(struct observer *);

/* Also tell cb of each UDP DNS query as it is seen (ob->query set; no
 * answer yet): the daemon's early warning.  NULL turns it off. */
void		 observer_set_query_cb(struct observer *, observe_cb cb,
		    void *arg);

/* Swap the catalogue (reload).  The caller keeps ownership. */
void		 observer_set_catalog(struct observer *,
		    const struct catalog *);

/* Dissect one decoded packet seen at now_us. */
void		 observer_packet(struct observer *, const struct pkt *,
		    uint64_t now_us);

/* Report everything still pending (unanswered DNS queries): the end of a
 * capture, or of the daemon. */
void		 observer_flush(struct observer *);

/* The same, knowing which way the frame went (enum capture_dir). */
void		 observer_frame_dir(struct observer *, int dlt,
		    const uint8_t *frame, size_t caplen, uint64_t now_us,
		    uint8_t dir);

/* Decode a frame of link type dlt and dissect it. */
void		 observer_frame(struct observer *, int dlt,
		    const uint8_t *frame, size_t caplen, uint64_t now_us);

const struct observer_stats *observer_stats(const struct observer *);
/* The TCP reassembly table's counters (evictions show its limit hit). */
const struct flow_stats *observer_flow_stats(const struct observer *);
/* The pending DNS query table's (OBSERVE_QUERY_MAX) and the QUIC
 * table's counters. */
const struct flow_stats *observer_query_stats(const struct observer *);
const struct flow_stats *observer_quic_stats(const struct observer *);

const char	*obs_proto_str(enum obs_proto);

#endif
