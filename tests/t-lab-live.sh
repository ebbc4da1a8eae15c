#!/bin/bash
# The live daemon end to end, in network namespaces, with a real resolver
# (dnsmasq), real TLS servers and real clients (curl, python):
#
#   jsmith  10.10.0.23, fd10::23 --+
#   pupil   10.10.32.5 ------------+-- bridge lan0 [gw] 10.10.0.1/16,
#   staff2  10.10.0.31 ------------+   10.10.0.53 (dnsmasq), fd10::1/64
#                                      schoolgated -d on lan0; forwarding
#                                   wan0 203.0.113.1 -- server namespace:
#   198.51.100.0/24, 192.0.2.0/24 and 2001:db8:100::/64 local ("the
#   internet"), TLS/443 + HTTP/80 + UDP/443 echo (tests/lab/livetool.py);
#   192.0.2.0/24 and 198.51.100.41 answer 10 ms after the ClientHello.
#
# Runs the daemon four times on the test clock (--clock ...,60x: one real
# second is one simulated minute):
#   A  08:40, on_exit = keep: outside lessons, lesson start, the pupil,
#      forged DNS answers and SNIs, shared infrastructure, overrides, the
#      blocked-client storm, then SIGTERM with the table kept
#   B  adopts A's table (the pupil stays blocked throughout)
#   C  adopts B's table after an override was dropped while no daemon ran;
#      on_exit = flush
#   D  17:00, a fresh table: the daily allowance
#
# Prints "ok ..." / "FAIL ..." and "summary: N checks, M failed".  Exit 0
# when all pass, 1 otherwise, 77 (skip) when not root or a tool is
# missing.  Logs are kept in $B/t-lab-live/ on failure.
set -u
export LC_ALL=C
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

skip() { echo "skip: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "not root (network namespaces need it)"
for t in ip nft dnsmasq openssl curl python3 ss timeout; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
done
ip netns list >/dev/null 2>&1 || skip "ip netns unavailable"
if [ ! -x "$B/schoolgated" ]; then
	make -s all >/dev/null 2>&1 || { echo "cannot build $B/schoolgated"; exit 1; }
fi
SGD=$top/$B/schoolgated
LT=$top/tests/lab/livetool.py

sfx=$$
J=sgJ$sfx P=sgP$sfx T=sgT$sfx G=sgG$sfx S=sgS$sfx
W=$top/$B/t-lab-live
rm -rf "$W"
mkdir -p "$W/overrides.d" "$W/state" "$W/state-d"
pids=""
dpid=""
pass=0 fail=0
T0=$(date +%s%3N)

cleanup() {
	local rc=$? p ns
	trap - EXIT INT TERM
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null
	for p in $pids; do kill "$p" 2>/dev/null; done
	for ns in "$J" "$P" "$T" "$G" "$S"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$p" 2>/dev/null
		done
	done
	sleep 0.1
	for ns in "$J" "$P" "$T" "$G" "$S"; do
		ip netns del "$ns" 2>/dev/null
		rm -rf "/etc/netns/$ns"
	done
	if [ "$rc" -eq 0 ] && [ "$fail" -eq 0 ]; then
		rm -rf "$W"
	else
		echo "logs kept in $W"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$G" || skip "cannot create network namespaces"
for n in "$J" "$P" "$T" "$S"; do ip netns add "$n"; done
inJ() { ip netns exec "$J" "$@"; }
inP() { ip netns exec "$P" "$@"; }
inT() { ip netns exec "$T" "$@"; }
inG() { ip netns exec "$G" "$@"; }
inS() { ip netns exec "$S" "$@"; }

ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() {	# description command...
	local d=$1; shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}
note() { echo "     $*"; }
now_ms() { date +%s%3N; }
sleep_ms() { [ "$1" -gt 0 ] && sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; return 0; }
sleep_until() { sleep_ms $(( $1 - $(now_ms) )); }

# Topology ---------------------------------------------------------------
for n in "$J" "$P" "$T" "$G" "$S"; do
	ip -n "$n" link set lo up
	ip netns exec "$n" sh -c 'echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad;
	    echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad'
done
ip -n "$G" link add lan0 type bridge
ip -n "$G" link set lan0 type bridge stp_state 0 forward_delay 0
for c in "$J:pj" "$P:pp" "$T:pt"; do
	ns=${c%%:*} port=${c##*:}
	ip link add eth0 netns "$ns" type veth peer name "$port" netns "$G"
	ip -n "$G" link set "$port" master lan0
	ip -n "$G" link set "$port" up
	ip -n "$ns" link set eth0 up
	mkdir -p "/etc/netns/$ns"
	echo "nameserver 10.10.0.53" >"/etc/netns/$ns/resolv.conf"
done
ip link add wan0 netns "$G" type veth peer name eth0 netns "$S"
ip -n "$G" addr add 10.10.0.1/16 dev lan0
ip -n "$G" addr add 10.10.0.53/16 dev lan0
ip -n "$G" addr add fd10::1/64 dev lan0 nodad
ip -n "$G" link set lan0 up
ip -n "$G" addr add 203.0.113.1/24 dev wan0
ip -n "$G" addr add 2001:db8:ffff::1/64 dev wan0 nodad
ip -n "$G" link set wan0 up
ip -n "$G" route add 198.51.100.0/24 via 203.0.113.2
ip -n "$G" route add 192.0.2.0/24 via 203.0.113.2
ip -n "$G" -6 route add 2001:db8:100::/64 via 2001:db8:ffff::2
inG sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

ip -n "$J" addr add 10.10.0.23/16 dev eth0
ip -n "$J" addr add fd10::23/64 dev eth0 nodad
ip -n "$P" addr add 10.10.32.5/16 dev eth0
ip -n "$T" addr add 10.10.0.31/16 dev eth0
for n in "$J" "$P" "$T"; do ip -n "$n" route add default via 10.10.0.1; done
ip -n "$J" -6 route add default via fd10::1
# The pupil's forged packets to jsmith go through the gateway (where the
# daemon sees them), not straight across the bridge.
ip -n "$P" route add 10.10.0.23/32 via 10.10.0.1

ip -n "$S" addr add 203.0.113.2/24 dev eth0
ip -n "$S" addr add 2001:db8:ffff::2/64 dev eth0 nodad
ip -n "$S" link set eth0 up
ip -n "$S" route add default via 203.0.113.1
ip -n "$S" -6 route add default via 2001:db8:ffff::1
ip -n "$S" route add local 198.51.100.0/24 dev lo
ip -n "$S" route add local 192.0.2.0/24 dev lo
ip -n "$S" -6 route add local 2001:db8:100::/64 dev lo

# Servers ------------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 2 -subj /CN=lab -keyout "$W/key.pem" -out "$W/cert.pem" \
    >"$W/openssl.log" 2>&1 || { echo "openssl req failed"; exit 1; }
# Fresh names under a blocked platform for the storm, one address each.
for i in $(seq 0 249); do
	echo "192.0.2.$((i + 1)) s$i.cdninstagram.com"
done >"$W/storm.hosts"
ip netns exec "$G" dnsmasq --keep-in-foreground --conf-file="$top/tests/lab/live-zone.conf" \
    --addn-hosts="$W/storm.hosts" --no-resolv --no-hosts --no-poll \
    --user=root --pid-file= --bind-interfaces --listen-address=10.10.0.53 \
    --dns-forward-max=1000 --log-facility="$W/dnsmasq.log" 2>"$W/dnsmasq.err" &
pids="$pids $!"
ip netns exec "$S" python3 "$LT" server "$W/cert.pem" "$W/key.pem" \
    192.0.2.0/24,198.51.100.41/32 >"$W/server.log" 2>&1 &
pids="$pids $!"

wait_listen() {	# ns proto port
	local i
	for i in $(seq 100); do
		ip netns exec "$1" ss -Hln"$2" "sport = :$3" | grep -q . && return 0
		sleep 0.05
	done
	echo "nothing listens on $2/$3 in $1"; cat "$W"/*.err "$W/server.log"
	exit 1
}
wait_listen "$G" u 53
wait_listen "$S" t 443
wait_listen "$S" t 80

# Client helpers -------------------------------------------------------------
# get NS URL [curl args]: prints "rc ms body"
get() {
	local ns=$1 url=$2 t0 t1 body rc
	shift 2
	t0=$(now_ms)
	body=$(ip netns exec "$ns" curl -sk --connect-timeout 3 --max-time 5 "$@" "$url" 2>/dev/null)
	rc=$?
	t1=$(now_ms)
	body=$(printf '%s' "$body" | head -c 30 | tr -d ' \n')
	echo "$rc $((t1 - t0)) ${body:--}"
}
# works NS URL [args]: the server's page comes back
works() {
	local r
	r=$(get "$@")
	set -- $r
	[ "$1" = 0 ] && case $3 in server*) true ;; *) false ;; esac && return 0
	note "(curl rc $1, $2 ms, '$3')"
	return 1
}
# reset NS URL [args]: fails fast (< 2 s) with a reset: connection refused
# (7), a reset during TLS (35) or during the transfer (56); not a timeout.
reset() {
	local r
	r=$(get "$@")
	set -- $r
	case $1 in
	7|35|56) [ "$2" -lt 2000 ] && return 0 ;;
	esac
	note "(curl rc $1, $2 ms, '$3')"
	return 1
}
# fails NS URL [args]: the transfer does not complete
fails() {
	local r
	r=$(get "$@")
	set -- $r
	note "(curl rc $1, $2 ms)"
	[ "$1" != 0 ]
}
setlist() {	# a set, or a map
	inG nft list set inet schoolgate "$1" 2>/dev/null ||
	    inG nft list map inet schoolgate "$1" 2>/dev/null
}
# elements SET: one element per line, as nft lists them
elements() {
	setlist "$1" | tr -d '\n\t' | sed -e 's/.*elements = {//' -e 's/}.*//' |
	    tr ',' '\n' | sed 's/^ *//'
}
has_elem() { elements "$1" | grep -q "^$2\( \|\$\)"; }
no_elem() { ! has_elem "$@"; }
table_exists() { inG nft list table inet schoolgate >/dev/null 2>&1; }

# The daemon -------------------------------------------------------------
# conf NAME ON_EXIT STATE_DIR
conf() {
	cat >"$W/$1.conf" <<EOF
[gateway]
interface = lan0
lan = 10.10.0.0/16, fd10::/48
timezone = Europe/London
state_dir = $W/$3
platforms_dir = $top/conf/platforms.d
overrides_dir = $W/overrides.d
never_block = 10.10.0.1, 10.10.0.53, fd10::1
on_exit = $2
tick = 10s

[schedule]
lessons = 08:45-16:00
breaks = 10:30-10:45

[group staff]
members = 10.10.0.0/20
outside = quota
daily_quota = 2m
active_bytes = 16k

[group pupils]
members = 10.10.32.0/19
outside = block
platforms = social, circumvention

[person jsmith]
group = staff
devices = 10.10.0.23, fd10::23
EOF
}
dlog=""
started_ms=0
# start NAME CLOCK: run the daemon, wait for "started:"
start() {
	local i
	dlog=$W/daemon-$1.log
	"$SGD" -n -f "$W/$1.conf" >"$W/check-$1.log" 2>&1 ||
	    { cat "$W/check-$1.log"; bad "config $1 is valid"; exit 1; }
	ip netns exec "$G" "$SGD" -d -v -f "$W/$1.conf" --clock "$2" >"$dlog" 2>&1 &
	dpid=$!
	for i in $(seq 200); do
		grep -q 'started:' "$dlog" && break
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.02
	done
	started_ms=$(now_ms)
	if ! grep -q 'started:' "$dlog"; then
		bad "daemon $1 starts"
		cat "$dlog"
		exit 1
	fi
	note "daemon $1 started (clock $2): $(grep 'started:' "$dlog")"
}
# stop: SIGTERM, wait for the exit
stop() {
	local rc
	kill -TERM "$dpid"
	wait "$dpid"
	rc=$?
	dpid=""
	return "$rc"
}
# The simulated time now, for a next daemon's --clock (clock0 + 60x the
# real time since the daemon started).
sim_now() {	# CLOCK0_EPOCH
	local el=$(( ($(now_ms) - started_ms) * 60 / 1000 ))
	TZ=Europe/London date -d "@$(( $1 + el ))" +%Y-%m-%dT%H:%M:%S
}
show_log() { sed 's/^/     | /' "$dlog"; }
logged() { grep -q -- "$1" "$dlog"; }

# ---------------------------------------------------------------- run A
conf A keep state
conf B keep state
conf C flush state
conf D flush state-d
CLOCK_A=2026-11-23T08:40
A0=$(TZ=Europe/London date -d "2026-11-23 08:40" +%s)
start A "$CLOCK_A,60x"
# Lessons start at 08:45: 5 real seconds after the daemon's clock began
# (which is before "started:" was seen).
lesson_ms=$((started_ms + 5000))

echo "# 1. outside lessons (08:40)"
check "jsmith resolves www.instagram.com at the school resolver" \
    sh -c "ip netns exec $J python3 $LT query 10.10.0.23 0 10.10.0.53 77 www.instagram.com | grep -q 198.51.100.10"
check "jsmith: curl https://www.instagram.com works (IPv4)" works "$J" https://www.instagram.com/ -4
check "jsmith: curl https://www.instagram.com works (IPv6)" works "$J" https://www.instagram.com/ -6
check "deny4 has no element for jsmith" no_elem deny4 10.10.0.23
check "addr4 learned 198.51.100.10 from the answer" has_elem addr4 198.51.100.10
# A connection kept open across 08:45, sending a request every 100 ms,
# and a slow download.
ip netns exec "$J" python3 "$LT" hold 198.51.100.10 www.instagram.com 20 >"$W/hold-j.log" 2>&1 &
hold_j=$!
pids="$pids $hold_j"
# 1 KiB every 50 ms: 3.4 kB per simulated tick, under active_bytes, so
# that it costs no allowance before 08:45.
ip netns exec "$J" curl -sk -4 --max-time 30 -o "$W/slow-j.out" https://www.instagram.com/trickle/2000 \
    >/dev/null 2>&1 &
slow_j=$!
pids="$pids $slow_j"

echo "# 3. the pupil is blocked at any time"
check "pupil: https://www.instagram.com is reset" reset "$P" https://www.instagram.com/ -4
check "deny4 holds the pupil's element" has_elem deny4 10.10.32.5
# instagram's mark, as nft prints it
IG=$(elements deny4 | awk '$1 == "10.10.32.5" { print $3; exit }')
note "deny4: $(elements deny4 | tr '\n' ';')"
sleep 0.3
check "the open connection works before 08:45" grep -q open "$W/hold-j.log"
[ "$(now_ms)" -lt "$lesson_ms" ] ||
    bad "the checks before 08:45 took too long ($(( $(now_ms) - started_ms )) ms)"

echo "# 2. lesson start (08:45)"
sleep_until $((lesson_ms + 400))
check "jsmith: a new connection to instagram is reset (IPv4)" reset "$J" https://www.instagram.com/ -4
check "jsmith: a new connection to instagram is reset (IPv6)" reset "$J" https://www.instagram.com/ -6
check "deny4 holds 10.10.0.23 . mark with a timeout" \
    sh -c "ip netns exec $G nft list set inet schoolgate deny4 | tr -d '\n' | grep -Eq '10\.10\.0\.23 \. 0x[0-9a-f]+ timeout'"
note "deny4: $(elements deny4 | grep 10.10.0.23)"
check "deny6 holds fd10::23" has_elem deny6 fd10::23
check "the daemon logs BLOCK_LESSONS until 10:30" \
    logged "verdict 10.10.0.23 instagram (jsmith/staff): BLOCK_LESSONS until 2026-11-23T10:30"
s1=$(stat -c %s "$W/slow-j.out" 2>/dev/null || echo 0)
for i in $(seq 60); do kill -0 "$hold_j" 2>/dev/null || break; sleep 0.05; done
wait "$hold_j"
hrc=$?
note "kept-open connection: $(tr '\n' ' ' <"$W/hold-j.log")"
check "the connection opened before 08:45 is cut" test "$hrc" -eq 0
cut_ms=$(sed -n 's/.* at \([0-9]*\)$/\1/p' "$W/hold-j.log")
note "cut $(( ${cut_ms:-0} - lesson_ms )) ms after the daemon's 08:45 (at the latest)"
check "... at 08:45, not before" test "${cut_ms:-0}" -ge $((lesson_ms - 300)) -a "${cut_ms:-0}" -le $((lesson_ms + 1500))
check "jsmith used no allowance before 08:45 (no BLOCK_QUOTA)" sh -c "! grep -q BLOCK_QUOTA $dlog"
sleep 0.5
s2=$(stat -c %s "$W/slow-j.out" 2>/dev/null || echo 0)
note "slow download: $s1 bytes, 0.5 s later $s2"
check "the slow download opened before 08:45 stops" test "$s1" -eq "$s2" -a "$s1" -gt 0
kill "$slow_j" 2>/dev/null

echo "# 6. spoofing"
# (a) Forged answers claiming www.instagram.com = 198.51.100.99, sent by
# the pupil to jsmith.  Two queries of jsmith's are pending at a resolver
# that never answers (198.51.100.53: nothing listens).
ip netns exec "$J" python3 "$LT" query 10.10.0.23 40053 198.51.100.53 4660 www.instagram.com >/dev/null 2>&1 &
q1=$!
ip netns exec "$J" python3 "$LT" query 10.10.0.23 40054 198.51.100.53 4662 www.example.org >/dev/null 2>&1 &
q2=$!
sleep 0.2
forge() { inP python3 "$LT" forge "$@" www.instagram.com 198.51.100.99; }
forge 198.51.100.53 53 10.10.0.23 40053 4661		# wrong ID
forge 10.10.32.5 53 10.10.0.23 40053 4660		# from a LAN host
forge 198.51.100.53 5353 10.10.0.23 40053 4660		# off-path port
forge 10.10.0.53 53 10.10.0.23 40999 999		# unsolicited
inP python3 "$LT" forge 198.51.100.53 53 10.10.0.23 40054 4662 \
    www.instagram.com 198.51.100.99			# another question
wait "$q1" "$q2"
sleep 0.2
check "forged answers teach nothing: addr4 has no 198.51.100.99" no_elem addr4 198.51.100.99
check "jsmith (in a lesson) reaches 198.51.100.99 by a non-social name" \
    works "$J" https://unrelated.example.net/ -4
check "jsmith reaches https://198.51.100.99 (no SNI)" works "$J" https://198.51.100.99/
# (a') An answer from a resolver the pupil runs on the internet: a real
# answer to a real query, but not from the school's resolver, naming an
# address (198.51.100.96) no school device has looked up.
ip netns exec "$S" python3 "$LT" evilns 198.51.100.97 198.51.100.96 >"$W/evilns.log" 2>&1 &
pids="$pids $!"
wait_listen "$S" u 53
note "pupil asks its own resolver: $(inP python3 "$LT" query 10.10.32.5 0 198.51.100.97 31337 www.instagram.com 2>&1)"
sleep 0.2
check "an answer from a resolver the pupil chose teaches nothing (addr4 has no 198.51.100.96)" \
    no_elem addr4 198.51.100.96
check "... and jsmith (in a lesson) still reaches https://198.51.100.96" works "$J" https://198.51.100.96/

# (b) The pupil sends SNI www.instagram.com to an unrelated server.
check "pupil: SNI www.instagram.com to 198.51.100.98 is cut" \
    fails "$P" https://www.instagram.com/slow/40 --resolve www.instagram.com:443:198.51.100.98
check "the SNI teaches nothing: addr4 has no 198.51.100.98" no_elem addr4 198.51.100.98
check "jsmith reaches 198.51.100.98 by its name" works "$J" https://other.example.net/ -4
check "staff2 reaches 198.51.100.98 by its name" works "$T" https://other.example.net/
check "the pupil's own ordinary connection to 198.51.100.98 works" works "$P" https://other.example.net/

# (c) Shared infrastructure: www.youtube.com and docs.example.org are
# both 198.51.100.30.
check "pupil: https://docs.example.org (198.51.100.30) works" works "$P" https://docs.example.org/
check "pupil: https://www.youtube.com (same address) is cut" \
    fails "$P" https://www.youtube.com/slow/40
check "pupil: https://docs.example.org still works after that" works "$P" https://docs.example.org/
check "addr4 has no 198.51.100.30 (shared)" no_elem addr4 198.51.100.30
inG nft list table inet schoolgate >"$W/ruleset-A.txt" 2>&1
check "flow4 holds the pupil's youtube flow" \
    has_elem flow4 "10\.10\.32\.5 \. 198\.51\.100\.30 \. [0-9]* .*: 0x0*[1-9a-f][0-9a-f]*"
note "youtube/docs: $(grep -E 'youtube|docs.example' "$dlog" | tail -n 3 | tr '\n' ';')"

echo "# 5. overrides"
ovr=$W/overrides.d/pupil-instagram.conf
cat >"$W/overrides.d/.pupil-instagram.tmp" <<EOF
[override]
platform = instagram
who = ip:10.10.32.5
from = 2026-11-23
until = 2026-11-23
reason = Year 9 project on social media
approved_by = Headteacher
EOF
# poll_until NS what URL [args]: until works/reset; prints the ms taken
poll_until() {
	local fn=$1 ns=$2 t0 i
	shift 2
	t0=$(now_ms)
	for i in $(seq 60); do
		if "$fn" "$ns" "$@" >/dev/null 2>&1; then
			echo $(( $(now_ms) - t0 ))
			return 0
		fi
		sleep 0.05
	done
	echo never
	return 1
}
check "the pupil is blocked before the override" reset "$P" https://www.instagram.com/ -4
mv "$W/overrides.d/.pupil-instagram.tmp" "$ovr"
ms=$(poll_until works "$P" https://www.instagram.com/ -4)
note "unblocked after $ms ms"
check "an override dropped into overrides.d unblocks the pupil within 1 s" \
    test "$ms" != never -a "${ms/never/9999}" -lt 1000
check "the daemon logs ALLOW_OVERRIDE" logged "verdict 10.10.32.5 instagram (ip:10.10.32.5/pupils): ALLOW_OVERRIDE"
check "deny4 has no pupil element for instagram" no_elem deny4 "10.10.32.5 . $IG"
rm -f "$ovr"
ms=$(poll_until reset "$P" https://www.instagram.com/ -4)
note "blocked again after $ms ms"
check "removing the file blocks the pupil again within 1 s" \
    test "$ms" != never -a "${ms/never/9999}" -lt 1000

echo "# 8. a blocked client: 200 fresh lookups + TLS to a server answering 10 ms after the ClientHello"
check "control: an ordinary name to the 10 ms server completes" works "$P" https://docs.example.org/ \
    --resolve docs.example.org:443:198.51.100.41
hs0=$(grep -c '^hs ' "$W/server.log")
r=$(inP python3 "$LT" storm 200 10.10.0.53 cdninstagram.com 32)
note "storm (DNS + TLS): $r; $(elements addr4 | grep -c '^192\.0\.2\.') of its addresses in addr4 now"
set -- $r
check "200 fresh names resolved" test "$2" -ge 200
check "0 handshakes completed at the client (DNS + TLS)" test "$4" -eq 0
r=$(inP python3 "$LT" sni 200 198.51.100.41 instagram.com 32)
note "storm (SNI only, no DNS): $r"
set -- $r
check "0 handshakes completed at the client (SNI only)" test "$2" -eq 0
nhs=$(tail -n +$((hs0 + 1)) "$W/server.log" | grep -c 'instagram\.com$')
check "0 handshakes completed at the server" test "$nhs" -eq 0

echo "# 7. restart with on_exit = keep"
# A learned address lives for its DNS TTL (300 s: 5 real seconds here),
# daemon or not: the pupil's browser looks the name up again now.
check "the pupil is blocked before the stop" reset "$P" https://www.instagram.com/ -4
# A prober: the pupil tries instagram every 50 ms across the restarts.
ip netns exec "$P" sh -c "while :; do curl -sk -4 --max-time 0.5 -o /dev/null -w '%{http_code}\n' \
    --resolve www.instagram.com:443:198.51.100.10 https://www.instagram.com/; \
    echo rc=\$?; sleep 0.05; done" >"$W/prober.log" 2>&1 &
prober=$!
pids="$pids $prober"
sleep 0.3
stop
note "stopped A: $(tail -n 2 "$dlog" | tr '\n' ';')"
check "the table is kept after SIGTERM" table_exists
check "deny4 still holds the pupil's element" has_elem deny4 10.10.32.5
check "the pupil is still blocked with no daemon" reset "$P" https://www.instagram.com/ -4
sleep 0.3
CLOCK_B=$(sim_now "$A0")
start B "$CLOCK_B,60x"
check "the new daemon adopts the table" logged "adopting table inet schoolgate"
check "the pupil is blocked under the new daemon" reset "$P" https://www.instagram.com/ -4
sleep 0.5
kill "$prober"; wait "$prober" 2>/dev/null
np=$(grep -c '^rc=' "$W/prober.log")
leaks=$(grep -c '^200' "$W/prober.log")
note "prober: $np tries across the restart, $leaks got through"
check "the pupil stayed blocked throughout the restart" test "$leaks" -eq 0 -a "$np" -gt 5
B0=$(TZ=Europe/London date -d "${CLOCK_B/T/ }" +%s)
stop
check "the table is kept after B stops" table_exists
# An override approved while no daemon runs applies when one starts.
cat >"$W/overrides.d/.pupil-instagram.tmp" <<EOF
[override]
platform = instagram
who = ip:10.10.32.5
from = 2026-11-23
until = 2026-11-23
reason = Year 9 project on social media
approved_by = Headteacher
EOF
mv "$W/overrides.d/.pupil-instagram.tmp" "$ovr"
CLOCK_C=$(sim_now "$B0")
start C "$CLOCK_C,60x"
ms=$(poll_until works "$P" https://www.instagram.com/ -4)
note "unblocked after $ms ms"
check "an override dropped while no daemon ran applies under the new one" \
    test "$ms" != never
rm -f "$ovr"
ms=$(poll_until reset "$P" https://www.instagram.com/ -4)
check "removing it blocks the pupil again" test "$ms" != never
stop
check "with on_exit = flush the table is gone after stop" sh -c "! ip netns exec $G nft list table inet schoolgate >/dev/null 2>&1"

echo "# 4. the daily allowance (17:00, daily_quota 2m, active_bytes 16k, tick 10s)"
start D "2026-11-23T17:00,60x"
check "jsmith: https://www.instagram.com works at 17:00" works "$J" https://www.instagram.com/ -4
check "the verdict is ALLOW_QUOTA" logged "verdict 10.10.0.23 instagram (jsmith/staff): ALLOW_QUOTA"
# staff2: idle keep-alives to instagram, one small request every 100 ms
ip netns exec "$T" python3 "$LT" hold 198.51.100.10 www.instagram.com 6 >"$W/hold-t.log" 2>&1 &
hold_t=$!
pids="$pids $hold_t"
# jsmith downloads continuously (about 320 kB/s, 53 kB per simulated tick)
t0=$(now_ms)
ip netns exec "$J" curl -sk -4 --max-time 20 -o "$W/dl-j.out" https://www.instagram.com/slow/400 >/dev/null 2>&1 &
dl=$!
pids="$pids $dl"
for i in $(seq 100); do logged "BLOCK_QUOTA" && break; sleep 0.1; done
ms=$(( $(now_ms) - t0 ))
note "BLOCK_QUOTA after $ms ms real ($(( ms * 60 / 1000 )) simulated s): $(grep BLOCK_QUOTA "$dlog" | head -n 1)"
check "the daemon's log says BLOCK_QUOTA for jsmith" logged "verdict 10.10.0.23 instagram (jsmith/staff): BLOCK_QUOTA"
check "the allowance ran out after about 2 simulated minutes of use (${ms} ms)" \
    test "$ms" -ge 1500 -a "$ms" -le 4500
check "jsmith: new connections are reset" reset "$J" https://www.instagram.com/ -4
s1=$(stat -c %s "$W/dl-j.out" 2>/dev/null || echo 0)
sleep 0.5
s2=$(stat -c %s "$W/dl-j.out" 2>/dev/null || echo 0)
note "download: $s1 bytes, then $s2"
check "jsmith's running download is cut" test "$s1" -eq "$s2"
kill "$dl" 2>/dev/null
sleep 0.3
day=$(( $(TZ=UTC date -d 2026-11-23 +%s) / 86400 ))
note "state: $(grep '^quota' "$W/state-d/state" | tr '\n' ';')"
check "state_dir/state records jsmith's used seconds = the allowance (120)" \
    grep -q "^quota jsmith $day 120\$" "$W/state-d/state"
wait "$hold_t"
note "staff2 keep-alives: $(tr '\n' ' ' <"$W/hold-t.log")"
check "staff2's idle keep-alive connection was not cut" grep -q alive "$W/hold-t.log"
check "staff2's keep-alives used none of its allowance" \
    sh -c "! grep -Eq '^quota ip:10\.10\.0\.31 [0-9]+ [1-9]' $W/state-d/state"
check "staff2 still reaches instagram" works "$T" https://www.instagram.com/ -4
stop
check "with on_exit = flush the table is gone after D stops" sh -c "! ip netns exec $G nft list table inet schoolgate >/dev/null 2>&1"

secs=$(( ($(now_ms) - T0) / 1000 ))
if [ "$fail" -gt 0 ]; then
	for f in "$W"/daemon-*.log; do
		echo "---- $f"
		grep -v '^$' "$f" | tail -n 60 | sed 's/^/     | /'
	done
fi
echo "summary: $((pass + fail)) checks, $fail failed (lab live, ${secs}s)"
[ "$fail" -eq 0 ]
