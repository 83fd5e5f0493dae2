#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# contrib/kubernetes/ checked without a cluster: every manifest parses and has
# what a fleet deployment relies on (tests/e2e/fleet_manifests_check.py says
# which fields), the PrometheusRule is contrib/prometheus/tlsmon.rules.yml,
# and the image installs the package of every library the built tlsmon links.
. "$(dirname "$0")/../lib/e2e.sh"
E2E_TOOLS="python3"
KDIR=contrib/kubernetes

setup() {
	python3 -c 'import yaml' 2>/dev/null ||
		tap_skip_all "python3-yaml is not installed (make deps)"
}

test_manifests() {
	py_tap python3 tests/e2e/fleet_manifests_check.py "$KDIR" contrib/prometheus/tlsmon.rules.yml
}

# the checker fails what it should: a DaemonSet without hostNetwork, with
# one capability missing, and a rule changed only in the PrometheusRule
test_checker_fails() {
	local bad=$DIR/bad out
	mkdir -p "$bad"
	cp "$KDIR"/*.yaml "$bad/"
	sed -i 's/hostNetwork: true/hostNetwork: false/; s/add: \[BPF, /add: [/' "$bad/tlsmon-daemonset.yaml"
	sed -i 's/ratio_rate5m > 0.1$/ratio_rate5m > 0.2/' "$bad/tlsmon-prometheus-operator.yaml"
	out=$(python3 tests/e2e/fleet_manifests_check.py "$bad" contrib/prometheus/tlsmon.rules.yml 2>&1)
	for name in "DaemonSet: hostNetwork" "tlsmon: exactly the start-up capabilities" \
		"PrometheusRule: the groups of tlsmon.rules.yml, unchanged"; do
		grep -qxF "not ok - $name" <<<"$out"
		ok $? "a broken copy fails: $name" "$(grep '^not ok' <<<"$out")"
	done
}

# every DT_NEEDED library of the built tlsmon comes from a package the
# Containerfile installs
test_image_libraries() {
	local lib path pkg want missing=()
	if [ ! -x "$BIN" ]; then
		skip "the image's libraries" "build tlsmon first (make): no $BIN"
		return
	fi
	want=" $(sed -n '/apt-get install/,/rm -rf/p' "$KDIR/Containerfile" | tr -s ' \t\\&' '\n' |
		grep -E '^[a-z0-9][a-z0-9.+-]+$' | tr '\n' ' ') "
	for lib in $(readelf -d "$BIN" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
		path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
		# dpkg knows a file by the path its package ships: /lib or /usr/lib
		# (merged /usr), the link or its target
		pkg=
		for f in "$path" "$(realpath "$path")"; do
			[ -n "$f" ] || continue
			pkg=$(dpkg -S "$f" "${f/#\/usr\/lib\//\/lib\/}" "${f/#\/lib\//\/usr\/lib\/}" 2>/dev/null |
				head -n 1 | cut -d: -f1)
			[ -n "$pkg" ] && break
		done
		[ -n "$pkg" ] && [[ $want == *" $pkg "* ]] || missing+=("$lib (${pkg:-no package})")
	done
	[ ${#missing[@]} -eq 0 ]
	ok $? "the image installs every library tlsmon links" "${missing[@]}"
}

ALL_TESTS="test_manifests test_checker_fails test_image_libraries"
e2e_run
