/*
 * libFuzzer target for quic.c: one flow fed a sequence of datagrams.
 *
 * Input: a mode byte, then records of a 2-byte big-endian length and
 * that many bytes.  Mode even: each record is a UDP payload, fed as is
 * (the seeds from `check_quic --write-seeds` are such).  Mode odd: each
 * record is a selector byte and the plaintext frames of a client
 * Initial, sealed here with tests/unit/quic_build.c, so the fuzzer
 * reaches the frame parser and the reassembly behind the AEAD, which
 * mutated ciphertext never passes.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *	    -Itests/unit tests/fuzz/fuzz_quic.c src/quic.c src/tls.c \
 *	    tests/unit/quic_build.c $(pkg-config --cflags --libs nettle) \
 *	    -o build/fuzz_quic
 *	build/fuzz_quic -max_len=8192 CORPUS_DIR tests/data/quic/seeds
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quic.h"
#include "quic_build.h"
#include "tls.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Versions a sealed record may pick with its selector's low bits. */
static const uint32_t versions[8] = {
	0x00000001, 0x6b3343cf, 0xff00001d, 0xff00001b,
	0xfaceb002, 0x54303531, 0x51303530, 0xff000022,
};

static const uint8_t dcids[2][8] = {
	{ 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 },
	{ 0x1b, 0xad, 0xca, 0xfe, 0x00, 0x11, 0x22, 0x33 },
};

static void
feed(struct quic_flow *f, const uint8_t *d, size_t len)
{
	struct tls_hello hello;
	uint32_t version;
	uint8_t *copy = malloc(len > 0 ? len : 1);
	enum quic_result r;

	if (copy == NULL)
		abort();
	if (len > 0)
		memcpy(copy, d, len);
	(void)quic_initial_start(copy, len);
	r = quic_parse_datagram(f, copy, len, &hello, &version);
	if (r == QUIC_OK) {
		/* The name is terminated and printable. */
		if (hello.has_sni && (hello.sni_len == 0 ||
		    strlen(hello.sni) != hello.sni_len))
			abort();
		if (quic_version_name(version) == NULL)
			abort();
	}
	if (quic_result_str(r) == NULL)
		abort();
	free(copy);
}

/* Seal frames into an Initial; the selector picks version, DCID and
 * packet number length. */
static size_t
seal(uint8_t *out, size_t cap, const uint8_t *rec, size_t len,
    uint64_t pn)
{
	struct qb_initial q;
	uint8_t sel;

	if (len < 1)
		return 0;
	sel = rec[0];
	memset(&q, 0, sizeof(q));
	q.version = versions[sel & 7];
	q.dcid = dcids[sel >> 3 & 1];
	q.dcid_len = sizeof(dcids[0]);
	q.pn = pn;
	q.pn_len = (sel >> 4 & 3) + 1U;
	q.frames = rec + 1;
	q.frames_len = len - 1;
	q.pad_to = sel & 0x40 ? 0 : 1200;
	return qb_initial(out, cap, &q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[16384 + 256];
	struct quic_flow *f;
	uint8_t *buf;
	size_t n, len;
	uint64_t pn = 0;
	int sealed;

	if (size < 1)
		return 0;
	sealed = data[0] & 1;
	data++;
	size--;
	if ((f = malloc(sizeof(*f))) == NULL ||
	    (buf = malloc(QUIC_CRYPTO_MAX)) == NULL)
		abort();
	quic_flow_init(f, buf, QUIC_CRYPTO_MAX);
	while (size >= 2) {
		len = (size_t)data[0] << 8 | data[1];
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		if (!sealed)
			feed(f, data, len);
		else if ((n = seal(pkt, sizeof(pkt), data, len, pn++)) > 0)
			feed(f, pkt, n);
		data += len;
		size -= len;
	}
	free(buf);
	free(f);
	return 0;
}
