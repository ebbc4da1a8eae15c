#!/bin/sh
# The daemon's interfaces to the system, in a throwaway network namespace:
#
# schoolgated speaks systemd's notify protocol (Type=notify): READY=1
# once its table is in place, STATUS= lines with live figures, WATCHDOG=1
# at least every WatchdogSec/3 from the loop, RELOADING=1 and READY=1
# around a reload (SIGHUP), STOPPING=1 on SIGTERM.  And a reload: a
# broken configuration is reported with file:line and the running one
# stays in force (the daemon keeps running); a good one is taken.  And
# schoolgatectl over the control socket: status, who, quota, reload,
# errors for bad requests, and a non-admin user kept out.  A python listener
# plays systemd on a NOTIFY_SOCKET; the daemon runs in a throwaway
# network namespace.  Root only (skips otherwise).
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
[ "$(id -u)" -eq 0 ] || { echo "skip: not root (network namespaces)"; exit 77; }
for t in ip nft python3 curl pgrep; do
	command -v "$t" >/dev/null 2>&1 || { echo "skip: $t not installed"; exit 77; }
done
ns=sgdaemon$$
w=$(mktemp -d /tmp/t-notify.XXXXXX)
cleanup() {
	[ -n "${lpid:-}" ] && kill "$lpid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	ip link del "sgn$$" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$w"
}
trap cleanup EXIT
ip netns add "$ns" || exit 1
ip link add "sgn$$" type veth peer name lan0 netns "$ns" || exit 1
ip -n "$ns" link set lan0 up
ip -n "$ns" link set lo up
mkdir -p "$w/state" "$w/ovr"
cat >"$w/s.conf" <<CONF
[gateway]
interface = lan0
lan = 10.10.0.0/16
state_dir = $w/state
control_socket = $w/control.sock
platforms_dir = $top/conf/platforms.d
overrides_dir = $w/ovr
on_exit = flush
[schedule]
lessons = 08:45-16:00
[group staff]
members = 10.10.0.0/24
outside = quota
[person jsmith]
group = staff
devices = 10.10.0.23
CONF

# The listener: every datagram, one line each, to $w/notify.
python3 - "$w/notify.sock" "$w/notify" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", " | ") + "\n")
PY
lpid=$!
i=0
while [ ! -S "$w/notify.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

NOTIFY_SOCKET=$w/notify.sock WATCHDOG_USEC=600000 \
    ip netns exec "$ns" "$B/schoolgated" -d -f "$w/s.conf" >"$w/log" 2>&1 &
dpid=$!
i=0
while ! grep -q READY=1 "$w/notify" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
sleep 1.5
# The privilege split: the daemon has no capability left, its enforcer
# child only CAP_NET_ADMIN (bit 12).
caps() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null; }
epid=$(pgrep -P "$dpid" | head -n 1)
{
	echo "daemon CapEff=$(caps "$dpid" CapEff) CapPrm=$(caps "$dpid" CapPrm)"
	echo "enforcer ${epid:-none} CapEff=$(caps "${epid:-0}" CapEff)" \
	    "CapPrm=$(caps "${epid:-0}" CapPrm) name=$(cat "/proc/${epid:-0}/comm" 2>/dev/null)"
} >"$w/caps"
# A broken configuration: refused, the daemon carries on.
cp "$w/s.conf" "$w/good.conf"
printf '[group pupils]\nmembers = 10.10.32.0/19\noutside = sometimes\n' \
    >>"$w/s.conf"
kill -HUP "$dpid"
sleep 0.5
# A good one with a change: taken.
cp "$w/good.conf" "$w/s.conf"
printf '[group pupils]\nmembers = 10.10.32.0/19\n' >>"$w/s.conf"
kill -HUP "$dpid"
sleep 0.5
kill -0 "$dpid" 2>/dev/null || echo "FAIL the daemon died on a bad reload"

# schoolgatectl.
ctl() { "$B/schoolgatectl" -s "$w/control.sock" "$@"; }
ctl status >"$w/ctl-status" 2>&1; echo "rc=$?" >>"$w/ctl-status"
ctl who >"$w/ctl-who" 2>&1; echo "rc=$?" >>"$w/ctl-who"
ctl quota jsmith >"$w/ctl-quota" 2>&1; echo "rc=$?" >>"$w/ctl-quota"
ctl quota nobody >"$w/ctl-quota-bad" 2>&1; echo "rc=$?" >>"$w/ctl-quota-bad"
ctl dance >"$w/ctl-bad" 2>&1; echo "rc=$?" >>"$w/ctl-bad"
ctl reload >"$w/ctl-reload" 2>&1; echo "rc=$?" >>"$w/ctl-reload"
printf 'status\r\n' | timeout 3 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); s.shutdown(socket.SHUT_WR)
b = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    b += d
print(b.decode(), end="")' "$w/control.sock" >"$w/ctl-cr" 2>&1
if command -v setpriv >/dev/null 2>&1; then
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$B/schoolgatectl" -s "$w/control.sock" status >"$w/ctl-nobody" 2>&1
	echo "rc=$?" >>"$w/ctl-nobody"
fi
# Prometheus, in the namespace (loopback by default).
ip netns exec "$ns" curl -s -m 3 -o "$w/metrics" -w '%{http_code}' \
    http://127.0.0.1:9654/metrics >"$w/metrics-code" 2>&1
ip netns exec "$ns" curl -s -m 3 -o /dev/null -w '%{http_code}' \
    http://127.0.0.1:9654/other >"$w/metrics-404" 2>&1
ip netns exec "$ns" curl -s -m 3 -o /dev/null -w '%{http_code}' \
    -X POST http://127.0.0.1:9654/metrics >"$w/metrics-405" 2>&1
python3 tests/tools/promcheck.py "$w/metrics" schoolgate_up \
    schoolgate_capture_dropped_total schoolgate_packets_total \
    schoolgate_observations_total schoolgate_dns_answers_ignored_total \
    schoolgate_nft_batches_total schoolgate_nft_batch_errors_total \
    schoolgate_denials schoolgate_quota_exhausted_today \
    >"$w/promcheck" 2>&1; echo "rc=$?" >>"$w/promcheck"
kill -0 "$dpid" 2>/dev/null || echo "FAIL the daemon died on a control request"
kill -TERM "$dpid"
wait "$dpid"
rc=$?
sleep 0.2
# A daemon whose enforcer dies stops (status 1) rather than run without
# enforcement; systemd starts it again.
sed 's/^on_exit = flush$/on_exit = flush\ntick = 1s/' "$w/good.conf" >"$w/tick.conf"
ip netns exec "$ns" "$B/schoolgated" -d -f "$w/tick.conf" >"$w/log2" 2>&1 &
d2=$!
i=0
while ! grep -q "started:" "$w/log2" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
e2=$(pgrep -P "$d2" | head -n 1)
[ -n "$e2" ] && kill -KILL "$e2"
i=0
while kill -0 "$d2" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$d2" 2>/dev/null; then
	kill -KILL "$d2"; echo "rc=still running" >>"$w/log2"
else
	wait "$d2"; echo "rc=$?" >>"$w/log2"
fi

fail=0
check() {	# description pattern [min count]
	n=$(grep -c -- "$2" "$w/notify")
	if [ "$n" -ge "${3:-1}" ]; then echo "ok   $1 ($n)"
	else echo "FAIL $1 (seen $n)"; fail=$((fail + 1)); fi
}
check "READY=1 at start" '^READY=1'
check "STATUS= with live figures" '^STATUS=.*packets.*addresses learned'
check "WATCHDOG=1 every WatchdogSec/3 (0.6 s: >= 5 in 2 s)" '^WATCHDOG=1' 5
check "RELOADING=1 on SIGHUP" '^RELOADING=1 | MONOTONIC_USEC='
check "READY=1 again after the reload" '^READY=1' 2
logcheck() {	# description pattern
	if grep -q -- "$2" "$w/log"; then echo "ok   $1"
	else echo "FAIL $1"; fail=$((fail + 1)); fi
}
logcheck "a bad reload is refused with file:line" \
    "reload failed; the running configuration stays in force"
logcheck "... naming the line" "s.conf:1[0-9]: \[group pupils\] outside = sometimes"
logcheck "a good reload is taken" "reloaded: 64 platforms"
fcheck() {	# description file pattern
	if grep -q -- "$3" "$w/$2"; then echo "ok   $1"
	else echo "FAIL $1"; sed 's/^/     | /' "$w/$2"; fail=$((fail + 1)); fi
}
fcheck "ctl status: uptime" ctl-status "^uptime "
fcheck "ctl status: capture figures" ctl-status "^capture lan0 *received"
fcheck "ctl status: denials in force" ctl-status "^denials  *0 in force"
fcheck "ctl status: exit 0" ctl-status "^rc=0"
fcheck "ctl who: header, exit 0" ctl-who "^DEVICE"
fcheck "ctl quota jsmith: 30 minutes" ctl-quota "^allowance  *30m00s"
fcheck "ctl quota jsmith: resets at midnight" ctl-quota "^resets .*T00:00:00"
fcheck "ctl quota nobody: an error" ctl-quota-bad "no person nobody"
fcheck "ctl quota nobody: exit 1" ctl-quota-bad "^rc=1"
fcheck "ctl dance: unknown verb" ctl-bad "unknown verb 'dance'"
fcheck "ctl dance: exit 1" ctl-bad "^rc=1"
fcheck "ctl reload" ctl-reload "^reloaded"
fcheck "a request with a control byte is refused" ctl-cr "error: byte 0x0d"
fcheck "the daemon holds no capability" caps \
    "^daemon CapEff=0000000000000000 CapPrm=0000000000000000"
fcheck "the enforcer holds CAP_NET_ADMIN alone" caps \
    "^enforcer [0-9]* CapEff=0000000000001000 CapPrm=0000000000001000 name=sg-enforcer"
fcheck "a daemon whose enforcer dies says so" log2 "the enforcer is gone; stopping"
fcheck "... and stops with status 1" log2 "^rc=1"
fcheck "metrics: /metrics answers 200" metrics-code "^200"
fcheck "metrics: other paths 404" metrics-404 "^404"
fcheck "metrics: POST 405" metrics-405 "^405"
fcheck "metrics: a valid exposition with the figures" promcheck "^rc=0"
if [ -f "$w/ctl-nobody" ]; then
	fcheck "a user outside schoolgate-admin is kept out" ctl-nobody \
	    "ermission denied"
fi
check "STOPPING=1 on SIGTERM" '^STOPPING=1'
[ "$rc" -eq 0 ] || { echo "FAIL exit status $rc"; fail=$((fail + 1)); }
if [ "$fail" -ne 0 ]; then
	echo "--- notifications"; cat "$w/notify"; echo "--- daemon"; cat "$w/log"
	exit 1
fi
echo "summary: notify protocol, reload and control socket as expected"
