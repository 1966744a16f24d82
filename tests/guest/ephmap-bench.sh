# SPDX-License-Identifier: GPL-2.0
# The ephmap microbenchmark runs in this process's mm: with the ephmap on its
# maps go through the window (ephmap_map moves by what it did), off they
# do not; every case reports a time.
set -e
. /tests/lib.sh
ephmap_expect_on
vmstat_get ephmap_map map0
vmstat_get map_pmd pmd0 $ephmap_stats
run_ephmap_bench
vmstat_get ephmap_map map1
vmstat_get map_pmd pmd1 $ephmap_stats
ephmap_bench_expect
cat /sys/kernel/debug/ephmap/bench
cases=$(grep -c ' ns=[1-9][0-9]* ' /sys/kernel/debug/ephmap/bench)
[ "$cases" -eq 7 ] || { echo "FAIL: $cases of 7 cases report a time"; exit 1; }
want_map=$bench_maps want_pmd=$bench_pmds
[ $((map1 - map0)) -eq $want_map ] || { echo "FAIL: ephmap_map +$((map1 - map0)), want +$want_map"; exit 1; }
[ $((pmd1 - pmd0)) -eq $want_pmd ] || { echo "FAIL: map_pmd (ephmap/stats) +$((pmd1 - pmd0)), want +$want_pmd"; exit 1; }
echo "ok: ephmap_map +$want_map, map_pmd +$want_pmd"
