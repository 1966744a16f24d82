# SPDX-License-Identifier: GPL-2.0
# Helpers sourced by guest tests (/tests/lib.sh); not a test itself.

# Runs the ephmap microbenchmark for 64 iterations and sets
# bench_maps/bench_pmds to the window mappings it must have made: 64
# map_unmap_4k + 64 map_unmap_2m + 64 map_copy_unmap_4k + 1
# map_copy_unmap_2m (65 of them PMD), or none with the ephmap off.
# Fails if the kernel was booted with ephmap=on and ran it off.
run_ephmap_bench() {
	echo 64 >/sys/kernel/debug/ephmap/bench
	if grep -q 'ephmap=on' /sys/kernel/debug/ephmap/bench; then
		bench_maps=193 bench_pmds=65
	elif grep -qw 'ephmap=on' /proc/cmdline; then
		echo "FAIL: booted with ephmap=on but the benchmark ran with it off"
		exit 1
	else
		bench_maps=0 bench_pmds=0
	fi
}
