#!/bin/sh
# The crash soak, short: scripts/soak with 20 SIGKILLs (about a minute).
# `make soak` runs the long one (200 kills).  Exit 0 pass, 1 fail, 77
# skip (not root, a tool missing); the last line is "summary: ...".
top=$(cd "$(dirname "$0")/.." && pwd)
exec "$top/scripts/soak" 20
