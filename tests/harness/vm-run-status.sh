# SPDX-License-Identifier: GPL-2.0
# vm-run runs the script in the guest with its arguments and extra kernel
# command-line arguments, prints its output and returns its exit status.
set -euo pipefail
. "$(dirname "$0")/common.bash"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cat >"$t/job.sh" <<'JOB'
echo "args: $*"
grep -o 'harness_selftest=[a-z0-9]*' /proc/cmdline
echo "sum: $(( $1 + $2 ))"
exit "$3"
JOB
expect_rc 7 "$TOP/scripts/vm-run" --timeout 120 --append "kunit.enable=0 harness_selftest=abc123" "$t/job.sh" 40 2 7
expect_out '^args: 40 2 7$'
expect_out '^harness_selftest=abc123$'
expect_out '^sum: 42$'
expect_out 'script exit status 7'
expect_rc 0 "$TOP/scripts/vm-run" --timeout 120 --append kunit.enable=0 "$t/job.sh" 1 1 0
expect_out '^sum: 2$'
echo ok
