// SPDX-License-Identifier: GPL-2.0
/*
 * memtouch: allocate and touch most of the memory available, then make
 * the kernel allocate page tables.
 *
 *   memtouch PERCENT [PT_MIB]
 *
 * Maps PERCENT % of MemAvailable as anonymous memory, writes every page's
 * index into it, reads every page back, and unmaps it.  Then, given
 * PT_MIB, touches one page every 2 MiB of a sparse mapping so that the
 * kernel allocates about PT_MIB MiB of page-table pages, and checks those
 * pages too.  Exits 0 when every page held its own index.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "meminfo.h"

/*
 * Writes its index into each of @n pages @stride apart; returns how many
 * did not read it back.
 */
static size_t touch_and_check(unsigned char *buf, size_t n, size_t stride)
{
	size_t i, v, bad = 0;

	for (i = 0; i < n; i++)
		memcpy(buf + i * stride, &i, sizeof(i));
	for (i = 0; i < n; i++) {
		memcpy(&v, buf + i * stride, sizeof(v));
		bad += v != i;
	}
	return bad;
}

int main(int argc, char **argv)
{
	long percent = argc > 1 ? atol(argv[1]) : 0;
	long page = sysconf(_SC_PAGESIZE);
	long avail = mem_available_kb();
	size_t len, npages, bad;
	unsigned char *buf;

	if (percent <= 0 || percent > 95 || avail <= 0) {
		fprintf(stderr, "usage: memtouch PERCENT (1-95); MemAvailable %ld kB\n",
			avail);
		return 2;
	}
	len = (size_t)avail * 1024 / 100 * percent;
	len -= len % page;
	npages = len / page;
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	bad = touch_and_check(buf, npages, page);
	munmap(buf, len);
	printf("memtouch: %zu MiB touched, %zu pages wrong\n", len >> 20, bad);

	if (argc > 2 && atol(argv[2]) > 0) {
		/* One page-table page per 2 MiB touched. */
		size_t stride = 2UL << 20, nr = (size_t)atol(argv[2]) * 256;

		len = nr * stride;
		buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (buf == MAP_FAILED) {
			perror("mmap sparse");
			return 1;
		}
		/* A 4 KiB page per touch, not a 2 MiB THP. */
		if (madvise(buf, len, MADV_NOHUGEPAGE)) {
			perror("madvise");
			return 1;
		}
		bad += touch_and_check(buf, nr, stride);
		munmap(buf, len);
		printf("memtouch: %zu pages 2 MiB apart touched, %zu wrong\n",
		       nr, bad);
	}
	return bad ? 1 : 0;
}
