#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Long fuzzing runs for `make fuzz`: each harness named on the command line
# (fuzz_NAME) runs for FUZZ_TIME seconds (default 600) under libFuzzer with
# ASan/UBSan, one after the other.
#
# Seeds: tests/fuzz/corpus/NAME (committed; regenerate the parser's with
# scripts/extract-fuzz-seeds.sh).  New inputs: tests/fuzz/corpus-work/NAME
# (git-ignored); to keep the useful ones, minimize into the seeds:
#   .output/fuzz/fuzz_NAME -merge=1 tests/fuzz/corpus/NAME tests/fuzz/corpus-work/NAME
# Crashes, leaks, timeouts: .output/fuzz/artifacts/NAME-*; replay one with
# .output/fuzz/fuzz_NAME-replay FILE.
#
# usage: scripts/fuzz.sh fuzz_parser [...]   env: FUZZ_TIME, FUZZ_MAX_LEN (16384)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUTPUT:-.output}
FUZZ_TIME=${FUZZ_TIME:-600}
MAX_LEN=${FUZZ_MAX_LEN:-16384}
ART=$OUT/fuzz/artifacts

[ $# -gt 0 ] || { echo "usage: $0 fuzz_NAME..." >&2; exit 2; }
mkdir -p "$ART"
failed=()
for h in "$@"; do
	name=${h#fuzz_}
	bin=$OUT/fuzz/fuzz_$name
	[ -x "$bin" ] || { echo "$0: $bin missing: run 'make fuzz-build'" >&2; exit 1; }
	seeds=tests/fuzz/corpus/$name
	work=tests/fuzz/corpus-work/$name
	mkdir -p "$seeds" "$work"
	echo "== fuzz_$name: ${FUZZ_TIME}s, seeds $seeds, new inputs $work"
	if ! "$bin" -max_total_time="$FUZZ_TIME" -max_len="$MAX_LEN" -timeout=25 \
		-print_final_stats=1 -artifact_prefix="$ART/$name-" "$work" "$seeds"; then
		failed+=("fuzz_$name")
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]} (inputs in $ART; replay with $OUT/fuzz/<harness>-replay FILE)" >&2
	exit 1
fi
echo "no crashes"
