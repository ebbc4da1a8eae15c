#!/bin/sh
# Replay the project's own lab captures (tests/data/*.pcap) and compare,
# as sets, what schoolgated reports with the independent expectation
# recorded beside each capture (NAME.expected.tsv:
# proto, client, server, name[, platform]).
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
n=0 bad=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for exp in tests/data/*.expected.tsv; do
	[ -f "$exp" ] || continue
	pcap=${exp%.expected.tsv}.pcap
	[ -f "$pcap" ] || { echo "no capture for $exp"; bad=1; continue; }
	"$B/schoolgated" --replay "$pcap" --json -P conf/platforms.d \
	    >"$tmp/out.jsonl" || { echo "replay failed: $pcap"; bad=1; continue; }
	# With a platform column, compare it too.
	cols=$(awk -F'\t' '!/^#/ && NF { print NF; exit }' "$exp")
	awk -v cols="$cols" '
	function field(k) {
		if (match($0, "\"" k "\":\"[^\"]*\""))
			return substr($0, RSTART + length(k) + 4, RLENGTH - length(k) - 5)
		return ""
	}
	{
		line = field("proto") "\t" field("client") "\t" field("server") \
		    "\t" field("name")
		if (cols >= 5) line = line "\t" field("platform")
		print line
	}' "$tmp/out.jsonl" | sort -u >"$tmp/got"
	grep -v '^#' "$exp" | awk 'NF' | sort -u >"$tmp/want"
	if ! diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
		echo "mismatch for $pcap (- expected, + replay):"
		cat "$tmp/diff"
		bad=1
	fi
	n=$((n + $(wc -l <"$tmp/want")))
done
[ "$n" -gt 0 ] || { echo "no expectations found in tests/data"; exit 1; }
[ "$bad" -eq 0 ] && echo "summary: $n expected observations matched"
exit "$bad"
