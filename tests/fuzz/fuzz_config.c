/*
 * libFuzzer target for config.c: schoolgate.conf and its @files.
 *
 *	build with scripts/fuzz, then
 *	build-fuzz/fuzz_config -max_len=16384 CORPUS build-fuzz/seeds/config
 *
 * config_load() reads a path, so each input is written to a file in a
 * directory of this process's own, /tmp/fuzz_config.PID, made once and
 * removed at exit.  An input that holds the line "%%" is cut there: the
 * text before it is schoolgate.conf, the text after it fuzz.devices, a
 * device file the config may name as @fuzz.devices.  The directory also
 * holds the project's device files (tests/conf/devices/ as devices/, and
 * conf/staff.devices), copied at start when run from the top of the
 * tree, so the seeds' @files resolve.
 *
 * Besides memory safety and leaks, it checks:
 *  - failure comes with a cause (NULL only when memory ran out, which
 *    under the fuzzer's malloc limit is a crash instead), one
 *    "file:line: message" line per error, at most CONFIG_ERRORS_MAX of
 *    them and a count, without control characters; success comes
 *    without one;
 *  - what config_print() writes loads back and prints the same
 *    (config.h promises it), and every group and person is found by
 *    its name;
 *  - each of the first lines of the input, given to every value parser,
 *    either fails leaving *ret alone with a reason, or gives a value
 *    whose canonical text parses back to the same value.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define check(c)	do { if (!(c)) abort(); } while (0)

static char	dir[64];
static char	conf_path[128], dev_path[128], printed_path[128];

static void
put_file(const char *path, const void *p, size_t len)
{
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL ||
	    (len > 0 && fwrite(p, 1, len, f) != len) || fclose(f) != 0) {
		fprintf(stderr, "fuzz_config: %s: %s\n", path,
		    strerror(errno));
		abort();
	}
}

/* Copy a small file; a missing source is no error (run elsewhere). */
static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	size_t n;
	FILE *f;

	if ((f = fopen(from, "rb")) == NULL)
		return;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	put_file(to, buf, n);
}

/* Remove what this process made: files and the devices/ directory. */
static void
remove_dir(const char *path)
{
	char sub[512];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (unlink(sub) == -1)
			remove_dir(sub);
	}
	closedir(d);
	rmdir(path);
}

static void
cleanup(void)
{
	remove_dir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const devs[] = {
		"ajones", "bad-lines", "jsmith", "prefix", "staff",
	};
	char from[128], to[128], sub[128];
	size_t i;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/fuzz_config.%ld", (long)getpid());
	snprintf(sub, sizeof(sub), "%s/devices", dir);
	remove_dir(dir);
	if (mkdir(dir, 0700) == -1 || mkdir(sub, 0700) == -1) {
		fprintf(stderr, "fuzz_config: mkdir %s: %s\n", dir,
		    strerror(errno));
		exit(1);
	}
	atexit(cleanup);
	snprintf(conf_path, sizeof(conf_path), "%s/schoolgate.conf", dir);
	snprintf(dev_path, sizeof(dev_path), "%s/fuzz.devices", dir);
	snprintf(printed_path, sizeof(printed_path), "%s/printed.conf", dir);
	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		snprintf(from, sizeof(from), "tests/conf/devices/%s.devices",
		    devs[i]);
		snprintf(to, sizeof(to), "%s/%s.devices", sub, devs[i]);
		copy_file(from, to);
	}
	snprintf(to, sizeof(to), "%s/staff.devices", dir);
	copy_file("conf/staff.devices", to);
	return 0;
}

/* The cause of a failed load: non-empty lines of printable text. */
static void
check_cause(const char *cause)
{
	size_t i, lines = 0;

	check(cause != NULL && cause[0] != '\0');
	for (i = 0; cause[i] != '\0'; i++) {
		if (cause[i] == '\n') {
			check(i > 0 && cause[i - 1] != '\n');
			lines++;
			continue;
		}
		/* Bytes of 0x80 and up may be a UTF-8 path; control
		 * characters would reach a terminal or the journal. */
		check((unsigned char)cause[i] >= 0x20 || cause[i] == '\t');
		check(cause[i] != 0x7f);
	}
	check(cause[i - 1] == '\n');
	check(lines <= CONFIG_ERRORS_MAX + 1);
}

static char *
print(const struct config *cfg, size_t *len)
{
	char *text = NULL;
	FILE *f;

	if ((f = open_memstream(&text, len)) == NULL)
		abort();
	config_print(f, cfg);
	check(fclose(f) == 0);
	return text;
}

/* config_print() loads back to the same text. */
static void
round_trip(const struct config *cfg)
{
	struct config *again;
	char *t1, *t2, *cause = NULL;
	size_t l1, l2, i;

	t1 = print(cfg, &l1);
	check(strlen(t1) == l1);
	put_file(printed_path, t1, l1);
	if ((again = config_load(printed_path, &cause)) == NULL) {
		fprintf(stderr, "fuzz_config: the printed config does not "
		    "load:\n%s---\n%s---\n", t1, cause ? cause : "(no cause)");
		abort();
	}
	check(cause == NULL);
	t2 = print(again, &l2);
	if (l1 != l2 || memcmp(t1, t2, l1) != 0) {
		fprintf(stderr, "fuzz_config: printed twice differently:\n"
		    "%s---\n%s---\n", t1, t2);
		abort();
	}
	for (i = 0; i < cfg->ngroups; i++)
		check(config_group_find(cfg, cfg->groups[i].name) ==
		    &cfg->groups[i]);
	for (i = 0; i < cfg->npersons; i++)
		check(config_person_find(cfg, cfg->persons[i].name) ==
		    &cfg->persons[i]);
	free(t1);
	free(t2);
	config_free(again);
}

/* A failed parse leaves *ret alone and says why. */
#define FAILED(rc, ret, guard, why)					\
	do {								\
		check((rc) == -EINVAL);					\
		check(memcmp(&(ret), &(guard), sizeof(ret)) == 0);	\
		check((why)[0] != '\0' && strlen(why) < sizeof(why));	\
	} while (0)

static void
value_parsers(const char *s)
{
	char why[256], buf[256];
	uint32_t d, d2, dg;
	uint64_t z, z2, zg;
	unsigned t, tg;
	struct config_window w, w2, wg;
	struct config_date a, a2, ag;
	struct config_daterange r, r2, rg;
	int rc;

	memset(&dg, 0xa5, sizeof(dg));
	memset(&zg, 0xa5, sizeof(zg));
	memset(&tg, 0xa5, sizeof(tg));
	memset(&wg, 0xa5, sizeof(wg));
	memset(&ag, 0xa5, sizeof(ag));
	memset(&rg, 0xa5, sizeof(rg));

	d = dg;
	why[0] = '\0';
	if ((rc = config_parse_duration(s, &d, why, sizeof(why))) == 0) {
		check(config_format_duration(d, buf, sizeof(buf)) > 0);
		check(config_parse_duration(buf, &d2, why, sizeof(why)) == 0);
		check(d == d2);
	} else
		FAILED(rc, d, dg, why);

	z = zg;
	why[0] = '\0';
	if ((rc = config_parse_size(s, &z, why, sizeof(why))) == 0) {
		check(z <= (1ULL << 40));
		check(config_format_size(z, buf, sizeof(buf)) > 0);
		check(config_parse_size(buf, &z2, why, sizeof(why)) == 0);
		check(z == z2);
	} else
		FAILED(rc, z, zg, why);

	t = tg;
	why[0] = '\0';
	if ((rc = config_parse_time(s, &t, why, sizeof(why))) == 0)
		check(t <= CONFIG_DAY_MINUTES);
	else
		FAILED(rc, t, tg, why);

	w = wg;
	why[0] = '\0';
	if ((rc = config_parse_window(s, &w, why, sizeof(why))) == 0) {
		check(w.start < CONFIG_DAY_MINUTES && w.end >= 1 &&
		    w.end <= CONFIG_DAY_MINUTES && w.start != w.end);
		check(config_windows_overlap(&w, &w));
		check(config_format_window(&w, buf, sizeof(buf)) > 0);
		check(config_parse_window(buf, &w2, why, sizeof(why)) == 0);
		check(w.start == w2.start && w.end == w2.end);
	} else
		FAILED(rc, w, wg, why);

	a = ag;
	why[0] = '\0';
	if ((rc = config_parse_date(s, &a, why, sizeof(why))) == 0) {
		check(a.year >= 2000 && a.year <= 2099 && a.month >= 1 &&
		    a.month <= 12 && a.day >= 1 && a.day <= 31);
		check(config_format_date(&a, buf, sizeof(buf)) > 0);
		check(config_parse_date(buf, &a2, why, sizeof(why)) == 0);
		check(memcmp(&a, &a2, sizeof(a)) == 0);
	} else
		FAILED(rc, a, ag, why);

	r = rg;
	why[0] = '\0';
	if ((rc = config_parse_daterange(s, &r, why, sizeof(why))) == 0) {
		check(r.from.days <= r.to.days);
		check(config_format_daterange(&r, buf, sizeof(buf)) > 0);
		check(config_parse_daterange(buf, &r2, why, sizeof(why)) == 0);
		check(memcmp(&r, &r2, sizeof(r)) == 0);
	} else
		FAILED(rc, r, rg, why);
}

/* The first lines of the input, blanks trimmed, to the value parsers. */
static void
values(const uint8_t *p, size_t len)
{
	char s[128];
	size_t i, n, lines;

	for (lines = 0; lines < 8 && len > 0; lines++) {
		for (n = 0; n < len && p[n] != '\n'; n++)
			;
		i = 0;
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (n - i < sizeof(s)) {
			memcpy(s, p + i, n - i);
			s[n - i] = '\0';
			while (n > i && (s[n - i - 1] == ' ' ||
			    s[n - i - 1] == '\t'))
				s[--n - i] = '\0';
			value_parsers(s);
		}
		p += n < len ? n + 1 : n;
		len -= n < len ? n + 1 : n;
	}
}

/* A line "%%" starts at data[i]. */
static bool
sep_at(const uint8_t *data, size_t size, size_t i)
{
	return i + 2 <= size && (i == 0 || data[i - 1] == '\n') &&
	    data[i] == '%' && data[i + 1] == '%' &&
	    (i + 2 == size || data[i + 2] == '\n');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *dev = data + size;
	struct config *cfg;
	char *cause = NULL;
	size_t i, clen = size;

	/* "%%" alone on a line: the device file follows. */
	for (i = 0; i + 2 <= size; i++)
		if (sep_at(data, size, i)) {
			clen = i;
			dev = data + (i + 2 < size ? i + 3 : size);
			break;
		}
	put_file(conf_path, data, clen);
	put_file(dev_path, dev, (size_t)(data + size - dev));

	cfg = config_load(conf_path, &cause);
	if (cfg == NULL)
		check_cause(cause);
	else {
		check(cause == NULL);
		check(cfg->path != NULL && strcmp(cfg->path, conf_path) == 0);
		round_trip(cfg);
	}
	free(cause);
	config_free(cfg);

	values(data, clen);
	return 0;
}
