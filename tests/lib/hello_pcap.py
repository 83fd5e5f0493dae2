#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a pcap of TLS handshakes that differ only in their SNI.

Every handshake is a real ClientHello (a record taken from a capture) with its
server_name extension rewritten to carry one name, sent from its own client
address and port; the server answers with a fatal unrecognized_name alert and
closes.  The names come one per line, hex encoded, so they may hold any byte
(quotes, backslashes, newlines, NUL, invalid UTF-8).

usage: hello_pcap.py HELLO_HEX NAMES_HEX OUT.pcap
  HELLO_HEX  file with one TLS record (hex) holding a whole ClientHello that
             has a server_name extension
  NAMES_HEX  file, one hex-encoded name per line
Prints the number of handshakes written.
"""
import struct
import sys

SERVER = bytes([10, 99, 0, 1])
SERVER_PORT = 443


def u16(b, o):
    return struct.unpack_from("!H", b, o)[0]


def with_sni(rec, name):
    """The record with its server_name extension carrying only NAME."""
    if rec[0] != 22 or rec[5] != 1 or u16(rec, 3) != len(rec) - 5:
        raise SystemExit("hello_pcap: not one whole ClientHello record")
    hs = rec[5:]
    o = 4 + 2 + 32
    o += 1 + hs[o]                  # session id
    o += 2 + u16(hs, o)             # cipher suites
    o += 1 + hs[o]                  # compression methods
    exts_at = o
    end = o + 2 + u16(hs, o)
    if end != len(hs):
        raise SystemExit("hello_pcap: extensions do not end the hello")
    o += 2
    out = b""
    found = False
    while o < end:
        typ, ln = struct.unpack_from("!HH", hs, o)
        body = hs[o + 4:o + 4 + ln]
        if typ == 0:
            found = True
            entry = b"\x00" + struct.pack("!H", len(name)) + name
            body = struct.pack("!H", len(entry)) + entry
        out += struct.pack("!HH", typ, len(body)) + body
        o += 4 + ln
    if not found:
        raise SystemExit("hello_pcap: the hello has no server_name extension")
    body = hs[4:exts_at] + struct.pack("!H", len(out)) + out
    msg = b"\x01" + len(body).to_bytes(3, "big") + body
    return rec[:3] + struct.pack("!H", len(msg)) + msg


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    c = csum(pseudo + tcp + payload)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000,
                     64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = bytes.fromhex("020000000001" "020000000002") + b"\x08\x00"
    return eth + ip + tcp + payload


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    rec = bytes.fromhex(open(sys.argv[1]).read().strip())
    names = [bytes.fromhex(line.strip()) for line in open(sys.argv[2]) if line.strip() != ""]
    alert = bytes.fromhex("15030300020270")     # fatal unrecognized_name
    SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
    t = 1700000000.0
    n = 0
    with open(sys.argv[3], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, name in enumerate(names):
            cli = bytes([10, 98, (i >> 8) & 0xFF, i & 0xFF])
            cport = 20000 + i % 40000
            ch = with_sni(rec, name)
            cs, ss = 1000, 5000
            pkts = [
                (cli, SERVER, cport, SERVER_PORT, cs, 0, SYN, b""),
                (SERVER, cli, SERVER_PORT, cport, ss, cs + 1, SYN | ACK, b""),
                (cli, SERVER, cport, SERVER_PORT, cs + 1, ss + 1, ACK, b""),
                (cli, SERVER, cport, SERVER_PORT, cs + 1, ss + 1, PSH | ACK, ch),
                (SERVER, cli, SERVER_PORT, cport, ss + 1, cs + 1 + len(ch), PSH | ACK, alert),
                (SERVER, cli, SERVER_PORT, cport, ss + 1 + len(alert), cs + 1 + len(ch),
                 FIN | ACK, b""),
                (cli, SERVER, cport, SERVER_PORT, cs + 1 + len(ch), ss + 2 + len(alert),
                 FIN | ACK, b""),
            ]
            for p in pkts:
                b = frame(*p)
                t += 0.0001
                f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(b), len(b)))
                f.write(b)
            n += 1
    print(n)


if __name__ == "__main__":
    main()
