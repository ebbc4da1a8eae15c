#!/bin/sh
# make sanitize, as part of make check: build everything with ASan and
# UBSan (-fno-sanitize-recover=all: the first report is fatal), then run
# every unit test and replay the project's captures and the corpus under
# them.  Any report fails the test.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
S=build-san
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! make -s sanitize >"$log" 2>&1; then
	tail -n 40 "$log"
	echo "sanitizer build failed"
	exit 1
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fail=0 n=0
for t in "$S"/check_*; do
	[ -x "$t" ] || continue
	n=$((n + 1))
	if ! CK_FORK=no "$t" >"$log" 2>&1; then
		echo "FAIL $t"; tail -n 30 "$log"; fail=1
	fi
done
captures=$(ls tests/data/*.pcap tests/data/*/*.pcap 2>/dev/null)
corpus=../shared/corpus/ndpi/pcap
[ -d "$corpus" ] && captures="$captures $(ls "$corpus"/*)"
for f in $captures; do
	n=$((n + 1))
	if ! "$S/schoolgated" --replay "$f" --json -P conf/platforms.d \
	    >/dev/null 2>"$log"; then
		echo "FAIL replay $f"; tail -n 30 "$log"; fail=1
	fi
done
[ "$fail" -eq 0 ] && echo "summary: $n runs clean under ASan+UBSan"
exit "$fail"
