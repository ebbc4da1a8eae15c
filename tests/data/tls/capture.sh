#!/bin/sh
# Capture the ClientHellos of the local TLS clients (openssl s_client,
# curl) as they go on the wire: a listener on 127.0.0.1 keeps the first
# bytes a client sends.  Regenerates the real-client inputs of this
# directory; the others are written by `build/check_tls --write-seeds`.
#
# usage: tests/data/tls/capture.sh [DIR]
set -eu
dir=${1:-$(dirname "$0")}
port=${PORT:-48443}

grab() {	# file command...
	out=$1; shift
	python3 - "$port" "$dir/$out" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
c, _ = s.accept(); c.settimeout(1.0); data = b""
try:
    while True:
        b = c.recv(65536)
        if not b: break
        data += b
except socket.timeout:
    pass
open(sys.argv[2], "wb").write(data)
PY
	lpid=$!
	sleep 0.5
	timeout 3 "$@" </dev/null >/dev/null 2>&1 || true
	wait "$lpid"
	echo "$out: $(wc -c <"$dir/$out") bytes"
}

c="127.0.0.1:$port"
grab openssl-tls13.bin openssl s_client -connect "$c" \
    -servername www.instagram.com -alpn h2,http/1.1
grab openssl-nosni.bin openssl s_client -connect "$c" -noservername
grab openssl-tls12.bin openssl s_client -connect "$c" -tls1_2 \
    -servername Edge-Chat.Facebook.COM
grab curl.bin curl -sk --resolve "www.tiktok.com:$port:127.0.0.1" \
    "https://www.tiktok.com:$port/"
