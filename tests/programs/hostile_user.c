// SPDX-License-Identifier: GPL-2.0
/*
 * Forbidden things a program in an lguest guest may try: instructions
 * that would leave ring 3 without the IDT (SYSENTER, SYSCALL), gates and
 * segments of the guest kernel and of the host's Switcher, privileged
 * instructions, and the Switcher's and the kernel's memory; and a page
 * of its own after mprotect() took away the right to write or to read it
 * (the host fills a flushed shadow entry again from the new guest entry,
 * and must not fill in more than the entry allows); and a page replaced
 * in the handler of its own fault, which must not read as the old one.
 *
 * Each case runs in a child of its own and must end in a signal (the
 * guest kernel's answer to the fault the CPU raised); a child that exits
 * got somewhere it must not.  Exit code 0 when every case faulted.  This
 * is a test for guests: natively, SYSENTER is an ordinary system call.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* exit(42) through SYSENTER: the host must turn it into a fault. */
static void do_sysenter(void)
{
	asm volatile("movl %%esp, %%ebp\n\tsysenter" : : "a"(1), "b"(42) : "memory");
}

static void do_syscall(void)
{
	asm volatile("syscall" : : "a"(1), "b"(42) : "memory", "ecx");
}

static void do_int_hcall(void)	{ asm volatile("int $0x1f" : : "a"(2), "b"(0)); }
static void do_int_irq(void)	{ asm volatile("int $0x20"); }
static void do_int_host(void)	{ asm volatile("int $0xec"); }
static void do_hlt(void)	{ asm volatile("hlt"); }
static void do_cli(void)	{ asm volatile("cli"); }
static void do_in(void)		{ asm volatile("inb $0x80, %%al" : : : "eax"); }
static void do_mov_cr3(void)	{ asm volatile("movl %0, %%cr3" : : "r"(0)); }

static void do_lgdt(void)
{
	static const struct { unsigned short limit; unsigned int base; }
		__attribute__((packed)) desc = { 0xffff, 0 };

	asm volatile("lgdt %0" : : "m"(desc));
}

/* The Switcher's ring-0 code segment is GDT entry 10 (0x50). */
static void do_lcall_switcher(void)
{
	static const struct { unsigned int off; unsigned short sel; }
		__attribute__((packed)) target = { 0, 0x53 };

	asm volatile("lcall *%0" : : "m"(target));
}

static void do_ds_switcher(void) { asm volatile("movw %w0, %%ds" : : "r"(0x5b)); }

/* iret into the guest kernel's ring-1 code segment (0x61). */
static void do_iret_ring1(void)
{
	asm volatile("pushl $0x69\n\t"
		     "pushl %%esp\n\t"
		     "pushfl\n\t"
		     "pushl $0x61\n\t"
		     "pushl $0\n\t"
		     "iret" : : : "memory");
}

static void do_read_switcher(void)
{
	printf("%x\n", *(volatile unsigned int *)0xffc00000);
}

static void do_write_kernel(void)
{
	*(volatile unsigned int *)0xc1000000 = 0;
}

/* A page written (so mapped writable), then made read-only or no-access. */
static volatile char *page_then(int prot)
{
	volatile char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(2);
	p[0] = 1;
	if (mprotect((void *)p, 4096, prot))
		_exit(2);
	return p;
}

static void do_write_readonly(void)	{ page_then(PROT_READ)[0] = 2; }
static void do_read_noaccess(void)	{ (void)page_then(PROT_NONE)[0]; }

/*
 * A page replaced while its fault is handled: a write to a read-only
 * page lands in a SIGSEGV handler that maps a fresh page in its place
 * and reads it.  The guest kernel flushes the old page before the read,
 * and that flush is skipped when the host says the page has no shadow
 * entry (G:160): if it still had one, the read would find what the old,
 * now freed, page held.  Many times, then a write the handler does not
 * rescue, which must fault.
 */
static volatile char *volatile replaced;
static volatile int replaced_seen;

static void replace_page(int sig __attribute__((unused)))
{
	if (mmap((void *)replaced, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		_exit(2);
	replaced_seen |= replaced[0];
}

static void do_read_replaced_page(void)
{
	struct sigaction sa = { .sa_handler = replace_page };
	int i;

	if (sigaction(SIGSEGV, &sa, NULL))
		_exit(2);
	for (i = 0; i < 64; i++) {
		replaced = page_then(PROT_READ);
		replaced[0] = 2;
		if (replaced_seen || replaced[0] != 2) {
			printf("hostile-user: round %d: the replaced page read %d, then %d\n",
			       i, replaced_seen, replaced[0]);
			fflush(stdout);
			_exit(1);
		}
		munmap((void *)replaced, 4096);
	}
	signal(SIGSEGV, SIG_DFL);
	page_then(PROT_READ)[0] = 2;
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "sysenter", do_sysenter },
	{ "syscall", do_syscall },
	{ "int-hypercall", do_int_hcall },
	{ "int-guest-irq", do_int_irq },
	{ "int-host-vector", do_int_host },
	{ "hlt", do_hlt },
	{ "cli", do_cli },
	{ "in", do_in },
	{ "mov-cr3", do_mov_cr3 },
	{ "lgdt", do_lgdt },
	{ "lcall-switcher-cs", do_lcall_switcher },
	{ "load-switcher-ds", do_ds_switcher },
	{ "iret-to-ring1", do_iret_ring1 },
	{ "read-switcher", do_read_switcher },
	{ "write-kernel", do_write_kernel },
	{ "write-after-mprotect-read", do_write_readonly },
	{ "read-after-mprotect-none", do_read_noaccess },
	{ "read-page-replaced-in-fault", do_read_replaced_page },
};

int main(void)
{
	unsigned int i, bad = 0, n = sizeof(cases) / sizeof(cases[0]);

	for (i = 0; i < n; i++) {
		int status;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			perror("hostile-user: fork");
			return 1;
		}
		if (pid == 0) {
			cases[i].fn();
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid) {
			perror("hostile-user: waitpid");
			return 1;
		}
		if (WIFSIGNALED(status)) {
			printf("hostile-user: %s: %s, as it should\n", cases[i].name,
			       strsignal(WTERMSIG(status)));
		} else {
			printf("hostile-user: FAIL: %s: exited %d instead of faulting\n",
			       cases[i].name, WEXITSTATUS(status));
			bad++;
		}
	}
	if (bad) {
		printf("hostile-user: %u of %u cases did not fault\n", bad, n);
		return 1;
	}
	printf("hostile-user: all %u cases faulted\n", n);
	return 0;
}
