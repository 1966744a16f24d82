# SPDX-License-Identifier: GPL-2.0
# Every system call that copies cached file data to or from user memory
# (tests/guest/src/fileio.c), on tmpfs, on ext4 (virtio-blk) and, for
# reads, on hugetlbfs (whose pages must be out of the restricted direct
# map, as every file's data, boot-reserved pool or not): the data
# checked byte for byte, and the ASI exits each method cost printed per
# call and per GiB.  Without ASI no exit at all.  With asi=on and the
# ephmap off, at least one per round trip of data, as every copy goes
# through the direct map.  With the ephmap on, none of its own (the
# asi:asi_exit events of the fileio process between the method's window
# marks) for the methods whose copies go through it, and at least one
# ephmap mapping per round trip: every read method, pipes, sendfile and
# splice, and on tmpfs every write method.  ext4
# writes also touch the filesystem's metadata, which is sensitive: their
# exits are printed by function, not bounded.
set -e
. /tests/lib.sh
ephmap_expect_on
asi_on=0
if grep -qw 'asi=on' /proc/cmdline && ! grep -qw 'pti=on' /proc/cmdline; then
	asi_on=1
fi
reads="read read64k pread readv preadv2 io_uring"
writes="write write64k pwrite writev partial append"
# Each of these calls moves its data in two copies (into the pipe, out).
two_calls="sendfile splice pipe"

t=/sys/kernel/tracing
[ -d $t/events ] || mount -t tracefs tracefs $t
[ -d $t/events/asi/asi_exit ] || { echo "FAIL: no asi:asi_exit trace event"; exit 1; }
echo 16384 >$t/buffer_size_kb

# hugetlbfs: the pool the command line reserved (hugepages=), or pages
# allocated now; an 8 MiB file takes four.
[ "$(cat /proc/sys/vm/nr_hugepages)" -ge 4 ] || echo 8 >/proc/sys/vm/nr_hugepages
[ "$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)" -ge 4 ] ||
	{ echo "FAIL: no 4 free huge pages"; grep -i huge /proc/meminfo; exit 1; }
mkdir -p /mnt/huge
mount -t hugetlbfs none /mnt/huge

fail=0
for dir in /tmp /mnt/ext4 /mnt/huge; do
	fs=$(awk -v d=$dir '$2 == d { print $3 }' /proc/mounts)
	[ -n "$fs" ] || { echo "FAIL: nothing mounted on $dir"; exit 1; }
	# Trace the exits of fileio and its threads alone (set_event_pid, set
	# by the shell that becomes fileio; event-fork adds the io_uring
	# workers it starts).
	echo 1 >$t/options/event-fork
	echo 0 >$t/tracing_on; echo >$t/trace
	echo 1 >$t/events/asi/asi_exit/enable; echo 1 >$t/tracing_on
	out=$(sh -c "echo \$\$ >$t/set_event_pid; exec fileio $dir 8") ||
		{ echo "$out"; echo "FAIL: fileio on $fs"; exit 1; }
	echo 0 >$t/tracing_on; echo 0 >$t/events/asi/asi_exit/enable
	echo >$t/set_event_pid; echo 0 >$t/options/event-fork
	[ "$fs" = hugetlbfs ] || grep -q 'fileio window open pipe$' $t/trace ||
		{ echo "FAIL: fileio did not run every method on $fs"; exit 1; }
	grep -q 'LOST' $t/trace && { echo "FAIL: the trace lost events"; exit 1; }
	grep -q 'fileio window open read$' $t/trace || { echo "FAIL: no window marks in the trace"; exit 1; }
	# "METHOD COUNT" of fileio's own exits; "METHOD FUNCTION" per exit.
	fileio_window_exits $t/trace >/tmp/fileio-own
	awk '/fileio window open / { m = $NF; next } /fileio window close/ { m = ""; next }
	     m != "" && /asi_exit:/ { match($0, /ip=[^ +]*/); print m, substr($0, RSTART + 3, RLENGTH - 3) }' \
		$t/trace | sort | uniq -c | sort -rn >/tmp/fileio-ips
	echo "$out" | grep '^method=' | while read -r line; do
		m=$(echo "$line" | sed -n 's/^method=\([^ ]*\) .*/\1/p')
		own=$(awk -v m="$m" '$1 == m { print $2 }' /tmp/fileio-own)
		echo "$fs: $line own_exits=${own:-0}"
	done
	[ -s /tmp/fileio-ips ] && { echo "$fs: fileio's exits by method and function:"; sed 's/^/  /' /tmp/fileio-ips; }
	covered="$reads $two_calls"
	[ "$fs" = tmpfs ] && covered="$covered $writes"
	if [ "$fs" = hugetlbfs ]; then
		covered=$reads
		# The file's huge pages are sensitive: out of the restricted
		# direct map, as every other file's data.
		pages=$(echo "$out" | grep -c '^hugepage=.* present=1$' || true)
		[ "$pages" -eq 4 ] || { echo "FAIL: $pages of 4 huge pages present"; fail=1; }
		for pfn in $(echo "$out" | sed -n 's/^hugepage=.* pfn=\([^ ]*\) .*/\1/p'); do
			[ $asi_on = 1 ] || break
			asi_pfn_hidden $pfn "hugetlbfs: " ||
				{ echo "FAIL: a hugetlbfs page is in the restricted direct map"; fail=1; }
		done
	fi
	for m in $reads $writes $two_calls; do
		line=$(echo "$out" | grep "^method=$m ") || continue
		calls=$(echo "$line" | sed 's/.* calls=\([0-9]*\) .*/\1/')
		exits=$(echo "$line" | sed 's/.* exits=\([0-9]*\) .*/\1/')
		maps=$(echo "$line" | sed 's/.* maps=\([0-9]*\) .*/\1/')
		own=$(awk -v m="$m" '$1 == m { print $2 }' /tmp/fileio-own)
		own=${own:-0}
		rounds=$calls
		case " $two_calls " in *" $m "*) rounds=$((calls / 2)) ;; esac
		# io_uring may copy in its io-wq threads, which the trace does
		# not follow, and which stay unrestricted once they exited (they
		# never return to user mode): with the ephmap off its copies
		# exit a few times, not once each.
		want_off=$rounds
		[ $m = io_uring ] && [ $ephmap_on = 0 ] && { own=$exits; want_off=1; }
		if [ $ephmap_on = 1 ]; then
			case " $covered " in
			*" $m "*)
				[ "$maps" -ge "$rounds" ] ||
					{ echo "FAIL: $fs $m: $maps ephmap mappings for $rounds round trips"; fail=1; } ;;
			esac
		else
			[ "$maps" -eq 0 ] || { echo "FAIL: $fs $m: $maps mappings with the ephmap off"; fail=1; }
		fi
		if [ $asi_on = 0 ]; then
			[ "$exits" -eq 0 ] || { echo "FAIL: $fs $m: $exits exits without ASI"; fail=1; }
		elif [ $ephmap_on = 0 ]; then
			[ "$own" -ge "$want_off" ] ||
				{ echo "FAIL: $fs $m: $own exits for $rounds round trips with the ephmap off"; fail=1; }
		else
			case " $covered " in
			*" $m "*)
				[ "$own" -eq 0 ] ||
					{ echo "FAIL: $fs $m: $own exits through the ephmap, want 0"; fail=1; } ;;
			esac
		fi
	done
done
umount /mnt/huge
# The copies the helpers left on the direct map on purpose, by reason.
d=/sys/kernel/debug/filemap_asi/direct
[ -r $d ] && { echo "filemap_asi direct copies:"; sed 's/^/  /' $d; }
[ $fail = 0 ]
