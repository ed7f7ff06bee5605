// SPDX-License-Identifier: GPL-2.0
/*
 * A TCP transfer with a checksum at each end, for the network tests.
 *
 *	nettest recv PORT
 *	nettest send HOST PORT BYTES
 *
 * "recv" accepts one connection on PORT (within 300 s) and reads it to
 * the end; "send" connects to HOST:PORT (trying again for 120 s while
 * nobody listens there yet, or while the network is not up) and sends
 * BYTES bytes of a pseudo-random stream whose seed comes from
 * /dev/urandom, so that no two runs send the same data.  Each end prints
 * one line with the byte count, a 64-bit FNV-1a hash of the bytes and the
 * speed:
 *
 *	LGTEST: net recv bytes=N fnv=HASH seconds=S mbps=M
 *	LGTEST: net send bytes=N fnv=HASH seconds=S mbps=M
 *
 * and the harness compares the two.  The sender shuts down its side and
 * waits for the receiver to close, so that it ends only once all of its
 * bytes were read.  Exit status 0 on success, 1 on any error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK	65536

static uint64_t fnv = 0xcbf29ce484222325ULL;

static void hash(const unsigned char *p, size_t n)
{
	while (n--) {
		fnv ^= *p++;
		fnv *= 0x100000001b3ULL;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(const char *what, unsigned long long bytes, double t0)
{
	double secs = now() - t0;

	printf("LGTEST: net %s bytes=%llu fnv=%016llx seconds=%.2f mbps=%.2f\n",
	       what, bytes, (unsigned long long)fnv, secs,
	       secs > 0 ? bytes / secs / 1e6 : 0.0);
	fflush(stdout);
}

static void fail(const char *what)
{
	printf("LGTEST: net error: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int do_recv(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	static unsigned char buf[CHUNK];
	unsigned long long bytes = 0;
	int one = 1, ls, s;
	double t0;
	ssize_t n;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0)
		fail("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(ls, (struct sockaddr *)&sin, sizeof(sin)) || listen(ls, 1))
		fail("bind/listen");
	alarm(300);
	s = accept(ls, NULL, NULL);
	if (s < 0)
		fail("accept");
	t0 = now();
	while ((n = read(s, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("read");
		}
		hash(buf, n);
		bytes += n;
	}
	report("recv", bytes, t0);
	close(s);
	return 0;
}

static int do_send(const char *host, int port, unsigned long long total)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	static unsigned char buf[CHUNK];
	unsigned long long bytes = 0;
	uint32_t x = 0;
	double t0, give_up;
	FILE *f;
	int s;

	f = fopen("/dev/urandom", "r");
	if (!f || fread(&x, sizeof(x), 1, f) != 1)
		fail("/dev/urandom");
	fclose(f);
	x |= 1;		/* xorshift must not start at 0 */
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		errno = EINVAL;
		fail(host);
	}
	give_up = now() + 120;
	for (;;) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0)
			fail("socket");
		if (!connect(s, (struct sockaddr *)&sin, sizeof(sin)))
			break;
		if (now() > give_up)
			fail("connect");
		close(s);
		usleep(200000);
	}

	t0 = now();
	while (bytes < total) {
		size_t len = total - bytes < CHUNK ? total - bytes : CHUNK;
		size_t i, done = 0;

		for (i = 0; i < len; i += 4) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			memcpy(buf + i, &x, len - i < 4 ? len - i : 4);
		}
		hash(buf, len);
		while (done < len) {
			ssize_t n = write(s, buf + done, len - done);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				fail("write");
			done += n;
		}
		bytes += len;
	}
	/* All sent; the receiver closes once it has read it all. */
	shutdown(s, SHUT_WR);
	while (read(s, buf, sizeof(buf)) > 0)
		;
	report("send", bytes, t0);
	close(s);
	return 0;
}

int main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 0));
	fprintf(stderr, "usage: nettest recv PORT | nettest send HOST PORT BYTES\n");
	return 1;
}
