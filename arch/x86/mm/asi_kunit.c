// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the ASI core.
 *
 * The suite checks that:
 *  - with ASI off nothing moves: no counters, no restricted CR3, and the
 *    sensitivity calls are no-ops;
 *  - explicit enter and exit move the CPU between the halves of the PGD
 *    pair, each counted once, and are idempotent;
 *  - the restricted tables map kernel text, data, slab, vmalloc and the
 *    running stack;
 *  - a block marked sensitive faults once, the fault is an exit, and the
 *    access then reads the right data, from task context and from an NMI;
 *    marked non-sensitive again it reads with no exit; a fault on an
 *    address nothing maps is not an exit;
 *  - CPA changes to the direct map reach the restricted copy;
 *  - a context switch keeps the CPU restricted and loads the next mm's
 *    restricted PGD, whose user half and mm-local slot equal the normal's;
 *  - the auditor finds no problem, and finds each one a case plants.
 *
 * Exits are counted per CPU, with preemption off: only the blocks these
 * cases mark are sensitive, so nothing else on the CPU exits meanwhile.
 */

#include <kunit/test.h>
#include <linux/asi.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/sched/task_stack.h>
#include <linux/set_memory.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>
#include <asm/apic.h>
#include <asm/nmi.h>
#include <asm/set_memory.h>
#include <asm/tlbflush.h>

#include "asi_internal.h"

#define ASI_TEST_PATTERN	0x5a5a0000c3c3ffffULL
#define ASI_TEST_BLOCK_PAGES	(PMD_SIZE >> PAGE_SHIFT)

static unsigned long asi_test_data = 42;

static unsigned long asi_test_event(enum vm_event_item item)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(vm_event_states, cpu).event[item];
	return sum;
}

static unsigned long asi_test_this_cpu_exits(void)
{
	return __this_cpu_read(vm_event_states.event[ASI_EXITS_FAULT]) +
	       __this_cpu_read(vm_event_states.event[ASI_EXITS_EXPLICIT]);
}

static unsigned long asi_test_this_cpu_event(enum vm_event_item item)
{
	return __this_cpu_read(vm_event_states.event[item]);
}

static void asi_test_need_asi(struct kunit *test)
{
	if (!asi_enabled())
		kunit_skip(test, "needs asi=on");
}

/* A zeroed, 2 MiB-aligned block of the direct map, freed after the case. */
static struct page *asi_test_alloc_block(struct kunit *test)
{
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_ZERO, PMD_SHIFT - PAGE_SHIFT);
	u64 *p;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, page);
	p = page_address(page);
	for (i = 0; i < PMD_SIZE / sizeof(u64); i += PAGE_SIZE / sizeof(u64))
		p[i] = ASI_TEST_PATTERN + i;
	return page;
}

/* asi_test_alloc_block(), marked sensitive. */
static struct page *asi_test_sensitive_block(struct kunit *test)
{
	struct page *page = asi_test_alloc_block(test);
	unsigned long pfn = page_to_pfn(page);
	int ret = asi_set_sensitive(pfn, ASI_TEST_BLOCK_PAGES);

	if (ret)
		__free_pages(page, PMD_SHIFT - PAGE_SHIFT);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, asi_pfn_is_sensitive(pfn));
	return page;
}

static void asi_test_free_block(struct page *page)
{
	asi_set_nonsensitive(page_to_pfn(page), ASI_TEST_BLOCK_PAGES);
	__free_pages(page, PMD_SHIFT - PAGE_SHIFT);
}

static pgd_t *asi_test_loaded_restricted_pgd(void)
{
	return asi_restricted_pgd(this_cpu_read(cpu_tlbstate.loaded_mm)->pgd);
}

static void asi_off_changes_nothing(struct kunit *test)
{
	struct page *page;

	if (asi_enabled())
		kunit_skip(test, "needs asi=off");

	KUNIT_EXPECT_EQ(test, asi_test_event(ASI_EXITS_FAULT), 0UL);
	KUNIT_EXPECT_EQ(test, asi_test_event(ASI_EXITS_EXPLICIT), 0UL);
	KUNIT_EXPECT_EQ(test, asi_test_event(ASI_REENTRIES), 0UL);
	KUNIT_EXPECT_EQ(test, asi_stat_sum(ASI_STAT_MARK_SENSITIVE), 0UL);
	KUNIT_EXPECT_EQ(test, asi_stat_sum(ASI_STAT_MARK_NONSENSITIVE), 0UL);
	KUNIT_EXPECT_EQ(test, __read_cr3() & ASI_CR3_RESTRICTED, 0UL);
	KUNIT_EXPECT_FALSE(test, boot_cpu_has(X86_FEATURE_ASI));

	page = alloc_pages(GFP_KERNEL, PMD_SHIFT - PAGE_SHIFT);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, asi_set_sensitive(page_to_pfn(page),
						ASI_TEST_BLOCK_PAGES), 0);
	KUNIT_EXPECT_FALSE(test, asi_pfn_is_sensitive(page_to_pfn(page)));
	asi_enter();
	KUNIT_EXPECT_FALSE(test, asi_is_restricted());
	KUNIT_EXPECT_EQ(test, asi_stat_sum(ASI_STAT_MARK_SENSITIVE), 0UL);
	KUNIT_EXPECT_EQ(test, asi_audit(), 0UL);
	__free_pages(page, PMD_SHIFT - PAGE_SHIFT);
}

static void asi_enter_and_exit_switch_halves_once(struct kunit *test)
{
	unsigned long reenter, explicit;
	pgd_t *normal;

	asi_test_need_asi(test);
	preempt_disable();
	normal = this_cpu_read(cpu_tlbstate.loaded_mm)->pgd;

	asi_exit();
	KUNIT_EXPECT_FALSE(test, asi_is_restricted());
	KUNIT_EXPECT_EQ(test, __read_cr3() & CR3_ADDR_MASK, __pa(normal));

	reenter = asi_test_this_cpu_event(ASI_REENTRIES);
	explicit = asi_test_this_cpu_event(ASI_EXITS_EXPLICIT);
	asi_enter();
	KUNIT_EXPECT_TRUE(test, asi_is_restricted());
	KUNIT_EXPECT_EQ(test, __read_cr3() & CR3_ADDR_MASK,
			__pa(asi_restricted_pgd(normal)));
	KUNIT_EXPECT_TRUE(test, this_cpu_read(asi_cpu_restricted));
	asi_enter();
	KUNIT_EXPECT_EQ(test, asi_test_this_cpu_event(ASI_REENTRIES) - reenter, 1UL);

	asi_exit();
	KUNIT_EXPECT_FALSE(test, asi_is_restricted());
	KUNIT_EXPECT_FALSE(test, this_cpu_read(asi_cpu_restricted));
	asi_exit();
	KUNIT_EXPECT_EQ(test, asi_test_this_cpu_event(ASI_EXITS_EXPLICIT) - explicit,
			1UL);

	asi_enter();
	preempt_enable();
}

static void asi_restricted_tables_map_the_kernel(struct kunit *test)
{
	bool text, data, slab_ok, vmalloc_ok, stack;
	unsigned long stack_var = 0;
	void *slab, *vmem;
	pgd_t *rpgd;

	asi_test_need_asi(test);
	slab = kmalloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, slab);
	vmem = vmalloc(PAGE_SIZE);
	if (!vmem)
		kfree(slab);
	KUNIT_ASSERT_NOT_NULL(test, vmem);

	preempt_disable();
	rpgd = asi_test_loaded_restricted_pgd();
	text = asi_pgd_translates(rpgd, (unsigned long)asi_test_event);
	data = asi_pgd_translates(rpgd, (unsigned long)&asi_test_data);
	slab_ok = asi_pgd_translates(rpgd, (unsigned long)slab);
	vmalloc_ok = asi_pgd_translates(rpgd, (unsigned long)vmem);
	stack = asi_pgd_translates(rpgd, (unsigned long)&stack_var) &&
		asi_pgd_translates(rpgd, (unsigned long)task_stack_page(current));
	preempt_enable();

	KUNIT_EXPECT_TRUE_MSG(test, text, "kernel text");
	KUNIT_EXPECT_TRUE_MSG(test, data, "kernel data");
	KUNIT_EXPECT_TRUE_MSG(test, slab_ok, "slab");
	KUNIT_EXPECT_TRUE_MSG(test, vmalloc_ok, "vmalloc");
	KUNIT_EXPECT_TRUE_MSG(test, stack, "current stack");

	vfree(vmem);
	kfree(slab);
}

static void asi_sensitive_block_exits_once_then_reads(struct kunit *test)
{
	pgd_t *kernel_rpgd = asi_restricted_pgd(swapper_pg_dir);
	struct page *page;
	unsigned long exits, fault_exits;
	u64 *p, first, second;
	pmd_t *rpmd;

	asi_test_need_asi(test);
	page = asi_test_sensitive_block(test);
	p = page_address(page);

	rpmd = asi_dmap_rpmd((unsigned long)p);
	KUNIT_ASSERT_NOT_NULL(test, rpmd);
	KUNIT_EXPECT_EQ(test, pmd_val(*rpmd), 0UL);
	KUNIT_EXPECT_FALSE(test, asi_pgd_translates(kernel_rpgd, (unsigned long)p));

	preempt_disable();
	asi_enter();
	exits = asi_test_this_cpu_exits();
	fault_exits = asi_test_this_cpu_event(ASI_EXITS_FAULT);
	KUNIT_EXPECT_TRUE(test, asi_is_restricted());
	first = READ_ONCE(p[0]);
	KUNIT_EXPECT_EQ(test, asi_test_this_cpu_exits() - exits, 1UL);
	KUNIT_EXPECT_EQ(test, asi_test_this_cpu_event(ASI_EXITS_FAULT) - fault_exits,
			1UL);
	KUNIT_EXPECT_FALSE(test, asi_is_restricted());
	second = READ_ONCE(p[PAGE_SIZE / sizeof(u64)]);
	KUNIT_EXPECT_EQ(test, asi_test_this_cpu_exits() - exits, 1UL);
	asi_enter();
	preempt_enable();

	KUNIT_EXPECT_EQ(test, first, ASI_TEST_PATTERN);
	KUNIT_EXPECT_EQ(test, second, ASI_TEST_PATTERN + PAGE_SIZE / sizeof(u64));
	asi_test_free_block(page);
}

static u64 *asi_test_nmi_ptr;
static u64 asi_test_nmi_val;
static atomic_t asi_test_nmi_reads = ATOMIC_INIT(0);

static int asi_test_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	u64 *p = READ_ONCE(asi_test_nmi_ptr);

	if (!p)
		return NMI_DONE;
	WRITE_ONCE(asi_test_nmi_ptr, NULL);
	asi_test_nmi_val = READ_ONCE(*p);
	atomic_inc(&asi_test_nmi_reads);
	return NMI_HANDLED;
}

/* Install the handler above with nothing to read yet. */
static void asi_test_arm_nmi(struct kunit *test)
{
	WRITE_ONCE(asi_test_nmi_ptr, NULL);
	atomic_set(&asi_test_nmi_reads, 0);
	asi_test_nmi_val = 0;
	KUNIT_ASSERT_EQ(test, register_nmi_handler(NMI_LOCAL, asi_test_nmi_handler,
						   0, "asi_test"), 0);
}

/* An NMI that touches sensitive memory exits from NMI context and is fine. */
static void asi_sensitive_read_from_nmi_exits_once(struct kunit *test)
{
	unsigned long exits;
	struct page *page;
	bool restricted;
	int i, reads;

	asi_test_need_asi(test);
	page = asi_test_sensitive_block(test);
	asi_test_arm_nmi(test);

	preempt_disable();
	asi_enter();
	exits = asi_test_this_cpu_event(ASI_EXITS_FAULT);
	WRITE_ONCE(asi_test_nmi_ptr, (u64 *)page_address(page));
	__apic_send_IPI_mask(cpumask_of(smp_processor_id()), NMI_VECTOR);
	for (i = 0; i < 10000 && !atomic_read(&asi_test_nmi_reads); i++)
		udelay(1);
	WRITE_ONCE(asi_test_nmi_ptr, NULL);
	reads = atomic_read(&asi_test_nmi_reads);
	exits = asi_test_this_cpu_event(ASI_EXITS_FAULT) - exits;
	restricted = asi_is_restricted();
	asi_enter();
	preempt_enable();

	unregister_nmi_handler(NMI_LOCAL, "asi_test");
	KUNIT_EXPECT_EQ(test, reads, 1);
	KUNIT_EXPECT_EQ(test, exits, 1UL);
	KUNIT_EXPECT_FALSE(test, restricted);
	KUNIT_EXPECT_EQ(test, asi_test_nmi_val, ASI_TEST_PATTERN);
	KUNIT_EXPECT_EQ(test, asi_audit(), 0UL);
	asi_test_free_block(page);
}

/*
 * NMIs that exit land at every point of explicit transitions: each must
 * read the right data, and afterwards the CPU must enter and exit as
 * usual, with the tables intact.
 */
static void asi_nmis_during_transitions_are_safe(struct kunit *test)
{
	const int rounds = 200;
	unsigned long flags;
	int i, j, reads, bad = 0;
	struct page *page;
	bool entered, exited;
	u64 *p;

	asi_test_need_asi(test);
	page = asi_test_sensitive_block(test);
	p = page_address(page);
	asi_test_arm_nmi(test);

	preempt_disable();
	for (i = 0; i < rounds; i++) {
		asi_test_nmi_val = 0;
		WRITE_ONCE(asi_test_nmi_ptr, p + (i % 8) * (PAGE_SIZE / sizeof(u64)));
		__apic_send_IPI_mask(cpumask_of(smp_processor_id()), NMI_VECTOR);
		/* Transitions while the NMI is on its way. */
		for (j = 0; j < 4; j++) {
			local_irq_save(flags);
			asi_enter();
			asi_exit();
			local_irq_restore(flags);
		}
		for (j = 0; j < 1000 && READ_ONCE(asi_test_nmi_ptr); j++)
			udelay(1);
		if (asi_test_nmi_val != ASI_TEST_PATTERN + (i % 8) * (PAGE_SIZE / sizeof(u64)))
			bad++;
	}
	WRITE_ONCE(asi_test_nmi_ptr, NULL);
	reads = atomic_read(&asi_test_nmi_reads);
	asi_enter();
	entered = asi_is_restricted();
	asi_exit();
	exited = !asi_is_restricted();
	asi_enter();
	preempt_enable();

	unregister_nmi_handler(NMI_LOCAL, "asi_test");
	KUNIT_EXPECT_EQ(test, reads, rounds);
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_TRUE(test, entered);
	KUNIT_EXPECT_TRUE(test, exited);
	KUNIT_EXPECT_EQ(test, asi_audit(), 0UL);
	asi_test_free_block(page);
}

static void asi_nonsensitive_again_reads_without_exit(struct kunit *test)
{
	pgd_t *kernel_rpgd = asi_restricted_pgd(swapper_pg_dir);
	struct page *page;
	unsigned long pfn, exits;
	u64 *p, val;

	asi_test_need_asi(test);
	page = asi_test_alloc_block(test);
	pfn = page_to_pfn(page);
	p = page_address(page);

	KUNIT_ASSERT_EQ(test, asi_set_sensitive(pfn, ASI_TEST_BLOCK_PAGES), 0);
	KUNIT_ASSERT_EQ(test, asi_set_nonsensitive(pfn, ASI_TEST_BLOCK_PAGES), 0);
	KUNIT_EXPECT_FALSE(test, asi_pfn_is_sensitive(pfn));
	KUNIT_EXPECT_TRUE(test, asi_pgd_translates(kernel_rpgd, (unsigned long)p));

	preempt_disable();
	asi_enter();
	exits = asi_test_this_cpu_exits();
	val = READ_ONCE(p[0]);
	KUNIT_EXPECT_EQ(test, asi_test_this_cpu_exits() - exits, 0UL);
	KUNIT_EXPECT_TRUE(test, asi_is_restricted());
	preempt_enable();

	KUNIT_EXPECT_EQ(test, val, ASI_TEST_PATTERN);
	asi_test_free_block(page);
}

static void asi_fault_on_unmapped_address_is_not_an_exit(struct kunit *test)
{
	unsigned long exits;
	char *vmem, c;
	long ret;

	asi_test_need_asi(test);
	vmem = vmalloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, vmem);

	preempt_disable();
	asi_enter();
	exits = asi_test_this_cpu_exits();
	/* The guard page after a vmalloc area is mapped nowhere. */
	ret = copy_from_kernel_nofault(&c, vmem + PAGE_SIZE, 1);
	KUNIT_EXPECT_EQ(test, ret, (long)-EFAULT);
	KUNIT_EXPECT_EQ(test, asi_test_this_cpu_exits() - exits, 0UL);
	KUNIT_EXPECT_TRUE(test, asi_is_restricted());
	preempt_enable();
	vfree(vmem);
}

static void asi_sensitivity_counters_count_blocks(struct kunit *test)
{
	unsigned long sens, nonsens, pfn;
	struct page *page;

	asi_test_need_asi(test);
	page = asi_test_alloc_block(test);
	pfn = page_to_pfn(page);

	sens = asi_stat_sum(ASI_STAT_MARK_SENSITIVE);
	nonsens = asi_stat_sum(ASI_STAT_MARK_NONSENSITIVE);
	KUNIT_EXPECT_EQ(test, asi_set_sensitive(pfn, ASI_TEST_BLOCK_PAGES), 0);
	KUNIT_EXPECT_EQ(test, asi_set_sensitive(pfn, ASI_TEST_BLOCK_PAGES), 0);
	KUNIT_EXPECT_EQ(test, asi_stat_sum(ASI_STAT_MARK_SENSITIVE) - sens, 1UL);
	KUNIT_EXPECT_EQ(test, asi_set_nonsensitive(pfn, ASI_TEST_BLOCK_PAGES), 0);
	KUNIT_EXPECT_EQ(test, asi_set_nonsensitive(pfn, ASI_TEST_BLOCK_PAGES), 0);
	KUNIT_EXPECT_EQ(test, asi_stat_sum(ASI_STAT_MARK_NONSENSITIVE) - nonsens, 1UL);

	/* Beyond the direct map: refused, nothing counted. */
	KUNIT_EXPECT_EQ(test, asi_set_sensitive(ALIGN(max_pfn, ASI_TEST_BLOCK_PAGES) +
						 ASI_TEST_BLOCK_PAGES,
						 ASI_TEST_BLOCK_PAGES), -ERANGE);

	pr_info("asi_test: expect WARN begin\n");
	KUNIT_EXPECT_EQ(test, asi_set_sensitive(pfn + 1, ASI_TEST_BLOCK_PAGES),
			-EINVAL);
	pr_info("asi_test: expect WARN end\n");
	KUNIT_EXPECT_EQ(test, asi_stat_sum(ASI_STAT_MARK_SENSITIVE) - sens, 1UL);
	KUNIT_EXPECT_FALSE(test, asi_pfn_is_sensitive(pfn));
	asi_test_free_block(page);
}

static bool asi_test_restricted_pte_flags(unsigned long addr,
					  unsigned long *flags)
{
	pmd_t *rpmd = asi_dmap_rpmd(addr);
	pmd_t r;

	if (!rpmd)
		return false;
	r = READ_ONCE(*rpmd);
	if (!(pmd_flags(r) & _PAGE_PRESENT))
		return false;
	if (pmd_leaf(r)) {
		*flags = pmd_flags(r);
	} else {
		pte_t pte = *pte_offset_kernel(rpmd, addr);

		if (!(pte_flags(pte) & _PAGE_PRESENT))
			return false;
		*flags = pte_flags(pte);
	}
	return true;
}

/*
 * With debug_pagealloc off the block is mapped by a large page (2 MiB, or
 * part of a 1 GiB one), and unmapping one page splits it: the restricted
 * copy must follow the split to the very same PTE table.  With it on, the
 * block already has a PTE table, shared from the start.
 */
static void asi_direct_map_changes_reach_the_restricted_copy(struct kunit *test)
{
	unsigned long addr, flags = 0;
	struct page *page;
	bool was_leaf;

	asi_test_need_asi(test);
	page = asi_test_alloc_block(test);
	addr = (unsigned long)page_address(page);
	was_leaf = pmd_leaf(asi_dmap_normal_pmd(addr));
	kunit_info(test, "block mapped by a %s in the normal direct map\n",
		   was_leaf ? "large page" : "PTE table");
	if (was_leaf)
		KUNIT_EXPECT_TRUE(test, pmd_leaf(*asi_dmap_rpmd(addr)));

	KUNIT_ASSERT_EQ(test, set_direct_map_invalid_noflush(page + 1), 0);
	flush_tlb_kernel_range(addr, addr + PMD_SIZE);
	KUNIT_EXPECT_FALSE(test, pmd_leaf(asi_dmap_normal_pmd(addr)));
	KUNIT_EXPECT_EQ(test, pmd_val(*asi_dmap_rpmd(addr)),
			pmd_val(asi_dmap_normal_pmd(addr)));
	KUNIT_EXPECT_FALSE(test, asi_test_restricted_pte_flags(addr + PAGE_SIZE,
							       &flags));
	KUNIT_EXPECT_TRUE(test, asi_test_restricted_pte_flags(addr, &flags));
	KUNIT_EXPECT_EQ(test, asi_audit(), 0UL);
	KUNIT_ASSERT_EQ(test, set_direct_map_default_noflush(page + 1), 0);
	KUNIT_EXPECT_TRUE(test, asi_test_restricted_pte_flags(addr + PAGE_SIZE,
							      &flags));

	KUNIT_ASSERT_EQ(test, set_memory_ro(addr + 2 * PAGE_SIZE, 1), 0);
	KUNIT_EXPECT_TRUE(test, asi_test_restricted_pte_flags(addr + 2 * PAGE_SIZE,
							      &flags));
	KUNIT_EXPECT_FALSE(test, flags & _PAGE_RW);
	KUNIT_EXPECT_EQ(test, asi_audit(), 0UL);
	KUNIT_ASSERT_EQ(test, set_memory_rw(addr + 2 * PAGE_SIZE, 1), 0);
	KUNIT_EXPECT_TRUE(test, asi_test_restricted_pte_flags(addr + 2 * PAGE_SIZE,
							      &flags));
	KUNIT_EXPECT_TRUE(test, flags & _PAGE_RW);
	KUNIT_EXPECT_EQ(test, asi_audit(), 0UL);
	asi_test_free_block(page);
}

static void asi_context_switch_keeps_restricted_tables(struct kunit *test)
{
	unsigned long exits, uaddr, idx, slot;
	struct mm_struct *mm;
	pgd_t *pgd, *rpgd;
	bool restricted;
	u64 val = 7;

	asi_test_need_asi(test);
	mm = mm_alloc();
	KUNIT_ASSERT_NOT_NULL(test, mm);
	KUNIT_EXPECT_TRUE(test, mm->context.asi_ready);

	migrate_disable();
	asi_enter();
	exits = asi_test_this_cpu_exits();

	kthread_use_mm(mm);
	KUNIT_EXPECT_EQ(test, __read_cr3() & CR3_ADDR_MASK,
			__pa(asi_restricted_pgd(mm->pgd)));
	KUNIT_EXPECT_EQ(test, asi_test_this_cpu_exits() - exits, 0UL);
	uaddr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_EXPECT_FALSE(test, IS_ERR_VALUE(uaddr));
	/* Zeroing the new anonymous page, which is sensitive, may exit. */
	if (!IS_ERR_VALUE(uaddr))
		KUNIT_EXPECT_EQ(test, copy_to_user((void __user *)uaddr, &val,
						   sizeof(val)), 0UL);
	asi_enter();
	exits = asi_test_this_cpu_exits();
	msleep(20);
	restricted = asi_is_restricted();
	kthread_unuse_mm(mm);

	KUNIT_EXPECT_EQ(test, asi_test_this_cpu_exits() - exits, 0UL);
	KUNIT_EXPECT_TRUE(test, restricted);
	migrate_enable();

	/* The user half was populated through the mirror. */
	pgd = mm->pgd;
	rpgd = asi_restricted_pgd(pgd);
	if (!IS_ERR_VALUE(uaddr)) {
		idx = pgd_index(uaddr);
		KUNIT_EXPECT_NE(test, pgd_val(pgd[idx]), 0UL);
		KUNIT_EXPECT_EQ(test, pgd_val(rpgd[idx]), pgd_val(pgd[idx]));
	}
	for (idx = 0; idx < PTRS_PER_PGD / 2; idx++)
		KUNIT_EXPECT_EQ(test, pgd_val(rpgd[idx]), pgd_val(pgd[idx]));

	/* The mm-local slot: in both tables of this mm, in no other. */
	slot = pgd_index(ASI_MM_LOCAL_PGD_ENTRY << PGDIR_SHIFT);
	KUNIT_EXPECT_EQ(test, pgd_val(rpgd[slot]), pgd_val(pgd[slot]));
	KUNIT_EXPECT_EQ(test, pgd_val(swapper_pg_dir[slot]), 0UL);
	KUNIT_EXPECT_EQ(test, pgd_val(asi_restricted_pgd(swapper_pg_dir)[slot]), 0UL);
#ifdef CONFIG_EPHMAP
	/* The ephmap installs its tables on the mm's first mapping. */
	KUNIT_EXPECT_EQ(test, pgd_val(pgd[slot]) != 0, !!mm->context.ephmap);
#else
	/* Nothing else uses the slot. */
	KUNIT_EXPECT_EQ(test, pgd_val(pgd[slot]), 0UL);
#endif

	KUNIT_EXPECT_EQ(test, asi_audit(), 0UL);
	mmput(mm);
}

static void asi_auditor_finds_nothing_wrong(struct kunit *test)
{
	asi_test_need_asi(test);
	KUNIT_EXPECT_EQ(test, asi_audit(), 0UL);
}

/* Overwrite the restricted entry of @addr's block; return the old value. */
static pmd_t asi_test_plant(unsigned long addr, pmd_t val)
{
	pmd_t *rpmd = asi_dmap_rpmd(addr), old;
	unsigned long flags;

	raw_spin_lock_irqsave(&asi_dmap_lock, flags);
	old = *rpmd;
	set_pmd(rpmd, val);
	raw_spin_unlock_irqrestore(&asi_dmap_lock, flags);
	return old;
}

static void asi_test_unplant(unsigned long addr)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&asi_dmap_lock, flags);
	asi_dmap_sync_block(addr);
	raw_spin_unlock_irqrestore(&asi_dmap_lock, flags);
	flush_tlb_kernel_range(addr, addr + PMD_SIZE);
}

static void asi_auditor_finds_a_mapped_sensitive_block(struct kunit *test)
{
	struct page *page;
	unsigned long addr;

	asi_test_need_asi(test);
	page = asi_test_sensitive_block(test);
	addr = (unsigned long)page_address(page);
	KUNIT_ASSERT_NOT_NULL(test, asi_dmap_rpmd(addr));

	asi_test_plant(addr, asi_dmap_normal_pmd(addr));
	KUNIT_EXPECT_EQ(test, asi_audit(), 1UL);
	asi_test_unplant(addr);
	KUNIT_EXPECT_EQ(test, asi_audit(), 0UL);
	asi_test_free_block(page);
}

/*
 * Grant user access to one page of a block in the restricted copy only: on
 * the 2 MiB leaf itself, or, where the normal map uses a PTE table
 * (intermediate entries carry _PAGE_USER anyway), on one PTE of a private
 * copy of that table.
 */
static void asi_auditor_finds_a_more_permissive_entry(struct kunit *test)
{
	pte_t *copy = NULL;
	struct page *page;
	unsigned long addr;
	pmd_t n;

	asi_test_need_asi(test);
	page = asi_test_alloc_block(test);
	addr = (unsigned long)page_address(page);
	KUNIT_ASSERT_NOT_NULL(test, asi_dmap_rpmd(addr));

	n = asi_dmap_normal_pmd(addr);
	if (pmd_leaf(n)) {
		asi_test_plant(addr, __pmd(pmd_val(n) | _PAGE_USER));
	} else {
		copy = (pte_t *)get_zeroed_page(GFP_KERNEL);
		if (!copy)
			asi_test_free_block(page);
		KUNIT_ASSERT_NOT_NULL(test, copy);
		memcpy(copy, (void *)pmd_page_vaddr(n), PAGE_SIZE);
		copy[3] = __pte(pte_val(copy[3]) | _PAGE_USER);
		asi_test_plant(addr, __pmd((pmd_val(n) & ~PTE_PFN_MASK) | __pa(copy)));
	}
	KUNIT_EXPECT_EQ(test, asi_audit(), 1UL);
	asi_test_unplant(addr);
	KUNIT_EXPECT_EQ(test, asi_audit(), 0UL);
	free_page((unsigned long)copy);
	asi_test_free_block(page);
}

static struct kunit_case asi_test_cases[] = {
	KUNIT_CASE(asi_off_changes_nothing),
	KUNIT_CASE(asi_enter_and_exit_switch_halves_once),
	KUNIT_CASE(asi_restricted_tables_map_the_kernel),
	KUNIT_CASE(asi_sensitive_block_exits_once_then_reads),
	KUNIT_CASE(asi_sensitive_read_from_nmi_exits_once),
	KUNIT_CASE(asi_nmis_during_transitions_are_safe),
	KUNIT_CASE(asi_nonsensitive_again_reads_without_exit),
	KUNIT_CASE(asi_fault_on_unmapped_address_is_not_an_exit),
	KUNIT_CASE(asi_sensitivity_counters_count_blocks),
	KUNIT_CASE(asi_direct_map_changes_reach_the_restricted_copy),
	KUNIT_CASE(asi_context_switch_keeps_restricted_tables),
	KUNIT_CASE(asi_auditor_finds_nothing_wrong),
	KUNIT_CASE(asi_auditor_finds_a_mapped_sensitive_block),
	KUNIT_CASE(asi_auditor_finds_a_more_permissive_entry),
	{}
};

static struct kunit_suite asi_test_suite = {
	.name = "asi",
	.test_cases = asi_test_cases,
};

kunit_test_suite(asi_test_suite);

MODULE_DESCRIPTION("KUnit tests for Address Space Isolation");
MODULE_LICENSE("GPL");
