/*
 * mint: leaf certificates for the HTTPS block page, signed by the
 * school's CA (blockpage ca_cert / ca_key), with GnuTLS.
 *
 * One ECDSA P-256 key serves every leaf: it is generated at mint_new,
 * lives in memory only and is never written to disk, so a restart
 * starts with a fresh one.  A leaf is X.509 v3 with a random positive
 * 128-bit serial, subject CN=name (RFC 5280 caps a CN at 64 characters:
 * a longer name gets an empty subject and a critical SAN instead, as
 * RFC 5280 4.2.1.6 requires), SAN dNSName=name, basicConstraints
 * CA:FALSE (critical), keyUsage digitalSignature (critical), extKeyUsage
 * serverAuth, a subject key id, the CA's key id as authority key id and
 * a SHA-256 signature by the CA key.  It is valid from now - 1 h (client
 * clocks run slow) to now + MINT_VALIDITY.
 *
 * Leaves are cached per name in a table of MINT_CACHE_MAX entries and
 * evicted least recently used first, but never within MINT_HOLD seconds
 * of their last use: the pointers handed out go straight to GnuTLS,
 * which keeps them for the handshake and does not free them.  A flood
 * of distinct names is refused (-ENOSPC) rather than freeing a
 * certificate a handshake may still read.
 *
 * For one thread: the caller is the block page's event loop, through
 * libmicrohttpd's MHD_OPTION_HTTPS_CERT_CALLBACK (the
 * gnutls_certificate_retrieve_function2 signature).
 */
#ifndef SG_MINT_H
#define SG_MINT_H

#include <stdint.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>

#define MINT_CACHE_MAX	512		/* names with a certificate in memory */
#define MINT_VALIDITY	(3 * 86400)	/* seconds a leaf is valid */
#define MINT_RENEW	86400		/* re-mint when less than this is left */
/* Seconds an entry is kept after its last use, whatever the cache's
 * size: a TLS handshake in progress may still point at it. */
#define MINT_HOLD	60
#define MINT_NAME_MAX	253		/* RFC 1035 2.3.4, without the root dot */

struct mint;

struct mint_stats {
	uint64_t	minted;		/* leaves signed */
	uint64_t	hits;		/* answered from the cache */
	uint64_t	refused_name;	/* -EINVAL: not a DNS host name */
	uint64_t	full;		/* -ENOSPC: every entry in use */
	uint64_t	errors;		/* -EIO: GnuTLS failed */
};

/*
 * Load the CA certificate and its key (PEM files).  The certificate must
 * be a CA (basicConstraints CA:TRUE) allowed to sign certificates
 * (keyUsage keyCertSign when the extension is present), not expired at
 * now (wall-clock seconds since the epoch), and the key must be its key
 * (the public keys are compared).  Generates the leaf key.  Returns the
 * mint, or NULL with *cause set (malloc'd, "PATH: what is wrong"; the
 * caller frees it) on any error.
 */
struct mint	*mint_new(const char *ca_cert, const char *ca_key, int64_t now,
		    char **cause);
/* Free the mint and every certificate it made.  NULL is fine. */
void		 mint_free(struct mint *);

/*
 * The chain (the leaf, then the CA certificate) and the leaf key for
 * name, minted on first use and cached.  name: a DNS host name (letters,
 * digits, hyphens and dots; labels of 1 to 63 characters, none starting
 * or ending with a hyphen; at least two labels, the last not all digits;
 * at most 253 characters; one trailing dot is ignored; case-insensitive,
 * the cache key is the lowercase name).  Anything else (empty, an IP
 * address literal, '*', '_', control bytes, over-long) is refused.
 * now: wall-clock seconds, not a test clock: browsers check the
 * validity against the real time.
 *
 * Returns 0 and sets *pcerts (an array of *npcerts = 2 gnutls_pcert_st)
 * and *key, all owned by the mint and valid until at least MINT_HOLD
 * seconds after this call (and until mint_free); -EINVAL for a refused
 * name; -ENOSPC when the cache is full of entries used in the last
 * MINT_HOLD seconds; -EIO when GnuTLS fails.  The outputs are untouched
 * on error.  A cached leaf with less than MINT_RENEW seconds of validity
 * left (or not valid yet: the clock went back) is minted again; the old
 * one is freed under the same MINT_HOLD rule.
 */
int		 mint_get(struct mint *, const char *name, int64_t now,
		    gnutls_pcert_st **pcerts, unsigned int *npcerts,
		    gnutls_privkey_t *key);

/* Counters since mint_new, for metrics. */
const struct mint_stats *mint_stats(const struct mint *);

#endif
