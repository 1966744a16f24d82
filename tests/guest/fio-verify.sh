# SPDX-License-Identifier: GPL-2.0
# fio writes with crc32c verify headers and reads everything back, on tmpfs
# and on ext4; every byte must be read and no verify error reported.
set -e
size_mb=64
for dir in /tmp /mnt/ext4; do
	fio --name=verify --directory=$dir --size=${size_mb}m --bs=4k \
		--rw=randwrite --ioengine=psync --verify=crc32c --do_verify=1 \
		--verify_fatal=1 --randrepeat=1 --output-format=terse \
		--terse-version=3 >/tmp/fio.out
	# terse v3: field 5 is the error, 6 KiB read (the verify pass), 47 KiB written.
	err=$(awk -F';' '{ print $5 }' /tmp/fio.out)
	read_kb=$(awk -F';' '{ print $6 }' /tmp/fio.out)
	write_kb=$(awk -F';' '{ print $47 }' /tmp/fio.out)
	echo "$dir: error=$err written=${write_kb}KiB verified=${read_kb}KiB"
	[ "$err" = 0 ] || { echo "FAIL: fio error $err on $dir"; exit 1; }
	[ "$write_kb" = $((size_mb * 1024)) ] || { echo "FAIL: wrote $write_kb KiB"; exit 1; }
	[ "$read_kb" = $((size_mb * 1024)) ] || { echo "FAIL: verified $read_kb KiB"; exit 1; }
	rm -f $dir/verify.0.0
done
