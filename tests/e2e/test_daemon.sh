#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tlsmon as a daemon: started as root it attaches, then runs as nobody with
# no capability at all (read back from /proc/PID/status) and keeps working
# through what it holds: records from real handshakes, the textfile, the
# kernel flow map's sweep (entries of unanswered hellos deleted, counted
# with bpftool), SIGHUP reopening its log (refused, then allowed), a clean
# detach at exit.  Then the way the systemd unit starts it: as a plain user
# with only the unit's ambient capabilities (each one needed), its locks in
# $RUNTIME_DIRECTORY, its stderr on the journal (syslog priority prefixes).
# --user root keeps uid 0 and no capability, --no-drop everything.  Offline
# as root it keeps uid 0 and sheds every capability.  Exit codes.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon attached pair"
E2E_TOOLS="openssl python3 bpftool setpriv"
UNIT=contrib/tlsmon.service

setup() {
	chmod 711 "$DIR"	# nobody reaches its own subdirectories
	dm_servers || tap_skip_all "the test servers do not start"
	NOBODY=$(id -u nobody)
}

# started as root: the drop, the sweep, SIGHUP, the exit
test_as_root() {
	mkdir "$DIR/tf" "$DIR/log"
	chown nobody "$DIR/tf"
	dm_tlsmon "$DIR/a.json" --json --textfile-dir "$DIR/tf" --textfile-interval 1 \
		--handshake-timeout 1 --log "$DIR/log/tlsmon.json"
	ok $? "tlsmon attaches as root" "$(cat "$DIR/a.json.err")"
	grep -q "dropped privileges: running as nobody (uid $NOBODY" "$DIR/a.json.err"
	ok $? "it says it dropped privileges to nobody" "$(cat "$DIR/a.json.err")"
	st=$(grep -E '^(Uid|Gid|Groups|Cap...|NoNewPrivs):' "/proc/$TPID/status")
	diag "$(tr '\n' ' ' <<<"$st")"
	[ "$(dm_status $TPID Uid)" = "$NOBODY $NOBODY $NOBODY $NOBODY" ] &&
		[ "$(dm_status $TPID Gid)" = "$(id -g nobody) $(id -g nobody) $(id -g nobody) $(id -g nobody)" ]
	ok $? "real, effective, saved and filesystem uid and gid are nobody's" "$st"
	for c in CapEff CapPrm CapInh CapAmb CapBnd; do
		[ "$(dm_status $TPID $c)" = 0000000000000000 ]
		ok $? "$c is 0" "$st"
	done
	[ "$(dm_status $TPID NoNewPrivs)" = 1 ]
	ok $? "no_new_privs is set"

	dm_handshake one.dm.test && wait_for 5 dm_has_record "$DIR/a.json" one.dm.test
	ok $? "records still flow after the drop (real s_client handshake)" "$(tail -3 "$DIR/a.json.err")"
	wait_for 5 grep -q 'tlsmon_handshakes_total{.*} [1-9]' "$DIR/tf/tlsmon.prom"
	ok $? "the textfile is written as nobody, with the handshake counted"
	[ "$(stat -c %u "$DIR/tf/tlsmon.prom")" = "$NOBODY" ]
	ok $? "tlsmon.prom belongs to nobody"

	# the sweep: unanswered hellos leave flows in the kernel map until tlsmon,
	# unprivileged, deletes them (the connections stay open: nothing else does)
	dm_hellos 20 12 >"$DIR/hold.out" 2>"$DIR/hold.err" &
	HPID=$!
	e2e_track "$HPID"
	flows_at_least() { [ "$(dm_flow_count $TPID)" -ge "$1" ]; }
	flows_zero() { [ "$(dm_flow_count $TPID)" = 0 ]; }
	wait_for 8 flows_at_least 20
	ok $? "20 unanswered hellos: 20 flows in the kernel map ($(dm_flow_count $TPID))"
	wait_for 9 flows_zero
	ok $? "the sweep deletes them while their connections are still open ($(dm_flow_count $TPID) left)"
	kill -0 $HPID 2>/dev/null
	ok $? "(the connections were still held then)"

	# SIGHUP: the log moved away, its directory root's: tlsmon cannot create the
	# new file as nobody, says so and keeps the old one; once allowed, it reopens
	mv "$DIR/log/tlsmon.json" "$DIR/log/tlsmon.json.1"
	kill -HUP $TPID
	wait_for 3 grep -q "cannot reopen $DIR/log/tlsmon.json as nobody" "$DIR/a.json.err"
	ok $? "SIGHUP: a clear warning when nobody may not create the log" "$(tail -2 "$DIR/a.json.err")"
	dm_handshake two.dm.test && wait_for 5 dm_has_record "$DIR/log/tlsmon.json.1" two.dm.test
	ok $? "and it keeps writing to the old file"
	chown nobody "$DIR/log"
	kill -HUP $TPID
	wait_for 3 grep -q "reopened $DIR/log/tlsmon.json" "$DIR/a.json.err"
	ok $? "SIGHUP once the directory is nobody's: reopened"
	dm_handshake three.dm.test && wait_for 5 dm_has_record "$DIR/log/tlsmon.json" three.dm.test
	ok $? "the new file gets the next record"
	! dm_has_record "$DIR/log/tlsmon.json.1" three.dm.test
	ok $? "and the old one does not"

	kill -TERM $TPID
	wait $TPID
	ok $? "SIGTERM: exit 0"
	out=$(ip netns exec $DM_C "$ATTACHED" veth-c)
	[ -z "$out" ]
	ok $? "nothing stays attached after an unprivileged exit" "$out"
	grep -q "error" "$DIR/a.json.err"
	ok $((!$?)) "no error logged" "$(grep error "$DIR/a.json.err")"
}

# as the systemd unit starts it
test_unit() {
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
	amb=$(sed -n 's/^AmbientCapabilities=//p' "$UNIT")
	[ -n "$caps" ] && [ "$caps" = "$amb" ]
	ok $? "the unit's bounding set and ambient capabilities are the same set ($caps)"
	# a copy nobody may run, wherever the tree is checked out
	install -m 0755 "$BIN" "$DIR/tlsmon"
	# setpriv names: bpf,net_admin,...
	capl() { local c l=; for c in "$@"; do c=${c#CAP_}; l+=",+${c,,}"; done; echo "-all$l"; }
	unit_like() { # OUT CAP... : tlsmon as nobody with these capabilities only, journald-style stderr
		local out=$1
		shift
		local cl
		cl=$(capl "$@")
		mkdir -p "$DIR/run"
		chown nobody "$DIR/run"
		: >"$out.err"
		ip netns exec $DM_C env RUNTIME_DIRECTORY="$DIR/run" \
			JOURNAL_STREAM="$(stat -c '%d:%i' "$out.err")" \
			setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups --inh-caps="$cl" \
			--ambient-caps="$cl" --bounding-set="$cl" -- \
			"$DIR/tlsmon" -i veth-c --json --no-textfile >"$out" 2>>"$out.err" &
		TPID=$!
		e2e_track "$TPID"
	}
	# shellcheck disable=SC2086
	unit_like "$DIR/u.json" $caps
	wait_for 15 grep -q "watching veth-c" "$DIR/u.json.err"
	ok $? "as nobody with only $caps (ambient), tlsmon loads and attaches" "$(cat "$DIR/u.json.err")"
	grep -q "^<6>dropped privileges: running as nobody" "$DIR/u.json.err"
	ok $? "it stays nobody and sheds the capabilities" "$(cat "$DIR/u.json.err")"
	for c in CapEff CapPrm CapAmb; do
		[ "$(dm_status $TPID $c)" = 0000000000000000 ]
		ok $? "$c is 0"
	done
	ls "$DIR/run/"*-veth-c.lock >/dev/null 2>&1
	ok $? "its lock is in \$RUNTIME_DIRECTORY"
	dm_handshake unit.dm.test && wait_for 5 dm_has_record "$DIR/u.json" unit.dm.test
	ok $? "records flow"
	grep -v '^<[3467]>' "$DIR/u.json.err" | grep -q .
	ok $((!$?)) "stderr on the journal: every line starts with a syslog priority" "$(head -3 "$DIR/u.json.err")"
	kill -TERM $TPID
	wait $TPID
	ok $? "exit 0"
	# every capability of the set is needed: CAP_SYS_PTRACE to name other
	# users' servers listening before tlsmon (it starts without, and says so)
	for drop in $caps; do
		rest=()
		for c in $caps; do [ "$c" = "$drop" ] || rest+=("$c"); done
		unit_like "$DIR/u-$drop.json" "${rest[@]}"
		if [ "$drop" = CAP_SYS_PTRACE ]; then
			wait_for 15 grep -q "watching veth-c" "$DIR/u-$drop.json.err"
			ok $? "without $drop it starts" "$(cat "$DIR/u-$drop.json.err")"
			grep -q "cannot read.*/proc\|CAP_SYS_PTRACE\|descriptors" "$DIR/u-$drop.json.err"
			ok $? "without $drop a warning says which listeners go unnamed" \
				"$(cat "$DIR/u-$drop.json.err")"
			kill -TERM $TPID
			wait $TPID
			continue
		fi
		wait $TPID
		rc=$?
		[ $rc = 1 ] && grep -q "^<3>" "$DIR/u-$drop.json.err" && ! grep -q "watching veth-c" "$DIR/u-$drop.json.err"
		ok $? "without $drop it cannot start: exit 1 and an error (rc $rc)" "$(grep '^<3>' "$DIR/u-$drop.json.err" | head -2)"
	done
}

# --user root and --no-drop
test_user_root_no_drop() {
	dm_tlsmon "$DIR/r.json" --json --no-textfile --user root
	ok $? "--user root attaches"
	[ "$(dm_status $TPID Uid)" = "0 0 0 0" ] && [ "$(dm_status $TPID CapEff)" = 0000000000000000 ] &&
		[ "$(dm_status $TPID CapBnd)" = 0000000000000000 ]
	ok $? "--user root: uid 0 without any capability, bounding set empty too"
	kill -TERM $TPID
	wait $TPID
	ok $? "exit 0"
	dm_tlsmon "$DIR/n.json" --json --no-textfile --no-drop
	ok $? "--no-drop attaches"
	[ "$(dm_status $TPID Uid)" = "0 0 0 0" ] && [ "$(dm_status $TPID CapEff)" != 0000000000000000 ] &&
		grep -q "warning: keeping every privilege (--no-drop)" "$DIR/n.json.err"
	ok $? "--no-drop: root, capabilities kept, and a warning says so" "$(cat "$DIR/n.json.err")"
	kill -TERM $TPID
	wait $TPID
	ok $? "exit 0"
	"$BIN" --read /dev/null --no-drop --user nobody >/dev/null 2>"$DIR/both.err"
	[ $? = 2 ] && grep -q "pick one" "$DIR/both.err"
	ok $? "--user with --no-drop: exit 2" "$(cat "$DIR/both.err")"
}

# offline as root: uid 0 stays, capabilities go
test_offline_root() {
	mkfifo "$DIR/pcap.fifo"
	python3 -c '
import struct, sys, time
f = open(sys.argv[1], "wb")
f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)); f.flush()
time.sleep(8)
' "$DIR/pcap.fifo" &
	e2e_track "$!"
	"$BIN" --read - --json <"$DIR/pcap.fifo" >/dev/null 2>"$DIR/off.err" &
	OPID=$!
	e2e_track "$OPID"
	opened() { [ "$(dm_status $OPID CapEff)" = 0000000000000000 ]; }
	wait_for 5 opened
	ok $? "offline as root, reading: no capability left ($(dm_status $OPID CapEff))"
	[ "$(dm_status $OPID Uid)" = "0 0 0 0" ]
	ok $? "and still uid 0 (its files stay its own)"
	wait $OPID
	ok $? "offline: exit 0 at the end of the capture" "$(cat "$DIR/off.err")"
}

test_exit_codes() {
	"$BIN" --no-such-option >/dev/null 2>&1
	ok $(($? != 2)) "exit 2: an unknown option"
	"$BIN" --user no-such-user-here --read /dev/null >/dev/null 2>"$DIR/nouser.err"
	[ $? = 2 ] && grep -q "no user 'no-such-user-here'" "$DIR/nouser.err"
	ok $? "exit 2: --user names no user" "$(cat "$DIR/nouser.err")"
	ip netns exec $DM_C "$BIN" -i no-such-if0 --json >/dev/null 2>"$DIR/noif.err"
	[ $? = 1 ] && grep -q "no such interface: no-such-if0" "$DIR/noif.err"
	ok $? "exit 1: no such interface" "$(cat "$DIR/noif.err")"
	"$BIN" --help | grep -q "3 a watched interface went away"
	ok $? "--help documents the exit codes"
}

ALL_TESTS="test_as_root test_unit test_user_root_no_drop test_offline_root test_exit_codes"
e2e_run
