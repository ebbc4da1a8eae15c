/*
 * policy: the decision (see policy.h for the rules, and
 * schoolgate-overrides(5) for the precedence of overrides).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "policy.h"
#include "tz.h"

#define DAY_SECS	86400

enum mode {
	MODE_BLOCK = 0,
	MODE_QUOTA,
	MODE_ALLOW,
};

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

bool
policy_polices(const struct config_group *g, const struct platform *p)
{
	size_t i;

	for (i = 0; i < g->nplatforms; i++)
		if (strcmp(g->platforms[i], p->id) == 0 ||
		    strcmp(g->platforms[i], p->category) == 0)
			return true;
	return false;
}

bool
verdict_blocks(enum verdict v)
{
	return v >= VERDICT_BLOCK_LESSONS;
}

const char *
verdict_str(enum verdict v)
{
	switch (v) {
	case VERDICT_ALLOW:
		return "ALLOW";
	case VERDICT_ALLOW_QUOTA:
		return "ALLOW_QUOTA";
	case VERDICT_ALLOW_OVERRIDE:
		return "ALLOW_OVERRIDE";
	case VERDICT_BLOCK_LESSONS:
		return "BLOCK_LESSONS";
	case VERDICT_BLOCK_QUOTA:
		return "BLOCK_QUOTA";
	case VERDICT_BLOCK_GROUP:
		return "BLOCK_GROUP";
	case VERDICT_BLOCK_CIRCUMVENTION:
		return "BLOCK_CIRCUMVENTION";
	}
	return "?";
}

/* How specifically o's who names the device: -1 not at all, then all <
 * group < ip < person. */
static int
who_rank(const struct override *o, const struct config_group *g,
    const struct config_person *pers, const struct addr *a)
{
	switch (o->who) {
	case OVR_ALL:
		return 0;
	case OVR_GROUP:
		return g != NULL && strcmp(g->name, o->who_name) == 0 ? 1 : -1;
	case OVR_IP:
		return a != NULL && cidr_contains(&o->who_prefix, a) ? 2 : -1;
	case OVR_PERSON:
		return pers != NULL && strcmp(pers->name, o->who_name) == 0 ?
		    3 : -1;
	}
	return -1;
}

/* How specifically o's target names the connection: -1 not at all, then
 * category < platform id < domain.  A category matches only platforms
 * of that category, so "social" never reaches circumvention: that needs
 * its id, "circumvention" or a domain. */
static int
target_rank(const struct override *o, const struct platform *p,
    const char *name)
{
	if (o->domain != NULL)
		return name != NULL && override_covers_name(o, name) ? 2 : -1;
	if (o->platform == NULL)
		return -1;
	if (strcmp(o->platform, p->id) == 0)
		return 1;
	if (strcmp(o->platform, p->category) == 0)
		return 0;
	return -1;
}

static int64_t
ovr_from(const struct tz *tz, const struct override *o)
{
	return tz_instant(tz, o->from_day, o->from_sec);
}

static int64_t
ovr_until(const struct tz *tz, const struct override *o)
{
	return tz_instant(tz, o->until_day, o->until_sec);
}

/*
 * Is now inside one of o's hours windows, and when is the next edge of
 * one?  A window belongs to the local date it starts on, as lesson
 * windows do; one that crosses midnight ends on the next date.
 */
static bool
hours_at(const struct tz *tz, const struct override *o, int64_t now,
    int64_t *next)
{
	struct tz_local l;
	int64_t s, e;
	int32_t d;
	size_t i;
	bool in = false;

	*next = POLICY_NEVER;
	if (o->nhours == 0)
		return true;
	tz_local(tz, now, &l);
	for (d = l.day - 1; d <= l.day + 1; d++) {
		for (i = 0; i < o->nhours; i++) {
			const struct config_window *w = &o->hours[i];

			s = tz_instant(tz, d, (int32_t)w->start * 60);
			e = w->end > w->start ?
			    tz_instant(tz, d, (int32_t)w->end * 60) :
			    tz_instant(tz, d + 1, (int32_t)w->end * 60);
			if (s <= now && now < e) {
				in = true;
				*next = min64(*next, e);
			} else if (s > now)
				*next = min64(*next, s);
		}
	}
	/* The next date's windows may start earlier than the next edge
	 * found only if today's are all behind: d + 1 covers that. */
	return in;
}

/* Does o's date span include local day day? */
static bool
ovr_on_day(const struct override *o, int32_t day)
{
	if (day < o->from_day || day > o->until_day)
		return false;
	return day < o->until_day || o->until_sec > 0;
}

uint32_t
policy_allowance(const struct policy *p, const struct config_group *g,
    const struct config_person *pers, const struct addr *a, int32_t day)
{
	uint64_t total = g->daily_quota;
	size_t i;

	if (p->ovr == NULL)
		return g->daily_quota;
	for (i = 0; i < p->ovr->n; i++) {
		const struct override *o = &p->ovr->v[i];

		if (o->extra_quota == 0 || who_rank(o, g, pers, a) < 0 ||
		    !ovr_on_day(o, day))
			continue;
		total += o->extra_quota;
	}
	return total > DAY_SECS ? DAY_SECS : (uint32_t)total;
}

/* The verdict without overrides. */
static void
decide_base(const struct policy *p, const struct policy_query *q,
    const struct schedule_now *s, struct policy_verdict *r)
{
	const struct config_group *g = q->group;
	enum mode in, out, now;
	int64_t change;

	in = g->lessons == CONFIG_LESSONS_BLOCK ? MODE_BLOCK : MODE_ALLOW;
	switch (g->outside) {
	case CONFIG_OUTSIDE_QUOTA:
		out = MODE_QUOTA;
		break;
	case CONFIG_OUTSIDE_ALLOW:
		out = MODE_ALLOW;
		break;
	default:
		out = MODE_BLOCK;
		break;
	}
	if (out == MODE_QUOTA) {
		r->allowance = policy_allowance(p, g, q->person, q->addr,
		    s->day);
		r->used = q->used < r->allowance ? q->used : r->allowance;
		r->left = r->allowance - r->used;
		r->resets = s->midnight;
	}
	if (q->platform->cat == CAT_CIRCUMVENTION) {
		r->verdict = VERDICT_BLOCK_CIRCUMVENTION;
		r->until = POLICY_NEVER;
		return;
	}
	if (in == MODE_BLOCK && out == MODE_BLOCK) {
		r->verdict = VERDICT_BLOCK_GROUP;
		r->until = POLICY_NEVER;
		return;
	}
	now = s->lessons ? in : out;
	change = in != out ? s->next : POLICY_NEVER;
	switch (now) {
	case MODE_BLOCK:
		r->verdict = s->lessons ? VERDICT_BLOCK_LESSONS :
		    VERDICT_BLOCK_GROUP;
		r->until = change;
		break;
	case MODE_ALLOW:
		r->verdict = VERDICT_ALLOW;
		r->until = change;
		break;
	case MODE_QUOTA:
		r->metered = true;
		/* A new day brings a new allowance, whatever is left. */
		change = min64(change, s->midnight);
		if (r->left > 0) {
			r->verdict = VERDICT_ALLOW_QUOTA;
			r->until = min64(change, q->now + r->left);
		} else {
			r->verdict = VERDICT_BLOCK_QUOTA;
			r->until = change;
		}
		break;
	}
}

/* Is a strictly more specific than b (see schoolgate-overrides(5))? */
static bool
beats(int wa, int ta, int64_t ua, int wb, int tb, int64_t ub)
{
	if (wa != wb)
		return wa > wb;
	if (ta != tb)
		return ta > tb;
	return ua > ub;		/* equal: the earlier file name stays */
}

void
policy_decide(const struct policy *p, const struct policy_query *q,
    struct policy_verdict *r)
{
	const struct tz *tz = schedule_tz(p->sched);
	const struct override *best = NULL;
	struct schedule_now s;
	int64_t f, u, bu = 0, future = POLICY_NEVER, hnext;
	int w, t, bw = -1, bt = -1;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->verdict = VERDICT_ALLOW;
	r->until = POLICY_NEVER;
	if (q->group == NULL || !policy_polices(q->group, q->platform))
		return;
	schedule_at(p->sched, q->now, &s);
	r->lessons = s.lessons;
	decide_base(p, q, &s, r);
	if (r->verdict == VERDICT_ALLOW || p->ovr == NULL)
		return;

	for (i = 0; i < p->ovr->n; i++) {
		const struct override *o = &p->ovr->v[i];

		if (o->extra_quota != 0 ||
		    (w = who_rank(o, q->group, q->person, q->addr)) < 0 ||
		    (t = target_rank(o, q->platform, q->name)) < 0)
			continue;
		f = ovr_from(tz, o);
		u = ovr_until(tz, o);
		if (q->now >= u)
			continue;
		if (q->now < f) {
			/* Not yet: the verdict may change when it starts. */
			future = min64(future, f);
			continue;
		}
		if (best == NULL || beats(w, t, u, bw, bt, bu)) {
			best = o;
			bw = w;
			bt = t;
			bu = u;
		}
	}
	r->until = min64(r->until, future);
	if (best == NULL)
		return;
	if (hours_at(tz, best, q->now, &hnext)) {
		r->verdict = VERDICT_ALLOW_OVERRIDE;
		r->by = best;
		r->metered = false;
		r->until = min64(min64(bu, hnext), future);
	} else
		r->until = min64(min64(r->until, bu), hnext);
}
