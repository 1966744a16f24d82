/* SPDX-License-Identifier: GPL-2.0 */
/* What mm/ephmap shares with its KUnit suite and microbenchmark. */
#ifndef _MM_EPHMAP_INTERNAL_H
#define _MM_EPHMAP_INTERNAL_H

#include <linux/ephmap.h>

/*
 * Live slots a ring wrap can carry over.  With more held, the wrap waits
 * for them to end, and a mapping that needed it gets the direct map
 * (fallback_nesting in the stats).
 */
#define EPHMAP_CARRY_MAX	64

/* Page-table pages held by the ephmap over all mms. */
static inline long ephmap_nr_pgtable_pages(void)
{
	return arch_ephmap_nr_pgtable_pages();
}

/* ... by @mm, and what an mm holds once it mapped on each of @cpus. */
static inline unsigned long ephmap_mm_pgtable_pages(struct mm_struct *mm)
{
	return arch_ephmap_mm_pgtable_pages(mm);
}

static inline unsigned long ephmap_pgtable_pages_for(const struct cpumask *cpus)
{
	return arch_ephmap_pgtable_pages_for(cpus);
}

/* Whether @addr translates in @mm's page tables, without touching it. */
static inline bool ephmap_test_translates(struct mm_struct *mm,
					  unsigned long addr,
					  unsigned long *pfn)
{
	return arch_ephmap_translates(mm, addr, pfn);
}

/* The raw entry (PTE or PMD) that maps, or would map, @addr in @mm. */
static inline unsigned long ephmap_test_entry(struct mm_struct *mm,
					      unsigned long addr)
{
	return arch_ephmap_entry(mm, addr);
}

/* Whether @addr is in the part of the region in use. */
static inline bool ephmap_addr_in_region(unsigned long addr)
{
	return addr >= ephmap_base && addr < ephmap_end;
}

/* Address of slot 0 of @cpu's rings. */
static inline unsigned long ephmap_pte_ring(unsigned int cpu)
{
	return arch_ephmap_pte_ring(cpu);
}

static inline unsigned long ephmap_pmd_ring(unsigned int cpu)
{
	return arch_ephmap_pmd_ring(cpu);
}

struct dentry;
#ifdef CONFIG_EPHMAP_BENCH
void ephmap_bench_debugfs_init(struct dentry *dir);
#else
static inline void ephmap_bench_debugfs_init(struct dentry *dir) { }
#endif

#endif /* _MM_EPHMAP_INTERNAL_H */
