#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# QUIC inside what the TCP path reads, offline: Suricata's ja4-tls-quic
# capture (a TCP and a QUIC handshake to one server) with every frame
# wrapped in an 802.1Q tag, in QinQ (802.1ad then 802.1Q), and in VXLAN,
# through tlsmon --read.  Each gives the QUIC record and the TCP one, with
# the JA4s Suricata's test expects (its test.yaml), and the same records as
# the capture unwrapped; with --no-decap the VXLAN one gives none.
. "$(dirname "$0")/../lib/e2e.sh"
SRC=$CORPUS/suricata/ja4-tls-quic/input.pcap
YAML=$CORPUS/suricata/ja4-tls-quic/test.yaml
E2E_NEEDS="tlsmon"
E2E_TOOLS="python3"
E2E_FILES="$SRC $YAML"

setup() {
	python3 - "$SRC" "$DIR" <<'EOF'
import struct, sys
src, d = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
assert struct.unpack_from("<I", data, 0)[0] == 0xa1b2c3d4 and struct.unpack_from("<I", data, 20)[0] == 1
frames, off = [], 24
while off + 16 <= len(data):
    sec, usec, cap, orig = struct.unpack_from("<IIII", data, off)
    frames.append((sec, usec, data[off + 16:off + 16 + cap], orig))
    off += 16 + cap

def tags(f, *t):
    return f[:12] + b"".join(struct.pack(">HH", tpid, vid) for tpid, vid in t) + f[12:]

def vxlan(f):
    inner = struct.pack(">B3xI", 0x08, 42 << 8) + f
    udp = struct.pack(">HHHH", 33000, 4789, 8 + len(inner), 0) + inner
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])) + udp
    return bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x00" + ip

for name, wrap in (("vlan", lambda f: tags(f, (0x8100, 100))),
                   ("qinq", lambda f: tags(f, (0x88a8, 200), (0x8100, 100))),
                   ("vxlan", vxlan)):
    out = bytearray(data[:24])
    for sec, usec, f, orig in frames:
        w = wrap(f)
        out += struct.pack("<IIII", sec, usec, len(w), orig + len(w) - len(f)) + w
    open(f"{d}/{name}.pcap", "wb").write(out)
EOF
	timeout 60 "$BIN" --read "$SRC" --json >"$DIR/plain.out" 2>"$DIR/plain.err"
}

# the records' lasting facts, one line each, sorted
facts() {
	python3 - "$1" <<'EOF'
import json, sys
keys = ("transport", "client", "client_port", "server", "server_port", "sni", "ja4",
        "outcome", "reason", "version", "cipher", "quic")
for r in sorted((json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")),
                key=lambda r: (r["transport"], r["client_port"])):
    print(json.dumps({k: r.get(k) for k in keys}, sort_keys=True))
EOF
}

# JA4 of a transport in the records, one per line
ja4s() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["transport"] == sys.argv[2]: print(r["ja4"])' "$1" "$2"; }

# Suricata's expected JA4: the tls or quic check of test.yaml
expected() { grep -o "$1.ja4: [a-z0-9_]*" "$YAML" | awk '{print $2}'; }

check() {
	local name=$1 rc
	timeout 60 "$BIN" --read "$DIR/$name.pcap" --json >"$DIR/$name.out" 2>"$DIR/$name.err"
	rc=$?
	ok $((rc != 0)) "$name: tlsmon --read exits 0" "rc=$rc $(cat "$DIR/$name.err")"
	[ "$(ja4s "$DIR/$name.out" quic)" = "$(expected quic)" ]
	ok $? "$name: the QUIC handshake, with Suricata's JA4" "got '$(ja4s "$DIR/$name.out" quic)'"
	[ "$(ja4s "$DIR/$name.out" tcp)" = "$(expected tls)" ]
	ok $? "$name: the TCP handshake, with Suricata's JA4" "got '$(ja4s "$DIR/$name.out" tcp)'"
	[ "$(facts "$DIR/$name.out")" = "$(facts "$DIR/plain.out")" ]
	ok $? "$name: the records of the capture unwrapped" "$(diff <(facts "$DIR/plain.out") \
		<(facts "$DIR/$name.out") | head -5)"
}

test_plain() {
	[ -n "$(expected quic)" ] && [ "$(ja4s "$DIR/plain.out" quic)" = "$(expected quic)" ]
	ok $? "unwrapped: the QUIC handshake, with Suricata's JA4" "$(cat "$DIR/plain.err")"
}
test_vlan() { check vlan; }
test_qinq() { check qinq; }
test_vxlan() {
	check vxlan
	timeout 60 "$BIN" --read "$DIR/vxlan.pcap" --json --no-decap >"$DIR/nodecap.out" \
		2>"$DIR/nodecap.err"
	[ $? -eq 0 ] && ! grep -q '^{' "$DIR/nodecap.out"
	ok $? "vxlan, --no-decap: no record" "$(head -c 300 "$DIR/nodecap.out")"
}

ALL_TESTS="test_plain test_vlan test_qinq test_vxlan"
e2e_run
