/*
 * Unit tests for tz.c.
 *
 * glibc is the independent oracle: with TZ set, localtime_r() reads the
 * same tz database (and POSIX TZ strings) by its own code.  Only the
 * test uses it; src/ never touches the C library's TZ state.
 *
 *	build/check_tz
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tz.h"

#define ZONEINFO	"/usr/share/zoneinfo"
#define HOUR		3600
#define DAY		86400

static const char *const zones[] = {
	"Europe/London", "America/New_York", "Australia/Lord_Howe",
	"Asia/Kolkata", "Pacific/Apia", "America/Sao_Paulo", "UTC",
};
#define NZONES	(sizeof(zones) / sizeof(zones[0]))

/*
 * Helpers.
 */
static int64_t
floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* UTC instant of a civil time, by glibc's timegm. */
static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

static int32_t
dayno(int y, int mo, int d)
{
	return (int32_t)(utc(y, mo, d, 0, 0, 0) / DAY);
}

static void
oracle_zone(const char *spec)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "%s", spec);
	ck_assert_int_eq(setenv("TZ", buf, 1), 0);
	tzset();
}

/* The reading glibc gives, in struct tz_local terms. */
static void
oracle(int64_t t, struct tz_local *ret, struct tm *tmp)
{
	time_t tt = (time_t)t;
	struct tm tm;

	/* No ck_assert here: each one is a write to Check's pipe, and
	 * this runs millions of times. */
	if (localtime_r(&tt, &tm) == NULL)
		abort();
	ret->offset = (int32_t)tm.tm_gmtoff;
	ret->isdst = tm.tm_isdst > 0;
	ret->sec = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	ret->day = (int32_t)floordiv(t + tm.tm_gmtoff, DAY);
	ret->wday = (uint8_t)tm.tm_wday;
	if (tmp != NULL)
		*tmp = tm;
}

static bool
same_local(const struct tz_local *a, const struct tz_local *b)
{
	return a->day == b->day && a->sec == b->sec &&
	    a->offset == b->offset && a->isdst == b->isdst &&
	    a->wday == b->wday;
}

static struct tz *
load(const char *name)
{
	char *cause = NULL;
	struct tz *tz;

	tz = tz_load(name, &cause);
	ck_assert_msg(tz != NULL, "tz_load(%s): %s", name,
	    cause ? cause : "?");
	free(cause);
	return tz;
}

static uint8_t *
slurp(const char *path, size_t *lenp)
{
	FILE *f;
	uint8_t *buf;
	size_t n;

	ck_assert_ptr_nonnull(f = fopen(path, "rb"));
	ck_assert_ptr_nonnull(buf = malloc(1 << 20));
	n = fread(buf, 1, 1 << 20, f);
	fclose(f);
	*lenp = n;
	return buf;
}

/* Compare t with glibc; count and report the first few differences. */
static unsigned
compare2(const struct tz *tz, int64_t t, unsigned *shown, struct tz_local *ob)
{
	struct tz_local a, b;
	struct tm tm;
	int32_t y;
	unsigned m, d;

	tz_local(tz, t, &a);
	oracle(t, &b, &tm);
	*ob = b;
	tz_civil_from_days(a.day, &y, &m, &d);
	if (same_local(&a, &b) && y == tm.tm_year + 1900 &&
	    (int)m == tm.tm_mon + 1 && (int)d == tm.tm_mday)
		return 0;
	if ((*shown)++ < 5)
		fprintf(stderr, "%s t=%lld: tz day %d sec %d off %d dst %u "
		    "wday %u; glibc day %d sec %d off %d dst %u wday %u\n",
		    tz_name(tz), (long long)t, a.day, a.sec, a.offset,
		    a.isdst, a.wday, b.day, b.sec, b.offset, b.isdst, b.wday);
	return 1;
}

static unsigned
compare(const struct tz *tz, int64_t t, unsigned *shown)
{
	struct tz_local b;

	return compare2(tz, t, shown, &b);
}

/*
 * tz_instant() checked by its definition: the first instant whose local
 * time is at or after (day, sec).  So local(t) >= w > local(t - 1), and
 * local(t) == w unless w falls in a gap.
 */
static unsigned
instant_ok(const struct tz *tz, int32_t day, int32_t sec)
{
	struct tz_local l;
	int64_t t, w = (int64_t)day * DAY + sec, lw;

	t = tz_instant(tz, day, sec);
	tz_local(tz, t, &l);
	lw = (int64_t)l.day * DAY + l.sec;
	if (lw < w)
		return 1;
	tz_local(tz, t - 1, &l);
	if ((int64_t)l.day * DAY + l.sec >= w)
		return 1;
	return 0;
}

/*
 * The oracle: every hour 1970-2040, every minute around each change of
 * offset, every second around the change itself.
 */
START_TEST(test_oracle_zones)
{
	const char *name = zones[_i];
	char spec[80];
	struct tz *tz = load(name);
	struct tz_local prev, cur, mine;
	int64_t t, t0 = utc(1970, 1, 1, 0, 0, 0), t1 = utc(2040, 1, 1, 0, 0, 0);
	int64_t m, lo, hi;
	unsigned bad = 0, badi = 0, shown = 0, hours = 0, mins = 0, changes = 0;

	snprintf(spec, sizeof(spec), ":%s", name);
	oracle_zone(spec);
	oracle(t0 - HOUR, &prev, NULL);
	for (t = t0; t < t1; t += HOUR) {
		bad += compare2(tz, t, &shown, &cur);
		hours++;
		tz_local(tz, t, &mine);
		badi += instant_ok(tz, mine.day, mine.sec);
		badi += instant_ok(tz, mine.day, mine.sec + 1800);
		if (cur.offset != prev.offset || cur.isdst != prev.isdst) {
			changes++;
			for (m = t - 3 * HOUR; m <= t + 3 * HOUR; m += 60) {
				bad += compare(tz, m, &shown);
				mins++;
			}
			/* The change itself, found by glibc, and every
			 * second around it. */
			lo = t - HOUR;
			hi = t;
			while (hi - lo > 1) {
				struct tz_local o;

				oracle(lo + (hi - lo) / 2, &o, NULL);
				if (o.offset == prev.offset &&
				    o.isdst == prev.isdst)
					lo += (hi - lo) / 2;
				else
					hi = lo + (hi - lo) / 2;
			}
			for (m = hi - 90; m <= hi + 90; m++)
				bad += compare(tz, m, &shown);
		}
		prev = cur;
	}
	ck_assert_msg(bad == 0, "%s: %u wrong readings (%u hours, %u minutes "
	    "around %u changes)", name, bad, hours, mins, changes);
	ck_assert_msg(badi == 0, "%s: %u wrong tz_instant results", name,
	    badi);
	ck_assert_msg(changes > 0 || strcmp(name, "UTC") == 0 ||
	    strcmp(name, "Asia/Kolkata") == 0, "%s: no changes seen", name);
	tz_free(tz);
}
END_TEST

/* Far past the last transition of the file: the footer rule alone. */
START_TEST(test_oracle_footer)
{
	static const char *const names[] = {
		"Europe/London", "America/New_York", "Australia/Lord_Howe",
		"America/Sao_Paulo", "Pacific/Apia",
	};
	char spec[80];
	struct tz *tz;
	int64_t t, t0 = utc(2085, 1, 1, 0, 0, 0), t1 = utc(2096, 1, 1, 0, 0, 0);
	unsigned bad = 0, shown = 0, i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		tz = load(names[i]);
		snprintf(spec, sizeof(spec), ":%s", names[i]);
		oracle_zone(spec);
		for (t = t0; t < t1; t += 600)
			bad += compare(tz, t, &shown);
		tz_free(tz);
	}
	ck_assert_msg(bad == 0, "%u wrong readings in 2085-2095", bad);

	/* London 2090: BST from 26 March 01:00Z to 29 October 01:00Z. */
	tz = load("Europe/London");
	{
		struct tz_local l;

		tz_local(tz, utc(2090, 3, 26, 0, 59, 59), &l);
		ck_assert_int_eq(l.offset, 0);
		tz_local(tz, utc(2090, 3, 26, 1, 0, 0), &l);
		ck_assert_int_eq(l.offset, 3600);
		ck_assert_int_eq(l.isdst, 1);
		ck_assert_int_eq(l.sec, 2 * HOUR);
		tz_local(tz, utc(2090, 10, 29, 0, 59, 59), &l);
		ck_assert_int_eq(l.offset, 3600);
		tz_local(tz, utc(2090, 10, 29, 1, 0, 0), &l);
		ck_assert_int_eq(l.offset, 0);
		ck_assert_int_eq(tz_instant(tz, dayno(2090, 3, 26), 90 * 60),
		    utc(2090, 3, 26, 1, 0, 0));
		ck_assert_int_eq(tz_instant(tz, dayno(2090, 10, 29), 90 * 60),
		    utc(2090, 10, 29, 0, 30, 0));
	}
	tz_free(tz);
}
END_TEST

/*
 * A v2 TZif image with the given transitions and types and footer; the
 * v1 block is a minimal valid one (one type), as RFC 8536 lets a v2
 * reader skip it.
 */
struct img {
	uint8_t	b[65536];
	size_t	len;
	size_t	v2;		/* offset of the second header */
};

static void
put32(struct img *im, uint32_t v)
{
	im->b[im->len++] = (uint8_t)(v >> 24);
	im->b[im->len++] = (uint8_t)(v >> 16);
	im->b[im->len++] = (uint8_t)(v >> 8);
	im->b[im->len++] = (uint8_t)v;
}

static void
header(struct img *im, char version, uint32_t timecnt, uint32_t typecnt,
    uint32_t charcnt)
{
	memcpy(im->b + im->len, "TZif", 4);
	im->len += 4;
	im->b[im->len++] = (uint8_t)version;
	memset(im->b + im->len, 0, 15);
	im->len += 15;
	put32(im, 0);		/* isutcnt */
	put32(im, 0);		/* isstdcnt */
	put32(im, 0);		/* leapcnt */
	put32(im, timecnt);
	put32(im, typecnt);
	put32(im, charcnt);
}

static void
build(struct img *im, char version, size_t n, const int64_t *at,
    const uint8_t *idx, size_t ntypes, const int32_t *off,
    const uint8_t *isdst, const char *footer)
{
	size_t i;

	im->len = 0;
	header(im, version, 0, 1, 4);
	put32(im, 0);		/* the v1 type: UTC, "UTC" */
	im->b[im->len++] = 0;
	im->b[im->len++] = 0;
	memcpy(im->b + im->len, "UTC", 4);
	im->len += 4;
	im->v2 = im->len;
	header(im, version, (uint32_t)n, (uint32_t)ntypes, 4);
	for (i = 0; i < n; i++) {
		put32(im, (uint32_t)((uint64_t)at[i] >> 32));
		put32(im, (uint32_t)at[i]);
	}
	for (i = 0; i < n; i++)
		im->b[im->len++] = idx[i];
	for (i = 0; i < ntypes; i++) {
		put32(im, (uint32_t)off[i]);
		im->b[im->len++] = isdst[i];
		im->b[im->len++] = 0;
	}
	memcpy(im->b + im->len, "XYZ", 4);
	im->len += 4;
	im->b[im->len++] = '\n';
	memcpy(im->b + im->len, footer, strlen(footer));
	im->len += strlen(footer);
	im->b[im->len++] = '\n';
}

static struct tz *
footer_only(const char *footer, int32_t off0, char **cause)
{
	static struct img im;
	const int32_t off[1] = { off0 };
	const uint8_t dst[1] = { 0 };

	build(&im, '2', 0, NULL, NULL, 1, off, dst, footer);
	return tz_parse(footer, im.b, im.len, cause);
}

/*
 * POSIX TZ footers in all their forms, each against glibc reading the
 * same string from TZ.  With no transitions the footer governs every
 * instant.
 */
START_TEST(test_oracle_rules)
{
	static const char *const rules[] = {
		"GMT0BST,M3.5.0/1,M10.5.0",
		"EST5EDT,M3.2.0,M11.1.0",
		"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
		"IST-5:30",
		"<+03>-3",
		"<-03>3<-02>,M3.5.0/-2,M10.5.0/-1",
		"IST-2IDT,M3.4.4/26,M10.5.0",
		"<+0330>-3:30<+0430>,J79/24,J263/24",
		"XXX3YYY,80/-100,280/150",
		"AAA-1BBB-3,J60/0,J300/0",
		"CCC+4:30DDD+3:15:10,M1.1.1/167,M12.5.6/-167",
		"NZST-12NZDT,M9.5.0,M4.1.0/3",
		"<-0130>1:30<+00>0,M2.5.6/23,M11.5.6/23",
	};
	char spec[80], *cause = NULL;
	struct tz *tz;
	int64_t t, t0 = utc(2009, 12, 1, 0, 0, 0), t1 = utc(2031, 1, 1, 0, 0, 0);
	struct tz_local a, b;
	unsigned bad = 0, badi = 0, shown = 0, i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		tz = footer_only(rules[i], 0, &cause);
		ck_assert_msg(tz != NULL, "%s: %s", rules[i], cause);
		snprintf(spec, sizeof(spec), "%s", rules[i]);
		oracle_zone(spec);
		for (t = t0; t < t1; t += HOUR + 1800) {
			bad += compare(tz, t, &shown);
			tz_local(tz, t, &a);
			badi += instant_ok(tz, a.day, a.sec + 1234);
		}
		/* Minutes where glibc sees a change within the hour. */
		for (t = t0; t < t1; t += HOUR) {
			oracle(t, &a, NULL);
			oracle(t + HOUR, &b, NULL);
			if (a.offset != b.offset) {
				int64_t m;

				for (m = t; m <= t + HOUR; m += 60)
					bad += compare(tz, m, &shown);
			}
		}
		tz_free(tz);
	}
	ck_assert_msg(bad == 0, "%u wrong readings", bad);
	ck_assert_msg(badi == 0, "%u wrong tz_instant results", badi);
}
END_TEST

/*
 * RFC 8536 3.3.1: daylight time all year.  glibc reads each UTC year on
 * its own and so has standard time for the first hours of each year;
 * tzcode (and we) have daylight time throughout.
 */
START_TEST(test_perpetual_dst)
{
	char *cause = NULL;
	struct tz *tz = footer_only("EST5EDT,0/0,J365/25", -18000, &cause);
	struct tz_local l;
	int64_t t;
	unsigned bad = 0;

	ck_assert_msg(tz != NULL, "%s", cause);
	for (t = utc(1990, 1, 1, 0, 0, 0); t < utc(2050, 1, 1, 0, 0, 0);
	    t += 3 * HOUR + 7) {
		tz_local(tz, t, &l);
		if (l.offset != -14400 || l.isdst != 1)
			bad++;
		bad += instant_ok(tz, l.day, l.sec);
	}
	ck_assert_msg(bad == 0, "%u wrong", bad);
	ck_assert_int_eq(tz_instant(tz, dayno(2026, 1, 1), 0),
	    utc(2026, 1, 1, 4, 0, 0));
	tz_free(tz);
}
END_TEST

/* Round trips: tz_local then tz_instant gives the instant back, except
 * in the hour that repeats, where it gives the first occurrence. */
START_TEST(test_round_trip)
{
	struct tz *tz = load(zones[_i]);
	struct tz_local l, l2;
	int64_t t, t2, t0 = utc(1970, 1, 1, 0, 0, 0), t1 = utc(2040, 1, 1, 0, 0, 0);
	unsigned bad = 0, repeats = 0;

	for (t = t0; t < t1; t += HOUR + 61) {
		tz_local(tz, t, &l);
		t2 = tz_instant(tz, l.day, l.sec);
		tz_local(tz, t2, &l2);
		if (l2.day != l.day || l2.sec != l.sec || t2 > t) {
			bad++;
			continue;
		}
		if (t2 != t) {
			/* The second occurrence: later, at a smaller
			 * offset. */
			repeats++;
			if (l2.offset <= l.offset || t - t2 != l2.offset -
			    l.offset)
				bad++;
		}
	}
	ck_assert_msg(bad == 0, "%s: %u bad round trips", zones[_i], bad);
	tz_free(tz);
}
END_TEST

/* Gap and repeat on the London changes of 2026 and 2027. */
START_TEST(test_london_changes)
{
	static const struct {
		int	y, mo, d;	/* local date */
		int32_t	sec;		/* local wall time */
		int	uy, umo, ud, uh, umi, us;	/* expected UTC */
	} c[] = {
		/* 29 March 2026: 01:00 GMT -> 02:00 BST at 01:00Z. */
		{ 2026, 3, 29, 0,		2026, 3, 29, 0, 0, 0 },
		{ 2026, 3, 29, 59 * 60,		2026, 3, 29, 0, 59, 0 },
		{ 2026, 3, 29, 3599,		2026, 3, 29, 0, 59, 59 },
		{ 2026, 3, 29, 3600,		2026, 3, 29, 1, 0, 0 },
		{ 2026, 3, 29, 5400,		2026, 3, 29, 1, 0, 0 },
		{ 2026, 3, 29, 7199,		2026, 3, 29, 1, 0, 0 },
		{ 2026, 3, 29, 7200,		2026, 3, 29, 1, 0, 0 },
		{ 2026, 3, 29, 7260,		2026, 3, 29, 1, 1, 0 },
		{ 2026, 3, 29, 86400,		2026, 3, 29, 23, 0, 0 },
		{ 2026, 3, 28, 86400,		2026, 3, 29, 0, 0, 0 },
		/* 25 October 2026: 02:00 BST -> 01:00 GMT at 01:00Z. */
		{ 2026, 10, 25, 0,		2026, 10, 24, 23, 0, 0 },
		{ 2026, 10, 25, 3599,		2026, 10, 24, 23, 59, 59 },
		{ 2026, 10, 25, 3600,		2026, 10, 25, 0, 0, 0 },
		{ 2026, 10, 25, 5400,		2026, 10, 25, 0, 30, 0 },
		{ 2026, 10, 25, 7199,		2026, 10, 25, 0, 59, 59 },
		{ 2026, 10, 25, 7200,		2026, 10, 25, 2, 0, 0 },
		{ 2026, 10, 25, 86400,		2026, 10, 26, 0, 0, 0 },
		{ 2026, 10, 24, 86400,		2026, 10, 24, 23, 0, 0 },
		/* 28 March 2027. */
		{ 2027, 3, 28, 3599,		2027, 3, 28, 0, 59, 59 },
		{ 2027, 3, 28, 3600,		2027, 3, 28, 1, 0, 0 },
		{ 2027, 3, 28, 6000,		2027, 3, 28, 1, 0, 0 },
		{ 2027, 3, 28, 7200,		2027, 3, 28, 1, 0, 0 },
		{ 2027, 3, 28, 10800,		2027, 3, 28, 2, 0, 0 },
		/* 31 October 2027. */
		{ 2027, 10, 31, 3600,		2027, 10, 31, 0, 0, 0 },
		{ 2027, 10, 31, 6000,		2027, 10, 31, 0, 40, 0 },
		{ 2027, 10, 31, 7200,		2027, 10, 31, 2, 0, 0 },
		{ 2027, 10, 31, 9000,		2027, 10, 31, 2, 30, 0 },
		{ 2027, 10, 31, 86400,		2027, 11, 1, 0, 0, 0 },
	};
	struct tz *tz = load("Europe/London");
	struct tz_local l;
	size_t i;
	int64_t got, want;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		got = tz_instant(tz, dayno(c[i].y, c[i].mo, c[i].d), c[i].sec);
		want = utc(c[i].uy, c[i].umo, c[i].ud, c[i].uh, c[i].umi,
		    c[i].us);
		ck_assert_msg(got == want, "case %zu: %04d-%02d-%02d +%ds: "
		    "got %lld want %lld", i, c[i].y, c[i].mo, c[i].d,
		    c[i].sec, (long long)got, (long long)want);
	}
	/* Both sides of the instants themselves. */
	tz_local(tz, utc(2026, 3, 29, 0, 59, 59), &l);
	ck_assert(l.sec == 3599 && l.offset == 0 && l.isdst == 0);
	tz_local(tz, utc(2026, 3, 29, 1, 0, 0), &l);
	ck_assert(l.sec == 7200 && l.offset == 3600 && l.isdst == 1);
	ck_assert_int_eq(l.wday, 0);
	tz_local(tz, utc(2026, 10, 25, 0, 59, 59), &l);
	ck_assert(l.sec == 7199 && l.offset == 3600 && l.isdst == 1);
	tz_local(tz, utc(2026, 10, 25, 1, 0, 0), &l);
	ck_assert(l.sec == 3600 && l.offset == 0 && l.isdst == 0);
	ck_assert_int_eq(l.day, dayno(2026, 10, 25));
	tz_free(tz);
}
END_TEST

/* Apia skipped 30 December 2011: every wall time of it is the jump. */
START_TEST(test_apia_skipped_day)
{
	struct tz *tz = load("Pacific/Apia");
	int64_t jump = utc(2011, 12, 30, 10, 0, 0);
	int32_t d = dayno(2011, 12, 30);
	struct tz_local l;

	tz_local(tz, jump - 1, &l);
	ck_assert_int_eq(l.day, d - 1);
	ck_assert_int_eq(l.sec, 86399);
	tz_local(tz, jump, &l);
	ck_assert_int_eq(l.day, d + 1);
	ck_assert_int_eq(l.sec, 0);
	ck_assert_int_eq(tz_instant(tz, d, 0), jump);
	ck_assert_int_eq(tz_instant(tz, d, 43200), jump);
	ck_assert_int_eq(tz_instant(tz, d, 86400), jump);
	ck_assert_int_eq(tz_instant(tz, d + 1, 0), jump);
	ck_assert_int_eq(tz_instant(tz, d - 1, 86399), jump - 1);
	tz_free(tz);
}
END_TEST

START_TEST(test_civil)
{
	int32_t d, y;
	unsigned m, dd, bad = 0;
	struct tm tm;
	time_t t;

	for (d = dayno(1800, 1, 1); d < dayno(2200, 1, 1); d++) {
		t = (time_t)d * DAY;
		ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
		tz_civil_from_days(d, &y, &m, &dd);
		if (y != tm.tm_year + 1900 || (int)m != tm.tm_mon + 1 ||
		    (int)dd != tm.tm_mday)
			bad++;
		if (tz_days_from_civil(y, m, dd) != d)
			bad++;
	}
	ck_assert_msg(bad == 0, "%u wrong days", bad);
	ck_assert_int_eq(tz_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(tz_days_from_civil(2028, 2, 29), 21243);
	ck_assert_int_eq(tz_days_from_civil(1969, 12, 31), -1);
	tz_civil_from_days(-719468, &y, &m, &dd);
	ck_assert(y == 0 && m == 3 && dd == 1);
}
END_TEST

START_TEST(test_format)
{
	static const struct {
		const char	*zone;
		int		 y, mo, d, h, mi, s;
		const char	*want;
	} c[] = {
		{ "UTC", 2026, 11, 23, 10, 1, 2, "2026-11-23T10:01:02+00:00" },
		{ "Europe/London", 2026, 11, 23, 10, 1, 2,
		    "2026-11-23T10:01:02+00:00" },
		{ "Europe/London", 2026, 7, 1, 23, 30, 0,
		    "2026-07-02T00:30:00+01:00" },
		{ "America/New_York", 2026, 1, 1, 3, 0, 0,
		    "2025-12-31T22:00:00-05:00" },
		{ "Asia/Kolkata", 2026, 1, 1, 0, 0, 0,
		    "2026-01-01T05:30:00+05:30" },
		{ "Europe/London", 1800, 1, 1, 0, 0, 0,
		    "1799-12-31T23:58:45-00:01:15" },
	};
	char buf[64];
	struct tz *tz;
	size_t i, n;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		tz = load(c[i].zone);
		n = tz_format(tz, utc(c[i].y, c[i].mo, c[i].d, c[i].h,
		    c[i].mi, c[i].s), buf, sizeof(buf));
		ck_assert_str_eq(buf, c[i].want);
		ck_assert_uint_eq(n, strlen(c[i].want));
		tz_free(tz);
	}
	tz = tz_fixed("UTC", 0);
	n = tz_format(tz, 0, buf, 26);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00+00:00");
	ck_assert_uint_eq(n, 25);
	n = tz_format(tz, 0, buf, 5);
	ck_assert_str_eq(buf, "1970");
	ck_assert_uint_eq(n, 4);
	tz_free(tz);
}
END_TEST

START_TEST(test_fixed)
{
	struct tz *tz = tz_fixed("test+0530", 19800);
	struct tz_local l;

	ck_assert_ptr_nonnull(tz);
	ck_assert_str_eq(tz_name(tz), "test+0530");
	tz_local(tz, 0, &l);
	ck_assert(l.day == 0 && l.sec == 19800 && l.offset == 19800 &&
	    l.isdst == 0 && l.wday == 4);
	tz_local(tz, -19801, &l);
	ck_assert(l.day == -1 && l.sec == 86399 && l.wday == 3);
	ck_assert_int_eq(tz_instant(tz, 0, 0), -19800);
	ck_assert_int_eq(tz_instant(tz, 10, 86400), 11 * DAY - 19800);
	tz_free(tz);
	ck_assert_ptr_null(tz_fixed("bad", 100 * 3600));
	tz_free(NULL);
}
END_TEST

/* Names are refused before any file is opened. */
START_TEST(test_load_names)
{
	static const char *const bad[] = {
		"", "/etc/passwd", "../etc/passwd", "Europe/../UTC", "Europe/",
		"Europe//London", "..", "Europe/Lon don", "Europe/Londo\n",
		"Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"No/Such_Zone", "zone.tab",
	};
	char *cause;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cause = NULL;
		ck_assert_msg(tz_load(bad[i], &cause) == NULL, "%s loaded",
		    bad[i]);
		ck_assert_ptr_nonnull(cause);
		free(cause);
	}
	ck_assert_ptr_null(tz_load(NULL, NULL));
	ck_assert_ptr_null(tz_load("../x", NULL));
}
END_TEST

/* TZDIR is honoured. */
START_TEST(test_load_tzdir)
{
	char dir[] = "/tmp/check_tz.XXXXXX", path[128];
	uint8_t *buf;
	size_t len;
	char *cause = NULL;
	struct tz *tz;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	buf = slurp(ZONEINFO "/Asia/Kolkata", &len);
	snprintf(path, sizeof(path), "%s/Kol", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
	snprintf(path, sizeof(path), "%s/Text", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	fputs("not a zone\n", f);
	fclose(f);
	ck_assert_int_eq(setenv("TZDIR", dir, 1), 0);
	tz = tz_load("Kol", &cause);
	ck_assert_msg(tz != NULL, "%s", cause);
	ck_assert_str_eq(tz_name(tz), "Kol");
	ck_assert_int_eq(tz_instant(tz, dayno(2026, 1, 1), 0),
	    utc(2025, 12, 31, 18, 30, 0));
	tz_free(tz);
	ck_assert_ptr_null(tz_load("Text", &cause));
	ck_assert_ptr_nonnull(cause);
	free(cause);
	ck_assert_ptr_null(tz_load("Europe/London", &cause));
	free(cause);
	unsetenv("TZDIR");
	unlink(path);
	snprintf(path, sizeof(path), "%s/Kol", dir);
	unlink(path);
	rmdir(dir);
	free(buf);
}
END_TEST

/* Every prefix of real files is refused, and never crashes. */
START_TEST(test_truncated)
{
	static const char *const names[] = {
		"Europe/London", "Australia/Lord_Howe", "UTC",
	};
	char path[128], *cause;
	uint8_t *buf;
	size_t len, n, i, refused;
	struct tz *tz;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), ZONEINFO "/%s", names[i]);
		buf = slurp(path, &len);
		refused = 0;
		for (n = 0; n < len; n++) {
			uint8_t *copy = malloc(n + 1);

			/* A copy of exactly n bytes lets ASan see any
			 * read past the end. */
			memcpy(copy, buf, n);
			cause = NULL;
			tz = tz_parse(names[i], copy, n, &cause);
			if (tz == NULL && cause != NULL)
				refused++;
			tz_free(tz);
			free(cause);
			free(copy);
		}
		ck_assert_msg(refused == len, "%s: %zu of %zu prefixes refused",
		    names[i], refused, len);
		tz = tz_parse(names[i], buf, len, NULL);
		ck_assert_ptr_nonnull(tz);
		tz_free(tz);
		free(buf);
	}
}
END_TEST

/* Hand-made bad images: each one error, with a message. */
START_TEST(test_malformed)
{
	static struct img im;
	static const char *const footers[] = {
		"GMT0BST", "XX0", "GMT", "GMT0BST,M13.1.0,M10.5.0",
		"GMT0BST,M3.5.0/168,M10.5.0", "GMT0BST,M3.6.0,M10.5.0",
		"GMT0BST,M3.5.7,M10.5.0", "GMT0BST,J0,M10.5.0",
		"GMT0BST,366,M10.5.0", "GMT0BST,M3.5.0,M10.5.0,",
		"GMT0BST,M3.5.0", "GMT25", "<AB>0", "<ABC0", "GMT0BST,,",
		"GMT0 BST,M3.5.0,M10.5.0", "GMT0BST,M3.5.0/1:60,M10.5.0",
		"GMT0BST26,M3.5.0,M10.5.0",
	};
	const int64_t at[3] = { 1000, 2000, 3000 };
	const uint8_t idx[3] = { 0, 1, 0 }, dst[2] = { 0, 1 };
	const int32_t off[2] = { 0, 3600 };
	char *cause;
	size_t i;
	struct tz *tz;

#define BAD(what) do {							\
	cause = NULL;							\
	tz = tz_parse("bad", im.b, im.len, &cause);			\
	ck_assert_msg(tz == NULL, "%s: parsed", what);			\
	ck_assert_msg(cause != NULL, "%s: no cause", what);		\
	free(cause);							\
} while (0)

	/* The good one first. */
	build(&im, '2', 3, at, idx, 2, off, dst, "GMT0BST,M3.5.0/1,M10.5.0");
	tz = tz_parse("good", im.b, im.len, NULL);
	ck_assert_ptr_nonnull(tz);
	tz_free(tz);

	build(&im, '2', 3, at, idx, 2, off, dst, "");
	im.b[0] = 'X';
	BAD("magic");
	build(&im, '2', 3, at, idx, 2, off, dst, "");
	im.b[im.v2] = 'X';
	BAD("second magic");
	build(&im, '5', 3, at, idx, 2, off, dst, "");
	BAD("version");
	build(&im, '2', 3, at, idx, 2, off, dst, "");
	im.b[im.v2 + 32] = 0xff;		/* timecnt */
	BAD("timecnt too large");
	build(&im, '2', 3, at, idx, 2, off, dst, "");
	memset(im.b + im.v2 + 32, 0xff, 4);
	BAD("timecnt 2^32-1");
	build(&im, '2', 3, at, idx, 2, off, dst, "");
	memset(im.b + im.v2 + 36, 0xff, 4);	/* typecnt */
	BAD("typecnt 2^32-1");
	build(&im, '2', 3, at, idx, 2, off, dst, "");
	memset(im.b + im.v2 + 40, 0x7f, 4);	/* charcnt */
	BAD("charcnt too large");
	build(&im, '2', 3, at, idx, 2, off, dst, "");
	memset(im.b + im.v2 + 28, 0x10, 4);	/* leapcnt */
	BAD("leapcnt too large");
	build(&im, '2', 3, at, idx, 2, off, dst, "");
	im.b[im.v2 + 23] = 1;			/* isutcnt 1 of 2 */
	BAD("isutcnt");
	build(&im, '2', 3, at, idx, 2, off, dst, "");
	im.b[31] = 0xff;			/* v1 leapcnt */
	BAD("v1 block too large");
	build(&im, '2', 0, at, idx, 0, off, dst, "");
	BAD("no types");
	{
		const int64_t un[3] = { 1000, 3000, 2000 };
		const int64_t eq[3] = { 1000, 2000, 2000 };

		build(&im, '2', 3, un, idx, 2, off, dst, "");
		BAD("unsorted transitions");
		build(&im, '2', 3, eq, idx, 2, off, dst, "");
		BAD("equal transitions");
	}
	{
		const uint8_t bidx[3] = { 0, 2, 0 };

		build(&im, '2', 3, at, bidx, 2, off, dst, "");
		BAD("type index out of range");
	}
	{
		const int32_t boff[2] = { 0, 26 * 3600 };
		const int32_t moff[2] = { INT32_MIN, 0 };
		const uint8_t bdst[2] = { 0, 2 };

		build(&im, '2', 3, at, idx, 2, boff, dst, "");
		BAD("offset out of range");
		build(&im, '2', 3, at, idx, 2, moff, dst, "");
		BAD("offset -2^31");
		build(&im, '2', 3, at, idx, 2, off, bdst, "");
		BAD("isdst 2");
	}
	build(&im, '2', 3, at, idx, 2, off, dst, "");
	/* The second type's desigidx: after the header, three times and
	 * their indices, and the first type. */
	im.b[im.v2 + 44 + 3 * 9 + 6 + 5] = 9;
	BAD("abbreviation index");
	for (i = 0; i < sizeof(footers) / sizeof(footers[0]); i++) {
		cause = NULL;
		tz = footer_only(footers[i], 0, &cause);
		ck_assert_msg(tz == NULL, "footer \"%s\" parsed", footers[i]);
		ck_assert_ptr_nonnull(cause);
		free(cause);
	}
	build(&im, '2', 3, at, idx, 2, off, dst, "UTC0");
	im.len--;				/* no final newline */
	BAD("unterminated footer");
	build(&im, '2', 3, at, idx, 2, off, dst, "UTC0");
	im.b[im.len - 6] = 'x';			/* no newline before it */
	BAD("footer without newline");
	{
		char longf[400];

		memset(longf, 'A', sizeof(longf) - 1);
		longf[sizeof(longf) - 1] = '\0';
		build(&im, '2', 3, at, idx, 2, off, dst, longf);
		BAD("long footer");
	}
	ck_assert_ptr_null(tz_parse("big", im.b, 2 * 1024 * 1024, &cause));
	free(cause);
	ck_assert_ptr_null(tz_parse(NULL, NULL, 0, NULL));
#undef BAD
}
END_TEST

/* Version 1 files: the 32-bit block, no footer; and a slim v2 file with
 * no transitions but its rule. */
START_TEST(test_versions)
{
	static struct img im;
	const int32_t off[2] = { -18000, -14400 };
	const uint8_t dst[2] = { 0, 1 };
	struct tz *tz;
	struct tz_local l;
	size_t i;

	/* v1: two transitions in 32-bit form. */
	im.len = 0;
	header(&im, 0, 2, 2, 4);
	put32(&im, 1000000);
	put32(&im, 2000000);
	im.b[im.len++] = 1;
	im.b[im.len++] = 0;
	for (i = 0; i < 2; i++) {
		put32(&im, (uint32_t)off[i]);
		im.b[im.len++] = dst[i];
		im.b[im.len++] = 0;
	}
	memcpy(im.b + im.len, "ABC", 4);
	im.len += 4;
	tz = tz_parse("v1", im.b, im.len, NULL);
	ck_assert_ptr_nonnull(tz);
	tz_local(tz, 999999, &l);
	ck_assert_int_eq(l.offset, -18000);
	tz_local(tz, 1000000, &l);
	ck_assert_int_eq(l.offset, -14400);
	ck_assert_int_eq(l.isdst, 1);
	tz_local(tz, 5000000000LL, &l);
	ck_assert_int_eq(l.offset, -18000);
	tz_free(tz);

	/* v3 and v4 read like v2. */
	{
		const int64_t at[1] = { -100 };
		const uint8_t idx[1] = { 1 };

		build(&im, '4', 1, at, idx, 2, off, dst,
		    "EST5EDT,M3.2.0,M11.1.0");
		tz = tz_parse("v4", im.b, im.len, NULL);
		ck_assert_ptr_nonnull(tz);
		tz_local(tz, -101, &l);
		ck_assert_int_eq(l.offset, -18000);
		tz_local(tz, utc(2026, 7, 1, 0, 0, 0), &l);
		ck_assert_int_eq(l.offset, -14400);
		tz_local(tz, utc(2026, 1, 1, 0, 0, 0), &l);
		ck_assert_int_eq(l.offset, -18000);
		tz_free(tz);
	}
}
END_TEST

/* Flipped bytes in a real file: parsed or refused, never a crash, and
 * what parses still keeps tz_instant's contract. */
START_TEST(test_mutations)
{
	uint8_t *buf, *copy;
	size_t len, i, parsed = 0;
	struct tz *tz;
	unsigned seed = 12345, bad = 0;
	int k;

	buf = slurp(ZONEINFO "/Europe/London", &len);
	copy = malloc(len);
	for (i = 0; i < 20000; i++) {
		memcpy(copy, buf, len);
		for (k = 0; k < 1 + (int)(i % 4); k++) {
			seed = seed * 1103515245 + 12345;
			copy[(seed >> 8) % len] = (uint8_t)(seed >> 20);
		}
		if ((tz = tz_parse("m", copy, len, NULL)) == NULL)
			continue;
		parsed++;
		bad += instant_ok(tz, dayno(2026, 3, 29), 5400);
		bad += instant_ok(tz, dayno(1990, 10, 28), 3600);
		bad += instant_ok(tz, dayno(2090, 6, 1), 0);
		tz_free(tz);
	}
	ck_assert_msg(bad == 0, "%u contract failures in %zu parsed", bad,
	    parsed);
	ck_assert_uint_gt(parsed, 0);
	free(copy);
	free(buf);
}
END_TEST

static Suite *
tz_suite(void)
{
	Suite *s = suite_create("tz");
	TCase *tc;

	tc = tcase_create("oracle");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_oracle_zones, 0, NZONES);
	tcase_add_test(tc, test_oracle_footer);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_oracle_rules);
	tcase_add_test(tc, test_perpetual_dst);
	suite_add_tcase(s, tc);

	tc = tcase_create("round_trip");
	tcase_add_loop_test(tc, test_round_trip, 0, NZONES);
	suite_add_tcase(s, tc);

	tc = tcase_create("cases");
	tcase_add_test(tc, test_london_changes);
	tcase_add_test(tc, test_apia_skipped_day);
	tcase_add_test(tc, test_civil);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_fixed);
	tcase_add_test(tc, test_load_names);
	tcase_add_test(tc, test_load_tzdir);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_versions);
	tcase_add_test(tc, test_mutations);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tz_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
