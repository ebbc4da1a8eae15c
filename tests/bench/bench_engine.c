/*
 * bench_engine: the daemon's memory with 5 000 devices and 100 000
 * learned addresses, and the engine's cost per observation.
 *
 *   build/bench_engine [DEVICES [ADDRESSES]]
 *
 * Loads the shipped catalogue and a config whose pupils' and staff
 * ranges hold the devices, then feeds the engine trusted DNS answers
 * (one new address each, platforms in turn) from the devices in turn,
 * and a ClientHello and some bytes per answer, through a recording
 * enforcer that counts what it is told.  Prints the peak RSS of the
 * whole process (catalogue and config included) and observations per
 * second.  Figures, not a test.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "engine.h"
#include "overrides.h"
#include "tz.h"

static unsigned long told;

static void
on_addr(void *arg, const struct addr *s, const struct platform *p,
    uint32_t ttl)
{
	(void)arg;
	(void)s;
	(void)p;
	(void)ttl;
	told++;
}

static void
on_flow(void *arg, const struct addr *c, const struct addr *s, uint16_t port,
    uint8_t proto, const struct platform *p, bool exempt)
{
	(void)arg;
	(void)c;
	(void)s;
	(void)port;
	(void)proto;
	(void)p;
	(void)exempt;
	told++;
}

static void
on_verdict(const struct engine_verdict *ev, void *arg)
{
	(void)ev;
	(void)arg;
	told++;
}

static double
secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	static const struct engine_enforcer enf = {
		.addr = on_addr,
		.flow = on_flow,
	};
	static struct dns_msg msg;
	unsigned long devices = argc > 1 ? strtoul(argv[1], NULL, 10) : 5000;
	unsigned long naddrs = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	char path[] = "/tmp/bench_engine.XXXXXX", conf[64], *cause = NULL;
	const struct platform *pl;
	struct engine_opts eo;
	struct observation ob;
	struct overrides *ovr;
	struct schedule *sched;
	struct identity *id;
	struct config *cfg;
	struct catalog *cat;
	struct engine *e;
	struct quota *q;
	struct rusage ru;
	struct tz *tz;
	struct pkt pk;
	uint64_t now = 1795424400ULL * 1000000ULL;	/* a Monday, 09:00 */
	unsigned long i, np;
	double t0, t1;
	FILE *f;

	if (mkdtemp(path) == NULL)
		return 1;
	snprintf(conf, sizeof(conf), "%s/s.conf", path);
	if ((f = fopen(conf, "w")) == NULL)
		return 1;
	fprintf(f, "[gateway]\ninterface = eth1\nlan = 10.0.0.0/8\n"
	    "overrides_dir = %s\n[schedule]\nlessons = 08:45-16:00\n"
	    "[group staff]\nmembers = 10.1.0.0/16\noutside = quota\n"
	    "[group pupils]\nmembers = 10.2.0.0/16\n"
	    "platforms = social, circumvention\n", path);
	fclose(f);
	if ((cfg = config_load(conf, &cause)) == NULL ||
	    (cat = catalog_load_dir("conf/platforms.d", &cause)) == NULL ||
	    (tz = tz_load("Europe/London", &cause)) == NULL ||
	    (sched = schedule_new(cfg, tz, &cause)) == NULL ||
	    (ovr = overrides_load_dir(path, cfg, cat, &cause)) == NULL ||
	    (id = identity_new(cfg, &cause)) == NULL) {
		fprintf(stderr, "bench_engine: %s\n", cause ? cause : "?");
		return 1;
	}
	q = quota_new();
	memset(&eo, 0, sizeof(eo));
	eo.cfg = cfg;
	eo.cat = cat;
	eo.id = id;
	eo.policy.cfg = cfg;
	eo.policy.sched = sched;
	eo.policy.ovr = ovr;
	eo.quota = q;
	eo.cb = on_verdict;
	eo.enf = &enf;
	if ((e = engine_new(&eo)) == NULL)
		return 1;
	np = catalog_nplatforms(cat);

	t0 = secs();
	for (i = 0; i < naddrs; i++) {
		unsigned long dev = i % devices;

		pl = catalog_platform(cat, i % np);
		memset(&ob, 0, sizeof(ob));
		ob.ts_us = now + i * 1000;
		ob.proto = OBS_DNS;
		ob.client.family = AF_INET;
		ob.client.bytes[0] = 10;
		ob.client.bytes[1] = (uint8_t)(1 + dev % 2);
		ob.client.bytes[2] = (uint8_t)(dev / 2 / 256);
		ob.client.bytes[3] = (uint8_t)(dev / 2 % 256);
		ob.server.family = AF_INET;
		ob.server.bytes[0] = 10;
		ob.server.bytes[3] = 53;
		ob.name = pl->id;
		ob.name_len = strlen(pl->id);
		ob.platform = pl;
		ob.category = pl->category;
		ob.solicited = true;
		memset(&msg, 0, sizeof(msg));
		msg.naddrs = 1;
		msg.addrs[0].family = AF_INET;
		msg.addrs[0].bytes[0] = (uint8_t)(100 + i / 65536 % 100);
		msg.addrs[0].bytes[1] = (uint8_t)(i / 256);
		msg.addrs[0].bytes[2] = (uint8_t)i;
		msg.addrs[0].bytes[3] = 1;
		msg.addrs[0].ttl = 3600;
		ob.dns = &msg;
		engine_advance(e, ob.ts_us);
		engine_observe(e, &ob);

		/* The device then connects and exchanges some bytes. */
		ob.proto = OBS_TLS;
		ob.dns = NULL;
		ob.server.bytes[0] = msg.addrs[0].bytes[0];
		ob.server.bytes[1] = msg.addrs[0].bytes[1];
		ob.server.bytes[2] = msg.addrs[0].bytes[2];
		ob.server.bytes[3] = 1;
		ob.cport = (uint16_t)(40000 + i % 20000);
		ob.sport = 443;
		engine_observe(e, &ob);
		memset(&pk, 0, sizeof(pk));
		pk.src = ob.server;
		pk.dst = ob.client;
		pk.sport = 443;
		pk.dport = ob.cport;
		pk.proto = 6;
		pk.l3len = 1400;
		engine_packet(e, &pk, ob.ts_us);
	}
	t1 = secs();
	getrusage(RUSAGE_SELF, &ru);
	printf("engine: %lu devices, %lu answers: %llu addresses learned, "
	    "%llu pushed out of the address cache, %llu named flows pushed "
	    "out, %llu refused; %lu enforcer calls\n", devices, naddrs,
	    (unsigned long long)engine_stats(e)->learned,
	    (unsigned long long)engine_stats(e)->full_ips,
	    (unsigned long long)engine_stats(e)->full_flows,
	    (unsigned long long)engine_stats(e)->full, told);
	printf("engine: %.2f M observations/s (DNS answer + ClientHello + "
	    "a packet each)\n", 2.0 * (double)naddrs / (t1 - t0) / 1e6);
	printf("engine: peak RSS %.1f MiB with catalogue and config "
	    "(target < 32 MiB)\n", (double)ru.ru_maxrss / 1024.0);
	engine_free(e);
	quota_free(q);
	identity_free(id);
	overrides_free(ovr);
	schedule_free(sched);
	tz_free(tz);
	catalog_free(cat);
	config_free(cfg);
	unlink(conf);
	rmdir(path);
	return 0;
}
