# SPDX-License-Identifier: GPL-2.0
# The ephmap:ephmap_map tracepoint fires once per mapping made in the
# window, with the PMD mappings marked: with the ephmap on the
# microbenchmark makes 514 of them, 130 PMD; with the ephmap off, none.
set -e
. /tests/lib.sh
t=/sys/kernel/tracing
[ -d $t/events ] || mount -t tracefs tracefs $t
[ -d $t/events/ephmap ] || { echo "FAIL: no ephmap trace events"; exit 1; }
ephmap_expect_on
echo 0 >$t/tracing_on
echo >$t/trace
echo 1 >$t/events/ephmap/ephmap_map/enable
echo 1 >$t/tracing_on
run_ephmap_bench
echo 0 >$t/tracing_on
echo 0 >$t/events/ephmap/ephmap_map/enable
ephmap_bench_expect
maps=$(grep -c 'ephmap_map: slot=' $t/trace || true)
pmds=$(grep -c 'ephmap_map: slot=[0-9]* pfn=0x[0-9a-f]* pages=512 pmd$' $t/trace || true)
grep -m2 'ephmap_map:' $t/trace || true
want_maps=$bench_maps want_pmds=$bench_pmds
echo "ephmap_map events: $maps ($pmds pmd), want $want_maps ($want_pmds)"
[ "$maps" -eq $want_maps ] && [ "$pmds" -eq $want_pmds ] || { echo FAIL; exit 1; }
