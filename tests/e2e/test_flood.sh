#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Hostile load, bounded: thousands of never-answered ClientHellos (each with
# its own SNI, the connections held open), garbage and fake TLS records on
# :443 and idle half-open connections, while real handshakes go on.  tlsmon
# runs with small caps; memory must stay bounded, every cap hit must be
# counted (Prometheus textfile), and every real handshake still reported.
# At exit the exported counters account for every ClientHello exactly.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon lab"
E2E_TOOLS="python3 curl"
N_HELLO=${TLSMON_FLOOD_HELLOS:-3000}
N_GARBAGE=${TLSMON_FLOOD_GARBAGE:-1000}
N_IDLE=${TLSMON_FLOOD_IDLE:-300}
N_REAL=40
MAX_FLOWS=1024 MAX_CONNS=512

rss() { awk '/^VmRSS/ {print $2}' /proc/$TPID/status; }
metric() { # NAME [FILE]: the sum of every series of NAME
	awk -v m="$1" '$1 == m || index($1, m "{") == 1 { s += $NF } END { printf "%d\n", s }' \
		"${2:-$DIR/final.prom}"
}

# the flood, once: tlsmon under it, then the tests read what it left
setup() {
	chown nobody "$DIR"	# tlsmon writes the textfile as nobody, after its privilege drop
	# a server on B that accepts and never answers
	lab_silent_server b 4499
	lab_tlsmon "$DIR/records.json" "$DIR/tlsmon.err" --json --handshake-timeout 2 \
		--max-flows $MAX_FLOWS --max-conns $MAX_CONNS \
		--textfile-dir "$DIR" --textfile-interval 1 ||
		tap_skip_all "tlsmon does not attach: $(cat "$DIR/tlsmon.err")"
	wait_for 5 test -s "$DIR/tlsmon.prom"
	RSS0=$(rss)

	cat >"$DIR/flood.py" <<'EOF'
import os, random, resource, socket, ssl, sys, time
n_hello, n_garbage, n_idle = map(int, sys.argv[1:4])
resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
rnd = random.Random(7)
held = []
deadline = time.time() + 120
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

def hello(name):
    i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
    t = ctx.wrap_bio(i, o, server_hostname=name)
    try:
        t.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return o.read()

def conn(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect((addr, port))
    return s

sent = [0, 0, 0]
for i in range(max(n_hello, n_garbage, n_idle)):
    if time.time() > deadline:
        break
    try:
        if i < n_hello:
            s = conn("10.77.3.2", 4499)
            s.sendall(hello("flood-%05d.lab.test" % i))
            held.append(s)
            sent[0] += 1
        if i < n_garbage:
            s = conn("10.77.2.2", 443)
            if i % 2:
                s.sendall(os.urandom(rnd.randrange(1, 1400)))
            else:	# a ClientHello header over junk
                junk = os.urandom(rnd.randrange(4, 1200))
                body = bytes([1, 0, len(junk) >> 8, len(junk) & 255]) + junk
                s.sendall(bytes([22, 3, 1, len(body) >> 8, len(body) & 255]) + body)
            s.close()
            sent[1] += 1
        if i < n_idle:
            held.append(conn("10.77.2.2", 443))
            sent[2] += 1
    except OSError as e:
        print("flood:", i, e, file=sys.stderr)
print(*sent)
time.sleep(1)
EOF

	# the flood and, meanwhile, real handshakes
	lab_client true
	e2e_bg ip netns exec $LAB_NS_CLI timeout 150 python3 "$DIR/flood.py" $N_HELLO $N_GARBAGE $N_IDLE \
		>"$DIR/flood.out" 2>"$DIR/flood.err"
	FPID=$E2E_PID
	real_ok=0
	for ((i = 0; i < N_REAL; i++)); do
		lab_curl https://a.lab.test/ -4 -o /dev/null 2>>"$DIR/curl.err" && real_ok=$((real_ok + 1))
		sleep 0.05
	done
	wait $FPID
	read -r SENT_HELLO SENT_GARBAGE SENT_IDLE <"$DIR/flood.out"
	diag "flood sent: $SENT_HELLO hellos, $SENT_GARBAGE garbage, $SENT_IDLE idle; real handshakes: $real_ok/$N_REAL"
	[ "${SENT_HELLO:-0}" -ge $((N_HELLO * 9 / 10)) ] && [ "${SENT_GARBAGE:-0}" -ge $((N_GARBAGE * 9 / 10)) ] &&
		[ "$real_ok" -eq $N_REAL ]
	FLOOD_RAN=$?

	RSS1=$(rss)
	sleep 4	# timeouts settle, the textfile is rewritten
	RSS2=$(rss)
	cp "$DIR/tlsmon.prom" "$DIR/final.prom"
	kill -TERM $TPID
	wait $TPID
	TLSMON_RC=$?
	cp "$DIR/tlsmon.prom" "$DIR/exit.prom"	# written at exit, after the last settle
}

test_flood_ran() {
	ok $FLOOD_RAN "the flood ran and every real handshake succeeded" "$(tail -3 "$DIR/flood.err")"
	ok $TLSMON_RC "tlsmon exits 0 after the flood" "$(tail -3 "$DIR/tlsmon.err")"
}

test_memory_bounded() {
	GROWTH=$(( (RSS2 > RSS1 ? RSS2 : RSS1) - RSS0 ))
	diag "tlsmon RSS: ${RSS0} kB before, ${RSS1} kB after the flood, ${RSS2} kB settled"
	[ "$GROWTH" -lt 32768 ]
	ok $? "memory stays bounded (grew $GROWTH kB with caps of $MAX_FLOWS flows, $MAX_CONNS connections)"
}

test_caps_counted() {
	flows=$(metric tlsmon_flows)
	[ "$flows" -le $MAX_FLOWS ]
	ok $? "the kernel's flow map stays under its cap ($flows <= $MAX_FLOWS)"
	fe=$(metric tlsmon_flow_evictions_total)
	ce=$(metric tlsmon_connection_evictions_total)
	to=$(metric tlsmon_handshake_timeouts_total)
	diag "flow evictions $fe, connection evictions $ce, timeouts $to"
	[ "$fe" -gt 0 ]
	ok $? "the kernel's flow map filled up and its evictions are counted ($fe)"
	[ "$ce" -gt 0 ]
	ok $? "the collector's connection cap was hit and counted ($ce)"
	pe=$(metric tlsmon_parse_errors_total)
	[ "$pe" -gt 0 ]
	ok $? "the fake handshake records are counted as parse errors ($pe)"
	drops=$(metric tlsmon_ringbuf_drops_total)
	grep -q '^tlsmon_ringbuf_drops_total' "$DIR/final.prom"
	ok $? "ring-buffer drops are exported ($drops)"
}

test_all_reported() {
	# Every real handshake is reported, established, or counted as given up
	# to the caps: the datapath's LRU flow map is approximate under a flood
	# (it may push out a live flow), and a handshake that lost its flow waits
	# for the timeout in the collector, where --max-conns may push it out.
	# The ClientHello accounting says how many real ones went so: every
	# ClientHello evicted that no flood hello accounts for.  A few, at most.
	python3 - "$DIR/records.json" $N_REAL "${SENT_HELLO:-0}" \
		"$(metric tlsmon_client_hellos_evicted_total "$DIR/exit.prom")" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
n_real, sent, evicted = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
real = [r for r in recs if r["server"] == "10.77.2.2" and r["server_port"] == 443 and
        r.get("sni") == "a.lab.test"]
ok = [r for r in real if r["outcome"] == "established"]
flood = sum(1 for r in recs if r["server_port"] == 4499 and r.get("client_hello_seen"))
real_evicted = evicted - (sent - flood)
print("# real handshakes: %d reported established, %d reported, %d given up to the caps; "
      "%d records in all" % (len(ok), len(real), real_evicted, len(recs)))
sys.exit(0 if len(ok) == len(real) and len(ok) + real_evicted == n_real and
         real_evicted <= 2 else 1)
EOF
	ok $? "every real handshake is reported established or counted as given up ($N_REAL)"

	accounted=$(python3 - "$DIR/records.json" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(sum(1 for r in recs if r["server_port"] == 4499))
EOF
	)
	# a flood hello reaches the collector (its event is sent when the hello is
	# parsed, whatever becomes of the kernel's flow); it is reported (timed out:
	# no_server_hello) unless the connection cap pushed it out first, and then it
	# is counted as an eviction
	ce=$(metric tlsmon_connection_evictions_total)
	[ $((accounted + ce)) -ge "$SENT_HELLO" ]
	ok $? "every flood hello is reported or counted as evicted ($accounted reported, $ce evicted, $SENT_HELLO sent)"
}

# Every ClientHello on the wire is accounted for by the counters tlsmon
# exports, exactly: the datapath saw it (or could not track its flow), the
# ring buffer carried or lost it, and the collector reported its handshake,
# gave it up to --max-conns, or took it as a later hello of a handshake.
test_accounting_adds_up() {
	local f=$DIR/exit.prom dp lost pe rs ch st rp ev op cf recs wire
	dp=$(metric tlsmon_datapath_client_hellos_total "$f")
	lost=$(metric tlsmon_datapath_client_hellos_lost_total "$f")
	pe=$(metric tlsmon_client_hello_parse_errors_total "$f")
	rs=$(metric tlsmon_reassembly_client_hellos_total "$f")
	ch=$(metric tlsmon_client_hellos_total "$f")
	st=$(metric tlsmon_client_hellos_settled_total "$f")
	rp=$(metric tlsmon_client_hellos_repeated_total "$f")
	ev=$(metric tlsmon_client_hellos_evicted_total "$f")
	op=$(metric tlsmon_client_hellos_open "$f")
	cf=$(metric tlsmon_datapath_flow_create_failures_total "$f")
	wire=$(( ${SENT_HELLO:-0} + ${real_ok:-0} ))
	diag "wire $wire; datapath $dp (lost $lost, unparsable $pe, flows not created $cf); reassembled $rs;" \
		"collector $ch = settled $st + repeated $rp + evicted $ev + open $op"
	grep -q '^tlsmon_datapath_client_hellos_total ' "$f" && grep -q '^tlsmon_client_hellos_open ' "$f"
	ok $? "the ClientHello accounting is exported"
	# the datapath ships hello-shaped garbage too; the collector's parser refuses it
	local good=$((dp - pe))
	[ "$good" -eq "$wire" ] || { [ "$cf" -gt 0 ] && [ $((good + cf)) -ge "$wire" ] && [ "$good" -le "$wire" ]; }
	ok $? "every ClientHello sent is seen by the datapath ($dp - $pe unparsable of $wire, $cf untracked)"
	[ $((dp - lost - pe + rs)) -eq "$ch" ]
	ok $? "seen - lost in the ring buffer - unparsable + reassembled = received ($dp - $lost - $pe + $rs = $ch)"
	[ "$op" -eq 0 ] && [ $((st + rp + ev)) -eq "$ch" ]
	ok $? "received = reported + repeated + evicted, none open at exit ($st + $rp + $ev + $op = $ch)"
	recs=$(python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if l.startswith("{") and json.loads(l).get("client_hello_seen")))
' "$DIR/records.json")
	[ "$recs" -eq "$st" ]
	ok $? "every reported ClientHello is a record in the JSON output ($recs records, $st counted)"
}

ALL_TESTS="test_flood_ran test_memory_bounded test_caps_counted test_all_reported test_accounting_adds_up"
e2e_run

