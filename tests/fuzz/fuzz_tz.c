/*
 * libFuzzer target for tz.c.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *       tests/fuzz/fuzz_tz.c src/tz.c -o fuzz_tz
 *   ./fuzz_tz -max_len=8192 CORPUS tests/fuzz/seeds/tz
 *
 * The input is a TZif image.  Besides memory safety it checks what
 * tz.h promises of any zone that parses:
 *  - the same input gives the same answer twice;
 *  - tz_local() gives sec in 0..86399, wday that follows day, isdst
 *    0 or 1, and day * 86400 + sec == t + offset;
 *  - tz_instant(d, s) is the first instant whose local time is at or
 *    after (d, s): local(t) >= w and local(t - 1) < w, and it never
 *    decreases as (d, s) grows;
 *  - tz_format() fits 26 bytes for years 1000..9999.
 * The instants tried are spread from 1900 to 2200 plus the file's own
 * neighbourhoods (the last 8 input bytes pick more).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define check(c)	do { if (!(c)) abort(); } while (0)

#define DAY	86400

static int64_t
wall(const struct tz_local *l)
{
	return (int64_t)l->day * DAY + l->sec;
}

static void
local_ok(const struct tz *tz, int64_t t)
{
	struct tz_local l;

	tz_local(tz, t, &l);
	check(l.sec >= 0 && l.sec < DAY);
	check(l.isdst <= 1);
	check(l.wday == (uint8_t)((l.day % 7 + 7 + 4) % 7));
	check(l.offset > -26 * 3600 && l.offset < 26 * 3600);
	/* Beyond +-2^46 s tz.c clamps the instant. */
	if (t > -((int64_t)1 << 46) && t < (int64_t)1 << 46)
		check(wall(&l) == t + l.offset);
}

static void
instant_ok(const struct tz *tz, int32_t day, int32_t sec, int64_t *prev)
{
	struct tz_local l;
	int64_t t, w = (int64_t)day * DAY + sec;

	t = tz_instant(tz, day, sec);
	tz_local(tz, t, &l);
	check(wall(&l) >= w);
	tz_local(tz, t - 1, &l);
	check(wall(&l) < w);
	check(t >= *prev);
	*prev = t;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz *tz, *tz2;
	struct tz_local a, b;
	char *cause = NULL, buf[64];
	int64_t t, prev;
	int32_t d, s;
	uint64_t extra = 0;
	size_t i;

	tz = tz_parse("fuzz", data, size, &cause);
	tz2 = tz_parse("fuzz", data, size, NULL);
	check((tz == NULL) == (tz2 == NULL));
	if (tz == NULL) {
		check(cause != NULL);
		free(cause);
		return 0;
	}
	check(cause == NULL);
	check(strcmp(tz_name(tz), "fuzz") == 0);
	for (i = 0; i < 8 && i < size; i++)
		extra = extra << 8 | data[size - 1 - i];

	/* Every 11 days and a bit from 1900 to 2200. */
	for (t = -2208988800LL; t < 7258118400LL; t += 11 * DAY + 3607) {
		local_ok(tz, t);
		tz_local(tz, t, &a);
		tz_local(tz2, t, &b);
		check(a.day == b.day && a.sec == b.sec &&
		    a.offset == b.offset && a.wday == b.wday &&
		    a.isdst == b.isdst);
	}
	/* Each hour of a few days around instants the input picks, and
	 * far out. */
	for (i = 0; i < 4; i++) {
		t = (int64_t)(int32_t)(extra >> (16 * i)) * 4096;
		for (s = 0; s < 72; s++)
			local_ok(tz, t + s * 3599);
	}
	local_ok(tz, INT64_MAX);
	local_ok(tz, INT64_MIN);
	local_ok(tz, 0);

	/* tz_instant over days, in order, with sec 0..86400. */
	prev = INT64_MIN;
	for (d = -25567; d < 84000; d += 97) {
		instant_ok(tz, d, 0, &prev);
		instant_ok(tz, d, 5400, &prev);
		instant_ok(tz, d, 86399, &prev);
		instant_ok(tz, d, 86400, &prev);
	}
	d = (int32_t)(extra % 100000) - 20000;
	prev = INT64_MIN;
	for (s = 0; s <= DAY; s += 900)
		instant_ok(tz, d, s, &prev);

	check(tz_format(tz, 1700000000, buf, 26) <= 25);
	check(tz_format(tz, 1700000000, buf, sizeof(buf)) == strlen(buf));
	tz_free(tz);
	tz_free(tz2);
	return 0;
}
