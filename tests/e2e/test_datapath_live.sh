#!/usr/bin/env bash
# The kernel datapath live: two network namespaces on a veth pair, a real
# openssl s_server and s_client, tlsmon attached to the client's side
# (XDP ingress, TC egress) printing raw events.  TLS 1.2 and 1.3 over IPv4
# and IPv6, a ClientHello spread over several segments, a server alert; then
# detach after SIGTERM and after SIGKILL leaves nothing of ours behind; the
# netlink TC filters of kernels without TCX.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon attached"
E2E_TOOLS="openssl python3"
C=$E2E_NS-c S=$E2E_NS-s

srv() { # port, extra s_server options...  (OpenSSL listens v6-only: one per family)
	local port=$1 a
	shift
	for a in "[::]:$port" "0.0.0.0:$port"; do
		e2e_bg ip netns exec $S openssl s_server -quiet -naccept 1000 -cert $DIR/cert.pem \
			-key $DIR/key.pem -accept "$a" "$@" </dev/null >/dev/null 2>&1
	done
}

setup() {
	tap_cleanup "ip netns del $C; ip netns del $S"
	ip netns add $C && ip netns add $S || tap_skip_all "cannot create network namespaces"
	ip link add veth-c netns $C type veth peer name veth-s netns $S
	for ns in $C $S; do ip -n $ns link set lo up; done
	ip -n $C addr add 10.99.0.1/24 dev veth-c
	ip -n $S addr add 10.99.0.2/24 dev veth-s
	ip -n $C addr add fd99::1/64 dev veth-c nodad
	ip -n $S addr add fd99::2/64 dev veth-s nodad
	ip -n $C link set veth-c up
	ip -n $S link set veth-s up

	openssl req -x509 -newkey rsa:2048 -nodes -keyout $DIR/key.pem -out $DIR/cert.pem \
		-days 2 -subj /CN=live.test -addext subjectAltName=DNS:live.test >/dev/null 2>&1
	srv 4413 -tls1_3
	srv 4412 -no_tls1_3
	srv 4400 -no_tls1_3 -cipher AES256-SHA
	wait_for 5 ip netns exec $S ss -ltn "sport = :4400" | grep -q LISTEN
}

start_tlsmon() { # output file, extra options
	local out=$1
	shift
	e2e_bg ip netns exec $C "$BIN" -i veth-c --events "$@" >"$out" 2>"$out.err"
	TPID=$E2E_PID
	wait_for 10 grep -q "watching veth-c" "$out.err"
}

cli() { # addr port extra...
	local a=$1 p=$2
	shift 2
	[[ $a == *:* ]] && a="[$a]"
	echo Q | timeout 10 ip netns exec $C openssl s_client -connect "$a:$p" "$@" >/dev/null 2>&1
}

ev() { python3 - "$DIR/ev.json" "$@"; }
check() { # description, python expression over the list of events E
	local name=$1
	shift
	python3 - "$DIR/ev.json" "$1" <<'EOF'
import json, sys
E = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ok = eval(sys.argv[2])
sys.exit(0 if ok else 1)
EOF
	ok $? "$name" "$(grep -E 'client_hello|server_hello|alert' "$DIR/ev.json" | cut -c1-300 | head -20)"
}

# TLS 1.2 and 1.3 over IPv4 and IPv6, a split ClientHello, an alert; detach
test_handshakes() {
	start_tlsmon $DIR/ev.json
	ok $? "tlsmon attaches to veth-c (XDP ingress, TC egress)" "$(cat $DIR/ev.json.err)"
	out=$(ip netns exec $C "$ATTACHED" veth-c)
	grep -q '^xdp .* tlsmon_xdp$' <<<"$out"
	ok $? "an XDP program is attached" "$out"
	grep -q '^tcx_egress .* tlsmon_tc_egres' <<<"$out"
	ok $? "a TC egress program is attached by a TCX link" "$out"

	cli 10.99.0.2 4413 -servername v4-tls13.live.test
	cli fd99::2 4413 -servername v6-tls13.live.test
	cli 10.99.0.2 4412 -servername v4-tls12.live.test -tls1_2
	cli fd99::2 4412 -servername v6-tls12.live.test -tls1_2
	# no shared cipher: the server answers with a fatal alert
	cli 10.99.0.2 4400 -servername alert.live.test -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
	# A large ClientHello (an ffdhe8192 key share and a long ALPN list) over a
	# 600-byte MTU.  TC egress on the client sees the socket's whole write, so a
	# second tlsmon watches the server's side, where XDP gets each segment.
	CPID=$TPID
	ip netns exec $C ip link set veth-c mtu 600
	ip netns exec $S ip link set veth-s mtu 600
	e2e_bg ip netns exec $S "$BIN" -i veth-s --events >$DIR/srv.json 2>$DIR/srv.json.err
	SPID=$E2E_PID
	wait_for 10 grep -q "watching veth-s" $DIR/srv.json.err
	alpn=$(for i in $(seq 1 40); do printf 'protocol-number-%02d,' $i; done)
	cli 10.99.0.2 4413 -servername big.live.test -groups ffdhe8192:x25519 -alpn "${alpn%,}"
	sleep 1
	kill -TERM $SPID
	wait $SPID
	kill -TERM $CPID
	wait $CPID
	ok $? "tlsmon exits cleanly on SIGTERM"

	check "TLS 1.3 over IPv4: ClientHello SNI and ServerHello version/cipher" \
		'any(e["event"]=="client_hello" and e["sni"]=="v4-tls13.live.test" and e["client"]=="10.99.0.1" and e["server_port"]==4413 for e in E) and any(e["event"]=="server_hello" and e.get("selected_version")=="TLSv1.3" and e["client"]=="10.99.0.1" and e["cipher"].startswith("TLS_AES") for e in E)'
	check "TLS 1.3 over IPv6" \
		'any(e["event"]=="client_hello" and e["sni"]=="v6-tls13.live.test" and e["client"]=="fd99::1" for e in E) and any(e["event"]=="server_hello" and e["client"]=="fd99::1" and e["server_port"]==4413 for e in E)'
	check "TLS 1.2 over IPv4: legacy version and ECDHE cipher" \
		'any(e["event"]=="client_hello" and e["sni"]=="v4-tls12.live.test" for e in E) and any(e["event"]=="server_hello" and e["legacy_version"]=="TLSv1.2" and "selected_version" not in e and e["server_port"]==4412 and e["client"]=="10.99.0.1" for e in E)'
	check "TLS 1.2 over IPv6" \
		'any(e["event"]=="client_hello" and e["sni"]=="v6-tls12.live.test" for e in E) and any(e["event"]=="server_hello" and e["server_port"]==4412 and e["client"]=="fd99::1" for e in E)'
	check "the server's fatal handshake_failure alert arrives in clear" \
		'any(e["event"]=="alert" and e["dir"]=="s2c" and not e["encrypted"] and e["level"]=="fatal" and e["description"]=="handshake_failure" and e["server_port"]==4400 for e in E)'
	check "client side: TC egress parses the large ClientHello from the socket's one write" \
		'any(e["event"]=="client_hello" and e["sni"]=="big.live.test" and e["alpn"][0]=="protocol-number-01" and e["truncated"] and "ffdhe8192" in e["key_shares"] for e in E)'
	check "TC egress saw the client's records, XDP the server's" \
		'any(e["event"]=="change_cipher_spec" or e["event"]=="application_data" for e in E if e["dir"]=="c2s") and any(e["dir"]=="s2c" for e in E)'
	cp $DIR/srv.json $DIR/ev.json
	check "server side: the ClientHello arrives in several segments, is shipped and reassembled with its SNI and ALPN" \
		'len([e for e in E if e["event"]=="segment_bytes" and e["dir"]=="c2s"])>=3 and any(e["event"]=="client_hello" and e["sni"]=="big.live.test" and e["alpn"][0]=="protocol-number-01" and e["truncated"] and "ffdhe8192" in e["key_shares"] for e in E)'

	# Detach: nothing of ours after SIGTERM
	out=$(ip netns exec $C "$ATTACHED" veth-c)
	[ -z "$out" ]
	ok $? "after SIGTERM no program is attached to veth-c" "$out"
}

# SIGKILL: the XDP and TCX links die with the process; so does TC ingress
test_sigkill() {
	start_tlsmon $DIR/ev2.json
	kill -KILL $TPID
	wait $TPID 2>/dev/null
	out=$(ip netns exec $C "$ATTACHED" veth-c)
	[ -z "$out" ]
	ok $? "after SIGKILL no program is attached to veth-c (XDP and TCX links)" "$out"
	start_tlsmon $DIR/ev3.json --tc-ingress
	out=$(ip netns exec $C "$ATTACHED" veth-c)
	grep -q '^tcx_ingress .* tlsmon_tc_ingre' <<<"$out" && grep -q '^tcx_egress ' <<<"$out" &&
		! grep -q '^xdp ' <<<"$out"
	ok $? "--tc-ingress: TCX on both directions, no XDP" "$out"
	kill -KILL $TPID
	wait $TPID 2>/dev/null
	out=$(ip netns exec $C "$ATTACHED" veth-c)
	[ -z "$out" ]
	ok $? "after SIGKILL of the --tc-ingress run, nothing is attached" "$out"
}

# Kernels without TCX links (before 6.6) get classic clsact filters over
# netlink; TLSMON_TC_NETLINK=1 takes that path here.
nl_start() { # output file, extra options
	TLSMON_TC_NETLINK=1 start_tlsmon "$@"
}

test_netlink() {
	nl_start $DIR/nl.json --tc-ingress
	out=$(ip netns exec $C "$ATTACHED" veth-c)
	grep -q '^tc_ingress .* tlsmon_tc_ingre' <<<"$out" && grep -q '^tc_egress .* tlsmon_tc_egres' <<<"$out" &&
		! grep -q -E '^(xdp|tcx)' <<<"$out"
	ok $? "TLSMON_TC_NETLINK=1 --tc-ingress: netlink TC filters on both directions, no TCX or XDP" "$out"
	! grep -q libbpf $DIR/nl.json.err
	ok $? "no libbpf noise about the clsact qdisc the other direction created" "$(cat $DIR/nl.json.err)"
	cli 10.99.0.2 4412 -servername netlink.live.test -tls1_2
	sleep 1
	kill -TERM $TPID
	wait $TPID
	ok $? "the netlink run exits cleanly on SIGTERM" "$(cat $DIR/nl.json.err)"
	cp $DIR/nl.json $DIR/ev.json
	check "netlink TC filters: the ClientHello (egress) and the ServerHello (ingress)" \
		'any(e["event"]=="client_hello" and e["sni"]=="netlink.live.test" for e in E) and any(e["event"]=="server_hello" and e["server_port"]==4412 and e["client"]=="10.99.0.1" for e in E)'
	# without CAP_NET_ADMIN after the privilege drop, the filters outlive the
	# process, as documented, and the next run removes them
	grep -q "veth-c: 2 TC filter(s) stay attached" $DIR/nl.json.err &&
		[ "$(ip netns exec $C "$ATTACHED" veth-c | grep -c '^tc_')" = 2 ]
	ok $? "after SIGTERM as nobody the two filters stay, and tlsmon says so" "$(cat $DIR/nl.json.err)"
	start_tlsmon $DIR/nl2.json
	grep -q "veth-c: removed 2 TC filter(s) left by an earlier tlsmon" $DIR/nl2.json.err
	ok $? "the next tlsmon on veth-c removes them" "$(cat $DIR/nl2.json.err)"
	out=$(ip netns exec $C "$ATTACHED" veth-c)
	! grep -q '^tc_' <<<"$out" && grep -q '^tcx_egress ' <<<"$out"
	ok $? "... and attaches by TCX as usual" "$out"
	kill -TERM $TPID
	wait $TPID
	# SIGKILL leaves the filters too; the next run cleans up
	nl_start $DIR/nl3.json
	kill -KILL $TPID
	wait $TPID 2>/dev/null
	out=$(ip netns exec $C "$ATTACHED" veth-c)
	grep -q '^tc_egress .* tlsmon_tc_egres' <<<"$out" && ! grep -q '^tc_ingress' <<<"$out"
	ok $? "after SIGKILL of a netlink run its TC egress filter stays (XDP's link is gone)" "$out"
	# with privileges kept, exit removes the filters and the qdisc it created
	ip netns exec $C tc filter del dev veth-c egress 2>/dev/null
	ip netns exec $C tc qdisc del dev veth-c clsact 2>/dev/null
	nl_start $DIR/nl4.json --tc-ingress --no-drop
	grep -q "removed" $DIR/nl4.json.err
	[ $? -ne 0 ]
	ok $? "(nothing stale was left for that run)" "$(cat $DIR/nl4.json.err)"
	kill -TERM $TPID
	wait $TPID
	out=$(ip netns exec $C "$ATTACHED" veth-c; ip netns exec $C tc qdisc show dev veth-c | grep clsact)
	[ -z "$out" ]
	ok $? "--no-drop: SIGTERM removes both filters and the clsact qdisc tlsmon created" "$out"
}

# A second instance on the same interface refuses with a clear message
test_second_instance() {
	start_tlsmon $DIR/ev4.json
	ip netns exec $C "$BIN" -i veth-c --events >/dev/null 2>$DIR/second.err
	rc=$?
	[ $rc -ne 0 ] && grep -q "already watching veth-c" $DIR/second.err
	ok $? "a second tlsmon on the same interface refuses" "$(cat $DIR/second.err)"
	kill -TERM $TPID
	wait $TPID
}

ALL_TESTS="test_handshakes test_sigkill test_netlink test_second_instance"
e2e_run
