#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The namespace lab itself: up, every server answers as documented in
# scripts/lab.sh and tests/e2e/SCENARIOS.md, the middlebox rule, captures,
# then down leaves nothing behind.  Own prefix and directory, so it can run
# while another lab is up.
. "$(dirname "$0")/../lib/e2e.sh"
set -o pipefail
E2E_NEEDS="root lab-names"
E2E_TOOLS="openssl nginx curl gnutls-cli python3 iptables tcpdump tshark ethtool"
E2E_FILES=/usr/lib/nginx/modules/ngx_stream_module.so	# libnginx-mod-stream

C=$LAB_CERTS
LV0=(-cipher DEFAULT@SECLEVEL=0)

# has NAME PATTERN CMD...: pass when CMD's output (stdout+stderr) matches
has() {
	local name=$1 pat=$2 out
	shift 2
	out=$("$@" 2>&1)
	if grep -qE -- "$pat" <<<"$out"; then
		pass "$name"
	else
		fail "$name" "expected /$pat/, got:" "$(tail -n 5 <<<"$out")"
	fi
}

setup() {
	lab_up >/dev/null 2>&1
	LAB_UP_RC=$?
}

test_up() {
	if [ $LAB_UP_RC -ne 0 ]; then
		fail "lab up"
		tap_done
		exit 1
	fi
	pass "lab up"

	n=0
	for ns in cli rtr a b px; do [ -e "/run/netns/$LAB_PREFIX-$ns" ] && n=$((n + 1)); done
	ok $((n != 5)) "five namespaces"
	has "client cli0 has 10.77.1.2 and fd77:1::2" '10\.77\.1\.2/24.*fd77:1::2/64' \
		ip -n "$LAB_NS_CLI" -br addr show dev cli0
	has "router forwards IPv4 and IPv6" '^1 1$' \
		bash -c "echo \$(ip netns exec $LAB_NS_RTR cat /proc/sys/net/ipv4/ip_forward \
		/proc/sys/net/ipv6/conf/all/forwarding)"
	has "offloads off on cli0" 'tcp-segmentation-offload: off' lab_client ethtool -k cli0
}

test_backends() {
	has "A:443 TLS 1.3 over IPv4 (curl)" '^backend A TLSv1\.3 ' lab_curl https://a.lab.test/ -4
	has "A:443 TLS 1.3 over IPv6 (curl)" '^backend A TLSv1\.3 ' lab_curl https://a.lab.test/ -6
	has "A:443 TLS 1.2 picks ECDHE-RSA-AES256-SHA384" 'TLSv1\.2 ECDHE-RSA-AES256-SHA384' \
		lab_curl https://a.lab.test/ -4 --tls-max 1.2
	has "B:443 TLS 1.2 AES256-SHA (curl)" '^backend B TLSv1\.2 AES256-SHA ' lab_curl https://b.lab.test/ -4
	py=$(lab_python api.lab.test 443 2 2>&1 | tr '\n' ' ')
	grep -qE '1 10\.77\.2\.2 ok TLSv1\.3 .*2 10\.77\.3\.2 fail SSLV3_ALERT_HANDSHAKE_FAILURE' <<<"$py"
	ok $? "python round robin: A ok, B alert handshake_failure" "$py"
	has "plain HTTP on 8443" '^plain http on a tls port' lab_curl http://a.lab.test:8443/ -4
}

test_sserver_ports() {
	has "4410 refuses TLS 1.0 (alert 70)" 'alert protocol version' \
		lab_sclient a.lab.test:4410 -4 -tls1 "${LV0[@]}"
	rm -f "$LAB_DIR/t12.sess" "$LAB_DIR/t13.sess"
	has "4412 TLS 1.2 full" '^New, TLSv1\.2' lab_sclient a.lab.test:4412 -4 -sess_out "$LAB_DIR/t12.sess"
	has "4412 TLS 1.2 resumed (ticket)" '^Reused, TLSv1\.2' lab_sclient a.lab.test:4412 -4 -sess_in "$LAB_DIR/t12.sess"
	has "4413 TLS 1.3 full" '^New, TLSv1\.3' lab_sclient a.lab.test:4413 -4 -sess_out "$LAB_DIR/t13.sess"
	has "4413 TLS 1.3 resumed (PSK)" '^Reused, TLSv1\.3' lab_sclient a.lab.test:4413 -4 -sess_in "$LAB_DIR/t13.sess"
	has "4414 HelloRetryRequest to P-384" 'Server Temp Key: ECDH, secp384r1' \
		lab_sclient a.lab.test:4414 -4 -brief
	has "4415 unrecognized_name for another SNI" 'unrecognized name' \
		lab_sclient a.lab.test:4415 -4 -servername other.lab.test
	has "4420 mutual TLS 1.2 with the good cert" 'HTTP/1\.0 200 ok' \
		lab_sclient a.lab.test:4420 -4 -cert "$C/client.crt" -key "$C/client.key"
	has "4421 mutual TLS 1.3 with the good cert" 'HTTP/1\.0 200 ok' \
		lab_sclient a.lab.test:4421 -4 -cert "$C/client.crt" -key "$C/client.key"
	has "4420 rejects the SHA-1 client cert (alert 42)" 'alert bad certificate' \
		lab_sclient a.lab.test:4420 -4 "${LV0[@]}" -cert "$C/client-weak.crt" -key "$C/client-weak.key"
	has "4421 rejects the untrusted client cert (alert 48)" 'alert unknown ca' \
		lab_sclient a.lab.test:4421 -4 -cert "$C/client-untrusted.crt" -key "$C/client-untrusted.key"
	has "4430 expired" 'certificate has expired' lab_sclient a.lab.test:4430 -4
	has "4431 wrong name" 'hostname mismatch' lab_sclient a.lab.test:4431 -4
	has "4432 unknown CA" 'unable to get local issuer certificate' lab_sclient a.lab.test:4432 -4
	has "gnutls-cli to A" 'backend A TLSv1\.3' lab_gnutls -4 a.lab.test 443
}

test_sni_proxy() {
	has "proxy routes SNI b.lab.test to B" '^backend B TLSv1\.2' \
		lab_curl https://b.lab.test/ --resolve b.lab.test:443:10.77.4.2
	has "proxy closes a ClientHello without SNI" 'unexpected eof while reading' \
		lab_sclient proxy.lab.test:443 -4 -noservername
}

# the middlebox, with a capture
test_middlebox() {
	lab_block_sni blocked.lab.test
	has "block-sni adds the FORWARD rule (v4 and v6)" 'tlsmon-lab block-sni blocked.lab.test.*tlsmon-lab block-sni blocked.lab.test' \
		bash -c "{ ip netns exec $LAB_NS_RTR iptables -S FORWARD; ip netns exec $LAB_NS_RTR ip6tables -S FORWARD; } | tr '\n' ' '"
	capture_start smoke-block
	ok $? "capture starts"
	has "blocked SNI is reset" 'Connection reset by peer' lab_curl https://blocked.lab.test/ -4
	has "other SNI to the same server passes" '^backend A' lab_curl https://a.lab.test/ -4
	capture_stop
	rst=$(pcap_fields "$CAPTURE_FILE" 'tcp.flags.reset == 1' | awk -F'\t' '$3 == "10.77.2.2" {print $8; exit}')
	[ "$rst" = 64 ]
	ok $? "capture shows the RST from 10.77.2.2 with TTL 64 (router), got '$rst'"
	ch=$(pcap_fields "$CAPTURE_FILE" 'tls.handshake.type == 1' | wc -l)
	ok $((ch != 2)) "capture shows two ClientHellos ($ch)"
	lab_unblock_sni blocked.lab.test
	has "unblock-sni removes it" '^0$' \
		bash -c "{ ip netns exec $LAB_NS_RTR iptables -S FORWARD; ip netns exec $LAB_NS_RTR ip6tables -S FORWARD; } | grep -c block-sni"
	has "blocked name passes again" '^backend A' lab_curl https://blocked.lab.test/ -4
}

# teardown leaves nothing
test_teardown() {
	declare -a procs=()
	for f in "$LAB_DIR"/pids/*.pid; do
		read -r pid st _ <"$f" && procs+=("$pid:$st")
	done
	ok $((${#procs[@]} != 13)) "13 server processes recorded (${#procs[@]})"
	lab_down >/dev/null 2>&1
	ok $? "lab down"

	left=0
	for p in "${procs[@]}"; do
		s=$(sed 's/.*) //' "/proc/${p%:*}/stat" 2>/dev/null | awk '{print $1, $20}')
		[ -n "$s" ] && [ "${s%% *}" != Z ] && [ "${s#* }" = "${p#*:}" ] && left=$((left + 1))
	done
	ok $left "no server process left ($left)"
	ok "$(ip netns list | grep -c "^$LAB_PREFIX-")" "no namespace left"
	ok "$( (ip -br link | grep -cE '^(cli0|r-cli|r-a|r-b|r-px|a0|b0|px0)[@ ]') || true)" \
		"no lab interface in the root namespace"
	[ -e "/etc/netns/$LAB_PREFIX-cli" ]
	ok $((!$?)) "no /etc/netns/$LAB_PREFIX-cli"
	[ -e "$LAB_DIR" ]
	ok $((!$?)) "no $LAB_DIR"
	ok "$( { iptables -S; ip6tables -S; } 2>/dev/null | grep -c 'tlsmon-lab')" "no lab rule in the root namespace"
	"$LAB_SH" down
	ok $? "down again is a no-op"
}

# links only, small MTU
test_small_mtu() {
	lab_up LAB_NO_SERVERS=1 LAB_MTU=400 >/dev/null 2>&1
	ok $? "lab up with LAB_NO_SERVERS=1 LAB_MTU=400"
	has "cli0 MTU 400" 'mtu 400 ' ip -n "$LAB_NS_CLI" link show cli0
	has "no server listening on A" '^0$' bash -c "ip netns exec $LAB_NS_A ss -Hltn | wc -l"
	# no ping here: a refused TCP connection proves A answered through the router
	has "client reaches A through the router (refused, no server)" 'Connection refused' \
		lab_client bash -c 'exec 3<>/dev/tcp/10.77.2.2/443'
	lab_down >/dev/null 2>&1
	ok "$(ip netns list | grep -c "^$LAB_PREFIX-")" "down again: no namespace left"

}

ALL_TESTS="test_up test_backends test_sserver_ports test_sni_proxy test_middlebox test_teardown
	test_small_mtu"
e2e_run
