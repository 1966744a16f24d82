// SPDX-License-Identifier: GPL-2.0
/*
 * The ephmap: short-lived mappings of folios in an mm-local, CPU-local
 * window, for kernel paths that copy page-cache data (see
 * <linux/ephmap.h> and Documentation/mm/ephmap.rst).
 *
 * Each task keeps a stack of its live mappings (current->ephmap).  Stack
 * slot i is mapped at slot i of the window of the CPU the task runs on, in
 * the page tables of the task's mm; migration is disabled while a mapping
 * is held, so the CPU does not change under it.  Several tasks of one mm
 * may use the same CPU's window: a task's mappings are removed when it is
 * switched out and put back when it is switched in, as kmap_local does.
 * An interrupt may push mappings on the interrupted task's stack, and pops
 * them before it returns; the stack only changes with interrupts off.
 *
 * Invariant: an ephmap translation exists only while its mapping is held
 * by a running task; it is removed, and the local TLB flushed, before the
 * task unmaps it or is switched out.  A folio mapped here is thus never
 * reachable through the ephmap after its holder let go of it.
 */
#define pr_fmt(fmt) "ephmap: " fmt

#include <linux/debugfs.h>
#include <linux/ephmap.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/vmstat.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/ephmap.h>

DEFINE_STATIC_KEY_FALSE(ephmap_enabled_key);
EXPORT_SYMBOL_GPL(ephmap_enabled_key);

static bool ephmap_param_on __initdata;

static int __init ephmap_param(char *arg)
{
	if (!arg)
		return -EINVAL;
	if (!strcmp(arg, "on"))
		ephmap_param_on = true;
	else if (!strcmp(arg, "off"))
		ephmap_param_on = false;
	else
		pr_warn("unknown value ephmap=%s (want on or off); the ephmap stays off\n",
			arg);
	return 0;
}
early_param("ephmap", ephmap_param);

/*
 * Before any user mm exists: mms created earlier (poking_mm) have no
 * ephmap page tables and always get direct-map addresses.
 */
static int __init ephmap_init(void)
{
	if (ephmap_param_on) {
		static_branch_enable(&ephmap_enabled_key);
		pr_info("on: %u windows of %u x %lu KiB; %lu page-table pages per mm\n",
			nr_cpu_ids, EPHMAP_NEST_MAX, EPHMAP_SLOT_SIZE >> 10,
			ephmap_pgtable_pages_per_mm());
	} else {
		pr_info("off (boot with ephmap=on to use it)\n");
	}
	return 0;
}
early_initcall(ephmap_init);

static inline unsigned long ephmap_slot_addr(unsigned int cpu, unsigned int idx)
{
	return ephmap_cpu_window(cpu) + idx * EPHMAP_SLOT_SIZE;
}

static void *ephmap_fallback(struct folio *folio, size_t offset,
			     enum vm_event_item why)
{
	count_vm_event(why);
	trace_ephmap_fallback(why, folio_pfn(folio));
	return folio_address(folio) + offset;
}

static void *__ephmap_map(struct folio *folio, size_t offset, size_t len,
			  bool atomic)
{
	struct ephmap_task *et = &current->ephmap;
	struct mm_struct *mm = current->mm;
	size_t size = folio_size(folio);
	struct ephmap_slot *slot;
	unsigned int cpu, idx, nr_pages;
	unsigned long irqflags;
	bool pmd;

	if (WARN_ONCE(!len || offset >= size || len > size - offset,
		      "window [%zu, +%zu) is outside a folio of %zu bytes\n",
		      offset, len, size)) {
		count_vm_event(EPHMAP_MISUSE);
		return NULL;
	}
	if (!ephmap_enabled())
		return folio_address(folio) + offset;

	/* Interrupts cannot sleep: they need no migrate_disable(). */
	if (!in_task())
		atomic = true;
	if (atomic && WARN_ONCE(preemptible(),
				"ephmap_map_folio_atomic() called preemptible\n")) {
		count_vm_event(EPHMAP_MISUSE);
		return folio_address(folio) + offset;
	}
	if (!mm)
		return ephmap_fallback(folio, offset, EPHMAP_FALLBACK_NO_MM);
	if (in_nmi())
		return ephmap_fallback(folio, offset, EPHMAP_FALLBACK_CONTEXT);

	/* One PMD entry for a PMD-sized folio, else PTEs for the window. */
	pmd = size == EPHMAP_SLOT_SIZE;
	nr_pages = DIV_ROUND_UP(offset_in_page(offset) + len, PAGE_SIZE);
	if (WARN_ONCE(!pmd && nr_pages > PTRS_PER_PTE,
		      "window of %zu bytes is larger than a slot\n", len)) {
		count_vm_event(EPHMAP_MISUSE);
		return NULL;
	}

	if (!atomic)
		migrate_disable();
	/*
	 * Interrupts off while the stack changes: an interrupt may push and
	 * pop its own mappings on this stack, and must find it consistent.
	 */
	local_irq_save(irqflags);
	if (!arch_ephmap_usable(mm)) {
		local_irq_restore(irqflags);
		if (!atomic)
			migrate_enable();
		return ephmap_fallback(folio, offset, EPHMAP_FALLBACK_CONTEXT);
	}
	idx = et->depth;
	if (WARN_ONCE(idx >= EPHMAP_NEST_MAX,
		      "more than %d nested mappings\n", EPHMAP_NEST_MAX)) {
		local_irq_restore(irqflags);
		if (!atomic)
			migrate_enable();
		return ephmap_fallback(folio, offset, EPHMAP_FALLBACK_NESTING);
	}
	slot = &et->slot[idx];
	if (pmd) {
		slot->pfn = folio_pfn(folio);
		slot->nr_pages = PTRS_PER_PMD;
		slot->flags = EPHMAP_SLOT_PMD;
	} else {
		slot->pfn = folio_pfn(folio) + (offset >> PAGE_SHIFT);
		slot->nr_pages = nr_pages;
		slot->flags = 0;
	}
	if (atomic)
		slot->flags |= EPHMAP_SLOT_ATOMIC;
	et->depth = idx + 1;
	cpu = smp_processor_id();
	arch_ephmap_set(mm, cpu, idx, slot);
	local_irq_restore(irqflags);

	count_vm_event(EPHMAP_MAP);
	if (pmd)
		count_vm_event(EPHMAP_MAP_PMD);
	trace_ephmap_map(idx, slot->pfn, slot->nr_pages, pmd);
	return (void *)ephmap_slot_addr(cpu, idx) +
	       (pmd ? offset : offset_in_page(offset));
}

/**
 * ephmap_map_folio - map part of a folio for a copy
 * @folio: the folio
 * @offset: first byte of the window, from the start of the folio
 * @len: bytes in the window
 *
 * Returns the kernel address of byte @offset, valid until
 * ephmap_unmap(), even if the caller sleeps; migration is disabled
 * meanwhile.  A window outside the folio, or larger than a slot in a
 * folio that is not PMD-sized, returns NULL.  Where the ephmap is off or
 * cannot be used (no mm, NMI, nesting past EPHMAP_NEST_MAX), returns the
 * direct-map address, which ephmap_unmap() accepts too.
 */
void *ephmap_map_folio(struct folio *folio, size_t offset, size_t len)
{
	return __ephmap_map(folio, offset, len, false);
}
EXPORT_SYMBOL_GPL(ephmap_map_folio);

/**
 * ephmap_map_folio_atomic - ephmap_map_folio() for atomic context
 * @folio: the folio
 * @offset: first byte of the window, from the start of the folio
 * @len: bytes in the window
 *
 * For callers that run with preemption or interrupts disabled and unmap
 * before enabling them again (zeroing, the page allocator, interrupts).
 * Called preemptible, it warns and returns the direct-map address.
 */
void *ephmap_map_folio_atomic(struct folio *folio, size_t offset, size_t len)
{
	return __ephmap_map(folio, offset, len, true);
}
EXPORT_SYMBOL_GPL(ephmap_map_folio_atomic);

/**
 * ephmap_unmap - end a mapping made by ephmap_map_folio*()
 * @addr: any address inside the mapping
 *
 * Removes the translation and flushes it from this CPU's TLB before
 * returning.  Mappings should be ended in reverse order; ending one out
 * of order warns, but still ends that one and leaves the others intact.
 * Direct-map addresses (from a fallback) are accepted and ignored.
 */
void ephmap_unmap(const void *addr)
{
	struct ephmap_task *et = &current->ephmap;
	unsigned long a = (unsigned long)addr;
	unsigned long window, irqflags;
	struct ephmap_slot *slot;
	unsigned int cpu, idx;
	bool atomic;

	if (!ephmap_enabled() || !ephmap_addr_in_region(a))
		return;

	local_irq_save(irqflags);
	cpu = smp_processor_id();
	window = ephmap_cpu_window(cpu);
	idx = (a - window) / EPHMAP_SLOT_SIZE;
	if (WARN_ONCE(a < window || idx >= et->depth || !et->slot[idx].nr_pages ||
		      !current->mm,
		      "unmap of %p, which this task does not have mapped\n", addr)) {
		local_irq_restore(irqflags);
		count_vm_event(EPHMAP_MISUSE);
		return;
	}
	if (WARN_ONCE(idx != et->depth - 1,
		      "unmap of slot %u while slot %u is the last mapped\n",
		      idx, et->depth - 1))
		count_vm_event(EPHMAP_MISUSE);

	slot = &et->slot[idx];
	atomic = slot->flags & EPHMAP_SLOT_ATOMIC;
	arch_ephmap_clear(current->mm, cpu, idx, slot);
	slot->nr_pages = 0;
	while (et->depth && !et->slot[et->depth - 1].nr_pages)
		et->depth--;
	local_irq_restore(irqflags);

	if (!atomic)
		migrate_enable();
}
EXPORT_SYMBOL_GPL(ephmap_unmap);

/* Called with interrupts off, before the switch away from current. */
void __ephmap_sched_out(void)
{
	struct ephmap_task *et = &current->ephmap;
	unsigned int cpu = smp_processor_id();
	unsigned int i;

	/* No warning here: the runqueue lock is held. */
	if (unlikely(!current->mm)) {
		count_vm_event(EPHMAP_MISUSE);
		return;
	}
	for (i = 0; i < et->depth; i++) {
		struct ephmap_slot *slot = &et->slot[i];

		if (!slot->nr_pages)
			continue;
		arch_ephmap_clear(current->mm, cpu, i, slot);
		/*
		 * An atomic mapping does not pin the task to this CPU, so it
		 * cannot survive a switch: it ends here, and a later access
		 * faults instead of reading whatever the slot maps then.
		 */
		if (unlikely(slot->flags & EPHMAP_SLOT_ATOMIC)) {
			slot->nr_pages = 0;
			count_vm_event(EPHMAP_MISUSE);
		}
	}
	count_vm_event(EPHMAP_SCHED_OUT);
}

/* Called after the switch to current: on the CPU it mapped on. */
void __ephmap_sched_in(void)
{
	struct ephmap_task *et = &current->ephmap;
	unsigned int cpu = smp_processor_id();
	unsigned int i;

	if (!current->mm)
		return;
	for (i = 0; i < et->depth; i++)
		if (et->slot[i].nr_pages)
			arch_ephmap_set(current->mm, cpu, i, &et->slot[i]);
}

void ephmap_task_fork(struct task_struct *tsk)
{
	tsk->ephmap.depth = 0;
}

#ifdef CONFIG_DEBUG_FS
static int ephmap_pgtables_get(void *data, u64 *val)
{
	*val = ephmap_nr_pgtable_pages();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(ephmap_pgtables_fops, ephmap_pgtables_get, NULL,
			 "%llu\n");

static int __init ephmap_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("ephmap", NULL);

	debugfs_create_file("pgtable_pages", 0444, dir, NULL,
			    &ephmap_pgtables_fops);
	ephmap_bench_debugfs_init(dir);
	return 0;
}
late_initcall(ephmap_debugfs_init);
#endif
