/* Unit tests for flow.c: segment storage, overlaps, limits, LRU, expiry. */
#include <sys/socket.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

static struct flow_table *t;
static struct flow_key key;

static void
setup(void)
{
	struct addr c, s;

	t = flow_table_new(8, FLOW_BUF_SIZE);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(addr_parse("10.10.0.23", &c), 0);
	ck_assert_int_eq(addr_parse("157.240.1.35", &s), 0);
	flow_key_make(&key, &c, 51522, &s, 443, 6);
}

static void
teardown(void)
{
	flow_table_free(t);
}

static struct flow *
new_flow(uint32_t base)
{
	struct flow *f = flow_insert(t, &key, flow_hash(&key), FLOW_TLS, 0);

	f->base_seq = base;
	return f;
}

START_TEST(test_in_order)
{
	struct flow *f = new_flow(1000);

	ck_assert_uint_eq(flow_tcp_store(t, f, 1000, (const uint8_t *)"abc", 3), 3);
	ck_assert_uint_eq(flow_tcp_store(t, f, 1003, (const uint8_t *)"def", 3), 6);
	ck_assert(memcmp(f->buf, "abcdef", 6) == 0);
	ck_assert_ptr_eq(flow_lookup(t, &key, flow_hash(&key)), f);
}
END_TEST

START_TEST(test_reversed_and_gaps)
{
	struct flow *f = new_flow(0xfffffffe);	/* wraps */

	ck_assert_uint_eq(flow_tcp_store(t, f, 4, (const uint8_t *)"ghi", 3), 0);
	ck_assert_uint_eq(flow_tcp_store(t, f, 1, (const uint8_t *)"def", 3), 0);
	ck_assert_uint_eq(flow_tcp_store(t, f, 0xfffffffe,
	    (const uint8_t *)"abc", 3), 9);
	ck_assert(memcmp(f->buf, "abcdefghi", 9) == 0);
	ck_assert_uint_eq(f->nranges, 1);
}
END_TEST

START_TEST(test_overlap_first_copy_wins)
{
	struct flow *f = new_flow(0);

	flow_tcp_store(t, f, 2, (const uint8_t *)"CDE", 3);
	/* A later overlapping segment must not rewrite bytes 2..4. */
	ck_assert_uint_eq(flow_tcp_store(t, f, 0, (const uint8_t *)"abXXXf", 6), 6);
	ck_assert(memcmp(f->buf, "abCDEf", 6) == 0);
	/* A duplicate is harmless. */
	ck_assert_uint_eq(flow_tcp_store(t, f, 0, (const uint8_t *)"zzzzzz", 6), 6);
	ck_assert(memcmp(f->buf, "abCDEf", 6) == 0);
}
END_TEST

START_TEST(test_before_base_trimmed)
{
	struct flow *f = new_flow(100);

	/* Starts 2 bytes before offset 0: only "cd" is kept. */
	ck_assert_uint_eq(flow_tcp_store(t, f, 98, (const uint8_t *)"abcd", 4), 2);
	ck_assert(memcmp(f->buf, "cd", 2) == 0);
	/* Entirely before: dropped. */
	ck_assert_uint_eq(flow_tcp_store(t, f, 50, (const uint8_t *)"xy", 2), 2);
}
END_TEST

START_TEST(test_bounds)
{
	static uint8_t big[FLOW_BUF_SIZE + 100];
	struct flow *f = new_flow(0);

	memset(big, 'x', sizeof(big));
	ck_assert_uint_eq(flow_tcp_store(t, f, 0, big, sizeof(big)),
	    FLOW_BUF_SIZE);
	ck_assert_uint_eq(flow_table_stats(t)->overflow, 1);
	/* Far beyond the buffer: dropped, counted. */
	flow_tcp_store(t, f, 1u << 20, big, 10);
	ck_assert_uint_eq(flow_table_stats(t)->overflow, 2);
}
END_TEST

START_TEST(test_range_limit)
{
	struct flow *f = new_flow(0);
	uint32_t i;

	/* Every other byte: FLOW_MAX_RANGES disjoint ranges, then refused. */
	for (i = 0; i < FLOW_MAX_RANGES + 5; i++)
		flow_tcp_store(t, f, 2 * i + 1, (const uint8_t *)"x", 1);
	ck_assert_uint_eq(f->nranges, FLOW_MAX_RANGES);
	/* Filling the gaps in order coalesces them again. */
	for (i = 0; i < 2 * FLOW_MAX_RANGES + 10; i++)
		flow_tcp_store(t, f, i, (const uint8_t *)"y", 1);
	ck_assert_uint_eq(f->nranges, 1);
	ck_assert_uint_eq(f->contig, 2 * FLOW_MAX_RANGES + 10);
}
END_TEST

START_TEST(test_evict_and_expire)
{
	struct flow_key k;
	struct addr c, s;
	struct flow *first = NULL;
	int i;

	ck_assert_int_eq(addr_parse("fd10::23", &c), 0);
	ck_assert_int_eq(addr_parse("2a03:2880::1", &s), 0);
	for (i = 0; i < 9; i++) {
		struct flow *f;

		flow_key_make(&k, &c, (uint16_t)(1000 + i), &s, 443, 17);
		f = flow_insert(t, &k, flow_hash(&k), FLOW_QUIC,
		    (uint64_t)i * 1000);
		if (i == 0)
			first = f;
	}
	(void)first;
	/* Eight fit; the ninth evicted the oldest. */
	ck_assert_uint_eq(flow_table_count(t), 8);
	ck_assert_uint_eq(flow_table_stats(t)->evicted, 1);
	flow_key_make(&k, &c, 1000, &s, 443, 17);
	ck_assert_ptr_null(flow_lookup(t, &k, flow_hash(&k)));
	flow_key_make(&k, &c, 1008, &s, 443, 17);
	ck_assert_ptr_nonnull(flow_lookup(t, &k, flow_hash(&k)));
	/* All idle past the timeout: expired. */
	ck_assert_uint_eq(flow_expire(t, 8000 + FLOW_TIMEOUT_US, FLOW_TIMEOUT_US), 8);
	ck_assert_uint_eq(flow_table_count(t), 0);
	ck_assert_ptr_null(flow_lookup(t, &k, flow_hash(&k)));
}
END_TEST

START_TEST(test_touch_keeps_alive)
{
	struct flow *f = new_flow(0);

	flow_touch(t, f, FLOW_TIMEOUT_US - 1);
	ck_assert_uint_eq(flow_expire(t, FLOW_TIMEOUT_US + 10, FLOW_TIMEOUT_US), 0);
	flow_remove(t, f);
	ck_assert_ptr_null(flow_lookup(t, &key, flow_hash(&key)));
	ck_assert(!flow_maybe(t, flow_hash(&key)));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("flow");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_in_order);
	tcase_add_test(tc, test_reversed_and_gaps);
	tcase_add_test(tc, test_overlap_first_copy_wins);
	tcase_add_test(tc, test_before_base_trimmed);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_range_limit);
	tcase_add_test(tc, test_evict_and_expire);
	tcase_add_test(tc, test_touch_keeps_alive);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
