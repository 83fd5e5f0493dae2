#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a pcap of a large ClientHello that stalls after its first segment.

A 3,023-byte ClientHello record (a post-quantum-sized hello: the bulk is a
padding extension) is sent after a TCP handshake; only its first FIRST bytes
arrive, the server acknowledges them, and nothing more comes on that
connection.  With LATER > 0 an unrelated connection's SYN follows LATER
seconds on, so that the capture's clock passes a handshake timeout.

usage: partial_hello_pcap.py OUT.pcap SNI_WHERE FIRST LATER
  SNI_WHERE  "first": the server_name extension leads the extensions (it is
             in the bytes that arrive); "last": it follows the padding
  FIRST      bytes of the record sent (less than 3,023)
  LATER      seconds to the unrelated SYN, 0 for none (the capture ends)
Prints one JSON object: what a reader of the capture must report (the SNI,
the ClientHello's length and the bytes of it that arrived, both without the
record header, and the addresses).
"""
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hello_pcap import frame  # noqa: E402

HELLO_LEN = 3023
SNI = b"pq.lab.test"
CLIENT = bytes([10, 97, 0, 2])
SERVER = bytes([10, 97, 0, 1])
CPORT, SPORT = 40123, 443


def ext(typ, body):
    return struct.pack("!HH", typ, len(body)) + body


def hello(sni_first):
    sni = ext(0, struct.pack("!HBH", len(SNI) + 3, 0, len(SNI)) + SNI)
    versions = ext(43, bytes([2, 3, 4]))
    body = b"\x03\x03" + bytes(range(32)) + b"\x00" + b"\x00\x04\x13\x01\x13\x02" + b"\x01\x00"
    fixed = 5 + 4 + len(body) + 2 + len(sni) + len(versions) + 4
    pad = ext(21, bytes(HELLO_LEN - fixed))
    exts = (sni + versions + pad) if sni_first else (versions + pad + sni)
    body += struct.pack("!H", len(exts)) + exts
    msg = b"\x01" + len(body).to_bytes(3, "big") + body
    rec = b"\x16\x03\x01" + struct.pack("!H", len(msg)) + msg
    assert len(rec) == HELLO_LEN
    return rec


def main():
    if len(sys.argv) != 5 or sys.argv[2] not in ("first", "last"):
        raise SystemExit(__doc__)
    out, where, first, later = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    rec = hello(where == "first")
    if not 9 < first < len(rec):
        raise SystemExit("partial_hello_pcap: FIRST must leave the hello incomplete")
    part = rec[:first]
    SYN, ACK, PSH = 0x02, 0x10, 0x08
    cs, ss = 1000, 5000
    t = 1700000000.0
    pkts = [
        (0.0, (CLIENT, SERVER, CPORT, SPORT, cs, 0, SYN, b"")),
        (0.001, (SERVER, CLIENT, SPORT, CPORT, ss, cs + 1, SYN | ACK, b"")),
        (0.002, (CLIENT, SERVER, CPORT, SPORT, cs + 1, ss + 1, ACK, b"")),
        (0.003, (CLIENT, SERVER, CPORT, SPORT, cs + 1, ss + 1, PSH | ACK, part)),
        (0.004, (SERVER, CLIENT, SPORT, CPORT, ss + 1, cs + 1 + len(part), ACK, b"")),
    ]
    if later > 0:
        other = bytes([10, 97, 0, 3])
        pkts.append((0.004 + later, (other, SERVER, 40999, SPORT, 7000, 0, SYN, b"")))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for dt, p in pkts:
            b = frame(*p)
            ts = t + dt
            f.write(struct.pack("<IIII", int(ts), int(round((ts % 1) * 1e6)), len(b), len(b)))
            f.write(b)
    print(json.dumps({
        "sni": SNI.decode() if where == "first" else None,
        "client_hello_bytes": first - 5,
        "client_hello_length": HELLO_LEN - 5,
        "client": ".".join(map(str, CLIENT)), "client_port": CPORT,
        "server": ".".join(map(str, SERVER)), "server_port": SPORT,
    }))


if __name__ == "__main__":
    main()
