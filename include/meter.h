/*
 * meter: the kernel's per-(client, platform) byte counters turned into
 * bytes per tick.  The counters (nft.h, meter4/meter6) only grow while
 * an element lives; this keeps the last total of each element and gives
 * the difference, so the engine sees what each pair exchanged since the
 * last tick.  An element that expired and came back starts from zero,
 * which reads as a total smaller than the last: all of it is new.
 */
#ifndef SG_METER_H
#define SG_METER_H

#include <stdint.h>

#include "addr.h"

#define METER_MAX	262144	/* elements followed */

struct meter;

struct meter	*meter_new(void);
void		 meter_free(struct meter *);

/* Start a reading: every element not fed before meter_end is gone. */
void		 meter_begin(struct meter *);

/* One element's total bytes now; returns the bytes since the last
 * reading (all of total for an element not seen before). */
uint64_t	 meter_feed(struct meter *, const struct addr *client,
		    uint32_t mark, uint64_t total);

/* Forget the elements this reading did not see. */
void		 meter_end(struct meter *);

#endif
