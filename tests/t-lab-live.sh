#!/bin/bash
# The live daemon end to end, in the network-namespace lab of
# tests/lab/lab.sh: a real resolver (dnsmasq), real TLS servers and real
# clients (curl, python), jsmith and staff2 (staff) and a pupil.  Every
# check asserts on what a client experiences, or on the kernel's table.
#
# Runs the daemon on the test clock (--clock ...,60x: one real second is
# one simulated minute), with the school's real allowance (30m):
#   A  08:40, on_exit = keep: outside lessons, lesson start, lesson hours
#      for staff and pupils, the pupil, forged DNS answers and SNIs,
#      shared infrastructure, overrides (and a bad one beside them), the
#      blocked-client storm, then SIGTERM with the table kept
#   B  adopts A's table (the pupil stays blocked throughout)
#   C  adopts B's table after an override was dropped while no daemon
#      ran; on_exit = flush
#   E  10:26, keep: SIGKILL mid-lesson; the kernel keeps jsmith blocked
#      until the break (10:30); E2 adopts the table in the break (staff
#      allowed, pupil blocked) and is SIGKILLed while jsmith uses his
#      allowance; E3 carries the allowance used on
#   D  17:00, a fresh table: the daily allowance runs out after 30
#      simulated minutes of use, keep-alives cost nothing
#
# Prints "ok ..." / "FAIL ..." and "summary: N checks, M failed".  Exit 0
# when all pass, 1 otherwise, 77 (skip) when not root or a tool is
# missing.  Logs are kept in $B/t-lab-live.PID/ on failure.
set -u
export LC_ALL=C
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. tests/lab/lab.sh
lab_require

LAB_W=$top/$B/t-lab-live.$$
W=$LAB_W
LT=$LAB_LT
rm -rf "$W"
mkdir -p "$W/overrides.d"
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

lab_up "t$$" || exit 1
J=$LAB_J P=$LAB_P T=$LAB_T G=$LAB_G S=$LAB_S
inP() { ip netns exec "$P" "$@"; }

# The scenarios' vocabulary (tests/lab/lab.sh).
check() { lab_check "$@"; }
note() { lab_note "$@"; }
bad() { lab_bad "$@"; }
works() { lab_works "$@"; }
reset() { lab_reset "$@"; }
fails() { lab_fails "$@"; }
elements() { lab_elements "$@"; }
has_elem() { lab_has_elem "$@"; }
no_elem() { lab_no_elem "$@"; }
table_exists() { lab_table_exists; }
logged() { lab_logged "$@"; }
now_ms() { lab_now_ms; }
spawn() { lab_spawn "$@"; }
# start NAME CLOCK [CONF]: the daemon with $W/CONF.conf (NAME)
start() {
	lab_daemon_start "$W/${3:-$1}.conf" "$2" "$W/daemon-$1.log" ||
	    { bad "daemon $1 starts"; exit 1; }
	note "daemon $1 started (clock $2): $(grep 'started:' "$LAB_DLOG")"
}
stop() { lab_daemon_stop "$@"; }
# within MS VALUE: VALUE is a number below MS (not "never")
within() { case $2 in never) return 1 ;; esac; [ "$2" -lt "$1" ]; }
# used HOLDER STATE_DIR: the allowance used today (seconds) in the state
day=$(( $(TZ=UTC date -d 2026-11-23 +%s) / 86400 ))
used() { awk -v h="$1" -v d="$day" '$1 == "quota" && $2 == h && $3 == d { print $4 }' "$2/state" 2>/dev/null; }
# sim_s REAL_MS: seconds of the test clock since SIM0_MS
sim_s() { awk -v a="$(lab_sim_ms "$1")" -v b="$SIM0_MS" 'BEGIN { printf "%.1f\n", (a - b) / 1000 }'; }
# between LO HI X: LO <= X <= HI (decimals allowed)
between() { awk -v lo="$1" -v hi="$2" -v x="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }
# override FILE WHO PLATFORM: write an override for today, atomically
override() {
	cat >"$(dirname "$1")/.tmp.$$" <<EOF
[override]
platform = $3
who = $2
from = 2026-11-23
until = 2026-11-23
reason = Year 9 project on social media
approved_by = Headteacher
EOF
	mv "$(dirname "$1")/.tmp.$$" "$1"
}

IG_URL=https://www.instagram.com/
FB_URL=https://www.facebook.com/
BBC_URL=https://www.bbc.co.uk/

# ---------------------------------------------------------------- run A
lab_conf "$W/A.conf" on_exit=keep state_dir="$W/state"
lab_conf "$W/B.conf" on_exit=keep state_dir="$W/state"
lab_conf "$W/C.conf" on_exit=flush state_dir="$W/state"
start A "2026-11-23T08:40,60x"
lesson_ms=$(lab_real_ms 2026-11-23T08:45)

echo "# 1. outside lessons (08:40)"
check "jsmith resolves www.instagram.com at the school resolver" \
    sh -c "ip netns exec $J python3 $LT query 10.10.0.23 0 10.10.0.53 77 www.instagram.com | grep -q 198.51.100.10"
check "jsmith: curl https://www.instagram.com works (IPv4)" works "$J" "$IG_URL" -4
check "jsmith: curl https://www.instagram.com works (IPv6)" works "$J" "$IG_URL" -6
check "deny4 has no element for jsmith" no_elem deny4 10.10.0.23
check "addr4 learned 198.51.100.10 from the answer" has_elem addr4 198.51.100.10
# A connection kept open across 08:45, sending a request every 100 ms,
# and a slow download.
spawn "$J" "$W/hold-j.log" python3 "$LT" hold 198.51.100.10 www.instagram.com 20
hold_j=$LAB_LAST
# 1 KiB every 50 ms: 3.4 kB per simulated tick, under active_bytes, so
# that it costs no allowance before 08:45.
spawn "$J" /dev/null curl -sk -4 --max-time 30 -o "$W/slow-j.out" https://www.instagram.com/trickle/2000
slow_j=$LAB_LAST

echo "# 3. the pupil is blocked at any time"
check "pupil: https://www.instagram.com is reset" reset "$P" "$IG_URL" -4
check "deny4 holds the pupil's element" has_elem deny4 10.10.32.5
# instagram's mark, as nft prints it
IG=$(elements deny4 | awk '$1 == "10.10.32.5" { print $3; exit }')
note "deny4: $(elements deny4 | tr '\n' ';')"
sleep 0.3
check "the open connection works before 08:45" grep -q open "$W/hold-j.log"
[ "$(now_ms)" -lt "$lesson_ms" ] ||
    bad "the checks before 08:45 took too long ($(( $(now_ms) - LAB_CLOCK_MS )) ms)"

echo "# 2. lesson start (08:45)"
lab_sleep_until $((lesson_ms + 400))
check "jsmith: a new connection to instagram is reset (IPv4)" reset "$J" "$IG_URL" -4
check "jsmith: a new connection to instagram is reset (IPv6)" reset "$J" "$IG_URL" -6
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
note "cut $(( ${cut_ms:-0} - lesson_ms )) ms after the daemon's 08:45"
check "... at 08:45, not before" test "${cut_ms:-0}" -ge $((lesson_ms - 300)) -a "${cut_ms:-0}" -le $((lesson_ms + 1500))
check "jsmith used no allowance before 08:45 (no BLOCK_QUOTA)" sh -c "! grep -q BLOCK_QUOTA $LAB_DLOG"
sleep 0.5
s2=$(stat -c %s "$W/slow-j.out" 2>/dev/null || echo 0)
note "slow download: $s1 bytes, 0.5 s later $s2"
check "the slow download opened before 08:45 stops" test "$s1" -eq "$s2" -a "$s1" -gt 0
kill "$slow_j" 2>/dev/null

echo "# 2b. lesson hours: staff and pupils"
for who in "$T:staff2" "$P:pupil"; do
	check "${who#*:}: curl https://www.instagram.com fails fast with a reset (IPv4)" \
	    reset "${who%%:*}" "$IG_URL"
done
check "staff2: curl https://www.facebook.com fails fast with a reset" reset "$T" "$FB_URL"
# jsmith's first contact with facebook, dual stack (DNS over IPv4, the
# connection over IPv6, as a browser does)
check "jsmith: curl https://www.facebook.com (first contact, dual stack) fails fast with a reset" \
    reset "$J" "$FB_URL" --max-time 1.5
check "jsmith: curl -4 https://www.facebook.com fails fast with a reset" reset "$J" "$FB_URL" -4
check "the daemon logs BLOCK_LESSONS for staff2" \
    logged "verdict 10.10.0.31 instagram (ip:10.10.0.31/staff): BLOCK_LESSONS until 2026-11-23T10:30"

echo "# 6a. forged answers: www.facebook.com is www.bbc.co.uk's address"
# No device has looked www.bbc.co.uk up yet in this daemon's life: the
# worst case.  staff2 and jsmith have facebook denials (above).  Each
# forgery is checked on its own: what one taught is removed before the
# next.
BBC=198.51.100.50
taught() {	# what [ADDR]: check that addr4 has no ADDR ($BBC)
	local a=${2:-$BBC}
	sleep 0.2
	if lab_no_elem addr4 "$a"; then
		lab_ok "forged answers teach nothing ($1)"
		return
	fi
	lab_bad "forged answers teach nothing ($1): addr4 has $(elements addr4 | grep "^$a ")"
	note "$(grep -E 'facebook' "$LAB_DLOG" | grep -v '^event' | tail -n 2 | tr '\n' ';')"
}
unlearn() { lab_in gw nft delete element inet schoolgate addr4 "{ $BBC }" 2>/dev/null; }
forgeq() { inP python3 "$LT" forgeq "$@" www.facebook.com "${FAKE:-$BBC}"; }
# (1) unsolicited, from the school's resolver
for d in 10.10.0.31 10.10.0.23; do
	for i in 1 2 3; do
		inP python3 "$LT" forge 10.10.0.53 53 "$d" $((33000 + i)) $((7000 + i)) \
		    www.facebook.com "$BBC"
	done
done
taught "unsolicited, from the school's resolver's address"
# (2) a query in staff2's name to the school's resolver, answered by
# the pupil at once, racing dnsmasq
forgeq 10.10.0.31 33111 10.10.0.53 53 4242
taught "a query in staff2's name to the school's resolver, and a forged answer"
# The pupil's machine routes these through the gateway.
for a in 10.10.0.77 10.10.40.40; do ip -n "$P" route add "$a/32" via 10.10.0.1; done
# (3) a query in an unused LAN address's name to a "resolver" at another
# unused LAN address (10.10.0.77), and its answer
forgeq 10.10.40.40 33113 10.10.0.77 53 4244
taught "a forged query and answer via an unused LAN address as the resolver"
check "staff2 (in a lesson) reaches www.bbc.co.uk from its DNS cache" \
    works "$T" "$BBC_URL" --resolve "www.bbc.co.uk:443:$BBC"
check "jsmith (in a lesson) reaches www.bbc.co.uk from its DNS cache" \
    works "$J" "$BBC_URL" -4 --resolve "www.bbc.co.uk:443:$BBC"
check "staff2: curl https://www.bbc.co.uk works" works "$T" "$BBC_URL"
check "jsmith: curl https://www.bbc.co.uk works (IPv4)" works "$J" "$BBC_URL" -4
check "jsmith: curl https://www.bbc.co.uk works (IPv6)" works "$J" "$BBC_URL" -6
check "pupil: curl https://www.bbc.co.uk works" works "$P" "$BBC_URL"
check "staff2: www.facebook.com is still reset" reset "$T" "$FB_URL"
unlearn
# Now that www.bbc.co.uk was looked up, its address also serves a
# non-social name and is shared: (4) claims an address nobody
# looked up (198.51.100.51), so that it tests the trust on its own.
FAKE=198.51.100.51
# (4) a query in an unused LAN address's name to the school's resolver
# (whose real answer cannot be delivered), and a forged answer
forgeq 10.10.40.40 33115 10.10.0.53 53 4246
taught "a query in an unused address's name to the school's resolver, and a forged answer" "$FAKE"
FAKE=
unlearn
check "after all that, staff2 reaches www.bbc.co.uk from its DNS cache" \
    works "$T" "$BBC_URL" --resolve "www.bbc.co.uk:443:$BBC"

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
spawn "$S" "$W/evilns.log" python3 "$LT" evilns 198.51.100.97 198.51.100.96
lab_wait_listen "$S" u 53 || exit 1
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
lab_in gw nft list table inet schoolgate >"$W/ruleset-A.txt" 2>&1
check "flow4 holds the pupil's youtube flow" \
    has_elem flow4 "10\.10\.32\.5 \. 198\.51\.100\.30 \. [0-9]* .*: 0x0*[1-9a-f][0-9a-f]*"

echo "# 5. overrides"
ovr=$W/overrides.d/pupil-instagram.conf
check "the pupil is blocked before the override" reset "$P" "$IG_URL" -4
override "$ovr" ip:10.10.32.5 instagram
ms=$(lab_poll_until 1500 works "$P" "$IG_URL" -4)
note "unblocked after $ms ms"
check "an override dropped into overrides.d unblocks the pupil (ip:) within 1 s" within 1000 "$ms"
check "the daemon logs ALLOW_OVERRIDE" logged "verdict 10.10.32.5 instagram (ip:10.10.32.5/pupils): ALLOW_OVERRIDE"
check "deny4 has no pupil element for instagram" no_elem deny4 "10.10.32.5 . $IG"
rm -f "$ovr"
ms=$(lab_poll_until 1500 reset "$P" "$IG_URL" -4)
note "blocked again after $ms ms"
check "removing the file blocks the pupil again within 1 s" within 1000 "$ms"

# A person, and a bad file beside the good one.
ovr=$W/overrides.d/jsmith-instagram.conf
check "jsmith is blocked (lessons) before the override" reset "$J" "$IG_URL" -4
override "$ovr" person:jsmith instagram
ms=$(lab_poll_until 1500 works "$J" "$IG_URL" -4)
note "jsmith unblocked after $ms ms"
check "an override for person:jsmith unblocks him within 1 s" within 1000 "$ms"
check "... on his IPv6 address too" works "$J" "$IG_URL" -6
check "the daemon logs ALLOW_OVERRIDE for jsmith" \
    logged "verdict 10.10.0.23 instagram (jsmith/staff): ALLOW_OVERRIDE"
check "staff2 (not named) is still reset" reset "$T" "$IG_URL"
check "jsmith: facebook (not named) is still reset" reset "$J" "$FB_URL" -4
printf '[override]\nplatform = instagram\nwho = all\nthis is not an override\nfrom = 2026-13-45\n' \
    >"$W/overrides.d/bad.conf"
lab_wait_log "override rejected: $W/overrides.d/bad.conf:[0-9][0-9]*:" 1500
note "$(grep 'override rejected' "$LAB_DLOG" | head -n 3 | tr '\n' ';')"
check "the daemon logs the bad file's rejection with file:line" \
    logged "override rejected: $W/overrides.d/bad.conf:[0-9][0-9]*:"
sleep 0.3
check "... and '1 in force, 1 rejected'" logged "overrides: 1 in force, 1 rejected"
check "jsmith's override still applies beside the bad file" works "$J" "$IG_URL" -4
check "the bad file (who = all) unblocks nobody: staff2 is reset" reset "$T" "$IG_URL"
check "... and the pupil is reset" reset "$P" "$IG_URL" -4
rm -f "$ovr"
ms=$(lab_poll_until 1500 reset "$J" "$IG_URL" -4)
note "jsmith blocked again after $ms ms"
check "removing jsmith's file blocks him again within 1 s" within 1000 "$ms"
rm -f "$W/overrides.d/bad.conf"

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
check "the pupil is blocked before the stop" reset "$P" "$IG_URL" -4
# A prober: the pupil tries instagram every 50 ms across the restarts.
spawn "$P" "$W/prober.log" sh -c "while :; do curl -sk -4 --max-time 0.5 -o /dev/null -w '%{http_code}\n' \
    --resolve www.instagram.com:443:198.51.100.10 https://www.instagram.com/; \
    echo rc=\$?; sleep 0.05; done"
prober=$LAB_LAST
sleep 0.3
stop
note "stopped A: $(tail -n 2 "$LAB_DLOG" | tr '\n' ';')"
check "the table is kept after SIGTERM" table_exists
check "deny4 still holds the pupil's element" has_elem deny4 10.10.32.5
check "the pupil is still blocked with no daemon" reset "$P" "$IG_URL" -4
sleep 0.3
start B "$(lab_sim_now),60x"
check "the new daemon adopts the table" logged "adopting table inet schoolgate"
check "the pupil is blocked under the new daemon" reset "$P" "$IG_URL" -4
sleep 0.5
kill "$prober"; wait "$prober" 2>/dev/null
np=$(grep -c '^rc=' "$W/prober.log")
leaks=$(grep -c '^200' "$W/prober.log")
note "prober: $np tries across the restart, $leaks got through"
check "the pupil stayed blocked throughout the restart" test "$leaks" -eq 0 -a "$np" -gt 5
stop
check "the table is kept after B stops" table_exists
# An override approved while no daemon runs applies when one starts.
ovr=$W/overrides.d/pupil-instagram.conf
override "$ovr" ip:10.10.32.5 instagram
start C "$(lab_sim_now),60x"
ms=$(lab_poll_until 3000 works "$P" "$IG_URL" -4)
note "unblocked after $ms ms"
check "an override dropped while no daemon ran applies under the new one" \
    test "$ms" != never
rm -f "$ovr"
ms=$(lab_poll_until 3000 reset "$P" "$IG_URL" -4)
check "removing it blocks the pupil again" test "$ms" != never
stop
check "with on_exit = flush the table is gone after stop" sh -c "! ip netns exec $G nft list table inet schoolgate >/dev/null 2>&1"

# ---------------------------------------------------------------- run E
echo "# 9. SIGKILL mid-lesson (10:26; the lesson ends at the 10:30 break)"
lab_conf "$W/E.conf" on_exit=keep state_dir="$W/state-e" overrides_dir="$W/overrides-e.d"
lab_conf "$W/E3.conf" on_exit=flush state_dir="$W/state-e" overrides_dir="$W/overrides-e.d"
start E "2026-11-23T10:26,60x"
break_ms=$(lab_real_ms 2026-11-23T10:30)
CDN=scontent-lhr8-1.cdninstagram.com
check "jsmith: curl https://www.instagram.com (first contact, dual stack) is reset at 10:26" \
    reset "$J" "$IG_URL" --max-time 1.5
check "the daemon logs BLOCK_LESSONS until 10:30" \
    logged "verdict 10.10.0.23 instagram (jsmith/staff): BLOCK_LESSONS until 2026-11-23T10:30"
check "staff2: instagram is reset" reset "$T" "$IG_URL"
check "pupil: instagram is reset" reset "$P" "$IG_URL" -4
# Two minutes before the break jsmith's browser looks both names up
# again (www: TTL 300 s; the CDN: TTL 60 s); then the daemon dies.
lab_sleep_until "$(lab_real_ms 2026-11-23T10:28)"
check "jsmith: https://$CDN is reset" reset "$J" "https://$CDN/" -4
check "jsmith: instagram is reset" reset "$J" "$IG_URL" -4
stop KILL
rc=$?
kill_ms=$(now_ms)
note "SIGKILL at $(lab_fmt "$(lab_sim_ms "$kill_ms")") (daemon status $rc)"
check "the table is kept after SIGKILL" table_exists
note "deny4: $(elements deny4 | tr '\n' ';')"
note "addr4: $(elements addr4 | grep -E '^198\.51\.100\.1[02] ' | tr '\n' ';')"
# jsmith (cached addresses, as a browser) and the pupil try every 50 ms
# until a minute after the break.
probe_end=$(lab_real_ms 2026-11-23T10:31)
: >"$W/probe-e.log"
while [ "$(now_ms)" -lt "$probe_end" ]; do
	for u in "www.instagram.com:198.51.100.10" "$CDN:198.51.100.12"; do
		h=${u%%:*}
		r=$(lab_get "$J" "https://$h/" -4 --max-time 0.5 --resolve "$h:443:${u#*:}")
		echo "$(now_ms) $h $r" >>"$W/probe-e.log"
	done
	sleep 0.05
done
# first_ok HOST: the real time of the first success; last_bad HOST
first_ok() { awk -v h="$1" '$2 == h && $3 == 0 { print $1; exit }' "$W/probe-e.log"; }
last_bad_before() { awk -v h="$1" -v t="$2" '$2 == h && $3 != 0 && $1 < t { x = $1 } END { printf "%.0f\n", x }' "$W/probe-e.log"; }
nok_before() { awk -v h="$1" -v t="$2" '$2 == h && $3 == 0 && $1 < t { n++ } END { print n + 0 }' "$W/probe-e.log"; }
ok_ig=$(first_ok www.instagram.com)
ok_cdn=$(first_ok "$CDN")
note "probes: $(wc -l <"$W/probe-e.log"); instagram first allowed at $(lab_fmt "$(lab_sim_ms "${ok_ig:-0}")") ($(( ${ok_ig:-0} - break_ms )) ms after 10:30), the CDN at $(lab_fmt "$(lab_sim_ms "${ok_cdn:-0}")") ($(( ${ok_cdn:-0} - break_ms )) ms)"
check "with no daemon, jsmith stays blocked from instagram until 10:30" \
    test "$(nok_before www.instagram.com $((break_ms - 150)))" -eq 0 -a \
    "$(last_bad_before www.instagram.com "$break_ms")" -gt $((break_ms - 600))
check "... and is allowed once the kernel expires the denial at 10:30" \
    test -n "$ok_ig" -a "${ok_ig:-0}" -le $((break_ms + 1000))
check "with no daemon, jsmith stays blocked from the instagram CDN (TTL 60 s) until 10:30" \
    test "$(nok_before "$CDN" $((break_ms - 150)))" -eq 0
check "deny4 has no element for jsmith after 10:30" no_elem deny4 10.10.0.23
check "the pupil is still blocked with no daemon after 10:30" reset "$P" "$IG_URL" -4

echo "# 10. break time (10:30-10:45): a new daemon adopts the table"
start E2 "$(lab_sim_now),60x" E
check "the new daemon adopts the table" logged "adopting table inet schoolgate"
check "staff2: curl https://www.instagram.com works in the break" works "$T" "$IG_URL"
check "jsmith: curl https://www.instagram.com works in the break" works "$J" "$IG_URL" -4
check "pupil: still reset in the break" reset "$P" "$IG_URL" -4
check "the daemon logs ALLOW_QUOTA for staff2" \
    logged "verdict 10.10.0.31 instagram (ip:10.10.0.31/staff): ALLOW_QUOTA"
check "the daemon logs BLOCK_GROUP for the pupil" \
    logged "verdict 10.10.32.5 instagram (ip:10.10.32.5/pupils): BLOCK_GROUP"
# jsmith uses his allowance: a steady download (320 kB/s, 53 kB per
# simulated tick).  SIGKILL once the state file says 90 s are used.
spawn "$J" "$W/dl-e.log" python3 "$LT" download 198.51.100.10 www.instagram.com /slow/400 25
dl=$LAB_LAST
for i in $(seq 100); do
	u=$(used jsmith "$W/state-e")
	[ "${u:-0}" -ge 90 ] && break
	sleep 0.05
done
stop KILL
u1=$(used jsmith "$W/state-e")
note "SIGKILL at $(lab_sim_now) with jsmith's use at ${u1:-none} s in state-e/state"
check "the state file had jsmith's use when the daemon was killed" test "${u1:-0}" -ge 90
start E3 "$(lab_sim_now),60x"
check "the third daemon adopts the table" logged "adopting table inet schoolgate"
check "... and restores the allowances" logged "state: restored [1-9][0-9]* allowances"
e3_ms=$LAB_CLOCK_MS
for i in $(seq 40); do
	u2=$(used jsmith "$W/state-e")
	[ "${u2:-0}" != "${u1:-0}" ] && break
	sleep 0.05
done
ticks=$(( ($(now_ms) - e3_ms) * 60 / 10000 + 1 ))
note "state-e/state: jsmith ${u2:-none} s, $ticks tick(s) into E3"
check "E3 carries jsmith's use on: ${u1:-0} s + at most $ticks tick(s) (${u2:-none} s)" \
    test "${u2:-0}" -gt "${u1:-0}" -a "${u2:-0}" -le $(( ${u1:-0} + ticks * 10 ))
# The download goes on, on the connection it opened at 10:31, with no new
# lookup: the address's DNS TTL (300 s) runs out at about 10:36.
ttl_end=$(( $(lab_real_ms 2026-11-23T10:36) + 500 ))
lab_sleep_until "$ttl_end"
for i in $(seq 40); do lab_no_elem addr4 198.51.100.10 && break; sleep 0.05; done
u3=$(used jsmith "$W/state-e")
note "$(lab_sim_now): addr4 has $(elements addr4 | grep -c '^198\.51\.100\.10 ') element(s) for 198.51.100.10; download: $(tr '\n' ' ' <"$W/dl-e.log")"
sleep 1.5
u4=$(used jsmith "$W/state-e")
note "jsmith's use: ${u3:-none} s, 90 simulated s later ${u4:-none} s"
check "a download that outlives its address's DNS TTL is still metered" \
    test "${u4:-0}" -ge $(( ${u3:-0} + 60 ))
kill "$dl" 2>/dev/null
stop

# ---------------------------------------------------------------- run D
echo "# 4. the daily allowance (17:00, daily_quota 30m, active_bytes 16k, tick 10s)"
lab_conf "$W/D.conf" on_exit=flush state_dir="$W/state-d"
start D "2026-11-23T17:00,60x"
check "jsmith: https://www.instagram.com works at 17:00" works "$J" "$IG_URL" -4
check "the verdict is ALLOW_QUOTA until 17:30" \
    logged "verdict 10.10.0.23 instagram (jsmith/staff): ALLOW_QUOTA until 2026-11-23T17:30"
# staff2: idle keep-alives to instagram, one small request every 100 ms
spawn "$T" "$W/hold-t.log" python3 "$LT" hold 198.51.100.10 www.instagram.com 34
hold_t=$LAB_LAST
# jsmith's browser looks the name up again now and then (every 90
# simulated s; the TTL is 300 s), as browsers do while they are used:
# the address stays known (without that, see "outlives its address's
# DNS TTL" above).
spawn "$J" /dev/null sh -c "while :; do python3 $LT query 10.10.0.23 0 10.10.0.53 99 www.instagram.com; sleep 1.5; done"
resolver_loop=$LAB_LAST
# jsmith downloads at a steady rate (320 kB/s: 53 kB per simulated tick)
spawn "$J" "$W/dl-j.log" python3 "$LT" download 198.51.100.10 www.instagram.com /slow/900 50
dl=$LAB_LAST
for i in $(seq 100); do grep -q '^start' "$W/dl-j.log" && break; sleep 0.02; done
start_ms=$(sed -n 's/^start //p' "$W/dl-j.log")
SIM0_MS=$(lab_sim_ms "${start_ms:-0}")
note "jsmith's download started at $(lab_fmt "$SIM0_MS")"
lab_wait_log "verdict 10.10.0.23 instagram (jsmith/staff): BLOCK_QUOTA" 36000
for i in $(seq 60); do kill -0 "$dl" 2>/dev/null || break; sleep 0.05; done
v_ms=$(lab_log_ms "verdict 10.10.0.23 instagram (jsmith/staff): BLOCK_QUOTA")
cut_ms=$(sed -n 's/^cut: .* at \([0-9]*\) bytes.*/\1/p' "$W/dl-j.log")
note "download: $(tr '\n' ' ' <"$W/dl-j.log")"
note "BLOCK_QUOTA logged after $(sim_s "${v_ms:-0}") simulated s of use, the download cut after $(sim_s "${cut_ms:-0}") s"
check "the daemon's log says BLOCK_QUOTA for jsmith" \
    logged "verdict 10.10.0.23 instagram (jsmith/staff): BLOCK_QUOTA until 2026-11-24T00:00"
check "BLOCK_QUOTA came after 30 simulated minutes of use ± one tick (1800 ± 10 s, +2 s to measure)" \
    between 1788 1812 "$(sim_s "${v_ms:-0}")"
check "jsmith's open download is cut after 1800 ± 10 s (+2 s to measure)" \
    between 1788 1812 "$(sim_s "${cut_ms:-0}")"
check "... within 300 ms (real) of the verdict" \
    test -n "$cut_ms" -a -n "$v_ms" -a $(( ${cut_ms:-0} - ${v_ms:-0} )) -ge -50 -a $(( ${cut_ms:-0} - ${v_ms:-0} )) -le 300
check "jsmith: new connections are reset" reset "$J" "$IG_URL" -4
check "... over IPv6 too" reset "$J" "$IG_URL" -6
kill "$dl" "$resolver_loop" 2>/dev/null
sleep 0.3
note "state: $(grep '^quota' "$W/state-d/state" | tr '\n' ';')"
check "state_dir/state records jsmith's used seconds = the allowance (1800)" \
    test "$(used jsmith "$W/state-d")" = 1800
wait "$hold_t"
note "staff2 keep-alives: $(tr '\n' ' ' <"$W/hold-t.log")"
check "staff2's idle keep-alive connection was not cut in 34 simulated minutes" grep -q alive "$W/hold-t.log"
check "staff2's keep-alives used none of the allowance" test "$(used ip:10.10.0.31 "$W/state-d")" = "" -o "$(used ip:10.10.0.31 "$W/state-d")" = 0
check "staff2 still reaches instagram" works "$T" "$IG_URL"
stop
check "with on_exit = flush the table is gone after D stops" sh -c "! ip netns exec $G nft list table inet schoolgate >/dev/null 2>&1"

secs=$(( ($(now_ms) - T0) / 1000 ))
if [ "$LAB_FAIL" -gt 0 ]; then
	for f in "$W"/daemon-*.log; do
		echo "---- $f"
		grep -v '^$' "$f" | tail -n 40 | sed 's/^/     | /'
	done
fi
echo "summary: $((LAB_PASS + LAB_FAIL)) checks, $LAB_FAIL failed, $LAB_RACES first-contact races retried (lab live, ${secs}s)"
[ "$LAB_FAIL" -eq 0 ]
