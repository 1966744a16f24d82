// SPDX-License-Identifier: GPL-2.0
/*
 * procstress: fork/exec, copy-on-write, pipes and signals, each checked.
 *
 *   procstress ROUNDS
 *
 * Every round forks a child that (1) checks that it sees the parent's
 * anonymous buffer, (2) overwrites it, which the parent must not see,
 * (3) echoes a pipe message back byte-reversed, (4) counts SIGUSR1s the
 * parent sends and (5) execs "procstress exit N", whose exit status the
 * parent checks.  Exits 0 when every check held.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUF_SIZE (4 << 20)
#define NSIGS 5

static volatile sig_atomic_t sigs;

static void on_usr1(int sig)
{
	(void)sig;
	sigs++;
}

static unsigned char pattern(size_t i, int round)
{
	return (unsigned char)(i * 31 + round * 7 + (i >> 12));
}

static int child(unsigned char *buf, int round, int rfd, int wfd)
{
	char msg[64], rev[64];
	char code[16];
	ssize_t n;

	for (size_t i = 0; i < BUF_SIZE; i++)
		if (buf[i] != pattern(i, round))
			return 10;
	memset(buf, 0xa5, BUF_SIZE);

	n = read(rfd, msg, sizeof(msg));
	if (n <= 0)
		return 11;
	for (ssize_t i = 0; i < n; i++)
		rev[i] = msg[n - 1 - i];
	if (write(wfd, rev, n) != n)
		return 12;

	while (sigs < NSIGS)
		pause();

	/* An ignored signal stays ignored across exec. */
	signal(SIGUSR1, SIG_IGN);
	snprintf(code, sizeof(code), "%d", (round * 13) % 200);
	execl("/proc/self/exe", "procstress", "exit", code, (char *)NULL);
	return 13;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 50;
	struct sigaction sa = { .sa_handler = on_usr1 };
	unsigned char *buf;

	if (argc == 3 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);

	sigaction(SIGUSR1, &sa, NULL);
	buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 2;
	}

	for (int round = 0; round < rounds; round++) {
		int to_child[2], to_parent[2], status;
		char msg[64], back[64];
		int len;
		pid_t pid;

		for (size_t i = 0; i < BUF_SIZE; i++)
			buf[i] = pattern(i, round);
		if (pipe(to_child) || pipe(to_parent)) {
			perror("pipe");
			return 2;
		}
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0)
			_exit(child(buf, round, to_child[0], to_parent[1]));

		len = snprintf(msg, sizeof(msg), "round %d of %d", round, rounds);
		if (write(to_child[1], msg, len) != len ||
		    read(to_parent[0], back, sizeof(back)) != len) {
			fprintf(stderr, "procstress: pipe exchange failed in round %d\n", round);
			return 1;
		}
		for (int i = 0; i < len; i++) {
			if (back[i] != msg[len - 1 - i]) {
				fprintf(stderr, "procstress: pipe data wrong in round %d\n", round);
				return 1;
			}
		}
		for (int s = 0; s < NSIGS; s++) {
			kill(pid, SIGUSR1);
			usleep(1000);
		}
		/* Keep signalling until the child has exec'd and exited. */
		while (waitpid(pid, &status, WNOHANG) == 0) {
			kill(pid, SIGUSR1);
			usleep(1000);
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != (round * 13) % 200) {
			fprintf(stderr, "procstress: round %d: child status %#x, want exit %d\n",
				round, status, (round * 13) % 200);
			return 1;
		}
		for (size_t i = 0; i < BUF_SIZE; i++) {
			if (buf[i] != pattern(i, round)) {
				fprintf(stderr, "procstress: child's write leaked into parent at %zu\n",
					i);
				return 1;
			}
		}
		close(to_child[0]);
		close(to_child[1]);
		close(to_parent[0]);
		close(to_parent[1]);
	}
	printf("procstress: %d rounds of fork/CoW/pipe/signal/exec passed\n", rounds);
	return 0;
}
