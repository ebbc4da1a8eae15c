/*
 * approve: request verbs of the control socket (see approve.h).
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "approve.h"
#include "classify.h"
#include "config.h"
#include "control.h"
#include "overrides.h"
#include "tz.h"

#define BY_DEFAULT	"schoolgatectl"

static void
fmt_day(int32_t day, char *buf, size_t len)
{
	int32_t y;
	unsigned m, d;

	tz_civil_from_days(day, &y, &m, &d);
	snprintf(buf, len, "%04d-%02u-%02u", (int)y, m, d);
}

static int32_t
today(const struct approve_ctx *c)
{
	struct tz_local l;

	tz_local(c->tz, c->now, &l);
	return l.day;
}

/*
 * s as one line of an override's text: blanks for line breaks and tabs,
 * no other control byte, no ';' or '#' (comments there), single blanks,
 * cut to fit buf[cap] on a UTF-8 boundary.
 */
static void
oneline(const char *s, char *buf, size_t cap)
{
	size_t n = 0;
	unsigned char c;
	bool blank = true;

	for (; *s != '\0' && n + 1 < cap; s++) {
		c = (unsigned char)*s;
		if (c == ';')
			c = ',';
		else if (c == '#' || c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		else if (c < 0x20 || c == 0x7f)
			continue;
		if (c == ' ' && blank)
			continue;
		blank = c == ' ';
		buf[n++] = (char)c;
	}
	/* A cut UTF-8 sequence goes, then a trailing blank. */
	while (n > 0 && ((unsigned char)buf[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0 && (unsigned char)buf[n - 1] >= 0xc0)
		n--;
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
}

static const char *
kv_get(const struct control_kv *kv, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].value;
	return NULL;
}

static bool
has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static void
what(const struct request *r, char *buf, size_t len)
{
	char d[16];

	if (r->need == REQ_EXTRA)
		snprintf(buf, len, "extra %um", r->extra / 60);
	else if (r->until > 0) {
		fmt_day(r->until, d, sizeof(d));
		snprintf(buf, len, "unblock until %s", d);
	} else
		snprintf(buf, len, "unblock");
}

void
approve_list(const struct approve_ctx *c, bool all, struct control_out *out)
{
	const struct request *r;
	char made[48], need[40], reason[128];
	size_t i, n = 0;

	control_printf(out, "%-16s %-8s %-25s %-16s %-10s %-12s %-24s %s",
	    "ID", "STATUS", "MADE", "WHO", "GROUP", "PLATFORM", "ASKS",
	    "REASON");
	for (i = 0; i < spool_count(c->spool); i++) {
		r = spool_at(c->spool, i);
		if (!all && r->status != REQ_PENDING)
			continue;
		tz_format(c->tz, r->created, made, sizeof(made));
		what(r, need, sizeof(need));
		oneline(r->reason, reason, sizeof(reason));
		control_printf(out, "%-16s %-8s %-25s %-16s %-10s %-12s %-24s %s",
		    r->id, req_status_str(r->status), made, r->holder,
		    r->group[0] != '\0' ? r->group : "-",
		    r->platform[0] != '\0' ? r->platform : r->domain, need,
		    reason);
		if (r->status != REQ_PENDING)
			control_printf(out, "%-16s by %s%s%s", "", r->by,
			    r->note[0] != '\0' ? ": " : "", r->note);
		n++;
	}
	control_printf(out, "%zu %s request%s", n, all ? "" : "pending",
	    n == 1 ? "" : "s");
}

static const char *const approve_keys[] = {
	"until", "who", "extra", "by", NULL
};
static const char *const deny_keys[] = { "reason", "by", NULL };

/* The request named first in arg, pending. */
static const struct request *
pending(const struct approve_ctx *c, const char *arg,
    const char *const *keys, struct control_kv *kv, size_t *nkv, char *why,
    size_t whylen)
{
	const struct request *r;
	char id[64];
	size_t i;

	if (control_args(arg, keys, id, sizeof(id), kv, nkv, why, whylen) !=
	    0)
		return NULL;
	for (i = 0; i < *nkv; i++)
		if (has_ctl(kv[i].value)) {
			snprintf(why, whylen, "%s holds a control character",
			    kv[i].key);
			return NULL;
		}
	if (!request_id_valid(id)) {
		snprintf(why, whylen, "'%.20s' is not a request id "
		    "(r-YYYYMMDD-NNNN)", id);
		return NULL;
	}
	if ((r = spool_get(c->spool, id)) == NULL) {
		snprintf(why, whylen, "no request %s", id);
		return NULL;
	}
	if (r->status != REQ_PENDING) {
		snprintf(why, whylen, "%s is %s already", id,
		    req_status_str(r->status));
		return NULL;
	}
	return r;
}

int
approve_approve(const struct approve_ctx *c, const char *arg,
    struct control_out *out, struct request *done, char *why, size_t whylen)
{
	struct control_kv kv[CONTROL_KV_MAX];
	const struct request *r;
	struct override o;
	struct config_date cd;
	char path[4096], from[16], until[16], who[128], extra[32];
	char reason[OVERRIDE_TEXT_MAX], by[OVERRIDE_TEXT_MAX], ewhy[128];
	char *text = NULL, *canon = NULL, *cause = NULL;
	const char *v;
	size_t nkv, tlen = 0, clen = 0;
	uint32_t ex = 0;
	int32_t t = today(c), u;
	FILE *f;
	int rc = -1;

	if ((r = pending(c, arg, approve_keys, kv, &nkv, why, whylen)) == NULL)
		return -1;
	/* Until: the date given, the request's, or today for extra time. */
	fmt_day(t, from, sizeof(from));
	u = r->need == REQ_UNBLOCK && r->until > 0 ? r->until : t;
	if ((v = kv_get(kv, nkv, "until")) != NULL) {
		if (config_parse_date(v, &cd, ewhy, sizeof(ewhy)) != 0) {
			snprintf(why, whylen, "until: %s", ewhy);
			return -1;
		}
		u = cd.days;
	}
	if (u < t) {
		snprintf(why, whylen, "until is in the past");
		return -1;
	}
	fmt_day(u, until, sizeof(until));
	if (r->need == REQ_EXTRA)
		ex = r->extra;
	if ((v = kv_get(kv, nkv, "extra")) != NULL &&
	    config_parse_duration(v, &ex, ewhy, sizeof(ewhy)) != 0) {
		snprintf(why, whylen, "extra: %s", ewhy);
		return -1;
	}
	if ((v = kv_get(kv, nkv, "who")) != NULL) {
		if (strlen(v) >= sizeof(who)) {
			snprintf(why, whylen, "who: too long");
			return -1;
		}
		memcpy(who, v, strlen(v) + 1);
	}
	else if (r->person[0] != '\0')
		snprintf(who, sizeof(who), "person:%s", r->person);
	else
		snprintf(who, sizeof(who), "%s", r->holder);	/* ip:ADDR */
	oneline(r->reason, reason, sizeof(reason));
	if (reason[0] == '\0')
		snprintf(reason, sizeof(reason), "request %s", r->id);
	v = kv_get(kv, nkv, "by");
	oneline(v != NULL && v[0] != '\0' ? v : BY_DEFAULT, by, sizeof(by));
	if (by[0] == '\0')
		snprintf(by, sizeof(by), BY_DEFAULT);
	extra[0] = '\0';
	if (ex > 0)
		config_format_duration(ex, extra, sizeof(extra));

	if ((f = open_memstream(&text, &tlen)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	fprintf(f, "[override]\n%s = %s\nwho = %s\nfrom = %s\nuntil = %s\n",
	    r->platform[0] != '\0' ? "platform" : "domain",
	    r->platform[0] != '\0' ? r->platform : r->domain, who, from, until);
	if (extra[0] != '\0')
		fprintf(f, "extra_quota = %s\n", extra);
	fprintf(f, "reason = %s\napproved_by = %s\nrequest = %s\n", reason,
	    by, r->id);
	if (fclose(f) != 0 || text == NULL) {
		free(text);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.conf", c->cfg->gateway.overrides_dir,
	    r->id);
	if (override_parse(path, text, tlen, c->cfg, c->cat, &o, &cause) != 0) {
		snprintf(why, whylen, "the override would be rejected: %.*s",
		    cause != NULL ? (int)strcspn(cause, "\n") : 13,
		    cause != NULL ? cause : "out of memory");
		goto out;
	}
	/* The canonical text, as schoolgate-overrides(5) shows it. */
	if ((f = open_memstream(&canon, &clen)) == NULL ||
	    override_format(&o, f) != 0) {
		if (f != NULL)
			fclose(f);
		override_clear(&o);
		snprintf(why, whylen, "cannot format the override");
		goto out;
	}
	override_clear(&o);
	if (fclose(f) != 0 || canon == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "%s.conf", r->id);
	if (afile_write(c->cfg->gateway.overrides_dir, path, canon, clen, 0644,
	    1, &cause) != 0) {
		snprintf(why, whylen, "%s", cause != NULL ? cause :
		    "cannot write the override");
		goto out;
	}
	snprintf(path, sizeof(path), "overrides.d/%s.conf", r->id);
	free(cause);
	cause = NULL;
	if (spool_decide(c->spool, r->id, REQ_APPROVED, c->now, by, path,
	    &cause) != 0) {
		/* The override is in place: it applies whatever the
		 * request's file says; say so rather than undo it. */
		snprintf(why, whylen, "%s written, but the request could not "
		    "be marked approved: %s", path, cause != NULL ? cause :
		    "?");
		goto out;
	}
	*done = *spool_get(c->spool, r->id);
	control_printf(out, "approved %s: %s for %s from %s until %s%s%s",
	    done->id, done->platform[0] != '\0' ? done->platform :
	    done->domain, who, from, until, extra[0] != '\0' ? ", extra " :
	    "", extra);
	control_printf(out, "wrote %s/%s.conf", c->cfg->gateway.overrides_dir,
	    done->id);
	rc = 0;
out:
	free(cause);
	free(text);
	free(canon);
	return rc;
}

int
approve_deny(const struct approve_ctx *c, const char *arg,
    struct control_out *out, struct request *done, char *why, size_t whylen)
{
	struct control_kv kv[CONTROL_KV_MAX];
	const struct request *r;
	char by[REQ_TEXT_MAX], note[REQ_TEXT_MAX], *cause = NULL;
	const char *v;
	size_t nkv;

	if ((r = pending(c, arg, deny_keys, kv, &nkv, why, whylen)) == NULL)
		return -1;
	v = kv_get(kv, nkv, "by");
	oneline(v != NULL ? v : BY_DEFAULT, by, sizeof(by));
	if (by[0] == '\0')
		snprintf(by, sizeof(by), BY_DEFAULT);
	v = kv_get(kv, nkv, "reason");
	oneline(v != NULL ? v : "", note, sizeof(note));
	if (spool_decide(c->spool, r->id, REQ_DENIED, c->now, by, note,
	    &cause) != 0) {
		snprintf(why, whylen, "%s", cause != NULL ? cause :
		    "cannot write the request");
		free(cause);
		return -1;
	}
	*done = *spool_get(c->spool, r->id);
	control_printf(out, "denied %s%s%s", done->id,
	    note[0] != '\0' ? ": " : "", note);
	return 0;
}

void
approve_overrides(const struct approve_ctx *c, struct control_out *out)
{
	const struct override *o;
	struct tz_local l;
	char from[16], until[16], who[80], dur[32], range[40];
	const char *state;
	size_t i, j;
	int32_t uday;

	tz_local(c->tz, c->now, &l);
	control_printf(out, "%-24s %-9s %-16s %-20s %-23s %-10s %s", "ID",
	    "STATE", "WHAT", "WHO", "FROM..UNTIL", "EXTRA", "APPROVED BY");
	for (i = 0; c->ovr != NULL && i < c->ovr->n; i++) {
		o = &c->ovr->v[i];
		fmt_day(o->from_day, from, sizeof(from));
		/* until is exclusive; a whole date shows as itself */
		uday = o->until_sec == 0 ? o->until_day - 1 : o->until_day;
		fmt_day(uday, until, sizeof(until));
		if (l.day > o->until_day || (l.day == o->until_day &&
		    l.sec >= o->until_sec))
			state = "expired";
		else if (l.day < o->from_day || (l.day == o->from_day &&
		    l.sec < o->from_sec))
			state = "not yet";
		else
			state = "in force";
		switch (o->who) {
		case OVR_ALL:
			snprintf(who, sizeof(who), "all");
			break;
		case OVR_GROUP:
			snprintf(who, sizeof(who), "group:%s", o->who_name);
			break;
		case OVR_PERSON:
			snprintf(who, sizeof(who), "person:%s", o->who_name);
			break;
		case OVR_IP:
			memcpy(who, "ip:", 3);
			cidr_format(&o->who_prefix, who + 3, sizeof(who) - 3);
			break;
		}
		if (o->extra_quota > 0)
			config_format_duration(o->extra_quota, dur, sizeof(dur));
		else
			snprintf(dur, sizeof(dur), "-");
		snprintf(range, sizeof(range), "%s..%s", from, until);
		control_printf(out, "%-24s %-9s %-16s %-20s %-23s %-10s %s",
		    o->id, state, o->platform != NULL ? o->platform :
		    o->domain, who, range, dur, o->approved_by);
	}
	for (j = 0; c->ovr != NULL && j < c->ovr->nrejected; j++)
		control_printf(out, "rejected %s", c->ovr->rejected[j].cause);
	control_printf(out, "%zu in the directory, %zu rejected",
	    c->ovr != NULL ? c->ovr->n : 0,
	    c->ovr != NULL ? c->ovr->nrejected : 0);
}

size_t
approve_expire(const struct approve_ctx *c,
    void (*fn)(const struct request *, void *), void *arg)
{
	const struct request *r;
	char id[REQ_ID_MAX], note[64], *cause = NULL;
	size_t i, n = 0;
	int64_t exp = c->cfg->blockpage.request_expiry;

	for (i = 0; i < spool_count(c->spool); i++) {
		r = spool_at(c->spool, i);
		if (r->status != REQ_PENDING || c->now - r->created < exp)
			continue;
		memcpy(id, r->id, sizeof(id));
		config_format_duration((uint32_t)exp, note, sizeof(note));
		snprintf(note + strlen(note), sizeof(note) - strlen(note),
		    " without a decision");
		if (spool_decide(c->spool, id, REQ_EXPIRED, c->now, "schoolgate",
		    note, &cause) == 0) {
			n++;
			if (fn != NULL)
				fn(spool_get(c->spool, id), arg);
		}
		free(cause);
		cause = NULL;
	}
	(void)spool_purge(c->spool, c->now -
	    (int64_t)c->cfg->gateway.retention_days * 86400);
	return n;
}
