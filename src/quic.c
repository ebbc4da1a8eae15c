/*
 * quic: dissector of client QUIC Initial packets.
 *
 * A datagram is walked packet by packet along the long headers' Length
 * fields (RFC 9000 12.2).  Each client Initial has its header protection
 * removed and its payload opened with the Initial keys of its version
 * (RFC 9001 5.2, 5.4, RFC 9369 3.3); the frames an Initial may carry are
 * checked (RFC 9000 12.4, 19) and the CRYPTO frames are stored by offset
 * in the caller's buffer.  When the bytes from offset 0 hold a whole
 * handshake message, tls_parse_hello() reads it.
 *
 * Keys.  The Initial keys derive from the DCID of the client's first
 * Initial.  Later Initials may carry another DCID yet keep those keys
 * (the client switched to the server's chosen CID, RFC 9000 7.2), or
 * carry new keys (after a Retry, RFC 9000 17.2.5.2, the DCID is the
 * Retry's SCID and the keys follow it).  So a packet is tried with the
 * keys of its own DCID when they are cached, then with the keys that
 * last opened a packet, and only then are keys derived for its DCID.
 * The AEAD tag decides; a wrong guess costs one AES block and one GCM
 * pass.  Derivations are capped per flow.
 *
 * Reassembly.  CRYPTO frames arrive split, shuffled (Chrome does it on
 * purpose), repeated and overlapping.  Bytes already held are compared
 * with the new copy: a difference makes the flow QUIC_MALFORMED, since a
 * server may close such a connection (RFC 9000 2.2) and either "first
 * wins" or "last wins" would let a sender show us one name and the
 * server another.  A new version (after Version Negotiation) starts a new
 * connection, and a new stream.
 *
 * Google QUIC.  T050/T051 protect their Initials as the IETF drafts do,
 * with their own salts, but number the frames gQUIC's way (CRYPTO is
 * 0x08); Q050 does the same around a CHLO, Google's own hello; Q024 to
 * Q046 send the CHLO in clear on stream 1.  Their server name is read
 * from the CHLO's SNI tag.
 *
 * Pure: constant tables only, no allocation, no clock, no logging.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <nettle/aes.h>
#include <nettle/gcm.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>

#include "quic.h"
#include "tls.h"

#define QUIC_VARINT_MAX		((1ULL << 62) - 1)	/* RFC 9000 16 */
#define QUIC_TAG_LEN		16	/* RFC 9001 5.3: AEAD_AES_128_GCM */
#define QUIC_SAMPLE_LEN		16	/* RFC 9001 5.4.2 */
#define QUIC_SECRET_LEN		32	/* SHA-256 */

/* Long header packet types in v1 numbering (RFC 9000 17.2, Table 5). */
enum {
	LH_INITIAL = 0,
	LH_0RTT = 1,
	LH_HANDSHAKE = 2,
	LH_RETRY = 3,
};

/*
 * The initial salts (RFC 9001 5.2, RFC 9369 3.3.1, the drafts', Google's)
 * as HMAC-SHA256 keys already set (RFC 2104): the SHA-256 state after
 * the block salt ^ ipad (inner), and after salt ^ opad (outer).  So
 * HKDF-Extract starts from them, and spares the two compressions that
 * hmac_sha256_set_key() would spend on each.  tests/unit/check_quic.c
 * checks every version's keys against HKDF run on the salts themselves.
 */
struct quic_salt {
	uint32_t	inner[8];
	uint32_t	outer[8];
};

/* RFC 9001 5.2: initial salt for QUIC v1, also drafts 33 and 34:
 * 38762cf7f55934b34d179ae6a4c80cadccbb7f0a */
static const struct quic_salt salt_v1 = {
	{ 0x2d5eed97, 0x70d71abf, 0x4c9b8799, 0xc4eb86b0,
	    0xe9b16e41, 0xd04322f6, 0xf73a0cb2, 0x9e23a203 },
	{ 0x0d3d813d, 0xcffa6f1f, 0x7dbcb03e, 0x923042dc,
	    0xd15a45f6, 0x55ab0325, 0xf3c23aab, 0x37426939 },
};
/* RFC 9369 3.3.1: initial salt for QUIC v2:
 * 0dede3def700a6db819381be6e269dcbf9bd2ed9 */
static const struct quic_salt salt_v2 = {
	{ 0x9f201982, 0x7e771bd0, 0x601a8795, 0x5d7ab60d,
	    0x2ff30d4b, 0x72201a09, 0x6eaa0d12, 0xca4e4d6b },
	{ 0xbb153200, 0x003bcf3a, 0xf99876d1, 0xf698c9aa,
	    0x804d4d49, 0x7a379cfe, 0xc1eb346e, 0xadaf299f },
};
/* draft-ietf-quic-tls-29 5.2: drafts 29 to 32:
 * afbfec289993d24c9e9786f19c6111e04390a899 */
static const struct quic_salt salt_d29 = {
	{ 0x5a14242c, 0x451b6623, 0x8bda6c0c, 0x56a97e94,
	    0xa7e1ce39, 0x201b10d1, 0x424f7ac4, 0x82ada9c5 },
	{ 0x85562323, 0x55aa3152, 0x4f429776, 0x5f4cbb4a,
	    0x1f3a1465, 0x72c5b0e0, 0x0e00e756, 0x23be8427 },
};
/* draft-ietf-quic-tls-23 5.2: drafts 23 to 28, mvfst 27:
 * c3eef712c72ebb5a11a7d2432bb46365bef9f502 */
static const struct quic_salt salt_d23 = {
	{ 0xc6f38919, 0x78b648b1, 0x4d6df0c2, 0xa6136e04,
	    0xa5ec29ac, 0xc58e0267, 0x8a836edc, 0x3bbfb57c },
	{ 0x4fe93735, 0xbb79fa70, 0xae1fc5ef, 0x0e65e811,
	    0x332ef4d8, 0xc0caa806, 0x56e4a622, 0x30febb0e },
};
/* draft-ietf-quic-tls-22 5.2: draft 22, mvfst 22:
 * 7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a */
static const struct quic_salt salt_d22 = {
	{ 0x6af0afa5, 0x323a04fd, 0x19b7309d, 0xe5a443f6,
	    0x56986063, 0x0e196725, 0x4a0d91bf, 0x0779975e },
	{ 0xfdfe1026, 0x789fe625, 0x04d4d234, 0x60f2c922,
	    0x241f7232, 0x05055544, 0x5f36f07d, 0xa0d39d5d },
};
/* Google T050 (TLS in IETF-style Initials):
 * 7ff579e5acd072915580304c43a2367c60488310 */
static const struct quic_salt salt_t50 = {
	{ 0x5bd05cf9, 0x8df30516, 0x04ccfca0, 0xde954b0a,
	    0x36b84e61, 0xd1a25c91, 0xcdaf8a9c, 0x692b5344 },
	{ 0xd53700df, 0x3172d48b, 0x11a565ac, 0x3bca87fd,
	    0xc35a737e, 0x46f97fea, 0xc92d62e1, 0x20e8f480 },
};
/* Google Q050 (a CHLO in IETF-style Initials):
 * 504574efd066fe2f9d945cfcdbd3a7f0d3b56b45 */
static const struct quic_salt salt_q50 = {
	{ 0xb138867e, 0xc07086cd, 0x79ecab3c, 0x2977b404,
	    0x76c36893, 0x34f7be49, 0x2a4b7896, 0x3fa8f998 },
	{ 0x8081b7fa, 0x34d6a301, 0x4a2d8719, 0xc5137bc9,
	    0xe2a93d6e, 0xd5ef6a31, 0x7037431d, 0xa9fea940 },
};
/* Google T051:
 * 7a4edef4e7ccee5fa4506c19124fc8ccda6e033d */
static const struct quic_salt salt_t51 = {
	{ 0x5e457787, 0x9e624aaa, 0xb1952599, 0x2b0da8c7,
	    0x05298279, 0x6a079935, 0x3c0711b2, 0x44b81437 },
	{ 0x6e069193, 0x4a6c0147, 0xf165a4a5, 0xe60682e7,
	    0xc79f5817, 0xeda51540, 0xb516ce7b, 0xa9da726d },
};

/* How a version's Initials are protected and what they carry. */
enum quic_kind {
	QK_IETF,	/* RFC 9001 protection, RFC 9000 frames, TLS */
	QK_GTLS,	/* Google T05x: same protection, gQUIC frames, TLS */
	QK_GCHLO,	/* Google Q050: same protection, gQUIC frames, CHLO */
	QK_GCLEAR,	/* Google Q024..Q046: a CHLO in clear */
};

struct quic_version {
	uint32_t		 version;
	const struct quic_salt	*salt;
	uint8_t			 kind;	/* enum quic_kind */
	bool			 v2;	/* RFC 9369 labels, long header types */
	const char		*name;
};

/* Sorted by version: version_lookup() searches it by halves. */
static const struct quic_version quic_versions[] = {
	{ 0x00000001, &salt_v1, QK_IETF, false, "v1" },
	{ 0x51303234, NULL, QK_GCLEAR, false, "Q024" },
	{ 0x51303235, NULL, QK_GCLEAR, false, "Q025" },
	{ 0x51303236, NULL, QK_GCLEAR, false, "Q026" },
	{ 0x51303237, NULL, QK_GCLEAR, false, "Q027" },
	{ 0x51303238, NULL, QK_GCLEAR, false, "Q028" },
	{ 0x51303239, NULL, QK_GCLEAR, false, "Q029" },
	{ 0x51303330, NULL, QK_GCLEAR, false, "Q030" },
	{ 0x51303331, NULL, QK_GCLEAR, false, "Q031" },
	{ 0x51303332, NULL, QK_GCLEAR, false, "Q032" },
	{ 0x51303333, NULL, QK_GCLEAR, false, "Q033" },
	{ 0x51303334, NULL, QK_GCLEAR, false, "Q034" },
	{ 0x51303335, NULL, QK_GCLEAR, false, "Q035" },
	{ 0x51303336, NULL, QK_GCLEAR, false, "Q036" },
	{ 0x51303337, NULL, QK_GCLEAR, false, "Q037" },
	{ 0x51303338, NULL, QK_GCLEAR, false, "Q038" },
	{ 0x51303339, NULL, QK_GCLEAR, false, "Q039" },
	{ 0x51303430, NULL, QK_GCLEAR, false, "Q040" },
	{ 0x51303431, NULL, QK_GCLEAR, false, "Q041" },
	{ 0x51303432, NULL, QK_GCLEAR, false, "Q042" },
	{ 0x51303433, NULL, QK_GCLEAR, false, "Q043" },
	{ 0x51303434, NULL, QK_GCLEAR, false, "Q044" },
	{ 0x51303435, NULL, QK_GCLEAR, false, "Q045" },
	{ 0x51303436, NULL, QK_GCLEAR, false, "Q046" },
	{ 0x51303530, &salt_q50, QK_GCHLO, false, "Q050" },
	{ 0x54303530, &salt_t50, QK_GTLS, false, "T050" },
	{ 0x54303531, &salt_t51, QK_GTLS, false, "T051" },
	{ 0x6b3343cf, &salt_v2, QK_IETF, true, "v2" },
	{ 0xfaceb001, &salt_d22, QK_IETF, false, "mvfst-22" },
	{ 0xfaceb002, &salt_d23, QK_IETF, false, "mvfst-27" },
	{ 0xfaceb00e, &salt_d23, QK_IETF, false, "mvfst-exp" },
	{ 0xff000016, &salt_d22, QK_IETF, false, "draft-22" },
	{ 0xff000017, &salt_d23, QK_IETF, false, "draft-23" },
	{ 0xff000018, &salt_d23, QK_IETF, false, "draft-24" },
	{ 0xff000019, &salt_d23, QK_IETF, false, "draft-25" },
	{ 0xff00001a, &salt_d23, QK_IETF, false, "draft-26" },
	{ 0xff00001b, &salt_d23, QK_IETF, false, "draft-27" },
	{ 0xff00001c, &salt_d23, QK_IETF, false, "draft-28" },
	{ 0xff00001d, &salt_d29, QK_IETF, false, "draft-29" },
	{ 0xff00001e, &salt_d29, QK_IETF, false, "draft-30" },
	{ 0xff00001f, &salt_d29, QK_IETF, false, "draft-31" },
	{ 0xff000020, &salt_d29, QK_IETF, false, "draft-32" },
	{ 0xff000021, &salt_v1, QK_IETF, false, "draft-33" },
	{ 0xff000022, &salt_v1, QK_IETF, false, "draft-34" },
};

/* One long header packet of a datagram, fields located, not copied. */
struct quic_hdr {
	const struct quic_version *ver;
	uint32_t	 version;
	unsigned	 type;		/* LH_*, v1 numbering */
	const uint8_t	*dcid;
	size_t		 dcid_len;
	size_t		 pn_off;	/* Packet Number (not Retry) */
	size_t		 pkt_len;	/* bytes of the datagram it spans */
};

static const struct quic_version *gquic_clear_version(const uint8_t *,
		    size_t, uint32_t);

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* RFC 9000 16: the two high bits of the first byte give the length. */
static inline bool
get_varint(const uint8_t **pp, size_t *rem, uint64_t *ret)
{
	const uint8_t *p = *pp;
	size_t n;
	uint64_t v;

	if (*rem < 1)
		return false;
	n = (size_t)1 << (p[0] >> 6);
	if (*rem < n)
		return false;
	switch (n) {
	case 1:
		v = p[0];
		break;
	case 2:
		v = (uint64_t)(p[0] & 0x3f) << 8 | p[1];
		break;
	case 4:
		v = (uint64_t)(get32(p) & 0x3fffffff);
		break;
	default:
		v = (uint64_t)(get32(p) & 0x3fffffff) << 32 | get32(p + 4);
		break;
	}
	*pp = p + n;
	*rem -= n;
	*ret = v;
	return true;
}

static const struct quic_version *
version_lookup(uint32_t version)
{
	size_t lo = 0, hi = sizeof(quic_versions) / sizeof(quic_versions[0]);
	size_t mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (quic_versions[mid].version == version)
			return &quic_versions[mid];
		if (quic_versions[mid].version < version)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *
quic_version_name(uint32_t version)
{
	const struct quic_version *v = version_lookup(version);

	return v != NULL ? v->name : NULL;
}

/*
 * RFC 8446 7.1: HKDF-Expand-Label(Secret, Label, "", Length) with
 *	struct { uint16 length; opaque label<7..255> = "tls13 " + Label;
 *	    opaque context<0..255>; } HkdfLabel;
 * for a Length of at most one SHA-256 output, so HKDF-Expand (RFC 5869
 * 2.3) is the first block alone: T(1) = HMAC(Secret, HkdfLabel | 0x01).
 * h holds the HMAC key Secret; nettle's digest leaves h keyed the same,
 * so one key set-up serves every label expanded from a secret.
 */
static void
expand_label(struct hmac_sha256_ctx *h, const char *label, uint8_t *out,
    size_t out_len)
{
	uint8_t info[2 + 1 + 6 + 32 + 1 + 1];
	size_t llen = strlen(label);

	info[0] = (uint8_t)(out_len >> 8);
	info[1] = (uint8_t)out_len;
	info[2] = (uint8_t)(6 + llen);
	memcpy(info + 3, "tls13 ", 6);
	memcpy(info + 9, label, llen);
	info[9 + llen] = 0;	/* empty context */
	info[10 + llen] = 1;	/* HKDF-Expand's block counter */
	hmac_sha256_update(h, 11 + llen, info);
	hmac_sha256_digest(h, out_len, out);
}

/*
 * RFC 5869 2.2: HKDF-Extract(salt, ikm) = HMAC-SHA256(salt, ikm), from
 * the salt's keyed states.  nettle's SHA-256 context resumes from a
 * state with the count of blocks it holds and an empty buffer.
 */
static void
extract(const struct quic_salt *salt, const uint8_t *ikm, size_t ikm_len,
    uint8_t *out)
{
	struct sha256_ctx c;

	_Static_assert(sizeof(c.state) == sizeof(salt->inner),
	    "a SHA-256 state is eight 32-bit words");
	memcpy(c.state, salt->inner, sizeof(c.state));
	c.count = 1;
	c.index = 0;
	sha256_update(&c, ikm_len, ikm);
	sha256_digest(&c, SHA256_DIGEST_SIZE, out);
	memcpy(c.state, salt->outer, sizeof(c.state));
	c.count = 1;
	c.index = 0;
	sha256_update(&c, SHA256_DIGEST_SIZE, out);
	sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

int
quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
    struct quic_keys *ret, uint8_t *ret_secret)
{
	const struct quic_version *v;
	struct hmac_sha256_ctx h;
	uint8_t initial[QUIC_SECRET_LEN], client[QUIC_SECRET_LEN];
	struct quic_keys k;

	if ((v = version_lookup(version)) == NULL || v->salt == NULL ||
	    dcid_len > QUIC_CID_MAX)
		return -1;
	/* RFC 9001 5.2: initial_secret = HKDF-Extract(initial_salt,
	 * client_dst_connection_id), which is HMAC(salt, dcid) (RFC 5869
	 * 2.2); client_initial_secret = HKDF-Expand-Label(initial_secret,
	 * "client in", "", 32). */
	extract(v->salt, dcid, dcid_len, initial);
	hmac_sha256_set_key(&h, sizeof(initial), initial);
	expand_label(&h, "client in", client, sizeof(client));
	memset(&k, 0, sizeof(k));
	k.version = version;
	k.dcid_len = (uint8_t)dcid_len;
	if (dcid_len > 0)
		memcpy(k.dcid, dcid, dcid_len);
	/* RFC 9001 5.1 (RFC 9369 3.3.2: "quicv2 key", "quicv2 iv",
	 * "quicv2 hp" for v2), all three from the one keyed secret. */
	hmac_sha256_set_key(&h, sizeof(client), client);
	expand_label(&h, v->v2 ? "quicv2 key" : "quic key", k.key,
	    sizeof(k.key));
	expand_label(&h, v->v2 ? "quicv2 iv" : "quic iv", k.iv,
	    sizeof(k.iv));
	expand_label(&h, v->v2 ? "quicv2 hp" : "quic hp", k.hp,
	    sizeof(k.hp));
	*ret = k;
	if (ret_secret != NULL)
		memcpy(ret_secret, client, sizeof(client));
	return 0;
}

/*
 * Locate the fields of the long header packet at the start of buf (len
 * bytes to the datagram's end).  QUIC_OK with h filled; QUIC_SKIPPED
 * for a short header or Version Negotiation (either spans the rest);
 * QUIC_NOT_QUIC; QUIC_UNSUPPORTED_VERSION; QUIC_MALFORMED.
 */
static enum quic_result
quic_header(const uint8_t *buf, size_t len, struct quic_hdr *h)
{
	const uint8_t *p = buf;
	size_t rem = len, scid_len;
	uint64_t v;

	/* RFC 8999 5.1: Header Form 1, Version (32), DCID Length (8),
	 * DCID, SCID Length (8), SCID. */
	if (rem < 1)
		return QUIC_NOT_QUIC;
	/* RFC 9000 17.3.1: a short header has the Fixed Bit set. */
	if ((p[0] & 0x80) == 0)
		return (p[0] & 0x40) != 0 ? QUIC_SKIPPED : QUIC_NOT_QUIC;
	if (rem < 7)
		return QUIC_MALFORMED;
	h->version = get32(p + 1);
	/* RFC 9000 17.2.1: Version Negotiation is never coalesced. */
	if (h->version == 0) {
		h->ver = NULL;
		h->pkt_len = len;
		return QUIC_SKIPPED;
	}
	if ((h->ver = version_lookup(h->version)) == NULL ||
	    h->ver->kind == QK_GCLEAR)
		return QUIC_UNSUPPORTED_VERSION;
	/*
	 * RFC 9000 17.2: the Fixed Bit is not checked, as RFC 9287 lets a
	 * client grease it; the AEAD tag vouches for the header instead.
	 */
	p += 5;
	rem -= 5;
	h->dcid_len = p[0];
	/* RFC 9000 17.2: v1 connection IDs longer than 20 bytes: drop. */
	if (h->dcid_len > QUIC_CID_MAX || rem < 1 + h->dcid_len + 1)
		return QUIC_MALFORMED;
	h->dcid = p + 1;
	p += 1 + h->dcid_len;
	rem -= 1 + h->dcid_len;
	scid_len = p[0];
	if (scid_len > QUIC_CID_MAX || rem < 1 + scid_len)
		return QUIC_MALFORMED;
	p += 1 + scid_len;
	rem -= 1 + scid_len;

	h->type = (buf[0] >> 4) & 3;
	/* RFC 9369 3.2: v2 types: Initial 0b01, 0-RTT 0b10, Handshake
	 * 0b11, Retry 0b00; rotate them into v1 numbering. */
	if (h->ver->v2)
		h->type = (h->type + 3) & 3;
	/* RFC 9000 17.2.5: a Retry has no Length and ends the datagram. */
	if (h->type == LH_RETRY) {
		h->pn_off = 0;
		h->pkt_len = len;
		return QUIC_OK;
	}
	/* RFC 9000 17.2.2: Token Length (i), Token. */
	if (h->type == LH_INITIAL) {
		if (!get_varint(&p, &rem, &v) || v > rem)
			return QUIC_MALFORMED;
		p += v;
		rem -= v;
	}
	/* RFC 9000 17.2: Length (i) of Packet Number and Payload. */
	if (!get_varint(&p, &rem, &v) || v > rem)
		return QUIC_MALFORMED;
	h->pn_off = (size_t)(p - buf);
	h->pkt_len = h->pn_off + (size_t)v;
	return QUIC_OK;
}

bool
quic_initial_start(const uint8_t *buf, size_t len)
{
	struct quic_hdr h;

	/* Google QUIC pads its CHLO to fill the packet. */
	if (gquic_clear_version(buf, len, 0) != NULL)
		return true;
	/* RFC 9000 14.1: a server drops a client Initial in a datagram
	 * shorter than 1200 bytes; so do we. */
	if (len < QUIC_MIN_DATAGRAM)
		return false;
	return quic_header(buf, len, &h) == QUIC_OK && h.type == LH_INITIAL;
}

void
quic_flow_init(struct quic_flow *f, uint8_t *buf, size_t buflen)
{
	memset(f, 0, sizeof(*f));
	f->buf = buf;
	/* ranges[] hold 16-bit offsets; one ClientHello is all we need */
	f->buflen = buflen < QUIC_CRYPTO_MAX ? buflen : QUIC_CRYPTO_MAX;
	f->largest_pn = -1;
	f->final = QUIC_NEED_MORE;
}

bool
quic_flow_done(const struct quic_flow *f)
{
	return f->final != QUIC_NEED_MORE;
}

/* RFC 9000 A.3: the full packet number nearest the next expected. */
static uint64_t
pn_decode(int64_t largest, uint64_t truncated, unsigned nbits)
{
	uint64_t expected = (uint64_t)(largest + 1);
	uint64_t win = 1ULL << nbits, hwin = win / 2, mask = win - 1;
	uint64_t cand = (expected & ~mask) | truncated;

	if (cand + hwin <= expected && cand < (1ULL << 62) - win)
		return cand + win;
	if (cand > expected + hwin && cand >= win)
		return cand - win;
	return cand;
}

/*
 * Remove header protection from the Initial at pkt with keys k and open
 * its payload into scratch (at least h->pkt_len bytes).  True with
 * *ret_pt, *ret_len (the frames) and *ret_pn when the tag verifies.
 */
static bool
quic_open(const struct quic_keys *k, const uint8_t *pkt,
    const struct quic_hdr *h, int64_t largest, uint8_t *scratch,
    const uint8_t **ret_pt, size_t *ret_len, uint64_t *ret_pn)
{
	struct aes128_ctx hp;
	struct gcm_aes128_ctx gcm;
	uint8_t mask[QUIC_SAMPLE_LEN], nonce[12], tag[QUIC_TAG_LEN];
	size_t pn_len, hdr_len, ct_len, i;
	uint64_t truncated = 0, pn;

	/* RFC 9001 5.4.2: the sample starts 4 bytes after the Packet
	 * Number field's start; the caller checked it fits. */
	aes128_set_encrypt_key(&hp, k->hp);
	aes128_encrypt(&hp, QUIC_SAMPLE_LEN, mask, pkt + h->pn_off + 4);
	/* RFC 9001 5.4.1: long headers protect the low 4 bits. */
	scratch[0] = pkt[0] ^ (mask[0] & 0x0f);
	/* RFC 9000 17.2: Reserved Bits are zero once unprotected; with the
	 * wrong keys they are not, 3 times in 4, and we spare the GCM. */
	if ((scratch[0] & 0x0c) != 0)
		return false;
	pn_len = (scratch[0] & 0x03) + 1;
	hdr_len = h->pn_off + pn_len;
	memcpy(scratch + 1, pkt + 1, h->pn_off - 1);
	for (i = 0; i < pn_len; i++) {
		scratch[h->pn_off + i] = pkt[h->pn_off + i] ^ mask[1 + i];
		truncated = truncated << 8 | scratch[h->pn_off + i];
	}
	pn = pn_decode(largest, truncated, (unsigned)(8 * pn_len));

	/* RFC 9001 5.3: nonce = iv XOR packet number (left-padded). */
	memcpy(nonce, k->iv, sizeof(nonce));
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	ct_len = h->pkt_len - hdr_len - QUIC_TAG_LEN;
	gcm_aes128_set_key(&gcm, k->key);
	gcm_aes128_set_iv(&gcm, sizeof(nonce), nonce);
	/* RFC 9001 5.3: the associated data is the unprotected header. */
	gcm_aes128_update(&gcm, hdr_len, scratch);
	gcm_aes128_decrypt(&gcm, ct_len, scratch + hdr_len, pkt + hdr_len);
	gcm_aes128_digest(&gcm, sizeof(tag), tag);
	if (!memeql_sec(tag, pkt + hdr_len + ct_len, sizeof(tag)))
		return false;
	*ret_pt = scratch + hdr_len;
	*ret_len = ct_len;
	*ret_pn = pn;
	return true;
}

/*
 * Store CRYPTO bytes [off, off + len) of the stream.  QUIC_NEED_MORE
 * when stored, QUIC_MALFORMED when they contradict bytes held or break
 * the stream's bound, QUIC_TOO_BIG past the buffer or ranges.
 */
static enum quic_result
crypto_store(struct quic_flow *f, uint64_t off, const uint8_t *data,
    uint64_t len)
{
	struct quic_range *r = f->ranges;
	uint64_t end = off + len, lo, hi;
	size_t i, j, n = f->nranges;

	/* RFC 9000 19.6: offset + length cannot exceed 2^62 - 1. */
	if (end > QUIC_VARINT_MAX)
		return QUIC_MALFORMED;
	if (len == 0)
		return QUIC_NEED_MORE;
	if (end > f->buflen)
		return QUIC_TOO_BIG;
	/* ranges are sorted, disjoint and not adjacent: r[i..j) are those
	 * that overlap or touch [off, end), so the only ones that can
	 * hold bytes of it.  RFC 9000 2.2: data at an offset must not
	 * change when resent. */
	for (i = 0; i < n && r[i].end < off; i++)
		;
	for (j = i; j < n && r[j].start <= end; j++) {
		lo = off > r[j].start ? off : r[j].start;
		hi = end < r[j].end ? end : r[j].end;
		if (lo < hi && memcmp(f->buf + lo, data + (lo - off),
		    (size_t)(hi - lo)) != 0)
			return QUIC_MALFORMED;
	}
	if (i == j && n == QUIC_CRYPTO_RANGES)
		return QUIC_TOO_BIG;
	memcpy(f->buf + off, data, (size_t)len);
	if (i == j) {
		memmove(&r[i + 1], &r[i], (n - i) * sizeof(r[0]));
		r[i].start = (uint16_t)off;
		r[i].end = (uint16_t)end;
		f->nranges++;
		return QUIC_NEED_MORE;
	}
	if (r[i].start > off)
		r[i].start = (uint16_t)off;
	r[i].end = r[j - 1].end > end ? r[j - 1].end : (uint16_t)end;
	memmove(&r[i + 1], &r[j], (n - j) * sizeof(r[0]));
	f->nranges = (uint8_t)(n - (j - i - 1));
	return QUIC_NEED_MORE;
}

static inline uint64_t
load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * The number of zero bytes at the start of p (n bytes long), read 32
 * and then 8 bytes at a time: PADDING fills most of an Initial (RFC
 * 9000 14.1).
 */
static size_t
zero_run(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (n - i >= 32 && (load64(p + i) | load64(p + i + 8) |
	    load64(p + i + 16) | load64(p + i + 24)) == 0)
		i += 32;
	while (n - i >= 8 && load64(p + i) == 0)
		i += 8;
	while (i < n && p[i] == 0)
		i++;
	return i;
}

/*
 * The frames of an opened Initial (RFC 9000 12.4: PADDING, PING, ACK,
 * CRYPTO, CONNECTION_CLOSE are the frames an Initial may carry).
 */
static enum quic_result
quic_frames(struct quic_flow *f, const uint8_t *p, size_t rem)
{
	enum quic_result r;
	uint64_t a, n, off, len;
	size_t pad;
	uint8_t type;

	/* RFC 9000 12.4: a packet carries at least one frame. */
	if (rem == 0)
		return QUIC_MALFORMED;
	while (rem > 0) {
		type = p[0];
		p++;
		rem--;
		switch (type) {
		case 0x00:	/* RFC 9000 19.1: PADDING */
			pad = zero_run(p, rem);
			p += pad;
			rem -= pad;
			break;
		case 0x01:	/* RFC 9000 19.2: PING */
			break;
		case 0x02:	/* RFC 9000 19.3: ACK */
		case 0x03:
			/* Largest Acknowledged, ACK Delay, ACK Range Count,
			 * First ACK Range. */
			if (!get_varint(&p, &rem, &a) ||
			    !get_varint(&p, &rem, &a) ||
			    !get_varint(&p, &rem, &n) ||
			    !get_varint(&p, &rem, &a))
				return QUIC_MALFORMED;
			/* Each ACK Range is a Gap and a Length, a byte or
			 * more each: the count cannot exceed rem / 2. */
			if (n > rem / 2)
				return QUIC_MALFORMED;
			for (; n > 0; n--)
				if (!get_varint(&p, &rem, &a) ||
				    !get_varint(&p, &rem, &a))
					return QUIC_MALFORMED;
			/* RFC 9000 19.3.2: ECT0, ECT1, ECN-CE counts. */
			if (type == 0x03 &&
			    (!get_varint(&p, &rem, &a) ||
			    !get_varint(&p, &rem, &a) ||
			    !get_varint(&p, &rem, &a)))
				return QUIC_MALFORMED;
			break;
		case 0x06:	/* RFC 9000 19.6: CRYPTO */
			if (!get_varint(&p, &rem, &off) ||
			    !get_varint(&p, &rem, &len) || len > rem)
				return QUIC_MALFORMED;
			if ((r = crypto_store(f, off, p, len)) !=
			    QUIC_NEED_MORE)
				return r;
			p += len;
			rem -= len;
			break;
		case 0x1c:	/* RFC 9000 19.19: CONNECTION_CLOSE */
		case 0x1d:
			/* Error Code, Frame Type (0x1c only), Reason
			 * Phrase Length, Reason Phrase. */
			if (!get_varint(&p, &rem, &a) ||
			    (type == 0x1c && !get_varint(&p, &rem, &a)) ||
			    !get_varint(&p, &rem, &len) || len > rem)
				return QUIC_MALFORMED;
			p += len;
			rem -= len;
			break;
		default:
			/*
			 * RFC 9000 17.2.2: no other frame may appear in an
			 * Initial.  Types from 0x40 take two or more bytes
			 * (12.4) and none of them is allowed either.
			 */
			return QUIC_MALFORMED;
		}
	}
	return QUIC_NEED_MORE;
}

/*
 * The frames of an opened Google T05x/Q050 Initial, in gQUIC's own
 * numbering (PADDING 0x00, PING 0x07, CRYPTO 0x08 with varint Offset
 * and Length).  The CRYPTO frames come first; at any other frame (ACK
 * and the rest differ between gQUIC versions) the walk stops.
 */
static enum quic_result
gquic_frames(struct quic_flow *f, const uint8_t *p, size_t rem)
{
	enum quic_result r;
	uint64_t off, len;
	size_t pad;

	while (rem > 0) {
		switch (p[0]) {
		case 0x00:	/* PADDING */
			pad = 1 + zero_run(p + 1, rem - 1);
			p += pad;
			rem -= pad;
			break;
		case 0x07:	/* PING */
			p++;
			rem--;
			break;
		case 0x08:	/* CRYPTO */
			p++;
			rem--;
			if (!get_varint(&p, &rem, &off) ||
			    !get_varint(&p, &rem, &len) || len > rem)
				return QUIC_MALFORMED;
			if ((r = crypto_store(f, off, p, len)) !=
			    QUIC_NEED_MORE)
				return r;
			p += len;
			rem -= len;
			break;
		default:
			return QUIC_NEED_MORE;
		}
	}
	return QUIC_NEED_MORE;
}

static inline uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

/*
 * Google's CHLO (QUIC Crypto, "Handshake message format"): tag "CHLO",
 * uint16 number of entries, 2 bytes of padding, then per entry a tag and
 * the uint32 end offset of its value (little-endian, offsets not
 * decreasing), then the values.  The server name is tag "SNI\0"; it must
 * be a DNS host name (the rules tls.c applies to SNI).
 */
static enum quic_result
chlo_parse(const uint8_t *buf, size_t have, size_t max,
    struct tls_hello *ret)
{
	size_t n, i, idx, end, prev = 0, sni = 0, sni_len = 0;
	uint32_t tag, last = 0;
	bool has_sni = false;
	uint8_t c;

	if (have < 8)
		return QUIC_NEED_MORE;
	if (memcmp(buf, "CHLO", 4) != 0)
		return QUIC_MALFORMED;
	n = (size_t)buf[5] << 8 | buf[4];
	idx = 8 + 8 * n;
	/* Chromium's kMaxEntries is 128. */
	if (n > 128)
		return QUIC_MALFORMED;
	if (idx > max)
		return QUIC_TOO_BIG;
	if (have < idx)
		return QUIC_NEED_MORE;
	for (i = 0; i < n; i++) {
		/* Tags ascend (Chromium refuses them out of order), so a
		 * tag appears once. */
		tag = le32(buf + 8 + 8 * i);
		end = le32(buf + 8 + 8 * i + 4);
		if ((i > 0 && tag <= last) || end < prev)
			return QUIC_MALFORMED;
		if (end > max)
			return QUIC_TOO_BIG;
		last = tag;
		if (memcmp(buf + 8 + 8 * i, "SNI", 4) == 0) {
			has_sni = true;
			sni = idx + prev;
			sni_len = end - prev;
		}
		prev = end;
	}
	if (idx + prev > max)
		return QUIC_TOO_BIG;
	if (have < idx + prev)
		return QUIC_NEED_MORE;
	memset(ret, 0, sizeof(*ret));
	if (!has_sni)
		return QUIC_OK;
	if (sni_len == 0 || sni_len > TLS_SNI_MAX)
		return QUIC_MALFORMED;
	for (i = 0; i < sni_len; i++) {
		c = buf[sni + i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_'))
			return QUIC_MALFORMED;
		ret->sni[i] = (char)c;
	}
	ret->sni[sni_len] = '\0';
	ret->sni_len = sni_len;
	ret->has_sni = true;
	return QUIC_OK;
}

/*
 * Data [off, off + len) of gQUIC's crypto stream (stream 1).  A client
 * sends a CHLO, and after the server's REJ a full CHLO further on the
 * stream (a capture may lack the first); each is padded to fill its
 * packet.  So a frame that holds a whole CHLO is read on its own (and
 * kept at offset 0 of our buffer); other data is reassembled from
 * offset 0.
 */
static enum quic_result
gquic_stream(struct quic_flow *f, const struct quic_version *v,
    uint64_t off, const uint8_t *data, uint64_t len, struct tls_hello *ret,
    uint32_t *ret_version)
{
	struct tls_hello hello;

	if (f->version != v->version) {
		f->version = v->version;
		f->nranges = 0;
	}
	if (len >= 4 && memcmp(data, "CHLO", 4) == 0 && len <= f->buflen &&
	    chlo_parse(data, (size_t)len, (size_t)len, &hello) == QUIC_OK) {
		memcpy(f->buf, data, (size_t)len);
		f->ranges[0].start = 0;
		f->ranges[0].end = (uint16_t)len;
		f->nranges = 1;
		*ret = hello;
		if (ret_version != NULL)
			*ret_version = v->version;
		return QUIC_OK;
	}
	/* Unauthenticated: what does not fit is dropped, not final. */
	(void)crypto_store(f, off, data, len);
	return QUIC_NEED_MORE;
}

/* Read an n-byte unsigned field of gQUIC, big-endian from Q039 on. */
static uint64_t
gquic_uint(const uint8_t *p, size_t n, bool be)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * (be ? n - 1 - i : i));
	return v;
}

/*
 * The version of a Google QUIC packet whose CHLO travels in clear, or
 * NULL: a public header (Q024..Q043: flags, an 8-byte connection ID,
 * the version when the flags say so) or a long header (Q044..Q046).
 * cur is the flow's version so far (0: none).
 */
static const struct quic_version *
gquic_clear_version(const uint8_t *p, size_t len, uint32_t cur)
{
	const struct quic_version *v = NULL;

	/* Public flags: 0x01 version present, 0x08 8-byte connection ID;
	 * 0x40 and 0x80 are zero (so no IETF packet matches).  Later
	 * packets of the flow may leave the version out. */
	if (len >= 13 && (p[0] & 0xc9) == 0x09)
		v = version_lookup(get32(p + 9));
	else if (len >= 5 && (p[0] & 0x80) != 0)
		v = version_lookup(get32(p + 1));
	else if (len >= 1 && (p[0] & 0xc0) == 0 && cur != 0)
		v = version_lookup(cur);
	return v != NULL && v->kind == QK_GCLEAR ? v : NULL;
}

/*
 * A Google QUIC Q024..Q046 packet: header, packet number, the 12-byte
 * hash of the null encryption, a private flags byte before Q034, then
 * frames; the CHLO is sent on stream 1 (STREAM frame types 0x80..0xff:
 * FIN, data length present, 3 bits of offset length, 2 bits of stream ID
 * length).  QUIC_OK when a CHLO is complete; QUIC_NEED_MORE when read;
 * errors are not final since nothing authenticates the packet.
 */
static enum quic_result
gquic_clear(struct quic_flow *f, const struct quic_version *v,
    const uint8_t *p, size_t rem, struct tls_hello *ret,
    uint32_t *ret_version)
{
	enum quic_result r;
	static const size_t pn_lens[4] = { 1, 2, 4, 6 };
	unsigned num = (unsigned)(v->version >> 8 & 0x0f) * 10 +
	    (v->version & 0x0f);
	bool be = num >= 39;
	size_t n, idlen, offlen;
	uint64_t id, off, len;
	uint8_t type;

	if (p[0] & 0x80) {
		/* Q044..Q046: only Initials are in clear; the 0-RTT and
		 * Handshake types are encrypted. */
		if ((p[0] & 0x30) != 0)
			return QUIC_SKIPPED;
		/* DCIL and SCIL nibbles, each 0 or 3 + n. */
		if (rem < 6)
			return QUIC_MALFORMED;
		n = 6 + (p[5] >> 4 ? (p[5] >> 4) + 3U : 0) +
		    (p[5] & 0x0f ? (p[5] & 0x0fU) + 3 : 0) + (p[0] & 3) + 1;
	} else
		n = 1 + (p[0] & 0x08 ? 8 : 0) + (p[0] & 0x01 ? 4 : 0) +
		    pn_lens[p[0] >> 4 & 3];
	n += 12 + (num < 34 ? 1 : 0);
	if (rem < n)
		return QUIC_MALFORMED;
	p += n;
	rem -= n;
	while (rem > 0 && (type = p[0]) != 0x00) {
		if (type == 0x07) {	/* PING */
			p++;
			rem--;
			continue;
		}
		if ((type & 0x80) == 0)
			break;		/* ACK, STOP_WAITING...: stop */
		idlen = (type & 3) + 1U;
		offlen = type >> 2 & 7;
		offlen = offlen != 0 ? offlen + 1 : 0;
		n = 1 + idlen + offlen + (type & 0x20 ? 2 : 0);
		if (rem < n)
			return QUIC_MALFORMED;
		id = gquic_uint(p + 1, idlen, be);
		off = gquic_uint(p + 1 + idlen, offlen, be);
		len = type & 0x20 ? gquic_uint(p + n - 2, 2, be) : rem - n;
		if (len > rem - n)
			return QUIC_MALFORMED;
		p += n;
		rem -= n;
		if (id == 1 && (r = gquic_stream(f, v, off, p, len, ret,
		    ret_version)) != QUIC_NEED_MORE)
			return r;
		p += len;
		rem -= len;
	}
	return QUIC_NEED_MORE;
}

_Static_assert(QUIC_KEYSETS == 2, "quic_initial() picks between two slots");

/* The slot whose keys serve this header's version and DCID, or NULL. */
static struct quic_keys *
keys_find(struct quic_flow *f, const struct quic_hdr *h)
{
	size_t i;

	for (i = 0; i < QUIC_KEYSETS; i++)
		if (f->keys[i].version == h->version &&
		    f->keys[i].dcid_len == h->dcid_len &&
		    memcmp(f->keys[i].dcid, h->dcid, h->dcid_len) == 0)
			return &f->keys[i];
	return NULL;
}

/*
 * One client Initial packet at pkt, located by h.  QUIC_NEED_MORE when
 * opened and its frames stored; a sticky failure is also recorded in
 * f->final.
 */
static enum quic_result
quic_initial(struct quic_flow *f, const uint8_t *pkt,
    const struct quic_hdr *h)
{
	uint8_t scratch[QUIC_PACKET_MAX];
	struct quic_keys *k, *cur = &f->keys[f->cur], *opened = NULL;
	const uint8_t *pt = NULL;
	size_t pt_len = 0, slot;
	int64_t largest;
	uint64_t pn = 0;
	enum quic_result r;

	/* RFC 9001 5.4.2: room for a 4-byte Packet Number and the sample
	 * (which also covers the AEAD tag). */
	if (h->pkt_len < h->pn_off + 4 + QUIC_SAMPLE_LEN)
		return QUIC_MALFORMED;
	if (h->pkt_len > sizeof(scratch))
		return QUIC_TOO_BIG;
	/* RFC 9000 12.3: packet numbers of another version belong to
	 * another connection. */
	largest = f->version == h->version ? f->largest_pn : -1;

	/* The keys of this DCID, then those that opened the last packet
	 * (RFC 9000 7.2: a new DCID without a Retry keeps the keys). */
	if ((k = keys_find(f, h)) != NULL &&
	    quic_open(k, pkt, h, largest, scratch, &pt, &pt_len, &pn))
		opened = k;
	else if (cur != k && cur->version == h->version &&
	    quic_open(cur, pkt, h, largest, scratch, &pt, &pt_len, &pn))
		opened = cur;
	else if (k == NULL && f->derived < QUIC_DERIVE_MAX) {
		/* RFC 9001 5.2: keys from this DCID (RFC 9000 17.2.5.2:
		 * after a Retry the client's DCID is the Retry's SCID).
		 * An empty slot is used, else the one not in use. */
		if (f->keys[0].version == 0)
			slot = 0;
		else if (f->keys[1].version == 0)
			slot = 1;
		else
			slot = f->cur == 0 ? 1 : 0;
		f->derived++;
		k = &f->keys[slot];
		if (quic_initial_keys(h->version, h->dcid, h->dcid_len, k,
		    NULL) == 0 &&
		    quic_open(k, pkt, h, largest, scratch, &pt, &pt_len, &pn))
			opened = k;
	}
	if (opened == NULL)
		return QUIC_DECRYPT_FAILED;
	f->cur = (uint8_t)(opened - f->keys);
	if (f->version != h->version) {
		/* RFC 9000 6.2: after Version Negotiation the client starts
		 * a new connection, and a new CRYPTO stream. */
		f->version = h->version;
		f->nranges = 0;
		f->largest_pn = -1;
	}
	if ((int64_t)pn > f->largest_pn)
		f->largest_pn = (int64_t)pn;
	r = h->ver->kind == QK_IETF ? quic_frames(f, pt, pt_len) :
	    gquic_frames(f, pt, pt_len);
	if (r != QUIC_NEED_MORE)
		f->final = r;
	return r;
}

/*
 * Is the stream from offset 0 a complete ClientHello?  QUIC_OK with
 * *ret filled, QUIC_NEED_MORE, or a final QUIC_MALFORMED/QUIC_TOO_BIG.
 */
static enum quic_result
quic_hello(const struct quic_flow *f, struct tls_hello *ret,
    uint32_t *ret_version)
{
	const struct quic_version *v = version_lookup(f->version);
	struct tls_hello hello;
	enum quic_result r;
	size_t have, need;

	if (f->nranges == 0 || f->ranges[0].start != 0)
		return QUIC_NEED_MORE;
	have = f->ranges[0].end;
	if (v != NULL && (v->kind == QK_GCHLO || v->kind == QK_GCLEAR)) {
		if ((r = chlo_parse(f->buf, have, f->buflen, &hello)) ==
		    QUIC_OK) {
			*ret = hello;
			if (ret_version != NULL)
				*ret_version = f->version;
		}
		return r;
	}
	if (have < 4)
		return QUIC_NEED_MORE;
	/* RFC 9001 4.1.3: the client's Initial CRYPTO stream starts with
	 * the ClientHello (RFC 8446 4: msg_type 1, uint24 length). */
	if (f->buf[0] != 1)
		return QUIC_MALFORMED;
	need = 4 + ((size_t)f->buf[1] << 16 | (size_t)f->buf[2] << 8 |
	    f->buf[3]);
	if (need > f->buflen)
		return QUIC_TOO_BIG;
	if (have < need)
		return QUIC_NEED_MORE;
	switch (tls_parse_hello(f->buf, need, &hello)) {
	case TLS_OK:
		*ret = hello;
		if (ret_version != NULL)
			*ret_version = f->version;
		return QUIC_OK;
	case TLS_TOO_BIG:
		return QUIC_TOO_BIG;
	default:
		return QUIC_MALFORMED;
	}
}

/* Which of two outcomes of packets in one datagram the caller sees. */
static int
result_rank(enum quic_result r)
{
	switch (r) {
	case QUIC_NOT_QUIC:
		return 0;
	case QUIC_SKIPPED:
		return 1;
	case QUIC_UNSUPPORTED_VERSION:
		return 2;
	case QUIC_MALFORMED:
		return 3;
	case QUIC_TOO_BIG:
		return 4;
	case QUIC_DECRYPT_FAILED:
		return 5;
	case QUIC_NEED_MORE:
		return 6;
	case QUIC_OK:
		return 7;
	}
	return 0;
}

enum quic_result
quic_parse_datagram(struct quic_flow *f, const uint8_t *buf, size_t len,
    struct tls_hello *ret, uint32_t *ret_version)
{
	const struct quic_version *v;
	struct quic_hdr h;
	const uint8_t *dcid = NULL;
	size_t dcid_len = 0, off = 0;
	enum quic_result res = QUIC_NOT_QUIC, r;

	if (f->final == QUIC_OK)
		return quic_hello(f, ret, ret_version);
	if (f->final != QUIC_NEED_MORE)
		return f->final;
	/* Google QUIC with a CHLO in clear: one packet per datagram. */
	if ((v = gquic_clear_version(buf, len, f->version)) != NULL) {
		/* Only the stream's verdict is final, not a bad packet. */
		r = gquic_clear(f, v, buf, len, ret, ret_version);
		if (r == QUIC_NEED_MORE) {
			if ((r = quic_hello(f, ret, ret_version)) !=
			    QUIC_NEED_MORE)
				f->final = r;
		} else if (r == QUIC_OK)
			f->final = r;
		return r;
	}
	while (off < len) {
		r = quic_header(buf + off, len - off, &h);
		if (r != QUIC_OK) {
			/* Nothing more to walk: a short header packet runs
			 * to the datagram's end (RFC 9000 17.3), so do
			 * Version Negotiation and padding; an unknown
			 * version's Length cannot be found. */
			if (result_rank(r) > result_rank(res))
				res = r;
			break;
		}
		/* RFC 9000 12.2: later packets with another DCID than the
		 * first one's are ignored. */
		if (dcid == NULL) {
			dcid = h.dcid;
			dcid_len = h.dcid_len;
		} else if (h.dcid_len != dcid_len ||
		    memcmp(h.dcid, dcid, dcid_len) != 0)
			break;
		/* RFC 9000 14.1: servers drop client Initials in datagrams
		 * under 1200 bytes. */
		if (h.type != LH_INITIAL || len < QUIC_MIN_DATAGRAM)
			r = QUIC_SKIPPED;
		else if ((r = quic_initial(f, buf + off, &h)) ==
		    QUIC_NEED_MORE) {
			r = quic_hello(f, ret, ret_version);
			if (r != QUIC_NEED_MORE)
				f->final = r;
		}
		if (f->final != QUIC_NEED_MORE)
			return f->final;
		if (result_rank(r) > result_rank(res))
			res = r;
		/* A Retry's pkt_len runs to the datagram's end too. */
		off += h.pkt_len;
	}
	return res;
}

const char *
quic_result_str(enum quic_result r)
{
	switch (r) {
	case QUIC_OK:
		return "ok";
	case QUIC_NEED_MORE:
		return "need more";
	case QUIC_SKIPPED:
		return "skipped";
	case QUIC_NOT_QUIC:
		return "not quic";
	case QUIC_UNSUPPORTED_VERSION:
		return "unsupported version";
	case QUIC_MALFORMED:
		return "malformed";
	case QUIC_DECRYPT_FAILED:
		return "decrypt failed";
	case QUIC_TOO_BIG:
		return "too big";
	}
	return "unknown";
}
