/*
 * tls: pure parser of the TLS ClientHello (RFC 8446 4.1.2), one parser for
 * TCP (behind the record layer) and QUIC (from the CRYPTO stream).
 *
 * Pure: no allocation, no globals, no clock, no logging.
 */
#ifndef SG_TLS_H
#define SG_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_SNI_MAX	255	/* RFC 6066 3: HostName is at most 2^8-1 here */
#define TLS_ALPN_MAX	128	/* protocols joined with ';', truncated */
/* Largest ClientHello we reassemble; larger ones are reported as such. */
#define TLS_HELLO_MAX	16384

enum tls_result {
	TLS_OK = 0,
	TLS_NEED_MORE,		/* valid so far, the message is incomplete */
	TLS_NOT_HELLO,		/* not a TLS handshake / not a ClientHello */
	TLS_MALFORMED,		/* a length or field is inconsistent */
	TLS_TOO_BIG,		/* the ClientHello exceeds TLS_HELLO_MAX */
};

struct tls_hello {
	uint16_t	legacy_version;	/* ClientHello.legacy_version */
	bool		has_sni;
	/* server_name host_name, lower-cased, one trailing dot removed;
	 * only [a-z0-9._-] are accepted (anything else makes the hello
	 * TLS_MALFORMED), so the text is safe in logs, HTML and JSON. */
	char		sni[TLS_SNI_MAX + 1];
	size_t		sni_len;
	char		alpn[TLS_ALPN_MAX + 1];	/* "h2;http/1.1" */
	bool		has_ech;	/* encrypted_client_hello (0xfe0d) */
	bool		has_quic_params; /* quic_transport_parameters (0x39) */
};

/*
 * Parse a handshake message stream that starts with a ClientHello
 * (msg_type 1, uint24 length, body).  len may hold more than the message.
 * TLS_NEED_MORE when the bytes stop before the message's end.
 */
enum tls_result	tls_parse_hello(const uint8_t *hs, size_t len,
		    struct tls_hello *ret);

/*
 * Parse a TCP byte stream from its first byte: TLS records (RFC 8446 5.1)
 * of type handshake, whose fragments are joined into scratch (at least
 * TLS_HELLO_MAX bytes) and given to tls_parse_hello().  A ClientHello may
 * span several records and the caller may pass several TCP segments
 * reassembled.  TLS_NEED_MORE when more stream bytes are needed.
 */
enum tls_result	tls_parse_stream(const uint8_t *buf, size_t len,
		    uint8_t *scratch, size_t scratch_len, struct tls_hello *ret);

/* Cheap first-segment test: could this be the start of a TLS stream
 * carrying a ClientHello (record type 22, version 3.x, and when present
 * handshake type 1)? */
bool		tls_stream_start(const uint8_t *buf, size_t len);

const char	*tls_result_str(enum tls_result);

#endif
