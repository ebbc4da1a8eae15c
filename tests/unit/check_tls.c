/*
 * Unit tests for tls.c: ClientHellos of real clients (captured by
 * tests/data/tls/capture.sh) and hellos made by a small builder that
 * records where every length field lies, so each can be pushed off by
 * -4..+4.  Every call gets a heap copy of exactly the bytes it may read,
 * so the sanitizer build catches any read beyond len.
 *
 * `check_tls --write-seeds DIR` writes the built inputs as files (the
 * fuzzer's seeds, kept in tests/data/tls/).
 */
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define STREAM_MAX	(TLS_HELLO_MAX * 2 + 64 * 1024)

/* ------------------------------------------------------------------ */
/* Builder (also used by --write-seeds, outside Check: plain aborts) */

#define need(c)	do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c);	\
		abort();						\
	}								\
} while (0)

struct field {
	size_t		 off;		/* in the handshake message */
	int		 width;		/* bytes: 1, 2 or 3 */
	char		 name[40];
};

struct hb {
	uint8_t		 buf[TLS_HELLO_MAX + 4096];
	size_t		 len;
	size_t		 open[16];
	int		 openw[16];
	int		 nopen;
	struct field	 f[96];
	size_t		 nf;
	uint32_t	 rnd;
};

static void
put8(struct hb *b, unsigned v)
{
	need(b->len < sizeof(b->buf));
	b->buf[b->len++] = (uint8_t)v;
}

static void
put16(struct hb *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v & 0xff);
}

static void
putn(struct hb *b, const void *p, size_t n)
{
	need(b->len + n <= sizeof(b->buf));
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

/* Deterministic filler, so the seeds written are stable. */
static void
putrnd(struct hb *b, size_t n)
{
	while (n-- > 0) {
		b->rnd = b->rnd * 1103515245u + 12345u;
		put8(b, (b->rnd >> 16) & 0xff);
	}
}

static void
putfill(struct hb *b, uint8_t c, size_t n)
{
	while (n-- > 0)
		put8(b, c);
}

/* Open a length field of width bytes; name != NULL records it. */
static void
begin(struct hb *b, int width, const char *name)
{
	need(b->nopen < (int)NELEM(b->open));
	if (name != NULL) {
		need(b->nf < NELEM(b->f));
		b->f[b->nf].off = b->len;
		b->f[b->nf].width = width;
		snprintf(b->f[b->nf].name, sizeof(b->f[b->nf].name), "%s",
		    name);
		b->nf++;
	}
	b->open[b->nopen] = b->len;
	b->openw[b->nopen++] = width;
	putfill(b, 0, (size_t)width);
}

static void
end(struct hb *b)
{
	size_t at, n;
	int w;

	need(b->nopen > 0);
	at = b->open[--b->nopen];
	w = b->openw[b->nopen];
	n = b->len - at - (size_t)w;
	if (w == 3)
		b->buf[at++] = (uint8_t)(n >> 16);
	if (w >= 2)
		b->buf[at++] = (uint8_t)(n >> 8);
	b->buf[at] = (uint8_t)n;
}

enum ext_kind {
	X_END = 0,
	X_GREASE1, X_SNI, X_EMS, X_RENEG, X_GROUPS, X_ECPF, X_TICKET, X_ALPN,
	X_STATUS, X_SIGALGS, X_SCT, X_KEYSHARE, X_PSKMODES, X_VERSIONS,
	X_COMPCERT, X_ALPS, X_ECH, X_GREASE2, X_QUIC, X_QUIC_DRAFT, X_PAD,
};

struct spec {
	const char	*sni;		/* NULL: no server_name */
	size_t		 sni_len;	/* 0: strlen(sni) */
	const char	*alpn[6];
	enum ext_kind	 ext[24];	/* X_END-terminated; empty: default */
	size_t		 sid_len;
	bool		 pq;		/* X25519MLKEM768 key share */
	bool		 noext;		/* RFC 5246 hello without extensions */
	size_t		 pad;		/* bytes of padding extension */
	uint32_t	 shuffle;	/* != 0: permute the extensions */
};

static const enum ext_kind chrome_exts[] = {
	X_GREASE1, X_SNI, X_EMS, X_RENEG, X_GROUPS, X_ECPF, X_TICKET, X_ALPN,
	X_STATUS, X_SIGALGS, X_SCT, X_KEYSHARE, X_PSKMODES, X_VERSIONS,
	X_COMPCERT, X_ALPS, X_ECH, X_GREASE2,
};

static void
ext_begin(struct hb *b, unsigned type)
{
	char name[40];

	put16(b, type);
	snprintf(name, sizeof(name), "ext 0x%04x len", type);
	begin(b, 2, name);
}

static void
put_ext(struct hb *b, const struct spec *s, enum ext_kind k)
{
	size_t i;

	switch (k) {
	case X_END:
		break;
	case X_GREASE1:		/* RFC 8701: GREASE extension, empty */
		ext_begin(b, 0x0a0a);
		end(b);
		break;
	case X_GREASE2:
		ext_begin(b, 0x3a3a);
		put8(b, 0);
		end(b);
		break;
	case X_SNI:
		ext_begin(b, 0x0000);
		begin(b, 2, "server name list len");
		put8(b, 0);
		begin(b, 2, "server name len");
		putn(b, s->sni, s->sni_len ? s->sni_len : strlen(s->sni));
		end(b);
		end(b);
		end(b);
		break;
	case X_EMS:
		ext_begin(b, 0x0017);
		end(b);
		break;
	case X_RENEG:
		ext_begin(b, 0xff01);
		put8(b, 0);
		end(b);
		break;
	case X_GROUPS:
		ext_begin(b, 0x000a);
		begin(b, 2, NULL);
		put16(b, 0x2a2a);		/* GREASE */
		if (s->pq)
			put16(b, 0x11ec);	/* X25519MLKEM768 */
		put16(b, 0x001d);
		put16(b, 0x0017);
		put16(b, 0x0018);
		end(b);
		end(b);
		break;
	case X_ECPF:
		ext_begin(b, 0x000b);
		put8(b, 1);
		put8(b, 0);
		end(b);
		break;
	case X_TICKET:
		ext_begin(b, 0x0023);
		end(b);
		break;
	case X_ALPN:
		if (s->alpn[0] == NULL)
			break;
		ext_begin(b, 0x0010);
		begin(b, 2, "alpn list len");
		for (i = 0; i < NELEM(s->alpn) && s->alpn[i] != NULL; i++) {
			begin(b, 1, "alpn protocol len");
			putn(b, s->alpn[i], strlen(s->alpn[i]));
			end(b);
		}
		end(b);
		end(b);
		break;
	case X_STATUS:
		ext_begin(b, 0x0005);
		put8(b, 1);
		put16(b, 0);
		put16(b, 0);
		end(b);
		break;
	case X_SIGALGS: {
		static const uint16_t algs[] = { 0x0403, 0x0804, 0x0401,
		    0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };

		ext_begin(b, 0x000d);
		begin(b, 2, NULL);
		for (i = 0; i < NELEM(algs); i++)
			put16(b, algs[i]);
		end(b);
		end(b);
		break;
	}
	case X_SCT:
		ext_begin(b, 0x0012);
		end(b);
		break;
	case X_KEYSHARE:	/* RFC 8446 4.2.8 */
		ext_begin(b, 0x0033);
		begin(b, 2, NULL);
		put16(b, 0x2a2a);		/* GREASE share */
		begin(b, 2, NULL);
		put8(b, 0);
		end(b);
		if (s->pq) {
			/* ML-KEM-768 encapsulation key (1184) || X25519 */
			put16(b, 0x11ec);
			begin(b, 2, NULL);
			putrnd(b, 1184 + 32);
			end(b);
		}
		put16(b, 0x001d);
		begin(b, 2, NULL);
		putrnd(b, 32);
		end(b);
		end(b);
		end(b);
		break;
	case X_PSKMODES:
		ext_begin(b, 0x002d);
		put8(b, 1);
		put8(b, 1);
		end(b);
		break;
	case X_VERSIONS:
		ext_begin(b, 0x002b);
		begin(b, 1, NULL);
		put16(b, 0x1a1a);
		put16(b, 0x0304);
		put16(b, 0x0303);
		end(b);
		end(b);
		break;
	case X_COMPCERT:
		ext_begin(b, 0x001b);
		put8(b, 2);
		put16(b, 2);			/* brotli */
		end(b);
		break;
	case X_ALPS:
		ext_begin(b, 0x44cd);
		put16(b, 3);
		put8(b, 2);
		putn(b, "h2", 2);
		end(b);
		break;
	case X_ECH:		/* a GREASE ECH as Chrome sends it */
		ext_begin(b, 0xfe0d);
		put8(b, 0);			/* outer */
		put16(b, 0x0001);		/* HKDF-SHA256 */
		put16(b, 0x0001);		/* AES-128-GCM */
		putrnd(b, 1);			/* config_id */
		begin(b, 2, NULL);
		putrnd(b, 32);
		end(b);
		begin(b, 2, NULL);
		putrnd(b, 176);
		end(b);
		end(b);
		break;
	case X_QUIC:		/* RFC 9000 18: a few transport parameters */
		ext_begin(b, 0x0039);
		putn(b, "\x01\x04\x80\x00\x75\x30\x04\x04\x80\x60\x00\x00"
		    "\x0f\x04\x01\x02\x03\x04", 18);
		end(b);
		break;
	case X_QUIC_DRAFT:
		ext_begin(b, 0xffa5);
		putn(b, "\x01\x04\x80\x00\x75\x30", 6);
		end(b);
		break;
	case X_PAD:		/* RFC 7685 */
		ext_begin(b, 0x0015);
		putfill(b, 0, s->pad);
		end(b);
		break;
	}
}

/* Build the handshake message of spec s into b. */
static void
build_hello(struct hb *b, const struct spec *s)
{
	enum ext_kind ext[NELEM(s->ext)];
	size_t n, i, j;
	uint32_t r;

	memset(b, 0, sizeof(*b));
	b->rnd = 0x5c0017u;
	put8(b, 1);				/* client_hello */
	begin(b, 3, "handshake len");
	put16(b, 0x0303);
	putrnd(b, 32);
	begin(b, 1, "session id len");
	putrnd(b, s->sid_len);
	end(b);
	begin(b, 2, "cipher suites len");
	put16(b, 0x4a4a);			/* GREASE */
	put16(b, 0x1301);
	put16(b, 0x1302);
	put16(b, 0x1303);
	put16(b, 0xc02b);
	put16(b, 0xc02f);
	end(b);
	begin(b, 1, "compression len");
	put8(b, 0);
	end(b);
	if (!s->noext) {
		if (s->ext[0] == X_END) {
			memcpy(ext, chrome_exts, sizeof(chrome_exts));
			n = NELEM(chrome_exts);
		} else {
			for (n = 0; n < NELEM(s->ext) && s->ext[n] != X_END;
			    n++)
				ext[n] = s->ext[n];
		}
		/* Permute as browsers do (Chrome since 106). */
		for (r = s->shuffle, i = n; r != 0 && i > 1; i--) {
			enum ext_kind t;

			r = r * 1103515245u + 12345u;
			j = (r >> 16) % i;
			t = ext[i - 1];
			ext[i - 1] = ext[j];
			ext[j] = t;
		}
		begin(b, 2, "extensions len");
		for (i = 0; i < n; i++) {
			if (ext[i] == X_SNI && s->sni == NULL)
				continue;
			put_ext(b, s, ext[i]);
		}
		if (s->pad > 0)
			put_ext(b, s, X_PAD);
		end(b);
	}
	end(b);
	need(b->nopen == 0);
}

/*
 * Wrap handshake bytes in records of at most chunk bytes each (0: one
 * record).  Returns the stream length.
 */
static size_t
wrap(const uint8_t *hs, size_t n, size_t chunk, uint8_t *out, size_t outlen)
{
	size_t off = 0, len = 0, c;

	do {
		c = chunk == 0 || n - off < chunk ? n - off : chunk;
		need(len + 5 + c <= outlen);
		out[len++] = 22;
		out[len++] = 3;
		out[len++] = off == 0 ? 1 : 3;
		out[len++] = (uint8_t)(c >> 8);
		out[len++] = (uint8_t)c;
		memcpy(out + len, hs + off, c);
		len += c;
		off += c;
	} while (off < n);
	return len;
}

/* Exact-size heap copies, so that ASan sees any read beyond len. */
static enum tls_result
stream(const uint8_t *p, size_t n, struct tls_hello *h)
{
	static uint8_t scratch[TLS_HELLO_MAX];
	enum tls_result r;
	uint8_t *c;

	c = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(c);
	if (n > 0)
		memcpy(c, p, n);
	r = tls_parse_stream(c, n, scratch, sizeof(scratch), h);
	free(c);
	return r;
}

static enum tls_result
hello(const uint8_t *p, size_t n, struct tls_hello *h)
{
	enum tls_result r;
	uint8_t *c;

	c = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(c);
	if (n > 0)
		memcpy(c, p, n);
	r = tls_parse_hello(c, n, h);
	free(c);
	return r;
}

static const struct spec chrome_pq = {
	.sni = "www.instagram.com", .alpn = { "h2", "http/1.1" },
	.pq = true, .shuffle = 0x1234,
};

/* ------------------------------------------------------------------ */
/* Real clients and built hellos: result and fields */

static uint8_t *
read_file(const char *name, size_t *len)
{
	char path[512];
	const char *dir = getenv("TLS_DATA");
	uint8_t *p;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/data/tls",
	    name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_gt(n, 0);
	rewind(f);
	p = malloc((size_t)n);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

START_TEST(test_captured)
{
	static const struct {
		const char	*file;
		const char	*sni;	/* NULL: no SNI */
		const char	*alpn;
		uint16_t	 version;
	} t[] = {
		{ "openssl-tls13.bin", "www.instagram.com", "h2;http/1.1",
		    0x0303 },
		{ "openssl-nosni.bin", NULL, "", 0x0303 },
		{ "openssl-tls12.bin", "edge-chat.facebook.com", "", 0x0303 },
		{ "curl.bin", "www.tiktok.com", "h2;http/1.1", 0x0303 },
	};
	struct tls_hello h;
	uint8_t *p;
	size_t i, n, k;

	for (i = 0; i < NELEM(t); i++) {
		p = read_file(t[i].file, &n);
		memset(&h, 0xa5, sizeof(h));
		ck_assert_msg(stream(p, n, &h) == TLS_OK, "%s", t[i].file);
		ck_assert(h.has_sni == (t[i].sni != NULL));
		if (t[i].sni != NULL) {
			ck_assert_str_eq(h.sni, t[i].sni);
			ck_assert_uint_eq(h.sni_len, strlen(t[i].sni));
		}
		ck_assert_str_eq(h.alpn, t[i].alpn);
		ck_assert_uint_eq(h.legacy_version, t[i].version);
		ck_assert(!h.has_ech && !h.has_quic_params);
		ck_assert(tls_stream_start(p, n));
		/* The handshake message alone, as QUIC hands it over. */
		ck_assert(hello(p + 5, n - 5, &h) == TLS_OK);
		/* Every prefix is a valid start that needs more. */
		for (k = 0; k < n; k++)
			ck_assert_msg(stream(p, k, &h) == TLS_NEED_MORE,
			    "%s prefix %zu", t[i].file, k);
		free(p);
	}
}
END_TEST

/* A hello whose server name is refused. */
#define BAD(what, name)	\
	{ what, { .sni = name }, TLS_MALFORMED, NULL, NULL, false, false }

START_TEST(test_built)
{
	static const struct {
		const char	*what;
		struct spec	 s;
		enum tls_result	 r;
		const char	*sni;	/* NULL: no SNI */
		const char	*alpn;
		bool		 ech, quic;
	} t[] = {
		{ "chrome pq", { .sni = "www.instagram.com",
		    .alpn = { "h2", "http/1.1" }, .pq = true, .sid_len = 32,
		    .shuffle = 0x1234 },
		    TLS_OK, "www.instagram.com", "h2;http/1.1", true, false },
		{ "chrome classic", { .sni = "static.xx.fbcdn.net",
		    .alpn = { "h2", "http/1.1" }, .sid_len = 32 },
		    TLS_OK, "static.xx.fbcdn.net", "h2;http/1.1", true, false },
		{ "no sni", { .alpn = { "h2" }, .pq = true },
		    TLS_OK, NULL, "h2", true, false },
		{ "trailing dot", { .sni = "www.youtube.com." },
		    TLS_OK, "www.youtube.com", "", true, false },
		{ "upper case", { .sni = "WWW.TikTok.COM" },
		    TLS_OK, "www.tiktok.com", "", true, false },
		{ "underscore", { .sni = "a_b.example-1.org" },
		    TLS_OK, "a_b.example-1.org", "", true, false },
		{ "quic", { .sni = "www.google.com", .alpn = { "h3" },
		    .ext = { X_SNI, X_ALPN, X_VERSIONS, X_KEYSHARE, X_QUIC } },
		    TLS_OK, "www.google.com", "h3", false, true },
		{ "quic draft", { .sni = "x.y",
		    .ext = { X_QUIC_DRAFT, X_SNI } },
		    TLS_OK, "x.y", "", false, true },
		{ "padded", { .sni = "snapchat.com", .pad = 512 },
		    TLS_OK, "snapchat.com", "", true, false },
		{ "tls 1.0 no extensions", { .sni = "x", .noext = true },
		    TLS_OK, NULL, "", false, false },
		{ "alpn odd bytes", { .sni = "a.b",
		    .alpn = { "h\"2", "a;b", "\x01\xff", "c\\d", "ok" },
		    .ext = { X_ALPN, X_SNI } },
		    TLS_OK, "a.b", "h?2;a?b;??;c?d;ok", false, false },
		BAD("only dot", "."),
		{ "two dots", { .sni = "a.." }, TLS_OK, "a.", "", true, false },
		BAD("sni <", "www.<script>.com"),
		BAD("sni \"", "a\"b.com"),
		BAD("sni '", "a'b.com"),
		BAD("sni \\", "a\\b.com"),
		BAD("sni newline", "a.com\nX: y"),
		BAD("sni cr", "a.com\r"),
		BAD("sni esc", "a\x1b[31m.com"),
		BAD("sni space", "a b.com"),
		BAD("sni del", "a\x7f.com"),
		BAD("sni utf-8", "caf\xc3\xa9.fr"),
		{ "sni nul", { .sni = "a.com\0evil", .sni_len = 10 },
		    TLS_MALFORMED, NULL, NULL, false, false },
		BAD("sni empty", ""),
		{ "alpn empty protocol", { .sni = "a", .alpn = { "h2", "" },
		    .ext = { X_ALPN } },
		    TLS_MALFORMED, NULL, NULL, false, false },
	};
	static uint8_t s[STREAM_MAX];
	struct tls_hello h;
	struct hb *b;
	size_t i, n;
	enum tls_result r;

	b = malloc(sizeof(*b));
	ck_assert_ptr_nonnull(b);
	for (i = 0; i < NELEM(t); i++) {
		build_hello(b, &t[i].s);
		n = wrap(b->buf, b->len, 0, s, sizeof(s));
		memset(&h, 0, sizeof(h));
		r = stream(s, n, &h);
		ck_assert_msg(r == t[i].r, "%s: %s", t[i].what,
		    tls_result_str(r));
		ck_assert_msg(hello(b->buf, b->len, &h) == r, "%s", t[i].what);
		if (r != TLS_OK)
			continue;
		ck_assert_msg(h.has_sni == (t[i].sni != NULL), "%s",
		    t[i].what);
		if (t[i].sni != NULL) {
			ck_assert_str_eq(h.sni, t[i].sni);
			ck_assert_uint_eq(h.sni_len, strlen(t[i].sni));
		}
		ck_assert_str_eq(h.alpn, t[i].alpn);
		ck_assert_msg(h.has_ech == t[i].ech, "%s", t[i].what);
		ck_assert_msg(h.has_quic_params == t[i].quic, "%s", t[i].what);
		ck_assert_uint_eq(h.legacy_version, 0x0303);
	}
	free(b);
}
END_TEST

START_TEST(test_chrome_pq_size)
{
	struct tls_hello h;
	struct hb *b;

	b = malloc(sizeof(*b));
	ck_assert_ptr_nonnull(b);
	build_hello(b, &chrome_pq);
	/* A post-quantum hello does not fit one Ethernet frame. */
	ck_assert_uint_gt(b->len, 1500);
	ck_assert(hello(b->buf, b->len, &h) == TLS_OK);
	ck_assert_str_eq(h.sni, "www.instagram.com");
	free(b);
}
END_TEST

START_TEST(test_permutations)
{
	static uint8_t s[STREAM_MAX];
	struct spec sp = chrome_pq;
	struct tls_hello h;
	struct hb *b;
	uint32_t seed;
	size_t n;

	b = malloc(sizeof(*b));
	ck_assert_ptr_nonnull(b);
	for (seed = 1; seed <= 200; seed++) {
		sp.shuffle = seed;
		build_hello(b, &sp);
		n = wrap(b->buf, b->len, 0, s, sizeof(s));
		ck_assert(stream(s, n, &h) == TLS_OK);
		ck_assert_str_eq(h.sni, "www.instagram.com");
		ck_assert_str_eq(h.alpn, "h2;http/1.1");
		ck_assert(h.has_ech);
	}
	free(b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Every length field off by -4..+4 */

static void
bump(uint8_t *p, int width, long d, bool *ok)
{
	long v = 0, max = (1L << (8 * width)) - 1;
	int i;

	for (i = 0; i < width; i++)
		v = v << 8 | p[i];
	v += d;
	*ok = v >= 0 && v <= max;
	if (!*ok)
		return;
	for (i = width - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/*
 * A second, slow reading of a handshake message of exactly n bytes, in a
 * different style, used as the oracle when a bumped length still leaves
 * a consistent hello (the encoding has no redundancy: "h2" 0x08
 * "http/1.1" 0x01 "x" with the 8 made 10 is a valid list of two names).
 * Returns whether the hello is valid, with its SNI ("" if none) and the
 * ALPN names joined.
 */
struct rd {
	const uint8_t	*p;
	size_t		 n;
	bool		 bad;
};

static size_t
rd_int(struct rd *r, int w)
{
	size_t v = 0;

	if (r->bad || r->n < (size_t)w) {
		r->bad = true;
		return 0;
	}
	while (w-- > 0) {
		v = v << 8 | *r->p++;
		r->n--;
	}
	return v;
}

static struct rd
rd_vec(struct rd *r, int w)
{
	struct rd v = { NULL, 0, true };
	size_t n = rd_int(r, w);

	if (r->bad || n > r->n) {
		r->bad = true;
		return v;
	}
	v.p = r->p;
	v.n = n;
	v.bad = false;
	r->p += n;
	r->n -= n;
	return v;
}

static bool
ref_hello(const uint8_t *hs, size_t n, char *sni, char *alpn)
{
	struct rd r = { hs, n, false }, body, v, ext, d, l, name;
	size_t types[4096], nt = 0, i, t, a = 0;
	bool sni_seen = false;

	sni[0] = alpn[0] = '\0';
	if (rd_int(&r, 1) != 1)
		return false;
	body = rd_vec(&r, 3);
	if (r.bad || r.n != 0)
		return false;
	rd_int(&body, 2);		/* legacy_version */
	if (body.bad || body.n < 32)
		return false;
	body.p += 32;			/* random */
	body.n -= 32;
	v = rd_vec(&body, 1);
	if (body.bad || v.n > 32)
		return false;
	v = rd_vec(&body, 2);
	if (body.bad || v.n < 2 || v.n % 2 != 0)
		return false;
	v = rd_vec(&body, 1);
	if (body.bad || v.n < 1)
		return false;
	if (body.n == 0)
		return true;
	ext = rd_vec(&body, 2);
	if (body.bad || body.n != 0)
		return false;
	while (ext.n > 0) {
		t = rd_int(&ext, 2);
		d = rd_vec(&ext, 2);
		if (ext.bad)
			return false;
		for (i = 0; i < nt; i++)
			if (types[i] == t)
				return false;
		types[nt++] = t;
		if (t == 0) {
			l = rd_vec(&d, 2);
			if (d.bad || d.n != 0 || l.n == 0)
				return false;
			while (l.n > 0) {
				t = rd_int(&l, 1);
				name = rd_vec(&l, 2);
				if (l.bad)
					return false;
				if (t != 0)
					continue;
				if (sni_seen || name.n == 0 || name.n > 255)
					return false;
				sni_seen = true;
				for (i = 0; i < name.n; i++) {
					int c = tolower(name.p[i]);

					if (!isalnum(c) && c != '-' &&
					    c != '.' && c != '_')
						return false;
					sni[i] = (char)c;
				}
				if (sni[i - 1] == '.')
					i--;
				if (i == 0)
					return false;
				sni[i] = '\0';
			}
		} else if (t == 16) {
			l = rd_vec(&d, 2);
			if (d.bad || d.n != 0 || l.n < 2)
				return false;
			while (l.n > 0) {
				name = rd_vec(&l, 1);
				if (l.bad || name.n == 0)
					return false;
				if (a > 0)
					alpn[a++] = ';';
				for (i = 0; i < name.n; i++)
					alpn[a++] = name.p[i] > 0x20 &&
					    name.p[i] < 0x7f &&
					    name.p[i] != ';' &&
					    name.p[i] != '"' &&
					    name.p[i] != '\\' ?
					    (char)name.p[i] : '?';
				alpn[a] = '\0';
			}
		}
	}
	return true;
}

static bool
same(const struct tls_hello *a, const struct tls_hello *b)
{
	return a->legacy_version == b->legacy_version &&
	    a->has_sni == b->has_sni && a->sni_len == b->sni_len &&
	    strcmp(a->sni, b->sni) == 0 && strcmp(a->alpn, b->alpn) == 0 &&
	    a->has_ech == b->has_ech &&
	    a->has_quic_params == b->has_quic_params;
}

static void
off_by(const struct spec *sp)
{
	static uint8_t s[STREAM_MAX], m[STREAM_MAX];
	struct tls_hello h, h2;
	enum tls_result r, r2, hr;
	struct hb *b;
	size_t i, n, off;
	long d;
	char rsni[TLS_SNI_MAX + 1], ralpn[1024];
	bool ok, rec;
	int width, tried = 0, consistent = 0;

	b = malloc(sizeof(*b));
	ck_assert_ptr_nonnull(b);
	build_hello(b, sp);
	n = wrap(b->buf, b->len, 0, s, sizeof(s));
	/* Field 0 is the record length; then the handshake's fields. */
	for (i = 0; i <= b->nf; i++) {
		rec = i == 0;
		off = rec ? 3 : 5 + b->f[i - 1].off;
		width = rec ? 2 : b->f[i - 1].width;
		for (d = -4; d <= 4; d++) {
			memcpy(m, s, n);
			bump(m + off, width, d, &ok);
			if (!ok)
				continue;
			tried++;
			memset(&h, 0, sizeof(h));
			memset(&h2, 0, sizeof(h2));
			r = stream(m, n, &h);
			r2 = stream(m, n, &h2);
			ck_assert(r == r2);
			ck_assert(same(&h, &h2));
			if (d == 0) {
				ck_assert(r == TLS_OK);
				ck_assert_str_eq(h.sni, sp->sni);
				continue;
			}
			if (rec) {
				/*
				 * A longer record holds the whole hello
				 * (its tail not yet here); a shorter one
				 * makes the hello's tail a record header.
				 */
				if (d > 0) {
					ck_assert(r == TLS_OK);
					ck_assert_str_eq(h.sni, sp->sni);
				} else
					ck_assert_msg(r == TLS_NEED_MORE ||
					    r == TLS_NOT_HELLO ||
					    r == TLS_MALFORMED,
					    "record %+ld: %s", d,
					    tls_result_str(r));
				continue;
			}
			hr = hello(m + 5, n - 5, &h);
			if (strcmp(b->f[i - 1].name, "handshake len") == 0) {
				/* Longer: the stream ends first; shorter:
				 * the extensions overrun the message. */
				ck_assert(r == (d > 0 ? TLS_NEED_MORE :
				    TLS_MALFORMED));
				ck_assert(hr == r);
				continue;
			}
			/* Inner fields: the message is whole, so either
			 * it is still consistent or it is malformed. */
			ck_assert(hr == r);
			if (ref_hello(m + 5, n - 5, rsni, ralpn)) {
				ck_assert_msg(r == TLS_OK, "%s %+ld: %s",
				    b->f[i - 1].name, d, tls_result_str(r));
				ck_assert_str_eq(h.sni, rsni);
				ck_assert_str_eq(h.alpn, ralpn);
				consistent++;
			} else
				ck_assert_msg(r == TLS_MALFORMED,
				    "%s %+ld: %s", b->f[i - 1].name, d,
				    tls_result_str(r));
		}
	}
	ck_assert_int_gt(tried, 8 * 10);
	/* Few bumps give another valid hello. */
	ck_assert_int_lt(consistent * 20, tried);
	free(b);
}

START_TEST(test_off_by_chrome)
{
	off_by(&chrome_pq);
}
END_TEST

START_TEST(test_off_by_small)
{
	static const struct spec sp = {
		.sni = "m.facebook.com", .alpn = { "h2", "http/1.1", "x" },
		.ext = { X_ALPN, X_SNI, X_EMS, X_VERSIONS }, .sid_len = 0,
	};

	off_by(&sp);
}
END_TEST

START_TEST(test_sni_length)
{
	static uint8_t s[STREAM_MAX];
	static char name[300];
	struct spec sp = { .sni = name };
	struct tls_hello h;
	struct hb *b;
	size_t n, l;

	b = malloc(sizeof(*b));
	ck_assert_ptr_nonnull(b);
	for (l = 250; l <= 260; l++) {
		memset(name, 'a', l);
		name[l] = '\0';
		build_hello(b, &sp);
		n = wrap(b->buf, b->len, 0, s, sizeof(s));
		/* RFC 6066 3 with the limit of OpenSSL and BoringSSL. */
		if (l <= TLS_SNI_MAX) {
			ck_assert(stream(s, n, &h) == TLS_OK);
			ck_assert_uint_eq(h.sni_len, l);
			ck_assert_uint_eq(strlen(h.sni), l);
		} else
			ck_assert(stream(s, n, &h) == TLS_MALFORMED);
	}
	/* 255 bytes of which the last is a dot: 254 reported. */
	memset(name, 'b', 254);
	name[254] = '.';
	name[255] = '\0';
	build_hello(b, &sp);
	n = wrap(b->buf, b->len, 0, s, sizeof(s));
	ck_assert(stream(s, n, &h) == TLS_OK);
	ck_assert_uint_eq(h.sni_len, 254);
	free(b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Fragmented hellos, prefixes, record layer */

START_TEST(test_fragmented)
{
	static uint8_t s[STREAM_MAX + TLS_HELLO_MAX * 5];
	const size_t parts[] = { 2, 3, 10 };
	struct tls_hello h;
	struct hb *b;
	size_t i, n, k, chunk;

	b = malloc(sizeof(*b));
	ck_assert_ptr_nonnull(b);
	build_hello(b, &chrome_pq);
	for (i = 0; i < NELEM(parts) + 3; i++) {
		if (i < NELEM(parts))
			chunk = (b->len + parts[i] - 1) / parts[i];
		else
			chunk = i - NELEM(parts) + 1;	/* 1, 2, 3 bytes */
		n = wrap(b->buf, b->len, chunk, s, sizeof(s));
		memset(&h, 0, sizeof(h));
		ck_assert_msg(stream(s, n, &h) == TLS_OK, "chunk %zu", chunk);
		ck_assert_str_eq(h.sni, "www.instagram.com");
		ck_assert_str_eq(h.alpn, "h2;http/1.1");
		if (chunk < 4)
			continue;	/* prefixes below, at 2,3,10 parts */
		for (k = 0; k < n; k++)
			ck_assert_msg(stream(s, k, &h) == TLS_NEED_MORE,
			    "chunk %zu prefix %zu", chunk, k);
	}
	/* A scratch too small for a fragmented hello. */
	n = wrap(b->buf, b->len, 100, s, sizeof(s));
	{
		uint8_t small[1024];

		ck_assert(tls_parse_stream(s, n, small, sizeof(small), &h) ==
		    TLS_TOO_BIG);
		ck_assert(tls_parse_stream(s, n, small, 2, &h) ==
		    TLS_TOO_BIG);
	}
	free(b);
}
END_TEST

START_TEST(test_prefixes)
{
	static uint8_t s[STREAM_MAX];
	struct tls_hello h;
	struct hb *b;
	size_t n, k;

	b = malloc(sizeof(*b));
	ck_assert_ptr_nonnull(b);
	build_hello(b, &chrome_pq);
	n = wrap(b->buf, b->len, 0, s, sizeof(s));
	for (k = 0; k < n; k++) {
		ck_assert_msg(stream(s, k, &h) == TLS_NEED_MORE, "%zu", k);
		if (k < b->len)
			ck_assert_msg(hello(b->buf, k, &h) == TLS_NEED_MORE,
			    "%zu", k);
	}
	/* Bytes after the hello (ChangeCipherSpec, early data) do not
	 * matter. */
	memcpy(s + n, "\x14\x03\x03\x00\x01\x01\x17\x03\x03\x00\x05hello",
	    16);
	ck_assert(stream(s, n + 16, &h) == TLS_OK);
	ck_assert_str_eq(h.sni, "www.instagram.com");
	free(b);
}
END_TEST

START_TEST(test_record_layer)
{
	static uint8_t s[STREAM_MAX], m[STREAM_MAX];
	struct tls_hello h;
	struct hb *b;
	size_t n, k, at;

	b = malloc(sizeof(*b));
	ck_assert_ptr_nonnull(b);
	build_hello(b, &(struct spec){ .sni = "a.example",
	    .ext = { X_SNI, X_VERSIONS } });
	n = wrap(b->buf, b->len, 0, s, sizeof(s));
	ck_assert(stream(s, n, &h) == TLS_OK);

	/* Not a handshake record: application data, alert, SSLv2. */
	memcpy(m, s, n);
	m[0] = 0x17;
	ck_assert(stream(m, n, &h) == TLS_NOT_HELLO);
	m[0] = 0x15;
	ck_assert(stream(m, 1, &h) == TLS_NOT_HELLO);
	ck_assert(stream((const uint8_t *)"\x80\x2e\x01\x03\x01", 5, &h) ==
	    TLS_NOT_HELLO);
	/* Record version: major 3 only; any minor (RFC 8446 5.1). */
	memcpy(m, s, n);
	m[1] = 2;
	ck_assert(stream(m, n, &h) == TLS_NOT_HELLO);
	ck_assert(stream(m, 2, &h) == TLS_NOT_HELLO);
	m[1] = 3;
	m[2] = 0x09;
	ck_assert(stream(m, n, &h) == TLS_OK);
	/* Not a ClientHello: ServerHello (2), in the record or alone. */
	m[5] = 2;
	ck_assert(stream(m, n, &h) == TLS_NOT_HELLO);
	ck_assert(stream(m, 6, &h) == TLS_NOT_HELLO);
	ck_assert(hello(m + 5, 1, &h) == TLS_NOT_HELLO);
	ck_assert(hello(m + 5, 0, &h) == TLS_NEED_MORE);

	/* A record longer than 2^14 (RFC 8446 5.1). */
	memcpy(m, s, n);
	m[3] = 0x40;
	m[4] = 0x01;
	ck_assert(stream(m, n, &h) == TLS_MALFORMED);
	ck_assert(stream(m, 5, &h) == TLS_MALFORMED);
	m[4] = 0x00;
	ck_assert(stream(m, n, &h) == TLS_OK);	/* 2^14: rest to come */

	/* Empty records before and inside the hello: up to 32 skipped. */
	for (k = 31; k <= 33; k++) {
		at = 0;
		for (size_t e = 0; e < k; e++) {
			memcpy(m + at, "\x16\x03\x01\x00\x00", 5);
			at += 5;
		}
		memcpy(m + at, s, 5 + 7);	/* first 7 bytes of the hello */
		m[at + 3] = 0;
		m[at + 4] = 7;
		at += 12;
		memcpy(m + at, "\x16\x03\x03\x00\x00", 5);
		at += 5;
		memcpy(m + at, "\x16\x03\x03", 3);
		m[at + 3] = (uint8_t)((n - 12) >> 8);
		m[at + 4] = (uint8_t)(n - 12);
		memcpy(m + at + 5, s + 12, n - 12);
		at += 5 + n - 12;
		ck_assert_msg(stream(m, at, &h) ==
		    (k <= 32 ? TLS_OK : TLS_MALFORMED), "%zu", k);
	}

	/* A second record that is not handshake, mid-hello. */
	n = wrap(b->buf, b->len, 10, m, sizeof(m));
	m[15] = 0x17;
	ck_assert(stream(m, n, &h) == TLS_NOT_HELLO);
	m[15] = 0x16;
	m[16] = 0x02;
	ck_assert(stream(m, n, &h) == TLS_MALFORMED);
	m[16] = 0x03;
	m[17] = 0x7f;
	ck_assert(stream(m, n, &h) == TLS_OK);
	ck_assert_str_eq(h.sni, "a.example");
	free(b);
}
END_TEST

START_TEST(test_too_big)
{
	static uint8_t s[STREAM_MAX];
	struct tls_hello h;
	struct hb *b;
	struct spec sp = { .sni = "big.example", .ext = { X_SNI } };
	size_t n;

	b = malloc(sizeof(*b));
	ck_assert_ptr_nonnull(b);
	/* The largest hello we take: 16384 bytes, header included. */
	build_hello(b, &sp);
	sp.pad = TLS_HELLO_MAX - b->len - 4;
	build_hello(b, &sp);
	ck_assert_uint_eq(b->len, TLS_HELLO_MAX);
	ck_assert(hello(b->buf, b->len, &h) == TLS_OK);
	n = wrap(b->buf, b->len, 0, s, sizeof(s));
	ck_assert(stream(s, n, &h) == TLS_OK);
	n = wrap(b->buf, b->len, 1000, s, sizeof(s));
	ck_assert(stream(s, n, &h) == TLS_OK);
	ck_assert_str_eq(h.sni, "big.example");
	/* One more byte. */
	sp.pad++;
	build_hello(b, &sp);
	ck_assert(hello(b->buf, 4, &h) == TLS_TOO_BIG);
	ck_assert(hello(b->buf, b->len, &h) == TLS_TOO_BIG);
	n = wrap(b->buf, b->len, 1000, s, sizeof(s));
	ck_assert(stream(s, n, &h) == TLS_TOO_BIG);
	ck_assert(stream(s, 9, &h) == TLS_TOO_BIG);
	/* The largest uint24. */
	ck_assert(hello((const uint8_t *)"\x01\xff\xff\xff", 4, &h) ==
	    TLS_TOO_BIG);
	free(b);
}
END_TEST

/* Hand-made extension blocks around the SNI and ALPN rules. */
static enum tls_result
with_exts(const uint8_t *ext, size_t elen, struct tls_hello *h)
{
	struct hb *b;
	enum tls_result r;

	b = malloc(sizeof(*b));
	ck_assert_ptr_nonnull(b);
	build_hello(b, &(struct spec){ .noext = true });
	b->buf[1] = b->buf[2] = b->buf[3] = 0;
	put16(b, (unsigned)elen);
	putn(b, ext, elen);
	b->buf[1] = (uint8_t)((b->len - 4) >> 16);
	b->buf[2] = (uint8_t)((b->len - 4) >> 8);
	b->buf[3] = (uint8_t)(b->len - 4);
	r = hello(b->buf, b->len, h);
	free(b);
	return r;
}

#define X(s)	(const uint8_t *)(s), sizeof(s) - 1

START_TEST(test_extensions)
{
	struct tls_hello h;
	uint8_t many[4 * 40 + 4];
	size_t i;

	/* Unknown name type first, then host_name: the host_name. */
	ck_assert(with_exts(X("\x00\x00\x00\x0c\x00\x0a"
	    "\x07\x00\x02zz" "\x00\x00\x02" "ab"), &h) == TLS_OK);
	ck_assert(h.has_sni);
	ck_assert_str_eq(h.sni, "ab");
	/* Only an unknown name type: no SNI. */
	ck_assert(with_exts(X("\x00\x00\x00\x07\x00\x05"
	    "\x07\x00\x02zz"), &h) == TLS_OK);
	ck_assert(!h.has_sni);
	/* Two host_names (RFC 6066 3). */
	ck_assert(with_exts(X("\x00\x00\x00\x0c\x00\x0a"
	    "\x00\x00\x02" "ab" "\x00\x00\x02" "cd"), &h) == TLS_MALFORMED);
	/* An empty ServerNameList, an empty extension. */
	ck_assert(with_exts(X("\x00\x00\x00\x02\x00\x00"), &h) ==
	    TLS_MALFORMED);
	ck_assert(with_exts(X("\x00\x00\x00\x00"), &h) == TLS_MALFORMED);
	/* Trailing bytes in the extension after the list. */
	ck_assert(with_exts(X("\x00\x00\x00\x08\x00\x05"
	    "\x00\x00\x02" "ab" "\x00"), &h) == TLS_MALFORMED);
	/* Duplicate extensions (RFC 8446 4.2), also unknown ones. */
	ck_assert(with_exts(X("\x00\x00\x00\x07\x00\x05\x00\x00\x02" "ab"
	    "\x00\x00\x00\x07\x00\x05\x00\x00\x02" "cd"), &h) == TLS_MALFORMED);
	ck_assert(with_exts(X("\x12\x34\x00\x00\x12\x34\x00\x00"), &h) ==
	    TLS_MALFORMED);
	/* An extension header cut short, a stray byte. */
	ck_assert(with_exts(X("\x12\x34\x00"), &h) == TLS_MALFORMED);
	ck_assert(with_exts(X("\x12\x34\x00\x00\x01"), &h) == TLS_MALFORMED);
	/* ALPN: list too short, a name running past its list. */
	ck_assert(with_exts(X("\x00\x10\x00\x02\x00\x00"), &h) ==
	    TLS_MALFORMED);
	ck_assert(with_exts(X("\x00\x10\x00\x05\x00\x03\x03h2"), &h) ==
	    TLS_MALFORMED);
	ck_assert(with_exts(X("\x00\x10\x00\x05\x00\x03\x02h2"), &h) ==
	    TLS_OK);
	ck_assert_str_eq(h.alpn, "h2");
	/* ECH without SNI. */
	ck_assert(with_exts(X("\xfe\x0d\x00\x01\x01"), &h) == TLS_OK);
	ck_assert(h.has_ech && !h.has_sni);

	/* 40 distinct extensions: past the scan, into the bitmap. */
	for (i = 0; i < 40; i++) {
		many[4 * i] = (uint8_t)(0x10 + i);
		many[4 * i + 1] = (uint8_t)i;
		many[4 * i + 2] = many[4 * i + 3] = 0;
	}
	ck_assert(with_exts(many, 4 * 40, &h) == TLS_OK);
	/* Then a repeat of the first, of the 33rd, of the last. */
	for (i = 0; i < 3; i++) {
		size_t src = i == 0 ? 0 : i == 1 ? 32 : 39;

		memcpy(many + 4 * 40, many + 4 * src, 4);
		ck_assert(with_exts(many, 4 * 41, &h) == TLS_MALFORMED);
	}
}
END_TEST

START_TEST(test_alpn_truncated)
{
	static const char p60[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	static uint8_t s[STREAM_MAX];
	struct spec sp = { .sni = "a", .ext = { X_ALPN },
	    .alpn = { p60, p60, p60, "h2" } };
	struct tls_hello h;
	struct hb *b;
	size_t n;

	b = malloc(sizeof(*b));
	ck_assert_ptr_nonnull(b);
	build_hello(b, &sp);
	n = wrap(b->buf, b->len, 0, s, sizeof(s));
	ck_assert(stream(s, n, &h) == TLS_OK);
	/* Two names fit (121 bytes); the third does not, nor after it. */
	ck_assert_uint_eq(strlen(h.alpn), 121);
	ck_assert(strchr(h.alpn, ';') == h.alpn + 60);
	free(b);
}
END_TEST

START_TEST(test_stream_start)
{
	static const struct {
		const char	*in;
		size_t		 len;
		bool		 yes;
	} t[] = {
		{ "", 0, false },
		{ "\x16", 1, true },
		{ "\x16\x03", 2, true },
		{ "\x16\x03\x01", 3, true },
		{ "\x16\x03\x01\x02\x00", 5, true },
		{ "\x16\x03\x01\x02\x00\x01", 6, true },
		{ "\x16\x03\x03\x02\x00\x02", 6, false },
		{ "\x16\x02", 2, false },
		{ "\x17\x03\x03", 3, false },
		{ "\x80\x2e\x01", 3, false },
		{ "GET / HTTP/1.1", 14, false },
		{ "\x16\x03\x07\x00\x10\x01", 6, true },	/* any 3.x */
	};
	size_t i;

	for (i = 0; i < NELEM(t); i++)
		ck_assert_msg(tls_stream_start((const uint8_t *)t[i].in,
		    t[i].len) == t[i].yes, "%zu", i);
	ck_assert_str_eq(tls_result_str(TLS_OK), "ok");
	ck_assert_str_eq(tls_result_str(TLS_TOO_BIG), "too big");
	ck_assert_str_eq(tls_result_str((enum tls_result)99), "unknown");
}
END_TEST

/* ret is written only on TLS_OK. */
START_TEST(test_untouched)
{
	struct tls_hello h, z;
	struct hb *b;

	b = malloc(sizeof(*b));
	ck_assert_ptr_nonnull(b);
	build_hello(b, &(struct spec){ .sni = "a\"b" });
	memset(&h, 0x5a, sizeof(h));
	z = h;
	ck_assert(hello(b->buf, b->len, &h) == TLS_MALFORMED);
	ck_assert(memcmp(&h, &z, sizeof(h)) == 0);
	ck_assert(hello(b->buf, b->len - 1, &h) == TLS_NEED_MORE);
	ck_assert(memcmp(&h, &z, sizeof(h)) == 0);
	free(b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Seeds */

static int
write_one(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	printf("%s: %zu bytes\n", path, n);
	return 0;
}

static int
write_seeds(const char *dir)
{
	static char n256[257];
	static const struct {
		const char	*file;
		struct spec	 s;
		size_t		 chunk;		/* 0: one record */
		bool		 bare;		/* handshake message only */
	} t[] = {
		{ "chrome-pq-hello.bin", { .sni = "www.instagram.com",
		    .alpn = { "h2", "http/1.1" }, .pq = true, .sid_len = 32,
		    .shuffle = 0x1234 }, 0, false },
		{ "chrome-pq-3rec.bin", { .sni = "www.instagram.com",
		    .alpn = { "h2", "http/1.1" }, .pq = true, .sid_len = 32,
		    .shuffle = 0x1234 }, 600, false },
		{ "chrome-pq-10rec.bin", { .sni = "www.instagram.com",
		    .alpn = { "h2", "http/1.1" }, .pq = true, .sid_len = 32,
		    .shuffle = 0x1234 }, 180, false },
		{ "chrome-permuted.bin", { .sni = "scontent.cdninstagram.com",
		    .alpn = { "h2", "http/1.1" }, .sid_len = 32,
		    .shuffle = 77 }, 0, false },
		{ "no-sni.bin", { .alpn = { "h2" } }, 0, false },
		{ "sni-trailing-dot.bin", { .sni = "www.youtube.com." }, 0,
		    false },
		{ "sni-upper.bin", { .sni = "WWW.TikTok.COM" }, 0, false },
		{ "sni-256.bin", { .sni = n256 }, 0, false },
		{ "sni-lt.bin", { .sni = "www.<script>.com" }, 0, false },
		{ "sni-quote.bin", { .sni = "a\".com" }, 0, false },
		{ "sni-newline.bin", { .sni = "a.com\nX: y" }, 0, false },
		{ "sni-esc.bin", { .sni = "a\x1b[31m.com" }, 0, false },
		{ "tls10-noext.bin", { .noext = true }, 0, false },
		{ "alpn-odd.bin", { .sni = "a.b",
		    .alpn = { "h\"2", "a;b", "\x01\xff", "c\\d", "ok" },
		    .ext = { X_ALPN, X_SNI } }, 0, false },
		{ "quic-hello.bin", { .sni = "www.google.com", .alpn = { "h3" },
		    .ext = { X_SNI, X_ALPN, X_VERSIONS, X_KEYSHARE, X_QUIC } },
		    0, true },
		{ "one-byte-records.bin", { .sni = "x.com",
		    .ext = { X_SNI, X_ALPN }, .alpn = { "h2" } }, 1, false },
	};
	static uint8_t s[STREAM_MAX + TLS_HELLO_MAX * 5];
	struct hb *b;
	size_t i, n;
	int rc = 0;

	memset(n256, 'a', 256);
	b = malloc(sizeof(*b));
	if (b == NULL)
		return -1;
	for (i = 0; i < NELEM(t); i++) {
		build_hello(b, &t[i].s);
		if (t[i].bare)
			rc |= write_one(dir, t[i].file, b->buf, b->len);
		else {
			n = wrap(b->buf, b->len, t[i].chunk, s, sizeof(s));
			rc |= write_one(dir, t[i].file, s, n);
		}
	}
	free(b);
	return rc;
}

START_TEST(test_seeds)
{
	static const struct {
		const char	*file;
		enum tls_result	 r;
		const char	*sni;
		bool		 bare;
	} t[] = {
		{ "chrome-pq-hello.bin", TLS_OK, "www.instagram.com", false },
		{ "chrome-pq-3rec.bin", TLS_OK, "www.instagram.com", false },
		{ "chrome-pq-10rec.bin", TLS_OK, "www.instagram.com", false },
		{ "chrome-permuted.bin", TLS_OK, "scontent.cdninstagram.com",
		    false },
		{ "no-sni.bin", TLS_OK, "", false },
		{ "sni-trailing-dot.bin", TLS_OK, "www.youtube.com", false },
		{ "sni-upper.bin", TLS_OK, "www.tiktok.com", false },
		{ "sni-256.bin", TLS_MALFORMED, NULL, false },
		{ "sni-lt.bin", TLS_MALFORMED, NULL, false },
		{ "sni-quote.bin", TLS_MALFORMED, NULL, false },
		{ "sni-newline.bin", TLS_MALFORMED, NULL, false },
		{ "sni-esc.bin", TLS_MALFORMED, NULL, false },
		{ "tls10-noext.bin", TLS_OK, "", false },
		{ "alpn-odd.bin", TLS_OK, "a.b", false },
		{ "quic-hello.bin", TLS_OK, "www.google.com", true },
		{ "one-byte-records.bin", TLS_OK, "x.com", false },
	};
	struct tls_hello h;
	enum tls_result r;
	uint8_t *p;
	size_t i, n;

	for (i = 0; i < NELEM(t); i++) {
		p = read_file(t[i].file, &n);
		memset(&h, 0, sizeof(h));
		r = t[i].bare ? hello(p, n, &h) : stream(p, n, &h);
		ck_assert_msg(r == t[i].r, "%s: %s", t[i].file,
		    tls_result_str(r));
		if (r == TLS_OK)
			ck_assert_str_eq(h.sni, t[i].sni);
		free(p);
	}
}
END_TEST

int
main(int argc, char *argv[])
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	if (argc != 1) {
		fprintf(stderr, "usage: check_tls [--write-seeds dir]\n");
		return EXIT_FAILURE;
	}
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_captured);
	tcase_add_test(tc, test_built);
	tcase_add_test(tc, test_chrome_pq_size);
	tcase_add_test(tc, test_permutations);
	tcase_add_test(tc, test_off_by_chrome);
	tcase_add_test(tc, test_off_by_small);
	tcase_add_test(tc, test_sni_length);
	tcase_add_test(tc, test_fragmented);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_record_layer);
	tcase_add_test(tc, test_too_big);
	tcase_add_test(tc, test_extensions);
	tcase_add_test(tc, test_alpn_truncated);
	tcase_add_test(tc, test_stream_start);
	tcase_add_test(tc, test_untouched);
	tcase_add_test(tc, test_seeds);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
