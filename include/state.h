/*
 * state: what the daemon must not forget across a crash or restart --
 * the allowance used today per holder (a person, or a device without
 * one) and the platform addresses learned from DNS -- in
 * state_dir/state.
 *
 * The file is text, versioned and checksummed; it is replaced with
 * write-temp, fsync, rename, fsync-dir, so a crash at any moment leaves
 * either the old file or the new one, whole.  The daemon charges the
 * quota and saves before it grants anything (see quota.h), so a crash
 * loses at most the tick being written and never grants time.
 *
 * A save that fails (write, fsync, rename: EIO, ENOSPC...) leaves the
 * old file in place and says so in *cause; the caller logs it loudly and
 * saves again at the next tick.  A file that fails to load (bad
 * checksum, truncated, unknown version) is renamed aside to
 * state.bad-<unix time> and reported: the daemon starts empty rather
 * than not at all.
 *
 * The format (src/state.c says more):
 *
 *	schoolgate-state 1
 *	saved 1763800000
 *	quota jsmith 20415 600
 *	ip 157.240.1.35 instagram 1763803600
 *	end 1 1 sha256=<hex SHA-256 of every byte before the hex>
 *
 * Holders are 1..63 of [A-Za-z0-9._:-], platform ids 1..31 of
 * [a-z0-9_-]; one quota line per (holder, day), one ip line per
 * (address, platform); quota lines before ip lines; the end line counts
 * both.  The reader refuses anything the writer would not write.
 *
 * No globals, no logging (callers log), no clock: the time in the file is
 * st->saved, set by the caller.  The one exception is state_load naming a
 * bad file whose saved line is unreadable after time(NULL).  Only one
 * process may use a state directory at a time.
 */
#ifndef SG_STATE_H
#define SG_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define STATE_VERSION		1
#define STATE_HOLDER_MAX	64	/* bytes of a holder name, NUL incl. */
#define STATE_PLATFORM_MAX	32	/* bytes of a platform id, NUL incl. */
#define STATE_FILE_MAX		(64 * 1024 * 1024)

struct state_quota {
	char		holder[STATE_HOLDER_MAX]; /* "jsmith", "ip:10.10.0.9" */
	int32_t		day;		/* local day number it counts */
	uint32_t	used;		/* seconds of allowance used */
};

struct state_ip {
	struct addr	addr;
	char		platform[STATE_PLATFORM_MAX];	/* catalogue id */
	int64_t		expires;	/* unix seconds */
};

struct state {
	int64_t			 saved;	/* unix seconds of the save */
	struct state_quota	*quota;
	size_t			 nquota;
	struct state_ip		*ips;
	size_t			 nips;
};

/*
 * Write st to dir/state atomically and durably.  0 on success (the new
 * file is on disk); -errno with *cause set (malloc'd) on failure, the old
 * file untouched.  Never reports success for a write it could not make
 * durable.  The cause names the step and the path ("fsync
 * /var/lib/schoolgate/state.tmp.123: No space left on device").  One
 * failure comes after the old file is gone: the directory fsync after
 * the rename ("fsync directory DIR: ..."); dir/state then holds the new
 * state, which may not survive a power cut -- still a failure, so the
 * caller grants nothing on it.  -EINVAL when st fails state_check,
 * -EFBIG when its text would pass STATE_FILE_MAX.
 */
int	state_save(const char *dir, const struct state *st, char **cause);

/*
 * Read dir/state into *st (free with state_clear).  0 when loaded;
 * -ENOENT when there is none (st empty, *cause NULL); any other -errno
 * with *cause set and st empty -- for a corrupt or future-version file
 * the file has been moved aside and *cause names the new name.
 * *st is overwritten, not freed.  Corrupt (bad checksum, truncated,
 * larger than STATE_FILE_MAX, any syntax error) is -EBADMSG, a newer
 * version -EPROTO; the new name is state.bad-<saved>, or
 * state.bad-<time(NULL)> when the saved line is unreadable, with .1, .2
 * ... when taken.  Leftover state.tmp.<pid> files of a crashed save are
 * removed first.  I/O errors (-EIO from read...) move nothing.
 */
int	state_load(const char *dir, struct state *st, char **cause);

/*
 * Parse and format the file's text (pure; the fuzz target and tests).
 * state_parse: 0 and *st filled (free with state_clear); -EBADMSG,
 * -EPROTO (newer version) or -ENOMEM with *cause set and *st untouched.
 * cause may be NULL; on -ENOMEM *cause may be NULL.
 */
int	state_parse(const char *text, size_t len, struct state *st,
	    char **cause);
/*
 * malloc'd text of st, NUL-terminated, *lenp its length; NULL on ENOMEM.
 * st should pass state_check: otherwise the text will not parse back.
 */
char	*state_format(const struct state *st, size_t *lenp);

/*
 * Whether st can be written and read back: names within their limits and
 * character sets, address families known, no duplicate (holder, day) or
 * (address, platform).  0, or -EINVAL (-ENOMEM) with *cause set; cause
 * may be NULL.  state_save calls it.
 */
int	state_check(const struct state *st, char **cause);

/* Free what st holds and empty it; NULL is fine. */
void	state_clear(struct state *st);

#endif
