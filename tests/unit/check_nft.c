/*
 * check_nft: the nft builder without root.  Every batch is parsed back
 * with libnftnl, as the kernel would read it: table flags, each set's
 * key and flags, elements' key bytes, data and timeouts, and each rule's
 * expressions written as a short signature ("lookup:flow4:8>9" is a
 * lookup of flow4 with the key from register 8 and the result into 9).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "addr.h"
#include "nft.h"

#define MSG(t)	((NFNL_SUBSYS_NFTABLES << 8) | (t))

static struct addr
A(const char *s)
{
	struct addr	 a;

	ck_assert_int_eq(addr_parse(s, &a), 0);
	return a;
}

static struct cidr
P(const char *s)
{
	struct cidr	 c;

	ck_assert_int_eq(cidr_parse(s, &c), 0);
	return c;
}

/* The messages of a batch, begin and end checked and left out. */
struct msgs {
	const struct nlmsghdr	*m[4096];
	size_t			 n;
};

static void
split(struct nft_batch *b, struct msgs *ms)
{
	const struct nlmsghdr	*nlh;
	const void		*data;
	size_t			 len;
	int			 rem;
	uint32_t		 seq = 0;

	data = nft_batch_data(b, &len);
	ms->n = 0;
	rem = (int)len;
	nlh = data;
	ck_assert(mnl_nlmsg_ok(nlh, rem));
	ck_assert_uint_eq(nlh->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
	for (nlh = mnl_nlmsg_next(nlh, &rem); mnl_nlmsg_ok(nlh, rem);
	    nlh = mnl_nlmsg_next(nlh, &rem)) {
		ck_assert_uint_gt(nlh->nlmsg_seq, seq);
		seq = nlh->nlmsg_seq;
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_END)
			break;
		ck_assert(nlh->nlmsg_flags & NLM_F_ACK);
		ck_assert(!(nlh->nlmsg_flags & NLM_F_EXCL));
		ck_assert_uint_lt(ms->n, 4096);
		ms->m[ms->n++] = nlh;
	}
	ck_assert(mnl_nlmsg_ok(nlh, rem));
	ck_assert_uint_eq(nlh->nlmsg_type, NFNL_MSG_BATCH_END);
	ck_assert_int_eq(rem, (int)nlh->nlmsg_len);
	ck_assert_uint_eq(ms->n, nft_batch_count(b));
}

static struct nft_setup
setup_of(struct cidr *lan, size_t nlan)
{
	struct nft_setup	 s;

	memset(&s, 0, sizeof(s));
	s.lan = lan;
	s.nlan = nlan;
	return s;
}

/* Sets ------------------------------------------------------------------ */

static struct nftnl_set *
find_set(const struct msgs *ms, const char *name)
{
	struct nftnl_set	*s;
	size_t			 i;

	for (i = 0; i < ms->n; i++) {
		if (ms->m[i]->nlmsg_type != MSG(NFT_MSG_NEWSET))
			continue;
		s = nftnl_set_alloc();
		ck_assert_int_eq(nftnl_set_nlmsg_parse(ms->m[i], s), 0);
		if (strcmp(nftnl_set_get_str(s, NFTNL_SET_NAME), name) == 0)
			return s;
		nftnl_set_free(s);
	}
	return NULL;
}

static void
check_set(const struct msgs *ms, const char *name, uint32_t ktype,
    uint32_t klen, uint32_t flags, bool map, uint64_t timeout)
{
	struct nftnl_set	*s = find_set(ms, name);

	ck_assert_msg(s != NULL, "no set %s", name);
	ck_assert_str_eq(nftnl_set_get_str(s, NFTNL_SET_TABLE), "schoolgate");
	ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_FAMILY),
	    NFPROTO_INET);
	ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), ktype);
	ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), klen);
	ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_FLAGS), flags);
	if (map) {
		ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE), 19);
		ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN), 4);
	} else
		ck_assert(!nftnl_set_is_set(s, NFTNL_SET_DATA_TYPE));
	if (timeout != 0)
		ck_assert_uint_eq(nftnl_set_get_u64(s, NFTNL_SET_TIMEOUT),
		    timeout);
	else
		ck_assert(!nftnl_set_is_set(s, NFTNL_SET_TIMEOUT));
	nftnl_set_free(s);
}

/* Elements: "add deny4 0a0a001705000000 t=5000" per element. */
static void
elem_lines(const struct msgs *ms, char *out, size_t outlen)
{
	struct nftnl_set		*s;
	struct nftnl_set_elems_iter	*it;
	struct nftnl_set_elem		*e;
	const uint8_t			*k, *d;
	uint32_t			 kl, dl, i;
	size_t				 j, o = 0;

	out[0] = '\0';
	for (j = 0; j < ms->n; j++) {
		uint16_t	 t = ms->m[j]->nlmsg_type;

		if (t != MSG(NFT_MSG_NEWSETELEM) && t != MSG(NFT_MSG_DELSETELEM))
			continue;
		s = nftnl_set_alloc();
		ck_assert_int_eq(nftnl_set_elems_nlmsg_parse(ms->m[j], s), 0);
		it = nftnl_set_elems_iter_create(s);
		while ((e = nftnl_set_elems_iter_next(it)) != NULL) {
			o += (size_t)snprintf(out + o, outlen - o, "%s %s ",
			    t == MSG(NFT_MSG_NEWSETELEM) ? "add" : "del",
			    nftnl_set_get_str(s, NFTNL_SET_NAME));
			k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &kl);
			for (i = 0; i < kl; i++)
				o += (size_t)snprintf(out + o, outlen - o,
				    "%02x", k[i]);
			if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA)) {
				d = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA,
				    &dl);
				o += (size_t)snprintf(out + o, outlen - o, ":");
				for (i = 0; i < dl; i++)
					o += (size_t)snprintf(out + o,
					    outlen - o, "%02x", d[i]);
			}
			if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT))
				o += (size_t)snprintf(out + o, outlen - o,
				    " t=%llu", (unsigned long long)
				    nftnl_set_elem_get_u64(e,
				    NFTNL_SET_ELEM_TIMEOUT));
			if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
				o += (size_t)snprintf(out + o, outlen - o,
				    " f=%u", nftnl_set_elem_get_u32(e,
				    NFTNL_SET_ELEM_FLAGS));
			o += (size_t)snprintf(out + o, outlen - o, "\n");
			ck_assert_uint_lt(o, outlen);
		}
		nftnl_set_elems_iter_destroy(it);
		nftnl_set_free(s);
	}
}

/* Rules ----------------------------------------------------------------- */

static const char *
meta_name(uint32_t k)
{
	switch (k) {
	case NFT_META_MARK:
		return "mark";
	case NFT_META_NFPROTO:
		return "nfproto";
	case NFT_META_L4PROTO:
		return "l4proto";
	default:
		return "?";
	}
}

static size_t
hex(char *o, size_t len, const void *p, uint32_t n)
{
	const uint8_t	*b = p;
	size_t		 w = 0;
	uint32_t	 i;

	for (i = 0; i < n; i++)
		w += (size_t)snprintf(o + w, len - w, "%02x", b[i]);
	return w;
}

struct sig {
	char	 s[1024];
	size_t	 o;
};

static int
inner_cb(struct nftnl_expr *e, void *arg)
{
	struct sig	*sg = arg;

	sg->o += (size_t)snprintf(sg->s + sg->o, sizeof(sg->s) - sg->o, "[%s]",
	    nftnl_expr_get_str(e, NFTNL_EXPR_NAME));
	return 0;
}

static int
expr_cb(struct nftnl_expr *e, void *arg)
{
	struct sig	*sg = arg;
	char		*o = sg->s + sg->o;
	size_t		 len = sizeof(sg->s) - sg->o, w = 0;
	const char	*name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	const void	*d;
	uint32_t	 dl, v;

	if (sg->o > 0)
		w += (size_t)snprintf(o + w, len - w, " ");
	if (strcmp(name, "payload") == 0 &&
	    nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_SREG))
		/* a write: "payload:th+13/1<8 csum:1@16" */
		w += (size_t)snprintf(o + w, len - w,
		    "payload:%s+%u/%u<%u csum:%u@%u",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE) ==
		    NFT_PAYLOAD_NETWORK_HEADER ? "nh" : "th",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_SREG),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_TYPE),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_OFFSET));
	else if (strcmp(name, "payload") == 0)
		w += (size_t)snprintf(o + w, len - w, "payload:%s+%u/%u>%u",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE) ==
		    NFT_PAYLOAD_NETWORK_HEADER ? "nh" : "th",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG));
	else if (strcmp(name, "meta") == 0) {
		v = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
		if (nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG))
			w += (size_t)snprintf(o + w, len - w, "meta:%s>%u",
			    meta_name(v),
			    nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG));
		else
			w += (size_t)snprintf(o + w, len - w, "meta:%s<%u",
			    meta_name(v),
			    nftnl_expr_get_u32(e, NFTNL_EXPR_META_SREG));
	} else if (strcmp(name, "cmp") == 0) {
		d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &dl);
		w += (size_t)snprintf(o + w, len - w, "cmp:%u%s",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP) == NFT_CMP_EQ ?
		    "==" : "!=");
		w += hex(o + w, len - w, d, dl);
	} else if (strcmp(name, "lookup") == 0) {
		w += (size_t)snprintf(o + w, len - w, "lookup:%s:%u",
		    nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG));
		if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG))
			w += (size_t)snprintf(o + w, len - w, ">%u",
			    nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG));
		if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
		    (nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS) &
		    NFT_LOOKUP_F_INV))
			w += (size_t)snprintf(o + w, len - w, "!");
	} else if (strcmp(name, "dynset") == 0) {
		w += (size_t)snprintf(o + w, len - w, "dynset:%s:%s:%u",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_DYNSET_OP) ==
		    NFT_DYNSET_OP_UPDATE ? "update" : "other",
		    nftnl_expr_get_str(e, NFTNL_EXPR_DYNSET_SET_NAME),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY));
		sg->o += w;
		nftnl_expr_expr_foreach(e, inner_cb, sg);
		return 0;
	} else if (strcmp(name, "immediate") == 0) {
		if (nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG) ==
		    NFT_REG_VERDICT) {
			v = nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);
			w += (size_t)snprintf(o + w, len - w, "%s",
			    v == NF_ACCEPT ? "accept" : v == NF_DROP ? "drop" :
			    v == (uint32_t)NFT_GOTO ? "goto:" : "?");
			if (v == (uint32_t)NFT_GOTO)
				w += (size_t)snprintf(o + w, len - w, "%s",
				    nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN));
		} else {
			d = nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &dl);
			w += (size_t)snprintf(o + w, len - w, "imm:%u=",
			    nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG));
			w += hex(o + w, len - w, d, dl);
		}
	} else if (strcmp(name, "reject") == 0)
		w += (size_t)snprintf(o + w, len - w, "reject:%u:%u",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_REJECT_TYPE),
		    nftnl_expr_get_u8(e, NFTNL_EXPR_REJECT_CODE));
	else if (strcmp(name, "nat") == 0)
		w += (size_t)snprintf(o + w, len - w, "dnat:%u:%u:%u",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_FAMILY),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN));
	else
		w += (size_t)snprintf(o + w, len - w, "%s", name);
	sg->o += w;
	return 0;
}

/* The signature of the n-th rule (from 0) of chain, or NULL. */
static char *
rule_sig(const struct msgs *ms, const char *chain, int n)
{
	struct nftnl_rule	*r;
	struct sig		 sg;
	size_t			 i;

	for (i = 0; i < ms->n; i++) {
		if (ms->m[i]->nlmsg_type != MSG(NFT_MSG_NEWRULE))
			continue;
		r = nftnl_rule_alloc();
		ck_assert_int_eq(nftnl_rule_nlmsg_parse(ms->m[i], r), 0);
		if (strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), chain) ||
		    n-- > 0) {
			nftnl_rule_free(r);
			continue;
		}
		ck_assert_str_eq(nftnl_rule_get_str(r, NFTNL_RULE_TABLE),
		    "schoolgate");
		memset(&sg, 0, sizeof(sg));
		nftnl_expr_foreach(r, expr_cb, &sg);
		nftnl_rule_free(r);
		return strdup(sg.s);
	}
	return NULL;
}

static bool
has_rule(const struct msgs *ms, const char *chain, int n)
{
	char	*sig = rule_sig(ms, chain, n);

	free(sig);
	return sig != NULL;
}

static void
assert_rule(const struct msgs *ms, const char *chain, int n, const char *want)
{
	char	*got = rule_sig(ms, chain, n);

	ck_assert_msg(got != NULL, "no rule %d in %s", n, chain);
	ck_assert_msg(strcmp(got, want) == 0, "%s #%d:\n got  %s\n want %s",
	    chain, n, got, want);
	free(got);
}

static int
count_type(const struct msgs *ms, uint16_t type)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < ms->n; i++)
		if (ms->m[i]->nlmsg_type == MSG(type))
			n++;
	return n;
}

/* Tests ------------------------------------------------------------------ */

static struct msgs	 ms;

START_TEST(test_table_create_and_adopt)
{
	struct cidr		 lan[] = { P("10.10.0.0/16"), P("fd10::/48") };
	struct nft_setup	 s = setup_of(lan, 2);
	struct nft_batch	*b = nft_batch_new();
	struct nftnl_table	*t;
	size_t			 i, firstrule = 0, lastflush = 0;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(nft_build_setup(b, &s), 0);
	split(b, &ms);
	ck_assert_uint_eq(ms.m[0]->nlmsg_type, MSG(NFT_MSG_NEWTABLE));
	ck_assert(ms.m[0]->nlmsg_flags & NLM_F_CREATE);
	t = nftnl_table_alloc();
	ck_assert_int_eq(nftnl_table_nlmsg_parse(ms.m[0], t), 0);
	ck_assert_str_eq(nftnl_table_get_str(t, NFTNL_TABLE_NAME), "schoolgate");
	ck_assert_uint_eq(nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY),
	    NFPROTO_INET);
	/* No flags attribute: an existing table is taken as it is. */
	ck_assert(!nftnl_table_is_set(t, NFTNL_TABLE_FLAGS));
	nftnl_table_free(t);

	/*
	 * Create and adopt are one batch: nothing exclusive (split checks
	 * NLM_F_EXCL), nothing deleted but rules and LAN elements, every
	 * chain flushed before the first rule is added.
	 */
	ck_assert_int_eq(count_type(&ms, NFT_MSG_DELTABLE), 0);
	ck_assert_int_eq(count_type(&ms, NFT_MSG_DELSET), 0);
	ck_assert_int_eq(count_type(&ms, NFT_MSG_DELCHAIN), 0);
	ck_assert_int_eq(count_type(&ms, NFT_MSG_NEWSET), 10);
	ck_assert_int_eq(count_type(&ms, NFT_MSG_NEWCHAIN), 12);
	ck_assert_int_eq(count_type(&ms, NFT_MSG_DELRULE), 12);
	ck_assert_int_eq(count_type(&ms, NFT_MSG_DELSETELEM), 2);
	for (i = 0; i < ms.n; i++) {
		if (ms.m[i]->nlmsg_type == MSG(NFT_MSG_DELRULE) ||
		    ms.m[i]->nlmsg_type == MSG(NFT_MSG_DELSETELEM))
			lastflush = i;
		if (ms.m[i]->nlmsg_type == MSG(NFT_MSG_NEWRULE) &&
		    firstrule == 0)
			firstrule = i;
	}
	ck_assert_uint_gt(firstrule, lastflush);
	nft_batch_free(b);
}
END_TEST

START_TEST(test_table_persist)
{
	struct cidr		 lan[] = { P("10.10.0.0/16") };
	struct nft_setup	 s = setup_of(lan, 1);
	struct nft_batch	*b = nft_batch_new();
	struct nftnl_table	*t;

	s.persist = true;
	ck_assert_int_eq(nft_build_setup(b, &s), 0);
	split(b, &ms);
	t = nftnl_table_alloc();
	ck_assert_int_eq(nftnl_table_nlmsg_parse(ms.m[0], t), 0);
	ck_assert(nftnl_table_is_set(t, NFTNL_TABLE_FLAGS));
	ck_assert_uint_eq(nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS), 0x6);
	nftnl_table_free(t);

	nft_batch_reset(b);
	ck_assert_uint_eq(nft_batch_count(b), 0);
	ck_assert_int_eq(nft_build_delete(b), 0);
	split(b, &ms);
	ck_assert_uint_eq(ms.n, 1);
	ck_assert_uint_eq(ms.m[0]->nlmsg_type, MSG(NFT_MSG_DELTABLE));
	nft_batch_free(b);
}
END_TEST

START_TEST(test_sets)
{
	struct nft_setup	 s = setup_of(NULL, 0);
	struct nft_batch	*b = nft_batch_new();
	uint32_t		 tm = NFT_SET_TIMEOUT, mp = NFT_SET_MAP;

	ck_assert_int_eq(nft_build_setup(b, &s), 0);
	split(b, &ms);
	/* nft datatype ids: 7 ipv4_addr, 8 ipv6_addr, 13 inet_service,
	 * 19 mark; concatenations 6 bits per field. */
	check_set(&ms, "lan4", 7, 4, NFT_SET_INTERVAL, false, 0);
	check_set(&ms, "lan6", 8, 16, NFT_SET_INTERVAL, false, 0);
	check_set(&ms, "addr4", 7, 4, mp | tm, true, 0);
	check_set(&ms, "addr6", 8, 16, mp | tm, true, 0);
	check_set(&ms, "flow4", (7 << 12) | (7 << 6) | 13, 12, mp | tm, true,
	    0);
	check_set(&ms, "flow6", (8 << 12) | (8 << 6) | 13, 36, mp | tm, true,
	    0);
	check_set(&ms, "deny4", (7 << 6) | 19, 8, tm, false, 0);
	check_set(&ms, "deny6", (8 << 6) | 19, 20, tm, false, 0);
	check_set(&ms, "meter4", (7 << 6) | 19, 8, NFT_SET_EVAL | tm, false,
	    NFT_METER_TIMEOUT_MS);
	check_set(&ms, "meter6", (8 << 6) | 19, 20, NFT_SET_EVAL | tm, false,
	    NFT_METER_TIMEOUT_MS);
	nft_batch_free(b);
}
END_TEST

START_TEST(test_chains)
{
	struct nft_setup	 s = setup_of(NULL, 0);
	struct nft_batch	*b = nft_batch_new();
	struct nftnl_chain	*c;
	size_t			 i;
	int			 base = 0;

	ck_assert_int_eq(nft_build_setup(b, &s), 0);
	split(b, &ms);
	for (i = 0; i < ms.n; i++) {
		const char	*name;

		if (ms.m[i]->nlmsg_type != MSG(NFT_MSG_NEWCHAIN))
			continue;
		c = nftnl_chain_alloc();
		ck_assert_int_eq(nftnl_chain_nlmsg_parse(ms.m[i], c), 0);
		name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
		if (strcmp(name, "forward") == 0) {
			ck_assert_str_eq(nftnl_chain_get_str(c,
			    NFTNL_CHAIN_TYPE), "filter");
			ck_assert_uint_eq(nftnl_chain_get_u32(c,
			    NFTNL_CHAIN_HOOKNUM), NF_INET_FORWARD);
			ck_assert_int_eq(nftnl_chain_get_s32(c,
			    NFTNL_CHAIN_PRIO), 0);
			ck_assert_uint_eq(nftnl_chain_get_u32(c,
			    NFTNL_CHAIN_POLICY), NF_ACCEPT);
			base++;
		} else if (strcmp(name, "prerouting") == 0) {
			ck_assert_str_eq(nftnl_chain_get_str(c,
			    NFTNL_CHAIN_TYPE), "nat");
			ck_assert_uint_eq(nftnl_chain_get_u32(c,
			    NFTNL_CHAIN_HOOKNUM), NF_INET_PRE_ROUTING);
			ck_assert_int_eq(nftnl_chain_get_s32(c,
			    NFTNL_CHAIN_PRIO), -100);
			base++;
		} else
			ck_assert(!nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM));
		nftnl_chain_free(c);
	}
	ck_assert_int_eq(base, 2);
	nft_batch_free(b);
}
END_TEST

START_TEST(test_lan_intervals)
{
	struct cidr		 lan[] = { P("10.20.0.0/16"), P("fd10::/48"),
	    P("10.10.0.0/24"), P("10.10.1.0/24"), P("10.10.0.128/25"),
	    P("255.255.255.0/24") };
	struct nft_setup	 s = setup_of(lan, 6);
	struct nft_batch	*b = nft_batch_new();
	char			 out[4096];

	ck_assert_int_eq(nft_build_setup(b, &s), 0);
	split(b, &ms);
	elem_lines(&ms, out, sizeof(out));
	/* Sorted, merged (10.10.0.0/24 + /25 inside + 10.10.1.0/24 ->
	 * 10.10.0.0/23), an end element after each interval but the one
	 * that reaches the end of the address space. */
	ck_assert_str_eq(out,
	    "add lan4 0a0a0000\n"
	    "add lan4 0a0a0200 f=1\n"
	    "add lan4 0a140000\n"
	    "add lan4 0a150000 f=1\n"
	    "add lan4 ffffff00\n"
	    "add lan6 fd100000000000000000000000000000\n"
	    "add lan6 fd100000000100000000000000000000 f=1\n");
	nft_batch_free(b);
}
END_TEST

START_TEST(test_rules_v4)
{
	struct cidr		 lan[] = { P("10.10.0.0/16") };
	struct nft_setup	 s = setup_of(lan, 1);
	struct nft_batch	*b = nft_batch_new();
	const char		*key = "meta:nfproto>8 cmp:8==02 "
				    "payload:nh+12/4>8 payload:nh+16/4>9 "
				    "payload:th+0/2>10";
	const char		*mark = "meta:mark>23 meta:mark<9 meta:mark>9 "
				    "meta:mark<23";
	char			 want[1024];

	ck_assert_int_eq(nft_build_setup(b, &s), 0);
	split(b, &ms);
	assert_rule(&ms, "forward", 0, "meta:nfproto>8 cmp:8==02 "
	    "payload:nh+12/4>8 lookup:lan4:8 payload:nh+16/4>8 "
	    "lookup:lan4:8! goto:up4");
	assert_rule(&ms, "forward", 1, "meta:nfproto>8 cmp:8==02 "
	    "payload:nh+16/4>8 lookup:lan4:8 payload:nh+12/4>8 "
	    "lookup:lan4:8! goto:down4");
	/* up4: flow first; mark 0 exempt; meter; deny; then the address. */
	snprintf(want, sizeof(want), "%s lookup:flow4:8>9 %s cmp:9==00000000 "
	    "accept", key, mark);
	assert_rule(&ms, "up4", 0, want);
	snprintf(want, sizeof(want), "%s lookup:flow4:8>9 %s "
	    "dynset:update:meter4:8[counter]", key, mark);
	assert_rule(&ms, "up4", 1, want);
	snprintf(want, sizeof(want), "%s lookup:flow4:8>9 %s lookup:deny4:8 "
	    "goto:deny", key, mark);
	assert_rule(&ms, "up4", 2, want);
	snprintf(want, sizeof(want), "%s lookup:flow4:8 accept", key);
	assert_rule(&ms, "up4", 3, want);
	snprintf(want, sizeof(want), "meta:nfproto>8 cmp:8==02 "
	    "payload:nh+12/4>8 payload:nh+16/4>9 lookup:addr4:9>9 %s "
	    "cmp:9!=00000000 dynset:update:meter4:8[counter]", mark);
	assert_rule(&ms, "up4", 4, want);
	snprintf(want, sizeof(want), "meta:nfproto>8 cmp:8==02 "
	    "payload:nh+12/4>8 payload:nh+16/4>9 lookup:addr4:9>9 %s "
	    "cmp:9!=00000000 lookup:deny4:8 goto:deny", mark);
	assert_rule(&ms, "up4", 5, want);
	ck_assert(!has_rule(&ms, "up4", 6));
	/* down4: the client is the destination, its port th dport; to
	 * denydown. */
	snprintf(want, sizeof(want), "meta:nfproto>8 cmp:8==02 "
	    "payload:nh+16/4>8 payload:nh+12/4>9 payload:th+2/2>10 "
	    "lookup:flow4:8>9 %s lookup:deny4:8 goto:denydown", mark);
	assert_rule(&ms, "down4", 2, want);
	snprintf(want, sizeof(want), "meta:nfproto>8 cmp:8==02 "
	    "payload:nh+16/4>8 payload:nh+12/4>9 lookup:addr4:9>9 %s "
	    "cmp:9!=00000000 dynset:update:meter4:8[counter]", mark);
	assert_rule(&ms, "down4", 4, want);
	/* deny: TCP reset, the rest dropped. */
	assert_rule(&ms, "deny", 0, "meta:l4proto>8 cmp:8==06 reject:1:0");
	assert_rule(&ms, "deny", 1, "drop");
	/* Downstream: TCP from the server becomes RST|ACK for the client
	 * (flags at th+13, the TCP checksum at 16 kept right), the rest
	 * is dropped. */
	assert_rule(&ms, "denydown", 0, "meta:l4proto>8 cmp:8==06 imm:8=14 "
	    "payload:th+13/1<8 csum:1@16 accept");
	assert_rule(&ms, "denydown", 1, "drop");
	/* No block page: no NAT rules. */
	ck_assert(!has_rule(&ms, "prerouting", 0));
	ck_assert(!has_rule(&ms, "bp4", 0));
	nft_batch_free(b);
}
END_TEST

START_TEST(test_rules_v6)
{
	struct nft_setup	 s = setup_of(NULL, 0);
	struct nft_batch	*b = nft_batch_new();
	const char		*mark = "meta:mark>23 meta:mark<12 "
				    "meta:mark>12 meta:mark<23";
	char			 want[1024];

	ck_assert_int_eq(nft_build_setup(b, &s), 0);
	split(b, &ms);
	assert_rule(&ms, "forward", 2, "meta:nfproto>8 cmp:8==0a "
	    "payload:nh+8/16>8 lookup:lan6:8 payload:nh+24/16>8 "
	    "lookup:lan6:8! goto:up6");
	/* The address takes registers 8-11, the mark 12: client . mark is
	 * 20 bytes from register 8; the flow key's port is register 16. */
	snprintf(want, sizeof(want), "meta:nfproto>8 cmp:8==0a "
	    "payload:nh+8/16>8 payload:nh+24/16>12 payload:th+0/2>16 "
	    "lookup:flow6:8>12 %s dynset:update:meter6:8[counter]", mark);
	assert_rule(&ms, "up6", 1, want);
	snprintf(want, sizeof(want), "meta:nfproto>8 cmp:8==0a "
	    "payload:nh+8/16>8 payload:nh+24/16>12 lookup:addr6:12>12 %s "
	    "cmp:12!=00000000 lookup:deny6:8 goto:deny", mark);
	assert_rule(&ms, "up6", 5, want);
	nft_batch_free(b);
}
END_TEST

START_TEST(test_rules_blockpage)
{
	struct cidr		 lan[] = { P("10.10.0.0/16"), P("fd10::/48") };
	struct nft_setup	 s = setup_of(lan, 2);
	struct nft_batch	*b = nft_batch_new();
	char			 want[1024];

	s.blockpage = true;
	s.bp4 = A("10.10.0.1");
	s.bp6 = A("fd10::1");
	s.bp_port = 8080;
	ck_assert_int_eq(nft_build_setup(b, &s), 0);
	split(b, &ms);
	assert_rule(&ms, "prerouting", 0, "meta:nfproto>8 cmp:8==02 "
	    "payload:nh+12/4>8 lookup:lan4:8 payload:nh+16/4>8 "
	    "lookup:lan4:8! meta:l4proto>8 cmp:8==06 payload:th+2/2>8 "
	    "cmp:8==0050 goto:bp4");
	snprintf(want, sizeof(want), "meta:nfproto>8 cmp:8==02 "
	    "payload:nh+12/4>8 payload:nh+16/4>9 lookup:addr4:9>9 "
	    "meta:mark>23 meta:mark<9 meta:mark>9 meta:mark<23 "
	    "cmp:9!=00000000 lookup:deny4:8 imm:8=0a0a0001 imm:9=1f90 "
	    "dnat:2:8:9");
	assert_rule(&ms, "bp4", 2, want);
	snprintf(want, sizeof(want), "meta:nfproto>8 cmp:8==0a "
	    "payload:nh+8/16>8 payload:nh+24/16>12 lookup:addr6:12>12 "
	    "meta:mark>23 meta:mark<12 meta:mark>12 meta:mark<23 "
	    "cmp:12!=00000000 lookup:deny6:8 "
	    "imm:8=fd100000000000000000000000000001 imm:12=1f90 "
	    "dnat:10:8:12");
	assert_rule(&ms, "bp6", 2, want);
	/* No HTTPS port: TCP/443 is never sent to the block page. */
	ck_assert(!has_rule(&ms, "bps4", 0));
	ck_assert(!has_rule(&ms, "prerouting", 2));

	/* With one (a school CA): TCP/443 through bpsN to port 8443. */
	nft_batch_reset(b);
	s.bp_tls_port = 8443;
	ck_assert_int_eq(nft_build_setup(b, &s), 0);
	split(b, &ms);
	assert_rule(&ms, "prerouting", 2, "meta:nfproto>8 cmp:8==02 "
	    "payload:nh+12/4>8 lookup:lan4:8 payload:nh+16/4>8 "
	    "lookup:lan4:8! meta:l4proto>8 cmp:8==06 payload:th+2/2>8 "
	    "cmp:8==01bb goto:bps4");
	snprintf(want, sizeof(want), "meta:nfproto>8 cmp:8==02 "
	    "payload:nh+12/4>8 payload:nh+16/4>9 lookup:addr4:9>9 "
	    "meta:mark>23 meta:mark<9 meta:mark>9 meta:mark<23 "
	    "cmp:9!=00000000 lookup:deny4:8 imm:8=0a0a0001 imm:9=20fb "
	    "dnat:2:8:9");
	assert_rule(&ms, "bps4", 2, want);
	ck_assert(has_rule(&ms, "bps6", 2));
	s.bp_tls_port = 0;

	/* An IPv6 block page alone: IPv6 DNAT only. */
	nft_batch_reset(b);
	{
		struct addr keep = s.bp4;

		memset(&s.bp4, 0, sizeof(s.bp4));
		ck_assert_int_eq(nft_build_setup(b, &s), 0);
		split(b, &ms);
		ck_assert(has_rule(&ms, "bp6", 0));
		ck_assert(!has_rule(&ms, "bp4", 0));
		ck_assert(!has_rule(&ms, "prerouting", 1));
		s.bp4 = keep;
	}

	/* Without an IPv6 block page address, no IPv6 DNAT. */
	nft_batch_reset(b);
	memset(&s.bp6, 0, sizeof(s.bp6));
	ck_assert_int_eq(nft_build_setup(b, &s), 0);
	split(b, &ms);
	ck_assert(has_rule(&ms, "bp4", 0));
	ck_assert(!has_rule(&ms, "bp6", 0));
	ck_assert(!has_rule(&ms, "prerouting", 1));
	nft_batch_free(b);
}
END_TEST

START_TEST(test_elements)
{
	struct nft_batch	*b = nft_batch_new();
	struct addr		 c4 = A("10.10.0.23"), s4 = A("198.51.100.10");
	struct addr		 c6 = A("fd10::23"), s6 = A("2001:db8::10");
	char			 out[4096], want[2048];
	char			 m5[9], m6[9], m7[9], big[9];
	uint32_t		 five = 5, six = 6, seven = 7, x = 0x01020304;

	ck_assert_int_eq(nft_add_deny(b, &c4, 5, 5000), 0);
	ck_assert_int_eq(nft_add_deny(b, &c4, 6, 0), 0);
	ck_assert_int_eq(nft_add_addr(b, &s4, 5, 300000), 0);
	ck_assert_int_eq(nft_add_addr(b, &s6, 0x01020304, 0), 0);
	ck_assert_int_eq(nft_add_flow(b, &c4, &s4, 51522, 0, 60000), 0);
	ck_assert_int_eq(nft_add_flow(b, &c6, &s6, 443, 7, 0), 0);
	ck_assert_int_eq(nft_add_deny(b, &c6, 5, 0), 0);
	ck_assert_int_eq(nft_del_deny(b, &c4, 5), 0);
	ck_assert_int_eq(nft_del_addr(b, &s4), 0);
	ck_assert_int_eq(nft_del_flow(b, &c4, &s4, 51522), 0);
	/* The two deny4 adds share a message. */
	ck_assert_uint_eq(nft_batch_count(b), 9);
	ck_assert_uint_eq(nft_batch_elements(b), 10);
	split(b, &ms);
	elem_lines(&ms, out, sizeof(out));
	/* Marks in host order (as meta mark loads them); ports in network
	 * order padded to 4 bytes; timeouts in ms. */
	hex(m5, sizeof(m5), &five, 4);
	hex(m6, sizeof(m6), &six, 4);
	hex(m7, sizeof(m7), &seven, 4);
	hex(big, sizeof(big), &x, 4);
	snprintf(want, sizeof(want),
	    "add deny4 0a0a0017%s t=5000\n"
	    "add deny4 0a0a0017%s\n"
	    "add addr4 c633640a:%s t=300000\n"
	    "add addr6 20010db8000000000000000000000010:%s\n"
	    "add flow4 0a0a0017c633640ac9420000:00000000 t=60000\n"
	    "add flow6 fd100000000000000000000000000023"
	    "20010db800000000000000000000001001bb0000:%s\n"
	    "add deny6 fd100000000000000000000000000023%s\n"
	    "del deny4 0a0a0017%s\n"
	    "del addr4 c633640a\n"
	    "del flow4 0a0a0017c633640ac9420000\n",
	    m5, m6, m5, big, m7, m5, m5);
	ck_assert_str_eq(out, want);
	nft_batch_free(b);
}
END_TEST

START_TEST(test_bad_inputs)
{
	struct nft_batch	*b = nft_batch_new();
	struct addr		 c4 = A("10.10.0.23"), s6 = A("2001:db8::10");
	struct addr		 zero;
	struct cidr		 lan[] = { P("10.10.0.0/16") };
	struct nft_setup	 s = setup_of(lan, 1);

	memset(&zero, 0, sizeof(zero));
	ck_assert_int_eq(nft_add_deny(b, &zero, 5, 0), -EINVAL);
	ck_assert_int_eq(nft_del_deny(b, &zero, 5), -EINVAL);
	ck_assert_int_eq(nft_add_addr(b, &zero, 5, 0), -EINVAL);
	ck_assert_int_eq(nft_del_addr(b, NULL), -EINVAL);
	ck_assert_int_eq(nft_add_flow(b, &c4, &s6, 1, 5, 0), -EINVAL);
	ck_assert_int_eq(nft_del_flow(b, &zero, &zero, 1), -EINVAL);
	zero.family = 99;
	ck_assert_int_eq(nft_add_deny(b, &zero, 5, 0), -EINVAL);
	ck_assert_uint_eq(nft_batch_count(b), 0);

	lan[0].a.family = 0;
	ck_assert_int_eq(nft_build_setup(b, &s), -EINVAL);
	lan[0] = P("10.10.0.0/16");
	lan[0].prefix = 33;
	ck_assert_int_eq(nft_build_setup(b, &s), -EINVAL);
	lan[0] = P("10.10.0.0/16");
	s.blockpage = true;
	s.bp4 = A("fd10::1");		/* the IPv4 address is IPv6 */
	s.bp_port = 8080;
	ck_assert_int_eq(nft_build_setup(b, &s), -EINVAL);
	s.bp4 = A("10.10.0.1");
	s.bp6 = A("10.10.0.2");		/* the IPv6 address is IPv4 */
	ck_assert_int_eq(nft_build_setup(b, &s), -EINVAL);
	memset(&s.bp6, 0, sizeof(s.bp6));
	memset(&s.bp4, 0, sizeof(s.bp4));	/* no address at all */
	ck_assert_int_eq(nft_build_setup(b, &s), -EINVAL);
	s.bp4 = A("10.10.0.1");
	s.bp_port = 0;
	ck_assert_int_eq(nft_build_setup(b, &s), -EINVAL);
	ck_assert_int_eq(nft_build_setup(b, NULL), -EINVAL);
	/* Nothing was written by the failures. */
	ck_assert_uint_eq(nft_batch_count(b), 0);
	s.bp_port = 8080;
	ck_assert_int_eq(nft_build_setup(b, &s), 0);
	nft_batch_free(b);
	nft_batch_free(NULL);
}
END_TEST

START_TEST(test_large_batch)
{
	struct nft_batch		*b = nft_batch_new();
	struct addr			 a;
	struct nftnl_set		*s;
	struct nftnl_set_elems_iter	*it;
	const struct nlmsghdr		*nlh;
	const void			*data;
	size_t				 i, len, n = 0;
	int				 rem;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	for (i = 0; i < 100000; i++) {
		a.bytes[0] = 100;
		a.bytes[1] = (uint8_t)(i >> 16);
		a.bytes[2] = (uint8_t)(i >> 8);
		a.bytes[3] = (uint8_t)i;
		ck_assert_int_eq(nft_add_deny(b, &a, 3, 1000), 0);
	}
	ck_assert_uint_eq(nft_batch_elements(b), 100000);
	ck_assert_uint_lt(nft_batch_count(b), 100);
	data = nft_batch_data(b, &len);
	rem = (int)len;
	for (nlh = data; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh,
	    &rem)) {
		if (nlh->nlmsg_type != MSG(NFT_MSG_NEWSETELEM))
			continue;
		ck_assert_uint_le(nlh->nlmsg_len, 65536);
		s = nftnl_set_alloc();
		ck_assert_int_eq(nftnl_set_elems_nlmsg_parse(nlh, s), 0);
		it = nftnl_set_elems_iter_create(s);
		while (nftnl_set_elems_iter_next(it) != NULL)
			n++;
		nftnl_set_elems_iter_destroy(it);
		nftnl_set_free(s);
	}
	ck_assert_int_eq(rem, 0);
	ck_assert_uint_eq(n, 100000);
	nft_batch_free(b);
}
END_TEST

static Suite *
nft_suite(void)
{
	Suite	*s = suite_create("nft");
	TCase	*tc = tcase_create("builder");

	tcase_add_test(tc, test_table_create_and_adopt);
	tcase_add_test(tc, test_table_persist);
	tcase_add_test(tc, test_sets);
	tcase_add_test(tc, test_chains);
	tcase_add_test(tc, test_lan_intervals);
	tcase_add_test(tc, test_rules_v4);
	tcase_add_test(tc, test_rules_v6);
	tcase_add_test(tc, test_rules_blockpage);
	tcase_add_test(tc, test_elements);
	tcase_add_test(tc, test_bad_inputs);
	tcase_add_test(tc, test_large_batch);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(nft_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
