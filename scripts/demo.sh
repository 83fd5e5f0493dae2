#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `make demo`: the namespace lab (scripts/lab.sh), the failures of the field
# reports (../shared/seeds/README.md, tests/e2e/SCENARIOS.md) played over and
# over as background traffic, and the dashboard on the lab client's
# interface: every diagnosis shows within a minute.  q (or Ctrl-C) stops
# tlsmon and the traffic and removes the lab.  Needs root and a terminal.
#
# Environment:
#   DEMO_ROUNDS   how many times the scenarios are played (200, about 15 min)
#   DEMO_PAUSE    seconds between two rounds (2)
#   LAB_PREFIX, LAB_DIR   the lab's namespaces and directory (tlsdemo,
#                 /tmp/tlsmon-demo): apart from the tests' labs
#   TLSMON_BIN    the tlsmon to run (default $OUTPUT/tlsmon, OUTPUT=.output)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

die() {
	echo "make demo: $*" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, BPF): run 'sudo make demo'"
[ -t 0 ] && [ -t 1 ] || die "shows the dashboard: run it on a terminal"
BIN=${TLSMON_BIN:-$PWD/${OUTPUT:-.output}/tlsmon}
[ -x "$BIN" ] || die "$BIN is not built: run 'make' first"
ROUNDS=${DEMO_ROUNDS:-200}
PAUSE=${DEMO_PAUSE:-2}
case $ROUNDS$PAUSE in *[!0-9.]*) die "DEMO_ROUNDS and DEMO_PAUSE are numbers" ;; esac
export LAB_PREFIX=${LAB_PREFIX:-tlsdemo} LAB_DIR=${LAB_DIR:-/tmp/tlsmon-demo}
# the clients and names of the lab; the lab itself is brought up and down here
. tests/lib/lab.sh

TRAFFIC=
cleanup() {
	trap - EXIT INT TERM HUP
	if [ -n "$TRAFFIC" ]; then
		kill "$TRAFFIC" 2>/dev/null
		wait "$TRAFFIC" 2>/dev/null
	fi
	echo "demo: removing the lab ($LAB_PREFIX-*)" >&2
	timeout -k 5 60 "$LAB_SH" down
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

echo "demo: bringing the lab up ($LAB_PREFIX-*, $LAB_DIR) ..." >&2
timeout -k 5 120 "$LAB_SH" up || die "the lab did not come up (see above)"

# A ClientHello cut into 348-byte segments, as over a path with a 400-byte
# MTU, without rebuilding the lab: the socket's MSS is set before connect.
SMALL_MSS='
import socket, ssl, sys
host, port, name, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
s = socket.socket()
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 348)
s.settimeout(5)
s.connect((host, port))
with ctx.wrap_socket(s, server_hostname=name) as t:
    t.sendall(b"GET / HTTP/1.0\r\nHost: " + name.encode() + b"\r\n\r\n")
    print(t.recv(100))
'

# One round: each diagnosis of the field reports at least once, among
# successes.  Every client is bounded by LAB_TIMEOUT.
round() {
	local c=$LAB_CERTS
	# successes; B's RSA suites first, so tlsmon knows what B accepts
	lab_curl https://a.lab.test/ -4 -o /dev/null
	lab_curl https://b.lab.test/ -4 -o /dev/null
	lab_sclient a.lab.test:4412 -4 -brief
	# 000/1 version mismatch: TLS 1.0 to a server that wants TLS 1.2+
	lab_sclient a.lab.test:4410 -4 -tls1 -cipher DEFAULT@SECLEVEL=0
	# 000/2 no shared cipher: a single weak suite
	lab_sclient a.lab.test:443 -4 -tls1_2 -cipher DHE-RSA-AES128-SHA256
	# 004: python against api.lab.test, round robin over A (fine) and B (no
	# shared cipher); some rounds make a burst
	lab_python api.lab.test 443 $((2 + RANDOM % 4)) --start $((RANDOM % 2))
	# 000/4 the middlebox resets ClientHellos for blocked.lab.test
	lab_sclient blocked.lab.test:443 -4 -brief
	# 000/5 mutual TLS: the server rejects a SHA-1 client certificate
	lab_sclient a.lab.test:4420 -4 -brief -cipher DEFAULT@SECLEVEL=0 \
		-cert "$c/client-weak.crt" -key "$c/client-weak.key"
	# 000/6 no SNI to the SNI-routing proxy
	lab_sclient proxy.lab.test:443 -4 -brief -noservername
	# 000/3 the client refuses the certificate: expired, wrong name, unknown CA
	lab_sclient a.lab.test:4430 -4 -brief
	lab_sclient a.lab.test:4431 -4 -brief
	lab_python a.lab.test 4432 1 --addr 10.77.2.2
	# a name the server does not serve
	lab_sclient a.lab.test:4415 -4 -brief -servername other.lab.test
	# a ClientHello in small segments (tlsmon reassembles it)
	lab_client python3 -c "$SMALL_MSS" 10.77.2.2 443 a.lab.test "$LAB_CA"
}

traffic() {
	local i
	lab_block_sni blocked.lab.test
	for ((i = 1; i <= ROUNDS; i++)); do
		echo "== round $i of $ROUNDS"
		round </dev/null
		sleep "$PAUSE"
	done
	echo "== done: $ROUNDS rounds"
}

traffic >"$LAB_DIR/demo-traffic.log" 2>&1 </dev/null &
TRAFFIC=$!
echo "demo: traffic running ($LAB_DIR/demo-traffic.log); opening the dashboard, q quits" >&2
ip netns exec "$LAB_NS_CLI" "$BIN" -i "$LAB_IF" --dashboard --no-textfile --handshake-timeout 5
