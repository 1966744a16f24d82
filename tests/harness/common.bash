# SPDX-License-Identifier: GPL-2.0
# Helpers for the harness self-tests.
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

fail() {
	echo "FAIL: $*"
	exit 1
}

# expect_rc WANT CMD...: runs CMD, output to $out, fails unless it exits WANT.
expect_rc() {
	local want=$1 rc
	shift
	set +e
	out=$("$@" 2>&1)
	rc=$?
	set -e
	echo "\$ $* -> exit $rc"
	printf '%s\n' "$out" | sed 's/^/  /'
	[ "$rc" -eq "$want" ] || fail "exit status $rc, want $want"
}

# expect_out REGEX: the last expect_rc output matches REGEX.
expect_out() {
	printf '%s\n' "$out" | grep -qE -- "$1" || fail "output does not match /$1/"
}
