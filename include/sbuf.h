/*
 * sbuf: append-only text into a caller's fixed buffer, cut at its end,
 * never overrun, no allocation: the line formatters of --replay and the
 * audit log.  Header-only (static functions) so each user links nothing
 * more.
 */
#ifndef SG_SBUF_H
#define SG_SBUF_H

#include <sys/socket.h>

#include <stddef.h>
#include <string.h>

#include "addr.h"

struct sb {
	char	*b;
	size_t	 n, cap;	/* cap excludes the final NUL */
};

static inline void
sb_putc(struct sb *s, char c)
{
	if (s->n < s->cap)
		s->b[s->n++] = c;
}

static inline void
sb_put(struct sb *s, const char *p, size_t len)
{
	if (len > s->cap - s->n)
		len = s->cap - s->n;
	memcpy(s->b + s->n, p, len);
	s->n += len;
}

static inline void
sb_puts(struct sb *s, const char *p)
{
	sb_put(s, p, strlen(p));
}

static inline void
sb_uint(struct sb *s, unsigned long v, int width)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 || i < width);
	while (i > 0)
		sb_putc(s, tmp[--i]);
}

/* IPv4 by hand (the common case), IPv6 through inet_ntop. */
static inline void
sb_addr(struct sb *s, const struct addr *a)
{
	char tmp[ADDR_STRLEN], *p = tmp;
	int i;
	unsigned v;

	if (a->family == AF_INET) {
		for (i = 0; i < 4; i++) {
			v = a->bytes[i];
			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
			*p++ = '.';
		}
		sb_put(s, tmp, (size_t)(p - tmp - 1));
		return;
	}
	addr_format(a, tmp, sizeof(tmp));
	sb_puts(s, tmp);
}

static inline void
sb_addr_port(struct sb *s, const struct addr *a, uint16_t port)
{
	if (a->family == AF_INET6)
		sb_putc(s, '[');
	sb_addr(s, a);
	if (a->family == AF_INET6)
		sb_putc(s, ']');
	sb_putc(s, ':');
	sb_uint(s, port, 1);
}

/* A JSON string, quotes included.  Besides what JSON requires, < > &
 * and every byte outside printable ASCII are escaped, so the text is
 * safe pasted into HTML or a terminal too. */
static inline void
sb_json_string(struct sb *s, const char *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	sb_putc(s, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '"' || c == '\\') {
			sb_putc(s, '\\');
			sb_putc(s, (char)c);
		} else if (c < 0x20 || c > 0x7e || c == '<' || c == '>' ||
		    c == '&') {
			sb_put(s, "\\u00", 4);
			sb_putc(s, hex[c >> 4]);
			sb_putc(s, hex[c & 15]);
		} else
			sb_putc(s, (char)c);
	}
	sb_putc(s, '"');
}

/* ,"key":"value" */
static inline void
sb_json_key(struct sb *s, const char *key, const char *val, size_t len)
{
	sb_put(s, ",\"", 2);
	sb_puts(s, key);
	sb_put(s, "\":", 2);
	sb_json_string(s, val, len);
}

#endif
