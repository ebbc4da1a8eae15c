#!/bin/sh
# The systemd unit: it parses, and its sandbox keeps the exposure that
# `systemd-analyze security` computes at 2.0 or less (threshold 20 is
# 2.0 in tenths).  Skips when systemd-analyze is missing.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
unit=systemd/schoolgated.service
command -v systemd-analyze >/dev/null 2>&1 ||
    { echo "skip: systemd-analyze not found (package systemd)"; exit 77; }
out=$(systemd-analyze security --offline=true --threshold=20 "$unit" 2>&1)
rc=$?
echo "$out" | grep -E '✗|Overall'
level=$(echo "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ "$rc" -ne 0 ] || [ -z "$level" ]; then
	echo "FAIL: exposure ${level:-unknown} is above 2.0 (or the unit did not parse)"
	exit 1
fi
# Every directive the daemon depends on is there.
bad=0
for d in Type=notify WatchdogSec= ExecReload= User=schoolgate \
    'AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW' NoNewPrivileges=yes \
    StateDirectory=schoolgate RuntimeDirectory=schoolgate; do
	grep -q "^$d" "$unit" || { echo "FAIL: $unit lacks $d"; bad=1; }
done
[ "$bad" -eq 0 ] || exit 1
echo "summary: exposure $level (target <= 2.0)"
