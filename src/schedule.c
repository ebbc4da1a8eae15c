/*
 * schedule: "in lessons" as a function of time, from [schedule].
 *
 * schedule_new() reduces each weekday's lessons minus its breaks to a
 * few spans in minutes from the start of the schedule day (a span may
 * run up to 48:00 when a lesson crosses midnight).  schedule_at() then
 * turns the spans of a few days around now into instants with
 * tz_instant(), merges them, and reads off the state and the next flip.
 * Which days count is a pair of binary searches (terms, closed), so a
 * call costs a handful of tz_instant() calls for any real timetable.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "schedule.h"
#include "tz.h"

#define DAY_MIN		CONFIG_DAY_MINUTES
/* Each break is cut at its own times and a day later (see below), and
 * every cut adds at most one span. */
#define SPANS_MAX	(3 * CONFIG_RANGES_MAX)
/* Intervals held while merging: the one holding now and up to three
 * days' worth after it (see schedule_at). */
#define HELD_MAX	(4 * SPANS_MAX + 8)
/* With no terms the timetable repeats weekly after the last closed
 * date: two weeks more without a flip means there is none. */
#define HORIZON_DAYS	15

#define NO_DAY		INT64_MAX

struct span {
	uint16_t	s, e;	/* minutes from the schedule day's 00:00 */
};

struct wspans {
	struct span	v[SPANS_MAX];
	size_t		n;
};

struct schedule {
	const struct config		*cfg;
	const struct tz			*tz;
	uint8_t				 days;		/* school_days */
	uint8_t				 active;	/* days with spans */
	struct wspans			 wd[7];
	bool				 terms_set;
	const struct config_daterange	*terms;
	size_t				 nterms;
	const struct config_daterange	*closed;
	size_t				 nclosed;
	int64_t				 last_closed;	/* or INT32_MIN */
};

struct iv {
	int64_t	a, b;		/* [a, b) */
};

static unsigned
wday_of(int64_t day)
{
	return (unsigned)((day % 7 + 7 + 4) % 7);	/* 1970-01-01: Thu */
}

/* Add [s, e) to sorted, disjoint, non-touching spans. */
static void
spans_add(struct wspans *w, unsigned s, unsigned e)
{
	size_t i, j, k;

	if (s >= e)
		return;
	for (i = 0; i < w->n && w->v[i].e < s; i++)
		;
	for (j = i; j < w->n && w->v[j].s <= e; j++) {
		if (w->v[j].s < s)
			s = w->v[j].s;
		if (w->v[j].e > e)
			e = w->v[j].e;
	}
	if (j == i) {
		if (w->n == SPANS_MAX)
			return;		/* cannot happen: see SPANS_MAX */
		memmove(&w->v[i + 1], &w->v[i], (w->n - i) * sizeof(w->v[0]));
		w->n++;
	} else {
		for (k = j; k < w->n; k++)
			w->v[i + 1 + k - j] = w->v[k];
		w->n -= j - i - 1;
	}
	w->v[i].s = (uint16_t)s;
	w->v[i].e = (uint16_t)e;
}

/* Cut [s, e) out of the spans. */
static void
spans_cut(struct wspans *w, unsigned s, unsigned e)
{
	struct wspans out;
	size_t i;

	out.n = 0;
	for (i = 0; i < w->n; i++) {
		if (e <= w->v[i].s || s >= w->v[i].e) {
			out.v[out.n++] = w->v[i];
			continue;
		}
		if (w->v[i].s < s && out.n < SPANS_MAX) {
			out.v[out.n].s = w->v[i].s;
			out.v[out.n++].e = (uint16_t)s;
		}
		if (e < w->v[i].e && out.n < SPANS_MAX) {
			out.v[out.n].s = (uint16_t)e;
			out.v[out.n++].e = w->v[i].e;
		}
	}
	memcpy(w->v, out.v, out.n * sizeof(out.v[0]));
	w->n = out.n;
}

/* A window as minutes from its own day's 00:00; past 24:00 when it
 * crosses midnight. */
static void
window_minutes(const struct config_window *w, unsigned *s, unsigned *e)
{
	*s = w->start;
	*e = w->end <= w->start ? w->end + (unsigned)DAY_MIN : w->end;
}

static void
weekday_spans(struct wspans *w, const struct config_windows *lessons,
    const struct config_windows *breaks)
{
	unsigned s, e;
	size_t i;

	w->n = 0;
	for (i = 0; i < lessons->n; i++) {
		window_minutes(&lessons->v[i], &s, &e);
		spans_add(w, s, e);
	}
	/*
	 * A break is cut out of its own day's lessons only, wherever its
	 * times fall in them: at its times on its date and, for a lesson
	 * that runs past midnight, at its times on the next date (01:00-
	 * 01:30 inside 22:00-02:00, as config.c accepts it).  It never
	 * cuts another date's lessons.
	 */
	for (i = 0; i < breaks->n; i++) {
		window_minutes(&breaks->v[i], &s, &e);
		spans_cut(w, s, e);
		spans_cut(w, s + DAY_MIN, e + DAY_MIN);
	}
}

struct schedule *
schedule_new(const struct config *cfg, const struct tz *tz, char **cause)
{
	struct schedule *s;
	size_t i;
	unsigned d;

	if (cause != NULL)
		*cause = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		if (cause != NULL)
			*cause = strdup("schedule: out of memory");
		return NULL;
	}
	s->cfg = cfg;
	s->tz = tz;
	s->days = cfg->schedule.school_days & 0x7f;
	for (d = 0; d < 7; d++) {
		if (!(s->days & (1u << d)))
			continue;
		weekday_spans(&s->wd[d], &cfg->schedule.day_lessons[d],
		    &cfg->schedule.day_breaks[d]);
		if (s->wd[d].n > 0)
			s->active |= (uint8_t)(1u << d);
	}
	s->terms_set = cfg->schedule.terms_set;
	s->terms = cfg->schedule.terms.v;
	s->nterms = s->terms_set ? cfg->schedule.terms.n : 0;
	s->closed = cfg->schedule.closed.v;
	s->nclosed = cfg->schedule.closed.n;
	s->last_closed = INT32_MIN;
	for (i = 0; i < s->nclosed; i++)
		if (s->closed[i].to.days > s->last_closed)
			s->last_closed = s->closed[i].to.days;
	return s;
}

void
schedule_free(struct schedule *s)
{
	free(s);
}

const struct tz *
schedule_tz(const struct schedule *s)
{
	return s->tz;
}

/* The first of the ranges (sorted, disjoint) that ends on or after day,
 * or n. */
static size_t
range_find(const struct config_daterange *v, size_t n, int64_t day)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid].to.days < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
in_ranges(const struct config_daterange *v, size_t n, int64_t day)
{
	size_t i = range_find(v, n, day);

	return i < n && v[i].from.days <= day;
}

bool
schedule_school_day(const struct schedule *s, int32_t day)
{
	if (!(s->days & (1u << wday_of(day))))
		return false;
	if (s->terms_set && !in_ranges(s->terms, s->nterms, day))
		return false;
	return !in_ranges(s->closed, s->nclosed, day);
}

/* The first school day on or after day, at most horizon, that has
 * lessons; NO_DAY when there is none.  Jumps over the gaps between
 * terms and over closed ranges, so it takes a few steps. */
static int64_t
next_active(const struct schedule *s, int64_t day, int64_t horizon)
{
	size_t i;

	while (day <= horizon) {
		if (s->terms_set) {
			if ((i = range_find(s->terms, s->nterms, day)) ==
			    s->nterms)
				return NO_DAY;
			if (day < s->terms[i].from.days)
				day = s->terms[i].from.days;
		}
		i = range_find(s->closed, s->nclosed, day);
		if (i < s->nclosed && s->closed[i].from.days <= day) {
			day = (int64_t)s->closed[i].to.days + 1;
			continue;
		}
		if (!(s->active & (1u << wday_of(day)))) {
			day++;
			continue;
		}
		return day <= horizon ? day : NO_DAY;
	}
	return NO_DAY;
}

/* Minute m of schedule day day, as an instant. */
static int64_t
at_minute(const struct schedule *s, int64_t day, unsigned m)
{
	return tz_instant(s->tz, (int32_t)(day + m / DAY_MIN),
	    (int32_t)(m % DAY_MIN) * 60);
}

/* Add [a, b) to sorted, disjoint, non-touching intervals: touching ones
 * merge, since adjacent lessons are one. */
static void
held_add(struct iv *v, size_t *n, int64_t a, int64_t b)
{
	size_t i, j, k;

	if (a >= b)
		return;
	for (i = 0; i < *n && v[i].b < a; i++)
		;
	for (j = i; j < *n && v[j].a <= b; j++) {
		if (v[j].a < a)
			a = v[j].a;
		if (v[j].b > b)
			b = v[j].b;
	}
	if (j == i) {
		if (*n == HELD_MAX)
			return;		/* cannot happen: see HELD_MAX */
		memmove(&v[i + 1], &v[i], (*n - i) * sizeof(v[0]));
		(*n)++;
	} else {
		for (k = j; k < *n; k++)
			v[i + 1 + k - j] = v[k];
		*n -= j - i - 1;
	}
	v[i].a = a;
	v[i].b = b;
}

/*
 * Decide from the held intervals when no interval still to come can
 * start before f (every one still to come starts at or after f, and
 * now < f).  False when it cannot tell yet.
 */
static bool
decide(const struct schedule *s, const struct iv *v, size_t n, int64_t now,
    int64_t f, struct schedule_now *ret)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].b <= now)
			continue;
		if (v[i].a <= now) {
			ret->lessons = true;
			if (f == INT64_MAX && !s->terms_set) {
				/* Without terms the last day looked at is the
				 * horizon, and lessons that ran unbroken to it
				 * go on for ever. */
				ret->next = SCHEDULE_NEVER;
				return true;
			}
			if (v[i].b < f || f == INT64_MAX) {
				ret->next = v[i].b;
				return true;
			}
			return false;
		}
		if (v[i].a < f) {
			ret->lessons = false;
			ret->next = v[i].a;
			return true;
		}
		return false;
	}
	if (f != INT64_MAX)
		return false;
	ret->lessons = false;
	ret->next = SCHEDULE_NEVER;
	return true;
}

/*
 * The intervals of schedule days d-1, d, d+1, ... are added in order of
 * their day.  Each day's intervals start at or after its 00:00, so once
 * the days before D are in, everything before D's 00:00 is known; that
 * is when decide() may answer.  Intervals of day D end by D+2's 00:00,
 * and any that ended by now are dropped, so what is held is the interval
 * holding now and the intervals of at most three days: HELD_MAX.
 */
void
schedule_at(const struct schedule *s, int64_t now, struct schedule_now *ret)
{
	struct iv held[HELD_MAX];
	struct tz_local l;
	const struct wspans *w;
	int64_t d, f, horizon, a, b;
	size_t n = 0, i, k;

	tz_local(s->tz, now, &l);
	d = l.day;
	ret->day = l.day;
	ret->school_day = schedule_school_day(s, l.day);
	ret->midnight = tz_instant(s->tz, l.day + 1, 0);
	if (ret->midnight <= now) {
		/* Clocks went back over midnight and now is in the hour
		 * that repeats: the date turns when the clock reads 00:00
		 * again. */
		ret->midnight = now + (DAY_MIN * 60 - l.sec);
	}

	if (s->terms_set)
		horizon = s->nterms > 0 ? s->terms[s->nterms - 1].to.days :
		    INT32_MIN;
	else
		horizon = (d > s->last_closed ? d : s->last_closed) +
		    HORIZON_DAYS;
	for (d = next_active(s, d - 1, horizon);; d = next_active(s, d + 1,
	    horizon)) {
		f = d == NO_DAY ? INT64_MAX : tz_instant(s->tz, (int32_t)d, 0);
		if (f > now && decide(s, held, n, now, f, ret))
			return;
		if (d == NO_DAY) {
			/* Only when f <= now, which NO_DAY never is. */
			ret->lessons = false;
			ret->next = SCHEDULE_NEVER;
			return;
		}
		w = &s->wd[wday_of(d)];
		for (i = 0; i < w->n; i++) {
			a = at_minute(s, d, w->v[i].s);
			b = at_minute(s, d, w->v[i].e);
			held_add(held, &n, a, b);
		}
		for (i = k = 0; i < n; i++)
			if (held[i].b > now)
				held[k++] = held[i];
		n = k;
	}
}

size_t
schedule_day(const struct schedule *s, int32_t day, int64_t (*v)[2],
    size_t max)
{
	const struct wspans *w;
	int64_t a, b, pb = INT64_MIN;
	size_t i, n = 0;

	if (!schedule_school_day(s, day))
		return 0;
	w = &s->wd[wday_of(day)];
	for (i = 0; i < w->n; i++) {
		a = at_minute(s, day, w->v[i].s);
		b = at_minute(s, day, w->v[i].e);
		if (a >= b)
			continue;	/* wholly in the hour that is skipped */
		if (n > 0 && a <= pb) {
			/* Two spans that the skipped hour joins. */
			if (n <= max)
				v[n - 1][1] = b;
			pb = b;
			continue;
		}
		if (n < max) {
			v[n][0] = a;
			v[n][1] = b;
		}
		n++;
		pb = b;
	}
	return n;
}
