/*
 * state: the state file, state_dir/state.  See state.h for the contract.
 *
 * The format is line-based text, one record per line, every line ending
 * in '\n', fields separated by exactly one space:
 *
 *	schoolgate-state 1
 *	saved 1763800000
 *	quota jsmith 20415 600
 *	quota ip:fd10::9 20415 120
 *	ip 157.240.1.35 instagram 1763803600
 *	ip 2a03:2880:f10d:83:face:b00c:0:25de instagram 1763803600
 *	end 2 2 sha256=<64 lower-case hex digits>
 *
 * - "schoolgate-state V": the first line.  A V above STATE_VERSION is a
 *   file from a newer program (-EPROTO); it is checked before anything
 *   else, so a later version may change everything after this line.
 * - "saved S": unix seconds of the save (the caller's clock, st->saved).
 * - "quota HOLDER DAY USED": HOLDER is 1..63 of [A-Za-z0-9._:-] (a
 *   login, or "ip:" and an address for a device without a person), DAY
 *   a signed 32-bit local day number, USED unsigned 32-bit seconds.  One
 *   line per (HOLDER, DAY): a duplicate is an error, since which one to
 *   believe is a guess.
 * - "ip ADDR PLATFORM EXPIRES": ADDR an IPv4 or IPv6 address as
 *   inet_ntop(3) writes it, PLATFORM 1..31 of [a-z0-9_-], EXPIRES signed
 *   64-bit unix seconds.  One line per (ADDR, PLATFORM): a CDN address
 *   may serve two platforms.
 * - "end NQUOTA NIP sha256=HEX": the last line; the counts of quota and ip
 *   lines, and the SHA-256 of every byte of the file before HEX (the end
 *   line up to and including "sha256=" is covered too).  Nothing follows
 *   its '\n'.
 *
 * Every quota line comes before every ip line.  Numbers are decimal
 * without '+' or leading zeros ("-0" neither); there are no comments, no
 * blank lines, no '\r'.  The writer produces exactly this, and the reader
 * refuses anything else, so every file that loads is the one canonical
 * text of what it holds: state_format(state_parse(x)) == x.
 *
 * The checksum is SHA-256 from nettle rather than CRC-32C: nettle is
 * linked already and trusted, so there is no table or polynomial of our
 * own to get wrong, and at the sizes we write (tens of kilobytes; the
 * ceiling is STATE_FILE_MAX) it costs well under a millisecond per tick.
 * It is there to catch torn and corrupted files, not forgery: anyone
 * who can write the file can recompute it.  The line syntax is checked
 * before the checksum so that a fuzzer, which cannot forge a digest,
 * still reaches every syntax check.
 *
 * Files in the directory: "state", "state.tmp.<pid>" while a save is in
 * progress (state_load removes leftovers of a crashed process), and
 * "state.bad-<seconds>[.<n>]" for a file that would not load.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "afile.h"
#include "cause.h"
#include "state.h"

#define STATE_MAGIC	"schoolgate-state"
#define STATE_NAME	"state"
#define STATE_TMP	"state.tmp."
#define STATE_BAD	"state.bad-"
#define STATE_BAD_TRIES	1000	/* state.bad-S, .1, ... .999 */
#define STATE_FIELDS	5	/* the most fields a line has */
#define STATE_HEX_LEN	(SHA256_DIGEST_SIZE * 2)
#define STATE_ADDR_TEXT	46	/* INET6_ADDRSTRLEN */

/* The longest line of each kind the writer can produce, with room. */
#define STATE_QUOTA_LINE	96	/* 6 + 63 + 1 + 11 + 1 + 10 + 1 */
#define STATE_IP_LINE		112	/* 3 + 45 + 1 + 31 + 1 + 20 + 1 */
#define STATE_FIXED_LINES	256	/* header, saved, end */

/* --- Checks shared by the reader and the writer ------------------------ */

static bool
holder_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
	    c == '-';
}

static bool
platform_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	    c == '-';
}

/* s[0..len) is 1..max-1 bytes, every one allowed by ok(). */
static bool
name_valid(const char *s, size_t len, size_t max, bool (*ok)(char))
{
	size_t i;

	if (len == 0 || len >= max)
		return false;
	for (i = 0; i < len; i++)
		if (!ok(s[i]))
			return false;
	return true;
}

static int
quota_cmp(const void *a, const void *b)
{
	const struct state_quota *x = *(const struct state_quota *const *)a;
	const struct state_quota *y = *(const struct state_quota *const *)b;
	int c;

	if ((c = strcmp(x->holder, y->holder)) != 0)
		return c;
	return (x->day > y->day) - (x->day < y->day);
}

static int
ip_cmp(const void *a, const void *b)
{
	const struct state_ip *x = *(const struct state_ip *const *)a;
	const struct state_ip *y = *(const struct state_ip *const *)b;
	int c;

	if (x->addr.family != y->addr.family)
		return x->addr.family < y->addr.family ? -1 : 1;
	if ((c = memcmp(x->addr.bytes, y->addr.bytes,
	    x->addr.family == AF_INET ? 4 : 16)) != 0)
		return c;
	return strcmp(x->platform, y->platform);
}

/*
 * Find a duplicate (holder, day) or (address, platform).  0 when there is
 * none; 1 with *ret_kind 'q' or 'i' and *ret_idx the index of the later
 * of two equal entries; -ENOMEM.  Names must be valid (NUL-terminated).
 * Sorting pointers keeps this O(n log n) for the largest files.
 */
static int
find_duplicate(const struct state *st, char *ret_kind, size_t *ret_idx)
{
	const void **v;
	size_t i, n, a, b;

	n = st->nquota > st->nips ? st->nquota : st->nips;
	if (n < 2)
		return 0;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return -ENOMEM;
	for (i = 0; i < st->nquota; i++)
		v[i] = &st->quota[i];
	qsort(v, st->nquota, sizeof(*v), quota_cmp);
	for (i = 1; i < st->nquota; i++) {
		if (quota_cmp(&v[i - 1], &v[i]) != 0)
			continue;
		a = (size_t)((const struct state_quota *)v[i - 1] - st->quota);
		b = (size_t)((const struct state_quota *)v[i] - st->quota);
		*ret_kind = 'q';
		*ret_idx = a > b ? a : b;
		free(v);
		return 1;
	}
	for (i = 0; i < st->nips; i++)
		v[i] = &st->ips[i];
	qsort(v, st->nips, sizeof(*v), ip_cmp);
	for (i = 1; i < st->nips; i++) {
		if (ip_cmp(&v[i - 1], &v[i]) != 0)
			continue;
		a = (size_t)((const struct state_ip *)v[i - 1] - st->ips);
		b = (size_t)((const struct state_ip *)v[i] - st->ips);
		*ret_kind = 'i';
		*ret_idx = a > b ? a : b;
		free(v);
		return 1;
	}
	free(v);
	return 0;
}

int
state_check(const struct state *st, char **cause)
{
	const struct state_quota *q;
	const struct state_ip *ip;
	char kind;
	size_t i;
	int rc;

	if ((st->nquota > 0 && st->quota == NULL) ||
	    (st->nips > 0 && st->ips == NULL)) {
		cause_set(cause, "state has entries but no array");
		return -EINVAL;
	}
	for (i = 0; i < st->nquota; i++) {
		q = &st->quota[i];
		if (!name_valid(q->holder, strnlen(q->holder, STATE_HOLDER_MAX),
		    STATE_HOLDER_MAX, holder_char)) {
			cause_set(cause, "quota %zu: holder name is empty, too "
			    "long or has a character outside [A-Za-z0-9._:-]", i);
			return -EINVAL;
		}
	}
	for (i = 0; i < st->nips; i++) {
		ip = &st->ips[i];
		if (ip->addr.family != AF_INET && ip->addr.family != AF_INET6) {
			cause_set(cause, "ip %zu: address family %u", i,
			    ip->addr.family);
			return -EINVAL;
		}
		if (!name_valid(ip->platform,
		    strnlen(ip->platform, STATE_PLATFORM_MAX),
		    STATE_PLATFORM_MAX, platform_char)) {
			cause_set(cause, "ip %zu: platform id is empty, too long "
			    "or has a character outside [a-z0-9_-]", i);
			return -EINVAL;
		}
	}
	if ((rc = find_duplicate(st, &kind, &i)) < 0) {
		cause_set(cause, "out of memory");
		return rc;
	}
	if (rc > 0) {
		if (kind == 'q')
			cause_set(cause, "quota %zu: a second entry for %s "
			    "on day %" PRId32, i, st->quota[i].holder,
			    st->quota[i].day);
		else
			cause_set(cause, "ip %zu: a second entry for the same "
			    "address and platform %s", i, st->ips[i].platform);
		return -EINVAL;
	}
	return 0;
}

/* --- Format ------------------------------------------------------------ */

struct out {
	char	*p;
	size_t	 len;
	size_t	 cap;
	bool	 overflow;
};

static void	out_put(struct out *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
out_put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->overflow = true;	/* the size bound is wrong: a bug */
	else
		o->len += (size_t)n;
}

static void
hex_digest(const char *text, size_t len, char hex[STATE_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t i;

	sha256_init(&ctx);
	sha256_update(&ctx, len, (const uint8_t *)text);
	sha256_digest(&ctx, sizeof(d), d);
	for (i = 0; i < sizeof(d); i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 0xf];
	}
	hex[STATE_HEX_LEN] = '\0';
}

char *
state_format(const struct state *st, size_t *lenp)
{
	char addr[ADDR_STRLEN], hex[STATE_HEX_LEN + 1];
	const struct state_quota *q;
	const struct state_ip *ip;
	struct out o;
	size_t i;

	memset(&o, 0, sizeof(o));
	if (st->nquota > (SIZE_MAX / 2 - STATE_FIXED_LINES) / STATE_QUOTA_LINE ||
	    st->nips > (SIZE_MAX / 2 - STATE_FIXED_LINES) / STATE_IP_LINE) {
		errno = ENOMEM;
		return NULL;
	}
	o.cap = STATE_FIXED_LINES + st->nquota * STATE_QUOTA_LINE +
	    st->nips * STATE_IP_LINE;
	if ((o.p = malloc(o.cap)) == NULL)
		return NULL;
	out_put(&o, STATE_MAGIC " %d\nsaved %" PRId64 "\n", STATE_VERSION,
	    st->saved);
	for (i = 0; i < st->nquota; i++) {
		q = &st->quota[i];
		out_put(&o, "quota %.*s %" PRId32 " %" PRIu32 "\n",
		    (int)strnlen(q->holder, STATE_HOLDER_MAX - 1), q->holder,
		    q->day, q->used);
	}
	for (i = 0; i < st->nips; i++) {
		ip = &st->ips[i];
		addr_format(&ip->addr, addr, sizeof(addr));
		out_put(&o, "ip %s %.*s %" PRId64 "\n", addr,
		    (int)strnlen(ip->platform, STATE_PLATFORM_MAX - 1),
		    ip->platform, ip->expires);
	}
	out_put(&o, "end %zu %zu sha256=", st->nquota, st->nips);
	if (o.overflow) {
		free(o.p);
		errno = EOVERFLOW;
		return NULL;
	}
	hex_digest(o.p, o.len, hex);
	out_put(&o, "%s\n", hex);
	if (o.overflow) {
		free(o.p);
		errno = EOVERFLOW;
		return NULL;
	}
	if (lenp != NULL)
		*lenp = o.len;
	return o.p;
}

/* --- Parse ------------------------------------------------------------- */

/*
 * Split line[0..len) at single spaces into at most STATE_FIELDS fields.
 * Returns the number of fields, or STATE_FIELDS + 1 when there are more.
 * Empty fields (two spaces, a leading or trailing one) come back empty.
 */
static size_t
split(const char *line, size_t len, const char **f, size_t *flen)
{
	size_t n = 0, i, start = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (n == STATE_FIELDS)
			return STATE_FIELDS + 1;
		f[n] = line + start;
		flen[n] = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

static bool
field_is(const char *f, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(f, word, len) == 0;
}

/*
 * A canonical decimal in [min, max]: an optional '-' (only when min < 0),
 * then "0" or a non-zero digit and more digits.  No "-0", no '+'.
 */
static bool
parse_int(const char *s, size_t len, int64_t min, int64_t max, int64_t *ret)
{
	uint64_t v = 0, lim, d;
	bool neg = false;
	size_t i = 0;

	if (len > 0 && s[0] == '-' && min < 0) {
		neg = true;
		i = 1;
	}
	if (i == len || len - i > 20)
		return false;
	if (s[i] == '0' && (len - i > 1 || neg))
		return false;
	lim = neg ? (uint64_t)-(min + 1) + 1 : (uint64_t)max;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (uint64_t)(s[i] - '0');
		if (d > lim || v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (!neg && min > 0 && v < (uint64_t)min)
		return false;
	if (neg)
		*ret = v == 0 ? 0 : -(int64_t)(v - 1) - 1;
	else
		*ret = (int64_t)v;
	return true;
}

static bool
parse_size(const char *s, size_t len, size_t *ret)
{
	int64_t v;

	if (!parse_int(s, len, 0, SIZE_MAX < INT64_MAX ? (int64_t)SIZE_MAX :
	    INT64_MAX, &v))
		return false;
	*ret = (size_t)v;
	return true;
}

/* Grow an array of n elements of size sz to hold one more. */
static int
grow(void **p, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *np;

	if (n < *cap)
		return 0;
	ncap = *cap == 0 ? 16 : *cap * 2;
	if (ncap > SIZE_MAX / sz)
		return -ENOMEM;
	if ((np = realloc(*p, ncap * sz)) == NULL)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

static int
parse_quota(const char **f, const size_t *flen, struct state_quota *q)
{
	int64_t v;

	memset(q, 0, sizeof(*q));
	if (!name_valid(f[1], flen[1], STATE_HOLDER_MAX, holder_char))
		return -1;
	memcpy(q->holder, f[1], flen[1]);
	if (!parse_int(f[2], flen[2], INT32_MIN, INT32_MAX, &v))
		return -2;
	q->day = (int32_t)v;
	if (!parse_int(f[3], flen[3], 0, UINT32_MAX, &v))
		return -3;
	q->used = (uint32_t)v;
	return 0;
}

static int
parse_ip(const char **f, const size_t *flen, struct state_ip *ip)
{
	char text[STATE_ADDR_TEXT], again[ADDR_STRLEN];

	memset(ip, 0, sizeof(*ip));
	if (flen[1] == 0 || flen[1] >= sizeof(text))
		return -1;
	memcpy(text, f[1], flen[1]);
	text[flen[1]] = '\0';
	/* Only the text inet_ntop writes, so the file stays canonical. */
	if (addr_parse(text, &ip->addr) != 0 ||
	    addr_format(&ip->addr, again, sizeof(again)) != flen[1] ||
	    memcmp(again, text, flen[1]) != 0)
		return -1;
	if (!name_valid(f[2], flen[2], STATE_PLATFORM_MAX, platform_char))
		return -2;
	memcpy(ip->platform, f[2], flen[2]);
	if (!parse_int(f[3], flen[3], INT64_MIN, INT64_MAX, &ip->expires))
		return -3;
	return 0;
}

/*
 * The parser proper.  *ret_saved gets the saved time as soon as that
 * line has been read, even when a later line fails: state_load names a
 * bad file after it.
 */
static int
parse(const char *text, size_t len, struct state *ret, char **cause,
    int64_t *ret_saved)
{
	static const char *const quota_err[] = { "", "bad holder name",
	    "bad day", "bad seconds used" };
	static const char *const ip_err[] = { "", "bad address",
	    "bad platform id", "bad expiry time" };
	const char *f[STATE_FIELDS + 1], *line, *nl;
	size_t flen[STATE_FIELDS + 1], nf, llen, lineno = 0, off = 0;
	size_t qcap = 0, icap = 0, nq, ni;
	char hex[STATE_HEX_LEN + 1], kind;
	struct state st;
	int64_t v;
	int rc, e;

	memset(&st, 0, sizeof(st));
	for (;;) {
		lineno++;
		if (off == len) {
			cause_set(cause, "line %zu: truncated: no end line",
			    lineno);
			goto bad;
		}
		line = text + off;
		if ((nl = memchr(line, '\n', len - off)) == NULL) {
			cause_set(cause, "line %zu: truncated: no newline",
			    lineno);
			goto bad;
		}
		llen = (size_t)(nl - line);
		off += llen + 1;
		nf = split(line, llen, f, flen);

		if (lineno == 1) {
			if (nf != 2 || !field_is(f[0], flen[0], STATE_MAGIC)) {
				cause_set(cause, "line 1: not a schoolgate "
				    "state file");
				goto bad;
			}
			if (!parse_int(f[1], flen[1], 1, INT32_MAX, &v)) {
				cause_set(cause, "line 1: bad version");
				goto bad;
			}
			if (v > STATE_VERSION) {
				cause_set(cause, "version %" PRId64 " is newer "
				    "than this program reads (%d)", v,
				    STATE_VERSION);
				state_clear(&st);
				return -EPROTO;
			}
			continue;
		}
		if (lineno == 2) {
			if (nf != 2 || !field_is(f[0], flen[0], "saved") ||
			    !parse_int(f[1], flen[1], INT64_MIN, INT64_MAX,
			    &st.saved)) {
				cause_set(cause, "line 2: bad saved line");
				goto bad;
			}
			if (ret_saved != NULL)
				*ret_saved = st.saved;
			continue;
		}
		if (nf >= 1 && field_is(f[0], flen[0], "quota")) {
			if (st.nips > 0) {
				cause_set(cause, "line %zu: quota after ip",
				    lineno);
				goto bad;
			}
			if (nf != 4) {
				cause_set(cause, "line %zu: quota needs 3 "
				    "fields", lineno);
				goto bad;
			}
			if (grow((void **)&st.quota, &qcap, st.nquota,
			    sizeof(*st.quota)) != 0)
				goto nomem;
			if ((rc = parse_quota(f, flen,
			    &st.quota[st.nquota])) != 0) {
				cause_set(cause, "line %zu: %s", lineno,
				    quota_err[-rc]);
				goto bad;
			}
			st.nquota++;
			continue;
		}
		if (nf >= 1 && field_is(f[0], flen[0], "ip")) {
			if (nf != 4) {
				cause_set(cause, "line %zu: ip needs 3 fields",
				    lineno);
				goto bad;
			}
			if (grow((void **)&st.ips, &icap, st.nips,
			    sizeof(*st.ips)) != 0)
				goto nomem;
			if ((rc = parse_ip(f, flen, &st.ips[st.nips])) != 0) {
				cause_set(cause, "line %zu: %s", lineno,
				    ip_err[-rc]);
				goto bad;
			}
			st.nips++;
			continue;
		}
		if (nf >= 1 && field_is(f[0], flen[0], "end"))
			break;
		cause_set(cause, "line %zu: unknown record", lineno);
		goto bad;
	}

	/* The end line: "end NQUOTA NIP sha256=HEX", then nothing. */
	if (nf != 4 || !parse_size(f[1], flen[1], &nq) ||
	    !parse_size(f[2], flen[2], &ni) ||
	    flen[3] != 7 + STATE_HEX_LEN || memcmp(f[3], "sha256=", 7) != 0) {
		cause_set(cause, "line %zu: bad end line", lineno);
		goto bad;
	}
	if (off != len) {
		cause_set(cause, "line %zu: data after the end line",
		    lineno + 1);
		goto bad;
	}
	hex_digest(text, (size_t)(f[3] + 7 - text), hex);
	if (memcmp(hex, f[3] + 7, STATE_HEX_LEN) != 0) {
		cause_set(cause, "line %zu: checksum mismatch", lineno);
		goto bad;
	}
	if (nq != st.nquota || ni != st.nips) {
		cause_set(cause, "line %zu: the end line counts %zu quota and "
		    "%zu ip lines, the file has %zu and %zu", lineno, nq, ni,
		    st.nquota, st.nips);
		goto bad;
	}
	if ((rc = find_duplicate(&st, &kind, &nq)) < 0)
		goto nomem;
	if (rc > 0) {
		if (kind == 'q')
			cause_set(cause, "line %zu: a second quota for %s on "
			    "day %" PRId32, 3 + nq, st.quota[nq].holder,
			    st.quota[nq].day);
		else
			cause_set(cause, "line %zu: a second ip line for the "
			    "same address and platform", 3 + st.nquota + nq);
		goto bad;
	}
	*ret = st;
	return 0;

nomem:
	e = -ENOMEM;
	cause_set(cause, "out of memory");
	state_clear(&st);
	return e;
bad:
	state_clear(&st);
	return -EBADMSG;
}

int
state_parse(const char *text, size_t len, struct state *st, char **cause)
{
	if (cause != NULL)
		*cause = NULL;
	return parse(text, len, st, cause, NULL);
}

void
state_clear(struct state *st)
{
	if (st == NULL)
		return;
	free(st->quota);
	free(st->ips);
	memset(st, 0, sizeof(*st));
}

/* --- Save -------------------------------------------------------------- */

/* Validate, format, and write dir/state through afile (see afile.h). */
int
state_save(const char *dir, const struct state *st, char **cause)
{
	char *text;
	size_t len;
	int rc, e;

	if (cause != NULL)
		*cause = NULL;
	if ((rc = state_check(st, cause)) != 0)
		return rc;
	if ((text = state_format(st, &len)) == NULL) {
		e = errno;
		cause_set(cause, "format the state: %s", strerror(e));
		return -e;
	}
	if (len > STATE_FILE_MAX) {
		cause_set(cause, "state of %zu bytes is over the limit of %d",
		    len, STATE_FILE_MAX);
		free(text);
		return -EFBIG;
	}
	rc = afile_write(dir, STATE_NAME, text, len, 0640, 0, cause);
	free(text);
	return rc;
}

/* --- Load -------------------------------------------------------------- */

/* "STEP PATH: strerror", errno e; returns -e. */
static int
sys_fail(char **cause, int e, const char *step, const char *path,
    const char *note)
{
	cause_set(cause, "%s %s: %s%s", step, path, strerror(e), note);
	return -e;
}

/* Remove state.tmp.<digits> left by a process that died while saving. */
static void
remove_temps(const char *dir)
{
	struct dirent *de;
	const char *p;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, STATE_TMP, strlen(STATE_TMP)) != 0)
			continue;
		p = de->d_name + strlen(STATE_TMP);
		if (*p == '\0' || strspn(p, "0123456789") != strlen(p))
			continue;
		/* Best effort: a file we cannot remove is retried next load. */
		(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

/*
 * Read all of fd, up to STATE_FILE_MAX + 1 bytes (one more than the limit,
 * so an oversized file is seen as such).  0 or -errno.
 */
static int
read_all(int fd, size_t hint, char **ret, size_t *ret_len)
{
	size_t cap, len = 0, ncap;
	char *p, *np;
	ssize_t n;

	cap = hint < STATE_FILE_MAX ? hint + 1 : (size_t)STATE_FILE_MAX + 1;
	if (cap < 4096)
		cap = 4096;
	if ((p = malloc(cap)) == NULL)
		return -ENOMEM;
	while (len <= STATE_FILE_MAX) {
		if (len == cap) {
			ncap = cap * 2 > (size_t)STATE_FILE_MAX + 1 ?
			    (size_t)STATE_FILE_MAX + 1 : cap * 2;
			if ((np = realloc(p, ncap)) == NULL) {
				free(p);
				return -ENOMEM;
			}
			p = np;
			cap = ncap;
		}
		n = read(fd, p + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			free(p);
			return (int)n;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret = p;
	*ret_len = len;
	return 0;
}

/*
 * Rename dir/state to dir/state.bad-<when>, or .1, .2... when that is
 * taken.  0 with the new name in buf, or -errno.
 */
static int
move_aside(const char *dir, const char *path, int64_t when, char *buf,
    size_t len)
{
	struct stat sb;
	int i, n;

	for (i = 0; i < STATE_BAD_TRIES; i++) {
		if (i == 0)
			n = snprintf(buf, len, "%s/" STATE_BAD "%" PRId64, dir,
			    when);
		else
			n = snprintf(buf, len, "%s/" STATE_BAD "%" PRId64 ".%d",
			    dir, when, i);
		if (n < 0 || (size_t)n >= len)
			return -ENAMETOOLONG;
		if (renameat2(AT_FDCWD, path, AT_FDCWD, buf,
		    RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EEXIST)
			continue;
		if (errno != EINVAL && errno != ENOSYS)
			return -errno;
		/*
		 * The file system cannot refuse to replace; check first.  Only
		 * this daemon writes here, so nothing slips in between.
		 */
		if (lstat(buf, &sb) == 0)
			continue;
		if (errno != ENOENT)
			return -errno;
		return rename(path, buf) == 0 ? 0 : -errno;
	}
	return -EEXIST;
}

/*
 * The one clock this module reads: a bad file whose saved line did not
 * parse is named after the wall clock now.  It is only a name, to keep
 * bad files apart and in order; nothing is computed from it.
 */
int
state_load(const char *dir, struct state *st, char **cause)
{
	char path[PATH_MAX], bad[PATH_MAX];
	char *text = NULL, *why = NULL;
	int64_t saved = -1;
	struct stat sb;
	size_t len = 0;
	int fd, rc, mv;

	memset(st, 0, sizeof(*st));
	if (cause != NULL)
		*cause = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/" STATE_NAME, dir) >=
	    sizeof(path)) {
		cause_set(cause, "state directory name too long: %s", dir);
		return -ENAMETOOLONG;
	}
	remove_temps(dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return sys_fail(cause, errno, "open", path, "");
	}
	if (fstat(fd, &sb) != 0) {
		rc = sys_fail(cause, errno, "stat", path, "");
		close(fd);
		return rc;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		cause_set(cause, "%s: not a regular file", path);
		return -EINVAL;
	}
	/* Too big is corrupt; no need to read 64 MiB to find out. */
	if (sb.st_size > STATE_FILE_MAX)
		len = (size_t)STATE_FILE_MAX + 1;
	else if ((rc = read_all(fd, (size_t)sb.st_size, &text, &len)) != 0) {
		close(fd);
		return sys_fail(cause, -rc, "read", path, "");
	}
	close(fd);

	if (len > STATE_FILE_MAX) {
		rc = -EBADMSG;
		cause_set(&why, "larger than %d bytes", STATE_FILE_MAX);
	} else
		rc = parse(text, len, st, &why, &saved);
	free(text);
	if (rc == 0) {
		free(why);
		return 0;
	}
	if (rc != -EBADMSG && rc != -EPROTO) {
		if (cause != NULL)
			*cause = why;
		else
			free(why);
		return rc;
	}

	mv = move_aside(dir, path, saved >= 0 ? saved : (int64_t)time(NULL),
	    bad, sizeof(bad));
	if (mv == 0)
		cause_set(cause, "%s: %s; moved aside to %s", path,
		    why ? why : "unreadable", bad);
	else
		cause_set(cause, "%s: %s; could not move it aside: %s", path,
		    why ? why : "unreadable", strerror(-mv));
	free(why);
	return rc;
}
