#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The Prometheus textfile live: tlsmon on the lab client's interface writes
# tlsmon.prom every second while real clients make a known set of handshakes
# (curl and python at nginx A, curl and python at nginx B, s_client at the
# TLS 1.2+ and the SNI-checking s_servers); a real prometheus-node-exporter
# on the client namespace's loopback serves the directory, and the values it
# serves must be those handshakes, by outcome, version, reason, server, SNI,
# alert and client JA4 ("B fails every client with this fingerprint, A never
# does").  Every file tlsmon writes is checked by promtool, and no counter
# goes down from one file to the next.  The directory is missing at first:
# tlsmon warns once, keeps running, counts the failed writes, and writes as
# soon as the directory exists.
. "$(dirname "$0")/../lib/e2e.sh"
set -o pipefail
E2E_NEEDS="root tlsmon lab node-exporter"
E2E_TOOLS="openssl curl python3 nginx promtool"

setup() {
	TF=$DIR/tf
	chmod 711 "$DIR"	# tlsmon writes the textfile as nobody, after its privilege drop
	mkdir -p "$DIR/snap"
	lab_tlsmon "$DIR/records.json" "$DIR/tlsmon.err" --json --textfile-dir "$TF" \
		--textfile-interval 1 ||
		tap_skip_all "tlsmon does not attach: $(cat "$DIR/tlsmon.err")"
}

# the directory is missing at first
test_missing_dir() {
	wait_for 5 grep -q "tlsmon.prom: cannot" "$DIR/tlsmon.err"
	ok $? "missing directory: a warning" "$(cat "$DIR/tlsmon.err")"
	sleep 2.2
	kill -0 $TPID 2>/dev/null
	ok $? "tlsmon keeps running"
	n=$(grep -c "tlsmon.prom: cannot" "$DIR/tlsmon.err")
	ok $((n != 1)) "warned once for the same error ($n)"
	install -d -o nobody "$TF"
	wait_for 3 test -f "$TF/tlsmon.prom"
	ok $? "written within the interval once the directory exists"
	f=$(awk '$1 == "tlsmon_textfile_write_failures_total" {print $2}' "$TF/tlsmon.prom")
	[ "${f:-0}" -ge 3 ]
	ok $? "the failed writes are counted ($f)"
	grep -q "tlsmon.prom: written again" "$DIR/tlsmon.err"
	ok $? "and the recovery logged"
}

# the handshakes, as the file and node_exporter show them
test_handshakes_served() {
	[ -d "$TF" ] || install -d -o nobody "$TF"	# when run without test_missing_dir
	# keep a copy of every file written (each rename is a new file: inode numbers
	# may be reused, inode and modification time together are not)
	rm -f "$DIR/snap.stop"
	(
		last= n=0
		for ((i = 0; i < 3000; i++)); do
			[ -e "$DIR/snap.stop" ] && break
			ino=$(stat -c '%i %y' "$TF/tlsmon.prom" 2>/dev/null)
			if [ -n "$ino" ] && [ "$ino" != "$last" ]; then
				cp "$TF/tlsmon.prom" "$DIR/snap/$(printf %04d $n).prom" 2>/dev/null && n=$((n + 1))
				last=$ino
			fi
			sleep 0.05
		done
	) &
	SNAP=$!
	e2e_track $SNAP

	# the handshakes: 6 established, 5 failed
	c=0
	for i in 1 2 3; do lab_curl https://a.lab.test/ -4 -o /dev/null && c=$((c + 1)); done
	lab_curl https://b.lab.test/ -4 -o /dev/null && c=$((c + 1))
	ok $((c != 4)) "curl: 3 at A, 1 at B ($c succeeded)"
	py_a=$(lab_python a.lab.test 443 2 --addr "$LAB_A4" 2>&1)
	ok $? "python at A: 2 established" "$py_a"
	py_b=$(lab_python b.lab.test 443 2 --addr "$LAB_B4" 2>&1)
	n=$(grep -c ' fail SSLV3_ALERT_HANDSHAKE_FAILURE' <<<"$py_b")
	ok $((n != 2)) "python at B: 2 refused with handshake_failure" "$py_b"
	n=0
	for i in 1 2; do
		out=$(lab_sclient a.lab.test:4410 -4 -tls1 2>&1)
		grep -q 'alert protocol version' <<<"$out" && n=$((n + 1))
	done
	ok $((n != 2)) "s_client TLS 1.0 at 4410: 2 refused with protocol_version"
	out=$(lab_sclient a.lab.test:4415 -4 -servername other.lab.test 2>&1)
	grep -q 'unrecognized name' <<<"$out"
	ok $? "s_client other.lab.test at 4415: unrecognized_name"

	total() { awk '/^tlsmon_handshakes_total/ {s += $2} END {print s + 0}' "$TF/tlsmon.prom"; }
	total_at_least() { [ "$(total)" -ge "$1" ]; }
	wait_for 15 total_at_least 11
	ok $? "the file counts 11 handshakes ($(total))"
	sleep 1.2	# one more write: nothing else arrives

	if nodeexp_start "$TF" "$DIR/node_exporter.log" "$LAB_NS_CLI"; then
		pass "node_exporter on the client namespace's loopback serves the directory"
	else
		fail "node_exporter on the client namespace's loopback serves the directory" \
			"$(tail -n 5 "$DIR/node_exporter.log")"
	fi
	nodeexp_get >"$DIR/metrics.txt"
	nodeexp_stop

	py_tap python3 - "$DIR/metrics.txt" "$TF" <<'EOF'
import sys
sys.path.insert(0, "tests/lib")
from promtext import parse, Tap
t = Tap()
m = parse(open(sys.argv[1]).read())
tf = sys.argv[2]

def get(name, suffix="", **want):
    f = m.get(name)
    if f is None:
        return None
    total = None
    for lab, v in f.series(suffix).items():
        d = dict(lab)
        if all(d.get(k, "") == w for k, w in want.items()):
            total = (total or 0) + v
    return total

t.eq(get("node_textfile_scrape_error"), 0.0, "node_exporter: no textfile scrape error")
t.ok(get("node_textfile_mtime_seconds", file=tf + "/tlsmon.prom") is not None
     or get("node_textfile_mtime_seconds", file="tlsmon.prom") is not None,
     "node_exporter: the file's mtime")
t.eq(get("tlsmon_build_info"), 1.0, "tlsmon_build_info")
H = "tlsmon_handshakes_total"
t.eq(get(H), 11.0, "11 handshakes")
# the lab speaks TLS over TCP only: every handshake series says so
t.eq(get(H, transport="tcp"), 11.0, "11 handshakes with transport tcp")
hs_fams = ("tlsmon_handshakes_total", "tlsmon_handshake_failures_total", "tlsmon_alerts_total",
           "tlsmon_negotiated_total", "tlsmon_server_handshakes_total", "tlsmon_sni_handshakes_total",
           "tlsmon_client_handshakes_total", "tlsmon_ja4_handshakes_total",
           "tlsmon_server_ja4_handshakes_total", "tlsmon_handshake_duration_seconds",
           "tlsmon_server_hello_latency_seconds")
notcp = []
for f in hs_fams:
    for n, l, v in m[f].samples:
        tr = dict(l).get("transport")
        if tr != "tcp" and not (tr == "quic" and v == 0):
            notcp.append((n, dict(l), v))
t.eq(notcp[:3], [], "every handshake series has transport tcp (quic histograms empty)")
t.eq(get(H, outcome="established", version="TLSv1.3"), 5.0, "5 established TLSv1.3 (A)")
t.eq(get(H, outcome="established", version="TLSv1.2"), 1.0, "1 established TLSv1.2 (B)")
t.eq(get(H, outcome="failed", version=""), 5.0, "5 failed before a ServerHello")
F = "tlsmon_handshake_failures_total"
t.eq(get(F, reason="no_shared_cipher", server="10.77.3.2", sni="b.lab.test"), 2.0,
     "failures: no_shared_cipher at B for b.lab.test: 2")
t.eq(get(F, reason="version_mismatch", server="10.77.2.2", sni="a.lab.test"), 2.0,
     "failures: version_mismatch at A for a.lab.test: 2")
# B's profile (curl succeeded there first) and A's protocol_version say so: confirmed
t.eq(get(F, reason="no_shared_cipher", server="10.77.3.2", confidence="confirmed"), 2.0,
     "failures: no_shared_cipher at B confirmed (B's own profile): 2")
t.eq(get(F, reason="version_mismatch", server="10.77.2.2", confidence="confirmed"), 2.0,
     "failures: version_mismatch at A confirmed (protocol_version): 2")
t.eq(get(F, confidence="likely"), None, "failures: none only likely")
t.eq(get(F, reason="unrecognized_name", server="10.77.2.2", sni="other.lab.test"), 1.0,
     "failures: unrecognized_name at A for other.lab.test: 1")
t.eq(get(F), 5.0, "failures: 5 in all")
S = "tlsmon_server_handshakes_total"
for srv, port, oc, n in (("10.77.2.2", "443", "established", 5), ("10.77.3.2", "443", "established", 1),
                         ("10.77.3.2", "443", "failed", 2), ("10.77.2.2", "4410", "failed", 2),
                         ("10.77.2.2", "4415", "failed", 1)):
    t.eq(get(S, server=srv, port=port, outcome=oc), float(n), "servers: %s:%s %s %d" % (srv, port, oc, n))
N = "tlsmon_sni_handshakes_total"
for sni, oc, n in (("a.lab.test", "established", 5), ("a.lab.test", "failed", 2),
                   ("b.lab.test", "established", 1), ("b.lab.test", "failed", 2),
                   ("other.lab.test", "failed", 1)):
    t.eq(get(N, sni=sni, outcome=oc), float(n), "sni: %s %s %d" % (sni, oc, n))
C = "tlsmon_client_handshakes_total"
t.eq(get(C, client="10.77.1.2", outcome="established"), 6.0, "clients: 10.77.1.2 established 6")
t.eq(get(C, client="10.77.1.2", outcome="failed"), 5.0, "clients: 10.77.1.2 failed 5")
A = "tlsmon_alerts_total"
for d, n in (("protocol_version", 2), ("handshake_failure", 2), ("unrecognized_name", 1)):
    t.eq(get(A, sender="server", level="fatal", description=d), float(n), "alerts: server fatal %s %d" % (d, n))
G = "tlsmon_negotiated_total"
t.eq(get(G, version="TLSv1.3"), 5.0, "negotiated: TLSv1.3 5")
t.eq(get(G, version="TLSv1.2", cipher="TLS_RSA_WITH_AES_256_CBC_SHA"), 1.0,
     "negotiated: TLSv1.2 TLS_RSA_WITH_AES_256_CBC_SHA 1")
# the fingerprint B refuses is one A accepts
J = "tlsmon_server_ja4_handshakes_total"
fb = [dict(l) for l, v in m[J].series().items() if dict(l)["server"] == "10.77.3.2"
      and dict(l)["outcome"] == "failed"]
t.eq(len(fb), 1, "server_ja4: one fingerprint fails at B")
if fb:
    ja4 = fb[0]["ja4"]
    t.ok(ja4.startswith("t13d"), "server_ja4: it is a TLS 1.3 client's (%s)" % ja4)
    t.eq(get(J, server="10.77.3.2", ja4=ja4, outcome="failed"), 2.0, "server_ja4: B fails it twice")
    t.eq(get(J, server="10.77.2.2", ja4=ja4, outcome="established"), 2.0, "server_ja4: A accepts it twice")
    t.eq(get(J, server="10.77.2.2", ja4=ja4, outcome="failed"), None, "server_ja4: A never fails it")
    t.eq(get("tlsmon_ja4_handshakes_total", ja4=ja4), 4.0, "ja4: 4 handshakes of it")
D = "tlsmon_handshake_duration_seconds"
t.eq(get(D, "_count", outcome="established"), 6.0, "duration histogram: 6 established")
t.eq(get(D, "_count", outcome="failed"), 5.0, "duration histogram: 5 failed")
t.eq(get(D, "_bucket", outcome="established", le="+Inf"), 6.0, "duration: +Inf bucket = count")
t.ok(0 < get(D, "_sum", outcome="established") < 6 * 5, "duration: sum of 6 plausible handshakes")
b = sorted((float(dict(l)["le"]), v) for l, v in m[D].series("_bucket").items()
           if dict(l)["outcome"] == "failed" and dict(l)["transport"] == "tcp")
t.ok(all(b[i][1] <= b[i + 1][1] for i in range(len(b) - 1)), "duration: buckets cumulative")
t.eq(get("tlsmon_server_hello_latency_seconds", "_count", outcome="established"), 6.0,
     "ServerHello latency: 6 established")
t.eq(get("tlsmon_ringbuf_drops_total"), 0.0, "no ring-buffer drops")
t.ok((get("tlsmon_events_total") or 0) >= 11, "events counted")
t.ok((get("tlsmon_datapath_packets_total") or 0) > 50, "packets counted")
t.eq(get("tlsmon_series_folded_total"), 0.0, "nothing folded")
EOF

	kill -TERM $TPID
	wait $TPID
	ok $? "tlsmon exits 0 on SIGTERM"
	promtool_ok "the final file is valid" "$TF/tlsmon.prom"
	[ "$(total)" = 11 ]
	ok $? "the final file still counts 11"
	touch "$DIR/snap.stop"
	wait $SNAP 2>/dev/null

	n=0 bad=()
	for s in "$DIR"/snap/*.prom; do
		[ -f "$s" ] || continue
		n=$((n + 1))
		out=$(promtool check metrics <"$s" 2>&1) && [ -z "$out" ] || bad+=("$(basename "$s"): $out")
	done
	[ $n -ge 3 ] && [ ${#bad[@]} -eq 0 ]
	ok $? "promtool accepts every file written ($n, ${#bad[@]} refused)" "${bad[@]:0:3}"
	py_tap python3 - "$DIR"/snap/*.prom <<'EOF'
import sys
sys.path.insert(0, "tests/lib")
from promtext import parse, Tap
t = Tap()
prev, down, gone = None, [], []
for path in sys.argv[1:]:
    fams = parse(open(path).read())
    cur = {(n, l): v for f in fams.values() if f.type in ("counter", "histogram")
           for n, l, v in f.samples}
    if prev:
        for k, v in prev.items():
            if k not in cur:
                gone.append((path, k))
            elif cur[k] < v:
                down.append((path, k, v, cur[k]))
    prev = cur
t.eq(down[:3], [], "no counter goes down from one file to the next (%d files)" % len(sys.argv[1:]))
t.eq(gone[:3], [], "no counter series disappears")
EOF

}

ALL_TESTS="test_missing_dir test_handshakes_served"
e2e_run
