/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copies between page-cache folios and iov_iters through the ephmap, so
 * that with Address Space Isolation a read() or write() of sensitive file
 * data never touches the direct map (which the restricted address space
 * does not map) and so never exits it.
 *
 * Each helper has the contract of the iov_iter call it replaces
 * (copy_folio_to_iter(), copy_page_to_iter(), copy_page_from_iter(),
 * copy_folio_from_iter_atomic()) or of the zeroing it replaces
 * (folio_zero_segments()).  With the ephmap off it is that call.  With it
 * on, a copy maps one page at a time (in a folio of 2 MiB or more, up to
 * the rest of a 2 MiB block: PTEs for up to 16 pages, else one PMD) with
 * page faults disabled; a copy to or from user memory that stops at a
 * page not present unmaps, faults the rest of the request in, and goes
 * on, so the non-atomic helpers return short only where the call they
 * replace would.  Only copies to or from user memory map (the task is
 * entitled to the data it moves), and writes only for a writer that may
 * read the file; the rest stay on the direct map, counted in
 * /sys/kernel/debug/filemap_asi/direct.
 *
 * A filesystem with its own copy loop calls these instead of the
 * iov_iter ones.  See Documentation/filesystems/filemap-asi.rst.
 */
#ifndef _LINUX_FILEMAP_ASI_H
#define _LINUX_FILEMAP_ASI_H

#include <linux/ephmap.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pipe_fs_i.h>
#include <linux/uio.h>

size_t __filemap_asi_copy_to_iter(struct folio *folio, size_t offset,
				  size_t bytes, struct iov_iter *i);
size_t __filemap_asi_copy_from_iter(struct folio *folio, size_t offset,
				    size_t bytes, struct iov_iter *i,
				    bool atomic);
void __filemap_asi_zero_segments(struct folio *folio, size_t start1,
				 size_t end1, size_t start2, size_t end2);
size_t __filemap_asi_copy_to_pipe_page(struct page *page,
				       struct iov_iter *from);
size_t __filemap_asi_copy_write_checked(const struct file *file,
					struct folio *folio, size_t offset,
					size_t bytes, struct iov_iter *i);
size_t __filemap_asi_copy_no_ephmap_to_iter(struct folio *folio,
					    size_t offset, size_t bytes,
					    struct iov_iter *i);
size_t __filemap_asi_copy_pipe_buf_to_iter(struct pipe_buffer *buf,
					   size_t bytes, struct iov_iter *i,
					   bool pipe_owned);

/* Whether the copies go through the ephmap: the same switch as it. */
static __always_inline bool filemap_asi_enabled(void)
{
	return IS_ENABLED(CONFIG_FILEMAP_ASI) && ephmap_enabled();
}

/* Byte @offset of @page as an offset into its folio. */
static inline size_t filemap_asi_folio_offset(struct folio *folio,
					      struct page *page,
					      size_t offset)
{
	return folio_page_idx(folio, page) * PAGE_SIZE + offset;
}

/**
 * filemap_asi_copy_folio_to_iter - copy_folio_to_iter() through the ephmap
 * @folio: the folio, which the caller holds
 * @offset: first byte to copy, from the start of the folio
 * @bytes: bytes to copy
 * @i: destination
 *
 * Return: bytes copied; short only where copy_folio_to_iter() would be.
 */
static inline size_t filemap_asi_copy_folio_to_iter(struct folio *folio,
						    size_t offset, size_t bytes,
						    struct iov_iter *i)
{
	if (!filemap_asi_enabled())
		return copy_folio_to_iter(folio, offset, bytes, i);
	return __filemap_asi_copy_to_iter(folio, offset, bytes, i);
}

/* The cached read helpers below, once the ephmap is known to be on. */
static inline size_t
__filemap_asi_copy_cached_to_iter(const struct address_space *mapping,
				  struct folio *folio, size_t offset,
				  size_t bytes, struct iov_iter *i)
{
	if (unlikely(mapping_no_ephmap(mapping)))
		return __filemap_asi_copy_no_ephmap_to_iter(folio, offset,
							    bytes, i);
	return __filemap_asi_copy_to_iter(folio, offset, bytes, i);
}

/**
 * filemap_asi_copy_cached_folio_to_iter - a page-cache read's copy
 * @mapping: the page cache that holds @folio
 * @folio: the folio, which the caller holds
 * @offset: first byte to copy, from the start of the folio
 * @bytes: bytes to copy
 * @i: destination
 *
 * filemap_asi_copy_folio_to_iter(), unless the filesystem opted @mapping
 * out with mapping_set_no_ephmap(): then copy_folio_to_iter(), counted.
 *
 * Return: bytes copied; short only where copy_folio_to_iter() would be.
 */
static inline size_t
filemap_asi_copy_cached_folio_to_iter(const struct address_space *mapping,
				      struct folio *folio, size_t offset,
				      size_t bytes, struct iov_iter *i)
{
	if (!filemap_asi_enabled())
		return copy_folio_to_iter(folio, offset, bytes, i);
	return __filemap_asi_copy_cached_to_iter(mapping, folio, offset,
						 bytes, i);
}

/*
 * filemap_asi_copy_page_to_iter() of a page of @mapping's page cache (a
 * read loop that goes page by page, shmem's): the direct map if @mapping
 * opted out.
 */
static inline size_t
filemap_asi_copy_cached_page_to_iter(const struct address_space *mapping,
				     struct page *page, size_t offset,
				     size_t bytes, struct iov_iter *i)
{
	struct folio *folio;

	if (!filemap_asi_enabled())
		return copy_page_to_iter(page, offset, bytes, i);
	folio = page_folio(page);
	return __filemap_asi_copy_cached_to_iter(mapping, folio,
			filemap_asi_folio_offset(folio, page, offset), bytes, i);
}

/* copy_page_to_iter() through the ephmap: @page may be a tail page. */
static inline size_t filemap_asi_copy_page_to_iter(struct page *page,
						   size_t offset, size_t bytes,
						   struct iov_iter *i)
{
	struct folio *folio;

	if (!filemap_asi_enabled())
		return copy_page_to_iter(page, offset, bytes, i);
	folio = page_folio(page);
	return __filemap_asi_copy_to_iter(folio,
			filemap_asi_folio_offset(folio, page, offset), bytes, i);
}

/* copy_page_from_iter() through the ephmap; may fault the source in. */
static inline size_t filemap_asi_copy_page_from_iter(struct page *page,
						     size_t offset,
						     size_t bytes,
						     struct iov_iter *i)
{
	struct folio *folio;

	if (!filemap_asi_enabled())
		return copy_page_from_iter(page, offset, bytes, i);
	folio = page_folio(page);
	return __filemap_asi_copy_from_iter(folio,
			filemap_asi_folio_offset(folio, page, offset), bytes, i,
			false);
}

/**
 * filemap_asi_copy_folio_from_iter_atomic - copy_folio_from_iter_atomic()
 *	through the ephmap
 * @file: the file written
 * @folio: its folio, locked, which the caller holds
 * @offset: first byte to write, from the start of the folio
 * @bytes: bytes to copy
 * @i: source
 *
 * Never faults: the caller faults the source in and retries, as
 * generic_perform_write() does.  A mapping shows the whole page to the
 * writer's mm, so a writer that may not read @file (opened it without
 * FMODE_READ and has no read permission) gets the direct map, as does a
 * file whose filesystem opted its mapping out (mapping_set_no_ephmap()).
 *
 * Return: bytes copied.
 */
static inline size_t
filemap_asi_copy_folio_from_iter_atomic(const struct file *file,
					struct folio *folio, size_t offset,
					size_t bytes, struct iov_iter *i)
{
	if (!filemap_asi_enabled())
		return copy_folio_from_iter_atomic(folio, offset, bytes, i);
	if (unlikely(!(file->f_mode & FMODE_READ) ||
		     mapping_no_ephmap(file->f_mapping)))
		return __filemap_asi_copy_write_checked(file, folio, offset,
							bytes, i);
	return __filemap_asi_copy_from_iter(folio, offset, bytes, i, true);
}

/*
 * folio_zero_segments() through the ephmap; the direct map for a folio of
 * a mapping that opted out.
 */
static inline void filemap_asi_zero_segments(struct folio *folio,
					     size_t start1, size_t end1,
					     size_t start2, size_t end2)
{
	if (!filemap_asi_enabled()) {
		folio_zero_segments(folio, start1, end1, start2, end2);
		return;
	}
	__filemap_asi_zero_segments(folio, start1, end1, start2, end2);
}

/*
 * Zeroes all of a new folio: clear_highpage() on each page, through the
 * ephmap.
 */
static inline void filemap_asi_clear_folio(struct folio *folio)
{
	long i, n = folio_nr_pages(folio);

	if (filemap_asi_enabled()) {
		__filemap_asi_zero_segments(folio, 0, folio_size(folio), 0, 0);
		return;
	}
	for (i = 0; i < n; i++)
		clear_highpage(folio_page(folio, i));
	flush_dcache_folio(folio);
}

/* folio_zero_range() through the ephmap. */
static inline void filemap_asi_zero_range(struct folio *folio, size_t start,
					  size_t length)
{
	filemap_asi_zero_segments(folio, start, start + length, 0, 0);
}

/**
 * filemap_asi_copy_pipe_buf_to_iter - pipe_read()'s copy_page_to_iter()
 * @buf: the pipe buffer
 * @bytes: bytes to copy from its start
 * @i: destination
 * @pipe_owned: @buf's page is one this pipe's pipe_write() filled and no
 *		other pipe shares (an anonymous pipe buffer that may still
 *		be merged into)
 *
 * The reader sees the whole page while any TLB may hold the mapping, so
 * the page is mapped only if the reader may see all of it: a page the
 * pipe owns (pipe data, the rest zeroed by filemap_asi_copy_to_pipe_page())
 * or a whole page-cache page of a file the reader may read.  Anything
 * else gets the direct map.
 */
static inline size_t
filemap_asi_copy_pipe_buf_to_iter(struct pipe_buffer *buf, size_t bytes,
				  struct iov_iter *i, bool pipe_owned)
{
	if (!filemap_asi_enabled())
		return copy_page_to_iter(buf->page, buf->offset, bytes, i);
	return __filemap_asi_copy_pipe_buf_to_iter(buf, bytes, i, pipe_owned);
}

/**
 * filemap_asi_copy_to_pipe_page - pipe_write()'s copy into a new page
 * @page: the page, order 0, whose buffer readers cannot reach yet (the
 *	  writer holds pipe->mutex)
 * @from: source
 *
 * copy_page_from_iter(@page, 0, PAGE_SIZE, @from), through the ephmap;
 * the rest of the page is zeroed, as readers map all of it.
 *
 * Return: bytes copied.
 */
static inline size_t filemap_asi_copy_to_pipe_page(struct page *page,
						   struct iov_iter *from)
{
	if (!filemap_asi_enabled())
		return copy_page_from_iter(page, 0, PAGE_SIZE, from);
	return __filemap_asi_copy_to_pipe_page(page, from);
}

#endif /* _LINUX_FILEMAP_ASI_H */
