#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tlsmon's JSON records in FILE, one per line, sorted, each without what
only the clock or the source names: live, the times are the kernel's, the
interface is the one watched and the local program is known ("local"); read
from a capture, they are the capture's timestamps and its path, and "local"
is null.  Two runs over the same packets, live and offline,
must print the same lines: every other field agrees.

usage: records_norm.py FILE
"""
import json
import sys

SKIP = {"ts", "id", "record_id", "interface", "latency_ms", "waited_s", "local"}


def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in SKIP and not k.endswith("_ms")}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o


rows = []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if line.startswith("{"):
            rows.append(json.dumps(strip(json.loads(line)), sort_keys=True))
print("\n".join(sorted(rows)))
