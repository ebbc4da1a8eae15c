/*
 * Unit and golden tests for config.c.
 *
 * Golden cases live in tests/conf/: good-NAME.conf must load and print as
 * good-NAME.out (and that print must load back to itself); bad-NAME.conf
 * must fail with exactly the messages of bad-NAME.err.  The shipped
 * conf/schoolgate.conf is a good case printed as tests/conf/shipped.out.
 * Paths are relative to the top of the tree (the cwd, or $SG_TOP).
 *
 *	build/check_config		run every test
 *	build/check_config --update	rewrite the .out and .err files from
 *					what the code does now; review the
 *					diff before committing it
 */
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define CONF_DIR	"tests/conf"
#define SHIPPED_CONF	"conf/schoolgate.conf"
#define SHIPPED_OUT	CONF_DIR "/shipped.out"

static int update;

/*
 * Helpers.
 */
static char *
slurp(const char *path)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, n;
	char tmp[4096];

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		char *nb = realloc(buf, len + n + 1);

		if (nb == NULL) {
			free(buf);
			fclose(f);
			return NULL;
		}
		buf = nb;
		memcpy(buf + len, tmp, n);
		len += n;
	}
	fclose(f);
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return NULL;
	buf[len] = '\0';
	return buf;
}

static int
spew(const char *path, const char *data, size_t len)
{
	FILE *f;
	int rc = 0;

	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	if (len > 0 && fwrite(data, 1, len, f) != len)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

static char *
print_string(const struct config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	config_print(f, cfg);
	fclose(f);
	return buf;
}

/* Split text into lines (the text is changed in place). */
static size_t
split_lines(char *s, char ***ret)
{
	char **v = NULL, *p, *nl;
	size_t n = 0, cap = 0;

	for (p = s; *p != '\0'; p = nl + 1) {
		if (n == cap) {
			char **nv;

			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		v[n++] = p;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
	}
	*ret = v;
	return n;
}

/*
 * A unified-diff-like report: every line of both texts, '-' for what
 * was expected only, '+' for what we got only (longest common
 * subsequence; small inputs).
 */
static void
diff_report(const char *what, const char *want, const char *got)
{
	char *a = strdup(want), *b = strdup(got), **la = NULL, **lb = NULL;
	size_t na, nb, i, j, shown = 0;
	unsigned *t = NULL;

	printf("--- %s (expected)\n+++ %s (actual)\n", what, what);
	if (a == NULL || b == NULL)
		goto out;
	na = split_lines(a, &la);
	nb = split_lines(b, &lb);
	if (na > 2000 || nb > 2000 ||
	    (t = calloc((na + 1) * (nb + 1), sizeof(*t))) == NULL) {
		printf("(too long to compare line by line)\n");
		goto out;
	}
#define T(x, y) t[(x) * (nb + 1) + (y)]
	for (i = na; i-- > 0;)
		for (j = nb; j-- > 0;)
			T(i, j) = strcmp(la[i], lb[j]) == 0 ? T(i + 1, j + 1) +
			    1 : (T(i + 1, j) > T(i, j + 1) ? T(i + 1, j) :
			    T(i, j + 1));
	for (i = 0, j = 0; (i < na || j < nb) && shown < 400; shown++) {
		if (i < na && j < nb && strcmp(la[i], lb[j]) == 0) {
			printf(" %s\n", la[i]);
			i++;
			j++;
		} else if (j < nb && (i == na || T(i, j + 1) >= T(i + 1, j)))
			printf("+%s\n", lb[j++]);
		else
			printf("-%s\n", la[i++]);
	}
#undef T
 out:
	fflush(stdout);
	free(t);
	free(la);
	free(lb);
	free(a);
	free(b);
}

/* A scratch directory for generated inputs. */
static char tmpdir[PATH_MAX];
/* A file next to the golden cases, removed however a test ends. */
static char mutant[PATH_MAX];

static const char *
scratch(const char *name)
{
	static char path[PATH_MAX + 64];
	const char *base = getenv("TMPDIR");

	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "%s/check_config.XXXXXX",
		    base != NULL && *base != '\0' ? base : "/tmp");
		if (mkdtemp(tmpdir) == NULL)
			ck_abort_msg("mkdtemp: %s", strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

/* Remove the scratch directory and what is in it. */
static void
scratch_done(void)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	if (mutant[0] != '\0')
		unlink(mutant);
	if (tmpdir[0] == '\0' || (d = opendir(tmpdir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(tmpdir);
	tmpdir[0] = '\0';
}

/* Load a config written from memory; the cause, or NULL when it loads. */
static char *
load_text(const char *name, const char *text, size_t len)
{
	const char *path = scratch(name);
	struct config *cfg;
	char *cause = NULL;

	ck_assert_int_eq(spew(path, text, len), 0);
	cfg = config_load(path, &cause);
	if (cfg != NULL) {
		ck_assert_ptr_null(cause);
		config_free(cfg);
		return NULL;
	}
	ck_assert_ptr_nonnull(cause);
	return cause;
}

/*
 * Every line of a cause is about the file: "file:..." or, for an @file,
 * "...(included from file:N)".  At most 100 and a count.
 */
static void
cause_well_formed(const char *cause, const char *path)
{
	char from[PATH_MAX + 32];
	const char *p, *nl, *f;
	size_t n = 0;

	snprintf(from, sizeof(from), "(included from %s:", path);
	for (p = cause; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		ck_assert_msg(nl != NULL, "cause does not end in a newline");
		f = memmem(p, (size_t)(nl - p), from, strlen(from));
		ck_assert_msg((strncmp(p, path, strlen(path)) == 0 &&
		    p[strlen(path)] == ':') || (f != NULL && nl[-1] == ')'),
		    "line not about %s: %.*s", path, (int)(nl - p), p);
		n++;
	}
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_le(n, CONFIG_ERRORS_MAX + 1);
}

/*
 * Value parsers, table-driven.
 */
START_TEST(test_parse_time)
{
	static const struct {
		const char	*in;
		int		 ok;
		unsigned	 min;
		const char	*why;
	} t[] = {
		{ "00:00", 1, 0, NULL },
		{ "08:45", 1, 525, NULL },
		{ "8:45", 1, 525, NULL },
		{ "23:59", 1, 1439, NULL },
		{ "24:00", 1, 1440, NULL },
		{ "24:01", 0, 0, NULL },
		{ "25:00", 0, 0,
		    "bad time '25:00' (want HH:MM, 00:00-24:00)" },
		{ "12:60", 0, 0, NULL },
		{ "1245", 0, 0, NULL },
		{ "12:5", 0, 0, NULL },
		{ "12:345", 0, 0, NULL },
		{ "123:45", 0, 0, NULL },
		{ ":45", 0, 0, NULL },
		{ "", 0, 0, NULL },
		{ " 8:45", 0, 0, NULL },
		{ "08.45", 0, 0, NULL },
		{ "-1:00", 0, 0, NULL },
	};
	char why[256];
	unsigned v;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 9999;
		why[0] = '\0';
		ck_assert_msg((config_parse_time(t[i].in, &v, why,
		    sizeof(why)) == 0) == t[i].ok, "%s", t[i].in);
		if (t[i].ok)
			ck_assert_uint_eq(v, t[i].min);
		else {
			ck_assert_uint_eq(v, 9999);	/* untouched */
			ck_assert_msg(why[0] != '\0', "%s: no why", t[i].in);
		}
		if (t[i].why != NULL)
			ck_assert_str_eq(why, t[i].why);
	}
}
END_TEST

START_TEST(test_parse_window)
{
	static const struct {
		const char	*in;
		int		 ok;
		unsigned	 start, end;
		const char	*out;
	} t[] = {
		{ "08:45-16:00", 1, 525, 960, "08:45-16:00" },
		{ "8:45-16:00", 1, 525, 960, "08:45-16:00" },
		{ "08:45 - 16:00", 1, 525, 960, "08:45-16:00" },
		{ "22:00-02:00", 1, 1320, 120, "22:00-02:00" },
		{ "22:00-00:00", 1, 1320, 1440, "22:00-24:00" },
		{ "22:00-24:00", 1, 1320, 1440, "22:00-24:00" },
		{ "00:00-24:00", 1, 0, 1440, "00:00-24:00" },
		{ "00:00-00:00", 1, 0, 1440, "00:00-24:00" },
		{ "23:59-00:01", 1, 1439, 1, "23:59-00:01" },
		{ "08:00-08:00", 0, 0, 0, NULL },
		{ "24:00-02:00", 0, 0, 0, NULL },
		{ "08:45", 0, 0, 0, NULL },
		{ "08:45-", 0, 0, 0, NULL },
		{ "-16:00", 0, 0, 0, NULL },
		{ "08:45-25:00", 0, 0, 0, NULL },
		{ "08:45-16:00-17:00", 0, 0, 0, NULL },
		{ "08:45..16:00", 0, 0, 0, NULL },
	};
	struct config_window w;
	char why[256], buf[32];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = config_parse_window(t[i].in, &w, why, sizeof(why));

		ck_assert_msg((rc == 0) == t[i].ok, "%s", t[i].in);
		if (!t[i].ok)
			continue;
		ck_assert_uint_eq(w.start, t[i].start);
		ck_assert_uint_eq(w.end, t[i].end);
		config_format_window(&w, buf, sizeof(buf));
		ck_assert_str_eq(buf, t[i].out);
	}
	ck_assert_int_eq(config_parse_window("08:45-25:00", &w, why,
	    sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "bad time '25:00' (want HH:MM, 00:00-24:00)");
}
END_TEST

START_TEST(test_parse_duration)
{
	static const struct {
		const char	*in;
		int		 ok;
		uint32_t	 secs;
		const char	*out;
	} t[] = {
		{ "10s", 1, 10, "10s" },
		{ "30m", 1, 1800, "30m" },
		{ "90m", 1, 5400, "1h30m" },
		{ "1h30m", 1, 5400, "1h30m" },
		{ "2d", 1, 172800, "2d" },
		{ "1d2h3m4s", 1, 93784, "1d2h3m4s" },
		{ "0s", 1, 0, "0s" },
		{ "0m", 1, 0, "0s" },
		{ "24h", 1, 86400, "1d" },
		{ "49710d", 1, 4294944000u, "49710d" },
		{ "49711d", 0, 0, NULL },
		{ "9999999999s", 0, 0, NULL },
		{ "99999999999s", 0, 0, NULL },
		{ "30", 0, 0, NULL },
		{ "30x", 0, 0, NULL },
		{ "30M", 0, 0, NULL },
		{ "m", 0, 0, NULL },
		{ "", 0, 0, NULL },
		{ "30m1h", 0, 0, NULL },
		{ "1h1h", 0, 0, NULL },
		{ "1h 30m", 0, 0, NULL },
		{ "-5m", 0, 0, NULL },
		{ "1.5h", 0, 0, NULL },
	};
	char why[256], buf[64];
	uint32_t v;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = config_parse_duration(t[i].in, &v, why, sizeof(why));

		ck_assert_msg((rc == 0) == t[i].ok, "%s", t[i].in);
		if (!t[i].ok)
			continue;
		if (t[i].out == NULL)
			continue;
		ck_assert_uint_eq(v, t[i].secs);
		config_format_duration(v, buf, sizeof(buf));
		ck_assert_str_eq(buf, t[i].out);
	}
	config_parse_duration("30", &v, why, sizeof(why));
	ck_assert_str_eq(why, "bad duration '30' (want numbers with units d, "
	    "h, m or s, e.g. 30m or 1h30m)");
	config_parse_duration("30m1h", &v, why, sizeof(why));
	ck_assert_str_eq(why, "bad duration '30m1h' (units largest first, "
	    "each once, e.g. 1h30m)");
	ck_assert_int_eq(config_parse_duration("4294967295s", &v, NULL, 0),
	    0);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(config_parse_duration("4294967296s", &v, NULL, 0),
	    -EINVAL);
}
END_TEST

START_TEST(test_parse_size)
{
	static const struct {
		const char	*in;
		int		 ok;
		uint64_t	 bytes;
		const char	*out;
	} t[] = {
		{ "512", 1, 512, "512" },
		{ "0", 1, 0, "0" },
		{ "16k", 1, 16384, "16k" },
		{ "16K", 1, 16384, "16k" },
		{ "1024k", 1, 1048576, "1M" },
		{ "4M", 1, 4194304, "4M" },
		{ "4m", 1, 4194304, "4M" },
		{ "1G", 1, 1073741824, "1G" },
		{ "1536", 1, 1536, "1536" },
		{ "1025k", 1, 1049600, "1025k" },
		{ "1024G", 1, (uint64_t)1 << 40, "1024G" },
		{ "1025G", 0, 0, NULL },
		{ "1099511627777", 0, 0, NULL },
		{ "99999999999999", 0, 0, NULL },
		{ "16kb", 0, 0, NULL },
		{ "16KiB", 0, 0, NULL },
		{ "k", 0, 0, NULL },
		{ "", 0, 0, NULL },
		{ "1T", 0, 0, NULL },
		{ "-1", 0, 0, NULL },
		{ "1 k", 0, 0, NULL },
	};
	char why[256], buf[64];
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = config_parse_size(t[i].in, &v, why, sizeof(why));

		ck_assert_msg((rc == 0) == t[i].ok, "%s", t[i].in);
		if (!t[i].ok)
			continue;
		ck_assert_uint_eq(v, t[i].bytes);
		config_format_size(v, buf, sizeof(buf));
		ck_assert_str_eq(buf, t[i].out);
	}
}
END_TEST

START_TEST(test_parse_date)
{
	static const struct {
		const char	*in;
		int		 ok;
		int32_t		 days;
	} t[] = {
		{ "2000-01-01", 1, 10957 },
		{ "2026-09-03", 1, 20699 },
		{ "2026-12-31", 1, 20818 },
		{ "2028-02-29", 1, 21243 },	/* leap year */
		{ "2000-02-29", 1, 11016 },	/* 400-year rule */
		{ "2099-12-31", 1, 47481 },
		{ "2027-02-29", 0, 0 },
		{ "2026-02-30", 0, 0 },
		{ "2026-04-31", 0, 0 },
		{ "2026-13-01", 0, 0 },
		{ "2026-00-10", 0, 0 },
		{ "2026-01-00", 0, 0 },
		{ "1999-12-31", 0, 0 },
		{ "2100-01-01", 0, 0 },
		{ "2026-9-3", 0, 0 },
		{ "26-09-03", 0, 0 },
		{ "2026/09/03", 0, 0 },
		{ "2026-09-03x", 0, 0 },
		{ "", 0, 0 },
	};
	struct config_date d;
	char why[256], buf[32];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = config_parse_date(t[i].in, &d, why, sizeof(why));

		ck_assert_msg((rc == 0) == t[i].ok, "%s", t[i].in);
		if (!t[i].ok)
			continue;
		ck_assert_int_eq(d.days, t[i].days);
		config_format_date(&d, buf, sizeof(buf));
		ck_assert_str_eq(buf, t[i].in);
	}
	config_parse_date("2026-02-30", &d, why, sizeof(why));
	ck_assert_str_eq(why, "bad date '2026-02-30' (2026-02 has 28 days)");
	config_parse_date("2027-02-29", &d, why, sizeof(why));
	ck_assert_str_eq(why, "bad date '2027-02-29' (2027-02 has 28 days)");
}
END_TEST

START_TEST(test_parse_daterange)
{
	static const struct {
		const char	*in;
		int		 ok;
		const char	*out;
	} t[] = {
		{ "2026-09-03..2026-10-23", 1, "2026-09-03..2026-10-23" },
		{ "2026-09-03 .. 2026-10-23", 1, "2026-09-03..2026-10-23" },
		{ "2026-11-27", 1, "2026-11-27" },
		{ "2026-11-27..2026-11-27", 1, "2026-11-27" },
		{ "2026-12-21..2027-01-04", 1, "2026-12-21..2027-01-04" },
		{ "2026-10-23..2026-09-03", 0, NULL },
		{ "2026-09-03..", 0, NULL },
		{ "..2026-09-03", 0, NULL },
		{ "2026-09-03...2026-10-23", 0, NULL },
		{ "2026-09-03-2026-10-23", 0, NULL },
		{ "2026-02-30..2026-03-02", 0, NULL },
	};
	struct config_daterange r;
	char why[256], buf[64];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = config_parse_daterange(t[i].in, &r, why, sizeof(why));

		ck_assert_msg((rc == 0) == t[i].ok, "%s: %s", t[i].in, why);
		if (!t[i].ok)
			continue;
		config_format_daterange(&r, buf, sizeof(buf));
		ck_assert_str_eq(buf, t[i].out);
	}
	config_parse_daterange("2026-10-23..2026-09-03", &r, why, sizeof(why));
	ck_assert_str_eq(why, "reversed date range '2026-10-23..2026-09-03' "
	    "(it ends before it starts)");
}
END_TEST

START_TEST(test_windows_overlap)
{
	static const struct {
		const char	*a, *b;
		int		 overlap;
	} t[] = {
		{ "08:45-16:00", "10:30-10:45", 1 },
		{ "08:45-10:30", "10:30-12:00", 0 },	/* touching */
		{ "08:00-09:00", "09:30-10:00", 0 },
		{ "22:00-02:00", "01:00-03:00", 1 },	/* next-day part */
		{ "22:00-02:00", "02:00-03:00", 0 },
		{ "22:00-02:00", "21:00-22:30", 1 },
		{ "23:00-01:00", "00:30-00:45", 1 },
		{ "20:00-04:00", "22:00-02:00", 1 },
		{ "00:00-24:00", "12:00-13:00", 1 },
		{ "12:00-24:00", "00:00-01:00", 0 },
	};
	struct config_window a, b;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(config_parse_window(t[i].a, &a, NULL, 0), 0);
		ck_assert_int_eq(config_parse_window(t[i].b, &b, NULL, 0), 0);
		ck_assert_msg(config_windows_overlap(&a, &b) == t[i].overlap,
		    "%s %s", t[i].a, t[i].b);
		ck_assert_msg(config_windows_overlap(&b, &a) == t[i].overlap,
		    "%s %s", t[i].b, t[i].a);
	}
}
END_TEST

/*
 * Golden cases.
 */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The golden configs of one kind ("good-" or "bad-"), sorted. */
static size_t
golden_list(const char *prefix, char ***ret)
{
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, len;
	DIR *d;

	if ((d = opendir(CONF_DIR)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 ||
		    len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		if ((v = realloc(v, (n + 1) * sizeof(*v))) == NULL ||
		    (v[n] = strdup(de->d_name)) == NULL)
			ck_abort_msg("out of memory");
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), name_cmp);
	*ret = v;
	return n;
}

/* Compare with the expected file, or rewrite it under --update. */
static int
expect(const char *path, const char *got)
{
	char *want;
	int rc = 0;

	want = slurp(path);
	if (update) {
		if (want == NULL || strcmp(want, got) != 0) {
			if (spew(path, got, strlen(got)) != 0)
				ck_abort_msg("%s: %s", path, strerror(errno));
			printf("updated %s\n", path);
		}
	} else if (want == NULL) {
		printf("golden: %s: %s\n", path, strerror(errno));
		rc = -1;
	} else if (strcmp(want, got) != 0) {
		printf("golden: %s does not match:\n", path);
		diff_report(path, want, got);
		rc = -1;
	}
	free(want);
	return rc;
}

/*
 * The printed config loads back to the same print.  The copy goes next
 * to the original, so relative @files resolve as they did.
 */
static int
round_trip(const char *conf, const char *printed)
{
	char tmp[PATH_MAX], *again = NULL, *cause = NULL;
	const char *slash = strrchr(conf, '/');
	struct config *cfg;
	int fd, rc = -1;

	snprintf(tmp, sizeof(tmp), "%.*s.roundtrip-XXXXXX",
	    slash != NULL ? (int)(slash - conf + 1) : 0, conf);
	if ((fd = mkstemp(tmp)) == -1)
		ck_abort_msg("mkstemp %s: %s", tmp, strerror(errno));
	close(fd);
	if (spew(tmp, printed, strlen(printed)) != 0)
		ck_abort_msg("%s: %s", tmp, strerror(errno));
	if ((cfg = config_load(tmp, &cause)) == NULL) {
		printf("golden: %s: its print does not load:\n%s", conf,
		    cause != NULL ? cause : "(no cause)\n");
		goto out;
	}
	if ((again = print_string(cfg)) == NULL)
		ck_abort_msg("out of memory");
	if (strcmp(again, printed) != 0) {
		printf("golden: %s: its print prints differently:\n", conf);
		diff_report("round trip", printed, again);
		goto out;
	}
	rc = 0;
 out:
	unlink(tmp);
	config_free(cfg);
	free(again);
	free(cause);
	return rc;
}

static int
golden_good(const char *conf, const char *out)
{
	struct config *cfg;
	char *cause = NULL, *got;
	int rc;

	if ((cfg = config_load(conf, &cause)) == NULL) {
		printf("golden: %s does not load:\n%s", conf,
		    cause != NULL ? cause : "(no cause)\n");
		free(cause);
		return -1;
	}
	ck_assert_ptr_null(cause);
	if ((got = print_string(cfg)) == NULL)
		ck_abort_msg("out of memory");
	config_free(cfg);
	rc = expect(out, got);
	if (rc == 0 && round_trip(conf, got) != 0)
		rc = -1;
	free(got);
	return rc;
}

static int
golden_bad(const char *conf, const char *err)
{
	struct config *cfg;
	char *cause = NULL;
	int rc;

	if ((cfg = config_load(conf, &cause)) != NULL) {
		printf("golden: %s loads but should not\n", conf);
		config_free(cfg);
		return -1;
	}
	if (cause == NULL) {
		printf("golden: %s: no cause\n", conf);
		return -1;
	}
	rc = expect(err, cause);
	free(cause);
	return rc;
}

/* Every case; prints the "golden:" summary line.  Returns mismatches. */
static int
golden_run(void)
{
	char conf[PATH_MAX], res[PATH_MAX], **v;
	size_t n, i, ngood, nbad;
	int fails = 0;

	ngood = golden_list("good-", &v);
	for (i = 0; i < ngood; i++) {
		snprintf(conf, sizeof(conf), "%s/%s", CONF_DIR, v[i]);
		snprintf(res, sizeof(res), "%s/%.*s.out", CONF_DIR,
		    (int)(strlen(v[i]) - 5), v[i]);
		fails += golden_good(conf, res) != 0;
		free(v[i]);
	}
	free(v);
	fails += golden_good(SHIPPED_CONF, SHIPPED_OUT) != 0;
	ngood++;
	nbad = n = golden_list("bad-", &v);
	for (i = 0; i < n; i++) {
		snprintf(conf, sizeof(conf), "%s/%s", CONF_DIR, v[i]);
		snprintf(res, sizeof(res), "%s/%.*s.err", CONF_DIR,
		    (int)(strlen(v[i]) - 5), v[i]);
		fails += golden_bad(conf, res) != 0;
		free(v[i]);
	}
	free(v);
	if (fails == 0)
		printf("golden: %zu good, %zu bad, all %s\n", ngood, nbad,
		    update ? "written" : "match");
	else
		printf("golden: %zu good, %zu bad, %d mismatched\n", ngood,
		    nbad, fails);
	fflush(stdout);
	return fails;
}

START_TEST(test_golden)
{
	ck_assert_int_eq(golden_run(), 0);
}
END_TEST

/*
 * Hostile and odd input: never a crash, always a cause about the file.
 */
static uint32_t rng = 2463534242u;

static uint32_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

START_TEST(test_garbage)
{
	const char *path = scratch("garbage.conf");
	char *buf, *cause;
	size_t len = 64 * 1024, i, round;

	ck_assert_ptr_nonnull(buf = malloc(len));
	for (round = 0; round < 8; round++) {
		for (i = 0; i < len; i++)
			buf[i] = (char)xorshift();
		if (round % 2 == 1)	/* text-like: more lines and '=' */
			for (i = 0; i < len; i += 1 + xorshift() % 40)
				buf[i] = "\n=[],;# \t"[xorshift() % 9];
		cause = load_text("garbage.conf", buf, len);
		ck_assert_ptr_nonnull(cause);
		cause_well_formed(cause, path);
		free(cause);
	}
	free(buf);
}
END_TEST

START_TEST(test_long_line)
{
	const char *path = scratch("long.conf");
	size_t len = 1024 * 1024 + 64, o;
	char *buf, *cause, want[256];

	ck_assert_ptr_nonnull(buf = malloc(len));
	o = (size_t)snprintf(buf, len, "[gateway]\ninterface = ");
	memset(buf + o, 'a', len - o - 1);
	buf[len - 1] = '\n';
	cause = load_text("long.conf", buf, len);
	snprintf(want, sizeof(want), "%s:2: line is %zu characters long, more "
	    "than 199 (continue a long value on indented lines)\n", path,
	    len - 11);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strncmp(cause, want, strlen(want)) == 0, "%s", cause);
	cause_well_formed(cause, path);
	free(cause);
	free(buf);
}
END_TEST

START_TEST(test_nul)
{
	static const char text[] = "[gateway]\ninterface = eth\0001\n"
	    "lan = 10.0.0.0/8\n\0\0\0\n";
	const char *path = scratch("nul.conf");
	char *cause, want[512];

	cause = load_text("nul.conf", text, sizeof(text) - 1);
	snprintf(want, sizeof(want), "%s:2: line has a NUL byte\n"
	    "%s:4: line has a NUL byte\n", path, path);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strncmp(cause, want, strlen(want)) == 0, "%s", cause);
	free(cause);
}
END_TEST

START_TEST(test_files)
{
	const char *path;
	struct config *cfg;
	char *cause = NULL, *buf, want[PATH_MAX + 128];
	size_t len = CONFIG_FILE_MAX + 1;

	/* Missing, a directory, too big. */
	cfg = config_load(CONF_DIR "/no-such.conf", &cause);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(cause, CONF_DIR "/no-such.conf: cannot read: No such "
	    "file or directory\n");
	free(cause);
	cfg = config_load(CONF_DIR, &cause);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(cause, CONF_DIR ": cannot read: it is a directory\n");
	free(cause);
	ck_assert_ptr_nonnull(buf = malloc(len));
	memset(buf, '\n', len);
	path = scratch("big.conf");
	cause = load_text("big.conf", buf, len);
	snprintf(want, sizeof(want), "%s: cannot read: it is larger than 4 "
	    "MiB\n", path);
	ck_assert_str_eq(cause, want);
	free(cause);
	free(buf);
	/* No cause pointer: still no crash. */
	ck_assert_ptr_null(config_load(CONF_DIR "/no-such.conf", NULL));
	config_free(NULL);
}
END_TEST

/* A config with n persons, or with one device file of n lines. */
static char *
many(size_t persons, size_t devices, const char *devpath)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	ck_assert_ptr_nonnull(f = open_memstream(&buf, &len));
	fprintf(f, "[gateway]\ninterface = eth1\nlan = 10.0.0.0/8\n"
	    "[schedule]\nlessons = 08:45-16:00\n[group staff]\n");
	if (devpath != NULL)
		fprintf(f, "members = @%s\n", devpath);
	for (i = 0; i < persons; i++)
		fprintf(f, "[person p%zu]\ngroup = staff\ndevices = "
		    "10.%zu.%zu.%zu\n", i, i >> 16 & 255, i >> 8 & 255, i & 255);
	fclose(f);
	if (devpath != NULL) {
		ck_assert_ptr_nonnull(f = fopen(devpath, "w"));
		for (i = 0; i < devices; i++)
			fprintf(f, "10.%zu.%zu.%zu\n", i >> 16 & 255,
			    i >> 8 & 255, i & 255);
		fclose(f);
	}
	return buf;
}

START_TEST(test_limits)
{
	const char *path;
	struct config *cfg;
	char *text, *cause, want[PATH_MAX + 256], devpath[PATH_MAX];

	/* Exactly at the limits loads. */
	text = many(CONFIG_PERSONS_MAX, 0, NULL);
	ck_assert_ptr_null(cause = load_text("persons.conf", text,
	    strlen(text)));
	free(text);
	/* One more person than allowed. */
	path = scratch("persons.conf");
	text = many(CONFIG_PERSONS_MAX + 1, 0, NULL);
	cause = load_text("persons.conf", text, strlen(text));
	ck_assert_ptr_nonnull(cause);
	snprintf(want, sizeof(want), "%s:%d: [person p%d]: too many persons "
	    "(at most %d)\n", path, 7 + 3 * CONFIG_PERSONS_MAX,
	    CONFIG_PERSONS_MAX, CONFIG_PERSONS_MAX);
	ck_assert_str_eq(cause, want);
	free(cause);
	free(text);
	/* A device file one longer than the devices allowed. */
	snprintf(devpath, sizeof(devpath), "%s", scratch("many.devices"));
	text = many(0, CONFIG_DEVICES_MAX + 1, devpath);
	path = scratch("devices.conf");
	cause = load_text("devices.conf", text, strlen(text));
	snprintf(want, sizeof(want), "%s:7: [group staff] members = @%s: too "
	    "many devices", path, devpath);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strncmp(cause, want, 60) == 0, "%s", cause);
	free(cause);
	free(text);
	/* ... and exactly the limit loads. */
	text = many(0, CONFIG_DEVICES_MAX, devpath);
	ck_assert_int_eq(spew(scratch("devices.conf"), text, strlen(text)), 0);
	cfg = config_load(scratch("devices.conf"), &cause);
	ck_assert_msg(cfg != NULL, "%s", cause);
	ck_assert_uint_eq(cfg->groups[0].members.n, CONFIG_DEVICES_MAX);
	config_free(cfg);
	free(text);
	unlink(devpath);
}
END_TEST

/*
 * Mutations of the good cases: whatever loads must print, and load back
 * from its print to the same print; whatever fails must say why, about
 * the file.
 */
START_TEST(test_mutations)
{
	static const char alphabet[] = "\n=[],;#@ \t.:-/0123456789abcdefmnoz\xc3";
	char **v, conf[PATH_MAX], *orig, *buf, *cause, *p1, *p2;
	size_t n, i, len, k, round, loaded = 0;
	struct config *cfg;

	n = golden_list("good-", &v);
	for (i = 0; i < n; i++) {
		snprintf(conf, sizeof(conf), "%s/%s", CONF_DIR, v[i]);
		ck_assert_ptr_nonnull(orig = slurp(conf));
		len = strlen(orig);
		ck_assert_ptr_nonnull(buf = malloc(len + 64));
		for (round = 0; round < 150; round++) {
			size_t blen = len;

			memcpy(buf, orig, len);
			for (k = 0; k < 1 + xorshift() % 3; k++) {
				size_t at = xorshift() % blen;

				switch (xorshift() % 3) {
				case 0:
					buf[at] = alphabet[xorshift() %
					    (sizeof(alphabet) - 1)];
					break;
				case 1:
					memmove(buf + at, buf + at + 1,
					    blen - at - 1);
					blen--;
					break;
				default:
					memmove(buf + at + 1, buf + at,
					    blen - at);
					buf[at] = alphabet[xorshift() %
					    (sizeof(alphabet) - 1)];
					blen++;
					break;
				}
			}
			/* Next to the original: its @files resolve. */
			snprintf(mutant, sizeof(mutant), "%s/.mutant-%ld.conf",
			    CONF_DIR, (long)getpid());
			snprintf(conf, sizeof(conf), "%s", mutant);
			ck_assert_int_eq(spew(conf, buf, blen), 0);
			cfg = config_load(conf, &cause);
			if (cfg == NULL) {
				ck_assert_ptr_nonnull(cause);
				cause_well_formed(cause, conf);
				free(cause);
				continue;
			}
			loaded++;
			ck_assert_ptr_nonnull(p1 = print_string(cfg));
			config_free(cfg);
			ck_assert_int_eq(spew(conf, p1, strlen(p1)), 0);
			cfg = config_load(conf, &cause);
			ck_assert_msg(cfg != NULL, "print of a mutant of %s does "
			    "not load:\n%s\n%s", v[i], cause, p1);
			ck_assert_ptr_nonnull(p2 = print_string(cfg));
			ck_assert_msg(strcmp(p1, p2) == 0, "round trip of a "
			    "mutant of %s:\n%s\n---\n%s", v[i], p1, p2);
			config_free(cfg);
			free(p1);
			free(p2);
		}
		unlink(conf);
		free(buf);
		free(orig);
		free(v[i]);
	}
	free(v);
	ck_assert_uint_gt(loaded, 0);
}
END_TEST

/*
 * Texts print wrapped and load back the same, whatever words they hold:
 * "key=value" words, a section's key names, long words, UTF-8.
 */
START_TEST(test_text_round_trip)
{
	static const char *const texts[] = {
		"Oak Tree Federation",
		"contact=ict@oaktree.example school=Oak listen=x ca_key=y "
		    "the school=one and school = two, contact = three; end",
		"a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=10 k=11 l=12 m=13 "
		    "n=14 o=15 p=16 and q=17 r=18 s=19 t=20 u=21 v=22 w=23 "
		    "x=24 y=25 z=26 aa=27 bb=28 cc=29 dd=30 ee=31 ff=32 gg=33",
		"school=1 school=2 school=3 school=4 school=5 school=6 "
		    "school=7 school=8 school=9 school=10 school=11 school=12 "
		    "school=13 school=14 school=15 end",
		"https://help.oaktree.example/unblock?form=request&who=staff"
		    "&lang=en&return=https%3A%2F%2Fwww.oaktree.example%2F "
		    "or the ICT office",
		"Ysgol Gymraeg \xe2\x80\x94 \xc3\xa9" "cole \xe6\xa0\xa1 "
		    "(ext. 201) room#4;b [x] @y \"q\"",
	};
	char *text, *p1, *p2, *cause, *w;
	struct config *cfg;
	const char *path;
	size_t i, j, col;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		/* Written as a person would: lines of about 100 characters,
		 * and no line starting with "word=". */
		ck_assert_ptr_nonnull(w = strdup(texts[i]));
		for (j = 0, col = 0; w[j] != '\0'; j++, col++)
			if (w[j] == ' ' && col > 100 &&
			    strcspn(w + j + 1, "= ") > strcspn(w + j + 1, " ")) {
				w[j] = '\t';
				col = 0;
			}
		for (j = 0; w[j] != '\0'; j++)
			if (w[j] == '\t') {
				ck_assert_int_ge(asprintf(&p1, "%.*s\n\t%s",
				    (int)j, w, w + j + 1), 0);
				free(w);
				w = p1;
				j++;
			}
		ck_assert_int_ge(asprintf(&text, "[gateway]\ninterface = eth1\n"
		    "lan = 10.0.0.0/8\n[schedule]\nlessons = none\n"
		    "[blockpage]\nschool = %s\ncontact = %s\n", w, w), 0);
		free(w);
		path = scratch("text.conf");
		ck_assert_int_eq(spew(path, text, strlen(text)), 0);
		cfg = config_load(path, &cause);
		ck_assert_msg(cfg != NULL, "%s", cause);
		ck_assert_str_eq(cfg->blockpage.school, texts[i]);
		ck_assert_ptr_nonnull(p1 = print_string(cfg));
		config_free(cfg);
		ck_assert_int_eq(spew(path, p1, strlen(p1)), 0);
		cfg = config_load(path, &cause);
		ck_assert_msg(cfg != NULL, "%s\n%s", cause, p1);
		ck_assert_str_eq(cfg->blockpage.school, texts[i]);
		ck_assert_str_eq(cfg->blockpage.contact, texts[i]);
		ck_assert_ptr_nonnull(p2 = print_string(cfg));
		ck_assert_str_eq(p1, p2);
		config_free(cfg);
		free(p1);
		free(p2);
		free(text);
	}
}
END_TEST

/* The values the daemon and the policy read, beyond the print. */
START_TEST(test_struct)
{
	const struct config_group *g;
	const struct config_person *p;
	struct config *cfg;
	char *cause = NULL;

	cfg = config_load(CONF_DIR "/good-perday.conf", &cause);
	ck_assert_msg(cfg != NULL, "%s", cause);
	/* Friday's own lessons, Monday's the plain ones, Sunday none. */
	ck_assert_uint_eq(cfg->schedule.day_lessons[5].n, 1);
	ck_assert_uint_eq(cfg->schedule.day_lessons[5].v[0].end, 14 * 60 + 30);
	ck_assert_uint_eq(cfg->schedule.day_lessons[1].n, 1);
	ck_assert_uint_eq(cfg->schedule.day_lessons[1].v[0].end, 16 * 60);
	ck_assert_uint_eq(cfg->schedule.day_lessons[0].n, 0);
	ck_assert(cfg->schedule.lessons_on_set & (1u << 5));
	config_free(cfg);

	cfg = config_load(CONF_DIR "/good-design.conf", &cause);
	ck_assert_msg(cfg != NULL, "%s", cause);
	ck_assert_str_eq(cfg->gateway.platforms_dir,
	    "/etc/schoolgate/platforms.d");
	ck_assert_ptr_nonnull(g = config_group_find(cfg, "staff"));
	ck_assert_int_eq(g->outside, CONFIG_OUTSIDE_QUOTA);
	ck_assert_uint_eq(g->daily_quota, 30 * 60);
	ck_assert_uint_eq(g->active_bytes, 16 * 1024);
	ck_assert_ptr_nonnull(p = config_person_find(cfg, "jsmith"));
	ck_assert_ptr_eq(p->group, g);
	ck_assert_uint_eq(p->devices.n, 2);
	ck_assert_int_eq(p->devices.v[1].kind, CONFIG_DEV_MAC);
	ck_assert_str_eq(p->devices.v[0].file, CONF_DIR "/good-design.conf");
	ck_assert_ptr_null(config_person_find(cfg, "nobody"));
	ck_assert_ptr_null(config_group_find(cfg, "nobody"));
	ck_assert(cfg->schedule.terms_set);
	ck_assert_uint_eq(cfg->schedule.terms.n, 2);
	ck_assert_int_eq(cfg->blockpage.port, 8080);
	config_free(cfg);

	cfg = config_load(CONF_DIR "/good-includes.conf", &cause);
	ck_assert_msg(cfg != NULL, "%s", cause);
	ck_assert_ptr_nonnull(g = config_group_find(cfg, "staff"));
	ck_assert_uint_eq(g->members.n, 9);
	ck_assert_uint_eq(g->members.nsrc, 3);
	ck_assert_str_eq(g->members.src[1].include, "devices/staff.devices");
	ck_assert_uint_eq(g->members.src[1].first, 1);
	ck_assert_uint_eq(g->members.src[1].count, 7);
	ck_assert_str_eq(g->members.v[1].file,
	    CONF_DIR "/devices/staff.devices");
	ck_assert_uint_eq(g->members.v[1].line, 4);
	ck_assert_str_eq(g->members.v[8].file, CONF_DIR "/good-includes.conf");
	ck_assert_ptr_nonnull(p = config_person_find(cfg, "jsmith"));
	ck_assert_uint_eq(p->devices.n, 4);
	ck_assert_int_eq(p->devices.v[3].kind, CONFIG_DEV_MAC);
	config_free(cfg);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parsers");

	tcase_add_test(tc, test_parse_time);
	tcase_add_test(tc, test_parse_window);
	tcase_add_test(tc, test_parse_duration);
	tcase_add_test(tc, test_parse_size);
	tcase_add_test(tc, test_parse_date);
	tcase_add_test(tc, test_parse_daterange);
	tcase_add_test(tc, test_windows_overlap);
	suite_add_tcase(s, tc);
	tc = tcase_create("golden");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_struct);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, NULL, scratch_done);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_long_line);
	tcase_add_test(tc, test_nul);
	tcase_add_test(tc, test_files);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_mutations);
	tcase_add_test(tc, test_text_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

/* --update: only the golden cases, writing what they produce. */
static Suite *
update_suite(void)
{
	Suite *s = suite_create("config --update");
	TCase *tc = tcase_create("golden");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_golden);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char *argv[])
{
	const char *top = getenv("SG_TOP");
	SRunner *sr;
	int failed;

	if (access(CONF_DIR, F_OK) != 0 && top != NULL && chdir(top) != 0) {
		fprintf(stderr, "check_config: %s: %s\n", top, strerror(errno));
		return 1;
	}
	if (argc == 2 && strcmp(argv[1], "--update") == 0)
		update = 1;
	else if (argc != 1) {
		fprintf(stderr, "usage: check_config [--update]\n");
		return 2;
	}
	sr = srunner_create(update ? update_suite() : config_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	scratch_done();
	return failed == 0 ? 0 : 1;
}
