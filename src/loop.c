/*
 * loop: the daemon's event loop and the glue between the engine and the
 * kernel (see loop.h).
 *
 * Per iteration: read the clock once; if a tick is due, read the
 * kernel's meter counters into the engine; let the engine run what is
 * due (the meter, verdicts that end); handle the ready descriptors --
 * packets go through observe into the engine, whose verdicts and
 * learned addresses become nft elements in one batch; save the state
 * when the allowance used changed (before the batch that could grant
 * anything is sent); commit the batch; arm the timer for the next thing
 * due.
 */
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

#include <systemd/sd-daemon.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "approve.h"
#include "blockpage.h"
#include "capture.h"
#include "classify.h"
#include "config.h"
#include "control.h"
#include "enforcer.h"
#include "engine.h"
#include "events.h"
#include "identity.h"
#include "log.h"
#include "loop.h"
#include "meter.h"
#include "metrics.h"
#include "mint.h"
#include "nft.h"
#include "observe.h"
#include "overrides.h"
#include "policy.h"
#include "quota.h"
#include "requests.h"
#include "schedule.h"
#include "state.h"
#include "tz.h"

#define US		1000000ULL
#define MAX_IFACES	16
#define DISPATCH_MAX	256		/* frames per handle per wake-up */
#define FLOW_TIMEOUT_S	3600		/* a named flow's element */
#define STATE_EVERY_S	300		/* save learned addresses this often */
#define LAT_SAMPLES	8192		/* latencies kept for percentiles */
#define EXPIRE_EVERY_S	60		/* look for requests to expire */

struct daemon {
	const struct loop_opts	*opts;
	struct config		*cfg;
	struct catalog		*cat;
	struct tz		*tz;
	struct schedule		*sched;
	struct overrides	*ovr;
	struct identity		*id;
	struct quota		*quota;
	struct engine		*engine;
	struct observer		*obs;
	/* Two handles an interface: caps[2i] what it receives, caps[2i+1]
	 * what this host sends out of it (the only DNS answers trusted). */
	struct capture		*caps[2 * MAX_IFACES];
	size_t			 ncaps;
	uint8_t			 cur_dir;	/* of the handle being read */
	struct enf		*enf;		/* the privileged half */
	struct meter		*meter;

	int			 ep, sigfd, timerfd, inofd;

	/* The clock: real, or the test clock. */
	bool			 testclock;
	uint64_t		 clock_start;	/* us, simulated */
	uint64_t		 mono0;		/* us, CLOCK_MONOTONIC */
	double			 rate;
	uint64_t		 now;		/* us, this iteration */
	uint64_t		 started;	/* mono us */
	struct control		*ctl;
	struct events		*events;
	struct metrics		*metrics;
	struct bp		*bp;		/* the block page, or NULL */
	struct mint		*mint;		/* its certificates, or NULL */
	struct spool		*spool;		/* unblock requests */
	int64_t			 next_expire;	/* s */
	uint64_t		*obs_by_platform;	/* [nplatforms] */
	size_t			 nobs_by_platform;
	uint64_t		 obs_other;	/* names of no platform */
	uint64_t		 batches;	/* committed */
	uint64_t		 quota_today;	/* allowances used up */
	int32_t			 quota_day;
	char			 reload_why[256];	/* last failure */

	int64_t			 next_meter;	/* s: next counters read */
	uint64_t		 watchdog;	/* us of WatchdogSec, or 0 */
	uint64_t		 petted;	/* mono us of the last ping */
	uint64_t		 status_at;	/* mono us of the last STATUS */
	uint64_t		 charged;	/* engine's, at the last save */
	int64_t			 saved;		/* s: last successful save */
	bool			 save_failing;
	bool			 quit;
	bool			 failed;	/* stop with exit status 1 */
	bool			 ovr_dirty;
	bool			 reload;	/* SIGHUP: everything */
	bool			 destroy;	/* the kernel knows "destroy" */

	/*
	 * DNS answer seen -> its addresses in the kernel: from the
	 * capture's timestamp of the answer (the kernel's, real time) to
	 * the commit's return, for the first answer in each batch.
	 */
	uint64_t		 frame_ts;	/* us, real: frame being read */
	uint64_t		 lat_from;	/* us, real; 0: none pending */
	uint32_t		 lat[LAT_SAMPLES];	/* us, a ring */
	uint64_t		 nlat;
	bool			 adopting;	/* verdicts of kept denials */
	uint64_t		 batch_failures;
};

static void	metrics_fill_daemon(struct metrics_body *, void *);

/*
 * The clock.
 */
static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * US + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t
clock_now(const struct daemon *d)
{
	struct timespec ts;

	if (d->testclock)
		return d->clock_start +
		    (uint64_t)((double)(mono_us() - d->mono0) * d->rate);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * US + (uint64_t)ts.tv_nsec / 1000;
}

/* Real milliseconds from now until the instant t (seconds), counted from
 * this iteration's clock to the microsecond: a denial that ends at the
 * end of a lesson ends then, not up to a second early. */
static uint64_t
until_ms(const struct daemon *d, int64_t t)
{
	double us;

	if ((uint64_t)t * US <= d->now)
		return 1;
	us = (double)((uint64_t)t * US - d->now);
	us /= d->testclock ? d->rate : 1.0;
	return us < 1000.0 ? 1 : (uint64_t)(us / 1000.0);
}

/* Simulated seconds -> real milliseconds, for kernel timeouts. */
static uint64_t
real_ms(const struct daemon *d, int64_t secs)
{
	double ms;

	if (secs <= 0)
		return 1;
	ms = (double)secs * 1000.0 / (d->testclock ? d->rate : 1.0);
	return ms < 1.0 ? 1 : (uint64_t)ms;
}

int
loop_parse_clock(const char *s, const struct tz *tz, uint64_t *start,
    double *rate, char *why, size_t whylen)
{
	unsigned y, mo, da, h, mi, sec = 0;
	double r = 1.0;
	char rest[32] = "", x = 0;
	int n, consumed = 0;
	int64_t t;

	n = sscanf(s, "%4u-%2u-%2uT%2u:%2u%n", &y, &mo, &da, &h, &mi,
	    &consumed);
	if (n != 5) {
		snprintf(why, whylen, "'%s' is not YYYY-MM-DDTHH:MM[:SS]"
		    "[,RATEx]", s);
		return -EINVAL;
	}
	s += consumed;
	if (*s == ':') {
		if (sscanf(s, ":%2u%n", &sec, &consumed) != 1 || sec > 59) {
			snprintf(why, whylen, "bad seconds in the clock");
			return -EINVAL;
		}
		s += consumed;
	}
	if (*s == ',') {
		if (sscanf(s, ",%lf%c%31s", &r, &x, rest) != 2 || x != 'x' ||
		    !(r >= 1.0 && r <= 3600.0)) {
			snprintf(why, whylen, "the rate is 1x to 3600x, such "
			    "as 60x");
			return -EINVAL;
		}
	} else if (*s != '\0') {
		snprintf(why, whylen, "unexpected '%s' after the time", s);
		return -EINVAL;
	}
	if (y < 2000 || y > 2099 || mo < 1 || mo > 12 || da < 1 || da > 31 ||
	    h > 23 || mi > 59) {
		snprintf(why, whylen, "no such date or time");
		return -EINVAL;
	}
	t = tz_instant(tz, tz_days_from_civil((int32_t)y, mo, da),
	    (int32_t)(h * 3600 + mi * 60 + sec));
	*start = (uint64_t)t * US;
	*rate = r;
	return 0;
}

/*
 * The enforcer: engine events -> nft elements in the batch.
 */
/* The platform's own mark: stable across catalogues (see classify.h),
 * so a kept table or a reload never confuses two platforms. */
static uint32_t
mark_of(const struct platform *p)
{
	return p->mark;
}

static void
batch_err(struct daemon *d, int r, const char *what)
{
	if (r < 0)
		log_warnx("nft: cannot queue %s: %s", what, strerror(-r));
	(void)d;
}

/* An event about a device and platform, with what is known of it. */
static void
device_event(struct daemon *d, enum event_kind kind,
    const struct engine_verdict *ev, const char *until)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.ts_us = ev->ts_us ? ev->ts_us : d->now;
	e.client = &ev->client;
	e.mac = ev->mac;
	e.person = ev->who->person ? ev->who->person->name : NULL;
	e.group = ev->who->group->name;
	e.holder = ev->holder;
	e.platform = ev->platform->id;
	e.name = ev->name;
	e.rule = ev->v->by != NULL ? "override" : ev->v->lessons ?
	    "lessons" : "outside lessons";
	e.verdict = verdict_str(ev->v->verdict);
	e.until = until;
	e.detail = ev->v->by != NULL ? ev->v->by->id : NULL;
	e.used = ev->v->allowance > 0 ? (int64_t)ev->v->used : -1;
	events_emit(d->events, &e, d->now);
}

static void
on_verdict(const struct engine_verdict *ev, void *arg)
{
	struct daemon *d = arg;
	const struct policy_verdict *v = ev->v;
	char ab[ADDR_STRLEN], until[40] = "-";
	int64_t now = (int64_t)(d->now / US);
	/* A denial adopted from the last run is in the kernel whatever
	 * this run decided before (nothing). */
	bool was = d->adopting || (!ev->first && verdict_blocks(ev->prev));
	uint64_t timeout = 0;

	addr_format(&ev->client, ab, sizeof(ab));
	if (v->until != POLICY_NEVER)
		tz_format(d->tz, v->until, until, sizeof(until));
	log_info("verdict %s %s (%s/%s): %s until %s", ab, ev->platform->id,
	    ev->holder, ev->who->group->name, verdict_str(v->verdict), until);
	/* The audit trail: a block starting or ending, the allowance used
	 * up, circumvention. */
	if (v->verdict == VERDICT_BLOCK_QUOTA && (ev->first ||
	    ev->prev != VERDICT_BLOCK_QUOTA)) {
		struct tz_local l;

		tz_local(d->tz, now, &l);
		if (l.day != d->quota_day) {
			d->quota_day = l.day;
			d->quota_today = 0;
		}
		d->quota_today++;
	}
	if (verdict_blocks(v->verdict) != (!ev->first &&
	    verdict_blocks(ev->prev)))
		device_event(d, v->verdict == VERDICT_BLOCK_QUOTA ? EV_QUOTA :
		    v->verdict == VERDICT_BLOCK_CIRCUMVENTION ?
		    EV_CIRCUMVENTION : verdict_blocks(v->verdict) ? EV_BLOCK :
		    EV_UNBLOCK, ev, until);
	/*
	 * Without "destroy", removing an element the kernel expired a
	 * moment ago would refuse the whole batch: leave one that ends
	 * now (or within a second of slack) to its timeout.
	 */
	if (was && !d->adopting && !d->destroy &&
	    ev->prev_block_until != POLICY_NEVER &&
	    ev->prev_block_until <= now + 1)
		was = false;
	if (verdict_blocks(v->verdict)) {
		/* To the end of the whole blocked stretch, not of this
		 * verdict: a handover to the next block must not lapse. */
		if (ev->block_until != POLICY_NEVER)
			timeout = until_ms(d, ev->block_until);
		/* Replace: the new element carries the new timeout. */
		if (was)
			batch_err(d, enf_del_deny(d->enf, &ev->client,
			    mark_of(ev->platform)), "deny removal");
		batch_err(d, enf_add_deny(d->enf, &ev->client,
		    mark_of(ev->platform), timeout), "deny");
	} else if (was)
		batch_err(d, enf_del_deny(d->enf, &ev->client,
		    mark_of(ev->platform)), "deny removal");
}

static void
on_addr(void *arg, const struct addr *server, const struct platform *p,
    uint32_t ttl)
{
	struct daemon *d = arg;

	if (p == NULL) {
		batch_err(d, enf_del_addr(d->enf, server), "address removal");
		return;
	}
	if (d->lat_from == 0 || d->frame_ts < d->lat_from)
		d->lat_from = d->frame_ts;
	/* A new answer starts the TTL again: replace the element. */
	if (d->destroy)
		batch_err(d, enf_del_addr(d->enf, server),
		    "address refresh");
	batch_err(d, enf_add_addr(d->enf, server, mark_of(p),
	    real_ms(d, ttl)), "address");
}

static void
on_flow(void *arg, const struct addr *client, const struct addr *server,
    uint16_t cport, uint8_t proto, const struct platform *p, bool exempt)
{
	struct daemon *d = arg;

	(void)proto;
	batch_err(d, enf_add_flow(d->enf, client, server, cport,
	    exempt ? 0 : mark_of(p), real_ms(d, FLOW_TIMEOUT_S)), "flow");
}

/* Allowance used: an event at every five minutes and when it is all
 * gone, for the weekly report. */
static void
on_charged(void *arg, const char *holder, const struct who *who,
    uint32_t used, uint32_t allowance, int32_t day)
{
	struct daemon *d = arg;
	struct event e;
	char date[16];
	int32_t y;
	unsigned m, dd;

	if (used % 300 >= d->cfg->gateway.tick && used < allowance)
		return;
	tz_civil_from_days(day, &y, &m, &dd);
	snprintf(date, sizeof(date), "%04d-%02u-%02u", (int)y, m, dd);
	memset(&e, 0, sizeof(e));
	e.kind = EV_USAGE;
	e.ts_us = d->now;
	e.person = who->person ? who->person->name : NULL;
	e.group = who->group->name;
	e.holder = holder;
	e.used = used;
	e.day = date;
	events_emit(d->events, &e, d->now);
}

static const struct engine_enforcer enforcer = {
	.addr = on_addr,
	.flow = on_flow,
	.charged = on_charged,
};

/* A daemon-wide event: start, stop, reload, overrides. */
static void
plain_event(struct daemon *d, enum event_kind kind, const char *detail,
    const char *platform, const char *until)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.ts_us = d->now;
	e.detail = detail;
	e.platform = platform;
	e.until = until;
	e.used = -1;
	events_emit(d->events, &e, d->now);
}

/* Overrides that came or were refused since the last set. */
static void
override_events(struct daemon *d, const struct overrides *old,
    const struct overrides *new)
{
	char until[40], first[256];
	size_t i, j;

	for (i = 0; i < new->n; i++) {
		for (j = 0; old != NULL && j < old->n; j++)
			if (strcmp(old->v[j].id, new->v[i].id) == 0)
				break;
		if (old != NULL && j < old->n)
			continue;
		tz_format(d->tz, tz_instant(d->tz, new->v[i].until_day,
		    new->v[i].until_sec), until, sizeof(until));
		plain_event(d, EV_OVERRIDE_APPLIED, new->v[i].id,
		    new->v[i].platform ? new->v[i].platform :
		    new->v[i].domain, until);
	}
	for (i = 0; i < new->nrejected; i++) {
		for (j = 0; old != NULL && j < old->nrejected; j++)
			if (strcmp(old->rejected[j].file,
			    new->rejected[i].file) == 0 &&
			    strcmp(old->rejected[j].cause,
			    new->rejected[i].cause) == 0)
				break;
		if (old != NULL && j < old->nrejected)
			continue;
		snprintf(first, sizeof(first), "%.*s",
		    (int)strcspn(new->rejected[i].cause, "\n"),
		    new->rejected[i].cause);
		plain_event(d, EV_OVERRIDE_REJECTED, first, NULL, NULL);
	}
}

static void
on_observation(const struct observation *ob, void *arg)
{
	struct daemon *d = arg;

	if (!ob->query) {
		if (ob->platform != NULL &&
		    ob->platform->index < d->nobs_by_platform)
			d->obs_by_platform[ob->platform->index]++;
		else
			d->obs_other++;
	}
	engine_observe(d->engine, ob);
}

static void
on_frame(void *arg, int dlt, const uint8_t *frame, size_t caplen,
    uint64_t ts_us)
{
	struct daemon *d = arg;

	/* The loop's clock, not the packet's: the test clock rules.  The
	 * packet's time only measures how fast we are. */
	d->frame_ts = ts_us;
	observer_frame_dir(d->obs, dlt, frame, caplen, d->now, d->cur_dir);
	d->frame_ts = 0;
}

/*
 * Commit what the iteration queued.  A batch the kernel refuses is
 * applied not at all: say so loudly.  The usual cause is removing an
 * element the kernel has just expired; the next change repairs it.
 */
static void
commit(struct daemon *d)
{
	char *cause = NULL;
	size_t n;
	int r;

	if (enf_pending(d->enf) == 0)
		return;
	n = enf_pending(d->enf);
	if ((r = enf_commit(d->enf, &cause)) < 0) {
		d->batch_failures++;
		log_warnx("nft: batch of %zu changes refused: %s", n,
		    cause ? cause : "?");
		free(cause);
		/* Without its enforcer the daemon cannot enforce anything:
		 * stop, and let systemd start it again (the kernel keeps the
		 * table meanwhile). */
		if (r == -EPIPE) {
			log_warnx("the enforcer is gone; stopping");
			d->quit = true;
			d->failed = true;
		}
	} else {
		d->batches++;
		if (d->lat_from != 0) {
			struct timespec ts;
			uint64_t now, us;

			clock_gettime(CLOCK_REALTIME, &ts);
			now = (uint64_t)ts.tv_sec * US +
			    (uint64_t)ts.tv_nsec / 1000;
			us = now > d->lat_from ? now - d->lat_from : 0;
			d->lat[d->nlat++ % LAT_SAMPLES] = us > UINT32_MAX ?
			    UINT32_MAX : (uint32_t)us;
		}
	}
	d->lat_from = 0;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The latency figures, at stop: what make bench and the lab read. */
static void
latency_report(struct daemon *d)
{
	size_t n = d->nlat < LAT_SAMPLES ? (size_t)d->nlat : LAT_SAMPLES;

	if (n == 0)
		return;
	qsort(d->lat, n, sizeof(d->lat[0]), u32_cmp);
	log_info("latency: DNS answer seen -> addresses in the kernel: "
	    "%zu samples, p50 %u us, p99 %u us, max %u us", n,
	    d->lat[n / 2], d->lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1],
	    d->lat[n - 1]);
}

/*
 * State.
 */
static int32_t
today(const struct daemon *d)
{
	struct tz_local l;

	tz_local(d->tz, (int64_t)(d->now / US), &l);
	return l.day;
}

static void
state_write(struct daemon *d)
{
	struct state st;
	size_t nq, ni;
	char *cause = NULL;
	int r;

	memset(&st, 0, sizeof(st));
	st.saved = (int64_t)(d->now / US);
	nq = quota_export(d->quota, today(d), NULL, 0);
	ni = engine_export_addrs(d->engine, NULL, 0);
	if ((nq > 0 && (st.quota = calloc(nq, sizeof(*st.quota))) == NULL) ||
	    (ni > 0 && (st.ips = calloc(ni, sizeof(*st.ips))) == NULL)) {
		log_warnx("state: out of memory; retrying at the next tick");
		d->save_failing = true;
		free(st.quota);
		return;
	}
	st.nquota = quota_export(d->quota, today(d), st.quota, nq);
	st.nips = engine_export_addrs(d->engine, st.ips, ni);
	r = state_save(d->cfg->gateway.state_dir, &st, &cause);
	free(st.quota);
	free(st.ips);
	if (r < 0) {
		/* Loud, and again at every tick until it works: the use
		 * recorded on disk is falling behind. */
		log_warnx("state: NOT SAVED: %s; retrying at the next tick",
		    cause ? cause : strerror(-r));
		free(cause);
		d->save_failing = true;
		return;
	}
	if (d->save_failing)
		log_info("state: saved again");
	d->save_failing = false;
	d->saved = st.saved;
}

static void
state_read(struct daemon *d)
{
	struct state st;
	char *cause = NULL;
	int r;

	r = state_load(d->cfg->gateway.state_dir, &st, &cause);
	if (r == -ENOENT)
		return;
	if (r < 0) {
		log_warnx("state: %s; starting without it",
		    cause ? cause : strerror(-r));
		free(cause);
		return;
	}
	if (quota_restore(d->quota, today(d), st.quota, st.nquota) < 0)
		log_warnx("state: allowance table full while restoring");
	engine_restore_addrs(d->engine, st.ips, st.nips, d->now);
	log_info("state: restored %zu allowances, %zu addresses (saved %lld)",
	    st.nquota, st.nips, (long long)st.saved);
	state_clear(&st);
}

/*
 * The meter: the kernel's counters into the engine.
 */
static void
on_meter(const struct addr *client, uint32_t mark, uint64_t bytes,
    uint64_t packets, void *arg)
{
	struct daemon *d = arg;
	const struct platform *p;
	uint64_t delta;

	(void)packets;
	delta = meter_feed(d->meter, client, mark, bytes);
	if ((p = catalog_by_mark(d->cat, mark)) == NULL)
		return;
	engine_add_bytes(d->engine, client, p, delta, d->now);
}

static void
meter_read(struct daemon *d)
{
	char *cause = NULL;
	int r;

	meter_begin(d->meter);
	if ((r = enf_meter_read(d->enf, on_meter, d, &cause)) < 0) {
		if (r == -EPIPE) {
			log_warnx("the enforcer is gone; stopping");
			d->quit = true;
			d->failed = true;
		}
		log_warnx("meter: %s", cause ? cause : "cannot read counters");
		free(cause);
	}
	meter_end(d->meter);
}

static void
prime_meter(const struct addr *client, uint32_t mark, uint64_t bytes,
    uint64_t packets, void *arg)
{
	struct daemon *d = arg;

	(void)packets;
	(void)meter_feed(d->meter, client, mark, bytes);
}

/*
 * Adoption: the denials a previous run left in the kernel (on_exit =
 * keep) were decided under its policy, overrides and clock.  Decide each
 * again now: one that still blocks is replaced (its timeout is this
 * run's until), one that no longer does is removed -- an override
 * approved while no daemon ran, a pupil moved to another group.  Without
 * this, a denial without a timeout (a group that blocks a platform)
 * would outlive every later change of policy.
 */
static void
adopt_deny(const struct addr *client, uint32_t mark, uint64_t timeout_ms,
    uint64_t expires_ms, void *arg)
{
	struct daemon *d = arg;
	const struct platform *p;

	(void)timeout_ms;
	/* About to expire: leave it (removing it could race the kernel). */
	if (!d->destroy && expires_ms != 0 && expires_ms < 2000)
		return;
	d->adopting = true;
	if ((p = catalog_by_mark(d->cat, mark)) == NULL ||
	    !engine_adopt(d->engine, client, p, d->now))
		batch_err(d, enf_del_deny(d->enf, client, mark),
		    "kept deny removal");
	d->adopting = false;
}

static void
adopt(struct daemon *d)
{
	static const char *const sets[] = { "deny4", "deny6" };
	static const int fam[] = { AF_INET, AF_INET6 };
	char *cause = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		if (enf_deny_read(d->enf, fam[i], adopt_deny, d, &cause) < 0) {
			log_warnx("nft: cannot read the kept %s: %s", sets[i],
			    cause ? cause : "?");
			free(cause);
			cause = NULL;
		}
		/* One batch per set: a failure names its element. */
		commit(d);
	}
}

/* The same files with the same meaning, and the same rejected? */
static bool
overrides_same(const struct overrides *a, const struct overrides *b)
{
	size_t i;

	if (a == NULL || b == NULL || a->n != b->n ||
	    a->nrejected != b->nrejected)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].id, b->v[i].id) != 0 ||
		    !override_equal(&a->v[i], &b->v[i]))
			return false;
	for (i = 0; i < a->nrejected; i++)
		if (strcmp(a->rejected[i].file, b->rejected[i].file) != 0 ||
		    strcmp(a->rejected[i].cause, b->rejected[i].cause) != 0)
			return false;
	return true;
}

/*
 * Overrides.
 */
static void
overrides_reload(struct daemon *d)
{
	struct overrides *o;
	char *cause = NULL;
	size_t i;

	d->ovr_dirty = false;
	o = overrides_load_dir(d->cfg->gateway.overrides_dir, d->cfg, d->cat,
	    &cause);
	if (o == NULL) {
		log_warnx("overrides: %s; the previous ones stay in force",
		    cause ? cause : "cannot read");
		free(cause);
		return;
	}
	if (overrides_same(d->ovr, o)) {
		/* An approval applied at once, then its inotify event. */
		overrides_free(o);
		return;
	}
	for (i = 0; i < o->nrejected; i++)
		log_warnx("override rejected: %s", o->rejected[i].cause);
	log_info("overrides: %zu in force, %zu rejected", o->n, o->nrejected);
	override_events(d, d->ovr, o);
	engine_set_overrides(d->engine, o, d->now);
	overrides_free(d->ovr);
	d->ovr = o;
}

/*
 * The block page's view of a device, and its requests.
 */
static const char *const wdays[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};

/* "16:00" today, "Monday 08:45" within a week, else the date. */
static void
fmt_when(const struct daemon *d, int64_t t, char *buf, size_t len)
{
	struct tz_local now, l;
	int32_t y;
	unsigned m, dd;

	if (t == POLICY_NEVER || t <= 0) {
		snprintf(buf, len, "%s", "");
		return;
	}
	tz_local(d->tz, (int64_t)(d->now / US), &now);
	tz_local(d->tz, t, &l);
	if (l.day == now.day)
		snprintf(buf, len, "%02d:%02d", l.sec / 3600, l.sec / 60 % 60);
	else if (l.day == now.day + 1 && l.sec == 0)
		snprintf(buf, len, "midnight");
	else if (l.day < now.day + 7)
		snprintf(buf, len, "%s %02d:%02d", wdays[l.wday % 7],
		    l.sec / 3600, l.sec / 60 % 60);
	else {
		tz_civil_from_days(l.day, &y, &m, &dd);
		snprintf(buf, len, "%04d-%02u-%02u %02d:%02d", (int)y, m, dd,
		    l.sec / 3600, l.sec / 60 % 60);
	}
}

static int
bp_view_cb(void *arg, const struct addr *client, const struct platform *p,
    struct bp_view *v)
{
	struct daemon *d = arg;
	struct policy pol = { d->cfg, d->sched, d->ovr };
	struct policy_query q;
	struct policy_verdict pv;
	struct schedule_now sn;
	struct tz_local l;
	struct who w;
	const struct request *r;
	int64_t now = (int64_t)(d->now / US), iv[BP_TT_MAX][2];
	char a[16], b[16];
	int32_t y;
	unsigned m, dd;
	size_t i, n;
	uint32_t used;

	memset(v, 0, sizeof(*v));
	if (!engine_who(d->engine, client, &w))
		return -ENOENT;
	v->managed = true;
	identity_holder(&w, client, v->holder, sizeof(v->holder));
	if (w.person != NULL)
		snprintf(v->person, sizeof(v->person), "%s", w.person->name);
	snprintf(v->group, sizeof(v->group), "%s", w.group->name);
	tz_local(d->tz, now, &l);
	v->today_day = l.day;
	tz_civil_from_days(l.day, &y, &m, &dd);
	snprintf(v->today, sizeof(v->today), "%04d-%02u-%02u", (int)y, m, dd);
	used = quota_used(d->quota, v->holder, l.day);
	v->metered = w.group->outside == CONFIG_OUTSIDE_QUOTA;
	if (v->metered) {
		v->allowance = policy_allowance(&pol, w.group, w.person, client,
		    l.day);
		v->used = used < v->allowance ? used : v->allowance;
		v->left = v->allowance - v->used;
		snprintf(v->resets, sizeof(v->resets), "midnight");
	}
	if (p != NULL) {
		memset(&q, 0, sizeof(q));
		q.group = w.group;
		q.person = w.person;
		q.addr = client;
		q.platform = p;
		q.now = now;
		q.used = used;
		policy_decide(&pol, &q, &pv);
		v->verdict = pv.verdict;
		fmt_when(d, pv.until, v->until, sizeof(v->until));
	}
	schedule_at(d->sched, now, &sn);
	if (!sn.school_day && !sn.lessons)
		snprintf(v->now, sizeof(v->now), "no lessons today");
	else if (sn.lessons) {
		fmt_when(d, sn.next, a, sizeof(a));
		snprintf(v->now, sizeof(v->now), "lessons until %s", a);
	} else if (sn.next != SCHEDULE_NEVER && sn.next < sn.midnight) {
		fmt_when(d, sn.next, a, sizeof(a));
		snprintf(v->now, sizeof(v->now), "outside lessons until %s", a);
	} else
		snprintf(v->now, sizeof(v->now), "outside lessons");
	n = schedule_day(d->sched, l.day, iv, BP_TT_MAX);
	for (i = 0; i < n && i < BP_TT_MAX; i++) {
		fmt_when(d, iv[i][0], a, sizeof(a));
		fmt_when(d, iv[i][1], b, sizeof(b));
		snprintf(v->tt[i], sizeof(v->tt[i]), "%s \xe2\x80\x93 %s  "
		    "lessons (no social media)", a, b);
	}
	v->ntt = i;
	if (d->spool != NULL) {
		for (i = spool_count(d->spool); i > 0 && v->nreq < BP_REQ_SHOWN;
		    i--) {
			r = spool_at(d->spool, i - 1);
			if (strcmp(r->holder, v->holder) == 0)
				v->req[v->nreq++] = r;
		}
		v->req_today = spool_count_day(d->spool, v->holder, l.day);
	}
	v->req_per_day = d->cfg->blockpage.requests_per_day;
	return 0;
}

static void
request_event(struct daemon *d, enum event_kind kind,
    const struct request *r)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.ts_us = d->now;
	e.client = &r->client;
	e.person = r->person[0] != '\0' ? r->person : NULL;
	e.group = r->group[0] != '\0' ? r->group : NULL;
	e.holder = r->holder;
	e.platform = r->platform[0] != '\0' ? r->platform : NULL;
	e.name = r->domain[0] != '\0' ? r->domain : NULL;
	e.rule = "request";
	e.verdict = req_status_str(r->status);
	e.detail = r->id;
	e.used = -1;
	events_emit(d->events, &e, d->now);
}

static int
bp_submit_cb(void *arg, struct request *r, char *why, size_t whylen)
{
	struct daemon *d = arg;
	struct tz_local l;
	struct who w;
	char *cause = NULL;
	int rc;

	if (d->spool == NULL) {
		snprintf(why, whylen, "no request spool");
		return -EIO;
	}
	if (!engine_who(d->engine, &r->client, &w))
		return -ENOENT;
	identity_holder(&w, &r->client, r->holder, sizeof(r->holder));
	if (w.person != NULL)
		snprintf(r->person, sizeof(r->person), "%s", w.person->name);
	snprintf(r->group, sizeof(r->group), "%s", w.group->name);
	r->created = (int64_t)(d->now / US);
	tz_local(d->tz, r->created, &l);
	r->day = l.day;
	rc = spool_add(d->spool, r, d->cfg->blockpage.requests_per_day,
	    &cause);
	if (rc == -EDQUOT)
		return rc;
	if (rc != 0) {
		log_warnx("request from %s not saved: %s", r->holder,
		    cause != NULL ? cause : rc == -ENOSPC ? "the spool is full" :
		    strerror(-rc));
		snprintf(why, whylen, "not saved");
		free(cause);
		return rc;
	}
	log_info("request %s from %s for %s", r->id, r->holder,
	    r->platform[0] != '\0' ? r->platform : r->domain);
	request_event(d, EV_REQUEST, r);
	return 0;
}

static const struct bp_ops bp_ops = { bp_view_cb, bp_submit_cb };

static void
approve_ctx_of(struct daemon *d, struct approve_ctx *c)
{
	c->cfg = d->cfg;
	c->cat = d->cat;
	c->tz = d->tz;
	c->spool = d->spool;
	c->ovr = d->ovr;
	c->now = (int64_t)(d->now / US);
}

static void
on_expired(const struct request *r, void *arg)
{
	struct daemon *d = arg;

	log_info("request %s from %s expired", r->id, r->holder);
	request_event(d, EV_EXPIRED, r);
}

static void
requests_expire(struct daemon *d)
{
	struct approve_ctx c;
	int64_t now = (int64_t)(d->now / US);

	if (d->spool == NULL || now < d->next_expire)
		return;
	d->next_expire = now + EXPIRE_EVERY_S;
	approve_ctx_of(d, &c);
	(void)approve_expire(&c, on_expired, d);
}

/*
 * Setup and teardown.
 */
static int
ep_add(struct daemon *d, int fd, uint32_t tag)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = tag;
	return epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev);
}

enum { TAG_SIGNAL = 1000, TAG_TIMER, TAG_INOTIFY, TAG_CONTROL, TAG_METRICS,
    TAG_BP };

static void
setup_of(const struct config *cfg, struct nft_setup *ns)
{
	memset(ns, 0, sizeof(*ns));
	ns->lan = cfg->gateway.lan;
	ns->nlan = cfg->gateway.nlan;
	ns->persist = cfg->gateway.on_exit == CONFIG_ON_EXIT_KEEP;
	if (cfg->blockpage.enabled) {
		ns->blockpage = true;
		if (cfg->blockpage.listen.family == AF_INET)
			ns->bp4 = cfg->blockpage.listen;
		else
			ns->bp6 = cfg->blockpage.listen;
		if (cfg->blockpage.listen_also.family == AF_INET)
			ns->bp4 = cfg->blockpage.listen_also;
		else if (cfg->blockpage.listen_also.family == AF_INET6)
			ns->bp6 = cfg->blockpage.listen_also;
		ns->bp_port = cfg->blockpage.port;
		if (cfg->blockpage.ca_cert != NULL)
			ns->bp_tls_port = cfg->blockpage.tls_port;
	}
}

static void
engine_opts_of(struct daemon *d, const struct config *cfg,
    const struct catalog *cat, const struct identity *id,
    const struct schedule *sched, const struct overrides *ovr,
    struct engine_opts *eo)
{
	memset(eo, 0, sizeof(*eo));
	eo->cfg = cfg;
	eo->cat = cat;
	eo->id = id;
	eo->policy.cfg = cfg;
	eo->policy.sched = sched;
	eo->policy.ovr = ovr;
	eo->quota = d->quota;
	eo->cb = on_verdict;
	eo->enf = &enforcer;
	eo->arg = d;
}

static bool
same_words(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/*
 * SIGHUP: read the configuration, catalogue and overrides into new
 * structures; if any is bad, log why (file:line) and keep everything as
 * it is.  Otherwise swap: a new engine takes over the learned addresses,
 * the allowances (the quota table is kept whole) and, through the
 * adoption of the kernel's denials, every block in force, decided again
 * under the new policy.  The marks come from the platform ids, so the
 * kernel's elements keep their meaning.  The capture interfaces and the
 * clock stay as they were: changing interfaces needs a restart.
 */
static int
reload(struct daemon *d)
{
	const struct loop_opts *o = d->opts;
	struct config *cfg = NULL;
	struct catalog *cat = NULL;
	struct tz *tz = NULL;
	struct schedule *sched = NULL;
	struct identity *id = NULL;
	struct overrides *ovr = NULL;
	struct engine *eng = NULL, *old;
	struct engine_opts eo;
	struct nft_setup ns;
	struct state_ip *ips = NULL;
	char *cause = NULL;
	size_t n, i;
	bool was;

	d->reload = false;
	d->ovr_dirty = false;
	if ((cfg = config_load(o->conffile, &cause)) == NULL ||
	    (cat = catalog_load_dir(o->platforms ? o->platforms :
	    cfg->gateway.platforms_dir, &cause)) == NULL ||
	    (tz = tz_load(cfg->gateway.timezone, &cause)) == NULL ||
	    (sched = schedule_new(cfg, tz, &cause)) == NULL ||
	    (id = identity_new(cfg, &cause)) == NULL ||
	    (ovr = overrides_load_dir(cfg->gateway.overrides_dir, cfg, cat,
	    &cause)) == NULL) {
		log_warnx("reload failed; the running configuration stays in "
		    "force:\n%s", cause ? cause : "out of memory");
		snprintf(d->reload_why, sizeof(d->reload_why), "%.*s",
		    cause ? (int)strcspn(cause, "\n") : 13,
		    cause ? cause : "out of memory");
		free(cause);
		plain_event(d, EV_RELOAD, d->reload_why, NULL, NULL);
		goto fail;
	}
	if (!same_words(cfg->gateway.interfaces, cfg->gateway.ninterfaces,
	    d->cfg->gateway.interfaces, d->cfg->gateway.ninterfaces))
		log_warnx("reload: the interfaces changed; the capture keeps "
		    "the old ones until a restart");
	if (cfg->blockpage.enabled != d->cfg->blockpage.enabled ||
	    cfg->blockpage.port != d->cfg->blockpage.port ||
	    cfg->blockpage.tls_port != d->cfg->blockpage.tls_port ||
	    !addr_equal(&cfg->blockpage.listen, &d->cfg->blockpage.listen) ||
	    !addr_equal(&cfg->blockpage.listen_also,
	    &d->cfg->blockpage.listen_also) ||
	    (cfg->blockpage.ca_cert == NULL) !=
	    (d->cfg->blockpage.ca_cert == NULL))
		log_warnx("reload: the block page's listen address or CA "
		    "changed; the old ones stay until a restart");
	for (i = 0; i < ovr->nrejected; i++)
		log_warnx("override rejected: %s", ovr->rejected[i].cause);
	engine_opts_of(d, cfg, cat, id, sched, ovr, &eo);
	if ((eng = engine_new(&eo)) == NULL)
		goto nomem;
	n = engine_export_addrs(d->engine, NULL, 0);
	if (n > 0 && (ips = calloc(n, sizeof(*ips))) == NULL)
		goto nomem;
	n = engine_export_addrs(d->engine, ips, n);

	{
		uint64_t *v = calloc(catalog_nplatforms(cat) + 1, sizeof(*v));

		if (v == NULL)
			goto nomem;
		/* Per-platform counters start again: indexes change. */
		free(d->obs_by_platform);
		d->obs_by_platform = v;
		d->nobs_by_platform = catalog_nplatforms(cat);
	}

	/* Swap.  From here the new structures are in force. */
	override_events(d, d->ovr, ovr);
	old = d->engine;
	engine_free(old);
	observer_set_catalog(d->obs, cat);
	overrides_free(d->ovr);
	identity_free(d->id);
	schedule_free(d->sched);
	tz_free(d->tz);
	catalog_free(d->cat);
	config_free(d->cfg);
	d->engine = eng;
	d->cfg = cfg;
	d->cat = cat;
	if (d->bp != NULL)
		bp_reconfigure(d->bp, cfg, cat);
	d->tz = tz;
	d->sched = sched;
	d->id = id;
	d->ovr = ovr;
	engine_restore_addrs(d->engine, ips, n, d->now);
	free(ips);
	commit(d);
	setup_of(d->cfg, &ns);
	if (enf_setup(d->enf, &ns, &was, &d->destroy, &cause) < 0) {
		log_warnx("reload: the table: %s", cause ? cause : "?");
		free(cause);
		cause = NULL;
	}
	adopt(d);
	log_info("reloaded: %zu platforms, %zu overrides in force, %zu "
	    "rejected", catalog_nplatforms(d->cat), d->ovr->n,
	    d->ovr->nrejected);
	plain_event(d, EV_RELOAD, "ok", NULL, NULL);
	return 0;
nomem:
	log_warnx("reload: out of memory; the running configuration stays "
	    "in force");
	snprintf(d->reload_why, sizeof(d->reload_why), "out of memory");
	free(ips);
	engine_free(eng);
fail:
	overrides_free(ovr);
	identity_free(id);
	schedule_free(sched);
	tz_free(tz);
	catalog_free(cat);
	config_free(cfg);
	return -1;
}

static int
start(struct daemon *d)
{
	const struct loop_opts *o = d->opts;
	struct engine_opts eo;
	struct nft_setup ns;
	sigset_t mask;
	char *cause = NULL, why[160];
	const char *platforms;
	size_t i;
	bool adopted;

	if ((d->cfg = config_load(o->conffile, &cause)) == NULL)
		goto cause;
	platforms = o->platforms ? o->platforms : d->cfg->gateway.platforms_dir;
	if ((d->cat = catalog_load_dir(platforms, &cause)) == NULL ||
	    (d->tz = tz_load(d->cfg->gateway.timezone, &cause)) == NULL ||
	    (d->sched = schedule_new(d->cfg, d->tz, &cause)) == NULL ||
	    (d->id = identity_new(d->cfg, &cause)) == NULL)
		goto cause;
	if ((d->obs_by_platform = calloc(catalog_nplatforms(d->cat) + 1,
	    sizeof(*d->obs_by_platform))) == NULL)
		goto nomem;
	d->nobs_by_platform = catalog_nplatforms(d->cat);
	d->rate = 1.0;
	if (o->clock != NULL) {
		if (loop_parse_clock(o->clock, d->tz, &d->clock_start,
		    &d->rate, why, sizeof(why)) < 0) {
			log_warnx("--clock: %s", why);
			return -1;
		}
		d->testclock = true;
		d->mono0 = mono_us();
		log_warnx("TEST CLOCK: time starts at %s and runs %gx real "
		    "time; the firewall follows it.  Never use this on a "
		    "school's gateway", o->clock, d->rate);
	}
	d->now = clock_now(d);
	/* The audit log; without it the journal still has every event. */
	if ((d->events = events_open(d->cfg->gateway.log_dir,
	    d->cfg->gateway.retention_days, &cause)) == NULL) {
		log_warnx("audit log: %s; events go to the journal only",
		    cause ? cause : "?");
		free(cause);
		cause = NULL;
	}
	plain_event(d, EV_START, d->testclock ? "test clock" : NULL, NULL,
	    NULL);
	if ((d->ovr = overrides_load_dir(d->cfg->gateway.overrides_dir,
	    d->cfg, d->cat, &cause)) == NULL)
		goto cause;
	override_events(d, NULL, d->ovr);
	for (i = 0; i < d->ovr->nrejected; i++)
		log_warnx("override rejected: %s", d->ovr->rejected[i].cause);
	if ((d->quota = quota_new()) == NULL ||
	    (d->meter = meter_new()) == NULL)
		goto nomem;
	engine_opts_of(d, d->cfg, d->cat, d->id, d->sched, d->ovr, &eo);
	if ((d->engine = engine_new(&eo)) == NULL ||
	    (d->obs = observer_new(d->cat, on_observation, d)) == NULL)
		goto nomem;
	observer_set_query_cb(d->obs, on_observation, d);

	/*
	 * The table first: from here the kernel enforces.  The enforcer is
	 * a process of its own that keeps CAP_NET_ADMIN; this one drops
	 * every capability once its handles are open (below).
	 */
	if ((d->enf = enf_start(&cause)) == NULL)
		goto cause;
	setup_of(d->cfg, &ns);
	if (enf_setup(d->enf, &ns, &adopted, &d->destroy, &cause) < 0)
		goto cause;
	if (!d->destroy)
		log_info("nft: this kernel has no \"destroy\" (Linux < 6.3): "
		    "elements about to expire are left to expire");
	if (adopted)
		log_info("nft: adopting table inet %s", NFT_TABLE_NAME);

	/* What the last run knew; counters already in the kernel belong
	 * to it, not to this run's first tick. */
	state_read(d);
	commit(d);
	if (adopted)
		adopt(d);
	meter_begin(d->meter);
	if (enf_meter_read(d->enf, prime_meter, d, &cause) < 0) {
		log_warnx("meter: %s", cause ? cause : "?");
		free(cause);
		cause = NULL;
	}
	meter_end(d->meter);

	for (i = 0; i < d->cfg->gateway.ninterfaces; i++) {
		if (i == MAX_IFACES) {
			log_warnx("more than %d interfaces", MAX_IFACES);
			return -1;
		}
		d->caps[d->ncaps] = capture_open_live(
		    d->cfg->gateway.interfaces[i],
		    (size_t)d->cfg->gateway.capture_buffer, CAPTURE_IN, &cause);
		if (d->caps[d->ncaps] == NULL)
			goto cause;
		d->ncaps++;
		d->caps[d->ncaps] = capture_open_live(
		    d->cfg->gateway.interfaces[i],
		    (size_t)d->cfg->gateway.capture_buffer, CAPTURE_OUT, &cause);
		if (d->caps[d->ncaps] == NULL)
			goto cause;
		d->ncaps++;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (d->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) ==
	    -1 ||
	    (d->timerfd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1 ||
	    (d->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    (d->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_warn("event loop setup");
		return -1;
	}
	/* A missing overrides.d is an empty one; watch it once it is
	 * there (the next reload looks again). */
	if (inotify_add_watch(d->inofd, d->cfg->gateway.overrides_dir,
	    IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
	    IN_CREATE | IN_ATTRIB) == -1)
		log_warn("cannot watch %s", d->cfg->gateway.overrides_dir);
	for (i = 0; i < d->ncaps; i++)
		if (ep_add(d, capture_fd(d->caps[i]), (uint32_t)i) == -1)
			goto eperr;
	/* Enforcement does not wait for the control socket: without it
	 * the daemon runs, and says so. */
	if ((d->ctl = control_open(d->cfg->gateway.control_socket,
	    &cause)) == NULL) {
		log_warnx("%s; running without a control socket",
		    cause ? cause : "control socket");
		free(cause);
		cause = NULL;
	} else if (ep_add(d, control_fd(d->ctl), TAG_CONTROL) == -1)
		goto eperr;
	if (d->cfg->gateway.metrics) {
		d->metrics = metrics_open(&d->cfg->gateway.metrics_addr,
		    d->cfg->gateway.metrics_port, metrics_fill_daemon, d,
		    &cause);
		if (d->metrics == NULL) {
			log_warnx("%s; running without metrics",
			    cause ? cause : "metrics");
			free(cause);
			cause = NULL;
		} else if (ep_add(d, metrics_fd(d->metrics), TAG_METRICS) == -1)
			goto eperr;
	}
	{
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s/requests",
		    d->cfg->gateway.state_dir);
		if ((d->spool = spool_open(dir, &cause)) == NULL) {
			log_warnx("%s; unblock requests cannot be made",
			    cause ? cause : "request spool");
			free(cause);
			cause = NULL;
		} else if (spool_bad(d->spool) > 0)
			log_warnx("%s: %zu request files unreadable, left "
			    "alone", dir, spool_bad(d->spool));
	}
	if (d->cfg->blockpage.enabled) {
		struct bp_opts bo;
		struct timespec ts;
		int fds[BP_FDS_MAX];
		size_t k, nfd;

		clock_gettime(CLOCK_REALTIME, &ts);
		/* A CA that cannot be used is a configuration error. */
		if (d->cfg->blockpage.ca_cert != NULL &&
		    (d->mint = mint_new(d->cfg->blockpage.ca_cert,
		    d->cfg->blockpage.ca_key, ts.tv_sec, &cause)) == NULL)
			goto cause;
		memset(&bo, 0, sizeof(bo));
		bo.cfg = d->cfg;
		bo.cat = d->cat;
		bo.mint = d->mint;
		bo.ops = &bp_ops;
		bo.arg = d;
		if ((d->bp = bp_new(&bo)) == NULL)
			goto nomem;
		if (bp_listen(d->bp, &cause) < 0) {
			log_warnx("%s; running without the block page",
			    cause ? cause : "block page");
			free(cause);
			cause = NULL;
			bp_free(d->bp);
			d->bp = NULL;
		} else {
			nfd = bp_fds(d->bp, fds);
			for (k = 0; k < nfd; k++)
				if (ep_add(d, fds[k], TAG_BP) == -1)
					goto eperr;
		}
	}
	if (ep_add(d, d->sigfd, TAG_SIGNAL) == -1 ||
	    ep_add(d, d->timerfd, TAG_TIMER) == -1 ||
	    ep_add(d, d->inofd, TAG_INOTIFY) == -1)
		goto eperr;
	/*
	 * Every handle is open: from here this process parses what the
	 * network sends, with no capability at all.  Root without
	 * capabilities (a run by hand) still says so; under systemd the
	 * unit's user has only the ambient ones, now gone.
	 */
	if (enf_drop_all_caps() < 0)
		log_warn("cannot drop capabilities");
	d->next_meter = (int64_t)(d->now / US) / d->cfg->gateway.tick *
	    d->cfg->gateway.tick + d->cfg->gateway.tick;
	d->saved = (int64_t)(d->now / US);
	log_info("started: %zu interface(s), %zu platforms, %zu overrides",
	    d->ncaps / 2, catalog_nplatforms(d->cat), d->ovr->n);
	return 0;
eperr:
	log_warn("epoll");
	return -1;
nomem:
	log_warnx("out of memory");
	return -1;
cause:
	if (cause != NULL) {
		log_warnx("%s", cause);
		free(cause);
	}
	return -1;
}

static void
stop(struct daemon *d)
{
	char *cause = NULL;
	size_t i;

	if (d->engine != NULL && d->cfg != NULL) {
		engine_flush(d->engine);
		state_write(d);
	}
	latency_report(d);
	if (d->cfg != NULL)
		plain_event(d, EV_STOP, NULL, NULL, NULL);
	events_close(d->events);
	if (d->enf != NULL && d->cfg != NULL &&
	    d->cfg->gateway.on_exit == CONFIG_ON_EXIT_FLUSH &&
	    enf_delete_table(d->enf, &cause) < 0) {
		log_warnx("nft: cannot remove the table: %s",
		    cause ? cause : "?");
		free(cause);
	}
	control_close(d->ctl);
	metrics_close(d->metrics);
	bp_free(d->bp);
	mint_free(d->mint);
	spool_free(d->spool);
	free(d->obs_by_platform);
	for (i = 0; i < d->ncaps; i++)
		capture_close(d->caps[i]);
	observer_free(d->obs);
	engine_free(d->engine);
	enf_close(d->enf);
	meter_free(d->meter);
	quota_free(d->quota);
	identity_free(d->id);
	overrides_free(d->ovr);
	schedule_free(d->sched);
	tz_free(d->tz);
	catalog_free(d->cat);
	config_free(d->cfg);
	if (d->ep > 0)
		close(d->ep);
	if (d->sigfd > 0)
		close(d->sigfd);
	if (d->timerfd > 0)
		close(d->timerfd);
	if (d->inofd > 0)
		close(d->inofd);
}

/*
 * The loop.
 */
static void
arm_timer(struct daemon *d)
{
	struct itimerspec its;
	int64_t next = engine_next(d->engine), now = (int64_t)(d->now / US);
	uint64_t ms, bpms;

	if (d->next_meter < next)
		next = d->next_meter;
	ms = next <= now ? 1 : real_ms(d, next - now);
	if (ms > 60000)
		ms = 60000;		/* look at the clock now and then */
	if (d->watchdog != 0 && ms > d->watchdog / 3000)
		ms = d->watchdog / 3000 + 1;	/* ping systemd in time */
	/* libmicrohttpd has work of its own: the rest of a long request
	 * it read only part of, idle connections to close. */
	if (d->bp != NULL && (bpms = bp_timeout(d->bp)) < ms)
		ms = bpms > 0 ? bpms : 1;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(ms / 1000);
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	if (timerfd_settime(d->timerfd, 0, &its, NULL) == -1)
		log_warn("timerfd_settime");
}

static void
handle_signals(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("stopping on signal %u", si.ssi_signo);
			d->quit = true;
			break;
		case SIGHUP:
			log_info("SIGHUP: reloading the configuration");
			d->reload = true;
			break;
		case SIGUSR1:
			log_info("SIGUSR1: no log files to reopen");
			break;
		}
	}
}

static void
drain(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void
tick(struct daemon *d)
{
	int64_t now = (int64_t)(d->now / US);
	uint64_t charged;

	if (now >= d->next_meter) {
		meter_read(d);
		d->next_meter = now / d->cfg->gateway.tick *
		    d->cfg->gateway.tick + d->cfg->gateway.tick;
	}
	engine_advance(d->engine, d->now);
	requests_expire(d);
	/* Charge before grant: the use is on disk before the batch that
	 * acts on it goes out.  A crash in between loses one tick. */
	charged = engine_stats(d->engine)->charged;
	if (charged != d->charged || d->save_failing ||
	    now - d->saved >= STATE_EVERY_S) {
		d->charged = charged;
		state_write(d);
	}
}

/* An interface's capture figures: its two handles together. */
static int
iface_stats(struct daemon *d, size_t i, uint64_t *recv, uint64_t *drop)
{
	uint64_t r1, d1, r2, d2;

	if (capture_stats(d->caps[2 * i], &r1, &d1) != 0 ||
	    capture_stats(d->caps[2 * i + 1], &r2, &d2) != 0)
		return -1;
	*recv = r1 + r2;
	*drop = d1 + d2;
	return 0;
}

/*
 * The control socket's verbs (see control.h and schoolgatectl(8)).
 */
static void
fmt_duration(uint64_t secs, char *buf, size_t len)
{
	if (secs >= 3600)
		snprintf(buf, len, "%lluh%02llum%02llus",
		    (unsigned long long)(secs / 3600),
		    (unsigned long long)(secs / 60 % 60),
		    (unsigned long long)(secs % 60));
	else
		snprintf(buf, len, "%llum%02llus",
		    (unsigned long long)(secs / 60),
		    (unsigned long long)(secs % 60));
}

static void
fmt_until(const struct daemon *d, int64_t t, char *buf, size_t len)
{
	if (t == POLICY_NEVER)
		snprintf(buf, len, "-");
	else
		tz_format(d->tz, t, buf, len);
}

struct who_ctx {
	struct daemon		*d;
	struct control_out	*out;
	size_t			 denials;
};

static void
who_line(const struct engine_pair *p, void *arg)
{
	struct who_ctx *w = arg;
	char ab[ADDR_STRLEN], until[40];

	if (verdict_blocks(p->verdict))
		w->denials++;
	if (w->out == NULL)
		return;
	addr_format(&p->client, ab, sizeof(ab));
	fmt_until(w->d, p->until, until, sizeof(until));
	control_printf(w->out, "%-24s %-20s %-10s %-14s %-20s %-25s %s", ab,
	    p->holder, p->who->group->name, p->platform->id,
	    verdict_str(p->verdict), until, p->by ? p->by->id : "-");
}

static void
ctl_status(struct daemon *d, struct control_out *out)
{
	const struct observer_stats *os = observer_stats(d->obs);
	const struct engine_stats *es = engine_stats(d->engine);
	struct who_ctx w = { d, NULL, 0 };
	char buf[64], now[40];
	uint64_t recv, drop;
	size_t i, n;

	fmt_duration((mono_us() - d->started) / US, buf, sizeof(buf));
	tz_format(d->tz, (int64_t)(d->now / US), now, sizeof(now));
	control_printf(out, "uptime          %s", buf);
	if (d->testclock)
		control_printf(out, "clock           TEST CLOCK, %gx: %s",
		    d->rate, now);
	else
		control_printf(out, "clock           real: %s", now);
	for (i = 0; i < d->ncaps / 2; i++) {
		if (iface_stats(d, i, &recv, &drop) == 0)
			control_printf(out, "capture %-8s received %llu, "
			    "dropped %llu", d->cfg->gateway.interfaces[i],
			    (unsigned long long)recv,
			    (unsigned long long)drop);
	}
	control_printf(out, "packets         %llu (%llu undecodable)",
	    (unsigned long long)os->packets,
	    (unsigned long long)os->undecodable);
	control_printf(out, "observations    dns %llu (%llu matching no "
	    "query), tls %llu, quic %llu, http %llu",
	    (unsigned long long)os->dns_answers,
	    (unsigned long long)os->dns_unsolicited,
	    (unsigned long long)os->tls_hellos,
	    (unsigned long long)os->quic_hellos,
	    (unsigned long long)os->http_requests);
	n = engine_export_addrs(d->engine, NULL, 0);
	control_printf(out, "addresses       %zu learned now (%llu in all), "
	    "%llu shared, %llu answers not trusted",
	    n, (unsigned long long)es->learned,
	    (unsigned long long)es->shared,
	    (unsigned long long)(es->untrusted + es->untrusted_resolver));
	engine_foreach_pair(d->engine, who_line, &w);
	control_printf(out, "denials         %zu in force", w.denials);
	control_printf(out, "verdicts        %llu changes; %llu ticks "
	    "charged", (unsigned long long)es->verdicts,
	    (unsigned long long)es->charged);
	control_printf(out, "overrides       %zu in force, %zu rejected",
	    d->ovr->n, d->ovr->nrejected);
	if (d->spool != NULL) {
		size_t k, pend = 0;

		for (k = 0; k < spool_count(d->spool); k++)
			if (spool_at(d->spool, k)->status == REQ_PENDING)
				pend++;
		control_printf(out, "requests        %zu pending", pend);
	}
	if (d->bp != NULL) {
		const struct bp_stats *bs = bp_stats(d->bp);

		control_printf(out, "block page      %llu shown, %llu status, "
		    "%llu requests, %llu refused, %llu over the limit%s",
		    (unsigned long long)bs->pages,
		    (unsigned long long)bs->status,
		    (unsigned long long)bs->requests,
		    (unsigned long long)bs->refused,
		    (unsigned long long)bs->limited,
		    d->mint != NULL ? "; HTTPS with the school CA" : "");
	}
	control_printf(out, "state           %s", d->save_failing ?
	    "NOT SAVED (failing; retried every tick)" : "saved");
	control_printf(out, "nft             %llu batches refused",
	    (unsigned long long)d->batch_failures);
	n = d->nlat < LAT_SAMPLES ? (size_t)d->nlat : LAT_SAMPLES;
	if (n > 0) {
		uint32_t *v = malloc(n * sizeof(*v));

		if (v != NULL) {
			memcpy(v, d->lat, n * sizeof(*v));
			qsort(v, n, sizeof(*v), u32_cmp);
			control_printf(out, "latency         DNS answer -> "
			    "kernel: p50 %u us, p99 %u us (%zu samples)",
			    v[n / 2], v[(n * 99) / 100], n);
			free(v);
		}
	}
}

static int
ctl_quota(struct daemon *d, const char *name, struct control_out *out,
    char *why, size_t whylen)
{
	const struct config_person *pe;
	struct policy pol;
	struct tz_local l;
	char used[32], allow[32], left[32], resets[40];
	uint32_t u, a;
	int64_t now = (int64_t)(d->now / US);

	if ((pe = config_person_find(d->cfg, name)) == NULL) {
		snprintf(why, whylen, "no person %s in the configuration",
		    name);
		return -1;
	}
	tz_local(d->tz, now, &l);
	pol.cfg = d->cfg;
	pol.sched = d->sched;
	pol.ovr = d->ovr;
	u = quota_used(d->quota, pe->name, l.day);
	control_printf(out, "person          %s", pe->name);
	control_printf(out, "group           %s", pe->group->name);
	if (pe->group->outside != CONFIG_OUTSIDE_QUOTA) {
		control_printf(out, "allowance       not metered (outside "
		    "lessons: %s)", pe->group->outside ==
		    CONFIG_OUTSIDE_ALLOW ? "allow" : "block");
		return 0;
	}
	a = policy_allowance(&pol, pe->group, pe, NULL, l.day);
	fmt_duration(u, used, sizeof(used));
	fmt_duration(a, allow, sizeof(allow));
	fmt_duration(u < a ? a - u : 0, left, sizeof(left));
	tz_format(d->tz, tz_instant(d->tz, l.day + 1, 0), resets,
	    sizeof(resets));
	control_printf(out, "used            %s", used);
	control_printf(out, "allowance       %s", allow);
	control_printf(out, "left            %s", left);
	control_printf(out, "resets          %s", resets);
	return 0;
}

static int
ctl_requests(struct daemon *d, const struct control_req *req,
    struct control_out *out, char *why, size_t whylen)
{
	struct approve_ctx c;
	struct request done;

	if (d->spool == NULL && req->verb != CTL_OVERRIDES) {
		snprintf(why, whylen, "the request spool could not be opened "
		    "(see the log)");
		return -1;
	}
	approve_ctx_of(d, &c);
	switch (req->verb) {
	case CTL_REQUESTS:
		if (req->arg[0] != '\0' && strcmp(req->arg, "all") != 0) {
			snprintf(why, whylen, "requests takes 'all' or "
			    "nothing");
			return -1;
		}
		approve_list(&c, req->arg[0] != '\0', out);
		return 0;
	case CTL_APPROVE:
		if (approve_approve(&c, req->arg, out, &done, why, whylen) != 0)
			return -1;
		log_info("request %s approved by %s", done.id, done.by);
		request_event(d, EV_APPROVED, &done);
		/* Within the second, not at inotify's leisure. */
		overrides_reload(d);
		return 0;
	case CTL_DENY:
		if (approve_deny(&c, req->arg, out, &done, why, whylen) != 0)
			return -1;
		log_info("request %s denied by %s", done.id, done.by);
		request_event(d, EV_DENIED, &done);
		return 0;
	case CTL_OVERRIDES:
		approve_overrides(&c, out);
		return 0;
	default:
		snprintf(why, whylen, "unknown verb");
		return -1;
	}
}

static int
on_control(const struct control_req *req, struct control_out *out,
    char *why, size_t whylen, void *arg)
{
	struct daemon *d = arg;
	struct who_ctx w = { d, out, 0 };

	switch (req->verb) {
	case CTL_HELP:
		control_printf(out, "status          the daemon's figures");
		control_printf(out, "who             devices, their verdicts "
		    "and until when");
		control_printf(out, "quota PERSON    a person's allowance "
		    "today");
		control_printf(out, "reload          read the configuration "
		    "again");
		control_printf(out, "requests [all]  unblock requests pending "
		    "(all: decided too)");
		control_printf(out, "approve ID [until=DATE] [who=WHO] "
		    "[extra=DURATION] [by=NAME]");
		control_printf(out, "deny ID [reason=TEXT] [by=NAME]");
		control_printf(out, "overrides       overrides in force, "
		    "expired and rejected");
		return 0;
	case CTL_STATUS:
		ctl_status(d, out);
		return 0;
	case CTL_WHO:
		control_printf(out, "%-24s %-20s %-10s %-14s %-20s %-25s %s",
		    "DEVICE", "HOLDER", "GROUP", "PLATFORM", "VERDICT",
		    "UNTIL", "OVERRIDE");
		engine_foreach_pair(d->engine, who_line, &w);
		return 0;
	case CTL_QUOTA:
		return ctl_quota(d, req->arg, out, why, whylen);
	case CTL_REQUESTS:
	case CTL_APPROVE:
	case CTL_DENY:
	case CTL_OVERRIDES:
		return ctl_requests(d, req, out, why, whylen);
	case CTL_RELOAD:
		sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		    (unsigned long long)mono_us());
		if (reload(d) < 0) {
			sd_notify(0, "READY=1");
			snprintf(why, whylen, "reload refused, the running "
			    "configuration stays in force: %s", d->reload_why);
			return -1;
		}
		sd_notify(0, "READY=1");
		commit(d);
		control_printf(out, "reloaded");
		return 0;
	}
	snprintf(why, whylen, "unknown verb");
	return -1;
}

/* The block page and the requests. */
static void
bp_metrics(struct daemon *d, struct metrics_body *b)
{
	static const struct bp_stats zero;
	const struct bp_stats *bs = d->bp != NULL ? bp_stats(d->bp) : &zero;
	const struct mint_stats *ms = d->mint != NULL ? mint_stats(d->mint) :
	    NULL;
	uint64_t st[4] = { 0, 0, 0, 0 };
	size_t k;

	metrics_family(b, "schoolgate_blockpage_hits_total", "counter",
	    "Block page answers by kind");
	metrics_sample(b, "schoolgate_blockpage_hits_total",
	    "page=\"block\"", bs->pages);
	metrics_sample(b, "schoolgate_blockpage_hits_total",
	    "page=\"status\"", bs->status);
	metrics_sample(b, "schoolgate_blockpage_hits_total",
	    "page=\"request\"", bs->requests);
	metrics_sample(b, "schoolgate_blockpage_hits_total",
	    "page=\"refused\"", bs->refused);
	metrics_sample(b, "schoolgate_blockpage_hits_total",
	    "page=\"over_limit\"", bs->limited);
	metrics_sample(b, "schoolgate_blockpage_hits_total",
	    "page=\"bad\"", bs->bad);
	metrics_sample(b, "schoolgate_blockpage_hits_total",
	    "page=\"not_saved\"", bs->failed);
	metrics_family(b, "schoolgate_blockpage_refused_total", "counter",
	    "Connections refused at a limit, and HTTPS handshakes for "
	    "names the school CA does not sign");
	metrics_sample(b, "schoolgate_blockpage_refused_total",
	    "why=\"connection_limit\"", bs->conn_limit);
	metrics_sample(b, "schoolgate_blockpage_refused_total",
	    "why=\"tls_name\"", bs->tls_refused);
	metrics_family(b, "schoolgate_blockpage_certificates_total",
	    "counter", "Leaf certificates minted, and cache hits");
	metrics_sample(b, "schoolgate_blockpage_certificates_total",
	    "outcome=\"minted\"", ms ? ms->minted : 0);
	metrics_sample(b, "schoolgate_blockpage_certificates_total",
	    "outcome=\"cached\"", ms ? ms->hits : 0);
	metrics_sample(b, "schoolgate_blockpage_certificates_total",
	    "outcome=\"cache_full\"", ms ? ms->full : 0);
	for (k = 0; d->spool != NULL && k < spool_count(d->spool); k++)
		st[spool_at(d->spool, k)->status & 3]++;
	metrics_family(b, "schoolgate_requests", "gauge",
	    "Unblock requests in the spool by status");
	metrics_sample(b, "schoolgate_requests", "status=\"pending\"",
	    st[REQ_PENDING]);
	metrics_sample(b, "schoolgate_requests", "status=\"approved\"",
	    st[REQ_APPROVED]);
	metrics_sample(b, "schoolgate_requests", "status=\"denied\"",
	    st[REQ_DENIED]);
	metrics_sample(b, "schoolgate_requests", "status=\"expired\"",
	    st[REQ_EXPIRED]);
}

/*
 * Prometheus: what a technician graphs and alerts on.
 */
static void
metrics_fill_daemon(struct metrics_body *b, void *arg)
{
	struct daemon *d = arg;
	const struct observer_stats *os = observer_stats(d->obs);
	const struct engine_stats *es = engine_stats(d->engine);
	const struct events_stats *vs = d->events ? events_stats(d->events) :
	    NULL;
	struct who_ctx w = { d, NULL, 0 };
	char lab[256], v[128];
	uint64_t recv, drop;
	size_t i, n;

	metrics_family(b, "schoolgate_up", "gauge",
	    "1 while the daemon runs; test_clock says whether its clock is "
	    "simulated");
	snprintf(lab, sizeof(lab), "test_clock=\"%s\"",
	    d->testclock ? "yes" : "no");
	metrics_sample(b, "schoolgate_up", lab, 1);
	metrics_family(b, "schoolgate_capture_received_total", "counter",
	    "Packets the kernel passed to the capture, per interface");
	for (i = 0; i < d->ncaps / 2; i++) {
		if (iface_stats(d, i, &recv, &drop) != 0)
			continue;
		metrics_label(d->cfg->gateway.interfaces[i], v, sizeof(v));
		snprintf(lab, sizeof(lab), "interface=\"%s\"", v);
		metrics_sample(b, "schoolgate_capture_received_total", lab,
		    recv);
	}
	metrics_family(b, "schoolgate_capture_dropped_total", "counter",
	    "Packets the capture lost (buffer full), per interface");
	for (i = 0; i < d->ncaps / 2; i++) {
		if (iface_stats(d, i, &recv, &drop) != 0)
			continue;
		metrics_label(d->cfg->gateway.interfaces[i], v, sizeof(v));
		snprintf(lab, sizeof(lab), "interface=\"%s\"", v);
		metrics_sample(b, "schoolgate_capture_dropped_total", lab,
		    drop);
	}
	metrics_family(b, "schoolgate_packets_total", "counter",
	    "Packets dissected");
	metrics_sample(b, "schoolgate_packets_total", NULL, os->packets);
	metrics_family(b, "schoolgate_observations_total", "counter",
	    "Names seen, by protocol");
	metrics_sample(b, "schoolgate_observations_total", "proto=\"dns\"",
	    os->dns_answers);
	metrics_sample(b, "schoolgate_observations_total", "proto=\"tls\"",
	    os->tls_hellos);
	metrics_sample(b, "schoolgate_observations_total", "proto=\"quic\"",
	    os->quic_hellos);
	metrics_sample(b, "schoolgate_observations_total", "proto=\"http\"",
	    os->http_requests);
	metrics_family(b, "schoolgate_platform_observations_total",
	    "counter", "Names seen, by platform (\"\" for none)");
	n = d->nobs_by_platform;
	for (i = 0; i < n; i++) {
		const struct platform *p = catalog_platform(d->cat, i);

		if (p == NULL || d->obs_by_platform[i] == 0)
			continue;
		metrics_label(p->id, v, sizeof(v));
		snprintf(lab, sizeof(lab), "platform=\"%s\"", v);
		metrics_sample(b, "schoolgate_platform_observations_total",
		    lab, d->obs_by_platform[i]);
	}
	metrics_sample(b, "schoolgate_platform_observations_total",
	    "platform=\"\"", d->obs_other);
	metrics_family(b, "schoolgate_dns_answers_ignored_total", "counter",
	    "DNS answers that taught nothing: forged, unsolicited, or from "
	    "a resolver not trusted");
	metrics_sample(b, "schoolgate_dns_answers_ignored_total", NULL,
	    es->untrusted + es->untrusted_resolver);
	metrics_family(b, "schoolgate_learned_addresses", "gauge",
	    "Platform addresses learned and in force");
	metrics_sample(b, "schoolgate_learned_addresses", NULL,
	    engine_export_addrs(d->engine, NULL, 0));
	metrics_family(b, "schoolgate_denials", "gauge",
	    "Device and platform pairs blocked now");
	engine_foreach_pair(d->engine, who_line, &w);
	metrics_sample(b, "schoolgate_denials", NULL, w.denials);
	metrics_family(b, "schoolgate_quota_exhausted_today", "gauge",
	    "Allowances used up since local midnight");
	metrics_sample(b, "schoolgate_quota_exhausted_today", NULL,
	    d->quota_today);
	metrics_family(b, "schoolgate_verdict_changes_total", "counter",
	    "Verdicts that changed");
	metrics_sample(b, "schoolgate_verdict_changes_total", NULL,
	    es->verdicts);
	metrics_family(b, "schoolgate_ticks_charged_total", "counter",
	    "Allowance ticks charged");
	metrics_sample(b, "schoolgate_ticks_charged_total", NULL, es->charged);
	metrics_family(b, "schoolgate_nft_batches_total", "counter",
	    "Batches the kernel applied");
	metrics_sample(b, "schoolgate_nft_batches_total", NULL, d->batches);
	metrics_family(b, "schoolgate_nft_batch_errors_total", "counter",
	    "Batches the kernel refused");
	metrics_sample(b, "schoolgate_nft_batch_errors_total", NULL,
	    d->batch_failures);
	metrics_family(b, "schoolgate_state_save_failing", "gauge",
	    "1 while the state file cannot be saved");
	metrics_sample(b, "schoolgate_state_save_failing", NULL,
	    d->save_failing ? 1 : 0);
	metrics_family(b, "schoolgate_overrides", "gauge",
	    "Override files in force and rejected");
	metrics_sample(b, "schoolgate_overrides", "state=\"in_force\"",
	    d->ovr->n);
	metrics_sample(b, "schoolgate_overrides", "state=\"rejected\"",
	    d->ovr->nrejected);
	metrics_family(b, "schoolgate_events_total", "counter",
	    "Audit events written, and dropped by the per-device limit");
	metrics_sample(b, "schoolgate_events_total", "outcome=\"written\"",
	    vs ? vs->written : 0);
	metrics_sample(b, "schoolgate_events_total",
	    "outcome=\"rate_limited\"", vs ? vs->rate_limited : 0);
	metrics_sample(b, "schoolgate_events_total",
	    "outcome=\"write_error\"", vs ? vs->write_errors : 0);
	bp_metrics(d, b);
}

/*
 * systemd (Type=notify): READY once the table is in place, STATUS with
 * live figures, WATCHDOG pings from the loop itself (a wedged loop stops
 * them and systemd restarts the daemon), STOPPING.  Outside systemd
 * sd_notify() does nothing.
 */
static void
notify_tick(struct daemon *d)
{
	const struct engine_stats *es = engine_stats(d->engine);
	const struct observer_stats *os = observer_stats(d->obs);
	uint64_t mono = mono_us();

	if (d->watchdog != 0 && mono - d->petted >= d->watchdog / 3) {
		sd_notify(0, "WATCHDOG=1");
		d->petted = mono;
	}
	if (mono - d->status_at < 10 * US)
		return;
	d->status_at = mono;
	sd_notifyf(0, "STATUS=%s%llu packets, %llu addresses learned, "
	    "%llu verdict changes, %llu ticks charged%s",
	    d->testclock ? "TEST CLOCK; " : "",
	    (unsigned long long)os->packets,
	    (unsigned long long)es->learned,
	    (unsigned long long)es->verdicts,
	    (unsigned long long)es->charged,
	    d->save_failing ? "; STATE NOT SAVED" : "");
}

int
loop_run(const struct loop_opts *o)
{
	struct daemon d;
	struct epoll_event evs[2 * MAX_IFACES + 8];
	int pass;
	char *cause = NULL;
	int n, i;

	memset(&d, 0, sizeof(d));
	d.opts = o;
	d.started = mono_us();
	d.ep = d.sigfd = d.timerfd = d.inofd = -1;
	if (start(&d) < 0) {
		stop(&d);
		return 1;
	}
	if (sd_watchdog_enabled(0, &d.watchdog) <= 0)
		d.watchdog = 0;
	sd_notify(0, "READY=1");
	while (!d.quit) {
		arm_timer(&d);
		n = epoll_wait(d.ep, evs, (int)(sizeof(evs) / sizeof(evs[0])),
		    -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			break;
		}
		d.now = clock_now(&d);
		tick(&d);
		/* What the interfaces received before what this host sent:
		 * a query is read before the answer to it. */
		for (pass = 0; pass < 2; pass++) {
			for (i = 0; i < n; i++) {
				uint32_t tag = evs[i].data.u32;

				if (tag >= d.ncaps || (int)(tag % 2) != pass)
					continue;
				d.cur_dir = (uint8_t)capture_direction(
				    d.caps[tag]);
				if (capture_dispatch(d.caps[tag], DISPATCH_MAX,
				    on_frame, &d, &cause) < 0) {
					log_warnx("%s", cause ? cause : "?");
					free(cause);
					cause = NULL;
				}
			}
		}
		for (i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;

			if (tag < d.ncaps) {
				continue;
			} else if (tag == TAG_SIGNAL)
				handle_signals(&d);
			else if (tag == TAG_TIMER) {
				drain(d.timerfd);
				if (d.bp != NULL)
					bp_run(d.bp);	/* idle timeouts */
			}
			else if (tag == TAG_CONTROL)
				control_serve(d.ctl, on_control, &d);
			else if (tag == TAG_METRICS)
				metrics_run(d.metrics);
			else if (tag == TAG_BP)
				bp_run(d.bp);
			else if (tag == TAG_INOTIFY) {
				drain(d.inofd);
				d.ovr_dirty = true;
			}
		}
		if (d.reload) {
			sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
			    (unsigned long long)mono_us());
			(void)reload(&d);
			sd_notify(0, "READY=1");
		} else if (d.ovr_dirty)
			overrides_reload(&d);
		commit(&d);
		notify_tick(&d);
	}
	sd_notify(0, "STOPPING=1");
	stop(&d);
	return d.failed ? 1 : 0;
}
