#!/bin/sh
# state_save when the disk says no: every step of a save made to fail
# with EIO and with ENOSPC by build/faultfs.so (tests/tools/faultfs.c, an
# LD_PRELOAD shim), through `statekill --save DIR USED`.  Each time:
#  - the save fails, and its message names the step and the path;
#  - no state.tmp.* is left behind;
#  - the state still loads, with the old value when the fault came before
#    the rename, with the new one when it came after (the directory
#    open and fsync: the new file is in place but was not made durable,
#    and the save says so);
#  - the next save, without the fault, succeeds.
# Then faults a save must survive: EINTR and short writes.
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
sk=$B/statekill
case $B in
/*) so=$B/faultfs.so ;;
*)  so=$(pwd)/$B/faultfs.so ;;	# LD_PRELOAD wants it absolute
esac
for f in "$sk" "$so"; do
	if [ ! -f "$f" ]; then
		echo "skip: $f is not built (make $B/statekill $B/faultfs.so)"
		exit 77
	fi
done
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
d=$tmp/state
mkdir "$d" || exit 1
# A sanitized statekill (B=build-san) wants its runtime first; ours only
# forwards to libc, so let it come first.
ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
export ASAN_OPTIONS

n=0 bad=0 value=100
"$sk" --save "$d" "$value" >"$tmp/out" 2>&1 ||
	{ echo "first save failed:"; cat "$tmp/out"; exit 1; }

fail() {
	echo "FAIL $*"
	sed 's/^/    | /' "$tmp/out"
	bad=1
}

# faulted CALL PATTERN ERRNO STEP-TEXT AFTER-RENAME
faulted() {
	call=$1 pat=$2 err=$3 step=$4 after=$5
	n=$((n + 1))
	new=$((value + 10))
	case $err in
	EIO)    msg="Input/output error" ;;
	ENOSPC) msg="No space left on device" ;;
	esac
	LD_PRELOAD=$so FAULTFS_CALL=$call FAULTFS_PATH=$pat FAULTFS_ERRNO=$err \
	    "$sk" --save "$d" "$new" >"$tmp/out" 2>&1
	rc=$?
	what="$call $err ($pat)"
	grep -q "^faultfs: $call(.*injected $msg" "$tmp/out" ||
	    { fail "$what: the fault was never injected"; return; }
	[ "$rc" -eq 1 ] || { fail "$what: save exited $rc, not 1"; return; }
	grep -q "^statekill: save failed: $step: $msg" "$tmp/out" ||
	    { fail "$what: no \"$step: $msg\" in the message"; return; }
	said=$(sed -n 's/^statekill: save failed: //p' "$tmp/out")
	left=$(ls "$d")
	[ "$left" = state ] ||
	    { fail "$what: files left: $(echo "$left" | tr "\n" " ")"; return; }
	got=$("$sk" --get "$d" 2>&1)
	if [ "$after" = yes ]; then
		want=$new
	else
		want=$value
	fi
	[ "$got" = "$want" ] ||
	    { fail "$what: loads $got, want $want"; return; }
	value=$((value + 20))
	"$sk" --save "$d" "$value" >"$tmp/out" 2>&1 ||
	    { fail "$what: the next save failed"; return; }
	got=$("$sk" --get "$d" 2>&1)
	[ "$got" = "$value" ] ||
	    { fail "$what: after the next save loads $got, want $value"; return; }
	echo "ok   $call $err: $said"
}

for err in EIO ENOSPC; do
	faulted open   "$d/state.tmp.*" "$err" "open $d/state.tmp.[0-9]*" no
	faulted write  "$d/state.tmp.*" "$err" "write $d/state.tmp.[0-9]*" no
	faulted fsync  "$d/state.tmp.*" "$err" "fsync $d/state.tmp.[0-9]*" no
	faulted close  "$d/state.tmp.*" "$err" "close $d/state.tmp.[0-9]*" no
	faulted rename "$d/state.tmp.*" "$err" \
	    "rename $d/state.tmp.[0-9]* to $d/state" no
	faulted open   "$d" "$err" "open directory $d" yes
	faulted fsync  "$d" "$err" "fsync directory $d" yes
done

# survived ERRNO NTH COUNT: write faults a save must get through.
survived() {
	n=$((n + 1))
	value=$((value + 10))
	LD_PRELOAD=$so FAULTFS_CALL=write FAULTFS_PATH="$d/state.tmp.*" \
	    FAULTFS_ERRNO=$1 FAULTFS_NTH=$2 FAULTFS_COUNT=$3 \
	    "$sk" --save "$d" "$value" >"$tmp/out" 2>&1
	rc=$?
	what="write $1 (calls $2..+$3)"
	grep -q "^faultfs: write(.*injected" "$tmp/out" ||
	    { fail "$what: the fault was never injected"; return; }
	[ "$rc" -eq 0 ] || { fail "$what: save failed"; return; }
	got=$("$sk" --get "$d" 2>&1)
	[ "$got" = "$value" ] || { fail "$what: loads $got, want $value"; return; }
	echo "ok   $what: $(grep -c '^faultfs' "$tmp/out") injected, saved"
}
survived EINTR 1 3
survived short 1 0
survived short 1 1

[ "$bad" -eq 0 ] &&
	echo "summary: $n injected faults: each failed save named its step," \
	    "left no temp file and the state loadable; EINTR and short writes" \
	    "got through"
exit "$bad"
