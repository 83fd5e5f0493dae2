#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# QUIC, live, with real software in the lab: Debian's ngtcp2 examples
# (gtlsserver, gtlsclient; GnuTLS) over UDP through the XDP/TC datapath on
# cli0 (the names resolve to IPv6 first: QUIC over IPv6).  Each case is
# diagnosed as the wire says:
#   a.lab.test:4433  an HTTP/3 handshake           established, JA4 q..., v1
#   a.lab.test:4434  a server that takes only      no_shared_cipher (its
#                    AES-256-GCM, a client that    CONNECTION_CLOSE 0x0128 is
#                    offers only AES-128-GCM       handshake_failure)
#   b.lab.test:4435  a UDP port that never answers no_server_response
#   a.lab.test:4436  a server that takes only      established after a
#                    secp384r1: HelloRetryRequest  HelloRetryRequest (the
#                                                  second hello read too)
#   a.lab.test:4433  the client asks version       quic_version_negotiation
#                    0x1a2a3a4a only
# gtlsclient exits 0 whatever happens: its log says what it saw.  ngtcp2
# greases the QUIC fixed bit (RFC 9287) at random: every case runs into it.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon lab"
E2E_TOOLS="gtlsserver gtlsclient python3"

# the record of the QUIC connection to PORT (one line), once written
rec() {
	grep '"transport":"quic"' "$DIR/records.json" 2>/dev/null | grep "\"server_port\":$1," | tail -1
}
has_rec() { [ -n "$(rec "$1")" ]; }
field() { # PORT PYTHON-EXPRESSION on the record r
	rec "$1" | python3 -c "import json,sys; r=json.loads(sys.stdin.read()); print($2)" 2>/dev/null
}

client() { # HOST PORT ARGS...: gtlsclient in the client namespace (SNI HOST), its log in DIR
	local host=$1 port=$2
	shift 2
	lab_client timeout 8 gtlsclient --timeout=3s --exit-on-all-streams-close "$@" \
		"$host" "$port" "https://$host:$port/" >"$DIR/client-$port$CASE.log" 2>&1
}

setup() {
	local c=$LAB_CERTS
	e2e_bg ip netns exec "$LAB_NS_A" timeout 600 gtlsserver -q '*' 4433 \
		"$c/a.key" "$c/a.crt" >"$DIR/server-4433.log" 2>&1
	e2e_bg ip netns exec "$LAB_NS_A" timeout 600 gtlsserver -q \
		--ciphers='NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM' \
		'*' 4434 "$c/a.key" "$c/a.crt" >"$DIR/server-4434.log" 2>&1
	e2e_bg ip netns exec "$LAB_NS_A" timeout 600 gtlsserver -q \
		--groups='-GROUP-ALL:+GROUP-SECP384R1' \
		'*' 4436 "$c/a.key" "$c/a.crt" >"$DIR/server-4436.log" 2>&1
	# a UDP port that takes datagrams and answers nothing
	e2e_bg ip netns exec "$LAB_NS_B" timeout 600 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
while True:
    s.recv(65536)
' 4435
	lab_tlsmon "$DIR/records.json" "$DIR/tlsmon.err" --json --handshake-timeout 2 ||
		tap_skip_all "tlsmon does not attach: $(cat "$DIR/tlsmon.err")"
	sleep 1
}

test_established() {
	CASE= client a.lab.test 4433
	grep -q 'QUIC handshake has completed' "$DIR/client-4433.log"
	ok $? "the client completed its handshake (its log)" "$(tail -5 "$DIR/client-4433.log")"
	wait_for 10 has_rec 4433
	ok $? "an HTTP/3 handshake has a QUIC record" "$(tail -5 "$DIR/client-4433.log")"
	[ "$(field 4433 'r["outcome"]')" = established ]
	ok $? "established" "$(rec 4433)"
	field 4433 'r["ja4"]' | grep -q '^q13d'
	ok $? "its JA4 starts q13d" "$(field 4433 'r["ja4"]')"
	[ "$(field 4433 'r["quic"]["version"] + " " + r["sni"]')" = "0x00000001 a.lab.test" ]
	ok $? "QUIC v1, SNI a.lab.test" "$(rec 4433)"
}

test_no_shared_cipher() {
	CASE= client a.lab.test 4434 \
		--ciphers='NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM'
	grep -q 'CONNECTION_CLOSE(0x1c) error_code=CRYPTO_ERROR(0x128)' "$DIR/client-4434.log"
	ok $? "the server closed with 0x0128 (the client's log)" "$(tail -5 "$DIR/client-4434.log")"
	wait_for 10 has_rec 4434
	ok $? "the refused handshake has a QUIC record" "$(tail -5 "$DIR/client-4434.log")"
	[ "$(field 4434 'r["outcome"] + " " + str(r["quic"].get("close", {}).get("code"))')" = \
		"failed 296" ]
	ok $? "failed, by the server's CONNECTION_CLOSE 0x0128" "$(rec 4434)"
	[ "$(field 4434 'r["reason"]')" = no_shared_cipher ]
	ok $? "no_shared_cipher" "$(rec 4434)"
}

test_no_answer() {
	CASE= client b.lab.test 4435
	wait_for 10 has_rec 4435
	ok $? "the unanswered handshake has a QUIC record" "$(cat "$DIR/records.json")"
	[ "$(field 4435 'r["reason"]')" = no_server_response ]
	ok $? "no_server_response" "$(rec 4435)"
}

test_hello_retry() {
	CASE= client a.lab.test 4436
	grep -q 'QUIC handshake has completed' "$DIR/client-4436.log"
	ok $? "the client completed its handshake (its log)" "$(tail -5 "$DIR/client-4436.log")"
	wait_for 10 has_rec 4436
	ok $? "the retried handshake has a QUIC record" "$(cat "$DIR/records.json")"
	[ "$(field 4436 'r["outcome"], r["hello_retry_request"], r["group"], r["ja4_retry"][:4]')" = \
		"established True secp384r1 q13d" ]
	ok $? "established after a HelloRetryRequest to secp384r1, both hellos fingerprinted" \
		"$(rec 4436)"
}

test_version_negotiation() {
	CASE=-vn client a.lab.test 4433 --version=0x1a2a3a4a
	grep -q 'version=0x00000000 type=VN' "$DIR/client-4433-vn.log"
	ok $? "the server answered 0x1a2a3a4a with Version Negotiation (the client's log)" \
		"$(tail -5 "$DIR/client-4433-vn.log")"
	wait_for 10 bash -c "grep -q quic_version_negotiation '$DIR/records.json'"
	ok $? "a Version Negotiation: quic_version_negotiation" "$(grep 4433 "$DIR/records.json")"
}

ALL_TESTS="test_established test_no_shared_cipher test_no_answer test_hello_retry
test_version_negotiation"
e2e_run
