/*
 * config: schoolgate.conf reader (see config.h and schoolgate.conf(5)).
 *
 * Three passes over one file:
 *
 * 1. lex: inih splits sections, keys and values.  inifile.c's reader
 *    hands inih one line per call, so it knows the line number of every
 *    handler call; it also checks what inih lets through silently (a
 *    line without '=', control bytes, lines longer than inih's buffer)
 *    and hands inih a blank line in their place, so that every error is
 *    reported with its line and nothing is half-parsed.  Sections (text
 *    after a section's ']' too) and keys are checked here, through its
 *    hooks.  Keys and their continuation lines are kept raw.
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
#include "inifile.h"
#include "log.h"

#define DEFAULT_TIMEZONE	"Europe/London"
#define DEFAULT_STATE_DIR	"/var/lib/schoolgate"
#define DEFAULT_CONTROL		"/run/schoolgate/control.sock"
#define DEFAULT_LOG_DIR		"/var/log/schoolgate"
#define DEFAULT_METRICS_PORT	9654
#define DEFAULT_RETENTION	90	/* days of audit events */
#define DEFAULT_TLS_PORT	8443
#define DEFAULT_REQUEST_EXPIRY	(7 * 86400)
#define DEFAULT_REQUESTS_PER_DAY 5
#define EXPIRY_MIN		3600
#define EXPIRY_MAX		(90 * 86400)
#define RETENTION_MAX		3650
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
	K_OVERRIDES_DIR, K_CONTROL, K_METRICS, K_LOG_DIR, K_RETENTION,
	K_NEVER_BLOCK, K_RESOLVERS, K_ON_EXIT,
	K_TICK,
	K_CAPTURE_BUFFER,
	K_DEFAULT_GROUP,
	K_SCHOOL_DAYS, K_LESSONS, K_LESSONS_DAY, K_BREAKS, K_BREAKS_DAY,
	K_TERMS, K_CLOSED,
	K_MEMBERS, K_GROUP_LESSONS, K_OUTSIDE, K_DAILY_QUOTA, K_ACTIVE_BYTES,
	K_PLATFORMS,
	K_GROUP, K_DEVICES,
	K_LISTEN, K_TLS_PORT, K_CA_CERT, K_CA_KEY, K_SCHOOL, K_CONTACT,
	K_REQUEST_EXPIRY, K_REQUESTS_PER_DAY
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
	{ SECT_GATEWAY, "control_socket", K_CONTROL, false,
	    "an absolute path" },
	{ SECT_GATEWAY, "metrics", K_METRICS, false,
	    "ADDR:PORT, [ADDR6]:PORT or none" },
	{ SECT_GATEWAY, "log_dir", K_LOG_DIR, false, "an absolute path" },
	{ SECT_GATEWAY, "retention_days", K_RETENTION, false,
	    "a number of days, 1 to 3650" },
	{ SECT_GATEWAY, "never_block", K_NEVER_BLOCK, false,
	    "addresses or prefixes, or none" },
	{ SECT_GATEWAY, "resolvers", K_RESOLVERS, false,
	    "addresses or prefixes, or observed" },
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
	    "ADDR:PORT, [ADDR6]:PORT, both, or none" },
	{ SECT_BLOCKPAGE, "tls_port", K_TLS_PORT, false,
	    "a port number, 1 to 65535" },
	{ SECT_BLOCKPAGE, "ca_cert", K_CA_CERT, false,
	    "an absolute path or none" },
	{ SECT_BLOCKPAGE, "ca_key", K_CA_KEY, false,
	    "an absolute path or none" },
	{ SECT_BLOCKPAGE, "school", K_SCHOOL, false, "text or none" },
	{ SECT_BLOCKPAGE, "contact", K_CONTACT, false, "text or none" },
	{ SECT_BLOCKPAGE, "request_expiry", K_REQUEST_EXPIRY, false,
	    "a duration, e.g. 7d" },
	{ SECT_BLOCKPAGE, "requests_per_day", K_REQUESTS_PER_DAY, false,
	    "a number, 1 to 100" },
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
	bool			 badlines;	/* skip the missing-key check */
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
	const char		*dir;		/* of path with its '/', or "" */
	bool			 oom;

	/* The CONFIG_ERRORS_MAX errors first in the file, and a count. */
	struct cerr		 err[CONFIG_ERRORS_MAX];
	size_t			 nerr, more, errmax;
	unsigned		 errseq;

	/* Lexing. */
	struct inifile_reader	 rd;
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
		n = frag->len;
		/* "a, b," shows as "a, b": the ',' only joins lines. */
		while (n > 0 && (frag->text[n - 1] == ',' ||
		    is_blank(frag->text[n - 1])))
			n--;
		n = n > SHOW_MAX ? SHOW_MAX + 1 : n;
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
		log_escape(tmp, SHOW_MAX, buf + o, len - o - 4);
		memcpy(buf + strlen(buf), "...", 4);
	} else
		log_escape(tmp, n, buf + o, len - o);
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

static struct rsect *
sect_new(struct st *st, enum sect_kind kind, const char *hdr, size_t hdrlen,
    const char *name, size_t namelen)
{
	struct rsect *s;

	if ((s = tmp_alloc(st, sizeof(*s))) == NULL)
		return NULL;
	s->kind = kind;
	s->line = st->rd.lineno;
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

bool
config_group_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > CONFIG_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

bool
config_person_name_ok(const char *s, size_t len)
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
lex_section(void *arg, const char *t, size_t tlen, char *out, size_t cap)
{
	char qb[QLEN], hdr[QLEN * 2];
	enum sect_kind kind = SECT_NONE;
	const char *w, *n, *p, *end = t + tlen - 1;
	size_t wlen, nlen, hlen;
	struct st *st = arg;
	struct rsect *s;
	int k;

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
	/* The name is the rest, blanks and all, so that "[person J Smith]"
	 * is reported as a bad name. */
	for (nlen = (size_t)(end - n); nlen > 0 && is_blank(n[nlen - 1]);
	    nlen--)
		;
	if (wlen == 0)
		goto bad;
	for (k = 1; k < SECT_NKINDS; k++)
		if (strlen(sect_words[k]) == wlen &&
		    memcmp(sect_words[k], w, wlen) == 0)
			kind = (enum sect_kind)k;
	/* The header as messages show it: escaped, blanks made single. */
	quote(w, wlen, hdr);
	if (nlen > 0) {
		hlen = strlen(hdr);
		hdr[hlen++] = ' ';
		quote(n, nlen, hdr + hlen);
	}
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
		if (kind == SECT_GROUP && !config_group_name_ok(n, nlen)) {
			serr(st, s, "bad group name '%s' (want 1-%d of a-z, "
			    "0-9, '_' and '-')", quote(n, nlen, qb),
			    CONFIG_NAME_MAX);
			return;
		}
		if (kind == SECT_PERSON && !config_person_name_ok(n, nlen)) {
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
	if (memchr(t + 1, '[', tlen - 1) == NULL &&
	    (p = memchr(t, ']', tlen)) != NULL && p < end)
		lerr(st, st->rd.lineno, "bad section header '%s' (text after "
		    "']'; put keys on lines of their own)", quote(t, tlen, qb));
	else
		lerr(st, st->rd.lineno, "bad section header '%s' (want [NAME] or "
		    "[group NAME])", quote(t, tlen, qb));
	/* Keys that follow belong to no section we know. */
	st->cur = sect_new(st, SECT_NONE, "?", 1, NULL, 0);
}

/* A line the reader cannot take for "key = value". */
static void
lex_badkey(void *arg, const struct inifile_badkey *bk)
{
	char qb[QLEN], qv[QLEN];
	struct st *st = arg;

	switch (bk->why) {
	case INIFILE_NOT_KEY:
		if (st->cur != NULL)
			lerr(st, st->rd.lineno, "[%s]: '%s' is not 'key = "
			    "value', a [section] or a comment%s", st->cur->hdr,
			    quote(bk->text, bk->len, qb), bk->hint);
		else
			lerr(st, st->rd.lineno, "'%s' is not 'key = value', a "
			    "[section] or a comment%s", quote(bk->text,
			    bk->len, qb), bk->hint);
		break;
	case INIFILE_KEY_EARLY:
		lerr(st, st->rd.lineno, "%s = %s: key before any [section]",
		    quote(bk->name, bk->nlen, qb),
		    quote(bk->value, bk->vlen, qv));
		break;
	case INIFILE_KEY_NAME:
		lerr(st, st->rd.lineno, "[%s] %s = %s: bad key name '%s'",
		    st->cur->hdr, quote(bk->name, bk->nlen, qb),
		    quote(bk->value, bk->vlen, qv),
		    quote(bk->name, bk->nlen, qb));
		break;
	}
}

/* An indented "name = ..." line is an error when name is one of the
 * section's own keys, so that a text may hold "a=b". */
static const char *
lex_is_key(void *arg, const char *name)
{
	struct st *st = arg;
	int day;

	return key_lookup(st->cur->kind, name, &day) != NULL ? st->cur->hdr :
	    NULL;
}

/* A bad line: the section's missing keys are not reported. */
static void
lex_bad(void *arg, bool in_value)
{
	struct st *st = arg;

	(void)in_value;
	if (st->cur != NULL)
		st->cur->badlines = true;
}

static void
lex_error(void *arg, unsigned line, const char *msg)
{
	lerr(arg, line, "%s", msg);
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

/* The first line of a value as messages show it (see show_value). */
static const char *
show_line(const char *value, char *buf)
{
	size_t n = strlen(value);

	while (n > 0 && (value[n - 1] == ',' || is_blank(value[n - 1])))
		n--;
	return quote(value, n, buf);
}

static void
key_add(struct st *st, const char *name, const char *value)
{
	char qb[QLEN], qv[QLEN], lower[INIFILE_KEY_MAX + 1];
	struct rsect *sec = st->cur;
	const struct keydef *def;
	struct rkey *k;
	size_t i;
	int day;

	st->lastkey = NULL;
	if (sec == NULL || sec->kind == SECT_NONE)
		return;
	if ((def = key_lookup(sec->kind, name, &day)) == NULL) {
		for (i = 0; i < sizeof(lower) - 1 && name[i] != '\0'; i++)
			lower[i] = (char)to_lower(name[i]);
		lower[i] = '\0';
		lerr(st, st->rd.lineno, "[%s] %s = %s: unknown key in [%s]%s",
		    sec->hdr, quotes(name, qb), show_line(value, qv),
		    sect_words[sec->kind], key_lookup(sec->kind, lower,
		    &day) != NULL ? " (keys are lower case)" : "");
		return;
	}
	for (k = sec->keys; k != NULL; k = k->next)
		if (k->def == def && k->day == day) {
			lerr(st, st->rd.lineno, "[%s] %s = %s: duplicate key "
			    "(first at line %u)", sec->hdr, name,
			    show_line(value, qv), k->line);
			return;
		}
	if ((k = tmp_alloc(st, sizeof(*k))) == NULL ||
	    (k->name = arena_strndup(&st->tmp, name, strlen(name))) == NULL) {
		st->oom = true;
		return;
	}
	k->def = def;
	k->day = day;
	k->line = st->rd.lineno;
	k->ftail = &k->frags;
	*sec->ktail = k;
	sec->ktail = &k->next;
	if (frag_add(st, k, value, st->rd.lineno))
		st->lastkey = k;
}

static void
lex_value(void *arg, const char *name, const char *value, bool cont)
{
	struct st *st = arg;

	if (!cont)
		key_add(st, name, value);
	else if (st->lastkey != NULL)
		frag_add(st, st->lastkey, value, st->rd.lineno);
}

static const struct inifile_ops lex_ops = {
	.error = lex_error,
	.section = lex_section,
	.badkey = lex_badkey,
	.is_key = lex_is_key,
	.bad = lex_bad,
	.value = lex_value,
};

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
device_format(const struct config_device *d, char *buf, size_t len)
{
	if (d->kind == CONFIG_DEV_MAC)
		mac_format(&d->mac, buf, len);
	else
		inifile_format_prefix(&d->prefix, buf, len);
}

/* An address or a prefix; a bare address is a host prefix.  An item of
 * a list, so a blank is most likely a missing ','. */
static int
prefix_parse(const char *s, struct cidr *ret, char *why, size_t whylen)
{
	char qb[QLEN];

	if (has_blank(s) && cidr_parse(s, ret) < 0) {
		whyf(why, whylen, "'%s' has a blank (separate items with ',')",
		    quotes(s, qb));
		return -EINVAL;
	}
	return inifile_parse_prefix(s, QUOTE_MAX, ret, why, whylen);
}

/* Pairs of characters between ':' or '-', at least three, and not
 * hex-only IPv6 ("fd10::1"): meant as a MAC. */
static bool
looks_like_mac(const char *s)
{
	size_t i, pairs = 0;
	char sep = 0;

	for (i = 0;; i += 3) {
		if (s[i] == '\0' || s[i + 1] == '\0' || inifile_key_char(s[i]) == 0 ||
		    inifile_key_char(s[i + 1]) == 0 || s[i] == '-' || s[i + 1] == '-')
			return false;
		pairs++;
		if (s[i + 2] == '\0')
			return pairs >= 3;
		if (sep == 0 && (s[i + 2] == ':' || s[i + 2] == '-'))
			sep = s[i + 2];
		if (s[i + 2] != sep)
			return false;
	}
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
		if ((inc = arena_alloc(st->ar, dlen + plen + 1)) != NULL)
			snprintf(inc, dlen + plen + 1, "%s%s", st->dir, path);
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
		if ((bad = inifile_line_bad(p, len, bb, sizeof(bb))) != NULL) {
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
			inifile_format_prefix(&c[ok], a, sizeof(a));
			inifile_format_prefix(&c[j], b, sizeof(b));
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
		if (!inifile_key_char(s[i]))
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
		if (has_blank(v[i].s)) {
			kerr(kc, v[i].frag, "'%s' has a blank (separate items "
			    "with ',')", quote(v[i].s, v[i].len, qb));
			continue;
		}
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
		if (!(inifile_key_char(*p) && *p != '.') && *p != '/' && *p != '+')
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

/* A whole number of days, 1..RETENTION_MAX. */
/* A number from min to max ("what" names the unit in the message). */
static void
p_number(const struct kctx *kc, unsigned long min, unsigned long max,
    const char *what, uint32_t *ret)
{
	unsigned long v;
	const char *s;
	char *end;

	if ((s = scalar_get(kc, false)) == NULL)
		return;
	errno = 0;
	if (*s < '0' || *s > '9' || (v = strtoul(s, &end, 10), errno != 0) ||
	    *end != '\0' || v < min || v > max) {
		kerr(kc, NULL, "%s is not a %s from %lu to %lu", s, what, min,
		    max);
		return;
	}
	*ret = (uint32_t)v;
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
	if (!config_group_name_ok(s, strlen(s))) {
		kerr(kc, NULL, "bad group name '%s' (want 1-%d of a-z, 0-9, "
		    "'_' and '-')", quotes(s, qb), CONFIG_NAME_MAX);
		return NULL;
	}
	return s;
}

/* A weekday name, any case: its place in the week (mon 0), or -1. */
static int
weekday_find(const char *s, size_t len)
{
	int k;

	if (len != 3)
		return -1;
	for (k = 0; k < 7; k++)
		if (to_lower(s[0]) == day_names[week_order[k]][0] &&
		    to_lower(s[1]) == day_names[week_order[k]][1] &&
		    to_lower(s[2]) == day_names[week_order[k]][2])
			return k;
	return -1;
}

/* "mon-fri", "mon, wed, fri", "mon-wed, fri". */
static void
p_school_days(const struct kctx *kc)
{
	char qb[QLEN];
	struct item *v = NULL;
	const char *dash, *bad;
	size_t alen, blen;
	uint8_t days = 0, these;
	int n, i, a, b, k;

	if ((n = items_get(kc, true, 7, &v)) < 0)
		return;
	for (i = 0; i < n; i++) {
		dash = strchr(v[i].s, '-');
		alen = dash != NULL ? (size_t)(dash - v[i].s) : v[i].len;
		blen = dash != NULL ? strlen(dash + 1) : 0;
		a = weekday_find(v[i].s, alen);
		b = dash != NULL ? weekday_find(dash + 1, blen) : a;
		if (a < 0 || b < 0) {
			bad = a < 0 ? v[i].s : dash + 1;
			kerr(kc, v[i].frag, "bad weekday '%s' (want mon, tue, "
			    "wed, thu, fri, sat or sun, or a range such as "
			    "mon-fri)", quote(bad, a < 0 ? alen : blen, qb));
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

	if ((n = items_get(kc, !all_ok, max, &v)) <= 0)
		return;
	if (all_ok && n == 1 && strcmp(v[0].s, "all") == 0) {
		*set = false;
		return;
	}
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
		if (has_blank(v[i].s)) {
			kerr(kc, v[i].frag, "'%s' has a blank (separate items "
			    "with ',')", quote(v[i].s, v[i].len, qb));
			continue;
		}
		if (!config_group_name_ok(v[i].s, v[i].len)) {
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

/* ADDR:PORT or none into *on, *a, *port. */
static void
p_listen(const struct kctx *kc, bool *on, struct addr *ret, uint16_t *port)
{
	char why[256];
	const char *s;
	struct addr a;
	uint16_t p;

	if ((s = scalar_get(kc, true)) == NULL)
		return;
	if (strcmp(s, "none") == 0) {
		*on = false;
		return;
	}
	if (listen_parse(s, &a, &p, why, sizeof(why)) < 0) {
		kerr(kc, NULL, "%s", why);
		return;
	}
	*on = true;
	*ret = a;
	*port = p;
}

/* [blockpage] listen: one address, or one of each family on one port. */
static void
p_bp_listen(const struct kctx *kc, struct config *cfg)
{
	char why[256];
	struct item *v = NULL;
	struct addr a[2];
	uint16_t p[2];
	int n, i;

	if ((n = items_get(kc, true, 2, &v)) < 0)
		return;
	for (i = 0; i < n; i++)
		if (listen_parse(v[i].s, &a[i], &p[i], why, sizeof(why)) < 0) {
			kerr(kc, v[i].frag, "%s", why);
			return;
		}
	if (n == 2 && a[0].family == a[1].family) {
		kerr(kc, v[1].frag, "two %s addresses (give at most one IPv4 "
		    "and one IPv6 address)", a[0].family == AF_INET ? "IPv4" :
		    "IPv6");
		return;
	}
	if (n == 2 && p[0] != p[1]) {
		kerr(kc, v[1].frag, "the addresses have different ports (%u "
		    "and %u; use one port for both)", (unsigned)p[0],
		    (unsigned)p[1]);
		return;
	}
	cfg->blockpage.enabled = n > 0;
	memset(&cfg->blockpage.listen_also, 0,
	    sizeof(cfg->blockpage.listen_also));
	if (n > 0) {
		cfg->blockpage.listen = a[0];
		cfg->blockpage.port = p[0];
	}
	if (n > 1)
		cfg->blockpage.listen_also = a[1];
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

static const struct rkey *
sect_key(const struct rsect *s, enum key_id id)
{
	const struct rkey *k;

	for (k = s != NULL ? s->keys : NULL; k != NULL; k = k->next)
		if (k->def->id == id)
			return k;
	return NULL;
}

static void
key_parse(struct st *st, const struct rsect *s, const struct rkey *k)
{
	static const char *const on_exit_words[] = { "keep", "flush", NULL };
	static const char *const lessons_words[] = { "block", "allow", NULL };
	static const char *const outside_words[] = {
		"block", "quota", "allow", NULL
	};
	struct config *cfg = st->cfg;
	struct kctx kc = { st, s, k };
	struct config_group *g = NULL;
	struct xgroup *xg = NULL;
	struct xperson *xp = NULL;
	const char *p;
	bool unused;
	uint32_t u;
	int w;

	if (s->kind == SECT_GROUP) {
		g = &st->groups[s->idx];
		xg = &st->xgroups[s->idx];
	} else if (s->kind == SECT_PERSON)
		xp = &st->xpersons[s->idx];
	switch (k->def->id) {
	case K_INTERFACE:
		p_interface(&kc);
		break;
	case K_LAN:
		cfg->gateway.nlan = prefixes_parse(&kc, false,
		    &cfg->gateway.lan, &st->lan_bad);
		break;
	case K_TIMEZONE:
		p_timezone(&kc);
		break;
	case K_STATE_DIR:
		p_dir(&kc, &cfg->gateway.state_dir);
		break;
	case K_PLATFORMS_DIR:
		p_dir(&kc, &cfg->gateway.platforms_dir);
		break;
	case K_OVERRIDES_DIR:
		p_dir(&kc, &cfg->gateway.overrides_dir);
		break;
	case K_CONTROL:
		p_dir(&kc, &cfg->gateway.control_socket);
		break;
	case K_LOG_DIR:
		p_dir(&kc, &cfg->gateway.log_dir);
		break;
	case K_RETENTION:
		p_number(&kc, 1, RETENTION_MAX, "number of days",
		    &cfg->gateway.retention_days);
		break;
	case K_NEVER_BLOCK:
		cfg->gateway.nnever_block = prefixes_parse(&kc, true,
		    &cfg->gateway.never_block, &unused);
		break;
	case K_RESOLVERS: {
		struct item *v = NULL;
		int n;

		/* "observed", the default, is an empty list.  items_get
		 * reports a bad list once; prefixes_parse reads it again. */
		if ((n = items_get(&kc, false, CONFIG_LIST_MAX, &v)) < 0 ||
		    (n == 1 && strcmp(v[0].s, "observed") == 0))
			break;
		cfg->gateway.nresolvers = prefixes_parse(&kc, false,
		    &cfg->gateway.resolvers, &unused);
		break;
	}
	case K_ON_EXIT:
		if ((w = word_get(&kc, on_exit_words)) >= 0)
			cfg->gateway.on_exit = (enum config_on_exit)w;
		break;
	case K_TICK:
		p_duration(&kc, TICK_MIN, TICK_MAX, &cfg->gateway.tick);
		break;
	case K_CAPTURE_BUFFER:
		p_size(&kc, CAPBUF_MIN, CAPBUF_MAX,
		    &cfg->gateway.capture_buffer);
		break;
	case K_DEFAULT_GROUP:
		st->kdefault_group = k;
		st->default_group = groupref_get(&kc, true);
		break;
	case K_SCHOOL_DAYS:
		p_school_days(&kc);
		break;
	case K_LESSONS:
		p_windows(&kc, &st->lessons);
		break;
	case K_LESSONS_DAY:
		p_windows(&kc, &st->lessons_on[k->day]);
		break;
	case K_BREAKS:
		p_windows(&kc, &st->breaks);
		break;
	case K_BREAKS_DAY:
		p_windows(&kc, &st->breaks_on[k->day]);
		break;
	case K_TERMS:
		p_dateranges(&kc, CONFIG_RANGES_MAX, true,
		    &cfg->schedule.terms, &cfg->schedule.terms_set);
		break;
	case K_CLOSED:
		p_dateranges(&kc, CONFIG_LIST_MAX, false,
		    &cfg->schedule.closed, &unused);
		break;
	case K_MEMBERS:
		devices_parse(&kc, false, &xg->dev0, &xg->ndev, &xg->src0,
		    &xg->nsrc);
		break;
	case K_GROUP_LESSONS:
		if ((w = word_get(&kc, lessons_words)) >= 0)
			g->lessons = (enum config_lessons)w;
		break;
	case K_OUTSIDE:
		if ((w = word_get(&kc, outside_words)) >= 0)
			g->outside = (enum config_outside)w;
		break;
	case K_DAILY_QUOTA:
		p_duration(&kc, QUOTA_MIN, QUOTA_MAX, &g->daily_quota);
		break;
	case K_ACTIVE_BYTES:
		p_size(&kc, 1, ACTIVE_MAX, &g->active_bytes);
		break;
	case K_PLATFORMS:
		p_platforms(&kc, g);
		break;
	case K_GROUP:
		xp->kgroup = k;
		xp->gname = groupref_get(&kc, false);
		break;
	case K_DEVICES:
		devices_parse(&kc, true, &xp->dev0, &xp->ndev, &xp->src0,
		    &xp->nsrc);
		break;
	case K_LISTEN:
		p_bp_listen(&kc, cfg);
		break;
	case K_METRICS:
		p_listen(&kc, &cfg->gateway.metrics, &cfg->gateway.metrics_addr,
		    &cfg->gateway.metrics_port);
		break;
	case K_CA_CERT:
		if ((p = path_get(&kc, true)) != NULL && strcmp(p, "none") != 0)
			cfg->blockpage.ca_cert = p;
		break;
	case K_CA_KEY:
		if ((p = path_get(&kc, true)) != NULL && strcmp(p, "none") != 0)
			cfg->blockpage.ca_key = p;
		break;
	case K_TLS_PORT:
		u = cfg->blockpage.tls_port;
		p_number(&kc, 1, 65535, "port number", &u);
		cfg->blockpage.tls_port = (uint16_t)u;
		break;
	case K_REQUEST_EXPIRY:
		p_duration(&kc, EXPIRY_MIN, EXPIRY_MAX,
		    &cfg->blockpage.request_expiry);
		break;
	case K_REQUESTS_PER_DAY:
		p_number(&kc, 1, 100, "number", &cfg->blockpage.requests_per_day);
		break;
	case K_SCHOOL:
		p_text(&kc, &cfg->blockpage.school);
		break;
	case K_CONTACT:
		p_text(&kc, &cfg->blockpage.contact);
		break;
	}
}

static void
defaults(struct config *cfg)
{
	cfg->gateway.timezone = DEFAULT_TIMEZONE;
	cfg->gateway.state_dir = DEFAULT_STATE_DIR;
	cfg->gateway.control_socket = DEFAULT_CONTROL;
	cfg->gateway.log_dir = DEFAULT_LOG_DIR;
	/* Prometheus on loopback: nobody else should read the figures. */
	cfg->gateway.metrics = true;
	(void)addr_parse("127.0.0.1", &cfg->gateway.metrics_addr);
	cfg->gateway.metrics_port = DEFAULT_METRICS_PORT;
	cfg->gateway.retention_days = DEFAULT_RETENTION;
	cfg->gateway.platforms_dir = DEFAULT_PLATFORMS_DIR;
	cfg->gateway.overrides_dir = DEFAULT_OVERRIDES_DIR;
	cfg->gateway.on_exit = CONFIG_ON_EXIT_KEEP;
	cfg->gateway.tick = DEFAULT_TICK;
	cfg->gateway.capture_buffer = DEFAULT_CAPTURE_BUFFER;
	cfg->schedule.school_days = 0x3e;	/* mon-fri */
	cfg->blockpage.tls_port = DEFAULT_TLS_PORT;
	cfg->blockpage.request_expiry = DEFAULT_REQUEST_EXPIRY;
	cfg->blockpage.requests_per_day = DEFAULT_REQUESTS_PER_DAY;
}

static void
group_init(struct st *st, struct config_group *g, const struct rsect *s)
{
	static const char *const social[] = { DEFAULT_PLATFORMS };

	g->name = cfg_strndup(st, s->name, strlen(s->name));
	g->lessons = CONFIG_LESSONS_BLOCK;
	g->outside = CONFIG_OUTSIDE_BLOCK;
	g->daily_quota = DEFAULT_DAILY_QUOTA;
	g->active_bytes = DEFAULT_ACTIVE_BYTES;
	g->platforms = social;
	g->nplatforms = 1;
	g->line = s->line;
}

static void
values_pass(struct st *st)
{
	const struct keydef *d;
	const struct rsect *s;
	const struct rkey *k;
	size_t i;

	st->groups = cfg_array(st, st->ngroups, sizeof(*st->groups));
	st->xgroups = tmp_alloc(st, (st->ngroups + 1) * sizeof(*st->xgroups));
	st->persons = cfg_array(st, st->npersons, sizeof(*st->persons));
	st->xpersons = tmp_alloc(st, (st->npersons + 1) *
	    sizeof(*st->xpersons));
	if (st->oom)
		return;
	for (s = st->sects; s != NULL && !st->oom; s = s->next) {
		if (s->kind == SECT_NONE)
			continue;
		if (s->kind == SECT_GROUP) {
			group_init(st, &st->groups[s->idx], s);
			st->xgroups[s->idx].sec = s;
		} else if (s->kind == SECT_PERSON) {
			st->persons[s->idx].name = cfg_strndup(st, s->name,
			    strlen(s->name));
			st->persons[s->idx].line = s->line;
			st->xpersons[s->idx].sec = s;
		}
		for (k = s->keys; k != NULL && !st->oom; k = k->next)
			if (!k->toolong)
				key_parse(st, s, k);
		for (i = 0; i < sizeof(keydefs) / sizeof(keydefs[0]); i++) {
			d = &keydefs[i];
			if (d->sect == s->kind && d->required &&
			    !s->badlines && sect_key(s, d->id) == NULL)
				serr(st, s, "missing key %s (want %s)", d->name,
				    d->want);
		}
	}
}

/*
 * Pass 3: what needs more than one key.
 */
static unsigned
eof_line(const struct st *st)
{
	return st->rd.lineno > 0 ? st->rd.lineno : 1;
}

static void
days_format(uint8_t days, char *buf, size_t len)
{
	size_t o = 0;
	int k, j;

	buf[0] = '\0';
	for (k = 0; k < 7; k = j) {
		if (!(days & (1u << week_order[k]))) {
			j = k + 1;
			continue;
		}
		for (j = k + 1; j < 7 && (days & (1u << week_order[j])); j++)
			;
		if (o >= len)
			break;
		if (j - k > 1)
			o += (size_t)snprintf(buf + o, len - o, "%s%s-%s",
			    o > 0 ? ", " : "", day_names[week_order[k]],
			    day_names[week_order[j - 1]]);
		else
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    o > 0 ? ", " : "", day_names[week_order[k]]);
	}
	if (o == 0)
		snprintf(buf, len, "none");
}

static void
wset_format(const struct wset *ws, char *buf, size_t len)
{
	size_t o = 0, i;

	buf[0] = '\0';
	for (i = 0; i < ws->n && o + 16 < len; i++) {
		if (i > 0)
			o += (size_t)snprintf(buf + o, len - o, ", ");
		o += (size_t)config_format_window(&ws->w[i], buf + o, len - o);
	}
	if (ws->n == 0)
		snprintf(buf, len, "none");
}

/* in lies within out on the day out starts, or on the next. */
static bool
window_inside(const struct config_window *in, const struct config_window *out)
{
	const unsigned day = CONFIG_DAY_MINUTES;
	unsigned i0, i1, o0, o1;

	window_span(in, &i0, &i1);
	window_span(out, &o0, &o1);
	return (i0 >= o0 && i1 <= o1) || (i0 + day >= o0 && i1 + day <= o1);
}

static void
whole_schedule(struct st *st)
{
	struct config *cfg = st->cfg;
	const struct rsect *s = st->first[SECT_SCHEDULE];
	const struct wset *lw, *bw;
	struct kctx kc;
	char daybuf[64], missing[64], wb[16], lb[256];
	bool bad, reported[CONFIG_RANGES_MAX];
	uint8_t days = cfg->schedule.school_days;
	size_t i, j, o = 0;
	int k, d;

	if (s == NULL || s->kind != SECT_SCHEDULE) {
		lerr(st, eof_line(st), "missing [schedule] section (lessons is "
		    "required)");
		return;
	}
	kc.st = st;
	kc.sec = s;
	days_format(days, daybuf, sizeof(daybuf));
	missing[0] = '\0';
	bad = st->lessons.bad || st->breaks.bad;
	for (k = 0; k < 7; k++) {
		d = week_order[k];
		bad |= st->lessons_on[d].bad || st->breaks_on[d].bad;
		if (days & (1u << d)) {
			if (st->lessons.key == NULL &&
			    st->lessons_on[d].key == NULL && o < sizeof(missing))
				o += (size_t)snprintf(missing + o,
				    sizeof(missing) - o, "%s%s", o ? ", " : "",
				    day_names[d]);
			continue;
		}
		/* lessons.sat when sat is no school day: a typo somewhere. */
		if ((kc.key = st->lessons_on[d].key) != NULL) {
			kerr(&kc, NULL, "%s is not a school day (school_days = "
			    "%s)", day_names[d], daybuf);
			bad = true;
		}
		if ((kc.key = st->breaks_on[d].key) != NULL) {
			kerr(&kc, NULL, "%s is not a school day (school_days = "
			    "%s)", day_names[d], daybuf);
			bad = true;
		}
	}
	if (o > 0) {
		serr(st, s, "no lessons on %s (set lessons, or lessons.DAY for "
		    "every school day)", missing);
		bad = true;
	}
	for (d = 0; d < 7; d++) {
		if (st->lessons_on[d].key != NULL)
			cfg->schedule.lessons_on_set |= (uint8_t)(1u << d);
		if (st->breaks_on[d].key != NULL)
			cfg->schedule.breaks_on_set |= (uint8_t)(1u << d);
		cfg->schedule.lessons_on[d].v = st->lessons_on[d].w;
		cfg->schedule.lessons_on[d].n = st->lessons_on[d].n;
		cfg->schedule.breaks_on[d].v = st->breaks_on[d].w;
		cfg->schedule.breaks_on[d].n = st->breaks_on[d].n;
		if (!(days & (1u << d)))
			continue;
		lw = st->lessons_on[d].key != NULL ? &st->lessons_on[d] :
		    &st->lessons;
		bw = st->breaks_on[d].key != NULL ? &st->breaks_on[d] :
		    &st->breaks;
		cfg->schedule.day_lessons[d].v = lw->w;
		cfg->schedule.day_lessons[d].n = lw->n;
		cfg->schedule.day_breaks[d].v = bw->w;
		cfg->schedule.day_breaks[d].n = bw->n;
	}
	cfg->schedule.lessons.v = st->lessons.w;
	cfg->schedule.lessons.n = st->lessons.n;
	cfg->schedule.breaks.v = st->breaks.w;
	cfg->schedule.breaks.n = st->breaks.n;
	if (bad)
		return;
	/* Breaks lie inside the lessons of their day: a break is time
	 * inside lessons that counts as outside. */
	memset(reported, 0, sizeof(reported));
	for (k = 0; k < 7; k++) {
		d = week_order[k];
		if (!(days & (1u << d)))
			continue;
		lw = st->lessons_on[d].key != NULL ? &st->lessons_on[d] :
		    &st->lessons;
		bw = st->breaks_on[d].key != NULL ? &st->breaks_on[d] :
		    &st->breaks;
		for (i = 0; i < bw->n; i++) {
			if (bw == &st->breaks && reported[i])
				continue;
			for (j = 0; j < lw->n; j++)
				if (window_inside(&bw->w[i], &lw->w[j]))
					break;
			if (j < lw->n)
				continue;
			if (bw == &st->breaks)
				reported[i] = true;
			config_format_window(&bw->w[i], wb, sizeof(wb));
			wset_format(lw, lb, sizeof(lb));
			kc.key = bw->key;
			kerr(&kc, bw->frag[i], "break %s is outside the lessons "
			    "of %s (%s = %s)%s%s", wb, day_names[d],
			    lw->key != NULL ? lw->key->name : "lessons", lb,
			    bw == &st->breaks && lw != &st->lessons ?
			    "; set breaks." : "",
			    bw == &st->breaks && lw != &st->lessons ?
			    day_names[d] : "");
		}
	}
}

static const struct config_group *
group_lookup(const struct st *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->ngroups; i++)
		if (strcmp(st->groups[i].name, name) == 0)
			return &st->groups[i];
	return NULL;
}

static void
whole_names(struct st *st)
{
	struct kctx kc;
	size_t i;

	kc.st = st;
	for (i = 0; i < st->npersons; i++) {
		const struct xperson *xp = &st->xpersons[i];

		if (xp->gname == NULL)
			continue;
		if ((st->persons[i].group = group_lookup(st, xp->gname)) ==
		    NULL) {
			kc.sec = xp->sec;
			kc.key = xp->kgroup;
			kerr(&kc, NULL, "there is no [group %s]", xp->gname);
		}
	}
	if (st->default_group != NULL &&
	    strcmp(st->default_group, "none") != 0 &&
	    (st->cfg->gateway.default_group = group_lookup(st,
	    st->default_group)) == NULL) {
		kc.sec = st->first[SECT_GATEWAY];
		kc.key = st->kdefault_group;
		kerr(&kc, NULL, "there is no [group %s]", st->default_group);
	}
}

static void dev_err(struct st *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* An error about device i, where it is written. */
static void
dev_err(struct st *st, size_t i, const char *fmt, ...)
{
	const struct devmeta *m = &st->meta[i];
	struct kctx kc = { st, m->sec, m->key };
	char body[1024];
	va_list ap;

	if (!err_keep(st, m->frag->line)) {
		err_drop(st);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (m->included)
		ierr(st, st->dev[i].file, st->dev[i].line, m->frag->line, "%s",
		    body);
	else
		kerr(&kc, m->frag, "%s", body);
}

struct dkey {
	uint8_t		k[20];
	uint32_t	idx;
};

static int
dkey_cmp(const void *a, const void *b)
{
	const struct dkey *x = a, *y = b;
	int c;

	if ((c = memcmp(x->k, y->k, sizeof(x->k))) != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * A device written twice: for persons or among group members.  A person's
 * device may also be a group member (the person wins), so the two are
 * checked apart.
 */
static void
whole_duplicates(struct st *st, bool persons)
{
	const struct config_device *dv;
	const struct devmeta *a, *b;
	struct dkey *v;
	char db[ADDR_STRLEN];
	size_t n = 0, i, j;

	if ((v = calloc(st->ndev + 1, sizeof(*v))) == NULL) {
		st->oom = true;
		return;
	}
	for (i = 0; i < st->ndev; i++) {
		if ((st->meta[i].sec->kind == SECT_PERSON) != persons)
			continue;
		dv = &st->dev[i];
		v[n].k[0] = (uint8_t)dv->kind;
		if (dv->kind == CONFIG_DEV_MAC)
			memcpy(v[n].k + 1, dv->mac.bytes, 6);
		else {
			v[n].k[1] = dv->prefix.a.family;
			v[n].k[2] = dv->prefix.prefix;
			memcpy(v[n].k + 3, dv->prefix.a.bytes, 16);
		}
		v[n++].idx = (uint32_t)i;
	}
	qsort(v, n, sizeof(*v), dkey_cmp);
	for (i = 1, j = 0; i < n; i++) {
		if (memcmp(v[i].k, v[j].k, sizeof(v[i].k)) != 0) {
			j = i;
			continue;
		}
		a = &st->meta[v[j].idx];
		b = &st->meta[v[i].idx];
		device_format(&st->dev[v[i].idx], db, sizeof(db));
		if (a->sec == b->sec)
			dev_err(st, v[i].idx, "%s is listed twice, first at "
			    "%s:%u", db, st->dev[v[j].idx].file,
			    st->dev[v[j].idx].line);
		else
			dev_err(st, v[i].idx, "%s is already %s [%s] at %s:%u",
			    db, persons ? "a device of" : "a member of",
			    a->sec->hdr, st->dev[v[j].idx].file,
			    st->dev[v[j].idx].line);
	}
	free(v);
}

/* Clients are on the LAN: a device outside it is a typo. */
static void
whole_lan(struct st *st)
{
	const struct config *cfg = st->cfg;
	const struct cidr *d, *l;
	char db[ADDR_STRLEN], lb[256];
	size_t i, j, o = 0;

	if (st->lan_bad || cfg->gateway.nlan == 0)
		return;
	lb[0] = '\0';
	for (j = 0; j < cfg->gateway.nlan && o + ADDR_STRLEN + 8 < sizeof(lb);
	    j++) {
		if (j > 0)
			o += (size_t)snprintf(lb + o, sizeof(lb) - o, ", ");
		inifile_format_prefix(&cfg->gateway.lan[j], lb + o, sizeof(lb) - o);
		o = strlen(lb);
	}
	for (i = 0; i < st->ndev; i++) {
		if (st->dev[i].kind != CONFIG_DEV_PREFIX)
			continue;
		d = &st->dev[i].prefix;
		for (j = 0; j < cfg->gateway.nlan; j++) {
			l = &cfg->gateway.lan[j];
			if (l->prefix <= d->prefix && cidr_contains(l, &d->a))
				break;
		}
		if (j < cfg->gateway.nlan)
			continue;
		inifile_format_prefix(d, db, sizeof(db));
		dev_err(st, i, "%s is outside lan (%s)", db, lb);
	}
}

static void
whole_blockpage(struct st *st)
{
	const struct config *cfg = st->cfg;
	const struct rsect *s = st->first[SECT_BLOCKPAGE];
	struct kctx kc = { st, s, NULL };

	if (s == NULL || s->kind != SECT_BLOCKPAGE)
		return;
	if ((cfg->blockpage.ca_cert == NULL) !=
	    (cfg->blockpage.ca_key == NULL)) {
		if ((kc.key = sect_key(s, K_CA_CERT)) != NULL &&
		    cfg->blockpage.ca_cert != NULL)
			kerr(&kc, NULL, "ca_key is not set (set both ca_cert "
			    "and ca_key, or neither)");
		else if ((kc.key = sect_key(s, K_CA_KEY)) != NULL &&
		    cfg->blockpage.ca_key != NULL)
			kerr(&kc, NULL, "ca_cert is not set (set both ca_cert "
			    "and ca_key, or neither)");
		return;
	}
	if (cfg->blockpage.enabled && cfg->blockpage.ca_cert != NULL &&
	    cfg->blockpage.tls_port == cfg->blockpage.port &&
	    (kc.key = sect_key(s, K_TLS_PORT)) != NULL)
		kerr(&kc, NULL, "tls_port is the port of listen; the HTTPS "
		    "block page needs a port of its own");
	else if (cfg->blockpage.enabled && cfg->blockpage.ca_cert != NULL &&
	    cfg->blockpage.tls_port == cfg->blockpage.port &&
	    (kc.key = sect_key(s, K_LISTEN)) != NULL)
		kerr(&kc, NULL, "the port of listen is tls_port's (%u); the "
		    "HTTPS block page needs a port of its own",
		    (unsigned)cfg->blockpage.tls_port);
	if (cfg->blockpage.ca_cert != NULL && !cfg->blockpage.enabled &&
	    (kc.key = sect_key(s, K_CA_CERT)) != NULL &&
	    sect_key(s, K_LISTEN) != NULL)
		kerr(&kc, NULL, "the block page needs a listen address to use "
		    "a CA (listen = none)");
	else if (cfg->blockpage.ca_cert != NULL && !cfg->blockpage.enabled &&
	    (kc.key = sect_key(s, K_CA_CERT)) != NULL)
		kerr(&kc, NULL, "the block page needs a listen address to use "
		    "a CA (listen is not set)");
}

static void
whole_pass(struct st *st)
{
	const struct rsect *gw = st->first[SECT_GATEWAY];

	if (st->oom)
		return;
	if (gw == NULL || gw->kind != SECT_GATEWAY)
		lerr(st, eof_line(st), "missing [gateway] section (interface "
		    "and lan are required)");
	whole_schedule(st);
	whole_names(st);
	whole_duplicates(st, false);
	whole_duplicates(st, true);
	whole_lan(st);
	whole_blockpage(st);
}

/* Hand the devices to their owners, in the config's arena. */
static void
finish(struct st *st)
{
	struct config *cfg = st->cfg;
	struct config_device *dv;
	struct config_source *src;
	size_t i, j;

	dv = cfg_array(st, st->ndev + 1, sizeof(*dv));
	src = cfg_array(st, st->nsrc + 1, sizeof(*src));
	if (dv == NULL || src == NULL)
		return;
	if (st->ndev > 0)
		memcpy(dv, st->dev, st->ndev * sizeof(*dv));
	if (st->nsrc > 0)
		memcpy(src, st->src, st->nsrc * sizeof(*src));
	for (i = 0; i < st->ngroups; i++) {
		const struct xgroup *x = &st->xgroups[i];
		struct config_devices *m = &st->groups[i].members;

		for (j = x->src0; j < x->src0 + x->nsrc; j++)
			src[j].first -= x->dev0;
		m->v = dv + x->dev0;
		m->n = x->ndev;
		m->src = src + x->src0;
		m->nsrc = x->nsrc;
	}
	for (i = 0; i < st->npersons; i++) {
		const struct xperson *x = &st->xpersons[i];
		struct config_devices *m = &st->persons[i].devices;

		for (j = x->src0; j < x->src0 + x->nsrc; j++)
			src[j].first -= x->dev0;
		m->v = dv + x->dev0;
		m->n = x->ndev;
		m->src = src + x->src0;
		m->nsrc = x->nsrc;
	}
	cfg->groups = st->groups;
	cfg->ngroups = st->ngroups;
	cfg->persons = st->persons;
	cfg->npersons = st->npersons;
}

static int
cerr_cmp(const void *a, const void *b)
{
	const struct cerr *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The messages, one a line, in file order. */
static char *
cause_build(struct st *st)
{
	char *s, more[PATH_MAX + 64];
	size_t len = 1, o = 0, i;

	qsort(st->err, st->nerr, sizeof(st->err[0]), cerr_cmp);
	more[0] = '\0';
	if (st->more > 0)
		snprintf(more, sizeof(more), "%s: %zu more error%s not shown\n",
		    st->path, st->more, st->more == 1 ? "" : "s");
	for (i = 0; i < st->nerr; i++)
		len += strlen(st->err[i].msg) + 1;
	len += strlen(more);
	if ((s = malloc(len)) == NULL)
		return NULL;
	for (i = 0; i < st->nerr; i++) {
		o += (size_t)snprintf(s + o, len - o, "%s\n", st->err[i].msg);
	}
	snprintf(s + o, len - o, "%s", more);
	return s;
}

static void
st_free(struct st *st)
{
	size_t i;

	for (i = 0; i < st->nerr; i++)
		free(st->err[i].msg);
	free(st->dev);
	free(st->meta);
	free(st->src);
	arena_free(&st->tmp);
	free(st);
}

struct config *
config_load(const char *path, char **cause)
{
	struct config_arena *ar = NULL;
	struct config *cfg = NULL;
	const char *slash;
	struct st *st;
	char *buf = NULL;
	size_t len;
	int rc;

	if (cause != NULL)
		*cause = NULL;
	if (path == NULL)
		path = "(null)";
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (ar = calloc(1, sizeof(*ar))) == NULL ||
	    (cfg = arena_alloc(ar, sizeof(*cfg))) == NULL)
		goto oom;
	cfg->arena = ar;
	st->cfg = cfg;
	st->ar = ar;
	st->stail = &st->sects;
	if ((st->path = cfg_strndup(st, path, strlen(path))) == NULL)
		goto oom;
	cfg->path = st->path;
	/* @files are relative to the config's directory, '/' kept. */
	slash = strrchr(path, '/');
	st->dir = slash != NULL ? arena_strndup(&st->tmp, path,
	    (size_t)(slash - path) + 1) : "";
	if (st->dir == NULL)
		goto oom;
	defaults(cfg);
	if ((rc = read_file(path, &buf, &len)) < 0) {
		if (rc == -ENOMEM)
			goto oom;
		err_add(st, 0, "%s: cannot read: %s", path, read_error(rc));
		goto fail;
	}
	st->rd.ops = &lex_ops;
	st->rd.arg = st;
	st->rd.buf = buf;
	st->rd.len = len;
	st->rd.line_max = CONFIG_LINE_MAX;
	st->rd.quote_max = QUOTE_MAX;
	st->rd.stop = &st->oom;
	rc = inifile_read(&st->rd);
	free(buf);
	buf = NULL;
	if (rc == -2)
		goto oom;
	if (rc != 0 && !has_errors(st))
		lerr(st, rc > 0 ? (unsigned)rc : 1, "the INI parser rejected "
		    "this line");
	if (st->oom)
		goto oom;
	lex_finish(st);
	values_pass(st);
	whole_pass(st);
	if (st->oom)
		goto oom;
	if (has_errors(st))
		goto fail;
	finish(st);
	if (st->oom)
		goto oom;
	st_free(st);
	return cfg;
 oom:
	if (cause != NULL)
		*cause = strdup("out of memory while reading the "
		    "configuration\n");
	goto out;
 fail:
	if (cause != NULL)
		*cause = cause_build(st);
 out:
	free(buf);
	if (st != NULL)
		st_free(st);
	if (ar != NULL) {
		arena_free(ar);
		free(ar);
	}
	return NULL;
}

void
config_free(struct config *cfg)
{
	struct config_arena *ar;

	if (cfg == NULL)
		return;
	ar = cfg->arena;
	arena_free(ar);
	free(ar);
}

const struct config_group *
config_group_find(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->ngroups; i++)
		if (strcmp(cfg->groups[i].name, name) == 0)
			return &cfg->groups[i];
	return NULL;
}

const struct config_person *
config_person_find(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->npersons; i++)
		if (strcmp(cfg->persons[i].name, name) == 0)
			return &cfg->persons[i];
	return NULL;
}

/*
 * config_print.  Lists wrap before PRINT_COLS onto indented continuation
 * lines, so every line stays far below CONFIG_LINE_MAX and the output
 * loads back.
 */
struct pr {
	FILE		*f;
	size_t		 col;
	size_t		 items;
};

static void
pr_start(struct pr *p, FILE *f, const char *key)
{
	p->f = f;
	p->items = 0;
	p->col = strlen(key) + 2;
	fprintf(f, "%s =", key);
}

static void
pr_item(struct pr *p, const char *s)
{
	size_t len = strlen(s);

	if (p->items == 0) {
		fputc(' ', p->f);
		p->col++;
	} else if (p->col + 2 + len + 1 > PRINT_COLS) {	/* and a ',' */
		fputs(",\n\t", p->f);
		p->col = 8;
	} else {
		fputs(", ", p->f);
		p->col += 2;
	}
	fputs(s, p->f);
	p->col += len;
	p->items++;
}

static void
pr_end(struct pr *p)
{
	if (p->items == 0)
		fputs(" none", p->f);
	fputc('\n', p->f);
}

static void
pr_value(FILE *f, const char *key, const char *value)
{
	fprintf(f, "%s = %s\n", key, value != NULL ? value : "none");
}

/* Would a continuation line starting at s read as "key = ..."? */
static bool
keylike(const char *s)
{
	size_t i;

	for (i = 0; inifile_key_char(s[i]); i++)
		;
	while (is_blank(s[i]))
		i++;
	return i > 0 && s[i] == '=';
}

/* Text: words wrapped with single spaces, as the loader joins them. */
static void
pr_text(FILE *f, const char *key, const char *text)
{
	const char *w, *e;
	size_t col, len;

	if (text == NULL) {
		pr_value(f, key, NULL);
		return;
	}
	fprintf(f, "%s =", key);
	col = strlen(key) + 2;
	for (w = text; *w != '\0'; w = *e != '\0' ? e + 1 : e) {
		if ((e = strchr(w, ' ')) == NULL)
			e = w + strlen(w);
		len = (size_t)(e - w);
		/* Never start a line with "key =" (it would read as a key)
		 * unless the line grows too long otherwise. */
		if ((col + 1 + len > PRINT_COLS && !keylike(w) &&
		    (w != text || col + 1 + len >= CONFIG_LINE_MAX)) ||
		    (w != text && col + 1 + len >= CONFIG_LINE_MAX - 8)) {
			fputs("\n\t", f);
			col = 8;
		} else {
			fputc(' ', f);
			col++;
		}
		fwrite(w, 1, len, f);
		col += len;
	}
	fputc('\n', f);
}

static void
pr_prefixes(FILE *f, const char *key, const struct cidr *c, size_t n)
{
	char buf[ADDR_STRLEN];
	struct pr p;
	size_t i;

	pr_start(&p, f, key);
	for (i = 0; i < n; i++) {
		inifile_format_prefix(&c[i], buf, sizeof(buf));
		pr_item(&p, buf);
	}
	pr_end(&p);
}

static void
pr_windows(FILE *f, const char *key, const struct config_windows *ws)
{
	char buf[16];
	struct pr p;
	size_t i;

	pr_start(&p, f, key);
	for (i = 0; i < ws->n; i++) {
		config_format_window(&ws->v[i], buf, sizeof(buf));
		pr_item(&p, buf);
	}
	pr_end(&p);
}

static void
pr_dateranges(FILE *f, const char *key, const struct config_dateranges *r)
{
	char buf[32];
	struct pr p;
	size_t i;

	pr_start(&p, f, key);
	for (i = 0; i < r->n; i++) {
		config_format_daterange(&r->v[i], buf, sizeof(buf));
		pr_item(&p, buf);
	}
	pr_end(&p);
}

static void
pr_devices(FILE *f, const char *key, const struct config_devices *d)
{
	char buf[CONFIG_PATH_MAX + ADDR_STRLEN];
	struct pr p;
	size_t i;

	pr_start(&p, f, key);
	for (i = 0; i < d->nsrc; i++) {
		if (d->src[i].include != NULL)
			snprintf(buf, sizeof(buf), "@%s", d->src[i].include);
		else if (d->src[i].first < d->n)
			device_format(&d->v[d->src[i].first], buf, sizeof(buf));
		else
			continue;
		pr_item(&p, buf);
	}
	pr_end(&p);
}

static void
pr_words(FILE *f, const char *key, const char *const *w, size_t n)
{
	struct pr p;
	size_t i;

	pr_start(&p, f, key);
	for (i = 0; i < n; i++)
		pr_item(&p, w[i]);
	pr_end(&p);
}

void
config_print(FILE *f, const struct config *cfg)
{
	static const char *const on_exit_words[] = { "keep", "flush" };
	static const char *const lessons_words[] = { "block", "allow" };
	static const char *const outside_words[] = {
		"block", "quota", "allow"
	};
	const struct config_group *g;
	const struct config_person *pe;
	char buf[ADDR_STRLEN + 16], key[32];
	size_t i;
	int k, d;

	fprintf(f, "[gateway]\n");
	pr_words(f, "interface", cfg->gateway.interfaces,
	    cfg->gateway.ninterfaces);
	pr_prefixes(f, "lan", cfg->gateway.lan, cfg->gateway.nlan);
	pr_value(f, "timezone", cfg->gateway.timezone);
	pr_value(f, "state_dir", cfg->gateway.state_dir);
	pr_value(f, "platforms_dir", cfg->gateway.platforms_dir);
	pr_value(f, "overrides_dir", cfg->gateway.overrides_dir);
	pr_value(f, "control_socket", cfg->gateway.control_socket);
	if (cfg->gateway.metrics) {
		addr_format_port(&cfg->gateway.metrics_addr,
		    cfg->gateway.metrics_port, buf, sizeof(buf));
		pr_value(f, "metrics", buf);
	} else
		pr_value(f, "metrics", NULL);
	pr_value(f, "log_dir", cfg->gateway.log_dir);
	snprintf(buf, sizeof(buf), "%u", (unsigned)cfg->gateway.retention_days);
	pr_value(f, "retention_days", buf);
	pr_prefixes(f, "never_block", cfg->gateway.never_block,
	    cfg->gateway.nnever_block);
	if (cfg->gateway.nresolvers == 0)
		pr_value(f, "resolvers", "observed");
	else
		pr_prefixes(f, "resolvers", cfg->gateway.resolvers,
		    cfg->gateway.nresolvers);
	pr_value(f, "on_exit", on_exit_words[cfg->gateway.on_exit]);
	config_format_duration(cfg->gateway.tick, buf, sizeof(buf));
	pr_value(f, "tick", buf);
	config_format_size(cfg->gateway.capture_buffer, buf, sizeof(buf));
	pr_value(f, "capture_buffer", buf);
	pr_value(f, "default_group", cfg->gateway.default_group != NULL ?
	    cfg->gateway.default_group->name : NULL);

	fprintf(f, "\n[schedule]\n");
	days_format(cfg->schedule.school_days, buf, sizeof(buf));
	pr_value(f, "school_days", buf);
	pr_windows(f, "lessons", &cfg->schedule.lessons);
	for (k = 0; k < 7; k++) {
		d = week_order[k];
		if (!(cfg->schedule.lessons_on_set & (1u << d)))
			continue;
		snprintf(key, sizeof(key), "lessons.%s", day_names[d]);
		pr_windows(f, key, &cfg->schedule.lessons_on[d]);
	}
	pr_windows(f, "breaks", &cfg->schedule.breaks);
	for (k = 0; k < 7; k++) {
		d = week_order[k];
		if (!(cfg->schedule.breaks_on_set & (1u << d)))
			continue;
		snprintf(key, sizeof(key), "breaks.%s", day_names[d]);
		pr_windows(f, key, &cfg->schedule.breaks_on[d]);
	}
	if (cfg->schedule.terms_set)
		pr_dateranges(f, "terms", &cfg->schedule.terms);
	else
		pr_value(f, "terms", "all");
	pr_dateranges(f, "closed", &cfg->schedule.closed);

	for (i = 0; i < cfg->ngroups; i++) {
		g = &cfg->groups[i];
		fprintf(f, "\n[group %s]\n", g->name);
		pr_devices(f, "members", &g->members);
		pr_value(f, "lessons", lessons_words[g->lessons]);
		pr_value(f, "outside", outside_words[g->outside]);
		config_format_duration(g->daily_quota, buf, sizeof(buf));
		pr_value(f, "daily_quota", buf);
		config_format_size(g->active_bytes, buf, sizeof(buf));
		pr_value(f, "active_bytes", buf);
		pr_words(f, "platforms", g->platforms, g->nplatforms);
	}
	for (i = 0; i < cfg->npersons; i++) {
		pe = &cfg->persons[i];
		fprintf(f, "\n[person %s]\n", pe->name);
		pr_value(f, "group", pe->group->name);
		pr_devices(f, "devices", &pe->devices);
	}

	fprintf(f, "\n[blockpage]\n");
	if (cfg->blockpage.enabled) {
		char b2[2 * sizeof(buf) + 2];
		size_t n;

		n = addr_format_port(&cfg->blockpage.listen,
		    cfg->blockpage.port, b2, sizeof(b2));
		if (cfg->blockpage.listen_also.family != 0 &&
		    n + 2 < sizeof(b2)) {
			memcpy(b2 + n, ", ", 3);
			addr_format_port(&cfg->blockpage.listen_also,
			    cfg->blockpage.port, b2 + n + 2,
			    sizeof(b2) - n - 2);
		}
		pr_value(f, "listen", b2);
	} else
		pr_value(f, "listen", NULL);
	snprintf(buf, sizeof(buf), "%u", (unsigned)cfg->blockpage.tls_port);
	pr_value(f, "tls_port", buf);
	pr_value(f, "ca_cert", cfg->blockpage.ca_cert);
	pr_value(f, "ca_key", cfg->blockpage.ca_key);
	pr_text(f, "school", cfg->blockpage.school);
	pr_text(f, "contact", cfg->blockpage.contact);
	config_format_duration(cfg->blockpage.request_expiry, buf, sizeof(buf));
	pr_value(f, "request_expiry", buf);
	snprintf(buf, sizeof(buf), "%u",
	    (unsigned)cfg->blockpage.requests_per_day);
	pr_value(f, "requests_per_day", buf);
}
