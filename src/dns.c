/*
 * dns: pure parser of DNS messages (RFC 1035) as they cross the gateway.
 *
 * The parser runs once per DNS response on the hot path, so it does as
 * little as it can: names are expanded into flat, lower-cased wire form on
 * the stack (at most 255 bytes each) and compared with memcmp; presentation
 * text is produced only for the question name and the CNAME chain.  An
 * owner name that is a bare compression pointer to a name already expanded
 * (the usual "c0 0c") is recognised without expanding it again.
 *
 * Every name read follows RFC 9267: a pointer must point into the message,
 * past the header and strictly before the start of the label run that
 * holds it, so the targets of one name strictly decrease and no loop is
 * possible; hops, label lengths and the total length are capped as well.
 * The counts in the header are checked against the message length before
 * anything else, so the work is bounded by the length of the input.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns.h"

#define DNS_HDR_LEN	12
#define DNS_QUESTION_MIN 5	/* root name, QTYPE, QCLASS */
#define DNS_RR_MIN	11	/* root name, TYPE, CLASS, TTL, RDLENGTH */
#define DNS_RR_FIXED	10	/* TYPE, CLASS, TTL, RDLENGTH */
/*
 * A name of 255 wire bytes holds at most 127 labels and the root; an
 * encoder never needs more than one pointer per label.
 */
#define DNS_MAX_HOPS	128

#define DNS_OPCODE_QUERY 0
#define DNS_CLASS_IN	1
#define DNS_TYPE_A	1
#define DNS_TYPE_CNAME	5
#define DNS_TYPE_AAAA	28

/* A name in uncompressed wire form, A-Z folded to a-z. */
struct wname {
	uint8_t		b[DNS_NAME_MAX];
	size_t		len;	/* bytes in b, root label included */
	size_t		at;	/* where in the message it was read */
	unsigned int	hops;	/* pointers followed to read it */
};

/* Names already known to belong to the answer: qname, then the chain. */
struct dns_walk {
	const uint8_t	*buf;
	size_t		 len;
	size_t		 an_off;	/* the answer section */
	uint16_t	 ancount;
	size_t		 nknown;	/* the last is the tail */
	struct wname	 known[1 + DNS_MAX_CHAIN];
	struct dns_msg	*msg;
};

#define WALK_CNAME	0x1	/* follow the CNAME chain */
#define WALK_ADDRS	0x2	/* collect A/AAAA of known owners */

/* RFC 4343 3: DNS folds ASCII case only; every other byte maps to itself. */
static const uint8_t dns_fold[256] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
	0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
	0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
	0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
	0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
	0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};

static uint16_t
get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return ntohs(v);
}

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return ntohl(v);
}

/*
 * Read the name at *off.  On DNS_OK *off is past the bytes the name takes
 * in place (up to and including the first pointer) and, when out is not
 * NULL, out holds the expanded name.
 */
static enum dns_result
name_read(const uint8_t *buf, size_t len, size_t *off, struct wname *out)
{
	size_t p = *off, run = *off, next = 0, wlen = 0, target;
	unsigned int hops = 0;
	uint8_t c;
	size_t i;

	for (;;) {
		if (p >= len)
			goto too_short;
		c = buf[p];
		switch (c & 0xc0) {
		case 0x00:
			if (c == 0) {
				wlen++;
				if (out != NULL) {
					out->b[wlen - 1] = 0;
					out->len = wlen;
					out->at = *off;
					out->hops = hops;
				}
				*off = hops ? next : p + 1;
				return DNS_OK;
			}
			if (len - p - 1 < c)
				goto too_short;
			/*
			 * RFC 1035 3.1, RFC 9267 3: at most 255 bytes, length
			 * octets and the root label included; keep one byte
			 * for the root.
			 */
			if (wlen + 1 + c + 1 > DNS_NAME_MAX)
				return DNS_MALFORMED;
			if (out != NULL) {
				out->b[wlen] = c;
				for (i = 1; i <= c; i++)
					out->b[wlen + i] = dns_fold[buf[p + i]];
			}
			wlen += 1 + c;
			p += 1 + c;
			break;
		case 0xc0:
			if (len - p < 2)
				goto too_short;
			target = (size_t)get16(buf + p) & 0x3fff;
			/* RFC 9267 2: the 14-bit offset must lie inside. */
			if (target >= len)
				return DNS_MALFORMED;
			/* RFC 9267 2: never into the 12-byte header. */
			if (target < DNS_HDR_LEN)
				return DNS_MALFORMED;
			/*
			 * RFC 1035 4.1.4, RFC 9267 2: a pointer refers to a
			 * prior occurrence; demand that it point strictly
			 * before the label run it ends, which rules out
			 * self-loops, cycles and forward pointers at once.
			 */
			if (target >= run)
				return DNS_MALFORMED;
			if (++hops > DNS_MAX_HOPS)
				return DNS_MALFORMED;
			if (hops == 1)
				next = p + 2;
			run = p = target;
			break;
		default:
			/*
			 * RFC 1035 4.1.4: 0x80 is reserved; 0x40 was the
			 * extended label type, deprecated by RFC 6891 5.
			 * A length of 64 or more lands here too (RFC 1035
			 * 2.3.4: labels are 63 bytes at most).
			 */
			return DNS_MALFORMED;
		}
	}
too_short:
	return DNS_TRUNCATED;
}

/* Presentation form of a wire name (RFC 1035 5.1), see dns.h. */
static void
name_text(const struct wname *w, struct dns_name *ret)
{
	char *t = ret->text;
	size_t i = 0, n = 0, j;
	uint8_t c, ch;

	while ((c = w->b[i]) != 0) {
		if (n > 0)
			t[n++] = '.';
		for (j = 1; j <= c; j++) {
			ch = w->b[i + j];
			/* After folding no A-Z is left. */
			if ((ch >= 'a' && ch <= 'z') ||
			    (ch >= '0' && ch <= '9') ||
			    ch == '-' || ch == '_') {
				t[n++] = (char)ch;
				continue;
			}
			t[n++] = '\\';
			t[n++] = (char)('0' + ch / 100);
			t[n++] = (char)('0' + ch / 10 % 10);
			t[n++] = (char)('0' + ch % 10);
		}
		i += 1 + c;
	}
	t[n] = '\0';
	ret->len = n;
}

static bool
name_eq(const struct wname *a, const struct wname *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

static int
known_find(const struct dns_walk *w, const struct wname *n)
{
	size_t k;

	for (k = 0; k < w->nknown; k++)
		if (name_eq(&w->known[k], n))
			return (int)k;
	return -1;
}

/*
 * Read an owner name and tell which known name it is (-1 for none).  A
 * bare pointer to where a known name was read is that name, provided the
 * pointer is legal: backwards, and within the hop limit.
 */
static enum dns_result
owner_read(const struct dns_walk *w, size_t *off, struct wname *tmp,
    int *ret_k)
{
	size_t p = *off, target, k;
	enum dns_result rc;

	if (w->len - p >= 2 && (w->buf[p] & 0xc0) == 0xc0) {
		target = (size_t)get16(w->buf + p) & 0x3fff;
		for (k = 0; k < w->nknown; k++) {
			if (w->known[k].at == target && target < p &&
			    w->known[k].hops < DNS_MAX_HOPS) {
				*off = p + 2;
				*ret_k = (int)k;
				return DNS_OK;
			}
		}
	}
	if ((rc = name_read(w->buf, w->len, off, tmp)) != DNS_OK)
		return rc;
	*ret_k = known_find(w, tmp);
	return DNS_OK;
}

/*
 * One pass over the answer section.  Every pass validates the structure;
 * what says whether it extends the chain, collects addresses, or both.
 * *ret_redo is set when an address or CNAME with an owner unknown at the
 * time was met before the chain grew: it may belong to the answer after
 * all, so the records were listed out of order and another pass is due.
 */
static enum dns_result
answers_walk(struct dns_walk *w, int what, bool *ret_redo)
{
	const uint8_t *buf = w->buf;
	size_t len = w->len, p = w->an_off, rd, q;
	struct dns_msg *m = w->msg;
	struct wname owner, *target;
	struct dns_addr *a;
	uint16_t i, type, class, rdlen;
	uint32_t ttl;
	bool miss = false, redo = false;
	enum dns_result rc;
	int k;

	for (i = 0; i < w->ancount; i++) {
		if ((rc = owner_read(w, &p, &owner, &k)) != DNS_OK)
			return rc;
		/* RFC 1035 4.1.3: TYPE, CLASS, TTL, RDLENGTH, RDATA. */
		if (len - p < DNS_RR_FIXED)
			goto too_short;
		type = get16(buf + p);
		class = get16(buf + p + 2);
		ttl = get32(buf + p + 4);
		rdlen = get16(buf + p + 8);
		p += DNS_RR_FIXED;
		/* RFC 9267 5: RDATA must lie inside the message. */
		if (rdlen > len - p)
			return DNS_MALFORMED;
		rd = p;
		p += rdlen;
		if (class != DNS_CLASS_IN)
			continue;
		/* RFC 2181 8: a TTL with the top bit set means zero. */
		if (ttl & 0x80000000U)
			ttl = 0;

		switch (type) {
		case DNS_TYPE_CNAME:
			/* RFC 1035 3.3.1: RDATA is exactly one name. */
			q = rd;
			if (k >= 0 && (size_t)k == w->nknown - 1 &&
			    (what & WALK_CNAME) &&
			    w->nknown < 1 + DNS_MAX_CHAIN) {
				target = &w->known[w->nknown];
				if ((rc = name_read(buf, len, &q, target)) !=
				    DNS_OK)
					return rc;
				if (q != p)
					return DNS_MALFORMED;
				/* A CNAME loop ends the chain. */
				if (known_find(w, target) >= 0)
					break;
				name_text(target, &m->chain[m->nchain++]);
				w->nknown++;
				if (miss)
					redo = true;
				break;
			}
			if ((rc = name_read(buf, len, &q, NULL)) != DNS_OK)
				return rc;
			if (q != p)
				return DNS_MALFORMED;
			if (k < 0)
				miss = true;
			break;
		case DNS_TYPE_A:
		case DNS_TYPE_AAAA:
			/* RFC 1035 3.4.1, RFC 3596 2.2: fixed RDATA sizes. */
			if (rdlen != (type == DNS_TYPE_A ? 4 : 16))
				return DNS_MALFORMED;
			if (k < 0) {
				miss = true;
				break;
			}
			if (!(what & WALK_ADDRS) || m->naddrs >= DNS_MAX_ADDRS)
				break;
			a = &m->addrs[m->naddrs++];
			memset(a, 0, sizeof(*a));
			if (type == DNS_TYPE_A) {
				a->family = AF_INET;
				memcpy(a->bytes, buf + rd, 4);
			} else {
				a->family = AF_INET6;
				memcpy(a->bytes, buf + rd, 16);
			}
			a->ttl = ttl;
			break;
		default:
			break;
		}
	}
	*ret_redo = redo;
	return DNS_OK;
too_short:
	return DNS_TRUNCATED;
}

enum dns_result
dns_parse(const uint8_t *buf, size_t len, struct dns_msg *ret)
{
	struct dns_walk w;
	uint16_t flags, qdcount, nscount, arcount;
	size_t p, need, before;
	enum dns_result rc;
	bool redo;

	/* RFC 1035 4.1.1: the fixed 12-byte header. */
	if (len < DNS_HDR_LEN)
		goto too_short;
	ret->id = get16(buf);
	flags = get16(buf + 2);
	ret->response = (flags & 0x8000) != 0;
	ret->opcode = (flags >> 11) & 0xf;
	ret->tc = (flags & 0x0200) != 0;
	ret->rcode = flags & 0xf;
	qdcount = get16(buf + 4);
	ret->ancount = get16(buf + 6);
	nscount = get16(buf + 8);
	arcount = get16(buf + 10);
	ret->nchain = 0;
	ret->naddrs = 0;
	ret->qtype = ret->qclass = 0;
	ret->qname.text[0] = '\0';
	ret->qname.len = 0;

	if (ret->opcode != DNS_OPCODE_QUERY)
		return DNS_UNSUPPORTED;
	/* RFC 9619: a QUERY carries exactly one question. */
	if (qdcount != 1)
		return DNS_UNSUPPORTED;
	/*
	 * RFC 9267 6: counts the message cannot hold are an attack, not a
	 * truncation; refusing them here bounds every later loop by len.
	 */
	need = DNS_HDR_LEN + (size_t)qdcount * DNS_QUESTION_MIN +
	    ((size_t)ret->ancount + nscount + arcount) * DNS_RR_MIN;
	if (need > len)
		return DNS_MALFORMED;

	/* RFC 1035 4.1.2: QNAME, QTYPE, QCLASS. */
	w.buf = buf;
	w.len = len;
	w.msg = ret;
	w.ancount = ret->ancount;
	p = DNS_HDR_LEN;
	if ((rc = name_read(buf, len, &p, &w.known[0])) != DNS_OK)
		return rc;
	w.nknown = 1;
	if (len - p < 4)
		goto too_short;
	ret->qtype = get16(buf + p);
	ret->qclass = get16(buf + p + 2);
	p += 4;
	w.an_off = p;
	name_text(&w.known[0], &ret->qname);

	/* A query's answer section is not trusted for anything. */
	if (!ret->response)
		return DNS_OK;

	/*
	 * The answer section (RFC 1035 4.1.3).  One pass does it all when
	 * the records are in chain order, as servers write them.  Otherwise
	 * extend the chain until a pass adds nothing (at most DNS_MAX_CHAIN
	 * passes), then collect the addresses afresh.  The authority and
	 * additional sections are not needed and not read.
	 */
	if ((rc = answers_walk(&w, WALK_CNAME | WALK_ADDRS, &redo)) != DNS_OK)
		return rc;
	if (!redo)
		return DNS_OK;
	do {
		before = w.nknown;
		if ((rc = answers_walk(&w, WALK_CNAME, &redo)) != DNS_OK)
			return rc;
	} while (w.nknown != before && w.nknown < 1 + DNS_MAX_CHAIN);
	ret->naddrs = 0;
	return answers_walk(&w, WALK_ADDRS, &redo);
too_short:
	return DNS_TRUNCATED;
}

enum dns_result
dns_tcp_next(const uint8_t *buf, size_t len, size_t *off,
    const uint8_t **ret_msg, size_t *ret_len)
{
	size_t p = *off, n;

	if (p >= len)
		goto too_short;
	/* RFC 1035 4.2.2: a two-byte length field precedes each message. */
	if (len - p < 2)
		goto too_short;
	n = get16(buf + p);
	if (n == 0)
		return DNS_MALFORMED;
	if (n > len - p - 2)
		goto too_short;
	*ret_msg = buf + p + 2;
	*ret_len = n;
	*off = p + 2 + n;
	return DNS_OK;
too_short:
	return DNS_TRUNCATED;
}

const char *
dns_result_str(enum dns_result r)
{
	switch (r) {
	case DNS_OK:
		return "ok";
	case DNS_TRUNCATED:
		return "truncated";
	case DNS_MALFORMED:
		return "malformed";
	case DNS_UNSUPPORTED:
		return "unsupported";
	}
	return "unknown";
}
