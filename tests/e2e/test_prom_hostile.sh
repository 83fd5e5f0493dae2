#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The Prometheus textfile under hostile SNIs: quotes, backslashes, newlines,
# control bytes, invalid UTF-8, a 300-byte name, the word "other", attempts
# to close the label and start a new metric, then 10,000 distinct names.  The
# handshakes are a real ClientHello from the corpus with its SNI rewritten
# (tests/lib/hello_pcap.py), answered by unrecognized_name, read offline.
#
# The file must stay valid (promtool check metrics, a strict parser, and a
# real node_exporter serving it without a scrape error and with the same
# samples), bounded (series per family within --max-series), and exact: every
# hostile name is one series whose value decodes back to the bytes sent, and
# every handshake is counted once, in its own series or in "other".
. "$(dirname "$0")/../lib/e2e.sh"
set -o pipefail
PCAP=$CORPUS/ja4/latest.pcapng
E2E_NEEDS="tlsmon node-exporter"
E2E_TOOLS="python3 tshark promtool curl"
E2E_FILES=$PCAP

check() {
	python3 - "$DIR" "$@" <<'EOF'
import json, sys
sys.path.insert(0, "tests/lib")
from promtext import parse, decode_value, Tap
w, path, caps = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
t = Tap()
text = open(path).read()
names = json.load(open(w + "/names.json"))
total = names["total"]
try:
    fams = parse(text)
    t.ok(True, "strict parse")
except ValueError as e:
    t.ok(False, "strict parse", e)
    sys.exit(0)
agg = {
    "tlsmon_handshakes_total": ("handshakes", ["outcome", "version"]),
    "tlsmon_handshake_failures_total": ("failures", ["reason", "server", "sni", "confidence"]),
    "tlsmon_alerts_total": ("alerts", ["sender", "level", "description"]),
    "tlsmon_negotiated_total": ("negotiated", ["version", "cipher"]),
    "tlsmon_server_handshakes_total": ("servers", ["server", "port", "outcome"]),
    "tlsmon_sni_handshakes_total": ("sni", ["sni", "outcome"]),
    "tlsmon_client_handshakes_total": ("clients", ["client", "outcome"]),
    "tlsmon_ja4_handshakes_total": ("ja4", ["ja4", "outcome"]),
    "tlsmon_server_ja4_handshakes_total": ("server_ja4", ["server", "ja4", "outcome"]),
}
# each of them ends with the transport (tcp, quic)
agg = {n: (fam, labels + ["transport"]) for n, (fam, labels) in agg.items()}
bad = [f for f in fams.values() if not f.name.startswith("tlsmon_") or f.help is None
       or f.type is None]
t.ok(not bad, "every family is tlsmon_*, with HELP and TYPE", [f.name for f in bad])
t.ok(all(f in fams for f in agg), "every aggregate family present")
lines = text.count("\n")
samples = sum(len(f.samples) for f in fams.values())
t.eq(lines, samples + 2 * len(fams), "lines: only HELP, TYPE and samples")
t.eq([l for l in text.split("\n") if "injected" in l.split("{")[0]], [], "no injected metric")
t.ok(len(text) < 1 << 20, "file under 1 MiB (%d bytes)" % len(text))
series = fams["tlsmon_series"].series()
limit = fams["tlsmon_series_limit"].series()
folded = fams["tlsmon_series_folded_total"].series()
for name, (fam, labels) in agg.items():
    f = fams[name]
    key = (("family", fam),)
    t.ok(all([l for l, _ in lab] == sorted(labels) for _, lab, _ in f.samples),
         "%s: labels exactly %s" % (name, ",".join(labels)))
    t.eq(limit[key], caps.get(fam, caps["*"]), "%s: limit as configured" % fam)
    t.ok(len(f.samples) <= limit[key], "%s: %d series, at most the limit %d"
         % (fam, len(f.samples), limit[key]))
    t.eq(series[key], len(f.samples), "%s: tlsmon_series counts them" % fam)
    # the capture is TCP: its transport, or other for the whole tuple folded
    t.eq(sorted({dict(lab)["transport"] for _, lab, _ in f.samples} - {"tcp", "other"}), [],
         "%s: transport tcp (or other when folded whole)" % fam)
    other = sum(v for _, lab, v in f.samples if any(x == "other" for _, x in lab))
    t.eq(folded[key], other, "%s: folded total = the other series" % fam)
hs = sum(fams["tlsmon_handshakes_total"].series().values())
t.eq(hs, total, "handshakes_total sums to every handshake sent")
for name in ("tlsmon_sni_handshakes_total", "tlsmon_client_handshakes_total",
             "tlsmon_handshake_failures_total", "tlsmon_server_ja4_handshakes_total"):
    t.eq(sum(fams[name].series().values()), total, name + " sums to every handshake")
t.ok(folded[(("family", "sni"),)] > 9000, "the flood folded in sni")
# every hostile name: one series, decoded back to the bytes sent
sni = {}
for lab, v in fams["tlsmon_sni_handshakes_total"].series().items():
    d = dict(lab)
    b, trunc, other = decode_value(d["sni"])
    if not other:
        sni.setdefault((b, trunc), []).append(v)
fail = {}
for lab, v in fams["tlsmon_handshake_failures_total"].series().items():
    d = dict(lab)
    if d["reason"] == "unrecognized_name" and d["server"] == "10.99.0.1" and d["sni"] != "other":
        fail[decode_value(d["sni"])[:2]] = v
for h in names["hostile"]:
    b = bytes.fromhex(h)
    key = (b[:255], len(b) > 255)
    want = 3.0 if h == names["repeat"] else 1.0
    t.eq(sni.get(key), [want], "sni %r: one series, count %d" % (b[:40], want))
    t.eq(fail.get(key), want, "failure %r: unrecognized_name on 10.99.0.1" % (b[:40],))
# how the format reads, for a few
for want in ('sni="quo\\"te.test"', 'sni="new\\\\x0aline.test"', 'sni="back\\\\\\\\slash.test"',
             'sni="\\\\x6fther"', 'sni="nul\\\\x00byte"', 'sni="' + "y" * 255 + '\\\\..."'):
    t.ok(want in text, "written as " + want[:60])
sys.exit(0)
EOF
}

# the hostile handshakes, and tlsmon's textfile of them with small caps
setup() {
	mkdir -p "$DIR/tf" "$DIR/tf-default"

	# A ClientHello that is one whole record in one segment, with an SNI.
	tshark -r "$PCAP" -Y 'tls.handshake.type == 1 && tls.handshake.extensions_server_name' \
		-T fields -e tcp.len -e tls.record.length -e tcp.payload 2>/dev/null |
		awk -F'\t' '$1 == $2 + 5 { print $3; exit }' >"$DIR/hello.hex"
	[ -s "$DIR/hello.hex" ]
	HELLO_RC=$?

	# The names: hostile ones first (they get their own series), the first one
	# three times, then the flood.  names.json keeps them for the checker.
	python3 - "$DIR" <<'EOF'
import json, sys
w = sys.argv[1]
hostile = [
    b'quo"te.test', b"back\\slash.test", b"new\nline.test", b"cr\r\nlf", b"nul\x00byte",
    b"\x01\x02\x1b[31mred", b"del\x7f", b"\xff\xfe\xfd", b"bad\xc3\x28utf8", b"caf\xc3\xa9.test",
    b"\\xc3", b"\xc3", b"other", b"\\x6fther", b'a"} 1\ntlsmon_injected_total 1\n# HELP x y',
    b'",server="evil', b"{}", b"=", b" ", b"x" * 255, b"y" * 300, b"z\\", b"\\...",
]
names = [hostile[0]] * 2 + hostile + [b"n%05d.flood.test" % i for i in range(10000)]
open(w + "/names.hex", "w").write("".join(n.hex() + "\n" for n in names))
json.dump({"hostile": [h.hex() for h in hostile], "repeat": hostile[0].hex(),
           "total": len(names)}, open(w + "/names.json", "w"))
EOF
	N_WRITTEN=$(python3 tests/lib/hello_pcap.py "$DIR/hello.hex" "$DIR/names.hex" "$DIR/h.pcap" \
		2>"$DIR/gen.err")
	GEN_RC=$?

	"$BIN" --read "$DIR/h.pcap" --json --textfile-dir "$DIR/tf" --max-series 200 --max-series sni=100 \
		>"$DIR/records.json" 2>"$DIR/tlsmon.err"
	READ_RC=$?
}

test_inputs() {
	ok $HELLO_RC "a single-segment ClientHello with SNI from $(basename "$PCAP")"
	ok $GEN_RC "10,025 handshakes written to a pcap ($N_WRITTEN)" "$(cat "$DIR/gen.err")"
}

# the file with --max-series 200 --max-series sni=100
test_capped_file() {
	ok $READ_RC "tlsmon --read --textfile-dir exits 0" "$(tail -n 3 "$DIR/tlsmon.err")"
	[ -f "$DIR/tf/tlsmon.prom" ]
	ok $? "tlsmon.prom written"
	ok "$(find "$DIR/tf" -mindepth 1 ! -name tlsmon.prom | wc -l)" "nothing else left in the directory"
	promtool_ok "promtool check metrics accepts the file" "$DIR/tf/tlsmon.prom"

	py_tap check "$DIR/tf/tlsmon.prom" '{"*": 200, "sni": 100}'
}

# a real node_exporter reads it the same way
test_node_exporter() {
	if nodeexp_start "$DIR/tf" "$DIR/node_exporter.log"; then
		pass "node_exporter serves the directory"
		nodeexp_get >"$DIR/metrics.txt"
		py_tap python3 - "$DIR/metrics.txt" "$DIR/tf/tlsmon.prom" <<'EOF'
import sys
sys.path.insert(0, "tests/lib")
from promtext import parse, Tap
t = Tap()
ne = parse(open(sys.argv[1]).read())
ours = parse(open(sys.argv[2]).read())
err = ne.get("node_textfile_scrape_error")
t.eq(err and list(err.series().values()), [0.0], "node_textfile_scrape_error 0")
a = {(n, l, v) for f in ne.values() if f.name.startswith("tlsmon_") for n, l, v in f.samples}
b = {(n, l, v) for f in ours.values() for n, l, v in f.samples}
t.ok(a == b, "node_exporter serves exactly the file's %d samples" % len(b),
     "only in node_exporter: %s" % sorted(a - b)[:3], "only in the file: %s" % sorted(b - a)[:3])
EOF
	else
		fail "node_exporter serves the directory" "$(tail -n 5 "$DIR/node_exporter.log")"
	fi
	nodeexp_stop
}

test_default_caps() {
	"$BIN" --read "$DIR/h.pcap" --textfile-dir "$DIR/tf-default" --json >/dev/null 2>"$DIR/tlsmon2.err"
	ok $? "tlsmon with default caps exits 0" "$(tail -n 3 "$DIR/tlsmon2.err")"
	promtool_ok "promtool check metrics accepts it" "$DIR/tf-default/tlsmon.prom"
	py_tap check "$DIR/tf-default/tlsmon.prom" '{"*": 500}'

}

ALL_TESTS="test_inputs test_capped_file test_node_exporter test_default_caps"
e2e_run
