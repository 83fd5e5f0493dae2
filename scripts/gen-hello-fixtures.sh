#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Regenerate tests/lib/hello_fixtures.h: real ClientHellos and ServerHellos as
# byte arrays, each with tshark's dissection of those very bytes as the
# expected parse.
#
# Sources:
#  - hellos cut from corpus captures ($TLSMON_CORPUS, default ../shared/corpus);
#  - ClientHellos of the installed clients (openssl s_client, curl, gnutls-cli,
#    python3 ssl), recorded on loopback by a listener that keeps the first
#    record and hangs up;
#  - ServerHellos of openssl s_server answering the recorded ClientHellos.
#
# A hello is cut to its record header and the one handshake message; where the
# record held more messages its length field is rewritten to fit the hello.
# All fixtures go into one pcap (one TCP stream each) that tshark dissects;
# the pdml tree is read per extension, so a list that shares a field name
# with another extension (signature algorithms in delegated_credentials) is
# taken from the extension the parser reads.
#
# The raw fixtures are also written to tests/fuzz/corpus/parser/ as fuzz seeds.
#
# usage: scripts/gen-hello-fixtures.sh    (needs tshark, openssl, curl,
#        gnutls-cli, python3; writes tests/lib/hello_fixtures.h)
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${TLSMON_CORPUS:-../shared/corpus}
OUT=tests/lib/hello_fixtures.h
SEEDS=tests/fuzz/corpus/parser

for t in tshark openssl curl gnutls-cli python3; do
	command -v "$t" >/dev/null || { echo "$0: $t not found: run scripts/deps.sh" >&2; exit 1; }
done

tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

list=$tmp/list	# name <TAB> source <TAB> hex payload

# ---- hellos from the corpus: name capture frame ----
corpus_hellos=(
	"firefox-ch ja4/tls12.pcap 1"
	"chrome-grease-ch ja4/tls-sni.pcapng 4"
	"chrome-nonascii-alpn-ch ja4/tls-non-ascii-alpn.pcapng 1"
	"chrome-kyber-ch zeek/chrome-1250-tls-x25519-kyber.pcap 4"
	"chrome-ech-ch zeek/tls13-ech.pcap 7"
	"hrr-first-ch zeek/hrr.pcap 4"
	"hrr-second-ch zeek/hrr.pcap 8"
	"tls11-ch zeek/tls1_1.pcap 4"
	"tls12-ch zeek/tls1.2.pcap 4"
	"tls10-ch zeek/ssl.v3.pcap 27"
	"psk-ch zeek/tls13_psk_succesfull.pcap 4"
	"draft19-early-data-ch zeek/tls-13draft19-early-data.pcap 25"
	"draft16-chrome-ch zeek/tls13draft16-chrome55.0.2879.0-canary.pcap 4"
	"draft23-chrome-ch zeek/tls13draft23-chrome67.0.3368.0-canary.pcap 5"
	"wolfssl-ch zeek/tls13_wolfssl.pcap 4"
	"chrome-npn-ch zeek/tls-conn-with-extensions.pcap 4"
	"lots-of-ciphers-ch ndpi/ja3_lots_of_cipher_suites.pcap 4"
	"hrr-sh zeek/hrr.pcap 6"
	"tls12-sh zeek/tls1.2.pcap 5"
	"tls11-sh zeek/tls1_1.pcap 6"
	"tls10-sh zeek/ssl.v3.pcap 6"
	"wolfssl-sh zeek/tls13_wolfssl.pcap 6"
	"ech-sh zeek/tls13-ech.pcap 9"
	"psk-sh zeek/tls13_psk_succesfull.pcap 6"
	"npn-sh zeek/tls-conn-with-extensions.pcap 6"
	"kyber-sh zeek/chrome-1250-tls-x25519-kyber.pcap 6"
	"draft23-sh zeek/tls13draft23-chrome67.0.3368.0-canary.pcap 8"
	"sslv2-ch zeek/ssl-v2.pcap 4"
	"sslv2-compat-ch zeek/ssl.v3.pcap 4"
)
for e in "${corpus_hellos[@]}"; do
	read -r name cap frame <<<"$e"
	hex=$(tshark -n -r "$CORPUS/$cap" -Y "frame.number==$frame" -T fields -e tcp.payload 2>/dev/null | tr -d ':\n')
	[ -n "$hex" ] || { echo "$0: no TCP payload in $cap frame $frame" >&2; exit 1; }
	printf '%s\t%s\t%s\n' "$name" "corpus $cap frame $frame" "$hex" >>"$list"
done

# ---- live hellos on loopback ----
# listen PORT FILE [HEXFILE]: accept one connection, optionally send HEXFILE's
# bytes, keep the first complete record received, hang up.
listen() {
	python3 - "$@" <<'EOF'
import socket, sys
port, out = int(sys.argv[1]), sys.argv[2]
send = bytes.fromhex(open(sys.argv[3]).read().strip()) if len(sys.argv) > 3 else None
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(1)
s.settimeout(20)
c, _ = s.accept()
c.settimeout(10)
buf = b""
def want(b):
    if len(b) >= 2 and b[0] & 0x80:		# SSLv2 record header
        return 2 + (((b[0] & 0x7f) << 8) | b[1])
    return 5 + ((b[3] << 8) | b[4]) if len(b) >= 5 else 5
while len(buf) < want(buf):
    d = c.recv(65536)
    if not d:
        break
    buf += d
open(out, "w").write(buf[:want(buf)].hex())
c.close()
EOF
}

# send_hello PORT HEXFILE OUT: connect, send a recorded ClientHello, keep the
# server's first record.
send_hello() {
	python3 - "$@" <<'EOF'
import socket, sys, time
port, hexfile, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
for i in range(100):
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        break
    except OSError:
        time.sleep(0.1)
c.sendall(bytes.fromhex(open(hexfile).read().strip()))
buf = b""
while len(buf) < 5 or len(buf) < 5 + ((buf[3] << 8) | buf[4]):
    d = c.recv(65536)
    if not d:
        break
    buf += d
open(out, "w").write(buf[:5 + ((buf[3] << 8) | buf[4])].hex())
c.close()
EOF
}

port=$((20000 + RANDOM % 20000))
capture_client() {	# name source command...
	local name=$1 src=$2
	shift 2
	port=$((port + 1))
	listen "$port" "$tmp/$name" &
	local lp=$!
	sleep 0.3
	timeout 10 "${@//PORT/$port}" </dev/null >/dev/null 2>&1 || true
	wait "$lp" || { echo "$0: no ClientHello from $name" >&2; exit 1; }
	printf '%s\t%s\t%s\n' "$name" "$src" "$(cat "$tmp/$name")" >>"$list"
}

ossl=$(openssl version | awk '{print $2}')
curlv=$(curl --version | awk 'NR==1{print $2}')
gnuv=$(gnutls-cli --version | awk 'NR==1{print $2}')
pyv=$(python3 -c 'import ssl,sys;print("%d.%d ssl (%s)" % (*sys.version_info[:2], ssl.OPENSSL_VERSION))')

capture_client openssl-ch "live openssl $ossl s_client" \
	openssl s_client -connect 127.0.0.1:PORT -servername openssl.fixture.test
capture_client openssl-tls12-ch "live openssl $ossl s_client -tls1_2" \
	openssl s_client -tls1_2 -connect 127.0.0.1:PORT -servername openssl12.fixture.test
capture_client curl-ch "live curl $curlv" \
	curl -sk --resolve curl.fixture.test:PORT:127.0.0.1 https://curl.fixture.test:PORT/
capture_client gnutls-ch "live gnutls-cli $gnuv" \
	gnutls-cli --insecure --port PORT --sni-hostname gnutls.fixture.test --alpn h2 --alpn http/1.1 127.0.0.1
capture_client python-ch "live python $pyv" \
	python3 -c 'import socket,ssl,sys
c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
c.set_alpn_protocols(["h2", "http/1.1"])
c.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="python.fixture.test")' PORT

# ---- ServerHellos of openssl s_server ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=fixture.test \
	-days 2 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
capture_server() {	# name source hello-fixture s_server-options...
	local name=$1 src=$2 hello=$3
	shift 3
	port=$((port + 1))
	openssl s_server -accept "$port" -cert "$tmp/cert.pem" -key "$tmp/key.pem" -naccept 1 \
		-quiet "$@" </dev/null >/dev/null 2>&1 &
	pids+=($!)
	send_hello "$port" "$tmp/$hello" "$tmp/$name"
	printf '%s\t%s\t%s\n' "$name" "$src" "$(cat "$tmp/$name")" >>"$list"
}
capture_server openssl-sh "live openssl $ossl s_server, answering openssl-ch" openssl-ch
capture_server openssl-tls12-alpn-sh "live openssl $ossl s_server -tls1_2 -alpn h2, answering curl-ch" \
	curl-ch -tls1_2 -alpn h2
capture_server openssl-hrr-sh "live openssl $ossl s_server -groups P-384, answering openssl-ch" \
	openssl-ch -groups P-384

# ---- cut, dissect with tshark, write the header and the seeds ----
python3 - "$list" "$tmp" "$OUT" "$SEEDS" "$(tshark --version 2>/dev/null | head -1)" <<'EOF'
import os, re, struct, subprocess, sys
import xml.etree.ElementTree as ET

listf, tmp, out, seeds, tsv = sys.argv[1:6]
fx = []
for line in open(listf):
    name, src, hx = line.rstrip("\n").split("\t")
    b = bytes.fromhex(hx)
    if b[0] & 0x80 and b[2] == 1:
        kind = "HF_SSLV2"
        cut = b[:2 + (((b[0] & 0x7f) << 8) | b[1])]
    else:
        while b[0] == 20:		# a compatibility ChangeCipherSpec first
            b = b[5 + int.from_bytes(b[3:5], "big"):]
            src += ", after a ChangeCipherSpec record"
        assert b[0] == 22 and b[5] in (1, 2), (name, b[:8].hex())
        kind = "HF_CH" if b[5] == 1 else "HF_SH"
        hs_len = int.from_bytes(b[6:9], "big")
        rec_len = int.from_bytes(b[3:5], "big")
        assert 4 + hs_len <= rec_len and 9 + hs_len <= len(b), name
        cut = b[:3] + struct.pack(">H", 4 + hs_len) + b[5:9 + hs_len]
        if rec_len != 4 + hs_len:
            src += ", record cut to the hello"
    fx.append({"name": name, "src": src, "kind": kind, "b": cut})

# One TCP segment per fixture, each on its own connection to or from port 443.
def csum(h):
    s = sum(struct.unpack("!%dH" % (len(h) // 2), h))
    s = (s & 0xffff) + (s >> 16)
    return ~((s & 0xffff) + (s >> 16)) & 0xffff

pcap = os.path.join(tmp, "fixtures.pcap")
with open(pcap, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, x in enumerate(fx):
        cport = 30000 + i
        sp, dp = (443, cport) if x["kind"] == "HF_SH" else (cport, 443)
        tcp = struct.pack("!HHIIBBHHH", sp, dp, 1000, 1, 5 << 4, 0x18, 65535, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(x["b"]), i, 0, 64, 6, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        pkt = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + tcp + x["b"]
        f.write(struct.pack("<IIII", i, 0, len(pkt), len(pkt)) + pkt)

pdml = subprocess.run(["tshark", "-n", "-r", pcap, "-d", "tcp.port==443,tls", "-T", "pdml"],
                      check=True, capture_output=True).stdout
packets = ET.fromstring(pdml).findall("packet")
assert len(packets) == len(fx)

def fields(node, name):
    return [e for e in node.iter("field") if e.get("name") == name]

def show(node, name):
    return ",".join(e.get("show") for e in fields(node, name))

for x, p in zip(fx, packets):
    tls = [q for q in p.findall("proto") if q.get("name") == "tls"]
    assert len(tls) == 1, x["name"]
    rec = fields(tls[0], "tls.record")
    assert len(rec) == 1, x["name"]
    rec = rec[0]
    e = x["exp"] = {}
    e["rec_version"] = show(rec, "tls.record.version")
    e["hs_version"] = show(rec, "tls.handshake.version")
    e["sid_len"] = show(rec, "tls.handshake.session_id_length")
    if x["kind"] == "HF_SSLV2":
        e["hs_len"] = show(rec, "tls.record.length")
        n = int(show(rec, "tls.handshake.cipher_spec_len"))
        e["n_ciphers"] = str(n // 3)
        e["ciphers"] = show(rec, "tls.handshake.cipherspec")
        continue
    hs = fields(rec, "tls.handshake")
    assert len(hs) == 1, x["name"]
    hs = hs[0]
    e["hs_len"] = show(hs, "tls.handshake.length")
    e["hrr"] = "1" if "Hello Retry Request" in hs.get("showname") else "0"
    if x["kind"] == "HF_CH":
        e["n_ciphers"] = str(int(show(hs, "tls.handshake.cipher_suites_length")) // 2)
        e["ciphers"] = show(hs, "tls.handshake.ciphersuite")
        e["n_comp"] = show(hs, "tls.handshake.comp_methods_length")
    else:
        e["cipher"] = show(hs, "tls.handshake.ciphersuite")
        e["comp"] = show(hs, "tls.handshake.comp_method")
    # extensions: the unnamed children of the handshake that carry a type
    types, per = [], {}
    for ext in hs.findall("field"):
        t = [c for c in ext.findall("field") if c.get("name") == "tls.handshake.extension.type"]
        if not t:
            continue
        t = int(t[0].get("show"))
        types.append(str(t))
        per.setdefault(t, ext)		# the parser reads the first of each type
    e["exts"] = ",".join(types)
    def ext_show(t, name):
        return show(per[t], name) if t in per else ""
    def ext_hex(t, name):
        return ",".join(f.get("value") for f in fields(per[t], name)) if t in per else ""
    e["versions"] = ext_show(43, "tls.handshake.extensions.supported_version")
    e["alpn"] = ext_hex(16, "tls.handshake.extensions_alpn_str")
    if x["kind"] == "HF_CH":
        e["sni"] = ext_hex(0, "tls.handshake.extensions_server_name")
        e["groups"] = ext_show(10, "tls.handshake.extensions_supported_group")
        ks = 51 if 51 in per else 40
        e["key_shares"] = ext_show(ks, "tls.handshake.extensions_key_share_group")
        e["sigalgs"] = ext_show(13, "tls.handshake.sig_hash_alg")
        e["ecpf"] = ext_show(11, "tls.handshake.extensions_ec_point_format")
    else:
        ks = 51 if 51 in per else 40
        e["key_shares"] = (ext_show(ks, "tls.handshake.extensions_key_share_group") or
                           ext_show(ks, "tls.handshake.extensions_key_share_selected_group"))

def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

L = []
L.append("/* SPDX-License-Identifier: BSD-3-Clause */")
L.append("/*")
L.append(" * Generated by scripts/gen-hello-fixtures.sh: do not edit, regenerate.")
L.append(" *")
L.append(" * Real hellos (record header + one handshake message) and, as the expected")
L.append(" * parse, tshark %s's dissection of the same bytes (pdml)." %
         re.search(r"\d+\.\d+\.\d+", tsv).group(0))
L.append(" * Values are as tshark shows them, lists joined by commas; sni and alpn are")
L.append(" * the raw bytes in hex (one entry per ALPN protocol).  \"\" is absent.")
L.append(" */")
L.append("#ifndef TLSMON_HELLO_FIXTURES_H")
L.append("#define TLSMON_HELLO_FIXTURES_H")
L.append("")
L.append("enum hf_kind { HF_CH = 1, HF_SH = 2, HF_SSLV2 = 3 };")
L.append("")
L.append("struct hello_fixture {")
L.append("\tconst char *name;")
L.append("\tconst char *source;")
L.append("\tint kind;\t\t\t/* enum hf_kind */")
L.append("\tconst unsigned char *b;")
L.append("\tunsigned int len;")
keys = ["rec_version", "hs_len", "hs_version", "sid_len", "n_ciphers", "ciphers", "n_comp",
        "cipher", "comp", "exts", "versions", "sni", "alpn", "groups", "key_shares", "sigalgs",
        "ecpf", "hrr"]
L.append("\tconst char *" + ", *".join(keys[:6]) + ",")
L.append("\t\t*" + ", *".join(keys[6:12]) + ",")
L.append("\t\t*" + ", *".join(keys[12:]) + ";")
L.append("};")
L.append("")
for i, x in enumerate(fx):
    L.append("/* %s: %s */" % (x["name"], x["src"]))
    L.append("static const unsigned char hf_%d[%d] = {" % (i, len(x["b"])))
    for o in range(0, len(x["b"]), 12):
        L.append("\t" + " ".join("0x%02x," % c for c in x["b"][o:o + 12]))
    L.append("};")
    L.append("")
L.append("static const struct hello_fixture hello_fixtures[] = {")
for i, x in enumerate(fx):
    L.append("\t{")
    L.append("\t\t.name = %s," % cstr(x["name"]))
    L.append("\t\t.source = %s," % cstr(x["src"]))
    L.append("\t\t.kind = %s," % x["kind"])
    L.append("\t\t.b = hf_%d," % i)
    L.append("\t\t.len = sizeof(hf_%d)," % i)
    for k in keys:
        if k in x["exp"]:
            L.append("\t\t.%s = %s," % (k, cstr(x["exp"][k])))
    L.append("\t},")
L.append("};")
L.append("")
L.append("#define N_HELLO_FIXTURES (sizeof(hello_fixtures) / sizeof(hello_fixtures[0]))")
L.append("")
L.append("#endif")
open(out, "w").write("\n".join(L) + "\n")

os.makedirs(seeds, exist_ok=True)
for x in fx:
    open(os.path.join(seeds, "hello-" + x["name"]), "wb").write(x["b"])
print("%s: %d hellos" % (out, len(fx)))
EOF
