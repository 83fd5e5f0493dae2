#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# --pcap-dir, offline: a pcapng file per failed handshake of corpus captures,
# each read by tshark, its first packet's comment naming the record's
# reason, tshark's dissection of its hello and alert agreeing with the
# record (tests/lib/pcap_dir_check.py); mode 0640, no temporary file left;
# --pcap-max-files keeps the newest; a missing or full directory is counted
# and the records still come; off by default, and on, the records do not
# change.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="tlsmon"
E2E_TOOLS="tshark python3"
CAPS="zeek/tls-1.2-handshake-failure.pcap ndpi/tls_alert.pcap zeek/certificate-request-failed.pcap
zeek/ssl-to-http-server.pcap zeek/tls13draft16-ff52.a01-aborted.pcap ja4/tls-handshake.pcapng
ja4/tls-sni.pcapng"
E2E_FILES=$(for c in $CAPS; do printf '%s ' "$CORPUS/$c"; done)
CHECK=tests/lib/pcap_dir_check.py

# run NAME CAPTURE [OPTIONS...]: records in $DIR/NAME.json, the textfile in $DIR/NAME.tf/
run() {
	local name=$1 cap=$2
	shift 2
	mkdir -p "$DIR/$name.tf"
	timeout 120 "$BIN" --read "$CORPUS/$cap" --json --textfile-dir "$DIR/$name.tf" "$@" \
		>"$DIR/$name.json" 2>"$DIR/$name.err"
}
metric() { awk -v m="$2" '$1 == m { print $2 }' "$DIR/$1.tf/tlsmon.prom"; }

test_a_file_per_failure() {
	local c n rc crc out
	for c in $CAPS; do
		n=$(basename "$c")
		mkdir -p "$DIR/$n.d"
		run "$n" "$c" --pcap-dir "$DIR/$n.d"
		rc=$?
		out=$(python3 "$CHECK" "$DIR/$n.json" "$DIR/$n.d" 2>&1)
		crc=$?
		[ $rc -eq 0 ] && [ $crc -eq 0 ] && [ -n "$(ls "$DIR/$n.d")" ]
		ok $? "$c: a file per failed handshake, read by tshark, comment, hello and alert agree" \
			"rc=$rc $out $(tail -3 "$DIR/$n.err")"
		[ "$(metric "$n" tlsmon_pcap_files_written_total)" = "$(ls "$DIR/$n.d" | wc -l)" ]
		ok $? "$c: tlsmon_pcap_files_written_total counts them" \
			"$(grep tlsmon_pcap_ "$DIR/$n.tf/tlsmon.prom")"
	done
}

test_max_files_keeps_newest() {
	local all kept
	mkdir -p "$DIR/all.d" "$DIR/five.d"
	run all ja4/tls-handshake.pcapng --pcap-dir "$DIR/all.d"
	run five ja4/tls-handshake.pcapng --pcap-dir "$DIR/five.d" --pcap-max-files 5
	all=$(ls "$DIR/all.d" | wc -l)
	kept=$(ls "$DIR/five.d")
	[ "$all" -gt 5 ] && [ "$(wc -l <<<"$kept")" -eq 5 ] &&
		[ "$kept" = "$(ls "$DIR/all.d" | tail -5)" ]
	ok $? "--pcap-max-files 5: the 5 newest of $all files stay" "$kept"
	[ "$(metric five tlsmon_pcap_files_removed_total)" = $((all - 5)) ] &&
		[ "$(metric five tlsmon_pcap_files)" = 5 ]
	ok $? "the removed files are counted" "$(grep tlsmon_pcap_files "$DIR/five.tf/tlsmon.prom")"
	python3 "$CHECK" "$DIR/five.json" "$DIR/five.d" --subset >/dev/null
	ok $? "the files kept are whole and agree with their records"
	# a second run over the first one's files: they count against the bound too
	run again ja4/tls-handshake.pcapng --pcap-dir "$DIR/five.d" --pcap-max-files 5
	[ "$(ls "$DIR/five.d" | wc -l)" -eq 5 ]
	ok $? "a second run counts the files already there" "$(ls "$DIR/five.d")"
}

test_missing_dir_counted() {
	local n want
	run plain ja4/tls-handshake.pcapng
	run missing ja4/tls-handshake.pcapng --pcap-dir "$DIR/no/such/dir"
	want=$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if l.startswith("{") and json.loads(l).get("outcome") == "failed"))' "$DIR/plain.json")
	n=$(awk '$1 == "tlsmon_pcap_write_errors_total{cause=\"dir_missing\"}" { print $2 }' \
		"$DIR/missing.tf/tlsmon.prom")
	[ "$want" -gt 0 ] && [ "$n" = "$want" ] && cmp -s "$DIR/plain.json" "$DIR/missing.json"
	ok $? "a missing directory: each of the $want failures counted (dir_missing), records whole" \
		"n=$n $(tail -2 "$DIR/missing.err")"
	[ "$(grep -c 'pcap-dir.*cannot open the directory' "$DIR/missing.err")" -eq 1 ] &&
		grep -q "pcap-dir.*: 0 captures of failures written, $want lost" "$DIR/missing.err"
	ok $? "said once, and what was lost at the end" "$(cat "$DIR/missing.err")"
}

# a directory that fills up: the files that fit, the rest counted (no_space), records whole
test_full_dir_counted() {
	local n lost
	if [ "$(id -u)" -ne 0 ]; then
		skip "a full directory" "needs root to mount a small tmpfs"
		return
	fi
	mkdir -p "$DIR/small"
	mount -t tmpfs -o size=64k,mode=0755 tmpfs "$DIR/small" ||
		{ skip "a full directory" "cannot mount a tmpfs"; return; }
	tap_cleanup "umount '$DIR/small'"
	run plain2 ja4/tls-handshake.pcapng
	run full ja4/tls-handshake.pcapng --pcap-dir "$DIR/small" --pcap-max-bytes 100
	n=$(ls "$DIR/small" | wc -l)
	lost=$(awk '$1 == "tlsmon_pcap_write_errors_total{cause=\"no_space\"}" { print $2 }' \
		"$DIR/full.tf/tlsmon.prom")
	[ "$n" -gt 0 ] && [ "${lost:-0}" -gt 0 ] &&
		[ "$n" = "$(metric full tlsmon_pcap_files_written_total)" ] &&
		cmp -s "$DIR/plain2.json" "$DIR/full.json"
	ok $? "64 KiB of tmpfs: $n files fit, $lost counted as no_space, records whole" \
		"n=$n lost=$lost $(grep tlsmon_pcap_ "$DIR/full.tf/tlsmon.prom") $(tail -2 "$DIR/full.err")"
	[ -z "$(ls -A "$DIR/small" | grep '^\.')" ]
	ok $? "no temporary file left behind" "$(ls -A "$DIR/small")"
	python3 "$CHECK" "$DIR/full.json" "$DIR/small" --subset >/dev/null
	ok $? "the files that fit are whole"
}

test_off_by_default() {
	mkdir -p "$DIR/on.d"
	run off ja4/tls-handshake.pcapng
	run on ja4/tls-handshake.pcapng --pcap-dir "$DIR/on.d"
	! grep -q '^tlsmon_pcap_' "$DIR/off.tf/tlsmon.prom" &&
		[ "$(metric on tlsmon_pcap_packets_sent_total)" -gt 0 ] &&
		[ "$(awk '$1 ~ /^tlsmon_datapath_events_total/ { print $2 }' "$DIR/off.tf/tlsmon.prom")" -lt \
		  "$(awk '$1 ~ /^tlsmon_datapath_events_total/ { print $2 }' "$DIR/on.tf/tlsmon.prom")" ]
	ok $? "off by default: no frame sent, no metric; on: frames sent"
	cmp -s "$DIR/off.json" "$DIR/on.json"
	ok $? "the records are the same with --pcap-dir"
	timeout 30 "$BIN" --read "$CORPUS/ja4/tls-handshake.pcapng" --events >"$DIR/ev.json" 2>/dev/null
	! grep -q '"type":"packet"' "$DIR/ev.json" && [ -s "$DIR/ev.json" ]
	ok $? "--events: no packet event without --pcap-dir"
}

ALL_TESTS="test_a_file_per_failure test_max_files_keeps_newest test_missing_dir_counted
test_full_dir_counted test_off_by_default"
e2e_run
