#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""What the kernel says about a running tlsmon, for scripts/bench.sh.

usage: bpfinfo.py snap NETNS DEV
  One JSON object on stdout: the programs attached to DEV in NETNS (XDP and
  TC/TCX) with their run counts and run time (non-zero only while BPF
  statistics are on: bench/bench_stats.c), and tlsmon's per-CPU counters
  summed, read from the "counters" map those programs use.
"""
import json
import subprocess
import sys


def bpftool(*args, ns=None):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + ["bpftool", "-j", *args]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=30).stdout
    return json.loads(out) if out.strip() else None


def attached(ns, dev):
    ids = []
    for entry in bpftool("net", "show", "dev", dev, ns=ns) or []:
        for x in entry.get("xdp", []):
            ids.append(x["id"])
        for kind in ("tc", "tcx"):
            for t in entry.get(kind, []):
                pid = t.get("prog_id", t.get("id"))
                if pid is not None:
                    ids.append(pid)
    return sorted(set(ids))


def counters(map_ids):
    for mid in map_ids:
        m = bpftool("map", "show", "id", str(mid))
        if m and m.get("name") == "counters":
            sums = {}
            for e in bpftool("map", "dump", "id", str(mid)) or []:
                f = e.get("formatted", {})
                sums[f["key"]] = sum(v["value"] for v in f["values"])
            return sums
    return {}


def snap(ns, dev):
    progs, map_ids = [], []
    for pid in attached(ns, dev):
        p = bpftool("prog", "show", "id", str(pid))
        progs.append({"id": pid, "name": p.get("name"), "run_cnt": p.get("run_cnt", 0),
                      "run_time_ns": p.get("run_time_ns", 0)})
        if p.get("name", "").startswith("tlsmon"):
            map_ids = map_ids or p.get("map_ids", [])
    return {"progs": progs, "counters": counters(map_ids)}


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "snap":
        print(json.dumps(snap(sys.argv[2], sys.argv[3])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
