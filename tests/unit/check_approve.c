/*
 * Unit tests for approve.c: an approval writes the override the request
 * asked for and marks it approved; options change it; what the daemon
 * would reject is refused and changes nothing; denials and expiry.
 * Runs from the top directory (or $SG_TOP) for the shipped catalogue.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approve.h"
#include "classify.h"
#include "config.h"
#include "control.h"
#include "overrides.h"
#include "requests.h"
#include "tz.h"

#define PLATFORMS_DIR	"conf/platforms.d"
#define NOW		1795428000	/* 2026-11-23 09:20 UTC, a Monday */

static char		 top[256], ovr_dir[300], req_dir[300], conf[300];
static struct config	*cfg;
static struct catalog	*cat;
static struct tz	*tz;
static struct spool	*spool;

static void
writefile(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void
setup(void)
{
	char tmpl[] = "/tmp/check_approve.XXXXXX", text[1024], *cause = NULL;

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(top, sizeof(top), "%s", tmpl);
	snprintf(ovr_dir, sizeof(ovr_dir), "%s/overrides.d", top);
	snprintf(req_dir, sizeof(req_dir), "%s/requests", top);
	snprintf(conf, sizeof(conf), "%s/schoolgate.conf", top);
	ck_assert_int_eq(mkdir(ovr_dir, 0755), 0);
	snprintf(text, sizeof(text),
	    "[gateway]\ninterface = eth1\nlan = 10.10.0.0/16\n"
	    "timezone = Europe/London\noverrides_dir = %s\n"
	    "state_dir = %s\n\n[schedule]\nlessons = 08:45-16:00\n\n"
	    "[group staff]\nmembers = 10.10.0.0/20\noutside = quota\n\n"
	    "[group pupils]\nmembers = 10.10.32.0/19\n\n"
	    "[person jsmith]\ngroup = staff\ndevices = 10.10.0.23\n\n"
	    "[blockpage]\nlisten = 10.10.0.1:8080\nrequest_expiry = 2d\n",
	    ovr_dir, top);
	writefile(conf, text);
	cfg = config_load(conf, &cause);
	ck_assert_msg(cfg != NULL, "%s", cause ? cause : "");
	cat = catalog_load_dir(PLATFORMS_DIR, &cause);
	ck_assert_msg(cat != NULL, "%s", cause ? cause : "");
	tz = tz_load("Europe/London", &cause);
	ck_assert_ptr_nonnull(tz);
	spool = spool_open(req_dir, &cause);
	ck_assert_ptr_nonnull(spool);
}

static void
teardown(void)
{
	char cmd[400];

	spool_free(spool);
	tz_free(tz);
	catalog_free(cat);
	config_free(cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	ck_assert_int_eq(system(cmd), 0);
}

/* A request of jsmith's (or of a device without a person). */
static const struct request *
add(enum req_need need, bool person, int64_t created, const char *reason)
{
	struct request r;
	char *cause = NULL;

	memset(&r, 0, sizeof(r));
	r.created = created;
	r.day = tz_days_from_civil(2026, 11, 23);
	if (person) {
		snprintf(r.holder, sizeof(r.holder), "jsmith");
		snprintf(r.person, sizeof(r.person), "jsmith");
		ck_assert_int_eq(addr_parse("10.10.0.23", &r.client), 0);
	} else {
		snprintf(r.holder, sizeof(r.holder), "ip:10.10.0.9");
		ck_assert_int_eq(addr_parse("10.10.0.9", &r.client), 0);
	}
	snprintf(r.group, sizeof(r.group), "staff");
	snprintf(r.platform, sizeof(r.platform), "instagram");
	snprintf(r.domain, sizeof(r.domain), "www.instagram.com");
	r.need = need;
	if (need == REQ_UNBLOCK)
		r.until = tz_days_from_civil(2026, 11, 27);
	else
		r.extra = 900;
	snprintf(r.reason, sizeof(r.reason), "%s", reason);
	ck_assert_int_eq(spool_add(spool, &r, 100, &cause), 0);
	return spool_get(spool, r.id);
}

static struct approve_ctx
ctx(void)
{
	struct approve_ctx c = { cfg, cat, tz, spool, NULL, NOW };

	return c;
}

/* The override file for id, parsed back, in *o. */
static void
load(const char *id, struct override *o)
{
	char path[400], text[8192], *cause = NULL;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s.conf", ovr_dir, id);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	ck_assert_msg(override_parse(path, text, n, cfg, cat, o, &cause) == 0,
	    "%s", cause ? cause : "");
}

START_TEST(test_approve_unblock)
{
	struct approve_ctx c = ctx();
	struct control_out *out = control_out_new();
	const struct request *r = add(REQ_UNBLOCK, true, NOW - 600,
	    "Year 9; history #project\nand more");
	struct request done;
	struct override o;
	char id[REQ_ID_MAX], line[128], why[256] = "";

	snprintf(id, sizeof(id), "%s", r->id);
	snprintf(line, sizeof(line), "%s by=Mrs%%20Head", id);
	ck_assert_msg(approve_approve(&c, line, out, &done, why,
	    sizeof(why)) == 0, "%s", why);
	ck_assert_int_eq(done.status, REQ_APPROVED);
	ck_assert_str_eq(done.by, "Mrs Head");
	ck_assert(strstr(control_out_text(out), "approved") != NULL);
	load(id, &o);
	ck_assert_str_eq(o.platform, "instagram");
	ck_assert_int_eq(o.who, OVR_PERSON);
	ck_assert_str_eq(o.who_name, "jsmith");
	ck_assert_int_eq(o.from_day, tz_days_from_civil(2026, 11, 23));
	ck_assert_int_eq(o.until_day, tz_days_from_civil(2026, 11, 27));
	ck_assert_uint_eq(o.extra_quota, 0);
	/* ';' and '#' would start a comment; line breaks go. */
	ck_assert_str_eq(o.reason, "Year 9, history project and more");
	ck_assert_str_eq(o.approved_by, "Mrs Head");
	ck_assert_str_eq(o.request, id);
	override_clear(&o);
	ck_assert_int_eq(spool_get(spool, id)->status, REQ_APPROVED);
	/* Twice: refused. */
	ck_assert_int_eq(approve_approve(&c, id, out, &done, why,
	    sizeof(why)), -1);
	ck_assert(strstr(why, "approved already") != NULL);
	control_out_free(out);
}
END_TEST

START_TEST(test_approve_options)
{
	struct approve_ctx c = ctx();
	struct control_out *out = control_out_new();
	const struct request *r;
	struct request done;
	struct override o;
	char id[REQ_ID_MAX], line[200], why[256] = "";

	/* Extra time of a device without a person: ip:, today only. */
	r = add(REQ_EXTRA, false, NOW - 60, "Parents' evening videos");
	snprintf(id, sizeof(id), "%s", r->id);
	ck_assert_msg(approve_approve(&c, id, out, &done, why,
	    sizeof(why)) == 0, "%s", why);
	load(id, &o);
	ck_assert_int_eq(o.who, OVR_IP);
	ck_assert_uint_eq(o.extra_quota, 900);
	ck_assert_int_eq(o.until_day, tz_days_from_civil(2026, 11, 23));
	override_clear(&o);

	/* An unblock turned into extra time for the group, until Friday. */
	r = add(REQ_UNBLOCK, true, NOW - 60, "x");
	snprintf(id, sizeof(id), "%s", r->id);
	snprintf(line, sizeof(line), "%s who=group:staff extra=20m "
	    "until=2026-11-28", id);
	ck_assert_msg(approve_approve(&c, line, out, &done, why,
	    sizeof(why)) == 0, "%s", why);
	load(id, &o);
	ck_assert_int_eq(o.who, OVR_GROUP);
	ck_assert_str_eq(o.who_name, "staff");
	ck_assert_uint_eq(o.extra_quota, 1200);
	ck_assert_int_eq(o.until_day, tz_days_from_civil(2026, 11, 28));
	override_clear(&o);
	control_out_free(out);
}
END_TEST

/* What the daemon would reject is refused, writes nothing and leaves
 * the request pending. */
START_TEST(test_approve_refused)
{
	static const char *const bad[] = {
		"who=group:teachers",		/* no such group */
		"who=person:nobody",
		"who=ip:10.10.0.999",
		"until=2026-11-22",		/* the past */
		"until=2026-13-01",
		"extra=15",			/* no unit */
		"who=all%0Aplatform%3Dyoutube",	/* a line break */
		"colour=red",
	};
	struct approve_ctx c = ctx();
	struct control_out *out = control_out_new();
	const struct request *r = add(REQ_UNBLOCK, true, NOW - 60, "x");
	struct request done;
	char id[REQ_ID_MAX], line[200], path[400], why[256];
	size_t i;

	snprintf(id, sizeof(id), "%s", r->id);
	snprintf(path, sizeof(path), "%s/%s.conf", ovr_dir, id);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "%s %s", id, bad[i]);
		why[0] = '\0';
		ck_assert_msg(approve_approve(&c, line, out, &done, why,
		    sizeof(why)) == -1, "%s accepted", bad[i]);
		ck_assert_msg(why[0] != '\0', "%s: no reason", bad[i]);
		ck_assert_int_ne(access(path, F_OK), 0);
		ck_assert_int_eq(spool_get(spool, id)->status, REQ_PENDING);
	}
	ck_assert_int_eq(approve_approve(&c, "r-20261123-0099", out, &done,
	    why, sizeof(why)), -1);
	ck_assert(strstr(why, "no request") != NULL);
	ck_assert_int_eq(approve_approve(&c, "../../etc/passwd", out, &done,
	    why, sizeof(why)), -1);
	/* A file of that name already there is never replaced. */
	writefile(path, "[override]\n");
	ck_assert_int_eq(approve_approve(&c, id, out, &done, why,
	    sizeof(why)), -1);
	ck_assert_int_eq(spool_get(spool, id)->status, REQ_PENDING);
	control_out_free(out);
}
END_TEST

static int nexpired;

static void
count(const struct request *r, void *arg)
{
	(void)arg;
	ck_assert_int_eq(r->status, REQ_EXPIRED);
	nexpired++;
}

START_TEST(test_deny_and_expire)
{
	struct approve_ctx c = ctx();
	struct control_out *out = control_out_new();
	struct request done;
	char a[REQ_ID_MAX], b[REQ_ID_MAX], e[REQ_ID_MAX], line[200], why[256];

	snprintf(a, sizeof(a), "%s", add(REQ_UNBLOCK, true, NOW - 60,
	    "x")->id);
	snprintf(b, sizeof(b), "%s", add(REQ_UNBLOCK, true, NOW - 3 * 86400,
	    "old")->id);
	snprintf(e, sizeof(e), "%s", add(REQ_UNBLOCK, true, NOW - 86400,
	    "recent")->id);
	snprintf(line, sizeof(line), "%s reason=Use%%20the%%20library%%20PCs", a);
	ck_assert_msg(approve_deny(&c, line, out, &done, why, sizeof(why)) ==
	    0, "%s", why);
	ck_assert_int_eq(done.status, REQ_DENIED);
	ck_assert_str_eq(done.note, "Use the library PCs");
	/* request_expiry is 2d: only b. */
	nexpired = 0;
	ck_assert_uint_eq(approve_expire(&c, count, NULL), 1);
	ck_assert_int_eq(nexpired, 1);
	ck_assert_int_eq(spool_get(spool, b)->status, REQ_EXPIRED);
	ck_assert_int_eq(spool_get(spool, e)->status, REQ_PENDING);
	/* Decided ones go after retention_days (90). */
	c.now = NOW + 91 * 86400;
	(void)approve_expire(&c, NULL, NULL);
	ck_assert_ptr_null(spool_get(spool, a));
	ck_assert_ptr_null(spool_get(spool, b));
	ck_assert_ptr_nonnull(spool_get(spool, e));	/* expired just now */
	approve_list(&c, true, out);
	ck_assert(strstr(control_out_text(out), e) != NULL);
	control_out_free(out);
}
END_TEST

int
main(void)
{
	const char *t = getenv("SG_TOP");
	Suite *s = suite_create("approve");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	if (access(PLATFORMS_DIR, F_OK) != 0 && t != NULL && chdir(t) != 0)
		return 1;
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_approve_unblock);
	tcase_add_test(tc, test_approve_options);
	tcase_add_test(tc, test_approve_refused);
	tcase_add_test(tc, test_deny_and_expire);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
