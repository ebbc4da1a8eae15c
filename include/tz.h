/*
 * tz: local civil time from the system tz database, without the C
 * library's process-wide TZ state.  A zone is read once (a TZif file,
 * versions 1 to 4, with its POSIX-TZ footer for instants past the last
 * transition) into an immutable struct tz; every conversion after that
 * is pure and allocation-free.  No DST rule is written down here: the
 * transitions and the footer rule come from the file.
 *
 * Time is int64_t seconds since 1970-01-01T00:00:00Z (leap seconds, if a
 * "right/" zone has them, are ignored).  A local day is a day number:
 * days since 1970-01-01 in the local calendar.
 */
#ifndef SG_TZ_H
#define SG_TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/* The local reading of an instant. */
struct tz_local {
	int32_t	day;		/* local day number */
	int32_t	sec;		/* seconds since local midnight, 0..86399 */
	int32_t	offset;		/* UTC offset in force, seconds east */
	uint8_t	wday;		/* 0 = Sunday .. 6, as tm_wday */
	uint8_t	isdst;
};

/*
 * Load zone name ("Europe/London") from $TZDIR, or /usr/share/zoneinfo
 * when TZDIR is unset.  Names are relative, without "..".  Returns NULL
 * with *cause set (malloc'd) on any error; cause may be NULL.
 */
struct tz	*tz_load(const char *name, char **cause);

/* Parse a TZif image in memory (pure; what tz_load uses and the fuzzer
 * drives).  name is kept for messages.  Refuses anything RFC 8536 does
 * not allow, an offset outside (-25 h, 26 h), more than 1 MiB, and a
 * footer with daylight time but no rule (none is made up). */
struct tz	*tz_parse(const char *name, const uint8_t *buf, size_t len,
		    char **cause);

/* A fixed-offset zone (tests, and "UTC"). */
struct tz	*tz_fixed(const char *name, int32_t offset);

void		 tz_free(struct tz *);
const char	*tz_name(const struct tz *);

/* The local reading of instant t. */
void		 tz_local(const struct tz *, int64_t t, struct tz_local *ret);

/*
 * The instant at which local wall-clock time (day, sec) begins, sec may
 * be 0..86400 (86400 is the next day's midnight).  A wall time that
 * occurs twice (clocks go back) gives the first; one that never occurs
 * (clocks go forward) gives the instant of the jump, i.e. the first
 * instant whose local time is later than it.  In one phrase: the first
 * instant whose local time is at or after (day, sec).  So
 * [tz_instant(d, a), tz_instant(d, b)) is the set of instants whose
 * local time on day d is in [a, b), where an hour that repeats counts
 * once, as the clock first shows it -- the rule every window in
 * schoolgate follows.  Instants are clamped to +-2^46 s (two million
 * years), which keeps day numbers in int32_t.
 */
int64_t		 tz_instant(const struct tz *, int32_t day, int32_t sec);

/* Day number <-> civil date (proleptic Gregorian). */
int32_t		 tz_days_from_civil(int32_t year, unsigned month, unsigned day);
void		 tz_civil_from_days(int32_t days, int32_t *year,
		    unsigned *month, unsigned *day);

/* "2026-11-23T10:01:02+00:00" for t in zone: buf gets at least 26
 * bytes (an offset with seconds, as local mean time has, adds ":SS" and
 * is cut short in 26).  Returns strlen of what was written. */
size_t		 tz_format(const struct tz *, int64_t t, char *buf,
		    size_t len);

#endif
