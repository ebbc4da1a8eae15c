#!/bin/sh
# House style, checked: banned functions (as curl bans them) and a few
# layout rules of the KNF we follow.  Applies to src/, include/, tests/.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
files=$(find src include tests -name '*.[ch]' | sort)
bad=0

# Banned: unbounded or non-reentrant.  vsnprintf/snprintf are fine.
banned='(^|[^_a-z0-9])(sprintf|vsprintf|strcpy|strcat|strncat|strtok|atoi|atol|gets|localtime|gmtime|asctime|ctime)[[:space:]]*\('
if grep -nE "$banned" $files | grep -v '/\*.*banned-ok' ; then
	echo "style: banned function used (see tests/t-style.sh)"
	bad=1
fi
# No line longer than 100 columns in C sources (tabs count as 8).
if awk '{ line = $0; gsub(/\t/, "        ", line);
	if (length(line) > 100) { print FILENAME ":" FNR ": line too long"; bad = 1 } }
	END { exit bad }' $files; then :; else bad=1; fi
# No trailing whitespace.
if grep -nE '[[:space:]]+$' $files; then
	echo "style: trailing whitespace"
	bad=1
fi
[ "$bad" -eq 0 ] && echo "summary: $(echo "$files" | wc -l) files, style clean"
exit "$bad"
