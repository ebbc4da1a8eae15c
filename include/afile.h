/*
 * afile: replace a file atomically and durably -- write DIR/NAME.tmp.PID,
 * fsync it, close it, rename it over DIR/NAME, fsync DIR -- so a crash at
 * any moment leaves the old file or the new one, whole.  The state file,
 * the request spool and the override files written by approvals use it.
 *
 * fsync is never retried, not even after EINTR: after a failed fsync the
 * kernel may have dropped the dirty pages and a second fsync would say 0
 * about data it lost; the caller writes the whole file again instead.
 * close is checked for the same reason (NFS reports write errors there)
 * and not retried (Linux has closed the fd whatever it says).
 */
#ifndef SG_AFILE_H
#define SG_AFILE_H

#include <sys/types.h>

#include <stddef.h>

/*
 * Write len bytes of text to dir/name as above, mode for a new file.
 * 0 when the new file is durable; -errno with *cause (malloc'd) naming
 * the step and the path ("fsync DIR/NAME.tmp.123: No space left on
 * device"), the old file untouched and the temporary file removed.  One
 * failure comes after the old file is gone: the directory fsync after
 * the rename ("fsync directory DIR: ..."); dir/name then holds the new
 * text, which may not survive a power cut -- still a failure.  excl:
 * fail with -EEXIST rather than replace an existing dir/name (a new
 * request or override never overwrites another; link(2) makes it
 * atomic).  cause may be NULL.
 */
int	afile_write(const char *dir, const char *name, const char *text,
	    size_t len, mode_t mode, int excl, char **cause);

#endif
