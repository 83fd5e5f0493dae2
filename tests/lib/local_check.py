#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""What tests/e2e/test_process.sh checks in tlsmon's records: each
expected client or server run (a JSON line: its pid, comm, exe, cgroup and
its id, side,
the server port it used, the outcome, and the pids allowed, for nginx's
master and worker) has exactly one record naming that process, with those
fields; records of connections made before tlsmon started have "local":
null.  Usage: local_check.py RECORDS EXPECT [NULL_PORTS]."""
import json
import sys

sys.path.insert(0, sys.path[0])
from promtext import Tap  # noqa: E402


def load(path):
    return [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]


def main():
    t = Tap()
    recs = load(sys.argv[1])
    expect = load(sys.argv[2])
    null_ports = [int(p) for p in sys.argv[3].split(",") if p] if len(sys.argv) > 3 else []
    t.ok(all("local" in r for r in recs), "every record has a \"local\" key")
    for e in expect:
        pids = e.get("pids") or [e["pid"]]
        mine = [r for r in recs if r.get("local") and r["local"]["pid"] in pids
                and r["server_port"] == e["server_port"]]
        name = "%s (%s, port %d)" % (e["what"], e["side"], e["server_port"])
        if not t.ok(len(mine) == 1, name + ": one record names it",
                    "records: %r" % [(r["client_port"], r["server_port"], r.get("local"))
                                     for r in recs]):
            continue
        r = mine[0]
        loc = r["local"]
        for k in ("comm", "exe", "cgroup", "cgroup_id", "side"):
            if k in e:
                t.eq(loc[k], e[k], "%s: local.%s" % (name, k))
        t.ok(loc["uid"] == 0 and loc["cgroup_id"] > 0 and loc["tid"] > 0,
             name + ": uid, tid and cgroup_id set", repr(loc))
        if "client_port" in e:
            t.eq(r["client_port"], e["client_port"], name + ": the client port it used")
        if "outcome" in e:
            t.eq(r["outcome"], e["outcome"], name + ": outcome")
    for p in null_ports:
        mine = [r for r in recs if r["client_port"] == p]
        t.ok(len(mine) == 1 and mine[0]["local"] is None,
             "the connection made before tlsmon started (port %d): \"local\": null" % p,
             repr(mine))
    return 0


if __name__ == "__main__":
    sys.exit(main())
