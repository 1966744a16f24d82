# SPDX-License-Identifier: GPL-2.0
# Every debugfs file the project adds that takes writes, given garbage,
# out-of-range, huge and hostile values: each is refused with an error and
# leaves what the file shows as it was (asi/exit takes any write by
# design: each write is one ASI exit).  The boot's kernel-log check fails
# the run on any splat.
set -e
. /tests/lib.sh
D=/sys/kernel/debug
fails=0

# A 5000-digit number, a string past every buffer, and bytes that are not
# text.
huge=$(head -c 5000 /dev/zero | tr '\0' 9)
long=$(head -c 70 /dev/zero | tr '\0' a)
binary=$(printf '\377\376\001\002')

# reject FILE VALUE: the write of VALUE (exactly those bytes) must fail.
reject() {
	if printf '%s' "$2" 2>/dev/null >"$1"; then
		echo "FAIL: $1 accepted '$(printf '%s' "$2" | head -c 40)'"
		fails=$((fails + 1))
	fi
}

# The values every numeric file must refuse.
reject_garbage() {
	for v in abc -1 0x 99999999999999999999999 "1 2 3" "$huge" "$binary"; do
		reject "$1" "$v"
	done
	if printf '\n' 2>/dev/null >"$1"; then
		echo "FAIL: $1 accepted an empty line"
		fails=$((fails + 1))
	fi
}

# same FILE BEFORE: what FILE shows is still BEFORE.
same() {
	now=$(cat "$1")
	if [ "$now" != "$2" ]; then
		echo "FAIL: $1 changed after refused writes:"
		printf '%s\n--- now:\n%s\n' "$2" "$now"
		fails=$((fails + 1))
	fi
}

# ephmap/bench and page_alloc_bench: "ITERATIONS [CASE]".
bench_file() { # FILE CASE
	echo "20 $2" >"$1"
	before=$(cat "$1")
	reject_garbage "$1"
	for v in 0 10000001 "5 nosuchcase" "5 $long" "$long"; do
		reject "$1" "$v"
	done
	same "$1" "$before"
	echo "$1: refused every bad value, result kept"
}

if [ -e $D/ephmap/bench ]; then
	bench_file $D/ephmap/bench map_unmap_4k
fi
if [ -e $D/page_alloc_bench ]; then
	bench_file $D/page_alloc_bench kernel_order0
fi

reject_garbage $D/ephmap/drain
echo 1 >$D/ephmap/drain
echo "ephmap/drain: refused every bad value, takes 1"

if grep -q '^enabled: 1$' $D/asi/state; then
	echo 4096 >$D/asi/pfn
	reject_garbage $D/asi/pfn
	# Numbers, but no page frame.
	for v in 0xffffffffffff 18446744073709551615; do
		reject $D/asi/pfn "$v"
	done
	# The page frame asked for stays; its sensitivity may change.
	read -r now _ <$D/asi/pfn
	[ "$now" = pfn=0x1000 ] || { echo "FAIL: asi/pfn shows $now after refused writes"; fails=$((fails + 1)); }
	echo "asi/pfn: refused every bad value, kept $now"

	# Any write is one exit; a huge or binary one too.
	vmstat_get asi_exit_explicit e0
	printf '%s' "$huge" >$D/asi/exit
	printf '%s' "$binary" >$D/asi/exit
	vmstat_get asi_exit_explicit e1
	[ $((e1 - e0)) -ge 2 ] || { echo "FAIL: asi/exit: $((e1 - e0)) exits for 2 writes"; fails=$((fails + 1)); }
	echo "asi/exit: took any write, $((e1 - e0)) exits"
fi

[ "$fails" -eq 0 ] || { echo "FAIL: $fails bad values handled wrongly"; exit 1; }
echo "ok: every bad value refused, no state changed"
