# SPDX-License-Identifier: GPL-2.0
# Page tables follow use.  With the ephmap on, an mm that never maps holds
# no ephmap page table; one process that maps on CPUs 0..k-1 holds
# 2k + 2 pages (2k + 3 with 5-level paging); fork/exec storms that map
# leave nothing behind once every CPU ran a process that does not map (a
# CPU keeps the last mm it ran loaded, lazily, and with it that mm) and
# the ephmap was drained.  With the ephmap off nothing is ever allocated.
# Pipes copy through the ephmap, so this shell's own mm gains tables as it
# reads them on more CPUs: the counts leave it out (others), and are read
# with builtins, which start no process and use no pipe.
set -e
. /tests/lib.sh
f=/sys/kernel/debug/ephmap/pgtable_pages
[ -r $f ] || { echo "FAIL: $f missing"; exit 1; }
cpus=$(grep -c '^processor' /proc/cpuinfo)
ephmap_expect_on
if [ "$ephmap_on" = 0 ]; then
	run_ephmap_bench
	ephmap_bench_expect
	read -r pages <$f
	[ "$pages" -eq 0 ] || { echo "FAIL: ephmap off but $pages pages"; exit 1; }
	echo "ok: ephmap off, 0 page-table pages"
	exit 0
fi

top=2
grep -m1 '^flags' /proc/cpuinfo | grep -qw la57 && ! grep -qw no5lvl /proc/cmdline && top=3
# Page-table pages of every mm but this shell's, in variable $1.
others() {
	read -r others_all <$f
	read -r others_own </sys/kernel/debug/ephmap/mm_pgtable_pages
	eval "$1=$((others_all - others_own))"
}
/tests/bin/ephmap_cpus --visit "$cpus"
echo 1 >/sys/kernel/debug/ephmap/drain
others before
echo "ephmap page-table pages: $before ($cpus CPUs, $top upper tables per mm)"

# Processes that never map cost nothing.
pids=
i=0
while [ $i -lt 20 ]; do sleep 30 & pids="$pids $!"; i=$((i + 1)); done
sleep 1
others during
kill $pids; wait 2>/dev/null || true
echo "with 20 more processes that never map: $during"
# Never more; fewer if an mm that died since (held lazily) was freed.
[ "$during" -le "$before" ] || { echo "FAIL: want at most $before"; exit 1; }

# One process mapping on 1, 2, ... CPUs: two pages per CPU.
/tests/bin/ephmap_cpus "$cpus" | while read -r line; do
	k=${line#cpus=}; k=${k%% *}
	t=${line#*tables=}
	want=$((2 * k + top))
	echo "$line (want $want)"
	[ "$t" -eq "$want" ] || { echo "FAIL: $line, want tables=$want"; exit 1; }
done

procstress 20 >/dev/null
i=0
while [ $i -lt 100 ]; do
	sh -c 'echo "1 map_unmap_4k" >/sys/kernel/debug/ephmap/bench'
	i=$((i + 1))
done
/tests/bin/ephmap_cpus --visit "$cpus"
echo 1 >/sys/kernel/debug/ephmap/drain
sleep 1
others after
echo "after fork/exec rounds and 100 mapping processes, visited and drained: $after"
[ "$after" -le "$before" ] ||
	{ echo "FAIL: $before pages before, $after after: a leak"; exit 1; }
