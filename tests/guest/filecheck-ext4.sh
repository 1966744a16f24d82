# SPDX-License-Identifier: GPL-2.0
# Data written to ext4 on virtio-blk reads back byte for byte, both from the
# page cache and, after dropping it, from the disk.
set -e
filecheck write /mnt/ext4/filecheck.dat 32 11
filecheck verify /mnt/ext4/filecheck.dat 32 11
sync
echo 3 >/proc/sys/vm/drop_caches
cached_kb=$(awk '/^Cached:/ { print $2 }' /proc/meminfo)
echo "page cache after drop: ${cached_kb} kB"
filecheck verify /mnt/ext4/filecheck.dat 32 11
rm /mnt/ext4/filecheck.dat
