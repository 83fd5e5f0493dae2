#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `make bench`: measure what tlsmon costs and whether it misses anything, print
# a summary table and rewrite BENCHMARKS.md.  Not part of `make test`.
#
# usage: scripts/bench.sh [section...]
#   sections: pkt ring mem live offline (default: all; offline needs the
#   capture that live records).  Needs root (BPF, network namespaces).
#
# Every figure is measured in this run next to its reference (an empty XDP
# program; tshark and ssldump on the same file; the same load without
# tlsmon).  Raw results go to $OUTPUT/bench-results, large captures to
# $BENCH_TMP (removed at the end unless BENCH_KEEP=1).  The lab runs under
# its own LAB_PREFIX/LAB_DIR (default tlsmbench, /tmp/tlsmon-lab-bench).
#
# Environment: OUTPUT (.output), BENCH_TMP (/tmp/tlsmon-bench), BENCH_KEEP,
# BENCH_QUICK=1 (short runs, to try the script; figures not meaningful),
# BENCH_HANDSHAKES (100000: handshakes to capture for the offline comparison),
# TLSMON_CORPUS.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
OUT=${OUTPUT:-.output}
BIN=$ROOT/$OUT/bench
TLSMON=$ROOT/$OUT/tlsmon
RES=$ROOT/$OUT/bench-results
TMPD=${BENCH_TMP:-/tmp/tlsmon-bench}
QUICK=${BENCH_QUICK:-0}
HANDSHAKES=${BENCH_HANDSHAKES:-100000}
export TLSMON_CORPUS=${TLSMON_CORPUS:-$ROOT/../shared/corpus}
export LAB_PREFIX=${LAB_PREFIX:-tlsmbench}
export LAB_DIR=${LAB_DIR:-/tmp/tlsmon-lab-bench}
NS_CLI=$LAB_PREFIX-cli
START=$(date +%s)

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (BPF programs, network namespaces): sudo make bench"
for f in "$TLSMON" "$BIN/bench_pkt" "$BIN/bench_ring" "$BIN/bench_mem" "$BIN/bench_load" \
	"$BIN/bench_stats" "$BIN/bench_sockid" "$BIN/bench_quic"; do
	[ -x "$f" ] || die "$f missing: run 'make bench' (or make bench-build OUTPUT=$OUT)"
done
for t in python3 bpftool tcpdump tshark ssldump /usr/bin/time ip; do
	command -v "$t" >/dev/null || die "$t not installed: scripts/deps.sh --bench"
done

sections=("$@")
[ ${#sections[@]} -eq 0 ] && sections=(pkt ring mem live offline)
want() {
	local s
	for s in "${sections[@]}"; do [ "$s" = "$1" ] && return 0; done
	return 1
}

# ---------------------------------------------------------------- cleanup

# Everything this script starts in the background is recorded here and
# ended by PID; the lab goes down on every exit path.
PIDS=()
LAB_IS_UP=0
STATS_FD=

stop_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -INT "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null && sleep 1
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	local p
	[ -n "$STATS_FD" ] && eval "exec $STATS_FD>&-" 2>/dev/null
	for p in "${PIDS[@]}"; do stop_pid "$p"; done
	[ $LAB_IS_UP = 1 ] && timeout -k 5 60 scripts/lab.sh down >/dev/null 2>&1
	if [ "${BENCH_KEEP:-0}" != 1 ] && [ -d "$TMPD" ] && [ -e "$TMPD/.tlsmon-bench" ]; then
		rm -rf "$TMPD"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

rm -rf "$RES"
mkdir -p "$RES" || die "cannot create $RES"
if [ -e "$TMPD" ] && [ ! -e "$TMPD/.tlsmon-bench" ]; then
	die "$TMPD exists and is not ours; set BENCH_TMP"
fi
mkdir -p "$TMPD" && touch "$TMPD/.tlsmon-bench" || die "cannot create $TMPD"

# ---------------------------------------------------------------- machine

# CPU pressure (PSI "some": time at least one task waited for a CPU) and the
# wall clock at a section's start and end: how noisy the machine was then.
psi_total() { sed -n 's/^some .*total=\([0-9]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null || echo 0; }
mark() { echo "$1 $2 $(date +%s%N) $(psi_total) $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RES/marks.txt"; }

{
	echo "date	$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "version	$(git describe --always --dirty 2>/dev/null || echo unknown)"
	echo "kernel	$(uname -r)"
	echo "cpu	$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
	echo "cpus	$(nproc)"
	echo "memory	$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "clocksource	$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)"
	echo "bpf_jit	$(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null)"
	echo "openssl	$(openssl version 2>/dev/null)"
	echo "tshark	$(tshark -v 2>/dev/null | head -1)"
	echo "ssldump	$(dpkg-query -W -f='${Version}' ssldump 2>/dev/null)"
	echo "quick	$QUICK"
} >"$RES/machine.tsv"

# run_timed OUT CMD...: CMD with its output to OUT; appends "seconds peak_rss_kb exit"
# (GNU time) to OUT.time
run_timed() {
	local out=$1
	shift
	# a fresh output file: ext4 writes back a file truncated and written
	# again when it is closed (auto_da_alloc), on the closing process's time
	rm -f "$out"
	/usr/bin/time -f '%e %M %x %U %S' -o "$out.time" "$@" >"$out" 2>"$out.err"
}

# ---------------------------------------------------------------- 1. per packet

section_pkt() {
	local repeat=1000000 rounds=7 samples=20000
	[ "$QUICK" = 1 ] && repeat=100000 rounds=3 samples=2000
	log "per-packet cost (BPF_PROG_TEST_RUN, repeat $repeat x $rounds, $samples single runs)"
	mark pkt start
	timeout -k 5 600 "$BIN/bench_pkt" --repeat $repeat --rounds $rounds --samples $samples \
		>"$RES/pkt.tsv" 2>"$RES/pkt.err" ||
		log "bench_pkt: a path check did not match, or it failed (see $RES/pkt.tsv, pkt.err)"
	# the same with --pcap-dir's frame shipping on: what the option costs
	timeout -k 5 600 "$BIN/bench_pkt" --pcap --repeat $((repeat / 4)) --rounds $rounds \
		--samples $((samples / 4)) >"$RES/pkt-pcap.tsv" 2>"$RES/pkt-pcap.err" ||
		log "bench_pkt --pcap: a path check did not match, or it failed (see $RES/pkt-pcap.err)"
	mark pkt end
	"$BIN/bench_verifier" "$ROOT/$OUT/tlsmon.bpf.o" >"$RES/verifier.tsv" 2>"$RES/verifier.err" ||
		log "bench_verifier failed (see $RES/verifier.err)"
	# what the socket hooks that name local programs add to a connection
	"$BIN/bench_sockid" $([ "$QUICK" = 1 ] && echo --conns 1000 --rounds 3) \
		>"$RES/sockid.tsv" 2>"$RES/sockid.err" || log "bench_sockid failed (see $RES/sockid.err)"
	timeout -k 5 300 "$BIN/bench_quic" >"$RES/quic.tsv" 2>"$RES/quic.err" ||
		log "bench_quic failed (see $RES/quic.err)"
	profile_pkt
}

# Where the time of the cases that miss their goals goes: a CPU profile of
# bench_pkt running that case alone, call chains recorded, reported as the
# functions that ran inside the program runs (under bpf_test_run), the
# harness's own work left out.  The process is followed, not a CPU: so perf
# sees the programs load and names them (bpf_prog_TAG_NAME).
# profile-CASE.txt: "share [k|.] symbol" lines, shares of the samples taken
# inside the runs; profile-CASE.n: how many those were; profile-lines-CASE.txt:
# the same samples by line of tlsmon's source (bench/bpflines.py).
profile_pkt() {
	local c args
	command -v perf >/dev/null || { log "perf missing: no profiles"; return 0; }
	for c in ch sh ch_fin sh_fin not_tls; do
		case $c in
		ch | sh) args=(--samples 100000) ;;	# stateful: single runs, each a fresh flow
		*) args=(--repeat 2000000 --rounds 3) ;;
		esac
		perf record -q -g -e cpu-clock -F 10000 -o "$TMPD/perf-$c.data" -- \
			timeout -k 5 120 "$BIN/bench_pkt" --case $c "${args[@]}" \
			--lines "$TMPD/lines-$c.tsv" >/dev/null 2>>"$RES/profile.err" || continue
		perf report -i "$TMPD/perf-$c.data" --no-children --sort sym --stdio -q -g none \
			--parent bpf_test_run -x --percentage relative --percent-limit 1 \
			2>>"$RES/profile.err" | sed 's/^ *//; s/ *bpf_test_run *$//' | head -20 \
			>"$RES/profile-$c.txt"
		perf script -i "$TMPD/perf-$c.data" -F ip,sym 2>/dev/null |
			grep -c ' bpf_test_run$' >"$RES/profile-$c.n"
		# the same samples by source line (profile-lines-CASE.txt)
		timeout -k 5 300 python3 bench/bpflines.py "$TMPD/lines-$c.tsv" "$TMPD/perf-$c.data" 15 \
			>"$RES/profile-lines-$c.txt" 2>>"$RES/profile.err" || rm -f "$RES/profile-lines-$c.txt"
		rm -f "$TMPD/perf-$c.data" "$TMPD/lines-$c.tsv"
	done
}

# ---------------------------------------------------------------- 2. ring buffer

section_ring() {
	local searches=3 step=2 p
	[ "$QUICK" = 1 ] && searches=1 step=0.5
	for p in replay datapath; do
		log "ring buffer + collector ($p producer, $searches searches of ${step} s steps)"
		mark "ring-$p" start
		timeout -k 5 400 "$BIN/bench_ring" --producer $p --searches $searches --step $step \
			>"$RES/ring-$p.tsv" 2>"$RES/ring-$p.err" ||
			log "bench_ring $p failed: $(tail -1 "$RES/ring-$p.err")"
		mark "ring-$p" end
	done
}

# ---------------------------------------------------------------- 5. memory

section_mem() {
	local n cap counts=(10000 100000 1000000)
	[ "$QUICK" = 1 ] && counts=(1000 10000 20000)
	log "memory: kernel maps, collector RSS at ${counts[*]} tracked connections"
	mark mem start
	"$BIN/bench_mem" maps >"$RES/maps-default.tsv" 2>"$RES/maps.err"
	"$BIN/bench_mem" maps --max-flows 1048576 >"$RES/maps-1m.tsv" 2>>"$RES/maps.err"
	for n in "${counts[@]}"; do
		"$BIN/bench_mem" hellos "$n" "$TMPD/hellos-$n.pcap" 2>>"$RES/maps.err" || continue
		# every connection followed at once (limits raised to n), then tlsmon's defaults
		run_timed "$RES/mem-$n-all.txt" timeout -k 5 600 "$TLSMON" --read "$TMPD/hellos-$n.pcap" \
			--max-conns "$n" --max-flows "$n" "${NO_TEXTFILE[@]}"
		run_timed "$RES/mem-$n-default.txt" timeout -k 5 600 "$TLSMON" \
			--read "$TMPD/hellos-$n.pcap" "${NO_TEXTFILE[@]}"
		rm -f "$TMPD/hellos-$n.pcap"
	done
	# the most a connection holds: a post-quantum hello and a ServerHello each
	n=${counts[1]}
	if "$BIN/bench_mem" hellos "$n" "$TMPD/hellos-pq.pcap" pq 2>>"$RES/maps.err"; then
		echo "$n" >"$RES/mem-pq.n"
		run_timed "$RES/mem-pq-default.txt" timeout -k 5 600 "$TLSMON" \
			--read "$TMPD/hellos-pq.pcap" "${NO_TEXTFILE[@]}"
		rm -f "$TMPD/hellos-pq.pcap"
	fi
	mark mem end
}

# ---------------------------------------------------------------- 3. live

LOAD_TARGETS=(
	--target 10.77.2.2,443,a.lab.test,1.3,ok
	--target 10.77.2.2,443,a.lab.test,1.2,ok
	--target 10.77.3.2,443,b.lab.test,1.2,ok
	--target 10.77.3.2,443,b.lab.test,1.3,fail
)

lab_up() {
	[ $LAB_IS_UP = 1 ] && return 0
	LAB_IS_UP=1
	timeout -k 5 180 scripts/lab.sh up >"$RES/lab.log" 2>&1
}

load() {
	local procs=$1 secs=$2 out=$3
	shift 3
	timeout -k 5 $((${secs%.*} + 60)) ip netns exec "$NS_CLI" "$BIN/bench_load" \
		--cafile "$LAB_DIR/certs/ca.crt" --procs "$procs" --duration "$secs" \
		"${LOAD_TARGETS[@]}" "$@" >"$out" 2>"$out.err"
}

# tlsmon's CPU time so far (ns, all threads), from /proc/PID/task/*/schedstat
cpu_ns() {
	local pid=$1
	cat /proc/"$pid"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'
}

stats_on() {
	local i
	mkfifo "$TMPD/stats.fifo" || return 1
	"$BIN/bench_stats" --max-seconds 1200 <"$TMPD/stats.fifo" >"$TMPD/stats.out" 2>&1 &
	PIDS+=($!)
	exec {STATS_FD}>"$TMPD/stats.fifo"
	for ((i = 0; i < 50; i++)); do
		grep -q ready "$TMPD/stats.out" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

stats_off() {
	[ -n "$STATS_FD" ] && eval "exec $STATS_FD>&-"
	STATS_FD=
}

# One window with tlsmon attached to cli0: start it, wait until it watches,
# snapshot its programs, counters and CPU time, run the load, let the last
# handshakes settle, snapshot again, stop it; its JSON lines kept.
live_window() {
	local n=$1 procs=$2 secs=$3 pid i c0 c1 t0 t1
	local pre=$RES/live-on-$n
	ip netns exec "$NS_CLI" "$TLSMON" -i cli0 --json "${NO_TEXTFILE[@]}" \
		>"$pre.json" 2>"$pre.tlsmon.err" &
	pid=$!
	PIDS+=("$pid")
	for ((i = 0; i < 200; i++)); do
		grep -q "watching cli0" "$pre.tlsmon.err" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q "watching cli0" "$pre.tlsmon.err"; then
		log "tlsmon did not attach: $(tail -1 "$pre.tlsmon.err")"
		stop_pid "$pid"
		return 1
	fi
	sleep 1
	python3 bench/bpfinfo.py snap "$NS_CLI" cli0 >"$pre.snap0.json" 2>>"$pre.err"
	c0=$(cpu_ns "$pid")
	t0=$(date +%s%N)
	load "$procs" "$secs" "$pre.load.tsv"
	sleep 2
	t1=$(date +%s%N)
	c1=$(cpu_ns "$pid")
	python3 bench/bpfinfo.py snap "$NS_CLI" cli0 >"$pre.snap1.json" 2>>"$pre.err"
	stop_pid "$pid"
	echo "window_ns	$((t1 - t0))" >"$pre.cpu.tsv"
	echo "tlsmon_cpu_ns	$((c1 - c0))" >>"$pre.cpu.tsv"
}

section_live() {
	local p best=8 bestrate=0 rate secs=10 rounds=5 n
	[ "$QUICK" = 1 ] && secs=3 rounds=1
	log "live: lab up ($LAB_PREFIX)"
	lab_up || {
		log "lab did not come up: $(tail -3 "$RES/lab.log")"
		return 1
	}
	mark live start
	# the highest rate real clients make here: how many client processes
	for p in 4 8 16 32; do
		load "$p" 3 "$RES/live-probe-$p.tsv"
		rate=$(awk '$1 == "total" {print int($6)}' "$RES/live-probe-$p.tsv")
		if [ "${rate:-0}" -gt "$bestrate" ]; then
			bestrate=$rate
			best=$p
		fi
	done
	echo "$best" >"$RES/live-procs.txt"
	log "live: $best client processes (${bestrate}/s in the probe); $rounds rounds of ${secs} s with tlsmon, each between two without"
	stats_on || log "BPF statistics could not be turned on: no kernel-side figures"
	# without, with, without, ..., without: each round with tlsmon is set
	# against the two around it, so a drift of the machine's speed cancels
	for ((n = 1; n <= rounds; n++)); do
		load "$best" "$secs" "$RES/live-off-$n.tsv"
		live_window "$n" "$best" "$secs" || log "live window $n failed"
	done
	load "$best" "$secs" "$RES/live-off-$n.tsv"
	stats_off
	mark live end
}

# ---------------------------------------------------------------- 4. offline

capture() {
	local procs max secs=240 pid i
	procs=$(cat "$RES/live-procs.txt" 2>/dev/null || echo 16)
	[ "$QUICK" = 1 ] && secs=20
	max=$(((HANDSHAKES + procs - 1) / procs))
	log "offline: capturing $HANDSHAKES handshakes on cli0 (at most ${secs} s)"
	ip netns exec "$NS_CLI" timeout -k 5 $((secs + 30)) tcpdump -i cli0 -n -s 0 -B 65536 \
		-w "$TMPD/handshakes.pcap" tcp >"$RES/capture.tcpdump.txt" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	for ((i = 0; i < 50; i++)); do
		grep -q "listening on" "$RES/capture.tcpdump.txt" 2>/dev/null && break
		sleep 0.1
	done
	load "$procs" "$secs" "$RES/capture.load.tsv" --max "$max"
	sleep 1
	stop_pid "$pid"
}

# offline_round TAG FILE: tlsmon, tshark and ssldump once each on FILE, timed
offline_round() {
	local tag=$1 f=$2 tool
	local tshark=(tshark -r "$f" -n
		-Y "tls.handshake.type == 1 || tls.handshake.type == 2 || tls.alert_message"
		-T fields -E separator=/t -E occurrence=a
		-e frame.time_epoch -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport
		-e tls.handshake.type -e tls.record.version -e tls.handshake.version
		-e tls.handshake.extensions.supported_version -e tls.handshake.extensions_server_name
		-e tls.handshake.extensions_alpn_str -e tls.handshake.ciphersuite
		-e tls.alert_message.level -e tls.alert_message.desc
		-e tls.handshake.ja3 -e tls.handshake.ja3s)
	run_timed "$TMPD/tlsmon.out" timeout -k 5 600 "$TLSMON" --read "$f" --json
	run_timed "$TMPD/tshark.out" timeout -k 5 600 "${tshark[@]}"
	# ssldump slows down as a capture grows (more than linearly): bounded
	run_timed "$TMPD/ssldump.out" timeout -k 5 300 ssldump -n -r "$f"
	for tool in tlsmon tshark ssldump; do
		cp "$TMPD/$tool.out.time" "$RES/offline-$tool-$tag.time"
	done
}

# tlsmon_again TAG FILE: two more runs of tlsmon on FILE (offline-tlsmon-TAG2,
# TAG3): a run of a second or two is at the mercy of a moment's interference,
# which tshark's minutes average out; the report takes tlsmon's median
tlsmon_again() {
	local tag=$1 f=$2 r
	for r in 2 3; do
		run_timed "$TMPD/tlsmon-again.out" timeout -k 5 900 "$TLSMON" --read "$f" --json
		cp "$TMPD/tlsmon-again.out.time" "$RES/offline-tlsmon-$tag$r.time"
		rm -f "$TMPD/tlsmon-again.out"
	done
}

# offline_big FILE: the capture copied into distinct connections up to 1 GB
# (bench_replicate), then tlsmon and tshark once each on it
offline_big() {
	local f=$1 big=$TMPD/big.pcap bytes=1000000000
	[ "$QUICK" = 1 ] && bytes=100000000
	df -B1 --output=avail "$TMPD" | awk -v b=$((bytes * 2)) 'NR == 2 && $1 < b {exit 1}' || {
		log "offline: no room for a $((bytes / 1000000)) MB capture in $TMPD"
		return 0
	}
	"$BIN/bench_replicate" "$f" "$big" "$bytes" >"$RES/offline-big.tsv" 2>"$RES/offline-big.err" ||
		return 0
	stat -c 'file_bytes	%s' "$big" >>"$RES/offline-big.tsv"
	# on disk before the timing: the file's write-back is no tool's work
	sync "$big"
	log "offline: $(du -h "$big" | cut -f1) of distinct connections (tlsmon, tshark)"
	cat "$big" >/dev/null
	run_timed "$TMPD/tlsmon.out" timeout -k 5 900 "$TLSMON" --read "$big" --json
	echo "tlsmon_records	$(wc -l <"$TMPD/tlsmon.out")" >>"$RES/offline-big.tsv"
	cp "$TMPD/tlsmon.out.time" "$RES/offline-tlsmon-big.time"
	tlsmon_again big "$big"
	rm -f "$TMPD/tlsmon.out"
	cat "$big" >/dev/null
	run_timed "$TMPD/tshark.out" timeout -k 5 1200 tshark -r "$big" -n \
		-Y "tls.handshake.type == 1 || tls.handshake.type == 2 || tls.alert_message" \
		-T fields -E separator=/t -E occurrence=a \
		-e frame.time_epoch -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport \
		-e tls.handshake.type -e tls.record.version -e tls.handshake.version \
		-e tls.handshake.extensions.supported_version -e tls.handshake.extensions_server_name \
		-e tls.handshake.extensions_alpn_str -e tls.handshake.ciphersuite \
		-e tls.alert_message.level -e tls.alert_message.desc \
		-e tls.handshake.ja3 -e tls.handshake.ja3s
	echo "tshark_client_hellos	$(awk -F'\t' '$6 ~ /(^|,)1(,|$)/' "$TMPD/tshark.out" | wc -l)" \
		>>"$RES/offline-big.tsv"
	cp "$TMPD/tshark.out.time" "$RES/offline-tshark-big.time"
	rm -f "$TMPD/tshark.out" "$big"
}

# profile_offline FILE: where tlsmon --read spends its time on FILE, a CPU
# profile by function (offline-profile-sym.txt) and by source file
# (offline-profile-src.txt), "share where name" lines, shares of all samples
profile_offline() {
	local f=$1 d=$TMPD/perf-offline.data
	command -v perf >/dev/null || { log "perf missing: no offline profile"; return 0; }
	# the records to a fresh file, as in the timed runs: writing them is part of the work
	rm -f "$TMPD/profile.out"
	perf record -q -e cpu-clock -F 4000 -o "$d" -- \
		timeout -k 5 600 "$TLSMON" --read "$f" --json >"$TMPD/profile.out" \
		2>>"$RES/profile.err" || return 0
	rm -f "$TMPD/profile.out"
	perf report -i "$d" --no-children --sort dso,sym --stdio -q --percent-limit 1 \
		2>>"$RES/profile.err" | sed 's/^ *//' | head -25 >"$RES/offline-profile-sym.txt"
	timeout -k 5 600 perf report -i "$d" --no-children --sort srcfile --stdio -q \
		--percent-limit 1 2>>"$RES/profile.err" | sed 's/^ *//' | head -20 \
		>"$RES/offline-profile-src.txt"
	# by thread (named: tlsmon reads, tlsmon-collect collects, tlsmon-write writes)
	perf report -i "$d" --no-children --sort comm --stdio -q 2>>"$RES/profile.err" |
		sed 's/^ *//' | head -8 >"$RES/offline-profile-comm.txt"
	rm -f "$d"
}

section_offline() {
	local f pkts n r runs=3
	[ "$QUICK" = 1 ] && runs=1
	lab_up || return 1
	mark capture start
	capture
	mark capture end
	f=$TMPD/handshakes.pcap
	[ -s "$f" ] || {
		log "no capture"
		return 1
	}
	mark offline start
	sync "$f"	# written back before the tools are timed on it
	stat -c 'bytes	%s' "$f" >"$RES/offline-file.tsv"
	pkts=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$RES/capture.tcpdump.txt")
	echo "packets	${pkts:-0}" >>"$RES/offline-file.tsv"
	# peak RSS as the capture grows: its first quarter and half; repeated
	# rounds on its first tenth (the whole file, with tshark, takes minutes)
	for n in 10 25 50; do
		tcpdump -r "$f" -w "$TMPD/part-$n.pcap" -c $((${pkts:-0} * n / 100)) 2>/dev/null
		sync "$TMPD/part-$n.pcap"
		[ $n = 10 ] && continue
		cat "$TMPD/part-$n.pcap" >/dev/null
		run_timed "$TMPD/part.out" "$TLSMON" --read "$TMPD/part-$n.pcap" --json
		cp "$TMPD/part.out.time" "$RES/offline-tlsmon-part$n.time"
		echo "records	$(wc -l <"$TMPD/part.out")" >"$RES/offline-tlsmon-part$n.tsv"
		rm -f "$TMPD/part-$n.pcap"
	done
	cat "$TMPD/part-10.pcap" >/dev/null
	for ((r = 1; r <= runs; r++)); do
		log "offline: round $r of $runs on the first tenth (tlsmon, tshark, ssldump)"
		offline_round "q$r" "$TMPD/part-10.pcap"
	done
	rm -f "$TMPD/part-10.pcap"
	log "offline: the whole capture ($(du -h "$f" | cut -f1))"
	cat "$f" >/dev/null	# every tool reads it from the page cache
	offline_round full "$f"
	tlsmon_again full "$f"
	# what each found on the whole capture
	{
		echo "tlsmon_records	$(wc -l <"$TMPD/tlsmon.out")"
		echo "tlsmon_established	$(grep -c '"outcome":"established"' "$TMPD/tlsmon.out")"
		echo "tlsmon_failed	$(grep -c '"outcome":"failed"' "$TMPD/tlsmon.out")"
		echo "tshark_client_hellos	$(awk -F'\t' '$6 ~ /(^|,)1(,|$)/' "$TMPD/tshark.out" | wc -l)"
		echo "tshark_server_hellos	$(awk -F'\t' '$6 ~ /(^|,)2(,|$)/' "$TMPD/tshark.out" | wc -l)"
		echo "ssldump_client_hellos	$(grep -c 'ClientHello' "$TMPD/ssldump.out")"
		echo "ssldump_server_hellos	$(grep -c 'ServerHello$' "$TMPD/ssldump.out")"
	} >"$RES/offline-found.tsv"
	tail -3 "$TMPD/tlsmon.out.err" >"$RES/offline-tlsmon.err"
	profile_offline "$f"
	offline_big "$f"
	mark offline end
}

# ---------------------------------------------------------------- run

NO_TEXTFILE=()
"$TLSMON" --help 2>&1 | grep -q -- --no-textfile && NO_TEXTFILE=(--no-textfile)

want pkt && section_pkt
want ring && section_ring
want mem && section_mem
want live && section_live
want offline && section_offline
if [ $LAB_IS_UP = 1 ]; then
	timeout -k 5 60 scripts/lab.sh down >/dev/null 2>&1
	LAB_IS_UP=0
fi
echo "elapsed	$(($(date +%s) - START))" >>"$RES/machine.tsv"
python3 bench/report.py "$RES" BENCHMARKS.md || die "report failed"
log "BENCHMARKS.md rewritten; raw results in $RES"
