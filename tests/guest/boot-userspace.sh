# SPDX-License-Identifier: GPL-2.0
# The guest booted the kernel we built, with every vCPU online, and its
# basic userspace works.
set -e
release=$(uname -r)
paging=4-level
grep -qw la57 /proc/cpuinfo && paging=5-level
echo "kernel $release, $(nproc) CPUs online, $paging paging"
case $release in 6.12.*) ;; *) echo "FAIL: not a 6.12 kernel"; exit 1 ;; esac
cpus=$(grep -c '^processor' /proc/cpuinfo)
[ "$cpus" -ge 2 ] || { echo "FAIL: $cpus CPUs, want >= 2"; exit 1; }
[ "$(cat /sys/devices/system/cpu/online)" = "0-$((cpus - 1))" ] ||
	{ echo "FAIL: online CPUs $(cat /sys/devices/system/cpu/online)"; exit 1; }
grep -q ' /tmp tmpfs ' /proc/mounts || { echo "FAIL: /tmp is not tmpfs"; exit 1; }
grep -q ' /mnt/ext4 ext4 ' /proc/mounts || { echo "FAIL: /mnt/ext4 is not ext4"; exit 1; }
# A pipeline through several busybox applets computes what it should.
sum=$(seq 1 1000 | awk '{ s += $1 } END { print s }')
[ "$sum" = 500500 ] || { echo "FAIL: seq|awk gave $sum"; exit 1; }
echo "ok"
