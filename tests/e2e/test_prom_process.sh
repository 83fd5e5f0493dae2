#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The process series of the Prometheus textfile as the real binary writes
# them, from a capture (whose handshakes have no program of this host):
# tlsmon_process_handshakes_total and tlsmon_process_failures_total present
# (HELP and TYPE, no sample), every handshake counted in
# tlsmon_handshakes_without_process_total, and --no-process-labels leaving
# every process line out while the other series stay exactly as they were.
# Both files pass promtool.  The series with process names (every naming
# rule, hostile command names) are checked in tests/unit/test_agg_process.c.
. "$(dirname "$0")/../lib/e2e.sh"
set -o pipefail
PCAP=$CORPUS/ja4/tls-handshake.pcapng
E2E_NEEDS="tlsmon"
E2E_TOOLS="promtool"
E2E_FILES=$PCAP

setup() {
	mkdir -p "$DIR/on" "$DIR/off"
	"$BIN" --read "$PCAP" --textfile-dir "$DIR/on" >/dev/null 2>"$DIR/on.err"
	ON_RC=$?
	"$BIN" --read "$PCAP" --textfile-dir "$DIR/off" --no-process-labels >/dev/null \
		2>"$DIR/off.err"
	OFF_RC=$?
}

# a process label, family or series
PROC='process=|family="process|tlsmon_process_|_without_process_'

# the samples of a file but those that change from run to run
samples() { grep -v '^#' "$1" | grep -vE '^tlsmon_(textfile_write_timestamp|start_time)_seconds '; }

test_process_series() {
	local f=$DIR/on/tlsmon.prom total without
	ok $ON_RC "tlsmon --read writes a textfile" "$(tail -n 3 "$DIR/on.err")"
	grep -q '^# TYPE tlsmon_process_handshakes_total counter$' "$f"
	ok $? "tlsmon_process_handshakes_total is declared"
	grep -q '^# TYPE tlsmon_process_failures_total counter$' "$f"
	ok $? "tlsmon_process_failures_total is declared"
	! grep -q '^tlsmon_process_' "$f"
	ok $? "a capture has no process sample" "$(grep '^tlsmon_process_' "$f" | head -3)"
	total=$(awk '/^tlsmon_handshakes_total\{/ { s += $2 } END { print s + 0 }' "$f")
	without=$(awk '/^tlsmon_handshakes_without_process_total / { print $2 }' "$f")
	[ "$total" -gt 0 ] && [ "$without" = "$total" ]
	ok $? "every handshake ($total) counted without a process" "without: $without"
	grep -q '^tlsmon_series_limit{family="processes"} 500$' "$f" &&
		grep -q '^tlsmon_series_folded_total{family="process_failures"} 0$' "$f"
	ok $? "the process families have their limit and fold counters"
	promtool_ok "promtool check metrics accepts it" "$f"
}

test_no_process_labels() {
	local f=$DIR/off/tlsmon.prom
	ok $OFF_RC "tlsmon --read --no-process-labels writes a textfile" "$(tail -n 3 "$DIR/off.err")"
	! grep -qE "$PROC" "$f"
	ok $? "--no-process-labels: no process series, family or counter" \
		"$(grep -E "$PROC" "$f" | head -5)"
	diff <(samples "$DIR/on/tlsmon.prom" | grep -vE "$PROC") \
		<(samples "$f") >"$DIR/diff" 2>&1
	ok $? "--no-process-labels: every other sample the same" "$(head -5 "$DIR/diff")"
	promtool_ok "promtool check metrics accepts it" "$f"
}

ALL_TESTS="test_process_series test_no_process_labels"
e2e_run
