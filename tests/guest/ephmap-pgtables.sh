# SPDX-License-Identifier: GPL-2.0
# Every mm has its ephmap page tables while it lives (with ephmap=on; none
# at all with the ephmap off), and fork/exec storms leave the count where
# it was: nothing leaks when mms die.  A CPU may keep the mm of the last
# task it ran loaded until it runs another (lazy TLB), so counts taken at
# two moments may differ by up to one mm per CPU, never more.
set -e
f=/sys/kernel/debug/ephmap/pgtable_pages
[ -r $f ] || { echo "FAIL: $f missing"; exit 1; }
per_mm=$(dmesg | sed -n 's/.*ephmap: on: .* \([0-9][0-9]*\) page-table pages per mm$/\1/p')
cpus=$(grep -c '^processor' /proc/cpuinfo)
before=$(cat $f)
echo "ephmap page-table pages: $before (per mm: ${per_mm:-none, ephmap off}; $cpus CPUs)"
if grep -qw 'ephmap=on' /proc/cmdline && [ -z "$per_mm" ]; then
	echo "FAIL: booted with ephmap=on but the ephmap is not on"
	exit 1
fi
if [ -z "$per_mm" ]; then
	dmesg | grep -q 'ephmap: off' || { echo "FAIL: no ephmap boot message"; exit 1; }
	per_mm=0
	[ "$before" -eq 0 ] || { echo "FAIL: ephmap off but $before pages"; exit 1; }
else
	[ "$before" -gt 0 ] || { echo "FAIL: no pages though processes run"; exit 1; }
	[ $((before % per_mm)) -eq 0 ] || { echo "FAIL: $before is not a multiple of $per_mm"; exit 1; }
fi

# 20 more live processes: 20 more mms' worth, less what lazy TLB held.
pids=
i=0
while [ $i -lt 20 ]; do sleep 30 & pids="$pids $!"; i=$((i + 1)); done
sleep 1
during=$(cat $f)
kill $pids; wait 2>/dev/null || true
echo "with 20 more processes: $during"
[ "$during" -ge $((before + (20 - cpus) * per_mm)) ] ||
	{ echo "FAIL: want >= $((before + (20 - cpus) * per_mm))"; exit 1; }
[ "$during" -le $((before + (20 + cpus) * per_mm)) ] ||
	{ echo "FAIL: want <= $((before + (20 + cpus) * per_mm))"; exit 1; }

procstress 20 >/dev/null
i=0
while [ $i -lt 200 ]; do /bin/true; i=$((i + 1)); done
sleep 1
after=$(cat $f)
echo "after 20 fork/exec rounds and 200 execs: $after"
diff=$((after - before))
[ ${diff#-} -le $((cpus * per_mm)) ] ||
	{ echo "FAIL: $before pages before, $after after: a leak"; exit 1; }
