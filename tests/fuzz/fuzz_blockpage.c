/*
 * libFuzzer target for blockpage.c: bp_handle(), the block page, /status
 * and the request form, as a browser (or anyone) reaches them.
 *
 *	build with scripts/fuzz (it knows the module list), then
 *	build-fuzz/fuzz_blockpage -max_len=8192 CORPUS \
 *	    build-fuzz/seeds/blockpage
 *
 * LLVMFuzzerInitialize writes, once, to /tmp/fuzz_blockpage.PID
 * (removed at exit): three configs (listen on 10.10.0.1:8080 with a
 * school and contact full of markup, on [fd10::1]:8080, and one with
 * neither school nor contact) and a small catalogue of its own (two
 * social platforms, one circumvention, one with markup in its name), so
 * it runs from any directory.  One block page per config serves every
 * input.
 *
 * Input:
 *
 *	byte 0	0x01 tls; 0x06 the client (10.10.2.23, 10.10.2.24,
 *		fd10::23, 10.10.0.1); 0x08 put a valid token first in the
 *		body ("token=T&"); 0x10 body_over; 0x20 the view answers
 *		-ENOENT; 0x40 managed; 0x80 metered
 *	byte 1	0x07 the verdict (7: a value of no verdict); 0x18 what
 *		submit answers (0, -EDQUOT, -ENOENT, -EIO); 0x20 the token
 *		is another client's; 0xc0 the block page (config)
 *	byte 2	the token's age, (int8_t) times 31 seconds
 *	byte 3	0x0f requests today and lines of the view; 0xf0 requests
 *		a day
 *	then, separated by 0xff: method, path, Host, Origin, Content-Type,
 *	body, the view's text.  A field that is empty or not there is NULL
 *	(a single 0xfe is the empty string); without a view text the
 *	view's strings are plain ones.
 *
 * The body is copied to a buffer of exactly its length.  With
 * FUZZ_VERBOSE set, a line per input says what it got (status, whether
 * submit was called).  Besides memory
 * safety and leaks, it checks:
 *  - bp_handle() answers (0) with a status of the known set, a body
 *    without NUL, without a control byte but LF, without DEL and
 *    without "<script"; header values without CR or LF, and always
 *    the CSP and nosniff;
 *  - the view's text is escaped: the page's count of < > " ' is that
 *    of the same page with the text replaced by plain letters;
 *  - a form on a page carries the token bp_token() makes for the
 *    client now;
 *  - submit is called only for a POST to /request of a form, from a
 *    managed client, and what it gets is sound: a platform of the
 *    catalogue or none, a domain of that platform, need and extra or
 *    until within their limits, a reason request_text_ok() takes, the
 *    client's address; the response is 200 only when submit said 0.
 *
 * Not checked (a known bug, see the report of check_blockpage.c's
 * "bugs" tcase): that the spool takes every domain the form takes (a
 * trailing dot or an empty label pass the form).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define check(c)	do { if (!(c)) abort(); } while (0)

#define REAL		1795425000	/* 2026-11-23T09:50:00Z */
#define NBP		3
#define FORM		"application/x-www-form-urlencoded"

static const char *const conf_text[NBP] = {
	"[gateway]\ninterface = eth1\nlan = 10.10.0.0/16, fd10::/48\n"
	"[schedule]\nlessons = 08:45-16:00\n"
	"[blockpage]\nlisten = 10.10.0.1:8080\n"
	"school = Oak Tree <School> & \"Co\" 'x'\n"
	"contact = <a href=x>office@example.org</a>\n",
	"[gateway]\ninterface = eth1\nlan = 10.10.0.0/16, fd10::/48\n"
	"[schedule]\nlessons = 08:45-16:00\n"
	"[blockpage]\nlisten = [fd10::1]:8080\n"
	"school = Beech\n",
	"[gateway]\ninterface = eth1\nlan = 10.10.0.0/16\n"
	"[schedule]\nlessons = 08:45-16:00\n"
	"[blockpage]\nlisten = 10.10.0.1:80\n",
};

static const char cat_text[] =
	"[platform facebook]\nname = Facebook\ncategory = social\n"
	"domains = facebook.com, fb.com, facebook\nshared_infra = no\n\n"
	"[platform instagram]\nname = Instagram\ncategory = social\n"
	"domains = instagram.com\nshared_infra = no\n\n"
	"[platform odd]\nname = <b>Odd</b> & \"co\" 'x'\ncategory = "
	"other-things\ndomains = odd.example\nshared_infra = yes\n\n"
	"[platform google-dns]\nname = Google Public DNS\n"
	"category = circumvention\nreason = doh\n"
	"domains = dns.google\nshared_infra = no\n";

static char		 dir[64];
static struct config	*cfg[NBP];
static struct catalog	*cat;
static struct bp	*bps[NBP];
static int32_t		 today;
static bool		 verbose;	/* $FUZZ_VERBOSE: a line an input */

/* --- The fake daemon ----------------------------------------------------- */

static struct fake {
	struct bp_view	 v;
	int		 view_rc;
	int		 submit_rc;
	unsigned	 nsubmit;
	struct request	 got;
	struct request	 reqs[BP_REQ_SHOWN];
} fk;

static int
fake_view(void *arg, const struct addr *c, const struct platform *p,
    struct bp_view *v)
{
	struct fake *f = arg;

	(void)c;
	(void)p;
	*v = f->v;
	return f->view_rc;
}

static int
fake_submit(void *arg, struct request *r, char *why, size_t whylen)
{
	struct fake *f = arg;

	f->nsubmit++;
	f->got = *r;
	if (f->submit_rc != 0) {
		snprintf(why, whylen, "fake");
		return f->submit_rc;
	}
	snprintf(r->id, sizeof(r->id), "r-20261123-0007");
	return 0;
}

static const struct bp_ops ops = { fake_view, fake_submit };

/* --- Start --------------------------------------------------------------- */

static void
write_file(const char *path, const char *text)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) != 0) {
		fprintf(stderr, "fuzz_blockpage: %s: %s\n", path,
		    strerror(errno));
		exit(1);
	}
}

static void
cleanup(void)
{
	char p[128];
	size_t i;

	for (i = 0; i < NBP; i++) {
		bp_free(bps[i]);
		config_free(cfg[i]);
		snprintf(p, sizeof(p), "%s/conf%zu.conf", dir, i);
		unlink(p);
	}
	catalog_free(cat);
	snprintf(p, sizeof(p), "%s/platforms.conf", dir);
	unlink(p);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct bp_opts o;
	char p[128], *cause = NULL;
	const char *files[1];
	size_t i;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/fuzz_blockpage.%ld", (long)getpid());
	if (mkdir(dir, 0700) == -1) {
		fprintf(stderr, "fuzz_blockpage: %s: %s\n", dir,
		    strerror(errno));
		exit(1);
	}
	atexit(cleanup);
	snprintf(p, sizeof(p), "%s/platforms.conf", dir);
	write_file(p, cat_text);
	files[0] = p;
	if ((cat = catalog_load_files(files, 1, &cause)) == NULL) {
		fprintf(stderr, "fuzz_blockpage: catalogue: %s",
		    cause ? cause : "?\n");
		exit(1);
	}
	for (i = 0; i < NBP; i++) {
		snprintf(p, sizeof(p), "%s/conf%zu.conf", dir, i);
		write_file(p, conf_text[i]);
		if ((cfg[i] = config_load(p, &cause)) == NULL) {
			fprintf(stderr, "fuzz_blockpage: config %zu: %s", i,
			    cause ? cause : "?\n");
			exit(1);
		}
		memset(&o, 0, sizeof(o));
		o.cfg = cfg[i];
		o.cat = cat;
		o.ops = &ops;
		o.arg = &fk;
		if ((bps[i] = bp_new(&o)) == NULL)
			exit(1);
	}
	today = tz_days_from_civil(2026, 11, 23);
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	return 0;
}

/* --- One input ----------------------------------------------------------- */

/* The view's strings: text (NULL: plain ones). */
static void
view_text(struct bp_view *v, const char *text)
{
	size_t i;

	snprintf(v->holder, sizeof(v->holder), "%s", text ? text : "jsmith");
	snprintf(v->person, sizeof(v->person), "%s", text ? text : "jsmith");
	snprintf(v->group, sizeof(v->group), "%s", text ? text : "pupils");
	snprintf(v->until, sizeof(v->until), "%s", text ? text : "16:00");
	snprintf(v->resets, sizeof(v->resets), "%s",
	    text ? text : "midnight");
	snprintf(v->today, sizeof(v->today), "%s",
	    text ? text : "2026-11-23");
	snprintf(v->now, sizeof(v->now), "%s", text ? text : "Lesson");
	for (i = 0; i < BP_TT_MAX; i++)
		snprintf(v->tt[i], sizeof(v->tt[i]), "%s",
		    text ? text : "08:45-10:15 Lesson");
	for (i = 0; i < BP_REQ_SHOWN; i++) {
		struct request *r = &fk.reqs[i];

		snprintf(r->id, sizeof(r->id), "%s",
		    text ? text : "r-20261123-0001");
		snprintf(r->platform, sizeof(r->platform), "%s",
		    text && i % 2 ? text : "");
		snprintf(r->domain, sizeof(r->domain), "%s",
		    text ? text : "m.facebook.com");
		snprintf(r->note, sizeof(r->note), "%s", text ? text : "No");
	}
}

/* Plain letters where text has any, so the page keeps its shape. */
static void
plain(const char *text, char *out, size_t cap)
{
	size_t i;

	for (i = 0; text[i] != '\0' && i + 1 < cap; i++)
		out[i] = 'x';
	out[i] = '\0';
}

struct shape {
	size_t	c[4];
};

static struct shape
shape(const char *b)
{
	static const char m[4] = { '<', '>', '"', '\'' };
	struct shape s;
	size_t k;
	const char *p;

	memset(&s, 0, sizeof(s));
	for (p = b; *p != '\0'; p++)
		for (k = 0; k < 4; k++)
			s.c[k] += *p == m[k];
	return s;
}

static void
check_resp(const struct bp_resp *rs)
{
	static const unsigned known[] = { 200, 400, 403, 405, 413, 415, 429,
	    503 };
	bool ok = false, csp = false, nosniff = false;
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ok |= rs->status == known[i];
	check(ok);
	check(rs->body != NULL && strlen(rs->body) == rs->len);
	check(rs->nheaders <= BP_HEADERS_MAX);
	for (i = 0; i < rs->nheaders; i++) {
		check(strpbrk(rs->headers[i].name, "\r\n") == NULL);
		check(strpbrk(rs->headers[i].value, "\r\n") == NULL);
		if (strcmp(rs->headers[i].name, "Content-Security-Policy") == 0)
			csp = strstr(rs->headers[i].value,
			    "default-src 'none'; style-src 'unsafe-inline'; "
			    "form-action 'self'; frame-ancestors 'none'") !=
			    NULL;
		if (strcmp(rs->headers[i].name, "X-Content-Type-Options") == 0)
			nosniff = strcmp(rs->headers[i].value, "nosniff") == 0;
	}
	check(csp && nosniff);
	for (i = 0; i < rs->len; i++) {
		unsigned char c = (unsigned char)rs->body[i];

		check((c >= 0x20 || c == '\n') && c != 0x7f);
	}
	check(strcasestr(rs->body, "<script") == NULL);
	check(strcasestr(rs->body, "<img") == NULL);
}

/* What submit got: sound by the rules of the form. */
static void
check_submitted(const struct request *r, const struct addr *client,
    const struct bp_view *v)
{
	const struct platform *p = NULL, *dp;

	check(addr_equal(&r->client, client));
	check(r->platform[0] != '\0' || r->domain[0] != '\0');
	if (r->platform[0] != '\0') {
		check((p = catalog_find(cat, r->platform)) != NULL);
		check(strcmp(p->id, r->platform) == 0);
	}
	if (r->domain[0] != '\0') {
		dp = catalog_lookup(cat, r->domain, strlen(r->domain));
		check(dp != NULL && (p == NULL || dp == p));
		check(strspn(r->domain, "abcdefghijklmnopqrstuvwxyz"
		    "0123456789.-") == strlen(r->domain));
	}
	if (r->need == REQ_EXTRA) {
		check(v->metered);
		check(r->extra >= 60 && r->extra <= 120 * 60 &&
		    r->extra % 60 == 0);
	} else {
		check(r->need == REQ_UNBLOCK);
		check(r->until >= v->today_day &&
		    r->until < v->today_day + 366);
	}
	check(r->reason[0] != '\0' && r->reason[0] != ' ' &&
	    r->reason[0] != '\n');
	check(strchr(r->reason, '\r') == NULL);
	check(request_text_ok(r->reason, REQ_REASON_MAX));
}

/* The form's token on the page is the client's, made now. */
static void
check_form(struct bp *bp, const char *body, const struct bp_req *rq)
{
	static const char at[] = "name=\"token\" value=\"";
	char tok[64];
	const char *p;
	size_t n;

	if ((p = strstr(body, at)) == NULL)
		return;
	check(strstr(body, "action=\"/request\"") != NULL);
	bp_token(bp, &rq->client, rq->real, tok, sizeof(tok));
	n = strlen(tok);
	p += sizeof(at) - 1;
	check(strncmp(p, tok, n) == 0 && p[n] == '"');
}

/* Up to n fields of data separated by 0xff: starts and lengths. */
static size_t
split(const uint8_t *d, size_t len, const uint8_t **f, size_t *fl, size_t n)
{
	size_t k = 0;
	const uint8_t *e;

	while (k < n) {
		e = k + 1 < n ? memchr(d, 0xff, len) : NULL;
		f[k] = d;
		fl[k] = e != NULL ? (size_t)(e - d) : len;
		k++;
		if (e == NULL)
			break;
		len -= (size_t)(e - d) + 1;
		d = e + 1;
	}
	return k;
}

/* A NUL-terminated copy (up to a NUL inside), or NULL when absent or
 * empty; a lone 0xfe is "". */
static char *
str(const uint8_t *f, size_t len, bool present)
{
	char *s;

	if (!present || len == 0)
		return NULL;
	if (len == 1 && f[0] == 0xfe)
		len = 0;
	if ((s = malloc(len + 1)) == NULL)
		abort();
	memcpy(s, f, len);
	s[len] = '\0';
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const clients[] = { "10.10.2.23", "10.10.2.24",
	    "fd10::23", "10.10.0.1" };
	static const int submit_rc[] = { 0, -EDQUOT, -ENOENT, -EIO };
	const uint8_t *f[7];
	size_t fl[7], nf, i, tl, bl;
	char *method, *path, *host, *origin, *ctype, *text, *body;
	char tok[64], alt[1024];
	struct bp *bp;
	struct bp_req rq;
	struct bp_resp rs, rs2;
	struct addr other;
	struct shape s1, s2;
	bool post_form;
	uint8_t b0, b1, b3;
	int64_t age;

	if (size < 4)
		return 0;
	b0 = data[0];
	b1 = data[1];
	age = (int64_t)(int8_t)data[2] * 31;
	b3 = data[3];
	nf = split(data + 4, size - 4, f, fl, 7);
	for (i = nf; i < 7; i++) {
		f[i] = NULL;
		fl[i] = 0;
	}
	method = str(f[0], fl[0], nf > 0);
	path = str(f[1], fl[1], nf > 1);
	host = str(f[2], fl[2], nf > 2);
	origin = str(f[3], fl[3], nf > 3);
	ctype = str(f[4], fl[4], nf > 4);
	text = str(f[6], fl[6], nf > 6);
	bp = bps[(b1 >> 6) % NBP];

	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = path;
	rq.host = host;
	rq.origin = origin;
	rq.content_type = ctype;
	rq.tls = b0 & 0x01;
	rq.body_over = b0 & 0x10;
	rq.real = REAL;
	check(addr_parse(clients[(b0 >> 1) & 3], &rq.client) == 0);
	check(addr_parse(clients[((b0 >> 1) + 1) & 3], &other) == 0);

	/* The body, a valid token first when asked, in a buffer of its
	 * exact length. */
	tok[0] = '\0';
	if (b0 & 0x08) {
		snprintf(tok, sizeof(tok), "token=");
		bp_token(bp, b1 & 0x20 ? &other : &rq.client, REAL - age,
		    tok + 6, sizeof(tok) - 6);
		snprintf(tok + strlen(tok), sizeof(tok) - strlen(tok), "&");
	}
	tl = strlen(tok);
	bl = nf > 5 ? fl[5] : 0;
	if ((body = malloc(tl + bl > 0 ? tl + bl : 1)) == NULL)
		abort();
	memcpy(body, tok, tl);
	if (bl > 0)
		memcpy(body + tl, f[5], bl);
	rq.body = body;
	rq.bodylen = tl + bl;

	/* The view. */
	memset(&fk, 0, sizeof(fk));
	fk.v.managed = b0 & 0x40;
	fk.view_rc = b0 & 0x20 ? -ENOENT : 0;
	fk.v.verdict = (b1 & 7) == 7 ? (enum verdict)42 :
	    (enum verdict)(b1 & 7);
	fk.submit_rc = submit_rc[(b1 >> 3) & 3];
	fk.v.metered = b0 & 0x80;
	fk.v.allowance = 1800;
	fk.v.used = (uint32_t)b3 * 10;
	fk.v.left = fk.v.used < 1800 ? 1800 - fk.v.used : 0;
	fk.v.today_day = today;
	fk.v.req_today = b3 & 15;
	fk.v.req_per_day = b3 >> 4;
	fk.v.ntt = (b3 & 15) + 1;	/* more than BP_TT_MAX at times */
	for (i = 0; i < BP_REQ_SHOWN; i++) {
		fk.reqs[i].status = (enum req_status)(i % 4);
		fk.reqs[i].need = (enum req_need)(i % 2);
		fk.reqs[i].until = i % 3 ? today + (int32_t)i : 0;
		fk.reqs[i].extra = (uint32_t)i * 600;
		fk.v.req[i] = &fk.reqs[i];
	}
	fk.v.nreq = (b3 & 15) < BP_REQ_SHOWN ? (b3 & 15) : BP_REQ_SHOWN;
	view_text(&fk.v, text);

	check(bp_handle(bp, &rq, &rs) == 0);
	if (verbose)
		fprintf(stderr, "fuzz_blockpage: %s %s Host %s: %u, submit "
		    "%u\n", method ? method : "-", path ? path : "-",
		    host ? host : "-", rs.status, fk.nsubmit);
	check_resp(&rs);
	check_form(bp, rs.body, &rq);

	/* Who may reach the spool. */
	post_form = method != NULL && strcmp(method, "POST") == 0 &&
	    path != NULL && strcmp(path, "/request") == 0 && ctype != NULL &&
	    strncasecmp(ctype, FORM, strlen(FORM)) == 0 && !rq.body_over &&
	    fk.view_rc == 0 && fk.v.managed;
	if (fk.nsubmit > 0) {
		check(fk.nsubmit == 1 && post_form);
		check_submitted(&fk.got, &rq.client, &fk.v);
	}
	check(rs.status != 200 || fk.nsubmit == 0 || fk.submit_rc == 0);
	if (fk.nsubmit > 0 && fk.submit_rc == 0)
		check(rs.status == 200 &&
		    strstr(rs.body, "r-20261123-0007") != NULL);
	if (fk.submit_rc == -EDQUOT && fk.nsubmit > 0)
		check(rs.status == 429);

	/* The view's text changes no markup. */
	if (text != NULL) {
		plain(text, alt, sizeof(alt));
		view_text(&fk.v, alt);
		check(bp_handle(bp, &rq, &rs2) == 0);
		s1 = shape(rs.body);
		s2 = shape(rs2.body);
		if (memcmp(&s1, &s2, sizeof(s1)) != 0) {
			fprintf(stderr, "fuzz_blockpage: the view's text "
			    "changed the markup:\n%s\n---\n%s\n", rs.body,
			    rs2.body);
			abort();
		}
		free(rs2.body);
	}

	free(rs.body);
	free(body);
	free(method);
	free(path);
	free(host);
	free(origin);
	free(ctype);
	free(text);
	return 0;
}
