/*
 * flow: the bounded table of flows under reassembly — TCP streams whose
 * ClientHello (or DNS message) spans several segments, and QUIC flows
 * whose CRYPTO stream spans several Initials.
 *
 * Everything is allocated once by flow_table_new(); the packet path never
 * allocates.  Time is an argument (microseconds of the capture clock).
 */
#ifndef SG_FLOW_H
#define SG_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define FLOW_MAX	 1024		/* flows under reassembly at once */
/* Stream bytes kept per flow: the largest ClientHello we parse
 * (TLS_HELLO_MAX) plus the headers of the records it may be split into. */
#define FLOW_BUF_SIZE	 (16384 + 1024)
#define FLOW_MAX_RANGES	 16		/* disjoint segment ranges per flow */
#define FLOW_TIMEOUT_US	 (30ULL * 1000000)	/* idle flow dropped after */

enum flow_kind {
	FLOW_TLS = 1,		/* TCP ClientHello */
	FLOW_DNS_TCP,		/* TCP DNS response */
	FLOW_HTTP,		/* plain-HTTP request head */
	FLOW_QUIC,		/* QUIC Initial CRYPTO stream (state is opaque) */
	FLOW_DNS_QUERY,		/* a DNS query awaiting its answer */
};

/* Directional: the sender of the bytes kept comes first. */
struct flow_key {
	uint8_t		family;
	uint8_t		proto;
	uint16_t	cport;
	uint16_t	sport;
	uint16_t	tag;		/* 0, or e.g. a DNS message ID */
	uint8_t		caddr[16];
	uint8_t		saddr[16];
};

struct flow_range {
	uint32_t	start, end;	/* [start, end) stream offsets */
};

struct flow {
	struct flow_key	 key;
	uint64_t	 hash;
	uint64_t	 last_us;
	enum flow_kind	 kind;
	uint32_t	 base_seq;	/* TCP sequence number of offset 0 */
	uint32_t	 contig;	/* bytes present from offset 0 */
	uint32_t	 packets;	/* packets fed to this flow */
	uint32_t	 consumed;	/* stream bytes already dissected */
	size_t		 nranges;
	struct flow_range ranges[FLOW_MAX_RANGES];
	uint8_t		*buf;		/* the table's bufsize bytes */
	void		*opaque;	/* per-kind state (QUIC), owned by caller */
	/* table links: hash chain and LRU list, as indices; -1 = none */
	int32_t		 next, lru_prev, lru_next;
};

struct flow_stats {
	uint64_t	inserted;
	uint64_t	expired;	/* idle for FLOW_TIMEOUT_US */
	uint64_t	evicted;	/* pushed out while still live: limit hit */
	uint64_t	overflow;	/* stream bytes beyond FLOW_BUF_SIZE */
};

struct flow_table;

/* Allocate a table for max flows (1..FLOW_TABLE_LIMIT) with a buffer
 * of bufsize (<= FLOW_BUF_SIZE) bytes each.  Returns NULL on allocation
 * failure or bad sizes.  flow_table_free is NULL-safe. */
#define FLOW_TABLE_LIMIT (1u << 20)
struct flow_table *flow_table_new(size_t max, size_t bufsize);
void		 flow_table_free(struct flow_table *);

/* Key from the packet's addresses, client first. */
void		 flow_key_make(struct flow_key *k, const struct addr *client,
		    uint16_t cport, const struct addr *server, uint16_t sport,
		    uint8_t proto);
uint64_t	 flow_hash(const struct flow_key *);

/* Cheap pre-check before a lookup: false means surely absent. */
bool		 flow_maybe(const struct flow_table *, uint64_t hash);
struct flow	*flow_lookup(struct flow_table *, const struct flow_key *,
		    uint64_t hash);

/*
 * Insert a new flow (the key must be absent).  Flows idle for
 * FLOW_TIMEOUT_US are expired first; when the table is still full the least recently used flow is
 * evicted (counted).  Never fails for max > 0.  The flow's buffer is
 * empty, opaque NULL.
 */
struct flow	*flow_insert(struct flow_table *, const struct flow_key *,
		    uint64_t hash, enum flow_kind, uint64_t now_us);
void		 flow_remove(struct flow_table *, struct flow *);
/* Mark as used now (LRU). */
void		 flow_touch(struct flow_table *, struct flow *, uint64_t now_us);
/* Expire flows idle longer than timeout_us.  Returns how many. */
size_t		 flow_expire(struct flow_table *, uint64_t now_us,
		    uint64_t timeout_us);
/* The least recently used flow when it has been idle longer than
 * timeout_us, else NULL: for callers that must look at what expires. */
struct flow	*flow_oldest_idle(struct flow_table *, uint64_t now_us,
		    uint64_t timeout_us);

/*
 * TCP: store a segment of len bytes at sequence number seq.  Offsets are
 * seq - base_seq (mod 2^32); bytes before offset 0 or beyond the
 * table's bufsize are dropped (the latter counted as overflow).  Bytes
 * already present are kept (first copy wins, so an overlapping segment
 * cannot rewrite what was parsed).  Returns the contiguous length from
 * offset 0.
 */
uint32_t	 flow_tcp_store(struct flow_table *, struct flow *, uint32_t seq,
		    const uint8_t *data, size_t len);

/* Generic: store data at stream offset off (same rules as above). */
uint32_t	 flow_store(struct flow_table *, struct flow *, uint64_t off,
		    const uint8_t *data, size_t len);

/* The flow's slot, 0..max-1: for callers keeping per-flow state in an
 * array beside the table. */
size_t		 flow_index(const struct flow_table *, const struct flow *);

const struct flow_stats *flow_table_stats(const struct flow_table *);
size_t		 flow_table_count(const struct flow_table *);

#endif
