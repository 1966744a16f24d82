/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ephmap

#if !defined(_TRACE_EPHMAP_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_EPHMAP_H

#include <linux/tracepoint.h>
#include <linux/ephmap.h>

#define EPHMAP_FALLBACK_REASON						\
	EM(EPHMAP_STAT_FALLBACK_NO_MM,	"no_mm")			\
	EM(EPHMAP_STAT_FALLBACK_CONTEXT, "context")			\
	EM(EPHMAP_STAT_FALLBACK_NESTING, "nesting")			\
	EMe(EPHMAP_STAT_FALLBACK_RESERVE, "reserve")

#undef EM
#undef EMe
#define EM(a, b)	TRACE_DEFINE_ENUM(a);
#define EMe(a, b)	TRACE_DEFINE_ENUM(a);

EPHMAP_FALLBACK_REASON

#undef EM
#undef EMe
#define EM(a, b)	{ a, b },
#define EMe(a, b)	{ a, b }

/* A folio window mapped at a slot of one of this CPU's rings. */
TRACE_EVENT(ephmap_map,

	TP_PROTO(unsigned int slot, unsigned long pfn, unsigned int nr_pages,
		 bool pmd),
	TP_ARGS(slot, pfn, nr_pages, pmd),

	TP_STRUCT__entry(
		__field(unsigned int,	slot)
		__field(unsigned long,	pfn)
		__field(unsigned int,	nr_pages)
		__field(bool,		pmd)
	),

	TP_fast_assign(
		__entry->slot = slot;
		__entry->pfn = pfn;
		__entry->nr_pages = nr_pages;
		__entry->pmd = pmd;
	),

	TP_printk("slot=%u pfn=%#lx pages=%u%s", __entry->slot, __entry->pfn,
		  __entry->nr_pages, __entry->pmd ? " pmd" : "")
);

/* The direct-map address was handed out instead: the cost ASI will pay. */
TRACE_EVENT(ephmap_fallback,

	TP_PROTO(int reason, unsigned long pfn),
	TP_ARGS(reason, pfn),

	TP_STRUCT__entry(
		__field(int,		reason)
		__field(unsigned long,	pfn)
	),

	TP_fast_assign(
		__entry->reason = reason;
		__entry->pfn = pfn;
	),

	TP_printk("reason=%s pfn=%#lx",
		  __print_symbolic(__entry->reason, EPHMAP_FALLBACK_REASON),
		  __entry->pfn)
);

/*
 * A generation of mappings invalidated: by a full flush of this CPU's TLB
 * (a ring wrapped, or a drain), or by an IPI flush of the mm's CPUs.
 */
TRACE_EVENT(ephmap_flush,

	TP_PROTO(bool remote, unsigned int cpus, unsigned int maps),
	TP_ARGS(remote, cpus, maps),

	TP_STRUCT__entry(
		__field(bool,		remote)
		__field(unsigned int,	cpus)
		__field(unsigned int,	maps)
	),

	TP_fast_assign(
		__entry->remote = remote;
		__entry->cpus = cpus;
		__entry->maps = maps;
	),

	TP_printk("%s cpus=%u maps=%u", __entry->remote ? "remote" : "local",
		  __entry->cpus, __entry->maps)
);

#endif /* _TRACE_EPHMAP_H */

#include <trace/define_trace.h>
