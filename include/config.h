/*
 * config: schoolgate.conf (see schoolgate.conf(5)), parsed with inih into a
 * fresh struct config, then checked as a whole (cross-references, overlaps,
 * limits).  The result is immutable: the daemon builds a new one on reload
 * and swaps the pointer, keeping the old one when the new file is bad.
 *
 * Sections and keys (defaults in brackets; "none" is an empty list):
 *
 *   [gateway]      interface (list, required), lan (prefix list, required),
 *                  timezone [Europe/London], state_dir [/var/lib/schoolgate],
 *                  platforms_dir [/etc/schoolgate/platforms.d],
 *                  overrides_dir [/etc/schoolgate/overrides.d],
 *                  control_socket [/run/schoolgate/control.sock],
 *                  metrics (ADDR:PORT or none) [127.0.0.1:9654],
 *                  log_dir [/var/log/schoolgate], retention_days
 *                  (audit events kept, 1..3650) [90],
 *                  never_block (address/prefix list) [none],
 *                  resolvers (address/prefix list, or observed)
 *                  [observed],
 *                  on_exit (keep|flush) [keep], tick (duration) [10s],
 *                  capture_buffer (size) [4M],
 *                  default_group (group for LAN clients that match no
 *                  person or member, or none) [none]
 *   [schedule]     school_days (days) [mon-fri], lessons (windows, required),
 *                  lessons.DAY, breaks [none], breaks.DAY, terms (date
 *                  ranges) [not set: every date is a term date],
 *                  closed (dates, date ranges) [none]
 *   [group NAME]   members (prefixes, addresses, MACs, @file) [none],
 *                  lessons (block|allow) [block],
 *                  outside (quota|allow|block) [block],
 *                  daily_quota (duration) [30m], active_bytes (size) [16k],
 *                  platforms (catalogue categories or ids) [social]
 *   [person NAME]  group (required), devices (addresses, MACs, @file,
 *                  required)
 *   [blockpage]    listen (ADDR:PORT, [ADDR6]:PORT, one of each on one
 *                  port, or none) [none],
 *                  tls_port (the HTTPS page, with a CA) [8443],
 *                  ca_cert, ca_key (both or neither) [not set],
 *                  school, contact (text) [not set],
 *                  request_expiry (duration, 1h..90d) [7d],
 *                  requests_per_day (per person, 1..100) [5]
 *
 * "none" alone is an empty list or an unset value where a key allows one
 * (an empty value is always an error); "terms = all" is the default, every
 * date a term date.
 *
 * Syntax beyond inih's: ';' or '#' at the start of a line, after
 * whitespace or right after the '=' starts a comment; an indented line
 * continues the value of the key above it (list items, or words of a
 * text), unless it reads as one of the section's keys ("  lan = ..."),
 * which is an error; a relative @file path is relative to the directory
 * of the config file.  An @file holds one device a line, '#' comments and
 * blank lines.  Identity precedence for the modules that use this: a
 * person's device beats any group member, and among group members the
 * longest prefix wins (an identical member in two groups is an error, so
 * the choice is never ambiguous).  Every group member and person address
 * lies inside lan.
 */
#ifndef SG_CONFIG_H
#define SG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

/*
 * Limits.  Nobody hostile writes the config, but a typo or a wrong @file
 * must end in an error message, never in a daemon that eats the gateway's
 * memory.  Exceeding any of these is a config error.
 */
#define CONFIG_FILE_MAX		(4 * 1024 * 1024) /* bytes in one file */
#define CONFIG_LINE_MAX		199	/* characters in a config line */
#define CONFIG_DEVLINE_MAX	255	/* characters in a device-file line */
#define CONFIG_VALUE_MAX	4096	/* a value, continuation lines joined */
#define CONFIG_LIST_MAX		256	/* items in one list value */
#define CONFIG_RANGES_MAX	64	/* windows or terms in one key */
#define CONFIG_NAME_MAX		32	/* group, person and platform names */
#define CONFIG_PATH_MAX		160	/* a path value or an @file path */
#define CONFIG_TEXT_MAX		256	/* school, contact */
#define CONFIG_GROUPS_MAX	64
#define CONFIG_PERSONS_MAX	20000
#define CONFIG_DEVICES_MAX	100000	/* members + devices, @files expanded */
#define CONFIG_INCLUDES_MAX	256	/* @file references in one config */
#define CONFIG_ERRORS_MAX	100	/* messages in *cause, then a count */

/* Minutes in a day: a window end of 1440 is 24:00. */
#define CONFIG_DAY_MINUTES	1440

enum config_on_exit {
	CONFIG_ON_EXIT_KEEP = 0,
	CONFIG_ON_EXIT_FLUSH,
};

enum config_lessons {
	CONFIG_LESSONS_BLOCK = 0,
	CONFIG_LESSONS_ALLOW,
};

enum config_outside {
	CONFIG_OUTSIDE_BLOCK = 0,
	CONFIG_OUTSIDE_QUOTA,
	CONFIG_OUTSIDE_ALLOW,
};

/*
 * A daily window in local minutes since midnight.  start is 0..1439, end
 * 1..1440.  end <= start means the window crosses midnight: it starts on
 * the day it belongs to and ends on the next one (22:00-02:00).
 */
struct config_window {
	uint16_t	start;
	uint16_t	end;
};

struct config_windows {
	const struct config_window	*v;	/* sorted by start */
	size_t				 n;
};

struct config_date {
	uint16_t	year;		/* 2000..2099 */
	uint8_t		month;		/* 1..12 */
	uint8_t		day;		/* 1..31 */
	int32_t		days;		/* days since 1970-01-01, to compare */
};

/* Inclusive on both ends; from == to for a single date. */
struct config_daterange {
	struct config_date	from;
	struct config_date	to;
};

struct config_dateranges {
	const struct config_daterange	*v;	/* sorted by from */
	size_t				 n;
};

enum config_device_kind {
	CONFIG_DEV_PREFIX = 0,	/* an address is a full-length prefix */
	CONFIG_DEV_MAC,
};

struct config_device {
	enum config_device_kind	 kind;
	struct cidr		 prefix;	/* CONFIG_DEV_PREFIX */
	struct mac		 mac;		/* CONFIG_DEV_MAC */
	const char		*file;		/* where it was written */
	unsigned		 line;
};

/* One list item as written (a device or an @file), for config_print. */
struct config_source {
	const char	*include;	/* path after '@' as written, or NULL */
	size_t		 first;		/* devices it produced: v[first..] */
	size_t		 count;
};

struct config_devices {
	const struct config_device	*v;	/* in the order written */
	size_t				 n;
	const struct config_source	*src;
	size_t				 nsrc;
};

struct config_group {
	const char		*name;
	struct config_devices	 members;
	enum config_lessons	 lessons;
	enum config_outside	 outside;
	uint32_t		 daily_quota;	/* seconds */
	uint64_t		 active_bytes;	/* per person per tick */
	const char *const	*platforms;	/* words, unchecked here */
	size_t			 nplatforms;
	unsigned		 line;		/* of the section header */
};

struct config_person {
	const char			*name;
	const struct config_group	*group;
	struct config_devices		 devices;
	unsigned			 line;	/* of the section header */
};

struct config_arena;

struct config {
	const char			*path;	/* as given to config_load */

	struct {
		const char *const	*interfaces;
		size_t			 ninterfaces;
		const struct cidr	*lan;
		size_t			 nlan;
		const char		*timezone;
		const char		*state_dir;
		const char		*platforms_dir;
		const char		*overrides_dir;
		const char		*control_socket;
		bool			 metrics;	/* Prometheus on: */
		struct addr		 metrics_addr;
		uint16_t		 metrics_port;
		const char		*log_dir;	/* events.jsonl */
		uint32_t		 retention_days;
		const struct cidr	*never_block;
		size_t			 nnever_block;
		const struct cidr	*resolvers;	/* none: observed */
		size_t			 nresolvers;
		enum config_on_exit	 on_exit;
		uint32_t		 tick;		/* seconds */
		uint64_t		 capture_buffer; /* bytes */
		const struct config_group *default_group; /* or NULL */
	} gateway;

	struct {
		uint8_t			 school_days;	/* bit n: tm_wday n */
		struct config_windows	 lessons;	/* the lessons key */
		struct config_windows	 breaks;	/* the breaks key */
		/* lessons.DAY / breaks.DAY, valid where bit tm_wday is set. */
		struct config_windows	 lessons_on[7];
		struct config_windows	 breaks_on[7];
		uint8_t			 lessons_on_set;
		uint8_t			 breaks_on_set;
		/*
		 * What applies on each weekday (index tm_wday): the DAY key
		 * or the plain one; empty on days that are not school days.
		 */
		struct config_windows	 day_lessons[7];
		struct config_windows	 day_breaks[7];
		bool			 terms_set;	/* false: all dates */
		struct config_dateranges terms;
		struct config_dateranges closed;
	} schedule;

	const struct config_group	*groups;	/* in file order */
	size_t				 ngroups;
	const struct config_person	*persons;	/* in file order */
	size_t				 npersons;

	struct {
		bool		 enabled;	/* listen is set */
		struct addr	 listen;		/* the first given */
		struct addr	 listen_also;	/* the other family's, or
						   family 0 */
		uint16_t	 port;
		uint16_t	 tls_port;	/* with ca_cert */
		const char	*ca_cert;	/* NULL or both set */
		const char	*ca_key;
		const char	*school;	/* NULL when not set */
		const char	*contact;
		uint32_t	 request_expiry;	/* seconds */
		uint32_t	 requests_per_day;
	} blockpage;

	struct config_arena		*arena;	/* owns everything above */
};

/*
 * Read and check the file at path (and the @files it names).  Returns a
 * new config and sets *cause to NULL, or returns NULL with *cause set
 * (malloc'd, caller frees; NULL only when memory ran out): one
 * "file:line: message\n" line per error found, every error rather than
 * the first, ordered by where they are in the file (an @file's errors
 * where the config names it), at most CONFIG_ERRORS_MAX and then a line
 * with the count of the others.  cause may be NULL.  Reads $TZDIR.
 */
struct config	*config_load(const char *path, char **cause);

/* Free a config from config_load and everything it owns.  NULL is a
 * no-op. */
void		 config_free(struct config *);

/*
 * Write the normalised config to f: fixed section order, every key with
 * its effective value, canonical forms.  Deterministic; loads back to the
 * same text (relative @files then resolve against the new file's dir).
 */
void		 config_print(FILE *f, const struct config *);

/* Find a group or person by name.  NULL when there is none; the result
 * lives as long as the config. */
const struct config_group	*config_group_find(const struct config *,
				    const char *name);
const struct config_person	*config_person_find(const struct config *,
				    const char *name);

/* Is s (len bytes) a group name: 1-CONFIG_NAME_MAX of a-z, 0-9, '_' and
 * '-'?  A person name: the same and '.', from a letter or digit. */
bool	config_group_name_ok(const char *s, size_t len);
bool	config_person_name_ok(const char *s, size_t len);

/*
 * Value parsers, shared with the overrides and catalogue readers.  Each
 * takes a NUL-terminated string without surrounding blanks and returns 0
 * filling *ret, or -EINVAL leaving *ret alone and writing why the value is
 * wrong (one phrase naming the bad part, no newline) into why[whylen].
 */

/* "1h30m", "30m", "10s", "2d": units s m h d, largest first, each at most
 * once; a bare number is an error.  *ret in seconds. */
int	config_parse_duration(const char *s, uint32_t *ret, char *why,
	    size_t whylen);

/* "512", "16k", "4M", "1G" (binary multiples; k/K, m/M, g/G).  *ret in
 * bytes, at most 1 TiB. */
int	config_parse_size(const char *s, uint64_t *ret, char *why,
	    size_t whylen);

/* "HH:MM" (H:MM accepted), 00:00..24:00.  *ret in minutes, 0..1440; the
 * caller decides whether 24:00 is acceptable where it is used. */
int	config_parse_time(const char *s, unsigned *ret, char *why,
	    size_t whylen);

/* "HH:MM-HH:MM"; may cross midnight; 24:00 only as an end ("x-00:00" is
 * read as "x-24:00"); start == end is an error. */
int	config_parse_window(const char *s, struct config_window *ret,
	    char *why, size_t whylen);

/* "YYYY-MM-DD", a real calendar date with year 2000..2099. */
int	config_parse_date(const char *s, struct config_date *ret, char *why,
	    size_t whylen);

/* "YYYY-MM-DD..YYYY-MM-DD" (inclusive, not reversed) or one date. */
int	config_parse_daterange(const char *s, struct config_daterange *ret,
	    char *why, size_t whylen);

/* Canonical text of a value into buf[len] (always NUL-terminated).
 * Return what snprintf returns. */
int	config_format_duration(uint32_t secs, char *buf, size_t len);
int	config_format_size(uint64_t bytes, char *buf, size_t len);
int	config_format_window(const struct config_window *, char *buf,
	    size_t len);
int	config_format_date(const struct config_date *, char *buf, size_t len);
int	config_format_daterange(const struct config_daterange *, char *buf,
	    size_t len);

/* True when two windows share a minute on some day, counting the part of
 * a midnight-crossing window that runs into the next day. */
bool	config_windows_overlap(const struct config_window *,
	    const struct config_window *);

#endif
