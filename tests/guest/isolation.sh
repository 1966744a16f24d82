# SPDX-License-Identifier: GPL-2.0
# A process (two threads on two CPUs) reads a secret file through the
# ephmap; the file is truncated and its pages go to another process; then,
# from the first process's mm, every ephmap slot is read without faulting
# on both CPUs, and none may read.  QEMU's TCG keeps a translation until
# the guest invalidates it, as a real TLB may, so this catches a missing
# invalidation, not bookkeeping (right after the reads, slots do read:
# the probe sees what a TLB kept).  Needs 3 CPUs: the two readers never
# leave their CPUs while the truncation and the reuse run on the third.
set -e
. /tests/lib.sh
ephmap_expect_on
[ "$ephmap_on" = 1 ] || { echo "FAIL: needs the ephmap on"; exit 1; }
[ "$(nproc)" -ge 3 ] || { echo "FAIL: needs 3 CPUs, has $(nproc)"; exit 1; }
vmstat_get ephmap_map m0
rc=0
/tests/bin/isolation /tmp/secret.dat 64 0 1 2 2 || rc=$?
vmstat_get ephmap_map m1
echo "ephmap_map +$((m1 - m0))"
[ $((m1 - m0)) -ge 128 ] || { echo "FAIL: the readers made $((m1 - m0)) mappings, want 128 or more"; exit 1; }
case $rc in
0) ;;
1) echo "FAIL: a slot still reads after the secret's pages were reused"; exit 1 ;;
*) echo "FAIL: the test could not run as meant (exit $rc)"; exit 1 ;;
esac
if [ -e /sys/kernel/debug/asi/audit ]; then
	problems=$(head -n1 /sys/kernel/debug/asi/audit)
	[ "$problems" -eq 0 ] || { echo "FAIL: auditor reports $problems"; exit 1; }
fi
echo "ok: no ephmap slot reads on either CPU once the secret's pages were reused"
