#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Live against offline, over the whole corpus: every Ethernet capture's frames
# are sent as they are over a veth pair of this run's own (tests/tools/
# pcap_send) into a running tlsmon, its XDP program on the receiving end,
# while tcpdump records what arrived.  The records tlsmon writes live must
# equal, field by field, those `tlsmon --read` makes of that recording (only
# what the clock and the source name differ: tests/lib/records_norm.py).
# The kernel's own half of the differential, BPF_PROG_TEST_RUN against the
# userspace datapath, is tests/bpf/test_differential.c.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon pair"
E2E_TOOLS="tcpdump python3"
SEND=$OUT/tests/tools/pcap_send
TIMEOUT=2

setup() {
	local f
	[ -x "$SEND" ] || tap_skip_all "$SEND missing: make tests"
	mkdir -p "$DIR/caps"
	CAPS=()
	while IFS= read -r f; do
		case $f in
		*.gz) gzip -dc "$f" >"$DIR/caps/$(basename "$f" .gz)" &&
			CAPS+=("$DIR/caps/$(basename "$f" .gz)") ;;
		*) CAPS+=("$f") ;;
		esac
	done < <(find "$CORPUS" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' \) | sort)
	[ ${#CAPS[@]} -gt 0 ] || tap_skip_all "no captures in $CORPUS"
	# room for the corpus' largest frames
	ip -n "$DM_C" link set veth-c mtu 9000
	ip -n "$DM_S" link set veth-s mtu 9000
	dm_tlsmon "$DIR/live.json" --json --handshake-timeout $TIMEOUT --no-textfile ||
		tap_skip_all "tlsmon does not attach: $(cat "$DIR/live.json.err")"
	ip netns exec "$DM_C" timeout 600 tcpdump -i veth-c -s 0 -U -w "$DIR/arrived.pcap" \
		>/dev/null 2>"$DIR/tcpdump.err" &
	TCPDUMP=$!
	e2e_track "$TCPDUMP"
	wait_for 10 grep -q "listening on" "$DIR/tcpdump.err" || tap_skip_all "tcpdump did not start"
	ip netns exec "$DM_S" timeout 600 "$SEND" veth-s "${CAPS[@]}" >"$DIR/send.out" \
		2>"$DIR/send.err"
	SEND_RC=$?
	# the last handshakes settle, the sweep ends their flows
	sleep $((TIMEOUT + 4))
	kill -INT "$TCPDUMP"
	wait "$TCPDUMP" 2>/dev/null
	kill -TERM "$TPID"
	wait "$TPID"
	TLSMON_RC=$?
	"$BIN" --read "$DIR/arrived.pcap" --json --handshake-timeout $TIMEOUT >"$DIR/offline.json" \
		2>"$DIR/offline.err"
	OFFLINE_RC=$?
	python3 tests/lib/records_norm.py "$DIR/live.json" >"$DIR/live.rows"
	python3 tests/lib/records_norm.py "$DIR/offline.json" >"$DIR/offline.rows"
}

test_sent() {
	diag "$(tail -1 "$DIR/send.out" 2>/dev/null) from ${#CAPS[@]} captures"
	[ "$SEND_RC" -eq 0 ] && grep -qE '^sent [0-9]{4,} frames' "$DIR/send.out"
	ok $? "the corpus' Ethernet frames went over the veth pair" "$(cat "$DIR/send.err")"
}

test_both_ran() {
	[ "$TLSMON_RC" -eq 0 ] && [ "$OFFLINE_RC" -eq 0 ]
	ok $? "live tlsmon exits 0 ($TLSMON_RC), --read of the recording too ($OFFLINE_RC)" \
		"$(tail -n 5 "$DIR/live.json.err" "$DIR/offline.err")"
}

test_records_equal() {
	local n
	n=$(wc -l <"$DIR/offline.rows")
	diag "$n records offline, $(wc -l <"$DIR/live.rows") live"
	# a vacuous match proves nothing: the corpus holds hundreds of handshakes
	[ "$n" -ge 200 ] && cmp -s "$DIR/live.rows" "$DIR/offline.rows"
	ok $? "live records equal --read's of the same frames, field by field ($n)" \
		"$(diff "$DIR/live.rows" "$DIR/offline.rows" | head -20)"
}

ALL_TESTS="test_sent test_both_ran test_records_equal"
e2e_run
