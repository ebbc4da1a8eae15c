/*
 * Unit tests for http.c: request heads of real clients, the Host rules
 * of RFC 9112 3.2, hostile hosts, and every byte prefix.  Each call gets
 * a heap copy of exactly len bytes so the sanitizer sees any over-read.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static enum http_result
parse(const void *p, size_t n, struct http_request *ret)
{
	enum http_result r;
	uint8_t *c;

	c = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(c);
	if (n > 0)
		memcpy(c, p, n);
	r = http_parse_request(c, n, ret);
	free(c);
	return r;
}

static const char *
rstr(enum http_result r)
{
	switch (r) {
	case HTTP_OK:
		return "ok";
	case HTTP_NEED_MORE:
		return "need more";
	case HTTP_NOT_REQUEST:
		return "not request";
	case HTTP_NO_HOST:
		return "no host";
	case HTTP_MALFORMED:
		return "malformed";
	}
	return "?";
}

#define RES(s, r)	{ s, r, NULL, NULL }
#define BAD(s)		RES(s, HTTP_MALFORMED)

static const struct {
	const char		*in;
	enum http_result	 r;
	const char		*host;
	const char		*method;
} cases[] = {
	/* What curl, browsers and apps send. */
	{ "GET / HTTP/1.1\r\nHost: www.facebook.com\r\nUser-Agent: "
	  "curl/7.88.1\r\nAccept: */*\r\n\r\n", HTTP_OK, "www.facebook.com",
	  "GET" },
	{ "POST /api/graphql HTTP/1.1\r\nContent-Length: 2\r\n"
	  "Host: i.instagram.com\r\nConnection: keep-alive\r\n\r\n{}",
	  HTTP_OK, "i.instagram.com", "POST" },
	{ "HEAD /x HTTP/1.0\r\nHost: a.b\r\n\r\n", HTTP_OK, "a.b", "HEAD" },
	{ "PUT /x HTTP/1.1\r\nHost: a.b\r\n\r\n", HTTP_OK, "a.b", "PUT" },
	{ "DELETE /x HTTP/1.1\r\nHost: a.b\r\n\r\n", HTTP_OK, "a.b",
	  "DELETE" },
	{ "OPTIONS * HTTP/1.1\r\nHost: a.b\r\n\r\n", HTTP_OK, "a.b",
	  "OPTIONS" },
	{ "PATCH /x HTTP/1.1\r\nHost: a.b\r\n\r\n", HTTP_OK, "a.b", "PATCH" },
	{ "TRACE / HTTP/1.1\r\nHost: a.b\r\n\r\n", HTTP_OK, "a.b", "TRACE" },
	/* Host: case, OWS, port, trailing dot, bare LF. */
	{ "GET / HTTP/1.1\r\nhOsT:Example.COM:8080\r\n\r\n", HTTP_OK,
	  "example.com", "GET" },
	{ "GET / HTTP/1.1\nHost: \t www.tiktok.com \t\n\n", HTTP_OK,
	  "www.tiktok.com", "GET" },
	{ "GET / HTTP/1.1\r\nHost: www.youtube.com.:80\r\n\r\n", HTTP_OK,
	  "www.youtube.com", "GET" },
	{ "GET / HTTP/1.1\r\nHost: a.b:\r\n\r\n", HTTP_OK, "a.b", "GET" },
	{ "GET / HTTP/1.1\r\nHost: 10.0.0.1:8080\r\n\r\n", HTTP_OK,
	  "10.0.0.1", "GET" },
	{ "GET / HTTP/1.1\r\nHost: a.b\r\n", HTTP_OK, "a.b", "GET" },
	/* IPv6 literals keep their brackets. */
	{ "GET / HTTP/1.1\r\nHost: [2001:DB8::1]:80\r\n\r\n", HTTP_OK,
	  "[2001:db8::1]", "GET" },
	{ "GET / HTTP/1.1\r\nHost: [::ffff:10.0.0.1]\r\n\r\n", HTTP_OK,
	  "[::ffff:10.0.0.1]", "GET" },
	BAD("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost: []\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost: [g::1]\r\n\r\n"),
	/* Absolute-form wins over Host (RFC 9112 3.2.2). */
	{ "GET http://www.Instagram.com:80/p?q HTTP/1.1\r\n\r\n", HTTP_OK,
	  "www.instagram.com", "GET" },
	{ "GET HTTP://x.com HTTP/1.1\r\nHost: other.org\r\n\r\n", HTTP_OK,
	  "x.com", "GET" },
	{ "GET https://x.com/ HTTP/1.1\r\n\r\n", HTTP_OK, "x.com", "GET" },
	{ "GET http://user:pw@x.com/ HTTP/1.1\r\n\r\n", HTTP_OK, "x.com",
	  "GET" },
	{ "GET http://[::1]:8080/ HTTP/1.1\r\n\r\n", HTTP_OK, "[::1]",
	  "GET" },
	{ "GET http://x.com?a=/ HTTP/1.1\r\n\r\n", HTTP_OK, "x.com", "GET" },
	{ "GET ftp://x.com/ HTTP/1.1\r\nHost: y.com\r\n\r\n", HTTP_OK,
	  "y.com", "GET" },
	BAD("GET http:///x HTTP/1.1\r\nHost: y.com\r\n\r\n"),
	{ "GET http://x.com/ HTTP/1.1\r\nHost: <b>\r\n\r\n",
	  HTTP_MALFORMED, NULL, NULL },
	{ "GET http://x.com/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	  HTTP_MALFORMED, NULL, NULL },
	{ "CONNECT www.tiktok.com:443 HTTP/1.1\r\n\r\n", HTTP_OK,
	  "www.tiktok.com", "CONNECT" },
	/* No usable Host. */
	RES("GET / HTTP/1.0\r\nAccept: */*\r\n\r\n", HTTP_NO_HOST),
	RES("GET / HTTP/1.1\r\nHost:\r\n\r\n", HTTP_NO_HOST),
	RES("GET / HTTP/1.1\r\nHost:   \r\n\r\n", HTTP_NO_HOST),
	RES("GET / HTTP/1.1\r\n\r\nHost: a.b\r\n\r\n", HTTP_NO_HOST),
	/* Two Hosts (RFC 9112 3.2), also when one is empty. */
	{ "GET / HTTP/1.1\r\nHost: a.b\r\nHost: c.d\r\n\r\n",
	  HTTP_MALFORMED, NULL, NULL },
	BAD("GET / HTTP/1.1\r\nHost:\r\nHOST: c.d\r\n\r\n"),
	{ "GET / HTTP/1.1\r\nHost: a.b\r\nX: 1\r\nhost: a.b\r\n",
	  HTTP_MALFORMED, NULL, NULL },
	/* Hostile hosts: markup, quotes, spaces, controls, CRLF. */
	{ "GET / HTTP/1.1\r\nHost: <script>alert(1)</script>\r\n\r\n",
	  HTTP_MALFORMED, NULL, NULL },
	{ "GET / HTTP/1.1\r\nHost: a\"onmouseover=x\r\n\r\n",
	  HTTP_MALFORMED, NULL, NULL },
	BAD("GET / HTTP/1.1\r\nHost: a'b.com\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost: a b.com\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost: a\\b.com\r\n\r\n"),
	{ "GET / HTTP/1.1\r\nHost: a.com\rX-Injected: 1\r\n\r\n",
	  HTTP_MALFORMED, NULL, NULL },
	BAD("GET / HTTP/1.1\r\nHost: a\x1b[2J.com\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost: caf\xc3\xa9.fr\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost: a%2eb\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost: a.b/c\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost: u@a.b\r\n\r\n"),
	{ "GET /\rHost: evil.com HTTP/1.1\r\nHost: a.b\r\n\r\n",
	  HTTP_MALFORMED, NULL, NULL },
	{ "GET /%0d%0aHost:%20evil HTTP/1.1\r\nHost: good.com\r\n\r\n",
	  HTTP_OK, "good.com", "GET" },
	/* Ports. */
	{ "GET / HTTP/1.1\r\nHost: a.b:65535\r\n\r\n", HTTP_OK, "a.b",
	  "GET" },
	BAD("GET / HTTP/1.1\r\nHost: a.b:65536\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost: a.b:123456\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost: a.b:8o\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost: :80\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost: .\r\n\r\n"),
	/* Field syntax (RFC 9112 5). */
	BAD("GET / HTTP/1.1\r\nHost : a.b\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost\t: a.b\r\n\r\n"),
	{ "GET / HTTP/1.1\r\nno colon here\r\nHost: a.b\r\n\r\n",
	  HTTP_MALFORMED, NULL, NULL },
	{ "GET / HTTP/1.1\r\nHost-Name: x\r\nHost: a.b\r\n\r\n", HTTP_OK,
	  "a.b", "GET" },
	{ "GET / HTTP/1.1\r\nX-Host: x\r\nHost: a.b\r\n\r\n", HTTP_OK,
	  "a.b", "GET" },
	{ "GET / HTTP/1.1\r\nHost: a.b\r\n evil.com\r\n\r\n",
	  HTTP_MALFORMED, NULL, NULL },
	{ "GET / HTTP/1.1\r\nX: 1\r\n folded\r\nHost: a.b\r\n\r\n",
	  HTTP_OK, "a.b", "GET" },
	/* Request lines (RFC 9112 3). */
	BAD("GET  / HTTP/1.1\r\nHost: a.b\r\n\r\n"),
	BAD("GET / HTTP/1.1x\r\nHost: a.b\r\n\r\n"),
	BAD("GET / HTTP/11\r\nHost: a.b\r\n\r\n"),
	BAD("GET / FTP/1.1\r\nHost: a.b\r\n\r\n"),
	BAD("GET /\r\n\r\n"),
	BAD("GET / HTTP/1.1 \r\nHost: a.b\r\n\r\n"),
	BAD("GET /a\x7f HTTP/1.1\r\nHost: a.b\r\n\r\n"),
	/* Not requests; prefixes of methods need more. */
	RES("", HTTP_NEED_MORE),
	RES("G", HTTP_NEED_MORE),
	RES("OPTIONS", HTTP_NEED_MORE),
	RES("GET / HTTP/1.1\r\nHost: a.b", HTTP_NEED_MORE),
	RES("get / HTTP/1.1\r\n", HTTP_NOT_REQUEST),
	RES("GETS / HTTP/1.1\r\n", HTTP_NOT_REQUEST),
	RES("PROPFIND / HTTP/1.1\r\n", HTTP_NOT_REQUEST),
	RES("\x16\x03\x01\x02\x00\x01", HTTP_NOT_REQUEST),
	RES(" GET / HTTP/1.1\r\n", HTTP_NOT_REQUEST),
};

START_TEST(test_cases)
{
	struct http_request req;
	enum http_result r;
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		memset(&req, 0, sizeof(req));
		r = parse(cases[i].in, strlen(cases[i].in), &req);
		ck_assert_msg(r == cases[i].r, "case %zu: %s, not %s", i,
		    rstr(r), rstr(cases[i].r));
		if (r != HTTP_OK)
			continue;
		ck_assert_str_eq(req.host, cases[i].host);
		ck_assert_uint_eq(req.host_len, strlen(cases[i].host));
		ck_assert_str_eq(req.method, cases[i].method);
	}
}
END_TEST

/*
 * Every byte prefix of every OK case: NEED_MORE until the line that gives
 * the host is whole, then OK with the whole host, never a part of it.
 */
START_TEST(test_prefixes)
{
	struct http_request req;
	enum http_result r;
	size_t i, k, n;
	bool ok;

	for (i = 0; i < NELEM(cases); i++) {
		if (cases[i].r != HTTP_OK)
			continue;
		n = strlen(cases[i].in);
		ok = false;
		for (k = 0; k <= n; k++) {
			memset(&req, 0, sizeof(req));
			r = parse(cases[i].in, k, &req);
			if (r == HTTP_OK) {
				ck_assert_str_eq(req.host, cases[i].host);
				ok = true;
			} else
				ck_assert_msg(r == HTTP_NEED_MORE && !ok,
				    "case %zu prefix %zu: %s", i, k, rstr(r));
		}
		ck_assert(ok);
	}
}
END_TEST

START_TEST(test_host_length)
{
	static char buf[1024], host[300];
	struct http_request req;
	size_t l;
	int n;

	for (l = 250; l <= 258; l++) {
		memset(host, 'a', l);
		host[l] = '\0';
		n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: %s:80"
		    "\r\n\r\n", host);
		if (l <= HTTP_HOST_MAX) {
			ck_assert(parse(buf, (size_t)n, &req) == HTTP_OK);
			ck_assert_uint_eq(req.host_len, l);
		} else
			ck_assert(parse(buf, (size_t)n, &req) ==
			    HTTP_MALFORMED);
	}
	/* 256 with a trailing dot is a 255-byte name. */
	memset(host, 'b', 255);
	host[255] = '.';
	host[256] = '\0';
	n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
	    host);
	ck_assert(parse(buf, (size_t)n, &req) == HTTP_OK);
	ck_assert_uint_eq(req.host_len, 255);
}
END_TEST

START_TEST(test_head_limit)
{
	static char buf[HTTP_HEAD_MAX * 2];
	struct http_request req;
	size_t n, k;

	/* Host after 9000 bytes of header: beyond what we look at. */
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nCookie: ");
	memset(buf + n, 'c', 9000);
	n += 9000;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
	    "\r\nHost: a.b\r\n\r\n");
	ck_assert(parse(buf, n, &req) == HTTP_NO_HOST);
	/* Incomplete: NEED_MORE below the limit, NO_HOST at it. */
	ck_assert(parse(buf, HTTP_HEAD_MAX - 1, &req) == HTTP_NEED_MORE);
	ck_assert(parse(buf, HTTP_HEAD_MAX, &req) == HTTP_NO_HOST);
	/* A Host first, then a long head: found. */
	n = (size_t)snprintf(buf, sizeof(buf),
	    "GET / HTTP/1.1\r\nHost: a.b\r\nCookie: ");
	memset(buf + n, 'c', 9000);
	n += 9000;
	for (k = n - 100; k <= n; k += 50)
		ck_assert(parse(buf, k, &req) == HTTP_OK);
	ck_assert_str_eq(req.host, "a.b");
	/* A request line longer than the limit. */
	n = (size_t)snprintf(buf, sizeof(buf), "GET /");
	memset(buf + n, 'x', 9000);
	ck_assert(parse(buf, n + 9000, &req) == HTTP_NO_HOST);
}
END_TEST

/* ret is written only on HTTP_OK. */
START_TEST(test_untouched)
{
	static const char *in[] = {
		"GET / HTTP/1.1\r\nHost: a.b\r\nHost: a.b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a.b",
		"GET / HTTP/1.1\r\n\r\n",
		"XYZ",
	};
	struct http_request req, z;
	size_t i;

	for (i = 0; i < NELEM(in); i++) {
		memset(&req, 0x5a, sizeof(req));
		z = req;
		ck_assert(parse(in[i], strlen(in[i]), &req) != HTTP_OK);
		ck_assert(memcmp(&req, &z, sizeof(req)) == 0);
	}
}
END_TEST

START_TEST(test_request_start)
{
	static const struct {
		const char	*in;
		bool		 yes;
	} t[] = {
		{ "GET /", true }, { "GET ", true }, { "GET", false },
		{ "POST /", true }, { "PUT /", true }, { "PATCH /", true },
		{ "HEAD /", true }, { "DELETE /", true },
		{ "OPTIONS *", true }, { "CONNECT a:443", true },
		{ "TRACE /", true }, { "POS", false }, { "PATC", false },
		{ "GETX /", false }, { "get /", false },
		{ "PROPFIND /", false },
		{ "\x16\x03\x01", false }, { "", false }, { "P", false },
		{ "DELETE", false }, { "OPTIONS", false },
	};
	size_t i;

	for (i = 0; i < NELEM(t); i++)
		ck_assert_msg(http_request_start((const uint8_t *)t[i].in,
		    strlen(t[i].in)) == t[i].yes, "%s", t[i].in);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_cases);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_host_length);
	tcase_add_test(tc, test_head_limit);
	tcase_add_test(tc, test_untouched);
	tcase_add_test(tc, test_request_start);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
