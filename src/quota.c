/*
 * quota: allowance used per holder per local day, in an open-addressing
 * hash table that grows to QUOTA_HOLDERS_MAX holders.  Entries of past
 * days are dead: they read as zero and are dropped when the table is
 * rebuilt, so a long-running daemon's table holds about a day's holders.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "quota.h"

struct entry {
	char		holder[STATE_HOLDER_MAX];	/* "" = empty slot */
	int32_t		day;
	uint32_t	used;
};

struct quota {
	struct entry	*v;
	size_t		 size;		/* power of 2 */
	size_t		 n;		/* live slots */
};

static uint64_t
name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 31);
}

struct quota *
quota_new(void)
{
	struct quota *q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->size = 64;
	if ((q->v = calloc(q->size, sizeof(*q->v))) == NULL) {
		free(q);
		return NULL;
	}
	return q;
}

void
quota_free(struct quota *q)
{
	if (q == NULL)
		return;
	free(q->v);
	free(q);
}

static struct entry *
find(const struct quota *q, const char *holder)
{
	size_t i;

	for (i = name_hash(holder) & (q->size - 1); q->v[i].holder[0] != '\0';
	    i = (i + 1) & (q->size - 1))
		if (strcmp(q->v[i].holder, holder) == 0)
			return &q->v[i];
	return NULL;
}

static void
place(struct entry *v, size_t size, const struct entry *e)
{
	size_t i;

	for (i = name_hash(e->holder) & (size - 1); v[i].holder[0] != '\0';
	    i = (i + 1) & (size - 1))
		;
	v[i] = *e;
}

/* Rebuild into a table of size entries, keeping the use of day and
 * later. */
static int
rebuild(struct quota *q, size_t size, int32_t day)
{
	struct entry *v;
	size_t i, n = 0;

	if ((v = calloc(size, sizeof(*v))) == NULL)
		return -ENOMEM;
	for (i = 0; i < q->size; i++) {
		if (q->v[i].holder[0] == '\0' || q->v[i].day < day)
			continue;
		place(v, size, &q->v[i]);
		n++;
	}
	free(q->v);
	q->v = v;
	q->size = size;
	q->n = n;
	return 0;
}

/* The entry for holder, created when missing.  NULL with *err set. */
static struct entry *
get(struct quota *q, const char *holder, int32_t day, int *err)
{
	struct entry *e, ne;
	size_t size;

	if ((e = find(q, holder)) != NULL)
		return e;
	if (strlen(holder) >= sizeof(e->holder) || holder[0] == '\0') {
		*err = -EINVAL;
		return NULL;
	}
	/* Keep the load under 1/2 and the holders under the limit: first
	 * drop dead days, then grow. */
	if ((q->n + 1) * 2 > q->size || q->n >= QUOTA_HOLDERS_MAX) {
		if (rebuild(q, q->size, day) < 0) {
			*err = -ENOMEM;
			return NULL;
		}
		if (q->n >= QUOTA_HOLDERS_MAX) {
			*err = -ENOSPC;
			return NULL;
		}
		size = q->size;
		while ((q->n + 1) * 2 > size)
			size *= 2;
		if (size != q->size && rebuild(q, size, day) < 0) {
			*err = -ENOMEM;
			return NULL;
		}
	}
	memset(&ne, 0, sizeof(ne));
	memcpy(ne.holder, holder, strlen(holder) + 1);
	ne.day = day;
	place(q->v, q->size, &ne);
	q->n++;
	return find(q, holder);
}

uint32_t
quota_used(const struct quota *q, const char *holder, int32_t day)
{
	const struct entry *e;

	if ((e = find(q, holder)) == NULL || e->day != day)
		return 0;
	return e->used;
}

int64_t
quota_tick(struct quota *q, const char *holder, int32_t day, uint64_t bytes,
    uint64_t active_bytes, uint32_t tick, uint32_t allowance)
{
	struct entry *e;
	uint32_t charge;
	int err = 0;

	if (bytes < active_bytes || tick == 0)
		return 0;
	if ((e = get(q, holder, day, &err)) == NULL)
		return err;
	if (e->day != day) {
		/* A new local day: yesterday's use is gone. */
		e->day = day;
		e->used = 0;
	}
	if (e->used >= allowance)
		return 0;
	charge = allowance - e->used < tick ? allowance - e->used : tick;
	e->used += charge;
	return charge;
}

size_t
quota_count(const struct quota *q, int32_t day)
{
	size_t i, n = 0;

	for (i = 0; i < q->size; i++)
		if (q->v[i].holder[0] != '\0' && q->v[i].day >= day)
			n++;
	return n;
}

static int
sq_cmp(const void *a, const void *b)
{
	return strcmp(((const struct state_quota *)a)->holder,
	    ((const struct state_quota *)b)->holder);
}

size_t
quota_export(const struct quota *q, int32_t day, struct state_quota *v,
    size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < q->size; i++) {
		if (q->v[i].holder[0] == '\0' || q->v[i].day < day)
			continue;
		if (n < max) {
			memset(&v[n], 0, sizeof(v[n]));
			memcpy(v[n].holder, q->v[i].holder,
			    sizeof(v[n].holder));
			v[n].day = q->v[i].day;
			v[n].used = q->v[i].used;
		}
		n++;
	}
	if (n > 1 && n <= max)
		qsort(v, n, sizeof(*v), sq_cmp);
	return n;
}

int
quota_restore(struct quota *q, int32_t day, const struct state_quota *v,
    size_t n)
{
	struct entry *e;
	size_t i;
	int err = 0;

	for (i = 0; i < n; i++) {
		if (v[i].day < day ||
		    memchr(v[i].holder, '\0', sizeof(v[i].holder)) == NULL)
			continue;
		if ((e = get(q, v[i].holder, v[i].day, &err)) == NULL)
			return err;
		/* Two records for one holder: the larger use wins, never
		 * granting time a record says was spent. */
		if (v[i].day > e->day ||
		    (v[i].day == e->day && e->used < v[i].used)) {
			e->day = v[i].day;
			e->used = v[i].used;
		}
	}
	return 0;
}
