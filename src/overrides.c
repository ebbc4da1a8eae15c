/*
 * overrides: the override files of overrides.d (see overrides.h and
 * schoolgate-overrides(5)).
 *
 * One file is read the way config.c reads schoolgate.conf, in three
 * passes:
 *
 * 1. lex: inifile.c's reader hands inih one line per call, so every
 *    handler call knows its line, and checks what inih lets through
 *    silently (a line without '=', control bytes, invalid UTF-8, lines
 *    longer than inih's buffer); the [override] line (text after ']'
 *    too) and the keys are checked here, through its hooks.  An indented
 *    line continues the value of the key above it.  Values are kept raw,
 *    a line at a time.
 * 2. values: each key is parsed, and checked against the config and the
 *    catalogue when they are given.
 * 3. whole: required keys, platform or domain, until after from, hours
 *    without extra_quota.
 *
 * Every error is kept as "file:line: message" and reported together;
 * nothing of a file with one is used.  Parsing is pure: no logging, no
 * clock, no globals; the directory reader around it is the only code
 * here that touches the file system.
 */
#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "classify.h"
#include "config.h"
#include "inifile.h"
#include "log.h"
#include "overrides.h"

#define SECTION		"override"
#define SUFFIX		".conf"
#define DAY_SECS	86400
#define VALUE_MAX	1024	/* a value, its lines joined */
#define FRAGS_MAX	16	/* lines of one value */
#define DOMAIN_MAX	253	/* RFC 1035 2.3.4, presentation form */
#define LABEL_MAX	63	/* RFC 1035 2.3.4 */
#define EXTRA_MIN	60
#define EXTRA_MAX	DAY_SECS
/* Names collected from a directory: past this, not even listed. */
#define NAMES_MAX	(2 * OVERRIDE_FILES_MAX)

/* How much of a bad value a message quotes, before "...". */
#define QUOTE_MAX	64
#define QLEN		(QUOTE_MAX * 4 + 8)
/* Lines of formatted text wrap before this column (a tab is 8). */
#define FORMAT_COLS	78

enum key_id {
	K_PLATFORM, K_DOMAIN, K_WHO, K_FROM, K_UNTIL, K_HOURS, K_EXTRA_QUOTA,
	K_REASON, K_APPROVED_BY, K_REQUEST, K_N
};

static const struct keydef {
	const char	*name;
	bool		 required;
	const char	*want;
} keydefs[K_N] = {
	[K_PLATFORM] = { "platform", false,
	    "a platform id or a category, e.g. youtube or social" },
	[K_DOMAIN] = { "domain", false, "a domain, e.g. www.example.org" },
	[K_WHO] = { "who", true,
	    "person:NAME, group:NAME, ip:ADDR[/LEN] or all" },
	[K_FROM] = { "from", true, "YYYY-MM-DD or YYYY-MM-DD HH:MM" },
	[K_UNTIL] = { "until", true, "YYYY-MM-DD or YYYY-MM-DD HH:MM" },
	[K_HOURS] = { "hours", false, "windows, e.g. 12:15-13:00" },
	[K_EXTRA_QUOTA] = { "extra_quota", false,
	    "a duration from 1m to 24h, e.g. 15m" },
	[K_REASON] = { "reason", true, "text" },
	[K_APPROVED_BY] = { "approved_by", true, "text" },
	[K_REQUEST] = { "request", false,
	    "a request id, e.g. r-20261121-0007" },
};

/* A key as written: its lines, joined by '\n'. */
struct rkey {
	unsigned	 line;		/* 0: not in the file */
	char		 text[VALUE_MAX + 1];
	size_t		 len;
	unsigned	 flines[FRAGS_MAX];
	size_t		 nfrags;
	bool		 bad;		/* reported; not parsed */
	bool		 ok;		/* parsed without error */
};

struct oerr {
	unsigned	 line;		/* 0: the file as a whole */
	unsigned	 seq;
	char		*msg;
};

enum where {
	W_BEFORE = 0,		/* no section yet */
	W_OVERRIDE,		/* the [override] section */
	W_IGNORED,		/* a bad, unknown or second section */
};

struct st {
	const char		*path;		/* escaped, for messages */
	bool			 oom;

	struct oerr		 err[OVERRIDE_ERRORS_MAX];
	size_t			 nerr, more, errmax;
	unsigned		 seq;

	/* Lexing. */
	struct inifile_reader	 rd;
	enum where		 where;
	unsigned		 sect_line;	/* of [override], 0: none */
	bool			 badlines;	/* in [override] */
	int			 lastkey;	/* K_*, or -1 */
	struct rkey		 keys[K_N];

	/* Values. */
	const struct config	*cfg;
	const struct catalog	*cat;
	struct override		 o;
};

/*
 * Text helpers.  File text is bytes: no <ctype.h>, whose answers depend
 * on the locale and on the sign of char.
 */
static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_lower_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c);
}

static int
to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* A file id or request id character: A-Z a-z 0-9 . _ - */
static bool
id_char(int c)
{
	return is_alpha(c) || is_digit(c) || c == '.' || c == '_' || c == '-';
}

/* A piece of input made safe to quote in a message.  buf has QLEN
 * bytes. */
static const char *
quote(const char *s, size_t len, char *buf)
{
	return inifile_quote(s, len, QUOTE_MAX, buf, QLEN);
}

static const char *
quotes(const char *s, char *buf)
{
	return quote(s, strlen(s), buf);
}

static void whyf(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
whyf(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/*
 * Errors: the OVERRIDE_ERRORS_MAX first in the file are kept, the others
 * counted.
 */
static bool
err_before(const struct oerr *a, unsigned line, unsigned seq)
{
	return a->line < line || (a->line == line && a->seq < seq);
}

static void err_add(struct st *, unsigned, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
err_add(struct st *st, unsigned line, const char *fmt, ...)
{
	struct oerr *e;
	va_list ap;
	char *msg;
	size_t i;
	int rc;

	st->seq++;
	if (st->nerr == OVERRIDE_ERRORS_MAX &&
	    err_before(&st->err[st->errmax], line, st->seq)) {
		st->more++;
		return;
	}
	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		st->oom = true;
		return;
	}
	if (st->nerr < OVERRIDE_ERRORS_MAX)
		e = &st->err[st->nerr++];
	else {
		e = &st->err[st->errmax];
		free(e->msg);
		st->more++;
	}
	e->line = line;
	e->seq = st->seq;
	e->msg = msg;
	if (st->nerr == OVERRIDE_ERRORS_MAX) {
		st->errmax = 0;
		for (i = 1; i < st->nerr; i++)
			if (err_before(&st->err[st->errmax], st->err[i].line,
			    st->err[i].seq))
				st->errmax = i;
	}
}

static bool
has_errors(const struct st *st)
{
	return st->nerr != 0 || st->more != 0;
}

static void lerr(struct st *, unsigned, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void ferr(struct st *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void kerr(struct st *, enum key_id, unsigned, const char *,
    const char *, ...) __attribute__((format(printf, 5, 6)));

/* "file:line: message". */
static void
lerr(struct st *st, unsigned line, const char *fmt, ...)
{
	char body[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	err_add(st, line, "%s:%u: %s", st->path, line, body);
}

/* "file: message", about the file as a whole. */
static void
ferr(struct st *st, const char *fmt, ...)
{
	char body[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	err_add(st, 0, "%s: %s", st->path, body);
}

/* "file:line: [override] key = shown: message"; shown is raw text (the
 * value or the line of it at fault), NULL or empty to show none. */
static void
kerr(struct st *st, enum key_id k, unsigned line, const char *shown,
    const char *fmt, ...)
{
	char body[1024], qb[QLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (shown == NULL || shown[0] == '\0')
		err_add(st, line, "%s:%u: [" SECTION "] %s: %s", st->path, line,
		    keydefs[k].name, body);
	else
		err_add(st, line, "%s:%u: [" SECTION "] %s = %s: %s", st->path,
		    line, keydefs[k].name, quotes(shown, qb), body);
}

/*
 * Pass 1: lexing.
 */

static int
key_find(const char *name, size_t len)
{
	int k;

	for (k = 0; k < K_N; k++)
		if (strlen(keydefs[k].name) == len &&
		    memcmp(keydefs[k].name, name, len) == 0)
			return k;
	return -1;
}

/*
 * Does t read as "KEY = ..." for one of our keys?  The formatter never
 * starts a continuation line with one: the reader would take it for a
 * key someone indented, not more of a value.
 */
static bool
reads_as_key(const char *t, size_t tlen)
{
	size_t i, j;

	for (i = 0; i < tlen && inifile_key_char(t[i]); i++)
		;
	for (j = i; j < tlen && is_blank(t[j]); j++)
		;
	return i > 0 && j < tlen && t[j] == '=' && key_find(t, i) >= 0;
}

/* A "[...]" line: t[0] is '[', tlen > 0, no comment, no outer blanks. */
static void
lex_section(void *arg, const char *t, size_t tlen, char *out, size_t cap)
{
	char qb[QLEN], lower[QLEN];
	const char *w, *end = t + tlen - 1, *p;
	struct st *st = arg;
	size_t wlen, i;

	st->lastkey = -1;
	st->where = W_IGNORED;
	snprintf(out, cap, "[]");
	if (tlen < 2 || *end != ']' || memchr(t + 1, '[', tlen - 1) != NULL ||
	    memchr(t + 1, ']', tlen - 2) != NULL) {
		if (memchr(t + 1, '[', tlen - 1) == NULL &&
		    (p = memchr(t, ']', tlen)) != NULL && p < end)
			lerr(st, st->rd.lineno, "bad section header '%s' (text "
			    "after ']'; put keys on lines of their own)",
			    quote(t, tlen, qb));
		else
			lerr(st, st->rd.lineno, "bad section header '%s' (want "
			    "[" SECTION "])", quote(t, tlen, qb));
		return;
	}
	for (w = t + 1; w < end && is_blank(*w); w++)
		;
	for (wlen = (size_t)(end - w); wlen > 0 && is_blank(w[wlen - 1]);
	    wlen--)
		;
	if (wlen != strlen(SECTION) || memcmp(w, SECTION, wlen) != 0) {
		for (i = 0; i < wlen && i < sizeof(lower) - 1; i++)
			lower[i] = (char)to_lower(w[i]);
		lower[i] = '\0';
		if (wlen > strlen(SECTION) &&
		    memcmp(w, SECTION, strlen(SECTION)) == 0 &&
		    is_blank(w[strlen(SECTION)]))
			lerr(st, st->rd.lineno, "[%s]: [" SECTION "] takes no "
			    "name", quote(w, wlen, qb));
		else
			lerr(st, st->rd.lineno, "[%s]: unknown section (want "
			    "[" SECTION "])%s", quote(w, wlen, qb),
			    strcmp(lower, SECTION) == 0 ?
			    " (section names are lower case)" : "");
		return;
	}
	if (st->sect_line != 0) {
		lerr(st, st->rd.lineno, "[" SECTION "]: duplicate section (first "
		    "at line %u; a file holds one override)", st->sect_line);
		return;
	}
	st->sect_line = st->rd.lineno;
	st->where = W_OVERRIDE;
	snprintf(out, cap, "[" SECTION "]");
}

/* A line the reader cannot take for "key = value". */
static void
lex_badkey(void *arg, const struct inifile_badkey *bk)
{
	char qb[QLEN], qv[QLEN];
	struct st *st = arg;

	switch (bk->why) {
	case INIFILE_NOT_KEY:
		lerr(st, st->rd.lineno, "'%s' is not 'key = value', a "
		    "[section] or a comment%s", quote(bk->text, bk->len, qb),
		    bk->hint);
		break;
	case INIFILE_KEY_EARLY:
		lerr(st, st->rd.lineno, "%s = %s: key before the [" SECTION
		    "] section", quote(bk->name, bk->nlen, qb),
		    quote(bk->value, bk->vlen, qv));
		break;
	case INIFILE_KEY_NAME:
		lerr(st, st->rd.lineno, "bad key name '%s'",
		    quote(bk->name, bk->nlen, qb));
		break;
	}
}

/* An indented "KEY = ..." line in [override] is a key someone indented:
 * an error, and the value it would continue is spoilt. */
static const char *
lex_is_key(void *arg, const char *name)
{
	struct st *st = arg;

	if (st->where != W_OVERRIDE || key_find(name, strlen(name)) < 0)
		return NULL;
	if (st->lastkey >= 0)
		st->keys[st->lastkey].bad = true;
	return SECTION;
}

/* A bad line inside a value spoils that value; any other ends the key
 * above it. */
static void
lex_bad(void *arg, bool in_value)
{
	struct st *st = arg;

	if (st->where == W_OVERRIDE)
		st->badlines = true;
	if (!in_value)
		st->lastkey = -1;
	else if (st->lastkey >= 0)
		st->keys[st->lastkey].bad = true;
}

static void
lex_error(void *arg, unsigned line, const char *msg)
{
	lerr(arg, line, "%s", msg);
}

static void
frag_add(struct st *st, int k, const char *value)
{
	struct rkey *rk = &st->keys[k];
	size_t len = strlen(value), sep = rk->nfrags > 0;

	if (rk->bad)
		return;
	if (rk->nfrags == FRAGS_MAX) {
		rk->bad = true;
		lerr(st, st->rd.lineno, "[" SECTION "] %s: value has more than "
		    "%d lines", keydefs[k].name, FRAGS_MAX);
		return;
	}
	if (rk->len + sep + len > VALUE_MAX) {
		rk->bad = true;
		lerr(st, st->rd.lineno, "[" SECTION "] %s: value is longer than "
		    "%d characters", keydefs[k].name, VALUE_MAX);
		return;
	}
	if (sep)
		rk->text[rk->len++] = '\n';
	memcpy(rk->text + rk->len, value, len + 1);
	rk->len += len;
	rk->flines[rk->nfrags++] = st->rd.lineno;
}

/* The first line of a value as messages show it. */
static const char *
show_line(const char *value, char *buf)
{
	return quotes(value, buf);
}

static void
key_add(struct st *st, const char *name, const char *value)
{
	char qb[QLEN], qv[QLEN], lower[INIFILE_KEY_MAX + 1];
	size_t i;
	int k;

	st->lastkey = -1;
	if (st->where != W_OVERRIDE)
		return;
	if ((k = key_find(name, strlen(name))) < 0) {
		for (i = 0; i < sizeof(lower) - 1 && name[i] != '\0'; i++)
			lower[i] = (char)to_lower(name[i]);
		lower[i] = '\0';
		lerr(st, st->rd.lineno, "[" SECTION "] %s = %s: unknown key in "
		    "[" SECTION "]%s", quotes(name, qb), show_line(value, qv),
		    key_find(lower, i) >= 0 ? " (keys are lower case)" : "");
		return;
	}
	if (st->keys[k].line != 0) {
		lerr(st, st->rd.lineno, "[" SECTION "] %s = %s: duplicate key "
		    "(first at line %u)", name, show_line(value, qv),
		    st->keys[k].line);
		return;
	}
	st->keys[k].line = st->rd.lineno;
	st->lastkey = k;
	frag_add(st, k, value);
}

static void
lex_value(void *arg, const char *name, const char *value, bool cont)
{
	struct st *st = arg;

	if (!cont)
		key_add(st, name, value);
	else if (st->lastkey >= 0)
		frag_add(st, st->lastkey, value);
}

static const struct inifile_ops lex_ops = {
	.error = lex_error,
	.section = lex_section,
	.badkey = lex_badkey,
	.is_key = lex_is_key,
	.bad = lex_bad,
	.value = lex_value,
};

/*
 * Pass 2: values.
 */

/* A value, its lines joined and every run of blanks made one space,
 * into buf[VALUE_MAX + 1].  NULL after reporting an empty value. */
static const char *
scalar_get(struct st *st, enum key_id k, char *buf)
{
	const struct rkey *rk = &st->keys[k];
	size_t o = 0, i;
	bool blank = false;

	for (i = 0; i < rk->len; i++) {
		if (is_blank(rk->text[i]) || rk->text[i] == '\n') {
			blank = true;
			continue;
		}
		if (blank && o > 0)
			buf[o++] = ' ';
		blank = false;
		buf[o++] = rk->text[i];
	}
	buf[o] = '\0';
	if (o == 0) {
		kerr(st, k, rk->line, NULL, "empty value (want %s)",
		    keydefs[k].want);
		return NULL;
	}
	return buf;
}

static char *
dup_str(struct st *st, const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		st->oom = true;
	return p;
}

/* 1 to max of a-z, 0-9, '-' and '_', from a letter or digit: the
 * catalogue's rule for platform ids and categories. */
static bool
ident_ok(const char *s, size_t max)
{
	size_t n;

	if (!is_lower_alnum(s[0]))
		return false;
	for (n = 0; s[n] != '\0'; n++)
		if (!is_lower_alnum(s[n]) && s[n] != '-' && s[n] != '_')
			return false;
	return n <= max;
}

static bool
category_exists(const struct catalog *cat, const char *s)
{
	const struct platform *p;
	size_t i, n = catalog_nplatforms(cat);

	for (i = 0; i < n; i++)
		if ((p = catalog_platform(cat, i)) != NULL &&
		    p->category != NULL && strcmp(p->category, s) == 0)
			return true;
	return false;
}

static void
p_platform(struct st *st)
{
	char buf[VALUE_MAX + 1];
	const char *s;

	if ((s = scalar_get(st, K_PLATFORM, buf)) == NULL)
		return;
	if (!ident_ok(s, CONFIG_NAME_MAX)) {
		kerr(st, K_PLATFORM, st->keys[K_PLATFORM].line, s, "bad "
		    "platform (want a platform id or a category: 1-%d of a-z, "
		    "0-9, '-' and '_', from a letter or digit)",
		    CONFIG_NAME_MAX);
		return;
	}
	if (st->cat != NULL && catalog_find(st->cat, s) == NULL &&
	    !category_exists(st->cat, s)) {
		kerr(st, K_PLATFORM, st->keys[K_PLATFORM].line, s, "no "
		    "platform or category '%s' in the catalogue", s);
		return;
	}
	st->o.platform = dup_str(st, s);
	st->keys[K_PLATFORM].ok = true;
}

/*
 * A host name (RFC 1123 2.1): labels of letters, digits and '-', not
 * starting or ending with '-', 1 to 63 characters, 253 in all, one
 * trailing dot dropped, lower-cased into out[DOMAIN_MAX + 1].  At least
 * two labels, the last not all digits: an override for a whole
 * top-level domain is a mistake, and an address is not a name.
 */
static int
domain_parse(const char *s, char *out, char *why, size_t whylen)
{
	char qb[QLEN];
	size_t len = strlen(s), i, label = 0, labels = 1;
	bool digits = true;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len >= 2 && s[0] == '*' && s[1] == '.') {
		whyf(why, whylen, "write the domain without '*.' (a domain "
		    "covers its subdomains)");
		return -EINVAL;
	}
	if (len > DOMAIN_MAX) {
		whyf(why, whylen, "domain is longer than %d characters",
		    DOMAIN_MAX);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0)
				goto empty;
			if (s[i - 1] == '-')
				goto hyphen;
			out[i] = '.';
			labels++;
			label = 0;
			digits = true;
			continue;
		}
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-') {
			whyf(why, whylen, "bad domain '%s' (want a host name "
			    "such as www.example.org: letters, digits, '-' and "
			    "'.')", quotes(s, qb));
			return -EINVAL;
		}
		if (s[i] == '-' && label == 0)
			goto hyphen;
		if (++label > LABEL_MAX) {
			whyf(why, whylen, "domain has a label longer than %d "
			    "characters", LABEL_MAX);
			return -EINVAL;
		}
		digits = digits && is_digit(s[i]);
		out[i] = (char)to_lower(s[i]);
	}
	if (label == 0)
		goto empty;
	if (s[len - 1] == '-')
		goto hyphen;
	if (labels < 2) {
		whyf(why, whylen, "domain is a single label (want a name with "
		    "a dot, e.g. example.org)");
		return -EINVAL;
	}
	if (digits) {
		whyf(why, whylen, "domain ends in a number (an address is not "
		    "a domain)");
		return -EINVAL;
	}
	out[len] = '\0';
	return 0;
 empty:
	whyf(why, whylen, "domain has an empty label");
	return -EINVAL;
 hyphen:
	whyf(why, whylen, "domain has a label that starts or ends with '-'");
	return -EINVAL;
}

static void
p_domain(struct st *st)
{
	char buf[VALUE_MAX + 1], d[DOMAIN_MAX + 1], why[256];
	const char *s;

	if ((s = scalar_get(st, K_DOMAIN, buf)) == NULL)
		return;
	if (domain_parse(s, d, why, sizeof(why)) < 0) {
		kerr(st, K_DOMAIN, st->keys[K_DOMAIN].line, s, "%s", why);
		return;
	}
	st->o.domain = dup_str(st, d);
	st->keys[K_DOMAIN].ok = true;
}

/* Is the whole of c inside one of the config's lan prefixes? */
static bool
in_lan(const struct config *cfg, const struct cidr *c)
{
	size_t i;

	for (i = 0; i < cfg->gateway.nlan; i++)
		if (cfg->gateway.lan[i].prefix <= c->prefix &&
		    cidr_contains(&cfg->gateway.lan[i], &c->a))
			return true;
	return false;
}

static void
lan_list(const struct config *cfg, char *buf, size_t len)
{
	char one[ADDR_STRLEN];
	size_t i, o = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < cfg->gateway.nlan && o < len; i++) {
		cidr_format(&cfg->gateway.lan[i], one, sizeof(one));
		n = snprintf(buf + o, len - o, "%s%s", i > 0 ? ", " : "", one);
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

static void
p_who(struct st *st)
{
	char buf[VALUE_MAX + 1], why[256], lan[256], qb[QLEN], cpath[QLEN];
	const unsigned line = st->keys[K_WHO].line;
	const char *s, *name;
	struct cidr c;

	if ((s = scalar_get(st, K_WHO, buf)) == NULL)
		return;
	if (strcmp(s, "all") == 0) {
		st->o.who = OVR_ALL;
	} else if (strncmp(s, "person:", 7) == 0) {
		name = s + 7;
		if (!config_person_name_ok(name, strlen(name))) {
			kerr(st, K_WHO, line, s, "bad person name '%s' (want "
			    "1-%d of a-z, 0-9, '.', '_' and '-', from a letter "
			    "or digit)", quotes(name, qb), CONFIG_NAME_MAX);
			return;
		}
		if (st->cfg != NULL && config_person_find(st->cfg, name) ==
		    NULL) {
			kerr(st, K_WHO, line, s, "no [person %s] in %s", name,
			    quotes(st->cfg->path, cpath));
			return;
		}
		st->o.who = OVR_PERSON;
		st->o.who_name = dup_str(st, name);
	} else if (strncmp(s, "group:", 6) == 0) {
		name = s + 6;
		if (!config_group_name_ok(name, strlen(name))) {
			kerr(st, K_WHO, line, s, "bad group name '%s' (want "
			    "1-%d of a-z, 0-9, '_' and '-')", quotes(name, qb),
			    CONFIG_NAME_MAX);
			return;
		}
		if (st->cfg != NULL && config_group_find(st->cfg, name) ==
		    NULL) {
			kerr(st, K_WHO, line, s, "no [group %s] in %s", name,
			    quotes(st->cfg->path, cpath));
			return;
		}
		st->o.who = OVR_GROUP;
		st->o.who_name = dup_str(st, name);
	} else if (strncmp(s, "ip:", 3) == 0) {
		if (inifile_parse_prefix(s + 3, QUOTE_MAX, &c, why,
		    sizeof(why)) < 0) {
			kerr(st, K_WHO, line, s, "%s", why);
			return;
		}
		if (st->cfg != NULL && !in_lan(st->cfg, &c)) {
			lan_list(st->cfg, lan, sizeof(lan));
			kerr(st, K_WHO, line, s, "not inside lan (%s)", lan);
			return;
		}
		st->o.who = OVR_IP;
		st->o.who_prefix = c;
	} else {
		kerr(st, K_WHO, line, s, "bad who (want %s)",
		    keydefs[K_WHO].want);
		return;
	}
	st->keys[K_WHO].ok = true;
}

/* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM": a day number and seconds into it;
 * a date alone is the start of the day, or its end for until. */
static int
when_parse(const char *s, bool until, int32_t *day, int32_t *sec, char *why,
    size_t whylen)
{
	char date[16], qb[QLEN];
	struct config_date d;
	const char *sp = strchr(s, ' ');
	size_t dlen = sp != NULL ? (size_t)(sp - s) : strlen(s), i;
	unsigned m;

	for (i = 0; i < 10 && dlen == 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !is_digit(s[i]))
			break;
	if (dlen != 10 || i < 10) {
		whyf(why, whylen, "bad date '%s' (want YYYY-MM-DD or "
		    "YYYY-MM-DD HH:MM)", quotes(s, qb));
		return -EINVAL;
	}
	memcpy(date, s, dlen);
	date[dlen] = '\0';
	if (config_parse_date(date, &d, why, whylen) < 0)
		return -EINVAL;
	if (sp == NULL) {
		*day = d.days;
		*sec = until ? DAY_SECS : 0;
		return 0;
	}
	if (config_parse_time(sp + 1, &m, why, whylen) < 0)
		return -EINVAL;
	if (!until && m == CONFIG_DAY_MINUTES) {
		whyf(why, whylen, "24:00 only ends a day (write the next "
		    "date)");
		return -EINVAL;
	}
	*day = d.days;
	*sec = (int32_t)m * 60;
	return 0;
}

static void
p_when(struct st *st, enum key_id k)
{
	char buf[VALUE_MAX + 1], why[256];
	const char *s;
	int32_t day, sec;

	if ((s = scalar_get(st, k, buf)) == NULL)
		return;
	if (when_parse(s, k == K_UNTIL, &day, &sec, why, sizeof(why)) < 0) {
		kerr(st, k, st->keys[k].line, s, "%s", why);
		return;
	}
	if (k == K_FROM) {
		st->o.from_day = day;
		st->o.from_sec = sec;
	} else {
		st->o.until_day = day;
		st->o.until_sec = sec;
	}
	st->keys[k].ok = true;
}

/* One line of a value, as messages show it: blanks and a ',' at its
 * end dropped, "..." before a continuation line. */
static const char *
frag_show(const struct rkey *rk, size_t f, char *buf, size_t len)
{
	const char *p = rk->text, *e;
	size_t i, n;

	for (i = 0; i < f; i++)
		p = strchr(p, '\n') + 1;
	if ((e = strchr(p, '\n')) == NULL)
		e = p + strlen(p);
	n = (size_t)(e - p);
	while (n > 0 && (p[n - 1] == ',' || is_blank(p[n - 1])))
		n--;
	snprintf(buf, len, "%s%.*s", f > 0 ? "..." : "", (int)n, p);
	return buf;
}

/*
 * A list of windows: items separated by ',' and line ends; a ',' may end
 * a line that the next one continues.  Sorted by start, the canonical
 * order, and none may overlap another.
 */
static void
p_hours(struct st *st)
{
	const struct rkey *rk = &st->keys[K_HOURS];
	struct config_window w[OVERRIDE_HOURS_MAX], t;
	unsigned wline[OVERRIDE_HOURS_MAX];
	size_t wfrag[OVERRIDE_HOURS_MAX];
	char item[VALUE_MAX + 1], show[VALUE_MAX + 8], why[256];
	char a[16], b[16];
	const char *p = rk->text, *q, *end, *fe;
	size_t n = 0, f, i, j, len;
	bool bad = false;

	for (f = 0; f < rk->nfrags; f++, p = fe + 1) {
		if ((fe = strchr(p, '\n')) == NULL)
			fe = p + strlen(p);
		if (p == fe)
			continue;	/* "hours =" with the list below */
		for (q = p; q <= fe; q = end + 1) {
			if ((end = memchr(q, ',', (size_t)(fe - q))) == NULL)
				end = fe;
			while (q < end && is_blank(*q))
				q++;
			for (len = (size_t)(end - q); len > 0 &&
			    is_blank(q[len - 1]); len--)
				;
			if (len == 0 && end == fe && end > p &&
			    f + 1 < rk->nfrags)
				break;
			frag_show(rk, f, show, sizeof(show));
			if (len == 0) {
				kerr(st, K_HOURS, rk->flines[f], show, "empty "
				    "item (a ',' too many)");
				return;
			}
			if (n == OVERRIDE_HOURS_MAX) {
				kerr(st, K_HOURS, rk->flines[f], show, "more "
				    "than %d windows", OVERRIDE_HOURS_MAX);
				return;
			}
			memcpy(item, q, len);
			item[len] = '\0';
			if (config_parse_window(item, &w[n], why, sizeof(why))
			    < 0) {
				kerr(st, K_HOURS, rk->flines[f], show, "%s",
				    why);
				bad = true;
			}
			wline[n] = rk->flines[f];
			wfrag[n] = f;
			n++;
		}
	}
	if (n == 0) {
		kerr(st, K_HOURS, rk->line, NULL, "empty value (want %s)",
		    keydefs[K_HOURS].want);
		return;
	}
	if (bad)
		return;
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (config_windows_overlap(&w[j], &w[i])) {
				config_format_window(&w[j], a, sizeof(a));
				config_format_window(&w[i], b, sizeof(b));
				kerr(st, K_HOURS, wline[i], frag_show(rk,
				    wfrag[i], show, sizeof(show)), "windows %s "
				    "and %s overlap", a, b);
				return;
			}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && w[j - 1].start > w[j].start; j--) {
			t = w[j];
			w[j] = w[j - 1];
			w[j - 1] = t;
		}
	memcpy(st->o.hours, w, n * sizeof(w[0]));
	st->o.nhours = n;
	st->keys[K_HOURS].ok = true;
}

static void
p_extra_quota(struct st *st)
{
	char buf[VALUE_MAX + 1], why[256];
	const char *s;
	uint32_t v;

	if ((s = scalar_get(st, K_EXTRA_QUOTA, buf)) == NULL)
		return;
	if (config_parse_duration(s, &v, why, sizeof(why)) < 0) {
		kerr(st, K_EXTRA_QUOTA, st->keys[K_EXTRA_QUOTA].line, s, "%s",
		    why);
		return;
	}
	if (v < EXTRA_MIN || v > EXTRA_MAX) {
		kerr(st, K_EXTRA_QUOTA, st->keys[K_EXTRA_QUOTA].line, s,
		    "out of range (want 1m to 24h)");
		return;
	}
	st->o.extra_quota = v;
	st->keys[K_EXTRA_QUOTA].ok = true;
}

/*
 * Why a text may not be shown in a log line or on the block page, or
 * NULL.  The lexer has let through only UTF-8 without C0 controls or
 * DEL; here go C1 controls, the line and paragraph separators, and the
 * bidirectional formatting characters (Unicode UAX #9), which can make
 * a log line read other than it is.
 */
static const char *
text_bad(const char *s, char *buf, size_t buflen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n, len = strlen(s);
	uint32_t cp;

	for (i = 0; i < len; i += n) {
		if ((n = inifile_utf8_seq(p + i, len - i)) == 0)
			return "text is not UTF-8";
		if (n == 1)
			cp = p[i];
		else if (n == 2)
			cp = (uint32_t)(p[i] & 0x1f) << 6 | (p[i + 1] & 0x3f);
		else if (n == 3)
			cp = (uint32_t)(p[i] & 0x0f) << 12 |
			    (uint32_t)(p[i + 1] & 0x3f) << 6 |
			    (p[i + 2] & 0x3f);
		else
			cp = 0x10000;	/* none of ours lies above */
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    cp == 0x2028 || cp == 0x2029) {
			snprintf(buf, buflen, "text has a control character "
			    "(U+%04X)", (unsigned)cp);
			return buf;
		}
		if (cp == 0x061c || cp == 0x200e || cp == 0x200f ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069)) {
			snprintf(buf, buflen, "text has a bidirectional "
			    "control character (U+%04X)", (unsigned)cp);
			return buf;
		}
	}
	return NULL;
}

static void
p_text(struct st *st, enum key_id k, char **ret)
{
	char buf[VALUE_MAX + 1], wb[64];
	const char *s, *why;

	if ((s = scalar_get(st, k, buf)) == NULL)
		return;
	if (strlen(s) > OVERRIDE_TEXT_MAX) {
		kerr(st, k, st->keys[k].line, s, "text is longer than %d "
		    "bytes", OVERRIDE_TEXT_MAX);
		return;
	}
	if ((why = text_bad(s, wb, sizeof(wb))) != NULL) {
		kerr(st, k, st->keys[k].line, s, "%s", why);
		return;
	}
	*ret = dup_str(st, s);
	st->keys[k].ok = true;
}

static bool
request_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!id_char(s[n]))
			return false;
	return n > 0 && n <= OVERRIDE_REQUEST_MAX;
}

static void
p_request(struct st *st)
{
	char buf[VALUE_MAX + 1];
	const char *s;

	if ((s = scalar_get(st, K_REQUEST, buf)) == NULL)
		return;
	if (!request_ok(s)) {
		kerr(st, K_REQUEST, st->keys[K_REQUEST].line, s, "bad request "
		    "id (want 1-%d of A-Z, a-z, 0-9, '.', '_' and '-')",
		    OVERRIDE_REQUEST_MAX);
		return;
	}
	st->o.request = dup_str(st, s);
	st->keys[K_REQUEST].ok = true;
}

static void
values_pass(struct st *st)
{
	int k;

	for (k = 0; k < K_N; k++) {
		if (st->keys[k].line == 0 || st->keys[k].bad)
			continue;
		switch (k) {
		case K_PLATFORM:
			p_platform(st);
			break;
		case K_DOMAIN:
			p_domain(st);
			break;
		case K_WHO:
			p_who(st);
			break;
		case K_FROM:
		case K_UNTIL:
			p_when(st, (enum key_id)k);
			break;
		case K_HOURS:
			p_hours(st);
			break;
		case K_EXTRA_QUOTA:
			p_extra_quota(st);
			break;
		case K_REASON:
			p_text(st, K_REASON, &st->o.reason);
			break;
		case K_APPROVED_BY:
			p_text(st, K_APPROVED_BY, &st->o.approved_by);
			break;
		case K_REQUEST:
			p_request(st);
			break;
		}
	}
}

/*
 * Pass 3: what needs more than one key.
 */
static void
date_format(int32_t day, char *buf, size_t len)
{
	int64_t z = (int64_t)day + 719468, era, doe, yoe, y, doy, mp, d, m;

	/* H. Hinnant, "chrono-Compatible Low-Level Date Algorithms":
	 * civil_from_days. */
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	/* Out of range only in a hand-built override: it will not parse
	 * back, and override_format refuses it. */
	if (y < 0 || y > 9999) {
		snprintf(buf, len, "invalid");
		return;
	}
	snprintf(buf, len, "%04u-%02u-%02u", (unsigned)y % 10000u,
	    (unsigned)m % 100u, (unsigned)d % 100u);
}

/* from or until as written canonically: the date alone at the start
 * (from) or the end (until) of the day. */
static void
when_format(int32_t day, int32_t sec, bool until, char *buf, size_t len)
{
	char date[32];

	date_format(day, date, sizeof(date));
	if (sec == (until ? DAY_SECS : 0))
		snprintf(buf, len, "%s", date);
	else
		snprintf(buf, len, "%s %02u:%02u", date,
		    (unsigned)(sec / 3600) % 100u, (unsigned)(sec / 60 % 60) % 100u);
}

static void
whole_pass(struct st *st)
{
	const struct rkey *kp = &st->keys[K_PLATFORM], *kd = &st->keys[K_DOMAIN];
	const struct rkey *kh = &st->keys[K_HOURS];
	const struct rkey *kx = &st->keys[K_EXTRA_QUOTA];
	char a[48], b[48], show[VALUE_MAX + 1];
	int64_t from, until;
	int k;

	if (st->sect_line == 0) {
		if (!st->rd.saw_section)
			lerr(st, 1, "no [" SECTION "] "
			    "section (an override file holds one)");
		return;
	}
	if (kp->line != 0 && kd->line != 0) {
		k = kp->line > kd->line ? K_PLATFORM : K_DOMAIN;
		kerr(st, k, st->keys[k].line, NULL, "%s is set too (line %u); "
		    "an override names a platform or a domain, not both",
		    keydefs[k == K_PLATFORM ? K_DOMAIN : K_PLATFORM].name,
		    st->keys[k == K_PLATFORM ? K_DOMAIN : K_PLATFORM].line);
	}
	if (kh->line != 0 && kx->line != 0) {
		k = kh->line > kx->line ? K_HOURS : K_EXTRA_QUOTA;
		kerr(st, k, st->keys[k].line, NULL, "%s is set too (line %u); "
		    "extra_quota is more allowance a day, it cannot have "
		    "hours", keydefs[k == K_HOURS ? K_EXTRA_QUOTA :
		    K_HOURS].name, st->keys[k == K_HOURS ? K_EXTRA_QUOTA :
		    K_HOURS].line);
	}
	if (st->keys[K_FROM].ok && st->keys[K_UNTIL].ok) {
		from = (int64_t)st->o.from_day * DAY_SECS + st->o.from_sec;
		until = (int64_t)st->o.until_day * DAY_SECS + st->o.until_sec;
		if (until <= from) {
			when_format(st->o.from_day, st->o.from_sec, false, a,
			    sizeof(a));
			when_format(st->o.until_day, st->o.until_sec, true, b,
			    sizeof(b));
			scalar_get(st, K_UNTIL, show);
			kerr(st, K_UNTIL, st->keys[K_UNTIL].line, show, "until "
			    "is not after from (%s, line %u)", a,
			    st->keys[K_FROM].line);
		}
	}
	/* A bad line may have been the missing key: say nothing more. */
	if (st->badlines)
		return;
	for (k = 0; k < K_N; k++)
		if (keydefs[k].required && st->keys[k].line == 0)
			lerr(st, st->sect_line, "[" SECTION "]: missing key %s "
			    "(want %s)", keydefs[k].name, keydefs[k].want);
	if (kp->line == 0 && kd->line == 0)
		lerr(st, st->sect_line, "[" SECTION "]: missing platform or "
		    "domain (an override names one)");
}

/*
 * The file's id: its base name without ".conf".  NULL when the name is
 * not NAME.conf with NAME 1 to OVERRIDE_ID_MAX of A-Z a-z 0-9 . _ -,
 * from a letter or digit.
 */
static char *
id_of(const char *path, bool *bad)
{
	const char *base = strrchr(path, '/');
	size_t len, i;
	char *id;

	*bad = true;
	base = base != NULL ? base + 1 : path;
	len = strlen(base);
	if (len <= strlen(SUFFIX) ||
	    strcmp(base + len - strlen(SUFFIX), SUFFIX) != 0)
		return NULL;
	len -= strlen(SUFFIX);
	if (len > OVERRIDE_ID_MAX || !(is_alpha(base[0]) || is_digit(base[0])))
		return NULL;
	for (i = 0; i < len; i++)
		if (!id_char(base[i]))
			return NULL;
	*bad = false;
	if ((id = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(id, base, len);
	id[len] = '\0';
	return id;
}

static int
err_cmp(const void *a, const void *b)
{
	const struct oerr *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The messages, one a line, in file order. */
static char *
cause_build(struct st *st)
{
	char more[128], *s;
	size_t len = 1, o = 0, i;
	int n;

	qsort(st->err, st->nerr, sizeof(st->err[0]), err_cmp);
	more[0] = '\0';
	if (st->more > 0)
		snprintf(more, sizeof(more), ": %zu more error%s not shown\n",
		    st->more, st->more == 1 ? "" : "s");
	for (i = 0; i < st->nerr; i++)
		len += strlen(st->err[i].msg) + 1;
	if (st->more > 0)
		len += strlen(st->path) + strlen(more);
	if ((s = malloc(len)) == NULL)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < st->nerr; i++) {
		n = snprintf(s + o, len - o, "%s\n", st->err[i].msg);
		o += (size_t)n;
	}
	if (st->more > 0)
		snprintf(s + o, len - o, "%s%s", st->path, more);
	return s;
}

void
override_clear(struct override *o)
{
	if (o == NULL)
		return;
	free(o->file);
	free(o->id);
	free(o->platform);
	free(o->domain);
	free(o->who_name);
	free(o->reason);
	free(o->approved_by);
	free(o->request);
	memset(o, 0, sizeof(*o));
}

int
override_parse(const char *path, const char *text, size_t len,
    const struct config *cfg, const struct catalog *cat,
    struct override *ret, char **cause)
{
	struct st *st;
	char *qpath = NULL, *id = NULL;
	size_t plen;
	bool badname;
	int rc, i;

	if (cause != NULL)
		*cause = NULL;
	if (path == NULL)
		path = "(null)";
	if (text == NULL)
		len = 0;
	plen = strlen(path);
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (qpath = malloc(plen * 4 + 1)) == NULL)
		goto oom;
	st->path = log_escape(path, plen, qpath, plen * 4 + 1);
	st->cfg = cfg;
	st->cat = cat;
	st->lastkey = -1;
	if ((id = id_of(path, &badname)) == NULL && !badname)
		goto oom;
	if (badname)
		ferr(st, "bad file name (want NAME" SUFFIX ", NAME 1-%d of A-Z, "
		    "a-z, 0-9, '.', '_' and '-', from a letter or digit)",
		    OVERRIDE_ID_MAX);
	if (len > OVERRIDE_FILE_MAX) {
		ferr(st, "file is larger than %d bytes", OVERRIDE_FILE_MAX);
		goto fail;
	}
	st->rd.ops = &lex_ops;
	st->rd.arg = st;
	st->rd.buf = text;
	st->rd.len = len;
	st->rd.line_max = CONFIG_LINE_MAX;
	st->rd.quote_max = QUOTE_MAX;
	st->rd.stop = &st->oom;
	rc = inifile_read(&st->rd);
	if (rc == -2)
		goto oom;
	if (rc != 0 && !has_errors(st))
		lerr(st, rc > 0 ? (unsigned)rc : 1, "the INI parser rejected "
		    "this line");
	if (st->oom)
		goto oom;
	if (st->sect_line != 0)
		values_pass(st);
	whole_pass(st);
	if (st->oom)
		goto oom;
	if (has_errors(st))
		goto fail;
	st->o.id = id;
	id = NULL;
	st->o.line = st->sect_line;
	if ((st->o.file = strdup(path)) == NULL)
		goto oom;
	*ret = st->o;
	rc = 0;
	goto out;
 oom:
	rc = -ENOMEM;
	goto out;
 fail:
	rc = -EINVAL;
	if (cause != NULL && (*cause = cause_build(st)) == NULL)
		rc = -ENOMEM;
 out:
	if (st != NULL) {
		if (rc != 0)
			override_clear(&st->o);
		for (i = 0; i < (int)st->nerr; i++)
			free(st->err[i].msg);
		free(st);
	}
	free(qpath);
	free(id);
	return rc;
}

/*
 * Formatting.
 */

/*
 * Where to break text (single-spaced words) after "key = ": before word
 * starts brk[i].  A break goes only before a word that does not read as
 * "KEY =" (the lexer would take that line for a misplaced key).  With
 * soft, lines break before FORMAT_COLS where they can; without, as late
 * as they can.  False when some line would pass CONFIG_LINE_MAX.
 */
static bool
text_layout(const char *key, const char *text, bool soft, bool *brk)
{
	size_t bytes = strlen(key) + 3, cols = bytes, len, i;
	const char *w, *e;
	bool ok = true;

	for (w = text; *w != '\0'; w = *e != '\0' ? e + 1 : e) {
		i = (size_t)(w - text);
		brk[i] = false;
		if ((e = strchr(w, ' ')) == NULL)
			e = w + strlen(w);
		len = (size_t)(e - w);
		if (w != text && !reads_as_key(w, strlen(w)) &&
		    ((soft && cols + 1 + len > FORMAT_COLS) ||
		    bytes + 1 + len > CONFIG_LINE_MAX)) {
			brk[i] = true;
			bytes = 1 + len;
			cols = 8 + len;
		} else {
			bytes += (w != text) + len;
			cols += (w != text) + len;
		}
		if (bytes > CONFIG_LINE_MAX)
			ok = false;
	}
	return ok;
}

static int
text_format(FILE *f, const char *key, const char *text)
{
	bool brk[VALUE_MAX + 1];
	size_t i;

	if (text == NULL || strlen(text) > VALUE_MAX)
		return -EINVAL;
	memset(brk, 0, sizeof(brk));
	if (!text_layout(key, text, true, brk) &&
	    !text_layout(key, text, false, brk))
		return -EINVAL;
	fprintf(f, "%s = ", key);
	for (i = 0; text[i] != '\0'; i++) {
		if (text[i] == ' ' && brk[i + 1])
			fputs("\n\t", f);
		else
			fputc(text[i], f);
	}
	fputc('\n', f);
	return 0;
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

static int
format_text(const struct override *o, FILE *f)
{
	char buf[64];
	size_t i;

	fputs("[" SECTION "]\n", f);
	if (o->platform != NULL)
		fprintf(f, "platform = %s\n", o->platform);
	if (o->domain != NULL)
		fprintf(f, "domain = %s\n", o->domain);
	switch (o->who) {
	case OVR_ALL:
		fputs("who = all\n", f);
		break;
	case OVR_GROUP:
		fprintf(f, "who = group:%s\n", nz(o->who_name));
		break;
	case OVR_PERSON:
		fprintf(f, "who = person:%s\n", nz(o->who_name));
		break;
	case OVR_IP:
		inifile_format_prefix(&o->who_prefix, buf, sizeof(buf));
		fprintf(f, "who = ip:%s\n", buf);
		break;
	default:
		return -EINVAL;
	}
	when_format(o->from_day, o->from_sec, false, buf, sizeof(buf));
	fprintf(f, "from = %s\n", buf);
	when_format(o->until_day, o->until_sec, true, buf, sizeof(buf));
	fprintf(f, "until = %s\n", buf);
	if (o->nhours > OVERRIDE_HOURS_MAX)
		return -EINVAL;
	for (i = 0; i < o->nhours; i++) {
		config_format_window(&o->hours[i], buf, sizeof(buf));
		fprintf(f, "%s%s", i == 0 ? "hours = " : ", ", buf);
	}
	if (o->nhours > 0)
		fputc('\n', f);
	if (o->extra_quota != 0) {
		config_format_duration(o->extra_quota, buf, sizeof(buf));
		fprintf(f, "extra_quota = %s\n", buf);
	}
	if (text_format(f, "reason", o->reason) < 0 ||
	    text_format(f, "approved_by", o->approved_by) < 0)
		return -EINVAL;
	if (o->request != NULL)
		fprintf(f, "request = %s\n", o->request);
	return 0;
}

int
override_format(const struct override *o, FILE *f)
{
	struct override back;
	char *text = NULL;
	size_t len = 0;
	FILE *m;
	int rc;

	if (o == NULL || f == NULL)
		return -EINVAL;
	if ((m = open_memstream(&text, &len)) == NULL)
		return -ENOMEM;
	rc = format_text(o, m);
	if (fclose(m) != 0 || text == NULL) {
		free(text);
		return -ENOMEM;
	}
	/* What is written must read back the same. */
	if (rc == 0) {
		memset(&back, 0, sizeof(back));
		rc = override_parse("check" SUFFIX, text, len, NULL, NULL,
		    &back, NULL);
		if (rc == 0 && !override_equal(o, &back))
			rc = -EINVAL;
		override_clear(&back);
	}
	if (rc == 0 && (fwrite(text, 1, len, f) != len || fflush(f) != 0 ||
	    ferror(f)))
		rc = -EIO;
	free(text);
	return rc;
}

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

bool
override_equal(const struct override *a, const struct override *b)
{
	size_t i;

	if (!str_eq(a->platform, b->platform) ||
	    !str_eq(a->domain, b->domain) || a->who != b->who ||
	    !str_eq(a->reason, b->reason) ||
	    !str_eq(a->approved_by, b->approved_by) ||
	    !str_eq(a->request, b->request) ||
	    a->from_day != b->from_day || a->from_sec != b->from_sec ||
	    a->until_day != b->until_day || a->until_sec != b->until_sec ||
	    a->nhours != b->nhours || a->nhours > OVERRIDE_HOURS_MAX ||
	    a->extra_quota != b->extra_quota)
		return false;
	if ((a->who == OVR_GROUP || a->who == OVR_PERSON) &&
	    !str_eq(a->who_name, b->who_name))
		return false;
	if (a->who == OVR_IP &&
	    (a->who_prefix.prefix != b->who_prefix.prefix ||
	    !addr_equal(&a->who_prefix.a, &b->who_prefix.a)))
		return false;
	for (i = 0; i < a->nhours; i++)
		if (a->hours[i].start != b->hours[i].start ||
		    a->hours[i].end != b->hours[i].end)
			return false;
	return true;
}

bool
override_covers_name(const struct override *o, const char *name)
{
	size_t nlen, dlen, i;
	const char *tail;

	if (o == NULL || o->domain == NULL || o->platform != NULL ||
	    name == NULL)
		return false;
	nlen = strlen(name);
	if (nlen > 0 && name[nlen - 1] == '.')
		nlen--;
	dlen = strlen(o->domain);
	if (dlen == 0 || nlen < dlen)
		return false;
	tail = name + nlen - dlen;
	for (i = 0; i < dlen; i++)
		if (to_lower((unsigned char)tail[i]) != o->domain[i])
			return false;
	return nlen == dlen || tail[-1] == '.';
}

/*
 * The directory.
 */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
ovr_cmp(const void *a, const void *b)
{
	const struct override *x = a, *y = b;

	return strcmp(x->id, y->id);
}

static int
rej_cmp(const void *a, const void *b)
{
	const struct override_reject *x = a, *y = b;

	return strcmp(x->file, y->file);
}

/*
 * Read name in the directory dfd into buf[OVERRIDE_FILE_MAX + 1].  The
 * size that counts is what read() returns, not fstat's: a file that
 * grows between the two is still cut off at the limit.  -EISDIR for a
 * directory (skipped), -ENODEV for anything else that is not a regular
 * file, -EFBIG past the limit, or another -errno.
 */
static int
file_read(int dfd, const char *name, char *buf, size_t *retlen)
{
	struct stat sb;
	size_t n = 0;
	ssize_t r;
	int fd, rc = 0;

	/* Look before opening: opening a FIFO or a device may block or
	 * act on it. */
	if (fstatat(dfd, name, &sb, 0) == -1)
		return -errno;
	if (S_ISDIR(sb.st_mode))
		return -EISDIR;
	if (!S_ISREG(sb.st_mode))
		return -ENODEV;
	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1)
		return -errno;
	if (fstat(fd, &sb) == -1) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = S_ISDIR(sb.st_mode) ? -EISDIR : -ENODEV;
		goto out;
	}
	if (sb.st_size > OVERRIDE_FILE_MAX) {
		rc = -EFBIG;
		goto out;
	}
	while (n <= OVERRIDE_FILE_MAX) {
		r = read(fd, buf + n, OVERRIDE_FILE_MAX + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > OVERRIDE_FILE_MAX)
		rc = -EFBIG;
	*retlen = n;
 out:
	close(fd);
	return rc;
}

static int
reject_add(struct overrides *set, size_t *cap, const char *file,
    char *cause)
{
	struct override_reject *v;
	size_t ncap;

	if (cause == NULL)
		return -ENOMEM;
	if (set->nrejected == *cap) {
		ncap = *cap ? *cap * 2 : 16;
		if ((v = reallocarray(set->rejected, ncap, sizeof(*v))) ==
		    NULL) {
			free(cause);
			return -ENOMEM;
		}
		set->rejected = v;
		*cap = ncap;
	}
	if ((set->rejected[set->nrejected].file = strdup(file)) == NULL) {
		free(cause);
		return -ENOMEM;
	}
	set->rejected[set->nrejected++].cause = cause;
	return 0;
}

static int rejectf(struct overrides *, size_t *, const char *, const char *,
    ...) __attribute__((format(printf, 4, 5)));

/* Reject file with "file: message\n" (file escaped). */
static int
rejectf(struct overrides *set, size_t *cap, const char *file,
    const char *fmt, ...)
{
	char body[512], *shown, *cause;
	size_t len = strlen(file) * 4 + 1;
	va_list ap;

	if ((shown = malloc(len)) == NULL)
		return -ENOMEM;
	log_escape(file, strlen(file), shown, len);
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (asprintf(&cause, "%s: %s\n", shown, body) < 0)
		cause = NULL;
	free(shown);
	return reject_add(set, cap, file, cause);
}

static bool
conf_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > strlen(SUFFIX) &&
	    strcmp(name + len - strlen(SUFFIX), SUFFIX) == 0;
}

static const char *
read_error(int rc, char *buf, size_t len)
{
	switch (rc) {
	case -ENODEV:
		return "not a regular file";
	case -EFBIG:
		snprintf(buf, len, "file is larger than %d bytes",
		    OVERRIDE_FILE_MAX);
		return buf;
	default:
		snprintf(buf, len, "cannot read: %s", strerror(-rc));
		return buf;
	}
}

struct overrides *
overrides_load_dir(const char *dir, const struct config *cfg,
    const struct catalog *cat, char **cause)
{
	struct overrides *set = NULL;
	struct override o, *v;
	struct dirent *de;
	DIR *d = NULL;
	char **names = NULL, **nv, *path = NULL, *buf = NULL, *c, why[256];
	size_t nnames = 0, capnames = 0, capv = 0, caprej = 0, len, i;
	size_t dlen, pathlen;
	bool cut = false;
	int rc;

	if (cause != NULL)
		*cause = NULL;
	if ((set = calloc(1, sizeof(*set))) == NULL)
		goto oom;
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return set;
		if (cause != NULL) {
			log_escape(dir, strlen(dir), why, sizeof(why));
			if (asprintf(cause, "%s: cannot read the directory: "
			    "%s\n", why, strerror(errno)) < 0)
				*cause = NULL;
		}
		free(set);
		return NULL;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (!conf_name(de->d_name))
			continue;
		if (nnames == NAMES_MAX) {
			cut = true;
			continue;
		}
		if (nnames == capnames) {
			capnames = capnames ? capnames * 2 : 64;
			if ((nv = reallocarray(names, capnames,
			    sizeof(*names))) == NULL)
				goto oom;
			names = nv;
		}
		if ((names[nnames] = strdup(de->d_name)) == NULL)
			goto oom;
		nnames++;
	}
	if (nnames > 1)
		qsort(names, nnames, sizeof(*names), name_cmp);

	dlen = strlen(dir);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	pathlen = dlen + 1 + NAME_MAX + 1;
	if ((buf = malloc(OVERRIDE_FILE_MAX + 1)) == NULL ||
	    (path = malloc(pathlen)) == NULL)
		goto oom;
	for (i = 0; i < nnames; i++) {
		snprintf(path, pathlen, "%.*s%s%s", (int)dlen, dir,
		    dir[dlen - 1] == '/' ? "" : "/", names[i]);
		if (i >= OVERRIDE_FILES_MAX) {
			if (rejectf(set, &caprej, path, "not read: more than "
			    "%d override files", OVERRIDE_FILES_MAX) < 0)
				goto oom;
			continue;
		}
		len = 0;
		if ((rc = file_read(dirfd(d), names[i], buf, &len)) < 0) {
			if (rc == -EISDIR)
				continue;
			if (rc == -ENOMEM)
				goto oom;
			if (rejectf(set, &caprej, path, "%s",
			    read_error(rc, why, sizeof(why))) < 0)
				goto oom;
			continue;
		}
		c = NULL;
		rc = override_parse(path, buf, len, cfg, cat, &o, &c);
		if (rc == -ENOMEM)
			goto oom;
		if (rc < 0) {
			if (reject_add(set, &caprej, path, c) < 0)
				goto oom;
			continue;
		}
		if (set->n == capv) {
			capv = capv ? capv * 2 : 16;
			if ((v = reallocarray(set->v, capv, sizeof(*v))) ==
			    NULL) {
				override_clear(&o);
				goto oom;
			}
			set->v = v;
		}
		set->v[set->n++] = o;
	}
	if (cut && rejectf(set, &caprej, dir, "more than %d *.conf files; "
	    "the others are neither read nor listed", NAMES_MAX) < 0)
		goto oom;
	if (set->n > 1)
		qsort(set->v, set->n, sizeof(*set->v), ovr_cmp);
	if (set->nrejected > 1)
		qsort(set->rejected, set->nrejected,
		    sizeof(*set->rejected), rej_cmp);
	goto out;
 oom:
	overrides_free(set);
	set = NULL;
	if (cause != NULL)
		*cause = strdup("out of memory while reading the overrides\n");
 out:
	if (d != NULL)
		closedir(d);
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(path);
	free(buf);
	return set;
}

void
overrides_free(struct overrides *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		override_clear(&set->v[i]);
	for (i = 0; i < set->nrejected; i++) {
		free(set->rejected[i].file);
		free(set->rejected[i].cause);
	}
	free(set->v);
	free(set->rejected);
	free(set);
}
