/*
 * config: schoolgate.conf reader (see config.h and schoolgate.conf(5)).
 *
 * Three passes over one file:
 *
 * 1. lex: inih splits sections, keys and values.  Our reader callback
 *    hands inih one line per call, so it knows the line number of every
 *    handler call; it also checks what inih lets through silently (a
 *    line without '=', text after a section's ']', control bytes, lines
 *    longer than inih's buffer) and hands inih a blank line in their
 *    place, so that every error is reported with its line and nothing is
 *    half-parsed.  Keys and their continuation lines are kept raw.
 * 2. values: every key of every section is parsed into the new config.
 * 3. whole: what needs more than one key (required keys, group names,
 *    breaks inside lessons, a device claimed twice, prefixes inside lan).
 *
 * Every error is kept as "file:line: message" and reported together;
 * nothing is used from a file that has one.
 */
#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"

#define DEFAULT_TIMEZONE	"Europe/London"
#define DEFAULT_STATE_DIR	"/var/lib/schoolgate"
#define DEFAULT_PLATFORMS_DIR	"/etc/schoolgate/platforms.d"
#define DEFAULT_OVERRIDES_DIR	"/etc/schoolgate/overrides.d"
#define DEFAULT_TICK		10
#define DEFAULT_CAPTURE_BUFFER	(4u << 20)
#define DEFAULT_DAILY_QUOTA	(30 * 60)
#define DEFAULT_ACTIVE_BYTES	(16u << 10)
#define DEFAULT_PLATFORMS	"social"

#define TICK_MIN		1
#define TICK_MAX		(10 * 60)
#define CAPBUF_MIN		(64u << 10)
#define CAPBUF_MAX		(1u << 30)
#define QUOTA_MIN		60
#define QUOTA_MAX		(24 * 60 * 60)
#define ACTIVE_MAX		(1u << 30)
#define SIZE_LIMIT		((uint64_t)1 << 40)
#define IFNAME_MAX		15	/* IFNAMSIZ - 1 */
#define TZNAME_MAX		64
#define KEYNAME_MAX		40	/* inih keeps 50 bytes of a name */

/* How much of a bad value a message quotes, before "...". */
#define QUOTE_MAX		48
#define QLEN			(QUOTE_MAX * 4 + 8)
/* How much of a whole value a message shows after "key = ". */
#define SHOW_MAX		64
/* Output lines of config_print wrap before this column. */
#define PRINT_COLS		78

static const char *const day_names[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};
/* Weekdays in the order people write them: mon..sun as tm_wday. */
static const int week_order[7] = { 1, 2, 3, 4, 5, 6, 0 };

/*
 * Arena: everything a config owns comes from here and goes with
 * config_free() in one walk.  The loader keeps its scratch in a second
 * arena that dies with the load.
 */
#define ARENA_CHUNK	(64 * 1024)
#define ARENA_ALIGN	(alignof(max_align_t))

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 size;
	size_t			 used;
	max_align_t		 data[];
};

struct config_arena {
	struct arena_chunk	*head;
};

/* Zeroed memory for n bytes, or NULL when memory ran out. */
static void *
arena_alloc(struct config_arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t size;
	void *p;

	if (n > SIZE_MAX / 2)
		return NULL;
	n = n == 0 ? ARENA_ALIGN : (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (c == NULL || c->size - c->used < n) {
		size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
		if ((c = calloc(1, sizeof(*c) + size)) == NULL)
			return NULL;
		c->size = size;
		/* A big block gets a chunk of its own behind the current
		 * one, so the space left in that one is not lost. */
		if (size == n && a->head != NULL) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static void *
arena_array(struct config_arena *a, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / 2 / size)
		return NULL;
	return arena_alloc(a, n * size);
}

static char *
arena_strndup(struct config_arena *a, const char *s, size_t len)
{
	char *p;

	if ((p = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static void
arena_free(struct config_arena *a)
{
	struct arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/*
 * Small text helpers.  Config text is bytes: no <ctype.h>, whose answers
 * depend on the locale and on the sign of char.
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
is_lower_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c);
}

static int
to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Printable ASCII stays; anything else, and '\', becomes \xHH. */
static void
escape(const char *s, size_t len, char *buf, size_t buflen)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c <= 0x7e && c != '\\') {
			if (o + 1 >= buflen)
				break;
			buf[o++] = (char)c;
		} else {
			if (o + 4 >= buflen)
				break;
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	buf[o] = '\0';
}

/* A piece of input made safe to quote in a message: escaped, and cut at
 * QUOTE_MAX bytes with "...".  buf has QLEN bytes. */
static const char *
quote(const char *s, size_t len, char *buf)
{
	size_t n = len > QUOTE_MAX ? QUOTE_MAX : len;

	escape(s, n, buf, QLEN - 4);
	if (n < len)
		memcpy(buf + strlen(buf), "...", 4);	/* QLEN keeps room */
	return buf;
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

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/*
 * Value parsers.
 */
int
config_parse_time(const char *s, unsigned *ret, char *why, size_t whylen)
{
	char qb[QLEN];
	unsigned h, m;
	size_t i;

	if (!is_digit(s[0]))
		goto bad;
	h = (unsigned)(s[0] - '0');
	i = 1;
	if (is_digit(s[1])) {
		h = h * 10 + (unsigned)(s[1] - '0');
		i = 2;
	}
	if (s[i] != ':' || !is_digit(s[i + 1]) || !is_digit(s[i + 2]) ||
	    s[i + 3] != '\0')
		goto bad;
	m = (unsigned)(s[i + 1] - '0') * 10 + (unsigned)(s[i + 2] - '0');
	if (h > 24 || m > 59 || (h == 24 && m != 0))
		goto bad;
	*ret = h * 60 + m;
	return 0;
 bad:
	whyf(why, whylen, "bad time '%s' (want HH:MM, 00:00-24:00)",
	    quotes(s, qb));
	return -EINVAL;
}

int
config_parse_window(const char *s, struct config_window *ret, char *why,
    size_t whylen)
{
	char a[8], b[8], qb[QLEN];
	const char *dash, *p;
	size_t alen, blen;
	unsigned start, end;

	if ((dash = strchr(s, '-')) == NULL)
		goto bad;
	alen = (size_t)(dash - s);
	while (alen > 0 && is_blank(s[alen - 1]))
		alen--;
	for (p = dash + 1; is_blank(*p); p++)
		;
	blen = strlen(p);
	if (alen == 0 || alen >= sizeof(a) || blen == 0 || blen >= sizeof(b))
		goto bad;
	memcpy(a, s, alen);
	a[alen] = '\0';
	memcpy(b, p, blen + 1);
	if (config_parse_time(a, &start, why, whylen) < 0 ||
	    config_parse_time(b, &end, why, whylen) < 0)
		return -EINVAL;
	if (start == CONFIG_DAY_MINUTES) {
		whyf(why, whylen, "bad window '%s' (24:00 can only end a window)",
		    quotes(s, qb));
		return -EINVAL;
	}
	if (end == 0)
		end = CONFIG_DAY_MINUTES;
	if (start == end) {
		whyf(why, whylen, "empty window '%s' (it ends where it starts)",
		    quotes(s, qb));
		return -EINVAL;
	}
	ret->start = (uint16_t)start;
	ret->end = (uint16_t)end;
	return 0;
 bad:
	whyf(why, whylen, "bad window '%s' (want HH:MM-HH:MM)", quotes(s, qb));
	return -EINVAL;
}

int
config_parse_duration(const char *s, uint32_t *ret, char *why, size_t whylen)
{
	static const struct {
		char		u;
		uint32_t	secs;
	} units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
	const size_t nunits = sizeof(units) / sizeof(units[0]);
	char qb[QLEN];
	const char *p = s;
	uint64_t total = 0, n;
	size_t next = 0, k, digits;

	if (*p == '\0')
		goto bad;
	while (*p != '\0') {
		if (!is_digit(*p))
			goto bad;
		for (n = 0, digits = 0; is_digit(*p); p++) {
			if (++digits > 10)
				goto toolong;
			n = n * 10 + (uint64_t)(*p - '0');
		}
		for (k = next; k < nunits && units[k].u != *p; k++)
			;
		if (k == nunits) {
			for (k = 0; k < next; k++)
				if (units[k].u == *p)
					goto order;
			goto bad;
		}
		total += n * units[k].secs;
		if (total > UINT32_MAX)
			goto toolong;
		next = k + 1;
		p++;
	}
	*ret = (uint32_t)total;
	return 0;
 bad:
	whyf(why, whylen, "bad duration '%s' (want numbers with units d, h, m "
	    "or s, e.g. 30m or 1h30m)", quotes(s, qb));
	return -EINVAL;
 order:
	whyf(why, whylen, "bad duration '%s' (units largest first, each once, "
	    "e.g. 1h30m)", quotes(s, qb));
	return -EINVAL;
 toolong:
	whyf(why, whylen, "duration '%s' is too long", quotes(s, qb));
	return -EINVAL;
}

int
config_parse_size(const char *s, uint64_t *ret, char *why, size_t whylen)
{
	char qb[QLEN];
	const char *p = s;
	uint64_t n = 0, mul = 1;
	size_t digits = 0;

	if (!is_digit(*p))
		goto bad;
	for (; is_digit(*p); p++) {
		if (++digits > 13)
			goto toolarge;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mul = (uint64_t)1 << 10;
		p++;
		break;
	case 'm':
	case 'M':
		mul = (uint64_t)1 << 20;
		p++;
		break;
	case 'g':
	case 'G':
		mul = (uint64_t)1 << 30;
		p++;
		break;
	default:
		goto bad;
	}
	if (*p != '\0')
		goto bad;
	if (n > SIZE_LIMIT / mul)
		goto toolarge;
	*ret = n * mul;
	return 0;
 bad:
	whyf(why, whylen, "bad size '%s' (want a number with an optional k, M "
	    "or G, e.g. 16k)", quotes(s, qb));
	return -EINVAL;
 toolarge:
	whyf(why, whylen, "size '%s' is larger than 1024G", quotes(s, qb));
	return -EINVAL;
}

static bool
leap_year(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
month_days(unsigned y, unsigned m)
{
	static const uint8_t days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (y >= 1970). */
static int32_t
days_from_civil(unsigned y, unsigned m, unsigned d)
{
	unsigned era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe) - 719468;
}

int
config_parse_date(const char *s, struct config_date *ret, char *why,
    size_t whylen)
{
	char qb[QLEN];
	unsigned y, m, d;
	size_t i;

	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				goto bad;
		} else if (!is_digit(s[i]))
			goto bad;
	}
	if (s[10] != '\0')
		goto bad;
	y = (unsigned)((s[0] - '0') * 1000 + (s[1] - '0') * 100 +
	    (s[2] - '0') * 10 + (s[3] - '0'));
	m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
	d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
	if (y < 2000 || y > 2099) {
		whyf(why, whylen, "bad date '%s' (year %u is outside 2000-2099)",
		    quotes(s, qb), y);
		return -EINVAL;
	}
	if (m < 1 || m > 12) {
		whyf(why, whylen, "bad date '%s' (there is no month %02u)",
		    quotes(s, qb), m);
		return -EINVAL;
	}
	if (d < 1 || d > month_days(y, m)) {
		whyf(why, whylen, "bad date '%s' (%04u-%02u has %u days)",
		    quotes(s, qb), y, m, month_days(y, m));
		return -EINVAL;
	}
	ret->year = (uint16_t)y;
	ret->month = (uint8_t)m;
	ret->day = (uint8_t)d;
	ret->days = days_from_civil(y, m, d);
	return 0;
 bad:
	whyf(why, whylen, "bad date '%s' (want YYYY-MM-DD)", quotes(s, qb));
	return -EINVAL;
}

int
config_parse_daterange(const char *s, struct config_daterange *ret,
    char *why, size_t whylen)
{
	char a[16], b[16], qb[QLEN];
	struct config_daterange r;
	const char *dots, *p;
	size_t alen, blen;

	if ((dots = strstr(s, "..")) == NULL) {
		if (config_parse_date(s, &r.from, why, whylen) < 0)
			return -EINVAL;
		r.to = r.from;
		*ret = r;
		return 0;
	}
	alen = (size_t)(dots - s);
	while (alen > 0 && is_blank(s[alen - 1]))
		alen--;
	for (p = dots + 2; is_blank(*p); p++)
		;
	blen = strlen(p);
	if (alen == 0 || alen >= sizeof(a) || blen == 0 || blen >= sizeof(b)) {
		whyf(why, whylen, "bad date range '%s' (want "
		    "YYYY-MM-DD..YYYY-MM-DD)", quotes(s, qb));
		return -EINVAL;
	}
	memcpy(a, s, alen);
	a[alen] = '\0';
	memcpy(b, p, blen + 1);
	if (config_parse_date(a, &r.from, why, whylen) < 0 ||
	    config_parse_date(b, &r.to, why, whylen) < 0)
		return -EINVAL;
	if (r.to.days < r.from.days) {
		whyf(why, whylen, "reversed date range '%s' (it ends before it "
		    "starts)", quotes(s, qb));
		return -EINVAL;
	}
	*ret = r;
	return 0;
}

int
config_format_duration(uint32_t secs, char *buf, size_t len)
{
	uint32_t d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60;
	uint32_t s = secs % 60;
	char tmp[64];
	size_t o = 0;

	tmp[0] = '\0';
	if (d != 0)
		o += (size_t)snprintf(tmp + o, sizeof(tmp) - o, "%ud", d);
	if (h != 0)
		o += (size_t)snprintf(tmp + o, sizeof(tmp) - o, "%uh", h);
	if (m != 0)
		o += (size_t)snprintf(tmp + o, sizeof(tmp) - o, "%um", m);
	if (s != 0 || secs == 0)
		snprintf(tmp + o, sizeof(tmp) - o, "%us", s);
	return snprintf(buf, len, "%s", tmp);
}

int
config_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const struct {
		unsigned	shift;
		char		suffix;
	} u[] = { { 30, 'G' }, { 20, 'M' }, { 10, 'k' } };
	size_t i;

	for (i = 0; bytes != 0 && i < sizeof(u) / sizeof(u[0]); i++)
		if (bytes % ((uint64_t)1 << u[i].shift) == 0)
			return snprintf(buf, len, "%llu%c",
			    (unsigned long long)(bytes >> u[i].shift),
			    u[i].suffix);
	return snprintf(buf, len, "%llu", (unsigned long long)bytes);
}

int
config_format_window(const struct config_window *w, char *buf, size_t len)
{
	return snprintf(buf, len, "%02u:%02u-%02u:%02u", w->start / 60u,
	    w->start % 60u, w->end / 60u, w->end % 60u);
}

int
config_format_date(const struct config_date *d, char *buf, size_t len)
{
	return snprintf(buf, len, "%04u-%02u-%02u", d->year, d->month, d->day);
}

int
config_format_daterange(const struct config_daterange *r, char *buf,
    size_t len)
{
	char a[16], b[16];

	config_format_date(&r->from, a, sizeof(a));
	if (r->from.days == r->to.days)
		return snprintf(buf, len, "%s", a);
	config_format_date(&r->to, b, sizeof(b));
	return snprintf(buf, len, "%s..%s", a, b);
}

/* A window as minutes [*s, *e) from the start of its own day; the end
 * passes 1440 when it runs into the next day. */
static void
window_span(const struct config_window *w, unsigned *s, unsigned *e)
{
	*s = w->start;
	*e = w->end <= w->start ? w->end + (unsigned)CONFIG_DAY_MINUTES :
	    w->end;
}

static bool
spans_meet(unsigned a0, unsigned a1, unsigned b0, unsigned b1)
{
	return a0 < b1 && b0 < a1;
}

bool
config_windows_overlap(const struct config_window *a,
    const struct config_window *b)
{
	const unsigned day = CONFIG_DAY_MINUTES;
	unsigned a0, a1, b0, b1;

	window_span(a, &a0, &a1);
	window_span(b, &b0, &b1);
	/* The same windows recur every day: compare each with the other
	 * one's next-day copy too. */
	return spans_meet(a0, a1, b0, b1) ||
	    spans_meet(a0 + day, a1 + day, b0, b1) ||
	    spans_meet(a0, a1, b0 + day, b1 + day);
}

/*
 * Loader state.
 */
enum sect_kind {
	SECT_NONE = 0,		/* unknown, bad or a duplicate: keys ignored */
	SECT_GATEWAY,
	SECT_SCHEDULE,
	SECT_GROUP,
	SECT_PERSON,
	SECT_BLOCKPAGE,
	SECT_NKINDS
};

static const char *const sect_words[SECT_NKINDS] = {
	NULL, "gateway", "schedule", "group", "person", "blockpage"
};

enum key_id {
	K_INTERFACE, K_LAN, K_TIMEZONE, K_STATE_DIR, K_PLATFORMS_DIR,
	K_OVERRIDES_DIR, K_NEVER_BLOCK, K_ON_EXIT, K_TICK, K_CAPTURE_BUFFER,
	K_DEFAULT_GROUP,
	K_SCHOOL_DAYS, K_LESSONS, K_LESSONS_DAY, K_BREAKS, K_BREAKS_DAY,
	K_TERMS, K_CLOSED,
	K_MEMBERS, K_GROUP_LESSONS, K_OUTSIDE, K_DAILY_QUOTA, K_ACTIVE_BYTES,
	K_PLATFORMS,
	K_GROUP, K_DEVICES,
	K_LISTEN, K_CA_CERT, K_CA_KEY, K_SCHOOL, K_CONTACT
};

struct keydef {
	enum sect_kind	 sect;
	const char	*name;		/* "lessons." matches lessons.DAY */
	enum key_id	 id;
	bool		 required;
	const char	*want;		/* what a value looks like */
};

static const struct keydef keydefs[] = {
	{ SECT_GATEWAY, "interface", K_INTERFACE, true,
	    "interface names, e.g. eth1" },
	{ SECT_GATEWAY, "lan", K_LAN, true,
	    "prefixes, e.g. 10.10.0.0/16, fd10::/48" },
	{ SECT_GATEWAY, "timezone", K_TIMEZONE, false,
	    "a time zone, e.g. Europe/London" },
	{ SECT_GATEWAY, "state_dir", K_STATE_DIR, false, "an absolute path" },
	{ SECT_GATEWAY, "platforms_dir", K_PLATFORMS_DIR, false,
	    "an absolute path" },
	{ SECT_GATEWAY, "overrides_dir", K_OVERRIDES_DIR, false,
	    "an absolute path" },
	{ SECT_GATEWAY, "never_block", K_NEVER_BLOCK, false,
	    "addresses or prefixes, or none" },
	{ SECT_GATEWAY, "on_exit", K_ON_EXIT, false, "keep or flush" },
	{ SECT_GATEWAY, "tick", K_TICK, false, "a duration, e.g. 10s" },
	{ SECT_GATEWAY, "capture_buffer", K_CAPTURE_BUFFER, false,
	    "a size, e.g. 4M" },
	{ SECT_GATEWAY, "default_group", K_DEFAULT_GROUP, false,
	    "a group name or none" },
	{ SECT_SCHEDULE, "school_days", K_SCHOOL_DAYS, false,
	    "weekdays, e.g. mon-fri" },
	{ SECT_SCHEDULE, "lessons", K_LESSONS, false,
	    "windows, e.g. 08:45-16:00, or none" },
	{ SECT_SCHEDULE, "lessons.", K_LESSONS_DAY, false,
	    "windows, e.g. 08:45-14:30, or none" },
	{ SECT_SCHEDULE, "breaks", K_BREAKS, false,
	    "windows, e.g. 10:30-10:45, or none" },
	{ SECT_SCHEDULE, "breaks.", K_BREAKS_DAY, false,
	    "windows, e.g. 10:30-10:45, or none" },
	{ SECT_SCHEDULE, "terms", K_TERMS, false,
	    "date ranges, e.g. 2026-09-03..2026-10-23, or all" },
	{ SECT_SCHEDULE, "closed", K_CLOSED, false,
	    "dates or date ranges, or none" },
	{ SECT_GROUP, "members", K_MEMBERS, false,
	    "addresses, prefixes, MACs or @files, or none" },
	{ SECT_GROUP, "lessons", K_GROUP_LESSONS, false, "block or allow" },
	{ SECT_GROUP, "outside", K_OUTSIDE, false, "quota, allow or block" },
	{ SECT_GROUP, "daily_quota", K_DAILY_QUOTA, false,
	    "a duration, e.g. 30m" },
	{ SECT_GROUP, "active_bytes", K_ACTIVE_BYTES, false,
	    "a size, e.g. 16k" },
	{ SECT_GROUP, "platforms", K_PLATFORMS, false,
	    "categories or platforms, e.g. social, or none" },
	{ SECT_PERSON, "group", K_GROUP, true, "a group name" },
	{ SECT_PERSON, "devices", K_DEVICES, true,
	    "addresses, MACs or @files" },
	{ SECT_BLOCKPAGE, "listen", K_LISTEN, false,
	    "ADDR:PORT, [ADDR6]:PORT or none" },
	{ SECT_BLOCKPAGE, "ca_cert", K_CA_CERT, false,
	    "an absolute path or none" },
	{ SECT_BLOCKPAGE, "ca_key", K_CA_KEY, false,
	    "an absolute path or none" },
	{ SECT_BLOCKPAGE, "school", K_SCHOOL, false, "text or none" },
	{ SECT_BLOCKPAGE, "contact", K_CONTACT, false, "text or none" },
};

/* One line's part of a value: the text after '=', or a continuation. */
struct rfrag {
	struct rfrag		*next;
	const char		*text;
	size_t			 len;
	unsigned		 line;
};

struct rkey {
	struct rkey		*next;
	const struct keydef	*def;
	int			 day;		/* lessons.DAY, breaks.DAY */
	const char		*name;		/* as written */
	struct rfrag		*frags;
	struct rfrag		**ftail;
	size_t			 len;		/* bytes in all fragments */
	unsigned		 line;
	bool			 toolong;	/* reported; not parsed */
};

struct rsect {
	struct rsect		*next;
	enum sect_kind		 kind;
	const char		*hdr;		/* "group staff" */
	const char		*name;		/* of a group or person */
	struct rkey		*keys;
	struct rkey		**ktail;
	unsigned		 line;
	size_t			 idx;		/* into groups or persons */
};

struct cerr {
	unsigned		 line;		/* in the config: sort key */
	unsigned		 seq;
	char			*msg;
};

/* Where a device came from, for the checks across sections. */
struct devmeta {
	const struct rsect	*sec;
	const struct rkey	*key;
	const struct rfrag	*frag;		/* the item or its @file */
	bool			 included;
};

/* A windows key while the schedule is checked. */
struct wset {
	const struct rkey	*key;		/* NULL: not set */
	struct config_window	*w;		/* sorted by start */
	const struct rfrag	**frag;		/* where each one is written */
	size_t			 n;
	bool			 bad;
};

struct xgroup {
	const struct rsect	*sec;
	size_t			 dev0, ndev, src0, nsrc;
};

struct xperson {
	const struct rsect	*sec;
	const struct rkey	*kgroup;
	const char		*gname;		/* NULL: missing or bad */
	size_t			 dev0, ndev, src0, nsrc;
};

struct st {
	struct config		*cfg;
	struct config_arena	*ar;		/* the config's */
	struct config_arena	 tmp;		/* this load's scratch */
	const char		*path;
	const char		*dir;		/* of path, "" for the cwd */
	bool			 oom;

	/* The CONFIG_ERRORS_MAX errors first in the file, and a count. */
	struct cerr		 err[CONFIG_ERRORS_MAX];
	size_t			 nerr, more, errmax;
	unsigned		 errseq;

	/* Lexing. */
	const char		*buf;
	size_t			 len, off;
	unsigned		 lineno;
	bool			 in_key;	/* an indented line continues */
	bool			 in_bad;	/* ... or goes with a bad line */
	bool			 expect;	/* inih owes a handler call */
	bool			 cont;		/* ... for a continuation */
	char			 lastname[KEYNAME_MAX + 1];
	struct rsect		*sects, **stail, *cur;
	struct rkey		*lastkey;
	const struct rsect	*first[SECT_NKINDS];
	size_t			 nsects[SECT_NKINDS];

	/* Values. */
	struct config_group	*groups;
	struct xgroup		*xgroups;
	size_t			 ngroups;
	struct config_person	*persons;
	struct xperson		*xpersons;
	size_t			 npersons;
	struct config_device	*dev;
	struct devmeta		*meta;
	size_t			 ndev, devcap;
	struct config_source	*src;
	size_t			 nsrc, srccap;
	size_t			 nincludes;
	bool			 devs_full;
	bool			 lan_bad;
	const struct rsect	*gwsec, *schedsec, *bpsec;
	const struct rkey	*kdefault_group;
	const char		*default_group;
	struct wset		 lessons, breaks;
	struct wset		 lessons_on[7], breaks_on[7];
	bool			 days_bad;
};

/* The key being parsed, for messages. */
struct kctx {
	struct st		*st;
	const struct rsect	*sec;
	const struct rkey	*key;
};

/*
 * Errors.
 */
static bool
err_keep(const struct st *st, unsigned line)
{
	if (st->nerr < CONFIG_ERRORS_MAX)
		return true;
	return line < st->err[st->errmax].line;
}

static void
err_drop(struct st *st)
{
	st->errseq++;
	st->more++;
}

static void err_add(struct st *, unsigned, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Keep one message; line orders it among the others. */
static void
err_add(struct st *st, unsigned line, const char *fmt, ...)
{
	struct cerr *e;
	va_list ap;
	char *msg;
	size_t i;
	int rc;

	if (!err_keep(st, line)) {
		err_drop(st);
		return;
	}
	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		st->oom = true;
		return;
	}
	st->errseq++;
	if (st->nerr < CONFIG_ERRORS_MAX)
		e = &st->err[st->nerr++];
	else {
		e = &st->err[st->errmax];
		free(e->msg);
		st->more++;
	}
	e->line = line;
	e->seq = st->errseq;
	e->msg = msg;
	if (st->nerr == CONFIG_ERRORS_MAX) {
		st->errmax = 0;
		for (i = 1; i < st->nerr; i++)
			if (st->err[i].line > st->err[st->errmax].line ||
			    (st->err[i].line == st->err[st->errmax].line &&
			    st->err[i].seq > st->err[st->errmax].seq))
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
static void serr(struct st *, const struct rsect *, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void kerr(const struct kctx *, const struct rfrag *, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void ierr(struct st *, const char *, unsigned, unsigned, const char *,
    ...) __attribute__((format(printf, 5, 6)));

/* "file:line: message", about a line of the config. */
static void
lerr(struct st *st, unsigned line, const char *fmt, ...)
{
	char body[1024];
	va_list ap;

	if (!err_keep(st, line)) {
		err_drop(st);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	err_add(st, line, "%s:%u: %s", st->path, line, body);
}

/* "file:line: [section]: message", at the section header. */
static void
serr(struct st *st, const struct rsect *sec, const char *fmt, ...)
{
	char body[1024];
	va_list ap;

	if (!err_keep(st, sec->line)) {
		err_drop(st);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	err_add(st, sec->line, "%s:%u: [%s]: %s", st->path, sec->line,
	    sec->hdr, body);
}

/*
 * What a message shows of a value: the whole value (frag NULL), or the
 * line of it that holds the bad item, with "..." when it is a
 * continuation line.
 */
static void
show_value(const struct rkey *k, const struct rfrag *frag, char *buf,
    size_t len)
{
	char tmp[SHOW_MAX + 1];
	const struct rfrag *f;
	size_t n = 0, c, o = 0;

	buf[0] = '\0';
	if (frag != NULL) {
		if (frag != k->frags)
			o = (size_t)snprintf(buf, len, "...");
		n = frag->len > SHOW_MAX ? SHOW_MAX + 1 : frag->len;
		memcpy(tmp, frag->text, n);
	} else {
		for (f = k->frags; f != NULL && n <= SHOW_MAX; f = f->next) {
			if (f->len == 0)
				continue;
			if (n > 0)
				tmp[n++] = ' ';
			c = f->len < SHOW_MAX + 1 - n ? f->len : SHOW_MAX + 1 - n;
			memcpy(tmp + n, f->text, c);
			n += c;
		}
	}
	if (n > SHOW_MAX) {
		escape(tmp, SHOW_MAX, buf + o, len - o - 4);
		memcpy(buf + strlen(buf), "...", 4);
	} else
		escape(tmp, n, buf + o, len - o);
}

/* "file:line: [section] key = value: message", about one key. */
static void
kerr(const struct kctx *kc, const struct rfrag *frag, const char *fmt, ...)
{
	struct st *st = kc->st;
	unsigned line = frag != NULL ? frag->line : kc->key->line;
	char body[1024], show[SHOW_MAX * 4 + 16];
	va_list ap;

	if (!err_keep(st, line)) {
		err_drop(st);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	show_value(kc->key, frag, show, sizeof(show));
	if (show[0] == '\0')
		err_add(st, line, "%s:%u: [%s] %s: %s", st->path, line,
		    kc->sec->hdr, kc->key->name, body);
	else
		err_add(st, line, "%s:%u: [%s] %s = %s: %s", st->path, line,
		    kc->sec->hdr, kc->key->name, show, body);
}

/* "incfile:line: message (included from file:line)". */
static void
ierr(struct st *st, const char *file, unsigned line, unsigned cfgline,
    const char *fmt, ...)
{
	char body[1024];
	va_list ap;

	if (!err_keep(st, cfgline)) {
		err_drop(st);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	err_add(st, cfgline, "%s:%u: %s (included from %s:%u)", file, line,
	    body, st->path, cfgline);
}

static void *
tmp_alloc(struct st *st, size_t n)
{
	void *p;

	if ((p = arena_alloc(&st->tmp, n)) == NULL)
		st->oom = true;
	return p;
}

static void *
cfg_array(struct st *st, size_t n, size_t size)
{
	void *p;

	if ((p = arena_array(st->ar, n, size)) == NULL)
		st->oom = true;
	return p;
}

static char *
cfg_strndup(struct st *st, const char *s, size_t len)
{
	char *p;

	if ((p = arena_strndup(st->ar, s, len)) == NULL)
		st->oom = true;
	return p;
}

/*
 * Reading files.  Config files and device lists must be regular files
 * no larger than CONFIG_FILE_MAX; a FIFO or a device would hang or never
 * end.
 */
static int
read_file(const char *path, char **ret, size_t *retlen)
{
	struct stat sb;
	char *buf;
	size_t size, n = 0;
	ssize_t r;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1)
		return -errno;
	if (fstat(fd, &sb) == -1) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return S_ISDIR(sb.st_mode) ? -EISDIR : -ENODEV;
	}
	if (sb.st_size > CONFIG_FILE_MAX) {
		close(fd);
		return -EFBIG;
	}
	size = (size_t)sb.st_size;
	if ((buf = malloc(size + 1)) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	/* A file that grows while it is read is cut at its first size. */
	while (n < size) {
		r = read(fd, buf + n, size - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			rc = -errno;
			free(buf);
			close(fd);
			return rc;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*ret = buf;
	*retlen = n;
	return 0;
}

static const char *
read_error(int rc)
{
	switch (rc) {
	case -EISDIR:
		return "it is a directory";
	case -ENODEV:
		return "it is not a regular file";
	case -EFBIG:
		return "it is larger than 4 MiB";
	default:
		return strerror(-rc);
	}
}

/*
 * Pass 1: lexing.
 */
static bool
key_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    is_digit(c) || c == '_' || c == '.' || c == '-';
}

/* Bytes in the well-formed UTF-8 sequence at p, or 0 (RFC 3629 4). */
static size_t
utf8_seq(const unsigned char *p, size_t len)
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
	for (i = 1; i < n; i++) {
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xbf))
			return 0;
	}
	return n;
}

/* Why the bytes of a line are not text, or NULL when they are. */
static const char *
line_bytes_bad(const char *p, size_t len, char *buf, size_t buflen)
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
		if ((n = utf8_seq((const unsigned char *)p + i, len - i)) ==
		    0) {
			snprintf(buf, buflen, "line is not UTF-8 text (byte "
			    "\\x%02x)", c);
			return buf;
		}
	}
	return NULL;
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

static struct rsect *
sect_new(struct st *st, enum sect_kind kind, const char *hdr, size_t hdrlen,
    const char *name, size_t namelen)
{
	struct rsect *s;

	if ((s = tmp_alloc(st, sizeof(*s))) == NULL)
		return NULL;
	s->kind = kind;
	s->line = st->lineno;
	s->hdr = arena_strndup(&st->tmp, hdr, hdrlen);
	s->name = name != NULL ? arena_strndup(&st->tmp, name, namelen) :
	    NULL;
	if (s->hdr == NULL || (name != NULL && s->name == NULL)) {
		st->oom = true;
		return NULL;
	}
	s->ktail = &s->keys;
	*st->stail = s;
	st->stail = &s->next;
	return s;
}

static bool
group_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > CONFIG_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static bool
person_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > CONFIG_NAME_MAX || !is_lower_alnum(s[0]))
		return false;
	for (i = 0; i < len; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '_' && s[i] != '-' &&
		    s[i] != '.')
			return false;
	return true;
}

/* A "[...]" line: t[0] is '[', tlen > 0, no comment, no outer blanks. */
static void
lex_section(struct st *st, const char *t, size_t tlen, char *out,
    size_t cap)
{
	char qb[QLEN], hdr[CONFIG_NAME_MAX + 16];
	enum sect_kind kind = SECT_NONE;
	const char *w, *n, *p, *end = t + tlen - 1;
	size_t wlen, nlen, hlen;
	struct rsect *s;
	int k;

	st->in_key = false;
	st->lastkey = NULL;
	snprintf(out, cap, "[]");
	if (tlen < 2 || *end != ']' || memchr(t + 1, '[', tlen - 1) != NULL ||
	    memchr(t + 1, ']', tlen - 2) != NULL)
		goto bad;
	for (w = t + 1; w < end && is_blank(*w); w++)
		;
	for (p = w; p < end && !is_blank(*p); p++)
		;
	wlen = (size_t)(p - w);
	for (n = p; n < end && is_blank(*n); n++)
		;
	for (p = n; p < end && !is_blank(*p); p++)
		;
	nlen = (size_t)(p - n);
	for (; p < end && is_blank(*p); p++)
		;
	if (wlen == 0 || p != end)
		goto bad;
	for (k = 1; k < SECT_NKINDS; k++)
		if (strlen(sect_words[k]) == wlen &&
		    memcmp(sect_words[k], w, wlen) == 0)
			kind = (enum sect_kind)k;
	/* The header as messages show it: escaped, blanks made single. */
	if (nlen > 0) {
		escape(w, wlen, hdr, sizeof(hdr) / 2);
		hlen = strlen(hdr);
		hdr[hlen++] = ' ';
		escape(n, nlen, hdr + hlen, sizeof(hdr) - hlen);
	} else
		escape(w, wlen, hdr, sizeof(hdr));
	hlen = strlen(hdr);
	if ((s = sect_new(st, SECT_NONE, hdr, hlen, n, nlen)) == NULL)
		return;
	st->cur = s;
	if (kind == SECT_NONE) {
		serr(st, s, "unknown section (want [gateway], [schedule], "
		    "[group NAME], [person NAME] or [blockpage])");
		return;
	}
	if (kind == SECT_GROUP || kind == SECT_PERSON) {
		if (nlen == 0) {
			serr(st, s, "missing name (want [%s NAME])",
			    sect_words[kind]);
			return;
		}
		if (kind == SECT_GROUP && !group_name_ok(n, nlen)) {
			serr(st, s, "bad group name '%s' (want 1-%d of a-z, "
			    "0-9, '_' and '-')", quote(n, nlen, qb),
			    CONFIG_NAME_MAX);
			return;
		}
		if (kind == SECT_PERSON && !person_name_ok(n, nlen)) {
			serr(st, s, "bad person name '%s' (want 1-%d of a-z, "
			    "0-9, '.', '_' and '-', from a letter or digit)",
			    quote(n, nlen, qb), CONFIG_NAME_MAX);
			return;
		}
		if (kind == SECT_GROUP &&
		    st->nsects[kind] >= CONFIG_GROUPS_MAX) {
			serr(st, s, "too many groups (at most %d)",
			    CONFIG_GROUPS_MAX);
			return;
		}
		if (kind == SECT_PERSON &&
		    st->nsects[kind] >= CONFIG_PERSONS_MAX) {
			serr(st, s, "too many persons (at most %d)",
			    CONFIG_PERSONS_MAX);
			return;
		}
	} else {
		if (nlen != 0) {
			serr(st, s, "[%s] takes no name", sect_words[kind]);
			return;
		}
		if (st->first[kind] != NULL) {
			serr(st, s, "duplicate section (first at line %u)",
			    st->first[kind]->line);
			return;
		}
		st->first[kind] = s;
	}
	/* Duplicate groups and persons are found once all are known. */
	s->kind = kind;
	st->nsects[kind]++;
	snprintf(out, cap, "[%s]", hdr);
	return;
 bad:
	lerr(st, st->lineno, "bad section header '%s' (want [NAME] or "
	    "[group NAME])", quote(t, tlen, qb));
	/* Keys that follow belong to no section we know. */
	st->cur = sect_new(st, SECT_NONE, "?", 1, NULL, 0);
}

/* A "key = value" line; t has no comment and no outer blanks. */
static bool
lex_key(struct st *st, const char *t, size_t tlen, char *out, size_t cap)
{
	char qb[QLEN], qv[QLEN];
	const char *eq, *v;
	size_t i, nlen, vlen;

	if ((eq = memchr(t, '=', tlen)) == NULL) {
		if (st->cur != NULL)
			lerr(st, st->lineno, "[%s]: '%s' is not 'key = value', "
			    "a [section] or a comment", st->cur->hdr,
			    quote(t, tlen, qb));
		else
			lerr(st, st->lineno, "'%s' is not 'key = value', a "
			    "[section] or a comment", quote(t, tlen, qb));
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
	if (st->cur == NULL) {
		lerr(st, st->lineno, "%s = %s: key before any [section]",
		    quote(t, nlen, qb), quote(v, vlen, qv));
		return false;
	}
	for (i = 0; i < nlen && key_char(t[i]); i++)
		;
	if (nlen == 0 || i < nlen || nlen > KEYNAME_MAX) {
		lerr(st, st->lineno, "[%s] %s = %s: bad key name '%s'",
		    st->cur->hdr, quote(t, nlen, qb), quote(v, vlen, qv),
		    quote(t, nlen, qb));
		return false;
	}
	if (nlen + 1 + vlen >= cap) {
		lerr(st, st->lineno, "line is too long for the INI parser");
		return false;
	}
	memcpy(out, t, nlen);
	out[nlen] = '=';
	memcpy(out + nlen + 1, v, vlen);
	out[nlen + 1 + vlen] = '\0';
	memcpy(st->lastname, t, nlen);
	st->lastname[nlen] = '\0';
	st->expect = true;
	st->cont = false;
	st->in_key = true;
	return true;
}

/* An indented line after a key: more of its value. */
static void
lex_cont(struct st *st, const char *t, size_t tlen, char *out, size_t cap)
{
	char qb[QLEN];
	size_t i, j;

	/* "  lan = ..." under another key is a key someone indented, not a
	 * value: say so rather than read "lan = ..." as an item. */
	for (i = 0; i < tlen && key_char(t[i]); i++)
		;
	for (j = i; j < tlen && is_blank(t[j]); j++)
		;
	if (i > 0 && j < tlen && t[j] == '=') {
		lerr(st, st->lineno, "[%s] %s: indented line '%s' would "
		    "continue the value of %s; start a key at the beginning "
		    "of its line", st->cur->hdr, st->lastname,
		    quote(t, tlen, qb), st->lastname);
		return;
	}
	if (tlen + 1 >= cap) {
		lerr(st, st->lineno, "line is too long for the INI parser");
		return;
	}
	out[0] = ' ';
	memcpy(out + 1, t, tlen);
	out[tlen + 1] = '\0';
	st->expect = true;
	st->cont = true;
}

/* Check one line of the file and turn it into what inih should see. */
static void
lex_line(struct st *st, const char *p, size_t len, char *out, size_t cap)
{
	char buf[64];
	const char *t, *why;
	size_t tlen;

	out[0] = '\0';
	if (len > CONFIG_LINE_MAX) {
		lerr(st, st->lineno, "line is %zu characters long, more than "
		    "%d (continue a long value on indented lines)", len,
		    CONFIG_LINE_MAX);
		goto bad;
	}
	if ((why = line_bytes_bad(p, len, buf, sizeof(buf))) != NULL) {
		lerr(st, st->lineno, "%s", why);
		goto bad;
	}
	len = strip_comment(p, len);
	for (t = p; t < p + len && is_blank(*t); t++)
		;
	if ((tlen = len - (size_t)(t - p)) == 0)
		return;		/* blank or comment: changes nothing */
	if (t > p && st->in_key) {
		lex_cont(st, t, tlen, out, cap);
		return;
	}
	if (t > p && st->in_bad)
		return;
	st->in_bad = false;
	if (*t == '[')
		lex_section(st, t, tlen, out, cap);
	else if (!lex_key(st, t, tlen, out, cap)) {
		st->in_key = false;
		st->in_bad = true;
	}
	return;
 bad:
	/* A bad line inside a value goes alone; any other bad line takes
	 * the indented lines that follow it along. */
	if (!(len > 0 && is_blank(p[0]) && st->in_key)) {
		st->in_key = false;
		st->in_bad = true;
	}
}

/* inih's reader: one line of the file per call, as fgets would. */
static char *
lex_reader(char *str, int num, void *arg)
{
	struct st *st = arg;
	const char *p, *nl, *end;
	size_t len;

	if (st->expect) {
		lerr(st, st->lineno, "the INI parser dropped this line");
		st->expect = false;
	}
	if (st->off >= st->len || st->oom)
		return NULL;
	if (num < 4) {
		lerr(st, st->lineno + 1, "the INI parser's line buffer is too "
		    "small");
		return NULL;
	}
	p = st->buf + st->off;
	nl = memchr(p, '\n', st->len - st->off);
	end = nl != NULL ? nl : st->buf + st->len;
	st->off = (size_t)(end - st->buf) + (nl != NULL);
	st->lineno++;
	len = (size_t)(end - p);
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (st->lineno == 1 && len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		len -= 3;
	}
	lex_line(st, p, len, str, (size_t)num);
	return str;
}

static const struct keydef *
key_lookup(enum sect_kind kind, const char *name, int *day)
{
	const struct keydef *d;
	size_t i, n;
	int k;

	*day = -1;
	for (i = 0; i < sizeof(keydefs) / sizeof(keydefs[0]); i++) {
		d = &keydefs[i];
		if (d->sect != kind)
			continue;
		n = strlen(d->name);
		if (d->name[n - 1] != '.') {
			if (strcmp(d->name, name) == 0)
				return d;
			continue;
		}
		if (strncmp(d->name, name, n) != 0)
			continue;
		for (k = 0; k < 7; k++)
			if (strcmp(name + n, day_names[k]) == 0) {
				*day = k;
				return d;
			}
	}
	return NULL;
}

static bool
frag_add(struct st *st, struct rkey *k, const char *value, unsigned line)
{
	struct rfrag *f;
	size_t len = strlen(value);

	if (k->toolong)
		return true;
	if (k->len + len + 1 > CONFIG_VALUE_MAX) {
		k->toolong = true;
		lerr(st, line, "[%s] %s: value is longer than %d characters",
		    st->cur->hdr, k->name, CONFIG_VALUE_MAX);
		return true;
	}
	if ((f = tmp_alloc(st, sizeof(*f))) == NULL ||
	    (f->text = arena_strndup(&st->tmp, value, len)) == NULL) {
		st->oom = true;
		return false;
	}
	f->len = len;
	f->line = line;
	k->len += len + 1;
	*k->ftail = f;
	k->ftail = &f->next;
	return true;
}

static void
key_add(struct st *st, const char *name, const char *value)
{
	char qb[QLEN], qv[QLEN];
	struct rsect *sec = st->cur;
	const struct keydef *def;
	struct rkey *k;
	int day;

	st->lastkey = NULL;
	if (sec == NULL || sec->kind == SECT_NONE)
		return;
	if ((def = key_lookup(sec->kind, name, &day)) == NULL) {
		lerr(st, st->lineno, "[%s] %s = %s: unknown key in [%s]",
		    sec->hdr, quotes(name, qb), quotes(value, qv),
		    sect_words[sec->kind]);
		return;
	}
	for (k = sec->keys; k != NULL; k = k->next)
		if (k->def == def && k->day == day) {
			lerr(st, st->lineno, "[%s] %s = %s: duplicate key "
			    "(first at line %u)", sec->hdr, name,
			    quotes(value, qv), k->line);
			return;
		}
	if ((k = tmp_alloc(st, sizeof(*k))) == NULL ||
	    (k->name = arena_strndup(&st->tmp, name, strlen(name))) == NULL) {
		st->oom = true;
		return;
	}
	k->def = def;
	k->day = day;
	k->line = st->lineno;
	k->ftail = &k->frags;
	*sec->ktail = k;
	sec->ktail = &k->next;
	if (frag_add(st, k, value, st->lineno))
		st->lastkey = k;
}

static int
lex_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct st *st = arg;

	(void)section;		/* the reader tracks sections */
	if (!st->expect) {
		lerr(st, st->lineno, "the INI parser read a line differently");
		return 1;
	}
	st->expect = false;
	if (!st->cont)
		key_add(st, name, value);
	else if (st->lastkey != NULL) {
		if (strcmp(name, st->lastkey->name) != 0)
			lerr(st, st->lineno, "the INI parser continued another "
			    "key");
		else
			frag_add(st, st->lastkey, value, st->lineno);
	}
	return 1;
}

static int
sect_cmp(const void *a, const void *b)
{
	const struct rsect *x = *(const struct rsect *const *)a;
	const struct rsect *y = *(const struct rsect *const *)b;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Duplicate [group X] and [person X] sections: the later ones are errors
 * and their keys are ignored.  Then number what is left, in file order. */
static void
lex_finish(struct st *st)
{
	struct rsect **v, *s;
	size_t n = 0, i, j;

	for (s = st->sects; s != NULL; s = s->next)
		if (s->kind == SECT_GROUP || s->kind == SECT_PERSON)
			n++;
	if (n > 0 && (v = tmp_alloc(st, n * sizeof(*v))) != NULL) {
		n = 0;
		for (s = st->sects; s != NULL; s = s->next)
			if (s->kind == SECT_GROUP || s->kind == SECT_PERSON)
				v[n++] = s;
		qsort(v, n, sizeof(*v), sect_cmp);
		for (i = 1, j = 0; i < n; i++) {
			if (v[i]->kind != v[j]->kind ||
			    strcmp(v[i]->name, v[j]->name) != 0) {
				j = i;
				continue;
			}
			serr(st, v[i], "duplicate section (first at line %u)",
			    v[j]->line);
			v[i]->kind = SECT_NONE;
		}
	}
	for (s = st->sects; s != NULL; s = s->next) {
		if (s->kind == SECT_GROUP)
			s->idx = st->ngroups++;
		else if (s->kind == SECT_PERSON)
			s->idx = st->npersons++;
	}
}

/*
 * Pass 2: values.
 */
struct item {
	const char		*s;		/* NUL-terminated copy */
	size_t			 len;
	const struct rfrag	*frag;		/* the line it is on */
};

/*
 * Split a list value into items: commas and line ends separate them, and
 * a comma may end a line.  Returns the number of items (0 for "none"
 * where none_ok), or -1 after reporting why there are none.
 */
static int
items_get(const struct kctx *kc, bool none_ok, size_t max, struct item **ret)
{
	struct st *st = kc->st;
	const struct rfrag *f;
	const char *p, *q, *e, *s;
	struct item *v;
	size_t n = 0, cap = 0, len, i;
	bool bad = false;

	for (f = kc->key->frags; f != NULL; f = f->next) {
		cap++;
		for (p = f->text; (p = memchr(p, ',', (size_t)(f->text +
		    f->len - p))) != NULL; p++)
			cap++;
	}
	if ((v = tmp_alloc(st, (cap + 1) * sizeof(*v))) == NULL)
		return -1;
	for (f = kc->key->frags; f != NULL; f = f->next) {
		for (p = f->text, e = f->text + f->len;; p = q + 1) {
			if ((q = memchr(p, ',', (size_t)(e - p))) == NULL)
				q = e;
			for (s = p; s < q && is_blank(*s); s++)
				;
			for (len = (size_t)(q - s); len > 0 &&
			    is_blank(s[len - 1]); len--)
				;
			if (len == 0 && q != e) {
				kerr(kc, f, "empty item (a ',' with nothing "
				    "before it)");
				bad = true;
			} else if (len > 0) {
				if ((v[n].s = arena_strndup(&st->tmp, s,
				    len)) == NULL) {
					st->oom = true;
					return -1;
				}
				v[n].len = len;
				v[n++].frag = f;
			}
			if (q == e)
				break;
		}
	}
	if (bad)
		return -1;
	if (n == 0) {
		kerr(kc, NULL, "empty value (want %s)", kc->key->def->want);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].s, "none") != 0)
			continue;
		if (!none_ok)
			kerr(kc, v[i].frag, "none is not a value for %s (want "
			    "%s)", kc->key->name, kc->key->def->want);
		else if (n > 1)
			kerr(kc, v[i].frag, "none must be the only item");
		else
			return 0;
		return -1;
	}
	if (n > max) {
		kerr(kc, NULL, "too many items (%zu, at most %zu)", n, max);
		return -1;
	}
	*ret = v;
	return (int)n;
}

/*
 * A single value: its lines joined, every run of blanks made one space.
 * NULL after reporting an empty value or "none" where it is not allowed.
 */
static const char *
scalar_get(const struct kctx *kc, bool none_ok)
{
	const struct rfrag *f;
	char *buf;
	size_t o = 0, i;
	bool blank = false;

	if ((buf = tmp_alloc(kc->st, kc->key->len + 1)) == NULL)
		return NULL;
	for (f = kc->key->frags; f != NULL; f = f->next) {
		for (i = 0; i < f->len; i++) {
			if (is_blank(f->text[i])) {
				blank = true;
				continue;
			}
			if (blank && o > 0)
				buf[o++] = ' ';
			blank = false;
			buf[o++] = f->text[i];
		}
		blank = true;
	}
	buf[o] = '\0';
	if (o == 0) {
		kerr(kc, NULL, "empty value (want %s)", kc->key->def->want);
		return NULL;
	}
	if (!none_ok && strcmp(buf, "none") == 0) {
		kerr(kc, NULL, "none is not a value for %s (want %s)",
		    kc->key->name, kc->key->def->want);
		return NULL;
	}
	return buf;
}

/* One of words[] (NULL-terminated); its index, or -1 after an error. */
static int
word_get(const struct kctx *kc, const char *const *words)
{
	char qb[QLEN];
	const char *s;
	int i;

	if ((s = scalar_get(kc, false)) == NULL)
		return -1;
	for (i = 0; words[i] != NULL; i++)
		if (strcmp(s, words[i]) == 0)
			return i;
	kerr(kc, NULL, "bad value '%s' (want %s)", quotes(s, qb),
	    kc->key->def->want);
	return -1;
}

static bool
has_blank(const char *s)
{
	return strchr(s, ' ') != NULL || strchr(s, '\t') != NULL;
}

/* An absolute path for a value; NULL after an error. */
static const char *
path_get(const struct kctx *kc, bool none_ok)
{
	char qb[QLEN];
	const char *s;

	if ((s = scalar_get(kc, none_ok)) == NULL)
		return NULL;
	if (none_ok && strcmp(s, "none") == 0)
		return s;
	if (s[0] != '/') {
		kerr(kc, NULL, "'%s' is not an absolute path", quotes(s, qb));
		return NULL;
	}
	if (has_blank(s)) {
		kerr(kc, NULL, "a path with blanks is not supported");
		return NULL;
	}
	if (strlen(s) > CONFIG_PATH_MAX) {
		kerr(kc, NULL, "path is longer than %d characters",
		    CONFIG_PATH_MAX);
		return NULL;
	}
	return cfg_strndup(kc->st, s, strlen(s));
}

static unsigned
family_bits(const struct addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

static void
addr_mask(struct addr *a, unsigned plen)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (plen >= (i + 1) * 8)
			continue;
		a->bytes[i] &= plen <= i * 8 ? 0 :
		    (uint8_t)(0xff << (8 - (plen - i * 8)));
	}
}

/* "10.10.0.5" for a host prefix, "10.10.0.0/24" otherwise. */
static void
prefix_format(const struct cidr *c, char *buf, size_t len)
{
	if (c->prefix == family_bits(&c->a))
		addr_format(&c->a, buf, len);
	else
		cidr_format(c, buf, len);
}

static void
device_format(const struct config_device *d, char *buf, size_t len)
{
	if (d->kind == CONFIG_DEV_MAC)
		mac_format(&d->mac, buf, len);
	else
		prefix_format(&d->prefix, buf, len);
}

/* An address or a prefix; a bare address is a host prefix. */
static int
prefix_parse(const char *s, struct cidr *ret, char *why, size_t whylen)
{
	char a[INET6_ADDRSTRLEN + 8], qb[QLEN], net[ADDR_STRLEN];
	const char *slash = strchr(s, '/'), *p;
	struct cidr c;
	size_t alen;
	unsigned plen = 0;

	if (cidr_parse(s, ret) == 0)
		return 0;
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(a))
		goto badaddr;
	memcpy(a, s, alen);
	a[alen] = '\0';
	memset(&c, 0, sizeof(c));
	if (addr_parse(a, &c.a) < 0 || slash == NULL)
		goto badaddr;
	for (p = slash + 1; is_digit(*p) && p - slash <= 3; p++)
		plen = plen * 10 + (unsigned)(*p - '0');
	if (p == slash + 1 || *p != '\0' || plen > family_bits(&c.a)) {
		whyf(why, whylen, "bad prefix length in '%s' (want /0 to /%u)",
		    quotes(s, qb), family_bits(&c.a));
		return -EINVAL;
	}
	addr_mask(&c.a, plen);
	c.prefix = (uint8_t)plen;
	cidr_format(&c, net, sizeof(net));
	whyf(why, whylen, "'%s' has host bits set (the prefix is %s)",
	    quotes(s, qb), net);
	return -EINVAL;
 badaddr:
	if (has_blank(s))
		whyf(why, whylen, "bad address '%s' (separate items with ',')",
		    quotes(s, qb));
	else
		whyf(why, whylen, "bad address '%s'", quotes(s, qb));
	return -EINVAL;
}

/* Five ':' or five '-' and no "::" or '.': meant as a MAC. */
static bool
looks_like_mac(const char *s)
{
	size_t colons = 0, dashes = 0;
	const char *p;

	if (strstr(s, "::") != NULL || strchr(s, '.') != NULL)
		return false;
	for (p = s; *p != '\0'; p++) {
		colons += *p == ':';
		dashes += *p == '-';
	}
	return colons == 5 || dashes == 5;
}

/* One device: an address, a prefix (not for a person) or a MAC. */
static int
device_parse(const char *s, bool person, struct config_device *d, char *why,
    size_t whylen)
{
	static const uint8_t zero[6];
	char qb[QLEN];
	struct config_device n;

	memset(&n, 0, sizeof(n));
	if (mac_parse(s, &n.mac) == 0) {
		if (n.mac.bytes[0] & 1) {
			whyf(why, whylen, "'%s' is a multicast MAC, not a "
			    "device's", quotes(s, qb));
			return -EINVAL;
		}
		if (memcmp(n.mac.bytes, zero, sizeof(zero)) == 0) {
			whyf(why, whylen, "'%s' is not a device's MAC",
			    quotes(s, qb));
			return -EINVAL;
		}
		n.kind = CONFIG_DEV_MAC;
		*d = n;
		return 0;
	}
	if (strchr(s, '/') == NULL && looks_like_mac(s)) {
		whyf(why, whylen, "bad MAC '%s' (want six hex pairs, e.g. "
		    "3c:22:fb:12:34:56)", quotes(s, qb));
		return -EINVAL;
	}
	if (prefix_parse(s, &n.prefix, why, whylen) < 0)
		return -EINVAL;
	if (person && n.prefix.prefix != family_bits(&n.prefix.a)) {
		whyf(why, whylen, "'%s' is a prefix; a person's devices are "
		    "addresses or MACs", quotes(s, qb));
		return -EINVAL;
	}
	n.kind = CONFIG_DEV_PREFIX;
	*d = n;
	return 0;
}

static bool
dev_push(struct st *st, const struct config_device *d,
    const struct devmeta *m)
{
	struct config_device *nd;
	struct devmeta *nm;
	size_t cap;

	if (st->ndev == st->devcap) {
		cap = st->devcap == 0 ? 64 : st->devcap * 2;
		if ((nd = reallocarray(st->dev, cap, sizeof(*nd))) == NULL) {
			st->oom = true;
			return false;
		}
		st->dev = nd;
		if ((nm = reallocarray(st->meta, cap, sizeof(*nm))) == NULL) {
			st->oom = true;
			return false;
		}
		st->meta = nm;
		st->devcap = cap;
	}
	st->dev[st->ndev] = *d;
	st->meta[st->ndev++] = *m;
	return true;
}

static bool
src_push(struct st *st, const char *include, size_t first, size_t count)
{
	struct config_source *ns;
	size_t cap;

	if (st->nsrc == st->srccap) {
		cap = st->srccap == 0 ? 16 : st->srccap * 2;
		if ((ns = reallocarray(st->src, cap, sizeof(*ns))) == NULL) {
			st->oom = true;
			return false;
		}
		st->src = ns;
		st->srccap = cap;
	}
	st->src[st->nsrc].include = include;
	st->src[st->nsrc].first = first;
	st->src[st->nsrc++].count = count;
	return true;
}

/* Room for one more device, or false after saying there is none. */
static bool
dev_room(const struct kctx *kc, const struct rfrag *f)
{
	struct st *st = kc->st;

	if (st->ndev < CONFIG_DEVICES_MAX)
		return true;
	if (!st->devs_full)
		kerr(kc, f, "too many devices (at most %d in members and "
		    "devices together, @files included)", CONFIG_DEVICES_MAX);
	st->devs_full = true;
	return false;
}

/* The devices of one @file, one per line. */
static void
include_read(const struct kctx *kc, const struct item *it, bool person)
{
	struct st *st = kc->st;
	char qb[QLEN], bb[64], why[256], item[CONFIG_DEVLINE_MAX + 1];
	const char *path = it->s + 1, *full, *p, *e, *nl, *t, *bad;
	struct config_device d;
	struct devmeta m;
	unsigned cfgline = it->frag->line, line = 0;
	size_t plen = it->len - 1, dlen, len, first = st->ndev;
	char *buf, *inc;
	int rc;

	if (plen == 0 || plen > CONFIG_PATH_MAX || has_blank(path)) {
		kerr(kc, it->frag, "bad @file '%s' (want @PATH, at most %d "
		    "characters, no blanks)", quote(it->s, it->len, qb),
		    CONFIG_PATH_MAX);
		return;
	}
	if (++st->nincludes > CONFIG_INCLUDES_MAX) {
		kerr(kc, it->frag, "too many @files (at most %d)",
		    CONFIG_INCLUDES_MAX);
		return;
	}
	dlen = strlen(st->dir);
	if (path[0] == '/' || dlen == 0)
		full = cfg_strndup(st, path, plen);
	else {
		if ((inc = arena_alloc(st->ar, dlen + plen + 2)) != NULL)
			snprintf(inc, dlen + plen + 2, "%s/%s", st->dir, path);
		else
			st->oom = true;
		full = inc;
	}
	if (full == NULL || (inc = cfg_strndup(st, path, plen)) == NULL)
		return;
	if ((rc = read_file(full, &buf, &len)) < 0) {
		kerr(kc, it->frag, "cannot read %s: %s", full, read_error(rc));
		return;
	}
	memset(&m, 0, sizeof(m));
	m.sec = kc->sec;
	m.key = kc->key;
	m.frag = it->frag;
	m.included = true;
	for (p = buf, e = buf + len; p < e && !st->oom; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		line++;
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (line == 1 && len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
			p += 3;
			len -= 3;
		}
		if (len > CONFIG_DEVLINE_MAX) {
			ierr(st, full, line, cfgline, "line is %zu characters "
			    "long, more than %d", len, CONFIG_DEVLINE_MAX);
			continue;
		}
		if ((bad = line_bytes_bad(p, len, bb, sizeof(bb))) != NULL) {
			ierr(st, full, line, cfgline, "%s", bad);
			continue;
		}
		for (t = p; t < p + len; t++)
			if (*t == '#' && (t == p || is_blank(t[-1]))) {
				len = (size_t)(t - p);
				break;
			}
		while (len > 0 && is_blank(p[len - 1]))
			len--;
		for (t = p; t < p + len && is_blank(*t); t++)
			;
		if ((len -= (size_t)(t - p)) == 0)
			continue;
		if (memchr(t, ',', len) != NULL || memchr(t, ' ', len) !=
		    NULL || memchr(t, '\t', len) != NULL) {
			ierr(st, full, line, cfgline, "'%s': one device per "
			    "line", quote(t, len, qb));
			continue;
		}
		if (*t == '@') {
			ierr(st, full, line, cfgline, "'%s': @files do not "
			    "nest", quote(t, len, qb));
			continue;
		}
		memcpy(item, t, len);
		item[len] = '\0';
		if (device_parse(item, person, &d, why, sizeof(why)) < 0) {
			ierr(st, full, line, cfgline, "%s", why);
			continue;
		}
		if (!dev_room(kc, it->frag))
			break;
		d.file = full;
		d.line = line;
		dev_push(st, &d, &m);
	}
	free(buf);
	src_push(st, inc, first, st->ndev - first);
}

/* members and devices: items, @files and all. */
static void
devices_parse(const struct kctx *kc, bool person, size_t *dev0,
    size_t *ndev, size_t *src0, size_t *nsrc)
{
	struct st *st = kc->st;
	struct config_device d;
	struct devmeta m;
	struct item *v = NULL;
	char why[256];
	int n, i;

	*dev0 = st->ndev;
	*src0 = st->nsrc;
	if ((n = items_get(kc, !person, CONFIG_LIST_MAX, &v)) <= 0)
		goto out;
	memset(&m, 0, sizeof(m));
	m.sec = kc->sec;
	m.key = kc->key;
	for (i = 0; i < n && !st->oom; i++) {
		if (v[i].s[0] == '@') {
			include_read(kc, &v[i], person);
			continue;
		}
		if (device_parse(v[i].s, person, &d, why, sizeof(why)) < 0) {
			kerr(kc, v[i].frag, "%s", why);
			continue;
		}
		if (!dev_room(kc, v[i].frag))
			break;
		d.file = st->path;
		d.line = v[i].frag->line;
		m.frag = v[i].frag;
		if (dev_push(st, &d, &m))
			src_push(st, NULL, st->ndev - 1, 1);
	}
 out:
	*ndev = st->ndev - *dev0;
	*nsrc = st->nsrc - *src0;
}

/* Prefixes for lan and never_block; overlaps are errors. */
static size_t
prefixes_parse(const struct kctx *kc, bool none_ok, const struct cidr **ret,
    bool *bad)
{
	char why[256], a[ADDR_STRLEN], b[ADDR_STRLEN];
	struct item *v = NULL;
	struct cidr *c;
	int n, i, j, ok = 0;

	*bad = true;
	*ret = NULL;
	if ((n = items_get(kc, none_ok, CONFIG_LIST_MAX, &v)) < 0)
		return 0;
	*bad = false;
	if (n == 0)
		return 0;
	if ((c = cfg_array(kc->st, (size_t)n, sizeof(*c))) == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (prefix_parse(v[i].s, &c[ok], why, sizeof(why)) < 0) {
			kerr(kc, v[i].frag, "%s", why);
			*bad = true;
			continue;
		}
		for (j = 0; j < ok; j++)
			if (cidr_overlaps(&c[j], &c[ok]))
				break;
		if (j < ok) {
			prefix_format(&c[ok], a, sizeof(a));
			prefix_format(&c[j], b, sizeof(b));
			kerr(kc, v[i].frag, "%s overlaps %s", a, b);
			*bad = true;
			continue;
		}
		ok++;
	}
	*ret = c;
	return (size_t)ok;
}

static bool
ifname_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > IFNAME_MAX || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return false;
	for (i = 0; i < len; i++)
		if (!key_char(s[i]))
			return false;
	return true;
}

static void
p_interface(const struct kctx *kc)
{
	struct config *cfg = kc->st->cfg;
	char qb[QLEN];
	struct item *v = NULL;
	const char **names;
	int n, i, j;
	size_t ok = 0;

	if ((n = items_get(kc, false, CONFIG_LIST_MAX, &v)) <= 0)
		return;
	if ((names = cfg_array(kc->st, (size_t)n, sizeof(*names))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (!ifname_ok(v[i].s, v[i].len)) {
			kerr(kc, v[i].frag, "bad interface name '%s' (want "
			    "1-%d of A-Z, a-z, 0-9, '.', '_' and '-')",
			    quote(v[i].s, v[i].len, qb), IFNAME_MAX);
			continue;
		}
		for (j = 0; j < i; j++)
			if (strcmp(v[i].s, v[j].s) == 0)
				break;
		if (j < i) {
			kerr(kc, v[i].frag, "interface %s is listed twice",
			    v[i].s);
			continue;
		}
		names[ok++] = cfg_strndup(kc->st, v[i].s, v[i].len);
	}
	cfg->gateway.interfaces = names;
	cfg->gateway.ninterfaces = ok;
}

static int
tz_check(const char *name, char *why, size_t whylen)
{
	char qb[QLEN], path[PATH_MAX], magic[4];
	const char *dir, *p;
	struct stat sb;
	ssize_t n;
	int fd;

	for (p = name; *p != '\0'; p++)
		if (!(key_char(*p) && *p != '.') && *p != '/' && *p != '+')
			goto bad;
	if (name[0] == '/' || strlen(name) > TZNAME_MAX)
		goto bad;
	for (p = name; p != NULL; p = strchr(p + 1, '/')) {
		if (*p == '/')
			p++;
		if (*p == '/' || *p == '\0')
			goto bad;
	}
	if ((dir = getenv("TZDIR")) == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || stat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
		goto unknown;
	/* zone.tab and friends live there too: a zone is a TZif file. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		goto unknown;
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n != 4 || memcmp(magic, "TZif", 4) != 0)
		goto unknown;
	return 0;
 bad:
	whyf(why, whylen, "bad time zone '%s' (want a tz database name such "
	    "as Europe/London)", quotes(name, qb));
	return -EINVAL;
 unknown:
	whyf(why, whylen, "unknown time zone '%s' (not in the tz database)",
	    quotes(name, qb));
	return -EINVAL;
}

static void
p_timezone(const struct kctx *kc)
{
	char why[256];
	const char *s;

	if ((s = scalar_get(kc, false)) == NULL)
		return;
	if (tz_check(s, why, sizeof(why)) < 0) {
		kerr(kc, NULL, "%s", why);
		return;
	}
	kc->st->cfg->gateway.timezone = cfg_strndup(kc->st, s, strlen(s));
}

static void
p_dir(const struct kctx *kc, const char **ret)
{
	const char *s;

	if ((s = path_get(kc, false)) != NULL)
		*ret = s;
}

static void
p_duration(const struct kctx *kc, uint32_t min, uint32_t max,
    uint32_t *ret)
{
	char why[256], a[32], b[32];
	const char *s;
	uint32_t v;

	if ((s = scalar_get(kc, false)) == NULL)
		return;
	if (config_parse_duration(s, &v, why, sizeof(why)) < 0) {
		kerr(kc, NULL, "%s", why);
		return;
	}
	if (v < min || v > max) {
		config_format_duration(min, a, sizeof(a));
		config_format_duration(max, b, sizeof(b));
		kerr(kc, NULL, "%s is out of range (want %s to %s)", s, a, b);
		return;
	}
	*ret = v;
}

static void
p_size(const struct kctx *kc, uint64_t min, uint64_t max, uint64_t *ret)
{
	char why[256], a[32], b[32];
	const char *s;
	uint64_t v;

	if ((s = scalar_get(kc, false)) == NULL)
		return;
	if (config_parse_size(s, &v, why, sizeof(why)) < 0) {
		kerr(kc, NULL, "%s", why);
		return;
	}
	if (v < min || v > max) {
		config_format_size(min, a, sizeof(a));
		config_format_size(max, b, sizeof(b));
		kerr(kc, NULL, "%s is out of range (want %s to %s)", s, a, b);
		return;
	}
	*ret = v;
}

/* A group name for default_group and a person's group; checked against
 * the groups once all are read. */
static const char *
groupref_get(const struct kctx *kc, bool none_ok)
{
	char qb[QLEN];
	const char *s;

	if ((s = scalar_get(kc, none_ok)) == NULL)
		return NULL;
	if (none_ok && strcmp(s, "none") == 0)
		return s;
	if (!group_name_ok(s, strlen(s))) {
		kerr(kc, NULL, "bad group name '%s' (want 1-%d of a-z, 0-9, "
		    "'_' and '-')", quotes(s, qb), CONFIG_NAME_MAX);
		return NULL;
	}
	return s;
}

/* "mon-fri", "mon, wed, fri", "mon-wed, fri". */
static void
p_school_days(const struct kctx *kc)
{
	char qb[QLEN], lo[4];
	struct item *v = NULL;
	uint8_t days = 0, these;
	int n, i, a, b, k;
	const char *dash;
	size_t alen;

	if ((n = items_get(kc, true, 7, &v)) < 0)
		return;
	for (i = 0; i < n; i++) {
		dash = strchr(v[i].s, '-');
		alen = dash != NULL ? (size_t)(dash - v[i].s) : v[i].len;
		a = b = -1;
		for (k = 0; k < 7; k++) {
			if (alen == 3) {
				lo[0] = (char)to_lower(v[i].s[0]);
				lo[1] = (char)to_lower(v[i].s[1]);
				lo[2] = (char)to_lower(v[i].s[2]);
				lo[3] = '\0';
				if (strcmp(lo, day_names[week_order[k]]) == 0)
					a = k;
			}
			if (dash != NULL && strlen(dash + 1) == 3) {
				lo[0] = (char)to_lower(dash[1]);
				lo[1] = (char)to_lower(dash[2]);
				lo[2] = (char)to_lower(dash[3]);
				lo[3] = '\0';
				if (strcmp(lo, day_names[week_order[k]]) == 0)
					b = k;
			}
		}
		if (dash == NULL)
			b = a;
		if (a < 0 || b < 0) {
			kerr(kc, v[i].frag, "bad weekday '%s' (want mon, tue, "
			    "wed, thu, fri, sat or sun, or a range such as "
			    "mon-fri)", quote(v[i].s, v[i].len, qb));
			return;
		}
		if (b < a) {
			kerr(kc, v[i].frag, "reversed range '%s' (weeks run "
			    "mon to sun)", quote(v[i].s, v[i].len, qb));
			return;
		}
		for (these = 0, k = a; k <= b; k++)
			these |= (uint8_t)(1u << week_order[k]);
		if (days & these) {
			kerr(kc, v[i].frag, "'%s' repeats a day", quote(v[i].s,
			    v[i].len, qb));
			return;
		}
		days |= these;
	}
	kc->st->cfg->schedule.school_days = days;
}

/* lessons, breaks and their DAY forms: windows, none overlapping. */
static void
p_windows(const struct kctx *kc, struct wset *ws)
{
	char why[256], a[16], b[16];
	struct item *v = NULL;
	struct config_window w;
	const struct rfrag *f;
	int n, i;
	size_t j, k;

	ws->key = kc->key;
	ws->bad = true;
	if ((n = items_get(kc, true, CONFIG_RANGES_MAX, &v)) < 0)
		return;
	ws->w = cfg_array(kc->st, (size_t)n + 1, sizeof(*ws->w));
	ws->frag = tmp_alloc(kc->st, ((size_t)n + 1) * sizeof(*ws->frag));
	if (ws->w == NULL || ws->frag == NULL)
		return;
	ws->bad = false;
	for (i = 0; i < n; i++) {
		if (config_parse_window(v[i].s, &w, why, sizeof(why)) < 0) {
			kerr(kc, v[i].frag, "%s", why);
			ws->bad = true;
			continue;
		}
		for (j = 0; j < ws->n; j++)
			if (config_windows_overlap(&w, &ws->w[j]))
				break;
		if (j < ws->n) {
			config_format_window(&w, a, sizeof(a));
			config_format_window(&ws->w[j], b, sizeof(b));
			kerr(kc, v[i].frag, "%s overlaps %s", a, b);
			ws->bad = true;
			continue;
		}
		/* Keep them sorted by start. */
		for (k = ws->n; k > 0 && ws->w[k - 1].start > w.start; k--) {
			ws->w[k] = ws->w[k - 1];
			ws->frag[k] = ws->frag[k - 1];
		}
		f = v[i].frag;
		ws->w[k] = w;
		ws->frag[k] = f;
		ws->n++;
	}
}

static int
daterange_cmp(const void *a, const void *b)
{
	const struct config_daterange *x = a, *y = b;

	return x->from.days < y->from.days ? -1 : x->from.days > y->from.days;
}

/* terms and closed: date ranges, sorted, none overlapping. */
static void
p_dateranges(const struct kctx *kc, size_t max, bool all_ok,
    struct config_dateranges *ret, bool *set)
{
	char why[256], a[32], b[32];
	struct config_daterange *r;
	struct item *v = NULL;
	int n, i;
	size_t ok = 0, j;

	if (all_ok && kc->key->frags != NULL && kc->key->frags->next == NULL &&
	    strcmp(kc->key->frags->text, "all") == 0) {
		*set = false;
		return;
	}
	if ((n = items_get(kc, !all_ok, max, &v)) <= 0)
		return;
	if ((r = cfg_array(kc->st, (size_t)n, sizeof(*r))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (all_ok && strcmp(v[i].s, "all") == 0) {
			kerr(kc, v[i].frag, "all must be the only item");
			continue;
		}
		if (config_parse_daterange(v[i].s, &r[ok], why,
		    sizeof(why)) < 0) {
			kerr(kc, v[i].frag, "%s", why);
			continue;
		}
		for (j = 0; j < ok; j++)
			if (r[j].from.days <= r[ok].to.days &&
			    r[ok].from.days <= r[j].to.days)
				break;
		if (j < ok) {
			config_format_daterange(&r[ok], a, sizeof(a));
			config_format_daterange(&r[j], b, sizeof(b));
			kerr(kc, v[i].frag, "%s overlaps %s", a, b);
			continue;
		}
		ok++;
	}
	qsort(r, ok, sizeof(*r), daterange_cmp);
	ret->v = r;
	ret->n = ok;
	*set = true;
}

static void
p_platforms(const struct kctx *kc, struct config_group *g)
{
	char qb[QLEN];
	struct item *v = NULL;
	const char **w;
	int n, i, j;
	size_t ok = 0;

	if ((n = items_get(kc, true, CONFIG_LIST_MAX, &v)) < 0)
		return;
	if ((w = cfg_array(kc->st, (size_t)n + 1, sizeof(*w))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (!group_name_ok(v[i].s, v[i].len)) {
			kerr(kc, v[i].frag, "bad platform or category '%s' "
			    "(want 1-%d of a-z, 0-9, '_' and '-')",
			    quote(v[i].s, v[i].len, qb), CONFIG_NAME_MAX);
			continue;
		}
		for (j = 0; j < i; j++)
			if (strcmp(v[i].s, v[j].s) == 0)
				break;
		if (j < i) {
			kerr(kc, v[i].frag, "%s is listed twice", v[i].s);
			continue;
		}
		w[ok++] = cfg_strndup(kc->st, v[i].s, v[i].len);
	}
	g->platforms = w;
	g->nplatforms = ok;
}

static int
listen_parse(const char *s, struct addr *a, uint16_t *port, char *why,
    size_t whylen)
{
	char qb[QLEN], host[INET6_ADDRSTRLEN + 2];
	const char *h, *colon, *p;
	size_t hlen;
	unsigned long n = 0;

	if (s[0] == '[') {
		h = s + 1;
		if ((colon = strstr(s, "]:")) == NULL)
			goto bad;
		hlen = (size_t)(colon - h);
		colon++;
	} else {
		h = s;
		if ((colon = strrchr(s, ':')) == NULL)
			goto bad;
		hlen = (size_t)(colon - h);
		if (memchr(h, ':', hlen) != NULL) {
			whyf(why, whylen, "bad listen address '%s' (write an "
			    "IPv6 address in brackets: [ADDR6]:PORT)",
			    quotes(s, qb));
			return -EINVAL;
		}
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (addr_parse(host, a) < 0 ||
	    (s[0] == '[') != (a->family == AF_INET6))
		goto bad;
	for (p = colon + 1; is_digit(*p) && p - colon <= 5; p++)
		n = n * 10 + (unsigned long)(*p - '0');
	if (p == colon + 1 || *p != '\0' || n == 0 || n > 65535) {
		whyf(why, whylen, "bad port in '%s' (want 1-65535)",
		    quotes(s, qb));
		return -EINVAL;
	}
	*port = (uint16_t)n;
	return 0;
 bad:
	whyf(why, whylen, "bad listen address '%s' (want ADDR:PORT or "
	    "[ADDR6]:PORT)", quotes(s, qb));
	return -EINVAL;
}

static void
p_listen(const struct kctx *kc)
{
	struct config *cfg = kc->st->cfg;
	char why[256];
	const char *s;
	struct addr a;
	uint16_t port;

	if ((s = scalar_get(kc, true)) == NULL || strcmp(s, "none") == 0)
		return;
	if (listen_parse(s, &a, &port, why, sizeof(why)) < 0) {
		kerr(kc, NULL, "%s", why);
		return;
	}
	cfg->blockpage.enabled = true;
	cfg->blockpage.listen = a;
	cfg->blockpage.port = port;
}

static void
p_text(const struct kctx *kc, const char **ret)
{
	const char *s;

	if ((s = scalar_get(kc, true)) == NULL || strcmp(s, "none") == 0)
		return;
	if (strlen(s) > CONFIG_TEXT_MAX) {
		kerr(kc, NULL, "text is longer than %d characters",
		    CONFIG_TEXT_MAX);
		return;
	}
	*ret = cfg_strndup(kc->st, s, strlen(s));
}
