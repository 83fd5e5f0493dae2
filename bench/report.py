#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn the raw results of scripts/bench.sh into BENCHMARKS.md and a summary table.

usage: report.py RESULTS_DIR OUTPUT_MD

Every number in the document comes from RESULTS_DIR (one run); where a
section did not run or failed, the document says so instead of a figure.
"""
import glob
import json
import os
import re
import statistics
import sys

R = sys.argv[1] if len(sys.argv) > 1 else "."


def path(name):
    return os.path.join(R, name)


def read(name):
    try:
        with open(path(name)) as f:
            return f.read()
    except OSError:
        return None


def tsv(name):
    text = read(name)
    if text is None:
        return None
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


def kv(name):
    rows = tsv(name) or []
    return {r[0]: r[1] for r in rows if len(r) >= 2}


def timefile(name):
    """GNU time -f '%e %M %x %U %S': seconds, peak RSS KiB, exit status, CPU
    seconds (user, system: absent from files of older runs)."""
    text = read(name)
    if not text:
        return None
    last = text.strip().splitlines()[-1].split()
    try:
        t = {"s": float(last[0]), "rss_kb": int(last[1]), "rc": int(last[2]), "cpu": None}
        if len(last) >= 5:
            t["cpu"] = float(last[3]) + float(last[4])
        return t
    except (ValueError, IndexError):
        return None


def fnum(v, d=1):
    return f"{v:,.{d}f}"


def mib(b):
    return f"{b / 1048576:,.1f} MiB"


def table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# ---------------------------------------------------------------- noise

def noise(section):
    """CPU pressure during a section: share of its time some task waited for a CPU."""
    marks = {}
    for line in (read("marks.txt") or "").splitlines():
        f = line.split()
        if len(f) >= 5:
            marks[(f[0], f[1])] = (int(f[2]), int(f[3]), f[4])
    a, b = marks.get((section, "start")), marks.get((section, "end"))
    if not a or not b or b[0] <= a[0]:
        return None
    return {"psi": (b[1] - a[1]) * 1000 / (b[0] - a[0]), "load": a[2], "s": (b[0] - a[0]) / 1e9}


def noise_text(section):
    n = noise(section)
    if not n:
        return "not recorded"
    return f"{n['psi'] * 100:.0f}% of the time some task waited for a CPU (load {n['load']} at the start)"


# ---------------------------------------------------------------- 1. per packet

GOAL_RATIO = 1.15
GOAL_CH_NS = 200
GOAL_CH_PQ_NS = 250
GOAL_SH_NS = 60
GOAL_CH_FIN_NS = 100
NON_TLS = ["non_tcp", "tcp_ack", "not_tls", "app_untracked"]


def pkt_rows(name="pkt.tsv"):
    rows = tsv(name)
    if not rows:
        return None
    head = rows[0]
    out = {}
    for r in rows[1:]:
        d = dict(zip(head, r))
        for k in ("tlsmon_ns", "empty_ns", "over_ns", "ratio", "tlsmon_p25", "tlsmon_p75"):
            d[k] = float(d[k])
        out[(d["case"], d["method"])] = d
    return out


def verdict_ratio(ratio, goal):
    if ratio <= goal:
        return f"met ({ratio:.2f}x)"
    return f"**missed**: {ratio:.2f}x, {ratio / goal:.2f} times the goal"


def verdict_over(over, goal):
    if over <= goal:
        return f"met ({over:.0f} ns over)"
    return f"**missed** by {over - goal:,.0f} ns ({over / goal:.1f} times the allowance)"


def floor_text(f, goal, over):
    """The floor beside a hello goal: what shipping the hello alone costs."""
    if not f or f["path"].startswith("MISMATCH"):
        return ""
    t = (f"; the floor (the hello shipped, nothing else) {fnum(f['over_ns'], 0)} ns over, "
         f"tlsmon {fnum(over - f['over_ns'], 0)} ns above it")
    if f["over_ns"] >= goal:
        t += ": the goal is below the floor here"
    elif f["over_ns"] >= 0.75 * goal:
        t += f": the floor alone takes {f['over_ns'] / goal:.0%} of the allowance"
    return t


def section_pkt(summary):
    p = pkt_rows()
    out = ["## 1. Per-packet kernel cost", ""]
    if not p:
        out.append("Not measured in this run (see `pkt.err` in the results).")
        summary.append(["1", "per-packet cost", "see goals", "not measured", "-"])
        return out
    single = [d for d in p.values() if d["method"].startswith("single")]
    bad = [d for d in p.values() if d["path"].startswith("MISMATCH")]
    rep = [d for d in p.values() if d["method"] == "repeat"]
    out += [
        "Method. `bench/bench_pkt` runs the real `tlsmon_xdp` program (bpf/tlsmon.bpf.c, "
        "loaded by user/source/bpf_dp.c exactly as tlsmon loads it) and an empty XDP program "
        "(bench/empty.bpf.c, same `xdp.frags` section) with `BPF_PROG_TEST_RUN` on the same "
        "frame, alternating the two, pinned to CPU 0. Frames are Ethernet/IPv4/TCP built by "
        "tests/lib/pkt.c around real hellos from the corpus "
        "(ClientHello `ja4/tls3.pcapng` frame 63, 571-byte frame; post-quantum X25519MLKEM768 "
        "ClientHello `suricata/tls-fin-close-data-01/debug-s13.pcap` frame 4, whole in one "
        "1,972-byte frame as TC egress sees a TSO segment; TLS 1.3 ServerHello `ja4/tls3.pcapng` "
        "frame 65).",
        "",
        f"* **repeat**: one call runs the frame {rep[0]['n'].split(' x ')[1] if rep else '?'} "
        f"times; {rep[0]['n'].split(' x ')[0] if rep else '?'} rounds, medians. Timed with the "
        "calling thread's CPU time, which like the kernel's own figure leaves out time other "
        "tasks had the CPU but, unlike it, is not rounded to whole ns per run. Only for "
        "packets that leave no state behind (checked with the counters below).",
        "* **single**: repeat = 1, the kernel's timing of that one run (ns resolution, about "
        "10 ns steps on this VM's clock), every run on a fresh flow, so a ClientHello really "
        "creates its flow and a ServerHello or Alert finds the flow its ClientHello created "
        "(that ClientHello runs first, untimed). *warm*: the same case ran just before on "
        "another fresh flow; *cold*: only the harness ran before. "
        f"{single[0]['n'] if single else '?'} samples each, medians. Single runs "
        "carry a per-call cost the repeat loop does not have (compare the two for the cases "
        "that have both): treat them as upper bounds.",
        "* **self-cleaning** rows (hello + FIN in one segment) create, parse, report and delete "
        "a flow in every run, so they can be repeated: an upper bound for a hello's cost "
        "measured like the stateless cases.",
        "* **collector's parse**: the kernel frames records and ships each hello's bytes; the "
        "collector parses them (`ev_hello_parse`, user/pipe/ev.c). Its time per hello, "
        "measured in userspace on the same hello: where the parser's cost went (no empty "
        "reference: the empty and ratio columns are 0).",
        "* **the floor** (rows \"...: the floor\"; their \"tlsmon\" columns are the floor "
        "program's): bench/floor.bpf.c does only what any datapath that ships a hello to "
        "userspace must: it finds the hello at fixed offsets, reads the clock, reserves a "
        "ring buffer record of tlsmon's size class behind a header as large as tlsmon's, "
        "copies the hello in with one `bpf_xdp_load_bytes` and submits it without a wakeup, "
        "into a ring buffer as large as tlsmon's that a thread on the other CPU reads, every "
        "record read back (checked; repeat runs in calls of 8,192 whose records the reader has "
        "read before the next call: back to back in one call they outrun it, the ring fills, "
        "and the runs then write lines it has just freed, still in cache, which tlsmon's runs "
        "never do). No flow state, no record walk. Its cost over the empty "
        "program is the part of a hello row that no design of the datapath removes on this "
        "machine; tlsmon's cost over the floor is what its own work adds (flow tracking, the "
        "record walk, counters).",
        "",
        "Every case's counters and events are checked against what its path must do; "
        + ("all matched." if not bad else f"**{len(bad)} case(s) did NOT match** (see Path column)."),
        "",
        f"Noise: {noise_text('pkt')}.",
        "",
    ]
    rows = []
    order = ["non_tcp", "tcp_ack", "not_tls", "app_untracked", "ch", "ch_pq", "sh", "alert",
             "ch_fin", "sh_fin", "parse_ch", "parse_ch_pq", "parse_sh", "floor_ch",
             "floor_ch_pq", "floor_sh"]
    methods = ["repeat", "single-warm", "single-cold"]
    for c in order:
        for m in methods:
            d = p.get((c, m))
            if not d:
                continue
            rows.append([d["name"], d["frame_bytes"], m, d["n"], fnum(d["tlsmon_ns"]),
                         fnum(d["empty_ns"]), fnum(d["over_ns"]), f"{d['ratio']:.2f}x",
                         f"{fnum(d['tlsmon_p25'])}-{fnum(d['tlsmon_p75'])}", d["path"]])
    out.append(table(["Case", "Frame B", "Method", "Runs", "tlsmon ns", "empty ns",
                      "over empty ns", "ratio", "tlsmon p25-p75", "Path (checked)"], rows))
    out.append("")
    # goals
    goals = []
    for c in NON_TLS:
        d = p.get((c, "repeat"))
        if d:
            v = verdict_ratio(d["ratio"], GOAL_RATIO)
            goals.append([d["name"], f"<= {GOAL_RATIO}x empty", f"{d['ratio']:.2f}x "
                          f"({fnum(d['over_ns'])} ns over)", v])
            summary.append(["1", d["name"], f"<= {GOAL_RATIO}x empty XDP",
                            f"{d['ratio']:.2f}x ({fnum(d['tlsmon_ns'])} vs "
                            f"{fnum(d['empty_ns'])} ns)", v])
    d = p.get(("ch_fin", "repeat"))
    if d:
        v = verdict_over(d["over_ns"], GOAL_CH_FIN_NS)
        fl = floor_text(p.get(("floor_ch", "repeat")), GOAL_CH_FIN_NS, d["over_ns"])
        goals.append([d["name"], f"<= {GOAL_CH_FIN_NS} ns over empty (repeat)",
                      f"{fnum(d['over_ns'], 0)} ns over{fl}", v])
        summary.append(["1", d["name"] + ", repeat", f"<= {GOAL_CH_FIN_NS} ns over empty XDP",
                        f"{fnum(d['over_ns'], 0)} ns over{fl}", v])
    for c, goal, lb_fin, lb_parse in (("ch", GOAL_CH_NS, "ch_fin", "parse_ch"),
                                     ("ch_pq", GOAL_CH_PQ_NS, "ch_fin", "parse_ch_pq"),
                                     ("sh", GOAL_SH_NS, "sh_fin", "parse_sh")):
        d = p.get((c, "single-warm")) or p.get((c, "single-cold"))
        if not d:
            continue
        parse = p.get((lb_parse, "repeat"))
        extra = f"; the collector then parses it in {fnum(parse['tlsmon_ns'], 0)} ns" if parse else ""
        extra += floor_text(p.get(("floor_" + c, d["method"])), goal, d["over_ns"])
        v = verdict_over(d["over_ns"], goal)
        goals.append([d["name"], f"<= {goal} ns over empty",
                      f"{fnum(d['over_ns'], 0)} ns over (single, warm){extra}", v])
        summary.append(["1", d["name"], f"<= {goal} ns over empty XDP",
                        f"{fnum(d['over_ns'], 0)} ns over{extra}", v])
    out += ["Goals (stateless cases judged on the repeat figures; hellos on the single-run "
            "figures, the only ones that measure exactly one hello on a fresh flow; the "
            "self-cleaning hello + FIN on the repeat figures):", "",
            table(["Case", "Goal", "Measured", "Verdict"], goals), ""]
    return out


# ---------------------------------------------------------------- 1d. --pcap-dir on

def section_pcap(summary):
    """The per-packet cost with --pcap-dir's frame shipping on, beside the same run's off."""
    on, off = pkt_rows("pkt-pcap.tsv"), pkt_rows()
    out = ["## 1d. Per-packet cost with --pcap-dir on", ""]
    if not on or not off:
        out.append("Not measured in this run (see `pkt-pcap.err` in the results).")
        return out
    bad = [d for d in on.values() if d["path"].startswith("MISMATCH")]
    out += ["`bench_pkt --pcap`: the same cases with the datapath loaded as `--pcap-dir` "
            "loads it (each tracked flow's frames sent to userspace too, 64 per flow, "
            "payload cut at 128 bytes except hellos and alerts; a frame that is one hello "
            "record rides in its HELLO event, the others go as PKT events of their own), "
            "fewer runs than section 1; "
            "off: section 1's figures. Off, the frame step is not in the program at all "
            "(a load-time constant). Path checks as in section 1, the frames left out: "
            + ("all matched." if not bad else f"**{len(bad)} case(s) did NOT match**."), ""]
    rows = []
    order = ["non_tcp", "tcp_ack", "not_tls", "app_untracked", "ch", "ch_pq", "sh", "alert",
             "ch_fin", "sh_fin"]
    for c, m in ((c, m) for c in order for m in ("repeat", "single-warm", "single-cold")):
        d, o = on.get((c, m)), off.get((c, m))
        if not d:
            continue
        rows.append([d["name"], m, fnum(o["over_ns"], 0) if o else "-", fnum(d["over_ns"], 0),
                     fnum(d["over_ns"] - o["over_ns"], 0) if o else "-"])
    out += [table(["Case", "Method", "off: ns over empty", "on: ns over empty", "on - off"],
                  rows), ""]
    for c, m, goal in (("ch", "single-warm", GOAL_CH_NS), ("sh", "single-warm", GOAL_SH_NS),
                       ("ch_fin", "repeat", GOAL_CH_FIN_NS)):
        d = on.get((c, m))
        if d:
            summary.append(["1d", f"--pcap-dir on: {d['name']} ({m})", f"<= {goal} ns over empty XDP",
                            f"{fnum(d['over_ns'], 0)} ns over", verdict_over(d["over_ns"], goal)])
    return out


# ---------------------------------------------------------------- 1c. socket hooks

def section_sockid(summary):
    """What naming local programs (bpf/sockid.bpf.c) adds to a TCP connection."""
    rows = tsv("sockid.tsv")
    out = ["## 1c. What naming local programs adds to a connection", ""]
    if not rows or len(rows) < 2:
        return out + ["Not measured.", ""]
    out += ["`bench_sockid`: a loopback connect()/accept()/close() loop, rounds alternating "
            "without and with the socket hooks attached (each set the kernel loads), the "
            "median thread CPU time per connection of each (the hooks run in the connecting "
            "and accepting thread).", ""]
    table_rows = []
    for r in rows[1:]:
        if len(r) >= 3 and r[1] == "refused":
            table_rows.append([r[0], "-", "-", "-", "-", "refused: " + r[2]])
            continue
        name, conns, off, on, ratio = r[0], int(r[1]), float(r[2]), float(r[3]), float(r[4])
        table_rows.append([name, fnum(conns, 0), fnum(off, 0), fnum(on, 0), f"{ratio:.2f}x",
                           f"{fnum(float(r[5]), 0)}-{fnum(float(r[6]), 0)}"])
        summary.append(["1c", f"socket hooks ({name}): CPU per loopback connection",
                        "for information", f"{fnum(on, 0)} ns vs {fnum(off, 0)} ns without "
                        f"({ratio:.2f}x, +{fnum(on - off, 0)} ns)", "for information"])
    out += [table(["Hooks", "connections per round", "without ns", "with ns", "ratio",
                   "with p25-p75"], table_rows), ""]
    return out


# ---------------------------------------------------------------- 1b. verifier

# The verifier's processed instructions for tlsmon_xdp at 27d3c74, the last
# build whose kernel parsed hellos itself (bench_verifier on that object):
# the goal is under a tenth of it.
VERIFIER_BEFORE = {"tlsmon_xdp": 314_310, "tlsmon_tc_egress": 313_544,
                   "tlsmon_tc_ingress": 313_544}


def section_verifier(summary):
    rows = tsv("verifier.tsv")
    out = ["## 1b. What the verifier does to load the programs", ""]
    if not rows or len(rows) < 2:
        return out + ["Not measured.", ""]
    out += ["`bench_verifier` loads the object with the verifier's statistics on: the "
            "instructions it processed to accept each program (the load's cost, and how close "
            "a change comes to being refused) and the program's size after verification. "
            "Before: the build at 27d3c74, whose kernel parsed the hellos itself.", ""]
    table_rows = []
    for r in rows[1:]:
        name, proc, xl = r[0], int(r[1]), int(r[2])
        before = VERIFIER_BEFORE.get(name)
        goal = before // 10 if before else None
        v = ("met" if goal and proc < goal else
             f"**missed**: {proc / goal:.1f} times the goal" if goal else "for information")
        table_rows.append([name, fnum(before, 0) if before else "-", fnum(proc, 0),
                           fnum(xl, 0), f"< {fnum(goal, 0)}" if goal else "-", v])
        summary.append(["1b", f"verifier: instructions processed to load {name}",
                        f"< {fnum(goal, 0)} (a tenth of {fnum(before, 0)})" if goal else "-",
                        fnum(proc, 0), v])
    out += [table(["Program", "processed before", "processed now", "instructions now",
                   "goal", "verdict"], table_rows), ""]
    out += profiles()
    return out


def section_quic(summary):
    rows = tsv("quic.tsv")
    out = ["## 1c. A QUIC Initial in userspace", ""]
    if not rows or len(rows) < 2:
        return out + ["Not measured.", ""]
    out += ["`bench_quic`: what the pipe does for each client Initial the datapath ships "
            "(RFC 9001 A.2's 1,200-byte Initial), best of its rounds. `decrypt`: the header, "
            "the Initial keys (HKDF), header protection, AES-GCM, frames and CRYPTO "
            "reassembly; `full`: then the ClientHello parsed and fingerprinted. For "
            "information: no goal.", ""]
    table_rows = []
    for r in rows[1:]:
        table_rows.append([r[0], r[1], fnum(float(r[2]), 0)])
        summary.append(["1c", f"QUIC Initial in userspace ({r[0]})", "-",
                        f"{fnum(float(r[2]), 0)} ns", "for information"])
    out += [table(["Case", "Iterations", "ns per Initial"], table_rows), ""]
    return out


PROFILE_CASES = {
    "ch": "ClientHello (~500 B), fresh flow, single runs",
    "sh": ("ServerHello (TLS 1.3, tracked flow), single runs (the ClientHello that "
           "sets up each flow runs untimed, but is in the profile)"),
    "ch_fin": "ClientHello + FIN, self-cleaning, repeat",
    "sh_fin": "ServerHello + FIN, self-cleaning, repeat",
    "not_tls": "TCP payload, not TLS, repeat",
}


def profile_rows(name, cols=3):
    """The lines of a perf report bench.sh saved, as rows of cols cells: the
    share, then the report's columns (the last one takes the rest of the
    line; empty where perf printed nothing, as for code without source lines)."""
    rows = []
    for line in (read(name) or "").splitlines():
        parts = line.split(None, cols - 1)
        if not parts or not parts[0].endswith("%"):
            continue
        parts += [""] * (cols - len(parts))
        rows.append([c.strip() or "-" for c in parts])
    return rows


def profiles():
    """The CPU profiles scripts/bench.sh took of single cases (profile-CASE.txt)."""
    out = []
    for case, name in PROFILE_CASES.items():
        rows = profile_rows(f"profile-{case}.txt")
        if not rows:
            continue
        if not out:
            out = ["### Where the per-packet time goes", "",
                   "`perf record -g -e cpu-clock` of `bench_pkt --case` running one case alone "
                   "(BPF_PROG_TEST_RUN), reported as the functions that ran inside the program "
                   "runs (under `bpf_test_run`): the harness's own work (system calls, copying "
                   "the frame in and out, resetting the maps between single runs) is left out, "
                   "the kernel's timing of each run is not. Shares of the samples taken inside "
                   "the runs. `bpf_prog_*_tlsmon_xdp` and `*_full` are the datapath's XDP "
                   "entry and its full path, the other `bpf_prog_*` its stages (separately "
                   "verified functions), `bpf_ringbuf_*`/`__bpf_ringbuf_reserve` the ring "
                   "buffer, `__pi_memcpy` the copies (`bpf_xdp_load_bytes` into a ring record), "
                   "`pvclock_*`/`kvm_clock_*`/`read_tsc`/`ktime_*` clock reads (the datapath's "
                   "one, and the run's timer), `bench_empty` the reference program (repeat "
                   "cases alternate the two).", ""]
        n = (read(f"profile-{case}.n") or "").strip()
        head = f"{name}" + (f" ({int(n):,} samples inside the runs)" if n.isdigit() else "")
        out += [f"{head}:", "", table(["share", "where", "symbol"], rows), ""]
        lines = [l.split("\t", 3) for l in (read(f"profile-lines-{case}.txt") or "").splitlines()]
        lines = [l for l in lines if len(l) == 4]
        if lines:
            out += ["The same samples by line of tlsmon's source (bench/bpflines.py): a sample "
                    "taken in a helper or in the kernel code a helper calls (the ring buffer, "
                    "the copy, the clock) is charged to the line that called it, the "
                    "\"in helpers\" column says how much; line 0 is code the compiler made "
                    "without a line of its own.", "",
                    table(["share", "in helpers", "line", "source"],
                          [[a, b, c, f"`{d}`" if d else "-"] for a, b, c, d in lines]), ""]
    return out


def offline_profile():
    """Where tlsmon --read spends its time (bench.sh profile_offline)."""
    sym = profile_rows("offline-profile-sym.txt", 4)
    src = profile_rows("offline-profile-src.txt", 2)
    comm = [r for r in profile_rows("offline-profile-comm.txt", 2) if r[1].startswith("tlsmon")]
    if not sym and not src:
        return []
    out = ["### Where tlsmon --read spends its time", "",
           "`perf record -e cpu-clock` of `tlsmon --read` on the whole capture (`--json`, "
           "the records to a fresh file as in the timed runs, so the kernel's copies into "
           "the page cache count), shares of all its samples: by function, and by the source "
           "file the function comes from (\"-\": code without line information, such as the "
           "kernel's and the C library's).", ""]
    if comm:
        names = {"tlsmon": "reading the capture, the datapath",
                 "tlsmon-collect": "the pipe, collector and records",
                 "tlsmon-write": "writing the records"}
        out += ["By thread: " + ", ".join(f"{r[1]} ({names.get(r[1], '?')}) {r[0]}"
                                          for r in comm) + ".", ""]
    if sym:
        out += [table(["share", "object", "", "function"], sym), ""]
    if src:
        out += [table(["share", "source file"], src), ""]
    return out


# ---------------------------------------------------------------- 2. ring buffer

GOAL_EVS = 10_000_000


def ring(producer):
    rows = tsv(f"ring-{producer}.tsv")
    if not rows:
        return None
    steps = [r for r in rows if r[0] == "step"]
    searches = [r for r in rows if r[0] == "search"]
    result = next((r for r in rows if r[0] == "result"), None)
    if not result:
        return None
    return {"steps": steps, "searches": searches, "rate": float(result[2]),
            "bound": int(result[3]), "n": int(result[4]), "flows": result[5],
            "per_call": result[6], "step_s": result[7]}


def section_ring(summary):
    out = ["## 2. Ring buffer + collector", ""]
    rp, dp = ring("replay"), ring("datapath")
    out += [
        "Method. `bench/bench_ring`: tlsmon's datapath loaded as tlsmon loads it (16 MiB ring "
        "buffer, the default); the consumer is the real path of `run_live()` (user/main.c): "
        "`bpf_dp_poll()` -> `evpipe_in()` -> `collector_event()`, JSON records to /dev/null, "
        "`collector_tick()` and the flow sweep, pinned to CPU 1. The collector follows "
        f"{rp['flows'] if rp else '1024'} connections set up through the real XDP program "
        "(ClientHello, ServerHello). The producer, pinned to CPU 0, is paced to a target rate:",
        "",
        "* **replay** (the figure for the goal): bench/ringgen.bpf.c re-submits the ALERT "
        "events (80 bytes) the datapath produced for those connections into tlsmon's own ring "
        "buffer map, round robin, with fresh timestamps, "
        f"{rp['per_call'] if rp else '1024'} per `BPF_PROG_TEST_RUN` call (so that the "
        "system call is spread thin: with 62 a call, as until e5b15bd, the producer "
        "itself was the limit at about 8 M events/s), and wakes the consumer by the "
        "datapath's own rule (bpf/dp_wake.bpf.h: until 6f8b97b it used the kernel's, which "
        "wakes a consumer that keeps up for nearly every event, and the wakeups held the "
        "producer to 3.5-4.3 M events/s). It costs next to nothing per event, "
        "so the consumer is what limits.",
        "* **datapath**: the real XDP program parses server segments of "
        f"{dp['per_call'] if dp else '31'} TLS warning alerts each (one ALERT event per "
        "record) on those flows: the whole kernel-to-collector path, bounded by how fast one "
        "vCPU runs the datapath.",
        "",
        "A step holds one rate for "
        f"{rp['step_s'] if rp else '2'} s. It passes when the producer's ring-buffer failures "
        "(`TLSMON_C_RB_FAIL`, or ringgen's own count) stay at 0 and the consumer reads back "
        "every event submitted. A search runs the unpaced producer first (if that loses "
        "nothing, the producer is the limit and its rate is reported), then bisects between "
        "the highest passing and the lowest failing rate (to 2 %). The result is the median "
        "of the searches. The rate of a passing step is the rate reached, which noise on CPU 0 "
        "can put a little under its target. 16 MiB holds about 190,000 such events: a step "
        "fails if the consumer falls that far behind at any moment.",
        "",
    ]
    for name, r in (("replay", rp), ("datapath", dp)):
        if not r:
            out += [f"**{name}**: not measured in this run.", ""]
            continue
        rates = [float(s[2]) for s in r["searches"]]
        best_steps = [s for s in r["steps"] if s[-1] == "pass"]
        cpu_per_ev = [float(s[6]) / float(s[2]) * 1e9 for s in best_steps if float(s[2]) > 0]
        line = (f"**{name}**: {fnum(r['rate'], 0)} events/s with zero drops (median of "
                f"{r['n']} searches: {', '.join(fnum(x, 0) for x in rates)}; "
                f"{r['bound']} of {r['n']} limited by the producer, not the consumer).")
        if cpu_per_ev:
            line += (f" The consumer spent {statistics.median(cpu_per_ev):.0f} ns of CPU per "
                     "event in passing steps (median): about "
                     f"{fnum(1e9 / statistics.median(cpu_per_ev) / 1e6, 1)} M events per "
                     "CPU-second if it had CPU 1 to itself.")
        out += [line, "", f"Noise: {noise_text('ring-' + name)}.", ""]
        srows = [[s[1] if s[1] != "0" else "unpaced", s[2], s[3], s[4], s[5],
                  f"{float(s[6]) * 100:.0f}%", f"{float(s[7]) * 100:.0f}%",
                  f"{float(s[8]) * 100:.0f}%", s[9]] for s in r["steps"]]
        out += [f"<details><summary>{name}: every step</summary>", "",
                table(["target ev/s", "reached ev/s", "submitted", "dropped", "read back",
                       "consumer CPU", "consumer waiting for CPU", "producer CPU", "verdict"],
                      srows), "", "</details>", ""]
    if rp:
        v = ("met" if rp["rate"] >= GOAL_EVS else
             f"**missed** by {fnum(GOAL_EVS - rp['rate'], 0)} events/s "
             f"({(1 - rp['rate'] / GOAL_EVS) * 100:.0f}% short)")
        if rp["bound"] * 2 > rp["n"] and rp["rate"] < GOAL_EVS:
            v += "; limited by the producer, so the consumer's limit is not known"
        waits = [float(s[7]) for s in rp["steps"]]
        cpu = [float(s[6]) / float(s[2]) * 1e9 for s in rp["steps"]
               if s[-1] == "pass" and float(s[2]) > 0]
        extra = ""
        if waits and cpu:
            extra = (f"; consumer waited for its CPU {statistics.median(waits) * 100:.0f}% of the "
                     f"time, used {statistics.median(cpu):.0f} ns of CPU per event")
        summary.append(["2", "ring buffer + collector, zero drops", f">= {GOAL_EVS / 1e6:.0f} M "
                        "events/s", f"{fnum(rp['rate'] / 1e6, 2)} M/s (replay producer){extra}",
                        v])
    if dp:
        summary.append(["2", "same, real datapath as producer", "(bounded by section 1)",
                        f"{fnum(dp['rate'] / 1e6, 2)} M/s", "for information"])
    return out


# ---------------------------------------------------------------- 3. live

def load_total(name):
    for r in tsv(name) or []:
        if r[0] == "total":
            return {"attempts": int(r[1]), "completed": int(r[2]), "unexpected": int(r[3]),
                    "s": float(r[4]), "rate": float(r[5])}
    return None


def load_targets(name):
    return [r for r in (tsv(name) or []) if r[0] == "target"]


def live_window(n):
    pre = f"live-on-{n}"
    lt = load_total(pre + ".load.tsv")
    if not lt:
        return None
    recs = []
    try:
        with open(path(pre + ".json")) as f:
            for line in f:
                try:
                    recs.append(json.loads(line))
                except ValueError:
                    pass
    except OSError:
        return None
    # what each target must give: established on its server, or version_mismatch
    want = {}
    for t in load_targets(pre + ".load.tsv"):
        key = (t[1], int(t[2]), t[5])
        want[key] = want.get(key, 0) + int(t[7])
    got = {}
    other = 0
    for r in recs:
        if r.get("outcome") == "established":
            key = (r.get("server"), r.get("server_port"), "ok")
        elif r.get("outcome") == "failed" and r.get("reason") == "version_mismatch":
            key = (r.get("server"), r.get("server_port"), "fail")
        else:
            other += 1
            continue
        got[key] = got.get(key, 0) + 1
    matched = sum(min(v, got.get(k, 0)) for k, v in want.items())
    cpu = kv(pre + ".cpu.tsv")
    s0, s1 = read(pre + ".snap0.json"), read(pre + ".snap1.json")
    kern = None
    ctr = {}
    if s0 and s1:
        a, b = json.loads(s0), json.loads(s1)
        pa = {p["id"]: p for p in a["progs"]}
        cnt = sum(p["run_cnt"] - pa.get(p["id"], {}).get("run_cnt", 0) for p in b["progs"])
        ns = sum(p["run_time_ns"] - pa.get(p["id"], {}).get("run_time_ns", 0)
                 for p in b["progs"])
        kern = {"runs": cnt, "ns": ns, "progs": ", ".join(p["name"] for p in b["progs"])}
        ctr = {int(k): v - a["counters"].get(k, 0) for k, v in b["counters"].items()}
    win = int(cpu.get("window_ns", 0)) or 1
    return {"load": lt, "records": len(recs), "want": sum(want.values()), "matched": matched,
            "other": other, "extra": sum(got.values()) - matched,
            "cpu_share": int(cpu.get("tlsmon_cpu_ns", 0)) / win, "window_s": win / 1e9,
            "kern": kern, "rb_fail": ctr.get(4), "events": ctr.get(3)}


GOAL_LIVE_RATE = 0.98


def section_live(summary):
    out = ["## 3. Live, end to end", ""]
    procs = (read("live-procs.txt") or "?").strip()
    probes = []
    for p in (4, 8, 16, 32):
        t = load_total(f"live-probe-{p}.tsv")
        if t:
            probes.append(f"{p}: {fnum(t['rate'], 0)}/s")
    numbered = [(n, w) for n, w in ((n, live_window(n)) for n in range(1, 10)) if w]
    wins = [w for _, w in numbered]
    # round n without tlsmon runs just before window n, round n + 1 just after it
    offs = {n: o for n, o in ((n, load_total(f"live-off-{n}.tsv")) for n in range(1, 11)) if o}
    out += [
        "Method. The namespace lab (scripts/lab.sh, own prefix) with tlsmon attached to "
        "`cli0` of the client namespace (XDP ingress, TC egress, `--json` to a file). "
        "`bench/bench_load` (libssl) runs client processes, each making full handshakes "
        "back to back (no session reuse; certificate and host name verified; an HTTP/1.0 "
        "request, the answer read to the close), round robin over: backend A TLS 1.3, A TLS "
        "1.2, B TLS 1.2 (RSA key exchange), and a TLS 1.3-only client against B, which B "
        "refuses (protocol_version): tlsmon must call each of those `version_mismatch` and "
        "each of the others `established` on the right server. Each handshake the clients "
        "complete must appear as exactly such a record. The number of client processes is "
        "the one that gave the highest rate in a 3 s probe of 4, 8, 16 and 32 "
        f"({', '.join(probes) if probes else 'not run'}; chosen: {procs}). Rounds alternate "
        "the same load without and with tlsmon, starting and ending without; each round "
        "with tlsmon is set against the mean of the two without just before and after it "
        "(the machine's speed drifts over the section by more than the effect measured: "
        "so a steady drift cancels), and the goal's figure is the median of those ratios. "
        "tlsmon's CPU is its threads' run time "
        "(/proc/PID/task/*/schedstat) over the window (the load plus 2 s to settle); the "
        "kernel side is the BPF run time of its programs (kernel BPF statistics on for the "
        "section, bench/bench_stats.c); drops are its `TLSMON_C_RB_FAIL` counter.",
        "",
        f"Noise: {noise_text('live')}.",
        "",
    ]
    if not wins:
        out.append("Not measured in this run.")
        summary.append(["3", "live: every handshake diagnosed", "100%", "not measured", "-"])
        return out
    rows, ratios = [], []
    for i, w in numbered:
        k = w["kern"]
        kshare = k["ns"] / (w["window_s"] * 1e9) if k else None
        around = [offs[j]["rate"] for j in (i, i + 1) if j in offs]
        ratio = w["load"]["rate"] / (sum(around) / len(around)) if around else None
        if ratio is not None:
            ratios.append(ratio)
        rows.append([i, " / ".join(fnum(r, 0) for r in around) or "-",
                     fnum(w["load"]["rate"], 0), f"{ratio:.3f}" if ratio is not None else "-",
                     w["load"]["completed"],
                     f"{w['matched']} ({w['matched'] / max(w['want'], 1) * 100:.2f}%)",
                     w["other"], w["rb_fail"] if w["rb_fail"] is not None else "?",
                     f"{w['cpu_share'] * 100:.2f}%",
                     f"{w['cpu_share'] * 100 / (w['load']['rate'] / 1000):.2f}%",
                     f"{kshare * 100:.2f}%" if kshare is not None else "?",
                     f"{k['ns'] / k['runs']:.0f}" if k and k["runs"] else "?"])
    out.append(table(["Round", "hs/s without tlsmon (before / after)", "hs/s with",
                      "with / without", "completed by clients",
                      "records matching", "other records", "ring drops", "tlsmon CPU",
                      "tlsmon CPU per 1k hs/s", "datapath (kernel) CPU",
                      "datapath ns per packet"], rows))
    out.append("")
    want = sum(w["want"] for w in wins)
    matched = sum(w["matched"] for w in wins)
    drops = sum(w["rb_fail"] or 0 for w in wins)
    other = sum(w["other"] for w in wins)
    unexpected = sum(w["load"]["unexpected"] for w in wins)
    share = statistics.median(w["cpu_share"] * 1000 / w["load"]["rate"] for w in wins)
    rate = statistics.median(w["load"]["rate"] for w in wins)
    off = statistics.median(o["rate"] for o in offs.values()) if offs else None
    out += [f"Over all rounds: {matched} of {want} completed handshakes reported and "
            f"diagnosed as expected ({matched / max(want, 1) * 100:.2f}%), {other} other "
            f"records, {drops} ring-buffer drops, {unexpected} client-side errors (not "
            "handshakes: not counted). Median rate with tlsmon "
            f"{fnum(rate, 0)}/s" + (f", without {fnum(off, 0)}/s" if off else "") +
            f"; tlsmon's CPU {share * 100:.2f}% of one vCPU per 1,000 handshakes/s.", ""]
    v = "met" if matched == want and drops == 0 and other == 0 else \
        f"**missed**: {want - matched} not reported as expected, {other} other records, {drops} drops"
    summary.append(["3", "live: every handshake observed and diagnosed", "100%, 0 drops",
                    f"{matched}/{want} at {fnum(rate, 0)} hs/s, {drops} drops", v])
    summary.append(["3", "live: tlsmon CPU per 1k handshakes/s", "(no goal)",
                    f"{share * 100:.2f}% of a vCPU", "for information"])
    if ratios:
        share_rate = statistics.median(ratios)
        summary.append(["3", "live: handshake rate with tlsmon attached",
                        f">= {GOAL_LIVE_RATE * 100:.0f}% of the rate without",
                        f"{share_rate * 100:.0f}% of the rate without (median of "
                        f"{len(ratios)} rounds, each against the rounds without around it: "
                        f"{', '.join(f'{r:.3f}' for r in ratios)}; medians {fnum(rate, 0)} vs "
                        f"{fnum(off, 0)}/s)",
                        "met" if share_rate >= GOAL_LIVE_RATE else
                        f"**missed** by {(GOAL_LIVE_RATE - share_rate) * 100:.0f} points"])
    return out


# ---------------------------------------------------------------- 4. offline

def section_offline(summary):
    out = ["## 4. Offline: tlsmon --read against tshark and ssldump", ""]
    fi = kv("offline-file.tsv")
    load = load_total("capture.load.tsv")
    found = kv("offline-found.tsv")
    tcpd = read("capture.tcpdump.txt") or ""
    dropped = re.search(r"(\d+) packets dropped by kernel", tcpd)
    out += [
        "Method. The live section's load, captured with tcpdump on `cli0` (full packets) "
        "until the clients completed the target number of handshakes (bounded in time); "
        "the pcap lives in a temporary directory, never in git. Each tool reads the same "
        "file from the page cache (written back to disk first, so that no write-back runs "
        "during a timing), output to a fresh file (ext4 writes back a truncated file when "
        "the process closes it): `tlsmon --read FILE --json`; "
        "`tshark -r FILE -T fields` with a display filter on hellos and alerts and the same "
        "fields tlsmon reports (addresses, ports, handshake type, record/handshake/supported "
        "versions, SNI, ALPN, cipher suites, alert level and description, JA3, JA3S); "
        "`ssldump -n -r FILE` (its default decoding shows the same: versions, cipher suites, "
        "SNI, ALPN, alerts, JA3/JA3S). Wall time, CPU time (user + system) and peak RSS from GNU time. The first "
        "tenth of the capture gets repeated rounds (medians); on the whole capture and "
        "the large one, tshark and ssldump run once (they take minutes: a moment's "
        "interference averages out; ssldump is stopped after 300 s, and a figure marked "
        "with >= is then a lower bound) and tlsmon three times back to back, its median "
        "compared (its runs take a second or two).",
        "",
        f"Noise: {noise_text('offline')}.",
        "",
    ]
    if not fi:
        out.append("Not measured in this run.")
        summary.append(["4", "offline vs tshark / ssldump", ">= 100x / >= 10x", "not measured", "-"])
        return out
    out.append(f"Capture: {int(fi.get('bytes', 0)) / 1e6:,.0f} MB, "
               f"{int(fi.get('packets', 0)):,} packets"
               + (f", {load['completed']:,} handshakes completed by the clients "
                  f"({load['attempts']:,} attempted, {fnum(load['rate'], 0)}/s with tcpdump "
                  "running)" if load else "")
               + (f"; tcpdump: {dropped.group(1)} packets dropped by the kernel" if dropped else "")
               + ".")
    out.append("")

    def med(tool, tags):
        ts = [timefile(f"offline-{tool}-{t}.time") for t in tags]
        ts = [t for t in ts if t]
        if not ts:
            return None
        cpu = [t["cpu"] for t in ts if t["cpu"] is not None]
        return {"s": statistics.median(t["s"] for t in ts), "rss": max(t["rss_kb"] for t in ts),
                "n": len(ts), "rc": max(t["rc"] for t in ts), "all": [t["s"] for t in ts],
                "cpu": statistics.median(cpu) if cpu else None}

    qtags = sorted({os.path.basename(p).split("-")[2].split(".")[0]
                    for p in glob.glob(path("offline-tlsmon-q*.time"))})
    rows = []
    ratios = {}
    ge = {}		# tools stopped by their time limit on the whole capture: lower bounds
    big = kv("offline-big.tsv")
    big_label = (f"{int(big.get('file_bytes', 0)) / 1e9:.1f} GB of distinct connections"
                 if big else "large capture")
    # tlsmon runs three times on the whole and the large capture (tags X, X2, X3)
    for label, tags in (("first tenth", qtags), ("whole capture", ["full", "full2", "full3"]),
                        (big_label, ["big", "big2", "big3"])):
        t = med("tlsmon", tags)
        for tool in ("tlsmon", "tshark", "ssldump"):
            m = med(tool, tags)
            if not m:
                continue
            ratio = m["s"] / t["s"] if t and t["s"] > 0 else None
            bound = ">= " if m["rc"] == 124 else ""
            if bound and label == "whole capture":
                ge[tool] = bound
            if tool != "tlsmon" and ratio:
                ratios[(label, tool)] = ratio
            rows.append([label, tool, m["n"], ", ".join(f"{x:.2f}" for x in m["all"]),
                         bound + fnum(m["s"], 2),
                         fnum(m["cpu"], 2) if m["cpu"] is not None else "-",
                         f"{m['rss'] / 1024:,.1f} MiB",
                         f"{bound}{ratio:.1f}x" if ratio and tool != "tlsmon" else "-",
                         "timed out" if m["rc"] == 124 else m["rc"]])
    out.append(table(["File", "Tool", "Runs", "seconds", "median s", "CPU s", "peak RSS",
                      "tlsmon faster by", "exit"], rows))
    out.append("")
    out.append("Seconds are wall-clock time, which the ratios compare. CPU s is user plus "
               "system time (median): tlsmon reads a capture on three threads (the capture "
               "and the datapath; the pipe, collector and outputs; the records' writer), so "
               "its CPU time is above its wall-clock time on a machine of two cores or more.")
    out.append("")
    if found:
        out.append(f"Found on the whole capture: tlsmon {found.get('tlsmon_records')} records "
                   f"({found.get('tlsmon_established')} established, "
                   f"{found.get('tlsmon_failed')} failed); tshark "
                   f"{found.get('tshark_client_hellos')} ClientHellos and "
                   f"{found.get('tshark_server_hellos')} ServerHellos; ssldump "
                   f"{found.get('ssldump_client_hellos')} ClientHellos and "
                   f"{found.get('ssldump_server_hellos')} ServerHellos.")
        out.append("")
    if big:
        out.append(f"The large capture: the whole one copied {big.get('copies')} times by "
                   "`bench/bench_replicate` (each copy's IPv4 addresses XORed with its number, "
                   "checksums updated, times shifted a minute past the copy before: "
                   f"{int(big.get('frames', 0)):,} frames of distinct connections, "
                   f"{int(big.get('file_bytes', 0)) / 1e6:,.0f} MB); tlsmon wrote "
                   f"{big.get('tlsmon_records', '?')} records, tshark printed "
                   f"{big.get('tshark_client_hellos', '?')} ClientHellos.")
        out.append("")
    # RSS as the capture grows
    grow = []
    for label, name in (("1/4", "offline-tlsmon-part25.time"), ("1/2", "offline-tlsmon-part50.time"),
                        ("all", "offline-tlsmon-full.time")):
        t = timefile(name)
        if t:
            grow.append((label, t["rss_kb"]))
    if grow:
        out.append("tlsmon's peak RSS as the capture grows: " +
                   ", ".join(f"{l}: {r / 1024:,.1f} MiB" for l, r in grow) + ".")
        out.append("")
    out += offline_profile()
    rb = ratios.get((big_label, "tshark"))
    if rb:
        tb = timefile("offline-tshark-big.time")
        bb = ">= " if tb and tb["rc"] == 124 else ""
        verdict = ("met" if rb >= 100 else
                   f"not known: tshark hit its time limit, so only >= {rb:.1f}x is known" if bb
                   else f"**missed**: {rb:.1f}x, {100 / rb:.1f} times short")
        summary.append(["4", f"offline vs tshark, {big_label}", ">= 100x faster",
                        f"{bb}{rb:.1f}x", verdict])
    for tool, goal in (("tshark", 100), ("ssldump", 10)):
        r = ratios.get(("whole capture", tool)) or ratios.get(("first tenth", tool))
        if r is None:
            continue
        rq = ratios.get(("first tenth", tool))
        if r >= goal and rq is not None and rq < goal:
            v = (f"met on the whole capture, not on its first tenth ({rq:.1f}x): {tool} "
                 "slows down as a capture grows")
        elif r >= goal:
            v = "met"
        elif ge.get(tool):
            v = f"not known: {tool} hit its time limit, so only >= {r:.1f}x is known"
        else:
            v = f"**missed**: {r:.1f}x, {goal / r:.1f} times short"
        summary.append(["4", f"offline vs {tool}", f">= {goal}x faster",
                        f"{ge.get(tool, '')}{r:.1f}x (whole), {rq:.1f}x (first tenth, median)" if rq
                        else f"{r:.1f}x", v])
    if len(grow) >= 2:
        lo, hi = grow[0][1], grow[-1][1]
        flat = hi <= lo * 1.25
        summary.append(["4", "offline peak RSS as the capture grows", "flat",
                        ", ".join(f"{r / 1024:,.0f} MiB" for _, r in grow),
                        "met" if flat else f"**missed**: grows {hi / lo:.1f}x"])
    return out


# ---------------------------------------------------------------- 5. memory

def maps(name):
    rows = tsv(name) or []
    m = {r[1]: {"type": r[2], "max": int(r[3]), "value": int(r[4]), "bytes": int(r[5])}
         for r in rows if r[0] == "map"}
    total = next((int(r[1]) for r in rows if r[0] == "total"), None)
    return m, total


def mem_run(n, kind, tag):
    t = timefile(f"mem-{tag}-{kind}.txt.time")
    text = read(f"mem-{tag}-{kind}.txt") or ""
    lines = [l for l in text.splitlines() if l.startswith("summary:")]
    m = re.search(r"summary: (\d+) handshakes", lines[-1]) if lines else None
    dr = re.search(r"(\d+) connections dropped", lines[-1]) if lines else None
    return {"rss": t["rss_kb"] if t else None, "s": t["s"] if t else None,
            "records": int(m.group(1)) if m else None,
            "dropped": int(dr.group(1)) if dr else 0}


def mem_pq_run():
    n = read("mem-pq.n")
    if not n or not n.strip().isdigit():
        return None
    return {"n": int(n), "all": {"rss": None}, "default": mem_run(int(n), "default", "pq")}


def mem_runs():
    out = []
    for f in glob.glob(path("mem-*-all.txt")):
        n = int(os.path.basename(f).split("-")[1])
        row = {"n": n}
        for kind in ("all", "default"):
            row[kind] = mem_run(n, kind, n)
        out.append(row)
    return sorted(out, key=lambda r: r["n"])


def section_mem(summary):
    out = ["## 5. Memory", ""]
    m, total = maps("maps-default.tsv")
    m1, total1 = maps("maps-1m.tsv")
    out += ["Kernel: what each map charges (memlock, as bpftool reports `bytes_memlock`), "
            "loaded by `bench/bench_mem maps` through user/source/bpf_dp.c with tlsmon's defaults "
            "(65,536 flows, 16 MiB ring buffer), and with `--max-flows 1048576`.", ""]
    if m:
        rows = [[k, v["type"], f"{v['max']:,}", v["value"], mib(v["bytes"]),
                 mib(m1[k]["bytes"]) if k in m1 else "-"] for k, v in m.items()]
        rows.append(["**total**", "", "", "", f"**{mib(total)}**",
                     f"**{mib(total1)}**" if total1 else "-"])
        out += [table(["Map", "Type", "Entries (default)", "Value B", "Bytes (default)",
                       "Bytes (1M flows)"], rows), ""]
        flows = m.get("flows")
        summary.append(["5", "kernel maps + ring buffer", "(no goal)",
                        f"{mib(total)} (default), {mib(total1) if total1 else '?'} with 1M flows",
                        "for information"])
        if flows:
            out += [f"The flow map costs {flows['bytes'] / flows['max']:.0f} bytes per entry "
                    "(an array of slots, preallocated); the ring buffer is charged whole.", ""]
    else:
        out += ["Not measured in this run.", ""]
    runs = mem_runs()
    out += ["Collector: `tlsmon --read` of a generated pcap (`bench/bench_mem hellos N`) of N "
            "unanswered ClientHellos (the corpus' ~500 B one), each from its own client, all "
            "within 5 s of capture time, so all N connections are open at once until the end of "
            "the file; peak RSS from GNU time. *all tracked*: `--max-conns N --max-flows N`, so "
            "every connection is followed (the summary line shows N handshakes reported, none "
            "dropped); *defaults*: tlsmon's limits (32,768 connections, 65,536 flows), beyond "
            "which the least recent connections are dropped and counted.", "",
            f"Noise: {noise_text('mem')}.", ""]
    if runs:
        rows = []
        for r in runs:
            a, d = r["all"], r["default"]
            rows.append([f"{r['n']:,}",
                         f"{a['rss'] / 1024:,.1f} MiB" if a["rss"] else "-",
                         f"{a['records']:,}" if a["records"] is not None else "?",
                         f"{a['s']:.1f}" if a["s"] else "-",
                         f"{d['rss'] / 1024:,.1f} MiB" if d["rss"] else "-",
                         f"{d['records']:,} / {d['dropped']:,}" if d["records"] is not None else "?",
                         f"{d['s']:.1f}" if d["s"] else "-"])
        pq = mem_pq_run()
        if pq:
            d = pq["default"]
            rows.append([f"{pq['n']:,} post-quantum hellos + ServerHellos", "-", "-", "-",
                         f"{d['rss'] / 1024:,.1f} MiB" if d["rss"] else "-",
                         f"{d['records']:,} / {d['dropped']:,}" if d["records"] is not None
                         else "?", f"{d['s']:.1f}" if d["s"] else "-"])
            runs = runs + [pq]
        out += [table(["Connections", "RSS, all tracked", "reported", "s",
                       "RSS, defaults", "reported / dropped at the cap", "s"], rows), ""]
        if pq:
            out += ["The last row: each connection holds the most a handshake keeps (a ~1.9 KB "
                    "post-quantum ClientHello, and a ServerHello); the memory budget "
                    "(`--max-conns` KiB of hellos) gives up the least recent before the "
                    "connection cap does.", ""]
        big = [r for r in runs if r["all"]["rss"]]
        if len(big) >= 2:
            a, b = big[0], big[-1]
            per = (b["all"]["rss"] - a["all"]["rss"]) * 1024 / (b["n"] - a["n"])
            out += [f"Each followed connection costs about {per:,.0f} bytes of RSS "
                    f"(from {a['n']:,} to {b['n']:,}).", ""]
            summary.append(["5", "collector RSS per tracked connection", "(no goal)",
                            f"{per:,.0f} B; " + ", ".join(
                                f"{r['n'] // 1000}k: {r['all']['rss'] / 1024:,.0f} MiB"
                                for r in big), "for information"])
        dflt = [r["default"]["rss"] for r in runs if r["default"]["rss"]]
        if dflt:
            summary.append(["5", "collector RSS with default limits, any number of connections",
                            "flat, <= 64 MiB (DESIGN.md)",
                            ", ".join(f"{d / 1024:,.0f}" for d in dflt) + " MiB",
                            mem_flat_verdict(runs)])
    return out


def mem_flat_verdict(runs):
    """<= 64 MiB at every count, and flat once the cap drops connections.

    Flat is shown only by runs past the cap (some connections dropped): their
    RSS may differ by noise (10 %), not by the connections beyond the cap.
    """
    dflt = [r["default"]["rss"] / 1024 for r in runs if r["default"]["rss"]]
    capped = [r["default"]["rss"] / 1024 for r in runs
              if r["default"]["rss"] and r["default"]["dropped"]]
    worst = max(dflt)
    if worst > 64:
        return f"**missed** by {worst - 64:,.0f} MiB ({worst / 64:.1f}x)"
    if len(capped) < 2:
        return "not shown: fewer than two runs past the cap"
    if max(capped) > min(capped) * 1.1:
        return f"**missed**: grows {max(capped) / min(capped):.2f}x past the cap"
    return "met"


# ---------------------------------------------------------------- main

def previous_run(path):
    """The summary of the run the file at path records (the one this run
    replaces): its version, and its Measured column by (section, what)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None, {}
    version, measured, in_summary = None, {}, False
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] == "version":
            version = cells[1]
        if line.startswith("## "):
            in_summary = line.strip() == "## Summary"
            continue
        # the table has a Before column since this function exists
        if in_summary and len(cells) in (5, 6) and cells[0] not in ("#", "---"):
            measured[(cells[0], cells[1])] = cells[-2]
    return version, measured


def host_speed(summary, before):
    """A sentence when this run's host is much faster or slower than the before run's.

    The empty XDP program of the UDP row is the yardstick: both runs measured
    it the same way."""
    key = ("1", "non-TCP (UDP datagram)")
    pat = r"vs ([\d.]+) ns\)"
    now = next((r[3] for r in summary if (r[0], r[1]) == key), None)
    then = before.get(key)
    m_now = re.search(pat, now or "")
    m_then = re.search(pat, then or "")
    if not m_now or not m_then or float(m_then.group(1)) <= 0:
        return ""
    a, b = float(m_now.group(1)), float(m_then.group(1))
    if max(a, b) / min(a, b) < 1.5:
        return ""
    return (f" The hosts differ: the empty XDP program took {a:.1f} ns in this run against "
            f"{b:.1f} ns in the before run ({a / b:.1f} times). Figures in absolute units (ns "
            "over empty, events/s, handshakes/s, CPU per connection) cannot be compared between "
            "the two columns; ratios can.")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    before_version, before = previous_run(sys.argv[2])
    mach = kv("machine.tsv")
    summary = []
    body = []
    body += section_pkt(summary)
    body += section_pcap(summary)
    body += section_verifier(summary)
    body += section_sockid(summary)
    body += section_quic(summary)
    body += section_ring(summary)
    body += section_live(summary)
    body += section_offline(summary)
    body += section_mem(summary)
    head = [
        "# tlsmon benchmarks",
        "",
        "Written by `make bench` (scripts/bench.sh, bench/); the next run rewrites it. "
        "Every figure below comes from one run and is set against a reference measured in the "
        "same run: this is a shared 2-vCPU VM, so absolute numbers move from run to run and "
        "only the ratios and the pass/fail checks travel. The \"Noise\" lines say how busy the "
        "machine was during each section (Linux CPU pressure: the share of time some task "
        "was waiting for a CPU).",
        "",
        table(["", ""], [[k, v] for k, v in mach.items()]),
        "",
        "Where a goal is missed, the summary says by how much. No benchmark was tuned to "
        "pass: a faster number has to come from faster code.",
        "",
        "## Summary",
        "",
        f"Before: the run this file recorded until now ({before_version or 'none'}), "
        "as it measured it (\"-\" where it had no such row)." + host_speed(summary, before),
        "",
        table(["#", "What", "Goal", f"Before ({before_version or '-'})", "Measured", "Verdict"],
              [r[:3] + [before.get((r[0], r[1]), "-")] + r[3:] for r in summary]),
        "",
    ]
    text = "\n".join(head + body).rstrip() + "\n"
    with open(sys.argv[2], "w") as f:
        f.write(text)
    # the table on the terminal
    w = [max(len(str(r[i])) for r in summary + [["#", "What", "Goal", "Measured", "Verdict"]])
         for i in range(5)]
    for r in [["#", "What", "Goal", "Measured", "Verdict"]] + summary:
        print("  ".join(str(c).replace("**", "").ljust(w[i]) for i, c in enumerate(r)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
