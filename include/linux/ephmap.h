/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ephmap: an mm-local, CPU-local region of kernel address space where
 * a kernel path maps the folio it is about to copy, copies, and unmaps.
 * Its page tables belong to the mm, so a mapping is visible only in that
 * mm; each CPU has its own rings of slots in it, reused only after a TLB
 * flush, so mapping and unmapping cost no invalidation.
 *
 * Mappings are atomic, like kmap_atomic(): while one is held, preemption
 * and page faults are disabled, so a copy to or from user memory may come
 * up short and the caller unmaps, faults the user buffer in, and retries
 * (see generic_perform_write()).  They nest, and end in any order, as far
 * as the CPU's rings have room (512 slots each, of which at most 64 may
 * stay held across the TLB flush that recycles a ring).  When the ephmap is off, or cannot be used
 * from the calling context, the folio's direct-map address is returned
 * instead; ephmap_unmap() accepts it.  With the ephmap off nothing else
 * happens (preemption and page faults stay as they were), so callers must
 * be written for the atomic case.
 *
 * A map may flush other CPUs' TLBs and wait for them, as a TLB shootdown
 * does (when the CPU's spare batches ran out): do not map holding a lock
 * that is taken elsewhere with interrupts off.
 *
 * See Documentation/mm/ephmap.rst.
 */
#ifndef _LINUX_EPHMAP_H
#define _LINUX_EPHMAP_H

#include <linux/ephmap_types.h>
#include <linux/jump_label.h>
#include <linux/mm.h>
#include <linux/sched.h>

#ifdef CONFIG_EPHMAP
#include <asm/ephmap.h>

DECLARE_STATIC_KEY_FALSE(ephmap_enabled_key);

/*
 * Debugging counters, summed over CPUs in /sys/kernel/debug/ephmap/stats;
 * /proc/vmstat has only ephmap_map and ephmap_fallback.  The first four
 * are why a mapping got the direct map (the ephmap_fallback tracepoint's
 * reasons).
 */
enum ephmap_stat_item {
	EPHMAP_STAT_FALLBACK_NO_MM,
	EPHMAP_STAT_FALLBACK_CONTEXT,
	EPHMAP_STAT_FALLBACK_NESTING,
	EPHMAP_STAT_FALLBACK_RESERVE,
	EPHMAP_STAT_MAP_PMD,
	EPHMAP_STAT_MISUSE,
	EPHMAP_STAT_FLUSH_ALL,
	EPHMAP_STAT_FLUSH_REMOTE,
	NR_EPHMAP_STATS
};

/* @cpu's count of @item; and the sum over all CPUs, which the file shows. */
unsigned long ephmap_stat_cpu(enum ephmap_stat_item item, int cpu);
unsigned long ephmap_stat_sum(enum ephmap_stat_item item);

/* Whether mappings go through the ephmap at all (boot parameter ephmap=). */
static __always_inline bool ephmap_enabled(void)
{
	return static_branch_unlikely(&ephmap_enabled_key);
}

void *__ephmap_map_folio(struct folio *folio, size_t offset, size_t len);
void *__ephmap_map_folio_page(struct folio *folio, size_t offset);
void __ephmap_unmap(const void *addr);

/**
 * ephmap_map_folio - map part of a folio for a copy
 * @folio: the folio; the caller keeps it alive until ephmap_unmap()
 * @offset: first byte of the window, from the start of the folio
 * @len: bytes in the window, at least 1
 *
 * Returns the kernel address of byte @offset, valid until ephmap_unmap().
 * A window of up to EPHMAP_PTE_WINDOW_MAX pages is mapped page by page;
 * a larger one must lie within one 2 MiB-aligned block of a folio of
 * 2 MiB or more, which is mapped with one PMD entry.  Anything else
 * returns NULL, with nothing held.  Where the ephmap is off or cannot be
 * used, the direct-map address.
 */
static __always_inline void *ephmap_map_folio(struct folio *folio,
					      size_t offset, size_t len)
{
	if (!ephmap_enabled())
		return folio_address(folio) + offset;
	/* Known at compile time for a constant window. */
	if (!((offset ^ (offset + len - 1)) & PAGE_MASK) &&
	    (!IS_ENABLED(CONFIG_DEBUG_VM) || len))
		return __ephmap_map_folio_page(folio, offset);
	return __ephmap_map_folio(folio, offset, len);
}

/**
 * ephmap_map_folio_page - map the page of a folio that holds one byte
 * @folio: the folio; the caller keeps it alive until ephmap_unmap()
 * @offset: the byte, from the start of the folio
 *
 * Like kmap_local_folio(): returns the address of byte @offset, and only
 * the rest of its page is mapped.  The copy loops' fast path: a few
 * instructions cheaper than ephmap_map_folio() of the same window, which
 * must check that it stays within one page.
 */
static __always_inline void *ephmap_map_folio_page(struct folio *folio,
						   size_t offset)
{
	if (!ephmap_enabled())
		return folio_address(folio) + offset;
	return __ephmap_map_folio_page(folio, offset);
}

/**
 * ephmap_unmap - end a mapping made by ephmap_map_folio*()
 * @addr: any address inside the mapping, or the direct-map address a
 *	  fallback returned
 */
static __always_inline void ephmap_unmap(const void *addr)
{
	if (ephmap_enabled())
		__ephmap_unmap(addr);
}

/* Let a kernel thread that borrowed an mm map that mm's own data. */
void ephmap_kthread_may_map(bool may);

void __ephmap_drain_all(void);

/*
 * Ends every CPU's generation of mappings and drops the folio references
 * that keep their pages from being freed while a TLB may still hold
 * them.  Sleeps.  Called with the LRU drain, which migration, CMA and
 * memory offline make.
 */
static inline void ephmap_drain_all(void)
{
	if (ephmap_enabled())
		__ephmap_drain_all();
}

void ephmap_task_fork(struct task_struct *tsk);

/* kthread_unuse_mm(): the declaration was made for the mm let go of. */
static inline void ephmap_kthread_unuse_mm(struct task_struct *tsk)
{
	tsk->ephmap.kthread_may_map = 0;
}

#else /* !CONFIG_EPHMAP */

static inline bool ephmap_enabled(void)
{
	return false;
}

static inline void *ephmap_map_folio(struct folio *folio, size_t offset,
				     size_t len)
{
	return folio_address(folio) + offset;
}

static inline void *ephmap_map_folio_page(struct folio *folio,
					  size_t offset)
{
	return folio_address(folio) + offset;
}

static inline void ephmap_unmap(const void *addr) { }

static inline void ephmap_kthread_may_map(bool may) { }
static inline void ephmap_drain_all(void) { }
static inline void ephmap_task_fork(struct task_struct *tsk) { }
static inline void ephmap_kthread_unuse_mm(struct task_struct *tsk) { }

#endif /* CONFIG_EPHMAP */

/* Pages one mapping may map page by page; larger windows need a PMD. */
#define EPHMAP_PTE_WINDOW_MAX	16

/* Maps all of @folio: one PMD entry for a PMD-sized folio. */
static inline void *ephmap_map_whole_folio(struct folio *folio)
{
	return ephmap_map_folio(folio, 0, folio_size(folio));
}

#endif /* _LINUX_EPHMAP_H */
