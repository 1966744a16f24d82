/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ephmap: an mm-local, CPU-local region of kernel address space where
 * a kernel path maps the folio it is about to copy, copies, and unmaps at
 * once.  Its page tables belong to the mm, so a mapping is visible only in
 * that mm; each CPU has its own window in it, so teardown needs only a
 * local TLB flush, never an IPI.
 *
 * The API follows kmap_local_folio(): mappings are per task, strictly
 * nested (unmap in reverse order), at most EPHMAP_NEST_MAX deep, and stay
 * valid while the holder sleeps or is preempted; migration is disabled
 * while one is held.  When the ephmap is off, or cannot be used from the
 * calling context, the folio's direct-map address is returned instead, so
 * callers can use the API unconditionally.
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
#endif

#ifdef CONFIG_EPHMAP

DECLARE_STATIC_KEY_FALSE(ephmap_enabled_key);

/* Whether mappings go through the ephmap at all (boot parameter ephmap=). */
static inline bool ephmap_enabled(void)
{
	return static_branch_unlikely(&ephmap_enabled_key);
}

void *ephmap_map_folio(struct folio *folio, size_t offset, size_t len);
void *ephmap_map_folio_atomic(struct folio *folio, size_t offset, size_t len);
void ephmap_unmap(const void *addr);

/* True if @addr lies anywhere in the ephmap region (any CPU's window). */
bool ephmap_addr_in_region(unsigned long addr);
/* First address and size of @cpu's window. */
unsigned long ephmap_cpu_window(unsigned int cpu);
#define EPHMAP_CPU_WINDOW_SIZE	(EPHMAP_NEST_MAX * EPHMAP_SLOT_SIZE)

/* Context-switch and fork hooks; the mm hooks are in <asm/ephmap.h>. */
void __ephmap_sched_out(void);
void __ephmap_sched_in(void);
void ephmap_task_fork(struct task_struct *tsk);

static inline void ephmap_sched_out(void)
{
	if (unlikely(current->ephmap.depth))
		__ephmap_sched_out();
}

static inline void ephmap_sched_in(void)
{
	if (unlikely(current->ephmap.depth))
		__ephmap_sched_in();
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

static inline void *ephmap_map_folio_atomic(struct folio *folio,
					    size_t offset, size_t len)
{
	return folio_address(folio) + offset;
}

static inline void ephmap_unmap(const void *addr) { }
static inline bool ephmap_addr_in_region(unsigned long addr) { return false; }
static inline void ephmap_sched_out(void) { }
static inline void ephmap_sched_in(void) { }
static inline void ephmap_task_fork(struct task_struct *tsk) { }

#endif /* CONFIG_EPHMAP */

/* Maps all of @folio: one PMD entry for a PMD-sized folio. */
static inline void *ephmap_map_whole_folio(struct folio *folio)
{
	return ephmap_map_folio(folio, 0, folio_size(folio));
}

#endif /* _LINUX_EPHMAP_H */
