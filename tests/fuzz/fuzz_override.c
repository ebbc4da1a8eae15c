/*
 * libFuzzer target for overrides.c: one override file.
 *
 *	build with scripts/fuzz, then
 *	build-fuzz/fuzz_override -max_len=8192 \
 *	    -dict=tests/fuzz/dict/override.dict CORPUS
 *
 * Each input is parsed as the text of fuzz.conf twice: alone, and
 * against a config (written once to /tmp/fuzz_override.PID, removed at
 * exit) and the shipped catalogue (conf/platforms.d, when run from the
 * top of the tree; without it that half checks the config only).
 *
 * Besides memory safety and leaks, it checks:
 *  - failure comes with a cause: lines of printable ASCII, each
 *    "fuzz.conf:LINE: message" or "fuzz.conf: message", at most
 *    OVERRIDE_ERRORS_MAX of them and a count; *ret is left alone;
 *  - what parses against the config and catalogue parses alone, the
 *    same (the cross-checks only take away);
 *  - what parses formats, and the text parses back to an equal override
 *    that formats to the same text (overrides.h promises it);
 *  - a domain override covers its domain and names under it, and not a
 *    name that merely ends with it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "config.h"
#include "overrides.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define check(c)	do { if (!(c)) abort(); } while (0)

#define PATH		"fuzz.conf"

static char		 dir[64], conf_path[128];
static struct config	*cfg;
static struct catalog	*cat;

static const char conf_text[] =
    "[gateway]\n"
    "interface = eth1\n"
    "lan = 10.10.0.0/16, fd10::/48\n"
    "[schedule]\n"
    "lessons = 08:45-16:00\n"
    "[group staff]\n"
    "members = 10.10.1.0/24\n"
    "[group pupils]\n"
    "members = 10.10.2.0/24\n"
    "[person jsmith]\n"
    "group = pupils\n"
    "devices = 10.10.3.5\n";

static void
cleanup(void)
{
	config_free(cfg);
	catalog_free(cat);
	unlink(conf_path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *cause = NULL;
	FILE *f;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/fuzz_override.%ld", (long)getpid());
	snprintf(conf_path, sizeof(conf_path), "%s/schoolgate.conf", dir);
	if (mkdir(dir, 0700) == -1 ||
	    (f = fopen(conf_path, "w")) == NULL) {
		fprintf(stderr, "fuzz_override: %s: %s\n", dir,
		    strerror(errno));
		exit(1);
	}
	fputs(conf_text, f);
	if (fclose(f) != 0)
		exit(1);
	if ((cfg = config_load(conf_path, &cause)) == NULL) {
		fprintf(stderr, "fuzz_override: %s", cause ? cause : "?\n");
		exit(1);
	}
	if ((cat = catalog_load_dir("conf/platforms.d", &cause)) == NULL) {
		fprintf(stderr, "fuzz_override: no catalogue, config only: %s",
		    cause ? cause : "?\n");
		free(cause);
	}
	atexit(cleanup);
	return 0;
}

/* The cause of a failure: lines of printable ASCII about fuzz.conf. */
static void
check_cause(const char *cause)
{
	size_t i, lines = 0;
	const char *line = cause;

	check(cause != NULL && cause[0] != '\0');
	for (i = 0; cause[i] != '\0'; i++) {
		if (cause[i] == '\n') {
			check(strncmp(line, PATH ":", strlen(PATH ":")) == 0);
			line = cause + i + 1;
			lines++;
			continue;
		}
		check((unsigned char)cause[i] >= 0x20 &&
		    (unsigned char)cause[i] < 0x7f);
	}
	check(cause[i - 1] == '\n');
	check(lines <= OVERRIDE_ERRORS_MAX + 1);
}

static char *
format(const struct override *o, size_t *len)
{
	char *text = NULL;
	FILE *f;

	if ((f = open_memstream(&text, len)) == NULL)
		abort();
	if (override_format(o, f) != 0) {
		fprintf(stderr, "fuzz_override: a parsed override does not "
		    "format\n");
		abort();
	}
	check(fclose(f) == 0);
	return text;
}

static void
round_trip(const struct override *o)
{
	struct override again;
	char *t1, *t2, *cause = NULL;
	size_t l1, l2;

	t1 = format(o, &l1);
	if (override_parse(PATH, t1, l1, NULL, NULL, &again, &cause) != 0) {
		fprintf(stderr, "fuzz_override: the formatted text does not "
		    "parse:\n%s---\n%s---\n", t1, cause ? cause : "");
		abort();
	}
	check(override_equal(o, &again));
	check(strcmp(again.id, "fuzz") == 0);
	t2 = format(&again, &l2);
	if (l1 != l2 || memcmp(t1, t2, l1) != 0) {
		fprintf(stderr, "fuzz_override: formatted twice differently:\n"
		    "%s---\n%s---\n", t1, t2);
		abort();
	}
	override_clear(&again);
	free(t1);
	free(t2);
}

static void
coverage(const struct override *o)
{
	char name[300];

	if (o->domain == NULL) {
		check(!override_covers_name(o, "example.org"));
		return;
	}
	check(override_covers_name(o, o->domain));
	snprintf(name, sizeof(name), "www.%s.", o->domain);
	check(override_covers_name(o, name));
	snprintf(name, sizeof(name), "x%s", o->domain);
	check(!override_covers_name(o, name));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct override o, w, guard;
	char *cause = NULL, *wcause = NULL;
	int rc, wrc;

	memset(&o, 0xa5, sizeof(o));
	memcpy(&guard, &o, sizeof(o));
	rc = override_parse(PATH, text, size, NULL, NULL, &o, &cause);
	if (rc != 0) {
		check(rc == -EINVAL);
		check(memcmp(&o, &guard, sizeof(o)) == 0);
		check_cause(cause);
	} else {
		check(cause == NULL);
		check(strcmp(o.file, PATH) == 0 && strcmp(o.id, "fuzz") == 0);
		check((o.platform == NULL) != (o.domain == NULL));
		check(o.nhours <= OVERRIDE_HOURS_MAX);
		check(o.extra_quota == 0 || o.nhours == 0);
		check((int64_t)o.until_day * 86400 + o.until_sec >
		    (int64_t)o.from_day * 86400 + o.from_sec);
		round_trip(&o);
		coverage(&o);
	}

	wrc = override_parse(PATH, text, size, cfg, cat, &w, &wcause);
	if (wrc != 0) {
		check(wrc == -EINVAL);
		check_cause(wcause);
	} else {
		check(rc == 0 && override_equal(&o, &w));
		override_clear(&w);
	}
	if (rc == 0)
		override_clear(&o);
	free(cause);
	free(wcause);
	return 0;
}
