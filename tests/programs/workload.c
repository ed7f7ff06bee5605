// SPDX-License-Identifier: GPL-2.0
/*
 * A small workload that touches what a kernel must get right for
 * ordinary programs: fork and exec, pipes, signals, anonymous mmap and
 * munmap, and page faults over a few tens of megabytes.  Run natively it
 * is a sanity check of the test kernel; run in a guest it exercises the
 * hypervisor's traps, shadow page tables and context switches.
 *
 * Every check prints one line; the exit code is the number of failed
 * checks (0 when all pass).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MB (1024 * 1024)

static int failures;

static void check(int ok, const char *what)
{
	printf("workload: %s %s\n", ok ? "[OK]" : "[FAIL]", what);
	if (!ok)
		failures++;
}

/* A child that execs the shell and exits with a known code. */
static int fork_exec(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 0;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exit 42", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 42;
}

/* Push 1 MB through a pipe to a child, which sends back its sum. */
static int pipe_roundtrip(void)
{
	int to_child[2], from_child[2];
	uint32_t sum = 0, child_sum = 0;
	unsigned char buf[4096];
	pid_t pid;
	int i, j;

	if (pipe(to_child) || pipe(from_child))
		return 0;
	pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		ssize_t n;

		close(to_child[1]);
		close(from_child[0]);
		while ((n = read(to_child[0], buf, sizeof(buf))) > 0)
			for (j = 0; j < n; j++)
				child_sum = child_sum * 31 + buf[j];
		if (write(from_child[1], &child_sum, sizeof(child_sum)) != 4)
			_exit(1);
		_exit(0);
	}
	close(to_child[0]);
	close(from_child[1]);
	for (i = 0; i < MB / (int)sizeof(buf); i++) {
		for (j = 0; j < (int)sizeof(buf); j++) {
			buf[j] = (unsigned char)(i * 7 + j);
			sum = sum * 31 + buf[j];
		}
		if (write(to_child[1], buf, sizeof(buf)) != sizeof(buf))
			return 0;
	}
	close(to_child[1]);
	if (read(from_child[0], &child_sum, sizeof(child_sum)) != 4)
		return 0;
	close(from_child[0]);
	waitpid(pid, NULL, 0);
	return sum == child_sum;
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	got_usr1 = 1;
}

/* A signal sent to ourselves, then one to a child that waits for it. */
static int signals(void)
{
	struct sigaction sa;
	int status;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	if (sigaction(SIGUSR1, &sa, NULL))
		return 0;
	kill(getpid(), SIGUSR1);
	if (!got_usr1)
		return 0;

	pid = fork();
	if (pid == 0) {
		pause();
		_exit(3);
	}
	usleep(10000);
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM;
}

/*
 * Map 32 MB, write every page (one page fault each), verify, unmap, and
 * check that the range is really gone by mapping it again and reading
 * zeroes.
 */
static int mmap_faults(void)
{
	size_t len = 32 * MB, i;
	unsigned char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	for (i = 0; i < len; i += 4096)
		p[i] = (unsigned char)(i >> 12);
	for (i = 0; i < len; i += 4096)
		if (p[i] != (unsigned char)(i >> 12))
			return 0;
	if (munmap(p, len))
		return 0;
	p = mmap(p, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	for (i = 0; i < len; i += 4096)
		if (p[i])
			return 0;
	return munmap(p, len) == 0;
}

/* Copy-on-write after fork: the child's writes stay in the child. */
static int cow(void)
{
	unsigned char *p;
	int status;
	pid_t pid;

	p = mmap(NULL, MB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	memset(p, 0x5a, MB);
	pid = fork();
	if (pid == 0) {
		memset(p, 0xa5, MB);
		_exit(p[MB - 1] == 0xa5 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return 0;
	return p[0] == 0x5a && p[MB - 1] == 0x5a;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	check(fork_exec(), "fork and exec");
	check(pipe_roundtrip(), "1 MB through a pipe");
	check(signals(), "signals");
	check(mmap_faults(), "32 MB of page faults, munmap");
	check(cow(), "copy-on-write after fork");
	printf("workload: %d failed\n", failures);
	return failures;
}
