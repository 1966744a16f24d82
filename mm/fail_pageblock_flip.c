// SPDX-License-Identifier: GPL-2.0
/*
 * fail_pageblock_flip: fault injection for the flips of free pageblocks
 * between sensitive and non-sensitive (mm/page_sensitivity.c).  An
 * injected failure leaves the block as it was, as if the restricted
 * direct map could not be changed.
 */
#include <linux/fault-inject.h>
#include <linux/init.h>
#include <linux/mm.h>

#include "internal.h"

static DECLARE_FAULT_ATTR(fail_pageblock_flip);

static int __init setup_fail_pageblock_flip(char *str)
{
	return setup_fault_attr(&fail_pageblock_flip, str);
}
__setup("fail_pageblock_flip=", setup_fail_pageblock_flip);

bool should_fail_pageblock_flip(unsigned int order)
{
	return should_fail(&fail_pageblock_flip, PAGE_SIZE << order);
}

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
static int __init fail_pageblock_flip_debugfs(void)
{
	struct dentry *dir;

	dir = fault_create_debugfs_attr("fail_pageblock_flip", NULL,
					&fail_pageblock_flip);
	return PTR_ERR_OR_ZERO(dir);
}
late_initcall(fail_pageblock_flip_debugfs);
#endif
