/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-task ephmap state, embedded in task_struct.  Kept apart from
 * <linux/ephmap.h> so that <linux/sched.h> can include it cheaply.
 */
#ifndef _LINUX_EPHMAP_TYPES_H
#define _LINUX_EPHMAP_TYPES_H

struct ephmap_task {
#ifdef CONFIG_EPHMAP
	/*
	 * A kernel thread that borrowed an mm maps through the direct map
	 * unless it declared, with ephmap_kthread_may_map(), that it only
	 * copies data that mm owns.
	 */
	unsigned int		kthread_may_map;
#endif
};

#endif /* _LINUX_EPHMAP_TYPES_H */
