#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# make install: into a DESTDIR (the tree, modes, the unit naming PREFIX's
# binary, not DESTDIR's, the installed binary runs) and into a PREFIX of its
# own, where systemd-analyze verifies the unit with its binary and man page
# in place.  The man page renders without a groff warning and documents every
# option of --help and the exit codes; systemd-sysusers creates the tlsmon
# user from the installed entry, and systemd-tmpfiles' entry really gives a
# user write access to the textfile directory.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_NEEDS="root tlsmon"
E2E_TOOLS="groff man systemd-analyze systemd-sysusers systemd-tmpfiles setpriv"
BIN=$OUT/tlsmon	# what make install installs

# a PREFIX of its own: the unit with its binary and man page in place, read
# by the tests of the unit, the man page and the sysusers and tmpfiles entries
setup() {
	chmod 755 "$DIR"
	inst PREFIX="$DIR/p" >"$DIR/p.log" 2>&1
	PREFIX_RC=$?
}

# a make of its own, in the build's output directory (relative, as built)
inst() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		make --no-print-directory -s OUTPUT="${OUT#"$PWD"/}" install "$@"
}

test_destdir() {
	inst DESTDIR="$DIR/dest" PREFIX=/usr >"$DIR/dest.log" 2>&1
	ok $? "make install DESTDIR=... PREFIX=/usr" "$(tail -5 "$DIR/dest.log")"
	want="0755 usr/sbin/tlsmon
0644 usr/share/man/man8/tlsmon.8
0644 usr/lib/systemd/system/tlsmon.service
0644 usr/lib/sysusers.d/tlsmon.conf
0644 usr/lib/tmpfiles.d/tlsmon.conf
0644 usr/share/doc/tlsmon/README.md
0644 usr/share/doc/tlsmon/SECURITY.md
0644 usr/share/doc/tlsmon/tlsmon.default"
	got=$(cd "$DIR/dest" && find . -type f -printf '%m %P\n' | sed 's/^755 /0755 /; s/^644 /0644 /')
	missing=$(comm -23 <(sort <<<"$want") <(sort <<<"$got"))
	[ -z "$missing" ]
	ok $? "the tree has the binary, man page, unit, sysusers and tmpfiles entries, docs" "missing: $missing" "got: $got"
	outside=$(cd "$DIR/dest" && find . -type f ! -path './usr/*')
	[ -z "$outside" ]
	ok $? "nothing outside DESTDIR/PREFIX" "$outside"
	cmp -s README.md "$DIR/dest/usr/share/doc/tlsmon/README.md" &&
		cmp -s SECURITY.md "$DIR/dest/usr/share/doc/tlsmon/SECURITY.md"
	ok $? "the docs are the tree's"
	grep -qx 'ExecStart=/usr/sbin/tlsmon --no-dashboard $TLSMON_OPTS' \
		"$DIR/dest/usr/lib/systemd/system/tlsmon.service" &&
		! grep -q "$DIR" "$DIR/dest/usr/lib/systemd/system/tlsmon.service"
	ok $? "the unit runs PREFIX/sbin/tlsmon, with no DESTDIR in it" \
		"$(grep ExecStart "$DIR/dest/usr/lib/systemd/system/tlsmon.service")"
	v=$("$DIR/dest/usr/sbin/tlsmon" --version)
	[ "$v" = "$("$BIN" --version)" ] && [ -n "$v" ]
	ok $? "the installed binary runs: $v (the BPF object is inside it)"

	inst DESTDIR="$DIR/bad" PREFIX=usr >"$DIR/bad.log" 2>&1
	rc=$?
	[ $rc -ne 0 ] && grep -q "PREFIX must be an absolute path" "$DIR/bad.log" && [ ! -e "$DIR/bad" ]
	ok $? "a relative PREFIX is refused before anything is written" "$(cat "$DIR/bad.log")"
}

test_prefix() {
	ok $PREFIX_RC "make install PREFIX=$DIR/p" "$(tail -5 "$DIR/p.log")"
	grep -q "systemctl enable --now tlsmon" "$DIR/p.log"
	ok $? "without DESTDIR it says how to start the service"
	unit=$DIR/p/lib/systemd/system/tlsmon.service
	MANPATH=$DIR/p/share/man systemd-analyze verify "$unit" >"$DIR/verify.log" 2>&1
	rc=$?
	[ $rc = 0 ] && [ ! -s "$DIR/verify.log" ]
	ok $? "systemd-analyze verify: the unit is clean (binary, man:tlsmon(8) found)" "$(cat "$DIR/verify.log")"
	# the same check on a broken copy must complain, or it proves nothing
	sed 's/^ProtectSystem=strict/ProtectSystem=strickt/; s/^NoNewPrivileges=yes/NoNewPrivileges=maybe/' \
		"$unit" >"$DIR/broken.service"
	MANPATH=$DIR/p/share/man systemd-analyze verify "$DIR/broken.service" >"$DIR/broken.log" 2>&1
	grep -q "strickt" "$DIR/broken.log" && grep -q "maybe" "$DIR/broken.log"
	ok $? "(and it does complain about a broken copy)" "$(cat "$DIR/broken.log")"
	for d in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
		Restart=on-failure RestartPreventExitStatus=2 RuntimeDirectory=tlsmon User=tlsmon \
		"ReadWritePaths=-/var/lib/prometheus/node-exporter"; do
		grep -qx "$d" "$unit" || fail "the unit sets $d"
	done
	pass "the unit sets the hardening the issue asks for"
}

test_man_page() {
	man=$DIR/p/share/man/man8/tlsmon.8
	LC_ALL=C.UTF-8 groff -man -Tutf8 -wall "$man" >"$DIR/man.txt" 2>"$DIR/groff.err"
	[ ! -s "$DIR/groff.err" ] && [ -s "$DIR/man.txt" ]
	ok $? "groff -man -wall: no warning" "$(head -5 "$DIR/groff.err")"
	MANWIDTH=80 man -l "$man" 2>&1 | col -bx >"$DIR/man-l.txt"
	grep -q "^EXIT STATUS" "$DIR/man-l.txt" && grep -q "^PRIVILEGES" "$DIR/man-l.txt"
	ok $? "man -l renders it"
	opts=$("$BIN" --help | grep -o -- '--[a-z0-9-]*' | sort -u)
	undoc=
	for o in $opts; do
		grep -q -- "${o//-/\\\\-}" "$man" || grep -q -- "$o" "$man" || undoc+=" $o"
	done
	[ -z "$undoc" ]
	ok $? "the man page documents every option of --help" "undocumented:$undoc"
	sed -n '/^EXIT STATUS/,/^FILES/p' "$DIR/man-l.txt" | tr -s ' \n' ' ' >"$DIR/exit.txt"
	grep -q "0 Stopped" "$DIR/exit.txt" && grep -q "1 An error" "$DIR/exit.txt" &&
		grep -q "2 A bad command line" "$DIR/exit.txt" && grep -q "3 A watched interface went away" "$DIR/exit.txt"
	ok $? "the man page lists exit codes 0 to 3" "$(cat "$DIR/exit.txt")"
}

test_sysusers_tmpfiles() {
	R=$DIR/root
	mkdir -p "$R/etc" "$R/var/lib/prometheus/node-exporter"
	systemd-sysusers --root="$R" "$DIR/p/lib/sysusers.d/tlsmon.conf" >"$DIR/sysusers.log" 2>&1
	grep -q '^tlsmon:x:[0-9]*:[0-9]*:' "$R/etc/passwd"
	ok $? "systemd-sysusers creates the tlsmon user" "$(cat "$DIR/sysusers.log")"
	# tmpfiles resolves names on this host, where no tlsmon user exists: the
	# same line for nobody, then nobody must be able to write there
	sed 's/u:tlsmon:/u:nobody:/' "$DIR/p/lib/tmpfiles.d/tlsmon.conf" >"$DIR/tmpfiles.conf"
	systemd-tmpfiles --root="$R" --create "$DIR/tmpfiles.conf" >"$DIR/tmpfiles.log" 2>&1
	chmod 755 "$DIR/root" "$DIR/root/var" "$DIR/root/var/lib" "$DIR/root/var/lib/prometheus"
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		touch "$R/var/lib/prometheus/node-exporter/probe" 2>"$DIR/touch.err"
	ok $? "the tmpfiles entry lets the service user write the textfile directory" \
		"$(cat "$DIR/tmpfiles.log" "$DIR/touch.err")"
	[ "$(stat -c %U:%G "$R/var/lib/prometheus/node-exporter")" = root:root ]
	ok $? "and leaves the directory root's, with an ACL entry: $(stat -c %A "$R/var/lib/prometheus/node-exporter")"
}

ALL_TESTS="test_destdir test_prefix test_man_page test_sysusers_tmpfiles"
e2e_run
