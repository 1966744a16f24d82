/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between the files of ASI (arch/x86/mm/asi*.c), its auditor
 * (asi_audit.c) and its KUnit tests (asi_kunit.c).  Nothing here is for
 * other users.
 */
#ifndef _X86_MM_ASI_INTERNAL_H
#define _X86_MM_ASI_INTERNAL_H

#include <linux/asi.h>
#include <linux/pgtable.h>
#include <linux/spinlock.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>

/*
 * The restricted direct map covers [asi_dmap_start, asi_dmap_end) in
 * 2 MiB blocks.  Its PMD entries are either empty (a sensitive block, or
 * no memory) or equal to what the normal direct map has for the block:
 * the same 2 MiB leaf, a 2 MiB leaf cut from a normal 1 GiB leaf, or a
 * pointer to the same PTE table.  Sharing PTE tables means 4 KiB changes
 * made by CPA need no mirroring; a change of a large entry is mirrored by
 * asi_direct_map_changed() before CPA flushes the TLB.
 */
extern unsigned long asi_dmap_start, asi_dmap_end;
extern unsigned long *asi_sensitive_blocks;
/* Serialises writes to the restricted direct map's PMD entries. */
extern raw_spinlock_t asi_dmap_lock;

static inline bool asi_addr_in_dmap(unsigned long addr)
{
	return addr >= asi_dmap_start && addr < asi_dmap_end;
}

static inline unsigned long asi_dmap_block(unsigned long addr)
{
	return (addr - asi_dmap_start) >> PMD_SHIFT;
}

static inline unsigned long asi_dmap_nr_blocks(void)
{
	return (asi_dmap_end - asi_dmap_start) >> PMD_SHIFT;
}

/* The restricted half of an 8 KiB PGD pair. */
static inline pgd_t *asi_restricted_pgd(pgd_t *pgd)
{
	return (pgd_t *)((unsigned long)pgd | PAGE_SIZE);
}

/* True for a PGD index that the restricted direct map owns. */
bool asi_pgd_index_is_dmap(unsigned long idx);

/* Restricted PMD entry for a direct-map address; NULL outside. */
pmd_t *asi_dmap_rpmd(unsigned long addr);
/* What the normal direct map has for the 2 MiB block at @addr, as a PMD. */
pmd_t asi_dmap_normal_pmd(unsigned long addr);
/* Rewrite the restricted entry of one block from the normal one.  Lock held. */
void asi_dmap_sync_block(unsigned long addr);

/* Whether any level of @pgd maps @addr (lockless walk). */
bool asi_pgd_translates(pgd_t *pgd, unsigned long addr);

/*
 * Debugging counters, in /sys/kernel/debug/asi/stats; /proc/vmstat has
 * the exits and re-entries.
 */
enum asi_stat_item {
	ASI_STAT_MARK_SENSITIVE,	/* 2 MiB blocks left out of the map */
	ASI_STAT_MARK_NONSENSITIVE,	/* ... mapped again */
	NR_ASI_STATS
};

unsigned long asi_stat_sum(enum asi_stat_item item);

unsigned long asi_audit_seq(struct seq_file *m);
/* GFP_USER requests an allocator made non-sensitive, by allocator. */
long asi_nonsensitive_count(enum asi_nonsensitive_site site);

/* asi_pgtable.c */
long asi_nr_pgtable_pages(void);
void *asi_alloc_table(void);
bool asi_walk_translates(pgd_t *pgd_base, unsigned long addr, bool restricted);

/* asi_dmap.c */
int asi_build_restricted_kernel(void);

/* asi_actions.c: what a CPU runs on exit and on re-entry. */
#define ASI_ACTION_IBPB		BIT(0)
#define ASI_ACTION_L1D		BIT(1)
#define ASI_ACTION_VERW		BIT(2)

extern unsigned int asi_exit_actions, asi_reenter_actions;

void asi_actions_init(void);
unsigned int asi_exit_action_mask(void);
unsigned int asi_reenter_action_mask(void);
void asi_format_actions(struct seq_file *m, unsigned int actions);

static __always_inline void asi_run_actions(unsigned int actions)
{
	if (!actions)
		return;
	if (actions & ASI_ACTION_IBPB)
		native_wrmsrl(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
	if (actions & ASI_ACTION_L1D)
		native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
	if (actions & ASI_ACTION_VERW)
		x86_clear_cpu_buffers();
}

#endif /* _X86_MM_ASI_INTERNAL_H */
