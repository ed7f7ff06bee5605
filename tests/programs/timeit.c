// SPDX-License-Identifier: GPL-2.0
/*
 * timeit FILE CMD [ARG...]: run CMD, and write how long it took, in
 * seconds to the microsecond, to FILE.  For make bench, whose figures
 * are often a tenth of a second or less: /proc/uptime, which busybox's
 * shell has, counts in hundredths.  The clock is CLOCK_MONOTONIC.
 * Exits with CMD's exit code, or 127 if CMD could not be run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
	double t0, t1;
	FILE *out;
	pid_t pid;
	int status;

	if (argc < 3) {
		fprintf(stderr, "usage: timeit FILE CMD [ARG...]\n");
		return 2;
	}
	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		return 127;
	}
	if (!pid) {
		execvp(argv[2], argv + 2);
		perror("timeit: exec");
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid) {
		perror("timeit: waitpid");
		return 127;
	}
	t1 = now();
	out = fopen(argv[1], "w");
	if (!out || fprintf(out, "%.6f\n", t1 - t0) < 0 || fclose(out)) {
		perror("timeit: cannot write the time");
		return 127;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 127;
}
