#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# make install: into a DESTDIR (the tree, modes, the unit naming PREFIX's
# binary, not DESTDIR's, the installed binary runs) and into a PREFIX of its
# own, where systemd-analyze verifies the unit with its binary and man page
# in place.  The man page renders without a groff warning and documents every
# option of --help and the exit codes; systemd-sysusers creates the tlsmon
# user from the installed entry, and systemd-tmpfiles' entry really gives a
# user write access to the textfile directory.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
need_root
OUT=${TLSMON_OUTPUT:-$PWD/.output}
BIN=$OUT/tlsmon
[ -x "$BIN" ] || tap_skip_all "build tlsmon first (make)"
for t in groff man systemd-analyze systemd-sysusers systemd-tmpfiles setpriv; do
	command -v $t >/dev/null || tap_skip_all "$t is not installed (make deps)"
done
T=$(mktemp -d /tmp/tlsmon-install.XXXXXX)
tap_cleanup "rm -rf $T"
chmod 755 "$T"
# a make of its own, in the build's output directory (relative, as built)
inst() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		make --no-print-directory -s OUTPUT="${OUT#"$PWD"/}" install "$@"
}

# ---- DESTDIR ----
inst DESTDIR="$T/dest" PREFIX=/usr >"$T/dest.log" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr" "$(tail -5 "$T/dest.log")"
want="0755 usr/sbin/tlsmon
0644 usr/share/man/man8/tlsmon.8
0644 usr/lib/systemd/system/tlsmon.service
0644 usr/lib/sysusers.d/tlsmon.conf
0644 usr/lib/tmpfiles.d/tlsmon.conf
0644 usr/share/doc/tlsmon/README.md
0644 usr/share/doc/tlsmon/SECURITY.md
0644 usr/share/doc/tlsmon/tlsmon.default"
got=$(cd "$T/dest" && find . -type f -printf '%m %P\n' | sed 's/^755 /0755 /; s/^644 /0644 /')
missing=$(comm -23 <(sort <<<"$want") <(sort <<<"$got"))
[ -z "$missing" ]
ok $? "the tree has the binary, man page, unit, sysusers and tmpfiles entries, docs" "missing: $missing" "got: $got"
outside=$(cd "$T/dest" && find . -type f ! -path './usr/*')
[ -z "$outside" ]
ok $? "nothing outside DESTDIR/PREFIX" "$outside"
cmp -s README.md "$T/dest/usr/share/doc/tlsmon/README.md" &&
	cmp -s SECURITY.md "$T/dest/usr/share/doc/tlsmon/SECURITY.md"
ok $? "the docs are the tree's"
grep -qx 'ExecStart=/usr/sbin/tlsmon --no-dashboard $TLSMON_OPTS' \
	"$T/dest/usr/lib/systemd/system/tlsmon.service" &&
	! grep -q "$T" "$T/dest/usr/lib/systemd/system/tlsmon.service"
ok $? "the unit runs PREFIX/sbin/tlsmon, with no DESTDIR in it" \
	"$(grep ExecStart "$T/dest/usr/lib/systemd/system/tlsmon.service")"
v=$("$T/dest/usr/sbin/tlsmon" --version)
[ "$v" = "$("$BIN" --version)" ] && [ -n "$v" ]
ok $? "the installed binary runs: $v (the BPF object is inside it)"

inst DESTDIR="$T/bad" PREFIX=usr >"$T/bad.log" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "PREFIX must be an absolute path" "$T/bad.log" && [ ! -e "$T/bad" ]
ok $? "a relative PREFIX is refused before anything is written" "$(cat "$T/bad.log")"

# ---- a PREFIX of its own: the unit with its binary and man page in place ----
inst PREFIX="$T/p" >"$T/p.log" 2>&1
ok $? "make install PREFIX=$T/p" "$(tail -5 "$T/p.log")"
grep -q "systemctl enable --now tlsmon" "$T/p.log"
ok $? "without DESTDIR it says how to start the service"
unit=$T/p/lib/systemd/system/tlsmon.service
MANPATH=$T/p/share/man systemd-analyze verify "$unit" >"$T/verify.log" 2>&1
rc=$?
[ $rc = 0 ] && [ ! -s "$T/verify.log" ]
ok $? "systemd-analyze verify: the unit is clean (binary, man:tlsmon(8) found)" "$(cat "$T/verify.log")"
# the same check on a broken copy must complain, or it proves nothing
sed 's/^ProtectSystem=strict/ProtectSystem=strickt/; s/^NoNewPrivileges=yes/NoNewPrivileges=maybe/' \
	"$unit" >"$T/broken.service"
MANPATH=$T/p/share/man systemd-analyze verify "$T/broken.service" >"$T/broken.log" 2>&1
grep -q "strickt" "$T/broken.log" && grep -q "maybe" "$T/broken.log"
ok $? "(and it does complain about a broken copy)" "$(cat "$T/broken.log")"
for d in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
	Restart=on-failure RestartPreventExitStatus=2 RuntimeDirectory=tlsmon User=tlsmon \
	"ReadWritePaths=-/var/lib/prometheus/node-exporter"; do
	grep -qx "$d" "$unit" || fail "the unit sets $d"
done
pass "the unit sets the hardening the issue asks for"

# ---- the man page ----
man=$T/p/share/man/man8/tlsmon.8
LC_ALL=C.UTF-8 groff -man -Tutf8 -wall "$man" >"$T/man.txt" 2>"$T/groff.err"
[ ! -s "$T/groff.err" ] && [ -s "$T/man.txt" ]
ok $? "groff -man -wall: no warning" "$(head -5 "$T/groff.err")"
MANWIDTH=80 man -l "$man" 2>&1 | col -bx >"$T/man-l.txt"
grep -q "^EXIT STATUS" "$T/man-l.txt" && grep -q "^PRIVILEGES" "$T/man-l.txt"
ok $? "man -l renders it"
opts=$("$BIN" --help | grep -o -- '--[a-z0-9-]*' | sort -u)
undoc=
for o in $opts; do
	grep -q -- "${o//-/\\\\-}" "$man" || grep -q -- "$o" "$man" || undoc+=" $o"
done
[ -z "$undoc" ]
ok $? "the man page documents every option of --help" "undocumented:$undoc"
sed -n '/^EXIT STATUS/,/^FILES/p' "$T/man-l.txt" | tr -s ' \n' ' ' >"$T/exit.txt"
grep -q "0 Stopped" "$T/exit.txt" && grep -q "1 An error" "$T/exit.txt" &&
	grep -q "2 A bad command line" "$T/exit.txt" && grep -q "3 A watched interface went away" "$T/exit.txt"
ok $? "the man page lists exit codes 0 to 3" "$(cat "$T/exit.txt")"

# ---- sysusers and tmpfiles entries ----
R=$T/root
mkdir -p "$R/etc" "$R/var/lib/prometheus/node-exporter"
systemd-sysusers --root="$R" "$T/p/lib/sysusers.d/tlsmon.conf" >"$T/sysusers.log" 2>&1
grep -q '^tlsmon:x:[0-9]*:[0-9]*:' "$R/etc/passwd"
ok $? "systemd-sysusers creates the tlsmon user" "$(cat "$T/sysusers.log")"
# tmpfiles resolves names on this host, where no tlsmon user exists: the
# same line for nobody, then nobody must be able to write there
sed 's/u:tlsmon:/u:nobody:/' "$T/p/lib/tmpfiles.d/tlsmon.conf" >"$T/tmpfiles.conf"
systemd-tmpfiles --root="$R" --create "$T/tmpfiles.conf" >"$T/tmpfiles.log" 2>&1
chmod 755 "$T/root" "$T/root/var" "$T/root/var/lib" "$T/root/var/lib/prometheus"
setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	touch "$R/var/lib/prometheus/node-exporter/probe" 2>"$T/touch.err"
ok $? "the tmpfiles entry lets the service user write the textfile directory" \
	"$(cat "$T/tmpfiles.log" "$T/touch.err")"
[ "$(stat -c %U:%G "$R/var/lib/prometheus/node-exporter")" = root:root ]
ok $? "and leaves the directory root's, with an ACL entry: $(stat -c %A "$R/var/lib/prometheus/node-exporter")"

tap_done
