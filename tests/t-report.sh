#!/bin/sh
# schoolgatectl report over a fixed audit log (tests/data/events/): the
# table, a date range as CSV (with a would-be spreadsheet formula
# neutralised), one person, bad dates refused, a line that is not an
# event counted and skipped.
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
d=tests/data/events
ctl=$B/schoolgatectl
fail=0
same() {	# description expected-file command...
	desc=$1 want=$2; shift 2
	if "$@" 2>&1 | diff -u "$want" - >/dev/null; then echo "ok   $desc"
	else echo "FAIL $desc"; "$@" 2>&1 | diff -u "$want" -; fail=$((fail + 1)); fi
}
same "the whole log as a table" "$d/report.txt" "$ctl" report --dir "$d"
same "23-24 November as CSV" "$d/report-23-24.csv" \
    "$ctl" report --dir "$d" --from 2026-11-23 --to 2026-11-24 --csv
"$ctl" report --dir "$d" --person jsmith --from 2026-11-24 >"$B/report-p" 2>&1
if grep -q "^jsmith .*(all) *5 " "$B/report-p" && ! grep -q "^ip:" "$B/report-p"
then echo "ok   one person, one day: 5 minutes"
else echo "FAIL one person"; cat "$B/report-p"; fail=$((fail + 1)); fi
if "$ctl" report --dir "$d" --from 2026-13-01 >/dev/null 2>&1; then
	echo "FAIL a bad date is accepted"; fail=$((fail + 1))
else echo "ok   a bad date is refused"; fi
if "$ctl" report --dir /nonexistent >/dev/null 2>&1; then
	echo "FAIL a missing directory is not an error"; fail=$((fail + 1))
else echo "ok   a missing directory is an error"; fi
[ "$fail" -eq 0 ] || exit 1
echo "summary: report as written down"
