/*
 * Unit tests for overrides.c: good files of every key form (checked by
 * their canonical text), one row per error message, the directory
 * reader (bad files beside good ones, symlinks, dot files, suffixes,
 * the size limit), the cross-checks against a real config and the
 * shipped catalogue, format -> parse round trips, domain coverage, and
 * hostile bytes.  Paths are relative to the top of the tree (the cwd,
 * or $SG_TOP).
 *
 *	build/check_overrides
 */
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "config.h"
#include "overrides.h"

#define PLATFORMS_DIR	"conf/platforms.d"
#define DATA_DIR	"tests/data/overrides"

/* The pieces most rows share; line numbers in the comments. */
#define HEAD	"[override]\n"				/* 1 */
#define PLAT	"platform = youtube\n"			/* 2 */
#define WHO	"who = all\n"				/* 3 */
#define DATES	"from = 2026-11-23\nuntil = 2026-12-18\n"	/* 4, 5 */
#define TEXTS	"reason = r\napproved_by = h\n"		/* 6, 7 */
#define GOOD	HEAD PLAT WHO DATES TEXTS
/* One key changed: platform, domain, who (line 2 or 3), from (4), until
 * (5), reason (6); X adds a line 8. */
#define P(x)	HEAD "platform = " x "\n" WHO DATES TEXTS
#define D(x)	HEAD "domain = " x "\n" WHO DATES TEXTS
#define W(x)	HEAD PLAT "who = " x "\n" DATES TEXTS
#define F(x)	HEAD PLAT WHO "from = " x "\nuntil = 2026-12-18\n" TEXTS
#define U(x)	HEAD PLAT WHO "from = 2026-11-23\nuntil = " x "\n" TEXTS
#define R(x)	HEAD PLAT WHO DATES "reason = " x "\napproved_by = h\n"
#define X(x)	GOOD x "\n"

/* snprintf into an array, which must hold it all. */
#define FMT(buf, ...)							\
	ck_assert((size_t)snprintf(buf, sizeof(buf), __VA_ARGS__) <	\
	    sizeof(buf))

static char	scratch[64];		/* a temporary directory */
static char	cfg_path[128];

/*
 * Helpers.
 */
static int
parse(const char *text, const struct config *cfg, const struct catalog *cat,
    struct override *o, char **cause)
{
	return override_parse("t.conf", text, strlen(text), cfg, cat, o,
	    cause);
}

static char *
format(const struct override *o, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_ptr_nonnull(f = open_memstream(&buf, &len));
	*rc = override_format(o, f);
	fclose(f);
	return buf;
}

static void
spew(const char *path, const char *data, size_t len)
{
	FILE *f;

	ck_assert_msg((f = fopen(path, "wb")) != NULL, "%s: %s", path,
	    strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void
put(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];

	FMT(path, "%s/%s", dir, name);
	spew(path, text, strlen(text));
}

static void
rm_rf(const char *path)
{
	char cmd[PATH_MAX + 16];

	if (path[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "check_overrides: cannot remove %s\n", path);
}

static void
scratch_make(void)
{
	snprintf(scratch, sizeof(scratch), "/tmp/check_overrides.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(scratch));
}

static void
scratch_done(void)
{
	rm_rf(scratch);
	scratch[0] = '\0';
}

/* A config with two groups and a person, for the cross-checks. */
static struct config *
test_config(void)
{
	static const char text[] =
	    "[gateway]\n"
	    "interface = eth1\n"
	    "lan = 10.10.0.0/16, fd10::/48\n"
	    "[schedule]\n"
	    "lessons = 08:45-16:00\n"
	    "[group staff]\n"
	    "members = 10.10.1.0/24\n"
	    "[group pupils]\n"
	    "members = 10.10.2.0/24\n"
	    "[person jsmith]\n"
	    "group = pupils\n"
	    "devices = 10.10.3.5\n";
	struct config *cfg;
	char *cause = NULL;

	FMT(cfg_path, "%s/schoolgate.conf", scratch);
	spew(cfg_path, text, sizeof(text) - 1);
	cfg = config_load(cfg_path, &cause);
	ck_assert_msg(cfg != NULL, "config: %s", cause ? cause : "?");
	return cfg;
}

static struct catalog *
test_catalog(void)
{
	struct catalog *cat;
	char *cause = NULL;

	cat = catalog_load_dir(PLATFORMS_DIR, &cause);
	ck_assert_msg(cat != NULL, "catalogue: %s", cause ? cause : "?");
	return cat;
}

/* Parse, format, parse again: the same override and the same text. */
static void
round_trip(const struct override *o, const char *want)
{
	struct override again;
	char *t1, *t2, *cause = NULL;
	int rc;

	t1 = format(o, &rc);
	ck_assert_msg(rc == 0, "format: %d", rc);
	if (want != NULL)
		ck_assert_str_eq(t1, want);
	rc = parse(t1, NULL, NULL, &again, &cause);
	ck_assert_msg(rc == 0, "the formatted text does not parse:\n%s---\n%s",
	    t1, cause ? cause : "");
	ck_assert(override_equal(o, &again));
	t2 = format(&again, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(t1, t2);
	override_clear(&again);
	free(t1);
	free(t2);
}

/*
 * Good files: each text parses, and formats as want (the canonical
 * text, which shows every field).
 */
static const struct {
	const char	*text;
	const char	*want;
} goods[] = {
	/* 0: the example of DESIGN.md, comments and all. */
	{ "[override]\n"
	  "platform = youtube               ; or domain = www.example.org\n"
	  "who = person:jsmith              ; person:NAME | group:NAME\n"
	  "from = 2026-11-23\n"
	  "until = 2026-12-18\n"
	  "hours = 12:15-13:00              ; optional\n"
	  "reason = Year 9 history project\n"
	  "approved_by = Headteacher\n"
	  "request = r-20261121-0007        ; optional link to the request\n",
	  "[override]\nplatform = youtube\nwho = person:jsmith\n"
	  "from = 2026-11-23\nuntil = 2026-12-18\nhours = 12:15-13:00\n"
	  "reason = Year 9 history project\napproved_by = Headteacher\n"
	  "request = r-20261121-0007\n" },
	/* 1: a category, a group, times, windows sorted, one crossing
	 * midnight and one written to 00:00. */
	{ "# a comment\n\n[override]\nplatform=social\nwho=group:staff\n"
	  "from = 2026-11-23 08:30\nuntil = 2026-11-24 17:45\n"
	  "hours = 22:00-01:00, 12:00-13:00,\n\t01:00-02:00\n"
	  "reason = x\napproved_by = y\n",
	  "[override]\nplatform = social\nwho = group:staff\n"
	  "from = 2026-11-23 08:30\nuntil = 2026-11-24 17:45\n"
	  "hours = 01:00-02:00, 12:00-13:00, 22:00-01:00\n"
	  "reason = x\napproved_by = y\n" },
	/* 2: a domain lower-cased, its trailing dot dropped; an address;
	 * extra time. */
	{ "[override]\ndomain = WWW.Example.ORG.\nwho = ip:10.10.2.7\n"
	  "from = 2026-01-05\nuntil = 2026-01-05\nextra_quota = 1h30m\n"
	  "reason = r\napproved_by = h\n",
	  "[override]\ndomain = www.example.org\nwho = ip:10.10.2.7\n"
	  "from = 2026-01-05\nuntil = 2026-01-05\nextra_quota = 1h30m\n"
	  "reason = r\napproved_by = h\n" },
	/* 3: a prefix, IPv6; until 24:00 is the date alone; blanks in a
	 * text made single, a text continued on indented lines. */
	{ "[override]\r\ndomain = xn--bcher-kva.example\r\n"
	  "who = ip:fd10:0:0:2::/64\r\nfrom = 2026-02-01 00:00\r\n"
	  "until = 2026-02-03 24:00\r\n"
	  "reason =   Art   project:\r\n   \tcolour  theory\r\n"
	  "approved_by = Mrs J. O'Brien (Head)\r\n",
	  "[override]\ndomain = xn--bcher-kva.example\nwho = ip:fd10:0:0:2::/64\n"
	  "from = 2026-02-01\nuntil = 2026-02-03\n"
	  "reason = Art project: colour theory\n"
	  "approved_by = Mrs J. O'Brien (Head)\n" },
	/* 4: UTF-8 text, a byte-order mark, until at 00:00, extra 24h,
	 * "hours =" with its list below. */
	{ "\xef\xbb\xbf[override]\nplatform = circumvention\nwho = all\n"
	  "from = 2026-03-01 09:00\nuntil = 2026-03-02 00:00\n"
	  "hours =\n  20:00-00:00\n"
	  "reason = Projet d'\xc3\xa9t\xc3\xa9 \xe2\x80\x94 \xe6\xbc\xa2\xe5\xad\x97\n"
	  "approved_by = Zo\xc3\xab\n",
	  "[override]\nplatform = circumvention\nwho = all\n"
	  "from = 2026-03-01 09:00\nuntil = 2026-03-02 00:00\n"
	  "hours = 20:00-24:00\n"
	  "reason = Projet d'\xc3\xa9t\xc3\xa9 \xe2\x80\x94 \xe6\xbc\xa2\xe5\xad\x97\n"
	  "approved_by = Zo\xc3\xab\n" },
	/* 5: extra_quota at 1m, keys in another order, text with '=' and
	 * ';' inside words. */
	{ "[override]\nreason = a=b;c\napproved_by = h\nextra_quota = 60s\n"
	  "until = 2099-12-31\nfrom = 2000-01-01\nwho = person:a.b_c-d\n"
	  "domain = a-b.c\n",
	  "[override]\ndomain = a-b.c\nwho = person:a.b_c-d\n"
	  "from = 2000-01-01\nuntil = 2099-12-31\nextra_quota = 1m\n"
	  "reason = a=b;c\napproved_by = h\n" },
	/* 6: eight windows, a request id of 64. */
	{ HEAD PLAT WHO DATES "hours = 01:00-02:00, 03:00-04:00, 05:00-06:00,"
	  " 07:00-08:00,\n 09:00-10:00, 11:00-12:00, 13:00-14:00, 15:00-16:00\n"
	  TEXTS "request = " "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaa.\n",
	  HEAD PLAT WHO DATES "hours = 01:00-02:00, 03:00-04:00, 05:00-06:00,"
	  " 07:00-08:00, 09:00-10:00, 11:00-12:00, 13:00-14:00, 15:00-16:00\n"
	  TEXTS "request = " "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaa.\n" },
	/* 7: a file without a final newline; a second-by-second from. */
	{ HEAD PLAT WHO "from = 2026-11-23 23:59\nuntil = 2026-11-24 00:00\n"
	  "reason = r\napproved_by = h",
	  HEAD PLAT WHO "from = 2026-11-23 23:59\nuntil = 2026-11-24 00:00\n"
	  TEXTS },
};

START_TEST(test_good)
{
	struct override o;
	char *cause = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = parse(goods[_i].text, NULL, NULL, &o, &cause);
	ck_assert_msg(rc == 0, "row %d:\n%s", _i, cause ? cause : "");
	ck_assert_ptr_null(cause);
	ck_assert_str_eq(o.file, "t.conf");
	ck_assert_str_eq(o.id, "t");
	round_trip(&o, goods[_i].want);
	override_clear(&o);
}
END_TEST

/* The struct itself, for the fields the text does not spell out. */
START_TEST(test_fields)
{
	struct override o;
	char *cause = NULL;

	ck_assert_int_eq(parse(goods[0].text, NULL, NULL, &o, &cause), 0);
	ck_assert_uint_eq(o.line, 1);
	ck_assert_str_eq(o.platform, "youtube");
	ck_assert_ptr_null(o.domain);
	ck_assert_int_eq(o.who, OVR_PERSON);
	ck_assert_str_eq(o.who_name, "jsmith");
	/* 2026-11-23 is day 20780 since 1970-01-01. */
	ck_assert_int_eq(o.from_day, 20780);
	ck_assert_int_eq(o.from_sec, 0);
	ck_assert_int_eq(o.until_day, 20780 + 25);
	ck_assert_int_eq(o.until_sec, 86400);
	ck_assert_uint_eq(o.nhours, 1);
	ck_assert_uint_eq(o.hours[0].start, 12 * 60 + 15);
	ck_assert_uint_eq(o.hours[0].end, 13 * 60);
	ck_assert_uint_eq(o.extra_quota, 0);
	ck_assert_str_eq(o.request, "r-20261121-0007");
	override_clear(&o);

	ck_assert_int_eq(parse(goods[1].text, NULL, NULL, &o, &cause), 0);
	ck_assert_uint_eq(o.line, 3);
	ck_assert_int_eq(o.who, OVR_GROUP);
	ck_assert_int_eq(o.from_sec, 8 * 3600 + 30 * 60);
	ck_assert_int_eq(o.until_day, 20781);
	ck_assert_int_eq(o.until_sec, 17 * 3600 + 45 * 60);
	ck_assert_uint_eq(o.nhours, 3);
	ck_assert_uint_eq(o.hours[0].start, 60);
	ck_assert_uint_eq(o.hours[2].start, 22 * 60);
	ck_assert_uint_eq(o.hours[2].end, 60);
	ck_assert_ptr_null(o.request);
	override_clear(&o);

	ck_assert_int_eq(parse(goods[2].text, NULL, NULL, &o, &cause), 0);
	ck_assert_int_eq(o.who, OVR_IP);
	ck_assert_uint_eq(o.who_prefix.prefix, 32);
	ck_assert_uint_eq(o.who_prefix.a.bytes[3], 7);
	ck_assert_int_eq(o.until_day, o.from_day);
	ck_assert_uint_eq(o.extra_quota, 5400);
	ck_assert_ptr_null(o.who_name);
	override_clear(&o);
	override_clear(&o);		/* twice is fine */
	override_clear(NULL);
}
END_TEST

/*
 * Errors: one row per message, the whole cause expected.
 */
static const struct {
	const char	*text;
	const char	*cause;
} bads[] = {
	/* Lines. */
	{ X("reason2 = \x01"),
	  "t.conf:8: line has a control character (\\x01)\n" },
	{ X("x = \xff"),
	  "t.conf:8: line is not UTF-8 text (byte \\xff)\n" },
	{ GOOD "a\0b\n",
	  "t.conf:8: line has a NUL byte\n" },
	{ X("# xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	  "t.conf:8: line is 201 characters long, more than 199 (continue a "
	  "long value on indented lines)\n" },
	{ X("who: all"),
	  "t.conf:8: 'who: all' is not 'key = value', a [section] or a "
	  "comment (write '=', not ':')\n" },
	{ X("just words"),
	  "t.conf:8: 'just words' is not 'key = value', a [section] or a "
	  "comment\n" },
	{ X("[override"),
	  "t.conf:8: bad section header '[override' (want [override])\n" },
	{ X("[override] who = all"),
	  "t.conf:8: bad section header '[override] who = all' (text after "
	  "']'; put keys on lines of their own)\n" },
	{ X("[other]"),
	  "t.conf:8: [other]: unknown section (want [override])\n" },
	{ "[Override]\n" PLAT WHO DATES TEXTS,
	  "t.conf:1: [Override]: unknown section (want [override]) (section "
	  "names are lower case)\n" },
	{ "[override jsmith]\n" PLAT WHO DATES TEXTS,
	  "t.conf:1: [override jsmith]: [override] takes no name\n" },
	{ X("[override]"),
	  "t.conf:8: [override]: duplicate section (first at line 1; a file "
	  "holds one override)\n" },
	{ "who = all\n" GOOD,
	  "t.conf:1: who = all: key before the [override] section\n" },
	{ X("b@d = 1"),
	  "t.conf:8: bad key name 'b@d'\n" },
	{ X("colour = red"),
	  "t.conf:8: [override] colour = red: unknown key in [override]\n" },
	{ X("Reason = again"),
	  "t.conf:8: [override] Reason = again: unknown key in [override] "
	  "(keys are lower case)\n" },
	{ X("who = group:staff"),
	  "t.conf:8: [override] who = group:staff: duplicate key (first at "
	  "line 3)\n" },
	{ HEAD PLAT WHO DATES "reason = r\n  hours = 12:00-13:00\n"
	  "approved_by = h\n",
	  "t.conf:7: [override] reason: indented line 'hours = 12:00-13:00' "
	  "would continue the value of reason; start a key at the beginning "
	  "of its line\n" },
	{ R("a\n b\n c\n d\n e\n f\n g\n h\n i\n j\n k\n l\n m\n n\n o\n p\n q"),
	  "t.conf:22: [override] reason: value has more than 16 lines\n" },
	{ "",
	  "t.conf:1: no [override] section (an override file holds one)\n" },
	/* platform and domain. */
	{ P("You Tube"),
	  "t.conf:2: [override] platform = You Tube: bad platform (want a "
	  "platform id or a category: 1-32 of a-z, 0-9, '-' and '_', from a "
	  "letter or digit)\n" },
	{ HEAD PLAT "domain = example.org\n" WHO DATES TEXTS,
	  "t.conf:3: [override] domain: platform is set too (line 2); an "
	  "override names a platform or a domain, not both\n" },
	{ HEAD WHO DATES TEXTS,
	  "t.conf:1: [override]: missing platform or domain (an override "
	  "names one)\n" },
	{ D("exa_mple.org"),
	  "t.conf:2: [override] domain = exa_mple.org: bad domain "
	  "'exa_mple.org' (want a host name such as www.example.org: "
	  "letters, digits, '-' and '.')\n" },
	{ D("*.example.org"),
	  "t.conf:2: [override] domain = *.example.org: write the domain "
	  "without '*.' (a domain covers its subdomains)\n" },
	{ D("a..example.org"),
	  "t.conf:2: [override] domain = a..example.org: domain has an empty "
	  "label\n" },
	{ D("-a.example.org"),
	  "t.conf:2: [override] domain = -a.example.org: domain has a label "
	  "that starts or ends with '-'\n" },
	{ D("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org"),
	  "t.conf:2: [override] domain = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaa...: domain has a label longer than "
	  "63 characters\n" },
	/* A domain does not continue on the next line (a line holds 190
	 * characters of one, less than the 253 a domain may have). */
	{ D("www.\n\texample.org"),
	  "t.conf:2: [override] domain = www. example.org: bad domain "
	  "'www. example.org' (want a host name such as www.example.org: "
	  "letters, digits, '-' and '.')\n" },
	{ D("localhost"),
	  "t.conf:2: [override] domain = localhost: domain is a single label "
	  "(want a name with a dot, e.g. example.org)\n" },
	{ D("10.10.0.1"),
	  "t.conf:2: [override] domain = 10.10.0.1: domain ends in a number "
	  "(an address is not a domain)\n" },
	/* who. */
	{ W("everyone"),
	  "t.conf:3: [override] who = everyone: bad who (want person:NAME, "
	  "group:NAME, ip:ADDR[/LEN] or all)\n" },
	{ W("person:J Smith"),
	  "t.conf:3: [override] who = person:J Smith: bad person name "
	  "'J Smith' (want 1-32 of a-z, 0-9, '.', '_' and '-', from a letter "
	  "or digit)\n" },
	{ W("group:st.aff"),
	  "t.conf:3: [override] who = group:st.aff: bad group name 'st.aff' "
	  "(want 1-32 of a-z, 0-9, '_' and '-')\n" },
	{ W("ip:10.10.2"),
	  "t.conf:3: [override] who = ip:10.10.2: bad address '10.10.2'\n" },
	{ W("ip:10.10.2.1/24"),
	  "t.conf:3: [override] who = ip:10.10.2.1/24: '10.10.2.1/24' has "
	  "host bits set (the prefix is 10.10.2.0/24)\n" },
	{ W("ip:10.10.2.0/33"),
	  "t.conf:3: [override] who = ip:10.10.2.0/33: bad prefix length in "
	  "'10.10.2.0/33' (want /0 to /32)\n" },
	{ HEAD PLAT DATES TEXTS,
	  "t.conf:1: [override]: missing key who (want person:NAME, "
	  "group:NAME, ip:ADDR[/LEN] or all)\n" },
	/* from and until. */
	{ F("23/11/2026"),
	  "t.conf:4: [override] from = 23/11/2026: bad date '23/11/2026' "
	  "(want YYYY-MM-DD or YYYY-MM-DD HH:MM)\n" },
	{ F("2026-02-30"),
	  "t.conf:4: [override] from = 2026-02-30: bad date '2026-02-30' "
	  "(2026-02 has 28 days)\n" },
	{ F("2026-11-23 9am"),
	  "t.conf:4: [override] from = 2026-11-23 9am: bad time '9am' (want "
	  "HH:MM, 00:00-24:00)\n" },
	{ F("2026-11-23 24:00"),
	  "t.conf:4: [override] from = 2026-11-23 24:00: 24:00 only ends a "
	  "day (write the next date)\n" },
	{ U("2026-11-22"),
	  "t.conf:5: [override] until = 2026-11-22: until is not after from "
	  "(2026-11-23, line 4)\n" },
	{ U("2026-11-23 00:00"),
	  "t.conf:5: [override] until = 2026-11-23 00:00: until is not after "
	  "from (2026-11-23, line 4)\n" },
	{ HEAD PLAT WHO "from = 2026-11-23\n" TEXTS,
	  "t.conf:1: [override]: missing key until (want YYYY-MM-DD or "
	  "YYYY-MM-DD HH:MM)\n" },
	/* hours and extra_quota. */
	{ X("hours = 12:00-13:00, 12:30-14:00"),
	  "t.conf:8: [override] hours = 12:00-13:00, 12:30-14:00: windows "
	  "12:00-13:00 and 12:30-14:00 overlap\n" },
	{ X("hours = 12:00-13:00,\n\t23:00-01:00,\n\t00:30-02:00"),
	  "t.conf:10: [override] hours = ...00:30-02:00: windows 23:00-01:00 "
	  "and 00:30-02:00 overlap\n" },
	{ X("hours = 12:00-13:00,\n\t13:00-25:00"),
	  "t.conf:9: [override] hours = ...13:00-25:00: bad time '25:00' "
	  "(want HH:MM, 00:00-24:00)\n" },
	{ X("hours = 12:00-12:00"),
	  "t.conf:8: [override] hours = 12:00-12:00: empty window "
	  "'12:00-12:00' (it ends where it starts)\n" },
	{ X("hours = 12:00-13:00,,14:00-15:00"),
	  "t.conf:8: [override] hours = 12:00-13:00,,14:00-15:00: empty item "
	  "(a ',' too many)\n" },
	{ X("hours = 12:00-13:00,"),
	  "t.conf:8: [override] hours = 12:00-13:00: empty item (a ',' too "
	  "many)\n" },
	{ X("hours = 01:00-02:00, 03:00-04:00, 05:00-06:00, 07:00-08:00, "
	    "09:00-10:00, 11:00-12:00, 13:00-14:00, 15:00-16:00, 17:00-18:00"),
	  "t.conf:8: [override] hours = 01:00-02:00, 03:00-04:00, 05:00-06:00,"
	  " 07:00-08:00, 09:00-10:00,...: more than 8 windows\n" },
	{ X("hours = 12:00-13:00\nextra_quota = 10m"),
	  "t.conf:9: [override] extra_quota: hours is set too (line 8); "
	  "extra_quota is more allowance a day, it cannot have hours\n" },
	{ X("extra_quota = 10"),
	  "t.conf:8: [override] extra_quota = 10: bad duration '10' (want "
	  "numbers with units d, h, m or s, e.g. 30m or 1h30m)\n" },
	{ X("extra_quota = 59s"),
	  "t.conf:8: [override] extra_quota = 59s: out of range (want 1m to "
	  "24h)\n" },
	{ X("extra_quota = 1d1s"),
	  "t.conf:8: [override] extra_quota = 1d1s: out of range (want 1m to "
	  "24h)\n" },
	/* Texts and request. */
	{ R("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
	    "\txxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	  "t.conf:6: [override] reason = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxx...: text is longer than 256 bytes\n" },
	{ R("next\xc2\x85line"),
	  "t.conf:6: [override] reason = next\\xc2\\x85line: text has a "
	  "control character (U+0085)\n" },
	{ R("abc\xe2\x80\xae" "cba"),
	  "t.conf:6: [override] reason = abc\\xe2\\x80\\xaecba: text has a "
	  "bidirectional control character (U+202E)\n" },
	{ R(""),
	  "t.conf:6: [override] reason: empty value (want text)\n" },
	{ HEAD PLAT WHO DATES "reason = r\n",
	  "t.conf:1: [override]: missing key approved_by (want text)\n" },
	{ X("request = r 1"),
	  "t.conf:8: [override] request = r 1: bad request id (want 1-64 of "
	  "A-Z, a-z, 0-9, '.', '_' and '-')\n" },
};

START_TEST(test_bad)
{
	struct override o, guard;
	char *cause = NULL;
	size_t len;
	int rc;

	/* Rows with a NUL hold it inside: the length is sizeof - 1. */
	len = strlen(bads[_i].text);
	if (strstr(bads[_i].cause, "NUL") != NULL)
		len += 1 + strlen(bads[_i].text + len + 1);
	memset(&o, 0xa5, sizeof(o));
	memcpy(&guard, &o, sizeof(o));
	rc = override_parse("t.conf", bads[_i].text, len, NULL, NULL, &o,
	    &cause);
	ck_assert_msg(rc == -EINVAL, "row %d parses", _i);
	ck_assert_msg(memcmp(&o, &guard, sizeof(o)) == 0, "row %d: *ret "
	    "touched", _i);
	ck_assert_ptr_nonnull(cause);
	ck_assert_str_eq(cause, bads[_i].cause);
	free(cause);
	/* cause may be NULL. */
	ck_assert_int_eq(override_parse("t.conf", bads[_i].text, len, NULL,
	    NULL, &o, NULL), -EINVAL);
}
END_TEST

/* Every error of a file, in line order, then a count past the limit. */
START_TEST(test_many_errors)
{
	char text[4096], *cause = NULL, *p;
	struct override o;
	size_t n = 0, lines = 0;
	int i;

	ck_assert_int_eq(parse(HEAD "platform = a b\nwho = x\nfrom = y\n"
	    "until = z\nreason = r\napproved_by = h\n", NULL, NULL, &o,
	    &cause), -EINVAL);
	ck_assert_str_eq(cause,
	    "t.conf:2: [override] platform = a b: bad platform (want a platform "
	    "id or a category: 1-32 of a-z, 0-9, '-' and '_', from a letter "
	    "or digit)\n"
	    "t.conf:3: [override] who = x: bad who (want person:NAME, "
	    "group:NAME, ip:ADDR[/LEN] or all)\n"
	    "t.conf:4: [override] from = y: bad date 'y' (want YYYY-MM-DD or "
	    "YYYY-MM-DD HH:MM)\n"
	    "t.conf:5: [override] until = z: bad date 'z' (want YYYY-MM-DD or "
	    "YYYY-MM-DD HH:MM)\n");
	free(cause);

	/* A bad file name is reported with the rest. */
	ck_assert_int_eq(override_parse("dir/-x.conf", "x", 1, NULL, NULL,
	    &o, &cause), -EINVAL);
	ck_assert_str_eq(cause,
	    "dir/-x.conf: bad file name (want NAME.conf, NAME 1-64 of A-Z, "
	    "a-z, 0-9, '.', '_' and '-', from a letter or digit)\n"
	    "dir/-x.conf:1: 'x' is not 'key = value', a [section] or a "
	    "comment\n"
	    "dir/-x.conf:1: no [override] section (an override file holds "
	    "one)\n");
	free(cause);

	n = (size_t)snprintf(text, sizeof(text), "%s", GOOD);
	for (i = 0; i < 30; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "bad %d\n", i);
	ck_assert_int_eq(parse(text, NULL, NULL, &o, &cause), -EINVAL);
	for (p = cause; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	ck_assert_uint_eq(lines, OVERRIDE_ERRORS_MAX + 1);
	ck_assert_ptr_nonnull(strstr(cause, "t.conf:8: 'bad 0' is not"));
	ck_assert_ptr_nonnull(strstr(cause, "t.conf:17: 'bad 9' is not"));
	ck_assert_ptr_null(strstr(cause, "t.conf:18:"));
	ck_assert_ptr_nonnull(strstr(cause, "\nt.conf: 20 more errors not "
	    "shown\n"));
	free(cause);
}
END_TEST

/* File names: the id, and names that are refused. */
START_TEST(test_names)
{
	static const char *const ok[] = {
		"a.conf", "/x/y/Req-2026.11_x.conf", "9.conf",
		("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"a.conf"),
	};
	static const char *const bad[] = {
		"a.txt", ".conf", "/x/.a.conf", "a b.conf", "a\nb.conf",
		"-a.conf", "a.conf~", ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaa.conf"), "d\xc3\xa9j\xc3\xa0.conf", "",
	};
	struct override o;
	char *cause = NULL;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(override_parse(ok[i], GOOD, strlen(GOOD), NULL,
		    NULL, &o, &cause) == 0, "%s: %s", ok[i], cause);
		ck_assert_str_eq(o.file, ok[i]);
		ck_assert_uint_eq(strlen(o.id) + 5, strlen(strrchr(ok[i], '/') ?
		    strrchr(ok[i], '/') + 1 : ok[i]));
		override_clear(&o);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(override_parse(bad[i], GOOD, strlen(GOOD), NULL,
		    NULL, &o, &cause) == -EINVAL, "%s parses", bad[i]);
		ck_assert_ptr_nonnull(strstr(cause, ": bad file name (want "));
		ck_assert_int_eq(strchr(cause, '\n')[1], '\0');
		free(cause);
	}
	/* The name as shown is escaped. */
	ck_assert_int_eq(override_parse("a\nb.conf", GOOD, strlen(GOOD),
	    NULL, NULL, &o, &cause), -EINVAL);
	ck_assert_str_eq(cause, "a\\x0ab.conf: bad file name (want NAME.conf, "
	    "NAME 1-64 of A-Z, a-z, 0-9, '.', '_' and '-', from a letter or "
	    "digit)\n");
	free(cause);
}
END_TEST

/* The size limit, and bytes of every kind. */
START_TEST(test_size)
{
	struct override o;
	char *big, *cause = NULL;
	size_t len;

	len = OVERRIDE_FILE_MAX + 1;
	ck_assert_ptr_nonnull(big = malloc(len));
	memset(big, '\n', len);
	memcpy(big, GOOD, strlen(GOOD));
	ck_assert_int_eq(override_parse("t.conf", big, len, NULL, NULL, &o,
	    &cause), -EINVAL);
	ck_assert_str_eq(cause, "t.conf: file is larger than 65536 bytes\n");
	free(cause);
	/* At the limit, blank lines are fine. */
	ck_assert_int_eq(override_parse("t.conf", big, len - 1, NULL, NULL,
	    &o, &cause), 0);
	override_clear(&o);
	/* One huge line. */
	memset(big, 'x', len);
	ck_assert_int_eq(override_parse("t.conf", big, len - 1, NULL, NULL,
	    &o, &cause), -EINVAL);
	ck_assert_str_eq(cause, "t.conf:1: line is 65536 characters long, "
	    "more than 199 (continue a long value on indented lines)\n"
	    "t.conf:1: no [override] section (an override file holds one)\n");
	free(cause);
	free(big);
	/* NULL text is an empty file. */
	ck_assert_int_eq(override_parse("t.conf", NULL, 5, NULL, NULL, &o,
	    &cause), -EINVAL);
	free(cause);
}
END_TEST

/* Random bytes and mutations of a good file: never a crash, always a
 * cause of printable lines, or a result that round-trips. */
START_TEST(test_hostile)
{
	static const char alphabet[] = "[]=,:;#-. \t\n\r\x01\x80\xc3\xa9\0"
	    "overridplatfmwhsyucqn0123456789";
	char buf[512], *cause;
	struct override o;
	uint32_t seed = 12345;
	size_t i, j, n, k;
	int rc;

	for (i = 0; i < 20000; i++) {
		if (i % 2 == 0) {
			n = strlen(goods[i / 2 % 8].text);
			if (n > sizeof(buf))
				n = sizeof(buf);
			memcpy(buf, goods[i / 2 % 8].text, n);
			for (k = 0; k < 1 + i % 4; k++) {
				seed = seed * 1103515245 + 12345;
				buf[(seed >> 8) % n] = alphabet[(seed >> 20) %
				    (sizeof(alphabet) - 1)];
			}
		} else {
			seed = seed * 1103515245 + 12345;
			n = (seed >> 16) % sizeof(buf);
			for (j = 0; j < n; j++) {
				seed = seed * 1103515245 + 12345;
				buf[j] = (char)(seed >> 16);
			}
		}
		cause = NULL;
		rc = override_parse("t.conf", buf, n, NULL, NULL, &o, &cause);
		if (rc == 0) {
			ck_assert_ptr_null(cause);
			round_trip(&o, NULL);
			override_clear(&o);
			continue;
		}
		ck_assert_int_eq(rc, -EINVAL);
		ck_assert_ptr_nonnull(cause);
		for (j = 0; cause[j] != '\0'; j++)
			ck_assert(((unsigned char)cause[j] >= 0x20 &&
			    (unsigned char)cause[j] < 0x7f) || cause[j] == '\n');
		ck_assert_int_eq(cause[j - 1], '\n');
		free(cause);
	}
}
END_TEST

/*
 * Cross-checks with a real config and the shipped catalogue.
 */
static const struct {
	const char	*text;
	const char	*cause;		/* NULL: parses */
} crosses[] = {
	{ P("youtube"), NULL },
	{ P("social"), NULL },
	{ P("messaging"), NULL },
	{ P("circumvention"), NULL },
	{ P("tor"), NULL },
	{ P("myface"),
	  "t.conf:2: [override] platform = myface: no platform or category "
	  "'myface' in the catalogue\n" },
	{ W("person:jsmith"), NULL },
	{ W("group:staff"), NULL },
	{ W("group:pupils"), NULL },
	{ W("ip:10.10.2.0/24"), NULL },
	{ W("ip:fd10:0:0:1::1"), NULL },
	{ W("ip:10.10.0.0/16"), NULL },
	{ W("person:ajones"),
	  "t.conf:3: [override] who = person:ajones: no [person ajones] in "
	  "CFG\n" },
	{ W("group:governors"),
	  "t.conf:3: [override] who = group:governors: no [group governors] "
	  "in CFG\n" },
	{ W("ip:10.11.0.1"),
	  "t.conf:3: [override] who = ip:10.11.0.1: not inside lan "
	  "(10.10.0.0/16, fd10::/48)\n" },
	{ W("ip:10.0.0.0/8"),
	  "t.conf:3: [override] who = ip:10.0.0.0/8: not inside lan "
	  "(10.10.0.0/16, fd10::/48)\n" },
};

START_TEST(test_cross)
{
	struct config *cfg;
	struct catalog *cat;
	struct override o;
	char *cause = NULL, want[512];
	const char *at;
	size_t i;
	int rc;

	scratch_make();
	cfg = test_config();
	cat = test_catalog();
	for (i = 0; i < sizeof(crosses) / sizeof(crosses[0]); i++) {
		rc = parse(crosses[i].text, cfg, cat, &o, &cause);
		if (crosses[i].cause == NULL) {
			ck_assert_msg(rc == 0, "row %zu: %s", i, cause);
			override_clear(&o);
			/* Without them, the same. */
			ck_assert_int_eq(parse(crosses[i].text, NULL, NULL, &o,
			    &cause), 0);
			override_clear(&o);
			continue;
		}
		ck_assert_msg(rc == -EINVAL, "row %zu parses", i);
		if ((at = strstr(crosses[i].cause, "CFG")) != NULL)
			FMT(want, "%.*s%s%s",
			    (int)(at - crosses[i].cause), crosses[i].cause,
			    cfg_path, at + 3);
		else
			FMT(want, "%s", crosses[i].cause);
		ck_assert_str_eq(cause, want);
		free(cause);
		/* Syntax alone is fine. */
		ck_assert_int_eq(parse(crosses[i].text, NULL, NULL, &o,
		    &cause), 0);
		override_clear(&o);
	}
	catalog_free(cat);
	config_free(cfg);
}
END_TEST

/*
 * The directory reader.
 */
START_TEST(test_dir)
{
	struct overrides *set;
	struct config *cfg;
	struct catalog *cat;
	char dir[PATH_MAX], path[PATH_MAX], want[PATH_MAX * 2];
	char *cause = NULL, *big;
	size_t i;

	scratch_make();
	cfg = test_config();
	cat = test_catalog();
	FMT(dir, "%s/overrides.d", scratch);

	/* Missing: an empty set. */
	ck_assert_ptr_nonnull(set = overrides_load_dir(dir, cfg, cat,
	    &cause));
	ck_assert_ptr_null(cause);
	ck_assert_uint_eq(set->n, 0);
	ck_assert_uint_eq(set->nrejected, 0);
	overrides_free(set);
	/* Not a directory. */
	ck_assert_ptr_null(overrides_load_dir(cfg_path, cfg, cat, &cause));
	FMT(want, "%s: cannot read the directory: %s\n",
	    cfg_path, strerror(ENOTDIR));
	ck_assert_str_eq(cause, want);
	free(cause);

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	put(dir, "b-lunch.conf", W("person:jsmith"));
	put(dir, "a-project.conf", W("group:staff"));
	put(dir, "c-bad.conf", X("who = all"));
	put(dir, "d-stranger.conf", W("person:nobody"));
	put(dir, ".hidden.conf", GOOD);
	put(dir, "e.conf~", GOOD);
	put(dir, "e.conf.dpkg-old", GOOD);
	put(dir, "README", "not an override\n");
	put(dir, "f bad name.conf", GOOD);
	FMT(path, "%s/sub.conf", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	put(path, "inner.conf", GOOD);
	FMT(path, "%s/g-fifo.conf", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	FMT(path, "%s/h-link.conf", dir);
	ck_assert_int_eq(symlink("b-lunch.conf", path), 0);
	FMT(path, "%s/i-dangling.conf", dir);
	ck_assert_int_eq(symlink("nowhere.conf", path), 0);
	FMT(path, "%s/j-dirlink.conf", dir);
	ck_assert_int_eq(symlink("sub.conf", path), 0);
	/* One byte over the limit, and exactly at it. */
	ck_assert_ptr_nonnull(big = malloc(OVERRIDE_FILE_MAX + 1));
	memset(big, '\n', OVERRIDE_FILE_MAX + 1);
	memcpy(big, GOOD, strlen(GOOD));
	FMT(path, "%s/k-big.conf", dir);
	spew(path, big, OVERRIDE_FILE_MAX + 1);
	FMT(path, "%s/l-limit.conf", dir);
	spew(path, big, OVERRIDE_FILE_MAX);
	free(big);

	ck_assert_ptr_nonnull(set = overrides_load_dir(dir, cfg, cat,
	    &cause));
	ck_assert_ptr_null(cause);
	ck_assert_uint_eq(set->n, 4);
	ck_assert_str_eq(set->v[0].id, "a-project");
	ck_assert_str_eq(set->v[1].id, "b-lunch");
	ck_assert_str_eq(set->v[2].id, "h-link");
	ck_assert_str_eq(set->v[3].id, "l-limit");
	FMT(want, "%s/a-project.conf", dir);
	ck_assert_str_eq(set->v[0].file, want);
	ck_assert_str_eq(set->v[1].who_name, "jsmith");
	ck_assert(override_equal(&set->v[1], &set->v[2]));

	ck_assert_uint_eq(set->nrejected, 6);
	for (i = 0; i < set->nrejected; i++)
		ck_assert_ptr_nonnull(strstr(set->rejected[i].file, dir));
	FMT(want, "%s/c-bad.conf:8: [override] who = all: "
	    "duplicate key (first at line 3)\n", dir);
	ck_assert_str_eq(set->rejected[0].cause, want);
	FMT(want, "%s/d-stranger.conf:3: [override] who = "
	    "person:nobody: no [person nobody] in %s\n", dir, cfg_path);
	ck_assert_str_eq(set->rejected[1].cause, want);
	FMT(want, "%s/f bad name.conf: bad file name "
	    "(want NAME.conf, NAME 1-64 of A-Z, a-z, 0-9, '.', '_' and '-', "
	    "from a letter or digit)\n", dir);
	ck_assert_str_eq(set->rejected[2].cause, want);
	FMT(want, "%s/g-fifo.conf: not a regular file\n",
	    dir);
	ck_assert_str_eq(set->rejected[3].cause, want);
	FMT(want, "%s/i-dangling.conf: cannot read: %s\n",
	    dir, strerror(ENOENT));
	ck_assert_str_eq(set->rejected[4].cause, want);
	FMT(want, "%s/k-big.conf: file is larger than "
	    "65536 bytes\n", dir);
	ck_assert_str_eq(set->rejected[5].cause, want);
	overrides_free(set);

	/* A trailing '/' on the directory changes nothing. */
	FMT(path, "%s/", dir);
	ck_assert_ptr_nonnull(set = overrides_load_dir(path, NULL, NULL,
	    &cause));
	ck_assert_uint_eq(set->n, 5);		/* d-stranger unchecked */
	FMT(want, "%s/a-project.conf", dir);
	ck_assert_str_eq(set->v[0].file, want);
	overrides_free(set);
	overrides_free(NULL);

	catalog_free(cat);
	config_free(cfg);
}
END_TEST

/* tests/data/overrides: the examples, and a file with an error of every
 * kind, every one reported. */
START_TEST(test_data_dir)
{
	struct overrides *set;
	char *cause = NULL;

	ck_assert_ptr_nonnull(set = overrides_load_dir(DATA_DIR, NULL, NULL,
	    &cause));
	ck_assert_uint_eq(set->n, 3);
	ck_assert_str_eq(set->v[0].id, "extra-ip");
	ck_assert_str_eq(set->v[1].id, "lunch-jsmith");
	ck_assert_str_eq(set->v[2].id, "project-staff");
	ck_assert_str_eq(set->v[2].reason,
	    "Department project on local news sites");
	ck_assert_uint_eq(set->nrejected, 1);
	ck_assert_str_eq(set->rejected[0].file, DATA_DIR "/bad-many.conf");
	ck_assert_str_eq(set->rejected[0].cause,
	    DATA_DIR "/bad-many.conf:1: [override]: missing key approved_by "
	    "(want text)\n"
	    DATA_DIR "/bad-many.conf:3: [override] domain = Example..org: "
	    "domain has an empty label\n"
	    DATA_DIR "/bad-many.conf:3: [override] domain: platform is set too "
	    "(line 2); an override names a platform or a domain, not both\n"
	    DATA_DIR "/bad-many.conf:4: [override] who = person:J Smith: bad "
	    "person name 'J Smith' (want 1-32 of a-z, 0-9, '.', '_' and '-', "
	    "from a letter or digit)\n"
	    DATA_DIR "/bad-many.conf:5: [override] from = 2026-02-30: bad date "
	    "'2026-02-30' (2026-02 has 28 days)\n"
	    DATA_DIR "/bad-many.conf:7: [override] hours = 12:00-13:00, "
	    "12:30-14:00: windows 12:00-13:00 and 12:30-14:00 overlap\n"
	    DATA_DIR "/bad-many.conf:8: [override] extra_quota = 5s: out of "
	    "range (want 1m to 24h)\n"
	    DATA_DIR "/bad-many.conf:8: [override] extra_quota: hours is set "
	    "too (line 7); extra_quota is more allowance a day, it cannot have "
	    "hours\n"
	    DATA_DIR "/bad-many.conf:10: [override] colour = red: unknown key in "
	    "[override]\n");
	overrides_free(set);
}
END_TEST

/* More files than OVERRIDE_FILES_MAX: the first by name are read. */
START_TEST(test_dir_limit)
{
	struct overrides *set;
	char dir[PATH_MAX], name[64], want[PATH_MAX];
	char *cause = NULL;
	int i;

	scratch_make();
	FMT(dir, "%s/many", scratch);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	for (i = 0; i < OVERRIDE_FILES_MAX + 2; i++) {
		snprintf(name, sizeof(name), "o%05d.conf", i);
		put(dir, name, GOOD);
	}
	ck_assert_ptr_nonnull(set = overrides_load_dir(dir, NULL, NULL,
	    &cause));
	ck_assert_uint_eq(set->n, OVERRIDE_FILES_MAX);
	ck_assert_str_eq(set->v[OVERRIDE_FILES_MAX - 1].id, "o09999");
	ck_assert_uint_eq(set->nrejected, 2);
	FMT(want, "%s/o10001.conf: not read: more than "
	    "10000 override files\n", dir);
	ck_assert_str_eq(set->rejected[1].cause, want);
	overrides_free(set);
}
END_TEST

/*
 * Formatting.
 */
static void
base(struct override *o)
{
	char *cause = NULL;

	ck_assert_int_eq(parse(GOOD, NULL, NULL, o, &cause), 0);
}

START_TEST(test_format_texts)
{
	static const char *const texts[] = {
		/* Wrapped at 78 columns. */
		"Year 9 history project on the use of propaganda in the "
		"twentieth century, with videos chosen by Mr Khan and checked "
		"by the online safety officer beforehand",
		/* Words that read as keys never start a line. */
		"note: who = all hours = 12:00-13:00 who = all hours = x who "
		"= all hours = 12:00-13:00 who = all hours = 12:00-13:00 who "
		"= all extra_quota = 1h until = 2027-01-01 reason = x",
		/* Long words. */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaa b "
		"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		"x",
	};
	struct override o;
	char *t, *line, *nl, *saved;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		base(&o);
		free(o.reason);
		ck_assert_ptr_nonnull(o.reason = strdup(texts[i]));
		round_trip(&o, NULL);
		t = format(&o, &rc);
		ck_assert_int_eq(rc, 0);
		for (line = t; (nl = strchr(line, '\n')) != NULL;
		    line = nl + 1) {
			ck_assert_uint_le((size_t)(nl - line), 199);
			if (i == 0)
				ck_assert_uint_le((size_t)(nl - line), 78);
		}
		free(t);
		override_clear(&o);
	}
	/* The 256-byte text where every break would read as a key: it
	 * does not fit a line, and cannot be written. */
	base(&o);
	free(o.reason);
	ck_assert_ptr_nonnull(saved = malloc(300));
	for (i = 0; i < 25; i++)
		memcpy(saved + i * 8, "who=all ", 8);
	saved[25 * 8 - 1] = '\0';
	o.reason = saved;
	t = format(&o, &rc);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_str_eq(t, "");
	free(t);
	override_clear(&o);
}
END_TEST

/* What a hand-built override gets wrong is refused, and nothing is
 * written. */
START_TEST(test_format_refused)
{
	struct override o;
	char *t;
	int rc, i;

	for (i = 0; i < 12; i++) {
		base(&o);
		switch (i) {
		case 0:
			free(o.reason);
			o.reason = strdup("two  blanks");
			break;
		case 1:
			free(o.reason);
			o.reason = strdup("# comment");
			break;
		case 2:
			free(o.platform);
			o.platform = NULL;
			break;
		case 3:
			o.domain = strdup("example.org");
			break;
		case 4:
			o.who = OVR_PERSON;
			break;
		case 5:
			o.from_sec = 30;
			break;
		case 6:
			o.until_day = o.from_day - 1;
			break;
		case 7:
			o.nhours = OVERRIDE_HOURS_MAX + 1;
			break;
		case 8:
			o.extra_quota = 10;
			break;
		case 9:
			o.request = strdup("a b");
			break;
		case 10:
			free(o.approved_by);
			o.approved_by = strdup("line\nbreak");
			break;
		case 11:
			o.from_day = -800000;
			break;
		}
		t = format(&o, &rc);
		ck_assert_msg(rc == -EINVAL, "case %d: %d", i, rc);
		ck_assert_str_eq(t, "");
		free(t);
		override_clear(&o);
	}
}
END_TEST

START_TEST(test_equal)
{
	struct override a, b;

	base(&a);
	base(&b);
	ck_assert(override_equal(&a, &b));
	free(b.file);
	b.file = strdup("other.conf");
	b.line = 9;
	ck_assert(override_equal(&a, &b));
	b.hours[0].start = 1;		/* beyond nhours: not compared */
	ck_assert(override_equal(&a, &b));
	b.nhours = 1;
	ck_assert(!override_equal(&a, &b));
	b.nhours = 0;
	b.until_sec = 0;
	ck_assert(!override_equal(&a, &b));
	override_clear(&b);
	base(&b);
	free(b.reason);
	b.reason = strdup("R");
	ck_assert(!override_equal(&a, &b));
	override_clear(&a);
	override_clear(&b);
}
END_TEST

/*
 * override_covers_name.
 */
static const struct {
	const char	*domain;
	const char	*name;
	bool		 covers;
} covers[] = {
	{ "example.org", "example.org", true },
	{ "example.org", "www.example.org", true },
	{ "example.org", "a.b.c.example.org", true },
	{ "example.org", "WWW.Example.ORG", true },
	{ "example.org", "www.example.org.", true },
	{ "example.org", "example.org.", true },
	{ "example.org", "badexample.org", false },
	{ "example.org", "example.org.evil.com", false },
	{ "example.org", "example.or", false },
	{ "example.org", "org", false },
	{ "example.org", "", false },
	{ "example.org", ".", false },
	{ "example.org", ".example.org", true },
	{ "example.org", "example.org..", false },
	{ "www.example.org", "example.org", false },
	{ "www.example.org", "w.www.example.org", true },
	{ "a-b.c", "x.a-b.c", true },
	{ "example.org", "\xff.example.org", true },
	{ "example.org", "x\x00.example.org", false },
};

START_TEST(test_covers)
{
	struct override o;

	memset(&o, 0, sizeof(o));
	o.domain = (char *)(uintptr_t)covers[_i].domain;
	ck_assert_msg(override_covers_name(&o, covers[_i].name) ==
	    covers[_i].covers, "%s covers '%s'", covers[_i].domain,
	    covers[_i].name);
	ck_assert(!override_covers_name(&o, NULL));
	/* A platform override covers no name. */
	o.platform = (char *)(uintptr_t)"youtube";
	ck_assert(!override_covers_name(&o, covers[_i].name));
	o.platform = NULL;
	o.domain = NULL;
	ck_assert(!override_covers_name(&o, covers[_i].name));
	ck_assert(!override_covers_name(NULL, covers[_i].name));
}
END_TEST

static Suite *
overrides_suite(void)
{
	Suite *s = suite_create("overrides");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_good, 0, sizeof(goods) / sizeof(goods[0]));
	tcase_add_test(tc, test_fields);
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bads) / sizeof(bads[0]));
	tcase_add_test(tc, test_many_errors);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_size);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_hostile);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, NULL, scratch_done);
	tcase_add_test(tc, test_cross);
	tcase_add_test(tc, test_dir);
	tcase_add_test(tc, test_data_dir);
	tcase_add_test(tc, test_dir_limit);
	suite_add_tcase(s, tc);
	tc = tcase_create("format");
	tcase_add_test(tc, test_format_texts);
	tcase_add_test(tc, test_format_refused);
	tcase_add_test(tc, test_equal);
	tcase_add_loop_test(tc, test_covers, 0,
	    sizeof(covers) / sizeof(covers[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	const char *top = getenv("SG_TOP");
	SRunner *sr;
	int failed;

	if (access(PLATFORMS_DIR, F_OK) != 0 && top != NULL &&
	    chdir(top) != 0) {
		fprintf(stderr, "check_overrides: %s: %s\n", top,
		    strerror(errno));
		return 1;
	}
	sr = srunner_create(overrides_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
