#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Seeds for tests/fuzz/fuzz_quic.c (tests/fuzz/corpus/quic), in its input
format (op:u8 len:u16le data[len] ...):

  - every QUIC connection of the corpus captures ($TLSMON_CORPUS, default
    ../shared/corpus): its first MAX_DG datagrams as sent (op 0 client,
    1 server; the first sender of a UDP stream is the client), as tshark's
    QUIC dissector finds them;
  - the frames of RFC 9001 A.2 and A.3 (the ClientHello's CRYPTO frame, the
    server's ACK and ServerHello) and a server CONNECTION_CLOSE, as payloads
    the harness seals (op bit 1).

Files are named by SHA-1 of their bytes.  usage: scripts/extract-quic-seeds.py
"""
import collections
import hashlib
import os
import pathlib
import struct
import subprocess
import sys

CORPUS = pathlib.Path(os.environ.get("TLSMON_CORPUS", "../shared/corpus"))
OUT = pathlib.Path(__file__).resolve().parent.parent / "tests/fuzz/corpus/quic"
MAX_DG = 6
MAX_SEED = 16384

# RFC 9001 A.2 (CRYPTO frame of the ClientHello) and A.3 (ACK, CRYPTO ServerHello)
RFC_CH = bytes.fromhex(
    "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
    "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
    "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
    "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
    "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
    "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
    "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
    "75300901100f088394c8f03e51570806048000ffff")
RFC_SH = bytes.fromhex(
    "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
    "88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
    "0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"
    "020304")
CLOSE_0178 = bytes.fromhex("1c417806000000")


def rec(op, data):
    return struct.pack("<BH", op, len(data)) + data


def captures():
    for p in sorted(CORPUS.rglob("*")):
        if p.suffix in (".pcap", ".pcapng") and p.is_file():
            yield p


def connections(cap):
    out = subprocess.run(
        ["tshark", "-n", "-r", str(cap), "-Y", "quic", "-T", "fields",
         "-e", "udp.stream", "-e", "udp.srcport", "-e", "udp.payload"],
        capture_output=True, text=True, check=False).stdout
    conns = collections.OrderedDict()
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) != 3 or not f[2]:
            continue
        c = conns.setdefault(f[0], {"client": f[1], "dg": []})
        if len(c["dg"]) < MAX_DG:
            c["dg"].append((0 if f[1] == c["client"] else 1, bytes.fromhex(f[2].replace(":", ""))))
    return conns.values()


def main():
    if not CORPUS.is_dir():
        sys.exit(f"{sys.argv[0]}: no corpus at {CORPUS} (set TLSMON_CORPUS)")
    OUT.mkdir(parents=True, exist_ok=True)
    seeds = set()
    for cap in captures():
        for c in connections(cap):
            seed = b"".join(rec(d, b) for d, b in c["dg"])[:MAX_SEED]
            if seed[:1] and seed[3:4] and seed[3] & 0x80:
                seeds.add(seed)
    pad = bytes(100)
    seeds.add(rec(2 | 2 << 3, RFC_CH + pad) + rec(3 | 1 << 3, RFC_SH + pad))
    # the ClientHello cut in two Initials, the second first
    body = RFC_CH[4:]
    first = b"\x06\x00\x40\x74" + body[:116]
    second = b"\x06\x40\x74\x40\x7d" + body[116:]
    seeds.add(rec(2 | 1 << 3, second + pad) + rec(2, first + pad))
    seeds.add(rec(2 | 4, RFC_CH + pad) + rec(3 | 4, CLOSE_0178 + pad))
    for s in seeds:
        (OUT / hashlib.sha1(s).hexdigest()).write_bytes(s)
    print(f"{OUT}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
