// SPDX-License-Identifier: GPL-2.0
/*
 * The ASI auditor: walks every restricted page table and counts what
 * breaks the invariants stated in asi.c, namely
 *  - a restricted direct-map entry that maps a page the normal direct map
 *    does not map, maps another page, or maps it with more permissions
 *    (writable, user, executable) or global;
 *  - a block marked sensitive that the restricted direct map still maps;
 *  - a PGD pair whose halves differ in the user half, the mm-local slot or
 *    a shared kernel entry, or whose direct-map entries are not the
 *    restricted ones;
 *  - an entry of the rest of the kernel half (vmalloc and vmap, vmemmap,
 *    modules, fixmap, the kernel image), which every restricted PGD
 *    shares, that maps a page of a sensitive block.  The mm-local slot is
 *    left out: the ephmap's live slots map the mm's own data by design.
 * /sys/kernel/debug/asi/audit prints the count on its first line, then one
 * line per problem (at most ASI_AUDIT_MAX_LINES).  Tests assert 0.
 *
 * Beside it, asi/state tells what ASI runs with, and asi/exit makes the
 * writing CPU exit, for tests.
 */
#define pr_fmt(fmt)	"ASI: " fmt

#include <linux/debugfs.h>
#include <linux/kasan.h>
#include <linux/mm.h>
#include <linux/pagewalk.h>
#include <linux/pgalloc.h>
#include <linux/seq_file.h>
#include <linux/vmstat.h>

#include "asi_internal.h"

#define ASI_AUDIT_MAX_LINES	32

struct asi_audit {
	struct seq_file *m;
	unsigned long problems;
};

static __printf(2, 3) void asi_problem(struct asi_audit *a, const char *fmt, ...)
{
	va_list args;

	if (a->m && a->problems < ASI_AUDIT_MAX_LINES) {
		va_start(args, fmt);
		seq_vprintf(a->m, fmt, args);
		va_end(args);
		seq_putc(a->m, '\n');
	}
	a->problems++;
}

/* Flags of @r that grant more than @n does. */
static bool asi_more_permissive(unsigned long r, unsigned long n)
{
	return ((r & _PAGE_RW) && !(n & _PAGE_RW)) ||
	       ((r & _PAGE_USER) && !(n & _PAGE_USER)) ||
	       (!(r & _PAGE_NX) && (n & _PAGE_NX));
}

static void asi_audit_ptes(struct asi_audit *a, unsigned long addr,
			   pte_t *rpte, pte_t *npte)
{
	int i;

	for (i = 0; i < PTRS_PER_PTE; i++, addr += PAGE_SIZE) {
		pte_t r = READ_ONCE(rpte[i]), n = READ_ONCE(npte[i]);

		if (!(pte_flags(r) & _PAGE_PRESENT))
			continue;
		if (!(pte_flags(n) & _PAGE_PRESENT) || pte_pfn(r) != pte_pfn(n))
			asi_problem(a, "%#lx: restricted maps pfn %#lx, normal does not",
				    addr, pte_pfn(r));
		else if (asi_more_permissive(pte_flags(r), pte_flags(n)))
			asi_problem(a, "%#lx: restricted flags %#lx exceed normal %#lx",
				    addr, (unsigned long)pte_flags(r),
				    (unsigned long)pte_flags(n));
		if (pte_flags(r) & _PAGE_GLOBAL)
			asi_problem(a, "%#lx: global direct-map page", addr);
	}
}

static void asi_audit_dmap(struct asi_audit *a)
{
	unsigned long addr;

	for (addr = asi_dmap_start; addr < asi_dmap_end; addr += PMD_SIZE) {
		pmd_t *rpmd = asi_dmap_rpmd(addr);
		pmd_t r, n;

		if (!rpmd) {
			asi_problem(a, "%#lx: no restricted PMD table", addr);
			continue;
		}
		r = READ_ONCE(*rpmd);
		if (!(pmd_flags(r) & _PAGE_PRESENT))
			continue;
		if (test_bit(asi_dmap_block(addr), asi_sensitive_blocks))
			asi_problem(a, "%#lx: sensitive block mapped", addr);

		n = asi_dmap_normal_pmd(addr);
		if (!(pmd_flags(n) & _PAGE_PRESENT)) {
			asi_problem(a, "%#lx: restricted maps a block normal does not",
				    addr);
			continue;
		}
		if (asi_more_permissive(pmd_flags(r), pmd_flags(n)))
			asi_problem(a, "%#lx: restricted PMD flags %#lx exceed normal %#lx",
				    addr, (unsigned long)pmd_flags(r),
				    (unsigned long)pmd_flags(n));
		if (pmd_leaf(r) != pmd_leaf(n)) {
			asi_problem(a, "%#lx: restricted and normal differ in page size",
				    addr);
		} else if (pmd_leaf(r)) {
			if (pmd_pfn(r) != pmd_pfn(n))
				asi_problem(a, "%#lx: restricted maps pfn %#lx, normal %#lx",
					    addr, pmd_pfn(r), pmd_pfn(n));
			if (pmd_flags(r) & _PAGE_GLOBAL)
				asi_problem(a, "%#lx: global direct-map block", addr);
		} else if (pmd_page_vaddr(r) != pmd_page_vaddr(n)) {
			/* The same PTE table, as it should be, needs no walk. */
			asi_audit_ptes(a, addr,
				       (pte_t *)pmd_page_vaddr(r),
				       (pte_t *)pmd_page_vaddr(n));
		}
	}
}

/* One PGD pair: @owner names it in reports. */
static void asi_audit_pgd_pair(struct asi_audit *a, pgd_t *pgd,
			       const char *owner)
{
	pgd_t *rpgd = asi_restricted_pgd(pgd);
	pgd_t *rkernel = asi_restricted_pgd(swapper_pg_dir);
	unsigned long idx;

	for (idx = 0; idx < PTRS_PER_PGD; idx++) {
		pgd_t r = READ_ONCE(rpgd[idx]), n = READ_ONCE(pgd[idx]);

		if (idx >= KERNEL_PGD_BOUNDARY && asi_pgd_index_is_dmap(idx)) {
			if (pgd_val(r) != pgd_val(READ_ONCE(rkernel[idx])))
				asi_problem(a, "%s: PGD %lu is not the restricted direct map",
					    owner, idx);
			continue;
		}
		/* Identity maps in the user half keep no shadow. */
		if (pgd_val(n) & _PAGE_NOPTISHADOW)
			continue;
		if (pgd_val(r) != pgd_val(n))
			asi_problem(a, "%s: PGD %lu differs: restricted %#lx, normal %#lx",
				    owner, idx, (unsigned long)pgd_val(r),
				    (unsigned long)pgd_val(n));
	}
}

static void asi_audit_pgds(struct asi_audit *a)
{
	struct ptdesc *ptdesc;

	asi_audit_pgd_pair(a, swapper_pg_dir, "init_mm");
	list_for_each_entry(ptdesc, &pgd_list, pt_list) {
		struct mm_struct *mm = ptdesc->pt_mm;
		char owner[32];

		if (!mm || !mm->context.asi_ready)
			continue;
		snprintf(owner, sizeof(owner), "mm %p", mm);
		asi_audit_pgd_pair(a, ptdesc_address(ptdesc), owner);
	}
}

/* A leaf of @size bytes at @va maps @pfn on: any sensitive block in it? */
static void asi_audit_kernel_leaf(struct asi_audit *a, unsigned long va,
				  unsigned long pfn, unsigned long size)
{
	unsigned long off;

	for (off = 0; off < size; off += PMD_SIZE) {
		unsigned long p = pfn + off / PAGE_SIZE;

		if (pfn_valid(p) && asi_pfn_is_sensitive(p))
			asi_problem(a, "%#lx: kernel half maps sensitive pfn %#lx",
				    va + off, p);
	}
}

/*
 * KASAN maps every address of its shadow that it has not populated to one
 * zero page, through the same few tables, over terabytes: nothing
 * sensitive is there, and a walk entry by entry would not end.
 */
static bool asi_audit_kasan_early_table(const void *table)
{
#if defined(CONFIG_KASAN_GENERIC) || defined(CONFIG_KASAN_SW_TAGS)
	/* @table is a direct-map address; the tables are in the image. */
	phys_addr_t pa = __pa(table);

	return pa == __pa_symbol(kasan_early_shadow_p4d) ||
	       pa == __pa_symbol(kasan_early_shadow_pud) ||
	       pa == __pa_symbol(kasan_early_shadow_pmd) ||
	       pa == __pa_symbol(kasan_early_shadow_pte);
#else
	return false;
#endif
}

static int asi_audit_kernel_p4d(p4d_t *p4d, unsigned long addr,
				unsigned long next, struct mm_walk *walk)
{
	p4d_t v = READ_ONCE(*p4d);

	if (p4d_present(v) && asi_audit_kasan_early_table(p4d_pgtable(v)))
		walk->action = ACTION_CONTINUE;
	return 0;
}

static int asi_audit_kernel_pud(pud_t *pud, unsigned long addr,
				unsigned long next, struct mm_walk *walk)
{
	pud_t v = READ_ONCE(*pud);

	if (pud_present(v) && pud_leaf(v))
		asi_audit_kernel_leaf(walk->private, addr, pud_pfn(v), PUD_SIZE);
	else if (pud_present(v) &&
		 asi_audit_kasan_early_table(pud_pgtable(v)))
		walk->action = ACTION_CONTINUE;
	return 0;
}

static int asi_audit_kernel_pmd(pmd_t *pmd, unsigned long addr,
				unsigned long next, struct mm_walk *walk)
{
	pmd_t v = READ_ONCE(*pmd);

	if (pmd_present(v) && pmd_leaf(v))
		asi_audit_kernel_leaf(walk->private, addr, pmd_pfn(v), PMD_SIZE);
	else if (pmd_present(v) &&
		 asi_audit_kasan_early_table((void *)pmd_page_vaddr(v)))
		walk->action = ACTION_CONTINUE;
	return 0;
}

static int asi_audit_kernel_pte(pte_t *pte, unsigned long addr,
				unsigned long next, struct mm_walk *walk)
{
	pte_t v = ptep_get(pte);

	if (pte_present(v))
		asi_audit_kernel_leaf(walk->private, addr, pte_pfn(v), PAGE_SIZE);
	return 0;
}

static const struct mm_walk_ops asi_audit_kernel_ops = {
	.p4d_entry	= asi_audit_kernel_p4d,
	.pud_entry	= asi_audit_kernel_pud,
	.pmd_entry	= asi_audit_kernel_pmd,
	.pte_entry	= asi_audit_kernel_pte,
};

/*
 * The kernel half of the restricted tables, but for the direct map
 * (audited above), the mm-local slot and KASAN's early shadow, as ptdump
 * walks it: under
 * init_mm's mmap write lock, which keeps huge vmap from freeing a page
 * table under the walk.  vmalloc does not take it, so an entry may change
 * while it is read; the audit reports what it read.
 */
static void asi_audit_kernel_half(struct asi_audit *a)
{
	unsigned long mm_local = pgd_index(ASI_MM_LOCAL_PGD_ENTRY << PGDIR_SHIFT);
	pgd_t *rpgd = asi_restricted_pgd(swapper_pg_dir);
	unsigned long idx;

	mmap_write_lock(&init_mm);
	for (idx = KERNEL_PGD_BOUNDARY; idx < PTRS_PER_PGD; idx++) {
		unsigned long start = idx << PGDIR_SHIFT;

		if (asi_pgd_index_is_dmap(idx) || idx == mm_local ||
		    pgd_none(READ_ONCE(rpgd[idx])) ||
		    asi_audit_kasan_early_table((void *)
				pgd_page_vaddr(READ_ONCE(rpgd[idx]))))
			continue;
		/* Kernel addresses: sign-extend the top index bit. */
		start |= -(start & BIT(PGDIR_SHIFT + ilog2(PTRS_PER_PGD) - 1));
		/* The top slot's end would wrap: its last page is left out. */
		walk_kernel_page_table_range(start, start + (PGDIR_SIZE - 1),
					     &asi_audit_kernel_ops, rpgd, a);
	}
	mmap_write_unlock(&init_mm);
}

unsigned long asi_audit_seq(struct seq_file *m)
{
	struct asi_audit a = { .m = m };
	unsigned long flags;

	if (!asi_enabled())
		return 0;
	/* CPA writes the normal tables and mirrors them under pgd_lock. */
	spin_lock(&pgd_lock);
	raw_spin_lock_irqsave(&asi_dmap_lock, flags);
	asi_audit_dmap(&a);
	asi_audit_pgds(&a);
	raw_spin_unlock_irqrestore(&asi_dmap_lock, flags);
	spin_unlock(&pgd_lock);
	asi_audit_kernel_half(&a);
	return a.problems;
}

unsigned long asi_audit(void)
{
	return asi_audit_seq(NULL);
}

#ifdef CONFIG_DEBUG_FS
static int asi_audit_show(struct seq_file *m, void *unused)
{
	struct seq_file lines = { };
	unsigned long problems;
	char *buf;

	/* The count comes first, so collect the lines aside. */
	buf = kvzalloc(PAGE_SIZE * 4, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	lines.buf = buf;
	lines.size = PAGE_SIZE * 4;
	problems = asi_audit_seq(&lines);
	seq_printf(m, "%lu\n", problems);
	seq_write(m, buf, lines.count);
	kvfree(buf);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(asi_audit);

static int asi_state_show(struct seq_file *m, void *unused)
{
	unsigned long blocks = 0;
	int cpu;

	seq_printf(m, "enabled: %d\n", asi_enabled());
	if (!asi_enabled())
		return 0;
	seq_puts(m, "restricted cpus:");
	for_each_online_cpu(cpu)
		if (per_cpu(asi_cpu_restricted, cpu))
			seq_printf(m, " %d", cpu);
	seq_putc(m, '\n');
	seq_puts(m, "exit actions: ");
	asi_format_actions(m, asi_exit_action_mask());
	seq_puts(m, "\nre-entry actions: ");
	asi_format_actions(m, asi_reenter_action_mask());
	seq_printf(m, "\ndirect map: %#lx-%#lx\n", asi_dmap_start, asi_dmap_end);
	seq_printf(m, "restricted page-table pages: %ld\n",
		   asi_nr_pgtable_pages());
	blocks = bitmap_weight(asi_sensitive_blocks, asi_dmap_nr_blocks());
	seq_printf(m, "sensitive blocks: %lu of %lu\n", blocks,
		   asi_dmap_nr_blocks());
	seq_printf(m, "GFP_USER made non-sensitive: vmalloc %ld, kmalloc_large %ld\n",
		   asi_nonsensitive_count(ASI_NONSENSITIVE_VMALLOC),
		   asi_nonsensitive_count(ASI_NONSENSITIVE_KMALLOC_LARGE));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(asi_state);

static const char *const asi_stat_names[] = {
	[ASI_STAT_MARK_SENSITIVE]	= "mark_sensitive",
	[ASI_STAT_MARK_NONSENSITIVE]	= "mark_nonsensitive",
};

static_assert(ARRAY_SIZE(asi_stat_names) == NR_ASI_STATS);

static int asi_stats_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < NR_ASI_STATS; i++)
		seq_printf(m, "%s %lu\n", asi_stat_names[i], asi_stat_sum(i));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(asi_stats);

/*
 * Writing anything exits ASI on the writing CPU, which re-enters on its
 * way back to user mode: a transition tests can count from user space.
 */
static ssize_t asi_exit_write(struct file *file, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	preempt_disable();
	asi_exit();
	preempt_enable();
	return count;
}

static const struct file_operations asi_exit_fops = {
	.write = asi_exit_write,
	.llseek = noop_llseek,
};

/*
 * asi/pfn: write a page frame number, read back whether ASI counts it
 * sensitive and whether the restricted direct map maps it, so that tests
 * can check where a given page (of a hugetlbfs file, say) is mapped.
 */
static unsigned long asi_query_pfn;

static bool asi_restricted_maps_pfn(unsigned long pfn)
{
	return asi_pgd_translates(asi_restricted_pgd(swapper_pg_dir),
				  (unsigned long)pfn_to_kaddr(pfn));
}

static int asi_pfn_show(struct seq_file *m, void *unused)
{
	unsigned long pfn = READ_ONCE(asi_query_pfn);

	seq_printf(m, "pfn=%#lx sensitive=%d restricted_map=%d\n", pfn,
		   asi_pfn_is_sensitive(pfn), asi_restricted_maps_pfn(pfn));
	return 0;
}

static int asi_pfn_open(struct inode *inode, struct file *file)
{
	return single_open(file, asi_pfn_show, NULL);
}

static ssize_t asi_pfn_write(struct file *file, const char __user *buf,
			     size_t count, loff_t *ppos)
{
	unsigned long pfn;
	int err;

	err = kstrtoul_from_user(buf, count, 0, &pfn);
	if (err)
		return err;
	if (!pfn_valid(pfn))
		return -EINVAL;
	WRITE_ONCE(asi_query_pfn, pfn);
	return count;
}

static const struct file_operations asi_pfn_fops = {
	.open = asi_pfn_open,
	.read = seq_read,
	.write = asi_pfn_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int __init asi_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("asi", NULL);

	debugfs_create_file("state", 0400, dir, NULL, &asi_state_fops);
	debugfs_create_file("stats", 0444, dir, NULL, &asi_stats_fops);
	if (asi_enabled()) {
		debugfs_create_file("audit", 0400, dir, NULL, &asi_audit_fops);
		debugfs_create_file("exit", 0200, dir, NULL, &asi_exit_fops);
		debugfs_create_file("pfn", 0600, dir, NULL, &asi_pfn_fops);
	}
	return 0;
}
late_initcall(asi_debugfs_init);
#endif
