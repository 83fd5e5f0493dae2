# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Helpers for the daemon and fault tests: two network namespaces on a veth
# pair of their own, a real TLS server, a server that accepts and never
# answers, real clients, and tlsmon watching the client's side.  The e2e
# runner (tests/lib/e2e.sh) sources it with this run's DM_PREFIX; with
# E2E_NEEDS=pair it calls dm_up, and the processes started here are its to end.
#
#   dm_up                    namespaces $DM_C/$DM_S, veth-c (10.96.0.1) <->
#                            veth-s (10.96.0.2), removed at exit
#   dm_link_up               (re)create the veth pair and its addresses
#   dm_servers               openssl s_server on 10.96.0.2:4433 (cert for
#                            *.dm.test), a never-answering server on :4499
#   dm_handshake SNI         one real TLS 1.3 handshake (s_client); 0 when done
#   dm_hellos N [HOLD]       N ClientHellos, one connection each, to :4499,
#                            SNI flood-NNNNN.dm.test; connections held HOLD s
#                            (default 0: closed at once); prints the count sent
#   dm_tlsmon OUT ARGS...    tlsmon -i veth-c in $DM_C, stdout to OUT, stderr to
#                            OUT.err; sets TPID; returns once it is watching
#   dm_status PID FIELD      a field of /proc/PID/status, values space-separated
#   dm_has_record OUT SNI    the JSON records in OUT have one for SNI
#   dm_flow_count PID        flows in the flow table of tlsmon PID (tests/tools/bpf_flows)
#   dm_metric FILE NAME      sum of every series of NAME in a textfile

DM_C=$DM_PREFIX-c
DM_S=$DM_PREFIX-s

dm_up() {
	tap_cleanup "ip netns del $DM_C; ip netns del $DM_S"
	ip netns add "$DM_C" && ip netns add "$DM_S" || return 1
	ip -n "$DM_C" link set lo up
	ip -n "$DM_S" link set lo up
	dm_link_up
}

dm_link_up() {
	ip link add veth-c netns "$DM_C" type veth peer name veth-s netns "$DM_S" || return 1
	ip -n "$DM_C" addr add 10.96.0.1/24 dev veth-c
	ip -n "$DM_S" addr add 10.96.0.2/24 dev veth-s
	ip -n "$DM_C" link set veth-c up
	ip -n "$DM_S" link set veth-s up
}

dm_servers() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$DIR/key.pem" -out "$DIR/cert.pem" \
		-days 2 -subj /CN=dm.test -addext 'subjectAltName=DNS:*.dm.test' >/dev/null 2>&1
	ip netns exec "$DM_S" timeout 600 openssl s_server -quiet -naccept 10000 -tls1_3 \
		-cert "$DIR/cert.pem" -key "$DIR/key.pem" -accept 0.0.0.0:4433 \
		</dev/null >/dev/null 2>&1 &
	e2e_track "$!"
	ip netns exec "$DM_S" timeout 600 python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 4499)); s.listen(4096)
held = []
while True:
    held.append(s.accept()[0])
    held = held[-8000:]
' >/dev/null 2>&1 &
	e2e_track "$!"
	wait_for 10 dm_listening 4433 && wait_for 10 dm_listening 4499
}

dm_listening() { ip netns exec "$DM_S" ss -Hltn "sport = :$1" | grep -q LISTEN; }

dm_handshake() {
	echo Q | timeout 10 ip netns exec "$DM_C" openssl s_client -connect 10.96.0.2:4433 \
		-servername "$1" >/dev/null 2>&1
}

DM_HELLO_PY='
import socket, ssl, sys, time
n, hold = int(sys.argv[1]), float(sys.argv[2])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
held, sent, deadline = [], 0, time.time() + 60
for i in range(n):
    if time.time() > deadline:
        break
    i_, o = ssl.MemoryBIO(), ssl.MemoryBIO()
    t = ctx.wrap_bio(i_, o, server_hostname="flood-%05d.dm.test" % i)
    try:
        t.do_handshake()
    except ssl.SSLWantReadError:
        pass
    try:
        s = socket.create_connection(("10.96.0.2", 4499), timeout=2)
        s.sendall(o.read())
        sent += 1
    except OSError as e:
        print("hello", i, e, file=sys.stderr)
        continue
    if hold > 0:
        held.append(s)
    else:
        s.close()
print(sent, flush=True)
if hold > 0:
    time.sleep(hold)
'

dm_hellos() {
	ip netns exec "$DM_C" timeout $((90 + ${2:-0})) python3 -c "$DM_HELLO_PY" "$1" "${2:-0}"
}

dm_tlsmon() {
	local out=$1
	shift
	ip netns exec "$DM_C" "$BIN" -i veth-c "$@" >"$out" 2>"$out.err" &
	TPID=$!
	e2e_track "$TPID"
	wait_for 15 grep -q "watching veth-c" "$out.err"
}

# the fields after the name, separated by one space
dm_status() { awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }

dm_has_record() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
for l in open(sys.argv[1], errors="replace"):
    try:
        if json.loads(l).get("sni") == sys.argv[2]:
            sys.exit(0)
    except ValueError:
        pass
sys.exit(1)
EOF
}

# The flow table ("flows"), found through the descriptors the process holds
# and read through its mapping: the slots with a tag.
dm_flow_count() {
	"$OUT/tests/tools/bpf_flows" "$1"
}

dm_metric() {
	awk -v m="$2" '$1 == m || index($1, m "{") == 1 { s += $NF } END { printf "%d\n", s }' "$1"
}
