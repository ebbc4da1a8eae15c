/*
 * Unit tests for mint.c: leaves checked field by field and verified the
 * way a TLS client does (trust list, host name, serverAuth) against
 * throwaway ECDSA and RSA CAs made here with GnuTLS; the cache (hits,
 * case and trailing dot, renewal at the edge, renewal while a handshake
 * holds the old leaf, a clock gone back); refused names; a full cache
 * and its least recently used eviction after MINT_HOLD; every CA error;
 * and, when openssl is installed, a CA made by scripts/mkca.  Paths are
 * relative to the top of the tree (the cwd, or $SG_TOP).
 *
 *	build/check_mint
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "mint.h"

#define EC_BITS		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1)
#define DAY		86400

/* A key and its certificate, made here. */
struct cert {
	gnutls_x509_privkey_t	key;
	gnutls_x509_crt_t	crt;
};

static char tmpdir[] = "/tmp/check_mint.XXXXXX";
static struct cert ca;			/* the ECDSA CA: tmpdir/ca.pem, .key */
static char *ca_pem, *ca_key;
static int64_t now;			/* wall clock at setup */

static char *
tmp_path(const char *name)
{
	char *p;

	ck_assert_int_ne(asprintf(&p, "%s/%s", tmpdir, name), -1);
	return p;
}

static void
write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * A certificate for a new key of algorithm pk, valid [from, to], CA:TRUE
 * when is_ca (no basicConstraints when is_ca < 0), keyUsage usage when
 * not 0, signed by issuer (self-signed when NULL).
 */
static void
make_cert(struct cert *c, gnutls_pk_algorithm_t pk, unsigned int bits,
    const char *cn, int is_ca, unsigned int usage, int64_t from, int64_t to,
    const struct cert *issuer)
{
	static unsigned char serial[8] = { 0x10, 0, 0, 0, 0, 0, 0, 0 };
	unsigned char id[64];
	size_t idlen = sizeof(id);

	serial[7]++;
	ck_assert_int_eq(gnutls_x509_privkey_init(&c->key), 0);
	ck_assert_int_eq(gnutls_x509_privkey_generate(c->key, pk, bits, 0), 0);
	ck_assert_int_eq(gnutls_x509_crt_init(&c->crt), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_version(c->crt, 3), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_serial(c->crt, serial,
	    sizeof(serial)), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_activation_time(c->crt,
	    (time_t)from), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_expiration_time(c->crt,
	    (time_t)to), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_dn_by_oid(c->crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned int)strlen(cn)), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_key(c->crt, c->key), 0);
	if (is_ca >= 0)
		ck_assert_int_eq(gnutls_x509_crt_set_basic_constraints(c->crt,
		    (unsigned int)is_ca, -1), 0);
	if (usage != 0)
		ck_assert_int_eq(gnutls_x509_crt_set_key_usage(c->crt, usage),
		    0);
	ck_assert_int_eq(gnutls_x509_crt_get_key_id(c->crt, 0, id, &idlen),
	    0);
	ck_assert_int_eq(gnutls_x509_crt_set_subject_key_id(c->crt, id,
	    idlen), 0);
	ck_assert_int_eq(gnutls_x509_crt_sign2(c->crt,
	    issuer != NULL ? issuer->crt : c->crt,
	    issuer != NULL ? issuer->key : c->key, GNUTLS_DIG_SHA256, 0), 0);
}

static void
make_ca(struct cert *c, gnutls_pk_algorithm_t pk, unsigned int bits)
{
	make_cert(c, pk, bits, "Test block page CA", 1,
	    GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN, now - DAY,
	    now + 3650 * DAY, NULL);
}

static void
free_cert(struct cert *c)
{
	gnutls_x509_crt_deinit(c->crt);
	gnutls_x509_privkey_deinit(c->key);
	memset(c, 0, sizeof(*c));
}

/* Write c's certificate to tmpdir/name.pem and its key to
 * tmpdir/name.key (PKCS#8 when pkcs8, else the traditional form). */
static void
save_cert(const struct cert *c, const char *name, bool pkcs8)
{
	gnutls_datum_t d;
	char *p;

	ck_assert_int_ne(asprintf(&p, "%s/%s.pem", tmpdir, name), -1);
	ck_assert_int_eq(gnutls_x509_crt_export2(c->crt, GNUTLS_X509_FMT_PEM,
	    &d), 0);
	write_file(p, d.data, d.size);
	gnutls_free(d.data);
	free(p);
	ck_assert_int_ne(asprintf(&p, "%s/%s.key", tmpdir, name), -1);
	if (pkcs8)
		ck_assert_int_eq(gnutls_x509_privkey_export2_pkcs8(c->key,
		    GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &d), 0);
	else
		ck_assert_int_eq(gnutls_x509_privkey_export2(c->key,
		    GNUTLS_X509_FMT_PEM, &d), 0);
	write_file(p, d.data, d.size);
	gnutls_free(d.data);
	free(p);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
setup(void)
{
	now = (int64_t)time(NULL);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	make_ca(&ca, GNUTLS_PK_ECDSA, EC_BITS);
	save_cert(&ca, "ca", false);
	ca_pem = tmp_path("ca.pem");
	ca_key = tmp_path("ca.key");
}

static void
teardown(void)
{
	nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	memcpy(tmpdir + strlen(tmpdir) - 6, "XXXXXX", 6);
	free_cert(&ca);
	free(ca_pem);
	free(ca_key);
}

static struct mint *
new_mint(const char *cert, const char *key, int64_t t)
{
	struct mint *m;
	char *cause = NULL;

	m = mint_new(cert, key, t, &cause);
	ck_assert_msg(m != NULL, "mint_new: %s", cause);
	ck_assert_ptr_null(cause);
	return m;
}

/* The leaf of pc as a certificate (the caller deinits it). */
static gnutls_x509_crt_t
leaf_of(const gnutls_pcert_st *pc)
{
	gnutls_x509_crt_t crt;

	ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
	ck_assert_int_eq(gnutls_x509_crt_import(crt, &pc->cert,
	    GNUTLS_X509_FMT_DER), 0);
	return crt;
}

/* The leaf's serial as a 64-bit number (its last 8 bytes), to tell two
 * leaves apart. */
static uint64_t
serial_of(const gnutls_pcert_st *pc)
{
	gnutls_x509_crt_t crt = leaf_of(pc);
	unsigned char s[32];
	size_t len = sizeof(s), i;
	uint64_t v = 0;

	ck_assert_int_eq(gnutls_x509_crt_get_serial(crt, s, &len), 0);
	ck_assert_uint_eq(len, 16);
	for (i = len - 8; i < len; i++)
		v = v << 8 | s[i];
	gnutls_x509_crt_deinit(crt);
	return v;
}

static int64_t
activation_of(const gnutls_pcert_st *pc)
{
	gnutls_x509_crt_t crt = leaf_of(pc);
	int64_t t = (int64_t)gnutls_x509_crt_get_activation_time(crt);

	gnutls_x509_crt_deinit(crt);
	return t;
}

/* Verify the chain pc[0..n) against issuer alone, as a TLS client
 * does: the trust list, the host name and serverAuth.  Returns the
 * verification status (0: trusted). */
static unsigned int
verify_chain(const gnutls_pcert_st *pc, unsigned int n,
    const struct cert *issuer, const char *host)
{
	gnutls_x509_trust_list_t tl;
	gnutls_x509_crt_t chain[2];
	gnutls_typed_vdata_st vd[2];
	gnutls_datum_t d;
	unsigned int status = ~0U, i;

	ck_assert_uint_le(n, 2);
	ck_assert_int_eq(gnutls_x509_trust_list_init(&tl, 0), 0);
	ck_assert_int_eq(gnutls_x509_crt_export2(issuer->crt,
	    GNUTLS_X509_FMT_PEM, &d), 0);
	ck_assert_int_eq(gnutls_x509_trust_list_add_trust_mem(tl, &d, NULL,
	    GNUTLS_X509_FMT_PEM, 0, 0), 1);
	gnutls_free(d.data);
	for (i = 0; i < n; i++)
		chain[i] = leaf_of(&pc[i]);
	memset(vd, 0, sizeof(vd));
	vd[0].type = GNUTLS_DT_DNS_HOSTNAME;
	vd[0].data = (unsigned char *)strdup(host);
	vd[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vd[1].data = (unsigned char *)strdup(GNUTLS_KP_TLS_WWW_SERVER);
	ck_assert_int_eq(gnutls_x509_trust_list_verify_crt2(tl, chain, n, vd,
	    2, 0, &status, NULL), 0);
	free(vd[0].data);
	free(vd[1].data);
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(chain[i]);
	gnutls_x509_trust_list_deinit(tl, 1);
	return status;
}

/* key signs what the leaf's public key verifies. */
static void
check_key(gnutls_privkey_t key, gnutls_x509_crt_t leaf)
{
	gnutls_pubkey_t pub;
	gnutls_datum_t data = { (unsigned char *)tmpdir, 8 }, sig;
	unsigned int bits = 0;

	ck_assert_int_eq(gnutls_privkey_get_pk_algorithm(key, &bits),
	    GNUTLS_PK_ECDSA);
	ck_assert_uint_eq(bits, 256);
	ck_assert_int_eq(gnutls_pubkey_init(&pub), 0);
	ck_assert_int_eq(gnutls_pubkey_import_x509(pub, leaf, 0), 0);
	ck_assert_int_eq(gnutls_privkey_sign_data2(key,
	    GNUTLS_SIGN_ECDSA_SHA256, 0, &data, &sig), 0);
	ck_assert_int_ge(gnutls_pubkey_verify_data2(pub,
	    GNUTLS_SIGN_ECDSA_SHA256, 0, &data, &sig), 0);
	/* And not something else. */
	data.size = 7;
	ck_assert_int_lt(gnutls_pubkey_verify_data2(pub,
	    GNUTLS_SIGN_ECDSA_SHA256, 0, &data, &sig), 0);
	gnutls_free(sig.data);
	gnutls_pubkey_deinit(pub);
}

/*
 * Everything about one chain minted at t for host (lowercase, no
 * trailing dot), issued by issuer with signature algorithm sig.
 */
static void
check_leaf(const gnutls_pcert_st *pc, unsigned int n, gnutls_privkey_t key,
    const char *host, int64_t t, const struct cert *issuer,
    gnutls_sign_algorithm_t sig)
{
	gnutls_x509_crt_t leaf;
	gnutls_datum_t der, dn1, dn2;
	unsigned char buf[300], id[64];
	size_t len, idlen;
	unsigned int critical, is_ca, usage;
	bool has_cn = strlen(host) <= 64;
	char other[300];
	size_t i;

	ck_assert_uint_eq(n, 2);
	/* The second is the CA, as the file has it. */
	ck_assert_int_eq(gnutls_x509_crt_export2(issuer->crt,
	    GNUTLS_X509_FMT_DER, &der), 0);
	ck_assert_uint_eq(pc[1].cert.size, der.size);
	ck_assert_mem_eq(pc[1].cert.data, der.data, der.size);
	gnutls_free(der.data);

	leaf = leaf_of(&pc[0]);
	ck_assert_int_eq(gnutls_x509_crt_get_version(leaf), 3);
	len = sizeof(buf);
	ck_assert_int_eq(gnutls_x509_crt_get_serial(leaf, buf, &len), 0);
	ck_assert_uint_eq(len, 16);
	ck_assert_uint_eq(buf[0] & 0xc0, 0x40);	/* positive, 16 bytes */
	ck_assert_int_eq((int64_t)gnutls_x509_crt_get_activation_time(leaf),
	    t - 3600);
	ck_assert_int_eq((int64_t)gnutls_x509_crt_get_expiration_time(leaf),
	    t + MINT_VALIDITY);
	ck_assert_int_eq(gnutls_x509_crt_get_signature_algorithm(leaf), sig);

	/* Subject CN and the one SAN, critical when there is no CN (read
	 * with get_extension_by_oid2: get_subject_alt_name does not set
	 * its critical in GnuTLS 3.7). */
	len = sizeof(buf);
	if (has_cn) {
		ck_assert_int_eq(gnutls_x509_crt_get_dn_by_oid(leaf,
		    GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &len), 0);
		ck_assert_str_eq((char *)buf, host);
	} else
		ck_assert_int_eq(gnutls_x509_crt_get_dn_by_oid(leaf,
		    GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &len),
		    GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE);
	len = sizeof(buf);
	ck_assert_int_eq(gnutls_x509_crt_get_subject_alt_name(leaf, 0, buf,
	    &len, &critical), GNUTLS_SAN_DNSNAME);
	ck_assert_uint_eq(len, strlen(host));
	ck_assert_mem_eq(buf, host, len);
	critical = 77;
	ck_assert_int_eq(gnutls_x509_crt_get_extension_by_oid2(leaf,
	    GNUTLS_X509EXT_OID_SAN, 0, &der, &critical), 0);
	gnutls_free(der.data);
	ck_assert_uint_eq(critical, !has_cn);
	len = sizeof(buf);
	ck_assert_int_eq(gnutls_x509_crt_get_subject_alt_name(leaf, 1, buf,
	    &len, &critical), GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE);

	/* Issued by the CA's subject. */
	ck_assert_int_eq(gnutls_x509_crt_get_issuer_dn2(leaf, &dn1), 0);
	ck_assert_int_eq(gnutls_x509_crt_get_dn2(issuer->crt, &dn2), 0);
	ck_assert_str_eq((char *)dn1.data, (char *)dn2.data);
	gnutls_free(dn1.data);
	gnutls_free(dn2.data);

	/* Not a CA; signatures only; serverAuth only. */
	ck_assert_int_eq(gnutls_x509_crt_get_basic_constraints(leaf, &critical,
	    &is_ca, NULL), 0);
	ck_assert_uint_eq(is_ca, 0);
	ck_assert_uint_eq(critical, 1);
	ck_assert_int_eq(gnutls_x509_crt_get_key_usage(leaf, &usage,
	    &critical), 0);
	ck_assert_uint_eq(usage, GNUTLS_KEY_DIGITAL_SIGNATURE);
	ck_assert_uint_eq(critical, 1);
	len = sizeof(buf);
	ck_assert_int_eq(gnutls_x509_crt_get_key_purpose_oid(leaf, 0, buf, &len,
	    &critical), 0);
	ck_assert_str_eq((char *)buf, GNUTLS_KP_TLS_WWW_SERVER);
	len = sizeof(buf);
	ck_assert_int_eq(gnutls_x509_crt_get_key_purpose_oid(leaf, 1, buf, &len,
	    &critical), GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE);

	/* Subject key id: the SHA-1 of the leaf key; authority key id: the
	 * CA's subject key id. */
	len = sizeof(buf);
	ck_assert_int_eq(gnutls_x509_crt_get_subject_key_id(leaf, buf, &len,
	    &critical), 0);
	idlen = sizeof(id);
	ck_assert_int_eq(gnutls_x509_crt_get_key_id(leaf, 0, id, &idlen), 0);
	ck_assert_uint_eq(len, idlen);
	ck_assert_mem_eq(buf, id, len);
	len = sizeof(buf);
	ck_assert_int_eq(gnutls_x509_crt_get_authority_key_id(leaf, buf, &len,
	    &critical), 0);
	idlen = sizeof(id);
	ck_assert_int_eq(gnutls_x509_crt_get_subject_key_id(issuer->crt, id,
	    &idlen, &critical), 0);
	ck_assert_uint_eq(len, idlen);
	ck_assert_mem_eq(buf, id, len);

	/* The host name, whatever its case, and nothing else. */
	ck_assert_uint_ne(gnutls_x509_crt_check_hostname(leaf, host), 0);
	snprintf(other, sizeof(other), "%s", host);
	for (i = 0; other[i] != '\0'; i++)
		if (other[i] >= 'a' && other[i] <= 'z')
			other[i] = (char)(other[i] - 'a' + 'A');
	ck_assert_uint_ne(gnutls_x509_crt_check_hostname(leaf, other), 0);
	snprintf(other, sizeof(other), "x.%s", host);
	ck_assert_uint_eq(gnutls_x509_crt_check_hostname(leaf, other), 0);
	ck_assert_uint_eq(gnutls_x509_crt_check_hostname(leaf,
	    "other.example"), 0);

	/* The key handed out is the leaf's. */
	check_key(key, leaf);
	gnutls_x509_crt_deinit(leaf);

	/* A client trusting the CA accepts it (t is the wall clock). */
	ck_assert_uint_eq(verify_chain(pc, n, issuer, host), 0);
	ck_assert_uint_eq(verify_chain(pc, 1, issuer, host), 0);
	ck_assert_uint_ne(verify_chain(pc, n, issuer, "other.example"), 0);
}

/*
 * Leaves from the ECDSA CA: field by field, for names short and long
 * (over 64 characters: no CN, a critical SAN), mixed case, one key for
 * all and a fresh serial each.
 */
START_TEST(test_leaf_ecdsa)
{
	static const char *names[] = {
		"www.example.com",
		"a.b",
		"xn--bcher-kva.example",
		"123.example.org",
		"a-b.c-d.e9",
	};
	char l63[64], n253[MINT_NAME_MAX + 1], n64[65];
	gnutls_pcert_st *pc, *first;
	gnutls_privkey_t key, key0;
	struct mint *m = new_mint(ca_pem, ca_key, now);
	unsigned int n;
	uint64_t s0;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ck_assert_int_eq(mint_get(m, names[i], now, &pc, &n, &key), 0);
		check_leaf(pc, n, key, names[i], now, &ca,
		    GNUTLS_SIGN_ECDSA_SHA256);
	}
	/* Mixed case and a trailing dot: the leaf is for the lowercase
	 * name. */
	ck_assert_int_eq(mint_get(m, "Mail.Example.NET.", now, &pc, &n, &key),
	    0);
	check_leaf(pc, n, key, "mail.example.net", now, &ca,
	    GNUTLS_SIGN_ECDSA_SHA256);

	/* A 63-byte label; exactly 64 (a CN) and 253 bytes (no CN). */
	memset(l63, 'k', 63);
	l63[63] = '\0';
	snprintf(n64, sizeof(n64), "%.60s.k.d", l63);
	ck_assert_uint_eq(strlen(n64), 64);
	ck_assert_int_eq(mint_get(m, n64, now, &pc, &n, &key), 0);
	check_leaf(pc, n, key, n64, now, &ca, GNUTLS_SIGN_ECDSA_SHA256);
	snprintf(n253, sizeof(n253), "%s.%s.%s.%.61s", l63, l63, l63, l63);
	ck_assert_uint_eq(strlen(n253), MINT_NAME_MAX);
	ck_assert_int_eq(mint_get(m, n253, now, &pc, &n, &key), 0);
	check_leaf(pc, n, key, n253, now, &ca, GNUTLS_SIGN_ECDSA_SHA256);

	/* One key for every leaf, a serial for each. */
	ck_assert_int_eq(mint_get(m, "one.example", now, &first, &n, &key0),
	    0);
	s0 = serial_of(first);
	ck_assert_int_eq(mint_get(m, "two.example", now, &pc, &n, &key), 0);
	ck_assert_ptr_eq(key, key0);
	ck_assert_ptr_ne(pc, first);
	ck_assert_uint_ne(serial_of(pc), s0);
	/* A leaf is not valid for another name of the same CA. */
	ck_assert_uint_ne(verify_chain(pc, n, &ca, "one.example"), 0);
	ck_assert_uint_eq(mint_stats(m)->minted, 10);
	ck_assert_uint_eq(mint_stats(m)->errors, 0);
	mint_free(m);
}
END_TEST

/* The RSA CA (its key in PKCS#8): RSA-SHA256 signatures, still an
 * ECDSA leaf key; a client trusting only the ECDSA CA refuses them. */
START_TEST(test_leaf_rsa)
{
	struct cert rsa;
	gnutls_pcert_st *pc;
	gnutls_privkey_t key;
	struct mint *m;
	unsigned int n;
	char *pem, *k;

	make_ca(&rsa, GNUTLS_PK_RSA, 2048);
	save_cert(&rsa, "rsa", true);
	pem = tmp_path("rsa.pem");
	k = tmp_path("rsa.key");
	m = new_mint(pem, k, now);
	ck_assert_int_eq(mint_get(m, "www.example.com", now, &pc, &n, &key),
	    0);
	check_leaf(pc, n, key, "www.example.com", now, &rsa,
	    GNUTLS_SIGN_RSA_SHA256);
	ck_assert_uint_ne(verify_chain(pc, 1, &ca, "www.example.com"), 0);
	mint_free(m);
	free_cert(&rsa);
	free(pem);
	free(k);
}
END_TEST

/* The second call answers from the cache with the same pointers; case
 * and a trailing dot find the same entry. */
START_TEST(test_cache)
{
	struct mint *m = new_mint(ca_pem, ca_key, now);
	gnutls_pcert_st *pc, *pc2;
	gnutls_privkey_t key, key2;
	unsigned int n, n2;

	ck_assert_int_eq(mint_get(m, "www.example.com", now, &pc, &n, &key),
	    0);
	ck_assert_uint_eq(mint_stats(m)->minted, 1);
	ck_assert_uint_eq(mint_stats(m)->hits, 0);
	ck_assert_int_eq(mint_get(m, "www.example.com", now + 5, &pc2, &n2,
	    &key2), 0);
	ck_assert_ptr_eq(pc2, pc);
	ck_assert_ptr_eq(key2, key);
	ck_assert_uint_eq(n2, 2);
	ck_assert_int_eq(mint_get(m, "WWW.Example.COM.", now + 6, &pc2, &n2,
	    &key2), 0);
	ck_assert_ptr_eq(pc2, pc);
	ck_assert_int_eq(mint_get(m, "www.example.com.", now + 7, &pc2, &n2,
	    &key2), 0);
	ck_assert_ptr_eq(pc2, pc);
	ck_assert_uint_eq(mint_stats(m)->minted, 1);
	ck_assert_uint_eq(mint_stats(m)->hits, 3);
	/* Another name is another leaf. */
	ck_assert_int_eq(mint_get(m, "www.example.org", now, &pc2, &n2,
	    &key2), 0);
	ck_assert_ptr_ne(pc2, pc);
	ck_assert_uint_eq(mint_stats(m)->minted, 2);
	ck_assert_uint_eq(mint_stats(m)->hits, 3);
	mint_free(m);
}
END_TEST

/*
 * Renewal: a hit with exactly MINT_RENEW seconds left, a new leaf with
 * one second less.  When the old leaf was handed out within MINT_HOLD it
 * stays readable beside the new one.  A clock gone back before the
 * leaf's notBefore gets a new leaf too.
 */
START_TEST(test_renew)
{
	struct mint *m = new_mint(ca_pem, ca_key, now);
	gnutls_pcert_st *pc, *pc2, *pc3;
	gnutls_privkey_t key;
	unsigned int n;
	int64_t t1, t2;
	uint64_t s0, s1;

	ck_assert_int_eq(mint_get(m, "www.example.com", now, &pc, &n, &key),
	    0);
	s0 = serial_of(pc);
	/* The edge: MINT_RENEW left is enough. */
	t1 = now + MINT_VALIDITY - MINT_RENEW;
	ck_assert_int_eq(mint_get(m, "www.example.com", t1, &pc2, &n, &key),
	    0);
	ck_assert_ptr_eq(pc2, pc);
	ck_assert_uint_eq(serial_of(pc2), s0);
	ck_assert_uint_eq(mint_stats(m)->hits, 1);

	/* One second later: renewed, while the old one (used a second ago)
	 * is still held. */
	t2 = t1 + 1;
	ck_assert_int_eq(mint_get(m, "www.example.com", t2, &pc2, &n, &key),
	    0);
	ck_assert_uint_eq(mint_stats(m)->minted, 2);
	ck_assert_ptr_ne(pc2, pc);
	s1 = serial_of(pc2);
	ck_assert_uint_ne(s1, s0);
	ck_assert_int_eq(activation_of(pc2), t2 - 3600);
	ck_assert_uint_eq(serial_of(pc), s0);	/* not freed (ASan) */
	ck_assert_int_eq(activation_of(pc), now - 3600);
	/* The new one is what the name gets now. */
	ck_assert_int_eq(mint_get(m, "WWW.example.com", t2 + 1, &pc3, &n,
	    &key), 0);
	ck_assert_ptr_eq(pc3, pc2);
	ck_assert_uint_eq(mint_stats(m)->minted, 2);

	/* Renewal of a leaf nobody holds: a new serial in place. */
	ck_assert_int_eq(mint_get(m, "www.example.com",
	    t2 + MINT_VALIDITY - MINT_RENEW + 1, &pc3, &n, &key), 0);
	ck_assert_uint_eq(mint_stats(m)->minted, 3);
	ck_assert_ptr_eq(pc3, pc2);
	ck_assert_uint_ne(serial_of(pc3), s1);

	/* The clock went back more than an hour: not valid yet, so new. */
	ck_assert_int_eq(mint_get(m, "www.example.com", now, &pc3, &n, &key),
	    0);
	ck_assert_uint_eq(mint_stats(m)->minted, 4);
	ck_assert_int_eq(activation_of(pc3), now - 3600);
	mint_free(m);
}
END_TEST

/* Anything but a DNS host name: -EINVAL, counted, outputs untouched. */
START_TEST(test_refused)
{
	char l64[80], n254[MINT_NAME_MAX + 2], lead[300];
	const char *bad[] = {
		"", ".", "a", "a.", "com", "1.2.3.4", "1.2.3.4.", "10.0.0.1",
		"example.123", "0x7f.1", "::1", "[::1]", "fe80::1", "*.x.com",
		"*", "a_b.com", "_dmarc.example.com", "x..com", ".x.com",
		"x.com..", "-a.com", "a-.com", "a.-b.com", "a.com-",
		"a.com\n", "a\r.com", "a\t.com", "a .com", "a.com ",
		"<b>.com", "a/b.com", "a@b.com", "a:443.com", "www.example.com:443",
		"caf\xc3\xa9.fr", "a.c\x7fm", "\xff.com", "a%2e.com", "a;b.com",
		l64, n254, lead,
	};
	struct mint *m = new_mint(ca_pem, ca_key, now);
	static gnutls_pcert_st dummy;
	gnutls_pcert_st *pc = &dummy;
	gnutls_privkey_t key = NULL;
	unsigned int n = 77;
	size_t i;

	/* A 64-byte label; 254 bytes (254 + a trailing dot is 255). */
	memset(l64, 'a', 64);
	memcpy(l64 + 64, ".com", 5);
	memset(n254, 'a', sizeof(n254));
	for (i = 63; i < 254; i += 64)
		n254[i] = '.';
	n254[254] = '\0';
	ck_assert_uint_eq(strlen(n254), 254);
	/* Over 253 after the trailing dot is removed. */
	snprintf(lead, sizeof(lead), "%s.", n254);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(mint_get(m, bad[i], now, &pc, &n, &key) ==
		    -EINVAL, "accepted bad name %zu", i);
		ck_assert_ptr_eq(pc, &dummy);
		ck_assert_ptr_null(key);
		ck_assert_uint_eq(n, 77);
	}
	ck_assert_uint_eq(mint_stats(m)->refused_name,
	    sizeof(bad) / sizeof(bad[0]));
	ck_assert_uint_eq(mint_stats(m)->minted, 0);

	/* The 253-byte name with its trailing dot is fine. */
	n254[253] = '\0';
	snprintf(lead, sizeof(lead), "%s.", n254);
	ck_assert_int_eq(mint_get(m, lead, now, &pc, &n, &key), 0);
	ck_assert_uint_eq(mint_stats(m)->minted, 1);
	mint_free(m);
}
END_TEST

static void
name_of(char *buf, size_t size, int i)
{
	snprintf(buf, size, "host%d.example.net", i);
}

/*
 * A flood of names: the cache fills at one instant, the next name is
 * refused while every entry is held (cached names still answer), and
 * MINT_HOLD seconds later the least recently used entries make room,
 * one per new name, until the rest are held again.
 */
START_TEST(test_full)
{
	struct mint *m = new_mint(ca_pem, ca_key, now);
	gnutls_pcert_st *pc, *pc5;
	gnutls_privkey_t key;
	unsigned int n;
	char name[64];
	int64_t t = now, t2 = now + MINT_HOLD + 1;
	int i;

	for (i = 0; i < MINT_CACHE_MAX; i++) {
		name_of(name, sizeof(name), i);
		ck_assert_int_eq(mint_get(m, name, t, &pc, &n, &key), 0);
		if (i == 5)
			pc5 = pc;
	}
	ck_assert_uint_eq(mint_stats(m)->minted, MINT_CACHE_MAX);
	ck_assert_int_eq(mint_get(m, "extra1.example", t, &pc, &n, &key),
	    -ENOSPC);
	ck_assert_int_eq(mint_get(m, "extra1.example", t + MINT_HOLD, &pc, &n,
	    &key), -ENOSPC);
	ck_assert_uint_eq(mint_stats(m)->full, 2);
	/* Cached names still answer; host7 is now used later than host5. */
	ck_assert_int_eq(mint_get(m, "host7.example.net", t + 1, &pc, &n,
	    &key), 0);
	ck_assert_uint_eq(mint_stats(m)->hits, 1);

	/* MINT_HOLD + 1 s after the flood: use every name but host5 and
	 * host7 again, leaving host5 (used at t) and host7 (t + 1) free
	 * to go, host5 first. */
	for (i = 0; i < MINT_CACHE_MAX; i++) {
		if (i == 5 || i == 7)
			continue;
		name_of(name, sizeof(name), i);
		ck_assert_int_eq(mint_get(m, name, t2, &pc, &n, &key), 0);
	}
	ck_assert_uint_eq(mint_stats(m)->minted, MINT_CACHE_MAX);
	ck_assert_int_eq(mint_get(m, "extra1.example", t2 + 1, &pc, &n, &key),
	    0);
	ck_assert_ptr_eq(pc, pc5);		/* host5's slot */
	ck_assert_uint_eq(mint_stats(m)->minted, MINT_CACHE_MAX + 1);
	/* host7 survived; using it holds it again. */
	ck_assert_int_eq(mint_get(m, "host7.example.net", t2 + 1, &pc, &n,
	    &key), 0);
	ck_assert_uint_eq(mint_stats(m)->minted, MINT_CACHE_MAX + 1);
	/* Now everything is held: no room for another, nor for host5. */
	ck_assert_int_eq(mint_get(m, "extra2.example", t2 + 1, &pc, &n, &key),
	    -ENOSPC);
	ck_assert_int_eq(mint_get(m, "host5.example.net", t2 + 1, &pc, &n,
	    &key), -ENOSPC);
	ck_assert_uint_eq(mint_stats(m)->full, 4);
	/* Later still, room again. */
	ck_assert_int_eq(mint_get(m, "host5.example.net",
	    t2 + 1 + MINT_HOLD + 1, &pc, &n, &key), 0);
	ck_assert_uint_eq(mint_stats(m)->minted, MINT_CACHE_MAX + 2);
	mint_free(m);
}
END_TEST

/*
 * A renewal while the old leaf is held keeps it in its own slot until
 * MINT_HOLD after its last use: it counts against the cache, then is
 * the first to make room, before any live entry however old.  Renewal
 * in a full cache serves the old leaf while it is valid rather than
 * refusing.
 */
START_TEST(test_renew_held)
{
	struct mint *m = new_mint(ca_pem, ca_key, now);
	gnutls_pcert_st *pc, *old;
	gnutls_privkey_t key;
	unsigned int n;
	char name[64];
	int64_t t = now + MINT_VALIDITY - MINT_RENEW;
	int64_t t3 = t + 1 + MINT_VALIDITY - MINT_RENEW;
	uint64_t s_old;
	int i;

	ck_assert_int_eq(mint_get(m, "stale.example", now, &pc, &n, &key), 0);
	ck_assert_int_eq(mint_get(m, "renew.example", now, &old, &n, &key), 0);
	s_old = serial_of(old);
	/* stale.example is used last at t - 1, renew.example at t. */
	ck_assert_int_eq(mint_get(m, "stale.example", t - 1, &pc, &n, &key),
	    0);
	ck_assert_int_eq(mint_get(m, "renew.example", t, &pc, &n, &key), 0);
	ck_assert_ptr_eq(pc, old);
	ck_assert_int_eq(mint_get(m, "renew.example", t + 1, &pc, &n, &key), 0);
	ck_assert_ptr_ne(pc, old);
	/* Three slots taken: stale, the old leaf and the new. */
	for (i = 0; i < MINT_CACHE_MAX - 3; i++) {
		name_of(name, sizeof(name), i);
		ck_assert_int_eq(mint_get(m, name, t + 1, &pc, &n, &key), 0);
	}
	ck_assert_int_eq(mint_get(m, "extra.example", t + 1, &pc, &n, &key),
	    -ENOSPC);
	ck_assert_uint_eq(serial_of(old), s_old);	/* still there */
	/* At t + MINT_HOLD + 1 the old leaf (last used at t) and stale
	 * (at t - 1) are free to go: the old leaf goes first. */
	ck_assert_int_eq(mint_get(m, "extra.example", t + MINT_HOLD + 1, &pc,
	    &n, &key), 0);
	ck_assert_ptr_eq(pc, old);
	ck_assert_uint_eq(mint_stats(m)->minted, MINT_CACHE_MAX + 1);

	/* A full cache of held entries and a leaf due for renewal: the
	 * old leaf is served while it is valid. */
	for (i = 0; i < MINT_CACHE_MAX - 3; i++) {
		name_of(name, sizeof(name), i);
		ck_assert_int_eq(mint_get(m, name, t3, &pc, &n, &key), 0);
	}
	ck_assert_int_eq(mint_get(m, "extra.example", t3, &pc, &n, &key), 0);
	ck_assert_int_eq(mint_get(m, "stale.example", t3, &pc, &n, &key), 0);
	ck_assert_int_eq(mint_get(m, "renew.example", t3, &old, &n, &key), 0);
	/* stale.example had expired: minted again in its slot. */
	ck_assert_uint_eq(mint_stats(m)->minted, MINT_CACHE_MAX + 2);
	/* Every entry is held; renew.example is due: its leaf is served. */
	ck_assert_int_eq(mint_get(m, "renew.example", t3 + 1, &pc, &n, &key),
	    0);
	ck_assert_ptr_eq(pc, old);
	ck_assert_int_eq(activation_of(pc), t + 1 - 3600);
	ck_assert_uint_eq(mint_stats(m)->minted, MINT_CACHE_MAX + 2);
	ck_assert_uint_eq(mint_stats(m)->full, 1);
	mint_free(m);
}
END_TEST

/* mint_new fails with cause "PATH: ..." where PATH is the file at
 * fault and the rest contains what. */
static void
ca_fails(const char *cert, const char *key, int64_t t, const char *path,
    const char *what)
{
	struct mint *m;
	char *cause = NULL;

	m = mint_new(cert, key, t, &cause);
	ck_assert_ptr_null(m);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strncmp(cause, path, strlen(path)) == 0 &&
	    strncmp(cause + strlen(path), ": ", 2) == 0,
	    "cause \"%s\" does not start with \"%s: \"", cause, path);
	ck_assert_msg(strstr(cause, what) != NULL,
	    "cause \"%s\" does not say \"%s\"", cause, what);
	free(cause);
}

START_TEST(test_ca_errors)
{
	struct cert leaf, old, other, signer, rsa;
	gnutls_datum_t d;
	char *none, *junk, *empty, *p, *k, *enc;

	none = tmp_path("none.pem");
	ca_fails(none, ca_key, now, none, "No such file or directory");
	ca_fails(ca_pem, none, now, none, "No such file or directory");
	ca_fails(tmpdir, ca_key, now, tmpdir, "not a regular file");

	junk = tmp_path("junk.pem");
	write_file(junk, "hello, world\n", 13);
	ca_fails(junk, ca_key, now, junk, "not a PEM certificate");
	ca_fails(ca_pem, junk, now, junk, "not a PEM private key");
	empty = tmp_path("empty.pem");
	write_file(empty, "", 0);
	ca_fails(empty, ca_key, now, empty, "empty");
	/* The files swapped. */
	ca_fails(ca_key, ca_pem, now, ca_key, "not a PEM certificate");
	ca_fails(ca_pem, ca_pem, now, ca_pem, "not a PEM private key");

	/* A leaf as the CA, with its own key; a CA:FALSE self-signed one;
	 * a CA without keyCertSign. */
	make_cert(&leaf, GNUTLS_PK_ECDSA, EC_BITS, "www.example.com", 0,
	    GNUTLS_KEY_DIGITAL_SIGNATURE, now - DAY, now + DAY, &ca);
	save_cert(&leaf, "leaf", false);
	p = tmp_path("leaf.pem");
	k = tmp_path("leaf.key");
	ca_fails(p, k, now, p, "not a CA");
	free(p);
	free(k);
	make_cert(&other, GNUTLS_PK_ECDSA, EC_BITS, "Self", -1, 0, now - DAY,
	    now + DAY, NULL);
	save_cert(&other, "self", false);
	p = tmp_path("self.pem");
	k = tmp_path("self.key");
	ca_fails(p, k, now, p, "not a CA");
	free(p);
	free(k);
	make_cert(&signer, GNUTLS_PK_ECDSA, EC_BITS, "Signer", 1,
	    GNUTLS_KEY_DIGITAL_SIGNATURE, now - DAY, now + DAY, NULL);
	save_cert(&signer, "signer", false);
	p = tmp_path("signer.pem");
	k = tmp_path("signer.key");
	ca_fails(p, k, now, p, "keyCertSign");
	free(p);
	free(k);

	/* Another key: of the same kind, and RSA. */
	p = tmp_path("self.key");
	ca_fails(ca_pem, p, now, p, "not the key of the CA certificate");
	free(p);
	make_ca(&rsa, GNUTLS_PK_RSA, 2048);
	save_cert(&rsa, "rsa", true);
	p = tmp_path("rsa.key");
	ca_fails(ca_pem, p, now, p, "not the key of the CA certificate");
	free(p);

	/* An encrypted key. */
	ck_assert_int_eq(gnutls_x509_privkey_export2_pkcs8(ca.key,
	    GNUTLS_X509_FMT_PEM, "secret", GNUTLS_PKCS_PBES2_AES_256, &d), 0);
	enc = tmp_path("enc.key");
	write_file(enc, d.data, d.size);
	gnutls_free(d.data);
	ca_fails(ca_pem, enc, now, enc, "encrypted");

	/* Expired: a CA that ended yesterday, and ours at its end. */
	make_cert(&old, GNUTLS_PK_ECDSA, EC_BITS, "Old CA", 1,
	    GNUTLS_KEY_KEY_CERT_SIGN, now - 10 * DAY, now - DAY, NULL);
	save_cert(&old, "old", false);
	p = tmp_path("old.pem");
	k = tmp_path("old.key");
	ca_fails(p, k, now, p, "expired");
	free(p);
	free(k);
	ca_fails(ca_pem, ca_key, now + 3650 * DAY, ca_pem, "expired");
	ca_fails(ca_pem, ca_key, now + 3650 * DAY + 1, ca_pem, "expired");
	/* A second before, it loads. */
	mint_free(new_mint(ca_pem, ca_key, now + 3650 * DAY - 1));
	/* NULL cause is allowed. */
	ck_assert_ptr_null(mint_new(none, ca_key, now, NULL));
	mint_free(NULL);

	free_cert(&leaf);
	free_cert(&other);
	free_cert(&signer);
	free_cert(&old);
	free_cert(&rsa);
	free(none);
	free(junk);
	free(empty);
	free(enc);
}
END_TEST

/*
 * scripts/mkca: the CA it makes loads and its leaves verify; the key is
 * 0600; a second run refuses to overwrite.  Skipped without openssl.
 */
START_TEST(test_mkca)
{
	const char *top = getenv("SG_TOP");
	char *cmd, *dir, *pem, *key, *before, *after;
	gnutls_x509_crt_t crt;
	gnutls_pcert_st *pc;
	gnutls_privkey_t lkey;
	gnutls_datum_t d;
	struct cert mk;
	struct stat st;
	struct mint *m;
	unsigned int n, critical, is_ca, usage;
	int pathlen, r;

	if (top == NULL)
		top = ".";
	if (system("command -v openssl >/dev/null 2>&1") != 0) {
		fprintf(stderr, "test_mkca: skip: no openssl\n");
		return;
	}
	dir = tmp_path("mk");
	ck_assert_int_ne(asprintf(&cmd, "%s/scripts/mkca %s Oak >/dev/null",
	    top, dir), -1);
	r = system(cmd);
	ck_assert_msg(WIFEXITED(r) && WEXITSTATUS(r) == 0, "%s: %d", cmd, r);
	free(cmd);
	pem = tmp_path("mk/ca.pem");
	key = tmp_path("mk/ca.key");
	ck_assert_int_eq(stat(key, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);

	/* The CA as asked for. */
	ck_assert_int_eq(gnutls_load_file(pem, &d), 0);
	ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
	ck_assert_int_eq(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM),
	    0);
	gnutls_free(d.data);
	ck_assert_int_gt(gnutls_x509_crt_get_basic_constraints(crt, &critical,
	    &is_ca, &pathlen), 0);
	ck_assert_uint_eq(critical, 1);
	ck_assert_int_eq(pathlen, 0);
	ck_assert_int_eq(gnutls_x509_crt_get_key_usage(crt, &usage, &critical),
	    0);
	ck_assert_uint_eq(usage, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN);
	ck_assert_uint_eq(critical, 1);
	ck_assert_int_eq(gnutls_x509_crt_get_pk_algorithm(crt, NULL),
	    GNUTLS_PK_ECDSA);
	ck_assert_int_ge((int64_t)gnutls_x509_crt_get_expiration_time(crt) -
	    (int64_t)gnutls_x509_crt_get_activation_time(crt), 5 * 365 * DAY);

	/* It mints leaves a client trusting it accepts. */
	m = new_mint(pem, key, now);
	ck_assert_int_eq(mint_get(m, "www.example.com", now, &pc, &n, &lkey),
	    0);
	memset(&mk, 0, sizeof(mk));
	mk.crt = crt;
	check_leaf(pc, n, lkey, "www.example.com", now, &mk,
	    GNUTLS_SIGN_ECDSA_SHA256);
	mint_free(m);
	gnutls_x509_crt_deinit(crt);

	/* A second run refuses and leaves the files alone. */
	ck_assert_int_eq(gnutls_load_file(pem, &d), 0);
	before = strndup((char *)d.data, d.size);
	gnutls_free(d.data);
	ck_assert_int_ne(asprintf(&cmd, "%s/scripts/mkca %s >/dev/null "
	    "2>&1", top, dir), -1);
	r = system(cmd);
	ck_assert_msg(WIFEXITED(r) && WEXITSTATUS(r) == 1, "%s: %d", cmd, r);
	ck_assert_int_eq(gnutls_load_file(pem, &d), 0);
	after = strndup((char *)d.data, d.size);
	gnutls_free(d.data);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	free(cmd);
	free(dir);
	free(pem);
	free(key);
}
END_TEST

static Suite *
mint_suite(void)
{
	Suite *s = suite_create("mint");
	TCase *tc = tcase_create("mint");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_leaf_ecdsa);
	tcase_add_test(tc, test_leaf_rsa);
	tcase_add_test(tc, test_cache);
	tcase_add_test(tc, test_renew);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_renew_held);
	tcase_add_test(tc, test_ca_errors);
	tcase_add_test(tc, test_mkca);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(mint_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
