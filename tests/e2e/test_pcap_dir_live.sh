#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# --pcap-dir, live: tlsmon on a veth pair (XDP and TC), a real openssl
# s_server that speaks only TLS 1.3 and a real s_client limited to TLS 1.2
# (version_mismatch).  The failure's pcapng is written by the user tlsmon
# runs as (nobody), under the system call filter, mode 0640; tshark reads
# it, the SYN and SYN-ACK are in it, its comment names the reason, its
# hello and alert agree with the record (tests/lib/pcap_dir_check.py), its
# times are the wall clock.  A good handshake leaves no file.  The
# directory removed while tlsmon runs: the next failure is counted
# (dir_missing) and tlsmon goes on; the directory back, files come again.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon pair"
E2E_TOOLS="openssl tshark python3"
CHECK=tests/lib/pcap_dir_check.py

setup() {
	dm_servers || tap_skip_all "the test servers do not start"
	chmod 711 "$DIR"
	mkdir "$DIR/pcap" "$DIR/tf"
	chown nobody "$DIR/pcap" "$DIR/tf"
}

# one handshake the server refuses: the client offers at most TLS 1.2
refused() {
	echo Q | timeout 10 ip netns exec "$DM_C" openssl s_client -connect 10.96.0.2:4433 \
		-servername "$1" -tls1_2 >/dev/null 2>&1
	return 0
}
nfiles() { find "$DIR/pcap" -maxdepth 1 -name '*.pcapng' | wc -l; }
metric() { dm_metric "$DIR/tf/tlsmon.prom" "$1" 2>/dev/null; }

test_live_failure_file() {
	local f rc t now
	dm_tlsmon "$DIR/run.json" --json --textfile-dir "$DIR/tf" --textfile-interval 1 \
		--pcap-dir "$DIR/pcap"
	ok $? "tlsmon attaches with --pcap-dir" "$(cat "$DIR/run.json.err")"
	wait_for 3 grep -q "system call filter on (kill)" "$DIR/run.json.err"
	ok $? "under the system call filter" "$(tail -2 "$DIR/run.json.err")"

	dm_handshake good.dm.test && wait_for 5 dm_has_record "$DIR/run.json" good.dm.test
	ok $? "a good handshake: its record" "$(tail -2 "$DIR/run.json.err")"
	refused old.dm.test
	wait_for 10 bash -c "[ \$(find '$DIR/pcap' -name '*_version_mismatch_10.96.0.2_4433.pcapng' | wc -l) -ge 1 ]"
	ok $? "the refused handshake: <time>_version_mismatch_10.96.0.2_4433.pcapng" \
		"$(ls -la "$DIR/pcap") $(tail -3 "$DIR/run.json.err")"
	[ "$(nfiles)" -eq 1 ]
	ok $? "and only it: the good handshake has no file" "$(ls "$DIR/pcap")"
	f=$(find "$DIR/pcap" -name '*.pcapng' | head -1)
	[ "$(stat -c '%a %U' "$f")" = "640 nobody" ]
	ok $? "mode 0640, written by nobody (after the privileges were dropped)" \
		"$(stat -c '%a %U' "$f")"
	python3 "$CHECK" "$DIR/run.json" "$DIR/pcap" >"$DIR/check.out" 2>&1
	ok $? "tshark reads it; comment, hello and alert agree with the record" \
		"$(cat "$DIR/check.out")"
	[ "$(tshark -r "$f" -Y 'tcp.flags.syn == 1' 2>/dev/null | wc -l)" -eq 2 ]
	ok $? "the SYN and the SYN-ACK are in it" "$(tshark -r "$f" 2>/dev/null)"
	t=$(tshark -r "$f" -c 1 -T fields -e frame.time_epoch 2>/dev/null)
	now=$(date +%s)
	awk -v t="$t" -v n="$now" 'BEGIN { exit !(t > n - 120 && t <= n + 1) }'
	ok $? "its times are the wall clock" "first frame $t, now $now"
	kill -0 $TPID
	ok $? "tlsmon still runs"
	kill -TERM $TPID
	wait $TPID
	ok $? "SIGTERM: exit 0" "$(tail -3 "$DIR/run.json.err")"
}

test_live_dir_vanishes() {
	local before
	dm_tlsmon "$DIR/van.json" --json --textfile-dir "$DIR/tf" --textfile-interval 1 \
		--pcap-dir "$DIR/pcap"
	ok $? "tlsmon attaches" "$(cat "$DIR/van.json.err")"
	rm -rf "$DIR/pcap"
	refused gone.dm.test
	wait_for 10 bash -c "[ \"\$(awk '\$1 == \"tlsmon_pcap_write_errors_total{cause=\\\"dir_missing\\\"}\" { print \$2 }' '$DIR/tf/tlsmon.prom')\" = 1 ]"
	ok $? "the directory removed: the failure counted (dir_missing)" \
		"$(grep tlsmon_pcap_write "$DIR/tf/tlsmon.prom") $(tail -3 "$DIR/van.json.err")"
	kill -0 $TPID
	ok $? "tlsmon goes on"
	mkdir "$DIR/pcap"
	chown nobody "$DIR/pcap"
	before=$(metric tlsmon_pcap_files_written_total)
	refused back.dm.test
	wait_for 10 bash -c "[ \$(find '$DIR/pcap' -name '*.pcapng' | wc -l) -eq 1 ]"
	ok $? "the directory back: the next failure's file is written" \
		"$(ls -la "$DIR/pcap") $(tail -3 "$DIR/van.json.err")"
	wait_for 5 bash -c "[ \"\$(awk '\$1 == \"tlsmon_pcap_files_written_total\" { print \$2 }' '$DIR/tf/tlsmon.prom')\" = $((before + 1)) ]"
	ok $? "and counted" "$(grep tlsmon_pcap_files "$DIR/tf/tlsmon.prom")"
	grep -q 'written again' "$DIR/van.json.err"
	ok $? "tlsmon says it writes again" "$(tail -3 "$DIR/van.json.err")"
}

ALL_TESTS="test_live_failure_file test_live_dir_vanishes"
e2e_run
