// SPDX-License-Identifier: GPL-2.0
/*
 * isolation: can a process still read, through the ephmap, a secret it
 * read once the page cache let go of it and another process got its pages?
 *
 *   isolation FILE PAGES CPU_A CPU_B CPU_MAIN [--control]
 *
 * Writes PAGES pages of a secret pattern to FILE (on tmpfs) and finds
 * their page frames (/proc/self/pagemap).  Two threads, pinned to CPU_A
 * and CPU_B, read the whole file with pread() (each 4 KiB read maps a
 * slot of its CPU's ring) and check it, then probe every ephmap slot from
 * their CPU (/sys/kernel/debug/ephmap/probe: a slot that reads is a
 * translation the TLB kept).  Anything that writes CR3 on that CPU in
 * between (an ASI exit in an interrupt, say) empties the TLB and leaves
 * the probe nothing to see, so a thread reads again, up to READ_TRIES
 * times, until a slot reads.  Then they spin in user space, never leaving
 * the mm, while the main thread (on CPU_MAIN) drains the ephmap (it lets
 * go of the pages) and truncates the file, and a child process (on
 * CPU_MAIN, whose free lists then hold the pages) takes memory a little at
 * a time until it holds half the secret's page frames.  Then both threads
 * probe again, at once.
 *
 * Nothing else may flush the readers' TLBs meanwhile, or the test could
 * not see a missing invalidation: the child is spawned without a fork
 * (whose write-protection of this process's memory makes the readers
 * fault, and each fault's zeroed page is an ASI exit), it takes memory
 * in small steps (a pageblock flip flushes every CPU), and the boot runs
 * without debug_pagealloc (which flushes every CPU on each free).
 *
 * With --control the main thread does not drain: the ephmap keeps the
 * pages, the child cannot get them, and every step runs but the release
 * and its invalidation.  Then the slots must still read on both CPUs:
 * the proof that nothing else emptied the readers' TLBs, so that the test
 * proper would see a missing invalidation.  (Checked once on a kernel
 * built with the ephmap's flushes taken out: every slot that read after
 * the reads still read after reuse.)
 *
 * The child is this program again: isolation --reuse PAGES, with the
 * secret's page frames on stdin, sent before the reads.  From the drain
 * to the probe the two processes talk through eventfds (fd 3: start, fd
 * 4: one more than the count found), as a pipe's copies would map through
 * the ephmap, and the release of that mapping flush the readers' CPUs.
 * The child holds its memory until fd 5 closes.
 *
 * Prints one line per reader and the reuse count.  Exits 0 when the pages
 * were reused and no slot read on either CPU afterwards (with --control:
 * when none was reused and slots read on both); 1 on a leak (with
 * --control: when a CPU's slots no longer read); 2 when the test could
 * not run as meant (a read wrong, no page reused, or on a CPU no slot
 * read even right after the reads: the probe would then see nothing
 * either way); with --control, 3 when the ephmap flushed (its idle
 * ageing) or a pageblock flipped between the reads and the probe, which
 * makes the run prove nothing.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>


#define PAGE 4096UL
#define READ_TRIES 8
/* Longest the main thread waits for a reader or the child. */
#define WAIT_MS 120000
/* The child's answer when it could not look. */
#define REUSE_ERROR UINT64_MAX
/* Each reader's stack, populated before it starts. */
#define READER_STACK (256 * 1024UL)
/* The child takes memory this many pages at a time. */
#define REUSE_CHUNK 16UL
/*
 * And no more than this: the truncation leaves the pages at the head of
 * the lists, and more would flip pageblocks, whose flush reaches every
 * CPU.
 */
#define REUSE_MAX (4 * pages)
#define PROBE "/sys/kernel/debug/ephmap/probe"

static const char *path;
static int control;
static unsigned long pages;
static atomic_int phase;	/* 1: threads read, 2: probe again, 3: end */
static atomic_int ready;

struct reader {
	int cpu;
	int bad_reads, tries;
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
		r->before = r->after = -1;
		/* For both of the main thread's waits. */
		atomic_fetch_add(&ready, 2);
		return NULL;
	}
	do {
		r->tries++;
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
		r->before = probe();
	} while (r->before == 0 && r->tries < READ_TRIES);
	close(fd);
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

/*
 * A reader's stack is populated up front: a stack page first touched
 * between the reads and the probes (sscanf() goes deeper than pread())
 * would be a fault, a zeroed page and an ASI exit, whose CR3 write
 * empties the TLB the probe looks into.
 */
static int start_reader(struct reader *r)
{
	pthread_attr_t attr;
	void *stack;
	int ret;

	stack = mmap(NULL, READER_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	ret = pthread_attr_init(&attr) ||
	      pthread_attr_setstack(&attr, stack, READER_STACK) ||
	      pthread_create(&r->thread, &attr, reader, r);
	pthread_attr_destroy(&attr);
	return ret ? -1 : 0;
}

/*
 * Whether the eventfd @fd became readable within WAIT_MS; an end of @hold
 * (a pipe whose writer went away; -1 for none) ends the wait too.
 */
static int wait_fd(int fd, int hold)
{
	struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
				 { .fd = hold, .events = POLLIN } };

	if (poll(pfd, 2, WAIT_MS) <= 0)
		return 0;
	return pfd[0].revents & POLLIN;
}

/* Sum of the lines of @path (name value) named in @names; -1 if unreadable. */
static long sum_counters(const char *path, const char *const *names,
			 unsigned int n)
{
	char name[64];
	long v, sum = 0;
	unsigned int i;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", name, &v) == 2)
		for (i = 0; i < n; i++)
			if (!strcmp(name, names[i]))
				sum += v;
	fclose(f);
	return sum;
}

/*
 * Flushes the ephmap made (its debugfs stats) and pageblocks flipped
 * (/proc/vmstat) so far: in the control, none may happen between the
 * reads and the probe, or a run proves nothing.
 */
static long flush_events(void)
{
	static const char *const flips[] = {
		"asi_flip_sensitive", "asi_flip_nonsensitive",
	};
	static const char *const flushes[] = { "flush_all", "flush_remote" };
	long a = sum_counters("/proc/vmstat", flips, 2);
	long b = sum_counters("/sys/kernel/debug/ephmap/stats", flushes, 2);

	if (a < 0 || (b < 0 && !access("/sys/kernel/debug/ephmap", F_OK)))
		return -1;
	/* Without the ephmap built there is no file and no flush. */
	return a + (b < 0 ? 0 : b);
}

/* Waits for @n readers' steps; 0 after WAIT_MS without them. */
static int wait_ready(int n)
{
	int ms;

	for (ms = 0; atomic_load(&ready) < n; ms++) {
		if (ms >= WAIT_MS)
			return 0;
		usleep(1000);
	}
	return 1;
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
 * The child: once told to start, take memory REUSE_CHUNK pages at a time,
 * up to REUSE_MAX pages, until it holds half the secret's page frames
 * (the truncation freed them to this CPU's lists, which hand out the last
 * freed first).
 */
static int reuse(void)
{
	unsigned long chunks, c, i, found = 0;
	uint64_t pfn[REUSE_CHUNK], *secret, val;
	size_t want = pages * sizeof(*secret), got = 0;
	unsigned char *mem;
	char byte;

	secret = calloc(pages, sizeof(*secret));
	if (!secret)
		return 2;
	while (got < want) {
		ssize_t n = read(0, (char *)secret + got, want - got);

		if (n <= 0)
			return 2;
		got += n;
	}
	if (!wait_fd(3, 5) || read(3, &val, sizeof(val)) != sizeof(val))
		return 2;
	chunks = REUSE_MAX / REUSE_CHUNK;
	for (c = 0; c < chunks && found < pages / 2; c++) {
		mem = mmap(NULL, REUSE_CHUNK * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (mem == MAP_FAILED || frames(mem, REUSE_CHUNK, pfn)) {
			found = (unsigned long)-1;
			break;
		}
		for (i = 0; i < REUSE_CHUNK; i++) {
			mem[i * PAGE] = 0x5a;
			/* @secret is sorted. */
			if (bsearch(&pfn[i], secret, pages, sizeof(*secret),
				    cmp_u64))
				found++;
		}
	}
	val = found == (unsigned long)-1 ? REUSE_ERROR : found + 1;
	if (write(4, &val, sizeof(val)) != sizeof(val))
		return 2;
	while (read(5, &byte, 1) > 0)
		;
	return 0;
}

/* Starts the child on this CPU, with the fds reuse() reads and writes. */
static pid_t spawn_reuse(int pfns, int start, int done, int hold)
{
	char count[32], *argv[] = { "isolation", "--reuse", count, NULL };
	posix_spawn_file_actions_t fa;
	extern char **environ;
	pid_t pid;

	snprintf(count, sizeof(count), "%lu", pages);
	if (posix_spawn_file_actions_init(&fa) ||
	    posix_spawn_file_actions_adddup2(&fa, pfns, 0) ||
	    posix_spawn_file_actions_adddup2(&fa, start, 3) ||
	    posix_spawn_file_actions_adddup2(&fa, done, 4) ||
	    posix_spawn_file_actions_adddup2(&fa, hold, 5) ||
	    posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ))
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

int main(int argc, char **argv)
{
	struct reader r[2] = { { .cpu = -1 }, { .cpu = -1 } };
	int cpu_main, fd, pfns[2], hold[2], start, done, i, status;
	uint64_t val;
	long events;
	unsigned long reused = 0, p, off;
	uint64_t *secret;
	unsigned char *map;
	pid_t child;

	if (argc == 3 && !strcmp(argv[1], "--reuse")) {
		pages = strtoul(argv[2], NULL, 0);
		return reuse();
	}
	control = argc == 7 && !strcmp(argv[6], "--control");
	if (argc != 6 && !control) {
		fprintf(stderr, "usage: isolation FILE PAGES CPU_A CPU_B CPU_MAIN [--control]\n");
		return 2;
	}
	path = argv[1];
	pages = strtoul(argv[2], NULL, 0);
	r[0].cpu = atoi(argv[3]);
	r[1].cpu = atoi(argv[4]);
	cpu_main = atoi(argv[5]);
	pin(cpu_main);

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
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
	/* Close-on-exec: the child must not keep the ends it waits on. */
	start = eventfd(0, EFD_CLOEXEC);
	done = eventfd(0, EFD_CLOEXEC);
	if (pipe2(pfns, O_CLOEXEC) || pipe2(hold, O_CLOEXEC) || start < 0 ||
	    done < 0)
		return 2;
	child = spawn_reuse(pfns[0], start, done, hold[0]);
	if (child < 0) {
		perror("posix_spawn");
		return 2;
	}
	close(pfns[0]);
	close(hold[0]);
	if (write(pfns[1], secret, pages * sizeof(*secret)) !=
	    (ssize_t)(pages * sizeof(*secret)))
		return 2;
	close(pfns[1]);
	/*
	 * This CPU's mappings in this mm (the secret's new pages were
	 * zeroed through the ephmap, the pipe write copied through it) are
	 * let go of now: released later, when the child maps here, their
	 * flush would reach the readers' CPUs.
	 */
	if (drain()) {
		perror("ephmap drain");
		return 2;
	}

	/* The same for what the readers write outside their stacks. */
	atomic_store(&ready, 0);
	atomic_store(&phase, 1);
	for (i = 0; i < 2; i++)
		if (start_reader(&r[i]))
			return 2;
	if (!wait_ready(2)) {
		fprintf(stderr, "the readers did not finish their reads\n");
		return 2;
	}
	events = flush_events();

	/*
	 * The ephmap lets go of the pages once no TLB can hold a
	 * translation: at once on a drain (as migration, CMA and memory
	 * offline make), which leaves the least time for anything else to
	 * flush the readers' TLBs by chance.  Then the truncation, here,
	 * frees them to this CPU's lists, where the child allocates first.
	 */
	if (!control && drain()) {
		perror("ephmap drain");
		return 2;
	}
	if (ftruncate(fd, 0))
		return 2;
	close(fd);

	val = 1;
	if (write(start, &val, sizeof(val)) != sizeof(val) || !wait_fd(done, -1) ||
	    read(done, &val, sizeof(val)) != sizeof(val))
		reused = (unsigned long)-1;
	else
		reused = val == REUSE_ERROR ? (unsigned long)-1 : val - 1;

	/* The pages are someone else's now: probe again. */
	atomic_store(&phase, 2);
	if (!wait_ready(4)) {
		fprintf(stderr, "the readers did not probe again\n");
		return 2;
	}
	events = flush_events() - events;
	atomic_store(&phase, 3);
	for (i = 0; i < 2; i++)
		pthread_join(r[i].thread, NULL);
	close(hold[1]);
	waitpid(child, &status, 0);

	for (i = 0; i < 2; i++)
		printf("cpu %d: %d bad reads; slots that read: %ld after the reads (try %d), %ld after reuse\n",
		       r[i].cpu, r[i].bad_reads, r[i].before, r[i].tries,
		       r[i].after);
	printf("secret pages reused by another process: %ld of %lu\n",
	       (long)reused, pages);
	printf("ephmap flushes and pageblock flips in between: %ld\n", events);
	if (r[0].bad_reads || r[1].bad_reads || reused == (unsigned long)-1)
		return 2;
	if (control) {
		if (reused)
			return 2;
		/* The ephmap's own idle ageing, or a flip: run it again. */
		if (events)
			return 3;
		for (i = 0; i < 2; i++)
			if (r[i].after <= 0)
				return r[i].after < 0 || r[i].before <= 0 ? 2 : 1;
		return 0;
	}
	for (i = 0; i < 2; i++)
		if (r[i].after != 0)
			return r[i].after > 0 ? 1 : 2;
	/* The probe must be able to see a kept translation at all. */
	for (i = 0; i < 2; i++)
		if (r[i].before <= 0) {
			printf("cpu %d: no slot read even right after the reads\n",
			       r[i].cpu);
			return 2;
		}
	return reused ? 0 : 2;
}
