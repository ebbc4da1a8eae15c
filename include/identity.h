/*
 * identity: device -> person -> group, from schoolgate.conf's [person]
 * devices and [group] members (see config.h).  Built once per config,
 * immutable, looked up for every verdict without allocation.
 *
 * Precedence, most specific first:
 *   1. a person's device: MAC, then address (longest prefix);
 *   2. a group member: MAC, then address (longest prefix);
 *   3. an address inside lan that matches nothing: default_group, with no
 *      person (each such address is its own allowance holder);
 *   4. anything else is not managed (no group: nothing applies).
 * A MAC beats an address because a MAC follows the device across
 * networks while DHCP moves addresses between devices.  The config
 * already refuses a device given to two persons or an identical member
 * in two groups, so no step is ever ambiguous.
 */
#ifndef SG_IDENTITY_H
#define SG_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "config.h"

/* Bytes of a holder name, NUL included ("ip:" + the longest IPv6). */
#define IDENTITY_HOLDER_MAX	64

struct identity;

struct who {
	const struct config_group	*group;		/* NULL: unmanaged */
	const struct config_person	*person;	/* NULL: no person */
};

/* Build the index of cfg (which must outlive it).  NULL with *cause
 * (malloc'd) only when memory runs out. */
struct identity	*identity_new(const struct config *cfg, char **cause);
void		 identity_free(struct identity *);

/*
 * Who is the device with address a and, when known, MAC mac (NULL when
 * the capture has no link layer or the client is routed)?  Fills *ret;
 * returns false (ret->group NULL) for an unmanaged device.
 */
bool		 identity_lookup(const struct identity *, const struct addr *a,
		    const struct mac *mac, struct who *ret);

/*
 * The name of the allowance holder: the person's name, or "ip:ADDR" for
 * a device without a person.  (Not its MAC: behind a routed core every
 * device shows the router's.  A device that must keep one allowance
 * across IPv6 privacy addresses is listed as a person.)  Writes buf[len] (IDENTITY_HOLDER_MAX
 * always fits); returns strlen.
 */
size_t		 identity_holder(const struct who *, const struct addr *a,
		    char *buf, size_t len);

#endif
