// SPDX-License-Identifier: GPL-2.0
/*
 * racecheck: reads of a file racing with writes, hole punching and
 * truncation must return the file's data or zeros, never anything else.
 *
 *   racecheck DIR MIB SECONDS
 *
 * Creates DIR/racecheck.dat of MIB MiB whose byte at offset o is
 * pattern(o), never 0, then for SECONDS seconds runs, each in its own
 * thread:
 *
 *   reader0, reader1  pread() (and now and then readv() with two iovecs)
 *                     of 1..65536 bytes at random offsets;
 *   mmap              random runs of bytes of a MAP_SHARED mapping of the
 *                     file's first half;
 *   direct            4096-aligned O_DIRECT pread()s within the second
 *                     half (skipped, saying so, where O_DIRECT does not
 *                     work).  Not the first half: direct I/O is not
 *                     serialised against writes through a mapping, and a
 *                     direct read that meets the delayed allocation a
 *                     page_mkwrite() just made fails with EIO by design
 *                     (fs/iomap/direct-io.c, IOMAP_DELALLOC);
 *   writer            pwrite() of pattern bytes at random offsets, up to
 *                     64 KiB, now and then 100 bytes at an odd offset, and
 *                     memcpy() of pattern bytes into a second MAP_SHARED
 *                     mapping of the first half;
 *   hole              fallocate(PUNCH_HOLE | KEEP_SIZE) of random
 *                     page-aligned ranges (skipped, saying so, where not
 *                     supported) and, now and then, ftruncate() to a random
 *                     size between half and full, then back to full.
 *
 * Every byte the readers get must be pattern(o) or 0 (a punched hole, or
 * the part of the file a truncation cut off and the extension brought
 * back as zeros).  The file never shrinks below half its size, so the
 * mappings of the first half never fault past the end of the file.
 *
 * Prints the first mismatch as
 *   FAIL: THREAD: byte at OFFSET reads 0xXX, want 0xYY or 0
 * and at the end one line
 *   racecheck DIR: reads=N mmap_checks=N direct_reads=N writes=N punches=N truncates=N bytes_checked=N
 * Exits 0 when every byte matched, 1 on a mismatch, 2 on a usage,
 * set-up or system-call error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define PAGE	4096
#define BIG	65536

static const char *dir;
static char path[4096];
static int fd;			/* O_RDWR, shared by every thread */
static uint64_t full, half;	/* the file's full size and its half */
static volatile unsigned char *rmap;	/* the mmap reader's mapping */
static unsigned char *wmap;		/* the writer's mapping */

static int stop;		/* set when the time is up or on an error */
static int mismatched;		/* set by the first mismatch, which prints */
static int errored;		/* set by a failed system call */

static unsigned char pattern(uint64_t o)
{
	return (unsigned char)(((o * 2654435761u) >> 13) | 1);
}

static void fill(unsigned char *p, uint64_t off, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pattern(off + i);
}

static int stopped(void)
{
	return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

struct thr {
	const char *name;
	void *(*fn)(void *);
	pthread_t t;
	uint64_t rng;
	uint64_t ops, ops2;	/* operations (ops2: truncations) */
	uint64_t bytes;		/* bytes checked */
};

static uint64_t rnd(struct thr *t)
{
	uint64_t x = t->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	t->rng = x;
	return x;
}

/* A random number in [lo, hi]. */
static uint64_t between(struct thr *t, uint64_t lo, uint64_t hi)
{
	return lo + rnd(t) % (hi - lo + 1);
}

static void syscall_failed(struct thr *t, const char *what)
{
	fprintf(stderr, "racecheck: %s: %s: %s\n", t->name, what, strerror(errno));
	__atomic_store_n(&errored, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
}

static void mismatch(struct thr *t, uint64_t off, unsigned char got)
{
	if (__atomic_exchange_n(&mismatched, 1, __ATOMIC_RELAXED))
		return;
	printf("FAIL: %s: byte at %llu reads 0x%02x, want 0x%02x or 0\n",
	       t->name, (unsigned long long)off, got, pattern(off));
	fflush(stdout);
}

/* Checks len bytes read from offset off; 1 on a mismatch. */
static int check(struct thr *t, const unsigned char *got, uint64_t off, size_t len)
{
	t->bytes += len;
	for (size_t i = 0; i < len; i++) {
		if (got[i] && got[i] != pattern(off + i)) {
			mismatch(t, off + i, got[i]);
			return 1;
		}
	}
	return 0;
}

static void *reader(void *arg)
{
	struct thr *t = arg;
	unsigned char *buf = malloc(BIG);
	/* Its own open file, whose position readv() alone moves. */
	int rfd = open(path, O_RDONLY);

	if (!buf || rfd < 0) {
		syscall_failed(t, !buf ? "malloc" : "open");
		free(buf);
		if (rfd >= 0)
			close(rfd);
		return NULL;
	}
	while (!stopped()) {
		uint64_t off = between(t, 0, full - 1);
		size_t len = between(t, 1, BIG);
		ssize_t n;

		if (rnd(t) % 8 == 0) {
			size_t first = len > 1 ? between(t, 1, len - 1) : len;
			struct iovec iov[2] = {
				{ buf, first },
				{ buf + first, len - first },
			};

			if (lseek(rfd, off, SEEK_SET) < 0) {
				syscall_failed(t, "lseek");
				break;
			}
			n = readv(rfd, iov, len > first ? 2 : 1);
			if (n < 0) {
				syscall_failed(t, "readv");
				break;
			}
		} else {
			n = pread(rfd, buf, len, off);
			if (n < 0) {
				syscall_failed(t, "pread");
				break;
			}
		}
		t->ops++;
		check(t, buf, off, n);
	}
	free(buf);
	close(rfd);
	return NULL;
}

static void *mmap_reader(void *arg)
{
	struct thr *t = arg;

	while (!stopped()) {
		uint64_t off = between(t, 0, half - 1);
		uint64_t len = between(t, 1, PAGE);

		if (len > half - off)
			len = half - off;
		t->bytes += len;
		for (uint64_t i = 0; i < len; i++) {
			unsigned char b = rmap[off + i];

			if (b && b != pattern(off + i)) {
				mismatch(t, off + i, b);
				break;
			}
		}
		t->ops++;
	}
	return NULL;
}

static void *direct_reader(void *arg)
{
	struct thr *t = arg;
	unsigned char *buf;
	int dfd = open(path, O_RDONLY | O_DIRECT);

	if (dfd < 0) {
		printf("racecheck %s: O_DIRECT open: %s, direct reader skipped\n",
		       dir, strerror(errno));
		return NULL;
	}
	if (posix_memalign((void **)&buf, PAGE, BIG)) {
		close(dfd);
		syscall_failed(t, "posix_memalign");
		return NULL;
	}
	while (!stopped()) {
		uint64_t off = between(t, half / PAGE, full / PAGE - 1) * PAGE;
		uint64_t len = between(t, 1, BIG / PAGE) * PAGE;
		ssize_t n;

		/* A truncation may cut the read short; check() takes n. */
		if (len > full - off)
			len = full - off;
		n = pread(dfd, buf, len, off);
		if (n < 0 && errno == EINVAL && !t->ops) {
			printf("racecheck %s: O_DIRECT pread: %s, direct reader skipped\n",
			       dir, strerror(errno));
			break;
		}
		if (n < 0) {
			syscall_failed(t, "O_DIRECT pread");
			break;
		}
		t->ops++;
		check(t, buf, off, n);
	}
	free(buf);
	close(dfd);
	return NULL;
}

static void *writer(void *arg)
{
	struct thr *t = arg;
	unsigned char *buf = malloc(BIG);

	if (!buf) {
		syscall_failed(t, "malloc");
		return NULL;
	}
	while (!stopped()) {
		unsigned int what = rnd(t) % 8;
		uint64_t off, len;

		if (what < 2) {
			/* Through the shared mapping of the first half. */
			off = between(t, 0, half - 1);
			len = between(t, 1, 16384);
			if (len > half - off)
				len = half - off;
			fill(buf, off, len);
			memcpy(wmap + off, buf, len);
		} else {
			if (what == 2) {
				/* 100 bytes at an odd offset. */
				len = 100;
				off = between(t, 0, (full - len) / 2 - 1) * 2 + 1;
			} else {
				off = between(t, 0, full - 1);
				len = between(t, 1, BIG);
				if (len > full - off)
					len = full - off;
			}
			fill(buf, off, len);
			if (pwrite(fd, buf, len, off) < 0) {
				syscall_failed(t, "pwrite");
				break;
			}
		}
		t->ops++;
	}
	free(buf);
	return NULL;
}

static void *hole(void *arg)
{
	struct thr *t = arg;
	int can_punch = 1;
	const struct timespec pause = { 0, 1000000 };

	while (!stopped()) {
		if (rnd(t) % 8 == 0 || !can_punch) {
			uint64_t size = between(t, half, full);

			if (ftruncate(fd, size)) {
				syscall_failed(t, "ftruncate down");
				break;
			}
			sched_yield();
			if (ftruncate(fd, full)) {
				syscall_failed(t, "ftruncate up");
				break;
			}
			t->ops2++;
		} else {
			uint64_t off = between(t, 0, full / PAGE - 1) * PAGE;
			uint64_t len = between(t, 1, 16) * PAGE;

			if (len > full - off)
				len = full - off;
			if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      off, len)) {
				if (errno != EOPNOTSUPP) {
					syscall_failed(t, "fallocate punch hole");
					break;
				}
				printf("racecheck %s: punching holes: %s, truncating only\n",
				       dir, strerror(errno));
				can_punch = 0;
				continue;
			}
			t->ops++;
		}
		nanosleep(&pause, NULL);
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void setup_die(const char *what)
{
	fprintf(stderr, "racecheck: %s: %s\n", what, strerror(errno));
	exit(2);
}

enum { READER0, READER1, MMAP, DIRECT, WRITER, HOLE, NTHR };

int main(int argc, char **argv)
{
	static struct thr thr[NTHR] = {
		[READER0] = { "reader0", reader },
		[READER1] = { "reader1", reader },
		[MMAP] = { "mmap", mmap_reader },
		[DIRECT] = { "direct", direct_reader },
		[WRITER] = { "writer", writer },
		[HOLE] = { "hole", hole },
	};
	struct timespec tick = { 0, 20000000 };
	unsigned char *buf;
	unsigned long mib;
	double seconds, start;
	uint64_t seed, off;
	int i, err;

	if (argc != 4) {
		fprintf(stderr, "usage: racecheck DIR MIB SECONDS\n");
		return 2;
	}
	dir = argv[1];
	mib = strtoul(argv[2], NULL, 10);
	seconds = strtod(argv[3], NULL);
	if (mib < 1 || mib > 4096 || !(seconds > 0)) {
		fprintf(stderr, "racecheck: bad MIB %s or SECONDS %s\n", argv[2], argv[3]);
		return 2;
	}
	full = (uint64_t)mib << 20;
	half = full / 2;
	snprintf(path, sizeof(path), "%s/racecheck.dat", dir);

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		setup_die(path);
	buf = malloc(1 << 20);
	if (!buf)
		setup_die("malloc");
	for (off = 0; off < full; off += 1 << 20) {
		fill(buf, off, 1 << 20);
		if (pwrite(fd, buf, 1 << 20, off) != 1 << 20)
			setup_die("writing the file");
	}
	free(buf);
	if (fsync(fd))
		setup_die("fsync");
	rmap = mmap(NULL, half, PROT_READ, MAP_SHARED, fd, 0);
	if (rmap == MAP_FAILED)
		setup_die("mmap for reading");
	wmap = mmap(NULL, half, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (wmap == MAP_FAILED)
		setup_die("mmap for writing");

	seed = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(now() * 1e9);
	for (i = 0; i < NTHR; i++) {
		thr[i].rng = (seed + (i + 1) * 0xbf58476d1ce4e5b9ULL) | 1;
		err = pthread_create(&thr[i].t, NULL, thr[i].fn, &thr[i]);
		if (err) {
			errno = err;
			setup_die("pthread_create");
		}
	}
	start = now();
	while (now() - start < seconds && !stopped())
		nanosleep(&tick, NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < NTHR; i++)
		pthread_join(thr[i].t, NULL);

	munmap((void *)rmap, half);
	munmap(wmap, half);
	close(fd);
	printf("racecheck %s: reads=%llu mmap_checks=%llu direct_reads=%llu writes=%llu punches=%llu truncates=%llu bytes_checked=%llu\n",
	       dir,
	       (unsigned long long)(thr[READER0].ops + thr[READER1].ops),
	       (unsigned long long)thr[MMAP].ops,
	       (unsigned long long)thr[DIRECT].ops,
	       (unsigned long long)thr[WRITER].ops,
	       (unsigned long long)thr[HOLE].ops,
	       (unsigned long long)thr[HOLE].ops2,
	       (unsigned long long)(thr[READER0].bytes + thr[READER1].bytes +
				    thr[MMAP].bytes + thr[DIRECT].bytes));
	if (mismatched)
		return 1;
	return errored ? 2 : 0;
}
