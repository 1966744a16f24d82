// SPDX-License-Identifier: GPL-2.0
/*
 * ephmap_cpus N: maps through the ephmap (its microbenchmark, one 4 KiB
 * map+unmap) on CPUs 0, 1, ..., N-1 in turn, from this one process, and
 * after each CPU prints how many ephmap page-table pages its mm holds:
 *
 *	cpus=K tables=T
 *
 * ephmap_cpus --visit N: only runs on CPUs 0..N-1 in turn, mapping
 * nothing, so that no CPU keeps the mm of a process that did map loaded
 * lazily (which keeps that mm, and its page tables, alive).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIR "/sys/kernel/debug/ephmap/"

static long read_tables(void)
{
	char buf[32];
	int fd = open(DIR "mm_pgtable_pages", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int main(int argc, char **argv)
{
	static const char cmd[] = "1 map_unmap_4k";
	int visit = argc > 2 && !strcmp(argv[1], "--visit");
	int n = argc > 1 ? atoi(argv[argc - 1]) : 0;
	int cpu;

	if (n <= 0) {
		fprintf(stderr, "usage: ephmap_cpus [--visit] N\n");
		return 2;
	}
	for (cpu = 0; cpu < n; cpu++) {
		cpu_set_t set;
		int fd;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "sched_setaffinity(%d): %s\n", cpu, strerror(errno));
			return 1;
		}
		if (visit) {
			usleep(1000);
			continue;
		}
		fd = open(DIR "bench", O_WRONLY);
		if (fd < 0 || write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd)) {
			fprintf(stderr, "bench on CPU %d: %s\n", cpu, strerror(errno));
			return 1;
		}
		close(fd);
		printf("cpus=%d tables=%ld\n", cpu + 1, read_tables());
	}
	return 0;
}
