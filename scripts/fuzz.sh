#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Long fuzzing runs for `make fuzz`: each harness named on the command line
# (fuzz_NAME) runs for FUZZ_TIME seconds (default 600), or FUZZ_RUNS inputs
# when set, under libFuzzer with ASan/UBSan, one after the other.  The final
# stats (stat::number_of_executed_units...) close each run's output.
#
# Seeds: tests/fuzz/corpus/NAME (committed; regenerate the parser's with
# scripts/extract-fuzz-seeds.sh).  New inputs: tests/fuzz/corpus-work/NAME
# (git-ignored); to keep the useful ones, minimize into the seeds:
#   .output/fuzz/fuzz_NAME -merge=1 tests/fuzz/corpus/NAME tests/fuzz/corpus-work/NAME
# Crashes, leaks, timeouts: .output/fuzz/artifacts/NAME-*; replay one with
# .output/fuzz/fuzz_NAME-replay FILE.
#
# usage: scripts/fuzz.sh fuzz_parser [...]   env: FUZZ_TIME, FUZZ_RUNS, FUZZ_MAX_LEN (16384)
# e.g. the runs of tests/fuzz/RESULTS.md: FUZZ_RUNS=10000000 nice -n 19 make fuzz
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUTPUT:-.output}
FUZZ_TIME=${FUZZ_TIME:-600}
FUZZ_RUNS=${FUZZ_RUNS:-}
MAX_LEN=${FUZZ_MAX_LEN:-16384}
ART=$OUT/fuzz/artifacts

[ $# -gt 0 ] || { echo "usage: $0 fuzz_NAME..." >&2; exit 2; }
mkdir -p "$ART"
if [ -n "$FUZZ_RUNS" ]; then
	budget=(-runs="$FUZZ_RUNS") what="$FUZZ_RUNS runs"
else
	budget=(-max_total_time="$FUZZ_TIME") what="${FUZZ_TIME}s"
fi
failed=()
for h in "$@"; do
	name=${h#fuzz_}
	bin=$OUT/fuzz/fuzz_$name
	[ -x "$bin" ] || { echo "$0: $bin missing: run 'make fuzz-build'" >&2; exit 1; }
	seeds=tests/fuzz/corpus/$name
	work=tests/fuzz/corpus-work/$name
	mkdir -p "$seeds" "$work"
	echo "== fuzz_$name: $what, seeds $seeds, new inputs $work"
	if ! "$bin" "${budget[@]}" -max_len="$MAX_LEN" -timeout=25 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$ART/$name-" "$work" "$seeds"; then
		failed+=("fuzz_$name")
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]} (inputs in $ART; replay with $OUT/fuzz/<harness>-replay FILE)" >&2
	exit 1
fi
echo "no crashes"
