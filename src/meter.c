/*
 * meter: last totals of the kernel's meter elements, in an
 * open-addressing table rebuilt at the end of each reading with only the
 * elements that reading saw -- so it never holds more than the kernel's
 * set does, and needs no deletion.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "meter.h"

struct mentry {
	struct addr	client;
	uint32_t	mark;
	uint32_t	gen;		/* reading that last fed it; 0 free */
	uint64_t	total;
};

struct meter {
	struct mentry	*v;
	size_t		 size;		/* power of 2 */
	size_t		 n;
	uint32_t	 gen;
};

static uint64_t
mhash(const struct addr *a, uint32_t mark)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ mark;
	size_t i;

	for (i = 0; i < sizeof(a->bytes); i++) {
		h ^= a->bytes[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

struct meter *
meter_new(void)
{
	struct meter *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->size = 256;
	m->gen = 1;
	if ((m->v = calloc(m->size, sizeof(*m->v))) == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void
meter_free(struct meter *m)
{
	if (m == NULL)
		return;
	free(m->v);
	free(m);
}

static struct mentry *
slot(struct mentry *v, size_t size, const struct addr *a, uint32_t mark,
    bool *found)
{
	size_t i;

	for (i = mhash(a, mark) & (size - 1); v[i].gen != 0;
	    i = (i + 1) & (size - 1)) {
		if (v[i].mark == mark && addr_equal(&v[i].client, a)) {
			*found = true;
			return &v[i];
		}
	}
	*found = false;
	return &v[i];
}

/* Rebuild into size slots, keeping the entries fed in generation keep
 * (or every entry when keep is 0). */
static int
rebuild(struct meter *m, size_t size, uint32_t keep)
{
	struct mentry *v, *e;
	size_t i, n = 0;
	bool found;

	if ((v = calloc(size, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < m->size; i++) {
		if (m->v[i].gen == 0 || (keep != 0 && m->v[i].gen != keep))
			continue;
		e = slot(v, size, &m->v[i].client, m->v[i].mark, &found);
		*e = m->v[i];
		n++;
	}
	free(m->v);
	m->v = v;
	m->size = size;
	m->n = n;
	return 0;
}

void
meter_begin(struct meter *m)
{
	if (++m->gen == 0)
		m->gen = 1;
}

uint64_t
meter_feed(struct meter *m, const struct addr *client, uint32_t mark,
    uint64_t total)
{
	struct mentry *e;
	uint64_t delta;
	bool found;

	e = slot(m->v, m->size, client, mark, &found);
	if (!found) {
		if ((m->n + 1) * 2 > m->size) {
			if (m->size >= METER_MAX * 2 ||
			    rebuild(m, m->size * 2, 0) < 0)
				return 0;	/* not followed: never overcharge */
			e = slot(m->v, m->size, client, mark, &found);
		}
		e->client = *client;
		e->mark = mark;
		e->total = 0;
		m->n++;
	}
	delta = total >= e->total ? total - e->total : total;
	e->total = total;
	e->gen = m->gen;
	return delta;
}

void
meter_end(struct meter *m)
{
	(void)rebuild(m, m->size, m->gen);
}
