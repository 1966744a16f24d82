# SPDX-License-Identifier: GPL-2.0
# Runs inside the bench guest: the fio jobs of bench/jobs (in BENCH_JOBS,
# one "NAME DIR FILE SIZE RW BS NUMJOBS ENGINE" per line, which bench/run
# puts before this script), and per job
#   @@bench JOB READ_IOPS WRITE_IOPS READ_KIB WRITE_KIB@@
#   @@events JOB KIB ASI_EXITS ASI_REENTRIES EPHMAP_MAPS FLUSH_ALL FLUSH_REMOTE@@
#   @@json JOB FIO-JSON@@
# the second with what /proc/vmstat and the ephmap's debugfs stats counted
# during the job (exits of both causes; the ephmap's full local flushes
# and CPUs sent a flush IPI), "-" where the kernel has no such counter:
# those of the job
# less those of the same job run for half the time, over the data moved
# less that of the shorter run, so that fio's start and exit (exec, its
# memory's first touch) cancel and the figures are the steady state's;
# the third fio's own JSON report of the timed run, on one line.
# Progress goes to stderr as "bench-progress: JOB (N/M)".
# Each file is laid out and synced first; every job then runs for a fixed
# guest time, buffered and page-cache hot (iodepth 1), as in the recipe
# of the published ASI figures, without fio's map of the blocks
# done (whose pages, touched as the run goes, would be new anonymous memory
# for the kernel to zero all along).  Nothing may reach the disk
# while a job runs (its timing would follow the host, not the guest): the
# page cache is not invalidated between jobs and dirty data is not written
# back during them.
set -e
runtime=${BENCH_RUNTIME:-2}
[ -n "${BENCH_JOBS:-}" ] || { echo "BENCH_JOBS is empty"; exit 1; }
# Whole seconds, at least 2: each job also runs for half of it.
case $runtime in ''|*[!0-9]*|0|1) echo "BENCH_RUNTIME must be 2 or more seconds"; exit 1 ;; esac

mount -o remount,noatime,commit=600 /mnt/ext4
echo 0 >/proc/sys/vm/dirty_writeback_centisecs
echo 90 >/proc/sys/vm/dirty_background_ratio
echo 95 >/proc/sys/vm/dirty_ratio

layout() { # dir file size
	fio --name=layout --directory="$1" --filename="$2" --size="$3" \
		--rw=write --bs=1m --ioengine=psync --end_fsync=1 --eta=never \
		--output=/dev/null
	sync
}

# The counters of an @@events line: flush_all and flush_remote are in
# the ephmap's stats, whose names /proc/vmstat does not use.
ephmap_stats=/sys/kernel/debug/ephmap/stats
[ -r $ephmap_stats ] || ephmap_stats=
events() {
	awk '{ v[$1] = $2 }
	function get(n) { return (n in v) ? v[n] : "-" }
	function sum(a, b) { return (a == "-" || b == "-") ? "-" : a + b }
	END {
		print sum(get("asi_exit_fault"), get("asi_exit_explicit")),
		      get("asi_reenter"), get("ephmap_map"),
		      get("flush_all"), get("flush_remote")
	}' /proc/vmstat $ephmap_stats
}

fio_job() { # job dir file size rw bs numjobs engine [fio options...]
	j_name=$1 j_dir=$2 j_file=$3 j_size=$4 j_rw=$5 j_bs=$6 j_n=$7 j_eng=$8
	shift 8
	fio --name="$j_name" --directory="$j_dir" --filename="$j_file" \
		--size="$j_size" --rw="$j_rw" --bs="$j_bs" --numjobs="$j_n" \
		--ioengine="$j_eng" --iodepth=1 --group_reporting --randrepeat=1 \
		--norandommap --invalidate=0 --eta=never "$@"
}

run() { # job dir file size rw bs numjobs engine
	# The same job for half the time first: what differs between the two
	# runs is the steady state's, without fio's start and exit.
	# The same output in both runs: fio's JSON report touches memory of
	# its own, and a first touch of fio's memory exits ASI.
	before=$(events)
	fio_job "$@" --output-format=terse,json --terse-version=3 --time_based \
		--runtime="$((runtime / 2))" </dev/null >/tmp/fio.both
	after=$(events)
	grep '^3;' /tmp/fio.both >/tmp/fio.half || { echo "no terse line from fio for $1"; exit 1; }
	half=$(echo "$before" "$after" | awk '{
		n = NF / 2
		for (i = 1; i <= n; i++)
			printf "%s ", ($i == "-" ? "-" : $(i + n) - $i)
	}')
	before=$(events)
	fio_job "$@" --output-format=terse,json --terse-version=3 --time_based \
		--runtime="$runtime" </dev/null >/tmp/fio.both
	after=$(events)
	grep '^3;' /tmp/fio.both >/tmp/fio.out || { echo "no terse line from fio for $1"; exit 1; }
	# terse v3: 5 error, 6 read KiB, 8 read IOPS, 47 write KiB, 49 write IOPS
	awk -F';' -v j="$1" '{
		if ($5 != 0) { print "fio error " $5 " in " j; exit 1 }
		printf "@@bench %s %d %d %d %d@@\n", j, $8, $49, $6, $47
	}' /tmp/fio.out
	kib_half=$(awk -F';' '{ print $6 + $47 }' /tmp/fio.half)
	awk -F';' -v j="$1" -v b="$before" -v a="$after" -v h="$half" \
	    -v hk="$kib_half" '{
		n = split(b, x, " "); split(a, y, " "); split(h, z, " ")
		line = sprintf("@@events %s %d", j, $6 + $47 - hk)
		for (i = 1; i <= n; i++)
			line = line " " (x[i] == "-" ? "-" : y[i] - x[i] - z[i])
		print line "@@"
	}' /tmp/fio.out
	printf '@@json %s ' "$1"
	grep -v '^3;' /tmp/fio.both | tr -d '\n\t'
	echo '@@'
	attribute "$@"
}

# With ASI and the ephmap on, every exit left should be attributed: each
# job runs twice more, untimed, for half the time and for the whole time,
# with every asi:asi_exit event traced, and prints one line per task name
# and function that exited,
#   @@exitfn JOB TASK:FUNCTION EXITS_HALF EXITS_FULL@@
# whose difference is the steady state's, as in the events line (which
# counts the same events, but untraced, over the whole system).
# BENCH_ATTRIBUTE=0 leaves this out (bench/run's later repetitions).
tracing=/sys/kernel/tracing
attribute=0
if [ "${BENCH_ATTRIBUTE:-1}" = 1 ] && grep -qw 'asi=on' /proc/cmdline &&
   ! grep -qw 'ephmap=off' /proc/cmdline && ! grep -qw 'pti=on' /proc/cmdline; then
	attribute=1
	[ -d $tracing/events ] || mount -t tracefs tracefs $tracing
	[ -d $tracing/events/asi/asi_exit ] || { echo "no asi:asi_exit trace event"; exit 1; }
	echo 4096 >$tracing/buffer_size_kb
fi

traced_fio() { # out-file seconds job dir file size rw bs numjobs engine
	out=$1 secs=$2 t=$tracing
	shift 2
	echo 0 >$t/tracing_on; echo >$t/trace
	echo 1 >$t/events/asi/asi_exit/enable; echo 1 >$t/tracing_on
	fio_job "$@" --output=/dev/null --time_based --runtime="$secs" </dev/null
	echo 0 >$t/tracing_on; echo 0 >$t/events/asi/asi_exit/enable
	grep -q LOST $t/trace && echo "trace of $1 lost events"
	# "TASK-PID [CPU] ... ip=FUNCTION+OFF/LEN": the task's name, no pid.
	awk '/asi_exit:/ {
		task = $1; sub(/-[0-9]+$/, "", task)
		match($0, /ip=[^ +]*/)
		n[task ":" substr($0, RSTART + 3, RLENGTH - 3)]++
	} END { for (k in n) print k, n[k] }' $t/trace >"$out"
}

attribute() { # job dir file size rw bs numjobs engine
	[ $attribute = 1 ] || return 0
	traced_fio /tmp/exits.half "$((runtime / 2))" "$@"
	traced_fio /tmp/exits.full "$runtime" "$@"
	awk -v j="$1" 'FNR == NR { h[$1] = $2; f[$1] = 0; next } { f[$1] = $2 }
		END { for (k in f) printf "@@exitfn %s %s %d %d@@\n", j, k, h[k], f[k] }' \
		/tmp/exits.half /tmp/exits.full
}

# One line of BENCH_JOBS at a time, split into the positional parameters.
nl='
'
ifs=$IFS
total=$(echo "$BENCH_JOBS" | grep -c .)
# Lay out each file the jobs use, once, before anything is timed.
laid=
set -f
IFS=$nl
for spec in $BENCH_JOBS; do
	IFS=$ifs
	set -- $spec
	case "$laid" in *"|$2/$3|"*) continue ;; esac
	layout "$2" "$3" "$4"
	laid="$laid|$2/$3|"
	IFS=$nl
done
# Let the guest settle after the disk I/O before anything is timed.
sleep 2
n=0
IFS=$nl
for spec in $BENCH_JOBS; do
	IFS=$ifs
	set -- $spec
	n=$((n + 1))
	echo "bench-progress: $1 ($n/$total)"
	run "$@"
	IFS=$nl
done
IFS=$ifs
set +f
# bench/micro.sh, which may follow, takes its own arguments.
set --
