#!/bin/sh
# Replay with a policy: a school day (tests/tools/mkpolicy.py writes the
# capture) through `schoolgated --replay --json -f CONF`, the capture's
# timestamps as the clock and its bytes as the meter.  Checks the verdict
# records (when each starts, why, until when), the per-person quota
# summary (30 minutes used exactly at the 180th active tick; idle
# keep-alives cost nothing) and that a forged DNS answer teaches nothing.
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
command -v python3 >/dev/null 2>&1 ||
    { echo "skip: python3 not found; make deps installs it"; exit 77; }
out=$B/t-replay-policy
rm -rf "$out"
mkdir -p "$out/overrides.d" || exit 1
python3 tests/tools/mkpolicy.py "$out/day.pcap" || exit 1

cat >"$out/school.conf" <<EOF
[gateway]
interface = eth1
lan = 10.10.0.0/16
timezone = Europe/London
platforms_dir = $top/conf/platforms.d
overrides_dir = $top/$out/overrides.d
never_block = 10.10.0.1, 10.10.0.53
tick = 10s

[schedule]
lessons = 08:45-16:00
breaks = 10:30-10:45, 12:15-13:00
terms = 2026-09-03..2026-10-23, 2026-11-02..2026-12-18

[group staff]
members = 10.10.0.0/20
outside = quota
daily_quota = 30m
active_bytes = 16k

[group pupils]
members = 10.10.32.0/19
outside = block
platforms = social, circumvention

[person jsmith]
group = staff
devices = 10.10.0.23

[person abrown]
group = staff
devices = 10.10.0.31

[person cjones]
group = staff
devices = 02:00:0a:0a:28:09
EOF

"$B/schoolgated" --replay "$out/day.pcap" --json -f "$out/school.conf" \
    >"$out/replay.json" 2>"$out/replay.err" ||
    { cat "$out/replay.err"; exit 1; }
"$B/schoolgated" --replay "$out/day.pcap" -f "$out/school.conf" \
    >"$out/replay.txt" 2>&1 || { cat "$out/replay.txt"; exit 1; }
grep -E ' => |^quota ' "$out/replay.txt"

python3 - "$out/replay.json" <<'EOF'
import json, sys

recs = [json.loads(l) for l in open(sys.argv[1])]
fail = 0

def check(what, got, want):
    global fail
    if got != want:
        print("FAIL %s:\n  got  %s\n  want %s" % (what, got, want))
        fail += 1
    else:
        print("ok   %s" % what)

def verdicts(client, platform):
    return [(r["ts"][11:19], r["verdict"], r["until"])
            for r in recs if r.get("type") == "verdict" and
            r["client"] == client and r["platform"] == platform]

d = "2026-11-23T"
check("jsmith's day", verdicts("10.10.0.23", "instagram"), [
    ("07:59:58", "ALLOW_QUOTA", d + "08:29:58+00:00"),
    ("08:30:00", "BLOCK_QUOTA", d + "08:45:00+00:00"),
    ("08:45:00", "BLOCK_LESSONS", d + "10:30:00+00:00"),
    ("10:30:00", "BLOCK_QUOTA", d + "10:45:00+00:00"),
    ("10:45:00", "BLOCK_LESSONS", d + "12:15:00+00:00"),
    ("12:15:00", "BLOCK_QUOTA", d + "13:00:00+00:00"),
    ("13:00:00", "BLOCK_LESSONS", d + "16:00:00+00:00"),
    ("16:00:00", "BLOCK_QUOTA", "2026-11-24T00:00:00+00:00"),
])
check("the pupil", verdicts("10.10.32.5", "instagram"),
      [("08:05:00", "BLOCK_GROUP", None)])
check("the forged answer teaches nothing",
      verdicts("10.10.0.23", "facebook"), [])
check("a person known by MAC, at lunch on the pupils' Wi-Fi",
      verdicts("10.10.40.9", "instagram"),
      [("12:20:00", "ALLOW_QUOTA", d + "12:50:00+00:00"),
       ("13:00:00", "BLOCK_LESSONS", d + "16:00:00+00:00"),
       ("16:00:00", "ALLOW_QUOTA", d + "16:30:00+00:00")])
check("abrown's day", verdicts("10.10.0.31", "instagram"), [
    ("16:59:58", "ALLOW_QUOTA", d + "17:29:58+00:00"),
])
rec = [r for r in recs if r.get("type") == "verdict"
       and r["client"] == "10.10.0.23"][0]
check("verdict keys", sorted(rec), sorted(
    ["type", "ts", "client", "person", "group", "holder", "platform",
     "verdict", "until", "used", "left"]))
check("person and group", (rec["person"], rec["group"]), ("jsmith", "staff"))

quota = {r["holder"]: r for r in recs if r.get("type") == "quota"}
q = quota.get("jsmith", {})
check("jsmith: 30 min used in 180 active ticks",
      (q.get("used"), q.get("left"), q.get("active_ticks")), (1800, 0, 180))
q = quota.get("abrown", {})
# Two whole ticks and the last one cut where the capture ends (its last
# packet is at 17:30:28.75): a tick costs the time it covered.
check("abrown: keep-alives free, 3 active ticks",
      (q.get("used"), q.get("active_ticks")), (28, 3))
q = quota.get("ip:10.10.32.5", {})
check("pupil holder", (q.get("metered"), q.get("used")), (False, 0))
check("holders", sorted(quota),
      ["abrown", "cjones", "ip:10.10.32.5", "jsmith"])
obs = [r for r in recs if "type" not in r]
check("observations still printed", len(obs), 7)
print("summary: %d checks failed" % fail)
sys.exit(1 if fail else 0)
EOF
