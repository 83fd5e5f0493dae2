#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole metrics path with a real Prometheus: tlsmon on the lab client's
# interface writes tlsmon.prom every second, a prometheus-node-exporter reads
# it with its textfile collector, and Debian's prometheus server (its own
# data directory, a free loopback port, 1 s scrape and evaluation intervals)
# scrapes that node_exporter with contrib/prometheus/tlsmon.rules.yml loaded.
# Backend B then fails clients it shares no cipher with (the field report's
# case: B's old cipher list, the lab's python client's modern one) while A
# keeps serving; the test polls Prometheus' HTTP API (bounded) until
# TLSHandshakeFailureRatioHigh fires for B, and only for B, and checks what
# the recording rules return for both servers.
. "$(dirname "$0")/../lib/e2e.sh"
set -o pipefail
E2E_NEEDS="root tlsmon lab node-exporter"
E2E_TOOLS="openssl curl python3 nginx prometheus promtool"

# the longest the test waits for Prometheus to see what happened
PROM_WAIT=${PROM_WAIT:-90}
PROM_URL=
PROM_PID=

# the rules Prometheus loads: contrib's file with only the `for:` durations
# shortened.  TLSHandshakeFailureRatioHigh holds for 10 minutes before it
# fires, too long for a bounded test; every expression, label and annotation
# stays the real file's, and the test checks that the copy differs in `for:`
# lines only.  10 s still makes the alert pend before it fires.
make_rules() {
	sed -E 's/^( +)for: .*/\1for: 10s/' contrib/prometheus/tlsmon.rules.yml >"$DIR/tlsmon.rules.yml"
}

prom_start() {
	local port target=${NE_URL#http://}
	port=$(free_port) || return 1
	PROM_URL=http://127.0.0.1:$port
	cat >"$DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $DIR/tlsmon.rules.yml
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['${target%/metrics}']
EOF
	# bounded: the runner ends it by PID, timeout does if that never happens
	e2e_bg timeout -k 2 600 prometheus --config.file="$DIR/prometheus.yml" \
		--storage.tsdb.path="$DIR/data" --web.listen-address="127.0.0.1:$port" \
		--log.level=warn >"$DIR/prometheus.log" 2>&1
	PROM_PID=$E2E_PID
	wait_for 30 curl -sf --max-time 2 "$PROM_URL/-/ready"
}

# prom_query EXPR: the API's JSON answer for an instant query
prom_query() {
	curl -sf --max-time 5 -G "$PROM_URL/api/v1/query" --data-urlencode "query=$1"
}

# prom_has EXPR: the query returns at least one series
prom_has() {
	prom_query "$1" | python3 -c 'import json, sys; sys.exit(not json.load(sys.stdin)["data"]["result"])'
}

setup() {
	TF=$DIR/tf
	chmod 711 "$DIR"	# tlsmon writes the textfile as nobody, after its privilege drop
	install -d -o nobody "$TF"
	lab_tlsmon "$DIR/records.json" "$DIR/tlsmon.err" --json --textfile-dir "$TF" \
		--textfile-interval 1 ||
		tap_skip_all "tlsmon does not attach: $(cat "$DIR/tlsmon.err")"
}

test_rules_copy() {
	make_rules
	local d
	d=$(diff contrib/prometheus/tlsmon.rules.yml "$DIR/tlsmon.rules.yml" | grep '^[<>]' |
		grep -Ev '^[<>] +for: ')
	[ -z "$d" ] && ! cmp -s contrib/prometheus/tlsmon.rules.yml "$DIR/tlsmon.rules.yml"
	ok $? "the rules loaded are contrib's with only their for: shortened" "$d"
	out=$(promtool check rules "$DIR/tlsmon.rules.yml" 2>&1)
	ok $? "promtool accepts them" "$out"
}

test_alert_fires() {
	[ -f "$DIR/tlsmon.rules.yml" ] || make_rules
	if nodeexp_start "$TF" "$DIR/node_exporter.log"; then
		e2e_track "$NE_PID"
		pass "node_exporter serves the textfile directory"
	else
		fail "node_exporter serves the textfile directory" "$(tail -n 5 "$DIR/node_exporter.log")"
		return
	fi
	if prom_start; then
		pass "prometheus is ready on $PROM_URL"
	else
		fail "prometheus is ready" "$(tail -n 10 "$DIR/prometheus.log")"
		return
	fi

	# A and B serve, and B fails once: every series the rules read exists
	# before the burst, so rate() sees the burst whole (a counter's first
	# sample is where its rate starts)
	lab_curl https://a.lab.test/ -4 -o /dev/null
	ok $? "curl at A: established"
	lab_curl https://b.lab.test/ -4 -o /dev/null
	ok $? "curl at B: established"
	out=$(lab_python b.lab.test 443 1 --addr "$LAB_B4" 2>&1)
	grep -q ' fail SSLV3_ALERT_HANDSHAKE_FAILURE' <<<"$out"
	ok $? "python at B: refused, no shared cipher" "$out"
	wait_for 20 prom_has 'tlsmon_server_handshakes_total{server="10.77.3.2",outcome="failed"}'
	ok $? "Prometheus has B's failure" "$(prom_query 'tlsmon_server_handshakes_total')"

	# the burst, spread over a few scrapes: 30 refused at B, 6 served at A
	# (at least 16 handshakes at a server are needed for the alert's
	# 3-a-minute floor over 5 minutes)
	n=0
	for i in 1 2 3 4 5 6; do
		out=$(lab_python b.lab.test 443 5 --addr "$LAB_B4" 2>&1)
		n=$((n + $(grep -c ' fail SSLV3_ALERT_HANDSHAKE_FAILURE' <<<"$out")))
		lab_curl https://a.lab.test/ -4 -o /dev/null
		sleep 0.5
	done
	ok $((n != 30)) "python at B: 30 refused ($n)"

	py_tap python3 - "$PROM_URL" "$NE_URL" "$PROM_WAIT" <<'EOF'
import json, sys, time, urllib.parse, urllib.request
sys.path.insert(0, "tests/lib")
from promtext import Tap
t = Tap()
url, ne_url, wait = sys.argv[1], sys.argv[2], float(sys.argv[3])
instance = urllib.parse.urlsplit(ne_url).netloc
A, B = "10.77.2.2", "10.77.3.2"
ALERT = "TLSHandshakeFailureRatioHigh"

def api(path, **params):
    q = urllib.parse.urlencode(params)
    with urllib.request.urlopen("%s/api/v1/%s?%s" % (url, path, q), timeout=5) as r:
        d = json.load(r)
    if d.get("status") != "success":
        raise RuntimeError("%s: %r" % (path, d))
    return d["data"]

def query(expr):
    return {tuple(sorted(s["metric"].items())): float(s["value"][1])
            for s in api("query", query=expr)["result"]}

def ratio_alerts():
    return [a for a in api("alerts")["alerts"] if a["labels"].get("alertname") == ALERT]

# bounded: the alert fires within the wait, or the test fails
seen, deadline, firing = set(), time.monotonic() + wait, None
while time.monotonic() < deadline:
    al = ratio_alerts()
    for a in al:
        seen.add((a["labels"].get("server"), a["state"]))
    firing = [a for a in al if a["state"] == "firing" and a["labels"].get("server") == B]
    if firing:
        break
    time.sleep(0.5)
t.ok(firing, "%s fires for B (%s) within %d s" % (ALERT, B, wait),
     "states seen: %r" % sorted(seen), "alerts: %r" % api("alerts")["alerts"])
t.ok((B, "pending") in seen, "it pended first (for:)", "states seen: %r" % sorted(seen))
t.ok(not [s for s in seen if s[0] != B], "it never pends or fires for another server",
     "states seen: %r" % sorted(seen))
if firing:
    a = firing[0]
    t.eq(a["labels"].get("instance"), instance, "the alert names the host (instance)")
    t.eq(a["labels"].get("severity"), "warning", "the alert's severity")
    t.ok(B in a["annotations"].get("summary", ""), "its summary names the server",
         a["annotations"])

# every rule evaluates without error
bad = [(r["name"], r.get("lastError")) for g in api("rules")["groups"]
       for r in g["rules"] if r.get("health") != "ok"]
names = {g["name"] for g in api("rules")["groups"]}
t.eq(sorted(names), ["tlsmon.alerts", "tlsmon.recording"], "both rule groups loaded")
t.eq(bad, [], "every rule evaluates")

def by_server(name):
    return {dict(k).get("server"): (dict(k), v) for k, v in query(name).items()}

R = by_server("instance_server:tlsmon_handshakes:rate5m")
t.eq(sorted(R), [A, B], "handshakes:rate5m: A and B")
t.ok(all(v > 0 for _, v in R.values()), "handshakes:rate5m: both above 0", R)
t.ok(all(l.get("instance") == instance for l, _ in R.values()),
     "handshakes:rate5m: by instance", R)
F = by_server("instance_server:tlsmon_handshake_failures:rate5m")
t.eq(F.get(A, (0, None))[1], 0.0, "failures:rate5m: 0 for A, which never failed")
t.ok(F.get(B, (0, 0))[1] > 0, "failures:rate5m: above 0 for B", F)
Q = by_server("instance_server:tlsmon_handshake_failures:ratio_rate5m")
t.eq(Q.get(A, (0, None))[1], 0.0, "failures:ratio_rate5m: 0 for A")
# every handshake at B since its series began failed
t.ok(0.9 < Q.get(B, (0, 0))[1] <= 1.0, "failures:ratio_rate5m: above 0.9 for B", Q)
S = by_server("server:tlsmon_handshake_failures:ratio_rate5m")
t.ok(0.9 < S.get(B, ({}, 0))[1] <= 1.0 and "instance" not in S.get(B, ({}, 0))[0],
     "server:...ratio_rate5m: B across hosts", S)
t.eq(S.get(A, (0, None))[1], 0.0, "server:...ratio_rate5m: 0 for A")
W = {dict(k).get("reason"): v for k, v in
     query("instance_reason:tlsmon_handshake_failures:rate5m").items()}
t.eq(sorted(W), ["no_shared_cipher"], "failures by reason: no_shared_cipher only")
t.ok(W.get("no_shared_cipher", 0) > 0, "failures by reason: its rate above 0", W)
EOF
	curl -sf "$PROM_URL/api/v1/alerts" >"$DIR/alerts.json"
}

teardown() {
	# stopped here, by PID, so that a failure's logs are complete; the
	# runner ends whatever is left
	[ -n "$PROM_PID" ] && kill -TERM "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
	nodeexp_stop
	return 0
}

ALL_TESTS="test_rules_copy test_alert_fires"
e2e_run
