// SPDX-License-Identifier: GPL-2.0
/*
 * isolation: can a process still read, through the ephmap, a secret it
 * read once the page cache let go of it and another process got its pages?
 *
 *   isolation FILE PAGES CPU_A CPU_B CPU_MAIN CPU_REUSE
 *
 * Writes PAGES pages of a secret pattern to FILE (on tmpfs) and finds
 * their page frames (/proc/self/pagemap).  Two threads, pinned to CPU_A
 * and CPU_B, read the whole file with pread() (each 4 KiB read maps a
 * slot of its CPU's ring) and check it, then probe every ephmap slot from
 * their CPU (/sys/kernel/debug/ephmap/probe: a slot that reads is a
 * translation the TLB kept).  Then they spin in user space, never leaving
 * the mm, while the main thread (on CPU_MAIN) drains the ephmap (it lets
 * go of the pages) and truncates the file, and a child process (on
 * CPU_REUSE, best CPU_MAIN, whose free lists then hold the pages) takes
 * most of free memory and counts the secret's page frames among its own.
 * Then both threads probe again.
 *
 * Prints one line per probe and the reuse count.  Exits 0 when the pages
 * were reused and no slot read on either CPU afterwards; 1 on a leak; 2
 * when the test could not run as meant (no page reused, a read wrong, or
 * no slot read even right after the reads, when the TLB still holds what
 * the reads mapped: the probe would then see nothing either way).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "meminfo.h"

#define PAGE 4096UL
#define PROBE "/sys/kernel/debug/ephmap/probe"

static const char *path;
static unsigned long pages;
static atomic_int phase;	/* 1: threads read, 2: probe again, 3: end */
static atomic_int ready;

struct reader {
	int cpu;
	int bad_reads;
	long before, after;	/* slots that read */
	pthread_t thread;
};

static unsigned char secret_byte(unsigned long page, unsigned long off)
{
	return (unsigned char)(0xa5 ^ (page * 131 + off * 7));
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		exit(2);
	}
}

/* Slots of the ephmap that read from this CPU, or -1. */
static long probe(void)
{
	char line[128];
	long readable = -1, slots;
	int fd = open(PROBE, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	line[n] = '\0';
	if (sscanf(line, "cpu %*d: %ld of %ld", &readable, &slots) != 2)
		return -1;
	return readable;
}

static void *reader(void *arg)
{
	struct reader *r = arg;
	unsigned char buf[PAGE];
	unsigned long p, i;
	int fd;

	pin(r->cpu);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		r->bad_reads = -1;
		return NULL;
	}
	for (p = 0; p < pages; p++) {
		if (pread(fd, buf, PAGE, p * PAGE) != (ssize_t)PAGE) {
			r->bad_reads++;
			continue;
		}
		for (i = 0; i < PAGE; i++)
			if (buf[i] != secret_byte(p, i)) {
				r->bad_reads++;
				break;
			}
	}
	close(fd);
	r->before = probe();
	atomic_fetch_add(&ready, 1);
	/* In user space, in this mm, on this CPU, until asked. */
	while (atomic_load(&phase) < 2)
		;
	r->after = probe();
	atomic_fetch_add(&ready, 1);
	while (atomic_load(&phase) < 3)
		;
	return NULL;
}

static int drain(void)
{
	int fd = open("/sys/kernel/debug/ephmap/drain", O_WRONLY);
	int ret = fd < 0 || write(fd, "1", 1) != 1;

	if (fd >= 0)
		close(fd);
	return ret;
}

/* The page frame behind each page of @map, from pagemap (root only). */
static int frames(void *map, unsigned long n, uint64_t *pfn)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	off_t off = (uintptr_t)map / PAGE * sizeof(*pfn);
	size_t want = n * sizeof(*pfn), got = 0;
	unsigned long i;

	if (fd < 0)
		return -1;
	while (got < want) {
		ssize_t r = pread(fd, (char *)pfn + got, want - got, off + got);

		if (r <= 0) {
			close(fd);
			return -1;
		}
		got += r;
	}
	close(fd);
	for (i = 0; i < n; i++) {
		if (!(pfn[i] & (1ULL << 63)))
			return -1;
		pfn[i] &= (1ULL << 55) - 1;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The child, forked before the reads (a fork write-protects the parent's
 * memory and flushes its TLBs, which would hide what this test looks
 * for): once @go says so, fill most of available memory, and count the
 * secret's page frames among its own pages.  Writes the count to @out,
 * then holds the memory until @hold closes.
 */
static void reuse(int cpu, const uint64_t *secret, int go, int out, int hold)
{
	unsigned long n, i, found = 0;
	unsigned char *mem;
	uint64_t *pfn;
	long kb;
	char c;

	pin(cpu);
	if (read(go, &c, 1) != 1)
		_exit(2);
	kb = mem_available_kb();
	n = kb > 0 ? (unsigned long)kb / 4 * 85 / 100 : 0;
	mem = n ? mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0) :
		  MAP_FAILED;
	pfn = calloc(n ? n : 1, sizeof(*pfn));
	if (mem == MAP_FAILED || !pfn || frames(mem, n, pfn)) {
		found = (unsigned long)-1;
	} else {
		for (i = 0; i < n; i++) {
			mem[i * PAGE] = 0x5a;
			/* @secret is sorted. */
			if (bsearch(&pfn[i], secret, pages, sizeof(*secret),
				    cmp_u64))
				found++;
		}
	}
	if (write(out, &found, sizeof(found)) != sizeof(found))
		_exit(2);
	while (read(hold, &c, 1) > 0)
		;
	_exit(0);
}

int main(int argc, char **argv)
{
	struct reader r[2] = { { .cpu = -1 }, { .cpu = -1 } };
	int cpu_main, cpu_reuse, fd, to_parent[2], hold[2], go[2], i, status;
	unsigned long reused = 0, p, off;
	uint64_t *secret;
	unsigned char *map;
	pid_t child;

	if (argc != 7) {
		fprintf(stderr, "usage: isolation FILE PAGES CPU_A CPU_B CPU_MAIN CPU_REUSE\n");
		return 2;
	}
	path = argv[1];
	pages = strtoul(argv[2], NULL, 0);
	r[0].cpu = atoi(argv[3]);
	r[1].cpu = atoi(argv[4]);
	cpu_main = atoi(argv[5]);
	cpu_reuse = atoi(argv[6]);
	pin(cpu_main);

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, pages * PAGE)) {
		perror(path);
		return 2;
	}
	map = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	secret = calloc(pages, sizeof(*secret));
	if (map == MAP_FAILED || !secret)
		return 2;
	for (p = 0; p < pages; p++)
		for (off = 0; off < PAGE; off++)
			map[p * PAGE + off] = secret_byte(p, off);
	if (frames(map, pages, secret)) {
		fprintf(stderr, "no page frames (not root?)\n");
		return 2;
	}
	munmap(map, pages * PAGE);
	qsort(secret, pages, sizeof(*secret), cmp_u64);
	if (pipe(to_parent) || pipe(hold) || pipe(go))
		return 2;
	child = fork();
	if (child == 0) {
		close(to_parent[0]);
		close(hold[1]);
		close(go[1]);
		reuse(cpu_reuse, secret, go[0], to_parent[1], hold[0]);
	}
	close(to_parent[1]);
	close(hold[0]);
	close(go[0]);

	atomic_store(&phase, 1);
	for (i = 0; i < 2; i++)
		pthread_create(&r[i].thread, NULL, reader, &r[i]);
	while (atomic_load(&ready) < 2)
		usleep(1000);

	/*
	 * The ephmap lets go of the pages once no TLB can hold a
	 * translation: at once on a drain (as migration, CMA and memory
	 * offline make), which leaves the least time for anything else to
	 * flush the readers' TLBs by chance.  Then the truncation, here,
	 * frees them to this CPU's lists, where the child allocates first.
	 */
	if (drain()) {
		perror("ephmap drain");
		return 2;
	}
	if (ftruncate(fd, 0))
		return 2;
	close(fd);

	if (write(go[1], "g", 1) != 1 ||
	    read(to_parent[0], &reused, sizeof(reused)) != sizeof(reused))
		reused = (unsigned long)-1;

	/* The pages are someone else's now: probe again. */
	atomic_store(&phase, 2);
	while (atomic_load(&ready) < 4)
		usleep(1000);
	atomic_store(&phase, 3);
	for (i = 0; i < 2; i++)
		pthread_join(r[i].thread, NULL);
	close(hold[1]);
	waitpid(child, &status, 0);

	for (i = 0; i < 2; i++)
		printf("cpu %d: %d bad reads; slots that read: %ld after the reads, %ld after reuse\n",
		       r[i].cpu, r[i].bad_reads, r[i].before, r[i].after);
	printf("secret pages reused by another process: %ld of %lu\n",
	       (long)reused, pages);
	for (i = 0; i < 2; i++)
		if (r[i].after != 0)
			return r[i].after > 0 ? 1 : 2;
	/* The probe must be able to see a kept translation at all. */
	if (r[0].before <= 0 && r[1].before <= 0) {
		printf("no slot read even right after the reads\n");
		return 2;
	}
	if (r[0].bad_reads || r[1].bad_reads || reused == (unsigned long)-1 ||
	    !reused)
		return 2;
	return 0;
}
