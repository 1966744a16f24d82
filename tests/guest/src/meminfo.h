/* SPDX-License-Identifier: GPL-2.0 */
/* MemAvailable from /proc/meminfo, for the guest programs that size by it. */
#ifndef GUEST_MEMINFO_H
#define GUEST_MEMINFO_H

#include <stdio.h>

/* MemAvailable in KiB, or -1. */
static inline long mem_available_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

#endif
