/*
 * nft: schoolgate's nftables table, through libnftnl and libmnl.
 *
 * Two halves, kept apart so the one that needs CAP_NET_ADMIN stays small
 * (and can move into its own process, see DESIGN.md):
 *
 *   the builder (pure): appends netlink messages to a batch buffer --
 *     the table with its sets, maps and chains, and element additions
 *     and removals.  No socket, no root: tests parse the buffer back.
 *   the sender: one netlink socket; commits a batch as one transaction
 *     and reads every ACK, so a failure names the message that failed.
 *
 * The rule set (table inet schoolgate; IPv4 and IPv6 twins of each):
 *
 *   set lan4 / lan6          the LAN prefixes (interval): which side of a
 *                            packet is the client
 *   map addr4 / addr6        server address -> platform mark, learned
 *                            from trusted DNS answers, timeout = TTL;
 *                            exclusive addresses only
 *   map flow4 / flow6        client . server . client port -> mark, for
 *                            flows named by SNI/Host on shared addresses
 *                            (mark 0: exempt, a domain override)
 *   set deny4 / deny6        client . mark: denied, timeout = the
 *                            verdict's until (none: until removed)
 *   set meter4 / meter6      client . mark with a counter, added and
 *                            updated from the packet path in both
 *                            directions: the allowance meter's input
 *   chain forward            filter, hook forward: for a packet between
 *                            a LAN client and a server, the mark comes
 *                            from flow4 (then addr4); the meter is
 *                            updated; if client . mark is in deny4: TCP
 *                            from the client gets a reset, TCP from the
 *                            server goes on as RST|ACK (chain denydown:
 *                            the client is reset even when it only
 *                            listens), everything else is dropped --
 *                            every packet, so open connections are cut
 *                            when a block starts
 *   chain prerouting         nat, hook prerouting (dstnat): TCP/80 from
 *                            a denied client to a marked server is
 *                            DNATed to the block page (when configured,
 *                            through bp4 / bp6), and TCP/443 to its
 *                            HTTPS port when it has one (bps4 / bps6)
 *
 * Keys are what the kernel compares: client . mark is the client address
 * in NFT_REG32_00 (4 registers for IPv6) and the mark in the register
 * after it.  nft 1.0.6 cannot list a concatenation holding a map's
 * result (it asserts), so each rule passes the looked-up mark through
 * the packet mark (saved first and restored within the same rule) and
 * `nft list` prints "ip saddr . meta mark @deny4"; packets leave with
 * the mark they came with.
 *
 * Marks: the platform's mark (struct platform, from its id: stable
 * across catalogues and restarts); 0 is "exempt".
 * Timeouts are in milliseconds; 0 means no timeout.
 */
#ifndef SG_NFT_H
#define SG_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define NFT_TABLE_NAME	"schoolgate"

struct nft_setup {
	const struct cidr	*lan;		/* LAN prefixes, v4 and v6 */
	size_t			 nlan;
	bool			 blockpage;	/* DNAT TCP/80 of denied */
	struct addr		 bp4;		/* IPv4 block page address */
	struct addr		 bp6;		/* IPv6; family 0 if none (one
						   of the two at least) */
	uint16_t		 bp_port;
	uint16_t		 bp_tls_port;	/* DNAT TCP/443 of denied
						   there; 0: reset it */
	bool			 persist;	/* on_exit = keep: the table
						   outlives the daemon */
};

struct nft_batch;

/* An empty batch.  NULL when memory runs out. */
struct nft_batch *nft_batch_new(void);
void		 nft_batch_free(struct nft_batch *);
/* Empty it for reuse (keeps the buffer). */
void		 nft_batch_reset(struct nft_batch *);
/* Removals as "destroy" (never failing on a missing element), which
 * Linux 6.3+ knows: see nft_destroy_supported().  Off by default. */
void		 nft_batch_destroy(struct nft_batch *, bool on);

/* Messages in the batch, not counting begin/end.  Element updates to
 * one set that follow each other share a message (up to 64 KiB). */
size_t		 nft_batch_count(const struct nft_batch *);
/* The whole batch with its begin and end markers, for the sender and
 * for tests that parse it back. */
const void	*nft_batch_data(struct nft_batch *, size_t *lenp);

/*
 * The table, its sets, maps and chains, and its rules.  When the table
 * exists already (a restart with on_exit = keep) it is adopted: its
 * chains are flushed and their rules written again in the same batch,
 * its sets and their elements kept, so enforcement never stops (the LAN
 * sets are refilled).  Create and adopt are the same batch: nothing in it
 * is NLM_F_EXCL.  A set whose shape changed between versions fails the
 * adoption with -EEXIST: delete the table first.
 * 0, or -ENOMEM / -EINVAL (bad setup).
 */
int		 nft_build_setup(struct nft_batch *, const struct nft_setup *);
/* Delete the table (on_exit = flush, and tests). */
int		 nft_build_delete(struct nft_batch *);

/*
 * Element updates: the set follows the address family (-EINVAL when it
 * is neither or client and server differ).  0 or -ENOMEM / -EINVAL.
 * Adding a key already present refreshes its timeout, but fails the
 * commit with -EEXIST when the mark differs: delete it first, in the
 * same batch.  Deleting a key not present fails the commit (-ENOENT).
 */
int		 nft_add_addr(struct nft_batch *, const struct addr *server,
		    uint32_t mark, uint64_t timeout_ms);
int		 nft_del_addr(struct nft_batch *, const struct addr *server);
int		 nft_add_flow(struct nft_batch *, const struct addr *client,
		    const struct addr *server, uint16_t cport, uint32_t mark,
		    uint64_t timeout_ms);
int		 nft_del_flow(struct nft_batch *, const struct addr *client,
		    const struct addr *server, uint16_t cport);
int		 nft_add_deny(struct nft_batch *, const struct addr *client,
		    uint32_t mark, uint64_t timeout_ms);
int		 nft_del_deny(struct nft_batch *, const struct addr *client,
		    uint32_t mark);

struct nft;

/* Open the netlink socket.  NULL with *cause (malloc'd). */
struct nft	*nft_open(char **cause);
void		 nft_close(struct nft *);
int		 nft_fd(const struct nft *);

/*
 * Send b as one transaction and read every reply.  0 when the kernel
 * applied it all; -errno with *cause naming the failed message
 * otherwise (the kernel applied none of it).  b is left as it was
 * (only its sequence numbers are rewritten).  -ENOBUFS when replies
 * were lost: the outcome is then unknown.
 */
int		 nft_commit(struct nft *, struct nft_batch *b, char **cause);

/* Does the kernel take "destroy" messages (Linux 6.3+)? */
bool		 nft_destroy_supported(struct nft *);

/* Does the table exist?  1 yes, 0 no, -errno. */
int		 nft_table_exists(struct nft *, char **cause);

/*
 * Read the meter sets: fn once per element with its counter totals
 * (since the element was added).  0 or -errno with *cause.
 */
int		 nft_meter_read(struct nft *,
		    void (*fn)(const struct addr *client, uint32_t mark,
		    uint64_t bytes, uint64_t packets, void *arg), void *arg,
		    char **cause);

/*
 * Read a set or map's elements back (tests, schoolgatectl): set is
 * "addr4", "deny6"...; fn gets the raw key and data.  0 or -errno.
 */
int		 nft_set_read(struct nft *, const char *set,
		    void (*fn)(const uint8_t *key, size_t keylen,
		    const uint8_t *data, size_t datalen, uint64_t timeout_ms,
		    uint64_t expires_ms, void *arg), void *arg, char **cause);

/*
 * Additions (nft.c's author): the setup as one call, the table's flags,
 * and the element count a batch carries.
 */

/* Table flags as the kernel spells them (linux/netfilter/nf_tables.h
 * of Debian 12 predates NFT_TABLE_F_PERSIST, Linux 6.9). */
#define NFT_TABLE_OWNER		0x2u
#define NFT_TABLE_PERSIST	0x4u

/* The meter sets' idle timeout and size (elements beyond it are not
 * counted; enforcement does not depend on the meter). */
#define NFT_METER_TIMEOUT_MS	(3600 * 1000)
#define NFT_METER_SIZE		262144

/* nft_setup() kept the table but could not make it owned. */
#define NFT_SETUP_UNOWNED	1

/*
 * Build and commit the setup from this socket.  With setup->persist the
 * table gets the owner and persist flags: this socket owns it (no other
 * process may change it while we run) and it stays, unowned, when we
 * close; a later nft_setup() adopts it.  Only the owning socket may then
 * send batches, so a daemon must commit everything through this nft.
 * When the kernel refuses the flags (before Linux 6.9, or a table made
 * unowned by an older run), the table is set up unowned instead:
 * NFT_SETUP_UNOWNED with *cause (malloc'd) saying so.  0, 1 or -errno
 * with *cause.
 */
int		 nft_setup(struct nft *, const struct nft_setup *,
		    char **cause);

/* The table's flags (NFT_TABLE_*) into *ret_flags: 1, 0 when there is
 * no table (*ret_flags untouched), -errno with *cause. */
int		 nft_table_flags(struct nft *, uint32_t *ret_flags,
		    char **cause);

/* Elements added or removed by the batch (several share a message). */
size_t		 nft_batch_elements(const struct nft_batch *);

#endif
