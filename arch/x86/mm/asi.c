// SPDX-License-Identifier: GPL-2.0
/*
 * Address Space Isolation for x86-64: restricted page tables, the
 * transitions between them and the normal ones, and the sensitivity of
 * physical memory in the restricted direct map.
 *
 * Invariants kept here:
 *  - The restricted tables never map a page the normal tables do not map,
 *    nor with more permissions, and never map a block marked sensitive.
 *  - Every PGD pair's restricted user half equals its normal user half,
 *    and the mm-local slot is the same in both (asi_set_pgd_pair()).
 *  - A CPU whose CR3 has ASI_CR3_RESTRICTED set may fault on memory the
 *    normal tables map; the fault handler then exits, and the CPU stays on
 *    the normal tables until its next return to user mode.  CR3 is the
 *    truth; the per-CPU asi_cpu_restricted only says which kind of PGD a
 *    context switch loads, and may lag CR3 after an NMI exit, but only in
 *    the safe direction (CR3 restricted, flag clear).
 */
#define pr_fmt(fmt)	"ASI: " fmt

#include <linux/bitmap.h>
#include <linux/cpufeature.h>
#include <linux/cpuhotplug.h>
#include <linux/init.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/vmstat.h>
#include <asm/hypervisor.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/tlbflush.h>
#include <asm/trap_pf.h>

#include "asi_internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/asi.h>

DEFINE_STATIC_KEY_FALSE(asi_enabled_key);
EXPORT_SYMBOL_GPL(asi_enabled_key);
DEFINE_PER_CPU(bool, asi_cpu_restricted);

unsigned long asi_dmap_start __ro_after_init;
unsigned long asi_dmap_end __ro_after_init;
unsigned long *asi_sensitive_blocks __ro_after_init;
DEFINE_RAW_SPINLOCK(asi_dmap_lock);

static atomic_long_t asi_pgtable_pages = ATOMIC_LONG_INIT(0);

/* Boot parameter asi=: off unless "on". */
static bool asi_requested __initdata;

static int __init asi_parse_cmdline(char *arg)
{
	if (arg && !strcmp(arg, "on"))
		asi_requested = true;
	else if (arg && !strcmp(arg, "off"))
		asi_requested = false;
	else
		pr_warn("asi=%s: unknown value (use on or off); ASI stays off\n",
			arg ? arg : "");
	return 0;
}
early_param("asi", asi_parse_cmdline);

/*
 * Mitigation actions: what a CPU runs when it exits (it is about to touch
 * sensitive memory, so predictions trained in the restricted space must
 * not steer it: IBPB) and when it re-enters after an exit (sensitive data
 * may sit in the L1D and CPU buffers, where user code could sample it: L1D
 * flush and VERW).  Actions the CPU lacks are dropped at boot, and said so.
 */
#define ASI_ACTION_IBPB		BIT(0)
#define ASI_ACTION_L1D		BIT(1)
#define ASI_ACTION_VERW		BIT(2)

static const char * const asi_action_names[] = { "ibpb", "l1d", "verw" };

static unsigned int asi_exit_actions __ro_after_init = ASI_ACTION_IBPB;
static unsigned int asi_reenter_actions __ro_after_init =
	ASI_ACTION_L1D | ASI_ACTION_VERW;

static int __init asi_parse_actions(const char *param, char *arg,
				    unsigned int *actions)
{
	unsigned int mask = 0;
	char *tok;
	int i;

	if (!arg)
		goto bad;
	while ((tok = strsep(&arg, ",")) != NULL) {
		if (!strcmp(tok, "none"))
			continue;
		for (i = 0; i < ARRAY_SIZE(asi_action_names); i++)
			if (!strcmp(tok, asi_action_names[i]))
				break;
		if (i == ARRAY_SIZE(asi_action_names))
			goto bad;
		mask |= BIT(i);
	}
	*actions = mask;
	return 0;
bad:
	pr_warn("%s=: unknown action (use none, ibpb, l1d, verw); keeping the default\n",
		param);
	return 0;
}

static int __init asi_parse_exit_actions(char *arg)
{
	return asi_parse_actions("asi_exit_actions", arg, &asi_exit_actions);
}
early_param("asi_exit_actions", asi_parse_exit_actions);

static int __init asi_parse_reenter_actions(char *arg)
{
	return asi_parse_actions("asi_reenter_actions", arg,
				 &asi_reenter_actions);
}
early_param("asi_reenter_actions", asi_parse_reenter_actions);

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

unsigned int asi_exit_action_mask(void)
{
	return asi_exit_actions;
}

unsigned int asi_reenter_action_mask(void)
{
	return asi_reenter_actions;
}

/* "none", or the action names joined by commas. */
static char *asi_actions_str(unsigned int actions, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(asi_action_names); i++)
		if (actions & BIT(i))
			len += scnprintf(buf + len, size - len, "%s%s",
					 len ? "," : "", asi_action_names[i]);
	if (!len)
		strscpy(buf, "none", size);
	return buf;
}

void asi_format_actions(struct seq_file *m, unsigned int actions)
{
	char buf[32];

	seq_puts(m, asi_actions_str(actions, buf, sizeof(buf)));
}

static unsigned int __init asi_available_actions(unsigned int actions,
						 const char *when)
{
	static const int need[] = {
		X86_FEATURE_IBPB, X86_FEATURE_FLUSH_L1D, X86_FEATURE_MD_CLEAR,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(need); i++) {
		if ((actions & BIT(i)) && !boot_cpu_has(need[i])) {
			pr_info("%s action %s: not offered by this CPU, dropped\n",
				when, asi_action_names[i]);
			actions &= ~BIT(i);
		}
	}
	return actions;
}

/*
 * No CPU feature is needed beyond what x86-64 Linux requires anyway (2 MiB
 * pages, NX); what rules ASI out is a hypervisor that owns the page tables,
 * an explicit request for PTI, and a CPU that needs PTI (Meltdown).
 *
 * Called from pti_check_boottime_disable(), before the direct map is
 * built: ASI needs the kernel mapped non-global (a global TLB entry of the
 * normal direct map would outlive the switch to the restricted tables),
 * and it replaces PTI.  Returns true if ASI is on; PTI then stays off.
 */
bool __init asi_check_boottime_enable(bool pti_forced_on)
{
	const char *why = NULL;

	if (!asi_requested)
		return false;

	if (hypervisor_is_type(X86_HYPER_XEN_PV))
		why = "Xen PV guests cannot switch their own page tables";
	else if (pti_forced_on)
		why = "pti=on was given too, and PTI is kept";
	/*
	 * Without PTI, user space on such a CPU reads whatever the tables it
	 * runs on map, and the restricted tables map the whole kernel but
	 * for sensitive memory: PTI is needed, and ASI replaces it.
	 */
	else if (boot_cpu_has_bug(X86_BUG_CPU_MELTDOWN))
		why = "this CPU is affected by Meltdown, which needs PTI";

	if (why) {
		pr_warn("asi=on ignored: %s; ASI is off\n", why);
		return false;
	}

	setup_force_cpu_cap(X86_FEATURE_ASI);
	if (boot_cpu_has(X86_FEATURE_PCID)) {
		/* Transitions flush the TLB; see Documentation/arch/x86/asi.rst. */
		setup_clear_cpu_cap(X86_FEATURE_PCID);
		pr_info("PCID not used: every ASI transition flushes the TLB\n");
	}
	pr_info("enabled by asi=on; page table isolation (PTI) is off\n");
	return true;
}

static void *asi_alloc_table(void)
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

static atomic_long_t asi_nonsensitive_requests[NR_ASI_NONSENSITIVE_SITES];

gfp_t __asi_nonsensitive_gfp(gfp_t gfp, enum asi_nonsensitive_site site)
{
	if (asi_enabled())
		atomic_long_inc(&asi_nonsensitive_requests[site]);
	return gfp & ~__GFP_SENSITIVE;
}

long asi_nonsensitive_count(enum asi_nonsensitive_site site)
{
	return atomic_long_read(&asi_nonsensitive_requests[site]);
}

bool asi_pgd_index_is_dmap(unsigned long idx)
{
	return asi_dmap_end && idx >= pgd_index(asi_dmap_start) &&
	       idx <= pgd_index(asi_dmap_end - 1);
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
static bool asi_walk_translates(pgd_t *pgd_base, unsigned long addr,
				bool restricted)
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
static int __init asi_build_restricted_kernel(void)
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

static void asi_switch_cr3(unsigned long cr3)
{
	/* No PCID with ASI: the write flushes all non-global entries. */
	write_cr3(cr3);
}

/* What every exit does once the normal tables are, or are about to be, loaded. */
static void asi_account_exit(enum asi_exit_cause cause, unsigned long address,
			     unsigned long ip)
{
	this_cpu_write(asi_cpu_restricted, false);
	asi_run_actions(asi_exit_actions);
	count_vm_event(cause == ASI_EXIT_FAULT ? ASI_EXITS_FAULT :
						  ASI_EXITS_EXPLICIT);
	trace_asi_exit(cause, address, ip);
}

static void asi_exit_now(enum asi_exit_cause cause, unsigned long address,
			 unsigned long ip, unsigned long cr3)
{
	asi_switch_cr3(cr3 & ~ASI_CR3_RESTRICTED);
	asi_account_exit(cause, address, ip);
}

bool __asi_handle_kernel_fault(unsigned long error_code, unsigned long address,
			       unsigned long ip)
{
	unsigned long cr3;
	pgd_t *normal;

	/*
	 * Not an exit: a user-mode access to a kernel address (the normal
	 * tables would not let it through either), a protection fault (the
	 * restricted entries are never stricter than the normal ones), a
	 * reserved-bit fault.
	 */
	if (error_code & (X86_PF_USER | X86_PF_PROT | X86_PF_RSVD))
		return false;
	cr3 = __read_cr3();
	if (!(cr3 & ASI_CR3_RESTRICTED))
		return false;
	/*
	 * The walk runs on the restricted tables.  Page-table pages are
	 * normally not sensitive (they are not GFP_USER), but a kernel
	 * allocation that could not flip a block falls back to sensitive
	 * memory: one that the restricted direct map leaves out is not read,
	 * and the fault is taken as an exit (on a fault the normal tables
	 * would not resolve either, the retry faults again, unrestricted).
	 */
	normal = __va(cr3 & CR3_ADDR_MASK & ~ASI_CR3_RESTRICTED);
	if (!asi_walk_translates(normal, address, true))
		return false;
	asi_exit_now(ASI_EXIT_FAULT, address, ip, cr3);
	return true;
}

pgd_t *__asi_switch_pgd(struct mm_struct *next)
{
	if (likely(next->context.asi_ready))
		return asi_restricted_pgd(next->pgd);

	/* An mm without restricted tables (efi_mm): run it unrestricted. */
	asi_account_exit(ASI_EXIT_EXPLICIT, 0, _RET_IP_);
	return next->pgd;
}

/* Enter the restricted tables of the loaded mm.  IRQs off. */
static void asi_enter_irqs_off(void)
{
	struct mm_struct *mm = this_cpu_read(cpu_tlbstate.loaded_mm);
	unsigned long cr3;

	bool exited;

	if (!mm->context.asi_ready)
		return;
	/*
	 * Flag first: an NMI exit in between then leaves both "normal".  A
	 * clear flag means the CPU exited since it last entered, even when
	 * CR3 is restricted again (a context switch that raced an NMI exit):
	 * the re-entry actions are due either way.
	 */
	exited = !this_cpu_read(asi_cpu_restricted);
	this_cpu_write(asi_cpu_restricted, true);
	cr3 = __read_cr3();
	if (!(cr3 & ASI_CR3_RESTRICTED))
		asi_switch_cr3(cr3 | ASI_CR3_RESTRICTED);
	else if (!exited)
		return;
	asi_run_actions(asi_reenter_actions);
	count_vm_event(ASI_REENTRIES);
}

void __asi_enter_user(void)
{
	asi_enter_irqs_off();
}

void asi_enter(void)
{
	unsigned long flags;

	if (!asi_enabled())
		return;
	local_irq_save(flags);
	asi_enter_irqs_off();
	local_irq_restore(flags);
}
EXPORT_SYMBOL_GPL(asi_enter);

void asi_exit(void)
{
	unsigned long flags, cr3;

	if (!asi_enabled())
		return;
	local_irq_save(flags);
	cr3 = __read_cr3();
	if (cr3 & ASI_CR3_RESTRICTED)
		asi_exit_now(ASI_EXIT_EXPLICIT, 0, _RET_IP_, cr3);
	this_cpu_write(asi_cpu_restricted, false);
	local_irq_restore(flags);
}
EXPORT_SYMBOL_GPL(asi_exit);

bool asi_is_restricted(void)
{
	return asi_enabled() && (__read_cr3() & ASI_CR3_RESTRICTED);
}
EXPORT_SYMBOL_GPL(asi_is_restricted);

bool asi_pfn_is_sensitive(unsigned long pfn)
{
	unsigned long addr = (unsigned long)pfn_to_kaddr(pfn);

	if (!asi_enabled() || !asi_addr_in_dmap(addr))
		return false;
	return test_bit(asi_dmap_block(addr), asi_sensitive_blocks);
}
EXPORT_SYMBOL_GPL(asi_pfn_is_sensitive);

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
		count_vm_events(sensitive ? ASI_MARK_SENSITIVE :
					    ASI_MARK_NONSENSITIVE, changed);
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
EXPORT_SYMBOL_GPL(asi_set_sensitive);

int asi_set_nonsensitive(unsigned long pfn, unsigned long nr_pages)
{
	return asi_set_sensitivity(pfn, nr_pages, false);
}
EXPORT_SYMBOL_GPL(asi_set_nonsensitive);

/*
 * A CPU coming online runs on the normal tables its bring-up loaded, with
 * whatever flag it had when it went down: enter, so that its kernel
 * threads run restricted too.
 */
static int asi_cpu_online(unsigned int cpu)
{
	this_cpu_write(asi_cpu_restricted, false);
	asi_enter();
	return 0;
}

static int __init asi_late_init(void)
{
	int ret;

	if (!asi_enabled())
		return 0;
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "x86/asi:online",
				asi_cpu_online, NULL);
	return ret < 0 ? ret : 0;
}
core_initcall(asi_late_init);

/* From mm_core_init(), once the page allocator works and before any mm. */
void __init asi_init(void)
{
	char exit_buf[32], reenter_buf[32];
	int err;

	if (!boot_cpu_has(X86_FEATURE_ASI))
		return;

	err = asi_build_restricted_kernel();
	if (err) {
		pr_warn("restricted page tables not built (%d); ASI is off, and so is PTI\n",
			err);
		setup_clear_cpu_cap(X86_FEATURE_ASI);
		return;
	}

	asi_exit_actions = asi_available_actions(asi_exit_actions, "exit");
	asi_reenter_actions = asi_available_actions(asi_reenter_actions,
						    "re-entry");
	init_mm.context.asi_ready = true;
	static_branch_enable(&asi_enabled_key);

	pr_info("restricted direct map %#lx-%#lx, %ld page-table pages\n",
		asi_dmap_start, asi_dmap_end, asi_nr_pgtable_pages());
	pr_info("actions on exit: %s; on re-entry: %s\n",
		asi_actions_str(asi_exit_actions, exit_buf, sizeof(exit_buf)),
		asi_actions_str(asi_reenter_actions, reenter_buf,
				sizeof(reenter_buf)));

	/* The boot CPU, and the kernel threads it starts, run restricted. */
	asi_enter();
}
