/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM asi

#if !defined(_TRACE_ASI_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_ASI_H

#include <linux/asi.h>
#include <linux/tracepoint.h>

TRACE_DEFINE_ENUM(ASI_EXIT_FAULT);
TRACE_DEFINE_ENUM(ASI_EXIT_EXPLICIT);

/*
 * A CPU left the restricted address space.  For a page-fault exit,
 * @address is the faulting address and @ip the faulting instruction; for
 * an explicit one, @address is 0 and @ip the caller.
 */
TRACE_EVENT(asi_exit,

	TP_PROTO(enum asi_exit_cause cause, unsigned long address,
		 unsigned long ip),

	TP_ARGS(cause, address, ip),

	TP_STRUCT__entry(
		__field(int, cause)
		__field(unsigned long, address)
		__field(unsigned long, ip)
	),

	TP_fast_assign(
		__entry->cause = cause;
		__entry->address = address;
		__entry->ip = ip;
	),

	TP_printk("cause=%s address=0x%lx ip=%pS",
		  __print_symbolic(__entry->cause,
				   { ASI_EXIT_FAULT, "fault" },
				   { ASI_EXIT_EXPLICIT, "explicit" }),
		  __entry->address, (void *)__entry->ip)
);

/*
 * The page allocator flipped a free block of 2^@order pages at @pfn to
 * sensitive (left out of the restricted direct map) or back.
 */
TRACE_EVENT(asi_flip,

	TP_PROTO(unsigned long pfn, unsigned int order, bool sensitive),

	TP_ARGS(pfn, order, sensitive),

	TP_STRUCT__entry(
		__field(unsigned long, pfn)
		__field(unsigned int, order)
		__field(bool, sensitive)
	),

	TP_fast_assign(
		__entry->pfn = pfn;
		__entry->order = order;
		__entry->sensitive = sensitive;
	),

	TP_printk("pfn=0x%lx order=%u to=%s", __entry->pfn, __entry->order,
		  __entry->sensitive ? "sensitive" : "nonsensitive")
);

#endif /* _TRACE_ASI_H */

#include <trace/define_trace.h>
