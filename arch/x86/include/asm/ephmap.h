/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86-64 layout of the ephmap region and the hooks that give each mm its
 * page tables for it.
 *
 * The region is the top PGD slot of the guard hole (-241, just below the
 * LDT remap): 512 GiB with 4-level paging, 256 TiB with 5-level.  Its PGD
 * entry differs in every mm and is absent from init_mm, so no kernel
 * mapping or other mm ever translates an ephmap address.  A separate slot,
 * rather than a part of the LDT one, keeps it out of the PTI user page
 * tables and out of free_ldt_pgtables().
 *
 * CPU c's window starts at EPHMAP_BASE_ADDR + c * EPHMAP_CPU_WINDOW_SIZE
 * and holds EPHMAP_NEST_MAX slots of EPHMAP_SLOT_SIZE (one PMD each).
 */
#ifndef _ASM_X86_EPHMAP_H
#define _ASM_X86_EPHMAP_H

#include <asm/asi.h>
#include <asm/pgtable_types.h>

/* The mm-local slot: with ASI, in both of the mm's page tables. */
#define EPHMAP_PGD_ENTRY	ASI_MM_LOCAL_PGD_ENTRY
#define EPHMAP_BASE_ADDR	(EPHMAP_PGD_ENTRY << PGDIR_SHIFT)
#define EPHMAP_SLOT_SIZE	PMD_SIZE

struct mm_struct;
struct ephmap_slot;

#ifdef CONFIG_EPHMAP
/* Called from init_new_context() and destroy_context(). */
int ephmap_mm_init(struct mm_struct *mm);
void ephmap_mm_destroy(struct mm_struct *mm);

/* The arch side of mm/ephmap. */
bool arch_ephmap_usable(struct mm_struct *mm);
void arch_ephmap_set(struct mm_struct *mm, unsigned int cpu,
		     unsigned int idx, const struct ephmap_slot *slot);
void arch_ephmap_clear(struct mm_struct *mm, unsigned int cpu,
		       unsigned int idx, const struct ephmap_slot *slot);
long arch_ephmap_nr_pgtable_pages(void);
unsigned long arch_ephmap_pgtable_pages_per_mm(void);
bool arch_ephmap_translates(struct mm_struct *mm, unsigned long addr,
			    unsigned long *pfn);

/* arch/x86/mm/tlb.c: past this many pages a full flush is cheaper. */
extern unsigned long tlb_single_page_flush_ceiling;
#else
static inline int ephmap_mm_init(struct mm_struct *mm) { return 0; }
static inline void ephmap_mm_destroy(struct mm_struct *mm) { }
#endif

#endif /* _ASM_X86_EPHMAP_H */
