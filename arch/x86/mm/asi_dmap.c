// SPDX-License-Identifier: GPL-2.0
/*
 * ASI's restricted direct map: built at boot with its own tables down to
 * the PMD level, kept equal to the normal one block by block (CPA's
 * changes to large entries are mirrored here), except for 2 MiB blocks
 * marked sensitive, which it leaves out.
 */
#define pr_fmt(fmt)	"ASI: " fmt

#include <linux/bitmap.h>
#include <linux/init.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <kunit/visibility.h>
#include <asm/tlbflush.h>

#include "asi_internal.h"

unsigned long asi_dmap_start __ro_after_init;
unsigned long asi_dmap_end __ro_after_init;
unsigned long *asi_sensitive_blocks __ro_after_init;
DEFINE_RAW_SPINLOCK(asi_dmap_lock);

bool asi_pgd_index_is_dmap(unsigned long idx)
{
	return asi_dmap_end && idx >= pgd_index(asi_dmap_start) &&
	       idx <= pgd_index(asi_dmap_end - 1);
}

/* Direct map: the restricted PMD entry for @addr, without allocating. */
pmd_t *asi_dmap_rpmd(unsigned long addr)
{
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;

	if (!asi_addr_in_dmap(addr))
		return NULL;
	pgd = pgd_offset_pgd(asi_restricted_pgd(swapper_pg_dir), addr);
	if (pgd_none(*pgd))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d))
		return NULL;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud))
		return NULL;
	return pmd_offset(pud, addr);
}

pmd_t asi_dmap_normal_pmd(unsigned long addr)
{
	pgd_t *pgd = pgd_offset_pgd(swapper_pg_dir, addr);
	p4d_t *p4d;
	pud_t *pud, pudv;
	pmd_t pmdv;

	if (!pgd_present(*pgd))
		return __pmd(0);
	p4d = p4d_offset(pgd, addr);
	if (!p4d_present(*p4d))
		return __pmd(0);
	pud = pud_offset(p4d, addr);
	pudv = READ_ONCE(*pud);
	if (!(pud_flags(pudv) & _PAGE_PRESENT))
		return __pmd(0);
	if (pud_leaf(pudv)) {
		/* Cut the 2 MiB piece out of the 1 GiB page. */
		unsigned long pfn = pud_pfn(pudv) +
			((addr & ~PUD_MASK & PMD_MASK) >> PAGE_SHIFT);

		return pfn_pmd(pfn, pud_pgprot(pudv));
	}
	pmdv = READ_ONCE(*pmd_offset(pud, addr));
	if (!(pmd_flags(pmdv) & _PAGE_PRESENT))
		return __pmd(0);
	return pmdv;
}

void asi_dmap_sync_block(unsigned long addr)
{
	pmd_t *rpmd = asi_dmap_rpmd(addr);
	pmd_t val = __pmd(0);

	lockdep_assert_held(&asi_dmap_lock);
	if (!rpmd)
		return;
	if (!test_bit(asi_dmap_block(addr), asi_sensitive_blocks))
		val = asi_dmap_normal_pmd(addr);
	set_pmd(rpmd, val);
}

/* CPA replaced the large entry @kpte mapping @address in init_mm. */
void asi_direct_map_changed(pte_t *kpte, unsigned long address)
{
	unsigned long start, end, addr, flags;
	pgd_t *pgd;
	p4d_t *p4d;

	if (!asi_enabled() || !asi_addr_in_dmap(address))
		return;

	/* A PUD entry covers 1 GiB of blocks, a PMD entry one block. */
	pgd = pgd_offset_pgd(swapper_pg_dir, address);
	p4d = p4d_offset(pgd, address);
	if ((void *)kpte == (void *)pud_offset(p4d, address)) {
		start = address & PUD_MASK;
		end = start + PUD_SIZE;
	} else {
		start = address & PMD_MASK;
		end = start + PMD_SIZE;
	}
	start = max(start, asi_dmap_start);
	end = min(end, asi_dmap_end);

	raw_spin_lock_irqsave(&asi_dmap_lock, flags);
	for (addr = start; addr < end; addr += PMD_SIZE)
		asi_dmap_sync_block(addr);
	raw_spin_unlock_irqrestore(&asi_dmap_lock, flags);
}

static pmd_t * __init asi_dmap_rpmd_alloc(pgd_t *rpgd, unsigned long addr)
{
	pgd_t *pgd = pgd_offset_pgd(rpgd, addr);
	p4d_t *p4d;
	pud_t *pud;
	void *table;

	if (pgd_none(*pgd)) {
		table = asi_alloc_table();
		if (!table)
			return NULL;
		set_pgd(pgd, __pgd(_KERNPG_TABLE | __pa(table)));
	}
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d)) {
		table = asi_alloc_table();
		if (!table)
			return NULL;
		set_p4d(p4d, __p4d(_KERNPG_TABLE | __pa(table)));
	}
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud)) {
		table = asi_alloc_table();
		if (!table)
			return NULL;
		set_pud(pud, __pud(_KERNPG_TABLE | __pa(table)));
	}
	return pmd_offset(pud, addr);
}

/*
 * Build the restricted kernel half in swapper_pg_dir's pair: every kernel
 * entry shared with the normal half, except the direct map's, which get
 * their own tables down to the PMD level, preallocated so that marking a
 * block sensitive or not never allocates.
 */
int __init asi_build_restricted_kernel(void)
{
	pgd_t *kpgd = swapper_pg_dir, *rpgd = asi_restricted_pgd(kpgd);
	unsigned long start = PAGE_OFFSET;
	unsigned long end = PAGE_OFFSET + ALIGN(PFN_PHYS(max_pfn), PMD_SIZE);
	unsigned long addr, idx;

	/*
	 * The direct map must own its PGD entries: a shared one would make
	 * the restricted copy miss what the neighbour adds later.  Memory
	 * randomization can place vmalloc in the direct map's last entry.
	 */
	if (pgd_index(start) <= pgd_index(LDT_BASE_ADDR) ||
	    pgd_index(end - 1) >= pgd_index(VMALLOC_START) ||
	    pgd_index(end - 1) >= pgd_index(VMEMMAP_START)) {
		pr_warn("the direct map shares a PGD entry with another region\n");
		return -EBUSY;
	}

	asi_sensitive_blocks = bitmap_zalloc((end - start) >> PMD_SHIFT,
					     GFP_KERNEL);
	if (!asi_sensitive_blocks)
		return -ENOMEM;

	for (idx = KERNEL_PGD_BOUNDARY; idx < PTRS_PER_PGD; idx++) {
		if (idx < pgd_index(start) || idx > pgd_index(end - 1))
			WRITE_ONCE(rpgd[idx], kpgd[idx]);
		else
			WRITE_ONCE(rpgd[idx], __pgd(0));
	}

	for (addr = start; addr < end; addr += PMD_SIZE) {
		pmd_t *rpmd = asi_dmap_rpmd_alloc(rpgd, addr);

		if (!rpmd)
			return -ENOMEM;
		set_pmd(rpmd, asi_dmap_normal_pmd(addr));
	}

	/* From here on asi_set_pgd_pair() knows which entries are ours. */
	asi_dmap_start = start;
	asi_dmap_end = end;
	return 0;
}

bool asi_pfn_is_sensitive(unsigned long pfn)
{
	unsigned long addr = (unsigned long)pfn_to_kaddr(pfn);

	if (!asi_enabled() || !asi_addr_in_dmap(addr))
		return false;
	return test_bit(asi_dmap_block(addr), asi_sensitive_blocks);
}
EXPORT_SYMBOL_IF_KUNIT(asi_pfn_is_sensitive);

struct asi_stats {
	unsigned long count[NR_ASI_STATS];
};

static DEFINE_PER_CPU(struct asi_stats, asi_stats);

unsigned long asi_stat_sum(enum asi_stat_item item)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(asi_stats, cpu).count[item];
	return sum;
}

static int asi_set_sensitivity(unsigned long pfn, unsigned long nr_pages,
			       bool sensitive)
{
	unsigned long start, end, addr, flags, changed = 0;

	if (!asi_enabled())
		return 0;
	if (WARN_ONCE(!nr_pages || !IS_ALIGNED(pfn | nr_pages, PTRS_PER_PMD),
		      "ASI: sensitivity of pfn %#lx+%lu: not whole 2 MiB blocks\n",
		      pfn, nr_pages))
		return -EINVAL;
	/* The TLB shootdown below needs IRQs on. */
	if (WARN_ONCE(irqs_disabled(), "ASI: sensitivity changed with IRQs off\n"))
		return -EBUSY;

	start = (unsigned long)pfn_to_kaddr(pfn);
	end = start + PFN_PHYS(nr_pages);
	if (!asi_addr_in_dmap(start) || end > asi_dmap_end)
		return -ERANGE;

	raw_spin_lock_irqsave(&asi_dmap_lock, flags);
	for (addr = start; addr < end; addr += PMD_SIZE) {
		unsigned long block = asi_dmap_block(addr);

		if (test_bit(block, asi_sensitive_blocks) == sensitive)
			continue;
		assign_bit(block, asi_sensitive_blocks, sensitive);
		asi_dmap_sync_block(addr);
		changed++;
	}
	raw_spin_unlock_irqrestore(&asi_dmap_lock, flags);

	if (changed)
		this_cpu_add(asi_stats.count[sensitive ?
					     ASI_STAT_MARK_SENSITIVE :
					     ASI_STAT_MARK_NONSENSITIVE], changed);
	/*
	 * x86 caches no not-present translations: only removal flushes.  It
	 * flushes even when nothing changed here, as a caller that found the
	 * blocks already sensitive must not return before they are gone
	 * from every TLB.
	 */
	if (sensitive)
		flush_tlb_kernel_range(start, end);
	return 0;
}

int asi_set_sensitive(unsigned long pfn, unsigned long nr_pages)
{
	return asi_set_sensitivity(pfn, nr_pages, true);
}

int asi_set_nonsensitive(unsigned long pfn, unsigned long nr_pages)
{
	return asi_set_sensitivity(pfn, nr_pages, false);
}
