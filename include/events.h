/*
 * events: the audit log.  Every block and unblock, allowance used up,
 * circumvention attempt, override applied or rejected, reload, start and
 * stop is one JSON object a line in log_dir/events.jsonl, and a line in
 * the journal.  Fields are the UK DfE filtering minimum: UTC time, the
 * device's address and MAC, person and group where known, platform, the
 * name seen, the rule and the verdict.  Only names and counters are kept,
 * never payloads (UK GDPR data minimisation).
 *
 * Bounded: the file is rotated when it passes EVENTS_FILE_MAX
 * (events.jsonl.1 ... .EVENTS_KEEP), rotated files older than
 * retention_days are deleted, and each device may log at most
 * EVENTS_BURST events at once and EVENTS_PER_MIN a minute -- a flood
 * from one device cannot fill the disk; what is dropped is counted and
 * said once a minute.
 */
#ifndef SG_EVENTS_H
#define SG_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define EVENTS_FILE		"events.jsonl"
#define EVENTS_FILE_MAX		(16 * 1024 * 1024)
#define EVENTS_KEEP		64		/* rotated files at most */
#define EVENTS_BURST		30
#define EVENTS_PER_MIN		30
#define EVENTS_LINE_MAX		2048

enum event_kind {
	EV_START = 0,
	EV_STOP,
	EV_RELOAD,
	EV_BLOCK,		/* a device's platform became blocked */
	EV_UNBLOCK,		/* ... and allowed again */
	EV_QUOTA,		/* the allowance is used up */
	EV_CIRCUMVENTION,	/* a circumvention platform was reached for */
	EV_USAGE,		/* allowance used so far today */
	EV_OVERRIDE_APPLIED,
	EV_OVERRIDE_REJECTED,
	EV_RATE_LIMITED,	/* events of a device dropped */
	EV_REQUEST,		/* an unblock request from the block page */
	EV_APPROVED,		/* ... approved (an override written) */
	EV_DENIED,		/* ... denied */
	EV_EXPIRED,		/* ... left pending past request_expiry */
};

/* Any pointer may be NULL, a number -1: the field is left out. */
struct event {
	enum event_kind		 kind;
	uint64_t		 ts_us;		/* UTC */
	const struct addr	*client;
	const uint8_t		*mac;		/* 6 bytes */
	const char		*person;
	const char		*group;
	const char		*holder;
	const char		*platform;
	const char		*name;		/* the name seen */
	const char		*rule;		/* what decided it */
	const char		*verdict;
	const char		*until;		/* local time text */
	const char		*detail;	/* override id, error... */
	int64_t			 used;		/* seconds, EV_USAGE/QUOTA */
	const char		*day;		/* YYYY-MM-DD, EV_USAGE */
};

const char	*event_kind_str(enum event_kind);

/* One event as a JSON line, '\n' ended, into buf[len] (cut, never
 * overrun).  Every string escaped for JSON, HTML and terminals.  Pure. */
size_t		 event_format(const struct event *, char *buf, size_t len);

struct events;

struct events_stats {
	uint64_t	written;
	uint64_t	rate_limited;	/* dropped by the per-device limit */
	uint64_t	write_errors;
	uint64_t	rotations;
	uint64_t	purged;		/* files removed for their age */
};

/* Open (create) dir/events.jsonl for appending.  NULL with *cause. */
struct events	*events_open(const char *dir, uint32_t retention_days,
		    char **cause);
void		 events_close(struct events *);

/* Log one event (rate limit, file, journal).  now_us is the loop's
 * clock (it drives the limit and the retention). */
void		 events_emit(struct events *, const struct event *,
		    uint64_t now_us);

const struct events_stats *events_stats(const struct events *);

#endif
