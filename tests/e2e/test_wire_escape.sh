#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Hostile SNIs through every output, read offline: a real ClientHello from the
# corpus with its SNI rewritten (tests/lib/hello_pcap.py), each answered by
# unrecognized_name so it is a failure and has a text line.
#
# Text lines: a line split on spaces and '=' holds exactly the keys tlsmon
# wrote (an SNI "x ja4=FAKE" forges none), and the sni value decodes back
# to the bytes sent.  JSON: C1 controls, bidirectional overrides and
# U+2028/U+2029 come out as \u escapes, never raw; a name that is not valid
# UTF-8 has U+FFFD for each bad byte and "sni_hex" with the bytes, so 0xff
# and the character C3 BF ("ÿ") read differently.  The textfile holds
# printable ASCII only and promtool accepts it.
. "$(dirname "$0")/../lib/e2e.sh"
set -o pipefail
PCAP=$CORPUS/ja4/latest.pcapng
E2E_NEEDS="tlsmon"
E2E_TOOLS="python3 tshark promtool"
E2E_FILES=$PCAP

setup() {
	mkdir -p "$DIR/tf"
	tshark -r "$PCAP" -Y 'tls.handshake.type == 1 && tls.handshake.extensions_server_name' \
		-T fields -e tcp.len -e tls.record.length -e tcp.payload 2>/dev/null |
		awk -F'\t' '$1 == $2 + 5 { print $3; exit }' >"$DIR/hello.hex"
	[ -s "$DIR/hello.hex" ]
	HELLO_RC=$?
	# one name per handshake; the pcap gives handshake i client 10.98.(i>>8).(i&255)
	python3 - "$DIR" <<'EOF'
import sys
names = [
    b"x ja4=FAKE", b"a=b", b'q"uote', b"back\\slash", b"sp ace", b"\\x20", b"tab\there",
    b"nl\nFAIL x=y", b"plain.test",
    b"c1\xc2\x85nel", b"c1\xc2\x9bcsi", b"c1\xc2\x80\xc2\x9f",
    b"rlo\xe2\x80\xaegnp.exe", b"lre\xe2\x80\xaa", b"pdf\xe2\x80\xac", b"lro\xe2\x80\xad",
    b"lri\xe2\x81\xa6", b"pdi\xe2\x81\xa9", b"ls\xe2\x80\xa8ps\xe2\x80\xa9",
    b"\xff", b"\xc3\xbf", b"a\xffb\xc3\xbfc", b"\xc3", b"\xef\xbf\xbd", b"\xed\xa0\x80",
    b"caf\xc3\xa9.test", b"nul\x00byte",
]
open(sys.argv[1] + "/names.hex", "w").write("".join(n.hex() + "\n" for n in names))
EOF
	N_WRITTEN=$(python3 tests/lib/hello_pcap.py "$DIR/hello.hex" "$DIR/names.hex" "$DIR/h.pcap" \
		2>"$DIR/gen.err")
	GEN_RC=$?
	"$BIN" --read "$DIR/h.pcap" --no-dashboard --no-textfile >"$DIR/lines.txt" 2>"$DIR/text.err"
	TEXT_RC=$?
	"$BIN" --read "$DIR/h.pcap" --json --textfile-dir "$DIR/tf" >"$DIR/records.json" \
		2>"$DIR/json.err"
	JSON_RC=$?
}

test_inputs() {
	ok $HELLO_RC "a single-segment ClientHello with SNI from $(basename "$PCAP")"
	ok $GEN_RC "handshakes with hostile SNIs written to a pcap ($N_WRITTEN)" "$(cat "$DIR/gen.err")"
}

test_text_lines() {
	ok $TEXT_RC "tlsmon --read --no-dashboard exits 0" "$(tail -n 3 "$DIR/text.err")"
	py_tap python3 - "$DIR" <<'EOF'
import re, sys
sys.path.insert(0, "tests/lib")
from promtext import Tap
t = Tap()
w = sys.argv[1]
names = [bytes.fromhex(l) for l in open(w + "/names.hex").read().split()]
raw = open(w + "/lines.txt", "rb").read()
t.ok(all(0x20 <= c < 0x7f or c == 0x0a for c in raw), "text lines are printable ASCII")
lines = [l for l in raw.decode("ascii", "replace").split("\n") if l and not l.startswith("summary")]
t.eq(len(lines), len(names), "one line per handshake")

def unescape(v):
    out, i = b"", 0
    while i < len(v):
        if v[i] == "\\":
            m = re.match(r"\\x([0-9a-f]{2})", v[i:])
            if not m:
                raise ValueError("bad escape in %r" % v)
            out += bytes([int(m.group(1), 16)])
            i += 4
        else:
            out += v[i].encode()
            i += 1
    return out

seen = {}
for l in lines:
    toks = l.split(" ")
    client = toks[3] if toks[1] == "FAIL" else toks[2]
    a = [int(x) for x in client.split(":")[0].split(".")]
    i = a[2] << 8 | a[3]
    kv = [x.split("=") for x in toks if "=" in x]
    keys = [k[0] for k in kv]
    t.ok(all(len(k) == 2 for k in kv) and
         sorted(keys) in (["confidence", "sni"], ["confidence", "ja4", "sni"]),
         "name %d %r: keys exactly sni, confidence (and ja4)" % (i, names[i][:24]), l)
    sni = dict(k for k in kv if len(k) == 2).get("sni")
    try:
        got = unescape(sni) if sni is not None else None
    except ValueError as e:
        got = e
    t.eq(got, names[i], "name %d: the sni value decodes back to the bytes sent" % i)
    seen[i] = 1
t.eq(sorted(seen), list(range(len(names))), "every name has its line")
EOF
}

test_json() {
	ok $JSON_RC "tlsmon --read --json exits 0" "$(tail -n 3 "$DIR/json.err")"
	py_tap python3 - "$DIR" <<'EOF'
import codecs, json, re, sys
sys.path.insert(0, "tests/lib")
from promtext import Tap
t = Tap()
w = sys.argv[1]
names = [bytes.fromhex(l) for l in open(w + "/names.hex").read().split()]
raw = open(w + "/records.json", "rb").read()
# the documented form: U+FFFD for each byte that is not part of a valid sequence
codecs.register_error("perbyte", lambda e: ("\ufffd" * (e.end - e.start), e.end))
# as UTF-8 text: no C1 (U+0080-U+009F), bidi controls, or line/paragraph separators raw
text = raw.decode("utf-8")
bad = re.compile("[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
t.eq(bad.findall(text), [], "no C1, bidi or U+2028/9 character raw in the file")
for cp in ("\\u0085", "\\u009b", "\\u202e", "\\u202a", "\\u2066", "\\u2069", "\\u2028", "\\u2029"):
    t.ok(cp in text, "written as the escape " + cp)
recs = [json.loads(l) for l in text.split("\n") if l.strip()]
by = {}
for r in recs:
    a = [int(x) for x in r["client"].split(".")]
    by[a[2] << 8 | a[3]] = r
t.eq(sorted(by), list(range(len(names))), "a record per handshake")
for i, n in enumerate(names):
    r = by.get(i, {})
    try:
        valid = n.decode("utf-8") is not None
    except UnicodeDecodeError:
        valid = False
    if valid:
        t.ok("sni_hex" not in r and r.get("sni") == n.decode("utf-8"),
             "name %d %r: valid UTF-8, the string alone, exact" % (i, n[:24]), r.get("sni"))
    else:
        t.ok(r.get("sni_hex") == n.hex() and r.get("sni") == n.decode("utf-8", "perbyte"),
             "name %d %r: invalid UTF-8, U+FFFD for each bad byte and sni_hex exact"
             % (i, n[:24]), (r.get("sni"), r.get("sni_hex")))
ff, c3bf = names.index(b"\xff"), names.index(b"\xc3\xbf")
t.ok((by[ff].get("sni"), by[ff].get("sni_hex")) != (by[c3bf].get("sni"), by[c3bf].get("sni_hex")),
     "0xff and C3 BF read differently")
EOF
}

test_textfile() {
	promtool_ok "promtool check metrics accepts the textfile" "$DIR/tf/tlsmon.prom"
	py_tap python3 - "$DIR/tf/tlsmon.prom" <<'EOF'
import sys
sys.path.insert(0, "tests/lib")
from promtext import Tap
t = Tap()
raw = open(sys.argv[1], "rb").read()
t.ok(all(0x20 <= c < 0x7f or c == 0x0a for c in raw), "the textfile is printable ASCII")
for v in (b"c1\\\\xc2\\\\x9bcsi", b"rlo\\\\xe2\\\\x80\\\\xaegnp.exe", b"pdi\\\\xe2\\\\x81\\\\xa9"):
    t.ok(b'sni="' + v + b'"' in raw, "label written as " + v.decode())
EOF
}

ALL_TESTS="test_inputs test_text_lines test_json test_textfile"
e2e_run
