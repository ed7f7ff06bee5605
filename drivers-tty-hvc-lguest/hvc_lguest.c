// SPDX-License-Identifier: GPL-2.0
/*
 * The lguest guest console, hvc0.
 *
 * Output is one hypercall per buffer: the host stops the guest and hands
 * the bytes to the Launcher, which writes them to its standard output.
 * There is no input yet; the hvc core polls and finds nothing.
 */
#include <linux/init.h>
#include <linux/types.h>
#include <asm/lguest.h>
#include <asm/lguest_hcall.h>
#include <asm/page.h>

#include "hvc_console.h"

static ssize_t lguest_put_chars(u32 vtermno, const u8 *buf, size_t count)
{
	/* hvc hands us kmalloc'd or on-stack buffers: both are lowmem. */
	lguest_hcall(LHCALL_CONSOLE_WRITE, __pa(buf), count, 0, 0);
	return count;
}

static ssize_t lguest_get_chars(u32 vtermno, u8 *buf, size_t count)
{
	return 0;
}

static const struct hv_ops lguest_cons_ops = {
	.get_chars = lguest_get_chars,
	.put_chars = lguest_put_chars,
};

/* The console for printk, as soon as consoles can be registered... */
static int __init lguest_cons_init(void)
{
	if (!lguest_guest)
		return 0;
	return hvc_instantiate(0, 0, &lguest_cons_ops);
}
console_initcall(lguest_cons_init);

/* ...and the tty, /dev/hvc0, once the driver core is up. */
static int __init lguest_cons_dev_init(void)
{
	if (!lguest_guest)
		return 0;
	return PTR_ERR_OR_ZERO(hvc_alloc(0, 0, &lguest_cons_ops, 256));
}
device_initcall(lguest_cons_dev_init);
