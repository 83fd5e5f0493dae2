#!/usr/bin/env bash
# `make run`: watch the interface of the default route.  On a terminal the
# live dashboard, otherwise a line per failing handshake.  Extra options for
# tlsmon go in TLSMON_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "tlsmon needs root to load its BPF programs: run 'sudo make run'" >&2
	exit 1
fi
# tlsmon picks the dashboard itself on a terminal that can show it (not
# TERM=dumb), the text lines elsewhere
# shellcheck disable=SC2086
exec "${OUTPUT:-.output}/tlsmon" ${TLSMON_ARGS:-}
