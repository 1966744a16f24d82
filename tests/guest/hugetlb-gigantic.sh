# SPDX-License-Identifier: GPL-2.0
# A 1 GiB hugetlb page reserved on the command line (hugepagesz=1G
# hugepages=1) comes from memblock, not from the page allocator, and must
# be sensitive all the same: its first, middle and last pages out of the
# restricted direct map.  Reads of a hugetlbfs file on it (one 1 GiB
# folio, copied through the ephmap block by block) return the right data
# (tests/guest/src/fileio.c) without an ASI exit of their own, and with at
# least one ephmap mapping per read() call.  Once the pool is given back,
# the freed page sits in blocks whose flags agree with the restricted map
# (no mismatched block), and the auditor reports 0.
set -e
. /tests/lib.sh
grep -qw 'asi=on' /proc/cmdline || { echo "FAIL: boot with asi=on"; exit 1; }
ephmap_expect_on
[ $ephmap_on = 1 ] || { echo "FAIL: boot with the ephmap on"; exit 1; }
pool=/sys/kernel/mm/hugepages/hugepages-1048576kB
[ -d $pool ] || { echo "FAIL: no 1 GiB hstate"; exit 1; }
[ "$(cat $pool/nr_hugepages)" -eq 1 ] ||
	{ echo "FAIL: $(cat $pool/nr_hugepages) 1 GiB pages reserved at boot, want 1"; exit 1; }
audit=/sys/kernel/debug/asi/audit
info=/sys/kernel/debug/page_sensitivity/zones

t=/sys/kernel/tracing
[ -d $t/events ] || mount -t tracefs tracefs $t
echo 16384 >$t/buffer_size_kb
mkdir -p /mnt/huge1g
mount -t hugetlbfs -o pagesize=1G none /mnt/huge1g

methods="read64k pread"
echo 0 >$t/tracing_on; echo >$t/trace
echo 1 >$t/events/asi/asi_exit/enable; echo 1 >$t/tracing_on
rc=0
sh -c "echo \$\$ >$t/set_event_pid; exec fileio /mnt/huge1g 1024 $methods" >/tmp/gig.out 2>&1 || rc=$?
echo 0 >$t/tracing_on; echo 0 >$t/events/asi/asi_exit/enable; echo >$t/set_event_pid
grep -v '^hugepage=' /tmp/gig.out
[ $rc = 0 ] || { echo "FAIL: fileio on the 1 GiB page exited $rc"; exit 1; }
grep -q 'LOST' $t/trace && { echo "FAIL: the trace lost events"; exit 1; }

fail=0
# The folio's first, middle and last page frames.
pfn=$(sed -n 's/^hugepage=0 pfn=\([^ ]*\) present=1$/\1/p' /tmp/gig.out)
[ -n "$pfn" ] || { echo "FAIL: no page frame for the file"; exit 1; }
[ $((pfn % 262144)) = 0 ] || { echo "FAIL: pfn $pfn is not 1 GiB aligned"; exit 1; }
for off in 0 131072 262143; do
	asi_pfn_hidden $((pfn + off)) "1 GiB page: " ||
		{ echo "FAIL: the boot-reserved 1 GiB page is in the restricted direct map"; fail=1; }
done

for m in $methods; do
	line=$(grep "^method=$m " /tmp/gig.out) || { echo "FAIL: no result for $m"; fail=1; continue; }
	calls=$(echo "$line" | sed 's/.* calls=\([0-9]*\) .*/\1/')
	maps=$(echo "$line" | sed 's/.* maps=\([0-9]*\) .*/\1/')
	own=$(fileio_window_exits $t/trace | awk -v m="$m" '$1 == m { print $2 }')
	own=${own:-0}
	echo "hugetlbfs 1G: $m calls=$calls maps=$maps own_exits=$own"
	[ "$own" -eq 0 ] || { echo "FAIL: $m: $own exits of its own, want 0"; fail=1; }
	[ "$maps" -ge "$calls" ] || { echo "FAIL: $m: $maps mappings for $calls calls"; fail=1; }
done

umount /mnt/huge1g
echo 0 >$pool/nr_hugepages
[ "$(cat $pool/nr_hugepages)" -eq 0 ] || { echo "FAIL: the 1 GiB page was not freed"; fail=1; }
mismatched=$(awk '/ blocks: / { s += $NF } END { print s + 0 }' $info)
problems=$(head -n1 $audit)
echo "after freeing the pool: mismatched blocks $mismatched, auditor problems $problems"
[ "$mismatched" -eq 0 ] || { echo "FAIL: $mismatched blocks disagree with the restricted map"; fail=1; }
[ "$problems" -eq 0 ] || { echo "FAIL: auditor reports:"; cat $audit; fail=1; }
[ $fail = 0 ]
