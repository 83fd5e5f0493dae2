#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The system's trust anchors, for the chain check: where the system keeps
# them by subject hash (Debian's /etc/ssl/certs), only the issuers a chain
# asks for are read, never the whole bundle file; the chains of a corpus
# capture that end at a system root validate, and stop validating without
# the anchors; SSL_CERT_FILE (the bundle, OpenSSL's default paths) validates
# them the same.
. "$(dirname "$0")/../lib/e2e.sh"
CAP=$CORPUS/ja4/tls-handshake.pcapng
E2E_NEEDS="tlsmon"
E2E_TOOLS="strace openssl"
E2E_FILES="$CAP"

# run NAME [ENV...]: tlsmon --read CAP --json, the count of chains validated
# "ok" in OK; the environment's own SSL_CERT_FILE and SSL_CERT_DIR left out
run() {
	local n=$1
	shift
	env -u SSL_CERT_FILE -u SSL_CERT_DIR "$@" timeout 60 "$BIN" --read "$CAP" --json \
		>"$DIR/$n.out" 2>"$DIR/$n.err"
	RC=$?
	OK=$(grep -o '"validation":"ok"' "$DIR/$n.out" | wc -l)
}

setup() {
	local ssldir
	ssldir=$(openssl version -d | sed 's/^OPENSSLDIR: "\(.*\)"$/\1/')
	SYSDIR=$ssldir/certs
	BUNDLE=$(readlink -f "$ssldir/cert.pem")
	mkdir -p "$DIR/empty"
	run default
	DEF_OK=$OK DEF_RC=$RC
}

test_system_roots() {
	[ "$DEF_RC" -eq 0 ] && [ "$DEF_OK" -ge 1 ]
	ok $? "chains ending at a system root validate ($DEF_OK)" \
		"rc=$DEF_RC $(tail -3 "$DIR/default.err")"

	run none SSL_CERT_DIR="$DIR/empty" SSL_CERT_FILE="$DIR/empty/none.pem"
	[ "$RC" -eq 0 ] && [ "$OK" -eq 0 ] && grep -q 'unable to get local issuer' "$DIR/none.out"
	ok $? "without the system's anchors none of them does" "rc=$RC ok=$OK"

	run file SSL_CERT_DIR="$DIR/empty" SSL_CERT_FILE="$BUNDLE"
	[ "$RC" -eq 0 ] && [ "$OK" -eq "$DEF_OK" ] && cmp -s "$DIR/file.out" "$DIR/default.out"
	ok $? "the bundle file (SSL_CERT_FILE) gives the same records" "rc=$RC ok=$OK of $DEF_OK"
}

test_looked_up_by_hash() {
	local opened
	ls "$SYSDIR" | grep -qE '^[0-9a-f]{8}\.0$' || {
		fail "$SYSDIR holds no certificates by subject hash (c_rehash)"
		return
	}
	env -u SSL_CERT_FILE -u SSL_CERT_DIR strace -f -qq -e trace=openat -o "$DIR/strace.txt" \
		timeout 60 "$BIN" --read "$CAP" --json >"$DIR/strace.out" 2>/dev/null
	opened=$(grep -oE '"[^"]*/[0-9a-f]{8}\.[0-9]+"' "$DIR/strace.txt" | sort -u | wc -l)
	! grep -qE "\"($BUNDLE|${SYSDIR%/certs}/cert.pem)\"" "$DIR/strace.txt" && [ "$opened" -ge 1 ] &&
		cmp -s "$DIR/strace.out" "$DIR/default.out"
	ok $? "the issuers are read by hash ($opened files), the bundle file never" \
		"$(grep -E 'cert.pem|ca-certificates|/[0-9a-f]{8}\.' "$DIR/strace.txt" | head -5)"
}

ALL_TESTS="test_system_roots test_looked_up_by_hash"
e2e_run
