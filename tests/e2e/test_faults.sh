#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Faults while tlsmon runs (unprivileged after its drop, as in production):
#  - the watched interface deleted: a clear message, exit 3 (the unit's
#    Restart=on-failure restarts it), the lock released; the restart attaches
#    to the re-created interface and reports its handshakes;
#  - the interface set down and up: logged, still attached, records flow;
#  - the textfile directory not writable by the user tlsmon runs as: a
#    warning naming the fix, retries counted, tlsmon keeps running, and the
#    file appears once the directory is fixed (the missing directory is
#    tests/e2e/test_prom_lab.sh's);
#  - the ring buffer full (1 MiB, the collector stopped with SIGSTOP while
#    thousands of ClientHellos arrive): drops counted in the textfile, every
#    hello either reported or counted as dropped, later handshakes reported.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon attached pair"
E2E_TOOLS="openssl python3"
N_FLOOD=${TLSMON_FAULTS_HELLOS:-3000}

setup() {
	chmod 711 "$DIR"
	dm_servers || tap_skip_all "the test servers do not start"
}

stopped() { ! kill -0 "$1" 2>/dev/null; }

# the interface deleted, then re-created; then set down and up
test_iface_gone() {
	dm_tlsmon "$DIR/del.json" --json --no-textfile
	ok $? "tlsmon watches veth-c" "$(cat "$DIR/del.json.err")"
	dm_handshake before.dm.test && wait_for 5 dm_has_record "$DIR/del.json" before.dm.test
	ok $? "a handshake before the fault is reported"
	ip -n $DM_C link del veth-c
	wait_for 5 stopped $TPID
	ok $? "tlsmon stops when veth-c is deleted"
	wait $TPID
	rc=$?
	[ $rc = 3 ]
	ok $? "with exit status 3 (rc $rc), for systemd to restart it"
	grep -q "error: veth-c went away .*restart it" "$DIR/del.json.err"
	ok $? "and says what happened and what to do" "$(tail -2 "$DIR/del.json.err")"
	dm_link_up
	dm_tlsmon "$DIR/re.json" --json --no-textfile
	ok $? "the restart attaches to the re-created veth-c (the lock was released)" "$(cat "$DIR/re.json.err")"
	dm_handshake after.dm.test && wait_for 5 dm_has_record "$DIR/re.json" after.dm.test
	ok $? "and reports its handshakes"

	# down and up
	ip -n $DM_C link set veth-c down
	wait_for 5 grep -q "warning: veth-c is down" "$DIR/re.json.err"
	ok $? "down: logged" "$(tail -2 "$DIR/re.json.err")"
	ip -n $DM_C link set veth-c up
	wait_for 5 grep -q "info: veth-c is up again" "$DIR/re.json.err"
	ok $? "up: logged" "$(tail -2 "$DIR/re.json.err")"
	out=$(ip netns exec $DM_C "$ATTACHED" veth-c)
	grep -q '^xdp .* tlsmon_xdp$' <<<"$out" && grep -q '^tcx_egress .* tlsmon_tc_egres' <<<"$out"
	ok $? "XDP and TC egress are still attached after down/up" "$out"
	wait_for 10 dm_handshake updown.dm.test && wait_for 5 dm_has_record "$DIR/re.json" updown.dm.test
	ok $? "records flow after up"
	kill -TERM $TPID
	wait $TPID
	ok $? "exit 0 afterwards"
}

test_textfile_not_writable() {
	mkdir "$DIR/tf"	# root's, 0755
	dm_tlsmon "$DIR/tf.json" --json --textfile-dir "$DIR/tf" --textfile-interval 1
	ok $? "tlsmon starts with a textfile directory nobody cannot write"
	grep -q "warning: $DIR/tf is not writable by nobody .*setfacl -m u:nobody:rwx $DIR/tf" "$DIR/tf.json.err"
	ok $? "a warning at start names the directory, the user and the fix" "$(cat "$DIR/tf.json.err")"
	sleep 2.5
	kill -0 $TPID 2>/dev/null
	ok $? "tlsmon keeps running"
	[ ! -e "$DIR/tf/tlsmon.prom" ]
	ok $? "(no file yet)"
	dm_handshake tf.dm.test && wait_for 5 dm_has_record "$DIR/tf.json" tf.dm.test
	ok $? "records flow meanwhile"
	n=$(grep -c "tlsmon.prom: cannot" "$DIR/tf.json.err")
	[ "$n" = 1 ]
	ok $? "the failed write is warned about once, not at every retry ($n)"
	chown nobody "$DIR/tf"
	wait_for 3 test -f "$DIR/tf/tlsmon.prom"
	ok $? "written within the interval once nobody may"
	f=$(dm_metric "$DIR/tf/tlsmon.prom" tlsmon_textfile_write_failures_total)
	[ "$f" -ge 2 ]
	ok $? "the failed writes are counted ($f)"
	grep -q "tlsmon.prom: written again" "$DIR/tf.json.err"
	ok $? "the recovery is logged"
	kill -TERM $TPID
	wait $TPID
	ok $? "exit 0"
}

test_ringbuf_full() {
	mkdir "$DIR/rb"
	chown nobody "$DIR/rb"
	dm_tlsmon "$DIR/rb.json" --json --ringbuf-mb 1 --handshake-timeout 2 \
		--textfile-dir "$DIR/rb" --textfile-interval 1
	ok $? "tlsmon with a 1 MiB ring buffer"
	wait_for 5 test -s "$DIR/rb/tlsmon.prom"
	drops0=$(dm_metric "$DIR/rb/tlsmon.prom" tlsmon_ringbuf_drops_total)
	kill -STOP $TPID
	# each ClientHello is one ~1.1 KB event: a few thousand overflow 1 MiB;
	# the connections stay open until the collector runs again
	dm_hellos "$N_FLOOD" 8 >"$DIR/flood.out" 2>"$DIR/flood.err" &
	FPID=$!
	e2e_track "$FPID"
	wait_for 90 test -s "$DIR/flood.out"
	sent=$(head -1 "$DIR/flood.out")
	kill -CONT $TPID
	diag "sent $sent ClientHellos while the collector was stopped"
	[ "${sent:-0}" -ge $((N_FLOOD * 9 / 10)) ]
	ok $? "the hellos went out ($sent of $N_FLOOD)" "$(tail -3 "$DIR/flood.err")"
	drops_seen() { [ "$(dm_metric "$DIR/rb/tlsmon.prom" tlsmon_ringbuf_drops_total)" -gt "$drops0" ]; }
	wait_for 10 drops_seen
	rc=$?
	drops=$(dm_metric "$DIR/rb/tlsmon.prom" tlsmon_ringbuf_drops_total)
	ok $rc "the drops are counted and exported: tlsmon_ringbuf_drops_total $drops"
	dm_handshake late.dm.test && wait_for 10 dm_has_record "$DIR/rb.json" late.dm.test
	ok $? "the collector catches up: a later handshake is reported"
	wait $FPID
	# the held connections close now: every hello that got through settles
	sleep 4
	kill -TERM $TPID
	wait $TPID
	ok $? "exit 0"
	got=$(grep -c '"sni":"flood-[0-9]*\.dm\.test"' "$DIR/rb.json")
	diag "flood hellos reported: $got, ring buffer drops: $((drops - drops0))"
	[ "$got" -gt 0 ] && [ "$got" -lt "$sent" ]
	ok $? "some hellos fit, the others did not ($got of $sent reported)"
	[ $((got + drops - drops0)) -ge "$sent" ]
	ok $? "none is lost silently: reported + dropped ($got + $((drops - drops0))) >= sent ($sent)"
}

ALL_TESTS="test_iface_gone test_textfile_not_writable test_ringbuf_full"
e2e_run
