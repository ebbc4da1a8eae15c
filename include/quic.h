/*
 * quic: pure dissector of client QUIC Initial packets (RFC 9000 17.2.2,
 * RFC 9001 5, RFC 9369) that reassembles the CRYPTO stream of a flow and
 * hands the ClientHello to tls_parse_hello().
 *
 * Versions: QUIC v1 and v2, IETF drafts 22 to 34, Facebook mvfst
 * (0xfaceb001, 0xfaceb002, 0xfaceb00e), and Google's: T050/T051 (TLS in
 * IETF-style Initials), Q050 (a CHLO in IETF-style Initials) and Q024 to
 * Q046 (a CHLO in clear).  A CHLO yields only the server name in the
 * struct tls_hello (has_sni, sni, sni_len; the rest zero).
 *
 * Pure: no globals but constant tables, no clock, no logging, no
 * allocation.  The only calls out are to nettle (SHA-256 and HMAC-SHA256
 * for HKDF, AES-128, AES-128-GCM) and to tls_parse_hello().  Each call
 * needs about 14 KiB of stack (one packet and one GCM context).
 */
#ifndef SG_QUIC_H
#define SG_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls.h"

#define QUIC_CID_MAX		20	/* RFC 9000 17.2: v1 CIDs, bytes */
#define QUIC_MIN_DATAGRAM	1200	/* RFC 9000 14.1 */
/* Largest Initial packet decrypted (a jumbo frame); larger: TOO_BIG. */
#define QUIC_PACKET_MAX		9216
/* Key sets kept per flow: the first DCID's and one after a Retry. */
#define QUIC_KEYSETS		2
/* Key derivations per flow; Initials with yet more DCIDs are refused. */
#define QUIC_DERIVE_MAX		4
/* Disjoint byte ranges of the CRYPTO stream held at once. */
#define QUIC_CRYPTO_RANGES	32
/* Reassembly buffer the caller should give: one whole ClientHello. */
#define QUIC_CRYPTO_MAX		TLS_HELLO_MAX

enum quic_result {
	QUIC_OK = 0,		/* ClientHello complete, *ret filled */
	QUIC_NEED_MORE,		/* Initial(s) read, the hello is incomplete */
	QUIC_SKIPPED,		/* QUIC, but no client Initial to read here:
				 * short header, 0-RTT, Handshake, Retry,
				 * Version Negotiation, or a datagram under
				 * QUIC_MIN_DATAGRAM */
	QUIC_NOT_QUIC,		/* not a QUIC long header packet */
	QUIC_UNSUPPORTED_VERSION, /* a version whose Initials we cannot read */
	QUIC_MALFORMED,		/* bad header, frame, or CRYPTO stream */
	QUIC_DECRYPT_FAILED,	/* no key set authenticates the Initial */
	QUIC_TOO_BIG,		/* CRYPTO stream or packet beyond our bounds */
};

/* Initial keys of one client DCID (RFC 9001 5.2).  version 0: unused. */
struct quic_keys {
	uint32_t	version;
	uint8_t		dcid_len;
	uint8_t		dcid[QUIC_CID_MAX];
	uint8_t		key[16];	/* AEAD_AES_128_GCM key */
	uint8_t		iv[12];
	uint8_t		hp[16];		/* AES-128 header protection key */
};

struct quic_range {
	uint16_t	start, end;	/* [start, end) of the CRYPTO stream */
};

/*
 * Per-flow state, caller-allocated, fixed size (312 bytes on LP64); the
 * CRYPTO bytes themselves live in the caller's buffer given to
 * quic_flow_init() (the flow table's stream buffer fits).  Conflicting
 * bytes at an offset already received make the stream QUIC_MALFORMED
 * (RFC 9000 2.2 lets a server close the connection for it, so no hello
 * we would report differs from the one the server reads).
 */
struct quic_flow {
	struct quic_keys	 keys[QUIC_KEYSETS];
	uint8_t			*buf;		/* caller's, buflen bytes */
	size_t			 buflen;
	int64_t			 largest_pn;	/* -1: none authenticated */
	uint32_t		 version;	/* of the stream in buf; 0 none */
	enum quic_result	 final;		/* QUIC_NEED_MORE while open */
	uint8_t			 cur;		/* keys[] that last opened */
	uint8_t			 derived;	/* key derivations so far */
	uint8_t			 nranges;
	struct quic_range	 ranges[QUIC_CRYPTO_RANGES];
};

/*
 * Cheap test for the first datagram of a flow: a long header Initial of
 * a version we read, in a datagram of at least QUIC_MIN_DATAGRAM bytes.
 * No crypto; runs on every UDP/443 packet that starts no known flow.
 */
bool		quic_initial_start(const uint8_t *udp_payload, size_t len);

/*
 * Reset f to an empty flow whose CRYPTO stream is kept in buf (buflen
 * bytes, normally QUIC_CRYPTO_MAX; more is not used).  buf stays the
 * caller's and must live as long as f is used.
 */
void		quic_flow_init(struct quic_flow *f, uint8_t *buf,
		    size_t buflen);

/*
 * Read one client-to-server UDP payload of the flow: every coalesced
 * long header packet (RFC 9000 12.2) is walked, Initials are decrypted
 * and their CRYPTO frames stored.  QUIC_OK when the stream from offset 0
 * holds a complete ClientHello (or CHLO): *ret and *ret_version (may be
 * NULL) are filled; otherwise they are untouched.  After QUIC_OK, or
 * QUIC_TOO_BIG or QUIC_MALFORMED for the stream or an authenticated
 * packet, the flow is finished and returns the same result again (see
 * quic_flow_done()); other results leave it open.  The caller feeds
 * datagrams while it is open, and may give up after a few.
 */
enum quic_result quic_parse_datagram(struct quic_flow *f, const uint8_t *buf,
		    size_t len, struct tls_hello *ret, uint32_t *ret_version);

/* True once quic_parse_datagram() will only repeat its final result. */
bool		quic_flow_done(const struct quic_flow *f);

/*
 * RFC 9001 5.2 (RFC 9369 3.3.1 for v2): the client Initial keys for
 * version and dcid.  ret_secret (32 bytes, may be NULL) receives
 * client_initial_secret.  0, or -1 for an unknown version or a DCID
 * longer than QUIC_CID_MAX (outputs untouched).
 */
int		quic_initial_keys(uint32_t version, const uint8_t *dcid,
		    size_t dcid_len, struct quic_keys *ret,
		    uint8_t *ret_secret);

/* "v1", "v2", "draft-29", "mvfst-27", "T051", "Q046"... NULL: unknown. */
const char	*quic_version_name(uint32_t version);
const char	*quic_result_str(enum quic_result);

#endif
