/*
 * libFuzzer target for control.c: the control socket's request line and
 * the reply builder.
 *
 * Checks, besides memory safety: a request that parses is printable
 * ASCII, shorter than CONTROL_LINE_MAX, starts with its verb's word,
 * and its argument is one word (no blanks) taken from the line; a reply
 * line never carries a control byte or a newline of its own.
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
	check(strchr(r.arg, ' ') == NULL);
	if (r.arg[0] != '\0')
		check(size == wl + 1 + strlen(r.arg) &&
		    memcmp(line + wl + 1, r.arg, strlen(r.arg)) == 0);
	else
		check(size == wl);
	return 0;
}
