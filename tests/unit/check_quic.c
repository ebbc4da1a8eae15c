/*
 * Unit tests for quic.c: the known answers of RFC 9001 Appendix A and
 * RFC 9369 Appendix A, then flows built with tests/unit/quic_build.c
 * (CRYPTO split, shuffled, repeated, coalesced, after Retry and Version
 * Negotiation) and broken ones (lengths off by one, truncation, wrong
 * keys, unknown frames, bounds).  Every call gets a heap copy of exactly
 * the bytes it may read, so the sanitizer build catches a read past len.
 *
 * `check_quic --write-seeds DIR` writes the fuzzer's seeds (the input
 * format is in tests/fuzz/fuzz_quic.c), kept in tests/data/quic/seeds.
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/hkdf.h>
#include <nettle/hmac.h>

#include "quic.h"
#include "quic_build.h"
#include "tls.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define V1		0x00000001U
#define V2		0x6b3343cfU
#define DRAFT29		0xff00001dU

/* RFC 9001 A.2: the protected client Initial (1200 bytes). */
static const char rfc9001_a2[] =
	"c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
	"d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
	"1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
	"8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
	"30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
	"457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
	"4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
	"4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
	"485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
	"059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
	"7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
	"9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
	"be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
	"68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
	"c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
	"f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
	"291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
	"25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
	"14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
	"ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
	"e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
	"c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
	"203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
	"cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
	"fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
	"a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
	"90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
	"162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
	"40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
	"6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
	"8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
	"be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
	"54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
	"760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
	"f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
	"056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
	"7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
	"e221af44860018ab0856972e194cd934";

/* RFC 9369 A.2: the same Initial protected for QUIC v2. */
static const char rfc9369_a2[] =
	"d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
	"dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
	"9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
	"250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
	"12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
	"cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
	"18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
	"12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
	"d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
	"6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
	"bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
	"636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
	"ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
	"16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
	"4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
	"fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
	"8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
	"14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
	"9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
	"abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
	"80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
	"848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
	"d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
	"c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
	"7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
	"f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
	"10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
	"3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
	"06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
	"8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
	"34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
	"e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
	"5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
	"8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
	"d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
	"6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
	"9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
	"a18b2faa745b6fe189cf772a9f84cbfc";

/* RFC 9001 A.2: the ClientHello in the CRYPTO frame of both. */
static const char rfc9001_hello[] =
	"010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47"
	"f06a2b69484c00000413011302010000c000000010000e00000b6578616d706c"
	"652e636f6dff01000100000a00080006001d0017001800100007000504616c70"
	"6e000500050100000000003300260024001d00209370b2c9caa47fbabaf4559f"
	"edba753de171fa71f50f1ce15d43e994ec74d748002b0003020304000d001000"
	"0e0403050306030203080408050806002d00020101001c000240010039003204"
	"08ffffffffffffffff05048000ffff07048000ffff0801100104800075300901"
	"100f088394c8f03e51570806048000ffff";

static const uint8_t dcid_rfc[8] = {
	0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08,
};
static const uint8_t dcid_b[8] = {
	0x1b, 0xad, 0xca, 0xfe, 0x00, 0x11, 0x22, 0x33,
};
static const uint8_t dcid_c[12] = {
	0xc0, 0xff, 0xee, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
};
static const uint8_t scid_a[5] = { 0x5c, 0x1d, 0x00, 0x00, 0x01 };

/* Outside Check (also used by --write-seeds): plain aborts. */
#define need(c)	do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c);	\
		abort();						\
	}								\
} while (0)

#define ck_result(got, want)	do {					\
	enum quic_result g_ = (got), w_ = (want);			\
	ck_assert_msg(g_ == w_, "got %s, want %s", quic_result_str(g_),	\
	    quic_result_str(w_));					\
} while (0)

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (hex[0] != '\0' && hex[1] != '\0') {
		need(n < cap);
		need(sscanf(hex, "%2x", &v) == 1);
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

/* A flow and its reassembly buffer, as a caller would hold them. */
struct tflow {
	struct quic_flow	f;
	uint8_t			buf[QUIC_CRYPTO_MAX];
	struct tls_hello	hello;
	uint32_t		version;
};

static void
tinit(struct tflow *t)
{
	quic_flow_init(&t->f, t->buf, sizeof(t->buf));
	memset(&t->hello, 0, sizeof(t->hello));
	t->version = 0;
}

/* Feed one datagram from a heap copy of exactly len bytes. */
static enum quic_result
feed(struct tflow *t, const uint8_t *d, size_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	enum quic_result r;

	need(copy != NULL);
	if (len > 0)
		memcpy(copy, d, len);
	r = quic_parse_datagram(&t->f, copy, len, &t->hello, &t->version);
	free(copy);
	return r;
}

/* A datagram: packets appended one after another. */
struct dgram {
	uint8_t		b[4096];
	size_t		len;
};

/* A template Initial: v1, DCID dcid_rfc, padded to 1250 bytes. */
static struct qb_initial
tmpl(uint32_t version, uint64_t pn)
{
	struct qb_initial q;

	memset(&q, 0, sizeof(q));
	q.version = version;
	q.dcid = dcid_rfc;
	q.dcid_len = sizeof(dcid_rfc);
	q.scid = scid_a;
	q.scid_len = sizeof(scid_a);
	q.pn = pn;
	q.pn_len = 2;
	q.pad_to = 1250;
	return q;
}

/* Append an Initial with frames fr to d. */
static void
add_initial(struct dgram *d, struct qb_initial q, const uint8_t *fr,
    size_t frlen)
{
	size_t n;

	q.frames = fr;
	q.frames_len = frlen;
	n = qb_initial(d->b + d->len, sizeof(d->b) - d->len, &q);
	need(n > 0);
	d->len += n;
}

/* Append an Initial carrying CRYPTO bytes [off, off + len) of hello. */
static void
add_crypto(struct dgram *d, struct qb_initial q, const uint8_t *hello,
    size_t off, size_t len)
{
	uint8_t fr[2048];
	size_t n;

	n = qb_crypto(fr, sizeof(fr), off, hello + off, len);
	need(n > 0);
	add_initial(d, q, fr, n);
}

/* Chrome-sized ClientHello for www.instagram.com. */
static size_t
big_hello(uint8_t *out, size_t cap)
{
	size_t n = qb_client_hello(out, cap, "www.instagram.com", 1, 7);

	need(n > 1500 && n < 2500);
	return n;
}

/* ------------------------------------------------------------------ */
/* Known answers */

START_TEST(test_keys_v1)
{
	/* RFC 9001 A.1 */
	uint8_t secret[32], want[32];
	struct quic_keys k;

	ck_assert_int_eq(quic_initial_keys(V1, dcid_rfc, sizeof(dcid_rfc), &k,
	    secret), 0);
	unhex("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea",
	    want, sizeof(want));
	ck_assert_mem_eq(secret, want, 32);
	unhex("1f369613dd76d5467730efcbe3b1a22d", want, sizeof(want));
	ck_assert_mem_eq(k.key, want, 16);
	unhex("fa044b2f42a3fd3b46fb255c", want, sizeof(want));
	ck_assert_mem_eq(k.iv, want, 12);
	unhex("9f50449e04a0e810283a1e9933adedd2", want, sizeof(want));
	ck_assert_mem_eq(k.hp, want, 16);
	ck_assert_uint_eq(k.version, V1);
	ck_assert_uint_eq(k.dcid_len, 8);
	ck_assert_mem_eq(k.dcid, dcid_rfc, 8);
}
END_TEST

START_TEST(test_keys_v2)
{
	/* RFC 9369 A.1 */
	uint8_t secret[32], want[32];
	struct quic_keys k;

	ck_assert_int_eq(quic_initial_keys(V2, dcid_rfc, sizeof(dcid_rfc), &k,
	    secret), 0);
	unhex("14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b",
	    want, sizeof(want));
	ck_assert_mem_eq(secret, want, 32);
	unhex("8b1a0bc121284290a29e0971b5cd045d", want, sizeof(want));
	ck_assert_mem_eq(k.key, want, 16);
	unhex("91f73e2351d8fa91660e909f", want, sizeof(want));
	ck_assert_mem_eq(k.iv, want, 12);
	unhex("45b95e15235d6f45a6b19cbcb0294ba9", want, sizeof(want));
	ck_assert_mem_eq(k.hp, want, 16);
}
END_TEST

START_TEST(test_keys_unknown)
{
	struct quic_keys k;
	uint8_t long_cid[21] = { 0 };

	memset(&k, 0xa5, sizeof(k));
	ck_assert_int_eq(quic_initial_keys(0x1a2a3a4a, dcid_rfc, 8, &k, NULL),
	    -1);
	ck_assert_int_eq(quic_initial_keys(V1, long_cid, sizeof(long_cid), &k,
	    NULL), -1);
	ck_assert_uint_eq(k.version, 0xa5a5a5a5);	/* untouched */
	/* A zero-length DCID is legal for the key schedule. */
	ck_assert_int_eq(quic_initial_keys(V1, NULL, 0, &k, NULL), 0);
}
END_TEST

/* nettle's HKDF takes the MAC through untyped function pointers. */
static void
mac_update(void *ctx, size_t len, const uint8_t *data)
{
	hmac_sha256_update(ctx, len, data);
}

static void
mac_digest(void *ctx, size_t len, uint8_t *dst)
{
	hmac_sha256_digest(ctx, len, dst);
}

/* RFC 8446 7.1 HKDF-Expand-Label(secret, label, "", len), spelt out. */
static void
ref_expand_label(const uint8_t *secret, const char *label, uint8_t *out,
    size_t len)
{
	struct hmac_sha256_ctx h;
	uint8_t info[64];
	size_t llen = strlen(label);

	info[0] = 0;
	info[1] = (uint8_t)len;
	info[2] = (uint8_t)(6 + llen);
	memcpy(info + 3, "tls13 ", 6);
	memcpy(info + 9, label, llen);
	info[9 + llen] = 0;
	hmac_sha256_set_key(&h, 32, secret);
	hkdf_expand(&h, mac_update, mac_digest, SHA256_DIGEST_SIZE,
	    10 + llen, info, len, out);
}

/*
 * Every version's Initial keys against HKDF run on its salt (RFC 9001
 * 5.2, RFC 9369 3.3.1, draft-ietf-quic-tls-22/23/29, Google's): quic.c
 * keeps each salt as HMAC states set in advance.
 */
START_TEST(test_keys_salts)
{
	static const struct {
		uint32_t	 v;
		const char	*salt;
	} t[] = {
		{ V1, "38762cf7f55934b34d179ae6a4c80cadccbb7f0a" },
		{ 0xff000022, "38762cf7f55934b34d179ae6a4c80cadccbb7f0a" },
		{ 0xff000021, "38762cf7f55934b34d179ae6a4c80cadccbb7f0a" },
		{ V2, "0dede3def700a6db819381be6e269dcbf9bd2ed9" },
		{ 0xff000020, "afbfec289993d24c9e9786f19c6111e04390a899" },
		{ DRAFT29, "afbfec289993d24c9e9786f19c6111e04390a899" },
		{ 0xff00001c, "c3eef712c72ebb5a11a7d2432bb46365bef9f502" },
		{ 0xff000017, "c3eef712c72ebb5a11a7d2432bb46365bef9f502" },
		{ 0xfaceb002, "c3eef712c72ebb5a11a7d2432bb46365bef9f502" },
		{ 0xfaceb00e, "c3eef712c72ebb5a11a7d2432bb46365bef9f502" },
		{ 0xff000016, "7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a" },
		{ 0xfaceb001, "7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a" },
		{ 0x54303530, "7ff579e5acd072915580304c43a2367c60488310" },
		{ 0x54303531, "7a4edef4e7ccee5fa4506c19124fc8ccda6e033d" },
		{ 0x51303530, "504574efd066fe2f9d945cfcdbd3a7f0d3b56b45" },
	};
	struct hmac_sha256_ctx h;
	uint8_t salt[20], initial[32], want[32], secret[32];
	struct quic_keys k;
	size_t i, len;
	bool v2;

	for (i = 0; i < NELEM(t); i++) {
		/* The RFC 9001 A.1 DCID, an empty one, and a 20-byte one. */
		for (len = 0; len <= QUIC_CID_MAX; len += 4) {
			uint8_t cid[QUIC_CID_MAX];

			memcpy(cid, dcid_c, sizeof(dcid_c));
			memcpy(cid + sizeof(dcid_c), dcid_rfc, sizeof(dcid_rfc));
			if (len == 8)
				memcpy(cid, dcid_rfc, sizeof(dcid_rfc));
			unhex(t[i].salt, salt, sizeof(salt));
			hmac_sha256_set_key(&h, sizeof(salt), salt);
			hkdf_extract(&h, mac_update, mac_digest,
			    SHA256_DIGEST_SIZE, len, cid, initial);
			ref_expand_label(initial, "client in", want, 32);
			ck_assert_int_eq(quic_initial_keys(t[i].v, cid, len, &k,
			    secret), 0);
			ck_assert_mem_eq(secret, want, 32);
			v2 = t[i].v == V2;
			ref_expand_label(secret, v2 ? "quicv2 key" : "quic key",
			    want, 16);
			ck_assert_mem_eq(k.key, want, 16);
			ref_expand_label(secret, v2 ? "quicv2 iv" : "quic iv",
			    want, 12);
			ck_assert_mem_eq(k.iv, want, 12);
			ref_expand_label(secret, v2 ? "quicv2 hp" : "quic hp",
			    want, 16);
			ck_assert_mem_eq(k.hp, want, 16);
		}
	}
}
END_TEST

static void
rfc_packet(const char *hex, uint32_t version)
{
	uint8_t pkt[1200], hello[241];
	struct tflow t;

	ck_assert_uint_eq(unhex(hex, pkt, sizeof(pkt)), 1200);
	ck_assert(quic_initial_start(pkt, sizeof(pkt)));
	tinit(&t);
	ck_result(feed(&t, pkt, sizeof(pkt)), QUIC_OK);
	ck_assert_uint_eq(t.version, version);
	ck_assert(t.hello.has_sni);
	ck_assert_str_eq(t.hello.sni, "example.com");
	ck_assert_str_eq(t.hello.alpn, "alpn");
	ck_assert(t.hello.has_quic_params);
	/* The CRYPTO stream holds exactly the RFC's ClientHello, got
	 * from the single CRYPTO frame at offset 0. */
	unhex(rfc9001_hello, hello, sizeof(hello));
	ck_assert_uint_eq(t.f.nranges, 1);
	ck_assert_uint_eq(t.f.ranges[0].start, 0);
	ck_assert_uint_eq(t.f.ranges[0].end, sizeof(hello));
	ck_assert_mem_eq(t.buf, hello, sizeof(hello));
	/* RFC 9001 A.2: packet number 2. */
	ck_assert_int_eq(t.f.largest_pn, 2);
	ck_assert(quic_flow_done(&t.f));
	/* Fed again after QUIC_OK: the same answer. */
	memset(&t.hello, 0, sizeof(t.hello));
	ck_result(feed(&t, pkt, sizeof(pkt)), QUIC_OK);
	ck_assert_str_eq(t.hello.sni, "example.com");
}

START_TEST(test_rfc9001_packet)
{
	rfc_packet(rfc9001_a2, V1);
}
END_TEST

START_TEST(test_rfc9369_packet)
{
	rfc_packet(rfc9369_a2, V2);
}
END_TEST

/* The builder seals the RFC's plaintext into the RFC's packet, byte for
 * byte: what the other tests build is real QUIC. */
static void
rfc_protect(const char *hex, uint32_t version)
{
	uint8_t want[1200], hello[241], fr[300], out[1300];
	struct qb_initial q;
	size_t n;

	unhex(hex, want, sizeof(want));
	unhex(rfc9001_hello, hello, sizeof(hello));
	n = qb_crypto(fr, sizeof(fr), 0, hello, sizeof(hello));
	memset(&q, 0, sizeof(q));
	q.version = version;
	q.dcid = dcid_rfc;
	q.dcid_len = sizeof(dcid_rfc);
	q.pn = 2;
	q.pn_len = 4;
	q.frames = fr;
	q.frames_len = n;
	q.pad_to = 1200;
	ck_assert_uint_eq(qb_initial(out, sizeof(out), &q), 1200);
	ck_assert_mem_eq(out, want, 1200);
}

START_TEST(test_rfc_protect)
{
	rfc_protect(rfc9001_a2, V1);
	rfc_protect(rfc9369_a2, V2);
}
END_TEST

/* Any single flipped bit of the RFC packet: never QUIC_OK, no crash. */
START_TEST(test_rfc_bitflips)
{
	uint8_t pkt[1200];
	struct tflow t;
	size_t i;
	enum quic_result r;

	unhex(rfc9001_a2, pkt, sizeof(pkt));
	for (i = 0; i < sizeof(pkt); i++) {
		pkt[i] ^= (uint8_t)(1 << (i % 8));
		tinit(&t);
		r = feed(&t, pkt, sizeof(pkt));
		/* Bits the header protection covers may flip the
		 * Reserved or PN length bits in byte 0 only. */
		ck_assert_msg(r != QUIC_OK, "byte %zu", i);
		ck_assert(!quic_flow_done(&t.f));
		pkt[i] ^= (uint8_t)(1 << (i % 8));
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Reassembly */

START_TEST(test_split_three)
{
	uint8_t hello[2600];
	size_t n = big_hello(hello, sizeof(hello)), a = n / 3, b = 2 * n / 3;
	struct dgram d[3];
	struct tflow t;
	int i;

	memset(d, 0, sizeof(d));
	add_crypto(&d[0], tmpl(V1, 0), hello, 0, a);
	add_crypto(&d[1], tmpl(V1, 1), hello, a, b - a);
	add_crypto(&d[2], tmpl(V1, 2), hello, b, n - b);
	/* In order. */
	tinit(&t);
	ck_result(feed(&t, d[0].b, d[0].len), QUIC_NEED_MORE);
	ck_result(feed(&t, d[1].b, d[1].len), QUIC_NEED_MORE);
	ck_result(feed(&t, d[2].b, d[2].len), QUIC_OK);
	ck_assert_str_eq(t.hello.sni, "www.instagram.com");
	ck_assert_str_eq(t.hello.alpn, "h3");
	ck_assert_uint_eq(t.version, V1);
	/* Reversed. */
	tinit(&t);
	for (i = 2; i > 0; i--)
		ck_result(feed(&t, d[i].b, d[i].len), QUIC_NEED_MORE);
	ck_assert_uint_eq(t.f.nranges, 1);
	ck_result(feed(&t, d[0].b, d[0].len), QUIC_OK);
	ck_assert_str_eq(t.hello.sni, "www.instagram.com");
	/* Middle first. */
	tinit(&t);
	ck_result(feed(&t, d[1].b, d[1].len), QUIC_NEED_MORE);
	ck_result(feed(&t, d[0].b, d[0].len), QUIC_NEED_MORE);
	ck_result(feed(&t, d[2].b, d[2].len), QUIC_OK);
}
END_TEST

/* Chrome's way: many CRYPTO frames, out of order, mixed with PING and
 * PADDING, overlapping, over two packets; then duplicates. */
START_TEST(test_shuffled_overlaps)
{
	uint8_t hello[2600], fr[2][3000];
	size_t n = big_hello(hello, sizeof(hello)), fl[2] = { 0, 0 };
	/* [start, end) pieces; some overlap others. */
	const size_t cut[][2] = {
		{ 900, 1300 }, { 0, 120 }, { 100, 500 }, { 1250, 1500 },
		{ 450, 910 }, { 1500, 0 }, { 60, 70 },
	};
	struct dgram d[2];
	struct tflow t;
	size_t i, end, m;

	for (i = 0; i < NELEM(cut); i++) {
		size_t p = i % 2;

		end = cut[i][1] == 0 ? n : cut[i][1];
		m = qb_crypto(fr[p] + fl[p], sizeof(fr[p]) - fl[p], cut[i][0],
		    hello + cut[i][0], end - cut[i][0]);
		need(m > 0);
		fl[p] += m;
		fr[p][fl[p]++] = 0x01;			/* PING */
		fr[p][fl[p]++] = 0x00;			/* PADDING */
		fr[p][fl[p]++] = 0x00;
	}
	memset(d, 0, sizeof(d));
	add_initial(&d[0], tmpl(V1, 7), fr[0], fl[0]);
	add_initial(&d[1], tmpl(V1, 8), fr[1], fl[1]);

	tinit(&t);
	ck_result(feed(&t, d[1].b, d[1].len), QUIC_NEED_MORE);
	ck_result(feed(&t, d[1].b, d[1].len), QUIC_NEED_MORE);	/* dup */
	ck_result(feed(&t, d[0].b, d[0].len), QUIC_OK);
	ck_assert_str_eq(t.hello.sni, "www.instagram.com");
	ck_assert_uint_eq(t.f.nranges, 1);
	ck_assert_uint_eq(t.f.ranges[0].end, n);
	ck_assert_mem_eq(t.buf, hello, n);

	tinit(&t);
	ck_result(feed(&t, d[0].b, d[0].len), QUIC_NEED_MORE);
	ck_result(feed(&t, d[0].b, d[0].len), QUIC_NEED_MORE);	/* dup */
	ck_result(feed(&t, d[1].b, d[1].len), QUIC_OK);
}
END_TEST

/* Ranges: insert before, after, between, bridge several, and adjacent. */
START_TEST(test_ranges)
{
	uint8_t hello[2600], fr[64];
	size_t n = big_hello(hello, sizeof(hello)), m;
	const size_t piece[][2] = {
		{ 500, 510 }, { 700, 710 }, { 300, 310 }, { 600, 610 },
		{ 505, 705 }, { 310, 320 }, { 290, 300 }, { 100, 200 },
		{ 0, 100 }, { 200, 290 },
	};
	const size_t want_n[] = { 1, 2, 3, 4, 2, 2, 2, 3, 3, 2 };
	struct tflow t;
	struct dgram d;
	size_t i;

	(void)n;
	tinit(&t);
	for (i = 0; i < NELEM(piece); i++) {
		memset(&d, 0, sizeof(d));
		m = qb_crypto(fr, sizeof(fr), piece[i][0], hello + piece[i][0],
		    piece[i][1] - piece[i][0]);
		/* pieces here are small enough for one frame each */
		need(m > 0 || piece[i][1] - piece[i][0] > 40);
		add_crypto(&d, tmpl(V1, i), hello, piece[i][0],
		    piece[i][1] - piece[i][0]);
		ck_result(feed(&t, d.b, d.len), QUIC_NEED_MORE);
		ck_assert_msg(t.f.nranges == want_n[i], "piece %zu: %u ranges",
		    i, t.f.nranges);
	}
	/* 0..320 then 500..710 */
	ck_assert_uint_eq(t.f.ranges[0].start, 0);
	ck_assert_uint_eq(t.f.ranges[0].end, 320);
	ck_assert_uint_eq(t.f.ranges[1].start, 500);
	ck_assert_uint_eq(t.f.ranges[1].end, 710);
	ck_assert_mem_eq(t.buf, hello, 320);
	ck_assert_mem_eq(t.buf + 500, hello + 500, 210);
}
END_TEST

START_TEST(test_conflict)
{
	uint8_t hello[2600], other[2600];
	size_t n = big_hello(hello, sizeof(hello));
	struct dgram d1, d2, d3;
	struct tflow t;

	memcpy(other, hello, n);
	other[700] ^= 0x20;
	memset(&d1, 0, sizeof(d1));
	memset(&d2, 0, sizeof(d2));
	memset(&d3, 0, sizeof(d3));
	add_crypto(&d1, tmpl(V1, 0), hello, 0, 1000);
	add_crypto(&d2, tmpl(V1, 1), other, 600, 200);
	add_crypto(&d3, tmpl(V1, 2), hello, 1000, n - 1000);
	tinit(&t);
	ck_result(feed(&t, d1.b, d1.len), QUIC_NEED_MORE);
	ck_result(feed(&t, d2.b, d2.len), QUIC_MALFORMED);
	ck_assert(quic_flow_done(&t.f));
	/* Final: the rest of the hello changes nothing. */
	ck_result(feed(&t, d3.b, d3.len), QUIC_MALFORMED);
	ck_assert(!t.hello.has_sni);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Datagrams */

START_TEST(test_coalesced)
{
	uint8_t hello[2600];
	size_t n = big_hello(hello, sizeof(hello)), m;
	struct dgram d;
	struct tflow t;
	struct qb_initial q = tmpl(V1, 0);

	/* Initial (the whole hello, 2 frames) + 0-RTT in one datagram. */
	q.pad_to = 0;
	memset(&d, 0, sizeof(d));
	add_crypto(&d, q, hello, 0, 1000);
	q.pn = 1;
	add_crypto(&d, q, hello, 1000, n - 1000);
	m = qb_long(d.b + d.len, sizeof(d.b) - d.len, V1, QB_0RTT, dcid_rfc,
	    sizeof(dcid_rfc), 300);
	ck_assert_uint_gt(m, 0);
	d.len += m;
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_OK);
	ck_assert_str_eq(t.hello.sni, "www.instagram.com");

	/* Initial + Handshake, v2. */
	q = tmpl(V2, 0);
	q.pad_to = 0;
	memset(&d, 0, sizeof(d));
	add_crypto(&d, q, hello, 0, 1100);
	m = qb_long(d.b + d.len, sizeof(d.b) - d.len, V2, QB_HANDSHAKE,
	    dcid_rfc, sizeof(dcid_rfc), 200);
	d.len += m;
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_NEED_MORE);
	memset(&d, 0, sizeof(d));
	q.pn = 1;
	q.pad_to = 1250;
	add_crypto(&d, q, hello, 1100, n - 1100);
	ck_result(feed(&t, d.b, d.len), QUIC_OK);
	ck_assert_uint_eq(t.version, V2);
}
END_TEST

START_TEST(test_not_first)
{
	uint8_t hello[2600];
	size_t n = qb_client_hello(hello, sizeof(hello), "www.tiktok.com", 0,
	    3), m;
	struct dgram d;
	struct tflow t;
	struct qb_initial q = tmpl(V1, 5);

	/* 0-RTT, Handshake, then the Initial: out of RFC 9000 12.2's
	 * order, read all the same. */
	memset(&d, 0, sizeof(d));
	m = qb_long(d.b, sizeof(d.b), V1, QB_0RTT, dcid_rfc, sizeof(dcid_rfc),
	    100);
	d.len += m;
	m = qb_long(d.b + d.len, sizeof(d.b) - d.len, V1, QB_HANDSHAKE,
	    dcid_rfc, sizeof(dcid_rfc), 100);
	d.len += m;
	add_crypto(&d, q, hello, 0, n);
	ck_assert(!quic_initial_start(d.b, d.len));
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_OK);
	ck_assert_str_eq(t.hello.sni, "www.tiktok.com");

	/* RFC 9000 12.2: an Initial after a packet with another DCID is
	 * ignored. */
	memset(&d, 0, sizeof(d));
	m = qb_long(d.b, sizeof(d.b), V1, QB_0RTT, dcid_b, sizeof(dcid_b),
	    100);
	d.len += m;
	add_crypto(&d, q, hello, 0, n);
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_SKIPPED);

	/* Zero padding after the Initial ends the walk quietly. */
	memset(&d, 0, sizeof(d));
	q.pad_to = 0;
	add_crypto(&d, q, hello, 0, n);
	d.len = 1300;
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_OK);
}
END_TEST

START_TEST(test_retry_vn)
{
	uint8_t hello[2600], token[40];
	size_t n = big_hello(hello, sizeof(hello)), m;
	struct dgram d, a, b;
	struct tflow t;
	struct qb_initial q = tmpl(V1, 0);

	memset(token, 0x7e, sizeof(token));
	/* Version Negotiation and Retry alone: skipped. */
	memset(&d, 0, sizeof(d));
	d.len = qb_vn(d.b, sizeof(d.b), dcid_rfc, sizeof(dcid_rfc));
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_SKIPPED);
	ck_assert(!quic_initial_start(d.b, d.len));
	d.len = qb_retry(d.b, sizeof(d.b), V1, scid_a, sizeof(scid_a), dcid_b,
	    sizeof(dcid_b), token, sizeof(token));
	ck_result(feed(&t, d.b, d.len), QUIC_SKIPPED);
	d.len = qb_retry(d.b, sizeof(d.b), V2, scid_a, sizeof(scid_a), dcid_b,
	    sizeof(dcid_b), token, sizeof(token));
	ck_result(feed(&t, d.b, d.len), QUIC_SKIPPED);
	ck_assert(!quic_flow_done(&t.f));

	/* A flow through a Retry: the first hello half under the first
	 * DCID; then the whole hello again to the Retry's SCID, with the
	 * token and keys of the new DCID (RFC 9000 17.2.5.2). */
	memset(&a, 0, sizeof(a));
	add_crypto(&a, q, hello, 0, 1000);
	q.dcid = dcid_b;
	q.dcid_len = sizeof(dcid_b);
	q.token = token;
	q.token_len = sizeof(token);
	q.pn = 1;
	memset(&b, 0, sizeof(b));
	add_crypto(&b, q, hello, 0, 1000);
	q.pn = 2;
	memset(&d, 0, sizeof(d));
	add_crypto(&d, q, hello, 1000, n - 1000);
	tinit(&t);
	ck_result(feed(&t, a.b, a.len), QUIC_NEED_MORE);
	m = qb_retry(a.b, sizeof(a.b), V1, scid_a, sizeof(scid_a), dcid_b,
	    sizeof(dcid_b), token, sizeof(token));
	ck_result(feed(&t, a.b, m), QUIC_SKIPPED);
	ck_result(feed(&t, b.b, b.len), QUIC_NEED_MORE);
	ck_assert_uint_eq(t.f.derived, 2);
	ck_result(feed(&t, d.b, d.len), QUIC_OK);
	ck_assert_str_eq(t.hello.sni, "www.instagram.com");

	/* After a Version Negotiation the client starts over in another
	 * version, with another hello: a new stream. */
	memset(&a, 0, sizeof(a));
	add_crypto(&a, tmpl(V2, 0), hello, 0, 1000);
	n = qb_client_hello(hello, sizeof(hello), "www.snapchat.com", 0, 9);
	memset(&b, 0, sizeof(b));
	add_crypto(&b, tmpl(V1, 0), hello, 0, n);
	tinit(&t);
	ck_result(feed(&t, a.b, a.len), QUIC_NEED_MORE);
	d.len = qb_vn(d.b, sizeof(d.b), scid_a, sizeof(scid_a));
	ck_result(feed(&t, d.b, d.len), QUIC_SKIPPED);
	ck_result(feed(&t, b.b, b.len), QUIC_OK);
	ck_assert_str_eq(t.hello.sni, "www.snapchat.com");
	ck_assert_uint_eq(t.version, V1);
}
END_TEST

/* A later Initial to the server's chosen CID keeps the first keys
 * (RFC 9000 7.2), as nDPI's quic_frags_different_dcid capture shows. */
START_TEST(test_different_dcid)
{
	uint8_t hello[2600];
	size_t n = big_hello(hello, sizeof(hello));
	struct dgram a, b;
	struct tflow t;
	struct qb_initial q = tmpl(V1, 0);

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	add_crypto(&a, q, hello, 0, 1100);
	q.dcid = dcid_c;
	q.dcid_len = sizeof(dcid_c);
	q.key_dcid = dcid_rfc;
	q.key_dcid_len = sizeof(dcid_rfc);
	q.pn = 1;
	add_crypto(&b, q, hello, 1100, n - 1100);
	tinit(&t);
	ck_result(feed(&t, a.b, a.len), QUIC_NEED_MORE);
	ck_result(feed(&t, b.b, b.len), QUIC_OK);
	ck_assert_str_eq(t.hello.sni, "www.instagram.com");
	/* Keys tried in order: no derivation for the second DCID. */
	ck_assert_uint_eq(t.f.derived, 1);
	/* Out of order: the second DCID is seen first; its own keys fail,
	 * the first packet's keys are then derived and kept. */
	tinit(&t);
	ck_result(feed(&t, b.b, b.len), QUIC_DECRYPT_FAILED);
	ck_result(feed(&t, a.b, a.len), QUIC_NEED_MORE);
	ck_result(feed(&t, b.b, b.len), QUIC_OK);
}
END_TEST

START_TEST(test_wrong_keys)
{
	uint8_t hello[600];
	size_t n = qb_client_hello(hello, sizeof(hello), "x.com", 0, 1);
	struct dgram d, good;
	struct tflow t;
	struct qb_initial q = tmpl(V1, 0);
	int i;

	memset(&d, 0, sizeof(d));
	q.key_dcid = dcid_b;
	q.key_dcid_len = sizeof(dcid_b);
	add_crypto(&d, q, hello, 0, n);
	memset(&good, 0, sizeof(good));
	add_crypto(&good, tmpl(V1, 0), hello, 0, n);
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_DECRYPT_FAILED);
	ck_assert(!quic_flow_done(&t.f));
	ck_result(feed(&t, good.b, good.len), QUIC_OK);
	ck_assert_str_eq(t.hello.sni, "x.com");

	/* Wrong version bits: a v1 Initial labelled v2 fails too. */
	memcpy(d.b, good.b, good.len);
	d.b[1] = 0x6b; d.b[2] = 0x33; d.b[3] = 0x43; d.b[4] = 0xcf;
	d.b[0] = (uint8_t)((d.b[0] & 0xcf) | 0x10);
	tinit(&t);
	ck_result(feed(&t, d.b, good.len), QUIC_DECRYPT_FAILED);

	/* Set Reserved Bits are refused (RFC 9000 17.2). */
	q = tmpl(V1, 0);
	q.reserved = 2;
	memset(&d, 0, sizeof(d));
	add_crypto(&d, q, hello, 0, n);
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_DECRYPT_FAILED);

	/* Key derivations are capped: Initials to ever new DCIDs. */
	tinit(&t);
	for (i = 0; i < QUIC_DERIVE_MAX + 2; i++) {
		uint8_t cid[8];

		memset(cid, i + 1, sizeof(cid));
		q = tmpl(V1, 0);
		q.dcid = cid;
		q.key_dcid = dcid_b;
		q.key_dcid_len = sizeof(dcid_b);
		memset(&d, 0, sizeof(d));
		add_crypto(&d, q, hello, 0, n);
		ck_result(feed(&t, d.b, d.len), QUIC_DECRYPT_FAILED);
	}
	ck_assert_uint_eq(t.f.derived, QUIC_DERIVE_MAX);
	ck_result(feed(&t, good.b, good.len), QUIC_DECRYPT_FAILED);
}
END_TEST

START_TEST(test_not_initial)
{
	uint8_t d[1300];
	struct tflow t;
	size_t n;

	memset(d, 0, sizeof(d));
	tinit(&t);
	/* Zeros, a short header (Fixed Bit set), empty. */
	ck_result(feed(&t, d, sizeof(d)), QUIC_NOT_QUIC);
	d[0] = 0x43;
	ck_result(feed(&t, d, sizeof(d)), QUIC_SKIPPED);
	ck_result(feed(&t, d, 0), QUIC_NOT_QUIC);
	/* Unknown and greased versions (RFC 9000 15). */
	n = qb_long(d, sizeof(d), 0x1a2a3a4a, QB_INITIAL, dcid_rfc, 8, 1200);
	ck_result(feed(&t, d, n), QUIC_UNSUPPORTED_VERSION);
	ck_assert(!quic_initial_start(d, n));
	/* Google Q099 does not exist; Q050 is known, this one's junk. */
	n = qb_long(d, sizeof(d), 0x51303939, QB_INITIAL, dcid_rfc, 8, 1200);
	ck_result(feed(&t, d, n), QUIC_UNSUPPORTED_VERSION);
	n = qb_long(d, sizeof(d), 0x51303530, QB_INITIAL, dcid_rfc, 8, 1200);
	ck_result(feed(&t, d, n), QUIC_DECRYPT_FAILED);
	/* A bare 0-RTT or Handshake packet. */
	n = qb_long(d, sizeof(d), V1, QB_HANDSHAKE, dcid_rfc, 8, 1200);
	ck_result(feed(&t, d, n), QUIC_SKIPPED);
	ck_assert(!quic_initial_start(d, n));
	ck_assert(!quic_flow_done(&t.f));
}
END_TEST

/* RFC 9000 14.1: an Initial in a datagram under 1200 bytes is dropped
 * by servers and skipped here. */
START_TEST(test_small_datagram)
{
	uint8_t hello[600];
	size_t n = qb_client_hello(hello, sizeof(hello), "x.com", 0, 1);
	struct dgram d;
	struct tflow t;
	struct qb_initial q = tmpl(V1, 0);

	q.pad_to = 1199;
	memset(&d, 0, sizeof(d));
	add_crypto(&d, q, hello, 0, n);
	ck_assert_uint_eq(d.len, 1199);
	ck_assert(!quic_initial_start(d.b, d.len));
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_SKIPPED);
	q.pad_to = 1200;
	memset(&d, 0, sizeof(d));
	add_crypto(&d, q, hello, 0, n);
	ck_assert(quic_initial_start(d.b, d.len));
	ck_result(feed(&t, d.b, d.len), QUIC_OK);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Broken input */

/* Every header length field of an Initial pushed off by -3..+3: no
 * crash, and never a name other than the real one. */
START_TEST(test_header_lengths_off)
{
	uint8_t hello[600], token[20];
	size_t n = qb_client_hello(hello, sizeof(hello), "x.com", 0, 1);
	struct dgram d;
	struct tflow t;
	struct qb_initial q;
	/* offsets of DCID Len, SCID Len, Token Length (one byte here) */
	const size_t field[] = { 5, 5 + 1 + 8, 5 + 1 + 8 + 1 + 5 };
	size_t i, len;
	int delta;
	enum quic_result r;

	memset(token, 0x11, sizeof(token));
	for (delta = -3; delta <= 3; delta++) {
		/* The Length field, really off. */
		q = tmpl(V1, 0);
		q.token = token;
		q.token_len = sizeof(token);
		q.length_delta = delta;
		memset(&d, 0, sizeof(d));
		add_crypto(&d, q, hello, 0, n);
		tinit(&t);
		r = feed(&t, d.b, d.len);
		if (delta == 0)
			ck_result(r, QUIC_OK);
		else if (delta > 0)
			ck_result(r, QUIC_MALFORMED);	/* past the datagram */
		else
			ck_result(r, QUIC_DECRYPT_FAILED);
		ck_assert(!quic_flow_done(&t.f) || r == QUIC_OK);

		/* The one-byte fields, rewritten after sealing. */
		q.length_delta = 0;
		memset(&d, 0, sizeof(d));
		add_crypto(&d, q, hello, 0, n);
		for (i = 0; i < NELEM(field) && delta != 0; i++) {
			uint8_t save = d.b[field[i]];

			d.b[field[i]] = (uint8_t)(save + delta);
			for (len = 0; len <= d.len; len += len < 64 ? 1 : 97) {
				tinit(&t);
				r = feed(&t, d.b, len);
				ck_assert_msg(r != QUIC_OK, "field %zu %+d", i,
				    delta);
				ck_assert(!quic_flow_done(&t.f));
			}
			d.b[field[i]] = save;
		}
	}
}
END_TEST

/* Every length inside the sealed payload off by -2..+2: the CRYPTO
 * frame's Offset and Length, ACK counts, a CONNECTION_CLOSE reason. */
START_TEST(test_frame_lengths_off)
{
	uint8_t hello[600], fr[800];
	size_t n = qb_client_hello(hello, sizeof(hello), "x.com", 0, 1), m;
	struct dgram d;
	struct tflow t;
	int delta;
	enum quic_result r;

	for (delta = -2; delta <= 2; delta++) {
		/* CRYPTO Length (2-byte varint at fr[2..3]). */
		m = qb_crypto(fr, sizeof(fr), 0, hello, n);
		fr[3] = (uint8_t)(fr[3] + delta);
		memset(&d, 0, sizeof(d));
		add_initial(&d, tmpl(V1, 0), fr, m);
		tinit(&t);
		r = feed(&t, d.b, d.len);
		if (delta == 0)
			ck_result(r, QUIC_OK);
		else if (delta < 0)
			/* the hello's tail is read as frames */
			ck_assert_msg(r == QUIC_MALFORMED ||
			    r == QUIC_NEED_MORE, "crypto %+d: %s", delta,
			    quic_result_str(r));
		else
			/* padding joins the stream past the message */
			ck_result(r, QUIC_OK);
		if (r == QUIC_OK)
			ck_assert_str_eq(t.hello.sni, "x.com");

		/* CRYPTO Offset: a gap at the start never completes; an
		 * offset off by one leaves offset 0 without its byte. */
		m = qb_crypto(fr, sizeof(fr), 2 + (uint64_t)delta, hello, n);
		memset(&d, 0, sizeof(d));
		add_initial(&d, tmpl(V1, 0), fr, m);
		tinit(&t);
		r = feed(&t, d.b, d.len);
		if (delta == -2)
			/* offset 0 again: the stream is the hello */
			ck_result(r, QUIC_OK);
		else
			ck_result(r, QUIC_NEED_MORE);

		/* ACK Range Count off: an ACK frame (0x02) with one range,
		 * then the CRYPTO frame. */
		m = 0;
		fr[m++] = 0x02;
		fr[m++] = 0x05;		/* Largest Acknowledged */
		fr[m++] = 0x00;		/* ACK Delay */
		fr[m++] = (uint8_t)(1 + delta);	/* ACK Range Count */
		fr[m++] = 0x00;		/* First ACK Range */
		fr[m++] = 0x01;		/* Gap */
		fr[m++] = 0x00;		/* ACK Range Length */
		m += qb_crypto(fr + m, sizeof(fr) - m, 0, hello, n);
		memset(&d, 0, sizeof(d));
		add_initial(&d, tmpl(V1, 0), fr, m);
		tinit(&t);
		r = feed(&t, d.b, d.len);
		if (delta == 0)
			ck_result(r, QUIC_OK);
		else
			ck_assert_msg(r == QUIC_MALFORMED ||
			    (r == QUIC_OK && strcmp(t.hello.sni, "x.com") == 0),
			    "ack %+d: %s", delta, quic_result_str(r));

		/* CONNECTION_CLOSE Reason Phrase Length off. */
		m = qb_crypto(fr, sizeof(fr), 0, hello, n);
		fr[m++] = 0x1c;
		fr[m++] = 0x0a;		/* Error Code */
		fr[m++] = 0x06;		/* Frame Type */
		fr[m++] = (uint8_t)(4 + delta);
		memcpy(fr + m, "oops", 4);
		m += 4;
		memset(&d, 0, sizeof(d));
		add_initial(&d, tmpl(V1, 0), fr, m);
		tinit(&t);
		r = feed(&t, d.b, d.len);
		/* Longer reasons eat padding; shorter leave "s" etc. */
		ck_assert_msg(r == QUIC_MALFORMED || r == QUIC_OK,
		    "close %+d: %s", delta, quic_result_str(r));
		if (delta <= 0)
			ck_result(r, delta == 0 ? QUIC_OK : QUIC_MALFORMED);
	}
}
END_TEST

/* The RFC packet and a coalesced pair cut at every length. */
START_TEST(test_truncated)
{
	uint8_t pkt[1200], hello[2600];
	size_t len, n = big_hello(hello, sizeof(hello));
	struct tflow t, keep;
	struct dgram d;
	struct qb_initial q = tmpl(V1, 0);
	enum quic_result r;

	unhex(rfc9001_a2, pkt, sizeof(pkt));
	tinit(&keep);
	for (len = 0; len < sizeof(pkt); len++) {
		tinit(&t);
		r = feed(&t, pkt, len);
		ck_assert_msg(r != QUIC_OK, "len %zu", len);
		ck_assert(!quic_flow_done(&t.f));
		/* The same flow takes every cut, and is not hurt. */
		ck_assert(feed(&keep, pkt, len) != QUIC_OK);
	}
	ck_result(feed(&keep, pkt, sizeof(pkt)), QUIC_OK);
	ck_assert_str_eq(keep.hello.sni, "example.com");

	/* Two Initials in 1300+ bytes: cuts past 1200 reach the second
	 * packet's header and payload. */
	q.pad_to = 0;
	memset(&d, 0, sizeof(d));
	add_crypto(&d, q, hello, 0, 700);
	q.pn = 1;
	add_crypto(&d, q, hello, 700, n - 700);
	need(d.len > QUIC_MIN_DATAGRAM);
	for (len = QUIC_MIN_DATAGRAM; len < d.len; len++) {
		tinit(&t);
		r = feed(&t, d.b, len);
		ck_assert_msg(r == QUIC_NEED_MORE, "len %zu: %s", len,
		    quic_result_str(r));
	}
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_OK);
}
END_TEST

START_TEST(test_too_big)
{
	uint8_t hello[2600], fr[64], huge[QUIC_PACKET_MAX + 100];
	size_t n = big_hello(hello, sizeof(hello)), m, i;
	struct dgram d;
	struct tflow t;
	struct qb_initial q;

	/* CRYPTO past the buffer. */
	m = qb_crypto(fr, sizeof(fr), QUIC_CRYPTO_MAX - 4, hello, 10);
	memset(&d, 0, sizeof(d));
	add_initial(&d, tmpl(V1, 0), fr, m);
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_TOO_BIG);
	ck_assert(quic_flow_done(&t.f));
	/* Exactly up to the end is fine. */
	m = qb_crypto(fr, sizeof(fr), QUIC_CRYPTO_MAX - 10, hello, 10);
	memset(&d, 0, sizeof(d));
	add_initial(&d, tmpl(V1, 0), fr, m);
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_NEED_MORE);
	/* RFC 9000 19.6: offset + length over 2^62 - 1 is malformed. */
	m = qb_crypto(fr, sizeof(fr), (1ULL << 62) - 5, hello, 10);
	memset(&d, 0, sizeof(d));
	add_initial(&d, tmpl(V1, 0), fr, m);
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_MALFORMED);
	/* A hello that says it is larger than the buffer. */
	memcpy(fr, hello, 8);
	fr[1] = 0x00;
	fr[2] = 0x40;
	fr[3] = 0x00;
	m = qb_crypto(fr + 8, sizeof(fr) - 8, 0, fr, 8);
	memset(&d, 0, sizeof(d));
	add_initial(&d, tmpl(V1, 0), fr + 8, m);
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_TOO_BIG);
	/* A smaller buffer bounds the stream the same way. */
	quic_flow_init(&t.f, t.buf, 1000);
	memset(&d, 0, sizeof(d));
	add_crypto(&d, tmpl(V1, 0), hello, 0, n);
	ck_result(quic_parse_datagram(&t.f, d.b, d.len, &t.hello, NULL),
	    QUIC_TOO_BIG);
	/* More disjoint ranges than we hold: every other 10 bytes. */
	tinit(&t);
	for (i = 0; i <= QUIC_CRYPTO_RANGES; i++) {
		memset(&d, 0, sizeof(d));
		add_crypto(&d, tmpl(V1, i), hello, 20 * i + 10, 10);
		ck_result(feed(&t, d.b, d.len), i < QUIC_CRYPTO_RANGES ?
		    QUIC_NEED_MORE : QUIC_TOO_BIG);
	}
	/* A packet over QUIC_PACKET_MAX is not opened. */
	q = tmpl(V1, 0);
	q.pad_to = sizeof(huge) - 10;
	m = qb_crypto(fr, sizeof(fr), 0, hello, 10);
	q.frames = fr;
	q.frames_len = m;
	m = qb_initial(huge, sizeof(huge), &q);
	ck_assert_uint_gt(m, QUIC_PACKET_MAX);
	tinit(&t);
	ck_result(feed(&t, huge, m), QUIC_TOO_BIG);
	ck_assert(!quic_flow_done(&t.f));
}
END_TEST

START_TEST(test_frames)
{
	uint8_t hello[600], fr[900];
	size_t n = qb_client_hello(hello, sizeof(hello), "x.com", 0, 1), m;
	/* Frame types an Initial may not carry (RFC 9000 12.4), and a
	 * CRYPTO type in a two-byte encoding. */
	const uint8_t bad[][2] = {
		{ 0x08, 0x00 }, { 0x1e, 0x00 }, { 0x04, 0x00 }, { 0x18, 0x00 },
		{ 0x40, 0x06 }, { 0x3f, 0x00 }, { 0xff, 0x00 },
	};
	struct dgram d;
	struct tflow t;
	size_t i;

	/* Every allowed frame, then the hello. */
	m = 0;
	fr[m++] = 0x01;				/* PING */
	fr[m++] = 0x03;				/* ACK with ECN counts */
	fr[m++] = 0x42;	fr[m++] = 0x00;		/* Largest Acknowledged */
	fr[m++] = 0x05;				/* ACK Delay */
	fr[m++] = 0x02;				/* ACK Range Count */
	fr[m++] = 0x03;				/* First ACK Range */
	fr[m++] = 0x01; fr[m++] = 0x02;		/* Gap, Length */
	fr[m++] = 0x80; fr[m++] = 0x00; fr[m++] = 0x00; fr[m++] = 0x01;
	fr[m++] = 0x00;
	fr[m++] = 0x01; fr[m++] = 0x02; fr[m++] = 0x03;	/* ECN counts */
	fr[m++] = 0x1d;				/* CONNECTION_CLOSE (app) */
	fr[m++] = 0x00;	fr[m++] = 0x02;	fr[m++] = 'n'; fr[m++] = 'o';
	fr[m++] = 0x00;	fr[m++] = 0x00;		/* PADDING */
	m += qb_crypto(fr + m, sizeof(fr) - m, 0, hello, n);
	memset(&d, 0, sizeof(d));
	add_initial(&d, tmpl(V1, 0), fr, m);
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_OK);

	for (i = 0; i < NELEM(bad); i++) {
		m = qb_crypto(fr, sizeof(fr), 0, hello, 50);
		fr[m++] = bad[i][0];
		fr[m++] = bad[i][1];
		m += qb_crypto(fr + m, sizeof(fr) - m, 50, hello + 50, n - 50);
		memset(&d, 0, sizeof(d));
		add_initial(&d, tmpl(V1, 0), fr, m);
		tinit(&t);
		ck_result(feed(&t, d.b, d.len), QUIC_MALFORMED);
		ck_assert(quic_flow_done(&t.f));
	}
	/* Truncated varints at the payload's end: ACK, CRYPTO, CLOSE. */
	for (i = 0; i < 3; i++) {
		const uint8_t tail[3][4] = {
			{ 0x02, 0x01, 0x00, 0x40 }, { 0x06, 0x00, 0x80, 0x00 },
			{ 0x1c, 0x01, 0x02, 0xc0 },
		};

		memset(&d, 0, sizeof(d));
		d.len = 0;
		{
			struct qb_initial q = tmpl(V1, 0);

			q.pad_to = 0;
			add_initial(&d, q, tail[i], sizeof(tail[i]));
		}
		/* coalesce a Handshake packet so the datagram is big */
		d.len += qb_long(d.b + d.len, sizeof(d.b) - d.len, V1,
		    QB_HANDSHAKE, dcid_rfc, sizeof(dcid_rfc), 1200);
		tinit(&t);
		ck_result(feed(&t, d.b, d.len), QUIC_MALFORMED);
	}
	/* An empty payload (only the sample's padding is there, but as
	 * PADDING frames) is fine; a payload of no frames cannot be built
	 * as the sample needs 4 bytes. */
}
END_TEST

/*
 * PADDING runs of every length up to 80 bytes at 8 alignments, each
 * ended by the next frame: a CRYPTO frame with the whole hello (read),
 * or a frame an Initial may not carry (RFC 9000 12.4: malformed), so a
 * run read a word at a time must stop at its last zero byte.  The same
 * for Google's T051, whose CRYPTO frame is 0x08 and other frames end the
 * walk.
 */
START_TEST(test_padding_runs)
{
	uint8_t hello[600], fr[1000];
	size_t n = qb_client_hello(hello, sizeof(hello), "pad.example", 0, 3);
	size_t lead, run, m, at;
	struct dgram d;
	struct tflow t;
	int g;

	for (g = 0; g < 2; g++)
		for (lead = 0; lead < 8; lead++)
			for (run = 1; run <= 80; run++) {
				/* PINGs, the run, a CRYPTO frame */
				m = 0;
				while (m < lead)
					fr[m++] = g ? 0x07 : 0x01;
				memset(fr + m, 0, run);
				m += run;
				at = m;
				m += qb_crypto(fr + m, sizeof(fr) - m, 0, hello,
				    n);
				fr[at] = g ? 0x08 : 0x06;
				memset(&d, 0, sizeof(d));
				add_initial(&d, tmpl(g ? 0x54303531 : V1, 0), fr,
				    m);
				tinit(&t);
				ck_result(feed(&t, d.b, d.len), QUIC_OK);
				ck_assert_str_eq(t.hello.sni, "pad.example");
				/* the frame after the run: STREAM, or for
				 * gQUIC an ACK, which stops the walk */
				fr[at] = g ? 0x40 : 0x08;
				memset(&d, 0, sizeof(d));
				add_initial(&d, tmpl(g ? 0x54303531 : V1, 0), fr,
				    m);
				tinit(&t);
				ck_result(feed(&t, d.b, d.len),
				    g ? QUIC_NEED_MORE : QUIC_MALFORMED);
			}
}
END_TEST

/* RFC 9000 A.3: truncated packet numbers expand near the largest seen. */
START_TEST(test_packet_numbers)
{
	uint8_t hello[2600];
	size_t n = big_hello(hello, sizeof(hello));
	struct dgram d;
	struct tflow t;
	struct qb_initial q = tmpl(V1, 0x1fff0);

	q.pn_len = 4;
	memset(&d, 0, sizeof(d));
	add_crypto(&d, q, hello, 0, 600);
	tinit(&t);
	ck_result(feed(&t, d.b, d.len), QUIC_NEED_MORE);
	ck_assert_int_eq(t.f.largest_pn, 0x1fff0);
	/* 0x20005 sent in one byte (0x05): the nearest to 0x1fff1. */
	q.pn = 0x20005;
	q.pn_len = 1;
	memset(&d, 0, sizeof(d));
	add_crypto(&d, q, hello, 600, 600);
	ck_result(feed(&t, d.b, d.len), QUIC_NEED_MORE);
	ck_assert_int_eq(t.f.largest_pn, 0x20005);
	/* An older one, 0x1fffe in two bytes. */
	q.pn = 0x1fffe;
	q.pn_len = 2;
	memset(&d, 0, sizeof(d));
	add_crypto(&d, q, hello, 1200, n - 1200);
	ck_result(feed(&t, d.b, d.len), QUIC_OK);
	ck_assert_int_eq(t.f.largest_pn, 0x20005);
}
END_TEST

START_TEST(test_versions)
{
	const struct { uint32_t v; const char *name; } t[] = {
		{ V1, "v1" }, { V2, "v2" }, { 0xff000022, "draft-34" },
		{ 0xff000021, "draft-33" }, { 0xff000020, "draft-32" },
		{ DRAFT29, "draft-29" }, { 0xff00001b, "draft-27" },
		{ 0xff000017, "draft-23" }, { 0xff000016, "draft-22" },
		{ 0xfaceb001, "mvfst-22" }, { 0xfaceb002, "mvfst-27" },
		{ 0xfaceb00e, "mvfst-exp" }, { 0x54303530, "T050" },
		{ 0x54303531, "T051" },
	};
	const struct { uint32_t v; const char *name; } g[] = {
		{ 0x51303530, "Q050" }, { 0x51303436, "Q046" },
		{ 0x51303433, "Q043" }, { 0x51303234, "Q024" },
	};
	uint8_t hello[600];
	size_t n = qb_client_hello(hello, sizeof(hello), "www.facebook.com", 0,
	    5), i;
	struct dgram d;
	struct tflow tf;
	char name[16];

	for (i = 0; i < NELEM(t); i++) {
		uint8_t fr[700];
		size_t m = qb_crypto(fr, sizeof(fr), 0, hello, n);

		ck_assert_str_eq(quic_version_name(t[i].v), t[i].name);
		/* Google's T05x number CRYPTO 0x08 (gQUIC frames). */
		if ((t[i].v & 0xffffff00) == 0x54303500)
			fr[0] = 0x08;
		memset(&d, 0, sizeof(d));
		add_initial(&d, tmpl(t[i].v, 0), fr, m);
		ck_assert(quic_initial_start(d.b, d.len));
		tinit(&tf);
		ck_result(feed(&tf, d.b, d.len), QUIC_OK);
		ck_assert_uint_eq(tf.version, t[i].v);
		ck_assert_str_eq(tf.hello.sni, "www.facebook.com");
	}
	for (i = 0; i < NELEM(g); i++)
		ck_assert_str_eq(quic_version_name(g[i].v), g[i].name);
	/* The rest of the table too, as it is searched by halves. */
	for (i = 22; i <= 34; i++) {
		snprintf(name, sizeof(name), "draft-%zu", i);
		ck_assert_str_eq(quic_version_name(0xff000000U | (uint32_t)i),
		    name);
	}
	for (i = 24; i <= 46; i++) {
		snprintf(name, sizeof(name), "Q%03zu", i);
		ck_assert_str_eq(quic_version_name(0x51303030U |
		    (uint32_t)(i / 10) << 8 | (uint32_t)(i % 10)), name);
	}
	ck_assert_ptr_null(quic_version_name(0));
	ck_assert_ptr_null(quic_version_name(0xff000015));
	ck_assert_ptr_null(quic_version_name(0x51303939));
	ck_assert_str_eq(quic_result_str(QUIC_DECRYPT_FAILED),
	    "decrypt failed");
}
END_TEST

/* Google QUIC: a CHLO in clear (Q024..Q046) or in Q050 Initials. */
START_TEST(test_gquic)
{
	const unsigned nums[] = { 24, 33, 35, 39, 43, 46 };
	uint8_t chlo[1100], d[1400], fr[1200];
	size_t n, m, len, i;
	struct dgram q;
	struct tflow t;
	struct qb_initial qi;

	n = qb_chlo(chlo, sizeof(chlo), "www.YouTube.com", 1024);
	ck_assert_uint_eq(n, 1024);
	for (i = 0; i < NELEM(nums); i++) {
		/* One packet. */
		m = qb_gquic(d, sizeof(d), nums[i], 1, 0, chlo, n, 1350);
		ck_assert_uint_gt(m, 0);
		ck_assert(quic_initial_start(d, m));
		tinit(&t);
		ck_result(feed(&t, d, m), QUIC_OK);
		ck_assert_str_eq(t.hello.sni, "www.youtube.com");
		ck_assert_str_eq(quic_version_name(t.version), nums[i] == 24 ?
		    "Q024" : nums[i] == 33 ? "Q033" : nums[i] == 35 ? "Q035" :
		    nums[i] == 39 ? "Q039" : nums[i] == 43 ? "Q043" : "Q046");
		ck_assert(t.hello.legacy_version == 0 && t.hello.alpn[0] == 0);

		/* Split over two packets, second half first; the later
		 * public header leaves the version out. */
		tinit(&t);
		m = qb_gquic(d, sizeof(d), nums[i], 1, 0, chlo, 600, 0);
		len = qb_gquic(d + m, sizeof(d) - m, nums[i], 2, 600,
		    chlo + 600, n - 600, 0);
		if (nums[i] < 44)
			d[m] &= (uint8_t)~0x01;
		ck_result(feed(&t, d, m), QUIC_NEED_MORE);
		if (nums[i] < 44) {
			/* without the version bit: 4 bytes shorter */
			memmove(d + m + 9, d + m + 13, len - 13);
			len -= 4;
		}
		ck_result(feed(&t, d + m, len), QUIC_OK);
		ck_assert_str_eq(t.hello.sni, "www.youtube.com");

		/* The full CHLO after a REJ sits further on the stream;
		 * a capture may begin with it. */
		m = qb_gquic(d, sizeof(d), nums[i], 3, 1024, chlo, n, 1350);
		tinit(&t);
		ck_result(feed(&t, d, m), QUIC_OK);
		ck_assert_str_eq(t.hello.sni, "www.youtube.com");
		ck_result(feed(&t, d, m), QUIC_OK);	/* final */

		/* Every truncation: no crash, no name. */
		m = qb_gquic(d, sizeof(d), nums[i], 1, 0, chlo, n, 0);
		for (len = 0; len < m; len++) {
			tinit(&t);
			ck_assert(feed(&t, d, len) != QUIC_OK);
		}
	}

	/* No SNI: complete, without a name. */
	n = qb_chlo(chlo, sizeof(chlo), NULL, 1024);
	m = qb_gquic(d, sizeof(d), 43, 1, 0, chlo, n, 1350);
	tinit(&t);
	ck_result(feed(&t, d, m), QUIC_OK);
	ck_assert(!t.hello.has_sni);

	/* Broken CHLOs: a bad name, tags out of order, a decreasing end
	 * offset, too many entries, a value past the buffer. */
	for (i = 0; i < 5; i++) {
		n = qb_chlo(chlo, sizeof(chlo), "evil.example", 1024);
		switch (i) {
		case 0:
			chlo[n - 19 - 4 - 3] = '<';	/* in the name */
			break;
		case 1:
			memcpy(chlo + 8, "ZZZ", 4);	/* PAD tag > SNI */
			break;
		case 2:
			chlo[12] = chlo[20] = 0xff;	/* end PAD > end SNI */
			chlo[13] = chlo[21] = 0x03;
			chlo[20] = 0;
			break;
		case 3:
			chlo[4] = 200;
			break;
		case 4:
			chlo[36] = 0xff;		/* UAID end: 16 MiB */
			chlo[37] = 0xff;
			chlo[38] = 0xff;
			break;
		}
		m = qb_gquic(d, sizeof(d), 43, 1, 0, chlo, n, 1350);
		tinit(&t);
		ck_assert_msg(feed(&t, d, m) == (i == 4 ? QUIC_TOO_BIG :
		    QUIC_MALFORMED), "chlo %zu", i);
		ck_assert(quic_flow_done(&t.f));
	}

	/* Q050: the CHLO in a CRYPTO frame (gQUIC type 0x08) of a
	 * protected Initial. */
	n = qb_chlo(chlo, sizeof(chlo), "www.googletagmanager.com", 1000);
	m = qb_crypto(fr, sizeof(fr), 0, chlo, n);
	fr[0] = 0x08;
	qi = tmpl(0x51303530, 1);
	memset(&q, 0, sizeof(q));
	add_initial(&q, qi, fr, m);
	tinit(&t);
	ck_result(feed(&t, q.b, q.len), QUIC_OK);
	ck_assert_str_eq(t.hello.sni, "www.googletagmanager.com");
	ck_assert_uint_eq(t.version, 0x51303530);
}
END_TEST

/* Output parameters are left alone unless QUIC_OK. */
START_TEST(test_untouched)
{
	uint8_t hello[2600];
	size_t n = big_hello(hello, sizeof(hello));
	struct dgram d;
	struct tflow t;

	memset(&d, 0, sizeof(d));
	add_crypto(&d, tmpl(V1, 0), hello, 0, n / 2);
	tinit(&t);
	memset(&t.hello, 0x5a, sizeof(t.hello));
	t.version = 0x5a5a5a5a;
	ck_result(feed(&t, d.b, d.len), QUIC_NEED_MORE);
	ck_assert_uint_eq(t.version, 0x5a5a5a5a);
	ck_assert_uint_eq(t.hello.legacy_version, 0x5a5a);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Fuzzer seeds: the flows above, as datagram sequences. */

static int
seed_write(const char *dir, const char *name, struct dgram *d, size_t nd)
{
	char path[4096];
	FILE *fp;
	size_t i;
	int rc = 0;
	/* Mode byte: odd when the records are frames to seal. */
	uint8_t mode = strstr(name, "sealed") != NULL ? 1 : 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return -1;
	if ((fp = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fwrite(&mode, 1, 1, fp) != 1)
		rc = -1;
	for (i = 0; i < nd; i++) {
		uint8_t l[2] = { (uint8_t)(d[i].len >> 8), (uint8_t)d[i].len };

		if (fwrite(l, 1, 2, fp) != 2 ||
		    fwrite(d[i].b, 1, d[i].len, fp) != d[i].len)
			rc = -1;
	}
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

static int
write_seeds(const char *dir)
{
	static struct dgram d[4];
	uint8_t hello[2600];
	size_t n = big_hello(hello, sizeof(hello));
	struct qb_initial q;
	int rc = 0;

	memset(d, 0, sizeof(d));
	d[0].len = unhex(rfc9001_a2, d[0].b, sizeof(d[0].b));
	rc |= seed_write(dir, "rfc9001.seed", d, 1);
	d[0].len = unhex(rfc9369_a2, d[0].b, sizeof(d[0].b));
	rc |= seed_write(dir, "rfc9369.seed", d, 1);

	memset(d, 0, sizeof(d));
	add_crypto(&d[2], tmpl(V1, 0), hello, 0, 700);
	add_crypto(&d[1], tmpl(V1, 1), hello, 700, 700);
	add_crypto(&d[0], tmpl(V1, 2), hello, 1400, n - 1400);
	rc |= seed_write(dir, "split3-reversed.seed", d, 3);

	memset(d, 0, sizeof(d));
	q = tmpl(V2, 0);
	q.pad_to = 0;
	add_crypto(&d[0], q, hello, 0, 1000);
	d[0].len += qb_long(d[0].b + d[0].len, sizeof(d[0].b) - d[0].len, V2,
	    QB_HANDSHAKE, dcid_rfc, sizeof(dcid_rfc), 200);
	q.pn = 1;
	q.pad_to = 1250;
	add_crypto(&d[1], q, hello, 1000, n - 1000);
	rc |= seed_write(dir, "v2-coalesced.seed", d, 2);

	memset(d, 0, sizeof(d));
	d[0].len = qb_vn(d[0].b, sizeof(d[0].b), dcid_rfc, sizeof(dcid_rfc));
	add_crypto(&d[1], tmpl(DRAFT29, 0), hello, 0, 1000);
	d[2].len = qb_retry(d[2].b, sizeof(d[2].b), DRAFT29, scid_a,
	    sizeof(scid_a), dcid_b, sizeof(dcid_b), hello, 20);
	q = tmpl(DRAFT29, 1);
	q.dcid = dcid_b;
	q.token = hello;
	q.token_len = 20;
	add_crypto(&d[3], q, hello, 0, n);
	rc |= seed_write(dir, "draft29-vn-retry.seed", d, 4);

	/* Sealed by the fuzzer: a selector byte (0: v1, first DCID) and
	 * frames; the hello in three, with ACK, PING and CLOSE frames. */
	memset(d, 0, sizeof(d));
	d[0].b[0] = 0x00;
	d[0].len = 1 + qb_crypto(d[0].b + 1, sizeof(d[0].b) - 1, 900,
	    hello + 900, n - 900);
	d[1].b[0] = 0x11;	/* v2, 2-byte packet numbers */
	memcpy(d[1].b + 1, "\x02\x05\x00\x01\x00\x01\x00\x01", 8);
	d[1].len = 9 + qb_crypto(d[1].b + 9, sizeof(d[1].b) - 9, 0, hello,
	    500);
	d[2].b[0] = 0x00;
	memcpy(d[2].b + 1, "\x1c\x00\x06\x02no", 6);
	d[2].len = 7 + qb_crypto(d[2].b + 7, sizeof(d[2].b) - 7, 400,
	    hello + 400, 500);
	rc |= seed_write(dir, "sealed-split3.seed", d, 3);

	/* Google QUIC in clear: Q043 over two packets, Q046 in one. */
	memset(d, 0, sizeof(d));
	n = qb_chlo(hello, sizeof(hello), "www.youtube.com", 1024);
	d[0].len = qb_gquic(d[0].b, sizeof(d[0].b), 43, 1, 0, hello, 600, 0);
	d[1].len = qb_gquic(d[1].b, sizeof(d[1].b), 43, 2, 600, hello + 600,
	    n - 600, 0);
	rc |= seed_write(dir, "gquic-q043.seed", d, 2);
	d[0].len = qb_gquic(d[0].b, sizeof(d[0].b), 46, 1, 0, hello, n, 1350);
	rc |= seed_write(dir, "gquic-q046.seed", d, 1);
	return rc;
}

int
main(int argc, char *argv[])
{
	Suite *s = suite_create("quic");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	if (argc != 1) {
		fprintf(stderr, "usage: check_quic [--write-seeds dir]\n");
		return EXIT_FAILURE;
	}
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_keys_v1);
	tcase_add_test(tc, test_keys_v2);
	tcase_add_test(tc, test_keys_unknown);
	tcase_add_test(tc, test_keys_salts);
	tcase_add_test(tc, test_rfc9001_packet);
	tcase_add_test(tc, test_rfc9369_packet);
	tcase_add_test(tc, test_rfc_protect);
	tcase_add_test(tc, test_rfc_bitflips);
	tcase_add_test(tc, test_split_three);
	tcase_add_test(tc, test_shuffled_overlaps);
	tcase_add_test(tc, test_ranges);
	tcase_add_test(tc, test_conflict);
	tcase_add_test(tc, test_coalesced);
	tcase_add_test(tc, test_not_first);
	tcase_add_test(tc, test_retry_vn);
	tcase_add_test(tc, test_different_dcid);
	tcase_add_test(tc, test_wrong_keys);
	tcase_add_test(tc, test_not_initial);
	tcase_add_test(tc, test_small_datagram);
	tcase_add_test(tc, test_header_lengths_off);
	tcase_add_test(tc, test_frame_lengths_off);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_too_big);
	tcase_add_test(tc, test_frames);
	tcase_add_test(tc, test_padding_runs);
	tcase_add_test(tc, test_packet_numbers);
	tcase_add_test(tc, test_versions);
	tcase_add_test(tc, test_gquic);
	tcase_add_test(tc, test_untouched);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
