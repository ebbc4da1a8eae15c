/*
 * Unit tests for identity.c: every step of the precedence, each with a
 * device that matches it and one that just misses.
 */
#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"

static char tmpdir[] = "/tmp/check_identity.XXXXXX";

static const char conf_text[] =
	"[gateway]\n"
	"interface = eth1\n"
	"lan = 10.10.0.0/16, fd10::/48\n"
	"default_group = visitors\n"
	"[schedule]\n"
	"lessons = 08:45-16:00\n"
	"[group staff]\n"
	"members = 10.10.0.0/20, fd10:0:0:1::/64, 10.10.40.7, "
	"aa:bb:cc:00:00:01, @staff.devices\n"
	"outside = quota\n"
	"[group pupils]\n"
	"members = 10.10.32.0/19, 10.10.32.0/24\n"
	"[group ict]\n"
	"members = 10.10.33.0/24\n"
	"outside = allow\n"
	"[group visitors]\n"
	"members = 10.10.250.0/24\n"
	"[person jsmith]\n"
	"group = staff\n"
	"devices = 10.10.0.23, 3c:22:fb:12:34:56, fd10::1:23\n"
	"[person pupil1]\n"
	"group = pupils\n"
	"devices = 10.10.0.77\n"
	"[person tech]\n"
	"group = ict\n"
	"devices = 10.10.34.3\n";

static struct config *cfg;
static struct identity *id;

static void
write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void
setup(void)
{
	char path[256], *cause = NULL;

	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	write_file("staff.devices", "# staff laptops on other VLANs\n"
	    "10.10.64.5\n12:22:33:44:55:66\n");
	write_file("s.conf", conf_text);
	snprintf(path, sizeof(path), "%s/s.conf", tmpdir);
	cfg = config_load(path, &cause);
	ck_assert_msg(cfg != NULL, "config: %s", cause ? cause : "?");
	id = identity_new(cfg, &cause);
	ck_assert_ptr_nonnull(id);
}

static void
teardown(void)
{
	char path[256];

	identity_free(id);
	config_free(cfg);
	snprintf(path, sizeof(path), "%s/staff.devices", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/s.conf", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	memcpy(tmpdir + strlen(tmpdir) - 6, "XXXXXX", 6);
}

static const struct {
	const char	*addr;
	const char	*mac;		/* or NULL */
	const char	*group;		/* NULL: unmanaged */
	const char	*person;	/* NULL: none */
	const char	*holder;
} cases[] = {
	/* A person's address, and the same with an unknown MAC. */
	{ "10.10.0.23", NULL, "staff", "jsmith", "jsmith" },
	{ "10.10.0.23", "02:00:00:00:00:09", "staff", "jsmith", "jsmith" },
	{ "fd10::1:23", NULL, "staff", "jsmith", "jsmith" },
	/* A person's MAC wherever the device is, even on pupils' Wi-Fi. */
	{ "10.10.40.9", "3c:22:fb:12:34:56", "staff", "jsmith", "jsmith" },
	/* A person's MAC beats another person's address (DHCP moved it). */
	{ "10.10.0.77", "3c:22:fb:12:34:56", "staff", "jsmith", "jsmith" },
	/* A person's address inside the staff prefix: the person. */
	{ "10.10.0.77", NULL, "pupils", "pupil1", "pupil1" },
	/* A person's address in another group's prefix: the person. */
	{ "10.10.34.3", NULL, "ict", "tech", "tech" },
	{ "10.10.34.16", NULL, "pupils", NULL, "ip:10.10.34.16" },
	/* Group members: prefix, longest prefix, host, MAC, @file. */
	{ "10.10.0.24", NULL, "staff", NULL, "ip:10.10.0.24" },
	{ "10.10.15.255", NULL, "staff", NULL, "ip:10.10.15.255" },
	{ "10.10.16.0", NULL, "visitors", NULL, "ip:10.10.16.0" },
	{ "10.10.33.9", NULL, "ict", NULL, "ip:10.10.33.9" },
	{ "10.10.32.9", NULL, "pupils", NULL, "ip:10.10.32.9" },
	{ "10.10.40.7", NULL, "staff", NULL, "ip:10.10.40.7" },
	{ "10.10.40.8", NULL, "pupils", NULL, "ip:10.10.40.8" },
	{ "10.10.40.8", "aa:bb:cc:00:00:01", "staff", NULL, "ip:10.10.40.8" },
	{ "10.10.40.8", "aa:bb:cc:00:00:02", "pupils", NULL, "ip:10.10.40.8" },
	{ "10.10.64.5", NULL, "staff", NULL, "ip:10.10.64.5" },
	{ "10.10.64.6", "12:22:33:44:55:66", "staff", NULL, "ip:10.10.64.6" },
	{ "fd10:0:0:1::99", NULL, "staff", NULL, "ip:fd10:0:0:1::99" },
	/* In lan, in no group: the default group; outside lan: nothing. */
	{ "10.10.200.1", NULL, "visitors", NULL, "ip:10.10.200.1" },
	{ "fd10:0:0:2::1", NULL, "visitors", NULL, "ip:fd10:0:0:2::1" },
	{ "10.11.0.1", NULL, NULL, NULL, NULL },
	{ "192.0.2.1", "aa:bb:cc:00:00:03", NULL, NULL, NULL },
	{ "2001:db8::1", NULL, NULL, NULL, NULL },
	/* An IPv4 address never matches an IPv6 entry with equal bytes. */
	{ "::ffff:10.10.0.23", NULL, NULL, NULL, NULL },
};

START_TEST(test_lookup)
{
	struct addr a;
	struct mac m;
	struct who w;
	char holder[IDENTITY_HOLDER_MAX];
	bool found;

	ck_assert_int_eq(addr_parse(cases[_i].addr, &a), 0);
	if (cases[_i].mac != NULL)
		ck_assert_int_eq(mac_parse(cases[_i].mac, &m), 0);
	found = identity_lookup(id, &a, cases[_i].mac ? &m : NULL, &w);
	if (cases[_i].group == NULL) {
		ck_assert_msg(!found && w.group == NULL,
		    "%s: want unmanaged, got %s", cases[_i].addr,
		    w.group ? w.group->name : "-");
		return;
	}
	ck_assert_msg(found, "%s: unmanaged", cases[_i].addr);
	ck_assert_str_eq(w.group->name, cases[_i].group);
	if (cases[_i].person == NULL)
		ck_assert_msg(w.person == NULL, "%s: person %s",
		    cases[_i].addr, w.person->name);
	else {
		ck_assert_ptr_nonnull(w.person);
		ck_assert_str_eq(w.person->name, cases[_i].person);
	}
	identity_holder(&w, &a, holder, sizeof(holder));
	ck_assert_str_eq(holder, cases[_i].holder);
}
END_TEST

/* The longest holder name fits, and a short buffer truncates safely. */
START_TEST(test_holder_len)
{
	struct addr a;
	struct who w;
	char buf[IDENTITY_HOLDER_MAX], small[8];

	memset(&w, 0, sizeof(w));
	ck_assert_int_eq(addr_parse("fd10:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
	    &a), 0);
	ck_assert_uint_lt(identity_holder(&w, &a, buf, sizeof(buf)),
	    sizeof(buf) - 1);
	ck_assert_uint_eq(identity_holder(&w, &a, small, sizeof(small)), 7);
	ck_assert_str_eq(small, "ip:fd10");
}
END_TEST

static Suite *
identity_suite(void)
{
	Suite *s = suite_create("identity");
	TCase *tc = tcase_create("lookup");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_lookup, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_holder_len);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(identity_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
