#!/bin/sh
# The state file survives being killed: "a process killed (SIGKILL) at
# random points while writing 1 000 times never leaves a file that fails
# to load and never loses more than one tick".
#
# Each iteration starts build/statekill (load, then charge a tick, save,
# confirm, forever; see tests/tools/statekill.c), kills it with SIGKILL
# after a random delay (40% under a millisecond, the rest 1-8 ms), and
# checks with `statekill --check` that the state loads and holds the last
# confirmed value or one tick more: never less (a granted tick lost),
# never more (a tick charged twice).  The next iteration goes on from the
# state the last one left.
#
#   STATEKILL_ITERATIONS  default 1000
#   STATEKILL_SEED        the delays' seed (default: the clock); printed
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
sk=$B/statekill
if [ ! -x "$sk" ]; then
	echo "skip: $sk is not built (make $sk)"
	exit 77
fi
n=${STATEKILL_ITERATIONS:-1000}
seed=${STATEKILL_SEED:-$(date +%s)}
budget=120	# seconds; it takes about 10
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
d=$tmp/state
log=$tmp/confirmed
mkdir "$d" || exit 1
: >"$tmp/checks"

awk -v n="$n" -v seed="$seed" 'BEGIN {
	srand(seed)
	for (i = 0; i < n; i++)
		print (rand() < 0.4) ? int(rand() * 1000) : 1000 + int(rand() * 7000)
}' >"$tmp/delays"

start=$(date +%s)
i=0 bad=0
while read -r us; do
	i=$((i + 1))
	"$sk" "$d" "$log" 2>"$tmp/run.err" &
	pid=$!
	"$sk" --nap "$us"
	kill -9 "$pid" 2>/dev/null
	# The shell's own "Killed" goes to its stderr; keep it out.
	{ wait "$pid"; } 2>/dev/null
	rc=$?
	if [ "$rc" -ne 137 ]; then
		echo "iteration $i: statekill ended by itself (status $rc):"
		cat "$tmp/run.err"
		bad=1
		break
	fi
	if ! "$sk" --check "$d" "$log" >>"$tmp/checks" 2>"$tmp/check.err"; then
		echo "iteration $i: killed after ${us}us (seed $seed):"
		cat "$tmp/check.err"
		ls -l "$d"
		bad=1
		break
	fi
	if [ $((i % 50)) -eq 0 ] && [ $(($(date +%s) - start)) -gt "$budget" ]; then
		echo "iteration $i: over the time budget of ${budget}s"
		bad=1
		break
	fi
done <"$tmp/delays"
secs=$(($(date +%s) - start))

# check ok used U confirmed C ahead N tmp T torn B
n_all=$n awk -v n="$i" -v secs="$secs" -v seed="$seed" -v bad="$bad" '
$1 == "check" { k++; ahead[$8]++; tmp += $10; torn += $12; used = $4 }
END {
	if (bad) {
		printf "summary: FAILED at kill %d of %s after %d good ones " \
		    "(seed %s)\n", n, ENVIRON["n_all"], k, seed
		exit 1
	}
	if (k == 0) { print "no check ran"; exit 1 }
	if (tmp == 0)
		print "note: no kill landed inside a save (no temp file left)"
	printf "summary: %d kills; the state loaded every time and held the " \
	    "last confirmed value %d times, one tick more %d times, never " \
	    "less or more; %d kills cut a save (temp file left); %d ticks " \
	    "saved in all; %d torn log records; %ds (seed %s)\n", n, \
	    ahead[0], ahead[1], tmp, used / 10, torn, secs, seed
}' "$tmp/checks"
exit "$bad"
