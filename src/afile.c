/*
 * afile: atomic, durable file replacement (see afile.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "cause.h"

/* "STEP PATH: strerror", errno e; returns -e. */
static int
sys_fail(char **cause, int e, const char *step, const char *path,
    const char *note)
{
	cause_set(cause, "%s %s: %s%s", step, path, strerror(e), note);
	return -e;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;	/* a regular file never says 0 */
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
afile_write(const char *dir, const char *name, const char *text,
    size_t len, mode_t mode, int excl, char **cause)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int fd, dfd, rc, e, tries;

	if (cause != NULL)
		*cause = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/%s.tmp.%ld", dir, name,
	    (long)getpid()) >= sizeof(tmp)) {
		cause_set(cause, "file name too long: %s/%s", dir, name);
		return -ENAMETOOLONG;
	}

	/*
	 * A file of our own pid can only be left by an earlier write of
	 * this process that could not unlink it, or a dead process with
	 * the same pid: either way ours to replace.
	 */
	for (tries = 0;; tries++) {
		fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
		if (fd >= 0)
			break;
		e = errno;
		if (e == EINTR)
			continue;
		if (e != EEXIST || tries > 0 || unlink(tmp) != 0)
			return sys_fail(cause, e, "open", tmp, "");
	}
	if ((rc = write_all(fd, text, len)) != 0) {
		sys_fail(cause, -rc, "write", tmp, "");
		goto fail_open;
	}
	if (fsync(fd) != 0) {
		rc = sys_fail(cause, errno, "fsync", tmp, "");
		goto fail_open;
	}
	if (close(fd) != 0) {
		rc = sys_fail(cause, errno, "close", tmp, "");
		goto fail_closed;
	}
	if (excl) {
		if (link(tmp, path) != 0) {
			e = errno;
			cause_set(cause, "link %s to %s: %s", tmp, path,
			    strerror(e));
			rc = -e;
			goto fail_closed;
		}
		(void)unlink(tmp);
	} else if (rename(tmp, path) != 0) {
		e = errno;
		cause_set(cause, "rename %s to %s: %s", tmp, path, strerror(e));
		rc = -e;
		goto fail_closed;
	}

	/*
	 * The new file is in place now, but its name is not durable until
	 * the directory is.  A failure here is a failed write: the caller
	 * must not act on it.
	 */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return sys_fail(cause, errno, "open directory", dir,
		    " (the new file is in place but not durable)");
	if (fsync(dfd) != 0) {
		e = errno;
		close(dfd);
		return sys_fail(cause, e, "fsync directory", dir,
		    " (the new file is in place but not durable)");
	}
	/* Read-only: nothing to flush, so its close cannot lose anything. */
	close(dfd);
	return 0;

fail_open:
	close(fd);
fail_closed:
	unlink(tmp);
	return rc;
}
