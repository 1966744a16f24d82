# SPDX-License-Identifier: GPL-2.0
# A pinned kernel version the archive no longer has stops `deps` with the
# versions on offer and how to move the pin, and installs nothing.
set -euo pipefail
. "$(dirname "$0")/common.bash"
before=$(dpkg-query -W -f='${Version}' "$KERNEL_PKG")
expect_rc 1 env HARNESS_KERNEL_PKG_VERSION=6.12.0-0~not.in.archive "$TOP/scripts/deps"
expect_out 'version 6.12.0-0~not.in.archive is not in the archive'
expect_out 'Versions on offer:'
expect_out "^  $(printf '%s' "$before" | sed 's/[.~+]/\\&/g')\$"
expect_out 'To move the pin, set KERNEL_PKG_VERSION in scripts/common.sh'
[ "$(dpkg-query -W -f='${Version}' "$KERNEL_PKG")" = "$before" ] || fail "installed version changed"
echo ok
