# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# End-to-end test helpers around scripts/lab.sh (the network-namespace lab).
# Source tests/lib/tap.sh first (else lab_up's cleanup is an EXIT trap of its
# own: scripts/demo.sh, tests/e2e/run-scenarios.sh), then this file.
# Addresses, ports and what each server does are documented in scripts/lab.sh;
# the wire behaviour of every scenario in tests/e2e/SCENARIOS.md.  The e2e runner (tests/lib/e2e.sh,
# E2E_NEEDS=lab) sources it with LAB_PREFIX and LAB_DIR unique to the run.
#
#   lab_up / lab_down           build / remove the lab; lab_up registers
#                               lab_down for cleanup (tap_cleanup or EXIT)
#   lab_client CMD...           run CMD in the client namespace, with timeout
#   lab_in NS CMD...            same in any lab namespace (cli rtr a b px)
#   lab_sclient HOST:PORT [ARGS...]   openssl s_client: SNI = HOST, lab CA,
#                               -verify_return_error -verify_hostname HOST,
#                               sends GET / and reads the answer.  ARGS go
#                               to s_client.
#   lab_curl URL [ARGS...]      curl with the lab CA
#   lab_gnutls [-4|-6] HOST PORT [ARGS...]   gnutls-cli with the lab CA
#   lab_python HOST PORT [TRIES] [OPTS...]   python3 ssl client with CPython's
#                               upstream default cipher list, round robin over
#                               the addresses HOST resolves to (DNS round robin)
#   lab_block_sni NAME / lab_unblock_sni NAME   middlebox on the router
# With the e2e runner only (they leave their processes to it):
#   lab_tlsmon OUT ERR ARGS...  tlsmon -i cli0 ARGS in the client namespace,
#                               stdout to OUT, stderr to ERR; sets TPID (ended
#                               at exit); returns once it is watching (15 s)
#   lab_silent_server NS PORT   a server that accepts and never answers
#                               (no_server_hello), held open; ended at exit
#   capture_start NAME [FILTER] tcpdump on cli0 into $LAB_DIR/pcap/NAME.pcap
#                               (sets CAPTURE_FILE)
#   capture_stop                stop it (bounded), the pcap is complete after
#   pcap_fields PCAP [FILTER]   one line per packet, tab separated, see below

LAB_ROOT=${LAB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_SH=$LAB_ROOT/scripts/lab.sh
export LAB_PREFIX=${LAB_PREFIX:-tlsm}
export LAB_DIR=${LAB_DIR:-/tmp/tlsmon-lab}
LAB_TIMEOUT=${LAB_TIMEOUT:-10}

LAB_NS_CLI=$LAB_PREFIX-cli
LAB_NS_RTR=$LAB_PREFIX-rtr
LAB_NS_A=$LAB_PREFIX-a
LAB_NS_B=$LAB_PREFIX-b
LAB_NS_PX=$LAB_PREFIX-px
LAB_IF=cli0              # client side: tlsmon attaches here
LAB_IF_RTR_CLI=r-cli     # router, towards the client
LAB_CERTS=$LAB_DIR/certs
LAB_CA=$LAB_CERTS/ca.crt

LAB_CLI4=10.77.1.2 LAB_CLI6=fd77:1::2
LAB_RTR4=10.77.1.1 LAB_RTR6=fd77:1::1
LAB_A4=10.77.2.2 LAB_A6=fd77:2::2
LAB_B4=10.77.3.2 LAB_B6=fd77:3::2
LAB_PX4=10.77.4.2 LAB_PX6=fd77:4::2

# Ports on A (see scripts/lab.sh)
LAB_PORT_MAIN=443 LAB_PORT_MINTLS12=4410 LAB_PORT_TLS12=4412 LAB_PORT_TLS13=4413
LAB_PORT_HRR=4414 LAB_PORT_SNI_FATAL=4415
LAB_PORT_MTLS12=4420 LAB_PORT_MTLS13=4421
LAB_PORT_EXPIRED=4430 LAB_PORT_WRONGNAME=4431 LAB_PORT_UNKNOWNCA=4432
LAB_PORT_PLAIN=8443
# every TLS port of the lab, for tshark's decode-as
LAB_TLS_PORTS=(443 4410 4412 4413 4414 4415 4420 4421 4430 4431 4432)

# CPython's upstream default cipher string since 3.10 (PEP 644;
# PY_SSL_DEFAULT_CIPHER_STRING in Modules/_ssl.c, exposed as
# ssl._DEFAULT_CIPHERS; unchanged in 3.11, 3.12 and 3.13).  Set explicitly so
# a distribution patch (Fedora/RHEL use PROFILE=SYSTEM) cannot change it.  With
# OpenSSL 3.0 it gives 3 TLS 1.3 suites + 14 ECDHE/DHE TLS 1.2 suites, and the
# ClientHello carries 18 with the renegotiation SCSV 0x00ff (field report 004).
LAB_PY_CIPHERS='@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM'
LAB_PYTHON=${LAB_PYTHON:-python3}

_lab_cleanup_registered=0
_lab_exit_cmds=()

_lab_register() {
	if declare -F tap_cleanup >/dev/null; then
		tap_cleanup "$*"
	else
		if [ ${#_lab_exit_cmds[@]} -eq 0 ]; then
			trap '_lab_run_exit' EXIT
			trap 'exit 130' INT TERM
		fi
		_lab_exit_cmds+=("$*")
	fi
}

_lab_run_exit() {
	local rc=$? i
	for ((i = ${#_lab_exit_cmds[@]} - 1; i >= 0; i--)); do
		eval "${_lab_exit_cmds[$i]}" >/dev/null 2>&1 || true
	done
	exit $rc
}

# lab_up [ENV=VALUE...]: e.g. lab_up LAB_MTU=400
lab_up() {
	if [ $_lab_cleanup_registered = 0 ]; then
		_lab_register lab_down
		_lab_cleanup_registered=1
	fi
	env "$@" timeout -k 5 120 "$LAB_SH" up
}

lab_down() {
	capture_stop
	timeout -k 5 60 "$LAB_SH" down
}

lab_status() { "$LAB_SH" status; }

_lab_ns() {
	case $1 in
	cli | rtr | a | b | px) echo "$LAB_PREFIX-$1" ;;
	*) echo "$1" ;;
	esac
}

lab_in() {
	local ns
	ns=$(_lab_ns "$1")
	shift
	timeout -k 2 "$LAB_TIMEOUT" ip netns exec "$ns" "$@"
}

lab_client() { lab_in cli "$@"; }

lab_block_sni() { "$LAB_SH" block-sni "$1"; }
lab_unblock_sni() { "$LAB_SH" unblock-sni "$1"; }

lab_tlsmon() {
	local out=$1 err=$2
	shift 2
	e2e_bg ip netns exec "$LAB_NS_CLI" "$BIN" -i "$LAB_IF" "$@" >"$out" 2>"$err"
	TPID=$E2E_PID
	wait_for 15 grep -q "watching $LAB_IF" "$err"
}

lab_silent_server() {
	e2e_bg ip netns exec "$(_lab_ns "$1")" timeout 600 python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(4096)
held = []
while True:
    held.append(s.accept()[0])
' "$2" >/dev/null 2>&1
}

# lab_sclient HOST:PORT [ARGS...].  HOST is the SNI unless ARGS say
# -noservername or -servername NAME, and the name the certificate must match
# (NAME if given):
# s_client checks no host name at all unless told (-verify_hostname), even
# with -verify_return_error.  Writes an HTTP request and waits for the
# server to close (-ign_eof), so TLS 1.3 tickets are read and the first
# application-data records of both sides are on the wire.
lab_sclient() {
	local hp=$1 host
	shift
	host=${hp%:*}
	host=${host#[}
	host=${host%]}
	local sni=(-servername "$host") vh=(-verify_hostname "$host") a prev=
	case $host in *[!0-9.]* | '') ;; *) sni=() vh=() ;; esac
	case $host in *:*) sni=() vh=() ;; esac
	for a in "$@"; do
		case $prev in -servername) sni=() vh=(-verify_hostname "$a") host=$a ;; esac
		case $a in -noservername) sni=() ;; esac
		prev=$a
	done
	printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$host" |
		lab_client openssl s_client -connect "$hp" "${sni[@]}" "${vh[@]}" \
			-CAfile "$LAB_CA" -verify_return_error -ign_eof "$@"
}

lab_curl() {
	local url=$1
	shift
	lab_client curl -sS --max-time "$((LAB_TIMEOUT - 1))" --cacert "$LAB_CA" "$@" "$url"
}

# lab_gnutls [-4|-6] HOST PORT [ARGS...]: sends GET /, waits for the close.
# gnutls-cli has no -4/-6: with them HOST is resolved here and gnutls-cli
# connects to the address, with HOST as SNI and as the name to verify.
lab_gnutls() {
	local fam=
	case ${1:-} in -4 | -6) fam=$1 && shift ;; esac
	local host=$1 port=$2 target=$1 names=()
	shift 2
	if [ -n "$fam" ]; then
		local db=ahostsv4
		[ "$fam" = -6 ] && db=ahostsv6
		target=$(lab_client getent "$db" "$host" | awk 'NR == 1 {print $1}')
		[ -n "$target" ] || return 2
		names=(--sni-hostname "$host" --verify-hostname "$host")
	fi
	printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$host" |
		lab_client gnutls-cli --x509cafile "$LAB_CA" -p "$port" "${names[@]}" "$@" "$target"
}

# The python client.  argv: HOST PORT TRIES [--tls12] [--noverify] [--nosni]
# [--cert CRT --key KEY] [--addr IP] [--start N] [--ciphers STRING] (replaces
# the upstream list, e.g. "@SECLEVEL=0:..." to load a weak client certificate).
# One line per try:
#   N ADDRESS ok VERSION CIPHER       or      N ADDRESS fail REASON MESSAGE
# Exit status 0 when every try succeeded.
LAB_PY_CLIENT='
import socket, ssl, sys
host, port, tries = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ciphers, cafile = sys.argv[4], sys.argv[5]
args = sys.argv[6:]
def opt(name):
    if name in args:
        i = args.index(name); return args[i + 1]
    return None
ctx = ssl.create_default_context(cafile=cafile)
ctx.set_ciphers(opt("--ciphers") or ciphers)
if "--tls12" in args:
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
if "--noverify" in args:
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
if opt("--cert"):
    ctx.load_cert_chain(opt("--cert"), opt("--key"))
if opt("--addr"):
    addrs = [opt("--addr")]
else:
    addrs = []
    for ai in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        if ai[4][0] not in addrs:
            addrs.append(ai[4][0])
start = int(opt("--start") or 0)
sni = None if "--nosni" in args else host
bad = 0
for i in range(tries):
    a = addrs[(start + i) % len(addrs)]
    try:
        with socket.create_connection((a, port), timeout=5) as s:
            with ctx.wrap_socket(s, server_hostname=sni) as t:
                t.sendall(b"GET / HTTP/1.0\r\nHost: " + host.encode() + b"\r\n\r\n")
                t.recv(100)
                print(i + 1, a, "ok", t.version(), t.cipher()[0], flush=True)
    except ssl.SSLError as e:
        bad += 1
        print(i + 1, a, "fail", e.reason, e, flush=True)
    except OSError as e:
        bad += 1
        print(i + 1, a, "fail", type(e).__name__, e, flush=True)
sys.exit(1 if bad else 0)
'

lab_python() {
	local host=$1 port=$2 tries=${3:-1}
	shift 3 2>/dev/null || shift $#
	lab_client "$LAB_PYTHON" -c "$LAB_PY_CLIENT" "$host" "$port" "$tries" \
		"$LAB_PY_CIPHERS" "$LAB_CA" "$@"
}

CAPTURE_PID=
CAPTURE_FILE=

# capture_start NAME [FILTER]: tcpdump on the client's interface (default
# filter: tcp).  Returns once tcpdump is listening (bounded: 5 s).
capture_start() {
	local name=$1 filter=${2:-tcp} i
	capture_stop
	[ -e "$LAB_DIR/.tlsmon-lab" ] || {
		echo "capture_start: the lab is not up ($LAB_DIR)" >&2
		return 1
	}
	mkdir -p "$LAB_DIR/pcap"
	CAPTURE_FILE=$LAB_DIR/pcap/$name.pcap
	rm -f "$CAPTURE_FILE" "$CAPTURE_FILE.log"
	ip netns exec "$LAB_NS_CLI" timeout -k 2 "${CAPTURE_MAX:-120}" \
		tcpdump -i "$LAB_IF" -n -s 0 -U --immediate-mode -Z root -w "$CAPTURE_FILE" $filter \
		>"$CAPTURE_FILE.log" 2>&1 &
	CAPTURE_PID=$!
	for ((i = 0; i < 50; i++)); do
		grep -q 'listening on' "$CAPTURE_FILE.log" 2>/dev/null && return 0
		kill -0 "$CAPTURE_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$CAPTURE_FILE.log" >&2
	capture_stop
	return 1
}

# capture_stop: let tcpdump see the last packets, stop it, wait (bounded).
capture_stop() {
	[ -n "$CAPTURE_PID" ] || return 0
	local i
	sleep "${CAPTURE_SETTLE:-0.3}"
	# CAPTURE_PID is `timeout`, which passes the signal on to tcpdump
	kill -INT "$CAPTURE_PID" 2>/dev/null
	for ((i = 0; i < 30; i++)); do
		kill -0 "$CAPTURE_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$CAPTURE_PID" 2>/dev/null
	wait "$CAPTURE_PID" 2>/dev/null
	CAPTURE_PID=
	return 0
}

# pcap_fields PCAP [DISPLAY_FILTER]: one line per packet, tab separated:
#   1 frame  2 time  3 src  4 sport  5 dst  6 dport  7 TCP flags (S A P F R)
#   8 TTL/hop limit  9 IPv4 ID (hex, "-" for IPv6)  10 TCP payload length
#   11 TLS record content types in clear (22 handshake, 21 alert, 20 CCS,
#      23 application data) 12 TLS 1.3 opaque types (encrypted records, always
#      23)  13 record lengths  14 handshake types  15 alert level
#   16 alert description  17 tshark's Info column (TCP-only packets: "-")
# Lab TLS ports are decoded as TLS.  tshark reassembles records: a record is
# listed in the frame where its last byte arrives.  Empty fields are "-".
pcap_fields() {
	local pcap=$1 filter=${2:-} p da=()
	for p in "${LAB_TLS_PORTS[@]}"; do da+=(-d "tcp.port==$p,tls"); done
	tshark -r "$pcap" -n "${da[@]}" ${filter:+-Y "$filter"} -T fields \
		-E separator=/t -E occurrence=a -E aggregator=, \
		-e frame.number -e frame.time_relative \
		-e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport \
		-e tcp.flags.str -e ip.ttl -e ipv6.hlim -e ip.id -e tcp.len \
		-e tls.record.content_type -e tls.record.opaque_type -e tls.record.length \
		-e tls.handshake.type -e tls.alert_message.level -e tls.alert_message.desc \
		-e _ws.col.Protocol -e _ws.col.Info 2>/dev/null |
		awk -F'\t' 'BEGIN { OFS = "\t" }
		{
			for (i = 1; i <= NF; i++) if ($i == "") $i = "-"
			src = ($3 != "-") ? $3 : $4; dst = ($6 != "-") ? $6 : $7
			ttl = ($10 != "-") ? $10 : $11
			fl = ""; n = split("S A P R F", F, " ")
			for (i = 1; i <= n; i++) if (index($9, F[i])) fl = fl F[i]
			info = ($20 == "TCP") ? "-" : $21
			print $1, sprintf("%.6f", $2), src, $5, dst, $8, fl, ttl, $12, $13,
				$14, $15, $16, $17, $18, $19, info
		}'
}
