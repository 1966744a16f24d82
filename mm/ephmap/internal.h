/* SPDX-License-Identifier: GPL-2.0 */
/* What mm/ephmap shares with its KUnit suite. */
#ifndef _MM_EPHMAP_INTERNAL_H
#define _MM_EPHMAP_INTERNAL_H

#include <linux/ephmap.h>

/* Page-table pages held by the ephmap over all mms, and per mm. */
static inline long ephmap_nr_pgtable_pages(void)
{
	return arch_ephmap_nr_pgtable_pages();
}

static inline unsigned long ephmap_pgtable_pages_per_mm(void)
{
	return arch_ephmap_pgtable_pages_per_mm();
}

/* Whether @addr translates in @mm's page tables, without touching it. */
static inline bool ephmap_test_translates(struct mm_struct *mm,
					  unsigned long addr,
					  unsigned long *pfn)
{
	return arch_ephmap_translates(mm, addr, pfn);
}

struct dentry;
#ifdef CONFIG_EPHMAP_BENCH
void ephmap_bench_debugfs_init(struct dentry *dir);
#else
static inline void ephmap_bench_debugfs_init(struct dentry *dir) { }
#endif

#endif /* _MM_EPHMAP_INTERNAL_H */
