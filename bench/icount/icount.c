// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU TCG plugin: how many times each guest instruction in one address
 * range ran.  bench/profile loads it to find where a kernel change costs
 * instructions, which is what guest time measures under -icount.
 *
 *	-plugin libicount.so,lo=HEX,hi=HEX,out=FILE
 *
 * At exit FILE gets one line per instruction that ran: its address (16
 * hex digits) and its count.  The counters are not atomic: with several
 * vCPUs running at once (MTTCG) a count may come out a little low, but
 * under -icount the vCPUs take turns.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t range_lo, range_hi, *counts;
static const char *out_path;

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
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
