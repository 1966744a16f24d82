# SPDX-License-Identifier: GPL-2.0
# A guest that hangs is killed at the timeout and reported as such.
set -euo pipefail
. "$(dirname "$0")/common.bash"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
printf 'echo started\nsleep 100000\necho not reached\n' >"$t/hang.sh"
start=$(date +%s)
expect_rc 124 "$TOP/scripts/vm-run" --timeout 25 --append kunit.enable=0 "$t/hang.sh"
secs=$(($(date +%s) - start))
expect_out 'timed out after 25s'
expect_out '^started$'
printf '%s\n' "$out" | grep -q 'not reached' && fail "script went past the hang"
[ "$secs" -lt 60 ] || fail "vm-run took ${secs}s to kill a 25s guest"
echo ok
