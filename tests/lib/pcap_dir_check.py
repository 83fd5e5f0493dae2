#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks a --pcap-dir directory against tlsmon's JSON records, with tshark.

usage: pcap_dir_check.py RECORDS.json DIR [--subset]

Every failed TCP record has its file (--subset: every file has its record,
for a directory bounded by --pcap-max-files), named
<time>_<reason>_<server>_<port>.pcapng from the record; tshark reads each
file; the first packet's comment names the record's reason; tshark's
dissection of the ClientHello (server name) and of the alert (level,
description) agrees with the record.  The alert's name comes from tshark's
own table (tshark -G values), not from tlsmon.  Prints one line per problem
and 'checked N files' at the end; exits 1 on any problem.
"""
import json
import os
import re
import subprocess
import sys


def tshark(*args):
    r = subprocess.run(["tshark", *args], capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout


def alert_names():
    """tshark's names of the alert descriptions, as tlsmon spells them."""
    _, out = tshark("-G", "values")
    names = {}
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) >= 4 and f[0] == "V" and f[1] == "tls.alert_message.desc":
            names[int(f[2])] = re.sub(r"[^a-z0-9]+", "_", f[3].lower()).strip("_")
    return names


def name_of(r):
    ts = r["ts"]  # 2014-03-04T18:26:26.786031Z
    when = ts[0:4] + ts[5:7] + ts[8:10] + "T" + ts[11:13] + ts[14:16] + ts[17:19] + ts[19:26] + "Z"
    reason = r["reason"]
    if reason == "other_alert":
        reason += ":" + r["evidence"]["alert"]["description"]
    raw = "%s_%s_%s_%d" % (when, reason, r["server"], r["server_port"])
    return re.sub(r"[^A-Za-z0-9._-]", "-", raw)


def main():
    recs_path, d = sys.argv[1], sys.argv[2]
    subset = "--subset" in sys.argv
    recs = [json.loads(l) for l in open(recs_path) if l.startswith("{")]
    failed = [r for r in recs if r.get("outcome") == "failed" and r.get("transport", "tcp") == "tcp"]
    files = sorted(f for f in os.listdir(d) if not f.startswith("."))
    hidden = [f for f in os.listdir(d) if f.startswith(".")]
    bad = []
    if hidden:
        bad.append("temporary files left: %s" % hidden)
    by_name = {}
    for r in failed:
        by_name.setdefault(name_of(r), []).append(r)
    names = alert_names()
    pat = re.compile(r"^(\d{8}T\d{6}\.\d{6}Z_[A-Za-z0-9_.-]+_\d+)(-\d+)?\.pcapng$")
    seen = set()
    for f in files:
        m = pat.match(f)
        if not m or m.group(1) not in by_name:
            bad.append("%s: no record of that name" % f)
            continue
        cands = by_name[m.group(1)]
        path = os.path.join(d, f)
        if os.stat(path).st_mode & 0o777 != 0o640:
            bad.append("%s: mode %o" % (f, os.stat(path).st_mode & 0o777))
        port = m.group(1).rsplit("_", 1)[1]
        # TLS on any port, as tlsmon finds it (STARTTLS, 80, 8443)
        rc, out = tshark("-r", path, "-d", "tcp.port==%s,tls" % port, "-T", "fields", "-E", "separator=|", "-e", "frame.comment",
                         "-e", "tls.handshake.type", "-e", "tls.handshake.extensions_server_name",
                         "-e", "tls.alert_message.level", "-e", "tls.alert_message.desc")
        rows = [l.split("|") for l in out.splitlines()]
        if rc != 0 or not rows:
            bad.append("%s: tshark -r failed (%d)" % (f, rc))
            continue
        hs_types = ",".join(r[1] for r in rows).split(",")
        snis = [x for r in rows for x in r[2].split(",") if x]
        alerts = [(int(l), names.get(int(a), a)) for r in rows if r[4]
                  for l, a in zip(r[3].split(","), r[4].split(","))]
        ok_rec = None
        for r in cands:
            why = []
            if "reason=%s " % (r["reason"] if r["reason"] != "other_alert" else
                               "other_alert:" + r["evidence"]["alert"]["description"]) \
                    not in rows[0][0] + " ":
                why.append("first packet's comment %r lacks the reason" % rows[0][0][:120])
            if r.get("client_hello_seen") and "1" not in hs_types:
                why.append("no ClientHello in the file")
            if r.get("sni") and r["sni"] not in snis:
                why.append("server name %r, tshark %r" % (r["sni"], snis))
            if not r.get("sni") and snis:
                why.append("tshark finds a server name %r, the record none" % snis)
            al = r.get("evidence", {}).get("alert")
            if al and not al.get("encrypted"):
                want = (2 if al["level"] == "fatal" else 1, al["description"])
                if want not in alerts:
                    why.append("alert %r, tshark %r" % (want, alerts))
            if not why:
                ok_rec = r
                break
        if ok_rec is None:
            bad.append("%s: %s" % (f, "; ".join(why)))
        else:
            seen.add(id(ok_rec))
    if not subset:
        for r in failed:
            if id(r) not in seen:
                bad.append("no file for the record %s" % name_of(r))
    for b in bad:
        print(b)
    print("checked %d files, %d failed records" % (len(files), len(failed)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
