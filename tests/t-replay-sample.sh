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

# -v adds a summary on stderr; it counts what the capture holds.
pk=$(tshark -r tests/data/sample.pcap 2>/dev/null | wc -l)
"$B/schoolgated" --replay tests/data/sample.pcap -v -P conf/platforms.d \
    2>"$tmp/stats" >/dev/null
grep -q "^replay: $pk packets, 0 undecodable" "$tmp/stats" ||
	{ echo "replay -v summary wrong:"; cat "$tmp/stats"; bad=1; }
grep -q "^replay: limits: tcp flows evicted 0" "$tmp/stats" ||
	{ echo "replay -v: no limits line"; bad=1; }

# Classification: every named observation of the sample capture has the
# platform, category and reason written down in sample.platforms.tsv.
# The DoT port makes any TLS to 853 circumvention with reason dot.
"$B/schoolgated" --replay tests/data/sample.pcap --json -P conf/platforms.d |
awk -F'\t' '
function field(k) {
	if (match($0, "\"" k "\":\"[^\"]*\""))
		return substr($0, RSTART + length(k) + 4, RLENGTH - length(k) - 5)
	return ""
}
function dash(v) { return v == "" ? "-" : v }
FILENAME == ARGV[1] { if ($0 !~ /^#/ && NF) want[$1] = $2 "\t" $3 "\t" $4; next }
{
	name = field("name"); if (name == "") next
	got = dash(field("platform")) "\t" dash(field("category")) "\t" dash(field("reason"))
	w = want[name]
	if (field("server") ~ /:853$/) { split(w, a, "\t"); w = a[1] "\tcircumvention\tdot" }
	if (!(name in want)) { print "no expectation for " name; bad = 1 }
	else if (got != w) { print name ": got " got ", want " w; bad = 1 }
	n++
}
END { if (!bad) printf "summary: %d observations classified as written down\n", n; exit bad }
' tests/data/sample.platforms.tsv - || bad=1
[ "$bad" -eq 0 ] && echo "summary: $n expected observations matched"
exit "$bad"
