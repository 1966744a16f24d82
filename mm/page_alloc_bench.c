// SPDX-License-Identifier: GPL-2.0
/*
 * Microbenchmark of the page allocator's fast paths, from debugfs:
 *
 *	echo 20000 > /sys/kernel/debug/page_alloc_bench
 *	cat /sys/kernel/debug/page_alloc_bench
 *
 * ("echo 20000 user_order0 > ..." runs that case alone, for profiling.)
 *
 * Times order-0 and order-9 allocation+free, of kernel (GFP_KERNEL) and
 * user (GFP_USER, sensitive with ASI on) memory, one page at a time and in
 * batches that run the per-cpu lists dry and overflow them.  Each case
 * runs once untimed first, so the timed run is the steady state; the
 * pageblock flips it still made are printed beside it (with ASI on, 0 is
 * what the steady state means).  Figures are in the guest's clock (ktime).
 */
#define pr_fmt(fmt) "page_alloc_bench: " fmt

#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>

#define BATCH	256

struct page_alloc_bench_case {
	const char	*name;
	gfp_t		gfp;
	unsigned int	order;
	unsigned int	batch;		/* pages held at once */
	unsigned int	iter_div;	/* fewer iterations for big orders */
};

static const struct page_alloc_bench_case page_alloc_bench_cases[] = {
	{ "kernel_order0",	GFP_KERNEL, 0, 1,     1 },
	{ "user_order0",	GFP_USER,   0, 1,     1 },
	{ "kernel_order0_x256",	GFP_KERNEL, 0, BATCH, 1 },
	{ "user_order0_x256",	GFP_USER,   0, BATCH, 1 },
	{ "kernel_order9",	GFP_KERNEL, 9, 1,     16 },
	{ "user_order9",	GFP_USER,   9, 1,     16 },
};

static DEFINE_MUTEX(page_alloc_bench_lock);
static char page_alloc_bench_result[1024];

static unsigned long page_alloc_bench_flips(void)
{
	unsigned long sum = 0;
#ifdef CONFIG_MITIGATION_ADDRESS_SPACE_ISOLATION
	int cpu;

	for_each_online_cpu(cpu)
		sum += per_cpu(vm_event_states, cpu).event[ASI_FLIP_SENSITIVE] +
		       per_cpu(vm_event_states, cpu).event[ASI_FLIP_NONSENSITIVE];
#endif
	return sum;
}

/* One pass of @rounds rounds; returns pages moved, 0 on failure. */
static unsigned long page_alloc_bench_pass(const struct page_alloc_bench_case *c,
					   unsigned long rounds,
					   struct page **pages)
{
	unsigned long r, moved = 0;
	unsigned int i, got;

	for (r = 0; r < rounds; r++) {
		for (got = 0; got < c->batch; got++) {
			pages[got] = alloc_pages(c->gfp | __GFP_NOWARN, c->order);
			if (!pages[got])
				break;
		}
		for (i = 0; i < got; i++)
			__free_pages(pages[i], c->order);
		if (got < c->batch)
			return 0;
		moved += got;
	}
	return moved;
}

static int page_alloc_bench_run(unsigned long iters, const char *only)
{
	size_t len = sizeof(page_alloc_bench_result), off = 0;
	struct page **pages;
	int i;

	page_alloc_bench_result[0] = '\0';
	pages = kcalloc(BATCH, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;

	for (i = 0; i < ARRAY_SIZE(page_alloc_bench_cases); i++) {
		const struct page_alloc_bench_case *c = &page_alloc_bench_cases[i];
		unsigned long rounds = max(iters / c->iter_div / c->batch, 1UL);
		unsigned long flips, moved;
		u64 start, ns;

		if (*only && strcmp(only, c->name))
			continue;
		page_alloc_bench_pass(c, rounds, pages);
		flips = page_alloc_bench_flips();
		start = ktime_get_ns();
		moved = page_alloc_bench_pass(c, rounds, pages);
		ns = ktime_get_ns() - start;
		flips = page_alloc_bench_flips() - flips;

		off += scnprintf(page_alloc_bench_result + off, len - off,
				 "%-20s ns=%llu flips=%lu ops=%lu\n", c->name,
				 moved ? div64_u64(ns, moved) : 0, flips, moved);
	}
	kfree(pages);
	return off ? 0 : -EINVAL;
}

static ssize_t page_alloc_bench_write(struct file *file, const char __user *ubuf,
				      size_t count, loff_t *ppos)
{
	char buf[64], only[32] = "";
	unsigned long iters;
	int ret, i;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%lu %31s", &iters, only) < 1)
		return -EINVAL;
	if (!iters || iters > 10000000)
		return -EINVAL;
	/* A name no case has fails before the last result is touched. */
	for (i = 0; only[0] && i < ARRAY_SIZE(page_alloc_bench_cases); i++)
		if (!strcmp(only, page_alloc_bench_cases[i].name))
			break;
	if (i == ARRAY_SIZE(page_alloc_bench_cases))
		return -EINVAL;

	mutex_lock(&page_alloc_bench_lock);
	ret = page_alloc_bench_run(iters, only);
	mutex_unlock(&page_alloc_bench_lock);
	return ret ? ret : count;
}

static ssize_t page_alloc_bench_read(struct file *file, char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&page_alloc_bench_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, page_alloc_bench_result,
				      strlen(page_alloc_bench_result));
	mutex_unlock(&page_alloc_bench_lock);
	return ret;
}

static const struct file_operations page_alloc_bench_fops = {
	.owner	= THIS_MODULE,
	.read	= page_alloc_bench_read,
	.write	= page_alloc_bench_write,
	.llseek	= default_llseek,
};

static int __init page_alloc_bench_init(void)
{
	debugfs_create_file("page_alloc_bench", 0600, NULL, NULL,
			    &page_alloc_bench_fops);
	return 0;
}
late_initcall(page_alloc_bench_init);
