#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `make install`: copy tlsmon, its man page, the systemd service with the
# files it relies on, and the docs under DESTDIR/PREFIX.  The BPF programs are
# inside the binary (the skeleton), so the binary is all there is to run.
#
# usage: scripts/install.sh DESTDIR PREFIX     (OUTPUT: the build directory)
#
#   PREFIX/sbin/tlsmon
#   PREFIX/share/man/man8/tlsmon.8
#   PREFIX/lib/systemd/system/tlsmon.service   (ExecStart=PREFIX/sbin/tlsmon)
#   PREFIX/lib/sysusers.d/tlsmon.conf          (the tlsmon user)
#   PREFIX/lib/tmpfiles.d/tlsmon.conf          (its access to the textfile dir)
#   PREFIX/share/doc/tlsmon/                   README.md SECURITY.md, docs,
#                                              tlsmon.default, Prometheus rules,
#                                              Grafana dashboard
# systemd reads units, sysusers.d and tmpfiles.d under /usr/local/lib as well
# as /usr/lib, so the default PREFIX=/usr/local works as is.
set -euo pipefail
cd "$(dirname "$0")/.."

DESTDIR=${1-}
PREFIX=${2:-/usr/local}
OUTPUT=${OUTPUT:-.output}
BIN=$OUTPUT/tlsmon

case $PREFIX in
/*) ;;
*)
	echo "install: PREFIX must be an absolute path, not '$PREFIX'" >&2
	exit 2
	;;
esac
PREFIX=${PREFIX%/}
[ -x "$BIN" ] || {
	echo "install: $BIN is missing: run make first (or make install, which does)" >&2
	exit 1
}

root=$DESTDIR$PREFIX
doc=$root/share/doc/tlsmon

say() { printf '  %-8s %s\n' INSTALL "$1"; }
put() { # MODE SRC DEST
	install -D -m "$1" "$2" "$3"
	say "$3"
}

put 0755 "$BIN" "$root/sbin/tlsmon"
put 0644 man/tlsmon.8 "$root/share/man/man8/tlsmon.8"

# the unit names the binary where it now is
unit=$(mktemp)
trap 'rm -f "$unit"' EXIT
sed "s#/usr/local/sbin/tlsmon#$PREFIX/sbin/tlsmon#g" contrib/tlsmon.service >"$unit"
put 0644 "$unit" "$root/lib/systemd/system/tlsmon.service"
put 0644 contrib/tlsmon.sysusers "$root/lib/sysusers.d/tlsmon.conf"
put 0644 contrib/tlsmon.tmpfiles "$root/lib/tmpfiles.d/tlsmon.conf"

put 0644 README.md "$doc/README.md"
put 0644 SECURITY.md "$doc/SECURITY.md"
put 0644 contrib/tlsmon.default "$doc/tlsmon.default"
for f in docs/*.md; do
	[ -f "$f" ] && put 0644 "$f" "$doc/$(basename "$f")"
done
[ -f contrib/prometheus/tlsmon.rules.yml ] &&
	put 0644 contrib/prometheus/tlsmon.rules.yml "$doc/prometheus/tlsmon.rules.yml"
[ -f contrib/grafana/tlsmon.json ] && put 0644 contrib/grafana/tlsmon.json "$doc/grafana/tlsmon.json"

if [ -z "$DESTDIR" ]; then
	cat <<EOF

tlsmon is installed in $PREFIX.  To run it as a service:
  systemd-sysusers tlsmon.conf && systemd-tmpfiles --create tlsmon.conf
  cp $doc/tlsmon.default /etc/default/tlsmon   # then set the interfaces
  systemctl daemon-reload && systemctl enable --now tlsmon
EOF
fi
