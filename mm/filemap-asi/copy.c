// SPDX-License-Identifier: GPL-2.0
/*
 * Page-cache copies through the ephmap (see <linux/filemap_asi.h> and
 * Documentation/filesystems/filemap-asi.rst).
 *
 * A copy maps the part of the folio it is about to copy, copies with page
 * faults disabled (ephmap mappings are atomic), and unmaps.  One mapping
 * covers a page, or, in a folio of 2 MiB or more, the rest of the 2 MiB
 * block being copied (up to 16 pages with PTEs, more with one PMD entry):
 * mapping page by page would cost 512 mappings per block where one does.
 * A copy to user memory that stops short at a page that is not present
 * faults the rest of the request in with nothing mapped, and goes on.
 */
#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/filemap_asi.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/page-flags.h>
#include <linux/rcupdate.h>
#include <linux/splice.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/uio.h>
#include <kunit/visibility.h>

/*
 * Copies the helpers leave on the direct map on purpose, by reason (the
 * ephmap counts its own fallbacks in /proc/vmstat): debugging figures, in
 * /sys/kernel/debug/filemap_asi/direct, counted off the fast path only.
 */
enum filemap_asi_direct {
	FILEMAP_ASI_DIRECT_KERNEL_ITER,	/* not user memory */
	FILEMAP_ASI_DIRECT_WRITE_ONLY,	/* a file the writer may not read */
	FILEMAP_ASI_DIRECT_PIPE_BUF,	/* a pipe page the reader may not see whole */
	FILEMAP_ASI_DIRECT_REFUSED,	/* a window the ephmap refused */
	FILEMAP_ASI_DIRECT_NO_EPHMAP,	/* a mapping that opted out */
	FILEMAP_ASI_DIRECT_NR,
};

static const char *const filemap_asi_direct_names[FILEMAP_ASI_DIRECT_NR] = {
	[FILEMAP_ASI_DIRECT_KERNEL_ITER]	= "kernel_iter",
	[FILEMAP_ASI_DIRECT_WRITE_ONLY]		= "write_only",
	[FILEMAP_ASI_DIRECT_PIPE_BUF]		= "pipe_buf",
	[FILEMAP_ASI_DIRECT_REFUSED]		= "refused",
	[FILEMAP_ASI_DIRECT_NO_EPHMAP]		= "no_ephmap",
};

static DEFINE_PER_CPU(unsigned long[FILEMAP_ASI_DIRECT_NR], filemap_asi_direct);

static void filemap_asi_count_direct(enum filemap_asi_direct why)
{
	this_cpu_inc(filemap_asi_direct[why]);
}

/*
 * Whether a subpage of @folio is hardware-poisoned: its block is then not
 * mapped whole, which would bring the poisoned page back into a cacheable
 * mapping that the CPU may touch speculatively.
 */
static bool filemap_asi_poisoned(struct folio *folio)
{
	if (folio_test_hugetlb(folio))
		return folio_test_hwpoison(folio);
	return folio_test_has_hwpoisoned(folio);
}

/* Bytes of @folio from @offset, at most @bytes, that one mapping covers. */
static size_t filemap_asi_window(struct folio *folio, size_t offset,
				 size_t bytes)
{
	size_t n = PAGE_SIZE - offset_in_page(offset);

	if (bytes > n && folio_size(folio) >= PMD_SIZE &&
	    !filemap_asi_poisoned(folio))
		n = PMD_SIZE - (offset & ~PMD_MASK);
	return min(bytes, n);
}

/* The window is inside the folio, as page_copy_sane() wants it. */
static bool filemap_asi_sane(struct folio *folio, size_t offset, size_t bytes)
{
	size_t size = folio_size(folio);

	return !WARN_ON_ONCE(offset > size || bytes > size - offset);
}

/*
 * Whether a copy that stops short may fault the user pages in and go on:
 * not if the caller had page faults disabled (gfs2 reads so, and faults in
 * itself) or asked for no faults.
 */
static bool filemap_asi_may_fault(const struct iov_iter *i)
{
	return !pagefault_disabled() && !i->nofault;
}

/*
 * After a short copy of @left bytes to or from @i: whether faulting the
 * user pages in made progress possible.
 */
static bool filemap_asi_fault_in(struct iov_iter *i, size_t left, bool write)
{
	size_t not_faulted;

	if (write)
		not_faulted = fault_in_iov_iter_writeable(i, left);
	else
		not_faulted = fault_in_iov_iter_readable(i, left);
	return not_faulted < left;
}

/*
 * The copy loop: from the folio into @i if @to, else from @i into the
 * folio.  Stops at a short copy unless @may_fault and faulting the rest
 * of the request in made progress possible, and at a copy that makes no
 * progress right after a fault-in (usercopy fault injection, say).  Sets
 * *@unmapped if the ephmap refused a window (only a misuse, which it
 * counted): the caller copies the rest the old way.
 */
static size_t filemap_asi_copy(struct folio *folio, size_t offset,
			       size_t bytes, struct iov_iter *i, bool to,
			       bool may_fault, bool faulted_in, bool *unmapped)
{
	size_t copied = 0;

	while (bytes) {
		size_t n = filemap_asi_window(folio, offset, bytes);
		void *kaddr = ephmap_map_folio(folio, offset, n);
		size_t done;

		if (unlikely(!kaddr)) {
			*unmapped = true;
			break;
		}
		if (to)
			done = _copy_to_iter(kaddr, n, i);
		else
			done = _copy_from_iter(kaddr, n, i);
		ephmap_unmap(kaddr);
		copied += done;
		offset += done;
		bytes -= done;
		if (done == n) {
			faulted_in = false;
			continue;
		}
		if (!may_fault || (faulted_in && !done) ||
		    !filemap_asi_fault_in(i, bytes, to))
			break;
		faulted_in = true;
	}
	return copied;
}

/*
 * A copy within the first page of the folio, which is all of an order-0
 * folio (so it needs no bounds check), in one mapping; returns the bytes
 * copied.  The common case of every read() and write() of up to 4 KiB,
 * kept to the mapping, the copy and the unmapping.
 */
static __always_inline size_t filemap_asi_copy_one(struct folio *folio,
						   size_t offset, size_t bytes,
						   struct iov_iter *i, bool to)
{
	/* The callers checked that the ephmap is on. */
	void *kaddr = __ephmap_map_folio_page(folio, offset);
	size_t done;

	if (to)
		done = _copy_to_iter(kaddr, bytes, i);
	else
		done = _copy_from_iter(kaddr, bytes, i);
	__ephmap_unmap(kaddr);
	return done;
}

/* After a short copy of the fast path: fault in and go on, if allowed. */
static noinline size_t filemap_asi_copy_short(struct folio *folio,
					      size_t offset, size_t bytes,
					      struct iov_iter *i, bool to)
{
	bool unmapped = false;

	if (!filemap_asi_may_fault(i) || !filemap_asi_fault_in(i, bytes, to))
		return 0;
	/* Within one page of the folio: the ephmap does not refuse it. */
	return filemap_asi_copy(folio, offset, bytes, i, to, true, true,
				&unmapped);
}

/* Everything but the fast path of __filemap_asi_copy_to_iter(). */
static noinline size_t filemap_asi_copy_to_iter_slow(struct folio *folio,
						     size_t offset,
						     size_t bytes,
						     struct iov_iter *i)
{
	bool unmapped = false;
	size_t copied;

	/*
	 * Only into user memory: the data then is the task's to have.  A
	 * kernel buffer (kernel_read() of a file the task may only execute,
	 * a bio_vec of someone else's pages) gets the direct map.
	 */
	if (!user_backed_iter(i)) {
		filemap_asi_count_direct(FILEMAP_ASI_DIRECT_KERNEL_ITER);
		return copy_folio_to_iter(folio, offset, bytes, i);
	}
	if (!filemap_asi_sane(folio, offset, bytes))
		return 0;
	copied = filemap_asi_copy(folio, offset, bytes, i, true,
				  filemap_asi_may_fault(i), false, &unmapped);
	if (unlikely(unmapped)) {
		filemap_asi_count_direct(FILEMAP_ASI_DIRECT_REFUSED);
		copied += copy_folio_to_iter(folio, offset + copied,
					     bytes - copied, i);
	}
	return copied;
}

size_t __filemap_asi_copy_to_iter(struct folio *folio, size_t offset,
				  size_t bytes, struct iov_iter *i)
{
	size_t copied;

	if (unlikely(!user_backed_iter(i) || offset + bytes > PAGE_SIZE))
		return filemap_asi_copy_to_iter_slow(folio, offset, bytes, i);
	copied = filemap_asi_copy_one(folio, offset, bytes, i, true);
	if (unlikely(copied < bytes))
		copied += filemap_asi_copy_short(folio, offset + copied,
						 bytes - copied, i, true);
	return copied;
}
EXPORT_SYMBOL_IF_KUNIT(__filemap_asi_copy_to_iter);

size_t __filemap_asi_copy_no_ephmap_to_iter(struct folio *folio,
					    size_t offset, size_t bytes,
					    struct iov_iter *i)
{
	filemap_asi_count_direct(FILEMAP_ASI_DIRECT_NO_EPHMAP);
	return copy_folio_to_iter(folio, offset, bytes, i);
}
EXPORT_SYMBOL_IF_KUNIT(__filemap_asi_copy_no_ephmap_to_iter);

/* The old way of a copy into the folio: atomic or not. */
static size_t filemap_asi_copy_from_direct(struct folio *folio, size_t offset,
					   size_t bytes, struct iov_iter *i,
					   bool atomic)
{
	if (atomic)
		return copy_folio_from_iter_atomic(folio, offset, bytes, i);
	return copy_page_from_iter(&folio->page, offset, bytes, i);
}

/* Everything but the fast path of __filemap_asi_copy_from_iter(). */
static noinline size_t filemap_asi_copy_from_iter_slow(struct folio *folio,
						       size_t offset,
						       size_t bytes,
						       struct iov_iter *i,
						       bool atomic)
{
	bool unmapped = false;
	size_t copied;

	/* Only from user memory, the writing task's own. */
	if (!user_backed_iter(i)) {
		filemap_asi_count_direct(FILEMAP_ASI_DIRECT_KERNEL_ITER);
		return filemap_asi_copy_from_direct(folio, offset, bytes, i,
						    atomic);
	}
	if (!filemap_asi_sane(folio, offset, bytes))
		return 0;
	/* The atomic caller faults in and retries itself. */
	copied = filemap_asi_copy(folio, offset, bytes, i, false,
				  !atomic && filemap_asi_may_fault(i), false,
				  &unmapped);
	if (unlikely(unmapped)) {
		filemap_asi_count_direct(FILEMAP_ASI_DIRECT_REFUSED);
		copied += filemap_asi_copy_from_direct(folio, offset + copied,
						       bytes - copied, i,
						       atomic);
	}
	return copied;
}

size_t __filemap_asi_copy_from_iter(struct folio *folio, size_t offset,
				    size_t bytes, struct iov_iter *i,
				    bool atomic)
{
	size_t copied;

	if (unlikely(!user_backed_iter(i) || offset + bytes > PAGE_SIZE))
		return filemap_asi_copy_from_iter_slow(folio, offset, bytes, i,
						       atomic);
	copied = filemap_asi_copy_one(folio, offset, bytes, i, false);
	/* The atomic caller faults in and retries itself. */
	if (unlikely(copied < bytes) && !atomic)
		copied += filemap_asi_copy_short(folio, offset + copied,
						 bytes - copied, i, false);
	return copied;
}
EXPORT_SYMBOL_IF_KUNIT(__filemap_asi_copy_from_iter);

/*
 * The page cache @folio belongs to, or NULL (anonymous, or truncated: the
 * mapping may go at any time).  Call under rcu_read_lock(): inodes are
 * freed after a grace period.
 */
static struct address_space *filemap_asi_folio_file_mapping(struct folio *folio)
{
	struct address_space *mapping = READ_ONCE(folio->mapping);

	if (!mapping || ((unsigned long)mapping & PAGE_MAPPING_FLAGS))
		return NULL;
	return mapping;
}

/*
 * Whether @folio belongs to the page cache of a mapping whose filesystem
 * opted out of the ephmap.
 */
static bool filemap_asi_folio_opted_out(struct folio *folio)
{
	struct address_space *mapping;
	bool out;

	rcu_read_lock();
	mapping = filemap_asi_folio_file_mapping(folio);
	out = mapping && mapping_no_ephmap(mapping);
	rcu_read_unlock();
	return out;
}

static void filemap_asi_zero(struct folio *folio, size_t start, size_t end)
{
	while (start < end) {
		size_t n = filemap_asi_window(folio, start, end - start);
		void *kaddr = ephmap_map_folio(folio, start, n);

		if (unlikely(!kaddr)) {
			folio_zero_range(folio, start, end - start);
			return;
		}
		memset(kaddr, 0, n);
		ephmap_unmap(kaddr);
		start += n;
	}
}

void __filemap_asi_zero_segments(struct folio *folio, size_t start1,
				 size_t end1, size_t start2, size_t end2)
{
	size_t size = folio_size(folio);

	if (WARN_ON_ONCE(end1 > size || end2 > size))
		return;
	if (unlikely(filemap_asi_folio_opted_out(folio))) {
		filemap_asi_count_direct(FILEMAP_ASI_DIRECT_NO_EPHMAP);
		folio_zero_segments(folio, start1, end1, start2, end2);
		return;
	}
	filemap_asi_zero(folio, start1, end1);
	filemap_asi_zero(folio, start2, end2);
	flush_dcache_folio(folio);
}
EXPORT_SYMBOL_IF_KUNIT(__filemap_asi_zero_segments);

size_t __filemap_asi_copy_to_pipe_page(struct page *page, struct iov_iter *from)
{
	struct folio *folio = page_folio(page);
	size_t offset = filemap_asi_folio_offset(folio, page, 0);
	size_t copied;

	copied = __filemap_asi_copy_from_iter(folio, offset,
					      min_t(size_t, PAGE_SIZE,
						    iov_iter_count(from)),
					      from, false);
	/*
	 * A reader maps the whole page: nothing of an earlier owner or an
	 * earlier write may stay in it.
	 */
	if (copied < PAGE_SIZE)
		__filemap_asi_zero_segments(folio, offset + copied,
					    offset + PAGE_SIZE, 0, 0);
	return copied;
}
EXPORT_SYMBOL_IF_KUNIT(__filemap_asi_copy_to_pipe_page);

/*
 * Whether the reader may see all of @buf's page for as long as a TLB may
 * hold it: a page this pipe's writers filled (@pipe_owned: pipe data, the
 * rest zeroed; tee() and splice() between pipes clear CAN_MERGE on the
 * buffer they share, so a shared page is not), or a whole page of a file
 * the reader may read (which it could read again, later writes included)
 * and whose filesystem did not opt out of the ephmap.  A vmspliced page,
 * part of a page, or anything else is not.
 */
static bool filemap_asi_pipe_buf_mappable(struct pipe_buffer *buf,
					  bool pipe_owned)
{
	struct address_space *mapping;
	struct folio *folio;
	bool ok = false;

	if (pipe_owned)
		return true;
	if (buf->ops != &page_cache_pipe_buf_ops || buf->offset ||
	    buf->len != PAGE_SIZE)
		return false;
	folio = page_folio(buf->page);
	rcu_read_lock();
	mapping = filemap_asi_folio_file_mapping(folio);
	if (mapping && !mapping_no_ephmap(mapping))
		ok = !inode_permission(&nop_mnt_idmap, mapping->host,
				       MAY_READ | MAY_NOT_BLOCK);
	rcu_read_unlock();
	return ok;
}

size_t __filemap_asi_copy_pipe_buf_to_iter(struct pipe_buffer *buf,
					   size_t bytes, struct iov_iter *i,
					   bool pipe_owned)
{
	if (!filemap_asi_pipe_buf_mappable(buf, pipe_owned)) {
		filemap_asi_count_direct(FILEMAP_ASI_DIRECT_PIPE_BUF);
		return copy_page_to_iter(buf->page, buf->offset, bytes, i);
	}
	return filemap_asi_copy_page_to_iter(buf->page, buf->offset, bytes, i);
}

/*
 * A write to a file whose mapping opted out, or to one opened without
 * FMODE_READ (a shell's "> file"): the mapping shows the writer the rest
 * of the page, which is fine if it may read the file anyway, as it
 * usually may.  The check may not sleep (the folio is locked): a
 * permission that cannot be decided at once counts as refused.
 */
size_t __filemap_asi_copy_write_checked(const struct file *file,
					struct folio *folio, size_t offset,
					size_t bytes, struct iov_iter *i)
{
	if (mapping_no_ephmap(file->f_mapping)) {
		filemap_asi_count_direct(FILEMAP_ASI_DIRECT_NO_EPHMAP);
		return copy_folio_from_iter_atomic(folio, offset, bytes, i);
	}
	if ((file->f_mode & FMODE_READ) ||
	    !inode_permission(file_mnt_idmap(file), file_inode(file),
			      MAY_READ | MAY_NOT_BLOCK))
		return __filemap_asi_copy_from_iter(folio, offset, bytes, i,
						    true);
	filemap_asi_count_direct(FILEMAP_ASI_DIRECT_WRITE_ONLY);
	return copy_folio_from_iter_atomic(folio, offset, bytes, i);
}
EXPORT_SYMBOL_IF_KUNIT(__filemap_asi_copy_write_checked);

static int filemap_asi_direct_show(struct seq_file *m, void *unused)
{
	int why, cpu;

	for (why = 0; why < FILEMAP_ASI_DIRECT_NR; why++) {
		unsigned long sum = 0;

		for_each_possible_cpu(cpu)
			sum += per_cpu(filemap_asi_direct, cpu)[why];
		seq_printf(m, "%s %lu\n", filemap_asi_direct_names[why], sum);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(filemap_asi_direct);

static int __init filemap_asi_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("filemap_asi", NULL);

	debugfs_create_file("direct", 0444, dir, NULL,
			    &filemap_asi_direct_fops);
	return 0;
}
late_initcall(filemap_asi_debugfs_init);
