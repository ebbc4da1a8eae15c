/*
 * engine: observations, packets and ticks -> learned addresses, the
 * meter and verdicts (see engine.h).
 *
 * Tables:
 *   clients, holders, pairs  grow-only index tables (key -> dense index)
 *                            bounded by their _MAX; the daemon rebuilds
 *                            the engine on reload, so they never hold
 *                            more than a config's worth of devices
 *   ips, flows               set-associative caches of 8 ways: a new
 *                            entry replaces an expired one, then the one
 *                            used longest ago, so they stay bounded
 *                            whatever the network sends
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "dns.h"
#include "engine.h"
#include "tz.h"

#define US		1000000ULL
#define WAYS		8
#define NO_PLATFORM	0xffff

/* key -> dense index, open addressing over index + 1 (0 is empty). */
struct itab {
	uint32_t	*slots;
	size_t		 mask;
	uint8_t		*keys;
	size_t		 klen;
	size_t		 n, cap, max;
};

struct client {
	struct addr	 a;
	struct who	 who;
	uint32_t	 holder;
	bool		 managed;
};

struct holder {
	char		 name[IDENTITY_HOLDER_MAX];
	struct who	 who;
	struct addr	 a;		/* first device seen */
	uint64_t	 tick_bytes;	/* metered bytes in this tick */
	uint64_t	 bytes;		/* with its platforms, whole run */
	uint32_t	 active_ticks;
	bool		 charged;	/* in the tick just metered */
};

struct pair {
	uint32_t		 client;
	uint16_t		 platform;
	bool			 have;		/* a verdict was reported */
	enum verdict		 v;
	const struct override	*by;
	int64_t			 until;		/* seconds */
	int64_t			 block_until;	/* end of the blocked stretch */
	uint64_t		 bytes;		/* this tick */
};

struct pair_key {
	uint32_t	client;
	uint32_t	platform;
};

struct ipent {
	struct addr	a;
	uint8_t		used;
	uint8_t		other;		/* answered for a non-catalogue name */
	uint8_t		shared;
	uint8_t		enforced;	/* the enforcer has it as exclusive */
	uint16_t	platform;	/* or NO_PLATFORM */
	int64_t		expires;	/* seconds */
	int64_t		last;
};

struct flowkey {
	struct addr	client, server;
	uint16_t	cport, sport;
	uint8_t		proto;
};

struct flowent {
	struct flowkey	k;
	uint8_t		used;
	uint16_t	platform;
	int64_t		last;
};

/* A LAN device's MAC, from the packets it sends: answers and the flows
 * of other directions carry no client MAC, yet identity wants it. */
struct nbent {
	struct addr	a;
	struct mac	m;
	uint8_t		used;
};

/* A resolver seen answering LAN clients (resolvers = observed). */
#define RESOLVERS_MAX		64
#define RESOLVER_CLIENTS	3	/* distinct clients make it trusted */

struct resolver {
	struct addr	server;
	struct addr	clients[RESOLVER_CLIENTS];
	size_t		nclients;
	int64_t		last;
};

struct engine {
	struct engine_opts	 o;
	const struct tz		*tz;
	struct itab		 clients_ix, holders_ix, pairs_ix;
	struct client		*clients;
	struct holder		*holders;
	struct pair		*pairs;
	struct ipent		*ips;
	size_t			 ipsets;	/* power of 2 */
	struct flowent		*flows;
	size_t			 flowsets;
	struct resolver		 resolvers[RESOLVERS_MAX];
	size_t			 nresolvers;
	struct nbent		*nb;		/* direct-mapped */
	size_t			 nbsize;	/* power of 2 */
	int64_t			 next_tick;	/* seconds, 0: not started */
	int64_t			 since;		/* metering began (seconds) */
	int64_t			 now;		/* seconds */
	int64_t			 min_until;	/* of every pair's verdict */
	const char		*cur_name;	/* of the observation at hand */
	struct engine_stats	 stats;
};

/*
 * Index tables.
 */
static uint64_t
hash_bytes(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 32);
}

static int
itab_init(struct itab *t, size_t klen, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->klen = klen;
	t->max = max;
	t->mask = 63;
	t->cap = 32;
	if ((t->slots = calloc(t->mask + 1, sizeof(*t->slots))) == NULL ||
	    (t->keys = calloc(t->cap, klen)) == NULL)
		return -ENOMEM;
	return 0;
}

static void
itab_free(struct itab *t)
{
	free(t->slots);
	free(t->keys);
}

static long
itab_find(const struct itab *t, const void *key, size_t *slot)
{
	size_t i;
	uint32_t s;

	for (i = hash_bytes(key, t->klen) & t->mask; (s = t->slots[i]) != 0;
	    i = (i + 1) & t->mask)
		if (memcmp(t->keys + (size_t)(s - 1) * t->klen, key,
		    t->klen) == 0)
			return (long)s - 1;
	*slot = i;
	return -1;
}

/* Grow the dense arrays of an engine table to cap; see itab_add. */
static int
grow(void **v, size_t esize, size_t cap)
{
	void *nv;

	if ((nv = realloc(*v, cap * esize)) == NULL)
		return -ENOMEM;
	*v = nv;
	return 0;
}

/*
 * The index of key, added when missing: *isnew tells.  The caller's
 * dense array *dense of esize-byte elements grows with the table.
 * -ENOSPC when the table is at its max.
 */
static long
itab_add(struct itab *t, const void *key, void **dense, size_t esize,
    bool *isnew)
{
	uint32_t *ns;
	size_t slot, i, j, nsize;
	long ix;

	*isnew = false;
	if ((ix = itab_find(t, key, &slot)) >= 0)
		return ix;
	if (t->n >= t->max)
		return -ENOSPC;
	if (t->n == t->cap) {
		if (grow((void **)&t->keys, t->klen, t->cap * 2) < 0 ||
		    grow(dense, esize, t->cap * 2) < 0)
			return -ENOMEM;
		t->cap *= 2;
	}
	if ((t->n + 1) * 2 > t->mask + 1) {
		nsize = (t->mask + 1) * 2;
		if ((ns = calloc(nsize, sizeof(*ns))) == NULL)
			return -ENOMEM;
		for (i = 0; i < t->n; i++) {
			for (j = hash_bytes(t->keys + i * t->klen, t->klen) &
			    (nsize - 1); ns[j] != 0; j = (j + 1) & (nsize - 1))
				;
			ns[j] = (uint32_t)i + 1;
		}
		free(t->slots);
		t->slots = ns;
		t->mask = nsize - 1;
		(void)itab_find(t, key, &slot);
	}
	memcpy(t->keys + t->n * t->klen, key, t->klen);
	t->slots[slot] = (uint32_t)t->n + 1;
	*isnew = true;
	return (long)t->n++;
}

/*
 * Caches.
 */
static struct ipent *
ip_find(const struct engine *e, const struct addr *a)
{
	struct ipent *set;
	size_t i;

	set = &e->ips[(hash_bytes(a, sizeof(*a)) & (e->ipsets - 1)) * WAYS];
	for (i = 0; i < WAYS; i++)
		if (set[i].used && addr_equal(&set[i].a, a))
			return &set[i];
	return NULL;
}

static struct ipent *
ip_get(struct engine *e, const struct addr *a)
{
	struct ipent *set, *victim = NULL;
	size_t i;

	set = &e->ips[(hash_bytes(a, sizeof(*a)) & (e->ipsets - 1)) * WAYS];
	for (i = 0; i < WAYS; i++) {
		if (set[i].used && addr_equal(&set[i].a, a))
			return &set[i];
		if (!set[i].used || set[i].expires <= e->now) {
			if (victim == NULL || victim->used)
				victim = &set[i];
		} else if (victim == NULL ||
		    (victim->used && victim->expires > e->now &&
		    set[i].last < victim->last))
			victim = &set[i];
	}
	if (victim->used && victim->expires > e->now)
		e->stats.full_ips++;
	memset(victim, 0, sizeof(*victim));
	victim->used = 1;
	victim->a = *a;
	victim->platform = NO_PLATFORM;
	return victim;
}

static size_t
flow_set(const struct engine *e, const struct flowkey *k)
{
	return (hash_bytes(k, sizeof(*k)) & (e->flowsets - 1)) * WAYS;
}

static struct flowent *
flow_find(const struct engine *e, const struct flowkey *k)
{
	struct flowent *set = &e->flows[flow_set(e, k)];
	size_t i;

	for (i = 0; i < WAYS; i++)
		if (set[i].used && memcmp(&set[i].k, k, sizeof(*k)) == 0)
			return &set[i];
	return NULL;
}

static struct flowent *
flow_get(struct engine *e, const struct flowkey *k)
{
	struct flowent *set = &e->flows[flow_set(e, k)], *victim = &set[0];
	size_t i;

	for (i = 0; i < WAYS; i++) {
		if (set[i].used && memcmp(&set[i].k, k, sizeof(*k)) == 0)
			return &set[i];
		if (!set[i].used) {
			victim = &set[i];
			break;
		}
		if (set[i].last < victim->last)
			victim = &set[i];
	}
	if (victim->used && victim->last + ENGINE_FLOW_IDLE > e->now)
		e->stats.full_flows++;
	memset(victim, 0, sizeof(*victim));
	victim->used = 1;
	victim->k = *k;
	return victim;
}

/*
 * Setup.
 */
struct engine *
engine_new(const struct engine_opts *o)
{
	struct engine *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->o = *o;
	e->tz = schedule_tz(o->policy.sched);
	e->min_until = POLICY_NEVER;
	e->ipsets = ENGINE_IPS_MAX / WAYS;
	e->flowsets = ENGINE_FLOWS_MAX / WAYS;
	e->nbsize = ENGINE_CLIENTS_MAX;
	if (itab_init(&e->clients_ix, sizeof(struct addr),
	    ENGINE_CLIENTS_MAX) < 0 ||
	    itab_init(&e->holders_ix, IDENTITY_HOLDER_MAX,
	    ENGINE_CLIENTS_MAX) < 0 ||
	    itab_init(&e->pairs_ix, sizeof(struct pair_key),
	    ENGINE_PAIRS_MAX) < 0 ||
	    (e->clients = calloc(e->clients_ix.cap, sizeof(*e->clients))) ==
	    NULL ||
	    (e->holders = calloc(e->holders_ix.cap, sizeof(*e->holders))) ==
	    NULL ||
	    (e->pairs = calloc(e->pairs_ix.cap, sizeof(*e->pairs))) == NULL ||
	    (e->ips = calloc(e->ipsets * WAYS, sizeof(*e->ips))) == NULL ||
	    (e->flows = calloc(e->flowsets * WAYS, sizeof(*e->flows))) ==
	    NULL ||
	    (e->nb = calloc(e->nbsize, sizeof(*e->nb))) == NULL) {
		engine_free(e);
		return NULL;
	}
	return e;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	itab_free(&e->clients_ix);
	itab_free(&e->holders_ix);
	itab_free(&e->pairs_ix);
	free(e->clients);
	free(e->holders);
	free(e->pairs);
	free(e->ips);
	free(e->flows);
	free(e->nb);
	free(e);
}

const struct engine_stats *
engine_stats(const struct engine *e)
{
	return &e->stats;
}

/*
 * Clients, holders, verdicts.
 */
static bool
in_prefixes(const struct cidr *v, size_t n, const struct addr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cidr_contains(&v[i], a))
			return true;
	return false;
}

static bool
in_lan(const struct engine *e, const struct addr *a)
{
	return in_prefixes(e->o.cfg->gateway.lan, e->o.cfg->gateway.nlan, a);
}

static struct nbent *
nb_slot(const struct engine *e, const struct addr *a)
{
	return &e->nb[hash_bytes(a->bytes, 16) & (e->nbsize - 1)];
}

static void
nb_put(struct engine *e, const struct addr *a, const uint8_t *mac)
{
	struct nbent *n = nb_slot(e, a);

	if (n->used && addr_equal(&n->a, a) &&
	    memcmp(n->m.bytes, mac, sizeof(n->m.bytes)) == 0)
		return;
	n->used = 1;
	n->a = *a;
	memcpy(n->m.bytes, mac, sizeof(n->m.bytes));
}

static const struct mac *
nb_get(const struct engine *e, const struct addr *a)
{
	const struct nbent *n = nb_slot(e, a);

	return n->used && addr_equal(&n->a, a) ? &n->m : NULL;
}

/* The client entry of a, created on first sight.  -1 when full. */
static long
client_get(struct engine *e, const struct addr *a, const uint8_t *mac)
{
	struct client *c;
	struct holder *h;
	struct mac m;
	const struct mac *mp = NULL;
	char name[IDENTITY_HOLDER_MAX];
	struct addr key;
	bool isnew;
	long ix, hx;

	memset(&key, 0, sizeof(key));
	key.family = a->family;
	memcpy(key.bytes, a->bytes, a->family == AF_INET ? 4 : 16);
	ix = itab_add(&e->clients_ix, &key, (void **)&e->clients,
	    sizeof(*e->clients), &isnew);
	if (ix < 0) {
		e->stats.full++;
		return -1;
	}
	if (!isnew)
		return ix;
	c = &e->clients[ix];
	memset(c, 0, sizeof(*c));
	c->a = key;
	if (mac != NULL) {
		memcpy(m.bytes, mac, sizeof(m.bytes));
		mp = &m;
	} else
		mp = nb_get(e, &key);
	c->managed = identity_lookup(e->o.id, &key, mp, &c->who);
	if (!c->managed)
		return ix;
	memset(name, 0, sizeof(name));
	identity_holder(&c->who, &key, name, sizeof(name));
	hx = itab_add(&e->holders_ix, name, (void **)&e->holders,
	    sizeof(*e->holders), &isnew);
	if (hx < 0) {
		e->stats.full++;
		c->managed = false;
		return ix;
	}
	h = &e->holders[hx];
	if (isnew) {
		memset(h, 0, sizeof(*h));
		memcpy(h->name, name, sizeof(h->name));
		h->who = c->who;
		h->a = key;
	}
	c->holder = (uint32_t)hx;
	return ix;
}

bool
engine_who(const struct engine *e, const struct addr *a, struct who *ret)
{
	const struct client *c;
	struct addr key;
	size_t slot;
	long ix;

	memset(&key, 0, sizeof(key));
	key.family = a->family;
	memcpy(key.bytes, a->bytes, a->family == AF_INET ? 4 : 16);
	if ((ix = itab_find(&e->clients_ix, &key, &slot)) >= 0) {
		c = &e->clients[ix];
		*ret = c->who;
		return c->managed;
	}
	return identity_lookup(e->o.id, &key, nb_get(e, &key), ret);
}

static int32_t
local_day(const struct engine *e, int64_t t)
{
	struct tz_local l;

	tz_local(e->tz, t, &l);
	return l.day;
}

static void
decide(struct engine *e, struct pair *p, int64_t t, const char *name,
    struct policy_verdict *v)
{
	const struct client *c = &e->clients[p->client];
	const struct holder *h = &e->holders[c->holder];
	struct policy_query q;

	memset(&q, 0, sizeof(q));
	q.group = c->who.group;
	q.person = c->who.person;
	q.addr = &c->a;
	q.platform = catalog_platform(e->o.cat, p->platform);
	q.name = name;
	q.now = t;
	q.used = quota_used(e->o.quota, h->name, local_day(e, t));
	policy_decide(&e->o.policy, &q, v);
}

/*
 * When does the blocked stretch that v starts end?  A block can hand
 * over to another (the allowance used up at 10:30, then lessons from
 * 10:55): the kernel's denial must last to the end of the last one, or
 * it lapses at the handover -- for the daemon's wake-up delay, or until
 * it restarts if it is down.  Follows the verdicts ahead (a few hops).
 */
static int64_t
block_end(struct engine *e, struct pair *p, const struct policy_verdict *v)
{
	struct policy_verdict w;
	int64_t u = v->until;
	int i;

	for (i = 0; i < 32 && u != POLICY_NEVER; i++) {
		decide(e, p, u, NULL, &w);
		if (!verdict_blocks(w.verdict))
			return u;
		if (w.until <= u)
			return u;
		u = w.until;
	}
	return u;
}

/* Decide p at t and report a change.  ts_us: when to say it happened. */
static void
update(struct engine *e, struct pair *p, int64_t t, uint64_t ts_us)
{
	struct policy_verdict v;
	struct engine_verdict ev;
	const struct client *c;

	int64_t prev_block = p->block_until, bu = 0;

	decide(e, p, t, NULL, &v);
	/* until is after t by contract; never let a slip loop forever. */
	p->until = v.until > t ? v.until : t + 1;
	if (p->until < e->min_until)
		e->min_until = p->until;
	if (verdict_blocks(v.verdict))
		bu = block_end(e, p, &v);
	if (p->have && p->v == v.verdict && p->by == v.by &&
	    (!verdict_blocks(v.verdict) || bu == prev_block))
		return;
	p->block_until = bu;
	memset(&ev, 0, sizeof(ev));
	ev.first = !p->have;
	ev.prev = p->v;
	ev.block_until = bu;
	ev.prev_block_until = prev_block;
	p->have = true;
	p->v = v.verdict;
	p->by = v.by;
	e->stats.verdicts++;
	if (e->o.cb == NULL)
		return;
	c = &e->clients[p->client];
	ev.ts_us = ts_us;
	ev.client = c->a;
	ev.who = &c->who;
	ev.holder = e->holders[c->holder].name;
	ev.platform = catalog_platform(e->o.cat, p->platform);
	ev.v = &v;
	ev.name = e->cur_name;
	{
		const struct mac *m = nb_get(e, &c->a);

		ev.mac = m != NULL ? m->bytes : NULL;
	}
	e->o.cb(&ev, e->o.arg);
}

/* The pair of a managed client and a platform the group polices, created
 * (and its first verdict reported) on first sight; NULL otherwise. */
static struct pair *pair_one(struct engine *, long,
    const struct platform *, uint64_t, bool *);

/*
 * The pair of a managed client and a platform the group polices, created
 * (and its first verdict reported) on first sight; NULL otherwise.  A
 * person's verdict is the person's: when a device of theirs meets a
 * platform, every address they are listed with gets the same verdict at
 * once -- the laptop's IPv6 address is blocked with its IPv4 one, before
 * it sends anything.
 */
static struct pair *
pair_get(struct engine *e, long cx, const struct platform *pl,
    uint64_t now_us)
{
	const struct config_person *pe;
	struct pair *p;
	bool isnew;
	size_t i;
	long ox;

	if ((p = pair_one(e, cx, pl, now_us, &isnew)) == NULL || !isnew ||
	    (pe = e->clients[cx].who.person) == NULL)
		return p;
	for (i = 0; i < pe->devices.n && i < 16; i++) {
		const struct config_device *dv = &pe->devices.v[i];

		if (dv->kind != CONFIG_DEV_PREFIX ||
		    addr_equal(&dv->prefix.a, &e->clients[cx].a))
			continue;
		if ((ox = client_get(e, &dv->prefix.a, NULL)) >= 0 &&
		    e->clients[ox].who.person == pe)
			(void)pair_one(e, ox, pl, now_us, &isnew);
	}
	/* client_get may have moved the arrays: find p again. */
	return pair_one(e, cx, pl, now_us, &isnew);
}

static struct pair *
pair_one(struct engine *e, long cx, const struct platform *pl,
    uint64_t now_us, bool *created)
{
	const struct client *c = &e->clients[cx];
	struct pair_key k;
	struct pair *p;
	bool isnew;
	long ix;

	*created = false;
	if (!c->managed || !policy_polices(c->who.group, pl))
		return NULL;
	memset(&k, 0, sizeof(k));
	k.client = (uint32_t)cx;
	k.platform = pl->index;
	ix = itab_add(&e->pairs_ix, &k, (void **)&e->pairs, sizeof(*e->pairs),
	    &isnew);
	if (ix < 0) {
		e->stats.full++;
		return NULL;
	}
	p = &e->pairs[ix];
	if (isnew) {
		memset(p, 0, sizeof(*p));
		p->client = (uint32_t)cx;
		p->platform = pl->index;
		update(e, p, (int64_t)(now_us / US), now_us);
		*created = true;
	}
	return p;
}

/*
 * The meter: one tick ending at t.  Bytes of pairs whose verdict is
 * ALLOW_QUOTA count towards their holder; a holder over active_bytes is
 * charged one tick.  Then every pair of a charged holder is decided
 * again (its allowance may have run out).
 */
static void
meter(struct engine *e, int64_t t)
{
	struct holder *h;
	struct pair *p;
	uint32_t allowance, secs;
	int64_t start;
	int32_t day = local_day(e, t - 1);
	int64_t got;
	size_t i;

	/* A tick costs the time it covered: the first after a start only
	 * as long as the daemon has been metering, the last at a stop only
	 * up to the stop -- a restart never charges time nobody saw. */
	start = e->next_tick - (int64_t)e->o.cfg->gateway.tick;
	if (start < e->since)
		start = e->since;
	secs = t > start ? (uint32_t)(t - start) : 0;
	e->stats.ticks++;
	for (i = 0; i < e->pairs_ix.n; i++) {
		p = &e->pairs[i];
		if (p->bytes == 0)
			continue;
		h = &e->holders[e->clients[p->client].holder];
		h->bytes += p->bytes;
		if (p->v == VERDICT_ALLOW_QUOTA)
			h->tick_bytes += p->bytes;
		p->bytes = 0;
	}
	for (i = 0; i < e->holders_ix.n; i++) {
		h = &e->holders[i];
		h->charged = false;
		if (h->tick_bytes == 0)
			continue;
		allowance = policy_allowance(&e->o.policy, h->who.group,
		    h->who.person, &h->a, day);
		got = quota_tick(e->o.quota, h->name, day, h->tick_bytes,
		    h->who.group->active_bytes, secs,
		    allowance);
		h->tick_bytes = 0;
		if (got > 0) {
			h->active_ticks++;
			h->charged = true;
			e->stats.charged++;
			if (e->o.enf != NULL && e->o.enf->charged != NULL)
				e->o.enf->charged(e->o.arg, h->name, &h->who,
				    quota_used(e->o.quota, h->name, day),
				    allowance, day);
		} else if (got < 0)
			e->stats.full++;
	}
	for (i = 0; i < e->pairs_ix.n; i++) {
		p = &e->pairs[i];
		if (e->holders[e->clients[p->client].holder].charged)
			update(e, p, t, (uint64_t)t * US);
	}
}

void
engine_advance(struct engine *e, uint64_t now_us)
{
	int64_t now = (int64_t)(now_us / US), tick = e->o.cfg->gateway.tick;
	struct pair *p, *first;
	size_t i;

	if (now < e->now)
		now = e->now;	/* a capture's clock may step back */
	e->now = now;
	if (tick <= 0)
		tick = 10;
	if (e->next_tick == 0) {
		e->next_tick = (now / tick + 1) * tick;
		e->since = now;
	}
	if (now >= e->next_tick) {
		/* Only the first tick crossed holds bytes; the others of a
		 * quiet gap were idle and cost nothing. */
		meter(e, e->next_tick);
		e->stats.ticks += (uint64_t)((now - e->next_tick) / tick);
		e->next_tick = (now / tick + 1) * tick;
	}
	/* Verdicts that expired, in time order, each at its own instant. */
	while (e->min_until <= now) {
		first = NULL;
		e->min_until = POLICY_NEVER;
		for (i = 0; i < e->pairs_ix.n; i++) {
			p = &e->pairs[i];
			if (!p->have)
				continue;
			if (p->until <= now &&
			    (first == NULL || p->until < first->until))
				first = p;
			if (p->until < e->min_until)
				e->min_until = p->until;
		}
		if (first == NULL)
			break;
		update(e, first, first->until, (uint64_t)first->until * US);
	}
}

int64_t
engine_next(const struct engine *e)
{
	int64_t tick = e->o.cfg->gateway.tick > 0 ? e->o.cfg->gateway.tick : 10;
	int64_t t = e->next_tick != 0 ? e->next_tick : (e->now / tick + 1) * tick;

	return e->min_until < t ? e->min_until : t;
}

void
engine_set_overrides(struct engine *e, const struct overrides *ovr,
    uint64_t now_us)
{
	int64_t now = (int64_t)(now_us / US);
	size_t i;

	if (now < e->now)
		now = e->now;
	e->o.policy.ovr = ovr;
	for (i = 0; i < e->pairs_ix.n; i++) {
		/* The old set is about to be freed: forget its pointers. */
		e->pairs[i].by = NULL;
		if (e->pairs[i].have)
			update(e, &e->pairs[i], now, now_us);
	}
}

void
engine_flush(struct engine *e)
{
	if (e->next_tick != 0) {
		meter(e, e->now < e->next_tick ? e->now : e->next_tick);
		e->next_tick = 0;
	}
}

/*
 * Observations.
 */
/* Mark ip shared: a platform's address that also serves something else
 * is never blocked by address, only flow by flow. */
static void
ip_share(struct engine *e, struct ipent *ip)
{
	if (ip->shared)
		return;
	ip->shared = 1;
	e->stats.shared++;
	if (ip->enforced && e->o.enf != NULL && e->o.enf->addr != NULL)
		e->o.enf->addr(e->o.arg, &ip->a, NULL, 0);
	ip->enforced = 0;
}

static void
learn(struct engine *e, const struct dns_addr *da, const struct platform *pl)
{
	struct ipent *ip;
	struct addr a;
	uint32_t ttl;

	memset(&a, 0, sizeof(a));
	a.family = da->family;
	memcpy(a.bytes, da->bytes, da->family == AF_INET ? 4 : 16);
	/* Never learn the school's own or never_block addresses: a forged
	 * or mistaken answer must not cut the gateway or the resolver. */
	if (in_lan(e, &a) || in_prefixes(e->o.cfg->gateway.never_block,
	    e->o.cfg->gateway.nnever_block, &a)) {
		e->stats.never_block++;
		return;
	}
	ttl = da->ttl;
	if (ttl < ENGINE_TTL_MIN)
		ttl = ENGINE_TTL_MIN;
	if (ttl > ENGINE_TTL_MAX)
		ttl = ENGINE_TTL_MAX;
	ip = ip_get(e, &a);
	if (ip->expires < e->now + ttl)
		ip->expires = e->now + ttl;
	ip->last = e->now;
	if (pl == NULL) {
		ip->other = 1;
		if (ip->platform != NO_PLATFORM)
			ip_share(e, ip);
		return;
	}
	if (ip->platform == NO_PLATFORM)
		e->stats.learned++;
	if (ip->other || pl->shared_infra ||
	    (ip->platform != NO_PLATFORM && ip->platform != pl->index))
		ip_share(e, ip);
	ip->platform = pl->index;
	if (!ip->shared && e->o.enf != NULL && e->o.enf->addr != NULL) {
		/* Told again on every answer: the TTL starts over. */
		e->o.enf->addr(e->o.arg, &a, pl,
		    (uint32_t)(ip->expires - e->now));
		ip->enforced = 1;
	}
}

/*
 * A flow named by SNI or Host: its server is shared when the name and
 * what DNS taught about the address disagree.  The name alone never
 * teaches the address (anyone can send any name anywhere); it names
 * this one flow, which the enforcer then treats as the platform's --
 * unless the address is the platform's own already, or a domain
 * override exempts the name.
 */
static void
named_flow(struct engine *e, const struct observation *ob, long cx)
{
	const struct platform *pl = ob->platform;
	struct policy_verdict v;
	struct ipent *ip;
	struct flowent *f;
	struct flowkey k;
	struct pair *p;
	bool exempt = false, own;

	ip = ip_find(e, &ob->server);
	if (ip != NULL && ip->expires <= e->now)
		ip = NULL;
	if (ip != NULL && (pl == NULL ? ip->platform != NO_PLATFORM :
	    ip->other || (ip->platform != NO_PLATFORM &&
	    ip->platform != pl->index)))
		ip_share(e, ip);
	if (pl == NULL)
		return;
	memset(&k, 0, sizeof(k));
	k.client = ob->client;
	k.server = ob->server;
	k.cport = ob->cport;
	k.sport = ob->sport;
	k.proto = ob->proto == OBS_QUIC ? 17 : 6;
	f = flow_get(e, &k);
	f->platform = pl->index;
	f->last = e->now;
	if (cx < 0 || (p = pair_get(e, cx, pl, ob->ts_us)) == NULL)
		return;
	if (ob->name != NULL && ob->name_len > 0) {
		decide(e, p, e->now, ob->name, &v);
		exempt = v.verdict == VERDICT_ALLOW_OVERRIDE &&
		    v.by != NULL && v.by->domain != NULL;
		if (exempt)
			f->platform = NO_PLATFORM;
	}
	own = ip != NULL && !ip->shared && ip->platform == pl->index;
	if ((exempt || !own) && e->o.enf != NULL && e->o.enf->flow != NULL)
		e->o.enf->flow(e->o.arg, &ob->client, &ob->server, ob->cport,
		    k.proto, pl, exempt);
}

/*
 * May answers from server teach addresses?  Matching a query is not
 * enough: a pupil can ask a DNS server of their own, which answers what
 * it likes.  With resolvers configured, only theirs count.  Otherwise a
 * resolver counts once RESOLVER_CLIENTS different LAN devices have had
 * answers from it (a school's resolver, a public one many use), or
 * when it is on the LAN or in never_block (the school's own).
 */
static bool
resolver_trusted(struct engine *e, const struct addr *server,
    const struct addr *client, uint8_t dir)
{
	const struct config *cfg = e->o.cfg;
	struct resolver *r = NULL, *old = NULL;
	size_t i;

	/*
	 * Live, the daemon knows which way an answer went.  One a device
	 * on the LAN sent is forged, whatever address it claims (the
	 * school's resolver's included): never trusted.  One this host
	 * sent out (from its own resolver, or forwarded from one beyond)
	 * is then judged by its resolver's address, as a file's are.
	 */
	if (dir == CAPTURE_IN)
		return false;
	if (cfg->gateway.nresolvers > 0)
		return in_prefixes(cfg->gateway.resolvers,
		    cfg->gateway.nresolvers, server);
	if (in_lan(e, server) || in_prefixes(cfg->gateway.never_block,
	    cfg->gateway.nnever_block, server))
		return true;
	for (i = 0; i < e->nresolvers; i++) {
		if (addr_equal(&e->resolvers[i].server, server)) {
			r = &e->resolvers[i];
			break;
		}
		if (old == NULL || e->resolvers[i].last < old->last)
			old = &e->resolvers[i];
	}
	if (r == NULL) {
		if (e->nresolvers < RESOLVERS_MAX)
			r = &e->resolvers[e->nresolvers++];
		else
			r = old;
		memset(r, 0, sizeof(*r));
		r->server = *server;
	}
	r->last = e->now;
	if (r->nclients >= RESOLVER_CLIENTS)
		return true;
	for (i = 0; i < r->nclients; i++)
		if (addr_equal(&r->clients[i], client))
			return false;
	r->clients[r->nclients++] = *client;
	return r->nclients >= RESOLVER_CLIENTS;
}

void
engine_observe(struct engine *e, const struct observation *ob)
{
	size_t i;
	long cx;

	if (ob->proto == OBS_DNS && ob->dns != NULL && ob->dns->naddrs > 0) {
		if (!ob->solicited) {
			/* Anyone can send an answer: only one matching a
			 * query we saw may teach addresses. */
			e->stats.untrusted++;
			return;
		}
		if (resolver_trusted(e, &ob->server, &ob->client, ob->dir)) {
			for (i = 0; i < ob->dns->naddrs; i++)
				learn(e, &ob->dns->addrs[i], ob->platform);
		} else
			e->stats.untrusted_resolver++;
	}
	if (ob->unanswered)
		return;
	cx = ob->platform != NULL ? client_get(e, &ob->client, ob->mac) : -1;
	e->cur_name = ob->name;
	if (ob->proto != OBS_DNS)
		named_flow(e, ob, cx);
	else if (cx >= 0)
		(void)pair_get(e, cx, ob->platform, ob->ts_us);
	e->cur_name = NULL;
}

/*
 * Packets: bytes between a LAN client and a platform, by the flow's
 * name when it has one, else by what DNS taught about an address that
 * serves nothing else.
 */
void
engine_packet(struct engine *e, const struct pkt *pk, uint64_t now_us)
{
	const struct addr *client, *server;
	const struct ipent *ip;
	const struct flowent *f;
	const struct platform *pl;
	struct flowkey k;
	struct pair *p;
	uint16_t platform = NO_PLATFORM;
	bool up;
	long cx;

	if (in_lan(e, &pk->src))
		up = true;
	else if (in_lan(e, &pk->dst))
		up = false;
	else
		return;
	client = up ? &pk->src : &pk->dst;
	server = up ? &pk->dst : &pk->src;
	if (up && pk->mac_src != NULL)
		nb_put(e, client, pk->mac_src);
	if (up && in_lan(e, server))
		return;		/* inside the school */
	memset(&k, 0, sizeof(k));
	k.client = *client;
	k.server = *server;
	k.cport = up ? pk->sport : pk->dport;
	k.sport = up ? pk->dport : pk->sport;
	k.proto = pk->proto;
	if ((f = flow_find(e, &k)) != NULL)
		platform = f->platform;
	else if ((ip = ip_find(e, server)) != NULL && !ip->shared &&
	    ip->expires > e->now)
		platform = ip->platform;
	if (platform == NO_PLATFORM ||
	    (pl = catalog_platform(e->o.cat, platform)) == NULL)
		return;
	if ((cx = client_get(e, client, up ? pk->mac_src : NULL)) < 0)
		return;
	if ((p = pair_get(e, cx, pl, now_us)) != NULL)
		p->bytes += pk->l3len;
}

void
engine_add_bytes(struct engine *e, const struct addr *client,
    const struct platform *pl, uint64_t bytes, uint64_t now_us)
{
	struct pair *p;
	long cx;

	if (bytes == 0 || !in_lan(e, client) ||
	    (cx = client_get(e, client, NULL)) < 0)
		return;
	if ((p = pair_get(e, cx, pl, now_us)) != NULL)
		p->bytes += bytes;
}

bool
engine_adopt(struct engine *e, const struct addr *client,
    const struct platform *pl, uint64_t now_us)
{
	long cx;

	if (!in_lan(e, client) || (cx = client_get(e, client, NULL)) < 0)
		return false;
	return pair_get(e, cx, pl, now_us) != NULL;
}

size_t
engine_export_addrs(const struct engine *e, struct state_ip *v, size_t max)
{
	const struct platform *pl;
	const struct ipent *ip;
	size_t i, n = 0;

	for (i = 0; i < e->ipsets * WAYS; i++) {
		ip = &e->ips[i];
		if (!ip->used || ip->expires <= e->now || ip->shared ||
		    ip->platform == NO_PLATFORM ||
		    (pl = catalog_platform(e->o.cat, ip->platform)) == NULL ||
		    strlen(pl->id) >= sizeof(v->platform))
			continue;
		if (n < max) {
			memset(&v[n], 0, sizeof(v[n]));
			v[n].addr = ip->a;
			memcpy(v[n].platform, pl->id, strlen(pl->id) + 1);
			v[n].expires = ip->expires;
		}
		n++;
	}
	return n;
}

void
engine_restore_addrs(struct engine *e, const struct state_ip *v, size_t n,
    uint64_t now_us)
{
	const struct platform *pl;
	struct ipent *ip;
	int64_t now = (int64_t)(now_us / US);
	size_t i;

	if (now > e->now)
		e->now = now;
	for (i = 0; i < n; i++) {
		if (v[i].expires <= now ||
		    (pl = catalog_find(e->o.cat, v[i].platform)) == NULL ||
		    in_lan(e, &v[i].addr))
			continue;
		ip = ip_get(e, &v[i].addr);
		ip->platform = pl->index;
		ip->expires = v[i].expires;
		ip->last = now;
		if (pl->shared_infra)
			ip->shared = 1;
		/* The kernel kept its element (on_exit = keep) or the
		 * enforcer puts it back: tell it either way. */
		if (!ip->shared && e->o.enf != NULL && e->o.enf->addr != NULL) {
			e->o.enf->addr(e->o.arg, &ip->a, pl,
			    (uint32_t)(ip->expires - now));
			ip->enforced = 1;
		}
	}
}

void
engine_foreach_pair(struct engine *e,
    void (*fn)(const struct engine_pair *, void *), void *arg)
{
	const struct pair *p;
	const struct client *c;
	struct engine_pair ep;
	size_t i;

	for (i = 0; i < e->pairs_ix.n; i++) {
		p = &e->pairs[i];
		if (!p->have)
			continue;
		c = &e->clients[p->client];
		memset(&ep, 0, sizeof(ep));
		ep.client = c->a;
		ep.who = &c->who;
		ep.holder = e->holders[c->holder].name;
		ep.platform = catalog_platform(e->o.cat, p->platform);
		ep.verdict = p->v;
		ep.until = p->until;
		ep.by = p->by;
		fn(&ep, arg);
	}
}

static int
holder_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct holder *const *)a)->name,
	    (*(const struct holder *const *)b)->name);
}

void
engine_foreach_holder(struct engine *e,
    void (*fn)(const struct engine_holder *, void *), void *arg)
{
	struct holder **v;
	struct engine_holder eh;
	size_t i, n = e->holders_ix.n;

	if (n == 0 || (v = calloc(n, sizeof(*v))) == NULL)
		return;
	for (i = 0; i < n; i++)
		v[i] = &e->holders[i];
	qsort(v, n, sizeof(*v), holder_cmp);
	for (i = 0; i < n; i++) {
		memset(&eh, 0, sizeof(eh));
		eh.holder = v[i]->name;
		eh.who = &v[i]->who;
		eh.day = local_day(e, e->now);
		eh.metered = v[i]->who.group->outside == CONFIG_OUTSIDE_QUOTA;
		eh.used = quota_used(e->o.quota, v[i]->name, eh.day);
		if (eh.metered) {
			eh.allowance = policy_allowance(&e->o.policy,
			    v[i]->who.group, v[i]->who.person, &v[i]->a,
			    eh.day);
			eh.left = eh.used < eh.allowance ?
			    eh.allowance - eh.used : 0;
		}
		eh.active_ticks = v[i]->active_ticks;
		eh.bytes = v[i]->bytes;
		fn(&eh, arg);
	}
	free(v);
}
