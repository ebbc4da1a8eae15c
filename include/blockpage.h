/*
 * blockpage: what a denied device's browser is shown.  The nft rules
 * DNAT TCP/80 of a denied client to [blockpage] listen, and TCP/443 to
 * tls_port when a school CA is configured (ca_cert, ca_key), where a
 * certificate for the name the browser asked for is minted (mint.h).
 *
 *   any path on a platform's name    the block page: the platform, why,
 *                                     until when, minutes used and left,
 *                                     the monitoring notice, a request
 *                                     form
 *   /status                           the person's own allowance, today's
 *                                     timetable, their requests
 *   POST /request                     an unblock request (the form)
 *
 * Host must name a platform of the catalogue or the listen address;
 * anything else is 400.  Who is asking comes from the client's address
 * through the daemon (identity), never from the request.  Every
 * reflected string is HTML-escaped; every response carries a strict CSP
 * and nosniff.  A form post must carry a token bound to the client's
 * address and issued less than BP_TOKEN_AGE ago (an HMAC under a key
 * made at start), an Origin (when sent) of the page's own, and be
 * application/x-www-form-urlencoded of at most BP_BODY_MAX bytes.
 *
 * The core, bp_handle(), has no socket and no clock of its own: tests
 * and the fuzz target drive exactly what a browser reaches.  The server
 * is libmicrohttpd in external epoll mode, driven from the daemon's loop
 * (bp_fds() into its epoll, bp_run() when one is readable and when
 * bp_timeout() says), single-threaded like the rest of the daemon.
 */
#ifndef SG_BLOCKPAGE_H
#define SG_BLOCKPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "policy.h"
#include "requests.h"

struct catalog;
struct config;
struct mint;
struct platform;

#define BP_CONNS_MAX	256	/* connections at once, all listeners */
#define BP_CONNS_PER_IP	16	/* ... from one address */
#define BP_BODY_MAX	8192	/* bytes of a form post */
#define BP_HOST_MAX	255	/* bytes of a Host header */
#define BP_TIMEOUT_S	10	/* an idle connection is closed */
#define BP_TOKEN_AGE	3600	/* seconds a form stays good */
#define BP_TT_MAX	12	/* timetable lines on /status */
#define BP_REQ_SHOWN	10	/* requests on /status */
#define BP_TEXT		96	/* a line of the view */

/* What the daemon knows about a client now (bp_ops.view fills it). */
struct bp_view {
	bool		 managed;	/* false: not a device of the school */
	char		 holder[REQ_NAME_MAX];
	char		 person[REQ_NAME_MAX];	/* "" when none */
	char		 group[REQ_NAME_MAX];
	/* For the platform asked about (none on /status). */
	enum verdict	 verdict;
	char		 until[BP_TEXT];	/* "16:00", "Monday 08:45" */
	/* The allowance, when the group has one. */
	bool		 metered;
	uint32_t	 used, left, allowance;	/* seconds today */
	char		 resets[BP_TEXT];	/* "midnight" */
	char		 today[16];		/* YYYY-MM-DD, local */
	int32_t		 today_day;		/* local day number */
	char		 now[BP_TEXT];		/* "Lesson until 12:15" */
	char		 tt[BP_TT_MAX][BP_TEXT];	/* today's timetable */
	size_t		 ntt;
	const struct request *req[BP_REQ_SHOWN];	/* newest first */
	size_t		 nreq;
	size_t		 req_today;	/* requests made today */
	size_t		 req_per_day;	/* the limit */
};

struct bp_ops {
	/* Fill v for client (p NULL on /status).  0, or -ENOENT when the
	 * client is no device of the school. */
	int	(*view)(void *arg, const struct addr *client,
		    const struct platform *p, struct bp_view *v);
	/* Add the request r (client, platform, domain, need, until, extra
	 * and reason set): 0 and r->id set; -EDQUOT at the daily limit;
	 * -ENOENT unmanaged; another -errno with why. */
	int	(*submit)(void *arg, struct request *r, char *why,
		    size_t whylen);
};

struct bp_opts {
	const struct config	*cfg;
	const struct catalog	*cat;
	struct mint		*mint;		/* NULL: no HTTPS page */
	const struct bp_ops	*ops;
	void			*arg;
};

/* A request as the server received it (strings NUL-terminated, NULL
 * when the header is absent). */
struct bp_req {
	const char		*method;
	const char		*path;		/* without the query */
	const char		*host;
	const char		*origin;
	const char		*content_type;
	const char		*body;		/* may hold any bytes */
	size_t			 bodylen;
	bool			 body_over;	/* more than BP_BODY_MAX sent */
	struct addr		 client;
	bool			 tls;
	int64_t			 real;		/* wall clock, seconds */
};

struct bp_header {
	const char	*name, *value;
};

#define BP_HEADERS_MAX	10

struct bp_resp {
	unsigned		 status;
	char			*body;		/* malloc'd, the caller frees */
	size_t			 len;
	struct bp_header	 headers[BP_HEADERS_MAX];
	size_t			 nheaders;
};

struct bp_stats {
	uint64_t	pages;		/* block pages shown */
	uint64_t	status;		/* /status shown */
	uint64_t	requests;	/* requests made */
	uint64_t	refused;	/* 403: token, origin, not managed */
	uint64_t	limited;	/* 429: the daily limit */
	uint64_t	failed;		/* 503: not saved (spool full...) */
	uint64_t	bad;		/* 400, 405, 413, 415 */
	uint64_t	conn_limit;	/* connections refused: a limit */
	uint64_t	tls_refused;	/* handshakes without a mintable name */
};

struct bp;

/* NULL when memory runs out.  Everything in opts must outlive it. */
struct bp	*bp_new(const struct bp_opts *);
void		 bp_free(struct bp *);	/* closes the listeners too */
/* A reload: the new config and catalogue (the listeners stay). */
void		 bp_reconfigure(struct bp *, const struct config *,
		    const struct catalog *);

/* Answer one request.  0, or -ENOMEM (no response). */
int		 bp_handle(struct bp *, const struct bp_req *,
		    struct bp_resp *);

/* A form token for client at real (the page puts it in the form). */
void		 bp_token(const struct bp *, const struct addr *client,
		    int64_t real, char *buf, size_t len);

/* Listen on [blockpage] listen (each address), and tls_port with a
 * mint.  0, or -1 with *cause. */
int		 bp_listen(struct bp *, char **cause);
/* The descriptors for the loop's epoll; returns how many. */
#define BP_FDS_MAX	4
size_t		 bp_fds(const struct bp *, int fds[BP_FDS_MAX]);
void		 bp_run(struct bp *);
/* Milliseconds until bp_run() has work without a descriptor becoming
 * ready (the rest of a request read in part, a connection's timeout);
 * UINT64_MAX when none. */
uint64_t	 bp_timeout(const struct bp *);
const struct bp_stats *bp_stats(const struct bp *);

#endif
