// SPDX-License-Identifier: GPL-2.0
/*
 * A test-only module for lguest guests, for make bench: how long one
 * exit to the host and back takes.  It makes the cheapest hypercall
 * there is, LHCALL_FLUSH_ASYNC with nothing queued, many times in a row
 * and prints the time each took.  That is the whole round trip: the trap
 * into the Switcher, the switch to the host's page tables, the host's
 * run loop, and the way back.  Every exit a guest makes (a fixed page
 * fault, a page-table switch, a disk request) costs at least this much,
 * so the bench multiplies it by the exits per operation to show how much
 * of each operation's time exits take.
 *
 * It is built out of tree with lg_hostile (tests/hostile/Makefile) and
 * never shipped.  Loading it measures, prints and succeeds; unload it
 * after.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/math64.h>
#include <linux/module.h>
#include <linux/timekeeping.h>
#include <asm/lguest_hcall.h>

static unsigned int calls = 20000;
module_param(calls, uint, 0444);
MODULE_PARM_DESC(calls, "hypercalls per round");

static unsigned int rounds = 5;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "rounds, each timed and printed");

static int __init lg_exittime_init(void)
{
	unsigned int r, i;

	if (!calls)
		return -EINVAL;
	for (r = 0; r < rounds; r++) {
		u64 t0 = ktime_get_ns();

		for (i = 0; i < calls; i++)
			lguest_hcall(LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
		pr_info("round %u: %u exits, %llu ns each\n",
			r + 1, calls, div_u64(ktime_get_ns() - t0, calls));
	}
	return 0;
}
module_init(lg_exittime_init);

static void __exit lg_exittime_exit(void)
{
}
module_exit(lg_exittime_exit);

MODULE_DESCRIPTION("lguest exit round-trip timing (test only)");
MODULE_LICENSE("GPL");
