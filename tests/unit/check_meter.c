/*
 * Unit tests for meter.c: deltas between readings, elements that expire
 * and come back, elements that vanish, growth.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "meter.h"

static struct addr
a4(unsigned last)
{
	struct addr a = { 0 };

	a.family = 2;
	a.bytes[0] = 10;
	a.bytes[1] = 10;
	a.bytes[2] = (uint8_t)(last >> 8);
	a.bytes[3] = (uint8_t)last;
	return a;
}

START_TEST(test_deltas)
{
	struct meter *m = meter_new();
	struct addr c = a4(23), d = a4(31);

	ck_assert_ptr_nonnull(m);
	meter_begin(m);
	ck_assert_uint_eq(meter_feed(m, &c, 5, 1000), 1000);
	ck_assert_uint_eq(meter_feed(m, &c, 6, 10), 10);
	meter_end(m);
	meter_begin(m);
	ck_assert_uint_eq(meter_feed(m, &c, 5, 1500), 500);
	ck_assert_uint_eq(meter_feed(m, &c, 6, 10), 0);
	ck_assert_uint_eq(meter_feed(m, &d, 5, 7), 7);
	meter_end(m);
	/* The element expired and came back: its counter restarted. */
	meter_begin(m);
	ck_assert_uint_eq(meter_feed(m, &c, 5, 300), 300);
	meter_end(m);
	/* (c, 6) and d were not in the last reading: forgotten, so when
	 * they come back their whole total is new. */
	meter_begin(m);
	ck_assert_uint_eq(meter_feed(m, &c, 6, 10), 10);
	ck_assert_uint_eq(meter_feed(m, &d, 5, 7), 7);
	ck_assert_uint_eq(meter_feed(m, &c, 5, 300), 0);
	meter_end(m);
	meter_free(m);
}
END_TEST

START_TEST(test_many)
{
	struct meter *m = meter_new();
	struct addr c;
	unsigned i, round;

	for (round = 1; round <= 3; round++) {
		meter_begin(m);
		for (i = 0; i < 20000; i++) {
			c = a4(i);
			ck_assert_uint_eq(meter_feed(m, &c, i % 7 + 1,
			    (uint64_t)round * 100 + i), round == 1 ?
			    100 + i : 100);
		}
		meter_end(m);
	}
	meter_free(m);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("meter");
	TCase *tc = tcase_create("meter");
	SRunner *sr;
	int nfail;

	tcase_add_test(tc, test_deltas);
	tcase_add_test(tc, test_many);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
