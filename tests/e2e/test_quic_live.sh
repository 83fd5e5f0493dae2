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
#   a.lab.test:4433  a hand-built Initial          failed, no_shared_alpn (the
#                    (tests/tools/quic_initial)    server's CONNECTION_CLOSE
#                    offering ALPN "nope" only     0x0178 no_application_protocol)
#   a.lab.test:4437  a server that validates the   established, one Retry
#                    address first (Retry)         counted, no failure
# Every case is captured with tcpdump on cli0 and read by tshark as well
# (it opens the Initials itself): the wire's own account of the hello, the
# close code, the HelloRetryRequest, the Version Negotiation, the Retry.
# gtlsclient exits 0 whatever happens: its log says what it saw.  ngtcp2
# greases the QUIC fixed bit (RFC 9287) at random: every case runs into it.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon lab"
E2E_TOOLS="gtlsserver gtlsclient python3 tcpdump tshark"
QI=$OUT/tests/tools/quic_initial

# the record of the QUIC connection to PORT (one line), once written
rec() {
	grep '"transport":"quic"' "$DIR/records.json" 2>/dev/null | grep "\"server_port\":$1," | tail -1
}
has_rec() { [ -n "$(rec "$1")" ]; }
# the record of the QUIC connection whose client's first DCID is HEX
rec_dcid() {
	grep '"transport":"quic"' "$DIR/records.json" 2>/dev/null | grep "\"dcid\":\"$1\"" | tail -1
}
has_rec_dcid() { [ -n "$(rec_dcid "$1")" ]; }
field() { # PORT (or dcid=HEX) PYTHON-EXPRESSION on the record r
	case $1 in
	dcid=*) rec_dcid "${1#dcid=}" ;;
	*) rec "$1" ;;
	esac | python3 -c "import json,sys; r=json.loads(sys.stdin.read()); print($2)" 2>/dev/null
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
	e2e_bg ip netns exec "$LAB_NS_A" timeout 600 gtlsserver -q --validate-addr \
		'*' 4437 "$c/a.key" "$c/a.crt" >"$DIR/server-4437.log" 2>&1
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
	# the textfile is written after the privilege drop, as nobody
	chmod 0711 "$DIR"
	install -d -o nobody -m 0755 "$DIR/prom"
	lab_tlsmon "$DIR/records.json" "$DIR/tlsmon.err" --json --handshake-timeout 2 \
		--textfile-dir "$DIR/prom" --textfile-interval 1 ||
		tap_skip_all "tlsmon does not attach: $(cat "$DIR/tlsmon.err")"
	sleep 1
}

test_established() {
	capture_start est "udp port 4433"
	CASE= client a.lab.test 4433
	capture_stop
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
	[ "$(field 4433 '(r["quic"]["version"], r["quic"]["dcid"], r["sni"],
		r["alpn_offered"][0])')" = "$(hello_wire est)" ]
	ok $? "tshark reads the same version, DCID, SNI and ALPN off the wire" \
		"tshark: $(hello_wire est); tlsmon: $(rec 4433)"
}

test_no_shared_cipher() {
	capture_start cipher "udp port 4434"
	CASE= client a.lab.test 4434 \
		--ciphers='NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM'
	capture_stop
	grep -q 'CONNECTION_CLOSE(0x1c) error_code=CRYPTO_ERROR(0x128)' "$DIR/client-4434.log"
	ok $? "the server closed with 0x0128 (the client's log)" "$(tail -5 "$DIR/client-4434.log")"
	wait_for 10 has_rec 4434
	ok $? "the refused handshake has a QUIC record" "$(tail -5 "$DIR/client-4434.log")"
	[ "$(field 4434 'r["outcome"] + " " + str(r["quic"].get("close", {}).get("code"))')" = \
		"failed 296" ]
	ok $? "failed, by the server's CONNECTION_CLOSE 0x0128" "$(rec 4434)"
	[ "$(field 4434 'r["reason"]')" = no_shared_cipher ]
	ok $? "no_shared_cipher" "$(rec 4434)"
	wire cipher quic.cc.error_code.tls_alert | grep -qx 40
	ok $? "tshark: the server's CONNECTION_CLOSE is TLS alert 40, handshake_failure" \
		"$(wire cipher quic.cc.frame_type quic.cc.error_code quic.cc.error_code.tls_alert)"
}

test_no_answer() {
	capture_start silent "udp port 4435"
	CASE= client b.lab.test 4435
	capture_stop
	[ "$(wire silent udp.srcport | grep -cx 4435)" = 0 ] &&
		[ "$(wire silent quic.long.packet_type | grep -c .)" -gt 0 ]
	ok $? "tshark: the client's Initials went out, nothing came back" \
		"$(wire silent udp.srcport udp.dstport quic.long.packet_type)"
	wait_for 10 has_rec 4435
	ok $? "the unanswered handshake has a QUIC record" "$(cat "$DIR/records.json")"
	[ "$(field 4435 'r["reason"]')" = no_server_response ]
	ok $? "no_server_response" "$(rec 4435)"
}

test_hello_retry() {
	capture_start hrr "udp port 4436"
	CASE= client a.lab.test 4436
	capture_stop
	grep -q 'QUIC handshake has completed' "$DIR/client-4436.log"
	ok $? "the client completed its handshake (its log)" "$(tail -5 "$DIR/client-4436.log")"
	wait_for 10 has_rec 4436
	ok $? "the retried handshake has a QUIC record" "$(cat "$DIR/records.json")"
	[ "$(field 4436 'r["outcome"], r["hello_retry_request"], r["group"], r["ja4_retry"][:4]')" = \
		"established True secp384r1 q13d" ]
	ok $? "established after a HelloRetryRequest to secp384r1, both hellos fingerprinted" \
		"$(rec 4436)"
	[ "$(wire hrr tls.handshake.type | tr , '\n' | grep -cx 1) $(wire hrr \
		tls.handshake.extensions_key_share_selected_group | grep -v '^$')" = "2 24" ]
	ok $? "tshark: two ClientHellos, the HelloRetryRequest selects secp384r1 (24)" \
		"$(wire hrr tls.handshake.type tls.handshake.extensions_key_share_selected_group)"
}

test_version_negotiation() {
	local vn
	capture_start vn "udp port 4433"
	CASE=-vn client a.lab.test 4433 --version=0x1a2a3a4a
	capture_stop
	grep -q 'version=0x00000000 type=VN' "$DIR/client-4433-vn.log"
	ok $? "the server answered 0x1a2a3a4a with Version Negotiation (the client's log)" \
		"$(tail -5 "$DIR/client-4433-vn.log")"
	wait_for 10 bash -c "grep -q quic_version_negotiation '$DIR/records.json'"
	ok $? "a Version Negotiation: quic_version_negotiation" "$(grep 4433 "$DIR/records.json")"
	vn=$(grep quic_version_negotiation "$DIR/records.json" | tail -1 | python3 -c \
		'import json,sys; print(",".join(json.load(sys.stdin)["quic"]["version_negotiation"]))')
	[ -n "$vn" ] && [ "$vn" = "$(wire vn quic.supported_version | grep -v '^$' | head -1)" ]
	ok $? "the versions offered are those tshark reads in the Version Negotiation" \
		"tlsmon: $vn; tshark: $(wire vn quic.version quic.supported_version)"
}

# tshark's fields of the capture NAME's QUIC packets (it opens Initials itself)
wire() { # NAME FIELD...
	local f a=()
	for f in "${@:2}"; do a+=(-e "$f"); done
	tshark -r "$LAB_DIR/pcap/$1.pcap" -n -Y quic -T fields \
		-E occurrence=a -E aggregator=, "${a[@]}" 2>/dev/null
}

# tshark's version, DCID, SNI and first ALPN of the first ClientHello in capture NAME
hello_wire() {
	tshark -r "$LAB_DIR/pcap/$1.pcap" -n -Y 'tls.handshake.type == 1' -T fields \
		-e quic.version -e quic.dcid -e tls.handshake.extensions_server_name \
		-e tls.handshake.extensions_alpn_str 2>/dev/null | head -1 |
		python3 -c 'import sys; v, d, s, a = sys.stdin.read().rstrip("\n").split("\t")
print((v.split(",")[0], d.split(",")[0], s, a.split(",")[0]))'
}

test_alpn_refused() {
	local dcid
	if [ ! -x "$QI" ]; then
		skip "the refused ALPN" "build the test tools first (make tests): no $QI"
		return
	fi
	capture_start alpn "udp port 4433"
	lab_client timeout 10 "$QI" -s a.lab.test -a nope -t 3000 a.lab.test 4433 \
		>"$DIR/qi-alpn.log" 2>&1
	capture_stop
	dcid=$(sed -n 's/^sent 1200 dcid \([0-9a-f]*\) .*/\1/p' "$DIR/qi-alpn.log")
	[ -n "$dcid" ]
	ok $? "the hand-built Initial went out, 1200 bytes" "$(cat "$DIR/qi-alpn.log")"
	grep -qx 'close 0x1c error 0x178' "$DIR/qi-alpn.log"
	ok $? "the server's Initial closes with 0x0178, no_application_protocol (the tool's keys)" \
		"$(cat "$DIR/qi-alpn.log")"
	# the wire as tshark reads it: the offer, the close
	wire alpn quic.dcid tls.handshake.extensions_alpn_str | grep -q "^$dcid	nope$"
	ok $? "tshark: the client's Initial offers ALPN nope only" \
		"$(wire alpn quic.dcid tls.handshake.extensions_alpn_str)"
	wire alpn quic.cc.error_code.tls_alert | grep -qx 120
	ok $? "tshark: the server's CONNECTION_CLOSE is TLS alert 120" \
		"$(wire alpn quic.cc.frame_type quic.cc.error_code quic.cc.error_code.tls_alert)"
	wait_for 10 has_rec_dcid "$dcid"
	ok $? "tlsmon has a QUIC record of the refused connection" "$(cat "$DIR/records.json")"
	[ "$(field "dcid=$dcid" 'r["outcome"], r["reason"], r["quic"]["close"]["code"], r["sni"]')" \
		= "failed no_shared_alpn 376 a.lab.test" ]
	ok $? "failed, no_shared_alpn, by the server's close 0x0178, SNI a.lab.test" \
		"$(rec_dcid "$dcid")"
	[ "$(field "dcid=$dcid" 'r["alpn_offered"]')" = "['nope']" ]
	ok $? "the ALPN offered: nope" "$(rec_dcid "$dcid")"
}

test_retry() {
	local retries
	capture_start retry "udp port 4437"
	CASE= client a.lab.test 4437
	capture_stop
	grep -q 'QUIC handshake has completed' "$DIR/client-4437.log"
	ok $? "the client completed its handshake (its log)" "$(tail -5 "$DIR/client-4437.log")"
	retries=$(wire retry quic.long.packet_type | grep -cx 3)
	[ "$retries" = 1 ]
	ok $? "tshark: the server sent one Retry" "$(wire retry quic.long.packet_type)"
	wait_for 10 has_rec 4437
	ok $? "the handshake after a Retry has a QUIC record" "$(cat "$DIR/records.json")"
	[ "$(grep '"transport":"quic"' "$DIR/records.json" | grep -c '"server_port":4437,')" = 1 ]
	ok $? "one record: the Retry does not split the connection" \
		"$(grep '"server_port":4437,' "$DIR/records.json")"
	[ "$(field 4437 'r["outcome"], r.get("reason"), r["quic"]["retries"], r["sni"]')" = \
		"established None $retries a.lab.test" ]
	ok $? "established, not a failure, with the Retry counted" "$(rec 4437)"
	# the connection is named by the client's first DCID, the one before the Retry
	[ "$(field 4437 'r["quic"]["dcid"]')" = "$(wire retry quic.dcid | head -1 | cut -d, -f1)" ]
	ok $? "its DCID is the client's first, as tshark reads it" \
		"$(wire retry quic.long.packet_type quic.dcid | head -3)"
	wait_for 5 retries_counted "$retries"
	ok $? "the textfile counts the Retry" "$(grep quic_retries "$DIR/prom/tlsmon.prom")"
}

# retries_counted N: the textfile's tlsmon_quic_retries_total is at least N
retries_counted() {
	awk -v n="$1" '$1 == "tlsmon_quic_retries_total" && $2 >= n {f = 1} END {exit !f}' \
		"$DIR/prom/tlsmon.prom" 2>/dev/null
}

test_initial_tool() {
	if [ ! -x "$QI" ]; then
		skip "the Initial builder" "build the test tools first (make tests): no $QI"
		return
	fi
	"$QI" --vectors >"$DIR/qi-vectors.log" 2>&1
	ok $? "the Initial builder's keys and protection hold to RFC 9001 A" \
		"$(cat "$DIR/qi-vectors.log")"
}

ALL_TESTS="test_established test_no_shared_cipher test_no_answer test_hello_retry
test_version_negotiation test_initial_tool test_alpn_refused test_retry"
e2e_run
