/*
 * libFuzzer target for classify.c: the platform catalogue reader and the
 * lookups over what it builds.
 *
 *	build with scripts/fuzz, then
 *	build-fuzz/fuzz_catalog -max_len=16384 CORPUS build-fuzz/seeds/catalog
 *
 * Input: up to three catalogue files separated by lines "%%", written to
 * a directory of this process's own, /tmp/fuzz_catalog.PID (made once,
 * removed at exit), and given to catalog_load_files() in order: a
 * platform or domain defined twice across files is an error it must
 * find.
 *
 * Besides memory safety and leaks, it checks:
 *  - failure comes with a cause, one "file:line: message" line per
 *    error, without control characters; success without one;
 *  - every platform is found by its index and its id, every domain
 *    catalog_foreach_domain() lists is normalised and listed once, and
 *    catalog_ndomains() counts them;
 *  - catalog_lookup() of the listed domains, of the words of the input
 *    and of variants of both (upper case, a trailing dot, a subdomain,
 *    a look-alike without the label boundary) agrees with a plain
 *    longest-suffix search over the listed domains, and
 *    catalog_lookup_many() agrees with catalog_lookup();
 *  - catalog_lookup_addr() of the addresses among the words gives the
 *    one platform whose cidrs hold the address (ranges never overlap).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "classify.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define check(c)	do { if (!(c)) abort(); } while (0)

#define NFILES		3
/* classify.c looks up names of at most this many bytes (LOOKUP_MAX). */
#define LOOKUP_MAX	255
#define WORDS_MAX	64
#define NAME_MAX_	(LOOKUP_MAX + 64)

static char	dir[64];
static char	paths[NFILES][128];

/* The domains of the loaded catalogue, from catalog_foreach_domain(). */
struct dom {
	const struct platform	*p;
	const char		*d;	/* not NUL-terminated */
	size_t			 len;
};
static struct dom	*doms;
static size_t		 ndoms, capdoms;

static void
put_file(const char *path, const void *p, size_t len)
{
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL ||
	    (len > 0 && fwrite(p, 1, len, f) != len) || fclose(f) != 0) {
		fprintf(stderr, "fuzz_catalog: %s: %s\n", path,
		    strerror(errno));
		abort();
	}
}

static void
cleanup(void)
{
	size_t i;

	for (i = 0; i < NFILES; i++)
		unlink(paths[i]);
	rmdir(dir);
	free(doms);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/fuzz_catalog.%ld", (long)getpid());
	for (i = 0; i < NFILES; i++)
		snprintf(paths[i], sizeof(paths[i]), "%s/%zu-fuzz.conf", dir,
		    i + 1);
	cleanup();
	if (mkdir(dir, 0700) == -1) {
		fprintf(stderr, "fuzz_catalog: mkdir %s: %s\n", dir,
		    strerror(errno));
		exit(1);
	}
	atexit(cleanup);
	return 0;
}

static void
check_cause(const char *cause)
{
	size_t i;

	check(cause != NULL && cause[0] != '\0');
	for (i = 0; cause[i] != '\0'; i++) {
		if (cause[i] == '\n') {
			check(i > 0 && cause[i - 1] != '\n');
			continue;
		}
		check((unsigned char)cause[i] >= 0x20 || cause[i] == '\t');
		check(cause[i] != 0x7f);
	}
}

static void
collect(const struct platform *p, const char *d, size_t len, void *arg)
{
	size_t i;

	(void)arg;
	/* Normalised: 1..253 bytes of [a-z0-9_-.], no empty label, no
	 * trailing dot. */
	check(len >= 1 && len <= 253);
	check(d[0] != '.' && d[len - 1] != '.');
	for (i = 0; i < len; i++) {
		check((d[i] >= 'a' && d[i] <= 'z') ||
		    (d[i] >= '0' && d[i] <= '9') || d[i] == '-' ||
		    d[i] == '_' || d[i] == '.');
		check(!(d[i] == '.' && d[i + 1] == '.'));
	}
	if (ndoms == capdoms) {
		capdoms = capdoms ? 2 * capdoms : 256;
		if ((doms = realloc(doms, capdoms * sizeof(*doms))) == NULL)
			abort();
	}
	doms[ndoms].p = p;
	doms[ndoms].d = d;
	doms[ndoms].len = len;
	ndoms++;
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static const struct platform *
ref_find(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < ndoms; i++)
		if (doms[i].len == len && memcmp(doms[i].d, s, len) == 0)
			return doms[i].p;
	return NULL;
}

/* The longest label suffix of name that is a listed domain, plainly. */
static const struct platform *
ref_lookup(const char *name, size_t len)
{
	char low[LOOKUP_MAX];
	const struct platform *p;
	const char *dot;
	size_t i, start = 0;

	if (len == 0 || len > LOOKUP_MAX)
		return NULL;
	if (name[len - 1] == '.')
		len--;
	for (i = 0; i < len; i++)
		low[i] = lower(name[i]);
	while (start < len) {
		if ((p = ref_find(low + start, len - start)) != NULL)
			return p;
		if ((dot = memchr(low + start, '.', len - start)) == NULL)
			break;
		start = (size_t)(dot - low) + 1;
	}
	return NULL;
}

static void
lookup(const struct catalog *cat, const char *name, size_t len)
{
	const struct platform *want, *got;
	char *copy;

	want = ref_lookup(name, len);
	/* An exact-size copy: a read past len is an ASan report. */
	if ((copy = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	memcpy(copy, name, len);
	got = catalog_lookup(cat, copy, len);
	free(copy);
	if (got != want) {
		fprintf(stderr, "fuzz_catalog: lookup \"%.*s\": %s, want %s\n",
		    (int)len, name, got ? got->id : "none",
		    want ? want->id : "none");
		abort();
	}
}

/* A name and the variants a client could send for it. */
static void
lookup_variants(const struct catalog *cat, const char *name, size_t len)
{
	char buf[NAME_MAX_ + 8];
	size_t i;

	if (len > NAME_MAX_)
		return;
	lookup(cat, name, len);
	for (i = 0; i < len; i++)
		buf[i] = name[i] >= 'a' && name[i] <= 'z' ?
		    (char)(name[i] - 'a' + 'A') : name[i];
	lookup(cat, buf, len);			/* upper case */
	memcpy(buf, name, len);
	buf[len] = '.';
	lookup(cat, buf, len + 1);		/* trailing dot */
	memcpy(buf, "www.", 4);
	memcpy(buf + 4, name, len);
	lookup(cat, buf, len + 4);		/* a subdomain */
	memcpy(buf, "not", 3);
	memcpy(buf + 3, name, len);
	lookup(cat, buf, len + 3);		/* no label boundary */
	if (len > 1)
		lookup(cat, name + 1, len - 1);	/* not a label suffix */
}

static void
lookup_addr(const struct catalog *cat, const char *word)
{
	const struct platform *want = NULL, *p;
	struct addr a;
	size_t i, j;

	if (addr_parse(word, &a) != 0)
		return;
	for (i = 0; i < catalog_nplatforms(cat); i++) {
		p = catalog_platform(cat, i);
		for (j = 0; j < p->ncidrs; j++)
			if (cidr_contains(&p->cidrs[j], &a)) {
				check(want == NULL || want == p);
				want = p;
			}
	}
	check(catalog_lookup_addr(cat, &a) == want);
}

static bool
word_char(uint8_t c)
{
	return c > ' ' && c != ',' && c != '=' && c != '[' && c != ']' &&
	    c != ';' && c != '#' && c != 0x7f;
}

static void
check_catalog(const struct catalog *cat, const uint8_t *data, size_t size)
{
	const char *names[WORDS_MAX];
	const struct platform *p, *res[WORDS_MAX];
	size_t lens[WORDS_MAX];
	char words[WORDS_MAX][NAME_MAX_ + 1];
	size_t i, j, n, nwords = 0, found = 0;

	for (i = 0; i < catalog_nplatforms(cat); i++) {
		p = catalog_platform(cat, i);
		check(p != NULL && p->index == i);
		check(p->id != NULL && p->name != NULL && p->category != NULL);
		check(catalog_find(cat, p->id) == p);
		check((p->cat == CAT_CIRCUMVENTION) ==
		    (p->reason != CIRC_NONE));
		check(circ_reason_str(p->reason) != NULL);
	}
	check(catalog_platform(cat, catalog_nplatforms(cat)) == NULL);
	check(catalog_memsize(cat) > 0);

	ndoms = 0;
	catalog_foreach_domain(cat, collect, NULL);
	check(ndoms == catalog_ndomains(cat));
	for (i = 0; i < ndoms; i++) {
		for (j = i + 1; j < ndoms; j++)
			check(doms[i].len != doms[j].len ||
			    memcmp(doms[i].d, doms[j].d, doms[i].len) != 0);
		check(catalog_lookup(cat, doms[i].d, doms[i].len) ==
		    doms[i].p);
		if (i < 64)
			lookup_variants(cat, doms[i].d, doms[i].len);
	}

	/* The words of the input. */
	for (i = 0; i < size && nwords < WORDS_MAX; ) {
		while (i < size && !word_char(data[i]))
			i++;
		for (n = 0; i < size && word_char(data[i]); i++)
			if (n < NAME_MAX_)
				words[nwords][n++] = (char)data[i];
		if (n == 0)
			break;
		words[nwords][n] = '\0';
		names[nwords] = words[nwords];
		lens[nwords] = n;
		nwords++;
	}
	for (i = 0; i < nwords; i++) {
		lookup_variants(cat, words[i], lens[i]);
		lookup_addr(cat, words[i]);
	}
	n = catalog_lookup_many(cat, nwords, names, lens, res);
	for (i = 0; i < nwords; i++) {
		check(res[i] == catalog_lookup(cat, names[i], lens[i]));
		found += res[i] != NULL;
	}
	check(n == found);
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
	const char *list[NFILES];
	struct catalog *cat;
	char *cause = NULL;
	size_t i, start = 0, nfiles = 0;

	/* Cut at lines "%%"; a fourth part joins the third. */
	for (i = 0; i + 2 <= size && nfiles < NFILES - 1; i++)
		if (sep_at(data, size, i)) {
			put_file(paths[nfiles], data + start, i - start);
			list[nfiles] = paths[nfiles];
			nfiles++;
			start = i + 2 < size ? i + 3 : size;
			i = start - 1;
		}
	put_file(paths[nfiles], data + start, size - start);
	list[nfiles] = paths[nfiles];
	nfiles++;

	if ((cat = catalog_load_files(list, nfiles, &cause)) == NULL)
		check_cause(cause);
	else {
		check(cause == NULL);
		check_catalog(cat, data, size);
	}
	free(cause);
	catalog_free(cat);
	return 0;
}
