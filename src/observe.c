/*
 * observe: per-packet dispatch to the dissectors, reassembly through the
 * flow table, classification, and the observation callback.
 *
 * The common case costs almost nothing: a segment from a server port is
 * dropped on a port test, and a client's segment is hashed only while
 * some TCP flow is under reassembly (then one filter probe).  Flows enter
 * a table only when a ClientHello, DNS message or HTTP head is incomplete
 * in its first segment, or on a QUIC client's first Initial.  Table keys
 * are the direction of the bytes being reassembled (sender first).
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "dns.h"
#include "flow.h"
#include "http.h"
#include "observe.h"
#include "quic.h"
#include "tls.h"

#define DNS_PORT	53
#define HTTPS_PORT	443
/* Client datagrams fed to a QUIC flow without a complete hello before we
 * give up on it: Chrome's hello spans two or three Initials. */
#define QUIC_MAX_DATAGRAMS 16

struct observer {
	const struct catalog	*cat;
	observe_cb		 cb;
	void			*arg;
	observe_cb		 query_cb;	/* or NULL */
	void			*query_arg;
	struct flow_table	*flows;		/* TCP streams */
	struct flow_table	*qflows;	/* QUIC Initials */
	struct flow_table	*queries;
	struct quic_flow	*quic;		/* FLOW_MAX, beside qflows */
	uint64_t		 last_expire_us;
	struct observer_stats	 stats;
	struct dns_msg		 dns;		/* too big for the stack */
	struct tls_hello	 hello;
	struct http_request	 http;
	uint8_t			 scratch[TLS_HELLO_MAX];
};

const char *
obs_proto_str(enum obs_proto p)
{
	switch (p) {
	case OBS_DNS:
		return "dns";
	case OBS_TLS:
		return "tls";
	case OBS_QUIC:
		return "quic";
	case OBS_HTTP:
		return "http";
	}
	return "?";
}

struct observer *
observer_new(const struct catalog *cat, observe_cb cb, void *arg)
{
	struct observer *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	/* TCP and QUIC apart: finished QUIC flows linger (so later
	 * Initials are not decrypted again), while the TCP table is
	 * usually empty, which lets most segments skip the lookup. */
	o->flows = flow_table_new(FLOW_MAX, FLOW_BUF_SIZE);
	o->qflows = flow_table_new(FLOW_MAX, FLOW_BUF_SIZE);
	o->queries = flow_table_new(OBSERVE_QUERY_MAX, DNS_TEXT_MAX);
	o->quic = calloc(FLOW_MAX, sizeof(*o->quic));
	if (o->flows == NULL || o->qflows == NULL || o->queries == NULL ||
	    o->quic == NULL) {
		observer_free(o);
		return NULL;
	}
	o->cat = cat;
	o->cb = cb;
	o->arg = arg;
	return o;
}

void
observer_free(struct observer *o)
{
	if (o == NULL)
		return;
	flow_table_free(o->flows);
	flow_table_free(o->qflows);
	flow_table_free(o->queries);
	free(o->quic);
	free(o);
}

void
observer_set_query_cb(struct observer *o, observe_cb cb, void *arg)
{
	o->query_cb = cb;
	o->query_arg = arg;
}

void
observer_set_catalog(struct observer *o, const struct catalog *cat)
{
	o->cat = cat;
}

const struct observer_stats *
observer_stats(const struct observer *o)
{
	return &o->stats;
}

const struct flow_stats *
observer_flow_stats(const struct observer *o)
{
	return flow_table_stats(o->flows);
}

const struct flow_stats *
observer_query_stats(const struct observer *o)
{
	return flow_table_stats(o->queries);
}

const struct flow_stats *
observer_quic_stats(const struct observer *o)
{
	return flow_table_stats(o->qflows);
}

static const struct platform *
classify(const struct observer *o, const char *name, size_t len)
{
	const char *dot;

	if (o->cat == NULL || len == 0)
		return NULL;
	/* A DNS name's text may be up to four times its wire length (\DDD
	 * escapes, dns.h), beyond what the catalogue looks up.  Catalogue
	 * domains are plain and at most DNS_NAME_MAX long, so only the tail
	 * after a label boundary can match: look that up. */
	if (len > DNS_NAME_MAX) {
		dot = memchr(name + len - DNS_NAME_MAX, '.', DNS_NAME_MAX);
		if (dot == NULL)
			return NULL;
		len -= (size_t)(dot + 1 - name);
		name = dot + 1;
	}
	return catalog_lookup(o->cat, name, len);
}

static void
emit(struct observer *o, struct observation *ob)
{
	if (ob->platform == NULL)
		ob->platform = classify(o, ob->name, ob->name_len);
	ob->category = ob->platform ? ob->platform->category : "";
	if (ob->platform != NULL && ob->platform->cat == CAT_CIRCUMVENTION)
		ob->reason = ob->platform->reason;
	/* DoT and DoQ are told by their port or their ALPN: the name may
	 * be anything. */
	if (ob->alpn_reason != CIRC_NONE || (ob->sport == OBSERVE_DOT_PORT &&
	    (ob->proto == OBS_TLS || ob->proto == OBS_QUIC))) {
		if (ob->alpn_reason != CIRC_NONE)
			ob->reason = ob->alpn_reason;
		else
			ob->reason = ob->proto == OBS_TLS ? CIRC_DOT : CIRC_DOQ;
		if (ob->platform == NULL || ob->platform->cat != CAT_CIRCUMVENTION)
			ob->category = "circumvention";
	}
	o->cb(ob, o->arg);
}

static void
obs_init(struct observation *ob, enum obs_proto proto, const struct pkt *p,
    bool from_client, uint64_t now_us)
{
	memset(ob, 0, sizeof(*ob));
	ob->ts_us = now_us;
	ob->proto = proto;
	ob->dir = p->dir;
	if (from_client) {
		ob->client = p->src;
		ob->cport = p->sport;
		ob->server = p->dst;
		ob->sport = p->dport;
		ob->mac = p->mac_src;
	} else {
		ob->client = p->dst;
		ob->cport = p->dport;
		ob->server = p->src;
		ob->sport = p->sport;
	}
}

/* Remember a UDP query until its answer comes or it times out. */
static void
dns_query(struct observer *o, const struct pkt *p, uint64_t now_us)
{
	struct flow_key k;
	struct flow *f;
	uint64_t h;

	o->stats.dns_queries++;
	flow_key_make(&k, &p->src, p->sport, &p->dst, p->dport, IPPROTO_UDP);
	k.tag = o->dns.id;
	h = flow_hash(&k);
	if ((f = flow_lookup(o->queries, &k, h)) != NULL)
		return;		/* a retransmission: keep the first time */
	f = flow_insert(o->queries, &k, h, FLOW_DNS_QUERY, now_us);
	memcpy(f->buf, o->dns.qname.text, o->dns.qname.len);
	f->contig = (uint32_t)o->dns.qname.len;
	if (o->query_cb != NULL) {
		struct observation ob;

		/* Early word of a lookup: the enforcer can put a device's
		 * denial in place before the answer reaches it. */
		obs_init(&ob, OBS_DNS, p, true, now_us);
		ob.query = true;
		ob.name = o->dns.qname.text;
		ob.name_len = o->dns.qname.len;
		ob.platform = classify(o, ob.name, ob.name_len);
		ob.category = ob.platform ? ob.platform->category : "";
		o->query_cb(&ob, o->query_arg);
	}
}

/* Take the query this answer (UDP) answers, if we saw it. */
static bool
dns_answer_matches(struct observer *o, const struct pkt *p)
{
	struct flow_key k;
	struct flow *f;
	uint64_t h;

	flow_key_make(&k, &p->dst, p->dport, &p->src, p->sport, IPPROTO_UDP);
	k.tag = o->dns.id;
	h = flow_hash(&k);
	if ((f = flow_lookup(o->queries, &k, h)) == NULL)
		return false;
	/* RFC 5452 9.1: the question must match too, not only the ID. */
	if (f->contig != o->dns.qname.len ||
	    memcmp(f->buf, o->dns.qname.text, f->contig) != 0)
		return false;
	flow_remove(o->queries, f);
	return true;
}

/* Report the queries idle longer than timeout_us as unanswered. */
static void
dns_expire(struct observer *o, uint64_t now_us, uint64_t timeout_us)
{
	struct observation ob;
	struct flow *f;

	while ((f = flow_oldest_idle(o->queries, now_us, timeout_us)) != NULL) {
		o->stats.dns_unanswered++;
		memset(&ob, 0, sizeof(ob));
		ob.ts_us = f->last_us;
		ob.proto = OBS_DNS;
		ob.client.family = ob.server.family = f->key.family;
		memcpy(ob.client.bytes, f->key.caddr, sizeof(ob.client.bytes));
		memcpy(ob.server.bytes, f->key.saddr, sizeof(ob.server.bytes));
		ob.cport = f->key.cport;
		ob.sport = f->key.sport;
		ob.name = (const char *)f->buf;
		ob.name_len = f->contig;
		ob.unanswered = true;
		emit(o, &ob);
		flow_remove(o->queries, f);
	}
}

void
observer_flush(struct observer *o)
{
	dns_expire(o, UINT64_MAX, 0);
}

/* A parsed DNS response: classify qname, else the first CNAME on the
 * chain that names a platform (a school's own name may CNAME to one). */
static void
emit_dns(struct observer *o, const struct pkt *p, bool solicited,
    uint64_t now_us)
{
	struct observation ob;
	size_t i;

	o->stats.dns_answers++;
	if (!solicited)
		o->stats.dns_unsolicited++;
	obs_init(&ob, OBS_DNS, p, false, now_us);
	ob.solicited = solicited;
	ob.name = o->dns.qname.text;
	ob.name_len = o->dns.qname.len;
	ob.dns = &o->dns;
	ob.platform = classify(o, ob.name, ob.name_len);
	for (i = 0; ob.platform == NULL && i < o->dns.nchain; i++)
		ob.platform = classify(o, o->dns.chain[i].text,
		    o->dns.chain[i].len);
	emit(o, &ob);
}

/*
 * RFC 9250 7.1 and RFC 7858: an ALPN of "doq" (or a draft's "doq-iNN")
 * or "dot" says the connection carries DNS, whatever the port and name.
 */
static enum circ_reason
alpn_dns_reason(const char *alpn)
{
	const char *p = alpn, *end;
	size_t n;

	while (*p != '\0') {
		end = strchr(p, ';');
		n = end ? (size_t)(end - p) : strlen(p);
		if ((n == 3 && memcmp(p, "doq", 3) == 0) ||
		    (n > 5 && memcmp(p, "doq-i", 5) == 0))
			return CIRC_DOQ;
		if (n == 3 && memcmp(p, "dot", 3) == 0)
			return CIRC_DOT;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return CIRC_NONE;
}

static void
emit_hello(struct observer *o, enum obs_proto proto, const struct pkt *p,
    uint64_t now_us)
{
	struct observation ob;
	enum circ_reason dns = alpn_dns_reason(o->hello.alpn);

	if (proto == OBS_QUIC)
		o->stats.quic_hellos++;
	else
		o->stats.tls_hellos++;
	/* A hello without a name tells nothing, except on the DoT/DoQ
	 * port or with a DNS ALPN, where that is the finding. */
	if (!o->hello.has_sni && p->dport != OBSERVE_DOT_PORT &&
	    dns == CIRC_NONE)
		return;
	obs_init(&ob, proto, p, true, now_us);
	ob.name = o->hello.has_sni ? o->hello.sni : "";
	ob.name_len = o->hello.has_sni ? o->hello.sni_len : 0;
	ob.hello = &o->hello;
	ob.ech = o->hello.has_ech;
	ob.alpn_reason = dns;
	emit(o, &ob);
}

static void
emit_http(struct observer *o, const struct pkt *p, uint64_t now_us)
{
	struct observation ob;

	o->stats.http_requests++;
	obs_init(&ob, OBS_HTTP, p, true, now_us);
	ob.name = o->http.host;
	ob.name_len = o->http.host_len;
	emit(o, &ob);
}

/*
 * TCP DNS: walk the length-prefixed messages in buf.  Returns the offset
 * of an incomplete trailing message, or len when everything was used.
 */
static size_t
dns_tcp_walk(struct observer *o, const struct pkt *p, const uint8_t *buf,
    size_t len, uint64_t now_us)
{
	const uint8_t *msg;
	size_t off = 0, start, mlen;
	enum dns_result r;

	for (;;) {
		start = off;
		r = dns_tcp_next(buf, len, &off, &msg, &mlen);
		if (r == DNS_TRUNCATED)
			return start;
		if (r != DNS_OK) {
			o->stats.dns_bad++;
			return len;
		}
		if (dns_parse(msg, mlen, &o->dns) != DNS_OK)
			o->stats.dns_bad++;
		else if (o->dns.response)
			emit_dns(o, p, true, now_us);	/* TCP: same connection */
		else
			o->stats.dns_queries++;
	}
}

/* Ports only servers send from: HTTP, HTTPS and DNS over TLS/QUIC, and
 * their common alternates. */
static inline bool
from_service_port(uint16_t port)
{
	return port == HTTPS_PORT || port == 80 || port == OBSERVE_DOT_PORT ||
	    port == 8080 || port == 8443;
}

/* Continue a flow under reassembly with this segment. */
static void
tcp_continue(struct observer *o, struct flow *f, const struct pkt *p,
    uint64_t now_us)
{
	enum tls_result tr;
	enum http_result hr;
	uint32_t have;
	size_t used;

	have = flow_tcp_store(o->flows, f, p->seq, p->payload, p->paylen);
	flow_touch(o->flows, f, now_us);
	if (have == 0)
		return;
	switch (f->kind) {
	case FLOW_TLS:
		tr = tls_parse_stream(f->buf, have, o->scratch,
		    sizeof(o->scratch), &o->hello);
		if (tr == TLS_NEED_MORE && have < FLOW_BUF_SIZE)
			return;
		if (tr == TLS_OK)
			emit_hello(o, OBS_TLS, p, now_us);
		else
			o->stats.tls_bad++;
		break;
	case FLOW_DNS_TCP:
		/* Messages before f->consumed were reported already. */
		used = f->consumed + dns_tcp_walk(o, p, f->buf + f->consumed,
		    have - f->consumed, now_us);
		f->consumed = (uint32_t)used;
		if (used < have && have < FLOW_BUF_SIZE)
			return;	/* a message still straddles segments */
		break;
	case FLOW_HTTP:
		hr = http_parse_request(f->buf, have, &o->http);
		if (hr == HTTP_NEED_MORE && have < HTTP_HEAD_MAX)
			return;
		if (hr == HTTP_OK)
			emit_http(o, p, now_us);
		else
			o->stats.http_bad++;
		break;
	default:
		break;
	}
	flow_remove(o->flows, f);
}

/* Start reassembling the bytes p's sender sends, from seq on. */
static void
tcp_start(struct observer *o, const struct pkt *p, enum flow_kind kind,
    uint32_t seq, const uint8_t *data, size_t len, uint64_t now_us)
{
	struct flow_key k;
	struct flow *f;

	flow_key_make(&k, &p->src, p->sport, &p->dst, p->dport, IPPROTO_TCP);
	f = flow_insert(o->flows, &k, flow_hash(&k), kind, now_us);
	f->base_seq = seq;
	flow_tcp_store(o->flows, f, seq, data, len);
}

static void
tcp_packet(struct observer *o, const struct pkt *p, uint64_t now_us)
{
	struct flow_key k;
	struct flow *f;
	uint64_t h;
	enum tls_result tr;
	enum http_result hr;
	size_t used;

	/* Bytes a server sends never hold a ClientHello or a request: the
	 * bulk of a download costs no lookup.  (DNS answers, which do come
	 * from the server, are read below.) */
	if (from_service_port(p->sport))
		return;
	/* Flows under reassembly are few and short-lived: mostly there are
	 * none, and then nothing needs hashing. */
	if (flow_table_count(o->flows) > 0) {
		flow_key_make(&k, &p->src, p->sport, &p->dst, p->dport,
		    IPPROTO_TCP);
		h = flow_hash(&k);
		if ((f = flow_lookup(o->flows, &k, h)) != NULL) {
			tcp_continue(o, f, p, now_us);
			return;
		}
	}
	if (tls_stream_start(p->payload, p->paylen)) {
		tr = tls_parse_stream(p->payload, p->paylen, o->scratch,
		    sizeof(o->scratch), &o->hello);
		if (tr == TLS_OK)
			emit_hello(o, OBS_TLS, p, now_us);
		else if (tr == TLS_NEED_MORE)
			tcp_start(o, p, FLOW_TLS, p->seq, p->payload,
			    p->paylen, now_us);
		else
			o->stats.tls_bad++;
		return;
	}
	if (p->sport == DNS_PORT) {
		used = dns_tcp_walk(o, p, p->payload, p->paylen, now_us);
		if (used < p->paylen)
			tcp_start(o, p, FLOW_DNS_TCP, p->seq + (uint32_t)used,
			    p->payload + used, p->paylen - used, now_us);
		return;
	}
	if (http_request_start(p->payload, p->paylen)) {
		hr = http_parse_request(p->payload, p->paylen, &o->http);
		if (hr == HTTP_OK)
			emit_http(o, p, now_us);
		else if (hr == HTTP_NEED_MORE)
			tcp_start(o, p, FLOW_HTTP, p->seq, p->payload,
			    p->paylen, now_us);
		else
			o->stats.http_bad++;
	}
}

/*
 * QUIC: client Initials are decrypted (RFC 9001 5) until the CRYPTO
 * stream holds the ClientHello; after that, or when the flow gives up,
 * it stays in the table as finished until it idles out, so later
 * Initials of the same connection are neither decrypted nor reported
 * again.
 */
static void
quic_packet(struct observer *o, const struct pkt *p, uint64_t now_us)
{
	struct flow_key k;
	struct quic_flow *q;
	struct flow *f;
	enum quic_result r;
	uint64_t h;

	/* Only client datagrams are read; a server's come from the
	 * service port. */
	if (from_service_port(p->sport))
		return;
	flow_key_make(&k, &p->src, p->sport, &p->dst, p->dport, IPPROTO_UDP);
	h = flow_hash(&k);
	if ((f = flow_lookup(o->qflows, &k, h)) == NULL) {
		if (!quic_initial_start(p->payload, p->paylen))
			return;
		f = flow_insert(o->qflows, &k, h, FLOW_QUIC, now_us);
		q = &o->quic[flow_index(o->qflows, f)];
		quic_flow_init(q, f->buf, FLOW_BUF_SIZE);
		f->opaque = q;
	}
	q = f->opaque;
	flow_touch(o->qflows, f, now_us);
	if (quic_flow_done(q) || f->packets >= QUIC_MAX_DATAGRAMS)
		return;
	f->packets++;
	r = quic_parse_datagram(q, p->payload, p->paylen, &o->hello, NULL);
	if (r == QUIC_OK)
		emit_hello(o, OBS_QUIC, p, now_us);
	else if (quic_flow_done(q))
		o->stats.quic_bad++;
}

static void
udp_packet(struct observer *o, const struct pkt *p, uint64_t now_us)
{
	if (p->sport != DNS_PORT && p->dport != DNS_PORT) {
		quic_packet(o, p, now_us);
		return;
	}
	if (dns_parse(p->payload, p->paylen, &o->dns) != DNS_OK) {
		o->stats.dns_bad++;
		return;
	}
	/* Queries go to port 53 and answers come from it; anything else
	 * (a "response" sent to port 53) is a reflection or a forgery. */
	if (!o->dns.response && p->dport == DNS_PORT)
		dns_query(o, p, now_us);
	else if (o->dns.response && p->sport == DNS_PORT)
		emit_dns(o, p, dns_answer_matches(o, p), now_us);
	else
		o->stats.dns_bad++;
}

void
observer_packet(struct observer *o, const struct pkt *p, uint64_t now_us)
{
	o->stats.packets++;
	if (now_us - o->last_expire_us >= 1000000) {
		flow_expire(o->flows, now_us, FLOW_TIMEOUT_US);
		flow_expire(o->qflows, now_us, FLOW_TIMEOUT_US);
		dns_expire(o, now_us, OBSERVE_QUERY_TIMEOUT_US);
		o->last_expire_us = now_us;
	}
	if (p->paylen == 0)
		return;
	if (p->proto == IPPROTO_TCP)
		tcp_packet(o, p, now_us);
	else if (p->proto == IPPROTO_UDP)
		udp_packet(o, p, now_us);
}

static inline void
frame_in(struct observer *o, int dlt, const uint8_t *frame, size_t caplen,
    uint64_t now_us, uint8_t dir)
{
	struct pkt p;
	enum decode_result r;

	r = decode_frame(dlt, frame, caplen, &p);
	if (r == DECODE_OK) {
		p.dir = dir;
		observer_packet(o, &p, now_us);
	} else {
		o->stats.packets++;
		if (r != DECODE_SKIP)
			o->stats.undecodable++;
	}
}

void
observer_frame_dir(struct observer *o, int dlt, const uint8_t *frame,
    size_t caplen, uint64_t now_us, uint8_t dir)
{
	frame_in(o, dlt, frame, caplen, now_us, dir);
}

void
observer_frame(struct observer *o, int dlt, const uint8_t *frame,
    size_t caplen, uint64_t now_us)
{
	frame_in(o, dlt, frame, caplen, now_us, 0);
}
