// SPDX-License-Identifier: GPL-2.0
/*
 * ASI's transitions: entering the restricted tables on the return to user
 * mode, exiting them on a fault on memory they leave out or on request,
 * and the kind of PGD a context switch loads.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/vmstat.h>
#include <kunit/visibility.h>
#include <asm/tlbflush.h>
#include <asm/trap_pf.h>

#include "asi_internal.h"

#include <trace/events/asi.h>

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
EXPORT_SYMBOL_IF_KUNIT(asi_enter);

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

bool asi_is_restricted(void)
{
	return asi_enabled() && (__read_cr3() & ASI_CR3_RESTRICTED);
}
EXPORT_SYMBOL_IF_KUNIT(asi_is_restricted);
