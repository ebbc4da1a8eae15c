/*
 * bench_classify: catalogue lookups per second at a million domains.
 *
 * Writes a synthetic catalogue (1,000,000 domains by default) to a
 * temporary platforms directory, loads it with the real loader
 * (catalog_load_dir), then times catalog_lookup() over a pre-built mix of
 * names: half lie under a catalogue domain (a random entry with 1 to 3
 * labels in front), half under none.  Reports load time, the
 * catalogue's memory, lookups/s on one core, the hit count (so the
 * lookups cannot be optimised away) and the process's peak RSS.  No
 * thresholds: `make bench` compares the numbers.
 *
 * usage: bench_classify [-n domains] [-N lookups]
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"

#define PER_PLATFORM	1000	/* domains per platform */
#define PER_FILE	100	/* platforms per file */
#define PER_LINE	6	/* domains per catalogue line */
#define NQUERIES	(1u << 18)	/* distinct names, cycled through */

static const char *const tlds[] = {
	"com", "net", "org", "co.uk", "io", "de", "fr", "app",
};
#define NTLDS	(sizeof(tlds) / sizeof(tlds[0]))

static const char *const front[] = {
	"www", "m", "cdn", "api", "static", "img-2", "edge-7", "video",
	"upload", "graph", "s", "lhr",
};
#define NFRONT	(sizeof(front) / sizeof(front[0]))

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: reproducible, and fast enough not to matter. */
static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

/*
 * Domain i of the catalogue: 3-10 random letters, i in hex, a TLD.  With
 * miss set, a '-' before the hex makes a label no catalogue domain has.
 */
static size_t
synth_domain(size_t i, int miss, char *buf, size_t size)
{
	unsigned x = (unsigned)i * 2654435761u;
	char pre[16];
	size_t n = 3 + x % 8, k;

	for (k = 0; k < n; k++) {
		pre[k] = (char)('a' + (x >> 8) % 26);
		x = x * 1103515245u + 12345u;
	}
	pre[n] = '\0';
	return (size_t)snprintf(buf, size, "%s%s%zx.%s", pre, miss ? "-" : "",
	    i, tlds[i % NTLDS]);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
peak_rss_mib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;	/* Linux: KiB */
}

static double
cur_rss_mib(void)
{
	unsigned long size, rss;
	FILE *f;

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return (double)rss * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

static size_t
write_catalogue(const char *dir, size_t ndomains)
{
	char path[PATH_MAX], name[64];
	size_t i, j, nfiles = 0;
	FILE *f = NULL;

	for (i = 0; i < ndomains; i++) {
		size_t plat = i / PER_PLATFORM;

		j = i % PER_PLATFORM;
		if (j == 0 && plat % PER_FILE == 0) {
			if (f != NULL && fclose(f) != 0)
				err(1, "%s", path);
			snprintf(path, sizeof(path), "%s/%04zu-synthetic.conf",
			    dir, nfiles++);
			if ((f = fopen(path, "w")) == NULL)
				err(1, "%s", path);
		}
		if (j == 0)
			fprintf(f, "[platform p%zu]\nname = Platform %zu\n"
			    "category = social\nshared_infra = no\n"
			    "domains =\n", plat, plat);
		if (j % PER_LINE == 0)
			fputc('\t', f);
		synth_domain(i, 0, name, sizeof(name));
		fputs(name, f);
		fputs(j % PER_LINE == PER_LINE - 1 || j == PER_PLATFORM - 1 ||
		    i == ndomains - 1 ? ",\n" : ", ", f);
	}
	if (f != NULL && fclose(f) != 0)
		err(1, "%s", path);
	return nfiles;
}

static void
remove_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_classify [-n domains] [-N lookups]\n");
	exit(2);
}

static size_t
number(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v == 0 || v > SIZE_MAX)
		usage();
	return (size_t)v;
}

int
main(int argc, char *argv[])
{
	char dir[] = "/tmp/bench_classify.XXXXXX", name[300], *cause = NULL;
	size_t ndomains = 1000000, nlookups = 20000000, nfiles, i, k;
	size_t expect_hits = 0, hits = 0, sum = 0, poolsize = 0;
	uint32_t *qoff;
	uint8_t *qlen, *qhit;
	char *qpool;
	struct catalog *cat;
	double t0, tload, tlook, rss_load, peak_load;
	int ch;

	while ((ch = getopt(argc, argv, "n:N:")) != -1) {
		switch (ch) {
		case 'n':
			ndomains = number(optarg);
			break;
		case 'N':
			nlookups = number(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	printf("bench_classify: catalog_lookup() throughput, one core\n");
	if (mkdtemp(dir) == NULL)
		err(1, "mkdtemp");
	nfiles = write_catalogue(dir, ndomains);

	t0 = now();
	cat = catalog_load_dir(dir, &cause);
	tload = now() - t0;
	remove_dir(dir);
	if (cat == NULL)
		errx(1, "%s", cause ? cause : "out of memory");
	rss_load = cur_rss_mib();
	peak_load = peak_rss_mib();
	printf("catalogue: %zu domains, %zu platforms, %zu files, loaded "
	    "with catalog_load_dir() in %.2f s\n", catalog_ndomains(cat),
	    catalog_nplatforms(cat), nfiles, tload);
	printf("catalogue memory: %.1f MiB (catalog_memsize); process RSS "
	    "after load %.1f MiB, peak while loading %.1f MiB\n",
	    (double)catalog_memsize(cat) / 1048576.0, rss_load, peak_load);

	/* The queries, built before the clock starts. */
	if ((qoff = calloc(NQUERIES, sizeof(*qoff))) == NULL ||
	    (qlen = calloc(NQUERIES, sizeof(*qlen))) == NULL ||
	    (qhit = calloc(NQUERIES, sizeof(*qhit))) == NULL ||
	    (qpool = malloc((size_t)NQUERIES * 96)) == NULL)
		err(1, NULL);
	for (i = 0; i < NQUERIES; i++) {
		size_t n = 0, extra = 1 + rnd() % 3;
		int miss = (int)(rnd() & 1);

		for (k = 0; k < extra; k++)
			n += (size_t)snprintf(name + n, sizeof(name) - n, "%s.",
			    front[rnd() % NFRONT]);
		n += synth_domain(rnd() % ndomains, miss, name + n,
		    sizeof(name) - n);
		qoff[i] = (uint32_t)poolsize;
		qlen[i] = (uint8_t)n;
		memcpy(qpool + poolsize, name, n);
		poolsize += n;
		qhit[i] = !miss;
	}
	for (i = 0; i < NQUERIES; i++)
		expect_hits += qhit[i] * (nlookups / NQUERIES +
		    (i < nlookups % NQUERIES));

	/* One untimed pass: page faults and cold caches are not lookups. */
	for (i = 0; i < NQUERIES; i++)
		sum += catalog_lookup(cat, qpool + qoff[i], qlen[i]) != NULL;

	sum = 0;
	t0 = now();
	for (i = 0; i < nlookups; i++) {
		size_t q = i & (NQUERIES - 1);
		const struct platform *p;

		p = catalog_lookup(cat, qpool + qoff[q], qlen[q]);
		if (p != NULL) {
			hits++;
			sum += p->index;
		}
	}
	tlook = now() - t0;

	printf("queries: %u distinct names, cycled; about half under a "
	    "catalogue domain (1-3 labels in front), half under none\n",
	    NQUERIES);
	printf("lookups: %zu in %.3f s = %.2f M lookups/s (%.1f ns each)\n",
	    nlookups, tlook, (double)nlookups / tlook / 1e6,
	    tlook * 1e9 / (double)nlookups);
	printf("hits: %zu (%.1f%%), expected %zu; checksum %zu\n", hits,
	    100.0 * (double)hits / (double)nlookups, expect_hits, sum);
	printf("peak RSS (getrusage ru_maxrss, whole process): %.1f MiB\n",
	    peak_rss_mib());
	/* One line for scripts. */
	printf("result: domains=%zu lookups_per_s=%.0f catalogue_bytes=%zu "
	    "rss_after_load_kib=%.0f peak_rss_kib=%.0f load_s=%.3f\n",
	    catalog_ndomains(cat), (double)nlookups / tlook,
	    catalog_memsize(cat), rss_load * 1024, peak_rss_mib() * 1024,
	    tload);
	catalog_free(cat);
	free(qoff);
	free(qlen);
	free(qhit);
	free(qpool);
	if (hits != expect_hits) {
		fprintf(stderr, "bench_classify: %zu hits, expected %zu\n",
		    hits, expect_hits);
		return 1;
	}
	return 0;
}
