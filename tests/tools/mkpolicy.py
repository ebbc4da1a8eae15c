#!/usr/bin/env python3
"""Write the school-day capture the policy replay test runs on.

    tests/tools/mkpolicy.py OUT.pcap

Monday 23 November 2026 (a term day; GMT), on a school LAN 10.10.0.0/16
with its resolver at 10.10.0.53:

  07:59:58  jsmith (10.10.0.23) looks up www.instagram.com (answer
            198.51.100.10, TTL 3600) and opens TLS to it, then exchanges
            12 x 1400 bytes every 10 s until 08:40 -- 40 minutes of use,
            so the 30-minute allowance runs out at the 180th tick
  08:05     a pupil's device (10.10.32.5) looks up www.instagram.com
  08:06     the pupil's device sends jsmith a forged answer for
            www.facebook.com (203.0.113.99) that matches no query; jsmith
            then sends 2 MB to that address, which must count for nothing
  12:20     cjones's tablet (known by its MAC, on the pupils' Wi-Fi,
            10.10.40.9) looks up www.instagram.com in the lunch break
  17:00     abrown (10.10.0.31) looks up www.instagram.com and keeps a
            connection open with 200-byte keep-alives every 10 s until
            17:30 (idle: costs nothing), then uses it for 3 ticks

Packets are built by hand (Ethernet, IPv4, UDP/TCP, DNS, a TLS
ClientHello with SNI): the test needs exact times and byte counts, not a
browser.
"""
import struct
import sys

T0 = 1795392000          # 2026-11-23T00:00:00Z (GMT: UTC+0 in November)
MAC_GW = bytes.fromhex("020000000001")


def mac_of(ip):
    return bytes([2, 0]) + bytes(int(x) for x in ip.split("."))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000,
                      64, proto, 0, bytes(int(x) for x in src.split(".")),
                      bytes(int(x) for x in dst.split(".")))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def frame(src, dst, proto, l4):
    lan_src = src.startswith("10.10.")
    smac = mac_of(src) if lan_src else MAC_GW
    dmac = MAC_GW if lan_src else mac_of(dst)
    return dmac + smac + b"\x08\x00" + ipv4(src, dst, proto, l4)


def udp(src, dst, sport, dport, payload):
    return frame(src, dst, 17,
                 struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) +
                 payload)


def tcp(src, dst, sport, dport, seq, payload, flags=0x18):
    return frame(src, dst, 6,
                 struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 5 << 4,
                             flags, 65535, 0, 0) + payload)


def qname(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) \
        + b"\0"


def dns_query(qid, name):
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname(name) + \
        struct.pack("!HH", 1, 1)


def dns_answer(qid, name, addr, ttl):
    return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + qname(name) + \
        struct.pack("!HH", 1, 1) + \
        struct.pack("!HHHIH", 0xC00C, 1, 1, ttl, 4) + \
        bytes(int(x) for x in addr.split("."))


def client_hello(name):
    n = name.encode()
    sni = struct.pack("!HBH", len(n) + 3, 0, len(n)) + n
    ext = struct.pack("!HH", 0, len(sni)) + sni
    body = b"\x03\x03" + bytes(range(32)) + b"\x00" + \
        struct.pack("!H", 2) + b"\x13\x01" + b"\x01\x00" + \
        struct.pack("!H", len(ext)) + ext
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


class Pcap:
    def __init__(self):
        self.pkts = []

    def add(self, t, data):
        self.pkts.append((t, data))

    def write(self, path):
        self.pkts.sort(key=lambda p: p[0])
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t, d in self.pkts:
                sec = int(t)
                usec = int(round((t - sec) * 1e6))
                f.write(struct.pack("<IIII", sec, usec, len(d), len(d)))
                f.write(d)


def lookup(p, t, client, port, qid, name, addr, ttl=3600):
    p.add(t, udp(client, "10.10.0.53", port, 53, dns_query(qid, name)))
    p.add(t + 0.01, udp("10.10.0.53", client, 53, port,
                        dns_answer(qid, name, addr, ttl)))


def session(p, t, client, cport, server, name):
    p.add(t, tcp(client, server, cport, 443, 1000, b"", 0x02))
    p.add(t + 0.01, tcp(server, client, 443, cport, 5000, b"", 0x12))
    p.add(t + 0.02, tcp(client, server, cport, 443, 1001, client_hello(name)))


def bulk(p, start, end, client, cport, server, per_tick, size):
    """per_tick packets of size IP bytes from server in every 10 s."""
    payload = b"\x17" * (size - 40)
    k = 0
    while start + k * 10 < end:
        for j in range(per_tick):
            p.add(start + k * 10 + 0.5 + j * 0.75,
                  tcp(server, client, 443, cport, 6000 + j, payload))
        k += 1


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: mkpolicy.py OUT.pcap")
    p = Pcap()
    h = 3600
    # jsmith: 40 minutes of use from 08:00.
    lookup(p, T0 + 8 * h - 2, "10.10.0.23", 40001, 0x1001,
           "www.instagram.com", "198.51.100.10")
    session(p, T0 + 8 * h - 1, "10.10.0.23", 50001, "198.51.100.10",
            "www.instagram.com")
    bulk(p, T0 + 8 * h, T0 + 8 * h + 40 * 60, "10.10.0.23", 50001,
         "198.51.100.10", 12, 1400)
    # A pupil's device.
    lookup(p, T0 + 8 * h + 300, "10.10.32.5", 40002, 0x2002,
           "www.instagram.com", "198.51.100.10")
    # A forged answer from the pupil's device, matching no query.
    p.add(T0 + 8 * h + 360,
          udp("10.10.32.5", "10.10.0.23", 53, 40003,
              dns_answer(0x3003, "www.facebook.com", "203.0.113.99", 3600)))
    bulk(p, T0 + 8 * h + 361, T0 + 8 * h + 361 + 200, "10.10.0.23", 50002,
         "203.0.113.99", 12, 1400)
    # cjones's tablet, known by its MAC only, on the pupils' Wi-Fi at
    # lunch: the answer carries no client MAC, the query did.
    lookup(p, T0 + 12 * h + 20 * 60, "10.10.40.9", 40005, 0x5005,
           "www.instagram.com", "198.51.100.10")
    # abrown: idle keep-alives for half an hour, then 3 ticks of use.
    lookup(p, T0 + 17 * h - 2, "10.10.0.31", 40004, 0x4004,
           "www.instagram.com", "198.51.100.10")
    session(p, T0 + 17 * h - 1, "10.10.0.31", 50004, "198.51.100.10",
            "www.instagram.com")
    bulk(p, T0 + 17 * h, T0 + 17 * h + 1800, "10.10.0.31", 50004,
         "198.51.100.10", 1, 200)
    bulk(p, T0 + 17 * h + 1800, T0 + 17 * h + 1830, "10.10.0.31", 50004,
         "198.51.100.10", 12, 1400)
    p.write(sys.argv[1])


if __name__ == "__main__":
    main()
