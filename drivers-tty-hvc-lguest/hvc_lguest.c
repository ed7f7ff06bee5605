// SPDX-License-Identifier: GPL-2.0
/*
 * The lguest guest console, hvc0.
 *
 * From the first printk until the console device turns up on the lguest
 * bus, output goes by hypercall (LHCALL_CONSOLE_WRITE): the host stops the
 * guest and the Launcher writes the bytes out.  After that, output and
 * input are DMA at the device's key, which the Launcher serves: a send
 * there is the Launcher's to print, and the Launcher fills the one input
 * buffer we keep bound there with what is typed, then raises our
 * interrupt.
 */
#include <linux/init.h>
#include <linux/lguest_bus.h>
#include <linux/minmax.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/lguest.h>
#include <asm/lguest_hcall.h>
#include <asm/page.h>

#include "hvc_console.h"

#define LGUEST_CONS_BUF	256

/* 0 until the console device is probed. */
static unsigned long cons_key;

/* Output: one buffer, which printk and the tty may both want. */
static DEFINE_SPINLOCK(out_lock);
static struct lguest_dma out_dma;
static u8 out_buf[LGUEST_CONS_BUF];

/* Input: one buffer bound at the key; in_pos is how much we have read. */
static struct lguest_dma in_dma;
static u8 in_buf[LGUEST_CONS_BUF];
static unsigned int in_pos;

static ssize_t lguest_put_chars(u32 vtermno, const u8 *buf, size_t count)
{
	unsigned long flags;
	size_t done = 0;

	if (!cons_key) {
		/* hvc hands us kmalloc'd or on-stack buffers: both lowmem. */
		lguest_hcall(LHCALL_CONSOLE_WRITE, __pa(buf), count, 0, 0);
		return count;
	}
	spin_lock_irqsave(&out_lock, flags);
	while (done < count) {
		size_t n = min(count - done, sizeof(out_buf));

		memcpy(out_buf, buf + done, n);
		out_dma.addr[0] = __pa(out_buf);
		out_dma.len[0] = n;
		out_dma.len[1] = 0;
		lguest_send_dma(cons_key, &out_dma);
		done += n;
	}
	spin_unlock_irqrestore(&out_lock, flags);
	return count;
}

/*
 * What the Launcher put in the input buffer; once we have taken it all,
 * used_len 0 makes the buffer free for the next input.
 */
static ssize_t lguest_get_chars(u32 vtermno, u8 *buf, size_t count)
{
	unsigned int len = READ_ONCE(in_dma.used_len);
	size_t n;

	if (!len)
		return 0;
	len = min_t(unsigned int, len, sizeof(in_buf));
	n = min_t(size_t, count, len - in_pos);
	memcpy(buf, in_buf + in_pos, n);
	in_pos += n;
	if (in_pos == len) {
		in_pos = 0;
		/* Free for the Launcher only once we have copied it all. */
		smp_store_release(&in_dma.used_len, 0);
	}
	return n;
}

static const struct hv_ops lguest_cons_ops = {
	.get_chars = lguest_get_chars,
	.put_chars = lguest_put_chars,
	.notifier_add = notifier_add_irq,
	.notifier_del = notifier_del_irq,
	.notifier_hangup = notifier_hangup_irq,
};

/* The console for printk, as soon as consoles can be registered. */
static int __init lguest_cons_init(void)
{
	if (!lguest_guest)
		return 0;
	return hvc_instantiate(0, 0, &lguest_cons_ops);
}
console_initcall(lguest_cons_init);

/* The device: bind the input buffer, then make the tty, /dev/hvc0. */
static int lguest_cons_probe(struct lguest_device *ldev)
{
	unsigned int irq = lguest_device_irq(ldev);
	unsigned long key = lguest_device_pa(ldev);
	struct hvc_struct *hp;
	int err;

	err = lguest_setup_irq(irq);
	if (err)
		return err;
	in_dma.addr[0] = __pa(in_buf);
	in_dma.len[0] = sizeof(in_buf);
	err = lguest_bind_dma(key, &in_dma, 1, irq);
	if (err)
		return err;
	cons_key = key;
	hp = hvc_alloc(0, irq, &lguest_cons_ops, LGUEST_CONS_BUF);
	if (IS_ERR(hp)) {
		cons_key = 0;
		lguest_unbind_dma(key, &in_dma);
		return PTR_ERR(hp);
	}
	return 0;
}

static struct lguest_driver lguest_cons_driver = {
	.device_type	= LGUEST_DEVICE_T_CONSOLE,
	.probe		= lguest_cons_probe,
	.drv		= {
		.name	= "hvc_lguest",
	},
};

static int __init lguest_cons_dev_init(void)
{
	if (!lguest_guest)
		return 0;
	return register_lguest_driver(&lguest_cons_driver);
}
device_initcall(lguest_cons_dev_init);
