// SPDX-License-Identifier: GPL-2.0
/*
 * The most trivial /init: power off at once.  make bench boots a guest
 * with this alone in its initramfs to time a launch from the Launcher's
 * start to its exit.
 */
#include <stdio.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	reboot(RB_POWER_OFF);
	perror("poweroff: reboot");
	return 1;
}
