/*
 * control: the daemon's control socket (control_socket, by default
 * /run/schoolgate/control.sock) and its line protocol, version 1, which
 * schoolgatectl(8) speaks and documents:
 *
 *   server: "schoolgate-control 1\n"            on connect
 *   client: "VERB [ARG]\n"                      one request
 *   server: data lines, then "ok\n" or "error: MESSAGE\n", and closes
 *
 * Verbs: status, who, quota PERSON, reload, help, requests [all],
 * approve ID [KEY=VALUE...], deny ID [KEY=VALUE...], overrides.  A
 * request line is at most CONTROL_LINE_MAX bytes of printable ASCII,
 * words separated by one space; a VALUE is %-encoded (%20 a space, %25
 * a '%', UTF-8 bytes as %XX); anything else is an error reply, never a
 * crash.  Only root and members of the group
 * schoolgate-admin may connect (checked with SO_PEERCRED and
 * SO_PEERGROUPS); the socket is mode 0660, group schoolgate-admin when
 * it exists.
 *
 * The server is driven from the daemon's loop: control_fd() in epoll,
 * control_serve() when it is readable.  One request at a time, each with
 * a deadline (CONTROL_TIMEOUT_MS) so a silent client cannot stall the
 * loop for longer.
 */
#ifndef SG_CONTROL_H
#define SG_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CONTROL_VERSION		1
#define CONTROL_GREETING	"schoolgate-control 1\n"
#define CONTROL_LINE_MAX	1024
#define CONTROL_KV_MAX		8	/* KEY=VALUE words after an id */
#define CONTROL_TIMEOUT_MS	1000
#define CONTROL_ADMIN_GROUP	"schoolgate-admin"

enum control_verb {
	CTL_STATUS = 0,
	CTL_WHO,
	CTL_QUOTA,
	CTL_RELOAD,
	CTL_HELP,
	CTL_REQUESTS,
	CTL_APPROVE,
	CTL_DENY,
	CTL_OVERRIDES,
};

struct control_req {
	enum control_verb	verb;
	char			arg[CONTROL_LINE_MAX];	/* "" when none */
};

/*
 * Parse one request line (without its '\n'; a trailing '\r' is refused
 * like any control byte).  Pure.  0 filling *ret, or -EINVAL with a
 * message in why[whylen].
 */
int		 control_parse(const char *line, size_t len,
		    struct control_req *ret, char *why, size_t whylen);
const char	*control_verb_str(enum control_verb);

struct control_kv {
	char	key[16];
	char	value[CONTROL_LINE_MAX];	/* %-decoded, no NUL inside */
};

/*
 * The arguments of approve and deny: "ID [KEY=VALUE...]".  The id into
 * id[idlen], the pairs into kv[CONTROL_KV_MAX] (*nkv of them), keys
 * checked against the NULL-terminated list keys (each at most once).
 * Pure.  0, or -EINVAL with a message in why[whylen].
 */
int		 control_args(const char *arg, const char *const *keys,
		    char *id, size_t idlen, struct control_kv *kv,
		    size_t *nkv, char *why, size_t whylen);
/* %-encode s for a VALUE into buf[len]; false when it does not fit. */
bool		 control_encode(const char *s, char *buf, size_t len);

/* The reply being built: data lines, capped. */
struct control_out;

/* Append one data line (printf-style; control bytes become '?').
 * Lines past the reply's cap are dropped and counted. */
void		 control_printf(struct control_out *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/* A reply of one's own, for tests: its text so far (NUL-terminated). */
struct control_out *control_out_new(void);
const char	*control_out_text(const struct control_out *);
void		 control_out_free(struct control_out *);

/* The daemon's side: fill out; return 0, or -1 with an error message
 * in why[whylen]. */
typedef int	(*control_handler)(const struct control_req *,
		    struct control_out *out, char *why, size_t whylen,
		    void *arg);

struct control;

/* Bind and listen at path (a stale socket file is replaced).  NULL
 * with *cause (malloc'd). */
struct control	*control_open(const char *path, char **cause);
void		 control_close(struct control *);	/* unlinks it */
int		 control_fd(const struct control *);

/* Accept one client and answer its request through fn.  Never blocks
 * longer than CONTROL_TIMEOUT_MS. */
void		 control_serve(struct control *, control_handler fn,
		    void *arg);

/* Is a peer with these credentials allowed?  (root, or a member of
 * admin_gid; admin_gid (gid_t)-1 when the group does not exist.)  Pure. */
bool		 control_allowed(uid_t uid, gid_t gid, const gid_t *groups,
		    size_t ngroups, gid_t admin_gid);

#endif
