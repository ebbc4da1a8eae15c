/*
 * libFuzzer target for http.c.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *       tests/fuzz/fuzz_http.c src/http.c -o fuzz_http
 *   ./fuzz_http -max_len=10000 CORPUS
 *
 * Checks, besides memory safety: a host is lower-case DNS characters or
 * a bracketed IPv6 literal, at most HTTP_HOST_MAX bytes; a prefix of the
 * input answers NEED_MORE or what the whole answers, except that an OK
 * prefix may meet a malformed line (a second Host) later; an OK prefix
 * gives the same host.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define check(c)	do { if (!(c)) abort(); } while (0)

static void
valid(const struct http_request *q)
{
	size_t i, n = q->host_len;
	char c;

	check(n > 0 && n <= HTTP_HOST_MAX && strlen(q->host) == n);
	check(strlen(q->method) > 0);
	if (q->host[0] == '[') {
		check(n >= 3 && q->host[n - 1] == ']');
		for (i = 1; i < n - 1; i++) {
			c = q->host[i];
			check((c >= '0' && c <= '9') ||
			    (c >= 'a' && c <= 'f') || c == ':' || c == '.');
		}
		return;
	}
	for (i = 0; i < n; i++) {
		c = q->host[i];
		check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_');
	}
}

static enum http_result
run(const uint8_t *p, size_t n, struct http_request *q)
{
	enum http_result r;
	uint8_t *c;

	c = malloc(n ? n : 1);
	check(c != NULL);
	memcpy(c, p, n);
	r = http_parse_request(c, n, q);
	free(c);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request full, part;
	enum http_result r, pr;
	size_t split;
	bool start;

	start = http_request_start(data, size);
	r = run(data, size, &full);
	if (r == HTTP_OK)
		valid(&full);
	/* A known method and SP is a request, perhaps a bad one. */
	if (start)
		check(r != HTTP_NOT_REQUEST);
	split = size >= 2 ? (size_t)(data[size - 1] << 8 |
	    data[size - 2]) % size : 0;
	pr = run(data, split, &part);
	if (pr == HTTP_OK) {
		check(r == HTTP_OK || r == HTTP_MALFORMED);
		if (r == HTTP_OK)
			check(strcmp(part.host, full.host) == 0);
	} else
		check(pr == HTTP_NEED_MORE || pr == r);
	return 0;
}
