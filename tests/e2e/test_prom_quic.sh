#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The transport label of the Prometheus textfile as the real binary writes
# it, from public captures with QUIC (and TCP) handshakes: every handshake
# series and histogram carries transport="tcp" or "quic"; the handshakes,
# servers (address and UDP or TCP port) and SNIs of each transport are the
# ClientHellos tshark finds over that transport (its own QUIC decryption is
# the truth, not ours); the file passes promtool and a real node_exporter
# serves it with the label.  The folding and the unit checks are in
# tests/unit/test_agg_quic.c.
. "$(dirname "$0")/../lib/e2e.sh"
set -o pipefail
MIXED=$CORPUS/ja4/chrome-cloudflare-quic-with-secrets.pcapng	# one TCP, one QUIC
QUIC=$CORPUS/ja4/quic/quic-tls-handshake.pcapng
E2E_NEEDS="tlsmon node-exporter"
E2E_TOOLS="promtool tshark python3 curl"
E2E_FILES="$MIXED $QUIC"

# "transport<TAB>server<TAB>port<TAB>sni", one line per ClientHello'd connection
hellos() {
	tshark -n -r "$1" -Y 'tls.handshake.type == 1' -T fields -E separator=/t \
		-e tcp.stream -e udp.stream -e ip.dst -e ipv6.dst -e tcp.dstport -e udp.dstport \
		-e tls.handshake.extensions_server_name 2>/dev/null |
		awk -F'\t' '{ t = $1 != "" ? "tcp" : "quic"; k = t ($1 != "" ? $1 : $2)
			      if (seen[k]++) next
			      print t "\t" ($3 != "" ? $3 : $4) "\t" ($5 != "" ? $5 : $6) "\t" $7 }'
}

check_file() {
	local pcap=$1 tf=$2
	hellos "$pcap" >"$tf.truth"
	[ -s "$tf.truth" ]
	ok $? "tshark finds the hellos of $(basename "$pcap") ($(cut -f1 "$tf.truth" | sort | uniq -c | xargs))"
	promtool_ok "promtool check metrics accepts $(basename "$pcap")'s file" "$tf/tlsmon.prom"
	py_tap python3 - "$tf/tlsmon.prom" "$tf.truth" <<'EOF'
import collections, sys
sys.path.insert(0, "tests/lib")
from promtext import parse, Tap
t = Tap()
m = parse(open(sys.argv[1]).read())
truth = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]

def get(name, suffix="", **want):
    total = None
    for lab, v in m[name].series(suffix).items():
        d = dict(lab)
        if all(d.get(k, "") == w for k, w in want.items()):
            total = (total or 0) + v
    return total

# the label on every handshake series (certificate families have none)
fams = ["tlsmon_handshakes_total", "tlsmon_handshake_failures_total", "tlsmon_alerts_total",
        "tlsmon_negotiated_total", "tlsmon_server_handshakes_total", "tlsmon_sni_handshakes_total",
        "tlsmon_client_handshakes_total", "tlsmon_ja4_handshakes_total",
        "tlsmon_server_ja4_handshakes_total", "tlsmon_process_handshakes_total",
        "tlsmon_process_failures_total", "tlsmon_handshake_duration_seconds",
        "tlsmon_server_hello_latency_seconds"]
bad = [(f, dict(l)) for f in fams for _, l, _ in m[f].samples
       if dict(l).get("transport") not in ("tcp", "quic")]
t.eq(bad[:3], [], "every handshake series has transport tcp or quic")
t.ok(all(m[f].help is not None and m[f].type is not None for f in fams),
     "HELP and TYPE for each of them")
n = collections.Counter(tr for tr, _, _, _ in truth)
for tr in ("tcp", "quic"):
    t.eq(get("tlsmon_handshakes_total", transport=tr), float(n[tr]) if n[tr] else None,
         "%s: %d handshakes, as tshark's hellos" % (tr, n[tr]))
    t.eq(get("tlsmon_handshake_duration_seconds", "_count", transport=tr), float(n[tr]),
         "%s: the duration histogram counts %d" % (tr, n[tr]))
srv = collections.Counter((tr, s, p) for tr, s, p, _ in truth)
for (tr, s, p), k in sorted(srv.items()):
    t.eq(get("tlsmon_server_handshakes_total", server=s, port=p, transport=tr), float(k),
         "servers: %s %s port %s: %d" % (tr, s, p, k))
sni = collections.Counter((tr, x) for tr, _, _, x in truth)
for (tr, x), k in sorted(sni.items()):
    t.eq(get("tlsmon_sni_handshakes_total", sni=x, transport=tr), float(k),
         "sni: %s %s: %d" % (tr, x, k))
# a JA4 says q or t itself: the label agrees with it
j = [(dict(l)["ja4"][:1], dict(l)["transport"]) for _, l, _ in m["tlsmon_ja4_handshakes_total"].samples]
t.ok(j and all((a, b) in (("q", "quic"), ("t", "tcp")) for a, b in j),
     "ja4: q fingerprints are quic, t ones tcp (%s)" % sorted(set(j)))
EOF
}

test_mixed_capture() {
	mkdir -p "$DIR/mixed"
	"$BIN" --read "$MIXED" --textfile-dir "$DIR/mixed" >/dev/null 2>"$DIR/mixed.err"
	ok $? "tlsmon --read $(basename "$MIXED") writes a textfile" "$(tail -n 3 "$DIR/mixed.err")"
	check_file "$MIXED" "$DIR/mixed"
}

test_quic_capture() {
	mkdir -p "$DIR/quic"
	"$BIN" --read "$QUIC" --textfile-dir "$DIR/quic" >/dev/null 2>"$DIR/quic.err"
	ok $? "tlsmon --read $(basename "$QUIC") writes a textfile" "$(tail -n 3 "$DIR/quic.err")"
	check_file "$QUIC" "$DIR/quic"
}

# node_exporter reads the file and serves the label as it is
test_served() {
	mkdir -p "$DIR/served"
	"$BIN" --read "$MIXED" --textfile-dir "$DIR/served" >/dev/null 2>"$DIR/served.err"
	ok $? "tlsmon writes the file node_exporter reads" "$(tail -n 3 "$DIR/served.err")"
	if nodeexp_start "$DIR/served" "$DIR/node_exporter.log"; then
		nodeexp_get >"$DIR/metrics.txt"
		pass "node_exporter serves the directory"
	else
		fail "node_exporter serves the directory" "$(tail -n 5 "$DIR/node_exporter.log")"
	fi
	nodeexp_stop
	py_tap python3 - "$DIR/metrics.txt" "$DIR/served/tlsmon.prom" <<'EOF'
import sys
sys.path.insert(0, "tests/lib")
from promtext import parse, Tap
t = Tap()
served = parse(open(sys.argv[1]).read())
mine = parse(open(sys.argv[2]).read())
t.eq(sum(v for _, l, v in served["node_textfile_scrape_error"].samples), 0.0,
     "node_exporter: no textfile scrape error")
for f in ("tlsmon_handshakes_total", "tlsmon_server_handshakes_total",
          "tlsmon_handshake_duration_seconds"):
    a = sorted((n, l, v) for n, l, v in served[f].samples)
    b = sorted((n, l, v) for n, l, v in mine[f].samples)
    t.eq(a, b, "%s: served as written (%d samples)" % (f, len(b)))
t.ok(any(dict(l).get("transport") == "quic" for _, l, _ in served["tlsmon_handshakes_total"].samples),
     "a transport=\"quic\" series is served")
EOF
}

ALL_TESTS="test_mixed_capture test_quic_capture test_served"
e2e_run
