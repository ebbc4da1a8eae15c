/*
 * enforcer: the privilege split.  The daemon forks, before it reads a
 * single packet, a small process that keeps only CAP_NET_ADMIN (the
 * kernel checks it on every nfnetlink message) and owns the nftables
 * socket; the daemon itself then drops every capability once its capture
 * handles are open, so the code that parses hostile packets and HTTP
 * holds none.
 *
 * The two talk over a SOCK_SEQPACKET socketpair in a fixed message set
 * -- set up the table, add or remove one element of a known set with
 * checked fields, commit, read the meter or the denials back, delete the
 * table -- never rule text or raw netlink: the enforcer builds every
 * netlink message itself (nft.c) from fields it has checked, so a
 * compromised parser can at worst add or remove elements of schoolgate's
 * own sets.
 *
 * The client side below mirrors nft.h's builder: queue element changes,
 * then commit them as one transaction.
 */
#ifndef SG_ENFORCER_H
#define SG_ENFORCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "nft.h"

#define ENF_OPS_MAX		(1 << 20)	/* queued before a commit */
#define ENF_LAN_MAX		256		/* prefixes in a setup */
#define ENF_TIMEOUT_MAX_MS	(31ULL * 86400 * 1000)

struct enf;

/*
 * Fork the enforcer.  In the child this never returns (it serves until
 * the daemon closes its end, then exits); in the daemon it returns the
 * client, or NULL with *cause.
 */
struct enf	*enf_start(char **cause);
/* Close the channel; the enforcer exits.  NULL is a no-op. */
void		 enf_close(struct enf *);
pid_t		 enf_pid(const struct enf *);

/*
 * Create or adopt the table (see nft_build_setup).  *adopted: it was
 * there; *destroy: the kernel knows "destroy".  0, or -errno with
 * *cause.
 */
int		 enf_setup(struct enf *, const struct nft_setup *,
		    bool *adopted, bool *destroy, char **cause);
int		 enf_delete_table(struct enf *, char **cause);

/* Queue one change (checked again by the enforcer).  0 or -errno. */
int		 enf_add_addr(struct enf *, const struct addr *server,
		    uint32_t mark, uint64_t timeout_ms);
int		 enf_del_addr(struct enf *, const struct addr *server);
int		 enf_add_flow(struct enf *, const struct addr *client,
		    const struct addr *server, uint16_t cport, uint32_t mark,
		    uint64_t timeout_ms);
int		 enf_add_deny(struct enf *, const struct addr *client,
		    uint32_t mark, uint64_t timeout_ms);
int		 enf_del_deny(struct enf *, const struct addr *client,
		    uint32_t mark);
size_t		 enf_pending(const struct enf *);

/* Send what is queued as one transaction; the queue is emptied either
 * way.  0, or -errno with *cause naming what the kernel refused. */
int		 enf_commit(struct enf *, char **cause);

/* The meter's counters, and the denials in force (family 4 or 6). */
int		 enf_meter_read(struct enf *,
		    void (*fn)(const struct addr *client, uint32_t mark,
		    uint64_t bytes, uint64_t packets, void *arg), void *arg,
		    char **cause);
int		 enf_deny_read(struct enf *, int family,
		    void (*fn)(const struct addr *client, uint32_t mark,
		    uint64_t timeout_ms, uint64_t expires_ms, void *arg),
		    void *arg, char **cause);

/* Drop every capability of this process (the daemon, once its handles
 * are open).  0 or -errno. */
int		 enf_drop_all_caps(void);

#endif
