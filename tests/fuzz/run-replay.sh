#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Replay every seed corpus (tests/fuzz/corpus/*/) through every fuzz harness's
# replay build (.output/fuzz/*-replay: ASan + UBSan, no libFuzzer).  One TAP
# line per harness; a sanitizer report or an invariant abort fails it.
# Build first: make fuzz-build.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/fuzz.sh
OUT=${TLSMON_OUTPUT:-.output}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

shopt -s nullglob
bins=("$OUT"/fuzz/*-replay)
dirs=(tests/fuzz/corpus/*/)
if [ ${#bins[@]} -eq 0 ]; then
	fail "replay binaries" "none in $OUT/fuzz: run 'make fuzz-build'"
	tap_done
	exit
fi
[ ${#dirs[@]} -gt 0 ] || { fail "seed corpora" "none under tests/fuzz/corpus/"; tap_done; exit; }

log=$(mktemp)
tap_cleanup rm -f "$log"
for b in "${bins[@]}"; do
	name=$(basename "$b" -replay)
	start=$SECONDS
	if "$b" "${dirs[@]}" >"$log" 2>&1; then
		pass "$name: $(grep -o '[0-9]* inputs' "$log" | tail -1) replayed in $((SECONDS - start)) s"
	else
		mapfile -t lines < <(fuzz_report "$log")
		fail "$name: replay of ${dirs[*]}" "${lines[@]}"
	fi
done
tap_done
