#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Outputs and inputs under faults, with the real binary:
#  - --log, --json and the readable lines to a full filesystem (a 16k tmpfs):
#    every line that stays is whole and one of the records, every record that
#    could not be written is counted in the textfile, a warning says so, and
#    writing resumes once there is room again;
#  - SIGINT and SIGTERM stop --read of an endless stream that delivers no
#    frame (a pcap header, then zeros);
#  - --read of a process substitution, a named FIFO and gzip through a FIFO
#    give the records --read of the file gives.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon"
E2E_TOOLS="python3 gzip mount umount"
SRC=$CORPUS/ndpi/no_sni.pcap
NG=$CORPUS/ja4/tls-sni.pcapng
E2E_FILES="$SRC $NG"
COPIES=10

# the lines of FILE: each whole and one of REF's (JSON: valid too), in REF's
# order; prints how many, fails otherwise
check_lines() {
	python3 - "$@" <<'EOF'
import json, sys
path, ref, kind = sys.argv[1:4]
data = open(path, 'rb').read()
want = open(ref, 'rb').read().split(b'\n')
if data and not data.endswith(b'\n'):
    sys.exit(f"{path}: a partial line at the end: {data[-80:]!r}")
at = 0
lines = data.split(b'\n')[:-1]
for i, l in enumerate(lines):
    if kind == 'json':
        try:
            json.loads(l)
        except ValueError as e:
            sys.exit(f"{path}: line {i + 1} is not JSON ({e}): {l[:200]!r}")
    try:
        at = want.index(l, at) + 1
    except ValueError:
        sys.exit(f"{path}: line {i + 1} is none of the records, or out of order: {l[:200]!r}")
print(len(lines))
EOF
}

# N, or -1 when it is not a count (check_lines said what was wrong)
count() { if [[ $1 =~ ^[0-9]+$ ]]; then echo "$1"; else echo -1; fi; }

# the value of METRIC in the textfile of DIR (empty: absent)
metric() { awk -v m="$2" '$1 == m { print $2 }' "$1/tlsmon.prom" 2>/dev/null; }

# the records without the interface (named after the path read)
strip_if() { sed 's/"interface":"[^"]*",//' "$1"; }

setup() {
	# a capture whose handshakes settle all along: COPIES copies of one, 100 s apart
	python3 - "$SRC" "$DIR/many.pcap" "$COPIES" <<'EOF'
import struct, sys
src, dst, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, 'rb').read()
assert struct.unpack_from('<I', data, 0)[0] in (0xa1b2c3d4, 0xa1b23c4d)
out = bytearray(data[:24])
for k in range(copies):
    off = 24
    while off + 16 <= len(data):
        ts, tu, cl, ol = struct.unpack_from('<IIII', data, off)
        out += struct.pack('<IIII', ts + 100 * k, tu, cl, ol) + data[off + 16:off + 16 + cl]
        off += 16 + cl
open(dst, 'wb').write(out)
EOF
	M=$DIR/many.pcap
	timeout 60 "$BIN" --read "$M" --json >"$DIR/ref.json" 2>"$DIR/ref.err"
	REF_RC=$?
	NREF=$(grep -c . "$DIR/ref.json")
	timeout 60 "$BIN" --read - --json <"$M" >"$DIR/ref-stdin.json" 2>/dev/null
	timeout 60 "$BIN" --read "$M" --all >"$DIR/ref.txt" 2>/dev/null
	NREF_TXT=$(grep -vc '^summary:' "$DIR/ref.txt")
	SMALL=$DIR/small
	mkdir -p "$SMALL"
	mount -t tmpfs -o size=16k,mode=755 tlsmon-test "$SMALL" || SMALL=
	[ -n "$SMALL" ] && tap_cleanup "umount $SMALL || umount -l $SMALL"
}

# a fresh textfile directory NAME
promdir() {
	rm -rf "${DIR:?}/$1"
	mkdir -p "$DIR/$1"
	echo "$DIR/$1"
}

# the reference and the filesystem are there, else every check of a test fails
ready() {
	[ "$REF_RC" -eq 0 ] && [ "$NREF" -ge 50 ] && [ -n "$SMALL" ] && rm -f "$SMALL"/*
}

test_log_full() {
	local p n f msg
	ready || { fail "--log to a full filesystem" "reference rc=$REF_RC ($NREF records), tmpfs '$SMALL'"; return; }
	p=$(promdir prom-log)
	timeout 60 "$BIN" --read "$M" --json --log "$SMALL/log.json" --textfile-dir "$p" \
		>"$DIR/log.out" 2>"$DIR/log.err"
	RC=$?
	[ "$RC" -eq 0 ] && cmp -s "$DIR/log.out" "$DIR/ref.json"
	ok $? "--log on a full filesystem: the run and its standard output are as usual" \
		"rc=$RC" "$(cat "$DIR/log.err")"

	n=$(check_lines "$SMALL/log.json" "$DIR/ref.json" json 2>&1)
	msg=$n
	n=$(count "$n")
	[ "$n" -gt 0 ] && [ "$n" -lt "$NREF" ]
	ok $? "--log: every line that stayed is a whole, valid record ($n of $NREF)" "$msg"

	f=$(metric "$p" tlsmon_log_write_failures_total)
	[ "$n" -ge 0 ] && [ "${f:-x}" = "$((NREF - n))" ]
	ok $? "--log: each record not written is counted (tlsmon_log_write_failures_total $f)" \
		"want $((NREF - n)), got '$f'"

	grep -q "warning: $SMALL/log.json: cannot write a line: No space left on device" "$DIR/log.err" &&
		grep -q "warning: $SMALL/log.json: $((NREF - n)) of $NREF records could not be written" \
			"$DIR/log.err" &&
		[ "$(grep -c 'cannot write\|still cannot' "$DIR/log.err")" -le 3 ]
	ok $? "--log: warned, at a limited rate, and the loss summed up at the end" \
		"$(cat "$DIR/log.err")"
}

test_json_full() {
	local p n f msg
	ready || { fail "--json to a full filesystem" "reference rc=$REF_RC, tmpfs '$SMALL'"; return; }
	p=$(promdir prom-json)
	timeout 60 "$BIN" --read "$M" --json --textfile-dir "$p" >"$SMALL/out.json" 2>"$DIR/json.err"
	RC=$?
	n=$(check_lines "$SMALL/out.json" "$DIR/ref.json" json 2>&1)
	msg=$n
	n=$(count "$n")
	f=$(metric "$p" tlsmon_json_write_failures_total)
	[ "$RC" -eq 0 ] && [ "$n" -gt 0 ] && [ "$n" -lt "$NREF" ] &&
		[ "${f:-x}" = "$((NREF - n))" ] && grep -q 'standard output.*cannot write' "$DIR/json.err"
	ok $? "--json to a full filesystem: $n whole records, the other ${f:-?} counted and warned" \
		"rc=$RC lines: $msg, tlsmon_json_write_failures_total '$f'" "$(cat "$DIR/json.err")"
}

test_text_full() {
	local p n f msg
	ready || { fail "readable lines to a full filesystem" "reference rc=$REF_RC, tmpfs '$SMALL'"; return; }
	p=$(promdir prom-text)
	# its lines are short: a page of room left
	dd if=/dev/zero of="$SMALL/filler" bs=4k count=3 2>/dev/null
	timeout 60 "$BIN" --read "$M" --all --textfile-dir "$p" >"$SMALL/out.txt" 2>"$DIR/text.err"
	RC=$?
	# the summary line at the end differs (it counts the loss): records only
	n=$(check_lines <(grep -v '^summary:' "$SMALL/out.txt") "$DIR/ref.txt" text 2>&1)
	msg=$n
	n=$(count "$n")
	f=$(metric "$p" tlsmon_text_write_failures_total)
	[ "$RC" -eq 0 ] && [ "$n" -gt 0 ] && [ "$n" -lt "$NREF_TXT" ] &&
		[ "${f:-x}" = "$((NREF_TXT - n))" ] && grep -q 'standard output.*cannot write' "$DIR/text.err"
	ok $? "readable lines to a full filesystem: $n whole lines, the other ${f:-?} counted and warned" \
		"rc=$RC lines: $msg of $NREF_TXT, tlsmon_text_write_failures_total '$f'" \
		"$(tail -c 300 "$SMALL/out.txt")" "$(cat "$DIR/text.err")"
}

# the filesystem full from the start; room made halfway through the capture
test_resume() {
	local p n f msg i pid fifo=$DIR/resume.fifo size half
	ready || { fail "writing resumes when there is room" "reference rc=$REF_RC, tmpfs '$SMALL'"; return; }
	p=$(promdir prom-resume)
	: >"$SMALL/log.json"
	dd if=/dev/zero of="$SMALL/filler" bs=1k count=64 2>/dev/null
	rm -f "$fifo"
	mkfifo "$fifo"
	# the FIFO opened in the background: the open waits for the writer below
	e2e_bg sh -c 'exec "$0" --read - --log "$1" --textfile-dir "$2" <"$3" >/dev/null 2>"$4"' \
		"$BIN" "$SMALL/log.json" "$p" "$fifo" "$DIR/resume.err"
	pid=$E2E_PID
	exec 7>"$fifo"
	size=$(stat -c %s "$M")
	half=$((size / 2))
	head -c "$half" "$M" >&7
	wait_for 20 grep -q 'cannot write a line' "$DIR/resume.err"
	ok $? "resume: the first records fail on the full filesystem, with a warning" \
		"$(cat "$DIR/resume.err")"
	rm -f "$SMALL/filler"
	tail -c +$((half + 1)) "$M" >&7
	exec 7>&-
	for ((i = 0; i < 300; i++)); do
		[ -z "$(_e2e_start_time "$pid")" ] && break
		sleep 0.1
	done
	[ -z "$(_e2e_start_time "$pid")" ] || kill -KILL "$pid"
	wait "$pid"
	RC=$?
	n=$(check_lines "$SMALL/log.json" "$DIR/ref-stdin.json" json 2>&1)
	msg=$n
	n=$(count "$n")
	f=$(metric "$p" tlsmon_log_write_failures_total)
	[[ ${f:-x} =~ ^[0-9]+$ ]] || f=-1
	[ "$RC" -eq 0 ] && [ "$n" -gt 0 ] && [ "${f:-0}" -gt 0 ] &&
		[ "$((n + f))" -eq "$NREF" ] && grep -q 'writing again' "$DIR/resume.err"
	ok $? "resume: once there is room the later records are written whole ($n written, ${f:-?} counted)" \
		"rc=$RC lines: $msg, tlsmon_log_write_failures_total '$f', want a sum of $NREF" \
		"$(cat "$DIR/resume.err")"
}

# SIG: INT or TERM to --read of a pcap header, then WHAT: "zeros" (endless
# records that deliver no frame) or "nothing" (a stream that stalls)
zero_stream() {
	local sig=$1 what=$2 pid i gone=0 fifo feed
	fifo=$DIR/zero-$sig-$what.fifo
	mkfifo "$fifo"
	# (head -c 24 x.pcap; cat /dev/zero) | tlsmon --read - --json, with tlsmon's PID
	e2e_bg sh -c 'exec "$0" --read - --json <"$1" >"$2" 2>"$3"' "$BIN" "$fifo" \
		"$DIR/zero-$sig.out" "$DIR/zero-$sig.err"
	pid=$E2E_PID
	feed='exec cat /dev/zero'
	[ "$what" = nothing ] && feed='exec sleep 60'
	e2e_bg sh -c '{ head -c 24 "$0"; '"$feed"'; } >"$1"' "$SRC" "$fifo"
	sleep 1
	if [ -z "$(_e2e_start_time "$pid")" ]; then
		fail "SIG$sig stops --read of a stream of $what" "it ended by itself" \
			"$(cat "$DIR/zero-$sig.err")"
		return
	fi
	kill -"$sig" "$pid"
	for ((i = 0; i < 50; i++)); do
		[ -z "$(_e2e_start_time "$pid")" ] && { gone=1; break; }
		sleep 0.1
	done
	[ $gone = 1 ] || kill -KILL "$pid"
	wait "$pid"
	RC=$?
	[ $gone = 1 ] && [ "$RC" -eq 0 ]
	ok $? "SIG$sig stops --read of a stream of $what within 5 s (exit 0)" \
		"gone=$gone rc=$RC" "$(cat "$DIR/zero-$sig.err")"
}

test_signal_zero_stream() {
	zero_stream INT zeros
	zero_stream TERM zeros
	zero_stream INT nothing
	zero_stream TERM nothing
}

# --read of CMD's output one way or another: the records of --read FILE
test_fifo_inputs() {
	local ref fifo=$DIR/in.fifo f name
	for f in "$NG" "$M"; do
		name=${f##*/}
		timeout 60 "$BIN" --read "$f" --json >"$DIR/file.json" 2>"$DIR/file.err"
		ref=$(strip_if "$DIR/file.json")
		[ -n "$ref" ] || { fail "$name: --read FILE gives records" "$(cat "$DIR/file.err")"; continue; }

		timeout 60 "$BIN" --read <(cat "$f") --json >"$DIR/psub.json" 2>"$DIR/psub.err"
		RC=$?
		[ "$RC" -eq 0 ] && [ "$(strip_if "$DIR/psub.json")" = "$ref" ]
		ok $? "$name: --read <(cat FILE) gives the same records" "rc=$RC" "$(cat "$DIR/psub.err")"

		rm -f "$fifo"
		mkfifo "$fifo"
		# the writers open the FIFO in the background: the open waits for tlsmon
		e2e_bg sh -c 'exec cat "$0" >"$1"' "$f" "$fifo"
		timeout 60 "$BIN" --read "$fifo" --json >"$DIR/fifo.json" 2>"$DIR/fifo.err"
		RC=$?
		[ "$RC" -eq 0 ] && [ "$(strip_if "$DIR/fifo.json")" = "$ref" ]
		ok $? "$name: --read of a named FIFO gives the same records" "rc=$RC" "$(cat "$DIR/fifo.err")"

		rm -f "$fifo"
		mkfifo "$fifo"
		e2e_bg sh -c 'exec gzip -c "$0" >"$1"' "$f" "$fifo"
		timeout 60 "$BIN" --read "$fifo" --json >"$DIR/gzfifo.json" 2>"$DIR/gzfifo.err"
		RC=$?
		[ "$RC" -eq 0 ] && [ "$(strip_if "$DIR/gzfifo.json")" = "$ref" ]
		ok $? "$name: --read of gzip through a named FIFO gives the same records" "rc=$RC" \
			"$(cat "$DIR/gzfifo.err")"

		gzip -c "$f" | timeout 60 "$BIN" --read - --json >"$DIR/gzstdin.json" 2>"$DIR/gzstdin.err"
		RC=$?
		[ "$RC" -eq 0 ] && [ "$(strip_if "$DIR/gzstdin.json")" = "$ref" ]
		ok $? "$name: --read - of gzip on standard input gives the same records" "rc=$RC" \
			"$(cat "$DIR/gzstdin.err")"
	done
}

ALL_TESTS="test_log_full test_json_full test_text_full test_resume test_signal_zero_stream test_fifo_inputs"
e2e_run
