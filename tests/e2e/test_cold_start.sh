#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Right at first sight: each test starts its own tlsmon, knowing nothing (no
# server profile, no history), the way it is started during an incident,
# then runs one field-report case with real clients and servers:
#  - field report 004 over IPv4 and IPv6: python (CPython's upstream cipher
#    list) alternating between backend A (accepts ECDHE-RSA-AES256-SHA384)
#    and backend B (AES256-SHA/AES128-SHA only) from the first connection.
#    Every failure at B is no_shared_cipher, likely, from the first one, with
#    A as the sibling that accepted the same fingerprint for the same name;
#    none at A.  IPv4 also under the dashboard (tmux) and with the Prometheus
#    textfile: the failure series names B, the reason and its confidence.
#  - a TLS 1.0/1.1 client against a default OpenSSL 3 server (internal_error)
#    and against a TLS 1.3-only server (protocol_version): version_mismatch.
#  - an ALPN nginx does not serve (openssl s_client -alpn foo): no_shared_alpn
#    with the offered ALPN as evidence.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon lab tmux"
E2E_TOOLS="openssl python3 nginx"
LAB_TIMEOUT=12

# cold NAME ARGS...: a fresh tlsmon writing JSON records to $DIR/NAME.json,
# and a capture of the same packets on the same interface
COLD_NAME=
cold() {
	COLD_NAME=$1
	shift
	COLD_ARGS=("$@")
	capture_start "$COLD_NAME" tcp || return 1
	lab_tlsmon "$DIR/$COLD_NAME.json" "$DIR/$COLD_NAME.err" --json --no-textfile "$@"
}

# stop: end the tlsmon of the test (its records are all written after); then
# the capture, read offline, must give the same records, field by field
stop() {
	kill -TERM "$TPID" 2>/dev/null
	wait "$TPID" 2>/dev/null
	[ -n "$COLD_NAME" ] || return 0
	capture_stop
	cp "$CAPTURE_FILE" "$DIR/$COLD_NAME.pcap"
	"$BIN" --read "$DIR/$COLD_NAME.pcap" --json --no-textfile "${COLD_ARGS[@]}" \
		>"$DIR/$COLD_NAME.offline.json" 2>"$DIR/$COLD_NAME.offline.err" &&
		python3 tests/lib/records_norm.py "$DIR/$COLD_NAME.json" >"$DIR/$COLD_NAME.live.rows" &&
		python3 tests/lib/records_norm.py "$DIR/$COLD_NAME.offline.json" \
			>"$DIR/$COLD_NAME.offline.rows" &&
		[ -s "$DIR/$COLD_NAME.live.rows" ] &&
		diff "$DIR/$COLD_NAME.live.rows" "$DIR/$COLD_NAME.offline.rows" >"$DIR/$COLD_NAME.rows.diff"
	ok $? "$COLD_NAME: live and offline (the capture) give the same records, field by field" \
		"$(cat "$DIR/$COLD_NAME.offline.err"; head -c 3000 "$DIR/$COLD_NAME.rows.diff")"
	COLD_NAME=
}

# records N FILE: wait (bounded) until FILE holds N records
records() { [ "$(grep -c '^{' "$2" 2>/dev/null)" -ge "$1" ]; }

# check_rr FILE FAMILY: field report 004's expectations on the records, TAP from python
check_rr() {
	py_tap python3 - "$1" "$2" <<'EOF'
import json, sys
sys.path.insert(0, "tests/lib")
from promtext import Tap
t = Tap()
fam = sys.argv[2]
A, B = ("10.77.2.2", "10.77.3.2") if fam == "4" else ("fd77:2::2", "fd77:3::2")
recs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
recs.sort(key=lambda r: r["id"])
t.eq([r["server"] for r in recs], [A, B] * 3, "IPv%s: six handshakes, A and B alternating from the first" % fam)
at_a = [r for r in recs if r["server"] == A]
at_b = [r for r in recs if r["server"] == B]
t.eq([r["outcome"] for r in at_a], ["established"] * 3, "IPv%s: none fails at A" % fam)
t.eq([r.get("reason") for r in at_b], ["no_shared_cipher"] * 3,
     "IPv%s: every failure at B is no_shared_cipher" % fam)
ev = [r.get("evidence") or {} for r in at_b]
t.eq([e.get("confidence") for e in ev], ["likely"] * 3,
     "IPv%s: likely from the first failure (no profile of B)" % fam)
t.eq([e.get("basis") for e in ev], ["sibling_servers"] * 3, "IPv%s: basis sibling_servers" % fam)
a_cipher = at_a[0].get("cipher") if at_a else None
t.ok(a_cipher and all(r.get("cipher") == a_cipher for r in at_a),
     "IPv%s: A chose one suite for python (%s)" % (fam, a_cipher))
sib = [e.get("sibling") or {} for e in ev]
t.eq([(s.get("server"), s.get("same_name"), s.get("same_fingerprint"), s.get("cipher"))
      for s in sib], [(A, True, True, a_cipher)] * 3,
     "IPv%s: the sibling is A, same name, same fingerprint, with the suite it chose" % fam)
t.eq([s.get("handshakes") for s in sib], [1, 2, 3],
     "IPv%s: A's successes with this fingerprint so far" % fam)
t.eq([r.get("ja4") for r in at_b], [at_a[0].get("ja4")] * 3, "IPv%s: one fingerprint" % fam)
t.ok(all(set(e.get("alternatives") or []) == {"no_shared_group", "no_shared_signature_algorithm"}
         for e in ev), "IPv%s: the alternatives named" % fam)
t.ok(all(e.get("client_ciphers") == r.get("ciphers_offered") and e.get("client_groups")
         and e.get("client_signature_algorithms") for e, r in zip(ev, at_b)),
     "IPv%s: the client's offer as evidence" % fam)
t.ok(all(a["sender"] == "server" and a["description"] == "handshake_failure"
         for r in at_b for a in r["alerts"]), "IPv%s: B sent handshake_failure" % fam)
EOF
}

# field report 004 over IPv4, under the dashboard, with the textfile
test_field_report_v4() {
	local tf=$DIR/tf4 out cipher
	chmod 711 "$DIR"	# tlsmon writes the textfile as nobody, after its privilege drop
	install -d -o nobody "$tf"
	cat >"$DIR/dash.sh" <<EOF
ip netns exec $LAB_NS_CLI $BIN -i $LAB_IF --log $DIR/rr4.json --textfile-dir $tf \
	--textfile-interval 1 2>$DIR/rr4.err
echo \$? >$DIR/dash.rc
exec sleep 600
EOF
	"${TM[@]}" new-session -d -x 200 -y 50 -s dash "env LANG=C.UTF-8 TERM=screen-256color bash $DIR/dash.sh"
	wait_for 15 grep -q "watching $LAB_IF" "$DIR/rr4.err"
	ok $? "tlsmon under the dashboard attaches" "$(cat "$DIR/rr4.err")"
	# the python helper goes round robin over api.lab.test's addresses, A first
	out=$(lab_python api.lab.test 443 6 2>&1)
	diag "$(tr '\n' ';' <<<"$out")"
	[ "$(awk '{print $2 $3}' <<<"$out" | tr '\n' ' ')" = \
		"10.77.2.2ok 10.77.3.2fail 10.77.2.2ok 10.77.3.2fail 10.77.2.2ok 10.77.3.2fail " ]
	ok $? "python: A, B, A, B, A, B; refused at B" "$out"
	wait_for 15 records 6 "$DIR/rr4.json"
	ok $? "six records" "$(wc -l <"$DIR/rr4.json")"
	check_rr "$DIR/rr4.json" 4

	# the textfile: B, the reason and the confidence
	prom_b() {
		grep -qxF 'tlsmon_handshake_failures_total{reason="no_shared_cipher",server="10.77.3.2",sni="api.lab.test",confidence="likely",transport="tcp"} 3' \
			"$tf/tlsmon.prom"
	}
	wait_for 5 prom_b
	ok $? "textfile: 3 failures at B, no_shared_cipher, likely" \
		"$(grep handshake_failures_total "$tf/tlsmon.prom")"
	[ -s "$tf/tlsmon.prom" ] && ! grep '^tlsmon_handshake_failures_total' "$tf/tlsmon.prom" |
		grep -v 'server="10.77.3.2"' | grep -q .
	ok $? "textfile: no failure series but B's" "$(grep handshake_failures_total "$tf/tlsmon.prom")"

	# the dashboard: B's row, and the failure with how sure and why
	scr() { "${TM[@]}" capture-pane -p -t dash; }
	has() { scr | grep -qE -- "$1"; }
	"${TM[@]}" send-keys -t dash 2
	wait_for 5 has '^10\.77\.3\.2:443 +api\.lab\.test +3 +3 +100\.0% +no_shared_cipher'
	ok $? "dashboard: B's row, 3 of 3 failed, no_shared_cipher" "$(scr)"
	wait_for 5 has '^10\.77\.2\.2:443 +api\.lab\.test +3 +0 +0\.0% *$'
	ok $? "dashboard: A's row, none failed" "$(scr)"
	"${TM[@]}" send-keys -t dash 5
	wait_for 5 has '^[0-9:]{8} +no_shared_cipher +10\.77\.3\.2:443 +api\.lab\.test'
	ok $? "dashboard: the failures listed at B" "$(scr)"
	cipher=$(awk '$3 == "ok" {print $5; exit}' <<<"$out")
	wait_for 5 has "^      \[likely\] \(server sent fatal handshake_failure\): 10\.77\.2\.2, serving the same name, accepted this client fingerprint with $cipher at TLSv1\.[23] "
	ok $? "dashboard: [likely], A as the evidence" "$(scr)"
	"${TM[@]}" send-keys -t dash q
	wait_for 10 test -s "$DIR/dash.rc"
	ok $? "dashboard: q ends tlsmon" "$(cat "$DIR/rr4.err")"
	[ "$(cat "$DIR/dash.rc" 2>/dev/null)" = 0 ]
	ok $? "tlsmon exits 0" "$(cat "$DIR/rr4.err")"
}

# field report 004 over IPv6, with the text output too
test_field_report_v6() {
	local i out=
	cold rr6 || {
		fail "tlsmon attaches" "$(cat "$DIR/rr6.err")"
		return
	}
	for i in 1 2 3; do
		out+=$(lab_python api.lab.test 443 1 --addr "$LAB_A6" 2>&1)$'\n'
		out+=$(lab_python api.lab.test 443 1 --addr "$LAB_B6" 2>&1)$'\n'
	done
	diag "$(tr '\n' ';' <<<"$out")"
	wait_for 15 records 6 "$DIR/rr6.json"
	ok $? "six records" "$(wc -l <"$DIR/rr6.json")"
	stop
	check_rr "$DIR/rr6.json" 6
}

# the text line names the confidence and the evidence
test_text_line() {
	local out cipher
	lab_tlsmon "$DIR/text.out" "$DIR/text.err" --no-textfile --summary-interval 0 || {
		fail "tlsmon attaches" "$(cat "$DIR/text.err")"
		return
	}
	out=$(lab_python api.lab.test 443 2 2>&1)
	# the suite python got at A (TLS 1.3 there: A speaks both)
	cipher=$(awk '$3 == "ok" {print $5; exit}' <<<"$out")
	wait_for 15 grep -q FAIL "$DIR/text.out"
	stop
	grep -qE "^[0-9TZ:-]+ FAIL no_shared_cipher 10\.77\.1\.2:[0-9]+ -> 10\.77\.3\.2:443 sni=api\.lab\.test ja4=[0-9a-z_]+ confidence=likely \(server sent fatal handshake_failure\): 10\.77\.2\.2, serving the same name, accepted this client fingerprint with ${cipher:-?} at TLSv1\.[23] \(1 handshake\(s\)\); this server refuses it; the client offers up to TLSv1\.3 with 18 suite\(s\)" "$DIR/text.out"
	ok $? "text: FAIL no_shared_cipher ... confidence=likely, A as the evidence" "$(cat "$DIR/text.out")"
}

# version_check NAME PORT CLIENT-ARGS ALERT: a TLS 1.0/1.1 s_client refused by
# A's s_server at PORT with ALERT -> version_mismatch, with its confidence
version_check() {
	local name=$1 port=$2 args=$3 alert=$4 conf=$5
	cold "$name" || {
		fail "$name: tlsmon attaches" "$(cat "$DIR/$name.err")"
		return
	}
	# shellcheck disable=SC2086
	lab_sclient a.lab.test:$port -4 $args >"$DIR/$name.out" 2>&1
	wait_for 15 records 1 "$DIR/$name.json"
	stop
	grep -q "alert $alert\|alert number" "$DIR/$name.out"
	ok $? "$name: the server refused the client" "$(tail -3 "$DIR/$name.out")"
	py_tap python3 - "$DIR/$name.json" "$name" "$alert" "$conf" <<'EOF'
import json, sys
sys.path.insert(0, "tests/lib")
from promtext import Tap
t = Tap()
name, alert, conf = sys.argv[2], sys.argv[3].replace(" ", "_"), sys.argv[4]
recs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
t.eq(len(recs), 1, "%s: one record" % name)
r = recs[0] if recs else {}
ev = r.get("evidence") or {}
t.eq([(a["sender"], a.get("description")) for a in r.get("alerts", [])], [("server", alert)],
     "%s: the server's fatal %s" % (name, alert))
t.eq((r.get("reason"), ev.get("confidence")), ("version_mismatch", conf),
     "%s: version_mismatch, %s" % (name, conf))
t.ok(ev.get("client_max_version") in ("TLSv1.0", "TLSv1.1") or conf == "confirmed",
     "%s: the client's best version as evidence" % name)
EOF
}

# OpenSSL 3's default security level cannot sign for TLS 1.0/1.1: internal_error
test_tls10_vs_openssl3_default() {
	version_check tls10_default 4415 "-tls1 -cipher DEFAULT@SECLEVEL=0" "internal error" likely
}

test_tls11_vs_openssl3_default() {
	version_check tls11_default 4415 "-tls1_1 -cipher DEFAULT@SECLEVEL=0" "internal error" likely
}

# a TLS 1.3-only server names the cause itself: protocol_version, confirmed
test_tls11_vs_tls13_only() {
	version_check tls11_tls13only 4413 "-tls1_1 -cipher DEFAULT@SECLEVEL=0" "protocol version" confirmed
}

# nginx refuses an ALPN it does not serve
test_no_shared_alpn() {
	cold alpn || {
		fail "tlsmon attaches" "$(cat "$DIR/alpn.err")"
		return
	}
	lab_sclient a.lab.test:443 -4 -alpn foo >"$DIR/alpn.out" 2>&1
	wait_for 15 records 1 "$DIR/alpn.json"
	stop
	grep -q "no application protocol" "$DIR/alpn.out"
	ok $? "nginx refused -alpn foo" "$(tail -3 "$DIR/alpn.out")"
	py_tap python3 - "$DIR/alpn.json" <<'EOF'
import json, sys
sys.path.insert(0, "tests/lib")
from promtext import Tap
t = Tap()
recs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
t.eq(len(recs), 1, "alpn: one record")
r = recs[0] if recs else {}
ev = r.get("evidence") or {}
t.eq(r.get("reason"), "no_shared_alpn", "alpn: no_shared_alpn")
t.eq((ev.get("basis"), ev.get("confidence")), ("alert", "confirmed"), "alpn: the alert names it")
t.eq(ev.get("client_alpn"), ["foo"], "alpn: the offered ALPN as evidence")
t.eq((ev.get("alert") or {}).get("description"), "no_application_protocol", "alpn: alert 120")
EOF
}

ALL_TESTS="test_field_report_v4 test_field_report_v6 test_text_line test_tls10_vs_openssl3_default
	test_tls11_vs_openssl3_default test_tls11_vs_tls13_only test_no_shared_alpn"
e2e_run
