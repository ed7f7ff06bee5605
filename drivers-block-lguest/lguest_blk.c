// SPDX-License-Identifier: GPL-2.0
/*
 * lgba, lgbb, ...: the lguest guest's disks.
 *
 * Each is a file (or a block device) of the host that the Launcher opened
 * for us (--block=FILE).  The device's page on the lguest bus starts with
 * a struct lguest_block_page: the Launcher put the disk's size there, and
 * we put each request there before we send DMA to the page's address,
 * which only the Launcher serves.  It serves it while the guest waits in
 * the hypercall, so when LHCALL_SEND_DMA returns the request is done and
 * its result is in the page:
 *
 *  - a write sends the data;
 *  - a read sends the pages to read into, which the Launcher fills (as it
 *    can write any of our memory, there is nothing to bind for it);
 *  - a flush sends nothing, and returns when what was written is on the
 *    host's disk.
 *
 * Either way the Launcher sets the DMA's used_len to the bytes it moved.
 *
 * So there is one request in flight at a time, and each completes in
 * queue_rq: simple and in order, which is what a guest that calls fsync()
 * and then loses its Launcher needs.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/lguest_bus.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <asm/lguest.h>

struct lguest_blk {
	struct lguest_device *ldev;
	struct lguest_block_page *page;	/* the device's page, mapped */
	unsigned long key;		/* its guest-physical address */
	struct gendisk *disk;
	struct blk_mq_tag_set tag_set;
	spinlock_t lock;		/* one request at a time */
	struct lguest_dma dma;		/* a read's or a write's pages */
	struct scatterlist sg[LGUEST_DMA_SECTIONS];
};

/* Which letters are taken: lgba is index 0. */
static DEFINE_IDA(lguest_blk_ida);

/* The request's segments as DMA sections (queue limits keep them fit). */
static void fill_dma(struct lguest_blk *lb, struct request *rq,
		     struct lguest_dma *dma)
{
	unsigned int i, n;

	memset(dma, 0, sizeof(*dma));
	n = blk_rq_map_sg(rq->q, rq, lb->sg);
	for (i = 0; i < n; i++) {
		dma->addr[i] = sg_phys(&lb->sg[i]);
		dma->len[i] = lb->sg[i].length;
	}
}

static blk_status_t lguest_blk_queue_rq(struct blk_mq_hw_ctx *hctx,
					const struct blk_mq_queue_data *bd)
{
	struct lguest_blk *lb = hctx->queue->queuedata;
	struct request *rq = bd->rq;
	blk_status_t status = BLK_STS_OK;
	u32 type;

	switch (req_op(rq)) {
	case REQ_OP_READ:
		type = LGUEST_BLOCK_READ;
		break;
	case REQ_OP_WRITE:
		type = LGUEST_BLOCK_WRITE;
		break;
	case REQ_OP_FLUSH:
		type = LGUEST_BLOCK_FLUSH;
		break;
	default:
		return BLK_STS_NOTSUPP;
	}

	blk_mq_start_request(rq);
	/*
	 * The guest stops in the hypercall until the Launcher has done the
	 * request.  The lock keeps the shared page to one request at a
	 * time; we have no interrupt handler, so interrupts may stay on.
	 */
	spin_lock(&lb->lock);
	lb->page->type = type;
	lb->page->sector = blk_rq_pos(rq);
	lb->page->result = LGUEST_BLOCK_RESULT_PENDING;
	fill_dma(lb, rq, &lb->dma);
	lguest_send_dma(lb->key, &lb->dma);

	if (READ_ONCE(lb->page->result) != LGUEST_BLOCK_RESULT_OK ||
	    lb->dma.used_len != blk_rq_bytes(rq))
		status = BLK_STS_IOERR;
	spin_unlock(&lb->lock);

	blk_mq_end_request(rq, status);
	return BLK_STS_OK;
}

static const struct blk_mq_ops lguest_blk_mq_ops = {
	.queue_rq	= lguest_blk_queue_rq,
};

static const struct block_device_operations lguest_blk_fops = {
	.owner	= THIS_MODULE,
};

static int lguest_blk_probe(struct lguest_device *ldev)
{
	struct queue_limits lim = {
		.max_segments		= LGUEST_DMA_SECTIONS,
		.max_segment_size	= PAGE_SIZE,
		.max_hw_sectors		= LGUEST_DMA_SECTIONS * PAGE_SIZE / 512,
		.features		= BLK_FEAT_WRITE_CACHE,
	};
	struct lguest_blk *lb;
	int err, index;

	index = ida_alloc_max(&lguest_blk_ida, 'z' - 'a', GFP_KERNEL);
	if (index < 0)
		return index;
	lb = kzalloc(sizeof(*lb), GFP_KERNEL);
	if (!lb) {
		err = -ENOMEM;
		goto free_index;
	}
	lb->ldev = ldev;
	lb->key = lguest_device_pa(ldev);
	spin_lock_init(&lb->lock);
	sg_init_table(lb->sg, LGUEST_DMA_SECTIONS);
	lb->page = memremap(lb->key, PAGE_SIZE, MEMREMAP_WB);
	if (!lb->page) {
		err = -ENOMEM;
		goto free;
	}

	/*
	 * No I/O scheduler unless the user picks one: the disk is a file of
	 * the host, which has its own (as for the loop driver), and each
	 * request is done in queue_rq(), so there is no queue at the device
	 * to sort.  But 16 tags, though only one request is ever at the
	 * Launcher: the block layer makes several requests before it sends
	 * the first (readahead, writeback), and with one tag the second
	 * waits asleep until the first is done.  (That wait is why
	 * mq-deadline, whose own queue holds them, used to read faster
	 * through the page cache than no scheduler.)
	 */
	err = blk_mq_alloc_sq_tag_set(&lb->tag_set, &lguest_blk_mq_ops, 16,
				      BLK_MQ_F_NO_SCHED_BY_DEFAULT);
	if (err)
		goto unmap;
	lb->disk = blk_mq_alloc_disk(&lb->tag_set, &lim, lb);
	if (IS_ERR(lb->disk)) {
		err = PTR_ERR(lb->disk);
		goto free_tags;
	}
	/* No major of our own: add_disk() gives us dynamic numbers. */
	lb->disk->fops = &lguest_blk_fops;
	lb->disk->private_data = lb;
	snprintf(lb->disk->disk_name, sizeof(lb->disk->disk_name), "lgb%c",
		 'a' + index);
	set_capacity(lb->disk, lb->page->num_sectors);
	err = add_disk(lb->disk);
	if (err)
		goto put_disk;
	dev_set_drvdata(&ldev->dev, lb);
	pr_info("%s: %llu sectors\n", lb->disk->disk_name,
		(unsigned long long)lb->page->num_sectors);
	return 0;

put_disk:
	put_disk(lb->disk);
free_tags:
	blk_mq_free_tag_set(&lb->tag_set);
unmap:
	memunmap(lb->page);
free:
	kfree(lb);
free_index:
	ida_free(&lguest_blk_ida, index);
	return err;
}

static struct lguest_driver lguest_blk_driver = {
	.device_type	= LGUEST_DEVICE_T_BLOCK,
	.probe		= lguest_blk_probe,
	.drv		= {
		.name	= "lguest_blk",
	},
};

static int __init lguest_blk_init(void)
{
	return register_lguest_driver(&lguest_blk_driver);
}
module_init(lguest_blk_init);

MODULE_DESCRIPTION("lguest guest block device");
MODULE_LICENSE("GPL");
