/*
 * report: the weekly summary from the audit log (see report.h).
 *
 * Rows are (holder, platform); a holder's minutes come from its "usage"
 * events: the largest figure of each day (the allowance used so far),
 * summed over the days of the range.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "report.h"

#define ROWS_MAX	100000
#define INDEX_SIZE	262144	/* slots of the row index: > 2 * ROWS_MAX */
#define DAYS_MAX	100000
#define LINE_MAX_LEN	4096

struct row {
	char		holder[REPORT_FIELD_MAX];
	char		person[REPORT_FIELD_MAX];
	char		group[REPORT_FIELD_MAX];
	char		platform[REPORT_FIELD_MAX];	/* "" for usage */
	uint64_t	blocks;
	uint64_t	quota;		/* allowance used up */
	uint64_t	circumvention;
	uint64_t	requests;
	/* The last block counted: a person's verdict reaches each of
	 * their addresses at the same instant, one event each, and is
	 * still one block met. */
	char		last_ts[REPORT_FIELD_MAX];
	char		last_event[REPORT_FIELD_MAX];
};

struct dayuse {
	char		holder[REPORT_FIELD_MAX];
	char		day[16];
	int64_t		used;
};

struct report {
	struct report_opts	 o;
	struct row		*rows;
	size_t			 nrows;
	uint32_t		*index;		/* row + 1 by (holder, platform)
						   hash, open addressing */
	struct dayuse		*days;
	size_t			 ndays;
	uint64_t		 lines, bad, dropped;
};

/* Copy a JSON string's text (our own escapes only) into dst. */
static const char *
json_string(const char *p, const char *end, char *dst, size_t dlen)
{
	size_t n = 0;

	for (; p < end && *p != '"'; p++) {
		char c = *p;

		if (c == '\\') {
			if (++p >= end)
				return NULL;
			if (*p == 'u') {
				/* \u00XX: kept as '?', the report is text. */
				if (end - p < 5)
					return NULL;
				p += 4;
				c = '?';
			} else
				c = *p;
		} else if ((unsigned char)c < 0x20)
			return NULL;
		if (n + 1 < dlen)
			dst[n++] = c;
	}
	if (p >= end)
		return NULL;
	dst[n] = '\0';
	return p + 1;
}

int
report_parse_line(const char *line, size_t len, struct report_event *ret)
{
	const char *p = line, *end = line + len;
	char key[32], val[REPORT_FIELD_MAX];
	struct report_event ev;
	long long num;
	char *stop;

	memset(&ev, 0, sizeof(ev));
	ev.used = -1;
	while (end > p && (end[-1] == ' ' || end[-1] == '\n' ||
	    end[-1] == '\r'))
		end--;
	if (p >= end || *p++ != '{')
		return -EINVAL;
	if (p < end && *p == '}')
		return -EINVAL;		/* {} has no ts */
	for (;;) {
		if (p >= end || *p++ != '"' ||
		    (p = json_string(p, end, key, sizeof(key))) == NULL ||
		    p >= end || *p++ != ':' || p >= end)
			return -EINVAL;
		if (*p == '"') {
			if ((p = json_string(p + 1, end, val, sizeof(val))) ==
			    NULL)
				return -EINVAL;
#define FIELD(f) if (strcmp(key, #f) == 0) memcpy(ev.f, val, sizeof(ev.f))
			FIELD(ts);
			FIELD(event);
			FIELD(person);
			FIELD(holder);
			FIELD(group);
			FIELD(platform);
			FIELD(day);
#undef FIELD
		} else if ((*p >= '0' && *p <= '9') || *p == '-') {
			char tmp[24];
			size_t n = 0;

			while (p < end && n + 1 < sizeof(tmp) &&
			    ((*p >= '0' && *p <= '9') || *p == '-'))
				tmp[n++] = *p++;
			tmp[n] = '\0';
			errno = 0;
			num = strtoll(tmp, &stop, 10);
			if (errno != 0 || *stop != '\0')
				return -EINVAL;
			if (strcmp(key, "used") == 0)
				ev.used = num;
		} else
			return -EINVAL;
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}')
			break;
		return -EINVAL;
	}
	if (p + 1 != end || ev.ts[0] == '\0' || ev.event[0] == '\0')
		return -EINVAL;
	*ret = ev;
	return 0;
}

struct report *
report_new(const struct report_opts *o)
{
	struct report *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->o = *o;
	return r;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	free(r->rows);
	free(r->index);
	free(r->days);
	free(r);
}

/* FNV-1a of holder, a NUL, platform. */
static uint32_t
row_hash(const char *holder, const char *plat)
{
	uint32_t h = 2166136261u;

	for (; *holder != '\0'; holder++)
		h = (h ^ (uint8_t)*holder) * 16777619u;
	h = (h ^ 0) * 16777619u;
	for (; *plat != '\0'; plat++)
		h = (h ^ (uint8_t)*plat) * 16777619u;
	return h;
}

static struct row *
row_get(struct report *r, const struct report_event *ev, const char *plat)
{
	struct row *nv;
	size_t i;
	uint32_t x;

	/* An index, so that a log of many people stays linear. */
	if (r->index == NULL &&
	    (r->index = calloc(INDEX_SIZE, sizeof(*r->index))) == NULL)
		return NULL;
	for (i = row_hash(ev->holder, plat) & (INDEX_SIZE - 1);
	    (x = r->index[i]) != 0; i = (i + 1) & (INDEX_SIZE - 1))
		if (strcmp(r->rows[x - 1].holder, ev->holder) == 0 &&
		    strcmp(r->rows[x - 1].platform, plat) == 0)
			return &r->rows[x - 1];
	if (r->nrows >= ROWS_MAX) {
		r->dropped++;
		return NULL;
	}
	if ((nv = reallocarray(r->rows, r->nrows + 1, sizeof(*nv))) == NULL)
		return NULL;
	r->rows = nv;
	memset(&nv[r->nrows], 0, sizeof(nv[0]));
	memcpy(nv[r->nrows].holder, ev->holder, sizeof(ev->holder));
	memcpy(nv[r->nrows].person, ev->person, sizeof(ev->person));
	memcpy(nv[r->nrows].group, ev->group, sizeof(ev->group));
	snprintf(nv[r->nrows].platform, sizeof(nv[0].platform), "%s", plat);
	r->index[i] = (uint32_t)(r->nrows + 1);
	return &nv[r->nrows++];
}

static void
day_use(struct report *r, const struct report_event *ev)
{
	struct dayuse *nv;
	size_t i;

	for (i = 0; i < r->ndays; i++) {
		if (strcmp(r->days[i].holder, ev->holder) == 0 &&
		    strcmp(r->days[i].day, ev->day) == 0) {
			if (ev->used > r->days[i].used)
				r->days[i].used = ev->used;
			return;
		}
	}
	if (r->ndays >= DAYS_MAX || strlen(ev->day) >= 16 ||
	    (nv = reallocarray(r->days, r->ndays + 1, sizeof(*nv))) == NULL) {
		r->dropped++;
		return;
	}
	r->days = nv;
	memcpy(nv[r->ndays].holder, ev->holder, sizeof(ev->holder));
	memcpy(nv[r->ndays].day, ev->day, strlen(ev->day) + 1);
	nv[r->ndays].used = ev->used;
	r->ndays++;
	(void)row_get(r, ev, "");
}

void
report_add_line(struct report *r, const char *line, size_t len)
{
	struct report_event ev;
	struct row *row;
	char date[11];

	r->lines++;
	if (report_parse_line(line, len, &ev) < 0) {
		r->bad++;
		return;
	}
	if (ev.holder[0] == '\0')
		return;		/* not about a device */
	memcpy(date, ev.day[0] ? ev.day : ev.ts, 10);
	date[10] = '\0';
	if ((r->o.from != NULL && strcmp(date, r->o.from) < 0) ||
	    (r->o.to != NULL && strcmp(date, r->o.to) > 0) ||
	    (r->o.person != NULL && strcmp(ev.holder, r->o.person) != 0))
		return;
	if (strcmp(ev.event, "usage") == 0) {
		if (ev.used >= 0 && ev.day[0] != '\0')
			day_use(r, &ev);
		return;
	}
	if ((row = row_get(r, &ev, ev.platform)) == NULL)
		return;
	if (strcmp(ev.event, "block") == 0 || strcmp(ev.event, "quota") == 0 ||
	    strcmp(ev.event, "circumvention") == 0) {
		if (strcmp(row->last_ts, ev.ts) == 0 &&
		    strcmp(row->last_event, ev.event) == 0)
			return;
		snprintf(row->last_ts, sizeof(row->last_ts), "%s", ev.ts);
		snprintf(row->last_event, sizeof(row->last_event), "%s",
		    ev.event);
	}
	if (strcmp(ev.event, "block") == 0)
		row->blocks++;
	else if (strcmp(ev.event, "quota") == 0) {
		row->blocks++;
		row->quota++;
	} else if (strcmp(ev.event, "circumvention") == 0) {
		row->blocks++;
		row->circumvention++;
	} else if (strcmp(ev.event, "request") == 0)
		row->requests++;
}

int
report_read_dir(struct report *r, const char *dir, char **cause)
{
	struct dirent *de;
	char path[4096], line[LINE_MAX_LEN];
	FILE *f;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		cause_set(cause, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "events.jsonl", 12) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL)
			report_add_line(r, line, strlen(line));
		fclose(f);
	}
	closedir(d);
	return 0;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->holder, y->holder);

	return c != 0 ? c : strcmp(x->platform, y->platform);
}

static uint64_t
minutes(const struct report *r, const char *holder)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < r->ndays; i++)
		if (strcmp(r->days[i].holder, holder) == 0)
			s += (uint64_t)r->days[i].used;
	return (s + 59) / 60;
}

/* A CSV cell: quoted, quotes doubled, and a leading = + - @ (a formula
 * to a spreadsheet) neutralised with '. */
static void
csv_cell(FILE *f, const char *s, bool last)
{
	fputc('"', f);
	if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
	    s[0] == '\t' || s[0] == '\r')
		fputc('\'', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
	fputc(last ? '\n' : ',', f);
}

void
report_print(const struct report *r, FILE *f, bool csv)
{
	char num[4][24];
	size_t i;

	if (r->nrows > 1)
		qsort(r->rows, r->nrows, sizeof(*r->rows), row_cmp);
	if (csv)
		fputs("person,group,platform,minutes_used,blocks,"
		    "allowance_used_up,circumvention,requests\n", f);
	else
		fprintf(f, "%-24s %-10s %-14s %7s %6s %6s %6s %8s\n",
		    "PERSON", "GROUP", "PLATFORM", "MINUTES", "BLOCKS",
		    "QUOTA", "CIRCUM", "REQUESTS");
	for (i = 0; i < r->nrows; i++) {
		const struct row *w = &r->rows[i];
		const char *plat = w->platform[0] ? w->platform : "(all)";

		/* Minutes belong to the person, not to a platform. */
		if (w->platform[0] != '\0')
			snprintf(num[0], sizeof(num[0]), "%s", csv ? "" : "-");
		else
			snprintf(num[0], sizeof(num[0]), "%llu",
			    (unsigned long long)minutes(r, w->holder));
		snprintf(num[1], sizeof(num[1]), "%llu",
		    (unsigned long long)w->blocks);
		snprintf(num[2], sizeof(num[2]), "%llu",
		    (unsigned long long)w->quota);
		snprintf(num[3], sizeof(num[3]), "%llu",
		    (unsigned long long)w->circumvention);
		if (csv) {
			csv_cell(f, w->holder, false);
			csv_cell(f, w->group, false);
			csv_cell(f, plat, false);
			fprintf(f, "%s,%s,%s,%s,%llu\n", num[0], num[1], num[2],
			    num[3], (unsigned long long)w->requests);
		} else
			fprintf(f, "%-24.24s %-10.10s %-14.14s %7s %6s %6s %6s "
			    "%8llu\n", w->holder, w->group, plat, num[0],
			    num[1], num[2], num[3],
			    (unsigned long long)w->requests);
	}
	if (!csv && (r->bad > 0 || r->dropped > 0))
		fprintf(f, "(%llu lines not understood, %llu beyond the "
		    "report's limits)\n", (unsigned long long)r->bad,
		    (unsigned long long)r->dropped);
}
