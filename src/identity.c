/*
 * identity: device -> person -> group.
 *
 * Three tables, filled from the config once: MACs and full-length
 * addresses in open-addressing hash tables (a school lists thousands of
 * devices one by one), and the few real prefixes (a staff VLAN, the
 * pupils' Wi-Fi) in an array scanned longest first.  Only the config
 * inserts keys, so nobody on the network can choose them to collide.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"

struct owner {
	const struct config_person	*person;	/* or NULL */
	const struct config_group	*group;
};

struct slot {
	uint8_t		used;
	uint8_t		key[17];	/* family + 16 bytes, or 6 MAC bytes */
	struct owner	o;
};

struct table {
	struct slot	*v;
	size_t		 mask;		/* size - 1, size a power of 2 */
};

struct net {
	struct cidr	c;
	struct owner	o;
};

struct identity {
	const struct config	*cfg;
	struct table		 macs;
	struct table		 hosts;
	struct net		*nets;		/* persons' first, then */
	size_t			 nnets;		/* longest prefix first */
};

static uint64_t
key_hash(const uint8_t *k, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= k[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

static int
table_init(struct table *t, size_t n)
{
	size_t size = 16;

	while (size < n * 2)
		size <<= 1;
	if ((t->v = calloc(size, sizeof(*t->v))) == NULL)
		return -ENOMEM;
	t->mask = size - 1;
	return 0;
}

static const struct slot *
table_get(const struct table *t, const uint8_t *k, size_t len)
{
	size_t i;

	if (t->v == NULL)
		return NULL;
	for (i = key_hash(k, len) & t->mask; t->v[i].used;
	    i = (i + 1) & t->mask)
		if (memcmp(t->v[i].key, k, len) == 0)
			return &t->v[i];
	return NULL;
}

/* A person's entry replaces a group's for the same key, never the
 * reverse. */
static void
table_put(struct table *t, const uint8_t *k, size_t len,
    const struct owner *o)
{
	size_t i;

	for (i = key_hash(k, len) & t->mask; t->v[i].used;
	    i = (i + 1) & t->mask) {
		if (memcmp(t->v[i].key, k, len) == 0) {
			if (o->person != NULL && t->v[i].o.person == NULL)
				t->v[i].o = *o;
			return;
		}
	}
	t->v[i].used = 1;
	memcpy(t->v[i].key, k, len);
	t->v[i].o = *o;
}

static void
addr_key(const struct addr *a, uint8_t k[17])
{
	memset(k, 0, 17);
	k[0] = a->family;
	memcpy(k + 1, a->bytes, a->family == AF_INET ? 4 : 16);
}

static int
net_cmp(const void *pa, const void *pb)
{
	const struct net *a = pa, *b = pb;

	if ((a->o.person != NULL) != (b->o.person != NULL))
		return a->o.person != NULL ? -1 : 1;
	if (a->c.prefix != b->c.prefix)
		return a->c.prefix > b->c.prefix ? -1 : 1;
	return 0;
}

static void
add_devices(struct identity *id, const struct config_devices *d,
    const struct owner *o)
{
	uint8_t k[17];
	size_t i, full;

	for (i = 0; i < d->n; i++) {
		const struct config_device *dev = &d->v[i];

		if (dev->kind == CONFIG_DEV_MAC) {
			memset(k, 0, sizeof(k));
			memcpy(k, dev->mac.bytes, 6);
			table_put(&id->macs, k, 6, o);
			continue;
		}
		full = dev->prefix.a.family == AF_INET ? 32 : 128;
		if (dev->prefix.prefix == full) {
			addr_key(&dev->prefix.a, k);
			table_put(&id->hosts, k, 17, o);
		} else {
			id->nets[id->nnets].c = dev->prefix;
			id->nets[id->nnets].o = *o;
			id->nnets++;
		}
	}
}

struct identity *
identity_new(const struct config *cfg, char **cause)
{
	struct identity *id;
	struct owner o;
	size_t i, n = 0;

	if (cause != NULL)
		*cause = NULL;
	for (i = 0; i < cfg->ngroups; i++)
		n += cfg->groups[i].members.n;
	for (i = 0; i < cfg->npersons; i++)
		n += cfg->persons[i].devices.n;
	if ((id = calloc(1, sizeof(*id))) == NULL)
		goto nomem;
	id->cfg = cfg;
	if (table_init(&id->macs, n) < 0 || table_init(&id->hosts, n) < 0 ||
	    (id->nets = calloc(n + 1, sizeof(*id->nets))) == NULL)
		goto nomem;
	/* Persons first: their entries win over a group's for one key. */
	for (i = 0; i < cfg->npersons; i++) {
		o.person = &cfg->persons[i];
		o.group = cfg->persons[i].group;
		add_devices(id, &cfg->persons[i].devices, &o);
	}
	for (i = 0; i < cfg->ngroups; i++) {
		o.person = NULL;
		o.group = &cfg->groups[i];
		add_devices(id, &cfg->groups[i].members, &o);
	}
	qsort(id->nets, id->nnets, sizeof(*id->nets), net_cmp);
	return id;
nomem:
	identity_free(id);
	if (cause != NULL)
		*cause = strdup("identity: out of memory");
	return NULL;
}

void
identity_free(struct identity *id)
{
	if (id == NULL)
		return;
	free(id->macs.v);
	free(id->hosts.v);
	free(id->nets);
	free(id);
}

static const struct net *
net_find(const struct identity *id, const struct addr *a, bool persons)
{
	size_t i;

	for (i = 0; i < id->nnets; i++) {
		if ((id->nets[i].o.person != NULL) != persons)
			continue;
		if (cidr_contains(&id->nets[i].c, a))
			return &id->nets[i];
	}
	return NULL;
}

bool
identity_lookup(const struct identity *id, const struct addr *a,
    const struct mac *mac, struct who *ret)
{
	const struct slot *m = NULL, *h;
	const struct net *nt;
	const struct owner *o = NULL;
	uint8_t k[17];
	size_t i;

	memset(ret, 0, sizeof(*ret));
	if (mac != NULL) {
		memset(k, 0, sizeof(k));
		memcpy(k, mac->bytes, 6);
		m = table_get(&id->macs, k, 6);
	}
	addr_key(a, k);
	h = table_get(&id->hosts, k, 17);
	if (m != NULL && m->o.person != NULL)
		o = &m->o;
	else if (h != NULL && h->o.person != NULL)
		o = &h->o;
	else if ((nt = net_find(id, a, true)) != NULL)
		o = &nt->o;
	else if (m != NULL)
		o = &m->o;
	else if (h != NULL)
		o = &h->o;
	else if ((nt = net_find(id, a, false)) != NULL)
		o = &nt->o;
	if (o != NULL) {
		ret->group = o->group;
		ret->person = o->person;
		return true;
	}
	if (id->cfg->gateway.default_group == NULL)
		return false;
	for (i = 0; i < id->cfg->gateway.nlan; i++) {
		if (cidr_contains(&id->cfg->gateway.lan[i], a)) {
			ret->group = id->cfg->gateway.default_group;
			return true;
		}
	}
	return false;
}

size_t
identity_holder(const struct who *w, const struct addr *a, char *buf,
    size_t len)
{
	char ab[ADDR_STRLEN];
	int n;

	if (w->person != NULL)
		n = snprintf(buf, len, "%s", w->person->name);
	else {
		addr_format(a, ab, sizeof(ab));
		n = snprintf(buf, len, "ip:%s", ab);
	}
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : (len ? len - 1 : 0);
}
