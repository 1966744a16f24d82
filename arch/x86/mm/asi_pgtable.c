// SPDX-License-Identifier: GPL-2.0
/*
 * ASI's restricted page tables: the second page of every PGD pair, kept in
 * step with the first (asi_set_pgd_pair()), and the walks that tell
 * whether a table maps an address.
 */
#include <linux/mm.h>

#include "asi_internal.h"

static atomic_long_t asi_pgtable_pages = ATOMIC_LONG_INIT(0);

void *asi_alloc_table(void)
{
	void *table = (void *)get_zeroed_page(GFP_KERNEL);

	if (table)
		atomic_long_inc(&asi_pgtable_pages);
	return table;
}

long asi_nr_pgtable_pages(void)
{
	return atomic_long_read(&asi_pgtable_pages);
}

/*
 * Writes to a PGD entry of a normal PGD are mirrored into its restricted
 * half: the user half and the mm-local slot of every PGD pair, and the
 * kernel entries of swapper_pg_dir outside the direct map, which later
 * PGDs copy.  Entries marked _PAGE_NOPTISHADOW (identity maps in
 * single-page PGDs) and writes to a restricted half itself are left alone.
 */
pgd_t asi_set_pgd_pair(pgd_t *pgdp, pgd_t pgd)
{
	unsigned long base = (unsigned long)pgdp & PAGE_MASK;
	unsigned long idx = ((unsigned long)pgdp & ~PAGE_MASK) / sizeof(pgd_t);
	bool mirror;

	/* Until asi_init() builds them, the restricted tables are unused. */
	if (!asi_dmap_end || (pgd_val(pgd) & _PAGE_NOPTISHADOW) ||
	    (base & PAGE_SIZE))
		return pgd;

	if (idx < PTRS_PER_PGD / 2 || idx == pgd_index(ASI_MM_LOCAL_PGD_ENTRY << PGDIR_SHIFT))
		mirror = true;
	else
		mirror = base == (unsigned long)swapper_pg_dir &&
			 idx >= KERNEL_PGD_BOUNDARY && !asi_pgd_index_is_dmap(idx);

	if (mirror)
		WRITE_ONCE(*asi_restricted_pgd(pgdp), pgd);
	return pgd;
}

void asi_mm_init(struct mm_struct *mm)
{
	pgd_t *rkernel = asi_restricted_pgd(swapper_pg_dir);
	pgd_t *rpgd = asi_restricted_pgd(mm->pgd);
	unsigned long idx = pgd_index(asi_dmap_start);

	/*
	 * pgd_ctor() filled the restricted half from swapper's, direct map
	 * included.  A PGD made some other way (efi_mm's) has an empty one,
	 * and its mm runs on the normal tables.
	 */
	mm->context.asi_ready = asi_enabled() &&
				pgd_val(rpgd[idx]) == pgd_val(rkernel[idx]);
}

/* Whether the restricted tables leave out the page holding @table. */
static bool asi_table_unreadable(const void *table)
{
	unsigned long addr = (unsigned long)table;

	return asi_addr_in_dmap(addr) &&
	       test_bit(asi_dmap_block(addr), asi_sensitive_blocks);
}

/*
 * The walk behind asi_pgd_translates().  With @restricted, for a caller
 * running on the restricted tables, it answers true as soon as a
 * page-table page on the way is one those tables leave out, which it
 * could not read.
 */
bool asi_walk_translates(pgd_t *pgd_base, unsigned long addr, bool restricted)
{
	pgd_t *pgd = pgd_offset_pgd(pgd_base, addr);
	p4d_t *p4d;
	pud_t *pud, pudv;
	pmd_t *pmd, pmdv;
	pte_t *pte;

	if (restricted && asi_table_unreadable(pgd))
		return true;
	if (!pgd_present(READ_ONCE(*pgd)))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (restricted && asi_table_unreadable(p4d))
		return true;
	if (!p4d_present(READ_ONCE(*p4d)))
		return false;
	pud = pud_offset(p4d, addr);
	if (restricted && asi_table_unreadable(pud))
		return true;
	pudv = READ_ONCE(*pud);
	if (!(pud_flags(pudv) & _PAGE_PRESENT))
		return false;
	if (pud_leaf(pudv))
		return true;
	pmd = pmd_offset(pud, addr);
	if (restricted && asi_table_unreadable(pmd))
		return true;
	pmdv = READ_ONCE(*pmd);
	if (!(pmd_flags(pmdv) & _PAGE_PRESENT))
		return false;
	if (pmd_leaf(pmdv))
		return true;
	pte = pte_offset_kernel(pmd, addr);
	if (restricted && asi_table_unreadable(pte))
		return true;
	return pte_flags(READ_ONCE(*pte)) & _PAGE_PRESENT;
}

bool asi_pgd_translates(pgd_t *pgd_base, unsigned long addr)
{
	return asi_walk_translates(pgd_base, addr, false);
}
