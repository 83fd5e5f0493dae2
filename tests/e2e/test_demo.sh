#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `make demo` (scripts/demo.sh) as a newcomer runs it, in tmux: within a
# minute of starting, the dashboard shows every diagnosis of the field
# reports, with the servers they happen on; q then stops tlsmon and the
# traffic and removes the lab, leaving no namespace, directory or process.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon lab-names tmux"
E2E_TOOLS="openssl curl python3 nginx iptables"

screen() { "${TM[@]}" capture-pane -p -t demo; }
has() { screen | grep -qE -- "$1"; }
show() { screen | sed 's/^/#   | /'; }

# one demo, as a newcomer runs it: up, the diagnoses within a minute, q
test_demo() {
	start=$(date +%s)
	"${TM[@]}" new-session -d -x 120 -y 40 -s demo \
		"env LANG=C.UTF-8 TERM=screen-256color TLSMON_BIN=$BIN DEMO_PAUSE=1 DEMO_ROUNDS=100 \
	scripts/demo.sh; echo \$? >$DIR/rc; exec sleep 600"
	if ! wait_for 60 has '^ cli0  up .* LIVE *$'; then
		fail "make demo: the dashboard comes up"
		show
		tap_done
		exit
	fi
	pass "make demo: the dashboard comes up on the lab's cli0"

	# the field reports' diagnoses (../shared/seeds/README.md)
	for reason in version_mismatch no_shared_cipher client_rejected_server_cert \
		reset_after_client_hello server_rejected_client_cert closed_after_client_hello \
		unrecognized_name; do
		left=$((start + 60 - $(date +%s)))
		[ $left -lt 1 ] && left=1
		if wait_for $left has "^$reason +[1-9][0-9]* "; then
			pass "within a minute: $reason"
		else
			fail "within a minute: $reason"
			show
		fi
	done
	# where they happen, as the reports tell it
	"${TM[@]}" send-keys -t demo 2
	wait_for 5 has '^10\.77\.3\.2:443 +api\.lab\.test.* no_shared_cipher'
	ok $? "backend B fails python on no_shared_cipher (field report 004)"
	wait_for 5 has '^10\.77\.4\.2:443 +- .* closed_after_client_hello'
	ok $? "the proxy closes hellos without SNI (field report 000, 6)"
	"${TM[@]}" send-keys -t demo 5
	wait_for 5 has 'reset_after_client_hello +10\.77\.2\.2:443 +blocked\.lab\.test'
	ok $? "the middlebox resets blocked.lab.test (field report 000, 4)"
	wait_for 5 has 'suspected middlebox'
	ok $? "with its evidence: the reset's TTL"
	grep -q '^== round' "$LAB_DIR/demo-traffic.log" 2>/dev/null
	ok $? "the traffic log is kept in the lab directory"

	# tlsmon of the demo: the one in the lab's client namespace
	TPID=
	for p in $(pgrep -x tlsmon); do
		[ "$(ip netns identify "$p" 2>/dev/null)" = "$LAB_NS_CLI" ] && TPID=$p
	done
	[ -n "$TPID" ]
	ok $? "tlsmon runs in $LAB_NS_CLI"

	"${TM[@]}" send-keys -t demo q
	wait_for 60 test -s "$DIR/rc"
	ok $? "q: the demo ends"
	[ "$(cat "$DIR/rc" 2>/dev/null)" = 0 ]
	ok $? "q: exit status 0" "$(cat "$DIR/rc" 2>/dev/null)"
	n=0
	for ns in cli rtr a b px; do [ -e "/run/netns/$LAB_PREFIX-$ns" ] && n=$((n + 1)); done
	[ $n -eq 0 ]
	ok $? "q: the lab's namespaces are gone" "$n left"
	[ ! -e "$LAB_DIR" ]
	ok $? "q: the lab directory is gone"
	[ -n "$TPID" ] && ! kill -0 "$TPID" 2>/dev/null
	ok $? "q: tlsmon is gone" "pid $TPID"
	has 'demo: removing the lab'
	ok $? "q: the terminal is back, the demo says what it cleans"
	[ "$("${TM[@]}" display -p -t demo '#{alternate_on}')" = 0 ]
	ok $? "q: the normal screen is back"
}

ALL_TESTS="test_demo"
e2e_run
