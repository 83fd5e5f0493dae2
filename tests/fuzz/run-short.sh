#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A short libFuzzer run of every harness (.output/fuzz/fuzz_*), one TAP line
# each.  The time budget, TLSMON_FUZZ_SECONDS (default 60), is split across
# the harnesses; 0 only runs the seeds.  Seeds come from tests/fuzz/corpus/NAME;
# whatever libFuzzer finds new goes to a temporary directory, never the repo.
# A crash, leak, timeout or OOM fails the harness and prints the input,
# which is kept in .output/fuzz/artifacts/.  Longer runs: make fuzz.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/fuzz.sh
OUT=${TLSMON_OUTPUT:-.output}
TOTAL=${TLSMON_FUZZ_SECONDS:-60}
ART=$OUT/fuzz/artifacts

shopt -s nullglob
bins=()
for b in "$OUT"/fuzz/fuzz_*; do
	[[ $b == *-replay || ! -x $b ]] || bins+=("$b")
done
if [ ${#bins[@]} -eq 0 ]; then
	fail "fuzz harnesses" "none in $OUT/fuzz: run 'make fuzz-build'"
	tap_done
	exit
fi
per=$((TOTAL / ${#bins[@]}))
if [ "$per" -gt 0 ]; then budget=(-max_total_time="$per"); else budget=(-runs=0); fi

work=$(mktemp -d)
tap_cleanup rm -rf "$work"
mkdir -p "$ART"
for b in "${bins[@]}"; do
	name=$(basename "$b")
	mkdir -p "$work/$name/new"
	seeds=()
	[ -d "tests/fuzz/corpus/${name#fuzz_}" ] && seeds+=("tests/fuzz/corpus/${name#fuzz_}")
	[ -d "tests/fuzz/corpus/$name" ] && seeds+=("tests/fuzz/corpus/$name")
	"$b" "${budget[@]}" -max_len=16384 -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/$name/" "$work/$name/new" "${seeds[@]}" \
		>"$work/$name.log" 2>&1
	rc=$?
	found=("$work/$name"/crash-* "$work/$name"/leak-* "$work/$name"/timeout-* \
		"$work/$name"/oom-* "$work/$name"/slow-unit-*)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log" | tail -1)
	if [ $rc -eq 0 ] && [ ${#found[@]} -eq 0 ]; then
		pass "$name: ${runs:-?} runs in ${per}s, $(ls "$work/$name/new" | wc -l) new inputs"
		continue
	fi
	details=("exit status $rc")
	for f in "${found[@]}"; do
		cp "$f" "$ART/$name-$(basename "$f")"
		details+=("input: $ART/$name-$(basename "$f") ($(stat -c %s "$f") bytes)")
		mapfile -t -O ${#details[@]} details < <(od -An -tx1 -v "$f" | head -16)
		details+=("reproduce: $OUT/fuzz/$name-replay $ART/$name-$(basename "$f")")
	done
	mapfile -t -O ${#details[@]} details < <(fuzz_report "$work/$name.log")
	fail "$name" "${details[@]}"
done
tap_done
