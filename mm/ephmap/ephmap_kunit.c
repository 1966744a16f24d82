// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the ephmap: per-CPU rings of slots in an mm-local region,
 * where a kernel path maps a folio for the length of one copy.
 *
 * The suite checks that:
 *  - a mapping reads back the folio it maps (4 KiB, 64 KiB and 2 MiB
 *    folios, whole and in windows, PTE and PMD slots) from this CPU's
 *    ring, translates in its own mm only, and leaves a zero entry behind;
 *  - mappings nest, in any order, until a ring wrap would have to carry
 *    more than EPHMAP_CARRY_MAX live ones; then, and for interrupts and
 *    kernel threads that may not map, the direct map;
 *  - steady state costs at most one full flush per ring of mappings, and
 *    no slot is written twice between two flushes, not even one that was
 *    live across a wrap;
 *  - the folio reference: taken at the map, dropped once no TLB can
 *    reach the folio;
 *  - the TLB invariant: once the ephmap lets go of a folio, neither the
 *    CPU that mapped it nor another CPU running the mm can read it through
 *    its old address.  QEMU's TCG keeps a translation until the guest
 *    invalidates it, so a probe that still reads there is a real miss;
 *  - page tables follow use and go with the mm;
 *  - misuse gives the documented result.
 *
 * Cases that need the ephmap skip when it is off (boot with ephmap=on or
 * asi=on).  The KUnit thread is a kernel thread without an mm: a case
 * attaches a fresh one with kthread_use_mm() and ephmap_kthread_may_map(),
 * pinned to its CPU, so that the mm is loaded on that CPU only.
 *
 * Mappings are atomic: while one is held nothing may sleep, and KUNIT_*()
 * reporting allocates, so results are collected in locals and checked
 * after the unmap.  Each held mapping takes a preempt count, whose
 * PREEMPT_MASK has 8 bits: no case holds more than EPHMAP_CARRY_MAX + 1.
 * Between ephmap_test_enter_mm() and ephmap_test_leave_mm() nothing may
 * abort the case (KUNIT_ASSERT_*(), kunit_skip()).  A WARN that a case
 * provokes on purpose is framed by "expect WARN begin/end" lines that the
 * test harness looks for.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/asi.h>
#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/ephmap.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mmu_context.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/swap.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>

#include "internal.h"

/* Waits for another thread; generous, as TCG is slow. */
#define EPHMAP_TEST_TIMEOUT	(30 * HZ)
/* Longest a thread spins with a mapping (so preemption) held. */
#define EPHMAP_TEST_SPIN	(5 * HZ)
/* Bytes one probe reads. */
#define EPHMAP_TEST_PROBE	64
/* Map+unmap cycles of the steady-state case: twenty rings. */
#define EPHMAP_TEST_CYCLES	(20 * EPHMAP_RING_SLOTS)
/* Most CPUs the page-table case maps on. */
#define EPHMAP_TEST_PGT_CPUS	16
/* Mappings nested at once by the nesting cases: kmap_local's depth. */
#define EPHMAP_TEST_NEST	16

/* ---- Expected WARNs ---------------------------------------------------- */

static void ephmap_test_expect_warn_begin(void)
{
	pr_info("ephmap_test: expect WARN begin\n");
}

static void ephmap_test_expect_warn_end(void)
{
	pr_info("ephmap_test: expect WARN end\n");
}

/* ---- Events: /proc/vmstat's and the debugfs stats ---------------------- */

struct ephmap_test_events {
	unsigned long map;
	unsigned long fallback;		/* /proc/vmstat's: the sum of the four */
	unsigned long map_pmd;
	unsigned long no_mm;
	unsigned long context;
	unsigned long nesting;
	unsigned long reserve;
	unsigned long misuse;
	unsigned long flush_all;
	unsigned long flush_remote;
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
	ev->fallback = ephmap_test_event(EPHMAP_FALLBACK);
	ev->map_pmd = ephmap_stat_sum(EPHMAP_STAT_MAP_PMD);
	ev->no_mm = ephmap_stat_sum(EPHMAP_STAT_FALLBACK_NO_MM);
	ev->context = ephmap_stat_sum(EPHMAP_STAT_FALLBACK_CONTEXT);
	ev->nesting = ephmap_stat_sum(EPHMAP_STAT_FALLBACK_NESTING);
	ev->reserve = ephmap_stat_sum(EPHMAP_STAT_FALLBACK_RESERVE);
	ev->misuse = ephmap_stat_sum(EPHMAP_STAT_MISUSE);
	ev->flush_all = ephmap_stat_sum(EPHMAP_STAT_FLUSH_ALL);
	ev->flush_remote = ephmap_stat_sum(EPHMAP_STAT_FLUSH_REMOTE);
}

/* One event as counted on this CPU; call pinned or mapped. */
static unsigned long ephmap_test_this_cpu_event(enum vm_event_item item)
{
#ifdef CONFIG_VM_EVENT_COUNTERS
	return this_cpu_read(vm_event_states.event[item]);
#else
	return 0;
#endif
}

static unsigned long ephmap_test_this_cpu_stat(enum ephmap_stat_item item)
{
	return ephmap_stat_cpu(item, raw_smp_processor_id());
}

/*
 * This CPU's share only: with a mapping held, nothing else runs here but
 * interrupts, so what moves is the case's own doing.
 */
static void ephmap_test_read_this_cpu_events(struct ephmap_test_events *ev)
{
	ev->map = ephmap_test_this_cpu_event(EPHMAP_MAP);
	ev->fallback = ephmap_test_this_cpu_event(EPHMAP_FALLBACK);
	ev->map_pmd = ephmap_test_this_cpu_stat(EPHMAP_STAT_MAP_PMD);
	ev->no_mm = ephmap_test_this_cpu_stat(EPHMAP_STAT_FALLBACK_NO_MM);
	ev->context = ephmap_test_this_cpu_stat(EPHMAP_STAT_FALLBACK_CONTEXT);
	ev->nesting = ephmap_test_this_cpu_stat(EPHMAP_STAT_FALLBACK_NESTING);
	ev->reserve = ephmap_test_this_cpu_stat(EPHMAP_STAT_FALLBACK_RESERVE);
	ev->misuse = ephmap_test_this_cpu_stat(EPHMAP_STAT_MISUSE);
	ev->flush_all = ephmap_test_this_cpu_stat(EPHMAP_STAT_FLUSH_ALL);
	ev->flush_remote = ephmap_test_this_cpu_stat(EPHMAP_STAT_FLUSH_REMOTE);
}

/* Full local flushes counted on this CPU; call pinned or mapped. */
static unsigned long ephmap_test_this_cpu_flushes(void)
{
	return ephmap_test_this_cpu_stat(EPHMAP_STAT_FLUSH_ALL);
}

/* Expect @field to have moved by exactly @n between @before and @after. */
#define EPHMAP_EXPECT_EVENTS(test, before, after, field, n)			\
	do {									\
		if (IS_ENABLED(CONFIG_VM_EVENT_COUNTERS))			\
			KUNIT_EXPECT_EQ_MSG(test,				\
					    (after).field - (before).field,	\
					    (unsigned long)(n),			\
					    "event: " #field);		\
	} while (0)

/* Expect no mapping to have fallen back or been refused. */
#define EPHMAP_EXPECT_NO_FALLBACK(test, before, after)				\
	do {									\
		EPHMAP_EXPECT_EVENTS(test, before, after, fallback, 0);	\
		EPHMAP_EXPECT_EVENTS(test, before, after, no_mm, 0);		\
		EPHMAP_EXPECT_EVENTS(test, before, after, context, 0);		\
		EPHMAP_EXPECT_EVENTS(test, before, after, nesting, 0);		\
		EPHMAP_EXPECT_EVENTS(test, before, after, reserve, 0);		\
		EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 0);		\
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

/* Whether @folio (read through the direct map) still holds @seed's pattern. */
static bool ephmap_test_has_pattern(struct folio *folio, unsigned int seed)
{
	const u8 *p = folio_address(folio);
	size_t i;

	for (i = 0; i < folio_size(folio); i++)
		if (p[i] != ephmap_test_byte(seed, i))
			return false;
	return true;
}

/*
 * Whether @addr reads bytes [@offset, +@len) of @seed's pattern.  Computed,
 * not compared with the direct map: that may be a sensitive page under ASI.
 */
static bool ephmap_test_reads(const void *addr, unsigned int seed,
			      size_t offset, size_t len)
{
	const u8 *p = addr;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != ephmap_test_byte(seed, offset + i))
			return false;
	return true;
}

static void ephmap_test_pattern(u8 *buf, unsigned int seed, size_t offset,
				size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = ephmap_test_byte(seed, offset + i);
}

KUNIT_DEFINE_ACTION_WRAPPER(ephmap_test_folio_put, folio_put, struct folio *);
KUNIT_DEFINE_ACTION_WRAPPER(ephmap_test_fput, fput, struct file *);

/*
 * A folio of @order filled with @seed's pattern, put when the case ends;
 * NULL if it cannot be had (large orders may fail on a fragmented system).
 */
static struct folio *ephmap_test_alloc_folio_gfp(struct kunit *test, gfp_t gfp,
						 unsigned int order,
						 unsigned int seed)
{
	struct folio *folio;

	folio = folio_alloc(gfp | __GFP_NOWARN, order);
	if (!folio)
		return NULL;
	if (kunit_add_action_or_reset(test, ephmap_test_folio_put, folio))
		return NULL;
	ephmap_test_fill(folio, seed);
	return folio;
}

static struct folio *ephmap_test_alloc_folio(struct kunit *test,
					     unsigned int order,
					     unsigned int seed)
{
	return ephmap_test_alloc_folio_gfp(test, GFP_KERNEL, order, seed);
}

/* ---- Addresses and probes ---------------------------------------------- */

/* Pages a window spans: more than EPHMAP_PTE_WINDOW_MAX takes a PMD slot. */
static bool ephmap_test_window_is_pmd(size_t offset, size_t len)
{
	return ((offset + len - 1) >> PAGE_SHIFT) - (offset >> PAGE_SHIFT) + 1 >
	       EPHMAP_PTE_WINDOW_MAX;
}

static unsigned long ephmap_test_ring(unsigned int cpu, bool pmd)
{
	return pmd ? ephmap_pmd_ring(cpu) : ephmap_pte_ring(cpu);
}

/* Slot of @addr in @cpu's PTE or PMD ring; EPHMAP_RING_SLOTS if outside. */
static unsigned int ephmap_test_slot(const void *addr, unsigned int cpu,
				     bool pmd)
{
	unsigned long a = (unsigned long)addr, ring = ephmap_test_ring(cpu, pmd);
	unsigned long slot;

	if (!ephmap_addr_in_region(a) || a < ring)
		return EPHMAP_RING_SLOTS;
	slot = (a - ring) >> (pmd ? PMD_SHIFT : PAGE_SHIFT);
	return min_t(unsigned long, slot, EPHMAP_RING_SLOTS);
}

/* Whether [@addr, +@len) lies in @cpu's PTE or PMD ring. */
static bool ephmap_test_in_ring(const void *addr, size_t len, unsigned int cpu,
				bool pmd)
{
	unsigned long a = (unsigned long)addr, ring = ephmap_test_ring(cpu, pmd);
	unsigned long size = EPHMAP_RING_SLOTS * (pmd ? PMD_SIZE : PAGE_SIZE);

	return ephmap_addr_in_region(a) && a >= ring && a - ring < size &&
	       len <= size - (a - ring);
}

/*
 * A read of EPHMAP_TEST_PROBE bytes at @addr that cannot fault: 0 if it
 * read, and then *@match says whether it read @expect.
 */
static long ephmap_test_probe(const void *addr, const u8 *expect, bool *match)
{
	u8 buf[EPHMAP_TEST_PROBE];
	long ret;

	ret = copy_from_kernel_nofault(buf, addr, sizeof(buf));
	*match = !ret && !memcmp(buf, expect, sizeof(buf));
	return ret;
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

/*
 * Give the (mm-less) KUnit thread a fresh mm, pinned to its CPU so that the
 * mm is loaded there only; @may_map declares that it copies the mm's data.
 */
static struct ephmap_test_mm *ephmap_test_enter_mm(struct kunit *test,
						   bool may_map)
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
	migrate_disable();
	kthread_use_mm(tm->mm);
	tm->attached = true;
	if (may_map)
		ephmap_kthread_may_map(true);
	return tm;
}

/* Detach the mm; it is put when the case ends. */
static void ephmap_test_leave_mm(struct ephmap_test_mm *tm)
{
	ephmap_kthread_may_map(false);
	kthread_unuse_mm(tm->mm);
	tm->attached = false;
	migrate_enable();
}

KUNIT_DEFINE_ACTION_WRAPPER(ephmap_test_mmput, mmput, struct mm_struct *);

/* An mm nobody uses yet, put when the case ends or by kunit_release_action(). */
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

/* ---- Helper threads ---------------------------------------------------- */

/*
 * Whether @cpu runs @mm (is in its mm_cpumask), waiting up to a second:
 * a CPU that runs the mm leaves the mask for a moment when a kernel
 * thread preempts it and a flush reaches it meanwhile (it then switches
 * to init_mm), and is back when the mm's task runs again.
 */
static bool ephmap_test_cpu_runs_mm(struct mm_struct *mm, unsigned int cpu)
{
	unsigned long end = jiffies + HZ;

	while (!cpumask_test_cpu(cpu, mm_cpumask(mm))) {
		if (time_after(jiffies, end))
			return false;
		cond_resched();
	}
	return true;
}

/* Spin, interrupts on, until @flag is set; false on timeout. */
static bool ephmap_test_spin_until(atomic_t *flag, unsigned long timeout)
{
	unsigned long end = jiffies + timeout;

	while (!atomic_read_acquire(flag)) {
		if (time_after(jiffies, end))
			return false;
		cpu_relax();
	}
	return true;
}

/* The end of every helper: kthread_stop() reaps it. */
static int ephmap_test_wait_for_stop(void)
{
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* ---- Mapping and reading back ----------------------------------------- */

/* What one mapping looked like, gathered while it was held. */
struct ephmap_test_seen {
	void *addr;
	unsigned int cpu;
	bool in_region;
	bool in_ring;
	bool reads;
	bool translates;
	unsigned long pfn;
	unsigned long entry;	/* after the unmap */
};

/* Map one window of @folio, look at it, unmap it. */
static void ephmap_test_map_once(struct mm_struct *mm, struct folio *folio,
				 unsigned int seed, size_t offset, size_t len,
				 struct ephmap_test_seen *s)
{
	bool pmd = ephmap_test_window_is_pmd(offset, len);
	unsigned long pfn = 0;
	void *addr;

	memset(s, 0, sizeof(*s));
	addr = ephmap_map_folio(folio, offset, len);
	s->addr = addr;
	if (!addr)
		return;		/* nothing is held */
	s->cpu = raw_smp_processor_id();
	s->in_region = ephmap_addr_in_region((unsigned long)addr);
	s->in_ring = ephmap_test_in_ring(addr, len, s->cpu, pmd);
	s->reads = ephmap_test_reads(addr, seed, offset, len);
	s->translates = ephmap_test_translates(mm, (unsigned long)addr, &pfn);
	s->pfn = pfn;
	ephmap_unmap(addr);
	/* Non-present means empty: nothing of the page frame is left. */
	s->entry = ephmap_test_entry(mm, (unsigned long)addr);
}

static void ephmap_test_check_seen(struct kunit *test,
				   const struct ephmap_test_seen *s,
				   struct folio *folio, size_t offset,
				   size_t len)
{
	bool pmd = ephmap_test_window_is_pmd(offset, len);
	unsigned long a = (unsigned long)s->addr;

	KUNIT_EXPECT_NOT_NULL_MSG(test, s->addr, "order %u, [%zu, +%zu)",
				  folio_order(folio), offset, len);
	if (!s->addr)
		return;
	KUNIT_EXPECT_TRUE_MSG(test, s->in_region, "order %u, [%zu, +%zu): %p",
			      folio_order(folio), offset, len, s->addr);
	KUNIT_EXPECT_TRUE_MSG(test, s->in_ring,
			      "order %u, [%zu, +%zu): not in CPU %u's %s ring",
			      folio_order(folio), offset, len, s->cpu,
			      pmd ? "PMD" : "PTE");
	if (pmd)
		KUNIT_EXPECT_EQ(test, a & ~PMD_MASK,
				(unsigned long)(offset & ~PMD_MASK));
	else
		KUNIT_EXPECT_EQ(test, offset_in_page(a), offset_in_page(offset));
	KUNIT_EXPECT_TRUE_MSG(test, s->reads, "order %u, [%zu, +%zu) read back wrong",
			      folio_order(folio), offset, len);
	KUNIT_EXPECT_TRUE_MSG(test, s->translates, "order %u, [%zu, +%zu)",
			      folio_order(folio), offset, len);
	KUNIT_EXPECT_EQ_MSG(test, s->pfn, folio_pfn(folio) + (offset >> PAGE_SHIFT),
			    "order %u, [%zu, +%zu)", folio_order(folio), offset,
			    len);
	KUNIT_EXPECT_EQ_MSG(test, s->entry, 0UL,
			    "order %u, [%zu, +%zu): entry left after unmap",
			    folio_order(folio), offset, len);
}

struct ephmap_test_window {
	unsigned int order;
	size_t offset;
	size_t len;
};

static const struct ephmap_test_window ephmap_test_windows[] = {
	{ 0, 0, PAGE_SIZE },
	{ 0, 100, 1 },
	{ 0, PAGE_SIZE - 1, 1 },
	{ 4, 0, 16 * PAGE_SIZE },				/* all 64 KiB */
	{ 4, 123, 16 * PAGE_SIZE - 123 },			/* 16 pages */
	{ 4, PAGE_SIZE - 16, 32 },				/* a page end */
	{ 4, 3 * PAGE_SIZE - 5, 2 * PAGE_SIZE + 10 },		/* four pages */
	{ PMD_ORDER, 0, PMD_SIZE },				/* one PMD */
	{ PMD_ORDER, 0, 64 },
	{ PMD_ORDER, 5 * PAGE_SIZE + 7, 15 * PAGE_SIZE },	/* 16 pages */
	{ PMD_ORDER, PMD_SIZE - 16 * PAGE_SIZE, 16 * PAGE_SIZE },
	{ PMD_ORDER, 100 * PAGE_SIZE, 17 * PAGE_SIZE },		/* 17: PMD */
	{ PMD_ORDER, PMD_SIZE / 2 + 123, PMD_SIZE / 4 },	/* PMD */
	{ PMD_ORDER, PMD_SIZE - 1, 1 },
};

static const unsigned int ephmap_test_orders[] = { 0, 4, PMD_ORDER };

/* Index in ephmap_test_orders[] of @order. */
static unsigned int ephmap_test_order_index(unsigned int order)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ephmap_test_orders) - 1; i++)
		if (ephmap_test_orders[i] == order)
			break;
	return i;
}

static void ephmap_test_mappings_read_back(struct kunit *test)
{
	const unsigned int *orders = ephmap_test_orders;
	struct ephmap_test_seen seen[ARRAY_SIZE(ephmap_test_windows)];
	struct folio *folios[ARRAY_SIZE(ephmap_test_orders)];
	struct ephmap_test_events before, after;
	unsigned int i, j, nr_maps = 0, nr_pmd = 0;
	struct ephmap_test_mm *tm;

	ephmap_test_require_window(test);

	for (i = 0; i < ARRAY_SIZE(ephmap_test_orders); i++) {
		folios[i] = ephmap_test_alloc_folio(test, orders[i], 1 + i);
		if (orders[i] < PMD_ORDER)
			KUNIT_ASSERT_NOT_NULL(test, folios[i]);
		else if (!folios[i])
			kunit_info(test, "no order-%u folio: not tested\n",
				   orders[i]);
	}

	tm = ephmap_test_enter_mm(test, true);
	ephmap_test_read_events(&before);
	for (i = 0; i < ARRAY_SIZE(ephmap_test_windows); i++) {
		const struct ephmap_test_window *w = &ephmap_test_windows[i];

		j = ephmap_test_order_index(w->order);
		seen[i].addr = NULL;
		if (!folios[j])
			continue;
		ephmap_test_map_once(tm->mm, folios[j], 1 + j, w->offset,
				     w->len, &seen[i]);
		nr_maps++;
		nr_pmd += ephmap_test_window_is_pmd(w->offset, w->len);
	}
	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	for (i = 0; i < ARRAY_SIZE(ephmap_test_windows); i++) {
		const struct ephmap_test_window *w = &ephmap_test_windows[i];

		j = ephmap_test_order_index(w->order);
		if (folios[j])
			ephmap_test_check_seen(test, &seen[i], folios[j],
					       w->offset, w->len);
	}
	EPHMAP_EXPECT_EVENTS(test, before, after, map, nr_maps);
	EPHMAP_EXPECT_EVENTS(test, before, after, map_pmd, nr_pmd);
	EPHMAP_EXPECT_NO_FALLBACK(test, before, after);
}

/* Mappings the nesting case holds: one more than a wrap can carry over. */
#define EPHMAP_TEST_HELD	(EPHMAP_CARRY_MAX + 1)

/* What the nesting case found while its mappings were held. */
struct ephmap_test_nest {
	struct folio *folio[EPHMAP_TEST_HELD];
	void *addr[EPHMAP_TEST_HELD];
	unsigned int slot[EPHMAP_TEST_HELD];
	bool reads[EPHMAP_TEST_HELD];
	unsigned long entry[EPHMAP_TEST_HELD];	/* after the unmap */
	/* The kmap_local part: EPHMAP_TEST_NEST of the same folios. */
	void *kaddr[EPHMAP_TEST_NEST];
	unsigned int kslot[EPHMAP_TEST_NEST];
	bool kreads[EPHMAP_TEST_NEST];
	bool kmaps[EPHMAP_TEST_NEST];
};

/*
 * Mappings nest as far as a ring wrap can carry the live ones over: with
 * more than EPHMAP_CARRY_MAX held, the wrap waits, and the mapping that
 * needs it gets the direct map, counted, with no flush and no warning.
 * The first mapping once they have ended wraps.  A fresh mm's ring starts
 * at slot 0 on this CPU, so the refusal comes when the ring runs out,
 * within two rings of mappings.  Then, as with kmap_local, sixteen nest.
 * Never more than EPHMAP_TEST_HELD at once: each holds a preempt count.
 */
static void ephmap_test_nesting_is_bounded_by_the_ring(struct kunit *test)
{
	struct ephmap_test_events before, after, held0, held1;
	unsigned int cpu, dup = 0, kdup = 0, outside = 0, misread = 0;
	unsigned int inner_maps, again_slot, i;
	unsigned long nesting0 = 0, nesting_at, wrap_flushes, flushes, pfn;
	bool still_reads = true, direct_reads = false, back = false;
	bool again_in, again_reads;
	DECLARE_BITMAP(taken, EPHMAP_RING_SLOTS);
	struct ephmap_test_nest *n;
	struct ephmap_test_mm *tm;
	void *a, *direct = NULL, *again;
	struct folio *inner;
	int pc, pf;

	ephmap_test_require_window(test);

	n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, n);
	for (i = 0; i < EPHMAP_TEST_HELD; i++) {
		n->folio[i] = ephmap_test_alloc_folio(test, 0, 100 + i);
		KUNIT_ASSERT_NOT_NULL(test, n->folio[i]);
	}
	inner = ephmap_test_alloc_folio(test, 0, 99);
	KUNIT_ASSERT_NOT_NULL(test, inner);
	bitmap_zero(taken, EPHMAP_RING_SLOTS);
	/*
	 * Every batch back on its CPU's spare list: the mm switch takes one
	 * and the wrap that waits another, with no refill in between.
	 */
	ephmap_drain_all();

	tm = ephmap_test_enter_mm(test, true);
	ephmap_test_read_events(&before);
	n->addr[0] = ephmap_map_whole_folio(n->folio[0]);
	/* Held from here: this CPU's counters move for this case only. */
	ephmap_test_read_this_cpu_events(&held0);
	for (i = 1; i < EPHMAP_TEST_HELD; i++)
		n->addr[i] = ephmap_map_whole_folio(n->folio[i]);
	cpu = raw_smp_processor_id();
	for (i = 0; i < EPHMAP_TEST_HELD; i++) {
		n->slot[i] = ephmap_test_slot(n->addr[i], cpu, false);
		if (n->slot[i] < EPHMAP_RING_SLOTS &&
		    __test_and_set_bit(n->slot[i], taken))
			dup++;
		n->reads[i] = ephmap_test_reads(n->addr[i], 100 + i, 0,
						PAGE_SIZE);
	}

	/* Under them, map and unmap until the ring runs out. */
	pc = preempt_count();
	pf = current->pagefault_disabled;
	for (inner_maps = 0; inner_maps < 2 * EPHMAP_RING_SLOTS; inner_maps++) {
		nesting0 = ephmap_test_this_cpu_stat(EPHMAP_STAT_FALLBACK_NESTING);
		a = ephmap_map_whole_folio(inner);
		if (a == folio_address(inner)) {
			direct = a;
			break;
		}
		if (ephmap_test_slot(a, cpu, false) >= EPHMAP_RING_SLOTS)
			outside++;
		else if (READ_ONCE(((u8 *)a)[PAGE_SIZE - 1]) !=
			 ephmap_test_byte(99, PAGE_SIZE - 1))
			misread++;
		ephmap_unmap(a);
	}
	/* Counted by the map that fell back, and by it alone. */
	nesting_at = ephmap_test_this_cpu_stat(EPHMAP_STAT_FALLBACK_NESTING) -
		     nesting0;
	if (direct)
		direct_reads = ephmap_test_reads(direct, 99, 0, PAGE_SIZE);
	for (i = 0; i < EPHMAP_TEST_HELD; i++)
		still_reads &= ephmap_test_reads(n->addr[i], 100 + i, 0,
						 PAGE_SIZE);
	if (direct) {
		/* The direct-map address ends like any mapping. */
		ephmap_unmap(direct);
		back = preempt_count() == pc &&
		       current->pagefault_disabled == pf;
	}
	ephmap_test_read_this_cpu_events(&held1);

	/*
	 * End the held mappings out of order, odd ones up, even ones down.
	 * Preemption stays off until the next map, so that nothing else maps
	 * on this CPU in between.
	 */
	preempt_disable();
	for (i = 1; i < EPHMAP_TEST_HELD; i += 2)
		ephmap_unmap(n->addr[i]);
	for (i = EPHMAP_TEST_HELD; i-- > 0; )
		if (!(i & 1))
			ephmap_unmap(n->addr[i]);
	for (i = 0; i < EPHMAP_TEST_HELD; i++)
		n->entry[i] = ephmap_test_entry(tm->mm,
						(unsigned long)n->addr[i]);
	/* The wrap that waited: this mapping makes it. */
	flushes = ephmap_test_this_cpu_flushes();
	again = ephmap_map_whole_folio(inner);
	wrap_flushes = ephmap_test_this_cpu_flushes() - flushes;
	again_in = ephmap_addr_in_region((unsigned long)again);
	again_slot = ephmap_test_slot(again, cpu, false);
	again_reads = ephmap_test_reads(again, 99, 0, PAGE_SIZE);
	ephmap_unmap(again);
	preempt_enable();

	/* kmap_local parity: sixteen live at once, each its own folio. */
	bitmap_zero(taken, EPHMAP_RING_SLOTS);
	for (i = 0; i < EPHMAP_TEST_NEST; i++)
		n->kaddr[i] = ephmap_map_whole_folio(n->folio[i]);
	for (i = 0; i < EPHMAP_TEST_NEST; i++) {
		n->kslot[i] = ephmap_test_slot(n->kaddr[i], cpu, false);
		if (n->kslot[i] < EPHMAP_RING_SLOTS &&
		    __test_and_set_bit(n->kslot[i], taken))
			kdup++;
		n->kreads[i] = ephmap_test_reads(n->kaddr[i], 100 + i, 0,
						 PAGE_SIZE);
		pfn = 0;
		n->kmaps[i] = ephmap_test_translates(tm->mm,
						     (unsigned long)n->kaddr[i],
						     &pfn) &&
			      pfn == folio_pfn(n->folio[i]);
	}
	for (i = EPHMAP_TEST_NEST; i-- > 0; )
		ephmap_unmap(n->kaddr[i]);
	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);
	/* Nothing is held: every reference the unmaps took goes back. */
	ephmap_drain_all();

	for (i = 0; i < EPHMAP_TEST_HELD; i++) {
		KUNIT_EXPECT_LT_MSG(test, n->slot[i], EPHMAP_RING_SLOTS,
				    "held mapping %u at %p, not in CPU %u's ring",
				    i, n->addr[i], cpu);
		KUNIT_EXPECT_TRUE_MSG(test, n->reads[i],
				      "held mapping %u reads wrong", i);
		KUNIT_EXPECT_EQ_MSG(test, n->entry[i], 0UL,
				    "held mapping %u left its entry", i);
		KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(n->folio[i]), 1,
				    "folio %u: reference not given back", i);
	}
	KUNIT_EXPECT_EQ_MSG(test, dup, 0U, "live mappings share slots");
	KUNIT_EXPECT_EQ_MSG(test, outside, 0U,
			    "a mapping under the held ones left the ring");
	KUNIT_EXPECT_EQ(test, misread, 0U);
	KUNIT_EXPECT_PTR_EQ_MSG(test, direct, folio_address(inner),
				"no direct map within %u mappings under %u held",
				2 * EPHMAP_RING_SLOTS, EPHMAP_TEST_HELD);
	if (direct) {
		kunit_info(test, "direct map after %u mappings under %u held\n",
			   inner_maps, EPHMAP_TEST_HELD);
		KUNIT_EXPECT_TRUE(test, direct_reads);
		if (IS_ENABLED(CONFIG_VM_EVENT_COUNTERS))
			KUNIT_EXPECT_EQ_MSG(test, nesting_at, 1UL,
					    "refusal not counted as nesting");
		KUNIT_EXPECT_TRUE_MSG(test, back,
				      "the direct map's unmap did not balance");
	}
	KUNIT_EXPECT_TRUE_MSG(test, still_reads,
			      "a held mapping changed under the refused one");
	/* While held: no wrap, one refusal, nothing else. */
	EPHMAP_EXPECT_EVENTS(test, held0, held1, flush_all, 0);
	EPHMAP_EXPECT_EVENTS(test, held0, held1, nesting, 1);
	EPHMAP_EXPECT_EVENTS(test, held0, held1, context, 0);
	EPHMAP_EXPECT_EVENTS(test, held0, held1, reserve, 0);
	EPHMAP_EXPECT_EVENTS(test, held0, held1, misuse, 0);
	/* Once they ended, the next mapping wraps: one flush. */
	KUNIT_EXPECT_TRUE_MSG(test, again_in, "no mapping after the held ones");
	KUNIT_EXPECT_LT(test, again_slot, (unsigned int)EPHMAP_RING_SLOTS);
	KUNIT_EXPECT_TRUE(test, again_reads);
	if (IS_ENABLED(CONFIG_VM_EVENT_COUNTERS))
		KUNIT_EXPECT_EQ_MSG(test, wrap_flushes, 1UL,
				    "the wrap that waited did not come");

	for (i = 0; i < EPHMAP_TEST_NEST; i++) {
		KUNIT_EXPECT_LT_MSG(test, n->kslot[i], EPHMAP_RING_SLOTS,
				    "nested mapping %u at %p, not in CPU %u's ring",
				    i, n->kaddr[i], cpu);
		KUNIT_EXPECT_TRUE_MSG(test, n->kreads[i],
				      "nested mapping %u reads wrong", i);
		KUNIT_EXPECT_TRUE_MSG(test, n->kmaps[i],
				      "nested mapping %u not in the tables", i);
	}
	KUNIT_EXPECT_EQ_MSG(test, kdup, 0U, "nested mappings share slots");
	KUNIT_EXPECT_EQ(test, folio_ref_count(inner), 1);

	EPHMAP_EXPECT_EVENTS(test, before, after, map,
			     EPHMAP_TEST_HELD + inner_maps + 1 + EPHMAP_TEST_NEST);
	EPHMAP_EXPECT_EVENTS(test, before, after, nesting, 1);
	EPHMAP_EXPECT_EVENTS(test, before, after, context, 0);
	EPHMAP_EXPECT_EVENTS(test, before, after, reserve, 0);
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 0);
}

/* A copy-on-write style copy: both folios mapped, copied from one to other. */
static void ephmap_test_copy_between_two_mapped_folios(struct kunit *test)
{
	struct ephmap_test_events before, after;
	struct ephmap_test_mm *tm;
	struct folio *src, *dst;
	bool s_in, d_in;
	void *s, *d;

	ephmap_test_require_window(test);

	src = ephmap_test_alloc_folio(test, 0, 7);
	KUNIT_ASSERT_NOT_NULL(test, src);
	dst = ephmap_test_alloc_folio(test, 0, 8);
	KUNIT_ASSERT_NOT_NULL(test, dst);

	tm = ephmap_test_enter_mm(test, true);
	ephmap_test_read_events(&before);
	s = ephmap_map_whole_folio(src);
	d = ephmap_map_whole_folio(dst);
	s_in = ephmap_addr_in_region((unsigned long)s);
	d_in = ephmap_addr_in_region((unsigned long)d);
	memcpy(d, s, PAGE_SIZE);
	ephmap_unmap(d);
	ephmap_unmap(s);
	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	KUNIT_EXPECT_TRUE(test, s_in);
	KUNIT_EXPECT_TRUE(test, d_in);
	KUNIT_EXPECT_PTR_NE(test, s, d);
	KUNIT_EXPECT_TRUE_MSG(test, ephmap_test_has_pattern(dst, 7),
			      "destination does not hold the source's bytes");
	KUNIT_EXPECT_TRUE_MSG(test, ephmap_test_has_pattern(src, 7),
			      "source changed");
	EPHMAP_EXPECT_EVENTS(test, before, after, map, 2);
	EPHMAP_EXPECT_NO_FALLBACK(test, before, after);
}

static void ephmap_test_other_mm_has_no_translation(struct kunit *test)
{
	const size_t offset = 3 * PAGE_SIZE + 100;
	unsigned long own_pfn = 0, pmd_pfn = 0, pfn;
	bool own, other_pte, init_pte, pmd_own = false, other_pmd = false;
	unsigned long other_entry;
	struct ephmap_test_mm *tm;
	struct folio *folio, *huge;
	struct mm_struct *other;
	void *addr, *whole = NULL;

	ephmap_test_require_window(test);

	folio = ephmap_test_alloc_folio(test, 4, 21);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	huge = ephmap_test_alloc_folio(test, PMD_ORDER, 22);
	other = ephmap_test_spare_mm(test);

	tm = ephmap_test_enter_mm(test, true);
	addr = ephmap_map_folio(folio, offset, 200);
	own = ephmap_test_translates(tm->mm, (unsigned long)addr, &own_pfn);
	other_pte = ephmap_test_translates(other, (unsigned long)addr, &pfn);
	other_entry = ephmap_test_entry(other, (unsigned long)addr);
	init_pte = ephmap_test_translates(NULL, (unsigned long)addr, &pfn);
	if (huge) {
		whole = ephmap_map_whole_folio(huge);
		pmd_own = ephmap_test_translates(tm->mm, (unsigned long)whole,
						 &pmd_pfn);
		other_pmd = ephmap_test_translates(other, (unsigned long)whole,
						   &pfn) ||
			    ephmap_test_translates(NULL,
						   (unsigned long)whole, &pfn);
		ephmap_unmap(whole);
	}
	ephmap_unmap(addr);
	ephmap_test_leave_mm(tm);

	KUNIT_EXPECT_TRUE(test, ephmap_addr_in_region((unsigned long)addr));
	KUNIT_EXPECT_TRUE(test, own);
	KUNIT_EXPECT_EQ(test, own_pfn, folio_pfn(folio) + 3);
	KUNIT_EXPECT_FALSE_MSG(test, other_pte, "another mm translates %p", addr);
	KUNIT_EXPECT_EQ(test, other_entry, 0UL);
	KUNIT_EXPECT_FALSE_MSG(test, init_pte, "init_mm translates %p", addr);
	if (huge) {
		KUNIT_EXPECT_TRUE(test, pmd_own);
		KUNIT_EXPECT_EQ(test, pmd_pfn, folio_pfn(huge));
		KUNIT_EXPECT_FALSE_MSG(test, other_pmd,
				       "another mm translates PMD slot %p", whole);
	}
	/* The spare mm never mapped: it holds no ephmap page table. */
	KUNIT_EXPECT_EQ(test, ephmap_mm_pgtable_pages(other), 0UL);
}

/* ---- Steady state ------------------------------------------------------ */

struct ephmap_test_cycles {
	unsigned int cpu;
	unsigned long moved;	/* mappings made on another CPU */
	unsigned long outside;	/* ... outside this CPU's ring */
	unsigned long reused;	/* ... in a slot taken since the last flush */
	unsigned long misread;
};

/*
 * Map all of @folio and unmap it @n times, with the KUnit thread pinned.
 * A slot may be written again only after this CPU flushed its TLB.
 */
static void ephmap_test_cycle(struct folio *folio, unsigned int seed,
			      unsigned long n, struct ephmap_test_cycles *c)
{
	bool pmd = folio_size(folio) >= PMD_SIZE;
	size_t probe = folio_size(folio) - 1;
	DECLARE_BITMAP(taken, EPHMAP_RING_SLOTS);
	unsigned long flushes, i;

	memset(c, 0, sizeof(*c));
	bitmap_zero(taken, EPHMAP_RING_SLOTS);
	c->cpu = raw_smp_processor_id();
	flushes = ephmap_test_this_cpu_flushes();
	for (i = 0; i < n; i++) {
		const u8 *addr = ephmap_map_whole_folio(folio);
		unsigned int cpu = raw_smp_processor_id();
		unsigned int slot = ephmap_test_slot(addr, cpu, pmd);
		unsigned long f = ephmap_test_this_cpu_flushes();

		if (cpu != c->cpu)
			c->moved++;
		if (slot >= EPHMAP_RING_SLOTS) {
			c->outside++;
		} else {
			if (f != flushes) {
				bitmap_zero(taken, EPHMAP_RING_SLOTS);
				flushes = f;
			}
			if (__test_and_set_bit(slot, taken))
				c->reused++;
		}
		if (READ_ONCE(addr[probe]) != ephmap_test_byte(seed, probe))
			c->misread++;
		ephmap_unmap(addr);
	}
}

static void ephmap_test_check_cycles(struct kunit *test, const char *what,
				     const struct ephmap_test_cycles *c,
				     const struct ephmap_test_events *before,
				     const struct ephmap_test_events *after)
{
	unsigned long maps = after->map - before->map;
	unsigned long all = after->flush_all - before->flush_all;
	unsigned long inval = all + (after->flush_remote - before->flush_remote);

	KUNIT_EXPECT_EQ_MSG(test, c->moved, 0UL, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, c->outside, 0UL, "%s: not in the ring", what);
	KUNIT_EXPECT_EQ_MSG(test, c->reused, 0UL,
			    "%s: slot written again before a flush", what);
	KUNIT_EXPECT_EQ_MSG(test, c->misread, 0UL, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, maps, (unsigned long)EPHMAP_TEST_CYCLES, "%s",
			    what);
	/* At most one invalidation per 64 mappings... */
	KUNIT_EXPECT_LE_MSG(test, inval * 64, maps,
			    "%s: %lu full, %lu remote flushes for %lu maps",
			    what, all, after->flush_remote - before->flush_remote,
			    maps);
	/* ... and one full flush per ring, plus a partial generation. */
	KUNIT_EXPECT_LE_MSG(test, all * EPHMAP_RING_SLOTS,
			    maps + EPHMAP_RING_SLOTS,
			    "%s: %lu full flushes for %lu maps", what, all, maps);
}

static void ephmap_test_steady_state_invalidations(struct kunit *test)
{
	struct ephmap_test_events before, mid, after;
	struct ephmap_test_cycles small_c, huge_c;
	struct folio *small, *huge;
	struct ephmap_test_mm *tm;

	ephmap_test_require_window(test);

	small = ephmap_test_alloc_folio(test, 0, 11);
	KUNIT_ASSERT_NOT_NULL(test, small);
	huge = ephmap_test_alloc_folio(test, PMD_ORDER, 12);
	if (!huge)
		kunit_info(test, "no order-%u folio: PMD slots not tested\n",
			   PMD_ORDER);
	/* No generation of an earlier case left to release meanwhile. */
	ephmap_drain_all();

	tm = ephmap_test_enter_mm(test, true);
	ephmap_test_read_events(&before);
	ephmap_test_cycle(small, 11, EPHMAP_TEST_CYCLES, &small_c);
	ephmap_test_read_events(&mid);
	if (huge)
		ephmap_test_cycle(huge, 12, EPHMAP_TEST_CYCLES, &huge_c);
	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	ephmap_test_check_cycles(test, "4 KiB", &small_c, &before, &mid);
	EPHMAP_EXPECT_NO_FALLBACK(test, before, mid);
	if (!huge)
		return;
	ephmap_test_check_cycles(test, "2 MiB", &huge_c, &mid, &after);
	EPHMAP_EXPECT_EVENTS(test, mid, after, map_pmd, EPHMAP_TEST_CYCLES);
	EPHMAP_EXPECT_NO_FALLBACK(test, mid, after);
}

/*
 * Another CPU runs the mm while this one maps, as an io_uring submitter
 * does while its worker copies: each retired batch then needs that CPU
 * flushed, by IPI.  This CPU flushed at its wrap already and must not be
 * flushed again for it, so the full flushes stay at one per ring.  Then
 * both map and read each other's mappings, and a drain must leave
 * neither CPU able to read either address.
 */
struct ephmap_test_sibling {
	struct mm_struct *mm;
	struct folio *folio;
	u8 expect[EPHMAP_TEST_PROBE];
	atomic_t running;
	atomic_t cross;		/* A asks B to map too */
	atomic_t b_mapped;	/* B's mapping is up, at b_addr */
	atomic_t a_read;	/* A read through it */
	atomic_t drained;
	atomic_t probed;
	atomic_t stop;
	const u8 *a_addr, *b_addr;
	bool saw_stop, b_saw_read, b_saw_drain;
	long b_read_a, b_probe_a, b_probe_b;
};

static int ephmap_test_sibling_fn(void *data)
{
	struct ephmap_test_sibling *s = data;
	bool match;
	u8 *addr;

	kthread_use_mm(s->mm);
	ephmap_kthread_may_map(true);
	atomic_set_release(&s->running, 1);
	/* Spin, not sleep: an idle CPU would hold the mm lazily. */
	if (!ephmap_test_spin_until(&s->cross, EPHMAP_TEST_TIMEOUT))
		goto out;
	/* Map too, and read through A's mapping: each TLB holds the other's. */
	addr = ephmap_map_whole_folio(s->folio);
	s->b_read_a = ephmap_test_probe(s->a_addr, s->expect, &match);
	s->b_addr = addr;
	atomic_set_release(&s->b_mapped, 1);
	s->b_saw_read = ephmap_test_spin_until(&s->a_read, EPHMAP_TEST_SPIN);
	ephmap_unmap(addr);
	s->b_saw_drain = ephmap_test_spin_until(&s->drained,
						EPHMAP_TEST_TIMEOUT);
	s->b_probe_a = ephmap_test_probe(s->a_addr, s->expect, &match);
	s->b_probe_b = ephmap_test_probe(s->b_addr, s->expect, &match);
	atomic_set_release(&s->probed, 1);
out:
	s->saw_stop = ephmap_test_spin_until(&s->stop, EPHMAP_TEST_TIMEOUT);
	ephmap_kthread_may_map(false);
	kthread_unuse_mm(s->mm);
	return ephmap_test_wait_for_stop();
}

/*
 * Both CPUs map in the mm and each reads through the other's mapping, so
 * that each TLB holds a translation of the other's slot; once a drain
 * returns, neither may read either address (the drain also waits for a
 * release a mapper runs).
 */
static void ephmap_test_cross_read_then_drain(struct kunit *test,
					      struct ephmap_test_sibling *s)
{
	long a_read_b, a_probe_a, a_probe_b;
	bool b_mapped, probed, match;
	u8 *addr;

	addr = ephmap_map_whole_folio(s->folio);
	s->a_addr = addr;
	atomic_set_release(&s->cross, 1);
	/* Preemption is off while A holds its mapping: spin. */
	b_mapped = ephmap_test_spin_until(&s->b_mapped, EPHMAP_TEST_SPIN);
	a_read_b = b_mapped ? ephmap_test_probe(s->b_addr, s->expect, &match) :
			      -1;
	atomic_set_release(&s->a_read, 1);
	ephmap_unmap(addr);
	ephmap_drain_all();
	atomic_set_release(&s->drained, 1);
	a_probe_a = ephmap_test_probe(s->a_addr, s->expect, &match);
	a_probe_b = b_mapped ? ephmap_test_probe(s->b_addr, s->expect, &match) :
			       -1;
	probed = ephmap_test_spin_until(&s->probed, EPHMAP_TEST_TIMEOUT);

	KUNIT_ASSERT_TRUE(test, b_mapped);
	KUNIT_ASSERT_TRUE(test, probed);
	KUNIT_EXPECT_TRUE(test, s->b_saw_read);
	KUNIT_EXPECT_TRUE(test, s->b_saw_drain);
	KUNIT_EXPECT_EQ_MSG(test, s->b_read_a, 0L, "B could not read A's mapping");
	KUNIT_EXPECT_EQ_MSG(test, a_read_b, 0L, "A could not read B's mapping");
	KUNIT_EXPECT_NE_MSG(test, a_probe_a, 0L, "A still reads its own slot");
	KUNIT_EXPECT_NE_MSG(test, a_probe_b, 0L, "A still reads B's slot");
	KUNIT_EXPECT_NE_MSG(test, s->b_probe_a, 0L, "B still reads A's slot");
	KUNIT_EXPECT_NE_MSG(test, s->b_probe_b, 0L, "B still reads its own slot");
}

static void ephmap_test_steady_state_with_a_second_cpu(struct kunit *test)
{
	struct ephmap_test_sibling s = { };
	struct ephmap_test_events before, after;
	unsigned long all, remote;
	struct ephmap_test_cycles c;
	struct ephmap_test_mm *tm;
	struct task_struct *sib;
	unsigned int other;
	struct folio *folio;
	bool started, b_in_mask;

	ephmap_test_require_window(test);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	folio = ephmap_test_alloc_folio(test, 0, 13);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	ephmap_drain_all();

	tm = ephmap_test_enter_mm(test, true);
	other = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	s.mm = tm->mm;
	s.folio = folio;
	ephmap_test_pattern(s.expect, 13, 0, EPHMAP_TEST_PROBE);
	sib = kthread_create(ephmap_test_sibling_fn, &s, "ephmap_sibling");
	if (IS_ERR(sib)) {
		ephmap_test_leave_mm(tm);
		KUNIT_FAIL(test, "no helper thread");
		return;
	}
	kthread_bind(sib, other);
	wake_up_process(sib);
	started = ephmap_test_spin_until(&s.running, EPHMAP_TEST_TIMEOUT);

	ephmap_test_read_events(&before);
	ephmap_test_cycle(folio, 13, EPHMAP_TEST_CYCLES, &c);
	/* Read before any drain: the releases counted are the work's own. */
	ephmap_test_read_events(&after);
	b_in_mask = ephmap_test_cpu_runs_mm(tm->mm, other);
	if (started)
		ephmap_test_cross_read_then_drain(test, &s);

	atomic_set_release(&s.stop, 1);
	kthread_stop(sib);
	ephmap_test_leave_mm(tm);

	KUNIT_ASSERT_TRUE(test, started);
	KUNIT_EXPECT_TRUE(test, s.saw_stop);
	KUNIT_EXPECT_TRUE(test, b_in_mask);
	ephmap_test_check_cycles(test, "4 KiB, second CPU", &c, &before, &after);
	EPHMAP_EXPECT_NO_FALLBACK(test, before, after);
	if (!IS_ENABLED(CONFIG_VM_EVENT_COUNTERS))
		return;
	remote = after.flush_remote - before.flush_remote;
	all = after.flush_all - before.flush_all;
	kunit_info(test, "%u maps: %lu full flushes here, %lu CPUs flushed for releases\n",
		   EPHMAP_TEST_CYCLES, all, remote);
	KUNIT_EXPECT_GE_MSG(test, remote, 1UL,
			    "the second CPU was not sent a flush");
	/* Per ring: this CPU's wrap, and the other CPU's flush; no more. */
	KUNIT_EXPECT_LE_MSG(test, (all + remote) * EPHMAP_RING_SLOTS,
			    2 * ((unsigned long)EPHMAP_TEST_CYCLES +
				 EPHMAP_RING_SLOTS),
			    "%lu full and %lu remote flushes for %u maps", all,
			    remote, EPHMAP_TEST_CYCLES);
}

/* ---- The TLB invariant, probed ----------------------------------------- */

/*
 * CPU A maps a folio and reads it; CPU B, running the same mm, reads it
 * too while A holds it, which loads B's TLB; A unmaps.  Once the ephmap
 * let go of the folio (a drain here), both must fault on the address.
 */
struct ephmap_test_tlb {
	struct mm_struct *mm;
	struct folio *folio;
	unsigned int seed;
	size_t probe_off;
	u8 expect[EPHMAP_TEST_PROBE];

	const u8 *addr;		/* in A's mapping, at probe_off */
	atomic_t b_ready;
	atomic_t mapped;
	atomic_t live_probed;
	atomic_t unmapped;
	atomic_t drained;
	struct completion a_probed, b_probed, drain_done, a_done, b_done;

	/* A's findings */
	unsigned int a_cpu;
	bool a_saw_b, a_in_region, a_reads, a_saw_probe, a_saw_drain;
	long a_after, a_final;
	bool a_after_match, a_final_match;
	/* B's */
	unsigned int b_cpu;
	bool b_saw_map, b_saw_unmap, b_saw_drain;
	long b_live, b_after, b_final;
	bool b_live_match, b_after_match, b_final_match;
};

static int ephmap_test_tlb_mapper(void *data)
{
	struct ephmap_test_tlb *t = data;
	u8 *base;

	kthread_use_mm(t->mm);
	ephmap_kthread_may_map(true);
	/* B runs the mm before this maps: the release must reach it. */
	t->a_saw_b = ephmap_test_spin_until(&t->b_ready, EPHMAP_TEST_TIMEOUT);

	base = ephmap_map_whole_folio(t->folio);
	t->a_cpu = raw_smp_processor_id();
	t->a_in_region = ephmap_addr_in_region((unsigned long)base);
	t->a_reads = ephmap_test_reads(base, t->seed, 0, folio_size(t->folio));
	t->addr = base + t->probe_off;
	atomic_set_release(&t->mapped, 1);
	/* Preemption is off: spin, do not sleep, until B has read it too. */
	t->a_saw_probe = ephmap_test_spin_until(&t->live_probed,
						EPHMAP_TEST_SPIN);
	ephmap_unmap(base);
	/* May still hit this CPU's TLB, but only for the same folio. */
	t->a_after = ephmap_test_probe(t->addr, t->expect, &t->a_after_match);
	atomic_set_release(&t->unmapped, 1);
	complete(&t->a_probed);

	t->a_saw_drain = wait_for_completion_timeout(&t->drain_done,
						     EPHMAP_TEST_TIMEOUT);
	t->a_final = ephmap_test_probe(t->addr, t->expect, &t->a_final_match);
	ephmap_kthread_may_map(false);
	kthread_unuse_mm(t->mm);
	complete(&t->a_done);
	return ephmap_test_wait_for_stop();
}

static int ephmap_test_tlb_prober(void *data)
{
	struct ephmap_test_tlb *t = data;

	kthread_use_mm(t->mm);
	t->b_cpu = raw_smp_processor_id();
	atomic_set_release(&t->b_ready, 1);

	t->b_saw_map = ephmap_test_spin_until(&t->mapped, EPHMAP_TEST_TIMEOUT);
	if (t->b_saw_map)
		t->b_live = ephmap_test_probe(t->addr, t->expect,
					      &t->b_live_match);
	atomic_set_release(&t->live_probed, 1);

	t->b_saw_unmap = ephmap_test_spin_until(&t->unmapped,
						EPHMAP_TEST_TIMEOUT);
	if (t->b_saw_unmap)
		t->b_after = ephmap_test_probe(t->addr, t->expect,
					       &t->b_after_match);
	complete(&t->b_probed);

	/*
	 * Keep running the mm, not lazily and not sleeping, so that nothing
	 * but the ephmap's own flush can take the translation from this TLB.
	 */
	t->b_saw_drain = ephmap_test_spin_until(&t->drained,
						EPHMAP_TEST_TIMEOUT);
	if (t->b_saw_drain)
		t->b_final = ephmap_test_probe(t->addr, t->expect,
					       &t->b_final_match);
	kthread_unuse_mm(t->mm);
	complete(&t->b_done);
	return ephmap_test_wait_for_stop();
}

/*
 * One round of the probes for @folio; with @file, @folio is its page-cache
 * folio at index 0 and is truncated after the unmap, before the drain.
 */
static void ephmap_test_tlb_round(struct kunit *test, struct mm_struct *mm,
				  struct folio *folio, unsigned int seed,
				  size_t probe_off, struct file *file)
{
	int own, own_final, ref_unmapped, ref_truncated = 0, ref_drained;
	unsigned long left_a_probed, left_b_probed, left_a, left_b;
	struct ephmap_test_events before, after;
	bool b_in_mask, truncated = false;
	struct ephmap_test_tlb *t;
	struct task_struct *a, *b;
	unsigned int cpu_a, cpu_b;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->mm = mm;
	t->folio = folio;
	t->seed = seed;
	t->probe_off = probe_off;
	ephmap_test_pattern(t->expect, seed, probe_off, EPHMAP_TEST_PROBE);
	atomic_set(&t->b_ready, 0);
	atomic_set(&t->mapped, 0);
	atomic_set(&t->live_probed, 0);
	atomic_set(&t->unmapped, 0);
	atomic_set(&t->drained, 0);
	init_completion(&t->a_probed);
	init_completion(&t->b_probed);
	init_completion(&t->drain_done);
	init_completion(&t->a_done);
	init_completion(&t->b_done);

	a = kthread_create(ephmap_test_tlb_mapper, t, "ephmap_test_a");
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	b = kthread_create(ephmap_test_tlb_prober, t, "ephmap_test_b");
	if (IS_ERR(b))
		kthread_stop(a);	/* never woken: its function does not run */
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));

	/*
	 * A shares this thread's CPU, B has its own.  Pinned here, the drain
	 * and the release work it flushes run on A's CPU, so B is remote.
	 */
	migrate_disable();
	cpu_a = raw_smp_processor_id();
	cpu_b = cpumask_any_but(cpu_online_mask, cpu_a);
	kthread_bind(a, cpu_a);
	kthread_bind(b, cpu_b);
	own = folio_ref_count(folio);
	own_final = file ? own - (int)folio_nr_pages(folio) : own;
	wake_up_process(b);
	wake_up_process(a);

	left_a_probed = wait_for_completion_timeout(&t->a_probed,
						    EPHMAP_TEST_TIMEOUT);
	left_b_probed = wait_for_completion_timeout(&t->b_probed,
						    EPHMAP_TEST_TIMEOUT);
	/* Unmapped, but the ephmap still holds the folio. */
	ref_unmapped = folio_ref_count(folio);
	if (file) {
		/* Drops the page cache's references; ours and the ephmap's stay. */
		shmem_truncate_range(file_inode(file), 0, (loff_t)-1);
		truncated = !folio->mapping;
		ref_truncated = folio_ref_count(folio);
	}
	b_in_mask = ephmap_test_cpu_runs_mm(mm, cpu_b);
	ephmap_test_read_events(&before);
	ephmap_drain_all();
	ephmap_test_read_events(&after);
	ref_drained = folio_ref_count(folio);

	atomic_set_release(&t->drained, 1);
	complete_all(&t->drain_done);
	left_a = wait_for_completion_timeout(&t->a_done, EPHMAP_TEST_TIMEOUT);
	left_b = wait_for_completion_timeout(&t->b_done, EPHMAP_TEST_TIMEOUT);
	kthread_stop(a);
	kthread_stop(b);
	migrate_enable();

	KUNIT_EXPECT_NE(test, left_a_probed, 0UL);
	KUNIT_EXPECT_NE(test, left_b_probed, 0UL);
	KUNIT_EXPECT_NE(test, left_a, 0UL);
	KUNIT_EXPECT_NE(test, left_b, 0UL);
	KUNIT_EXPECT_TRUE(test, t->a_saw_b);
	KUNIT_EXPECT_EQ(test, t->a_cpu, cpu_a);
	KUNIT_EXPECT_EQ(test, t->b_cpu, cpu_b);
	KUNIT_EXPECT_TRUE_MSG(test, t->a_in_region, "order %u: A got the direct map",
			      folio_order(folio));
	if (!t->a_in_region)
		return;
	KUNIT_EXPECT_TRUE(test, t->a_reads);

	/* While A held it, B read the folio through A's mapping. */
	KUNIT_EXPECT_TRUE(test, t->b_saw_map);
	KUNIT_EXPECT_EQ(test, t->b_live, 0L);
	KUNIT_EXPECT_TRUE(test, t->b_live_match);
	KUNIT_EXPECT_TRUE(test, t->a_saw_probe);

	/* Right after the unmap a read may hit a TLB: only the same folio. */
	KUNIT_EXPECT_TRUE(test, t->b_saw_unmap);
	if (!t->a_after)
		KUNIT_EXPECT_TRUE_MSG(test, t->a_after_match,
				      "A read something else after its unmap");
	if (!t->b_after)
		KUNIT_EXPECT_TRUE_MSG(test, t->b_after_match,
				      "B read something else after A's unmap");

	KUNIT_EXPECT_GT_MSG(test, ref_unmapped, own,
			    "the ephmap let go of the folio at the unmap");
	if (file) {
		KUNIT_EXPECT_TRUE(test, truncated);
		KUNIT_EXPECT_EQ_MSG(test, ref_truncated, own_final + 1,
				    "the ephmap's reference did not outlive truncation");
	}
	KUNIT_EXPECT_EQ_MSG(test, ref_drained, own_final,
			    "the drain left the folio referenced");
	KUNIT_EXPECT_TRUE(test, b_in_mask);
	if (IS_ENABLED(CONFIG_VM_EVENT_COUNTERS))
		KUNIT_EXPECT_GE_MSG(test, after.flush_remote - before.flush_remote,
				    1UL, "B's CPU was not sent a flush");

	/* The folio may now be freed: no TLB may reach it any more. */
	KUNIT_EXPECT_TRUE(test, t->a_saw_drain);
	KUNIT_EXPECT_NE_MSG(test, t->a_final, 0L,
			    "order %u: A still reads %p after the release%s",
			    folio_order(folio), t->addr,
			    t->a_final_match ? " (the old folio)" : "");
	KUNIT_EXPECT_TRUE(test, t->b_saw_drain);
	KUNIT_EXPECT_NE_MSG(test, t->b_final, 0L,
			    "order %u: B still reads %p after the release%s",
			    folio_order(folio), t->addr,
			    t->b_final_match ? " (the old folio)" : "");
}

static void ephmap_test_tlb_invariant_on_two_cpus(struct kunit *test)
{
	struct folio *folio, *huge;
	struct mm_struct *mm;
	struct file *file;

	ephmap_test_require_window(test);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");

	mm = ephmap_test_spare_mm(test);

	/* 4 KiB: a page-cache folio, let go of the way truncation does. */
	file = shmem_kernel_file_setup("ephmap_test", PAGE_SIZE, VM_NORESERVE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ephmap_test_fput,
							file), 0);
	folio = shmem_read_folio(file->f_mapping, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							ephmap_test_folio_put,
							folio), 0);
	folio_lock(folio);
	ephmap_test_fill(folio, 31);
	folio_mark_dirty(folio);
	folio_unlock(folio);
	/* No per-CPU LRU batch may hold a reference of its own. */
	lru_add_drain_all();
	ephmap_test_tlb_round(test, mm, folio, 31, 1000, file);

	/* 2 MiB, one PMD entry; not a page-cache folio, so no truncation. */
	huge = ephmap_test_alloc_folio(test, PMD_ORDER, 32);
	if (!huge) {
		kunit_info(test, "no order-%u folio: PMD slots not tested\n",
			   PMD_ORDER);
		return;
	}
	ephmap_test_tlb_round(test, mm, huge, 32, PMD_SIZE / 2 + 24, NULL);
}

/*
 * Without a drain: in an mm that only this CPU runs, the ring's wrap ends
 * the generation and releases its folios at once.  F sits mid-ring and the
 * ring wraps, but stops short of F's slot: the probe must then fault, with
 * no newer mapping of that slot the TLB could legitimately still hold.
 */
static void ephmap_test_ring_wrap_releases_folio(struct kunit *test)
{
	struct ephmap_test_events before, after;
	unsigned int cpu, slot = 0, slot_f, after_wrap = 0, i;
	bool f_in, f_reads, hit_f = false;
	int base, ref_unmapped, ref_end;
	struct ephmap_test_mm *tm;
	unsigned long flushes;
	struct folio *f, *g;
	u8 expect[EPHMAP_TEST_PROBE];
	unsigned int weight;
	bool match;
	long gone;
	void *addr, *addr_f;

	ephmap_test_require_window(test);

	f = ephmap_test_alloc_folio(test, 0, 41);
	KUNIT_ASSERT_NOT_NULL(test, f);
	g = ephmap_test_alloc_folio(test, 0, 42);
	KUNIT_ASSERT_NOT_NULL(test, g);
	ephmap_test_pattern(expect, 41, 0, EPHMAP_TEST_PROBE);
	base = folio_ref_count(f);

	tm = ephmap_test_enter_mm(test, true);
	cpu = raw_smp_processor_id();
	/* Bring the ring mid-way, so that F's slot is well past slot 32. */
	for (i = 0; i < 2 * EPHMAP_RING_SLOTS; i++) {
		addr = ephmap_map_whole_folio(g);
		slot = ephmap_test_slot(addr, cpu, false);
		ephmap_unmap(addr);
		if (slot >= 64 && slot < EPHMAP_RING_SLOTS - 64)
			break;
	}

	addr_f = ephmap_map_whole_folio(f);
	f_in = ephmap_addr_in_region((unsigned long)addr_f);
	f_reads = ephmap_test_reads(addr_f, 41, 0, PAGE_SIZE);
	slot_f = ephmap_test_slot(addr_f, cpu, false);
	ephmap_unmap(addr_f);
	ref_unmapped = folio_ref_count(f);

	/* Up to the wrap, then 32 more: slots 0-31, none of them F's. */
	ephmap_test_read_events(&before);
	flushes = ephmap_test_this_cpu_flushes();
	for (i = 0; i < 600 && after_wrap < 32; i++) {
		addr = ephmap_map_whole_folio(g);
		hit_f |= addr == addr_f;
		ephmap_unmap(addr);
		if (ephmap_test_this_cpu_flushes() != flushes)
			after_wrap++;
	}
	ephmap_test_read_events(&after);
	ref_end = folio_ref_count(f);
	weight = cpumask_weight(mm_cpumask(tm->mm));
	gone = ephmap_test_probe(addr_f, expect, &match);
	ephmap_test_leave_mm(tm);

	if (weight != 1)
		kunit_skip(test, "the test mm ran on %u CPUs", weight);
	KUNIT_EXPECT_TRUE(test, f_in);
	KUNIT_EXPECT_TRUE(test, f_reads);
	KUNIT_EXPECT_GE(test, slot_f, 33U);
	KUNIT_EXPECT_LT(test, slot_f, (unsigned int)EPHMAP_RING_SLOTS);
	KUNIT_EXPECT_GT_MSG(test, ref_unmapped, base,
			    "the ephmap let go of F at the unmap");
	KUNIT_EXPECT_EQ_MSG(test, after_wrap, 32U, "the ring did not wrap");
	KUNIT_EXPECT_FALSE(test, hit_f);
	KUNIT_EXPECT_EQ_MSG(test, ref_end, base,
			    "F still referenced after its generation ended");
	KUNIT_EXPECT_NE_MSG(test, gone, 0L, "F's old address still reads%s",
			    match ? " F" : " something else");
	/* One CPU: released on the spot, no IPI. */
	EPHMAP_EXPECT_EVENTS(test, before, after, flush_remote, 0);
	EPHMAP_EXPECT_NO_FALLBACK(test, before, after);
}

/*
 * A stale pointer reads, at worst, the folio it mapped: the next mapping
 * takes another slot, and the TLB may only still hold the old one.
 */
static void ephmap_test_stale_pointer_never_reads_next_folio(struct kunit *test)
{
	u8 expect_f[EPHMAP_TEST_PROBE], expect_g[EPHMAP_TEST_PROBE];
	bool f_reads, g_reads, live_f, live_g, after_f, after_g;
	unsigned int cpu, slot_a, slot_b;
	unsigned long entry_f;
	struct ephmap_test_mm *tm;
	long live, after;
	struct folio *f, *g;
	void *a, *b;

	ephmap_test_require_window(test);

	f = ephmap_test_alloc_folio(test, 0, 51);
	KUNIT_ASSERT_NOT_NULL(test, f);
	g = ephmap_test_alloc_folio(test, 0, 52);
	KUNIT_ASSERT_NOT_NULL(test, g);
	ephmap_test_pattern(expect_f, 51, 0, EPHMAP_TEST_PROBE);
	ephmap_test_pattern(expect_g, 52, 0, EPHMAP_TEST_PROBE);
	KUNIT_ASSERT_NE(test, memcmp(expect_f, expect_g, EPHMAP_TEST_PROBE), 0);

	tm = ephmap_test_enter_mm(test, true);
	cpu = raw_smp_processor_id();	/* pinned */
	a = ephmap_map_whole_folio(f);
	f_reads = ephmap_test_reads(a, 51, 0, PAGE_SIZE);
	ephmap_unmap(a);

	b = ephmap_map_whole_folio(g);
	g_reads = ephmap_test_reads(b, 52, 0, PAGE_SIZE);
	slot_a = ephmap_test_slot(a, cpu, false);
	slot_b = ephmap_test_slot(b, cpu, false);
	/* While G is mapped, and again after: F's bytes or a fault. */
	live = ephmap_test_probe(a, expect_f, &live_f);
	live_g = false;
	if (!live)
		ephmap_test_probe(a, expect_g, &live_g);
	ephmap_unmap(b);
	after = ephmap_test_probe(a, expect_f, &after_f);
	after_g = false;
	if (!after)
		ephmap_test_probe(a, expect_g, &after_g);
	entry_f = ephmap_test_entry(tm->mm, (unsigned long)a);
	ephmap_test_leave_mm(tm);

	KUNIT_EXPECT_TRUE(test, ephmap_addr_in_region((unsigned long)a));
	KUNIT_EXPECT_TRUE(test, ephmap_addr_in_region((unsigned long)b));
	KUNIT_EXPECT_PTR_NE(test, a, b);
	KUNIT_EXPECT_LT(test, slot_a, (unsigned int)EPHMAP_RING_SLOTS);
	if (slot_a < EPHMAP_RING_SLOTS - 1)
		KUNIT_EXPECT_EQ_MSG(test, slot_b, slot_a + 1,
				    "G did not take the next slot");
	KUNIT_EXPECT_TRUE(test, f_reads);
	KUNIT_EXPECT_TRUE(test, g_reads);
	KUNIT_EXPECT_EQ(test, entry_f, 0UL);
	if (!live) {
		KUNIT_EXPECT_TRUE_MSG(test, live_f, "stale pointer read neither F nor G");
		KUNIT_EXPECT_FALSE_MSG(test, live_g, "stale pointer read G");
	}
	if (!after) {
		KUNIT_EXPECT_TRUE_MSG(test, after_f, "stale pointer read neither F nor G");
		KUNIT_EXPECT_FALSE_MSG(test, after_g, "stale pointer read G");
	}
}

/*
 * A mapping live across a wrap keeps its slot, and the CPU may cache its
 * translation again after the wrap's flush.  Once it ends, that slot may
 * not be written again before the next flush (a stale translation would
 * show the old folio through the new mapping), and the references its
 * generations took must be dropped with them.
 */
static void ephmap_test_slot_live_across_wrap_waits_for_next_flush(struct kunit *test)
{
	bool wrapped, x_reads, landed = false, y_reads = false, y_reads_x = false;
	unsigned int cpu, slot_x, slot, i;
	struct ephmap_test_mm *tm;
	struct folio *x, *y, *z;
	unsigned long flushes;
	int base_x, ref_x;
	void *ax, *a;

	ephmap_test_require_window(test);

	x = ephmap_test_alloc_folio(test, 0, 161);
	KUNIT_ASSERT_NOT_NULL(test, x);
	y = ephmap_test_alloc_folio(test, 0, 162);
	KUNIT_ASSERT_NOT_NULL(test, y);
	z = ephmap_test_alloc_folio(test, 0, 163);
	KUNIT_ASSERT_NOT_NULL(test, z);
	base_x = folio_ref_count(x);

	/* A fresh mm: the ring starts at 0, so X takes slot 5. */
	tm = ephmap_test_enter_mm(test, true);
	cpu = raw_smp_processor_id();
	for (i = 0; i < 5; i++) {
		a = ephmap_map_whole_folio(z);
		ephmap_unmap(a);
	}
	ax = ephmap_map_whole_folio(x);
	slot_x = ephmap_test_slot(ax, cpu, false);

	/* Wrap the ring while X stays mapped. */
	flushes = ephmap_test_this_cpu_flushes();
	for (i = 0; i < 2 * EPHMAP_RING_SLOTS; i++) {
		a = ephmap_map_whole_folio(z);
		ephmap_unmap(a);
		if (ephmap_test_this_cpu_flushes() != flushes)
			break;
	}
	wrapped = ephmap_test_this_cpu_flushes() != flushes;
	flushes = ephmap_test_this_cpu_flushes();
	/* Read after the flush: X's slot is in this CPU's TLB again. */
	x_reads = ephmap_test_reads(ax, 161, 0, PAGE_SIZE);
	ephmap_unmap(ax);

	/* Map on until the next flush; Y must not get X's slot before it. */
	for (i = 0; i < 2 * EPHMAP_RING_SLOTS; i++) {
		a = ephmap_map_whole_folio(y);
		slot = ephmap_test_slot(a, cpu, false);
		if (ephmap_test_this_cpu_flushes() != flushes) {
			ephmap_unmap(a);
			break;
		}
		if (slot == slot_x) {
			landed = true;
			y_reads = ephmap_test_reads(a, 162, 0, PAGE_SIZE);
			y_reads_x = ephmap_test_reads(a, 161, 0, PAGE_SIZE);
			ephmap_unmap(a);
			break;
		}
		ephmap_unmap(a);
	}
	ephmap_test_leave_mm(tm);
	ephmap_drain_all();
	ref_x = folio_ref_count(x);

	KUNIT_EXPECT_LT(test, slot_x, (unsigned int)EPHMAP_RING_SLOTS);
	KUNIT_EXPECT_TRUE_MSG(test, wrapped, "the ring did not wrap");
	KUNIT_EXPECT_TRUE(test, x_reads);
	KUNIT_EXPECT_FALSE_MSG(test, landed,
			       "slot %u, live across the wrap, was written again before the next flush",
			       slot_x);
	if (landed)
		KUNIT_EXPECT_TRUE_MSG(test, y_reads, "the new mapping in slot %u read %s",
				      slot_x, y_reads_x ? "the old folio" : "garbage");
	KUNIT_EXPECT_EQ_MSG(test, ref_x, base_x,
			    "a reference X's generations took was never dropped");
}

/*
 * Each mapping takes a reference on its folio when it is made, through
 * either call and for a PMD too, and keeps it past the unmap until no TLB
 * can reach the folio; a direct-map fallback takes none.
 */
static void ephmap_test_mapping_holds_a_reference(struct kunit *test)
{
	int base, big_base, ref_mapped, ref_window, ref_unmapped, ref_pmd;
	int ref_direct, ref_end, big_end;
	bool in_region, reads;
	struct ephmap_test_mm *tm;
	struct folio *folio, *big;
	void *a, *b, *c, *d;

	ephmap_test_require_window(test);

	folio = ephmap_test_alloc_folio(test, 0, 171);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	big = ephmap_test_alloc_folio(test, PMD_ORDER, 172);
	KUNIT_ASSERT_NOT_NULL(test, big);
	base = folio_ref_count(folio);
	big_base = folio_ref_count(big);

	tm = ephmap_test_enter_mm(test, true);
	a = ephmap_map_folio_page(folio, 0);
	in_region = ephmap_addr_in_region((unsigned long)a);
	reads = ephmap_test_reads(a, 171, 0, PAGE_SIZE);
	ref_mapped = folio_ref_count(folio);
	b = ephmap_map_folio(folio, 100, 200);
	ref_window = folio_ref_count(folio);
	ephmap_unmap(b);
	ephmap_unmap(a);
	ref_unmapped = folio_ref_count(folio);
	c = ephmap_map_whole_folio(big);
	ephmap_unmap(c);
	ref_pmd = folio_ref_count(big);
	ephmap_test_leave_mm(tm);

	/* No mm: the direct map, and no reference. */
	d = ephmap_map_folio_page(folio, 0);
	ref_direct = folio_ref_count(folio);
	ephmap_unmap(d);

	ephmap_drain_all();
	ref_end = folio_ref_count(folio);
	big_end = folio_ref_count(big);

	KUNIT_EXPECT_TRUE(test, in_region);
	KUNIT_EXPECT_TRUE(test, reads);
	KUNIT_EXPECT_EQ_MSG(test, ref_mapped, base + 1,
			    "a mapping did not take a reference");
	KUNIT_EXPECT_EQ(test, ref_window, base + 2);
	KUNIT_EXPECT_EQ_MSG(test, ref_unmapped, base + 2,
			    "an unmap let go of a reference a TLB may need");
	KUNIT_EXPECT_EQ_MSG(test, ref_pmd, big_base + 1,
			    "a PMD mapping did not keep one reference");
	KUNIT_EXPECT_PTR_EQ(test, d, folio_address(folio));
	KUNIT_EXPECT_EQ(test, ref_direct, base + 2);
	KUNIT_EXPECT_EQ_MSG(test, ref_end, base, "the drain left references");
	KUNIT_EXPECT_EQ(test, big_end, big_base);
}

/* ---- Who may map ------------------------------------------------------- */

struct ephmap_test_irq {
	struct irq_work work;
	struct folio *folio;
	unsigned int seed;
	size_t offset;
	size_t len;
	/* Findings */
	void *addr;
	unsigned int cpu;
	bool hardirq;
	bool reads;
	atomic_t done;
};

static void ephmap_test_irq_fn(struct irq_work *work)
{
	struct ephmap_test_irq *ti = container_of(work, struct ephmap_test_irq,
						  work);
	void *addr;

	ti->hardirq = in_hardirq();
	ti->cpu = raw_smp_processor_id();
	addr = ephmap_map_folio(ti->folio, ti->offset, ti->len);
	ti->addr = addr;
	if (addr) {
		ti->reads = ephmap_test_reads(addr, ti->seed, ti->offset,
					      ti->len);
		ephmap_unmap(addr);
	}
	atomic_set_release(&ti->done, 1);
}

/*
 * An interrupt that copies while the task it interrupted holds as many
 * mappings as a wrap can carry: the interrupt maps nothing, so it finds
 * no limit, and gets the direct map without a warning.  Nothing sleeps
 * while they are held: the case spins for the irq_work, and syncs it
 * only once they have ended.
 */
static void ephmap_test_interrupt_gets_direct_map(struct kunit *test)
{
	struct folio *folios[EPHMAP_TEST_NEST], *filler, *folio;
	struct ephmap_test_events before, after, held0, held1;
	void *addrs[EPHMAP_TEST_NEST], **more;
	bool still_reads = true, in_ring, ran;
	struct ephmap_test_irq *ti;
	struct ephmap_test_mm *tm;
	unsigned int cpu, nr_more, i;

	ephmap_test_require_window(test);

	for (i = 0; i < EPHMAP_TEST_NEST; i++) {
		folios[i] = ephmap_test_alloc_folio(test, 0, 60 + i);
		KUNIT_ASSERT_NOT_NULL(test, folios[i]);
	}
	filler = ephmap_test_alloc_folio(test, 0, 58);
	KUNIT_ASSERT_NOT_NULL(test, filler);
	nr_more = EPHMAP_CARRY_MAX - EPHMAP_TEST_NEST;
	more = kunit_kcalloc(test, nr_more, sizeof(*more), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, more);
	folio = ephmap_test_alloc_folio(test, 4, 59);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	ti = kunit_kzalloc(test, sizeof(*ti), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ti);
	ti->work = IRQ_WORK_INIT_HARD(ephmap_test_irq_fn);
	ti->folio = folio;
	ti->seed = 59;
	ti->offset = 2 * PAGE_SIZE + 5;
	ti->len = 100;
	atomic_set(&ti->done, 0);

	tm = ephmap_test_enter_mm(test, true);
	ephmap_test_read_events(&before);
	for (i = 0; i < EPHMAP_TEST_NEST; i++)
		addrs[i] = ephmap_map_whole_folio(folios[i]);
	cpu = raw_smp_processor_id();
	in_ring = true;
	for (i = 0; i < EPHMAP_TEST_NEST; i++)
		in_ring &= ephmap_test_slot(addrs[i], cpu, false) <
			   EPHMAP_RING_SLOTS;
	for (i = 0; i < nr_more; i++) {
		more[i] = ephmap_map_whole_folio(filler);
		in_ring &= ephmap_test_slot(more[i], cpu, false) <
			   EPHMAP_RING_SLOTS;
	}
	/* Held: preemption is off, the irq_work runs on this CPU. */
	ephmap_test_read_this_cpu_events(&held0);
	irq_work_queue(&ti->work);
	ran = ephmap_test_spin_until(&ti->done, EPHMAP_TEST_SPIN);
	ephmap_test_read_this_cpu_events(&held1);
	for (i = 0; i < EPHMAP_TEST_NEST; i++)
		still_reads &= ephmap_test_reads(addrs[i], 60 + i, 0, PAGE_SIZE);
	for (i = nr_more; i-- > 0; )
		ephmap_unmap(more[i]);
	for (i = EPHMAP_TEST_NEST; i-- > 0; )
		ephmap_unmap(addrs[i]);
	/* Nothing held any more: it may sleep now. */
	irq_work_sync(&ti->work);
	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	KUNIT_EXPECT_TRUE_MSG(test, in_ring, "a held mapping fell outside the ring");
	KUNIT_EXPECT_TRUE(test, still_reads);
	KUNIT_EXPECT_TRUE_MSG(test, ran, "the irq_work did not run");
	if (!ran)
		return;
	KUNIT_EXPECT_TRUE(test, ti->hardirq);
	KUNIT_EXPECT_EQ(test, ti->cpu, cpu);
	KUNIT_EXPECT_PTR_EQ(test, ti->addr, folio_address(folio) + ti->offset);
	KUNIT_EXPECT_TRUE(test, ti->reads);
	/* Counted on this CPU while the mappings were held: the irq alone. */
	EPHMAP_EXPECT_EVENTS(test, held0, held1, context, 1);
	EPHMAP_EXPECT_EVENTS(test, held0, held1, nesting, 0);
	EPHMAP_EXPECT_EVENTS(test, held0, held1, misuse, 0);
	EPHMAP_EXPECT_EVENTS(test, held0, held1, map, 0);
	EPHMAP_EXPECT_EVENTS(test, before, after, map, EPHMAP_CARRY_MAX);
	EPHMAP_EXPECT_EVENTS(test, before, after, context, 1);
	EPHMAP_EXPECT_EVENTS(test, before, after, nesting, 0);
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 0);
}

/*
 * A kernel thread maps only the data of an mm it declared, so it gets the
 * direct map with a borrowed mm but no declaration, and without an mm.
 * Atomic all the same: the fallback holds preemption off until the unmap.
 */
static void ephmap_test_kthreads_get_direct_map(struct kunit *test)
{
	const size_t offset = PAGE_SIZE + 7;
	struct ephmap_test_events before, mid, after;
	bool held_no_mm, held_borrowed, back_no_mm, back_borrowed;
	struct ephmap_test_mm *tm;
	struct folio *folio;
	void *no_mm, *borrowed;

	ephmap_test_require_window(test);

	folio = ephmap_test_alloc_folio(test, 4, 71);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_ASSERT_NULL(test, current->mm);

	ephmap_test_read_events(&before);
	no_mm = ephmap_map_folio(folio, offset, 100);
	held_no_mm = !preemptible();
	ephmap_unmap(no_mm);
	back_no_mm = preemptible();
	ephmap_test_read_events(&mid);

	tm = ephmap_test_enter_mm(test, false);
	borrowed = ephmap_map_folio(folio, offset, 100);
	held_borrowed = !preemptible();
	ephmap_unmap(borrowed);
	back_borrowed = preemptible();
	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	KUNIT_EXPECT_PTR_EQ(test, no_mm, folio_address(folio) + offset);
	KUNIT_EXPECT_PTR_EQ(test, borrowed, folio_address(folio) + offset);
	if (IS_ENABLED(CONFIG_PREEMPT_COUNT)) {
		KUNIT_EXPECT_TRUE(test, held_no_mm);
		KUNIT_EXPECT_TRUE(test, back_no_mm);
		KUNIT_EXPECT_TRUE(test, held_borrowed);
		KUNIT_EXPECT_TRUE(test, back_borrowed);
	}
	KUNIT_EXPECT_TRUE(test, ephmap_test_has_pattern(folio, 71));
	EPHMAP_EXPECT_EVENTS(test, before, mid, no_mm, 1);
	EPHMAP_EXPECT_EVENTS(test, before, mid, context, 0);
	EPHMAP_EXPECT_EVENTS(test, before, mid, fallback, 1);
	EPHMAP_EXPECT_EVENTS(test, mid, after, context, 1);
	EPHMAP_EXPECT_EVENTS(test, mid, after, no_mm, 0);
	EPHMAP_EXPECT_EVENTS(test, mid, after, fallback, 1);
	EPHMAP_EXPECT_EVENTS(test, before, after, map, 0);
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 0);
	/* The borrowed mm never mapped: no page table for it. */
	KUNIT_EXPECT_EQ(test, ephmap_mm_pgtable_pages(tm->mm), 0UL);
}

/* ---- Page tables ------------------------------------------------------- */

struct ephmap_test_pgt {
	struct mm_struct *mm;
	struct mm_struct *parking;
	struct folio *folio;
	unsigned int seed;
	struct completion done;
	unsigned int cpu;
	bool in_region;
	bool reads;
};

static int ephmap_test_pgt_fn(void *data)
{
	struct ephmap_test_pgt *p = data;
	void *addr;

	kthread_use_mm(p->mm);
	ephmap_kthread_may_map(true);
	addr = ephmap_map_whole_folio(p->folio);
	p->cpu = raw_smp_processor_id();
	p->in_region = ephmap_addr_in_region((unsigned long)addr);
	p->reads = ephmap_test_reads(addr, p->seed, 0, PAGE_SIZE);
	ephmap_unmap(addr);
	ephmap_kthread_may_map(false);
	kthread_unuse_mm(p->mm);
	/*
	 * Switch to another mm: this CPU then holds neither a lazy reference
	 * to the test's mm nor its mm_cpumask() bit, so that only the
	 * ephmap's own references keep it once it is put.
	 */
	kthread_use_mm(p->parking);
	kthread_unuse_mm(p->parking);
	complete(&p->done);
	return ephmap_test_wait_for_stop();
}

static void ephmap_test_page_tables_follow_use(struct kunit *test)
{
	long n_start, n_before, n_after, tolerance;
	unsigned long pages, expected;
	struct mm_struct *mm, *parking;
	struct ephmap_test_pgt *p;
	unsigned int cpu, k = 0, max_cpu = 0, want;
	struct cpumask *used;
	struct folio *folio;

	ephmap_test_require_window(test);

	folio = ephmap_test_alloc_folio(test, 0, 81);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	used = kunit_kzalloc(test, cpumask_size(), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, used);
	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	want = min_t(unsigned int, num_online_cpus(), EPHMAP_TEST_PGT_CPUS);

	/* No generation of an earlier case holds an mm from here on. */
	ephmap_drain_all();
	n_start = ephmap_nr_pgtable_pages();
	parking = ephmap_test_spare_mm(test);
	mm = ephmap_test_spare_mm(test);
	KUNIT_EXPECT_EQ(test, ephmap_mm_pgtable_pages(mm), 0UL);

	for_each_online_cpu(cpu) {
		struct task_struct *task;
		unsigned long left;

		if (k == want)
			break;
		memset(p, 0, sizeof(*p));
		p->mm = mm;
		p->parking = parking;
		p->folio = folio;
		p->seed = 81;
		init_completion(&p->done);
		task = kthread_create(ephmap_test_pgt_fn, p, "ephmap_test_pgt/%u",
				      cpu);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
		kthread_bind(task, cpu);
		wake_up_process(task);
		left = wait_for_completion_timeout(&p->done, EPHMAP_TEST_TIMEOUT);
		kthread_stop(task);

		KUNIT_EXPECT_NE_MSG(test, left, 0UL, "CPU %u", cpu);
		KUNIT_EXPECT_EQ(test, p->cpu, cpu);
		KUNIT_EXPECT_TRUE_MSG(test, p->in_region, "CPU %u", cpu);
		KUNIT_EXPECT_TRUE_MSG(test, p->reads, "CPU %u", cpu);
		if (!left || !p->in_region)
			continue;
		cpumask_set_cpu(cpu, used);
		max_cpu = cpu;
		k++;
		pages = ephmap_mm_pgtable_pages(mm);
		KUNIT_EXPECT_EQ_MSG(test, pages, ephmap_pgtable_pages_for(used),
				    "after %u CPUs, the last %u", k, cpu);
		if (max_cpu < 511) {
			expected = 2 * k + (pgtable_l5_enabled() ? 3 : 2);
			KUNIT_EXPECT_EQ_MSG(test, pages, expected,
					    "after %u CPUs", k);
		}
	}
	KUNIT_EXPECT_EQ(test, k, want);
	KUNIT_EXPECT_EQ(test, ephmap_mm_pgtable_pages(parking), 0UL);

	/*
	 * Now only the mm's users reference and the generations of the CPUs
	 * that mapped hold it: mmput() and a drain free it and its tables.
	 */
	pages = ephmap_mm_pgtable_pages(mm);
	n_before = ephmap_nr_pgtable_pages();
	kunit_release_action(test, ephmap_test_mmput, mm);
	ephmap_drain_all();
	n_after = ephmap_nr_pgtable_pages();
	KUNIT_EXPECT_EQ_MSG(test, n_after, n_before - (long)pages,
			    "the mm's %lu page-table pages were not freed with it",
			    pages);
	/* Loosely: CPUs that lazily hold an mm may keep its tables for now. */
	tolerance = (long)num_online_cpus() * (2 + 3);
	KUNIT_EXPECT_LE(test, n_after, n_start + tolerance);
}

/* ---- Misuse ------------------------------------------------------------ */

static void ephmap_test_require_debug_vm(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_DEBUG_VM))
		kunit_skip(test, "checked with CONFIG_DEBUG_VM only");
}

struct ephmap_test_range {
	size_t offset;
	size_t len;
};

static void ephmap_test_window_outside_folio_returns_null(struct kunit *test)
{
	struct ephmap_test_events before, after;
	struct ephmap_test_range bad[4];
	void *bad_addr[ARRAY_SIZE(bad)];
	bool held[ARRAY_SIZE(bad)];
	bool alone_preemptible, alone_pf, next_reads = false;
	unsigned int cpu, first_slot, next_slot, i;
	struct ephmap_test_mm *tm;
	struct folio *folio;
	void *alone, *first, *next;
	int pc, pf;
	size_t size;

	ephmap_test_require_window(test);
	ephmap_test_require_debug_vm(test);

	folio = ephmap_test_alloc_folio(test, 4, 91);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	size = folio_size(folio);
	bad[0] = (struct ephmap_test_range){ size - 10, 11 };	/* one past */
	bad[1] = (struct ephmap_test_range){ 0, 0 };		/* empty */
	bad[2] = (struct ephmap_test_range){ size, 1 };		/* after it */
	bad[3] = (struct ephmap_test_range){ 0, size + 1 };	/* too long */

	tm = ephmap_test_enter_mm(test, true);
	ephmap_test_read_events(&before);

	/* NULL, with preemption and page faults as they were: no unmap. */
	ephmap_test_expect_warn_begin();
	alone = ephmap_map_folio(folio, size, 1);
	ephmap_test_expect_warn_end();
	alone_preemptible = preemptible();
	alone_pf = pagefault_disabled();

	/* Under a live mapping, so that a slot taken by mistake would show. */
	first = ephmap_map_folio(folio, 0, PAGE_SIZE);
	cpu = raw_smp_processor_id();
	pc = preempt_count();
	pf = current->pagefault_disabled;
	ephmap_test_expect_warn_begin();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		bad_addr[i] = ephmap_map_folio(folio, bad[i].offset, bad[i].len);
		held[i] = preempt_count() != pc ||
			  current->pagefault_disabled != pf;
	}
	ephmap_test_expect_warn_end();
	next = ephmap_map_folio(folio, PAGE_SIZE, PAGE_SIZE);
	if (next)
		next_reads = ephmap_test_reads(next, 91, PAGE_SIZE, PAGE_SIZE);
	first_slot = ephmap_test_slot(first, cpu, false);
	next_slot = ephmap_test_slot(next, cpu, false);
	if (next)
		ephmap_unmap(next);
	ephmap_unmap(first);

	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	KUNIT_EXPECT_NULL(test, alone);
	if (IS_ENABLED(CONFIG_PREEMPT_COUNT))
		KUNIT_EXPECT_TRUE_MSG(test, alone_preemptible,
				      "a refused map left preemption off");
	KUNIT_EXPECT_FALSE_MSG(test, alone_pf,
			       "a refused map left page faults off");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_NULL_MSG(test, bad_addr[i], "bytes [%zu, +%zu)",
				      bad[i].offset, bad[i].len);
		KUNIT_EXPECT_FALSE_MSG(test, held[i],
				       "bytes [%zu, +%zu): something left held",
				       bad[i].offset, bad[i].len);
	}
	KUNIT_EXPECT_LT(test, first_slot, (unsigned int)EPHMAP_RING_SLOTS);
	KUNIT_EXPECT_TRUE(test, next_reads);
	if (first_slot < EPHMAP_RING_SLOTS - 1)
		KUNIT_EXPECT_EQ(test, next_slot, first_slot + 1);
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, ARRAY_SIZE(bad) + 1);
	EPHMAP_EXPECT_EVENTS(test, before, after, map, 2);
}

/*
 * A window of more than EPHMAP_PTE_WINDOW_MAX pages needs one 2 MiB-aligned
 * block of a folio of 2 MiB or more; anything else is refused in every
 * build.
 */
static void ephmap_test_large_window_needs_pmd_block(struct kunit *test)
{
	static const struct ephmap_test_range mid_bad[] = {
		{ 0, SZ_1M },				/* a 1 MiB folio */
		{ PAGE_SIZE, (EPHMAP_PTE_WINDOW_MAX + 1) * PAGE_SIZE },
	};
	struct ephmap_test_events before, after;
	void *mid_addr[ARRAY_SIZE(mid_bad)];
	bool mid_back[ARRAY_SIZE(mid_bad)];
	void *straddle = NULL, *second = NULL;
	bool straddle_back = true, second_reads = false, second_maps = false;
	unsigned long second_pfn = 0;
	unsigned int i, refused = ARRAY_SIZE(mid_bad);
	struct ephmap_test_mm *tm;
	struct folio *mid, *big = NULL;

	ephmap_test_require_window(test);

	mid = ephmap_test_alloc_folio(test, ilog2(SZ_1M / PAGE_SIZE), 101);
	KUNIT_ASSERT_NOT_NULL(test, mid);
	if (PMD_ORDER + 1 <= MAX_PAGE_ORDER)
		big = ephmap_test_alloc_folio(test, PMD_ORDER + 1, 102);
	if (!big)
		kunit_info(test, "no order-%u folio: two-block folio not tested\n",
			   PMD_ORDER + 1);

	tm = ephmap_test_enter_mm(test, true);
	ephmap_test_read_events(&before);
	for (i = 0; i < ARRAY_SIZE(mid_bad); i++) {
		mid_addr[i] = ephmap_map_folio(mid, mid_bad[i].offset,
					       mid_bad[i].len);
		mid_back[i] = preemptible() && !pagefault_disabled();
		if (mid_addr[i])
			ephmap_unmap(mid_addr[i]);
	}
	if (big) {
		/* Across the boundary of its two 2 MiB blocks: refused. */
		straddle = ephmap_map_folio(big, SZ_1M, SZ_2M);
		straddle_back = preemptible() && !pagefault_disabled();
		if (straddle)
			ephmap_unmap(straddle);
		/* Within its second block: one PMD entry for that block. */
		second = ephmap_map_folio(big, PMD_SIZE + PAGE_SIZE, SZ_1M);
		if (second) {
			second_reads = ephmap_test_reads(second, 102,
							 PMD_SIZE + PAGE_SIZE,
							 SZ_1M);
			second_maps = ephmap_test_translates(tm->mm,
							     (unsigned long)second,
							     &second_pfn);
			ephmap_unmap(second);
		}
		refused++;
	}
	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	for (i = 0; i < ARRAY_SIZE(mid_bad); i++) {
		KUNIT_EXPECT_NULL_MSG(test, mid_addr[i], "bytes [%zu, +%zu)",
				      mid_bad[i].offset, mid_bad[i].len);
		if (IS_ENABLED(CONFIG_PREEMPT_COUNT))
			KUNIT_EXPECT_TRUE(test, mid_back[i]);
	}
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, refused);
	if (!big)
		return;
	KUNIT_EXPECT_NULL(test, straddle);
	if (IS_ENABLED(CONFIG_PREEMPT_COUNT))
		KUNIT_EXPECT_TRUE(test, straddle_back);
	KUNIT_EXPECT_TRUE(test, ephmap_addr_in_region((unsigned long)second));
	KUNIT_EXPECT_TRUE(test, second_reads);
	KUNIT_EXPECT_TRUE(test, second_maps);
	KUNIT_EXPECT_EQ(test, second_pfn,
			folio_pfn(big) + ((PMD_SIZE + PAGE_SIZE) >> PAGE_SHIFT));
	EPHMAP_EXPECT_EVENTS(test, before, after, map_pmd, 1);
}

/* Mappings may end in any order: each unmap ends its own, quietly. */
static void ephmap_test_out_of_order_unmap_ends_that_mapping(struct kunit *test)
{
	struct ephmap_test_events before, after;
	struct folio *folios[3];
	void *addrs[3], *again;
	bool reads[3] = { }, maps[3] = { }, last_reads;
	unsigned long mid_entry, first_entry, entries[3], pfn;
	bool again_in;
	struct ephmap_test_mm *tm;
	unsigned int i;

	ephmap_test_require_window(test);

	for (i = 0; i < ARRAY_SIZE(folios); i++) {
		folios[i] = ephmap_test_alloc_folio(test, 0, 111 + i);
		KUNIT_ASSERT_NOT_NULL(test, folios[i]);
	}

	tm = ephmap_test_enter_mm(test, true);
	ephmap_test_read_events(&before);
	for (i = 0; i < ARRAY_SIZE(folios); i++)
		addrs[i] = ephmap_map_whole_folio(folios[i]);

	/* The middle one first: it is the one that goes. */
	ephmap_unmap(addrs[1]);
	mid_entry = ephmap_test_entry(tm->mm, (unsigned long)addrs[1]);
	for (i = 0; i < ARRAY_SIZE(folios); i += 2) {
		pfn = 0;
		maps[i] = ephmap_test_translates(tm->mm, (unsigned long)addrs[i],
						 &pfn) &&
			  pfn == folio_pfn(folios[i]);
		reads[i] = ephmap_test_reads(addrs[i], 111 + i, 0, PAGE_SIZE);
	}
	/* Then the first, under the last. */
	ephmap_unmap(addrs[0]);
	first_entry = ephmap_test_entry(tm->mm, (unsigned long)addrs[0]);
	last_reads = ephmap_test_reads(addrs[2], 113, 0, PAGE_SIZE);
	ephmap_unmap(addrs[2]);
	for (i = 0; i < ARRAY_SIZE(folios); i++)
		entries[i] = ephmap_test_entry(tm->mm, (unsigned long)addrs[i]);

	/* Nothing is left live: the next mapping is an ordinary one. */
	again = ephmap_map_whole_folio(folios[0]);
	again_in = ephmap_addr_in_region((unsigned long)again);
	ephmap_unmap(again);

	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	for (i = 0; i < ARRAY_SIZE(folios); i++)
		KUNIT_EXPECT_TRUE(test, ephmap_addr_in_region((unsigned long)addrs[i]));
	KUNIT_EXPECT_EQ_MSG(test, mid_entry, 0UL, "the middle mapping stayed");
	for (i = 0; i < ARRAY_SIZE(folios); i += 2) {
		KUNIT_EXPECT_TRUE_MSG(test, maps[i], "mapping %u lost", i);
		KUNIT_EXPECT_TRUE_MSG(test, reads[i], "mapping %u reads wrong", i);
	}
	KUNIT_EXPECT_EQ_MSG(test, first_entry, 0UL, "the first mapping stayed");
	KUNIT_EXPECT_TRUE_MSG(test, last_reads, "the last mapping lost its folio");
	for (i = 0; i < ARRAY_SIZE(folios); i++)
		KUNIT_EXPECT_EQ_MSG(test, entries[i], 0UL, "mapping %u left", i);
	KUNIT_EXPECT_TRUE(test, again_in);
	EPHMAP_EXPECT_EVENTS(test, before, after, map, ARRAY_SIZE(folios) + 1);
	EPHMAP_EXPECT_NO_FALLBACK(test, before, after);
}

static void ephmap_test_unmap_of_unmapped_address_is_counted(struct kunit *test)
{
	struct ephmap_test_events before, after;
	bool still_maps, still_reads, back;
	unsigned long pfn = 0, entry;
	struct ephmap_test_mm *tm;
	struct folio *folio;
	unsigned int cpu, slot;
	unsigned long stray;
	void *addr;

	ephmap_test_require_window(test);
	ephmap_test_require_debug_vm(test);

	folio = ephmap_test_alloc_folio(test, 0, 121);
	KUNIT_ASSERT_NOT_NULL(test, folio);

	tm = ephmap_test_enter_mm(test, true);
	ephmap_test_read_events(&before);
	addr = ephmap_map_whole_folio(folio);
	cpu = raw_smp_processor_id();
	slot = ephmap_test_slot(addr, cpu, false);
	/* Another slot of this CPU's ring, which nothing holds. */
	stray = ephmap_pte_ring(cpu) +
		((slot + EPHMAP_RING_SLOTS / 2) % EPHMAP_RING_SLOTS) * PAGE_SIZE +
		0x10;

	/*
	 * A stray unmap still re-enables what a map disabled: disable once
	 * more, as the mapping it did not end still needs both off.
	 */
	preempt_disable();
	pagefault_disable();
	ephmap_test_expect_warn_begin();
	ephmap_unmap((void *)stray);
	ephmap_test_expect_warn_end();

	still_maps = ephmap_test_translates(tm->mm, (unsigned long)addr, &pfn) &&
		     pfn == folio_pfn(folio);
	still_reads = ephmap_test_reads(addr, 121, 0, PAGE_SIZE);
	ephmap_unmap(addr);
	entry = ephmap_test_entry(tm->mm, (unsigned long)addr);

	/* Twice. */
	preempt_disable();
	pagefault_disable();
	ephmap_test_expect_warn_begin();
	ephmap_unmap(addr);
	ephmap_test_expect_warn_end();
	back = preemptible() && !pagefault_disabled();

	ephmap_test_read_events(&after);
	ephmap_test_leave_mm(tm);

	KUNIT_EXPECT_LT(test, slot, (unsigned int)EPHMAP_RING_SLOTS);
	KUNIT_EXPECT_TRUE(test, still_maps);
	KUNIT_EXPECT_TRUE(test, still_reads);
	KUNIT_EXPECT_EQ(test, entry, 0UL);
	if (IS_ENABLED(CONFIG_PREEMPT_COUNT))
		KUNIT_EXPECT_TRUE(test, back);
	EPHMAP_EXPECT_EVENTS(test, before, after, misuse, 2);
	EPHMAP_EXPECT_EVENTS(test, before, after, map, 1);
}

/* ---- ASI --------------------------------------------------------------- */

#ifdef CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION
static unsigned long ephmap_test_this_cpu_asi_exits(void)
{
	return this_cpu_read(vm_event_states.event[ASI_EXITS_FAULT]) +
	       this_cpu_read(vm_event_states.event[ASI_EXITS_EXPLICIT]);
}

/*
 * The point of the ephmap under ASI: a folio of user data, which the
 * restricted direct map leaves out, is read through the ephmap with no
 * exit, while a read through the direct map exits exactly once.  Exits
 * are counted on this CPU, with preemption off.
 */
static void ephmap_test_sensitive_folio_reads_without_asi_exit(struct kunit *test)
{
	unsigned long exits_window, exits_direct, exits0;
	bool pattern_ok, in_region, restricted;
	struct ephmap_test_mm *tm;
	struct folio *folio;
	const u8 *addr;
	u8 direct;

	ephmap_test_require_window(test);
	if (!asi_enabled())
		kunit_skip(test, "needs asi=on");
	folio = ephmap_test_alloc_folio_gfp(test, GFP_USER, 0, 131);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	if (!asi_pfn_is_sensitive(folio_pfn(folio)))
		kunit_skip(test, "GFP_USER gave a non-sensitive folio");

	tm = ephmap_test_enter_mm(test, true);
	preempt_disable();
	asi_enter();
	exits0 = ephmap_test_this_cpu_asi_exits();
	addr = ephmap_map_whole_folio(folio);
	in_region = ephmap_addr_in_region((unsigned long)addr);
	pattern_ok = ephmap_test_reads(addr, 131, 0, PAGE_SIZE);
	ephmap_unmap(addr);
	restricted = asi_is_restricted();
	exits_window = ephmap_test_this_cpu_asi_exits() - exits0;

	direct = READ_ONCE(*(u8 *)folio_address(folio));
	exits_direct = ephmap_test_this_cpu_asi_exits() - exits0 - exits_window;
	preempt_enable();
	ephmap_test_leave_mm(tm);

	KUNIT_EXPECT_TRUE(test, in_region);
	KUNIT_EXPECT_TRUE(test, pattern_ok);
	KUNIT_EXPECT_TRUE(test, restricted);
	KUNIT_EXPECT_EQ(test, exits_window, 0UL);
	KUNIT_EXPECT_EQ(test, exits_direct, 1UL);
	KUNIT_EXPECT_EQ(test, direct, ephmap_test_byte(131, 0));
}
#endif /* CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION */

/* ---- Off --------------------------------------------------------------- */

static void ephmap_test_off_maps_through_direct_map(struct kunit *test)
{
	const size_t offset = 2 * PAGE_SIZE + 9;
	struct ephmap_test_events before, after;
	bool preempt_on, pf_on;
	struct ephmap_test_mm *tm;
	unsigned long pages;
	struct folio *folio;
	void *addr, *whole, *put;
	int base, ref_put;

	if (ephmap_enabled())
		kunit_skip(test, "ephmap is on (this case is for ephmap=off)");

	folio = ephmap_test_alloc_folio(test, 4, 141);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	base = folio_ref_count(folio);

	/* Even a thread with an mm, allowed to map, gets the direct map. */
	tm = ephmap_test_enter_mm(test, true);
	ephmap_test_read_events(&before);
	addr = ephmap_map_folio(folio, offset, 300);
	whole = ephmap_map_whole_folio(folio);
	/* Off, nothing else happens: preemption and faults stay on. */
	preempt_on = preemptible();
	pf_on = !pagefault_disabled();
	ephmap_unmap(whole);
	ephmap_unmap(addr);
	/* ... and the page call, which takes no reference. */
	put = ephmap_map_folio_page(folio, offset);
	ref_put = folio_ref_count(folio);
	ephmap_unmap(put);
	ephmap_drain_all();
	ephmap_test_read_events(&after);
	pages = ephmap_mm_pgtable_pages(tm->mm);
	ephmap_test_leave_mm(tm);

	KUNIT_EXPECT_PTR_EQ(test, addr, folio_address(folio) + offset);
	KUNIT_EXPECT_PTR_EQ(test, whole, folio_address(folio));
	KUNIT_EXPECT_PTR_EQ(test, put, folio_address(folio) + offset);
	KUNIT_EXPECT_EQ(test, ref_put, base);
	KUNIT_EXPECT_FALSE(test, ephmap_addr_in_region((unsigned long)addr));
	if (IS_ENABLED(CONFIG_PREEMPT_COUNT))
		KUNIT_EXPECT_TRUE(test, preempt_on);
	KUNIT_EXPECT_TRUE(test, pf_on);
	KUNIT_EXPECT_TRUE(test, ephmap_test_has_pattern(folio, 141));
	KUNIT_EXPECT_EQ(test, pages, 0UL);
	EPHMAP_EXPECT_EVENTS(test, before, after, map, 0);
	EPHMAP_EXPECT_EVENTS(test, before, after, map_pmd, 0);
	EPHMAP_EXPECT_NO_FALLBACK(test, before, after);
	EPHMAP_EXPECT_EVENTS(test, before, after, flush_all, 0);
	EPHMAP_EXPECT_EVENTS(test, before, after, flush_remote, 0);
}

static struct kunit_case ephmap_test_cases[] = {
	KUNIT_CASE(ephmap_test_mappings_read_back),
	KUNIT_CASE(ephmap_test_nesting_is_bounded_by_the_ring),
	KUNIT_CASE(ephmap_test_copy_between_two_mapped_folios),
	KUNIT_CASE(ephmap_test_other_mm_has_no_translation),
	KUNIT_CASE(ephmap_test_steady_state_invalidations),
	KUNIT_CASE(ephmap_test_steady_state_with_a_second_cpu),
	KUNIT_CASE(ephmap_test_tlb_invariant_on_two_cpus),
	KUNIT_CASE(ephmap_test_ring_wrap_releases_folio),
	KUNIT_CASE(ephmap_test_slot_live_across_wrap_waits_for_next_flush),
	KUNIT_CASE(ephmap_test_mapping_holds_a_reference),
	KUNIT_CASE(ephmap_test_stale_pointer_never_reads_next_folio),
	KUNIT_CASE(ephmap_test_interrupt_gets_direct_map),
	KUNIT_CASE(ephmap_test_kthreads_get_direct_map),
	KUNIT_CASE(ephmap_test_page_tables_follow_use),
	KUNIT_CASE(ephmap_test_window_outside_folio_returns_null),
	KUNIT_CASE(ephmap_test_large_window_needs_pmd_block),
	KUNIT_CASE(ephmap_test_out_of_order_unmap_ends_that_mapping),
	KUNIT_CASE(ephmap_test_unmap_of_unmapped_address_is_counted),
#ifdef CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION
	KUNIT_CASE(ephmap_test_sensitive_folio_reads_without_asi_exit),
#endif
	KUNIT_CASE(ephmap_test_off_maps_through_direct_map),
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
