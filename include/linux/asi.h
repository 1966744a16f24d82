/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Address Space Isolation (ASI): the kernel runs, most of the time, on
 * restricted page tables whose direct map leaves out sensitive memory.
 * Touching such memory through the direct map faults, and the fault
 * handler "exits" ASI: it switches to the normal tables and retries.  The
 * CPU stays unrestricted until its next return to user mode, where it
 * re-enters.  Booted with asi=on; see Documentation/arch/x86/asi.rst.
 *
 * This header is what the rest of the kernel (the page allocator, the
 * ephmap, tests) may use.  Every call is safe, and a no-op, with ASI off.
 */
#ifndef _LINUX_ASI_H
#define _LINUX_ASI_H

#include <linux/gfp_types.h>
#include <linux/types.h>

/*
 * Allocators that ask for non-sensitive pages even for GFP_USER:
 * vmalloc maps its pages in the kernel half, which every restricted page
 * table shares, so they cannot be hidden; kmalloc memory is the kernel's
 * own (its slabs never are sensitive, and kmalloc_large() follows them,
 * so that memdup_user() copies the kernel parses cost no exit whatever
 * their size).
 */
enum asi_nonsensitive_site {
	ASI_NONSENSITIVE_VMALLOC,
	ASI_NONSENSITIVE_KMALLOC_LARGE,
	NR_ASI_NONSENSITIVE_SITES
};

#ifdef CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION
#include <asm/asi.h>

/* Why a CPU left the restricted address space. */
enum asi_exit_cause {
	ASI_EXIT_FAULT,		/* a page fault on memory only the normal tables map */
	ASI_EXIT_EXPLICIT,	/* asi_exit(), or a switch to an mm with no restricted tables */
};

/*
 * Sensitivity of physical memory in the restricted direct map, in whole
 * 2 MiB blocks (@pfn and @nr_pages aligned to PMD_SIZE / PAGE_SIZE).
 * Marking sensitive unmaps the block there and flushes the TLB of every
 * CPU; marking non-sensitive maps it again as the normal direct map does.
 * Call with IRQs on and no spinlock held.  Return 0, or -EINVAL for a
 * misaligned range, -ERANGE for one outside the direct map, -EBUSY when
 * called with IRQs off.
 */
int asi_set_sensitive(unsigned long pfn, unsigned long nr_pages);
int asi_set_nonsensitive(unsigned long pfn, unsigned long nr_pages);
bool asi_pfn_is_sensitive(unsigned long pfn);

/* Whether this CPU runs on restricted tables now (reads CR3). */
bool asi_is_restricted(void);

/*
 * Explicit transitions, for code that knows it is about to touch a lot of
 * sensitive memory, and for tests.  Call with preemption off.  asi_enter()
 * does nothing for a task whose mm has no restricted tables.
 */
void asi_enter(void);
void asi_exit(void);

/* Walk every restricted table and return the number of problems found. */
unsigned long asi_audit(void);

gfp_t __asi_nonsensitive_gfp(gfp_t gfp, enum asi_nonsensitive_site site);

/* @gfp without __GFP_SENSITIVE, counted by @site in asi/state. */
static inline gfp_t asi_nonsensitive_gfp(gfp_t gfp,
					 enum asi_nonsensitive_site site)
{
	if (gfp & __GFP_SENSITIVE)
		gfp = __asi_nonsensitive_gfp(gfp, site);
	return gfp;
}

#else /* !CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION */

static inline bool asi_enabled(void)
{
	return false;
}

static inline void asi_init(void) { }

static inline int asi_set_sensitive(unsigned long pfn, unsigned long nr_pages)
{
	return 0;
}

static inline int asi_set_nonsensitive(unsigned long pfn,
				       unsigned long nr_pages)
{
	return 0;
}

static inline bool asi_pfn_is_sensitive(unsigned long pfn)
{
	return false;
}

static inline bool asi_is_restricted(void)
{
	return false;
}

static inline void asi_enter(void) { }
static inline void asi_exit(void) { }

static inline unsigned long asi_audit(void)
{
	return 0;
}

static inline gfp_t asi_nonsensitive_gfp(gfp_t gfp,
					 enum asi_nonsensitive_site site)
{
	return gfp;
}

#endif /* CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION */

#endif /* _LINUX_ASI_H */
