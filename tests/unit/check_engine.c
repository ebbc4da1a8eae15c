/*
 * Unit tests for engine.c: what observations teach the enforcer.  Only a
 * trusted answer teaches an address; never_block and LAN addresses are
 * never learned; an address that also answers for another name, or a
 * shared_infra platform, is blocked flow by flow; a name alone never
 * teaches its address; a domain override exempts its flows; TTLs are
 * clamped.  Observations are built by hand, as observe.c would hand them
 * over.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "dns.h"
#include "engine.h"
#include "overrides.h"
#include "tz.h"

static char tmpdir[] = "/tmp/check_engine.XXXXXX";
static struct config *cfg;
static struct catalog *cat;
static struct tz *tz;
static struct schedule *sched;
static struct overrides *ovr;
static struct identity *id;
static struct quota *quota;
static struct engine *eng;

/* What the enforcer was told. */
static struct {
	char	log[64][96];
	size_t	n;
} told;

#define say(fmt, s1, s2, num) do {				\
	if (told.n < 64)						\
		snprintf(told.log[told.n++], sizeof(told.log[0]), fmt,	\
		    s1, s2, num);					\
} while (0)

static void
on_addr(void *arg, const struct addr *server, const struct platform *p,
    uint32_t ttl)
{
	char ab[ADDR_STRLEN];

	(void)arg;
	addr_format(server, ab, sizeof(ab));
	say("addr %s %s %ld", ab, p ? p->id : "-", (long)ttl);
}

static void
on_flow(void *arg, const struct addr *client, const struct addr *server,
    uint16_t cport, uint8_t proto, const struct platform *p, bool exempt)
{
	char ab[ADDR_STRLEN];

	(void)arg;
	(void)client;
	(void)cport;
	(void)proto;
	addr_format(server, ab, sizeof(ab));
	say("flow %s %s %ld", ab, p->id, exempt ? 1L : 0L);
}

static int64_t last_block_until;

static void
on_verdict(const struct engine_verdict *ev, void *arg)
{
	char ab[ADDR_STRLEN];

	(void)arg;
	last_block_until = ev->block_until;
	addr_format(&ev->client, ab, sizeof(ab));
	say("verdict %s %s %ld", ab, verdict_str(ev->v->verdict),
	    (long)ev->platform->index);
}

static const struct engine_enforcer enf = {
	.addr = on_addr,
	.flow = on_flow,
};

static void
write_file(const char *path, const char *text)
{
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void
setup(void)
{
	char path[300], text[1024], *cause = NULL;
	struct engine_opts eo;

	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/ovr", tmpdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/ovr/docs.conf", tmpdir);
	write_file(path, "[override]\ndomain = help.instagram.com\nwho = all\n"
	    "from = 2026-11-01\nuntil = 2026-12-31\nreason = help pages\n"
	    "approved_by = Headteacher\n");
	snprintf(text, sizeof(text),
	    "[gateway]\ninterface = eth1\nlan = 10.10.0.0/16, fd10::/48\n"
	    "overrides_dir = %s/ovr\nnever_block = 10.10.0.53, 192.0.2.53\n"
	    "[schedule]\nlessons = 08:45-16:00\nbreaks = 10:30-10:45\n"
	    "[group pupils]\nmembers = 10.10.32.0/19\noutside = block\n"
	    "[group staff]\nmembers = 10.10.0.0/24\noutside = quota\n"
	    "[person jsmith]\ngroup = staff\ndevices = 10.10.0.41, "
	    "fd10::41\n",
	    tmpdir);
	snprintf(path, sizeof(path), "%s/s.conf", tmpdir);
	write_file(path, text);
	ck_assert_ptr_nonnull(cfg = config_load(path, &cause));
	ck_assert_ptr_nonnull(cat = catalog_load_dir("conf/platforms.d",
	    &cause));
	ck_assert_ptr_nonnull(tz = tz_load("Europe/London", &cause));
	ck_assert_ptr_nonnull(sched = schedule_new(cfg, tz, &cause));
	snprintf(path, sizeof(path), "%s/ovr", tmpdir);
	ck_assert_ptr_nonnull(ovr = overrides_load_dir(path, cfg, cat,
	    &cause));
	ck_assert_uint_eq(ovr->n, 1);
	ck_assert_ptr_nonnull(id = identity_new(cfg, &cause));
	ck_assert_ptr_nonnull(quota = quota_new());
	memset(&eo, 0, sizeof(eo));
	eo.cfg = cfg;
	eo.cat = cat;
	eo.id = id;
	eo.policy.cfg = cfg;
	eo.policy.sched = sched;
	eo.policy.ovr = ovr;
	eo.quota = quota;
	eo.cb = on_verdict;
	eo.enf = &enf;
	ck_assert_ptr_nonnull(eng = engine_new(&eo));
	memset(&told, 0, sizeof(told));
}

static void
teardown(void)
{
	char cmd[300];

	engine_free(eng);
	quota_free(quota);
	identity_free(id);
	overrides_free(ovr);
	schedule_free(sched);
	tz_free(tz);
	catalog_free(cat);
	config_free(cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	memcpy(tmpdir + strlen(tmpdir) - 6, "XXXXXX", 6);
}

/* 2026-11-23 09:00 GMT, a Monday in lessons. */
#define NOW_US	(1795424400ULL * 1000000ULL)

static struct addr
A(const char *s)
{
	struct addr a;

	ck_assert_int_eq(addr_parse(s, &a), 0);
	return a;
}

/* A DNS answer from the resolver to client for name with addresses. */
static const char *resolver = "10.10.0.53";
static uint8_t answer_dir;	/* enum capture_dir; 0: unknown (a file) */

static void
answer(const char *client, const char *name, bool solicited,
    const char *const *addrs, const uint32_t *ttls, size_t n)
{
	static struct dns_msg msg;
	struct observation ob;
	struct addr a;
	size_t i;

	memset(&msg, 0, sizeof(msg));
	msg.response = true;
	snprintf(msg.qname.text, sizeof(msg.qname.text), "%s", name);
	msg.qname.len = strlen(name);
	for (i = 0; i < n; i++) {
		a = A(addrs[i]);
		msg.addrs[i].family = a.family;
		memcpy(msg.addrs[i].bytes, a.bytes, 16);
		msg.addrs[i].ttl = ttls[i];
	}
	msg.naddrs = n;
	memset(&ob, 0, sizeof(ob));
	ob.ts_us = NOW_US;
	ob.proto = OBS_DNS;
	ob.client = A(client);
	ob.server = A(resolver);
	ob.cport = 40000;
	ob.sport = 53;
	ob.name = name;
	ob.name_len = strlen(name);
	ob.platform = catalog_lookup(cat, name, strlen(name));
	ob.category = ob.platform ? ob.platform->category : "";
	ob.solicited = solicited;
	ob.dns = &msg;
	ob.dir = answer_dir;
	engine_advance(eng, NOW_US);
	engine_observe(eng, &ob);
}

static void
hello(const char *client, const char *server, const char *name)
{
	struct observation ob;

	memset(&ob, 0, sizeof(ob));
	ob.ts_us = NOW_US;
	ob.proto = OBS_TLS;
	ob.client = A(client);
	ob.server = A(server);
	ob.cport = 50000;
	ob.sport = 443;
	ob.name = name;
	ob.name_len = strlen(name);
	ob.platform = catalog_lookup(cat, name, strlen(name));
	ob.category = ob.platform ? ob.platform->category : "";
	engine_advance(eng, NOW_US);
	engine_observe(eng, &ob);
}

static bool
was_told(const char *line)
{
	size_t i;

	for (i = 0; i < told.n; i++)
		if (strcmp(told.log[i], line) == 0)
			return true;
	return false;
}

static void
dump(void)
{
	size_t i;

	for (i = 0; i < told.n; i++)
		fprintf(stderr, "  told: %s\n", told.log[i]);
}

#define TOLD(line) do {							\
	if (!was_told(line))						\
		dump();							\
	ck_assert_msg(was_told(line), "not told: %s", line);		\
} while (0)
#define NOT_TOLD(line) do {						\
	if (was_told(line))						\
		dump();							\
	ck_assert_msg(!was_told(line), "told: %s", line);		\
} while (0)

START_TEST(test_trusted_answer)
{
	static const char *const ip[] = { "198.51.100.10", "2001:db8::10" };
	static const uint32_t ttl[] = { 300, 5 };

	answer("10.10.32.5", "www.instagram.com", true, ip, ttl, 2);
	TOLD("addr 198.51.100.10 instagram 3600");
	TOLD("addr 2001:db8::10 instagram 3600");	/* clamped up */
	ck_assert_uint_eq(engine_stats(eng)->learned, 2);
	/* The pupil's verdict, on the answer itself. */
	ck_assert(told.n == 3 && strncmp(told.log[2],
	    "verdict 10.10.32.5 BLOCK_GROUP", 30) == 0);
}
END_TEST

START_TEST(test_untrusted_answer)
{
	static const char *const ip[] = { "198.51.100.99" };
	static const uint32_t ttl[] = { 300 };

	answer("10.10.0.23", "www.instagram.com", false, ip, ttl, 1);
	ck_assert_uint_eq(told.n, 0);
	ck_assert_uint_eq(engine_stats(eng)->untrusted, 1);
	ck_assert_uint_eq(engine_stats(eng)->learned, 0);
}
END_TEST

START_TEST(test_never_learned)
{
	static const char *const ip[] = { "10.10.0.53", "192.0.2.53",
	    "10.10.5.5", "198.51.100.11" };
	static const uint32_t ttl[] = { 300, 300, 300, 999999 };

	answer("10.10.32.5", "www.facebook.com", true, ip, ttl, 4);
	NOT_TOLD("addr 10.10.0.53 facebook 3600");
	NOT_TOLD("addr 192.0.2.53 facebook 3600");
	NOT_TOLD("addr 10.10.5.5 facebook 3600");
	TOLD("addr 198.51.100.11 facebook 86400");	/* clamped down */
	ck_assert_uint_eq(engine_stats(eng)->never_block, 3);
}
END_TEST

/* An address that also answers for a name outside the catalogue is
 * shared: taken back from the enforcer, then blocked flow by flow. */
START_TEST(test_shared_by_dns)
{
	static const char *const ip[] = { "198.51.100.30" };
	static const uint32_t ttl[] = { 300 };

	answer("10.10.32.5", "www.facebook.com", true, ip, ttl, 1);
	TOLD("addr 198.51.100.30 facebook 3600");
	answer("10.10.32.5", "docs.example.org", true, ip, ttl, 1);
	TOLD("addr 198.51.100.30 - 0");
	ck_assert_uint_eq(engine_stats(eng)->shared, 1);
	told.n = 0;
	/* Learning it again for facebook does not make it exclusive. */
	answer("10.10.32.5", "www.facebook.com", true, ip, ttl, 1);
	ck_assert_uint_eq(told.n, 0);
	hello("10.10.32.5", "198.51.100.30", "www.facebook.com");
	TOLD("flow 198.51.100.30 facebook 0");
}
END_TEST

/* The other order: first the other name, then the platform's. */
START_TEST(test_shared_other_first)
{
	static const char *const ip[] = { "198.51.100.31" };
	static const uint32_t ttl[] = { 300 };

	answer("10.10.32.5", "docs.example.org", true, ip, ttl, 1);
	answer("10.10.32.5", "www.instagram.com", true, ip, ttl, 1);
	NOT_TOLD("addr 198.51.100.31 instagram 3600");
	ck_assert_uint_eq(engine_stats(eng)->shared, 1);
}
END_TEST

START_TEST(test_shared_infra)
{
	static const char *const ip[] = { "198.51.100.40" };
	static const uint32_t ttl[] = { 300 };

	answer("10.10.32.5", "twitter.com", true, ip, ttl, 1);
	NOT_TOLD("addr 198.51.100.40 twitter 3600");
	hello("10.10.32.5", "198.51.100.40", "twitter.com");
	TOLD("flow 198.51.100.40 twitter 0");
}
END_TEST

/* A name alone teaches nothing about its address: that flow only. */
START_TEST(test_sni_alone)
{
	hello("10.10.32.5", "203.0.113.7", "www.instagram.com");
	TOLD("flow 203.0.113.7 instagram 0");
	ck_assert_uint_eq(engine_stats(eng)->learned, 0);
	NOT_TOLD("addr 203.0.113.7 instagram 3600");
	/* On the platform's own address the address rule suffices. */
	{
		static const char *const ip[] = { "198.51.100.12" };
		static const uint32_t ttl[] = { 300 };

		answer("10.10.32.5", "www.instagram.com", true, ip, ttl, 1);
		told.n = 0;
		hello("10.10.32.5", "198.51.100.12", "www.instagram.com");
		ck_assert_uint_eq(told.n, 0);
	}
	/* An SNI of another platform on a learned address: shared. */
	hello("10.10.32.5", "198.51.100.12", "www.facebook.com");
	TOLD("addr 198.51.100.12 - 0");
	TOLD("flow 198.51.100.12 facebook 0");
}
END_TEST

START_TEST(test_domain_override_exempts)
{
	static const char *const ip[] = { "198.51.100.13" };
	static const uint32_t ttl[] = { 300 };

	answer("10.10.32.5", "www.instagram.com", true, ip, ttl, 1);
	hello("10.10.32.5", "198.51.100.13", "help.instagram.com");
	TOLD("flow 198.51.100.13 instagram 1");
	told.n = 0;
	hello("10.10.32.5", "198.51.100.13", "www.instagram.com");
	ck_assert_uint_eq(told.n, 0);
}
END_TEST

/* A resolver out on the internet teaches nothing until three devices
 * have had answers from it: a pupil's own DNS server stays untrusted. */
START_TEST(test_observed_resolver)
{
	static const char *const ip[] = { "198.51.100.96" };
	static const uint32_t ttl[] = { 300 };

	resolver = "198.51.100.97";
	answer("10.10.32.5", "www.instagram.com", true, ip, ttl, 1);
	answer("10.10.32.5", "www.instagram.com", true, ip, ttl, 1);
	answer("10.10.32.6", "www.instagram.com", true, ip, ttl, 1);
	NOT_TOLD("addr 198.51.100.96 instagram 3600");
	ck_assert_uint_eq(engine_stats(eng)->untrusted_resolver, 3);
	/* The devices still get their verdicts. */
	ck_assert_uint_eq(told.n, 2);
	ck_assert(strncmp(told.log[0], "verdict 10.10.32.5 BLOCK_GROUP",
	    30) == 0);
	ck_assert(strncmp(told.log[1], "verdict 10.10.32.6 BLOCK_GROUP",
	    30) == 0);
	answer("10.10.32.7", "www.instagram.com", true, ip, ttl, 1);
	TOLD("addr 198.51.100.96 instagram 3600");
	resolver = "10.10.0.53";
}
END_TEST

/*
 * A block that hands over to another: the allowance used up in the
 * break, lessons after it, the allowance still used up after school.
 * The kernel's denial must last to midnight, when a new allowance
 * starts -- not lapse at 10:45 or 16:00.
 */
START_TEST(test_block_stretch)
{
	static const char *const ip[] = { "198.51.100.20" };
	static const uint32_t ttl[] = { 300 };
	/* 10:35 on Monday 23 November, in the break. */
	uint64_t t = 1795424400ULL * 1000000ULL + 95 * 60 * 1000000ULL;

	ck_assert_int_eq(quota_tick(quota, "ip:10.10.0.23", 20780, 1 << 20,
	    1, 1800, 1800), 1800);
	resolver = "10.10.0.53";
	{
		struct observation ob;
		static struct dns_msg msg;
		struct addr a = A(ip[0]);

		memset(&msg, 0, sizeof(msg));
		msg.naddrs = 1;
		msg.addrs[0].family = a.family;
		memcpy(msg.addrs[0].bytes, a.bytes, 16);
		msg.addrs[0].ttl = ttl[0];
		memset(&ob, 0, sizeof(ob));
		ob.ts_us = t;
		ob.proto = OBS_DNS;
		ob.client = A("10.10.0.23");
		ob.server = A("10.10.0.53");
		ob.name = "www.instagram.com";
		ob.name_len = strlen(ob.name);
		ob.platform = catalog_find(cat, "instagram");
		ob.category = "social";
		ob.solicited = true;
		ob.dns = &msg;
		engine_advance(eng, t);
		engine_observe(eng, &ob);
	}
	TOLD("verdict 10.10.0.23 BLOCK_QUOTA 1");
	/* Tuesday 00:00 GMT. */
	ck_assert_int_eq(last_block_until, 1795478400);
	/* The handover at 10:45 re-decides, without shortening it. */
	told.n = 0;
	engine_advance(eng, t + 10 * 60 * 1000000ULL);
	TOLD("verdict 10.10.0.23 BLOCK_LESSONS 1");
	ck_assert_int_eq(last_block_until, 1795478400);
}
END_TEST

/* A person's verdict reaches every address they are listed with, the
 * moment one of their devices meets the platform. */
START_TEST(test_person_devices)
{
	static const char *const ip[] = { "198.51.100.21" };
	static const uint32_t ttl[] = { 300 };

	answer("10.10.0.41", "www.instagram.com", true, ip, ttl, 1);
	TOLD("verdict 10.10.0.41 BLOCK_LESSONS 1");
	TOLD("verdict fd10::41 BLOCK_LESSONS 1");
}
END_TEST

/*
 * Live, direction decides first: an answer a LAN device sent is never
 * trusted, whatever address it claims (the school's resolver included);
 * one this host sent out is judged by its resolver.
 */
START_TEST(test_direction)
{
	static const char *const ip[] = { "198.51.100.60" };
	static const uint32_t ttl[] = { 300 };

	answer_dir = CAPTURE_IN;
	answer("10.10.32.5", "www.instagram.com", true, ip, ttl, 1);
	NOT_TOLD("addr 198.51.100.60 instagram 3600");
	ck_assert_uint_eq(engine_stats(eng)->untrusted_resolver, 1);
	answer_dir = CAPTURE_OUT;
	answer("10.10.32.5", "www.instagram.com", true, ip, ttl, 1);
	TOLD("addr 198.51.100.60 instagram 3600");
	/* Sent out, but from a resolver on the internet one device uses:
	 * still not the school's. */
	told.n = 0;
	resolver = "203.0.113.53";
	answer("10.10.32.5", "www.facebook.com", true, ip + 0, ttl, 1);
	ck_assert_uint_eq(told.n, 1);	/* the verdict only */
	answer_dir = 0;
	resolver = "10.10.0.53";
}
END_TEST

/* Unmanaged clients (outside lan) get no verdicts. */
START_TEST(test_unmanaged)
{
	static const char *const ip[] = { "198.51.100.14" };
	static const uint32_t ttl[] = { 300 };

	answer("192.168.1.9", "www.instagram.com", true, ip, ttl, 1);
	TOLD("addr 198.51.100.14 instagram 3600");
	ck_assert_uint_eq(engine_stats(eng)->verdicts, 0);
}
END_TEST

static Suite *
engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("engine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_trusted_answer);
	tcase_add_test(tc, test_untrusted_answer);
	tcase_add_test(tc, test_never_learned);
	tcase_add_test(tc, test_shared_by_dns);
	tcase_add_test(tc, test_shared_other_first);
	tcase_add_test(tc, test_shared_infra);
	tcase_add_test(tc, test_sni_alone);
	tcase_add_test(tc, test_domain_override_exempts);
	tcase_add_test(tc, test_unmanaged);
	tcase_add_test(tc, test_observed_resolver);
	tcase_add_test(tc, test_block_stretch);
	tcase_add_test(tc, test_person_devices);
	tcase_add_test(tc, test_direction);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(engine_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
