#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# contrib/: the Prometheus rules load (promtool check rules) and behave
# (promtool test rules on contrib/prometheus/tests/*.test.yml); the Grafana
# dashboard is valid JSON whose every query is valid PromQL (promtool checks
# them as rules); and every metric the rules and the dashboard name is one
# that a real tlsmon writes and a real node_exporter serves (or a recording
# rule of ours), so a renamed metric cannot leave a silent panel or an alert
# that never fires.
. "$(dirname "$0")/../lib/e2e.sh"
set -o pipefail
PCAP=$CORPUS/ja4/latest.pcapng
RULES=contrib/prometheus/tlsmon.rules.yml
DASH=contrib/grafana/tlsmon.json
E2E_NEEDS="tlsmon node-exporter"
E2E_TOOLS="promtool python3 curl"
E2E_FILES=$PCAP

# the rules load and pass their unit tests
test_rules() {
	out=$(promtool check rules "$RULES" 2>&1)
	ok $? "promtool check rules $RULES" "$out"
	n=0
	for t in contrib/prometheus/tests/*.test.yml; do
		out=$(promtool test rules "$t" 2>&1)
		ok $? "promtool test rules $t" "$(head -n 20 <<<"$out")"
		n=$((n + 1))
	done
	[ $n -gt 0 ]
	ok $? "rule unit tests found ($n)"
}

# the dashboard's queries, as recording rules promtool can check
test_dashboard() {
	python3 - "$DASH" "$DIR/dash.rules.yml" >"$DIR/dash.err" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
out = ["groups:", "  - name: dashboard", "    rules:"]
for p in d["panels"]:
    for t in p.get("targets", []):
        e = t["expr"]
        for var, val in (("$__rate_interval", "5m"), ("$__range", "1h"), ("$instance", ".*"),
                         ("$server", ".*")):
            e = e.replace(var, val)
        out.append("      - record: panel_%d_%s" % (p["id"], t["refId"]))
        out.append("        expr: %s" % json.dumps(e))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
EOF
	ok $? "the dashboard is JSON with queries" "$(cat "$DIR/dash.err")"
	out=$(promtool check rules "$DIR/dash.rules.yml" 2>&1)
	ok $? "every dashboard query is valid PromQL ($(grep -c 'record:' "$DIR/dash.rules.yml"))" "$out"

	py_tap python3 - "$DASH" <<'EOF'
import json, sys
sys.path.insert(0, "tests/lib")
from promtext import Tap
t = Tap()
d = json.load(open(sys.argv[1]))
panels = d["panels"]
ids = [p["id"] for p in panels]
t.eq(len(ids), len(set(ids)), "panel ids unique")
q = [p for p in panels if p["type"] != "row"]
t.ok(all(p.get("targets") and all(x.get("expr") for x in p["targets"]) for p in q),
     "every panel has queries")
t.ok(all(p["datasource"]["uid"] == "${datasource}" and
         all(x["datasource"]["uid"] == "${datasource}" for x in p["targets"]) for p in q),
     "every query uses the datasource variable (portable)")
t.ok(all(0 <= p["gridPos"]["x"] and p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in panels),
     "panels fit the 24-column grid")
v = {x["name"] for x in d["templating"]["list"]}
t.ok({"datasource", "instance", "server"} <= v, "variables datasource, instance, server")
t.ok(all('instance=~"$instance"' in x["expr"] for p in q for x in p["targets"]
         if "time()" not in x["expr"] or "tlsmon_" in x["expr"]),
     "every query follows the instance selection")
EOF
}

# the names a real tlsmon writes and a real node_exporter serves
test_metric_names() {
	mkdir -p "$DIR/tf"
	"$BIN" --read "$PCAP" --textfile-dir "$DIR/tf" >/dev/null 2>"$DIR/tlsmon.err"
	ok $? "tlsmon writes a textfile from $(basename "$PCAP")" "$(tail -n 3 "$DIR/tlsmon.err")"
	if nodeexp_start "$DIR/tf" "$DIR/node_exporter.log"; then
		nodeexp_get >"$DIR/metrics.txt"
		pass "node_exporter serves it"
	else
		fail "node_exporter serves it" "$(tail -n 5 "$DIR/node_exporter.log")"
	fi
	nodeexp_stop
	# node_exporter leaves out a family without samples (no failure in that
	# capture): the file's own HELP lines name those
	py_tap python3 - "$DIR/metrics.txt" "$DIR/tf/tlsmon.prom" "$RULES" "$DASH" <<'EOF'
import json, re, sys
sys.path.insert(0, "tests/lib")
from promtext import parse, Tap
t = Tap()
have = set()
for path in sys.argv[1:3]:
    for f in parse(open(path).read()).values():
        have.add(f.name)
        have.update(n for n, _, _ in f.samples)
        if f.type == "histogram":
            have.update(f.name + s for s in ("_bucket", "_sum", "_count"))
t.ok("tlsmon_handshakes_total" in have and "node_textfile_scrape_error" in have,
     "tlsmon's and node_exporter's names (%d)" % len(have))
rules = open(sys.argv[3]).read()
recorded = set(re.findall(r"record:\s*(\S+)", rules))
dash = json.load(open(sys.argv[4]))
exprs = [("rules", rules)] + [("panel %d %s" % (p["id"], p["title"]),
                               "\n".join(x["expr"] for x in p["targets"]))
                              for p in dash["panels"] if p.get("targets")]
exprs += [("variable " + v["name"], v["definition"]) for v in dash["templating"]["list"]
          if v.get("definition")]
name = re.compile(r"\b(?:tlsmon_[a-z0-9_]+|node_[a-z0-9_]+|[a-z_]+:[a-z0-9_]+:[a-z0-9_]+)\b")
for where, text in exprs:
    missing = sorted({m for m in name.findall(text)
                      if m not in have and m not in recorded and m != "node_exporter"})
    t.eq(missing, [], "%s: every metric exists" % where)
used = {m for _, text in exprs for m in name.findall(text)}
t.eq(sorted(recorded - used - {m for m in recorded if m.startswith("server:")}), [],
     "every per-host recording rule is used")
EOF

}

ALL_TESTS="test_rules test_dashboard test_metric_names"
e2e_run
