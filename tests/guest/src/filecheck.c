// SPDX-License-Identifier: GPL-2.0
/*
 * filecheck: writes a file whose every 8-byte word is a function of a seed
 * and the word's offset, then reads it back through read() in uneven
 * chunks, pread() at scattered offsets and mmap(), and checks every byte.
 *
 *   filecheck write PATH MIB SEED
 *   filecheck verify PATH MIB SEED
 *
 * Exits 0 when all data matched, 1 on a mismatch (first one reported),
 * 2 on a usage or system-call error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t word_at(uint64_t seed, uint64_t idx)
{
	uint64_t z = seed + (idx + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void fill(uint64_t seed, uint64_t off, unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t pos = off + i;
		uint64_t w = word_at(seed, pos / 8);

		buf[i] = (unsigned char)(w >> (8 * (pos % 8)));
	}
}

static int check(uint64_t seed, uint64_t off, const unsigned char *buf,
		 size_t len, const char *how)
{
	static unsigned char want[1 << 20];

	while (len) {
		size_t n = len < sizeof(want) ? len : sizeof(want);

		fill(seed, off, want, n);
		if (memcmp(want, buf, n)) {
			size_t i = 0;

			while (want[i] == buf[i])
				i++;
			fprintf(stderr, "filecheck: %s mismatch at offset %llu: got %02x want %02x\n",
				how, (unsigned long long)(off + i), buf[i], want[i]);
			return 1;
		}
		off += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int do_write(const char *path, uint64_t size, uint64_t seed)
{
	static unsigned char buf[1 << 20];
	uint64_t off = 0;
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);

	if (fd < 0) {
		perror(path);
		return 2;
	}
	while (off < size) {
		size_t n = 1 + rng() % sizeof(buf);

		if (n > size - off)
			n = size - off;
		fill(seed, off, buf, n);
		if (write(fd, buf, n) != (ssize_t)n) {
			perror("write");
			return 2;
		}
		off += n;
	}
	if (fsync(fd) || close(fd)) {
		perror("fsync/close");
		return 2;
	}
	printf("filecheck: wrote %llu bytes\n", (unsigned long long)size);
	return 0;
}

static int do_verify(const char *path, uint64_t size, uint64_t seed)
{
	static unsigned char buf[1 << 20];
	unsigned long reads = 0, preads = 0;
	struct stat st;
	uint64_t off = 0;
	unsigned char *map;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		return 2;
	}
	if ((uint64_t)st.st_size != size) {
		fprintf(stderr, "filecheck: size %lld, want %llu\n",
			(long long)st.st_size, (unsigned long long)size);
		return 1;
	}
	/* Sequential read() in uneven chunks, crossing page boundaries. */
	while (off < size) {
		size_t n = 1 + rng() % (3 * 4096 + 17);
		ssize_t got = read(fd, buf, n);

		if (got <= 0) {
			perror("read");
			return 2;
		}
		if (check(seed, off, buf, got, "read"))
			return 1;
		off += got;
		reads++;
	}
	/* pread() at scattered offsets. */
	for (int i = 0; i < 2048; i++) {
		uint64_t o = rng() % size;
		size_t n = 1 + rng() % 8192;
		ssize_t got;

		if (n > size - o)
			n = size - o;
		got = pread(fd, buf, n, o);
		if (got != (ssize_t)n) {
			perror("pread");
			return 2;
		}
		if (check(seed, o, buf, n, "pread"))
			return 1;
		preads++;
	}
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	if (check(seed, 0, map, size, "mmap"))
		return 1;
	munmap(map, size);
	close(fd);
	printf("filecheck: verified %llu bytes (%lu reads, %lu preads, mmap)\n",
	       (unsigned long long)size, reads, preads);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t size, seed;

	if (argc != 5) {
		fprintf(stderr, "usage: filecheck write|verify PATH MIB SEED\n");
		return 2;
	}
	size = strtoull(argv[3], NULL, 0) << 20;
	seed = strtoull(argv[4], NULL, 0);
	rng_state ^= seed;
	if (!size)
		return 2;
	if (!strcmp(argv[1], "write"))
		return do_write(argv[2], size, seed);
	if (!strcmp(argv[1], "verify"))
		return do_verify(argv[2], size, seed);
	fprintf(stderr, "filecheck: unknown mode %s\n", argv[1]);
	return 2;
}
