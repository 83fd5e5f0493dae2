#!/usr/bin/env bash
# Install every build and test dependency of tlsmon (Debian/Ubuntu).
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -euo pipefail

BUILD_PKGS=(
	make gcc pkg-config clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
	libpcap-dev libssl-dev libncurses-dev libcmocka-dev libclang-rt-14-dev
	libseccomp-dev
)
TEST_PKGS=(
	iproute2 openssl nginx libnginx-mod-stream curl gnutls-bin python3
	iptables tcpdump tshark prometheus prometheus-node-exporter tmux
	ethtool procps psmisc systemd groff-base man-db bsdextrautils python3-yaml
	ngtcp2-server ngtcp2-client ca-certificates strace
)
BENCH_PKGS=(ssldump time linux-perf)

want=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}")
case "${1:-}" in
--build) want=("${BUILD_PKGS[@]}") ;;
--bench) want=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}" "${BENCH_PKGS[@]}") ;;
"" | --test) ;;
*)
	echo "usage: $0 [--build|--test|--bench]" >&2
	exit 2
	;;
esac

missing=()
for p in "${want[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run 'sudo make deps' (or install them with apt-get) and retry" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Installing test servers must not start them (nginx, prometheus): tests start
# their own instances on loopback and in namespaces.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
echo 'wireshark-common wireshark-common/install-setuid boolean false' |
	debconf-set-selections 2>/dev/null || true
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
