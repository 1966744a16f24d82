# SPDX-License-Identifier: GPL-2.0
# A kernel that panics, or WARNs while the script carries on, fails the run
# with an excerpt of the report, whatever the script's exit status.
set -euo pipefail
. "$(dirname "$0")/common.bash"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
printf 'echo c >/proc/sysrq-trigger\nexit 0\n' >"$t/crash.sh"
expect_rc 125 "$TOP/scripts/vm-run" --timeout 120 --append kunit.enable=0 "$t/crash.sh"
expect_out 'the kernel reported a problem'
expect_out 'Kernel panic - not syncing: sysrq triggered crash'

printf 'echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT\necho still running\nexit 0\n' >"$t/warn.sh"
expect_rc 125 "$TOP/scripts/vm-run" --timeout 120 --append kunit.enable=0 "$t/warn.sh"
expect_out '^still running$'
expect_out 'WARNING: CPU: [0-9]+ PID: [0-9]+ at drivers/misc/lkdtm'
echo ok
