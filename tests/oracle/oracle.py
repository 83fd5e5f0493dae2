# SPDX-License-Identifier: BSD-3-Clause
"""
What the oracle suites share: where the corpus and the binary are, TAP
output, and tlsmon's records for a capture (the real binary: tlsmon --read
FILE --json).
"""
import json
import os
import subprocess
import sys

CORPUS = os.environ.get("TLSMON_CORPUS", "../shared/corpus")
BIN = os.environ.get("TLSMON_BIN", ".output/tlsmon")

_n = 0
_failed = 0


def tap(ok, name, detail=""):
    """One TAP result; a failure's detail follows as comment lines."""
    global _n, _failed
    _n += 1
    print(f"ok {_n} - {name}" if ok else f"not ok {_n} - {name}")
    if not ok:
        _failed += 1
        for line in detail.splitlines():
            print(f"#   {line}")


def records(capture):
    """tlsmon's JSON records for a capture; an error if tlsmon fails on it."""
    p = subprocess.run([BIN, "--read", capture, "--json"], capture_output=True, text=True,
                       timeout=120)
    if p.returncode:
        raise RuntimeError(f"tlsmon --read {capture} exited {p.returncode}: {p.stderr[-500:]}")
    return [json.loads(l) for l in p.stdout.splitlines() if l.strip()]


def records_or_fail(capture, name):
    """records(capture), or None after a failed TAP result NAME saying why."""
    try:
        return records(capture)
    except Exception as e:  # noqa: BLE001 - reported as a failure
        tap(False, name, str(e))
        return None


def find(recs, a, ap, b=None, bp=None):
    """The record of client a:ap, or with b:bp given, of the connection between
    a:ap and b:bp whichever side is the client; None if there is none."""
    for r in recs:
        if r["client"] == a and r["client_port"] == ap and (b is None or (
                r["server"] == b and r["server_port"] == bp)):
            return r
        if b is not None and r["client"] == b and r["client_port"] == bp and \
                r["server"] == a and r["server_port"] == ap:
            return r
    return None


def main(*suites):
    """Run each suite (a function calling tap()), print the plan, exit 1 on a failure."""
    if not os.path.isdir(CORPUS):
        print(f"1..1\nok 1 # SKIP no corpus at {CORPUS} (set TLSMON_CORPUS)")
        sys.exit(0)
    for s in suites:
        s()
    print(f"1..{_n}")
    sys.exit(1 if _failed else 0)
