#!/bin/sh
# Corpus agreement: replay every capture of ../shared/corpus/ndpi and
# compare the hostname we extract per flow with nDPI's expected results
# (EXPECTED.tsv).  Scored: flows nDPI labels DNS, TLS, HTTP or QUIC (and
# their sub-protocols, e.g. TLS.Facebook) that carry a hostname.
# A flow agrees when a name we report for the same pair of endpoints
# equals nDPI's hostname (case-insensitive): nDPI keeps one name per flow,
# while one DNS socket may carry many queries, each a name we report.
# Target: >= 99 %.  Where nDPI is wrong, tests/corpus-exceptions.tsv says
# why, flow by flow; excepted flows are listed and left out of the score.
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
corpus=${SG_CORPUS:-$top/../shared/corpus/ndpi}
target=${SG_CORPUS_TARGET:-99.0}
protos=${SG_CORPUS_PROTOS:-DNS TLS HTTP QUIC}

if [ ! -f "$corpus/EXPECTED.tsv" ]; then
	echo "skip: no corpus at $corpus (it lives beside the project in ../shared)"
	exit 77
fi
CANON='# Endpoint "[v6]:port" or "v4:port" in one canonical form: IPv6 fully
# expanded, so "b00c::99" (nDPI) and "b00c:0:99" (inet_ntop) compare equal.
function canon(ep,   p, host, port, n, L, R, nl, nr, i, out, g) {
	if (substr(ep, 1, 1) != "[") return ep
	p = index(ep, "]:")
	host = substr(ep, 2, p - 2); port = substr(ep, p + 2)
	n = split(host, parts, "::")
	if (n > 2) return ep		# not an address (two "::")
	nl = (parts[1] == "") ? 0 : split(parts[1], L, ":")
	nr = (n == 2 && parts[2] != "") ? split(parts[2], R, ":") : 0
	out = ""
	for (i = 1; i <= nl; i++) out = out sprintf("%04s:", L[i])
	for (i = nl + nr; i < 8; i++) out = out "0000:"
	for (i = 1; i <= nr; i++) out = out sprintf("%04s:", R[i])
	gsub(/ /, "0", out)
	return "[" tolower(substr(out, 1, length(out) - 1)) "]:" port
}'

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Replay each capture that has scored flows.
for pcap in $(awk -F'\t' 'NR > 1 && $4 != "" { print $1 }' \
    "$corpus/EXPECTED.tsv" | sort -u); do
	f=$corpus/pcap/$pcap
	[ -f "$f" ] || { echo "missing capture $pcap"; exit 1; }
	if ! "$top/$B/schoolgated" --replay "$f" --json \
	    -P "$top/conf/platforms.d" >"$out/$pcap.jsonl" 2>"$out/$pcap.err"; then
		echo "replay failed on $pcap:"; cat "$out/$pcap.err"; exit 1
	fi
	# pcap \t endpointA \t endpointB \t name  (endpoints sorted)
	awk -v pcap="$pcap" "$CANON"'
	function field(k,   m) {
		if (match($0, "\"" k "\":\"[^\"]*\"")) {
			m = substr($0, RSTART + length(k) + 4,
			    RLENGTH - length(k) - 5)
			return m
		}
		return ""
	}
	{
		c = canon(field("client")); s = canon(field("server"))
		p = field("proto")
		if (c > s) { t = c; c = s; s = t }
		print pcap "\t" c "\t" s "\t" tolower(field("name")) "\t" p
	}' "$out/$pcap.jsonl" >>"$out/observed.tsv"
done
touch "$out/observed.tsv"

exceptions=$top/tests/corpus-exceptions.tsv
[ -f "$exceptions" ] || exceptions=/dev/null

awk -F'\t' -v protos="$protos" -v target="$target" "$CANON"'
BEGIN { n = split(protos, P, " "); for (i = 1; i <= n; i++) want[P[i]] = 1 }
FILENAME == ARGV[1] {		# exceptions: pcap, flow, reason
	if ($0 ~ /^#/ || NF < 2) next
	exc[$1 "\t" $2] = $3
	next
}
FILENAME == ARGV[2] {		# observed: every name per flow
	k = $1 "\t" $2 "\t" $3
	names[k "\t" $4] = 1
	if (!(k in seen)) seen[k] = $4
	next
}
FNR == 1 { next }		# EXPECTED.tsv header
{
	split($3, lab, ".")
	proto = lab[1]
	if (!(proto in want) || $4 == "") next
	# "TCP 1.2.3.4:5 <-> 6.7.8.9:10" or "->"
	split($2, w, " ")
	a = canon(w[2]); b = canon(w[4])
	if (a > b) { t = a; a = b; b = t }
	if (($1 "\t" $2) in exc) {
		printf "excepted %s %s %s: %s\n", $1, $2, $4, exc[$1 "\t" $2]
		nexc++
		next
	}
	total[proto]++; all++
	k = $1 "\t" a "\t" b
	got = (k in seen) ? seen[k] : ""
	if ((k "\t" tolower($4)) in names) { ok[proto]++; good++ }
	else printf "disagree %s %s: nDPI %s, we %s\n", $1, $2, $4, \
	    got == "" ? "(nothing)" : got
}
END {
	for (p in total)
		printf "corpus %-5s %4d/%-4d %6.2f %%\n", p, ok[p], total[p], \
		    100 * ok[p] / total[p]
	pct = all ? 100 * good / all : 0
	printf "agreement: %d/%d flows = %.2f %% (target %s %%, %d excepted)\n", \
	    good, all, pct, target, nexc
	exit !(pct >= target)
}' "$exceptions" "$out/observed.tsv" "$corpus/EXPECTED.tsv"
