// SPDX-License-Identifier: GPL-2.0
/*
 * Microbenchmarks for make bench: what a hypervisor makes slower.
 *
 *   microbench [NAME...]    run these (default: all), print one line each:
 *                           "LGTEST: bench micro NAME ns=N ops=M" (N per
 *                           operation, the median of three runs; M the
 *                           operations done in all)
 *   microbench exit         exit 0 at once (what "exec" runs)
 *   microbench time FILE CMD [ARG...]
 *                           run CMD and write how long it took, in seconds
 *                           to the microsecond, to FILE; exit with CMD's
 *                           exit code, or 127 if it could not be run, was
 *                           killed, or FILE could not be written.  For the
 *                           timed steps of tests/init: /proc/uptime, all
 *                           busybox's shell has, counts hundredths.  (Here
 *                           rather than in a program of its own: each
 *                           static binary is 750 KB of a 64 MB guest's
 *                           initramfs.)
 *
 * The same static binary runs natively on the host and inside a guest in
 * one QEMU boot, so that the ratio guest/native says what the hypervisor
 * costs; under TCG the absolute numbers mean little.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096

static char *self;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Each test does n operations and returns the nanoseconds they took. */
static uint64_t t_syscall(unsigned int n)
{
	uint64_t t0 = now_ns();

	while (n--)
		syscall(SYS_getppid);
	return now_ns() - t0;
}

static uint64_t t_int80(unsigned int n)
{
	uint64_t t0 = now_ns();
	long ret;

	while (n--)
		asm volatile("int $0x80" : "=a"(ret) : "0"(SYS_getppid) : "memory");
	return now_ns() - t0;
}

static uint64_t t_pipe(unsigned int n)
{
	int ab[2], ba[2];
	uint64_t t0;
	char c = 0;
	pid_t pid;

	if (pipe(ab) || pipe(ba))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		close(ab[1]);
		close(ba[0]);
		while (read(ab[0], &c, 1) == 1 && write(ba[1], &c, 1) == 1)
			;
		_exit(0);
	}
	t0 = now_ns();
	for (unsigned int i = 0; i < n; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			die("pipe ping-pong");
	t0 = now_ns() - t0;
	close(ab[1]);
	waitpid(pid, NULL, 0);
	close(ab[0]);
	close(ba[0]);
	close(ba[1]);
	return t0;
}

/* A fresh anonymous page, written once: the kernel's fault path. */
static uint64_t t_fault(unsigned int n)
{
	char *p = mmap(NULL, (size_t)n * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t t0;

	if (p == MAP_FAILED)
		die("mmap");
	t0 = now_ns();
	for (unsigned int i = 0; i < n; i++)
		p[(size_t)i * PAGE] = 1;
	t0 = now_ns() - t0;
	munmap(p, (size_t)n * PAGE);
	return t0;
}

/* Pages written by the parent, then by a child: copy on write. */
static uint64_t t_cow(unsigned int n)
{
	char *p = mmap(NULL, (size_t)n * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd[2];
	uint64_t t;
	pid_t pid;

	if (p == MAP_FAILED || pipe(fd))
		die("mmap");
	memset(p, 1, (size_t)n * PAGE);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		t = now_ns();
		for (unsigned int i = 0; i < n; i++)
			p[(size_t)i * PAGE] = 2;
		t = now_ns() - t;
		if (write(fd[1], &t, sizeof(t)) != sizeof(t))
			_exit(1);
		_exit(0);
	}
	if (read(fd[0], &t, sizeof(t)) != sizeof(t))
		die("cow child");
	waitpid(pid, NULL, 0);
	close(fd[0]);
	close(fd[1]);
	munmap(p, (size_t)n * PAGE);
	return t;
}

/* Read-only, writable again, and a write: two changes and a fault. */
static uint64_t t_mprotect(unsigned int n)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t t0;

	if (p == MAP_FAILED)
		die("mmap");
	p[0] = 1;
	t0 = now_ns();
	while (n--) {
		mprotect(p, PAGE, PROT_READ);
		mprotect(p, PAGE, PROT_READ | PROT_WRITE);
		p[0]++;
	}
	t0 = now_ns() - t0;
	munmap(p, PAGE);
	return t0;
}

/* n children, each of which exits at once or first execs us to exit. */
static uint64_t forks(unsigned int n, int exec)
{
	uint64_t t0 = now_ns();

	while (n--) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (!pid) {
			if (exec)
				execl(self, self, "exit", (char *)NULL);
			_exit(exec ? 127 : 0);
		}
		waitpid(pid, NULL, 0);
	}
	return now_ns() - t0;
}

static uint64_t t_fork(unsigned int n)
{
	return forks(n, 0);
}

static uint64_t t_exec(unsigned int n)
{
	return forks(n, 1);
}

/* Controls: no system calls, so a guest should match native. */
static volatile uint32_t sink;

static uint64_t t_compute(unsigned int n)
{
	uint64_t t0 = now_ns();
	uint32_t x = 1;

	while (n--)
		for (unsigned int i = 0; i < 1000; i++)
			x = x * 1103515245u + 12345u;
	sink = x;
	return now_ns() - t0;
}

static uint64_t t_memcpy(unsigned int n)
{
	static char a[1 << 16], b[1 << 16];
	uint64_t t0 = now_ns();

	memset(a, 3, sizeof(a));
	memset(b, 4, sizeof(b));
	while (n--) {
		memcpy(n & 1 ? a : b, n & 1 ? b : a, sizeof(a));
		sink += a[n & 0xff];
	}
	return now_ns() - t0;
}

static const struct bench {
	const char *name;
	uint64_t (*fn)(unsigned int n);
	unsigned int n;		/* operations per run */
} benches[] = {
	{ "syscall", t_syscall, 20000 },
	{ "int80", t_int80, 20000 },
	{ "pipe", t_pipe, 2000 },
	{ "fault", t_fault, 2000 },
	{ "cow", t_cow, 1000 },
	{ "mprotect", t_mprotect, 1000 },
	{ "fork", t_fork, 100 },
	{ "exec", t_exec, 100 },
	{ "compute", t_compute, 2000 },
	{ "memcpy", t_memcpy, 1000 },
};

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void run(const struct bench *b)
{
	uint64_t t[3];

	for (int i = 0; i < 3; i++)
		t[i] = b->fn(b->n);
	qsort(t, 3, sizeof(t[0]), cmp);
	printf("LGTEST: bench micro %s ns=%llu ops=%u\n", b->name,
	       (unsigned long long)(t[1] / b->n), 3 * b->n);
	fflush(stdout);
}

/* microbench time FILE CMD [ARG...]: see the top of this file. */
static int time_command(char **argv)
{
	uint64_t t0 = now_ns();
	FILE *out;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		perror("microbench time: fork");
		return 127;
	}
	if (!pid) {
		execvp(argv[1], argv + 1);
		perror("microbench time: exec");
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid) {
		perror("microbench time: waitpid");
		return 127;
	}
	t0 = now_ns() - t0;
	out = fopen(argv[0], "w");
	if (!out || fprintf(out, "%llu.%06llu\n",
			    (unsigned long long)(t0 / 1000000000u),
			    (unsigned long long)(t0 % 1000000000u / 1000)) < 0 ||
	    fclose(out)) {
		perror("microbench time: cannot write the time");
		return 127;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 127;
}

int main(int argc, char **argv)
{
	unsigned int i;

	self = argv[0];
	if (argc == 2 && !strcmp(argv[1], "exit"))
		return 0;
	if (argc >= 4 && !strcmp(argv[1], "time"))
		return time_command(argv + 2);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		int want = argc == 1;

		for (int a = 1; a < argc; a++)
			want |= !strcmp(argv[a], benches[i].name);
		if (want)
			run(&benches[i]);
	}
	return 0;
}
