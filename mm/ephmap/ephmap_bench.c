// SPDX-License-Identifier: GPL-2.0
/*
 * Microbenchmark of the ephmap, run from debugfs in the context of the
 * process that writes to it (so with that process's mm):
 *
 *	echo 100000 > /sys/kernel/debug/ephmap/bench
 *	echo "100000 map_unmap_4k" > /sys/kernel/debug/ephmap/bench
 *	cat /sys/kernel/debug/ephmap/bench
 *
 * Times, over the given number of iterations, a map+unmap of a 4 KiB
 * folio with ephmap_map_folio_page(), as the copy loops map (and through
 * ephmap_map_folio() with a window), and of a 2 MiB folio, and a map+copy+unmap of each against the
 * same copy through the direct map; or only the case named.  Figures are
 * in the guest's clock (ktime), so they follow the accelerator the guest
 * runs under; ops= is the number of timed iterations, which follow as
 * many untimed ones, for instruction profiles (bench/profile).
 */
#define pr_fmt(fmt) "ephmap_bench: " fmt

#include <linux/debugfs.h>
#include <linux/ephmap.h>
#include <linux/init.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "internal.h"

static DEFINE_MUTEX(ephmap_bench_lock);
static char ephmap_bench_result[1024];

struct ephmap_bench_case {
	const char	*name;
	unsigned int	order;
	bool		copy;
	bool		direct;		/* through the direct map, no ephmap */
	bool		window;		/* ephmap_map_folio(), not _page() */
};

static const struct ephmap_bench_case ephmap_bench_cases[] = {
	{ "map_unmap_4k",		0, false, false },
	{ "map_unmap_window_4k",	0, false, false, true },
	{ "map_unmap_2m",		9, false, false },
	{ "map_copy_unmap_4k",		0, true,  false },
	{ "direct_copy_4k",		0, true,  true  },
	{ "map_copy_unmap_2m",		9, true,  false },
	{ "direct_copy_2m",		9, true,  true  },
};

/* Nanoseconds per iteration of one case; 0 if it could not run. */
static u64 ephmap_bench_one(const struct ephmap_bench_case *c,
			    unsigned long iters, void *buf)
{
	size_t size = PAGE_SIZE << c->order;
	struct folio *folio;
	unsigned long i;
	u64 start, ns;
	void *addr;

	folio = folio_alloc(GFP_KERNEL, c->order);
	if (!folio)
		return 0;
	memset(folio_address(folio), 0x5a, size);

	start = ktime_get_ns();
	for (i = 0; i < iters; i++) {
		if (i % 1024 == 1023)
			cond_resched();
		if (c->direct) {
			memcpy(buf, folio_address(folio), size);
			continue;
		}
		if (c->order || c->window)
			addr = ephmap_map_whole_folio(folio);
		else
			addr = ephmap_map_folio_page(folio, 0);
		if (c->copy)
			memcpy(buf, addr, size);
		else
			READ_ONCE(*(char *)addr);
		ephmap_unmap(addr);
	}
	ns = ktime_get_ns() - start;
	folio_put(folio);
	return div64_u64(ns, iters);
}

static ssize_t ephmap_bench_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	char arg[64], name[32] = "";
	unsigned long iters;
	size_t len = 0;
	void *buf;
	int i;

	if (!count || count >= sizeof(arg))
		return -EINVAL;
	if (copy_from_user(arg, ubuf, count))
		return -EFAULT;
	arg[count] = '\0';
	if (sscanf(arg, "%lu %31s", &iters, name) < 1)
		return -EINVAL;
	if (!iters || iters > 10000000)
		return -EINVAL;
	/* A name no case has fails before the last result is touched. */
	for (i = 0; name[0] && i < ARRAY_SIZE(ephmap_bench_cases); i++)
		if (!strcmp(name, ephmap_bench_cases[i].name))
			break;
	if (i == ARRAY_SIZE(ephmap_bench_cases))
		return -EINVAL;
	buf = kvmalloc(PMD_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	mutex_lock(&ephmap_bench_lock);
	len += scnprintf(ephmap_bench_result + len, sizeof(ephmap_bench_result) - len,
			 "ephmap=%s iterations=%lu\n",
			 ephmap_enabled() ? "on" : "off", iters);
	for (i = 0; i < ARRAY_SIZE(ephmap_bench_cases); i++) {
		const struct ephmap_bench_case *c = &ephmap_bench_cases[i];
		/* Fewer rounds for 2 MiB copies: each is 512 times the work. */
		unsigned long n = c->order && c->copy ? max(iters >> 9, 1UL) : iters;
		u64 ns, mb_s;

		if (name[0] && strcmp(name, c->name))
			continue;
		/* An untimed pass first: page tables, batches, caches. */
		ephmap_bench_one(c, n, buf);
		ns = ephmap_bench_one(c, n, buf);
		mb_s = ns && c->copy ?
			div64_u64((u64)(PAGE_SIZE << c->order) * 1000, ns) : 0;
		len += scnprintf(ephmap_bench_result + len,
				 sizeof(ephmap_bench_result) - len,
				 "%s ns=%llu MB/s=%llu ops=%lu\n", c->name, ns,
				 mb_s, n);
	}
	mutex_unlock(&ephmap_bench_lock);
	kvfree(buf);
	return count;
}

static ssize_t ephmap_bench_read(struct file *file, char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&ephmap_bench_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, ephmap_bench_result,
				      strlen(ephmap_bench_result));
	mutex_unlock(&ephmap_bench_lock);
	return ret;
}

static const struct file_operations ephmap_bench_fops = {
	.write	= ephmap_bench_write,
	.read	= ephmap_bench_read,
	.llseek	= default_llseek,
};

void __init ephmap_bench_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("bench", 0600, dir, NULL, &ephmap_bench_fops);
}
