#!/bin/sh
# Fuzz smoke: build every libFuzzer target of tests/fuzz/ (scripts/fuzz,
# into build-fuzz/) and run each for FUZZ_SMOKE_SECONDS (default 20) from
# its seeds alone, in a fresh work directory, $B/fuzz-smoke.  Fails on any
# crash, leak, timeout (over 1 s for one input), out-of-memory (over
# 256 MiB) or a target that does not build; skips when clang or
# libFuzzer's runtime is missing.  The long runs are `make fuzz`.
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
work=$B/fuzz-smoke
rm -rf "$work"
FUZZ_SECONDS=${FUZZ_SMOKE_SECONDS:-20} FUZZ_WORK=$work FUZZ_CORPUS=fresh \
    FUZZ_TARGETS= FUZZ_FLAGS= FUZZ_BUILD_ONLY= exec scripts/fuzz
