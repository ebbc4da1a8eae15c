/*
 * replay: capture file -> observer -> printed observations.
 *
 * The formatter writes each line into a buffer with a few appends (no
 * printf on the per-observation path) and hands it to stdio whole: a
 * capture of a busy network yields an observation every few packets.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "dns.h"
#include "engine.h"
#include "flow.h"
#include "identity.h"
#include "observe.h"
#include "overrides.h"
#include "policy.h"
#include "quota.h"
#include "replay.h"
#include "sbuf.h"
#include "schedule.h"
#include "tls.h"
#include "tz.h"

/* Longest line: a 1021-byte name escaped 6x, 32 addresses, the rest. */
#define LINE_MAX_LEN	(6 * DNS_TEXT_MAX + DNS_MAX_ADDRS * 48 + 512)

/* Pad the column that started at from to width, then one space. */
static void
sb_pad(struct sb *s, size_t from, size_t width)
{
	size_t used = s->n - from, n = used < width ? width - used + 1 : 1;

	if (n > s->cap - s->n)
		n = s->cap - s->n;
	memset(s->b + s->n, ' ', n);
	s->n += n;
}




void
obs_format_init(struct obs_format *fmt)
{
	fmt->sec = -1;
	fmt->text[0] = '\0';
}

static void
sb_ts(struct sb *s, struct obs_format *fmt, uint64_t ts_us)
{
	int64_t sec = (int64_t)(ts_us / 1000000u);

	if (sec != fmt->sec) {
		time_t t = (time_t)sec;
		struct tm tm;

		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(fmt->text, sizeof(fmt->text),
		    "%Y-%m-%dT%H:%M:%S", &tm) == 0)
			fmt->text[0] = '\0';
		fmt->sec = sec;
	}
	sb_puts(s, fmt->text);
	sb_putc(s, '.');
	sb_uint(s, (unsigned long)(ts_us % 1000000u), 6);
	sb_putc(s, 'Z');
}

void
format_ts_utc(struct obs_format *fmt, uint64_t ts_us, char *buf, size_t len)
{
	struct sb s = { buf, 0, len ? len - 1 : 0 };

	if (len == 0)
		return;
	sb_ts(&s, fmt, ts_us);
	buf[s.n] = '\0';
}

size_t
obs_format_json(struct obs_format *fmt, const struct observation *ob,
    char *buf, size_t len)
{
	struct sb s = { buf, 0, len ? len - 1 : 0 };
	const struct platform *pl = ob->platform;
	struct addr ad;
	size_t i;

	if (len == 0)
		return 0;
	sb_puts(&s, "{\"ts\":\"");
	sb_ts(&s, fmt, ob->ts_us);
	sb_puts(&s, "\",\"proto\":\"");
	sb_puts(&s, obs_proto_str(ob->proto));
	sb_puts(&s, "\",\"client\":\"");
	sb_addr_port(&s, &ob->client, ob->cport);
	sb_puts(&s, "\",\"server\":\"");
	sb_addr_port(&s, &ob->server, ob->sport);
	sb_putc(&s, '"');
	sb_json_key(&s, "name", ob->name, ob->name_len);
	sb_json_key(&s, "platform", pl ? pl->id : "", pl ? strlen(pl->id) : 0);
	sb_json_key(&s, "category", ob->category, strlen(ob->category));
	if (ob->reason != CIRC_NONE) {
		sb_puts(&s, ",\"reason\":\"");
		sb_puts(&s, circ_reason_str(ob->reason));
		sb_putc(&s, '"');
	}
	if (ob->ech)
		sb_puts(&s, ",\"ech\":true");
	if (ob->proto == OBS_DNS) {
		sb_puts(&s, ",\"addrs\":[");
		for (i = 0; ob->dns != NULL && i < ob->dns->naddrs; i++) {
			ad.family = ob->dns->addrs[i].family;
			memcpy(ad.bytes, ob->dns->addrs[i].bytes,
			    sizeof(ad.bytes));
			if (i)
				sb_putc(&s, ',');
			sb_putc(&s, '"');
			sb_addr(&s, &ad);
			sb_putc(&s, '"');
		}
		sb_putc(&s, ']');
		if (ob->unanswered)
			sb_puts(&s, ",\"answered\":false");
	}
	sb_puts(&s, "}\n");
	/* A cut line still ends the record. */
	if (s.n == s.cap)
		s.b[s.n - 1] = '\n';
	buf[s.n] = '\0';
	return s.n;
}

const char *
obs_format_header(void)
{
	return "TIME (UTC)      PROTO CLIENT                SERVER               "
	    " NAME                             PLATFORM     CATEGORY\n";
}

size_t
obs_format_row(struct obs_format *fmt, const struct observation *ob,
    char *buf, size_t len)
{
	struct sb s = { buf, 0, len ? len - 1 : 0 };
	const struct platform *pl = ob->platform;
	char ts[40];
	size_t i, col;

	if (len == 0)
		return 0;
	format_ts_utc(fmt, ob->ts_us, ts, sizeof(ts));
	sb_put(&s, ts + 11, 15);		/* HH:MM:SS.uuuuuu */
	sb_putc(&s, ' ');
	col = s.n;
	sb_puts(&s, obs_proto_str(ob->proto));
	sb_pad(&s, col, 5);
	col = s.n;
	sb_addr_port(&s, &ob->client, ob->cport);
	sb_pad(&s, col, 21);
	col = s.n;
	sb_addr_port(&s, &ob->server, ob->sport);
	sb_pad(&s, col, 21);
	col = s.n;
	/* Names are printable already; be strict anyway for terminals. */
	for (i = 0; i < ob->name_len; i++) {
		unsigned char c = (unsigned char)ob->name[i];

		if (c < 0x20 || c >= 0x7f)
			break;
	}
	if (i == ob->name_len)
		sb_put(&s, ob->name, ob->name_len);
	else {
		for (i = 0; i < ob->name_len; i++) {
			unsigned char c = (unsigned char)ob->name[i];

			sb_putc(&s, c >= 0x20 && c < 0x7f ? (char)c : '?');
		}
	}
	if (ob->name_len == 0)
		sb_putc(&s, '-');
	sb_pad(&s, col, 32);
	col = s.n;
	sb_puts(&s, pl ? pl->id : "-");
	sb_pad(&s, col, 12);
	sb_puts(&s, ob->category[0] ? ob->category : "-");
	if (ob->reason != CIRC_NONE) {
		sb_put(&s, " (", 2);
		sb_puts(&s, circ_reason_str(ob->reason));
		sb_putc(&s, ')');
	}
	if (ob->ech)
		sb_puts(&s, " ech");
	if (ob->unanswered)
		sb_puts(&s, " (no answer)");
	sb_putc(&s, '\n');
	if (s.n == s.cap)
		s.b[s.n - 1] = '\n';
	buf[s.n] = '\0';
	return s.n;
}

/* What the technician trying a capture wants to know besides the lines:
 * how much was read, found, refused, and whether a limit was hit. */
static void
replay_print_stats(const struct observer *obs)
{
	const struct observer_stats *st = observer_stats(obs);
	const struct flow_stats *tcp = observer_flow_stats(obs);
	const struct flow_stats *quic = observer_quic_stats(obs);
	const struct flow_stats *q = observer_query_stats(obs);

	fprintf(stderr, "replay: %llu packets, %llu undecodable\n"
	    "replay: dns: %llu answers (%llu matching no query seen), "
	    "%llu UDP queries (%llu unanswered), %llu malformed\n"
	    "replay: tls: %llu hellos, %llu malformed; quic: %llu hellos, "
	    "%llu unreadable; http: %llu requests, %llu malformed\n"
	    "replay: limits: tcp flows evicted %llu, expired %llu, bytes "
	    "beyond buffer %llu; quic flows evicted %llu; queries evicted "
	    "%llu\n",
	    (unsigned long long)st->packets,
	    (unsigned long long)st->undecodable,
	    (unsigned long long)st->dns_answers,
	    (unsigned long long)st->dns_unsolicited,
	    (unsigned long long)st->dns_queries,
	    (unsigned long long)st->dns_unanswered,
	    (unsigned long long)st->dns_bad,
	    (unsigned long long)st->tls_hellos,
	    (unsigned long long)st->tls_bad,
	    (unsigned long long)st->quic_hellos,
	    (unsigned long long)st->quic_bad,
	    (unsigned long long)st->http_requests,
	    (unsigned long long)st->http_bad,
	    (unsigned long long)tcp->evicted,
	    (unsigned long long)tcp->expired,
	    (unsigned long long)tcp->overflow,
	    (unsigned long long)quic->evicted,
	    (unsigned long long)q->evicted);
}

struct replay_ctx {
	struct observer			*obs;
	const struct replay_opts	*opts;
	struct obs_format		 fmt;
	char				 line[LINE_MAX_LEN];
	/* With a config: the policy run over the capture. */
	struct tz			*tz;
	struct schedule			*sched;
	struct overrides		*ovr;
	struct identity			*id;
	struct quota			*quota;
	struct engine			*engine;
};

/* "2026-11-23T16:00:00+00:00", or null for a verdict that never ends. */
static void
sb_until(struct sb *s, const struct tz *tz, int64_t until, bool json)
{
	char tmp[40];

	if (until == POLICY_NEVER) {
		sb_puts(s, json ? "null" : "-");
		return;
	}
	tz_format(tz, until, tmp, sizeof(tmp));
	if (json)
		sb_putc(s, '"');
	sb_puts(s, tmp);
	if (json)
		sb_putc(s, '"');
}

static void
sb_json_str_or_null(struct sb *s, const char *key, const char *v)
{
	if (v == NULL) {
		sb_put(s, ",\"", 2);
		sb_puts(s, key);
		sb_puts(s, "\":null");
	} else
		sb_json_key(s, key, v, strlen(v));
}

/* A verdict record ("type":"verdict"; see schoolgated(8)), '\n' ended,
 * cut at len - 1; until in local time of tz. */
static size_t
verdict_format_json(struct obs_format *fmt, const struct tz *tz,
    const struct engine_verdict *ev, char *buf, size_t len)
{
	struct sb s = { buf, 0, len ? len - 1 : 0 };
	const struct policy_verdict *v = ev->v;

	if (len == 0)
		return 0;
	sb_puts(&s, "{\"type\":\"verdict\",\"ts\":\"");
	sb_ts(&s, fmt, ev->ts_us);
	sb_puts(&s, "\",\"client\":\"");
	sb_addr(&s, &ev->client);
	sb_putc(&s, '"');
	sb_json_str_or_null(&s, "person",
	    ev->who->person ? ev->who->person->name : NULL);
	sb_json_key(&s, "group", ev->who->group->name,
	    strlen(ev->who->group->name));
	sb_json_key(&s, "holder", ev->holder, strlen(ev->holder));
	sb_json_key(&s, "platform", ev->platform->id,
	    strlen(ev->platform->id));
	sb_puts(&s, ",\"verdict\":\"");
	sb_puts(&s, verdict_str(v->verdict));
	sb_puts(&s, "\",\"until\":");
	sb_until(&s, tz, v->until, true);
	if (v->allowance > 0 || v->metered) {
		sb_puts(&s, ",\"used\":");
		sb_uint(&s, v->used, 1);
		sb_puts(&s, ",\"left\":");
		sb_uint(&s, v->left, 1);
	}
	if (v->by != NULL)
		sb_json_key(&s, "override", v->by->id, strlen(v->by->id));
	sb_puts(&s, "}\n");
	if (s.n == s.cap)
		s.b[s.n - 1] = '\n';
	buf[s.n] = '\0';
	return s.n;
}

static size_t
verdict_format_row(struct obs_format *fmt, const struct tz *tz,
    const struct engine_verdict *ev, char *buf, size_t len)
{
	struct sb s = { buf, 0, len ? len - 1 : 0 };
	char ts[40];
	size_t col;

	if (len == 0)
		return 0;
	format_ts_utc(fmt, ev->ts_us, ts, sizeof(ts));
	sb_put(&s, ts + 11, 15);
	sb_puts(&s, " =>    ");
	col = s.n;
	sb_addr(&s, &ev->client);
	sb_pad(&s, col, 21);
	col = s.n;
	sb_puts(&s, ev->holder);
	sb_putc(&s, '/');
	sb_puts(&s, ev->who->group->name);
	sb_pad(&s, col, 21);
	col = s.n;
	sb_puts(&s, verdict_str(ev->v->verdict));
	sb_pad(&s, col, 32);
	col = s.n;
	sb_puts(&s, ev->platform->id);
	sb_pad(&s, col, 12);
	sb_puts(&s, "until ");
	sb_until(&s, tz, ev->v->until, false);
	if (ev->v->by != NULL) {
		sb_puts(&s, " (override ");
		sb_puts(&s, ev->v->by->id);
		sb_putc(&s, ')');
	}
	sb_putc(&s, '\n');
	if (s.n == s.cap)
		s.b[s.n - 1] = '\n';
	buf[s.n] = '\0';
	return s.n;
}

static void
on_verdict(const struct engine_verdict *ev, void *arg)
{
	struct replay_ctx *rc = arg;
	size_t n;

	if (rc->opts->json)
		n = verdict_format_json(&rc->fmt, rc->tz, ev, rc->line,
		    sizeof(rc->line));
	else
		n = verdict_format_row(&rc->fmt, rc->tz, ev, rc->line,
		    sizeof(rc->line));
	fwrite(rc->line, 1, n, rc->opts->out);
}

/* The per-holder summary at the end of a replay with a config. */
static void
on_holder(const struct engine_holder *h, void *arg)
{
	struct replay_ctx *rc = arg;
	FILE *f = rc->opts->out;
	int32_t y;
	unsigned m, d;

	tz_civil_from_days(h->day, &y, &m, &d);
	if (rc->opts->json) {
		struct sb s = { rc->line, 0, sizeof(rc->line) - 1 };

		sb_puts(&s, "{\"type\":\"quota\"");
		sb_json_key(&s, "holder", h->holder, strlen(h->holder));
		sb_json_str_or_null(&s, "person",
		    h->who->person ? h->who->person->name : NULL);
		sb_json_key(&s, "group", h->who->group->name,
		    strlen(h->who->group->name));
		rc->line[s.n] = '\0';
		fprintf(f, "%s,\"day\":\"%04d-%02u-%02u\",\"metered\":%s,"
		    "\"used\":%u,\"allowance\":%u,\"left\":%u,"
		    "\"active_ticks\":%u,\"bytes\":%llu}\n", rc->line, (int)y,
		    m, d, h->metered ? "true" : "false", h->used, h->allowance,
		    h->left, h->active_ticks, (unsigned long long)h->bytes);
		return;
	}
	if (!h->metered) {
		fprintf(f, "quota %-24s %-10s %04d-%02u-%02u not metered "
		    "(outside lessons: %s)\n", h->holder, h->who->group->name,
		    (int)y, m, d, h->who->group->outside ==
		    CONFIG_OUTSIDE_ALLOW ? "allow" : "block");
		return;
	}
	fprintf(f, "quota %-24s %-10s %04d-%02u-%02u used %4um%02us of "
	    "%4um, %4um%02us left, %u active ticks, %llu bytes\n",
	    h->holder, h->who->group->name, (int)y, m, d, h->used / 60,
	    h->used % 60, h->allowance / 60, h->left / 60, h->left % 60,
	    h->active_ticks, (unsigned long long)h->bytes);
}

static void
on_observation(const struct observation *ob, void *arg)
{
	struct replay_ctx *rc = arg;
	size_t n;

	if (rc->opts->json)
		n = obs_format_json(&rc->fmt, ob, rc->line, sizeof(rc->line));
	else
		n = obs_format_row(&rc->fmt, ob, rc->line, sizeof(rc->line));
	fwrite(rc->line, 1, n, rc->opts->out);
	if (rc->engine != NULL)
		engine_observe(rc->engine, ob);
}

/* A DNS query: the engine's early warning, not a line of output. */
static void
on_query(const struct observation *ob, void *arg)
{
	struct replay_ctx *rc = arg;

	engine_observe(rc->engine, ob);
}

static void
on_frame(void *arg, int dlt, const uint8_t *frame, size_t caplen,
    uint64_t ts_us)
{
	struct replay_ctx *rc = arg;
	struct pkt p;

	if (rc->engine == NULL) {
		observer_frame(rc->obs, dlt, frame, caplen, ts_us);
		return;
	}
	engine_advance(rc->engine, ts_us);
	if (decode_frame(dlt, frame, caplen, &p) != DECODE_OK) {
		/* Counted there, as undecodable or skipped. */
		observer_frame(rc->obs, dlt, frame, caplen, ts_us);
		return;
	}
	observer_packet(rc->obs, &p, ts_us);
	engine_packet(rc->engine, &p, ts_us);
}

static void
policy_free(struct replay_ctx *rc)
{
	engine_free(rc->engine);
	quota_free(rc->quota);
	identity_free(rc->id);
	overrides_free(rc->ovr);
	schedule_free(rc->sched);
	tz_free(rc->tz);
}

/* Build the policy side from the config.  -1 with *cause on error. */
static int
policy_init(struct replay_ctx *rc, const struct replay_opts *opts,
    char **cause)
{
	const struct config *cfg = opts->cfg;
	struct engine_opts eo;
	size_t i;

	if ((rc->tz = tz_load(cfg->gateway.timezone, cause)) == NULL ||
	    (rc->sched = schedule_new(cfg, rc->tz, cause)) == NULL ||
	    (rc->ovr = overrides_load_dir(cfg->gateway.overrides_dir, cfg,
	    opts->cat, cause)) == NULL ||
	    (rc->id = identity_new(cfg, cause)) == NULL)
		return -1;
	/* A bad override is left out, loudly, as the daemon does. */
	for (i = 0; i < rc->ovr->nrejected; i++)
		fprintf(stderr, "%s", rc->ovr->rejected[i].cause);
	if ((rc->quota = quota_new()) == NULL)
		goto nomem;
	memset(&eo, 0, sizeof(eo));
	eo.cfg = cfg;
	eo.cat = opts->cat;
	eo.id = rc->id;
	eo.policy.cfg = cfg;
	eo.policy.sched = rc->sched;
	eo.policy.ovr = rc->ovr;
	eo.quota = rc->quota;
	eo.cb = on_verdict;
	eo.arg = rc;
	if ((rc->engine = engine_new(&eo)) == NULL)
		goto nomem;
	observer_set_query_cb(rc->obs, on_query, rc);
	return 0;
nomem:
	*cause = strdup("out of memory");
	return -1;
}

int
replay_run(const struct replay_opts *opts, char **cause)
{
	static char outbuf[1 << 16];
	struct replay_ctx *rc;
	struct capture *cap;
	int n;

	if ((cap = capture_open_file(opts->path, cause)) == NULL)
		return -1;
	if ((rc = calloc(1, sizeof(*rc))) == NULL ||
	    (rc->obs = observer_new(opts->cat, on_observation, rc)) == NULL) {
		free(rc);
		capture_close(cap);
		*cause = strdup("out of memory");
		return -1;
	}
	rc->opts = opts;
	if (opts->cfg != NULL && opts->cat != NULL &&
	    policy_init(rc, opts, cause) < 0) {
		policy_free(rc);
		observer_free(rc->obs);
		free(rc);
		capture_close(cap);
		return -1;
	}
	obs_format_init(&rc->fmt);
	setvbuf(opts->out, outbuf, _IOFBF, sizeof(outbuf));
	if (!opts->json)
		fputs(obs_format_header(), opts->out);
	while ((n = capture_dispatch(cap, -1, on_frame, rc, cause)) > 0)
		;
	observer_flush(rc->obs);
	if (rc->engine != NULL) {
		engine_flush(rc->engine);
		engine_foreach_holder(rc->engine, on_holder, rc);
	}
	fflush(opts->out);
	if (opts->stats)
		replay_print_stats(rc->obs);
	policy_free(rc);
	observer_free(rc->obs);
	free(rc);
	capture_close(cap);
	return n < 0 ? -1 : 0;
}
