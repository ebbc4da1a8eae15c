/*
 * quota: the daily allowance used, per holder (a person, or a device
 * without one: see identity_holder) per local day.  Pure bookkeeping:
 * the caller passes the local day and the allowance, so the module
 * knows nothing of clocks, zones or overrides.
 *
 * Only the meter charges, one tick at a time, and only for a tick in
 * which the holder's devices exchanged at least active_bytes with the
 * group's platforms whose verdict was ALLOW_QUOTA: idle ticks and
 * keep-alives cost nothing.  A new local day starts from zero (the reset
 * at local midnight is just a different day number, whatever the length
 * of the day).  Use never exceeds the allowance passed in, so an
 * extra_quota granted later is not eaten by ticks charged while the
 * block was being put in place.
 */
#ifndef SG_QUOTA_H
#define SG_QUOTA_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

#define QUOTA_HOLDERS_MAX	50000

struct quota;

struct quota	*quota_new(void);
void		 quota_free(struct quota *);

/* Seconds of allowance holder has used on local day day (0 when none). */
uint32_t	 quota_used(const struct quota *, const char *holder,
		    int32_t day);

/*
 * One meter tick of tick seconds for holder on local day day: bytes is
 * what the holder exchanged with its metered platforms in the tick.
 * Charges min(tick, allowance - used) when bytes >= active_bytes.
 * Returns the seconds charged, or -ENOSPC when the table is full (the
 * holder is then not metered: the caller logs it) or -ENOMEM.
 */
int64_t		 quota_tick(struct quota *, const char *holder, int32_t day,
		    uint64_t bytes, uint64_t active_bytes, uint32_t tick,
		    uint32_t allowance);

/* Holders with use recorded on day day or later. */
size_t		 quota_count(const struct quota *, int32_t day);

/*
 * Copy the use of day (and later) into v[max] in holder order; returns
 * how many there are (may exceed max).  For the state file and reports.
 */
size_t		 quota_export(const struct quota *, int32_t day,
		    struct state_quota *v, size_t max);

/* Put back what state_load read; entries of days before day are
 * dropped.  0, or -ENOSPC/-ENOMEM. */
int		 quota_restore(struct quota *, int32_t day,
		    const struct state_quota *v, size_t n);

#endif
