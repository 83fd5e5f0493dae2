#!/usr/bin/env bash
# Run the tlsmon test suite and print one summary line: "N passed, N failed".
#
# Every test program speaks TAP (cmocka with CMOCKA_MESSAGE_OUTPUT=TAP, shell
# tests through tests/lib/tap.sh).  A test that needs root or a kernel feature
# it lacks reports a skip; with TLSMON_STRICT=1 (set by .ci/run) a skip counts
# as a failure, so CI always runs everything.
#
# usage: tests/run.sh [group...]   groups: layout unit bpf oracle fuzz e2e asan (default: all)
#
# A group is a folder of tests/: its cmocka programs are built into
# $OUTPUT/tests/GROUP/, its scripts run from here.  One end-to-end script runs
# alone as tests/e2e/test_NAME.sh, some of its tests with TESTS="test_a ...".
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUTPUT:-.output}
export TLSMON_CORPUS=${TLSMON_CORPUS:-../shared/corpus}
export CMOCKA_MESSAGE_OUTPUT=TAP
export TLSMON_BIN=$PWD/$OUT/tlsmon
export TLSMON_OUTPUT=$PWD/$OUT
STRICT=${TLSMON_STRICT:-0}
TIMEOUT=${TLSMON_TEST_TIMEOUT:-900}
LOGDIR=$OUT/test-logs
mkdir -p "$LOGDIR"

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(layout unit bpf oracle fuzz e2e asan)

pass=0 fail=0 skip=0
failed=()

# run NAME CMD...: run one TAP program, fold its results into the totals
run() {
	local name=$1 log="$LOGDIR/$1.log" rc np=0 nf=0 ns=0 line
	shift
	mkdir -p "$(dirname "$log")"	# names are group/test
	printf '%-44s ' "$name"
	timeout --kill-after=10 "$TIMEOUT" "$@" >"$log" 2>&1
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"not ok"*)
			# a TAP "# TODO" failure is expected, except in strict mode (CI)
			if [[ $line == *"# TODO"* ]] && [ "$STRICT" != 1 ]; then :; else
				nf=$((nf + 1))
				failed+=("$name: ${line#not ok }")
			fi ;;
		"ok"*"# SKIP"* | "ok"*"# skip"*)
			ns=$((ns + 1))
			[ "$STRICT" = 1 ] && failed+=("$name: skipped in strict mode: ${line#ok }") ;;
		"ok"*) np=$((np + 1)) ;;
		esac
	done <"$log"
	if [ $rc -ne 0 ] && [ $nf -eq 0 ]; then
		nf=1
		if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
			failed+=("$name: timed out after ${TIMEOUT}s")
		else
			failed+=("$name: exited with status $rc")
		fi
	fi
	if [ $((np + nf + ns)) -eq 0 ]; then
		nf=1
		failed+=("$name: reported no results")
	fi
	if [ "$STRICT" = 1 ]; then
		nf=$((nf + ns))
		ns=0
	fi
	pass=$((pass + np)) fail=$((fail + nf)) skip=$((skip + ns))
	if [ $nf -gt 0 ]; then
		echo "FAIL ($np passed, $nf failed) see $log"
	elif [ $ns -gt 0 ]; then
		echo "ok ($np passed, $ns skipped)"
	else
		echo "ok ($np passed)"
	fi
}

# run_programs GROUP: the cmocka programs built from tests/GROUP/test_*.c
# (make tests puts them in $OUT/tests/GROUP/); a source whose program is
# missing or not executable is a failure, never a silent skip
run_programs() {
	local src n
	for src in tests/"$1"/test_*.c; do
		[ -f "$src" ] || continue
		n=$(basename "$src" .c)
		if [ -x "$OUT/tests/$1/$n" ]; then
			run "$1/$n" "$OUT/tests/$1/$n"
		else
			printf '%-44s FAIL (not built: %s)\n' "$1/$n" "$OUT/tests/$1/$n"
			fail=$((fail + 1))
			failed+=("$1/$n: program not built")
		fi
	done
}

for g in "${groups[@]}"; do
	case $g in
	layout)
		# the source tree's rules: include direction, file names, prefixes
		run "layout/test_layout" python3 tests/layout/test_layout.py ;;
	unit | bpf)
		run_programs "$g" ;;
	oracle)
		# checks against the external corpus: cmocka programs, then Python
		run_programs oracle
		for t in tests/oracle/test_*.py; do
			[ -f "$t" ] || continue
			run "oracle/$(basename "$t" .py)" python3 "$t"
		done ;;
	fuzz)
		run "fuzz/replay" tests/fuzz/run-replay.sh
		run "fuzz/short-run" tests/fuzz/run-short.sh ;;
	e2e)
		for t in tests/e2e/test_*.sh; do
			[ -x "$t" ] || continue
			run "e2e/$(basename "$t" .sh)" "$t"
		done ;;
	asan)
		# end-to-end suites again, against the ASan + UBSan build
		for t in tests/asan/test_*.sh; do
			[ -x "$t" ] || continue
			run "asan/$(basename "$t" .sh)" "$t"
		done ;;
	*)
		echo "unknown test group: $g (layout unit bpf oracle fuzz e2e asan)" >&2
		exit 2 ;;
	esac
done

if [ ${#failed[@]} -gt 0 ]; then
	echo
	echo "Failures:"
	printf '  %s\n' "${failed[@]}"
fi
echo
[ $skip -gt 0 ] && echo "$skip skipped (run as root on a BPF-capable kernel to run them)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
