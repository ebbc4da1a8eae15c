/*
 * overrides: the headteacher's approvals, overrides.d/NAME.conf (see
 * schoolgate-overrides(5)).  One file, one [override] section:
 *
 *   platform = youtube        a platform id or a category of the
 *                             catalogue ("social"), or
 *   domain = www.example.org  a domain and its subdomains (exactly one of
 *                             platform and domain)
 *   who = person:NAME | group:NAME | ip:ADDR[/LEN] | all
 *   from = 2026-11-23 [HH:MM] until = 2026-12-18 [HH:MM]
 *                             local time; a date alone in from is its
 *                             start, in until its end (inclusive date)
 *   hours = 12:15-13:00, ...  optional daily windows inside from..until
 *   extra_quota = 15m         optional: more allowance each day in force
 *                             instead of an unblock
 *   reason, approved_by       text, required
 *   request = r-20261121-0007 optional link to the request
 *
 * Each file is read and checked on its own: a bad file is reported with
 * file:line and left out while every other file applies.  Names in
 * platform and who are checked against the config and catalogue given.
 * The set is immutable once loaded; the daemon loads a new one when the
 * directory changes and swaps the pointer.
 */
#ifndef SG_OVERRIDES_H
#define SG_OVERRIDES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "config.h"

struct catalog;

#define OVERRIDE_FILE_MAX	(64 * 1024)	/* bytes in one file */
#define OVERRIDE_FILES_MAX	10000		/* files in the directory */
#define OVERRIDE_TEXT_MAX	256		/* reason, approved_by */
#define OVERRIDE_HOURS_MAX	8		/* windows in hours */
#define OVERRIDE_ID_MAX		64		/* file name without .conf */
#define OVERRIDE_REQUEST_MAX	64		/* request */
#define OVERRIDE_ERRORS_MAX	10		/* messages of one file, then
						   a count */

enum override_who {
	OVR_ALL = 0,
	OVR_GROUP,
	OVR_PERSON,
	OVR_IP,
};

struct override {
	char			*file;		/* path as read (raw bytes) */
	char			*id;		/* file name without .conf:
						   1-64 of A-Z a-z 0-9 . _ -,
						   from a letter or digit */
	unsigned		 line;		/* of [override] */
	char			*platform;	/* id or category, or NULL */
	char			*domain;	/* lower case, no trailing dot,
						   or NULL */
	enum override_who	 who;
	char			*who_name;	/* OVR_GROUP, OVR_PERSON */
	struct cidr		 who_prefix;	/* OVR_IP */
	int32_t			 from_day;	/* local day numbers */
	int32_t			 from_sec;	/* seconds into from_day */
	int32_t			 until_day;	/* until is exclusive: */
	int32_t			 until_sec;	/* a date alone is 86400 */
	struct config_window	 hours[OVERRIDE_HOURS_MAX];
	size_t			 nhours;	/* 0: all day */
	uint32_t		 extra_quota;	/* seconds; 0: an unblock */
	char			*reason;	/* UTF-8, blanks made single */
	char			*approved_by;
	char			*request;	/* or NULL */
};

/* A file left out, and why. */
struct override_reject {
	char	*file;		/* path as read (raw bytes: escape to show) */
	char	*cause;		/* "file:line: message\n" lines, escaped;
				   "file: message" about the file as a whole */
};

struct overrides {
	struct override		*v;	/* sorted by id */
	size_t			 n;
	struct override_reject	*rejected;	/* sorted by file */
	size_t			 nrejected;
};

/*
 * Parse one override file's text (pure; the fuzz target drives it).
 * cfg and cat may be NULL to skip the cross-checks.  Returns 0 filling
 * *ret (free with override_clear), or -EINVAL with *cause set (malloc'd,
 * every error found, one "path:line: message\n" each, by line, at most
 * OVERRIDE_ERRORS_MAX and a count), or -ENOMEM with *cause NULL.  The
 * name of path must be ID.conf.  *ret is untouched on failure; cause
 * may be NULL.  text may hold any bytes.
 */
int		 override_parse(const char *path, const char *text, size_t len,
		    const struct config *cfg, const struct catalog *cat,
		    struct override *ret, char **cause);
/* Free what an override owns and zero it.  NULL is a no-op. */
void		 override_clear(struct override *);

/*
 * Write the canonical text of an override to f: fixed key order, texts
 * wrapped on indented lines, a date alone where the time is the start
 * (from) or the end (until) of the day.  It is what override_parse
 * reads back to an override_equal one: the text is checked by parsing
 * it (without cfg and cat) before anything is written.  Returns 0,
 * -EINVAL writing nothing when it would not parse back (a hand-built
 * override with a bad field), -ENOMEM, or -EIO when f fails.
 */
int		 override_format(const struct override *, FILE *f);

/* Same meaning: every field but file, id and line equal. */
bool		 override_equal(const struct override *,
		    const struct override *);

/*
 * Does the domain override o cover the connection name (NUL-terminated,
 * any bytes)?  True when name is the domain or under it by labels
 * ("example.org" covers "www.example.org", not "badexample.org"),
 * ASCII case ignored, one trailing dot of name ignored.  False when o
 * names a platform, or name is NULL.  No allocation.
 */
bool		 override_covers_name(const struct override *o,
		    const char *name);

/*
 * Read every *.conf in dir (others and dot files ignored, a missing
 * directory is an empty set).  Bad files go to ->rejected, never fail
 * the whole.  Returns NULL with *cause only when dir cannot be read or
 * memory runs out.
 *
 * Only regular files are read, a symlink when it leads to one;
 * directories (and symlinks to them) are skipped, any other *.conf (a
 * FIFO, a dangling symlink, a file larger than OVERRIDE_FILE_MAX) is
 * rejected.  The first OVERRIDE_FILES_MAX names in byte order are read;
 * later ones are rejected unread, and past twice that they are not even
 * listed (one entry, file = dir, says how many there were).
 */
struct overrides *overrides_load_dir(const char *dir,
		    const struct config *cfg, const struct catalog *cat,
		    char **cause);
void		 overrides_free(struct overrides *);

#endif
