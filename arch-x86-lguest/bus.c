// SPDX-License-Identifier: GPL-2.0
/*
 * The lguest bus: how a guest finds its devices.
 *
 * There is nothing to probe.  The Launcher leaves a page of device
 * descriptors just past the memory our e820 map describes, so at page
 * max_pfn, followed by the devices' own pages (a device's first page is
 * also the key its DMA goes to).  We register one device per descriptor,
 * and drivers bind to them by type, as on any bus.  Device i raises
 * interrupt i + 1; interrupt 0 is the timer.
 *
 * Data moves by DMA (see include/uapi/linux/lguest_launcher.h): the
 * helpers at the end are the two hypercalls, for the drivers.
 */
#include <linux/device.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/lguest_bus.h>
#include <linux/memblock.h>
#include <linux/slab.h>
#include <asm/lguest.h>
#include <asm/lguest_hcall.h>

static struct lguest_device_desc *lguest_descs;

static struct device lguest_root = {
	.init_name = "lguest",
};

#define to_lguest_device(d) container_of(d, struct lguest_device, dev)
#define to_lguest_driver(d) container_of(d, struct lguest_driver, drv)

static int lguest_dev_match(struct device *dev, const struct device_driver *drv)
{
	return to_lguest_device(dev)->desc->type ==
	       to_lguest_driver(drv)->device_type;
}

/* The status byte tells the Launcher how far the guest got with a device. */
static int lguest_dev_probe(struct device *dev)
{
	struct lguest_device *ldev = to_lguest_device(dev);
	struct lguest_driver *ldrv = to_lguest_driver(dev->driver);
	int err;

	ldev->desc->status |= LGUEST_DEVICE_S_DRIVER;
	err = ldrv->probe(ldev);
	if (err)
		ldev->desc->status |= LGUEST_DEVICE_S_FAILED;
	else
		ldev->desc->status |= LGUEST_DEVICE_S_DRIVER_OK;
	return err;
}

static const struct bus_type lguest_bus = {
	.name	= "lguest",
	.match	= lguest_dev_match,
	.probe	= lguest_dev_probe,
};

/*
 * Our devices never go away, and their drivers keep buffers the host or
 * the Launcher may be about to fill: no unbinding them through sysfs.
 */
int register_lguest_driver(struct lguest_driver *drv)
{
	if (!lguest_descs)
		return 0;
	drv->drv.bus = &lguest_bus;
	drv->drv.suppress_bind_attrs = true;
	return driver_register(&drv->drv);
}
EXPORT_SYMBOL_GPL(register_lguest_driver);

static void lguest_dev_release(struct device *dev)
{
	kfree(to_lguest_device(dev));
}

static void __init add_lguest_device(unsigned int index)
{
	struct lguest_device *ldev = kzalloc(sizeof(*ldev), GFP_KERNEL);

	if (!ldev)
		return;
	ldev->index = index;
	ldev->desc = &lguest_descs[index];
	ldev->dev.parent = &lguest_root;
	ldev->dev.bus = &lguest_bus;
	ldev->dev.release = lguest_dev_release;
	dev_set_name(&ldev->dev, "lguest%u", index);
	lguest_descs[index].status |= LGUEST_DEVICE_S_ACKNOWLEDGE;
	if (device_register(&ldev->dev))
		put_device(&ldev->dev);
}

static int __init lguest_bus_init(void)
{
	unsigned int i;

	if (!lguest_guest)
		return 0;
	lguest_descs = memremap(PFN_PHYS(max_pfn), PAGE_SIZE, MEMREMAP_WB);
	if (!lguest_descs) {
		pr_err("lguest: cannot map the device page at %#llx\n",
		       (unsigned long long)PFN_PHYS(max_pfn));
		return -ENOMEM;
	}
	if (bus_register(&lguest_bus) || device_register(&lguest_root))
		panic("lguest: cannot register the lguest bus");
	for (i = 0; i < LGUEST_MAX_DEVICES && lguest_descs[i].type; i++)
		add_lguest_device(i);
	return 0;
}
postcore_initcall(lguest_bus_init);

/*
 * Bind num buffers at key, to be told of each one filled by interrupt
 * irq.  Returns -ENOSPC if the host has no room for another binding.
 */
int lguest_bind_dma(unsigned long key, struct lguest_dma *dmas,
		    unsigned int num, unsigned int irq)
{
	if (!lguest_hcall(LHCALL_BIND_DMA, key, __pa(dmas), num << 8 | irq, 0))
		return -ENOSPC;
	return 0;
}
EXPORT_SYMBOL_GPL(lguest_bind_dma);

void lguest_unbind_dma(unsigned long key, struct lguest_dma *dmas)
{
	lguest_hcall(LHCALL_BIND_DMA, key, __pa(dmas), 0, 0);
}
EXPORT_SYMBOL_GPL(lguest_unbind_dma);

/*
 * Send dma to key; when this returns, used_len says how many bytes went
 * (0 if nobody was there to take them).
 */
void lguest_send_dma(unsigned long key, struct lguest_dma *dma)
{
	dma->used_len = 0;
	lguest_hcall(LHCALL_SEND_DMA, key, __pa(dma), 0, 0);
}
EXPORT_SYMBOL_GPL(lguest_send_dma);
