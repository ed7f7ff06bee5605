// SPDX-License-Identifier: GPL-2.0
/*
 * Does the no-execute bit of a page table entry reach the MMU?
 *
 * NX is bit 63 of a PAE page table entry, in the high word.  A 32-bit
 * kernel that passed page table entries through paravirt_ops as a single
 * long would silently drop it, and data pages would become executable.
 *
 * We copy a "ret" instruction into an anonymous page mapped without
 * PROT_EXEC and call it.  With NX in force that call faults; without NX
 * it returns.  Exit codes, for the harness:
 *   0  NX is enforced
 *   1  the CPU and kernel use NX, yet the page executed (the bug)
 *   4  this CPU or kernel has no NX, so there is nothing to test
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>

static sigjmp_buf env;

static void on_segv(int sig)
{
	siglongjmp(env, 1);
}

/*
 * Does the kernel use NX?  The CPU flag alone does not say: a non-PAE
 * kernel cannot set bit 63 and reports so at boot.  The boot log line
 * "NX (Execute Disable) protection: active" is the kernel's own answer.
 */
static int kernel_uses_nx(void)
{
	static char log[1 << 17];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);

	if (n < 0) {
		perror("nx: klogctl");
		return 0;
	}
	log[n] = '\0';
	return strstr(log, "NX (Execute Disable) protection: active") != NULL;
}

int main(void)
{
	static const unsigned char ret_insn = 0xc3;
	struct sigaction sa;
	unsigned char *page;
	void (*fn)(void);

	if (!kernel_uses_nx()) {
		printf("nx: [SKIP] the kernel does not use NX\n");
		return 4;
	}

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		perror("nx: mmap");
		return 1;
	}
	memcpy(page, &ret_insn, 1);
	fn = (void (*)(void))page;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, NULL);

	if (sigsetjmp(env, 1) == 0) {
		fn();
		printf("nx: [FAIL] a page mapped without PROT_EXEC executed\n");
		return 1;
	}
	printf("nx: [OK] executing a no-exec page faulted\n");
	return 0;
}
