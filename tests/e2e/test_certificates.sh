#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Certificate insight, live: real openssl s_server instances in the lab
# present expired, not-yet-valid, wrong-name, weak-key, SHA-1-signed,
# self-signed and incomplete-chain certificates (and a complete chain) over
# TLS 1.2, where certificates cross the wire in clear; mutual TLS servers
# get weak client certificates.  tlsmon, attached to the lab client's
# interface, must report each chain and its findings, whether the client
# went on or aborted, and give a refusal's reason this evidence.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon lab"
E2E_TOOLS="openssl python3 promtool"
C=$LAB_CERTS
SA="DNS:a.lab.test,DNS:api.lab.test"

# mkleaf NAME ISSUER BITS MD [openssl x509 args]: a server leaf for a.lab.test
mkleaf() {
	local n=$1 ca=$2 bits=$3 md=$4
	shift 4
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$SA" >"$DIR/$n.ext"
	openssl req -new -newkey rsa:$bits -nodes -keyout "$DIR/$n.key" -subj "/O=tlsmon test/CN=a.lab.test" \
		-out "$DIR/$n.csr" 2>/dev/null &&
		openssl x509 -req -in "$DIR/$n.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial \
			-days 30 -$md -extfile "$DIR/$n.ext" -out "$DIR/$n.crt" "$@" 2>/dev/null
}

srv() { # PORT CERT [s_server args...]
	local port=$1 crt=$2
	shift 2
	e2e_bg ip netns exec $LAB_NS_A timeout 300 openssl s_server -quiet -www -accept $port -tls1_2 \
		-cipher DEFAULT@SECLEVEL=0 -cert "$DIR/$crt.crt" -key "$DIR/$crt.key" "$@" \
		</dev/null >"$DIR/srv-$port.log" 2>&1
}

# the certificates, their servers, and tlsmon watching a client try each
setup() {
	(
		set -e
		cd "$DIR"
		mkleaf weakkey "$C/ca" 1024 sha256
		mkleaf sha1 "$C/ca" 2048 sha1
		# an intermediate CA, and a leaf it signs
		openssl req -new -newkey rsa:2048 -nodes -keyout inter.key -subj "/O=tlsmon test/CN=test intermediate" \
			-out inter.csr 2>/dev/null
		printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >inter.ext
		openssl x509 -req -in inter.csr -CA "$C/ca.crt" -CAkey "$C/ca.key" -CAcreateserial -days 30 \
			-sha256 -extfile inter.ext -out inter.crt 2>/dev/null
		mkleaf chained "$DIR/inter" 2048 sha256
		# a self-signed leaf
		openssl req -x509 -newkey rsa:2048 -nodes -keyout selfsigned.key -out selfsigned.crt -days 30 \
			-subj "/O=tlsmon test/CN=a.lab.test" -addext "subjectAltName=$SA" 2>/dev/null
		# valid from 2040 on, signed by the lab CA
		"$LAB_SH" dated-cert "$DIR/future" 20400101000000Z 20410101000000Z "$SA"
	) || tap_skip_all "cannot make the test certificates"

	# servers on A, TLS 1.2 only; SECLEVEL 0 so s_server loads the weak ones
	srv 5501 weakkey
	srv 5502 sha1
	srv 5503 chained
	srv 5504 chained -cert_chain "$DIR/inter.crt"
	srv 5505 selfsigned
	srv 5506 future
	for p in 5501 5502 5503 5504 5505 5506; do
		wait_for 5 sh -c "ip netns exec $LAB_NS_A ss -Hltn 'sport = :$p' | grep -q ." ||
			tap_skip_all "s_server on $p does not start: $(cat "$DIR/srv-$p.log")"
	done

	PROM=$DIR/prom
	chmod 711 "$DIR"	# tlsmon writes the textfile after dropping to nobody
	install -d -o nobody -m 0755 "$PROM"
	lab_tlsmon "$DIR/records.json" "$DIR/tlsmon.err" --json --handshake-timeout 3 \
		--ca-file "$C/ca.crt" --textfile-dir "$PROM" ||
		tap_skip_all "tlsmon does not attach: $(cat "$DIR/tlsmon.err")"

	cli() { lab_sclient a.lab.test:$1 -4 -tls1_2 -cipher DEFAULT@SECLEVEL=0 "${@:2}" >"$DIR/cli-$1.out" 2>&1; }
	# clients that accept what they get (no verification), then clients that check
	cli 5501 -verify_quiet
	cli 5502
	cli 5503
	cli 5504
	cli 5505
	cli 5506
	lab_sclient a.lab.test:4430 -4 -tls1_2 >"$DIR/cli-4430.out" 2>&1
	lab_sclient a.lab.test:4431 -4 -tls1_2 >"$DIR/cli-4431.out" 2>&1
	lab_sclient wrong.lab.test:4431 -4 -tls1_2 >"$DIR/cli-4431b.out" 2>&1
	lab_sclient a.lab.test:4420 -4 -tls1_2 -cipher DEFAULT@SECLEVEL=0 \
		-cert $C/client-weak.crt -key $C/client-weak.key >"$DIR/cli-4420a.out" 2>&1
	lab_sclient a.lab.test:4420 -4 -tls1_2 -cipher DEFAULT@SECLEVEL=0 \
		-cert $C/client-rsa1024.crt -key $C/client-rsa1024.key >"$DIR/cli-4420b.out" 2>&1
	lab_sclient a.lab.test:4420 -4 -tls1_2 -cert $C/client.crt -key $C/client.key >"$DIR/cli-4420c.out" 2>&1
	sleep 1
	kill -TERM $TPID
	wait $TPID
	TLSMON_RC=$?
}

test_exit() {
	ok $TLSMON_RC "tlsmon exits 0" "$(tail -3 "$DIR/tlsmon.err")"
}

# the records' chains and findings, and the textfile
test_findings() {

	python3 - "$DIR/records.json" "$(openssl x509 -in "$C/ca.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" <<'EOF' >"$DIR/checks"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
ca_name = sys.argv[2]
def rec(port, sni=None):
    rs = [r for r in recs if r["server_port"] == port and (sni is None or r.get("sni") == sni)]
    return rs[0] if len(rs) == 1 else None
def chain(r, side="server"):
    return ((r or {}).get("certificates") or {}).get(side) or {}
def check(name, port, pred, sni=None):
    r = rec(port, sni)
    ok = False
    try:
        ok = r is not None and bool(pred(r))
    except Exception as e:
        ok = False
    brief = {k: (r or {}).get(k) for k in ("outcome", "reason", "evidence")}
    brief["server_chain"] = {k: chain(r).get(k) for k in ("findings", "validation", "sent")}
    brief["client_chain"] = {k: chain(r, "client").get(k) for k in ("findings", "validation")}
    print(("ok" if ok else "not ok") + "\t" + name + ("" if ok else "\t" + json.dumps(brief)))
F = lambda r, side="server": set(chain(r, side).get("findings", []))

check("RSA-1024 server key: weak_key, and the chain as sent", 5501,
      lambda r: F(r) == {"weak_key"} and chain(r)["chain"][0]["key_bits"] == 1024 and
      chain(r)["chain"][0]["key_type"] == "RSA" and chain(r)["sent"] == 1)
check("SHA-1 signed server certificate: weak_signature", 5502,
      lambda r: F(r) == {"weak_signature"} and "sha1" in chain(r)["chain"][0]["signature"].lower())
check("leaf without its intermediate: incomplete_chain, the client refuses it", 5503,
      lambda r: F(r) == {"incomplete_chain"} and r["reason"] == "client_rejected_server_cert" and
      "incomplete_chain" in r["evidence"]["certificate_findings"])
check("leaf with its intermediate: a complete chain, no finding", 5504,
      lambda r: F(r) == set() and chain(r)["validation"] == "ok" and chain(r)["sent"] == 2 and
      r["outcome"] == "established" and chain(r)["chain"][1]["subject_cn"] == "test intermediate")
check("self-signed leaf: self_signed, the client refuses it", 5505,
      lambda r: "self_signed" in F(r) and r["reason"] == "client_rejected_server_cert" and
      chain(r)["chain"][0]["self_signed"])
check("valid from 2040: cert_not_yet_valid with how far ahead, the client refuses it", 5506,
      lambda r: F(r) == {"cert_not_yet_valid"} and r["reason"] == "client_rejected_server_cert" and
      chain(r)["not_yet_valid_by_s"] > 365 * 86400 and
      chain(r)["chain"][0]["not_before"] == "2040-01-01T00:00:00Z")
check("expired certificate: cert_expired in the refusal's evidence", 4430,
      lambda r: F(r) == {"cert_expired"} and r["reason"] == "client_rejected_server_cert" and
      r["evidence"]["certificate_findings"] == ["cert_expired"] and
      chain(r)["chain"][0]["not_after"] == "2021-01-01T00:00:00Z")
check("certificate for another name: sni_not_in_certificate, the client refuses it", 4431,
      lambda r: F(r) == {"sni_not_in_certificate"} and r["reason"] == "client_rejected_server_cert" and
      chain(r)["chain"][0]["sans"] == ["wrong.lab.test"], sni="a.lab.test")
check("the same certificate asked for by its own name: no finding, established", 4431,
      lambda r: F(r) == set() and r["outcome"] == "established", sni="wrong.lab.test")
mtls = [r for r in recs if r["server_port"] == 4420]
def by_cert(pred):
    rs = [r for r in mtls if pred(chain(r, "client").get("chain") or [{}])]
    return rs[0] if len(rs) == 1 else None
for name, pred, want in (
        ("SHA-1 signed client certificate: weak_signature, server_rejected_client_cert",
         lambda c: "sha1" in c[0].get("signature", "").lower(), {"weak_signature"}),
        ("RSA-1024 client certificate: weak_key, server_rejected_client_cert",
         lambda c: c[0].get("key_bits") == 1024, {"weak_key"})):
    r = by_cert(pred)
    ok = r is not None and F(r, "client") == want and r["reason"] == "server_rejected_client_cert" \
        and set(r["evidence"]["certificate_findings"]) == want
    print(("ok" if ok else "not ok") + "\t" + name + ("" if ok else "\t" + json.dumps(
        [chain(x, "client").get("findings") for x in mtls])))
r = by_cert(lambda c: c[0].get("key_bits") == 2048 and "sha256" in c[0].get("signature", "").lower())
ok = r is not None and r["outcome"] == "established" and F(r, "client") == set() and \
    chain(r, "client")["chain"][0]["subject_cn"] == "client.lab.test" and \
    ca_name in r["certificates"]["acceptable_cas"]
print(("ok" if ok else "not ok") + "\tgood client certificate: established, the server's acceptable CA names"
      + ("" if ok else "\t" + json.dumps(((r or {}).get("certificates") or {}).get("acceptable_cas"))))
EOF
	# the textfile: findings counted per server and SNI, each server's expiry
	{
		grep -q '^tlsmon_cert_findings_total{finding="cert_expired",server="10.77.2.2",sni="a.lab.test"} 1$' "$PROM/tlsmon.prom" &&
		grep -q '^tlsmon_cert_findings_total{finding="incomplete_chain",server="10.77.2.2",sni="a.lab.test"} 1$' "$PROM/tlsmon.prom" &&
		grep -q '^tlsmon_client_cert_findings_total{finding="weak_key",server="10.77.2.2"} 1$' "$PROM/tlsmon.prom" &&
		grep -q "^tlsmon_server_cert_expiry_timestamp_seconds{server=\"10.77.2.2\",sni=\"wrong.lab.test\"} $(date -d "$(openssl x509 -in "$C/wrongname.crt" -noout -enddate | cut -d= -f2)" +%s)\$" "$PROM/tlsmon.prom" &&
		promtool check metrics <"$PROM/tlsmon.prom" >/dev/null 2>&1
	} && echo "ok	the textfile counts the findings per server and SNI, and each server's certificate expiry" >>"$DIR/checks" ||
		echo "not ok	the textfile counts the findings per server and SNI, and each server's certificate expiry	$(grep 'cert_' "$PROM/tlsmon.prom" | head -20 | tr '\n' ' ')" >>"$DIR/checks"
	while IFS=$'\t' read -r res name detail; do
		if [ "$res" = ok ]; then pass "$name"; else fail "$name" "$detail"; fi
	done <"$DIR/checks"
	[ -s "$DIR/checks" ]
	ok $? "the checks ran"
}

ALL_TESTS="test_exit test_findings"
e2e_run
