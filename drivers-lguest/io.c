// SPDX-License-Identifier: GPL-2.0
/*
 * I/O: the DMA hypercalls, by which guests move data to each other and
 * to their Launchers.
 *
 * The model is as small as we could make it.  A guest that wants to
 * receive binds an array of struct lguest_dma (each a list of buffers in
 * its memory, and a used_len) at a key, with an interrupt to raise when
 * one of them is filled.  A guest that wants to send describes its data
 * the same way and names the key.  If another guest has bound that key,
 * we copy from the sender's buffers into the first of the receiver's
 * that is still empty (used_len 0), write the number of bytes into both
 * used_len fields and raise the receiver's interrupt.
 *
 * A key is a guest-physical address, but what it names is the memory
 * behind it: the Launcher's page there.  So two guests whose Launchers
 * map one file with MAP_SHARED (the --sharenet option) meet at the same
 * key even if the file sits at different guest addresses.  A key in
 * private memory can only be the guest's own business with its Launcher:
 * a send there (that no other guest could have bound) stops the guest
 * and read() hands the Launcher the sender's lguest_dma, as
 * LGUEST_EXIT_DMA.  Buffers a guest bound itself never receive its own
 * sends; that is how a device's send and its receive buffers share one
 * key.
 */
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/path.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "lg.h"

/*
 * What a key names: an inode and offset (shared), or an mm and address.
 * For a shared key we hold the file's path (its dentry and mount), so
 * that the inode stays and its filesystem cannot be unmounted while a
 * binding names it.  Not the file itself: that could be one holding
 * /dev/lguest open (an io_uring's), and the guest would never go away.
 */
struct dma_key {
	void *object;
	unsigned long long offset;
	struct path path;		/* .dentry NULL for a private key */
};

/* One LHCALL_BIND_DMA that is in force. */
struct dma_binding {
	struct list_head list;		/* in dma_bindings */
	struct lguest *lg;
	struct dma_key key;
	unsigned long guest_key;	/* the key as that guest wrote it */
	unsigned long dmas;		/* guest-physical array of lguest_dma */
	unsigned int num, next;		/* its length, and where to look first */
	unsigned int irq;
};

/*
 * Every binding of every guest.  A guest has at most LGUEST_MAX_BINDINGS.
 * One lock for all of them is the simplest thing that works: a send
 * holds it while it copies, so sends on the whole host go one at a time.
 * A guest that binds many full buffers at a busy key makes every send
 * there look through them all, and a Launcher whose guest memory is
 * slow to fault in (a FUSE file mapped there, say) holds up every send
 * while we copy.  Waiting for the lock is killable, except when
 * a guest goes away.  A lock (and a list) per key would end that, at the
 * price of more code than the rest of this file.
 */
static LIST_HEAD(dma_bindings);
static DEFINE_MUTEX(dma_lock);

/*
 * Turn a guest's key into what it names.  We run in the guest's Launcher
 * thread, so its memory is current->mm.  Returns false (and stops the
 * guest) for a key outside its memory.
 */
static bool get_dma_key(struct lguest *lg, unsigned long key,
			struct dma_key *k)
{
	unsigned long addr = lg->mem_base + key;
	struct vm_area_struct *vma;

	if (key >= lg->pfn_limit << PAGE_SHIFT || (key & 3)) {
		kill_guest(lg, "DMA key %#lx is not an aligned address in guest memory",
			   key);
		return false;
	}
	mmap_read_lock(lg->mm);
	vma = vma_lookup(lg->mm, addr);
	if (vma && vma->vm_file && (vma->vm_flags & VM_SHARED)) {
		k->path = vma->vm_file->f_path;
		path_get(&k->path);
		k->object = file_inode(vma->vm_file);
		k->offset = ((unsigned long long)vma->vm_pgoff << PAGE_SHIFT) +
			    (addr - vma->vm_start);
	} else {
		k->path = (struct path) { };
		k->object = lg->mm;
		k->offset = addr;
	}
	mmap_read_unlock(lg->mm);
	return true;
}

static void put_dma_key(struct dma_key *k)
{
	if (k->path.dentry)
		path_put(&k->path);
}

static bool same_key(const struct dma_key *a, const struct dma_key *b)
{
	return a->object == b->object && a->offset == b->offset;
}

static void free_binding(struct dma_binding *b)
{
	list_del(&b->list);
	put_dma_key(&b->key);
	kfree(b);
}

/*
 * LHCALL_BIND_DMA(key, dmas, num << 8 | irq): returns 1 when bound, 0
 * when the guest has no binding left.  irq 0 unbinds the array dmas from
 * key.
 */
unsigned long bind_dma(struct lguest *lg, unsigned long key,
		       unsigned long dmas, unsigned long numirq)
{
	unsigned int num = numirq >> 8, irq = numirq & 0xFF, count = 0;
	struct dma_binding *b, *tmp;
	struct dma_key k;

	if (irq >= LGUEST_IRQS) {
		kill_guest(lg, "LHCALL_BIND_DMA with irq %u", irq);
		return 0;
	}
	if (!get_dma_key(lg, key, &k))
		return 0;

	if (mutex_lock_killable(&dma_lock)) {
		put_dma_key(&k);
		return 0;
	}
	if (!irq) {
		list_for_each_entry_safe(b, tmp, &dma_bindings, list)
			if (b->lg == lg && same_key(&b->key, &k) && b->dmas == dmas)
				free_binding(b);
		goto out;
	}
	if (!num || num > LGUEST_MAX_DMAS ||
	    !lguest_address_ok(lg, dmas, num * sizeof(struct lguest_dma))) {
		kill_guest(lg, "LHCALL_BIND_DMA of %u buffers at %#lx", num, dmas);
		goto out;
	}
	list_for_each_entry(b, &dma_bindings, list)
		if (b->lg == lg)
			count++;
	if (count >= LGUEST_MAX_BINDINGS)
		goto out;
	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		goto out;
	b->lg = lg;
	b->key = k;
	b->guest_key = key;
	b->dmas = dmas;
	b->num = num;
	b->irq = irq;
	list_add_tail(&b->list, &dma_bindings);
	mutex_unlock(&dma_lock);
	return 1;
out:
	mutex_unlock(&dma_lock);
	put_dma_key(&k);
	return 0;
}

/* When a guest goes away, so do its bindings. */
void release_all_dma(struct lguest *lg)
{
	struct dma_binding *b, *tmp;

	mutex_lock(&dma_lock);
	list_for_each_entry_safe(b, tmp, &dma_bindings, list)
		if (b->lg == lg)
			free_binding(b);
	mutex_unlock(&dma_lock);
}

/*
 * Read and check one struct lguest_dma: every section within guest
 * memory.  A section is any run of guest-physical memory (its length is
 * a __u16).
 * Returns the number of sections, or -1 after stopping the guest.
 */
static int read_dma(struct lguest *lg, unsigned long pa, struct lguest_dma *dma)
{
	int i;

	if (!lgread(lg, dma, pa, sizeof(*dma)))
		return -1;
	for (i = 0; i < LGUEST_DMA_SECTIONS && dma->len[i]; i++) {
		if (!lguest_address_ok(lg, dma->addr[i], dma->len[i])) {
			kill_guest(lg, "DMA section %u at %#x+%u is past guest memory",
				   i, dma->addr[i], dma->len[i]);
			return -1;
		}
	}
	return i;
}

/*
 * The receiver's memory is not ours: it is in its Launcher's address
 * space, which we reach through the mm we noted when the guest was made
 * (not through the task, whose mm is another program's if it has
 * exec()ed since).  We touch it only while it still has users, so a
 * Launcher that is exiting is no danger: it just gets nothing.  len
 * lies within the receiver's memory; the caller checked.
 */
static bool remote_copy(struct lguest *rx, unsigned long pa, void *buf,
			unsigned int len, bool write)
{
	unsigned long addr = rx->mem_base + pa;
	struct mm_struct *mm = rx->mm;
	u8 *b = buf;
	bool ok = true;

	if (!mmget_not_zero(mm))
		return false;
	if (mmap_read_lock_killable(mm)) {
		mmput_async(mm);
		return false;
	}
	while (len) {
		unsigned int off = offset_in_page(addr);
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - off);
		struct page *page;
		u8 *p;

		if (get_user_pages_remote(mm, addr, 1, write ? FOLL_WRITE : 0,
					  &page, NULL) != 1) {
			ok = false;
			break;
		}
		p = kmap_local_page(page);
		if (write)
			memcpy(p + off, b, n);
		else
			memcpy(b, p + off, n);
		kunmap_local(p);
		if (write)
			set_page_dirty_lock(page);
		put_page(page);
		addr += n;
		b += n;
		len -= n;
	}
	mmap_read_unlock(mm);
	/* If that was the last user, tear it down elsewhere, not under dma_lock. */
	mmput_async(mm);
	return ok;
}

/*
 * Read and check one of the receiver's struct lguest_dma, as read_dma()
 * does the sender's.  A receiver with bad buffers is not stopped from
 * here (that is its own thread's business); it just gets nothing.
 */
static int read_remote_dma(struct lguest *rx, unsigned long pa,
			   struct lguest_dma *dma)
{
	int i;

	if (!lguest_address_ok(rx, pa, sizeof(*dma)) ||
	    !remote_copy(rx, pa, dma, sizeof(*dma), false))
		return -1;
	for (i = 0; i < LGUEST_DMA_SECTIONS && dma->len[i]; i++)
		if (!lguest_address_ok(rx, dma->addr[i], dma->len[i]))
			return -1;
	return i;
}

static bool write_remote(struct lguest *rx, unsigned long pa, void *buf,
			 unsigned int len)
{
	return remote_copy(rx, pa, buf, len, true);
}

/*
 * The sender's sections, read in order: which one we are in, where in
 * it, and how many bytes are left in all.  read_dma() checked that they
 * lie in the sender's memory, which is ours: we run in its Launcher.
 */
struct dma_cursor {
	struct lguest *tx;
	const struct lguest_dma *dma;
	unsigned int num, i, off;
	unsigned long left;
};

/*
 * Fill [off, off + len) of one of the receiver's pinned pages with the
 * sender's next bytes.  We copy with page faults disabled: a fault in
 * the sender's memory may sleep as long as its Launcher likes, and the
 * mapping of a highmem page would keep us on this CPU all that time.  So
 * on a fault we let go of the mapping, fault the sender's page in and
 * try again.  Returns the bytes copied (fewer at the end of the sender's
 * data), or -1 if the sender's memory could not be read: then the sender
 * is stopped, unless its Launcher is being killed anyway.
 */
static int fill_page(struct dma_cursor *c, struct page *page,
		     unsigned int off, unsigned int len)
{
	unsigned int got = 0;

	while (got < len && c->left) {
		unsigned long pa = c->dma->addr[c->i] + c->off;
		unsigned int n = min(c->dma->len[c->i] - c->off, len - got);
		const void __user *from =
			(const void __user *)(c->tx->mem_base + pa);
		void *va = kmap_local_page(page);
		long err = copy_from_user_nofault(va + off + got, from, n);

		kunmap_local(va);
		if (err) {
			if (fatal_signal_pending(current))
				return -1;
			if (fault_in_readable(from, n)) {
				kill_guest(c->tx, "bad read of guest memory at %#lx+%u",
					   pa, n);
				return -1;
			}
			continue;
		}
		got += n;
		c->left -= n;
		c->off += n;
		if (c->off == c->dma->len[c->i]) {
			c->i++;
			c->off = 0;
		}
	}
	return got;
}

/* A section is at most 65535 bytes, so it touches at most 17 pages. */
#define DMA_SECTION_PAGES (DIV_ROUND_UP(U16_MAX, PAGE_SIZE) + 1)
static_assert(sizeof_field(struct lguest_dma, len[0]) == sizeof(u16));

/*
 * Pin the receiver's pages under [addr, addr + len) (len > 0) of its
 * Launcher's memory, for writing.  We hold its mm's lock only while we
 * find them: the copy into them reads the sender's memory, which may
 * fault and take the sender's lock, and we never wait on one mm's lock
 * while holding another's.  Returns how many we pinned (fewer if the
 * receiver's mapping ended there or its Launcher is exiting), or 0.
 */
static long pin_remote(struct lguest *rx, unsigned long addr,
		       unsigned int len, struct page **pages)
{
	unsigned long npages = DIV_ROUND_UP(offset_in_page(addr) + len,
					    PAGE_SIZE);
	struct mm_struct *mm = rx->mm;
	long got = 0;

	if (WARN_ON_ONCE(npages > DMA_SECTION_PAGES) || !mmget_not_zero(mm))
		return 0;
	if (!mmap_read_lock_killable(mm)) {
		got = pin_user_pages_remote(mm, addr & PAGE_MASK, npages,
					    FOLL_WRITE, pages, NULL);
		mmap_read_unlock(mm);
	}
	/* If that was the last user, tear it down elsewhere, not under dma_lock. */
	mmput_async(mm);
	return max(got, 0L);
}

/*
 * Copy the sender's sections into the receiver's.  For each of the
 * receiver's sections we pin the pages the data will fill, and read the
 * sender's data straight into them: one copy, and one lock of the
 * receiver's mm for each of its sections.  Returns the bytes copied.
 */
static u32 copy_dma(struct lguest *tx, const struct lguest_dma *src, int ns,
		    struct lguest *rx, const struct lguest_dma *dst, int nd)
{
	struct dma_cursor c = { .tx = tx, .dma = src, .num = ns };
	struct page *pages[DMA_SECTION_PAGES];
	u32 total = 0;
	int i;

	for (i = 0; i < ns; i++)
		c.left += src->len[i];
	for (i = 0; i < nd && c.left; i++) {
		unsigned long addr = rx->mem_base + dst->addr[i];
		unsigned int want = min_t(unsigned long, dst->len[i], c.left);
		unsigned int off = offset_in_page(addr);
		long np = pin_remote(rx, addr, want, pages);
		long p;

		for (p = 0; p < np && want; p++) {
			unsigned int room = min_t(unsigned int, want,
						  PAGE_SIZE - off);
			int n = fill_page(&c, pages[p], off, room);

			if (n < 0) {
				unpin_user_pages_dirty_lock(pages, np, true);
				return total;
			}
			total += n;
			want -= n;
			off = 0;
		}
		unpin_user_pages_dirty_lock(pages, np, true);
		/* A page we could not pin: the rest of the data is lost. */
		if (want)
			break;
	}
	return total;
}

/*
 * Give the sender's data to a buffer the receiving binding has free: the
 * first from the one after the last we filled.  Reading the receiver's
 * buffers can sleep, and the receiver may free some meanwhile, so the
 * one we fill is not always next to the last: receivers must not count
 * on the order.  Returns true if the binding had one (even if a bad
 * buffer got nothing).
 */
static bool deliver_dma(struct lguest *tx, const struct lguest_dma *src,
			int ns, struct dma_binding *b, u32 *used)
{
	struct lguest *rx = b->lg;
	struct lguest_dma dst;
	unsigned int i;

	for (i = 0; i < b->num; i++) {
		unsigned int n = (b->next + i) % b->num;
		unsigned long pa = b->dmas + n * sizeof(struct lguest_dma);
		int nd = read_remote_dma(rx, pa, &dst);

		if (nd < 0 || dst.used_len)
			continue;
		*used = copy_dma(tx, src, ns, rx, &dst, nd);
		/*
		 * used_len is what tells the receiver the buffer is full:
		 * write it after the data, and a zero-length send still
		 * marks the buffer (as 0, which it was), so raise the irq
		 * anyway and let the receiver look.
		 */
		write_remote(rx, pa + offsetof(struct lguest_dma, used_len),
			     used, sizeof(*used));
		b->next = (n + 1) % b->num;
		lguest_raise_irq(rx, b->irq);
		return true;
	}
	return false;
}

/* LHCALL_SEND_DMA(key, dma). */
void send_dma(struct lguest *lg, unsigned long key, unsigned long pa)
{
	struct lguest_dma dma;
	struct dma_binding *b;
	struct dma_key k;
	u32 used = 0;
	int ns;

	ns = read_dma(lg, pa, &dma);
	if (ns < 0 || !get_dma_key(lg, key, &k))
		return;

	/* A Launcher being killed need not wait for the others' copies. */
	if (mutex_lock_killable(&dma_lock)) {
		put_dma_key(&k);
		return;
	}
	list_for_each_entry(b, &dma_bindings, list) {
		if (b->lg == lg || !same_key(&b->key, &k))
			continue;
		if (deliver_dma(lg, &dma, ns, b, &used))
			break;
	}
	mutex_unlock(&dma_lock);

	/*
	 * Nobody else bound it.  A private key is the Launcher's: stop and
	 * let it see the send (it writes used_len itself).
	 */
	if (list_entry_is_head(b, &dma_bindings, list) && !k.path.dentry) {
		guest_exit(lg, LGUEST_EXIT_DMA, pa, key);
	} else {
		lgwrite(lg, pa + offsetof(struct lguest_dma, used_len), &used,
			sizeof(used));
	}
	put_dma_key(&k);
}

/*
 * LHREQ_GETDMA from the Launcher: a buffer this guest bound at key that
 * is still empty, for the Launcher to fill.  Returns its guest-physical
 * address (the Launcher raises the binding's irq itself), or -ENOENT.
 *
 * We look at the used_len fields without faulting, as we hold dma_lock.
 * At the first page that is not there (swapped out, say) we let go of the
 * lock, bring it in and look again; a few times, and then the answer is
 * -ENOENT and the Launcher asks later.
 */
static long find_free_dma(struct lguest *lg, const struct dma_key *k,
			  u32 __user **missing)
{
	struct dma_binding *b;
	unsigned int i;

	list_for_each_entry(b, &dma_bindings, list) {
		if (b->lg != lg || !same_key(&b->key, k))
			continue;
		for (i = 0; i < b->num; i++) {
			unsigned int n = (b->next + i) % b->num;
			unsigned long pa = b->dmas + n * sizeof(struct lguest_dma);
			u32 __user *p = (u32 __user *)(lg->mem_base + pa +
				offsetof(struct lguest_dma, used_len));
			u32 used;

			if (copy_from_user_nofault(&used, p, sizeof(used))) {
				*missing = p;
				return -ENOENT;
			}
			if (used)
				continue;
			b->next = (n + 1) % b->num;
			return pa;
		}
	}
	return -ENOENT;
}

long lguest_get_dma(struct lguest *lg, unsigned long key)
{
	struct dma_key k;
	long ret = -ENOENT;
	int tries;

	if (key >= lg->pfn_limit << PAGE_SHIFT || (key & 3))
		return -EINVAL;
	/* Guest memory is the Launcher's: only it may ask. */
	if (current->mm != lg->mm)
		return -EPERM;
	if (!get_dma_key(lg, key, &k))
		return -EINVAL;
	for (tries = 0; tries < 16; tries++) {
		u32 __user *missing = NULL;

		if (mutex_lock_killable(&dma_lock)) {
			ret = -EINTR;
			break;
		}
		ret = find_free_dma(lg, &k, &missing);
		mutex_unlock(&dma_lock);
		if (ret != -ENOENT || !missing)
			break;
		if (fault_in_readable((char __user *)missing, sizeof(u32)))
			break;	/* not guest memory any more: nothing free */
	}
	put_dma_key(&k);
	return ret;
}
