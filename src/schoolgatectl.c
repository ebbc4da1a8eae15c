/*
 * schoolgatectl: talk to schoolgated over its control socket.
 *
 *   schoolgatectl [-f conf | -s socket] status | who | quota PERSON |
 *       reload | help
 *
 * The protocol (version 1) is in control.h and schoolgatectl(8).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "control.h"

#define DEFAULT_SOCKET	"/run/schoolgate/control.sock"
#define TIMEOUT_MS	10000

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: schoolgatectl [-f conf | -s socket] "
	    "status | who | quota PERSON | reload | help\n");
	exit(2);
}

/* Read until the server closes or the deadline; return the bytes. */
static char *
read_reply(int fd, size_t *lenp)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t len = 0, cap = 8192;
	char *buf, *nb;
	ssize_t n;

	if ((buf = malloc(cap)) == NULL)
		return NULL;
	for (;;) {
		if (poll(&pfd, 1, TIMEOUT_MS) <= 0)
			break;
		if (len == cap) {
			if (cap >= (size_t)64 << 20 ||
			    (nb = realloc(buf, cap * 2)) == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	*lenp = len;
	return buf;
}

int
main(int argc, char *argv[])
{
	const char *path = NULL, *conffile = NULL;
	struct sockaddr_un sun;
	struct config *cfg = NULL;
	char req[CONTROL_LINE_MAX + 2], *buf, *cause = NULL, *last, *end;
	size_t len, glen = strlen(CONTROL_GREETING);
	int ch, fd, n, rc;

	while ((ch = getopt(argc, argv, "f:hs:")) != -1) {
		switch (ch) {
		case 'f':
			conffile = optarg;
			break;
		case 's':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2 || (path != NULL && conffile != NULL))
		usage();
	if (path == NULL && conffile != NULL) {
		if ((cfg = config_load(conffile, &cause)) == NULL) {
			fprintf(stderr, "%s", cause ? cause : "bad config\n");
			return 1;
		}
		path = cfg->gateway.control_socket;
	}
	if (path == NULL)
		path = DEFAULT_SOCKET;
	n = snprintf(req, sizeof(req), "%s%s%s\n", argv[0], argc == 2 ? " " :
	    "", argc == 2 ? argv[1] : "");
	if (n < 0 || (size_t)n >= sizeof(req)) {
		fprintf(stderr, "schoolgatectl: request too long\n");
		return 2;
	}

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "schoolgatectl: %s: path too long\n", path);
		return 1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "schoolgatectl: %s: %s (is schoolgated "
		    "running?)\n", path, strerror(errno));
		return 1;
	}
	config_free(cfg);
	if (write(fd, req, (size_t)n) != n) {
		fprintf(stderr, "schoolgatectl: write: %s\n", strerror(errno));
		return 1;
	}
	shutdown(fd, SHUT_WR);
	if ((buf = read_reply(fd, &len)) == NULL) {
		fprintf(stderr, "schoolgatectl: out of memory\n");
		return 1;
	}
	close(fd);

	/* The greeting: the protocol version we speak, or an early error
	 * (permission denied comes before it). */
	if (len >= 7 && memcmp(buf, "error: ", 7) == 0) {
		fprintf(stderr, "schoolgatectl: %.*s", (int)len, buf + 7);
		return 1;
	}
	if (len < glen || memcmp(buf, CONTROL_GREETING, glen) != 0) {
		fprintf(stderr, "schoolgatectl: %s does not speak the "
		    "schoolgate control protocol %d\n", path, CONTROL_VERSION);
		return 1;
	}
	/* The last line is the outcome. */
	end = buf + len;
	if (len == glen || end[-1] != '\n') {
		fprintf(stderr, "schoolgatectl: the reply was cut short\n");
		return 1;
	}
	for (last = end - 1; last > buf + glen && last[-1] != '\n'; last--)
		;
	fwrite(buf + glen, 1, (size_t)(last - (buf + glen)), stdout);
	if (end - last == 3 && memcmp(last, "ok\n", 3) == 0)
		rc = 0;
	else {
		fprintf(stderr, "schoolgatectl: %.*s",
		    (int)(end - last) - (strncmp(last, "error: ", 7) == 0 ?
		    7 : 0), last + (strncmp(last, "error: ", 7) == 0 ? 7 : 0));
		rc = 1;
	}
	free(buf);
	return rc;
}
