#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A large ClientHello (3,023 bytes) of which only the first 1,000 arrive, read
# from a capture: once the capture's clock passes --handshake-timeout it is a
# failure, client_hello_incomplete, with its SNI when those bytes held it; when
# the capture ends first, an unsettled record that still says so.  Counted in
# the textfile, and nothing left in reassembly.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="tlsmon"
E2E_TOOLS="python3"

# stalled NAME SNI_WHERE LATER: the capture, tlsmon's records and textfile
stalled() {
	mkdir -p "$DIR/$1"
	python3 tests/lib/partial_hello_pcap.py "$DIR/$1.pcap" "$2" 1000 "$3" >"$DIR/$1.expect" ||
		return 1
	timeout 60 "$BIN" --read "$DIR/$1.pcap" --json --handshake-timeout 2 \
		--textfile-dir "$DIR/$1" >"$DIR/$1.json" 2>"$DIR/$1.err"
}

test_sni_in_part() {
	stalled sni-first first 5
	ok $? "tlsmon reads the capture" "$(cat "$DIR/sni-first.err")"
	py_tap python3 tests/lib/partial_hello_check.py "$DIR/sni-first.expect" \
		"$DIR/sni-first.json" "$DIR/sni-first/tlsmon.prom" failed 2
}

test_sni_not_in_part() {
	stalled sni-last last 5
	ok $? "tlsmon reads the capture" "$(cat "$DIR/sni-last.err")"
	py_tap python3 tests/lib/partial_hello_check.py "$DIR/sni-last.expect" \
		"$DIR/sni-last.json" "$DIR/sni-last/tlsmon.prom" failed 2
}

test_capture_ends_first() {
	stalled ends first 0
	ok $? "tlsmon reads the capture" "$(cat "$DIR/ends.err")"
	py_tap python3 tests/lib/partial_hello_check.py "$DIR/ends.expect" \
		"$DIR/ends.json" "$DIR/ends/tlsmon.prom" unknown
}

ALL_TESTS="test_sni_in_part test_sni_not_in_part test_capture_ends_first"
e2e_run
