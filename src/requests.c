/*
 * requests: the unblock-request spool (see requests.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "cause.h"
#include "requests.h"
#include "tz.h"

#define REQ_MAGIC	"schoolgate-request 1"
#define REQ_SUFFIX	".req"

struct spool {
	char		*dir;
	struct request	*v;		/* sorted by id */
	size_t		 n, cap;
	size_t		 bad;
};

static const char *const need_names[] = { "unblock", "extra" };
static const char *const status_names[] = {
	"pending", "approved", "denied", "expired"
};

const char *
req_need_str(enum req_need n)
{
	return (unsigned)n < 2 ? need_names[n] : "?";
}

const char *
req_status_str(enum req_status s)
{
	return (unsigned)s < 4 ? status_names[s] : "?";
}

/* --- Text ---------------------------------------------------------------- */

bool
request_id_valid(const char *id)
{
	unsigned y, m, d, i;
	int32_t days, yy;
	unsigned mm, dd;

	if (id == NULL || strlen(id) != REQ_ID_MAX - 1 || id[0] != 'r' ||
	    id[1] != '-' || id[10] != '-')
		return false;
	for (i = 2; i < REQ_ID_MAX - 1; i++)
		if (i != 10 && (id[i] < '0' || id[i] > '9'))
			return false;
	y = (unsigned)(id[2] - '0') * 1000 + (unsigned)(id[3] - '0') * 100 +
	    (unsigned)(id[4] - '0') * 10 + (unsigned)(id[5] - '0');
	m = (unsigned)(id[6] - '0') * 10 + (unsigned)(id[7] - '0');
	d = (unsigned)(id[8] - '0') * 10 + (unsigned)(id[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31 ||
	    strcmp(id + 11, "0000") == 0)
		return false;
	days = tz_days_from_civil((int32_t)y, m, d);
	tz_civil_from_days(days, &yy, &mm, &dd);
	return yy == (int32_t)y && mm == m && dd == d;
}

static int32_t
id_day(const char *id)
{
	unsigned y, m, d;

	y = (unsigned)(id[2] - '0') * 1000 + (unsigned)(id[3] - '0') * 100 +
	    (unsigned)(id[4] - '0') * 10 + (unsigned)(id[5] - '0');
	m = (unsigned)(id[6] - '0') * 10 + (unsigned)(id[7] - '0');
	d = (unsigned)(id[8] - '0') * 10 + (unsigned)(id[9] - '0');
	return tz_days_from_civil((int32_t)y, m, d);
}

struct out {
	char	*b;
	size_t	 n, cap;
	int	 full;
};

static void
out_raw(struct out *o, const char *s, size_t len)
{
	if (o->full || len >= o->cap - o->n) {
		o->full = 1;
		return;
	}
	memcpy(o->b + o->n, s, len);
	o->n += len;
	o->b[o->n] = '\0';
}

/* "key value\n", the value %-escaped. */
static void
out_kv(struct out *o, const char *key, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3];
	unsigned char c;

	out_raw(o, key, strlen(key));
	out_raw(o, " ", 1);
	for (; *v != '\0'; v++) {
		c = (unsigned char)*v;
		if (c < 0x20 || c == 0x7f || c == '%') {
			e[0] = '%';
			e[1] = hex[c >> 4];
			e[2] = hex[c & 15];
			out_raw(o, e, 3);
		} else
			out_raw(o, v, 1);
	}
	out_raw(o, "\n", 1);
}

static void
out_num(struct out *o, const char *key, int64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRId64, v);
	out_kv(o, key, num);
}

static void
fmt_day(int32_t day, char *buf, size_t len)
{
	int32_t y;
	unsigned m, d;

	tz_civil_from_days(day, &y, &m, &d);
	snprintf(buf, len, "%04d-%02u-%02u", (int)y, m, d);
}

/* A name of [A-Za-z0-9._:-] (holder, person, group, platform). */
static bool
name_ok(const char *s, bool empty_ok)
{
	size_t n = strlen(s);

	if (n == 0)
		return empty_ok;
	if (n >= REQ_NAME_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._:-") == n;
}

bool
request_domain_ok(const char *s)
{
	size_t n = strlen(s), lab = 0, i;

	if (n == 0 || n >= REQ_DOMAIN_MAX)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (lab == 0)
				return false;
			lab = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
		if (++lab > 63)
			return false;
	}
	return lab > 0;
}

bool
request_text_ok(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k, need;
	uint32_t cp;

	if (n > max)
		return false;
	while (i < n) {
		if (p[i] < 0x80) {
			if (p[i] < 0x20 && p[i] != '\n')
				return false;
			if (p[i] == 0x7f)
				return false;
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			need = 1;
			cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			need = 2;
			cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			need = 3;
			cp = p[i] & 0x07;
		} else
			return false;
		for (k = 1; k <= need; k++) {
			if (i + k >= n || (p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

static int
check(const struct request *r)
{
	if (!request_id_valid(r->id) || r->day != id_day(r->id) ||
	    r->created < 0 || !name_ok(r->holder, false) ||
	    !name_ok(r->person, true) || !name_ok(r->group, true) ||
	    !name_ok(r->platform, true) ||
	    (r->domain[0] != '\0' && !request_domain_ok(r->domain)) ||
	    (r->platform[0] == '\0' && r->domain[0] == '\0') ||
	    (r->client.family != AF_INET && r->client.family != AF_INET6) ||
	    (unsigned)r->need > REQ_EXTRA || (unsigned)r->status > REQ_EXPIRED ||
	    r->decided < 0 || (r->status == REQ_PENDING) != (r->decided == 0) ||
	    r->reason[0] == '\0' || !request_text_ok(r->reason, REQ_REASON_MAX) ||
	    !request_text_ok(r->by, REQ_TEXT_MAX - 1) ||
	    !request_text_ok(r->note, REQ_TEXT_MAX - 1) ||
	    r->until < 0 || r->extra > 86400)
		return -EINVAL;
	return 0;
}

int
request_format(const struct request *r, char *buf, size_t cap)
{
	struct out o = { buf, 0, cap, 0 };
	char a[ADDR_STRLEN], date[16] = "";

	if (cap == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (check(r) != 0)
		return -EINVAL;
	addr_format(&r->client, a, sizeof(a));
	if (r->until > 0)
		fmt_day(r->until, date, sizeof(date));
	out_raw(&o, REQ_MAGIC "\n", strlen(REQ_MAGIC) + 1);
	out_kv(&o, "id", r->id);
	out_num(&o, "created", r->created);
	out_kv(&o, "holder", r->holder);
	out_kv(&o, "person", r->person);
	out_kv(&o, "group", r->group);
	out_kv(&o, "client", a);
	out_kv(&o, "platform", r->platform);
	out_kv(&o, "domain", r->domain);
	out_kv(&o, "need", req_need_str(r->need));
	out_kv(&o, "until", date);
	out_num(&o, "extra", r->extra);
	out_kv(&o, "reason", r->reason);
	out_kv(&o, "status", req_status_str(r->status));
	out_num(&o, "decided", r->decided);
	out_kv(&o, "by", r->by);
	out_kv(&o, "note", r->note);
	if (o.full)
		return -ENOSPC;
	return (int)o.n;
}

static const char *const keys[] = {
	"id", "created", "holder", "person", "group", "client", "platform",
	"domain", "need", "until", "extra", "reason", "status", "decided",
	"by", "note",
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Undo out_kv's escapes into dst (cap bytes with the NUL). */
static int
unescape(const char *s, size_t len, char *dst, size_t cap)
{
	size_t i, n = 0;
	int hi, lo;
	char c;

	for (i = 0; i < len; i++) {
		c = s[i];
		if ((unsigned char)c < 0x20 || c == 0x7f)
			return -1;
		if (c == '%') {
			if (len - i < 3)
				return -1;
			if ((hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			if (!((unsigned char)c < 0x20 || c == 0x7f || c == '%'))
				return -1;	/* the writer would not */
			if (c == '\0')
				return -1;
			i += 2;
		}
		if (n + 1 >= cap)
			return -1;
		dst[n++] = c;
	}
	dst[n] = '\0';
	return 0;
}

static int
num(const char *s, int64_t max, int64_t *ret)
{
	int64_t v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (max - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*ret = v;
	return 0;
}

static int
parse_date(const char *s, int32_t *day)
{
	unsigned y, m, d;
	int32_t days, yy;
	unsigned mm, dd;
	int n = 0;

	if (*s == '\0') {
		*day = 0;
		return 0;
	}
	if (strlen(s) != 10 || sscanf(s, "%4u-%2u-%2u%n", &y, &m, &d, &n) != 3 ||
	    n != 10 || s[4] != '-' || s[7] != '-' ||
	    strspn(s, "0123456789-") != 10 || y < 1970 || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		return -1;
	days = tz_days_from_civil((int32_t)y, m, d);
	tz_civil_from_days(days, &yy, &mm, &dd);
	if (yy != (int32_t)y || mm != m || dd != d || days <= 0)
		return -1;
	*day = days;
	return 0;
}

int
request_parse(const char *text, size_t len, struct request *ret,
    char *why, size_t whylen)
{
	struct request r;
	char val[REQ_FILE_MAX];
	const char *p = text, *end = text + len, *nl, *sp;
	size_t k, klen, ml = strlen(REQ_MAGIC);
	int64_t v;

	memset(&r, 0, sizeof(r));
	if (len > REQ_FILE_MAX) {
		snprintf(why, whylen, "over %d bytes", REQ_FILE_MAX);
		return -EINVAL;
	}
	if (len < ml + 1 || memcmp(p, REQ_MAGIC "\n", ml + 1) != 0) {
		snprintf(why, whylen, "not a request file (no '%s' line)",
		    REQ_MAGIC);
		return -EINVAL;
	}
	p += ml + 1;
	for (k = 0; k < NKEYS; k++) {
		if (p >= end || (nl = memchr(p, '\n', (size_t)(end - p))) ==
		    NULL) {
			snprintf(why, whylen, "line %zu: missing '%s'", k + 2,
			    keys[k]);
			return -EINVAL;
		}
		klen = strlen(keys[k]);
		sp = p + klen;
		if ((size_t)(nl - p) < klen + 1 ||
		    memcmp(p, keys[k], klen) != 0 || *sp != ' ') {
			snprintf(why, whylen, "line %zu: expected '%s'", k + 2,
			    keys[k]);
			return -EINVAL;
		}
		if (unescape(sp + 1, (size_t)(nl - sp - 1), val,
		    sizeof(val)) != 0) {
			snprintf(why, whylen, "line %zu: bad value of '%s'",
			    k + 2, keys[k]);
			return -EINVAL;
		}
#define SET(f) do {							\
		if (strlen(val) >= sizeof(r.f))				\
			goto bad;					\
		memcpy(r.f, val, strlen(val) + 1);			\
	} while (0)
		switch (k) {
		case 0: SET(id); break;
		case 1:
			if (num(val, INT64_MAX / 2, &v) != 0)
				goto bad;
			r.created = v;
			break;
		case 2: SET(holder); break;
		case 3: SET(person); break;
		case 4: SET(group); break;
		case 5:
			if (addr_parse(val, &r.client) != 0)
				goto bad;
			break;
		case 6: SET(platform); break;
		case 7: SET(domain); break;
		case 8:
			if (strcmp(val, "unblock") == 0)
				r.need = REQ_UNBLOCK;
			else if (strcmp(val, "extra") == 0)
				r.need = REQ_EXTRA;
			else
				goto bad;
			break;
		case 9:
			if (parse_date(val, &r.until) != 0)
				goto bad;
			break;
		case 10:
			if (num(val, 86400, &v) != 0)
				goto bad;
			r.extra = (uint32_t)v;
			break;
		case 11: SET(reason); break;
		case 12:
			for (v = 0; v < 4; v++)
				if (strcmp(val, status_names[v]) == 0)
					break;
			if (v == 4)
				goto bad;
			r.status = (enum req_status)v;
			break;
		case 13:
			if (num(val, INT64_MAX / 2, &v) != 0)
				goto bad;
			r.decided = v;
			break;
		case 14: SET(by); break;
		case 15: SET(note); break;
		default:
			break;
		}
#undef SET
		p = nl + 1;
	}
	if (p != end) {
		snprintf(why, whylen, "line %zu: more after 'note'", NKEYS + 2);
		return -EINVAL;
	}
	if (request_id_valid(r.id))
		r.day = id_day(r.id);
	if (check(&r) != 0) {
		snprintf(why, whylen, "fields out of range or inconsistent");
		return -EINVAL;
	}
	*ret = r;
	return 0;
bad:
	snprintf(why, whylen, "line %zu: bad value of '%s'", k + 2, keys[k]);
	return -EINVAL;
}

/* --- Spool --------------------------------------------------------------- */

static int
req_cmp(const void *a, const void *b)
{
	return strcmp(((const struct request *)a)->id,
	    ((const struct request *)b)->id);
}

static int
read_file(int dfd, const char *name, char *buf, size_t cap, size_t *lenp)
{
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK)) < 0)
		return -errno;
	for (;;) {
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -EIO;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			close(fd);
			return -EFBIG;
		}
	}
	close(fd);
	*lenp = len;
	return 0;
}

static int
grow(struct spool *s)
{
	struct request *nv;
	size_t cap;

	if (s->n < s->cap)
		return 0;
	cap = s->cap ? s->cap * 2 : 16;
	if ((nv = reallocarray(s->v, cap, sizeof(*nv))) == NULL)
		return -ENOMEM;
	s->v = nv;
	s->cap = cap;
	return 0;
}

struct spool *
spool_open(const char *dir, char **cause)
{
	struct spool *s;
	struct dirent *de;
	struct request r;
	char buf[REQ_FILE_MAX + 1], why[128], want[REQ_ID_MAX + 8];
	size_t len = 0, nl;
	DIR *d;

	if (cause != NULL)
		*cause = NULL;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		cause_set(cause, "mkdir %s: %s", dir, strerror(errno));
		return NULL;
	}
	if ((d = opendir(dir)) == NULL) {
		cause_set(cause, "open %s: %s", dir, strerror(errno));
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->dir = strdup(dir)) == NULL) {
		free(s);
		closedir(d);
		cause_set(cause, "out of memory");
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		nl = strlen(de->d_name);
		if (de->d_name[0] == '.' || nl < strlen(REQ_SUFFIX) ||
		    strcmp(de->d_name + nl - strlen(REQ_SUFFIX), REQ_SUFFIX) != 0)
			continue;
		if (s->n >= REQUESTS_MAX ||
		    read_file(dirfd(d), de->d_name, buf, sizeof(buf), &len) != 0 ||
		    request_parse(buf, len, &r, why, sizeof(why)) != 0) {
			s->bad++;
			continue;
		}
		snprintf(want, sizeof(want), "%s" REQ_SUFFIX, r.id);
		if (strcmp(want, de->d_name) != 0 || grow(s) != 0) {
			s->bad++;
			continue;
		}
		s->v[s->n++] = r;
	}
	closedir(d);
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), req_cmp);
	return s;
}

void
spool_free(struct spool *s)
{
	if (s == NULL)
		return;
	free(s->v);
	free(s->dir);
	free(s);
}

size_t
spool_count(const struct spool *s)
{
	return s->n;
}

size_t
spool_bad(const struct spool *s)
{
	return s->bad;
}

const struct request *
spool_at(const struct spool *s, size_t i)
{
	return i < s->n ? &s->v[i] : NULL;
}

static struct request *
find(const struct spool *s, const char *id)
{
	struct request key;

	if (!request_id_valid(id))
		return NULL;
	memcpy(key.id, id, REQ_ID_MAX);
	if (s->n == 0)
		return NULL;
	return bsearch(&key, s->v, s->n, sizeof(*s->v), req_cmp);
}

const struct request *
spool_get(const struct spool *s, const char *id)
{
	return find(s, id);
}

size_t
spool_count_day(const struct spool *s, const char *holder, int32_t day)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		if (s->v[i].day == day && strcmp(s->v[i].holder, holder) == 0)
			n++;
	return n;
}

static int
write_req(const struct spool *s, const struct request *r, int excl,
    char **cause)
{
	char buf[REQ_FILE_MAX + 1], name[REQ_ID_MAX + 8];
	int len;

	if ((len = request_format(r, buf, sizeof(buf))) < 0) {
		cause_set(cause, "request %s: cannot be written (%s)", r->id,
		    len == -ENOSPC ? "too long" : "bad field");
		return len;
	}
	snprintf(name, sizeof(name), "%s" REQ_SUFFIX, r->id);
	return afile_write(s->dir, name, buf, (size_t)len, 0640, excl, cause);
}

int
spool_add(struct spool *s, struct request *r, size_t per_day, char **cause)
{
	int32_t y;
	unsigned m, d, seq = 0;
	size_t i;
	int rc;

	if (cause != NULL)
		*cause = NULL;
	if (spool_count_day(s, r->holder, r->day) >= per_day)
		return -EDQUOT;
	if (s->n >= REQUESTS_MAX)
		return -ENOSPC;
	tz_civil_from_days(r->day, &y, &m, &d);
	/* The next number of the day: ids sort by day, then number. */
	for (i = 0; i < s->n; i++)
		if (s->v[i].day == r->day)
			seq = (unsigned)strtoul(s->v[i].id + 11, NULL, 10);
	r->status = REQ_PENDING;
	r->decided = 0;
	r->by[0] = r->note[0] = '\0';
	for (;;) {
		if (++seq > REQ_PER_DAY_MAX)
			return -ENOSPC;
		snprintf(r->id, sizeof(r->id), "r-%04d%02u%02u-%04u", (int)y, m,
		    d, seq);
		free(cause != NULL ? *cause : NULL);
		if (cause != NULL)
			*cause = NULL;
		rc = write_req(s, r, 1, cause);
		if (rc != -EEXIST)
			break;
	}
	if (rc != 0)
		return rc;
	if ((rc = grow(s)) != 0) {
		cause_set(cause, "out of memory");
		return rc;
	}
	s->v[s->n++] = *r;
	qsort(s->v, s->n, sizeof(*s->v), req_cmp);
	return 0;
}

int
spool_decide(struct spool *s, const char *id, enum req_status st,
    int64_t when, const char *by, const char *note, char **cause)
{
	struct request *r, nr;
	int rc;

	if (cause != NULL)
		*cause = NULL;
	if ((r = find(s, id)) == NULL)
		return -ENOENT;
	if (r->status != REQ_PENDING)
		return -EALREADY;
	if (st == REQ_PENDING || when <= 0)
		return -EINVAL;
	nr = *r;
	nr.status = st;
	nr.decided = when;
	snprintf(nr.by, sizeof(nr.by), "%s", by != NULL ? by : "");
	snprintf(nr.note, sizeof(nr.note), "%s", note != NULL ? note : "");
	if ((rc = write_req(s, &nr, 0, cause)) != 0)
		return rc;
	*r = nr;
	return 0;
}

size_t
spool_purge(struct spool *s, int64_t before)
{
	char path[PATH_MAX];
	size_t i, j, n = 0;

	for (i = j = 0; i < s->n; i++) {
		if (s->v[i].status != REQ_PENDING && s->v[i].decided < before) {
			snprintf(path, sizeof(path), "%s/%s" REQ_SUFFIX, s->dir,
			    s->v[i].id);
			if (unlink(path) == 0 || errno == ENOENT) {
				n++;
				continue;
			}
		}
		s->v[j++] = s->v[i];
	}
	s->n = j;
	return n;
}
