/*
 * schoolgated: the schoolgate daemon.
 *
 *   schoolgated [-dv] [-f conf] [-P platforms_dir] [--clock START[,RATEx]]
 *                                                       run
 *   schoolgated -n [-v] [-f conf] [-P platforms_dir]    check the config
 *   schoolgated --replay FILE [-v] [-f conf] [-P dir] [--json]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify.h"
#include "config.h"
#include "log.h"
#include "loop.h"
#include "replay.h"

#define DEFAULT_CONF		"/etc/schoolgate/schoolgate.conf"
#define DEFAULT_PLATFORMS	"/etc/schoolgate/platforms.d"

static _Noreturn void
usage(void)
{
	fprintf(stderr,
	    "usage: schoolgated [-dnv] [-f conf] [-P platforms_dir] "
	    "[--clock start[,ratex]]\n"
	    "       schoolgated --replay file [-v] [--json] [-f conf] "
	    "[-P platforms_dir]\n");
	exit(2);
}

/* Print a multi-line cause to stderr and free it. */
static void
print_cause(char *cause)
{
	if (cause != NULL) {
		fputs(cause, stderr);
		if (cause[0] != '\0' && cause[strlen(cause) - 1] != '\n')
			fputc('\n', stderr);
	}
	free(cause);
}

static struct catalog *
load_catalog(const char *dir, int required)
{
	struct catalog *cat;
	struct stat st;
	char *cause = NULL;

	if (!required && stat(dir, &st) == -1) {
		log_warnx("no platform catalogue at %s: names are reported "
		    "without platforms (use -P DIR)", dir);
		return NULL;
	}
	if ((cat = catalog_load_dir(dir, &cause)) == NULL) {
		print_cause(cause);
		exit(1);
	}
	return cat;
}

int
main(int argc, char *argv[])
{
	enum { OPT_REPLAY = 256, OPT_JSON, OPT_CLOCK };
	static const struct option longopts[] = {
		{ "replay",	required_argument,	NULL,	OPT_REPLAY },
		{ "clock",	required_argument,	NULL,	OPT_CLOCK },
		{ "json",	no_argument,		NULL,	OPT_JSON },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 },
	};
	const char *conffile = NULL, *platforms = NULL, *replay = NULL;
	const char *clock = NULL, *platforms_opt;
	struct loop_opts lo;
	int ch, debug = 0, verbose = 0, noaction = 0, json = 0, rc;
	struct config *cfg = NULL;
	struct catalog *cat;
	char *cause = NULL;

	while ((ch = getopt_long(argc, argv, "df:hnP:v", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			conffile = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'P':
			platforms = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case OPT_REPLAY:
			replay = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case OPT_CLOCK:
			clock = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (json && replay == NULL) ||
	    (noaction && replay != NULL) ||
	    (clock != NULL && (replay != NULL || noaction)))
		usage();
	log_init(verbose > 1, 0, "schoolgated");
	platforms_opt = platforms;

	/* Replay works without a config: it is a pure classifier then. */
	if (conffile != NULL || replay == NULL) {
		if (conffile == NULL)
			conffile = DEFAULT_CONF;
		if ((cfg = config_load(conffile, &cause)) == NULL) {
			print_cause(cause);
			return 1;
		}
		if (platforms == NULL)
			platforms = cfg->gateway.platforms_dir;
	}
	if (noaction) {
		/* The catalogue is part of the configuration: check it too. */
		cat = load_catalog(platforms, 1);
		if (verbose)
			config_print(stdout, cfg);
		else
			fprintf(stderr, "configuration OK\n");
		catalog_free(cat);
		config_free(cfg);
		return 0;
	}
	if (replay != NULL) {
		struct replay_opts ro;

		cat = load_catalog(platforms ? platforms : DEFAULT_PLATFORMS,
		    platforms != NULL);
		memset(&ro, 0, sizeof(ro));
		ro.path = replay;
		ro.cat = cat;
		ro.cfg = cfg;
		ro.json = json;
		ro.stats = verbose > 0;
		ro.out = stdout;
		rc = replay_run(&ro, &cause);
		if (rc != 0)
			print_cause(cause);
		catalog_free(cat);
		config_free(cfg);
		return rc != 0;
	}
	/* Run.  The loop loads everything again itself, so a reload and
	 * a start read the same way. */
	config_free(cfg);
	if (!debug) {
		if (daemon(0, 0) == -1) {
			log_warn("daemon");
			return 1;
		}
		log_init(verbose > 1, 1, "schoolgated");
	}
	memset(&lo, 0, sizeof(lo));
	lo.conffile = conffile;
	lo.platforms = platforms_opt;
	lo.verbose = verbose;
	lo.clock = clock;
	return loop_run(&lo);
}
