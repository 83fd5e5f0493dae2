#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tlsmon --events on public QUIC captures: QUIC_INFO events are printed as
# JSON lines ("event": "quic_info") with the QUIC version, the connection
# IDs in hex and the flags, and they agree with tshark's own decoding of
# the Initial packets (the client's first DCID and SCID, the server's SCID,
# the version); the hellos QUIC carried are printed with transport "quic".
. "$(dirname "$0")/../lib/e2e.sh"
set -o pipefail
PCAPS="$CORPUS/ja4/quic/quic-tls-handshake.pcapng $CORPUS/ja4/quic/quic-with-several-tls-frames.pcapng
$CORPUS/ja4/chrome-cloudflare-quic-with-secrets.pcapng"
E2E_NEEDS="tlsmon"
E2E_TOOLS="tshark python3"
E2E_FILES=$PCAPS

test_quic_info() {
	local p name
	for p in $PCAPS; do
		name=$(basename "$p")
		"$BIN" --read "$p" --events >"$DIR/$name.events" 2>"$DIR/$name.err"
		ok $? "tlsmon --read $name --events" "$(tail -n 3 "$DIR/$name.err")"
		# every Initial: ports, version, DCID, SCID (first packet of a datagram)
		tshark -n -r "$p" -Y 'quic.long.packet_type == 0' -T fields -E separator=/t \
			-e udp.srcport -e udp.dstport -e quic.version -e quic.dcid -e quic.scid \
			-e tls.handshake.extensions_server_name \
			>"$DIR/$name.tshark" 2>"$DIR/$name.tshark.err"
		ok $? "tshark decodes $name's Initials" "$(tail -n 3 "$DIR/$name.tshark.err")"
		py_tap python3 - "$DIR/$name.events" "$DIR/$name.tshark" "$name" <<'EOF'
import json, sys
sys.path.insert(0, "tests/lib")
from promtext import Tap
t = Tap()
name = sys.argv[3]
ev = []
for l in open(sys.argv[1]):
    try:
        ev.append(json.loads(l))
    except ValueError:
        t.ok(False, "%s: a line that is not JSON: %r" % (name, l[:80]))
info = [e for e in ev if e["event"] == "quic_info"]
t.ok(info, "%s: quic_info events printed (%d)" % (name, len(info)))
first = lambda s: s.split(",")[0]
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
# per connection (client port): the client's first Initial (the first of its
# ports pair), the server's first
cli, srv, sni, pairs = {}, {}, {}, set()
for sp, dp, ver, dcid, scid, name_ in rows:
    if (dp, sp) in pairs:
        srv.setdefault(dp, first(scid))
        continue
    pairs.add((sp, dp))
    cli.setdefault(sp, (first(ver), first(dcid), first(scid)))
    if name_:
        sni.setdefault(sp, name_)
for e in info:
    cp = str(e["client_port"])
    q = e["quic"]
    want = cli.get(cp)
    t.ok(want is not None, "%s: port %s is a connection tshark saw" % (name, cp))
    if not want:
        continue
    t.eq(e.get("transport"), "quic", "%s: transport quic" % name)
    t.eq((q["version"], q["dcid"], q["scid"]), want,
         "%s: version, DCID, SCID as tshark (%s)" % (name, want[1]))
    t.ok(q["server_scid"] in ("", srv.get(cp)),
         "%s: the server's SCID, once seen, as tshark (%s)" % (name, srv.get(cp)))
    t.ok(isinstance(e["flags"], list) and "keys" in e["flags"], "%s: flags, keys derived" % name)
    t.ok(isinstance(q["retries"], int), "%s: retries counted" % name)
# the latest word on each connection has the server's SCID when tshark saw a server Initial
last = {}
for e in info:
    last[str(e["client_port"])] = e["quic"]["server_scid"]
for cp, s in srv.items():
    t.eq(last.get(cp), s, "%s: port %s: the server's SCID reported" % (name, cp))
chs = [e for e in ev if e["event"] == "client_hello" and e.get("transport") == "quic"]
t.eq(sorted(str(e["client_port"]) for e in chs), sorted(cli),
     "%s: a QUIC client_hello per connection" % name)
for e in chs:
    t.eq(e["sni"], sni.get(str(e["client_port"])), "%s: its SNI as tshark's" % name)
EOF
	done
}

ALL_TESTS="test_quic_info"
e2e_run
