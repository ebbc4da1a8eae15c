#!/bin/sh
# The golden configuration tests through the daemon itself:
# `schoolgated -n -f FILE` exits 1 and prints exactly tests/conf/bad-*.err
# for every bad case, and `schoolgated -nv` prints exactly
# tests/conf/good-*.out for every good case (exit 0).
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
good=0 bad=0 fail=0
for c in tests/conf/good-*.conf; do
	"$B/schoolgated" -nv -f "$c" -P conf/platforms.d >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 0 ] || ! diff -u "${c%.conf}.out" "$tmp/out" >"$tmp/diff"; then
		echo "FAIL $c (exit $rc)"; cat "$tmp/err" "$tmp/diff"; fail=1
	fi
	good=$((good + 1))
done
for c in tests/conf/bad-*.conf; do
	"$B/schoolgated" -n -f "$c" -P conf/platforms.d >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 1 ] || ! diff -u "${c%.conf}.err" "$tmp/err" >"$tmp/diff"; then
		echo "FAIL $c (exit $rc, want 1)"; cat "$tmp/diff"; fail=1
	fi
	bad=$((bad + 1))
done
# The shipped example is valid as shipped.
"$B/schoolgated" -nv -f conf/schoolgate.conf -P conf/platforms.d >"$tmp/out" 2>&1 &&
	diff -u tests/conf/shipped.out "$tmp/out" || { echo "FAIL conf/schoolgate.conf"; fail=1; }
# A broken catalogue makes -n fail too.
mkdir "$tmp/cat" && printf '[platform x]\nname = X\n' >"$tmp/cat/a.conf"
if "$B/schoolgated" -n -f conf/schoolgate.conf -P "$tmp/cat" 2>"$tmp/err"; then
	echo "FAIL: -n accepted a broken catalogue"; fail=1
fi
grep -q "a.conf:" "$tmp/err" || { echo "FAIL: catalogue error lacks file:line"; cat "$tmp/err"; fail=1; }
[ "$fail" -eq 0 ] && echo "golden: schoolgated -n: $good good, $bad bad, all match"
exit "$fail"
