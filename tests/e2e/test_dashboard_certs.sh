#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The dashboard's certificates view (key 6), in tmux at 80x24, over a capture
# whose server presented an expired certificate (Zeek's tls-expired-cert):
# each server's leaf with its expiry and days left at the capture's time,
# the findings, soonest to expire first; the filter narrows it.
. "$(dirname "$0")/../lib/e2e.sh"
CAP=$CORPUS/zeek/tls-expired-cert.pcap
E2E_NEEDS="tlsmon tmux"
E2E_FILES=$CAP

screen() { "${TM[@]}" capture-pane -p -t certs; }
has() { screen | grep -qE -- "$1"; }

# one dashboard session: open, key 6, the filter, q
test_certificates_view() {
	"${TM[@]}" new-session -d -x 80 -y 24 -s certs \
		"env LANG=C.UTF-8 TERM=screen-256color $BIN --read $CAP --dashboard --no-textfile 2>$DIR/err; echo \$? >$DIR/rc; exec sleep 600"
	wait_for 15 has '^ 1 Overview ' && wait_for 15 has 'replay|done|held'
	ok $? "the dashboard opens over the capture" "$(screen)"

	"${TM[@]}" send-keys -t certs 6
	wait_for 5 has 'SUBJECT CN'
	ok $? "key 6 opens the certificates view" "$(screen)"
	s=$(screen)
	grep -qE '87\.98\.220\.10:443 .*www\.spidh\.org +2014-03-04 +-[0-9]+ .*cert_expired' <<<"$s"
	ok $? "the expired leaf: its CN, expiry, days past it at the capture's time, cert_expired" "$s"
	grep -qE '122\.1\.240\.204:443 .*www\.tobu-estate\.com +2014-03-14 +[0-9]+ ' <<<"$s"
	ok $? "the other server's leaf, still valid then" "$s"
	first=$(grep -nE 'spidh|tobu' <<<"$s" | head -1)
	grep -q spidh <<<"$first"
	ok $? "soonest to expire first" "$s"

	"${TM[@]}" send-keys -t certs / t o b u Enter
	wait_for 5 sh -c "! ${TM[*]} capture-pane -p -t certs | grep -q spidh"
	s=$(screen)
	grep -q 'tobu-estate' <<<"$s" && ! grep -q 'spidh' <<<"$s"
	ok $? "the filter narrows the view" "$s"

	"${TM[@]}" send-keys -t certs q
	wait_for 10 test -s "$DIR/rc"
	[ "$(cat "$DIR/rc" 2>/dev/null)" = 0 ]
	ok $? "q ends it, exit 0" "$(cat "$DIR/rc" "$DIR/err" 2>/dev/null)"
}

ALL_TESTS="test_certificates_view"
e2e_run
