// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the sensitivity-aware page allocator.  All but the index
 * helpers need asi=on and are skipped otherwise.
 */
#include <kunit/test.h>
#include <linux/asi.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include "internal.h"

static void need_asi(struct kunit *test)
{
	if (!asi_enabled())
		kunit_skip(test, "needs asi=on");
}

static unsigned long this_cpu_event(enum vm_event_item item)
{
	return __this_cpu_read(vm_event_states.event[item]);
}

static unsigned long this_cpu_stat(enum page_sensitivity_stat_item item)
{
	return page_sensitivity_stat_cpu(item, raw_smp_processor_id());
}

static unsigned long all_cpus_event(enum vm_event_item item)
{
	unsigned long sum = 0;
	int cpu;

	for_each_online_cpu(cpu)
		sum += per_cpu(vm_event_states, cpu).event[item];
	return sum;
}

static unsigned long this_cpu_flips(void)
{
	return this_cpu_event(ASI_FLIP_SENSITIVE) +
	       this_cpu_event(ASI_FLIP_NONSENSITIVE);
}

static bool page_is_sensitive(struct page *page)
{
	return pfnblock_sensitive(page, page_to_pfn(page));
}

/*
 * Freetypes and per-cpu list indexes round-trip over every migratetype,
 * sensitivity and per-cpu order, and the two sensitivities never share a
 * list.
 */
static void index_helpers_round_trip(struct kunit *test)
{
	DECLARE_BITMAP(seen, NR_PCP_LISTS);
	unsigned int orders[PAGE_ALLOC_COSTLY_ORDER + 2];
	int nr_orders = 0, nr_freetypes, i, mt, s;

	for (i = 0; i <= PAGE_ALLOC_COSTLY_ORDER; i++)
		orders[nr_orders++] = i;
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	orders[nr_orders++] = HPAGE_PMD_ORDER;
#endif

	for (s = 0; s < NR_SENSITIVITIES; s++) {
		for (mt = 0; mt < MIGRATE_TYPES; mt++) {
			int ft = migrate_to_freetype(mt, s);

			KUNIT_EXPECT_LT(test, ft, NR_FREETYPES);
			KUNIT_EXPECT_EQ(test, free_to_migratetype(ft), mt);
			KUNIT_EXPECT_EQ(test, freetype_sensitive(ft), (bool)s);
			KUNIT_EXPECT_EQ(test,
					freetype_with_migratetype(ft, MIGRATE_MOVABLE),
					migrate_to_freetype(MIGRATE_MOVABLE, s));
		}
	}
	/* Every freetype in use is one (migratetype, sensitivity) pair. */
	nr_freetypes = 0;
	for_each_freetype(i) {
		KUNIT_EXPECT_LT(test, free_to_migratetype(i), MIGRATE_TYPES);
		KUNIT_EXPECT_EQ(test, migrate_to_freetype(free_to_migratetype(i),
							  freetype_sensitive(i)), i);
		nr_freetypes++;
	}
	KUNIT_EXPECT_EQ(test, nr_freetypes, MIGRATE_TYPES * NR_SENSITIVITIES);

	bitmap_zero(seen, NR_PCP_LISTS);
	for (s = 0; s < NR_SENSITIVITIES; s++) {
		for (i = 0; i < nr_orders; i++) {
			for (mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
				int ft = migrate_to_freetype(mt, s);
				unsigned int pindex = order_to_pindex(ft, orders[i]);

				KUNIT_ASSERT_LT(test, pindex, (unsigned int)NR_PCP_LISTS);
				KUNIT_EXPECT_EQ(test, pindex_to_order(pindex),
						(int)orders[i]);
				/* Which set: the sensitivity, and only it. */
				KUNIT_EXPECT_EQ(test, pindex >= FREETYPE_SENSITIVE,
						(bool)s);
				KUNIT_EXPECT_LT(test, pindex - s * FREETYPE_SENSITIVE,
						(unsigned int)NR_PCP_LISTS_PER_SET);
				/* THP lists are shared by the non-movable types. */
				if (orders[i] <= PAGE_ALLOC_COSTLY_ORDER ||
				    mt == MIGRATE_MOVABLE || mt == MIGRATE_UNMOVABLE)
					KUNIT_EXPECT_FALSE(test, __test_and_set_bit(pindex,
										    seen));
			}
		}
	}
	/* Every list of those sets is used by some (order, type, sensitivity). */
	KUNIT_EXPECT_EQ(test, bitmap_weight(seen, NR_PCP_LISTS),
			(unsigned int)(NR_PCP_LISTS_PER_SET * NR_SENSITIVITIES));
}

/* Reads a word of @page restricted; returns the ASI exits it cost. */
static unsigned long exits_to_read(struct page *page)
{
	unsigned long before, after, flags;

	/* IRQs off: no handler can exit in between. */
	local_irq_save(flags);
	asi_enter();
	before = this_cpu_event(ASI_EXITS_FAULT);
	READ_ONCE(*(unsigned long *)page_address(page));
	after = this_cpu_event(ASI_EXITS_FAULT);
	asi_enter();
	local_irq_restore(flags);
	return after - before;
}

static void sensitive_pages_absent_from_restricted_map(struct kunit *test)
{
	struct page *user, *kernel;
	int ft;

	need_asi(test);
	user = alloc_page(GFP_USER);
	KUNIT_ASSERT_NOT_NULL(test, user);
	kernel = alloc_page(GFP_KERNEL);
	if (!kernel)
		__free_page(user);
	KUNIT_ASSERT_NOT_NULL(test, kernel);

	KUNIT_EXPECT_TRUE(test, page_is_sensitive(user));
	KUNIT_EXPECT_TRUE(test, asi_pfn_is_sensitive(page_to_pfn(user)));
	KUNIT_EXPECT_FALSE(test, page_is_sensitive(kernel));
	KUNIT_EXPECT_FALSE(test, asi_pfn_is_sensitive(page_to_pfn(kernel)));
	/*
	 * The free side reads a block's freetype from its flags alone: one
	 * read each (a steal may change a block's migratetype meanwhile).
	 */
	ft = pfnblock_freetype(user, page_to_pfn(user));
	KUNIT_EXPECT_TRUE(test, freetype_sensitive(ft));
	KUNIT_EXPECT_LT(test, free_to_migratetype(ft), MIGRATE_TYPES);
	ft = pfnblock_freetype(kernel, page_to_pfn(kernel));
	KUNIT_EXPECT_FALSE(test, freetype_sensitive(ft));
	KUNIT_EXPECT_LT(test, free_to_migratetype(ft), MIGRATE_TYPES);

	KUNIT_EXPECT_EQ(test, exits_to_read(kernel), 0UL);
	KUNIT_EXPECT_EQ(test, exits_to_read(user), 1UL);

	__free_page(user);
	__free_page(kernel);
}

#define PATTERN 0xa5

/*
 * A block that held sensitive data and is flipped to non-sensitive is
 * handed out zeroed: plant a pattern in a sensitive block, free it, then
 * flip free sensitive blocks until it comes back.
 */
static void flip_to_nonsensitive_hands_out_zeroes(struct kunit *test)
{
	int ft = migrate_to_freetype(MIGRATE_UNMOVABLE, false);
	unsigned long nr = pageblock_nr_pages, pfn, flips, i;
	struct page *page, *got[64];
	int nr_got = 0, nonzero = 0;
	struct zone *zone;
	bool found = false;

	need_asi(test);
	page = alloc_pages(GFP_USER | __GFP_NORETRY | __GFP_NOWARN,
			   pageblock_order);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_TRUE(test, page_is_sensitive(page));
	for (i = 0; i < nr; i++)
		memset(page_address(page + i), PATTERN, PAGE_SIZE);
	pfn = page_to_pfn(page);
	zone = page_zone(page);
	__free_pages(page, pageblock_order);
	/* Out of the per-cpu lists, into the buddy ones. */
	drain_all_pages(zone);

	flips = all_cpus_event(ASI_FLIP_NONSENSITIVE);
	while (!found && nr_got < ARRAY_SIZE(got)) {
		page = __rmqueue_flip(zone, pageblock_order, GFP_KERNEL, 0, ft);
		if (!page)
			break;
		got[nr_got++] = page;
		found = page_to_pfn(page) == pfn;

		KUNIT_EXPECT_FALSE(test, page_is_sensitive(page));
		KUNIT_EXPECT_FALSE(test, asi_pfn_is_sensitive(page_to_pfn(page)));
		/* Free pages, so mapped for the check only (debug_pagealloc). */
		debug_pagealloc_map_pages(page, nr);
		for (i = 0; i < nr; i++)
			nonzero += !!memchr_inv(page_address(page + i), 0,
						PAGE_SIZE);
		debug_pagealloc_unmap_pages(page, nr);
	}
	KUNIT_EXPECT_TRUE(test, found);
	KUNIT_EXPECT_EQ(test, nonzero, 0);
	KUNIT_EXPECT_GE(test, all_cpus_event(ASI_FLIP_NONSENSITIVE) - flips,
			(unsigned long)nr_got);

	while (nr_got)
		free_block_to_buddy(zone, got[--nr_got], pageblock_order);
}

/*
 * Allocations that may not sleep never flip: with IRQs off, one whose
 * lists are empty finds no page, except a movable non-sensitive one, which
 * falls back to a sensitive page.  Both are counted.
 */
#define NR_ATOMIC 256

static void atomic_allocations_never_flip(struct kunit *test)
{
	int sens = migrate_to_freetype(MIGRATE_UNMOVABLE, true);
	int nonsens = migrate_to_freetype(MIGRATE_UNMOVABLE, false);
	int movable = migrate_to_freetype(MIGRATE_MOVABLE, false);
	unsigned long flips, noflip, fallback, flags;
	struct page **pages, *page, *kernel, *fell;
	struct zone *zone;
	int i, wrong = 0;

	need_asi(test);
	pages = kunit_kcalloc(test, NR_ATOMIC, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	/* Make sure the zone has a free sensitive page to fall back to. */
	page = alloc_pages(GFP_USER | __GFP_NOWARN, pageblock_order);
	KUNIT_ASSERT_NOT_NULL(test, page);
	zone = page_zone(page);
	__free_pages(page, pageblock_order);
	drain_all_pages(zone);

	local_irq_save(flags);
	flips = this_cpu_flips();
	noflip = this_cpu_stat(PS_STAT_ALLOC_NOFLIP);
	fallback = this_cpu_stat(PS_STAT_ALLOC_FALLBACK);

	page = __rmqueue_flip(zone, 0, GFP_ATOMIC, 0, sens);
	kernel = __rmqueue_flip(zone, 0, GFP_ATOMIC, 0, nonsens);
	fell = __rmqueue_flip(zone, 0, GFP_ATOMIC | __GFP_MOVABLE, 0, movable);
	for (i = 0; i < NR_ATOMIC; i++)
		pages[i] = alloc_page(GFP_ATOMIC | __GFP_NOWARN |
				      (i & 1 ? __GFP_SENSITIVE : 0));

	KUNIT_EXPECT_EQ(test, this_cpu_flips() - flips, 0UL);
	KUNIT_EXPECT_GE(test, this_cpu_stat(PS_STAT_ALLOC_NOFLIP) - noflip, 2UL);
	KUNIT_EXPECT_GE(test, this_cpu_stat(PS_STAT_ALLOC_FALLBACK) - fallback, 1UL);
	local_irq_restore(flags);

	KUNIT_EXPECT_NULL(test, page);
	KUNIT_EXPECT_NULL(test, kernel);
	KUNIT_EXPECT_NOT_NULL(test, fell);
	if (fell) {
		KUNIT_EXPECT_TRUE(test, page_is_sensitive(fell));
		free_block_to_buddy(zone, fell, 0);
	}
	for (i = 0; i < NR_ATOMIC; i++) {
		if (!pages[i])
			continue;
		/* Each gets a page of its own sensitivity. */
		if (page_is_sensitive(pages[i]) != (i & 1))
			wrong++;
		__free_page(pages[i]);
	}
	KUNIT_EXPECT_EQ(test, wrong, 0);
}

/*
 * Allocate @gfp pages, a pageblock at a time while that works, until
 * @target pages or a failure; counts in *@wrong those of the wrong
 * sensitivity.
 */
static unsigned long fill(struct kunit *test, gfp_t gfp,
			  struct list_head *pages, unsigned long *wrong,
			  unsigned long target)
{
	unsigned long got = 0;

	while (got < target) {
		unsigned int order = pageblock_order;
		struct page *page;

		page = alloc_pages(gfp | __GFP_NORETRY | __GFP_NOWARN, order);
		if (!page) {
			order = 0;
			page = alloc_pages(gfp | __GFP_NORETRY | __GFP_NOWARN, 0);
		}
		if (!page)
			break;
		if (page_is_sensitive(page) != !!(gfp & __GFP_SENSITIVE) ||
		    asi_pfn_is_sensitive(page_to_pfn(page)) !=
		    !!(gfp & __GFP_SENSITIVE))
			(*wrong)++;
		set_page_private(page, order);
		list_add(&page->lru, pages);
		got += 1UL << order;
	}
	return got;
}

static void free_all(struct list_head *pages)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, pages, lru) {
		unsigned int order = page_private(page);

		list_del(&page->lru);
		set_page_private(page, 0);
		__free_pages(page, order);
	}
}

/*
 * Allocate more than half of memory as sensitive, free it, then the same
 * as non-sensitive: every page has the sensitivity asked for (neither is
 * movable, so neither falls back), and afterwards the restricted tables
 * and the pageblock flags agree everywhere.
 */
static void half_of_memory_each_way_leaves_auditor_at_zero(struct kunit *test)
{
	unsigned long target = totalram_pages() / 2;
	unsigned long half = target + pageblock_nr_pages;
	unsigned long got, wrong = 0, flips;
	struct zone *zone;
	LIST_HEAD(pages);

	need_asi(test);

	got = fill(test, GFP_USER, &pages, &wrong, half);
	free_all(&pages);
	KUNIT_EXPECT_GT(test, got, target);
	KUNIT_EXPECT_EQ(test, wrong, 0UL);

	/*
	 * More than half of memory is now in sensitive blocks, so this half
	 * needs some of them back.
	 */
	wrong = 0;
	flips = all_cpus_event(ASI_FLIP_NONSENSITIVE);
	got = fill(test, GFP_KERNEL, &pages, &wrong, half);
	free_all(&pages);
	KUNIT_EXPECT_GT(test, got, target);
	KUNIT_EXPECT_EQ(test, wrong, 0UL);
	KUNIT_EXPECT_GT(test, all_cpus_event(ASI_FLIP_NONSENSITIVE) - flips, 0UL);

	KUNIT_EXPECT_EQ(test, asi_audit(), 0UL);
	for_each_populated_zone(zone)
		KUNIT_EXPECT_EQ_MSG(test, page_sensitivity_mismatches(zone), 0UL,
				    "zone %s", zone->name);
}

#ifdef CONFIG_CONTIG_ALLOC
/*
 * A contiguous range gets the sensitivity asked for, whatever its blocks
 * had: two blocks taken as user memory are sensitive; planted, freed and
 * taken again as kernel memory, they are non-sensitive and zeroed.
 */
static void contig_range_gets_the_sensitivity_asked_for(struct kunit *test)
{
	unsigned long nr = 2 * pageblock_nr_pages, pfn, i;
	struct page *page;
	int ret, tries, nonzero = 0;

	need_asi(test);
	page = alloc_contig_pages(nr, GFP_USER | __GFP_NOWARN, numa_node_id(),
				  NULL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	pfn = page_to_pfn(page);
	for (i = 0; i < nr; i += pageblock_nr_pages) {
		KUNIT_EXPECT_TRUE(test, pfnblock_sensitive(page + i, pfn + i));
		KUNIT_EXPECT_TRUE(test, asi_pfn_is_sensitive(pfn + i));
	}
	for (i = 0; i < nr; i++)
		memset(page_address(page + i), PATTERN, PAGE_SIZE);
	free_contig_range(pfn, nr);

	/* The same range again; a racing allocation may hold a page a while. */
	for (tries = 0; tries < 5; tries++) {
		ret = alloc_contig_range(pfn, pfn + nr, MIGRATE_MOVABLE,
					 GFP_KERNEL | __GFP_NOWARN);
		if (ret != -EBUSY)
			break;
		msleep(20);
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	for (i = 0; i < nr; i += pageblock_nr_pages) {
		KUNIT_EXPECT_FALSE(test, pfnblock_sensitive(page + i, pfn + i));
		KUNIT_EXPECT_FALSE(test, asi_pfn_is_sensitive(pfn + i));
	}
	for (i = 0; i < nr; i++)
		nonzero += !!memchr_inv(page_address(page + i), 0, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, nonzero, 0);
	KUNIT_EXPECT_EQ(test, exits_to_read(page), 0UL);
	free_contig_range(pfn, nr);
}
#endif

/*
 * When sensitive allocations found their lists empty and flipped every
 * free non-sensitive block they could (a phase that filled memory with
 * page cache, which reclaim keeps going), and freed it all again,
 * allocations that cannot flip (atomic, IRQs off: network receive) still
 * find non-sensitive pages: each zone keeps a reserve of free whole
 * non-sensitive blocks that sensitive allocations do not flip.  The burst
 * asks for every non-sensitive page free but for the reserve, plus two
 * blocks' worth: without the reserve, those two blocks' worth fail.
 */
static void atomic_allocations_after_user_flips_succeed(struct kunit *test)
{
	int ft = migrate_to_freetype(MIGRATE_UNMOVABLE, true);
	unsigned long wrong = 0, failed = 0, taken = 0, noflip, i, n;
	unsigned long whole = 0, all = 0;
	struct page **burst, *page;
	struct zone *zone;
	LIST_HEAD(pages);

	need_asi(test);
	/*
	 * As rmqueue_buddy() does when the sensitive lists are empty; the
	 * blocks, raw from the buddy lists, go back the same way.
	 */
	for_each_populated_zone(zone) {
		while ((page = __rmqueue_flip(zone, pageblock_order, GFP_USER,
					      0, ft))) {
			wrong += !page_is_sensitive(page);
			list_add(&page->lru, &pages);
			taken++;
		}
		while (!list_empty(&pages)) {
			page = list_first_entry(&pages, struct page, lru);
			list_del(&page->lru);
			free_block_to_buddy(zone, page, pageblock_order);
		}
	}
	drain_all_pages(NULL);
	for_each_populated_zone(zone) {
		whole += page_sensitivity_free_pages(zone, false,
						     pageblock_order);
		all += page_sensitivity_free_pages(zone, false, 0);
	}
	n = all - whole + 2 * pageblock_nr_pages;
	burst = kvcalloc(n, sizeof(*burst), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, burst);

	noflip = page_sensitivity_stat_sum(PS_STAT_ALLOC_NOFLIP);
	local_irq_disable();
	for (i = 0; i < n; i++) {
		burst[i] = alloc_page(GFP_ATOMIC | __GFP_NOWARN);
		failed += !burst[i];
	}
	local_irq_enable();
	noflip = page_sensitivity_stat_sum(PS_STAT_ALLOC_NOFLIP) - noflip;
	for (i = 0; i < n; i++)
		if (burst[i])
			__free_page(burst[i]);
	kvfree(burst);
	/*
	 * Half of memory back to non-sensitive, as the case before leaves it:
	 * later tests expect user memory to flip blocks.
	 */
	fill(test, GFP_KERNEL, &pages, &wrong, totalram_pages() / 2);
	free_all(&pages);

	kunit_info(test, "%lu blocks flipped; non-sensitive free %lu, %lu of it in whole blocks; %lu of %lu atomic allocations failed\n",
		   taken, all, whole, failed, n);
	KUNIT_EXPECT_EQ(test, wrong, 0UL);
	KUNIT_EXPECT_GE_MSG(test, whole, 2 * pageblock_nr_pages,
			    "no non-sensitive reserve left after the flips");
	KUNIT_EXPECT_EQ_MSG(test, failed, 0UL,
			    "%lu of %lu failed with memory free (%lu could not flip)",
			    failed, n, noflip);
}

/*
 * vmalloc maps its pages in the kernel half every restricted table shares,
 * so what it allocates for user data (kvmalloc(GFP_USER), as
 * vmemdup_user() does) cannot be kept from the restricted address space:
 * its pages are not sensitive, and the auditor, which checks every
 * kernel-half mapping, finds nothing while they are mapped.
 */
static void vmalloc_of_user_data_is_not_sensitive(struct kunit *test)
{
	unsigned long size = 4UL << 20, off, sensitive = 0, problems;
	void *buf;

	need_asi(test);
	buf = __vmalloc(size, GFP_USER);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (off = 0; off < size; off += PAGE_SIZE)
		sensitive += asi_pfn_is_sensitive(vmalloc_to_pfn(buf + off));
	problems = asi_audit();
	vfree(buf);
	KUNIT_EXPECT_EQ_MSG(test, sensitive, 0UL,
			    "vmalloc handed out sensitive pages");
	KUNIT_EXPECT_EQ(test, problems, 0UL);
}

/*
 * kmalloc memory is the kernel's, at every size: above 8 KiB it comes
 * straight from the page allocator, and a GFP_USER request there (as
 * memdup_user() makes) gets non-sensitive pages, as the slabs below it
 * do, so the kernel touches it without an exit.
 */
static void kmalloc_large_of_user_data_is_not_sensitive(struct kunit *test)
{
	unsigned long exits;
	bool sensitive;
	void *buf;

	need_asi(test);
	buf = kmalloc(4 * PAGE_SIZE, GFP_USER);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	sensitive = asi_pfn_is_sensitive(page_to_pfn(virt_to_page(buf)));
	exits = exits_to_read(virt_to_page(buf));
	kfree(buf);
	KUNIT_EXPECT_FALSE(test, sensitive);
	KUNIT_EXPECT_EQ(test, exits, 0UL);
}

/* The auditor sees a sensitive page mapped in the kernel half. */
static void auditor_finds_sensitive_page_in_kernel_half(struct kunit *test)
{
	struct page *page;
	unsigned long before, during;
	void *addr;

	need_asi(test);
	page = alloc_page(GFP_USER);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_TRUE(test, asi_pfn_is_sensitive(page_to_pfn(page)));
	before = asi_audit();
	addr = vmap(&page, 1, VM_MAP, PAGE_KERNEL);
	during = addr ? asi_audit() : 0;
	if (addr)
		vunmap(addr);
	__free_page(page);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	KUNIT_EXPECT_EQ(test, during, before + 1);
}

static struct kunit_case page_sensitivity_test_cases[] = {
	KUNIT_CASE(index_helpers_round_trip),
	KUNIT_CASE(sensitive_pages_absent_from_restricted_map),
	KUNIT_CASE(flip_to_nonsensitive_hands_out_zeroes),
	KUNIT_CASE(atomic_allocations_never_flip),
	KUNIT_CASE(half_of_memory_each_way_leaves_auditor_at_zero),
	KUNIT_CASE(atomic_allocations_after_user_flips_succeed),
	KUNIT_CASE(vmalloc_of_user_data_is_not_sensitive),
	KUNIT_CASE(kmalloc_large_of_user_data_is_not_sensitive),
	KUNIT_CASE(auditor_finds_sensitive_page_in_kernel_half),
#ifdef CONFIG_CONTIG_ALLOC
	KUNIT_CASE(contig_range_gets_the_sensitivity_asked_for),
#endif
	{}
};

static struct kunit_suite page_sensitivity_test_suite = {
	.name = "page_sensitivity",
	.test_cases = page_sensitivity_test_cases,
};

kunit_test_suite(page_sensitivity_test_suite);

MODULE_DESCRIPTION("KUnit tests for the sensitivity-aware page allocator");
MODULE_LICENSE("GPL");
