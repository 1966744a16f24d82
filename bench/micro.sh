# SPDX-License-Identifier: GPL-2.0
# Runs inside the bench guest: the ephmap microbenchmark, one line per case,
#   @@micro CASE NS_PER_OP MB_PER_S@@
# then the page allocator's,
#   @@alloc CASE NS_PER_PAGE FLIPS@@
set -e
iters=${1:-20000}
echo "$iters" >/sys/kernel/debug/ephmap/bench
awk '$2 ~ /^ns=/ {
	split($2, a, "="); split($3, b, "=")
	printf "@@micro %s %s %s@@\n", $1, a[2], b[2]
}' /sys/kernel/debug/ephmap/bench
echo "$iters" >/sys/kernel/debug/page_alloc_bench
awk '$2 ~ /^ns=/ {
	split($2, a, "="); split($3, b, "=")
	printf "@@alloc %s %s %s@@\n", $1, a[2], b[2]
}' /sys/kernel/debug/page_alloc_bench
