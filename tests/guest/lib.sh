# SPDX-License-Identifier: GPL-2.0
# Helpers sourced by guest tests (/tests/lib.sh); not a test itself.

# Sets ephmap_on to 1 if the command line asks for the ephmap (ephmap=on,
# or asi=on without ephmap=off or pti=on), else 0; fails if the boot log
# disagrees.
ephmap_expect_on() {
	ephmap_on=0
	if grep -qw 'ephmap=on' /proc/cmdline; then
		ephmap_on=1
	elif grep -qw 'asi=on' /proc/cmdline && ! grep -qw 'ephmap=off' /proc/cmdline &&
	     ! grep -qw 'pti=on' /proc/cmdline && ! grep -qw 'ephmap=bogus' /proc/cmdline; then
		ephmap_on=1
	fi
	if [ $ephmap_on = 1 ]; then
		dmesg | grep -q 'ephmap: on (' || { echo "FAIL: the ephmap should be on"; dmesg | grep 'ephmap:'; exit 1; }
	else
		dmesg | grep -q 'ephmap: off (' || { echo "FAIL: the ephmap should be off"; dmesg | grep 'ephmap:'; exit 1; }
	fi
}

# Prints where page frame $1 is mapped (/sys/kernel/debug/asi/pfn:
# "pfn=X sensitive=S restricted_map=R") after $2, and succeeds if it is
# sensitive and out of the restricted direct map, as file data must be.
asi_pfn_hidden() {
	echo "$1" >/sys/kernel/debug/asi/pfn
	asi_pfn_where=$(cat /sys/kernel/debug/asi/pfn)
	echo "$2$asi_pfn_where"
	case "$asi_pfn_where" in
	*"sensitive=1 restricted_map=0") return 0 ;;
	esac
	return 1
}

# Prints "METHOD EXITS" for each method fileio (tests/guest/src/fileio.c)
# framed in trace file $1 with its window marks: the asi:asi_exit events
# between "fileio window open METHOD" and "fileio window close".
fileio_window_exits() {
	awk '/fileio window open / { m = $NF; n[m] += 0; next }
	     /fileio window close/ { m = ""; next }
	     m != "" && /asi_exit:/ { n[m]++ }
	     END { for (k in n) print k, n[k] }' "$1"
}

# Prints the value of the kernel command-line parameter $1 (NAME=VALUE),
# or $2 when the command line has no NAME=.
cmdline_value() {
	cmdline_v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p")
	echo "${cmdline_v:-$2}"
}

# Sets variable $2 to the value of /proc/vmstat's $1 with shell builtins
# alone: no command substitution, no pipe, no new process.  Pipes copy
# through the ephmap, so a test that counts mappings must make none
# itself while it counts.  $3, if given, is another file of "name value"
# lines to read instead (the debugfs stats files).
vmstat_get() {
	[ -r "${3:-/proc/vmstat}" ] || { echo "FAIL: ${3:-/proc/vmstat} is missing"; exit 1; }
	while read -r vmstat_k vmstat_v; do
		[ "$vmstat_k" = "$1" ] && { eval "$2=\$vmstat_v"; return; }
	done <"${3:-/proc/vmstat}"
	eval "$2="
}

# The debugging counters that are not in /proc/vmstat.
asi_stats=/sys/kernel/debug/asi/stats
alloc_stats=/sys/kernel/debug/page_sensitivity/stats
ephmap_stats=/sys/kernel/debug/ephmap/stats

# Runs the ephmap microbenchmark for 64 iterations with a builtin (so
# that nothing else maps meanwhile: see vmstat_get), then sets
# bench_maps/bench_pmds to the window mappings it must have made: each
# case runs untimed, then timed, so 128 map_unmap_4k + 128
# map_unmap_window_4k + 128 map_unmap_2m + 128 map_copy_unmap_4k + 2
# map_copy_unmap_2m (130 of them PMD), or none with the ephmap off.
# Fails if the ephmap should be on and ran off.  Call ephmap_expect_on
# first, outside any counting.
run_ephmap_bench() {
	echo 64 >/sys/kernel/debug/ephmap/bench
}

# After run_ephmap_bench: what it must have made, from its report.
ephmap_bench_expect() {
	if grep -q 'ephmap=on' /sys/kernel/debug/ephmap/bench; then
		[ $ephmap_on = 1 ] || { echo "FAIL: the benchmark ran with the ephmap on"; exit 1; }
		bench_maps=514 bench_pmds=130
	elif [ $ephmap_on = 1 ]; then
		echo "FAIL: the ephmap should be on but the benchmark ran with it off"
		exit 1
	else
		bench_maps=0 bench_pmds=0
	fi
}
