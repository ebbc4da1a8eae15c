#!/bin/bash
# make demo, as a test: scripts/demo runs its school day in the lab and
# exits 0 only when every scene behaved as narrated.  Checks its exit
# status, its running time (under 3 minutes), the key lines a newcomer
# reads (the block page's three messages, the request and the approval,
# the report), that no line is wider than 100 columns, that it leaves no
# namespace or work directory behind, and that scripts/demo --replay
# still works.
#
# Prints "ok ..." / "FAIL ..." and "summary: N checks, M failed".  Exit 0
# when all pass, 1 otherwise, 77 (skip) when not root or the lab cannot
# run here.
set -u
export LC_ALL=C
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
[ "$(id -u)" -eq 0 ] || { echo "skip: not root (the demo's lab needs network namespaces)"; exit 77; }
[ -x "$B/schoolgated" ] && [ -x "$B/schoolgatectl" ] ||
    make -s B="$B" all >/dev/null 2>&1 || { echo "cannot build"; exit 1; }

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }

out=$B/t-demo.out
ns_before=$(ip netns list 2>/dev/null | awk '$1 ~ /^sg-demo/ { print $1 }' | sort)
labs_before=$(ls -d "$B"/lab-demo-* 2>/dev/null | sort)
t0=$(date +%s)
B=$B DEMO_PAUSE=0 DEMO_KEEP='' timeout 300 scripts/demo >"$out" 2>&1
rc=$?
secs=$(( $(date +%s) - t0 ))
if [ "$rc" -eq 77 ]; then
	echo "skip: $(grep -m1 'cannot run' "$out" | sed 's/^demo: //')"
	exit 77
fi

check "scripts/demo exits 0 (rc $rc)" test "$rc" -eq 0
check "it takes under 3 minutes (${secs} s)" test "$secs" -lt 180
has() { grep -qF -- "$1" "$out"; }
check "it says every scene behaved as narrated" has "Every scene behaved as narrated"
check "nothing was marked as not narrated" sh -c "! grep -q 'NOT AS NARRATED' '$out'"
check "scene 1: jsmith's page loads" has "the page loads: the real Instagram server answered"
check "scene 1: the pupil's block page says 'Not permitted for pupils.'" \
    has '"Not permitted for pupils."'
check "scene 1: the pupil's HTTPS is reset" has "connection reset"
check "scene 2: the block page: 'Instagram is not available during lessons'" \
    has '"Instagram is not available during lessons"'
check "scene 2: ... 'back at 10:30'" has "not available during lessons — back at 10:30"
check "scene 4: the allowance is counted down to 0m00s" \
    grep -Eq '^    16:3[0-9] +30m00s +0m00s$' "$out"
check "scene 4: the block page: 'You have used your 30 minutes for today — resets at midnight'" \
    has "You have used your 30 minutes for today — resets at midnight"
check "scene 5: 'Your request has been sent'" has '"Your request has been sent"'
check "scene 5: requests lists it, pending" grep -Eq '^    STATUS +pending$' "$out"
check "scene 5: approve approves it" grep -Eq '^    approved r-20261123-0001: instagram for person:jsmith' "$out"
check "scene 5: the override is in force" grep -Eq '^    STATE +in force$' "$out"
check "scene 5: jsmith's status page shows the approval" \
    grep -Eq -- '-> Instagram: unblock until 2026-11-30, r-20261123-0001: approved' "$out"
check "scene 6: the report has jsmith's 30 minutes" \
    grep -Eq '^    jsmith +staff +\(all\) +30 ' "$out"
check "scene 6: ... and the pupil's block" grep -Eq '^    ip:10\.10\.32\.5 +pupils +instagram ' "$out"
width=$(LC_ALL=C.UTF-8 wc -L <"$out")
check "no line is wider than 100 columns (widest $width)" test "$width" -le 100
ns_after=$(ip netns list 2>/dev/null | awk '$1 ~ /^sg-demo/ { print $1 }' | sort)
check "no namespace is left behind" test "$ns_before" = "$ns_after"
labs_after=$(ls -d "$B"/lab-demo-* 2>/dev/null | sort)
check "no work directory is left behind" test "$labs_before" = "$labs_after"
B=$B scripts/demo --replay >"$B/t-demo-replay.out" 2>&1
rc=$?
check "scripts/demo --replay exits 0 and names instagram" \
    sh -c "[ $rc -eq 0 ] && grep -q instagram '$B/t-demo-replay.out'"

if [ "$fail" -gt 0 ]; then
	echo "---- the demo's output ($out)"
	sed 's/^/     | /' "$out"
fi
races=$(grep -c 'reloads the page' "$out")
echo "summary: $((pass + fail)) checks, $fail failed, $races first-contact race(s) reloaded (demo ${secs}s)"
[ "$fail" -eq 0 ]
