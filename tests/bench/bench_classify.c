/*
 * bench_classify: catalogue lookups per second at a million domains.
 *
 * Writes a synthetic catalogue (1,000,000 domains by default) to a
 * temporary platforms directory, loads it with the real loader
 * (catalog_load_dir), then times lookups over a pre-built mix of names:
 * half lie under a catalogue domain (a random entry with 1 to 3 labels in
 * front), half under none.  Entries are drawn uniformly, so nearly every
 * lookup is a cache miss: the worst case, real traffic repeats names.
 *
 * Times N lookups one name at a time (catalog_lookup) and N in batches
 * (catalog_lookup_many), each the best of R runs, by CPU time (the
 * lookups per second of one core, whatever else the machine runs) and by
 * wall-clock time.  Reports load time, the catalogue's memory, the hit
 * count (so the lookups cannot be optimised away) and the process's peak
 * RSS.  No thresholds: `make bench` compares the numbers.
 *
 * usage: bench_classify [-n domains] [-N lookups] [-p hit%] [-r runs]
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
#define BATCH		64	/* names per catalog_lookup_many() */

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
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
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
	fprintf(stderr, "usage: bench_classify [-n domains] [-N lookups] "
	    "[-p hit%%] [-r runs]\n");
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

struct queries {
	const char	**name;
	size_t		 *len;
	uint8_t		 *hit;		/* built to match */
	char		 *pool;
};

struct timing {
	double		 cpu;		/* best run, seconds */
	double		 wall;
	size_t		 hits;
	size_t		 sum;
};

static void
time_single(const struct catalog *cat, const struct queries *q, size_t n,
    struct timing *t)
{
	const struct platform *p;
	double c0, w0;
	size_t i, k;

	t->hits = t->sum = 0;
	c0 = cpu_now();
	w0 = now();
	for (i = 0; i < n; i++) {
		k = i & (NQUERIES - 1);
		if ((p = catalog_lookup(cat, q->name[k], q->len[k])) != NULL) {
			t->hits++;
			t->sum += p->index;
		}
	}
	t->cpu = cpu_now() - c0;
	t->wall = now() - w0;
}

static void
time_batch(const struct catalog *cat, const struct queries *q, size_t n,
    struct timing *t)
{
	const struct platform *ret[BATCH];
	double c0, w0;
	size_t i, j, k, m;

	t->hits = t->sum = 0;
	c0 = cpu_now();
	w0 = now();
	for (i = 0; i < n; i += m) {
		k = i & (NQUERIES - 1);
		m = n - i < BATCH ? n - i : BATCH;
		/* NQUERIES is a multiple of BATCH: a batch never wraps. */
		t->hits += catalog_lookup_many(cat, m, q->name + k, q->len + k,
		    ret);
		for (j = 0; j < m; j++)
			if (ret[j] != NULL)
				t->sum += ret[j]->index;
	}
	t->cpu = cpu_now() - c0;
	t->wall = now() - w0;
}

static void
report(const char *what, size_t n, const struct timing *t)
{
	printf("%s: %zu lookups: %.2f M lookups/s per core (CPU time %.3f "
	    "s, %.1f ns each); wall clock %.2f M/s\n", what, n,
	    (double)n / t->cpu / 1e6, t->cpu, t->cpu * 1e9 / (double)n,
	    (double)n / t->wall / 1e6);
}

int
main(int argc, char *argv[])
{
	char dir[] = "/tmp/bench_classify.XXXXXX", name[300], *cause = NULL;
	size_t ndomains = 1000000, nlookups = 20000000, runs = 3, nfiles, i, k;
	size_t hitpct = 50;
	size_t expect_hits = 0, poolsize = 0, r;
	struct timing single = { 0, 0, 0, 0 }, batch = single, t;
	struct queries q;
	struct catalog *cat;
	double t0, tload, rss_load, peak_load;
	int ch;

	while ((ch = getopt(argc, argv, "n:N:p:r:")) != -1) {
		switch (ch) {
		case 'p':
			/* number() refuses 0; a hit rate may be 0. */
			hitpct = optarg[0] == '0' && optarg[1] == '\0' ? 0 :
			    number(optarg);
			if (hitpct > 100)
				usage();
			break;
		case 'n':
			ndomains = number(optarg);
			break;
		case 'N':
			nlookups = number(optarg);
			break;
		case 'r':
			runs = number(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	printf("bench_classify: catalogue lookups (classify.c), one core\n");
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
	if ((q.name = calloc(NQUERIES, sizeof(*q.name))) == NULL ||
	    (q.len = calloc(NQUERIES, sizeof(*q.len))) == NULL ||
	    (q.hit = calloc(NQUERIES, sizeof(*q.hit))) == NULL ||
	    (q.pool = malloc((size_t)NQUERIES * 96)) == NULL)
		err(1, NULL);
	for (i = 0; i < NQUERIES; i++) {
		size_t n = 0, extra = 1 + rnd() % 3;
		int miss = rnd() % 100 >= hitpct;

		for (k = 0; k < extra; k++)
			n += (size_t)snprintf(name + n, sizeof(name) - n, "%s.",
			    front[rnd() % NFRONT]);
		n += synth_domain(rnd() % ndomains, miss, name + n,
		    sizeof(name) - n);
		memcpy(q.pool + poolsize, name, n);
		q.name[i] = q.pool + poolsize;
		q.len[i] = n;
		q.hit[i] = !miss;
		poolsize += n;
	}
	for (i = 0; i < NQUERIES; i++)
		expect_hits += q.hit[i] * (nlookups / NQUERIES +
		    (i < nlookups % NQUERIES));
	printf("queries: %u distinct names, cycled; %zu%% under a random "
	    "catalogue domain (1-3 labels in front), the rest under none\n",
	    NQUERIES, hitpct);

	/* One untimed pass: page faults and cold caches are not lookups. */
	time_single(cat, &q, NQUERIES, &t);
	for (r = 0; r < runs; r++) {
		time_single(cat, &q, nlookups, &t);
		if (r == 0 || t.cpu < single.cpu)
			single = t;
		time_batch(cat, &q, nlookups, &t);
		if (r == 0 || t.cpu < batch.cpu)
			batch = t;
	}
	report("catalog_lookup", nlookups, &single);
	report("catalog_lookup_many", nlookups, &batch);
	printf("hits: %zu (%.1f%%), expected %zu; checksum %zu\n", single.hits,
	    100.0 * (double)single.hits / (double)nlookups, expect_hits,
	    single.sum);
	printf("peak RSS (getrusage ru_maxrss, whole process): %.1f MiB\n",
	    peak_rss_mib());
	/* One line for scripts. */
	printf("result: domains=%zu lookups_per_s=%.0f "
	    "batch_lookups_per_s=%.0f catalogue_bytes=%zu "
	    "rss_after_load_kib=%.0f peak_rss_kib=%.0f load_s=%.3f\n",
	    catalog_ndomains(cat), (double)nlookups / single.cpu,
	    (double)nlookups / batch.cpu, catalog_memsize(cat),
	    rss_load * 1024, peak_rss_mib() * 1024, tload);
	catalog_free(cat);
	free(q.name);
	free(q.len);
	free(q.hit);
	free(q.pool);
	if (single.hits != expect_hits || batch.hits != expect_hits ||
	    batch.sum != single.sum) {
		fprintf(stderr, "bench_classify: hits %zu and %zu, expected "
		    "%zu\n", single.hits, batch.hits, expect_hits);
		return 1;
	}
	return 0;
}
