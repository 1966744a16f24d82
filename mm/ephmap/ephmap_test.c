// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the ephmap, the mm-local, CPU-local region where a kernel
 * path maps a folio for the length of one copy.
 *
 * The suite checks that:
 *  - a mapping reads back the folio it maps (orders 0, 4 and 9, whole and in
 *    windows) at the address the slot layout promises;
 *  - sixteen mappings nest, each in its own slot;
 *  - a mapping is visible in its own mm only, and once unmapped is gone from
 *    the page tables and from the TLB;
 *  - a mapping survives its holder being switched out while another thread
 *    of the same mm maps the same slot on the same CPU;
 *  - an mm's ephmap page tables are freed with it;
 *  - the fallbacks (no mm, nesting overflow, ephmap off) and every misuse
 *    give the documented result and are counted in vmstat.
 *
 * Cases that need the window run only when booted with ephmap=on, and
 * attach a fresh mm to the KUnit thread, which has none.  A WARN that a
 * case provokes on purpose is framed by "expect WARN begin/end" lines that
 * the test harness looks for; the cases check the counters, not the log.
 *
 * Nothing between ephmap_test_enter_mm() and ephmap_test_leave_mm() may
 * abort the case (KUNIT_ASSERT_*(), kunit_skip()): the thread would exit
 * with mappings held and the mm attached.  Those sections only use
 * KUNIT_EXPECT_*(), and anything that can fail is set up before them.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/asi.h>
#include <linux/completion.h>
#include <linux/ephmap.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>

#include "internal.h"

/* ---- Expected WARNs ---------------------------------------------------- */

static void ephmap_test_expect_warn_begin(void)
{
	pr_info("ephmap_test: expect WARN begin\n");
}

static void ephmap_test_expect_warn_end(void)
{
	pr_info("ephmap_test: expect WARN end\n");
}

/* ---- vmstat events ----------------------------------------------------- */

struct ephmap_test_events {
	unsigned long map;
	unsigned long map_pmd;
	unsigned long no_mm;
	unsigned long context;
	unsigned long nesting;
	unsigned long misuse;
	unsigned long flush_page;
	unsigned long flush_all;
	unsigned long sched_out;
};

/* Sum of one event over all CPUs; folded counters of dead CPUs are zero. */
static unsigned long ephmap_test_event(enum vm_event_item item)
{
	unsigned long sum = 0;
#ifdef CONFIG_VM_EVENT_COUNTERS
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(vm_event_states, cpu).event[item];
#endif
	return sum;
}

static void ephmap_test_read_events(struct ephmap_test_events *ev)
{
	ev->map = ephmap_test_event(EPHMAP_MAP);
	ev->map_pmd = ephmap_test_event(EPHMAP_MAP_PMD);
	ev->no_mm = ephmap_test_event(EPHMAP_FALLBACK_NO_MM);
	ev->context = ephmap_test_event(EPHMAP_FALLBACK_CONTEXT);
	ev->nesting = ephmap_test_event(EPHMAP_FALLBACK_NESTING);
	ev->misuse = ephmap_test_event(EPHMAP_MISUSE);
	ev->flush_page = ephmap_test_event(EPHMAP_FLUSH_PAGE);
	ev->flush_all = ephmap_test_event(EPHMAP_FLUSH_ALL);
	ev->sched_out = ephmap_test_event(EPHMAP_SCHED_OUT);
}

/* Expect @field to have moved by exactly @n between @before and @after. */
#define EPHMAP_EXPECT_EVENTS(test, before, after, field, n)			\
	do {									\
		if (IS_ENABLED(CONFIG_VM_EVENT_COUNTERS))			\
			KUNIT_EXPECT_EQ_MSG(test,				\
					    (after).field - (before).field,	\
					    (unsigned long)(n),			\
					    "vmstat event: " #field);		\
	} while (0)

/* Expect @field to have moved at all between @before and @after. */
#define EPHMAP_EXPECT_EVENTS_MOVED(test, before, after, field)			\
	do {									\
		if (IS_ENABLED(CONFIG_VM_EVENT_COUNTERS))			\
			KUNIT_EXPECT_GT_MSG(test,				\
					    (after).field - (before).field,	\
					    0UL, "vmstat event: " #field);	\
	} while (0)

/* ---- Folios ------------------------------------------------------------ */

/* The byte at @off of a folio filled with @seed: differs page to page. */
static u8 ephmap_test_byte(unsigned int seed, size_t off)
{
	unsigned long x = off + (off >> PAGE_SHIFT) * 151 + seed * 40503UL;

	return (u8)(x ^ (x >> 8) ^ (x >> 16));
}

static void ephmap_test_fill(struct folio *folio, unsigned int seed)
{
	u8 *p = folio_address(folio);
	size_t i;

	for (i = 0; i < folio_size(folio); i++)
		p[i] = ephmap_test_byte(seed, i);
}

/* Whether @folio (read through the physmap) still holds @seed's pattern. */
static bool ephmap_test_has_pattern(struct folio *folio, unsigned int seed)
{
	const u8 *p = folio_address(folio);
	size_t i;

	for (i = 0; i < folio_size(folio); i++)
		if (p[i] != ephmap_test_byte(seed, i))
			return false;
	return true;
}

/* Whether @addr reads the same @len bytes as the physmap at @offset. */
static bool ephmap_test_matches(const void *addr, struct folio *folio,
				size_t offset, size_t len)
{
	return !memcmp(addr, folio_address(folio) + offset, len);
}

KUNIT_DEFINE_ACTION_WRAPPER(ephmap_test_folio_put, folio_put, struct folio *);

/*
 * A folio of @order filled with @seed's pattern, put when the case ends;
 * NULL if it cannot be had (large orders may fail on a fragmented system).
 */
static struct folio *ephmap_test_alloc_folio(struct kunit *test,
					     unsigned int order,
					     unsigned int seed)
{
	struct folio *folio;

	folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);
	if (!folio)
		return NULL;
	if (kunit_add_action_or_reset(test, ephmap_test_folio_put, folio))
		return NULL;
	ephmap_test_fill(folio, seed);
	return folio;
}

/* ---- Addresses --------------------------------------------------------- */

/*
 * Where a mapping of @folio at @offset in slot @slot of @cpu's window must
 * be: a PMD-sized folio is mapped whole by one PMD entry, anything else
 * from the page that holds @offset.
 */
static void *ephmap_test_slot_addr(unsigned int cpu, unsigned int slot,
				   struct folio *folio, size_t offset)
{
	unsigned long base = ephmap_cpu_window(cpu) + slot * EPHMAP_SLOT_SIZE;

	if (folio_size(folio) == PMD_SIZE)
		return (void *)(base + offset);
	return (void *)(base + offset_in_page(offset));
}

static unsigned int ephmap_test_cpu(void)
{
	return raw_smp_processor_id();
}

/* ---- The test mm ------------------------------------------------------- */

struct ephmap_test_mm {
	struct mm_struct *mm;
	bool attached;
};

/*
 * Runs in KUnit's cleanup thread, not the test thread.  If the test thread
 * ended with the mm still attached, its exit_mm() has put the mm_users
 * reference from mm_alloc() and the mm_count one that kthread_use_mm()
 * took is all that is left to drop.
 */
static void ephmap_test_mm_release(void *data)
{
	struct ephmap_test_mm *tm = data;

	if (tm->attached)
		mmdrop(tm->mm);
	else
		mmput(tm->mm);
}

/* Give the (mm-less) KUnit thread a fresh mm, so that it uses the window. */
static struct ephmap_test_mm *ephmap_test_enter_mm(struct kunit *test)
{
	struct ephmap_test_mm *tm;

	KUNIT_ASSERT_NULL(test, current->mm);
	tm = kunit_kzalloc(test, sizeof(*tm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tm);
	tm->mm = mm_alloc();
	KUNIT_ASSERT_NOT_NULL(test, tm->mm);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							ephmap_test_mm_release,
							tm), 0);
	kthread_use_mm(tm->mm);
	tm->attached = true;
	return tm;
}

/* Detach the mm; it is put when the case ends. */
static void ephmap_test_leave_mm(struct ephmap_test_mm *tm)
{
	kthread_unuse_mm(tm->mm);
	tm->attached = false;
}

KUNIT_DEFINE_ACTION_WRAPPER(ephmap_test_mmput, mmput, struct mm_struct *);

/* An mm nobody uses, put when the case ends or by kunit_release_action(). */
static struct mm_struct *ephmap_test_spare_mm(struct kunit *test)
{
	struct mm_struct *mm = mm_alloc();

	KUNIT_ASSERT_NOT_NULL(test, mm);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							ephmap_test_mmput,
							mm), 0);
	return mm;
}

static void ephmap_test_require_window(struct kunit *test)
{
	if (!ephmap_enabled())
		kunit_skip(test, "ephmap is off (boot with ephmap=on)");
}

/* ---- Mapping and reading back ----------------------------------------- */

struct ephmap_test_range {
	size_t offset;
	size_t len;
};

/*
 * Map @folio whole and in windows, one at a time, checking each address and
 * what it reads; returns the number of mappings made.
 */
static unsigned int ephmap_test_map_windows(struct kunit *test,
					    struct folio *folio)
{
	size_t size = folio_size(folio);
	const struct ephmap_test_range ranges[] = {
		{ 0, size },				/* the whole folio */
		{ 0, 64 },				/* its start */
		{ size / 2 + 123, size / 4 },		/* unaligned, mid */
		{ size - 1, 1 },			/* its last byte */
		/* Only for large folios: */
		{ PAGE_SIZE - 16, 32 },			/* across a page end */
		{ 3 * PAGE_SIZE - 5, 2 * PAGE_SIZE + 10 }, /* over four pages */
	};
	unsigned int nr = ARRAY_SIZE(ranges);
	unsigned int i;

	if (size == PAGE_SIZE)
		nr -= 2;

	for (i = 0; i < nr; i++) {
		size_t offset = ranges[i].offset, len = ranges[i].len;
		void *phys = folio_address(folio) + offset;
		unsigned long window;
		unsigned int cpu;
		void *addr;

		addr = ephmap_map_folio(folio, offset, len);
		/* Migration is off while the mapping is held. */
		cpu = ephmap_test_cpu();
		window = ephmap_cpu_window(cpu);

		KUNIT_EXPECT_PTR_EQ_MSG(test, addr,
					ephmap_test_slot_addr(cpu, 0, folio, offset),
					"order %u, bytes [%zu, +%zu)",
					folio_order(folio), offset, len);
		if (!addr)
			continue;
		KUNIT_EXPECT_GE(test, (unsigned long)addr, window);
		KUNIT_EXPECT_LT(test, (unsigned long)addr,
				window + EPHMAP_CPU_WINDOW_SIZE);
		KUNIT_EXPECT_TRUE(test, ephmap_addr_in_region((unsigned long)addr));
		KUNIT_EXPECT_PTR_NE(test, addr, phys);
		KUNIT_EXPECT_TRUE_MSG(test, ephmap_test_matches(addr, folio,
								offset, len),
				      "order %u, bytes [%zu, +%zu) read back wrong",
				      folio_order(folio), offset, len);
		ephmap_unmap(addr);
	}
	return nr;
}

static void ephmap_test_whole_folio_and_windows_read_back(struct kunit *test)
{
	static const unsigned int orders[] = { 0, 4, PMD_ORDER };
	struct folio *folios[ARRAY_SIZE(orders)];
	struct ephmap_test_events before, after;
	unsigned int nr_maps = 0, nr_pmd_maps = 0;
	struct ephmap_test_mm *tm;
	unsigned int i, n;

	ephmap_test_require_window(test);

	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		folios[i] = ephmap_test_alloc_folio(test, orders[i],
						    17 * orders[i] + 1);
		if (orders[i] < PMD_ORDER)
			KUNIT_ASSERT_NOT_NULL(test, folios[i]);
		else if (!folios[i])
			kunit_info(test, "no order-%u folio: that order not tested\n",
				   orders[i]);
	}

	tm = ephmap_test_enter_mm(test);
	ephmap_test_read_events(&before);
	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		if (!folios[i])
			continue;
		n = ephmap_test_map_windows(test, folios[i]);
		nr_maps += n;
		if (folio_size(folios[i]) == PMD_SIZE)
			nr_pmd_maps += n;
	}
	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	EPHMAP_EXPECT_EVENTS(test, before, after, map, nr_maps);
	EPHMAP_EXPECT_EVENTS(test, before, after, map_pmd, nr_pmd_maps);
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 0);
	EPHMAP_EXPECT_EVENTS(test, before, after, no_mm, 0);
}

static void ephmap_test_sixteen_nested_mappings_are_live_at_once(struct kunit *test)
{
	struct folio *folios[EPHMAP_NEST_MAX];
	void *addrs[EPHMAP_NEST_MAX];
	struct ephmap_test_events before, after;
	struct ephmap_test_mm *tm;
	unsigned long window, pfn = 0;
	unsigned int i;

	ephmap_test_require_window(test);

	for (i = 0; i < EPHMAP_NEST_MAX; i++) {
		folios[i] = ephmap_test_alloc_folio(test, 0, 100 + i);
		KUNIT_ASSERT_NOT_NULL(test, folios[i]);
	}

	tm = ephmap_test_enter_mm(test);
	ephmap_test_read_events(&before);

	for (i = 0; i < EPHMAP_NEST_MAX; i++)
		addrs[i] = ephmap_map_whole_folio(folios[i]);
	window = ephmap_cpu_window(ephmap_test_cpu());

	for (i = 0; i < EPHMAP_NEST_MAX; i++) {
		KUNIT_EXPECT_PTR_EQ_MSG(test, addrs[i],
					(void *)(window + i * EPHMAP_SLOT_SIZE),
					"slot %u", i);
		if (!addrs[i])
			continue;
		KUNIT_EXPECT_TRUE_MSG(test, ephmap_test_matches(addrs[i], folios[i],
								0, PAGE_SIZE),
				      "slot %u does not read its own folio", i);
		pfn = 0;
		KUNIT_EXPECT_TRUE_MSG(test,
				      ephmap_test_translates(tm->mm,
							     (unsigned long)addrs[i],
							     &pfn),
				      "slot %u not in the page tables", i);
		KUNIT_EXPECT_EQ_MSG(test, pfn, folio_pfn(folios[i]), "slot %u", i);
	}

	for (i = EPHMAP_NEST_MAX; i-- > 0; )
		ephmap_unmap(addrs[i]);

	for (i = 0; i < EPHMAP_NEST_MAX; i++)
		KUNIT_EXPECT_FALSE_MSG(test,
				       ephmap_test_translates(tm->mm,
							      window + i * EPHMAP_SLOT_SIZE,
							      &pfn),
				       "slot %u still mapped after unmap", i);

	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	EPHMAP_EXPECT_EVENTS(test, before, after, map, EPHMAP_NEST_MAX);
	EPHMAP_EXPECT_EVENTS(test, before, after, nesting, 0);
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 0);
}

/* A copy-on-write style copy: both folios mapped, copied from one to other. */
static void ephmap_test_copy_between_two_mapped_folios(struct kunit *test)
{
	struct folio *src, *dst;
	struct ephmap_test_mm *tm;
	void *s, *d;
	unsigned long window;

	ephmap_test_require_window(test);

	src = ephmap_test_alloc_folio(test, 0, 7);
	KUNIT_ASSERT_NOT_NULL(test, src);
	dst = ephmap_test_alloc_folio(test, 0, 8);
	KUNIT_ASSERT_NOT_NULL(test, dst);

	tm = ephmap_test_enter_mm(test);
	s = ephmap_map_whole_folio(src);
	d = ephmap_map_whole_folio(dst);
	window = ephmap_cpu_window(ephmap_test_cpu());
	KUNIT_EXPECT_PTR_EQ(test, s, (void *)window);
	KUNIT_EXPECT_PTR_EQ(test, d, (void *)(window + EPHMAP_SLOT_SIZE));
	if (s && d)
		memcpy(d, s, PAGE_SIZE);
	ephmap_unmap(d);
	ephmap_unmap(s);
	ephmap_test_leave_mm(tm);

	KUNIT_EXPECT_TRUE_MSG(test, ephmap_test_has_pattern(dst, 7),
			      "destination does not hold the source's bytes");
	KUNIT_EXPECT_TRUE_MSG(test, ephmap_test_has_pattern(src, 7),
			      "source changed");
}

static void ephmap_test_other_mm_does_not_translate_mapping(struct kunit *test)
{
	const size_t offset = 3 * PAGE_SIZE + 100;
	struct ephmap_test_mm *tm;
	struct mm_struct *other;
	struct folio *folio;
	unsigned long pfn = 0;
	void *addr;

	ephmap_test_require_window(test);

	folio = ephmap_test_alloc_folio(test, 4, 21);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	other = ephmap_test_spare_mm(test);

	tm = ephmap_test_enter_mm(test);
	addr = ephmap_map_folio(folio, offset, 200);
	KUNIT_EXPECT_TRUE(test, ephmap_addr_in_region((unsigned long)addr));

	pfn = 0;
	KUNIT_EXPECT_TRUE(test, ephmap_test_translates(tm->mm,
						       (unsigned long)addr, &pfn));
	KUNIT_EXPECT_EQ(test, pfn, folio_pfn(folio) + 3);
	KUNIT_EXPECT_FALSE(test, ephmap_test_translates(other,
							(unsigned long)addr, &pfn));
	KUNIT_EXPECT_FALSE(test, ephmap_test_translates(&init_mm,
							(unsigned long)addr, &pfn));

	ephmap_unmap(addr);
	ephmap_test_leave_mm(tm);
	kunit_release_action(test, ephmap_test_mmput, other);
}

/* Map @folio whole, read it, unmap it, and check the address is dead. */
static void ephmap_test_check_unmap_faults(struct kunit *test,
					   struct ephmap_test_mm *tm,
					   struct folio *folio, unsigned int seed)
{
	const size_t offset = folio_size(folio) - 5;
	struct ephmap_test_events before, after;
	unsigned long pfn = 0;
	u8 byte = 0, junk;
	long live, dead;
	void *addr;

	/* Stay on the CPU whose TLB is probed, after the unmap too. */
	migrate_disable();
	ephmap_test_read_events(&before);

	addr = ephmap_map_whole_folio(folio);
	/* Reading through the mapping also loads it into the TLB. */
	live = copy_from_kernel_nofault(&byte, addr + offset, 1);
	ephmap_unmap(addr);
	dead = copy_from_kernel_nofault(&junk, addr + offset, 1);

	ephmap_test_read_events(&after);
	migrate_enable();

	KUNIT_EXPECT_TRUE(test, ephmap_addr_in_region((unsigned long)addr));
	KUNIT_EXPECT_EQ_MSG(test, live, 0L, "order %u", folio_order(folio));
	KUNIT_EXPECT_NE_MSG(test, dead, 0L,
			    "order %u: address still readable after unmap",
			    folio_order(folio));
	KUNIT_EXPECT_FALSE(test, ephmap_test_translates(tm->mm,
							(unsigned long)addr, &pfn));
	if (!live)
		KUNIT_EXPECT_EQ(test, byte, ephmap_test_byte(seed, offset));
	if (IS_ENABLED(CONFIG_VM_EVENT_COUNTERS))
		KUNIT_EXPECT_GT(test,
				(after.flush_page - before.flush_page) +
				(after.flush_all - before.flush_all), 0UL);
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 0);
}

static void ephmap_test_unmapped_address_faults(struct kunit *test)
{
	struct ephmap_test_mm *tm;
	struct folio *small, *pmd;

	ephmap_test_require_window(test);

	small = ephmap_test_alloc_folio(test, 0, 31);
	KUNIT_ASSERT_NOT_NULL(test, small);
	pmd = ephmap_test_alloc_folio(test, PMD_ORDER, 32);
	if (!pmd)
		kunit_info(test, "no order-%u folio: PMD unmap not tested\n",
			   PMD_ORDER);

	tm = ephmap_test_enter_mm(test);
	ephmap_test_check_unmap_faults(test, tm, small, 31);
	if (pmd)
		ephmap_test_check_unmap_faults(test, tm, pmd, 32);
	ephmap_test_leave_mm(tm);
}

/* ---- Context switch ---------------------------------------------------- */

struct ephmap_test_sched {
	struct mm_struct *mm;
	struct folio *folio;
	struct completion done;
	/* What the helper saw, checked by the test thread. */
	void *addr;
	int cpu;
	bool read_back;
};

/*
 * Attach the test's mm, map the folio in slot 0 of this CPU's window, read
 * it, unmap and detach; then wait to be stopped.
 */
static int ephmap_test_sched_helper(void *data)
{
	struct ephmap_test_sched *ctx = data;
	void *addr;

	kthread_use_mm(ctx->mm);
	addr = ephmap_map_whole_folio(ctx->folio);
	ctx->cpu = raw_smp_processor_id();
	ctx->addr = addr;
	ctx->read_back = addr && ephmap_test_matches(addr, ctx->folio, 0,
						     folio_size(ctx->folio));
	ephmap_unmap(addr);
	kthread_unuse_mm(ctx->mm);
	complete(&ctx->done);

	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static void ephmap_test_mapping_survives_schedule(struct kunit *test)
{
	struct ephmap_test_events before, after;
	struct ephmap_test_sched ctx = { .cpu = -1 };
	struct task_struct *task;
	struct ephmap_test_mm *tm;
	struct folio *a, *b;
	unsigned long left = 0;
	bool a_after_wait = false, a_after_stop = false, b_seen = true;
	int stopped = -1;
	unsigned int cpu;
	void *addr;

	ephmap_test_require_window(test);

	a = ephmap_test_alloc_folio(test, 0, 41);
	KUNIT_ASSERT_NOT_NULL(test, a);
	b = ephmap_test_alloc_folio(test, 0, 42);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_FALSE(test, ephmap_test_matches(folio_address(a), b, 0,
						     PAGE_SIZE));

	tm = ephmap_test_enter_mm(test);
	ephmap_test_read_events(&before);

	addr = ephmap_map_whole_folio(a);
	/* Migration is off from here to the unmap. */
	cpu = ephmap_test_cpu();

	ctx.mm = tm->mm;
	ctx.folio = b;
	init_completion(&ctx.done);
	task = kthread_create(ephmap_test_sched_helper, &ctx, "ephmap_test/%u",
			      cpu);
	if (!IS_ERR(task)) {
		kthread_bind(task, cpu);
		wake_up_process(task);

		/*
		 * The helper can run on this CPU only once this thread is
		 * switched out, which the wait does if preemption did not.
		 */
		left = wait_for_completion_timeout(&ctx.done, 30 * HZ);
		a_after_wait = addr && ephmap_test_matches(addr, a, 0, PAGE_SIZE);
		b_seen = addr && ephmap_test_matches(addr, b, 0, PAGE_SIZE);

		stopped = kthread_stop(task);
		a_after_stop = addr && ephmap_test_matches(addr, a, 0, PAGE_SIZE);
	}

	ephmap_test_read_events(&after);
	ephmap_unmap(addr);
	ephmap_test_leave_mm(tm);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(task), "kthread_create: %ld",
			       PTR_ERR(task));
	KUNIT_EXPECT_PTR_EQ(test, addr, (void *)ephmap_cpu_window(cpu));
	KUNIT_EXPECT_NE_MSG(test, left, 0UL, "helper thread did not finish");
	KUNIT_EXPECT_EQ(test, stopped, 0);

	/* The helper took the same slot of the same CPU, and saw its folio. */
	KUNIT_EXPECT_EQ(test, ctx.cpu, (int)cpu);
	KUNIT_EXPECT_PTR_EQ(test, ctx.addr, addr);
	KUNIT_EXPECT_TRUE(test, ctx.read_back);

	/* The test thread's mapping came back when it was switched in. */
	KUNIT_EXPECT_TRUE_MSG(test, a_after_wait,
			      "mapping lost its folio across schedule()");
	KUNIT_EXPECT_FALSE_MSG(test, b_seen,
			       "mapping reads the helper's folio");
	KUNIT_EXPECT_TRUE(test, a_after_stop);

	EPHMAP_EXPECT_EVENTS_MOVED(test, before, after, sched_out);
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 0);
}

/*
 * A mapping stays valid while its holder takes, and sleeps in, a page fault
 * on the user buffer it copies to: the first touch of fresh anonymous
 * memory allocates a page.
 */
static void ephmap_test_mapping_survives_user_fault(struct kunit *test)
{
	struct ephmap_test_mm *tm;
	struct folio *folio;
	unsigned long uaddr, not_copied = PAGE_SIZE, not_read = PAGE_SIZE;
	bool mapped_user = false, still_reads = false;
	unsigned int cpu = 0, cpu_after = 1;
	unsigned long faults = 0;
	void *addr, *buf;

	ephmap_test_require_window(test);

	folio = ephmap_test_alloc_folio(test, 0, 51);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	tm = ephmap_test_enter_mm(test);
	/* What exec would set up, so that vm_mmap() can place a mapping. */
	tm->mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(tm->mm, &current->signal->rlim[RLIMIT_STACK]);
	uaddr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_ANONYMOUS | MAP_PRIVATE, 0);
	mapped_user = !IS_ERR_VALUE(uaddr);

	addr = ephmap_map_whole_folio(folio);
	cpu = ephmap_test_cpu();
	if (mapped_user) {
		faults = current->min_flt + current->maj_flt;
		not_copied = copy_to_user((void __user *)uaddr, addr, PAGE_SIZE);
		faults = current->min_flt + current->maj_flt - faults;
	}
	cpu_after = ephmap_test_cpu();
	still_reads = addr && ephmap_test_matches(addr, folio, 0, PAGE_SIZE);
	ephmap_unmap(addr);

	if (mapped_user) {
		not_read = copy_from_user(buf, (void __user *)uaddr, PAGE_SIZE);
		vm_munmap(uaddr, PAGE_SIZE);
	}
	ephmap_test_leave_mm(tm);

	KUNIT_ASSERT_TRUE_MSG(test, mapped_user, "vm_mmap: %ld", (long)uaddr);
	KUNIT_EXPECT_EQ(test, not_copied, 0UL);
	KUNIT_EXPECT_GE_MSG(test, faults, 1UL, "the copy took no page fault");
	KUNIT_EXPECT_EQ(test, cpu_after, cpu);
	KUNIT_EXPECT_TRUE(test, still_reads);
	KUNIT_EXPECT_EQ(test, not_read, 0UL);
	KUNIT_EXPECT_TRUE(test, ephmap_test_matches(buf, folio, 0, PAGE_SIZE));
}

/* ---- Page tables ------------------------------------------------------- */

static void ephmap_test_page_tables_freed_at_mm_teardown(struct kunit *test)
{
	long per_mm = ephmap_enabled() ? ephmap_pgtable_pages_per_mm() : 0;
	struct mm_struct *mm1, *mm2;
	long n0;

	if (ephmap_enabled())
		KUNIT_EXPECT_GT(test, per_mm, 0L);

	n0 = ephmap_nr_pgtable_pages();
	mm1 = ephmap_test_spare_mm(test);
	KUNIT_EXPECT_EQ(test, ephmap_nr_pgtable_pages(), n0 + per_mm);
	mm2 = ephmap_test_spare_mm(test);
	KUNIT_EXPECT_EQ(test, ephmap_nr_pgtable_pages(), n0 + 2 * per_mm);

	/* Neither mm was ever used: mmput() frees them at once. */
	kunit_release_action(test, ephmap_test_mmput, mm1);
	KUNIT_EXPECT_EQ(test, ephmap_nr_pgtable_pages(), n0 + per_mm);
	kunit_release_action(test, ephmap_test_mmput, mm2);
	KUNIT_EXPECT_EQ(test, ephmap_nr_pgtable_pages(), n0);
}

/* ---- Fallbacks --------------------------------------------------------- */

static void ephmap_test_kthread_without_mm_gets_physmap(struct kunit *test)
{
	const size_t offset = PAGE_SIZE + 7;
	struct ephmap_test_events before, after;
	struct folio *folio;
	void *addr, *whole;

	folio = ephmap_test_alloc_folio(test, 4, 51);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_ASSERT_NULL(test, current->mm);

	ephmap_test_read_events(&before);
	addr = ephmap_map_folio(folio, offset, 100);
	whole = ephmap_map_whole_folio(folio);
	ephmap_unmap(whole);
	ephmap_unmap(addr);
	ephmap_test_read_events(&after);

	KUNIT_EXPECT_PTR_EQ(test, addr, folio_address(folio) + offset);
	KUNIT_EXPECT_PTR_EQ(test, whole, folio_address(folio));
	KUNIT_EXPECT_FALSE(test, ephmap_addr_in_region((unsigned long)addr));
	/* The unmaps were no-ops: nothing changed, nothing complained. */
	KUNIT_EXPECT_TRUE(test, ephmap_test_has_pattern(folio, 51));
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 0);
	if (ephmap_enabled())
		EPHMAP_EXPECT_EVENTS(test, before, after, no_mm, 2);
}

static void ephmap_test_disabled_ephmap_maps_through_physmap(struct kunit *test)
{
	const size_t offset = 2 * PAGE_SIZE + 9;
	struct ephmap_test_events before, after;
	struct ephmap_test_mm *tm;
	struct folio *folio;
	void *addr, *whole, *atomic;

	if (ephmap_enabled())
		kunit_skip(test, "ephmap is on (this case is for ephmap=off)");

	folio = ephmap_test_alloc_folio(test, 4, 61);
	KUNIT_ASSERT_NOT_NULL(test, folio);

	/* Even a thread with an mm gets the physmap. */
	tm = ephmap_test_enter_mm(test);
	ephmap_test_read_events(&before);
	addr = ephmap_map_folio(folio, offset, 300);
	whole = ephmap_map_whole_folio(folio);
	preempt_disable();
	atomic = ephmap_map_folio_atomic(folio, offset, 300);
	ephmap_unmap(atomic);
	preempt_enable();
	ephmap_unmap(whole);
	ephmap_unmap(addr);
	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	KUNIT_EXPECT_PTR_EQ(test, addr, folio_address(folio) + offset);
	KUNIT_EXPECT_PTR_EQ(test, whole, folio_address(folio));
	KUNIT_EXPECT_PTR_EQ(test, atomic, folio_address(folio) + offset);
	KUNIT_EXPECT_FALSE(test, ephmap_addr_in_region((unsigned long)addr));
	KUNIT_EXPECT_TRUE(test, ephmap_test_has_pattern(folio, 61));
	EPHMAP_EXPECT_EVENTS(test, before, after, map, 0);
	EPHMAP_EXPECT_EVENTS(test, before, after, map_pmd, 0);
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 0);
}

/* ---- Misuse ------------------------------------------------------------ */

static void ephmap_test_map_beyond_folio_returns_null(struct kunit *test)
{
	struct ephmap_test_events before, after;
	struct ephmap_test_range bad[4];
	void *bad_addr[ARRAY_SIZE(bad)];
	struct ephmap_test_mm *tm;
	struct folio *folio;
	void *first, *next;
	bool next_reads = false;
	unsigned int cpu, i;
	size_t size;

	ephmap_test_require_window(test);

	folio = ephmap_test_alloc_folio(test, 4, 71);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	size = folio_size(folio);
	bad[0] = (struct ephmap_test_range){ size - 10, 11 };	/* one past */
	bad[1] = (struct ephmap_test_range){ 0, 0 };		/* empty */
	bad[2] = (struct ephmap_test_range){ size, 1 };		/* after it */
	bad[3] = (struct ephmap_test_range){ 0, size + 1 };	/* too long */

	tm = ephmap_test_enter_mm(test);
	ephmap_test_read_events(&before);

	/* Hold one mapping, so that a slot taken by mistake would show. */
	first = ephmap_map_folio(folio, 0, PAGE_SIZE);
	cpu = ephmap_test_cpu();

	ephmap_test_expect_warn_begin();
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		bad_addr[i] = ephmap_map_folio(folio, bad[i].offset, bad[i].len);
	ephmap_test_expect_warn_end();

	next = ephmap_map_folio(folio, PAGE_SIZE, PAGE_SIZE);
	if (next)
		next_reads = ephmap_test_matches(next, folio, PAGE_SIZE, PAGE_SIZE);
	ephmap_unmap(next);
	ephmap_unmap(first);

	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_NULL_MSG(test, bad_addr[i], "bytes [%zu, +%zu)",
				      bad[i].offset, bad[i].len);
	KUNIT_EXPECT_PTR_EQ(test, first, (void *)ephmap_cpu_window(cpu));
	KUNIT_EXPECT_PTR_EQ(test, next,
			    (void *)(ephmap_cpu_window(cpu) + EPHMAP_SLOT_SIZE));
	KUNIT_EXPECT_TRUE(test, next_reads);
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, ARRAY_SIZE(bad));
	EPHMAP_EXPECT_EVENTS(test, before, after, map, 2);
}

static void ephmap_test_seventeenth_mapping_falls_back_to_physmap(struct kunit *test)
{
	struct ephmap_test_events before, after;
	void *addrs[EPHMAP_NEST_MAX];
	struct ephmap_test_mm *tm;
	struct folio *folio;
	void *extra, *again;
	bool last_reads = false, extra_reads = false;
	unsigned int cpu, again_cpu, i;
	unsigned long window;

	ephmap_test_require_window(test);

	folio = ephmap_test_alloc_folio(test, 0, 81);
	KUNIT_ASSERT_NOT_NULL(test, folio);

	tm = ephmap_test_enter_mm(test);
	ephmap_test_read_events(&before);

	for (i = 0; i < EPHMAP_NEST_MAX; i++)
		addrs[i] = ephmap_map_whole_folio(folio);
	cpu = ephmap_test_cpu();

	ephmap_test_expect_warn_begin();
	extra = ephmap_map_whole_folio(folio);
	ephmap_test_expect_warn_end();

	if (extra)
		extra_reads = ephmap_test_matches(extra, folio, 0, PAGE_SIZE);
	if (addrs[EPHMAP_NEST_MAX - 1])
		last_reads = ephmap_test_matches(addrs[EPHMAP_NEST_MAX - 1],
						 folio, 0, PAGE_SIZE);

	/* The physmap address: a no-op, and no misuse. */
	ephmap_unmap(extra);
	for (i = EPHMAP_NEST_MAX; i-- > 0; )
		ephmap_unmap(addrs[i]);

	/* Back to depth 0: the next mapping takes slot 0. */
	again = ephmap_map_whole_folio(folio);
	again_cpu = ephmap_test_cpu();
	ephmap_unmap(again);

	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	window = ephmap_cpu_window(cpu);
	for (i = 0; i < EPHMAP_NEST_MAX; i++)
		KUNIT_EXPECT_PTR_EQ_MSG(test, addrs[i],
					(void *)(window + i * EPHMAP_SLOT_SIZE),
					"slot %u", i);
	KUNIT_EXPECT_PTR_EQ(test, extra, folio_address(folio));
	KUNIT_EXPECT_TRUE(test, extra_reads);
	KUNIT_EXPECT_TRUE(test, last_reads);
	KUNIT_EXPECT_PTR_EQ(test, again, (void *)ephmap_cpu_window(again_cpu));
	EPHMAP_EXPECT_EVENTS(test, before, after, nesting, 1);
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 0);
}

static void ephmap_test_out_of_order_unmap_keeps_others_valid(struct kunit *test)
{
	struct ephmap_test_events before, after;
	struct folio *folios[3];
	void *addrs[3], *again;
	struct ephmap_test_mm *tm;
	bool reads[3] = { }, maps[3] = { }, gone[3] = { };
	bool mid_gone, mid_faults;
	unsigned int cpu, again_cpu, i;
	unsigned long pfn = 0;
	u8 byte;

	ephmap_test_require_window(test);

	for (i = 0; i < ARRAY_SIZE(folios); i++) {
		folios[i] = ephmap_test_alloc_folio(test, 0, 91 + i);
		KUNIT_ASSERT_NOT_NULL(test, folios[i]);
	}

	tm = ephmap_test_enter_mm(test);
	ephmap_test_read_events(&before);

	for (i = 0; i < ARRAY_SIZE(folios); i++)
		addrs[i] = ephmap_map_whole_folio(folios[i]);
	cpu = ephmap_test_cpu();

	/* Unmap the middle one first. */
	ephmap_test_expect_warn_begin();
	ephmap_unmap(addrs[1]);
	ephmap_test_expect_warn_end();

	mid_gone = !ephmap_test_translates(tm->mm, (unsigned long)addrs[1], &pfn);
	mid_faults = copy_from_kernel_nofault(&byte, addrs[1], 1) != 0;
	for (i = 0; i < ARRAY_SIZE(folios); i += 2) {
		pfn = 0;
		maps[i] = ephmap_test_translates(tm->mm, (unsigned long)addrs[i],
						 &pfn) &&
			  pfn == folio_pfn(folios[i]);
		reads[i] = maps[i] && ephmap_test_matches(addrs[i], folios[i], 0,
							  PAGE_SIZE);
	}

	/* The rest, in order: no further misuse. */
	ephmap_unmap(addrs[2]);
	ephmap_unmap(addrs[0]);
	for (i = 0; i < ARRAY_SIZE(folios); i++)
		gone[i] = !ephmap_test_translates(tm->mm,
						  (unsigned long)addrs[i], &pfn);

	again = ephmap_map_whole_folio(folios[0]);
	again_cpu = ephmap_test_cpu();
	ephmap_unmap(again);

	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	for (i = 0; i < ARRAY_SIZE(folios); i++)
		KUNIT_EXPECT_PTR_EQ_MSG(test, addrs[i],
					(void *)(ephmap_cpu_window(cpu) +
						 i * EPHMAP_SLOT_SIZE),
					"slot %u", i);
	KUNIT_EXPECT_TRUE(test, mid_gone);
	KUNIT_EXPECT_TRUE(test, mid_faults);
	for (i = 0; i < ARRAY_SIZE(folios); i += 2) {
		KUNIT_EXPECT_TRUE_MSG(test, maps[i], "slot %u lost", i);
		KUNIT_EXPECT_TRUE_MSG(test, reads[i], "slot %u reads wrong", i);
	}
	for (i = 0; i < ARRAY_SIZE(folios); i++)
		KUNIT_EXPECT_TRUE_MSG(test, gone[i], "slot %u left mapped", i);
	KUNIT_EXPECT_PTR_EQ(test, again, (void *)ephmap_cpu_window(again_cpu));
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 1);
}

static void ephmap_test_unmap_of_unmapped_address_has_no_effect(struct kunit *test)
{
	struct ephmap_test_events before, after;
	struct ephmap_test_mm *tm;
	struct folio *folio;
	void *addr, *again;
	bool still_maps, still_reads;
	unsigned int cpu, again_cpu;
	unsigned long window, pfn = 0;

	ephmap_test_require_window(test);

	folio = ephmap_test_alloc_folio(test, 0, 101);
	KUNIT_ASSERT_NOT_NULL(test, folio);

	tm = ephmap_test_enter_mm(test);
	ephmap_test_read_events(&before);

	/* Keep this CPU's window for the double unmap below, too. */
	migrate_disable();
	addr = ephmap_map_whole_folio(folio);
	cpu = ephmap_test_cpu();
	window = ephmap_cpu_window(cpu);

	ephmap_test_expect_warn_begin();
	/* A slot this task does not use. */
	ephmap_unmap((void *)(window + 5 * EPHMAP_SLOT_SIZE + 0x10));
	ephmap_test_expect_warn_end();

	pfn = 0;
	still_maps = ephmap_test_translates(tm->mm, (unsigned long)addr, &pfn) &&
		     pfn == folio_pfn(folio);
	still_reads = still_maps && ephmap_test_matches(addr, folio, 0,
							PAGE_SIZE);
	ephmap_unmap(addr);

	ephmap_test_expect_warn_begin();
	/* Twice. */
	ephmap_unmap(addr);
	ephmap_test_expect_warn_end();
	migrate_enable();

	again = ephmap_map_whole_folio(folio);
	again_cpu = ephmap_test_cpu();
	ephmap_unmap(again);

	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	KUNIT_EXPECT_PTR_EQ(test, addr, (void *)window);
	KUNIT_EXPECT_TRUE(test, still_maps);
	KUNIT_EXPECT_TRUE(test, still_reads);
	KUNIT_EXPECT_PTR_EQ(test, again, (void *)ephmap_cpu_window(again_cpu));
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 2);
	EPHMAP_EXPECT_EVENTS(test, before, after, map, 2);
}

static void ephmap_test_atomic_map_while_preemptible_falls_back(struct kunit *test)
{
	struct ephmap_test_events before, after;
	struct ephmap_test_mm *tm;
	struct folio *folio;
	void *addr, *again;
	unsigned int again_cpu;

	ephmap_test_require_window(test);
	if (!IS_ENABLED(CONFIG_PREEMPT_COUNT))
		kunit_skip(test, "preemptible() needs CONFIG_PREEMPT_COUNT");

	folio = ephmap_test_alloc_folio(test, 0, 111);
	KUNIT_ASSERT_NOT_NULL(test, folio);

	tm = ephmap_test_enter_mm(test);
	ephmap_test_read_events(&before);

	ephmap_test_expect_warn_begin();
	addr = ephmap_map_folio_atomic(folio, 8, 16);
	ephmap_test_expect_warn_end();
	/* The physmap address: a no-op. */
	ephmap_unmap(addr);

	again = ephmap_map_whole_folio(folio);
	again_cpu = ephmap_test_cpu();
	ephmap_unmap(again);

	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	KUNIT_EXPECT_PTR_EQ(test, addr, folio_address(folio) + 8);
	KUNIT_EXPECT_PTR_EQ(test, again, (void *)ephmap_cpu_window(again_cpu));
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 1);
}

/* ---- Atomic mappings --------------------------------------------------- */

static void ephmap_test_atomic_map_with_preemption_or_irqs_off(struct kunit *test)
{
	const size_t off1 = 2 * PAGE_SIZE + 3, len1 = 500;
	const size_t off2 = PAGE_SIZE - 8, len2 = 16;
	const size_t off3 = 5 * PAGE_SIZE;
	struct ephmap_test_events before, after;
	struct ephmap_test_mm *tm;
	struct folio *folio;
	void *addr1, *addr2, *outer, *inner;
	bool ok1, ok2, ok_inner, ok_outer;
	unsigned int cpu1, cpu2, cpu3;
	unsigned long flags;

	ephmap_test_require_window(test);

	folio = ephmap_test_alloc_folio(test, 4, 121);
	KUNIT_ASSERT_NOT_NULL(test, folio);

	tm = ephmap_test_enter_mm(test);
	ephmap_test_read_events(&before);

	/* Nothing below may sleep, report or allocate until re-enabled. */
	preempt_disable();
	cpu1 = smp_processor_id();
	addr1 = ephmap_map_folio_atomic(folio, off1, len1);
	ok1 = addr1 && ephmap_test_matches(addr1, folio, off1, len1);
	ephmap_unmap(addr1);
	preempt_enable();

	local_irq_save(flags);
	cpu2 = smp_processor_id();
	addr2 = ephmap_map_folio_atomic(folio, off2, len2);
	ok2 = addr2 && ephmap_test_matches(addr2, folio, off2, len2);
	ephmap_unmap(addr2);
	local_irq_restore(flags);

	/* Nested in a sleepable mapping, it takes the next slot. */
	outer = ephmap_map_folio(folio, 0, PAGE_SIZE);
	preempt_disable();
	cpu3 = smp_processor_id();
	inner = ephmap_map_folio_atomic(folio, off3, PAGE_SIZE);
	ok_inner = inner && ephmap_test_matches(inner, folio, off3, PAGE_SIZE);
	ephmap_unmap(inner);
	preempt_enable();
	ok_outer = outer && ephmap_test_matches(outer, folio, 0, PAGE_SIZE);
	ephmap_unmap(outer);

	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	KUNIT_EXPECT_PTR_EQ(test, addr1, ephmap_test_slot_addr(cpu1, 0, folio, off1));
	KUNIT_EXPECT_TRUE(test, ok1);
	KUNIT_EXPECT_PTR_EQ(test, addr2, ephmap_test_slot_addr(cpu2, 0, folio, off2));
	KUNIT_EXPECT_TRUE(test, ok2);
	KUNIT_EXPECT_PTR_EQ(test, outer, ephmap_test_slot_addr(cpu3, 0, folio, 0));
	KUNIT_EXPECT_PTR_EQ(test, inner, ephmap_test_slot_addr(cpu3, 1, folio, off3));
	KUNIT_EXPECT_TRUE(test, ok_inner);
	KUNIT_EXPECT_TRUE(test, ok_outer);
	EPHMAP_EXPECT_EVENTS(test, before, after, map, 4);
	EPHMAP_EXPECT_EVENTS(test, before, after, context, 0);
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 0);
}

#ifdef CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION
static unsigned long ephmap_test_this_cpu_asi_exits(void)
{
	return this_cpu_read(vm_event_states.event[ASI_EXITS_FAULT]) +
	       this_cpu_read(vm_event_states.event[ASI_EXITS_EXPLICIT]);
}

/*
 * The point of the ephmap under ASI: a folio the restricted direct map
 * leaves out is copied through the window with no exit, while a read
 * through the direct map exits exactly once.  Exits are counted on this
 * CPU, with migration off; only this folio is sensitive.
 */
static void ephmap_test_sensitive_folio_reads_without_asi_exit(struct kunit *test)
{
	unsigned long exits_window, exits_physmap, exits0, i;
	bool pattern_ok = true, restricted = false;
	struct ephmap_test_mm *tm;
	struct folio *folio;
	const u8 *addr;
	u8 direct = 0;

	ephmap_test_require_window(test);
	if (!asi_enabled())
		kunit_skip(test, "needs asi=on");
	folio = ephmap_test_alloc_folio(test, PMD_SHIFT - PAGE_SHIFT, 31);
	if (!folio)
		kunit_skip(test, "no 2 MiB folio to be had");
	KUNIT_ASSERT_EQ(test, asi_set_sensitive(folio_pfn(folio),
						folio_nr_pages(folio)), 0);

	tm = ephmap_test_enter_mm(test);
	migrate_disable();
	asi_enter();
	exits0 = ephmap_test_this_cpu_asi_exits();
	addr = ephmap_map_folio(folio, 0, folio_size(folio));
	for (i = 0; i < folio_size(folio); i += 61)
		if (addr[i] != ephmap_test_byte(31, i))
			pattern_ok = false;
	ephmap_unmap(addr);
	restricted = asi_is_restricted();
	exits_window = ephmap_test_this_cpu_asi_exits() - exits0;

	direct = READ_ONCE(*(u8 *)folio_address(folio));
	exits_physmap = ephmap_test_this_cpu_asi_exits() - exits0 - exits_window;
	migrate_enable();
	ephmap_test_leave_mm(tm);
	asi_set_nonsensitive(folio_pfn(folio), folio_nr_pages(folio));

	KUNIT_EXPECT_TRUE(test, ephmap_addr_in_region((unsigned long)addr));
	KUNIT_EXPECT_TRUE(test, pattern_ok);
	KUNIT_EXPECT_TRUE(test, restricted);
	KUNIT_EXPECT_EQ(test, exits_window, 0UL);
	KUNIT_EXPECT_EQ(test, exits_physmap, 1UL);
	KUNIT_EXPECT_EQ(test, direct, ephmap_test_byte(31, 0));
}

#endif /* CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION */

static struct kunit_case ephmap_test_cases[] = {
	KUNIT_CASE(ephmap_test_whole_folio_and_windows_read_back),
	KUNIT_CASE(ephmap_test_sixteen_nested_mappings_are_live_at_once),
	KUNIT_CASE(ephmap_test_copy_between_two_mapped_folios),
	KUNIT_CASE(ephmap_test_other_mm_does_not_translate_mapping),
	KUNIT_CASE(ephmap_test_unmapped_address_faults),
	KUNIT_CASE(ephmap_test_mapping_survives_schedule),
	KUNIT_CASE(ephmap_test_mapping_survives_user_fault),
	KUNIT_CASE(ephmap_test_page_tables_freed_at_mm_teardown),
	KUNIT_CASE(ephmap_test_kthread_without_mm_gets_physmap),
	KUNIT_CASE(ephmap_test_disabled_ephmap_maps_through_physmap),
	KUNIT_CASE(ephmap_test_map_beyond_folio_returns_null),
	KUNIT_CASE(ephmap_test_seventeenth_mapping_falls_back_to_physmap),
	KUNIT_CASE(ephmap_test_out_of_order_unmap_keeps_others_valid),
	KUNIT_CASE(ephmap_test_unmap_of_unmapped_address_has_no_effect),
	KUNIT_CASE(ephmap_test_atomic_map_while_preemptible_falls_back),
	KUNIT_CASE(ephmap_test_atomic_map_with_preemption_or_irqs_off),
#ifdef CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION
	KUNIT_CASE(ephmap_test_sensitive_folio_reads_without_asi_exit),
#endif
	{}
};

static struct kunit_suite ephmap_test_suite = {
	.name = "ephmap",
	.test_cases = ephmap_test_cases,
};
kunit_test_suite(ephmap_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests for the ephmap");
MODULE_LICENSE("GPL");
