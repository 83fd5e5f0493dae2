#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Which local program (issue 21), live in the lab with real cgroups: clients
# (curl, python3, openssl s_client) each started in a cgroup v2 directory of
# this test, against servers that succeed and fail, are named in their
# records (pid, comm, exe, cgroup), a curl that exits right after its failure
# too; servers in the client namespace (openssl s_server, nginx) in cgroups
# of their own are named in the records of inbound handshakes, those started
# before tlsmon too (named from /proc at start: nginx by its master); a
# connection made before tlsmon started to one of those (its SYN-ACK unseen:
# unnamed), and one to a listener closed before it
# started, has "local": null; two programs reusing one
# 4-tuple are each named, not one for the other; --cgroup and --pid report
# only what they name; the textfile counts what the hooks recorded and the
# lookups found; --no-process loads none; a capture's records have "local":
# null.  The cgroups are the test's, removed at exit.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon lab"
E2E_TOOLS="curl python3 openssl nginx"
SPORT=4600	# openssl s_server in the client namespace
NPORT=4601	# nginx in the client namespace
PPORT=4602	# openssl s_server in the client namespace, started before tlsmon
QPORT=4603	# nginx in the client namespace, started before tlsmon
GPORT=4604	# a server in namespace A that stops listening before tlsmon starts
RPORT=41234	# the local port two clients reuse

# the cgroup v2 hierarchy: /sys/fs/cgroup (unified) or /sys/fs/cgroup/unified (hybrid)
cg_root() {
	local d
	for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		[ "$(stat -fc %T "$d" 2>/dev/null)" = cgroup2fs ] && echo "$d" && return 0
	done
	return 1
}

CGS=()
# cg_make VAR NAME: a cgroup of this test, VAR its path from the hierarchy's root
cg_make() {
	local p=/tlsmon-test-$$-$2
	mkdir -p "$CG_ROOT$p" && CGS+=("$p") && printf -v "$1" %s "$p"
}

# at exit, failure or not: whatever is left in them to the root, then rmdir
# (a process still exiting holds its cgroup a moment: a few tries)
cg_cleanup() {
	local p pid i
	for p in "${CGS[@]}"; do
		for ((i = 0; i < 50 && ${#p} > 0; i++)); do
			[ -d "$CG_ROOT$p" ] || break
			while read -r pid; do
				echo "$pid" >"$CG_ROOT/cgroup.procs"
			done <"$CG_ROOT$p/cgroup.procs"
			rmdir "$CG_ROOT$p" 2>/dev/null && break
			sleep 0.1
		done
	done
}

# in_cg CGPATH NS PIDFILE CMD...: CMD in the cgroup, then in namespace NS (ip
# netns exec remounts /sys: the cgroup first), its pid (exec keeps it) in PIDFILE
in_cg() {
	local cg=$1 ns=$2 pidfile=$3
	shift 3
	# timeout outside: the pid written is the program's (sh, ip netns exec and it: one exec chain)
	timeout -k 2 20 sh -c 'echo $$ >"$1"; echo $$ >"$2/cgroup.procs" || exit 99; shift 3; exec "$@"' \
		in_cg "$pidfile" "$CG_ROOT$cg" "$ns" ip netns exec "$ns" "$@"
}

# expect WHAT SIDE PORT PIDFILE CG EXE [JSON...]: a line of what the checker
# expects; the comm is the executable's name unless COMM says (python3 -> python3.11)
expect() {
	local what=$1 side=$2 port=$3 pid cg=$5 exe=$6 comm
	pid=$(cat "$4")
	comm=${COMM:-$(basename "$exe" | cut -c1-15)}
	shift 6
	# the cgroup's id: its directory's inode
	printf '{"what":"%s","side":"%s","server_port":%d,"pid":%d,"cgroup":"%s","cgroup_id":%d,"exe":"%s","comm":"%s"%s}\n' \
		"$what" "$side" "$port" "$pid" "$cg" "$(stat -c %i "$CG_ROOT$cg")" "$exe" "$comm" "$*" \
		>>"$DIR/expect.json"
}

records_ge() { [ "$(grep -c . "$1" 2>/dev/null)" -ge "$2" ]; }

# the python3 client: a handshake to HOST:PORT (SNI NAME), from local port
# LPORT if not 0, its port and its own executable written out; with GO:
# connect, wait for the file GO, then the handshake (a connection older than
# tlsmon); with GO wait-first: wait, then connect (a pid known beforehand)
py_client() {
	cat >"$DIR/client.py" <<'PY'
import os, socket, ssl, struct, sys, time
host, port, name, lport, out, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
go = sys.argv[7] if len(sys.argv) > 7 else ""
wait_first = len(sys.argv) > 8 and sys.argv[8] == "wait-first"
while go and wait_first and not os.path.exists(go):
    time.sleep(0.05)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if lport:
    s.bind(("0.0.0.0", lport))
s.connect((host, port))
open(out, "w").write("%d %s %s\n" % (s.getsockname()[1], os.readlink("/proc/self/exe"),
                                     open("/proc/self/comm").read().strip()))
while go and not os.path.exists(go):
    time.sleep(0.05)
ctx = ssl.create_default_context(cafile=ca)
sock = s
try:
    sock = ctx.wrap_socket(s, server_hostname=name)
    sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
    sock.recv(100)
except (ssl.SSLError, OSError):
    pass
# a reset, not a close: no TIME_WAIT, the port is free for the next client at once
try:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
except OSError:
    pass
sock.close()
PY
}

# a server that accepts one connection, closes its listening socket (file
# closed), then serves TLS on that connection
py_once() {
	cat >"$DIR/once.py" <<'PY'
import socket, ssl, sys
port, cert, key, closed = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port))
s.listen(1)
c = s.accept()[0]
s.close()
open(closed, "w").write("closed\n")
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
try:
    t = ctx.wrap_socket(c, server_side=True)
    t.recv(100)
    t.sendall(b"HTTP/1.0 200 OK\r\n\r\nok\n")
    t.close()
except (ssl.SSLError, OSError):
    pass
PY
}

# start_nginx NAME PORT CGROUP: nginx (master and a worker) in the client
# namespace, in CGROUP; its master's pid in $DIR/NAME.master
start_nginx() {
	local d=$DIR/$1
	mkdir -p "$d/tmp"
	cat >"$d/nginx.conf" <<NGX
daemon off;
master_process on;
worker_processes 1;
user root;
pid $d/nginx.pid;
error_log $d/error.log info;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    server {
        listen $2 ssl;
        ssl_certificate $LAB_CERTS/a.crt;
        ssl_certificate_key $LAB_CERTS/a.key;
        location / { return 200 "ok\n"; }
    }
}
NGX
	e2e_bg in_cg "$3" "$LAB_NS_CLI" "$DIR/$1.master" nginx -p "$d" -c "$d/nginx.conf" \
		-e "$d/error.log"
	wait_for 10 test -s "$d/nginx.pid" &&
		wait_for 10 lab_client sh -c "ss -ltn | grep -q ':$2 '"
}

setup() {
	CG_ROOT=$(cg_root) || tap_skip_all "no cgroup v2 hierarchy mounted"
	tap_cleanup cg_cleanup
	cg_make CG_CURL curl && cg_make CG_PY py && cg_make CG_OSSL ossl && cg_make CG_SRV srv &&
		cg_make CG_NGX nginx && cg_make CG_OLD old && cg_make CG_R1 r1 && cg_make CG_R2 r2 &&
		cg_make CG_F f && cg_make CG_G g && cg_make CG_PRE pre && cg_make CG_NGX0 nginx0 &&
		cg_make CG_GONE gone || tap_skip_all "cannot make cgroups under $CG_ROOT"
	py_client
	py_once
	: >"$DIR/expect.json"
	CURL=$(readlink -f "$(command -v curl)")
	OSSL=$(readlink -f "$(command -v openssl)")
	NGINX=$(readlink -f "$(command -v nginx)")
	# connected before tlsmon starts, to a server in namespace A whose
	# listening socket is closed before it starts too; its handshake waits
	# for the file go
	e2e_bg in_cg "$CG_GONE" "$LAB_NS_A" "$DIR/gone.pid" python3 "$DIR/once.py" $GPORT \
		"$LAB_CERTS/a.crt" "$LAB_CERTS/a.key" "$DIR/gone.closed"
	wait_for 10 lab_in a sh -c "ss -ltn | grep -q ':$GPORT '" ||
		tap_skip_all "the one-connection server does not listen"
	e2e_bg in_cg "$CG_OLD" "$LAB_NS_CLI" "$DIR/old.pid" python3 "$DIR/client.py" "$LAB_A4" \
		$GPORT a.lab.test 0 "$DIR/old.out" "$LAB_CA" "$DIR/go"
	wait_for 10 test -s "$DIR/old.out" && wait_for 10 test -s "$DIR/gone.closed" ||
		tap_skip_all "the one-connection server does not answer"
	# servers listening before tlsmon starts, each in its cgroup: named from
	# /proc at its start (README, "Which program")
	e2e_bg in_cg "$CG_PRE" "$LAB_NS_CLI" "$DIR/pre.pid" openssl s_server -accept $PPORT \
		-cert "$LAB_CERTS/a.crt" -key "$LAB_CERTS/a.key" -www -quiet
	start_nginx nginx0 $QPORT "$CG_NGX0" &&
		wait_for 10 lab_client sh -c "ss -ltn | grep -q ':$PPORT '" ||
		tap_skip_all "the servers started before tlsmon did not start: $(cat "$DIR/nginx0/error.log" 2>/dev/null)"
	# connected before tlsmon starts to one of them (nginx: it serves others
	# meanwhile), still listening when it starts: its SYN-ACK unseen, the
	# listener does not name it
	wait_for 10 lab_client sh -c "ss -ltn | grep -q ':$QPORT '" &&
		e2e_bg lab_in a python3 "$DIR/client.py" "$LAB_CLI4" $QPORT a.lab.test 0 \
			"$DIR/old2.out" "$LAB_CA" "$DIR/go" &&
		wait_for 10 test -s "$DIR/old2.out" ||
		tap_skip_all "the connection to the server started before tlsmon did not open"
	chown nobody "$DIR"	# the textfile is written after the privilege drop
	lab_tlsmon "$DIR/records.json" "$DIR/tlsmon.err" --json --textfile-dir "$DIR" \
		--textfile-interval 1 ||
		tap_skip_all "tlsmon does not attach: $(cat "$DIR/tlsmon.err")"
	grep -q "naming local programs" "$DIR/tlsmon.err" ||
		tap_skip_all "this kernel loads neither fentry nor BTF tracepoints: $(cat "$DIR/tlsmon.err")"
	# started once tlsmon runs: where trampolines are refused, the tracepoint set
	# names a server by its listen() (README, "Which program")
	# servers of the client namespace, each in its cgroup
	e2e_bg in_cg "$CG_SRV" "$LAB_NS_CLI" "$DIR/srv.pid" openssl s_server -accept $SPORT \
		-cert "$LAB_CERTS/a.crt" -key "$LAB_CERTS/a.key" -www -quiet
	start_nginx nginx $NPORT "$CG_NGX" &&
		wait_for 10 lab_client sh -c "ss -ltn | grep -q ':$SPORT '" ||
		tap_skip_all "the test's servers did not start: $(cat "$DIR/nginx/error.log" 2>/dev/null)"
}

test_clients() {
	local lport pids
	# curl: a success, then a failure it exits right after (unknown CA)
	lport=$(in_cg "$CG_CURL" "$LAB_NS_CLI" "$DIR/c1.pid" curl -sS -o /dev/null \
		-w '%{local_port}' --cacert "$LAB_CA" "https://a.lab.test:$LAB_PORT_TLS13/")
	expect curl client $LAB_PORT_TLS13 "$DIR/c1.pid" "$CG_CURL" "$CURL" \
		",\"client_port\":${lport:-0},\"outcome\":\"established\""
	lport=$(in_cg "$CG_CURL" "$LAB_NS_CLI" "$DIR/c2.pid" curl -sS -o /dev/null \
		-w '%{local_port}' --cacert "$LAB_CA" "https://a.lab.test:$LAB_PORT_UNKNOWNCA/" 2>/dev/null)
	expect "curl exiting after its failure" client $LAB_PORT_UNKNOWNCA "$DIR/c2.pid" \
		"$CG_CURL" "$CURL" ",\"client_port\":${lport:-0},\"outcome\":\"failed\""
	# python3: a success, a refusal (unrecognized_name)
	in_cg "$CG_PY" "$LAB_NS_CLI" "$DIR/p1.pid" python3 "$DIR/client.py" "$LAB_A4" \
		$LAB_PORT_TLS12 a.lab.test 0 "$DIR/p1.out" "$LAB_CA"
	COMM=$(cut -d' ' -f3 "$DIR/p1.out") expect python3 client $LAB_PORT_TLS12 "$DIR/p1.pid" "$CG_PY" "$(cut -d' ' -f2 "$DIR/p1.out")" \
		",\"client_port\":$(cut -d' ' -f1 "$DIR/p1.out"),\"outcome\":\"established\""
	in_cg "$CG_PY" "$LAB_NS_CLI" "$DIR/p2.pid" python3 "$DIR/client.py" "$LAB_A4" \
		$LAB_PORT_SNI_FATAL other.lab.test 0 "$DIR/p2.out" "$LAB_CA"
	COMM=$(cut -d' ' -f3 "$DIR/p2.out") expect "python3 refused" client $LAB_PORT_SNI_FATAL "$DIR/p2.pid" "$CG_PY" \
		"$(cut -d' ' -f2 "$DIR/p2.out")" \
		",\"client_port\":$(cut -d' ' -f1 "$DIR/p2.out"),\"outcome\":\"failed\""
	# openssl s_client, a success
	echo Q | in_cg "$CG_OSSL" "$LAB_NS_CLI" "$DIR/o1.pid" openssl s_client -connect \
		"$LAB_A4:$LAB_PORT_TLS13" -servername a.lab.test -CAfile "$LAB_CA" >/dev/null 2>&1
	expect "openssl s_client" client $LAB_PORT_TLS13 "$DIR/o1.pid" "$CG_OSSL" "$OSSL" \
		",\"outcome\":\"established\""
	# two programs, one after the other, on one 4-tuple
	in_cg "$CG_R1" "$LAB_NS_CLI" "$DIR/r1.pid" python3 "$DIR/client.py" "$LAB_A4" \
		$LAB_PORT_MINTLS12 a.lab.test $RPORT "$DIR/r1.out" "$LAB_CA"
	in_cg "$CG_R2" "$LAB_NS_CLI" "$DIR/r2.pid" python3 "$DIR/client.py" "$LAB_A4" \
		$LAB_PORT_MINTLS12 a.lab.test $RPORT "$DIR/r2.out" "$LAB_CA"
	for r in r1 r2; do
		COMM=$(cut -d' ' -f3 "$DIR/$r.out") expect "python3 on the reused 4-tuple ($r)" client $LAB_PORT_MINTLS12 "$DIR/$r.pid" \
			"$(eval echo "\$CG_${r^^}")" "$(cut -d' ' -f2 "$DIR/$r.out")" \
			",\"client_port\":$RPORT"
	done
	# inbound, to the servers of the client namespace
	lab_in a curl -sSk -o /dev/null "https://$LAB_CLI4:$SPORT/"
	expect "openssl s_server" server $SPORT "$DIR/srv.pid" "$CG_SRV" "$OSSL"
	lab_in a curl -sSk -o /dev/null "https://$LAB_CLI4:$NPORT/"
	# nginx: the master (it listens) or its worker (it accepts)
	expect nginx server $NPORT "$DIR/nginx.master" "$CG_NGX" "$NGINX" \
		",\"pids\":[$(cat "$DIR/nginx.master")$(pgrep -P "$(cat "$DIR/nginx.master")" | sed 's/^/,/' | tr -d '\n')]"
	# inbound, to the servers listening before tlsmon started: nginx by its master
	lab_in a curl -sSk -o /dev/null "https://$LAB_CLI4:$PPORT/"
	expect "openssl s_server started before tlsmon" server $PPORT "$DIR/pre.pid" "$CG_PRE" "$OSSL"
	lab_in a curl -sSk -o /dev/null "https://$LAB_CLI4:$QPORT/"
	# (the fentry set names the worker that accepted)
	grep -q "naming local programs (tracepoint" "$DIR/tlsmon.err" && pids= ||
		pids=",\"pids\":[$(cat "$DIR/nginx0.master")$(pgrep -P "$(cat "$DIR/nginx0.master")" | sed 's/^/,/' | tr -d '\n')]"
	expect "nginx started before tlsmon" server $QPORT "$DIR/nginx0.master" "$CG_NGX0" "$NGINX" "$pids"
	# the connection older than tlsmon does its handshake now
	touch "$DIR/go"
	wait_for 10 sh -c "! kill -0 $(cat "$DIR/old.pid") 2>/dev/null"
	wait_for 10 records_ge "$DIR/records.json" 13
	ok $? "thirteen records, one per handshake" "$(cat "$DIR/records.json")"
	py_tap python3 tests/lib/local_check.py "$DIR/records.json" "$DIR/expect.json" \
		"$(cut -d' ' -f1 "$DIR/old.out"),$(cut -d' ' -f1 "$DIR/old2.out")"
}

metric() { # NAME: its value in the textfile
	awk -v m="$1" '$1 == m { print $2 }' "$DIR/tlsmon.prom" 2>/dev/null
}

# the textfile counts what the hooks recorded and what the lookups found
# (rewritten every second, the map walked at most every 5 s: waited for)
counters_ok() {
	[ "$(metric tlsmon_process_hooks_attached)" = 1 ] &&
		[ "$(metric tlsmon_process_connects_total)" -ge 8 ] &&
		[ "$(metric tlsmon_process_identified_total)" -ge 11 ] &&
		[ "$(metric tlsmon_process_listeners_seeded_total)" -ge 2 ] &&
		[ "$(metric tlsmon_process_unknown_total)" -ge 1 ] &&
		[ "$(metric tlsmon_process_closes_total)" -ge 1 ] &&
		[ "$(metric tlsmon_process_record_failures_total)" = 0 ] &&
		[ "$(metric tlsmon_process_sockets)" -ge 8 ] &&
		[ "$(metric tlsmon_process_evictions_total)" = 0 ]
}

test_counters() {
	wait_for 12 counters_ok
	ok $? "the textfile: hooks attached, sockets recorded and in the map, listeners seeded, none pushed out, records named, the old one unknown" \
		"$(grep '^tlsmon_process_[a-z_]* ' "$DIR/tlsmon.prom")"
}

# another tlsmon instead (a filter, --no-process): FILE its records, FILE.err its log
filtered() {
	local out=$1
	shift
	kill "$TPID" 2>/dev/null
	wait "$TPID" 2>/dev/null
	mkdir -p "$DIR/n" && chown nobody "$DIR/n"
	lab_tlsmon "$out" "$out.err" --json "$@"
}

# schema_fields ecs|otel FILE PID COMM EXE CGROUP: the local program in the
# schema's fields, and the native object under tlsmon
schema_fields() {
	py_tap python3 - "$@" <<'PY'
import json, sys
sys.path.insert(0, "tests/lib")
from promtext import Tap
t = Tap()
fmt, path, pid, comm, exe, cg = sys.argv[1:7]
r = json.loads(open(path).readline())
if fmt == "ecs":
    got = {"pid": r["process"]["pid"], "comm": r["process"]["name"],
           "exe": r["process"]["executable"], "uid": r["user"]["id"],
           "tid": r["process"]["thread"]["id"], "local": r["tlsmon"]["local"]}
else:
    got = {"pid": r["process.pid"], "comm": r["process.executable.name"],
           "exe": r["process.executable.path"], "uid": r["user.id"],
           "tid": r["thread.id"], "local": r["tlsmon.local"]}
t.eq(got["pid"], int(pid), fmt + ": the pid")
t.eq(got["comm"], comm, fmt + ": the process name")
t.eq(got["exe"], exe, fmt + ": the executable")
t.eq(got["uid"], "0", fmt + ": the user id, a string as the schema has it")
t.ok(got["tid"] > 0, fmt + ": the thread id")
t.eq((got["local"] or {}).get("cgroup"), cg, fmt + ": the native object, under tlsmon")
PY
}

test_cgroup_filter() {
	filtered "$DIR/f.json" --no-textfile --cgroup "$CG_F" --json-format ecs ||
		{ fail "tlsmon --cgroup starts" "$(cat "$DIR/f.json.err")"; return; }
	in_cg "$CG_G" "$LAB_NS_CLI" "$DIR/g.pid" curl -sS -o /dev/null --cacert "$LAB_CA" \
		"https://a.lab.test:$LAB_PORT_TLS13/"
	in_cg "$CG_F" "$LAB_NS_CLI" "$DIR/f.pid" curl -sS -o /dev/null --cacert "$LAB_CA" \
		"https://a.lab.test:$LAB_PORT_TLS12/"
	in_cg "$CG_G" "$LAB_NS_CLI" "$DIR/g2.pid" curl -sS -o /dev/null --cacert "$LAB_CA" \
		"https://a.lab.test:$LAB_PORT_TLS13/"
	wait_for 10 records_ge "$DIR/f.json" 1
	sleep 1
	[ "$(grep -c . "$DIR/f.json")" -eq 1 ] &&
		grep -q "\"pid\":$(cat "$DIR/f.pid")," "$DIR/f.json"
	ok $? "--cgroup $CG_F: the one handshake of that cgroup, not the two of another" \
		"$(cat "$DIR/f.json")"
	schema_fields ecs "$DIR/f.json" "$(cat "$DIR/f.pid")" curl "$CURL" "$CG_F"
}

test_pid_filter() {
	e2e_bg in_cg "$CG_G" "$LAB_NS_CLI" "$DIR/w.pid" python3 "$DIR/client.py" "$LAB_A4" \
		$LAB_PORT_TLS12 a.lab.test 0 "$DIR/w.out" "$LAB_CA" "$DIR/go2" wait-first
	wait_for 10 test -s "$DIR/w.pid"
	filtered "$DIR/p.json" --no-textfile --pid "$(cat "$DIR/w.pid")" --json-format otel ||
		{ fail "tlsmon --pid starts" "$(cat "$DIR/p.json.err")"; return; }
	in_cg "$CG_G" "$LAB_NS_CLI" "$DIR/x.pid" curl -sS -o /dev/null --cacert "$LAB_CA" \
		"https://a.lab.test:$LAB_PORT_TLS13/"
	touch "$DIR/go2"
	wait_for 10 test -s "$DIR/w.out"
	wait_for 10 records_ge "$DIR/p.json" 1
	sleep 1
	[ "$(grep -c . "$DIR/p.json")" -eq 1 ] &&
		grep -q "\"pid\":$(cat "$DIR/w.pid")," "$DIR/p.json"
	ok $? "--pid N: the handshake of process N, not curl's" "$(cat "$DIR/p.json")"
	schema_fields otel "$DIR/p.json" "$(cat "$DIR/w.pid")" "$(cut -d' ' -f3 "$DIR/w.out")" \
		"$(cut -d' ' -f2 "$DIR/w.out")" "$CG_G"
}

test_no_process() {
	filtered "$DIR/n.json" --no-process --textfile-dir "$DIR/n" --textfile-interval 1 ||
		{ fail "tlsmon --no-process starts" "$(cat "$DIR/n.json.err")"; return; }
	in_cg "$CG_G" "$LAB_NS_CLI" "$DIR/n.pid" curl -sS -o /dev/null --cacert "$LAB_CA" \
		"https://a.lab.test:$LAB_PORT_TLS13/"
	wait_for 10 records_ge "$DIR/n.json" 1
	wait_for 5 grep -q "^tlsmon_process_hooks_attached 0" "$DIR/n/tlsmon.prom"
	ok $? "--no-process: tlsmon_process_hooks_attached 0" "$(grep process "$DIR/n/tlsmon.prom")"
	grep -q '"local":null' "$DIR/n.json" && ! grep -q "naming local programs" "$DIR/n.json.err"
	ok $? "--no-process: no hooks, \"local\": null" "$(cat "$DIR/n.json.err")"
}

test_offline_null() {
	local n
	n=$("$BIN" --read "$CORPUS/ja4/latest.pcapng" --json --no-textfile 2>/dev/null |
		python3 -c 'import json,sys; r=[json.loads(l) for l in sys.stdin]; print(len(r) if r and all("local" in x and x["local"] is None for x in r) else 0)')
	[ "${n:-0}" -gt 0 ]
	ok $? "--read: every record has \"local\": null ($n records)"
}

test_usage() {
	local rc
	"$BIN" --pid 0 --no-dashboard >/dev/null 2>&1; rc=$?
	ok $((rc != 2)) "--pid 0: exit 2"
	"$BIN" --pid 4194305 >/dev/null 2>&1; rc=$?
	ok $((rc != 2)) "--pid past PID_MAX_LIMIT: exit 2"
	"$BIN" --cgroup relative >/dev/null 2>&1; rc=$?
	ok $((rc != 2)) "--cgroup not from the root: exit 2"
	"$BIN" --unit a/b >/dev/null 2>&1; rc=$?
	ok $((rc != 2)) "--unit with a slash: exit 2"
	"$BIN" --read "$CORPUS/ja4/latest.pcapng" --pid 1 >/dev/null 2>&1; rc=$?
	ok $((rc != 2)) "--pid with --read: exit 2"
}

ALL_TESTS="test_clients test_counters test_no_process test_cgroup_filter test_pid_filter test_offline_null test_usage"
e2e_run
