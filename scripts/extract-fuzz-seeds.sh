#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Seed corpus for the parser fuzz harness: TCP payloads cut from the corpus
# captures ($TLSMON_CORPUS, default ../shared/corpus), which is what
# tests/fuzz/fuzz_parser.c takes as input.
#
# Kept modest and varied: the first payloads of each direction of each TCP
# connection (the hellos, then what follows them: certificates, alerts,
# STARTTLS banners, HTTP where TLS was expected), at most PER_CAPTURE per
# capture and MAX in all, no payload twice.  Files are named by SHA-1 as
# libFuzzer names its own, so regenerating replaces them in place; the hello
# fixtures (hello-*, from scripts/gen-hello-fixtures.sh) are left alone.
#
# usage: scripts/extract-fuzz-seeds.sh   (env: PER_CAPTURE=8 PER_DIR=2 MAX=400)
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${TLSMON_CORPUS:-../shared/corpus}
OUT=tests/fuzz/corpus/parser
PER_CAPTURE=${PER_CAPTURE:-8}
PER_DIR=${PER_DIR:-2}
MAX=${MAX:-400}

command -v tshark >/dev/null || { echo "$0: tshark not found: run scripts/deps.sh" >&2; exit 1; }
[ -d "$CORPUS" ] || { echo "$0: no corpus at $CORPUS (set TLSMON_CORPUS)" >&2; exit 1; }

mkdir -p "$OUT"
find "$OUT" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' -delete

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
find "$CORPUS" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' \) | sort |
while read -r cap; do
	# stream, source address and port, payload (hex)
	tshark -n -r "$cap" -Y 'tcp.len > 0' -T fields -E separator=/t \
		-e tcp.stream -e ip.src -e ipv6.src -e tcp.srcport -e tcp.payload 2>/dev/null |
		sed "s|^|$cap\t|" || true
done >"$tmp"

python3 - "$tmp" "$OUT" "$PER_CAPTURE" "$PER_DIR" "$MAX" <<'EOF'
import hashlib, os, sys
src, out, per_cap, per_dir, cap_all = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
seen, cand, dirs = set(), {}, {}
for line in open(src):
    f = line.rstrip("\n").split("\t")
    if len(f) < 6 or not f[5]:
        continue
    cap, key = f[0], tuple(f[:5])
    # tunnels give several values per field; the innermost payload is last
    b = bytes.fromhex(f[5].split(",")[-1].replace(":", ""))
    if not b or len(b) > 16384:
        continue
    if dirs.get(key, 0) >= per_dir or len(cand.get(cap, [])) >= per_cap:
        continue
    h = hashlib.sha1(b).hexdigest()
    if h in seen:
        continue
    seen.add(h)
    dirs[key] = dirs.get(key, 0) + 1
    cand.setdefault(cap, []).append((h, b))
# round robin over the captures, so a cap on the total keeps them all
n, rnd = 0, 0
while n < cap_all and any(rnd < len(v) for v in cand.values()):
    for cap in sorted(cand):
        if rnd < len(cand[cap]) and n < cap_all:
            h, b = cand[cap][rnd]
            open(os.path.join(out, h), "wb").write(b)
            n += 1
    rnd += 1
print("%s: %d payloads from %d captures" % (out, n, len(cand)))
EOF
