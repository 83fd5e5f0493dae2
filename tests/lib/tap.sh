# SPDX-License-Identifier: BSD-3-Clause
# TAP for shell tests.  Source it, then:
#   tap_plan N            (optional; tap_done prints the plan when omitted)
#   ok COND_RC "name"     pass when COND_RC is 0:   ok $? "server answered"
#   pass "name" / fail "name" [details...]
#   skip "name" "reason"
#   tap_skip_all "reason" (no root, no kernel feature: everything skips)
#   need_root             skip all unless root
#   tap_done              summary; the script's exit status
# Cleanup: tap_cleanup CMD... registers commands run on exit, even on failure.

TAP_N=0
TAP_FAILED=0
TAP_PLANNED=
TAP_CLEANUP=()

tap_plan() { TAP_PLANNED=$1; echo "1..$1"; }

pass() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }

fail() {
	local name=$1
	shift
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $name"
	local l
	for l in "$@"; do printf '#   %s\n' "$l"; done
}

ok() {
	if [ "$1" -eq 0 ]; then pass "$2"; else fail "$2" "${@:3}"; fi
}

skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }

diag() { printf '# %s\n' "$*"; }

tap_skip_all() {
	echo "1..1"
	echo "ok 1 - ${0##*/} # SKIP $1"
	exit 0
}

need_root() {
	[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root (network namespaces, BPF)"
}

tap_cleanup() { TAP_CLEANUP+=("$*"); }

_tap_exit() {
	local rc=$? i
	for ((i = ${#TAP_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${TAP_CLEANUP[$i]}" >/dev/null 2>&1 || true
	done
	exit $rc
}
trap _tap_exit EXIT
trap 'exit 130' INT TERM

tap_done() {
	[ -z "$TAP_PLANNED" ] && echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

# Wait (bounded) until a command succeeds: wait_for SECONDS CMD...
wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
