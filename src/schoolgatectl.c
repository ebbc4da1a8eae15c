/*
 * schoolgatectl: talk to schoolgated over its control socket.
 *
 *   schoolgatectl [-f conf | -s socket] status | who | quota PERSON |
 *       reload | help | requests [all] | overrides |
 *       approve ID [--until DATE] [--who WHO] [--extra DURATION]
 *       [--by NAME] | deny ID [--reason TEXT] [--by NAME]
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
#include <pwd.h>
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
	    "       schoolgatectl [-f conf | -s socket] requests [all] | "
	    "overrides\n"
	    "       schoolgatectl [-f conf | -s socket] approve ID "
	    "[--until date] [--who who]\n"
	    "           [--extra duration] [--by name]\n"
	    "       schoolgatectl [-f conf | -s socket] deny ID "
	    "[--reason text] [--by name]\n"
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

/* Who decides: --by, else the user sudo ran us for, else our user. */
static const char *
decider(const char *by, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char pbuf[1024];
	const char *su;

	if (by != NULL)
		return by;
	if ((su = getenv("SUDO_USER")) != NULL && su[0] != '\0')
		return su;
	if (getpwuid_r(getuid(), &pw, pbuf, sizeof(pbuf), &res) == 0 &&
	    res != NULL) {
		snprintf(buf, len, "%s", pw.pw_name);
		return buf;
	}
	snprintf(buf, len, "uid %u", (unsigned)getuid());
	return buf;
}

/* Append " key=VALUE" (%-encoded) to req[len] at *n. */
static bool
add_kv(char *req, size_t len, int *n, const char *key, const char *v)
{
	char enc[CONTROL_LINE_MAX];
	int w;

	if (v == NULL)
		return true;
	if (!control_encode(v, enc, sizeof(enc)))
		return false;
	w = snprintf(req + *n, len - (size_t)*n, " %s=%s", key, enc);
	if (w < 0 || (size_t)w >= len - (size_t)*n)
		return false;
	*n += w;
	return true;
}

/* approve and deny: their options into the request line. */
static int
decision_line(int argc, char *argv[], char *req, size_t len)
{
	static const struct option longopts[] = {
		{ "until",	required_argument,	NULL,	'u' },
		{ "who",	required_argument,	NULL,	'w' },
		{ "extra",	required_argument,	NULL,	'e' },
		{ "reason",	required_argument,	NULL,	'r' },
		{ "by",		required_argument,	NULL,	'b' },
		{ NULL,		0,			NULL,	0 },
	};
	const char *until = NULL, *who = NULL, *extra = NULL, *reason = NULL;
	const char *by = NULL, *id = NULL;
	bool approve = strcmp(argv[0], "approve") == 0;
	char me[256];
	int ch, n;

	/* "approve ID --by X" as well as "approve --by X ID". */
	if (argc >= 2 && argv[1][0] != '-') {
		id = argv[1];
		argc--;
		argv++;
	}
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u': until = optarg; break;
		case 'w': who = optarg; break;
		case 'e': extra = optarg; break;
		case 'r': reason = optarg; break;
		case 'b': by = optarg; break;
		default: usage();
		}
	}
	if (id == NULL && optind < argc)
		id = argv[optind++];
	if (id == NULL || optind != argc || (approve && reason != NULL) ||
	    (!approve && (until != NULL || who != NULL || extra != NULL)))
		usage();
	n = snprintf(req, len, "%s %s", approve ? "approve" : "deny", id);
	if (n < 0 || (size_t)n >= len || strchr(id, ' ') != NULL)
		return -1;
	if (!add_kv(req, len, &n, "until", until) ||
	    !add_kv(req, len, &n, "who", who) ||
	    !add_kv(req, len, &n, "extra", extra) ||
	    !add_kv(req, len, &n, "reason", reason) ||
	    !add_kv(req, len, &n, "by", decider(by, me, sizeof(me))) ||
	    (size_t)n + 1 >= len)
		return -1;
	req[n++] = '\n';
	req[n] = '\0';
	return n;
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
	if (argc < 1 || (path != NULL && conffile != NULL))
		usage();
	if (strcmp(argv[0], "approve") == 0 || strcmp(argv[0], "deny") == 0) {
		if ((n = decision_line(argc, argv, req, sizeof(req))) < 0) {
			fprintf(stderr, "schoolgatectl: request too long\n");
			return 2;
		}
	} else if (argc > 2)
		usage();
	else {
		n = snprintf(req, sizeof(req), "%s%s%s\n", argv[0],
		    argc == 2 ? " " : "", argc == 2 ? argv[1] : "");
		if (n < 0 || (size_t)n >= sizeof(req)) {
			fprintf(stderr, "schoolgatectl: request too long\n");
			return 2;
		}
	}
	if (path == NULL && conffile != NULL) {
		if ((cfg = config_load(conffile, &cause)) == NULL) {
			fprintf(stderr, "%s", cause ? cause : "bad config\n");
			return 1;
		}
		path = cfg->gateway.control_socket;
	}
	if (path == NULL)
		path = DEFAULT_SOCKET;

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
