/*
 * events: the audit log (see events.h).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cause.h"
#include "events.h"
#include "log.h"
#include "sbuf.h"

#define US		1000000ULL
#define BUCKETS		1024	/* per-device limits, direct-mapped */

struct bucket {
	struct addr	a;
	uint32_t	tokens;		/* in 1/60 events */
	uint64_t	at_us;		/* last refill */
	uint64_t	dropped;	/* since the last notice */
};

struct events {
	char		*dir;
	char		*path;
	int		 fd;
	uint64_t	 size;
	uint32_t	 retention_days;
	uint64_t	 purged_at_us;
	uint64_t	 notice_at_us;	/* of the last rate-limit notice */
	struct bucket	 b[BUCKETS];
	struct events_stats stats;
};

static const char *const kinds[] = {
	"start", "stop", "reload", "block", "unblock", "quota", "circumvention",
	"usage", "override_applied", "override_rejected", "rate_limited",
	"request", "request_approved", "request_denied", "request_expired",
};

const char *
event_kind_str(enum event_kind k)
{
	return (size_t)k < sizeof(kinds) / sizeof(kinds[0]) ? kinds[k] : "?";
}

static void
key_str(struct sb *s, const char *key, const char *v)
{
	if (v != NULL)
		sb_json_key(s, key, v, strlen(v));
}

size_t
event_format(const struct event *ev, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	struct sb s = { buf, 0, len ? len - 1 : 0 };
	time_t t = (time_t)(ev->ts_us / US);
	struct tm tm;
	char ts[32];
	int i;

	if (len == 0)
		return 0;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		ts[0] = '\0';
	sb_puts(&s, "{\"ts\":\"");
	sb_puts(&s, ts);
	sb_putc(&s, '.');
	sb_uint(&s, (unsigned long)(ev->ts_us % US), 6);
	sb_puts(&s, "Z\",\"event\":\"");
	sb_puts(&s, event_kind_str(ev->kind));
	sb_putc(&s, '"');
	if (ev->client != NULL) {
		sb_puts(&s, ",\"client\":\"");
		sb_addr(&s, ev->client);
		sb_putc(&s, '"');
	}
	if (ev->mac != NULL) {
		sb_puts(&s, ",\"mac\":\"");
		for (i = 0; i < 6; i++) {
			if (i)
				sb_putc(&s, ':');
			sb_putc(&s, hex[ev->mac[i] >> 4]);
			sb_putc(&s, hex[ev->mac[i] & 15]);
		}
		sb_putc(&s, '"');
	}
	key_str(&s, "person", ev->person);
	key_str(&s, "group", ev->group);
	key_str(&s, "holder", ev->holder);
	key_str(&s, "platform", ev->platform);
	key_str(&s, "name", ev->name);
	key_str(&s, "rule", ev->rule);
	key_str(&s, "verdict", ev->verdict);
	key_str(&s, "until", ev->until);
	key_str(&s, "detail", ev->detail);
	if (ev->used >= 0) {
		sb_puts(&s, ",\"used\":");
		sb_uint(&s, (unsigned long)ev->used, 1);
	}
	key_str(&s, "day", ev->day);
	sb_puts(&s, "}\n");
	if (s.n == s.cap)
		s.b[s.n - 1] = '\n';
	buf[s.n] = '\0';
	return s.n;
}

static int
open_file(struct events *e, char **cause)
{
	struct stat st;

	e->fd = open(e->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (e->fd == -1 || fstat(e->fd, &st) == -1) {
		cause_set(cause, "%s: %s", e->path, strerror(errno));
		return -1;
	}
	e->size = (uint64_t)st.st_size;
	return 0;
}

struct events *
events_open(const char *dir, uint32_t retention_days, char **cause)
{
	struct events *e;

	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->dir = strdup(dir)) == NULL ||
	    asprintf(&e->path, "%s/%s", dir, EVENTS_FILE) == -1) {
		if (e != NULL)
			free(e->dir);
		free(e);
		cause_set(cause, "out of memory");
		return NULL;
	}
	e->retention_days = retention_days;
	if (open_file(e, cause) < 0) {
		events_close(e);
		return NULL;
	}
	return e;
}

void
events_close(struct events *e)
{
	if (e == NULL)
		return;
	if (e->fd > 0)
		close(e->fd);
	free(e->path);
	free(e->dir);
	free(e);
}

const struct events_stats *
events_stats(const struct events *e)
{
	return &e->stats;
}

/*
 * Rotated files (events.jsonl.N) older than the retention go, and never
 * more than EVENTS_KEEP of them stay.  Their age is their mtime: the
 * time of their last event.
 */
static void
purge(struct events *e, uint64_t now_us)
{
	char path[4096];
	struct stat st;
	int i;

	for (i = 1; i <= EVENTS_KEEP + 1; i++) {
		snprintf(path, sizeof(path), "%s.%d", e->path, i);
		if (stat(path, &st) == -1)
			continue;
		if (i > EVENTS_KEEP || (uint64_t)st.st_mtime + (uint64_t)
		    e->retention_days * 86400 < now_us / US) {
			if (unlink(path) == 0)
				e->stats.purged++;
		}
	}
	e->purged_at_us = now_us;
}

/* events.jsonl -> .1 -> .2 ...; a fresh events.jsonl. */
static void
rotate(struct events *e, uint64_t now_us)
{
	char from[4096], to[4096];
	int i;

	for (i = EVENTS_KEEP; i >= 1; i--) {
		snprintf(from, sizeof(from), i == 1 ? "%s" : "%s.%d", e->path,
		    i - 1);
		snprintf(to, sizeof(to), "%s.%d", e->path, i);
		(void)rename(from, to);
	}
	close(e->fd);
	e->fd = -1;
	if (open_file(e, NULL) < 0)
		e->stats.write_errors++;
	e->stats.rotations++;
	purge(e, now_us);
}

/* May client log now?  A token bucket per device (by hash). */
static int
allowed(struct events *e, const struct addr *a, uint64_t now_us)
{
	struct bucket *b;
	uint64_t h = 0xcbf29ce484222325ULL, refill;
	size_t i;

	for (i = 0; i < sizeof(a->bytes); i++) {
		h ^= a->bytes[i];
		h *= 0x100000001b3ULL;
	}
	b = &e->b[h % BUCKETS];
	if (!addr_equal(&b->a, a)) {
		memset(b, 0, sizeof(*b));
		b->a = *a;
		b->tokens = EVENTS_BURST * 60;
		b->at_us = now_us;
	}
	if (now_us > b->at_us) {
		refill = (now_us - b->at_us) * EVENTS_PER_MIN / US;
		b->tokens = refill + b->tokens > EVENTS_BURST * 60 ?
		    EVENTS_BURST * 60 : (uint32_t)(b->tokens + refill);
		b->at_us = now_us;
	}
	if (b->tokens < 60) {
		b->dropped++;
		e->stats.rate_limited++;
		return 0;
	}
	b->tokens -= 60;
	return 1;
}

static void
write_line(struct events *e, const char *line, size_t n, uint64_t now_us)
{
	if (e->fd < 0 && open_file(e, NULL) < 0) {
		e->stats.write_errors++;
		return;
	}
	if (write(e->fd, line, n) != (ssize_t)n) {
		e->stats.write_errors++;
		return;
	}
	e->stats.written++;
	e->size += n;
	if (e->size >= EVENTS_FILE_MAX)
		rotate(e, now_us);
}

void
events_emit(struct events *e, const struct event *ev, uint64_t now_us)
{
	char line[EVENTS_LINE_MAX], esc[EVENTS_LINE_MAX];
	struct event note;
	size_t n, i;

	if (e == NULL) {
		/* No file: the journal alone. */
		n = event_format(ev, line, sizeof(line));
		log_info("event %s", log_escape(line, n ? n - 1 : 0, esc,
		    sizeof(esc)));
		return;
	}
	if (ev->client != NULL && !allowed(e, ev->client, now_us))
		return;
	/* Once a minute: how many a flood cost, device by device. */
	if (now_us - e->notice_at_us >= 60 * US) {
		e->notice_at_us = now_us;
		for (i = 0; i < BUCKETS; i++) {
			char num[48];

			if (e->b[i].dropped == 0)
				continue;
			memset(&note, 0, sizeof(note));
			note.kind = EV_RATE_LIMITED;
			note.ts_us = now_us;
			note.client = &e->b[i].a;
			note.used = -1;
			snprintf(num, sizeof(num), "%llu events dropped",
			    (unsigned long long)e->b[i].dropped);
			note.detail = num;
			n = event_format(&note, line, sizeof(line));
			write_line(e, line, n, now_us);
			e->b[i].dropped = 0;
		}
	}
	n = event_format(ev, line, sizeof(line));
	write_line(e, line, n, now_us);
	/* The journal gets the same line (it is escaped already). */
	log_info("event %s", log_escape(line, n ? n - 1 : 0, esc,
	    sizeof(esc)));
	if (now_us - e->purged_at_us >= 3600 * US)
		purge(e, now_us);
}
