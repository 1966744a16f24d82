# SPDX-License-Identifier: GPL-2.0
# An unknown ephmap= value warns, naming it, and leaves the ephmap off.
set -e
grep -q 'ephmap=bogus' /proc/cmdline || { echo "FAIL: booted without ephmap=bogus"; exit 1; }
dmesg | grep 'ephmap: unknown value ephmap=bogus' || { echo "FAIL: no warning naming the value"; exit 1; }
dmesg | grep -q 'ephmap: off' || { echo "FAIL: ephmap not reported off"; exit 1; }
pages=$(cat /sys/kernel/debug/ephmap/pgtable_pages)
[ "$pages" -eq 0 ] || { echo "FAIL: $pages ephmap page-table pages with the ephmap off"; exit 1; }
echo "ok: warned, off, 0 page-table pages"
