/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-task ephmap state, embedded in task_struct.  Kept apart from
 * <linux/ephmap.h> so that <linux/sched.h> can include it cheaply.
 */
#ifndef _LINUX_EPHMAP_TYPES_H
#define _LINUX_EPHMAP_TYPES_H

/* Live mappings a task may hold at once: kmap_local parity. */
#define EPHMAP_NEST_MAX		16

/* The slot maps its folio with one PMD entry, not a page table. */
#define EPHMAP_SLOT_PMD		0x1
/* The slot was taken by ephmap_map_folio_atomic(): no migrate_disable(). */
#define EPHMAP_SLOT_ATOMIC	0x2

struct ephmap_slot {
	unsigned long	pfn;		/* first page mapped */
	unsigned int	nr_pages;	/* 0: unmapped (out of order) */
	unsigned int	flags;
};

/*
 * A stack of mappings.  Slot i of a task uses window slot i of the CPU it
 * runs on; what a slot maps is recorded here so that it can be removed
 * when the task is switched out and put back when it returns.
 */
struct ephmap_task {
#ifdef CONFIG_EPHMAP
	unsigned int		depth;
	struct ephmap_slot	slot[EPHMAP_NEST_MAX];
#endif
};

#endif /* _LINUX_EPHMAP_TYPES_H */
