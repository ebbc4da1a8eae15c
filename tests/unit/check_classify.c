/*
 * Unit tests for classify.c: the catalogue loader (every error, with its
 * exact message), the shipped catalogue, and the lookup (suffix rules,
 * hostile bytes, a differential test against a naive matcher, a
 * million-entry catalogue, the nDPI corpus).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "classify.h"

/*
 * Helpers: catalogues written to a temporary directory.
 */

static char tmpdir[] = "/tmp/check_classify.XXXXXX";

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	struct dirent *de;
	char path[512];
	DIR *d;

	if ((d = opendir(tmpdir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(tmpdir);
	memcpy(tmpdir + strlen(tmpdir) - 6, "XXXXXX", 6);
}

static char *
tmp_path(const char *name)
{
	char *p;

	ck_assert_int_ne(asprintf(&p, "%s/%s", tmpdir, name), -1);
	return p;
}

static void
write_file(const char *name, const char *text)
{
	char *p = tmp_path(name);
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	free(p);
}

/* Load one catalogue text; return the catalogue, or NULL and *cause. */
static struct catalog *
load_text(const char *text, char **cause)
{
	struct catalog *cat;
	char *p;

	write_file("t.conf", text);
	p = tmp_path("t.conf");
	cat = catalog_load_files((const char *const *)&p, 1, cause);
	free(p);
	return cat;
}

/* want with every '@' replaced by path. */
static char *
subst(const char *want, const char *path)
{
	size_t n = 0, plen = strlen(path);
	const char *s;
	char *out, *o;

	for (s = want; *s; s++)
		n += *s == '@' ? plen : 1;
	out = o = malloc(n + 1);
	ck_assert_ptr_nonnull(out);
	for (s = want; *s; s++) {
		if (*s == '@') {
			memcpy(o, path, plen);
			o += plen;
		} else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

static const char *
lookup_id(const struct catalog *cat, const char *name, size_t len)
{
	const struct platform *p = catalog_lookup(cat, name, len);

	return p ? p->id : NULL;
}

#define ID(cat, s)	lookup_id((cat), (s), strlen(s))

/* The repository root: cwd when tests run, else $SG_TOP. */
static char *
top_path(const char *rel)
{
	const char *top = getenv("SG_TOP");
	struct stat st;
	char *p;

	if (stat("conf/platforms.d", &st) == 0 || top == NULL)
		top = ".";
	ck_assert_int_ne(asprintf(&p, "%s/%s", top, rel), -1);
	return p;
}

static struct catalog *
load_shipped(void)
{
	struct catalog *cat;
	char *dir = top_path("conf/platforms.d"), *cause = NULL;

	cat = catalog_load_dir(dir, &cause);
	ck_assert_msg(cat != NULL, "%s", cause ? cause : "?");
	ck_assert_ptr_null(cause);
	free(dir);
	return cat;
}

/*
 * Firewall marks come from the ids: unique, never 0, the same whatever
 * the order of the files or the other platforms, and found again by
 * catalog_by_mark.
 */
START_TEST(test_marks)
{
	static const char one[] =
	    "[platform aaa]\nname = A\ncategory = social\ndomains = a.test\n"
	    "[platform bbb]\nname = B\ncategory = social\ndomains = b.test\n";
	static const char two[] =
	    "[platform zzz]\nname = Z\ncategory = social\ndomains = z.test\n"
	    "[platform bbb]\nname = B\ncategory = social\ndomains = b.test\n"
	    "[platform aaa]\nname = A\ncategory = social\ndomains = a.test\n";
	struct catalog *shipped = load_shipped(), *c1, *c2;
	const struct platform *p, *q;
	char *cause = NULL;
	size_t i, j;

	for (i = 0; i < catalog_nplatforms(shipped); i++) {
		p = catalog_platform(shipped, i);
		ck_assert_uint_ne(p->mark, 0);
		ck_assert_ptr_eq(catalog_by_mark(shipped, p->mark), p);
		for (j = 0; j < i; j++)
			ck_assert_uint_ne(catalog_platform(shipped, j)->mark,
			    p->mark);
	}
	ck_assert_ptr_null(catalog_by_mark(shipped, 0));
	ck_assert_ptr_nonnull(c1 = load_text(one, &cause));
	ck_assert_ptr_nonnull(c2 = load_text(two, &cause));
	for (i = 0; i < catalog_nplatforms(c1); i++) {
		p = catalog_platform(c1, i);
		q = catalog_find(c2, p->id);
		ck_assert_ptr_nonnull(q);
		ck_assert_uint_eq(p->mark, q->mark);
	}
	/* ... though aaa moved from first to last. */
	ck_assert_uint_eq(catalog_find(c1, "aaa")->index, 0);
	ck_assert_uint_eq(catalog_find(c2, "aaa")->index, 2);
	catalog_free(c1);
	catalog_free(c2);
	catalog_free(shipped);
}
END_TEST

/* The start of a valid platform: its domains come next, on line 4. */
#define HEAD	"[platform a]\nname = A\ncategory = social\n"

static const char three[] =
    "[platform fb]\n"
    "name = Facebook\n"
    "category = social\n"
    "domains = facebook.com\n"
    "\n"
    "[platform google]\n"
    "name = Google\n"
    "category = other\n"
    "domains = google.com\n"
    "\n"
    "[platform gplus]\n"
    "name = Google+\n"
    "category = social\n"
    "domains = plus.google.com\n";

/*
 * Lookup rules.
 */

START_TEST(test_suffix_rules)
{
	static const struct { const char *name; const char *want; } t[] = {
		{ "facebook.com", "fb" },
		{ "m.facebook.com", "fb" },
		{ "a.b.c.m.facebook.com", "fb" },
		{ "FACEBOOK.COM.", "fb" },
		{ "WwW.FaCeBoOk.CoM", "fb" },
		{ "www.facebook.com.", "fb" },
		{ "notfacebook.com", NULL },
		{ "facebook.com.evil.org", NULL },
		{ "facebook.co", NULL },
		{ "acebook.com", NULL },
		{ "com", NULL },
		{ ".", NULL },
		{ "..", NULL },
		{ "facebook.com..", NULL },	/* only one trailing dot */
		{ "facebook..com", NULL },
		{ ".facebook.com", "fb" },	/* its last labels match */
		/* Longest suffix wins across platforms. */
		{ "google.com", "google" },
		{ "www.google.com", "google" },
		{ "plus.google.com", "gplus" },
		{ "a.plus.google.com", "gplus" },
		{ "PLUS.Google.COM.", "gplus" },
		{ "xplus.google.com", "google" },
		{ "plus.google.com.au", NULL },
	};
	struct catalog *cat;
	char *cause = NULL;
	size_t i;

	cat = load_text(three, &cause);
	ck_assert_msg(cat != NULL, "%s", cause);
	ck_assert_uint_eq(catalog_ndomains(cat), 3);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *got = ID(cat, t[i].name);

		ck_assert_msg((got == NULL && t[i].want == NULL) ||
		    (got && t[i].want && strcmp(got, t[i].want) == 0),
		    "%s: got %s, want %s", t[i].name, got ? got : "NULL",
		    t[i].want ? t[i].want : "NULL");
	}
	catalog_free(cat);
}
END_TEST

START_TEST(test_hostile_bytes)
{
	struct catalog *cat;
	char name[400], *cause = NULL;
	size_t n;

	cat = load_text(three, &cause);
	ck_assert_ptr_nonnull(cat);

	ck_assert_ptr_null(catalog_lookup(cat, "", 0));
	ck_assert_ptr_null(catalog_lookup(cat, NULL, 0));
	ck_assert_ptr_null(catalog_lookup(NULL, "facebook.com", 12));
	/* len is the bound: the bytes after it are not read. */
	ck_assert_str_eq(lookup_id(cat, "facebook.comXYZ", 12), "fb");
	ck_assert_ptr_null(lookup_id(cat, "facebook.com", 11));

	/* 255 bytes may match; 256 and 300 are longer than any DNS name. */
	memset(name, 'a', sizeof(name));
	for (n = 62; n < 242; n += 64)
		name[n] = '.';
	memcpy(name + 255 - 13, ".facebook.com", 13);
	ck_assert_str_eq(lookup_id(cat, name, 255), "fb");
	memmove(name + 1, name, 255);
	ck_assert_ptr_null(lookup_id(cat, name, 256));
	memset(name, 'a', sizeof(name));
	memcpy(name + 300 - 13, ".facebook.com", 13);
	ck_assert_ptr_null(lookup_id(cat, name, 300));

	/* Embedded NULs: only whole labels count. */
	ck_assert_ptr_null(lookup_id(cat, "facebook.com\0.evil.org", 22));
	ck_assert_ptr_null(lookup_id(cat, "face\0book.com", 13));
	ck_assert_ptr_null(lookup_id(cat, "facebook.com\0", 13));
	ck_assert_ptr_null(lookup_id(cat, "\0facebook.com", 13));
	ck_assert_str_eq(lookup_id(cat, "evil\0.facebook.com", 18), "fb");
	/* High bytes never fold onto ASCII. */
	ck_assert_ptr_null(ID(cat, "facebook.co\xcd"));
	ck_assert_ptr_null(ID(cat, "f\xc1" "cebook.com"));
	ck_assert_str_eq(ID(cat, "\xff\xfe.facebook.com"), "fb");
	ck_assert_ptr_null(ID(cat, "\xff\xff\xff\xff\xff\xff\xff\xff\xff"));
	/* A name of dots only. */
	memset(name, '.', 255);
	ck_assert_ptr_null(lookup_id(cat, name, 255));
	catalog_free(cat);
}
END_TEST

/* The obvious matcher, to compare the hash table against. */
struct naive {
	char		**dom;
	const struct platform **plat;
	size_t		 n;
};

static void
naive_add(const struct platform *p, const char *d, size_t len, void *arg)
{
	struct naive *nv = arg;

	nv->dom = realloc(nv->dom, (nv->n + 1) * sizeof(*nv->dom));
	nv->plat = realloc(nv->plat, (nv->n + 1) * sizeof(*nv->plat));
	ck_assert_ptr_nonnull(nv->dom);
	ck_assert_ptr_nonnull(nv->plat);
	nv->dom[nv->n] = strndup(d, len);
	nv->plat[nv->n++] = p;
}

static const struct platform *
naive_lookup(const struct naive *nv, const char *name, size_t len)
{
	char low[256];
	size_t i, j, n;

	if (len == 0 || len > 255)
		return NULL;
	for (i = 0; i < len; i++)
		low[i] = (name[i] >= 'A' && name[i] <= 'Z') ?
		    (char)(name[i] + 32) : name[i];
	if (low[len - 1] == '.')
		len--;
	/* Suffixes from the longest: start of name or after a dot. */
	for (i = 0; i < len; i++) {
		if (i > 0 && low[i - 1] != '.')
			continue;
		n = len - i;
		for (j = 0; j < nv->n; j++)
			if (strlen(nv->dom[j]) == n &&
			    memcmp(nv->dom[j], low + i, n) == 0)
				return nv->plat[j];
	}
	return NULL;
}

START_TEST(test_differential)
{
	static const char alpha[] = "abcABCfgo.-_\0\xc3\xff";
	static const char *const parts[] = {
		"facebook", "com", "google", "plus", "www", "m", "", "evil",
		"cdn", "ab", "b", "c", "x",
	};
	struct naive nv = { NULL, NULL, 0 };
	static char names[1000][32];
	const struct platform *want[1000], *got[1000];
	const char *np[1000];
	size_t lens[1000], nb = 0;
	struct catalog *cat;
	char name[320], *cause = NULL;
	unsigned seed = 12345;
	size_t i, j, n, len;

	cat = load_text(
	    "[platform p1]\nname = A\ncategory = social\n"
	    "domains = facebook.com, ab.c, b.c, a-b.c_d, www.plus.google.com\n"
	    "[platform p2]\nname = B\ncategory = social\n"
	    "domains = plus.google.com, c, x.y.z.facebook.com, fo.go\n",
	    &cause);
	ck_assert_msg(cat != NULL, "%s", cause);
	catalog_foreach_domain(cat, naive_add, &nv);
	ck_assert_uint_eq(nv.n, 9);
	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245 + 12345;
		if (seed >> 31) {
			/* Random bytes from a small alphabet. */
			len = (seed >> 16) % 24;
			for (j = 0; j < len; j++) {
				seed = seed * 1103515245 + 12345;
				name[j] = alpha[(seed >> 16) %
				    (sizeof(alpha) - 1)];
			}
		} else {
			/* Random labels, likely to hit. */
			len = 0;
			n = 1 + (seed >> 16) % 6;
			for (j = 0; j < n; j++) {
				const char *s;

				seed = seed * 1103515245 + 12345;
				s = parts[(seed >> 16) % (sizeof(parts) /
				    sizeof(parts[0]))];
				if (j > 0)
					name[len++] = '.';
				memcpy(name + len, s, strlen(s));
				len += strlen(s);
			}
			if ((seed >> 8) % 5 == 0)
				name[len++] = '.';
			if ((seed >> 12) % 7 == 0 && len > 0)
				name[(seed >> 4) % len] ^= 0x20;
		}
		ck_assert_msg(catalog_lookup(cat, name, len) ==
		    naive_lookup(&nv, name, len), "mismatch on %.*s",
		    (int)len, name);
		/* Every 200th name also goes through the batch lookup. */
		if (i % 200 == 0 && len <= sizeof(names[0])) {
			memcpy(names[nb], name, len);
			np[nb] = names[nb];
			lens[nb] = len;
			want[nb++] = naive_lookup(&nv, name, len);
		}
	}
	n = catalog_lookup_many(cat, nb, np, lens, got);
	for (i = 0, j = 0; i < nb; i++) {
		ck_assert_msg(got[i] == want[i], "batch mismatch on %.*s",
		    (int)lens[i], np[i]);
		j += want[i] != NULL;
	}
	ck_assert_uint_eq(n, j);
	ck_assert_uint_eq(catalog_lookup_many(cat, 0, np, lens, got), 0);
	for (i = 0; i < nv.n; i++)
		free(nv.dom[i]);
	free(nv.dom);
	free(nv.plat);
	catalog_free(cat);
}
END_TEST

/* Domain i of length len: labels of at most 63, ending in "q" + index. */
static void
long_domain(size_t i, size_t len, char *d)
{
	size_t j;

	for (j = 0; j < len; j++)
		d[j] = (j % 64 == 63) ? '.' : (char)('a' + (i + j) % 26);
	if (d[len - 3] == '.')
		d[len - 3] = 'z';
	d[len - 2] = 'q';
	d[len - 1] = (char)('a' + i);
	d[len] = '\0';
}

START_TEST(test_long_domains)
{
	/*
	 * Around word boundaries, and around the longest name a bucket
	 * holds inline (122); longer ones live in the long pool.
	 */
	static const size_t lens[] = { 7, 8, 9, 15, 16, 17, 57, 58, 59, 60,
	    121, 122, 123, 124, 63 + 1 + 63 + 1 + 30,
	    63 + 1 + 63 + 1 + 63 + 1 + 3 };
	char conf[4096], name[300], d[256];
	struct catalog *cat;
	char *cause = NULL;
	size_t i, j, n, o = 0;

	o += (size_t)snprintf(conf + o, sizeof(conf) - o, HEAD "domains =\n");
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		long_domain(i, lens[i], d);
		o += (size_t)snprintf(conf + o, sizeof(conf) - o, "\t%s,\n",
		    d);
	}
	cat = load_text(conf, &cause);
	ck_assert_msg(cat != NULL, "%s", cause);
	ck_assert_uint_eq(catalog_ndomains(cat),
	    sizeof(lens) / sizeof(lens[0]));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		long_domain(i, lens[i], d);
		n = (size_t)snprintf(name, sizeof(name), "m.%s", d);
		ck_assert_msg(catalog_lookup(cat, name + 2, n - 2) != NULL,
		    "%s", name + 2);
		ck_assert_msg(catalog_lookup(cat, name, n) != NULL, "%s", name);
		/* One byte different anywhere: no match. */
		for (j = 2; j < n; j++) {
			if (name[j] == '.')
				continue;
			name[j] ^= 1;
			ck_assert_msg(catalog_lookup(cat, name + 2, n - 2) ==
			    NULL, "%s", name + 2);
			name[j] ^= 1;
		}
		/* Without its first byte: another domain. */
		if (name[3] != '.')
			ck_assert_ptr_null(catalog_lookup(cat, name + 3,
			    n - 3));
	}
	catalog_free(cat);
}
END_TEST

/* Domain j of about len bytes: j in hex, letters, a dot every 50, ".com". */
static void
sized_domain(size_t j, size_t len, char *d)
{
	size_t k = (size_t)snprintf(d, 16, "n%zxz", j);

	for (; k + 4 < len; k++)
		d[k] = k % 50 == 49 ? '.' : (char)('a' + k % 26);
	memcpy(d + k, ".com", 5);
}

START_TEST(test_bucket_sizes)
{
	/*
	 * Domains of one length each time, from those that share a bucket
	 * to those that fill one: every one is stored and found.
	 */
	static const size_t lens[] = { 5, 20, 27, 28, 29, 30, 31, 40, 57, 58,
	    59, 100 };
	struct catalog *cat;
	char name[128], d[128], *cause = NULL, *p;
	size_t i, j;
	FILE *f;

	p = tmp_path("t.conf");
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		ck_assert_ptr_nonnull(f = fopen(p, "w"));
		fputs(HEAD "domains =\n", f);
		for (j = 0; j < 3000; j++) {
			sized_domain(j, lens[i], d);
			fprintf(f, "\t%s\n", d);
		}
		ck_assert_int_eq(fclose(f), 0);
		cat = catalog_load_files((const char *const *)&p, 1, &cause);
		ck_assert_msg(cat != NULL, "%s", cause);
		ck_assert_uint_eq(catalog_ndomains(cat), 3000);
		for (j = 0; j < 3000; j++) {
			sized_domain(j, lens[i], name);
			ck_assert_msg(ID(cat, name) != NULL, "%s", name);
		}
		catalog_free(cat);
	}
	free(p);
}
END_TEST

/*
 * Loader: values and syntax that are accepted.
 */

START_TEST(test_accepts)
{
	const struct platform *p;
	struct catalog *cat;
	struct addr a;
	char *cause = NULL;

	cat = load_text(
	    "\xef\xbb\xbf# a byte order mark, comments of both kinds\r\n"
	    "; and CRLF line ends\r\n"
	    "[platform a]\r\n"
	    "name = A \xc3\xa9 ; inline comment\r\n"
	    "category = social\r\n"
	    "domains = Example.COM., b.example.org,\r\n"
	    "\tc.example.org  d.example.org\r\n"
	    "\r\n"
	    "  e.example.org\r\n"
	    "domains: f.example.org\r\n"
	    "shared_infra = yes\r\n"
	    "cidrs = 192.0.2.0/24, 2001:db8::/32\r\n"
	    "cidrs = 198.51.100.7\r\n"
	    "[ platform  b ]\n"
	    "name = B\n"
	    "category = circumvention\n"
	    "reason = vpn\n"
	    "domains = under_score.example.net, 1.2.3.4.example.net\n", &cause);
	ck_assert_msg(cat != NULL, "%s", cause);
	ck_assert_uint_eq(catalog_nplatforms(cat), 2);
	ck_assert_uint_eq(catalog_ndomains(cat), 8);
	p = catalog_find(cat, "a");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->index, 0);
	ck_assert_str_eq(p->name, "A \xc3\xa9");
	ck_assert_str_eq(p->category, "social");
	ck_assert_int_eq(p->cat, CAT_SOCIAL);
	ck_assert_int_eq(p->reason, CIRC_NONE);
	ck_assert(p->shared_infra);
	ck_assert_uint_eq(p->ncidrs, 3);
	ck_assert_uint_eq(p->ndomains, 6);
	ck_assert_ptr_eq(catalog_platform(cat, 0), p);
	ck_assert_str_eq(ID(cat, "example.com"), "a");
	ck_assert_str_eq(ID(cat, "x.e.example.org"), "a");
	ck_assert_str_eq(ID(cat, "f.example.org"), "a");
	ck_assert_ptr_null(ID(cat, "example.org"));
	p = catalog_find(cat, "b");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->cat, CAT_CIRCUMVENTION);
	ck_assert_int_eq(p->reason, CIRC_VPN);
	ck_assert(!p->shared_infra);
	ck_assert_str_eq(ID(cat, "x.under_score.example.net"), "b");
	ck_assert_ptr_null(catalog_find(cat, "c"));
	ck_assert_ptr_null(catalog_find(cat, ""));
	ck_assert_ptr_null(catalog_platform(cat, 2));

	ck_assert_int_eq(addr_parse("192.0.2.255", &a), 0);
	ck_assert_str_eq(catalog_lookup_addr(cat, &a)->id, "a");
	ck_assert_int_eq(addr_parse("192.0.3.0", &a), 0);
	ck_assert_ptr_null(catalog_lookup_addr(cat, &a));
	ck_assert_int_eq(addr_parse("198.51.100.7", &a), 0);
	ck_assert_str_eq(catalog_lookup_addr(cat, &a)->id, "a");
	ck_assert_int_eq(addr_parse("198.51.100.8", &a), 0);
	ck_assert_ptr_null(catalog_lookup_addr(cat, &a));
	ck_assert_int_eq(addr_parse("2001:db8:ffff::1", &a), 0);
	ck_assert_str_eq(catalog_lookup_addr(cat, &a)->id, "a");
	ck_assert_int_eq(addr_parse("2001:db9::", &a), 0);
	ck_assert_ptr_null(catalog_lookup_addr(cat, &a));
	/* 192.0.2.0 as an IPv6 address is not in the IPv4 range. */
	ck_assert_int_eq(addr_parse("::c000:200", &a), 0);
	ck_assert_ptr_null(catalog_lookup_addr(cat, &a));
	ck_assert_int_eq(addr_parse("0.0.0.0", &a), 0);
	ck_assert_ptr_null(catalog_lookup_addr(cat, &a));
	ck_assert(catalog_memsize(cat) > 0);
	catalog_free(cat);
	catalog_free(NULL);
	ck_assert_str_eq(circ_reason_str(CIRC_DOH), "doh");
	ck_assert_str_eq(circ_reason_str(CIRC_RELAY), "relay");
	ck_assert_str_eq(circ_reason_str((enum circ_reason)99), "unknown");
}
END_TEST

/*
 * Loader: every error, with its exact message.
 */

START_TEST(test_errors)
{
#define E(conf, want)	{ conf, sizeof(conf) - 1, want }
	static const struct {
		const char	*conf;
		size_t		 len;
		const char	*want;
	} t[] = {
		E(HEAD "domains = a.example\ncolour = blue\n",
		  "@:5: [platform a] colour = blue: unknown key (name, "
		  "category, domains, cidrs, shared_infra, reason)"),
		E("[platform a]\ncategory = social\ndomains = a.example\n",
		  "@:1: [platform a]: missing name"),
		E("[platform a]\nname = A\ndomains = a.example\n",
		  "@:1: [platform a]: missing category"),
		E(HEAD,
		  "@:1: [platform a]: missing domains"),
		E(HEAD "domains =\n",
		  "@:1: [platform a]: missing domains"),
		E(HEAD "domains = a.example, bad..example.com\n",
		  "@:4: [platform a] domains = bad..example.com: empty label"),
		E(HEAD "domains = a.example, .example.com\n",
		  "@:4: [platform a] domains = .example.com: empty label"),
		E(HEAD "domains = a.example, -bad.example\n",
		  "@:4: [platform a] domains = -bad.example: label starts or "
		  "ends with '-'"),
		E(HEAD "domains = a.example, bad-.example\n",
		  "@:4: [platform a] domains = bad-.example: label starts or "
		  "ends with '-'"),
		E(HEAD "domains = a.example, ex!ample.com\n",
		  "@:4: [platform a] domains = ex!ample.com: bad character: "
		  "use letters, digits, '-', '_' and '.'"),
		E(HEAD "domains = a.example, b\xc3\xbc" "cher.de\n",
		  "@:4: [platform a] domains = b\\xc3\\xbccher.de: not ASCII: "
		  "write an international name in its xn-- form"),
		E(HEAD "domains = a.example, *.example.com\n",
		  "@:4: [platform a] domains = *.example.com: no wildcards: a "
		  "domain already matches every name under it"),
		E(HEAD "domains = a.example, https://example.com/\n",
		  "@:4: [platform a] domains = https://example.com/: a URL or "
		  "path, not a domain"),
		E(HEAD "domains = a.example, 192.0.2.1\n",
		  "@:4: [platform a] domains = 192.0.2.1: an address: list it "
		  "in cidrs"),
		E(HEAD "domains = a.example, 2001:db8::/32\n",
		  "@:4: [platform a] domains = 2001:db8::/32: an address: list "
		  "it in cidrs"),
		E(HEAD "domains = a.example, "
		  "a123456789b123456789c123456789d123456789"
		  "e123456789f1234567890abc.example\n",
		  "@:4: [platform a] domains = a123456789b123456789c123456789"
		  "d123456789e123456789f1234567890abc.example: label longer "
		  "than 63 characters"),
		E(HEAD "domains = a.example\ndomains = a.example\n",
		  "@:5: [platform a] domains = a.example: listed twice, first "
		  "at @:4"),
		E(HEAD "domains = a.example, A.Example.\n",
		  "@:4: [platform a] domains = a.example: listed twice, first "
		  "at @:4"),
		E(HEAD "domains = a.example\n"
		  "[platform b]\nname = B\ncategory = social\ndomains = "
		  "x.y, A.EXAMPLE\n",
		  "@:8: [platform b] domains = a.example: already in [platform "
		  "a] at @:4"),
		E(HEAD "domains = a.example\ncidrs = 10.0.0.1/8\n",
		  "@:5: [platform a] cidrs = 10.0.0.1/8: not an address or "
		  "prefix (ADDR/LEN with the host bits zero)"),
		E(HEAD "domains = a.example\ncidrs = example.com\n",
		  "@:5: [platform a] cidrs = example.com: not an address or "
		  "prefix (ADDR/LEN with the host bits zero)"),
		E(HEAD "domains = a.example\ncidrs = 10.0.0.0/8\n"
		  "[platform b]\nname = B\ncategory = social\n"
		  "domains = b.example\n"
		  "cidrs = 2001:db8::/32, 10.1.0.0/16\n",
		  "@:10: [platform b] cidrs = 10.1.0.0/16: overlaps 10.0.0.0/8 "
		  "of [platform a] at @:5"),
		E(HEAD "domains = a.example\ncidrs = 10.0.0.0/8, 10.0.0.0/8\n",
		  "@:5: [platform a] cidrs = 10.0.0.0/8: overlaps 10.0.0.0/8 "
		  "of [platform a] at @:5"),
		E(HEAD "domains = a.example\nreason = doh\n",
		  "@:5: [platform a] reason = doh: only a circumvention "
		  "platform has a reason"),
		E("[platform a]\nname = A\ncategory = circumvention\n"
		  "domains = a.example\n",
		  "@:1: [platform a]: category circumvention needs a reason "
		  "(doh, dot, doq, ech, relay or vpn)"),
		E("[platform a]\nname = A\ncategory = circumvention\n"
		  "domains = a.example\nreason = smtp\n",
		  "@:5: [platform a] reason = smtp: unknown reason (doh, dot, "
		  "doq, ech, relay or vpn)"),
		E(HEAD "domains = a.example\nshared_infra = maybe\n",
		  "@:5: [platform a] shared_infra = maybe: not yes or no"),
		E(HEAD "domains = a.example\nshared_infra = Yes\n",
		  "@:5: [platform a] shared_infra = Yes: not yes or no"),
		E(HEAD "name = B\ndomains = a.example\n",
		  "@:4: [platform a] name = B: given twice (first at line 2)"),
		E("[platform a]\nname = \x01\ncategory = social\n"
		  "domains = a.example\n",
		  "@:2: [platform a] name = \\x01: not 1 to 64 bytes of "
		  "printable UTF-8"),
		E("[platform a]\nname = A\ncategory = Social\n"
		  "domains = a.example\n",
		  "@:3: [platform a] category = Social: not 1 to 32 of a-z, "
		  "0-9, '-' and '_'"),
		E("name = A\n",
		  "@:1: name: outside a [platform ID] section"),
		E("[global]\nname = A\n" HEAD "domains = a.example\n",
		  "@:1: [global]: unknown section, expected [platform ID]"),
		E("[platform]\nname = A\n",
		  "@:1: [platform ]: bad platform id: 1 to 32 of a-z, 0-9, '-' "
		  "and '_', starting with a letter or digit"),
		E("[platform Bad!]\nname = A\n",
		  "@:1: [platform Bad!]: bad platform id: 1 to 32 of a-z, 0-9, "
		  "'-' and '_', starting with a letter or digit"),
		E(HEAD "domains = a.example\n[platform a]\nname = B\n",
		  "@:5: [platform a]: duplicate platform, first defined at "
		  "@:1"),
		E(HEAD "domains = a.example\nthis is not a key\n",
		  "@:5: expected key = value"),
		E(HEAD "domains = a.example\n[platform b\n",
		  "@:5: section header without ']'"),
		E(HEAD "domains = a.example\n[platform b] x\n",
		  "@:5: text after the section header"),
		E(HEAD "domains = a.example\n"
		  "domains = b.example, "
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example\n",
		  "@:5: line longer than 197 bytes: continue a long list on "
		  "indented lines"),
		E(HEAD "domains = a.example\nname\0 = x\n",
		  "@:5: NUL byte in line"),
	};
	char *cause, *path, *exp;
	size_t i;
	FILE *f;

	path = tmp_path("t.conf");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* By length: one case holds a NUL byte. */
		ck_assert_ptr_nonnull(f = fopen(path, "w"));
		ck_assert_uint_eq(fwrite(t[i].conf, 1, t[i].len, f), t[i].len);
		ck_assert_int_eq(fclose(f), 0);
		cause = NULL;
		ck_assert_ptr_null(catalog_load_files(
		    (const char *const *)&path, 1, &cause));
		ck_assert_ptr_nonnull(cause);
		exp = subst(t[i].want, path);
		ck_assert_msg(strcmp(cause, exp) == 0,
		    "case %zu\n got: %s\nwant: %s", i, cause, exp);
		free(exp);
		free(cause);
	}
	free(path);
}
END_TEST

START_TEST(test_limits)
{
	char *cause = NULL, *p, *exp, label[64];
	FILE *f;
	int i;

	/* The longest label and the longest line are accepted. */
	memset(label, 'a', 63);
	label[63] = '\0';
	p = tmp_path("t.conf");
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	/* A tab and a 196-byte name: a line of 197 bytes. */
	fprintf(f, HEAD "domains = %s.example,\n\t%s.%s.%s.abcd\n", label,
	    label, label, label);
	ck_assert_int_eq(fclose(f), 0);
	{
		struct catalog *cat = catalog_load_files(
		    (const char *const *)&p, 1, &cause);

		ck_assert_msg(cat != NULL, "%s", cause);
		ck_assert_uint_eq(catalog_ndomains(cat), 2);
		catalog_free(cat);
	}

	/* Platforms are bounded. */
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	for (i = 0; i <= 4096; i++)
		fprintf(f, "[platform p%d]\nname = P\ncategory = social\n"
		    "domains = p%d.example\n", i, i);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_ptr_null(catalog_load_files((const char *const *)&p, 1,
	    &cause));
	exp = subst("@:16385: [platform p4096]: too many platforms (at most "
	    "4096)", p);
	ck_assert_str_eq(cause, exp);
	free(exp);
	free(cause);
	free(p);
}
END_TEST

START_TEST(test_many_errors)
{
	char *cause = NULL, *p;
	size_t lines = 1;
	FILE *f;
	int i;

	/* Every error of every file is reported, up to a limit. */
	p = tmp_path("t.conf");
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(HEAD, f);
	for (i = 0; i < 150; i++)
		fprintf(f, "domains = bad%d..example\n", i);
	fclose(f);
	ck_assert_ptr_null(catalog_load_files((const char *const *)&p, 1,
	    &cause));
	for (i = 0; cause[i]; i++)
		lines += cause[i] == '\n';
	ck_assert_uint_eq(lines, 101);
	ck_assert_ptr_nonnull(strstr(cause, ":4: [platform a] domains = "
	    "bad0..example: empty label\n"));
	ck_assert_ptr_nonnull(strstr(cause, ":103: [platform a] domains = "
	    "bad99..example: empty label\n"));
	ck_assert_ptr_nonnull(strstr(cause, "\n(51 more errors not shown)"));
	free(cause);
	free(p);
}
END_TEST

START_TEST(test_two_files)
{
	const char *paths[3];
	char *a, *b, *c, *cause = NULL, *exp;

	write_file("10-a.conf", HEAD "domains = a.example\n");
	write_file("20-b.conf", "[platform b]\nname = B\ncategory = social\n"
	    "domains = b.example, a.example\n"
	    "[platform a]\nname = A2\n");
	write_file("30-c.conf", "[platform c]\nname = C\ncategory = social\n"
	    "domains = c.example\nbogus = 1\n");
	a = tmp_path("10-a.conf");
	b = tmp_path("20-b.conf");
	c = tmp_path("30-c.conf");
	paths[0] = a;
	paths[1] = b;
	paths[2] = c;
	ck_assert_ptr_null(catalog_load_files(paths, 3, &cause));
	ck_assert_int_ne(asprintf(&exp,
	    "%s:5: [platform a]: duplicate platform, first defined at %s:1\n"
	    "%s:5: [platform c] bogus = 1: unknown key (name, category, "
	    "domains, cidrs, shared_infra, reason)\n"
	    "%s:4: [platform b] domains = a.example: already in [platform a] "
	    "at %s:4", b, a, c, b, a), -1);
	ck_assert_msg(strcmp(cause, exp) == 0, "\n got: %s\nwant: %s", cause,
	    exp);
	free(exp);
	free(cause);

	/* The directory loader sorts by name and skips what is not *.conf. */
	write_file("20-b.conf", "[platform b]\nname = B\ncategory = social\n"
	    "domains = b.example\n");
	write_file("00-z.conf~", "garbage\n");
	write_file(".hidden.conf", "garbage\n");
	write_file("README", "garbage\n");
	write_file("30-c.conf", "[platform a]\nname = C\ncategory = social\n"
	    "domains = c.example\n");
	ck_assert_ptr_null(catalog_load_dir(tmpdir, &cause));
	ck_assert_int_ne(asprintf(&exp, "%s:1: [platform a]: duplicate "
	    "platform, first defined at %s:1", c, a), -1);
	ck_assert_msg(strcmp(cause, exp) == 0, "\n got: %s\nwant: %s", cause,
	    exp);
	free(exp);
	free(cause);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(test_dir_errors)
{
	struct catalog *cat;
	char *cause = NULL, *exp, *missing;

	ck_assert_ptr_null(catalog_load_dir(tmpdir, &cause));
	ck_assert_int_ne(asprintf(&exp, "%s: no *.conf files", tmpdir), -1);
	ck_assert_str_eq(cause, exp);
	free(exp);
	free(cause);

	missing = tmp_path("nowhere");
	ck_assert_ptr_null(catalog_load_dir(missing, &cause));
	ck_assert_int_ne(asprintf(&exp, "%s: %s", missing, strerror(ENOENT)),
	    -1);
	ck_assert_str_eq(cause, exp);
	free(exp);
	free(cause);

	ck_assert_ptr_null(catalog_load_files((const char *const *)&missing, 1,
	    &cause));
	ck_assert_int_ne(asprintf(&exp, "%s: %s", missing, strerror(ENOENT)),
	    -1);
	ck_assert_str_eq(cause, exp);
	free(exp);
	free(cause);
	free(missing);

	ck_assert_ptr_null(catalog_load_files(NULL, 0, &cause));
	ck_assert_str_eq(cause, "no catalogue files");
	free(cause);

	/* A directory named *.conf is not a catalogue file. */
	missing = tmp_path("d.conf");
	ck_assert_int_eq(mkdir(missing, 0700), 0);
	ck_assert_ptr_null(catalog_load_dir(tmpdir, &cause));
	ck_assert_int_ne(asprintf(&exp, "%s: not a regular file", missing), -1);
	ck_assert_str_eq(cause, exp);
	free(exp);
	free(cause);
	rmdir(missing);
	free(missing);

	/* Nor is a FIFO, and reading does not wait for a writer. */
	missing = tmp_path("f.conf");
	ck_assert_int_eq(mkfifo(missing, 0600), 0);
	ck_assert_ptr_null(catalog_load_dir(tmpdir, &cause));
	ck_assert_int_ne(asprintf(&exp, "%s: not a regular file", missing), -1);
	ck_assert_str_eq(cause, exp);
	free(exp);
	free(cause);
	unlink(missing);
	free(missing);

	/* Success clears *cause; a NULL cause is allowed. */
	write_file("a.conf", HEAD "domains = a.example\n");
	cause = (char *)1;
	cat = catalog_load_dir(tmpdir, &cause);
	ck_assert_ptr_nonnull(cat);
	ck_assert_ptr_null(cause);
	catalog_free(cat);
	cat = catalog_load_dir(tmpdir, NULL);
	ck_assert_ptr_nonnull(cat);
	catalog_free(cat);
	write_file("a.conf", HEAD);
	ck_assert_ptr_null(catalog_load_dir(tmpdir, NULL));
}
END_TEST

/*
 * A million domains: everything loads and every entry is found.
 */

#define MILLION		1000000
#define PER_PLATFORM	10000
#define BATCH		100	/* divides MILLION */

/* A plausible, unique domain for index i (no hyphen in the first label). */
static size_t
synth_domain(size_t i, char *buf, size_t size)
{
	static const char *const tld[] = {
		"com", "net", "org", "co.uk", "io", "de", "fr", "app",
	};
	unsigned x = (unsigned)i * 2654435761u;
	char pre[16];
	size_t n = 3 + x % 8, k;

	for (k = 0; k < n; k++) {
		pre[k] = (char)('a' + (x >> 8) % 26);
		x = x * 1103515245u + 12345u;
	}
	pre[n] = '\0';
	return (size_t)snprintf(buf, size, "%s%zx.%s", pre, i,
	    tld[i % (sizeof(tld) / sizeof(tld[0]))]);
}

START_TEST(test_million)
{
	struct catalog *cat;
	char name[300], *cause = NULL, *p;
	size_t i, n;
	FILE *f;

	p = tmp_path("big.conf");
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	/* Six domains a line, on lines that continue the value. */
	for (i = 0; i < MILLION; i++) {
		size_t j = i % PER_PLATFORM;

		if (j == 0)
			fprintf(f, "[platform p%zu]\nname = P%zu\ncategory = "
			    "social\ndomains =\n", i / PER_PLATFORM,
			    i / PER_PLATFORM);
		if (j % 6 == 0)
			fputc('\t', f);
		synth_domain(i, name, sizeof(name));
		fputs(name, f);
		fputs(j % 6 == 5 || j == PER_PLATFORM - 1 ? ",\n" : ", ", f);
	}
	ck_assert_int_eq(fclose(f), 0);
	cat = catalog_load_files((const char *const *)&p, 1, &cause);
	ck_assert_msg(cat != NULL, "%s", cause ? cause : "?");
	ck_assert_uint_eq(catalog_ndomains(cat), MILLION);
	ck_assert_uint_eq(catalog_nplatforms(cat), MILLION / PER_PLATFORM);
	for (i = 0; i < MILLION; i++) {
		const struct platform *pl;

		n = synth_domain(i, name + 4, sizeof(name) - 4);
		pl = catalog_lookup(cat, name + 4, n);
		ck_assert_msg(pl != NULL && pl->index == i / PER_PLATFORM,
		    "%s", name + 4);
		memcpy(name, "www.", 4);
		ck_assert_ptr_eq(catalog_lookup(cat, name, n + 4), pl);
		/* A hyphen makes a first label no entry has. */
		name[4] = '-';
		pl = catalog_lookup(cat, name + 4, n);
		ck_assert_msg(pl == NULL, "%s", name + 4);
	}
	/* The batch lookup agrees, on hits and misses alike. */
	for (i = 0; i < MILLION; i += BATCH) {
		const struct platform *got[BATCH];
		static char names[BATCH][40];
		const char *np[BATCH];
		size_t lens[BATCH], j, hits;

		for (j = 0; j < BATCH; j++) {
			lens[j] = synth_domain(i + j, names[j],
			    sizeof(names[j]));
			if (j % 3 == 0)
				names[j][0] = '-';
			np[j] = names[j];
		}
		hits = catalog_lookup_many(cat, BATCH, np, lens, got);
		ck_assert_uint_eq(hits, BATCH - (BATCH + 2) / 3);
		for (j = 0; j < BATCH; j++)
			ck_assert_msg(j % 3 == 0 ? got[j] == NULL :
			    got[j] != NULL && got[j]->index ==
			    (i + j) / PER_PLATFORM, "%s", names[j]);
	}
	catalog_free(cat);
	unlink(p);
	free(p);
}
END_TEST

/*
 * The shipped catalogue.
 */

START_TEST(test_shipped)
{
	static const struct { const char *name, *want; } t[] = {
		{ "www.facebook.com", "facebook" },
		{ "scontent.xx.fbcdn.net", "facebook" },
		{ "turner.facebook", "facebook" },
		{ "www.instagram.com", "instagram" },
		{ "www.threads.net", "threads" },
		{ "web.whatsapp.com", "whatsapp" },
		{ "x.com", "twitter" },
		{ "pbs.twimg.com", "twitter" },
		{ "t.co", "twitter" },
		{ "www.tiktok.com", "tiktok" },
		{ "www.youtube.com", "youtube" },
		{ "rr1---sn-abc.googlevideo.com", "youtube" },
		{ "youtubei.googleapis.com", "youtube" },
		{ "www.linkedin.com", "linkedin" },
		{ "www.snapchat.com", "snapchat" },
		{ "www.reddit.com", "reddit" },
		{ "i.pinimg.com", "pinterest" },
		{ "www.pinterest.co.uk", "pinterest" },
		{ "live.staticflickr.com", "flickr" },
		{ "www.tumblr.com", "tumblr" },
		{ "discord.gg", "discord" },
		{ "www.twitch.tv", "twitch" },
		{ "bsky.app", "bluesky" },
		{ "mastodon.social", "mastodon" },
		{ "www.netmums.com", "netmums" },
		{ "www.mumsnet.com", "mumsnet" },
		{ "vk.com", "vk" },
		{ "weibo.com", "weibo" },
		{ "myspace.com", "myspace" },
		{ "plus.google.com", "googleplus" },
		{ "del.icio.us", "delicious" },
		{ "www.quora.com", "quora" },
		{ "t.me", "telegram" },
		{ "dns.google", "google-dns" },
		{ "mozilla.cloudflare-dns.com", "cloudflare-dns" },
		{ "mask.icloud.com", "icloud-private-relay" },
		{ "cloudflare-ech.com", "cloudflare-ech" },
		{ "dns.mullvad.net", "mullvad-dns" },
		{ "www.mullvad.net", "mullvad" },
		{ "api.nordvpn.com", "nordvpn" },
		/* Shared infrastructure and everyday names never match. */
		{ "www.google.com", NULL },
		{ "classroom.google.com", NULL },
		{ "docs.google.com", NULL },
		{ "fonts.googleapis.com", NULL },
		{ "www.gstatic.com", NULL },
		{ "lh3.ggpht.com", NULL },
		{ "wide-youtube.l.google.com", NULL },
		{ "foo.appspot.com", NULL },
		{ "a1.akamaihd.net", NULL },
		{ "d1.cloudfront.net", NULL },
		{ "x.global.ssl.fastly.net", NULL },
		{ "www.cloudflare.com", NULL },
		{ "cdnjs.cloudflare.com", NULL },
		{ "www.apple.com", NULL },
		{ "www.icloud.com", NULL },
		{ "proton.me", NULL },
		{ "login.microsoftonline.com", NULL },
		{ "en.wikipedia.org", NULL },
		{ "www.bbc.co.uk", NULL },
		{ "s3.amazonaws.com", NULL },
		{ "microsoft.co", NULL },
		{ "com", NULL },
	};
	struct catalog *cat = load_shipped();
	size_t i, nsocial = 0;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *got = ID(cat, t[i].name);

		ck_assert_msg((got == NULL && t[i].want == NULL) ||
		    (got && t[i].want && strcmp(got, t[i].want) == 0),
		    "%s: got %s, want %s", t[i].name, got ? got : "NULL",
		    t[i].want ? t[i].want : "NULL");
	}
	for (i = 0; i < catalog_nplatforms(cat); i++) {
		const struct platform *p = catalog_platform(cat, i);

		ck_assert_ptr_nonnull(p->name);
		ck_assert_uint_gt(p->ndomains, 0);
		ck_assert_int_eq(p->cat == CAT_CIRCUMVENTION,
		    p->reason != CIRC_NONE);
		ck_assert_msg(p->cat != CAT_OTHER ||
		    strcmp(p->category, "messaging") == 0, "%s", p->id);
		nsocial += p->cat == CAT_SOCIAL;
	}
	printf("summary: shipped catalogue: %zu platforms (%zu social), "
	    "%zu domains, %zu bytes\n", catalog_nplatforms(cat), nsocial,
	    catalog_ndomains(cat), catalog_memsize(cat));
	catalog_free(cat);
}
END_TEST

START_TEST(test_shipped_addr)
{
	struct catalog *cat = load_shipped();
	struct addr a;

	ck_assert_int_eq(addr_parse("157.240.1.35", &a), 0);
	ck_assert_str_eq(catalog_lookup_addr(cat, &a)->id, "whatsapp");
	ck_assert_int_eq(addr_parse("2a03:2880:f003::1", &a), 0);
	ck_assert_str_eq(catalog_lookup_addr(cat, &a)->id, "whatsapp");
	ck_assert_int_eq(addr_parse("149.154.167.91", &a), 0);
	ck_assert_str_eq(catalog_lookup_addr(cat, &a)->id, "telegram");
	ck_assert_int_eq(addr_parse("8.8.8.8", &a), 0);
	ck_assert_ptr_null(catalog_lookup_addr(cat, &a));
	ck_assert_int_eq(addr_parse("142.250.1.1", &a), 0);
	ck_assert_ptr_null(catalog_lookup_addr(cat, &a));
	catalog_free(cat);
}
END_TEST

/*
 * The nDPI corpus: every name nDPI calls social is matched by the right
 * platform, and no name it does not call social is matched as social.
 */

static const struct { const char *ndpi, *id; } corpus_platforms[] = {
	{ "Badoo", "badoo" }, { "Bluesky", "bluesky" },
	{ "Discord", "discord" }, { "Facebook", "facebook" },
	{ "Flickr", "flickr" }, { "Instagram", "instagram" },
	{ "Likee", "likee" }, { "LinkedIn", "linkedin" },
	{ "Mastodon", "mastodon" }, { "Pinterest", "pinterest" },
	{ "Reddit", "reddit" }, { "Snapchat", "snapchat" },
	{ "Threads", "threads" }, { "TikTok", "tiktok" },
	{ "Tumblr", "tumblr" }, { "Twitch", "twitch" },
	{ "Twitter/X", "twitter" }, { "VK", "vk" }, { "Vimeo", "vimeo" },
	{ "Weibo", "weibo" }, { "WhatsApp", "whatsapp" },
	{ "YouTube", "youtube" },
};

/* Where we differ from nDPI on purpose ("" for no match). */
static const struct { const char *host, *id; } corpus_exceptions[] = {
	/* Akamai's shared CDN names of 2014; Instagram left them long ago. */
	{ "igcdn-photos-a-a.akamaihd.net", "" },
	{ "igcdn-photos-g-a.akamaihd.net", "" },
	{ "igcdn-photos-h-a.akamaihd.net", "" },
	/* fbcdn.net serves every Meta app: we report it as Facebook. */
	{ "instagram.faae1-1.fna.fbcdn.net", "facebook" },
	/* The Sina news portal, not Weibo. */
	{ "u1.img.mobile.sina.cn", "" },
	/* The policies name Google+; nDPI no longer knows it. */
	{ "plus.google.com", "googleplus" },
};

/* Split a TSV line in place; returns the number of fields. */
static size_t
tsv_split(char *line, char **field, size_t max)
{
	size_t n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		field[n++] = line;
		if ((line = strchr(line, '\t')) == NULL)
			break;
		*line++ = '\0';
	}
	return n;
}

START_TEST(test_corpus)
{
	struct catalog *cat;
	char *path, line[4096], *field[12], *host, *want;
	size_t i, nsocial = 0, nother = 0, nexcept = 0;
	FILE *fp;

	path = top_path("../shared/corpus/ndpi/EXPECTED.tsv");
	if ((fp = fopen(path, "r")) == NULL) {
		printf("skip: %s absent, corpus check not run\n", path);
		free(path);
		return;
	}
	cat = load_shipped();
	while (fgets(line, sizeof(line), fp) != NULL) {
		const struct platform *p;
		const char *exc = NULL;

		/* pcap flow label hostname ids category social_platform ... */
		if (tsv_split(line, field, 12) < 7)
			continue;
		host = field[3];
		want = field[6];
		if (*host == '\0' || strcmp(host, "hostname_sni") == 0)
			continue;
		p = catalog_lookup(cat, host, strlen(host));
		for (i = 0; i < sizeof(corpus_exceptions) /
		    sizeof(corpus_exceptions[0]); i++)
			if (strcmp(host, corpus_exceptions[i].host) == 0)
				exc = corpus_exceptions[i].id;
		if (exc != NULL) {
			ck_assert_msg(p ? strcmp(p->id, exc) == 0 :
			    *exc == '\0', "%s: got %s, want %s", host,
			    p ? p->id : "nothing", *exc ? exc : "nothing");
			nexcept++;
			continue;
		}
		if (want[0] == '\0') {
			ck_assert_msg(p == NULL || p->cat != CAT_SOCIAL,
			    "%s is not social for nDPI, matched %s", host,
			    p ? p->id : "");
			nother++;
			continue;
		}
		for (i = 0; i < sizeof(corpus_platforms) /
		    sizeof(corpus_platforms[0]); i++)
			if (strcmp(want, corpus_platforms[i].ndpi) == 0)
				break;
		ck_assert_msg(i < sizeof(corpus_platforms) /
		    sizeof(corpus_platforms[0]), "nDPI platform %s unknown "
		    "to the test", want);
		ck_assert_msg(p != NULL && strcmp(p->id,
		    corpus_platforms[i].id) == 0, "%s (%s for nDPI): got %s",
		    host, want, p ? p->id : "nothing");
		nsocial++;
	}
	fclose(fp);
	printf("corpus: %zu social names matched, %zu other names not matched "
	    "as social, %zu known differences\n", nsocial, nother, nexcept);
	ck_assert_uint_gt(nsocial, 100);
	catalog_free(cat);
	free(path);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("classify");
	TCase *tc = tcase_create("core");
	TCase *big = tcase_create("million");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_suffix_rules);
	tcase_add_test(tc, test_hostile_bytes);
	tcase_add_test(tc, test_differential);
	tcase_add_test(tc, test_long_domains);
	tcase_add_test(tc, test_bucket_sizes);
	tcase_add_test(tc, test_accepts);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_many_errors);
	tcase_add_test(tc, test_two_files);
	tcase_add_test(tc, test_dir_errors);
	tcase_add_test(tc, test_shipped);
	tcase_add_test(tc, test_shipped_addr);
	tcase_add_test(tc, test_marks);
	tcase_add_test(tc, test_corpus);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(big, setup, teardown);
	tcase_set_timeout(big, 120);
	tcase_add_test(big, test_million);
	suite_add_tcase(s, big);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
