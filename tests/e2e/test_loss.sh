#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Loss, retransmission and reordering do not change an outcome or make a
# record.  The lab's router drops chosen packets (iptables: no netem here):
# the first copy of every server segment that starts a handshake record
# (the ServerHello's, and TLS 1.2's NewSessionTicket) is lost before tlsmon
# sees it, so the next segment arrives first and the retransmission later;
# the first copy of every ClientHello is lost after tlsmon saw it, so tlsmon
# sees it twice; the first copy of every fatal alert from B is lost, so it
# is retransmitted.  TLS 1.2 and 1.3, IPv4 and IPv6, over IPv6's minimum MTU
# so a flight takes several segments.  Every handshake to A must be reported
# once, established; every one to B once, with the reason it has without
# loss; and the capture of the same packets, read offline, gives the same
# records.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon lab"
E2E_TOOLS="iptables ip6tables openssl python3 tcpdump"
ROUNDS=2

# rule ARGS...: the same FORWARD rule for IPv4 and IPv6, payload offsets
# (TCP with timestamps) adjusted; @P@ is where the TCP payload starts
rule() {
	local a4=("${@//@P@/52}") a6=("${@//@P@/72}")
	a4=("${a4[@]//@E@/60}") a6=("${a6[@]//@E@/80}")
	lab_in rtr iptables -A FORWARD "${a4[@]}" && lab_in rtr ip6tables -A FORWARD "${a6[@]}"
}

records() { python3 tests/lib/records_norm.py "$1"; }

setup() {
	lab_up LAB_MTU=1280 >"$DIR/lab-mtu.log" 2>&1 || tap_skip_all "the lab does not come up with LAB_MTU=1280"
	lab_tlsmon "$DIR/live.json" "$DIR/tlsmon.err" --json --handshake-timeout 3 \
		--no-textfile ||
		tap_skip_all "tlsmon does not attach: $(cat "$DIR/tlsmon.err")"
	capture_start loss "tcp port 443" || tap_skip_all "no capture"
	# without loss first: the reason B's refusal gets
	lab_python b.lab.test 443 1 --addr 10.77.3.2 >>"$DIR/python.log" 2>&1
	lab_python b.lab.test 443 1 --addr fd77:3::2 >>"$DIR/python.log" 2>&1
	N_B=2
	# server -> client: the first copy of a segment starting a handshake
	# record, lost before the client (and tlsmon) see it
	rule -o r-cli -p tcp --sport 443 -m string --algo bm --hex-string '|160303|' \
		--from @P@ --to @E@ -m statistic --mode nth --every 2 --packet 0 -j DROP &&
	# client -> server: the first copy of a ClientHello, lost after tlsmon
		rule -i r-cli -p tcp --dport 443 -m string --algo bm --hex-string '|160301|' \
			--from @P@ --to @E@ -m statistic --mode nth --every 2 --packet 0 -j DROP &&
	# the first copy of a fatal alert from a server
		rule -o r-cli -p tcp --sport 443 -m string --algo bm --hex-string '|15030300020228|' \
			--from @P@ --to @E@ -m statistic --mode nth --every 2 --packet 0 -j DROP
	RULES_OK=$?

	N_A=0 N_A_OK=0
	for ((r = 0; r < ROUNDS; r++)); do
		for fam in 4 6; do
			host=10.77.2.2
			[ $fam = 6 ] && host=[fd77:2::2]
			for v in -tls1_2 -tls1_3; do
				N_A=$((N_A + 1))
				lab_sclient "$host:443" -servername a.lab.test "$v" \
					>>"$DIR/sclient.log" 2>&1 </dev/null && N_A_OK=$((N_A_OK + 1))
			done
			# backend B refuses the field report's client: a fatal alert
			N_B=$((N_B + 1))
			bh=10.77.3.2
			[ $fam = 6 ] && bh=fd77:3::2
			lab_python b.lab.test 443 1 --addr "$bh" >>"$DIR/python.log" 2>&1
		done
	done
	DROPPED=$( (lab_in rtr iptables -L FORWARD -v -x -n; lab_in rtr ip6tables -L FORWARD -v -x -n) |
		awk '$3 == "DROP" { s += $1 } END { print s + 0 }')
	sleep 4	# the last records settle (--handshake-timeout 3)
	capture_stop
	cp "$CAPTURE_FILE" "$DIR/loss.pcap"
	kill -TERM $TPID
	wait $TPID
	TLSMON_RC=$?
	"$BIN" --read "$DIR/loss.pcap" --json --handshake-timeout 3 >"$DIR/offline.json" \
		2>"$DIR/offline.err"
	OFFLINE_RC=$?
}

test_loss_happened() {
	ok $RULES_OK "the router drops the chosen packets (iptables string + statistic)"
	diag "dropped by the router: $DROPPED packets; s_client: $N_A_OK of $N_A succeeded"
	[ "$DROPPED" -ge $((N_A + N_A)) ]
	ok $? "packets were lost: at least a ServerHello and a ClientHello copy per handshake ($DROPPED)"
	[ "$N_A_OK" -eq "$N_A" ]
	ok $? "every client handshake to A succeeded despite the loss ($N_A_OK of $N_A)" \
		"$(tail -5 "$DIR/sclient.log")"
	ok $TLSMON_RC "tlsmon exits 0" "$(tail -3 "$DIR/tlsmon.err")"
}

test_no_false_failure() {
	python3 - "$DIR/live.json" "$N_A" "$N_B" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
n_a, n_b = int(sys.argv[2]), int(sys.argv[3])
a = [r for r in recs if r["server"] in ("10.77.2.2", "fd77:2::2")]
b = [r for r in recs if r["server"] in ("10.77.3.2", "fd77:3::2")]
bad = [r for r in a if r["outcome"] != "established"]
for r in bad:
    print("# not established: %s %s %s %s" % (r["server"], r.get("client_port"),
          r.get("reason"), r.get("history")))
print("# records: %d to A (%d expected), %d to B (%d expected), %d in all"
      % (len(a), n_a, len(b), n_b, len(recs)))
sys.exit(0 if not bad and len(a) == n_a else 1)
EOF
	ok $? "every handshake to A is one record, established"
	python3 - "$DIR/live.json" "$N_B" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
b = [r for r in recs if r["server"] in ("10.77.3.2", "fd77:3::2")]
b.sort(key=lambda r: r["ts"])
base = set("%s/%s" % (r["outcome"], r.get("reason")) for r in b[:2])   # before the loss
reasons = ["%s/%s" % (r["outcome"], r.get("reason")) for r in b]
print("# B: %d records: %s" % (len(b), reasons))
ok = len(b) == int(sys.argv[2]) and len(base) == 1 and set(reasons) == base \
    and "established" not in reasons[0]
sys.exit(0 if ok else 1)
EOF
	ok $? "every refused handshake at B is one record, its reason unchanged by the retransmitted alert"
	python3 - "$DIR/live.json" "$N_A" "$N_B" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
sys.exit(0 if len(recs) == int(sys.argv[2]) + int(sys.argv[3]) else 1)
EOF
	ok $? "no record beyond one per connection"
}

test_offline_agrees() {
	ok $OFFLINE_RC "the capture reads offline" "$(tail -3 "$DIR/offline.err")"
	records "$DIR/live.json" >"$DIR/live.rows"
	records "$DIR/offline.json" >"$DIR/offline.rows"
	diff "$DIR/live.rows" "$DIR/offline.rows" >"$DIR/rows.diff"
	ok $? "the same packets offline give the same records, field by field" "$(head -20 "$DIR/rows.diff")"
}

ALL_TESTS="test_loss_happened test_no_false_failure test_offline_agrees"
e2e_run
