# SPDX-License-Identifier: GPL-2.0
# check-kernel-log passes a clean log and catches each kind of report,
# showing an excerpt of it.
set -euo pipefail
. "$(dirname "$0")/common.bash"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

clean='[    0.000000] Linux version 6.12.117
[    0.100000] Freeing unused kernel image memory: 1000K
[    1.000000] KTAP version 1
[    1.000001]     ok 1 some_test'
printf '%s\n' "$clean" >"$t/clean"
expect_rc 0 "$TOP/scripts/check-kernel-log" "$t/clean"

i=0
while IFS= read -r report; do
	i=$((i + 1))
	printf '%s\n[    2.000000] %s\r\n[    2.000001] Call Trace:\n' "$clean" "$report" >"$t/bad$i"
	expect_rc 1 "$TOP/scripts/check-kernel-log" "$t/bad$i"
	expect_out "Call Trace"
	expect_out "$(printf '%s' "$report" | cut -c1-12 | sed 's/[][().*]/\\&/g')"
done <<'REPORTS'
WARNING: CPU: 1 PID: 42 at mm/ephmap/ephmap.c:100 ephmap_unmap+0x10/0x20
BUG: kernel NULL pointer dereference, address: 0000000000000008
Oops: general protection fault, probably for non-canonical address 0xdead: 0000 [#1] PREEMPT SMP
kernel BUG at mm/page_alloc.c:1234!
Kernel panic - not syncing: Fatal exception
WARNING: possible circular locking dependency detected
BUG: KASAN: use-after-free in filemap_read+0x1/0x2
UBSAN: array-index-out-of-bounds in mm/foo.c:12:3
INFO: task kworker/0:1:12 blocked for more than 120 seconds.
rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
BUG: sleeping function called from invalid context at mm/slab.c:1
list_add corruption. prev->next should be next (ffff), but was ffff.
REPORTS
echo "all $i kinds of report caught"

# A WARN between expect-WARN markers is tolerated; one outside, or another
# kind of report inside, is not.
expected='[    3.000000] ephmap_test: expect WARN begin
[    3.000001] ------------[ cut here ]------------
[    3.000002] WARNING: CPU: 0 PID: 9 at mm/ephmap/ephmap.c:1 ephmap_unmap+0x1/0x2
[    3.000003] Call Trace:
[    3.000004] ---[ end trace 0000000000000000 ]---
[    3.000005] ephmap_test: expect WARN end'
printf '%s\n%s\n' "$clean" "$expected" >"$t/expected"
expect_rc 0 "$TOP/scripts/check-kernel-log" "$t/expected"
printf '%s\n%s\n[    4.0] WARNING: CPU: 1 PID: 2 at mm/x.c:3 f+0x1/0x2\n' "$clean" "$expected" >"$t/after"
expect_rc 1 "$TOP/scripts/check-kernel-log" "$t/after"
expect_out 'mm/x.c:3'
printf '%s\n[ 3.0] x: expect WARN begin\n[ 3.1] BUG: unable to handle page fault\n[ 3.2] x: expect WARN end\n' "$clean" >"$t/bug"
expect_rc 1 "$TOP/scripts/check-kernel-log" "$t/bug"
expect_out 'BUG: unable to handle'
echo "expected WARNs tolerated, nothing else"
