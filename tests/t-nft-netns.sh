#!/bin/sh
# nft.c against the real kernel, with real traffic, in network namespaces:
#
#   client (10.10.0.23/24, fd10::23/64)
#     -- gw (10.10.0.1, fd10::1 | 198.51.100.1, 2001:db8:100::1; forwarding;
#            build/nftctl sets the rule set up here; block page on :8080)
#     -- server (198.51.100.10, 2001:db8:100::10: HTTP/80, TLS/443,
#                UDP/443 echo, TCP/7000 echo)
#
# Needs root, iproute2 (ip netns), nft, python3, curl and openssl: exits
# 77 (skip) without them.  Runs in about 30 s.
# get() prints "rc body time" and callers split it on purpose:
# shellcheck disable=SC2046
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

skip() { echo "skip: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "not root (network namespaces need it)"
for t in ip nft python3 curl openssl; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
done
ip netns list >/dev/null 2>&1 || skip "ip netns unavailable"
if [ ! -x "$B/nftctl" ]; then
	make -s "$B/nftctl" >/dev/null 2>&1 || { echo "cannot build $B/nftctl"; exit 1; }
fi
NFTCTL=$top/$B/nftctl

sfx=$$
C=sgc$sfx G=sgg$sfx S=sgs$sfx
tmp=$(mktemp -d /tmp/t-nft-netns.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	ip netns del "$C" 2>/dev/null
	ip netns del "$G" 2>/dev/null
	ip netns del "$S" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$C" && ip netns add "$G" && ip netns add "$S" ||
	skip "cannot create network namespaces"
inc() { ip netns exec "$C" "$@"; }
ing() { ip netns exec "$G" "$@"; }
ins() { ip netns exec "$S" "$@"; }

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() {	# description command...
	d=$1; shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}

# Topology --------------------------------------------------------------
ip link add c0 netns "$C" type veth peer name c1 netns "$G"
ip link add s0 netns "$S" type veth peer name s1 netns "$G"
for n in "$C" "$G" "$S"; do ip -n "$n" link set lo up; done
ip -n "$C" link set c0 up
ip -n "$G" link set c1 up
ip -n "$G" link set s1 up
ip -n "$S" link set s0 up
ip -n "$C" addr add 10.10.0.23/24 dev c0
ip -n "$C" addr add fd10::23/64 dev c0 nodad
ip -n "$G" addr add 10.10.0.1/24 dev c1
ip -n "$G" addr add fd10::1/64 dev c1 nodad
ip -n "$G" addr add 198.51.100.1/24 dev s1
ip -n "$G" addr add 2001:db8:100::1/64 dev s1 nodad
ip -n "$S" addr add 198.51.100.10/24 dev s0
ip -n "$S" addr add 2001:db8:100::10/64 dev s0 nodad
ip -n "$C" route add default via 10.10.0.1
ip -n "$C" -6 route add default via fd10::1
ip -n "$S" route add default via 198.51.100.1
ip -n "$S" -6 route add default via 2001:db8:100::1
ing sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

# Servers ----------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=server \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
cat >"$tmp/srv.py" <<'EOF'
import http.server, socket, socketserver, ssl, sys, threading, time

class H(http.server.BaseHTTPRequestHandler):
    body = b"server\n"
    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        if self.path.startswith("/big/"):
            self.reply(b"x" * int(self.path[5:]))
        else:
            self.reply(self.body)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.reply(b"ok\n")
    def log_message(self, *a):
        pass

class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    allow_reuse_address = True
    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

def echo_tcp(port):
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("::", port)); ls.listen(16)
    def one(c):
        try:
            while True:
                d = c.recv(4096)
                if not d:
                    break
                c.sendall(d)
        except OSError:
            pass
    while True:
        c, _ = ls.accept()
        threading.Thread(target=one, args=(c,), daemon=True).start()

def echo_udp(port):
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    u.bind(("::", port))
    while True:
        d, a = u.recvfrom(2048)
        u.sendto(d, a)

def push_tcp(port):		# sends a byte every 100 ms, reads nothing
    l = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    l.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("::", port))
    l.listen(8)
    def one(c):
        try:
            while True:
                c.sendall(b"d")
                time.sleep(0.1)
        except OSError:
            pass
    while True:
        c, _ = l.accept()
        threading.Thread(target=one, args=(c,), daemon=True).start()

mode = sys.argv[1]
if mode == "server":
    tls = S(("::", 443), H)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
    threading.Thread(target=tls.serve_forever, daemon=True).start()
    threading.Thread(target=echo_tcp, args=(7000,), daemon=True).start()
    threading.Thread(target=echo_udp, args=(443,), daemon=True).start()
    threading.Thread(target=push_tcp, args=(7001,), daemon=True).start()
    S(("::", 80), H).serve_forever()
elif mode == "blockpage":
    H.body = b"blockpage\n"
    S(("::", 8080), H).serve_forever()
elif mode == "udp":		# udp HOST: 0 when the echo comes back
    fam = socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.settimeout(1.0)
    u.sendto(b"ping", (sys.argv[2], 443))
    try:
        u.recvfrom(100)
    except socket.timeout:
        sys.exit(1)
elif mode == "hold":		# hold HOST: an open connection, pinged
    s = socket.create_connection((sys.argv[2], 7000), timeout=3)
    print("open", flush=True)
    t0 = time.time()
    while time.time() - t0 < 15:
        try:
            s.sendall(b"p")
            if not s.recv(1):
                print("closed", flush=True); sys.exit(1)
        except ConnectionResetError:
            print("reset after %.1f s" % (time.time() - t0), flush=True)
            sys.exit(0)
        except socket.timeout:
            print("timeout", flush=True); sys.exit(1)
        time.sleep(0.1)
    print("alive", flush=True); sys.exit(1)
elif mode == "listen":		# listen HOST: a connection that only reads
    s = socket.create_connection((sys.argv[2], 7001), timeout=3)
    print("open", flush=True)
    t0 = time.time()
    try:
        while time.time() - t0 < 15:
            if not s.recv(100):
                print("closed", flush=True); sys.exit(1)
    except ConnectionResetError:
        print("reset after %.1f s" % (time.time() - t0), flush=True)
        sys.exit(0)
    except socket.timeout:
        print("timeout", flush=True); sys.exit(1)
    print("alive", flush=True); sys.exit(1)
EOF
ins python3 "$tmp/srv.py" server "$tmp/cert.pem" "$tmp/key.pem" \
    >"$tmp/server.log" 2>&1 &
pids="$pids $!"
ing python3 "$tmp/srv.py" blockpage >"$tmp/bp.log" 2>&1 &
pids="$pids $!"

# Helpers ----------------------------------------------------------------
V4=198.51.100.10 V6=2001:db8:100::10
# get URL [curl args]: prints "rc body secs"
get() {
	url=$1; shift
	t0=$(date +%s%N)
	body=$(inc curl -sk --max-time 5 "$@" "$url" 2>/dev/null)
	rc=$?
	t1=$(date +%s%N)
	body=$(echo "$body" | head -c 20 | tr -d ' ')
	echo "$rc ${body:--} $(( (t1 - t0) / 1000000 ))ms"
}
works() { set -- $(get "$@"); [ "$1" = 0 ] && [ "$2" = server ]; }
# reset URL: fails fast (< 2 s) with connect refused (7) or a reset
# during TLS (35) or a transfer (56, or 55 when curl was sending): not a
# timeout (28).
reset() {
	set -- $(get "$@")
	case $1 in 7|35|55|56) ;; *) echo "  (curl rc $1)"; return 1 ;; esac
	ms=${3%ms}
	[ "$ms" -lt 2000 ] || { echo "  (took ${ms}ms)"; return 1; }
}
udp_ok() { inc python3 "$tmp/srv.py" udp "$1"; }
udp_dropped() { ! inc python3 "$tmp/srv.py" udp "$1"; }
ctl() { ing "$NFTCTL" "$@"; }
meter_bytes() {	# client mark
	ctl meter | awk -v c="$1" -v m="$2" '$1 == c && $2 == m { print $3 }'
}
no_table() { ! ing nft list table inet schoolgate >/dev/null 2>&1; }

i=0
until works "http://$V4/" && works "https://[$V6]/"; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || { echo "servers did not come up"; cat "$tmp"/*.log; exit 1; }
	sleep 0.1
done

# 1. Before any element ------------------------------------------------
LAN=10.10.0.0/24,fd10::/64
check "setup" ctl setup --lan "$LAN" --blockpage 10.10.0.1:8080 --bp6 fd10::1
check "nft list table lists it" sh -c \
    "ip netns exec $G nft list table inet schoolgate >$tmp/ruleset.txt"
check "https works with no element" works "https://$V4/"
check "udp/443 works with no element" udp_ok $V4
check "add-addr $V4 mark 5" ctl add-addr $V4 5

# 2. The meter, both directions: 200k down, then 200k up -------------------
inc curl -sk --max-time 5 -o /dev/null "http://$V4/big/200000"
m1=$(meter_bytes 10.10.0.23 5)
head -c 200000 /dev/zero >"$tmp/up.bin"
inc curl -sk --max-time 5 -o /dev/null --data-binary "@$tmp/up.bin" "http://$V4/"
m2=$(meter_bytes 10.10.0.23 5)
echo "     meter 10.10.0.23 . 5: ${m1:-none} bytes, then ${m2:-none}"
check "meter counts downstream bytes" test "${m1:-0}" -gt 200000
check "meter counts upstream bytes" test "$(( ${m2:-0} - ${m1:-0} ))" -gt 200000

# 3. Deny: reset, drop, open connections cut, block page ------------------
inc python3 "$tmp/srv.py" hold $V4 >"$tmp/hold.log" 2>&1 &
hold=$!
inc python3 "$tmp/srv.py" listen $V4 >"$tmp/listen.log" 2>&1 &
listen=$!
sleep 0.5
check "add-deny 10.10.0.23 . 5" ctl add-deny 10.10.0.23 5
check "https is reset" reset "https://$V4/"
check "udp/443 is dropped" udp_dropped $V4
wait "$hold"
hrc=$?
echo "     open connection: $(tr '\n' ' ' <"$tmp/hold.log")"
check "an open connection is cut by a reset" test "$hrc" -eq 0
wait "$listen"
lrc=$?
echo "     listening connection: $(tr '\n' ' ' <"$tmp/listen.log")"
check "a connection that only receives is reset too (the server's data becomes RST)" \
    test "$lrc" -eq 0
set -- $(get "http://$V4/")
check "http/80 reaches the block page" test "$1 $2" = "0 blockpage"
check "del-deny" ctl del-deny 10.10.0.23 5
check "https works after del-deny" works "https://$V4/"
check "udp/443 works after del-deny" udp_ok $V4
check "http/80 reaches the server again" works "http://$V4/"

# 4. A flow mapped to mark 0 is exempt ------------------------------------
ctl add-deny 10.10.0.23 5
check "add-flow 10.10.0.23 . $V4 . 40123 mark 0" ctl add-flow 10.10.0.23 $V4 40123 0
check "the exempt flow works" works "https://$V4/" --local-port 40123
check "other flows are still reset" reset "https://$V4/" --local-port 40124
ctl del-flow 10.10.0.23 $V4 40123
ctl del-deny 10.10.0.23 5

# 5. Element timeouts ------------------------------------------------------
check "add-deny with a 1.5 s timeout" ctl add-deny 10.10.0.23 5 1500
check "reset while it lasts" reset "https://$V4/"
sleep 2
check "works once it expired" works "https://$V4/"
check "add-addr with a 1 s timeout" ctl add-addr 198.51.100.99 7 1000
check "the timeout is listed" sh -c "ip netns exec $G $NFTCTL list addr4 | grep -q '^c6336463 : 07000000 1000 '"
sleep 1.5
check "the address is gone" sh -c "! ip netns exec $G $NFTCTL list addr4 | grep -q c6336463"

# 6. Errors name the element -------------------------------------------
out=$(ctl del-deny 10.10.0.99 5 2>&1)
echo "     $out"
check "deleting a missing element names it" sh -c \
    "echo '$out' | grep -q 'delete element deny4 10.10.0.99 . 5: No such file'"

# 7. IPv6 ----------------------------------------------------------------
check "add-addr $V6 mark 5" ctl add-addr $V6 5
check "https over IPv6 works" works "https://[$V6]/"
check "add-deny fd10::23 . 5" ctl add-deny fd10::23 5
check "https over IPv6 is reset" reset "https://[$V6]/"
check "udp/443 over IPv6 is dropped" udp_dropped $V6
set -- $(get "http://[$V6]/")
check "http/80 over IPv6 reaches the block page" test "$1 $2" = "0 blockpage"
check "IPv4 is not denied by the IPv6 element" works "https://$V4/"
m6=$(meter_bytes fd10::23 5)
check "meter counts fd10::23 . 5 (${m6:-none} bytes)" test "${m6:-0}" -gt 0
check "del-deny fd10::23 . 5" ctl del-deny fd10::23 5
check "https over IPv6 works again" works "https://[$V6]/"

# 8. 100k elements in one batch -------------------------------------------
out=$(ctl bulk 100000 2>&1)
rc=$?
echo "     $out"
check "100k elements in one batch" test "$rc" -eq 0

# 9. delete, then persist and adopt ---------------------------------------
check "delete" ctl delete
check "the table is gone" no_table
check "https works with no table" works "https://$V4/"
out=$(ctl setup --persist --lan "$LAN" 2>&1)
echo "     $out"
case $out in
*"flags 0x6"*)
	ctl add-addr $V4 5
	ctl add-deny 10.10.0.23 5
	check "persist: the table outlives its owner (flags 0x4)" \
	    test "$(ctl flags)" = 0x4
	check "persist: still enforced with no owner" reset "https://$V4/"
	ctl setup --persist --lan "$LAN" --hold 2 >"$tmp/hold2.log" 2>&1 &
	holder=$!
	i=0
	until grep -q holding "$tmp/hold2.log" || [ "$i" -ge 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	check "adopt: the new process owns it (flags 0x6)" test "$(ctl flags)" = 0x6
	check "adopt: others may not change it" sh -c \
	    "! ip netns exec $G nft add element inet schoolgate deny4 '{ 10.10.0.24 . 5 }' 2>/dev/null"
	check "adopt: deny elements kept" sh -c \
	    "ip netns exec $G $NFTCTL list deny4 | grep -q '^0a0a001705000000 '"
	check "adopt: still enforced" reset "https://$V4/"
	wait "$holder"
	check "adopt: orphaned again after exit (flags 0x4)" test "$(ctl flags)" = 0x4
	check "delete a persist table" ctl delete
	check "it is gone" no_table
	;;
*"flags 0x0"*)
	echo "     owner/persist unsupported by this kernel: adopting unowned"
	ctl add-deny 10.10.0.23 5
	ctl setup --persist --lan "$LAN" >/dev/null 2>&1
	check "adopt: still enforced" reset "https://$V4/"
	check "delete" ctl delete
	;;
*)
	bad "setup --persist: $out"
	;;
esac

echo "summary: $pass passed, $fail failed (nft netns)"
[ "$fail" -eq 0 ]
