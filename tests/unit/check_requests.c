/*
 * Unit tests for requests.c: the file format both ways, the reader's
 * refusals, and the spool on disk (ids, the daily limit, decisions,
 * reopening, purging).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "requests.h"
#include "tz.h"

static struct request
sample(void)
{
	struct request r;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "r-20261123-0001");
	r.day = tz_days_from_civil(2026, 11, 23);
	r.created = 1795425000;
	snprintf(r.holder, sizeof(r.holder), "jsmith");
	snprintf(r.person, sizeof(r.person), "jsmith");
	snprintf(r.group, sizeof(r.group), "staff");
	ck_assert_int_eq(addr_parse("10.10.0.23", &r.client), 0);
	snprintf(r.platform, sizeof(r.platform), "facebook");
	snprintf(r.domain, sizeof(r.domain), "www.facebook.com");
	r.need = REQ_UNBLOCK;
	r.until = tz_days_from_civil(2026, 12, 18);
	snprintf(r.reason, sizeof(r.reason),
	    "Year 9 history project: 100%% needed\nsecond line <b>\"x\"</b>");
	return r;
}

START_TEST(test_roundtrip)
{
	struct request r = sample(), back;
	char buf[REQ_FILE_MAX + 1], why[128];
	int len;

	len = request_format(&r, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	ck_assert_ptr_nonnull(strstr(buf, "reason Year 9 history project: "
	    "100%25 needed%0Asecond line <b>\"x\"</b>\n"));
	ck_assert_ptr_nonnull(strstr(buf, "until 2026-12-18\n"));
	ck_assert_int_eq(request_parse(buf, (size_t)len, &back, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(memcmp(&r, &back, sizeof(r)), 0);

	r.need = REQ_EXTRA;
	r.until = 0;
	r.extra = 900;
	r.status = REQ_DENIED;
	r.decided = 1795430000;
	snprintf(r.by, sizeof(r.by), "Mrs Head");
	snprintf(r.note, sizeof(r.note), "Not during exams");
	len = request_format(&r, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	memset(&back, 0, sizeof(back));
	ck_assert_int_eq(request_parse(buf, (size_t)len, &back, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(memcmp(&r, &back, sizeof(r)), 0);
	/* Too small a buffer. */
	ck_assert_int_eq(request_format(&r, buf, 40), -ENOSPC);
}
END_TEST

START_TEST(test_format_refuses)
{
	struct request r;
	char buf[REQ_FILE_MAX + 1];

	r = sample(); r.reason[0] = '\0';
	ck_assert_int_eq(request_format(&r, buf, sizeof(buf)), -EINVAL);
	r = sample(); r.reason[3] = '\x1b';
	ck_assert_int_eq(request_format(&r, buf, sizeof(buf)), -EINVAL);
	r = sample(); r.reason[3] = '\xc3';	/* broken UTF-8 */
	ck_assert_int_eq(request_format(&r, buf, sizeof(buf)), -EINVAL);
	r = sample(); snprintf(r.holder, sizeof(r.holder), "j smith");
	ck_assert_int_eq(request_format(&r, buf, sizeof(buf)), -EINVAL);
	r = sample(); snprintf(r.domain, sizeof(r.domain), "a..b");
	ck_assert_int_eq(request_format(&r, buf, sizeof(buf)), -EINVAL);
	r = sample(); r.platform[0] = r.domain[0] = '\0';
	ck_assert_int_eq(request_format(&r, buf, sizeof(buf)), -EINVAL);
	r = sample(); snprintf(r.id, sizeof(r.id), "r-20261131-0001");
	ck_assert_int_eq(request_format(&r, buf, sizeof(buf)), -EINVAL);
	r = sample(); r.decided = 5;		/* pending but decided */
	ck_assert_int_eq(request_format(&r, buf, sizeof(buf)), -EINVAL);
	r = sample(); r.day++;			/* day is not the id's */
	ck_assert_int_eq(request_format(&r, buf, sizeof(buf)), -EINVAL);
}
END_TEST

/* Every line edited in ways the writer never writes is refused. */
START_TEST(test_parse_refuses)
{
	static const char *const edits[][2] = {
		{ "schoolgate-request 1\n", "schoolgate-request 2\n" },
		{ "created 1795425000", "created -1" },
		{ "created 1795425000", "created 01795425000" },
		{ "created 1795425000", "created 99999999999999999999" },
		{ "client 10.10.0.23", "client 10.10.0.256" },
		{ "need unblock", "need Unblock" },
		{ "until 2026-12-18", "until 2026-02-30" },
		{ "until 2026-12-18", "until 2026-12-1" },
		{ "extra 0", "extra 86401" },
		{ "status pending", "status approved" },	/* decided 0 */
		{ "reason Year", "reason %41Year" },	/* needless escape */
		{ "reason Year", "reason %0" },
		{ "reason Year", "reason \tYear" },
		{ "holder jsmith", "holder" },
		{ "holder jsmith\nperson", "person" },
		{ "note \n", "note \nmore 1\n" },
		{ "note \n", "note " },
		{ "id r-20261123-0001", "id r-20261123-0000" },
	};
	struct request r = sample(), back;
	char buf[REQ_FILE_MAX + 1], ed[REQ_FILE_MAX + 64], why[128];
	const char *at;
	size_t i, pre;
	int len;

	len = request_format(&r, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		at = strstr(buf, edits[i][0]);
		ck_assert_msg(at != NULL, "edit %zu: '%s' not found", i,
		    edits[i][0]);
		pre = (size_t)(at - buf);
		snprintf(ed, sizeof(ed), "%.*s%s%s", (int)pre, buf,
		    edits[i][1], at + strlen(edits[i][0]));
		why[0] = '\0';
		ck_assert_msg(request_parse(ed, strlen(ed), &back, why,
		    sizeof(why)) == -EINVAL, "edit %zu accepted", i);
		ck_assert_msg(why[0] != '\0', "edit %zu: no reason", i);
	}
}
END_TEST

static char *
tempdir(void)
{
	char tmpl[] = "/tmp/check_requests.XXXXXX";
	char *d = mkdtemp(tmpl);

	ck_assert_ptr_nonnull(d);
	return strdup(d);
}

static void
rmrf(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_spool)
{
	char *top = tempdir(), dir[256], path[300], *cause = NULL;
	struct spool *s;
	struct request r;
	const struct request *g;
	FILE *f;
	int i;

	snprintf(dir, sizeof(dir), "%s/requests", top);
	s = spool_open(dir, &cause);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(spool_count(s), 0);
	for (i = 1; i <= 5; i++) {
		r = sample();
		r.id[0] = '\0';
		ck_assert_int_eq(spool_add(s, &r, 5, &cause), 0);
		snprintf(path, sizeof(path), "r-20261123-%04d", i);
		ck_assert_str_eq(r.id, path);
	}
	/* The sixth of the day is refused; another holder may. */
	r = sample();
	ck_assert_int_eq(spool_add(s, &r, 5, &cause), -EDQUOT);
	snprintf(r.holder, sizeof(r.holder), "ip:10.10.0.9");
	r.person[0] = '\0';
	ck_assert_int_eq(spool_add(s, &r, 5, &cause), 0);
	ck_assert_str_eq(r.id, "r-20261123-0006");
	/* The next day starts again at 1. */
	r = sample();
	r.day++;
	ck_assert_int_eq(spool_add(s, &r, 5, &cause), 0);
	ck_assert_str_eq(r.id, "r-20261124-0001");
	ck_assert_uint_eq(spool_count_day(s, "jsmith", r.day - 1), 5);

	ck_assert_int_eq(spool_decide(s, "r-20261123-0002", REQ_APPROVED,
	    1795429000, "Mrs Head", "overrides.d/r-20261123-0002.conf",
	    &cause), 0);
	ck_assert_int_eq(spool_decide(s, "r-20261123-0002", REQ_DENIED,
	    1795429000, "x", "", &cause), -EALREADY);
	ck_assert_int_eq(spool_decide(s, "r-20261123-0099", REQ_DENIED,
	    1795429000, "x", "", &cause), -ENOENT);
	ck_assert_int_eq(spool_decide(s, "../../etc/passwd", REQ_DENIED,
	    1795429000, "x", "", &cause), -ENOENT);
	ck_assert_int_eq(spool_decide(s, "r-20261123-0003", REQ_DENIED,
	    1795429500, "Mrs Head", "Not now", &cause), 0);
	spool_free(s);

	/* A junk file and a misnamed one are counted, never loaded. */
	snprintf(path, sizeof(path), "%s/junk.req", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("hello\n", f);
	fclose(f);
	{
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "cp %s/r-20261123-0001.req "
		    "%s/r-20261123-0042.req", dir, dir);
		ck_assert_int_eq(system(cmd), 0);
	}

	s = spool_open(dir, &cause);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(spool_count(s), 7);
	ck_assert_uint_eq(spool_bad(s), 2);
	g = spool_get(s, "r-20261123-0002");
	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(g->status, REQ_APPROVED);
	ck_assert_str_eq(g->by, "Mrs Head");
	ck_assert_str_eq(spool_at(s, 0)->id, "r-20261123-0001");
	ck_assert_str_eq(spool_at(s, 6)->id, "r-20261124-0001");
	/* Purge what was decided before 1795429200: only 0002. */
	ck_assert_uint_eq(spool_purge(s, 1795429200), 1);
	ck_assert_uint_eq(spool_count(s), 6);
	ck_assert_ptr_null(spool_get(s, "r-20261123-0002"));
	snprintf(path, sizeof(path), "%s/r-20261123-0002.req", dir);
	ck_assert_int_ne(access(path, F_OK), 0);
	spool_free(s);
	rmrf(top);
	free(top);
}
END_TEST

/* REQUESTS_MAX: a full spool refuses new requests, and files past the
 * limit are not loaded. */
START_TEST(test_full)
{
	char *top = tempdir(), dir[256], path[300], buf[REQ_FILE_MAX + 1];
	char *cause = NULL;
	struct spool *s;
	struct request r;
	FILE *f;
	int i, len;

	snprintf(dir, sizeof(dir), "%s/requests", top);
	ck_assert_int_eq(mkdir(dir, 0750), 0);
	for (i = 0; i < REQUESTS_MAX + 3; i++) {
		r = sample();
		/* one day each, so no day runs out of numbers */
		r.day = tz_days_from_civil(2020, 1, 1) + i;
		{
			int32_t y;
			unsigned m, d;

			tz_civil_from_days(r.day, &y, &m, &d);
			snprintf(r.id, sizeof(r.id), "r-%04d%02u%02u-0001",
			    (int)y, m, d);
		}
		len = request_format(&r, buf, sizeof(buf));
		ck_assert_int_gt(len, 0);
		snprintf(path, sizeof(path), "%s/%s.req", dir, r.id);
		ck_assert_ptr_nonnull(f = fopen(path, "w"));
		ck_assert_uint_eq(fwrite(buf, 1, (size_t)len, f), (size_t)len);
		ck_assert_int_eq(fclose(f), 0);
	}
	s = spool_open(dir, &cause);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(spool_count(s), REQUESTS_MAX);
	ck_assert_uint_eq(spool_bad(s), 3);
	r = sample();
	r.day = tz_days_from_civil(2030, 1, 1);
	ck_assert_int_eq(spool_add(s, &r, 5, &cause), -ENOSPC);
	spool_free(s);
	rmrf(top);
	free(top);
}
END_TEST

START_TEST(test_ids)
{
	ck_assert(request_id_valid("r-20261123-0001"));
	ck_assert(request_id_valid("r-20280229-9999"));
	ck_assert(!request_id_valid("r-20270229-0001"));
	ck_assert(!request_id_valid("r-20261123-0000"));
	ck_assert(!request_id_valid("r-20261123-001"));
	ck_assert(!request_id_valid("R-20261123-0001"));
	ck_assert(!request_id_valid("r-20261123-00a1"));
	ck_assert(!request_id_valid("r-2026112310001"));
	ck_assert(!request_id_valid(""));
	ck_assert(!request_id_valid(NULL));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("requests");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_format_refuses);
	tcase_add_test(tc, test_parse_refuses);
	tcase_add_test(tc, test_spool);
	tcase_add_test(tc, test_ids);
	tcase_add_test(tc, test_full);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
