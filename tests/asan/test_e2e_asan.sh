#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The end-to-end suites that matter most for hostile input, run against tlsmon
# built with ASan + UBSan ($OUTPUT/asan/tlsmon, from `make tests`): the live
# scenarios in the lab (tests/e2e/test_scenarios.sh: real clients and servers,
# the BPF datapath, reassembly) and the live certificate checks
# (test_certificates.sh), the corpus oracles (tests/oracle/*.py: every corpus
# capture through --read), damaged captures (test_offline_input.sh),
# hostile SNIs into the Prometheus textfile (test_prom_hostile.sh) and the
# captures of failures (test_pcap_dir.sh).  Each live suite gets a lab of
# its own, named by its own run.
#
# Each suite must pass as it does with the plain build, and no sanitizer may
# say anything: ASAN_OPTIONS=detect_leaks=1 and UBSan write to a log_path in
# a directory of their own per suite, and a report in any log there fails the
# suite (its first lines are shown).  First, the binary must be instrumented
# (linked to libasan and libubsan, with checks compiled in) and a leak
# planted in it must be reported in that log, so a clean log means a clean run.
. "$(dirname "$0")/../lib/e2e.sh"
BIN=$OUT/asan/tlsmon
export TLSMON_CORPUS=$CORPUS

setup() {
	chmod 755 "$DIR"
}

# 1. instrumented: the runtimes are linked and the compiler put checks in
test_instrumented() {
	if [ ! -x "$BIN" ]; then
		fail "the ASan build" "$BIN is missing: make tests"
		tap_done
		exit
	fi

	libs=$(ldd "$BIN" 2>&1)
	nasan=$(nm -D --undefined-only "$BIN" | grep -c '__asan_report_\(load\|store\)')
	nubsan=$(nm -D --undefined-only "$BIN" | grep -c '__ubsan_handle_')
	[[ $libs == *libasan.so* && $libs == *libubsan.so* && $nasan -gt 0 && $nubsan -gt 0 ]]
	ok $? "$BIN is built with ASan and UBSan ($nasan kinds of ASan checks, $nubsan of UBSan)" \
		"$(grep -i 'san' <<<"$libs")"
}

# logs NAME: a directory the sanitizers write to, whoever tlsmon runs as;
# verbosity=1 has every ASan process leave a log, so a suite that did not run
# the ASan build is seen
logs() {
	mkdir -p "$DIR/$1"
	chmod 1777 "$DIR/$1"
	export ASAN_OPTIONS="detect_leaks=1:verbosity=1:log_path=$DIR/$1/asan"
	export UBSAN_OPTIONS="print_stacktrace=1:log_path=$DIR/$1/ubsan"
}

# clean NAME: its tlsmon processes ran, and none reported anything
clean() {
	local d=$DIR/$1 ran bad lines
	ran=$(find "$d" -name 'asan.*' | wc -l)
	mapfile -t bad < <(grep -l -E '^==[0-9]+==ERROR: |runtime error|^SUMMARY: ' "$d"/* 2>/dev/null)
	if [ "$ran" -eq 0 ]; then
		fail "$1: the ASan build ran" "no process wrote a sanitizer log: was TLSMON_BIN used?"
	elif [ ${#bad[@]} -eq 0 ]; then
		pass "$1: no sanitizer report from $ran tlsmon processes"
	else
		mapfile -t lines < <(grep -h -A30 -E '^==[0-9]+==ERROR: |runtime error' "${bad[@]}" |
			grep -v 'root region' | head -40)
		fail "$1: sanitizer reports from ${#bad[@]} of $ran processes" "${lines[@]}"
	fi
}

# 2. the reports reach the logs: a leak planted in the process is found
test_leak_reported() {
	libs=$(ldd "$BIN" 2>&1)
	cat >"$DIR/leak.c" <<'EOF'
#include <stdlib.h>
void *volatile planted;
__attribute__((constructor)) static void plant(void) { planted = malloc(77); planted = 0; }
EOF
	libasan=$(sed -n 's/^\s*libasan\.so[^ ]* => \([^ ]*\) .*/\1/p' <<<"$libs")
	if ${CC:-cc} -shared -fPIC -o "$DIR/leak.so" "$DIR/leak.c" 2>"$DIR/cc.err"; then
		logs control
		LD_PRELOAD="$libasan $DIR/leak.so" "$BIN" --read "$TLSMON_CORPUS/ja4/tls12.pcap" --json \
			>/dev/null 2>&1
		grep -qs 'Direct leak of 77 byte' "$DIR"/control/asan.*
		ok $? "a leak planted in tlsmon is reported in its sanitizer log"
	else
		fail "a leak planted in tlsmon is reported in its sanitizer log" "cc: $(cat "$DIR/cc.err")"
	fi
}

# suite NAME CMD...: run a TAP suite with TLSMON_BIN the ASan build; its results, then its logs
suite() {
	local name=$1 rc np nf ns
	shift
	logs "$name"
	# TESTS= picks tests of this script, not of the suites it runs
	env -u TESTS TLSMON_BIN="$BIN" "$@" >"$DIR/$name.tap" 2>&1
	rc=$?
	unset ASAN_OPTIONS UBSAN_OPTIONS
	np=$(grep -c '^ok' "$DIR/$name.tap")
	ns=$(grep -c '^ok.*# SKIP' "$DIR/$name.tap")
	nf=$(grep -c '^not ok' "$DIR/$name.tap")
	if [ "$np" -gt 0 ] && [ "$np" -eq "$ns" ] && [ "$nf" -eq 0 ]; then
		skip "$name under ASan" "$(grep -m1 -o '# SKIP.*' "$DIR/$name.tap")"
		return
	fi
	if [ $rc -eq 0 ] && [ "$nf" -eq 0 ] && [ "$np" -gt 0 ]; then
		pass "$name under ASan: $((np - ns)) passed, $ns skipped"
	else
		mapfile -t lines < <(grep -A3 '^not ok' "$DIR/$name.tap" | head -40; tail -5 "$DIR/$name.tap")
		fail "$name under ASan: exit status $rc, $nf failed" "${lines[@]}"
	fi
	clean "$name"
}

test_oracle_fingerprints() { suite oracle-fingerprints python3 tests/oracle/test_fingerprints.py; }
test_oracle_certificates() { suite oracle-certificates python3 tests/oracle/test_certificates.py; }
test_offline_input() { suite offline-input tests/e2e/test_offline_input.sh; }
test_prom_hostile() { suite prom-hostile tests/e2e/test_prom_hostile.sh; }
test_pcap_dir() { suite pcap-dir tests/e2e/test_pcap_dir.sh; }
# the live suites bring up labs of their own, named by their own runs
test_certificates() { suite certificates tests/e2e/test_certificates.sh; }
test_scenarios() { suite scenarios tests/e2e/test_scenarios.sh; }

# after the tests: on a failure, keep what the sanitizers and suites wrote
teardown() {
	if [ $TAP_FAILED -ne 0 ]; then
		mkdir -p "$OUT/test-logs/asan-last"
		cp -r "$DIR"/. "$OUT/test-logs/asan-last/"
		diag "sanitizer logs and suite outputs kept in $OUT/test-logs/asan-last"
	fi
}

ALL_TESTS="test_instrumented test_leak_reported test_oracle_fingerprints test_oracle_certificates
	test_offline_input test_prom_hostile test_pcap_dir test_certificates test_scenarios"
e2e_run
