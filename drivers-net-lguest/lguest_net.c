// SPDX-License-Identifier: GPL-2.0
/*
 * The lguest guest's network interfaces.
 *
 * An lguest network is as simple as a network can be: a page that every
 * station on it can see, divided into slots (struct lguest_net_slot, in
 * include/uapi/linux/lguest_launcher.h).  Each slot holds a station's MAC
 * address and whether it is listening; our lguest_device_desc says which
 * slot is ours.  There is no switch.  A station listens by binding
 * receive buffers at its own slot's key, and sends a frame by DMA to the
 * slot of every station that should get it, one hypercall each; when the
 * hypercall returns, the frame is in that station's buffer (or it had no
 * free buffer, and the frame is lost, as on a busy Ethernet).
 *
 * Who the other stations are is the Launcher's business.  With
 * --sharenet=FILE the page is a file that other guests' Launchers map
 * too, so the host copies our frames straight into those guests' buffers.
 * With --tunnet the other station is the Launcher itself, in slot 0: it
 * writes what we send to a tap device of the host, and fills our buffers
 * with what it reads from there.
 *
 * The receive buffers stay ours for as long as the device exists, even
 * while the interface is down: a Launcher may be about to fill one that
 * it took just before we unbound them, and must not write into memory
 * that has gone back to the allocator.  Frames are copied out of them
 * into fresh sk_buffs in our NAPI poll.  A frame to send goes from its
 * sk_buff's own memory, or, if that is in too many pieces, through one
 * more buffer of the same kind.
 */
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/lguest_bus.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <asm/lguest.h>

#define LGUEST_NET_RX_BUFS	32

struct lguest_net {
	struct net_device *dev;
	struct napi_struct napi;
	struct lguest_net_slot *slots;	/* the network's page, mapped */
	unsigned long page_pa;		/* its guest-physical address */
	unsigned int slot;		/* ours */
	unsigned int irq;
	unsigned int buf_len;		/* the longest frame, with headers */
	bool bound;			/* our receive buffers are bound */
	struct lguest_dma *rx;		/* LGUEST_NET_RX_BUFS, bound */
	void *rx_buf[LGUEST_NET_RX_BUFS];
	unsigned int rx_next;		/* where we look for a frame first */
	struct lguest_dma *tx;		/* the frame being sent */
	void *tx_buf;			/* and where it is */
};

static unsigned long slot_key(const struct lguest_net *ln, unsigned int i)
{
	return ln->page_pa + i * sizeof(struct lguest_net_slot);
}

/*
 * What the other stations see of us: up while our buffers are bound, and
 * promiscuous when asked (a bridge in the guest wants every frame).
 */
static void lguest_net_update_slot(struct lguest_net *ln)
{
	u16 flags = 0;

	if (ln->bound)
		flags |= LGUEST_NET_F_UP;
	if (ln->dev->flags & IFF_PROMISC)
		flags |= LGUEST_NET_F_PROMISC;
	WRITE_ONCE(ln->slots[ln->slot].flags, flags);
}

/* Should station i get a frame for dest? */
static bool lguest_net_wants(const struct lguest_net *ln, unsigned int i,
			     const u8 *dest)
{
	const struct lguest_net_slot *s = &ln->slots[i];
	u16 flags = READ_ONCE(s->flags);

	if (i == ln->slot || !(flags & LGUEST_NET_F_UP))
		return false;
	return is_multicast_ether_addr(dest) ||
	       (flags & LGUEST_NET_F_PROMISC) || ether_addr_equal(dest, s->mac);
}

/*
 * Our buffers are whole pages of the kernel's direct map, physically
 * contiguous.  We give each page a section of its own (a section's
 * length is a __u16, too short for a 64 KB buffer), so the biggest frame
 * takes all LGUEST_DMA_SECTIONS.
 */
static void lguest_net_sections(struct lguest_dma *dma, void *buf,
				unsigned int len)
{
	phys_addr_t pa = virt_to_phys(buf);
	unsigned int i, n;

	memset(dma, 0, sizeof(*dma));
	for (i = 0; len; i++) {
		n = min_t(unsigned int, len, PAGE_SIZE - offset_in_page(pa));
		dma->addr[i] = pa;
		dma->len[i] = n;
		pa += n;
		len -= n;
	}
}

/*
 * A frame to send, where the sk_buff has it: its head, then each of its
 * fragments (physically contiguous, even when it spans the pages of a
 * compound page), one section each.  False if there are too many pieces,
 * or one too long for a section.
 */
static bool lguest_net_skb_sections(struct lguest_dma *dma,
				    const struct sk_buff *skb)
{
	const struct skb_shared_info *sh = skb_shinfo(skb);
	unsigned int i, n = 0;

	if (skb_has_frag_list(skb) || sh->nr_frags >= LGUEST_DMA_SECTIONS ||
	    skb_headlen(skb) < ETH_HLEN || skb_headlen(skb) > U16_MAX)
		return false;
	memset(dma, 0, sizeof(*dma));
	dma->addr[n] = virt_to_phys(skb->data);
	dma->len[n++] = skb_headlen(skb);
	for (i = 0; i < sh->nr_frags; i++) {
		const skb_frag_t *f = &sh->frags[i];

		if (!skb_frag_size(f))
			continue;
		if (skb_frag_size(f) > U16_MAX)
			return false;
		dma->addr[n] = page_to_phys(skb_frag_page(f)) + skb_frag_off(f);
		dma->len[n++] = skb_frag_size(f);
	}
	return true;
}

/*
 * Sending: the frame goes to each station that wants it, straight from
 * the sk_buff's memory (we take scattered and high-memory sk_buffs), or,
 * if it is in more pieces than a DMA has sections, copied into our
 * transmit buffer first.  Each hypercall copies the frame before it
 * returns, so we are done with both at the end.  The stack calls us for
 * one frame at a time (we have one queue and take its lock), so one
 * buffer is enough.
 */
static netdev_tx_t lguest_net_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct lguest_net *ln = netdev_priv(dev);
	bool delivered = false;
	const u8 *dest;
	unsigned int i;

	if (skb->len < ETH_HLEN || skb->len > ln->buf_len) {
		DEV_STATS_INC(dev, tx_dropped);
		goto out;
	}
	if (lguest_net_skb_sections(ln->tx, skb)) {
		dest = ((const struct ethhdr *)skb->data)->h_dest;
	} else if (!skb_copy_bits(skb, 0, ln->tx_buf, skb->len)) {
		dest = ((const struct ethhdr *)ln->tx_buf)->h_dest;
		lguest_net_sections(ln->tx, ln->tx_buf, skb->len);
	} else {
		DEV_STATS_INC(dev, tx_dropped);
		goto out;
	}

	for (i = 0; i < LGUEST_NET_SLOTS; i++) {
		if (!lguest_net_wants(ln, i, dest))
			continue;
		lguest_send_dma(slot_key(ln, i), ln->tx);
		/* A station with no buffer free misses this one. */
		if (ln->tx->used_len == skb->len)
			delivered = true;
	}
	if (delivered) {
		DEV_STATS_INC(dev, tx_packets);
		DEV_STATS_ADD(dev, tx_bytes, skb->len);
	} else {
		DEV_STATS_INC(dev, tx_dropped);
	}
out:
	dev_consume_skb_any(skb);
	return NETDEV_TX_OK;
}

/*
 * Receiving.  The host (or the Launcher) fills a free buffer, sets its
 * used_len and raises our interrupt; we give each buffer back by clearing
 * its used_len.  The host looks for a free buffer from the one after the
 * last it filled, so buffers mostly fill in turn, but not always: while it
 * looks, we may free some behind it, and then it fills one past a buffer
 * that is now free.  Waiting for that free one would stall us until the
 * host came round to it again, so we take the next full buffer from
 * where we are, wherever it is.
 */
static irqreturn_t lguest_net_interrupt(int irq, void *dev_id)
{
	struct lguest_net *ln = netdev_priv(dev_id);

	napi_schedule(&ln->napi);
	return IRQ_HANDLED;
}

static int lguest_net_next_full(struct lguest_net *ln)
{
	unsigned int i, n;

	for (i = 0; i < LGUEST_NET_RX_BUFS; i++) {
		n = (ln->rx_next + i) % LGUEST_NET_RX_BUFS;
		if (READ_ONCE(ln->rx[n].used_len))
			return n;
	}
	return -1;
}

/*
 * A frame as an sk_buff: the first bytes (at least the headers that the
 * stack looks at first) in its head, the rest in pages of its own.  A
 * big frame in one linear buffer would take twice its size from the
 * allocator, and TCP counts that against its window.
 */
#define LGUEST_NET_HEAD	256

static struct sk_buff *lguest_net_skb(struct napi_struct *napi,
				      const void *buf, unsigned int len)
{
	unsigned int head = min(len, LGUEST_NET_HEAD), off, n;
	struct sk_buff *skb;
	struct page *page;

	BUILD_BUG_ON(DIV_ROUND_UP(LGUEST_NET_BIG_MTU + ETH_HLEN + VLAN_HLEN -
				  LGUEST_NET_HEAD, PAGE_SIZE) > MAX_SKB_FRAGS);
	skb = napi_alloc_skb(napi, head);
	if (!skb)
		return NULL;
	skb_put_data(skb, buf, head);
	for (off = head; off < len; off += n) {
		n = min_t(unsigned int, len - off, PAGE_SIZE);
		page = dev_alloc_page();
		if (!page) {
			kfree_skb(skb);
			return NULL;
		}
		memcpy(page_address(page), buf + off, n);
		skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page, 0, n,
				PAGE_SIZE);
	}
	return skb;
}

static int lguest_net_poll(struct napi_struct *napi, int budget)
{
	struct lguest_net *ln = container_of(napi, struct lguest_net, napi);
	struct net_device *dev = ln->dev;
	int done = 0, n;

	while (done < budget && (n = lguest_net_next_full(ln)) >= 0) {
		u32 len = READ_ONCE(ln->rx[n].used_len);
		struct sk_buff *skb;

		/* The frame was written before its used_len. */
		rmb();
		if (len < ETH_HLEN || len > ln->buf_len) {
			DEV_STATS_INC(dev, rx_length_errors);
		} else {
			skb = lguest_net_skb(napi, ln->rx_buf[n], len);
			if (skb) {
				skb->protocol = eth_type_trans(skb, dev);
				DEV_STATS_INC(dev, rx_packets);
				DEV_STATS_ADD(dev, rx_bytes, len);
				napi_gro_receive(napi, skb);
			} else {
				DEV_STATS_INC(dev, rx_dropped);
			}
		}
		/* Copied out: the buffer can take the next frame. */
		smp_store_release(&ln->rx[n].used_len, 0);
		ln->rx_next = (n + 1) % LGUEST_NET_RX_BUFS;
		done++;
	}
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

static int lguest_net_open(struct net_device *dev)
{
	struct lguest_net *ln = netdev_priv(dev);
	unsigned int i;
	int err;

	for (i = 0; i < LGUEST_NET_RX_BUFS; i++)
		ln->rx[i].used_len = 0;
	ln->rx_next = 0;
	napi_enable(&ln->napi);
	err = lguest_bind_dma(slot_key(ln, ln->slot), ln->rx,
			      LGUEST_NET_RX_BUFS, ln->irq);
	if (err) {
		napi_disable(&ln->napi);
		return err;
	}
	ln->bound = true;
	lguest_net_update_slot(ln);
	netif_start_queue(dev);
	return 0;
}

static int lguest_net_stop(struct net_device *dev)
{
	struct lguest_net *ln = netdev_priv(dev);

	netif_stop_queue(dev);
	ln->bound = false;
	lguest_net_update_slot(ln);
	lguest_unbind_dma(slot_key(ln, ln->slot), ln->rx);
	napi_disable(&ln->napi);
	return 0;
}

static void lguest_net_set_rx_mode(struct net_device *dev)
{
	lguest_net_update_slot(netdev_priv(dev));
}

static const struct net_device_ops lguest_net_ops = {
	.ndo_open		= lguest_net_open,
	.ndo_stop		= lguest_net_stop,
	.ndo_start_xmit		= lguest_net_xmit,
	.ndo_set_rx_mode	= lguest_net_set_rx_mode,
	.ndo_validate_addr	= eth_validate_addr,
};

static int lguest_net_probe(struct lguest_device *ldev)
{
	struct device *d = &ldev->dev;
	struct net_device *dev;
	struct lguest_net *ln;
	unsigned int i, order;
	int err;

	if ((ldev->desc->features & LGUEST_NET_SLOT_MASK) >= LGUEST_NET_SLOTS)
		return -EINVAL;
	dev = devm_alloc_etherdev(d, sizeof(*ln));
	if (!dev)
		return -ENOMEM;
	SET_NETDEV_DEV(dev, d);
	ln = netdev_priv(dev);
	ln->dev = dev;
	ln->slot = ldev->desc->features & LGUEST_NET_SLOT_MASK;
	/* How big the network's frames may be: see LGUEST_NET_FEAT_BIG. */
	if (ldev->desc->features & LGUEST_NET_FEAT_BIG)
		dev->max_mtu = LGUEST_NET_BIG_MTU;
	else
		dev->max_mtu = ETH_DATA_LEN;
	dev->mtu = dev->max_mtu;
	ln->buf_len = dev->max_mtu + ETH_HLEN + VLAN_HLEN;
	ln->irq = lguest_device_irq(ldev);
	ln->page_pa = lguest_device_pa(ldev);
	ln->slots = devm_memremap(d, ln->page_pa, PAGE_SIZE, MEMREMAP_WB);
	if (IS_ERR(ln->slots))
		return PTR_ERR(ln->slots);

	/*
	 * Buffers in the kernel's direct map, so __pa() works for DMA, and of
	 * whole pages, so that the biggest frame fits one DMA's sections.
	 */
	BUILD_BUG_ON(LGUEST_NET_BIG_MTU + ETH_HLEN + VLAN_HLEN >
		     LGUEST_DMA_SECTIONS * PAGE_SIZE);
	order = get_order(ln->buf_len);
	ln->tx = devm_kzalloc(d, sizeof(*ln->tx), GFP_KERNEL);
	ln->tx_buf = (void *)devm_get_free_pages(d, GFP_KERNEL, order);
	ln->rx = devm_kcalloc(d, LGUEST_NET_RX_BUFS, sizeof(*ln->rx),
			      GFP_KERNEL);
	if (!ln->tx || !ln->tx_buf || !ln->rx)
		return -ENOMEM;
	for (i = 0; i < LGUEST_NET_RX_BUFS; i++) {
		ln->rx_buf[i] = (void *)devm_get_free_pages(d, GFP_KERNEL,
							    order);
		if (!ln->rx_buf[i])
			return -ENOMEM;
		lguest_net_sections(&ln->rx[i], ln->rx_buf[i], ln->buf_len);
	}

	/* The Launcher chose our address; if it did not, we do. */
	if (is_valid_ether_addr(ln->slots[ln->slot].mac)) {
		eth_hw_addr_set(dev, ln->slots[ln->slot].mac);
	} else {
		eth_hw_addr_random(dev);
		memcpy(ln->slots[ln->slot].mac, dev->dev_addr, ETH_ALEN);
	}
	ln->slots[ln->slot].flags = 0;
	dev->netdev_ops = &lguest_net_ops;
	/* Any sk_buff will do: lguest_net_xmit() takes it in pieces. */
	dev->features |= NETIF_F_SG | NETIF_F_HIGHDMA;
	dev->hw_features |= NETIF_F_SG;
	netif_napi_add(dev, &ln->napi, lguest_net_poll);

	err = lguest_setup_irq(ln->irq);
	if (!err)
		err = devm_request_irq(d, ln->irq, lguest_net_interrupt, 0,
				       "lguest_net", dev);
	if (!err)
		err = devm_register_netdev(d, dev);
	if (err)
		return err;
	netdev_info(dev, "lguest network, slot %u of the page at %#lx (irq %u, mtu %u)\n",
		    ln->slot, ln->page_pa, ln->irq, dev->mtu);
	return 0;
}

static struct lguest_driver lguest_net_driver = {
	.device_type	= LGUEST_DEVICE_T_NET,
	.probe		= lguest_net_probe,
	.drv		= {
		.name	= "lguest_net",
	},
};

static int __init lguest_net_init(void)
{
	return register_lguest_driver(&lguest_net_driver);
}
module_init(lguest_net_init);

MODULE_DESCRIPTION("lguest guest network device");
MODULE_LICENSE("GPL");
