/*
 * schedule: the school timetable of schoolgate.conf's [schedule] in a
 * zone, as a pure function of time.  Built once per config; immutable.
 *
 * At any instant the schedule is "in lessons" or not.  A local date is a
 * school day when its weekday is in school_days, it lies in a term (or no
 * terms are set) and it is not a closed date.  On a school day the day's
 * lesson windows (lessons.DAY or lessons) are in lessons, minus the day's
 * break windows (breaks.DAY or breaks).  A window belongs to the date it
 * starts on: 22:00-02:00 on a school day runs into the next date whatever
 * that date is.  Window edges are wall-clock times converted with
 * tz_instant(), so a lesson at 01:30 on the day clocks go forward starts
 * at the jump, and one that straddles the hour that repeats lasts an hour
 * longer.
 *
 * Breaks belong to their schedule day the same way and cut only that
 * day's lessons: a break's times are cut on its date and, where a lesson
 * of the day runs past midnight, on the next date too (breaks = 01:00-
 * 01:30 inside lessons = 22:00-02:00, as config.c accepts it).  So a
 * break of Monday that runs past midnight shortens Monday's night lesson
 * but never Tuesday's own lessons at the same hour: the lessons of two
 * schedule days are united after each has had its own breaks cut.
 * Touching lessons are one: 08:45-10:30 and 10:30-12:00 never flip at
 * 10:30, nor do two lessons the skipped hour joins.
 *
 * With no terms the timetable has no end; with terms, nothing is in
 * lessons after the last term's last lesson, and next is SCHEDULE_NEVER.
 */
#ifndef SG_SCHEDULE_H
#define SG_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "tz.h"

#define SCHEDULE_NEVER	INT64_MAX	/* no change ahead */

struct schedule;

/* Build from cfg's [schedule] in zone tz (both must outlive it).  NULL
 * with *cause (malloc'd) only when memory runs out. */
struct schedule	*schedule_new(const struct config *cfg, const struct tz *tz,
		    char **cause);
void		 schedule_free(struct schedule *);
const struct tz	*schedule_tz(const struct schedule *);

struct schedule_now {
	bool	lessons;	/* in a lesson window and not in a break */
	bool	school_day;	/* today's local date is a school day */
	int32_t	day;		/* local day number of now */
	int64_t	next;		/* first instant > now where lessons flips,
				   or SCHEDULE_NEVER */
	int64_t	midnight;	/* next local midnight after now: the
				   first instant of the next local date */
};

/* The state at now.  Pure, allocation-free; next is exact (the flag is
 * constant on [now, next) and differs at next).  Costs a few
 * tz_instant() calls: it looks at the days from yesterday until the
 * next flip. */
void		 schedule_at(const struct schedule *, int64_t now,
		    struct schedule_now *ret);

/* Is local day number day a school day? */
bool		 schedule_school_day(const struct schedule *, int32_t day);

/*
 * The lesson intervals that start on local day day (breaks already cut
 * out), as instants, in order, into v[max]; returns how many there are
 * (may exceed max: only max are written).  0 on non-school days.  For
 * the block page's "today's timetable".
 */
size_t		 schedule_day(const struct schedule *, int32_t day,
		    int64_t (*v)[2], size_t max);

#endif
