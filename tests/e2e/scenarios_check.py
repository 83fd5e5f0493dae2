#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
The expected diagnosis of every step of tests/e2e/test_scenarios.sh, from
what the real software puts on the wire (tests/e2e/SCENARIOS.md).

usage: scenarios_check.py RECORDS.json STEPS.tsv
Prints one line per expectation: "ok<TAB>name" or "not ok<TAB>name<TAB>why".
A record belongs to the step whose time window holds its start ("ts").
"""
import datetime
import json
import sys

A4, A6, B4, B6, PX4 = "10.77.2.2", "fd77:2::2", "10.77.3.2", "fd77:3::2", "10.77.4.2"
RSA_ONLY = {"TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"}


def ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


recs = []
for line in open(sys.argv[1]):
    if line.startswith("{"):
        recs.append(json.loads(line))
steps = []
for line in open(sys.argv[2]):
    name, t0, t1, rc = line.rstrip("\n").split("\t")
    steps.append((name, float(t0), float(t1), int(rc)))
by_step = {n: [r for r in recs if t0 <= ts(r["ts"]) <= t1] for n, t0, t1, _ in steps}
rc_of = {n: rc for n, _, _, rc in steps}
out = []


def report(ok, name, why=""):
    out.append(f"ok\t{name}" if ok else f"not ok\t{name}\t{why}")


def brief(r):
    keys = ("client_port", "server", "server_port", "sni", "version", "kind", "outcome",
            "reason", "evidence", "alerts", "history", "closed_before_application_data")
    return json.dumps({k: r.get(k) for k in keys if k in r}, separators=(",", ":"))


def alert(r, sender, desc, encrypted=False):
    return any(a["sender"] == sender and a.get("description") == desc and
               a["encrypted"] == encrypted for a in r.get("alerts", []))


def expect(step, what, pred, server=None, port=None, count=None):
    """Every record of the step at server:port satisfies pred; there is at
    least one (exactly count, if given)."""
    rs = [r for r in by_step.get(step, [])
          if (server is None or r["server"] == server) and (port is None or r["server_port"] == port)]
    name = f"{step}: {what}"
    if not rs:
        report(False, name, f"no record (client exit {rc_of.get(step)}); the step's records: "
               + "; ".join(brief(r) for r in by_step.get(step, [])))
        return
    if count is not None and len(rs) != count:
        report(False, name, f"{len(rs)} records, expected {count}: " + "; ".join(map(brief, rs)))
        return
    bad = [r for r in rs if not pred(r)]
    report(not bad, name, "; ".join(map(brief, bad)))


def established(kind=None, version=None, sni=None, **more):
    def p(r):
        return (r["outcome"] == "established" and (kind is None or r.get("kind") == kind) and
                (version is None or r.get("version") == version) and
                (sni is None or r.get("sni") == sni) and
                all(r.get(k) == v for k, v in more.items()))
    return p


def failed(reason, sni=None, ev=None, alert_=None):
    def p(r):
        e = r.get("evidence") or {}
        return (r["outcome"] == "failed" and r.get("reason") == reason and
                (sni is None or r.get("sni") == sni) and
                all(e.get(k) == v for k, v in (ev or {}).items()) and
                (alert_ is None or alert(r, *alert_)))
    return p


# 1. success, full and resumed; HelloRetryRequest; mutual TLS; IPv6
expect("ok13_full", "TLS 1.3 full handshake established",
       established("full", "TLSv1.3", "a.lab.test"), A4, 4413, 1)
expect("ok13_psk", "TLS 1.3 resumed by PSK", established("resumed_psk", "TLSv1.3"), A4, 4413, 1)
expect("ok12_full_ticket", "TLS 1.2 full handshake", established("full", "TLSv1.2"), A4, 4412, 1)
expect("ok12_ticket", "TLS 1.2 resumed by ticket", established("resumed_ticket", "TLSv1.2"),
       A4, 4412, 1)
expect("ok12_full_id", "TLS 1.2 full handshake (no ticket)", established("full", "TLSv1.2"),
       A4, 4412, 1)
expect("ok12_session_id", "TLS 1.2 resumed by session ID",
       established("resumed_session_id", "TLSv1.2"), A4, 4412, 1)
expect("ok13_hrr", "HelloRetryRequest, then established",
       established("full", "TLSv1.3", hello_retry_request=True), A4, 4414, 1)
expect("ok_mtls12", "mutual TLS 1.2 established, seen as mutual",
       established("full", "TLSv1.2", mutual_tls=True), A4, 4420, 1)
expect("ok_mtls13", "mutual TLS 1.3 established", established("full", "TLSv1.3"), A4, 4421, 1)
expect("ok_v6", "IPv6 established", established(version="TLSv1.3", client="fd77:1::2"), A6, 443, 1)
expect("ok_curl_a", "curl to A established", established(sni="a.lab.test"), A4, 443, 1)
expect("ok_curl_b", "curl to B established with RSA key exchange",
       lambda r: established(version="TLSv1.2")(r) and r.get("cipher") in RSA_ONLY, B4, 443, 1)
expect("ok_curl_b6", "curl to B over IPv6 established", established(version="TLSv1.2"), B6, 443, 1)

# 2. version mismatch: protocol_version names it (confirmed)
CONFIRMED = {"confidence": "confirmed"}
expect("vm_tls1", "TLS 1.0 client vs TLS 1.2+ server: version_mismatch, confirmed",
       failed("version_mismatch", ev=CONFIRMED, alert_=("server", "protocol_version")), A4, 4410, 1)
expect("vm_tls11_nginx", "TLS 1.1 client vs nginx TLS 1.2+: version_mismatch, confirmed",
       failed("version_mismatch", ev=CONFIRMED, alert_=("server", "protocol_version")), A4, 443, 1)

# no shared cipher: one weak suite offered
# A's profile so far holds TLS 1.3 suites only (curl, s_client): nothing to compare a TLS
# 1.2-only offer with, so the offer decides: likely
expect("nsc_weak", "a single DHE suite vs nginx A: no_shared_cipher, likely, with what was offered",
       lambda r: failed("no_shared_cipher", ev={"confidence": "likely"},
                        alert_=("server", "handshake_failure"))(r) and
       r["evidence"].get("client_ciphers") == r.get("ciphers_offered") and
       "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" in r.get("ciphers_offered", []) and
       len([c for c in r["ciphers_offered"] if "EMPTY_RENEGOTIATION" not in c]) == 1, A4, 443, 1)

# 3. python vs backends A and B


def b_profile(r):
    sa = (r.get("evidence") or {}).get("server_accepted") or {}
    # B served curl before (ok_curl_b): its own profile confirms it
    return (failed("no_shared_cipher", "api.lab.test", {"basis": "server_profile", **CONFIRMED},
                   alert_=("server", "handshake_failure"))(r)
            and set(sa.get("ciphers") or []) <= RSA_ONLY and sa.get("ciphers") and
            not RSA_ONLY & set(r.get("ciphers_offered", [])))


expect("py_rr", "python at A: every handshake established", established(sni="api.lab.test"),
       A4, 443, 3)
expect("py_rr", "python at B: every failure no_shared_cipher, confirmed, B's profile as evidence",
       b_profile, B4, 443, 3)
expect("py_rr6", "python at B over IPv6: no_shared_cipher", b_profile, B6, 443, 2)
fails_at_a = [r for s in ("py_rr", "py_rr6") for r in by_step.get(s, [])
              if r["server"] in (A4, A6) and r["outcome"] != "established"]
report(not fails_at_a, "python: no failure at A", "; ".join(map(brief, fails_at_a)))

# 4. the middlebox
mb = failed("reset_after_client_hello", "blocked.lab.test",
            {"suspected_middlebox": True, "ttl_mismatch": True, "reset_by": "server"})
expect("mb_sclient4", "reset by the router for the SNI (IPv4): suspected_middlebox", mb, A4, 443, 1)
expect("mb_sclient6", "reset by the router for the SNI (IPv6): suspected_middlebox", mb, A6, 443, 1)
expect("mb_curl4", "curl reset by the router: suspected_middlebox", mb, A4, 443, 1)
expect("mb_other_ok", "another SNI to the same server succeeds", established(sni="a.lab.test"),
       A4, 443, 1)
expect("mb_unblocked_ok", "the name works once unblocked", established(sni="blocked.lab.test"),
       A4, 443, 1)

# 5. the server rejects the client certificate
expect("mtls12_weak", "TLS 1.2, SHA-1 signed client cert: server_rejected_client_cert",
       failed("server_rejected_client_cert", ev={"client_certificate_sent": True},
              alert_=("server", "bad_certificate")), A4, 4420, 1)
expect("mtls12_rsa1024", "TLS 1.2, RSA-1024 client cert: server_rejected_client_cert",
       failed("server_rejected_client_cert", ev={"client_certificate_sent": True},
              alert_=("server", "bad_certificate")), A4, 4420, 1)
expect("mtls12_untrusted", "TLS 1.2, untrusted CA: server_rejected_client_cert",
       failed("server_rejected_client_cert", ev={"client_certificate_sent": True},
              alert_=("server", "unknown_ca")), A4, 4420, 1)
expect("mtls12_nocert", "TLS 1.2, no client cert: server_rejected_client_cert",
       failed("server_rejected_client_cert", ev={"client_certificate_sent": False},
              alert_=("server", "handshake_failure")), A4, 4420, 1)
inferred = failed("server_rejected_client_cert", ev={"inferred": True})
expect("mtls13_weak", "TLS 1.3, weak client cert: server_rejected_client_cert, inferred",
       inferred, A4, 4421, 1)
expect("mtls13_untrusted", "TLS 1.3, untrusted CA: server_rejected_client_cert, inferred",
       inferred, A4, 4421, 1)
expect("mtls13_nocert", "TLS 1.3, no client cert: server_rejected_client_cert, inferred",
       inferred, A4, 4421, 1)
expect("mtls13_curl_untrusted", "TLS 1.3 curl, untrusted CA: server_rejected_client_cert",
       inferred, A4, 4421, 1)

# 6. the SNI proxy
expect("px_nosni", "no SNI to the proxy: closed_after_client_hello, client_sent_no_sni",
       failed("closed_after_client_hello", ev={"client_sent_no_sni": True, "closed_by": "server"}),
       PX4, 443, 1)
expect("px_curl_ip", "curl by IP (no SNI): closed_after_client_hello, client_sent_no_sni",
       failed("closed_after_client_hello", ev={"client_sent_no_sni": True}), PX4, 443, 1)
expect("px_unknown_sni", "an unknown SNI: closed_after_client_hello with the SNI",
       failed("closed_after_client_hello", "nobody.lab.test", {"client_sent_no_sni": False}),
       PX4, 443, 1)
expect("px_ok", "a known SNI through the proxy: established", established(sni="a.lab.test"),
       PX4, 443, 1)

# 7. the client refuses the server's certificate
DESC = {"expired": "certificate_expired", "wrongname": "bad_certificate",
        "unknownca": "unknown_ca"}
PORT = {"expired": 4430, "wrongname": 4431, "unknownca": 4432}
for n in ("expired", "wrongname", "unknownca"):
    for v in ("12", "13"):
        ver = "TLSv1.2" if v == "12" else "TLSv1.3"
        clear = failed("client_rejected_server_cert", alert_=("client", DESC[n]))
        expect(f"cr_{n}_{v}_sclient", f"s_client, {n}, {ver}: client_rejected_server_cert "
               f"({DESC[n]} in clear)", clear, A4, PORT[n], 1)
        expect(f"cr_{n}_{v}_python", f"python, {n}, {ver}: client_rejected_server_cert "
               f"({DESC[n]} in clear)", clear, A4, PORT[n], 1)
        if v == "12":
            expect(f"cr_{n}_{v}_gnutls", f"gnutls-cli, {n}, TLS 1.2: client_rejected_server_cert "
                   "(bad_certificate in clear)",
                   failed("client_rejected_server_cert", alert_=("client", "bad_certificate")),
                   A4, PORT[n], 1)
        else:
            expect(f"cr_{n}_{v}_gnutls", f"gnutls-cli, {n}, TLS 1.3: client_rejected_server_cert, "
                   "inferred from its encrypted alert",
                   failed("client_rejected_server_cert", ev={"inferred": True}), A4, PORT[n], 1)
        if n == "wrongname":
            expect(f"cr_{n}_{v}_curl", f"curl, wrong name, {ver}: the handshake completes, then "
                   "the client closes before any data",
                   established(version=ver, closed_before_application_data="client"),
                   A4, PORT[n], 1)
        else:
            expect(f"cr_{n}_{v}_curl", f"curl, {n}, {ver}: client_rejected_server_cert "
                   f"({DESC[n]} in clear)", clear, A4, PORT[n], 1)

# the other reasons
expect("unrecognized_name", "fatal unrecognized_name: unrecognized_name",
       failed("unrecognized_name", "other.lab.test"), A4, 4415, 1)
expect("plain_text", "an HTTP server on a TLS port: non_tls_response",
       lambda r: failed("non_tls_response")(r) and
       (r.get("evidence") or {}).get("first_bytes", "").startswith("HTTP/1.1"), A4, 8443, 1)
expect("no_alpn", "nginx refuses every offered ALPN: no_shared_alpn, the offer as evidence",
       lambda r: failed("no_shared_alpn", "a.lab.test", CONFIRMED,
                        ("server", "no_application_protocol"))(r) and
       (r.get("evidence") or {}).get("client_alpn") == r.get("alpn_offered") and
       r["evidence"].get("client_alpn_count") == 40, A4, 443, 1)
expect("no_server_hello", "a server that never answers: no_server_hello",
       failed("no_server_hello"), B4, 4499, 1)
expect("aborted", "a client that resets after the server's first flight: aborted_during_handshake",
       failed("aborted_during_handshake"), A4, 4412, 1)

# 8. hellos over several segments
expect("big_ch", "a 2.5 KB ClientHello in two segments: SNI, ALPN list, established",
       lambda r: established(sni="a.lab.test")(r) and r.get("alpn_offered_count") == 41 and
       "alpn" in r.get("client_hello_cut", []) and r["alpn_offered"][0] == "proto-01-" + "x" * 20,
       A4, 443, 1)
expect("mtu400_curl_ok", "MTU 400, curl's hello in two segments: established with its SNI",
       established(sni="a.lab.test"), A4, 443, 1)
expect("mtu400_unrecognized", "MTU 400, a 5-segment hello: unrecognized_name with its SNI",
       lambda r: failed("unrecognized_name", "other.lab.test")(r) and
       r.get("alpn_offered_count") == 40, A4, 4415, 1)
expect("mtu400_middlebox", "MTU 400: the middlebox reset diagnosed with the SNI", mb, A4, 443, 1)

stray = [r for r in recs if not any(t0 <= ts(r["ts"]) <= t1 for _, t0, t1, _ in steps)]
for r in stray:
    print(f"# outside every step: {brief(r)}", file=sys.stderr)
print("\n".join(out))
sys.exit(0)
