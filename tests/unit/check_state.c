/*
 * Unit tests for state.c: the text format both ways, every way a file is
 * refused, and save/load in a temporary directory (a corrupt file moved
 * aside under the right name, leftovers of a crashed save removed).
 * Failures of the system calls themselves are injected by
 * tests/t-state-faults.sh; crashes by tests/t-state-kill.sh.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <check.h>
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

#include "state.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* body + "end NQ NI sha256=HEX\n", the digest computed here, not by state.c */
static char *
seal_counts(const char *body, long nq, long ni)
{
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	char *head, *out;
	size_t i;
	int n;

	n = asprintf(&head, "%send %ld %ld sha256=", body, nq, ni);
	ck_assert_int_ge(n, 0);
	sha256_init(&ctx);
	sha256_update(&ctx, strlen(head), (const uint8_t *)head);
	sha256_digest(&ctx, sizeof(d), d);
	out = malloc(strlen(head) + 2 * sizeof(d) + 2);
	ck_assert_ptr_nonnull(out);
	memcpy(out, head, strlen(head) + 1);
	for (i = 0; i < sizeof(d); i++)
		snprintf(out + strlen(out), 3, "%02x", d[i]);
	memcpy(out + strlen(out), "\n", 2);
	free(head);
	return out;
}

/* Seal with the counts the body really has. */
static char *
seal(const char *body)
{
	const char *p;
	long nq = 0, ni = 0;

	for (p = body; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, "quota ", 6) == 0)
			nq++;
		else if (strncmp(p, "ip ", 3) == 0)
			ni++;
	}
	return seal_counts(body, nq, ni);
}

static void
add_quota(struct state *st, const char *holder, int32_t day, uint32_t used)
{
	struct state_quota *q;

	st->quota = realloc(st->quota, (st->nquota + 1) * sizeof(*st->quota));
	ck_assert_ptr_nonnull(st->quota);
	q = &st->quota[st->nquota++];
	memset(q, 0, sizeof(*q));
	ck_assert_uint_lt(strlen(holder), sizeof(q->holder));
	memcpy(q->holder, holder, strlen(holder));
	q->day = day;
	q->used = used;
}

static void
add_ip(struct state *st, const char *addr, const char *platform,
    int64_t expires)
{
	struct state_ip *ip;

	st->ips = realloc(st->ips, (st->nips + 1) * sizeof(*st->ips));
	ck_assert_ptr_nonnull(st->ips);
	ip = &st->ips[st->nips++];
	memset(ip, 0, sizeof(*ip));
	ck_assert_int_eq(addr_parse(addr, &ip->addr), 0);
	ck_assert_uint_lt(strlen(platform), sizeof(ip->platform));
	memcpy(ip->platform, platform, strlen(platform));
	ip->expires = expires;
}

static void
assert_same(const struct state *a, const struct state *b)
{
	size_t i;

	ck_assert_int_eq(a->saved, b->saved);
	ck_assert_uint_eq(a->nquota, b->nquota);
	ck_assert_uint_eq(a->nips, b->nips);
	for (i = 0; i < a->nquota; i++) {
		ck_assert_str_eq(a->quota[i].holder, b->quota[i].holder);
		ck_assert_int_eq(a->quota[i].day, b->quota[i].day);
		ck_assert_uint_eq(a->quota[i].used, b->quota[i].used);
	}
	for (i = 0; i < a->nips; i++) {
		ck_assert(addr_equal(&a->ips[i].addr, &b->ips[i].addr));
		ck_assert_str_eq(a->ips[i].platform, b->ips[i].platform);
		ck_assert_int_eq(a->ips[i].expires, b->ips[i].expires);
	}
}

/* The sample states of the round trips, by number. */
#define NSAMPLES 6

static void
sample(int which, struct state *st)
{
	char name[STATE_HOLDER_MAX], buf[64];
	int i;

	memset(st, 0, sizeof(*st));
	st->saved = 1763800000;
	switch (which) {
	case 0:		/* empty */
		break;
	case 1:		/* the example of the header */
		add_quota(st, "jsmith", 20415, 600);
		add_ip(st, "157.240.1.35", "instagram", 1763803600);
		break;
	case 2:		/* devices without a person, IPv6 */
		add_quota(st, "ip:10.10.0.9", 20415, 10);
		add_quota(st, "ip:fd10::9", 20415, 20);
		add_quota(st, "ip:fd10::9", 20414, 20);	/* another day */
		add_ip(st, "2a03:2880:f10d:83:face:b00c:0:25de", "facebook",
		    1763803600);
		add_ip(st, "::ffff:10.1.2.3", "tiktok", 1);
		add_ip(st, "::", "x", 0);
		/* The same address for two platforms (a shared CDN). */
		add_ip(st, "157.240.1.35", "instagram", 1763803600);
		add_ip(st, "157.240.1.35", "facebook", 1763803600);
		break;
	case 3:		/* names at their limits, numbers at theirs */
		memset(name, 'a', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		name[0] = 'Z';
		name[1] = '.';
		name[2] = '_';
		name[3] = ':';
		name[4] = '-';
		add_quota(st, name, INT32_MAX, UINT32_MAX);
		add_quota(st, "x", INT32_MIN, 0);
		add_quota(st, "y", 0, 1);
		memset(buf, 'z', STATE_PLATFORM_MAX - 1);
		buf[STATE_PLATFORM_MAX - 1] = '\0';
		buf[0] = '0';
		buf[1] = '_';
		buf[2] = '-';
		add_ip(st, "255.255.255.255", buf, INT64_MAX);
		add_ip(st, "0.0.0.0", buf, INT64_MIN);
		add_ip(st, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", buf, -1);
		st->saved = INT64_MIN;
		break;
	case 4:		/* many */
		for (i = 0; i < 2000; i++) {
			snprintf(name, sizeof(name), "pupil%04d", i);
			add_quota(st, name, 20415, (uint32_t)i * 10);
			snprintf(buf, sizeof(buf), "10.%d.%d.%d", i >> 16,
			    (i >> 8) & 255, i & 255);
			add_ip(st, buf, "youtube", 1763803600 + i);
			snprintf(buf, sizeof(buf), "2001:db8::%x", i);
			add_ip(st, buf, "youtube", 1763803600 + i);
		}
		break;
	case 5:
		st->saved = 0;
		add_quota(st, "a", -1, 5);
		break;
	}
}

START_TEST(test_round_trip)
{
	struct state st, back, again;
	char *text, *text2, *cause = NULL;
	size_t len, len2;

	sample(_i, &st);
	text = state_format(&st, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(strlen(text), len);
	ck_assert_int_eq(state_check(&st, NULL), 0);
	ck_assert_int_eq(state_parse(text, len, &back, &cause), 0);
	ck_assert_ptr_null(cause);
	assert_same(&st, &back);
	/* One canonical text: formatting what was read gives it again. */
	text2 = state_format(&back, &len2);
	ck_assert_ptr_nonnull(text2);
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_eq(text, text2, len);
	ck_assert_int_eq(state_parse(text2, len2, &again, NULL), 0);
	assert_same(&st, &again);
	free(text);
	free(text2);
	state_clear(&st);
	state_clear(&back);
	state_clear(&again);
}
END_TEST

START_TEST(test_golden)
{
	struct state st;
	char *text, *want;
	size_t len;

	sample(1, &st);
	text = state_format(&st, &len);
	want = seal("schoolgate-state 1\n"
	    "saved 1763800000\n"
	    "quota jsmith 20415 600\n"
	    "ip 157.240.1.35 instagram 1763803600\n");
	ck_assert_str_eq(text, want);
	ck_assert(strstr(text, "\nend 1 1 sha256=") != NULL);
	free(text);
	free(want);
	state_clear(&st);
	state_clear(NULL);
}
END_TEST

#define HDR	"schoolgate-state 1\nsaved 1763800000\n"
#define H63	"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123"

/* Files that are refused: the body is sealed with a good checksum. */
static const struct {
	const char	*body;
	int		 rc;
	const char	*why;		/* a part of the cause */
} bad[] = {
	{ "", -EBADMSG, "line 1: not a schoolgate state file" },
	{ "schoolgate-stat 1\nsaved 1\n", -EBADMSG, "not a schoolgate state" },
	{ "schoolgate-state\nsaved 1\n", -EBADMSG, "not a schoolgate state" },
	{ "schoolgate-state 1 x\nsaved 1\n", -EBADMSG, "not a schoolgate" },
	{ "schoolgate-state  1\nsaved 1\n", -EBADMSG, "line 1" },
	{ "schoolgate-state 01\nsaved 1\n", -EBADMSG, "bad version" },
	{ "schoolgate-state 0\nsaved 1\n", -EBADMSG, "bad version" },
	{ "schoolgate-state -1\nsaved 1\n", -EBADMSG, "bad version" },
	{ "schoolgate-state 1\r\nsaved 1\n", -EBADMSG, "bad version" },
	{ "schoolgate-state 2\nsaved 1\n", -EPROTO, "version 2 is newer" },
	{ "schoolgate-state 999999\n", -EPROTO, "newer" },
	{ "schoolgate-state 1\nsave 1\n", -EBADMSG, "bad saved" },
	{ "schoolgate-state 1\nsaved\n", -EBADMSG, "bad saved" },
	{ "schoolgate-state 1\nsaved 01\n", -EBADMSG, "bad saved" },
	{ "schoolgate-state 1\nsaved -0\n", -EBADMSG, "bad saved" },
	{ "schoolgate-state 1\nsaved +1\n", -EBADMSG, "bad saved" },
	{ "schoolgate-state 1\nsaved 9223372036854775808\n", -EBADMSG,
	  "bad saved" },
	{ "schoolgate-state 1\nsaved -9223372036854775809\n", -EBADMSG,
	  "bad saved" },
	{ "schoolgate-state 1\nsaved 1x\n", -EBADMSG, "bad saved" },
	{ "schoolgate-state 1\nquota a 1 1\n", -EBADMSG, "bad saved" },
	{ HDR "\n", -EBADMSG, "line 3: unknown record" },
	{ HDR "# comment\n", -EBADMSG, "unknown record" },
	{ HDR "quota\n", -EBADMSG, "line 3: quota needs 3 fields" },
	{ HDR "quota a 1\n", -EBADMSG, "quota needs 3" },
	{ HDR "quota a 1 1 1\n", -EBADMSG, "quota needs 3" },
	{ HDR "quota a b 1 1\n", -EBADMSG, "quota needs 3" },
	{ HDR "quota  1 1\n", -EBADMSG, "bad holder" },
	{ HDR "quota a/b 1 1\n", -EBADMSG, "bad holder" },
	{ HDR "quota a\tb 1 1\n", -EBADMSG, "bad holder" },
	{ HDR "quota \xc3\xa9 1 1\n", -EBADMSG, "bad holder" },
	{ HDR "quota " H63 "4 1 1\n", -EBADMSG, "bad holder" },
	{ HDR "quota a 2147483648 1\n", -EBADMSG, "bad day" },
	{ HDR "quota a -2147483649 1\n", -EBADMSG, "bad day" },
	{ HDR "quota a 1.5 1\n", -EBADMSG, "bad day" },
	{ HDR "quota a 1 -1\n", -EBADMSG, "bad seconds" },
	{ HDR "quota a 1 4294967296\n", -EBADMSG, "bad seconds" },
	{ HDR "quota a 1 00\n", -EBADMSG, "bad seconds" },
	{ HDR "quota a 1 \n", -EBADMSG, "bad seconds" },
	{ HDR "quota a 1 1\nquota b 1 1\nquota a 1 2\n", -EBADMSG,
	  "line 5: a second quota for a on day 1" },
	{ HDR "ip 1.2.3.4 x 1\nquota a 1 1\n", -EBADMSG, "quota after ip" },
	{ HDR "ip 1.2.3.4 x\n", -EBADMSG, "ip needs 3" },
	{ HDR "ip 1.2.3 x 1\n", -EBADMSG, "bad address" },
	{ HDR "ip 1.2.3.256 x 1\n", -EBADMSG, "bad address" },
	{ HDR "ip 01.2.3.4 x 1\n", -EBADMSG, "bad address" },
	{ HDR "ip FD10::9 x 1\n", -EBADMSG, "bad address" },
	{ HDR "ip fd10:0::9 x 1\n", -EBADMSG, "bad address" },
	{ HDR "ip [fd10::9] x 1\n", -EBADMSG, "bad address" },
	{ HDR "ip 10.0.0.0/8 x 1\n", -EBADMSG, "bad address" },
	{ HDR "ip fe80::1%eth0 x 1\n", -EBADMSG, "bad address" },
	{ HDR "ip 1111:2222:3333:4444:5555:6666:7777:8888:9999 x 1\n",
	  -EBADMSG, "bad address" },
	{ HDR "ip 1.2.3.4 Instagram 1\n", -EBADMSG, "bad platform" },
	{ HDR "ip 1.2.3.4 a.b 1\n", -EBADMSG, "bad platform" },
	{ HDR "ip 1.2.3.4 abcdefghijabcdefghijabcdefghij12 1\n", -EBADMSG,
	  "bad platform" },
	{ HDR "ip 1.2.3.4 x 9223372036854775808\n", -EBADMSG, "bad expiry" },
	{ HDR "ip 1.2.3.4 x 1\nip 5.6.7.8 x 1\nip 1.2.3.4 x 2\n", -EBADMSG,
	  "line 5: a second ip line" },
	{ HDR "ip fd10::9 x 1\nip fd10::9 x 1\n", -EBADMSG, "second ip" },
	{ HDR "quota a 1 1\nfoo 1 2\n", -EBADMSG, "line 4: unknown record" },
	{ HDR "quota a 1 1\nquota a 1 1", -EBADMSG, "line 4: quota needs 3" },
};

START_TEST(test_parse_bad)
{
	struct state st, keep;
	char *text, *cause = NULL;
	int rc;

	text = seal(bad[_i].body);
	memset(&st, 0xa5, sizeof(st));
	keep = st;
	rc = state_parse(text, strlen(text), &st, &cause);
	ck_assert_msg(rc == bad[_i].rc, "%s: rc %d", bad[_i].body, rc);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, bad[_i].why) != NULL, "%s: cause \"%s\"",
	    bad[_i].body, cause);
	/* Output untouched on failure. */
	ck_assert_mem_eq(&st, &keep, sizeof(st));
	free(cause);
	/* And no crash without a cause. */
	ck_assert_int_eq(state_parse(text, strlen(text), &st, NULL),
	    bad[_i].rc);
	free(text);
}
END_TEST

/* The end line and what surrounds it. */
START_TEST(test_trailer)
{
	static const char body[] = HDR "quota a 1 1\nip 1.2.3.4 x 1\n";
	struct state st;
	char *text, *cause = NULL, *p;
	size_t len;

	/* Counts that disagree with the lines. */
	text = seal_counts(body, 2, 1);
	ck_assert_int_eq(state_parse(text, strlen(text), &st, &cause),
	    -EBADMSG);
	ck_assert_ptr_nonnull(strstr(cause, "counts 2 quota and 1 ip lines, "
	    "the file has 1 and 1"));
	free(cause);
	free(text);
	text = seal_counts(body, 1, 0);
	ck_assert_int_eq(state_parse(text, strlen(text), &st, NULL), -EBADMSG);
	free(text);
	text = seal_counts(body, -1, 1);
	ck_assert_int_eq(state_parse(text, strlen(text), &st, NULL), -EBADMSG);
	free(text);

	/* A body changed after the seal. */
	text = seal(body);
	len = strlen(text);
	ck_assert_int_eq(state_parse(text, len, &st, NULL), 0);
	state_clear(&st);
	p = strstr(text, "quota a 1 1");
	p[10] = '2';
	ck_assert_int_eq(state_parse(text, len, &st, &cause), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(cause, "line 5: checksum mismatch"));
	free(cause);
	p[10] = '1';
	/* Upper-case hex is not what the writer writes. */
	p = strstr(text, "sha256=") + 7;
	p[strspn(p, "0123456789")] -= 'a' - 'A';
	ck_assert_int_eq(state_parse(text, len, &st, NULL), -EBADMSG);
	free(text);

	/* Anything after the end line. */
	text = seal(body);
	len = strlen(text);
	p = malloc(len + 2);
	memcpy(p, text, len);
	p[len] = '\n';
	ck_assert_int_eq(state_parse(p, len + 1, &st, &cause), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(cause, "data after the end line"));
	free(cause);
	p[len] = '\0';
	ck_assert_int_eq(state_parse(p, len + 1, &st, NULL), -EBADMSG);
	free(p);

	/* No end line; a short digest; sha1. */
	ck_assert_int_eq(state_parse(body, strlen(body), &st, &cause),
	    -EBADMSG);
	ck_assert_ptr_nonnull(strstr(cause, "line 5: truncated: no end line"));
	free(cause);
	p = strstr(text, "sha256=");
	memmove(p + 7 + 10, p + 7 + 11, strlen(p + 7 + 11) + 1);
	ck_assert_int_eq(state_parse(text, strlen(text), &st, &cause),
	    -EBADMSG);
	ck_assert_ptr_nonnull(strstr(cause, "bad end line"));
	free(cause);
	free(text);
	text = seal(body);
	memcpy(strstr(text, "sha256="), "sha1=", 5);
	ck_assert_int_eq(state_parse(text, strlen(text), &st, NULL), -EBADMSG);
	free(text);
}
END_TEST

/*
 * Cut a valid file at every byte, and change every byte: no prefix and no
 * single change loads.  The text is copied to a buffer of exactly the
 * length, so ASan sees any read past it.
 */
START_TEST(test_truncated_and_flipped)
{
	struct state st, back;
	static const uint8_t flips[] = { 0x01, 0x20, 0x80, 0xff };
	char *text, *cut;
	size_t len, i, j;
	int rc;

	sample(2, &st);
	text = state_format(&st, &len);
	for (i = 0; i < len; i++) {
		cut = malloc(i + 1);
		memcpy(cut, text, i);
		rc = state_parse(i ? cut : NULL, i, &back, NULL);
		ck_assert_msg(rc == -EBADMSG, "cut at %zu: %d", i, rc);
		free(cut);
	}
	cut = malloc(len);
	for (i = 0; i < len; i++) {
		for (j = 0; j < nitems(flips); j++) {
			memcpy(cut, text, len);
			cut[i] = (char)(cut[i] ^ flips[j]);
			rc = state_parse(cut, len, &back, NULL);
			ck_assert_msg(rc == -EBADMSG || rc == -EPROTO,
			    "byte %zu ^ %02x: %d", i, flips[j], rc);
		}
	}
	free(cut);
	free(text);
	state_clear(&st);
}
END_TEST

START_TEST(test_check)
{
	struct state st;
	char *cause = NULL;

	sample(2, &st);
	ck_assert_int_eq(state_check(&st, &cause), 0);
	ck_assert_ptr_null(cause);
	st.quota[1].holder[2] = ' ';
	ck_assert_int_eq(state_check(&st, &cause), -EINVAL);
	ck_assert_ptr_nonnull(strstr(cause, "quota 1: holder name"));
	free(cause);
	/* Not NUL-terminated. */
	memset(st.quota[1].holder, 'a', sizeof(st.quota[1].holder));
	ck_assert_int_eq(state_check(&st, NULL), -EINVAL);
	memcpy(st.quota[1].holder, "ip:10.10.0.9", 13);	/* = quota[0] */
	ck_assert_int_eq(state_check(&st, &cause), -EINVAL);
	ck_assert_ptr_nonnull(strstr(cause, "quota 1: a second entry for "
	    "ip:10.10.0.9 on day 20415"));
	free(cause);
	st.quota[1].day = 1;
	ck_assert_int_eq(state_check(&st, NULL), 0);
	st.ips[0].platform[0] = '\0';
	ck_assert_int_eq(state_check(&st, NULL), -EINVAL);
	memcpy(st.ips[0].platform, "Facebook", 9);
	ck_assert_int_eq(state_check(&st, NULL), -EINVAL);
	memcpy(st.ips[0].platform, "facebook", 9);
	st.ips[0].addr.family = 0;
	ck_assert_int_eq(state_check(&st, NULL), -EINVAL);
	st.ips[0].addr.family = AF_INET6;
	memcpy(st.ips[4].platform, "instagram", 10);	/* = ips[3] */
	ck_assert_int_eq(state_check(&st, &cause), -EINVAL);
	ck_assert_ptr_nonnull(strstr(cause, "ip 4: a second entry"));
	free(cause);
	state_clear(&st);
}
END_TEST

/* --- Files --------------------------------------------------------------- */

static char tmpdir[PATH_MAX];

static void
setup_dir(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/check_state.XXXXXX",
	    base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	umask(022);
}

static void
teardown_dir(void)
{
	struct dirent *de;
	char path[PATH_MAX * 2];
	DIR *d;

	if ((d = opendir(tmpdir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		if (unlink(path) != 0)
			rmdir(path);
	}
	closedir(d);
	rmdir(tmpdir);
}

static void
put_file(const char *name, const char *text, size_t len)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static bool
exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static bool
exists(const char *fmt, ...)
{
	char name[PATH_MAX], path[PATH_MAX * 2];
	struct stat sb;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return lstat(path, &sb) == 0;
}

/* The names in the directory, sorted, joined by spaces. */
static void
listing(char *buf, size_t len)
{
	struct dirent **v;
	int n, i;

	buf[0] = '\0';
	n = scandir(tmpdir, &v, NULL, alphasort);
	ck_assert_int_ge(n, 0);
	for (i = 0; i < n; i++) {
		if (v[i]->d_name[0] != '.')
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			    buf[0] ? " " : "", v[i]->d_name);
		free(v[i]);
	}
	free(v);
}

START_TEST(test_save_load)
{
	struct state st, back;
	char path[PATH_MAX * 2], names[1024];
	char *cause = (char *)1, *p;
	struct stat sb;
	int i;

	/* Nothing there: empty, no cause. */
	memset(&back, 0xa5, sizeof(back));
	ck_assert_int_eq(state_load(tmpdir, &back, &cause), -ENOENT);
	ck_assert_ptr_null(cause);
	ck_assert_uint_eq(back.nquota, 0);
	ck_assert_uint_eq(back.nips, 0);
	ck_assert_ptr_null(back.quota);

	for (i = 0; i < NSAMPLES; i++) {
		sample(i, &st);
		ck_assert_int_eq(state_save(tmpdir, &st, &cause), 0);
		ck_assert_ptr_null(cause);
		ck_assert_int_eq(state_load(tmpdir, &back, &cause), 0);
		ck_assert_ptr_null(cause);
		assert_same(&st, &back);
		state_clear(&st);
		state_clear(&back);
	}
	snprintf(path, sizeof(path), "%s/state", tmpdir);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0640);
	listing(names, sizeof(names));
	ck_assert_str_eq(names, "state");

	/* Refused before anything is written. */
	sample(1, &st);
	memcpy(st.quota[0].holder, "j smith", 8);
	ck_assert_int_eq(state_save(tmpdir, &st, &cause), -EINVAL);
	ck_assert_ptr_nonnull(strstr(cause, "holder name"));
	free(cause);
	listing(names, sizeof(names));
	ck_assert_str_eq(names, "state");
	ck_assert_int_eq(state_load(tmpdir, &back, NULL), 0);
	ck_assert_int_eq(back.saved, 0);	/* still sample 5 */
	state_clear(&back);
	state_clear(&st);

	/* No directory: the step and the path in the cause. */
	sample(1, &st);
	snprintf(path, sizeof(path), "%s/none", tmpdir);
	ck_assert_int_eq(state_save(path, &st, &cause), -ENOENT);
	ck_assert_int_ge(asprintf(&p, "open %s/state.tmp.%ld: %s", path,
	    (long)getpid(), strerror(ENOENT)), 0);
	ck_assert_str_eq(cause, p);
	free(p);
	free(cause);
	ck_assert_int_eq(state_load(path, &back, &cause), -ENOENT);
	ck_assert_ptr_null(cause);
	state_clear(&st);
}
END_TEST

START_TEST(test_save_readonly)
{
	struct state st;
	char *cause = NULL;

	if (geteuid() == 0)
		return;		/* root writes anyway */
	ck_assert_int_eq(chmod(tmpdir, 0500), 0);
	sample(1, &st);
	ck_assert_int_eq(state_save(tmpdir, &st, &cause), -EACCES);
	ck_assert_ptr_nonnull(strstr(cause, "open "));
	ck_assert_ptr_nonnull(strstr(cause, "/state.tmp."));
	free(cause);
	ck_assert_int_eq(chmod(tmpdir, 0700), 0);
	state_clear(&st);
}
END_TEST

/* A stale temp of our own pid is replaced, not a reason to fail. */
START_TEST(test_save_stale_own_temp)
{
	struct state st, back;
	char name[64];

	snprintf(name, sizeof(name), "state.tmp.%ld", (long)getpid());
	put_file(name, "junk", 4);
	sample(1, &st);
	ck_assert_int_eq(state_save(tmpdir, &st, NULL), 0);
	ck_assert(!exists("%s", name));
	ck_assert_int_eq(state_load(tmpdir, &back, NULL), 0);
	assert_same(&st, &back);
	state_clear(&st);
	state_clear(&back);
}
END_TEST

/* Corrupt files: what the daemon sees, and where the file went. */
static const struct {
	const char	*text;		/* NULL: a valid file, then cut */
	int		 rc;
	const char	*why;
	int64_t		 named;		/* 0: after the clock */
} moved[] = {
	{ "garbage\n", -EBADMSG, "line 1: not a schoolgate state file", 0 },
	{ "", -EBADMSG, "truncated", 0 },
	{ "schoolgate-state 7\nsaved 1763800000\n", -EPROTO,
	  "version 7 is newer than this program reads (1)", 0 },
	{ "schoolgate-state 1\nsaved 1763800000\nquota a 1 1\n", -EBADMSG,
	  "line 4: truncated: no end line", 1763800000 },
	{ "schoolgate-state 1\nsaved -5\nquota a 1 1\n", -EBADMSG,
	  "truncated", 0 },
	{ NULL, -EBADMSG, "line 5: checksum mismatch", 1763800000 },
};

START_TEST(test_load_corrupt)
{
	struct state st, back;
	char want[PATH_MAX * 2], *text, *cause = NULL, *p;
	const char *t;
	time_t t0, t1;
	size_t len;
	long when;
	int rc;

	sample(1, &st);
	text = state_format(&st, &len);
	if (moved[_i].text == NULL) {
		p = strstr(text, "600");
		p[0] = '9';	/* more time used than the digest says */
		put_file("state", text, len);
	} else
		put_file("state", moved[_i].text, strlen(moved[_i].text));
	t0 = time(NULL);
	memset(&back, 0xa5, sizeof(back));
	rc = state_load(tmpdir, &back, &cause);
	t1 = time(NULL);
	ck_assert_int_eq(rc, moved[_i].rc);
	ck_assert_ptr_nonnull(cause);
	/* The daemon starts empty. */
	ck_assert_uint_eq(back.nquota, 0);
	ck_assert_uint_eq(back.nips, 0);
	ck_assert_ptr_null(back.quota);
	ck_assert_ptr_null(back.ips);
	ck_assert_msg(strstr(cause, moved[_i].why) != NULL, "%s", cause);
	ck_assert(!exists("state"));
	if (moved[_i].named != 0) {
		ck_assert(exists("state.bad-%" PRId64, moved[_i].named));
		ck_assert_int_ge(asprintf(&p, "%s/state: %s; moved aside to "
		    "%s/state.bad-%" PRId64, tmpdir, moved[_i].why, tmpdir,
		    moved[_i].named), 0);
		ck_assert_str_eq(cause, p);
		free(p);
	} else {
		t = strstr(cause, "; moved aside to ");
		ck_assert_ptr_nonnull(t);
		snprintf(want, sizeof(want), "; moved aside to %s/state.bad-",
		    tmpdir);
		ck_assert_int_eq(strncmp(t, want, strlen(want)), 0);
		when = strtol(t + strlen(want), &p, 10);
		ck_assert(*p == '\0');
		ck_assert(when >= t0 && when <= t1);
		ck_assert(exists("state.bad-%ld", when));
	}
	free(cause);

	/* The next start finds nothing, and the next save works. */
	ck_assert_int_eq(state_load(tmpdir, &back, &cause), -ENOENT);
	ck_assert_ptr_null(cause);
	ck_assert_int_eq(state_save(tmpdir, &st, NULL), 0);
	ck_assert_int_eq(state_load(tmpdir, &back, NULL), 0);
	assert_same(&st, &back);
	state_clear(&back);
	free(text);
	state_clear(&st);
}
END_TEST

/* The name is taken: .1, .2, ... */
START_TEST(test_load_corrupt_name_taken)
{
	static const char text[] = "schoolgate-state 1\nsaved 42\nxx\n";
	struct state back;
	char *cause = NULL, want[PATH_MAX * 2];
	int i;

	for (i = 0; i < 3; i++) {
		put_file("state", text, strlen(text));
		ck_assert_int_eq(state_load(tmpdir, &back, &cause), -EBADMSG);
		if (i == 0)
			snprintf(want, sizeof(want), "%s/state.bad-42", tmpdir);
		else
			snprintf(want, sizeof(want), "%s/state.bad-42.%d",
			    tmpdir, i);
		ck_assert_msg(strstr(cause, want) != NULL, "%s", cause);
		ck_assert_ptr_nonnull(strstr(cause, "line 3: unknown record"));
		free(cause);
	}
	ck_assert(exists("state.bad-42"));
	ck_assert(exists("state.bad-42.1"));
	ck_assert(exists("state.bad-42.2"));
	ck_assert(!exists("state"));
}
END_TEST

/* Over STATE_FILE_MAX: refused without reading it all, and moved aside. */
START_TEST(test_load_too_big)
{
	struct state back;
	char path[PATH_MAX * 2], *cause = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/state", tmpdir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)STATE_FILE_MAX + 1), 0);
	close(fd);
	ck_assert_int_eq(state_load(tmpdir, &back, &cause), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(cause, "larger than"));
	ck_assert_ptr_nonnull(strstr(cause, "moved aside to"));
	free(cause);
	ck_assert(!exists("state"));
}
END_TEST

/* A directory where the file should be: an error, nothing moved. */
START_TEST(test_load_not_a_file)
{
	struct state back;
	char path[PATH_MAX * 2], *cause = NULL;

	snprintf(path, sizeof(path), "%s/state", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(state_load(tmpdir, &back, &cause), -EINVAL);
	ck_assert_ptr_nonnull(strstr(cause, "not a regular file"));
	free(cause);
	ck_assert(exists("state"));
	ck_assert_int_eq(rmdir(path), 0);
}
END_TEST

/* Leftovers of a crashed save go; other names stay. */
START_TEST(test_load_removes_temps)
{
	struct state st, back;
	char names[1024], path[PATH_MAX * 2];

	sample(1, &st);
	ck_assert_int_eq(state_save(tmpdir, &st, NULL), 0);
	put_file("state.tmp.12345", "partial", 7);
	put_file("state.tmp.1", "", 0);
	put_file("state.tmp.", "", 0);
	put_file("state.tmp.12x", "", 0);
	put_file("state.tmpfoo", "", 0);
	ck_assert_int_eq(state_load(tmpdir, &back, NULL), 0);
	assert_same(&st, &back);
	listing(names, sizeof(names));
	ck_assert_str_eq(names, "state state.tmp. state.tmp.12x state.tmpfoo");
	state_clear(&back);

	/* Also when there is no state file at all. */
	snprintf(path, sizeof(path), "%s/state", tmpdir);
	ck_assert_int_eq(unlink(path), 0);
	put_file("state.tmp.777", "", 0);
	ck_assert_int_eq(state_load(tmpdir, &back, NULL), -ENOENT);
	ck_assert(!exists("state.tmp.777"));
	state_clear(&st);
}
END_TEST

static Suite *
state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc;

	tc = tcase_create("text");
	tcase_add_loop_test(tc, test_round_trip, 0, NSAMPLES);
	tcase_add_test(tc, test_golden);
	tcase_add_loop_test(tc, test_parse_bad, 0, (int)nitems(bad));
	tcase_add_test(tc, test_trailer);
	tcase_add_test(tc, test_truncated_and_flipped);
	tcase_add_test(tc, test_check);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, setup_dir, teardown_dir);
	tcase_add_test(tc, test_save_load);
	tcase_add_test(tc, test_save_readonly);
	tcase_add_test(tc, test_save_stale_own_temp);
	tcase_add_loop_test(tc, test_load_corrupt, 0, (int)nitems(moved));
	tcase_add_test(tc, test_load_corrupt_name_taken);
	tcase_add_test(tc, test_load_too_big);
	tcase_add_test(tc, test_load_not_a_file);
	tcase_add_test(tc, test_load_removes_temps);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(state_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
