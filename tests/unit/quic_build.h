/*
 * quic_build: test-only builder of client QUIC packets and ClientHellos,
 * the inverse of src/quic.c (AEAD seal and header protection with
 * nettle, keys from quic_initial_keys()).  Linked by the unit test, the
 * fuzz seeds and tests/tools/mkquic; never by the daemon.
 *
 * Every function writes into out (cap bytes) and returns the length
 * written, or 0 when it does not fit or an argument is out of range.
 */
#ifndef SG_QUIC_BUILD_H
#define SG_QUIC_BUILD_H

#include <stddef.h>
#include <stdint.h>

/* Long header packet types in v1 numbering; v2 is rotated for you. */
enum qb_type {
	QB_INITIAL = 0,
	QB_0RTT = 1,
	QB_HANDSHAKE = 2,
	QB_RETRY = 3,
};

struct qb_initial {
	uint32_t	 version;
	const uint8_t	*dcid;
	size_t		 dcid_len;
	const uint8_t	*scid;
	size_t		 scid_len;
	const uint8_t	*token;
	size_t		 token_len;
	/* Keys from this DCID instead of dcid (a server-chosen CID, or a
	 * deliberately wrong key); NULL: dcid. */
	const uint8_t	*key_dcid;
	size_t		 key_dcid_len;
	uint64_t	 pn;		/* full packet number */
	size_t		 pn_len;	/* 1..4 bytes sent */
	const uint8_t	*frames;	/* plaintext payload */
	size_t		 frames_len;
	size_t		 pad_to;	/* PADDING up to this packet size */
	int		 length_delta;	/* added to the Length field */
	uint8_t		 reserved;	/* Reserved Bits (normally 0) */
};

size_t	qb_varint(uint8_t *out, size_t cap, uint64_t v);
/* A CRYPTO frame (RFC 9000 19.6) for stream bytes [off, off + len). */
size_t	qb_crypto(uint8_t *out, size_t cap, uint64_t off,
	    const uint8_t *data, size_t len);
/* A sealed, header-protected client Initial. */
size_t	qb_initial(uint8_t *out, size_t cap, const struct qb_initial *);
/* A 0-RTT or Handshake packet with payload_len bytes of filler. */
size_t	qb_long(uint8_t *out, size_t cap, uint32_t version, enum qb_type,
	    const uint8_t *dcid, size_t dcid_len, size_t payload_len);
/* A Retry (RFC 9000 17.2.5) from a server; the tag is filler. */
size_t	qb_retry(uint8_t *out, size_t cap, uint32_t version,
	    const uint8_t *dcid, size_t dcid_len, const uint8_t *scid,
	    size_t scid_len, const uint8_t *token, size_t token_len);
/* A Version Negotiation packet (RFC 9000 17.2.1) offering v1 and v2. */
size_t	qb_vn(uint8_t *out, size_t cap, const uint8_t *dcid,
	    size_t dcid_len);
/*
 * A TLS 1.3 ClientHello handshake message as QUIC clients send it
 * (RFC 9001 8), with sni (NULL: none), ALPN "h3", transport parameters,
 * and with pq set an X25519MLKEM768 key share that makes it about
 * 1.8 KiB, as Chrome's.  Deterministic: seed fills the random fields.
 */
size_t	qb_client_hello(uint8_t *out, size_t cap, const char *sni, int pq,
	    unsigned seed);

/*
 * Google's CHLO message of exactly size bytes (a PAD tag fills it) with
 * tags PAD, SNI (left out when sni is NULL), VER and UAID.
 */
size_t	qb_chlo(uint8_t *out, size_t cap, const char *sni, size_t size);
/*
 * A Google QUIC Q0<num> client packet in clear (num 24..46: a public
 * header before 44, a long header from 44), carrying stream 1 bytes
 * [off, off + len) in one STREAM frame, PADDING up to pad_to.
 */
size_t	qb_gquic(uint8_t *out, size_t cap, unsigned num, uint64_t pn,
	    uint64_t off, const uint8_t *data, size_t len, size_t pad_to);

#endif
