# SPDX-License-Identifier: GPL-2.0
# Runs inside the bench guest: the fio suite, one result line per job,
#   @@bench JOB READ_IOPS WRITE_IOPS READ_KIB WRITE_KIB@@
# Each file is laid out first; every job then runs for a fixed guest time,
# buffered and page-cache hot (psync, iodepth 1, one job), as in the recipe
# of the published ASI figures.
set -e
size=${BENCH_SIZE:-256m}
runtime=${BENCH_RUNTIME:-2}

layout() { # dir file
	fio --name=layout --directory="$1" --filename="$2" --size="$size" \
		--rw=write --bs=1m --ioengine=psync --output=/dev/null
}

run() { # job dir file rw bs
	fio --name="$1" --directory="$2" --filename="$3" --size="$size" \
		--rw="$4" --bs="$5" --ioengine=psync --iodepth=1 --numjobs=1 \
		--randrepeat=1 --time_based --runtime="$runtime" \
		--output-format=terse --terse-version=3 >/tmp/fio.out
	# terse v3: 5 error, 6 read KiB, 8 read IOPS, 47 write KiB, 49 write IOPS
	awk -F';' -v j="$1" '{
		if ($5 != 0) { print "fio error " $5 " in " j; exit 1 }
		printf "@@bench %s %d %d %d %d@@\n", j, $8, $49, $6, $47
	}' /tmp/fio.out
}

layout /tmp bench.dat
layout /mnt/ext4 bench.dat
run tmpfs-randread-4k /tmp bench.dat randread 4k
run tmpfs-randread-64k /tmp bench.dat randread 64k
run tmpfs-read-1m /tmp bench.dat read 1m
run tmpfs-randwrite-4k /tmp bench.dat randwrite 4k
run ext4-randread-4k /mnt/ext4 bench.dat randread 4k
run ext4-randwrite-4k /mnt/ext4 bench.dat randwrite 4k
