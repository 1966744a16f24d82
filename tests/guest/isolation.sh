# SPDX-License-Identifier: GPL-2.0
# A process (two threads on two CPUs) reads a secret file through the
# ephmap; the file is truncated and its pages go to another process; then,
# from the first process's mm, every ephmap slot is read without faulting
# on both CPUs, and none may read.  QEMU's TCG keeps a translation until
# the guest invalidates it, as a real TLB may, so this catches a missing
# invalidation, not bookkeeping.  Two controls show the probe would see
# one: right after the reads slots do read, and a round that runs every
# step but the ephmap's release (--control) finds them still readable at
# the end.  A run in which a pageblock flipped (whose flush reaches every
# CPU), or a control run in which the ephmap flushed (its idle ageing),
# proves nothing and is run again.  Needs 3 CPUs (the two readers never leave theirs while the
# truncation and the reuse run on the third) and no debug_pagealloc
# (whose flush on every free reaches every CPU and would hide a leak).
set -e
. /tests/lib.sh
ephmap_expect_on
[ "$ephmap_on" = 1 ] || { echo "FAIL: needs the ephmap on"; exit 1; }
[ "$(nproc)" -ge 3 ] || { echo "FAIL: needs 3 CPUs, has $(nproc)"; exit 1; }
grep -q 'debug_pagealloc=off' /proc/cmdline ||
	{ echo "FAIL: needs debug_pagealloc=off on the command line"; exit 1; }

flips() {
	local a b
	vmstat_get asi_flip_sensitive a
	vmstat_get asi_flip_nonsensitive b
	echo $((a + b))
}

# One run; sets rc, and flipped when a pageblock flip (whose flush
# reaches every CPU, and would hide a leak) made the run inconclusive.
run() {
	local f0 f1
	vmstat_get ephmap_map m0
	f0=$(flips)
	rc=0
	/tests/bin/isolation /tmp/secret.dat 64 0 1 2 "$@" || rc=$?
	f1=$(flips)
	vmstat_get ephmap_map m1
	flipped=$((f1 - f0))
	echo "ephmap_map +$((m1 - m0)), pageblock flips +$flipped"
	[ $((m1 - m0)) -ge 128 ] || { echo "FAIL: the readers made $((m1 - m0)) mappings, want 128 or more"; exit 1; }
}

conclusive=0
for try in 1 2 3; do
	echo "control $try: every step but the ephmap's release"
	run --control
	case $rc in
	0) conclusive=1; break ;;
	1) echo "FAIL: the slots stopped reading without the ephmap's release: something else flushed, and a leak would not show"; exit 1 ;;
	3) ;;
	*) echo "FAIL: the control could not run as meant (exit $rc)"; exit 1 ;;
	esac
done
[ $conclusive = 1 ] || { echo "FAIL: an ephmap flush or a pageblock flip in every control run"; exit 1; }
rounds=0
for try in 1 2 3 4 5 6; do
	echo "round $try"
	run
	case $rc in
	0) ;;
	1) echo "FAIL: a slot still reads after the secret's pages were reused"; exit 1 ;;
	*) echo "FAIL: the test could not run as meant (exit $rc)"; exit 1 ;;
	esac
	[ "$flipped" -eq 0 ] && rounds=$((rounds + 1))
	[ $rounds -lt 3 ] || break
done
[ $rounds -ge 3 ] || { echo "FAIL: $rounds rounds without a pageblock flip, want 3"; exit 1; }
if [ -e /sys/kernel/debug/asi/audit ]; then
	problems=$(head -n1 /sys/kernel/debug/asi/audit)
	[ "$problems" -eq 0 ] || { echo "FAIL: auditor reports $problems"; exit 1; }
fi
echo "ok: no ephmap slot reads on either CPU once the secret's pages were reused"
