#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tlsmon network-namespace test lab.
#
# usage: scripts/lab.sh up | down | status | exec NS CMD... |
#                       block-sni NAME | unblock-sni NAME | addr NAME |
#                       dated-cert OUT START END SAN
#
# Topology (every veth is created directly inside its namespaces: nothing is
# ever created in, attached to or routed through the root namespace):
#
#   ${P}-cli                ${P}-rtr                         ${P}-a
#   cli0 ------------------ r-cli            r-a ------------ a0
#   10.77.1.2/24            10.77.1.1        10.77.2.1        10.77.2.2/24
#   fd77:1::2/64            fd77:1::1        fd77:2::1        fd77:2::2/64
#                           (ip_forward,     r-b ------------ b0      ${P}-b
#                            iptables         10.77.3.1        10.77.3.2/24
#                            FORWARD)         fd77:3::1        fd77:3::2/64
#                                             r-px ----------- px0     ${P}-px
#                                             10.77.4.1        10.77.4.2/24
#                                             fd77:4::1        fd77:4::2/64
#
# P is $LAB_PREFIX (default tlsm).  The client's interface is always `cli0`
# (tests attach tlsmon there: ip netns exec tlsm-cli tlsmon -i cli0).  MAC
# addresses are fixed: 02:77:<link>:00:00:<host>, e.g. cli0 = 02:77:01:00:00:02.
#
# Servers (started by `up`; PIDs in $LAB_DIR/pids, killed by `down`):
#   A  10.77.2.2 / fd77:2::2 (${P}-a), cert CN a.lab.test, SAN a.lab.test,
#      api.lab.test, blocked.lab.test:
#     443  nginx, TLS 1.2 + 1.3 ("backend A"); TLS 1.2 suites in server
#          order ECDHE-RSA-AES256-SHA384 (0xc028), ECDHE-RSA-AES256-GCM-SHA384,
#          ECDHE-RSA-AES128-GCM-SHA256, AES256-SHA, AES128-SHA; answers
#          "backend A <protocol> <cipher> sni=<name>"
#    8443  plain-text HTTP (nginx, no TLS) on a "TLS" port
#   the others are `openssl s_server -www` (one connection at a time: a
#   client that stalls mid-handshake holds the port until it closes):
#    4410  TLS 1.2+ only (SSL 3.0, TLS 1.0, TLS 1.1 disabled): version mismatch
#    4412  TLS 1.2 only: success, resumption by session ID and by ticket
#    4413  TLS 1.3 only: success, resumption by PSK (tickets)
#    4414  TLS 1.3 only, group P-384 only: HelloRetryRequest for clients
#          whose first key share is X25519 (every client here)
#    4415  SNI must be a.lab.test: other names get a fatal unrecognized_name
#          (112) alert; no SNI is accepted
#    4420  mutual TLS, TLS 1.2 only: -Verify 1 -verify_return_error
#    4421  mutual TLS, TLS 1.3 only: -Verify 1 -verify_return_error
#    4430  expired certificate (a.lab.test, 2020-01-01 .. 2021-01-01)
#    4431  certificate for the wrong name (only wrong.lab.test)
#    4432  certificate signed by an unknown CA (rogue CA, a.lab.test)
#   B  10.77.3.2 / fd77:3::2 (${P}-b), cert SAN b.lab.test, api.lab.test:
#     443  nginx, TLS 1.2 ONLY, AES256-SHA (0x0035) and AES128-SHA (0x002f)
#          only (RSA key exchange) ("backend B"); answers "backend B ..."
#   PX 10.77.4.2 / fd77:4::2 (${P}-px):
#     443  nginx stream + ssl_preread: SNI a.lab.test/api.lab.test -> A:443,
#          b.lab.test -> B:443; no SNI or any other name -> closed
#   4430-4432 accept TLS 1.2 and 1.3.  Every server listens on IPv4 and IPv6.
#
# The client namespace resolves the lab names through /etc/netns/${P}-cli/hosts
# (bind-mounted on /etc/hosts by `ip netns exec`): a.lab.test and
# blocked.lab.test -> A, b.lab.test -> B, api.lab.test -> A and B (round
# robin done by the client helper), proxy.lab.test -> PX.
#
# Environment:
#   LAB_PREFIX      namespace prefix (default tlsm)
#   LAB_DIR         certificates, logs, pids, captures (default /tmp/tlsmon-lab)
#   LAB_MTU         MTU of the client-router link (default 1500).  Below 1280
#                   the kernel turns IPv6 off on that link: IPv4 only then.
#   LAB_NO_SERVERS  1: links, addresses and certificates only, no servers
#   LAB_OFFLOAD     1: keep the veth offloads (TSO/GSO/GRO).  By default they
#                   are turned off on every lab interface so that packets at
#                   cli0 are MTU-sized segments, as on a real wire.
set -uo pipefail

P=${LAB_PREFIX:-tlsm}
LAB_DIR=${LAB_DIR:-/tmp/tlsmon-lab}
LAB_MTU=${LAB_MTU:-1500}
NS_CLI=$P-cli NS_RTR=$P-rtr NS_A=$P-a NS_B=$P-b NS_PX=$P-px
ALL_NS=("$NS_CLI" "$NS_RTR" "$NS_A" "$NS_B" "$NS_PX")
MARK=.tlsmon-lab
NETNS_ETC=/etc/netns/$NS_CLI
RULE_TAG="tlsmon-lab block-sni"

log() { echo "lab: $*" >&2; }
die() {
	log "$*"
	exit 1
}

# Addresses, for tests: `lab.sh addr a4` prints 10.77.2.2, and so on.
declare -A ADDR=(
	[cli4]=10.77.1.2 [cli6]=fd77:1::2 [rtr_cli4]=10.77.1.1 [rtr_cli6]=fd77:1::1
	[rtr_a4]=10.77.2.1 [rtr_a6]=fd77:2::1 [a4]=10.77.2.2 [a6]=fd77:2::2
	[rtr_b4]=10.77.3.1 [rtr_b6]=fd77:3::1 [b4]=10.77.3.2 [b6]=fd77:3::2
	[rtr_px4]=10.77.4.1 [rtr_px6]=fd77:4::1 [px4]=10.77.4.2 [px6]=fd77:4::2
)

ns_name() {
	case $1 in
	cli | rtr | a | b | px) echo "$P-$1" ;;
	*) echo "$1" ;;
	esac
}

nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# ---------------------------------------------------------------- links

# link NS1 IF1 NS2 IF2 N: veth pair for lab link N (10.77.N.0/24, fd77:N::/64);
# NS1 side is .1/::1, NS2 side .2/::2.
link() {
	local ns1=$1 if1=$2 ns2=$3 if2=$4 n=$5
	ip link add name "$if1" netns "$ns1" address "02:77:0$n:00:00:01" type veth \
		peer name "$if2" netns "$ns2" address "02:77:0$n:00:00:02" || return 1
	ip -n "$ns1" addr add "10.77.$n.1/24" dev "$if1" || return 1
	ip -n "$ns2" addr add "10.77.$n.2/24" dev "$if2" || return 1
	ip -n "$ns1" -6 addr add "fd77:$n::1/64" dev "$if1" nodad 2>/dev/null
	ip -n "$ns2" -6 addr add "fd77:$n::2/64" dev "$if2" nodad 2>/dev/null
	if [ "${LAB_OFFLOAD:-0}" != 1 ]; then
		local ns ifn
		for ns in "$ns1:$if1" "$ns2:$if2"; do
			ifn=${ns#*:}
			ns=${ns%%:*}
			nsx "$ns" ethtool -K "$ifn" tso off gso off gro off \
				tx-checksumming off >/dev/null 2>&1 || true
		done
	fi
	ip -n "$ns1" link set "$if1" up || return 1
	ip -n "$ns2" link set "$if2" up || return 1
}

links_up() {
	local ns
	for ns in "${ALL_NS[@]}"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up || return 1
		# new namespaces do not inherit the root's sysctls, set what we rely on
		nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
			net.ipv6.conf.default.disable_ipv6=0 \
			net.ipv6.conf.default.accept_dad=0 >/dev/null 2>&1
	done
	link "$NS_RTR" r-cli "$NS_CLI" cli0 1 || return 1
	link "$NS_RTR" r-a "$NS_A" a0 2 || return 1
	link "$NS_RTR" r-b "$NS_B" b0 3 || return 1
	link "$NS_RTR" r-px "$NS_PX" px0 4 || return 1
	if [ "$LAB_MTU" != 1500 ]; then
		ip -n "$NS_CLI" link set cli0 mtu "$LAB_MTU" || return 1
		ip -n "$NS_RTR" link set r-cli mtu "$LAB_MTU" || return 1
	fi
	nsx "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	local pair n
	for pair in "$NS_CLI:1" "$NS_A:2" "$NS_B:3" "$NS_PX:4"; do
		ns=${pair%%:*} n=${pair#*:}
		ip -n "$ns" route add default via "10.77.$n.1" || return 1
		if [ "$LAB_MTU" -ge 1280 ] || [ "$n" != 1 ]; then
			ip -n "$ns" -6 route add default via "fd77:$n::1" || return 1
		fi
	done
	# name resolution for the client namespace (ip netns exec bind-mounts it)
	[ -d /etc/netns ] || touch "$LAB_DIR/.created-etc-netns"
	mkdir -p "$NETNS_ETC" || return 1
	cat >"$NETNS_ETC/hosts" <<EOF
# tlsmon lab ($P), written by scripts/lab.sh, removed by lab.sh down
127.0.0.1 localhost
::1 localhost
10.77.2.2 a.lab.test blocked.lab.test wrong.lab.test
fd77:2::2 a.lab.test blocked.lab.test wrong.lab.test
10.77.3.2 b.lab.test
fd77:3::2 b.lab.test
10.77.2.2 api.lab.test
10.77.3.2 api.lab.test
10.77.4.2 proxy.lab.test
fd77:4::2 proxy.lab.test
EOF
}

# ---------------------------------------------------------------- certificates

# leaf NAME CA SUBJ_CN SAN EKU [extra openssl x509 args...]
leaf() {
	local name=$1 ca=$2 cn=$3 san=$4 eku=$5 bits=2048 md=sha256
	shift 5
	[ "${LEAF_BITS:-}" ] && bits=$LEAF_BITS
	[ "${LEAF_MD:-}" ] && md=$LEAF_MD
	local ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=$eku
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid"
	[ -n "$san" ] && ext+=$'\n'"subjectAltName=$san"
	printf '%s\n' "$ext" >"$name.ext"
	openssl req -new -newkey "rsa:$bits" -nodes -keyout "$name.key" \
		-subj "/O=tlsmon lab/CN=$cn" -out "$name.csr" 2>/dev/null || return 1
	openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" \
		-CAcreateserial -days 3650 "-$md" -extfile "$name.ext" \
		-out "$name.crt" "$@" 2>/dev/null || return 1
	rm -f "$name.csr" "$name.ext"
}

mkca() {
	local name=$1 cn=$2
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.crt" \
		-days 3650 -sha256 -subj "/O=tlsmon lab/CN=$cn" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-addext "subjectKeyIdentifier=hash" 2>/dev/null
}

# dated_leaf OUT START END SAN: a server leaf for a.lab.test (OUT.key, OUT.crt)
# signed by the lab CA and valid from START to END (YYYYMMDDHHMMSSZ): `openssl
# x509 -req` cannot set a start date, `openssl ca` can.
dated_leaf() (
	out=$1 start=$2 end=$3 san=$4 d=$LAB_DIR/certs
	t=$(mktemp -d "${out%/*}/.ca.XXXXXX") || exit 1
	trap 'rm -rf "$t"' EXIT
	mkdir -p "$t/new" && : >"$t/index.txt" && echo 1000 >"$t/serial" || exit 1
	cat >"$t/ca.cnf" <<EOF
[ca]
default_ca = dated
[dated]
dir = $t
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
certificate = $d/ca.crt
private_key = $d/ca.key
default_md = sha256
policy = any
copy_extensions = none
x509_extensions = ext
unique_subject = no
[any]
commonName = supplied
organizationName = optional
[ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $san
EOF
	openssl req -new -newkey rsa:2048 -nodes -keyout "$out.key" \
		-subj "/O=tlsmon lab/CN=a.lab.test" -out "$t/req.csr" 2>/dev/null || exit 1
	openssl ca -batch -config "$t/ca.cnf" -notext -startdate "$start" \
		-enddate "$end" -in "$t/req.csr" -out "$out.crt" 2>/dev/null
)

certs_gen() (
	d=$LAB_DIR/certs
	mkdir -p "$d" && cd "$d" || return 1
	mkca ca "tlsmon lab CA" || return 1
	mkca rogue-ca "tlsmon rogue CA (not trusted)" || return 1
	local SA="DNS:a.lab.test,DNS:api.lab.test,DNS:blocked.lab.test"
	leaf a ca a.lab.test "$SA" serverAuth || return 1
	leaf b ca b.lab.test "DNS:b.lab.test,DNS:api.lab.test" serverAuth || return 1
	leaf wrongname ca wrong.lab.test "DNS:wrong.lab.test" serverAuth || return 1
	leaf unknownca rogue-ca a.lab.test "$SA" serverAuth || return 1
	leaf client ca client.lab.test "" clientAuth || return 1
	leaf client-untrusted rogue-ca client.lab.test "" clientAuth || return 1
	# weak client certificates, signed by the trusted lab CA: client-weak is
	# RSA-2048 signed with SHA-1, client-rsa1024 an RSA-1024 key signed with
	# SHA-256.  Debian's OpenSSL 3.0 runs at security level 2 by default, so
	# the mutual-TLS servers reject both with alert 42 (bad_certificate); the
	# client must itself drop to @SECLEVEL=0 to load either of them
	# (otherwise "ca md too weak" / "ee key too small" before connecting).
	LEAF_MD=sha1 leaf client-weak ca client.lab.test "" clientAuth || return 1
	LEAF_BITS=1024 leaf client-rsa1024 ca client.lab.test "" clientAuth || return 1
	# expired server certificate
	dated_leaf "$d/expired" 20200101000000Z 20210101000000Z "$SA" || return 1
	rm -f ./*.srl
)

# ---------------------------------------------------------------- processes

# start NAME NS PORT CMD...: start a server in NS, record its PID and start
# time, wait (bounded) until PORT listens (PORT 0: do not wait).
start() {
	local name=$1 ns=$2 port=$3 pid st
	shift 3
	ip netns exec "$ns" setsid "$@" </dev/null >"$LAB_DIR/log/$name.log" 2>&1 &
	pid=$!
	st=$(proc_start "$pid")
	echo "$pid ${st:-0} $ns $name" >"$LAB_DIR/pids/$name.pid"
	[ "$port" = 0 ] && return 0
	local i
	for ((i = 0; i < 50; i++)); do
		nsx "$ns" ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0
		[ -n "$(proc_start "$pid")" ] || break
		sleep 0.1
	done
	log "server $name did not come up on port $port; its log:"
	sed 's/^/  /' "$LAB_DIR/log/$name.log" >&2
	return 1
}

# proc_start PID: the process's start time (clock ticks since boot), empty
# when it is gone or a zombie (PID 1 of this VM reaps orphans slowly).
proc_start() {
	local st f
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 0
	read -r -a f <<<"$st"
	[ "${f[0]:-Z}" = Z ] || echo "${f[19]}"
}

# kill_pidfiles FILE...: end the processes recorded in the files, when they
# are still the ones we started (same PID and start time): TERM, then KILL
# after 3 s.
kill_pidfiles() {
	local f pid st ns name pids=() i p left
	for f in "$@"; do
		[ -e "$f" ] || continue
		read -r pid st ns name <"$f" || true
		if [ -n "$pid" ] && [ "$(proc_start "$pid")" = "$st" ]; then
			kill -TERM "$pid" 2>/dev/null && pids+=("$pid:$st")
		fi
		rm -f "$f"
	done
	for ((i = 0; i < 30; i++)); do
		left=0
		for p in "${pids[@]}"; do
			[ "$(proc_start "${p%:*}")" = "${p#*:}" ] && left=1
		done
		[ $left = 0 ] && return 0
		sleep 0.1
	done
	for p in "${pids[@]}"; do
		[ "$(proc_start "${p%:*}")" = "${p#*:}" ] && kill -KILL "${p%:*}" 2>/dev/null
	done
	return 0
}

servers_up() {
	local c=$LAB_DIR/certs o=(-quiet -www)
	local a=(-cert "$c/a.crt" -key "$c/a.key")
	# backends A and B on port 443 are nginx (see nginx_backends_up)
	start a-4410 "$NS_A" 4410 openssl s_server "${o[@]}" -accept 4410 "${a[@]}" \
		-no_ssl3 -no_tls1 -no_tls1_1 || return 1
	start a-4412 "$NS_A" 4412 openssl s_server "${o[@]}" -accept 4412 "${a[@]}" -tls1_2 || return 1
	start a-4413 "$NS_A" 4413 openssl s_server "${o[@]}" -accept 4413 "${a[@]}" -tls1_3 || return 1
	# TLS 1.3 with P-384 only: a client's X25519 key share gets a HelloRetryRequest
	start a-4414 "$NS_A" 4414 openssl s_server "${o[@]}" -accept 4414 "${a[@]}" -tls1_3 \
		-groups P-384 || return 1
	# SNI must be a.lab.test, anything else: fatal unrecognized_name (112)
	start a-4415 "$NS_A" 4415 openssl s_server "${o[@]}" -accept 4415 "${a[@]}" \
		-servername a.lab.test -cert2 "$c/a.crt" -key2 "$c/a.key" -servername_fatal || return 1
	start a-4420 "$NS_A" 4420 openssl s_server "${o[@]}" -accept 4420 "${a[@]}" -tls1_2 \
		-Verify 1 -verify_return_error -CAfile "$c/ca.crt" || return 1
	start a-4421 "$NS_A" 4421 openssl s_server "${o[@]}" -accept 4421 "${a[@]}" -tls1_3 \
		-Verify 1 -verify_return_error -CAfile "$c/ca.crt" || return 1
	start a-4430 "$NS_A" 4430 openssl s_server "${o[@]}" -accept 4430 \
		-cert "$c/expired.crt" -key "$c/expired.key" || return 1
	start a-4431 "$NS_A" 4431 openssl s_server "${o[@]}" -accept 4431 \
		-cert "$c/wrongname.crt" -key "$c/wrongname.key" || return 1
	start a-4432 "$NS_A" 4432 openssl s_server "${o[@]}" -accept 4432 \
		-cert "$c/unknownca.crt" -key "$c/unknownca.key" || return 1
	nginx_backends_up || return 1
	nginx_proxy_up || return 1
}

nginx_common() {
	local d=$1
	cat <<EOF
daemon off;
master_process on;
worker_processes 1;
user root;
pid $d/nginx.pid;
error_log $d/logs/error.log info;
events { worker_connections 64; }
EOF
}

# nginx_http NAME NS PORT: nginx with an http block; server blocks on stdin
nginx_http() {
	local name=$1 ns=$2 port=$3 d=$LAB_DIR/nginx-$1 servers
	servers=$(cat)
	mkdir -p "$d/tmp" "$d/logs" || return 1
	{
		nginx_common "$d"
		cat <<EOF
http {
    access_log $d/logs/access.log;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    # also bounds the TLS handshake: a connection whose ClientHello never
    # arrives (dropped by the middlebox) is closed after 10 s
    client_header_timeout 10s;
    default_type text/plain;
$servers
}
EOF
	} >"$d/nginx.conf"
	start "nginx-$name" "$ns" "$port" nginx -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log"
}

# The two backends of field report 004 are nginx rather than s_server: s_server
# serves one connection at a time, and the SNI-blocking middlebox leaves the
# server side of every blocked connection open (REJECT resets the client
# only), which would wedge it.
nginx_backends_up() {
	local c=$LAB_DIR/certs
	# backend A: TLS 1.2 + 1.3; TLS 1.2 suites in server order, c028 first
	nginx_http a "$NS_A" 443 <<EOF || return 1
    server {
        listen 443 ssl;
        listen [::]:443 ssl;
        ssl_certificate $c/a.crt;
        ssl_certificate_key $c/a.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA:AES128-SHA;
        ssl_prefer_server_ciphers on;
        location / { return 200 "backend A \$ssl_protocol \$ssl_cipher sni=\$ssl_server_name\n"; }
    }
    # plain-text HTTP on a "TLS" port
    server {
        listen 8443;
        listen [::]:8443;
        location / { return 200 "plain http on a tls port\n"; }
    }
EOF
	# backend B: TLS 1.2 only, RSA key exchange only
	nginx_http b "$NS_B" 443 <<EOF
    server {
        listen 443 ssl;
        listen [::]:443 ssl;
        ssl_certificate $c/b.crt;
        ssl_certificate_key $c/b.key;
        ssl_protocols TLSv1.2;
        ssl_ciphers AES256-SHA:AES128-SHA;
        location / { return 200 "backend B \$ssl_protocol \$ssl_cipher sni=\$ssl_server_name\n"; }
    }
EOF
}

nginx_proxy_up() {
	local d=$LAB_DIR/nginx-px
	mkdir -p "$d/tmp" "$d/logs" || return 1
	{
		echo "load_module /usr/lib/nginx/modules/ngx_stream_module.so;"
		nginx_common "$d"
		cat <<EOF
stream {
    log_format sni '\$remote_addr sni="\$ssl_preread_server_name" up="\$upstream_addr" '
                   'status=\$status in=\$bytes_received out=\$bytes_sent';
    access_log $d/logs/access.log sni;
    map \$ssl_preread_server_name \$backend {
        a.lab.test    10.77.2.2:443;
        api.lab.test  10.77.2.2:443;
        b.lab.test    10.77.3.2:443;
        default       "";
    }
    server {
        listen 443;
        listen [::]:443;
        ssl_preread on;
        preread_timeout 5s;
        proxy_connect_timeout 3s;
        proxy_pass \$backend;
    }
}
EOF
	} >"$d/nginx.conf"
	start nginx-px "$NS_PX" 443 nginx -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log"
}

# ---------------------------------------------------------------- commands

lab_down() {
	local ns pid
	[ -d "$LAB_DIR/pids" ] && kill_pidfiles "$LAB_DIR"/pids/*.pid
	# anything still running inside our own namespaces (a test's client,
	# tcpdump, tlsmon): TERM, 2 s, KILL, each by PID
	local left=() i
	for ns in "${ALL_NS[@]}"; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			[ "$pid" = $$ ] && continue
			kill -TERM "$pid" 2>/dev/null && left+=("$pid")
		done
	done
	for ((i = 0; i < 20 && ${#left[@]}; i++)); do
		local still=()
		for pid in "${left[@]}"; do
			[ -n "$(proc_start "$pid")" ] && still+=("$pid")
		done
		left=("${still[@]}")
		[ ${#left[@]} -eq 0 ] || sleep 0.1
	done
	for pid in "${left[@]}"; do kill -KILL "$pid" 2>/dev/null; done
	for ns in "${ALL_NS[@]}"; do
		[ -e "/run/netns/$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	rm -f "$NETNS_ETC/hosts"
	rmdir "$NETNS_ETC" 2>/dev/null
	[ -e "$LAB_DIR/.created-etc-netns" ] && rmdir /etc/netns 2>/dev/null
	# only remove a directory we created (it carries our marker)
	if [ -e "$LAB_DIR/$MARK" ]; then
		rm -rf "$LAB_DIR"
	fi
	return 0
}

lab_up() {
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	case $LAB_MTU in '' | *[!0-9]*) die "LAB_MTU must be a number" ;; esac
	lab_down
	# whatever happens from here (failure, signal), leave nothing half-built
	UP_OK=0
	trap '[ "$UP_OK" = 1 ] || lab_down' EXIT
	trap 'exit 130' INT TERM HUP
	if [ -e "$LAB_DIR" ] && [ -n "$(ls -A "$LAB_DIR" 2>/dev/null)" ]; then
		die "$LAB_DIR exists and is not a lab directory; set LAB_DIR"
	fi
	mkdir -p "$LAB_DIR"/{pids,log,pcap} && touch "$LAB_DIR/$MARK" || die "cannot create $LAB_DIR"
	cat >"$LAB_DIR/env" <<EOF
LAB_PREFIX=$P
LAB_DIR=$LAB_DIR
LAB_MTU=$LAB_MTU
LAB_NO_SERVERS=${LAB_NO_SERVERS:-0}
LAB_OFFLOAD=${LAB_OFFLOAD:-0}
EOF
	links_up || die "could not build the namespaces and links"
	certs_gen || die "could not generate certificates"
	if [ "${LAB_NO_SERVERS:-0}" != 1 ]; then
		servers_up || die "could not start the servers"
	fi
	UP_OK=1
	log "up: $P-{cli,rtr,a,b,px}, client interface cli0, dir $LAB_DIR"
}

lab_status() {
	local ns f pid st n name cur
	for ns in "${ALL_NS[@]}"; do
		if [ ! -e "/run/netns/$ns" ]; then
			echo "$ns: absent"
			continue
		fi
		echo "== $ns"
		ip -n "$ns" -br addr | sed 's/^/  /'
		nsx "$ns" ss -Hltn 2>/dev/null | awk '{print "  listen " $4}'
	done
	if [ -e "/run/netns/$NS_RTR" ]; then
		echo "== $NS_RTR FORWARD rules"
		nsx "$NS_RTR" iptables -S FORWARD 2>/dev/null | sed 's/^/  /'
		nsx "$NS_RTR" ip6tables -S FORWARD 2>/dev/null | sed 's/^/  /'
	fi
	echo "== processes"
	for f in "$LAB_DIR"/pids/*.pid; do
		[ -e "$f" ] || continue
		read -r pid st n name <"$f"
		cur=$(proc_start "$pid")
		if [ "$cur" = "$st" ]; then echo "  $name pid $pid running"; else echo "  $name pid $pid DEAD"; fi
	done
	[ -e "/run/netns/$NS_CLI" ]
}

sni_rule() {
	local op=$1 name=$2 t
	for t in iptables ip6tables; do
		local r=(FORWARD -p tcp --dport 443 -m string --string "$name" --algo bm
			-m comment --comment "$RULE_TAG $name" -j REJECT --reject-with tcp-reset)
		case $op in
		add)
			nsx "$NS_RTR" "$t" -C "${r[@]}" 2>/dev/null ||
				nsx "$NS_RTR" "$t" -A "${r[@]}" || return 1 ;;
		del)
			while nsx "$NS_RTR" "$t" -C "${r[@]}" 2>/dev/null; do
				nsx "$NS_RTR" "$t" -D "${r[@]}" || break
			done ;;
		esac
	done
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
up) lab_up ;;
down) lab_down ;;
status) lab_status ;;
exec)
	[ $# -ge 2 ] || die "usage: lab.sh exec NS CMD..."
	ns=$(ns_name "$1")
	shift
	exec ip netns exec "$ns" "$@" ;;
block-sni)
	[ $# -eq 1 ] && [ -n "$1" ] || die "usage: lab.sh block-sni NAME"
	[ -e "/run/netns/$NS_RTR" ] || die "lab is not up"
	sni_rule add "$1" ;;
unblock-sni)
	[ $# -eq 1 ] && [ -n "$1" ] || die "usage: lab.sh unblock-sni NAME"
	[ -e "/run/netns/$NS_RTR" ] || exit 0
	sni_rule del "$1" ;;
dated-cert)
	[ $# -eq 4 ] || die "usage: lab.sh dated-cert OUT START END SAN"
	[ -e "$LAB_DIR/certs/ca.key" ] || die "no lab CA in $LAB_DIR/certs (lab.sh up first)"
	dated_leaf "$@" ;;
addr)
	[ $# -eq 1 ] && [ -n "${ADDR[$1]:-}" ] || die "usage: lab.sh addr {${!ADDR[*]}}"
	echo "${ADDR[$1]}" ;;
*)
	sed -n '3,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	[ -z "$cmd" ] || [ "$cmd" = help ] || [ "$cmd" = -h ] || exit 2 ;;
esac
