/*
 * replay: capture file -> observer -> printed observations.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "dns.h"
#include "observe.h"
#include "replay.h"
#include "tls.h"

void
format_ts_utc(uint64_t ts_us, char *buf, size_t len)
{
	time_t sec = (time_t)(ts_us / 1000000u);
	struct tm tm;
	char day[32];

	if (gmtime_r(&sec, &tm) == NULL ||
	    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		day[0] = '\0';
	snprintf(buf, len, "%s.%06uZ", day, (unsigned)(ts_us % 1000000u));
}

void
json_write_string(FILE *f, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	putc('"', f);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			putc('\\', f);
			putc(c, f);
		} else if (c < 0x20 || c > 0x7e || c == '<' || c == '>' ||
		    c == '&') {
			fputs("\\u00", f);
			putc(hex[c >> 4], f);
			putc(hex[c & 15], f);
		} else
			putc(c, f);
	}
	putc('"', f);
}

static void
json_key_str(FILE *f, const char *key, const char *s, size_t len)
{
	fprintf(f, ",\"%s\":", key);
	json_write_string(f, s, len);
}

void
replay_print_json(FILE *f, const struct observation *ob)
{
	char ts[40], c[ADDR_STRLEN], s[ADDR_STRLEN], a[ADDR_STRLEN];
	const struct platform *pl = ob->platform;
	size_t i;

	format_ts_utc(ob->ts_us, ts, sizeof(ts));
	addr_format_port(&ob->client, ob->cport, c, sizeof(c));
	addr_format_port(&ob->server, ob->sport, s, sizeof(s));
	fprintf(f, "{\"ts\":\"%s\",\"proto\":\"%s\",\"client\":\"%s\","
	    "\"server\":\"%s\"", ts, obs_proto_str(ob->proto), c, s);
	json_key_str(f, "name", ob->name, ob->name_len);
	json_key_str(f, "platform", pl ? pl->id : "", pl ? strlen(pl->id) : 0);
	json_key_str(f, "category", ob->category, strlen(ob->category));
	if (ob->reason != CIRC_NONE)
		fprintf(f, ",\"reason\":\"%s\"", circ_reason_str(ob->reason));
	if (ob->ech)
		fputs(",\"ech\":true", f);
	if (ob->proto == OBS_DNS) {
		fputs(",\"addrs\":[", f);
		for (i = 0; ob->dns != NULL && i < ob->dns->naddrs; i++) {
			struct addr ad;

			ad.family = ob->dns->addrs[i].family;
			memcpy(ad.bytes, ob->dns->addrs[i].bytes,
			    sizeof(ad.bytes));
			addr_format(&ad, a, sizeof(a));
			fprintf(f, "%s\"%s\"", i ? "," : "", a);
		}
		putc(']', f);
		if (ob->unanswered)
			fputs(",\"answered\":false", f);
	}
	fputs("}\n", f);
}

void
replay_print_header(FILE *f)
{
	fprintf(f, "%-15s %-4s %-21s %-21s %-32s %-12s %s\n", "TIME (UTC)",
	    "PROTO", "CLIENT", "SERVER", "NAME", "PLATFORM", "CATEGORY");
}

void
replay_print_row(FILE *f, const struct observation *ob)
{
	char ts[40], c[ADDR_STRLEN], s[ADDR_STRLEN], name[4 * 256 + 1];
	const struct platform *pl = ob->platform;
	size_t i, n;

	format_ts_utc(ob->ts_us, ts, sizeof(ts));
	addr_format_port(&ob->client, ob->cport, c, sizeof(c));
	addr_format_port(&ob->server, ob->sport, s, sizeof(s));
	/* Names are printable already; be strict anyway for terminals. */
	n = ob->name_len < sizeof(name) - 1 ? ob->name_len : sizeof(name) - 1;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)ob->name[i];

		name[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	name[n] = '\0';
	fprintf(f, "%-15.15s %-5s %-21s %-21s %-32s %-12s %s", ts + 11,
	    obs_proto_str(ob->proto), c, s, name, pl ? pl->id : "-",
	    ob->category[0] ? ob->category : "-");
	if (ob->reason != CIRC_NONE)
		fprintf(f, " (%s)", circ_reason_str(ob->reason));
	if (ob->ech)
		fputs(" ech", f);
	if (ob->unanswered)
		fputs(" (no answer)", f);
	putc('\n', f);
}

struct replay_ctx {
	struct observer			*obs;
	const struct replay_opts	*opts;
};

static void
on_observation(const struct observation *ob, void *arg)
{
	const struct replay_opts *o = ((struct replay_ctx *)arg)->opts;

	if (o->json)
		replay_print_json(o->out, ob);
	else
		replay_print_row(o->out, ob);
}

static void
on_frame(void *arg, int dlt, const uint8_t *frame, size_t caplen,
    uint64_t ts_us)
{
	struct replay_ctx *rc = arg;

	observer_frame(rc->obs, dlt, frame, caplen, ts_us);
}

int
replay_run(const struct replay_opts *opts, char **cause)
{
	static char outbuf[1 << 16];
	struct replay_ctx rc;
	struct capture *cap;
	int n;

	if ((cap = capture_open_file(opts->path, cause)) == NULL)
		return -1;
	rc.opts = opts;
	rc.obs = observer_new(opts->cat, on_observation, &rc);
	if (rc.obs == NULL) {
		capture_close(cap);
		*cause = strdup("out of memory");
		return -1;
	}
	setvbuf(opts->out, outbuf, _IOFBF, sizeof(outbuf));
	if (!opts->json)
		replay_print_header(opts->out);
	while ((n = capture_dispatch(cap, -1, on_frame, &rc, cause)) > 0)
		;
	observer_flush(rc.obs);
	fflush(opts->out);
	observer_free(rc.obs);
	capture_close(cap);
	return n < 0 ? -1 : 0;
}
