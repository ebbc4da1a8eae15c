/*
 * schoolgatectl: talk to schoolgated over its control socket.
 *
 *   schoolgatectl [-f conf | -s socket] status | who | quota PERSON |
 *       reload | help
 *   schoolgatectl [-f conf] report [--from DATE] [--to DATE]
 *       [--person P] [--csv] [--dir LOG_DIR]
 *
 * The protocol (version 1) is in control.h and schoolgatectl(8).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "report.h"

#define DEFAULT_SOCKET	"/run/schoolgate/control.sock"
#define TIMEOUT_MS	10000

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: schoolgatectl [-f conf | -s socket] "
	    "status | who | quota PERSON | reload | help\n"
	    "       schoolgatectl [-f conf] report [--from date] [--to date] "
	    "[--person p] [--csv] [--dir log_dir]\n");
	exit(2);
}

static bool
date_ok(const char *s)
{
	struct config_date d;
	char why[128];

	return config_parse_date(s, &d, why, sizeof(why)) == 0;
}

/* report: read the audit log directly; no daemon needed. */
static int
report_main(int argc, char *argv[], const char *conffile)
{
	static const struct option longopts[] = {
		{ "from",	required_argument,	NULL,	'F' },
		{ "to",		required_argument,	NULL,	'T' },
		{ "person",	required_argument,	NULL,	'p' },
		{ "csv",	no_argument,		NULL,	'c' },
		{ "dir",	required_argument,	NULL,	'd' },
		{ NULL,		0,			NULL,	0 },
	};
	struct report_opts ro;
	struct report *r;
	struct config *cfg = NULL;
	const char *dir = NULL;
	char *cause = NULL;
	bool csv = false;
	int ch, rc;

	memset(&ro, 0, sizeof(ro));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'F':
			ro.from = optarg;
			break;
		case 'T':
			ro.to = optarg;
			break;
		case 'p':
			ro.person = optarg;
			break;
		case 'c':
			csv = true;
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (ro.from && !date_ok(ro.from)) ||
	    (ro.to && !date_ok(ro.to))) {
		fprintf(stderr, "schoolgatectl: dates are YYYY-MM-DD\n");
		usage();
	}
	if (dir == NULL && conffile != NULL) {
		if ((cfg = config_load(conffile, &cause)) == NULL) {
			fprintf(stderr, "%s", cause ? cause : "bad config\n");
			return 1;
		}
		dir = cfg->gateway.log_dir;
	}
	if (dir == NULL)
		dir = "/var/log/schoolgate";
	if ((r = report_new(&ro)) == NULL)
		return 1;
	if (report_read_dir(r, dir, &cause) < 0) {
		fprintf(stderr, "schoolgatectl: %s\n", cause ? cause : "?");
		rc = 1;
	} else {
		report_print(r, stdout, csv);
		rc = 0;
	}
	report_free(r);
	config_free(cfg);
	return rc;
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

	while ((ch = getopt(argc, argv, "+f:hs:")) != -1) {
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
	if (argc >= 1 && strcmp(argv[0], "report") == 0)
		return report_main(argc, argv, conffile);
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
