/*
 * replay: run the pipeline over a capture file and print what it sees,
 * one observation per line (an aligned table, or JSON objects whose shape
 * scripts depend on: keys are only ever added, never renamed).
 */
#ifndef SG_REPLAY_H
#define SG_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "classify.h"
#include "config.h"
#include "observe.h"

struct replay_opts {
	const char		*path;		/* capture file */
	const struct catalog	*cat;		/* may be NULL */
	/* With a config (and a catalogue), verdicts and the quota too:
	 * the capture's timestamps are the clock, its bytes the meter. */
	const struct config	*cfg;		/* may be NULL */
	bool			 json;
	bool			 stats;		/* a summary on stderr at the end */
	FILE			*out;
};

/* Replay the file.  Returns 0, or -1 with *cause (caller frees). */
int	replay_run(const struct replay_opts *, char **cause);

/*
 * Observation formatting, shared with the daemon's event log.  A
 * formatter keeps the text of the last second it printed, so a busy
 * capture costs no calendar arithmetic per line.
 */
struct obs_format {
	int64_t		sec;		/* second whose text is cached, or -1 */
	char		text[24];	/* "2026-11-23T10:01:02" */
};

void	obs_format_init(struct obs_format *);
/* One observation as a JSON object or an aligned table row, '\n' ended,
 * into buf; returns the length (the line is cut, never overrun, at
 * len - 1).  Every string is escaped: safe for terminals, HTML, JSON. */
size_t	obs_format_json(struct obs_format *, const struct observation *,
	    char *buf, size_t len);
size_t	obs_format_row(struct obs_format *, const struct observation *,
	    char *buf, size_t len);
/* The table's header line. */
const char *obs_format_header(void);

/* "2026-11-23T10:01:02.123456Z" into buf (at least 28 bytes). */
void	format_ts_utc(struct obs_format *, uint64_t ts_us, char *buf,
	    size_t len);

#endif
