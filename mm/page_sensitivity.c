// SPDX-License-Identifier: GPL-2.0
/*
 * Flipping free pageblocks between sensitive and non-sensitive.
 *
 * ASI maps memory into its restricted direct map in whole 2 MiB blocks
 * (asi_set_sensitive() / asi_set_nonsensitive()), and a pageblock is one
 * or more such blocks, so the page allocator keeps sensitivity per
 * pageblock and never mixes the two kinds in one.  When an allocation
 * finds no free page of its sensitivity, __rmqueue_flip() takes a whole
 * free block of the other kind out of the buddy lists, changes its
 * mapping with the zone lock dropped, and gives back what the allocation
 * does not use:
 *
 *  - to sensitive: unmap from the restricted direct map; the TLB shootdown
 *    needs IRQs on and no spinlock held, so only callers that may sleep
 *    flip;
 *  - to non-sensitive: zero the block first, as it may hold another
 *    process's data, then map it.
 *
 * An allocation that may not flip (atomic, IRQs off), or finds no whole
 * free block of the other kind, fails in this zone (so a non-sensitive
 * reserve is kept for the first kind: see nonsensitive_reserve_blocks()).
 * A sensitive one must: mapped memory would leak it.  A non-sensitive one must too, unless it is
 * movable: the kernel touches its own structures (task, stack, page
 * tables, trace buffers) on the way into the fault handler that exits ASI,
 * so they must never be sensitive; movable kernel memory is touched only
 * from ordinary code, where an exit is just a cost.  After a failure the
 * caller's slow path reclaims (what reclaim frees, page cache and
 * anonymous memory, is sensitive), and kswapd is woken at pageblock order
 * so that reclaim and kcompactd make whole free blocks to flip.
 */

#include <linux/debugfs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>
#include <trace/events/asi.h>

#include "internal.h"

/*
 * Only @page's struct page is read (for its zone), not those of the other
 * blocks: a gigantic page reserved at boot has its tail struct pages
 * initialised late, if at all (HVO).
 */
static void set_blocks_sensitive(struct page *page, unsigned int order,
				 bool sensitive)
{
	unsigned long pfn = page_to_pfn(page);
	unsigned long end = pfn + (1UL << order);

	for (; pfn < end; pfn += pageblock_nr_pages)
		set_pfnblock_flags_mask(page, sensitive ? BIT(PB_sensitive) : 0,
					pfn, BIT(PB_sensitive));
}

/*
 * Free pages may be unmapped from the normal direct map too
 * (debug_pagealloc): map them for as long as the zeroing takes.  Free
 * pages under page_poison= must keep the poison the allocator checks for,
 * which wipes them as well.
 */
static void zero_block(struct page *page, unsigned int order, bool free)
{
	unsigned long i, nr = 1UL << order;

	if (free)
		debug_pagealloc_map_pages(page, nr);
	if (free && page_poisoning_enabled_static())
		kernel_poison_pages(page, nr);
	else
		for (i = 0; i < nr; i++)
			clear_page(page_address(page + i));
	if (free)
		debug_pagealloc_unmap_pages(page, nr);
}

/* Flips that failed, injected ones included; the block kept its kind. */
static atomic_long_t flip_failures = ATOMIC_LONG_INIT(0);

struct page_sensitivity_stats {
	unsigned long count[NR_PS_STATS];
};

static DEFINE_PER_CPU(struct page_sensitivity_stats, page_sensitivity_stats);

static inline void ps_stat_inc(enum page_sensitivity_stat_item item)
{
	this_cpu_inc(page_sensitivity_stats.count[item]);
}

unsigned long page_sensitivity_stat_cpu(enum page_sensitivity_stat_item item,
					int cpu)
{
	return per_cpu(page_sensitivity_stats, cpu).count[item];
}

unsigned long page_sensitivity_stat_sum(enum page_sensitivity_stat_item item)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += page_sensitivity_stat_cpu(item, cpu);
	return sum;
}

static int __flip_block(struct page *page, unsigned int order,
			bool sensitive, bool free)
{
	unsigned long pfn = page_to_pfn(page);
	int err;

	if (sensitive) {
		err = asi_set_sensitive(pfn, 1UL << order);
	} else {
		zero_block(page, order, free);
		err = asi_set_nonsensitive(pfn, 1UL << order);
	}
	if (WARN_ONCE(err, "page_alloc: flip of pfn %#lx order %u failed: %d\n",
		      pfn, order, err)) {
		atomic_long_inc(&flip_failures);
		return err;
	}

	set_blocks_sensitive(page, order, sensitive);
	count_vm_events(sensitive ? ASI_FLIP_SENSITIVE : ASI_FLIP_NONSENSITIVE,
			1UL << (order - pageblock_order));
	trace_asi_flip(pfn, order, sensitive);
	return 0;
}

/* A flip for an allocation, a refill or a contiguous range. */
static int flip_block(struct page *page, unsigned int order, bool sensitive,
		      bool free)
{
	/* As if the restricted direct map could not be changed. */
	if (should_fail_pageblock_flip(order)) {
		atomic_long_inc(&flip_failures);
		return -ENOMEM;
	}
	return __flip_block(page, order, sensitive, free);
}

/* Give back the pieces of a block of @block_order past its first @order. */
static void free_block_tail(struct zone *zone, struct page *page,
			    unsigned int order, unsigned int block_order)
{
	unsigned int i;

	for (i = order; i < block_order; i++)
		free_block_to_buddy(zone, page + (1UL << i), i);
}

/*
 * The non-sensitive reserve.  Allocations that cannot flip (atomic, IRQs
 * off: network receive, for one) need non-sensitive pages that are free
 * already, while watermarks and kswapd count free pages of both kinds: a
 * phase that filled memory with page cache would otherwise flip every
 * free block to sensitive, and leave them failing with memory free.  So
 * sensitive allocations do not flip a zone's last free non-sensitive
 * blocks, as many as its low watermark needs plus one; and when a
 * non-sensitive allocation finds its lists empty, a work item flips free
 * sensitive blocks back, in sleepable context, until the reserve is whole
 * again, ahead of the next allocation that cannot do it itself.
 */
static unsigned long nonsensitive_reserve_blocks(struct zone *zone)
{
	return DIV_ROUND_UP(low_wmark_pages(zone), pageblock_nr_pages) + 1;
}

/*
 * Free pages of one sensitivity in @zone's buddy lists of @min_order and
 * up (the per-cpu lists not counted).  Walks the lists: for the slow
 * paths that flip, and tests.
 */
unsigned long page_sensitivity_free_pages(struct zone *zone, bool sensitive,
					  unsigned int min_order)
{
	unsigned long flags, pages = 0;
	unsigned int order;
	int mt;

	spin_lock_irqsave(&zone->lock, flags);
	for (order = min_order; order < NR_PAGE_ORDERS; order++) {
		struct free_area *area = &zone->free_area[order];

		for (mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
			int ft = migrate_to_freetype(mt, sensitive);

			pages += list_count_nodes(&area->free_list[ft]) << order;
		}
	}
	spin_unlock_irqrestore(&zone->lock, flags);
	return pages;
}

/* Free whole pageblocks (or larger) of one sensitivity, in pageblocks. */
static unsigned long free_blocks(struct zone *zone, bool sensitive)
{
	return page_sensitivity_free_pages(zone, sensitive, pageblock_order) >>
	       pageblock_order;
}

/* Blocks the work flipped to non-sensitive (debugfs page_sensitivity). */
static atomic_long_t nonsensitive_reserve_flips = ATOMIC_LONG_INIT(0);

/* After a failed flip, the refill tries again this much later. */
#define NONSENSITIVE_RESERVE_RETRY	(HZ / 10)

static void nonsensitive_reserve_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(nonsensitive_reserve_work,
			    nonsensitive_reserve_fn);

static void nonsensitive_reserve_fn(struct work_struct *work)
{
	int ft = migrate_to_freetype(MIGRATE_MOVABLE, true);
	struct zone *zone;

	for_each_populated_zone(zone) {
		while (free_blocks(zone, false) <
		       nonsensitive_reserve_blocks(zone)) {
			struct page *page;
			int err;

			page = rmqueue_block(zone, pageblock_order, ft, 0);
			if (!page)
				break;
			err = flip_block(page, pageblock_order, false, true);
			if (!err)
				atomic_long_inc(&nonsensitive_reserve_flips);
			free_block_to_buddy(zone, page, pageblock_order);
			/*
			 * Not at once: the block is back at the head of its
			 * list, and would be taken and fail again.
			 */
			if (err) {
				queue_delayed_work(system_unbound_wq,
						   &nonsensitive_reserve_work,
						   NONSENSITIVE_RESERVE_RETRY);
				return;
			}
			cond_resched();
		}
	}
}

/*
 * No flip: only a movable non-sensitive allocation may take a page from
 * the lists of the other kind, @other (see the top of this file).
 */
static struct page *rmqueue_other_kind(struct zone *zone, unsigned int order,
				       gfp_t gfp, unsigned int alloc_flags,
				       bool sensitive, int other)
{
	struct page *page;

	if (sensitive || !(gfp & __GFP_MOVABLE))
		return NULL;
	page = rmqueue_block(zone, order, other, alloc_flags);
	if (page)
		ps_stat_inc(PS_STAT_ALLOC_FALLBACK);
	return page;
}

struct page *__rmqueue_flip(struct zone *zone, unsigned int order,
			    gfp_t gfp, unsigned int alloc_flags, int freetype)
{
	bool sensitive = freetype_sensitive(freetype);
	int other = migrate_to_freetype(free_to_migratetype(freetype),
					!sensitive);
	unsigned int block_order = max_t(unsigned int, order, pageblock_order);
	struct page *page;

	/* The non-sensitive lists ran dry: make the reserve whole again. */
	if (!sensitive)
		queue_delayed_work(system_unbound_wq,
				   &nonsensitive_reserve_work, 0);

	if (!gfpflags_allow_blocking(gfp) || irqs_disabled()) {
		page = rmqueue_other_kind(zone, order, gfp, alloc_flags,
					  sensitive, other);
		if (!page) {
			ps_stat_inc(PS_STAT_ALLOC_NOFLIP);
			if (gfp & __GFP_KSWAPD_RECLAIM)
				wakeup_kswapd(zone, gfp, pageblock_order,
					      zone_idx(zone));
		}
		return page;
	}

	/* The reserve stays non-sensitive; reclaim makes sensitive blocks. */
	if (sensitive && free_blocks(zone, false) <=
			 nonsensitive_reserve_blocks(zone))
		page = NULL;
	else
		page = rmqueue_block(zone, block_order, other, alloc_flags);
	if (!page) {
		ps_stat_inc(PS_STAT_FLIP_NOBLOCK);
		page = rmqueue_other_kind(zone, order, gfp, alloc_flags,
					  sensitive, other);
		if (!page)
			wakeup_kswapd(zone, gfp, pageblock_order, zone_idx(zone));
		return page;
	}

	if (flip_block(page, block_order, sensitive, true)) {
		free_block_to_buddy(zone, page, block_order);
		return NULL;
	}
	free_block_tail(zone, page, order, block_order);
	return page;
}

/*
 * alloc_contig_range() (CMA, gigantic pages) took [@start, @end) from
 * blocks of whatever sensitivity: make each whole block in the range what
 * @gfp asks for, zeroing one that becomes non-sensitive.  A block only
 * partly in the range keeps its sensitivity, as its other pages are not
 * ours; that is safe for a non-sensitive request (its accesses exit), and
 * fails a sensitive one with -EBUSY.  Called where the caller may sleep.
 */
int contig_range_set_sensitivity(unsigned long start, unsigned long end,
				 gfp_t gfp)
{
	bool sensitive = gfp_sensitive(gfp);
	unsigned long pfn;
	int err;

	might_sleep();
	if (!asi_enabled())
		return 0;
	for (pfn = pageblock_start_pfn(start); pfn < end;
	     pfn += pageblock_nr_pages) {
		struct page *page = pfn_to_page(pfn);

		if (pfnblock_sensitive(page, pfn) == sensitive)
			continue;
		if (pfn < start || pfn + pageblock_nr_pages > end) {
			if (sensitive)
				return -EBUSY;
			continue;
		}
		err = flip_block(page, pageblock_order, sensitive, false);
		if (err)
			return err;
	}
	return 0;
}

/*
 * A gigantic folio that memblock gave at boot (hugepagesz=1G hugepages=N)
 * never passed through the page allocator, and its blocks kept the
 * non-sensitive state every block boots with: give them all what @gfp
 * asks for, with one change of the restricted direct map (one TLB flush)
 * for the whole folio.  Only the head's struct page is read.  Called
 * where the caller may sleep; the folio is not in use yet.
 */
int __init bootmem_folio_set_sensitivity(struct folio *folio, gfp_t gfp)
{
	unsigned int order = folio_order(folio);

	might_sleep();
	if (!gfp_sensitive(gfp))
		return 0;
	if (WARN_ON_ONCE(order < pageblock_order))
		return -EINVAL;
	/* Not injected: a failure here loses the folio for good. */
	return __flip_block(&folio->page, order, true, false);
}

/*
 * Walks the pageblocks of @zone, counting them by sensitivity into
 * @blocks when given, and returns how many of them have a PB_sensitive
 * that disagrees with what the restricted direct map holds for them.
 */
static unsigned long walk_zone_blocks(struct zone *zone, unsigned long *blocks)
{
	unsigned long pfn, end = zone_end_pfn(zone), bad = 0;

	for (pfn = pageblock_start_pfn(zone->zone_start_pfn); pfn < end;
	     pfn += pageblock_nr_pages) {
		struct page *page = pfn_to_online_page(pfn);
		unsigned long i;
		bool sensitive;

		if (!page || page_zone(page) != zone)
			continue;
		sensitive = pfnblock_sensitive(page, pfn);
		if (blocks)
			blocks[sensitive]++;
		for (i = 0; i < pageblock_nr_pages; i += PTRS_PER_PMD) {
			if (asi_pfn_is_sensitive(pfn + i) != sensitive) {
				bad++;
				break;
			}
		}
	}
	return bad;
}

/* Mismatched pageblocks: 0 unless something changed one without the other. */
unsigned long page_sensitivity_mismatches(struct zone *zone)
{
	return walk_zone_blocks(zone, NULL);
}

#ifdef CONFIG_DEBUG_FS
/*
 * /sys/kernel/debug/page_sensitivity/zones: per zone, pageblocks by sensitivity
 * and free pages by sensitivity, order and migratetype (what
 * /proc/pagetypeinfo shows summed over both sensitivities).
 */
static void show_zone(struct seq_file *m, struct zone *zone)
{
	unsigned long blocks[2] = { 0, 0 }, free[2] = { 0, 0 }, bad;
	unsigned int order;
	int ft;

	bad = walk_zone_blocks(zone, blocks);
	seq_printf(m, "zone %s blocks: sensitive %lu nonsensitive %lu mismatched %lu\n",
		   zone->name, blocks[1], blocks[0], bad);
	seq_printf(m, "zone %s free whole nonsensitive blocks %lu reserve %lu\n",
		   zone->name, free_blocks(zone, false),
		   nonsensitive_reserve_blocks(zone));
	for_each_freetype(ft) {
		seq_printf(m, "zone %s free %-12s %-12s", zone->name,
			   migratetype_names[free_to_migratetype(ft)],
			   freetype_sensitive(ft) ? "sensitive" : "nonsensitive");
		for (order = 0; order < NR_PAGE_ORDERS; order++) {
			struct list_head *pos;
			unsigned long n = 0;

			spin_lock_irq(&zone->lock);
			list_for_each(pos, &zone->free_area[order].free_list[ft])
				n++;
			spin_unlock_irq(&zone->lock);
			free[freetype_sensitive(ft)] += n << order;
			seq_printf(m, " %6lu", n);
		}
		seq_putc(m, '\n');
	}
	seq_printf(m, "zone %s free pages: sensitive %lu nonsensitive %lu\n",
		   zone->name, free[1], free[0]);
}

static int page_sensitivity_zones_show(struct seq_file *m, void *v)
{
	struct zone *zone;

	seq_printf(m, "asi %s, pageblock order %u, blocks flipped for the nonsensitive reserve %ld, failed flips %ld\n",
		   asi_enabled() ? "on" : "off", pageblock_order,
		   atomic_long_read(&nonsensitive_reserve_flips),
		   atomic_long_read(&flip_failures));
	for_each_populated_zone(zone)
		show_zone(m, zone);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(page_sensitivity_zones);

static const char *const page_sensitivity_stat_names[] = {
	[PS_STAT_FLIP_NOBLOCK]		= "flip_noblock",
	[PS_STAT_ALLOC_FALLBACK]	= "alloc_fallback",
	[PS_STAT_ALLOC_NOFLIP]		= "alloc_noflip",
};

static_assert(ARRAY_SIZE(page_sensitivity_stat_names) == NR_PS_STATS);

static int page_sensitivity_stats_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < NR_PS_STATS; i++)
		seq_printf(m, "%s %lu\n", page_sensitivity_stat_names[i],
			   page_sensitivity_stat_sum(i));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(page_sensitivity_stats);

static int __init page_sensitivity_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("page_sensitivity", NULL);

	debugfs_create_file("zones", 0400, dir, NULL,
			    &page_sensitivity_zones_fops);
	debugfs_create_file("stats", 0444, dir, NULL,
			    &page_sensitivity_stats_fops);
	return 0;
}
late_initcall(page_sensitivity_debugfs_init);
#endif /* CONFIG_DEBUG_FS */
