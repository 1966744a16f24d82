// SPDX-License-Identifier: GPL-2.0
/*
 * x86-64 page tables and TLB flushes of the ephmap region (see
 * <asm/ephmap.h> for the layout and mm/ephmap/ephmap.c for the rest).
 *
 * The tables of a CPU's rings are installed on its first mapping in an
 * mm, under mm->page_table_lock, from pages the caller reserved, charged
 * to the mapping task's memory cgroup and counted in the mm's page-table
 * bytes; they are freed in destroy_context(), when no CPU can have the mm
 * loaded, not even lazily.  Entries are never global, so a CR3 write or a local flush
 * removes them.
 */
#include <linux/atomic.h>
#include <linux/cpufeature.h>
#include <linux/cpumask.h>
#include <linux/ephmap.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mmu_context.h>
#include <linux/vmstat.h>
#include <kunit/visibility.h>
#include <asm/tlbflush.h>

unsigned long ephmap_base __ro_after_init;
EXPORT_SYMBOL_IF_KUNIT(ephmap_base);
unsigned long ephmap_end __ro_after_init;
EXPORT_SYMBOL_IF_KUNIT(ephmap_end);
unsigned long ephmap_pte_bits __ro_after_init;
unsigned long ephmap_pmd_bits __ro_after_init;
static unsigned long ephmap_pmd_area __ro_after_init;

static atomic_long_t ephmap_nr_pgtables = ATOMIC_LONG_INIT(0);

/*
 * Without PCID every CR3 write drops all non-global translations: the
 * ephmap's argument that a CPU which left an mm holds none of its
 * entries rests on that (Documentation/mm/ephmap.rst).  ASI turns PCID
 * off for the same reason; ephmap=on without ASI does it here.
 */
void __init arch_ephmap_early_enable(void)
{
	if (boot_cpu_has(X86_FEATURE_PCID)) {
		setup_clear_cpu_cap(X86_FEATURE_PCID);
		pr_info("ephmap: PCID not used: every CR3 write flushes the TLB\n");
	}
}

unsigned int __init arch_ephmap_layout(void)
{
	unsigned long size = 1UL << PGDIR_SHIFT;
	unsigned int n = nr_cpu_ids;
	pgprot_t prot;

	ephmap_base = EPHMAP_PGD_ENTRY << PGDIR_SHIFT;
	while (n && ALIGN((unsigned long)n * PMD_SIZE, PUD_SIZE) +
		    (unsigned long)n * PUD_SIZE > size)
		n--;
	ephmap_pmd_area = ephmap_base + ALIGN((unsigned long)n * PMD_SIZE, PUD_SIZE);
	ephmap_end = ephmap_pmd_area + (unsigned long)n * PUD_SIZE;

	prot = __pgprot(pgprot_val(PAGE_KERNEL) & ~_PAGE_GLOBAL);
	ephmap_pte_bits = pte_val(pfn_pte(0, prot));
	prot = __pgprot(pgprot_val(PAGE_KERNEL_LARGE) & ~_PAGE_GLOBAL);
	ephmap_pmd_bits = pmd_val(pfn_pmd(0, prot));
	return n;
}

unsigned long arch_ephmap_pte_ring(unsigned int cpu)
{
	return ephmap_base + (unsigned long)cpu * PMD_SIZE;
}
EXPORT_SYMBOL_IF_KUNIT(arch_ephmap_pte_ring);

unsigned long arch_ephmap_pmd_ring(unsigned int cpu)
{
	return ephmap_pmd_area + (unsigned long)cpu * PUD_SIZE;
}
EXPORT_SYMBOL_IF_KUNIT(arch_ephmap_pmd_ring);

/* Levels of the tables, for the mm's page-table byte counts. */
enum ephmap_level { EPHMAP_TOP_P4D, EPHMAP_PUD, EPHMAP_PMD, EPHMAP_PTE };

static void ephmap_count_table(struct mm_struct *mm, enum ephmap_level level,
			       int delta)
{
	long bytes = delta * (long)PAGE_SIZE;

	/* As the mm's own tables: OOM badness and check_mm() see them. */
	if (level != EPHMAP_TOP_P4D)
		atomic_long_add(bytes, &mm->pgtables_bytes);
}

/*
 * A page-table page from the reserve, charged to the mapping task's memory
 * cgroup (without sleeping: the caller holds page_table_lock) and counted
 * as a page table of @mm.
 */
static void *ephmap_take_table(struct mm_struct *mm, enum ephmap_level level,
			       struct page **reserve, unsigned int *nr)
{
	struct page *page;

	if (!*nr)
		return NULL;
	page = reserve[*nr - 1];
	if (memcg_kmem_charge_page(page, GFP_NOWAIT | __GFP_ACCOUNT, 0))
		return NULL;
	(*nr)--;
	mod_lruvec_page_state(page, NR_PAGETABLE, 1);
	ephmap_count_table(mm, level, 1);
	mm->context.ephmap_nr_tables++;
	atomic_long_inc(&ephmap_nr_pgtables);
	return page_address(page);
}

static void ephmap_free_table(struct mm_struct *mm, enum ephmap_level level,
			      void *table)
{
	struct page *page = virt_to_page(table);

	mod_lruvec_page_state(page, NR_PAGETABLE, -1);
	memcg_kmem_uncharge_page(page, 0);
	ephmap_count_table(mm, level, -1);
	atomic_long_dec(&ephmap_nr_pgtables);
	__free_page(page);
}

/* The PUD entry of @addr, with the tables above it installed. */
static pud_t *ephmap_pud(struct mm_struct *mm, unsigned long addr,
			 struct page **reserve, unsigned int *nr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	void *t;

	if (pgtable_l5_enabled() && pgd_none(*pgd)) {
		t = ephmap_take_table(mm, EPHMAP_TOP_P4D, reserve, nr);
		if (!t)
			return NULL;
		mm->context.ephmap = t;
		set_pgd(pgd, __pgd(_KERNPG_TABLE | __pa(t)));
	}
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d)) {
		t = ephmap_take_table(mm, EPHMAP_PUD, reserve, nr);
		if (!t)
			return NULL;
		if (!pgtable_l5_enabled())
			mm->context.ephmap = t;
		set_p4d(p4d, __p4d(_KERNPG_TABLE | __pa(t)));
	}
	return pud_offset(p4d, addr);
}

/* The PMD entry of @addr, with the tables above it installed. */
static pmd_t *ephmap_pmd(struct mm_struct *mm, unsigned long addr,
			 struct page **reserve, unsigned int *nr)
{
	pud_t *pud = ephmap_pud(mm, addr, reserve, nr);
	void *t;

	if (!pud)
		return NULL;
	if (pud_none(*pud)) {
		t = ephmap_take_table(mm, EPHMAP_PMD, reserve, nr);
		if (!t)
			return NULL;
		set_pud(pud, __pud(_KERNPG_TABLE | __pa(t)));
	}
	return pmd_offset(pud, addr);
}

bool arch_ephmap_cpu_tables(struct mm_struct *mm, unsigned int cpu,
			    struct page **reserve, unsigned int *nr,
			    pte_t **ptep, pmd_t **pmdp)
{
	unsigned long pte_ring = arch_ephmap_pte_ring(cpu);
	bool ok = false;
	pmd_t *pmd;
	void *t;

	spin_lock(&mm->page_table_lock);
	pmd = ephmap_pmd(mm, pte_ring, reserve, nr);
	if (!pmd)
		goto out;
	if (pmd_none(*pmd)) {
		t = ephmap_take_table(mm, EPHMAP_PTE, reserve, nr);
		if (!t)
			goto out;
		set_pmd(pmd, __pmd(_KERNPG_TABLE | __pa(t)));
	}
	*ptep = pte_offset_kernel(pmd, pte_ring);
	*pmdp = ephmap_pmd(mm, arch_ephmap_pmd_ring(cpu), reserve, nr);
	ok = !!*pmdp;
out:
	spin_unlock(&mm->page_table_lock);
	return ok;
}

static void ephmap_free_pud_table(struct mm_struct *mm, pud_t *pud)
{
	unsigned int i, j;

	for (i = 0; i < PTRS_PER_PUD; i++) {
		pmd_t *pmd;

		if (pud_none(pud[i]))
			continue;
		pmd = pud_pgtable(pud[i]);
		for (j = 0; j < PTRS_PER_PMD; j++) {
			if (pmd_none(pmd[j]))
				continue;
			/* Every mapping ended before its CPU let go of the mm. */
			if (WARN_ON_ONCE(pmd_leaf(pmd[j])))
				continue;
			ephmap_free_table(mm, EPHMAP_PTE,
					  page_address(pmd_page(pmd[j])));
		}
		ephmap_free_table(mm, EPHMAP_PMD, pmd);
	}
	ephmap_free_table(mm, EPHMAP_PUD, pud);
}

void ephmap_mm_destroy(struct mm_struct *mm)
{
	void *top = mm->context.ephmap;
	unsigned int i;

	if (!top)
		return;
	mm->context.ephmap = NULL;
	/* The PGD itself is already freed: only the tables are left. */
	if (pgtable_l5_enabled()) {
		p4d_t *p4d = top;

		for (i = 0; i < PTRS_PER_P4D; i++)
			if (!p4d_none(p4d[i]))
				ephmap_free_pud_table(mm, p4d_pgtable(p4d[i]));
		ephmap_free_table(mm, EPHMAP_TOP_P4D, p4d);
	} else {
		ephmap_free_pud_table(mm, top);
	}
}

void arch_ephmap_flush_local(void)
{
	unsigned long flags;

	/* No interrupt may switch CR3 (an ASI exit) between read and write. */
	local_irq_save(flags);
	flush_tlb_local();
	local_irq_restore(flags);
}

struct ephmap_flush_info {
	struct mm_struct	*mm;
	unsigned int		skip;
	atomic_t		flushed;	/* CPUs that did */
};

static bool ephmap_flush_cond(int cpu, void *data)
{
	return cpu != ((struct ephmap_flush_info *)data)->skip;
}

/* Interrupts are off here, whether by IPI or on the calling CPU. */
static void ephmap_flush_func(void *data)
{
	struct ephmap_flush_info *info = data;

	/* A CPU that left the mm since wrote CR3, which flushed it. */
	if (this_cpu_read(cpu_tlbstate.loaded_mm) != info->mm)
		return;
	/*
	 * As flush_tlb_func() does, a lazy CPU leaves the mm (its CR3 write
	 * flushes), so that later releases need not reach it.
	 */
	if (this_cpu_read(cpu_tlbstate_shared.is_lazy))
		switch_mm_irqs_off(NULL, &init_mm, NULL);
	else
		flush_tlb_local();
	atomic_inc(&info->flushed);
}

unsigned int arch_ephmap_flush_mm(struct mm_struct *mm, unsigned int skip)
{
	struct ephmap_flush_info info = { .mm = mm, .skip = skip };

	/*
	 * As if page tables were freed: CPUs that hold the mm lazily get the
	 * IPI too, since they may still walk its tables speculatively.  Not
	 * through flush_tlb_multi(): its callers bump the mm's TLB generation,
	 * and a paravirtual flush of a preempted vCPU is not made here.
	 */
	on_each_cpu_cond_mask(ephmap_flush_cond, ephmap_flush_func, &info,
			      true, mm_cpumask(mm));
	return atomic_read(&info.flushed);
}

long arch_ephmap_nr_pgtable_pages(void)
{
	return atomic_long_read(&ephmap_nr_pgtables);
}
EXPORT_SYMBOL_IF_KUNIT(arch_ephmap_nr_pgtable_pages);

unsigned long arch_ephmap_mm_pgtable_pages(struct mm_struct *mm)
{
	return READ_ONCE(mm->context.ephmap_nr_tables);
}
EXPORT_SYMBOL_IF_KUNIT(arch_ephmap_mm_pgtable_pages);

/* Whether a CPU of @cpus below @cpu has a ring in @addr's @mask block. */
static bool ephmap_block_seen(const struct cpumask *cpus, unsigned int cpu,
			      unsigned long addr, unsigned long mask, bool pmd_rings)
{
	unsigned int o;

	for_each_cpu(o, cpus) {
		if (o >= cpu)
			break;
		if ((arch_ephmap_pte_ring(o) & mask) == (addr & mask))
			return true;
		if (pmd_rings && (arch_ephmap_pmd_ring(o) & mask) == (addr & mask))
			return true;
	}
	return false;
}

/*
 * Page-table pages an mm holds once it mapped on each of @cpus: per CPU
 * its PTE table and its ring's PMD table; shared, the PMD table over
 * each 512 PTE rings, with 5-level paging the PUD table of each 512 GiB,
 * and the top table.
 */
unsigned long arch_ephmap_pgtable_pages_for(const struct cpumask *cpus)
{
	unsigned long n = 0;
	unsigned int cpu;

	for_each_cpu(cpu, cpus) {
		unsigned long pte_ring = arch_ephmap_pte_ring(cpu);
		unsigned long pmd_ring = arch_ephmap_pmd_ring(cpu);

		n += 2;
		if (!ephmap_block_seen(cpus, cpu, pte_ring, PUD_MASK, false))
			n++;
		if (!pgtable_l5_enabled())
			continue;
		if (!ephmap_block_seen(cpus, cpu, pte_ring, P4D_MASK, true))
			n++;
		if ((pmd_ring & P4D_MASK) != (pte_ring & P4D_MASK) &&
		    !ephmap_block_seen(cpus, cpu, pmd_ring, P4D_MASK, true))
			n++;
	}
	return n ? n + 1 : 0;
}
EXPORT_SYMBOL_IF_KUNIT(arch_ephmap_pgtable_pages_for);

static bool ephmap_pgd_walk(pgd_t *pgd_base, unsigned long addr,
			    unsigned long *pfn, unsigned long *entry)
{
	pgd_t *pgd = pgd_offset_pgd(pgd_base, addr);
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;
	pte_t *pte;

	*entry = 0;
	if (pgd_none(*pgd))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d))
		return false;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud))
		return false;
	pmd = pmd_offset(pud, addr);
	if (pmd_none(*pmd) || pmd_leaf(*pmd)) {
		*entry = pmd_val(*pmd);
		if (!pmd_present(*pmd))
			return false;
		*pfn = pmd_pfn(*pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
		return true;
	}
	pte = pte_offset_kernel(pmd, addr);
	*entry = pte_val(*pte);
	if (!pte_present(*pte))
		return false;
	*pfn = pte_pfn(*pte);
	return true;
}

/* With ASI an mm has two tables: a translation in either counts. */
bool arch_ephmap_translates(struct mm_struct *mm, unsigned long addr,
			    unsigned long *pfn)
{
	unsigned long entry;

	if (!mm)
		mm = &init_mm;
	if (ephmap_pgd_walk(mm->pgd, addr, pfn, &entry))
		return true;
#ifdef CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION
	if (mm->context.asi_ready)
		return ephmap_pgd_walk((pgd_t *)((unsigned long)mm->pgd |
						 PAGE_SIZE), addr, pfn, &entry);
#endif
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(arch_ephmap_translates);

unsigned long arch_ephmap_entry(struct mm_struct *mm, unsigned long addr)
{
	unsigned long pfn, entry;

	ephmap_pgd_walk(mm->pgd, addr, &pfn, &entry);
	return entry;
}
EXPORT_SYMBOL_IF_KUNIT(arch_ephmap_entry);
