/*
 * report: what the online-safety lead reads weekly, from the audit log
 * (events.jsonl and its rotations, see events.h): per person (or device
 * without one) and platform, the minutes of allowance used, the blocks
 * met, the circumvention attempts and the unblock requests, over a range
 * of dates.  Read by schoolgatectl report; no daemon needed.
 */
#ifndef SG_REPORT_H
#define SG_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define REPORT_FIELD_MAX	128

/* The fields of one event line the report needs ("" when absent). */
struct report_event {
	char	ts[REPORT_FIELD_MAX];		/* 2026-11-23T10:01:02...Z */
	char	event[REPORT_FIELD_MAX];
	char	person[REPORT_FIELD_MAX];
	char	holder[REPORT_FIELD_MAX];
	char	group[REPORT_FIELD_MAX];
	char	platform[REPORT_FIELD_MAX];
	char	day[REPORT_FIELD_MAX];
	int64_t	used;				/* -1 when absent */
};

/*
 * Read one line of events.jsonl: a flat JSON object of strings and
 * numbers, as events.c writes it.  Pure.  0, or -EINVAL for a line that
 * is not one (a report skips it and counts it).
 */
int	report_parse_line(const char *line, size_t len,
	    struct report_event *ret);

struct report;

struct report_opts {
	const char	*from;		/* YYYY-MM-DD, inclusive, or NULL */
	const char	*to;
	const char	*person;	/* a holder, or NULL for all */
};

struct report	*report_new(const struct report_opts *);
void		 report_free(struct report *);
/* Take one line (ignored when outside the range or not an event). */
void		 report_add_line(struct report *, const char *line,
		    size_t len);
/* Read every events.jsonl* of dir.  0, or -errno with *cause. */
int		 report_read_dir(struct report *, const char *dir,
		    char **cause);
/* Print it: an aligned table, or CSV (cells that a spreadsheet would
 * run as a formula are quoted with a leading "'"). */
void		 report_print(const struct report *, FILE *, bool csv);

#endif
