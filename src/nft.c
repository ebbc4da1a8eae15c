/*
 * nft: schoolgate's nftables table through libnftnl and libmnl.
 *
 * The builder writes netlink messages into one growing buffer that
 * starts with the batch-begin message; nft_batch_data() writes the
 * batch-end after them.  Tables, sets, chains and rules are built with
 * libnftnl objects; element updates are written with libmnl directly so
 * that consecutive updates of one set share one message (an element list
 * nest holds up to 64 KiB), which keeps the ACKs of a 100k-element batch
 * to a few dozen.  Each message is recorded (offset, type, set) so that
 * an error's sequence number, and the attribute offset the kernel's
 * extended ACK points at, name the failed element.
 *
 * Registers: the client address is loaded into NFT_REG32_00 and the mark
 * into the 32-bit register right after it (NFT_REG32_01 for IPv4,
 * NFT_REG32_04 for IPv6), so that the pair forms the concatenated key
 * client . mark of deny and meter, as nft compiles concatenations.  The
 * flow key client . server . port uses the registers after the client,
 * the 2-byte port padded to 4 (the payload expression zeroes the rest of
 * the register).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "cause.h"
#include "nft.h"

/* nftables' datatype ids (src/datatype.h), 6 bits per concatenated field. */
#define TYPE_IPADDR	7
#define TYPE_IP6ADDR	8
#define TYPE_INET_SERVICE 13
#define TYPE_MARK	19
#define TYPE_BITS	6
/* nftables' set userdata: key and data byte order (include/rule.h). */
#define UDATA_KEYBYTEORDER	0
#define UDATA_DATABYTEORDER	1
#define BYTEORDER_INVALID	0
#define BYTEORDER_HOST		1
#define BYTEORDER_BIG		2

#define MSG_MAX		16384		/* bound on one table/set/rule message */
#define ELEM_MAX	160		/* bound on one element in a list */
#define LIST_MAX	65000		/* an nlattr's length is 16 bits */
#define BATCH_END_LEN	NLMSG_ALIGN(NLMSG_HDRLEN + sizeof(struct nfgenmsg))
#define RBUF_LEN	(256 * 1024)

enum field { F_NONE, F_IP4, F_IP6, F_MARK, F_PORT };

enum {
	S_LAN4, S_LAN6, S_ADDR4, S_ADDR6, S_FLOW4, S_FLOW6,
	S_DENY4, S_DENY6, S_METER4, S_METER6, S_COUNT
};

struct setdef {
	const char	*name;
	uint32_t	 flags;
	uint32_t	 ktype;
	uint8_t		 field[3];
	bool		 map;		/* data: a mark */
	uint32_t	 size;
	uint64_t	 timeout;
};

#define CAT2(a, b)	((uint32_t)(a) << TYPE_BITS | (b))
#define CAT3(a, b, c)	(CAT2(a, b) << TYPE_BITS | (c))

static const struct setdef sets[S_COUNT] = {
	[S_LAN4] = { "lan4", NFT_SET_INTERVAL, TYPE_IPADDR, { F_IP4 },
	    false, 0, 0 },
	[S_LAN6] = { "lan6", NFT_SET_INTERVAL, TYPE_IP6ADDR, { F_IP6 },
	    false, 0, 0 },
	[S_ADDR4] = { "addr4", NFT_SET_MAP | NFT_SET_TIMEOUT, TYPE_IPADDR,
	    { F_IP4 }, true, 0, 0 },
	[S_ADDR6] = { "addr6", NFT_SET_MAP | NFT_SET_TIMEOUT, TYPE_IP6ADDR,
	    { F_IP6 }, true, 0, 0 },
	[S_FLOW4] = { "flow4", NFT_SET_MAP | NFT_SET_TIMEOUT,
	    CAT3(TYPE_IPADDR, TYPE_IPADDR, TYPE_INET_SERVICE),
	    { F_IP4, F_IP4, F_PORT }, true, 0, 0 },
	[S_FLOW6] = { "flow6", NFT_SET_MAP | NFT_SET_TIMEOUT,
	    CAT3(TYPE_IP6ADDR, TYPE_IP6ADDR, TYPE_INET_SERVICE),
	    { F_IP6, F_IP6, F_PORT }, true, 0, 0 },
	[S_DENY4] = { "deny4", NFT_SET_TIMEOUT, CAT2(TYPE_IPADDR, TYPE_MARK),
	    { F_IP4, F_MARK }, false, 0, 0 },
	[S_DENY6] = { "deny6", NFT_SET_TIMEOUT, CAT2(TYPE_IP6ADDR, TYPE_MARK),
	    { F_IP6, F_MARK }, false, 0, 0 },
	[S_METER4] = { "meter4", NFT_SET_EVAL | NFT_SET_TIMEOUT,
	    CAT2(TYPE_IPADDR, TYPE_MARK), { F_IP4, F_MARK }, false,
	    NFT_METER_SIZE, NFT_METER_TIMEOUT_MS },
	[S_METER6] = { "meter6", NFT_SET_EVAL | NFT_SET_TIMEOUT,
	    CAT2(TYPE_IP6ADDR, TYPE_MARK), { F_IP6, F_MARK }, false,
	    NFT_METER_SIZE, NFT_METER_TIMEOUT_MS },
};

static size_t
field_len(uint8_t f)
{
	switch (f) {
	case F_IP4:
	case F_MARK:
	case F_PORT:
		return 4;
	case F_IP6:
		return 16;
	default:
		return 0;
	}
}

static size_t
set_klen(int set)
{
	size_t	 i, n = 0;

	for (i = 0; i < sizeof(sets[set].field); i++)
		n += field_len(sets[set].field[i]);
	return n;
}

static int
set_find(const char *name)
{
	int	 i;

	for (i = 0; i < S_COUNT; i++)
		if (strcmp(sets[i].name, name) == 0)
			return i;
	return -1;
}


/* Builder ------------------------------------------------------------- */

struct msgrec {
	size_t		 off;		/* its nlmsghdr in buf */
	uint16_t	 type;		/* NFT_MSG_* */
	int8_t		 set;		/* S_*, or -1 */
	const char	*what;		/* for messages other than elements */
};

struct nft_batch {
	char		*buf;
	size_t		 len;		/* begin + messages; the end follows */
	size_t		 cap;
	struct msgrec	*msg;
	size_t		 nmsg;
	size_t		 msgcap;
	size_t		 nelem;
	size_t		 open_list;	/* element list nest being filled; 0 */
	bool		 destroy;	/* removals never fail on a missing
					   element (Linux 6.3+) */
};

static int
batch_reserve(struct nft_batch *b, size_t need)
{
	size_t	 cap;
	char	*p;

	need += BATCH_END_LEN;
	if (b->cap - b->len >= need)
		return 0;
	cap = b->cap;
	while (cap - b->len < need)
		cap *= 2;
	if ((p = realloc(b->buf, cap)) == NULL)
		return -ENOMEM;
	b->buf = p;
	b->cap = cap;
	return 0;
}

struct nft_batch *
nft_batch_new(void)
{
	struct nft_batch	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->cap = 65536;
	if ((b->buf = malloc(b->cap)) == NULL) {
		free(b);
		return NULL;
	}
	nft_batch_reset(b);
	return b;
}

void
nft_batch_free(struct nft_batch *b)
{
	if (b == NULL)
		return;
	free(b->buf);
	free(b->msg);
	free(b);
}

void
nft_batch_reset(struct nft_batch *b)
{
	struct nlmsghdr	*nlh;

	memset(b->buf, 0, BATCH_END_LEN);
	nlh = nftnl_batch_begin(b->buf, 0);
	b->len = nlh->nlmsg_len;
	b->nmsg = 0;
	b->nelem = 0;
	b->open_list = 0;
}

size_t
nft_batch_count(const struct nft_batch *b)
{
	return b->nmsg;
}

size_t
nft_batch_elements(const struct nft_batch *b)
{
	return b->nelem;
}

const void *
nft_batch_data(struct nft_batch *b, size_t *lenp)
{
	struct nlmsghdr	*nlh;

	/* batch_reserve() always leaves room for the end. */
	memset(b->buf + b->len, 0, BATCH_END_LEN);
	nlh = nftnl_batch_end(b->buf + b->len, (uint32_t)b->nmsg + 1);
	*lenp = b->len + nlh->nlmsg_len;
	return b->buf;
}

/* Start a message at the end of the batch; NULL when memory runs out. */
static struct nlmsghdr *
msg_begin(struct nft_batch *b, uint16_t type, uint16_t flags, int set,
    const char *what, size_t room)
{
	struct msgrec	*m;
	size_t		 cap;

	b->open_list = 0;
	if (batch_reserve(b, room) != 0)
		return NULL;
	if (b->nmsg == b->msgcap) {
		cap = b->msgcap ? b->msgcap * 2 : 64;
		if ((m = reallocarray(b->msg, cap, sizeof(*m))) == NULL)
			return NULL;
		b->msg = m;
		b->msgcap = cap;
	}
	m = &b->msg[b->nmsg++];
	m->off = b->len;
	m->type = type;
	m->set = (int8_t)set;
	m->what = what;
	memset(b->buf + b->len, 0, NLMSG_HDRLEN + sizeof(struct nfgenmsg));
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, NFPROTO_INET,
	    flags | NLM_F_ACK, (uint32_t)b->nmsg);
}

static void
msg_end(struct nft_batch *b, struct nlmsghdr *nlh)
{
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

/*
 * Append one element to the open list of the last message when it
 * updates the same set the same way and has room, else to a new message.
 */
static int
elem_put(struct nft_batch *b, uint16_t type, int set, const uint8_t *key,
    const uint32_t *mark, uint64_t timeout_ms, uint32_t eflags)
{
	struct msgrec	*m = b->nmsg ? &b->msg[b->nmsg - 1] : NULL;
	struct nlmsghdr	*nlh;
	struct nlattr	*list, *e, *n;

	if (b->open_list == 0 || m->type != type || m->set != set ||
	    b->len - b->open_list > LIST_MAX - ELEM_MAX) {
		nlh = msg_begin(b, type, type == NFT_MSG_NEWSETELEM ?
		    NLM_F_CREATE : 0, set, NULL, 256 + ELEM_MAX);
		if (nlh == NULL)
			return -ENOMEM;
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE,
		    NFT_TABLE_NAME);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, sets[set].name);
		list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		b->open_list = (size_t)((char *)list - b->buf);
		msg_end(b, nlh);
		m = &b->msg[b->nmsg - 1];
	} else if (batch_reserve(b, ELEM_MAX) != 0)
		return -ENOMEM;

	nlh = (struct nlmsghdr *)(b->buf + m->off);
	list = (struct nlattr *)(b->buf + b->open_list);
	e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	n = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, set_klen(set), key);
	mnl_attr_nest_end(nlh, n);
	if (mark != NULL) {
		n = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
		mnl_attr_put(nlh, NFTA_DATA_VALUE, sizeof(*mark), mark);
		mnl_attr_nest_end(nlh, n);
	}
	if (timeout_ms != 0)
		mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT, htobe64(timeout_ms));
	if (eflags != 0)
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_FLAGS, htonl(eflags));
	mnl_attr_nest_end(nlh, e);
	mnl_attr_nest_end(nlh, list);
	b->len = m->off + nlh->nlmsg_len;
	b->nelem++;
	return 0;
}

/*
 * Linux 6.3 added "destroy": a removal that succeeds when the element is
 * gone already.  Denials and addresses carry timeouts, so the kernel may
 * expire one a moment before the daemon removes it; with plain delete
 * that ENOENT would refuse the whole batch.
 */
#define SG_NFT_MSG_DESTROYTABLE		26
#define SG_NFT_MSG_DESTROYSETELEM	30

static uint16_t
del_type(const struct nft_batch *b)
{
	return b->destroy ? SG_NFT_MSG_DESTROYSETELEM : NFT_MSG_DELSETELEM;
}

void
nft_batch_destroy(struct nft_batch *b, bool on)
{
	b->destroy = on;
}

static bool
family_ok(const struct addr *a)
{
	return a != NULL && (a->family == AF_INET || a->family == AF_INET6);
}

/* Key bytes: addresses in network order, the mark in host order (meta
 * mark loads it so), ports in network order padded to 4 bytes. */
static size_t
key_addr(uint8_t *k, const struct addr *a)
{
	size_t	 n = a->family == AF_INET ? 4 : 16;

	memcpy(k, a->bytes, n);
	return n;
}

static size_t
key_mark(uint8_t *k, uint32_t mark)
{
	memcpy(k, &mark, sizeof(mark));
	return sizeof(mark);
}

static size_t
key_port(uint8_t *k, uint16_t port)
{
	uint16_t	 be = htons(port);

	memset(k, 0, 4);
	memcpy(k, &be, sizeof(be));
	return 4;
}

int
nft_add_addr(struct nft_batch *b, const struct addr *server, uint32_t mark,
    uint64_t timeout_ms)
{
	uint8_t	 k[16];

	if (!family_ok(server))
		return -EINVAL;
	key_addr(k, server);
	return elem_put(b, NFT_MSG_NEWSETELEM,
	    server->family == AF_INET ? S_ADDR4 : S_ADDR6, k, &mark,
	    timeout_ms, 0);
}

int
nft_del_addr(struct nft_batch *b, const struct addr *server)
{
	uint8_t	 k[16];

	if (!family_ok(server))
		return -EINVAL;
	key_addr(k, server);
	return elem_put(b, del_type(b),
	    server->family == AF_INET ? S_ADDR4 : S_ADDR6, k, NULL, 0, 0);
}

static int
flow_key(uint8_t *k, const struct addr *client, const struct addr *server,
    uint16_t cport)
{
	size_t	 n;

	if (!family_ok(client) || !family_ok(server) ||
	    client->family != server->family)
		return -EINVAL;
	n = key_addr(k, client);
	n += key_addr(k + n, server);
	key_port(k + n, cport);
	return client->family == AF_INET ? S_FLOW4 : S_FLOW6;
}

int
nft_add_flow(struct nft_batch *b, const struct addr *client,
    const struct addr *server, uint16_t cport, uint32_t mark,
    uint64_t timeout_ms)
{
	uint8_t	 k[36];
	int	 set;

	if ((set = flow_key(k, client, server, cport)) < 0)
		return set;
	return elem_put(b, NFT_MSG_NEWSETELEM, set, k, &mark, timeout_ms, 0);
}

int
nft_del_flow(struct nft_batch *b, const struct addr *client,
    const struct addr *server, uint16_t cport)
{
	uint8_t	 k[36];
	int	 set;

	if ((set = flow_key(k, client, server, cport)) < 0)
		return set;
	return elem_put(b, del_type(b), set, k, NULL, 0, 0);
}

static int
deny_key(uint8_t *k, const struct addr *client, uint32_t mark)
{
	size_t	 n;

	if (!family_ok(client))
		return -EINVAL;
	n = key_addr(k, client);
	key_mark(k + n, mark);
	return client->family == AF_INET ? S_DENY4 : S_DENY6;
}

int
nft_add_deny(struct nft_batch *b, const struct addr *client, uint32_t mark,
    uint64_t timeout_ms)
{
	uint8_t	 k[20];
	int	 set;

	if ((set = deny_key(k, client, mark)) < 0)
		return set;
	return elem_put(b, NFT_MSG_NEWSETELEM, set, k, NULL, timeout_ms, 0);
}

int
nft_del_deny(struct nft_batch *b, const struct addr *client, uint32_t mark)
{
	uint8_t	 k[20];
	int	 set;

	if ((set = deny_key(k, client, mark)) < 0)
		return set;
	return elem_put(b, del_type(b), set, k, NULL, 0, 0);
}

/* Table, sets, chains ---------------------------------------------------- */

static int
put_table(struct nft_batch *b, uint16_t type, bool flags, uint32_t tflags,
    const char *what)
{
	struct nftnl_table	*t;
	struct nlmsghdr		*nlh;

	if ((t = nftnl_table_alloc()) == NULL)
		return -ENOMEM;
	if (nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFT_TABLE_NAME) != 0) {
		nftnl_table_free(t);
		return -ENOMEM;
	}
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	/*
	 * Without the flags attribute an existing table is taken as it is
	 * (nf_tables_updtable() returns early), orphaned persist one or not.
	 */
	if (flags)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, tflags);
	nlh = msg_begin(b, type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0,
	    -1, what, MSG_MAX);
	if (nlh == NULL) {
		nftnl_table_free(t);
		return -ENOMEM;
	}
	nftnl_table_nlmsg_build_payload(nlh, t);
	msg_end(b, nlh);
	nftnl_table_free(t);
	return 0;
}

static const char *const set_what[S_COUNT] = {
	"add set lan4", "add set lan6", "add map addr4", "add map addr6",
	"add map flow4", "add map flow6", "add set deny4", "add set deny6",
	"add set meter4", "add set meter6",
};

static int
put_set(struct nft_batch *b, int i)
{
	const struct setdef	*d = &sets[i];
	struct nftnl_set	*s;
	struct nftnl_udata_buf	*ud;
	struct nlmsghdr		*nlh;
	int			 rc = -ENOMEM;
	bool			 concat = d->field[1] != F_NONE;

	s = nftnl_set_alloc();
	ud = nftnl_udata_buf_alloc(64);
	if (s == NULL || ud == NULL)
		goto out;
	if (nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE_NAME) != 0 ||
	    nftnl_set_set_str(s, NFTNL_SET_NAME, d->name) != 0)
		goto out;
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_ID, (uint32_t)i + 1);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, d->flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, d->ktype);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, (uint32_t)set_klen(i));
	/* For nft list: how to print keys and data (nft's own userdata). */
	nftnl_udata_put_u32(ud, UDATA_KEYBYTEORDER,
	    concat ? BYTEORDER_INVALID : BYTEORDER_BIG);
	if (d->map) {
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, TYPE_MARK);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, sizeof(uint32_t));
		nftnl_udata_put_u32(ud, UDATA_DATABYTEORDER, BYTEORDER_HOST);
	}
	if (nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
	    nftnl_udata_buf_len(ud)) != 0)
		goto out;
	if (d->timeout != 0)
		nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, d->timeout);
	if (d->size != 0)
		nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, d->size);
	if ((nlh = msg_begin(b, NFT_MSG_NEWSET, NLM_F_CREATE, i, set_what[i],
	    MSG_MAX)) == NULL)
		goto out;
	nftnl_set_nlmsg_build_payload(nlh, s);
	msg_end(b, nlh);
	rc = 0;
 out:
	nftnl_udata_buf_free(ud);
	nftnl_set_free(s);
	return rc;
}

struct chaindef {
	const char	*name;
	const char	*type;		/* base chains */
	uint32_t	 hook;
	int32_t		 prio;
	const char	*what;
	const char	*flush;
};

enum { C_FORWARD, C_UP4, C_DOWN4, C_UP6, C_DOWN6, C_DENY, C_PREROUTING,
    C_BP4, C_BP6, C_BPS4, C_BPS6, C_DENYDOWN, C_COUNT };

static const struct chaindef chains[C_COUNT] = {
	[C_FORWARD] = { "forward", "filter", NF_INET_FORWARD, 0,
	    "add chain forward", "flush chain forward" },
	[C_UP4] = { "up4", NULL, 0, 0, "add chain up4", "flush chain up4" },
	[C_DOWN4] = { "down4", NULL, 0, 0, "add chain down4",
	    "flush chain down4" },
	[C_UP6] = { "up6", NULL, 0, 0, "add chain up6", "flush chain up6" },
	[C_DOWN6] = { "down6", NULL, 0, 0, "add chain down6",
	    "flush chain down6" },
	[C_DENY] = { "deny", NULL, 0, 0, "add chain deny",
	    "flush chain deny" },
	/* NF_IP_PRI_NAT_DST: nft's "priority dstnat". */
	[C_PREROUTING] = { "prerouting", "nat", NF_INET_PRE_ROUTING, -100,
	    "add chain prerouting", "flush chain prerouting" },
	[C_BP4] = { "bp4", NULL, 0, 0, "add chain bp4", "flush chain bp4" },
	[C_BP6] = { "bp6", NULL, 0, 0, "add chain bp6", "flush chain bp6" },
	[C_BPS4] = { "bps4", NULL, 0, 0, "add chain bps4",
	    "flush chain bps4" },
	[C_BPS6] = { "bps6", NULL, 0, 0, "add chain bps6",
	    "flush chain bps6" },
	[C_DENYDOWN] = { "denydown", NULL, 0, 0, "add chain denydown",
	    "flush chain denydown" },
};

static int
put_chain(struct nft_batch *b, int i, bool flush)
{
	const struct chaindef	*d = &chains[i];
	struct nftnl_chain	*c;
	struct nftnl_rule	*r;
	struct nlmsghdr		*nlh;
	int			 rc = -ENOMEM;

	if (flush) {
		/* DELRULE naming only the chain: flush it. */
		if ((r = nftnl_rule_alloc()) == NULL)
			return -ENOMEM;
		if (nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE_NAME) ||
		    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, d->name) ||
		    (nlh = msg_begin(b, NFT_MSG_DELRULE, 0, -1, d->flush,
		    MSG_MAX)) == NULL) {
			nftnl_rule_free(r);
			return -ENOMEM;
		}
		nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		msg_end(b, nlh);
		nftnl_rule_free(r);
		return 0;
	}
	if ((c = nftnl_chain_alloc()) == NULL)
		return -ENOMEM;
	if (nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFT_TABLE_NAME) != 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, d->name) != 0)
		goto out;
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	if (d->type != NULL) {
		if (nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, d->type) != 0)
			goto out;
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, d->hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, d->prio);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	if ((nlh = msg_begin(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, -1, d->what,
	    MSG_MAX)) == NULL)
		goto out;
	nftnl_chain_nlmsg_build_payload(nlh, c);
	msg_end(b, nlh);
	rc = 0;
 out:
	nftnl_chain_free(c);
	return rc;
}

/* Rules ------------------------------------------------------------------- */

/* A rule under construction; any allocation failure sticks in oom. */
struct rb {
	struct nftnl_rule	*r;
	bool			 oom;
};

static struct nftnl_expr *
ex_new(struct rb *rb, const char *name)
{
	struct nftnl_expr	*e;

	if (rb->oom || (e = nftnl_expr_alloc(name)) == NULL) {
		rb->oom = true;
		return NULL;
	}
	return e;
}

static void
ex_add(struct rb *rb, struct nftnl_expr *e)
{
	if (e != NULL)
		nftnl_rule_add_expr(rb->r, e);
}

static void
ex_payload(struct rb *rb, uint32_t base, uint32_t off, uint32_t len,
    uint32_t dreg)
{
	struct nftnl_expr	*e;

	if ((e = ex_new(rb, "payload")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	ex_add(rb, e);
}

static void
ex_meta(struct rb *rb, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr	*e;

	if ((e = ex_new(rb, "meta")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	ex_add(rb, e);
}

static void
ex_cmp(struct rb *rb, uint32_t sreg, uint32_t op, const void *data,
    uint32_t len)
{
	struct nftnl_expr	*e;

	if ((e = ex_new(rb, "cmp")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	ex_add(rb, e);
}

static void
ex_lookup(struct rb *rb, int set, uint32_t sreg, int dreg, bool inv)
{
	struct nftnl_expr	*e;

	if ((e = ex_new(rb, "lookup")) == NULL)
		return;
	if (nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, sets[set].name)) {
		nftnl_expr_free(e);
		rb->oom = true;
		return;
	}
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, (uint32_t)set + 1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	if (dreg >= 0)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, (uint32_t)dreg);
	if (inv)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS,
		    NFT_LOOKUP_F_INV);
	ex_add(rb, e);
}

static void
ex_meta_set(struct rb *rb, uint32_t key, uint32_t sreg)
{
	struct nftnl_expr	*e;

	if ((e = ex_new(rb, "meta")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, sreg);
	ex_add(rb, e);
}

#define REG_SAVE	NFT_REG32_15

/*
 * The mark a map lookup left in reg, reloaded from the packet's mark:
 * the kernel would use reg as it is, but nft (1.0.6) cannot list a
 * concatenation that contains a map's result (its delinearizer asserts),
 * and a gateway where `nft list ruleset` aborts is not an option.  So:
 * save the packet's mark, set it from reg, load it back into reg (nft
 * then sees "meta mark"), and restore the packet's mark, all inside one
 * rule and before anything that can end it: the packet leaves the rule
 * with the mark it came with.
 */
static void
ex_mark_via_meta(struct rb *rb, uint32_t reg)
{
	ex_meta(rb, NFT_META_MARK, REG_SAVE);
	ex_meta_set(rb, NFT_META_MARK, reg);
	ex_meta(rb, NFT_META_MARK, reg);
	ex_meta_set(rb, NFT_META_MARK, REG_SAVE);
}

/* A map's mark for the key at sreg, into reg (see above). */
static void
ex_lookup_mark(struct rb *rb, int set, uint32_t sreg, uint32_t reg)
{
	ex_lookup(rb, set, sreg, (int)reg, false);
	ex_mark_via_meta(rb, reg);
}

/* update @meter { key counter }: add the key or refresh its timeout. */
static void
ex_meter(struct rb *rb, int set, uint32_t sreg)
{
	struct nftnl_expr	*e, *c;

	if ((e = ex_new(rb, "dynset")) == NULL)
		return;
	if ((c = ex_new(rb, "counter")) == NULL) {
		nftnl_expr_free(e);
		return;
	}
	if (nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME,
	    sets[set].name)) {
		nftnl_expr_free(c);
		nftnl_expr_free(e);
		rb->oom = true;
		return;
	}
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SET_ID, (uint32_t)set + 1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
	/* The dynset takes the counter over. */
	nftnl_expr_set(e, NFTNL_EXPR_DYNSET_EXPR, c, 0);
	ex_add(rb, e);
}

static void
ex_verdict(struct rb *rb, int verdict, const char *chain)
{
	struct nftnl_expr	*e;

	if ((e = ex_new(rb, "immediate")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	if (chain != NULL &&
	    nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain) != 0) {
		nftnl_expr_free(e);
		rb->oom = true;
		return;
	}
	ex_add(rb, e);
}

static void
ex_imm(struct rb *rb, uint32_t dreg, const void *data, uint32_t len)
{
	struct nftnl_expr	*e;

	if ((e = ex_new(rb, "immediate")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, dreg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
	ex_add(rb, e);
}

static void
ex_reject_rst(struct rb *rb)
{
	struct nftnl_expr	*e;

	if ((e = ex_new(rb, "reject")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_TCP_RST);
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, 0);
	ex_add(rb, e);
}

/* Write len bytes of sreg at off of the transport header, the TCP
 * checksum (at 16) updated. */
static void
ex_payload_set_tcp(struct rb *rb, uint32_t off, uint32_t len, uint32_t sreg)
{
	struct nftnl_expr	*e;

	if ((e = ex_new(rb, "payload")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE,
	    NFT_PAYLOAD_TRANSPORT_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_TYPE,
	    NFT_PAYLOAD_CSUM_INET);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_OFFSET, 16);
	ex_add(rb, e);
}

static void
ex_dnat(struct rb *rb, uint32_t nfproto, uint32_t areg, uint32_t preg)
{
	struct nftnl_expr	*e;

	if ((e = ex_new(rb, "nat")) == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, nfproto);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, areg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, preg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS,
	    NF_NAT_RANGE_PROTO_SPECIFIED);
	ex_add(rb, e);
}

static int
rule_begin(struct rb *rb, int chain)
{
	rb->oom = false;
	if ((rb->r = nftnl_rule_alloc()) == NULL)
		return -ENOMEM;
	if (nftnl_rule_set_str(rb->r, NFTNL_RULE_TABLE, NFT_TABLE_NAME) ||
	    nftnl_rule_set_str(rb->r, NFTNL_RULE_CHAIN, chains[chain].name)) {
		nftnl_rule_free(rb->r);
		return -ENOMEM;
	}
	nftnl_rule_set_u32(rb->r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	return 0;
}

static int
rule_end(struct nft_batch *b, struct rb *rb, const char *what)
{
	struct nlmsghdr	*nlh;
	int		 rc = -ENOMEM;

	if (!rb->oom && (nlh = msg_begin(b, NFT_MSG_NEWRULE,
	    NLM_F_CREATE | NLM_F_APPEND, -1, what, MSG_MAX)) != NULL) {
		nftnl_rule_nlmsg_build_payload(nlh, rb->r);
		msg_end(b, nlh);
		rc = 0;
	}
	nftnl_rule_free(rb->r);
	rb->r = NULL;
	return rc;
}

/*
 * Where the fields of a packet are, per family, and which registers
 * hold them.  C: client (NFT_REG32_00...), S: server, P: port, M: the
 * mark, in the register right after the client.
 */
struct fam {
	uint8_t		 nfproto;
	uint32_t	 alen;
	uint32_t	 saddr, daddr;	/* offsets in the network header */
	uint32_t	 regS, regP, regM;
	int		 lan, addr, flow, deny, meter;
	int		 up, down, bp, bps;
};

static const struct fam fams[2] = {
	{ NFPROTO_IPV4, 4, 12, 16, NFT_REG32_01, NFT_REG32_02, NFT_REG32_01,
	    S_LAN4, S_ADDR4, S_FLOW4, S_DENY4, S_METER4, C_UP4, C_DOWN4,
	    C_BP4, C_BPS4 },
	{ NFPROTO_IPV6, 16, 8, 24, NFT_REG32_04, NFT_REG32_08, NFT_REG32_04,
	    S_LAN6, S_ADDR6, S_FLOW6, S_DENY6, S_METER6, C_UP6, C_DOWN6,
	    C_BP6, C_BPS6 },
};
#define REG_C	NFT_REG32_00

/* meta nfproto F, saddr in lan, daddr not (upstream) or the reverse. */
static void
ex_direction(struct rb *rb, const struct fam *f, bool up)
{
	ex_meta(rb, NFT_META_NFPROTO, REG_C);
	ex_cmp(rb, REG_C, NFT_CMP_EQ, &f->nfproto, 1);
	ex_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, up ? f->saddr : f->daddr,
	    f->alen, REG_C);
	ex_lookup(rb, f->lan, REG_C, -1, false);
	ex_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, up ? f->daddr : f->saddr,
	    f->alen, REG_C);
	ex_lookup(rb, f->lan, REG_C, -1, true);
}

/* meta nfproto F; client, server into C, S; the client's port into P
 * when port. */
static void
ex_key(struct rb *rb, const struct fam *f, bool up, bool port)
{
	/* The family check is what lets nft list "ip saddr" here. */
	ex_meta(rb, NFT_META_NFPROTO, REG_C);
	ex_cmp(rb, REG_C, NFT_CMP_EQ, &f->nfproto, 1);
	ex_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, up ? f->saddr : f->daddr,
	    f->alen, REG_C);
	ex_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, up ? f->daddr : f->saddr,
	    f->alen, f->regS);
	if (port)
		ex_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, up ? 0 : 2, 2,
		    f->regP);
}

static const uint32_t zero32;

/*
 * The mark of a packet: flow first (mark 0: exempt, accept), then the
 * server address.  Each step of "mark -> meter, mark -> deny" is its own
 * rule so that a full meter (the dynset fails and ends its rule) never
 * skips the deny lookup.
 */
static int
put_dir_rules(struct nft_batch *b, const struct fam *f, bool up)
{
	struct rb	 rb;
	int		 chain = up ? f->up : f->down;
	int		 c;

	/* 1: a flow mapped to 0 is exempt. */
	if ((c = rule_begin(&rb, chain)) != 0)
		return c;
	ex_key(&rb, f, up, true);
	ex_lookup_mark(&rb, f->flow, REG_C, f->regM);
	ex_cmp(&rb, f->regM, NFT_CMP_EQ, &zero32, sizeof(zero32));
	ex_verdict(&rb, NF_ACCEPT, NULL);
	if ((c = rule_end(b, &rb, "add rule: flow exemption")) != 0)
		return c;
	/* 2: meter the flow's client . mark. */
	if ((c = rule_begin(&rb, chain)) != 0)
		return c;
	ex_key(&rb, f, up, true);
	ex_lookup_mark(&rb, f->flow, REG_C, f->regM);
	ex_meter(&rb, f->meter, REG_C);
	if ((c = rule_end(b, &rb, "add rule: flow meter")) != 0)
		return c;
	/* 3: deny the flow's client . mark. */
	if ((c = rule_begin(&rb, chain)) != 0)
		return c;
	ex_key(&rb, f, up, true);
	ex_lookup_mark(&rb, f->flow, REG_C, f->regM);
	ex_lookup(&rb, f->deny, REG_C, -1, false);
	if (up)
		ex_verdict(&rb, NFT_GOTO, chains[C_DENY].name);
	else
		ex_verdict(&rb, NFT_GOTO, chains[C_DENYDOWN].name);
	if ((c = rule_end(b, &rb, "add rule: flow deny")) != 0)
		return c;
	/* 4: a known flow is not looked up by address. */
	if ((c = rule_begin(&rb, chain)) != 0)
		return c;
	ex_key(&rb, f, up, true);
	ex_lookup(&rb, f->flow, REG_C, -1, false);
	ex_verdict(&rb, NF_ACCEPT, NULL);
	if ((c = rule_end(b, &rb, "add rule: flow known")) != 0)
		return c;
	/* 5, 6: the server address's mark, metered, denied. */
	if ((c = rule_begin(&rb, chain)) != 0)
		return c;
	ex_key(&rb, f, up, false);
	ex_lookup_mark(&rb, f->addr, f->regS, f->regM);
	ex_cmp(&rb, f->regM, NFT_CMP_NEQ, &zero32, sizeof(zero32));
	ex_meter(&rb, f->meter, REG_C);
	if ((c = rule_end(b, &rb, "add rule: address meter")) != 0)
		return c;
	if ((c = rule_begin(&rb, chain)) != 0)
		return c;
	ex_key(&rb, f, up, false);
	ex_lookup_mark(&rb, f->addr, f->regS, f->regM);
	ex_cmp(&rb, f->regM, NFT_CMP_NEQ, &zero32, sizeof(zero32));
	ex_lookup(&rb, f->deny, REG_C, -1, false);
	if (up)
		ex_verdict(&rb, NFT_GOTO, chains[C_DENY].name);
	else
		ex_verdict(&rb, NFT_GOTO, chains[C_DENYDOWN].name);
	return rule_end(b, &rb, "add rule: address deny");
}

/*
 * TCP to dport from a denied client -> DNAT to bp:port, through chain
 * (bpN for HTTP, bpsN for HTTPS).
 */
static int
put_bp_rules(struct nft_batch *b, const struct fam *f, const struct addr *bp,
    int chain, uint16_t dport, uint16_t port)
{
	struct rb	 rb;
	uint8_t		 tcp = IPPROTO_TCP;
	uint16_t	 http = htons(dport), pbe = htons(port);
	uint32_t	 regPort = f->nfproto == NFPROTO_IPV4 ? NFT_REG32_01 :
			    NFT_REG32_04;
	int		 c;

	/* prerouting: TCP/80 from a LAN client to the outside -> bpN. */
	if ((c = rule_begin(&rb, C_PREROUTING)) != 0)
		return c;
	ex_direction(&rb, f, true);
	ex_meta(&rb, NFT_META_L4PROTO, REG_C);
	ex_cmp(&rb, REG_C, NFT_CMP_EQ, &tcp, 1);
	ex_payload(&rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, REG_C);
	ex_cmp(&rb, REG_C, NFT_CMP_EQ, &http, sizeof(http));
	ex_verdict(&rb, NFT_GOTO, chains[chain].name);
	if ((c = rule_end(b, &rb, "add rule: block page")) != 0)
		return c;

	/* bpN: denied flow -> dnat; known flow -> done; denied address. */
	if ((c = rule_begin(&rb, chain)) != 0)
		return c;
	ex_key(&rb, f, true, true);
	ex_lookup_mark(&rb, f->flow, REG_C, f->regM);
	ex_cmp(&rb, f->regM, NFT_CMP_NEQ, &zero32, sizeof(zero32));
	ex_lookup(&rb, f->deny, REG_C, -1, false);
	ex_imm(&rb, REG_C, bp->bytes, f->alen);
	ex_imm(&rb, regPort, &pbe, sizeof(pbe));
	ex_dnat(&rb, f->nfproto, REG_C, regPort);
	if ((c = rule_end(b, &rb, "add rule: block page flow")) != 0)
		return c;
	if ((c = rule_begin(&rb, chain)) != 0)
		return c;
	ex_key(&rb, f, true, true);
	ex_lookup(&rb, f->flow, REG_C, -1, false);
	ex_verdict(&rb, NF_ACCEPT, NULL);
	if ((c = rule_end(b, &rb, "add rule: block page known flow")) != 0)
		return c;
	if ((c = rule_begin(&rb, chain)) != 0)
		return c;
	ex_key(&rb, f, true, false);
	ex_lookup_mark(&rb, f->addr, f->regS, f->regM);
	ex_cmp(&rb, f->regM, NFT_CMP_NEQ, &zero32, sizeof(zero32));
	ex_lookup(&rb, f->deny, REG_C, -1, false);
	ex_imm(&rb, REG_C, bp->bytes, f->alen);
	ex_imm(&rb, regPort, &pbe, sizeof(pbe));
	ex_dnat(&rb, f->nfproto, REG_C, regPort);
	return rule_end(b, &rb, "add rule: block page address");
}

static int
put_rules(struct nft_batch *b, const struct nft_setup *s)
{
	struct rb	 rb;
	uint8_t		 tcp = IPPROTO_TCP, rstack = 0x14;	/* RST|ACK */
	int		 c, i;

	for (i = 0; i < 2; i++) {
		if ((c = rule_begin(&rb, C_FORWARD)) != 0)
			return c;
		ex_direction(&rb, &fams[i], true);
		ex_verdict(&rb, NFT_GOTO, chains[fams[i].up].name);
		if ((c = rule_end(b, &rb, "add rule: forward upstream")) != 0)
			return c;
		if ((c = rule_begin(&rb, C_FORWARD)) != 0)
			return c;
		ex_direction(&rb, &fams[i], false);
		ex_verdict(&rb, NFT_GOTO, chains[fams[i].down].name);
		if ((c = rule_end(b, &rb, "add rule: forward downstream")))
			return c;
		if ((c = put_dir_rules(b, &fams[i], true)) != 0 ||
		    (c = put_dir_rules(b, &fams[i], false)) != 0)
			return c;
	}
	/* deny: TCP from the client gets a reset, the rest is dropped. */
	if ((c = rule_begin(&rb, C_DENY)) != 0)
		return c;
	ex_meta(&rb, NFT_META_L4PROTO, REG_C);
	ex_cmp(&rb, REG_C, NFT_CMP_EQ, &tcp, 1);
	ex_reject_rst(&rb);
	if ((c = rule_end(b, &rb, "add rule: deny tcp reset")) != 0)
		return c;
	if ((c = rule_begin(&rb, C_DENY)) != 0)
		return c;
	ex_verdict(&rb, NF_DROP, NULL);
	if ((c = rule_end(b, &rb, "add rule: deny drop")) != 0)
		return c;
	/*
	 * denydown: TCP from the server becomes a reset for the client
	 * (its flags RST|ACK, its sequence number the one the client
	 * waits for), so a client whose request left before the denial
	 * was in place is told at once instead of waiting for an answer
	 * that would be dropped.  The rest is dropped.
	 */
	if ((c = rule_begin(&rb, C_DENYDOWN)) != 0)
		return c;
	ex_meta(&rb, NFT_META_L4PROTO, REG_C);
	ex_cmp(&rb, REG_C, NFT_CMP_EQ, &tcp, 1);
	ex_imm(&rb, REG_C, &rstack, 1);
	ex_payload_set_tcp(&rb, 13, 1, REG_C);
	ex_verdict(&rb, NF_ACCEPT, NULL);
	if ((c = rule_end(b, &rb, "add rule: deny tcp reset downstream")) != 0)
		return c;
	if ((c = rule_begin(&rb, C_DENYDOWN)) != 0)
		return c;
	ex_verdict(&rb, NF_DROP, NULL);
	if ((c = rule_end(b, &rb, "add rule: deny drop downstream")) != 0)
		return c;

	if (!s->blockpage)
		return 0;
	if (s->bp4.family == AF_INET &&
	    (c = put_bp_rules(b, &fams[0], &s->bp4, C_BP4, 80,
	    s->bp_port)) != 0)
		return c;
	if (s->bp6.family == AF_INET6 &&
	    (c = put_bp_rules(b, &fams[1], &s->bp6, C_BP6, 80,
	    s->bp_port)) != 0)
		return c;
	if (s->bp_tls_port == 0)
		return 0;
	if (s->bp4.family == AF_INET &&
	    (c = put_bp_rules(b, &fams[0], &s->bp4, C_BPS4, 443,
	    s->bp_tls_port)) != 0)
		return c;
	if (s->bp6.family == AF_INET6 &&
	    (c = put_bp_rules(b, &fams[1], &s->bp6, C_BPS6, 443,
	    s->bp_tls_port)) != 0)
		return c;
	return 0;
}

/* LAN prefixes as sorted, merged intervals [lo, hi) of 128-bit numbers. */
struct ival {
	uint8_t	 lo[16];
	uint8_t	 hi[16];
	bool	 top;		/* hi is past the last address: no end */
};

static int
ival_cmp(const void *a, const void *b)
{
	return memcmp(((const struct ival *)a)->lo,
	    ((const struct ival *)b)->lo, 16);
}

static int
put_lan(struct nft_batch *b, const struct nft_setup *s, int family)
{
	struct ival	*iv, *cur;
	size_t		 i, j, bits, n = 0, len = family == AF_INET ? 4 : 16;
	int		 set = family == AF_INET ? S_LAN4 : S_LAN6;
	int		 rc = 0;
	uint8_t		 m;

	if (s->nlan == 0)
		return 0;
	if ((iv = calloc(s->nlan, sizeof(*iv))) == NULL)
		return -ENOMEM;
	for (i = 0; i < s->nlan; i++) {
		const struct cidr	*p = &s->lan[i];

		if (p->a.family != family)
			continue;
		cur = &iv[n++];
		/* lo: the prefix; hi: its last address + 1, unless that
		 * wraps past the end of the address space. */
		for (j = 0; j < len; j++) {
			bits = p->prefix > j * 8 ? p->prefix - j * 8 : 0;
			m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
			cur->lo[j] = p->a.bytes[j] & m;
			cur->hi[j] = cur->lo[j] | (uint8_t)~m;
		}
		cur->top = true;
		for (j = len; j-- > 0 && cur->top; )
			cur->top = ++cur->hi[j] == 0;
	}
	qsort(iv, n, sizeof(*iv), ival_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		cur = &iv[i];
		/* Merge what overlaps or touches the next ones. */
		while (i + 1 < n && !cur->top &&
		    memcmp(iv[i + 1].lo, cur->hi, len) <= 0) {
			if (iv[i + 1].top)
				cur->top = true;
			else if (memcmp(iv[i + 1].hi, cur->hi, len) > 0)
				memcpy(cur->hi, iv[i + 1].hi, len);
			iv[i + 1] = *cur;
			cur = &iv[++i];
		}
		if (cur->top && i + 1 < n)
			i = n - 1;
		rc = elem_put(b, NFT_MSG_NEWSETELEM, set, cur->lo, NULL, 0, 0);
		if (rc == 0 && !cur->top)
			rc = elem_put(b, NFT_MSG_NEWSETELEM, set, cur->hi, NULL,
			    0, NFT_SET_ELEM_INTERVAL_END);
	}
	free(iv);
	return rc;
}

static int
setup_check(const struct nft_setup *s)
{
	size_t	 i;

	if (s == NULL || (s->nlan != 0 && s->lan == NULL))
		return -EINVAL;
	for (i = 0; i < s->nlan; i++) {
		if (s->lan[i].a.family == AF_INET) {
			if (s->lan[i].prefix > 32)
				return -EINVAL;
		} else if (s->lan[i].a.family == AF_INET6) {
			if (s->lan[i].prefix > 128)
				return -EINVAL;
		} else
			return -EINVAL;
	}
	if (s->blockpage) {
		if ((s->bp4.family != 0 && s->bp4.family != AF_INET) ||
		    (s->bp6.family != 0 && s->bp6.family != AF_INET6) ||
		    (s->bp4.family == 0 && s->bp6.family == 0) ||
		    s->bp_port == 0)
			return -EINVAL;
	}
	return 0;
}

/* Put b back as it was before a failed build. */
static void
batch_rewind(struct nft_batch *b, size_t len, size_t nmsg, size_t nelem)
{
	b->len = len;
	b->nmsg = nmsg;
	b->nelem = nelem;
	b->open_list = 0;
}

/*
 * One batch that creates the rule set or adopts an existing one: objects
 * are created without NLM_F_EXCL (an existing one of the same shape is
 * kept with its elements), then every chain and the LAN sets are
 * flushed and filled again.
 */
int
nft_build_setup(struct nft_batch *b, const struct nft_setup *s)
{
	size_t	 len = b->len, nmsg = b->nmsg, nelem = b->nelem;
	int	 i, rc;

	if ((rc = setup_check(s)) != 0)
		return rc;
	rc = put_table(b, NFT_MSG_NEWTABLE, s->persist,
	    NFT_TABLE_OWNER | NFT_TABLE_PERSIST,
	    s->persist ? "add table inet schoolgate (owner, persist)" :
	    "add table inet schoolgate");
	for (i = 0; rc == 0 && i < S_COUNT; i++)
		rc = put_set(b, i);
	for (i = 0; rc == 0 && i < C_COUNT; i++)
		rc = put_chain(b, i, false);
	for (i = 0; rc == 0 && i < C_COUNT; i++)
		rc = put_chain(b, i, true);
	for (i = S_LAN4; rc == 0 && i <= S_LAN6; i++) {
		struct nlmsghdr	*nlh;

		/* DELSETELEM without elements: flush the set. */
		nlh = msg_begin(b, NFT_MSG_DELSETELEM, 0, i,
		    i == S_LAN4 ? "flush set lan4" : "flush set lan6", 256);
		if (nlh == NULL) {
			rc = -ENOMEM;
			break;
		}
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE,
		    NFT_TABLE_NAME);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, sets[i].name);
		msg_end(b, nlh);
	}
	if (rc == 0)
		rc = put_lan(b, s, AF_INET);
	if (rc == 0)
		rc = put_lan(b, s, AF_INET6);
	if (rc == 0)
		rc = put_rules(b, s);
	b->open_list = 0;
	if (rc != 0)
		batch_rewind(b, len, nmsg, nelem);
	return rc;
}

/* Does the kernel know "destroy"?  Destroying a table that does not
 * exist succeeds where it does, and is refused where it does not. */
bool
nft_destroy_supported(struct nft *n)
{
	struct nft_batch *b;
	struct nftnl_table *t;
	struct nlmsghdr *nlh;
	bool ok = false;

	if ((b = nft_batch_new()) == NULL ||
	    (t = nftnl_table_alloc()) == NULL) {
		nft_batch_free(b);
		return false;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, "schoolgate-probe");
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nlh = msg_begin(b, SG_NFT_MSG_DESTROYTABLE, 0, -1,
	    "destroy table inet schoolgate-probe", MSG_MAX);
	if (nlh != NULL) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		msg_end(b, nlh);
		ok = nft_commit(n, b, NULL) == 0;
	}
	nftnl_table_free(t);
	nft_batch_free(b);
	return ok;
}

int
nft_build_delete(struct nft_batch *b)
{
	return put_table(b, NFT_MSG_DELTABLE, false, 0,
	    "delete table inet schoolgate");
}

/* Describing messages and elements for errors ------------------------- */

static size_t
fmt_key(int set, const uint8_t *k, size_t klen, char *buf, size_t len)
{
	struct addr	 a;
	size_t		 i, o = 0, n = 0, fl;
	uint32_t	 mark;
	uint16_t	 port;

	buf[0] = '\0';
	for (i = 0; i < sizeof(sets[set].field) && o < len; i++) {
		uint8_t	 f = sets[set].field[i];

		if (f == F_NONE)
			break;
		fl = field_len(f);
		if (n + fl > klen)
			break;
		if (i > 0)
			o += (size_t)snprintf(buf + o, len - o, " . ");
		if (o >= len)
			break;
		switch (f) {
		case F_IP4:
		case F_IP6:
			memset(&a, 0, sizeof(a));
			a.family = f == F_IP4 ? AF_INET : AF_INET6;
			memcpy(a.bytes, k + n, fl);
			o += addr_format(&a, buf + o, len - o);
			break;
		case F_MARK:
			memcpy(&mark, k + n, sizeof(mark));
			o += (size_t)snprintf(buf + o, len - o, "%u", mark);
			break;
		case F_PORT:
			memcpy(&port, k + n, sizeof(port));
			o += (size_t)snprintf(buf + o, len - o, "%u",
			    ntohs(port));
			break;
		}
		n += fl;
	}
	return o < len ? o : len - 1;
}

struct elem_view {
	const uint8_t	*key;
	size_t		 klen;
	const uint8_t	*data;
	size_t		 dlen;
};

static int
elem_value_cb(const struct nlattr *a, void *arg)
{
	const struct nlattr	**v = arg;

	if (mnl_attr_get_type(a) == NFTA_DATA_VALUE)
		*v = a;
	return MNL_CB_OK;
}

static int
elem_view_cb(const struct nlattr *a, void *arg)
{
	struct elem_view	*ev = arg;
	const struct nlattr	*v = NULL;
	uint16_t		 t = mnl_attr_get_type(a);

	if (t != NFTA_SET_ELEM_KEY && t != NFTA_SET_ELEM_DATA)
		return MNL_CB_OK;
	if (mnl_attr_parse_nested(a, elem_value_cb, &v) < 0 || v == NULL)
		return MNL_CB_OK;
	if (t == NFTA_SET_ELEM_KEY) {
		ev->key = mnl_attr_get_payload(v);
		ev->klen = mnl_attr_get_payload_len(v);
	} else {
		ev->data = mnl_attr_get_payload(v);
		ev->dlen = mnl_attr_get_payload_len(v);
	}
	return MNL_CB_OK;
}

/* "add element deny4 10.10.0.23 . 5" for an element nest. */
static void
describe_elem(const struct msgrec *m, const struct nlattr *e, char *buf,
    size_t len)
{
	struct elem_view	 ev;
	char			 k[160];
	uint32_t		 mark;

	memset(&ev, 0, sizeof(ev));
	mnl_attr_parse_nested(e, elem_view_cb, &ev);
	k[0] = '\0';
	if (ev.key != NULL)
		fmt_key(m->set, ev.key, ev.klen, k, sizeof(k));
	if (ev.data != NULL && ev.dlen == sizeof(mark)) {
		memcpy(&mark, ev.data, sizeof(mark));
		snprintf(buf, len, "%s element %s %s : %u",
		    m->type == NFT_MSG_NEWSETELEM ? "add" :
		    m->type == SG_NFT_MSG_DESTROYSETELEM ? "destroy" : "delete",
		    sets[m->set].name, k, mark);
	} else
		snprintf(buf, len, "%s element %s %s",
		    m->type == NFT_MSG_NEWSETELEM ? "add" :
		    m->type == SG_NFT_MSG_DESTROYSETELEM ? "destroy" : "delete",
		    sets[m->set].name, k);
}

/*
 * Name message i of b; off, when not 0, is the offset within it of the
 * attribute the kernel complained about (extended ACK).
 */
static void
describe_msg(const struct nft_batch *b, size_t i, uint32_t off, char *buf,
    size_t len)
{
	const struct msgrec	*m = &b->msg[i];
	const struct nlmsghdr	*nlh;
	const struct nlattr	*a, *e, *first = NULL, *hit = NULL;
	size_t			 n = 0;

	if (m->what != NULL || m->set < 0) {
		snprintf(buf, len, "%s", m->what ? m->what : "message");
		return;
	}
	nlh = (const struct nlmsghdr *)(b->buf + m->off);
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(e, a) {
			size_t	 eo = (size_t)((const char *)e -
				    (const char *)nlh);

			if (first == NULL)
				first = e;
			if (off >= eo && off < eo + mnl_attr_get_len(e))
				hit = e;
			n++;
		}
	}
	if (hit != NULL || n == 1)
		describe_elem(m, hit ? hit : first, buf, len);
	else if (first != NULL) {
		char	 one[200];

		describe_elem(m, first, one, sizeof(one));
		snprintf(buf, len, "%s (the first of %zu in one message)",
		    one, n);
	} else
		snprintf(buf, len, "%s set %s",
		    m->type == SG_NFT_MSG_DESTROYSETELEM ? "destroy elements of" :
		    m->type == NFT_MSG_NEWSETELEM ? "add elements to" :
		    "flush", sets[m->set].name);
}

/* Sender -------------------------------------------------------------- */

struct nft {
	struct mnl_socket	*nl;
	uint32_t		 portid;
	uint32_t		 seq;
	int			 sndbuf;
	int			 rcvbuf;
	char			*rbuf;
	long			 failed;	/* last commit's failed msg */
};

struct nft *
nft_open(char **cause)
{
	struct nft	*n;
	int		 one = 1;

	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    (n->rbuf = malloc(RBUF_LEN)) == NULL) {
		free(n);
		cause_set(cause, "out of memory");
		return NULL;
	}
	if ((n->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) ==
	    NULL || mnl_socket_bind(n->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		cause_set(cause, "netlink socket: %s", strerror(errno));
		nft_close(n);
		return NULL;
	}
	/* Extended ACKs name the failing attribute; capped ACKs do not
	 * echo our messages back (an ACK of a 64 KiB message stays small). */
	(void)mnl_socket_setsockopt(n->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(n->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	n->portid = mnl_socket_get_portid(n->nl);
	n->seq = 1;
	n->failed = -1;
	return n;
}

void
nft_close(struct nft *n)
{
	if (n == NULL)
		return;
	if (n->nl != NULL)
		mnl_socket_close(n->nl);
	free(n->rbuf);
	free(n);
}

int
nft_fd(const struct nft *n)
{
	return mnl_socket_get_fd(n->nl);
}

/* Grow a socket buffer (the FORCE variant needs CAP_NET_ADMIN, which
 * a process using nf_tables has anyway). */
static void
sock_grow(struct nft *n, int opt, int force, int *cur, size_t want)
{
	int	 v;

	if (want > (size_t)1 << 30)
		want = (size_t)1 << 30;
	if ((int)want <= *cur)
		return;
	v = (int)want;
	if (setsockopt(nft_fd(n), SOL_SOCKET, force, &v, sizeof(v)) != 0)
		(void)setsockopt(nft_fd(n), SOL_SOCKET, opt, &v, sizeof(v));
	*cur = v;
}

struct ackstate {
	uint32_t	 base;		/* seq of the batch begin */
	size_t		 nmsg;
	uint8_t		*seen;
	size_t		 acked;
	int		 err;		/* first error, positive errno */
	long		 erridx;	/* its message, -1: the batch */
	uint32_t	 erroff;
	char		 errmsg[200];
};

static void
ack_one(struct ackstate *st, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr	*e;
	const struct nlattr	*a;
	size_t			 plen, skip;
	long			 idx;
	uint32_t		 off = 0;
	char			 msg[200] = "";

	if (nlh->nlmsg_seq < st->base ||
	    nlh->nlmsg_seq > st->base + st->nmsg)
		return;			/* a stale reply */
	if (nlh->nlmsg_type != NLMSG_ERROR)
		return;
	plen = mnl_nlmsg_get_payload_len(nlh);
	if (plen < sizeof(*e))
		return;
	e = mnl_nlmsg_get_payload(nlh);
	idx = (long)(nlh->nlmsg_seq - st->base) - 1;
	if (idx >= 0 && !st->seen[idx]) {
		st->seen[idx] = 1;
		st->acked++;
	}
	if (e->error == 0)
		return;
	/* Extended ACK TLVs follow the (possibly capped) request. */
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		skip = sizeof(int) + ((nlh->nlmsg_flags & NLM_F_CAPPED) ?
		    sizeof(struct nlmsghdr) : e->msg.nlmsg_len);
		if (skip <= plen) {
			const char	*p = (const char *)e + skip;
			int		 rem = (int)(plen - skip);

			for (a = (const struct nlattr *)p; mnl_attr_ok(a, rem);
			    a = mnl_attr_next(a)) {
				rem -= (int)MNL_ALIGN(a->nla_len);
				if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
					snprintf(msg, sizeof(msg), "%.*s",
					    (int)mnl_attr_get_payload_len(a),
					    (const char *)
					    mnl_attr_get_payload(a));
				else if (mnl_attr_get_type(a) ==
				    NLMSGERR_ATTR_OFFS &&
				    mnl_attr_get_payload_len(a) >= 4)
					off = mnl_attr_get_u32(a);
			}
		}
	}
	if (st->err == 0 || (idx >= 0 && idx < st->erridx)) {
		st->err = -e->error;
		st->erridx = idx;
		st->erroff = off;
		memcpy(st->errmsg, msg, sizeof(msg));
	}
}

int
nft_commit(struct nft *n, struct nft_batch *b, char **cause)
{
	struct ackstate		 st;
	struct sockaddr_nl	 sa = { .nl_family = AF_NETLINK };
	struct pollfd		 pfd;
	struct nlmsghdr		*nlh;
	const void		*data;
	size_t			 len, i;
	ssize_t			 r;
	bool			 lost = false, waited = false;
	char			 what[320];

	n->failed = -1;
	if (b->nmsg == 0)
		return 0;
	data = nft_batch_data(b, &len);
	memset(&st, 0, sizeof(st));
	st.base = n->seq;
	st.nmsg = b->nmsg;
	st.erridx = -1;
	n->seq += (uint32_t)b->nmsg + 2;
	if ((st.seen = calloc(b->nmsg, 1)) == NULL) {
		cause_set(cause, "out of memory");
		return -ENOMEM;
	}
	/* Sequence numbers: begin, each message, end. */
	((struct nlmsghdr *)b->buf)->nlmsg_seq = st.base;
	for (i = 0; i < b->nmsg; i++)
		((struct nlmsghdr *)(b->buf + b->msg[i].off))->nlmsg_seq =
		    st.base + 1 + (uint32_t)i;
	((struct nlmsghdr *)(b->buf + b->len))->nlmsg_seq =
	    st.base + 1 + (uint32_t)b->nmsg;

	/*
	 * The whole batch is one sendmsg (one skb: nfnetlink wants begin and
	 * end in it) and the kernel queues every ACK before sendmsg returns,
	 * so both buffers must fit all of it.
	 */
	sock_grow(n, SO_SNDBUF, SO_SNDBUFFORCE, &n->sndbuf, len + 65536);
	sock_grow(n, SO_RCVBUF, SO_RCVBUFFORCE, &n->rcvbuf,
	    b->nmsg * 1024 + (1 << 20));
	do
		r = sendto(nft_fd(n), data, len, 0, (struct sockaddr *)&sa,
		    sizeof(sa));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int	 err = errno;

		cause_set(cause, "sending a batch of %zu messages (%zu "
		    "bytes): %s", b->nmsg, len, strerror(err));
		free(st.seen);
		return -err;
	}

	while (st.acked < st.nmsg) {
		r = recv(nft_fd(n), n->rbuf, RBUF_LEN, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				lost = true;
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				int	 err = errno;

				cause_set(cause, "reading replies: %s",
				    strerror(err));
				free(st.seen);
				return -err;
			}
			/* Everything should be queued already; a failure of
			 * the whole batch is one reply.  Wait once, briefly. */
			if (st.err != 0 || lost || waited)
				break;
			pfd.fd = nft_fd(n);
			pfd.events = POLLIN;
			waited = true;
			if (poll(&pfd, 1, 1000) <= 0)
				break;
			continue;
		}
		for (nlh = (struct nlmsghdr *)n->rbuf; mnl_nlmsg_ok(nlh, (int)r);
		    nlh = mnl_nlmsg_next(nlh, (int *)&r))
			ack_one(&st, nlh);
	}
	free(st.seen);

	if (st.err != 0) {
		n->failed = st.erridx;
		if (st.erridx >= 0)
			describe_msg(b, (size_t)st.erridx, st.erroff, what,
			    sizeof(what));
		else
			snprintf(what, sizeof(what), "batch of %zu messages",
			    b->nmsg);
		cause_set(cause, "%s: %s%s%s", what, strerror(st.err),
		    st.errmsg[0] ? ": " : "", st.errmsg);
		return -st.err;
	}
	if (st.acked < st.nmsg) {
		cause_set(cause, "%zu of %zu replies %s: the outcome of the "
		    "batch is unknown", st.nmsg - st.acked, st.nmsg,
		    lost ? "lost (receive buffer overrun)" : "missing");
		return lost ? -ENOBUFS : -ETIMEDOUT;
	}
	return 0;
}

/* Requests and dumps ------------------------------------------------- */

/*
 * Send one request and run cb over the replies until the ACK or the end
 * of the dump.  -errno on failure (errno of the kernel's error).
 */
static int
request(struct nft *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	uint32_t	 seq = n->seq++;
	ssize_t		 r;
	int		 rc;

	nlh->nlmsg_seq = seq;
	do
		r = mnl_socket_sendto(n->nl, nlh, nlh->nlmsg_len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	for (;;) {
		r = mnl_socket_recvfrom(n->nl, n->rbuf, RBUF_LEN);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		rc = mnl_cb_run(n->rbuf, (size_t)r, seq, n->portid, cb, arg);
		if (rc < 0)
			return errno ? -errno : -EIO;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

struct flags_arg {
	uint32_t	 flags;
	bool		 found;
};

static int
table_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct flags_arg	*fa = arg;
	struct nftnl_table	*t;

	if ((t = nftnl_table_alloc()) == NULL)
		return MNL_CB_ERROR;
	if (nftnl_table_nlmsg_parse(nlh, t) == 0) {
		fa->found = true;
		fa->flags = nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
	}
	nftnl_table_free(t);
	return MNL_CB_OK;
}

int
nft_table_flags(struct nft *n, uint32_t *ret_flags, char **cause)
{
	char			 buf[512];
	struct nlmsghdr		*nlh;
	struct flags_arg	 fa = { 0, false };
	int			 rc;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET,
	    NLM_F_ACK, 0);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, NFT_TABLE_NAME);
	rc = request(n, nlh, table_cb, &fa);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0) {
		cause_set(cause, "get table inet %s: %s", NFT_TABLE_NAME,
		    strerror(-rc));
		return rc;
	}
	if (!fa.found)
		return 0;
	*ret_flags = fa.flags;
	return 1;
}

int
nft_table_exists(struct nft *n, char **cause)
{
	uint32_t	 flags;

	return nft_table_flags(n, &flags, cause);
}

static int
elems_cb(const struct nlmsghdr *nlh, void *arg)
{
	if (nftnl_set_elems_nlmsg_parse(nlh, arg) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

/*
 * Dump a set's elements into *ret (a fresh nftnl_set).  A dump that
 * overran the receive buffer (ENOBUFS) is started again.
 */
static int
dump_set(struct nft *n, int set, struct nftnl_set **ret, char **cause)
{
	char			 buf[512];
	struct nlmsghdr		*nlh;
	struct nftnl_set	*s;
	int			 rc = -ENOBUFS, tries;

	for (tries = 0; tries < 5 && rc == -ENOBUFS; tries++) {
		if ((s = nftnl_set_alloc()) == NULL) {
			cause_set(cause, "out of memory");
			return -ENOMEM;
		}
		if (nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE_NAME) ||
		    nftnl_set_set_str(s, NFTNL_SET_NAME, sets[set].name)) {
			nftnl_set_free(s);
			cause_set(cause, "out of memory");
			return -ENOMEM;
		}
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM,
		    NFPROTO_INET, NLM_F_DUMP | NLM_F_ACK, 0);
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		if ((rc = request(n, nlh, elems_cb, s)) == 0) {
			*ret = s;
			return 0;
		}
		nftnl_set_free(s);
	}
	cause_set(cause, "list set %s: %s", sets[set].name, strerror(-rc));
	return rc;
}

struct counter_arg {
	uint64_t	 bytes, packets;
};

static int
counter_cb(struct nftnl_expr *e, void *arg)
{
	struct counter_arg	*ca = arg;
	const char		*name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (name != NULL && strcmp(name, "counter") == 0) {
		ca->bytes += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
		ca->packets += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
	}
	return 0;
}

int
nft_meter_read(struct nft *n,
    void (*fn)(const struct addr *client, uint32_t mark, uint64_t bytes,
    uint64_t packets, void *arg), void *arg, char **cause)
{
	struct nftnl_set		*s;
	struct nftnl_set_elems_iter	*it;
	struct nftnl_set_elem		*e;
	struct counter_arg		 ca;
	struct addr			 a;
	const uint8_t			*k;
	uint32_t			 klen, mark;
	size_t				 alen;
	int				 i, rc;

	for (i = S_METER4; i <= S_METER6; i++) {
		if ((rc = dump_set(n, i, &s, cause)) != 0)
			return rc;
		alen = i == S_METER4 ? 4 : 16;
		if ((it = nftnl_set_elems_iter_create(s)) == NULL) {
			nftnl_set_free(s);
			cause_set(cause, "out of memory");
			return -ENOMEM;
		}
		/* _next() returns the current element, then moves on. */
		while ((e = nftnl_set_elems_iter_next(it)) != NULL) {
			k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
			if (k == NULL || klen != alen + sizeof(mark))
				continue;
			memset(&a, 0, sizeof(a));
			a.family = i == S_METER4 ? AF_INET : AF_INET6;
			memcpy(a.bytes, k, alen);
			memcpy(&mark, k + alen, sizeof(mark));
			memset(&ca, 0, sizeof(ca));
			nftnl_set_elem_expr_foreach(e, counter_cb, &ca);
			fn(&a, mark, ca.bytes, ca.packets, arg);
		}
		nftnl_set_elems_iter_destroy(it);
		nftnl_set_free(s);
	}
	return 0;
}

int
nft_set_read(struct nft *n, const char *name,
    void (*fn)(const uint8_t *key, size_t keylen, const uint8_t *data,
    size_t datalen, uint64_t timeout_ms, uint64_t expires_ms, void *arg),
    void *arg, char **cause)
{
	struct nftnl_set		*s;
	struct nftnl_set_elems_iter	*it;
	struct nftnl_set_elem		*e;
	const uint8_t			*k, *d;
	uint32_t			 klen, dlen;
	uint64_t			 to, ex;
	int				 set, rc;

	if ((set = set_find(name)) < 0) {
		cause_set(cause, "%s: no such set in table %s", name,
		    NFT_TABLE_NAME);
		return -EINVAL;
	}
	if ((rc = dump_set(n, set, &s, cause)) != 0)
		return rc;
	if ((it = nftnl_set_elems_iter_create(s)) == NULL) {
		nftnl_set_free(s);
		cause_set(cause, "out of memory");
		return -ENOMEM;
	}
	while ((e = nftnl_set_elems_iter_next(it)) != NULL) {
		klen = dlen = 0;
		k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
		d = NULL;
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA))
			d = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &dlen);
		to = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT) ?
		    nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT) : 0;
		ex = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION) ?
		    nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_EXPIRATION) : 0;
		if (k != NULL)
			fn(k, klen, d, dlen, to, ex, arg);
	}
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return 0;
}

/* Setup with the owner/persist fallback ---------------------------------- */

int
nft_setup(struct nft *n, const struct nft_setup *s, char **cause)
{
	struct nft_batch	*b;
	struct nft_setup	 plain;
	char			*why = NULL;
	int			 rc;

	if ((b = nft_batch_new()) == NULL) {
		cause_set(cause, "out of memory");
		return -ENOMEM;
	}
	if ((rc = nft_build_setup(b, s)) != 0) {
		cause_set(cause, "building the rule set: %s", strerror(-rc));
		goto out;
	}
	rc = nft_commit(n, b, &why);
	/* The table is message 0: the kernel refused its flags. */
	if (s->persist && n->failed == 0 &&
	    (rc == -EOPNOTSUPP || rc == -EINVAL)) {
		int	 first = rc;

		free(why);
		why = NULL;
		plain = *s;
		plain.persist = false;
		nft_batch_reset(b);
		if ((rc = nft_build_setup(b, &plain)) == 0 &&
		    (rc = nft_commit(n, b, &why)) == 0) {
			cause_set(cause, "the kernel refused the table's owner "
			    "and persist flags (%s; Linux 6.9 or later needed, "
			    "or the table exists unowned): the table is "
			    "unowned and stays when schoolgate stops",
			    strerror(-first));
			rc = NFT_SETUP_UNOWNED;
			goto out;
		}
	}
	if (rc < 0 && cause != NULL) {
		*cause = why;
		why = NULL;
	}
 out:
	free(why);
	nft_batch_free(b);
	return rc;
}
