/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86-64 side of the ephmap (mm/ephmap/): the layout of the region, the
 * page-table entries it writes, and its TLB flushes.
 *
 * The region is the top PGD slot of the guard hole (-241, just below the
 * LDT remap): 512 GiB with 4-level paging, 256 TiB with 5-level.  Its PGD
 * entry differs in every mm and is absent from init_mm, so no kernel
 * mapping or other mm ever translates an ephmap address.  With ASI the
 * entry is in both tables of the mm's PGD pair.
 *
 * Each CPU c with a window has two rings of slots in it:
 *
 *   PTE ring  base + c * 2 MiB: one PTE table, 512 slots of 4 KiB
 *   PMD ring  pmd_area + c * 1 GiB: one PMD table, 512 slots of 2 MiB
 *
 * pmd_area follows the PTE rings, rounded up to 1 GiB.  With 4-level
 * paging 511 CPUs have windows; CPUs past that map through the direct map.
 *
 * The page tables are allocated on a CPU's first mapping in an mm, from
 * a per-CPU reserve, and freed in destroy_context(): an mm that maps on
 * k CPUs (k < 511) holds 2k + 2 page-table pages, 2k + 3 with 5-level
 * paging; one that never maps holds none.
 */
#ifndef _ASM_X86_EPHMAP_H
#define _ASM_X86_EPHMAP_H

#include <asm/asi.h>
#include <asm/pgtable_types.h>

/* The mm-local slot: with ASI, in both of the mm's page tables. */
#define EPHMAP_PGD_ENTRY	ASI_MM_LOCAL_PGD_ENTRY

/* Slots of a ring: one page table's worth. */
#define EPHMAP_RING_SLOTS	512

struct mm_struct;
struct page;
struct cpumask;

#ifdef CONFIG_EPHMAP
#include <linux/mm_types.h>
#include <asm/tlbflush.h>

/* Called from init_new_context() and destroy_context(). */
static inline int ephmap_mm_init(struct mm_struct *mm)
{
	mm->context.ephmap = NULL;
	mm->context.ephmap_nr_tables = 0;
	atomic_long_set(&mm->context.ephmap_retired, 0);
	return 0;
}

void ephmap_mm_destroy(struct mm_struct *mm);

/* First and last + 1 address of the part of the region in use. */
extern unsigned long ephmap_base, ephmap_end;
/* Entry bits of a mapping, but for the page frame (never global). */
extern unsigned long ephmap_pte_bits, ephmap_pmd_bits;

/* Sets the layout up; returns how many CPUs get a window. */
unsigned int arch_ephmap_layout(void);
unsigned long arch_ephmap_pte_ring(unsigned int cpu);
unsigned long arch_ephmap_pmd_ring(unsigned int cpu);

/*
 * Finds @cpu's rings in @mm, installing missing page tables with pages
 * taken from @reserve (*@nr of them).  False if the reserve ran short.
 */
bool arch_ephmap_cpu_tables(struct mm_struct *mm, unsigned int cpu,
			    struct page **reserve, unsigned int *nr,
			    pte_t **pte, pmd_t **pmd);

#ifndef MODULE
/*
 * Whether @mm is the mm this CPU's page tables are for.  Not for modules,
 * to which cpu_tlbstate is not visible (<asm/tlbflush.h>).
 */
static __always_inline bool arch_ephmap_mm_loaded(struct mm_struct *mm)
{
	return this_cpu_read(cpu_tlbstate.loaded_mm) == mm;
}
#endif

static __always_inline pte_t arch_ephmap_mk_pte(unsigned long pfn)
{
	return __pte((pfn << PAGE_SHIFT) | ephmap_pte_bits);
}

/* The same from a page-aligned physical address. */
static __always_inline pte_t arch_ephmap_mk_pte_phys(phys_addr_t phys)
{
	return __pte(phys | ephmap_pte_bits);
}

static __always_inline pmd_t arch_ephmap_mk_pmd(unsigned long pfn)
{
	return __pmd((pfn << PAGE_SHIFT) | ephmap_pmd_bits);
}

/*
 * Empties @nr entries, PTEs or PMDs alike.  Nothing of the page frame is
 * left in them: a not-present entry that still named it would be
 * readable speculatively on L1TF-affected CPUs.
 */
static __always_inline void arch_ephmap_clear(void *entry, unsigned int nr)
{
	unsigned long *e = entry;

	while (nr--)
		WRITE_ONCE(e[nr], 0);
}

/* Drops every non-global translation of this CPU. */
void arch_ephmap_flush_local(void);
/*
 * Invalidates @mm's translations on every CPU that runs it or holds it
 * lazily, this one included, but for CPU @skip (nr_cpu_ids: none), which
 * flushed already; returns how many CPUs flushed.  Needs interrupts on.
 */
unsigned int arch_ephmap_flush_mm(struct mm_struct *mm, unsigned int skip);

static inline atomic_long_t *arch_ephmap_retired(struct mm_struct *mm)
{
	return &mm->context.ephmap_retired;
}

/* Page-table pages: over all mms, of @mm, and what the cpus cost an mm. */
long arch_ephmap_nr_pgtable_pages(void);
unsigned long arch_ephmap_mm_pgtable_pages(struct mm_struct *mm);
unsigned long arch_ephmap_pgtable_pages_for(const struct cpumask *cpus);

/*
 * Whether @addr translates in @mm's page tables (either half of a PGD
 * pair; NULL: the kernel's own, init_mm's), and to which pfn; and the raw
 * entry that maps or would map it.
 */
bool arch_ephmap_translates(struct mm_struct *mm, unsigned long addr,
			    unsigned long *pfn);
unsigned long arch_ephmap_entry(struct mm_struct *mm, unsigned long addr);

/* ephmap=on without ASI: what the TLB argument needs of the CPU. */
void arch_ephmap_early_enable(void);
#else
static inline int ephmap_mm_init(struct mm_struct *mm) { return 0; }
static inline void ephmap_mm_destroy(struct mm_struct *mm) { }
#endif

#endif /* _ASM_X86_EPHMAP_H */
