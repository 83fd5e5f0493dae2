#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The per-interface lock files, live on a veth pair of this run: two tlsmon
# on one interface exclude each other, and the lock file is gone once
# tlsmon has exited, however it ran: as root dropping to nobody (the file is
# in root's /run/tlsmon, which nobody may not write: a helper removes it),
# after SIGKILL too, with --no-drop, and as a plain user with its locks in
# $RUNTIME_DIRECTORY (the systemd unit's way).  A tlsmon that opened the
# lock file just before its holder removed it (held there by strace between
# open and flock) does not count a lock on the removed file as the lock; and
# stopping one tlsmon while two others start never lets both of them in.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon"
E2E_TOOLS="setpriv strace"
C=$E2E_NS-c S=$E2E_NS-s

setup() {
	tap_cleanup "ip netns del $C; ip netns del $S"
	ip netns add $C && ip netns add $S || tap_skip_all "cannot create network namespaces"
	ip link add veth-c netns $C type veth peer name veth-s netns $S
	ip -n $C link set veth-c up
	ip -n $S link set veth-s up
	chmod 711 "$DIR"
	# how tlsmon names the lock: the namespace's inode, then the interface
	LOCK=/run/tlsmon/$(stat -L -c %i /run/netns/$C)-veth-c.lock
	tap_cleanup "rm -f $LOCK"
}

# start OUT [options...]: tlsmon on veth-c in the background, TPID; 0 once attached
start() {
	local out=$1
	shift
	e2e_bg ip netns exec $C "$BIN" -i veth-c --json --no-textfile "$@" >"$out" 2>"$out.err"
	TPID=$E2E_PID
	wait_for 15 grep -q "watching veth-c (" "$out.err"
}

# stop PID SIGNAL: send it, wait for the exit (bounded); the exit status
# stop PID SIGNAL: signal it, wait for it (10 s), then SIGKILL: never unbounded
stop() {
	local i
	kill -"$2" "$1" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

gone() { [ ! -e "$1" ]; }
status() { awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }
# gone, or a zombie (whoever adopted it may not reap)
exited() { ! grep -q '^State:[[:space:]]*[^Z]' "/proc/$1/status" 2>/dev/null; }

test_root_drop() {
	start "$DIR/a.json"
	ok $? "tlsmon attaches to veth-c (root, dropping to nobody)" "$(cat "$DIR/a.json.err")"
	[ -f "$LOCK" ] && [ "$(cat "$LOCK")" = "$TPID" ]
	ok $? "its lock file $LOCK holds its pid" "$(ls -l /run/tlsmon 2>&1 | head -5)"
	ip netns exec $C timeout 20 "$BIN" -i veth-c --json --no-textfile >/dev/null 2>"$DIR/b.err"
	rc=$?
	[ $rc -ne 0 ] && grep -q "another tlsmon (pid $TPID) is already watching veth-c" "$DIR/b.err"
	ok $? "a second tlsmon on veth-c refuses to start (exit $rc), naming the first" \
		"$(cat "$DIR/b.err")"
	[ -f "$LOCK" ] && [ "$(cat "$LOCK")" = "$TPID" ]
	ok $? "the first one's lock file is untouched"
	# the helper that removes it: uid 0, no capability, only a pipe open
	helper=$(pgrep -P $TPID -x tlsmon-unlock | head -1)
	st=$(grep -E '^(Uid|Cap...|NoNewPrivs):' "/proc/$helper/status" 2>&1 | tr -s '\t' ' ')
	[ -n "$helper" ] && [ "$(status $helper Uid)" = "0 0 0 0" ] &&
		[ "$(status $helper CapEff)" = 0000000000000000 ] &&
		[ "$(status $helper CapPrm)" = 0000000000000000 ] &&
		[ "$(status $helper CapBnd)" = 0000000000000000 ] &&
		[ "$(status $helper NoNewPrivs)" = 1 ]
	ok $? "its helper tlsmon-unlock ($helper): uid 0, no capability, no_new_privs" "$st"
	fds=$(ls -l "/proc/$helper/fd" 2>&1 | grep -c -- '->')
	ls -l "/proc/$helper/fd" 2>/dev/null | grep -q -- '-> pipe:' && [ "$fds" = 1 ]
	ok $? "and nothing open but a pipe ($fds)" "$(ls -l "/proc/$helper/fd" 2>&1)"
	stop $TPID TERM
	ok $? "SIGTERM: exit 0" "$(tail -3 "$DIR/a.json.err")"
	wait_for 5 gone "$LOCK"
	ok $? "the lock file is gone after the exit"
	wait_for 5 exited "$helper"
	ok $? "the helper is gone too"

	start "$DIR/c.json"
	ok $? "the next tlsmon attaches" "$(cat "$DIR/c.json.err")"
	[ "$(cat "$LOCK" 2>/dev/null)" = "$TPID" ]
	ok $? "with a lock file of its own"
	stop $TPID KILL
	wait_for 5 gone "$LOCK"
	ok $? "after SIGKILL the lock file is gone too"
}

test_no_drop() {
	start "$DIR/n.json" --no-drop
	ok $? "tlsmon --no-drop attaches" "$(cat "$DIR/n.json.err")"
	[ -f "$LOCK" ]
	ok $? "its lock file is there"
	stop $TPID TERM
	ok $? "SIGTERM: exit 0" "$(tail -3 "$DIR/n.json.err")"
	gone "$LOCK"
	ok $? "the lock file is gone at exit"
}

# as the systemd unit runs it: a plain user with ambient capabilities
test_runtime_directory() {
	local caps=-all,+bpf,+net_admin,+perfmon run=$DIR/run lock
	mkdir -p "$run" && chown nobody "$run"
	install -m 0755 "$BIN" "$DIR/tlsmon"
	lock=$run/${LOCK##*/}
	e2e_bg ip netns exec $C env RUNTIME_DIRECTORY="$run" setpriv --reuid=nobody \
		--regid="$(id -g nobody)" --clear-groups --inh-caps=$caps --ambient-caps=$caps \
		--bounding-set=$caps -- "$DIR/tlsmon" -i veth-c --json --no-textfile \
		>"$DIR/u.json" 2>"$DIR/u.json.err"
	TPID=$E2E_PID
	wait_for 15 grep -q "watching veth-c (" "$DIR/u.json.err"
	ok $? "as nobody with CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, tlsmon attaches" \
		"$(cat "$DIR/u.json.err")"
	[ -f "$lock" ]
	ok $? "its lock file is in \$RUNTIME_DIRECTORY"
	stop $TPID TERM
	ok $? "SIGTERM: exit 0" "$(tail -3 "$DIR/u.json.err")"
	gone "$lock"
	ok $? "the lock file is gone at exit"
}

# B opens the lock file, A exits (its file removed), then B's flock succeeds
# on the removed file: B must see that and take the lock on a file of its own
test_removed_under_us() {
	local spid bpid ino rc
	start "$DIR/ra.json"
	ok $? "A attaches" "$(cat "$DIR/ra.json.err")"
	ino=$(stat -c %i "$LOCK")
	# B, each flock delayed 4 s on its way in (strace fault injection)
	e2e_bg ip netns exec $C strace -o "$DIR/rb.strace" -e trace=flock \
		-e inject=flock:delay_enter=4000000 "$BIN" -i veth-c --json --no-textfile \
		>"$DIR/rb.json" 2>"$DIR/rb.json.err"
	spid=$E2E_PID
	b_has_lock_open() {
		bpid=$(pgrep -P "$spid" | head -1)
		[ -n "$bpid" ] && ls -l "/proc/$bpid/fd" 2>/dev/null | grep -q -- "-> $LOCK"
	}
	wait_for 20 b_has_lock_open
	ok $? "B has A's lock file open, and waits to flock it"
	stop $TPID TERM
	wait_for 3 gone "$LOCK"
	ok $? "A exits and its lock file is removed while B waits"
	wait_for 20 grep -q "watching veth-c (" "$DIR/rb.json.err"
	ok $? "B attaches" "$(cat "$DIR/rb.json.err")"
	# inode numbers may be reused once the old file is closed: the pid tells
	[ -f "$LOCK" ] && [ "$(cat "$LOCK")" = "$bpid" ]
	ok $? "its lock is the file at the path, holding its pid" \
		"A's file was inode $ino, B is $bpid: $(ls -li "$LOCK" 2>&1; cat "$LOCK")"
	diag "B's flock calls: $(grep -c '^flock' "$DIR/rb.strace") (a second after finding its first file removed)"
	ip netns exec $C timeout 20 "$BIN" -i veth-c --json --no-textfile >/dev/null 2>"$DIR/rc.err"
	rc=$?
	[ $rc -ne 0 ] && grep -q "already watching veth-c" "$DIR/rc.err"
	ok $? "a third tlsmon refuses to start (exit $rc)" "$(cat "$DIR/rc.err")"
	# B itself: strace -o FILE PROG blocks fatal signals (its -I3), and ends with B
	stop "$bpid" TERM
	stop "$spid" TERM
	wait_for 5 gone "$LOCK"
	ok $? "no lock file left"
}

# stop the holder while two more start: never two attached at once
test_churn() {
	local round both=0 none=0 one=0 n p q
	for round in 1 2 3 4 5 6; do
		start "$DIR/h$round.json" || { fail "round $round: the holder attaches"; return; }
		kill -TERM $TPID
		ip netns exec $C timeout 20 "$BIN" -i veth-c --json --no-textfile \
			>/dev/null 2>"$DIR/p$round.err" &
		p=$!
		ip netns exec $C timeout 20 "$BIN" -i veth-c --json --no-textfile \
			>/dev/null 2>"$DIR/q$round.err" &
		q=$!
		e2e_track $p $q
		stop $TPID TERM
		# each one either attached or refused; give the winner time to say so
		wait_for 15 grep -qE "watching veth-c \(|already watching|error" "$DIR/p$round.err"
		wait_for 15 grep -qE "watching veth-c \(|already watching|error" "$DIR/q$round.err"
		n=$(cat "$DIR/p$round.err" "$DIR/q$round.err" | grep -c "watching veth-c (")
		case $n in 0) none=$((none + 1)) ;; 1) one=$((one + 1)) ;; *) both=$((both + 1)) ;; esac
		stop $p TERM
		stop $q TERM
		wait_for 5 gone "$LOCK"
	done
	diag "rounds: $one with one winner, $none with none (both too early), $both with two"
	ok $both "six rounds: never two tlsmon attached to veth-c at once"
	gone "$LOCK"
	ok $? "no lock file left"
}

ALL_TESTS="test_root_drop test_no_drop test_runtime_directory test_removed_under_us test_churn"
e2e_run
