/*
 * libFuzzer target for the whole dissection stage: observe.c with the
 * flow table, the DNS query table and every dissector behind it, fed a
 * sequence of Ethernet frames with fuzzed segmentation and timing.
 *
 *	build with scripts/fuzz (it knows the module list), then
 *	build-fuzz/fuzz_observe -max_len=65536 CORPUS build-fuzz/seeds/observe
 *
 * Run from the top of the tree: LLVMFuzzerInitialize loads the shipped
 * catalogue from conf/platforms.d (or $FUZZ_PLATFORMS_DIR) once, so
 * names are classified as in the daemon.  It exits if the catalogue does
 * not load, rather than fuzz without a classifier.
 *
 * Input: records of
 *
 *	length (2 bytes, big-endian)  time step (1 byte)  frame (length bytes)
 *
 * A record that claims more than is left takes what is left.  The time
 * step moves the capture clock before the frame: 0x00..0x7f forward that
 * many milliseconds, 0x80..0xfe forward (step - 0x80) seconds, 0xff back
 * one second (captures merged from several interfaces are not in order).
 * Seconds reach the DNS query timeout (5 s) and the flow timeout (30 s).
 * Each frame is copied to a buffer of exactly its length, so a read past
 * caplen is an ASan report.  tests/fuzz/pcap2seed turns captures into
 * this format.
 *
 * Every observation is checked against what observe.h promises and the
 * JSON writer and the policy stage rely on; at the end, the counters
 * must agree with what was reported.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <pcap/dlt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "dns.h"
#include "http.h"
#include "observe.h"
#include "tls.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define check(c)	do { if (!(c)) abort(); } while (0)

/* 2023-11-14T22:13:20Z: any plausible capture time. */
#define BASE_US	(1700000000ULL * 1000000)

/*
 * One observer serves every input: a fresh one per input spends most of
 * its time allocating and poisoning the 20 MiB of flow buffers.  Each
 * input gets its own stretch of the clock, a day apart (see the end of
 * LLVMFuzzerTestOneInput); the observer is made anew when the clock has
 * run a century ahead.
 */
#define EPOCH_GAP_US	(86400ULL * 1000000)
#define EPOCH_LIMIT_US	(BASE_US + 36500 * EPOCH_GAP_US)

static struct catalog	*cat;
static struct observer	*obs;
/* The clock when the next input starts. */
static uint64_t		 epoch;

/* What the callback saw of the current input. */
static struct run {
	uint64_t	min_now, max_now;	/* capture times so far */
	uint64_t	nobs[OBS_HTTP + 1];
	uint64_t	unanswered;
} run;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir;
	char *cause = NULL;

	(void)argc;
	(void)argv;
	if ((dir = getenv("FUZZ_PLATFORMS_DIR")) == NULL)
		dir = "conf/platforms.d";
	if ((cat = catalog_load_dir(dir, &cause)) == NULL) {
		fprintf(stderr, "fuzz_observe: cannot load the catalogue %s "
		    "(run from the top of the tree or set "
		    "FUZZ_PLATFORMS_DIR):\n%s\n", dir,
		    cause != NULL ? cause : "out of memory");
		free(cause);
		exit(1);
	}
	return 0;
}

/* The platform emit() must have chosen for this name. */
static const struct platform *
expect_platform(const struct observation *ob)
{
	const struct platform *pl = NULL;
	size_t i;

	if (ob->name_len > 0)
		pl = catalog_lookup(cat, ob->name, ob->name_len);
	if (ob->dns == NULL)
		return pl;
	/* DNS: the question, else the first CNAME that names one. */
	for (i = 0; pl == NULL && i < ob->dns->nchain; i++)
		if (ob->dns->chain[i].len > 0)
			pl = catalog_lookup(cat, ob->dns->chain[i].text,
			    ob->dns->chain[i].len);
	return pl;
}

static void
on_observation(const struct observation *ob, void *arg)
{
	bool hello, dns_like, circ;
	size_t i, max;

	(void)arg;
	hello = ob->proto == OBS_TLS || ob->proto == OBS_QUIC;
	/* DNS over TLS or QUIC, told by the port or the ALPN. */
	dns_like = hello && (ob->sport == OBSERVE_DOT_PORT ||
	    ob->alpn_reason != CIRC_NONE);

	check(ob->proto >= OBS_DNS && ob->proto <= OBS_HTTP);
	check(strcmp(obs_proto_str(ob->proto), "?") != 0);
	run.nobs[ob->proto]++;
	check(ob->ts_us >= run.min_now && ob->ts_us <= run.max_now);

	check(ob->client.family == AF_INET || ob->client.family == AF_INET6);
	check(ob->server.family == ob->client.family);

	/* The name: printable ASCII, within the limit of its parser. */
	switch (ob->proto) {
	case OBS_DNS:
		max = DNS_TEXT_MAX - 1;
		break;
	case OBS_TLS:
	case OBS_QUIC:
		max = TLS_SNI_MAX;
		break;
	default:
		max = HTTP_HOST_MAX;
		break;
	}
	check(ob->name_len <= max);
	check(ob->name != NULL || ob->name_len == 0);
	/* A TLS or QUIC hello without a name is reported only when it is
	 * DoT or DoQ: that is the finding. */
	if (ob->proto == OBS_HTTP || (hello && !dns_like))
		check(ob->name_len > 0);
	for (i = 0; i < ob->name_len; i++)
		check(ob->name[i] >= 0x20 && ob->name[i] <= 0x7e);

	/* What belongs to which protocol. */
	check(!(ob->solicited && ob->unanswered));
	if (ob->proto != OBS_DNS)
		check(!ob->solicited && !ob->unanswered && ob->dns == NULL);
	if (ob->proto == OBS_DNS)
		check((ob->dns != NULL) != ob->unanswered);
	if (hello) {
		check(ob->hello != NULL);
		check(ob->hello->has_sni == (ob->name_len > 0));
		check(!ob->hello->has_sni ||
		    (ob->hello->sni_len == ob->name_len &&
		    memcmp(ob->hello->sni, ob->name, ob->name_len) == 0));
		check(ob->ech == ob->hello->has_ech);
		/* The ALPN names the DNS protocol it reports. */
		check(ob->alpn_reason == CIRC_NONE ||
		    (ob->alpn_reason == CIRC_DOT &&
		    strstr(ob->hello->alpn, "dot") != NULL) ||
		    (ob->alpn_reason == CIRC_DOQ &&
		    strstr(ob->hello->alpn, "doq") != NULL));
	} else
		check(ob->hello == NULL && !ob->ech &&
		    ob->alpn_reason == CIRC_NONE);
	if (ob->dns != NULL) {
		check(ob->dns->response);
		check(ob->dns->qname.len == ob->name_len);
		check(ob->dns->nchain <= DNS_MAX_CHAIN);
		check(ob->dns->naddrs <= DNS_MAX_ADDRS);
	}
	if (ob->unanswered)
		run.unanswered++;

	/* The platform is the catalogue's own, and the one lookup gives. */
	if (ob->platform != NULL) {
		check(ob->platform->index < catalog_nplatforms(cat));
		check(catalog_platform(cat, ob->platform->index) ==
		    ob->platform);
	}
	check(ob->platform == expect_platform(ob));

	/* The category and the reason: the platform's, except that DoT and
	 * DoQ are circumvention whatever the name, for the reason the ALPN
	 * gives, else the one the protocol on port 853 gives. */
	circ = ob->platform != NULL && ob->platform->cat == CAT_CIRCUMVENTION;
	check(ob->category != NULL);
	if (dns_like) {
		if (ob->alpn_reason != CIRC_NONE)
			check(ob->reason == ob->alpn_reason);
		else
			check(ob->reason ==
			    (ob->proto == OBS_TLS ? CIRC_DOT : CIRC_DOQ));
		check(strcmp(ob->category, circ ? ob->platform->category :
		    "circumvention") == 0);
	} else {
		check(ob->reason == (circ ? ob->platform->reason : CIRC_NONE));
		check(strcmp(ob->category, ob->platform != NULL ?
		    ob->platform->category : "") == 0);
	}
}

/* Apply a time step byte to the clock (see the top of the file). */
static uint64_t
step(uint64_t now, uint8_t b)
{
	if (b < 0x80)
		return now + (uint64_t)b * 1000;
	if (b < 0xff)
		return now + (uint64_t)(b - 0x80) * 1000000;
	return now - 1000000;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct observer_stats st0, st;
	struct pkt idle;
	uint64_t now, frames = 0;
	uint8_t *frame;
	size_t len;

	if (obs == NULL || epoch > EPOCH_LIMIT_US) {
		observer_free(obs);
		if ((obs = observer_new(cat, on_observation, &run)) == NULL)
			abort();
		epoch = BASE_US;
	}
	st0 = *observer_stats(obs);
	memset(&run, 0, sizeof(run));
	now = epoch;
	run.min_now = run.max_now = now;
	while (size >= 3) {
		len = (size_t)data[0] << 8 | data[1];
		now = step(now, data[2]);
		if (now < run.min_now)
			run.min_now = now;
		if (now > run.max_now)
			run.max_now = now;
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if ((frame = malloc(len > 0 ? len : 1)) == NULL)
			abort();
		memcpy(frame, data, len);
		observer_frame(obs, DLT_EN10MB, frame, len, now);
		free(frame);
		frames++;
		data += len;
		size -= len;
	}
	observer_flush(obs);

	/* The counters moved by what was reported. */
	st = *observer_stats(obs);
	check(st.packets - st0.packets == frames);
	check(st.undecodable - st0.undecodable <= frames);
	check(st.dns_unanswered - st0.dns_unanswered == run.unanswered);
	check(st.dns_unanswered - st0.dns_unanswered <=
	    st.dns_queries - st0.dns_queries);
	check(st.dns_unsolicited - st0.dns_unsolicited <=
	    st.dns_answers - st0.dns_answers);
	check(run.nobs[OBS_DNS] == st.dns_answers - st0.dns_answers +
	    st.dns_unanswered - st0.dns_unanswered);
	check(run.nobs[OBS_TLS] <= st.tls_hellos - st0.tls_hellos);
	check(run.nobs[OBS_QUIC] <= st.quic_hellos - st0.quic_hellos);
	check(run.nobs[OBS_HTTP] == st.http_requests - st0.http_requests);

	/*
	 * Leave both tables empty: an empty packet a day after the last
	 * frame expires every flow (the queries were flushed), and the next
	 * input starts a day later again, so it meets the observer as a
	 * fresh one would, only later in time.
	 */
	memset(&idle, 0, sizeof(idle));
	idle.src.family = idle.dst.family = AF_INET;
	idle.proto = IPPROTO_UDP;
	epoch = run.max_now + EPOCH_GAP_US;
	observer_packet(obs, &idle, epoch);
	check(observer_stats(obs)->dns_unanswered == st.dns_unanswered);
	epoch += EPOCH_GAP_US;
	return 0;
}
