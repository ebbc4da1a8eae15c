/*
 * metrics: Prometheus text format over libmicrohttpd (see metrics.h).
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "metrics.h"

struct metrics_body {
	char	*buf;
	size_t	 len, cap;
	int	 full;
};

struct metrics {
	struct MHD_Daemon	*mhd;
	metrics_fill		 fn;
	void			*arg;
};

static void
body_put(struct metrics_body *b, const char *s, size_t n)
{
	char *nb;
	size_t cap;

	if (b->full || b->len + n + 1 > METRICS_BODY_MAX) {
		b->full = 1;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 8192;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((nb = realloc(b->buf, cap)) == NULL) {
			b->full = 1;
			return;
		}
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void
metrics_family(struct metrics_body *b, const char *name, const char *type,
    const char *help)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s %s\n",
	    name, help, name, type);
	if (n > 0 && (size_t)n < sizeof(line))
		body_put(b, line, (size_t)n);
}

void
metrics_sample(struct metrics_body *b, const char *name, const char *labels,
    uint64_t value)
{
	char line[1024];
	int n;

	n = snprintf(line, sizeof(line), "%s%s%s%s %llu\n", name,
	    labels ? "{" : "", labels ? labels : "", labels ? "}" : "",
	    (unsigned long long)value);
	if (n > 0 && (size_t)n < sizeof(line))
		body_put(b, line, (size_t)n);
}

void
metrics_label(const char *v, char *buf, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	for (; *v != '\0' && o + 3 < len; v++) {
		if (*v == '\\' || *v == '"') {
			buf[o++] = '\\';
			buf[o++] = *v;
		} else if (*v == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else
			buf[o++] = *v;
	}
	buf[o] = '\0';
}

char *
metrics_render(metrics_fill fn, void *arg, size_t *lenp)
{
	struct metrics_body b;

	memset(&b, 0, sizeof(b));
	fn(&b, arg);
	if (b.buf == NULL && (b.buf = strdup("")) == NULL)
		return NULL;
	*lenp = b.len;
	return b.buf;
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **state)
{
	struct metrics *m = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	unsigned code = MHD_HTTP_OK;
	char *body;
	size_t len;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
		body = strdup("GET /metrics\n");
		len = body ? strlen(body) : 0;
	} else if (strcmp(url, "/metrics") != 0) {
		code = MHD_HTTP_NOT_FOUND;
		body = strdup("see /metrics\n");
		len = body ? strlen(body) : 0;
	} else
		body = metrics_render(m->fn, m->arg, &len);
	if (body == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

struct metrics *
metrics_open(const struct addr *a, uint16_t port, metrics_fill fn, void *arg,
    char **cause)
{
	struct sockaddr_storage ss;
	struct metrics *m;
	unsigned flags = MHD_USE_EPOLL;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		cause_set(cause, "out of memory");
		return NULL;
	}
	m->fn = fn;
	m->arg = arg;
	addr_to_sockaddr(a, port, &ss);
	if (a->family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* Small and bounded: a scrape is one short request. */
	m->mhd = MHD_start_daemon(flags, port, NULL, NULL, answer, m,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)8,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)5,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	    MHD_OPTION_END);
	if (m->mhd == NULL) {
		cause_set(cause, "metrics: cannot listen on port %u: %s",
		    (unsigned)port, strerror(errno));
		free(m);
		return NULL;
	}
	return m;
}

void
metrics_close(struct metrics *m)
{
	if (m == NULL)
		return;
	MHD_stop_daemon(m->mhd);
	free(m);
}

int
metrics_fd(const struct metrics *m)
{
	const union MHD_DaemonInfo *i;

	i = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	return i != NULL ? i->epoll_fd : -1;
}

void
metrics_run(struct metrics *m)
{
	(void)MHD_run(m->mhd);
}
