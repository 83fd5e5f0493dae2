#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Fingerprints and SNI against what other projects expect, from the corpus:

- FoxIO JA4: every handshake's JA4 (and JA4_r, and JA4 of a second ClientHello
  after a HelloRetryRequest) equals the Python reference (*.expected.json);
  the Rust reference (*.rust.snap) is checked too.  Where the two disagree,
  tlsmon follows the specification (technical_details/JA4.md) and the case is
  named below.
- FoxIO JA4 over QUIC: every QUIC connection of the Rust reference (udp,
  ja4: q...) has a record with "transport": "quic", that JA4 and that SNI,
  and tlsmon has no QUIC record with a ClientHello the reference lacks (its
  q13... server fingerprints, JA4S, are not ours and are ignored).
- Suricata (suricata-verify test.yaml): tls.sni, tls.ja4, tls.ja3 and tls.ja3s;
  quic.ja4 on the QUIC records.
- nDPI (*.out): SNI and JA4 of each TLS flow.

Where a reference is itself wrong against its specification, the case is
listed in KNOWN with the specification it breaks; tlsmon must then give
exactly the answer written there.  Runs the real binary: tlsmon --read FILE --json.
TAP output.
"""
import glob
import json
import os
import re

from oracle import CORPUS, find, main, records_or_fail, tap


JA4_SPEC = "FoxIO JA4 spec, technical_details/JA4.md"

# (capture suffix, connection "client:port", field) -> (what tlsmon reports, why)
KNOWN = {
    ("ja4/tls-non-ascii-alpn.pcapng", "*", "ja4"): (
        "t13d1516bd_8daaf6152771_e5627efa2ab1",
        JA4_SPEC + ", 'ALPN Extension Value': when the first or last byte of the first ALPN "
        "value is not alphanumeric, print the first and last characters of its hex "
        "representation (0xba 0xad -> 'bd'); the Python and Rust references print '99'"),
    ("ja4/tls-non-ascii-alpn.pcapng", "*", "ja4_r"): (
        "t13d1516bd_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
        "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_"
        "0403,0804,0401,0503,0805,0501,0806,0601",
        JA4_SPEC + ": the same ALPN rule as its JA4 (0xba 0xad -> 'bd')"),
    ("suricata/bug-5713-02-ja4", "*", "ja4"): (
        "t10i070600_c50f5591e341_c39ab67fec8e",
        JA4_SPEC + ", 'Extension hash': 'If there are no signature algorithms in the hello "
        "packet, then the string ends without an underscore and is hashed' (sha256 of "
        "'0005,000a,000b,0017,0023,ff01' is c39ab67fec8e); Suricata hashes it with the "
        "underscore ('..._' gives ce66f3b797c1); FoxIO's Rust reference leaves it out too"),
    ("suricata/tls13-draft14", "*", "suricata_version"): (
        "TLS 1.3",
        "the ServerHello's version field is 0x0304 and it has no supported_versions "
        "extension: tlsmon reports the version on the wire (TLSv1.3); Suricata names it "
        "'draft-<16' from the hello's pre-draft-16 layout (no session_id)"),
    ("ndpi/tls_cipher_lens.pcap", "*:51588", "ja4"): (
        None,
        "the ClientHello's cipher_suites length is tampered (132 for 72 bytes); RFC 5246 "
        "7.4.1.2 vectors must fit their message, so tlsmon reports a malformed hello and no "
        "fingerprint, where nDPI hashes what it read (its '_e3b0c44298fc' is the SHA-256 of "
        "an empty string, which the JA4 spec replaces by 000000000000)"),
    ("ndpi/tls_invalid_reads.pcap", "*", "ja4"): (
        None,
        "fuzzed ClientHello: an extension vector runs past the message (RFC 5246 7.4.1.4); "
        "tlsmon reports a malformed hello and no fingerprint"),
    ("ndpi/tls_invalid_reads.pcap", "*", "sni"): (
        None,
        "fuzzed ClientHello: tlsmon refuses the whole hello (RFC 5246 7.4.1.4), SNI included"),
    ("ndpi/smtp-starttls.pcap", "*", "sni"): (
        None,
        "the ClientHello has no server_name extension (tshark finds none); nDPI takes "
        "'mx.google.com' from the SMTP dialogue, tlsmon reports the hello's SNI only"),
}


def known(capture, conn, field):
    rel = os.path.relpath(capture, CORPUS)
    for (cap, c, f), v in KNOWN.items():
        if rel == cap and f == field and (c == "*" or c == conn or
                                          (c.startswith("*:") and conn.endswith(c[1:]))):
            return v
    return None


def check(capture, conn, field, want, got, what):
    """Compare, consulting KNOWN; returns 1 if a mismatch is unexplained."""
    if want == got:
        return 0
    k = known(capture, conn, field)
    if k and k[0] == got:
        print(f"# {os.path.relpath(capture, CORPUS)} {conn} {field}: {what} '{want}', "
              f"tlsmon '{got}': {k[1]}")
        return 0
    return 1


def parse_rust_snap(path):
    """The Rust reference: a YAML list of flows; only the keys we need."""
    flows, cur = [], None
    for line in open(path):
        m = re.match(r"^- stream: (\d+)", line)
        if m:
            cur = {}
            flows.append(cur)
            continue
        m = re.match(r"^  (\w+): (.*)$", line)
        if cur is not None and m:
            cur[m.group(1)] = m.group(2).strip().strip("'\"")
    return flows


def foxio():
    for exp in sorted(glob.glob(f"{CORPUS}/ja4/*.expected.json")):
        capture = exp[: -len(".expected.json")]
        rel = os.path.relpath(capture, CORPUS)
        recs = records_or_fail(capture, f"JA4 {rel}")
        if recs is None:
            continue
        py = json.load(open(exp))
        rust = parse_rust_snap(capture + ".rust.snap") if os.path.exists(
            capture + ".rust.snap") else []
        bad, checked = [], 0
        for e in py:
            if "JA4.1" not in e:
                continue
            conn = f"{e['src']}:{e['srcport']}"
            r = find(recs, e["src"], int(e["srcport"]), e["dst"], int(e["dstport"]))
            checked += 1
            if not r:
                bad.append(f"{conn}: no record")
                continue
            for field, key in (("ja4", "JA4.1"), ("ja4_r", "JA4_r.1"), ("ja4_retry", "JA4.2")):
                if key in e and check(capture, conn, field, e[key], r.get(field), "Python"):
                    bad.append(f"{conn} {field}: Python '{e[key]}', tlsmon '{r.get(field)}'")
        for f in rust:
            if f.get("transport") != "tcp" or "ja4" not in f:
                continue
            conn = f"{f['src']}:{f['src_port']}"
            r = find(recs, f["src"], int(f["src_port"]), f["dst"], int(f["dst_port"]))
            checked += 1
            if not r:
                bad.append(f"{conn}: no record (Rust has {f['ja4']})")
                continue
            pe = [x for x in py if x.get("src") == f["src"] and x.get("srcport") == f["src_port"]]
            if not pe or "JA4.1" not in pe[0]:
                # Python has nothing for this flow: the Rust reference alone decides
                print(f"# {rel} {conn}: only the Rust reference has a JA4 here; tlsmon "
                      "follows it (the spec fingerprints every ClientHello)")
            if check(capture, conn, "ja4", f["ja4"], r.get("ja4"), "Rust"):
                bad.append(f"{conn} ja4: Rust '{f['ja4']}', tlsmon '{r.get('ja4')}'")
        tap(not bad, f"JA4 {rel} ({checked} fingerprints)", "\n".join(bad))


def foxio_quic():
    snaps = sorted(glob.glob(f"{CORPUS}/ja4/*.rust.snap") + glob.glob(f"{CORPUS}/ja4/quic/*.rust.snap"))
    for snap in snaps:
        flows = [f for f in parse_rust_snap(snap)
                 if f.get("transport") == "udp" and f.get("ja4", "").startswith("q")]
        if not flows:
            continue
        capture = snap[: -len(".rust.snap")]
        rel = os.path.relpath(capture, CORPUS)
        recs = records_or_fail(capture, f"JA4 QUIC {rel}")
        if recs is None:
            continue
        quic = [r for r in recs if r.get("transport") == "quic"]
        bad, seen = [], set()
        for f in flows:
            conn = f"{f['src']}:{f['src_port']}"
            r = find(quic, f["src"], int(f["src_port"]), f["dst"], int(f["dst_port"]))
            if not r:
                bad.append(f"{conn}: no QUIC record (Rust has {f['ja4']})")
                continue
            seen.add(r["id"])
            if r.get("ja4") != f["ja4"]:
                bad.append(f"{conn} ja4: Rust '{f['ja4']}', tlsmon '{r.get('ja4')}'")
            if r.get("sni") != f.get("tls_server_name"):
                bad.append(f"{conn} sni: Rust '{f.get('tls_server_name')}', tlsmon '{r.get('sni')}'")
        for r in quic:
            if r["client_hello_seen"] and r["id"] not in seen:
                bad.append(f"{r['client']}:{r['client_port']}: a QUIC record the reference lacks")
        tap(not bad, f"JA4 QUIC {rel} ({len(flows)} connections)", "\n".join(bad))


def suricata_quic():
    for y in sorted(glob.glob(f"{CORPUS}/suricata/*/test.yaml")):
        text = open(y).read()
        checks = []
        for block in re.split(r"\n\s*- filter:", text)[1:]:
            m = re.search(r"^\s+quic\.ja4:\s*(\S+)", block, re.M)
            if re.search(r"event_type:\s*quic\b", block) and m:
                cm = re.search(r"count:\s*(\d+)", block)
                checks.append((int(cm.group(1)) if cm else None, m.group(1).strip("'\"")))
        if not checks:
            continue
        d = os.path.dirname(y)
        rel = os.path.relpath(d, CORPUS)
        recs = records_or_fail(glob.glob(f"{d}/*.pcap")[0], f"Suricata QUIC {rel}")
        if recs is None:
            continue
        quic = [r for r in recs if r.get("transport") == "quic"]
        bad = []
        for count, ja4 in checks:
            got = [r for r in quic if r.get("ja4") == ja4]
            if (len(got) != count) if count is not None else not got:
                bad.append(f"expected {count} QUIC records with ja4 {ja4}; tlsmon has {len(got)}")
        tap(not bad, f"Suricata QUIC {rel} ({len(checks)} checks)", "\n".join(bad))


def suricata_version(r):
    """Suricata's tls.version from a tlsmon record: the version the ServerHello chose
    or, with no ServerHello, the client's highest offer (supported_versions, else the
    hello's own version), which is what Suricata 8.0.3 and later log."""
    offered = [x for x in r.get("versions_offered") or [] if x.startswith(("TLSv", "SSL"))]
    v = r.get("version") or (offered[0] if offered else r.get("client_version"))
    if v is None:
        return "UNDETERMINED"
    m = re.match(r"TLSv1\.3-draft(\d+)$", v)
    if m:
        return "TLS 1.3 draft-<16" if int(m.group(1)) < 16 else f"TLS 1.3 draft-{m.group(1)}"
    return {"TLSv1.0": "TLSv1", "TLSv1.1": "TLS 1.1", "TLSv1.2": "TLS 1.2",
            "TLSv1.3": "TLS 1.3"}.get(v, v)


def suricata():
    for y in sorted(glob.glob(f"{CORPUS}/suricata/*/test.yaml")):
        d = os.path.dirname(y)
        caps = [c for c in glob.glob(f"{d}/*.pcap") if not c.endswith(".tsv")]
        if not caps:
            continue
        text = open(y).read()
        checks = []
        for block in re.split(r"\n\s*- filter:", text)[1:]:
            if not re.search(r"event_type:\s*tls\b", block):
                continue
            if re.search(r"requires:\s*\n\s+lt-version:", block):
                continue  # what older Suricata releases logged; the newest behaviour counts
            want = {}
            for key in ("tls.sni", "tls.ja4", "tls.ja3.hash", "tls.ja3.string",
                        "tls.ja3s.hash", "tls.ja3s.string", "tls.version"):
                m = re.search(rf"^\s+{re.escape(key)}:\s*(.+)$", block, re.M)
                if m:
                    want[key] = m.group(1).strip().strip("'\"")
            cm = re.search(r"count:\s*(\d+)", block)
            if want:
                checks.append((int(cm.group(1)) if cm else None, want))
        if not checks:
            continue
        rel = os.path.relpath(d, CORPUS)
        recs = records_or_fail(caps[0], f"Suricata {rel}")
        if recs is None:
            continue
        keymap = {"tls.sni": "sni", "tls.ja4": "ja4", "tls.ja3.hash": "ja3",
                  "tls.ja3.string": "ja3_string", "tls.ja3s.hash": "ja3s",
                  "tls.ja3s.string": "ja3s_string", "tls.version": "suricata_version"}
        for r in recs:
            r["suricata_version"] = suricata_version(r)
        bad = []
        for count, want in checks:
            want = dict(want)
            for k, v in list(want.items()):
                kn = known(d, "*", keymap[k])
                if kn and kn[0] != v and any(r.get(keymap[k]) == kn[0] for r in recs):
                    print(f"# {rel} {keymap[k]}: Suricata '{v}', tlsmon '{kn[0]}': {kn[1]}")
                    want[k] = kn[0]
            got = [r for r in recs if all(r.get(keymap[k]) == v for k, v in want.items())]
            # Suricata logs one tls event per session: the same number of records must match
            if (len(got) != count) if count is not None else not got:
                seen = sorted({str({keymap[k]: r.get(keymap[k]) for k in want}) for r in recs})
                bad.append(f"expected {count} with {want}; tlsmon has {len(got)}; "
                           f"tlsmon's values: {seen[:4]}")
        tap(not bad, f"Suricata {rel} ({len(checks)} checks)", "\n".join(bad))


def tshark_hellos(capture):
    """The corpus' tshark dissection: (src, sport, dst, dport) -> (SNI, first ALPN value)
    of each ClientHello."""
    hellos = {}
    tsv = capture + ".tshark.tsv"
    if not os.path.exists(tsv):
        return hellos
    with open(tsv) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(head, line.rstrip("\n").split("\t")))
            if row.get("tls.handshake.type", "").split(",")[0] != "1":
                continue
            key = (row["ip.src/ipv6.src"], int(row["tcp.srcport"] or 0),
                   row["ip.dst/ipv6.dst"], int(row["tcp.dstport"] or 0))
            alpn = row.get("tls.handshake.extensions_alpn_str", "")
            hellos.setdefault(key, (row.get("tls.handshake.extensions_server_name") or None,
                                    alpn.split(",")[0] if alpn else None))
    return hellos


def ja4_a_from_spec(ja4, sni, alpn):
    """JA4 with its SNI flag and ALPN characters recomputed by the spec's rules
    from tshark's dissection of the same hello: 'd' when the server_name extension
    is there, else 'i'; the first and last characters of the first ALPN value."""
    a = "00"
    if alpn:
        a = alpn[0] + alpn[-1]
        if not (a.isascii() and a.isalnum()):
            return None  # the hex rule; tshark's text can't give the bytes
    return ja4[:3] + ("d" if sni else "i") + ja4[4:8] + a + ja4[10:]


def ndpi():
    line_re = re.compile(r"^\s+\d+\s+TCP\s+(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(.*)$")
    for out in sorted(glob.glob(f"{CORPUS}/ndpi/*.out")):
        capture = out[: -len(".out")]
        rel = os.path.relpath(capture, CORPUS)
        flows = []
        for line in open(out):
            m = line_re.match(line)
            if not m:
                continue
            rest = m.group(5)
            sni = re.search(r"\[Hostname/SNI: ([^\]]+)\]", rest)
            ja4 = re.search(r"\[JA4: ([a-z0-9_]+)\]", rest)
            if sni or ja4:
                a, ap, b, bp = m.group(1).strip("[]"), int(m.group(2)), m.group(3).strip("[]"), \
                    int(m.group(4))
                flows.append((a, ap, b, bp, sni.group(1) if sni else None,
                               ja4.group(1) if ja4 else None))
        if not flows:
            continue
        recs = records_or_fail(capture, f"nDPI {rel}")
        if recs is None:
            continue
        bad = []
        hellos = tshark_hellos(capture)
        for a, ap, b, bp, sni, ja4 in flows:
            r = find(recs, a, ap, b, bp)
            conn = f"{a}:{ap}" if r is None or r["client"] == a else f"{b}:{bp}"
            if not r:
                if not (known(capture, f"{a}:{ap}", "ja4") or known(capture, f"{b}:{bp}", "ja4")):
                    bad.append(f"{a}:{ap}<->{b}:{bp}: no record")
                continue
            if sni and check(capture, conn, "sni", sni, r.get("sni"), "nDPI"):
                bad.append(f"{conn} sni: nDPI '{sni}', tlsmon '{r.get('sni')}'")
            if ja4 and ja4 != r.get("ja4"):
                # nDPI at the corpus snapshot writes 'd' for every TCP hello and the
                # first two characters of the first ALPN value; recompute those two
                # parts by the spec from tshark's view of the hello and compare again
                h = hellos.get((r["client"], r["client_port"], r["server"], r["server_port"]))
                spec = ja4_a_from_spec(ja4, *h) if h else None
                if spec and spec == r.get("ja4"):
                    print(f"# {rel} {conn} ja4: nDPI '{ja4}', tlsmon '{spec}': {JA4_SPEC}: "
                          f"SNI flag from the server_name extension (tshark: "
                          f"{h[0]!r}), ALPN characters first and last of {h[1]!r}")
                elif check(capture, conn, "ja4", ja4, r.get("ja4"), "nDPI"):
                    bad.append(f"{conn} ja4: nDPI '{ja4}', tlsmon '{r.get('ja4')}' "
                               f"(by the spec from tshark's hello: {spec})")
        tap(not bad, f"nDPI {rel} ({len(flows)} flows)", "\n".join(bad))


main(foxio, foxio_quic, suricata, suricata_quic, ndpi)
