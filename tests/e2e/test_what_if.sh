#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# --what-if against real software.  Real clients (curl, python3, openssl
# s_client, gnutls-cli, each also in a TLS 1.2 form) connect to a permissive
# openssl s_server in the lab, each captured apart.  For every policy below,
# tlsmon --read CAPTURE --what-if POLICY --json predicts the client's fate;
# then an s_server configured with that very policy takes the same client,
# and the client's own verdict (handshake done or not) and tlsmon's
# diagnosis of the real handshake's capture (the reason) must agree with the
# prediction, client by client.  Live: the report at SIGINT, every
# --what-if-interval (each a whole snapshot under its header object), and
# on SIGUSR1.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon lab"
E2E_TOOLS="openssl curl gnutls-cli python3 tcpdump mergecap"

OPEN_PORT=4489		# the permissive server the offers are recorded at
CLIENTS="curl curl_h11_12 python python_12 sclient sclient_12 gnutls gnutls_12"

# POLICY|s_server arguments of the same policy
POLICIES=(
	"min_version=TLS1.3|-min_protocol TLSv1.3"
	"max_version=TLS1.2,ciphers=ECDHE-RSA-AES256-GCM-SHA384|-max_protocol TLSv1.2 -cipher ECDHE-RSA-AES256-GCM-SHA384"
	"ciphersuites=TLS_AES_128_CCM_SHA256|-ciphersuites TLS_AES_128_CCM_SHA256"
	"alpn=h2|-alpn h2"
	"groups=P-521|-groups P-521"
	"sigalgs=rsa_pkcs1_sha256|-sigalgs rsa_pkcs1_sha256"
	"groups=ffdhe2048|-groups ffdhe2048"
)

# sserver PORT ARGS...: s_server on A (one connection at a time), listening before it returns
sserver() {
	local port=$1
	shift
	e2e_bg ip netns exec "$LAB_NS_A" timeout 300 openssl s_server -quiet -www -accept "$port" \
		-cert "$LAB_CERTS/a.crt" -key "$LAB_CERTS/a.key" "$@" </dev/null >"$DIR/srv-$port.log" 2>&1
	SRV_PID=$E2E_PID
	wait_for 5 bash -c "ip netns exec $LAB_NS_A ss -ltnH 'sport = :$port' | grep -q LISTEN"
}

# client NAME PORT: run it once; print ok (handshake done), fail (refused) or error
client() {
	local c=$1 port=$2 out rc
	case $c in
	curl) out=$(lab_curl "https://a.lab.test:$port/" -4 -v -o /dev/null 2>&1) ;;
	curl_h11_12) out=$(lab_curl "https://a.lab.test:$port/" -4 -v -o /dev/null --http1.1 \
		--tls-max 1.2 2>&1) ;;
	python) out=$(lab_python a.lab.test "$port" 1 2>&1) ;;
	python_12) out=$(lab_python a.lab.test "$port" 1 --tls12 2>&1) ;;
	sclient) out=$(lab_sclient "a.lab.test:$port" -4 2>&1) ;;
	sclient_12) out=$(lab_sclient "a.lab.test:$port" -4 -tls1_2 \
		-cipher ECDHE-RSA-AES128-GCM-SHA256 -alpn http/1.1 2>&1) ;;
	gnutls) out=$(lab_gnutls -4 a.lab.test "$port" 2>&1) ;;
	gnutls_12) out=$(lab_gnutls -4 a.lab.test "$port" --priority NORMAL:-VERS-TLS1.3 2>&1) ;;
	esac
	rc=$?
	echo "$out" >"$DIR/client-$c-$port.log"
	case $c in
	curl*) grep -q 'SSL connection using TLS' <<<"$out" && echo ok && return
		grep -q 'curl: (35)' <<<"$out" && echo fail && return ;;
	python*) grep -qE '^1 [^ ]+ ok TLS' <<<"$out" && echo ok && return
		grep -qE '^1 [^ ]+ fail [A-Z_]+' <<<"$out" && echo fail && return ;;
	sclient*) grep -qE '^New, TLSv1\.[23]' <<<"$out" && echo ok && return
		grep -qE '^New, \(NONE\)' <<<"$out" && echo fail && return ;;
	gnutls*) grep -q 'Handshake was completed' <<<"$out" && echo ok && return
		grep -qE 'Handshake has failed|Fatal error' <<<"$out" && echo fail && return ;;
	esac
	echo "error (exit $rc)"
}

# captured NAME PORT CLIENT: the client once, captured alone into $DIR/NAME.pcap; its verdict in VERDICT
captured() {
	local name=$1 port=$2 c=$3
	capture_start "$name" "tcp port $port" || return 1
	VERDICT=$(client "$c" "$port")
	capture_stop
	cp "$CAPTURE_FILE" "$DIR/$name.pcap"
}

# field FILE KEYS...: the only JSON line of FILE, those keys space-separated (or "lines=N")
fields() {
	python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if len(lines) != 1:
    print("lines=%d" % len(lines)); sys.exit()
print(" ".join(str(lines[0].get(k)).lower() for k in sys.argv[2:]))' "$@"
}

setup() {
	sserver $OPEN_PORT || return 1
	for c in $CLIENTS; do
		captured "offer-$c" $OPEN_PORT "$c"
		echo "$VERDICT" >"$DIR/offer-$c.verdict"
	done
}

test_offers_recorded() {
	local c v
	for c in $CLIENTS; do
		v=$(cat "$DIR/offer-$c.verdict" 2>/dev/null)
		ok $(
			[ "$v" = ok ]
			echo $?
		) "$c connects to the permissive server" "$v; $(tail -3 "$DIR/client-$c-$OPEN_PORT.log" 2>/dev/null)"
		"$BIN" --read "$DIR/offer-$c.pcap" --json >"$DIR/offer-$c.json" 2>/dev/null
		v=$(fields "$DIR/offer-$c.json" outcome)
		ok $(
			[ "$v" = established ]
			echo $?
		) "$c: one handshake recorded, established" "$v"
	done
}

# the prediction, and the same policy on a real server, client by client
check_policy() {
	local i=$1 policy=${POLICIES[$1]%%|*} sargs=${POLICIES[$1]#*|} port=$((4490 + $1))
	local c pred want real why fails=0 oks=0
	# shellcheck disable=SC2086
	sserver $port $sargs || {
		fail "s_server with $sargs" "$(cat "$DIR/srv-$port.log")"
		return
	}
	for c in $CLIENTS; do
		"$BIN" --read "$DIR/offer-$c.pcap" --what-if "$policy" --json >"$DIR/pred-$i-$c.json" \
			2>"$DIR/pred-$i-$c.err"
		pred=$(fields "$DIR/pred-$i-$c.json" would_fail reason)
		captured "real-$i-$c" $port "$c"
		"$BIN" --read "$DIR/real-$i-$c.pcap" --json >"$DIR/real-$i-$c.json" 2>/dev/null
		real=$(fields "$DIR/real-$i-$c.json" outcome reason)
		case $pred in
		"true "*) want=fail fails=$((fails + 1)) ;;
		"false "*) want=ok oks=$((oks + 1)) ;;
		*) want="a prediction" ;;
		esac
		why="predicted '$pred', the client: '$VERDICT', the real handshake: '$real'"
		ok $(
			[ "$VERDICT" = "$want" ]
			echo $?
		) "$policy: $c ${want}s as predicted" "$why"
		if [ "$want" = fail ]; then
			# what tlsmon diagnoses of the real refusal is the reason predicted
			ok $(
				[ "$real" = "failed ${pred#true }" ]
				echo $?
			) "$policy: $c refused with the reason predicted (${pred#true })" "$why"
		fi
	done
	kill -TERM "$SRV_PID" 2>/dev/null
	echo "# $policy: $fails client(s) predicted to fail, $oks to succeed"
}

test_policy_versions() { check_policy 0; }
test_policy_tls12_cipher() { check_policy 1; }
test_policy_tls13_suite() { check_policy 2; }
test_policy_alpn() { check_policy 3; }
test_policy_groups() { check_policy 4; }
test_policy_sigalgs() { check_policy 5; }
test_policy_ffdhe() { check_policy 6; }

# one capture of every client: the table and the JSON agree with the captures apart
test_merged_report() {
	local c f=() ja4 want got
	for c in $CLIENTS; do f+=("$DIR/offer-$c.pcap"); done
	mergecap -F pcap -w "$DIR/all.pcap" "${f[@]}"
	"$BIN" --read "$DIR/all.pcap" --what-if min_version=TLS1.3 --json >"$DIR/all.json" 2>/dev/null
	"$BIN" --read "$DIR/all.pcap" --what-if min_version=TLS1.3 >"$DIR/all.txt" 2>/dev/null
	for c in $CLIENTS; do
		"$BIN" --read "$DIR/offer-$c.pcap" --what-if min_version=TLS1.3 --json \
			>"$DIR/apart-$c.json" 2>/dev/null
		ja4=$(fields "$DIR/apart-$c.json" ja4)
		want=$(fields "$DIR/apart-$c.json" would_fail reason)
		got=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if (o["ja4"] or "none").lower() == sys.argv[2]:
        print(str(o["would_fail"]).lower(), o["reason"], o["handshakes"] >= 1)' "$DIR/all.json" "$ja4")
		ok $(
			[ "$got" = "$want True" ]
			echo $?
		) "merged: $c's offer ($ja4) judged as apart" "want '$want', got '$got'"
	done
	n=$(grep -c '^FAIL  *version_mismatch' "$DIR/all.txt")
	m=$(python3 -c 'import json,sys; print(sum(json.loads(l)["would_fail"] for l in open(sys.argv[1])))' "$DIR/all.json")
	ok $(
		[ "$n" = "$m" ] && [ "$n" -ge 1 ] && grep -q "^what-if min_version=TLS1.3: $m of " "$DIR/all.txt"
		echo $?
	) "the table says what the JSON says ($m offers would fail)" "$(head -3 "$DIR/all.txt")"
}

test_live() {
	local i out=$DIR/live.json err=$DIR/live.err v
	lab_tlsmon "$out" "$err" --what-if min_version=TLS1.3 --json --no-textfile || {
		fail "live tlsmon is watching" "$(tail -5 "$err")"
		return
	}
	client python $OPEN_PORT >/dev/null
	client python_12 $OPEN_PORT >/dev/null
	sleep 1
	kill -INT "$TPID"
	for ((i = 0; i < 50; i++)); do
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.1
	done
	v=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
rows = [r for r in rows if "what_if_report" not in r]
print(len(rows), sorted((r["would_fail"], r["reason"]) for r in rows))' "$out")
	ok $(
		[ "$v" = "2 [(False, 'none'), (True, 'version_mismatch')]" ]
		echo $?
	) "live: the report at SIGINT, one offer per client" "$v; $(tail -3 "$err")"
}

# reports FILE: the live JSON reports, one line each: "N OFFERS ROWS JA4:FAIL,..."
# (N from the header, OFFERS as it says, ROWS as counted up to the next header)
reports() {
	python3 -c '
import json, sys
reps = []
for l in open(sys.argv[1]):
    o = json.loads(l)
    if "what_if_report" in o:
        reps.append([o, []])
    elif reps:
        reps[-1][1].append(o)
    else:
        print("row before any header"); sys.exit()
for h, rows in reps:
    print(h["what_if_report"], h["offers"], len(rows),
          ",".join(sorted("%s:%s" % (r["ja4"], r["would_fail"]) for r in rows)))' "$1"
}

# report_of FILE N: FILE has a report of N offers
report_of() { reports "$1" 2>/dev/null | awk -v n="$2" '$2 == n' | grep -q .; }

# stop_tlsmon: SIGINT to the live tlsmon, waited for (bounded)
stop_tlsmon() {
	local i
	kill -INT "$TPID"
	for ((i = 0; i < 50; i++)); do
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.1
	done
}

# every --what-if-interval a whole report: the second has the client that came after the first
test_live_periodic() {
	local out=$DIR/periodic.json err=$DIR/periodic.err r1 r2 j12 n
	lab_tlsmon "$out" "$err" --what-if min_version=TLS1.3 --what-if-interval 2 --json \
		--no-textfile || {
		fail "live tlsmon is watching" "$(tail -5 "$err")"
		return
	}
	client python $OPEN_PORT >/dev/null
	wait_for 10 report_of "$out" 1
	r1=$(reports "$out" | awk '$2 == 1' | head -1)
	ok $([ -n "$r1" ]; echo $?) "periodic: a report with the first client's offer" "$(reports "$out")"
	client python_12 $OPEN_PORT >/dev/null
	wait_for 10 report_of "$out" 2
	r2=$(reports "$out" | awk '$2 == 2' | head -1)
	stop_tlsmon
	# the TLS 1.2 client's JA4, from its own capture: what the second report must add
	j12=$("$BIN" --read "$DIR/offer-python_12.pcap" --json 2>/dev/null | python3 -c '
import json, sys
print(json.loads(sys.stdin.readline())["ja4"])')
	ok $(
		[ -n "$r2" ] && [ "${r2%% *}" -gt "${r1%% *}" ] && [[ "$r2" == *"$j12:True"* ]] &&
			[[ "$r1" != *"$j12"* ]]
		echo $?
	) "periodic: a later report adds the client that came after ($j12 would fail)" \
		"first '$r1', then '$r2'; all: $(reports "$out" | tr '\n' ';')"
	n=$(reports "$out" | awk '$2 != $3' | wc -l)
	ok $([ "$n" = 0 ] && reports "$out" | awk '{print $1}' | sort -n -c 2>/dev/null; echo $?) \
		"periodic: every report whole (its rows as its header says), numbered in order" \
		"$(reports "$out" | tr '\n' ';')"
	grep -q 'a report every 2 s' "$err"
	ok $? "periodic: the interval said at the start" "$(head -3 "$err")"
}

# --what-if-interval 0: a report only on SIGUSR1 (and at the stop)
test_live_sigusr1() {
	local out=$DIR/usr1.json err=$DIR/usr1.err n
	lab_tlsmon "$out" "$err" --what-if min_version=TLS1.3 --what-if-interval 0 --json \
		--no-textfile || {
		fail "live tlsmon is watching" "$(tail -5 "$err")"
		return
	}
	client python_12 $OPEN_PORT >/dev/null
	sleep 2
	n=$(reports "$out" | wc -l)
	ok $([ "$n" = 0 ]; echo $?) "SIGUSR1: no report before it (interval 0)" "$n"
	kill -USR1 "$TPID"
	wait_for 5 report_of "$out" 1
	ok $? "SIGUSR1: a report at once" "$(reports "$out")"
	reports "$out" | grep -qE '^1 1 1 [^ ]+:True$'
	ok $? "SIGUSR1: the TLS 1.2 client would fail" "$(reports "$out")"
	stop_tlsmon
	reports "$out" | grep -qE '^2 1 1 '
	ok $? "SIGUSR1: still running after it, the report at the stop is the second" \
		"$(reports "$out"); $(tail -2 "$err")"
}

# --what-if-interval alone is a bad command line; --events with --what-if too
test_usage() {
	local rc
	"$BIN" --read "$DIR/offer-python.pcap" --what-if-interval 5 >/dev/null 2>"$DIR/usage.err"
	rc=$?
	ok $([ "$rc" = 2 ] && grep -q 'without --what-if' "$DIR/usage.err"; echo $?) \
		"--what-if-interval without --what-if: exit 2, said" "rc $rc: $(cat "$DIR/usage.err")"
	"$BIN" --read "$DIR/offer-python.pcap" --what-if alpn=h2 --events >/dev/null 2>"$DIR/usage.err"
	rc=$?
	ok $([ "$rc" = 2 ]; echo $?) "--what-if with --events: exit 2" "rc $rc: $(cat "$DIR/usage.err")"
}

ALL_TESTS="test_offers_recorded test_policy_versions test_policy_tls12_cipher
	test_policy_tls13_suite test_policy_alpn test_policy_groups test_policy_sigalgs
	test_policy_ffdhe
	test_merged_report test_live test_live_periodic test_live_sigusr1 test_usage"
e2e_run
