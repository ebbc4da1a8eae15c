/*
 * Unit tests for blockpage.c: bp_handle() driven as a browser would,
 * with fake daemon callbacks (the view and the request spool) and the
 * shipped catalogue (conf/platforms.d, so run from the top of the
 * tree).  Covered: the page for each verdict, Host checking, the
 * headers of every response, the request form end to end and each of
 * its refusals, and what hostile text becomes on the page.
 *
 * Every response goes through run(), which checks what must hold of all
 * of them: the security headers, no CR or LF in a header value, no
 * control byte but LF in the body, and on every HTML page the
 * monitoring notice and the school's name, escaped.
 *
 * The tcase "regressions" holds the bugs these tests found in
 * blockpage.c (see the comment above each), fixed since.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "blockpage.h"
#include "classify.h"
#include "config.h"
#include "requests.h"
#include "tz.h"

#define REAL		1795425000	/* 2026-11-23T09:50:00Z */
#define ID		"r-20261123-0007"
#define HOST		"www.facebook.com"
#define FORM		"application/x-www-form-urlencoded"
#define NOTICE		"monitors the use of its network"
#define SCHOOL_ESC	"Oak Tree &lt;School&gt; &amp; &quot;Co&quot;"
#define CSP		"default-src 'none'; style-src 'unsafe-inline'; " \
			"form-action 'self'; frame-ancestors 'none'"

static const char conf_text[] =
    "[gateway]\n"
    "interface = eth1\n"
    "lan = 10.10.0.0/16\n"
    "\n"
    "[schedule]\n"
    "lessons = 08:45-16:00\n"
    "\n"
    "[blockpage]\n"
    "listen = 10.10.0.1:8080\n"
    "school = Oak Tree <School> & \"Co\"\n"
    "contact = office@example.org\n";

/* Made once, in the parent (an unchecked fixture). */
static char		 dir[64], conf_path[128];
static struct config	*cfg;
static struct catalog	*cat;

/* What the fake daemon shows and what it was given. */
static struct fake {
	struct bp_view		 v;
	int			 view_rc;
	unsigned		 nview;
	const struct platform	*view_p;
	struct addr		 view_client;
	int			 submit_rc;
	unsigned		 nsubmit;
	struct request		 got;
	/* request_format() takes what submit got, as the spool must. */
	bool			 got_formats;
	struct request		 reqs[BP_REQ_SHOWN];
} fk;

static struct bp	*bp;
static struct bp_resp	 rs;
static struct addr	 client, other;
static int32_t		 today;

/* --- Fakes --------------------------------------------------------------- */

static int
fake_view(void *arg, const struct addr *c, const struct platform *p,
    struct bp_view *v)
{
	struct fake *f = arg;

	f->nview++;
	f->view_p = p;
	f->view_client = *c;
	*v = f->v;
	return f->view_rc;
}

static int
fake_submit(void *arg, struct request *r, char *why, size_t whylen)
{
	struct fake *f = arg;
	struct request c;
	char buf[REQ_FILE_MAX + 1];

	f->nsubmit++;
	f->got = *r;
	/* What spool_add() and the daemon add, then the spool's own check:
	 * a request the page accepts must be one the spool can write. */
	c = *r;
	snprintf(c.id, sizeof(c.id), "%s", ID);
	c.day = today;
	c.created = REAL;
	snprintf(c.holder, sizeof(c.holder), "jsmith");
	f->got_formats = request_format(&c, buf, sizeof(buf)) > 0;
	if (f->submit_rc != 0) {
		snprintf(why, whylen, "fake failure");
		return f->submit_rc;
	}
	snprintf(r->id, sizeof(r->id), "%s", ID);
	return 0;
}

static const struct bp_ops ops = { fake_view, fake_submit };

/* --- Fixtures ------------------------------------------------------------ */

static void
setup_once(void)
{
	char *cause = NULL;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/check_blockpage.%ld",
	    (long)getpid());
	snprintf(conf_path, sizeof(conf_path), "%s/schoolgate.conf", dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_ptr_nonnull(f = fopen(conf_path, "w"));
	fputs(conf_text, f);
	ck_assert_int_eq(fclose(f), 0);
	cfg = config_load(conf_path, &cause);
	ck_assert_msg(cfg != NULL, "config: %s", cause ? cause : "?");
	cat = catalog_load_dir("conf/platforms.d", &cause);
	ck_assert_msg(cat != NULL, "catalogue (run from the top of the "
	    "tree): %s", cause ? cause : "?");
	today = tz_days_from_civil(2026, 11, 23);
}

static void
teardown_once(void)
{
	catalog_free(cat);
	config_free(cfg);
	unlink(conf_path);
	rmdir(dir);
}

/* The view every test starts from: a managed pupil in a lesson. */
static void
setup(void)
{
	struct bp_opts o;
	struct bp_view *v = &fk.v;

	memset(&fk, 0, sizeof(fk));
	v->managed = true;
	snprintf(v->holder, sizeof(v->holder), "jsmith");
	snprintf(v->person, sizeof(v->person), "jsmith");
	snprintf(v->group, sizeof(v->group), "pupils");
	v->verdict = VERDICT_BLOCK_LESSONS;
	snprintf(v->until, sizeof(v->until), "16:00");
	v->metered = true;
	v->used = 600;
	v->left = 1200;
	v->allowance = 1800;
	snprintf(v->resets, sizeof(v->resets), "midnight");
	snprintf(v->today, sizeof(v->today), "2026-11-23");
	v->today_day = today;
	snprintf(v->now, sizeof(v->now), "Lesson until 12:15");
	snprintf(v->tt[0], sizeof(v->tt[0]), "08:45-10:15 Lesson");
	snprintf(v->tt[1], sizeof(v->tt[1]), "10:15-10:35 Break");
	snprintf(v->tt[2], sizeof(v->tt[2]), "10:35-12:15 Lesson");
	v->ntt = 3;
	v->req_today = 1;
	v->req_per_day = 5;

	ck_assert_int_eq(addr_parse("10.10.2.23", &client), 0);
	ck_assert_int_eq(addr_parse("10.10.2.24", &other), 0);
	memset(&o, 0, sizeof(o));
	o.cfg = cfg;
	o.cat = cat;
	o.ops = &ops;
	o.arg = &fk;
	ck_assert_ptr_nonnull(bp = bp_new(&o));
	memset(&rs, 0, sizeof(rs));
}

static void
teardown(void)
{
	free(rs.body);
	memset(&rs, 0, sizeof(rs));
	bp_free(bp);
	bp = NULL;
}

/* --- Driving bp_handle() ------------------------------------------------- */

static const char *
hdr(const char *name)
{
	size_t i;

	for (i = 0; i < rs.nheaders; i++)
		if (strcasecmp(rs.headers[i].name, name) == 0)
			return rs.headers[i].value;
	return NULL;
}

static bool
has(const char *s)
{
	return rs.body != NULL && strstr(rs.body, s) != NULL;
}

static size_t
count(const char *s, char c)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

/* Answer rq and check what holds of every response. */
static unsigned
run(const struct bp_req *rq)
{
	static const unsigned known[] = { 200, 400, 403, 405, 413, 415, 429,
	    503 };
	const char *ct, *csp;
	size_t i;
	bool ok = false;

	free(rs.body);
	memset(&rs, 0xa5, sizeof(rs));
	ck_assert_int_eq(bp_handle(bp, rq, &rs), 0);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ok |= rs.status == known[i];
	ck_assert_msg(ok, "status %u", rs.status);
	ck_assert_ptr_nonnull(rs.body);
	ck_assert_uint_eq(strlen(rs.body), rs.len);
	ck_assert_uint_le(rs.nheaders, BP_HEADERS_MAX);
	for (i = 0; i < rs.nheaders; i++) {
		ck_assert_ptr_null(strpbrk(rs.headers[i].name, "\r\n"));
		ck_assert_ptr_null(strpbrk(rs.headers[i].value, "\r\n"));
	}
	ck_assert_ptr_nonnull(csp = hdr("Content-Security-Policy"));
	ck_assert_msg(strstr(csp, CSP) != NULL, "CSP: %s", csp);
	ck_assert_str_eq(hdr("X-Content-Type-Options"), "nosniff");
	ck_assert_ptr_nonnull(ct = hdr("Content-Type"));
	/* A plain test: an assertion per byte would cost a write each. */
	for (i = 0; i < rs.len; i++) {
		unsigned char c = (unsigned char)rs.body[i];

		if ((c < 0x20 && c != '\n') || c == 0x7f)
			ck_abort_msg("byte 0x%02x at %zu", c, i);
	}
	if (strncmp(ct, "text/html", 9) == 0) {
		ck_assert(has(NOTICE));
		ck_assert(has(SCHOOL_ESC));
		ck_assert(!has("<School>"));
		ck_assert(has("office@example.org"));
	} else {
		ck_assert_uint_eq(rs.status, 400);
		ck_assert_str_eq(rs.body, "Bad request: unknown host\n");
	}
	return rs.status;
}

static struct bp_req
req(const char *method, const char *host, const char *path)
{
	struct bp_req rq;

	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.host = host;
	rq.path = path;
	rq.client = client;
	rq.real = REAL;
	return rq;
}

static unsigned
get(const char *host, const char *path)
{
	struct bp_req rq = req("GET", host, path);

	return run(&rq);
}

/* A form post to HOST with the content type of a form and no Origin. */
static struct bp_req
post_req(const char *body)
{
	struct bp_req rq = req("POST", HOST, "/request");

	rq.content_type = FORM;
	rq.body = body;
	rq.bodylen = strlen(body);
	return rq;
}

static unsigned
post(const char *body)
{
	struct bp_req rq = post_req(body);

	return run(&rq);
}

/* In one of four buffers: body_with() makes one of its own. */
static char *
token_at(int64_t t, const struct addr *a)
{
	static char tok[4][64];
	static size_t next;
	char *b = tok[next++ % 4];

	bp_token(bp, a, t, b, sizeof(tok[0]));
	return b;
}

/*
 * A valid form's body with the field set given val (raw: already
 * encoded), or left out when val is NULL; more is appended as is.
 */
static const char *
body_with(const char *set, const char *val, const char *more)
{
	static char b[BP_BODY_MAX * 2];
	const char *f[][2] = {
		{ "token", token_at(REAL, &client) },
		{ "platform", "facebook" },
		{ "domain", HOST },
		{ "need", "unblock" },
		{ "until", "2026-11-30" },
		{ "reason", "For+the+Year+9+history+project%21" },
	};
	size_t i, n = 0;
	const char *v;

	b[0] = '\0';
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		v = set != NULL && strcmp(set, f[i][0]) == 0 ? val : f[i][1];
		if (v == NULL)
			continue;
		n += (size_t)snprintf(b + n, sizeof(b) - n, "%s%s=%s",
		    n > 0 ? "&" : "", f[i][0], v);
		ck_assert_uint_lt(n, sizeof(b));
	}
	if (more != NULL)
		n += (size_t)snprintf(b + n, sizeof(b) - n, "%s", more);
	ck_assert_uint_lt(n, sizeof(b));
	return b;
}

static const char *
valid_body(void)
{
	return body_with(NULL, NULL, NULL);
}

/* A post that must be refused with status, the spool never asked. */
static void
refused_rq(const struct bp_req *rq, unsigned status, const char *what)
{
	fk.nsubmit = 0;
	ck_assert_msg(run(rq) == status, "%s: status %u, not %u", what,
	    rs.status, status);
	ck_assert_msg(fk.nsubmit == 0, "%s: submitted", what);
}

static void
refused(const char *body, unsigned status, const char *what)
{
	struct bp_req rq = post_req(body);

	refused_rq(&rq, status, what);
}

static void
accepted_rq(const struct bp_req *rq, const char *what)
{
	fk.nsubmit = 0;
	memset(&fk.got, 0, sizeof(fk.got));
	ck_assert_msg(run(rq) == 200, "%s: status %u", what, rs.status);
	ck_assert_msg(fk.nsubmit == 1, "%s: not submitted", what);
	ck_assert(has("Your request has been sent"));
	ck_assert(has(ID));
	ck_assert_msg(fk.got_formats, "%s: the spool would refuse it", what);
}

static void
accepted(const char *body, const char *what)
{
	struct bp_req rq = post_req(body);

	accepted_rq(&rq, what);
}

/* The form's token on the page just answered, or NULL. */
static const char *
page_token(void)
{
	static char tok[64];
	const char *p, *e;

	if ((p = strstr(rs.body, "name=\"token\" value=\"")) == NULL)
		return NULL;
	p += strlen("name=\"token\" value=\"");
	if ((e = strchr(p, '"')) == NULL || (size_t)(e - p) >= sizeof(tok))
		return NULL;
	memcpy(tok, p, (size_t)(e - p));
	tok[e - p] = '\0';
	return tok;
}

static void
assert_form(bool want)
{
	const char *tok;
	size_t i;

	if (!want) {
		ck_assert(!has("<form"));
		ck_assert(!has("name=\"token\""));
		return;
	}
	ck_assert(has("<form method=\"post\" action=\"/request\">"));
	ck_assert_ptr_nonnull(tok = page_token());
	/* DIGITS.HEX32, and the one bp_token() makes now. */
	ck_assert_str_eq(tok, token_at(REAL, &client));
	i = strspn(tok, "0123456789");
	ck_assert_uint_gt(i, 0);
	ck_assert_int_eq(tok[i], '.');
	ck_assert_uint_eq(strlen(tok + i + 1), 32);
	ck_assert_uint_eq(strspn(tok + i + 1, "0123456789abcdef"), 32);
}

/* --- 1. The block page --------------------------------------------------- */

static const char *const fb_hosts[] = {
	HOST, HOST ":80", "WWW.FaceBook.COM", HOST ".", "www.facebook.com.:80",
};

START_TEST(test_block_lessons)
{
	size_t i;

	for (i = 0; i < sizeof(fb_hosts) / sizeof(fb_hosts[0]); i++) {
		fk.nview = 0;
		ck_assert_msg(get(fb_hosts[i], "/") == 403, "%s", fb_hosts[i]);
		ck_assert_uint_eq(fk.nview, 1);
		ck_assert_ptr_eq(fk.view_p, catalog_find(cat, "facebook"));
		ck_assert(addr_equal(&fk.view_client, &client));
		ck_assert(has("Facebook is not available during lessons"));
		ck_assert(has("<span class=\"until\">16:00</span>"));
		ck_assert(has("10 min used"));
		ck_assert(has("20 min left today"));
		assert_form(true);
		/* The name as the browser asked, normalised. */
		ck_assert(has("name=\"domain\" value=\"www.facebook.com\""));
		ck_assert(has("name=\"platform\" value=\"facebook\""));
		ck_assert(has("name=\"until\" value=\"2026-11-30\" "
		    "min=\"2026-11-23\" max=\"2027-11-23\""));
		ck_assert(has("name=\"extra\""));	/* metered */
		ck_assert(has("You can make 4 more today."));
		ck_assert(has("href=\"http://10.10.0.1:8080/status\""));
	}
	/* Any path on the name is the block page; HEAD too. */
	ck_assert_uint_eq(get(HOST, "/some/where.php"), 403);
	ck_assert(has("not available during lessons"));
	{
		struct bp_req rq = req("HEAD", HOST, "/");

		ck_assert_uint_eq(run(&rq), 403);
	}
	/* Unmetered: no extra time offered. */
	fk.v.metered = false;
	ck_assert_uint_eq(get(HOST, "/"), 403);
	ck_assert(!has("name=\"extra\""));
	ck_assert(!has("min used"));
	assert_form(true);
}
END_TEST

START_TEST(test_block_quota)
{
	fk.v.verdict = VERDICT_BLOCK_QUOTA;
	fk.v.used = 1800;
	fk.v.left = 0;
	ck_assert_uint_eq(get(HOST, "/"), 403);
	ck_assert(has("You have used your 30 minutes for today"));
	/* said once: no second "starts again" line */
	ck_assert(!has("starts again"));
	ck_assert(has("resets at"));
	ck_assert(has("midnight"));
	ck_assert(has("0 min left"));
	ck_assert(has("30 min used"));
	ck_assert(has("class=\"bar spent\""));
	ck_assert(has("width:100%"));
	assert_form(true);
	/* No reset text from the view: midnight all the same. */
	fk.v.resets[0] = '\0';
	ck_assert_uint_eq(get(HOST, "/"), 403);
	ck_assert(has("resets at <span class=\"until\">midnight</span>"));
}
END_TEST

START_TEST(test_block_group)
{
	fk.v.verdict = VERDICT_BLOCK_GROUP;
	ck_assert_uint_eq(get("www.instagram.com", "/"), 403);
	ck_assert(has("Instagram is blocked"));
	ck_assert(has("Not permitted for pupils"));
	assert_form(true);
	ck_assert(has("name=\"platform\" value=\"instagram\""));
	fk.v.group[0] = '\0';
	ck_assert_uint_eq(get("www.instagram.com", "/"), 403);
	ck_assert(has("Not permitted on the school"));
}
END_TEST

START_TEST(test_block_circumvention)
{
	const struct platform *p = catalog_find(cat, "google-dns");

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->cat, CAT_CIRCUMVENTION);
	fk.v.verdict = VERDICT_BLOCK_CIRCUMVENTION;
	ck_assert_uint_eq(get("dns.google", "/dns-query"), 403);
	ck_assert_ptr_eq(fk.view_p, p);
	ck_assert(has("Blocked: circumvention"));
	ck_assert(has("Google Public DNS is blocked"));
	assert_form(true);
}
END_TEST

START_TEST(test_allow)
{
	static const enum verdict allow[] = { VERDICT_ALLOW,
	    VERDICT_ALLOW_QUOTA, VERDICT_ALLOW_OVERRIDE };
	size_t i;

	for (i = 0; i < sizeof(allow) / sizeof(allow[0]); i++) {
		fk.v.verdict = allow[i];
		ck_assert_uint_eq(get(HOST, "/"), 200);
		ck_assert(has("Facebook is available now"));
		assert_form(false);
	}
}
END_TEST

START_TEST(test_unmanaged)
{
	/* Not a device of the school: no form, whatever the verdict. */
	fk.v.managed = false;
	ck_assert_uint_eq(get(HOST, "/"), 403);
	assert_form(false);
	fk.v.verdict = VERDICT_ALLOW;
	ck_assert_uint_eq(get(HOST, "/"), 403);
	assert_form(false);
	fk.v.managed = true;
	fk.view_rc = -ENOENT;
	fk.v.group[0] = '\0';
	ck_assert_uint_eq(get(HOST, "/"), 403);
	assert_form(false);
	ck_assert(has("Not permitted on the school"));
	/* The status page says so, and no more. */
	ck_assert_uint_eq(get("10.10.0.1:8080", "/status"), 200);
	ck_assert(has("not one of the school's managed devices"));
	ck_assert(!has("Your requests"));
}
END_TEST

START_TEST(test_form_limit)
{
	fk.v.req_today = 5;
	ck_assert_uint_eq(get(HOST, "/"), 403);
	assert_form(false);
	ck_assert(has("You have made 5 requests today, the most allowed"));
	fk.v.req_today = 4;
	ck_assert_uint_eq(get(HOST, "/"), 403);
	assert_form(true);
	ck_assert(has("You can make 1 more today."));
}
END_TEST

/* --- 2, 3. Headers and hosts --------------------------------------------- */

START_TEST(test_headers)
{
	struct bp_req rq;

	/* run() checks the headers: here, one response of each kind. */
	ck_assert_uint_eq(get(HOST, "/"), 403);
	ck_assert_str_eq(hdr("Content-Type"), "text/html; charset=utf-8");
	ck_assert_ptr_nonnull(hdr("X-Frame-Options"));
	ck_assert_uint_eq(get("10.10.0.1:8080", "/status"), 200);
	ck_assert_uint_eq(get("www.example.com", "/"), 400);
	ck_assert_str_eq(hdr("Content-Type"), "text/plain; charset=utf-8");
	rq = req("PUT", HOST, "/");
	ck_assert_uint_eq(run(&rq), 405);
	ck_assert_str_eq(hdr("Allow"), "GET, HEAD");
	rq = req("GET", HOST, "/request");
	ck_assert_uint_eq(run(&rq), 405);
	ck_assert_str_eq(hdr("Allow"), "POST");
	rq = post_req(valid_body());
	rq.body_over = true;
	ck_assert_uint_eq(run(&rq), 413);
	rq = post_req(valid_body());
	rq.content_type = "text/plain";
	ck_assert_uint_eq(run(&rq), 415);
	ck_assert_uint_eq(post(""), 403);
	fk.submit_rc = -EDQUOT;
	ck_assert_uint_eq(post(valid_body()), 429);
	fk.submit_rc = -EIO;
	ck_assert_uint_eq(post(valid_body()), 503);
	fk.submit_rc = 0;
	ck_assert_uint_eq(post(body_with("until", "x", NULL)), 400);
	ck_assert_uint_eq(post(valid_body()), 200);
}
END_TEST

/* A name of len bytes under facebook.com, labels of 9 letters. */
static void
long_name(char *buf, size_t len)
{
	size_t i, pre = len - strlen(".facebook.com");

	for (i = 0; i < pre; i++)
		buf[i] = i % 10 == 9 ? '.' : 'a';
	ck_assert_int_ne(buf[pre - 1], '.');
	snprintf(buf + pre, len - pre + 1, ".facebook.com");
	ck_assert_uint_eq(strlen(buf), len);
}

START_TEST(test_hosts)
{
	static const char *const bad[] = {
		"www.example.com", "", "10.10.0.2", "10.10.0.2:8080", "[::1]",
		"[::1]:8080", "a b", "x:y", HOST ":",
		HOST ":8o", HOST ":80:80", "www.facebook.com/x",
		"www_facebook.com", "facebook.com.evil.example",
		"notfacebook.com", ".", ":80", "[", "[]", "10.10.0.1:",
		"www.facebook.com\r\nX: y", "www.facebook.com\x01",
		"www.f\xc3\xa1" "cebook.com",
	};
	char longhost[301];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fk.nview = 0;
		ck_assert_msg(get(bad[i], "/") == 400, "'%s': %u", bad[i],
		    rs.status);
		ck_assert_uint_eq(fk.nview, 0);
		ck_assert_msg(get(bad[i], "/status") == 400, "%s", bad[i]);
	}
	ck_assert_uint_eq(get(NULL, "/"), 400);
	/* 300 bytes; a catalogue name of 254 bytes (a host name has 253
	 * at most), and of 252. */
	memset(longhost, 'a', 300);
	longhost[300] = '\0';
	ck_assert_uint_eq(get(longhost, "/"), 400);
	long_name(longhost, 254);
	ck_assert_uint_eq(get(longhost, "/"), 400);
	long_name(longhost, 252);
	ck_assert_uint_eq(get(longhost, "/"), 403);
	ck_assert(has("name=\"domain\" value=\"aaaaaaaaa.aaaaaaaaa."));

	/* The block page's own address: the status page, any path. */
	ck_assert_uint_eq(get("10.10.0.1:8080", "/"), 200);
	ck_assert(has("Your social media today"));
	ck_assert_uint_eq(get("10.10.0.1", "/status"), 200);
	ck_assert(has("Your social media today"));
	ck_assert_ptr_null(fk.view_p);
	/* /status on a platform's name too. */
	fk.nview = 0;
	ck_assert_uint_eq(get(HOST, "/status"), 200);
	ck_assert(has("Your social media today"));
	ck_assert_ptr_null(fk.view_p);
	ck_assert_uint_eq(fk.nview, 1);
	/* A path NULL is no special path. */
	ck_assert_uint_eq(get(HOST, NULL), 403);
	ck_assert_uint_eq(get("10.10.0.1:8080", NULL), 200);
	/* No method: nothing but an error. */
	{
		struct bp_req rq = req(NULL, HOST, "/");

		ck_assert_uint_eq(run(&rq), 405);
	}
}
END_TEST

/* --- 4. The request form ------------------------------------------------- */

START_TEST(test_post_ok)
{
	struct bp_req rq;
	const char *tok;
	char b[512];

	accepted(valid_body(), "valid");
	ck_assert(addr_equal(&fk.got.client, &client));
	ck_assert_str_eq(fk.got.platform, "facebook");
	ck_assert_str_eq(fk.got.domain, HOST);
	ck_assert_int_eq(fk.got.need, REQ_UNBLOCK);
	ck_assert_int_eq(fk.got.until, tz_days_from_civil(2026, 11, 30));
	ck_assert_uint_eq(fk.got.extra, 0);
	ck_assert_str_eq(fk.got.reason, "For the Year 9 history project!");
	ck_assert(has("<strong>" ID "</strong>"));
	ck_assert(has("href=\"http://10.10.0.1:8080/status\""));
	/* The view of a post is the client's, without a platform. */
	ck_assert(addr_equal(&fk.view_client, &client));
	ck_assert_ptr_null(fk.view_p);

	/* End to end: the token of the page, sent back. */
	ck_assert_uint_eq(get(HOST, "/"), 403);
	ck_assert_ptr_nonnull(tok = page_token());
	snprintf(b, sizeof(b), "token=%s&platform=facebook&domain=%s&"
	    "need=unblock&until=2026-11-30&reason=Year+9", tok, HOST);
	accepted(b, "the page's token");

	/* Field order does not matter; unknown fields are ignored. */
	snprintf(b, sizeof(b), "reason=x&until=2026-11-24&zzz=1&%%5a=2&"
	    "need=unblock&domain=%s&platform=facebook&token=%s&", HOST,
	    token_at(REAL, &client));
	accepted(b, "reordered");
	ck_assert_int_eq(fk.got.until, today + 1);

	/* need left out is an unblock. */
	accepted(body_with("need", NULL, NULL), "no need");
	ck_assert_int_eq(fk.got.need, REQ_UNBLOCK);
	accepted(body_with("need", "", NULL), "empty need");

	/* The platform alone, or a domain of the catalogue alone. */
	accepted(body_with("domain", NULL, NULL), "platform alone");
	ck_assert_str_eq(fk.got.platform, "facebook");
	ck_assert_str_eq(fk.got.domain, "");
	snprintf(b, sizeof(b), "token=%s&domain=m.facebook.com&until="
	    "2026-11-30&reason=x", token_at(REAL, &client));
	accepted(b, "domain alone");
	ck_assert_str_eq(fk.got.platform, "");
	ck_assert_str_eq(fk.got.domain, "m.facebook.com");

	/* Content type with parameters, in any case. */
	rq = post_req(valid_body());
	rq.content_type = FORM "; charset=UTF-8";
	accepted_rq(&rq, "charset");
	rq.content_type = "Application/X-WWW-Form-URLEncoded";
	accepted_rq(&rq, "case");

	/* The listen address as Host, with its own Origin. */
	rq = post_req(valid_body());
	rq.host = "10.10.0.1:8080";
	rq.origin = "http://10.10.0.1:8080";
	accepted_rq(&rq, "listen address");

	/* IPv6 clients get tokens of their own. */
	ck_assert_int_eq(addr_parse("fd10::23", &client), 0);
	accepted(valid_body(), "IPv6 client");
	ck_assert(addr_equal(&fk.got.client, &client));
}
END_TEST

START_TEST(test_post_token)
{
	struct bp_req rq;
	char t[96], b[256];
	size_t n;

	refused(body_with("token", NULL, NULL), 403, "no token");
	ck_assert(has("This form has expired"));
	refused(body_with("token", "", NULL), 403, "empty token");
	refused(body_with("token", token_at(REAL, &other), NULL), 403,
	    "another client's");
	/* The same body from another address. */
	rq = post_req(valid_body());
	rq.client = other;
	refused_rq(&rq, 403, "sent from another address");

	/* Age: BP_TOKEN_AGE is the last good second. */
	accepted(body_with("token", token_at(REAL - BP_TOKEN_AGE, &client),
	    NULL), "oldest");
	refused(body_with("token", token_at(REAL - BP_TOKEN_AGE - 1,
	    &client), NULL), 403, "too old");
	refused(body_with("token", token_at(REAL - 86400 * 365, &client),
	    NULL), 403, "a year old");
	/* The future: a minute of clock skew, no more. */
	accepted(body_with("token", token_at(REAL + 60, &client), NULL),
	    "60 s ahead");
	refused(body_with("token", token_at(REAL + 61, &client), NULL), 403,
	    "61 s ahead");
	refused(body_with("token", token_at(REAL + 86400, &client), NULL),
	    403, "a day ahead");

	/* Tampered: each half, the length, the case, the separator. */
	snprintf(t, sizeof(t), "%s", token_at(REAL, &client));
	n = strlen(t);
	t[n - 1] = t[n - 1] == '0' ? '1' : '0';
	refused(body_with("token", t, NULL), 403, "last digit of the MAC");
	snprintf(t, sizeof(t), "%s", token_at(REAL, &client));
	n = (size_t)(strchr(t, '.') - t) + 1;
	t[n] = t[n] == '0' ? '1' : '0';
	refused(body_with("token", t, NULL), 403, "first digit of the MAC");
	/* This MAC with another time, a second earlier. */
	snprintf(t, sizeof(t), "%lld%s", (long long)REAL - 1,
	    strchr(token_at(REAL, &client), '.'));
	refused(body_with("token", t, NULL), 403, "time changed");
	/* Signs; one hex digit more or less. */
	snprintf(t, sizeof(t), "-%s", token_at(REAL, &client));
	refused(body_with("token", t, NULL), 403, "minus");
	snprintf(t, sizeof(t), "+%s", token_at(REAL, &client));
	refused(body_with("token", t, NULL), 403, "plus");
	snprintf(t, sizeof(t), "%sa", token_at(REAL, &client));
	refused(body_with("token", t, NULL), 403, "one digit more");
	snprintf(t, sizeof(t), "%s", token_at(REAL, &client));
	t[strlen(t) - 1] = '\0';
	refused(body_with("token", t, NULL), 403, "one digit less");
	snprintf(t, sizeof(t), "%s", token_at(REAL, &client));
	for (n = (size_t)(strchr(t, '.') - t); t[n] != '\0'; n++)
		if (t[n] >= 'a' && t[n] <= 'f')
			t[n] = (char)(t[n] - 'a' + 'A');
	if (strcmp(t, token_at(REAL, &client)) != 0)
		refused(body_with("token", t, NULL), 403, "upper case");
	snprintf(t, sizeof(t), "%s", token_at(REAL, &client));
	*strchr(t, '.') = '-';
	refused(body_with("token", t, NULL), 403, "no dot");
	snprintf(t, sizeof(t), "%s", strchr(token_at(REAL, &client), '.'));
	refused(body_with("token", t, NULL), 403, "no time");
	refused(body_with("token", "1795425000.", NULL), 403, "no MAC");
	refused(body_with("token", "abc", NULL), 403, "junk");
	refused(body_with("token",
	    "9999999999999999999.0123456789abcdef0123456789abcdef", NULL),
	    403, "time of 19 digits");
	/* A token of another block page (another key). */
	{
		struct bp *keep = bp, *b2;
		struct bp_opts o;

		memset(&o, 0, sizeof(o));
		o.cfg = cfg;
		o.cat = cat;
		o.ops = &ops;
		o.arg = &fk;
		ck_assert_ptr_nonnull(b2 = bp_new(&o));
		bp = b2;
		snprintf(t, sizeof(t), "%s", token_at(REAL, &client));
		bp = keep;
		bp_free(b2);
		refused(body_with("token", t, NULL), 403, "another key");
	}
	/* The token percent-encoded is the same token. */
	snprintf(t, sizeof(t), "%s", token_at(REAL, &client));
	*strchr(t, '.') = '\0';
	snprintf(b, sizeof(b), "%s%%2E%s", t,
	    strchr(token_at(REAL, &client), '.') + 1);
	accepted(body_with("token", b, NULL), "encoded dot");
}
END_TEST

START_TEST(test_post_origin)
{
	struct bp_req rq = post_req(valid_body());

	rq.origin = "http://evil.example";
	refused_rq(&rq, 403, "evil origin");
	ck_assert(has("another site"));
	rq.origin = "http://www.facebook.com.evil.example";
	refused_rq(&rq, 403, "suffix origin");
	rq.origin = "https://www.facebook.com";	/* not tls */
	refused_rq(&rq, 403, "https origin on http");
	rq.origin = "http://www.instagram.com";
	refused_rq(&rq, 403, "another platform");
	rq.origin = "";
	refused_rq(&rq, 403, "empty origin");
	rq.origin = "http://www.facebook.com";
	accepted_rq(&rq, "own origin");
	rq.origin = "HTTP://WWW.FACEBOOK.COM";
	accepted_rq(&rq, "own origin, upper case");
	rq.tls = true;
	rq.origin = "https://www.facebook.com";
	accepted_rq(&rq, "own origin over tls");
	rq.origin = "http://www.facebook.com";
	refused_rq(&rq, 403, "http origin over tls");
}
END_TEST

START_TEST(test_post_method)
{
	static const char *const m[] = { "GET", "HEAD", "PUT", "DELETE",
	    "post", "OPTIONS" };
	struct bp_req rq;
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		rq = post_req(valid_body());
		rq.method = m[i];
		refused_rq(&rq, 405, m[i]);
		ck_assert_str_eq(hdr("Allow"), "POST");
	}
	/* A post anywhere else. */
	rq = post_req(valid_body());
	rq.path = "/";
	refused_rq(&rq, 405, "post to /");
	rq.path = "/request/";
	refused_rq(&rq, 405, "post to /request/");
	rq.path = "/status";
	refused_rq(&rq, 405, "post to /status");
	rq = post_req(valid_body());
	rq.host = "www.example.com";
	refused_rq(&rq, 400, "post to another host");
}
END_TEST

START_TEST(test_post_submit)
{
	fk.submit_rc = -EDQUOT;
	ck_assert_uint_eq(post(valid_body()), 429);
	ck_assert_uint_eq(fk.nsubmit, 1);
	ck_assert(has("Too many requests today"));
	fk.submit_rc = -ENOENT;
	ck_assert_uint_eq(post(valid_body()), 403);
	fk.submit_rc = -EIO;
	ck_assert_uint_eq(post(valid_body()), 503);
	ck_assert(!has("fake failure"));
	fk.submit_rc = -EINVAL;
	ck_assert_uint_eq(post(valid_body()), 503);
	ck_assert_uint_eq(fk.nsubmit, 4);
}
END_TEST

START_TEST(test_post_body)
{
	struct bp_req rq;

	rq = post_req(valid_body());
	rq.body_over = true;
	refused_rq(&rq, 413, "body over");
	rq = post_req(valid_body());
	rq.content_type = NULL;
	refused_rq(&rq, 415, "no content type");
	rq.content_type = "text/plain";
	refused_rq(&rq, 415, "text/plain");
	rq.content_type = "multipart/form-data; boundary=x";
	refused_rq(&rq, 415, "multipart");
	rq.content_type = FORM "x";
	refused_rq(&rq, 415, "longer type");
	rq.content_type = "application/x-www-form-urlencode";
	refused_rq(&rq, 415, "shorter type");
	rq.content_type = "";
	refused_rq(&rq, 415, "empty type");
	/* Not a form at all. */
	refused("\x01\x02\x03", 400, "junk body");
	refused("token", 400, "a name alone");
	/* The body is bytes, not a string: a NUL ends nothing. */
	{
		char b[BP_BODY_MAX];
		size_t n;

		n = (size_t)snprintf(b, sizeof(b), "%s", valid_body());
		b[n] = '\0';
		memcpy(b + n + 1, "&need=extra", 12);
		rq = post_req(b);
		rq.bodylen = n + 1 + 11;
		fk.nsubmit = 0;
		run(&rq);
		ck_assert_uint_ne(rs.status, 200);
		ck_assert_uint_eq(fk.nsubmit, 0);
	}
	/* A body of exactly BP_BODY_MAX bytes is read. */
	{
		static char b[BP_BODY_MAX + 1];
		size_t n;

		n = (size_t)snprintf(b, sizeof(b), "%s&pad=", valid_body());
		memset(b + n, 'x', BP_BODY_MAX - n);
		b[BP_BODY_MAX] = '\0';
		accepted(b, "BP_BODY_MAX bytes");
	}
}
END_TEST

START_TEST(test_post_extra)
{
	static const char *const bad[] = { "0", "121", "15x", "", "-1",
	    "+15", " 15", "015", "99999999999", "1e2", "%31%35%00" };
	size_t i;
	char more[64], b[256];

	accepted(body_with("need", "extra", "&extra=15"), "extra 15");
	ck_assert_int_eq(fk.got.need, REQ_EXTRA);
	ck_assert_uint_eq(fk.got.extra, 900);
	accepted(body_with("need", "extra", "&extra=120"), "extra 120");
	ck_assert_uint_eq(fk.got.extra, 7200);
	accepted(body_with("need", "extra", "&extra=1"), "extra 1");
	ck_assert_uint_eq(fk.got.extra, 60);
	/* until does not matter then, even when it is bad. */
	snprintf(b, sizeof(b), "token=%s&platform=facebook&need=extra&"
	    "extra=10&until=junk&reason=x", token_at(REAL, &client));
	accepted(b, "extra, bad until");
	ck_assert_uint_eq(fk.got.extra, 600);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(more, sizeof(more), "&extra=%s", bad[i]);
		refused(body_with("need", "extra", more), 400, bad[i]);
	}
	refused(body_with("need", "extra", NULL), 400, "no extra");
	/* Extra time for a group without an allowance. */
	fk.v.metered = false;
	refused(body_with("need", "extra", "&extra=15"), 400, "unmetered");
	/* An unblock ignores extra. */
	accepted(body_with(NULL, NULL, "&extra=junk"), "unblock, junk extra");
	ck_assert_int_eq(fk.got.need, REQ_UNBLOCK);
	refused(body_with("need", "Extra", "&extra=15"), 400, "Extra");
	refused(body_with("need", "both", NULL), 400, "need both");
}
END_TEST

START_TEST(test_post_until)
{
	static const char *const bad[] = { "2026-11-22", "1970-01-01",
	    "2027-11-24", "2099-01-01", "2026-02-30", "2026-13-01",
	    "2026-11-00", "2026-11-31", "tomorrow", "2026-1-30",
	    "2026-11-3", "26-11-30", "2026/11/30", "2026-11-30x",
	    " 2026-11-30", "+026-11-30", "2026--1-30", "", "0000-00-00",
	    "1969-12-31", "9999-12-31" };
	char d[16];
	size_t i;
	int32_t y;
	unsigned m, dd;

	accepted(body_with("until", "2026-11-23", NULL), "today");
	ck_assert_int_eq(fk.got.until, today);
	/* UNTIL_DAYS_MAX: 365 days on is the last. */
	tz_civil_from_days(today + 365, &y, &m, &dd);
	snprintf(d, sizeof(d), "%04d-%02u-%02u", (int)y, m, dd);
	accepted(body_with("until", d, NULL), "365 days on");
	ck_assert_int_eq(fk.got.until, today + 365);
	tz_civil_from_days(today + 366, &y, &m, &dd);
	snprintf(d, sizeof(d), "%04d-%02u-%02u", (int)y, m, dd);
	refused(body_with("until", d, NULL), 400, d);
	ck_assert(has("Check the field &#39;until&#39;"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(body_with("until", bad[i], NULL), 400, bad[i]);
	refused(body_with("until", NULL, NULL), 400, "no until");
	/* A leap day. */
	fk.v.today_day = tz_days_from_civil(2028, 2, 1);
	accepted(body_with("until", "2028-02-29", NULL), "leap day");
	refused(body_with("until", "2027-02-29", NULL), 400, "no leap day");
}
END_TEST

START_TEST(test_post_reason)
{
	static const char *const bad[] = { "", "+", "+++", "%20%20", "%0A",
	    "%0D%0A+%0D%0A", "%09", "a%01b", "a%00b", "a%7Fb", "a%1Bb",
	    "a%0Bb", "%C3", "a%C3%28", "%C0%BC", "%ED%A0%80", "%F4%90%80%80",
	    "%FF", "a%", "a%4", "a%G1" };
	static char b[BP_BODY_MAX], r[REQ_REASON_MAX + 8];
	static char e[6 * REQ_REASON_CHARS + 8];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(body_with("reason", bad[i], NULL), 400, bad[i]);
	refused(body_with("reason", NULL, NULL), 400, "no reason");

	accepted(body_with("reason", "Line+one%0D%0Aline+two%0Dthree%0Afour",
	    NULL), "CRLF");
	ck_assert_str_eq(fk.got.reason, "Line one\nline two\nthree\nfour");
	accepted(body_with("reason", "%0D%0A++a%09b++%0A", NULL), "trim");
	ck_assert_str_eq(fk.got.reason, "a b");
	accepted(body_with("reason", "caf%C3%A9+%E2%82%AC+%F0%9F%98%80",
	    NULL), "UTF-8");
	ck_assert_str_eq(fk.got.reason, "caf\xc3\xa9 \xe2\x82\xac "
	    "\xf0\x9f\x98\x80");
	accepted(body_with("reason", "%3Cscript%3Ealert(1)%3C/script%3E",
	    NULL), "markup");
	ck_assert_str_eq(fk.got.reason, "<script>alert(1)</script>");
	ck_assert(!has("<script"));
	/* REQ_REASON_CHARS characters and one more. */
	memset(r, 'a', REQ_REASON_CHARS);
	r[REQ_REASON_CHARS] = '\0';
	snprintf(b, sizeof(b), "%s", body_with("reason", r, NULL));
	accepted(b, "REQ_REASON_CHARS characters");
	ck_assert_uint_eq(strlen(fk.got.reason), REQ_REASON_CHARS);
	r[REQ_REASON_CHARS] = 'a';
	r[REQ_REASON_CHARS + 1] = '\0';
	snprintf(b, sizeof(b), "%s", body_with("reason", r, NULL));
	refused(b, 400, "REQ_REASON_CHARS + 1 characters");
	/* Characters, not bytes: 500 of two bytes each are fine. */
	for (i = 0; i < REQ_REASON_CHARS; i++)
		memcpy(e + 6 * i, "%C3%A9", 6);
	e[6 * REQ_REASON_CHARS] = '\0';
	snprintf(b, sizeof(b), "%s", body_with("reason", e, NULL));
	accepted(b, "500 two-byte characters");
	ck_assert_uint_eq(strlen(fk.got.reason), 2 * REQ_REASON_CHARS);
	memcpy(e + 6 * REQ_REASON_CHARS, "%C3%A9", 7);
	snprintf(b, sizeof(b), "%s", body_with("reason", e, NULL));
	refused(b, 400, "501 two-byte characters");
}
END_TEST

START_TEST(test_post_fields)
{
	static const char *const names[] = { "token", "platform", "domain",
	    "need", "until", "extra", "reason" };
	char more[64];
	size_t i;

	/* Every field given twice, even the same value twice. */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(more, sizeof(more), "&%s=1&%s=1", names[i],
		    names[i]);
		refused(body_with(NULL, NULL, more), 400, names[i]);
		snprintf(more, sizeof(more), "&%s=&%s=", names[i], names[i]);
		refused(body_with(NULL, NULL, more), 400, names[i]);
	}
	refused(body_with(NULL, NULL, "&platform=facebook"), 400,
	    "platform twice, same value");
	refused(body_with(NULL, NULL, "&%74oken=x"), 400, "token twice, "
	    "encoded name");

	refused(body_with("platform", "nosuch", NULL), 400, "no platform");
	ck_assert(has("Check the field &#39;platform&#39;"));
	refused(body_with("platform", "Facebook", NULL), 400, "Facebook");
	refused(body_with("platform", "facebook%00", NULL), 400, "NUL");
	refused(body_with("domain", "www.instagram.com", NULL), 400,
	    "another platform's domain");
	ck_assert(has("Check the field &#39;domain&#39;"));
	refused(body_with("domain", "www.example.com", NULL), 400,
	    "no platform's domain");
	refused(body_with("domain", "WWW.FACEBOOK.COM", NULL), 400,
	    "upper case domain");
	refused(body_with("domain", "www.facebook.com%0A", NULL), 400,
	    "domain with LF");
	refused(body_with("domain", "a+b.facebook.com", NULL), 400,
	    "domain with a blank");
	refused(body_with("domain", "notfacebook.com", NULL), 400,
	    "notfacebook.com");
	/* Neither a platform nor a domain. */
	{
		char b[256];

		snprintf(b, sizeof(b), "token=%s&need=unblock&until="
		    "2026-11-30&reason=x", token_at(REAL, &client));
		refused(b, 400, "neither platform nor domain");
		snprintf(b, sizeof(b), "token=%s&platform=&domain=&until="
		    "2026-11-30&reason=x", token_at(REAL, &client));
		refused(b, 400, "both empty");
	}
	/* Unmanaged clients never reach the spool. */
	fk.view_rc = -ENOENT;
	refused(valid_body(), 403, "view -ENOENT");
	ck_assert(has("Only the school"));
	fk.view_rc = 0;
	fk.v.managed = false;
	refused(valid_body(), 403, "not managed");
	/* A bad form is refused before the view is asked. */
	fk.v.managed = true;
}
END_TEST

/* --- 5. Reflection ------------------------------------------------------- */

#define NPAY	320
#define PAYLEN	1024

static char	pay[NPAY][PAYLEN];
static size_t	npay;

static void
payloads(void)
{
	static const char *const base[] = {
		"<script>alert(1)</script>",
		"\"><img src=x onerror=alert(1)>",
		"' onmouseover='alert(1)",
		"javascript:alert(1)",
		"\r\nSet-Cookie: x=1",
		"%0d%0aSet-Cookie:%20x=1",
		"\x1b[31mred\x1b[0m",
		"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
		    "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"
		    "\x1e\x1f\x7f",
		"\xc0\xbcscript\xc0\xbe",
		"\xef\xbc\x9cscript\xef\xbc\x9e",
		"\xe2\x80\xae\xed\xa0\x80\xf4\x90\x80\x80\xff\xfe",
		"</textarea></title><script>x</script>",
		"&lt;script&gt;&#60;img&#x3c;",
		"<svg/onload=alert(1)>\"'`=",
	};
	const size_t nb = sizeof(base) / sizeof(base[0]);
	size_t i, j, n;

	npay = 0;
	for (i = 0; i < nb; i++)
		snprintf(pay[npay++], PAYLEN, "%s", base[i]);
	for (i = 0; i < nb; i++)
		for (j = 0; j < nb; j++)
			snprintf(pay[npay++], PAYLEN, "%s%s", base[i],
			    base[j]);
	/* Long: the base repeated past every buffer of the view. */
	for (i = 0; i < nb && npay < NPAY; i++) {
		for (n = 0; n + strlen(base[i]) < 600; n += strlen(base[i]))
			memcpy(pay[npay] + n, base[i], strlen(base[i]));
		pay[npay++][n] = '\0';
	}
	ck_assert_uint_ge(npay, 200);
}

static bool
dangerous(const char *p)
{
	return strpbrk(p, "<>\"'\r") != NULL;
}

/* What a payload may never do to the page just answered. */
static void
clean(const char *p, const char *where)
{
	const char *s;

	ck_assert_msg(!has("<script") && !has("<img") && !has("<svg") &&
	    !has("<SCRIPT") && !has("\r"), "%s: markup", where);
	/* onerror= only as text, after the escaped tag it came in. */
	for (s = rs.body; (s = strstr(s, "onerror=")) != NULL; s++)
		if (s - rs.body < 14 || strncmp(s - 14, "&lt;img src=x ",
		    14) != 0)
			ck_abort_msg("%s: onerror= in a tag", where);
	if (dangerous(p) && strlen(p) > 3)
		ck_assert_msg(!has(p), "%s: raw payload", where);
}

/* Percent-encode everything but letters and digits. */
static void
urlenc(const char *s, char *out, size_t cap)
{
	static const char h[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s != '\0' && n + 4 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			out[n++] = (char)c;
		else {
			out[n++] = '%';
			out[n++] = h[c >> 4];
			out[n++] = h[c & 15];
		}
	}
	out[n] = '\0';
}

/* Markup of the page: what escaping must leave unchanged. */
struct shape {
	size_t	lt, gt, quot, apos;
};

static struct shape
shape(void)
{
	struct shape s;

	s.lt = count(rs.body, '<');
	s.gt = count(rs.body, '>');
	s.quot = count(rs.body, '"');
	s.apos = count(rs.body, '\'');
	return s;
}

static void
same_shape(struct shape a, const char *where)
{
	struct shape b = shape();

	ck_assert_msg(a.lt == b.lt && a.gt == b.gt && a.quot == b.quot &&
	    a.apos == b.apos, "%s: markup changed (< %zu/%zu > %zu/%zu "
	    "\" %zu/%zu ' %zu/%zu)", where, a.lt, b.lt, a.gt, b.gt, a.quot,
	    b.quot, a.apos, b.apos);
}

START_TEST(test_reflect_request)
{
	static char enc[PAYLEN * 3 + 8], b[BP_BODY_MAX * 2];
	static const char *const fields[] = { "token", "platform", "domain",
	    "need", "until", "reason", "zzz" };
	const size_t nf = sizeof(fields) / sizeof(fields[0]);
	struct shape page, err, ok;
	struct bp_req rq;
	size_t i, k;
	int n;

	payloads();
	ck_assert_uint_eq(get(HOST, "/"), 403);
	page = shape();
	ck_assert_uint_eq(post(body_with("until", "x", NULL)), 400);
	err = shape();
	ck_assert_uint_eq(post(valid_body()), 200);
	ok = shape();
	for (i = 0; i < npay; i++) {
		const char *p = pay[i];

		/* Host: never a name. */
		ck_assert_uint_eq(get(p, "/"), 400);
		clean(p, "host");
		/* Path: the block page as ever. */
		ck_assert_uint_eq(get(HOST, p), 403);
		clean(p, "path");
		same_shape(page, "path");
		/* Origin. */
		rq = post_req(valid_body());
		rq.origin = p;
		refused_rq(&rq, 403, "origin");
		clean(p, "origin");
		same_shape(err, "origin");
		/* Each field (and one the form does not have), encoded and
		 * raw. */
		urlenc(p, enc, sizeof(enc));
		for (k = 0; k < 2 * nf; k++) {
			const char *f = fields[k % nf], *v = k < nf ? enc : p;

			if (strcmp(f, "zzz") == 0)
				n = snprintf(b, sizeof(b), "%s&zzz=%s",
				    valid_body(), v);
			else
				n = snprintf(b, sizeof(b), "%s",
				    body_with(f, v, NULL));
			ck_assert_int_lt(n, (int)sizeof(b));
			rq = post_req(b);
			run(&rq);
			clean(p, f);
			same_shape(rs.status == 200 ? ok : err, f);
		}
	}
}
END_TEST

/* Where a view string lands, and the page that shows it. */
static const struct {
	const char	*name;
	size_t		 off, size;
	enum verdict	 verdict;
	bool		 status;	/* /status, else the block page */
} spots[] = {
	{ "person", offsetof(struct bp_view, person), REQ_NAME_MAX, 0, true },
	{ "group", offsetof(struct bp_view, group), REQ_NAME_MAX, 0, true },
	{ "group", offsetof(struct bp_view, group), REQ_NAME_MAX,
	    VERDICT_BLOCK_GROUP, false },
	{ "until", offsetof(struct bp_view, until), BP_TEXT,
	    VERDICT_BLOCK_LESSONS, false },
	{ "resets", offsetof(struct bp_view, resets), BP_TEXT,
	    VERDICT_BLOCK_QUOTA, false },
	{ "resets", offsetof(struct bp_view, resets), BP_TEXT, 0, true },
	{ "today", offsetof(struct bp_view, today), 16,
	    VERDICT_BLOCK_LESSONS, false },
	{ "today", offsetof(struct bp_view, today), 16, 0, true },
	{ "now", offsetof(struct bp_view, now), BP_TEXT, 0, true },
	{ "tt[0]", offsetof(struct bp_view, tt), BP_TEXT, 0, true },
	{ "tt[11]", offsetof(struct bp_view, tt) + 11 * BP_TEXT, BP_TEXT, 0,
	    true },
	{ "holder", offsetof(struct bp_view, holder), REQ_NAME_MAX,
	    VERDICT_BLOCK_GROUP, false },
};

/* Where a request's string lands on /status. */
static const struct {
	const char	*name;
	size_t		 off, size;
} rspots[] = {
	{ "id", offsetof(struct request, id), REQ_ID_MAX },
	{ "platform", offsetof(struct request, platform), REQ_NAME_MAX },
	{ "note", offsetof(struct request, note), REQ_TEXT_MAX },
	{ "reason", offsetof(struct request, reason), REQ_REASON_MAX + 1 },
	{ "by", offsetof(struct request, by), REQ_TEXT_MAX },
};

static void
view_requests(void)
{
	size_t i;

	for (i = 0; i < 3; i++) {
		struct request *r = &fk.reqs[i];

		memset(r, 0, sizeof(*r));
		snprintf(r->id, sizeof(r->id), "r-20261123-000%zu", i + 1);
		snprintf(r->platform, sizeof(r->platform), "facebook");
		snprintf(r->reason, sizeof(r->reason), "Because");
		snprintf(r->note, sizeof(r->note), "Not now");
		r->status = REQ_DENIED;
		r->until = today + 7;
		fk.v.req[i] = r;
	}
	fk.reqs[2].platform[0] = '\0';
	snprintf(fk.reqs[2].domain, sizeof(fk.reqs[2].domain),
	    "m.facebook.com");
	fk.v.nreq = 3;
	fk.v.ntt = BP_TT_MAX;
}

START_TEST(test_reflect_view)
{
	struct bp_view keep;
	struct shape base;
	size_t i, k;
	char *f;

	payloads();
	view_requests();
	for (k = 0; k < sizeof(spots) / sizeof(spots[0]); k++) {
		keep = fk.v;
		fk.v.verdict = spots[k].verdict;
		f = (char *)&fk.v + spots[k].off;
		snprintf(f, spots[k].size, "plain");
		ck_assert_uint_eq(get(HOST, spots[k].status ? "/status" : "/"),
		    spots[k].status ? 200 : 403);
		ck_assert_msg(spots[k].off == offsetof(struct bp_view,
		    holder) || has("plain"), "%s not shown", spots[k].name);
		base = shape();
		for (i = 0; i < npay; i++) {
			snprintf(f, spots[k].size, "%s", pay[i]);
			get(HOST, spots[k].status ? "/status" : "/");
			clean(f, spots[k].name);
			same_shape(base, spots[k].name);
		}
		fk.v = keep;
	}
	for (k = 0; k < sizeof(rspots) / sizeof(rspots[0]); k++) {
		f = (char *)&fk.reqs[1] + rspots[k].off;
		snprintf(f, rspots[k].size, "plain");
		ck_assert_uint_eq(get(HOST, "/status"), 200);
		base = shape();
		for (i = 0; i < npay; i++) {
			snprintf(f, rspots[k].size, "%s", pay[i]);
			get(HOST, "/status");
			clean(f, rspots[k].name);
			same_shape(base, rspots[k].name);
		}
		view_requests();
	}
	/* The escaped text is there, for the eye. */
	snprintf(fk.v.group, sizeof(fk.v.group), "<b>\"x\" & 'y'</b>\x01");
	fk.v.verdict = VERDICT_BLOCK_GROUP;
	ck_assert_uint_eq(get(HOST, "/"), 403);
	ck_assert(has("Not permitted for &lt;b&gt;&quot;x&quot; &amp; "
	    "&#39;y&#39;&lt;/b&gt;&#9217;."));
}
END_TEST

/* --- 6. The status page -------------------------------------------------- */

START_TEST(test_status)
{
	struct request *r = fk.reqs;
	size_t i;

	memset(fk.reqs, 0, sizeof(fk.reqs));
	snprintf(r[0].id, sizeof(r[0].id), "r-20261123-0004");
	snprintf(r[0].platform, sizeof(r[0].platform), "facebook");
	r[0].need = REQ_UNBLOCK;
	r[0].until = tz_days_from_civil(2026, 12, 18);
	r[0].status = REQ_PENDING;
	snprintf(r[1].id, sizeof(r[1].id), "r-20261123-0003");
	snprintf(r[1].domain, sizeof(r[1].domain), "www.tiktok.com");
	r[1].need = REQ_EXTRA;
	r[1].extra = 900;
	r[1].status = REQ_APPROVED;
	snprintf(r[1].note, sizeof(r[1].note), "overrides.d/secret.conf");
	snprintf(r[2].id, sizeof(r[2].id), "r-20261122-0001");
	snprintf(r[2].platform, sizeof(r[2].platform), "instagram");
	r[2].until = tz_days_from_civil(2026, 11, 30);
	r[2].status = REQ_DENIED;
	snprintf(r[2].note, sizeof(r[2].note), "Not during exams");
	snprintf(r[3].id, sizeof(r[3].id), "r-20261120-0002");
	snprintf(r[3].platform, sizeof(r[3].platform), "youtube");
	r[3].status = REQ_EXPIRED;
	for (i = 0; i < 4; i++)
		fk.v.req[i] = &r[i];
	fk.v.nreq = 4;
	snprintf(fk.v.person, sizeof(fk.v.person), "Jo Smith");

	ck_assert_uint_eq(get("10.10.0.1:8080", "/status"), 200);
	ck_assert_ptr_null(fk.view_p);
	ck_assert(has("<p class=\"lead\">Jo Smith \xc2\xb7 pupils</p>"));
	ck_assert(has("10 min used"));
	ck_assert(has("20 min left today"));
	ck_assert(has("Your allowance of 30 minutes starts again at "
	    "midnight."));
	ck_assert(has("Today 2026-11-23"));
	ck_assert(has("<strong>Now:</strong> Lesson until 12:15"));
	ck_assert(has("<td>08:45-10:15 Lesson</td>"));
	ck_assert(has("<td>10:15-10:35 Break</td>"));
	ck_assert(has("<td>10:35-12:15 Lesson</td>"));
	ck_assert(has("Facebook: unblock until 2026-12-18"));
	ck_assert(has("r-20261123-0004"));
	ck_assert(has("www.tiktok.com: 15 extra minutes"));
	ck_assert(has("Instagram: unblock until 2026-11-30"));
	ck_assert(has("YouTube: unblock<br>"));
	ck_assert(has("<span class=\"badge wait\">pending</span>"));
	ck_assert(has("<span class=\"badge ok\">approved</span>"));
	ck_assert(has("<span class=\"badge\">denied</span>"));
	ck_assert(has("<span class=\"badge\">expired</span>"));
	/* Why it was denied; never an approval's note. */
	ck_assert(has("r-20261122-0001 \xc2\xb7 Not during exams"));
	ck_assert(!has("secret"));
	/* Newest first, as the view gives them. */
	ck_assert(strstr(rs.body, "r-20261123-0004") <
	    strstr(rs.body, "r-20261120-0002"));

	/* No person, no group, no allowance, no lessons, no requests. */
	fk.v.person[0] = fk.v.group[0] = fk.v.now[0] = '\0';
	fk.v.metered = false;
	fk.v.ntt = 0;
	fk.v.nreq = 0;
	ck_assert_uint_eq(get(HOST, "/status"), 200);
	ck_assert(has("<p class=\"lead\">This device</p>"));
	ck_assert(has("no daily allowance"));
	ck_assert(has("No lessons today."));
	ck_assert(has("<h2>Your requests</h2><p>None.</p>"));
	ck_assert(!has("Now:"));

	/* At most BP_TT_MAX lines and BP_REQ_SHOWN requests. */
	for (i = 0; i < BP_TT_MAX; i++)
		snprintf(fk.v.tt[i], sizeof(fk.v.tt[i]), "line %zu", i);
	fk.v.ntt = BP_TT_MAX;
	for (i = 0; i < BP_REQ_SHOWN; i++) {
		r[i] = r[0];
		snprintf(r[i].id, sizeof(r[i].id), "r-20261123-%04zu", i + 1);
		fk.v.req[i] = &r[i];
	}
	fk.v.nreq = BP_REQ_SHOWN;
	ck_assert_uint_eq(get(HOST, "/status"), 200);
	ck_assert(has("<td>line 11</td>"));
	ck_assert(has("r-20261123-0010"));
	ck_assert_uint_eq(count(rs.body, '\n'), 1);
}
END_TEST

/* --- Regressions: bugs found and fixed ------------------------------- */

/*
 * The page sends Referrer-Policy: no-referrer, and with that policy a
 * browser sends "Origin: null" with a form post (Fetch, "append a
 * request Origin header": a request whose method is neither GET nor HEAD
 * and whose referrer policy is no-referrer gets the origin "null";
 * Chromium does so).  post_request() then refuses the page's own form
 * with 403.  The Origin the browser would send follows from the policy
 * the page declares, so this passes with either fix: accept "null"
 * (the token is the real check), or send Referrer-Policy: same-origin.
 */
START_TEST(test_bug_origin_null)
{
	const char *pol, *origin = "http://" HOST;
	struct bp_req rq;

	ck_assert_uint_eq(get(HOST, "/"), 403);
	ck_assert_ptr_nonnull(pol = hdr("Referrer-Policy"));
	if (strcmp(pol, "no-referrer") == 0)
		origin = "null";
	rq = post_req(valid_body());
	rq.origin = origin;
	accepted_rq(&rq, "the Origin a browser sends");
}
END_TEST

/*
 * The form's domain is checked with catalog_lookup(), which ignores a
 * trailing dot, and a character set, not as a host name: a domain the
 * spool refuses (request_format() -EINVAL, so spool_add() fails and the
 * person sees 503 "could not be saved") passes.  Expected 400.  The
 * page itself offers such names: host_parse() takes the Host
 * "www..facebook.com" and puts it in the form as it is.
 */
START_TEST(test_bug_domain_spool)
{
	static char label[80];
	const char *dom[] = { "www.facebook.com.", ".facebook.com",
	    "www..facebook.com", label };
	char bad[512] = "";
	size_t i;

	memset(label, 'a', 64);
	snprintf(label + 64, sizeof(label) - 64, ".facebook.com");
	for (i = 0; i < sizeof(dom) / sizeof(dom[0]); i++) {
		fk.got_formats = true;
		post(body_with("domain", dom[i], NULL));
		if (rs.status != 400 && !(rs.status == 200 && fk.got_formats))
			snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad),
			    " %s (%u, the spool %s it)", dom[i], rs.status,
			    fk.got_formats ? "takes" : "refuses");
	}
	ck_assert_msg(bad[0] == '\0', "domains:%s", bad);
}
END_TEST

/*
 * A browser submits a textarea's line breaks as CR LF, but its
 * maxlength="500" counts each as one character: a reason the form lets
 * through (500 characters, one line break) arrives as 501 bytes and
 * urldecode() refuses it before reason_clean() would make it 500.
 */
START_TEST(test_bug_reason_crlf)
{
	static char r[REQ_REASON_MAX + 8], b[BP_BODY_MAX];

	memset(r, 'a', REQ_REASON_CHARS + 5);
	memcpy(r + 200, "%0D%0A", 6);	/* 200 + CRLF + 299 = 501 bytes */
	r[200 + 6 + 299] = '\0';
	snprintf(b, sizeof(b), "%s", body_with("reason", r, NULL));
	accepted(b, "500 characters with a line break");
	ck_assert_uint_eq(strlen(fk.got.reason), REQ_REASON_CHARS);
}
END_TEST

/*
 * bp_req says nothing of body being non-NULL, but a POST with body NULL
 * (bodylen 0) reaches form_parse(), whose "end = b + len" adds 0 to a
 * null pointer: undefined behaviour, reported by clang's UBSan (not by
 * gcc's, so this passes in build-san).  answer() always gives a buffer,
 * so only another caller meets it.
 */
START_TEST(test_bug_null_body)
{
	struct bp_req rq = post_req("");

	rq.body = NULL;
	refused_rq(&rq, 403, "no body");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("blockpage");
	TCase *tc = tcase_create("core"), *bugs;
	SRunner *sr;
	int nf;

	tcase_add_unchecked_fixture(tc, setup_once, teardown_once);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_block_lessons);
	tcase_add_test(tc, test_block_quota);
	tcase_add_test(tc, test_block_group);
	tcase_add_test(tc, test_block_circumvention);
	tcase_add_test(tc, test_allow);
	tcase_add_test(tc, test_unmanaged);
	tcase_add_test(tc, test_form_limit);
	tcase_add_test(tc, test_headers);
	tcase_add_test(tc, test_hosts);
	tcase_add_test(tc, test_post_ok);
	tcase_add_test(tc, test_post_token);
	tcase_add_test(tc, test_post_origin);
	tcase_add_test(tc, test_post_method);
	tcase_add_test(tc, test_post_submit);
	tcase_add_test(tc, test_post_body);
	tcase_add_test(tc, test_post_extra);
	tcase_add_test(tc, test_post_until);
	tcase_add_test(tc, test_post_reason);
	tcase_add_test(tc, test_post_fields);
	tcase_add_test(tc, test_reflect_request);
	tcase_add_test(tc, test_reflect_view);
	tcase_add_test(tc, test_status);
	suite_add_tcase(s, tc);
	/* Bugs the tests found, fixed: regressions now. */
	bugs = tcase_create("regressions");
	tcase_add_unchecked_fixture(bugs, setup_once, teardown_once);
	tcase_add_checked_fixture(bugs, setup, teardown);
	tcase_add_test(bugs, test_bug_origin_null);
	tcase_add_test(bugs, test_bug_domain_spool);
	tcase_add_test(bugs, test_bug_reason_crlf);
	tcase_add_test(bugs, test_bug_null_body);
	suite_add_tcase(s, bugs);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
