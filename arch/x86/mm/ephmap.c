// SPDX-License-Identifier: GPL-2.0
/*
 * x86-64 page tables of the ephmap region (see <asm/ephmap.h>).
 *
 * Every page table an mm needs for the region is allocated when the mm is
 * created, for every possible CPU, so that mapping never allocates and
 * never fails: one PUD table (and a P4D table with 5-level paging), one
 * PMD table per 32 CPUs and one PTE table per window slot.  A slot whose
 * folio is PMD-sized is mapped by a PMD leaf instead of its PTE table,
 * which is put back on unmap.
 *
 * Entries are never global and are only written by the CPU that owns the
 * window, so removing one needs only a local invalidation (INVLPG, or a
 * full local flush past tlb_single_page_flush_ceiling pages): no IPI.
 * The tables are freed in destroy_context(), when no CPU has the mm loaded.
 */
#include <linux/atomic.h>
#include <linux/ephmap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>
#include <asm/tlb.h>
#include <asm/tlbflush.h>

/* Page tables of one CPU's window. */
struct ephmap_cpu_tables {
	pmd_t	*pmd;			/* PMD entry of slot 0 */
	pte_t	*pte[EPHMAP_NEST_MAX];	/* PTE table of each slot */
};

struct ephmap_mm {
	p4d_t				*p4d;	/* 5-level paging only */
	pud_t				*pud;
	struct ephmap_cpu_tables	cpu[];
};

/* CPUs whose windows share one PMD table. */
#define EPHMAP_CPUS_PER_PMD	(PUD_SIZE / EPHMAP_CPU_WINDOW_SIZE)

static atomic_long_t ephmap_nr_pgtables = ATOMIC_LONG_INIT(0);

/* Never global: a CR3 switch or a local flush must remove them. */
#define EPHMAP_PROT_PTE	__pgprot(pgprot_val(PAGE_KERNEL) & ~_PAGE_GLOBAL)
#define EPHMAP_PROT_PMD	__pgprot(pgprot_val(PAGE_KERNEL_LARGE) & ~_PAGE_GLOBAL)

static void *ephmap_alloc_table(void)
{
	void *table = (void *)__get_free_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (table)
		atomic_long_inc(&ephmap_nr_pgtables);
	return table;
}

static void ephmap_free_table(void *table)
{
	if (!table)
		return;
	free_page((unsigned long)table);
	atomic_long_dec(&ephmap_nr_pgtables);
}

unsigned long ephmap_cpu_window(unsigned int cpu)
{
	return EPHMAP_BASE_ADDR + (unsigned long)cpu * EPHMAP_CPU_WINDOW_SIZE;
}

bool ephmap_addr_in_region(unsigned long addr)
{
	return addr >= EPHMAP_BASE_ADDR &&
	       addr < ephmap_cpu_window(nr_cpu_ids);
}

unsigned long arch_ephmap_pgtable_pages_per_mm(void)
{
	return (pgtable_l5_enabled() ? 1 : 0) + 1 +
	       DIV_ROUND_UP(nr_cpu_ids, EPHMAP_CPUS_PER_PMD) +
	       nr_cpu_ids * EPHMAP_NEST_MAX;
}

long arch_ephmap_nr_pgtable_pages(void)
{
	return atomic_long_read(&ephmap_nr_pgtables);
}

static void ephmap_free_tables(struct ephmap_mm *em)
{
	unsigned int cpu, i;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct ephmap_cpu_tables *t = &em->cpu[cpu];

		for (i = 0; i < EPHMAP_NEST_MAX; i++)
			ephmap_free_table(t->pte[i]);
		if (cpu % EPHMAP_CPUS_PER_PMD == 0 && t->pmd)
			ephmap_free_table((void *)((unsigned long)t->pmd & PAGE_MASK));
	}
	ephmap_free_table(em->pud);
	ephmap_free_table(em->p4d);
	/* destroy_context() may run with preemption off: no vfree(). */
	if (is_vmalloc_addr(em))
		vfree_atomic(em);
	else
		kfree(em);
}

int ephmap_mm_init(struct mm_struct *mm)
{
	struct ephmap_mm *em;
	unsigned int cpu, i;
	pgd_t *pgd;
	p4d_t *p4d;

	BUILD_BUG_ON(NR_CPUS * EPHMAP_CPU_WINDOW_SIZE > P4D_SIZE);
	BUILD_BUG_ON(EPHMAP_CPU_WINDOW_SIZE > PUD_SIZE);

	mm->context.ephmap = NULL;
	if (!ephmap_enabled())
		return 0;

	em = kvzalloc(struct_size(em, cpu, nr_cpu_ids), GFP_KERNEL_ACCOUNT);
	if (!em)
		return -ENOMEM;

	pgd = pgd_offset_pgd(mm->pgd, EPHMAP_BASE_ADDR);
	if (pgtable_l5_enabled()) {
		em->p4d = ephmap_alloc_table();
		if (!em->p4d)
			goto nomem;
	}
	em->pud = ephmap_alloc_table();
	if (!em->pud)
		goto nomem;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		unsigned long addr = ephmap_cpu_window(cpu);
		pud_t *pud = em->pud + pud_index(addr);
		struct ephmap_cpu_tables *t = &em->cpu[cpu];
		pmd_t *pmd_table;

		if (pud_none(*pud)) {
			pmd_table = ephmap_alloc_table();
			if (!pmd_table)
				goto nomem;
			set_pud(pud, __pud(_KERNPG_TABLE | __pa(pmd_table)));
		}
		t->pmd = pmd_offset(pud, addr);
		for (i = 0; i < EPHMAP_NEST_MAX; i++) {
			t->pte[i] = ephmap_alloc_table();
			if (!t->pte[i])
				goto nomem;
			set_pmd(t->pmd + i, __pmd(_KERNPG_TABLE | __pa(t->pte[i])));
		}
	}

	/* Hook the region in last: a half-built one is never visible. */
	if (em->p4d) {
		p4d = em->p4d + p4d_index(EPHMAP_BASE_ADDR);
		set_p4d(p4d, __p4d(_KERNPG_TABLE | __pa(em->pud)));
		set_pgd(pgd, __pgd(_KERNPG_TABLE | __pa(em->p4d)));
	} else {
		set_p4d(p4d_offset(pgd, EPHMAP_BASE_ADDR),
			__p4d(_KERNPG_TABLE | __pa(em->pud)));
	}
	mm->context.ephmap = em;
	return 0;

nomem:
	ephmap_free_tables(em);
	return -ENOMEM;
}

void ephmap_mm_destroy(struct mm_struct *mm)
{
	struct ephmap_mm *em = mm->context.ephmap;

	if (!em)
		return;
	mm->context.ephmap = NULL;
	/* The PGD itself is already freed: only the tables are left. */
	ephmap_free_tables(em);
}

bool arch_ephmap_usable(struct mm_struct *mm)
{
	return mm->context.ephmap &&
	       this_cpu_read(cpu_tlbstate.loaded_mm) == mm;
}

static unsigned long ephmap_slot_addr(unsigned int cpu, unsigned int idx)
{
	return ephmap_cpu_window(cpu) + idx * EPHMAP_SLOT_SIZE;
}

void arch_ephmap_set(struct mm_struct *mm, unsigned int cpu,
		     unsigned int idx, const struct ephmap_slot *slot)
{
	struct ephmap_cpu_tables *t = &mm->context.ephmap->cpu[cpu];
	pte_t *pte = t->pte[idx];
	unsigned int i;

	if (slot->flags & EPHMAP_SLOT_PMD) {
		/*
		 * The PMD pointed to a page table, which the paging-structure
		 * caches may hold: drop it, or a walk could miss the leaf.
		 */
		set_pmd(t->pmd + idx, pfn_pmd(slot->pfn, EPHMAP_PROT_PMD));
		invlpg(ephmap_cpu_window(cpu) + idx * EPHMAP_SLOT_SIZE);
		count_vm_event(EPHMAP_FLUSH_PAGE);
		return;
	}
	for (i = 0; i < slot->nr_pages; i++)
		set_pte(pte + i, pfn_pte(slot->pfn + i, EPHMAP_PROT_PTE));
}

void arch_ephmap_clear(struct mm_struct *mm, unsigned int cpu,
		       unsigned int idx, const struct ephmap_slot *slot)
{
	struct ephmap_cpu_tables *t = &mm->context.ephmap->cpu[cpu];
	unsigned long addr = ephmap_slot_addr(cpu, idx);
	pte_t *pte = t->pte[idx];
	unsigned int i;

	/*
	 * Local invalidation of the loaded page tables is all it takes, with
	 * ASI too: the other half of the PGD pair shares these tables, and
	 * ASI runs without PCID, so whatever the TLB held for that half went
	 * with the CR3 write that left it.
	 */
	if (slot->flags & EPHMAP_SLOT_PMD) {
		set_pmd(t->pmd + idx, __pmd(_KERNPG_TABLE | __pa(pte)));
		invlpg(addr);
		count_vm_event(EPHMAP_FLUSH_PAGE);
		return;
	}
	for (i = 0; i < slot->nr_pages; i++)
		set_pte(pte + i, __pte(0));
	if (slot->nr_pages > tlb_single_page_flush_ceiling) {
		flush_tlb_local();
		count_vm_event(EPHMAP_FLUSH_ALL);
		return;
	}
	for (i = 0; i < slot->nr_pages; i++)
		invlpg(addr + i * PAGE_SIZE);
	count_vm_events(EPHMAP_FLUSH_PAGE, slot->nr_pages);
}

static bool ephmap_pgd_translates(pgd_t *pgd_base, unsigned long addr,
				  unsigned long *pfn)
{
	pgd_t *pgd = pgd_offset_pgd(pgd_base, addr);
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;
	pte_t *pte;

	if (pgd_none(*pgd))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d))
		return false;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud))
		return false;
	pmd = pmd_offset(pud, addr);
	if (!pmd_present(*pmd))
		return false;
	if (pmd_leaf(*pmd)) {
		*pfn = pmd_pfn(*pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
		return true;
	}
	pte = pte_offset_kernel(pmd, addr);
	if (!pte_present(*pte))
		return false;
	*pfn = pte_pfn(*pte);
	return true;
}

/*
 * Whether @mm's page tables map @addr, and to which pfn.  With ASI, an mm
 * has two: a translation in either counts, so that "does not translate"
 * holds for both.
 */
bool arch_ephmap_translates(struct mm_struct *mm, unsigned long addr,
			    unsigned long *pfn)
{
	if (ephmap_pgd_translates(mm->pgd, addr, pfn))
		return true;
#ifdef CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION
	if (mm->context.asi_ready)
		return ephmap_pgd_translates((pgd_t *)((unsigned long)mm->pgd |
						       PAGE_SIZE), addr, pfn);
#endif
	return false;
}
