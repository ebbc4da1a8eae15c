/*
 * libFuzzer target for control.c: the control socket's request line and
 * the reply builder.
 *
 * Checks, besides memory safety: a request that parses is printable
 * ASCII, shorter than CONTROL_LINE_MAX, starts with its verb's word,
 * and its argument is taken from the line, one word except for approve
 * and deny; their KEY=VALUE words (control_args) decode to known keys,
 * each once, and re-encode (control_encode) to words that decode back
 * to the same values.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define check(c)	do { if (!(c)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct control_req r;
	const char *line = (const char *)data, *w;
	char why[256];
	size_t i, wl;

	if (control_parse(line, size, &r, why, sizeof(why)) < 0) {
		check(memchr(why, '\0', sizeof(why)) != NULL && why[0] != '\0');
		return 0;
	}
	check(size > 0 && size < CONTROL_LINE_MAX);
	for (i = 0; i < size; i++)
		check(data[i] >= 0x20 && data[i] <= 0x7e);
	w = control_verb_str(r.verb);
	wl = strlen(w);
	check(size >= wl && memcmp(line, w, wl) == 0);
	if (r.verb == CTL_APPROVE || r.verb == CTL_DENY) {
		static const char *const keys[] = { "until", "who", "extra",
		    "reason", "by", NULL };
		static struct control_kv kv[CONTROL_KV_MAX], kv2[CONTROL_KV_MAX];
		static char again[CONTROL_LINE_MAX * 4];
		char id[64], id2[64], enc[CONTROL_LINE_MAX * 3];
		size_t nkv, nkv2, k, o;

		if (control_args(r.arg, keys, id, sizeof(id), kv, &nkv, why,
		    sizeof(why)) < 0)
			check(why[0] != '\0');
		else {
			check(nkv <= CONTROL_KV_MAX && strchr(id, ' ') == NULL);
			o = (size_t)snprintf(again, sizeof(again), "%s", id);
			for (k = 0; k < nkv; k++) {
				check(strlen(kv[k].value) < CONTROL_LINE_MAX);
				check(control_encode(kv[k].value, enc,
				    sizeof(enc)));
				check(strchr(enc, ' ') == NULL);
				o += (size_t)snprintf(again + o,
				    sizeof(again) - o, " %s=%s", kv[k].key,
				    enc);
				check(o < sizeof(again));
			}
			check(control_args(again, keys, id2, sizeof(id2), kv2,
			    &nkv2, why, sizeof(why)) == 0);
			check(strcmp(id, id2) == 0 && nkv == nkv2);
			for (k = 0; k < nkv; k++)
				check(strcmp(kv[k].key, kv2[k].key) == 0 &&
				    strcmp(kv[k].value, kv2[k].value) == 0);
		}
		return 0;
	}
	check(strchr(r.arg, ' ') == NULL);
	if (r.arg[0] != '\0')
		check(size == wl + 1 + strlen(r.arg) &&
		    memcmp(line + wl + 1, r.arg, strlen(r.arg)) == 0);
	else
		check(size == wl);
	return 0;
}
