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
args=()
if [ -t 1 ] && .output/tlsmon --help | grep -q -- --dashboard; then
	args+=(--dashboard)
fi
# shellcheck disable=SC2086
exec .output/tlsmon "${args[@]}" ${TLSMON_ARGS:-}
