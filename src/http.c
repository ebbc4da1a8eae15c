/*
 * http: pure parser of a plain-HTTP request head (RFC 9112): the request
 * line and the Host header field, nothing else.
 *
 * Only whole lines (ended by LF, with or without CR) are looked at, so a
 * prefix of a request never yields a partial host.  Results:
 *
 *  - HTTP_OK: a host was found in the first HTTP_HEAD_MAX bytes given:
 *    the authority of an absolute-form (or CONNECT authority-form)
 *    request target, else the Host field.  Lines after it that are
 *    already present are still checked (a second Host is malformed); the
 *    caller stops at the first answer that is not HTTP_NEED_MORE.
 *  - HTTP_NEED_MORE: no host yet and the head has not ended (nor reached
 *    HTTP_HEAD_MAX bytes); a prefix of a method name is also NEED_MORE.
 *  - HTTP_NO_HOST: the head ended (or HTTP_HEAD_MAX bytes were seen)
 *    without a Host, or with an empty one (RFC 9112 3.2 allows it).
 *  - HTTP_NOT_REQUEST: the bytes do not start with a known method and SP.
 *  - HTTP_MALFORMED: an invalid request line, two Host fields, a field
 *    line without a colon, or a host that is not a DNS host name
 *    (a-z, 0-9, '-', '.', '_' after case folding) or an IPv6 literal.
 *    A server answers such requests with 400 (RFC 9112 3, 3.2, 5.1).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hostchar.h"
#include "http.h"

struct method {
	const char	*name;	/* with the SP that follows it */
	size_t		 len;
};

#define M(s)	{ s " ", sizeof(s) }
static const struct method methods[] = {
	M("GET"), M("POST"), M("HEAD"), M("PUT"), M("DELETE"), M("OPTIONS"),
	M("PATCH"), M("CONNECT"), M("TRACE"),
};
#undef M

#define METHOD_CONNECT	7	/* index in methods[] */

/* Returns the methods[] index, -1 when not a method, -2 when buf is a
 * proper prefix of one. */
static int
method_match(const uint8_t *buf, size_t len)
{
	size_t i;
	int prefix = 0;

	if (len == 0)
		return -2;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (methods[i].name[0] != buf[0])
			continue;
		if (len >= methods[i].len) {
			if (memcmp(buf, methods[i].name, methods[i].len) == 0)
				return (int)i;
		} else if (memcmp(buf, methods[i].name, len) == 0)
			prefix = 1;
	}
	return prefix ? -2 : -1;
}

bool
http_request_start(const uint8_t *buf, size_t len)
{
	/* RFC 9112 3: request-line = method SP request-target SP ...;
	 * one switch on the first byte keeps this cheap. */
	if (len < 4)
		return false;
	switch (buf[0]) {
	case 'G':
		return memcmp(buf, "GET ", 4) == 0;
	case 'P':
		return memcmp(buf, "PUT ", 4) == 0 ||
		    (len >= 5 && memcmp(buf, "POST ", 5) == 0) ||
		    (len >= 6 && memcmp(buf, "PATCH ", 6) == 0);
	case 'H':
		return len >= 5 && memcmp(buf, "HEAD ", 5) == 0;
	case 'D':
		return len >= 7 && memcmp(buf, "DELETE ", 7) == 0;
	case 'O':
		return len >= 8 && memcmp(buf, "OPTIONS ", 8) == 0;
	case 'C':
		return len >= 8 && memcmp(buf, "CONNECT ", 8) == 0;
	case 'T':
		return len >= 6 && memcmp(buf, "TRACE ", 6) == 0;
	default:
		return false;
	}
}

/*
 * Host = uri-host [ ":" port ] (RFC 9110 7.2), uri-host = IP-literal /
 * IPv4address / reg-name (RFC 3986 3.2.2).  Writes the host without its
 * port into ret (lower case, one trailing dot dropped).  Returns 1 on
 * success, 0 when the value is empty, -1 when malformed.
 */
static int
parse_host(const uint8_t *p, size_t n, struct http_request *ret)
{
	size_t i, hlen, port;
	uint8_t c;

	if (n == 0)
		return 0;
	if (p[0] == '[') {
		/* RFC 3986 3.2.2: IP-literal = "[" IPv6address "]"; hex
		 * digits, ':' and '.' (an embedded IPv4) only. */
		for (i = 1; i < n && p[i] != ']'; i++) {
			c = p[i];
			if (!((c >= '0' && c <= '9') ||
			    (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
			    c == ':' || c == '.'))
				return -1;
		}
		if (i == n || i == 1)
			return -1;
		hlen = i + 1;
	} else {
		for (i = 0; i < n && p[i] != ':'; i++)
			if (host_char[p[i]] == 0)
				return -1;
		hlen = i;
	}
	/* RFC 3986 3.2.3: port = *DIGIT, and no more than 65535. */
	if (hlen < n) {
		if (p[hlen] != ':' || n - hlen - 1 > 5)
			return -1;
		port = 0;
		for (i = hlen + 1; i < n; i++) {
			if (p[i] < '0' || p[i] > '9')
				return -1;
			port = port * 10 + (size_t)(p[i] - '0');
		}
		if (port > 65535)
			return -1;
	}
	/* One trailing dot (an absolute DNS name) is dropped, as in SNI. */
	if (p[0] != '[' && hlen > 0 && p[hlen - 1] == '.')
		hlen--;
	if (hlen == 0 || hlen > HTTP_HOST_MAX)
		return -1;
	for (i = 0; i < hlen; i++) {
		c = p[i];
		ret->host[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	ret->host[hlen] = '\0';
	ret->host_len = hlen;
	return 1;
}

static inline uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/*
 * The request line (without its line end).  Sets *have_host when the
 * target is in absolute-form (RFC 9112 3.2.2) with an http(s) authority,
 * or the authority-form of CONNECT (RFC 9112 3.2.3).  Returns false when
 * the line is invalid.
 */
static bool
parse_request_line(const uint8_t *p, size_t n, int m,
    struct http_request *ret, bool *have_host)
{
	const uint8_t *t, *a;
	size_t tlen, alen, i, skip;
	int r;

	skip = methods[m].len;
	t = p + skip;
	for (tlen = 0; skip + tlen < n && t[tlen] != ' '; tlen++)
		/* RFC 9112 3.2: no whitespace or control in a target. */
		if (t[tlen] < 0x21 || t[tlen] == 0x7f)
			return false;
	if (tlen == 0)
		return false;
	/* RFC 9112 2.3: SP HTTP-version, HTTP-version = "HTTP/" DIGIT
	 * "." DIGIT. */
	if (n - skip - tlen != 9 || memcmp(t + tlen, " HTTP/", 6) != 0 ||
	    t[tlen + 6] < '0' || t[tlen + 6] > '9' || t[tlen + 7] != '.' ||
	    t[tlen + 8] < '0' || t[tlen + 8] > '9')
		return false;

	if (m == METHOD_CONNECT) {
		a = t;
		alen = tlen;
	} else {
		/* RFC 9110 4.2: "http" / "https" "://" authority. */
		if (tlen >= 7 && lower(t[0]) == 'h' && lower(t[1]) == 't' &&
		    lower(t[2]) == 't' && lower(t[3]) == 'p' &&
		    memcmp(t + 4, "://", 3) == 0)
			a = t + 7;
		else if (tlen >= 8 && lower(t[0]) == 'h' &&
		    lower(t[1]) == 't' && lower(t[2]) == 't' &&
		    lower(t[3]) == 'p' && lower(t[4]) == 's' &&
		    memcmp(t + 5, "://", 3) == 0)
			a = t + 8;
		else
			return true;	/* origin-form or asterisk-form */
		for (alen = 0; a + alen < t + tlen && a[alen] != '/' &&
		    a[alen] != '?' && a[alen] != '#'; alen++)
			;
	}
	/* RFC 3986 3.2: authority = [ userinfo "@" ] host [ ":" port ]; a
	 * server reads the host after the last '@', so must we. */
	for (i = alen; i > 0; i--)
		if (a[i - 1] == '@') {
			a += i;
			alen -= i;
			break;
		}
	/* RFC 9110 4.2.1: an empty host is invalid. */
	if ((r = parse_host(a, alen, ret)) <= 0)
		return false;
	*have_host = true;
	return true;
}

enum http_result
http_parse_request(const uint8_t *buf, size_t len, struct http_request *ret)
{
	struct http_request req;
	const uint8_t *line, *nl, *v;
	size_t off, n, vlen;
	bool have_host = false, host_field = false, after_host = false;
	int m, r;

	if ((m = method_match(buf, len)) == -1)
		return HTTP_NOT_REQUEST;
	if (m == -2)
		return HTTP_NEED_MORE;
	memcpy(req.method, methods[m].name, methods[m].len - 1);
	req.method[methods[m].len - 1] = '\0';
	req.host[0] = '\0';
	req.host_len = 0;

	if (len > HTTP_HEAD_MAX)
		len = HTTP_HEAD_MAX;
	off = 0;
	for (;;) {
		line = buf + off;
		if ((nl = memchr(line, '\n', len - off)) == NULL)
			break;
		n = (size_t)(nl - line);
		off += n + 1;
		/* RFC 9112 2.2: a line ends in CRLF; a bare LF is
		 * accepted, as servers do. */
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (line == buf) {
			if (!parse_request_line(line, n, m, &req, &have_host))
				return HTTP_MALFORMED;
			continue;
		}
		if (n == 0)
			goto done;	/* RFC 9112 2.1: end of the head */
		if (line[0] == ' ' || line[0] == '\t') {
			/*
			 * RFC 9112 5.2: obs-fold.  A server may unfold it
			 * into the field before; after Host that would
			 * change the host we saw.
			 */
			if (after_host)
				return HTTP_MALFORMED;
			continue;
		}
		after_host = false;
		if ((v = memchr(line, ':', n)) == NULL)
			return HTTP_MALFORMED;	/* RFC 9112 5 */
		if (v - line != 4 || lower(line[0]) != 'h' ||
		    lower(line[1]) != 'o' || lower(line[2]) != 's' ||
		    lower(line[3]) != 't') {
			/* RFC 9112 5.1: no whitespace before the colon;
			 * "Host :" is rejected by servers, so are we. */
			if (v - line > 4 && lower(line[0]) == 'h' &&
			    lower(line[1]) == 'o' && lower(line[2]) == 's' &&
			    lower(line[3]) == 't' &&
			    (line[4] == ' ' || line[4] == '\t'))
				return HTTP_MALFORMED;
			continue;
		}
		/* RFC 9112 3.2: more than one Host is a 400. */
		if (host_field)
			return HTTP_MALFORMED;
		host_field = after_host = true;
		/* RFC 9110 5.5: field-value with OWS on either side. */
		v++;
		vlen = n - (size_t)(v - line);
		while (vlen > 0 && (v[0] == ' ' || v[0] == '\t')) {
			v++;
			vlen--;
		}
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		/*
		 * RFC 9112 3.2.2: with an absolute-form target the Host is
		 * ignored by the server, so the target's authority wins;
		 * the field must still be valid.
		 */
		if (have_host) {
			struct http_request tmp;

			if (parse_host(v, vlen, &tmp) < 0)
				return HTTP_MALFORMED;
			continue;
		}
		if ((r = parse_host(v, vlen, &req)) < 0)
			return HTTP_MALFORMED;
		if (r > 0)
			have_host = true;
	}
	/* The head goes on beyond the bytes we have or may look at. */
	if (have_host)
		goto done;
	if (len == HTTP_HEAD_MAX)
		return HTTP_NO_HOST;
	return HTTP_NEED_MORE;
done:
	if (!have_host)
		return HTTP_NO_HOST;
	*ret = req;
	return HTTP_OK;
}
