/*
 * blockpage: the block page, /status and the request form (see
 * blockpage.h).  The first half is the core, bp_handle(), with no
 * socket; the second is the libmicrohttpd glue.
 */
#include <sys/random.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/hmac.h>

#include "blockpage.h"
#include "cause.h"
#include "hex.h"
#include "classify.h"
#include "config.h"
#include "mint.h"
#include "tz.h"

#define KEY_LEN		32
#define MAC_HEX		32	/* hex digits of the token's MAC */
#define UNTIL_DAYS_MAX	366	/* an unblock asked for at most a year */
#define EXTRA_MAX	120	/* minutes of extra time asked for */
#define STR_(x)		#x
#define STR(x)		STR_(x)
#define REQ_REASON_CHARS_S STR(REQ_REASON_CHARS)

struct listener {
	struct bp		*bp;
	struct MHD_Daemon	*mhd;
	bool			 tls;
};

struct slot {
	struct addr	 a;
	bool		 used;
};

struct bp {
	const struct config	*cfg;
	const struct catalog	*cat;
	struct mint		*mint;
	const struct bp_ops	*ops;
	void			*arg;
	uint8_t			 key[KEY_LEN];
	struct listener		 l[4];		/* HTTP, HTTPS; the same on
						   listen's other address */
	struct slot		 slots[BP_CONNS_MAX];
	size_t			 nconns;
	struct bp_stats		 st;
};

/* The HTTPS listener's certificate callback has no argument of its own:
 * the one block page of the process. */
static struct bp *tls_bp;

/* --- Output -------------------------------------------------------------- */

struct out {
	char	*b;
	size_t	 n, cap;
	bool	 oom;
};

static void
put(struct out *o, const char *s, size_t len)
{
	char *nb;
	size_t cap;

	if (o->oom)
		return;
	if (o->n + len + 1 > o->cap) {
		cap = o->cap ? o->cap : 8192;
		while (cap < o->n + len + 1)
			cap *= 2;
		if ((nb = realloc(o->b, cap)) == NULL) {
			o->oom = true;
			return;
		}
		o->b = nb;
		o->cap = cap;
	}
	memcpy(o->b + o->n, s, len);
	o->n += len;
	o->b[o->n] = '\0';
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Trusted text only: the format and every %s come from this file or are
 * numbers.  Anything from outside goes through esc(). */
static void putf(struct out *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
putf(struct out *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(o, buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf) - 1);
}

/* HTML-escaped: & < > " ' and every control byte but \n. */
static void
esc(struct out *o, const char *s)
{
	char e[8];

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': puts_(o, "&amp;"); break;
		case '<': puts_(o, "&lt;"); break;
		case '>': puts_(o, "&gt;"); break;
		case '"': puts_(o, "&quot;"); break;
		case '\'': puts_(o, "&#39;"); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n') {
				snprintf(e, sizeof(e), "&#%u;",
				    0x2400u + (unsigned char)*s);
				puts_(o, e);
			} else if (*s == 0x7f)
				puts_(o, "&#9249;");
			else
				put(o, s, 1);
		}
	}
}

/* --- Small helpers ------------------------------------------------------- */

static void
hex(const uint8_t *p, size_t n, char *out)
{
	static const char h[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = h[p[i] >> 4];
		out[2 * i + 1] = h[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static void
token_mac(const struct bp *bp, const struct addr *client, int64_t t,
    char out[MAC_HEX + 1])
{
	struct hmac_sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];
	char ts[24];

	hmac_sha256_set_key(&h, KEY_LEN, bp->key);
	hmac_sha256_update(&h, 6, (const uint8_t *)"token|");
	hmac_sha256_update(&h, sizeof(client->family),
	    (const uint8_t *)&client->family);
	hmac_sha256_update(&h, client->family == AF_INET ? 4 : 16,
	    client->bytes);
	snprintf(ts, sizeof(ts), "|%" PRId64, t);
	hmac_sha256_update(&h, strlen(ts), (const uint8_t *)ts);
	hmac_sha256_digest(&h, sizeof(d), d);
	hex(d, MAC_HEX / 2, out);
}

void
bp_token(const struct bp *bp, const struct addr *client, int64_t real,
    char *buf, size_t len)
{
	char mac[MAC_HEX + 1];

	token_mac(bp, client, real, mac);
	snprintf(buf, len, "%" PRId64 ".%s", real, mac);
}

/* A token of this client, issued at most BP_TOKEN_AGE ago (and not in
 * the future by more than a minute).  Compared in constant time. */
static bool
token_ok(const struct bp *bp, const struct addr *client, const char *tok,
    int64_t real)
{
	char mac[MAC_HEX + 1];
	const char *dot;
	int64_t t = 0;
	unsigned diff = 0;
	size_t i;

	if (tok == NULL || (dot = strchr(tok, '.')) == NULL ||
	    dot == tok || dot - tok > 18 || strlen(dot + 1) != MAC_HEX)
		return false;
	for (i = 0; tok + i < dot; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return false;
		t = t * 10 + (tok[i] - '0');
	}
	if (t > real + 60 || real - t > BP_TOKEN_AGE)
		return false;
	token_mac(bp, client, t, mac);
	for (i = 0; i < MAC_HEX; i++)
		diff |= (unsigned)(mac[i] ^ dot[1 + i]);
	return diff == 0;
}

/* One of the block page's own addresses? */
static bool
is_listen(const struct bp *bp, const struct addr *a)
{
	return bp->cfg->blockpage.enabled &&
	    (addr_equal(a, &bp->cfg->blockpage.listen) ||
	    (bp->cfg->blockpage.listen_also.family != 0 &&
	    addr_equal(a, &bp->cfg->blockpage.listen_also)));
}

/*
 * The Host header: the name (lower case, no port) into buf, and the
 * platform it names or NULL when it is the block page's own address.
 * false for anything else.
 */
static bool
host_parse(const struct bp *bp, const char *host, char *buf, size_t len,
    const struct platform **pp)
{
	char lit[ADDR_STRLEN + 8];
	struct addr a;
	const char *colon;
	size_t n, i;

	*pp = NULL;
	if (host == NULL || (n = strlen(host)) == 0 || n > BP_HOST_MAX ||
	    n >= len)
		return false;
	if (host[0] == '[') {
		if ((colon = strchr(host, ']')) == NULL)
			return false;
		n = (size_t)(colon - host - 1);
		if (n >= sizeof(lit))
			return false;
		memcpy(lit, host + 1, n);
		lit[n] = '\0';
		colon++;
		if (*colon != '\0' && (*colon != ':' ||
		    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
		    colon[1] == '\0'))
			return false;
		if (addr_parse(lit, &a) != 0 || !is_listen(bp, &a))
			return false;
		snprintf(buf, len, "[%s]", lit);
		return true;
	}
	if ((colon = strchr(host, ':')) != NULL) {
		if (colon[1] == '\0' || strspn(colon + 1, "0123456789") !=
		    strlen(colon + 1))
			return false;
		n = (size_t)(colon - host);
	}
	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		char c = host[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.'))
			return false;
		buf[i] = c;
	}
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	if (n == 0)
		return false;
	if (addr_parse(buf, &a) == 0)
		return is_listen(bp, &a);
	/* A plain host name (no empty label), as the form will post it. */
	if (!request_domain_ok(buf))
		return false;
	*pp = catalog_lookup(bp->cat, buf, n);
	return *pp != NULL;
}

/* --- Pages --------------------------------------------------------------- */

static const char css[] =
	"*{box-sizing:border-box}"
	"body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',"
	"Roboto,'DejaVu Sans',sans-serif;color:#1d2733;background:#eef2f6}"
	"main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem 3rem}"
	".top{display:flex;justify-content:space-between;align-items:baseline;"
	"gap:1rem;color:#4a5a6a;font-size:.9rem;margin-bottom:1rem}"
	".school{font-weight:700;color:#1d2733;font-size:1rem}"
	".card{background:#fff;border-radius:14px;padding:1.5rem;"
	"box-shadow:0 1px 3px rgba(0,0,0,.08),0 8px 24px rgba(0,0,0,.05);"
	"margin-bottom:1rem}"
	".badge{display:inline-block;font-size:.8rem;font-weight:700;"
	"letter-spacing:.04em;text-transform:uppercase;padding:.2rem .6rem;"
	"border-radius:99px;background:#fde8e8;color:#9b1c1c}"
	".badge.ok{background:#def7ec;color:#03543f}"
	".badge.wait{background:#fdf6b2;color:#723b13}"
	"h1{font-size:1.6rem;line-height:1.25;margin:.6rem 0 .4rem}"
	"h2{font-size:1.1rem;margin:0 0 .6rem}"
	".lead{font-size:1.1rem;margin:0 0 1rem}"
	".until{font-size:1.25rem;font-weight:700;color:#1a56db}"
	".meter{margin:1rem 0 .2rem}"
	".bar{height:.7rem;background:#e5e9ef;border-radius:99px;"
	"overflow:hidden}"
	".bar span{display:block;height:100%;background:#1a56db}"
	".bar.spent span{background:#c81e1e}"
	".figs{display:flex;justify-content:space-between;font-size:.9rem;"
	"color:#4a5a6a;margin-top:.3rem}"
	"label{display:block;margin:.5rem 0 .2rem;font-weight:600}"
	".choice{font-weight:400;margin:.3rem 0}"
	"textarea,input[type=date],select{font:inherit;border:1px solid #c3ccd6;"
	"border-radius:8px;padding:.45rem .6rem;background:#fff}"
	"textarea{width:100%;min-height:5rem}"
	"button{font:inherit;font-weight:700;color:#fff;background:#1a56db;"
	"border:0;border-radius:8px;padding:.65rem 1.2rem;margin-top:.8rem;"
	"cursor:pointer}"
	"button:hover{background:#1e429f}"
	".small{font-size:.85rem;color:#4a5a6a}"
	".notice{font-size:.85rem;color:#4a5a6a;border-left:3px solid #c3ccd6;"
	"padding-left:.8rem}"
	"table{width:100%;border-collapse:collapse;font-size:.95rem}"
	"td{padding:.35rem 0;border-bottom:1px solid #eef2f6;vertical-align:top}"
	"td+td{text-align:right}"
	"a{color:#1a56db}"
	"@media(max-width:30rem){h1{font-size:1.35rem}.card{padding:1.1rem}}";

static const char *
school(const struct bp *bp)
{
	return bp->cfg->blockpage.school != NULL ? bp->cfg->blockpage.school :
	    "School network";
}

static void
page_start(const struct bp *bp, struct out *o, const char *title)
{
	puts_(o, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width,"
	    "initial-scale=1\"><meta name=\"robots\" content=\"noindex\">"
	    "<title>");
	esc(o, title);
	puts_(o, " \xe2\x80\x94 ");
	esc(o, school(bp));
	puts_(o, "</title><style>");
	puts_(o, css);
	puts_(o, "</style></head><body><main><div class=\"top\">"
	    "<span class=\"school\">");
	esc(o, school(bp));
	puts_(o, "</span><span>Social media policy</span></div>");
}

static void
status_link(const struct bp *bp, struct out *o, const char *text)
{
	char a[ADDR_STRLEN + 16];

	if (!bp->cfg->blockpage.enabled) {
		puts_(o, "<a href=\"/status\">");
	} else {
		addr_format_port(&bp->cfg->blockpage.listen,
		    bp->cfg->blockpage.port, a, sizeof(a));
		puts_(o, "<a href=\"http://");
		esc(o, a);
		puts_(o, "/status\">");
	}
	esc(o, text);
	puts_(o, "</a>");
}

static void
page_end(const struct bp *bp, struct out *o)
{
	puts_(o, "<p class=\"notice\">The school monitors the use of its "
	    "network, as its policy says. This visit has been recorded: "
	    "your device, the time and the site's name (never what you "
	    "read or write).</p><p class=\"small\">");
	if (bp->cfg->blockpage.contact != NULL) {
		puts_(o, "Questions? ");
		esc(o, bp->cfg->blockpage.contact);
		puts_(o, ". ");
	}
	status_link(bp, o, "Your allowance and today's timetable");
	puts_(o, "</p></main></body></html>\n");
}

static unsigned
minutes(uint32_t secs)
{
	return (unsigned)((secs + 59) / 60);
}

static void
meter(struct out *o, const struct bp_view *v)
{
	unsigned pct;

	if (!v->metered || v->allowance == 0)
		return;
	pct = (unsigned)((uint64_t)v->used * 100 / v->allowance);
	if (pct > 100)
		pct = 100;
	putf(o, "<div class=\"meter\"><div class=\"bar%s\"><span style=\""
	    "width:%u%%\"></span></div><div class=\"figs\"><span>%u min used"
	    "</span><span>%u min left today</span></div></div>",
	    v->left == 0 ? " spent" : "", pct, v->used / 60,
	    v->left / 60);
	/* (The allowance-used page says when in its lead already.) */
	if (v->resets[0] != '\0' && v->verdict != VERDICT_BLOCK_QUOTA) {
		puts_(o, "<p class=\"small\">Your allowance of ");
		putf(o, "%u", minutes(v->allowance));
		puts_(o, " minutes starts again at ");
		esc(o, v->resets);
		puts_(o, ".</p>");
	}
}

static bool
blocked(enum verdict v)
{
	return v == VERDICT_BLOCK_LESSONS || v == VERDICT_BLOCK_QUOTA ||
	    v == VERDICT_BLOCK_GROUP || v == VERDICT_BLOCK_CIRCUMVENTION;
}

static void
add_days(int32_t day, int32_t n, char *buf, size_t len)
{
	int32_t y;
	unsigned m, d;

	tz_civil_from_days(day + n, &y, &m, &d);
	snprintf(buf, len, "%04d-%02u-%02u", (int)y, m, d);
}

static void
form(const struct bp *bp, struct out *o, const struct bp_req *rq,
    const struct platform *p, const char *name, const struct bp_view *v)
{
	char tok[64], d[16], max[16];
	size_t left;

	if (!v->managed)
		return;
	left = v->req_per_day > v->req_today ? v->req_per_day - v->req_today :
	    0;
	puts_(o, "<section class=\"card\"><h2>Blocked by mistake?</h2>");
	if (left == 0) {
		puts_(o, "<p>You have made ");
		putf(o, "%zu", v->req_today);
		puts_(o, " requests today, the most allowed. You can ask again "
		    "tomorrow, or speak to the online safety lead.</p></section>");
		return;
	}
	bp_token(bp, &rq->client, rq->real, tok, sizeof(tok));
	add_days(v->today_day, 7, d, sizeof(d));
	add_days(v->today_day, UNTIL_DAYS_MAX - 1, max, sizeof(max));
	puts_(o, "<p>If you need this for your work, ask for it to be "
	    "unblocked. The headteacher decides.</p>"
	    "<form method=\"post\" action=\"/request\">"
	    "<input type=\"hidden\" name=\"token\" value=\"");
	esc(o, tok);
	puts_(o, "\"><input type=\"hidden\" name=\"platform\" value=\"");
	esc(o, p->id);
	puts_(o, "\"><input type=\"hidden\" name=\"domain\" value=\"");
	esc(o, name);
	puts_(o, "\"><label class=\"choice\"><input type=\"radio\" "
	    "name=\"need\" value=\"unblock\" checked> Unblock it until "
	    "<input type=\"date\" name=\"until\" value=\"");
	esc(o, d);
	puts_(o, "\" min=\"");
	esc(o, v->today);
	puts_(o, "\" max=\"");
	esc(o, max);
	puts_(o, "\"></label>");
	if (v->metered)
		puts_(o, "<label class=\"choice\"><input type=\"radio\" "
		    "name=\"need\" value=\"extra\"> Extra time today: "
		    "<select name=\"extra\"><option value=\"10\">10</option>"
		    "<option value=\"15\" selected>15</option>"
		    "<option value=\"30\">30</option></select> minutes</label>");
	puts_(o, "<label for=\"reason\">Why do you need it?</label>"
	    "<textarea id=\"reason\" name=\"reason\" maxlength=\""
	    REQ_REASON_CHARS_S "\" "
	    "required placeholder=\"For example: resources for the Year 9 "
	    "history project\"></textarea>"
	    "<button type=\"submit\">Ask for it to be unblocked</button>"
	    "<p class=\"small\">Your request goes to the headteacher with "
	    "your name, this device and the site. ");
	putf(o, "You can make %zu more today. ", left);
	puts_(o, "The answer appears on ");
	status_link(bp, o, "your status page");
	puts_(o, ".</p></form></section>");
}

static int
page_block(struct bp *bp, const struct bp_req *rq, const struct platform *p,
    const char *name, struct bp_resp *rs, struct out *o)
{
	struct bp_view v;
	char title[160];
	const char *what = p->name != NULL ? p->name : p->id;

	memset(&v, 0, sizeof(v));
	if (bp->ops->view(bp->arg, &rq->client, p, &v) != 0)
		v.managed = false;
	if (!v.managed)
		v.verdict = VERDICT_BLOCK_GROUP;
	bp->st.pages++;
	rs->status = blocked(v.verdict) ? MHD_HTTP_FORBIDDEN : MHD_HTTP_OK;
	snprintf(title, sizeof(title), "%s is %s", what,
	    blocked(v.verdict) ? "blocked" : "available");
	page_start(bp, o, title);
	puts_(o, "<section class=\"card\">");
	switch (v.verdict) {
	case VERDICT_BLOCK_LESSONS:
		puts_(o, "<span class=\"badge\">Lesson time</span><h1>");
		esc(o, what);
		puts_(o, " is not available during lessons</h1><p class=\"lead\">"
		    "Social media is not available during lessons \xe2\x80\x94 "
		    "back at <span class=\"until\">");
		esc(o, v.until);
		puts_(o, "</span></p>");
		meter(o, &v);
		break;
	case VERDICT_BLOCK_QUOTA:
		puts_(o, "<span class=\"badge\">Allowance used</span><h1>");
		esc(o, what);
		puts_(o, ": you have used today's social media time</h1>"
		    "<p class=\"lead\">You have used your ");
		putf(o, "%u", minutes(v.allowance));
		puts_(o, " minutes for today \xe2\x80\x94 resets at <span "
		    "class=\"until\">");
		esc(o, v.resets[0] != '\0' ? v.resets : "midnight");
		puts_(o, "</span></p>");
		meter(o, &v);
		break;
	case VERDICT_BLOCK_CIRCUMVENTION:
		puts_(o, "<span class=\"badge\">Always blocked</span><h1>");
		esc(o, what);
		puts_(o, " is blocked</h1><p class=\"lead\">Blocked: "
		    "circumvention. This service gets round the school's "
		    "filtering (");
		esc(o, p->category != NULL ? p->category : "circumvention");
		puts_(o, "), so it is blocked for everyone, and attempts are "
		    "recorded.</p>");
		break;
	case VERDICT_BLOCK_GROUP:
		puts_(o, "<span class=\"badge\">Not permitted</span><h1>");
		esc(o, what);
		puts_(o, " is blocked</h1><p class=\"lead\">");
		if (v.group[0] != '\0') {
			puts_(o, "Not permitted for ");
			esc(o, v.group);
			puts_(o, ".");
		} else
			puts_(o, "Not permitted on the school's network.");
		puts_(o, "</p>");
		break;
	default:
		puts_(o, "<span class=\"badge ok\">Available</span><h1>");
		esc(o, what);
		puts_(o, " is available now</h1><p class=\"lead\">Reload the "
		    "page to go on.</p>");
		meter(o, &v);
		break;
	}
	puts_(o, "</section>");
	if (blocked(v.verdict))
		form(bp, o, rq, p, name, &v);
	page_end(bp, o);
	return 0;
}

static const char *
status_badge(enum req_status s)
{
	switch (s) {
	case REQ_APPROVED: return "badge ok";
	case REQ_PENDING: return "badge wait";
	default: return "badge";
	}
}

static int
page_status(struct bp *bp, const struct bp_req *rq, struct bp_resp *rs,
    struct out *o)
{
	struct bp_view v;
	const struct request *r;
	const struct platform *pl;
	char d[16];
	size_t i;

	memset(&v, 0, sizeof(v));
	if (bp->ops->view(bp->arg, &rq->client, NULL, &v) != 0)
		v.managed = false;
	bp->st.status++;
	rs->status = MHD_HTTP_OK;
	page_start(bp, o, "Your social media today");
	puts_(o, "<section class=\"card\"><h1>Your social media today</h1>");
	if (!v.managed) {
		puts_(o, "<p class=\"lead\">This device is not one of the "
		    "school's managed devices.</p></section>");
		page_end(bp, o);
		return 0;
	}
	puts_(o, "<p class=\"lead\">");
	esc(o, v.person[0] != '\0' ? v.person : "This device");
	if (v.group[0] != '\0') {
		puts_(o, " \xc2\xb7 ");
		esc(o, v.group);
	}
	puts_(o, "</p>");
	if (v.metered)
		meter(o, &v);
	else
		puts_(o, "<p>Your group has no daily allowance for social "
		    "media.</p>");
	puts_(o, "</section><section class=\"card\"><h2>Today ");
	esc(o, v.today);
	puts_(o, "</h2>");
	if (v.now[0] != '\0') {
		puts_(o, "<p><strong>Now:</strong> ");
		esc(o, v.now);
		puts_(o, "</p>");
	}
	if (v.ntt > 0) {
		puts_(o, "<table>");
		for (i = 0; i < v.ntt && i < BP_TT_MAX; i++) {
			puts_(o, "<tr><td>");
			esc(o, v.tt[i]);
			puts_(o, "</td></tr>");
		}
		puts_(o, "</table>");
	} else
		puts_(o, "<p>No lessons today.</p>");
	puts_(o, "</section><section class=\"card\"><h2>Your requests</h2>");
	if (v.nreq == 0)
		puts_(o, "<p>None.</p>");
	else
		puts_(o, "<table>");
	for (i = 0; i < v.nreq && i < BP_REQ_SHOWN; i++) {
		r = v.req[i];
		puts_(o, "<tr><td>");
		pl = r->platform[0] != '\0' ? catalog_find(bp->cat,
		    r->platform) : NULL;
		esc(o, pl != NULL && pl->name != NULL ? pl->name :
		    r->platform[0] != '\0' ? r->platform : r->domain);
		puts_(o, ": ");
		if (r->need == REQ_EXTRA)
			putf(o, "%u extra minutes", r->extra / 60);
		else if (r->until > 0) {
			add_days(r->until, 0, d, sizeof(d));
			puts_(o, "unblock until ");
			esc(o, d);
		} else
			puts_(o, "unblock");
		puts_(o, "<br><span class=\"small\">");
		esc(o, r->id);
		if (r->note[0] != '\0' && r->status == REQ_DENIED) {
			puts_(o, " \xc2\xb7 ");
			esc(o, r->note);
		}
		puts_(o, "</span></td><td><span class=\"");
		puts_(o, status_badge(r->status));
		puts_(o, "\">");
		puts_(o, req_status_str(r->status));
		puts_(o, "</span></td></tr>");
	}
	if (v.nreq > 0)
		puts_(o, "</table>");
	puts_(o, "</section>");
	page_end(bp, o);
	return 0;
}

/* A short page for an error; msg is trusted text. */
static int
page_error(struct bp *bp, struct bp_resp *rs, struct out *o, unsigned code,
    const char *title, const char *msg)
{
	rs->status = code;
	page_start(bp, o, title);
	puts_(o, "<section class=\"card\"><h1>");
	esc(o, title);
	puts_(o, "</h1><p class=\"lead\">");
	esc(o, msg);
	puts_(o, "</p></section>");
	page_end(bp, o);
	return 0;
}

/* --- The form ------------------------------------------------------------ */

struct field {
	const char	*name;
	char		*val;
	size_t		 max;
	bool		 seen;
};

/* URL-decode s[0..len) into dst (cap with the NUL): -1 when bad, too
 * long or holding a NUL. */
static int
urldecode(const char *s, size_t len, char *dst, size_t cap)
{
	size_t i, n = 0;
	int hi, lo;
	char c;

	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (len - i < 3 || (hi = hex_digit(s[i + 1])) < 0 ||
			    (lo = hex_digit(s[i + 2])) < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0' || n + 1 >= cap)
			return -1;
		dst[n++] = c;
	}
	dst[n] = '\0';
	return 0;
}

/* Parse the body into the fields named; unknown names are ignored, a
 * field twice is an error.  0, or -1 with the bad field's name in why. */
static int
form_parse(const char *b, size_t len, struct field *f, size_t nf,
    const char **why)
{
	const char *p = b, *end = b + len, *amp, *eq;
	char name[32];
	size_t i;

	*why = "form";
	if (len == 0)
		return 0;
	while (p < end) {
		*why = "form";
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL) {
			if (amp != p)
				return -1;
			p = amp + 1;
			continue;
		}
		if (urldecode(p, (size_t)(eq - p), name, sizeof(name)) != 0) {
			p = amp + 1;
			continue;
		}
		for (i = 0; i < nf; i++)
			if (strcmp(name, f[i].name) == 0)
				break;
		if (i < nf) {
			*why = f[i].name;
			if (f[i].seen || urldecode(eq + 1,
			    (size_t)(amp - eq - 1), f[i].val, f[i].max) != 0)
				return -1;
			f[i].seen = true;
		}
		p = amp + 1;
	}
	return 0;
}

static bool
date_parse(const char *s, int32_t *day)
{
	unsigned y, m, d;
	int32_t dd, yy;
	unsigned mm, dy;
	int n = 0;

	if (strlen(s) != 10 || strspn(s, "0123456789-") != 10 ||
	    s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4u-%2u-%2u%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	dd = tz_days_from_civil((int32_t)y, m, d);
	tz_civil_from_days(dd, &yy, &mm, &dy);
	if (yy != (int32_t)y || mm != m || dy != d)
		return false;
	*day = dd;
	return true;
}

/* The reason as stored: CR LF and CR become LF, other control bytes
 * and broken UTF-8 are refused, blanks at the ends dropped. */
static bool
reason_clean(char *s)
{
	char *w = s, *r = s;
	size_t n;

	for (; *r != '\0'; r++) {
		if (*r == '\r') {
			*w++ = '\n';
			if (r[1] == '\n')
				r++;
			continue;
		}
		if (((unsigned char)*r < 0x20 && *r != '\n' && *r != '\t') ||
		    *r == 0x7f)
			return false;
		*w++ = *r == '\t' ? ' ' : *r;
	}
	*w = '\0';
	while (*s == ' ' || *s == '\n')
		memmove(s, s + 1, strlen(s));
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		s[--n] = '\0';
	if (n == 0 || !request_text_ok(s, REQ_REASON_MAX))
		return false;
	/* The form's maxlength counts characters, not bytes. */
	for (r = s, n = 0; *r != '\0'; r++)
		if (((unsigned char)*r & 0xc0) != 0x80)
			n++;
	return n <= REQ_REASON_CHARS;
}

static int
post_request(struct bp *bp, const struct bp_req *rq, const char *host,
    struct bp_resp *rs, struct out *o)
{
	char tok[64], plat[REQ_NAME_MAX], dom[REQ_DOMAIN_MAX], need[16];
	char until[16], extra[8], why[160];
	/* Room for CR LF line ends, which become LF. */
	char reason[2 * REQ_REASON_MAX + 1];
	char origin[BP_HOST_MAX + 16];
	struct field f[] = {
		{ "token", tok, sizeof(tok), false },
		{ "platform", plat, sizeof(plat), false },
		{ "domain", dom, sizeof(dom), false },
		{ "need", need, sizeof(need), false },
		{ "until", until, sizeof(until), false },
		{ "extra", extra, sizeof(extra), false },
		{ "reason", reason, sizeof(reason), false },
	};
	struct request r;
	struct bp_view v;
	const struct platform *p;
	const char *bad;
	char *end;
	unsigned long ex;
	int rc;

	if (rq->body_over) {
		bp->st.bad++;
		return page_error(bp, rs, o, MHD_HTTP_CONTENT_TOO_LARGE,
		    "Too long", "The request is longer than the form allows.");
	}
	if (rq->content_type == NULL || strncasecmp(rq->content_type,
	    "application/x-www-form-urlencoded", 33) != 0 ||
	    (rq->content_type[33] != '\0' && rq->content_type[33] != ';')) {
		bp->st.bad++;
		return page_error(bp, rs, o, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "Not a form", "Send the request with the form on the "
		    "block page.");
	}
	/* Origin, when sent, must be this page's own. */
	if (rq->origin != NULL) {
		snprintf(origin, sizeof(origin), "%s://%s",
		    rq->tls ? "https" : "http", rq->host);
		if (strcasecmp(rq->origin, origin) != 0) {
			bp->st.refused++;
			return page_error(bp, rs, o, MHD_HTTP_FORBIDDEN,
			    "Request refused", "The form was sent from "
			    "another site.");
		}
	}
	memset(tok, 0, sizeof(tok));
	plat[0] = dom[0] = need[0] = until[0] = extra[0] = reason[0] = '\0';
	if (form_parse(rq->body, rq->bodylen, f, sizeof(f) / sizeof(f[0]),
	    &bad) != 0) {
		bp->st.bad++;
		snprintf(why, sizeof(why), "The form's field '%s' is not "
		    "readable.", bad);
		return page_error(bp, rs, o, MHD_HTTP_BAD_REQUEST,
		    "Request not sent", why);
	}
	if (!token_ok(bp, &rq->client, tok, rq->real)) {
		bp->st.refused++;
		return page_error(bp, rs, o, MHD_HTTP_FORBIDDEN,
		    "This form has expired", "Go back, reload the page and "
		    "send the form again.");
	}
	memset(&v, 0, sizeof(v));
	if (bp->ops->view(bp->arg, &rq->client, NULL, &v) != 0 || !v.managed) {
		bp->st.refused++;
		return page_error(bp, rs, o, MHD_HTTP_FORBIDDEN,
		    "Request refused", "Only the school's devices can ask "
		    "for an unblock.");
	}
	memset(&r, 0, sizeof(r));
	r.client = rq->client;
	bad = NULL;
	p = plat[0] != '\0' ? catalog_find(bp->cat, plat) : NULL;
	if (plat[0] != '\0' && p == NULL)
		bad = "platform";
	else if (p != NULL)
		snprintf(r.platform, sizeof(r.platform), "%s", p->id);
	if (bad == NULL && dom[0] != '\0') {
		const struct platform *dp;

		/* The name must be the platform's (or, alone, any name
		 * of the catalogue), written as a plain host name. */
		dp = catalog_lookup(bp->cat, dom, strlen(dom));
		if (dp == NULL || (p != NULL && dp != p) ||
		    !request_domain_ok(dom))
			bad = "domain";
		else
			snprintf(r.domain, sizeof(r.domain), "%s", dom);
	}
	if (bad == NULL && r.platform[0] == '\0' && r.domain[0] == '\0')
		bad = "platform";
	if (bad == NULL && strcmp(need, "extra") == 0) {
		r.need = REQ_EXTRA;
		errno = 0;
		ex = strtoul(extra, &end, 10);
		if (extra[0] < '1' || extra[0] > '9' || *end != '\0' ||
		    errno != 0 || ex > EXTRA_MAX || !v.metered)
			bad = "extra";
		else
			r.extra = (uint32_t)ex * 60;
	} else if (bad == NULL && (strcmp(need, "unblock") == 0 ||
	    need[0] == '\0')) {
		r.need = REQ_UNBLOCK;
		if (!date_parse(until, &r.until) || r.until < v.today_day ||
		    r.until >= v.today_day + UNTIL_DAYS_MAX)
			bad = "until";
	} else if (bad == NULL)
		bad = "need";
	if (bad == NULL && !reason_clean(reason))
		bad = "reason";
	/* reason_clean() held it to REQ_REASON_MAX bytes. */
	if (bad == NULL && strlen(reason) < sizeof(r.reason))
		memcpy(r.reason, reason, strlen(reason) + 1);
	else if (bad == NULL)
		bad = "reason";
	if (bad != NULL) {
		bp->st.bad++;
		snprintf(why, sizeof(why), "Check the field '%s' and send "
		    "the form again.", bad);
		return page_error(bp, rs, o, MHD_HTTP_BAD_REQUEST,
		    "Request not sent", why);
	}
	why[0] = '\0';
	rc = bp->ops->submit(bp->arg, &r, why, sizeof(why));
	if (rc == -EDQUOT) {
		bp->st.limited++;
		return page_error(bp, rs, o, MHD_HTTP_TOO_MANY_REQUESTS,
		    "Too many requests today", "You have made as many "
		    "requests today as you may. Ask again tomorrow, or "
		    "speak to the online safety lead.");
	}
	if (rc == -ENOENT) {
		bp->st.refused++;
		return page_error(bp, rs, o, MHD_HTTP_FORBIDDEN,
		    "Request refused", "Only the school's devices can ask "
		    "for an unblock.");
	}
	if (rc != 0) {
		bp->st.failed++;
		return page_error(bp, rs, o, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "Request not sent", "The request could not be saved. "
		    "Try again in a minute.");
	}
	bp->st.requests++;
	(void)host;
	rs->status = MHD_HTTP_OK;
	page_start(bp, o, "Request sent");
	puts_(o, "<section class=\"card\"><span class=\"badge wait\">Sent"
	    "</span><h1>Your request has been sent</h1><p class=\"lead\">"
	    "The headteacher will look at it. Its number is <strong>");
	esc(o, r.id);
	puts_(o, "</strong>.</p><p>");
	status_link(bp, o, "See the answer on your status page");
	puts_(o, "</p></section>");
	page_end(bp, o);
	return 0;
}

/* --- Dispatch ------------------------------------------------------------ */

static void
header(struct bp_resp *rs, const char *name, const char *value)
{
	if (rs->nheaders < BP_HEADERS_MAX) {
		rs->headers[rs->nheaders].name = name;
		rs->headers[rs->nheaders].value = value;
		rs->nheaders++;
	}
}

int
bp_handle(struct bp *bp, const struct bp_req *rq, struct bp_resp *rs)
{
	struct out o = { NULL, 0, 0, false };
	const struct platform *p = NULL;
	char host[BP_HOST_MAX + 1];
	bool get;
	int rc;

	memset(rs, 0, sizeof(*rs));
	header(rs, "Content-Type", "text/html; charset=utf-8");
	header(rs, "Content-Security-Policy", "default-src 'none'; "
	    "style-src 'unsafe-inline'; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'");
	header(rs, "X-Content-Type-Options", "nosniff");
	header(rs, "X-Frame-Options", "DENY");
	/* Not no-referrer: with it a browser posts the form with
	 * "Origin: null", which the Origin check must refuse. */
	header(rs, "Referrer-Policy", "same-origin");
	header(rs, "Cache-Control", "no-store");
	/* The connection was DNATed here: kept alive, it would go on
	 * showing this page after an approval or a lesson's end. */
	header(rs, "Connection", "close");
	get = rq->method != NULL && (strcmp(rq->method, "GET") == 0 ||
	    strcmp(rq->method, "HEAD") == 0);
	if (!host_parse(bp, rq->host, host, sizeof(host), &p)) {
		bp->st.bad++;
		rs->status = MHD_HTTP_BAD_REQUEST;
		puts_(&o, "Bad request: unknown host\n");
		rs->headers[0].value = "text/plain; charset=utf-8";
	} else if (rq->path != NULL && strcmp(rq->path, "/request") == 0) {
		if (rq->method != NULL && strcmp(rq->method, "POST") == 0)
			rc = post_request(bp, rq, host, rs, &o);
		else {
			bp->st.bad++;
			header(rs, "Allow", "POST");
			rc = page_error(bp, rs, &o,
			    MHD_HTTP_METHOD_NOT_ALLOWED, "Use the form",
			    "Requests are sent with the form on the block "
			    "page.");
		}
		(void)rc;
	} else if (!get) {
		bp->st.bad++;
		header(rs, "Allow", "GET, HEAD");
		page_error(bp, rs, &o, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "Not allowed", "Only pages can be read here.");
	} else if ((rq->path != NULL && strcmp(rq->path, "/status") == 0) ||
	    p == NULL)
		page_status(bp, rq, rs, &o);
	else
		page_block(bp, rq, p, host, rs, &o);
	if (o.oom || o.b == NULL) {
		free(o.b);
		memset(rs, 0, sizeof(*rs));
		return -ENOMEM;
	}
	rs->body = o.b;
	rs->len = o.n;
	return 0;
}

/* --- Life ---------------------------------------------------------------- */

struct bp *
bp_new(const struct bp_opts *opts)
{
	struct bp *bp;
	size_t got = 0;
	ssize_t n;

	if ((bp = calloc(1, sizeof(*bp))) == NULL)
		return NULL;
	bp->cfg = opts->cfg;
	bp->cat = opts->cat;
	bp->mint = opts->mint;
	bp->ops = opts->ops;
	bp->arg = opts->arg;
	while (got < KEY_LEN) {
		n = getrandom(bp->key + got, KEY_LEN - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(bp);
			return NULL;
		}
		got += (size_t)n;
	}
	return bp;
}

void
bp_free(struct bp *bp)
{
	size_t i;

	if (bp == NULL)
		return;
	if (tls_bp == bp)
		tls_bp = NULL;
	for (i = 0; i < 4; i++)
		if (bp->l[i].mhd != NULL)
			MHD_stop_daemon(bp->l[i].mhd);
	free(bp);
}

void
bp_reconfigure(struct bp *bp, const struct config *cfg,
    const struct catalog *cat)
{
	bp->cfg = cfg;
	bp->cat = cat;
}

const struct bp_stats *
bp_stats(const struct bp *bp)
{
	return &bp->st;
}

/* --- libmicrohttpd ------------------------------------------------------- */

struct conn {
	char	 body[BP_BODY_MAX];
	size_t	 len;
	bool	 over;
};

static enum MHD_Result
accept_cb(void *cls, const struct sockaddr *sa, socklen_t salen)
{
	struct bp *bp = cls;
	struct addr a;
	size_t i, same = 0;

	(void)salen;
	addr_from_sockaddr(sa, &a);
	if (bp->nconns >= BP_CONNS_MAX) {
		bp->st.conn_limit++;
		return MHD_NO;
	}
	for (i = 0; i < BP_CONNS_MAX; i++)
		if (bp->slots[i].used && addr_equal(&bp->slots[i].a, &a))
			same++;
	if (same >= BP_CONNS_PER_IP) {
		bp->st.conn_limit++;
		return MHD_NO;
	}
	return MHD_YES;
}

static void
notify_cb(void *cls, struct MHD_Connection *c, void **sock_ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct bp *bp = cls;
	const union MHD_ConnectionInfo *ci;
	size_t i;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		*sock_ctx = NULL;
		for (i = 0; i < BP_CONNS_MAX; i++)
			if (!bp->slots[i].used)
				break;
		if (i == BP_CONNS_MAX)
			return;
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		memset(&bp->slots[i].a, 0, sizeof(bp->slots[i].a));
		if (ci != NULL && ci->client_addr != NULL)
			addr_from_sockaddr(ci->client_addr, &bp->slots[i].a);
		bp->slots[i].used = true;
		bp->nconns++;
		*sock_ctx = &bp->slots[i];
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *sock_ctx != NULL) {
		((struct slot *)*sock_ctx)->used = false;
		bp->nconns--;
		*sock_ctx = NULL;
	}
}

static void
completed_cb(void *cls, struct MHD_Connection *c, void **state,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*state);
	*state = NULL;
}

static enum MHD_Result
queue(struct MHD_Connection *c, struct bp_resp *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t i;

	r = MHD_create_response_from_buffer(rs->len, rs->body,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(rs->body);
		return MHD_NO;
	}
	for (i = 0; i < rs->nheaders; i++)
		MHD_add_response_header(r, rs->headers[i].name,
		    rs->headers[i].value);
	ret = MHD_queue_response(c, rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **state)
{
	struct listener *l = cls;
	struct bp *bp = l->bp;
	const union MHD_ConnectionInfo *ci;
	struct conn *cn = *state;
	struct bp_req rq;
	struct bp_resp rs;
	struct timespec ts;
	bool post = strcmp(method, "POST") == 0;

	(void)version;
	if (post && cn == NULL) {
		/* The first call: room for the body, read next. */
		if ((cn = calloc(1, sizeof(*cn))) == NULL)
			return MHD_NO;
		*state = cn;
		return MHD_YES;
	}
	if (post && *upload_len > 0) {
		if (*upload_len > sizeof(cn->body) - cn->len)
			cn->over = true;
		else {
			memcpy(cn->body + cn->len, upload, *upload_len);
			cn->len += *upload_len;
		}
		*upload_len = 0;
		return MHD_YES;
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = url;
	rq.host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	rq.origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	rq.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Content-Type");
	if (cn != NULL) {
		rq.body = cn->body;
		rq.bodylen = cn->len;
		rq.body_over = cn->over;
	}
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return MHD_NO;
	addr_from_sockaddr(ci->client_addr, &rq.client);
	rq.tls = l->tls;
	clock_gettime(CLOCK_REALTIME, &ts);
	rq.real = ts.tv_sec;
	if (bp_handle(bp, &rq, &rs) != 0)
		return MHD_NO;
	return queue(c, &rs);
}

static int
cert_cb(gnutls_session_t s, const gnutls_datum_t *req_ca, int nreq,
    const gnutls_pk_algorithm_t *algos, int nalgos, gnutls_pcert_st **pcert,
    unsigned int *npcert, gnutls_privkey_t *key)
{
	struct bp *bp = tls_bp;
	struct timespec ts;
	char name[256];
	size_t len = sizeof(name) - 1;
	unsigned type;

	(void)req_ca;
	(void)nreq;
	(void)algos;
	(void)nalgos;
	if (bp == NULL || bp->mint == NULL)
		return -1;
	if (gnutls_server_name_get(s, name, &len, &type, 0) != 0 ||
	    type != GNUTLS_NAME_DNS || len == 0 || len >= sizeof(name)) {
		bp->st.tls_refused++;
		return -1;
	}
	name[len] = '\0';
	/* Only names of the catalogue: the school's CA signs nothing else. */
	if (catalog_lookup(bp->cat, name, len) == NULL) {
		bp->st.tls_refused++;
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	if (mint_get(bp->mint, name, ts.tv_sec, pcert, npcert, key) != 0) {
		bp->st.tls_refused++;
		return -1;
	}
	return 0;
}

static struct MHD_Daemon *
start(struct bp *bp, struct listener *l, const struct addr *a, uint16_t port,
    char **cause)
{
	struct sockaddr_storage ss;
	struct MHD_Daemon *m;
	unsigned flags = MHD_USE_EPOLL;

	addr_to_sockaddr(a, port, &ss);
	if (a->family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (l->tls)
		flags |= MHD_USE_TLS;
	/* The HTTPS options last: without TLS the list ends before them. */
	m = MHD_start_daemon(flags, port, accept_cb, bp, answer, l,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)BP_CONNS_MAX,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)BP_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	    MHD_OPTION_NOTIFY_COMPLETED, completed_cb, bp,
	    MHD_OPTION_NOTIFY_CONNECTION, notify_cb, bp,
	    l->tls ? MHD_OPTION_HTTPS_CERT_CALLBACK : MHD_OPTION_END, cert_cb,
	    MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-TLS1.0:-VERS-TLS1.1",
	    MHD_OPTION_END);
	if (m == NULL) {
		char s[ADDR_STRLEN + 8];

		addr_format_port(a, port, s, sizeof(s));
		cause_set(cause, "block page: cannot listen on %s%s: %s", s,
		    l->tls ? " (HTTPS)" : "", strerror(errno));
	}
	return m;
}

int
bp_listen(struct bp *bp, char **cause)
{
	const struct addr *as[2];
	size_t i, k;

	if (!bp->cfg->blockpage.enabled)
		return 0;
	as[0] = &bp->cfg->blockpage.listen;
	as[1] = bp->cfg->blockpage.listen_also.family != 0 ?
	    &bp->cfg->blockpage.listen_also : NULL;
	if (bp->mint != NULL)
		tls_bp = bp;
	for (i = 0; i < 4; i++) {
		/* 0, 1: HTTP, HTTPS on the first address; 2, 3: the other */
		if (as[i / 2] == NULL || (i % 2 == 1 && bp->mint == NULL))
			continue;
		bp->l[i].bp = bp;
		bp->l[i].tls = i % 2 == 1;
		bp->l[i].mhd = start(bp, &bp->l[i], as[i / 2], i % 2 == 1 ?
		    bp->cfg->blockpage.tls_port : bp->cfg->blockpage.port,
		    cause);
		if (bp->l[i].mhd == NULL) {
			for (k = 0; k < i; k++)
				if (bp->l[k].mhd != NULL) {
					MHD_stop_daemon(bp->l[k].mhd);
					bp->l[k].mhd = NULL;
				}
			tls_bp = NULL;
			return -1;
		}
	}
	return 0;
}

size_t
bp_fds(const struct bp *bp, int fds[BP_FDS_MAX])
{
	const union MHD_DaemonInfo *i;
	size_t k, n = 0;

	for (k = 0; k < 4; k++) {
		if (bp->l[k].mhd == NULL)
			continue;
		i = MHD_get_daemon_info(bp->l[k].mhd,
		    MHD_DAEMON_INFO_EPOLL_FD);
		if (i != NULL)
			fds[n++] = i->epoll_fd;
	}
	return n;
}

uint64_t
bp_timeout(const struct bp *bp)
{
	MHD_UNSIGNED_LONG_LONG t;
	uint64_t best = UINT64_MAX;
	size_t k;

	for (k = 0; k < 4; k++)
		if (bp->l[k].mhd != NULL &&
		    MHD_get_timeout(bp->l[k].mhd, &t) == MHD_YES &&
		    (uint64_t)t < best)
			best = (uint64_t)t;
	return best;
}

void
bp_run(struct bp *bp)
{
	size_t k;

	for (k = 0; k < 4; k++)
		if (bp->l[k].mhd != NULL)
			(void)MHD_run(bp->l[k].mhd);
}
