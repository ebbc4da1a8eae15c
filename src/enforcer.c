/*
 * enforcer: the privileged half of the daemon and its client (see
 * enforcer.h).
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <linux/capability.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cause.h"
#include "enforcer.h"
#include "log.h"

#define MSG_MAX		65536
#define OPS_PER_MSG	((MSG_MAX - sizeof(struct m_hdr)) / sizeof(struct w_op))
#define RECS_PER_MSG	((MSG_MAX - sizeof(struct m_hdr)) / sizeof(struct w_rec))
#define CAUSE_MAX	512
#define REPLY_TIMEOUT_S	10

enum {
	M_SETUP = 1,
	M_OPS,
	M_COMMIT,
	M_METER,
	M_DENY,
	M_DELETE,
	R_STATUS = 100,
	R_RECS,
};

enum {
	OP_ADD_ADDR = 1,
	OP_DEL_ADDR,
	OP_ADD_FLOW,
	OP_ADD_DENY,
	OP_DEL_DENY,
};

struct m_hdr {
	uint32_t	type;
	uint32_t	count;
};

struct w_op {
	uint32_t	op;
	uint32_t	mark;
	uint64_t	timeout_ms;
	struct addr	a;
	struct addr	b;
	uint16_t	port;
};

struct w_setup {
	uint32_t	nlan;
	uint8_t		persist;
	uint8_t		blockpage;
	uint16_t	bp_port;
	uint16_t	bp_tls_port;
	struct addr	bp4;
	struct addr	bp6;
	struct cidr	lan[ENF_LAN_MAX];
};

struct w_status {
	int32_t		rc;
	uint8_t		adopted;
	uint8_t		destroy;
	char		cause[CAUSE_MAX];
};

struct w_rec {
	struct addr	client;
	uint32_t	mark;
	uint64_t	a;		/* bytes, or timeout_ms */
	uint64_t	b;		/* packets, or expires_ms */
};

struct enf {
	int		 fd;
	pid_t		 pid;
	struct w_op	*ops;
	size_t		 nops, cap;
};

/*
 * Capabilities, without libcap: capset(2) with version 3.
 */
static int
caps_keep(uint64_t keep)
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];

	memset(&h, 0, sizeof(h));
	memset(d, 0, sizeof(d));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &h, d) == -1)
		return -errno;
	return 0;
}

int
enf_drop_all_caps(void)
{
	int r = caps_keep(0);

	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return r;
}

/*
 * The enforcer process.
 */
static void
reply_status(int fd, int rc, bool adopted, bool destroy, const char *cause)
{
	struct {
		struct m_hdr	h;
		struct w_status	s;
	} m;

	memset(&m, 0, sizeof(m));
	m.h.type = R_STATUS;
	m.s.rc = rc;
	m.s.adopted = adopted;
	m.s.destroy = destroy;
	if (cause != NULL)
		snprintf(m.s.cause, sizeof(m.s.cause), "%s", cause);
	(void)send(fd, &m, sizeof(m), MSG_NOSIGNAL);
}

static bool
addr_ok(const struct addr *a)
{
	return a->family == AF_INET || a->family == AF_INET6;
}

/* Check one element change from the daemon and put it in the batch. */
static int
op_apply(struct nft_batch *b, const struct w_op *o)
{
	if (!addr_ok(&o->a) || o->timeout_ms > ENF_TIMEOUT_MAX_MS ||
	    o->mark > 0x7fffffffu)
		return -EINVAL;
	switch (o->op) {
	case OP_ADD_ADDR:
		return o->mark == 0 ? -EINVAL :
		    nft_add_addr(b, &o->a, o->mark, o->timeout_ms);
	case OP_DEL_ADDR:
		return nft_del_addr(b, &o->a);
	case OP_ADD_FLOW:
		if (o->b.family != o->a.family)
			return -EINVAL;
		return nft_add_flow(b, &o->a, &o->b, o->port, o->mark,
		    o->timeout_ms);
	case OP_ADD_DENY:
		return o->mark == 0 ? -EINVAL :
		    nft_add_deny(b, &o->a, o->mark, o->timeout_ms);
	case OP_DEL_DENY:
		return o->mark == 0 ? -EINVAL :
		    nft_del_deny(b, &o->a, o->mark);
	}
	return -EINVAL;
}

struct recs {
	int		fd;
	struct m_hdr	h;
	struct w_rec	v[RECS_PER_MSG];
};

static void
recs_flush(struct recs *r)
{
	static char buf[MSG_MAX];
	size_t n = r->h.count * sizeof(r->v[0]);

	if (r->h.count == 0)
		return;
	/* Header and records back to back, whatever the struct's padding
	 * between them. */
	r->h.type = R_RECS;
	memcpy(buf, &r->h, sizeof(r->h));
	memcpy(buf + sizeof(r->h), r->v, n);
	(void)send(r->fd, buf, sizeof(r->h) + n, MSG_NOSIGNAL);
	r->h.count = 0;
}

static void
recs_add(struct recs *r, const struct addr *c, uint32_t mark, uint64_t a,
    uint64_t b)
{
	struct w_rec *w = &r->v[r->h.count++];

	memset(w, 0, sizeof(*w));
	w->client = *c;
	w->mark = mark;
	w->a = a;
	w->b = b;
	if (r->h.count == RECS_PER_MSG)
		recs_flush(r);
}

static void
on_meter(const struct addr *client, uint32_t mark, uint64_t bytes,
    uint64_t packets, void *arg)
{
	recs_add(arg, client, mark, bytes, packets);
}

static void
on_deny(const uint8_t *key, size_t keylen, const uint8_t *data,
    size_t datalen, uint64_t timeout_ms, uint64_t expires_ms, void *arg)
{
	struct addr c;
	uint32_t mark;
	size_t alen;

	(void)data;
	(void)datalen;
	memset(&c, 0, sizeof(c));
	if (keylen == 8) {
		c.family = AF_INET;
		alen = 4;
	} else if (keylen == 20) {
		c.family = AF_INET6;
		alen = 16;
	} else
		return;
	memcpy(c.bytes, key, alen);
	memcpy(&mark, key + alen, sizeof(mark));
	recs_add(arg, &c, mark, timeout_ms, expires_ms);
}

static int
setup(struct nft *n, struct nft_batch *b, const struct w_setup *w,
    bool *adopted, char **cause)
{
	struct nft_setup ns;
	size_t i;
	int r;

	if (w->nlan > ENF_LAN_MAX) {
		cause_set(cause, "setup: %u prefixes", w->nlan);
		return -EINVAL;
	}
	for (i = 0; i < w->nlan; i++) {
		if (!addr_ok(&w->lan[i].a) || w->lan[i].prefix >
		    (w->lan[i].a.family == AF_INET ? 32 : 128)) {
			cause_set(cause, "setup: a bad prefix");
			return -EINVAL;
		}
	}
	memset(&ns, 0, sizeof(ns));
	ns.lan = w->lan;
	ns.nlan = w->nlan;
	ns.persist = w->persist != 0;
	ns.blockpage = w->blockpage != 0;
	ns.bp4 = w->bp4;
	ns.bp6 = w->bp6;
	ns.bp_port = w->bp_port;
	ns.bp_tls_port = w->bp_tls_port;
	if ((r = nft_table_exists(n, cause)) < 0)
		return r;
	*adopted = r == 1;
	nft_batch_reset(b);
	if ((r = nft_build_setup(b, &ns)) < 0) {
		cause_set(cause, "setup: cannot build the table");
		return r;
	}
	r = nft_commit(n, b, cause);
	nft_batch_reset(b);
	return r;
}

static _Noreturn void
enforcer_main(int fd)
{
	static union {
		struct m_hdr	h;
		char		buf[MSG_MAX];
	} m;
	static struct recs recs;
	struct nft_batch *b;
	struct nft *n;
	const struct w_op *ops;
	char *cause = NULL;
	bool adopted = false, destroy, poisoned = false;
	ssize_t len;
	size_t i;
	int r;

	(void)prctl(PR_SET_NAME, "sg-enforcer", 0, 0, 0);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	/* CAP_NET_ADMIN and nothing else, for good. */
	if (caps_keep((uint64_t)1 << CAP_NET_ADMIN) < 0 &&
	    geteuid() == 0)
		log_warn("enforcer: capset");
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if ((n = nft_open(&cause)) == NULL || (b = nft_batch_new()) == NULL) {
		log_warnx("enforcer: %s", cause ? cause : "out of memory");
		_exit(1);
	}
	destroy = nft_destroy_supported(n);
	nft_batch_destroy(b, destroy);
	recs.fd = fd;
	for (;;) {
		len = recv(fd, &m, sizeof(m), 0);
		if (len == -1 && errno == EINTR)
			continue;
		if (len <= 0)
			_exit(0);	/* the daemon is gone */
		if ((size_t)len < sizeof(m.h)) {
			reply_status(fd, -EINVAL, false, false, "short message");
			continue;
		}
		free(cause);
		cause = NULL;
		switch (m.h.type) {
		case M_SETUP:
			if ((size_t)len != sizeof(m.h) +
			    sizeof(struct w_setup)) {
				reply_status(fd, -EINVAL, false, false,
				    "setup: bad size");
				break;
			}
			r = setup(n, b, (const struct w_setup *)(m.buf +
			    sizeof(m.h)), &adopted, &cause);
			reply_status(fd, r, adopted, destroy, cause);
			break;
		case M_OPS:
			/* Queued into the batch; answered at commit. */
			if (m.h.count > OPS_PER_MSG || (size_t)len !=
			    sizeof(m.h) + m.h.count * sizeof(struct w_op)) {
				poisoned = true;
				break;
			}
			ops = (const struct w_op *)(m.buf + sizeof(m.h));
			for (i = 0; i < m.h.count; i++)
				if (op_apply(b, &ops[i]) < 0)
					poisoned = true;
			break;
		case M_COMMIT:
			if (poisoned) {
				nft_batch_reset(b);
				poisoned = false;
				reply_status(fd, -EINVAL, false, false,
				    "the daemon sent a bad element; nothing "
				    "applied");
				break;
			}
			r = nft_batch_count(b) == 0 ? 0 :
			    nft_commit(n, b, &cause);
			nft_batch_reset(b);
			reply_status(fd, r, false, false, cause);
			break;
		case M_METER:
			r = nft_meter_read(n, on_meter, &recs, &cause);
			recs_flush(&recs);
			reply_status(fd, r, false, false, cause);
			break;
		case M_DENY:
			if (m.h.count != 4 && m.h.count != 6) {
				reply_status(fd, -EINVAL, false, false,
				    "deny: family 4 or 6");
				break;
			}
			r = nft_set_read(n, m.h.count == 4 ? "deny4" : "deny6",
			    on_deny, &recs, &cause);
			recs_flush(&recs);
			reply_status(fd, r, false, false, cause);
			break;
		case M_DELETE:
			nft_batch_reset(b);
			r = nft_build_delete(b);
			if (r == 0)
				r = nft_commit(n, b, &cause);
			nft_batch_reset(b);
			reply_status(fd, r, false, false, cause);
			break;
		default:
			reply_status(fd, -EINVAL, false, false,
			    "unknown message");
			break;
		}
	}
}

/*
 * The client.
 */
struct enf *
enf_start(char **cause)
{
	struct timeval tv = { REPLY_TIMEOUT_S, 0 };
	struct enf *e;
	int sv[2], size = 1 << 20;
	pid_t pid;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		cause_set(cause, "out of memory");
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		cause_set(cause, "socketpair: %s", strerror(errno));
		free(e);
		return NULL;
	}
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if ((pid = fork()) == -1) {
		cause_set(cause, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		free(e);
		return NULL;
	}
	if (pid == 0) {
		close(sv[0]);
		/* Nothing of the daemon's but stderr and the channel. */
		if (sv[1] > 3)
			(void)close_range(3, (unsigned)sv[1] - 1, 0);
		(void)close_range((unsigned)sv[1] + 1, ~0U, 0);
		enforcer_main(sv[1]);
	}
	close(sv[1]);
	(void)setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	e->fd = sv[0];
	e->pid = pid;
	return e;
}

void
enf_close(struct enf *e)
{
	if (e == NULL)
		return;
	close(e->fd);
	(void)waitpid(e->pid, NULL, 0);
	free(e->ops);
	free(e);
}

pid_t
enf_pid(const struct enf *e)
{
	return e->pid;
}

/* Wait for the status, handing records to fn. */
static int
await(struct enf *e, void (*fn)(const struct w_rec *, void *), void *arg,
    bool *adopted, bool *destroy, char **cause)
{
	static union {
		struct m_hdr	h;
		char		buf[MSG_MAX];
	} m;
	const struct w_status *s;
	const struct w_rec *v;
	ssize_t len;
	size_t i;

	for (;;) {
		len = recv(e->fd, &m, sizeof(m), 0);
		if (len == -1 && errno == EINTR)
			continue;
		if (len <= 0) {
			cause_set(cause, "the enforcer is gone (%s)",
			    len == 0 ? "closed" : strerror(errno));
			return -EPIPE;
		}
		if (m.h.type == R_RECS && (size_t)len == sizeof(m.h) +
		    m.h.count * sizeof(struct w_rec)) {
			v = (const struct w_rec *)(m.buf + sizeof(m.h));
			for (i = 0; fn != NULL && i < m.h.count; i++)
				fn(&v[i], arg);
			continue;
		}
		if (m.h.type != R_STATUS ||
		    (size_t)len != sizeof(m.h) + sizeof(*s)) {
			cause_set(cause, "a bad reply from the enforcer");
			return -EPROTO;
		}
		s = (const struct w_status *)(m.buf + sizeof(m.h));
		if (adopted != NULL)
			*adopted = s->adopted != 0;
		if (destroy != NULL)
			*destroy = s->destroy != 0;
		if (s->rc < 0)
			cause_set(cause, "%.*s", (int)sizeof(s->cause),
			    s->cause);
		return s->rc;
	}
}

static int
send_msg(struct enf *e, uint32_t type, uint32_t count, const void *body,
    size_t len, char **cause)
{
	static char buf[MSG_MAX];
	struct m_hdr h = { type, count };

	if (sizeof(h) + len > sizeof(buf))
		return -EMSGSIZE;
	memcpy(buf, &h, sizeof(h));
	if (len > 0)
		memcpy(buf + sizeof(h), body, len);
	if (send(e->fd, buf, sizeof(h) + len, MSG_NOSIGNAL) == -1) {
		cause_set(cause, "enforcer: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int
enf_setup(struct enf *e, const struct nft_setup *ns, bool *adopted,
    bool *destroy, char **cause)
{
	struct w_setup w;
	int r;

	if (ns->nlan > ENF_LAN_MAX) {
		cause_set(cause, "more than %d LAN prefixes", ENF_LAN_MAX);
		return -EINVAL;
	}
	memset(&w, 0, sizeof(w));
	w.nlan = (uint32_t)ns->nlan;
	w.persist = ns->persist;
	w.blockpage = ns->blockpage;
	w.bp_port = ns->bp_port;
	w.bp_tls_port = ns->bp_tls_port;
	w.bp4 = ns->bp4;
	w.bp6 = ns->bp6;
	memcpy(w.lan, ns->lan, ns->nlan * sizeof(w.lan[0]));
	if ((r = send_msg(e, M_SETUP, 0, &w, sizeof(w), cause)) < 0)
		return r;
	return await(e, NULL, NULL, adopted, destroy, cause);
}

int
enf_delete_table(struct enf *e, char **cause)
{
	int r;

	if ((r = send_msg(e, M_DELETE, 0, NULL, 0, cause)) < 0)
		return r;
	return await(e, NULL, NULL, NULL, NULL, cause);
}

static int
queue(struct enf *e, uint32_t op, const struct addr *a, const struct addr *b,
    uint16_t port, uint32_t mark, uint64_t timeout_ms)
{
	struct w_op *o;
	size_t cap;

	if (e->nops >= ENF_OPS_MAX)
		return -ENOSPC;
	if (e->nops == e->cap) {
		cap = e->cap ? e->cap * 2 : 256;
		if ((o = reallocarray(e->ops, cap, sizeof(*o))) == NULL)
			return -ENOMEM;
		e->ops = o;
		e->cap = cap;
	}
	o = &e->ops[e->nops++];
	memset(o, 0, sizeof(*o));
	o->op = op;
	o->mark = mark;
	o->timeout_ms = timeout_ms;
	o->a = *a;
	if (b != NULL)
		o->b = *b;
	o->port = port;
	return 0;
}

int
enf_add_addr(struct enf *e, const struct addr *server, uint32_t mark,
    uint64_t timeout_ms)
{
	return queue(e, OP_ADD_ADDR, server, NULL, 0, mark, timeout_ms);
}

int
enf_del_addr(struct enf *e, const struct addr *server)
{
	return queue(e, OP_DEL_ADDR, server, NULL, 0, 0, 0);
}

int
enf_add_flow(struct enf *e, const struct addr *client,
    const struct addr *server, uint16_t cport, uint32_t mark,
    uint64_t timeout_ms)
{
	return queue(e, OP_ADD_FLOW, client, server, cport, mark, timeout_ms);
}

int
enf_add_deny(struct enf *e, const struct addr *client, uint32_t mark,
    uint64_t timeout_ms)
{
	return queue(e, OP_ADD_DENY, client, NULL, 0, mark, timeout_ms);
}

int
enf_del_deny(struct enf *e, const struct addr *client, uint32_t mark)
{
	return queue(e, OP_DEL_DENY, client, NULL, 0, mark, 0);
}

size_t
enf_pending(const struct enf *e)
{
	return e->nops;
}

int
enf_commit(struct enf *e, char **cause)
{
	size_t i, n;
	int r = 0;

	for (i = 0; i < e->nops && r == 0; i += n) {
		n = e->nops - i < OPS_PER_MSG ? e->nops - i : OPS_PER_MSG;
		r = send_msg(e, M_OPS, (uint32_t)n, &e->ops[i],
		    n * sizeof(e->ops[0]), cause);
	}
	e->nops = 0;
	if (r < 0 || (r = send_msg(e, M_COMMIT, 0, NULL, 0, cause)) < 0)
		return r;
	return await(e, NULL, NULL, NULL, NULL, cause);
}

struct meter_cb {
	void	(*fn)(const struct addr *, uint32_t, uint64_t, uint64_t,
		    void *);
	void	*arg;
};

static void
meter_rec(const struct w_rec *w, void *arg)
{
	struct meter_cb *c = arg;

	c->fn(&w->client, w->mark, w->a, w->b, c->arg);
}

int
enf_meter_read(struct enf *e, void (*fn)(const struct addr *, uint32_t,
    uint64_t, uint64_t, void *), void *arg, char **cause)
{
	struct meter_cb c = { fn, arg };
	int r;

	if ((r = send_msg(e, M_METER, 0, NULL, 0, cause)) < 0)
		return r;
	return await(e, meter_rec, &c, NULL, NULL, cause);
}

int
enf_deny_read(struct enf *e, int family, void (*fn)(const struct addr *,
    uint32_t, uint64_t, uint64_t, void *), void *arg, char **cause)
{
	struct meter_cb c = { fn, arg };
	int r;

	if ((r = send_msg(e, M_DENY, family == AF_INET6 ? 6 : 4, NULL, 0,
	    cause)) < 0)
		return r;
	return await(e, meter_rec, &c, NULL, NULL, cause);
}
