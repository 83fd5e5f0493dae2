#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check what tlsmon reported of a ClientHello that stalled after its start.

usage: partial_hello_check.py EXPECT RECORDS PROM OUTCOME [TIMEOUT]
  EXPECT   a JSON object per line, what each stalled hello was (the SNI, or
           null when its bytes did not reach it; its length and the bytes of
           it sent, without the record header; the addresses), as
           tests/lib/partial_hello_pcap.py prints it
  RECORDS  tlsmon --json output
  PROM     tlsmon's textfile
  OUTCOME  "failed": settled after the handshake timeout (then TIMEOUT, the
           seconds of --handshake-timeout, bounds waited_s from below);
           "unknown": the input ended first
Prints "ok - NAME" / "not ok - NAME" lines (tests/lib/prom.sh's py_tap).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from promtext import parse  # noqa: E402


def main():
    if len(sys.argv) not in (5, 6):
        raise SystemExit(__doc__)
    expect = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    records = [json.loads(line) for line in open(sys.argv[2]) if line.startswith("{")]
    prom = parse(open(sys.argv[3]).read())
    outcome = sys.argv[4]
    timeout = float(sys.argv[5]) if len(sys.argv) == 6 else 0.0
    bad = 0

    def check(cond, name, detail=""):
        nonlocal bad
        print(("ok - " if cond else "not ok - ") + name)
        if not cond:
            bad += 1
            if detail:
                print("#   " + str(detail)[:600])

    def metric(name, **want):
        fam = prom.get(name)
        if not fam:
            return None
        return sum(v for lab, v in fam.series().items()
                   if all(dict(lab).get(k) == w for k, w in want.items()))

    for e in expect:
        who = "%s:%d" % (e["client"], e["client_port"])
        mine = [r for r in records if r.get("client") == e["client"] and
                r.get("client_port") == e["client_port"] and r.get("server") == e["server"] and
                r.get("server_port") == e["server_port"]]
        check(len(mine) == 1, "%s: one record of the stalled hello" % who, mine or records)
        if len(mine) != 1:
            continue
        r = mine[0]
        ev = r.get("evidence") or {}
        check(r["outcome"] == outcome, "%s: outcome %s" % (who, outcome), r)
        if outcome == "failed":
            check(r["reason"] == "client_hello_incomplete", "%s: reason client_hello_incomplete"
                  % who, r)
            check(ev.get("waited_s", 0) >= timeout, "%s: waited at least the timeout" % who, ev)
        else:
            check(r["reason"] is None, "%s: no reason while unsettled" % who, r)
        check(r["sni"] == e["sni"], "%s: SNI %s" % (who, e["sni"]), r.get("sni"))
        check(ev.get("client_hello_incomplete") is True and
              ev.get("client_hello_bytes") == e["client_hello_bytes"] and
              ev.get("client_hello_length") == e["client_hello_length"],
              "%s: evidence: client_hello_incomplete, %d of %d bytes" %
              (who, e["client_hello_bytes"], e["client_hello_length"]), ev)
        check(r.get("ja4") is None and r.get("ja4_missing") == "client_hello_incomplete",
              "%s: no fingerprint of a part" % who, r.get("ja4"))
    n = len(expect)
    check(len(records) == n, "no other record", [r.get("client_port") for r in records])
    check(metric("tlsmon_client_hello_incomplete_total") == n,
          "tlsmon_client_hello_incomplete_total %d" % n,
          metric("tlsmon_client_hello_incomplete_total"))
    check(metric("tlsmon_reassembly_incomplete_total") == n,
          "tlsmon_reassembly_incomplete_total %d" % n, metric("tlsmon_reassembly_incomplete_total"))
    timeouts = n if outcome == "failed" else 0
    check(metric("tlsmon_handshake_timeouts_total") == timeouts,
          "tlsmon_handshake_timeouts_total %d" % timeouts,
          metric("tlsmon_handshake_timeouts_total"))
    failures = metric("tlsmon_handshake_failures_total", reason="client_hello_incomplete") or 0
    check(failures == (n if outcome == "failed" else 0),
          "tlsmon_handshake_failures_total{reason=\"client_hello_incomplete\"}", failures)
    check(metric("tlsmon_reassembly_streams") == 0 and
          metric("tlsmon_reassembly_buffered_bytes") == 0,
          "reassembly holds nothing after: streams 0, buffered bytes 0",
          (metric("tlsmon_reassembly_streams"), metric("tlsmon_reassembly_buffered_bytes")))
    check(metric("tlsmon_connections_open") == 0, "no connection left open",
          metric("tlsmon_connections_open"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
