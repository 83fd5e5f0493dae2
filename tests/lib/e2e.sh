# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# The runner of the end-to-end scripts (tests/e2e/, tests/asan/), in the
# shape of xdp-tools' test scripts: a script says what it needs and lists its
# tests, the runner sets up, runs them and always cleans up.
#
#   #!/usr/bin/env bash
#   # What this script tests.
#   . "$(dirname "$0")/../lib/e2e.sh"
#   E2E_NEEDS="root tlsmon lab"       # what the runner provides, see below
#   E2E_TOOLS="openssl curl"          # commands that must be installed
#   setup() { ... }                   # optional: what every test uses
#   test_one() { ok ...; }            # TAP results through tests/lib/tap.sh
#   test_two() { ... }
#   teardown() { ... }                # optional: after the tests (e.g. keep
#                                     # logs of a failure); not a cleanup
#   ALL_TESTS="test_one test_two"
#   e2e_run
#
# E2E_NEEDS, any of:
#   root       run as root, else every test skips
#   tlsmon     $BIN, the built tlsmon (TLSMON_BIN; the asan suite sets it)
#   attached   $ATTACHED, tests/tools/bpf_attached (make tests)
#   node-exporter  prometheus-node-exporter ($NODE_EXPORTER, tests/lib/prom.sh)
#   lab        the namespace lab (tests/lib/lab.sh) up before setup
#   lab-names  tests/lib/lab.sh with this run's names, the lab left down for
#              the test to bring up (it is removed at exit all the same)
#   pair       two namespaces on a veth pair of their own (tests/lib/daemon.sh)
#   tmux       a tmux server of this run: "${TM[@]}" new-session ...
# E2E_FILES    files that must exist (corpus captures), else every test skips
#
# Sourcing this file cds to the top of the tree and sources tests/lib/tap.sh,
# lab.sh, daemon.sh and prom.sh with this run's names.  The runner gives:
#   DIR        a scratch directory of this run (TLSMON_KEEP=1 keeps it)
#   E2E_NS     a prefix for namespace names, unique to this run (it holds the
#              PID): the lab's are $E2E_NS-cli ..., the pair's $E2E_NS-c/-s,
#              so two suites can run side by side
#   BIN OUT CORPUS ATTACHED
#   e2e_bg CMD...     CMD in the background, its PID in E2E_PID, ended at exit
#   e2e_track PID...  end these processes at exit too
# and at exit, whatever happened (a failure, exit, Ctrl-C, SIGTERM): the
# script's own tap_cleanup commands run, its processes end (TERM, then KILL
# after 3 s, each by PID and start time), then its tmux server, the lab or
# pair (namespaces, links, their processes) and DIR go.
#
# TESTS="test_two ..." runs only those (in ALL_TESTS order), for debugging;
# a test may rely on setup, never on another test.

set -u
E2E_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$E2E_TOP" || exit 1
. tests/lib/tap.sh

E2E_NAME=$(basename "$0" .sh)
E2E_NAME=${E2E_NAME#test_}
OUT=${TLSMON_OUTPUT:-$PWD/.output}
BIN=${TLSMON_BIN:-$OUT/tlsmon}
ATTACHED=$OUT/tests/tools/bpf_attached
CORPUS=${TLSMON_CORPUS:-../shared/corpus}
E2E_NS=tlsm-${E2E_NAME:0:10}-$$
E2E_NEEDS=
E2E_TOOLS=
E2E_FILES=
ALL_TESTS=
DIR=
E2E_PID=
E2E_PIDS=()

# the helpers, with this run's names (what is brought up is E2E_NEEDS's)
export LAB_PREFIX=$E2E_NS LAB_DIR=/tmp/tlsmon-lab-$E2E_NS
. tests/lib/lab.sh
DM_PREFIX=$E2E_NS
. tests/lib/daemon.sh
. tests/lib/prom.sh

_e2e_needs() { [[ " $E2E_NEEDS " == *" $1 "* ]]; }

# the start time of process PID (clock ticks since boot); empty once it is
# gone or a zombie
_e2e_start_time() {
	local st f
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 0
	read -r -a f <<<"$st"
	[ "${f[0]:-Z}" = Z ] || echo "${f[19]}"
}

e2e_track() {
	local p
	for p in "$@"; do E2E_PIDS+=("$p:$(_e2e_start_time "$p")"); done
}

e2e_bg() {
	"$@" &
	E2E_PID=$!
	e2e_track "$E2E_PID"
}

# TERM every tracked process still the one started, 3 s, then KILL
_e2e_stop_all() {
	local p i left
	for p in "${E2E_PIDS[@]}"; do
		[ -n "${p#*:}" ] && [ "$(_e2e_start_time "${p%%:*}")" = "${p#*:}" ] &&
			kill -TERM "${p%%:*}" 2>/dev/null
	done
	for ((i = 0; i < 30; i++)); do
		left=0
		for p in "${E2E_PIDS[@]}"; do
			[ -n "${p#*:}" ] && [ "$(_e2e_start_time "${p%%:*}")" = "${p#*:}" ] && left=1
		done
		[ $left = 0 ] && break
		sleep 0.1
	done
	for p in "${E2E_PIDS[@]}"; do
		[ -n "${p#*:}" ] && [ "$(_e2e_start_time "${p%%:*}")" = "${p#*:}" ] &&
			kill -KILL "${p%%:*}" 2>/dev/null
	done
	E2E_PIDS=()
	return 0
}

# everything that makes every test skip, checked before anything is set up
_e2e_check() {
	local t f
	if _e2e_needs root; then need_root; fi
	if _e2e_needs tlsmon && [ ! -x "$BIN" ]; then
		tap_skip_all "build tlsmon first (make): no $BIN"
	fi
	if _e2e_needs attached && [ ! -x "$ATTACHED" ]; then
		tap_skip_all "build the test tools first (make tests): no $ATTACHED"
	fi
	_e2e_needs tmux && E2E_TOOLS+=" tmux"
	for t in $E2E_TOOLS; do
		command -v "$t" >/dev/null || tap_skip_all "$t is not installed (make deps)"
	done
	if _e2e_needs node-exporter && [ -z "$NODE_EXPORTER" ]; then
		tap_skip_all "prometheus-node-exporter is not installed (make deps)"
	fi
	for f in $E2E_FILES; do
		[ -f "$f" ] || tap_skip_all "no $f (make deps; corpus files: TLSMON_CORPUS)"
	done
}

_e2e_setup() {
	DIR=$(mktemp -d "/tmp/tlsmon-$E2E_NAME.XXXXXX") || tap_skip_all "cannot create a scratch directory"
	# registered first, so run last (tap_cleanup runs in reverse)
	[ -n "${TLSMON_KEEP:-}" ] || tap_cleanup "rm -rf $DIR"
	# whoever brings the lab up (the runner, the test, scripts/demo.sh), it
	# goes at exit
	if _e2e_needs lab || _e2e_needs lab-names; then tap_cleanup lab_down; fi
	if _e2e_needs pair; then
		dm_up || tap_skip_all "cannot create network namespaces"
	fi
	if _e2e_needs lab; then
		lab_up >"$DIR/lab.log" 2>&1 || {
			sed 's/^/# /' "$DIR/lab.log"
			tap_skip_all "the lab does not come up (see above)"
		}
	fi
	if _e2e_needs tmux; then
		TM=(tmux -S "$DIR/tmux.sock" -f /dev/null)
		tap_cleanup "tmux -S $DIR/tmux.sock kill-server"
	fi
	# registered last, so run first: processes end before their namespaces go
	tap_cleanup _e2e_stop_all
}

e2e_run() {
	local _e2e_t _e2e_sel=() _e2e_unknown=() _e2e_all
	# shellcheck disable=SC2086
	_e2e_all=" $(echo $ALL_TESTS) "	# one space between names
	[ -n "$ALL_TESTS" ] || tap_skip_all "ALL_TESTS lists no test"
	if [ -n "${TESTS:-}" ]; then
		for _e2e_t in $TESTS; do
			[[ $_e2e_all == *" $_e2e_t "* ]] || _e2e_unknown+=("$_e2e_t")
		done
		[ ${#_e2e_unknown[@]} -eq 0 ] || {
			echo "TESTS names what ALL_TESTS does not list: ${_e2e_unknown[*]} (ALL_TESTS:$_e2e_all)" >&2
			exit 2
		}
	fi
	for _e2e_t in $ALL_TESTS; do
		[ -z "${TESTS:-}" ] || [[ " $TESTS " == *" $_e2e_t "* ]] || continue
		declare -F "$_e2e_t" >/dev/null || {
			echo "ALL_TESTS lists $_e2e_t, which is not a function" >&2
			exit 2
		}
		_e2e_sel+=("$_e2e_t")
	done
	_e2e_check
	_e2e_setup
	if declare -F setup >/dev/null; then setup; fi
	for _e2e_t in "${_e2e_sel[@]}"; do
		diag "$_e2e_t"
		"$_e2e_t"
	done
	if declare -F teardown >/dev/null; then teardown; fi
	tap_done
}
