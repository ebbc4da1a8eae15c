/*
 * bench_nft: batched nft element updates against the kernel, in a fresh
 * network namespace of its own (unshare(CLONE_NEWNET): needs root; the
 * namespace and its table vanish with the process).
 *
 * For each batch size: 100k deny elements added, then deleted, in
 * batches of that size (build + commit timed); then the latency of one
 * element committed alone (DESIGN: "DNS answer seen -> element in
 * kernel", p99 < 1 ms).  Exit 77 when it cannot get a namespace.
 *
 *   bench_nft [TOTAL]
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "nft.h"

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct addr
client(size_t i)
{
	struct addr	 a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.bytes[0] = 10;
	a.bytes[1] = (uint8_t)(i >> 16);
	a.bytes[2] = (uint8_t)(i >> 8);
	a.bytes[3] = (uint8_t)i;
	return a;
}

static int
dcmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Add (del false) or delete total elements in batches of bs: seconds. */
static double
run(struct nft *n, struct nft_batch *b, size_t total, size_t bs, bool del)
{
	struct addr	 a;
	char		*cause = NULL;
	size_t		 i;
	double		 t0 = now();
	int		 rc;

	for (i = 0; i < total; i++) {
		a = client(i);
		rc = del ? nft_del_deny(b, &a, 1 + (uint32_t)(i % 30)) :
		    nft_add_deny(b, &a, 1 + (uint32_t)(i % 30), 3600000);
		if (rc != 0) {
			fprintf(stderr, "bench_nft: build: %s\n",
			    strerror(-rc));
			exit(1);
		}
		if ((i + 1) % bs == 0 || i + 1 == total) {
			if ((rc = nft_commit(n, b, &cause)) != 0) {
				fprintf(stderr, "bench_nft: commit: %s\n",
				    cause ? cause : strerror(-rc));
				exit(1);
			}
			nft_batch_reset(b);
		}
	}
	return now() - t0;
}

int
main(int argc, char **argv)
{
	static const size_t	 sizes[] = { 1000, 10000, 100000 };
	struct nft		*n;
	struct nft_batch	*b;
	struct nft_setup	 s;
	struct cidr		 lan;
	struct addr		 a;
	char			*cause = NULL;
	size_t			 total = 100000, i, k, nlat = 1000;
	double			 ta, td, lat[1000], t0, worst = 1e18;
	int			 rc;

	if (argc > 1)
		total = strtoul(argv[1], NULL, 10);
	if (total == 0)
		total = 100000;
	if (unshare(CLONE_NEWNET) != 0) {
		printf("bench_nft: skipped: no network namespace of our own "
		    "(%s; needs root)\n", strerror(errno));
		return 77;
	}
	if ((n = nft_open(&cause)) == NULL) {
		fprintf(stderr, "bench_nft: %s\n", cause);
		return 1;
	}
	memset(&s, 0, sizeof(s));
	if (cidr_parse("10.0.0.0/8", &lan) != 0)
		return 1;
	s.lan = &lan;
	s.nlan = 1;
	if ((rc = nft_setup(n, &s, &cause)) < 0) {
		fprintf(stderr, "bench_nft: setup: %s\n", cause);
		return 1;
	}
	if ((b = nft_batch_new()) == NULL)
		return 1;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		if (sizes[k] > total)
			continue;
		ta = run(n, b, total, sizes[k], false);
		td = run(n, b, total, sizes[k], true);
		if (2 * total / (ta + td) < worst)
			worst = 2 * total / (ta + td);
		printf("batches of %6zu: add %8.0f elements/s, delete %8.0f "
		    "elements/s (%zu each)\n", sizes[k], total / ta,
		    total / td, total);
	}

	/* One element per commit: the latency of a single update. */
	for (i = 0; i < nlat; i++) {
		a = client(i);
		t0 = now();
		if (nft_add_deny(b, &a, 1, 0) != 0 ||
		    nft_commit(n, b, &cause) != 0) {
			fprintf(stderr, "bench_nft: %s\n", cause ? cause : "");
			return 1;
		}
		lat[i] = now() - t0;
		nft_batch_reset(b);
	}
	qsort(lat, nlat, sizeof(lat[0]), dcmp);
	printf("single element commit: p50 %.3f ms, p99 %.3f ms "
	    "(target p99 < 1 ms)\n", lat[nlat / 2] * 1e3,
	    lat[nlat * 99 / 100] * 1e3);
	printf("worst batched rate: %.0f elements/s = %.1fx the target of "
	    "100k/s\n", worst, worst / 100000);
	nft_batch_free(b);
	nft_close(n);
	return 0;
}
