#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
QUIC against tshark, run here on every capture of the corpus: tshark opens
the client Initials itself (RFC 9001 keys), reassembles the ClientHello and
lists each one it finds (-Y "quic && tls.handshake.type == 1").  Each QUIC
connection tshark sees a ClientHello in (client and server address and port)
must have one tlsmon record (tlsmon --read FILE --json, transport quic) with
the same QUIC version, the client's first DCID, the SNI and the list of ALPN
names offered, in order.  tlsmon may not report a QUIC connection that
tshark has no ClientHello for either.  A capture without QUIC is passed
over (a byte sieve picks the captures worth a tshark run: may_hold_quic);
at least one with QUIC must be found, or the corpus is not the one this
test is for.  TAP output.
"""
import glob
import gzip
import os
import re
import subprocess

from oracle import CORPUS, main, records_or_fail, tap

AGG = "\x1f"  # between several values of one field: no SNI or ALPN name holds it
FIELDS = ["ip.src", "ipv6.src", "udp.srcport", "ip.dst", "ipv6.dst", "udp.dstport",
          "quic.version", "quic.dcid", "tls.handshake.type",
          "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str"]


# a long header of QUIC v1, v2 or a draft: form bit, version, DCID length
LONG_HDR = re.compile(rb"[\x80-\xff](?:\x00\x00\x00\x01|\x6b\x33\x43\xcf|\xff\x00\x00[\x00-\x22])"
                      rb"[\x00-\x14]")


def may_hold_quic(path):
    """Whether the capture's bytes hold a QUIC long header right after a UDP
    header (an IPv4 header without options or an IPv6 header before it).  A
    cheap sieve so tshark (a second or more per capture) reads only these; a
    superset of what tshark finds: UDP behind IPv4 options or IPv6 extension
    headers would slip through it, and the corpus has none."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        b = f.read()
    for m in LONG_HDR.finditer(b):
        i = m.start()
        if i < 48:
            continue
        ulen = b[i - 4] << 8 | b[i - 3]
        if 8 + 7 <= ulen <= len(b) - i + 8 and 17 in (b[i - 8 - 20 + 9], b[i - 8 - 40 + 6]):
            return True
    return False


def captures():
    found = []
    for ext in ("pcap", "pcapng", "pcap.gz", "pcapng.gz", "cap"):
        found += glob.glob(f"{CORPUS}/**/*.{ext}", recursive=True)
    return sorted(set(found))


def tshark_hellos(capture):
    """{(client, cport, server, sport): first ClientHello's fields} as tshark reads it."""
    cmd = ["tshark", "-n", "-r", capture, "-Y", "quic && tls.handshake.type == 1",
           "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=" + AGG]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True, errors="backslashreplace",
                       timeout=300)
    if p.returncode:
        raise RuntimeError(f"tshark -r {capture} exited {p.returncode}: {p.stderr[-300:]}")
    conns = {}
    for line in p.stdout.splitlines():
        v = dict(zip(FIELDS, [c.split(AGG) for c in line.split("\t")]))
        # a datagram's coalesced packets each give a version and a DCID: the first is the Initial
        key = ((v["ip.src"][0] or v["ipv6.src"][0]), int(v["udp.srcport"][0]),
               (v["ip.dst"][0] or v["ipv6.dst"][0]), int(v["udp.dstport"][0]))
        if "1" not in v["tls.handshake.type"] or key in conns:
            continue  # a second ClientHello (after a HelloRetryRequest) is the same connection
        alpn = v["tls.handshake.extensions_alpn_str"]
        conns[key] = {
            "version": v["quic.version"][0],
            "dcid": v["quic.dcid"][0],
            "sni": v["tls.handshake.extensions_server_name"][0],
            "alpn": [a for a in alpn if a] if alpn != [""] else [],
        }
    return conns


def tlsmon_view(r):
    q = r.get("quic") or {}
    return {
        "version": q.get("version"),
        "dcid": q.get("dcid"),
        "sni": r.get("sni") or "",
        "alpn": list(r.get("alpn_offered") or []),
    }


def check_capture(path, conns):
    name = os.path.relpath(path, CORPUS)
    recs = records_or_fail(path, f"{name}: tlsmon reads it")
    if recs is None:
        return
    quic = [r for r in recs if r.get("transport") == "quic"]
    mine = {}
    for r in quic:
        key = (r["client"], r["client_port"], r["server"], r["server_port"])
        mine.setdefault(key, []).append(r)
    for key, want in sorted(conns.items()):
        c = f"{name} {key[0]}:{key[1]} -> {key[2]}:{key[3]}"
        got = mine.pop(key, [])
        if len(got) != 1:
            tap(False, f"{c}: one tlsmon QUIC record", f"tlsmon has {len(got)}: {got}")
            continue
        have = tlsmon_view(got[0])
        diff = [f"{k}: tshark {want[k]!r}, tlsmon {have[k]!r}" for k in want if want[k] != have[k]]
        tap(not diff, f"{c}: version {want['version']}, SNI {want['sni']!r}, "
            f"ALPN {want['alpn']}, DCID as tshark", "\n".join(diff))
    for key, rs in sorted(mine.items()):
        # a record tshark has no ClientHello for must at least not claim one
        hello = [r for r in rs if r.get("ja4")]
        tap(not hello, f"{name} {key[0]}:{key[1]} -> {key[2]}:{key[3]}: tlsmon's hello "
            "is one tshark sees too", str(hello))


def quic_vs_tshark():
    seen = 0
    for path in captures():
        if not may_hold_quic(path):
            continue
        try:
            conns = tshark_hellos(path)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            tap(False, f"{os.path.relpath(path, CORPUS)}: tshark reads it", str(e))
            continue
        if not conns:
            continue
        seen += len(conns)
        check_capture(path, conns)
    tap(seen > 0, "tshark finds QUIC ClientHellos in the corpus", f"none in {CORPUS}")


if __name__ == "__main__":
    main(quic_vs_tshark)
