#!/usr/bin/env python3
"""Drive headless Chromium over the DevTools protocol (standard library only).

  cdp.py [--profile DIR] [--timeout SECS] [--log FILE] [--width W --height H]
         [--ca PEMFILE]... [--host-resolver-rules RULES] [--proxy-server URL]
         [--disable-feature NAME]... [--flag=CHROMIUM_FLAG]... COMMAND...

Commands run in order, in one browser session and one tab:

  goto URL             navigate, wait for the page's load event; prints
                       "goto URL -> STATUS FINAL_URL"
  dom FILE             write document.documentElement.outerHTML to FILE
  text FILE            write document.body.innerText to FILE
  shot FILE            write a PNG screenshot of the W x H viewport to FILE
  fill SELECTOR VALUE  focus the input/textarea/select matching the CSS
                       selector, set its value as typed (a select by option
                       value, else by option text; a checkbox/radio is checked
                       by 1/on/true/yes) and dispatch input and change events
  click SELECTOR       scroll the element into view, click its centre with
                       real mouse events; if a navigation starts within 2 s,
                       wait for its load; prints "click SELECTOR -> STATUS URL"
  wait SECS            let SECS seconds pass

STATUS is the main document's HTTP status; "error:NETERROR" when the
navigation failed (net::ERR_CERT_AUTHORITY_INVALID, net::ERR_CONNECTION_RESET,
net::ERR_ABORTED for a navigation refused before it started, e.g. by CSP
form-action, ...); "nonav" when a click started no navigation; "samedoc" for
a fragment-only change.  Certificate errors are never bypassed.  FINAL_URL is
after redirects.  A failed navigation is not a failed command: exit status is
0 when every command worked, 1 otherwise (stderr names the failed command:
no such element, timeout, browser died), 2 for a usage error.

Chromium gets fds 3 (commands) and 4 (replies, events) of
--remote-debugging-pipe, NUL-terminated JSON, and runs in its own process
group, killed at exit (and by PR_SET_PDEATHSIG if this script is killed).
HOME is always a fresh temporary directory, so no NSS database of the user
is read or written; --ca creates $HOME/.pki/nssdb and trusts the CA there
("C,,"), which is where Chromium on Linux looks.  The profile is temporary
unless --profile is given.  --timeout (default 20 s) bounds start-up and
each command.  Background requests to Google services are switched off; a
test wanting Chromium's http-to-https upgrade attempts off too passes
--disable-feature HttpsUpgrades.  Chromium's stderr, page console messages
and CSP reports are appended to --log, never treated as errors; CDP_DEBUG=1
also logs every protocol event.  $CHROMIUM overrides the binary (chromium).
"""
import argparse
import base64
import collections
import ctypes
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# Background traffic nobody asked for (autofill server queries, network time,
# component and model downloads: the updater is pointed at a port Chromium
# refuses to use): off, so a gateway under test sees only the test's pages.
QUIET_FEATURES = ["AutofillServerCommunication", "NetworkTimeServiceQuerying",
                  "OptimizationHints", "Translate", "MediaRouter"]
QUIET_FLAGS = ["--component-updater=url-source=http://127.0.0.1:9/",
               "--disable-domain-reliability", "--no-pings",
               "--disable-client-side-phishing-detection",
               "--disable-default-apps", "--metrics-recording-only",
               "--password-store=basic"]
SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM)
ARITY = {"goto": 1, "dom": 1, "text": 1, "shot": 1, "fill": 2, "click": 1, "wait": 1}
NAV_START = 2.0   # a click's navigation must start within this many seconds
ERR_GRACE = 3.0   # after a failed navigation, wait this long for the error page


class CmdError(Exception):
    pass


class Browser:
    def __init__(self, opts):
        self.opts, self.next_id, self.buf = opts, 0, bytearray()
        self.events, self.session, self.frame = collections.deque(), None, None
        self.proc = self.log = self.cmd_w = self.ev_r = None
        self.tmp = tempfile.mkdtemp(prefix="cdp-")

    def start(self, deadline):
        opts = self.opts
        home = os.path.join(self.tmp, "home")
        os.makedirs(home)
        profile = opts.profile or os.path.join(self.tmp, "profile")
        os.makedirs(profile, exist_ok=True)
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home + "/.config",
                   XDG_CACHE_HOME=home + "/.cache")
        if opts.ca:
            nssdb = "sql:" + home + "/.pki/nssdb"
            os.makedirs(home + "/.pki/nssdb")
            run(["certutil", "-d", nssdb, "-N", "--empty-password"])
            for i, pem in enumerate(opts.ca):
                run(["certutil", "-d", nssdb, "-A", "-t", "C,,",
                     "-n", "cdp-ca-%d" % i, "-i", pem])
        argv = [os.environ.get("CHROMIUM", "chromium"), "--headless",
                "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-auto-reload", "--remote-debugging-pipe",
                "--user-data-dir=" + profile,
                "--window-size=%d,%d" % (opts.width, opts.height)]
        argv += QUIET_FLAGS + ["--disable-features=" + ",".join(
            QUIET_FEATURES + opts.disable_feature)]
        if opts.host_resolver_rules:
            argv.append("--host-resolver-rules=" + opts.host_resolver_rules)
        if opts.proxy_server:
            argv.append("--proxy-server=" + opts.proxy_server)
        argv += opts.flag + ["about:blank"]
        self.log = logf = open(opts.log, "ab") if opts.log else open(os.devnull, "wb")
        cmd_r, self.cmd_w = os.pipe()   # we write commands, chromium reads fd 3
        self.ev_r, ev_w = os.pipe()     # chromium writes fd 4, we read
        # Move the child's ends above 4 so the dup2()s below cannot collide.
        hi_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
        hi_w = fcntl.fcntl(ev_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(cmd_r)
        os.close(ev_w)
        libc = ctypes.CDLL(None, use_errno=True)

        def child():   # our other fds are all close-on-exec
            os.dup2(hi_r, 3)               # dup2 clears close-on-exec
            os.dup2(hi_w, 4)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with us
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
        # No signal may interrupt us between fork and self.proc being set.
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        try:
            self.proc = subprocess.Popen(
                argv, env=env, stdin=subprocess.DEVNULL, stdout=logf,
                stderr=logf, close_fds=False, preexec_fn=child,
                start_new_session=True)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
            os.close(hi_r)
            os.close(hi_w)
        self.attach(deadline)

    def attach(self, deadline):
        targets = self.call("Target.getTargets", session=False,
                            deadline=deadline)["targetInfos"]
        pages = [t for t in targets if t["type"] == "page"]
        if pages:
            tid = pages[0]["targetId"]
        else:
            tid = self.call("Target.createTarget", {"url": "about:blank"},
                            session=False, deadline=deadline)["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": tid, "flatten": True},
                                 session=False, deadline=deadline)["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.call(domain + ".enable", deadline=deadline)
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": self.opts.width, "height": self.opts.height,
            "deviceScaleFactor": 1, "mobile": False}, deadline=deadline)
        tree = self.call("Page.getFrameTree", deadline=deadline)
        self.frame = tree["frameTree"]["frame"]["id"]

    # -- the pipe ----------------------------------------------------------
    def send(self, msg):
        data = json.dumps(msg).encode() + b"\0"
        while data:
            try:
                data = data[os.write(self.cmd_w, data):]
            except BrokenPipeError:
                raise CmdError("browser died (command pipe closed)")

    def read_msg(self, deadline):
        """Next message from the browser, or None at the deadline."""
        while True:
            end = self.buf.find(b"\0")
            if end >= 0:
                raw = bytes(self.buf[:end])
                del self.buf[:end + 1]
                return json.loads(raw)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.ev_r], [], [], left)[0]:
                return None
            data = os.read(self.ev_r, 1 << 20)
            if not data:
                try:
                    rc = self.proc.wait(2)
                except subprocess.TimeoutExpired:
                    rc = "unknown"
                raise CmdError("browser died (exit status %s)" % rc)
            self.buf += data

    def take(self, msg):
        """Keep an event for our tab; log console output and crashes."""
        if msg.get("sessionId") != self.session or self.session is None:
            return
        m, p = msg["method"], msg.get("params", {})
        if os.environ.get("CDP_DEBUG"):
            self.note("event " + json.dumps(msg)[:400])
        if m == "Inspector.targetCrashed":
            raise CmdError("the page's renderer crashed")
        if m == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", "")))
                            for a in p.get("args", []))
            self.note("console.%s: %s" % (p.get("type"), text))
        elif m == "Log.entryAdded":
            e = p["entry"]
            self.note("log %s %s: %s %s" % (e.get("source"), e.get("level"),
                                           e.get("text"), e.get("url", "")))
        self.events.append(msg)

    def note(self, text):
        self.log.write(("cdp.py: %s\n" % text).encode(errors="replace"))
        self.log.flush()

    def call(self, method, params=None, session=True, deadline=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        self.send(msg)
        while True:
            reply = self.read_msg(deadline)
            if reply is None:
                raise CmdError("timeout waiting for the reply to " + method)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise CmdError("%s: %s" % (method, reply["error"].get("message")))
                return reply.get("result", {})
            if "method" in reply:
                self.take(reply)

    def next_event(self, deadline):
        while not self.events:
            msg = self.read_msg(deadline)
            if msg is None:
                return None
            if "method" in msg:
                self.take(msg)
        return self.events.popleft()

    def evaluate(self, expr, deadline):
        r = self.call("Runtime.evaluate", {"expression": expr,
                      "returnByValue": True, "awaitPromise": True},
                      deadline=deadline)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CmdError("script error: %s" % d.get("exception", {}).get(
                "description", d.get("text")))
        return r["result"].get("value")

    # -- navigation --------------------------------------------------------
    def wait_nav(self, deadline, start_by, loader=None, url=None, error=None):
        """Follow the main frame's navigation until its document has loaded.

        Everything is keyed on the navigation's loaderId, so late events of
        an earlier document cannot end the wait.  Returns "STATUS URL", or
        None if no navigation started before start_by (loader unknown)."""
        status, committed, loading = None, False, False
        if error:
            deadline = min(deadline, time.monotonic() + ERR_GRACE)
        while True:
            ev = self.next_event(deadline if loader else start_by)
            if ev is None:
                if loader is None:
                    return None
                if error:
                    break
                raise CmdError("timeout waiting for the page to load")
            m, p = ev["method"], ev.get("params", {})
            mine = p.get("frameId") == self.frame
            if m == "Page.frameStartedNavigating" and mine:
                if "ameDocument" in p.get("navigationType", ""):
                    return "samedoc " + p.get("url", "")
                if p.get("loaderId") != loader:   # new or replacing navigation
                    loader, url, status, error = p.get("loaderId"), p.get("url"), None, None
                    committed = loading = False
            elif (m == "Network.requestWillBeSent" and mine
                  and p.get("type") == "Document"):
                loader = loader or p.get("loaderId")
                if p.get("loaderId") == loader:
                    url = p["request"]["url"]   # follows redirects
            elif (m == "Network.responseReceived" and p.get("type") == "Document"
                  and p.get("loaderId") == loader):
                status, url = p["response"]["status"], p["response"]["url"]
            elif m == "Network.loadingFailed" and p.get("requestId") == loader:
                error = p.get("errorText") or "failed"
                if p.get("blockedReason"):
                    error += "(%s)" % p["blockedReason"]
                deadline = min(deadline, time.monotonic() + ERR_GRACE)
            elif (m == "Page.frameNavigated" and p["frame"]["id"] == self.frame
                  and p["frame"].get("loaderId") == loader):
                committed = True
            elif m == "Page.loadEventFired" and committed:
                break
            elif m == "Page.frameStartedLoading" and mine:
                loading = True
            elif m == "Page.frameStoppedLoading" and mine and loading and (
                    committed or status is not None or error == "net::ERR_ABORTED"):
                break     # loaded, or ended without a new document (204, aborted)
        if error and (status is None or error != "net::ERR_ABORTED"):
            return "error:%s %s" % (error, url)   # (aborted after a 204: 204)
        return "%s %s" % (status if status is not None else "-", url)

    def goto(self, url, deadline):
        self.events.clear()
        try:
            r = self.call("Page.navigate", {"url": url}, deadline=deadline)
        except CmdError as e:
            if str(e).startswith("timeout"):
                raise CmdError("timeout: no response (the navigation never committed)")
            raise
        if not r.get("loaderId"):
            if r.get("errorText"):
                return "error:%s %s" % (r["errorText"], url)
            return "samedoc " + url   # fragment change: nothing to load
        return self.wait_nav(deadline, deadline, r["loaderId"], url,
                             r.get("errorText"))

    def click(self, sel, deadline):
        box = self.evaluate("""(() => {
            const e = document.querySelector(%s);
            if (!e) return null;
            e.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});
            const r = e.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const top = document.elementFromPoint(x, y);
            return {x: x, y: y, w: r.width, h: r.height,
                    covered: top !== null && top !== e && !e.contains(top)};
        })()""" % json.dumps(sel), deadline)
        if box is None:
            raise CmdError("no element matches %r" % sel)
        if box["w"] <= 0 or box["h"] <= 0:
            raise CmdError("element %r has no size (hidden?)" % sel)
        if box["covered"]:
            print("cdp.py: click %s: warning: another element is on top" % sel,
                  file=sys.stderr)
        self.events.clear()
        base = {"x": box["x"], "y": box["y"], "button": "left", "clickCount": 1}
        self.call("Input.dispatchMouseEvent", dict(base, type="mouseMoved",
                  button="none", clickCount=0), deadline=deadline)
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", dict(base, type=kind),
                      deadline=deadline)
        res = self.wait_nav(deadline, min(deadline, time.monotonic() + NAV_START))
        if res is None:
            return "nonav " + self.evaluate("location.href", deadline)
        return res

    def fill(self, sel, value, deadline):
        err = self.evaluate("""((sel, val) => {
            const e = document.querySelector(sel);
            if (!e) return 'no element matches ' + JSON.stringify(sel);
            e.scrollIntoView({block: 'center', behavior: 'instant'});
            e.focus();
            if (e instanceof HTMLSelectElement) {
                const opts = Array.from(e.options);
                const o = opts.find(o => o.value === val) ||
                          opts.find(o => o.text.trim() === val);
                if (!o) return 'select has no option ' + JSON.stringify(val);
                e.value = o.value;
            } else if (e instanceof HTMLInputElement &&
                       (e.type === 'checkbox' || e.type === 'radio')) {
                e.checked = ['1', 'on', 'true', 'yes'].includes(val.toLowerCase());
            } else if (e instanceof HTMLInputElement ||
                       e instanceof HTMLTextAreaElement) {
                const proto = Object.getPrototypeOf(e);
                Object.getOwnPropertyDescriptor(proto, 'value').set.call(e, val);
            } else {
                return 'not a form field: <' + e.tagName.toLowerCase() + '>';
            }
            e.dispatchEvent(new Event('input', {bubbles: true}));
            e.dispatchEvent(new Event('change', {bubbles: true}));
            return null;
        })(%s, %s)""" % (json.dumps(sel), json.dumps(value)), deadline)
        if err:
            raise CmdError(err)

    def close(self):
        if self.proc is not None:
            try:
                if self.proc.poll() is None and self.session is not None:
                    self.call("Browser.close", session=False,
                              deadline=time.monotonic() + 3)
                    self.proc.wait(3)
            except (CmdError, OSError, subprocess.TimeoutExpired, ValueError):
                pass
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)   # helpers too
            except OSError:
                pass
            self.proc.wait()
        for fd in (self.cmd_w, self.ev_r):
            if fd is not None:
                os.close(fd)
        if self.log is not None:
            self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def run(argv):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode:
        raise CmdError("%s failed: %s" % (" ".join(argv),
                                          r.stdout.decode(errors="replace").strip()))


def write_file(path, data):
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def execute(b, cmd, args, deadline):
    if cmd == "goto":
        print("goto %s -> %s" % (args[0], b.goto(args[0], deadline)), flush=True)
    elif cmd == "click":
        print("click %s -> %s" % (args[0], b.click(args[0], deadline)), flush=True)
    elif cmd == "fill":
        b.fill(args[0], args[1], deadline)
    elif cmd == "dom":
        write_file(args[0], b.evaluate("document.documentElement.outerHTML", deadline))
    elif cmd == "text":
        write_file(args[0], b.evaluate(
            "document.body ? document.body.innerText : ''", deadline))
    elif cmd == "shot":
        r = b.call("Page.captureScreenshot", {"format": "png"}, deadline=deadline)
        write_file(args[0], base64.b64decode(r["data"]))
    elif cmd == "wait":   # keep reading, so the browser never blocks on the pipe
        end = time.monotonic() + float(args[0])
        while b.next_event(end) is not None:
            pass


def parse(argv):
    head, usage, rest = __doc__.split("\n\n", 2)
    ap = argparse.ArgumentParser(
        prog="cdp.py", usage=usage.strip().replace("cdp.py", "%(prog)s", 1),
        description=rest, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", help="profile directory (kept); default temporary")
    ap.add_argument("--timeout", type=float, default=20.0,
                    help="limit for start-up and for each command (default 20)")
    ap.add_argument("--log", help="append chromium's stderr and console here")
    ap.add_argument("--width", type=int, default=1200)
    ap.add_argument("--height", type=int, default=900)
    ap.add_argument("--ca", action="append", default=[],
                    help="trust this CA (PEM) for TLS servers; repeatable")
    ap.add_argument("--host-resolver-rules", help="passed to chromium")
    ap.add_argument("--proxy-server", help="passed to chromium")
    ap.add_argument("--disable-feature", action="append", default=[],
                    metavar="NAME", help="also disable this chromium feature, "
                    "e.g. HttpsUpgrades; repeatable")
    ap.add_argument("--flag", action="append", default=[],
                    help="extra chromium flag, e.g. --flag=--lang=en; repeatable")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    opts = ap.parse_args(argv)
    cmds, words = [], list(opts.command)
    while words:
        name = words.pop(0)
        if name not in ARITY:
            ap.error("unknown command %r" % name)
        if len(words) < ARITY[name]:
            ap.error("%s needs %d argument(s)" % (name, ARITY[name]))
        cmds.append((name, words[:ARITY[name]]))
        del words[:ARITY[name]]
        if name == "wait":
            try:
                float(cmds[-1][1][0])
            except ValueError:
                ap.error("wait needs a number of seconds")
    if not cmds:
        ap.error("no commands")
    return opts, cmds


def on_signal(signum, frame):
    raise CmdError("killed by signal %d" % signum)


def main(argv):
    opts, cmds = parse(argv)
    # Belt and braces: every wait has its own deadline, the alarm catches the rest.
    total = opts.timeout * (len(cmds) + 2) + 10 + sum(
        float(a[0]) for c, a in cmds if c == "wait")
    for s in SIGNALS:
        signal.signal(s, on_signal)
    signal.alarm(int(total) + 1)
    what, b = "start", Browser(opts)
    try:
        b.start(time.monotonic() + opts.timeout)
        for cmd, args in cmds:
            what = " ".join([cmd] + args)
            execute(b, cmd, args, time.monotonic() + opts.timeout)
        return 0
    except CmdError as e:
        print("cdp.py: %s: %s" % (what, e), file=sys.stderr)
    except OSError as e:
        print("cdp.py: %s: %s" % (what, e), file=sys.stderr)
    finally:
        signal.alarm(0)
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)   # let the clean-up finish
        b.close()
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
