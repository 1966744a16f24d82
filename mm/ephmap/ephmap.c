// SPDX-License-Identifier: GPL-2.0
/*
 * The ephmap: short-lived mappings of folios in an mm-local, CPU-local
 * window, for kernel paths that copy page-cache data (see
 * <linux/ephmap.h> and Documentation/mm/ephmap.rst).
 *
 * Each CPU with a window has two rings of slots in every mm's region: 512
 * of 4 KiB (one PTE table) and 512 of 2 MiB (one PMD table).  A mapping
 * takes the next free slots of its ring and writes their entries; an
 * unmap clears them and invalidates nothing.  A slot is reused only after
 * its ring wrapped, and a wrap flushes this CPU's TLB, so a CPU finds in
 * its TLB only what a slot mapped since its last flush.
 *
 * Other CPUs running the mm may have cached those translations too
 * (speculatively, through the shared page tables).  So every mapping takes
 * a reference on its folio, kept in the CPU's current *batch*, and a batch
 * lets go of its folios only once no CPU can translate to them any more:
 * at once when no other CPU has the mm loaded (a CPU that left the mm
 * wrote CR3, and the ephmap runs without PCID, so its TLB lost the
 * entries), else after an IPI flush of the mm's other CPUs, which the release
 * work does for many batches at a time.  A folio mapped here thus cannot
 * be freed, truncated away for good, migrated or reused while any TLB may
 * still reach it.
 *
 * A CPU's batch belongs to one mm, the mm of its *generation*; mapping in
 * another mm ends the generation (the CR3 write already flushed the TLB).
 * All per-CPU state changes with preemption disabled, in task context
 * only: interrupts and other contexts that must not map (see
 * ephmap_context_ok()) get the direct map.
 */
#define pr_fmt(fmt) "ephmap: " fmt

#include <linux/asi.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/ephmap.h>
#include <linux/init.h>
#include <linux/llist.h>
#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/ephmap.h>

DEFINE_STATIC_KEY_FALSE(ephmap_enabled_key);
EXPORT_SYMBOL_IF_KUNIT(ephmap_enabled_key);

/* Spare batches a CPU keeps; page-table pages it keeps in reserve. */
#define EPHMAP_SPARE_BATCHES	3
#define EPHMAP_RESERVE_PAGES	6
/* Longest a retired batch waits for the remote flush. */
#define EPHMAP_RELEASE_DELAY	(HZ / 50)
/* Mappings per CPU sent an IPI that a remote flush must amortize. */
#define EPHMAP_MAPS_PER_IPI	64
/* Flags a carried slot of the PMD ring (EPHMAP_CARRY_MAX: internal.h). */
#define EPHMAP_CARRIED_PMD	0x8000
/* A batch's folio array: one entry per slot of both rings. */
#define EPHMAP_BATCH_ORDER	1
#define EPHMAP_PMD_BASE		EPHMAP_RING_SLOTS

/*
 * The folios of one generation, by slot: entry s (PTE ring) or
 * EPHMAP_PMD_BASE + s (PMD ring) is the folio slot s mapped (for every
 * page of a window of several), and holds a reference on it, taken when
 * the slot was mapped.  Entries below the ring's next are never NULL: the
 * release loop does not test.
 */
struct ephmap_batch {
	struct llist_node	node;
	struct mm_struct	*mm;
	unsigned int		cpu;
	unsigned int		nr_pte;	/* entries in use in each ring */
	unsigned int		nr_pmd;
	struct folio		**folio;
};

/*
 * A ring of EPHMAP_RING_SLOTS slots of this CPU in the generation's mm.
 * Slots [next, limit) are free; limit is EPHMAP_RING_SLOTS, or the first
 * slot still held by a mapping made before the last wrap.
 */
struct ephmap_ring {
	void			*table;	/* entries of this CPU's slots */
	unsigned long		va;	/* address of slot 0 */
	unsigned int		next;
	unsigned int		limit;
};

struct ephmap_cpu {
	/* The fast path's. */
	struct mm_struct	*mm;	/* of the generation, grabbed */
	struct folio		**folio;	/* the batch's array */
	struct ephmap_ring	pte;
	struct ephmap_batch	*batch;
	struct ephmap_ring	pmd;
	/*
	 * Per PTE slot: (page index in its mapping << 4) | (pages - 1), so
	 * that unmap finds a mapping's first slot and size from any address
	 * in it.  0 for a single page, and for every slot not mapped.
	 */
	u8			info[EPHMAP_RING_SLOTS];

	/* Slots carried over the last wrap: taken until the next one. */
	unsigned int		nr_carried;
	u16			carried[EPHMAP_CARRY_MAX];

	bool			window;	/* this CPU has one */
	unsigned int		nr_reserve;
	struct page		*reserve[EPHMAP_RESERVE_PAGES];
	struct llist_head	spare;	/* empty batches */
	struct work_struct	refill_work;
	struct work_struct	drain_work;
	unsigned long		age_sig;	/* ephmap_age_fn()'s */
};

static DEFINE_PER_CPU(struct ephmap_cpu, ephmap_cpu);

/*
 * Batches waiting for a remote flush, and the work that releases them;
 * the work that ends generations left idle.  On a WQ_MEM_RECLAIM queue:
 * reclaim, CMA and memory offline may wait for the folios they release.
 */
static struct workqueue_struct *ephmap_wq __ro_after_init;
static LLIST_HEAD(ephmap_retired);
/* Releases under way: taken off ephmap_retired, not all released yet. */
static atomic_t ephmap_releasing = ATOMIC_INIT(0);
static void ephmap_release_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ephmap_release_work, ephmap_release_fn);
static void ephmap_age_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ephmap_age_work, ephmap_age_fn);
/* How long a generation that maps nothing keeps its folios, at most 2x. */
#define EPHMAP_IDLE_DELAY	HZ

/* -1: not given, then ASI decides; -2: not understood, off. */
static int ephmap_param = -1;

static int __init ephmap_parse_param(char *arg)
{
	if (!arg)
		return -EINVAL;
	if (!strcmp(arg, "on")) {
		ephmap_param = 1;
		arch_ephmap_early_enable();
	} else if (!strcmp(arg, "off")) {
		ephmap_param = 0;
	} else {
		pr_warn("unknown value ephmap=%s (want on or off); the ephmap stays off\n",
			arg);
		ephmap_param = -2;
	}
	return 0;
}
early_param("ephmap", ephmap_parse_param);

struct ephmap_stats {
	unsigned long count[NR_EPHMAP_STATS];
};

static DEFINE_PER_CPU(struct ephmap_stats, ephmap_stats);

static inline void ephmap_stat_add(enum ephmap_stat_item item, unsigned long n)
{
	this_cpu_add(ephmap_stats.count[item], n);
}

unsigned long ephmap_stat_cpu(enum ephmap_stat_item item, int cpu)
{
	return per_cpu(ephmap_stats, cpu).count[item];
}
EXPORT_SYMBOL_IF_KUNIT(ephmap_stat_cpu);

unsigned long ephmap_stat_sum(enum ephmap_stat_item item)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += ephmap_stat_cpu(item, cpu);
	return sum;
}
EXPORT_SYMBOL_IF_KUNIT(ephmap_stat_sum);

static void ephmap_count_fallback(enum ephmap_stat_item why, struct folio *folio)
{
	count_vm_event(EPHMAP_FALLBACK);
	ephmap_stat_add(why, 1);
	trace_ephmap_fallback(why, folio_pfn(folio));
}

/*
 * Whose data may enter an mm's region: a mapping is visible, while any TLB
 * holds it, to every thread of the mm on every CPU.  Task context only,
 * for the task's own mm: an interrupt or softirq copies data that need not
 * be the interrupted mm's.  A kernel thread that borrowed an mm only if it
 * declared that it copies that mm's own data.  And only where the mm's
 * tables are the loaded ones (not under efi_mm or poking_mm).
 */
static bool ephmap_context_ok(struct ephmap_cpu *ec, struct mm_struct *mm,
			      enum ephmap_stat_item *why)
{
	*why = EPHMAP_STAT_FALLBACK_CONTEXT;
	if (!mm) {
		if (in_task())
			*why = EPHMAP_STAT_FALLBACK_NO_MM;
		return false;
	}
	if (!in_task() || !ec->window || !arch_ephmap_mm_loaded(mm))
		return false;
	return !(current->flags & PF_KTHREAD) ||
	       current->ephmap.kthread_may_map;
}

static void ephmap_queue_refill(struct ephmap_cpu *ec)
{
	queue_work_on(smp_processor_id(), ephmap_wq, &ec->refill_work);
}

static struct ephmap_batch *ephmap_take_spare(struct ephmap_cpu *ec)
{
	struct llist_node *node = llist_del_first(&ec->spare);

	if (llist_empty(&ec->spare))
		ephmap_queue_refill(ec);
	return node ? llist_entry(node, struct ephmap_batch, node) : NULL;
}

/*
 * A batch for a new generation.  If none is spare, this CPU's retired
 * batches wait for the release work, which a task mapping here without a
 * break can keep off the CPU for a whole time slice: release them here
 * instead, or wait for the release another CPU has under way (it runs
 * with preemption off, and this CPU takes its IPIs while it waits).
 * Both wait for IPIs: not with interrupts off, and, where the preemption
 * count tells, not inside a caller's spinlock, which a CPU being sent an
 * IPI could be spinning on with interrupts off.
 */
static struct ephmap_batch *ephmap_next_batch(struct ephmap_cpu *ec)
{
	struct ephmap_batch *b = ephmap_take_spare(ec);

	if (b || irqs_disabled() ||
	    (IS_ENABLED(CONFIG_PREEMPT_COUNT) && preempt_count() > 1))
		return b;
	ephmap_release_fn(NULL);
	b = ephmap_take_spare(ec);
	if (b)
		return b;
	while (atomic_read(&ephmap_releasing))
		cpu_relax();
	return ephmap_take_spare(ec);
}

static unsigned int ephmap_batch_maps(struct ephmap_batch *b)
{
	return b->nr_pte + b->nr_pmd;
}

/*
 * folio_get(), inline: one per mapping, when it is made.  The caller holds
 * a reference, so the count is not zero.
 */
static __always_inline void ephmap_folio_get(struct folio *folio)
{
	if (IS_ENABLED(CONFIG_DEBUG_PAGE_REF) || IS_ENABLED(CONFIG_DEBUG_VM))
		folio_get(folio);
	else
		atomic_inc(&folio->_refcount);
}

/* folio_put(), inline: one per mapping, when its batch is released. */
static __always_inline void ephmap_folio_put(struct folio *folio)
{
	if (IS_ENABLED(CONFIG_DEBUG_PAGE_REF) || IS_ENABLED(CONFIG_DEBUG_VM))
		folio_put(folio);
	else if (atomic_dec_and_test(&folio->_refcount))
		__folio_put(folio);
}

/*
 * Drops one reference on each of @nr folios.  Four at a time: the loop's
 * own instructions are then a quarter of the cost of a mapping's release.
 */
static void ephmap_put_folios(struct folio **folio, unsigned int nr)
{
	struct folio **end = folio + nr;

	for (; end - folio >= 4; folio += 4) {
		ephmap_folio_put(folio[0]);
		ephmap_folio_put(folio[1]);
		ephmap_folio_put(folio[2]);
		ephmap_folio_put(folio[3]);
	}
	for (; folio < end; folio++)
		ephmap_folio_put(*folio);
}

/* Drops the references of a retired batch. */
static void ephmap_put_batch_folios(struct ephmap_batch *b)
{
	ephmap_put_folios(b->folio, b->nr_pte);
	ephmap_put_folios(b->folio + EPHMAP_PMD_BASE, b->nr_pmd);
	b->nr_pte = 0;
	b->nr_pmd = 0;
}

/* An empty batch goes back to the CPU it came from. */
static void ephmap_recycle(struct ephmap_batch *b)
{
	b->mm = NULL;
	llist_add(&b->node, &per_cpu(ephmap_cpu, b->cpu).spare);
}

/*
 * Hands over batch @b of a generation of @mm that ended on this CPU, whose
 * TLB no longer holds its translations: released at once if no other CPU
 * can hold them, else queued for a remote flush.  The batch takes over
 * the generation's reference on @mm.
 */
static void ephmap_queue_retired(struct ephmap_batch *b, struct mm_struct *mm,
				 bool urgent)
{
	long pending;

	/*
	 * One remote flush costs an IPI per CPU of the mm: wait until it
	 * covers EPHMAP_MAPS_PER_IPI mappings per CPU, or for the delay.  All
	 * of @mm is read before the batch is handed over: from then on the
	 * release work may drop the last reference on it.
	 */
	pending = atomic_long_add_return(ephmap_batch_maps(b),
					 arch_ephmap_retired(mm));
	if (pending >= EPHMAP_MAPS_PER_IPI * (long)cpumask_weight(mm_cpumask(mm)))
		urgent = true;
	b->mm = mm;
	llist_add(&b->node, &ephmap_retired);
	if (urgent)
		mod_delayed_work(ephmap_wq, &ephmap_release_work, 0);
	else
		queue_delayed_work(ephmap_wq, &ephmap_release_work,
				   EPHMAP_RELEASE_DELAY);
}

static void ephmap_retire(struct ephmap_cpu *ec, struct ephmap_batch *b,
			  struct mm_struct *mm)
{
	/*
	 * Order the clearing of the generation's entries before the read of
	 * mm_cpumask(): a CPU that switches to @mm sets its bit before it
	 * walks, so either it is seen here or it finds the entries empty.  A
	 * CPU leaves the mask only after its CR3 write (patch "x86/mm/tlb:
	 * leave the previous mm's cpumask after the CR3 write").
	 */
	smp_mb();
	if (cpumask_any_but(mm_cpumask(mm), smp_processor_id()) >= nr_cpu_ids) {
		ephmap_put_batch_folios(b);
		ephmap_recycle(b);
		mmdrop(mm);
		return;
	}
	/* Hurry when this CPU is about to run out of spare batches. */
	ephmap_queue_retired(b, mm, llist_empty(&ec->spare));
}

static void ephmap_ring_reset(struct ephmap_ring *r)
{
	r->next = 0;
	r->limit = EPHMAP_RING_SLOTS;
}

/*
 * Whether this CPU may hold a mapping besides the one being made: every
 * mapping of a CPU is its current task's, made with page faults disabled,
 * so none is held unless they were disabled before.  (Other users of
 * pagefault_disable() only make this answer yes for nothing.)
 */
static bool ephmap_may_hold(void)
{
	return current->pagefault_disabled > 1;
}

static bool ephmap_pte_live(struct ephmap_cpu *ec, unsigned int slot)
{
	return ec->pte.table && !pte_none(((pte_t *)ec->pte.table)[slot]);
}

static bool ephmap_pmd_live(struct ephmap_cpu *ec, unsigned int slot)
{
	return ec->pmd.table && !pmd_none(((pmd_t *)ec->pmd.table)[slot]);
}

static bool ephmap_carried(struct ephmap_cpu *ec, u16 id)
{
	unsigned int i;

	for (i = 0; i < ec->nr_carried; i++)
		if (ec->carried[i] == id)
			return true;
	return false;
}

static u16 ephmap_slot_id(struct ephmap_cpu *ec, struct ephmap_ring *r,
			  unsigned int slot)
{
	return r == &ec->pmd ? slot | EPHMAP_CARRIED_PMD : slot;
}

/*
 * Whether ring @r's @slot is taken: held by a live mapping, or carried
 * over the last wrap (the TLB may have cached it since that flush, so it
 * is not reused before the next one).
 */
static bool ephmap_slot_taken(struct ephmap_cpu *ec, struct ephmap_ring *r,
			      unsigned int slot)
{
	if (r == &ec->pte ? ephmap_pte_live(ec, slot) : ephmap_pmd_live(ec, slot))
		return true;
	return ephmap_carried(ec, ephmap_slot_id(ec, r, slot));
}

/* First taken slot of @r at or after @from (EPHMAP_RING_SLOTS if none). */
static unsigned int ephmap_next_taken(struct ephmap_cpu *ec,
				      struct ephmap_ring *r, unsigned int from)
{
	if (!ephmap_may_hold() && !ec->nr_carried)
		return EPHMAP_RING_SLOTS;
	for (; from < EPHMAP_RING_SLOTS; from++)
		if (ephmap_slot_taken(ec, r, from))
			return from;
	return EPHMAP_RING_SLOTS;
}

/*
 * The slots live now, ascending, PTE ring first, in @live; false if there
 * are more than EPHMAP_CARRY_MAX.  Only when mappings are held (rare).
 */
static bool ephmap_live_slots(struct ephmap_cpu *ec, u16 *live,
			      unsigned int *nr)
{
	unsigned int slot;

	*nr = 0;
	if (!ephmap_may_hold())
		return true;
	for (slot = 0; slot < EPHMAP_RING_SLOTS; slot++) {
		if (!ephmap_pte_live(ec, slot))
			continue;
		if (*nr == EPHMAP_CARRY_MAX)
			return false;
		live[(*nr)++] = slot;
	}
	for (slot = 0; slot < EPHMAP_RING_SLOTS; slot++) {
		if (!ephmap_pmd_live(ec, slot))
			continue;
		if (*nr == EPHMAP_CARRY_MAX)
			return false;
		live[(*nr)++] = slot | EPHMAP_CARRIED_PMD;
	}
	return true;
}

static struct folio **ephmap_entry(struct folio **folio, u16 id)
{
	if (id & EPHMAP_CARRIED_PMD)
		return &folio[EPHMAP_PMD_BASE + (id & ~EPHMAP_CARRIED_PMD)];
	return &folio[id];
}

/*
 * Closes batch @old of the generation that ends: it will release entries
 * [0, next) of each ring.  The entries of the @nr_live mappings still live
 * (@live: the TLB may cache them after the flush too) are copied to @next,
 * with a reference of their own; and it moves into that range the entries
 * of slots it had carried over past its next.  The @live slots are carried
 * into the next generation.
 */
static void ephmap_seal_batch(struct ephmap_cpu *ec, struct ephmap_batch *old,
			      struct ephmap_batch *next, const u16 *live,
			      unsigned int nr_live)
{
	unsigned int i;

	old->nr_pte = ec->pte.next;
	old->nr_pmd = ec->pmd.next;
	for (i = 0; i < nr_live; i++) {
		struct folio *folio = *ephmap_entry(old->folio, live[i]);

		folio_get(folio);
		*ephmap_entry(next->folio, live[i]) = folio;
	}
	for (i = 0; i < ec->nr_carried; i++) {
		u16 id = ec->carried[i];
		bool pmd = id & EPHMAP_CARRIED_PMD;
		unsigned int *nr = pmd ? &old->nr_pmd : &old->nr_pte;

		if ((id & ~EPHMAP_CARRIED_PMD) < *nr)
			continue;
		old->folio[(pmd ? EPHMAP_PMD_BASE : 0) + (*nr)++] =
			*ephmap_entry(old->folio, id);
	}
	memcpy(ec->carried, live, nr_live * sizeof(*live));
	ec->nr_carried = nr_live;
}

/*
 * Ends the generation of this CPU, whose TLB no longer holds it (the
 * caller flushed, or CR3 changed since), and starts the next one, in @mm,
 * with @next as its batch and the @nr_live slots @live carried over.
 */
static void ephmap_new_generation(struct ephmap_cpu *ec, struct mm_struct *mm,
				  struct ephmap_batch *next, const u16 *live,
				  unsigned int nr_live)
{
	struct ephmap_batch *old = ec->batch;
	struct mm_struct *old_mm = ec->mm;

	if (old)
		ephmap_seal_batch(ec, old, next, live, nr_live);
	mmgrab(mm);
	ec->mm = mm;
	ec->batch = next;
	ec->folio = next->folio;
	if (old_mm)
		ephmap_retire(ec, old, old_mm);
	else if (old)
		ephmap_recycle(old);
}

/* Drops this CPU's translations of the generation that ends: counted. */
static void ephmap_flush_generation(struct ephmap_cpu *ec)
{
	arch_ephmap_flush_local();
	ephmap_stat_add(EPHMAP_STAT_FLUSH_ALL, 1);
	trace_ephmap_flush(false, 0, ec->pte.next + ec->pmd.next);
}

/*
 * Out of room: flush this CPU's TLB and start both rings again at 0.
 * -ENOSPC if too many slots are held to carry them over.
 */
static int ephmap_wrap(struct ephmap_cpu *ec)
{
	u16 live[EPHMAP_CARRY_MAX];
	struct ephmap_batch *next;
	unsigned int nr_live;

	if (!ephmap_live_slots(ec, live, &nr_live))
		return -ENOSPC;
	next = ephmap_next_batch(ec);
	if (!next) {
		mod_delayed_work(ephmap_wq, &ephmap_release_work, 0);
		return -ENOMEM;
	}
	ephmap_flush_generation(ec);
	ephmap_new_generation(ec, ec->mm, next, live, nr_live);
	ephmap_ring_reset(&ec->pte);
	ephmap_ring_reset(&ec->pmd);
	ec->pte.limit = ephmap_next_taken(ec, &ec->pte, 0);
	ec->pmd.limit = ephmap_next_taken(ec, &ec->pmd, 0);
	return 0;
}

/*
 * First mapping of this CPU in @mm since it mapped in another: the CR3
 * write between them flushed the other mm's translations, and every slot
 * of @mm's rings here is empty, so the rings start over without a flush.
 */
static bool ephmap_switch_mm(struct ephmap_cpu *ec, struct mm_struct *mm)
{
	struct ephmap_batch *next;
	pte_t *pte;
	pmd_t *pmd;
	bool ok;

	ok = arch_ephmap_cpu_tables(mm, smp_processor_id(), ec->reserve,
				    &ec->nr_reserve, &pte, &pmd);
	if (ec->nr_reserve < EPHMAP_RESERVE_PAGES)
		ephmap_queue_refill(ec);
	if (!ok)
		return false;
	next = ephmap_next_batch(ec);
	if (!next)
		return false;
	ephmap_new_generation(ec, mm, next, NULL, 0);
	ec->pte.table = pte;
	ec->pmd.table = pmd;
	ephmap_ring_reset(&ec->pte);
	ephmap_ring_reset(&ec->pmd);
	queue_delayed_work(ephmap_wq, &ephmap_age_work, EPHMAP_IDLE_DELAY);
	return true;
}

/*
 * @nr slots of ring @r, wrapping if need be and stepping over taken
 * slots.  -ENOMEM if a wrap found no spare batch, -ENOSPC if held
 * mappings leave no room.
 */
static int ephmap_ring_take(struct ephmap_cpu *ec, struct ephmap_ring *r,
			    unsigned int nr, struct folio *folio)
{
	unsigned int base = r == &ec->pte ? 0 : EPHMAP_PMD_BASE;
	bool wrapped = false;

	for (;;) {
		unsigned int idx = r->next, taken;
		int err;

		if (idx + nr > EPHMAP_RING_SLOTS) {
			if (wrapped)
				return -ENOSPC;
			err = ephmap_wrap(ec);
			if (err)
				return err;
			wrapped = true;
			continue;
		}
		taken = ephmap_next_taken(ec, r, idx);
		if (taken < idx + nr) {
			/*
			 * Step over the taken run.  Free slots skipped map
			 * nothing; their entries hold a reference on @folio,
			 * so that no entry below next is empty.  The taken
			 * ones keep theirs.
			 */
			for (; idx < taken; idx++) {
				folio_get(folio);
				ec->folio[base + idx] = folio;
			}
			while (taken < EPHMAP_RING_SLOTS &&
			       ephmap_slot_taken(ec, r, taken))
				taken++;
			r->next = taken;
			continue;
		}
		r->next = idx + nr;
		r->limit = ephmap_next_taken(ec, r, idx + nr);
		return idx;
	}
}

static noinline void *ephmap_map_slow(struct folio *folio, size_t offset,
				      size_t len)
{
	struct ephmap_cpu *ec = this_cpu_ptr(&ephmap_cpu);
	struct mm_struct *mm = current->mm;
	unsigned long first, nr, pfn, addr;
	enum ephmap_stat_item why;
	unsigned int i;
	bool pmd;
	int idx;

	if (IS_ENABLED(CONFIG_DEBUG_VM) &&
	    WARN_ONCE(!len || offset >= folio_size(folio) ||
		      len > folio_size(folio) - offset,
		      "window [%zu, +%zu) is outside a folio of %zu bytes\n",
		      offset, len, folio_size(folio))) {
		ephmap_stat_add(EPHMAP_STAT_MISUSE, 1);
		goto fail;
	}

	first = offset >> PAGE_SHIFT;
	nr = ((offset + len - 1) >> PAGE_SHIFT) - first + 1;
	pmd = nr > EPHMAP_PTE_WINDOW_MAX;
	if (pmd) {
		/* One PMD entry: a 2 MiB-aligned block of a large folio. */
		pfn = folio_pfn(folio) + (offset & PMD_MASK) / PAGE_SIZE;
		if (folio_size(folio) < PMD_SIZE ||
		    !IS_ALIGNED(pfn, PTRS_PER_PMD) ||
		    ((offset ^ (offset + len - 1)) & PMD_MASK)) {
			ephmap_stat_add(EPHMAP_STAT_MISUSE, 1);
			goto fail;
		}
	} else {
		pfn = folio_pfn(folio) + first;
	}

	if (!ephmap_context_ok(ec, mm, &why)) {
		ephmap_count_fallback(why, folio);
		return folio_address(folio) + offset;
	}
	/*
	 * A kernel thread that switched mm while holding a mapping of the
	 * old one: its generation cannot end yet.
	 */
	if (ec->mm != mm && ephmap_may_hold()) {
		ephmap_count_fallback(EPHMAP_STAT_FALLBACK_CONTEXT, folio);
		return folio_address(folio) + offset;
	}
	if (ec->mm != mm && !ephmap_switch_mm(ec, mm)) {
		ephmap_count_fallback(EPHMAP_STAT_FALLBACK_RESERVE, folio);
		return folio_address(folio) + offset;
	}

	idx = ephmap_ring_take(ec, pmd ? &ec->pmd : &ec->pte, pmd ? 1 : nr,
			       folio);
	if (idx < 0) {
		ephmap_count_fallback(idx == -ENOSPC ?
				      EPHMAP_STAT_FALLBACK_NESTING :
				      EPHMAP_STAT_FALLBACK_RESERVE, folio);
		return folio_address(folio) + offset;
	}

	if (pmd) {
		set_pmd((pmd_t *)ec->pmd.table + idx, arch_ephmap_mk_pmd(pfn));
		ec->folio[EPHMAP_PMD_BASE + idx] = folio;
		folio_get(folio);
		addr = ec->pmd.va + (unsigned long)idx * PMD_SIZE +
		       (offset & ~PMD_MASK);
		ephmap_stat_add(EPHMAP_STAT_MAP_PMD, 1);
	} else {
		for (i = 0; i < nr; i++) {
			set_pte((pte_t *)ec->pte.table + idx + i,
				arch_ephmap_mk_pte(pfn + i));
			/* Single pages keep 0, as the fast path leaves it. */
			if (nr > 1)
				ec->info[idx + i] = i << 4 | (nr - 1);
			ec->folio[idx + i] = folio;
		}
		folio_ref_add(folio, nr);
		addr = ec->pte.va + (unsigned long)idx * PAGE_SIZE +
		       offset_in_page(offset);
	}
	count_vm_event(EPHMAP_MAP);
	trace_ephmap_map(idx, pfn, pmd ? PTRS_PER_PMD : nr, pmd);
	return (void *)addr;

fail:
	pagefault_enable();
	preempt_enable();
	return NULL;
}

/* Out of line, so that the fast path computes no length for it. */
static noinline void *ephmap_map_page_slow(struct folio *folio, size_t offset)
{
	return ephmap_map_slow(folio, offset, PAGE_SIZE - offset_in_page(offset));
}

/*
 * page_to_phys(), which with a power-of-two struct page in a virtual
 * memmap is one shift of the page's offset in it, not a division and a
 * multiplication.
 */
static __always_inline phys_addr_t ephmap_page_phys(struct page *page)
{
#ifdef CONFIG_SPARSEMEM_VMEMMAP
	if (is_power_of_2(sizeof(struct page)))
		return ((unsigned long)page - (unsigned long)vmemmap) <<
		       (PAGE_SHIFT - ilog2(sizeof(struct page)));
#endif
	return PFN_PHYS(page_to_pfn(page));
}

/* Out of line, so that the fast path saves no register for it. */
static noinline void *ephmap_trace_map(void *addr, unsigned int idx,
				       struct folio *folio, size_t offset)
{
	trace_ephmap_map(idx, folio_pfn(folio) + (offset >> PAGE_SHIFT), 1,
			 false);
	return addr;
}

/*
 * The fast path: the page of @folio that holds byte @offset, in the
 * generation's mm, with a free slot before the ring's limit, for a task
 * that is not a kernel thread or declared that it may map.  Everything
 * else, including every check that only catches misuse, is in
 * ephmap_map_slow().  It leaves the slot's info at 0 (one page), which
 * every unmap leaves behind.  It relies on current->mm being the loaded
 * mm in task context, which only use_temporary_mm() (interrupts off,
 * nothing maps) breaks; CONFIG_DEBUG_VM checks it.  The per-CPU state is
 * read and written in place (%gs-relative on x86), never through a
 * pointer to it.
 */
void *__ephmap_map_folio_page(struct folio *folio, size_t offset)
{
	struct task_struct *tsk = current;
	unsigned int idx;
	pte_t *table;
	void *addr;

	preempt_disable();
	pagefault_disable();
	idx = __this_cpu_read(ephmap_cpu.pte.next);
	if (unlikely(tsk->mm != __this_cpu_read(ephmap_cpu.mm) || !in_task() ||
		     ((tsk->flags & PF_KTHREAD) &&
		      !tsk->ephmap.kthread_may_map) ||
		     (IS_ENABLED(CONFIG_DEBUG_VM) &&
		      (!arch_ephmap_mm_loaded(tsk->mm) ||
		       offset >= folio_size(folio))) ||
		     idx >= __this_cpu_read(ephmap_cpu.pte.limit)))
		return ephmap_map_page_slow(folio, offset);

	table = __this_cpu_read(ephmap_cpu.pte.table);
	/* The page's physical address is aligned: add, then mask. */
	set_pte(table + idx,
		arch_ephmap_mk_pte_phys((ephmap_page_phys(&folio->page) +
					 offset) & PAGE_MASK));
	__this_cpu_read(ephmap_cpu.folio)[idx] = folio;
	__this_cpu_inc(ephmap_cpu.pte.next);
	ephmap_folio_get(folio);

	count_vm_event(EPHMAP_MAP);
	addr = (void *)(__this_cpu_read(ephmap_cpu.pte.va) + idx * PAGE_SIZE +
			offset_in_page(offset));
	if (trace_ephmap_map_enabled())
		return ephmap_trace_map(addr, idx, folio, offset);
	return addr;
}
EXPORT_SYMBOL_IF_KUNIT(__ephmap_map_folio_page);

/* Windows of more than one page; ephmap_map_folio() sends the rest on. */
void *__ephmap_map_folio(struct folio *folio, size_t offset, size_t len)
{
	preempt_disable();
	pagefault_disable();
	return ephmap_map_slow(folio, offset, len);
}
EXPORT_SYMBOL_IF_KUNIT(__ephmap_map_folio);

/*
 * Ends the mapping at @addr, which is not the fast path's (a window of
 * several pages, a PMD, a direct-map address, or misuse).
 */
static void ephmap_unmap_entries(struct ephmap_cpu *ec, unsigned long addr)
{
	unsigned long off = addr - ec->pte.va;

	if (off < PMD_SIZE) {
		unsigned int slot = off >> PAGE_SHIFT;
		unsigned int info = ec->info[slot];

		if (!ephmap_pte_live(ec, slot))
			goto not_mapped;
		slot -= info >> 4;
		arch_ephmap_clear((pte_t *)ec->pte.table + slot, (info & 15) + 1);
		/* Single pages, which the fast path maps, have info 0. */
		memset(&ec->info[slot], 0, (info & 15) + 1);
		return;
	}
	off = addr - ec->pmd.va;
	if (off < PUD_SIZE) {
		unsigned int slot = off >> PMD_SHIFT;

		if (!ephmap_pmd_live(ec, slot))
			goto not_mapped;
		arch_ephmap_clear((pmd_t *)ec->pmd.table + slot, 1);
		return;
	}
	/* A direct-map address from a fallback: nothing to do. */
	if (addr < ephmap_base || addr >= ephmap_end)
		return;
not_mapped:
	VM_WARN_ONCE(1, "unmap of %#lx, which this CPU does not have mapped\n",
		     addr);
	ephmap_stat_add(EPHMAP_STAT_MISUSE, 1);
}

/*
 * What every unmap ends with: pagefault_enable(), which -Os would not
 * inline, and preempt_enable().
 */
static __always_inline void ephmap_unmap_end(void)
{
	barrier();
	pagefault_disabled_dec();
	preempt_enable();
}

static noinline void ephmap_unmap_slow(unsigned long addr)
{
	ephmap_unmap_entries(this_cpu_ptr(&ephmap_cpu), addr);
	ephmap_unmap_end();
}

/*
 * Clears the entry and nothing else: the batch already holds the folio's
 * reference, and the TLB is dealt with when the generation ends.
 */
void __ephmap_unmap(const void *addr)
{
	unsigned long off = (unsigned long)addr -
			    __this_cpu_read(ephmap_cpu.pte.va);
	unsigned long slot = off >> PAGE_SHIFT;

	/* Anything but one page mapped in the PTE ring goes the long way. */
	if (unlikely(off >= PMD_SIZE || __this_cpu_read(ephmap_cpu.info[slot]) ||
		     (IS_ENABLED(CONFIG_DEBUG_VM) &&
		      !ephmap_pte_live(this_cpu_ptr(&ephmap_cpu), slot)))) {
		ephmap_unmap_slow((unsigned long)addr);
		return;
	}
	arch_ephmap_clear((pte_t *)__this_cpu_read(ephmap_cpu.pte.table) + slot,
			  1);
	ephmap_unmap_end();
}
EXPORT_SYMBOL_IF_KUNIT(__ephmap_unmap);

void ephmap_kthread_may_map(bool may)
{
	if (WARN_ON_ONCE(!(current->flags & PF_KTHREAD)))
		return;
	current->ephmap.kthread_may_map = may;
}
EXPORT_SYMBOL_IF_KUNIT(ephmap_kthread_may_map);

void ephmap_task_fork(struct task_struct *tsk)
{
	tsk->ephmap.kthread_may_map = 0;
}

/*
 * The CPU a remote flush of @b's mm may leave out: @b's own, which flushed
 * when its generation ended, if every batch of that mm on @list is its;
 * else nr_cpu_ids.
 */
static unsigned int ephmap_flush_skip(struct llist_node *list,
				      struct ephmap_batch *b)
{
	struct ephmap_batch *p;

	llist_for_each_entry(p, list, node)
		if (p->mm == b->mm && p->cpu != b->cpu)
			return nr_cpu_ids;
	return b->cpu;
}

/*
 * Flushes the mm of every retired batch once, then releases them all.
 * With preemption off from taking the list to the last release, so that a
 * mapper out of spare batches may wait for it (ephmap_next_batch()), and
 * counted in ephmap_releasing, so that a drain can wait for releases that
 * mappers run.
 */
static void ephmap_release_fn(struct work_struct *work)
{
	struct ephmap_batch *b, *p, *t;
	struct llist_node *list;

	preempt_disable();
	atomic_inc(&ephmap_releasing);
	list = llist_del_all(&ephmap_retired);

	llist_for_each_entry(b, list, node) {
		unsigned int cpus;
		bool flushed = false;

		llist_for_each_entry(p, list, node) {
			if (p == b)
				break;
			if (p->mm == b->mm) {
				flushed = true;
				break;
			}
		}
		if (flushed)
			continue;
		cpus = arch_ephmap_flush_mm(b->mm, ephmap_flush_skip(list, b));
		ephmap_stat_add(EPHMAP_STAT_FLUSH_REMOTE, cpus);
		trace_ephmap_flush(true, cpus, ephmap_batch_maps(b));
	}
	llist_for_each_entry_safe(b, t, list, node) {
		struct mm_struct *mm = b->mm;

		atomic_long_sub(ephmap_batch_maps(b), arch_ephmap_retired(mm));
		ephmap_put_batch_folios(b);
		ephmap_recycle(b);
		mmdrop(mm);
	}
	if (atomic_dec_and_test(&ephmap_releasing))
		wake_up_var(&ephmap_releasing);
	preempt_enable();
}

/* Ends @ec's generation without starting another; returns its batch. */
static struct ephmap_batch *ephmap_end_generation(struct ephmap_cpu *ec)
{
	struct ephmap_batch *b = ec->batch;

	ephmap_seal_batch(ec, b, NULL, NULL, 0);
	ec->mm = NULL;
	ec->batch = NULL;
	ec->folio = NULL;
	ec->pte.table = NULL;
	ec->pmd.table = NULL;
	/* No generation: the fast path must not run. */
	ec->pte.limit = 0;
	return b;
}

/*
 * Ends this CPU's generation: it flushes its own TLB if the mm is still
 * loaded (lazily, under this kworker), and hands the batch on.  A kworker
 * holds no mapping, so none is live.
 */
static void ephmap_drain_fn(struct work_struct *work)
{
	struct ephmap_cpu *ec;

	preempt_disable();
	ec = this_cpu_ptr(&ephmap_cpu);
	if (ec->mm) {
		struct mm_struct *mm = ec->mm;

		if (arch_ephmap_mm_loaded(mm))
			ephmap_flush_generation(ec);
		ephmap_retire(ec, ephmap_end_generation(ec), mm);
	}
	preempt_enable();
}

void __ephmap_drain_all(void)
{
	unsigned int cpu;

	/* As lru_add_drain_all(): a CPU going offline drains itself. */
	for_each_online_cpu(cpu)
		if (READ_ONCE(per_cpu(ephmap_cpu, cpu).mm))
			queue_work_on(cpu, ephmap_wq,
				      &per_cpu(ephmap_cpu, cpu).drain_work);
	for_each_online_cpu(cpu)
		flush_work(&per_cpu(ephmap_cpu, cpu).drain_work);
	flush_delayed_work(&ephmap_release_work);
	/* A mapper may have taken batches off the list and not be done. */
	wait_var_event(&ephmap_releasing, !atomic_read(&ephmap_releasing));
}
EXPORT_SYMBOL_IF_KUNIT(__ephmap_drain_all);

/*
 * Folios stay referenced until their generation ends, and a CPU that stops
 * mapping would keep its generation for ever: each EPHMAP_IDLE_DELAY, end
 * those that made no mapping since the last look.  The signature read
 * from other CPUs is racy; a wrong guess only ends a generation early or
 * late.
 */
static void ephmap_age_fn(struct work_struct *work)
{
	bool held = false;
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		struct ephmap_cpu *ec = per_cpu_ptr(&ephmap_cpu, cpu);
		unsigned long sig;

		if (!READ_ONCE(ec->mm))
			continue;
		held = true;
		sig = (unsigned long)READ_ONCE(ec->batch) ^
		      READ_ONCE(ec->pte.next) ^
		      ((unsigned long)READ_ONCE(ec->pmd.next) << 16);
		if (sig == ec->age_sig)
			queue_work_on(cpu, ephmap_wq, &ec->drain_work);
		ec->age_sig = sig;
	}
	if (held)
		queue_delayed_work(ephmap_wq, &ephmap_age_work, EPHMAP_IDLE_DELAY);
}

/*
 * Tops up the reserve of page-table pages and the spare batches of the CPU
 * it runs on (the map path never allocates).
 */
static struct ephmap_batch *ephmap_alloc_batch(void)
{
	struct ephmap_batch *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return NULL;
	b->folio = (struct folio **)__get_free_pages(GFP_KERNEL,
						     EPHMAP_BATCH_ORDER);
	if (!b->folio) {
		kfree(b);
		return NULL;
	}
	return b;
}

static void ephmap_free_batch(struct ephmap_batch *b)
{
	free_pages((unsigned long)b->folio, EPHMAP_BATCH_ORDER);
	kfree(b);
}

static void ephmap_refill_fn(struct work_struct *work)
{
	for (;;) {
		struct ephmap_batch *b = NULL;
		struct page *page = NULL;
		bool need_page, need_batch;
		struct llist_node *node;
		struct ephmap_cpu *ec;
		unsigned long n = 0;

		ec = get_cpu_ptr(&ephmap_cpu);
		need_page = ec->nr_reserve < EPHMAP_RESERVE_PAGES;
		llist_for_each(node, ec->spare.first)
			n++;
		need_batch = n < EPHMAP_SPARE_BATCHES;
		put_cpu_ptr(&ephmap_cpu);
		if (!need_page && !need_batch)
			return;

		if (need_page)
			page = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (need_batch)
			b = ephmap_alloc_batch();
		if ((need_page && !page) || (need_batch && !b)) {
			if (page)
				__free_page(page);
			if (b)
				ephmap_free_batch(b);
			return;
		}

		ec = get_cpu_ptr(&ephmap_cpu);
		if (page && ec->nr_reserve < EPHMAP_RESERVE_PAGES) {
			ec->reserve[ec->nr_reserve++] = page;
			page = NULL;
		}
		if (b) {
			b->cpu = smp_processor_id();
			llist_add(&b->node, &ec->spare);
		}
		put_cpu_ptr(&ephmap_cpu);
		if (page)
			__free_page(page);
	}
}

static int ephmap_cpu_online(unsigned int cpu)
{
	ephmap_refill_fn(NULL);
	return 0;
}

/* A CPU going offline lets go of its generation, like a drain. */
static int ephmap_cpu_offline(unsigned int cpu)
{
	ephmap_drain_fn(NULL);
	return 0;
}

/*
 * Once it is dead, from another CPU: a task that still ran there after
 * the offline callback may have left a generation.  Its TLB is gone; the
 * mm's other CPUs get the remote flush.
 */
static int ephmap_cpu_dead(unsigned int cpu)
{
	struct ephmap_cpu *ec = per_cpu_ptr(&ephmap_cpu, cpu);
	struct mm_struct *mm = ec->mm;

	if (mm)
		ephmap_queue_retired(ephmap_end_generation(ec), mm, true);
	return 0;
}

/*
 * Early, before any user mm exists and before the first kernel_read():
 * mms created earlier (poking_mm) never get ephmap page tables, and no
 * mapping straddles the switch from off (nothing disabled) to on.  Until
 * ephmap_hotplug_init() fills the per-CPU reserves, mappings fall back.
 */
static int __init ephmap_init(void)
{
	unsigned int cpu, windows;
	const char *why;

	if (ephmap_param == 1)
		why = "ephmap=on";
	else if (ephmap_param == 0)
		why = "ephmap=off";
	else if (ephmap_param == -2)
		why = "ephmap= not understood";
	else if (asi_enabled())
		why = "the default with asi=on";
	else
		why = "the default without ASI";
	if (ephmap_param == 0 || ephmap_param == -2 ||
	    (ephmap_param == -1 && !asi_enabled())) {
		pr_info("off (%s)\n", why);
		return 0;
	}
	ephmap_wq = alloc_workqueue("ephmap", WQ_MEM_RECLAIM, 0);
	if (!ephmap_wq) {
		pr_warn("off: no workqueue\n");
		return 0;
	}
	/* With asi=on, ASI already turned PCID off as the ephmap needs. */
	windows = arch_ephmap_layout();
	for_each_possible_cpu(cpu) {
		struct ephmap_cpu *ec = per_cpu_ptr(&ephmap_cpu, cpu);

		ec->window = cpu < windows;
		/* A CPU without a window never matches an ephmap address. */
		if (ec->window) {
			ec->pte.va = arch_ephmap_pte_ring(cpu);
			ec->pmd.va = arch_ephmap_pmd_ring(cpu);
		}
		/* No generation yet: limit 0 keeps the fast path off. */
		ec->pte.limit = 0;
		init_llist_head(&ec->spare);
		INIT_WORK(&ec->refill_work, ephmap_refill_fn);
		INIT_WORK(&ec->drain_work, ephmap_drain_fn);
	}
	static_branch_enable(&ephmap_enabled_key);
	pr_info("on (%s): windows for %u of %u CPUs, %u slots of 4 KiB and %u of 2 MiB each; page tables on first use\n",
		why, windows, nr_cpu_ids, EPHMAP_RING_SLOTS, EPHMAP_RING_SLOTS);
	return 0;
}
early_initcall(ephmap_init);

static int __init ephmap_hotplug_init(void)
{
	int ret;

	if (!ephmap_enabled())
		return 0;
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "mm/ephmap:online",
				ephmap_cpu_online, ephmap_cpu_offline);
	if (ret >= 0)
		ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
						"mm/ephmap:dead", NULL,
						ephmap_cpu_dead);
	if (ret < 0)
		pr_warn("no CPU hotplug state (%d): every mapping falls back\n",
			ret);
	return 0;
}
subsys_initcall(ephmap_hotplug_init);

#ifdef CONFIG_DEBUG_FS
static int ephmap_pgtables_get(void *data, u64 *val)
{
	*val = ephmap_nr_pgtable_pages();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(ephmap_pgtables_fops, ephmap_pgtables_get, NULL,
			 "%llu\n");

/* Page-table pages of the reading process's mm. */
static int ephmap_mm_pgtables_get(void *data, u64 *val)
{
	*val = current->mm ? arch_ephmap_mm_pgtable_pages(current->mm) : 0;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(ephmap_mm_pgtables_fops, ephmap_mm_pgtables_get,
			 NULL, "%llu\n");

/* Whether @addr reads on this CPU, by either kind of kernel access. */
static bool ephmap_probe_slot(unsigned long addr, char __user *ubuf)
{
	u8 byte;

	/*
	 * A plain kernel read, and a copy to user memory, as read() makes
	 * from a mapping: the TLB may keep a translation for one access mode
	 * only (QEMU's does, per SMAP state).
	 */
	return !copy_from_kernel_nofault(&byte, (void *)addr, 1) ||
	       !copy_to_user(ubuf, (void *)addr, 1);
}

/*
 * Every slot of every CPU's rings in the reading process's mm, read
 * without faulting on the reading CPU: how many read.  None holds a
 * mapping while the process reads this file, so any slot that reads is a
 * translation the TLB kept; after the ephmap let go of what was mapped,
 * one is a broken invariant.  Only whether a slot reads is told: what the
 * probe copied to the reader's buffer is overwritten by the answer.
 */
static ssize_t ephmap_probe_read(struct file *file, char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	unsigned long slots = 0, readable = 0;
	unsigned int cpu, me, i;
	char line[64];
	int len;

	if (*ppos || !current->mm)
		return *ppos ? 0 : -EINVAL;
	if (count < sizeof(line))
		return -EINVAL;
	/* Fault the buffer in: the probe copies with page faults off. */
	memset(line, 0, sizeof(line));
	if (copy_to_user(ubuf, line, sizeof(line)))
		return -EFAULT;
	me = get_cpu();
	pagefault_disable();
	for_each_possible_cpu(cpu) {
		struct ephmap_cpu *ec = per_cpu_ptr(&ephmap_cpu, cpu);

		if (!ec->window)
			continue;
		for (i = 0; i < EPHMAP_RING_SLOTS; i++) {
			readable += ephmap_probe_slot(ec->pte.va + i * PAGE_SIZE,
						      ubuf);
			readable += ephmap_probe_slot(ec->pmd.va + i * PMD_SIZE,
						      ubuf);
			slots += 2;
		}
	}
	pagefault_enable();
	put_cpu();
	len = scnprintf(line, sizeof(line), "cpu %u: %lu of %lu slots read\n",
			me, readable, slots);
	if (copy_to_user(ubuf, line, len))
		return -EFAULT;
	*ppos = len;
	return len;
}

static const struct file_operations ephmap_probe_fops = {
	.read	= ephmap_probe_read,
	.llseek	= noop_llseek,
};

static int ephmap_drain_set(void *data, u64 val)
{
	ephmap_drain_all();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(ephmap_drain_fops, NULL, ephmap_drain_set, "%llu\n");

static const char *const ephmap_stat_names[] = {
	[EPHMAP_STAT_FALLBACK_NO_MM]	= "fallback_no_mm",
	[EPHMAP_STAT_FALLBACK_CONTEXT]	= "fallback_context",
	[EPHMAP_STAT_FALLBACK_NESTING]	= "fallback_nesting",
	[EPHMAP_STAT_FALLBACK_RESERVE]	= "fallback_reserve",
	[EPHMAP_STAT_MAP_PMD]		= "map_pmd",
	[EPHMAP_STAT_MISUSE]		= "misuse",
	[EPHMAP_STAT_FLUSH_ALL]		= "flush_all",
	[EPHMAP_STAT_FLUSH_REMOTE]	= "flush_remote",
};

static_assert(ARRAY_SIZE(ephmap_stat_names) == NR_EPHMAP_STATS);

static int ephmap_stats_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < NR_EPHMAP_STATS; i++)
		seq_printf(m, "%s %lu\n", ephmap_stat_names[i],
			   ephmap_stat_sum(i));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ephmap_stats);

static int __init ephmap_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("ephmap", NULL);

	debugfs_create_file("stats", 0444, dir, NULL, &ephmap_stats_fops);
	debugfs_create_file("pgtable_pages", 0444, dir, NULL,
			    &ephmap_pgtables_fops);
	debugfs_create_file("mm_pgtable_pages", 0444, dir, NULL,
			    &ephmap_mm_pgtables_fops);
	debugfs_create_file("drain", 0200, dir, NULL, &ephmap_drain_fops);
	debugfs_create_file("probe", 0400, dir, NULL, &ephmap_probe_fops);
	ephmap_bench_debugfs_init(dir);
	return 0;
}
late_initcall(ephmap_debugfs_init);
#endif
