# SPDX-License-Identifier: GPL-2.0
# An unknown make target or option is refused with a clear error, and so is
# an unknown vm-run option or a bad tests/plan entry.
set -euo pipefail
. "$(dirname "$0")/common.bash"
cd "$TOP"
expect_rc 2 make --no-print-directory no-such-target
expect_out "unknown target 'no-such-target'"
expect_rc 2 make --no-print-directory help NO_SUCH_OPTION=1
expect_out 'unknown option\(s\): NO_SUCH_OPTION'
expect_rc 2 scripts/vm-run --no-such-flag x.sh
expect_out 'unknown option --no-such-flag'
expect_rc 1 scripts/build-kernel nonsense
expect_out 'usage: scripts/build-kernel test\|bench'
echo ok
