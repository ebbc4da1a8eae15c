/*
 * Unit tests for quota.c: charging by active ticks, the cap at the
 * allowance, the reset with a new local day, growth, and the round trip
 * through the state records.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quota.h"

#define TICK		10
#define ACTIVE		(16 * 1024)
#define ALLOWANCE	(30 * 60)
#define DAY		20415

/* 30 minutes are used exactly at the 180th active tick of 10 s, and not
 * a tick before. */
START_TEST(test_180_ticks)
{
	struct quota *q = quota_new();
	int i;

	ck_assert_ptr_nonnull(q);
	for (i = 1; i <= 180; i++) {
		ck_assert_int_eq(quota_tick(q, "jsmith", DAY, ACTIVE, ACTIVE,
		    TICK, ALLOWANCE), TICK);
		ck_assert_uint_eq(quota_used(q, "jsmith", DAY),
		    (unsigned)(i * TICK));
		if (i < 180)
			ck_assert_uint_lt(quota_used(q, "jsmith", DAY),
			    ALLOWANCE);
	}
	ck_assert_uint_eq(quota_used(q, "jsmith", DAY), ALLOWANCE);
	/* Spent: further ticks cost nothing and never go past it. */
	ck_assert_int_eq(quota_tick(q, "jsmith", DAY, 1 << 30, ACTIVE, TICK,
	    ALLOWANCE), 0);
	ck_assert_uint_eq(quota_used(q, "jsmith", DAY), ALLOWANCE);
	quota_free(q);
}
END_TEST

/* Idle ticks and ticks under active_bytes cost nothing; exactly
 * active_bytes costs a tick. */
START_TEST(test_idle)
{
	struct quota *q = quota_new();
	static const uint64_t bytes[] = { 0, 1, ACTIVE - 1, 4000, ACTIVE };
	size_t i;

	for (i = 0; i + 1 < sizeof(bytes) / sizeof(bytes[0]); i++)
		ck_assert_int_eq(quota_tick(q, "jsmith", DAY, bytes[i], ACTIVE,
		    TICK, ALLOWANCE), 0);
	ck_assert_uint_eq(quota_used(q, "jsmith", DAY), 0);
	ck_assert_uint_eq(quota_count(q, DAY), 0);
	ck_assert_int_eq(quota_tick(q, "jsmith", DAY, ACTIVE, ACTIVE, TICK,
	    ALLOWANCE), TICK);
	ck_assert_uint_eq(quota_used(q, "jsmith", DAY), TICK);
	/* Another holder is counted apart. */
	ck_assert_uint_eq(quota_used(q, "abrown", DAY), 0);
	quota_free(q);
}
END_TEST

/* A new local day starts from zero, whatever was used the day before;
 * reading an old day's entry gives 0. */
START_TEST(test_new_day)
{
	struct quota *q = quota_new();

	ck_assert_int_eq(quota_tick(q, "ip:10.10.0.9", DAY, ACTIVE, ACTIVE,
	    ALLOWANCE, ALLOWANCE), ALLOWANCE);
	ck_assert_uint_eq(quota_used(q, "ip:10.10.0.9", DAY), ALLOWANCE);
	ck_assert_uint_eq(quota_used(q, "ip:10.10.0.9", DAY + 1), 0);
	ck_assert_int_eq(quota_tick(q, "ip:10.10.0.9", DAY + 1, ACTIVE,
	    ACTIVE, TICK, ALLOWANCE), TICK);
	ck_assert_uint_eq(quota_used(q, "ip:10.10.0.9", DAY + 1), TICK);
	ck_assert_uint_eq(quota_used(q, "ip:10.10.0.9", DAY), 0);
	quota_free(q);
}
END_TEST

/* The last tick is charged only up to the allowance; a larger allowance
 * (extra_quota granted) makes room again. */
START_TEST(test_partial_and_extra)
{
	struct quota *q = quota_new();

	ck_assert_int_eq(quota_tick(q, "jsmith", DAY, ACTIVE, ACTIVE, 7, 25),
	    7);
	ck_assert_int_eq(quota_tick(q, "jsmith", DAY, ACTIVE, ACTIVE, 7, 25),
	    7);
	ck_assert_int_eq(quota_tick(q, "jsmith", DAY, ACTIVE, ACTIVE, 7, 25),
	    7);
	ck_assert_int_eq(quota_tick(q, "jsmith", DAY, ACTIVE, ACTIVE, 7, 25),
	    4);
	ck_assert_uint_eq(quota_used(q, "jsmith", DAY), 25);
	ck_assert_int_eq(quota_tick(q, "jsmith", DAY, ACTIVE, ACTIVE, 7, 25),
	    0);
	ck_assert_int_eq(quota_tick(q, "jsmith", DAY, ACTIVE, ACTIVE, 7,
	    25 + 900), 7);
	ck_assert_uint_eq(quota_used(q, "jsmith", DAY), 32);
	quota_free(q);
}
END_TEST

/* Bad holder names are refused, not truncated into another holder. */
START_TEST(test_bad_holder)
{
	struct quota *q = quota_new();
	char big[STATE_HOLDER_MAX + 1];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(quota_tick(q, big, DAY, ACTIVE, ACTIVE, TICK,
	    ALLOWANCE), -EINVAL);
	ck_assert_int_eq(quota_tick(q, "", DAY, ACTIVE, ACTIVE, TICK,
	    ALLOWANCE), -EINVAL);
	big[STATE_HOLDER_MAX - 1] = '\0';
	ck_assert_int_eq(quota_tick(q, big, DAY, ACTIVE, ACTIVE, TICK,
	    ALLOWANCE), TICK);
	quota_free(q);
}
END_TEST

/* Growth to many holders keeps every count; past days are dropped when
 * the table is rebuilt; the table stops at QUOTA_HOLDERS_MAX. */
START_TEST(test_many)
{
	struct quota *q = quota_new();
	char name[32];
	int i;

	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "ip:10.10.%d.%d", i / 256,
		    i % 256);
		ck_assert_int_eq(quota_tick(q, name, DAY, ACTIVE, ACTIVE,
		    TICK, ALLOWANCE), TICK);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "ip:10.10.%d.%d", i / 256,
		    i % 256);
		ck_assert_uint_eq(quota_used(q, name, DAY), TICK);
	}
	ck_assert_uint_eq(quota_count(q, DAY), 5000);
	/* The next day: yesterday's holders make room. */
	for (i = 0; i < QUOTA_HOLDERS_MAX; i++) {
		snprintf(name, sizeof(name), "h%d", i);
		ck_assert_int_eq(quota_tick(q, name, DAY + 1, ACTIVE, ACTIVE,
		    TICK, ALLOWANCE), TICK);
	}
	ck_assert_uint_eq(quota_count(q, DAY + 1), QUOTA_HOLDERS_MAX);
	ck_assert_int_eq(quota_tick(q, "one-too-many", DAY + 1, ACTIVE,
	    ACTIVE, TICK, ALLOWANCE), -ENOSPC);
	ck_assert_uint_eq(quota_used(q, "h0", DAY + 1), TICK);
	quota_free(q);
}
END_TEST

/* Export and restore: sorted, today only, the larger use wins. */
START_TEST(test_export_restore)
{
	struct quota *q = quota_new(), *r = quota_new();
	struct state_quota v[4], in[4];

	quota_tick(q, "zed", DAY, ACTIVE, ACTIVE, TICK, ALLOWANCE);
	quota_tick(q, "abe", DAY, ACTIVE, ACTIVE, TICK, ALLOWANCE);
	quota_tick(q, "abe", DAY, ACTIVE, ACTIVE, TICK, ALLOWANCE);
	quota_tick(q, "old", DAY - 1, ACTIVE, ACTIVE, TICK, ALLOWANCE);
	ck_assert_uint_eq(quota_export(q, DAY, v, 4), 2);
	ck_assert_str_eq(v[0].holder, "abe");
	ck_assert_uint_eq(v[0].used, 2 * TICK);
	ck_assert_str_eq(v[1].holder, "zed");
	ck_assert_uint_eq(quota_export(q, DAY, v, 1), 2);

	memset(in, 0, sizeof(in));
	snprintf(in[0].holder, sizeof(in[0].holder), "abe");
	in[0].day = DAY;
	in[0].used = 600;
	snprintf(in[1].holder, sizeof(in[1].holder), "abe");
	in[1].day = DAY;
	in[1].used = 300;
	snprintf(in[2].holder, sizeof(in[2].holder), "old");
	in[2].day = DAY - 1;
	in[2].used = 900;
	snprintf(in[3].holder, sizeof(in[3].holder), "zed");
	in[3].day = DAY;
	in[3].used = 10;
	ck_assert_int_eq(quota_restore(r, DAY, in, 4), 0);
	ck_assert_uint_eq(quota_used(r, "abe", DAY), 600);
	ck_assert_uint_eq(quota_used(r, "zed", DAY), 10);
	ck_assert_uint_eq(quota_used(r, "old", DAY - 1), 0);
	ck_assert_uint_eq(quota_count(r, DAY), 2);
	quota_free(q);
	quota_free(r);
}
END_TEST

static Suite *
quota_suite(void)
{
	Suite *s = suite_create("quota");
	TCase *tc = tcase_create("quota");

	tcase_add_test(tc, test_180_ticks);
	tcase_add_test(tc, test_idle);
	tcase_add_test(tc, test_new_day);
	tcase_add_test(tc, test_partial_and_extra);
	tcase_add_test(tc, test_bad_holder);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_export_restore);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(quota_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
