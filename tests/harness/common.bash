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

# Points the harness at a private work tree: a hard-linked copy of
# build/linux (prepare-source never writes through a link), so that a
# self-test can apply other series without touching the real tree or the
# timestamps the next kernel build goes by.  Removed by private_cleanup.
private_worktree() {
	[ -f "$KSRC/.harness-stamp" ] || fail "build/linux is not prepared (run make source first)"
	private_dir=$(mktemp -d "$BUILD/selftest.XXXXXX")
	cp -al "$KSRC" "$private_dir/linux"
	export HARNESS_KSRC=$private_dir/linux
	KSRC=$HARNESS_KSRC
}

private_cleanup() {
	[ -n "${private_dir:-}" ] && rm -rf "$private_dir"
	return 0
}
