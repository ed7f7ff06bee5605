// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/lguest: how the Launcher creates and runs a guest.
 *
 * The protocol is in include/uapi/linux/lguest_launcher.h.  One open file
 * is one guest: the first write creates it, each read runs it until
 * there is something for the Launcher, and closing the file destroys it.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/segment.h>
#include "lg.h"

/* Serialises creating a guest against another write on the same file. */
static DEFINE_MUTEX(lguest_create_lock);

static int initialize(struct file *file, const u32 __user *input,
		      size_t size)
{
	static const u32 no_version[3];
	unsigned long limit, mem_base, pfn_limit, entry, pgdir, bp;
	struct lguest *lg;
	u32 args[5];
	int err;

	if (size != sizeof(u32) + sizeof(args))
		return -EINVAL;
	if (copy_from_user(args, input + 1, sizeof(args)))
		return -EFAULT;
	mem_base = args[0];
	pfn_limit = args[1];
	entry = args[2];
	pgdir = args[3];
	bp = args[4];

	/*
	 * Guest memory must be whole pages of the Launcher's user address
	 * space, and guest-physical addresses must stay below the Switcher.
	 */
	if ((mem_base & ~PAGE_MASK) || !pfn_limit ||
	    pfn_limit > (LGUEST_SWITCHER_ADDR >> PAGE_SHIFT) ||
	    mem_base >= TASK_SIZE ||
	    pfn_limit > (TASK_SIZE - mem_base) >> PAGE_SHIFT)
		return -EINVAL;
	limit = pfn_limit << PAGE_SHIFT;
	if (entry >= limit || pgdir >= limit || (pgdir & ~PAGE_MASK) ||
	    bp >= limit)
		return -EINVAL;
	if (!access_ok((void __user *)mem_base, limit))
		return -EFAULT;

	lg = kzalloc(sizeof(*lg), GFP_KERNEL_ACCOUNT);
	if (!lg)
		return -ENOMEM;
	mutex_init(&lg->lock);
	lguest_init_id(lg);
	lg->mem_base = mem_base;
	lg->pfn_limit = pfn_limit;
	lg->tsk = current;
	get_task_struct(lg->tsk);
	lg->mm = current->mm;
	mmgrab(lg->mm);

	/*
	 * The guest starts at entry, in ring 1, with flat segments, virtual
	 * interrupts off (lguest_data does not exist yet) and %esi pointing
	 * at its boot_params, as the boot protocol says.
	 */
	lg->regs.eip = entry;
	lg->regs.esi = bp;
	lg->regs.cs = __KERNEL_CS | 1;
	lg->regs.ss = __KERNEL_DS | 1;
	lg->regs.ds = __KERNEL_DS | 1;
	lg->regs.es = __KERNEL_DS | 1;
	lg->regs.eflags = X86_EFLAGS_IF | X86_EFLAGS_FIXED;
	setup_guest_gdt(lg);
	lguest_init_timer(lg);
	/* The Launcher's page tables, of no mm: see H:415. */
	guest_new_pagetable(lg, pgdir, no_version);
	if (lg->dead) {
		err = -ENOMEM;
		goto free;
	}

	mutex_lock(&lguest_create_lock);
	if (file->private_data) {
		mutex_unlock(&lguest_create_lock);
		err = -EBUSY;
		goto free;
	}
	file->private_data = lg;
	mutex_unlock(&lguest_create_lock);
	lguest_stats_add(lg);
	return size;

free:
	free_guest_pagetables(lg);
	mmdrop(lg->mm);
	put_task_struct(lg->tsk);
	kfree(lg);
	return err;
}

static ssize_t lg_write(struct file *file, const char __user *in,
			size_t size, loff_t *off)
{
	const u32 __user *input = (const u32 __user *)in;
	struct lguest *lg = file->private_data;
	u32 req, arg;

	if (size < sizeof(req) || get_user(req, input))
		return -EINVAL;
	if (req == LHREQ_INITIALIZE)
		return lg ? -EBUSY : initialize(file, input, size);
	if (!lg)
		return -EINVAL;
	if (size != 2 * sizeof(u32) || get_user(arg, input + 1))
		return -EINVAL;

	switch (req) {
	case LHREQ_IRQ:
		if (arg >= LGUEST_IRQS)
			return -EINVAL;
		lguest_raise_irq(lg, arg);
		return size;
	case LHREQ_BREAK:
		lg->break_out = true;
		wake_up_process(lg->tsk);
		return size;
	case LHREQ_GETDMA:
		return lguest_get_dma(lg, arg);
	}
	return -EINVAL;
}

static ssize_t lg_read(struct file *file, char __user *out, size_t size,
		       loff_t *off)
{
	struct lguest *lg = file->private_data;
	int err;

	if (!lg || size < sizeof(lg->exit))
		return -EINVAL;
	/*
	 * Guest memory is an address range of the thread that created it,
	 * in the address space it had then: not in whatever program it may
	 * have exec()ed since with this file still open.
	 */
	if (current != lg->tsk || current->mm != lg->mm)
		return -EPERM;

	if (mutex_lock_interruptible(&lg->lock))
		return -EINTR;
	err = lguest_run(lg);
	if (!err) {
		/* A record the Launcher did not get is still pending. */
		if (copy_to_user(out, &lg->exit, sizeof(lg->exit))) {
			err = -EFAULT;
		} else {
			lg->exit_pending = false;
			err = sizeof(lg->exit);
		}
	}
	mutex_unlock(&lg->lock);
	return err;
}

/* misc_open() left the miscdevice here; there is no guest yet. */
static int lg_open(struct inode *inode, struct file *file)
{
	file->private_data = NULL;
	return 0;
}

static int lg_release(struct inode *inode, struct file *file)
{
	struct lguest *lg = file->private_data;

	if (!lg)
		return 0;
	lguest_stats_remove(lg);
	hrtimer_cancel(&lg->hrt);
	release_all_dma(lg);
	free_guest_pagetables(lg);
	mmdrop(lg->mm);
	put_task_struct(lg->tsk);
	kfree(lg);
	return 0;
}

static const struct file_operations lguest_fops = {
	.owner		= THIS_MODULE,
	.open		= lg_open,
	.read		= lg_read,
	.write		= lg_write,
	.release	= lg_release,
	.llseek		= noop_llseek,
};

static struct miscdevice lguest_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "lguest",
	.fops	= &lguest_fops,
};

int __init lguest_device_init(void)
{
	return misc_register(&lguest_dev);
}

void lguest_device_remove(void)
{
	misc_deregister(&lguest_dev);
}
