// SPDX-License-Identifier: GPL-2.0
/*
 * The most trivial /init: power off at once.  make bench boots a guest
 * with this alone in its initramfs to time a launch, from the Launcher's
 * start to its exit.  No C library (scripts/initramfs.sh builds it with
 * -nostdlib), so that the image stays a few kilobytes: the guest kernel
 * would spend longer unpacking a static glibc than running it.
 */
#define NR_REBOOT		88
#define REBOOT_MAGIC1		0xfee1dead
#define REBOOT_MAGIC2		672274793
#define REBOOT_CMD_POWER_OFF	0x4321fedc
#define NR_EXIT			1

static long syscall3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("int $0x80"
		     : "=a"(ret) : "0"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

void _start(void)
{
	syscall3(NR_REBOOT, REBOOT_MAGIC1, REBOOT_MAGIC2, REBOOT_CMD_POWER_OFF);
	/* Only if that failed: init exiting makes the kernel panic, loudly. */
	for (;;)
		syscall3(NR_EXIT, 1, 0, 0);
}
