/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sensitivity in the page allocator, for Address Space Isolation.
 *
 * With asi=on, every pageblock is either sensitive (left out of the
 * restricted direct map; PB_sensitive set) or not, and its free pages sit
 * on the free lists of that sensitivity.  An allocation's sensitivity comes
 * from __GFP_SENSITIVE.  When the lists it wants are empty, a whole free
 * block of the other kind is flipped (mm/page_sensitivity.c).  With ASI
 * off, or not built, every block is non-sensitive and every freetype is
 * just a migratetype.
 *
 * mm/internal.h includes this after the freetype helpers it uses
 * (pfnblock_sensitive() and friends); include "internal.h", not this.
 */
#ifndef __MM_PAGE_SENSITIVITY_H
#define __MM_PAGE_SENSITIVITY_H

#include <linux/asi.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/pageblock-flags.h>

struct zone;

#ifdef CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION

static __always_inline bool gfp_sensitive(gfp_t gfp)
{
	return asi_enabled() && (gfp & __GFP_SENSITIVE);
}

/* In mm/page_alloc.c, for the flip below. */
struct page *rmqueue_block(struct zone *zone, unsigned int order,
			   int freetype, unsigned int alloc_flags);
void free_block_to_buddy(struct zone *zone, struct page *page,
			 unsigned int order);

struct page *__rmqueue_flip(struct zone *zone, unsigned int order,
			    gfp_t gfp, unsigned int alloc_flags, int freetype);
unsigned long page_sensitivity_mismatches(struct zone *zone);
unsigned long page_sensitivity_free_pages(struct zone *zone, bool sensitive,
					  unsigned int min_order);
int contig_range_set_sensitivity(unsigned long start, unsigned long end,
				 gfp_t gfp);
int bootmem_folio_set_sensitivity(struct folio *folio, gfp_t gfp);

/*
 * Debugging counters, in /sys/kernel/debug/page_sensitivity/stats;
 * /proc/vmstat has only the flips themselves.
 */
enum page_sensitivity_stat_item {
	PS_STAT_FLIP_NOBLOCK,		/* no whole free block to flip */
	PS_STAT_ALLOC_FALLBACK,		/* movable, from the other kind */
	PS_STAT_ALLOC_NOFLIP,		/* could not sleep, so not flip */
	NR_PS_STATS
};

/* @cpu's count of @item; and the sum over all CPUs, which the file shows. */
unsigned long page_sensitivity_stat_cpu(enum page_sensitivity_stat_item item,
					int cpu);
unsigned long page_sensitivity_stat_sum(enum page_sensitivity_stat_item item);

/*
 * The buddy lists of @freetype are empty: get a page of @order from those
 * of the other sensitivity, flipping a whole free block when @gfp allows.
 * Called with no lock held.
 */
static __always_inline struct page *rmqueue_flip(struct zone *zone,
						 unsigned int order, gfp_t gfp,
						 unsigned int alloc_flags,
						 int freetype)
{
	if (!asi_enabled())
		return NULL;
	return __rmqueue_flip(zone, order, gfp, alloc_flags, freetype);
}

#else /* !CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION */

static inline bool gfp_sensitive(gfp_t gfp)
{
	return false;
}

static inline struct page *rmqueue_flip(struct zone *zone, unsigned int order,
					gfp_t gfp, unsigned int alloc_flags,
					int freetype)
{
	return NULL;
}

static inline int contig_range_set_sensitivity(unsigned long start,
					       unsigned long end, gfp_t gfp)
{
	return 0;
}

static inline int bootmem_folio_set_sensitivity(struct folio *folio,
						gfp_t gfp)
{
	return 0;
}

#endif /* CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION */

/* Whether to fail this flip (mm/fail_pageblock_flip.c). */
#ifdef CONFIG_FAIL_PAGEBLOCK_FLIP
bool should_fail_pageblock_flip(unsigned int order);
#else
static inline bool should_fail_pageblock_flip(unsigned int order)
{
	return false;
}
#endif

/* Migration: sensitive data must only move into sensitive memory. */
static inline gfp_t folio_sensitivity_gfp(struct folio *folio)
{
	return pfnblock_sensitive(&folio->page, folio_pfn(folio)) ?
		__GFP_SENSITIVE : 0;
}

static inline bool folio_sensitivity_ok(struct folio *src, struct folio *dst)
{
	return !pfnblock_sensitive(&src->page, folio_pfn(src)) ||
		pfnblock_sensitive(&dst->page, folio_pfn(dst));
}

/* The free lists an allocation with @gfp takes from. */
static __always_inline int gfp_freetype(gfp_t gfp, int migratetype)
{
	return migrate_to_freetype(migratetype, gfp_sensitive(gfp));
}

#endif /* __MM_PAGE_SENSITIVITY_H */
