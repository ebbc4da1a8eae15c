/*
 * replay: run the pipeline over a capture file and print what it sees,
 * one observation per line (an aligned table, or JSON objects whose shape
 * scripts depend on: keys are only ever added, never renamed).
 */
#ifndef SG_REPLAY_H
#define SG_REPLAY_H

#include <stdbool.h>
#include <stdio.h>

#include "classify.h"
#include "observe.h"

struct replay_opts {
	const char		*path;		/* capture file */
	const struct catalog	*cat;		/* may be NULL */
	bool			 json;
	FILE			*out;
};

/* Replay the file.  Returns 0, or -1 with *cause (caller frees). */
int	replay_run(const struct replay_opts *, char **cause);

/* Write one observation as JSON (one line, '\n'-terminated). */
void	replay_print_json(FILE *, const struct observation *);
/* Write one observation as an aligned table row. */
void	replay_print_row(FILE *, const struct observation *);
void	replay_print_header(FILE *);

/* Write s (len bytes) as a JSON string, quotes included.  Every byte
 * outside printable ASCII and the characters " \ < > & are escaped, so
 * the text is safe to paste into HTML or a terminal too. */
void	json_write_string(FILE *, const char *s, size_t len);

/* "2026-11-23T10:01:02.123456Z" into buf (at least 28 bytes). */
void	format_ts_utc(uint64_t ts_us, char *buf, size_t len);

#endif
