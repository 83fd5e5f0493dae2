#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Certificates against what other projects expect, from the corpus:

- Zeek ssl.log: the server's and the client's chain, certificate by
  certificate (SHA-256 fingerprints, cert_chain_fps / client_cert_chain_fps),
  and where the baseline has them, validation_status (certificate has
  expired -> cert_expired; unable to get local issuer certificate ->
  incomplete_chain) and sni_matches_cert.
- nDPI (*.out): the server certificate's names (ServerNames) and the risks
  TLS Cert Mismatch (-> sni_not_in_certificate) and Self-signed Cert.
- Suricata (suricata-verify test.yaml): subject, issuer, serial, validity,
  SHA-1 fingerprint and subjectAltName of the server certificate, and the
  client certificate's serial.

Runs the real binary on each capture: tlsmon --read FILE --json.  TAP output.
"""
import glob
import os
import re

from oracle import CORPUS, find, main, records_or_fail, tap

CHAIN_KEPT = 6  # CERT_MAX_CHAIN
SANS_KEPT = 8   # CERT_MAX_SANS

RFC6125 = "RFC 6125 6.4.3-6.4.4"
# (capture, client port, what) -> why tlsmon differs from the reference
KNOWN = {
    ("ndpi/ssl-cert-name-mismatch.pcap", 54772, "mismatch"):
        "SNI wrong.host.badssl.com, names *.badssl.com and badssl.com: a wildcard stands "
        f"for one label only ({RFC6125}, the point of badssl's wrong.host test); nDPI "
        "lets it match two",
    ("zeek/tls-fragmented-handshake.pcap.gz.ssl.log", 61454, "chain"):
        "the server's Certificate message is 340 KB, fragmented over 21 records (20 of 16 KB): "
        "past the 64 KiB per side and flow that the datapath ships for reassembly "
        "(blob_budget), so tlsmon reports the Certificate as not parsed "
        "(certificates.unparsed_messages) and counts the budget hit",
    ("ndpi/smtp-starttls.pcap", 7562, "mismatch"):
        "SNI dovecot.weberlab.de, the self-signed certificate's only name is "
        f"CN=jw-vm08-int-dns ({RFC6125}); nDPI reports the self-signed risk and not the "
        "name",
}


def chain(r, side):
    return ((r.get("certificates") or {}).get(side) or {})


def zeek():
    for log in sorted(glob.glob(f"{CORPUS}/zeek/*.ssl.log")):
        fields, rows = None, []
        for line in open(log):
            if line.startswith("#fields"):
                fields = line.rstrip("\n").split("\t")[1:]
            elif not line.startswith("#") and fields:
                rows.append(dict(zip(fields, line.rstrip("\n").split("\t"))))
        if not fields or "cert_chain_fps" not in fields:
            continue
        capture = re.sub(r"\.(zeek-[^.]+\.)?ssl\.log$", "", log)
        if not os.path.exists(capture):
            continue
        rel = os.path.relpath(log, CORPUS)
        recs = records_or_fail(capture, f"Zeek {rel}")
        if recs is None:
            continue
        bad = []
        for z in rows:
            key = (z["id.orig_h"], int(z["id.orig_p"]), z["id.resp_h"], int(z["id.resp_p"]))
            r = find(recs, *key)
            if not r:
                bad.append(f"{key}: no record")
                continue
            why = KNOWN.get((rel, key[1], "chain"))
            if why:
                unparsed = (r.get("certificates") or {}).get("unparsed_messages", 0)
                if unparsed >= 1 and not chain(r, "server"):
                    print(f"# {rel} {key}: no chain: {why}")
                else:
                    bad.append(f"{key}: expected the Certificate reported unparsed ({why}); "
                               f"tlsmon: {r.get('certificates')}")
                continue
            for col, side in (("cert_chain_fps", "server"), ("client_cert_chain_fps", "client")):
                want = [] if z.get(col, "-") in ("-", "(empty)") else z[col].split(",")
                got = [c["sha256"] for c in chain(r, side).get("chain", [])]
                if got != want[:CHAIN_KEPT]:
                    bad.append(f"{key} {side} chain: Zeek {want}, tlsmon {got}")
            findings = set(chain(r, "server").get("findings", []))
            v = z.get("validation_status", "-")
            if v == "certificate has expired" and "cert_expired" not in findings:
                bad.append(f"{key}: Zeek '{v}', tlsmon findings {sorted(findings)}")
            if v == "unable to get local issuer certificate" and "incomplete_chain" not in findings:
                bad.append(f"{key}: Zeek '{v}', tlsmon findings {sorted(findings)}")
            if v == "ok":
                if findings & {"cert_expired", "cert_not_yet_valid", "self_signed"}:
                    bad.append(f"{key}: Zeek 'ok', tlsmon findings {sorted(findings)}")
                if "incomplete_chain" in findings:
                    top = chain(r, "server")["chain"][-1]
                    print(f"# {rel} {key}: Zeek validated this chain with the root store of "
                          f"its day; today's store has no '{top['issuer']}' (tlsmon: "
                          f"{chain(r, 'server')['validation']})")
            m = z.get("sni_matches_cert", "-")
            if m in ("T", "F") and (m == "F") != ("sni_not_in_certificate" in findings):
                bad.append(f"{key}: Zeek sni_matches_cert {m}, tlsmon findings {sorted(findings)}")
        tap(not bad, f"Zeek {rel} ({len(rows)} connections)", "\n".join(bad))


def ndpi():
    line_re = re.compile(r"^\s+\d+\s+TCP\s+(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(.*)$")
    for out in sorted(glob.glob(f"{CORPUS}/ndpi/*.out")):
        capture = out[: -len(".out")]
        flows = []
        for line in open(out):
            m = line_re.match(line)
            if m and ("ServerNames:" in line or "Cert" in line):
                names = re.search(r"\[ServerNames: ([^\]]*)\]", line)
                flows.append((m.group(1).strip("[]"), int(m.group(2)), m.group(3).strip("[]"),
                              int(m.group(4)), names.group(1).split(",") if names else None,
                              "TLS Cert Mismatch" in line, "Self-signed Cert" in line))
        if not flows:
            continue
        rel = os.path.relpath(capture, CORPUS)
        recs = records_or_fail(capture, f"nDPI {rel}")
        if recs is None:
            continue
        bad = []
        for a, ap, b, bp, names, mismatch, selfsigned in flows:
            r = find(recs, a, ap, b, bp) or find(recs, b, bp, a, ap)
            if not r:
                bad.append(f"{a}:{ap}<->{b}:{bp}: no record")
                continue
            leaf = (chain(r, "server").get("chain") or [{}])[0]
            findings = set(chain(r, "server").get("findings", []))
            if names is not None:
                sans = leaf.get("sans", [])
                total = leaf.get("sans_total", len(sans))
                if not (set(sans) <= set(names) and total == len(names) and
                        (len(names) > SANS_KEPT or set(sans) == set(names))):
                    bad.append(f"{r['client_port']}: nDPI names {names}, tlsmon {sans} of {total}")
            if mismatch != ("sni_not_in_certificate" in findings):
                why = KNOWN.get((rel, r["client_port"], "mismatch"))
                if why:
                    print(f"# {rel} {r['client_port']}: nDPI cert mismatch {mismatch}, tlsmon "
                          f"{sorted(findings)}: {why}")
                else:
                    bad.append(f"{r['client_port']}: nDPI cert mismatch {mismatch}, tlsmon "
                               f"{sorted(findings)}")
            if selfsigned != ("self_signed" in findings):
                bad.append(f"{r['client_port']}: nDPI self-signed {selfsigned}, tlsmon {sorted(findings)}")
        tap(not bad, f"nDPI {rel} ({len(flows)} flows)", "\n".join(bad))


def yaml_values(block):
    """key: value lines of a suricata-verify filter, continuation lines joined."""
    vals, key = {}, None
    for line in block.splitlines():
        m = re.match(r"^(\s+)([\w.\[\]]+):\s*(.*)$", line)
        if m:
            key = m.group(2)
            vals[key] = m.group(3).strip()
        elif key and line.strip() and not line.strip().startswith("-"):
            vals[key] += " " + line.strip()
    return {k: v.strip().strip("'\"") for k, v in vals.items()}


def rdns_suricata(s):
    return [p.strip() for p in re.split(r", (?=[A-Za-z]+=)", s)]


def rdns_rfc2253(s):
    parts = [p.replace("\\,", ",") for p in re.split(r"(?<!\\),", s)]
    return [p.replace("emailAddress=", "Email=") for p in reversed(parts)]


def suricata():
    keys = ("tls.subject", "tls.issuerdn", "tls.serial", "tls.notbefore", "tls.notafter",
            "tls.fingerprint", "tls.subjectaltname[0]", "tls.client.serial")
    for y in sorted(glob.glob(f"{CORPUS}/suricata/*/test.yaml")):
        d = os.path.dirname(y)
        caps = sorted(glob.glob(f"{d}/*.pcap"))
        want = {}
        for block in re.split(r"\n\s*- filter:", open(y).read())[1:]:
            v = yaml_values(block)
            if v.get("event_type") == "tls":
                want.update({k: v[k] for k in keys if k in v})
        if not caps or not want:
            continue
        rel = os.path.relpath(d, CORPUS)
        recs = records_or_fail(caps[0], f"Suricata {rel}")
        if recs is None:
            continue
        leaves = [(chain(r, "server").get("chain") or [None])[0] for r in recs]
        clients = [(chain(r, "client").get("chain") or [None])[0] for r in recs]
        bad = []
        checks = {
            "tls.subject": lambda c, v: rdns_rfc2253(c["subject"]) == rdns_suricata(v),
            "tls.issuerdn": lambda c, v: rdns_rfc2253(c["issuer"]) == rdns_suricata(v),
            "tls.serial": lambda c, v: int(c["serial"], 16) == int(v.replace(":", ""), 16),
            "tls.notbefore": lambda c, v: c["not_before"] == v + "Z",
            "tls.notafter": lambda c, v: c["not_after"] == v + "Z",
            "tls.fingerprint": lambda c, v: c["sha1"] == v.replace(":", "").lower(),
            "tls.subjectaltname[0]": lambda c, v: c["sans"][:1] == [v],
        }
        for k, v in want.items():
            pool = clients if k == "tls.client.serial" else leaves
            test = checks["tls.serial"] if k == "tls.client.serial" else checks[k]
            if not any(c and test(c, v) for c in pool):
                field = {"tls.subject": "subject", "tls.issuerdn": "issuer"}.get(k, None)
                got = [c.get(field) if field else {x: c.get(x) for x in
                       ("serial", "not_before", "not_after", "sha1", "sans")} for c in pool if c]
                bad.append(f"{k}: Suricata '{v}', tlsmon {got[:2]}")
        tap(not bad, f"Suricata {rel} ({len(want)} fields)", "\n".join(bad))


main(zeek, ndpi, suricata)
