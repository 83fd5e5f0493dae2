#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Offline mode against damaged and unusual captures: every one gives a clear
# message or a counted skip, never a crash, and what could be read is still
# reported.  Also: no root needed, '-' reads standard input, gzip works.
. "$(dirname "$0")/../lib/e2e.sh"
SRC=$CORPUS/ndpi/ssl-cert-name-mismatch.pcap
NG=$CORPUS/ja4/tls3.pcapng
E2E_NEEDS="tlsmon"
E2E_TOOLS="python3 taskset pgrep"
E2E_FILES="$SRC $NG"

# run NAME FILE: tlsmon --read FILE --json; sets RC, OUT (records), ERR
run() {
	timeout 60 "$BIN" --read "$2" --json >"$DIR/$1.out" 2>"$DIR/$1.err"
	RC=$?
	OUT=$(cat "$DIR/$1.out")
	ERR=$(cat "$DIR/$1.err")
}
# no signal, no sanitizer report, no timeout: exit status 0 or 1
sane() { [ "$RC" -le 1 ] && ! grep -q 'Sanitizer\|runtime error' <<<"$ERR"; }
nrec() { grep -c '^{' "$DIR/$1.out"; }

# the damaged captures, and the records of the intact one to compare with
setup() {
	chmod 755 "$DIR"
	python3 - "$SRC" "$DIR" <<'EOF'
import gzip, struct, sys
src, d = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read()
w = lambda n, b: open(f"{d}/{n}", "wb").write(b)
w("trunc.pcap", data[:-100])			# cut inside the last frames
w("header-only.pcap", data[:24])
w("short-header.pcap", data[:30])
w("empty.pcap", b"")
w("text.pcap", b"GET / HTTP/1.1\r\nHost: example\r\n\r\n")
b = bytearray(data); struct.pack_into("<I", b, 24 + 8, 0x7fffffff); w("bogus-caplen.pcap", b)
b = bytearray(data); struct.pack_into("<I", b, 20, 147); w("linktype.pcap", b)
# the same frames cut to a 60- and a 200-byte snap length
for snap in (60, 200):
    out = bytearray(data[:24]); struct.pack_into("<I", out, 16, snap)
    off = 24
    while off + 16 <= len(data):
        ts, tu, cl, ol = struct.unpack_from("<IIII", data, off)
        pkt = data[off + 16:off + 16 + cl]; off += 16 + cl
        c = min(cl, snap); out += struct.pack("<IIII", ts, tu, c, ol) + pkt[:c]
    w(f"snap{snap}.pcap", out)
# frames whose IP/TCP headers lie about their lengths
out = bytearray(data[:24]); off = 24; n = 0
while off + 16 <= len(data):
    ts, tu, cl, ol = struct.unpack_from("<IIII", data, off)
    pkt = bytearray(data[off + 16:off + 16 + cl]); off += 16 + cl
    if len(pkt) > 54:
        n += 1
        if n % 3 == 0: pkt[14] = 0x4f			# IHL 60 bytes
        elif n % 3 == 1: struct.pack_into(">H", pkt, 16, 0xffff)	# IP total length
        else: pkt[46] = 0xf0				# TCP data offset 60
    out += struct.pack("<IIII", ts, tu, len(pkt), ol) + pkt
w("lying-headers.pcap", out)
w("whole.pcap.gz", gzip.compress(data))
w("corrupt.pcap.gz", gzip.compress(data)[:200])
EOF
	ng=$(stat -c %s "$NG")
	head -c $((ng * 2 / 3)) "$NG" >"$DIR/trunc.pcapng"

	run whole "$SRC"
	WHOLE=$(nrec whole) WHOLE_RC=$RC WHOLE_ERR=$ERR
}

test_intact() {
	[ "$WHOLE_RC" -eq 0 ] && [ "$WHOLE" -ge 1 ]
	ok $? "the intact capture gives its records ($WHOLE)" "$WHOLE_ERR"
}

test_truncated() {
	run trunc "$DIR/trunc.pcap"
	sane && [ "$RC" -eq 1 ] && grep -q 'truncated' <<<"$ERR" && [ "$(nrec trunc)" -ge 1 ]
	ok $? "a capture cut short: a clear error, exit 1, and the records read before it" "rc=$RC $ERR"

	run trunc-ng "$DIR/trunc.pcapng"
	sane && [ "$RC" -eq 1 ] && [ -n "$ERR" ]
	ok $? "a pcapng cut short: a clear error, exit 1" "rc=$RC $ERR"
}

test_damaged() {
	for f in header-only short-header empty text bogus-caplen linktype corrupt.pcap; do
		p=$DIR/$f.pcap
		[ "$f" = corrupt.pcap ] && p=$DIR/corrupt.pcap.gz
		run "$f" "$p"
		case $f in
		header-only) want="0 frames" rcw=0 ;;
		short-header) want="truncated" rcw=1 ;;
		empty) want="truncated" rcw=1 ;;
		text) want="unknown file format" rcw=1 ;;
		bogus-caplen) want="capture length" rcw=1 ;;
		linktype) want="not supported" rcw=1 ;;
		corrupt.pcap) want="gzip data ends early" rcw=1 ;;
		esac
		# the cut gzip still holds the first frames: at most the one handshake
		sane && [ "$RC" -eq "$rcw" ] && grep -q "$want" <<<"$ERR" &&
			[ "$(nrec "$f")" -le "$([ "$f" = corrupt.pcap ] && echo 1 || echo 0)" ]
		ok $? "$f: exit $rcw with a message saying '$want'" "rc=$RC $ERR"
	done
}

test_snap_length() {
	run snap60 "$DIR/snap60.pcap"
	sane && [ "$RC" -eq 0 ] && grep -q ' 21 cut by the snap length' <<<"$ERR"
	ok $? "frames cut by a 60-byte snap length are counted, not misread" "rc=$RC $ERR"

	run snap200 "$DIR/snap200.pcap"
	sane && [ "$RC" -eq 0 ] && grep -q 'cut by the snap length' <<<"$ERR"
	ok $? "a 200-byte snap length: counted, no crash" "rc=$RC $ERR $OUT"

	run lying "$DIR/lying-headers.pcap"
	sane && [ "$RC" -eq 0 ]
	ok $? "frames whose IP and TCP headers lie about their lengths: no crash" "rc=$RC $ERR"
}

test_gzip_stdin_missing() {
	run gz "$DIR/whole.pcap.gz"
	[ "$RC" -eq 0 ] && [ "$(nrec gz)" -eq "$WHOLE" ]
	ok $? "a gzipped capture gives the same records" "rc=$RC $ERR"

	timeout 60 "$BIN" --read - --json <"$SRC" >"$DIR/stdin.out" 2>"$DIR/stdin.err"
	RC=$?
	[ "$RC" -eq 0 ] && cmp -s <(sed 's/"interface":"[^"]*"//' "$DIR/stdin.out") \
		<(sed 's/"interface":"[^"]*"//' "$DIR/whole.out")
	ok $? "'-' reads standard input: the same records" "rc=$RC $(cat "$DIR/stdin.err")"

	# standard input a file already read past its first bytes: the capture starts there
	{ printf 'JUNK'; cat "$SRC"; } >"$DIR/prefixed.pcap"
	{
		dd bs=4 count=1 of=/dev/null 2>/dev/null
		timeout 60 "$BIN" --read - --json >"$DIR/offset.out" 2>"$DIR/offset.err"
	} <"$DIR/prefixed.pcap"
	RC=$?
	[ "$RC" -eq 0 ] && cmp -s "$DIR/offset.out" "$DIR/stdin.out"
	ok $? "'-' read from where standard input stands in a file" "rc=$RC $(cat "$DIR/offset.err")"

	timeout 60 "$BIN" --read /nonexistent/capture.pcap --json >/dev/null 2>"$DIR/missing.err"
	RC=$?
	[ "$RC" -eq 1 ] && grep -q 'No such file' "$DIR/missing.err"
	ok $? "a missing file: exit 1, the system's reason" "$(cat "$DIR/missing.err")"
}

# fifo_run NAME [CMD...]: tlsmon --read FIFO --json (after CMD, e.g. taskset),
# the whole capture written to the FIFO and the FIFO held open; once a record
# is out (N), its threads counted (THREADS), then SIGINT (RC its exit status)
fifo_run() {
	local name=$1 pid child i
	shift
	N=0 THREADS=0
	mkfifo "$DIR/$name.fifo"
	timeout 60 "$@" "$BIN" --read "$DIR/$name.fifo" --json >"$DIR/$name.out" \
		2>"$DIR/$name.err" &
	pid=$!
	exec 7>"$DIR/$name.fifo"
	cat "$SRC" >&7
	for ((i = 0; i < 100; i++)); do
		N=$(nrec "$name")
		[ "$N" -ge 1 ] && break
		sleep 0.1
	done
	child=$(pgrep -P "$pid" -x tlsmon | head -1)
	[ -n "$child" ] && THREADS=$(ls "/proc/$child/task" 2>/dev/null | wc -l)
	ALIVE=0
	kill -0 "$pid" 2>/dev/null && ALIVE=1
	kill -INT "$pid"
	wait "$pid"
	RC=$?
	exec 7>&-
}

# A FIFO whose writer stalls with the whole capture sent: the records read so
# far come out while tlsmon waits for more (with a thread reading, one
# collecting, one writing, where two CPUs or more can run them), and SIGINT
# ends the wait, the rest of the records written at the end.
test_fifo_stalls() {
	local want=3
	[ "$(nproc)" -lt 2 ] && want=1
	fifo_run fifo
	[ "$ALIVE" -eq 1 ] && [ "$N" -ge 1 ] && [ "$THREADS" -eq "$want" ]
	ok $? "the records come out while the input waits ($N of $WHOLE, $THREADS threads)" \
		"$(cat "$DIR/fifo.err")"
	[ "$RC" -eq 0 ] && [ "$(nrec fifo)" -eq "$WHOLE" ]
	ok $? "SIGINT ends the wait: exit 0, all $WHOLE records" "rc=$RC $(cat "$DIR/fifo.err")"
}

# On one CPU, no threads to take turns: the same records, as promptly
test_one_cpu() {
	fifo_run onecpu taskset -c 0
	[ "$ALIVE" -eq 1 ] && [ "$N" -ge 1 ] && [ "$THREADS" -eq 1 ] && [ "$RC" -eq 0 ] &&
		cmp -s <(sed 's/"interface":"[^"]*"//' "$DIR/onecpu.out") \
			<(sed 's/"interface":"[^"]*"//' "$DIR/whole.out")
	ok $? "pinned to one CPU: one thread, the same records ($THREADS threads)" \
		"rc=$RC $(cat "$DIR/onecpu.err")"
}

# no root needed: as nobody, with no capabilities
test_unprivileged() {
	if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
		cp "$SRC" "$DIR/nobody.pcap"
		chmod 644 "$DIR/nobody.pcap"
		timeout 60 setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
			"$BIN" --read "$DIR/nobody.pcap" --json >"$DIR/nobody.out" 2>"$DIR/nobody.err"
		RC=$?
		[ "$RC" -eq 0 ] && [ "$(nrec nobody)" -eq "$WHOLE" ]
		ok $? "--read works as an unprivileged user" "rc=$RC $(cat "$DIR/nobody.err")"
	else
		skip "--read works as an unprivileged user" "needs root and setpriv to become nobody"
	fi
}

ALL_TESTS="test_intact test_truncated test_damaged test_snap_length test_gzip_stdin_missing
	test_fifo_stalls test_one_cpu test_unprivileged"
e2e_run
