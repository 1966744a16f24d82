// SPDX-License-Identifier: GPL-2.0
/*
 * Address Space Isolation for x86-64: whether it is on (asi=, and what
 * rules it out), its set-up at boot and on CPUs coming online, and the
 * requests it turns non-sensitive.  The rest lives beside this file:
 *  - asi_pgtable.c: the PGD pairs and walks of the restricted tables;
 *  - asi_dmap.c: the restricted direct map and the sensitivity of memory;
 *  - asi_switch.c: the transitions (entry, exit, faults, context switch);
 *  - asi_actions.c: the mitigation actions run on exit and re-entry;
 *  - asi_audit.c: the debugfs auditor; asi_kunit.c: the KUnit suite.
 *
 * Invariants, kept across those files:
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

#include <linux/cpufeature.h>
#include <linux/cpuhotplug.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <kunit/visibility.h>
#include <asm/hypervisor.h>
#include <asm/tlbflush.h>

#include "asi_internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/asi.h>

DEFINE_STATIC_KEY_FALSE(asi_enabled_key);
EXPORT_SYMBOL_IF_KUNIT(asi_enabled_key);
DEFINE_PER_CPU(bool, asi_cpu_restricted);

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

	asi_actions_init();
	init_mm.context.asi_ready = true;
	static_branch_enable(&asi_enabled_key);

	pr_info("restricted direct map %#lx-%#lx, %ld page-table pages\n",
		asi_dmap_start, asi_dmap_end, asi_nr_pgtable_pages());

	/* The boot CPU, and the kernel threads it starts, run restricted. */
	asi_enter();
}
