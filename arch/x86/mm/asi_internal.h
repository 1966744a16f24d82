/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between the ASI core (asi.c), its auditor (asi_audit.c) and its
 * KUnit tests (asi_test.c).  Nothing here is for other users.
 */
#ifndef _X86_MM_ASI_INTERNAL_H
#define _X86_MM_ASI_INTERNAL_H

#include <linux/asi.h>
#include <linux/pgtable.h>
#include <linux/spinlock.h>

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

unsigned long asi_audit_seq(struct seq_file *m);
long asi_nr_pgtable_pages(void);
/* GFP_USER requests an allocator made non-sensitive, by allocator. */
long asi_nonsensitive_count(enum asi_nonsensitive_site site);
unsigned int asi_exit_action_mask(void);
unsigned int asi_reenter_action_mask(void);
void asi_format_actions(struct seq_file *m, unsigned int actions);

#endif /* _X86_MM_ASI_INTERNAL_H */
