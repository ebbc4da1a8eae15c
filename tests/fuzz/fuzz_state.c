/*
 * libFuzzer target for state.c.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *       -Iinclude tests/fuzz/fuzz_state.c src/state.c src/addr.c \
 *       -lnettle -o fuzz_state
 *   ./fuzz_state -max_len=16384 CORPUS
 *
 * The input is used three ways:
 *  - as a state file: state_parse must not crash, must say why when it
 *    refuses, and what it accepts must pass state_check and format back
 *    to exactly the input (the format has one canonical text) and parse
 *    again to the same state;
 *  - the same with the digest after the last "sha256=" recomputed, so
 *    that mutations get past the checksum and into the rest of the
 *    reader's checks (a fuzzer cannot forge SHA-256);
 *  - as a recipe for a struct state (names mostly in their character
 *    sets, sometimes not, sometimes too long or unterminated; addresses;
 *    extreme numbers): whatever state_check accepts must format, parse
 *    and compare equal; the rest must at least format and parse safely.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "state.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define check(c)	do { if (!(c)) abort(); } while (0)

#define RECIPE_MAX	256	/* entries built from one input */

static bool
same(const struct state *a, const struct state *b)
{
	size_t i;

	if (a->saved != b->saved || a->nquota != b->nquota ||
	    a->nips != b->nips)
		return false;
	for (i = 0; i < a->nquota; i++)
		if (strcmp(a->quota[i].holder, b->quota[i].holder) != 0 ||
		    a->quota[i].day != b->quota[i].day ||
		    a->quota[i].used != b->quota[i].used)
			return false;
	for (i = 0; i < a->nips; i++)
		if (!addr_equal(&a->ips[i].addr, &b->ips[i].addr) ||
		    strcmp(a->ips[i].platform, b->ips[i].platform) != 0 ||
		    a->ips[i].expires != b->ips[i].expires)
			return false;
	return true;
}

/* Parse text; when it is accepted, check it both ways. */
static void
one(const char *text, size_t len)
{
	struct state st, again;
	char *cause = NULL, *out;
	size_t olen;
	int rc;

	rc = state_parse(text, len, &st, &cause);
	check(rc == 0 || rc == -EBADMSG || rc == -EPROTO || rc == -ENOMEM);
	if (rc != 0) {
		check(cause != NULL || rc == -ENOMEM);
		free(cause);
		return;
	}
	check(cause == NULL);
	check(state_check(&st, NULL) == 0);
	out = state_format(&st, &olen);
	check(out != NULL);
	check(olen == len && memcmp(out, text, len) == 0);
	check(state_parse(out, olen, &again, NULL) == 0);
	check(same(&st, &again));
	free(out);
	state_clear(&st);
	state_clear(&again);
}

/* Recompute the digest after the last "sha256=" that has 64 bytes after it. */
static bool
fix_digest(char *text, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t i, at;

	if (len < 7 + 2 * SHA256_DIGEST_SIZE)
		return false;
	for (at = len - 7 - 2 * SHA256_DIGEST_SIZE + 1; at-- > 0;)
		if (memcmp(text + at, "sha256=", 7) == 0)
			break;
	if (at == (size_t)-1)
		return false;
	at += 7;
	sha256_init(&ctx);
	sha256_update(&ctx, at, (const uint8_t *)text);
	sha256_digest(&ctx, sizeof(d), d);
	for (i = 0; i < sizeof(d); i++) {
		text[at + 2 * i] = digits[d[i] >> 4];
		text[at + 2 * i + 1] = digits[d[i] & 0xf];
	}
	return true;
}

struct reader {
	const uint8_t	*p;
	size_t		 rem;
};

static uint64_t
take(struct reader *r, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0) {
		v <<= 8;
		if (r->rem > 0) {
			v |= *r->p++;
			r->rem--;
		}
	}
	return v;
}

/* A name of up to max bytes (max itself: unterminated), mostly valid. */
static void
name(struct reader *r, char *buf, size_t max, const char *set)
{
	size_t len, i, nset = strlen(set);
	uint8_t b;

	memset(buf, 0, max);
	len = (size_t)take(r, 1) % (max + 2);
	if (len > max)
		len = 1;
	for (i = 0; i < len; i++) {
		b = (uint8_t)take(r, 1);
		buf[i] = b >= 0xf8 ? (char)(b - 0xf8 + ' ') : set[b % nset];
	}
}

static void
recipe(const uint8_t *data, size_t size)
{
	static const char hset[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._:-";
	static const char pset[] = "abcdefghijklmnopqrstuvwxyz0123456789_-";
	struct reader r = { data, size };
	struct state st, back;
	struct state_quota *q;
	struct state_ip *ip;
	size_t len;
	char *text;
	uint8_t kind;
	int ok, rc;

	memset(&st, 0, sizeof(st));
	st.quota = calloc(RECIPE_MAX, sizeof(*st.quota));
	st.ips = calloc(RECIPE_MAX, sizeof(*st.ips));
	check(st.quota != NULL && st.ips != NULL);
	st.saved = (int64_t)take(&r, 8);
	while (r.rem > 0 && st.nquota < RECIPE_MAX && st.nips < RECIPE_MAX) {
		kind = (uint8_t)take(&r, 1);
		if (kind & 1) {
			q = &st.quota[st.nquota++];
			name(&r, q->holder, sizeof(q->holder), hset);
			q->day = (int32_t)(uint32_t)take(&r, 4);
			q->used = (uint32_t)take(&r, 4);
		} else {
			ip = &st.ips[st.nips++];
			ip->addr.family = (kind & 2) ? AF_INET6 : AF_INET;
			if (kind == 0xfe)
				ip->addr.family = 0;
			memcpy(ip->addr.bytes, r.p, r.rem < 16 ? r.rem : 16);
			take(&r, ip->addr.family == AF_INET ? 4 : 16);
			if (ip->addr.family == AF_INET)
				memset(ip->addr.bytes + 4, 0, 12);
			name(&r, ip->platform, sizeof(ip->platform), pset);
			ip->expires = (int64_t)take(&r, 8);
		}
	}
	ok = state_check(&st, NULL) == 0;
	text = state_format(&st, &len);
	check(text != NULL);
	check(strlen(text) == len);
	rc = state_parse(text, len, &back, NULL);
	if (ok) {
		check(rc == 0);
		check(same(&st, &back));
		state_clear(&back);
	} else if (rc == 0)
		state_clear(&back);
	free(text);
	state_clear(&st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;

	/* An exact-size copy, so that ASan sees any read past the end. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	one(copy, size);
	if (fix_digest(copy, size))
		one(copy, size);
	free(copy);
	recipe(data, size);
	return 0;
}
