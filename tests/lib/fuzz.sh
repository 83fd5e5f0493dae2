# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# What the fuzz runners (tests/fuzz/run-*.sh) share.
#
#   fuzz_report LOG   the sanitizer's report and the stack under it, else the
#                     end of the log

fuzz_report() {
	if grep -q 'ERROR: \|runtime error\|fuzz_[a-z_]*: ' "$1"; then
		sed -n '/ERROR: \|runtime error\|fuzz_[a-z_]*: /,/^$/p' "$1" | head -40
		grep 'failing input' "$1"
	else
		tail -30 "$1"
	fi
}
