#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run every failure/success scenario of tests/e2e/SCENARIOS.md in the lab,
# capture each at the client's interface (cli0) and print what tshark shows.
# This is how SCENARIOS.md was written; run it to check the document still
# holds on this machine.  Needs root.  Not a test (no TAP): it prints.
#
# usage: tests/e2e/run-scenarios.sh [SCENARIO...]     (default: all; -l lists)
# SCN_PCAPS=DIR keeps a copy of every capture (the lab directory goes at exit).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/lab.sh

[ "$(id -u)" -eq 0 ] || {
	echo "run-scenarios: needs root" >&2
	exit 1
}

C=$LAB_CERTS
SESS=$LAB_DIR/sess
OUT_LINES=${OUT_LINES:-12}

# show CMD...: print the command, run it, print the interesting part of its output
show() {
	echo "\$ $*"
	"$@" 2>&1 | grep -Ev '^(depth=|verify return:|-----|[A-Za-z0-9+/=]{64}$|---$|    )' |
		head -n "$OUT_LINES" | sed 's/^/    /'
	echo "    [exit ${PIPESTATUS[0]}]"
}

# scenario NAME: start a capture named NAME
scenario() {
	echo
	echo "################ $1"
	capture_start "$1" || exit 1
}

# fields: stop the capture and print it
fields() {
	capture_stop
	[ -n "${SCN_PCAPS:-}" ] && mkdir -p "$SCN_PCAPS" && cp "$CAPTURE_FILE" "$SCN_PCAPS/"
	echo "--- tshark at cli0 ($CAPTURE_FILE):"
	pcap_fields "$CAPTURE_FILE" "$@"
}

sess_sclient() { lab_sclient "$@" | grep -E '^(New|Reused)|Protocol|Cipher is|Session-ID:|TLS session ticket|Resumption PSK|Verify return|CONNECTION|alert|error|Early data'; }

# ------------------------------------------------------------ success

scn_tls13_full_psk() {
	rm -f "$SESS/t13"
	scenario tls13-full
	show sess_sclient a.lab.test:4413 -4 -sess_out "$SESS/t13"
	fields
	scenario tls13-psk
	show sess_sclient a.lab.test:4413 -4 -sess_in "$SESS/t13"
	fields
}

scn_tls12_full_ticket() {
	rm -f "$SESS/t12"
	scenario tls12-full-ticket
	show sess_sclient a.lab.test:4412 -4 -sess_out "$SESS/t12"
	fields
	scenario tls12-resumed-ticket
	show sess_sclient a.lab.test:4412 -4 -sess_in "$SESS/t12"
	fields
}

scn_tls12_sessid() {
	rm -f "$SESS/t12id"
	scenario tls12-full-sessid
	show sess_sclient a.lab.test:4412 -4 -no_ticket -sess_out "$SESS/t12id"
	fields
	scenario tls12-resumed-sessid
	show sess_sclient a.lab.test:4412 -4 -no_ticket -sess_in "$SESS/t12id"
	fields
}

scn_tls13_hrr() {
	scenario tls13-hrr
	show lab_sclient a.lab.test:4414 -4 -brief
	fields
}

scn_mtls_ok() {
	scenario mtls12-ok
	show lab_sclient a.lab.test:4420 -4 -brief -cert "$C/client.crt" -key "$C/client.key"
	fields
	scenario mtls13-ok
	show lab_sclient a.lab.test:4421 -4 -brief -cert "$C/client.crt" -key "$C/client.key"
	fields
}

scn_ipv6() {
	scenario tls13-ipv6
	show lab_sclient a.lab.test:443 -6 -brief
	fields
}

# ------------------------------------------------------------ failures

scn_version() {
	scenario version-tls10-seclevel2
	show lab_sclient a.lab.test:4410 -4 -tls1
	fields
	scenario version-tls10
	show lab_sclient a.lab.test:4410 -4 -tls1 -cipher DEFAULT@SECLEVEL=0
	fields
	scenario version-tls11
	show lab_sclient a.lab.test:4410 -4 -tls1_1 -cipher DEFAULT@SECLEVEL=0
	fields
	# nginx on A:443 has ssl_protocols TLSv1.2 TLSv1.3: same alert 70
	scenario version-tls10-to-nginx
	show lab_sclient a.lab.test:443 -4 -tls1 -cipher DEFAULT@SECLEVEL=0
	fields
	# an s_server with no version option (4430): TLS 1.0 is only ruled out by
	# the security level, and the alert is internal_error (80)
	scenario version-tls10-seclevel-only-server
	show lab_sclient a.lab.test:4430 -4 -tls1 -cipher DEFAULT@SECLEVEL=0
	fields
}

scn_cipher() {
	scenario cipher-dhe-only
	show lab_sclient a.lab.test:443 -4 -tls1_2 -cipher DHE-RSA-AES128-SHA256
	fields
	scenario python-rr
	show lab_python api.lab.test 443 2
	fields
	scenario python-tls12-a
	show lab_python api.lab.test 443 1 --tls12
	fields
	scenario python-b-hello
	show lab_python api.lab.test 443 1 --start 1
	fields 'tls.handshake.type == 1'
	tshark -r "$CAPTURE_FILE" -n -Y 'tls.handshake.type == 1' -T fields \
		-e tls.handshake.ciphersuite -E occurrence=a -E aggregator=, 2>/dev/null |
		tr ',' '\n' | awk '{printf "%s ", $0} END {print "(" NR " suites)"}'
	scenario curl-b
	show lab_curl https://b.lab.test/ -4 -o /dev/null -w '%{http_code}\n'
	fields
}

scn_sni_block() {
	lab_block_sni blocked.lab.test
	scenario sni-block-v4
	show lab_sclient blocked.lab.test:443 -4 -brief
	fields
	scenario sni-block-v6
	show lab_sclient blocked.lab.test:443 -6 -brief
	fields
	scenario sni-block-curl
	show lab_curl https://blocked.lab.test/ -4 -o /dev/null
	fields
	scenario sni-block-other-ok
	show lab_curl https://a.lab.test/ -4 -o /dev/null -w '%{http_code}\n'
	fields
	lab_unblock_sni blocked.lab.test
	scenario sni-unblocked
	show lab_curl https://blocked.lab.test/ -4 -o /dev/null -w '%{http_code}\n'
	fields
}

scn_mtls_reject() {
	local lv=(-cipher DEFAULT@SECLEVEL=0)
	local k
	for k in client-weak client-rsa1024 client-untrusted; do
		scenario "mtls12-reject-$k"
		show lab_sclient a.lab.test:4420 -4 -brief "${lv[@]}" -cert "$C/$k.crt" -key "$C/$k.key"
		fields
		scenario "mtls13-reject-$k"
		show lab_sclient a.lab.test:4421 -4 -brief "${lv[@]}" -cert "$C/$k.crt" -key "$C/$k.key"
		fields
	done
	scenario mtls12-nocert
	show lab_sclient a.lab.test:4420 -4 -brief
	fields
	scenario mtls13-nocert
	show lab_sclient a.lab.test:4421 -4 -brief
	fields
	# curl and python refuse to even load the weak certificates (security
	# level 2): no ClientHello is sent at all
	scenario mtls12-weak-curl-refuses
	show lab_curl https://a.lab.test:4420/ -4 -o /dev/null --ciphers DEFAULT@SECLEVEL=0 \
		--cert "$C/client-weak.crt" --key "$C/client-weak.key"
	fields
	scenario mtls12-untrusted-curl
	show lab_curl https://a.lab.test:4420/ -4 -o /dev/null \
		--cert "$C/client-untrusted.crt" --key "$C/client-untrusted.key"
	fields
	scenario mtls13-untrusted-curl
	show lab_curl https://a.lab.test:4421/ -4 -o /dev/null \
		--cert "$C/client-untrusted.crt" --key "$C/client-untrusted.key"
	fields
	scenario mtls13-weak-python
	show lab_python a.lab.test 4421 1 --addr 10.77.2.2 --cert "$C/client-weak.crt" \
		--key "$C/client-weak.key" --ciphers "@SECLEVEL=0:${LAB_PY_CIPHERS#@SECLEVEL=2:}"
	fields
	scenario mtls12-weak-python
	show lab_python a.lab.test 4420 1 --addr 10.77.2.2 --cert "$C/client-weak.crt" \
		--key "$C/client-weak.key" --ciphers "@SECLEVEL=0:${LAB_PY_CIPHERS#@SECLEVEL=2:}"
	fields
}

scn_proxy() {
	scenario proxy-nosni
	show lab_sclient proxy.lab.test:443 -4 -brief -noservername
	fields
	scenario proxy-nosni-curl-ip
	show lab_curl https://10.77.4.2/ -k -o /dev/null
	fields
	scenario proxy-sni-a
	show lab_sclient proxy.lab.test:443 -4 -brief -servername a.lab.test
	fields
	scenario proxy-sni-b
	show lab_sclient proxy.lab.test:443 -4 -brief -servername b.lab.test
	fields
	scenario proxy-sni-unknown
	show lab_sclient proxy.lab.test:443 -4 -brief -servername nope.lab.test
	fields
	echo "--- nginx access log:"
	sed 's/^/    /' "$LAB_DIR/nginx-px/logs/access.log"
	echo "--- nginx error log (last lines):"
	grep -v 'notice' "$LAB_DIR/nginx-px/logs/error.log" | tail -n 6 | sed 's/^/    /'
}

scn_unrecognized_name() {
	scenario sni-unrecognized-name
	show lab_sclient a.lab.test:4415 -4 -brief -servername other.lab.test
	fields
}

# Clients refusing the server's certificate: port 4430 expired, 4431 wrong
# name, 4432 unknown CA; TLS 1.2 and 1.3; four clients.
scn_server_cert() {
	local port kind v
	for port in 4430 4431 4432; do
		case $port in 4430) kind=expired ;; 4431) kind=wrongname ;; 4432) kind=unknownca ;; esac
		for v in 12 13; do
			local so=-tls1_2 co=(--tlsv1.2 --tls-max 1.2) go=NORMAL:-VERS-ALL:+VERS-TLS1.2
			local po=(--tls12)
			if [ $v = 13 ]; then
				so=-tls1_3 co=(--tlsv1.3 --tls-max 1.3) go=NORMAL:-VERS-ALL:+VERS-TLS1.3 po=()
			fi
			scenario "cert-$kind-tls$v-openssl"
			show lab_sclient a.lab.test:$port -4 -brief $so
			fields
			scenario "cert-$kind-tls$v-gnutls"
			show lab_gnutls -4 a.lab.test $port --priority "$go"
			fields
			scenario "cert-$kind-tls$v-curl"
			show lab_curl "https://a.lab.test:$port/" -4 -o /dev/null "${co[@]}"
			fields
			scenario "cert-$kind-tls$v-python"
			show lab_python a.lab.test $port 1 --addr 10.77.2.2 "${po[@]}"
			fields
		done
	done
}

scn_plain() {
	scenario plain-http-openssl
	show lab_sclient a.lab.test:8443 -4 -brief
	fields
	scenario plain-http-curl
	show lab_curl https://a.lab.test:8443/ -4 -o /dev/null
	fields
	scenario plain-http-python
	show lab_python a.lab.test 8443 1 --addr 10.77.2.2
	fields
}

# big ClientHello on the normal lab: ffdhe8192 key share + long ALPN list
# (40 made-up protocols of 29 bytes, then http/1.1: nginx answers a list with
# no protocol it knows with a fatal no_application_protocol alert, 120)
ALPN_JUNK=$(for i in $(seq 1 40); do printf 'proto-%02d-%s,' "$i" xxxxxxxxxxxxxxxxxxxx; done)
ALPN_JUNK=${ALPN_JUNK%,}
ALPN_LONG=$ALPN_JUNK,http/1.1

scn_big_hello() {
	scenario big-hello-ffdhe8192
	show lab_sclient a.lab.test:443 -4 -brief -groups ffdhe8192:X25519 -alpn "$ALPN_LONG"
	fields
	scenario alpn-no-match
	show lab_sclient a.lab.test:443 -4 -brief -alpn "$ALPN_JUNK"
	fields
}

# must be last: rebuilds the lab with LAB_MTU=400
scn_small_mtu() {
	lab_up LAB_MTU=400 >/dev/null 2>&1 || {
		echo "lab up with LAB_MTU=400 failed" >&2
		return 1
	}
	scenario mtu400-default-hello
	show lab_sclient a.lab.test:443 -4 -brief
	fields
	scenario mtu400-alpn-hello
	show lab_sclient a.lab.test:443 -4 -brief -alpn "$ALPN_LONG"
	fields
	scenario mtu400-curl
	show lab_curl https://a.lab.test/ -4 -o /dev/null -w '%{http_code}\n'
	fields
	scenario mtu400-ffdhe8192
	show lab_sclient a.lab.test:443 -4 -brief -groups ffdhe8192:X25519 -alpn "$ALPN_LONG"
	fields
	lab_block_sni blocked.lab.test
	scenario mtu400-sni-block-split
	show lab_sclient blocked.lab.test:443 -4 -brief -alpn "$ALPN_LONG"
	fields
	lab_unblock_sni blocked.lab.test
}

ALL=(tls13_full_psk tls12_full_ticket tls12_sessid tls13_hrr mtls_ok ipv6 version
	cipher sni_block mtls_reject proxy unrecognized_name server_cert plain big_hello
	small_mtu)

if [ "${1:-}" = -l ]; then
	printf '%s\n' "${ALL[@]}"
	exit 0
fi
want=("$@")
[ ${#want[@]} -eq 0 ] && want=("${ALL[@]}")

lab_up >/dev/null || exit 1
mkdir -p "$SESS"
for s in "${want[@]}"; do
	declare -F "scn_$s" >/dev/null || {
		echo "unknown scenario $s (-l lists them)" >&2
		exit 2
	}
	"scn_$s"
done
