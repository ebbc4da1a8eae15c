/*
 * faultfs.so: an LD_PRELOAD shim that makes one chosen file system call
 * fail, to test what a program does when the disk says no.
 *
 *   LD_PRELOAD=build/faultfs.so FAULTFS_CALL=fsync FAULTFS_ERRNO=ENOSPC \
 *       FAULTFS_PATH='/tmp/x/state.tmp.*' build/statekill --save /tmp/x 5
 *
 * FAULTFS_CALL   open, write, fsync, fdatasync, close or rename; unset:
 *                nothing is injected
 * FAULTFS_PATH   an fnmatch(3) pattern (default "*") for the path: the one
 *                opened (open), the one the fd was opened with (write,
 *                fsync, fdatasync, close), the old name (rename).  An fd
 *                opened before the shim saw it has no path and never
 *                matches a pattern other than "*".
 * FAULTFS_ERRNO  EIO (default), ENOSPC, EDQUOT, EROFS, EINTR, EACCES, a
 *                number, or "short" (write only: write half the bytes,
 *                at least one, and return that -- not an error)
 * FAULTFS_NTH    inject at the Nth matching call (default 1)
 * FAULTFS_COUNT  for this many matching calls from there (default 1; 0:
 *                every one)
 *
 * Each injection is reported on stderr ("faultfs: fsync(/tmp/x/...):
 * injected ENOSPC"), so a test can tell a fault that fired from one that
 * never matched.  A failed close still closes the fd, as Linux does.
 * Single-threaded programs only; paths are recorded as given, not made
 * absolute.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAULTFS_FDS	4096
#define FAULTFS_PATHLEN	4096

enum call { C_NONE, C_OPEN, C_WRITE, C_FSYNC, C_FDATASYNC, C_CLOSE, C_RENAME };

static const char *const call_names[] = {
	"", "open", "write", "fsync", "fdatasync", "close", "rename"
};

static struct {
	bool		 init;
	enum call	 call;
	const char	*pattern;
	int		 err;		/* 0: a short write */
	long		 nth;
	long		 count;
	long		 seen;
	char		*paths[FAULTFS_FDS];
	int		(*open)(const char *, int, ...);
	int		(*openat)(int, const char *, int, ...);
	ssize_t		(*write)(int, const void *, size_t);
	int		(*fsync)(int);
	int		(*fdatasync)(int);
	int		(*close)(int);
	int		(*rename)(const char *, const char *);
} ff;

static const struct {
	const char	*name;
	int		 err;
} errnames[] = {
	{ "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT },
	{ "EROFS", EROFS }, { "EINTR", EINTR }, { "EACCES", EACCES },
	{ "EPERM", EPERM }, { "short", 0 },
};

static void *
next(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (p == NULL) {
		fprintf(stderr, "faultfs: no %s: %s\n", name, dlerror());
		abort();
	}
	return p;
}

static long
envnum(const char *name, long dflt)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return dflt;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 0) {
		fprintf(stderr, "faultfs: bad %s\n", name);
		abort();
	}
	return v;
}

static void
setup(void)
{
	const char *s;
	size_t i;

	if (ff.init)
		return;
	ff.init = true;
	ff.open = (int (*)(const char *, int, ...))next("open");
	ff.openat = (int (*)(int, const char *, int, ...))next("openat");
	ff.write = (ssize_t (*)(int, const void *, size_t))next("write");
	ff.fsync = (int (*)(int))next("fsync");
	ff.fdatasync = (int (*)(int))next("fdatasync");
	ff.close = (int (*)(int))next("close");
	ff.rename = (int (*)(const char *, const char *))next("rename");

	ff.call = C_NONE;
	if ((s = getenv("FAULTFS_CALL")) != NULL && *s != '\0') {
		for (i = 1; i < sizeof(call_names) / sizeof(call_names[0]); i++)
			if (strcmp(s, call_names[i]) == 0)
				ff.call = (enum call)i;
		if (ff.call == C_NONE) {
			fprintf(stderr, "faultfs: unknown FAULTFS_CALL %s\n", s);
			abort();
		}
	}
	ff.pattern = getenv("FAULTFS_PATH");
	if (ff.pattern == NULL || *ff.pattern == '\0')
		ff.pattern = "*";
	ff.err = EIO;
	if ((s = getenv("FAULTFS_ERRNO")) != NULL && *s != '\0') {
		ff.err = -1;
		for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
			if (strcmp(s, errnames[i].name) == 0)
				ff.err = errnames[i].err;
		if (ff.err == -1)
			ff.err = (int)envnum("FAULTFS_ERRNO", EIO);
		if (ff.err == 0 && ff.call != C_WRITE) {
			fprintf(stderr, "faultfs: short is for write only\n");
			abort();
		}
	}
	ff.nth = envnum("FAULTFS_NTH", 1);
	ff.count = envnum("FAULTFS_COUNT", 1);
}

static const char *
fdpath(int fd)
{
	if (fd >= 0 && fd < FAULTFS_FDS && ff.paths[fd] != NULL)
		return ff.paths[fd];
	return NULL;
}

static void
remember(int fd, int dirfd, const char *path)
{
	const char *dir;
	char *p;

	if (fd < 0 || fd >= FAULTFS_FDS)
		return;
	free(ff.paths[fd]);
	ff.paths[fd] = NULL;
	if (path[0] != '/' && dirfd != AT_FDCWD && (dir = fdpath(dirfd)) != NULL) {
		if (asprintf(&p, "%s/%s", dir, path) == -1)
			p = NULL;
	} else
		p = strdup(path);
	ff.paths[fd] = p;
}

static void
forget(int fd)
{
	if (fd >= 0 && fd < FAULTFS_FDS) {
		free(ff.paths[fd]);
		ff.paths[fd] = NULL;
	}
}

/* Whether this call is the one to fail; reports it when it is. */
static bool
inject(enum call c, const char *path)
{
	char msg[FAULTFS_PATHLEN + 128];
	const char *what;
	int n, saved = errno;

	setup();
	if (c != ff.call)
		return false;
	if (strcmp(ff.pattern, "*") != 0 &&
	    (path == NULL || fnmatch(ff.pattern, path, 0) != 0))
		return false;
	ff.seen++;
	if (ff.seen < ff.nth || (ff.count > 0 && ff.seen >= ff.nth + ff.count))
		return false;
	what = ff.err == 0 ? "a short write" : strerror(ff.err);
	n = snprintf(msg, sizeof(msg), "faultfs: %s(%s): injected %s\n",
	    call_names[c], path ? path : "?", what);
	if (n > 0)
		(void)ff.write(2, msg, (size_t)n < sizeof(msg) ? (size_t)n :
		    sizeof(msg) - 1);
	errno = saved;
	return true;
}

static int
fail(void)
{
	errno = ff.err;
	return -1;
}

static mode_t
mode_arg(int flags, va_list ap)
{
	if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE)
		return (mode_t)va_arg(ap, int);
	return 0;
}

static int
do_open(int dirfd, const char *path, int flags, mode_t mode)
{
	int fd;

	if (inject(C_OPEN, path))
		return fail();
	if (dirfd == AT_FDCWD)
		fd = ff.open(path, flags, mode);
	else
		fd = ff.openat(dirfd, path, flags, mode);
	if (fd >= 0)
		remember(fd, dirfd, path);
	return fd;
}

/* glibc declares these only under _FORTIFY_SOURCE. */
int	__open_2(const char *, int);
int	__open64_2(const char *, int);
int	__openat_2(int, const char *, int);
int	__openat64_2(int, const char *, int);

int
open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	setup();
	return do_open(AT_FDCWD, path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	setup();
	return do_open(AT_FDCWD, path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	setup();
	return do_open(dirfd, path, flags, mode);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	setup();
	return do_open(dirfd, path, flags, mode);
}

/* What _FORTIFY_SOURCE calls for an open without a mode. */
int
__open_2(const char *path, int flags)
{
	setup();
	return do_open(AT_FDCWD, path, flags, 0);
}

int
__open64_2(const char *path, int flags)
{
	setup();
	return do_open(AT_FDCWD, path, flags, 0);
}

int
__openat_2(int dirfd, const char *path, int flags)
{
	setup();
	return do_open(dirfd, path, flags, 0);
}

int
__openat64_2(int dirfd, const char *path, int flags)
{
	setup();
	return do_open(dirfd, path, flags, 0);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	setup();
	if (inject(C_WRITE, fdpath(fd))) {
		if (ff.err == 0)
			return ff.write(fd, buf, len > 1 ? len / 2 : len);
		return fail();
	}
	return ff.write(fd, buf, len);
}

int
fsync(int fd)
{
	setup();
	if (inject(C_FSYNC, fdpath(fd)))
		return fail();
	return ff.fsync(fd);
}

int
fdatasync(int fd)
{
	setup();
	if (inject(C_FDATASYNC, fdpath(fd)))
		return fail();
	return ff.fdatasync(fd);
}

int
close(int fd)
{
	bool f;
	int rc;

	setup();
	f = inject(C_CLOSE, fdpath(fd));
	forget(fd);
	rc = ff.close(fd);
	if (f)
		return fail();
	return rc;
}

int
rename(const char *from, const char *to)
{
	setup();
	if (inject(C_RENAME, from))
		return fail();
	return ff.rename(from, to);
}
