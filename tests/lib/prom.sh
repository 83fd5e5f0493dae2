# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Helpers for the Prometheus tests.  Source tests/lib/tap.sh first.
#
#   py_tap CMD...            run a checker printing "ok - NAME" / "not ok - NAME"
#                            (tests/lib/promtext.py's Tap) and fold its lines
#                            into this test's TAP stream
#   promtool_ok NAME FILE    pass when `promtool check metrics` accepts FILE
#                            with nothing to say
#   nodeexp_start DIR LOG [NS]   prometheus-node-exporter with only the textfile
#                            collector reading DIR, on 127.0.0.1 (a free port; in
#                            network namespace NS: its own loopback, port 9100);
#                            sets NE_PID, NE_URL; returns once /metrics answers
#   nodeexp_get              print /metrics
#   nodeexp_stop

PROM_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODE_EXPORTER=$(command -v prometheus-node-exporter || command -v node_exporter || true)

py_tap() {
	local out rc line
	out=$("$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) pass "${line#ok - }" ;;
		"not ok - "*) fail "${line#not ok - }" ;;
		"#"*) echo "$line" ;;
		esac
	done <<<"$out"
	[ $rc -eq 0 ] || fail "checker $(basename "$1") exited with status $rc" "$(tail -n 8 <<<"$out")"
}

promtool_ok() {
	local name=$1 file=$2 out
	out=$(promtool check metrics <"$file" 2>&1)
	if [ $? -eq 0 ] && [ -z "$out" ]; then
		pass "$name"
	else
		fail "$name" "$(head -n 10 <<<"$out")"
	fi
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

NE_PID=
NE_URL=
NE_NS=

nodeexp_get() {
	if [ -n "$NE_NS" ]; then
		ip netns exec "$NE_NS" curl -sf --max-time 5 "$NE_URL"
	else
		curl -sf --max-time 5 "$NE_URL"
	fi
}

nodeexp_start() {
	local dir=$1 log=$2 port
	NE_NS=${3:-}
	if [ -n "$NE_NS" ]; then
		port=9100
	else
		port=$(free_port) || return 1
	fi
	NE_URL=http://127.0.0.1:$port/metrics
	# bounded: the test's cleanup stops it, timeout does if that never runs
	${NE_NS:+ip netns exec "$NE_NS"} timeout -k 2 600 "$NODE_EXPORTER" \
		--web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
		--collector.textfile --collector.textfile.directory="$dir" >"$log" 2>&1 &
	NE_PID=$!
	tap_cleanup nodeexp_stop
	wait_for 10 nodeexp_get
}

nodeexp_stop() {
	[ -n "$NE_PID" ] || return 0
	kill "$NE_PID" 2>/dev/null
	wait "$NE_PID" 2>/dev/null
	NE_PID=
}
