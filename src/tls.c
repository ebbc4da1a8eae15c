/*
 * tls: pure parser of the TLS ClientHello (RFC 8446 4.1.2, and the
 * TLS 1.0-1.2 hellos of RFC 5246 7.4.1.2) behind the record layer
 * (RFC 8446 5.1) or from a QUIC CRYPTO stream (RFC 9001 4.1.3).
 *
 * Hostile bytes are walked with a pointer and a remaining length; every
 * length field is checked against the container it sits in before a
 * byte is read.  Results at the edges:
 *
 *  - TLS_NEED_MORE: the bytes given are a prefix of something that can
 *    still become a valid ClientHello: a record or handshake header cut
 *    short, or a message whose declared length runs past the end of the
 *    input.  The hello's body is only parsed once all of it is present,
 *    so a prefix never yields TLS_OK with a partial name.
 *  - TLS_MALFORMED: the message is complete (or a record header is
 *    present) and some field contradicts its container, breaks a MUST of
 *    the RFCs that the common servers (OpenSSL, BoringSSL) also enforce,
 *    or carries a server name that is not a plain DNS host name.
 *  - TLS_NOT_HELLO: the first byte of a record is not handshake (22), the
 *    first record's version is not 3.x, or the first handshake message is
 *    not a ClientHello (1).
 *  - TLS_TOO_BIG: the handshake header declares more than TLS_HELLO_MAX
 *    bytes in all, or the caller's scratch cannot hold the hello.
 *
 * Server names are accepted only when made of the DNS host name
 * characters a-z, 0-9, '-', '.' and '_' (upper case is folded): this is
 * stricter than printable ASCII so that no name carrying '<', '"', '\'',
 * '\\' or a control byte can reach a log line, a JSON event or the block
 * page.  A name longer than TLS_SNI_MAX is TLS_MALFORMED, as OpenSSL and
 * BoringSSL refuse it too (so such a connection cannot succeed).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hostchar.h"
#include "tls.h"

#define TLS_CT_HANDSHAKE	22	/* RFC 8446 5.1 ContentType */
#define TLS_HT_CLIENT_HELLO	1	/* RFC 8446 4 HandshakeType */
#define TLS_RECORD_HDR		5
#define TLS_HS_HDR		4
#define TLS_RECORD_MAX		16384	/* RFC 8446 5.1: 2^14 */
/* OpenSSL's MAX_EMPTY_RECORDS: empty records are skipped up to this. */
#define TLS_EMPTY_RECORDS_MAX	32

#define EXT_SERVER_NAME		0x0000	/* RFC 6066 3 */
#define EXT_ALPN		0x0010	/* RFC 7301 3.1 */
#define EXT_QUIC_PARAMS		0x0039	/* RFC 9001 8.2 */
#define EXT_QUIC_PARAMS_DRAFT	0xffa5	/* draft-ietf-quic-tls-27..32 */
#define EXT_ECH			0xfe0d	/* draft-ietf-tls-esni-18 */

/* Up to this many extensions are checked for duplicates by a scan. */
#define EXT_SCAN_MAX		32

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/*
 * server_name extension body (RFC 6066 3):
 *	struct { NameType name_type; select (name_type) {
 *	    case host_name: HostName; } name; } ServerName;
 *	opaque HostName<1..2^16-1>;
 *	struct { ServerName server_name_list<1..2^16-1> } ServerNameList;
 * The first host_name is taken.  Returns false when malformed.
 */
static bool
parse_sni(const uint8_t *p, size_t rem, struct tls_hello *h)
{
	const uint8_t *name = NULL;
	size_t list, nlen = 0, n, i;
	uint8_t type, c;

	if (rem < 2)
		return false;
	list = get16(p);
	p += 2;
	rem -= 2;
	/* The list fills the extension exactly and is not empty. */
	if (list != rem || list == 0)
		return false;
	while (rem > 0) {
		if (rem < 3)
			return false;
		type = p[0];
		n = get16(p + 1);
		p += 3;
		rem -= 3;
		if (n > rem)
			return false;
		if (type == 0) {
			/* RFC 6066 3: at most one name of each type. */
			if (name != NULL)
				return false;
			name = p;
			nlen = n;
		}
		p += n;
		rem -= n;
	}
	if (name == NULL)
		return true;	/* only name types we do not know */
	/* RFC 6066 3: HostName<1..2^16-1>; longer than a DNS name is
	 * refused by OpenSSL and BoringSSL alike. */
	if (nlen == 0 || nlen > TLS_SNI_MAX)
		return false;
	for (i = 0; i < nlen; i++) {
		if ((c = host_char[name[i]]) == 0)
			return false;
		h->sni[i] = (char)c;
	}
	/* RFC 6066 3: "without a trailing dot"; tolerate one as
	 * clients have sent it, and report the name without it. */
	if (h->sni[nlen - 1] == '.')
		nlen--;
	if (nlen == 0)
		return false;
	h->sni[nlen] = '\0';
	h->sni_len = nlen;
	h->has_sni = true;
	return true;
}

/*
 * ALPN extension body (RFC 7301 3.1):
 *	opaque ProtocolName<1..2^8-1>;
 *	struct { ProtocolName protocol_name_list<2..2^16-1> }
 *	    ProtocolNameList;
 * Names are joined with ';' into h->alpn; a name that does not fit whole
 * ends the text (the list is still checked to its end).  Bytes other than
 * 0x21..0x7e, and ';', '"', '\\' become '?'.
 */
static bool
parse_alpn(const uint8_t *p, size_t rem, struct tls_hello *h)
{
	size_t list, n, i, pos = 0;
	bool full = false;
	uint8_t c;

	if (rem < 2)
		return false;
	list = get16(p);
	p += 2;
	rem -= 2;
	if (list != rem || list < 2)
		return false;
	while (rem > 0) {
		n = p[0];
		p++;
		rem--;
		/* RFC 7301 3.1: empty strings MUST NOT be included. */
		if (n == 0 || n > rem)
			return false;
		if (!full && pos + (pos > 0) + n <= TLS_ALPN_MAX) {
			if (pos > 0)
				h->alpn[pos++] = ';';
			for (i = 0; i < n; i++) {
				c = p[i];
				if (c < 0x21 || c > 0x7e || c == ';' ||
				    c == '"' || c == '\\')
					c = '?';
				h->alpn[pos++] = (char)c;
			}
		} else
			full = true;
		p += n;
		rem -= n;
	}
	h->alpn[pos] = '\0';
	return true;
}

/*
 * RFC 8446 4.2: "There MUST NOT be more than one extension of the same
 * type in a given extension block."  Few extensions are scanned; a
 * hostile hello with thousands of them switches to a bitmap so the work
 * stays linear.
 */
struct ext_seen {
	size_t		n;
	uint16_t	types[EXT_SCAN_MAX];
	uint64_t	bits[65536 / 64];
};

static bool
ext_dup(struct ext_seen *s, uint16_t type)
{
	size_t i;

	if (s->n < EXT_SCAN_MAX) {
		for (i = 0; i < s->n; i++)
			if (s->types[i] == type)
				return true;
		s->types[s->n++] = type;
		return false;
	}
	if (s->n == EXT_SCAN_MAX) {
		memset(s->bits, 0, sizeof(s->bits));
		for (i = 0; i < EXT_SCAN_MAX; i++)
			s->bits[s->types[i] >> 6] |= 1ULL << (s->types[i] & 63);
	}
	s->n++;
	if (s->bits[type >> 6] & 1ULL << (type & 63))
		return true;
	s->bits[type >> 6] |= 1ULL << (type & 63);
	return false;
}

/* The extensions block, whose length has been checked to fill the rest
 * of the hello. */
static enum tls_result
parse_extensions(const uint8_t *p, size_t rem, struct tls_hello *h)
{
	struct ext_seen seen;
	uint16_t type;
	size_t n;

	seen.n = 0;
	while (rem > 0) {
		/* RFC 8446 4.2: uint16 extension_type; opaque
		 * extension_data<0..2^16-1>. */
		if (rem < 4)
			return TLS_MALFORMED;
		type = get16(p);
		n = get16(p + 2);
		p += 4;
		rem -= 4;
		if (n > rem)
			return TLS_MALFORMED;
		if (ext_dup(&seen, type))
			return TLS_MALFORMED;
		switch (type) {
		case EXT_SERVER_NAME:
			if (!parse_sni(p, n, h))
				return TLS_MALFORMED;
			break;
		case EXT_ALPN:
			if (!parse_alpn(p, n, h))
				return TLS_MALFORMED;
			break;
		case EXT_ECH:
			h->has_ech = true;
			break;
		case EXT_QUIC_PARAMS:
		case EXT_QUIC_PARAMS_DRAFT:
			h->has_quic_params = true;
			break;
		default:
			break;
		}
		p += n;
		rem -= n;
	}
	return TLS_OK;
}

/* The ClientHello body, all blen bytes present. */
static enum tls_result
parse_body(const uint8_t *p, size_t rem, struct tls_hello *h)
{
	size_t n;

	/* RFC 8446 4.1.2: ProtocolVersion legacy_version; Random
	 * random (32 bytes); opaque legacy_session_id<0..32>. */
	if (rem < 2 + 32 + 1)
		return TLS_MALFORMED;
	h->legacy_version = get16(p);
	p += 2 + 32;
	rem -= 2 + 32;
	n = p[0];
	p++;
	rem--;
	if (n > 32 || n > rem)
		return TLS_MALFORMED;
	p += n;
	rem -= n;

	/* CipherSuite cipher_suites<2..2^16-2>: whole suites only. */
	if (rem < 2)
		return TLS_MALFORMED;
	n = get16(p);
	p += 2;
	rem -= 2;
	if (n < 2 || (n & 1) != 0 || n > rem)
		return TLS_MALFORMED;
	p += n;
	rem -= n;

	/* opaque legacy_compression_methods<1..2^8-1>. */
	if (rem < 1)
		return TLS_MALFORMED;
	n = p[0];
	p++;
	rem--;
	if (n < 1 || n > rem)
		return TLS_MALFORMED;
	p += n;
	rem -= n;

	/* RFC 5246 7.4.1.2: a hello may end here, without extensions. */
	if (rem == 0)
		return TLS_OK;
	/* Extension extensions<8..2^16-1> (<0..> in RFC 5246) fills the
	 * rest of the message exactly. */
	if (rem < 2)
		return TLS_MALFORMED;
	n = get16(p);
	p += 2;
	rem -= 2;
	if (n != rem)
		return TLS_MALFORMED;
	return parse_extensions(p, rem, h);
}

enum tls_result
tls_parse_hello(const uint8_t *hs, size_t len, struct tls_hello *ret)
{
	struct tls_hello h;
	enum tls_result r;
	size_t blen;

	if (len < 1)
		return TLS_NEED_MORE;
	/* RFC 8446 4: the first message of a client is its ClientHello. */
	if (hs[0] != TLS_HT_CLIENT_HELLO)
		return TLS_NOT_HELLO;
	if (len < TLS_HS_HDR)
		return TLS_NEED_MORE;
	blen = get24(hs + 1);
	if (blen > TLS_HELLO_MAX - TLS_HS_HDR)
		return TLS_TOO_BIG;
	if (len - TLS_HS_HDR < blen)
		return TLS_NEED_MORE;

	h.legacy_version = 0;
	h.has_sni = false;
	h.sni[0] = '\0';
	h.sni_len = 0;
	h.alpn[0] = '\0';
	h.has_ech = false;
	h.has_quic_params = false;
	if ((r = parse_body(hs + TLS_HS_HDR, blen, &h)) != TLS_OK)
		return r;
	*ret = h;
	return TLS_OK;
}

enum tls_result
tls_parse_stream(const uint8_t *buf, size_t len, uint8_t *scratch,
    size_t scratch_len, struct tls_hello *ret)
{
	const uint8_t *frag;
	enum tls_result r;
	size_t off = 0, rlen, flen, have = 0, need = 0, n;
	unsigned int empty = 0;
	bool first = true;

	for (;;) {
		if (off == len)
			return TLS_NEED_MORE;
		/* RFC 8446 5.1: only handshake records may come before
		 * the ClientHello is complete (SSLv2 hellos, 0x80, and
		 * anything else are not for us). */
		if (buf[off] != TLS_CT_HANDSHAKE)
			return TLS_NOT_HELLO;
		/*
		 * RFC 8446 5.1: legacy_record_version "MUST be ignored for
		 * all purposes"; OpenSSL and BoringSSL accept any 3.x
		 * before the version is agreed, so must we.
		 */
		if (len - off >= 2 && buf[off + 1] != 3)
			return first ? TLS_NOT_HELLO : TLS_MALFORMED;
		if (len - off < TLS_RECORD_HDR)
			return TLS_NEED_MORE;
		rlen = get16(buf + off + 3);
		/* RFC 8446 5.1: a TLSPlaintext fragment is at most 2^14. */
		if (rlen > TLS_RECORD_MAX)
			return TLS_MALFORMED;
		off += TLS_RECORD_HDR;
		if (rlen == 0) {
			/* RFC 8446 5.1 forbids empty handshake records,
			 * yet servers skip a few; so do we. */
			if (++empty > TLS_EMPTY_RECORDS_MAX)
				return TLS_MALFORMED;
			continue;
		}
		empty = 0;
		frag = buf + off;
		flen = len - off < rlen ? len - off : rlen;

		/* The common case: the hello starts the first record and
		 * ends in it, parsed where it lies. */
		if (first) {
			first = false;
			r = tls_parse_hello(frag, flen, ret);
			if (r != TLS_NEED_MORE || flen < rlen)
				return r;
		}

		/* A fragmented hello: join fragments in scratch. */
		if (have < TLS_HS_HDR) {
			n = TLS_HS_HDR - have;
			if (n > flen)
				n = flen;
			if (scratch_len < TLS_HS_HDR)
				return TLS_TOO_BIG;
			memcpy(scratch + have, frag, n);
			have += n;
			frag += n;
			flen -= n;
			if (scratch[0] != TLS_HT_CLIENT_HELLO)
				return TLS_NOT_HELLO;
			if (have < TLS_HS_HDR) {
				if (off + rlen > len)
					return TLS_NEED_MORE;
				off += rlen;
				continue;
			}
			need = TLS_HS_HDR + get24(scratch + 1);
			if (need > TLS_HELLO_MAX || need > scratch_len)
				return TLS_TOO_BIG;
		}
		n = need - have;
		if (n > flen)
			n = flen;
		memcpy(scratch + have, frag, n);
		have += n;
		if (have == need)
			return tls_parse_hello(scratch, have, ret);
		if (off + rlen > len)
			return TLS_NEED_MORE;	/* record cut short */
		off += rlen;
	}
}

bool
tls_stream_start(const uint8_t *buf, size_t len)
{
	/* RFC 8446 5.1 record header, then RFC 8446 4 msg_type; the
	 * record's minor version is not checked (see tls_parse_stream). */
	if (len < 1 || buf[0] != TLS_CT_HANDSHAKE)
		return false;
	if (len >= 2 && buf[1] != 3)
		return false;
	if (len >= 6 && buf[5] != TLS_HT_CLIENT_HELLO)
		return false;
	return true;
}

const char *
tls_result_str(enum tls_result r)
{
	switch (r) {
	case TLS_OK:
		return "ok";
	case TLS_NEED_MORE:
		return "need more";
	case TLS_NOT_HELLO:
		return "not a client hello";
	case TLS_MALFORMED:
		return "malformed";
	case TLS_TOO_BIG:
		return "too big";
	}
	return "unknown";
}
