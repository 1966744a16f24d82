# SPDX-License-Identifier: GPL-2.0
# Fault injection aimed at what ASI and the ephmap allocate or change:
#
#  - mm creation: every fault-injectable call of a fork() and of an
#    execve() fails in turn (failslab and fail_page_alloc, through
#    fail-nth); each must fail with ENOMEM or recover;
#  - the PGD pair that holds an mm's restricted PGD: fail_page_alloc
#    aimed (stack filter) at pgd_alloc(); forks fail, later ones work;
#  - the ephmap's page-table reserve and spare batches: fail_page_alloc
#    and failslab aimed at ephmap_refill_fn(); mappings fall back to the
#    direct map (fallback_reserve in ephmap/stats), files still read right;
#  - pageblock flips: fail_pageblock_flip, first a few (allocations that
#    wanted a block reclaim and try again), then every one under an
#    allocation bigger than the free sensitive memory (it is killed as out
#    of memory, or gets by); no block is left mismatched.
#
# Each part proves its failures were injected (fail-nth consumed, an
# attribute's times used up, the failed-flip count) and that nothing
# leaked: the ephmap's and the kernel's page-table pages go back to where
# they were once the processes are gone, and the auditor reports 0.
set -e
. /tests/lib.sh
D=/sys/kernel/debug
for a in failslab fail_page_alloc fail_pageblock_flip; do
	[ -d $D/$a ] || { echo "FAIL: no $D/$a"; exit 1; }
done
grep -q '^enabled: 1' $D/asi/state || { echo "FAIL: needs asi=on"; exit 1; }
ephmap_expect_on
[ "$ephmap_on" = 1 ] || { echo "FAIL: needs the ephmap on"; exit 1; }

# Off, quiet, for every task, on waiting allocations and order 0 too.
attr_reset() {
	echo 0 >$D/$1/probability
	echo 1 >$D/$1/interval
	echo -1 >$D/$1/times
	echo 0 >$D/$1/space
	echo 0 >$D/$1/verbose
	echo N >$D/$1/task-filter
	# The stack filter's defaults: any caller.
	if [ -e $D/$1/require-start ]; then
		echo 0 >$D/$1/require-start
		echo 18446744073709551615 >$D/$1/require-end
		echo 0 >$D/$1/reject-start
		echo 0 >$D/$1/reject-end
	fi
}
for a in failslab fail_page_alloc fail_pageblock_flip; do attr_reset $a; done
echo N >$D/failslab/ignore-gfp-wait
echo N >$D/fail_page_alloc/ignore-gfp-wait
echo N >$D/fail_page_alloc/ignore-gfp-highmem
echo 0 >$D/fail_page_alloc/min-order

# Aim attribute $1 at function $2: failures only with it on the stack.
aim() {
	local range
	range=$(sort /proc/kallsyms | awk -v f="$2" '
		found { print "0x" $1; exit }
		$3 == f { printf "0x%s ", $1; found = 1 }')
	set -- "$1" "$2" $range
	[ -n "$4" ] || { echo "FAIL: no $2 in /proc/kallsyms"; exit 1; }
	echo "$3" >$D/$1/require-start
	echo "$4" >$D/$1/require-end
}

pgtables() {
	awk '/^PageTables:/ { print $2 }' /proc/meminfo
}
ephmap_pgtables() {
	cat $D/ephmap/pgtable_pages
}
settle() {
	echo 1 >$D/ephmap/drain
	sleep 1
}
failed_flips() {
	sed -n 's/.*failed flips \([0-9]*\).*/\1/p' $D/page_sensitivity/zones
}

settle
pt0=$(pgtables) ept0=$(ephmap_pgtables)
echo "page-table pages at the start: kernel $pt0 kB, ephmap $ept0"

# --- mm creation ---------------------------------------------------------
for op in fork exec; do
	out=$(/tests/bin/failnth $op 20000) || { echo "$out"; echo "FAIL: $op under fail-nth"; exit 1; }
	echo "$op: $out"
	set -- $out
	[ "$1" -gt 0 ] && [ "$3" -gt 0 ] || { echo "FAIL: no $op failed under injection"; exit 1; }
done

# --- the PGD pair ----------------------------------------------------------
# failnth arms the attribute itself: this shell must not fork meanwhile.
aim fail_page_alloc pgd_alloc
echo 3 >$D/fail_page_alloc/times
out=$(/tests/bin/failnth forks 6 $D/fail_page_alloc) || { echo "$out"; echo "FAIL: forks with pgd_alloc failing"; exit 1; }
left=$(cat $D/fail_page_alloc/times)
attr_reset fail_page_alloc
echo "pgd_alloc: 3 failures aimed, $left left; $out"
set -- $out
[ "$left" -eq 0 ] || { echo "FAIL: the failures aimed at pgd_alloc were not all injected"; exit 1; }
[ "$3" -eq 3 ] || { echo "FAIL: $3 forks failed, want 3"; exit 1; }
/bin/true || { echo "FAIL: a fork after the injection failed"; exit 1; }

# --- the ephmap's reserve -------------------------------------------------
dd if=/dev/urandom of=/tmp/fi.dat bs=64k count=16 2>/dev/null
sum=$(md5sum </tmp/fi.dat)
vmstat_get fallback_reserve fb0 $ephmap_stats
vmstat_get ephmap_map m0
for a in fail_page_alloc failslab; do
	aim $a ephmap_refill_fn
	echo 1000000 >$D/$a/times
	echo 100 >$D/$a/probability
done
bad=0
for i in $(seq 1 40); do
	for cpu in 0 1; do
		s=$(taskset $((1 << cpu)) md5sum </tmp/fi.dat) || bad=$((bad + 1))
		[ "$s" = "$sum" ] || bad=$((bad + 1))
	done
done
used=$(( (1000000 - $(cat $D/fail_page_alloc/times)) + (1000000 - $(cat $D/failslab/times)) ))
for a in fail_page_alloc failslab; do attr_reset $a; done
vmstat_get fallback_reserve fb1 $ephmap_stats
vmstat_get ephmap_map m1
echo "ephmap refill: $used failures injected; ephmap_map +$((m1 - m0)), fallback_reserve +$((fb1 - fb0)); $bad bad reads of 80"
[ "$bad" -eq 0 ] || { echo "FAIL: a read went wrong"; exit 1; }
[ "$used" -gt 0 ] || { echo "FAIL: no failure injected in ephmap_refill_fn"; exit 1; }
[ $((fb1 - fb0)) -gt 0 ] || { echo "FAIL: no mapping fell back with the reserve failing"; exit 1; }
# The reserve fills again: fresh processes map through the ephmap.  A
# first process on each CPU falls back once more (its mapping finds the
# reserve empty and queues the refill).
settle
for cpu in 0 1; do
	taskset $((1 << cpu)) md5sum </tmp/fi.dat >/dev/null
done
sleep 1
vmstat_get fallback_reserve fb0 $ephmap_stats
vmstat_get ephmap_map m0
for i in $(seq 1 10); do
	for cpu in 0 1; do
		s=$(taskset $((1 << cpu)) md5sum </tmp/fi.dat)
		[ "$s" = "$sum" ] || { echo "FAIL: a read went wrong after"; exit 1; }
	done
done
vmstat_get fallback_reserve fb1 $ephmap_stats
vmstat_get ephmap_map m1
echo "after: ephmap_map +$((m1 - m0)), fallback_reserve +$((fb1 - fb0))"
[ $((m1 - m0)) -gt 0 ] && [ $((fb1 - fb0)) -eq 0 ] ||
	{ echo "FAIL: the ephmap did not recover"; exit 1; }

# --- pageblock flips -------------------------------------------------------
ff0=$(failed_flips)
echo 5 >$D/fail_pageblock_flip/times
echo 100 >$D/fail_pageblock_flip/probability
/tests/bin/memtouch 60 16 || { echo "FAIL: memtouch with 5 flips failing"; exit 1; }
left=$(cat $D/fail_pageblock_flip/times)
ff1=$(failed_flips)
echo "flips: 5 failures injected, $left left; failed flips +$((ff1 - ff0))"
[ "$left" -eq 0 ] && [ $((ff1 - ff0)) -eq 5 ] ||
	{ echo "FAIL: the flip failures were not all injected and counted"; exit 1; }
# Every flip fails while an allocation needs more sensitive memory than
# is free: it cannot have the free non-sensitive blocks, reclaims, and is
# killed as out of memory (or gets by); nothing else may go wrong.
echo -1 >$D/fail_pageblock_flip/times
ff0=$(failed_flips)
rc=0
/tests/bin/memtouch 75 32 >/dev/null 2>&1 || rc=$?
ff1=$(failed_flips)
attr_reset fail_pageblock_flip
echo "every flip failing: memtouch 75 % exit $rc, $((ff1 - ff0)) failed flips"
[ $((ff1 - ff0)) -gt 0 ] || { echo "FAIL: no flip was tried with every flip failing"; exit 1; }
case $rc in 0|1|137) ;; *) echo "FAIL: memtouch exit $rc"; exit 1 ;; esac
/tests/bin/memtouch 60 16 || { echo "FAIL: memtouch after the injection"; exit 1; }
mismatched=$(awk '/ blocks: / { s += $NF } END { print s + 0 }' $D/page_sensitivity/zones)
[ "$mismatched" -eq 0 ] || { echo "FAIL: $mismatched pageblocks mismatched"; exit 1; }

# --- nothing leaked ---------------------------------------------------------
settle
pt1=$(pgtables) ept1=$(ephmap_pgtables)
echo "page-table pages at the end: kernel $pt1 kB, ephmap $ept1"
# (this shell's own mm may have grown by the CPUs it ran on)
read -r own <$D/ephmap/mm_pgtable_pages
[ "$ept1" -le $((ept0 + own)) ] || { echo "FAIL: ephmap page-table pages $ept0 -> $ept1 (this shell's: $own)"; exit 1; }
[ "$pt1" -le $((pt0 + 64)) ] || { echo "FAIL: page tables grew by $((pt1 - pt0)) kB"; exit 1; }
problems=$(head -n1 $D/asi/audit)
[ "$problems" -eq 0 ] || { echo "FAIL: auditor reports $problems"; exit 1; }
vmstat_get misuse misuse $ephmap_stats
[ "$misuse" -eq 0 ] || { echo "FAIL: ephmap misuse $misuse"; exit 1; }
echo "ok: every injected failure hit, counted and survived; nothing leaked"
