/*
 * approve: the headteacher's side of unblock requests -- the control
 * verbs requests, approve, deny and overrides (see schoolgatectl(8)) --
 * and the expiry of requests nobody decided.
 *
 * Approving writes overrides_dir/ID.conf (atomically, never replacing a
 * file) from the request: the platform (or domain), who (the person who
 * asked, or the device's address when it has no person), from today
 * until the date asked for (an unblock) or today (extra time), the
 * reason, approved_by and the request's id.  The text is checked with
 * override_parse() against the running configuration and catalogue
 * before it is written, so an approval never drops a file the daemon
 * would reject.  The request is marked approved only once the file is
 * durable; the caller then loads overrides_dir again.
 */
#ifndef SG_APPROVE_H
#define SG_APPROVE_H

#include <stdbool.h>
#include <stdint.h>

#include "requests.h"

struct catalog;
struct config;
struct control_out;
struct overrides;
struct spool;
struct tz;

struct approve_ctx {
	const struct config	*cfg;
	const struct catalog	*cat;
	const struct tz		*tz;
	struct spool		*spool;
	const struct overrides	*ovr;
	int64_t			 now;	/* the daemon's clock, seconds */
};

/* "requests [all]": pending ones (all: every one in the spool). */
void	approve_list(const struct approve_ctx *, bool all,
	    struct control_out *);
/*
 * "approve ID [until=DATE] [who=WHO] [extra=DURATION] [by=NAME]" and
 * "deny ID [reason=TEXT] [by=NAME]" (arg is what follows the verb).
 * 0 with *done the decided request (for the audit event), or -1 with
 * why.  Nothing changes on failure.
 */
int	approve_approve(const struct approve_ctx *, const char *arg,
	    struct control_out *, struct request *done, char *why,
	    size_t whylen);
int	approve_deny(const struct approve_ctx *, const char *arg,
	    struct control_out *, struct request *done, char *why,
	    size_t whylen);
/* "overrides": in force, not yet, expired, and rejected with why. */
void	approve_overrides(const struct approve_ctx *, struct control_out *);
/*
 * Expire pending requests older than request_expiry and forget decided
 * ones older than retention_days.  fn is called for each expired one.
 * Returns how many expired.
 */
size_t	approve_expire(const struct approve_ctx *,
	    void (*fn)(const struct request *, void *), void *arg);

#endif
