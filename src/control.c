/*
 * control: the control socket and its line protocol (see control.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cause.h"
#include "hex.h"
#include "control.h"
#include "log.h"

#define OUT_MAX		(4 * 1024 * 1024)	/* bytes of one reply */
#define PEER_GROUPS_MAX	256

struct control_out {
	char	*buf;
	size_t	 len, cap;
	size_t	 dropped;	/* lines past OUT_MAX */
};

struct control {
	int	 fd;
	char	*path;
	gid_t	 admin_gid;
};

static const struct {
	const char		*word;
	enum control_verb	 verb;
	int			 arg;	/* see control_parse */
} verbs[] = {
	{ "status",	CTL_STATUS,	0 },
	{ "who",	CTL_WHO,	0 },
	{ "quota",	CTL_QUOTA,	1 },
	{ "reload",	CTL_RELOAD,	0 },
	{ "help",	CTL_HELP,	0 },
	{ "requests",	CTL_REQUESTS,	2 },
	{ "approve",	CTL_APPROVE,	3 },
	{ "deny",	CTL_DENY,	3 },
	{ "overrides",	CTL_OVERRIDES,	0 },
};

const char *
control_verb_str(enum control_verb v)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].verb == v)
			return verbs[i].word;
	return "?";
}

int
control_parse(const char *line, size_t len, struct control_req *ret,
    char *why, size_t whylen)
{
	size_t i, wlen, alen;
	const char *arg;

	if (len == 0) {
		snprintf(why, whylen, "empty request (try help)");
		return -EINVAL;
	}
	if (len >= CONTROL_LINE_MAX) {
		snprintf(why, whylen, "request longer than %d bytes",
		    CONTROL_LINE_MAX - 1);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c > 0x7e) {
			snprintf(why, whylen, "byte 0x%02x at %zu: a request "
			    "is printable ASCII", c, i + 1);
			return -EINVAL;
		}
	}
	for (wlen = 0; wlen < len && line[wlen] != ' '; wlen++)
		;
	arg = line + wlen;
	alen = len - wlen;
	if (alen > 0) {
		arg++;
		alen--;
		if (alen == 0 || arg[0] == ' ' || arg[alen - 1] == ' ' ||
		    memmem(arg, alen, "  ", 2) != NULL) {
			snprintf(why, whylen, "words after the verb are "
			    "separated by one space");
			return -EINVAL;
		}
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strlen(verbs[i].word) != wlen ||
		    memcmp(verbs[i].word, line, wlen) != 0)
			continue;
		/* arg: 0 none, 1 one word, 2 one optional word, 3 words */
		if ((verbs[i].arg == 1 || verbs[i].arg == 3) && alen == 0) {
			snprintf(why, whylen, "%s needs an argument",
			    verbs[i].word);
			return -EINVAL;
		}
		if (verbs[i].arg == 0 && alen > 0) {
			snprintf(why, whylen, "%s takes no argument",
			    verbs[i].word);
			return -EINVAL;
		}
		if (verbs[i].arg != 3 && memchr(arg, ' ', alen) != NULL) {
			snprintf(why, whylen, "%s takes one word",
			    verbs[i].word);
			return -EINVAL;
		}
		memset(ret, 0, sizeof(*ret));
		ret->verb = verbs[i].verb;
		memcpy(ret->arg, arg, alen);
		return 0;
	}
	snprintf(why, whylen, "unknown verb '%.*s' (try help)",
	    (int)(wlen > 32 ? 32 : wlen), line);
	return -EINVAL;
}

int
control_args(const char *arg, const char *const *keys, char *id,
    size_t idlen, struct control_kv *kv, size_t *nkv, char *why,
    size_t whylen)
{
	const char *p = arg, *w, *eq, *end;
	size_t n, k, i, o;
	int hi, lo;

	*nkv = 0;
	n = strcspn(p, " ");
	if (n == 0 || n >= idlen) {
		snprintf(why, whylen, "expected an id first");
		return -EINVAL;
	}
	memcpy(id, p, n);
	id[n] = '\0';
	p += n;
	while (*p == ' ') {
		w = ++p;
		n = strcspn(w, " ");
		end = w + n;
		p = end;
		if ((eq = memchr(w, '=', n)) == NULL || eq == w) {
			snprintf(why, whylen, "'%.*s' is not KEY=VALUE",
			    (int)(n > 40 ? 40 : n), w);
			return -EINVAL;
		}
		for (k = 0; keys[k] != NULL; k++)
			if (strlen(keys[k]) == (size_t)(eq - w) &&
			    memcmp(keys[k], w, (size_t)(eq - w)) == 0)
				break;
		if (keys[k] == NULL) {
			snprintf(why, whylen, "unknown key '%.*s'",
			    (int)(eq - w > 16 ? 16 : eq - w), w);
			return -EINVAL;
		}
		for (i = 0; i < *nkv; i++)
			if (strcmp(kv[i].key, keys[k]) == 0) {
				snprintf(why, whylen, "%s given twice",
				    keys[k]);
				return -EINVAL;
			}
		if (*nkv >= CONTROL_KV_MAX) {
			snprintf(why, whylen, "too many KEY=VALUE words");
			return -EINVAL;
		}
		snprintf(kv[*nkv].key, sizeof(kv[*nkv].key), "%s", keys[k]);
		for (o = 0, w = eq + 1; w < end; w++) {
			char c = *w;

			if (c == '%') {
				if (end - w < 3 || (hi = hex_digit(w[1])) < 0 ||
				    (lo = hex_digit(w[2])) < 0 ||
				    (hi == 0 && lo == 0)) {
					snprintf(why, whylen, "bad %%-escape in "
					    "%s", keys[k]);
					return -EINVAL;
				}
				c = (char)(hi << 4 | lo);
				w += 2;
			}
			if (o + 1 >= sizeof(kv[*nkv].value)) {
				snprintf(why, whylen, "%s too long", keys[k]);
				return -EINVAL;
			}
			kv[*nkv].value[o++] = c;
		}
		kv[*nkv].value[o] = '\0';
		(*nkv)++;
	}
	return 0;
}

bool
control_encode(const char *s, char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	size_t o = 0;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c <= 0x20 || c >= 0x7f || c == '%') {
			if (o + 3 >= len)
				return false;
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else {
			if (o + 1 >= len)
				return false;
			buf[o++] = (char)c;
		}
	}
	if (len == 0)
		return false;
	buf[o] = '\0';
	return true;
}

/* The length of the printable character at s (ASCII, or a UTF-8
 * sequence that is neither overlong, a surrogate nor a C1 control), or
 * 0. */
static size_t
utf8_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k, need;
	uint32_t cp;

	if (p[0] >= 0x20 && p[0] <= 0x7e)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		need = 1;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		need = 2;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		need = 3;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (need >= n)
		return 0;
	for (k = 1; k <= need; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if ((need == 1 && cp < 0xa0) || (need == 2 && cp < 0x800) ||
	    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

void
control_printf(struct control_out *out, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	size_t n, i, k, cap;
	int r;
	char *nb;

	va_start(ap, fmt);
	r = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	n = (size_t)r < sizeof(line) ? (size_t)r : sizeof(line) - 1;
	/* A reply line is one line of text, whatever a value holds:
	 * control bytes, broken UTF-8 and the C1 controls become '?'. */
	for (i = 0; i < n; i += k) {
		k = utf8_len(line + i, n - i);
		if (k == 0) {
			line[i] = '?';
			k = 1;
		}
	}
	if (out->len + n + 1 > OUT_MAX) {
		out->dropped++;
		return;
	}
	if (out->len + n + 2 > out->cap) {
		cap = out->cap ? out->cap : 4096;
		while (cap < out->len + n + 2)
			cap *= 2;
		if ((nb = realloc(out->buf, cap)) == NULL) {
			out->dropped++;
			return;
		}
		out->buf = nb;
		out->cap = cap;
	}
	memcpy(out->buf + out->len, line, n);
	out->buf[out->len + n] = '\n';
	out->len += n + 1;
	out->buf[out->len] = '\0';
}

struct control_out *
control_out_new(void)
{
	return calloc(1, sizeof(struct control_out));
}

const char *
control_out_text(const struct control_out *out)
{
	return out->buf != NULL ? out->buf : "";
}

void
control_out_free(struct control_out *out)
{
	if (out == NULL)
		return;
	free(out->buf);
	free(out);
}

bool
control_allowed(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups,
    gid_t admin_gid)
{
	size_t i;

	if (uid == 0)
		return true;
	if (admin_gid == (gid_t)-1)
		return false;
	if (gid == admin_gid)
		return true;
	for (i = 0; i < ngroups; i++)
		if (groups[i] == admin_gid)
			return true;
	return false;
}

struct control *
control_open(const char *path, char **cause)
{
	struct sockaddr_un sun;
	struct control *c;
	struct group *gr;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		cause_set(cause, "control socket %s: path too long", path);
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(path)) == NULL) {
		free(c);
		cause_set(cause, "out of memory");
		return NULL;
	}
	gr = getgrnam(CONTROL_ADMIN_GROUP);
	c->admin_gid = gr != NULL ? gr->gr_gid : (gid_t)-1;
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	/* A socket file left by a daemon that died is stale: only one
	 * schoolgated runs (it owns the table). */
	(void)unlink(path);
	if (bind(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0660) == -1 ||
	    (c->admin_gid != (gid_t)-1 && chown(path, (uid_t)-1,
	    c->admin_gid) == -1) ||
	    listen(c->fd, 8) == -1)
		goto fail;
	return c;
fail:
	cause_set(cause, "control socket %s: %s", path, strerror(errno));
	if (c->fd > 0)
		close(c->fd);
	free(c->path);
	free(c);
	return NULL;
}

void
control_close(struct control *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	(void)unlink(c->path);
	free(c->path);
	free(c);
}

int
control_fd(const struct control *c)
{
	return c->fd;
}

static long
ms_left(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (end->tv_sec - now.tv_sec) * 1000 +
	    (end->tv_nsec - now.tv_nsec) / 1000000;
}

/* Write all of buf before the deadline, or give up. */
static void
write_all(int fd, const char *buf, size_t len, const struct timespec *end)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	ssize_t n;
	long ms;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return;
		if ((ms = ms_left(end)) <= 0 || poll(&pfd, 1, (int)ms) <= 0)
			return;
	}
}

static void
reply_error(int fd, const char *msg, const struct timespec *end)
{
	char line[CONTROL_LINE_MAX + 64];
	int n;

	n = snprintf(line, sizeof(line), "error: %s\n", msg);
	if (n > 0)
		write_all(fd, line, (size_t)n < sizeof(line) ? (size_t)n :
		    sizeof(line) - 1, end);
}

void
control_serve(struct control *c, control_handler fn, void *arg)
{
	struct control_req req;
	struct control_out out;
	struct timespec end;
	struct pollfd pfd;
	struct ucred cr;
	gid_t groups[PEER_GROUPS_MAX];
	socklen_t sl;
	char line[CONTROL_LINE_MAX + 1], why[256];
	size_t len = 0, ngroups = 0;
	ssize_t n;
	char *nl = NULL;
	long ms;
	int fd;

	if ((fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1)
		return;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_nsec += (CONTROL_TIMEOUT_MS % 1000) * 1000000L;
	end.tv_sec += CONTROL_TIMEOUT_MS / 1000 + end.tv_nsec / 1000000000L;
	end.tv_nsec %= 1000000000L;

	sl = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &sl) == -1) {
		close(fd);
		return;
	}
	sl = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &sl) == 0)
		ngroups = sl / sizeof(groups[0]);
	if (!control_allowed(cr.uid, cr.gid, groups, ngroups, c->admin_gid)) {
		log_warnx("control: refused uid %u (not root or in %s)",
		    (unsigned)cr.uid, CONTROL_ADMIN_GROUP);
		reply_error(fd, "permission denied: root or the group "
		    CONTROL_ADMIN_GROUP " only", &end);
		close(fd);
		return;
	}
	write_all(fd, CONTROL_GREETING, strlen(CONTROL_GREETING), &end);

	/* One line, before the deadline. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (nl == NULL && len < sizeof(line) - 1) {
		n = recv(fd, line + len, sizeof(line) - 1 - len, 0);
		if (n > 0) {
			len += (size_t)n;
			nl = memchr(line, '\n', len);
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			break;
		if ((ms = ms_left(&end)) <= 0 || poll(&pfd, 1, (int)ms) <= 0)
			break;
	}
	if (nl == NULL) {
		reply_error(fd, len >= sizeof(line) - 1 ?
		    "request too long" : "no request (a line ending in \\n)",
		    &end);
		close(fd);
		return;
	}
	if (control_parse(line, (size_t)(nl - line), &req, why,
	    sizeof(why)) < 0) {
		reply_error(fd, why, &end);
		close(fd);
		return;
	}
	memset(&out, 0, sizeof(out));
	why[0] = '\0';
	if (fn(&req, &out, why, sizeof(why), arg) < 0) {
		write_all(fd, out.buf, out.len, &end);
		reply_error(fd, why[0] ? why : "failed", &end);
	} else {
		write_all(fd, out.buf, out.len, &end);
		if (out.dropped > 0) {
			int k = snprintf(why, sizeof(why),
			    "(%zu more lines not shown)\n", out.dropped);

			if (k > 0 && (size_t)k < sizeof(why))
				write_all(fd, why, (size_t)k, &end);
		}
		write_all(fd, "ok\n", 3, &end);
	}
	free(out.buf);
	close(fd);
}
