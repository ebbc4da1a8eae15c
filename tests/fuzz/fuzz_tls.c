/*
 * libFuzzer target for tls.c.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *       tests/fuzz/fuzz_tls.c src/tls.c -o fuzz_tls
 *   ./fuzz_tls -max_len=20000 CORPUS tests/data/tls
 *
 * Besides memory safety it checks the contracts the callers rely on:
 *  - a prefix of the input answers TLS_NEED_MORE or what the whole input
 *    answers, and an OK prefix gives the same hello;
 *  - a hello that parses alone parses the same behind records of any
 *    size (fragmentation cannot hide or change a name);
 *  - the names reported are made of a-z 0-9 - . _ only, ALPN of
 *    printable bytes other than '"' and '\\'.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t scratch[TLS_HELLO_MAX];
/* A hello in 1-byte records: 6 bytes each. */
static uint8_t rec[TLS_HELLO_MAX * 6];

#define check(c)	do { if (!(c)) abort(); } while (0)

static void
valid(const struct tls_hello *h)
{
	size_t i;
	char c;

	check(h->sni_len <= TLS_SNI_MAX);
	check(strlen(h->sni) == h->sni_len);
	check(h->has_sni == (h->sni_len > 0));
	for (i = 0; i < h->sni_len; i++) {
		c = h->sni[i];
		check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_');
	}
	check(strlen(h->alpn) <= TLS_ALPN_MAX);
	for (i = 0; h->alpn[i] != '\0'; i++) {
		c = h->alpn[i];
		check(c > 0x20 && c < 0x7f && c != '"' && c != '\\');
	}
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

/* Exact-size copy so that ASan sees a read past len. */
static enum tls_result
run(bool stream, const uint8_t *p, size_t n, struct tls_hello *h)
{
	enum tls_result r;
	uint8_t *c;

	c = malloc(n ? n : 1);
	check(c != NULL);
	memcpy(c, p, n);
	if (stream)
		r = tls_parse_stream(c, n, scratch, sizeof(scratch), h);
	else
		r = tls_parse_hello(c, n, h);
	free(c);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_hello full, part;
	enum tls_result r, pr;
	size_t split, chunk, off, c, n;
	int s;

	(void)tls_stream_start(data, size);
	(void)tls_result_str(TLS_OK);
	split = size >= 2 ? (size_t)(data[0] << 8 | data[1]) % size : 0;
	chunk = size >= 3 ? (size_t)data[2] + 1 : 1;

	for (s = 0; s < 2; s++) {
		r = run(s, data, size, &full);
		if (r == TLS_OK)
			valid(&full);
		pr = run(s, data, split, &part);
		check(pr == TLS_NEED_MORE || pr == r);
		if (pr == TLS_OK)
			check(same(&part, &full));
	}

	/* The handshake message behind records of chunk bytes. */
	if (run(false, data, size, &full) != TLS_OK)
		return 0;
	n = 4 + ((size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3]);
	for (off = 0, c = 0; c < n; c += chunk) {
		size_t k = n - c < chunk ? n - c : chunk;

		rec[off++] = 22;
		rec[off++] = 3;
		rec[off++] = c == 0 ? 1 : 3;
		rec[off++] = (uint8_t)(k >> 8);
		rec[off++] = (uint8_t)k;
		memcpy(rec + off, data + c, k);
		off += k;
	}
	check(run(true, rec, off, &part) == TLS_OK);
	check(same(&part, &full));
	return 0;
}
