#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks of contrib/kubernetes/ without a cluster, as TAP lines for py_tap.

Every *.yaml there must parse (python3-yaml) into objects with apiVersion,
kind and metadata.name.  The DaemonSet must run on the node's network, give
the tlsmon container the start-up capabilities (and drop the rest), mount
the node's BTF and a textfile directory that a node-exporter container
serves with --collector.textfile.directory, with probes on both; the
PrometheusRule must hold contrib/prometheus/tlsmon.rules.yml's groups.

usage: fleet_manifests_check.py KUBE_DIR RULES_FILE
"""
import glob
import os
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from promtext import Tap  # noqa: E402

# what tlsmon needs to load, verify and attach (contrib/tlsmon.service), and
# to become nobody when it starts as uid 0
CAPS = {"BPF", "PERFMON", "NET_ADMIN", "SETUID", "SETGID"}
BTF = "/sys/kernel/btf"


def arg_value(args, name):
    """--name=V or --name V from a container's command and args"""
    for i, a in enumerate(args):
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
        if a == name and i + 1 < len(args):
            return args[i + 1]
    return None


def container_args(c):
    return [str(a) for a in (c.get("command") or []) + (c.get("args") or [])]


def mounts(c, volumes):
    """mountPath -> the volume's definition"""
    return {m["mountPath"]: dict(volumes.get(m["name"], {}), readOnly=m.get("readOnly", False))
            for m in c.get("volumeMounts") or []}


def has_probe(c, kind):
    p = c.get(kind) or {}
    return any(k in p for k in ("exec", "httpGet", "tcpSocket", "grpc"))


def check_daemonset(t, ds):
    spec = ds.get("spec") or {}
    pod = (spec.get("template") or {}).get("spec") or {}
    sel = ((spec.get("selector") or {}).get("matchLabels") or {})
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    t.ok(sel and all(labels.get(k) == v for k, v in sel.items()),
         "DaemonSet: the selector matches the pod template's labels", sel, labels)
    t.eq(pod.get("hostNetwork"), True, "DaemonSet: hostNetwork")
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    cs = {c.get("name"): c for c in pod.get("containers") or []}
    t.ok(all(c.get("image") for c in cs.values()), "DaemonSet: every container has an image")

    tl = cs.get("tlsmon")
    t.ok(tl is not None, "DaemonSet: a tlsmon container", sorted(cs))
    ne = [c for n, c in cs.items() if n != "tlsmon"
          and arg_value(container_args(c), "--collector.textfile.directory")]
    t.eq(len(ne), 1, "DaemonSet: one node-exporter container with --collector.textfile.directory")
    if tl is None or len(ne) != 1:
        return
    ne = ne[0]
    targs, nargs = container_args(tl), container_args(ne)

    sc = tl.get("securityContext") or {}
    caps = sc.get("capabilities") or {}
    t.eq(set(caps.get("add") or []), CAPS, "tlsmon: exactly the start-up capabilities")
    t.ok("ALL" in (caps.get("drop") or []), "tlsmon: every other capability dropped", caps)
    t.eq(sc.get("privileged", False), False, "tlsmon: not privileged")
    t.eq(sc.get("allowPrivilegeEscalation"), False, "tlsmon: no privilege escalation (no_new_privs)")
    t.ok("--no-drop" not in targs, "tlsmon: keeps its own privilege drop", targs)

    tm = mounts(tl, volumes)
    btf = tm.get(BTF, {})
    t.ok((btf.get("hostPath") or {}).get("path") == BTF and btf["readOnly"],
         "tlsmon: the node's %s, read-only" % BTF, btf)
    tdir = arg_value(targs, "--textfile-dir") or "/var/lib/prometheus/node-exporter"
    t.ok("--no-textfile" not in targs, "tlsmon: writes its textfile", targs)
    nm = mounts(ne, volumes)
    ndir = arg_value(nargs, "--collector.textfile.directory")
    tv, nv = tm.get(tdir), nm.get(ndir)
    t.ok(tv is not None and not tv["readOnly"], "tlsmon: its --textfile-dir %s is a writable mount" % tdir, tm)
    t.ok(nv is not None and tv is not None and nv.get("name") == tv.get("name"),
         "node-exporter: --collector.textfile.directory %s is the same volume" % ndir, tm, nm)
    t.ok(tv is not None and ("emptyDir" in tv or "hostPath" in tv),
         "the shared directory is an emptyDir or the node's", tv)
    t.ok("--collector.textfile" in nargs or "--collector.disable-defaults" not in nargs,
         "node-exporter: the textfile collector is on", nargs)
    listen = arg_value(nargs, "--web.listen-address") or ":9100"
    ports = {str(p.get("containerPort")) for p in ne.get("ports") or []}
    t.ok(listen.rsplit(":", 1)[-1] in ports, "node-exporter: listens on its declared port (%s)" % listen,
         ports)

    for c, name in ((tl, "tlsmon"), (ne, "node-exporter")):
        t.ok(has_probe(c, "readinessProbe"), "%s: a readiness probe" % name, c.get("readinessProbe"))
    rp = ((tl.get("readinessProbe") or {}).get("exec") or {}).get("command") or []
    t.ok(any(tdir.rstrip("/") + "/tlsmon.prom" in str(a) for a in rp),
         "tlsmon: its readiness looks at %s/tlsmon.prom" % tdir, rp)


def main():
    kdir, rules_file = sys.argv[1], sys.argv[2]
    t = Tap()
    files = sorted(glob.glob(os.path.join(kdir, "*.yaml")) + glob.glob(os.path.join(kdir, "*.yml")))
    t.ok(files, "manifests in %s" % kdir)
    objs = []
    for f in files:
        try:
            docs = [d for d in yaml.safe_load_all(open(f)) if d is not None]
        except yaml.YAMLError as e:
            t.ok(False, "%s parses" % os.path.basename(f), e)
            continue
        bad = [d for d in docs if not (isinstance(d, dict) and d.get("apiVersion") and d.get("kind")
                                       and (d.get("metadata") or {}).get("name"))]
        t.ok(docs and not bad, "%s: %d objects, each with apiVersion, kind, metadata.name"
             % (os.path.basename(f), len(docs)), bad)
        objs += docs
    kinds = {}
    for o in objs:
        if isinstance(o, dict):
            kinds.setdefault((o.get("apiVersion"), o.get("kind")), []).append(o)

    ds = kinds.get(("apps/v1", "DaemonSet"), [])
    t.eq(len(ds), 1, "one apps/v1 DaemonSet")
    if ds:
        check_daemonset(t, ds[0])

    mon = "monitoring.coreos.com/v1"
    pm = kinds.get((mon, "PodMonitor"), [])
    t.eq(len(pm), 1, "one PodMonitor")
    if pm and ds:
        sel = ((pm[0].get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        pod = ds[0]["spec"]["template"]
        labels = (pod.get("metadata") or {}).get("labels") or {}
        t.ok(sel and all(labels.get(k) == v for k, v in sel.items()),
             "PodMonitor: selects the DaemonSet's pods", sel, labels)
        port_names = {p.get("name") for c in pod["spec"]["containers"] for p in c.get("ports") or []}
        eps = {e.get("port") for e in pm[0]["spec"].get("podMetricsEndpoints") or []}
        t.ok(eps and eps <= port_names, "PodMonitor: scrapes a port the pods name", eps, port_names)
    pr = kinds.get((mon, "PrometheusRule"), [])
    t.eq(len(pr), 1, "one PrometheusRule")
    if pr:
        want = yaml.safe_load(open(rules_file))["groups"]
        t.ok(pr[0]["spec"].get("groups") == want,
             "PrometheusRule: the groups of %s, unchanged" % os.path.basename(rules_file))
    # failures are TAP lines; the exit status is for the checker itself


if __name__ == "__main__":
    main()
