#!/usr/bin/env python3
"""Lab helpers for tests/lab/lab.sh and its users (standard library only).

  livetool.py server CERT KEY SLOWNETS
      "The internet": TLS on [::]:443 and HTTP on [::]:80 (dual stack,
      HTTP/1.1 keep-alive) and a UDP echo on [::]:443.  Paths: / (a short
      page naming the local address), /big/N (N bytes), /slow/N (N chunks
      of 16 KiB, one every 50 ms).  On local addresses inside SLOWNETS
      (comma-separated prefixes) the server answers 10 ms after the
      ClientHello arrived.  Every completed TLS handshake is printed as
      "hs LOCAL PEER SNI" on stdout.

  livetool.py hold ADDR SNI [SECS]
      Open one TLS connection to ADDR:443 with SNI, then send a keep-alive
      GET every 100 ms.  Prints "open" once the first reply came, then
      "cut: WHY after S s at EPOCH_MS" and exits 0 when the connection is reset,
      closed or stalls; "alive" and exit 1 after SECS (default 20).

  livetool.py download ADDR SNI PATH [SECS]
      One HTTPS GET of PATH from ADDR:443 with SNI (e.g. /slow/600: 16 KiB
      every 50 ms), read as it comes.  Prints "start EPOCH_MS" when the
      reply's head came, then "cut: WHY after S s at EPOCH_MS bytes N"
      (exit 0) when the connection is reset, closed early or stalls for
      1 s (the time printed is then that of the last data), or "done
      bytes N" (exit 1) at its end or after SECS (default 120).

  livetool.py query SRCADDR SRCPORT RESOLVER QID NAME
      Send one DNS query (type A) from SRCADDR:SRCPORT with id QID;
      print the answer's addresses, or "noanswer" after 1 s.

  livetool.py forge SRC SPORT DST DPORT QID QNAME ADDR
      Send a forged DNS answer (IPv4, raw socket, any source address):
      QNAME A ADDR, id QID, from SRC:SPORT to DST:DPORT.

  livetool.py forgeq SRC SPORT DST DPORT QID QNAME [ADDR]
      Send a forged DNS query (IPv4, raw socket, any source address):
      QNAME type A, id QID, from SRC:SPORT to DST:DPORT; with ADDR, then
      at once the matching answer QNAME A ADDR from DST:DPORT to
      SRC:SPORT (before a real resolver could answer).

  livetool.py evilns ADDR ANSWER
      A resolver on ADDR:53 (UDP) that answers every query with ANSWER.

  livetool.py storm N RESOLVER DOMAIN THREADS
      N times: resolve sI.DOMAIN (type A) at RESOLVER, then a TLS
      handshake to the answer with that SNI (1 s timeout).  Prints
      "resolved R completed C failed F" and the failure kinds.

  livetool.py sni N ADDR DOMAIN THREADS
      N TLS handshakes to ADDR:443 with SNI fI.DOMAIN, without DNS.
"""
import collections
import http.server
import ipaddress
import random
import select
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time


# ---------------------------------------------------------------- server
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        if p.startswith("/big/"):
            self.reply(b"x" * int(p[5:]))
        elif p.startswith("/slow/") or p.startswith("/trickle/"):
            n = int(p.split("/")[2])
            size = 16384 if p.startswith("/slow/") else 1024
            self.send_response(200)
            self.send_header("Content-Length", str(n * size))
            self.end_headers()
            for _ in range(n):
                self.wfile.write(b"y" * size)
                self.wfile.flush()
                time.sleep(0.05)
        else:
            local = self.connection.getsockname()[0]
            self.reply(("server %s\n" % local.replace("::ffff:", "")).encode())

    def log_message(self, *a):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def handle_error(self, request, client_address):
        pass


class TLSServer(Server):
    ctx = None
    slow = []
    lock = threading.Lock()

    def finish_request(self, request, client_address):
        local = ipaddress.ip_address(
            request.getsockname()[0].replace("::ffff:", ""))
        request.settimeout(5)
        if any(local in n for n in self.slow):
            # 10 ms after the ClientHello arrived, not after accept.
            r, _, _ = select.select([request], [], [], 5)
            if not r:
                return
            time.sleep(0.010)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        with self.lock:
            print("hs %s %s %s" % (local, client_address[0].replace(
                "::ffff:", ""), getattr(tls, "sg_sni", None) or "-"),
                flush=True)
        self.RequestHandlerClass(tls, client_address, self)


def udp_echo():
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    u.bind(("::", 443))
    while True:
        d, a = u.recvfrom(2048)
        u.sendto(d, a)


def server(cert, key, slownets):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.sni_callback = lambda sock, name, c: setattr(sock, "sg_sni", name)
    TLSServer.ctx = ctx
    TLSServer.slow = [ipaddress.ip_network(n) for n in slownets.split(",")
                      if n]
    tls = TLSServer(("::", 443), Handler)
    threading.Thread(target=tls.serve_forever, daemon=True).start()
    threading.Thread(target=udp_echo, daemon=True).start()
    print("listening", flush=True)
    Server(("::", 80), Handler).serve_forever()


# ---------------------------------------------------------------- clients
def client_ctx():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def connect(addr, timeout):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((addr, 443))
    return s


def read_reply(t):
    """One HTTP/1.1 reply with Content-Length from TLS socket t."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = t.recv(4096)
        if not d:
            raise EOFError("closed")
        buf += d
    head, body = buf.split(b"\r\n\r\n", 1)
    n = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":")[1])
    while len(body) < n:
        d = t.recv(65536)
        if not d:
            raise EOFError("closed")
        body += d
    return body


def hold(addr, sni, secs=20.0):
    t = client_ctx().wrap_socket(connect(addr, 3), server_hostname=sni)
    t.settimeout(2)
    req = ("GET / HTTP/1.1\r\nHost: %s\r\n\r\n" % sni).encode()
    t.sendall(req)
    read_reply(t)
    print("open", flush=True)
    t0 = time.time()
    while time.time() - t0 < secs:
        try:
            t.sendall(req)
            read_reply(t)
        except (ConnectionResetError, ssl.SSLError, EOFError,
                BrokenPipeError) as e:
            print("cut: %s after %.2f s at %d" % (
                type(e).__name__, time.time() - t0, time.time() * 1000),
                flush=True)
            return 0
        except socket.timeout:
            # The last request went unanswered for 2 s: it was sent
            # 2 s ago.
            print("cut: stalled after %.2f s at %d" % (
                time.time() - t0 - 2, (time.time() - 2) * 1000), flush=True)
            return 0
        time.sleep(0.1)
    print("alive", flush=True)
    return 1


def download(addr, sni, path, secs=120.0):
    t = client_ctx().wrap_socket(connect(addr, 3), server_hostname=sni)
    t.settimeout(1.0)
    t.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" %
               (path, sni)).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = t.recv(4096)
        if not d:
            print("cut: EOFError before the reply", flush=True)
            return 0
        buf += d
    head, body = buf.split(b"\r\n\r\n", 1)
    n = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":")[1])
    t0 = time.time()
    print("start %d" % (t0 * 1000), flush=True)
    got, last = len(body), time.time()
    while got < n and time.time() - t0 < secs:
        try:
            d = t.recv(65536)
        except (ConnectionResetError, ssl.SSLError, BrokenPipeError) as e:
            why = type(e).__name__
        except socket.timeout:
            why = "stalled"
        else:
            if d:
                got += len(d)
                last = time.time()
                continue
            why = "EOFError"
        if why != "stalled":
            last = time.time()
        print("cut: %s after %.2f s at %d bytes %d" % (
            why, last - t0, last * 1000, got), flush=True)
        return 0
    print("done bytes %d" % got, flush=True)
    return 1


def dns_query_bytes(qid, name, qtype=1):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", qtype, 1)


def dns_answer_bytes(qid, name, addr, ttl=300):
    a = bytearray(dns_query_bytes(qid, name))
    a[2:4] = struct.pack(">H", 0x8180)        # response, RD, RA
    a[6:8] = struct.pack(">H", 1)             # one answer
    return bytes(a) + struct.pack(">HHHIH", 0xc00c, 1, 1, ttl, 4) + \
        socket.inet_aton(addr)


def dns_addrs(resp, qid):
    """The A records of a response (no compression needed for names
    but pointers are skipped)."""
    if len(resp) < 12:
        return []
    rid, flags, qd, an = struct.unpack(">HHHH", resp[:8])
    if rid != qid or not flags & 0x8000:
        return []
    i = 12

    def skip_name(i):
        while True:
            ln = resp[i]
            if ln & 0xc0 == 0xc0:
                return i + 2
            if ln == 0:
                return i + 1
            i += ln + 1
    for _ in range(qd):
        i = skip_name(i) + 4
    out = []
    for _ in range(an):
        i = skip_name(i)
        typ, cls, ttl, rdlen = struct.unpack(">HHIH", resp[i:i + 10])
        i += 10
        if typ == 1 and rdlen == 4:
            out.append(socket.inet_ntoa(resp[i:i + 4]))
        i += rdlen
    return out


def resolve(resolver, name, timeout=1.0, src=("", 0)):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(src)
    u.settimeout(timeout)
    qid = random.randrange(65536)
    u.sendto(dns_query_bytes(qid, name), (resolver, 53))
    try:
        while True:
            d, _ = u.recvfrom(4096)
            a = dns_addrs(d, qid)
            if a:
                return a
    except socket.timeout:
        return []
    finally:
        u.close()


def query(src, sport, resolver, qid, name):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((src, int(sport)))
    u.settimeout(1.0)
    u.sendto(dns_query_bytes(int(qid), name), (resolver, 53))
    try:
        d, _ = u.recvfrom(4096)
        print(" ".join(dns_addrs(d, int(qid))) or "empty")
    except OSError:         # a timeout, or ICMP port unreachable
        print("noanswer")
    return 0


def evilns(addr, answer):
    """A resolver on the internet that answers every A query with
    answer: the kind a pupil can run and query."""
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((addr, 53))
    while True:
        d, a = u.recvfrom(4096)
        if len(d) < 12:
            continue
        qid = struct.unpack(">H", d[:2])[0]
        i, labels = 12, []
        while i < len(d) and d[i] != 0:
            labels.append(d[i + 1:i + 1 + d[i]].decode("ascii", "replace"))
            i += d[i] + 1
        u.sendto(dns_answer_bytes(qid, ".".join(labels), answer), a)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def forge(src, sport, dst, dport, qid, qname, addr):
    payload = dns_answer_bytes(int(qid), qname, addr)
    raw_udp(src, int(sport), dst, int(dport), payload)
    return 0


def raw_udp(src, sport, dst, dport, payload):
    ulen = 8 + len(payload)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + \
        struct.pack("!BBH", 0, 17, ulen)
    udp = struct.pack("!HHHH", int(sport), int(dport), ulen, 0)
    c = csum(pseudo + udp + payload) or 0xffff
    udp = struct.pack("!HHHH", int(sport), int(dport), ulen, c)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(ip + udp + payload, (dst, 0))
    s.close()


def forgeq(src, sport, dst, dport, qid, qname, addr=None):
    raw_udp(src, int(sport), dst, int(dport),
            dns_query_bytes(int(qid), qname))
    if addr:
        raw_udp(dst, int(dport), src, int(sport),
                dns_answer_bytes(int(qid), qname, addr))
    return 0


def handshake(addr, sni, kinds):
    try:
        s = connect(addr, 1.0)
    except OSError as e:
        kinds["connect:" + type(e).__name__] += 1
        return False
    try:
        t = client_ctx().wrap_socket(s, server_hostname=sni)
        t.close()
        return True
    except (OSError, ssl.SSLError) as e:
        kinds["tls:" + type(e).__name__] += 1
        s.close()
        return False


def run_parallel(n, threads, fn):
    lock = threading.Lock()
    counter = iter(range(n))

    def worker():
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            fn(i)
    ts = [threading.Thread(target=worker) for _ in range(int(threads))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def storm(n, resolver, domain, threads):
    kinds = collections.Counter()
    res = collections.Counter()
    lock = threading.Lock()

    def one(i):
        name = "s%d.%s" % (i, domain)
        a = resolve(resolver, name)
        if not a:
            with lock:
                res["unresolved"] += 1
            return
        ok = handshake(a[0], name, kinds)
        with lock:
            res["resolved"] += 1
            res["completed" if ok else "failed"] += 1
    run_parallel(int(n), threads, one)
    print("resolved %d completed %d failed %d unresolved %d %s" % (
        res["resolved"], res["completed"], res["failed"],
        res["unresolved"], dict(kinds)))
    return 0


def sni(n, addr, domain, threads):
    kinds = collections.Counter()
    res = collections.Counter()
    lock = threading.Lock()

    def one(i):
        ok = handshake(addr, "f%d.%s" % (i, domain), kinds)
        with lock:
            res["completed" if ok else "failed"] += 1
    run_parallel(int(n), threads, one)
    print("completed %d failed %d %s" % (res["completed"], res["failed"],
                                         dict(kinds)))
    return 0


def main(argv):
    cmds = {"server": server, "hold": hold, "query": query, "forge": forge,
            "storm": storm, "sni": sni, "evilns": evilns,
            "download": download, "forgeq": forgeq}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.exit(__doc__)
    args = argv[2:]
    if argv[1] == "hold" and len(args) == 3:
        args[2] = float(args[2])
    if argv[1] == "download" and len(args) == 4:
        args[3] = float(args[3])
    return cmds[argv[1]](*args) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
