/*
 * Unit tests for policy.c, through the real timetable, zone, overrides
 * and catalogue.
 *
 * The school-year simulation decides, for every minute of chosen weeks,
 * what a member of staff (allowance left, allowance spent) and a pupil
 * get, and compares it with an expectation computed here independently:
 * the C library's own zone code (TZ=Europe/London, localtime_r, mktime)
 * and the timetable's rules written out plainly.  The verdict's until is
 * checked exactly against the next change found by scanning the minutes.
 */
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "identity.h"
#include "overrides.h"
#include "policy.h"
#include "schedule.h"
#include "tz.h"

#define MIN		60
#define QUOTA		1800

static char tmpdir[] = "/tmp/check_policy.XXXXXX";
static char ovrdir[300];
static struct catalog *cat;

struct world {
	struct config		*cfg;
	struct tz		*tz;
	struct schedule		*sched;
	struct overrides	*ovr;
	struct policy		 pol;
};

static const char base_conf[] =
	"[gateway]\n"
	"interface = eth1\n"
	"lan = 10.10.0.0/16\n"
	"timezone = Europe/London\n"
	"overrides_dir = %s\n"
	"[schedule]\n"
	"school_days = mon-fri\n"
	"lessons = 08:45-16:00\n"
	"breaks = 10:30-10:45, 12:15-13:00\n"
	"lessons.fri = 08:45-14:30\n"
	"breaks.fri = 10:30-10:45, 12:15-13:00\n"
	"%s"
	"[group staff]\n"
	"members = 10.10.0.0/20\n"
	"lessons = block\n"
	"outside = quota\n"
	"daily_quota = 30m\n"
	"platforms = social\n"
	"[group pupils]\n"
	"members = 10.10.32.0/19\n"
	"lessons = block\n"
	"outside = block\n"
	"platforms = social, circumvention\n"
	"[group ict]\n"
	"members = 10.10.16.0/24\n"
	"lessons = allow\n"
	"outside = allow\n"
	"[person jsmith]\n"
	"group = staff\n"
	"devices = 10.10.0.23\n"
	"[person abrown]\n"
	"group = staff\n"
	"devices = 10.10.0.31\n"
	"[person p1]\n"
	"group = pupils\n"
	"devices = 10.10.32.5\n";

static const char terms_2026[] =
	"terms = 2026-09-03..2026-10-23, 2026-11-02..2026-12-18,\n"
	"\t2027-01-05..2027-02-12, 2027-02-22..2027-03-26\n"
	"closed = 2026-11-27\n";

static void
write_file(const char *path, const char *text)
{
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* The base config with sched_extra in [schedule] and tail at the end. */
static void
world_load_tail(struct world *w, const char *sched_extra, const char *tail)
{
	char path[400], text[8192], *cause = NULL;
	int n;

	n = snprintf(text, sizeof(text), base_conf, ovrdir, sched_extra);
	ck_assert(n > 0 && (size_t)n < sizeof(text));
	snprintf(text + n, sizeof(text) - (size_t)n, "%s", tail);
	snprintf(path, sizeof(path), "%s/s.conf", tmpdir);
	write_file(path, text);
	memset(w, 0, sizeof(*w));
	w->cfg = config_load(path, &cause);
	ck_assert_msg(w->cfg != NULL, "config: %s", cause ? cause : "");
	w->tz = tz_load("Europe/London", &cause);
	ck_assert_msg(w->tz != NULL, "tz: %s", cause ? cause : "");
	w->sched = schedule_new(w->cfg, w->tz, &cause);
	ck_assert_ptr_nonnull(w->sched);
	w->ovr = overrides_load_dir(ovrdir, w->cfg, cat, &cause);
	ck_assert_msg(w->ovr != NULL, "overrides: %s", cause ? cause : "");
	w->pol.cfg = w->cfg;
	w->pol.sched = w->sched;
	w->pol.ovr = w->ovr;
}

static void
world_load(struct world *w, const char *sched_extra)
{
	world_load_tail(w, sched_extra, "");
}

static void
world_free(struct world *w)
{
	overrides_free(w->ovr);
	schedule_free(w->sched);
	tz_free(w->tz);
	config_free(w->cfg);
}

static void
setup(void)
{
	char *cause = NULL;

	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(ovrdir, sizeof(ovrdir), "%s/overrides.d", tmpdir);
	ck_assert_int_eq(mkdir(ovrdir, 0755), 0);
	cat = catalog_load_dir("conf/platforms.d", &cause);
	ck_assert_msg(cat != NULL, "catalogue: %s", cause ? cause : "");
	/* The oracle: the C library's zone code, not ours. */
	setenv("TZ", ":Europe/London", 1);
	tzset();
}

static void
teardown(void)
{
	char cmd[400];

	catalog_free(cat);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	memcpy(tmpdir + strlen(tmpdir) - 6, "XXXXXX", 6);
}

static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return (int64_t)tz_days_from_civil(y, (unsigned)mo, (unsigned)d) *
	    86400 + h * 3600 + mi * 60;
}

/* Local wall time, through the C library. */
static int64_t
local(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static void
decide(const struct world *w, const char *who, const char *addr,
    const char *platform, const char *name, int64_t now, uint32_t used,
    struct policy_verdict *v)
{
	static struct identity *id;
	static const struct config *idcfg;
	struct policy_query q;
	struct addr a;
	struct who wh;

	if (idcfg != w->cfg) {
		identity_free(id);
		id = identity_new(w->cfg, NULL);
		idcfg = w->cfg;
	}
	ck_assert_int_eq(addr_parse(addr, &a), 0);
	memset(&q, 0, sizeof(q));
	identity_lookup(id, &a, NULL, &wh);
	if (who != NULL)
		ck_assert_str_eq(wh.person ? wh.person->name : wh.group->name,
		    who);
	q.group = wh.group;
	q.person = wh.person;
	q.addr = &a;
	q.platform = catalog_find(cat, platform);
	ck_assert_msg(q.platform != NULL, "no platform %s", platform);
	q.name = name;
	q.now = now;
	q.used = used;
	policy_decide(&w->pol, &q, v);
}

/*
 * The independent expectation.
 */
struct spec {
	bool		terms;		/* the 2026-27 terms and closed day */
};

static bool
in_ranges(int ymd, const int (*r)[2], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ymd >= r[i][0] && ymd <= r[i][1])
			return true;
	return false;
}

static bool
expect_lessons(const struct spec *sp, int64_t t)
{
	static const int terms[][2] = {
		{ 20260903, 20261023 }, { 20261102, 20261218 },
		{ 20270105, 20270212 }, { 20270222, 20270326 },
	};
	static const int closed[][2] = { { 20261127, 20261127 } };
	time_t tt = (time_t)t;
	struct tm tm;
	int ymd, m, end;

	ck_assert_ptr_nonnull(localtime_r(&tt, &tm));
	ymd = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	    tm.tm_mday;
	if (tm.tm_wday == 0 || tm.tm_wday == 6)
		return false;
	if (sp->terms && (!in_ranges(ymd, terms, 4) ||
	    in_ranges(ymd, closed, 1)))
		return false;
	m = tm.tm_hour * 60 + tm.tm_min;
	end = tm.tm_wday == 5 ? 14 * 60 + 30 : 16 * 60;
	if (m < 8 * 60 + 45 || m >= end)
		return false;
	if (m >= 10 * 60 + 30 && m < 10 * 60 + 45)
		return false;
	if (m >= 12 * 60 + 15 && m < 13 * 60)
		return false;
	return true;
}

static int64_t
next_midnight(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	tm.tm_mday++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

#define SIM_MAX	(16 * 1440)

static int64_t
min3(int64_t a, int64_t b, int64_t c)
{
	int64_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* Simulate days [start, start + ndays) minute by minute; the expectation
 * runs three days further to find the changes after the last minute. */
static void
simulate(const char *label, const struct spec *sp, int64_t start,
    int ndays)
{
	static bool L[SIM_MAX];
	static int64_t flip[SIM_MAX];
	struct world w;
	struct policy_verdict v;
	int n = (ndays + 3) * 1440, i, wrong = 0, checked = 0;
	int64_t t, mid, want;
	char first[512] = "";

	ck_assert_int_le(n, SIM_MAX);
	world_load(&w, sp->terms ? terms_2026 : "");
	for (i = 0; i < n; i++)
		L[i] = expect_lessons(sp, start + (int64_t)i * MIN);
	flip[n - 1] = POLICY_NEVER;
	for (i = n - 2; i >= 0; i--)
		flip[i] = L[i + 1] != L[i] ? start + (int64_t)(i + 1) * MIN :
		    flip[i + 1];

#define WRONG(...) do {							\
	if (wrong++ == 0)						\
		snprintf(first, sizeof(first), __VA_ARGS__);		\
} while (0)

	for (i = 0; i < ndays * 1440; i++) {
		t = start + (int64_t)i * MIN;
		mid = next_midnight(t);
		checked++;

		/* A pupil: blocked always, for good. */
		decide(&w, "p1", "10.10.32.5", "instagram", NULL, t, 0, &v);
		if (v.verdict != VERDICT_BLOCK_GROUP ||
		    v.until != POLICY_NEVER)
			WRONG("%s: minute %d: pupil %s", label, i,
			    verdict_str(v.verdict));

		/* Staff with the allowance spent. */
		decide(&w, "jsmith", "10.10.0.23", "instagram", NULL, t, QUOTA,
		    &v);
		want = L[i] ? flip[i] : (flip[i] < mid ? flip[i] : mid);
		if (v.verdict != (L[i] ? VERDICT_BLOCK_LESSONS :
		    VERDICT_BLOCK_QUOTA) || (flip[i] != POLICY_NEVER &&
		    v.until != want) || v.lessons != L[i])
			WRONG("%s: minute %d (t=%lld): spent: %s until %lld, "
			    "want %s until %lld", label, i, (long long)t,
			    verdict_str(v.verdict), (long long)v.until,
			    L[i] ? "BLOCK_LESSONS" : "BLOCK_QUOTA",
			    (long long)want);

		/* Staff with the whole allowance. */
		decide(&w, "jsmith", "10.10.0.23", "instagram", NULL, t, 0,
		    &v);
		want = L[i] ? flip[i] : min3(flip[i], mid, t + QUOTA);
		if (v.verdict != (L[i] ? VERDICT_BLOCK_LESSONS :
		    VERDICT_ALLOW_QUOTA) || (flip[i] != POLICY_NEVER &&
		    v.until != want) || (!L[i] && v.left != QUOTA))
			WRONG("%s: minute %d (t=%lld): fresh: %s until %lld, "
			    "want %s until %lld", label, i, (long long)t,
			    verdict_str(v.verdict), (long long)v.until,
			    L[i] ? "BLOCK_LESSONS" : "ALLOW_QUOTA",
			    (long long)want);

		/* Not policed: ict allows all; staff's platforms are social
		 * only, so a VPN is not theirs to block. */
		decide(&w, "ict", "10.10.16.9", "instagram", NULL, t, 0, &v);
		if (v.verdict != VERDICT_ALLOW)
			WRONG("%s: minute %d: ict %s", label, i,
			    verdict_str(v.verdict));
		decide(&w, "jsmith", "10.10.0.23", "nordvpn", NULL, t, 0, &v);
		if (v.verdict != VERDICT_ALLOW || v.until != POLICY_NEVER)
			WRONG("%s: minute %d: staff vpn %s", label, i,
			    verdict_str(v.verdict));
	}
#undef WRONG
	world_free(&w);
	ck_assert_msg(wrong == 0, "%s: %d wrong minutes of %d; first: %s",
	    label, wrong, checked, first);
}

START_TEST(test_year)
{
	static const struct spec with_terms = { true }, all_terms = { false };

	/* A week in term, with an INSET day on the Friday. */
	simulate("term week", &with_terms, local(2026, 11, 23, 0, 0), 7);
	/* Half-term, across the October change of 2026. */
	simulate("half-term", &with_terms, local(2026, 10, 24, 0, 0), 10);
	/* New Year, the holiday and the first days of term. */
	simulate("new year", &with_terms, local(2026, 12, 28, 0, 0), 11);
	/* The DST changes of 2026 and 2027 on school weeks. */
	simulate("march 2026", &all_terms, local(2026, 3, 23, 0, 0), 9);
	simulate("october 2026", &all_terms, local(2026, 10, 19, 0, 0), 9);
	simulate("march 2027", &all_terms, local(2027, 3, 22, 0, 0), 9);
	simulate("october 2027", &all_terms, local(2027, 10, 25, 0, 0), 9);
	/* A leap day, a Tuesday. */
	simulate("leap day", &all_terms, local(2028, 2, 26, 0, 0), 6);
}
END_TEST

/*
 * Quota and midnight on days of 23 and 25 hours.
 */
START_TEST(test_midnight_dst)
{
	struct world w;
	struct policy_verdict v;

	world_load(&w, "");
	/* Sunday 29 March 2026 has 23 hours: from 22:00 on Saturday the
	 * spent allowance comes back at 00:00 GMT, 26 h before Monday's
	 * midnight BST. */
	decide(&w, NULL, "10.10.0.23", "instagram", NULL,
	    utc(2026, 3, 28, 22, 0), QUOTA, &v);
	ck_assert_int_eq(v.verdict, VERDICT_BLOCK_QUOTA);
	ck_assert_int_eq(v.until, utc(2026, 3, 29, 0, 0));
	decide(&w, NULL, "10.10.0.23", "instagram", NULL,
	    utc(2026, 3, 29, 12, 0), QUOTA, &v);
	ck_assert_int_eq(v.until, utc(2026, 3, 29, 23, 0));	/* 00:00 BST */
	ck_assert_int_eq(v.until - utc(2026, 3, 29, 0, 0), 23 * 3600);
	/* Sunday 25 October 2026 has 25 hours. */
	decide(&w, NULL, "10.10.0.23", "instagram", NULL,
	    utc(2026, 10, 24, 23, 30), QUOTA, &v);
	ck_assert_int_eq(v.until, utc(2026, 10, 25, 0, 0) - 3600 + 3600 * 25);
	ck_assert_int_eq(v.until, utc(2026, 10, 26, 0, 0));
	/* Lessons on Monday at 08:45 BST and GMT. */
	decide(&w, NULL, "10.10.0.23", "instagram", NULL,
	    utc(2026, 3, 30, 7, 44), 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_ALLOW_QUOTA);
	ck_assert_int_eq(v.until, utc(2026, 3, 30, 7, 45));
	decide(&w, NULL, "10.10.0.23", "instagram", NULL,
	    utc(2026, 10, 26, 8, 44), 0, &v);
	ck_assert_int_eq(v.until, utc(2026, 10, 26, 8, 45));
	/* Allowance running out at the current rate. */
	decide(&w, NULL, "10.10.0.23", "instagram", NULL,
	    utc(2026, 11, 21, 12, 0), QUOTA - 70, &v);
	ck_assert_int_eq(v.verdict, VERDICT_ALLOW_QUOTA);
	ck_assert_int_eq(v.until, utc(2026, 11, 21, 12, 1) + 10);
	ck_assert_uint_eq(v.left, 70);
	ck_assert_uint_eq(v.used, QUOTA - 70);
	ck_assert_int_eq(v.resets, utc(2026, 11, 22, 0, 0));
	world_free(&w);
}
END_TEST

/*
 * Overrides: precedence, hours, expiry, extra time, circumvention.
 */
static void
ovr(const char *name, const char *text)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s.conf", ovrdir, name);
	write_file(path, text);
}

#define OVR(target, who, from, until, extra)				\
	"[override]\n" target "\nwho = " who "\nfrom = " from		\
	"\nuntil = " until "\n" extra "reason = test\n"			\
	"approved_by = Headteacher\n"

START_TEST(test_overrides)
{
	struct world w;
	struct policy_verdict v;
	/* Monday 23 November 2026, GMT: lessons 08:45-16:00. */
	int64_t lesson = utc(2026, 11, 23, 9, 0);
	int64_t lunch = utc(2026, 11, 23, 12, 30);

	/* All staff and pupils may use YouTube for the week, a person
	 * only at lunch, a group Instagram, a device TikTok. */
	ovr("a-all", OVR("platform = youtube", "all", "2026-11-23",
	    "2026-11-29", ""));
	ovr("b-lunch", OVR("platform = youtube", "person:abrown",
	    "2026-11-23", "2026-11-29", "hours = 12:15-13:00\n"));
	ovr("c-group", OVR("platform = instagram", "group:staff",
	    "2026-11-23 10:00", "2026-11-23 11:00", ""));
	ovr("d-ip", OVR("platform = tiktok", "ip:10.10.0.31",
	    "2026-11-23", "2026-11-23", ""));
	ovr("e-social", OVR("platform = social", "group:pupils",
	    "2026-11-23", "2026-11-23", ""));
	ovr("f-vpn", OVR("platform = nordvpn", "person:p1",
	    "2026-11-24", "2026-11-24", ""));
	ovr("g-extra", OVR("platform = instagram", "person:jsmith",
	    "2026-11-23", "2026-11-24", "extra_quota = 15m\n"));
	ovr("h-domain", OVR("domain = ads.tiktok.com", "all",
	    "2026-11-23", "2026-11-23", ""));
	ovr("i-bad", "[override]\nplatform = youtube\nwho = everyone\n");
	world_load(&w, terms_2026);
	ck_assert_uint_eq(w.ovr->n, 8);
	ck_assert_uint_eq(w.ovr->nrejected, 1);

	/* "all" unblocks youtube in lessons until the end of Sunday. */
	decide(&w, "jsmith", "10.10.0.23", "youtube", NULL, lesson, 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_ALLOW_OVERRIDE);
	ck_assert_str_eq(v.by->id, "a-all");
	ck_assert_int_eq(v.until, utc(2026, 11, 30, 0, 0));
	ck_assert(!v.metered);
	/* A person's override beats it, hours and all: abrown only at
	 * lunch, and at 09:00 the lesson block stands until 12:15. */
	decide(&w, "abrown", "10.10.0.31", "youtube", NULL, lesson, 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_BLOCK_LESSONS);
	ck_assert_int_eq(v.until, utc(2026, 11, 23, 10, 30));
	decide(&w, "abrown", "10.10.0.31", "youtube", NULL,
	    utc(2026, 11, 23, 11, 0), 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_BLOCK_LESSONS);
	ck_assert_int_eq(v.until, utc(2026, 11, 23, 12, 15));
	decide(&w, "abrown", "10.10.0.31", "youtube", NULL, lunch, 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_ALLOW_OVERRIDE);
	ck_assert_str_eq(v.by->id, "b-lunch");
	ck_assert_int_eq(v.until, utc(2026, 11, 23, 13, 0));
	/* Pupils are in "all" too. */
	decide(&w, "p1", "10.10.32.5", "youtube", NULL, lesson, 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_ALLOW_OVERRIDE);
	/* Before from: blocked, until the override starts. */
	decide(&w, "p1", "10.10.32.5", "youtube", NULL,
	    utc(2026, 11, 22, 20, 0), 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_BLOCK_GROUP);
	ck_assert_int_eq(v.until, utc(2026, 11, 23, 0, 0));
	/* At until: over (exclusive). */
	decide(&w, "p1", "10.10.32.5", "youtube", NULL,
	    utc(2026, 11, 30, 0, 0), 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_BLOCK_GROUP);
	ck_assert_int_eq(v.until, POLICY_NEVER);

	/* A group's override with times: 10:00-11:00 only. */
	decide(&w, "jsmith", "10.10.0.23", "instagram", NULL,
	    utc(2026, 11, 23, 9, 59), 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_BLOCK_LESSONS);
	ck_assert_int_eq(v.until, utc(2026, 11, 23, 10, 0));
	decide(&w, "jsmith", "10.10.0.23", "instagram", NULL,
	    utc(2026, 11, 23, 10, 0), 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_ALLOW_OVERRIDE);
	ck_assert_int_eq(v.until, utc(2026, 11, 23, 11, 0));
	decide(&w, "p1", "10.10.32.5", "instagram", NULL,
	    utc(2026, 11, 23, 10, 0), 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_ALLOW_OVERRIDE);
	ck_assert_str_eq(v.by->id, "e-social");	/* not staff's */

	/* A device's override, for that device only. */
	decide(&w, "abrown", "10.10.0.31", "tiktok", NULL, lesson, 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_ALLOW_OVERRIDE);
	ck_assert_str_eq(v.by->id, "d-ip");
	decide(&w, "jsmith", "10.10.0.23", "tiktok", NULL, lesson, 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_BLOCK_LESSONS);
	/* A domain override: that name and below, not the platform. */
	decide(&w, "jsmith", "10.10.0.23", "tiktok", "ads.tiktok.com",
	    lesson, 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_ALLOW_OVERRIDE);
	ck_assert_str_eq(v.by->id, "h-domain");
	decide(&w, "jsmith", "10.10.0.23", "tiktok", "www.tiktok.com",
	    lesson, 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_BLOCK_LESSONS);

	/* Circumvention: "social" for pupils does not reach it; the VPN's
	 * own override does, on its day. */
	decide(&w, "p1", "10.10.32.5", "nordvpn", NULL, lesson, 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_BLOCK_CIRCUMVENTION);
	ck_assert_int_eq(v.until, utc(2026, 11, 24, 0, 0));
	decide(&w, "p1", "10.10.32.5", "nordvpn", NULL,
	    utc(2026, 11, 24, 0, 0), 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_ALLOW_OVERRIDE);
	ck_assert_str_eq(v.by->id, "f-vpn");

	/* Extra time: jsmith has 45 minutes on the 23rd and 24th, others
	 * 30; extra time never unblocks a lesson. */
	decide(&w, "jsmith", "10.10.0.23", "instagram", NULL,
	    utc(2026, 11, 23, 17, 0), QUOTA, &v);
	ck_assert_int_eq(v.verdict, VERDICT_ALLOW_QUOTA);
	ck_assert_uint_eq(v.allowance, QUOTA + 900);
	ck_assert_uint_eq(v.left, 900);
	ck_assert_int_eq(v.until, utc(2026, 11, 23, 17, 15));
	decide(&w, "abrown", "10.10.0.31", "instagram", NULL,
	    utc(2026, 11, 23, 17, 0), QUOTA, &v);
	ck_assert_int_eq(v.verdict, VERDICT_BLOCK_QUOTA);
	decide(&w, "jsmith", "10.10.0.23", "instagram", NULL,
	    utc(2026, 11, 25, 17, 0), QUOTA, &v);
	ck_assert_int_eq(v.verdict, VERDICT_BLOCK_QUOTA);
	decide(&w, "jsmith", "10.10.0.23", "twitter", NULL, lesson, 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_BLOCK_LESSONS);
	world_free(&w);
}
END_TEST

/* Groups whose rules make the timetable matter one way only. */
START_TEST(test_group_rules)
{
	static const char conf[] =
	    "[group nightowls]\nmembers = 10.10.48.0/24\nlessons = allow\n"
	    "outside = block\n"
	    "[group free]\nmembers = 10.10.49.0/24\nlessons = allow\n"
	    "outside = quota\n";
	struct world w;
	struct policy_verdict v;
	int64_t lesson = utc(2026, 11, 23, 9, 0);

	world_load_tail(&w, "", conf);
	decide(&w, NULL, "10.10.48.1", "instagram", NULL, lesson, 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_ALLOW);
	ck_assert_int_eq(v.until, utc(2026, 11, 23, 10, 30));
	decide(&w, NULL, "10.10.48.1", "instagram", NULL,
	    utc(2026, 11, 23, 10, 30), 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_BLOCK_GROUP);
	ck_assert_int_eq(v.until, utc(2026, 11, 23, 10, 45));
	decide(&w, NULL, "10.10.49.1", "instagram", NULL, lesson, QUOTA, &v);
	ck_assert_int_eq(v.verdict, VERDICT_ALLOW);
	ck_assert(!v.metered);
	decide(&w, NULL, "10.10.49.1", "instagram", NULL,
	    utc(2026, 11, 23, 16, 0), QUOTA, &v);
	ck_assert_int_eq(v.verdict, VERDICT_BLOCK_QUOTA);
	ck_assert_int_eq(v.until, utc(2026, 11, 24, 0, 0));
	/* Outside lan and in no group: not policed. */
	decide(&w, NULL, "10.10.200.1", "instagram", NULL, lesson, 0, &v);
	ck_assert_int_eq(v.verdict, VERDICT_ALLOW);
	world_free(&w);
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("policy");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_year);
	tcase_add_test(tc, test_midnight_dst);
	tcase_add_test(tc, test_overrides);
	tcase_add_test(tc, test_group_rules);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
