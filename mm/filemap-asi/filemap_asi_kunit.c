// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the page-cache copies through the ephmap
 * (<linux/filemap_asi.h>, mm/filemap-asi/copy.c).
 *
 * The suite checks that:
 *  - a copy to or from a kernel buffer is the plain iov_iter call: right
 *    data, and no mapping, even for a thread that may map;
 *  - a copy to user memory reads back right, with one mapping per folio
 *    page it touches, or one PMD mapping per 2 MiB block of a large folio;
 *  - a copy to user memory that is not present faults it in and goes on;
 *    one to memory that cannot be faulted in (unmapped, read-only, or with
 *    the caller's page faults off) returns short after one try;
 *  - the atomic copy from user memory never faults: it stops at the first
 *    page not present, and copies the rest once the caller faulted it in;
 *    a writer that may not read the file gets the direct map;
 *  - a mapping its filesystem opted out gets the direct map for reads,
 *    writes and zeroing;
 *  - zeroing zeroes exactly the segments asked for;
 *  - a pipe page filled through the ephmap holds the data, then zeros.
 *
 * With the ephmap off (the default without asi=on) every helper is the
 * plain call: the same results, and no mapping.  Most cases hold in both
 * modes and check the mappings of the mode they run in; the one about
 * whose data may be mapped is skipped when the ephmap is off.
 *
 * The KUnit thread is a kernel thread without an mm: a case attaches a
 * fresh one (kthread_use_mm(), declared with ephmap_kthread_may_map()),
 * pinned to its CPU, and vm_mmap()s anonymous memory in it.  Between
 * fasi_test_enter_mm() and fasi_test_leave_mm() nothing may abort the case
 * (KUNIT_ASSERT_*(), kunit_skip()): results are kept in locals and checked
 * after.  Mappings are counted on the case's CPU (/proc/vmstat's
 * ephmap_map, the rest from the ephmap's debugfs stats): pinned there,
 * nothing else maps through the ephmap meanwhile (only tasks with an mm
 * do, and the one that loaded the suite waits for it).
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/cred.h>
#include <linux/ephmap.h>
#include <linux/err.h>
#include <linux/filemap_asi.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vmstat.h>

/* ---- Patterns ---------------------------------------------------------- */

/*
 * The byte at @off of @seed's pattern: never zero, never equal to its
 * neighbours, and different page to page, so that a zeroed byte or a copy
 * off by any small distance shows.
 */
static u8 fasi_test_byte(unsigned int seed, size_t off)
{
	u32 x = (u32)off * 0x9e3779b1U +
		(u32)(off >> PAGE_SHIFT) * 0x85ebca6bU + seed * 0xc2b2ae35U;

	return (u8)((x >> 24) | 1);
}

static void fasi_test_pattern(u8 *buf, unsigned int seed, size_t off,
			      size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = fasi_test_byte(seed, off + i);
}

/* How many bytes of @p, from the start, hold [@off, +@len) of @seed's. */
static size_t fasi_test_matching(const u8 *p, unsigned int seed, size_t off,
				 size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != fasi_test_byte(seed, off + i))
			break;
	return i;
}

/*
 * Whether @folio (read through the direct map) holds @seed's pattern in
 * [@start, @end) and @rest's everywhere else.
 */
static bool fasi_test_folio_holds(struct folio *folio, unsigned int seed,
				  size_t start, size_t end, unsigned int rest)
{
	const u8 *p = folio_address(folio);
	size_t size = folio_size(folio);

	return fasi_test_matching(p, rest, 0, start) == start &&
	       fasi_test_matching(p + start, seed, start, end - start) ==
			end - start &&
	       fasi_test_matching(p + end, rest, end, size - end) == size - end;
}

KUNIT_DEFINE_ACTION_WRAPPER(fasi_test_folio_put, folio_put, struct folio *);

/*
 * A folio of @order filled with @seed's pattern, put when the case ends;
 * NULL if it cannot be had (large orders may fail on a fragmented system).
 */
static struct folio *fasi_test_folio(struct kunit *test, unsigned int order,
				     unsigned int seed)
{
	struct folio *folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);

	if (!folio)
		return NULL;
	if (kunit_add_action_or_reset(test, fasi_test_folio_put, folio))
		return NULL;
	fasi_test_pattern(folio_address(folio), seed, 0, folio_size(folio));
	return folio;
}

static void fasi_test_fput(void *file)
{
	fput(file);
}

/*
 * A file for the atomic copy, which reads its f_mode and, without
 * FMODE_READ, asks its inode whether the writer may read it: a tmpfs
 * file opened with @mode, whose inode has permissions @perm.
 */
static const struct file *fasi_test_file(struct kunit *test, fmode_t mode,
					 umode_t perm)
{
	struct file *file = shmem_file_setup("filemap_asi_test", PAGE_SIZE, 0);

	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fasi_test_fput,
							file), 0);
	file->f_mode = (file->f_mode & ~(FMODE_READ | FMODE_WRITE)) | mode;
	file_inode(file)->i_mode = S_IFREG | perm;
	return file;
}

/* Credentials of an unprivileged user who does not own the test files. */
static const struct cred *fasi_test_user_cred(struct kunit *test)
{
	struct cred *cred = prepare_creds();

	KUNIT_ASSERT_NOT_NULL(test, cred);
	cred->fsuid = KUIDT_INIT(1000);
	cred->fsgid = KGIDT_INIT(1000);
	cap_clear(cred->cap_effective);
	return cred;
}

/* ---- Events: /proc/vmstat's and the ephmap's debugfs stats ------------- */

struct fasi_test_events {
	unsigned long map;
	unsigned long map_pmd;
	unsigned long fallback;
};

/*
 * One event on this CPU, where the case runs pinned (migrate_disable()):
 * mappings other CPUs make meanwhile do not count.
 */
static unsigned long fasi_test_event(enum vm_event_item item)
{
	return per_cpu(vm_event_states, raw_smp_processor_id()).event[item];
}

static unsigned long fasi_test_stat(enum ephmap_stat_item item)
{
	return ephmap_stat_cpu(item, raw_smp_processor_id());
}

static void fasi_test_read_events(struct fasi_test_events *ev)
{
	ev->map = fasi_test_event(EPHMAP_MAP);
	ev->map_pmd = fasi_test_stat(EPHMAP_STAT_MAP_PMD);
	/*
	 * Not fallback_no_mm: kernel threads without an mm count it
	 * whenever they zero a new page-cache folio, and a case always has
	 * its mm.
	 */
	ev->fallback = fasi_test_stat(EPHMAP_STAT_FALLBACK_CONTEXT) +
		       fasi_test_stat(EPHMAP_STAT_FALLBACK_NESTING) +
		       fasi_test_stat(EPHMAP_STAT_FALLBACK_RESERVE) +
		       fasi_test_stat(EPHMAP_STAT_MISUSE);
}

/*
 * Expect @maps mappings, @pmds of them PMD ones, between @before and
 * @after with the ephmap on, none with it off, and no fallback either way.
 */
static void fasi_test_expect_maps(struct kunit *test, const char *what,
				  const struct fasi_test_events *before,
				  const struct fasi_test_events *after,
				  unsigned long maps, unsigned long pmds)
{
	bool on = filemap_asi_enabled();

	KUNIT_EXPECT_EQ_MSG(test, after->map - before->map, on ? maps : 0UL,
			    "%s: ephmap mappings", what);
	KUNIT_EXPECT_EQ_MSG(test, after->map_pmd - before->map_pmd,
			    on ? pmds : 0UL, "%s: PMD mappings", what);
	KUNIT_EXPECT_EQ_MSG(test, after->fallback - before->fallback, 0UL,
			    "%s: fallbacks and misuse", what);
}

/* ---- The test mm ------------------------------------------------------- */

struct fasi_test_mm {
	struct mm_struct *mm;
	bool attached;
};

/*
 * Runs in KUnit's cleanup thread, not the test thread.  The mm's teardown
 * unmaps whatever the case left mapped.  If the test thread ended with the
 * mm still attached, its exit_mm() put the mm_users reference of
 * mm_alloc(), and the mm_count one of kthread_use_mm() is what is left.
 */
static void fasi_test_mm_release(void *data)
{
	struct fasi_test_mm *tm = data;

	if (tm->attached)
		mmdrop(tm->mm);
	else
		mmput(tm->mm);
}

/*
 * Give the (mm-less) KUnit thread a fresh mm that vm_mmap() can place
 * mappings in, pinned to its CPU, declared to copy its own mm's data.
 */
static struct fasi_test_mm *fasi_test_enter_mm(struct kunit *test)
{
	struct fasi_test_mm *tm;
	struct mm_struct *mm;

	KUNIT_ASSERT_NULL(test, current->mm);
	tm = kunit_kzalloc(test, sizeof(*tm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tm);
	mm = mm_alloc();
	KUNIT_ASSERT_NOT_NULL(test, mm);
	tm->mm = mm;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							fasi_test_mm_release,
							tm), 0);
	/* What exec would set, as kunit_vm_mmap() does. */
	mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(mm, &current->signal->rlim[RLIMIT_STACK]);

	migrate_disable();
	kthread_use_mm(mm);
	tm->attached = true;
	ephmap_kthread_may_map(true);
	return tm;
}

/* Detach the mm; it is put when the case ends. */
static void fasi_test_leave_mm(struct fasi_test_mm *tm)
{
	ephmap_kthread_may_map(false);
	kthread_unuse_mm(tm->mm);
	tm->attached = false;
	migrate_enable();
}

/*
 * An anonymous private mapping in the attached mm, at @addr if @flags has
 * MAP_FIXED; 0 if vm_mmap() failed.
 */
static unsigned long fasi_test_mmap(unsigned long addr, size_t len,
				    unsigned long prot, unsigned long flags)
{
	unsigned long ret;

	ret = vm_mmap(NULL, addr, len, prot,
		      MAP_PRIVATE | MAP_ANONYMOUS | flags, 0);
	if (IS_ERR_VALUE(ret) || ((flags & MAP_FIXED) && ret != addr))
		return 0;
	return ret;
}

static void fasi_test_munmap(unsigned long addr, size_t len)
{
	if (addr)
		vm_munmap(addr, len);
}

/* An iterator over user memory at @uaddr; false if refused. */
static bool fasi_test_ubuf(int dir, unsigned long uaddr, size_t len,
			   struct iov_iter *iter)
{
	return !import_ubuf(dir, (void __user *)uaddr, len, iter);
}

/*
 * Whether user memory at @uaddr holds [@off, +@len) of @seed's pattern,
 * read back a page at a time through @buf (PAGE_SIZE bytes).
 */
static bool fasi_test_user_holds(unsigned long uaddr, unsigned int seed,
				 size_t off, size_t len, u8 *buf)
{
	size_t done, n;

	for (done = 0; done < len; done += n) {
		n = min_t(size_t, len - done, PAGE_SIZE);
		if (copy_from_user(buf, (const void __user *)(uaddr + done), n))
			return false;
		if (fasi_test_matching(buf, seed, off + done, n) != n)
			return false;
	}
	return true;
}

/* Write [@off, +@len) of @seed's pattern to user memory at @uaddr. */
static bool fasi_test_user_fill(unsigned long uaddr, unsigned int seed,
				size_t off, size_t len, u8 *buf)
{
	size_t done, n;

	for (done = 0; done < len; done += n) {
		n = min_t(size_t, len - done, PAGE_SIZE);
		fasi_test_pattern(buf, seed, off + done, n);
		if (copy_to_user((void __user *)(uaddr + done), buf, n))
			return false;
	}
	return true;
}

/* ---- Copies out to user memory ---------------------------------------- */

/* One copy of folio bytes to user memory, as seen from the test thread. */
struct fasi_test_copy {
	size_t bytes;
	size_t ret;
	size_t left;		/* iov_iter_count() after */
	bool imported;
	bool data_ok;		/* the @ret bytes copied read back right */
	struct fasi_test_events before;
	struct fasi_test_events after;
};

/*
 * Copy [@offset, +@bytes) of @folio, filled with @seed's pattern, to user
 * memory at @uaddr, with filemap_asi_copy_page_to_iter() of the page that
 * holds @offset if @by_page, else filemap_asi_copy_folio_to_iter(); count
 * the mappings made, and read back what was copied through @buf.  Call
 * with the test mm attached.
 */
static void fasi_test_copy_out(struct folio *folio, unsigned int seed,
			       size_t offset, size_t bytes, bool by_page,
			       unsigned long uaddr, u8 *buf,
			       struct fasi_test_copy *c)
{
	struct page *page = folio_page(folio, offset >> PAGE_SHIFT);
	struct iov_iter iter;

	memset(c, 0, sizeof(*c));
	c->bytes = bytes;
	c->imported = fasi_test_ubuf(ITER_DEST, uaddr, bytes, &iter);
	if (!c->imported)
		return;
	fasi_test_read_events(&c->before);
	if (by_page)
		c->ret = filemap_asi_copy_page_to_iter(page,
						       offset_in_page(offset),
						       bytes, &iter);
	else
		c->ret = filemap_asi_copy_folio_to_iter(folio, offset, bytes,
							&iter);
	fasi_test_read_events(&c->after);
	c->left = iov_iter_count(&iter);
	c->data_ok = fasi_test_user_holds(uaddr, seed, offset, c->ret, buf);
}

/* Expect @c to have copied @ret bytes, which read back right. */
static void fasi_test_check_copy(struct kunit *test, const char *what,
				 const struct fasi_test_copy *c, size_t ret)
{
	KUNIT_EXPECT_TRUE_MSG(test, c->imported, "%s: import_ubuf() failed",
			      what);
	KUNIT_EXPECT_EQ_MSG(test, c->ret, ret, "%s: bytes copied", what);
	KUNIT_EXPECT_EQ_MSG(test, c->left, c->bytes - c->ret,
			    "%s: the iterator did not advance by the copy",
			    what);
	KUNIT_EXPECT_TRUE_MSG(test, c->data_ok,
			      "%s: the %zu bytes copied read back wrong", what,
			      c->ret);
}

/* ... and to have made @maps mappings, @pmds of them PMD ones. */
static void fasi_test_check_copy_maps(struct kunit *test, const char *what,
				      const struct fasi_test_copy *c,
				      size_t ret, unsigned long maps,
				      unsigned long pmds)
{
	fasi_test_check_copy(test, what, c, ret);
	fasi_test_expect_maps(test, what, &c->before, &c->after, maps, pmds);
}

/*
 * filemap_asi_copy_folio_from_iter_atomic() with preemption off, as from
 * an atomic caller: *@faults is the number of page faults handled on this
 * CPU meanwhile.
 */
static size_t fasi_test_atomic(const struct file *file, struct folio *folio,
			       size_t offset, size_t bytes,
			       struct iov_iter *iter, unsigned long *faults)
{
	unsigned long before;
	size_t ret;

	preempt_disable();
	before = this_cpu_read(vm_event_states.event[PGFAULT]);
	ret = filemap_asi_copy_folio_from_iter_atomic(file, folio, offset,
						      bytes, iter);
	*faults = this_cpu_read(vm_event_states.event[PGFAULT]) - before;
	preempt_enable();
	return ret;
}

/* ---- Cases ------------------------------------------------------------- */

/*
 * Kernel buffers get the plain copy both ways, and no mapping, though the
 * thread has an mm it may map in: only user memory is the task's own.
 */
static void fasi_test_kernel_buffers_get_plain_copy(struct kunit *test)
{
	const size_t offset = PAGE_SIZE - 10, bytes = PAGE_SIZE + 20;
	const size_t in_page = 2 * PAGE_SIZE + 5;
	size_t to_ret, page_ret, from_ret, atomic_ret;
	bool to_ok, page_ok, from_ok, atomic_ok;
	struct fasi_test_events before, after;
	const struct file *file;
	struct fasi_test_mm *tm;
	struct folio *src, *dst;
	struct iov_iter iter;
	struct kvec kv;
	u8 *buf;

	src = fasi_test_folio(test, 2, 1);
	KUNIT_ASSERT_NOT_NULL(test, src);
	dst = fasi_test_folio(test, 2, 2);
	KUNIT_ASSERT_NOT_NULL(test, dst);
	buf = kunit_kmalloc(test, bytes, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	file = fasi_test_file(test, FMODE_READ | FMODE_WRITE, 0600);
	kv.iov_base = buf;
	kv.iov_len = bytes;

	tm = fasi_test_enter_mm(test);
	fasi_test_read_events(&before);

	/* Across a page boundary of the folio. */
	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, bytes);
	to_ret = filemap_asi_copy_folio_to_iter(src, offset, bytes, &iter);
	to_ok = fasi_test_matching(buf, 1, offset, bytes) == bytes;

	/* From a tail page. */
	memset(buf, 0, bytes);
	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, 300);
	page_ret = filemap_asi_copy_page_to_iter(folio_page(src, 3), 100, 300,
						 &iter);
	page_ok = fasi_test_matching(buf, 1, 3 * PAGE_SIZE + 100, 300) == 300;

	/* Into the folio, across a page boundary. */
	fasi_test_pattern(buf, 3, offset, bytes);
	iov_iter_kvec(&iter, ITER_SOURCE, &kv, 1, bytes);
	from_ret = filemap_asi_copy_page_from_iter(folio_page(dst, 0), offset,
						   bytes, &iter);
	from_ok = fasi_test_folio_holds(dst, 3, offset, offset + bytes, 2);

	/* The atomic copy, for a file open for reading. */
	fasi_test_pattern(buf, 4, in_page, 300);
	iov_iter_kvec(&iter, ITER_SOURCE, &kv, 1, 300);
	atomic_ret = filemap_asi_copy_folio_from_iter_atomic(file, src,
							     in_page, 300,
							     &iter);
	atomic_ok = fasi_test_folio_holds(src, 4, in_page, in_page + 300, 1);

	fasi_test_read_events(&after);
	fasi_test_leave_mm(tm);

	KUNIT_EXPECT_EQ(test, to_ret, bytes);
	KUNIT_EXPECT_TRUE_MSG(test, to_ok, "folio to kvec: wrong data");
	KUNIT_EXPECT_EQ(test, page_ret, (size_t)300);
	KUNIT_EXPECT_TRUE_MSG(test, page_ok, "tail page to kvec: wrong data");
	KUNIT_EXPECT_EQ(test, from_ret, bytes);
	KUNIT_EXPECT_TRUE_MSG(test, from_ok, "kvec to folio: wrong data");
	KUNIT_EXPECT_EQ(test, atomic_ret, (size_t)300);
	KUNIT_EXPECT_TRUE_MSG(test, atomic_ok, "atomic from kvec: wrong data");
	fasi_test_expect_maps(test, "kernel buffers", &before, &after, 0, 0);
}

/* The copies of fasi_test_copy_to_user_maps_each_window(). */
struct fasi_test_windows {
	struct fasi_test_copy single;
	struct fasi_test_copy window;
	struct fasi_test_copy tail;
	struct fasi_test_copy huge;
	struct fasi_test_copy huge_part;
	struct fasi_test_copy two;
};

/*
 * Copies to user memory that is present: a page, a window across two
 * pages of a small folio (a mapping each), a tail page, and large folios
 * (one PMD mapping per 2 MiB block), where they can be had.
 */
static void fasi_test_copy_to_user_maps_each_window(struct kunit *test)
{
	/* Two 2 MiB blocks, then four pages for the small copies. */
	const size_t len = 2 * PMD_SIZE + 4 * PAGE_SIZE;
	struct folio *small, *mid, *big, *bigger = NULL;
	struct fasi_test_windows *w;
	struct fasi_test_mm *tm;
	unsigned long uaddr, at;
	u8 *buf;

	w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	small = fasi_test_folio(test, 0, 11);
	KUNIT_ASSERT_NOT_NULL(test, small);
	mid = fasi_test_folio(test, 2, 12);
	KUNIT_ASSERT_NOT_NULL(test, mid);
	big = fasi_test_folio(test, PMD_ORDER, 13);
	if (!big)
		kunit_info(test, "no order-%u folio: 2 MiB copies not tested\n",
			   PMD_ORDER);
	if (PMD_ORDER + 1 <= MAX_PAGE_ORDER)
		bigger = fasi_test_folio(test, PMD_ORDER + 1, 14);
	if (!bigger)
		kunit_info(test, "no order-%u folio: two blocks not tested\n",
			   PMD_ORDER + 1);
	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	tm = fasi_test_enter_mm(test);
	/* Present and writable: each window is copied at the first try. */
	uaddr = fasi_test_mmap(0, len, PROT_READ | PROT_WRITE, MAP_POPULATE);
	if (uaddr) {
		at = uaddr + 2 * PMD_SIZE;
		/* A page, to a destination across a user page boundary. */
		fasi_test_copy_out(small, 11, 0, PAGE_SIZE, false, at + 100,
				   buf, &w->single);
		/* Pages 1 and 2 of an order-2 folio. */
		fasi_test_copy_out(mid, 12, PAGE_SIZE + 1000, PAGE_SIZE, false,
				   at + 2 * PAGE_SIZE, buf, &w->window);
		/* copy_page_to_iter() of its tail page 3. */
		fasi_test_copy_out(mid, 12, 3 * PAGE_SIZE + 10, 500, true,
				   at + 3 * PAGE_SIZE, buf, &w->tail);
		if (big) {
			fasi_test_copy_out(big, 13, 0, PMD_SIZE, false, uaddr,
					   buf, &w->huge);
			/* From within its first page on: still one PMD. */
			fasi_test_copy_out(big, 13, PAGE_SIZE + 3,
					   PMD_SIZE - 2 * PAGE_SIZE, false,
					   uaddr + PMD_SIZE, buf,
					   &w->huge_part);
		}
		if (bigger)
			fasi_test_copy_out(bigger, 14, 0, 2 * PMD_SIZE, false,
					   uaddr, buf, &w->two);
	}
	fasi_test_munmap(uaddr, len);
	fasi_test_leave_mm(tm);

	KUNIT_ASSERT_NE_MSG(test, uaddr, 0UL, "vm_mmap() of %zu bytes failed",
			    len);
	fasi_test_check_copy_maps(test, "4 KiB", &w->single, PAGE_SIZE, 1, 0);
	fasi_test_check_copy_maps(test, "two-page window", &w->window,
				  PAGE_SIZE, 2, 0);
	fasi_test_check_copy_maps(test, "tail page", &w->tail, 500, 1, 0);
	if (big) {
		fasi_test_check_copy_maps(test, "2 MiB", &w->huge, PMD_SIZE,
					  1, 1);
		fasi_test_check_copy_maps(test, "most of 2 MiB", &w->huge_part,
					  PMD_SIZE - 2 * PAGE_SIZE, 1, 1);
	}
	if (bigger) {
		fasi_test_check_copy_maps(test, "4 MiB", &w->two,
					  2 * PMD_SIZE, 2, 2);
	}
}

/*
 * A destination never touched, so not present: the copy stops short under
 * the mapping, faults the page in with nothing mapped, and goes on, to
 * the end.
 */
static void fasi_test_copy_faults_destination_in(struct kunit *test)
{
	const size_t bytes = 4 * PAGE_SIZE;
	const unsigned long pages = bytes / PAGE_SIZE;
	struct fasi_test_copy c = { };
	struct fasi_test_mm *tm;
	struct folio *folio;
	unsigned long uaddr, maps;
	u8 *buf;

	folio = fasi_test_folio(test, 2, 21);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	tm = fasi_test_enter_mm(test);
	/* Smaller than a PMD: no huge page fills it all at the first fault. */
	uaddr = fasi_test_mmap(0, bytes, PROT_READ | PROT_WRITE, 0);
	if (uaddr)
		fasi_test_copy_out(folio, 21, 0, bytes, false, uaddr, buf, &c);
	fasi_test_munmap(uaddr, bytes);
	fasi_test_leave_mm(tm);

	KUNIT_ASSERT_NE_MSG(test, uaddr, 0UL, "vm_mmap() failed");
	fasi_test_check_copy(test, "not present", &c, bytes);
	maps = c.after.map - c.before.map;
	if (filemap_asi_enabled()) {
		/* A page stops short at most once, the first at least once. */
		KUNIT_EXPECT_GT_MSG(test, maps, pages,
				    "no copy stopped short and went on");
		KUNIT_EXPECT_LE_MSG(test, maps, 2 * pages,
				    "a page was tried more than twice");
	} else {
		KUNIT_EXPECT_EQ(test, maps, 0UL);
	}
	KUNIT_EXPECT_EQ(test, c.after.map_pmd - c.before.map_pmd, 0UL);
	KUNIT_EXPECT_EQ(test, c.after.fallback - c.before.fallback, 0UL);
}

/* The copies of fasi_test_copy_to_unfaultable_memory_stops(). */
struct fasi_test_stops {
	struct fasi_test_copy gone;
	struct fasi_test_copy ro;
	struct fasi_test_copy half;
	struct fasi_test_copy nf;
	struct fasi_test_copy nf_after;
};

/*
 * Destinations that cannot be faulted in: the copy returns what it copied
 * up to them, after one try, as copy_folio_to_iter() would.
 */
static void fasi_test_copy_to_unfaultable_memory_stops(struct kunit *test)
{
	unsigned long gone_addr, ro_addr, half_addr, nf_addr, tries;
	struct fasi_test_stops *r;
	struct fasi_test_mm *tm;
	struct folio *folio;
	bool mapped;
	u8 *buf;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	folio = fasi_test_folio(test, 1, 31);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	tm = fasi_test_enter_mm(test);
	gone_addr = fasi_test_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, 0);
	ro_addr = fasi_test_mmap(0, PAGE_SIZE, PROT_READ, 0);
	/* A page present and writable, then a read-only one. */
	half_addr = fasi_test_mmap(0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_POPULATE);
	nf_addr = fasi_test_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, 0);
	mapped = gone_addr && ro_addr && half_addr && nf_addr &&
		 fasi_test_mmap(half_addr + PAGE_SIZE, PAGE_SIZE, PROT_READ,
				MAP_FIXED);
	if (mapped) {
		/* Nothing there any more. */
		vm_munmap(gone_addr, PAGE_SIZE);
		fasi_test_copy_out(folio, 31, 0, PAGE_SIZE, false, gone_addr,
				   buf, &r->gone);
		fasi_test_copy_out(folio, 31, 0, PAGE_SIZE, false, ro_addr,
				   buf, &r->ro);
		fasi_test_copy_out(folio, 31, 0, 2 * PAGE_SIZE, false,
				   half_addr, buf, &r->half);
		/*
		 * The caller's page faults off: no fault-in, though one
		 * would do, as the copy after shows.
		 */
		pagefault_disable();
		fasi_test_copy_out(folio, 31, PAGE_SIZE, PAGE_SIZE, false,
				   nf_addr, buf, &r->nf);
		pagefault_enable();
		fasi_test_copy_out(folio, 31, PAGE_SIZE, PAGE_SIZE, false,
				   nf_addr, buf, &r->nf_after);
	} else {
		fasi_test_munmap(gone_addr, PAGE_SIZE);
	}
	fasi_test_munmap(ro_addr, PAGE_SIZE);
	fasi_test_munmap(half_addr, 2 * PAGE_SIZE);
	fasi_test_munmap(nf_addr, PAGE_SIZE);
	fasi_test_leave_mm(tm);

	KUNIT_ASSERT_TRUE_MSG(test, mapped, "vm_mmap() failed");
	fasi_test_check_copy_maps(test, "unmapped", &r->gone, 0, 1, 0);
	fasi_test_check_copy_maps(test, "read-only", &r->ro, 0, 1, 0);
	fasi_test_check_copy_maps(test, "writable then read-only", &r->half,
				  PAGE_SIZE, 2, 0);

	fasi_test_check_copy(test, "page faults off", &r->nf, 0);
	/*
	 * One try.  It maps unless it was this CPU's first mapping in the
	 * mm, which with page faults already off gets the direct map.
	 */
	tries = (r->nf.after.map - r->nf.before.map) +
		(r->nf.after.fallback - r->nf.before.fallback);
	KUNIT_EXPECT_EQ_MSG(test, tries, filemap_asi_enabled() ? 1UL : 0UL,
			    "page faults off: tries");
	KUNIT_EXPECT_EQ(test, r->nf.after.map_pmd - r->nf.before.map_pmd, 0UL);
	/* Stopped short once, faulted in, copied. */
	fasi_test_check_copy_maps(test, "page faults back on", &r->nf_after,
				  PAGE_SIZE, 2, 0);
}

/*
 * The atomic copy from user memory (generic_perform_write()'s) copies up
 * to the first page that is not present and stops there, without a page
 * fault; the caller faults the rest in and copies it.
 */
static void fasi_test_atomic_copy_never_faults(struct kunit *test)
{
	size_t part = 0, none = 0, rest = 0, left = 0, not_faulted = 0;
	bool ready = false, part_ok = false, none_ok = false, rest_ok = false;
	unsigned long faults[3] = { };
	struct fasi_test_events ev[5] = { };
	const struct file *file;
	struct fasi_test_mm *tm;
	struct iov_iter iter;
	struct folio *folio;
	unsigned long uaddr;
	u8 *p, *buf;

	file = fasi_test_file(test, FMODE_READ | FMODE_WRITE, 0600);
	folio = fasi_test_folio(test, 1, 41);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	p = folio_address(folio);
	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	tm = fasi_test_enter_mm(test);
	uaddr = fasi_test_mmap(0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, 0);
	/* Page 0 written, so present, with the data; page 1 never touched. */
	ready = uaddr && fasi_test_user_fill(uaddr, 42, 0, PAGE_SIZE, buf) &&
		fasi_test_ubuf(ITER_SOURCE, uaddr, 2 * PAGE_SIZE, &iter);
	if (ready) {
		fasi_test_read_events(&ev[0]);
		part = fasi_test_atomic(file, folio, 0, 2 * PAGE_SIZE, &iter,
					&faults[0]);
		fasi_test_read_events(&ev[1]);
		part_ok = fasi_test_folio_holds(folio, 42, 0, PAGE_SIZE, 41);

		/* The rest starts at page 1, which is not present. */
		left = iov_iter_count(&iter);
		none = fasi_test_atomic(file, folio, part, left, &iter,
					&faults[1]);
		fasi_test_read_events(&ev[2]);
		none_ok = fasi_test_folio_holds(folio, 42, 0, PAGE_SIZE, 41);

		left = iov_iter_count(&iter);
		not_faulted = fault_in_iov_iter_readable(&iter, left);
		fasi_test_read_events(&ev[3]);
		rest = fasi_test_atomic(file, folio, part + none, left, &iter,
					&faults[2]);
		fasi_test_read_events(&ev[4]);
		/* Page 1 was faulted in as the zero page. */
		rest_ok = !memchr_inv(p + PAGE_SIZE, 0, PAGE_SIZE) &&
			  fasi_test_matching(p, 42, 0, PAGE_SIZE) == PAGE_SIZE;
	}
	fasi_test_munmap(uaddr, 2 * PAGE_SIZE);
	fasi_test_leave_mm(tm);

	KUNIT_ASSERT_NE_MSG(test, uaddr, 0UL, "vm_mmap() failed");
	KUNIT_ASSERT_TRUE_MSG(test, ready, "could not write the source");

	/* Up to the page that is not present, and no further. */
	KUNIT_EXPECT_EQ(test, part, PAGE_SIZE);
	KUNIT_EXPECT_TRUE_MSG(test, part_ok, "up to the hole: wrong data");
	KUNIT_EXPECT_EQ_MSG(test, faults[0], 0UL, "up to the hole: faulted");
	fasi_test_expect_maps(test, "up to the hole", &ev[0], &ev[1], 2, 0);

	/* Nothing from a page not present. */
	KUNIT_EXPECT_EQ(test, none, (size_t)0);
	KUNIT_EXPECT_TRUE_MSG(test, none_ok, "from the hole: folio changed");
	KUNIT_EXPECT_EQ_MSG(test, faults[1], 0UL, "from the hole: faulted");
	fasi_test_expect_maps(test, "from the hole", &ev[1], &ev[2], 1, 0);
	KUNIT_EXPECT_EQ(test, left, PAGE_SIZE);

	/* Once the caller faulted it in, all of it. */
	KUNIT_EXPECT_EQ(test, not_faulted, (size_t)0);
	KUNIT_EXPECT_EQ(test, rest, PAGE_SIZE);
	KUNIT_EXPECT_TRUE_MSG(test, rest_ok, "after the fault-in: wrong data");
	KUNIT_EXPECT_EQ_MSG(test, faults[2], 0UL, "after the fault-in: faults");
	fasi_test_expect_maps(test, "after the fault-in", &ev[3], &ev[4], 1, 0);
}

/*
 * A write maps the page only for a writer that may read the file: one
 * opened for reading, or one opened write-only (a shell's "> file") whose
 * inode the writer may read.  A writer that may not read it gets the
 * direct map.  The data arrives right either way.
 */
static void fasi_test_write_only_file_mapped_if_readable(struct kunit *test)
{
	const size_t uoff = 100, foff = 500, bytes = 3000;
	const char *const what[3] = { "read-write", "write-only, readable",
				      "write-only, not readable" };
	struct fasi_test_events ev[3][2] = { };
	unsigned long faults[3] = { };
	const struct cred *user, *old;
	size_t ret[3] = { };
	bool ready = false, ok[3] = { };
	const struct file *file[3];
	struct fasi_test_mm *tm;
	struct folio *folio[3];
	struct iov_iter iter;
	unsigned long uaddr;
	int k;
	u8 *buf;

	if (!filemap_asi_enabled())
		kunit_skip(test, "ephmap is off (boot with ephmap=on)");

	file[0] = fasi_test_file(test, FMODE_READ | FMODE_WRITE, 0600);
	file[1] = fasi_test_file(test, FMODE_WRITE, 0600);
	file[2] = fasi_test_file(test, FMODE_WRITE, 0200);
	for (k = 0; k < 3; k++) {
		folio[k] = fasi_test_folio(test, 0, 51);
		KUNIT_ASSERT_NOT_NULL(test, folio[k]);
	}
	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	user = fasi_test_user_cred(test);

	tm = fasi_test_enter_mm(test);
	uaddr = fasi_test_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			       MAP_POPULATE);
	/* User byte u holds what belongs at folio offset u - uoff + foff. */
	if (uaddr)
		ready = fasi_test_user_fill(uaddr, 52, foff - uoff, PAGE_SIZE,
					    buf);
	for (k = 0; k < 3 && ready; k++) {
		ready = fasi_test_ubuf(ITER_SOURCE, uaddr + uoff, bytes, &iter);
		if (!ready)
			break;
		/* The files belong to root; the last writer is a user. */
		old = k == 2 ? override_creds(user) : NULL;
		fasi_test_read_events(&ev[k][0]);
		ret[k] = fasi_test_atomic(file[k], folio[k], foff, bytes, &iter,
					  &faults[k]);
		fasi_test_read_events(&ev[k][1]);
		if (old)
			revert_creds(old);
		ok[k] = fasi_test_folio_holds(folio[k], 52, foff, foff + bytes,
					      51);
	}
	fasi_test_munmap(uaddr, PAGE_SIZE);
	fasi_test_leave_mm(tm);
	put_cred(user);

	KUNIT_ASSERT_TRUE_MSG(test, ready, "could not set up the source");
	for (k = 0; k < 3; k++) {
		KUNIT_EXPECT_EQ_MSG(test, ret[k], bytes, "%s", what[k]);
		KUNIT_EXPECT_TRUE_MSG(test, ok[k], "%s: wrong data", what[k]);
		KUNIT_EXPECT_EQ(test, faults[k], 0UL);
		fasi_test_expect_maps(test, what[k], &ev[k][0], &ev[k][1],
				      k < 2, 0);
	}
}

/*
 * A mapping its filesystem opted out (mapping_set_no_ephmap()) gets the
 * direct map from the page-cache helpers: reads by folio (filemap_read(),
 * hugetlbfs) and by page (shmem), the atomic write, and the zeroing of one
 * of its page-cache folios; the same file without the flag gets one
 * mapping for each.  The data arrives right either way.
 */
static void fasi_test_opted_out_mapping_gets_direct_map(struct kunit *test)
{
	const size_t uoff = 300, foff = 700, bytes = 2500;
	const char *const what[2] = { "mapping", "opted-out mapping" };
	struct fasi_test_events rd[2][2] = { }, rdp[2][2] = { };
	struct fasi_test_events wr[2][2] = { }, zr[2][2] = { };
	size_t rret[2] = { }, rpret[2] = { }, wret[2] = { };
	bool ready = false, rok[2] = { }, rpok[2] = { }, wok[2] = { };
	struct address_space *mapping[2];
	unsigned long faults[2] = { };
	struct folio *cached[2];
	const struct file *file[2];
	struct folio *folio[2][2];
	struct fasi_test_mm *tm;
	struct iov_iter iter;
	unsigned long uaddr;
	int k;
	u8 *buf;

	if (!filemap_asi_enabled())
		kunit_skip(test, "ephmap is off (boot with ephmap=on)");

	for (k = 0; k < 2; k++) {
		file[k] = fasi_test_file(test, FMODE_READ | FMODE_WRITE, 0600);
		mapping[k] = file[k]->f_mapping;
		/* [k][0] is read from, [k][1] written to. */
		folio[k][0] = fasi_test_folio(test, 0, 61);
		folio[k][1] = fasi_test_folio(test, 0, 62);
		KUNIT_ASSERT_NOT_NULL(test, folio[k][0]);
		KUNIT_ASSERT_NOT_NULL(test, folio[k][1]);
		/* A folio of the file's own page cache, to zero. */
		cached[k] = shmem_read_folio(mapping[k], 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(cached[k]));
		KUNIT_ASSERT_EQ(test,
				kunit_add_action_or_reset(test,
							  fasi_test_folio_put,
							  cached[k]), 0);
		memset(folio_address(cached[k]), 0x5a, PAGE_SIZE);
	}
	mapping_set_no_ephmap(mapping[1]);
	KUNIT_ASSERT_FALSE(test, mapping_no_ephmap(mapping[0]));
	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	tm = fasi_test_enter_mm(test);
	uaddr = fasi_test_mmap(0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			       MAP_POPULATE);
	/* The second page holds the source of the writes. */
	if (uaddr)
		ready = fasi_test_user_fill(uaddr + PAGE_SIZE, 63,
					    foff - uoff, PAGE_SIZE, buf);
	for (k = 0; k < 2 && ready; k++) {
		struct folio *src = folio[k][0];

		ready = fasi_test_ubuf(ITER_DEST, uaddr + uoff, bytes, &iter);
		if (!ready)
			break;
		fasi_test_read_events(&rd[k][0]);
		rret[k] = filemap_asi_copy_cached_folio_to_iter(mapping[k], src,
								foff, bytes,
								&iter);
		fasi_test_read_events(&rd[k][1]);
		rok[k] = fasi_test_user_holds(uaddr + uoff, 61, foff, bytes,
					      buf);

		ready = fasi_test_ubuf(ITER_DEST, uaddr + uoff, bytes, &iter);
		if (!ready)
			break;
		fasi_test_read_events(&rdp[k][0]);
		rpret[k] = filemap_asi_copy_cached_page_to_iter(mapping[k],
								&src->page,
								foff, bytes,
								&iter);
		fasi_test_read_events(&rdp[k][1]);
		rpok[k] = fasi_test_user_holds(uaddr + uoff, 61, foff, bytes,
					       buf);

		ready = fasi_test_ubuf(ITER_SOURCE, uaddr + PAGE_SIZE + uoff,
				       bytes, &iter);
		if (!ready)
			break;
		fasi_test_read_events(&wr[k][0]);
		wret[k] = fasi_test_atomic(file[k], folio[k][1], foff, bytes,
					   &iter, &faults[k]);
		fasi_test_read_events(&wr[k][1]);
		wok[k] = fasi_test_folio_holds(folio[k][1], 63, foff,
					       foff + bytes, 62);

		fasi_test_read_events(&zr[k][0]);
		filemap_asi_zero_range(cached[k], foff, bytes);
		fasi_test_read_events(&zr[k][1]);
	}
	fasi_test_munmap(uaddr, 2 * PAGE_SIZE);
	fasi_test_leave_mm(tm);

	KUNIT_ASSERT_TRUE_MSG(test, ready, "could not set up user memory");
	for (k = 0; k < 2; k++) {
		const u8 *p = folio_address(cached[k]);

		KUNIT_EXPECT_EQ_MSG(test, rret[k], bytes, "%s: read", what[k]);
		KUNIT_EXPECT_TRUE_MSG(test, rok[k], "%s: read wrong data",
				      what[k]);
		fasi_test_expect_maps(test, what[k], &rd[k][0], &rd[k][1],
				      k == 0, 0);
		KUNIT_EXPECT_EQ_MSG(test, rpret[k], bytes, "%s: read by page",
				    what[k]);
		KUNIT_EXPECT_TRUE_MSG(test, rpok[k],
				      "%s: read by page, wrong data", what[k]);
		fasi_test_expect_maps(test, what[k], &rdp[k][0], &rdp[k][1],
				      k == 0, 0);
		KUNIT_EXPECT_EQ_MSG(test, wret[k], bytes, "%s: write", what[k]);
		KUNIT_EXPECT_TRUE_MSG(test, wok[k], "%s: wrote wrong data",
				      what[k]);
		KUNIT_EXPECT_EQ(test, faults[k], 0UL);
		fasi_test_expect_maps(test, what[k], &wr[k][0], &wr[k][1],
				      k == 0, 0);
		fasi_test_expect_maps(test, what[k], &zr[k][0], &zr[k][1],
				      k == 0, 0);
		KUNIT_EXPECT_EQ_MSG(test, p[foff - 1], 0x5a, "%s: zeroed before",
				    what[k]);
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(p + foff, 0, bytes),
				      "%s: not zeroed", what[k]);
		KUNIT_EXPECT_EQ_MSG(test, p[foff + bytes], 0x5a,
				    "%s: zeroed past the end", what[k]);
	}
}

/*
 * The first byte of @folio that is wrong: zero in [@start1, @end1) and
 * [@start2, @end2), @seed's pattern (never zero) elsewhere; folio_size()
 * if none is.
 */
static size_t fasi_test_first_wrong(struct folio *folio, unsigned int seed,
				    size_t start1, size_t end1,
				    size_t start2, size_t end2)
{
	const u8 *p = folio_address(folio);
	size_t i;

	for (i = 0; i < folio_size(folio); i++) {
		bool zero = (i >= start1 && i < end1) ||
			    (i >= start2 && i < end2);

		if (p[i] != (zero ? 0 : fasi_test_byte(seed, i)))
			return i;
	}
	return folio_size(folio);
}

/*
 * Zeroing: exactly the segments asked for, each across a page boundary of
 * a small folio (a mapping per page), most of a 2 MiB one (one PMD
 * mapping), and all of a new folio.
 */
static void fasi_test_zero_segments_zero_exactly(struct kunit *test)
{
	const size_t s1 = 100, e1 = PAGE_SIZE + 50;
	const size_t s2 = 2 * PAGE_SIZE + 7, e2 = 4 * PAGE_SIZE - 3;
	const size_t bs = PAGE_SIZE + 1, be = PMD_SIZE - 1;
	struct fasi_test_events ev[6] = { };
	size_t small_wrong, big_wrong = 0;
	struct folio *small, *big, *clear;
	struct fasi_test_mm *tm;
	bool cleared;

	small = fasi_test_folio(test, 2, 61);
	KUNIT_ASSERT_NOT_NULL(test, small);
	big = fasi_test_folio(test, PMD_ORDER, 62);
	if (!big)
		kunit_info(test, "no order-%u folio: PMD zeroing not tested\n",
			   PMD_ORDER);
	clear = fasi_test_folio(test, 2, 63);
	KUNIT_ASSERT_NOT_NULL(test, clear);

	/* With an mm, so that the ephmap, when on, maps. */
	tm = fasi_test_enter_mm(test);
	fasi_test_read_events(&ev[0]);
	filemap_asi_zero_segments(small, s1, e1, s2, e2);
	fasi_test_read_events(&ev[1]);
	small_wrong = fasi_test_first_wrong(small, 61, s1, e1, s2, e2);

	if (big) {
		fasi_test_read_events(&ev[2]);
		filemap_asi_zero_range(big, bs, be - bs);
		fasi_test_read_events(&ev[3]);
		big_wrong = fasi_test_first_wrong(big, 62, bs, be, 0, 0);
	}

	fasi_test_read_events(&ev[4]);
	filemap_asi_clear_folio(clear);
	fasi_test_read_events(&ev[5]);
	cleared = !memchr_inv(folio_address(clear), 0, folio_size(clear));
	fasi_test_leave_mm(tm);

	KUNIT_EXPECT_EQ_MSG(test, small_wrong, folio_size(small),
			    "[%zu, %zu) and [%zu, %zu): wrong at byte %zu",
			    s1, e1, s2, e2, small_wrong);
	fasi_test_expect_maps(test, "two segments", &ev[0], &ev[1], 4, 0);
	if (big) {
		KUNIT_EXPECT_EQ_MSG(test, big_wrong, folio_size(big),
				    "[%zu, %zu) of 2 MiB: wrong at byte %zu",
				    bs, be, big_wrong);
		fasi_test_expect_maps(test, "2 MiB", &ev[2], &ev[3], 1, 1);
	}
	KUNIT_EXPECT_TRUE_MSG(test, cleared, "clear_folio left bytes");
	fasi_test_expect_maps(test, "clear_folio", &ev[4], &ev[5], 4, 0);
}

/*
 * pipe_write()'s copy into a new page: the data, then (with the ephmap
 * on, as readers map all of the page) zeros to the end of the page; at
 * most a page from a longer source.
 */
static void fasi_test_pipe_page_holds_data_then_zeros(struct kunit *test)
{
	const size_t bytes = 100;
	size_t short_ret = 0, short_left = 0, full_ret = 0, full_left = 0;
	bool ready, data_ok = false, tail_ok = false, full_ok = false;
	struct fasi_test_events ev[4] = { };
	struct folio *pipe, *full;
	struct fasi_test_mm *tm;
	struct iov_iter iter;
	unsigned long uaddr;
	u8 *p, *buf;
	int tail;

	pipe = fasi_test_folio(test, 0, 71);
	KUNIT_ASSERT_NOT_NULL(test, pipe);
	p = folio_address(pipe);
	memset(p, 0xaa, PAGE_SIZE);
	full = fasi_test_folio(test, 0, 72);
	KUNIT_ASSERT_NOT_NULL(test, full);
	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* With the ephmap off, the page's old bytes stay. */
	tail = filemap_asi_enabled() ? 0 : 0xaa;

	tm = fasi_test_enter_mm(test);
	uaddr = fasi_test_mmap(0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			       MAP_POPULATE);
	ready = uaddr &&
		fasi_test_user_fill(uaddr, 73, 0, 2 * PAGE_SIZE, buf) &&
		fasi_test_ubuf(ITER_SOURCE, uaddr, bytes, &iter);
	if (ready) {
		fasi_test_read_events(&ev[0]);
		short_ret = filemap_asi_copy_to_pipe_page(folio_page(pipe, 0),
							  &iter);
		fasi_test_read_events(&ev[1]);
		short_left = iov_iter_count(&iter);
		data_ok = fasi_test_matching(p, 73, 0, bytes) == bytes;
		tail_ok = !memchr_inv(p + bytes, tail, PAGE_SIZE - bytes);
		ready = fasi_test_ubuf(ITER_SOURCE, uaddr, 2 * PAGE_SIZE,
				       &iter);
	}
	if (ready) {
		fasi_test_read_events(&ev[2]);
		full_ret = filemap_asi_copy_to_pipe_page(folio_page(full, 0),
							 &iter);
		fasi_test_read_events(&ev[3]);
		full_left = iov_iter_count(&iter);
		full_ok = fasi_test_matching(folio_address(full), 73, 0,
					     PAGE_SIZE) == PAGE_SIZE;
	}
	fasi_test_munmap(uaddr, 2 * PAGE_SIZE);
	fasi_test_leave_mm(tm);

	KUNIT_ASSERT_TRUE_MSG(test, ready, "could not set up the source");
	KUNIT_EXPECT_EQ(test, short_ret, bytes);
	KUNIT_EXPECT_EQ(test, short_left, (size_t)0);
	KUNIT_EXPECT_TRUE_MSG(test, data_ok, "100 bytes: wrong data");
	KUNIT_EXPECT_TRUE_MSG(test, tail_ok,
			      "100 bytes: the rest of the page is not %#x",
			      tail);
	/* The copy, then the zeroing. */
	fasi_test_expect_maps(test, "100 bytes", &ev[0], &ev[1], 2, 0);
	KUNIT_EXPECT_EQ(test, full_ret, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, full_left, PAGE_SIZE);
	KUNIT_EXPECT_TRUE_MSG(test, full_ok, "a page of two: wrong data");
	fasi_test_expect_maps(test, "a page of two", &ev[2], &ev[3], 1, 0);
}

static struct kunit_case fasi_test_cases[] = {
	KUNIT_CASE(fasi_test_kernel_buffers_get_plain_copy),
	KUNIT_CASE(fasi_test_copy_to_user_maps_each_window),
	KUNIT_CASE(fasi_test_copy_faults_destination_in),
	KUNIT_CASE(fasi_test_copy_to_unfaultable_memory_stops),
	KUNIT_CASE(fasi_test_atomic_copy_never_faults),
	KUNIT_CASE(fasi_test_write_only_file_mapped_if_readable),
	KUNIT_CASE(fasi_test_opted_out_mapping_gets_direct_map),
	KUNIT_CASE(fasi_test_zero_segments_zero_exactly),
	KUNIT_CASE(fasi_test_pipe_page_holds_data_then_zeros),
	{}
};

static struct kunit_suite fasi_test_suite = {
	.name = "filemap_asi",
	.test_cases = fasi_test_cases,
};

kunit_test_suite(fasi_test_suite);

/* arch_pick_mmap_layout() is exported to KUnit tests only. */
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests for page-cache copies through the ephmap");
MODULE_LICENSE("GPL");
