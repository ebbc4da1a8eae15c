/*
 * policy: the decision.  Pure: (who, platform, connection name, now,
 * allowance used today, overrides) -> verdict and the instant it can
 * next change.  No clock, no allocation, no logging; every input is an
 * argument, so the whole school year is testable minute by minute.
 *
 * The rules, in order:
 *   1. a device in no group, or a platform outside the group's
 *      "platforms", is not policed: ALLOW;
 *   2. the circumvention category is blocked whenever the group lists
 *      it: BLOCK_CIRCUMVENTION (no timetable, no allowance);
 *   3. the group's rule for the moment -- "lessons" in lessons (breaks
 *      are outside), "outside" otherwise -- gives ALLOW, ALLOW_QUOTA
 *      (allowance left), BLOCK_QUOTA (used up), BLOCK_LESSONS, or
 *      BLOCK_GROUP when the group blocks both in and out of lessons;
 *   4. an unblock override in force turns any verdict but ALLOW into
 *      ALLOW_OVERRIDE (which costs no allowance); the most specific
 *      matching override decides, with its hours (see
 *      schoolgate-overrides(5) for the precedence); extra_quota
 *      overrides add to the day's allowance instead.
 *
 * until is the first instant after now at which the verdict may differ:
 * the next lesson boundary, local midnight, the allowance running out if
 * it is used without pause from now, an override's start, end or hours
 * edge.  The verdict is the same at every instant of [now, until) given
 * the same use.  POLICY_NEVER when nothing ahead changes it.
 */
#ifndef SG_POLICY_H
#define SG_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "classify.h"
#include "config.h"
#include "overrides.h"
#include "schedule.h"

#define POLICY_NEVER	SCHEDULE_NEVER

enum verdict {
	VERDICT_ALLOW = 0,
	VERDICT_ALLOW_QUOTA,
	VERDICT_ALLOW_OVERRIDE,
	VERDICT_BLOCK_LESSONS,
	VERDICT_BLOCK_QUOTA,
	VERDICT_BLOCK_GROUP,
	VERDICT_BLOCK_CIRCUMVENTION,
};

/* What the decision reads; all borrowed, ovr may be NULL. */
struct policy {
	const struct config	*cfg;
	const struct schedule	*sched;
	const struct overrides	*ovr;
};

struct policy_query {
	const struct config_group	*group;		/* NULL: unmanaged */
	const struct config_person	*person;	/* or NULL */
	const struct addr		*addr;		/* the device */
	const struct platform		*platform;
	const char			*name;	/* the connection's name, for
						   domain overrides, or NULL */
	int64_t				 now;
	uint32_t			 used;	/* allowance used today, s */
};

struct policy_verdict {
	enum verdict		 verdict;
	int64_t			 until;
	const struct override	*by;		/* ALLOW_OVERRIDE, or NULL */
	bool			 lessons;	/* in lessons now */
	bool			 metered;	/* the group's rule now is
						   quota (whatever the
						   verdict) */
	uint32_t		 allowance;	/* today's, with extra, s */
	uint32_t		 used;
	uint32_t		 left;
	int64_t			 resets;	/* when today's allowance
						   resets: local midnight */
};

void		 policy_decide(const struct policy *,
		    const struct policy_query *, struct policy_verdict *ret);

/* Does the group police this platform (its "platforms" names the id or
 * the category)? */
bool		 policy_polices(const struct config_group *,
		    const struct platform *);

/* Today's allowance of a holder: the group's daily_quota plus the
 * extra_quota of every matching override in force on local day day. */
uint32_t	 policy_allowance(const struct policy *,
		    const struct config_group *, const struct config_person *,
		    const struct addr *, int32_t day);

bool		 verdict_blocks(enum verdict);
const char	*verdict_str(enum verdict);

#endif
