/*
 * tz: a TZif reader (RFC 8536, versions 1 to 4) and the local time
 * arithmetic schoolgate needs, without the C library's TZ state.
 *
 * A zone is its transitions (the 64-bit block when the file has one),
 * its time types and, for instants at or after the last transition, the
 * POSIX TZ string of the footer.  Every conversion walks "spans": the
 * offset in force at an instant and the instant it next may change.
 * tz_local() takes one span; tz_instant() walks the few spans that can
 * hold the answer.  Nothing here allocates after tz_parse().
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cause.h"
#include "tz.h"

#define TZ_DIR_DEFAULT	"/usr/share/zoneinfo"
#define TZ_FILE_MAX	(1024 * 1024)	/* no real zone is over 4 KiB */
#define TZ_NAME_MAX	64
#define TZ_TYPES_MAX	256		/* a type index is one byte */
#define TZ_FOOTER_MAX	255		/* real ones are under 60 */
#define TZ_HEADER_LEN	44

/* RFC 8536 3.2: utoff SHOULD lie in [-89999, 93599] (over -25 h, under
 * 26 h).  We insist: it bounds every search in tz_instant(). */
#define TZ_OFF_MIN	(-89999)
#define TZ_OFF_MAX	93599

/* RFC 8536 3.3.1: a rule's time of day may be -167..167 hours. */
#define TZ_RULE_HOURS	167
/* POSIX: an offset's hours are 0..24. */
#define TZ_OFFSET_HOURS	24

/* Instants are clamped to +-2^46 s (2 million years), so that day
 * numbers fit int32_t and sums with offsets cannot overflow. */
#define TZ_T_LIM	((int64_t)1 << 46)

#define DAY		86400

struct tz_type {
	int32_t	off;		/* seconds east of UTC */
	uint8_t	isdst;
};

/* A date of a POSIX TZ rule. */
enum tz_rkind {
	TZ_RJULIAN,		/* Jn: 1..365, February 29 never counted */
	TZ_RZERO,		/* n: 0..365, February 29 counted */
	TZ_RMONTH,		/* Mm.w.d: day d of week w (5 = last) of m */
};

struct tz_rdate {
	enum tz_rkind	kind;
	unsigned	n;
	unsigned	m, w, d;
	int32_t		time;	/* local seconds after midnight */
};

struct tz_rule {
	int32_t		std;	/* seconds east */
	int32_t		dst;
	bool		has_dst;
	struct tz_rdate	start;	/* std -> dst, in standard time */
	struct tz_rdate	end;	/* dst -> std, in daylight time */
};

struct tz {
	char		*name;
	int64_t		*at;		/* transitions, strictly ascending */
	uint8_t		*idx;		/* the type from at[i] on */
	size_t		 n;
	struct tz_type	 type[TZ_TYPES_MAX];
	size_t		 ntypes;
	bool		 has_rule;	/* a non-empty footer */
	struct tz_rule	 rule;
	int32_t		 minoff;	/* over every type and the rule */
	int32_t		 maxoff;
};

static int64_t
floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t
clamp(int64_t t)
{
	return t < -TZ_T_LIM ? -TZ_T_LIM : t > TZ_T_LIM ? TZ_T_LIM : t;
}

/*
 * Civil dates (proleptic Gregorian), after Howard Hinnant's
 * days_from_civil and civil_from_days: exact for any year an int64_t
 * day count can hold.
 */
static int64_t
days64(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil64(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int32_t
tz_days_from_civil(int32_t year, unsigned month, unsigned day)
{
	return (int32_t)days64(year, month, day);
}

void
tz_civil_from_days(int32_t days, int32_t *year, unsigned *month,
    unsigned *day)
{
	int64_t y;

	civil64(days, &y, month, day);
	*year = (int32_t)y;
}

static bool
leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/*
 * The POSIX TZ string of the footer (RFC 8536 3.3; POSIX 8.3 with the
 * 3.3.1 extensions).  Parsed from [s, end); true when it is whole.
 */
static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* 1..maxd digits, at most max. */
static bool
rule_num(const char **sp, const char *end, unsigned maxd, unsigned max,
    unsigned *ret)
{
	const char *s = *sp;
	unsigned v = 0, nd = 0;

	while (s < end && is_digit(*s) && nd < maxd) {
		v = v * 10 + (unsigned)(*s - '0');
		s++;
		nd++;
	}
	if (nd == 0 || v > max)
		return false;
	*sp = s;
	*ret = v;
	return true;
}

/* A zone abbreviation: 3 or more letters, or "<" 3 or more of
 * letters, digits, '+' and '-' ">". */
static bool
rule_abbr(const char **sp, const char *end)
{
	const char *s = *sp, *b;

	if (s < end && *s == '<') {
		for (b = ++s; s < end && (is_alpha(*s) || is_digit(*s) ||
		    *s == '+' || *s == '-'); s++)
			;
		if (s == end || *s != '>' || s - b < 3)
			return false;
		*sp = s + 1;
		return true;
	}
	for (b = s; s < end && is_alpha(*s); s++)
		;
	if (s - b < 3)
		return false;
	*sp = s;
	return true;
}

/* [+-]h[h[h]][:mm[:ss]] with hours at most maxh, in seconds. */
static bool
rule_hms(const char **sp, const char *end, unsigned maxh, int32_t *ret)
{
	const char *s = *sp;
	unsigned h, m = 0, sec = 0;
	int sign = 1;

	if (s < end && (*s == '+' || *s == '-')) {
		sign = *s == '-' ? -1 : 1;
		s++;
	}
	if (!rule_num(&s, end, 3, maxh, &h))
		return false;
	if (s < end && *s == ':') {
		s++;
		if (!rule_num(&s, end, 2, 59, &m))
			return false;
		if (s < end && *s == ':') {
			s++;
			if (!rule_num(&s, end, 2, 59, &sec))
				return false;
		}
	}
	*ret = sign * (int32_t)(h * 3600 + m * 60 + sec);
	*sp = s;
	return true;
}

/* date[/time]; the time defaults to 02:00:00. */
static bool
rule_date(const char **sp, const char *end, struct tz_rdate *r)
{
	const char *s = *sp;

	if (s < end && *s == 'J') {
		s++;
		r->kind = TZ_RJULIAN;
		if (!rule_num(&s, end, 3, 365, &r->n) || r->n < 1)
			return false;
	} else if (s < end && *s == 'M') {
		s++;
		r->kind = TZ_RMONTH;
		if (!rule_num(&s, end, 2, 12, &r->m) || r->m < 1 ||
		    s == end || *s++ != '.' ||
		    !rule_num(&s, end, 1, 5, &r->w) || r->w < 1 ||
		    s == end || *s++ != '.' ||
		    !rule_num(&s, end, 1, 6, &r->d))
			return false;
	} else {
		r->kind = TZ_RZERO;
		if (!rule_num(&s, end, 3, 365, &r->n))
			return false;
	}
	r->time = 2 * 3600;
	if (s < end && *s == '/') {
		s++;
		if (!rule_hms(&s, end, TZ_RULE_HOURS, &r->time))
			return false;
	}
	*sp = s;
	return true;
}

static bool
off_ok(int32_t off)
{
	return off >= TZ_OFF_MIN && off <= TZ_OFF_MAX;
}

/*
 * std offset [dst [offset] ,start[/time],end[/time]].  POSIX leaves the
 * rule out of "EST5EDT" to the implementation; we refuse it, since every
 * zic footer with a dst part has its rule and none may be made up.
 */
static bool
rule_parse(const char *s, const char *end, struct tz_rule *r)
{
	int32_t v;

	memset(r, 0, sizeof(*r));
	if (!rule_abbr(&s, end) || !rule_hms(&s, end, TZ_OFFSET_HOURS, &v))
		return false;
	r->std = -v;			/* POSIX offsets are west of UTC */
	if (s == end)
		return true;
	r->has_dst = true;
	if (!rule_abbr(&s, end))
		return false;
	r->dst = r->std + 3600;
	if (s < end && *s != ',') {
		if (!rule_hms(&s, end, TZ_OFFSET_HOURS, &v))
			return false;
		r->dst = -v;
	}
	if (!off_ok(r->std) || !off_ok(r->dst))
		return false;
	if (s == end || *s++ != ',' || !rule_date(&s, end, &r->start) ||
	    s == end || *s++ != ',' || !rule_date(&s, end, &r->end))
		return false;
	return s == end;
}

/* The day number of a rule date in year y. */
static int64_t
rdate_day(const struct tz_rdate *r, int64_t y)
{
	static const uint8_t mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int64_t first, day;
	unsigned wd, len;

	switch (r->kind) {
	case TZ_RJULIAN:
		return days64(y, 1, 1) + r->n - 1 + (leap(y) && r->n >= 60);
	case TZ_RZERO:
		return days64(y, 1, 1) + r->n;
	case TZ_RMONTH:
		break;
	}
	first = days64(y, r->m, 1);
	wd = (unsigned)((first % 7 + 7 + 4) % 7);	/* 1970-01-01: Thu */
	day = first + (r->d + 7 - wd) % 7 + 7 * (int64_t)(r->w - 1);
	len = mdays[r->m - 1] + (r->m == 2 && leap(y));
	while (day >= first + len)	/* w == 5: the last one */
		day -= 7;
	return day;
}

struct tz_event {
	int64_t	at;
	bool	dst;
};

/*
 * The changes of year y, in order, as zic reads the rule: the earlier of
 * the two instants first.  A year whose daylight time lasts the whole
 * year (RFC 8536 3.3.1: "J1/0,J365/25") changes to daylight time at its
 * start and stays.
 */
static size_t
rule_year(const struct tz_rule *r, int64_t y, struct tz_event ev[2])
{
	int64_t s, e, ysecs = (leap(y) ? 366 : 365) * (int64_t)DAY;

	s = rdate_day(&r->start, y) * DAY + r->start.time - r->std;
	e = rdate_day(&r->end, y) * DAY + r->end.time - r->dst;
	if (e < s) {			/* southern: daylight over new year */
		ev[0].at = e;
		ev[0].dst = false;
		ev[1].at = s;
		ev[1].dst = true;
		return 2;
	}
	if (s == e)
		return 0;
	if (e - s >= ysecs) {
		ev[0].at = days64(y, 1, 1) * DAY - r->std;
		ev[0].dst = true;
		return 1;
	}
	ev[0].at = s;
	ev[0].dst = true;
	ev[1].at = e;
	ev[1].dst = false;
	return 2;
}

/*
 * The rule's reading at t and the first instant after t it may change.
 * A year's changes lie within 8 days of it (times of +-167 h), so the
 * years around t's UTC year decide; the span stops at that year's end
 * so that every instant of it is read from the same years.
 */
static void
rule_span(const struct tz_rule *r, int64_t t, struct tz_type *ret,
    int64_t *until)
{
	struct tz_event ev[2];
	int64_t y, yy;
	unsigned m, d;
	size_t n, i;
	bool dst = false;

	if (!r->has_dst) {
		ret->off = r->std;
		ret->isdst = 0;
		*until = INT64_MAX;
		return;
	}
	civil64(floordiv(t, DAY), &y, &m, &d);
	*until = days64(y + 1, 1, 1) * DAY;
	for (yy = y - 2; yy <= y + 1; yy++) {
		n = rule_year(r, yy, ev);
		for (i = 0; i < n; i++) {
			if (ev[i].at <= t)
				dst = ev[i].dst;
			else if (ev[i].at < *until)
				*until = ev[i].at;
		}
	}
	ret->off = dst ? r->dst : r->std;
	ret->isdst = dst;
}

/* The type in force at t and the first instant after t it may change
 * (INT64_MAX for never). */
static void
tz_span(const struct tz *tz, int64_t t, struct tz_type *ret, int64_t *until)
{
	size_t lo, hi, mid;

	if (tz->n == 0 || t >= tz->at[tz->n - 1]) {
		/* RFC 8536 3.3: the footer applies from the last transition
		 * on; with none, to every instant. */
		if (tz->has_rule) {
			rule_span(&tz->rule, t, ret, until);
			return;
		}
		*ret = tz->type[tz->n == 0 ? 0 : tz->idx[tz->n - 1]];
		*until = INT64_MAX;
		return;
	}
	if (t < tz->at[0]) {
		/* RFC 8536 3.2: before the first transition, type 0. */
		*ret = tz->type[0];
		*until = tz->at[0];
		return;
	}
	lo = 0;				/* at[lo] <= t < at[hi] */
	hi = tz->n - 1;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (tz->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	*ret = tz->type[tz->idx[lo]];
	*until = tz->at[hi];
}

void
tz_local(const struct tz *tz, int64_t t, struct tz_local *ret)
{
	struct tz_type ty;
	int64_t until, lt, day;

	t = clamp(t);
	tz_span(tz, t, &ty, &until);
	lt = t + ty.off;
	day = floordiv(lt, DAY);
	ret->day = (int32_t)day;
	ret->sec = (int32_t)(lt - day * DAY);
	ret->offset = ty.off;
	ret->wday = (uint8_t)((day % 7 + 7 + 4) % 7);
	ret->isdst = ty.isdst;
}

/*
 * The first instant whose local time is at or after w.  Within a span
 * of offset o that is max(span start, w - o) when that lies in the span;
 * the first span where it does holds the answer.  The answer lies in
 * [w - maxoff, w - minoff], so the walk starts at w - maxoff and ends at
 * the latest in the span holding w - minoff: a step or two in a real
 * zone, since offsets change months apart.
 */
int64_t
tz_instant(const struct tz *tz, int32_t day, int32_t sec)
{
	struct tz_type ty;
	int64_t w, x, c, until;

	w = clamp((int64_t)day * DAY + sec);
	x = w - tz->maxoff;
	for (;;) {
		tz_span(tz, x, &ty, &until);
		c = w - ty.off;
		if (c < x)
			c = x;
		if (c < until)
			return c;
		x = until;
	}
}

size_t
tz_format(const struct tz *tz, int64_t t, char *buf, size_t len)
{
	struct tz_local l;
	int64_t y;
	unsigned m, d;
	int32_t off;
	char sign;

	if (len == 0)
		return 0;
	tz_local(tz, t, &l);
	civil64(l.day, &y, &m, &d);
	sign = l.offset < 0 ? '-' : '+';
	off = l.offset < 0 ? -l.offset : l.offset;
	/* Seconds in the offset only where there are some (LMT). */
	if (off % 60 != 0)
		snprintf(buf, len, "%04lld-%02u-%02uT%02d:%02d:%02d%c%02d:%02d:%02d",
		    (long long)y, m, d, l.sec / 3600, l.sec / 60 % 60,
		    l.sec % 60, sign, off / 3600, off / 60 % 60, off % 60);
	else
		snprintf(buf, len, "%04lld-%02u-%02uT%02d:%02d:%02d%c%02d:%02d",
		    (long long)y, m, d, l.sec / 3600, l.sec / 60 % 60,
		    l.sec % 60, sign, off / 3600, off / 60 % 60);
	return strlen(buf);
}

/*
 * TZif parsing.
 */
struct tzif_hdr {
	uint8_t		version;	/* 0, '2', '3' or '4' */
	uint32_t	isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* RFC 8536 3.1.  Fills h from p; the caller checked 44 bytes. */
static void
tzif_header(const uint8_t *p, struct tzif_hdr *h)
{
	h->version = p[4];
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
}

static void
tz_bounds(struct tz *tz)
{
	size_t i;

	tz->minoff = tz->maxoff = tz->type[0].off;
	for (i = 1; i < tz->ntypes; i++) {
		if (tz->type[i].off < tz->minoff)
			tz->minoff = tz->type[i].off;
		if (tz->type[i].off > tz->maxoff)
			tz->maxoff = tz->type[i].off;
	}
	if (!tz->has_rule)
		return;
	if (tz->rule.std < tz->minoff)
		tz->minoff = tz->rule.std;
	if (tz->rule.std > tz->maxoff)
		tz->maxoff = tz->rule.std;
	if (tz->rule.has_dst && tz->rule.dst < tz->minoff)
		tz->minoff = tz->rule.dst;
	if (tz->rule.has_dst && tz->rule.dst > tz->maxoff)
		tz->maxoff = tz->rule.dst;
}

static struct tz *
tz_alloc(const char *name)
{
	struct tz *tz;

	if ((tz = calloc(1, sizeof(*tz))) == NULL)
		return NULL;
	if ((tz->name = strndup(name != NULL ? name : "", 255)) == NULL) {
		free(tz);
		return NULL;
	}
	return tz;
}

struct tz *
tz_parse(const char *name, const uint8_t *buf, size_t len, char **cause)
{
	struct tzif_hdr h;
	struct tz *tz = NULL;
	const uint8_t *p = buf, *nl, *tp;
	size_t rem = len, i, tsize;
	uint32_t ab;
	int32_t off;

	if (cause != NULL)
		*cause = NULL;
	if (name == NULL)
		name = "";
	if (len > TZ_FILE_MAX) {
		cause_set(cause, "%s: TZif data larger than %d bytes", name,
		    TZ_FILE_MAX);
		return NULL;
	}
	if (rem < TZ_HEADER_LEN)
		goto too_short;
	if (memcmp(p, "TZif", 4) != 0) {
		cause_set(cause, "%s: not a TZif file", name);
		return NULL;
	}
	tzif_header(p, &h);
	if (h.version != 0 && h.version != '2' && h.version != '3' &&
	    h.version != '4') {
		cause_set(cause, "%s: unknown TZif version 0x%02x", name,
		    h.version);
		return NULL;
	}
	p += TZ_HEADER_LEN;
	rem -= TZ_HEADER_LEN;
	tsize = 4;
	if (h.version != 0) {
		/* RFC 8536 3.1: skip the v1 block for the 64-bit one. */
		uint64_t v1 = (uint64_t)h.timecnt * 5 + (uint64_t)h.typecnt * 6 +
		    h.charcnt + (uint64_t)h.leapcnt * 8 + h.isstdcnt +
		    h.isutcnt;

		if (rem < v1)
			goto too_short;
		p += v1;
		rem -= v1;
		if (rem < TZ_HEADER_LEN)
			goto too_short;
		if (memcmp(p, "TZif", 4) != 0) {
			cause_set(cause, "%s: no second TZif header", name);
			return NULL;
		}
		tzif_header(p, &h);
		p += TZ_HEADER_LEN;
		rem -= TZ_HEADER_LEN;
		tsize = 8;
	}
	/* RFC 8536 3.1: typecnt MUST NOT be zero; isutcnt and isstdcnt
	 * are zero or typecnt. */
	if (h.typecnt == 0 || h.typecnt > TZ_TYPES_MAX) {
		cause_set(cause, "%s: %u time types (want 1..%d)", name,
		    h.typecnt, TZ_TYPES_MAX);
		return NULL;
	}
	if ((h.isutcnt != 0 && h.isutcnt != h.typecnt) ||
	    (h.isstdcnt != 0 && h.isstdcnt != h.typecnt)) {
		cause_set(cause, "%s: bad UT/standard indicator counts", name);
		return NULL;
	}
	if ((tz = tz_alloc(name)) == NULL)
		goto nomem;

	/* Transition times, then their type indices. */
	if (rem / tsize < h.timecnt)
		goto too_short;
	tp = p;
	p += (size_t)h.timecnt * tsize;
	rem -= (size_t)h.timecnt * tsize;
	if (rem < h.timecnt)
		goto too_short;
	tz->n = h.timecnt;
	if (tz->n > 0) {
		tz->at = calloc(tz->n, sizeof(*tz->at));
		tz->idx = calloc(tz->n, sizeof(*tz->idx));
		if (tz->at == NULL || tz->idx == NULL)
			goto nomem;
	}
	for (i = 0; i < tz->n; i++) {
		tz->at[i] = tsize == 8 ? be64(tp + 8 * i) :
		    (int64_t)(int32_t)be32(tp + 4 * i);
		/* RFC 8536 3.2: in strictly ascending order. */
		if (i > 0 && tz->at[i] <= tz->at[i - 1]) {
			cause_set(cause, "%s: transition %zu is not after the "
			    "one before it", name, i);
			goto fail;
		}
		tz->idx[i] = p[i];
		if (p[i] >= h.typecnt) {
			cause_set(cause, "%s: transition %zu has type %u of %u",
			    name, i, p[i], h.typecnt);
			goto fail;
		}
	}
	p += h.timecnt;
	rem -= h.timecnt;

	/* ttinfo: utoff (4), isdst (1), desigidx (1). */
	if (rem / 6 < h.typecnt)
		goto too_short;
	tz->ntypes = h.typecnt;
	for (i = 0; i < tz->ntypes; i++) {
		off = (int32_t)be32(p);
		if (!off_ok(off)) {
			cause_set(cause, "%s: type %zu has UT offset %d s "
			    "(want %d..%d)", name, i, off, TZ_OFF_MIN,
			    TZ_OFF_MAX);
			goto fail;
		}
		if (p[4] > 1) {
			cause_set(cause, "%s: type %zu has isdst %u", name, i,
			    p[4]);
			goto fail;
		}
		ab = p[5];
		if (ab >= h.charcnt) {
			cause_set(cause, "%s: type %zu names abbreviation %u "
			    "of %u bytes", name, i, ab, h.charcnt);
			goto fail;
		}
		tz->type[i].off = off;
		tz->type[i].isdst = p[4];
		p += 6;
		rem -= 6;
	}

	/* Abbreviations, leap seconds (ignored: see tz.h), indicators. */
	if (rem < h.charcnt)
		goto too_short;
	p += h.charcnt;
	rem -= h.charcnt;
	if (rem / (tsize + 4) < h.leapcnt)
		goto too_short;
	p += (size_t)h.leapcnt * (tsize + 4);
	rem -= (size_t)h.leapcnt * (tsize + 4);
	if (rem < (uint64_t)h.isstdcnt + h.isutcnt)
		goto too_short;
	p += (size_t)h.isstdcnt + h.isutcnt;
	rem -= (size_t)h.isstdcnt + h.isutcnt;

	/* RFC 8536 3.3: the footer, "\n" TZ string "\n". */
	if (tsize == 8) {
		if (rem < 2)
			goto too_short;
		if (p[0] != '\n') {
			cause_set(cause, "%s: no footer after the TZif data",
			    name);
			goto fail;
		}
		nl = memchr(p + 1, '\n', rem - 1 < TZ_FOOTER_MAX + 1 ?
		    rem - 1 : TZ_FOOTER_MAX + 1);
		if (nl == NULL) {
			if (rem - 1 <= TZ_FOOTER_MAX)
				goto too_short;
			cause_set(cause, "%s: footer longer than %d bytes",
			    name, TZ_FOOTER_MAX);
			goto fail;
		}
		if (nl > p + 1) {
			if (!rule_parse((const char *)p + 1, (const char *)nl,
			    &tz->rule)) {
				cause_set(cause, "%s: bad TZ string in the "
				    "footer", name);
				goto fail;
			}
			tz->has_rule = true;
		}
	}
	tz_bounds(tz);
	return tz;

 too_short:
	cause_set(cause, "%s: truncated TZif data", name);
	goto fail;
 nomem:
	cause_set(cause, "%s: out of memory", name);
 fail:
	tz_free(tz);
	return NULL;
}

struct tz *
tz_fixed(const char *name, int32_t offset)
{
	struct tz *tz;

	if (!off_ok(offset) || (tz = tz_alloc(name)) == NULL)
		return NULL;
	tz->ntypes = 1;
	tz->type[0].off = offset;
	tz_bounds(tz);
	return tz;
}

void
tz_free(struct tz *tz)
{
	if (tz == NULL)
		return;
	free(tz->at);
	free(tz->idx);
	free(tz->name);
	free(tz);
}

const char *
tz_name(const struct tz *tz)
{
	return tz->name;
}

/* A tz database name: relative, no "..", no empty component, at most
 * TZ_NAME_MAX bytes of letters, digits and "/_-+.". */
static bool
name_ok(const char *name)
{
	const char *p;
	size_t len = strlen(name);

	if (len == 0 || len > TZ_NAME_MAX || name[0] == '/' ||
	    name[len - 1] == '/' || strstr(name, "..") != NULL ||
	    strstr(name, "//") != NULL)
		return false;
	for (p = name; *p != '\0'; p++)
		if (!is_alpha(*p) && !is_digit(*p) && strchr("/_-+.", *p) ==
		    NULL)
			return false;
	return true;
}

struct tz *
tz_load(const char *name, char **cause)
{
	char path[PATH_MAX];
	const char *dir;
	struct stat sb;
	struct tz *tz;
	uint8_t *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	if (cause != NULL)
		*cause = NULL;
	if (name == NULL || !name_ok(name)) {
		cause_set(cause, "bad time zone name (want a tz database name "
		    "such as Europe/London)");
		return NULL;
	}
	if ((dir = getenv("TZDIR")) == NULL || *dir == '\0')
		dir = TZ_DIR_DEFAULT;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		cause_set(cause, "%s: path too long", name);
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		cause_set(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > TZ_FILE_MAX) {
		cause_set(cause, "%s: not a TZif file of at most %d bytes",
		    path, TZ_FILE_MAX);
		close(fd);
		return NULL;
	}
	/* One byte more than the limit: a file that grew is refused. */
	if ((buf = malloc(TZ_FILE_MAX + 1)) == NULL) {
		cause_set(cause, "%s: out of memory", name);
		close(fd);
		return NULL;
	}
	for (;;) {
		n = read(fd, buf + len, TZ_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			cause_set(cause, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (n == 0 || (len += (size_t)n) > TZ_FILE_MAX)
			break;
	}
	close(fd);
	tz = tz_parse(name, buf, len, cause);
	free(buf);
	return tz;
}
