/*
 * requests: unblock requests made from the block page, one file each in
 * state_dir/requests/ (the spool), and what became of them.
 *
 * A request is made by a holder (a person, or "ip:ADDR" for a device
 * without one; never a name from the form) for a platform or a domain:
 * an unblock until a date, or extra time.  The daemon is the spool's only
 * writer: the block page adds requests, schoolgatectl approve/deny decide
 * them through the control socket, the daemon expires pending ones after
 * request_expiry and forgets decided ones after retention_days.  Each
 * change rewrites the request's file with afile_write().
 *
 * The file, ID.req (ID is r-YYYYMMDD-NNNN, the local date it was made):
 *
 *	schoolgate-request 1
 *	id r-20261123-0001
 *	created 1763890000
 *	holder jsmith
 *	person jsmith
 *	group staff
 *	client 10.10.0.23
 *	platform facebook
 *	domain www.facebook.com
 *	need unblock
 *	until 2026-12-18
 *	extra 0
 *	reason For the Year 9 history project%0Aand the trip
 *	status pending
 *	decided 0
 *	by
 *	note
 *
 * Every key once, in that order; values are UTF-8 with '%', control
 * bytes and DEL written %XX.  The reader refuses anything the writer
 * would not write.
 */
#ifndef SG_REQUESTS_H
#define SG_REQUESTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define REQ_ID_MAX	16	/* "r-20261123-0001" and its NUL */
#define REQ_NAME_MAX	64	/* holder, person, group, platform */
#define REQ_DOMAIN_MAX	254	/* a host name and its NUL */
#define REQ_REASON_CHARS 500	/* characters of the person's reason */
#define REQ_REASON_MAX	2000	/* ... and bytes (UTF-8) */
#define REQ_TEXT_MAX	200	/* by, note */
#define REQ_FILE_MAX	4096	/* bytes of one file */
#define REQUESTS_MAX	4096	/* files in the spool: more are refused */
#define REQ_PER_DAY_MAX	9999	/* ids in one day */

enum req_need {
	REQ_UNBLOCK = 0,	/* until a date */
	REQ_EXTRA,		/* extra minutes today */
};

enum req_status {
	REQ_PENDING = 0,
	REQ_APPROVED,
	REQ_DENIED,
	REQ_EXPIRED,
};

struct request {
	char		id[REQ_ID_MAX];
	int64_t		created;	/* unix seconds, the daemon's clock */
	int32_t		day;		/* local day it was made (from id) */
	char		holder[REQ_NAME_MAX];
	char		person[REQ_NAME_MAX];	/* "" when none */
	char		group[REQ_NAME_MAX];	/* "" when none */
	struct addr	client;
	char		platform[REQ_NAME_MAX];	/* catalogue id, or "" */
	char		domain[REQ_DOMAIN_MAX];	/* the name, or "" */
	enum req_need	need;
	int32_t		until;		/* REQ_UNBLOCK: last local day */
	uint32_t	extra;		/* REQ_EXTRA: seconds */
	char		reason[REQ_REASON_MAX + 1];
	enum req_status	status;
	int64_t		decided;	/* unix seconds; 0 while pending */
	char		by[REQ_TEXT_MAX];	/* who decided */
	char		note[REQ_TEXT_MAX];	/* why denied, or the override */
};

const char	*req_need_str(enum req_need);
const char	*req_status_str(enum req_status);

/*
 * The file's text into buf (cap bytes, NUL-terminated): its length, or
 * -ENOSPC when it does not fit, -EINVAL for a field the reader would
 * refuse.  Pure.
 */
int		 request_format(const struct request *, char *buf, size_t cap);
/* Parse a file's text (any bytes): 0, or -EINVAL with why.  Pure. */
int		 request_parse(const char *text, size_t len, struct request *,
		    char *why, size_t whylen);

struct spool;

/*
 * Open dir (created, mode 0750, when missing) and read every *.req in
 * it; a file that does not parse is left alone and counted (see
 * spool_bad).  NULL with *cause when dir cannot be made or read.
 */
struct spool	*spool_open(const char *dir, char **cause);
void		 spool_free(struct spool *);
size_t		 spool_count(const struct spool *);
size_t		 spool_bad(const struct spool *);	/* files refused */
/* The i-th request, in id order (oldest first). */
const struct request *spool_at(const struct spool *, size_t i);
const struct request *spool_get(const struct spool *, const char *id);
/* Requests holder made on local day. */
size_t		 spool_count_day(const struct spool *, const char *holder,
		    int32_t day);

/*
 * Add r (id, day, status and decision fields are set here): the next
 * free id of r->day, written to disk before it counts.  0 and r->id set;
 * -EDQUOT when holder made per_day requests that day already, -ENOSPC
 * when the spool holds REQUESTS_MAX, -errno with *cause when the file
 * could not be written (nothing added).
 */
int		 spool_add(struct spool *, struct request *r, size_t per_day,
		    char **cause);
/*
 * Decide a pending request: status (APPROVED, DENIED or EXPIRED), when,
 * by whom and a note.  0; -ENOENT (no such id), -EALREADY (decided
 * already), -errno with *cause when the file could not be rewritten
 * (the request stays pending).
 */
int		 spool_decide(struct spool *, const char *id,
		    enum req_status, int64_t when, const char *by,
		    const char *note, char **cause);
/*
 * Forget requests decided (or expired) before `before`: their files
 * are removed.  Returns how many.
 */
size_t		 spool_purge(struct spool *, int64_t before);

/* At most max bytes of valid UTF-8 with no control byte but '\n'? */
bool		 request_text_ok(const char *s, size_t max);
/* A host name as a request keeps it: labels of 1..63 of a-z, 0-9 and
 * '-', dot-separated, at most REQ_DOMAIN_MAX - 1 bytes, no final dot. */
bool		 request_domain_ok(const char *s);
/* A valid request id (r-YYYYMMDD-NNNN, a real date)? */
bool		 request_id_valid(const char *id);

#endif
