/* Unit tests for addr.c: parsing, matching, formatting. */
#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

START_TEST(test_cidr_parse)
{
	static const struct { const char *in; int ok; const char *out; } t[] = {
		{ "10.10.0.0/16", 1, "10.10.0.0/16" },
		{ "10.10.0.1", 1, "10.10.0.1/32" },
		{ "10.10.0.1/16", 0, NULL },		/* host bits set */
		{ "10.10.0.0/33", 0, NULL },
		{ "10.10.0.0/", 0, NULL },
		{ "10.10.0.0/-1", 0, NULL },
		{ "fd10::/48", 1, "fd10::/48" },
		{ "fd10::1/48", 0, NULL },
		{ "fd10::/129", 0, NULL },
		{ "2001:db8::1", 1, "2001:db8::1/128" },
		{ "::/0", 1, "::/0" },
		{ "0.0.0.0/0", 1, "0.0.0.0/0" },
		{ "10.0.0.0/8x", 0, NULL },
		{ "", 0, NULL },
		{ "example.org", 0, NULL },
	};
	char buf[ADDR_STRLEN];
	struct cidr c;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = cidr_parse(t[i].in, &c);

		ck_assert_msg((rc == 0) == t[i].ok, "%s", t[i].in);
		if (rc == 0) {
			cidr_format(&c, buf, sizeof(buf));
			ck_assert_str_eq(buf, t[i].out);
		}
	}
}
END_TEST

START_TEST(test_contains)
{
	struct cidr c, d;
	struct addr a;

	ck_assert_int_eq(cidr_parse("10.10.0.0/23", &c), 0);
	ck_assert_int_eq(addr_parse("10.10.1.255", &a), 0);
	ck_assert(cidr_contains(&c, &a));
	ck_assert_int_eq(addr_parse("10.10.2.0", &a), 0);
	ck_assert(!cidr_contains(&c, &a));
	ck_assert_int_eq(addr_parse("fd10::1", &a), 0);
	ck_assert(!cidr_contains(&c, &a));
	ck_assert_int_eq(cidr_parse("10.10.1.0/24", &d), 0);
	ck_assert(cidr_overlaps(&c, &d));
	ck_assert_int_eq(cidr_parse("10.11.0.0/16", &d), 0);
	ck_assert(!cidr_overlaps(&c, &d));
}
END_TEST

START_TEST(test_mac)
{
	char buf[32];
	struct mac m;

	ck_assert_int_eq(mac_parse("3c:22:FB:12:34:56", &m), 0);
	mac_format(&m, buf, sizeof(buf));
	ck_assert_str_eq(buf, "3c:22:fb:12:34:56");
	ck_assert_int_eq(mac_parse("3c-22-fb-12-34-56", &m), 0);
	ck_assert_int_eq(mac_parse("3c:22:fb:12:34", &m), -EINVAL);
	ck_assert_int_eq(mac_parse("3c:22:fb:12:34:56:78", &m), -EINVAL);
	ck_assert_int_eq(mac_parse("3c:22:fb:12:34:5g", &m), -EINVAL);
	ck_assert_int_eq(mac_parse("", &m), -EINVAL);
}
END_TEST

START_TEST(test_format_port)
{
	char buf[ADDR_STRLEN];
	struct addr a;

	ck_assert_int_eq(addr_parse("2001:db8::1", &a), 0);
	addr_format_port(&a, 443, buf, sizeof(buf));
	ck_assert_str_eq(buf, "[2001:db8::1]:443");
	ck_assert_int_eq(addr_parse("10.0.0.1", &a), 0);
	addr_format_port(&a, 53, buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.0.0.1:53");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_cidr_parse);
	tcase_add_test(tc, test_contains);
	tcase_add_test(tc, test_mac);
	tcase_add_test(tc, test_format_port);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
