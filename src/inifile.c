/*
 * inifile: the INI line reader shared by schoolgate.conf and overrides.d
 * (see inifile.h).  What the two files' readers do alike lives here; what
 * they say differently, and what a section or a key means, stays with
 * them behind struct inifile_ops.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "inifile.h"
#include "log.h"

#define QBUF	(INIFILE_QUOTE_MAX * 4 + 8)

/* File text is bytes: no <ctype.h>, whose answers depend on the locale
 * and on the sign of char. */
static bool
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

bool
inifile_key_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    is_digit(c) || c == '_' || c == '.' || c == '-';
}

const char *
inifile_quote(const char *s, size_t len, size_t max, char *buf, size_t buflen)
{
	size_t n = len > max ? max : len;

	log_escape(s, n, buf, buflen - 4);
	if (n < len)
		memcpy(buf + strlen(buf), "...", 4);	/* the 4 kept above */
	return buf;
}

size_t
inifile_utf8_seq(const unsigned char *p, size_t len)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* beyond U+10FFFF */
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++)
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xbf))
			return 0;
	return n;
}

const char *
inifile_line_bad(const char *p, size_t len, char *buf, size_t buflen)
{
	size_t i, n;

	for (i = 0; i < len; i += n) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\0')
			return "line has a NUL byte";
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			snprintf(buf, buflen, "line has a control character "
			    "(\\x%02x)", c);
			return buf;
		}
		if ((n = inifile_utf8_seq((const unsigned char *)p + i,
		    len - i)) == 0) {
			snprintf(buf, buflen, "line is not UTF-8 text (byte "
			    "\\x%02x)", c);
			return buf;
		}
	}
	return NULL;
}

static unsigned
family_bits(const struct addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

int
inifile_parse_prefix(const char *s, size_t quote_max, struct cidr *ret,
    char *why, size_t whylen)
{
	char a[ADDR_STRLEN], qb[QBUF], net[ADDR_STRLEN];
	const char *slash = strchr(s, '/'), *p;
	struct cidr c;
	size_t alen;
	unsigned plen = 0, i;

	if (cidr_parse(s, ret) == 0)
		return 0;
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	memset(&c, 0, sizeof(c));
	if (alen == 0 || alen >= sizeof(a))
		goto badaddr;
	memcpy(a, s, alen);
	a[alen] = '\0';
	if (addr_parse(a, &c.a) < 0 || slash == NULL)
		goto badaddr;
	for (p = slash + 1; is_digit(*p) && p - slash <= 3; p++)
		plen = plen * 10 + (unsigned)(*p - '0');
	if (p == slash + 1 || *p != '\0' || plen > family_bits(&c.a)) {
		snprintf(why, whylen, "bad prefix length in '%s' (want /0 to "
		    "/%u)", inifile_quote(s, strlen(s), quote_max, qb,
		    sizeof(qb)), family_bits(&c.a));
		return -EINVAL;
	}
	/* What the prefix would be, to show the host bits that are set. */
	for (i = 0; i < 16; i++)
		if (plen < (i + 1) * 8)
			c.a.bytes[i] &= plen <= i * 8 ? 0 :
			    (uint8_t)(0xff << (8 - (plen - i * 8)));
	c.prefix = (uint8_t)plen;
	cidr_format(&c, net, sizeof(net));
	snprintf(why, whylen, "'%s' has host bits set (the prefix is %s)",
	    inifile_quote(s, strlen(s), quote_max, qb, sizeof(qb)), net);
	return -EINVAL;
 badaddr:
	snprintf(why, whylen, "bad address '%s'", inifile_quote(s, strlen(s),
	    quote_max, qb, sizeof(qb)));
	return -EINVAL;
}

void
inifile_format_prefix(const struct cidr *c, char *buf, size_t len)
{
	if (c->prefix == family_bits(&c->a))
		addr_format(&c->a, buf, len);
	else
		cidr_format(c, buf, len);
}

/*
 * The reader.
 */
static void rerr(struct inifile_reader *, unsigned, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
rerr(struct inifile_reader *r, unsigned line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->ops->error(r->arg, line, msg);
}

/* Cut a comment (';' or '#' first on the line or after a blank) and the
 * blanks before it; returns the new length. */
static size_t
strip_comment(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((p[i] == ';' || p[i] == '#') &&
		    (i == 0 || is_blank(p[i - 1]))) {
			len = i;
			break;
		}
	while (len > 0 && is_blank(p[len - 1]))
		len--;
	return len;
}

/* A line that is not "[...]"; t has no comment and no outer blanks.
 * Hands inih "name=value", or reports the line and returns false. */
static bool
lex_key(struct inifile_reader *r, const char *t, size_t tlen, char *out,
    size_t cap)
{
	struct inifile_badkey bk;
	const char *eq, *v;
	size_t i, nlen, vlen;

	memset(&bk, 0, sizeof(bk));
	bk.text = t;
	bk.len = tlen;
	bk.hint = "";
	if ((eq = memchr(t, '=', tlen)) == NULL) {
		for (i = 0; i < tlen && inifile_key_char(t[i]); i++)
			;
		if (i > 0 && i < tlen && t[i] == ':')
			bk.hint = " (write '=', not ':')";
		bk.why = INIFILE_NOT_KEY;
		r->ops->badkey(r->arg, &bk);
		return false;
	}
	nlen = (size_t)(eq - t);
	while (nlen > 0 && is_blank(t[nlen - 1]))
		nlen--;
	for (v = eq + 1; v < t + tlen && is_blank(*v); v++)
		;
	vlen = (size_t)(t + tlen - v);
	/* A comment may follow the '=' directly. */
	if (vlen > 0 && (*v == ';' || *v == '#'))
		vlen = 0;
	bk.name = t;
	bk.nlen = nlen;
	bk.value = v;
	bk.vlen = vlen;
	for (i = 0; i < nlen && inifile_key_char(t[i]); i++)
		;
	if (!r->saw_section || nlen == 0 || i < nlen ||
	    nlen > INIFILE_KEY_MAX) {
		bk.why = !r->saw_section ? INIFILE_KEY_EARLY :
		    INIFILE_KEY_NAME;
		r->ops->badkey(r->arg, &bk);
		return false;
	}
	if (nlen + 1 + vlen >= cap) {
		rerr(r, r->lineno, "line is too long for the INI parser");
		return false;
	}
	memcpy(out, t, nlen);
	out[nlen] = '=';
	memcpy(out + nlen + 1, v, vlen);
	out[nlen + 1 + vlen] = '\0';
	memcpy(r->lastname, t, nlen);
	r->lastname[nlen] = '\0';
	r->expect = true;
	r->cont = false;
	r->in_key = true;
	return true;
}

/* An indented line after a key: more of its value. */
static void
lex_cont(struct inifile_reader *r, const char *t, size_t tlen, char *out,
    size_t cap)
{
	char qb[QBUF], word[INIFILE_KEY_MAX + 1];
	const char *sect;
	size_t i, j;

	/* "  lan = ..." under another key is a key someone indented, not
	 * a value: say so rather than read "lan = ..." as an item.  Only
	 * the section's own keys count, so a text may hold "a=b". */
	for (i = 0; i < tlen && inifile_key_char(t[i]); i++)
		;
	for (j = i; j < tlen && is_blank(t[j]); j++)
		;
	if (i > 0 && i <= INIFILE_KEY_MAX && j < tlen && t[j] == '=') {
		memcpy(word, t, i);
		word[i] = '\0';
		if ((sect = r->ops->is_key(r->arg, word)) != NULL) {
			rerr(r, r->lineno, "[%s] %s: indented line '%s' would "
			    "continue the value of %s; start a key at the "
			    "beginning of its line", sect, r->lastname,
			    inifile_quote(t, tlen, r->quote_max, qb,
			    sizeof(qb)), r->lastname);
			return;
		}
	}
	if (tlen + 1 >= cap) {
		rerr(r, r->lineno, "line is too long for the INI parser");
		return;
	}
	out[0] = ' ';
	memcpy(out + 1, t, tlen);
	out[tlen + 1] = '\0';
	r->expect = true;
	r->cont = true;
}

/* Check one line of the file and turn it into what inih should see. */
static void
lex_line(struct inifile_reader *r, const char *p, size_t len, char *out,
    size_t cap)
{
	char buf[64];
	const char *t, *why;
	size_t tlen;
	bool in_value;

	out[0] = '\0';
	if (len > r->line_max) {
		rerr(r, r->lineno, "line is %zu characters long, more than "
		    "%zu (continue a long value on indented lines)", len,
		    r->line_max);
		goto bad;
	}
	if ((why = inifile_line_bad(p, len, buf, sizeof(buf))) != NULL) {
		rerr(r, r->lineno, "%s", why);
		goto bad;
	}
	len = strip_comment(p, len);
	for (t = p; t < p + len && is_blank(*t); t++)
		;
	if ((tlen = len - (size_t)(t - p)) == 0)
		return;		/* blank or comment: changes nothing */
	if (t > p && r->in_key) {
		lex_cont(r, t, tlen, out, cap);
		return;
	}
	if (t > p && r->in_bad && *t != '[')
		return;
	r->in_bad = false;
	if (*t == '[') {
		r->in_key = false;
		r->saw_section = true;
		r->ops->section(r->arg, t, tlen, out, cap);
	} else if (!lex_key(r, t, tlen, out, cap)) {
		r->in_key = false;
		r->in_bad = true;
		r->ops->bad(r->arg, false);
	}
	return;
 bad:
	/* A bad line inside a value goes alone; any other bad line takes
	 * the indented lines that follow it along. */
	in_value = len > 0 && is_blank(p[0]) && r->in_key;
	if (!in_value) {
		r->in_key = false;
		r->in_bad = true;
	}
	r->ops->bad(r->arg, in_value);
}

/* inih's reader: one line of the file per call, as fgets would. */
static char *
lex_reader(char *str, int num, void *arg)
{
	struct inifile_reader *r = arg;
	const char *p, *nl, *end;
	size_t len;

	if (r->expect) {
		rerr(r, r->lineno, "the INI parser dropped this line");
		r->expect = false;
	}
	if (r->off >= r->len || *r->stop)
		return NULL;
	if (num < 4) {
		rerr(r, r->lineno + 1, "the INI parser's line buffer is too "
		    "small");
		return NULL;
	}
	p = r->buf + r->off;
	nl = memchr(p, '\n', r->len - r->off);
	end = nl != NULL ? nl : r->buf + r->len;
	r->off = (size_t)(end - r->buf) + (nl != NULL);
	r->lineno++;
	len = (size_t)(end - p);
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (r->lineno == 1 && len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		len -= 3;
	}
	lex_line(r, p, len, str, (size_t)num);
	return str;
}

static int
lex_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct inifile_reader *r = arg;

	(void)section;		/* the reader tracks sections */
	if (!r->expect) {
		rerr(r, r->lineno, "the INI parser read a line differently");
		return 1;
	}
	r->expect = false;
	/* inih continues the key it read last, which is ours. */
	if (r->cont && strcmp(name, r->lastname) != 0) {
		rerr(r, r->lineno, "the INI parser continued another key");
		return 1;
	}
	r->ops->value(r->arg, name, value, r->cont);
	return 1;
}

int
inifile_read(struct inifile_reader *r)
{
	r->off = 0;
	r->lineno = 0;
	r->saw_section = r->in_key = r->in_bad = false;
	r->expect = r->cont = false;
	r->lastname[0] = '\0';
	return ini_parse_stream(lex_reader, r, lex_handler, r);
}
