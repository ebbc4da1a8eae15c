/*
 * Unit tests for schedule.c.
 *
 * Configs are written to a temporary directory and read with
 * config_load().  Besides table cases with an explicit now, whole weeks
 * are simulated minute by minute against an expectation computed here
 * from the plain rules, with glibc's localtime_r() (TZ set) for the
 * wall clock:
 *
 *  - the wall clock H(t) is the latest local reading at or before t (it
 *    does not go back in the hour that repeats), in whole minutes;
 *  - t is in lessons when, for the schedule date S = H's date or the
 *    date before it, S is a school day and minute M = H - S's 00:00 lies
 *    in one of S's lesson windows (end + 24 h when it crosses midnight)
 *    and in none of S's breaks (at M or M - 24 h).
 *
 * That is the meaning of schedule.h restated per minute; schedule.c
 * merges instants instead.  next must be the first minute that differs
 * and midnight the first minute of the next local date.
 *
 *	build/check_schedule
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

#include "config.h"
#include "schedule.h"
#include "tz.h"

#define MIN		60
#define HOUR		3600
#define DAY		86400
#define NEVER		SCHEDULE_NEVER
#define SHIPPED_CONF	"conf/schoolgate.conf"

static char tmpdir[64];

/*
 * Helpers.
 */
static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm);
}

static int64_t
floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

struct world {
	struct config	*cfg;
	struct tz	*tz;
	struct schedule	*s;
};

static void
world_load(struct world *w, const char *path)
{
	char *cause = NULL;

	w->cfg = config_load(path, &cause);
	ck_assert_msg(w->cfg != NULL, "config_load: %s", cause ? cause : "?");
	w->tz = tz_load(w->cfg->gateway.timezone, &cause);
	ck_assert_msg(w->tz != NULL, "tz_load: %s", cause ? cause : "?");
	w->s = schedule_new(w->cfg, w->tz, &cause);
	ck_assert_msg(w->s != NULL, "schedule_new: %s", cause ? cause : "?");
	ck_assert_ptr_eq(schedule_tz(w->s), w->tz);
}

/* A config with the usual [gateway] and the [schedule] lines given. */
static void
world(struct world *w, const char *schedule)
{
	char path[128];
	FILE *f;

	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_schedule.XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	}
	snprintf(path, sizeof(path), "%s/test.conf", tmpdir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "[gateway]\ninterface = eth1\nlan = 10.10.0.0/16\n"
	    "timezone = Europe/London\n\n[schedule]\n%s\n", schedule);
	ck_assert_int_eq(fclose(f), 0);
	world_load(w, path);
	unlink(path);
	rmdir(tmpdir);
	tmpdir[0] = '\0';
}

static void
world_free(struct world *w)
{
	schedule_free(w->s);
	tz_free(w->tz);
	config_free(w->cfg);
}

/*
 * Table cases: now, then what schedule_at must say.
 */
struct scase {
	int64_t	now;
	bool	lessons;
	int64_t	next;
	bool	school_day;
};

static void
run_cases(const char *name, const char *schedule, const struct scase *c,
    size_t n)
{
	struct world w;
	struct schedule_now r;
	char a[40], b[40], e[40];
	size_t i;

	world(&w, schedule);
	for (i = 0; i < n; i++) {
		schedule_at(w.s, c[i].now, &r);
		tz_format(w.tz, c[i].now, a, sizeof(a));
		if (r.next == NEVER)
			snprintf(b, sizeof(b), "never");
		else
			tz_format(w.tz, r.next, b, sizeof(b));
		if (c[i].next == NEVER)
			snprintf(e, sizeof(e), "never");
		else
			tz_format(w.tz, c[i].next, e, sizeof(e));
		ck_assert_msg(r.lessons == c[i].lessons && r.next == c[i].next &&
		    r.school_day == c[i].school_day,
		    "%s case %zu at %s: lessons %d next %s school day %d; want "
		    "%d, %s, %d", name, i, a, r.lessons, b, r.school_day,
		    c[i].lessons, e, c[i].school_day);
		/* Constant before next, different at it. */
		if (r.next != NEVER) {
			struct schedule_now r2;

			schedule_at(w.s, r.next - 1, &r2);
			ck_assert_msg(r2.lessons == r.lessons, "%s case %zu: "
			    "flag changes before next", name, i);
			schedule_at(w.s, r.next, &r2);
			ck_assert_msg(r2.lessons != r.lessons, "%s case %zu: "
			    "flag does not change at next", name, i);
		}
	}
	world_free(&w);
}

#define CASES(name, sched, ...) do {					\
	const struct scase c_[] = { __VA_ARGS__ };			\
	run_cases(name, sched, c_, sizeof(c_) / sizeof(c_[0]));		\
} while (0)

/* January 2026 is GMT, so local times read as UTC.  5 Jan is a Monday. */
START_TEST(test_midnight_windows)
{
	CASES("night", "lessons = 22:00-02:00",
	    { utc(2026, 1, 5, 21, 59) + 59, false, utc(2026, 1, 5, 22, 0), true },
	    { utc(2026, 1, 5, 22, 0), true, utc(2026, 1, 6, 2, 0), true },
	    { utc(2026, 1, 6, 1, 59), true, utc(2026, 1, 6, 2, 0), true },
	    { utc(2026, 1, 6, 2, 0), false, utc(2026, 1, 6, 22, 0), true },
	    { utc(2026, 1, 9, 23, 0), true, utc(2026, 1, 10, 2, 0), true },
	    /* Friday's lesson runs into Saturday, no school day. */
	    { utc(2026, 1, 10, 1, 0), true, utc(2026, 1, 10, 2, 0), false },
	    { utc(2026, 1, 10, 2, 0), false, utc(2026, 1, 12, 22, 0), false },
	    { utc(2026, 1, 11, 23, 0), false, utc(2026, 1, 12, 22, 0), false },
	    /* Sunday's would-be lesson does not run into Monday. */
	    { utc(2026, 1, 12, 1, 0), false, utc(2026, 1, 12, 22, 0), true });
	CASES("till midnight", "lessons = 20:00-00:00",
	    { utc(2026, 1, 5, 23, 59), true, utc(2026, 1, 6, 0, 0), true },
	    { utc(2026, 1, 6, 0, 0), false, utc(2026, 1, 6, 20, 0), true });
	/* A crossing break, and one wholly after midnight. */
	CASES("night breaks", "lessons = 22:00-02:00\n"
	    "breaks = 23:30-00:30, 01:00-01:30",
	    { utc(2026, 1, 5, 23, 0), true, utc(2026, 1, 5, 23, 30), true },
	    { utc(2026, 1, 5, 23, 30), false, utc(2026, 1, 6, 0, 30), true },
	    { utc(2026, 1, 6, 0, 30), true, utc(2026, 1, 6, 1, 0), true },
	    { utc(2026, 1, 6, 1, 0), false, utc(2026, 1, 6, 1, 30), true },
	    { utc(2026, 1, 6, 1, 30), true, utc(2026, 1, 6, 2, 0), true });
	/*
	 * Monday's break past midnight cuts Monday's lesson, not Tuesday's
	 * own lesson at the same time.
	 */
	CASES("break of the day before", "school_days = mon, tue\n"
	    "lessons.mon = 22:00-02:00\nbreaks.mon = 23:30-00:30\n"
	    "lessons.tue = 00:00-01:00",
	    { utc(2026, 1, 5, 23, 30), false, utc(2026, 1, 6, 0, 0), true },
	    { utc(2026, 1, 6, 0, 0), true, utc(2026, 1, 6, 2, 0), true },
	    { utc(2026, 1, 6, 0, 15), true, utc(2026, 1, 6, 2, 0), true },
	    { utc(2026, 1, 6, 2, 0), false, utc(2026, 1, 12, 22, 0), true });
}
END_TEST

START_TEST(test_adjacent_and_breaks)
{
	CASES("adjacent", "lessons = 08:45-10:30, 10:30-12:00",
	    { utc(2026, 1, 5, 8, 44), false, utc(2026, 1, 5, 8, 45), true },
	    { utc(2026, 1, 5, 10, 29), true, utc(2026, 1, 5, 12, 0), true },
	    { utc(2026, 1, 5, 10, 30), true, utc(2026, 1, 5, 12, 0), true });
	CASES("break edges", "lessons = 09:00-10:00, 11:00-12:00, 13:00-14:00\n"
	    "breaks = 09:00-09:15, 11:45-12:00, 13:00-14:00",
	    { utc(2026, 1, 5, 9, 0), false, utc(2026, 1, 5, 9, 15), true },
	    { utc(2026, 1, 5, 9, 15), true, utc(2026, 1, 5, 10, 0), true },
	    { utc(2026, 1, 5, 10, 0), false, utc(2026, 1, 5, 11, 0), true },
	    { utc(2026, 1, 5, 11, 44), true, utc(2026, 1, 5, 11, 45), true },
	    /* The lesson at 13:00 is all break. */
	    { utc(2026, 1, 5, 11, 45), false, utc(2026, 1, 6, 9, 15), true },
	    { utc(2026, 1, 5, 13, 30), false, utc(2026, 1, 6, 9, 15), true });
	CASES("per weekday", "lessons = 08:45-15:00\nlessons.fri = 08:45-12:00\n"
	    "breaks = 10:30-10:45\nbreaks.fri = none",
	    { utc(2026, 1, 8, 10, 30), false, utc(2026, 1, 8, 10, 45), true },
	    { utc(2026, 1, 9, 10, 30), true, utc(2026, 1, 9, 12, 0), true },
	    { utc(2026, 1, 9, 12, 0), false, utc(2026, 1, 12, 8, 45), true },
	    { utc(2026, 1, 10, 12, 0), false, utc(2026, 1, 12, 8, 45), false });
	CASES("all day", "school_days = mon-sun\nlessons = 00:00-24:00",
	    { utc(2026, 1, 5, 12, 0), true, NEVER, true });
	CASES("weekdays all day", "lessons = 00:00-24:00",
	    { utc(2026, 1, 5, 12, 0), true, utc(2026, 1, 10, 0, 0), true },
	    { utc(2026, 1, 10, 0, 0), false, utc(2026, 1, 12, 0, 0), false });
	CASES("no school days", "school_days = none\nlessons = 09:00-10:00",
	    { utc(2026, 1, 5, 9, 30), false, NEVER, false });
}
END_TEST

START_TEST(test_terms)
{
	/* Term ends on a Wednesday; Thursday 8 January is closed. */
	CASES("terms", "lessons = 08:45-15:00\n"
	    "terms = 2026-01-05..2026-01-14, 2026-02-02..2026-02-03\n"
	    "closed = 2026-01-08",
	    { utc(2026, 1, 4, 12, 0), false, utc(2026, 1, 5, 8, 45), false },
	    { utc(2026, 1, 7, 15, 0), false, utc(2026, 1, 9, 8, 45), true },
	    { utc(2026, 1, 8, 10, 0), false, utc(2026, 1, 9, 8, 45), false },
	    { utc(2026, 1, 14, 14, 0), true, utc(2026, 1, 14, 15, 0), true },
	    { utc(2026, 1, 14, 15, 0), false, utc(2026, 2, 2, 8, 45), true },
	    { utc(2026, 1, 15, 10, 0), false, utc(2026, 2, 2, 8, 45), false },
	    { utc(2026, 2, 3, 14, 59), true, utc(2026, 2, 3, 15, 0), true },
	    { utc(2026, 2, 3, 15, 0), false, NEVER, true },
	    { utc(2030, 1, 1, 0, 0), false, NEVER, false });
	/* The last term's last lesson crosses midnight past its end. */
	CASES("term end at night", "lessons = 22:00-02:00\n"
	    "terms = 2026-01-05..2026-01-07",
	    { utc(2026, 1, 7, 23, 0), true, utc(2026, 1, 8, 2, 0), true },
	    { utc(2026, 1, 8, 1, 0), true, utc(2026, 1, 8, 2, 0), false },
	    { utc(2026, 1, 8, 2, 0), false, NEVER, false });
	/* A closed range over the only term's remainder. */
	CASES("closed to the end", "lessons = 09:00-10:00\n"
	    "terms = 2026-01-05..2026-01-09\nclosed = 2026-01-06..2026-01-09",
	    { utc(2026, 1, 5, 10, 0), false, NEVER, true });
}
END_TEST

/* The London changes: 29 March 2026 01:00Z and 25 October 2026 01:00Z,
 * both Sundays. */
START_TEST(test_dst_days)
{
	CASES("dst", "school_days = sun\nlessons = 00:30-03:00",
	    /* Spring: 00:30 GMT to 03:00 BST is 90 minutes. */
	    { utc(2026, 3, 29, 0, 29), false, utc(2026, 3, 29, 0, 30), true },
	    { utc(2026, 3, 29, 0, 30), true, utc(2026, 3, 29, 2, 0), true },
	    { utc(2026, 3, 29, 1, 0), true, utc(2026, 3, 29, 2, 0), true },
	    /* Autumn: 00:30 BST to 03:00 GMT is three and a half hours. */
	    { utc(2026, 10, 24, 23, 29), false, utc(2026, 10, 24, 23, 30),
	      true },
	    { utc(2026, 10, 24, 23, 30), true, utc(2026, 10, 25, 3, 0), true },
	    { utc(2026, 10, 25, 1, 30), true, utc(2026, 10, 25, 3, 0), true });
	/* A lesson wholly in the skipped hour is no lesson, no flip. */
	CASES("dst gap", "school_days = sun\nlessons = 01:15-01:45, 09:00-10:00",
	    { utc(2026, 3, 29, 0, 0), false, utc(2026, 3, 29, 8, 0), true },
	    { utc(2026, 3, 22, 0, 0), false, utc(2026, 3, 22, 1, 15), true });
	/* Ending in the repeated hour: the first 01:30. */
	CASES("dst repeat", "school_days = sun\nlessons = 00:00-01:30",
	    { utc(2026, 10, 25, 0, 0), true, utc(2026, 10, 25, 0, 30), true },
	    { utc(2026, 10, 25, 0, 30), false, utc(2026, 11, 1, 0, 0), true },
	    { utc(2026, 10, 25, 1, 0), false, utc(2026, 11, 1, 0, 0), true });
	/* Two lessons the gap joins are one. */
	CASES("dst join", "school_days = sun\nlessons = 00:00-01:00, 02:00-04:00",
	    { utc(2026, 3, 29, 0, 30), true, utc(2026, 3, 29, 3, 0), true },
	    { utc(2026, 3, 22, 0, 30), true, utc(2026, 3, 22, 1, 0), true });
}
END_TEST

START_TEST(test_day)
{
	struct world w;
	int64_t v[8][2];
	int32_t mon = tz_days_from_civil(2026, 1, 5);
	size_t n;

	world(&w, "lessons = 08:45-10:30, 10:30-12:00, 13:00-15:00\n"
	    "breaks = 11:00-11:15, 13:00-13:30\nterms = 2026-01-05..2026-04-30"
	    "\nclosed = 2026-01-07");
	n = schedule_day(w.s, mon, v, 8);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(v[0][0], utc(2026, 1, 5, 8, 45));
	ck_assert_int_eq(v[0][1], utc(2026, 1, 5, 11, 0));
	ck_assert_int_eq(v[1][0], utc(2026, 1, 5, 11, 15));
	ck_assert_int_eq(v[1][1], utc(2026, 1, 5, 12, 0));
	ck_assert_int_eq(v[2][0], utc(2026, 1, 5, 13, 30));
	ck_assert_int_eq(v[2][1], utc(2026, 1, 5, 15, 0));
	/* Only max written, the count still returned. */
	v[1][0] = -1;
	ck_assert_uint_eq(schedule_day(w.s, mon, v, 1), 3);
	ck_assert_int_eq(v[1][0], -1);
	ck_assert_uint_eq(schedule_day(w.s, mon, NULL, 0), 3);
	/* Closed, weekend, out of term. */
	ck_assert_uint_eq(schedule_day(w.s, mon + 2, v, 8), 0);
	ck_assert_uint_eq(schedule_day(w.s, mon + 5, v, 8), 0);
	ck_assert_uint_eq(schedule_day(w.s, mon - 7, v, 8), 0);
	ck_assert(schedule_school_day(w.s, mon));
	ck_assert(!schedule_school_day(w.s, mon + 2));
	ck_assert(!schedule_school_day(w.s, mon + 6));
	ck_assert(!schedule_school_day(w.s, tz_days_from_civil(2026, 5, 1)));
	/* In summer time. */
	n = schedule_day(w.s, tz_days_from_civil(2026, 4, 1), v, 8);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(v[0][0], utc(2026, 4, 1, 7, 45));
	ck_assert_int_eq(v[2][1], utc(2026, 4, 1, 14, 0));
	world_free(&w);

	world(&w, "school_days = sun\nlessons = 00:00-01:00, 02:00-04:00, "
	    "22:00-23:30");
	/* 29 March 2026: the gap joins the first two. */
	n = schedule_day(w.s, tz_days_from_civil(2026, 3, 29), v, 8);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(v[0][0], utc(2026, 3, 29, 0, 0));
	ck_assert_int_eq(v[0][1], utc(2026, 3, 29, 3, 0));
	ck_assert_int_eq(v[1][0], utc(2026, 3, 29, 21, 0));
	ck_assert_int_eq(v[1][1], utc(2026, 3, 29, 22, 30));
	world_free(&w);
}
END_TEST

/*
 * The simulation.
 */
struct expect {
	const struct config	*cfg;
};

static bool
sim_school(const struct config *cfg, int64_t day)
{
	size_t i;
	bool term = !cfg->schedule.terms_set;

	if (!(cfg->schedule.school_days & (1u << ((day % 7 + 11) % 7))))
		return false;
	for (i = 0; i < cfg->schedule.terms.n && cfg->schedule.terms_set; i++)
		if (cfg->schedule.terms.v[i].from.days <= day &&
		    day <= cfg->schedule.terms.v[i].to.days)
			term = true;
	for (i = 0; i < cfg->schedule.closed.n; i++)
		if (cfg->schedule.closed.v[i].from.days <= day &&
		    day <= cfg->schedule.closed.v[i].to.days)
			return false;
	return term;
}

static int
wend(const struct config_window *w)
{
	return w->end <= w->start ? w->end + 1440 : w->end;
}

/* Wall minute h (minutes since 1970-01-01 local) in lessons? */
static bool
sim_lessons(const struct config *cfg, int64_t h)
{
	const struct config_windows *ls, *bs;
	int64_t day = floordiv(h, 1440), sday, m;
	size_t i;
	bool in;
	int wd;

	for (sday = day - 1; sday <= day; sday++) {
		if (!sim_school(cfg, sday))
			continue;
		m = h - sday * 1440;
		wd = (int)((sday % 7 + 11) % 7);
		ls = &cfg->schedule.day_lessons[wd];
		bs = &cfg->schedule.day_breaks[wd];
		in = false;
		for (i = 0; i < ls->n; i++)
			if (ls->v[i].start <= m && m < wend(&ls->v[i]))
				in = true;
		for (i = 0; i < bs->n; i++)
			if ((bs->v[i].start <= m && m < wend(&bs->v[i])) ||
			    (bs->v[i].start + 1440 <= m &&
			    m < wend(&bs->v[i]) + 1440))
				in = false;
		if (in)
			return true;
	}
	return false;
}

/*
 * Every minute of [from, to) local dates; the expectation runs 9 days
 * further to find the next flip and midnight.
 */
static void
simulate(struct world *w, const char *what, int y, int mo, int d, int days,
    unsigned *total)
{
	const int64_t margin = 9 * 1440;
	int64_t t0, n, i, j, hmax = INT64_MIN, lt;
	int32_t *lday;
	bool *exp;
	int64_t *nextflip, *nextday;
	struct schedule_now r;
	struct tm tm;
	time_t tt;
	unsigned wrong = 0, wrongnext = 0, wrongmid = 0, wrongday = 0;

	/* Start at the UTC midnight before the local one: London is never
	 * more than an hour off. */
	t0 = utc(y, mo, d, 0, 0) - 2 * HOUR;
	n = (int64_t)days * 1440 + 4 * 60;
	exp = calloc((size_t)(n + margin), sizeof(*exp));
	lday = calloc((size_t)(n + margin), sizeof(*lday));
	nextflip = calloc((size_t)(n + margin), sizeof(*nextflip));
	nextday = calloc((size_t)(n + margin), sizeof(*nextday));
	ck_assert(exp && lday && nextflip && nextday);
	for (i = 0; i < n + margin; i++) {
		tt = (time_t)(t0 + i * MIN);
		if (localtime_r(&tt, &tm) == NULL)
			abort();
		lt = floordiv(t0 + i * MIN + tm.tm_gmtoff, MIN);
		if (lt > hmax)
			hmax = lt;
		exp[i] = sim_lessons(w->cfg, hmax);
		lday[i] = (int32_t)floordiv(lt, 1440);
	}
	/* The next minute that differs, backwards. */
	nextflip[n + margin - 1] = -1;
	nextday[n + margin - 1] = -1;
	for (i = n + margin - 2; i >= 0; i--) {
		nextflip[i] = exp[i + 1] != exp[i] ? i + 1 : nextflip[i + 1];
		nextday[i] = lday[i + 1] != lday[i] ? i + 1 : nextday[i + 1];
	}
	for (i = 0; i < n; i++) {
		int64_t t = t0 + i * MIN;

		schedule_at(w->s, t, &r);
		if (r.lessons != exp[i]) {
			if (wrong++ < 5)
				fprintf(stderr, "%s: t=%lld lessons %d, want "
				    "%d\n", what, (long long)t, r.lessons,
				    exp[i]);
		}
		j = nextflip[i];
		if ((j >= 0 && r.next != t0 + j * MIN) ||
		    (j < 0 && r.next <= t0 + (n + margin - 1) * MIN)) {
			if (wrongnext++ < 5)
				fprintf(stderr, "%s: t=%lld next %lld, want "
				    "%lld\n", what, (long long)t,
				    (long long)r.next,
				    (long long)(j < 0 ? -1 : t0 + j * MIN));
		}
		if (nextday[i] < 0 || r.midnight != t0 + nextday[i] * MIN)
			wrongmid++;
		if (r.day != lday[i] || r.school_day != sim_school(w->cfg,
		    lday[i]))
			wrongday++;
		/* Within the minute too. */
		if (i % 97 == 0) {
			struct schedule_now r2;

			schedule_at(w->s, t + 37, &r2);
			if (r2.lessons != r.lessons || r2.next != r.next)
				wrong++;
		}
	}
	ck_assert_msg(wrong == 0 && wrongnext == 0 && wrongmid == 0 &&
	    wrongday == 0, "%s: %u wrong minutes, %u wrong next, %u wrong "
	    "midnight, %u wrong day, of %lld minutes", what, wrong, wrongnext,
	    wrongmid, wrongday, (long long)n);
	*total += (unsigned)n;
	free(exp);
	free(lday);
	free(nextflip);
	free(nextday);
}

static const char sim_schedule[] =
    "school_days = mon-sun\n"
    "lessons = 08:45-10:30, 10:30-12:00, 13:00-15:30\n"
    "lessons.thu = 08:00-09:00, 10:00-11:00, 13:00-14:00\n"
    "lessons.fri = 08:45-12:00, 22:00-01:00\n"
    "lessons.sat = 23:00-02:30\n"
    "lessons.sun = 00:30-01:45, 01:50-03:00, 23:30-00:15\n"
    "breaks = 10:00-10:15, 13:00-13:10, 15:20-15:30\n"
    "breaks.thu = 08:00-08:10, 10:00-11:00, 13:50-14:00\n"
    "breaks.fri = 11:00-11:15, 23:45-00:15\n"
    "breaks.sat = 23:55-00:05, 01:10-01:20\n"
    "breaks.sun = 01:00-01:10\n"
    "terms = 2026-01-05..2026-02-13, 2026-02-23..2026-04-02,\n"
    "\t2026-04-20..2026-07-22, 2026-09-03..2026-10-23,\n"
    "\t2026-11-02..2026-12-18, 2026-12-30..2027-01-01,\n"
    "\t2027-01-05..2027-04-01, 2027-09-02..2027-11-03,\n"
    "\t2028-01-04..2028-03-31\n"
    "closed = 2026-03-25, 2027-10-29, 2027-03-27..2027-03-28";

START_TEST(test_simulated_year)
{
	struct world w;
	unsigned total = 0;

	ck_assert_int_eq(setenv("TZ", ":Europe/London", 1), 0);
	tzset();
	world(&w, sim_schedule);
	simulate(&w, "term week", 2026, 9, 14, 7, &total);
	simulate(&w, "half term", 2026, 10, 24, 9, &total);
	simulate(&w, "term ends on a Wednesday", 2026, 7, 20, 7, &total);
	simulate(&w, "March 2026", 2026, 3, 23, 8, &total);
	simulate(&w, "October 2026", 2026, 10, 19, 8, &total);
	simulate(&w, "March 2027", 2027, 3, 22, 8, &total);
	simulate(&w, "October 2027", 2027, 10, 25, 8, &total);
	simulate(&w, "leap day", 2028, 2, 26, 5, &total);
	simulate(&w, "new year", 2026, 12, 28, 11, &total);
	world_free(&w);
	fprintf(stderr, "simulated: %u minutes, 0 wrong\n", total);
}
END_TEST

/* The shipped config, through the same simulation and a few cases. */
START_TEST(test_shipped)
{
	struct world w;
	struct schedule_now r;
	unsigned total = 0;
	char *cause = NULL;

	ck_assert_int_eq(setenv("TZ", ":Europe/London", 1), 0);
	tzset();
	if (access(SHIPPED_CONF, R_OK) != 0 && getenv("SG_TOP") != NULL)
		ck_assert_int_eq(chdir(getenv("SG_TOP")), 0);
	world_load(&w, SHIPPED_CONF);
	simulate(&w, "shipped: first week", 2026, 8, 31, 7, &total);
	simulate(&w, "shipped: half term", 2026, 10, 24, 9, &total);
	simulate(&w, "shipped: closed Friday", 2026, 11, 23, 7, &total);
	simulate(&w, "shipped: March 2027", 2027, 3, 22, 8, &total);
	simulate(&w, "shipped: new year", 2026, 12, 28, 10, &total);
	simulate(&w, "shipped: last week", 2027, 7, 19, 7, &total);
	/* 3 September 2026, BST: the first lesson of the year. */
	schedule_at(w.s, utc(2026, 9, 3, 7, 44), &r);
	ck_assert(!r.lessons && r.school_day);
	ck_assert_int_eq(r.next, utc(2026, 9, 3, 7, 45));
	ck_assert_int_eq(r.midnight, utc(2026, 9, 3, 23, 0));
	schedule_at(w.s, utc(2026, 9, 3, 9, 30), &r);
	ck_assert(!r.lessons);
	ck_assert_int_eq(r.next, utc(2026, 9, 3, 9, 45));
	/* The last lesson of the last term, then nothing. */
	schedule_at(w.s, utc(2027, 7, 21, 14, 59), &r);
	ck_assert(r.lessons);
	ck_assert_int_eq(r.next, utc(2027, 7, 21, 15, 0));
	schedule_at(w.s, utc(2027, 7, 21, 15, 0), &r);
	ck_assert(!r.lessons);
	ck_assert_int_eq(r.next, NEVER);
	schedule_at(w.s, utc(2035, 1, 1, 12, 0), &r);
	ck_assert(!r.lessons && !r.school_day && r.next == NEVER);
	world_free(&w);
	free(cause);
}
END_TEST

/* Cost: schedule_at runs for every verdict. */
START_TEST(test_speed)
{
	struct world w;
	struct schedule_now r;
	struct timespec a, b;
	int64_t t, t0 = utc(2026, 9, 1, 0, 0);
	unsigned n = 0, yes = 0;
	double ns;

	world(&w, sim_schedule);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (t = t0; t < t0 + 60 * DAY; t += 13) {
		schedule_at(w.s, t, &r);
		yes += r.lessons;
		n++;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec -
	    a.tv_nsec)) / n;
	fprintf(stderr, "schedule_at: %.0f ns a call (%u calls)\n", ns, n);
	ck_assert_uint_gt(yes, 0);
	ck_assert_msg(ns < 20000, "schedule_at takes %.0f ns", ns);
	world_free(&w);
}
END_TEST

static Suite *
schedule_suite(void)
{
	Suite *s = suite_create("schedule");
	TCase *tc;

	tc = tcase_create("cases");
	tcase_add_test(tc, test_midnight_windows);
	tcase_add_test(tc, test_adjacent_and_breaks);
	tcase_add_test(tc, test_terms);
	tcase_add_test(tc, test_dst_days);
	tcase_add_test(tc, test_day);
	suite_add_tcase(s, tc);

	tc = tcase_create("simulation");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_simulated_year);
	tcase_add_test(tc, test_shipped);
	tcase_add_test(tc, test_speed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(schedule_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (tmpdir[0] != '\0')
		rmdir(tmpdir);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
