// SPDX-License-Identifier: GPL-2.0
/*
 * Microbenchmark of the ephmap, run from debugfs in the context of the
 * process that writes to it (so with that process's mm):
 *
 *	echo 100000 > /sys/kernel/debug/ephmap/bench
 *	cat /sys/kernel/debug/ephmap/bench
 *
 * Times, over the given number of iterations, a map+unmap of a 4 KiB
 * folio and of a 2 MiB folio, and a map+copy+unmap of each against the
 * same copy through the direct map.  Figures are in the guest's clock
 * (ktime), so they follow the accelerator the guest runs under.
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
};

static const struct ephmap_bench_case ephmap_bench_cases[] = {
	{ "map_unmap_4k",		0, false, false },
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
		addr = ephmap_map_whole_folio(folio);
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
	unsigned long iters;
	size_t len = 0;
	void *buf;
	int ret, i;

	ret = kstrtoul_from_user(ubuf, count, 0, &iters);
	if (ret)
		return ret;
	if (!iters || iters > 10000000)
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
		u64 ns = ephmap_bench_one(c, n, buf);
		u64 mb_s = ns && c->copy ?
			div64_u64((u64)(PAGE_SIZE << c->order) * 1000, ns) : 0;

		len += scnprintf(ephmap_bench_result + len,
				 sizeof(ephmap_bench_result) - len,
				 "%s ns=%llu MB/s=%llu\n", c->name, ns, mb_s);
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
