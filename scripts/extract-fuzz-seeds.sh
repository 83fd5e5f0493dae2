#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Seed corpora for the fuzz harnesses (tests/fuzz/corpus/NAME), from the
# corpus captures ($TLSMON_CORPUS, default ../shared/corpus).
#
# parser: TCP payloads cut from the captures, which is what
# tests/fuzz/fuzz_parser.c takes as input.  Kept modest and varied: the first
# payloads of each direction of each TCP connection (the hellos, then what
# follows them: certificates, alerts, STARTTLS banners, HTTP where TLS was
# expected), at most PER_CAPTURE per capture and MAX in all, no payload twice.
#
# pcap, reasm, cert: candidates from every capture of at most SEED_MAX bytes
# (pcap: the capture itself, and a few gzipped; reasm: its datapath events in
# fuzz_reasm's encoding; cert: the Certificate and CertificateRequest
# messages reassembly finds in it), of which libFuzzer's merge keeps those
# that reach code no smaller one does (-merge=1 -use_counters=0).  Needs the
# fuzz builds: make fuzz-build (OUTPUT honoured).
#
# Files are named by SHA-1 as libFuzzer names its own, so regenerating
# replaces them in place; other names (the hello fixtures hello-*, from
# scripts/gen-hello-fixtures.sh; regression inputs regress-*) are left alone.
#
# usage: scripts/extract-fuzz-seeds.sh [parser] [pcap] [reasm] [cert]   (default: all)
#        env: PER_CAPTURE=8 PER_DIR=2 MAX=400 (parser), SEED_MAX=8192
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${TLSMON_CORPUS:-../shared/corpus}
OUT=tests/fuzz/corpus/parser
BUILD=${OUTPUT:-.output}
PER_CAPTURE=${PER_CAPTURE:-8}
PER_DIR=${PER_DIR:-2}
MAX=${MAX:-400}
SEED_MAX=${SEED_MAX:-8192}

[ -d "$CORPUS" ] || { echo "$0: no corpus at $CORPUS (set TLSMON_CORPUS)" >&2; exit 1; }
what=("$@")
[ ${#what[@]} -gt 0 ] || what=(parser pcap reasm cert)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

captures() {
	find "$CORPUS" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' \) | sort
}

# Replace the SHA-1-named seeds of NAME by what the merge of CANDIDATES keeps.
merge_into() {
	local name=$1 cand=$2 dest=tests/fuzz/corpus/$1 bin=$BUILD/fuzz/fuzz_$1
	[ -x "$bin" ] || { echo "$0: $bin missing: run 'make fuzz-build'" >&2; exit 1; }
	mkdir -p "$dest" "$tmp/merged-$name"
	"$bin" -merge=1 -use_counters=0 -max_len=16384 "$tmp/merged-$name" "$cand" \
		>"$tmp/merge-$name.log" 2>&1 || { tail -20 "$tmp/merge-$name.log" >&2; exit 1; }
	find "$dest" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' -delete
	cp "$tmp/merged-$name"/* "$dest/"
	echo "$dest: $(ls "$tmp/merged-$name" | wc -l) of $(ls "$cand" | wc -l) candidates," \
		"$(du -sb "$tmp/merged-$name" | cut -f1) bytes"
}

seeds_pcap() {
	local c n
	mkdir -p "$tmp/pcap"
	while read -r c; do
		n=$(echo "${c#"$CORPUS"/}" | tr '/' '_')
		if [ "$(stat -c %s "$c")" -le "$SEED_MAX" ]; then cp "$c" "$tmp/pcap/$n"; fi
		# a few gzipped, for the inflation path (those of the corpus are large)
		case $n in
		ja4_tls12.pcap | ja4_ipv6.pcapng | zeek_irc-starttls.pcap)
			gzip -9nc "$c" >"$tmp/pcap/$n.gz" ;;
		esac
	done < <(captures)
	merge_into pcap "$tmp/pcap"
}

# reasm and cert candidates come from one pass of the replay build over the captures.
seeds_events() {
	local c n bin=$BUILD/fuzz/fuzz_reasm-replay
	[ -d "$tmp/reasm" ] && return
	[ -x "$bin" ] || { echo "$0: $bin missing: run 'make fuzz-build'" >&2; exit 1; }
	mkdir -p "$tmp/reasm" "$tmp/cert" "$tmp/enc"
	while read -r c; do
		n=$(echo "${c#"$CORPUS"/}" | tr '/' '_')
		FUZZ_REASM_ENCODE="$tmp/enc/$n" FUZZ_CERT_DIR="$tmp/cert" "$bin" "$c" \
			>"$tmp/enc.log" 2>&1 || { cat "$tmp/enc.log" >&2; exit 1; }
		if [ "$(stat -c %s "$tmp/enc/$n")" -le "$SEED_MAX" ]; then mv "$tmp/enc/$n" "$tmp/reasm/"; fi
	done < <(captures)
	find "$tmp/cert" -type f -size +"$SEED_MAX"c -delete
}

seeds_parser() {
	command -v tshark >/dev/null || { echo "$0: tshark not found: run scripts/deps.sh" >&2; exit 1; }
	mkdir -p "$OUT"
	find "$OUT" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' -delete

	find "$CORPUS" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' \) | sort |
	while read -r cap; do
		# stream, source address and port, payload (hex)
		tshark -n -r "$cap" -Y 'tcp.len > 0' -T fields -E separator=/t \
			-e tcp.stream -e ip.src -e ipv6.src -e tcp.srcport -e tcp.payload 2>/dev/null |
			sed "s|^|$cap\t|" || true
	done >"$tmp/payloads"

	python3 - "$tmp/payloads" "$OUT" "$PER_CAPTURE" "$PER_DIR" "$MAX" <<'EOF'
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
}

for w in "${what[@]}"; do
	case $w in
	parser) seeds_parser ;;
	pcap) seeds_pcap ;;
	reasm) seeds_events; merge_into reasm "$tmp/reasm" ;;
	cert) seeds_events; merge_into cert "$tmp/cert" ;;
	*) echo "$0: unknown harness '$w' (parser pcap reasm cert)" >&2; exit 2 ;;
	esac
done
