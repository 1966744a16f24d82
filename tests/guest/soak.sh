# SPDX-License-Identifier: GPL-2.0
# Soak: everything at once for soak.seconds= seconds (kernel command line;
# default 60), under whatever the boot runs (make soak: asi=on with the
# ephmap, on the lockdep and the KASAN kernels; a short form in make test):
#   - fio verify (crc32c, two jobs, block sizes 4k to 256k, written and
#     read back) on tmpfs and on ext4, run after run;
#   - racecheck on both: readers, mmap readers and writers, O_DIRECT, a
#     writer, hole punching and truncation of the same file at once;
#   - fileio on tmpfs: sendfile, splice, pipes and every read and write
#     method, every byte checked;
#   - procstress: fork, exec, copy-on-write, pipes and signals;
#   - memtouch: most of available memory taken and given back, which makes
#     reclaim, compaction and pageblock flips both ways;
#   - CPU 1 taken offline and brought back, over and over.
# Pass: every worker passed every round, the ASI auditor reports 0, no
# pageblock is mismatched, and the ephmap's page tables went back to what
# they were once the workers' processes exited.  The boot's kernel-log
# check fails the run on any splat.
set -e
. /tests/lib.sh
secs=$(cmdline_value 'soak\.seconds' 60)
end=$(($(date +%s) + secs))
log=/tmp/soak-log
mkdir -p $log
D=/sys/kernel/debug
asi_on=0
grep -q '^enabled: 1$' $D/asi/state 2>/dev/null && asi_on=1

vm() { sed -n "s/^$1 //p" /proc/vmstat; }
pgtables0=$(cat $D/ephmap/pgtable_pages)
flips0=$(($(vm asi_flip_sensitive) + $(vm asi_flip_nonsensitive)))
exits0=$(($(vm asi_exit_fault) + $(vm asi_exit_explicit)))
maps0=$(vm ephmap_map)

# until_end NAME COMMAND...: runs COMMAND until the deadline; its rounds
# and failures go to $log/NAME.
until_end() {
	name=$1
	shift
	rounds=0 fails=0
	while [ "$(date +%s)" -lt $end ]; do
		if "$@" >>$log/$name.out 2>&1; then
			rounds=$((rounds + 1))
		else
			fails=$((fails + 1))
			echo "round $((rounds + fails)) failed" >>$log/$name.out
		fi
		echo "$((rounds + fails))" >$log/$name.rounds
	done
	echo "$rounds $fails" >$log/$name.result
}

fio_verify() { # DIR
	fio --name=soakfio --directory="$1" --size=24m --numjobs=2 \
		--rw=randwrite --bsrange=4k-256k --verify=crc32c \
		--verify_fatal=1 --do_verify=1 --ioengine=psync \
		--group_reporting --output-format=terse
}

cpu_toggle() {
	c=/sys/devices/system/cpu/cpu1/online
	[ -w $c ] || return 1
	echo 0 >$c
	sleep 1
	echo 1 >$c
	sleep 1
}

# Every 60 s, the rounds each worker ended; past the deadline by more
# than soak.grace= seconds (default 600), which workers are still in a
# round, and every blocked and every running task's stack in the kernel
# log (sysrq w and l), once: what a run that never ends was doing.
grace=$(cmdline_value 'soak\.grace' 600)
progress() {
	while :; do
		sleep 60
		now=$(date +%s)
		line=""
		for w in $workers; do
			line="$line $w=$(cat $log/$w.rounds 2>/dev/null || echo 0)"
		done
		echo "soak: progress at $((now - end + secs)) s:$line"
		if [ "$now" -gt $((end + grace)) ]; then
			running=""
			for w in $workers; do
				[ -e $log/$w.result ] || running="$running $w"
			done
			echo "soak: still running $grace s past the end:$running"
			echo w >/proc/sysrq-trigger
			echo l >/proc/sysrq-trigger
			return
		fi
	done
}
workers="fio-tmpfs fio-ext4 racecheck-tmpfs racecheck-ext4 fileio procstress memtouch cpu-toggle"
progress &
progress_pid=$!

until_end fio-tmpfs fio_verify /tmp &
until_end fio-ext4 fio_verify /mnt/ext4 &
until_end racecheck-tmpfs racecheck /tmp 8 5 &
until_end racecheck-ext4 racecheck /mnt/ext4 8 5 &
until_end fileio fileio /tmp 4 &
until_end procstress procstress 20 &
until_end memtouch memtouch 50 32 &
until_end cpu-toggle cpu_toggle &
for w in $workers; do
	while [ ! -e $log/$w.result ]; do
		sleep 1
	done
done
kill $progress_pid 2>/dev/null || true
wait
[ "$(cat /sys/devices/system/cpu/cpu1/online 2>/dev/null || echo 1)" = 1 ] ||
	echo 1 >/sys/devices/system/cpu/cpu1/online
rm -f /tmp/soakfio.* /mnt/ext4/soakfio.* /tmp/racecheck.dat /mnt/ext4/racecheck.dat /tmp/fileio.dat

fails=0
for r in $log/*.result; do
	name=$(basename "$r" .result)
	read -r rounds failed <"$r"
	echo "soak: $name: $rounds rounds, $failed failed"
	if [ "$failed" -ne 0 ] || [ "$rounds" -eq 0 ]; then
		fails=$((fails + 1))
		tail -n 20 $log/$name.out
	fi
done
read -r fr _ <$log/fio-tmpfs.result
read -r fe _ <$log/fio-ext4.result
# Each fio round writes and verifies 2 jobs of 24 MiB.
echo "soak: $secs s; fio verified $(((fr + fe) * 48)) MiB;" \
	"pageblock flips $(($(vm asi_flip_sensitive) + $(vm asi_flip_nonsensitive) - flips0));" \
	"ASI exits $(($(vm asi_exit_fault) + $(vm asi_exit_explicit) - exits0));" \
	"ephmap maps $(($(vm ephmap_map) - maps0))"
grep -E '^ephmap_fallback ' /proc/vmstat | tr '\n' ' '
[ -r $D/ephmap/stats ] && tr '\n' ' ' <$D/ephmap/stats
echo

if [ $asi_on = 1 ]; then
	problems=$(head -n1 $D/asi/audit)
	echo "soak: auditor $problems"
	[ "$problems" -eq 0 ] || { cat $D/asi/audit; fails=$((fails + 1)); }
	mismatched=$(awk '/ blocks: / { s += $NF } END { print s + 0 }' $D/page_sensitivity/zones)
	echo "soak: mismatched pageblocks $mismatched"
	[ "$mismatched" -eq 0 ] || fails=$((fails + 1))
fi
misuse=$(sed -n 's/^misuse //p' $D/ephmap/stats 2>/dev/null || true)
[ "${misuse:-0}" -eq 0 ] || { echo "FAIL: ephmap misuse $misuse"; fails=$((fails + 1)); }
# Every worker process has exited: their ephmap page tables went with
# their mms (this shell's own may have grown by the CPUs it ran on).
echo 1 >$D/ephmap/drain
pgtables1=$(cat $D/ephmap/pgtable_pages)
read -r own <$D/ephmap/mm_pgtable_pages
echo "soak: ephmap page-table pages $pgtables0 before, $pgtables1 after (this shell's mm: $own)"
[ "$pgtables1" -le $((pgtables0 + own)) ] ||
	{ echo "FAIL: ephmap page tables leaked"; fails=$((fails + 1)); }

[ $fails -eq 0 ] || { echo "FAIL: $fails soak checks failed"; exit 1; }
echo "ok: soak of $secs s passed"
