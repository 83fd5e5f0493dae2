#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The field-report scenarios reproduced live: tlsmon attached to the lab
# client's interface (XDP ingress, TC egress) writing JSON records, while
# real clients (openssl s_client, curl, gnutls-cli, python3 ssl) talk to real
# servers (nginx, openssl s_server) across a router that can play the
# SNI-blocking middlebox.  What each scenario puts on the wire is documented
# in tests/e2e/SCENARIOS.md; the expected diagnosis of every step is in
# tests/e2e/scenarios_check.py, which reads the records and prints TAP.
#
# Each step runs alone and is timed; a record belongs to the step whose time
# window holds its start.  The steps that need an IPv6 path come before the
# small-MTU steps (below 1280 bytes the kernel disables IPv6 on the link).
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon lab"
E2E_TOOLS="openssl curl gnutls-cli python3 nginx tshark iptables"
LAB_TIMEOUT=12

now() { date +%s.%N; }
# step NAME CMD...: run CMD alone in its own time window; the next step
# starts once tlsmon has settled this one (its records are written) or after
# the settle bound.
step() {
	local name=$1 t0 t1 rc n0 i
	shift
	n0=$(wc -l <"$DIR/records.json")
	t0=$(now)
	"$@" >"$DIR/$name.out" 2>&1
	rc=$?
	# records are written when a handshake settles (close, alert, reset)
	for ((i = 0; i < 40; i++)); do
		[ "$(wc -l <"$DIR/records.json")" -gt "$n0" ] && break
		sleep 0.1
	done
	sleep 0.3
	t1=$(now)
	printf '%s\t%s\t%s\t%s\n' "$name" "$t0" "$t1" "$rc" >>"$STEPS"
}

# every scenario, each step alone, under one tlsmon; the tests read its records
setup() {
	# A server that accepts and never answers (no_server_hello), on backend B.
	lab_silent_server b 4499
	lab_tlsmon "$DIR/records.json" "$DIR/tlsmon.err" --json --handshake-timeout 3 --no-textfile ||
		tap_skip_all "tlsmon does not attach: $(cat "$DIR/tlsmon.err")"
	STEPS=$DIR/steps.tsv
	: >"$STEPS"

	ALPN_LONG=$(for i in $(seq -w 1 40); do printf 'proto-%s-xxxxxxxxxxxxxxxxxxxx,' "$i"; done)
	S=$DIR/sess
	mkdir -p "$S"

	# 1. success: TLS 1.3 and 1.2, full and resumed; HelloRetryRequest; mutual TLS; IPv6
	step ok13_full lab_sclient a.lab.test:4413 -4 -sess_out $S/t13
	step ok13_psk lab_sclient a.lab.test:4413 -4 -sess_in $S/t13
	step ok12_full_ticket lab_sclient a.lab.test:4412 -4 -sess_out $S/t12
	step ok12_ticket lab_sclient a.lab.test:4412 -4 -sess_in $S/t12
	step ok12_full_id lab_sclient a.lab.test:4412 -4 -no_ticket -sess_out $S/t12id
	step ok12_session_id lab_sclient a.lab.test:4412 -4 -no_ticket -sess_in $S/t12id
	step ok13_hrr lab_sclient a.lab.test:4414 -4
	step ok_mtls12 lab_sclient a.lab.test:4420 -4 -cert $LAB_CERTS/client.crt -key $LAB_CERTS/client.key
	step ok_mtls13 lab_sclient a.lab.test:4421 -4 -cert $LAB_CERTS/client.crt -key $LAB_CERTS/client.key
	step ok_v6 lab_sclient a.lab.test:443 -6
	step ok_curl_a lab_curl https://a.lab.test/ -4 -o /dev/null
	step ok_curl_b lab_curl https://b.lab.test/ -4 -o /dev/null
	step ok_curl_b6 lab_curl https://b.lab.test/ -6 -o /dev/null

	# 2. version mismatch
	step vm_tls1 lab_sclient a.lab.test:4410 -4 -tls1
	step vm_tls11_nginx lab_sclient a.lab.test:443 -4 -tls1_1

	# no shared cipher: a single weak suite (field report 000)
	step nsc_weak lab_sclient a.lab.test:443 -4 -tls1_2 -cipher DHE-RSA-AES128-SHA256

	# 3. python and backends A/B behind one name (field report 004)
	step py_rr lab_python api.lab.test 443 6
	step py_rr6 lab_python api.lab.test 443 2 --addr fd77:3::2

	# 4. the SNI-blocking middlebox
	lab_block_sni blocked.lab.test
	step mb_sclient4 lab_sclient blocked.lab.test:443 -4
	step mb_sclient6 lab_sclient blocked.lab.test:443 -6
	step mb_curl4 lab_curl https://blocked.lab.test/ -4 -o /dev/null
	step mb_other_ok lab_curl https://a.lab.test/ -4 -o /dev/null
	lab_unblock_sni blocked.lab.test
	step mb_unblocked_ok lab_curl https://blocked.lab.test/ -4 -o /dev/null

	# 5. mutual TLS: the server rejects the client certificate
	WEAK=(-cipher DEFAULT@SECLEVEL=0 -cert $LAB_CERTS/client-weak.crt -key $LAB_CERTS/client-weak.key)
	SMALL=(-cipher DEFAULT@SECLEVEL=0 -cert $LAB_CERTS/client-rsa1024.crt -key $LAB_CERTS/client-rsa1024.key)
	UNTR=(-cert $LAB_CERTS/client-untrusted.crt -key $LAB_CERTS/client-untrusted.key)
	step mtls12_weak lab_sclient a.lab.test:4420 -4 "${WEAK[@]}"
	step mtls12_rsa1024 lab_sclient a.lab.test:4420 -4 "${SMALL[@]}"
	step mtls12_untrusted lab_sclient a.lab.test:4420 -4 "${UNTR[@]}"
	step mtls12_nocert lab_sclient a.lab.test:4420 -4
	step mtls13_weak lab_sclient a.lab.test:4421 -4 "${WEAK[@]}"
	step mtls13_untrusted lab_sclient a.lab.test:4421 -4 "${UNTR[@]}"
	step mtls13_nocert lab_sclient a.lab.test:4421 -4
	step mtls13_curl_untrusted lab_curl https://a.lab.test:4421/ -4 -o /dev/null \
		--cert $LAB_CERTS/client-untrusted.crt --key $LAB_CERTS/client-untrusted.key

	# 6. the SNI-routing proxy
	step px_nosni lab_sclient proxy.lab.test:443 -4 -noservername
	step px_curl_ip lab_curl https://10.77.4.2/ -k -o /dev/null
	step px_unknown_sni lab_sclient proxy.lab.test:443 -4 -servername nobody.lab.test
	step px_ok lab_sclient proxy.lab.test:443 -4 -servername a.lab.test

	# 7. clients refusing the server's certificate: expired, wrong name, unknown CA
	for c in 4430:expired 4431:wrongname 4432:unknownca; do
		p=${c%%:*} n=${c#*:}
		for v in 12 13; do
			step "cr_${n}_${v}_sclient" lab_sclient a.lab.test:$p -4 -tls1_${v: -1}
			step "cr_${n}_${v}_gnutls" lab_gnutls -4 a.lab.test $p \
				--priority "NORMAL:-VERS-ALL:+VERS-TLS1.${v: -1}"
			step "cr_${n}_${v}_curl" lab_curl https://a.lab.test:$p/ -4 -o /dev/null \
				--tlsv1.${v: -1} --tls-max 1.${v: -1}
			if [ $v = 12 ]; then
				step "cr_${n}_${v}_python" lab_python a.lab.test $p 1 --addr 10.77.2.2 --tls12
			else
				step "cr_${n}_${v}_python" lab_python a.lab.test $p 1 --addr 10.77.2.2
			fi
		done
	done

	# the rest of the reasons
	step unrecognized_name lab_sclient a.lab.test:4415 -4 -servername other.lab.test
	step plain_text lab_sclient a.lab.test:8443 -4
	step no_alpn lab_sclient a.lab.test:443 -4 -alpn "${ALPN_LONG%,}"
	step no_server_hello lab_curl https://10.77.3.2:4499/ -k -o /dev/null --max-time 6
	# a client that gives up after the server's first flight, with a reset
	step aborted lab_client python3 -c '
import socket, ssl, struct, time
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE; ctx.maximum_version = ssl.TLSVersion.TLSv1_2
i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
t = ctx.wrap_bio(i, o, server_hostname="a.lab.test")
try: t.do_handshake()
except ssl.SSLWantReadError: pass
s = socket.create_connection(("10.77.2.2", 4412), timeout=5)
s.sendall(o.read())
got = b""
end = time.time() + 5
while b"\x0e\x00\x00\x00" not in got and time.time() < end:	# ServerHelloDone
    got += s.recv(65536)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
'

	# 8. ClientHellos spread over several segments: a big one at MTU 1500 ...
	step big_ch lab_sclient a.lab.test:443 -4 -groups ffdhe8192:X25519 -alpn "${ALPN_LONG}http/1.1"
	# ... and ordinary ones on a 400-byte MTU link (last: IPv6 goes away below 1280)
	ip -n $LAB_NS_CLI link set $LAB_IF mtu 400 && ip -n $LAB_NS_RTR link set $LAB_IF_RTR_CLI mtu 400
	step mtu400_curl_ok lab_curl https://a.lab.test/ -4 -o /dev/null
	step mtu400_unrecognized lab_sclient a.lab.test:4415 -4 -servername other.lab.test \
		-alpn "${ALPN_LONG%,}"
	lab_block_sni blocked.lab.test
	step mtu400_middlebox lab_curl https://blocked.lab.test/ -4 -o /dev/null
	lab_unblock_sni blocked.lab.test

	kill -TERM $TPID
	wait $TPID
	RC=$?
}

test_exit() {
	[ $RC -eq 0 ]
	ok $? "tlsmon exits 0 on SIGTERM" "$(tail -5 "$DIR/tlsmon.err")"
	grep -v '^{' "$DIR/records.json" | head -5 | while read -r l; do diag "non-JSON line: $l"; done
}

# every step's records, against tests/e2e/scenarios_check.py
test_diagnoses() {
	# The checker prints one line per expectation: "ok<TAB>name" or
	# "not ok<TAB>name<TAB>detail"; it exits 2 when it cannot run at all.
	python3 tests/e2e/scenarios_check.py "$DIR/records.json" "$STEPS" >"$DIR/checks.tsv" 2>"$DIR/checks.err"
	crc=$?
	[ $crc -le 1 ]
	ok $? "the scenario checker runs" "$(cat "$DIR/checks.err")"
	while IFS=$'\t' read -r res name detail; do
		if [ "$res" = ok ]; then pass "$name"; else fail "$name" "$detail"; fi
	done <"$DIR/checks.tsv"
	if [ $TAP_FAILED -ne 0 ] || [ -n "${TLSMON_KEEP:-}" ]; then
		mkdir -p /tmp/tlsmon-scenarios-last
		cp "$DIR/records.json" "$STEPS" "$DIR/tlsmon.err" "$DIR"/*.out /tmp/tlsmon-scenarios-last/ 2>/dev/null
		diag "records, steps and client outputs kept in /tmp/tlsmon-scenarios-last"
	fi
}

ALL_TESTS="test_exit test_diagnoses"
e2e_run
