#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The DaemonSet's tlsmon container (contrib/kubernetes/tlsmon-daemonset.yaml)
# as its pod would run it, short of a cluster: its arguments, uid 0 with only
# its capabilities (the bounding set; a container's "drop ALL, add ..."),
# no_new_privs (allowPrivilegeEscalation: false), a world-writable textfile
# directory (an emptyDir), on the lab client's interface standing in for the
# node's.  tlsmon must attach, become nobody with no capability, record
# handshakes and write tlsmon.prom; with any one of the capabilities missing
# it must refuse to start.  The container's readiness command, pointed at
# that directory, must fail before the file exists and when it is stale, and
# pass once tlsmon writes.
. "$(dirname "$0")/../lib/e2e.sh"
set -o pipefail
E2E_NEEDS="root tlsmon lab"
E2E_TOOLS="python3 setpriv curl"
MANIFEST=contrib/kubernetes/tlsmon-daemonset.yaml

setup() {
	python3 -c 'import yaml' 2>/dev/null ||
		tap_skip_all "python3-yaml is not installed (make deps)"
	# the container's args (one a line), capabilities, readiness command
	python3 - "$MANIFEST" "$DIR" <<'PYEOF' || tap_skip_all "cannot read $MANIFEST"
import sys, yaml
ds = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") == "DaemonSet"][0]
c = [c for c in ds["spec"]["template"]["spec"]["containers"] if c["name"] == "tlsmon"][0]
out = sys.argv[2]
open(out + "/args", "w").write("".join(str(a) + "\n" for a in c.get("args") or []))
open(out + "/caps", "w").write(" ".join(c["securityContext"]["capabilities"]["add"]) + "\n")
open(out + "/ready", "w").write(c["readinessProbe"]["exec"]["command"][-1] + "\n")
PYEOF
	mapfile -t ARGS <"$DIR/args"
	read -r -a CAPS <"$DIR/caps"
	READY=$(cat "$DIR/ready")
	# the manifest's textfile directory, here
	TDIR=/var/lib/prometheus/node-exporter
	for a in "${ARGS[@]}"; do
		case $a in --textfile-dir=*) TDIR=${a#*=} ;; esac
	done
	TF=$DIR/tf
	mkdir -p "$TF"
	chmod 777 "$TF"	# as an emptyDir is
	chmod 711 "$DIR"
	ARGS=("${ARGS[@]/#--textfile-dir=*/--textfile-dir=$TF}")
	install -m 0755 "$BIN" "$DIR/tlsmon"	# a copy nobody may run
}

# ready CMD-DIR: the container's readiness command with the directory DIR
ready() { sh -c "${READY//$TDIR/$1}"; }

# pod_like OUT CAP...: tlsmon with the manifest's arguments, uid 0 and only CAPs
pod_like() {
	local out=$1 c cl=-all
	shift
	for c in "$@"; do cl+=",+${c,,}"; done
	ip netns exec "$LAB_NS_CLI" setpriv --bounding-set="$cl" --inh-caps=-all \
		--no-new-privs -- "$DIR/tlsmon" -i "$LAB_IF" "${ARGS[@]}" >"$out" 2>"$out.err" &
	TPID=$!
	e2e_track "$TPID"
}

test_pod() {
	[[ " ${ARGS[*]} " == *" --textfile-dir=$TF "* ]]
	ok $? "the manifest's arguments, the textfile directory here (${ARGS[*]})"
	ready "$TF"
	ok $((!$?)) "not ready before tlsmon writes its file"

	pod_like "$DIR/p.json" "${CAPS[@]}"
	wait_for 15 grep -q "watching $LAB_IF" "$DIR/p.json.err"
	ok $? "uid 0 with only ${CAPS[*]}: tlsmon attaches" "$(cat "$DIR/p.json.err")"
	wait_for 5 grep -q "dropped privileges: running as nobody" "$DIR/p.json.err"
	ok $? "and becomes nobody" "$(cat "$DIR/p.json.err")"
	[ "$(dm_status $TPID Uid | awk '{print $1}')" = "$(id -u nobody)" ]
	ok $? "its uid is nobody's"
	for c in CapEff CapPrm CapAmb; do
		[ "$(dm_status $TPID $c)" = 0000000000000000 ]
		ok $? "$c is 0"
	done
	[ "$(dm_status $TPID NoNewPrivs)" = 1 ]
	ok $? "no_new_privs"

	lab_curl https://a.lab.test/ -4 -o /dev/null
	wait_for 5 dm_has_record "$DIR/p.json" a.lab.test
	ok $? "a handshake at A is recorded on stdout" "$(tail -n 3 "$DIR/p.json")"
	# the manifest's interval, bounded by the readiness window
	wait_for 45 test -f "$TF/tlsmon.prom"
	ok $? "tlsmon.prom is written" "$(cat "$DIR/p.json.err")"
	ready "$TF"
	ok $? "the readiness command passes on it"
	mkdir -p "$DIR/stale"
	cp -p "$TF/tlsmon.prom" "$DIR/stale/"
	touch -d '-2 minutes' "$DIR/stale/tlsmon.prom"
	ready "$DIR/stale"
	ok $((!$?)) "and fails on a file not rewritten for 2 minutes"

	kill -TERM $TPID
	wait $TPID
	ok $? "exit 0 on SIGTERM (the pod's termination)"
}

# every capability the manifest adds is needed
test_each_capability() {
	local drop rest c rc
	for drop in "${CAPS[@]}"; do
		rest=()
		for c in "${CAPS[@]}"; do [ "$c" = "$drop" ] || rest+=("$c"); done
		pod_like "$DIR/no-$drop.json" "${rest[@]}"
		for ((i = 0; i < 150; i++)); do
			kill -0 $TPID 2>/dev/null || break
			grep -q "dropped privileges: running as nobody" "$DIR/no-$drop.json.err" && break
			sleep 0.1
		done
		if kill -0 $TPID 2>/dev/null; then
			kill -TERM $TPID
			wait $TPID
			fail "without $drop tlsmon refuses to start" "$(cat "$DIR/no-$drop.json.err")"
		else
			wait $TPID
			rc=$?
			[ $rc -ne 0 ]
			ok $? "without $drop tlsmon refuses to start (exit $rc)" \
				"$(cat "$DIR/no-$drop.json.err")"
			diag "$(grep -m1 -i 'error\|cannot' "$DIR/no-$drop.json.err")"
		fi
	done
}

ALL_TESTS="test_pod test_each_capability"
e2e_run
