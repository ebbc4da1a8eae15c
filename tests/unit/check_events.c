/*
 * Unit tests for events.c and report.c: the audit line escapes whatever
 * a name holds (names come from the network), the per-device limit
 * holds a flood back, old rotated files are purged, and the report's
 * reader takes back what the writer writes.
 */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utime.h>

#include "events.h"
#include "report.h"

#define NOW_US	(1795424400ULL * 1000000ULL)

START_TEST(test_format_escapes)
{
	static const char hostile[] = "a<b>\"c\\d\ne\033[2J\x7f\xc3\xa9&";
	struct event ev;
	struct report_event re;
	struct addr a = { 2, { 10, 10, 0, 23 } };
	uint8_t mac[6] = { 0x3c, 0x22, 0xfb, 0x12, 0x34, 0x56 };
	char line[EVENTS_LINE_MAX];
	size_t n, i;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_BLOCK;
	ev.ts_us = NOW_US + 123456;
	ev.client = &a;
	ev.mac = mac;
	ev.person = "jsmith";
	ev.group = "staff";
	ev.holder = "jsmith";
	ev.platform = "instagram";
	ev.name = hostile;
	ev.verdict = "BLOCK_LESSONS";
	ev.used = -1;
	n = event_format(&ev, line, sizeof(line));
	ck_assert_uint_eq(n, strlen(line));
	ck_assert(line[n - 1] == '\n');
	for (i = 0; i + 1 < n; i++) {
		unsigned char c = (unsigned char)line[i];

		ck_assert_msg(c >= 0x20 && c < 0x7f && c != '<' && c != '>' &&
		    c != '&', "raw byte 0x%02x at %zu: %s", c, i, line);
	}
	ck_assert(strstr(line, "\"ts\":\"2026-11-23T09:00:00.123456Z\"") !=
	    NULL);
	ck_assert(strstr(line, "\"client\":\"10.10.0.23\"") != NULL);
	ck_assert(strstr(line, "\"mac\":\"3c:22:fb:12:34:56\"") != NULL);
	ck_assert(strstr(line, "a\\u003cb\\u003e\\\"c\\\\d\\u000ae\\u001b") !=
	    NULL);
	ck_assert(strstr(line, "\"used\"") == NULL);
	/* The report reads it back. */
	ck_assert_int_eq(report_parse_line(line, n, &re), 0);
	ck_assert_str_eq(re.event, "block");
	ck_assert_str_eq(re.holder, "jsmith");
	ck_assert_str_eq(re.platform, "instagram");
	ck_assert_int_eq(re.used, -1);
	/* A cut line still ends the record. */
	n = event_format(&ev, line, 40);
	ck_assert_uint_eq(n, 39);
	ck_assert(line[38] == '\n');
}
END_TEST

START_TEST(test_parse_refuses)
{
	static const char *const bad[] = {
		"", "{", "}", "[]", "{\"ts\":\"x\"}", "{\"event\":\"block\"}",
		"{\"ts\":\"x\",\"event\":\"b\"} trailing",
		"{\"ts\":\"x\",\"event\":\"b\",}", "{\"ts\":x,\"event\":\"b\"}",
		"{\"ts\":\"x\",\"event\":\"b\",\"used\":99999999999999999999}",
		"{\"ts\":\"x\",\"event\":\"b\",\"name\":\"a\x01\"}",
		"{\"ts\":\"x\",\"event\":\"b\",\"name\":\"\\u00\"}",
		"{\"ts\":\"x\",\"event\":\"b\",\"name\":\"abc",
	};
	struct report_event re;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(report_parse_line(bad[i], strlen(bad[i]), &re) < 0,
		    "accepted: %s", bad[i]);
	{
		static const char ok[] =
		    "{\"ts\":\"x\",\"event\":\"usage\",\"used\":600}\n";

		ck_assert_int_eq(report_parse_line(ok, strlen(ok), &re), 0);
	}
	ck_assert_int_eq(re.used, 600);
}
END_TEST

START_TEST(test_rate_limit_and_purge)
{
	char dir[] = "/tmp/check_events.XXXXXX", path[300], buf[65536];
	struct addr a = { 2, { 10, 10, 32, 5 } }, b = { 2, { 10, 10, 0, 23 } };
	const struct events_stats *st;
	struct utimbuf ut;
	struct events *e;
	struct event ev;
	char *cause = NULL;
	FILE *f;
	size_t n, lines = 0;
	int i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events.jsonl.3", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	ut.actime = ut.modtime = (time_t)(NOW_US / 1000000 - 91 * 86400);
	ck_assert_int_eq(utime(path, &ut), 0);
	ck_assert_ptr_nonnull(e = events_open(dir, 90, &cause));
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_BLOCK;
	ev.used = -1;
	ev.platform = "instagram";
	/* A flood from one device within a second: the burst, no more;
	 * another device is not held back by it. */
	for (i = 0; i < 1000; i++) {
		ev.ts_us = NOW_US + (uint64_t)i;
		ev.client = &a;
		events_emit(e, &ev, ev.ts_us);
	}
	ev.client = &b;
	events_emit(e, &ev, NOW_US + 2000);
	st = events_stats(e);
	ck_assert_uint_eq(st->written, EVENTS_BURST + 1);
	ck_assert_uint_eq(st->rate_limited, 1000 - EVENTS_BURST);
	/* A minute later: refilled, and a notice of what was dropped. */
	ev.client = &a;
	events_emit(e, &ev, NOW_US + 61000000ULL);
	ck_assert_uint_eq(st->written, EVENTS_BURST + 3);
	/* An hour later the retention purge has run: the old file is
	 * gone. */
	events_emit(e, &ev, NOW_US + 3601000000ULL);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_uint_eq(st->purged, 1);
	events_close(e);
	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(buf, sizeof(buf), f) != NULL) {
		lines++;
		n = strlen(buf);
		ck_assert(n > 0 && buf[n - 1] == '\n');
	}
	fclose(f);
	ck_assert_uint_eq(lines, EVENTS_BURST + 4);
	unlink(path);
	rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("events");
	SRunner *sr;
	int nfail;

	tcase_add_test(tc, test_format_escapes);
	tcase_add_test(tc, test_parse_refuses);
	tcase_add_test(tc, test_rate_limit_and_purge);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
