#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Where inside tlsmon's programs the time goes, by source line, for scripts/bench.sh.

usage: bpflines.py LINES PERF_DATA [N]
  LINES: `bench_pkt --lines` of the run perf recorded (where the JIT put each
  source line of tlsmon_xdp and its functions).  PERF_DATA: `perf record -g`
  of that run.  Of the samples taken inside the program runs (bpf_test_run
  in the call chain), each is charged to a line of tlsmon's source: the line
  it was taken in, or, taken in a helper or the kernel code a helper calls
  (the ring buffer, a copy, the clock), the line that called it.  Prints the
  N lines with the largest shares (default 15), tab-separated: share of the
  samples inside the runs, the part of it spent in helpers, FILE:LINE, the
  source; then the samples inside the runs outside tlsmon's code (the
  harness, the empty program) as one line, and "samples" with their number.
"""
import bisect
import collections
import subprocess
import sys


def load_lines(path):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t", 2)
            if len(parts) == 3:
                rows.append((int(parts[0], 16), parts[1], parts[2]))
    rows.sort()
    return rows


def samples(data):
    """Each sample's call chain, leaf first, as (address, symbol) pairs."""
    out = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym"], capture_output=True,
                         text=True, check=True).stdout
    chain = []
    for line in out.splitlines():
        parts = line.split(None, 1)
        if not parts:
            if chain:
                yield chain
            chain = []
            continue
        try:
            chain.append((int(parts[0], 16), parts[1] if len(parts) > 1 else ""))
        except ValueError:
            continue
    if chain:
        yield chain


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rows = load_lines(sys.argv[1])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    if not rows:
        sys.exit("bpflines: no line table in " + sys.argv[1])
    addrs = [r[0] for r in rows]
    total = outside = 0
    by_line = collections.Counter()
    in_helpers = collections.Counter()

    def line_of(addr):
        i = bisect.bisect_right(addrs, addr) - 1
        return rows[i] if i >= 0 else None

    for chain in samples(sys.argv[2]):
        if not any(sym == "bpf_test_run" for _, sym in chain):
            continue
        total += 1
        hit = None
        for depth, (addr, sym) in enumerate(chain):
            if not sym.startswith("bpf_prog_"):
                continue
            # the innermost program frame: tlsmon's, unless it is a reference program
            if not sym.endswith(("_bench_empty", "_bench_floor")):
                # a caller's address is its return address: the call is just before it
                r = line_of(addr if depth == 0 else addr - 1)
                if r:
                    hit = (r[1], r[2], depth > 0)
            break
        if not hit:
            outside += 1
            continue
        by_line[hit[:2]] += 1
        if hit[2]:
            in_helpers[hit[:2]] += 1
    if not total:
        sys.exit("bpflines: no samples inside the program runs")
    for (where, src), n in by_line.most_common(top):
        print(f"{100.0 * n / total:.2f}%\t{100.0 * in_helpers[(where, src)] / total:.2f}%\t"
              f"{where}\t{src}")
    print(f"{100.0 * outside / total:.2f}%\t-\t(outside tlsmon's code)\t"
          "the harness, the empty program")
    print(f"samples\t{total}")


if __name__ == "__main__":
    main()
