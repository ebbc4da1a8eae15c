#!/usr/bin/env python3
"""The crash soak's lab helpers and driver (scripts/soak; standard
library only).

  soaktool.py server ADDR
      "The platform": plain TCP on ADDR:443 that streams 16 KiB every 5 ms
      to every connection until it goes away (about 3 MB/s).

  soaktool.py client RESOLVER NAME LOG
      The staff member: resolves NAME at RESOLVER every 0.5 s and keeps
      one download from it running, reconnecting 20 ms after any failure.
      LOG gets "c MS" (connected), "d MS BYTES" (received, every >= 5 ms),
      "x MS WHY" (failed or cut), "r MS ADDR" (resolved); MS is the
      wall-clock time in ms.

  soaktool.py probe RESOLVER NAME LOG
      The pupil: every 50 ms a TCP connect to NAME:443 (resolved at
      RESOLVER every second), closed at once.  LOG gets "ok MS" per
      success and "t MS TRIES OK REFUSED TIMEOUT" every second and at
      SIGTERM.

  soaktool.py drive ARGS...
      The soak itself (scripts/soak runs it): lives the daemon through
      simulated days, SIGKILLs it at random moments and restarts it on a
      clock that continues where it was, injects state-save faults, then
      checks the figures.  See run() below and scripts/soak.
"""
import datetime
import hashlib
import json
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import zoneinfo

TZ = zoneinfo.ZoneInfo("Europe/London")


def now_ms():
    return int(time.time() * 1000)


# ---------------------------------------------------------------- DNS
# The lab's DNS helpers (tests/lab/livetool.py, beside this file).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from livetool import dns_addrs, dns_query_bytes  # noqa: E402


def resolve(resolver, name, timeout=0.5):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(timeout)
    qid = random.randrange(65536)
    try:
        u.sendto(dns_query_bytes(qid, name), (resolver, 53))
        while True:
            d, _ = u.recvfrom(4096)
            a = dns_addrs(d, qid)
            if a:
                return a[0]
    except OSError:
        return None
    finally:
        u.close()


# ---------------------------------------------------------------- lab
def server(addr):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, 443))
    ls.listen(256)
    chunk = b"y" * 16384

    def stream(c):
        try:
            c.settimeout(2)
            while True:
                c.sendall(chunk)
                time.sleep(0.005)
        except OSError:
            pass
        finally:
            c.close()
    print("listening", flush=True)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=stream, args=(c,), daemon=True).start()


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    def put(self, s):
        with self.lock:
            self.f.write(s + "\n")


def resolver_thread(resolver, name, log, box, period):
    while True:
        a = resolve(resolver, name)
        if a:
            box[0] = a
        log.put("r %d %s" % (now_ms(), a or "none"))
        time.sleep(period)


def client(resolver, name, path):
    log = Log(path)
    box = [None]
    threading.Thread(target=resolver_thread,
                     args=(resolver, name, log, box, 0.5),
                     daemon=True).start()
    while True:
        if box[0] is None:
            time.sleep(0.02)
            continue
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(0.5)
        try:
            s.connect((box[0], 443))
            log.put("c %d" % now_ms())
            n, last = 0, time.time()
            while True:
                d = s.recv(65536)
                if not d:
                    raise EOFError("closed")
                n += len(d)
                t = time.time()
                if t - last >= 0.005:
                    log.put("d %d %d" % (int(t * 1000), n))
                    n, last = 0, t
        except (OSError, EOFError) as e:
            log.put("x %d %s" % (now_ms(), type(e).__name__))
        finally:
            s.close()
        time.sleep(0.02)


def probe(resolver, name, path):
    log = Log(path)
    box = [None]
    cnt = {"tries": 0, "ok": 0, "refused": 0, "timeout": 0}
    threading.Thread(target=resolver_thread,
                     args=(resolver, name, log, box, 1.0),
                     daemon=True).start()

    def total(*_):
        log.put("t %d %d %d %d %d" % (now_ms(), cnt["tries"], cnt["ok"],
                                      cnt["refused"], cnt["timeout"]))
    signal.signal(signal.SIGTERM, lambda *a: (total(), os._exit(0)))
    last = time.time()
    while True:
        if box[0] is not None:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(0.3)
            cnt["tries"] += 1
            try:
                s.connect((box[0], 443))
                cnt["ok"] += 1
                log.put("ok %d" % now_ms())
            except ConnectionRefusedError:
                if cnt["refused"] == 0:
                    log.put("armed %d" % now_ms())
                cnt["refused"] += 1
            except OSError:
                cnt["timeout"] += 1
            finally:
                s.close()
        if time.time() - last >= 1:
            total()
            last = time.time()
        time.sleep(0.05)


# ---------------------------------------------------------------- state file
def parse_state(text):
    """The state file's quota lines {(holder, day): used} and the saved
    time; raises ValueError when it is not whole (checksum, end line)."""
    m = re.search(rb"\nend (\d+) (\d+) sha256=([0-9a-f]{64})\n\Z", text)
    if not text.startswith(b"schoolgate-state 1\n") or not m:
        raise ValueError("no header or end line")
    body = text[:m.start(3)]
    if hashlib.sha256(body).hexdigest() != m.group(3).decode():
        raise ValueError("checksum")
    quota, saved, nq, ni = {}, None, 0, 0
    for line in text[:m.start()].decode().split("\n")[1:]:
        f = line.split()
        if f[0] == "saved":
            saved = int(f[1])
        elif f[0] == "quota":
            quota[(f[1], int(f[2]))] = int(f[3])
            nq += 1
        elif f[0] == "ip":
            ni += 1
    if (nq, ni) != (int(m.group(1)), int(m.group(2))):
        raise ValueError("counts")
    return saved, quota


def read_state(path):
    try:
        with open(path, "rb") as f:
            text = f.read()
    except FileNotFoundError:
        return None
    return parse_state(text)


# ---------------------------------------------------------------- time
def local(t):
    return datetime.datetime.fromtimestamp(t, TZ)


def local_day(t):
    return (local(t).date() - datetime.date(1970, 1, 1)).days


def clock_arg(t, rate):
    return "%s,%dx" % (local(t).strftime("%Y-%m-%dT%H:%M:%S"), rate)


def at(t, hhmm):
    """The instant hh:mm on t's local day."""
    d = local(t)
    h, m = map(int, hhmm.split(":"))
    return d.replace(hour=h, minute=m, second=0, microsecond=0).timestamp()


class Schedule:
    def __init__(self, lessons, brk):
        self.lessons = lessons.split("-")
        self.brk = brk.split("-")

    def _windows(self, t):
        """Blocked-by-lessons windows of t's day, as instants."""
        if local(t).weekday() >= 5:
            return []
        l0, l1 = at(t, self.lessons[0]), at(t, self.lessons[1])
        b0, b1 = at(t, self.brk[0]), at(t, self.brk[1])
        return [(l0, b0), (b1, l1)]

    def lesson(self, t):
        return any(a <= t < b for a, b in self._windows(t))

    def next_change(self, t):
        """The next instant after t the lesson state changes (or
        midnight)."""
        cands = [x for w in self._windows(t) for x in w if x > t]
        nxt = local(t).replace(hour=0, minute=0, second=0, microsecond=0)
        nxt = (nxt + datetime.timedelta(days=1)).timestamp()
        # tz-aware arithmetic across a DST change: good enough for Nov.
        return min(cands + [nxt])

    def next_midnight(self, t):
        d = local(t).date() + datetime.timedelta(days=1)
        return datetime.datetime(d.year, d.month, d.day,
                                 tzinfo=TZ).timestamp()


# ---------------------------------------------------------------- driver
class Soak:
    def __init__(self, a):
        self.a = a
        self.W = a["work"]
        self.statef = os.path.join(self.W, "state", "state")
        self.rng = random.Random(a["seed"])
        self.sched = Schedule(a["lessons"], a["break"])
        self.quota = a["quota"]
        self.tick = 10
        self.lives = []
        self.samples = []        # (real s, saved, {day: used}) on change
        self.bad_samples = []
        self.stop = False
        self.ok = 0
        self.fail = 0
        self.out = open(os.path.join(self.W, "soak.out"), "a", buffering=1)

    def say(self, s):
        print(s, flush=True)
        self.out.write(s + "\n")

    def check(self, what, cond, detail=""):
        if cond:
            self.ok += 1
            self.say("ok   %s" % what)
        else:
            self.fail += 1
            self.say("FAIL %s%s" % (what, (" (%s)" % detail) if detail
                                    else ""))
        return cond

    # ---- the state sampler
    def sampler(self):
        last = None
        while not self.stop:
            try:
                with open(self.statef, "rb") as f:
                    text = f.read()
            except FileNotFoundError:
                time.sleep(0.003)
                continue
            if text != last:
                last = text
                t = time.time()
                try:
                    saved, q = parse_state(text)
                    self.samples.append((t, saved, self.jdays(q)))
                except ValueError as e:
                    self.bad_samples.append((t, str(e)))
            time.sleep(0.003)

    def jdays(self, q):
        return {d: u for (h, d), u in q.items() if h == "jsmith"}

    def file_days(self):
        r = read_state(self.statef)
        return ({}, None) if r is None else (self.jdays(r[1]), r[0])

    # ---- the daemon
    def launch(self, sim, rate, fault):
        n = len(self.lives)
        logp = os.path.join(self.W, "daemon-%03d.log" % n)
        env = dict(os.environ)
        cmd = ["ip", "netns", "exec", self.a["gwns"]]
        if fault:
            cmd += ["env", "LD_PRELOAD=" + self.a["faultfs"],
                    "FAULTFS_CALL=" + fault["call"],
                    "FAULTFS_ERRNO=" + fault["errno"],
                    "FAULTFS_PATH=" + os.path.join(self.W, "state",
                                                   "state.tmp.*"),
                    "FAULTFS_NTH=%d" % fault["nth"],
                    "FAULTFS_COUNT=%d" % fault["count"]]
        cmd += [self.a["daemon"], "-d", "-v", "-f", self.a["conf"],
                "--clock", clock_arg(sim, rate)]
        days, saved = self.file_days()
        life = {"n": n, "sim": sim, "rate": rate, "fault": fault,
                "log": logp, "load": days, "load_saved": saved,
                "had_state": os.path.exists(self.statef)}
        lf = open(logp, "w")
        life["r0"] = time.time()
        life["proc"] = subprocess.Popen(cmd, stdout=lf, stderr=lf,
                                        env=env)
        lf.close()
        self.lives.append(life)
        return life

    def logtext(self, life):
        with open(life["log"], errors="replace") as f:
            return f.read()

    def wait_log(self, life, pat, secs):
        end = time.time() + secs
        while time.time() < end:
            if re.search(pat, self.logtext(life)):
                return True
            if life["proc"].poll() is not None:
                return bool(re.search(pat, self.logtext(life)))
            time.sleep(0.01)
        return False

    def kill(self, life, sig=signal.SIGKILL):
        alive = life["proc"].poll() is None
        life["alive_at_kill"] = alive
        life["proc"].send_signal(sig)
        life["r1"] = time.time()
        life["rc"] = life["proc"].wait()
        life["post"], life["post_saved"] = self.file_days()

    # ---- the plan: rate and how long this life lives
    def exhausted(self, sim):
        days, _ = self.file_days()
        return days.get(local_day(sim), 0) >= self.quota

    def plan(self, sim):
        """(rate, cap in real s): 60x while the staff member may use the
        allowance; fast through lessons and after the allowance ran
        out, ending a little before the next moment it applies again."""
        fast = self.a["fast"]
        if not self.sched.lesson(sim) and not self.exhausted(sim):
            return 60, None
        if self.exhausted(sim):
            nxt = self.sched.next_midnight(sim)
        else:
            nxt = self.sched.next_change(sim)
        # 60 simulated s (50 ms real) before it: the kernel's timeouts
        # run at this life's rate until the next daemon has started and
        # adopted them at its own rate.
        cap = (nxt - 60 - sim) / fast
        if cap < 0.05:
            return 60, None
        return fast, cap

    def delay(self, rate):
        m = self.a["mean_meter"] if rate == 60 else self.a["mean_fast"]
        x = self.rng.random()
        if x < 0.2:
            return self.rng.uniform(0.002, 0.15)    # often before started:
        if x < 0.8:
            return self.rng.uniform(0.15, 2 * m)
        return self.rng.uniform(2 * m, 4 * m)

    def fault_spec(self, i):
        return {"call": ["write", "fsync", "rename"][i % 3],
                "errno": ["EIO", "ENOSPC"][(i // 3 + i) % 2],
                "nth": self.rng.randint(1, 3),
                "count": self.rng.randint(2, 6)}

    # ---- the run
    def run(self):
        a = self.a
        threading.Thread(target=self.sampler, daemon=True).start()
        sim = a["start"]
        kills = 0
        lf = 0
        self.t0 = time.time()
        nfault = 0
        since, gap = 0, 4
        while kills < a["kills"]:
            sim = self.sim_next(sim)
            rate, cap = self.plan(sim)
            fault = None
            # Every fifth to eighth life while the allowance is metered
            # (a save at every tick) runs with failing saves.
            since += 1
            if rate == 60 and kills >= 2 and since >= gap:
                fault = self.fault_spec(nfault)
                nfault += 1
                since, gap = 0, self.rng.randint(4, 7)
            life = self.launch(sim, rate, fault)
            if kills == 0:
                self.wait_log(life, r"started:", 5)
                self.start_clients()
            if fault:
                # Until the fault came and went, then a little more.
                self.wait_log(life, r"state: saved again", 8)
                time.sleep(self.rng.uniform(0, 0.3))
            else:
                d = self.delay(rate)
                if kills == 1:
                    d = self.rng.uniform(0.001, 0.02)   # before started:
                if cap is not None:
                    d = min(d, cap)
                time.sleep(d)
            self.kill(life)
            kills += 1
            el = life["r1"] - life["r0"]
            nsim = life["sim"] + el * rate
            pd = life["post"]
            self.say("     life %3d %s %5.0fx %6.3fs%s -> used %s" % (
                life["n"], clock_arg(life["sim"], rate).split(",")[0],
                rate, el, " fault %(call)s %(errno)s" % fault
                if fault else "", pd.get(local_day(nsim), 0)))
        # A last life, stopped with SIGTERM once the allowance of the
        # day ran out (so that even a short run sees BLOCK_QUOTA hold),
        # at most 45 s.
        sim = self.sim_next(sim)
        rate, cap = self.plan(sim)
        life = self.launch(sim, rate, None)
        self.wait_log(life, r"started:", 5)
        end = time.time() + 45
        while time.time() < end:
            s = life["sim"] + (time.time() - life["r0"]) * rate
            if self.exhausted(s):
                break
            time.sleep(0.05)
        time.sleep(1.5)
        self.kill(life, signal.SIGTERM)
        life["last"] = True
        self.stop_clients()
        self.stop = True
        time.sleep(0.05)
        self.analyse(kills, nfault)

    def sim_next(self, sim):
        """The clock of the next daemon: the last start + the real time
        since it was launched (the kill and this moment included) x its
        rate, rounded up to the second: never back, so no tick is
        charged twice."""
        if not self.lives:
            return sim
        L = self.lives[-1]
        return float(int(L["sim"] + (time.time() - L["r0"]) * L["rate"]) + 1)

    def start_clients(self):
        a = self.a
        self.clog = os.path.join(self.W, "client.log")
        self.plog = os.path.join(self.W, "probe.log")
        me = os.path.abspath(__file__)
        self.cp = subprocess.Popen(["ip", "netns", "exec", a["staffns"],
                                    "python3", me, "client", a["resolver"],
                                    a["name"], self.clog])
        # The pupil asks the resolver first (as a browser does): the
        # daemon decides its verdict from the query, before any connect.
        time.sleep(0.3)
        self.pp = subprocess.Popen(["ip", "netns", "exec", a["pupilns"],
                                    "python3", me, "probe", a["resolver"],
                                    a["name"], self.plog])

    def stop_clients(self):
        self.pp.terminate()
        self.pp.wait()
        self.cp.kill()
        self.cp.wait()

    # ---- the figures
    def clock_map(self):
        """Per life: the daemon's lag behind our estimate of its clock
        (it reads the monotonic clock a few ms after we launched it),
        from the saved times in the state file."""
        lags = []
        for L in self.lives:
            r1 = L.get("r1", time.time())
            best = None
            for (t, saved, _) in self.samples:
                if L["r0"] < t <= r1 and saved is not None:
                    v = L["sim"] + (t - L["r0"]) * L["rate"] - saved
                    best = v if best is None else min(best, v)
            # lag in real seconds
            if best is not None:
                L["lag"] = max(0.0, min(best, 0.2 * L["rate"])) / \
                    L["rate"]
                lags.append(L["lag"])
        med = sorted(lags)[len(lags) // 2] if lags else 0.005
        for L in self.lives:
            L.setdefault("lag", med)
        return med

    def sim_at(self, r):
        """The simulated time at wall-clock r (the last life started
        before r; its clock continues through the gap after it)."""
        cur = None
        for L in self.lives:
            if L["r0"] <= r:
                cur = L
        if cur is None:
            return None
        return cur["sim"] + (r - cur["r0"] - cur["lag"]) * cur["rate"]

    def client_events(self):
        ev = []
        with open(self.clog) as f:
            for line in f:
                p = line.split()
                if len(p) >= 2 and p[0] in "cdxr":
                    ev.append((int(p[1]) / 1000.0, p[0],
                               int(p[2]) if p[0] == "d" else p[2:]))
        return ev

    def analyse(self, kills, nfault):
        med = self.clock_map()
        ev = self.client_events()
        dts = [(t, n) for (t, k, n) in ev if k == "d"]
        import bisect
        dtimes = [t for t, _ in dts]
        cum = [0]
        for _, n in dts:
            cum.append(cum[-1] + n)

        def bytes_between(r0, r1):
            i, j = bisect.bisect_left(dtimes, r0), bisect.bisect_right(
                dtimes, r1)
            return cum[j] - cum[i]

        self.say("# figures")
        self.say("     daemon clock lag (median): %.1f ms" % (med * 1000))
        # 1. the state loads after every kill
        loads_ok, started, fails_load = 0, 0, []
        for L in self.lives:
            txt = self.logtext(L)
            if "started:" not in txt:
                continue
            started += 1
            restored = re.search(r"state: restored \d+ allowances", txt)
            bad = re.search(r"moved aside|starting without it|state\.bad",
                            txt)
            if (restored or not L["had_state"]) and not bad:
                loads_ok += 1
            else:
                fails_load.append(L["n"])
        badfiles = [f for f in os.listdir(os.path.join(self.W, "state"))
                    if f.startswith("state.bad")]
        self.check("every daemon that started loaded the state "
                   "(%d of %d)" % (loads_ok, started),
                   loads_ok == started, "lives %s" % fails_load[:10])
        self.check("the state file was whole at every one of %d samples "
                   "and after every kill" % len(self.samples),
                   not self.bad_samples and not badfiles,
                   "%s %s" % (self.bad_samples[:3], badfiles))
        notsaved = [L["n"] for L in self.lives if not L["fault"] and
                    "NOT SAVED" in self.logtext(L)]
        self.check("no state save failed without an injected fault",
                   not notsaved, "lives %s" % notsaved[:10])

        # 2/3. quota: never backwards, lost <= one tick per kill
        back, lost_max, lost_tot, over = [], 0, 0, []
        charged_tot = certain_tot = possible_tot = 0
        per_life = []
        for L in self.lives:
            pre, post = L["load"], L["post"]
            for d, u in pre.items():
                if d in post and post[d] < u:
                    back.append((L["n"], d, u, post[d]))
            # the last value seen before the kill
            last = {}
            for (t, _, q) in self.samples:
                if t < L["r1"]:
                    last = q
            for d, u in last.items():
                if d in post and post[d] < u:
                    back.append((L["n"], d, u, post[d], "sampled"))
            charged = sum(u - pre.get(d, 0) for d, u in post.items())
            s0 = L["sim"]
            s1 = L["sim"] + (L["r1"] - L["r0"] - L["lag"]) * L["rate"]
            m = 1.0 + 0.02 * L["rate"]
            left = {}

            def room(d):
                if d not in left:
                    left[d] = self.quota - pre.get(d, 0)
                return left[d]
            cert, poss = {}, {}
            b = (int(s0) // self.tick + 1) * self.tick
            while b <= s1 + m:
                d = local_day(b - 1)
                if not self.sched.lesson(b - 5):
                    poss[d] = poss.get(d, 0) + self.tick
                    if b - self.tick >= s0 + m and b <= s1 - m and \
                            L["rate"] == 60:
                        ra = L["r0"] + L["lag"] + (b - self.tick + 1 - s0) \
                            / L["rate"]
                        rb = L["r0"] + L["lag"] + (b - 1 - s0) / L["rate"]
                        if bytes_between(ra, rb) >= 2 * 16384:
                            cert[d] = cert.get(d, 0) + self.tick
                b += self.tick
            c = sum(min(v, max(0, room(d))) for d, v in cert.items())
            p = sum(min(v, max(0, room(d))) for d, v in poss.items())
            lost = max(0, c - charged)
            if not L.get("last"):
                lost_max = max(lost_max, lost)
                lost_tot += lost
            if charged > p:
                over.append((L["n"], charged, p))
            charged_tot += charged
            certain_tot += c
            possible_tot += p
            per_life.append((L["n"], L["rate"], charged, c, p, lost))
        with open(os.path.join(self.W, "lives.tsv"), "w") as f:
            f.write("life\trate\tcharged\tcertain\tpossible\tlost\n")
            for row in per_life:
                f.write("\t".join(map(str, row)) + "\n")
        self.say("     allowance charged %d s; certainly active and "
                 "metered %d s; at most %d s" % (charged_tot, certain_tot,
                                                  possible_tot))
        self.check("the allowance used never went backwards across a kill",
                   not back, str(back[:5]))
        self.check("quota lost per kill <= one tick (max %d s)" % lost_max,
                   lost_max <= self.tick)
        self.check("total charged (%d s) >= certainly active (%d s) - "
                   "kills x tick (%d s)" % (charged_tot, certain_tot,
                                            kills * self.tick),
                   charged_tot >= certain_tot - kills * self.tick)
        self.check("no life charged more than the ticks it lived through",
                   not over, str(over[:5]))
        days_seen = sorted({d for (_, _, q) in self.samples for d in q})
        # within a day the sampled use never decreases
        mono = []
        prev = {}
        for (t, _, q) in self.samples:
            for d, u in q.items():
                if u < prev.get(d, 0):
                    mono.append((t, d, prev[d], u))
                prev[d] = max(prev.get(d, 0), u)
        self.check("within each day the saved use never decreased "
                   "(%d days)" % len(days_seen), not mono, str(mono[:5]))
        # never beyond the allowance; after BLOCK_QUOTA no new connection
        # until midnight
        beyond = [(d, u) for d, u in prev.items() if u > self.quota]
        self.check("the use saved never passed the allowance",
                   not beyond, str(beyond))
        viol, exh, lessonc = [], 0, []
        conns = [t for (t, k, _) in ev if k == "c"]
        for d in days_seen:
            tx = None
            for (t, _, q) in self.samples:
                if q.get(d, 0) >= self.quota:
                    tx = t
                    break
            if tx is None:
                continue
            exh += 1
            mid = datetime.date(1970, 1, 1) + datetime.timedelta(days=d + 1)
            mid = datetime.datetime(mid.year, mid.month, mid.day,
                                    tzinfo=TZ).timestamp()
            for t in conns:
                s = self.sim_at(t)
                if t > tx + 0.3 and s is not None and s < mid - 60:
                    viol.append((d, round(t - self.t0, 3),
                                 local(s).isoformat()))
            late = bytes_between(tx + 0.5, self.real_at(mid - 60))
            if late:
                viol.append((d, "bytes after BLOCK_QUOTA", late))
        self.check("after BLOCK_QUOTA no new connection (or byte) until "
                   "midnight (%d days exhausted)" % exh, not viol,
                   str(viol[:5]))
        for t in conns:
            s = self.sim_at(t)
            if s is None:
                continue
            m = 1.0 + 0.03 * self.life_at(t)["rate"]
            if self.sched.lesson(s - m) and self.sched.lesson(s + m) and \
                    self.sched.lesson(s):
                lessonc.append(local(s).isoformat())
        self.check("no staff connection during lessons", not lessonc,
                   str(lessonc[:5]))
        self.check("the staff member's allowance ran out at least once",
                   exh >= 1)

        # 4. the pupil: no rule gap
        tries = 0
        okt = []
        armed = None
        with open(self.plog) as f:
            for line in f:
                p = line.split()
                if p[0] == "t":
                    tries = int(p[2])
                elif p[0] == "ok":
                    okt.append(int(p[1]) / 1000.0)
                elif p[0] == "armed":
                    armed = int(p[1]) / 1000.0
        # The first tries race the first daemon's first verdict for the
        # pupil (its SYN can beat the deny the DNS answer caused): they
        # count from the first refusal on, the warm-up is reported.
        p0 = self.lives[0]["r0"]
        warm = [t for t in okt if armed is None or t < armed]
        gap = [round(t - p0, 3) for t in okt if armed is not None and
               t >= armed]
        self.say("     pupil warm-up: %d connect(s) before the first "
                 "refusal" % len(warm))
        self.check("the pupil's %d connects across %d restarts: 0 got "
                   "through" % (tries, len(self.lives) - 1),
                   not gap and tries > 10, "successes at %s" % gap[:10])

        # faults
        cycles, fbad = 0, []
        for L in self.lives:
            if not L["fault"]:
                continue
            txt = self.logtext(L)
            want = {"EIO": "Input/output error",
                    "ENOSPC": "No space left on device"}[L["fault"]["errno"]]
            ns = re.findall(r"state: NOT SAVED: (.*); retrying at the next "
                            r"tick", txt)
            inj = len(re.findall(r"^faultfs: .*: injected", txt, re.M))
            good = (ns and all(want in x for x in ns) and
                    inj == len(ns) == L["fault"]["count"] and
                    "state: saved again" in txt and L["alive_at_kill"])
            if good:
                cycles += 1
            else:
                fbad.append((L["n"], L["fault"], len(ns), inj))
        self.check("every faulty life logged NOT SAVED with its error, "
                   "kept running and saved again (%d cycles)" % cycles,
                   not fbad and cycles >= min(2, nfault) and
                   (cycles > 0 or kills < 10), str(fbad[:5]))
        self.check("killed at least once before the daemon had started",
                   any("started:" not in self.logtext(L)
                       for L in self.lives[:-1]) or kills < 20)
        last = self.lives[-1]
        self.check("the last daemon stopped cleanly on SIGTERM",
                   last["rc"] == 0, "rc %s" % last["rc"])
        span = (self.sim_at(time.time()) or 0) - self.a["start"]
        self.say("     simulated %s to %s (%.1f h)" % (
            local(self.a["start"]).isoformat(),
            local(self.a["start"] + span).isoformat(), span / 3600))
        self.summary = ("kills %d, max quota lost per kill %d s, rule-gap "
                        "successes %d of %d tries, state loads OK %d/%d, "
                        "fault cycles %d, days exhausted %d" % (
                            kills, lost_max, len(gap), tries, loads_ok,
                            started, cycles, exh))

    def real_at(self, s):
        """The wall-clock time the simulated time s was (or will be)
        reached, by the life running then; the end of the run at most."""
        best = None
        for L in self.lives:
            r = L["r0"] + L["lag"] + (s - L["sim"]) / L["rate"]
            if r >= L["r0"]:
                best = r
        return best if best is not None else 0

    def life_at(self, r):
        cur = self.lives[0]
        for L in self.lives:
            if L["r0"] <= r:
                cur = L
        return cur


def drive(cfgpath):
    with open(cfgpath) as f:
        a = json.load(f)
    a["start"] = datetime.datetime.strptime(
        a["clock"], "%Y-%m-%dT%H:%M").replace(tzinfo=TZ).timestamp()
    s = Soak(a)
    t0 = time.time()
    try:
        s.run()
    finally:
        s.stop = True
        for L in s.lives:
            if L["proc"].poll() is None:
                L["proc"].kill()
    s.say("summary: %s; %d checks, %d failed (soak, %ds)" % (
        getattr(s, "summary", "incomplete"), s.ok + s.fail, s.fail,
        time.time() - t0))
    return 0 if s.fail == 0 else 1


def main(argv):
    cmds = {"server": server, "client": client, "probe": probe,
            "drive": drive}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.exit(__doc__)
    return cmds[argv[1]](*argv[2:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
