// SPDX-License-Identifier: GPL-2.0
/*
 * failnth: makes each fault-injectable call of a fork() or an execve()
 * fail in turn, through /proc/thread-self/fail-nth.
 *
 *   failnth fork|exec MAX
 *   failnth forks COUNT ATTR
 *
 * For N = 1, 2, ... up to MAX: the Nth call (of failslab, fail_page_alloc
 * and every other fault attribute, as their filters allow) in the task
 * that forks, or in the child that execs, fails (for an exec, the calls
 * of the new program's start count too).  A failed fork() must
 * fail as injected_errno() allows; a forked child or an exec'd program
 * must run and exit 0.  It stops at the first N the operation
 * did not reach (fail-nth still set afterwards): every injectable call
 * then failed once.
 *
 * An exec that fails past its point of no return kills the process
 * (SIGSEGV), and one in the new program's start may abort it or make the
 * C library give up (exit 127): such a child counts as failed.
 *
 * Prints "POINTS points, FAILED failed, SURVIVED survived, BAD
 * misbehaved", where a point that survived is an injected failure the
 * operation recovered from.  Exits 0 when every point behaved, 1
 * otherwise, 2 when it could not run.
 *
 * With "forks", sets the fault attribute directory ATTR's probability to
 * 100 (the caller aimed it and set its times), forks COUNT times, sets it
 * back to 0 and prints "COUNT forks, FAILED failed": a shell that forked
 * with the attribute armed would itself fail.  Every failed fork must
 * return ENOMEM and every child exit 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FAIL_NTH "/proc/thread-self/fail-nth"
#define EXIT_EXEC_FAILED 3
#define EXIT_EXEC_OTHER 4
/* The C library's start in the new program failed (its own ENOMEM). */
#define EXIT_START_FAILED 127

/* Writes @val, whole, to the file at @path: 0, or -1. */
static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

static int set_fail_nth(unsigned int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", n);
	return write_file(FAIL_NTH, buf);
}

/* What is left of fail-nth (0 once the failure was injected), or -1. */
static long get_fail_nth(void)
{
	char buf[16] = "";
	int fd = open(FAIL_NTH, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/*
 * What an injected allocation failure may end in: ENOMEM, or what the
 * failing step reports (EFAULT from a copy, EINTR; in an exec, ENOENT
 * when /proc/self/exe could not be resolved, E2BIG when an argument page
 * could not be had, ENOEXEC when the header could not be read).
 */
static int injected_errno(int err)
{
	return err == ENOMEM || err == EFAULT || err == EINTR ||
	       err == ENOENT || err == E2BIG || err == ENOEXEC;
}

/*
 * What one run with fail-nth at @n did: INJECTED_FAILED (the failure was
 * injected and the operation failed as it should), INJECTED_SURVIVED
 * (injected, and the operation recovered), NOT_REACHED, or -1 when it
 * misbehaved.
 */
enum { NOT_REACHED, INJECTED_FAILED, INJECTED_SURVIVED };

static int fork_once(unsigned int n)
{
	int status, err;
	long left;
	pid_t pid;

	if (set_fail_nth(n))
		return -1;
	pid = fork();
	err = errno;
	left = get_fail_nth();
	set_fail_nth(0);
	if (pid == 0)
		_exit(0);
	if (pid < 0) {
		if (!injected_errno(err) || left != 0) {
			fprintf(stderr, "fork %u: %s, fail-nth %ld\n", n,
				strerror(err), left);
			return -1;
		}
		return INJECTED_FAILED;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "fork %u: child status %#x\n", n, status);
		return -1;
	}
	return left == 0 ? INJECTED_SURVIVED : NOT_REACHED;
}

/* The exec'd program: a failure injected in the exec left it whole. */
static int exec_child(unsigned int n)
{
	char *argv[] = { "failnth", "--exited", NULL };

	if (set_fail_nth(n))
		_exit(EXIT_EXEC_OTHER);
	execv("/proc/self/exe", argv);
	if (injected_errno(errno))
		_exit(EXIT_EXEC_FAILED);
	fprintf(stderr, "exec %u: %s\n", n, strerror(errno));
	_exit(EXIT_EXEC_OTHER);
}

static int exec_once(unsigned int n)
{
	int status, pipefd[2];
	long left = -1;
	pid_t pid;

	/* The exec'd program reports what is left of its fail-nth. */
	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(pipefd[0]);
		if (dup2(pipefd[1], 3) != 3)
			_exit(EXIT_EXEC_OTHER);
		exec_child(n);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &left, sizeof(left)) != sizeof(left))
		left = -1;
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return INJECTED_FAILED;
	if (!WIFEXITED(status)) {
		fprintf(stderr, "exec %u: child status %#x\n", n, status);
		return -1;
	}
	switch (WEXITSTATUS(status)) {
	case 0:
		if (left == 0)
			return INJECTED_SURVIVED;
		/* Still set, or its own read of it was the Nth call. */
		return left > 0 || left == -2 ? NOT_REACHED : -1;
	case EXIT_EXEC_FAILED:
	case EXIT_START_FAILED:
		return INJECTED_FAILED;
	default:
		fprintf(stderr, "exec %u: exit %d\n", n, WEXITSTATUS(status));
		return -1;
	}
}

static int aimed_forks(unsigned long count, const char *attr)
{
	unsigned long i, failed = 0, bad = 0;
	char probability[256];
	int status;
	pid_t pid;

	snprintf(probability, sizeof(probability), "%s/probability", attr);
	if (write_file(probability, "100"))
		return 2;
	for (i = 0; i < count; i++) {
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0) {
			if (errno == ENOMEM)
				failed++;
			else
				bad++;
			continue;
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			bad++;
	}
	if (write_file(probability, "0"))
		return 2;
	printf("%lu forks, %lu failed, %lu misbehaved\n", count, failed, bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long points = 0, failed = 0, survived = 0, bad = 0, max;
	int exec_mode, r;
	unsigned int n;

	if (argc == 2 && !strcmp(argv[1], "--exited")) {
		long left = get_fail_nth();

		/* Before anything else can use it up. */
		set_fail_nth(0);
		if (left < 0)
			left = -2;
		return write(3, &left, sizeof(left)) == sizeof(left) ? 0 : 1;
	}
	if (argc == 4 && !strcmp(argv[1], "forks"))
		return aimed_forks(strtoul(argv[2], NULL, 0), argv[3]);
	if (argc != 3 || (strcmp(argv[1], "fork") && strcmp(argv[1], "exec"))) {
		fprintf(stderr, "usage: failnth fork|exec MAX | forks COUNT ATTR\n");
		return 2;
	}
	exec_mode = !strcmp(argv[1], "exec");
	max = strtoul(argv[2], NULL, 0);
	if (get_fail_nth() < 0) {
		fprintf(stderr, "no %s\n", FAIL_NTH);
		return 2;
	}
	for (n = 1; n <= max; n++) {
		r = exec_mode ? exec_once(n) : fork_once(n);
		if (r == NOT_REACHED)
			break;
		points++;
		if (r < 0)
			bad++;
		else if (r == INJECTED_FAILED)
			failed++;
		else
			survived++;
	}
	printf("%lu points, %lu failed, %lu survived, %lu misbehaved%s\n",
	       points, failed, survived, bad,
	       n > max ? " (stopped at MAX)" : "");
	return bad || n > max ? 1 : 0;
}
