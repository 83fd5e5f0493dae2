#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The system call filter (lib/sandbox.c): a running tlsmon is under seccomp
# (/proc/PID/status "Seccomp: 2") and keeps working; a forbidden call made
# after setup (TLSMON_SANDBOX_SELFTEST: execve, a BPF command outside the
# list, an INET socket, an ioctl outside the terminal's, a 32-bit-ABI call)
# kills it with SIGSYS, live and offline, and leaves nothing attached; with
# TLSMON_SECCOMP=log the call is logged and runs; with --no-seccomp or
# TLSMON_SECCOMP=off there is no filter.  The systemd unit's
# SystemCallFilter= allows every call tlsmon makes from start to exit
# (strace of a real run) and every call of the in-process list.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon attached pair"
E2E_TOOLS="openssl python3 strace systemd-analyze"
UNIT=contrib/tlsmon.service
SIGSYS_EXIT=$((128 + 31))
CAPTURE=$CORPUS/suricata/community-id-ipv6/input.pcap
E2E_FILES=$CAPTURE

setup() {
	dm_servers || tap_skip_all "the test servers do not start"
	unset TLSMON_SECCOMP TLSMON_SANDBOX_SELFTEST
}

# tlsmon on the pair with the selftest $1 (and more arguments); TPID set
selftest_tlsmon() {
	local what=$1 out=$2
	shift 2
	export TLSMON_SANDBOX_SELFTEST=$what
	dm_tlsmon "$out" --json --no-textfile "$@"
	local rc=$?
	unset TLSMON_SANDBOX_SELFTEST
	return $rc
}

test_running_filtered() {
	# nobody creates the log again after the move
	chmod 711 "$DIR"
	mkdir "$DIR/log"
	chown nobody "$DIR/log"
	dm_tlsmon "$DIR/run.json" --json --no-textfile --log "$DIR/log/run.log"
	ok $? "tlsmon attaches" "$(cat "$DIR/run.json.err")"
	wait_for 3 grep -q "system call filter on (kill)" "$DIR/run.json.err"
	ok $? "it says the filter is on, in kill mode" "$(cat "$DIR/run.json.err")"
	[ "$(dm_status $TPID Seccomp)" = 2 ]
	ok $? "/proc/PID/status: Seccomp 2 (filter), $(dm_status $TPID Seccomp_filters) filter(s)"
	dm_handshake sb.dm.test && wait_for 5 dm_has_record "$DIR/run.json" sb.dm.test
	ok $? "records flow under the filter (real handshake)" "$(tail -3 "$DIR/run.json.err")"
	mv "$DIR/log/run.log" "$DIR/log/run.log.1"
	kill -HUP $TPID
	wait_for 3 grep -q "reopened $DIR/log/run.log" "$DIR/run.json.err"
	ok $? "SIGHUP reopens the log under the filter" "$(tail -2 "$DIR/run.json.err")"
	kill -TERM $TPID
	wait $TPID
	ok $? "SIGTERM: exit 0" "$(tail -3 "$DIR/run.json.err")"
}

# process PID has ended (a zombie not yet waited for counts)
ended() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# each forbidden call kills, and the kill leaves nothing attached
test_forbidden_calls_kill() {
	local what rc out list="execve bpf socket ioctl" compat_rc=$SIGSYS_EXIT why want
	if [ "$(uname -m)" = x86_64 ]; then
		list+=" compat"
		# a 32-bit call (int 0x80) without a filter: it comes back where the
		# kernel runs such calls; where it runs none (no IA32 emulation) it
		# kills the process itself, and then that is the kill to see
		TLSMON_SANDBOX_SELFTEST=compat "$BIN" --no-seccomp --read "$CAPTURE" --json \
			>/dev/null 2>"$DIR/compat-probe.err"
		rc=$?
		if ! { [ $rc = 0 ] && grep -q "compat: the call returned" "$DIR/compat-probe.err"; }; then
			compat_rc=$rc
			echo "# this kernel runs no 32-bit system calls (int 0x80 without a filter: exit $rc)"
		fi
	fi
	for what in $list; do
		want=$SIGSYS_EXIT why="SIGSYS"
		if [ $what = compat ] && [ "$compat_rc" != $SIGSYS_EXIT ]; then
			want=$compat_rc why="the kernel's own kill, as without a filter"
		fi
		selftest_tlsmon "$what" "$DIR/k-$what.json"
		ok $? "$what: tlsmon attaches first" "$(cat "$DIR/k-$what.json.err")"
		wait_for 5 ended $TPID || kill -TERM $TPID
		wait $TPID
		rc=$?
		[ $rc = "$want" ] && [ $rc != 0 ]
		ok $? "$what after setup: killed by $why (exit $rc)" "$(tail -3 "$DIR/k-$what.json.err")"
		! grep -q "the call returned" "$DIR/k-$what.json.err"
		ok $? "$what: the call never returned to tlsmon"
		out=$(ip netns exec $DM_C "$ATTACHED" veth-c)
		[ -z "$out" ]
		ok $? "$what: nothing stays attached after the kill" "$out"
	done
}

# log mode and no filter: the same calls run, tlsmon lives on
test_log_and_off_survive() {
	local how
	for how in log off no-seccomp; do
		case $how in
		log | off) export TLSMON_SECCOMP=$how; args=() ;;
		no-seccomp) args=(--no-seccomp) ;;
		esac
		selftest_tlsmon execve "$DIR/s-$how.json" "${args[@]}"
		ok $? "$how: tlsmon attaches" "$(cat "$DIR/s-$how.json.err")"
		unset TLSMON_SECCOMP
		wait_for 3 grep -q "TLSMON_SANDBOX_SELFTEST=execve: the call returned" "$DIR/s-$how.json.err"
		ok $? "$how: the forbidden call ran and returned" "$(tail -3 "$DIR/s-$how.json.err")"
		kill -0 $TPID 2>/dev/null
		ok $? "$how: tlsmon is still running"
		if [ $how = log ]; then
			[ "$(dm_status $TPID Seccomp)" = 2 ]
			ok $? "log: a filter is loaded (Seccomp 2)"
			# the kernel's audit record of the call (no auditd here: the kernel log)
			wait_for 3 sh -c "dmesg | grep -q 'type=1326.* pid=$TPID .*syscall=59 '"
			ok $? "log: the kernel logged execve (syscall 59) of that tlsmon" \
				"$(dmesg | grep type=1326 | tail -2)"
		else
			[ "$(dm_status $TPID Seccomp)" = 0 ] &&
				grep -q "warning: no system call filter" "$DIR/s-$how.json.err"
			ok $? "$how: no filter (Seccomp 0), and a warning says so" "$(cat "$DIR/s-$how.json.err")"
		fi
		dm_handshake "$how.dm.test" && wait_for 5 dm_has_record "$DIR/s-$how.json" "$how.dm.test"
		ok $? "$how: records flow"
		kill -TERM $TPID
		wait $TPID
		ok $? "$how: SIGTERM, exit 0"
	done
	TLSMON_SECCOMP=sometimes "$BIN" --read "$CAPTURE" --json >/dev/null 2>"$DIR/bad.err"
	[ $? = 2 ] && grep -q "TLSMON_SECCOMP: kill, log or off" "$DIR/bad.err"
	ok $? "TLSMON_SECCOMP=sometimes: exit 2 with a message" "$(cat "$DIR/bad.err")"
}

test_offline() {
	local rc
	"$BIN" --read "$CAPTURE" --json -v >"$DIR/off.json" 2>"$DIR/off.err"
	rc=$?
	[ $rc = 0 ] && [ -s "$DIR/off.json" ] && grep -q "system call filter on (kill)" "$DIR/off.err"
	ok $? "offline under the filter: records, exit 0 (rc $rc)" "$(cat "$DIR/off.err")"
	TLSMON_SANDBOX_SELFTEST=execve "$BIN" --read "$CAPTURE" --json >/dev/null 2>"$DIR/offk.err"
	rc=$?
	[ $rc = $SIGSYS_EXIT ]
	ok $? "offline: a forbidden call kills with SIGSYS (exit $rc)" "$(cat "$DIR/offk.err")"
	TLSMON_SANDBOX_SELFTEST=execve "$BIN" --no-seccomp --read "$CAPTURE" --json \
		>/dev/null 2>"$DIR/offn.err"
	rc=$?
	[ $rc = 0 ] && grep -q "the call returned" "$DIR/offn.err"
	ok $? "offline --no-seccomp: the call returns, exit 0 (rc $rc)" "$(cat "$DIR/offn.err")"
}

# the calls a systemd filter item allows: a name, or a @group expanded
# (groups hold groups: DEPTH bounds the recursion)
expand() {
	local item=$1 depth=${2:-0} sub
	if [[ $item != @* ]]; then
		echo "$item"
		return
	fi
	[ "$depth" -lt 4 ] || return
	for sub in $(systemd-analyze syscall-filter "$item" 2>/dev/null |
		awk '/^    [@a-z_0-9-]+$/ { print $1 }'); do
		expand "$sub" $((depth + 1))
	done
}

unit_allowed() {
	local item
	for item in $(sed -n 's/^SystemCallFilter=//p' "$UNIT" | grep -v '^~'); do
		expand "$item"
	done | sort -u
}

# the calls of lib/sandbox.c's lists that this architecture has
sandbox_list() {
	{
		sed -n '/^static const char \*const plain\[\]/,/^};/p' user/lib/sandbox.c |
			grep -o '"[a-z_0-9]*"' | tr -d '"'
		grep -o '^	{ "[a-z_0-9]*",' user/lib/sandbox.c | tr -d '{", \t'
		echo tgkill
	} | sort -u | while read -r name; do
		grep -qw "__NR_$name" /usr/include/x86_64-linux-gnu/asm/unistd_64.h \
			/usr/include/asm/unistd_64.h 2>/dev/null && echo "$name"
	done
}

test_unit_filter() {
	local allowed missing name names
	grep -q '^SystemCallFilter=' "$UNIT"
	ok $? "the unit has a SystemCallFilter="
	allowed=$(unit_allowed)
	[ "$(wc -w <<<"$allowed")" -gt 100 ]
	ok $? "its groups expand to $(wc -w <<<"$allowed") calls"
	names=$(sandbox_list)
	missing=$(for name in $names; do grep -qx "$name" <<<"$allowed" || echo "$name"; done |
		tr '\n' ' ')
	[ "$(wc -w <<<"$names")" -gt 40 ] && [ -z "$missing" ]
	ok $? "the unit allows each of the $(wc -w <<<"$names") calls of lib/sandbox.c's list" \
		"missing: $missing"
	# every call a real run makes, from start to exit (as root: a superset of the unit's)
	ip netns exec $DM_C strace -f -qq -o "$DIR/strace.out" "$BIN" -i veth-c --json \
		--textfile-dir "$DIR" --textfile-interval 1 >"$DIR/st.json" 2>"$DIR/st.err" &
	TPID=$!
	e2e_track "$TPID"
	wait_for 20 grep -q "system call filter on" "$DIR/st.err"
	ok $? "tlsmon under strace attaches" "$(cat "$DIR/st.err")"
	dm_handshake st.dm.test && wait_for 5 dm_has_record "$DIR/st.json" st.dm.test
	ok $? "and reports a handshake"
	wait_for 5 test -s "$DIR/tlsmon.prom"
	# strace holds fatal signals while it writes to a file: stop tlsmon itself
	kill -TERM "$(pgrep -P $TPID)"
	wait $TPID
	ok $? "exit 0" "$(tail -3 "$DIR/st.err")"
	names=$(sed -nE 's/^[0-9]+ +([a-z_0-9]+)\(.*/\1/p' "$DIR/strace.out" | sort -u)
	missing=$(for name in $names; do grep -qx "$name" <<<"$allowed" || echo "$name"; done |
		tr '\n' ' ')
	diag "calls made: $(wc -w <<<"$names")"
	[ -n "$names" ] && [ -z "$missing" ]
	ok $? "the unit allows every call of the run" "missing: $missing"
}

ALL_TESTS="test_running_filtered test_forbidden_calls_kill test_log_and_off_survive test_offline
test_unit_filter"
e2e_run
