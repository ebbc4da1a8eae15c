/*
 * Unit tests for control.c's pure parts: the request line parser (every
 * verb, every error) and who may connect.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

static const struct {
	const char	*line;
	int		 verb;		/* -1: an error */
	const char	*arg;		/* or the error's text */
} cases[] = {
	{ "status", CTL_STATUS, "" },
	{ "who", CTL_WHO, "" },
	{ "quota jsmith", CTL_QUOTA, "jsmith" },
	{ "quota ip:10.10.0.9", CTL_QUOTA, "ip:10.10.0.9" },
	{ "reload", CTL_RELOAD, "" },
	{ "help", CTL_HELP, "" },
	{ "", -1, "empty request" },
	{ "dance", -1, "unknown verb 'dance'" },
	{ "STATUS", -1, "unknown verb 'STATUS'" },
	{ "statu", -1, "unknown verb" },
	{ "statuss", -1, "unknown verb" },
	{ "status now", -1, "status takes no argument" },
	{ "quota", -1, "quota needs an argument" },
	{ "quota ", -1, "separated by one space" },
	{ "quota  jsmith", -1, "separated by one space" },
	{ "quota jsmith ", -1, "separated by one space" },
	{ "quota a b", -1, "quota takes one word" },
	{ "requests", CTL_REQUESTS, "" },
	{ "requests all", CTL_REQUESTS, "all" },
	{ "requests all x", -1, "requests takes one word" },
	{ "approve", -1, "approve needs an argument" },
	{ "approve r-20261123-0001", CTL_APPROVE, "r-20261123-0001" },
	{ "approve r-20261123-0001 until=2026-12-18 who=group:staff",
	    CTL_APPROVE, "r-20261123-0001 until=2026-12-18 who=group:staff" },
	{ "deny r-1 reason=Not%20now", CTL_DENY, "r-1 reason=Not%20now" },
	{ "deny r-1  reason=x", -1, "separated by one space" },
	{ "overrides", CTL_OVERRIDES, "" },
	{ "overrides x", -1, "overrides takes no argument" },
	{ " status", -1, "unknown verb" },
	{ "status\r", -1, "byte 0x0d at 7" },
	{ "st\tatus", -1, "byte 0x09 at 3" },
	{ "who\033[2J", -1, "byte 0x1b at 4" },
	{ "quota j\xc3\xa9", -1, "byte 0xc3 at 8" },
};

START_TEST(test_parse)
{
	struct control_req r;
	char why[256] = "";
	int rc;

	memset(&r, 0xa5, sizeof(r));
	rc = control_parse(cases[_i].line, strlen(cases[_i].line), &r, why,
	    sizeof(why));
	if (cases[_i].verb < 0) {
		ck_assert_int_eq(rc, -EINVAL);
		ck_assert_msg(strstr(why, cases[_i].arg) != NULL,
		    "'%s': got '%s', want '%s'", cases[_i].line, why,
		    cases[_i].arg);
		return;
	}
	ck_assert_msg(rc == 0, "'%s': %s", cases[_i].line, why);
	ck_assert_int_eq(r.verb, cases[_i].verb);
	ck_assert_str_eq(r.arg, cases[_i].arg);
	ck_assert(strncmp(cases[_i].line, control_verb_str(r.verb),
	    strlen(control_verb_str(r.verb))) == 0);
}
END_TEST

/* A line of CONTROL_LINE_MAX or more bytes is refused; one less is
 * read.  Embedded NULs are control bytes. */
static const char *const akeys[] = { "until", "who", "reason", NULL };

static const struct {
	const char	*arg;
	int		 rc;
	const char	*id;
	size_t		 nkv;
	const char	*k0, *v0;	/* the first pair */
} args[] = {
	{ "r-20261123-0001", 0, "r-20261123-0001", 0, NULL, NULL },
	{ "r-1 until=2026-12-18", 0, "r-1", 1, "until", "2026-12-18" },
	{ "r-1 reason=Not%20now%2C%20sorry who=all", 0, "r-1", 2, "reason",
	    "Not now, sorry" },
	{ "r-1 reason=caf%C3%A9", 0, "r-1", 1, "reason", "caf\xc3\xa9" },
	{ "r-1 reason=", 0, "r-1", 1, "reason", "" },
	{ "r-1 until", -1, "", 0, NULL, NULL },
	{ "r-1 =x", -1, "", 0, NULL, NULL },
	{ "r-1 colour=red", -1, "", 0, NULL, NULL },
	{ "r-1 who=a who=b", -1, "", 0, NULL, NULL },
	{ "r-1 reason=%0", -1, "", 0, NULL, NULL },
	{ "r-1 reason=%zz", -1, "", 0, NULL, NULL },
	{ "r-1 reason=%00", -1, "", 0, NULL, NULL },
	{ "0123456789012345678901234567890123456789", -1, "", 0, NULL, NULL },
};

START_TEST(test_args)
{
	struct control_kv kv[CONTROL_KV_MAX];
	char id[32], why[128] = "";
	size_t nkv = 99;
	int rc;

	rc = control_args(args[_i].arg, akeys, id, sizeof(id), kv, &nkv, why,
	    sizeof(why));
	ck_assert_msg(rc == (args[_i].rc == 0 ? 0 : -EINVAL), "'%s': %d (%s)",
	    args[_i].arg, rc, why);
	if (rc != 0) {
		ck_assert(why[0] != '\0');
		return;
	}
	ck_assert_str_eq(id, args[_i].id);
	ck_assert_uint_eq(nkv, args[_i].nkv);
	if (nkv > 0) {
		ck_assert_str_eq(kv[0].key, args[_i].k0);
		ck_assert_str_eq(kv[0].value, args[_i].v0);
	}
}
END_TEST

START_TEST(test_encode)
{
	struct control_kv kv[CONTROL_KV_MAX];
	char buf[64], line[128], id[32], why[128];
	const char *s = "Not now: 100% \"busy\"\nsee caf\xc3\xa9";
	size_t nkv;

	ck_assert(control_encode(s, buf, sizeof(buf)));
	ck_assert(strchr(buf, ' ') == NULL);
	snprintf(line, sizeof(line), "r-1 reason=%s", buf);
	ck_assert_int_eq(control_args(line, akeys, id, sizeof(id), kv, &nkv,
	    why, sizeof(why)), 0);
	ck_assert_str_eq(kv[0].value, s);
	ck_assert(!control_encode(s, buf, 10));
}
END_TEST

/* Reply lines: UTF-8 text passes, control bytes, broken UTF-8 and C1
 * controls (U+0080..U+009F, which some terminals obey) become '?'. */
START_TEST(test_reply_text)
{
	struct control_out *o = control_out_new();

	control_printf(o, "%s", "Zo\xc3\xab \xe2\x80\x94 caf\xc3\xa9 "
	    "\xf0\x9f\x98\x80");
	control_printf(o, "%s", "a\x1b[2Jb\rc\nd");
	control_printf(o, "%s", "x\xc2\x9by\xc3z\xc0\xafw\xed\xa0\x80v\xff");
	ck_assert_str_eq(control_out_text(o),
	    "Zo\xc3\xab \xe2\x80\x94 caf\xc3\xa9 \xf0\x9f\x98\x80\n"
	    "a?[2Jb?c?d\n"
	    "x??y?z??w???v?\n");
	control_out_free(o);
}
END_TEST

START_TEST(test_limits)
{
	char line[CONTROL_LINE_MAX + 8], why[256];
	struct control_req r;

	memset(line, 'a', sizeof(line));
	memcpy(line, "quota ", 6);
	ck_assert_int_eq(control_parse(line, CONTROL_LINE_MAX - 1, &r, why,
	    sizeof(why)), 0);
	ck_assert_uint_eq(strlen(r.arg), CONTROL_LINE_MAX - 7);
	ck_assert_int_eq(control_parse(line, CONTROL_LINE_MAX, &r, why,
	    sizeof(why)), -EINVAL);
	ck_assert(strstr(why, "longer than") != NULL);
	ck_assert_int_eq(control_parse("who\0x", 5, &r, why, sizeof(why)),
	    -EINVAL);
	ck_assert(strstr(why, "byte 0x00 at 4") != NULL);
}
END_TEST

START_TEST(test_allowed)
{
	static const gid_t g[] = { 100, 4242, 7 };

	ck_assert(control_allowed(0, 0, NULL, 0, (gid_t)-1));
	ck_assert(control_allowed(0, 5, NULL, 0, 4242));
	ck_assert(control_allowed(1000, 4242, NULL, 0, 4242));
	ck_assert(control_allowed(1000, 1000, g, 3, 4242));
	ck_assert(!control_allowed(1000, 1000, g, 2, 7));
	ck_assert(!control_allowed(1000, 1000, g, 3, 99));
	ck_assert(!control_allowed(1000, 1000, g, 3, (gid_t)-1));
	ck_assert(!control_allowed(65534, 65534, NULL, 0, 4242));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("control");
	SRunner *sr;
	int nfail;

	tcase_add_loop_test(tc, test_parse, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_loop_test(tc, test_args, 0,
	    (int)(sizeof(args) / sizeof(args[0])));
	tcase_add_test(tc, test_encode);
	tcase_add_test(tc, test_reply_text);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_allowed);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
