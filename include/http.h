/*
 * http: pure parser of the request line and Host header of a plain-HTTP
 * request (RFC 9112).  Pure: no allocation, no globals, no clock.
 */
#ifndef SG_HTTP_H
#define SG_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_HOST_MAX	255
#define HTTP_HEAD_MAX	8192	/* bytes we look at for the Host header */

enum http_result {
	HTTP_OK = 0,
	HTTP_NEED_MORE,		/* a request so far, Host not yet seen */
	HTTP_NOT_REQUEST,	/* does not start with METHOD SP */
	HTTP_NO_HOST,		/* headers ended without a usable Host */
	HTTP_MALFORMED,
};

struct http_request {
	char	method[16];
	/* Host without port, lower-cased; only [a-z0-9._-] are accepted,
	 * plus an IPv6 literal in brackets.  An absolute-form request
	 * target's authority wins over Host (RFC 9112 3.2.2). */
	char	host[HTTP_HOST_MAX + 1];
	size_t	host_len;
};

/* Cheap test: does buf start with a known method and a space? */
bool		http_request_start(const uint8_t *buf, size_t len);

/* Parse the request head at the start of buf (len bytes, may be a prefix
 * of the head).  HTTP_OK and *ret filled when a Host header was found. */
enum http_result http_parse_request(const uint8_t *buf, size_t len,
		    struct http_request *ret);

#endif
