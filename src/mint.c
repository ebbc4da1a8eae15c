/*
 * mint: leaf certificates signed by the school's CA (see mint.h).
 *
 * The cache is one array of MINT_CACHE_MAX entries searched linearly:
 * 512 string compares per TLS handshake cost far less than the
 * handshake's own signature, and an array needs no rehashing.  An entry
 * is free, live (the name's current leaf) or retired (a leaf replaced by
 * a renewal while a handshake may still hold it).  Retired entries stay
 * in their slot until MINT_HOLD seconds after their last use, and are
 * the first to go when a slot is needed.
 *
 * Every chain's second element is a copy of the mint's one CA pcert:
 * GnuTLS only reads what a gnutls_certificate_retrieve_function2
 * callback returns, so the copies share the CA's DER and public key,
 * which mint_free alone releases.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <gnutls/x509-ext.h>

#include "cause.h"
#include "mint.h"

#define MINT_BACKDATE	3600		/* notBefore = now - this: slow clocks */
#define MINT_FILE_MAX	(1024 * 1024)	/* a PEM file larger than this is not ours */
#define MINT_CN_MAX	64		/* RFC 5280 A.1: ub-common-name */
#define MINT_ID_MAX	64		/* key identifiers (SHA-1: 20 bytes) */
#define MINT_PROBE	"mint.invalid"	/* RFC 6761 6.4: never a real name */

enum slot {
	SLOT_FREE = 0,
	SLOT_LIVE,
	SLOT_RETIRED,
};

struct entry {
	char		 name[MINT_NAME_MAX + 1];	/* lowercase */
	enum slot	 state;
	int64_t		 not_before;
	int64_t		 not_after;
	int64_t		 used;		/* last handed out */
	gnutls_pcert_st	 chain[2];	/* the leaf, a copy of ca_pcert */
};

struct mint {
	gnutls_x509_crt_t	 ca;
	gnutls_privkey_t	 ca_key;
	gnutls_pcert_st		 ca_pcert;
	unsigned char		 ca_id[MINT_ID_MAX];	/* authority key id */
	size_t			 ca_id_len;
	gnutls_privkey_t	 key;			/* every leaf's */
	gnutls_pubkey_t		 pub;
	unsigned char		 key_id[MINT_ID_MAX];	/* subject key id */
	size_t			 key_id_len;
	struct mint_stats	 stats;
	struct entry		 v[MINT_CACHE_MAX];
};

/*
 * Read a whole file into d (malloc'd).  The CA key passes through here:
 * the buffer is wiped before it is freed (see unload).
 */
static int
load(const char *path, gnutls_datum_t *d, char **cause)
{
	struct stat st;
	ssize_t n;
	size_t off = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		cause_set(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		cause_set(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		cause_set(cause, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_size == 0 || st.st_size > MINT_FILE_MAX) {
		cause_set(cause, "%s: %s", path, st.st_size == 0 ?
		    "empty file" : "too large for a PEM file");
		goto fail;
	}
	if ((d->data = malloc((size_t)st.st_size)) == NULL) {
		cause_set(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	d->size = (unsigned int)st.st_size;
	while (off < d->size) {
		n = read(fd, d->data + off, d->size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			cause_set(cause, "%s: %s", path, n == 0 ?
			    "file shrank while read" : strerror(errno));
			free(d->data);
			d->data = NULL;
			goto fail;
		}
		off += (size_t)n;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

static void
unload(gnutls_datum_t *d)
{
	if (d->data != NULL)
		explicit_bzero(d->data, d->size);
	free(d->data);
	d->data = NULL;
	d->size = 0;
}

/* The SubjectPublicKeyInfo of a and b are the same DER. */
static int
same_key(gnutls_pubkey_t a, gnutls_pubkey_t b)
{
	gnutls_datum_t da = { NULL, 0 }, db = { NULL, 0 };
	int r;

	if ((r = gnutls_pubkey_export2(a, GNUTLS_X509_FMT_DER, &da)) < 0 ||
	    (r = gnutls_pubkey_export2(b, GNUTLS_X509_FMT_DER, &db)) < 0)
		goto out;
	r = da.size == db.size && memcmp(da.data, db.data, da.size) == 0;
out:
	gnutls_free(da.data);
	gnutls_free(db.data);
	return r;
}

/*
 * Sign a leaf for name (valid, lowercase) into *ret.  Returns 0 or a
 * GnuTLS error code.  name is not const: GnuTLS takes it in a datum.
 */
static int
mint_leaf(const struct mint *m, char *name, int64_t now,
    gnutls_pcert_st *ret)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_subject_alt_names_t san = NULL;
	gnutls_datum_t dn, der = { NULL, 0 };
	unsigned char serial[16];
	size_t len = strlen(name);
	bool cn = len <= MINT_CN_MAX;
	int r;

	dn.data = (unsigned char *)name;
	dn.size = (unsigned int)len;
	/*
	 * RFC 5280 4.1.2.2: a positive integer.  The top bit is cleared
	 * (positive) and the next one set, so that the DER INTEGER is
	 * always 16 bytes with no leading zero: 126 random bits, where the
	 * CA/Browser Forum asks for 64.
	 */
	if ((r = gnutls_rnd(GNUTLS_RND_RANDOM, serial, sizeof(serial))) < 0)
		return r;
	serial[0] = (serial[0] & 0x7f) | 0x40;

	if ((r = gnutls_x509_crt_init(&crt)) < 0)
		return r;
	if ((r = gnutls_subject_alt_names_init(&san)) < 0)
		goto out;
	if ((r = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (r = gnutls_x509_crt_set_serial(crt, serial,
	    sizeof(serial))) < 0 ||
	    (r = gnutls_x509_crt_set_activation_time(crt,
	    (time_t)(now - MINT_BACKDATE))) < 0 ||
	    (r = gnutls_x509_crt_set_expiration_time(crt,
	    (time_t)(now + MINT_VALIDITY))) < 0 ||
	    (r = gnutls_x509_crt_set_pubkey(crt, m->pub)) < 0)
		goto out;
	/* A name too long for a CN leaves the subject empty; the SAN must
	 * then be critical (RFC 5280 4.2.1.6). */
	if (cn && (r = gnutls_x509_crt_set_dn_by_oid(crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, name, (unsigned int)len)) < 0)
		goto out;
	if ((r = gnutls_subject_alt_names_set(san, GNUTLS_SAN_DNSNAME, &dn,
	    NULL)) < 0 ||
	    (r = gnutls_x509_ext_export_subject_alt_names(san, &der)) < 0 ||
	    (r = gnutls_x509_crt_set_extension_by_oid(crt,
	    GNUTLS_X509EXT_OID_SAN, der.data, der.size, !cn)) < 0)
		goto out;
	/* GnuTLS marks basicConstraints and keyUsage critical itself. */
	if ((r = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
	    (r = gnutls_x509_crt_set_key_usage(crt,
	    GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (r = gnutls_x509_crt_set_key_purpose_oid(crt,
	    GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
	    (r = gnutls_x509_crt_set_subject_key_id(crt, m->key_id,
	    m->key_id_len)) < 0 ||
	    (r = gnutls_x509_crt_set_authority_key_id(crt, m->ca_id,
	    m->ca_id_len)) < 0)
		goto out;
	/* Copies the CA's subject into the issuer, then signs. */
	if ((r = gnutls_x509_crt_privkey_sign(crt, m->ca, m->ca_key,
	    GNUTLS_DIG_SHA256, 0)) < 0)
		goto out;
	r = gnutls_pcert_import_x509(ret, crt, 0);
out:
	gnutls_free(der.data);
	if (san != NULL)	/* its deinit does not take NULL */
		gnutls_subject_alt_names_deinit(san);
	gnutls_x509_crt_deinit(crt);
	return r;
}

/* Load and check the CA certificate into m. */
static int
load_ca(struct mint *m, const char *path, int64_t now, char **cause)
{
	gnutls_datum_t d = { NULL, 0 };
	unsigned int usage, critical, ca;
	char when[64];
	struct tm tm;
	time_t t;
	int r;

	if (load(path, &d, cause) < 0)
		return -1;
	if ((r = gnutls_x509_crt_init(&m->ca)) < 0)
		goto gnutls_fail;
	if ((r = gnutls_x509_crt_import(m->ca, &d, GNUTLS_X509_FMT_PEM)) < 0) {
		cause_set(cause, "%s: not a PEM certificate (%s)", path,
		    gnutls_strerror(r));
		goto fail;
	}
	r = gnutls_x509_crt_get_basic_constraints(m->ca, &critical, &ca,
	    NULL);
	if (r <= 0) {
		cause_set(cause, "%s: not a CA certificate (it lacks "
		    "basicConstraints CA:TRUE)", path);
		goto fail;
	}
	r = gnutls_x509_crt_get_key_usage(m->ca, &usage, &critical);
	if (r != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE &&
	    (r < 0 || (usage & GNUTLS_KEY_KEY_CERT_SIGN) == 0)) {
		cause_set(cause, "%s: the CA may not sign certificates (its "
		    "keyUsage lacks keyCertSign)", path);
		goto fail;
	}
	if ((t = gnutls_x509_crt_get_expiration_time(m->ca)) == (time_t)-1) {
		cause_set(cause, "%s: no expiration time", path);
		goto fail;
	}
	if (now >= (int64_t)t) {
		if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof(when),
		    "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
			when[0] = '\0';
		cause_set(cause, "%s: the CA expired on %s", path, when);
		goto fail;
	}
	/* RFC 5280 4.2.1.1: the leaves' authority key id is the CA's
	 * subject key id, or the SHA-1 of its key when it has none. */
	m->ca_id_len = sizeof(m->ca_id);
	r = gnutls_x509_crt_get_subject_key_id(m->ca, m->ca_id, &m->ca_id_len,
	    &critical);
	if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
		m->ca_id_len = sizeof(m->ca_id);
		r = gnutls_x509_crt_get_key_id(m->ca, 0, m->ca_id,
		    &m->ca_id_len);
	}
	if (r < 0 || m->ca_id_len == 0) {
		cause_set(cause, "%s: unusable subject key identifier (%s)",
		    path, gnutls_strerror(r));
		goto fail;
	}
	if ((r = gnutls_pcert_import_x509(&m->ca_pcert, m->ca, 0)) < 0) {
		/* Not imported: mint_free must not deinit it. */
		memset(&m->ca_pcert, 0, sizeof(m->ca_pcert));
		goto gnutls_fail;
	}
	unload(&d);
	return 0;
gnutls_fail:
	cause_set(cause, "%s: %s", path, gnutls_strerror(r));
fail:
	unload(&d);
	return -1;
}

/* Load the CA key into m and check that it is the CA certificate's. */
static int
load_key(struct mint *m, const char *path, const char *ca_path,
    char **cause)
{
	gnutls_datum_t d = { NULL, 0 };
	gnutls_pubkey_t a = NULL, b = NULL;
	int pk, r;

	if (load(path, &d, cause) < 0)
		return -1;
	if ((r = gnutls_privkey_init(&m->ca_key)) < 0)
		goto gnutls_fail;
	if (memmem(d.data, d.size, "ENCRYPTED", 9) != NULL) {
		cause_set(cause, "%s: the key is encrypted (it must be kept "
		    "without a passphrase, readable only by schoolgated)",
		    path);
		goto fail;
	}
	if ((r = gnutls_privkey_import_x509_raw(m->ca_key, &d,
	    GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		cause_set(cause, "%s: not a PEM private key (%s)", path,
		    gnutls_strerror(r));
		goto fail;
	}
	/* Browsers accept leaves signed with RSA or ECDSA only. */
	pk = gnutls_privkey_get_pk_algorithm(m->ca_key, NULL);
	if (pk != GNUTLS_PK_RSA && pk != GNUTLS_PK_ECDSA) {
		cause_set(cause, "%s: a %s key (the CA key must be RSA or "
		    "ECDSA)", path, pk < 0 ? "unknown" :
		    gnutls_pk_get_name((gnutls_pk_algorithm_t)pk));
		goto fail;
	}
	if ((r = gnutls_pubkey_init(&a)) < 0 ||
	    (r = gnutls_pubkey_init(&b)) < 0 ||
	    (r = gnutls_pubkey_import_privkey(a, m->ca_key, 0, 0)) < 0 ||
	    (r = gnutls_pubkey_import_x509(b, m->ca, 0)) < 0 ||
	    (r = same_key(a, b)) < 0)
		goto gnutls_fail;
	if (r == 0) {
		cause_set(cause, "%s: not the key of the CA certificate %s",
		    path, ca_path);
		goto fail;
	}
	gnutls_pubkey_deinit(a);
	gnutls_pubkey_deinit(b);
	unload(&d);
	return 0;
gnutls_fail:
	cause_set(cause, "%s: %s", path, gnutls_strerror(r));
fail:
	gnutls_pubkey_deinit(a);
	gnutls_pubkey_deinit(b);
	unload(&d);
	return -1;
}

struct mint *
mint_new(const char *ca_cert, const char *ca_key, int64_t now, char **cause)
{
	gnutls_pcert_st probe;
	struct mint *m;
	char name[] = MINT_PROBE;
	int r;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		cause_set(cause, "mint: %s", strerror(errno));
		return NULL;
	}
	if (load_ca(m, ca_cert, now, cause) < 0 ||
	    load_key(m, ca_key, ca_cert, cause) < 0)
		goto fail;
	/* The leaves' key: never on disk, a new one at each start. */
	if ((r = gnutls_privkey_init(&m->key)) < 0 ||
	    (r = gnutls_privkey_generate(m->key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0 ||
	    (r = gnutls_pubkey_init(&m->pub)) < 0 ||
	    (r = gnutls_pubkey_import_privkey(m->pub, m->key, 0, 0)) < 0) {
		cause_set(cause, "mint: cannot generate the leaf key (%s)",
		    gnutls_strerror(r));
		goto fail;
	}
	/* RFC 5280 4.2.1.2 (1): the SHA-1 of the key, the same for all. */
	m->key_id_len = sizeof(m->key_id);
	if ((r = gnutls_pubkey_get_key_id(m->pub, 0, m->key_id,
	    &m->key_id_len)) < 0) {
		cause_set(cause, "mint: leaf key id (%s)", gnutls_strerror(r));
		goto fail;
	}
	/* Sign one leaf now, so that a CA key GnuTLS cannot sign with is
	 * reported at start rather than at the first blocked request. */
	if ((r = mint_leaf(m, name, now, &probe)) < 0) {
		cause_set(cause, "%s: cannot sign a certificate with this key "
		    "(%s)", ca_key, gnutls_strerror(r));
		goto fail;
	}
	gnutls_pcert_deinit(&probe);
	return m;
fail:
	mint_free(m);
	return NULL;
}

void
mint_free(struct mint *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < MINT_CACHE_MAX; i++)
		if (m->v[i].state != SLOT_FREE)
			gnutls_pcert_deinit(&m->v[i].chain[0]);
	if (m->ca_pcert.pubkey != NULL)
		gnutls_pcert_deinit(&m->ca_pcert);
	gnutls_pubkey_deinit(m->pub);
	gnutls_privkey_deinit(m->key);
	gnutls_privkey_deinit(m->ca_key);
	gnutls_x509_crt_deinit(m->ca);
	free(m);
}

/*
 * Copy name, lowercase and without one trailing dot, into
 * buf[MINT_NAME_MAX + 1] when it is a DNS host name (RFC 1123 2.1 LDH
 * labels); 0 or -EINVAL.  The last label may not be all digits (no TLD
 * is: RFC 3696 2), which refuses IPv4 literals in any of their forms.
 */
static int
name_norm(const char *name, char *buf)
{
	size_t len, i, label = 0, dots = 0;
	bool digits = true;
	char c;

	len = strnlen(name, MINT_NAME_MAX + 2);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > MINT_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		c = name[i];
		if (c == '.') {
			if (label == 0 || buf[i - 1] == '-')
				return -EINVAL;
			buf[i] = c;
			label = 0;
			digits = true;
			dots++;
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '-') {
			if (label == 0)
				return -EINVAL;
			digits = false;
		} else if (c >= 'a' && c <= 'z')
			digits = false;
		else if (c < '0' || c > '9')
			return -EINVAL;
		if (++label > 63)
			return -EINVAL;
		buf[i] = c;
	}
	if (label == 0 || buf[len - 1] == '-' || dots == 0 || digits)
		return -EINVAL;
	buf[len] = '\0';
	return 0;
}

/* Handed out within the last MINT_HOLD seconds: a handshake may hold
 * it.  A use stamped in the future (the clock went back) counts too. */
static bool
busy(const struct entry *e, int64_t now)
{
	return now <= e->used + MINT_HOLD;
}

static bool
valid(const struct entry *e, int64_t now)
{
	return now >= e->not_before && now < e->not_after;
}

/* Good to hand out without renewal. */
static bool
fresh(const struct entry *e, int64_t now)
{
	return now >= e->not_before && e->not_after - now >= MINT_RENEW;
}

static struct entry *
find(struct mint *m, const char *name)
{
	size_t i;

	for (i = 0; i < MINT_CACHE_MAX; i++)
		if (m->v[i].state == SLOT_LIVE &&
		    strcmp(m->v[i].name, name) == 0)
			return &m->v[i];
	return NULL;
}

/* A slot for a new leaf: a free one, else a retired one out of its
 * hold, else the least recently used live one out of its hold; NULL
 * when every entry is busy. */
static struct entry *
take(struct mint *m, int64_t now)
{
	struct entry *e, *lru = NULL;
	size_t i;

	for (i = 0; i < MINT_CACHE_MAX; i++) {
		e = &m->v[i];
		if (e->state == SLOT_FREE)
			return e;
		if (busy(e, now))
			continue;
		if (e->state == SLOT_RETIRED)
			return e;
		if (lru == NULL || e->used < lru->used)
			lru = e;
	}
	return lru;
}

int
mint_get(struct mint *m, const char *name, int64_t now,
    gnutls_pcert_st **pcerts, unsigned int *npcerts, gnutls_privkey_t *key)
{
	char norm[MINT_NAME_MAX + 1];
	struct entry *e, *old;

	if (name_norm(name, norm) < 0) {
		m->stats.refused_name++;
		return -EINVAL;
	}
	old = find(m, norm);
	if (old != NULL && fresh(old, now)) {
		m->stats.hits++;
		e = old;
		goto out;
	}
	if (old != NULL && !busy(old, now))
		e = old;	/* renew in place: nobody holds the old leaf */
	else if ((e = take(m, now)) == NULL) {
		/* A leaf due for renewal is better than none while it
		 * lasts. */
		if (old != NULL && valid(old, now)) {
			m->stats.hits++;
			e = old;
			goto out;
		}
		m->stats.full++;
		return -ENOSPC;
	}
	if (e->state != SLOT_FREE)
		gnutls_pcert_deinit(&e->chain[0]);
	memset(e, 0, sizeof(*e));
	if (mint_leaf(m, norm, now, &e->chain[0]) < 0) {
		memset(e, 0, sizeof(*e));
		m->stats.errors++;
		return -EIO;
	}
	if (old != NULL && old != e)
		old->state = SLOT_RETIRED;
	memcpy(e->name, norm, sizeof(e->name));
	e->state = SLOT_LIVE;
	e->not_before = now - MINT_BACKDATE;
	e->not_after = now + MINT_VALIDITY;
	e->used = now;
	e->chain[1] = m->ca_pcert;
	m->stats.minted++;
out:
	if (now > e->used)
		e->used = now;
	*pcerts = e->chain;
	*npcerts = 2;
	*key = m->key;
	return 0;
}

const struct mint_stats *
mint_stats(const struct mint *m)
{
	return &m->stats;
}
