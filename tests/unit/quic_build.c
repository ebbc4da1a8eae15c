/*
 * quic_build: test-only builder of client QUIC packets; see quic_build.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <nettle/aes.h>
#include <nettle/gcm.h>

#include "quic.h"
#include "quic_build.h"

#define QB_V2	0x6b3343cfU

static void
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* First byte of a long header: form, fixed bit, type (RFC 9369 3.2
 * rotates the types for v2). */
static uint8_t
first_byte(uint32_t version, enum qb_type type)
{
	unsigned t = (unsigned)type;

	if (version == QB_V2)
		t = (t + 1) & 3;
	return (uint8_t)(0xc0 | t << 4);
}

size_t
qb_varint(uint8_t *out, size_t cap, uint64_t v)
{
	size_t n, i;

	if (v < 0x40)
		n = 1;
	else if (v < 0x4000)
		n = 2;
	else if (v < 0x40000000)
		n = 4;
	else if (v < (1ULL << 62))
		n = 8;
	else
		return 0;
	if (cap < n)
		return 0;
	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	out[0] |= (uint8_t)((n == 1 ? 0 : n == 2 ? 1 : n == 4 ? 2 : 3) << 6);
	return n;
}

size_t
qb_crypto(uint8_t *out, size_t cap, uint64_t off, const uint8_t *data,
    size_t len)
{
	size_t n = 0, m;

	if (cap < 1)
		return 0;
	out[n++] = 0x06;
	if ((m = qb_varint(out + n, cap - n, off)) == 0)
		return 0;
	n += m;
	if ((m = qb_varint(out + n, cap - n, len)) == 0)
		return 0;
	n += m;
	if (cap - n < len)
		return 0;
	memcpy(out + n, data, len);
	return n + len;
}

/* DCID Length, DCID, SCID Length, SCID after the version. */
static size_t
put_cids(uint8_t *out, size_t cap, const uint8_t *dcid, size_t dcid_len,
    const uint8_t *scid, size_t scid_len)
{
	if (dcid_len > 255 || scid_len > 255 || cap < 2 + dcid_len + scid_len)
		return 0;
	out[0] = (uint8_t)dcid_len;
	if (dcid_len > 0)
		memcpy(out + 1, dcid, dcid_len);
	out[1 + dcid_len] = (uint8_t)scid_len;
	if (scid_len > 0)
		memcpy(out + 2 + dcid_len, scid, scid_len);
	return 2 + dcid_len + scid_len;
}

size_t
qb_initial(uint8_t *out, size_t cap, const struct qb_initial *q)
{
	struct quic_keys k;
	struct aes128_ctx hp;
	struct gcm_aes128_ctx gcm;
	uint8_t mask[16], nonce[12];
	size_t n, m, pn_off, plen, i, lenfield;
	const uint8_t *kd = q->key_dcid != NULL ? q->key_dcid : q->dcid;
	size_t kd_len = q->key_dcid != NULL ? q->key_dcid_len : q->dcid_len;
	long length;

	if (q->pn_len < 1 || q->pn_len > 4 ||
	    quic_initial_keys(q->version, kd, kd_len, &k, NULL) == -1)
		return 0;
	if (cap < 5)
		return 0;
	out[0] = (uint8_t)(first_byte(q->version, QB_INITIAL) |
	    (q->reserved & 3) << 2 | (q->pn_len - 1));
	put32(out + 1, q->version);
	n = 5;
	if ((m = put_cids(out + n, cap - n, q->dcid, q->dcid_len, q->scid,
	    q->scid_len)) == 0)
		return 0;
	n += m;
	if ((m = qb_varint(out + n, cap - n, q->token_len)) == 0 ||
	    cap - n - m < q->token_len)
		return 0;
	n += m;
	if (q->token_len > 0)
		memcpy(out + n, q->token, q->token_len);
	n += q->token_len;
	/* Length always in two bytes, as most clients write it. */
	lenfield = n;
	n += 2;
	pn_off = n;
	plen = q->frames_len;
	if (q->pad_to > pn_off + q->pn_len + plen + 16)
		plen = q->pad_to - (pn_off + q->pn_len + 16);
	/* RFC 9001 5.4.2: the sample needs 4 bytes after the PN offset. */
	if (q->pn_len + plen < 4)
		plen = 4 - q->pn_len;
	if (cap < pn_off + q->pn_len + plen + 16)
		return 0;
	length = (long)(q->pn_len + plen + 16) + q->length_delta;
	if (length < 0 || length >= 0x4000)
		return 0;
	put16(out + lenfield, (size_t)length | 0x4000);
	for (i = 0; i < q->pn_len; i++)
		out[pn_off + i] = (uint8_t)(q->pn >> (8 * (q->pn_len - 1 - i)));
	n = pn_off + q->pn_len;
	memcpy(out + n, q->frames, q->frames_len);
	memset(out + n + q->frames_len, 0, plen - q->frames_len);

	/* RFC 9001 5.3: AEAD over the payload, the header as AAD. */
	memcpy(nonce, k.iv, sizeof(nonce));
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(q->pn >> (8 * i));
	gcm_aes128_set_key(&gcm, k.key);
	gcm_aes128_set_iv(&gcm, sizeof(nonce), nonce);
	gcm_aes128_update(&gcm, n, out);
	gcm_aes128_encrypt(&gcm, plen, out + n, out + n);
	gcm_aes128_digest(&gcm, 16, out + n + plen);

	/* RFC 9001 5.4.1: mask 4 bits of the first byte and the PN. */
	aes128_set_encrypt_key(&hp, k.hp);
	aes128_encrypt(&hp, sizeof(mask), mask, out + pn_off + 4);
	out[0] ^= mask[0] & 0x0f;
	for (i = 0; i < q->pn_len; i++)
		out[pn_off + i] ^= mask[1 + i];
	return n + plen + 16;
}

size_t
qb_long(uint8_t *out, size_t cap, uint32_t version, enum qb_type type,
    const uint8_t *dcid, size_t dcid_len, size_t payload_len)
{
	static const uint8_t scid[4] = { 0xc1, 0x1e, 0x47, 0x01 };
	size_t n, m, i;

	if (cap < 5 || payload_len >= 0x4000)
		return 0;
	out[0] = (uint8_t)(first_byte(version, type) | 0x01);
	put32(out + 1, version);
	n = 5;
	if ((m = put_cids(out + n, cap - n, dcid, dcid_len, scid,
	    sizeof(scid))) == 0)
		return 0;
	n += m;
	if (type == QB_INITIAL) {
		if (cap - n < 1)
			return 0;
		out[n++] = 0;	/* empty token */
	}
	if (cap - n < 2 + payload_len)
		return 0;
	put16(out + n, payload_len | 0x4000);
	n += 2;
	for (i = 0; i < payload_len; i++)
		out[n + i] = (uint8_t)(0x5a ^ i);
	return n + payload_len;
}

size_t
qb_retry(uint8_t *out, size_t cap, uint32_t version, const uint8_t *dcid,
    size_t dcid_len, const uint8_t *scid, size_t scid_len,
    const uint8_t *token, size_t token_len)
{
	size_t n, m;

	if (cap < 5)
		return 0;
	out[0] = first_byte(version, QB_RETRY) | 0x0a;	/* unused bits */
	put32(out + 1, version);
	n = 5;
	if ((m = put_cids(out + n, cap - n, dcid, dcid_len, scid,
	    scid_len)) == 0)
		return 0;
	n += m;
	/* RFC 9000 17.2.5: Retry Token, Retry Integrity Tag (128). */
	if (cap - n < token_len + 16)
		return 0;
	memcpy(out + n, token, token_len);
	n += token_len;
	memset(out + n, 0xee, 16);
	return n + 16;
}

size_t
qb_vn(uint8_t *out, size_t cap, const uint8_t *dcid, size_t dcid_len)
{
	static const uint8_t scid[4] = { 0x5e, 0x4e, 0xe4, 0x01 };
	size_t n, m;

	if (cap < 5)
		return 0;
	out[0] = 0x80 | 0x2b;	/* RFC 9000 17.2.1: Unused (7) */
	put32(out + 1, 0);
	n = 5;
	if ((m = put_cids(out + n, cap - n, dcid, dcid_len, scid,
	    sizeof(scid))) == 0)
		return 0;
	n += m;
	if (cap - n < 8)
		return 0;
	put32(out + n, 0x00000001);
	put32(out + n + 4, QB_V2);
	return n + 8;
}

/* Append an extension: type, length, body. */
static size_t
ext(uint8_t *out, size_t cap, size_t n, uint16_t type, const uint8_t *body,
    size_t len)
{
	if (n == 0 || cap - n < 4 + len)
		return 0;
	put16(out + n, type);
	put16(out + n + 2, len);
	if (len > 0)
		memcpy(out + n + 4, body, len);
	return n + 4 + len;
}

static void
fill(uint8_t *p, size_t len, unsigned seed)
{
	uint32_t x = seed * 2654435761U + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

size_t
qb_client_hello(uint8_t *out, size_t cap, const char *sni, int pq,
    unsigned seed)
{
	/* A stack large enough for the extension bodies. */
	uint8_t b[1400];
	size_t n, extstart, namelen, i;
	static const uint8_t suites[] = {
		0x00, 0x06, 0x13, 0x01, 0x13, 0x02, 0x13, 0x03,
	};
	static const uint8_t groups_pq[] = {
		0x00, 0x06, 0x11, 0xec, 0x00, 0x1d, 0x00, 0x17,
	};
	static const uint8_t groups[] = { 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17 };
	static const uint8_t sigalgs[] = {
		0x00, 0x08, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03,
	};
	static const uint8_t alpn[] = { 0x00, 0x03, 0x02, 'h', '3' };
	static const uint8_t versions[] = { 0x02, 0x03, 0x04 };
	static const uint8_t pskmodes[] = { 0x01, 0x01 };
	/* RFC 9000 18.2: initial_max_data, initial_max_streams_bidi,
	 * max_idle_timeout, initial_source_connection_id (empty), and
	 * RFC 9368 3 version_information (v1 chosen; v2, v1 available). */
	static const uint8_t tp[] = {
		0x04, 0x04, 0x80, 0x10, 0x00, 0x00,
		0x08, 0x01, 0x64,
		0x01, 0x02, 0x67, 0x10,
		0x0f, 0x00,
		0x11, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x6b, 0x33, 0x43, 0xcf,
		0x00, 0x00, 0x00, 0x01,
	};
	/* application_settings (ALPS) for h3, compress_certificate
	 * (brotli), as Chrome sends them. */
	static const uint8_t alps[] = { 0x00, 0x03, 0x02, 'h', '3' };
	static const uint8_t compress[] = { 0x02, 0x00, 0x02 };

	if (cap < 4 + 2 + 32 + 1 + sizeof(suites) + 2 + 2)
		return 0;
	out[0] = 1;	/* client_hello */
	n = 4;
	put16(out + n, 0x0303);
	fill(out + n + 2, 32, seed);
	n += 2 + 32;
	out[n++] = 0;	/* RFC 9001 8.4: empty legacy_session_id */
	memcpy(out + n, suites, sizeof(suites));
	n += sizeof(suites);
	out[n++] = 1;	/* legacy_compression_methods: null */
	out[n++] = 0;
	extstart = n;
	n += 2;
	if (sni != NULL) {
		namelen = strlen(sni);
		if (namelen > 255)
			return 0;
		put16(b, namelen + 3);
		b[2] = 0;
		put16(b + 3, namelen);
		memcpy(b + 5, sni, namelen);
		n = ext(out, cap, n, 0x0000, b, namelen + 5);
	}
	n = ext(out, cap, n, 0x000a, pq ? groups_pq : groups,
	    pq ? sizeof(groups_pq) : sizeof(groups));
	n = ext(out, cap, n, 0x000d, sigalgs, sizeof(sigalgs));
	n = ext(out, cap, n, 0x0010, alpn, sizeof(alpn));
	n = ext(out, cap, n, 0x002b, versions, sizeof(versions));
	n = ext(out, cap, n, 0x002d, pskmodes, sizeof(pskmodes));
	/* key_share: X25519MLKEM768 (1216 bytes) when pq, and X25519. */
	i = 2;
	if (pq) {
		put16(b + i, 0x11ec);
		put16(b + i + 2, 1216);
		fill(b + i + 4, 1216, seed + 1);
		i += 4 + 1216;
	}
	put16(b + i, 0x001d);
	put16(b + i + 2, 32);
	fill(b + i + 4, 32, seed + 2);
	i += 4 + 32;
	put16(b, i - 2);
	n = ext(out, cap, n, 0x0033, b, i);
	n = ext(out, cap, n, 0x0039, tp, sizeof(tp));
	n = ext(out, cap, n, 0x4469, alps, sizeof(alps));
	n = ext(out, cap, n, 0x001b, compress, sizeof(compress));
	/* Chrome's PQ hellos come near 1.8 KiB with GREASE and an ECH
	 * GREASE; a GREASE extension (RFC 8701) of filler stands in. */
	if (pq) {
		fill(b, 160, seed + 3);
		n = ext(out, cap, n, 0x3a3a, b, 160);
	}
	if (n == 0)
		return 0;
	put16(out + extstart, n - extstart - 2);
	out[1] = (uint8_t)((n - 4) >> 16);
	put16(out + 2, n - 4);
	return n;
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

size_t
qb_chlo(uint8_t *out, size_t cap, const char *sni, size_t size)
{
	/* Tags in ascending order as little-endian numbers. */
	static const char ver[] = "Q043", uaid[] = "Chrome/70.0.3538.77";
	const char *tag[4] = { "PAD", "SNI", "VER", "UAID" };
	size_t len[4], i, n, sni_len = sni != NULL ? strlen(sni) : 0, end;
	size_t ntags = 4, k = 0;

	len[1] = sni_len;
	len[2] = sizeof(ver) - 1;
	len[3] = sizeof(uaid) - 1;
	n = 8 + 8 * (sni != NULL ? 4 : 3) + len[1] + len[2] + len[3];
	if (size < n || cap < size)
		return 0;
	len[0] = size - n;
	memcpy(out, "CHLO", 4);
	out[4] = (uint8_t)(sni != NULL ? 4 : 3);
	out[5] = out[6] = out[7] = 0;
	end = 0;
	for (i = 0; i < ntags; i++) {
		if (i == 1 && sni == NULL)
			continue;
		end += len[i];
		memcpy(out + 8 + 8 * k, tag[i], 4);	/* "PAD" + NUL */
		put_le32(out + 12 + 8 * k, (uint32_t)end);
		k++;
	}
	n = 8 + 8 * k;
	memset(out + n, '-', len[0]);
	n += len[0];
	if (sni_len > 0)
		memcpy(out + n, sni, sni_len);
	n += sni_len;
	memcpy(out + n, ver, len[2]);
	n += len[2];
	memcpy(out + n, uaid, len[3]);
	return n + len[3];
}

size_t
qb_gquic(uint8_t *out, size_t cap, unsigned num, uint64_t pn, uint64_t off,
    const uint8_t *data, size_t len, size_t pad_to)
{
	static const uint8_t cid[8] = { 0xb2, 0xde, 0x5d, 0xf1, 0x4f, 0x55,
	    0x45, 0xeb };
	uint32_t version = 0x51300000U | (uint32_t)(0x30 + num / 10) << 8 |
	    (0x30 + num % 10);
	int be = num >= 39;
	size_t n = 0, i;

	if (cap < 64 + len || off > 0xffff || len > 0xffff)
		return 0;
	if (num >= 44) {
		/* long header, Initial, 4-byte PN; DCIL 8 (5 + 3) */
		out[n++] = 0xc3;
		put32(out + n, version);
		n += 4;
		out[n++] = 0x50;
		memcpy(out + n, cid, 8);
		n += 8;
		put32(out + n, (uint32_t)pn);
		n += 4;
	} else {
		out[n++] = 0x0d;	/* version, 8-byte CID, 1-byte PN */
		memcpy(out + n, cid, 8);
		n += 8;
		put32(out + n, version);
		n += 4;
		out[n++] = (uint8_t)pn;
	}
	memset(out + n, 0x4b, 12);	/* the FNV-1a hash, not checked */
	n += 12;
	if (num < 34)
		out[n++] = 0x01;	/* private flags */
	/* STREAM: data length present, a 2-byte offset when off > 0,
	 * 1-byte stream ID 1. */
	out[n++] = off > 0 ? 0xa4 : 0xa0;
	out[n++] = 1;
	for (i = 0; i < (off > 0 ? 2U : 0U); i++)
		out[n++] = (uint8_t)(off >> (be ? 8 * (1 - i) : 8 * i));
	out[n++] = (uint8_t)(len >> (be ? 8 : 0));
	out[n++] = (uint8_t)(len >> (be ? 0 : 8));
	memcpy(out + n, data, len);
	n += len;
	if (pad_to > n) {
		if (cap < pad_to)
			return 0;
		memset(out + n, 0, pad_to - n);	/* PADDING */
		n = pad_to;
	}
	return n;
}
