// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU TCG plugin: how many times each guest instruction in one address
 * range ran.  bench/profile loads it to find where a kernel change costs
 * instructions, which is what guest time measures under -icount.
 *
 *	-plugin libicount.so,lo=HEX,hi=HEX,out=FILE[,rep=FILE]
 *
 * At exit FILE gets one line per instruction that ran: its address (16
 * hex digits) and its count.  The counters are not atomic: with several
 * vCPUs running at once (MTTCG) a count may come out a little low, but
 * under -icount the vCPUs take turns.
 *
 * TCG runs a REP-prefixed string instruction (rep movsb, rep stosq, ...)
 * one iteration at a time, and -icount counts each iteration as an
 * instruction, where a CPU with fast strings moves tens of bytes a cycle.
 * With rep=FILE, FILE gets one line per such instruction that ran: its
 * address, its iterations (the count above) and its executions, an
 * iteration being counted as an execution unless the instruction before
 * it, among those in the range, was another iteration of the same
 * instruction.  Counting executions in place of iterations gives the
 * instructions of a CPU that runs a string instruction as one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t range_lo, range_hi, *counts;
static const char *out_path, *rep_path;

/*
 * Instructions run in the range, and the REP string instructions' state:
 * the counters are global, as -icount runs one vCPU at a time.
 */
static uint64_t insns_run, last_rep_insns, last_rep_pc, *rep_execs;

/* Whether @insn is a string instruction with a REP or REPNE prefix. */
static int is_rep_string(struct qemu_plugin_insn *insn)
{
	const uint8_t *b = qemu_plugin_insn_data(insn);
	size_t i, n = qemu_plugin_insn_size(insn);
	int rep = 0;

	for (i = 0; i < n; i++) {
		switch (b[i]) {
		case 0xf2: case 0xf3:
			rep = 1;
			continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64:
		case 0x65: case 0x66: case 0x67: case 0xf0:
			continue;
		}
		break;
	}
	if (i < n && (b[i] & 0xf0) == 0x40)	/* REX */
		i++;
	if (!rep || i >= n)
		return 0;
	switch (b[i]) {
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:	/* ins, outs */
	case 0xa4: case 0xa5: case 0xa6: case 0xa7:	/* movs, cmps */
	case 0xaa: case 0xab: case 0xac: case 0xad:	/* stos, lods */
	case 0xae: case 0xaf:				/* scas */
		return 1;
	}
	return 0;
}

/*
 * Each iteration of a REP string instruction at @udata: a new execution
 * unless exactly one instruction (the previous iteration) ran since the
 * last iteration seen, at the same address.
 */
static void on_rep_exec(unsigned int vcpu_index, void *udata)
{
	uint64_t pc = (uint64_t)(uintptr_t)udata;

	if (pc != last_rep_pc || insns_run != last_rep_insns + 1)
		rep_execs[pc - range_lo]++;
	last_rep_pc = pc;
	last_rep_insns = insns_run;
}

static void on_tb_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);

	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t pc = qemu_plugin_insn_vaddr(insn);

		if (pc < range_lo || pc >= range_hi)
			continue;
		qemu_plugin_register_vcpu_insn_exec_inline(insn,
				QEMU_PLUGIN_INLINE_ADD_U64,
				&counts[pc - range_lo], 1);
		if (!rep_path)
			continue;
		qemu_plugin_register_vcpu_insn_exec_inline(insn,
				QEMU_PLUGIN_INLINE_ADD_U64, &insns_run, 1);
		if (is_rep_string(insn))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_rep_exec,
					QEMU_PLUGIN_CB_NO_REGS,
					(void *)(uintptr_t)pc);
	}
}

static void on_qemu_exit(qemu_plugin_id_t id, void *data)
{
	FILE *f = fopen(out_path, "w");
	uint64_t i;

	if (!f) {
		perror(out_path);
		return;
	}
	for (i = 0; i < range_hi - range_lo; i++)
		if (counts[i])
			fprintf(f, "%016" PRIx64 " %" PRIu64 "\n",
				range_lo + i, counts[i]);
	fclose(f);
	if (!rep_path)
		return;
	f = fopen(rep_path, "w");
	if (!f) {
		perror(rep_path);
		return;
	}
	for (i = 0; i < range_hi - range_lo; i++)
		if (rep_execs[i])
			fprintf(f, "%016" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
				range_lo + i, counts[i], rep_execs[i]);
	fclose(f);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "lo=", 3)) {
			range_lo = strtoull(argv[i] + 3, NULL, 16);
		} else if (!strncmp(argv[i], "hi=", 3)) {
			range_hi = strtoull(argv[i] + 3, NULL, 16);
		} else if (!strncmp(argv[i], "out=", 4)) {
			out_path = strdup(argv[i] + 4);
		} else if (!strncmp(argv[i], "rep=", 4)) {
			rep_path = strdup(argv[i] + 4);
		} else {
			fprintf(stderr, "icount: unknown argument %s\n", argv[i]);
			return -1;
		}
	}
	if (!out_path || range_hi <= range_lo ||
	    range_hi - range_lo > (64ULL << 20)) {
		fprintf(stderr, "icount: wants lo=HEX,hi=HEX,out=FILE (at most 64 MiB apart)\n");
		return -1;
	}
	counts = calloc(range_hi - range_lo, sizeof(*counts));
	if (!counts)
		return -1;
	if (rep_path) {
		rep_execs = calloc(range_hi - range_lo, sizeof(*rep_execs));
		if (!rep_execs)
			return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
