#!/usr/bin/env python3
"""Lab helpers for scripts/record-sample (standard library only).

  labtool.py split ADDR PORT NAME [SEGMENTS]
      Complete a real TLS handshake and one HTTP request with a ClientHello
      (SNI = NAME) written in separate TCP segments (TCP_NODELAY, a pause
      between writes): the first segment ends before the server_name
      extension, the next ones cut the host name in two, so the SNI is in
      neither the first segment nor any single one.

  labtool.py records ADDR PORT NAME
      As above, but the ClientHello handshake message is fragmented over
      two TLS records (cut inside the host name) sent in one TCP write.

  labtool.py dotq ADDR PORT SNI QNAME CAFILE
      One DNS-over-TLS query (type A) with server_name SNI, the server's
      certificate checked against CAFILE for SNI; prints the answer count.

  labtool.py dot CERT KEY PORT UPSTREAM_ADDR
      A minimal DNS-over-TLS server (RFC 7858): accepts TLS on [::]:PORT
      (dual stack) and relays the length-prefixed DNS stream to
      UPSTREAM_ADDR port 53 over TCP.  Runs until killed.
"""
import socket
import ssl
import struct
import sys
import threading
import time

TIMEOUT = 5.0
PAUSE = 0.05


def _client(name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out, server_hostname=name)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out.read()
    if len(hello) < 9 or hello[0] != 22 or hello[5] != 1:
        sys.exit("labtool: no ClientHello produced")
    return tls, inc, out, hello


def _connect(addr, port):
    s = socket.create_connection((addr, int(port)), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def _finish(s, tls, inc, out, name):
    """Drive the rest of the handshake, send one request, read the reply."""
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            pending = out.read()
            if pending:
                s.sendall(pending)
            data = s.recv(65536)
            if not data:
                sys.exit("labtool: server closed during the handshake")
            inc.write(data)
    pending = out.read()
    if pending:
        s.sendall(pending)
    tls.write(("GET /index.html HTTP/1.0\r\nHost: %s\r\n\r\n" %
               name).encode())
    s.sendall(out.read())
    got, done = 0, False
    try:
        while not done:
            data = s.recv(65536)
            if not data:
                break
            inc.write(data)
            while True:
                try:
                    chunk = tls.read(65536)
                except ssl.SSLWantReadError:
                    break
                except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                    done = True
                    break
                if not chunk:
                    done = True
                    break
                got += len(chunk)
    except socket.timeout:
        pass
    try:
        tls.unwrap()
    except ssl.SSLError:
        pass
    pending = out.read()
    if pending:
        s.sendall(pending)
    s.close()
    print("%s: %s, %d bytes of reply" % (name, tls.version(), got))


def _sni_offset(hello, name):
    off = hello.find(name.encode())
    if off < 0:
        sys.exit("labtool: host name not found in the ClientHello")
    # type(2) length(2) list length(2) name type(1) name length(2)
    return off - 9, off


def split(addr, port, name, segments="3"):
    tls, inc, out, hello = _client(name)
    ext, off = _sni_offset(hello, name)
    n = max(3, int(segments))
    # First segment: everything before the server_name extension; then the
    # host name cut in n-2 places, the last piece carries the rest.
    cuts = [ext]
    for i in range(1, n - 1):
        cuts.append(off + i * len(name) // (n - 1))
    cuts.append(len(hello))
    s = _connect(addr, port)
    prev = 0
    for c in cuts:
        s.sendall(hello[prev:c])
        prev = c
        time.sleep(PAUSE)
    print("ClientHello of %d bytes written as %s" %
          (len(hello), [b - a for a, b in zip([0] + cuts, cuts)]))
    _finish(s, tls, inc, out, name)


def records(addr, port, name):
    tls, inc, out, hello = _client(name)
    _, off = _sni_offset(hello, name)
    version = hello[1:3]
    body = hello[5:]
    cut = off - 5 + len(name) // 2
    wire = b""
    for frag in (body[:cut], body[cut:]):
        wire += b"\x16" + version + struct.pack("!H", len(frag)) + frag
    s = _connect(addr, port)
    s.sendall(wire)
    print("ClientHello of %d bytes in two records of %d and %d" %
          (len(body), cut, len(body) - cut))
    _finish(s, tls, inc, out, name)


def _recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            sys.exit("labtool: connection closed early")
        b += d
    return b


def dotq(addr, port, sni, qname, cafile):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    ctx.set_alpn_protocols(["dot"])
    q = struct.pack("!HHHHHH", 0x5347, 0x0100, 1, 0, 0, 0)
    for label in qname.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\x00" + struct.pack("!HH", 1, 1)
    raw = _connect(addr, port)
    with ctx.wrap_socket(raw, server_hostname=sni) as s:
        s.sendall(struct.pack("!H", len(q)) + q)
        (n,) = struct.unpack("!H", _recv_exact(s, 2))
        r = _recv_exact(s, n)
        ident, flags, _, ancount = struct.unpack("!HHHH", r[:8])
        if ident != 0x5347 or not flags & 0x8000:
            sys.exit("labtool: not an answer to our query")
        print("%s over %s: rcode %d, %d answer records" %
              (qname, s.version(), flags & 0xF, ancount))


def _relay(conn, upstream):
    try:
        conn.settimeout(TIMEOUT)
        up = socket.create_connection((upstream, 53), timeout=TIMEOUT)
        while True:
            hdr = conn.recv(2)
            if len(hdr) < 2:
                break
            (n,) = struct.unpack("!H", hdr)
            q = b""
            while len(q) < n:
                d = conn.recv(n - len(q))
                if not d:
                    return
                q += d
            up.sendall(hdr + q)
            rh = up.recv(2)
            if len(rh) < 2:
                break
            (m,) = struct.unpack("!H", rh)
            r = b""
            while len(r) < m:
                d = up.recv(m - len(r))
                if not d:
                    return
                r += d
            conn.sendall(rh + r)
    except (OSError, ssl.SSLError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def dot(cert, key, port, upstream):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.bind(("::", int(port)))
    ls.listen(16)
    print("dot: listening on [::]:%s" % port, flush=True)
    while True:
        raw, _ = ls.accept()
        try:
            raw.settimeout(TIMEOUT)
            conn = ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            continue
        threading.Thread(target=_relay, args=(conn, upstream),
                         daemon=True).start()


def main(argv):
    cmds = {"split": (split, (3, 4)), "records": (records, (3, 3)),
            "dotq": (dotq, (5, 5)), "dot": (dot, (4, 4))}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.exit(__doc__)
    fn, (lo, hi) = cmds[argv[1]]
    args = argv[2:]
    if not lo <= len(args) <= hi:
        sys.exit(__doc__)
    fn(*args)


if __name__ == "__main__":
    main(sys.argv)
