#!/bin/sh
# The manual pages lint clean with mandoc.  The one message tolerated is
# "referenced manual not found" for our own pages, which mandoc looks up
# among the installed manuals and which are installed only by make install.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
command -v mandoc >/dev/null || { echo "skip: mandoc not installed (make deps)"; exit 77; }
out=$(mandoc -Tlint man/*.[58] 2>&1 |
	grep -v -E 'STYLE: referenced manual not found: Xr (schoolgated 8|schoolgatectl 8|schoolgate\.conf 5|schoolgate-platforms 5|schoolgate-overrides 5)')
if [ -n "$out" ]; then
	echo "$out"
	exit 1
fi
echo "summary: $(ls man/*.[58] | wc -l) manual pages lint clean"
