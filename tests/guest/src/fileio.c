// SPDX-License-Identifier: GPL-2.0
/*
 * fileio: moves data between a cached file and user memory by every
 * system call that copies page-cache data, checks every byte, and counts
 * the ASI exits each method cost (/proc/vmstat asi_exit_fault +
 * asi_exit_explicit over its run; 0 when ASI is off).
 *
 *   fileio DIR MIB [METHOD...]
 *
 * Creates DIR/fileio.dat (MIB MiB; on hugetlbfs through mmap(), printing
 * "hugepage=N pfn=X present=1" per 2 MiB page, and then only the read
 * methods run), reads it once to warm the page cache,
 * then runs each method (default: all) over it and prints one line per
 * method (exits counted over the whole system; each method's system calls
 * are framed by "fileio window open NAME" and "fileio window close" in
 * the trace, when tracefs is mounted, so that a tracer can count its
 * own):
 *
 *   method=NAME bytes=N calls=N maps=N exits=N exits_per_call=X exits_per_gib=X
 *
 * maps: ephmap mappings made meanwhile (/proc/vmstat ephmap_map).
 *
 * Read methods verify what they read against the file's pattern; write
 * methods write a new pattern and verify it with pread() afterwards.
 * Exits 0 when all data matched, 1 on a mismatch, 2 on an error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHUNK	4096
#define BIG	65536
#define HUGETLBFS_MAGIC	0x958458f6

static const char *dir;
static char path[4096];
static size_t file_size;
static unsigned char *expect;	/* the file's contents, as they should be */
static unsigned char *buf;

static void die(const char *what)
{
	fprintf(stderr, "fileio: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* Offsets and orders: a fixed sequence, the same in every run. */
static uint64_t rng(void)
{
	static uint64_t x = 1;

	x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x >> 17;
}

static void fill_pattern(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)((i * 131 + seed * 7 + (i >> 12)) ^ (i >> 20));
}

/* Reads /proc/vmstat without stdio, whose buffers would be new memory. */
static unsigned long vmstat(const char *name)
{
	static char text[16384];
	size_t n = strlen(name);
	ssize_t len;
	char *p;
	int fd = open("/proc/vmstat", O_RDONLY);

	if (fd < 0)
		die("/proc/vmstat");
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len < 0)
		die("read of /proc/vmstat");
	text[len] = 0;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (!strncmp(p, name, n) && p[n] == ' ')
			return strtoul(p + n + 1, NULL, 10);
	return 0;
}

static unsigned long exits(void)
{
	return vmstat("asi_exit_fault") + vmstat("asi_exit_explicit");
}

/*
 * Each method opens its measuring window after its set-up (opening files,
 * allocating and touching its buffers, whose first touch is anonymous
 * memory the kernel zeroes) and closes it before its checks: the exits
 * counted are those of the system calls that move data.
 */
static unsigned long window_exits0, window_exits1, window_maps0, window_maps1;
static int trace_marker_fd = -1;

/* Marks the window in the trace, so that exits can be attributed. */
static void mark(const char *what)
{
	if (trace_marker_fd >= 0 &&
	    write(trace_marker_fd, what, strlen(what)) < 0)
		trace_marker_fd = -1;
}

static const char *method_name = "";

static void window_open(void)
{
	char what[64];

	snprintf(what, sizeof(what), "fileio window open %s", method_name);
	mark(what);
	window_maps0 = vmstat("ephmap_map");
	window_exits0 = exits();
}

static void window_close(void)
{
	window_exits1 = exits();
	window_maps1 = vmstat("ephmap_map");
	mark("fileio window close");
}

static int check(const char *method, const unsigned char *got, size_t off,
		 size_t len)
{
	size_t i;

	if (!memcmp(got, expect + off, len))
		return 0;
	for (i = 0; i < len && got[i] == expect[off + i]; i++)
		;
	printf("FAIL: %s: byte %zu of the file reads %#x, want %#x\n", method,
	       off + i, got[i], expect[off + i]);
	return 1;
}

static int open_file(int flags)
{
	int fd = open(path, flags);

	if (fd < 0)
		die(path);
	return fd;
}

static size_t rand_off(size_t align, size_t len)
{
	return (rng() % ((file_size - len) / align + 1)) * align;
}

/* Each method returns 0 or 1 (mismatch) and counts its calls and bytes. */
struct run {
	unsigned long calls;
	unsigned long bytes;
};

static int m_read(struct run *r, size_t chunk)
{
	int fd = open_file(O_RDONLY), bad = 0;
	size_t off;

	window_open();
	for (off = 0; off + chunk <= file_size && !bad; off += chunk) {
		if (read(fd, buf, chunk) != (ssize_t)chunk)
			die("read");
		bad = check("read", buf, off, chunk);
		r->calls++;
		r->bytes += chunk;
	}
	window_close();
	close(fd);
	return bad;
}

static int m_read4k(struct run *r) { return m_read(r, CHUNK); }
static int m_read64k(struct run *r) { return m_read(r, BIG); }

static int m_pread(struct run *r)
{
	int fd = open_file(O_RDONLY), bad = 0;
	size_t i, n = file_size / CHUNK;

	window_open();
	for (i = 0; i < n && !bad; i++) {
		size_t off = rand_off(CHUNK, CHUNK);

		if (pread(fd, buf, CHUNK, off) != CHUNK)
			die("pread");
		bad = check("pread", buf, off, CHUNK);
		r->calls++;
		r->bytes += CHUNK;
	}
	window_close();
	close(fd);
	return bad;
}

static int m_readv(struct run *r, int v2)
{
	int fd = open_file(O_RDONLY), bad = 0;
	size_t i, n = file_size / CHUNK;

	window_open();
	for (i = 0; i < n && !bad; i++) {
		/* Two uneven pieces that cross no page boundary in the file. */
		struct iovec iov[2] = {
			{ buf, 1000 }, { buf + 5000, CHUNK - 1000 },
		};
		size_t off = v2 ? rand_off(CHUNK, CHUNK) : i * CHUNK;
		ssize_t got = v2 ? preadv2(fd, iov, 2, off, 0) :
				   readv(fd, iov, 2);

		if (got != CHUNK)
			die(v2 ? "preadv2" : "readv");
		bad = check("readv", buf, off, 1000) ||
		      check("readv", buf + 5000, off + 1000, CHUNK - 1000);
		r->calls++;
		r->bytes += CHUNK;
	}
	window_close();
	close(fd);
	return bad;
}

static int m_readv1(struct run *r) { return m_readv(r, 0); }
static int m_preadv2(struct run *r) { return m_readv(r, 1); }

/* io_uring IORING_OP_READ, one at a time, through raw system calls. */
static int m_io_uring(struct run *r)
{
	struct io_uring_params p = { 0 };
	int ring, fd = open_file(O_RDONLY), bad = 0;
	size_t i, n = file_size / CHUNK;
	unsigned int *sq_tail, *sq_array, *cq_head, *cq_tail, mask, cmask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	void *sq, *cq;

	ring = syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0) {
		printf("io_uring: not available (%s), skipped\n", strerror(errno));
		close(fd);
		return -1;
	}
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
		  IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(*cqes),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
		  IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		die("io_uring mmap");
	sq_tail = (unsigned int *)((char *)sq + p.sq_off.tail);
	sq_array = (unsigned int *)((char *)sq + p.sq_off.array);
	mask = *(unsigned int *)((char *)sq + p.sq_off.ring_mask);
	cq_head = (unsigned int *)((char *)cq + p.cq_off.head);
	cq_tail = (unsigned int *)((char *)cq + p.cq_off.tail);
	cmask = *(unsigned int *)((char *)cq + p.cq_off.ring_mask);
	cqes = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes);

	window_open();
	for (i = 0; i < n && !bad; i++) {
		size_t off = rand_off(CHUNK, CHUNK);
		unsigned int t = *sq_tail, h;
		struct io_uring_sqe *sqe = &sqes[t & mask];

		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_READ;
		sqe->fd = fd;
		sqe->addr = (unsigned long)buf;
		sqe->len = CHUNK;
		sqe->off = off;
		sq_array[t & mask] = t & mask;
		__atomic_store_n(sq_tail, t + 1, __ATOMIC_RELEASE);
		if (syscall(__NR_io_uring_enter, ring, 1, 1,
			    IORING_ENTER_GETEVENTS, NULL, 0) < 0)
			die("io_uring_enter");
		h = *cq_head;
		if (h == __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE))
			die("io_uring: no completion");
		if (cqes[h & cmask].res != CHUNK) {
			errno = -cqes[h & cmask].res;
			die("io_uring read");
		}
		__atomic_store_n(cq_head, h + 1, __ATOMIC_RELEASE);
		bad = check("io_uring", buf, off, CHUNK);
		r->calls++;
		r->bytes += CHUNK;
	}
	window_close();
	close(ring);
	close(fd);
	return bad;
}

/* Through a pipe: sendfile() or splice() in, read() out. */
static int m_pipe_from_file(struct run *r, int use_splice)
{
	int fd = open_file(O_RDONLY), pfd[2], bad = 0;
	size_t off;

	if (pipe(pfd))
		die("pipe");
	window_open();
	for (off = 0; off + CHUNK <= file_size && !bad; off += CHUNK) {
		ssize_t in;

		if (use_splice) {
			loff_t o = off;

			in = splice(fd, &o, pfd[1], NULL, CHUNK, 0);
		} else {
			off_t o = off;

			in = sendfile(pfd[1], fd, &o, CHUNK);
		}
		if (in != CHUNK)
			die(use_splice ? "splice" : "sendfile");
		if (read(pfd[0], buf, CHUNK) != CHUNK)
			die("read of the pipe");
		bad = check(use_splice ? "splice" : "sendfile", buf, off, CHUNK);
		r->calls += 2;
		r->bytes += CHUNK;
	}
	window_close();
	close(pfd[0]);
	close(pfd[1]);
	close(fd);
	return bad;
}

static int m_sendfile(struct run *r) { return m_pipe_from_file(r, 0); }
static int m_splice(struct run *r) { return m_pipe_from_file(r, 1); }

/* A plain pipe: write() the file's pattern in, read() it out. */
static int m_pipe(struct run *r)
{
	int pfd[2], bad = 0;
	size_t off;

	if (pipe(pfd))
		die("pipe");
	window_open();
	for (off = 0; off + CHUNK <= file_size && !bad; off += CHUNK) {
		if (write(pfd[1], expect + off, CHUNK) != CHUNK)
			die("write to the pipe");
		if (read(pfd[0], buf, CHUNK) != CHUNK)
			die("read of the pipe");
		bad = check("pipe", buf, off, CHUNK);
		r->calls += 2;
		r->bytes += CHUNK;
	}
	window_close();
	close(pfd[0]);
	close(pfd[1]);
	return bad;
}

static int verify_file(const char *method)
{
	int fd = open_file(O_RDONLY), bad = 0;
	size_t off;

	for (off = 0; off < file_size && !bad; off += BIG) {
		size_t n = file_size - off < BIG ? file_size - off : BIG;

		if (pread(fd, buf, n, off) != (ssize_t)n)
			die("pread to verify");
		bad = check(method, buf, off, n);
	}
	close(fd);
	return bad;
}

static unsigned int write_seed = 100;

/* Overwrites the cached file: write(), pwrite() or writev(). */
static int m_write(struct run *r, int how)
{
	static const char *const name[] = { "write", "pwrite", "writev" };
	/* Opened for reading too: a write-only file keeps the direct map. */
	int fd = open_file(O_RDWR);
	size_t i, n = file_size / CHUNK;

	size_t *order = malloc(n * sizeof(*order));

	if (!order)
		die("malloc");
	/* pwrite() visits every page once, in a random order. */
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; how == 1 && i > 0; i--) {
		size_t j = rng() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	fill_pattern(expect, file_size, ++write_seed);
	window_open();
	for (i = 0; i < n; i++) {
		size_t off = order[i] * CHUNK;
		struct iovec iov[2] = {
			{ expect + off, 1000 },
			{ expect + off + 1000, CHUNK - 1000 },
		};
		ssize_t done;

		if (how == 0)
			done = write(fd, expect + off, CHUNK);
		else if (how == 1)
			done = pwrite(fd, expect + off, CHUNK, off);
		else
			done = writev(fd, iov, 2);
		if (done != CHUNK)
			die(name[how]);
		r->calls++;
		r->bytes += CHUNK;
	}
	window_close();
	free(order);
	close(fd);
	return verify_file(name[how]);
}

static int m_write4k(struct run *r) { return m_write(r, 0); }
static int m_pwrite(struct run *r) { return m_write(r, 1); }
static int m_writev(struct run *r) { return m_write(r, 2); }

static int m_write64k(struct run *r)
{
	int fd = open_file(O_RDWR);
	size_t off;

	fill_pattern(expect, file_size, ++write_seed);
	window_open();
	for (off = 0; off + BIG <= file_size; off += BIG) {
		if (pwrite(fd, expect + off, BIG, off) != BIG)
			die("pwrite 64k");
		r->calls++;
		r->bytes += BIG;
	}
	window_close();
	close(fd);
	return verify_file("write64k");
}

/* Writes of 100 bytes at odd offsets: partial pages of cached folios. */
static int m_partial(struct run *r)
{
	int fd = open_file(O_RDWR);
	size_t i, n = file_size / CHUNK;

	window_open();
	for (i = 0; i < n; i++) {
		size_t off = rand_off(1, 100), k;

		for (k = 0; k < 100; k++)
			expect[off + k] ^= 0x5a;
		if (pwrite(fd, expect + off, 100, off) != 100)
			die("partial pwrite");
		r->calls++;
		r->bytes += 100;
	}
	window_close();
	close(fd);
	return verify_file("partial");
}

/* O_APPEND writes of 1000 bytes to a new file: new folios, zeroed ends. */
static int m_append(struct run *r)
{
	char apath[4200];
	size_t off, total = file_size / 4;
	unsigned char *want = malloc(total + 1000);
	int fd, bad = 0;

	if (!want)
		die("malloc");
	snprintf(apath, sizeof(apath), "%s/fileio-append.dat", dir);
	unlink(apath);
	fd = open(apath, O_RDWR | O_CREAT | O_APPEND, 0644);
	if (fd < 0)
		die(apath);
	fill_pattern(want, total + 1000, 77);
	window_open();
	for (off = 0; off < total; off += 1000) {
		if (write(fd, want + off, 1000) != 1000)
			die("append");
		r->calls++;
		r->bytes += 1000;
	}
	window_close();
	for (off = 0; off < total && !bad; off += BIG) {
		size_t n = total - off < BIG ? total - off : BIG;
		ssize_t got = pread(fd, buf, n, off);

		if (got != (ssize_t)n)
			die("pread of the appended file");
		if (memcmp(buf, want + off, n)) {
			printf("FAIL: append: the appended file differs near %zu\n", off);
			bad = 1;
		}
	}
	close(fd);
	unlink(apath);
	free(want);
	return bad;
}

static const struct method {
	const char *name;
	int (*fn)(struct run *r);
	int read_only;		/* reads the file with ->read_iter() alone */
} methods[] = {
	{ "read",	m_read4k, 1 },
	{ "read64k",	m_read64k, 1 },
	{ "pread",	m_pread, 1 },
	{ "readv",	m_readv1, 1 },
	{ "preadv2",	m_preadv2, 1 },
	{ "io_uring",	m_io_uring, 1 },
	{ "sendfile",	m_sendfile, 0 },
	{ "splice",	m_splice, 0 },
	{ "pipe",	m_pipe, 0 },
	{ "write",	m_write4k, 0 },
	{ "write64k",	m_write64k, 0 },
	{ "pwrite",	m_pwrite, 0 },
	{ "writev",	m_writev, 0 },
	{ "partial",	m_partial, 0 },
	{ "append",	m_append, 0 },
};

static int run_method(const struct method *m)
{
	struct run r = { 0 };
	unsigned long e0, e1;
	int bad;

	method_name = m->name;
	bad = m->fn(&r);
	if (bad < 0)
		return 0;
	e0 = window_exits0;
	e1 = window_exits1;
	printf("method=%s bytes=%lu calls=%lu maps=%lu exits=%lu exits_per_call=%.3f exits_per_gib=%.0f\n",
	       m->name, r.bytes, r.calls, window_maps1 - window_maps0, e1 - e0,
	       r.calls ? (double)(e1 - e0) / r.calls : 0.0,
	       r.bytes ? (double)(e1 - e0) * (1 << 30) / r.bytes : 0.0);
	fflush(stdout);
	return bad;
}

/*
 * hugetlbfs has no write(): fill the file through a shared mapping, and
 * print the page frame of each huge page (from /proc/self/pagemap), for
 * the caller to check where the kernel maps it.
 */
static void fill_by_mmap(int fd)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *p;
	size_t off;
	int pm;

	if (ftruncate(fd, file_size))
		die("ftruncate on hugetlbfs");
	p = mmap(NULL, file_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap on hugetlbfs");
	memcpy(p, expect, file_size);
	pm = open("/proc/self/pagemap", O_RDONLY);
	if (pm < 0)
		die("/proc/self/pagemap");
	for (off = 0; off < file_size; off += 2 << 20) {
		uint64_t e;

		if (pread(pm, &e, sizeof(e),
			  ((uintptr_t)(p + off) / page) * sizeof(e)) != sizeof(e))
			die("read of /proc/self/pagemap");
		printf("hugepage=%zu pfn=%#llx present=%d\n", off >> 21,
		       (unsigned long long)(e & ((1ULL << 55) - 1)),
		       (int)(e >> 63));
	}
	close(pm);
	munmap(p, file_size);
}

int main(int argc, char **argv)
{
	int fd, bad = 0, i, hugetlb;
	struct statfs sfs;
	size_t j;

	if (argc < 3) {
		fprintf(stderr, "usage: fileio DIR MIB [METHOD...]\n");
		return 2;
	}
	dir = argv[1];
	file_size = strtoul(argv[2], NULL, 0) << 20;
	if (!file_size)
		return 2;
	snprintf(path, sizeof(path), "%s/fileio.dat", dir);
	expect = malloc(file_size);
	buf = aligned_alloc(4096, BIG + 8192);
	if (!expect || !buf)
		die("malloc");
	trace_marker_fd = open("/sys/kernel/tracing/trace_marker", O_WRONLY);
	fill_pattern(expect, file_size, 1);
	if (statfs(dir, &sfs))
		die(dir);
	hugetlb = sfs.f_type == HUGETLBFS_MAGIC;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(path);
	if (hugetlb)
		fill_by_mmap(fd);
	else
		for (j = 0; j < file_size; j += BIG)
			if (write(fd, expect + j, BIG) != BIG)
				die("write of the file");
	close(fd);
	/* Warm: the page cache and this process's buffers. */
	if (verify_file("warm"))
		return 1;
	exits();

	for (j = 0; j < sizeof(methods) / sizeof(methods[0]); j++) {
		/* hugetlbfs reads only: no write(), no splice_read(). */
		if (hugetlb && !methods[j].read_only)
			continue;
		if (argc > 3) {
			for (i = 3; i < argc; i++)
				if (!strcmp(argv[i], methods[j].name))
					break;
			if (i == argc)
				continue;
		}
		bad |= run_method(&methods[j]);
	}
	unlink(path);
	return bad;
}
