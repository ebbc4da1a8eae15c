/*
 * libFuzzer target for report.c: lines of an audit log (events.jsonl),
 * which a report reads back even when someone edited the file.
 *
 * Checks, besides memory safety: a line that parses has a ts and an
 * event, every field is NUL-terminated within its size, and feeding the
 * whole input to a report, line by line, then printing it (table and
 * CSV) never fails.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define check(c)	do { if (!(c)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct report_event ev;
	struct report_opts ro = { NULL, NULL, NULL };
	struct report *r;
	FILE *devnull;

	if (report_parse_line(p, size, &ev) == 0) {
		check(ev.ts[0] != '\0' && ev.event[0] != '\0');
		check(memchr(ev.holder, '\0', sizeof(ev.holder)) != NULL);
		check(memchr(ev.day, '\0', sizeof(ev.day)) != NULL);
	}
	if ((r = report_new(&ro)) == NULL)
		return 0;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		report_add_line(r, p, (size_t)(nl - p));
		p = nl + 1;
	}
	if ((devnull = fopen("/dev/null", "w")) != NULL) {
		report_print(r, devnull, false);
		report_print(r, devnull, true);
		fclose(devnull);
	}
	report_free(r);
	return 0;
}
