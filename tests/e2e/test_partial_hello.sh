#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Live, in the lab: a client sends the first 1,000 bytes of a 3,023-byte
# ClientHello (the post-quantum hello a middlebox swallows) and holds the
# connection.  With --handshake-timeout 2 tlsmon must report it as a failure,
# client_hello_incomplete, with its SNI when those bytes held it, count it in
# the textfile, and hold nothing for it in reassembly afterwards (the
# connection still open).
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon lab"
E2E_TOOLS="python3"
HOLD=20		# seconds the client keeps its connections (ended at exit before)
PORT=4499

metric() { # NAME: the sum of every series of NAME in the textfile
	awk -v m="$1" '$1 == m || index($1, m "{") == 1 { s += $NF } END { printf "%d\n", s }' \
		"$DIR/tlsmon.prom" 2>/dev/null
}

# the records of stalled hellos, at least N; a metric's value, at least / exactly N
records_ge() { [ "$(grep -c '"reason":"client_hello_incomplete"' "$DIR/records.json")" -ge "$1" ]; }
metric_ge() { [ "$(metric "$1")" -ge "$2" ]; }
metric_eq() { [ "$(metric "$1")" -eq "$2" ]; }

setup() {
	chown nobody "$DIR"	# tlsmon writes the textfile as nobody, after its privilege drop
	lab_silent_server b $PORT
	lab_tlsmon "$DIR/records.json" "$DIR/tlsmon.err" --json --handshake-timeout 2 \
		--textfile-dir "$DIR" --textfile-interval 1 ||
		tap_skip_all "tlsmon does not attach: $(cat "$DIR/tlsmon.err")"
	wait_for 5 test -s "$DIR/tlsmon.prom"
	cat >"$DIR/stall.py" <<'EOF'
import json, socket, sys, time
sys.path.insert(0, sys.argv[1])
from partial_hello_pcap import HELLO_LEN, SNI, hello
server, port, first, hold, expect = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
held, lines = [], []
for where in ("first", "last"):
    s = socket.create_connection((server, port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(hello(where == "first")[:first])
    held.append(s)
    c = s.getsockname()
    lines.append(json.dumps({
        "sni": SNI.decode() if where == "first" else None,
        "client_hello_bytes": first - 5, "client_hello_length": HELLO_LEN - 5,
        "client": c[0], "client_port": c[1], "server": server, "server_port": port}))
open(expect, "w").write("\n".join(lines) + "\n")
time.sleep(hold)
EOF
}

test_stalled_hello() {
	local streams_peak=0 n i
	e2e_bg ip netns exec "$LAB_NS_CLI" timeout $((HOLD + 5)) python3 "$DIR/stall.py" \
		"$PWD/tests/lib" "$LAB_B4" $PORT 1000 $HOLD "$DIR/expect.json"
	wait_for 5 test -s "$DIR/expect.json"
	ok $? "the client sent two partial hellos and holds them"
	# while held, before the timeout: reassembly holds them (diagnostic only: 1 s textfile)
	for ((i = 0; i < 15; i++)); do
		n=$(metric tlsmon_reassembly_streams)
		[ "${n:-0}" -gt "$streams_peak" ] && streams_peak=$n
		sleep 0.1
	done
	diag "reassembly streams seen while held: up to $streams_peak"
	wait_for 10 records_ge 2
	ok $? "both are reported within the timeout and a bit" "$(cat "$DIR/records.json")"
	# the textfile catches up within its interval
	wait_for 5 metric_ge tlsmon_client_hello_incomplete_total 2
	wait_for 5 metric_eq tlsmon_reassembly_streams 0
	cp "$DIR/tlsmon.prom" "$DIR/final.prom"
	kill -0 "$E2E_PID" 2>/dev/null
	ok $? "the client still holds its connections"
	py_tap python3 tests/lib/partial_hello_check.py "$DIR/expect.json" "$DIR/records.json" \
		"$DIR/final.prom" failed 2
}

ALL_TESTS="test_stalled_hello"
e2e_run
