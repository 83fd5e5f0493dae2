#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# --json-format, through the binary: captures of the corpus read with --json
# in native, ecs and otel; every line is one JSON object, ecs records nest
# the ECS fields (with @timestamp, ecs.version, event.*, source/destination,
# tls.*), otel records are flat attribute maps (server.address,
# tls.protocol.version ...); the three give the same records for the same
# handshakes; --log FILE follows --json-format too; a format tlsmon does not
# know is a usage error (exit 2).  Hostile SNIs (tests/lib/hello_pcap.py, as
# in test_wire_escape.sh): the ecs and otel values are the native ones, byte
# for byte, and a name that is not UTF-8 has its hex in tlsmon.hex, never a
# "_hex" key beside a schema field.  contrib/logs/'s Filebeat, Vector and
# OTel collector snippets parse and read the file the service writes.  The
# fields' types against the schemas' definitions: tests/unit/test_json_formats.c.
. "$(dirname "$0")/../lib/e2e.sh"
set -o pipefail
CAPS="zeek/certificate-request-failed.pcap ja4/latest.pcapng ja4/ipv6.pcapng"
PCAP=$CORPUS/ja4/latest.pcapng
E2E_NEEDS="tlsmon"
E2E_TOOLS="python3 tshark"
E2E_FILES=$PCAP

setup() {
	local c n f
	RC=0
	for c in $CAPS; do
		n=$(echo "$c" | tr / _)
		for f in native ecs otel; do
			"$BIN" --read "$CORPUS/$c" --json --json-format "$f" --no-textfile \
				>"$DIR/$n.$f" 2>"$DIR/$n.$f.err" || RC=1
		done
	done
	"$BIN" --read "$PCAP" --no-dashboard --no-textfile --json-format otel \
		--log "$DIR/log.otel" >/dev/null 2>"$DIR/log.err"
	LOG_RC=$?
	"$BIN" --read "$PCAP" --json --json-format elastic >/dev/null 2>"$DIR/bad.err"
	BAD_RC=$?
	# hostile names, one per handshake
	tshark -r "$PCAP" -Y 'tls.handshake.type == 1 && tls.handshake.extensions_server_name' \
		-T fields -e tcp.len -e tls.record.length -e tcp.payload 2>/dev/null |
		awk -F'\t' '$1 == $2 + 5 { print $3; exit }' >"$DIR/hello.hex"
	python3 - "$DIR" <<'EOF'
import sys
names = [b"q\"uote", b"back\\slash", b"nl\nx", b"c1\xc2\x85nel", b"rlo\xe2\x80\xaegnp.exe",
         b"ls\xe2\x80\xa8ps", b"\xff", b"a\xffb\xc3\xbfc", b"\xed\xa0\x80", b"nul\x00byte",
         b"plain.test"]
open(sys.argv[1] + "/names.hex", "w").write("".join(n.hex() + "\n" for n in names))
EOF
	python3 tests/lib/hello_pcap.py "$DIR/hello.hex" "$DIR/names.hex" "$DIR/h.pcap" \
		>/dev/null 2>"$DIR/gen.err"
	GEN_RC=$?
	for f in native ecs otel; do
		"$BIN" --read "$DIR/h.pcap" --json --json-format "$f" --no-textfile \
			>"$DIR/hostile.$f" 2>>"$DIR/hostile.err" || GEN_RC=1
	done
}

test_runs() {
	ok $RC "tlsmon --read --json --json-format native|ecs|otel exits 0" \
		"$(tail -n 3 "$DIR"/*.err)"
	ok $(( BAD_RC != 2 )) "--json-format elastic: exit 2" "$(cat "$DIR/bad.err")"
	ok $LOG_RC "--log with --json-format otel exits 0" "$(cat "$DIR/log.err")"
}

test_records() {
	py_tap python3 - "$DIR" "$CAPS" <<'EOF'
import json, sys
sys.path.insert(0, "tests/lib")
from promtext import Tap
t = Tap()
w, caps = sys.argv[1], sys.argv[2].split()

def load(path):
    out = []
    for l in open(path, "rb").read().decode("utf-8").split("\n"):
        if l:
            out.append(json.loads(l))
    return out

def flat(d, p=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from flat(v, p + k + ".")
        else:
            yield p + k, v

ECS_NEED = ["@timestamp", "ecs.version", "event.kind", "event.category", "event.type",
            "event.outcome", "source.ip", "source.port", "destination.ip", "destination.port",
            "network.transport", "tls.established", "tls.resumed"]
OTEL_NEED = ["timestamp", "server.address", "server.port", "client.address", "client.port",
             "network.transport", "tls.established", "tls.resumed"]
for c in caps:
    n = c.replace("/", "_")
    nat, ecs, otel = (load("%s/%s.%s" % (w, n, f)) for f in ("native", "ecs", "otel"))
    t.ok(len(nat) > 0 and len(nat) == len(ecs) == len(otel),
         "%s: as many records in each format (%d)" % (c, len(nat)))
    for a, e, o in zip(nat, ecs, otel):
        fe = dict(flat(e))
        miss = [k for k in ECS_NEED if k not in fe] + [k for k in OTEL_NEED if k not in o]
        t.ok(not miss, "%s record %d: the fields every record has" % (c, a["id"]), miss)
        t.ok(all(not isinstance(v, dict) for k, v in o.items() if not k.startswith("tlsmon.")),
             "%s record %d: otel is flat outside tlsmon.*" % (c, a["id"]))
        t.ok(set(e) <= {"@timestamp", "ecs", "event", "source", "destination", "network",
                        "observer", "tls", "error", "tlsmon"},
             "%s record %d: ecs top-level field sets only, the rest under tlsmon" % (c, a["id"]),
             sorted(e))
        same = [
            (a["ts"], e["@timestamp"], o["timestamp"]),
            (a["client"], e["source"]["ip"], o["client.address"]),
            (a["server_port"], e["destination"]["port"], o["server.port"]),
            (a["sni"] or a["server"], fe.get("tls.client.server_name") or e["destination"]["ip"],
             o["server.address"]),
            (a.get("cipher"), fe.get("tls.cipher"), o.get("tls.cipher")),
            (a.get("ja4"), fe.get("tlsmon.ja4"), o.get("tlsmon.ja4")),
            (a.get("reason"), fe.get("error.type"), o.get("error.type")),
            (a["outcome"] == "established", e["tls"]["established"], o["tls.established"]),
        ]
        bad = [s for s in same if not s[0] == s[1] == s[2]]
        t.ok(not bad, "%s record %d: the same facts in all three" % (c, a["id"]), bad)
        v = a.get("version")
        if v and v.startswith("TLSv1."):
            t.ok(e["tls"]["version"] == o["tls.protocol.version"] == v[4:] and
                 e["tls"]["version_protocol"] == o["tls.protocol.name"] == "tls",
                 "%s record %d: %s is tls %s" % (c, a["id"], v, v[4:]))
log = load(w + "/log.otel")
t.ok(len(log) > 0 and all("tls.established" in r and "timestamp" in r for r in log),
     "--log FILE is written in --json-format's vocabulary (%d records)" % len(log))
EOF
}

test_hostile_names() {
	ok $GEN_RC "handshakes with hostile SNIs, read in the three formats" "$(cat "$DIR"/gen.err)"
	py_tap python3 - "$DIR" <<'EOF'
import json, sys
sys.path.insert(0, "tests/lib")
from promtext import Tap
t = Tap()
w = sys.argv[1]
names = [bytes.fromhex(l) for l in open(w + "/names.hex").read().split()]
raw = {f: open("%s/hostile.%s" % (w, f), "rb").read() for f in ("native", "ecs", "otel")}

def field_text(line, key):
    """The JSON text of key's value as written (a string value: up to its closing quote)."""
    i = line.index(b'"%s":"' % key) + len(key) + 3
    j = i + 1
    while line[j:j + 1] != b'"':
        j += 2 if line[j:j + 1] == b"\\" else 1
    return line[i:j + 1]

nat = [l for l in raw["native"].split(b"\n") if l]
ecs = [l for l in raw["ecs"].split(b"\n") if l]
otel = [l for l in raw["otel"].split(b"\n") if l]
t.eq(len(nat), len(names), "a record per name, native")
t.ok(len(nat) == len(ecs) == len(otel), "as many in ecs and otel")
for f in ("ecs", "otel"):
    t.ok(all(c >= 0x20 for c in raw[f].replace(b"\n", b"")),
         f + ": no raw control byte")
    for bad in ("\u0085", "\u202e", "\u2028"):
        t.ok(bad.encode() not in raw[f], f + ": U+%04X never raw" % ord(bad))
for a, e, o in zip(nat, ecs, otel):
    ja, je, jo = json.loads(a), json.loads(e), json.loads(o)
    name = ja["sni"]
    t.ok(field_text(a, b"sni") == field_text(e, b"server_name") == field_text(e, b"domain") ==
         field_text(o, b"server.address"),
         "%r: the same escaped text in native, ecs and otel" % name,
         [field_text(a, b"sni"), field_text(e, b"server_name"), field_text(o, b"server.address")])
    if "sni_hex" in ja:
        hx = je.get("tlsmon", {}).get("hex", {})
        t.ok(hx.get("tls.client.server_name") == ja["sni_hex"] and
             hx.get("destination.domain") == ja["sni_hex"] and
             jo.get("tlsmon.hex.server.address") == ja["sni_hex"],
             "%r: not UTF-8, the bytes' hex under tlsmon.hex" % name)
    t.ok(b"_hex" not in e.split(b'"tlsmon":')[0] and
         not any(k.endswith("_hex") and not k.startswith("tlsmon.") for k in jo),
         "%r: no _hex key beside a schema field" % name)
EOF
}

# contrib/logs/: each snippet parses, reads the log file the service writes
# (contrib/tlsmon.default's --log) and expects the format it says to run
test_contrib_snippets() {
	py_tap python3 - "$DIR" <<'EOF'
import re, sys, tomllib, yaml
sys.path.insert(0, "tests/lib")
from promtext import Tap
t = Tap()
w = sys.argv[1]
log = "/var/log/tlsmon/tlsmon.json"
t.ok(log in open("contrib/tlsmon.default").read(), "the service writes " + log)
fb_text = open("contrib/logs/filebeat.yml").read()
fb = yaml.safe_load(fb_text)
inp = fb["filebeat.inputs"][0]
nd = [p["ndjson"] for p in inp.get("parsers", []) if "ndjson" in p]
t.ok(inp["type"] == "filestream" and log in inp["paths"] and nd and nd[0].get("target") == ""
     and nd[0].get("overwrite_keys") is True,
     "filebeat: filestream of %s, each line decoded at the event's top" % log, inp)
t.ok("--json-format ecs" in fb_text, "filebeat: says to run --json-format ecs")
vt_text = open("contrib/logs/vector.toml").read()
vt = tomllib.loads(vt_text)
t.ok(log in vt["sources"]["tlsmon"]["include"] and
     "parse_json" in vt["transforms"]["tlsmon_records"]["source"] and
     vt["sinks"]["elasticsearch"]["inputs"] == ["tlsmon_records"],
     "vector: file source of %s, decoded, to a sink" % log)
t.ok("--json-format ecs" in vt_text, "vector: says to run --json-format ecs")
oc_text = open("contrib/logs/otelcol-filelog.yaml").read()
oc = yaml.safe_load(oc_text)
fl = oc["receivers"]["filelog/tlsmon"]
jp = [o for o in fl["operators"] if o["type"] == "json_parser"]
t.ok(log in fl["include"] and jp and jp[0]["timestamp"]["parse_from"] == "attributes.timestamp",
     "otelcol: filelog of %s, json_parser, time from the record's timestamp" % log, fl)
t.ok(oc["service"]["pipelines"]["logs"]["receivers"] == ["filelog/tlsmon"],
     "otelcol: the receiver is in the logs pipeline")
t.ok("--json-format otel" in oc_text, "otelcol: says to run --json-format otel")
# the Go layout 2006-01-02T15:04:05.999999Z07:00 reads what tlsmon writes
ts = [l.split('"timestamp":"')[1][:27] for l in open(w + "/log.otel") if l.strip()]
t.ok(ts and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", x) for x in ts),
     "otel timestamps in the layout the snippet parses", ts[:3])
EOF
}

ALL_TESTS="test_runs test_records test_hostile_names test_contrib_snippets"
e2e_run
