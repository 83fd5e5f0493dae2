#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The terminal dashboard, driven in tmux (fixed size 80x24, the minimum) the
# way an operator would: tlsmon on the lab client's interface, the
# field-report scenarios as traffic, then what the screen shows is checked
# against the JSON records the same tlsmon wrote (--log): every reason with
# its count, every failing server with its failures, failure %, main reason
# and SNI, the client fingerprints, the negotiated versions.  Then the keys
# (views, sort, pause, filter, help, q), the Processes view, a resize, an SNI carrying escape
# sequences (sent by a raw ClientHello) that must show escaped while the
# screen stays intact, the terminal given back on q, SIGTERM, Ctrl-C and a
# fatal signal, a capture replayed with --read and held until q, and the
# drill-down from a failure, a server and a fingerprint row (test_drill),
# the what-if view (w) against --what-if --json (test_whatif), the
# highlight staying on its server as live rows re-sort (test_follow), the
# recent handshakes, a success opened whole (test_recent), and QUIC's rows
# beside TCP's (test_quic).
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon lab tmux"
E2E_TOOLS="openssl curl python3 nginx iptables mergecap"

screen() { "${TM[@]}" capture-pane -p -t "${PANE:-dash}"; }
has() { screen | grep -qE -- "$1"; }
show() { screen | sed 's/^/#   | /'; }
keys() { "${TM[@]}" send-keys -t "${PANE:-dash}" "$@"; }
fmt() { "${TM[@]}" display -p -t "${PANE:-dash}" "$1"; }

# see NAME ERE [SECONDS]: the screen shows it within SECONDS (default 5)
see() {
	if wait_for "${3:-5}" has "$2"; then
		pass "$1"
	else
		fail "$1" "expected /$2/ on the screen:"
		show
	fi
}

# gone for good, not just caught in the middle of a redraw: twice, 0.3 s apart
hasnt() { ! has "$1" && sleep 0.3 && ! has "$1"; }

# unseen NAME ERE [SECONDS]: the screen stops showing it
unseen() {
	if wait_for "${3:-5}" hasnt "$2"; then
		pass "$1"
	else
		fail "$1" "did not expect /$2/ on the screen:"
		show
	fi
}

# the highlighted row (reverse video, below the tabs), without its colours
sel_row() {
	"${TM[@]}" capture-pane -e -p -t "${PANE:-dash}" | sed -n '4,$p' |
		grep -m1 -E $'^\e\\[([0-9]+;)*7m' | sed -E $'s/\e\\[[0-9;]*m//g'
}
sel_has() { sel_row | grep -qE -- "$1"; }
sel_moved() { [ -n "$(sel_row)" ] && [ "$(sel_row)" != "$1" ]; }
sel_at() { [ -n "$(sel_row)" ] && [ "$(sel_row)" = "$(row "$1")" ]; }

# row N: line N (0-based) of the screen
row() { screen | sed -n "$(($1 + 1))p"; }
row_has() { row "$1" | grep -qE -- "$2"; }

# start NAME ARGS...: a tmux session NAME running tlsmon ARGS in a pane
# script that keeps the terminal's settings before and after, and the exit
# status.  Returns once the dashboard is drawn.
start() {
	local name=$1
	shift
	cat >"$DIR/$name.sh" <<EOF
ulimit -c 0
stty -g >$DIR/$name.stty0
$*
echo \$? >$DIR/$name.rc
stty -g >$DIR/$name.stty1
echo "pane: tlsmon exited"
exec sleep 600
EOF
	rm -f "$DIR/$name.rc"
	"${TM[@]}" new-session -d -x 80 -y 24 -s "$name" \
		"env LANG=C.UTF-8 TERM=screen-256color bash $DIR/$name.sh" || return 1
	PANE=$name wait_for 15 has "${START_SEEN:-^ 1 Overview }"
}

# the tlsmon process of a session: the child of the pane's shell
tlsmon_pid() {
	local sh
	sh=$("${TM[@]}" display -p -t "$1" '#{pane_pid}')
	ps -o pid= --ppid "$sh" | head -n 1 | tr -d ' '
}

# gone NAME: tlsmon of session NAME ended and gave the terminal back as it was
gone() {
	local name=$1 what=$2 want_rc=$3 rc
	if ! wait_for 10 test -s "$DIR/$name.rc"; then
		fail "$what: tlsmon ends"
		PANE=$name show
		return
	fi
	rc=$(cat "$DIR/$name.rc")
	[ "$rc" = "$want_rc" ]
	ok $? "$what: exit status $want_rc" "got $rc" "$(cat "$DIR/$name.err" 2>/dev/null)"
	wait_for 5 test -s "$DIR/$name.stty1"
	cmp -s "$DIR/$name.stty0" "$DIR/$name.stty1"
	ok $? "$what: terminal modes restored (stty)" \
		"before $(cat "$DIR/$name.stty0")" "after  $(cat "$DIR/$name.stty1")"
	[ "$(PANE=$name fmt '#{alternate_on} #{cursor_flag}')" = "0 1" ]
	ok $? "$what: normal screen and cursor back" "$(PANE=$name fmt '#{alternate_on} #{cursor_flag}')"
}

# tlsmon on the lab, the dashboard by default on a terminal: one session
test_live() {
	# through the views, the keys and a resize to q

	start dash "ip netns exec $LAB_NS_CLI $BIN -i $LAB_IF --no-textfile --log $DIR/records.json \
	2>$DIR/dash.err" || {
		fail "the dashboard comes up"
		show
		sed 's/^/# /' "$DIR/dash.err"
		tap_done
		exit
	}
	wait_for 15 grep -q "watching $LAB_IF" "$DIR/dash.err"
	ok $? "tlsmon attaches with the dashboard as the default on a terminal" "$(cat "$DIR/dash.err")"
	TITLE=$(fmt '#{pane_title}')

	# The field reports as traffic.  B answers curl first (RSA suites), so the
	# collector knows what B accepts when python fails there.
	C=$LAB_CERTS
	EVIL=$(printf 'evil\x1b[2J\x1b]0;pwned\x07\x1b[?1049l\x9b31m\xff.lab.test' | od -An -tx1 | tr -d ' \n')
	EVIL_ALPN=$(printf '\x1b]2;alpn-pwned\x07\xc2\x9b' | od -An -tx1 | tr -d ' \n')
	cat >"$DIR/rawhello.py" <<'EOF'
# A TLS 1.2 ClientHello with any bytes as its SNI and its second ALPN protocol
# (argv: HOST PORT SNI_HEX ALPN_HEX); prints the server's answer in hex.
import os, socket, struct, sys
host, port, sni = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
alpn = b"".join(bytes([len(p)]) + p for p in (b"h2", bytes.fromhex(sys.argv[4])))
def ext(t, body):
    return struct.pack("!HH", t, len(body)) + body
sn = struct.pack("!BH", 0, len(sni)) + sni
exts = ext(0, struct.pack("!H", len(sn)) + sn)
exts += ext(10, struct.pack("!HHH", 4, 0x001d, 0x0017))
exts += ext(11, b"\x01\x00")
exts += ext(13, struct.pack("!HHHHH", 8, 0x0804, 0x0403, 0x0401, 0x0805))
exts += ext(16, struct.pack("!H", len(alpn)) + alpn)
ciphers = struct.pack("!HHHH", 0xc02f, 0xc030, 0x009c, 0x002f)
body = (b"\x03\x03" + os.urandom(32) + b"\x00" + struct.pack("!H", len(ciphers)) + ciphers
        + b"\x01\x00" + struct.pack("!H", len(exts)) + exts)
hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
with socket.create_connection((host, port), timeout=5) as s:
    s.sendall(b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs)
    print(s.recv(4096).hex())
EOF
	{
		lab_sclient a.lab.test:4413 -4
		lab_curl https://a.lab.test/ -4 -o /dev/null
		lab_curl https://b.lab.test/ -4 -o /dev/null
		lab_sclient a.lab.test:4410 -4 -tls1
		lab_python api.lab.test 443 4
		lab_block_sni blocked.lab.test
		lab_sclient blocked.lab.test:443 -4
		lab_unblock_sni blocked.lab.test
		lab_sclient a.lab.test:4420 -4 -cipher DEFAULT@SECLEVEL=0 -cert $C/client-weak.crt \
			-key $C/client-weak.key
		lab_sclient proxy.lab.test:443 -4 -noservername
		lab_sclient a.lab.test:4430 -4
		lab_client python3 "$DIR/rawhello.py" 10.77.2.2 4415 "$EVIL" "$EVIL_ALPN"
	} >"$DIR/traffic.log" 2>&1 </dev/null
	# every handshake settled: the record count stops moving
	n=-1
	for ((i = 0; i < 30; i++)); do
		m=$(wc -l <"$DIR/records.json" 2>/dev/null || echo 0)
		[ "$m" -eq "$n" ] && [ "$m" -gt 0 ] && break
		n=$m
		sleep 0.5
	done
	diag "$n records"

	# What the screen must show, from the records: one line per fact.
	python3 - "$DIR/records.json" "$EVIL" "$EVIL_ALPN" >"$DIR/expect" <<'EOF'
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
def esc(b):
    return "".join(chr(c) if 0x20 <= c < 0x7f and c != 0x5c else "\\x%02x" % c for c in b)
def addr(r):
    a = r["server"]
    return ("[%s]" % a if ":" in a else a) + ":%d" % r["server_port"]
def pct(f, n):
    return "%.1f%%" % (100.0 * f / n) if n else "-"
def top(counter):
    # the largest, when no other ties with it
    m = counter.most_common(2)
    return m[0][0] if m and (len(m) == 1 or m[0][1] > m[1][1]) else None
failed = [r for r in recs if r["outcome"] == "failed"]
print("total", len(recs), len(failed))
for k, v in collections.Counter(r["reason"].split(":")[0] for r in failed).items():
    print("reason", k, v)
srv = collections.defaultdict(list)
for r in recs:
    srv[addr(r)].append(r)
fails, totals = collections.Counter(), collections.Counter()
for a, rs in srv.items():
    f = [r for r in rs if r["outcome"] == "failed"]
    settled = [r for r in rs if r["outcome"] != "unknown"]
    fails[a], totals[a] = len(f), len(rs)
    if not f:
        continue
    main = top(collections.Counter(r["reason"] for r in f)) or "?"
    # the SNI shown: most failures (a tie: not checked)
    sni = top(collections.Counter(r.get("sni") or "-" for r in f)) or "?"
    print("server", a, len(f), pct(len(f), len(settled)), main, esc(sni.encode("utf-8", "surrogateescape")))
print("topfail", top(fails) or "?")
print("firstfail", failed[0]["reason"], addr(failed[0]))
print("toptotal", top(totals) or "?")
for k, v in collections.Counter(r["version"] for r in recs if r.get("version")).items():
    print("version", k, v)
for j in {r.get("ja4") for r in recs if r.get("ja4")}:
    rs = [r for r in recs if r.get("ja4") == j]
    for a in {addr(r) for r in rs}:
        at = [r for r in rs if addr(r) == a]
        print("ja4", j, a, "%d/%d" % (sum(r["outcome"] == "failed" for r in at), len(at)))
evil = bytes.fromhex(sys.argv[2])
print("evil_alpn", "h2," + esc(bytes.fromhex(sys.argv[3])))
print("evil", esc(evil), "seen" if any(r.get("reason") == "unrecognized_name" and
      addr(r) == "10.77.2.2:4415" for r in recs) else "missing")
EOF
	sed 's/^/# expect: /' "$DIR/expect"
	# ere STRING: STRING as a literal in an extended regular expression
	ere() { sed 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$1"; }

	read -r _ NREC NFAIL < <(grep '^total ' "$DIR/expect")
	see "header: $NREC handshakes, $NFAIL failed" "^ $NREC handshakes: .* $NFAIL failed"
	see "header: interface, uptime, rate, failure ratio, drops, LIVE" \
		"^ $LAB_IF  up 0:00:[0-9]{2}  [0-9]+\.[0-9] hs/s  fail [0-9.]+%  dropped 0 +LIVE *\$"

	# overview: reasons with sparklines (what fits at 80x24)
	shown=0
	while read -r _ reason count; do
		if has "^$reason +$count +[0-9.]+ "; then
			shown=$((shown + 1))
			has "^$reason +$count +[0-9.]+ +.*[▁▂▃▄▅▆▇█]"
			ok $? "overview: $reason $count, with its sparkline"
		fi
	done < <(grep '^reason ' "$DIR/expect")
	nreasons=$(grep -c '^reason ' "$DIR/expect")
	want=$((nreasons < 6 ? nreasons : 6))
	[ $shown -ge $want ]
	ok $? "overview: $shown of $nreasons reasons with the right count at 80x24 (at least $want)"
	[ $shown -ge $want ] || show

	# servers view
	keys 2
	see "key 2: servers view" "^SERVER +SNI +FAILED +FAIL% +MAIN REASON"
	while read -r _ a f p main sni; do
		pat="^$(ere "$a") +"
		[ "$sni" != "?" ] && pat+="$(ere "${sni:0:12}").* "
		pat+="$f +$(ere "$p") "
		[ "$main" != "?" ] && pat+="$(ere "${main:0:20}")"
		[ "$a" = 10.77.2.2:4415 ] && continue	# the escaped SNI has its own checks
		see "servers: $a $f failed, $p, ${main:0:28}, sni $sni" "$pat" 2
	done < <(grep '^server ' "$DIR/expect")
	read -r _ TOPFAIL < <(grep '^topfail ' "$DIR/expect")
	read -r _ TOPTOTAL < <(grep '^toptotal ' "$DIR/expect")
	if [ "$TOPFAIL" != "?" ]; then
		wait_for 3 row_has 4 "^$(ere "$TOPFAIL") "
		ok $? "sort: failures puts $TOPFAIL first" "$(row 4)"
	fi
	keys s
	see "key s: sort by fail%" "sort: fail%"
	keys s
	see "key s: sort by handshakes" "sort: handshakes"
	if [ "$TOPTOTAL" != "?" ]; then
		wait_for 3 row_has 4 "^$(ere "$TOPTOTAL") "
		ok $? "sort: handshakes puts $TOPTOTAL first" "$(row 4)"
	fi
	keys s s
	see "key s: back to failures" "sort: failures"

	# filter
	keys /
	see "key /: the filter prompt" "^filter \(SNI, IP or reason"
	keys -l blocked
	keys Enter
	see "filter: status line shows it" "filter: blocked +1-1 of 1 *$"
	see "filter: the blocked server's row" "^10\.77\.2\.2:443 +blocked\.lab\.test"
	keys 5
	see "filter: failures view, only the middlebox reset" "reset_after_client_hello +10\.77\.2\.2:443 +blocked\.lab\.test"
	unseen "filter: no other failure listed" "^[0-9:]{8} (version_mismatch|client_rejected)"
	keys Escape
	unseen "Esc clears the filter" "filter: blocked"
	keys /
	keys -l unrecognized
	keys Enter
	see "filter by reason: the escaped SNI's failure" "unrecognized_name +10\.77\.2\.2:4415 +evil"
	keys Escape

	# the SNI with escape sequences
	read -r _ EVILESC EVILSEEN < <(grep '^evil ' "$DIR/expect")
	[ "$EVILSEEN" = seen ]
	ok $? "the raw ClientHello's SNI made an unrecognized_name record" "$(cat "$DIR/traffic.log" | tail -3)"
	see "failures: the SNI escaped, byte for byte" "$(ere "${EVILESC:0:20}")"
	[ "$(fmt '#{alternate_on}')" = 1 ]
	ok $? "escape sequences in the SNI: still on the dashboard's screen (no \\e[?1049l)"
	[ "$(fmt '#{pane_title}')" = "$TITLE" ]
	ok $? "escape sequences in the SNI: the terminal title is untouched (no OSC 0)" \
		"$TITLE -> $(fmt '#{pane_title}')"
	frame_ok() { row_has 0 "^ $LAB_IF  up " && row_has 23 'q quit'; }
	if wait_for 3 frame_ok; then
		pass "escape sequences in the SNI: header and status line in place"
	else
		fail "escape sequences in the SNI: header and status line in place"
		show
	fi
	"${TM[@]}" resize-window -t dash -x 200 -y 50
	see "wide: the whole escaped SNI" "$(ere "$EVILESC")"
	read -r _ EVILALPN < <(grep '^evil_alpn ' "$DIR/expect")
	see "wide: the offered ALPN escaped, under the failure" "^      from .* alpn $(ere "$EVILALPN")  ja4 "
	"${TM[@]}" resize-window -t dash -x 80 -y 24

	# clients: where each fingerprint fails and where it does not (the
	# fingerprint that failed at B: python, field report 004)
	keys 3
	see "key 3: clients view" "^CLIENT FINGERPRINT \(JA4\)"
	PYJA4=$(grep '^ja4 .* 10\.77\.3\.2:443 [1-9]' "$DIR/expect" | awk '{print $2}' | head -n 1)
	if [ -n "$PYJA4" ]; then
		BFAIL=$(awk -v j="$PYJA4" '$1 == "ja4" && $2 == j && $3 == "10.77.3.2:443" {print $4}' "$DIR/expect")
		AOK=$(awk -v j="$PYJA4" '$1 == "ja4" && $2 == j && $3 == "10.77.2.2:443" {print $4}' "$DIR/expect")
		see "clients: python's JA4 listed" "^$PYJA4 "
		[ "${AOK%%/*}" = 0 ]
		ok $? "python's records: no failure at A ($AOK)"
		see "clients: it fails at B ($BFAIL) and not at A ($AOK)" \
			"10\.77\.3\.2:443 $BFAIL.*10\.77\.2\.2:443 $AOK|10\.77\.2\.2:443 $AOK.*10\.77\.3\.2:443 $BFAIL"
	else
		fail "clients: a fingerprint reached B" "$(grep '^ja4' "$DIR/expect")"
	fi

	# negotiated
	keys 4
	see "key 4: negotiated view" "^NEGOTIATED VERSION"
	while read -r _ v n; do
		see "negotiated: $v $n" "^$(ere "$v") +$n "
	done < <(grep '^version ' "$DIR/expect")
	see "negotiated: counted losses shown" "ring buffer full 0 +flow map full 0"

	# Tab, Shift-Tab, 1
	keys Tab
	see "Tab: from negotiated to failures" "^UTC +RECENT FAILURES"
	keys Tab
	see "Tab: from failures to certificates" "^SERVER +SNI +SUBJECT CN"
	keys Tab
	see "Tab: from certificates to processes" "^PROCESS +HS +FAILED +FAIL% +MAIN REASON"
	see "processes: the handshakes without a local process counted" \
		"^without a local process: [0-9]+ handshakes \(both ends remote"
	see "processes: the tabs fit at 80 columns, the sort order shown" \
		"^ 1 Over 2 Serv 3 Clie 4 Nego 5 Fail 6 Cert 7 Processes sort: failures"
	keys Tab
	see "Tab: from processes around to the overview" "^FAILURES BY REASON"
	keys BTab
	see "Shift-Tab: back to processes" "^PROCESS +HS +FAILED"
	keys BTab
	see "Shift-Tab: back to certificates" "^SERVER +SNI +SUBJECT CN"
	keys BTab
	see "Shift-Tab: back to failures" "^UTC +RECENT FAILURES"
	see "failures: the evidence under each failure, how sure first" "^      \[confirmed\] \(server sent fatal bad_certificate\)"
	read -r _ FIRSTR FIRSTA < <(grep '^firstfail ' "$DIR/expect")
	keys s
	see "key s in failures: oldest first" "sort: oldest"
	wait_for 3 row_has 4 "^[0-9:]{8} $(ere "$FIRSTR") +$(ere "$FIRSTA") "
	ok $? "oldest first: $FIRSTR at $FIRSTA on top" "$(row 4)"
	keys s
	see "key s again: newest first" "sort: newest"
	keys End
	see "End: scrolled to the last failure" " [0-9]+-$NFAIL of $NFAIL *\$"
	wait_for 3 sel_has "^[0-9:]{8} $(ere "$FIRSTR") +$(ere "$FIRSTA") "
	ok $? "End: the last (oldest) failure highlighted" "$(sel_row)"
	local last
	last=$(sel_row)
	keys Up
	wait_for 3 sel_moved "$last"
	ok $? "Up: the highlight one back" "$(sel_row)"
	keys Home
	see "Home: back to the top" " 1-[0-9]+ of $NFAIL *\$"
	wait_for 3 sel_at 4
	ok $? "Home: the first failure highlighted" "$(sel_row)"
	# live drill-down: the highlighted (newest) failure opens, Esc comes back
	local _t lbl _s sni
	read -r _t lbl _s sni <<<"$(row 4)"
	keys Enter
	see "live drill, Enter: the failure opens" "^ Handshake  \(Esc back\)"
	see "live drill: its reason, as its row says" "^Diagnosis: $(ere "$lbl")  confidence "
	# (the row may cut it: "~"); wire bytes stay escaped on the page too
	see "live drill: its SNI, as its row says" "^SNI $(ere "${sni%\~}")"
	see "live drill: its evidence" "^Evidence: \((server|client) sent "
	keys End
	see "live drill, End: the timeline from the ClientHello" \
		"^ +\+0\.000 ms C->S [A-Z]+ +[0-9]+ +[0-9]+  ClientHello$"
	see "live drill: a server's event timed after it" "^ +\+[0-9]+\.[0-9]{3} ms S->C "
	keys Escape
	see "live drill, Esc: back to the failures" "^UTC +RECENT FAILURES"
	keys 1
	see "key 1: overview" "^FAILURES BY REASON"

	# help
	keys '?'
	see "key ?: help" "any key closes this help"
	keys x
	unseen "any key closes the help" "any key closes this help"

	# pause: the screen stays while collection goes on
	keys p
	see "key p: PAUSED in the header" "PAUSED *$"
	before=$(wc -l <"$DIR/records.json")
	lab_curl https://a.lab.test/ -4 -o /dev/null >/dev/null 2>&1
	wait_for 5 bash -c "[ \$(wc -l <$DIR/records.json) -gt $before ]"
	NOW=$(wc -l <"$DIR/records.json")
	sleep 0.6
	wait_for 2 has "^ $NREC handshakes:" && sleep 0.6 && has "^ $NREC handshakes:"
	ok $? "paused: still $NREC handshakes while $NOW are recorded" "$(row 1)"
	keys p
	see "key p again: live, $NOW handshakes" "^ $NOW handshakes:"
	unseen "key p again: PAUSED gone" "PAUSED *$"

	# ^S (XOFF) must not stop the screen's output, and with it tlsmon
	keys C-s
	lab_curl https://a.lab.test/ -4 -o /dev/null >/dev/null 2>&1
	see "Ctrl-S: the screen still moves ($((NOW + 1)) handshakes)" "^ $((NOW + 1)) handshakes:"
	keys C-q

	# resize
	"${TM[@]}" resize-window -t dash -x 120 -y 40
	keys 2
	see "resize to 120x40: redrawn wider (HS column)" "^SERVER +SNI +HS +FAILED"
	wait_for 3 row_has 39 'q quit'
	ok $? "resize to 120x40: status line on the new last row" "$(row 39)"
	keys 1
	for r in $(grep '^reason ' "$DIR/expect" | awk '{print $2 ":" $3}'); do
		see "120x40 overview: ${r%:*} ${r#*:}" "^${r%:*} +${r#*:} " 2
	done
	"${TM[@]}" resize-window -t dash -x 60 -y 20
	see "resize to 60x20: asks for 80x24" "the dashboard needs 80x24"
	"${TM[@]}" resize-window -t dash -x 80 -y 24
	see "back to 80x24: the dashboard again" "^FAILURES BY REASON"

	# q
	keys q
	gone dash "q" 0
	see "q: the pane's shell goes on" "pane: tlsmon exited"
}

# SIGTERM, Ctrl-C (SIGINT from the terminal), a fatal signal
test_signals() {
	for how in TERM INT SEGV; do
		s=sig$how
		if ! start $s "ip netns exec $LAB_NS_CLI $BIN -i $LAB_IF --no-textfile --dashboard \
		2>$DIR/$s.err"; then
			fail "$how: the dashboard comes up"
			PANE=$s show
			continue
		fi
		pid=$(tlsmon_pid $s)
		case $how in
		INT) PANE=$s keys C-c ;;
		*) [ -n "$pid" ] && kill -$how "$pid" ;;
		esac
		case $how in
		SEGV) gone $s "SIGSEGV" 139 ;;
		*) gone $s "SIG$how" 0 ;;
		esac
	done
}

# the terminal goes away (window closed, ssh dropped): tlsmon ends too
test_terminal_gone() {
	alive() {
		local st
		st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
		[ -n "$st" ] && [ "$st" != Z ]
	}
	if start hup "ip netns exec $LAB_NS_CLI $BIN -i $LAB_IF --no-textfile 2>$DIR/hup.err"; then
		pid=$(tlsmon_pid hup)
		"${TM[@]}" kill-session -t hup
		[ -n "$pid" ] && wait_for 5 eval "! alive $pid"
		ok $? "terminal closed: tlsmon ends" "pid $pid"
	else
		fail "terminal closed: the dashboard comes up"
	fi
}

# a capture replayed, then held until q
test_read() {
	CAP=$CORPUS/ja4/tls-handshake.pcapng
	if [ -f "$CAP" ]; then
		"$BIN" --read "$CAP" --json 2>/dev/null >"$DIR/offline.json"
		python3 - "$DIR/offline.json" >"$DIR/offline.expect" <<'EOF'
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
f = [r for r in recs if r["outcome"] == "failed"]
print("total", len(recs), len(f))
for k, v in collections.Counter(r["reason"].split(":")[0] for r in f).items():
    print("reason", k, v)
EOF
		read -r _ ON OF < <(grep '^total ' "$DIR/offline.expect")
		PANE=off
		start off "$BIN --read $CAP"
		see "--read: replayed, then held" "REPLAYED *$"
		see "--read: the log line shows on the status line" "^tlsmon: info: .*frames"
		see "--read: the capture's name in the header" "^ tls-handshake\.pcapng  span "
		see "--read: $ON handshakes, $OF failed, as --json says" "^ $ON handshakes: .* $OF failed"
		while read -r _ reason count; do
			see "--read: $reason $count" "^$reason +$count "
		done < <(grep '^reason ' "$DIR/offline.expect")
		sleep 1
		[ ! -e "$DIR/off.rc" ]
		ok $? "--read: still held after the replay"
		keys 5
		see "--read: failures view" "^UTC +RECENT FAILURES"
		# a capture has no local process: the view says so, counting every handshake
		keys 7
		see "--read, key 7: processes view" "^PROCESS +HS +FAILED +FAIL% +MAIN REASON"
		see "--read: no local process in a capture" "^  no handshake of a program of this host yet"
		see "--read: all $ON handshakes without a local process" \
			"^without a local process: $ON handshakes "
		keys q
		gone off "--read, q" 0
		see "--read: the log printed back after the screen" "^tlsmon: info: .*frames \(EN10MB\)"
		# held, a signal still ends it
		PANE=off2
		start off2 "$BIN --read $CAP"
		see "--read, held: REPLAYED" "REPLAYED *$"
		[ -n "$(tlsmon_pid off2)" ] && kill -TERM "$(tlsmon_pid off2)"
		gone off2 "--read, held, SIGTERM" 0
		# a terminal that cannot place the cursor gets the text lines instead
		PANE=dumb
		"${TM[@]}" new-session -d -x 80 -y 24 -s dumb \
			"env TERM=dumb $BIN --read $CAP; echo \$? >$DIR/dumb.rc; exec sleep 600"
		wait_for 10 test -s "$DIR/dumb.rc"
		[ "$(cat "$DIR/dumb.rc" 2>/dev/null)" = 0 ]
		ok $? "TERM=dumb: tlsmon --read ends by itself" "$(cat "$DIR/dumb.rc" 2>/dev/null)"
		see "TERM=dumb: the text lines, not the dashboard" "FAIL aborted_during_handshake "
		PANE=
	else
		skip "--read in tmux" "no corpus capture at $CAP (TLSMON_CORPUS)"
	fi

}

# The drill-down on a capture with a refused certificate, with real keys:
# a failure row opens its handshake (SNI, reason, evidence as --json says,
# a timeline line timed from the ClientHello); Esc goes back; a server row
# opens the server, a fingerprint row the clients behind it; q on a page
# goes back and q again quits.
test_drill() {
	local cap=$CORPUS/ja4/badcurveball.pcap sni reason srv ja4 sender alert from
	if [ ! -f "$cap" ]; then
		skip "drill-down in tmux" "no corpus capture at $cap (TLSMON_CORPUS)"
		return
	fi
	"$BIN" --read "$cap" --json 2>/dev/null >"$DIR/drill.json"
	read -r sni reason srv ja4 sender alert from < <(python3 - "$DIR/drill.json" <<'EOF'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
r = [x for x in r if x["outcome"] == "failed"][0]
a = r["evidence"]["alert"]
print(r["sni"], r["reason"], "%s:%d" % (r["server"], r["server_port"]), r["ja4"], a["sender"],
      a["level"] + "_" + a["description"], "C->S" if a["sender"] == "client" else "S->C")
EOF
)
	alert=${alert/_/ }
	PANE=drill
	start drill "$BIN --read $cap"
	see "drill: replayed" "REPLAYED *$"
	keys 5
	see "drill: failures view" "^UTC +RECENT FAILURES"
	keys Down Up Enter
	see "drill, Enter: the handshake opens" "^ Handshake  \(Esc back\)"
	see "drill: its SNI, as --json says" "^SNI ${sni//./\\.}$"
	see "drill: its reason and basis" "^Diagnosis: $reason  confidence confirmed  basis alert"
	see "drill: its evidence" "^Evidence: \($sender sent $alert\)"
	keys End
	see "drill, End: the alert in the timeline, timed from the ClientHello" \
		"^ +\+[0-9]+\.[0-9]{3} ms $from [A-Z]+ +[0-9]+ +2  Alert $alert$"
	see "drill: the ClientHello at +0.000 ms" "^ +\+0\.000 ms C->S [A-Z]+ +[0-9]+ +[0-9]+  ClientHello$"
	keys Escape
	see "drill, Esc: back to the failures" "^UTC +RECENT FAILURES"
	unseen "drill, Esc: the page is gone" "^ Handshake  \(Esc back\)"
	keys 2 Enter
	see "drill, 2 Enter: the server opens" "^Server ${srv//./\\.}$"
	see "drill: the server's failures by reason" "^  $reason +1$"
	see "drill: the server's failures by fingerprint" "^  $ja4 1, latest $reason$"
	keys BSpace
	see "drill, Backspace: back to the servers" "^SERVER +SNI"
	keys 3 Enter
	see "drill, 3 Enter: the fingerprint opens" "^Client fingerprint $ja4$"
	keys q
	see "drill, q on a page: back to the clients" "^CLIENT FINGERPRINT"
	[ ! -e "$DIR/drill.rc" ]
	ok $? "drill: q on a page does not quit"
	keys q
	gone drill "drill, q" 0
	PANE=
}

# what-if CAP POLICY: tlsmon --what-if's JSON rows as "VERDICT REASON VERSION HS JA4" lines,
# in its order, after a "summary FAILING OFFERS FAILING_HS HS" line
whatif_expect() {
	"$BIN" --read "$1" --what-if "$2" --json 2>/dev/null | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
f = [r for r in rows if r["would_fail"]]
print("summary", len(f), len(rows), sum(r["handshakes"] for r in f), sum(r["handshakes"] for r in rows))
for r in rows:
    print("FAIL" if r["would_fail"] else "ok", r["reason"] if r["would_fail"] else "-",
          r.get("version", "-").replace("TLSv", "TLSv"), r["handshakes"], r["ja4"] or "(no JA4)")'
}

# whatif_rows NAME FILE: every row of FILE on the screen, in order, two lines each from row 5
whatif_rows() {
	local name=$1 i=0 v r ver hs j line
	while read -r v r ver hs j; do
		line=$(row $((5 + 2 * i)))
		if [[ "$line" =~ ^$v\ +$r\ +$ver\ +$hs\ \ $j$ ]]; then
			pass "$name: row $((i + 1)) is $v $r $hs $j"
		else
			fail "$name: row $((i + 1)) is $v $r $hs $j" "row: '$line'"
		fi
		i=$((i + 1))
	done < <(grep -v '^summary ' "$2")
}

# The what-if view on a capture of several client offers (three corpus
# captures merged), with real keys: w, a policy typed, Enter; the rows as
# --what-if --json computes them; Enter on a row opens its fingerprint; a
# policy that does not parse says why on the status line; Esc cancels;
# --what-if with --dashboard starts on the view and prints the report when
# the dashboard closes.
test_whatif() {
	local c=$CORPUS/ja4 cap=$DIR/offers.pcapng n f nh fh second
	if [ ! -f "$c/ssh2.pcapng" ] || [ ! -f "$c/latest.pcapng" ] || [ ! -f "$c/tls-handshake.pcapng" ]; then
		skip "what-if view in tmux" "no corpus captures in $c (TLSMON_CORPUS)"
		return
	fi
	mergecap -F pcapng -w "$cap" "$c/ssh2.pcapng" "$c/latest.pcapng" "$c/tls-handshake.pcapng"
	whatif_expect "$cap" min_version=TLS1.3 >"$DIR/wi13.expect"
	whatif_expect "$cap" max_version=TLS1.2 >"$DIR/wi12.expect"
	sed 's/^/# expect: /' "$DIR/wi13.expect"
	read -r _ f n fh nh <"$DIR/wi13.expect"
	ok $([ "$f" -ge 1 ] && [ "$n" -gt "$f" ] && [ "$n" -le 9 ]; echo $?) \
		"what-if: the capture has failing and passing offers, all on one screen" "$f of $n"
	PANE=wi
	start wi "$BIN --read $cap 2>$DIR/wi.err"
	see "what-if: replayed" "REPLAYED *$"
	keys w
	see "w: the prompt" "^what-if policy \(Enter evaluates, Esc cancels\): _$"
	keys -l "min_version=TLS1.3"
	keys Enter
	see "w, Enter: the view with the policy" "^ What-if  min_version=TLS1\.3$"
	see "what-if: $f of $n offers would fail ($fh of $nh handshakes), as --json says" \
		"^ $f of $n client offers would fail \($fh of $nh handshakes\)$"
	whatif_rows "what-if min_version=TLS1.3" "$DIR/wi13.expect"
	second=$(grep -v '^summary ' "$DIR/wi13.expect" | sed -n 2p | awk '{print $5}')
	keys Down
	wait_for 5 sel_has "$second"
	ok $? "what-if, Down: the second offer highlighted" "$(sel_row)"
	keys Enter
	see "what-if, Enter: its fingerprint opens" "^Client fingerprint $second$"
	keys Escape
	see "what-if, Esc on the page: back to the view" "^ What-if  min_version=TLS1\.3$"
	# a policy that does not parse: said, the view and its policy stay
	keys w C-u
	keys -l "min_version=TLS9"
	keys Enter
	see "what-if: a bad policy is refused on the status line" \
		"^what-if: min_version=TLS9: expected TLS1\.0, TLS1\.1, TLS1\.2 or TLS1\.3"
	see "what-if: the old policy stays" "^ What-if  min_version=TLS1\.3$"
	keys w
	see "w again: the prompt holds what was typed" "^what-if policy .*: min_version=TLS9_$"
	keys Escape
	see "what-if, Esc: the prompt cancelled" "^ What-if  min_version=TLS1\.3$"
	[ ! -e "$DIR/wi.rc" ]
	ok $? "what-if: still running after the bad policy"
	keys Escape
	see "what-if, Esc: back to the views" "^ 1 Overview "
	keys q
	gone wi "what-if, q" 0

	# --what-if with the dashboard: the view first, the report after the screen
	PANE=wi2
	START_SEEN="^ What-if  max_version=TLS1\.2$" start wi2 \
		"$BIN --read $cap --what-if max_version=TLS1.2 --dashboard 2>$DIR/wi2.err"
	see "--what-if --dashboard: starts on the what-if view" "^ What-if  max_version=TLS1\.2$"
	read -r _ f n fh nh <"$DIR/wi12.expect"
	see "--what-if --dashboard: $f of $n would fail, as --json says" \
		"^ $f of $n client offers would fail \($fh of $nh handshakes\)$"
	whatif_rows "--what-if max_version=TLS1.2" "$DIR/wi12.expect"
	keys w
	see "--what-if --dashboard, w: the prompt pre-filled" "^what-if policy .*: max_version=TLS1\.2_$"
	keys Escape Escape
	see "--what-if --dashboard, Esc: the views" "^ 1 Overview "
	keys q
	gone wi2 "--what-if --dashboard, q" 0
	# the pane's history too: the report is longer than the screen
	wait_for 5 bash -c "${TM[*]} capture-pane -p -J -S - -t wi2 | grep -q \
		'^what-if max_version=TLS1\.2: $f of $n client offers would fail ($fh of $nh handshakes)'"
	ok $? "--what-if --dashboard: the report printed once the screen is closed" \
		"$("${TM[@]}" capture-pane -p -J -S - -t wi2 | grep -m3 what-if)"
	PANE=
}

# Live, servers re-sort as handshakes come: the highlight stays on the
# server it was on.  A (443) first with three handshakes, A:4413 second
# with one and highlighted; then four more to A:4413, which goes first.
test_follow() {
	local i
	PANE=fol
	start fol "ip netns exec $LAB_NS_CLI $BIN -i $LAB_IF --no-textfile 2>$DIR/fol.err" || {
		fail "follow: the dashboard comes up"
		show
		return
	}
	wait_for 15 grep -q "watching $LAB_IF" "$DIR/fol.err"
	# wide enough for the handshakes column
	"${TM[@]}" resize-window -t fol -x 120 -y 30
	for i in 1 2 3; do lab_curl https://a.lab.test/ -4 -o /dev/null; done >/dev/null 2>&1 </dev/null
	lab_sclient a.lab.test:4413 -4 >/dev/null 2>&1 </dev/null
	keys 2
	see "follow: A:443 first (3 handshakes)" "^10\.77\.2\.2:443 .* 3 +0 " 10
	see "follow: A:4413 second (1 handshake)" "^10\.77\.2\.2:4413 .* 1 +0 " 10
	keys Down
	wait_for 5 sel_has "^10\.77\.2\.2:4413 "
	ok $? "follow, Down: A:4413 highlighted" "$(sel_row)"
	row_has 5 "^10\.77\.2\.2:4413 "
	ok $? "follow: A:4413 on the second row" "$(row 5)"
	for i in 1 2 3 4; do lab_sclient a.lab.test:4413 -4; done >/dev/null 2>&1 </dev/null
	see "follow: A:4413 goes first (5 handshakes)" "^10\.77\.2\.2:4413 .* 5 +0 " 10
	wait_for 3 row_has 4 "^10\.77\.2\.2:4413 "
	ok $? "follow: A:4413 on the first row now" "$(row 4)"
	sel_has "^10\.77\.2\.2:4413 "
	ok $? "follow: the highlight moved with A:4413" "$(sel_row)"
	keys Down
	wait_for 5 sel_has "^10\.77\.2\.2:443 "
	ok $? "follow, Down: the keys still move it (A:443)" "$(sel_row)"
	# live, under the system call filter: a policy typed is read by libssl there
	keys w
	keys -l "min_version=TLS1.3,alpn=h2"
	keys Enter
	see "follow, live w: the policy judged under the sandbox" \
		"^ [0-9]+ of [1-9][0-9]* client offers would fail \([0-9]+ of 8 handshakes\)$"
	see "follow, live w: curl's offer is there" "^(FAIL|ok) .* +[0-9]+  t1[23]d[0-9a-z]+h2_"
	[ ! -e "$DIR/fol.rc" ]
	ok $? "follow, live w: tlsmon still running" "$(tail -3 "$DIR/fol.err")"
	keys Escape q
	gone fol "follow, q" 0
	PANE=
}

# Recent handshakes (r) on a capture: the kept failures and successes as
# --json counts them; a success, found with the filter, opens whole (its
# SNI, version and JA4 as --json says, no diagnosis, its timeline).
test_recent() {
	local cap=$CORPUS/ja4/tls-handshake.pcapng nf ne sni ver ja4 srv
	if [ ! -f "$cap" ]; then
		skip "recent handshakes in tmux" "no corpus capture at $cap (TLSMON_CORPUS)"
		return
	fi
	"$BIN" --read "$cap" --json 2>/dev/null >"$DIR/recent.json"
	# the counts, and an established handshake whose SNI is no other's
	read -r nf ne sni ver ja4 srv < <(python3 - "$DIR/recent.json" <<'EOF2'
import collections, json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
n = collections.Counter(x.get("sni") for x in r)
ok = [x for x in r if x["outcome"] == "established" and x.get("sni") and n[x["sni"]] == 1 and x.get("ja4")]
e = ok[0]
print(sum(x["outcome"] == "failed" for x in r), sum(x["outcome"] == "established" for x in r),
      e["sni"], e["version"], e["ja4"], "%s:%d" % (e["server"], e["server_port"]))
EOF2
)
	PANE=rec
	start rec "$BIN --read $cap 2>$DIR/rec.err"
	see "recent: replayed" "REPLAYED *$"
	keys r
	see "r: recent handshakes" "^ Recent handshakes  \(newest first"
	see "recent: $nf failed and $ne established, as --json says" \
		"^ $nf failed, $ne established; $ne successes seen, 0 not kept"
	see "recent: established rows" "^[0-9:]{8} ok +TLSv1\.[23] "
	keys /
	keys -l "$sni"
	keys Enter
	see "recent, filtered: the one established to $sni" "^[0-9:]{8} ok +$ver +${srv//./\\.} +${sni:0:12}"
	see "recent, filtered: one row" "^ 0 failed, 1 established matching"
	keys Enter
	see "recent, Enter on a success: it opens" "^ Handshake  \(Esc back\)"
	see "recent: its SNI, as --json says" "^SNI ${sni//./\\.}$"
	see "recent: its version, as --json says" "^Kind [a-z]+  version $ver "
	see "recent: its JA4, as --json says" "^JA4 $ja4 "
	unseen "recent: no diagnosis for a success" "^Diagnosis:"
	keys End
	see "recent: its timeline" "^ +\+0\.000 ms C->S .*ClientHello$"
	keys Escape
	see "recent, Esc: back to the list" "^ Recent handshakes  \(newest first"
	keys Escape
	see "recent, Esc: back to the views" "^ 1 Overview "
	keys q
	gone rec "recent, q" 0
	PANE=
}

# QUIC beside TCP, with real keys, on a capture of one browser's TCP and QUIC
# handshakes to one server: the header counts QUIC's, the servers view has
# a row per transport (QUIC's address ends in "quic"), a filter on that
# marker keeps QUIC's row alone, the fingerprint view shows the q JA4, all as
# --json says.
test_quic() {
	local cap=$CORPUS/ja4/chrome-cloudflare-quic-with-secrets.pcapng n nq srv sni jq re
	if [ ! -f "$cap" ]; then
		skip "QUIC in tmux" "no corpus capture at $cap (TLSMON_CORPUS)"
		return
	fi
	"$BIN" --read "$cap" --json 2>/dev/null >"$DIR/quic.json"
	read -r n nq srv sni jq < <(python3 - "$DIR/quic.json" <<'EOF'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
q = [x for x in r if x["transport"] == "quic"]
a = q[0]["server"]
a = "[%s]" % a if ":" in a else a
print(len(r), len(q), "%s:%d" % (a, q[0]["server_port"]), q[0]["sni"], q[0]["ja4"])
EOF
)
	[ "${nq:-0}" -gt 0 ] && [ "$n" -gt "$nq" ]
	ok $? "quic: the capture has QUIC and TCP handshakes ($nq of $n)" "$(head -c 300 "$DIR/quic.json")"
	re=${srv//./\\.}
	re=${re//[/\\[}
	re=${re//]/\\]}
	PANE=quic
	start quic "$BIN --read $cap"
	see "quic: replayed" "REPLAYED *$"
	see "quic: $n handshakes, $nq of them QUIC, in the header" "^ $n handshakes: .*; quic $nq \(0 failed\)"
	keys 2
	see "quic, 2: the QUIC server's row ends in quic" "^$re quic +${sni//./\\.} "
	see "quic: the same server over TCP has its own row" "^$re +${sni//./\\.} "
	# the SNI may say quic too (cloudflare-quic.com): the marker after the port
	keys /
	keys -l "443 quic"
	keys Enter
	unseen "quic, / 443 quic: the TCP row is filtered out" "^$re +${sni//./\\.} "
	see "quic, / 443 quic: the QUIC row stays" "^$re quic "
	keys Escape
	see "quic, Esc: the TCP row is back" "^$re +${sni//./\\.} "
	keys 3
	see "quic, 3: the QUIC fingerprint (q) as --json says" "^$jq "
	keys q
	gone quic "quic, q" 0
	PANE=
}

ALL_TESTS="test_live test_signals test_terminal_gone test_read test_drill test_whatif test_follow
	test_recent test_quic"
e2e_run
