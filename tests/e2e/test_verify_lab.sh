#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# --verify in the lab, the field report's case, IPv4 and IPv6: a Python 3.12-style client
# (CPython's upstream cipher list) refused by backend B (nginx, TLS 1.2 only,
# AES256-SHA and AES128-SHA only).  tlsmon, started cold with --verify on the
# client's interface, asks B itself: the first failure gets a {"verified":
# ...} line that confirms it and lists what B accepts (TLS 1.2;
# TLS_RSA_WITH_AES_256_CBC_SHA, TLS_RSA_WITH_AES_128_CBC_SHA).  A capture on
# the client's interface counts the connections that reached B: exactly the
# python client's and the probes the verified line reports, none anywhere
# else; a second failure within --verify-interval asks nothing more.  The
# probes' own handshakes, seen by tlsmon on the wire, are in no record.
# A server tlsmon cannot reach is reported unreachable after one probe.
# Offline, --verify is refused.
. "$(dirname "$0")/../lib/e2e.sh"
set -o pipefail
E2E_NEEDS="root tlsmon lab"
E2E_TOOLS="openssl python3 nginx tcpdump tshark"

B_SUITES='TLS_RSA_WITH_AES_128_CBC_SHA,TLS_RSA_WITH_AES_256_CBC_SHA'

# prom_value FILE METRIC_WITH_LABELS: its value, or empty
prom_value() {
	awk -v m="$2" '$1 == m { print $2 }' "$1" 2>/dev/null
}

# prom_is FILE METRIC VALUE: for wait_for, read again at every try
prom_is() {
	[ "$(prom_value "$1" "$2")" = "$3" ]
}

# field_report NAME B_ADDR: the case at B's address of one family
field_report() {
	local name=$1 b=$2 out=$DIR/$1.json err=$DIR/$1.err tf=$DIR/$1-tf py n probes syn other res runs
	chmod 711 "$DIR"	# tlsmon writes the textfile as nobody
	install -d -o nobody "$tf"
	capture_start "$name" "tcp"
	# text lines on standard output, JSON lines in the log
	lab_tlsmon "$DIR/$name.txt" "$err" --no-dashboard --log "$out" --verify \
		--verify-interval 600 --verify-timeout 3 \
		--textfile-dir "$tf" --textfile-interval 1 ||
		tap_skip_all "tlsmon does not attach: $(cat "$err")"

	py=$(lab_python b.lab.test 443 1 --addr "$b" 2>&1)
	grep -q ' fail SSLV3_ALERT_HANDSHAKE_FAILURE' <<<"$py"
	ok $? "python at B: refused with handshake_failure" "$py"
	wait_for 40 grep -q '^{"verified":' "$out"
	ok $? "a verified line comes" "$(cat "$err")"

	# the second failure, within the interval: no new verification
	py=$(lab_python b.lab.test 443 1 --addr "$b" 2>&1)
	grep -q ' fail SSLV3_ALERT_HANDSHAKE_FAILURE' <<<"$py"
	ok $? "python at B again: refused" "$py"
	# its record is confirmed by the verification: nothing to ask again
	wait_for 15 python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
f = [r for r in recs if r.get("server") == sys.argv[2] and r.get("outcome") == "failed"]
sys.exit(0 if len(f) == 2 and f[1]["reason"] == "no_shared_cipher" and
         f[1]["evidence"].get("confidence") == "confirmed" else 1)
' "$out" "$b"
	ok $? "the second failure is no_shared_cipher, confirmed by the verification" "$(tail -2 "$out")"
	probes=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if "verified" in o and "id" not in o:
        print(len(o["verified"]["probes"]))
' "$out" | head -1)
	# every probe's handshake, seen on the wire, recognised as tlsmon's own
	wait_for 15 prom_is "$tf/tlsmon.prom" tlsmon_verify_own_handshakes_total "$probes"
	ok $? "the $probes probes seen on the wire are known as tlsmon's own" \
		"$(grep verify "$tf/tlsmon.prom")"
	sleep 1
	capture_stop

	res=$(python3 - "$out" "$B_SUITES" "$b" 2>&1 <<'EOF'
import json, sys
out, suites, b = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
recs, ver = [], []
for line in open(out):
    o = json.loads(line)
    (ver if "verified" in o and "id" not in o else recs).append(o)
bad = []
at_b = [r for r in recs if r["server"] == b and r["server_port"] == 443]
fails = [r for r in at_b if r["outcome"] == "failed"]
if len(at_b) != 2 or len(fails) != 2:
    bad.append(f"{len(at_b)} records at B, {len(fails)} failed: want the client's 2 only")
if len(ver) != 1:
    bad.append(f"{len(ver)} verified lines, want 1")
else:
    v = ver[0]["verified"]
    if not fails or v["record_id"] != fails[0]["id"]:
        bad.append(f"verified record_id {v['record_id']} is not the first failure's")
    if v["server"] != b or v["port"] != 443 or v["sni"] != "b.lab.test":
        bad.append(f"verified {v['server']}:{v['port']} sni {v['sni']}")
    if v["verdict"] != "confirmed":
        bad.append(f"verdict {v['verdict']}")
    if v["cause"] != "no_shared_cipher":
        bad.append(f"cause {v['cause']}")
    acc = v["accepted"]
    if acc["versions"] != ["TLSv1.2"]:
        bad.append(f"versions {acc['versions']}")
    if sorted(acc["suites"]) != sorted(suites) or not acc["suites_complete"]:
        bad.append(f"suites {acc['suites']} complete {acc['suites_complete']}")
    if acc["shared_with_client"] != 0:
        bad.append(f"shared {acc['shared_with_client']}")
    p0 = v["probes"][0]
    if p0["result"] != "alert" or p0["alert"] != "handshake_failure":
        bad.append(f"replay: {p0}")
    if not 1 <= len(v["probes"]) <= 8:
        bad.append(f"{len(v['probes'])} probes, bound 8")
    # the later failure carries the verification
    if len(fails) == 2 and fails[1].get("verified", {}).get("verdict") != "confirmed":
        bad.append(f"second failure: {fails[1].get('verified')}")
    # the first failure waited for its verification: confirmed by it
    if fails and (fails[0].get("verified", {}).get("verdict") != "confirmed" or
                  fails[0]["reason"] != "no_shared_cipher" or
                  fails[0]["evidence"].get("confidence") != "confirmed"):
        bad.append("the first failure: %s %s %s" % (fails[0]["reason"], fails[0]["evidence"],
                                                    fails[0].get("verified")))
for m in bad:
    print(m)
sys.exit(1 if bad else 0)
EOF
)
	ok $? "B's first failure confirmed: TLS 1.2, AES256-SHA and AES128-SHA, within the bound" "$res"
	# the failure line says it, and what B answered when asked
	grep "^.* FAIL no_shared_cipher .*confidence=confirmed" "$DIR/$name.txt" | head -1 |
		grep -q "asked from here, it takes TLSv1.2 with TLS_RSA_WITH_AES_" &&
		grep -q "^VERIFIED confirmed .* for record [0-9]* (no_shared_cipher): cause no_shared_cipher" "$DIR/$name.txt"
	ok $? "the failure line: confirmed, with what B takes; a VERIFIED line" "$(cat "$DIR/$name.txt")"

	# on the wire: the connections to B:443 are the client's 2 and the probes, nothing else
	syn=$(pcap_fields "$CAPTURE_FILE" "tcp.flags.syn == 1 && tcp.flags.ack == 0" |
		awk -F'\t' -v b="$b" '$5 == b && $6 == 443 { print $4 }' | sort -u | wc -l)
	other=$(pcap_fields "$CAPTURE_FILE" "tcp.flags.syn == 1 && tcp.flags.ack == 0" |
		awk -F'\t' -v b="$b" '!($5 == b && $6 == 443)' | wc -l)
	n=$((syn - 2))
	ok $((n != probes)) "connections to B:443 beyond the client's: $n, the probes reported: $probes"
	ok $((other != 0)) "no connection anywhere else ($other)"
	runs=$(prom_value "$tf/tlsmon.prom" 'tlsmon_verify_runs_total{verdict="confirmed"}')
	ok $((runs != 1)) "one verification run ($runs)"
	n=$(awk '$1 ~ /^tlsmon_verify_probes_total/ { s += $2 } END { print s + 0 }' "$tf/tlsmon.prom")
	ok $((n != probes)) "every probe counted in the textfile ($n)"
	stop_tlsmon
}

test_field_report_ipv4() {
	field_report v4 "$LAB_B4"
}

test_field_report_ipv6() {
	field_report v6 "$LAB_B6"
}

# the next test attaches a tlsmon of its own to the same interface
stop_tlsmon() {
	kill -INT "$TPID" 2>/dev/null
	wait_for 10 eval '! kill -0 "$TPID" 2>/dev/null'
}

# B unreachable from tlsmon (its user's connections rejected by the client
# namespace's firewall), reachable by the client: one probe, unreachable, said
test_unreachable() {
	local out=$DIR/u.txt err=$DIR/u.err tf=$DIR/utf py n rule
	chmod 711 "$DIR"
	install -d -o nobody "$tf"
	rule=(OUTPUT -m owner --uid-owner nobody -p tcp -d "$LAB_B4" --dport 443
		-j REJECT --reject-with icmp-net-unreachable)
	lab_client iptables -A "${rule[@]}" || tap_skip_all "no iptables owner match"
	tap_cleanup "ip netns exec $LAB_NS_CLI iptables -D ${rule[*]} 2>/dev/null"
	lab_tlsmon "$out" "$err" --no-dashboard --verify --textfile-dir "$tf" \
		--textfile-interval 1 || tap_skip_all "tlsmon does not attach: $(cat "$err")"
	py=$(lab_python b.lab.test 443 1 --addr "$LAB_B4" 2>&1)
	grep -q ' fail SSLV3_ALERT_HANDSHAKE_FAILURE' <<<"$py"
	ok $? "python at B: refused (the client still reaches B)" "$py"
	wait_for 20 grep -q '^VERIFIED unreachable 10.77.3.2:443 sni=b.lab.test' "$out"
	ok $? "a VERIFIED unreachable line" "$(cat "$out")"
	grep -q -- "--verify: $LAB_B4 port 443 (sni b.lab.test) cannot be reached from this host" "$err"
	ok $? "and a warning that says so" "$(cat "$err")"
	wait_for 5 prom_is "$tf/tlsmon.prom" 'tlsmon_verify_probes_total{result="unreachable"}' 1
	ok $? "the one probe counted as unreachable" "$(grep verify_probes "$tf/tlsmon.prom")"
	n=$(awk '$1 ~ /^tlsmon_verify_probes_total/ { s += $2 } END { print s + 0 }' "$tf/tlsmon.prom")
	ok $((n != 1)) "nothing more tried ($n probes)"
	stop_tlsmon
	lab_client iptables -D "${rule[@]}"
}

test_refused_offline() {
	local err
	err=$("$BIN" --verify --read /dev/null --no-dashboard 2>&1)
	ok $(($? != 2)) "--verify --read: a usage error" "$err"
	grep -q -- "--verify .*--read" <<<"$err"
	ok $? "saying why" "$err"
}

ALL_TESTS="test_field_report_ipv4 test_field_report_ipv6 test_unreachable test_refused_offline"
e2e_run
