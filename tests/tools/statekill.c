/*
 * statekill: drive state.c the way the daemon does, to be killed.
 *
 *   statekill DIR LOG            load DIR/state, then forever: charge one
 *                                tick, save, confirm
 *   statekill --check DIR LOG    after a kill: does DIR/state load, and is
 *                                what it holds what LOG confirmed?
 *   statekill --save DIR USED    load, set the used seconds, save once
 *   statekill --get DIR          load and print the used seconds
 *   statekill --nap USEC         sleep (for tests/t-state-kill.sh)
 *
 * The state holds one holder "kill" whose used seconds grow by TICK per
 * save, and PAD padding quota and ip lines, so the file is tens of
 * kilobytes and a write of it can be cut by the kill.
 *
 * "Confirmed" is what the daemon may act on: a value state_save returned
 * 0 for (the daemon grants only after that), or a value state_load
 * returned at start (the daemon trusts what it loaded).  Each is appended
 * to LOG as one 16-byte record with a single write(2) to a file opened
 * O_APPEND before the loop: SIGKILL lands before or after a system call,
 * and a 16-byte write at a 16-byte-aligned offset never crosses a page,
 * so a record is in the file whole or not at all (a torn tail, should one
 * ever appear, is ignored and reported).  A kill between a save and its
 * record leaves the file one tick ahead of LOG, never more: the next run
 * confirms what it loads before it saves again.  So after any kill
 *
 *	confirmed <= loaded <= confirmed + TICK
 *
 * where loaded < confirmed would be a lost tick the daemon had granted,
 * and loaded > confirmed + TICK time charged twice.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "state.h"

#define TICK		10
#define PAD		300
#define HOLDER		"kill"
#define LOG_MAGIC	UINT64_C(0x31746b6c6c696b73)	/* "skillkt1" */

struct record {
	uint64_t	magic;
	uint64_t	used;
};

static void
usage(void)
{
	fprintf(stderr, "usage: statekill DIR LOG\n"
	    "       statekill --check DIR LOG\n"
	    "       statekill --save DIR USED\n"
	    "       statekill --get DIR\n"
	    "       statekill --nap USEC\n");
	exit(2);
}

/* The state statekill saves: the padding, then the holder. */
static void
build(struct state *st, uint32_t used)
{
	struct state_quota *q;
	struct state_ip *ip;
	char a[64];
	size_t i;

	memset(st, 0, sizeof(*st));
	st->quota = calloc(PAD + 1, sizeof(*st->quota));
	st->ips = calloc(PAD, sizeof(*st->ips));
	if (st->quota == NULL || st->ips == NULL) {
		fprintf(stderr, "statekill: out of memory\n");
		exit(2);
	}
	for (i = 0; i < PAD; i++) {
		q = &st->quota[i];
		snprintf(q->holder, sizeof(q->holder), "ip:fd10::%zx", i);
		q->day = 20415;
		q->used = (uint32_t)(i * 7);
		ip = &st->ips[i];
		snprintf(a, sizeof(a), "2a03:2880:f10d:83:face:b00c:%zx:25de",
		    i);
		if (addr_parse(a, &ip->addr) != 0)
			abort();
		snprintf(ip->platform, sizeof(ip->platform), "platform_%zu",
		    i % 17);
		ip->expires = 1763803600 + (int64_t)i;
	}
	q = &st->quota[PAD];
	snprintf(q->holder, sizeof(q->holder), "%s", HOLDER);
	q->day = 20415;
	q->used = used;
	st->nquota = PAD + 1;
	st->nips = PAD;
}

/*
 * Load DIR.  1 and *used when there is a state, 0 when there is none;
 * exits when it does not load or is not what build() wrote.
 */
static int
load(const char *dir, uint32_t *used)
{
	struct state st, want;
	char *cause = NULL;
	size_t i;
	int rc;

	rc = state_load(dir, &st, &cause);
	if (rc == -ENOENT)
		return 0;
	if (rc != 0) {
		fprintf(stderr, "statekill: load %s: %s\n", dir,
		    cause ? cause : strerror(-rc));
		exit(1);
	}
	if (st.nquota != PAD + 1 || st.nips != PAD ||
	    strcmp(st.quota[PAD].holder, HOLDER) != 0) {
		fprintf(stderr, "statekill: %s holds something else\n", dir);
		exit(1);
	}
	build(&want, st.quota[PAD].used);
	for (i = 0; i < PAD; i++)
		if (strcmp(st.quota[i].holder, want.quota[i].holder) != 0 ||
		    st.quota[i].used != want.quota[i].used ||
		    !addr_equal(&st.ips[i].addr, &want.ips[i].addr) ||
		    strcmp(st.ips[i].platform, want.ips[i].platform) != 0 ||
		    st.ips[i].expires != want.ips[i].expires) {
			fprintf(stderr, "statekill: padding %zu differs\n", i);
			exit(1);
		}
	*used = st.quota[PAD].used;
	state_clear(&want);
	state_clear(&st);
	return 1;
}

static void
confirm(int fd, uint32_t used)
{
	struct record r = { LOG_MAGIC, used };

	/* One write, whole or not at all; a failure here ends the run. */
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r)) {
		fprintf(stderr, "statekill: write log: %s\n", strerror(errno));
		exit(1);
	}
}

static int
run(const char *dir, const char *logpath)
{
	struct state st;
	uint32_t used = 0;
	char *cause = NULL;
	int fd;

	fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "statekill: %s: %s\n", logpath, strerror(errno));
		return 1;
	}
	if (load(dir, &used))
		confirm(fd, used);
	build(&st, used);
	for (;;) {
		st.quota[PAD].used += TICK;	/* charge... */
		st.saved = (int64_t)time(NULL);
		if (state_save(dir, &st, &cause) != 0) {
			fprintf(stderr, "statekill: %s\n", cause);
			return 1;
		}
		confirm(fd, st.quota[PAD].used);	/* ...then grant */
	}
}

/* Count the names in dir that start with prefix. */
static int
count(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

/*
 * Prints one line for the script to add up:
 *   check ok used U confirmed C ahead N tmp T torn B
 */
static int
check(const char *dir, const char *logpath)
{
	struct record r, last = { 0, 0 };
	uint32_t used = 0;
	int fd, tmp, have, nrec = 0;
	ssize_t n;
	bool torn = false;

	if ((fd = open(logpath, O_RDONLY | O_CLOEXEC)) < 0 && errno != ENOENT) {
		fprintf(stderr, "statekill: %s: %s\n", logpath, strerror(errno));
		return 1;
	}
	while (fd >= 0 && (n = read(fd, &r, sizeof(r))) > 0) {
		if (n != (ssize_t)sizeof(r) || r.magic != LOG_MAGIC) {
			torn = true;
			break;
		}
		last = r;
		nrec++;
	}
	if (fd >= 0)
		close(fd);
	tmp = count(dir, "state.tmp.");
	have = load(dir, &used);	/* exits when it does not load */
	if (count(dir, "state.tmp.") != 0 || count(dir, "state.bad") != 0) {
		fprintf(stderr, "statekill: temp or bad files left in %s\n",
		    dir);
		return 1;
	}
	if (!have && nrec > 0) {
		fprintf(stderr, "statekill: %d confirmed, no state\n", nrec);
		return 1;
	}
	if (used < last.used || used > last.used + TICK) {
		fprintf(stderr, "statekill: FAIL: loaded %" PRIu32 ", last "
		    "confirmed %" PRIu64 "\n", used, last.used);
		return 1;
	}
	printf("check ok used %" PRIu32 " confirmed %" PRIu64 " ahead %"
	    PRIu64 " tmp %d torn %d\n", used, last.used,
	    (used - last.used) / TICK, tmp, torn);
	return 0;
}

static int
save_once(const char *dir, const char *arg)
{
	struct state st;
	uint32_t used = 0;
	char *cause = NULL, *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || *end != '\0' || end == arg || v > UINT32_MAX)
		usage();
	(void)load(dir, &used);
	build(&st, (uint32_t)v);
	st.saved = (int64_t)time(NULL);
	if (state_save(dir, &st, &cause) != 0) {
		printf("statekill: save failed: %s\n", cause);
		free(cause);
		state_clear(&st);
		return 1;
	}
	state_clear(&st);
	printf("statekill: saved %lu\n", v);
	return 0;
}

int
main(int argc, char **argv)
{
	struct timespec ts;
	uint32_t used = 0;
	char *end;
	long us;

	if (argc == 3 && argv[1][0] != '-')
		return run(argv[1], argv[2]);
	if (argc == 4 && strcmp(argv[1], "--check") == 0)
		return check(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "--save") == 0)
		return save_once(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "--get") == 0) {
		if (!load(argv[2], &used)) {
			printf("none\n");
			return 1;
		}
		printf("%" PRIu32 "\n", used);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--nap") == 0) {
		errno = 0;
		us = strtol(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || us < 0 || us > 10000000)
			usage();
		ts.tv_sec = us / 1000000;
		ts.tv_nsec = (us % 1000000) * 1000;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		return 0;
	}
	usage();
	return 2;
}
