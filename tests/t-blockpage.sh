#!/bin/bash
# The block page (src/blockpage.c) as a browser sees it, in the
# network-namespace lab of tests/lab/lab.sh: headless Chromium
# (tests/lab/cdp.py) in jsmith's namespace, curl and a raw-socket client
# for the protections.
#
#   L  09:00,60x, blockpage = https (the HTTP page on 10.10.0.1:8080, the
#      TLS page on 8443 with the school CA of scripts/mkca):
#      (a) the lesson-hours page, (b) HTTPS with and without the school
#      CA, (d) the request form, approval and /status, (e) the
#      protections (token, Origin, method, daily limit, unknown Host,
#      the pupil's page, the headers, a request over 16 KiB answered at
#      once, 2400 XSS/CRLF requests from a raw-socket client, the
#      per-device connection limit and its metric)
#   Q  16:05,600x, tick 60s: (c) jsmith uses up his 30 minutes with a real
#      download; the page says so
#
# Browsers and HSTS: www.facebook.com, www.instagram.com and
# www.youtube.com are in Chromium's HSTS preload list, so Chromium turns
# http://www.facebook.com/ into https:// itself -- with or without
# HTTPS-Upgrades (--disable-feature HttpsUpgrades changes nothing for
# them).  On a device without the school CA the page is then a
# certificate error that cannot be clicked through; the block page of
# a preloaded platform can only be shown by the TLS listener to a device
# that trusts the school CA.  (a) checks both, with Chromium's defaults.
# The plain-HTTP page is checked with a name that is not preloaded
# (s5.cdninstagram.com), also with Chromium's defaults: HTTPS-Upgrades
# tries https:// first, meets the school CA it does not trust, and falls
# back to http://, where the page is.
#
# First contact: a device's first connection can leave right after its
# DNS answer and race the denial that answer causes into the kernel
# (tests/lab/lab.sh, lab_reset); Chromium then reaches the real server
# (over IPv6, where there is no block page) and hangs or shows its
# certificate.  Every browser visit here is preceded by the lookups and a
# probe that the denial is in place (denied()), so that the checks are
# about the page and not about that race.
#
# Screenshots: tests/out/blockpage-*.png.  Prints "ok ..." / "FAIL ..."
# and "summary: N checks, M failed".  Exit 0 when all pass, 1 otherwise,
# 77 (skip) when not root or a tool is missing.  Logs are kept in
# $B/t-blockpage.PID/ on failure.
set -u
export LC_ALL=C
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. tests/lab/lab.sh
lab_require
for t in chromium certutil dig; do
	command -v "$t" >/dev/null 2>&1 || lab_skip "$t not installed"
done
[ -x "$top/$B/schoolgatectl" ] || lab_skip "$B/schoolgatectl not built"

LAB_W=$top/$B/t-blockpage.$$
W=$LAB_W
OUT=$top/tests/out
LT=$LAB_LT
rm -rf "$W"
mkdir -p "$W" "$OUT"
rm -f "$OUT"/blockpage-*.png
T0=$(lab_now_ms)

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ "$rc" -eq 0 ] && [ "$LAB_FAIL" -eq 0 ]; then
		lab_down
	else
		lab_down keep
		echo "logs kept in $W"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

lab_up "bp$$" || exit 1
J=$LAB_J

check() { lab_check "$@"; }
note() { lab_note "$@"; }
bad() { lab_bad "$@"; }
CA=$W/ca/ca.pem
BP=http://10.10.0.1:8080
ctl() { "$top/$B/schoolgatectl" -s "$W/control.sock" "$@"; }
start() {	# NAME CLOCK: the daemon with $W/NAME.conf
	lab_daemon_start "$W/$1.conf" "$2" "$W/daemon-$1.log" ||
	    { bad "daemon $1 starts"; exit 1; }
	note "daemon $1 started (clock $2): $(grep 'started:' "$LAB_DLOG")"
}

# cdp ROLE ARGS...: Chromium in ROLE's namespace (tests/lab/cdp.py); its
# output in $W/cdp.out, shown indented
cdp() {
	local ns rc
	ns=$(lab_ns "$1")
	shift
	ip netns exec "$ns" python3 "$top/tests/lab/cdp.py" --timeout 10 --height 1200 \
	    --log "$W/chromium.log" "$@" >"$W/cdp.out" 2>&1
	rc=$?
	sed 's/^/     | /' "$W/cdp.out"
	return $rc
}
# went URL: "STATUS FINAL_URL" of the last cdp's goto URL
went() { sed -n "s|^goto $1 -> ||p" "$W/cdp.out" | head -n 1; }
# is A B: A = B (with a note when not)
is() { [ "$1" = "$2" ] && return 0; note "(got '$1', want '$2')"; return 1; }
# has FILE TEXT...: FILE holds every TEXT (fixed strings)
has() {
	local f=$1 s
	shift
	for s; do
		grep -qF -- "$s" "$f" || { note "($f lacks '$s')"; return 1; }
	done
}
hasnt() { ! grep -qF -- "$2" "$1"; }
# oneof A B...: A is one of B... (with a note when not)
oneof() {
	local a=$1 b
	shift
	for b; do [ "$a" = "$b" ] && return 0; done
	note "(got '$a')"
	return 1
}

# req ROLE CURL_ARGS...: one HTTP request with curl from ROLE; prints the
# status code, the body goes to $W/body and the header to $W/hdr
req() {
	local ns
	ns=$(lab_ns "$1")
	shift
	: >"$W/body"
	: >"$W/hdr"
	ip netns exec "$ns" curl -s --connect-timeout 3 --max-time 5 \
	    -D "$W/hdr" -o "$W/body" -w '%{http_code}' "$@"
}
# token ROLE: a form token from ROLE's instagram page (any page's form
# gives one: it is bound to the client and the time only)
token() {
	req "$1" -H 'Host: www.instagram.com' "$BP/" >/dev/null
	sed -n 's/.*name="token" value="\([^"]*\)".*/\1/p' "$W/body" | head -n 1
}
# post ROLE ORIGIN FIELD=VALUE...: POST /request (Host www.instagram.com
# unless HOST=... is given) with the form's fields; by default platform
# instagram, domain www.instagram.com, need unblock, until 2026-11-30 and
# a reason; "FIELD=" leaves a field out, ORIGIN "" sends none
post() {
	local who=$1 origin=$2 kv k host=www.instagram.com
	local -A f=([platform]=instagram [domain]=www.instagram.com
	    [need]=unblock [until]=2026-11-30
	    [reason]="Year 9 project on social media")
	local -a args=()
	shift 2
	for kv; do
		case $kv in
		HOST=*) host=${kv#HOST=} ;;
		*) f[${kv%%=*}]=${kv#*=} ;;
		esac
	done
	for k in token platform domain need until extra reason; do
		[ -n "${f[$k]:-}" ] && args+=(--data-urlencode "$k=${f[$k]}")
	done
	[ -n "$origin" ] && args+=(-H "Origin: $origin")
	req "$who" -H "Host: $host" "${args[@]}" "$BP/request"
}
# hasnt_ctl FILE: FILE has no ESC and no CR
hasnt_ctl() { ! grep -q $'[\x1b\r]' "$1"; }
# nreq [WHO]: the requests the daemon holds (of WHO)
nreq() { ctl requests all 2>/dev/null | grep '^r-' | grep -c -- "${1:-}"; }

# denied ROLE HOST V4 [V6]: ROLE looks HOST up (A, and AAAA with V6), as
# a browser does before it connects, then waits until the denial is in
# the kernel: plain HTTP to HOST over IPv4 gets the block page (403), and
# with V6, TLS over IPv6 (no block page there) is reset
denied() {
	local who=$1 h=$2 a4=$3 a6=${4:-} i c r
	lab_in "$who" dig +short +time=1 +tries=2 @10.10.0.53 "$h" A >/dev/null
	[ -n "$a6" ] && lab_in "$who" dig +short +time=1 +tries=2 @10.10.0.53 "$h" AAAA >/dev/null
	for i in $(seq 40); do
		c=$(lab_in "$who" curl -s -4 -o /dev/null --max-time 1 -w '%{http_code}' \
		    --resolve "$h:80:$a4" "http://$h/")
		if [ "$c" = 403 ]; then
			[ -z "$a6" ] && return 0
			# IPv6: the block page too (the lab's listen has
			# [fd10::1]), or a reset where it has none
			c=$(lab_in "$who" curl -sk -6 -o /dev/null --max-time 1 \
			    -w '%{http_code}' --resolve "$h:443:[$a6]" "https://$h/")
			r=$?
			[ "$c" = 403 ] && return 0
			case $r in 7|35|55|56) return 0 ;; esac
		fi
		sleep 0.05
	done
	note "($h: the denial for $who never showed: HTTP $c, IPv6 curl rc ${r:-none})"
	return 1
}

# ---------------------------------------------------------------- run L
echo "# L: lesson time (09:00), blockpage = https"
lab_conf "$W/L.conf" blockpage=https on_exit=flush state_dir="$W/state-l" \
    overrides_dir="$W/overrides-l.d" || { bad "lab_conf blockpage=https"; exit 1; }
start L "2026-11-23T09:00,60x"
break_ms=$(lab_real_ms 2026-11-23T10:30)

echo "# (a) the lesson-hours page in Chromium"
check "jsmith: the denial of www.facebook.com is in place (lookups first)" \
    denied J www.facebook.com 198.51.100.11 2001:db8:100::11
# A device without the school CA, Chromium's defaults (HTTPS-Upgrades
# on): HSTS preload sends it to https://, where the school's certificate
# is refused.  Were facebook not preloaded, HTTP would show the page.
cdp J goto http://www.facebook.com/
r=$(went http://www.facebook.com/)
case $r in
"error:net::ERR_CERT_AUTHORITY_INVALID https://www.facebook.com/")
	note "no school CA: Chromium went to https:// (HSTS preload) and refused the school's certificate" ;;
"403 http://www.facebook.com/")
	note "no school CA: Chromium stayed on http:// (no HSTS preload for www.facebook.com in this Chromium)" ;;
esac
check "no school CA: http://www.facebook.com/ is a certificate error (HSTS) or the HTTP block page, never the site" \
    oneof "$r" "error:net::ERR_CERT_AUTHORITY_INVALID https://www.facebook.com/" "403 http://www.facebook.com/"
# The school's own devices trust the school CA.
cdp J --ca "$CA" goto http://www.facebook.com/ dom "$W/lessons.html" \
    text "$W/lessons.txt" shot "$OUT/blockpage-lessons.png"
check "with the school CA: http://www.facebook.com/ -> 403 at https://www.facebook.com/" \
    is "$(went http://www.facebook.com/)" "403 https://www.facebook.com/"
check "the h1 says 'Facebook is not available during lessons'" \
    has "$W/lessons.html" "<h1>Facebook is not available during lessons</h1>"
check "the lead says '... not available during lessons — back at 10:30'" \
    has "$W/lessons.html" "is not available during lessons — back at <span class=\"until\">10:30</span>"
check "the page names the school" has "$W/lessons.html" "Oak Tree Primary School"
check "the page carries the monitoring notice" \
    has "$W/lessons.html" "The school monitors the use of its network" "This visit has been recorded"
check "the page has the request form (POST /request, reason, token)" \
    has "$W/lessons.html" '<form method="post" action="/request">' 'id="reason"' 'name="token"'
check "the page shows jsmith's allowance (0 min used, 30 min left today)" \
    has "$W/lessons.txt" "0 min used" "30 min left today"
check "the page shows no script" hasnt "$W/lessons.html" "<script"
# The HTTP page (10.10.0.1:8080 by DNAT), on a name not preloaded.
check "jsmith: the denial of s5.cdninstagram.com is in place" \
    denied J s5.cdninstagram.com 192.0.2.6
cdp J goto http://s5.cdninstagram.com/ dom "$W/http.html" shot "$OUT/blockpage-http.png"
check "Chromium defaults, no school CA: http://s5.cdninstagram.com/ -> the HTTP block page (403)" \
    is "$(went http://s5.cdninstagram.com/)" "403 http://s5.cdninstagram.com/"
check "... 'Instagram is not available during lessons — back at 10:30', with the form" \
    has "$W/http.html" "<h1>Instagram is not available during lessons</h1>" \
    "back at <span class=\"until\">10:30</span>" '<form method="post" action="/request">'

echo "# (b) HTTPS with the school CA"
check "jsmith: the denial of www.instagram.com is in place" \
    denied J www.instagram.com 198.51.100.10 2001:db8:100::10
cdp J --ca "$CA" goto https://www.instagram.com/ dom "$W/https.html" shot "$OUT/blockpage-https.png"
check "with the school CA: https://www.instagram.com/ -> 403, no certificate error" \
    is "$(went https://www.instagram.com/)" "403 https://www.instagram.com/"
check "... the lesson-hours page for Instagram, with the form" \
    has "$W/https.html" "<h1>Instagram is not available during lessons</h1>" \
    "Oak Tree Primary School" '<form method="post" action="/request">'
# IPv6: the lab's listen has [fd10::1]:8080, so IPv6 gets the page too.
c6=$(lab_in J curl -s -6 -o "$W/v6.html" -w '%{http_code}' --max-time 3 \
    --resolve "www.instagram.com:80:[2001:db8:100::10]" http://www.instagram.com/)
check "over IPv6 (http://www.instagram.com/ to 2001:db8:100::10): the block page, 403" \
    is "$c6" 403
c6=$(lab_in J curl -s -6 -o /dev/null -w '%{http_code}' --max-time 3 --cacert "$CA" \
    --resolve "www.instagram.com:443:[2001:db8:100::10]" https://www.instagram.com/)
check "... and over HTTPS with the school CA, 403" is "$c6" 403
cdp J goto https://www.instagram.com/
check "without the school CA: https://www.instagram.com/ -> net::ERR_CERT_AUTHORITY_INVALID" \
    is "$(went https://www.instagram.com/)" "error:net::ERR_CERT_AUTHORITY_INVALID https://www.instagram.com/"
lab_in J openssl s_client -connect 198.51.100.10:443 -servername www.instagram.com \
    -CAfile "$CA" -verify_return_error </dev/null >"$W/s_client.txt" 2>&1
check "... the certificate shown is the school CA's, for www.instagram.com (openssl verifies it)" \
    has "$W/s_client.txt" "issuer=CN = Oak Tree block page CA" "Verify return code: 0 (ok)"

echo "# (d) the request form, approval, /status"
cdp J --ca "$CA" goto https://www.facebook.com/ \
    fill textarea#reason "Year 9 history project: wartime propaganda posters" \
    click 'button[type=submit]' dom "$W/sent.html" text "$W/sent.txt" \
    shot "$OUT/blockpage-request-sent.png"
clk=$(sed -n 's/^click button\[type=submit\] -> //p' "$W/cdp.out")
check "Chromium: filling the reason and clicking the button posts the form -> 200 at /request" \
    is "$clk" "200 https://www.facebook.com/request"
check "... the page says the request was sent, with its number" \
    has "$W/sent.html" "Your request has been sent" "Its number is <strong>r-20261123-"
if ! grep -q 'Your request has been sent' "$W/sent.html"; then
	note "the page Chromium got: $(grep -o '<h1>[^<]*</h1><p class="lead">[^<]*' "$W/sent.html" | head -n 1)"
	note "(Chromium sends 'Origin: null' when the page's Referrer-Policy is no-referrer)"
fi
rid=$(grep -o 'r-20261123-[0-9]\{4\}' "$W/sent.html" | head -n 1)
if [ -z "$rid" ]; then
	note "sending the request with curl instead, to test the approval"
	tok=$(token J)
	post J http://www.facebook.com HOST=www.facebook.com token="$tok" \
	    platform=facebook domain=www.facebook.com \
	    reason="Year 9 history project: wartime propaganda posters" >/dev/null
	rid=$(grep -o 'r-20261123-[0-9]\{4\}' "$W/body" | head -n 1)
fi
ctl requests >"$W/requests.txt" 2>&1
sed 's/^/     | /' "$W/requests.txt"
check "schoolgatectl requests lists it: pending, jsmith, facebook, the reason" \
    grep -Eq "^${rid:-none} +pending .* jsmith +staff +facebook .*Year 9 history project" "$W/requests.txt"
check "jsmith is blocked from www.facebook.com before the approval (the block page)" \
    is "$(req J -4 http://www.facebook.com/)" 403
ctl approve "${rid:-none}" --by Headteacher >"$W/approve.txt" 2>&1
a_ms=$(lab_now_ms)
sed 's/^/     | /' "$W/approve.txt"
ms=never
for i in $(seq 11); do
	if [ "$(req J -4 --max-time 0.5 http://www.facebook.com/)" = 200 ] &&
	    grep -q '^server 198\.51\.100\.11$' "$W/body"; then
		ms=$(( $(lab_now_ms) - a_ms ))
		break
	fi
	lab_sleep_until $((a_ms + i * 100))
done
note "the lab's www.facebook.com answered $ms ms after schoolgatectl approve"
check "after schoolgatectl approve, jsmith reaches the lab's www.facebook.com within 1 s (curl, every 100 ms)" \
    sh -c "[ '$ms' != never ] && [ '$ms' -le 1000 ]"
check "... over HTTPS too (curl: 'server 198.51.100.11', not the block page)" \
    sh -c "[ \"\$(ip netns exec $J curl -sk -4 --max-time 3 https://www.facebook.com/)\" = 'server 198.51.100.11' ]"
# The lab's server has a self-signed certificate: Chromium is told to
# accept it, to show that it gets the site and not the page.
cdp J --ca "$CA" --flag=--ignore-certificate-errors goto https://www.facebook.com/ \
    text "$W/real.txt" goto "$BP/status" dom "$W/status.html" text "$W/status.txt" \
    shot "$OUT/blockpage-status.png"
check "Chromium now gets the lab's www.facebook.com (200, 'server ...')" \
    sh -c "case '$(went https://www.facebook.com/)' in '200 https://www.facebook.com/') grep -q '^server ' '$W/real.txt';; *) exit 1;; esac"
check "/status shows the request as approved" \
    grep -q "${rid:-none}</span></td><td><span class=\"badge ok\">approved</span>" "$W/status.html"
check "/status shows jsmith, his allowance and today's timetable" \
    has "$W/status.txt" "jsmith · staff" "30 min left today" "lessons until 10:30" \
    "08:45 – 10:30" "10:45 – 16:00"

echo "# (e) the protections (curl)"
tok=$(token J)
tok_t=$(token T)
note "jsmith's token: $tok; staff2's: $tok_t"
check "a form token is on jsmith's page" test -n "$tok"
n0=$(nreq)
IG=http://www.instagram.com
check "no token -> 403" is "$(post J "$IG" token=)" 403
check "... 'This form has expired'" has "$W/body" "This form has expired"
check "a wrong token ('x') -> 403" is "$(post J "$IG" token=x)" 403
check "a forged token (now.000...) -> 403" \
    is "$(post J "$IG" token="$(date +%s).00000000000000000000000000000000")" 403
tampered=${tok%?}$( [ "${tok: -1}" = 0 ] && echo 1 || echo 0)
check "jsmith's token with its last digit changed -> 403" is "$(post J "$IG" token="$tampered")" 403
check "staff2's token sent by jsmith (bound to the client) -> 403" \
    is "$(post J "$IG" token="$tok_t")" 403
check "a foreign Origin (https://evil.example.net) with a good token -> 403" \
    is "$(post J https://evil.example.net token="$tok")" 403
check "... 'The form was sent from another site.'" has "$W/body" "The form was sent from another site."
check "GET /request (the form's fields in the query) -> 405" \
    is "$(req J -H 'Host: www.instagram.com' "$BP/request?token=$tok&platform=instagram&domain=www.instagram.com&need=unblock&until=2026-11-30&reason=x")" 405
check "... with 'Allow: POST'" grep -qi '^Allow: POST' "$W/hdr"
check "none of these made a request (schoolgatectl requests all: still $n0)" is "$(nreq)" "$n0"
# The daily limit: 5 per person; jsmith made one in (d), the refused
# posts above must not count.
made=$(nreq jsmith)
note "jsmith has made $made request(s) today"
ok=0
for i in $(seq $((made + 1)) 5); do
	c=$(post J "$IG" token="$tok" reason="Request $i of the day")
	[ "$c" = 200 ] && grep -q 'Your request has been sent' "$W/body" && ok=$((ok + 1))
done
check "jsmith's requests $((made + 1))..5 of the day are sent (200)" is "$ok" $((5 - made))
check "the 6th request of the day -> 429" is "$(post J "$IG" token="$tok" reason="Request 6")" 429
check "... 'Too many requests today'" has "$W/body" "Too many requests today"
check "schoolgatectl requests all holds 5 of jsmith's" is "$(nreq jsmith)" 5
req J -H 'Host: www.instagram.com' "$BP/" >/dev/null
check "jsmith's page now says he has made 5 requests, and has no form" \
    sh -c "grep -qF 'You have made 5 requests today, the most allowed.' '$W/body' && ! grep -qF '<form' '$W/body'"
check "unknown Host (www.example.com) -> 400" is "$(req J -H 'Host: www.example.com' "$BP/")" 400
check "staff2: the denial of www.facebook.com is in place" \
    denied T www.facebook.com 198.51.100.11
check "unknown Host through the DNAT (www.example.com on facebook's address, from staff2) -> 400" \
    is "$(req T --resolve www.example.com:80:198.51.100.11 http://www.example.com/)" 400
check "the pupil: the denial of www.instagram.com is in place" \
    denied P www.instagram.com 198.51.100.10
check "the pupil: http://www.instagram.com -> 403" is "$(req P http://www.instagram.com/)" 403
check "... 'Instagram is blocked' and 'Not permitted for pupils'" \
    has "$W/body" "<h1>Instagram is blocked</h1>" "Not permitted for pupils."
req J -H 'Host: www.instagram.com' "$BP/" >/dev/null
tr -d '\r' <"$W/hdr" >"$W/hdr.txt"
note "$(grep -i '^content-security-policy' "$W/hdr.txt")"
check "the page's CSP: default-src 'none', form-action 'self', frame-ancestors 'none'" \
    grep -qiE "^content-security-policy: default-src 'none';.*form-action 'self';.*frame-ancestors 'none'" "$W/hdr.txt"
check "... and X-Content-Type-Options: nosniff, once each" \
    sh -c "[ \$(grep -ci '^content-security-policy:' '$W/hdr.txt') = 1 ] && [ \$(grep -ci '^x-content-type-options: nosniff\$' '$W/hdr.txt') = 1 ]"

# A request over 16 KiB (a long query string; a browser's cookies for a
# platform's name can be as long) is answered at once, like any other.
long_ms() {	# BYTES: the ms a GET with a query of BYTES takes from staff2
	lab_in T python3 -c '
import socket, sys, time
t = time.monotonic()
s = socket.create_connection(("10.10.0.1", 8080), timeout=8)
s.sendall(b"GET /?q=" + b"a" * int(sys.argv[1]) + b" HTTP/1.1\r\nHost: www.instagram.com\r\nConnection: close\r\n\r\n")
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
except OSError:
    pass
print("%.0f %s" % ((time.monotonic() - t) * 1000, out[9:12].decode() or "none"))' "$1"
}
r1=$(long_ms 1000)
r17=$(long_ms 17000)
note "a GET with a 1000-byte query: ${r1% *} ms (HTTP ${r1#* }); with a 17000-byte query: ${r17% *} ms (HTTP ${r17#* })"
check "a GET with a 17000-byte query string is answered (403) within 100 ms" \
    sh -c "[ '${r17#* }' = 403 ] && [ '${r17% *}' -lt 100 ]"

# 200 payloads in the Host header, the path, the query string, the
# Origin, each form field (with staff2's good token, so that the fields
# are read) and the path over TLS: 2400 requests from staff2, straight
# to the listeners.
cat >"$W/fuzz.py" <<'EOF'
import html.parser, re, socket, ssl, sys, time, urllib.parse
BP, PORT, TLSPORT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
HOST = "www.instagram.com"
BASES = [
    '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)' x='",
    '</textarea><script>alert(document.cookie)</script>',
    '<svg/onload=alert(1)>', '<ScRiPt src=//evil.example/x.js></ScRiPt>',
    '"><iframe src=javascript:alert(1)>', '<body onload=alert(1)>',
    '%3Cscript%3Ealert(1)%3C/script%3E', '%253Cimg%2520src%253Dx%2520onerror%253Dalert(1)%253E',
    '&lt;script&gt;alert(1)&lt;/script&gt;', '\r\nSet-Cookie: sg=pwned',
    '\r\nX-Injected: pwned', '%0d%0aSet-Cookie:%20sg=pwned',
    '%0D%0AX-Injected:%20pwned', '\nX-Injected: pwned\n',
    '\x1b[31mRED\x1b[0m\x1b]0;pwned\x07', '\x1b[2J\x1b[H<script>',
    'A' * 300, '<' * 4000,
]
VARIANTS = [
    lambda b: b, lambda b: 'x' + b, lambda b: b + 'y',
    lambda b: 'www.instagram.com' + b, lambda b: b.upper(),
    lambda b: '"' + b, lambda b: "'" + b,
    lambda b: b + '\r\n\r\n<script>alert(2)</script>',
    lambda b: '\u202e' + b + '\u00e9\u20ac\U0001d11e', lambda b: b + '%00',
]
PAYLOADS = [v(b) for b in BASES for v in VARIANTS]
BADTAGS = {"script", "img", "svg", "iframe", "object", "embed", "video",
           "audio", "math", "base", "link", "meta"}
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad = []
    def handle_starttag(self, tag, attrs):
        if tag in BADTAGS and not (tag == "meta" and
                                   all(k in ("charset", "name", "content") for k, _ in attrs)):
            self.bad.append("<%s>" % tag)
        for k, v in attrs:
            if k.startswith("on") or (v or "").lower().lstrip().startswith("javascript:"):
                self.bad.append("%s=%r in <%s>" % (k, v, tag))

def line(s):
    """The payload in a request line: blanks and line ends encoded."""
    b = s.encode("utf-8", "surrogatepass")
    for a, r in ((b" ", b"%20"), (b"\r", b"%0d"), (b"\n", b"%0a"), (b"\t", b"%09")):
        b = b.replace(a, r)
    return b

def exchange(data, tls=False):
    out, t0 = [], time.monotonic()
    try:
        s = socket.create_connection((BP, TLSPORT if tls else PORT), timeout=5)
        if tls:
            s = ctx.wrap_socket(s, server_hostname=HOST)
        try:
            s.sendall(data)
        except OSError:
            pass
        while True:
            try:
                d = s.recv(65536)
            except (OSError, ssl.SSLError):
                break
            if not d:
                break
            out.append(d)
        s.close()
    except (OSError, ssl.SSLError) as e:
        return None, str(e), (time.monotonic() - t0) * 1000
    return b"".join(out), None, (time.monotonic() - t0) * 1000

def responses(raw):
    """Split a byte stream into (status, header lines, body)."""
    while raw:
        head, sep, rest = raw.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        m = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0])
        if not sep or not m:
            yield None, lines, raw
            return
        n = None
        for l in lines[1:]:
            k, _, v = l.partition(b":")
            if k.strip().lower() == b"content-length":
                n = int(v.strip())
        body, raw = (rest[:n], rest[n:]) if n is not None else (rest, b"")
        yield int(m.group(1)), lines, body

bad, stats, first, slow = [], {}, {}, {}
def judge(kind, i, p, raw, err, ms=0):
    slow[kind] = slow.get(kind, 0) + ms
    if raw is None:
        stats.setdefault(kind, {}).setdefault("err", 0)
        stats[kind]["err"] += 1
        return
    n = 0
    for code, lines, body in responses(raw):
        n += 1
        c = str(code)
        if n == 1:
            first.setdefault(kind, []).append(code)
        stats.setdefault(kind, {}).setdefault(c, 0)
        stats[kind][c] += 1
        why = []
        for l in lines[1:]:
            k = l.partition(b":")[0].strip().lower()
            if k in (b"set-cookie", b"x-injected"):
                why.append("header %r" % l[:60])
        if b"pwned" in b"\r\n".join(lines):
            why.append("payload in the header")
        if b"\r" in body:
            why.append("raw CR in the body")
        if b"\x1b" in body:
            why.append("raw ESC in the body")
        t = Tags()
        try:
            t.feed(body.decode("utf-8", "replace"))
            t.close()
        except Exception as e:
            why.append("unparsable: %s" % e)
        why += t.bad
        if any(ch in p for ch in "<>\"'") and len(p) >= 4 and \
                p.encode("utf-8", "surrogatepass") in body:
            why.append("the payload unescaped in the body")
        if why:
            bad.append("%s #%d %r -> %s: %s" % (kind, i, p[:40], c, "; ".join(why)))

def get(target, host=HOST.encode(), extra=b""):
    return (b"GET " + target + b" HTTP/1.1\r\nHost: " + host +
            b"\r\nConnection: close\r\n" + extra + b"\r\n")

def post(body, origin=b"http://" + HOST.encode()):
    return (b"POST /request HTTP/1.1\r\nHost: " + HOST.encode() +
            b"\r\nOrigin: " + origin + b"\r\nConnection: close\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

raw, err, ms = exchange(get(b"/"))
m = re.search(rb'name="token" value="([^"]+)"', raw or b"")
if not m:
    print("fuzz: no token on staff2's page")
    sys.exit(2)
tok = m.group(1).decode()
good = {"token": tok, "platform": "instagram", "domain": HOST,
        "need": "unblock", "until": "2026-11-30", "extra": "15",
        "reason": "fuzz"}
for i, p in enumerate(PAYLOADS):
    pb = p.encode("utf-8", "surrogatepass")
    judge("host", i, p, *exchange(get(b"/", host=pb)))
    judge("path", i, p, *exchange(get(b"/" + line(p))))
    judge("query", i, p, *exchange(get(b"/?q=" + line(p) + b"&" + line(p))))
    judge("origin", i, p, *exchange(post(urllib.parse.urlencode(good).encode(), origin=pb)))
    judge("tls-path", i, p, *exchange(get(b"/" + line(p)), tls=True))
    for f in good:
        form = dict(good, **{f: p})
        body = urllib.parse.urlencode(form, encoding="utf-8", errors="surrogatepass").encode()
        judge("field-" + f, i, p, *exchange(post(body)))
judge("status", 0, "", *exchange(get(b"/status", host=b"10.10.0.1:8080")))
total = sum(sum(v.values()) for v in stats.values())
for k, v in stats.items():
    print("kind %s %s" % (k, " ".join("%s:%d" % kv for kv in sorted(v.items()))))
for k, v in slow.items():
    print("ms %s %.0f" % (k, v))
for k, v in first.items():
    print("first %s %s" % (k, " ".join(sorted(set(str(c) for c in v)))))
for b in bad[:20]:
    print("bad " + b)
print("fuzz: %d payloads, %d responses, %d bad" % (len(PAYLOADS), total, len(bad)))
EOF
f0=$(lab_now_ms)
lab_in T python3 "$W/fuzz.py" 10.10.0.1 8080 8443 >"$W/fuzz.out" 2>&1
note "$(tail -n 1 "$W/fuzz.out") ($(( $(lab_now_ms) - f0 )) ms)"
sed -n 's/^\(kind\|first\|bad\) /     | &/p' "$W/fuzz.out"
fz() { sed -n "s/^$1 $2 //p" "$W/fuzz.out"; }
check "fuzz: 200 payloads, at least 2400 responses" \
    grep -Eq '^fuzz: 200 payloads, (2[4-9][0-9][0-9]|[3-9][0-9]{3}) responses' "$W/fuzz.out"
check "fuzz: no response reflects a payload unescaped, no script/img/on*= markup, no raw CR or ESC in a body, no injected header" \
    grep -q ' 0 bad$' "$W/fuzz.out"
# (400: not a name of the catalogue; 403: a line break in the payload
# ended the header at www.instagram.com, and the rest was another header)
check "fuzz: a payload in the Host header -> 400 (or 403 when a line break in it ends a good Host)" \
    oneof "$(fz first host)" 400 "400 403"
check "fuzz: no form post with a payload as its Origin is accepted" \
    sh -c "! grep -Eq '^kind origin .*(200|429):' '$W/fuzz.out'"
check "fuzz: no form post with a payload as its token is accepted" \
    sh -c "! grep -Eq '^kind field-token .*(200|429):' '$W/fuzz.out'"
ctl requests all >"$W/requests-all.txt" 2>&1
check "schoolgatectl requests all has no raw ESC or CR (terminal injection)" \
    hasnt_ctl "$W/requests-all.txt"
# BP_CONNS_PER_IP (16): jsmith holds 16 idle connections to the page;
# the 17th is closed unanswered and counted, the 16 still work.
ip netns exec "$LAB_J" python3 - "$W/conns.out" <<'PY' 
import socket, sys, time
out = open(sys.argv[1], "w")
held = []
for i in range(16):
    s = socket.create_connection(("10.10.0.1", 8080), timeout=3)
    held.append(s)
time.sleep(0.3)
s = socket.create_connection(("10.10.0.1", 8080), timeout=3)
try:
    s.sendall(b"GET /status HTTP/1.1\r\nHost: 10.10.0.1:8080\r\n\r\n")
    d = s.recv(100)
    out.write("17th: %s\n" % ("closed" if not d else "answered"))
except OSError as e:
    out.write("17th: closed (%s)\n" % e.__class__.__name__)
h = held[0]
h.sendall(b"GET /status HTTP/1.1\r\nHost: 10.10.0.1:8080\r\n\r\n")
out.write("1st: %s\n" % h.recv(12).decode("ascii", "replace"))
out.close()
PY
note "connections: $(tr '\n' ' ' <"$W/conns.out" 2>/dev/null)"
check "the 17th connection from one device is closed unanswered" \
    grep -q '^17th: closed' "$W/conns.out"
check "... while the 16 held ones still get pages" \
    grep -q '^1st: HTTP/1.1 200' "$W/conns.out"
ip netns exec "$LAB_G" curl -s -m 3 http://127.0.0.1:9654/metrics >"$W/metrics.txt"
check "... and counted: schoolgate_blockpage_refused_total{why=\"connection_limit\"} >= 1" \
    grep -Eq '^schoolgate_blockpage_refused_total\{why="connection_limit"\} [1-9]' "$W/metrics.txt"
check "metrics count the block pages shown and the requests" \
    grep -Eq '^schoolgate_blockpage_hits_total\{page="request"\} [1-9]' "$W/metrics.txt"
check "the daemon still runs" lab_daemon_running
now=$(lab_now_ms)

[ "$now" -lt "$break_ms" ] ||
    bad "run L ended after 10:30 (the checks above assumed lessons): $(( (now - break_ms) / 1000 )) s late"
note "run L: $(ctl status 2>/dev/null | grep -E '^(block page|requests) ' | tr -s ' ' | tr '\n' ';')"
lab_daemon_stop

# ---------------------------------------------------------------- run Q
# The allowance (30 minutes) used up with real traffic.  At 600x a tick
# of 60 s is 100 ms real, and the lab's /slow download (16 KiB every
# 50 ms) puts about 32 KiB in each, over active_bytes (16k): each tick
# costs a minute of the allowance, 30 minutes in about 3 real seconds.
echo "# Q: after lessons (16:05, 600x, tick 60s): the allowance used up"
lab_conf "$W/Q.conf" blockpage=https on_exit=flush tick=60s \
    state_dir="$W/state-q" overrides_dir="$W/overrides-q.d" ||
    { bad "lab_conf Q"; exit 1; }
start Q "2026-11-23T16:05,600x"
lab_in J dig +short @10.10.0.53 www.instagram.com A www.instagram.com AAAA >/dev/null
check "jsmith: https://www.instagram.com works after lessons (the lab's server)" \
    lab_works J https://www.instagram.com/ -4
lab_spawn J "$W/dl-q.log" python3 "$LT" download 198.51.100.10 www.instagram.com /slow/600 30
dl=$LAB_LAST
q0=$(lab_now_ms)
lab_wait_log "verdict 10.10.0.23 instagram (jsmith/staff): BLOCK_QUOTA" 20000
q1=$(lab_now_ms)
for i in $(seq 40); do kill -0 "$dl" 2>/dev/null || break; sleep 0.05; done
kill "$dl" 2>/dev/null
note "download: $(tr '\n' ' ' <"$W/dl-q.log"); BLOCK_QUOTA after $((q1 - q0)) ms real"
check "the daemon logs BLOCK_QUOTA for jsmith until midnight" \
    lab_logged "verdict 10.10.0.23 instagram (jsmith/staff): BLOCK_QUOTA until 2026-11-24T00:00"
check "jsmith's download was cut" grep -q '^cut' "$W/dl-q.log"
check "jsmith: the denial of www.instagram.com is in place" \
    denied J www.instagram.com 198.51.100.10 2001:db8:100::10
cdp J --ca "$CA" goto https://www.instagram.com/ dom "$W/quota.html" text "$W/quota.txt" \
    shot "$OUT/blockpage-quota.png"
check "with the school CA: https://www.instagram.com/ -> 403" \
    is "$(went https://www.instagram.com/)" "403 https://www.instagram.com/"
check "the page says 'You have used your 30 minutes for today — resets at midnight'" \
    has "$W/quota.txt" "You have used your 30 minutes for today — resets at midnight"
check "... '30 min used' and '0 min left today'" has "$W/quota.txt" "30 min used" "0 min left today"
check "... and the form offers extra time" has "$W/quota.html" 'name="need" value="extra"'
lab_daemon_stop

secs=$(( ($(lab_now_ms) - T0) / 1000 ))
if [ "$LAB_FAIL" -gt 0 ]; then
	for f in "$W"/daemon-*.log; do
		echo "---- $f"
		grep -v '^event' "$f" | grep -v '^$' | tail -n 30 | sed 's/^/     | /'
	done
fi
echo "screenshots: $(cd "$top" && ls tests/out/blockpage-*.png 2>/dev/null | tr '\n' ' ')"
echo "summary: $((LAB_PASS + LAB_FAIL)) checks, $LAB_FAIL failed (block page, ${secs}s)"
[ "$LAB_FAIL" -eq 0 ]
