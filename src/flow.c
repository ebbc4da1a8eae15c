/*
 * flow: bounded reassembly table.
 *
 * Entries, hash buckets and stream buffers are allocated once.  A free
 * list hands out entries LIFO so the buffers in use stay few and warm; an
 * LRU list finds idle flows in O(1); a 64 Ki counter filter lets the
 * packet path skip the lookup for the (many) flows that are not here.
 */
#include <stdlib.h>
#include <string.h>

#include "flow.h"

#define FILTER_BITS	16
#define FILTER_SIZE	(1u << FILTER_BITS)

struct flow_table {
	size_t			 max;
	size_t			 bufsize;
	size_t			 count;
	size_t			 nbuckets;	/* power of two */
	int32_t			*buckets;
	struct flow		*entries;
	uint8_t			*bufs;
	int32_t			 free_head;
	int32_t			 lru_head, lru_tail;	/* oldest, newest */
	uint16_t		*filter;
	struct flow_stats	 stats;
};

/* Every byte of the key is a field: it is hashed and compared whole. */
_Static_assert(sizeof(struct flow_key) == 40, "flow_key has padding");

void
flow_key_make(struct flow_key *k, const struct addr *client, uint16_t cport,
    const struct addr *server, uint16_t sport, uint8_t proto)
{
	k->tag = 0;
	k->family = client->family;
	k->proto = proto;
	k->cport = cport;
	k->sport = sport;
	memcpy(k->caddr, client->bytes, sizeof(k->caddr));
	memcpy(k->saddr, server->bytes, sizeof(k->saddr));
}

static inline uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static inline uint64_t
load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

uint64_t
flow_hash(const struct flow_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h;

	/* The key is 40 bytes with no padding: hash it as five words. */
	h = load64(p) * 0x9e3779b97f4a7c15ULL;
	h = (h ^ load64(p + 8)) * 0x9e3779b97f4a7c15ULL;
	h = (h ^ load64(p + 16)) * 0x9e3779b97f4a7c15ULL;
	h = (h ^ load64(p + 24)) * 0x9e3779b97f4a7c15ULL;
	h = (h ^ load64(p + 32)) * 0x9e3779b97f4a7c15ULL;
	return mix64(h);
}

struct flow_table *
flow_table_new(size_t max, size_t bufsize)
{
	struct flow_table *t;
	size_t i;

	if (max == 0 || max > FLOW_TABLE_LIMIT || bufsize > FLOW_BUF_SIZE)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->max = max;
	t->bufsize = bufsize;
	for (t->nbuckets = 1; t->nbuckets < 2 * max; t->nbuckets <<= 1)
		;
	t->buckets = malloc(t->nbuckets * sizeof(*t->buckets));
	t->entries = calloc(max, sizeof(*t->entries));
	/* Untouched pages of this arena cost no memory; the LIFO free list
	 * keeps the touched ones few. */
	t->bufs = malloc(max * bufsize + 1);
	t->filter = calloc(FILTER_SIZE, sizeof(*t->filter));
	if (!t->buckets || !t->entries || !t->bufs || !t->filter) {
		flow_table_free(t);
		return NULL;
	}
	for (i = 0; i < t->nbuckets; i++)
		t->buckets[i] = -1;
	for (i = 0; i < max; i++) {
		t->entries[i].buf = t->bufs + i * bufsize;
		t->entries[i].next = i + 1 < max ? (int32_t)(i + 1) : -1;
	}
	t->free_head = 0;
	t->lru_head = t->lru_tail = -1;
	return t;
}

void
flow_table_free(struct flow_table *t)
{
	if (t == NULL)
		return;
	free(t->buckets);
	free(t->entries);
	free(t->bufs);
	free(t->filter);
	free(t);
}

bool
flow_maybe(const struct flow_table *t, uint64_t hash)
{
	return t->filter[hash >> (64 - FILTER_BITS)] != 0;
}

struct flow *
flow_lookup(struct flow_table *t, const struct flow_key *k, uint64_t hash)
{
	int32_t i;

	if (!flow_maybe(t, hash))
		return NULL;
	for (i = t->buckets[hash & (t->nbuckets - 1)]; i >= 0;
	    i = t->entries[i].next) {
		struct flow *f = &t->entries[i];

		if (f->hash == hash && memcmp(&f->key, k, sizeof(*k)) == 0)
			return f;
	}
	return NULL;
}

static void
lru_unlink(struct flow_table *t, struct flow *f)
{
	if (f->lru_prev >= 0)
		t->entries[f->lru_prev].lru_next = f->lru_next;
	else
		t->lru_head = f->lru_next;
	if (f->lru_next >= 0)
		t->entries[f->lru_next].lru_prev = f->lru_prev;
	else
		t->lru_tail = f->lru_prev;
}

static void
lru_append(struct flow_table *t, struct flow *f)
{
	int32_t i = (int32_t)(f - t->entries);

	f->lru_next = -1;
	f->lru_prev = t->lru_tail;
	if (t->lru_tail >= 0)
		t->entries[t->lru_tail].lru_next = i;
	else
		t->lru_head = i;
	t->lru_tail = i;
}

void
flow_touch(struct flow_table *t, struct flow *f, uint64_t now_us)
{
	f->last_us = now_us;
	if (t->lru_tail != (int32_t)(f - t->entries)) {
		lru_unlink(t, f);
		lru_append(t, f);
	}
}

void
flow_remove(struct flow_table *t, struct flow *f)
{
	int32_t i = (int32_t)(f - t->entries);
	int32_t *pp = &t->buckets[f->hash & (t->nbuckets - 1)];

	while (*pp >= 0 && *pp != i)
		pp = &t->entries[*pp].next;
	if (*pp == i)
		*pp = f->next;
	lru_unlink(t, f);
	t->filter[f->hash >> (64 - FILTER_BITS)]--;
	f->kind = 0;
	f->opaque = NULL;
	f->next = t->free_head;
	t->free_head = i;
	t->count--;
}

struct flow *
flow_oldest_idle(struct flow_table *t, uint64_t now_us, uint64_t timeout_us)
{
	struct flow *f;

	if (t->lru_head < 0)
		return NULL;
	f = &t->entries[t->lru_head];
	/* A clock that went backwards counts as idle: never keep a flow
	 * forever because of one odd timestamp. */
	if (now_us >= f->last_us && now_us - f->last_us < timeout_us)
		return NULL;
	return f;
}

size_t
flow_expire(struct flow_table *t, uint64_t now_us, uint64_t timeout_us)
{
	struct flow *f;
	size_t n = 0;

	while ((f = flow_oldest_idle(t, now_us, timeout_us)) != NULL) {
		flow_remove(t, f);
		t->stats.expired++;
		n++;
	}
	return n;
}

struct flow *
flow_insert(struct flow_table *t, const struct flow_key *k, uint64_t hash,
    enum flow_kind kind, uint64_t now_us)
{
	struct flow *f;
	uint8_t *buf;
	int32_t i;

	flow_expire(t, now_us, FLOW_TIMEOUT_US);
	if (t->free_head < 0) {
		flow_remove(t, &t->entries[t->lru_head]);
		t->stats.evicted++;
	}
	i = t->free_head;
	f = &t->entries[i];
	t->free_head = f->next;
	buf = f->buf;
	memset(f, 0, sizeof(*f));
	f->buf = buf;
	f->key = *k;
	f->hash = hash;
	f->kind = kind;
	f->last_us = now_us;
	f->next = t->buckets[hash & (t->nbuckets - 1)];
	t->buckets[hash & (t->nbuckets - 1)] = i;
	lru_append(t, f);
	t->filter[hash >> (64 - FILTER_BITS)]++;
	t->count++;
	t->stats.inserted++;
	return f;
}

uint32_t
flow_store(struct flow_table *t, struct flow *f, uint64_t off,
    const uint8_t *data, size_t len)
{
	struct flow_range all[FLOW_MAX_RANGES + 1], merged[FLOW_MAX_RANGES];
	uint32_t start, end, cur;
	size_t i, m = 0, n = 0;

	if (len == 0)
		goto out;
	if (off >= t->bufsize) {
		t->stats.overflow++;
		goto out;
	}
	if (len > t->bufsize - off) {
		t->stats.overflow++;
		len = t->bufsize - (size_t)off;
	}
	start = (uint32_t)off;
	end = (uint32_t)(off + len);

	/* The union of the ranges and [start, end), sorted and coalesced;
	 * refuse the segment if it would need more ranges than we keep. */
	for (i = 0; i < f->nranges && f->ranges[i].start <= start; i++)
		all[m++] = f->ranges[i];
	all[m].start = start;
	all[m++].end = end;
	for (; i < f->nranges; i++)
		all[m++] = f->ranges[i];
	for (i = 0; i < m; i++) {
		if (n > 0 && all[i].start <= merged[n - 1].end) {
			if (all[i].end > merged[n - 1].end)
				merged[n - 1].end = all[i].end;
		} else {
			if (n == FLOW_MAX_RANGES)
				goto out;
			merged[n++] = all[i];
		}
	}

	/* Copy only the gaps: bytes already present are never rewritten. */
	cur = start;
	for (i = 0; i < f->nranges && cur < end; i++) {
		const struct flow_range *r = &f->ranges[i];

		if (r->end <= cur)
			continue;
		if (r->start >= end)
			break;
		if (r->start > cur)
			memcpy(f->buf + cur, data + (cur - start), r->start - cur);
		cur = r->end;
	}
	if (cur < end)
		memcpy(f->buf + cur, data + (cur - start), end - cur);

	memcpy(f->ranges, merged, n * sizeof(merged[0]));
	f->nranges = n;
	f->contig = f->ranges[0].start == 0 ? f->ranges[0].end : 0;
out:
	return f->contig;
}

uint32_t
flow_tcp_store(struct flow_table *t, struct flow *f, uint32_t seq,
    const uint8_t *data, size_t len)
{
	uint32_t off = seq - f->base_seq;

	/* A segment that starts before offset 0 (wrapping to a huge
	 * offset) keeps only its part from offset 0 on. */
	if (off >= 0x80000000u) {
		uint32_t skip = (uint32_t)0 - off;

		if (skip >= len)
			return f->contig;
		data += skip;
		len -= skip;
		off = 0;
	}
	return flow_store(t, f, off, data, len);
}

size_t
flow_index(const struct flow_table *t, const struct flow *f)
{
	return (size_t)(f - t->entries);
}

const struct flow_stats *
flow_table_stats(const struct flow_table *t)
{
	return &t->stats;
}

size_t
flow_table_count(const struct flow_table *t)
{
	return t->count;
}
