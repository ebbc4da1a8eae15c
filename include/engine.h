/*
 * engine: the daemon's core between observation and enforcement, with
 * no I/O of its own -- the same code under --replay and live.
 *
 *   observations --> learned platform addresses (trusted DNS answers
 *                    only), shared-address marks, classified flows
 *   packets/counters --> bytes per (client, platform) per tick
 *   ticks --> the meter: active ticks charge the holder's allowance
 *             (the only place quota is consumed)
 *   any change --> policy_decide() per (client, platform) pair; a
 *             verdict that differs from the last one is handed to the
 *             verdict callback (the recording enforcer of --replay, the
 *             nft layer of the daemon)
 *
 * Time is the caller's: capture timestamps in replay, the loop's clock
 * live, in microseconds since the epoch, never going back.  Every table
 * is bounded; a full table refuses new entries and counts them.
 */
#ifndef SG_ENGINE_H
#define SG_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "classify.h"
#include "config.h"
#include "decode.h"
#include "identity.h"
#include "observe.h"
#include "policy.h"
#include "quota.h"

#define ENGINE_IPS_MAX		262144	/* learned and other addresses */
#define ENGINE_FLOWS_MAX	65536	/* flows named by SNI/Host */
#define ENGINE_CLIENTS_MAX	65536
#define ENGINE_PAIRS_MAX	131072	/* (client, platform) */
/* A connection outlives its answer's TTL (a video, an app's socket):
 * the kernel must go on metering and, while no daemon runs, blocking
 * it, so a learned address lives at least an hour. */
#define ENGINE_TTL_MIN		3600	/* seconds a learned address lives, */
#define ENGINE_TTL_MAX		86400	/* whatever the DNS TTL says */
#define ENGINE_FLOW_IDLE	300	/* seconds */

struct engine;

/* A verdict for one device and platform, when it first applies and each
 * time it changes. */
struct engine_verdict {
	uint64_t			 ts_us;
	struct addr			 client;
	const struct who		*who;
	const char			*holder;
	const struct platform		*platform;
	const struct policy_verdict	*v;
	const char			*name;	/* the name that prompted
						   it, or NULL */
	const uint8_t			*mac;	/* the device's, or NULL */
	bool				 first;	/* no verdict before */
	enum verdict			 prev;	/* the one it replaces */
	/* For a block: when the blocked stretch ends, following blocks
	 * that hand over to each other (the kernel's denial lasts that
	 * long); POLICY_NEVER for none.  And the previous stretch's. */
	int64_t				 block_until;
	int64_t				 prev_block_until;
};

/*
 * What the enforcer is told besides verdicts (the nft layer; --replay
 * has none).  Calls come synchronously from engine_observe().
 *   addr: server now serves platform p and nothing else, for ttl
 *         seconds; p NULL: it no longer does (it turned out shared)
 *   flow: the connection client:cport -> server (proto 6 or 17) is
 *         platform p's by its name; exempt when a domain override
 *         covers that name for this client
 */
struct engine_enforcer {
	void	(*addr)(void *arg, const struct addr *server,
		    const struct platform *p, uint32_t ttl);
	void	(*flow)(void *arg, const struct addr *client,
		    const struct addr *server, uint16_t cport, uint8_t proto,
		    const struct platform *p, bool exempt);
	/* holder was charged a tick: used seconds today now (may be
	 * NULL) */
	void	(*charged)(void *arg, const char *holder,
		    const struct who *who, uint32_t used,
		    uint32_t allowance, int32_t day);
};

/* A holder's day, for the summary at the end of a replay and reports. */
struct engine_holder {
	const char		*holder;
	const struct who	*who;
	int32_t			 day;		/* local day of the figures */
	bool			 metered;	/* the group's outside = quota */
	uint32_t		 used, allowance, left;
	uint32_t		 active_ticks;	/* charged ticks, whole run */
	uint64_t		 bytes;		/* with its platforms, run */
};

struct engine_stats {
	uint64_t	learned;	/* addresses learned from DNS */
	uint64_t	untrusted;	/* answers not trusted: no query seen */
	uint64_t	untrusted_resolver; /* from a resolver not (yet)
					   trusted: see resolvers */
	uint64_t	never_block;	/* answers naming never_block addrs */
	uint64_t	shared;		/* addresses marked shared */
	uint64_t	full;		/* devices, pairs, allowances refused:
					   a table full */
	uint64_t	full_ips;	/* live addresses pushed out of the
					   cache by newer ones */
	uint64_t	full_flows;	/* live named flows pushed out */
	uint64_t	ticks;
	uint64_t	charged;	/* active ticks charged */
	uint64_t	verdicts;	/* verdict changes reported */
};

typedef void (*engine_verdict_cb)(const struct engine_verdict *, void *);

struct engine_opts {
	const struct config	*cfg;
	const struct catalog	*cat;
	const struct identity	*id;
	struct policy		 policy;	/* cfg, sched, ovr */
	struct quota		*quota;		/* the caller's */
	engine_verdict_cb	 cb;
	const struct engine_enforcer *enf;	/* or NULL */
	void			*arg;		/* for cb and enf */
};

/* NULL when memory runs out.  Everything in opts must outlive it. */
struct engine	*engine_new(const struct engine_opts *);
void		 engine_free(struct engine *);

/* Run the ticks and verdict changes due up to now_us; call before each
 * observation or packet of that time. */
void		 engine_advance(struct engine *, uint64_t now_us);

/* An observation from observe.c, at ob->ts_us. */
void		 engine_observe(struct engine *, const struct observation *);

/* A packet's bytes, for the meter of --replay (the daemon reads kernel
 * counters instead). */
void		 engine_packet(struct engine *, const struct pkt *,
		    uint64_t now_us);

/*
 * Bytes the kernel counted between client and platform since the last
 * call (the daemon's meter; --replay counts packets instead).
 */
void		 engine_add_bytes(struct engine *, const struct addr *client,
		    const struct platform *, uint64_t bytes, uint64_t now_us);

/* The learned addresses, for the state file: at most max into v;
 * returns how many there are. */
size_t		 engine_export_addrs(const struct engine *,
		    struct state_ip *v, size_t max);
/* Put back addresses from the state file (expired ones are skipped). */
void		 engine_restore_addrs(struct engine *, const struct state_ip *v,
		    size_t n, uint64_t now_us);

/*
 * A denial the kernel kept from the last run (on_exit = keep, adopted):
 * decide (client, p) now and report it as a first verdict, so that the
 * enforcer can replace or remove the kept element.  false when the
 * engine has no reason to deny it at all (the client is not managed,
 * its group does not police p, or a table is full).
 */
bool		 engine_adopt(struct engine *, const struct addr *client,
		    const struct platform *p, uint64_t now_us);

/* The next instant (seconds) something is due: a tick's end or a
 * verdict's until.  The daemon arms its timer for it. */
int64_t		 engine_next(const struct engine *);

/* New overrides (the directory changed): every verdict is decided
 * again at now_us and changes reported.  ovr must outlive the engine or
 * the next call. */
void		 engine_set_overrides(struct engine *,
		    const struct overrides *ovr, uint64_t now_us);

/* The end of a capture or of the daemon: meter the tick in progress. */
void		 engine_flush(struct engine *);

/* A device and platform with a verdict, for schoolgatectl who. */
struct engine_pair {
	struct addr		 client;
	const struct who	*who;
	const char		*holder;
	const struct platform	*platform;
	enum verdict		 verdict;
	int64_t			 until;
	const struct override	*by;
};

/* Every pair with a verdict, in the order they were first seen. */
void		 engine_foreach_pair(struct engine *,
		    void (*fn)(const struct engine_pair *, void *),
		    void *arg);

/* Who the device at a is, as the engine sees it (the MAC it learned
 * from the device's own packets finds a person listed by MAC): false,
 * ret->group NULL, for an unmanaged device.  Creates nothing. */
bool		 engine_who(const struct engine *, const struct addr *a,
		    struct who *ret);

/* Every holder seen, in name order. */
void		 engine_foreach_holder(struct engine *,
		    void (*fn)(const struct engine_holder *, void *),
		    void *arg);

const struct engine_stats *engine_stats(const struct engine *);

#endif
