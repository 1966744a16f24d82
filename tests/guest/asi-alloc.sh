# SPDX-License-Identifier: GPL-2.0
# The sensitivity-aware page allocator.  With asi=on, after the workloads
# before it and a process that touches most of free memory then makes the
# kernel allocate page tables: pageblocks were flipped both ways by it
# (every flip traced), page-table and flag state agree
# (auditor 0, no mismatched block), user memory sits in sensitive blocks,
# and reading a cached file exits ASI on every read() with the ephmap off
# (the cost the ephmap removes) and not with it on.  With ASI off: one set
# of free lists, nothing ever flipped.
set -e
. /tests/lib.sh
ephmap_expect_on
info=/sys/kernel/debug/page_sensitivity/zones
vm() { sed -n "s/^$1 //p" /proc/vmstat; }
st() { sed -n "s/^$1 //p" $alloc_stats; }
counters="asi_flip_sensitive asi_flip_nonsensitive"
debug_counters="flip_noblock alloc_fallback alloc_noflip"
for c in $counters; do
	[ -n "$(vm $c)" ] || { echo "FAIL: /proc/vmstat has no $c"; exit 1; }
done
for c in $debug_counters; do
	[ -n "$(st $c)" ] || { echo "FAIL: $alloc_stats has no $c"; exit 1; }
done
[ -r $info ] || { echo "FAIL: $info missing"; exit 1; }
# Sums field N (after the word "sensitive"/"nonsensitive") over zones.
sum_blocks() { awk -v k="$1" '/ blocks: / { for (i = 1; i < NF; i++) if ($i == k) s += $(i + 1) } END { print s + 0 }' $info; }
sum_free() { awk -v k="$1" '/ free pages: / { for (i = 1; i < NF; i++) if ($i == k) s += $(i + 1) } END { print s + 0 }' $info; }

if ! grep -q '^asi on' $info; then
	for c in $counters; do
		[ "$(vm $c)" -eq 0 ] || { echo "FAIL: $c is $(vm $c) with ASI off"; exit 1; }
	done
	for c in $debug_counters; do
		[ "$(st $c)" -eq 0 ] || { echo "FAIL: $c is $(st $c) with ASI off"; exit 1; }
	done
	[ "$(sum_blocks sensitive)" -eq 0 ] || { echo "FAIL: sensitive blocks with ASI off"; cat $info; exit 1; }
	[ "$(sum_free sensitive)" -eq 0 ] || { echo "FAIL: sensitive free pages with ASI off"; cat $info; exit 1; }
	echo "ok: ASI off, no sensitive block, no flip"
	exit 0
fi

t=/sys/kernel/tracing
[ -d $t/events ] || mount -t tracefs tracefs $t
[ -d $t/events/asi/asi_flip ] || { echo "FAIL: no asi:asi_flip trace event"; exit 1; }
echo 0 >$t/tracing_on; echo >$t/trace; echo 4096 >$t/buffer_size_kb
echo 1 >$t/events/asi/asi_flip/enable; echo 1 >$t/tracing_on
s0=$(vm asi_flip_sensitive); n0=$(vm asi_flip_nonsensitive)
# Most of memory as user memory (sensitive), freed; then 384 MiB of page
# tables (kernel memory), more than stays free and non-sensitive.
memtouch 90 384
procstress 10
s1=$(vm asi_flip_sensitive); n1=$(vm asi_flip_nonsensitive)
echo 0 >$t/tracing_on; echo 0 >$t/events/asi/asi_flip/enable
traced=$(grep -c 'asi_flip: pfn=' $t/trace || true)
lost=$(grep -c 'LOST' $t/trace || true)
echo "flips during the workload: $((s1 - s0)) to sensitive, $((n1 - n0)) to non-sensitive, $traced traced"
echo "flips since boot: $s1 to sensitive, $n1 to non-sensitive," \
	"$(st flip_noblock) without a free block, $(st alloc_fallback) fallbacks," \
	"$(st alloc_noflip) refusals of allocations that could not sleep"
[ "$s1" -gt 0 ] || { echo "FAIL: no block ever flipped to sensitive"; exit 1; }
[ "$n1" -gt 0 ] || { echo "FAIL: no block ever flipped back to non-sensitive"; exit 1; }
[ $((s1 - s0)) -gt 0 ] || { echo "FAIL: touching most of memory flipped nothing"; exit 1; }
[ $((n1 - n0)) -gt 0 ] || { echo "FAIL: page tables after user memory flipped nothing back"; exit 1; }
[ "$lost" -eq 0 ] || { echo "FAIL: trace lost events"; exit 1; }
[ "$traced" -eq $((s1 - s0 + n1 - n0)) ] ||
	{ echo "FAIL: $traced asi_flip events for $((s1 - s0 + n1 - n0)) flips"; exit 1; }

cat $info
mismatched=$(awk '/ blocks: / { s += $NF } END { print s + 0 }' $info)
[ "$mismatched" -eq 0 ] || { echo "FAIL: $mismatched blocks disagree with the restricted map"; exit 1; }
problems=$(head -n1 /sys/kernel/debug/asi/audit)
[ "$problems" -eq 0 ] || { echo "FAIL: auditor reports:"; cat /sys/kernel/debug/asi/audit; exit 1; }

# Exits per read(): a cached tmpfs file, read 4 KiB at a time on one CPU.
# With the ephmap off every read copies from a sensitive page-cache page
# through the direct map, and the return to user mode re-enters, so each
# read exits once.  With it on the reads copy through the ephmap: what
# exits is the exec of taskset and dd (their new memory zeroed and copied
# on write, about 80 exits), not one per read.
f=/tmp/asi-alloc.dat
dd if=/dev/urandom of=$f bs=4k count=2048 2>/dev/null
cat $f >/dev/null
reads=2048
e0=$(vm asi_exit_fault)
taskset 1 dd if=$f of=/dev/null bs=4k count=$reads 2>/dev/null
e1=$(vm asi_exit_fault)
rm -f $f
exits=$((e1 - e0))
echo "read() of a cached file: $exits ASI exits for $reads reads," \
	"$((exits * 100 / reads)) per 100 reads"
if [ $ephmap_on = 1 ]; then
	[ $exits -lt $((reads / 8)) ] ||
		{ echo "FAIL: reads through the ephmap still exit ($exits for $reads)"; exit 1; }
else
	[ $exits -ge $reads ] || { echo "FAIL: fewer exits than reads from sensitive page cache"; exit 1; }
fi
echo "ok: flips both ways, auditor 0, no mismatched block, every read() exits"
