# SPDX-License-Identifier: GPL-2.0
# mmap I/O, O_DIRECT, truncation and hole punching racing with readers and
# writers return correct data (tests/guest/src/racecheck.c: every byte
# read is the file's pattern or a zero of a hole or a cut-off part), on
# tmpfs and on ext4 (virtio-blk).  With ASI on (asi=on without pti=on),
# the ASI auditor reports 0 problems after each filesystem's run.
set -e
asi_on=0
if grep -qw 'asi=on' /proc/cmdline && ! grep -qw 'pti=on' /proc/cmdline; then
	asi_on=1
fi
audit=/sys/kernel/debug/asi/audit
for dir in /tmp /mnt/ext4; do
	fs=$(awk -v d=$dir '$2 == d { print $3 }' /proc/mounts)
	[ -n "$fs" ] || { echo "FAIL: nothing mounted on $dir"; exit 1; }
	rc=0
	out=$(racecheck $dir 8 3 2>&1) || rc=$?
	echo "$out"
	rm -f $dir/racecheck.dat
	[ $rc = 0 ] || { echo "FAIL: racecheck on $fs ($dir) exited $rc"; exit 1; }
	echo "$out" | grep -q "^racecheck $dir: reads=[1-9]" ||
		{ echo "FAIL: racecheck on $fs ($dir) read nothing"; exit 1; }
	if [ $asi_on = 1 ]; then
		[ -r $audit ] || { echo "FAIL: ASI on but no $audit"; exit 1; }
		problems=$(head -n1 $audit)
		echo "$fs: ASI auditor problems after racecheck: $problems"
		[ "$problems" -eq 0 ] || { echo "FAIL: auditor reports after racecheck on $fs:"; cat $audit; exit 1; }
	fi
done
