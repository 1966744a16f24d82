/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86-64 Address Space Isolation: the arch side.
 *
 * Every PGD is an 8 KiB pair (the layout PTI uses): the first page holds
 * the normal tables, the second the restricted ones.  The restricted PGD
 * shares the user half and every kernel entry with the normal one, except
 * the direct map, which points to a separate copy (arch/x86/mm/asi_dmap.c) in
 * which sensitive 2 MiB blocks are not present.  CR3 bit PAGE_SHIFT tells
 * which of the pair is loaded, so an exit or an entry flips one bit and
 * never needs to know which mm is current.
 *
 * ASI_MM_LOCAL_PGD_ENTRY is the PGD slot that belongs to the mm (the
 * ephmap lives there): present in both tables of its mm, absent from
 * init_mm and so from every other mm.
 */
#ifndef _ASM_X86_ASI_H
#define _ASM_X86_ASI_H

#define ASI_MM_LOCAL_PGD_ENTRY	(-241UL)

#ifndef __ASSEMBLY__

#include <linux/bits.h>
#include <linux/jump_label.h>
#include <linux/percpu.h>
#include <asm/pgtable_types.h>

struct mm_struct;

#ifdef CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION

/* CR3 bit set when the restricted half of the PGD pair is loaded. */
#define ASI_CR3_RESTRICTED	BIT(PAGE_SHIFT)

DECLARE_STATIC_KEY_FALSE(asi_enabled_key);
DECLARE_PER_CPU(bool, asi_cpu_restricted);

static __always_inline bool asi_enabled(void)
{
	return static_branch_unlikely(&asi_enabled_key);
}

/* Boot: decide from asi= and the rest of the command line. */
bool __init asi_check_boottime_enable(bool pti_forced_on);
void __init asi_init(void);

/* Mirror of a PGD entry write into the restricted half of the pair. */
pgd_t asi_set_pgd_pair(pgd_t *pgdp, pgd_t pgd);

/* init_new_context(): whether this mm gets restricted tables. */
void asi_mm_init(struct mm_struct *mm);

/* Context switch: the PGD of @next of the kind this CPU runs on. */
pgd_t *__asi_switch_pgd(struct mm_struct *next);

static __always_inline pgd_t *asi_switch_pgd(struct mm_struct *next,
					     pgd_t *pgd)
{
	if (asi_enabled() && this_cpu_read(asi_cpu_restricted))
		return __asi_switch_pgd(next);
	return pgd;
}

/* CR3 with the restricted bit cleared: for comparisons with build_cr3(). */
static __always_inline unsigned long asi_cr3_normal(unsigned long cr3)
{
	return asi_enabled() ? cr3 & ~ASI_CR3_RESTRICTED : cr3;
}

bool __asi_handle_kernel_fault(unsigned long error_code, unsigned long address,
			       unsigned long ip);

/* Kernel-mode page fault: true if it was an ASI exit and is to be retried. */
static __always_inline bool asi_handle_kernel_fault(unsigned long error_code,
						    unsigned long address,
						    unsigned long ip)
{
	return asi_enabled() && __asi_handle_kernel_fault(error_code, address, ip);
}

/* Return to user mode, IRQs off: re-enter the restricted address space. */
void __asi_enter_user(void);

static __always_inline void asi_exit_to_user_mode(void)
{
	if (asi_enabled() && !this_cpu_read(asi_cpu_restricted))
		__asi_enter_user();
}

/* CPA changed a large direct-map entry at @kpte (set_memory.c). */
void asi_direct_map_changed(pte_t *kpte, unsigned long address);

#else /* !CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION */

/* asi_enabled() and asi_init() stubs are in <linux/asi.h>. */
static inline bool asi_check_boottime_enable(bool pti_forced_on)
{
	return false;
}

static inline void asi_mm_init(struct mm_struct *mm) { }

static __always_inline pgd_t *asi_switch_pgd(struct mm_struct *next,
					     pgd_t *pgd)
{
	return pgd;
}

static __always_inline unsigned long asi_cr3_normal(unsigned long cr3)
{
	return cr3;
}

static inline bool asi_handle_kernel_fault(unsigned long error_code,
					   unsigned long address,
					   unsigned long ip)
{
	return false;
}

static __always_inline void asi_exit_to_user_mode(void) { }
static inline void asi_direct_map_changed(pte_t *kpte, unsigned long address) { }

#endif /* CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION */

#endif /* !__ASSEMBLY__ */
#endif /* _ASM_X86_ASI_H */
