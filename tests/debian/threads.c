// SPDX-License-Identifier: GPL-2.0
/*
 * Compiled and run inside the Debian guest: four threads each add up a
 * quarter of 1..N, and the total must be N(N+1)/2.
 */
#include <pthread.h>
#include <stdio.h>

#define N 40000000ULL
#define THREADS 4

static unsigned long long part[THREADS];

static void *add(void *arg)
{
	unsigned long i = (unsigned long)arg;
	unsigned long long k, sum = 0;

	for (k = i * (N / THREADS) + 1; k <= (i + 1) * (N / THREADS); k++)
		sum += k;
	part[i] = sum;
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	unsigned long long total = 0;
	unsigned long i;

	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, add, (void *)i))
			return 2;
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		total += part[i];
	}
	printf("LGTEST: debian threads sum=%llu %s\n", total,
	       total == N * (N + 1) / 2 ? "ok" : "WRONG");
	return total == N * (N + 1) / 2 ? 0 : 1;
}
