// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow page tables.
 *
 * The guest keeps ordinary 2-level page tables in its own memory, but the
 * CPU never sees them: guest-physical addresses mean nothing to it, and a
 * guest could map whatever it liked.  The CPU runs on shadow page tables
 * that we build from the guest's, lazily: a shadow starts empty, the
 * guest page faults, and demand_page() walks the guest's tables, checks
 * the entry, and copies it into the shadow with the guest-physical frame
 * replaced by the host page behind it in the Launcher.
 *
 * A shadow is a cache of the guest's tables, much like a TLB, and the
 * guest keeps it right the way it keeps a TLB right: it flushes after it
 * changes or removes a present entry, and it "reloads %cr3" when it
 * switches address space.  Those are hypercalls.
 *
 * H:400 Keeping shadows across address-space switches.  A %cr3 load
 * means "forget every user mapping" to the CPU, so the simple answer is
 * to drop the user half of the shadow at each one, and that is what made
 * every context switch cost a fault (a round trip through the host) for
 * each page the next process touched.  Linux changes a process's page
 * tables while another runs (reclaim, or fork setting up the child) and
 * counts on the %cr3 load to flush, so we cannot simply keep the entries.
 * We check them instead: beside each shadow page we keep the guest
 * entries it was built from, and when the guest loads a page directory we
 * already have a shadow for (or flushes its whole user TLB) we read the
 * guest's current entries and drop only the shadow entries whose guest
 * entry changed.  Reading a few pages of guest memory costs far less than
 * the faults it saves, and nothing the guest writes can make a shadow
 * entry wrong: what we compare against is what we checked when we made
 * it.
 *
 * We keep LGUEST_PGDIRS shadow page directories, keyed by the guest's
 * page directory address and reused least recently used first.  Their
 * kernel halves are one and the same (H:420).  All shadow pages are
 * charged to the Launcher's memory
 * cgroup, and a guest holds at most LGUEST_MAX_SHADOW_PAGES of them: past
 * that we drop the other shadows, as a full cache would.
 *
 * The top page directory entry of every shadow belongs to the Switcher.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/slab.h>
#include <asm/traps.h>
#include "lg.h"

#define SWITCHER_PGD_INDEX	(LGUEST_SWITCHER_ADDR >> PGDIR_SHIFT)

/*
 * Shadow entries filled per fault, at most: see prefault().  As many as a
 * Linux guest's fault-around maps (G:170).
 */
#define LGUEST_PREFAULT		64
#define LGUEST_GROUPS		(PTRS_PER_PTE / LGUEST_PREFAULT)
/* And for a shadow page directory, a bit for each run of this many. */
#define LGUEST_PGDS_PER_BIT	(PTRS_PER_PGD / BITS_PER_LONG)

static pgd_t *cur_pgdir(struct lguest *lg)
{
	return lg->pgdirs[lg->pgdir_cur].pgdir;
}

/*
 * Every shadow page (page directory or page table) has a second page, its
 * "source", holding the guest entry each shadow entry was made from; the
 * shadow page's struct page points to it.
 */
static u32 *source_of(const void *shadow)
{
	return (u32 *)page_private(virt_to_page(shadow));
}

/*
 * H:402 Which parts of a shadow are in use.  A process's shadow page
 * directory has a handful of page tables, and each of those is mostly
 * empty: a few runs of the pages it touched.  So for each shadow page we
 * keep a mask of the parts that may hold a present entry, and checking
 * it against the guest's tables (revalidate()) looks only at those.  For
 * a page table a bit covers a group of LGUEST_PREFAULT entries: set by
 * install_pte(), the only place that fills a shadow entry, and cleared by
 * revalidate_ptes() when it finds the group empty.  For a page directory
 * a bit covers LGUEST_PGDS_PER_BIT entries: set wherever an entry is
 * filled, and cleared only when the whole directory is.  A bit set over
 * an empty part costs a look; an entry under a clear bit would go
 * unchecked, so every fill sets its bit first.  The mask lives in the
 * source page's struct page, which is ours.
 */
static unsigned long used_groups(const void *shadow)
{
	return page_private(virt_to_page(source_of(shadow)));
}

static void set_used_groups(const void *shadow, unsigned long mask)
{
	set_page_private(virt_to_page(source_of(shadow)), mask);
}

/* Entry i of a shadow page directory is about to be filled. */
static void pgd_used(pgd_t *pgdir, unsigned int i)
{
	set_used_groups(pgdir, used_groups(pgdir) | BIT(i / LGUEST_PGDS_PER_BIT));
}

static void *alloc_shadow(struct lguest *lg)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO;
	void *shadow, *source;

	shadow = (void *)__get_free_page(gfp);
	source = (void *)__get_free_page(gfp);
	if (!shadow || !source) {
		free_page((unsigned long)shadow);
		free_page((unsigned long)source);
		kill_guest(lg, "out of memory for shadow page tables");
		return NULL;
	}
	set_page_private(virt_to_page(shadow), (unsigned long)source);
	set_used_groups(shadow, 0);
	lg->shadow_pages++;
	return shadow;
}

static void free_shadow(struct lguest *lg, void *shadow)
{
	set_used_groups(shadow, 0);
	free_page((unsigned long)source_of(shadow));
	set_page_private(virt_to_page(shadow), 0);
	free_page((unsigned long)shadow);
	lg->shadow_pages--;
}

static pte_t *shadow_ptes(pgd_t spgd)
{
	return __va(pgd_val(spgd) & PAGE_MASK);
}

/*
 * H:405 Pins.  A shadow entry points at a host page, which must not go
 * away while the entry exists: we hold a pin on it (FOLL_LONGTERM, as the
 * CPU may use it at any time).  We pin each page of guest memory once,
 * the first time the guest maps it, and keep it until the guest ends:
 * so however many shadow entries point at one page, the guest holds one
 * pin on it, and the pages a guest makes the host hold are at most its
 * own memory.  (A pin per shadow entry, as we once had, let a guest that
 * maps one page a few million times overflow the page's reference
 * count.)  It also spares the work of pinning again at each refault.
 * The Launcher must not remap guest memory while the guest runs: the
 * guest would go on using the pages it had.
 */
static struct page *guest_page(struct lguest *lg, unsigned long pfn)
{
	struct page *page = lg->pinned[pfn];

	if (page)
		return page;
	if (pin_user_pages_fast(lg->mem_base + (pfn << PAGE_SHIFT), 1,
				FOLL_WRITE | FOLL_LONGTERM, &page) != 1)
		return NULL;
	lg->pinned[pfn] = page;
	lg_count(lg, LGS_PINNED);
	return page;
}

/* Pins are dropped all at once, when the guest goes; see guest_page(). */
static void unpin_guest_memory(struct lguest *lg)
{
	unsigned long pfn;

	if (!lg->pinned)
		return;
	for (pfn = 0; pfn < lg->pfn_limit; pfn++)
		if (lg->pinned[pfn])
			unpin_user_pages_dirty_lock(&lg->pinned[pfn], 1, true);
	kvfree(lg->pinned);
	lg->pinned = NULL;
}

/*
 * H:420 One kernel half for all.  Linux gives every process the same
 * kernel half: each new page directory gets a copy of the kernel's
 * entries, and it keeps them all in step.  So we build the shadow page
 * tables of the kernel half once, in lg->kernel_pgdir, and a shadow page
 * directory's kernel entries only point at those: empty, or the same as
 * kernel_pgdir's.  A new process then runs without faulting in the kernel
 * pages again, and a kernel flush checks one set of tables.  Each shared
 * table is tied to the guest page directory entry it was made from, like
 * any shadow page table; a directory whose entry is another gets a new
 * table, and every directory that pointed at the old one faults again.
 * The kernel half starts at the guest's PAGE_OFFSET, which it tells us
 * at LHCALL_LGUEST_INIT; until then nothing is shared.
 */
static void release_pte_page(struct lguest *lg, pgd_t *pgdir, unsigned int i)
{
	if (!(pgd_val(pgdir[i]) & _PAGE_PRESENT))
		return;
	/* A shared table belongs to kernel_pgdir: the others only point. */
	if (i < lg->kernel_pgd || pgdir == lg->kernel_pgdir)
		free_shadow(lg, shadow_ptes(pgdir[i]));
	pgdir[i] = __pgd(0);
}

static void flush_pgdir(struct lguest *lg, pgd_t *pgdir, unsigned int from,
			unsigned int to)
{
	unsigned int i;

	for (i = from; i < to; i++)
		release_pte_page(lg, pgdir, i);
}

/* A shared table goes: no shadow page directory may point at it. */
static void release_kernel_table(struct lguest *lg, unsigned int i)
{
	unsigned int p;

	for (p = 0; p < LGUEST_PGDIRS; p++)
		if (lg->pgdirs[p].pgdir)
			lg->pgdirs[p].pgdir[i] = __pgd(0);
	release_pte_page(lg, lg->kernel_pgdir, i);
}

static bool install_pte(struct lguest *lg, pte_t *sptes, unsigned int pte_i,
			u32 gpgd, u32 gpte, bool fault);

/* A guest entry that maps a page of guest memory. */
static bool gpte_maps_memory(const struct lguest *lg, u32 gpte)
{
	return (gpte & _PAGE_PRESENT) && (gpte >> PAGE_SHIFT) < lg->pfn_limit;
}

/*
 * Whether we may fill a shadow entry again after a flush, from its new
 * guest entry gpte: one that maps guest memory and is already marked
 * accessed.  (Only the neighbours of a fault get the bit from us, H:410.)
 */
static bool refillable(const struct lguest *lg, u32 gpte)
{
	return gpte_maps_memory(lg, gpte) && (gpte & _PAGE_ACCESSED);
}

/*
 * Check sptes against the guest's page table as it is now (gpgd is the
 * page directory entry pointing at it): only the groups in use (H:402).
 * An entry whose guest entry changed is filled again from the new one
 * if the CPU could load that into its TLB, and dropped if not (H:412).
 * False if the guest was stopped.
 */
static bool revalidate_ptes(struct lguest *lg, pte_t *sptes, u32 gpgd)
{
	unsigned long gpt = gpgd & PAGE_MASK;
	unsigned long used = used_groups(sptes), still = 0;
	const u32 *src = source_of(sptes);
	u32 g[LGUEST_PREFAULT];
	unsigned int grp, j, k;

	for_each_set_bit(grp, &used, LGUEST_GROUPS) {
		j = grp * LGUEST_PREFAULT;
		if (!lgread(lg, g, gpt + j * sizeof(u32), sizeof(g)))
			return false;
		for (k = 0; k < LGUEST_PREFAULT; k++, j++) {
			if (!(pte_val(sptes[j]) & _PAGE_PRESENT))
				continue;
			if (g[k] == src[j]) {
				still |= BIT(grp);
				continue;
			}
			sptes[j] = __pte(0);
			if (refillable(lg, g[k]) &&
			    install_pte(lg, sptes, j, gpgd, g[k], false)) {
				still |= BIT(grp);
				lg_count(lg, LGS_REFILLED);
				continue;
			}
			lg_count(lg, LGS_SHADOW_DROPPED);
		}
	}
	set_used_groups(sptes, still);
	return true;
}

/* Drop shadow page table i: of one process, or a shared kernel one. */
static void drop_table(struct lguest *lg, pgd_t *tables, unsigned int i)
{
	if (tables == lg->kernel_pgdir)
		release_kernel_table(lg, i);
	else
		release_pte_page(lg, tables, i);
}

/*
 * Entries from..to-1 of a shadow page directory (a process's user half,
 * or the shared kernel half) against the guest's page directory gpgdir as
 * it is now: a page table whose guest page directory entry changed goes
 * entirely, and of the rest, each entry whose guest entry changed.  Only
 * the parts in use (H:402), and of the guest's page directory only the
 * entries we have a page table for.
 */
static void revalidate(struct lguest *lg, pgd_t *tables, unsigned long gpgdir,
		       unsigned int from, unsigned int to)
{
	const u32 *src_pgd = source_of(tables);
	unsigned long used = used_groups(tables);
	unsigned int grp, i, end;
	u32 gpgd;

	for_each_set_bit(grp, &used, BITS_PER_LONG) {
		i = max(from, grp * LGUEST_PGDS_PER_BIT);
		end = min(to, (grp + 1) * LGUEST_PGDS_PER_BIT);
		for (; i < end; i++) {
			if (!(pgd_val(tables[i]) & _PAGE_PRESENT))
				continue;
			if (!lgread(lg, &gpgd, gpgdir + i * sizeof(u32),
				    sizeof(gpgd)))
				return;
			if (gpgd != src_pgd[i]) {
				drop_table(lg, tables, i);
				continue;
			}
			/* Unchanged, so still inside guest memory. */
			if (!revalidate_ptes(lg, shadow_ptes(tables[i]), gpgd))
				return;
		}
	}
}

/* The user half of one process's shadow. */
static void revalidate_user(struct lguest *lg, struct lguest_pgdir *pd)
{
	lg_count(lg, LGS_REVALIDATE);
	revalidate(lg, pd->pgdir, pd->gpgdir, 0, lg->kernel_pgd);
}

/*
 * Too many shadow pages for one guest: drop every shadow but the one in
 * use, and if that alone is too big, its user half too.
 */
static void shrink_shadows(struct lguest *lg)
{
	unsigned int i;

	for (i = 0; i < LGUEST_PGDIRS; i++)
		if (lg->pgdirs[i].pgdir && i != lg->pgdir_cur)
			flush_pgdir(lg, lg->pgdirs[i].pgdir, 0,
				    SWITCHER_PGD_INDEX);
	if (lg->shadow_pages >= LGUEST_MAX_SHADOW_PAGES)
		flush_pgdir(lg, cur_pgdir(lg), 0, lg->kernel_pgd);
}

/*
 * Find the guest's entries for vaddr in its current page directory.  The
 * page directory entry must be present and point at a page table inside
 * guest memory; large pages are refused (we hid PSE from the guest).
 */
static bool walk_guest(struct lguest *lg, unsigned long vaddr, u32 *gpgd,
		       u32 *gpte, unsigned long *gpte_pa)
{
	unsigned long gpgdir = lg->pgdirs[lg->pgdir_cur].gpgdir;
	unsigned int pgd_i = vaddr >> PGDIR_SHIFT;

	if (pgd_i == SWITCHER_PGD_INDEX)
		return false;
	if (!lgread(lg, gpgd, gpgdir + pgd_i * sizeof(u32), sizeof(u32)))
		return false;
	if (!(*gpgd & _PAGE_PRESENT))
		return false;
	if (*gpgd & _PAGE_PSE) {
		kill_guest(lg, "large page at %#lx (PSE is not offered)", vaddr);
		return false;
	}
	if ((*gpgd >> PAGE_SHIFT) >= lg->pfn_limit) {
		kill_guest(lg, "page directory entry %#x is past guest memory",
			   *gpgd);
		return false;
	}
	*gpte_pa = (*gpgd & PAGE_MASK) +
		   ((vaddr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1)) * sizeof(u32);
	if (!lgread(lg, gpte, *gpte_pa, sizeof(u32)))
		return false;
	if (!(*gpte & _PAGE_PRESENT))
		return false;
	if ((*gpte >> PAGE_SHIFT) >= lg->pfn_limit) {
		kill_guest(lg, "page table entry %#x for %#lx is past guest memory",
			   *gpte, vaddr);
		return false;
	}
	return true;
}

/* Where the guest's mapping of vaddr points, if it may be accessed so. */
bool guest_pa(struct lguest *lg, unsigned long vaddr, bool write,
	      unsigned long *pa)
{
	unsigned long gpte_pa;
	u32 gpgd, gpte;

	if (!walk_guest(lg, vaddr, &gpgd, &gpte, &gpte_pa))
		return false;
	if (write && !(gpgd & gpte & _PAGE_RW))
		return false;
	*pa = (gpte & PAGE_MASK) | (vaddr & ~PAGE_MASK);
	return true;
}

/*
 * Fill shadow entry pte_i of sptes from guest entry gpte (under guest page
 * directory entry gpgd) with the host page behind the guest frame and the
 * guest's flags.  The pin is always for writing: a read-only pin of a
 * copy-on-write page would go stale at the Launcher's first write.  If
 * the page cannot be had, a fault the guest took stops it; a neighbour we
 * only hoped to fill does not (see prefault()).
 */
static bool install_pte(struct lguest *lg, pte_t *sptes, unsigned int pte_i,
			u32 gpgd, u32 gpte, bool fault)
{
	unsigned long pfn = gpte >> PAGE_SHIFT, flags;
	struct page *page = guest_page(lg, pfn);

	if (!page) {
		if (fault)
			kill_guest(lg, "cannot get guest page %#lx", pfn);
		return false;
	}

	/*
	 * The guest's flags, without global (our shadows are per address
	 * space) and writable only once dirty, so that the first write
	 * faults and we can set the dirty bit.
	 */
	flags = gpte & (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER |
			_PAGE_ACCESSED | _PAGE_DIRTY);
	if (!(gpgd & _PAGE_RW) || !(gpte & _PAGE_DIRTY))
		flags &= ~_PAGE_RW;
	if (!(gpgd & _PAGE_USER))
		flags &= ~_PAGE_USER;

	sptes[pte_i] = pfn_pte(page_to_pfn(page), __pgprot(flags));
	source_of(sptes)[pte_i] = gpte;
	set_used_groups(sptes, used_groups(sptes) | BIT(pte_i / LGUEST_PREFAULT));
	return true;
}

/*
 * H:410 Neighbours.  Each fault we fix costs the guest a round trip, and
 * faults come in runs: the guest's own fault handler maps the pages
 * around the one it faulted on (fault-around), and programs touch pages
 * next to each other.  So with one shadow entry we fill the others of its
 * aligned group of LGUEST_PREFAULT that the guest has present, as a CPU
 * may load any of them into its TLB.  The group is the one a Linux
 * guest's fault-around fills (256 KB, G:170), so that the retry of the
 * fault it handled brings in what it mapped.
 *
 * An entry we fill we mark accessed in the guest's table, as a CPU does
 * with an entry it loads.  Linux reads the bit only as a hint of use,
 * and its own fault-around on x86 maps pages with it already set.
 * fork() clears it in every entry of the child, which without this took
 * a fault for each page it touched.  We set no dirty bit (the entry is
 * read-only until the guest's is dirty), and an entry we would have to
 * refuse is left for its own fault.
 */
static void prefault(struct lguest *lg, pte_t *sptes, unsigned int pte_i,
		     u32 gpgd)
{
	unsigned int first = pte_i & ~(LGUEST_PREFAULT - 1), j;
	unsigned int lo = LGUEST_PREFAULT, hi = 0;
	unsigned long gpt = (gpgd & PAGE_MASK) + first * sizeof(u32);
	u32 g[LGUEST_PREFAULT], gpte;

	if (!lgread(lg, g, gpt, sizeof(g)))
		return;
	for (j = 0; j < LGUEST_PREFAULT; j++) {
		if (first + j == pte_i ||
		    (pte_val(sptes[first + j]) & _PAGE_PRESENT) ||
		    !gpte_maps_memory(lg, g[j]))
			continue;
		gpte = g[j] | _PAGE_ACCESSED;
		if (!install_pte(lg, sptes, first + j, gpgd, gpte, false))
			break;
		lg_count(lg, LGS_PREFAULTED);
		if (gpte != g[j]) {
			g[j] = gpte;
			lo = min(lo, j);
			hi = j;
		}
	}
	/* The accessed bits we set, in one write. */
	if (lo <= hi)
		lgwrite(lg, gpt + lo * sizeof(u32), &g[lo],
			(hi - lo + 1) * sizeof(u32));
}

/*
 * A page fault in the guest.  If the guest's own tables allow the access,
 * fill in the shadow entry and let the guest retry; otherwise it is the
 * guest's fault to handle, and we return false.
 */
bool demand_page(struct lguest *lg, unsigned long vaddr, unsigned long err)
{
	bool write = err & X86_PF_WRITE, user = err & X86_PF_USER;
	unsigned int pgd_i = vaddr >> PGDIR_SHIFT;
	unsigned int pte_i = (vaddr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1);
	pgd_t *pgdir = cur_pgdir(lg), *tables;
	unsigned long gpte_pa;
	u32 gpgd, gpte, new;
	pte_t *sptes;

	if (pgd_i == SWITCHER_PGD_INDEX) {
		if (!user)
			kill_guest(lg, "guest kernel touched the Switcher at %#lx",
				   vaddr);
		return false;
	}
	if (!walk_guest(lg, vaddr, &gpgd, &gpte, &gpte_pa))
		return false;
	if (write && !(gpgd & gpte & _PAGE_RW))
		return false;
	if (user && !(gpgd & gpte & _PAGE_USER))
		return false;

	/* What the CPU would do: mark it accessed, and dirty on a write. */
	new = gpte | _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
	if (new != gpte && !lgwrite(lg, gpte_pa, &new, sizeof(new)))
		return false;
	gpte = new;

	/*
	 * The shadow page table (the shared one for the kernel half), made
	 * afresh if the guest's page directory entry is not the one it was
	 * made from.
	 */
	tables = pgd_i < lg->kernel_pgd ? pgdir : lg->kernel_pgdir;
	if ((pgd_val(tables[pgd_i]) & _PAGE_PRESENT) &&
	    source_of(tables)[pgd_i] != gpgd)
		drop_table(lg, tables, pgd_i);
	if (!(pgd_val(tables[pgd_i]) & _PAGE_PRESENT)) {
		if (lg->shadow_pages >= LGUEST_MAX_SHADOW_PAGES)
			shrink_shadows(lg);
		sptes = alloc_shadow(lg);
		if (!sptes)
			return false;
		pgd_used(tables, pgd_i);
		tables[pgd_i] = __pgd(__pa(sptes) | _PAGE_TABLE);
		source_of(tables)[pgd_i] = gpgd;
	}
	pgd_used(pgdir, pgd_i);
	pgdir[pgd_i] = tables[pgd_i];
	sptes = shadow_ptes(pgdir[pgd_i]);
	if (!install_pte(lg, sptes, pte_i, gpgd, gpte, true))
		return false;
	prefault(lg, sptes, pte_i, gpgd);
	return true;
}

/*
 * A new shadow page directory points at every shared kernel table its
 * guest entries allow, so that it does not fault each one in.
 */
static void link_kernel_half(struct lguest *lg, struct lguest_pgdir *pd)
{
	const u32 *src_pgd = source_of(lg->kernel_pgdir);
	unsigned int i, n = SWITCHER_PGD_INDEX - lg->kernel_pgd;
	u32 *gpgd = lg->scratch;

	if (!n || !lgread(lg, gpgd, pd->gpgdir + lg->kernel_pgd * sizeof(u32),
			  n * sizeof(u32)))
		return;
	for (i = 0; i < n; i++) {
		if ((pgd_val(lg->kernel_pgdir[lg->kernel_pgd + i]) &
		     _PAGE_PRESENT) && gpgd[i] == src_pgd[lg->kernel_pgd + i]) {
			pgd_used(pd->pgdir, lg->kernel_pgd + i);
			pd->pgdir[lg->kernel_pgd + i] =
				lg->kernel_pgdir[lg->kernel_pgd + i];
		}
	}
}

/*
 * H:415 Page tables that did not change.  Checking a shadow's user half
 * at each %cr3 load still reads the guest's page directory and every page
 * table the shadow uses.  Linux itself knows whether there is anything to
 * check: an x86 mm has an id that is never reused (context.ctx_id) and a
 * generation (context.tlb_gen) that goes up before every flush of it, so
 * that CPUs with PCIDs can tell whether their TLB entries of an mm are
 * still good.  The guest passes both with the %cr3 load; if they are
 * those of the last load of this page directory, every change since was
 * flushed while it ran, and the shadow is still right.  A zero id means
 * "unknown": check.  A guest that lies only keeps stale mappings of its
 * own memory, as it could by never flushing.
 */
static bool same_version(const u32 *a, const u32 *b)
{
	return (a[0] || a[1]) && !memcmp(a, b, 3 * sizeof(u32));
}

/* LHCALL_NEW_PGTABLE: the guest loaded %cr3. */
void guest_new_pagetable(struct lguest *lg, unsigned long gpgdir,
			 const u32 version[3])
{
	struct lguest_pgdir *pd;
	unsigned int i, lru = 0;

	if ((gpgdir & ~PAGE_MASK) || (gpgdir >> PAGE_SHIFT) >= lg->pfn_limit) {
		kill_guest(lg, "bad page directory %#lx", gpgdir);
		return;
	}
	if (!lg->scratch) {
		lg->scratch = (u32 *)__get_free_page(GFP_KERNEL_ACCOUNT);
		lg->pinned = kvcalloc(lg->pfn_limit, sizeof(*lg->pinned),
				      GFP_KERNEL_ACCOUNT);
		if (!lg->scratch || !lg->pinned) {
			kill_guest(lg, "out of memory for shadow page tables");
			return;
		}
		lg->kernel_pgdir = alloc_shadow(lg);
		if (!lg->kernel_pgdir)
			return;
		/* No kernel half until LHCALL_LGUEST_INIT says where. */
		lg->kernel_pgd = SWITCHER_PGD_INDEX;
	}
	for (i = 0; i < LGUEST_PGDIRS; i++) {
		pd = &lg->pgdirs[i];
		if (pd->pgdir && pd->gpgdir == gpgdir) {
			lg->pgdir_cur = i;
			pd->last_used = ++lg->pgdir_clock;
			lg_count(lg, LGS_PGDIR_HIT);
			if (!same_version(version, pd->version))
				revalidate_user(lg, pd);
			memcpy(pd->version, version, sizeof(pd->version));
			return;
		}
		if (pd->last_used < lg->pgdirs[lru].last_used)
			lru = i;
	}

	/* Not one we have: take the least recently used slot. */
	lg_count(lg, LGS_PGDIR_MISS);
	pd = &lg->pgdirs[lru];
	if (!pd->pgdir) {
		pd->pgdir = alloc_shadow(lg);
		if (!pd->pgdir)
			return;
	} else {
		flush_pgdir(lg, pd->pgdir, 0, SWITCHER_PGD_INDEX);
		set_used_groups(pd->pgdir, 0);
	}
	pd->gpgdir = gpgdir;
	pd->last_used = ++lg->pgdir_clock;
	memcpy(pd->version, version, sizeof(pd->version));
	lg->pgdir_cur = lru;
	link_kernel_half(lg, pd);
}

/*
 * LHCALL_FLUSH_TLB: the user half of this shadow, or that and the kernel
 * half, each checked against the guest's tables as they are now.  (The
 * other shadows' user halves are checked when the guest loads them.)
 */
void guest_flush_tlb(struct lguest *lg, bool kernel)
{
	struct lguest_pgdir *pd = &lg->pgdirs[lg->pgdir_cur];

	revalidate_user(lg, pd);
	/* After a change to a few kernel entries (never the whole half). */
	if (kernel)
		revalidate(lg, lg->kernel_pgdir, pd->gpgdir, lg->kernel_pgd,
			   SWITCHER_PGD_INDEX);
}

static void flush_one(pgd_t *pgdir, unsigned long vaddr)
{
	pgd_t *spgd = &pgdir[vaddr >> PGDIR_SHIFT];
	unsigned int pte_i = (vaddr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1);
	pte_t *sptes;

	if (!(pgd_val(*spgd) & _PAGE_PRESENT))
		return;
	sptes = shadow_ptes(*spgd);
	sptes[pte_i] = __pte(0);
}

/*
 * H:412 Flushed and filled again.  Linux flushes after it changed present
 * entries: mprotect() making a page read-only or writable again, fork()
 * write-protecting every private page of the parent and flushing the
 * whole of it.  Left empty, each shadow entry costs a fault at the next
 * touch, also a read; so we fill it from the guest's new entry at once,
 * for a one-page flush here and for a whole one in revalidate_ptes(), by
 * the rule of prefault() (refillable()): only if the guest's entry is
 * present and already accessed, and writable only if dirty, so that
 * accessed and dirty bits the guest clears come back as they should.  An
 * entry the guest cleared before flushing (munmap(), copy on write)
 * stays empty, and so does one under a page directory entry that
 * changed.
 */
static void refill_one(struct lguest *lg, unsigned long vaddr)
{
	unsigned int pgd_i = vaddr >> PGDIR_SHIFT;
	unsigned int pte_i = (vaddr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1);
	pgd_t *pgdir = cur_pgdir(lg);
	u32 gpgd, gpte;

	if (!(pgd_val(pgdir[pgd_i]) & _PAGE_PRESENT) ||
	    !lgread(lg, &gpgd, lg->pgdirs[lg->pgdir_cur].gpgdir +
		    pgd_i * sizeof(u32), sizeof(gpgd)) ||
	    gpgd != source_of(pgdir)[pgd_i] ||
	    !lgread(lg, &gpte, (gpgd & PAGE_MASK) + pte_i * sizeof(u32),
		    sizeof(gpte)) || !refillable(lg, gpte))
		return;
	if (install_pte(lg, shadow_ptes(pgdir[pgd_i]), pte_i, gpgd, gpte, false))
		lg_count(lg, LGS_REFILLED);
}

/*
 * H:414 A page the guest is about to change.  When we pass the guest a
 * page fault on one of its user pages, it most often answers by changing
 * that page's entry and flushing it: copy on write does, and each such
 * flush was another trip to the host.  So just before the guest runs
 * again we drop the page's shadow entry, and core.c tells the guest in
 * lguest_data.no_shadow.  Until the guest next stops nothing can fill
 * the entry again, and a flush of that page has nothing to do; at the
 * next exit core.c takes the word back.  Only the user half: a kernel
 * page's shadow is shared by every page directory (H:420).  We never
 * read the word: a guest that writes it itself only skips flushes of its
 * own, as it could by never flushing.
 */
bool guest_user_page(const struct lguest *lg, unsigned long vaddr)
{
	return (vaddr >> PGDIR_SHIFT) < lg->kernel_pgd;
}

void drop_user_page(struct lguest *lg, unsigned long vaddr)
{
	if (guest_user_page(lg, vaddr) && cur_pgdir(lg))
		flush_one(cur_pgdir(lg), vaddr);
}

/* LHCALL_FLUSH_TLB_ONE: a kernel address is flushed in every shadow. */
void guest_flush_tlb_one(struct lguest *lg, unsigned long vaddr)
{
	unsigned int pgd_i = vaddr >> PGDIR_SHIFT;

	if (pgd_i == SWITCHER_PGD_INDEX)
		return;
	if (pgd_i >= lg->kernel_pgd) {
		flush_one(lg->kernel_pgdir, vaddr);
		return;
	}
	flush_one(cur_pgdir(lg), vaddr);
	refill_one(lg, vaddr);
}

/*
 * LHCALL_LGUEST_INIT: where the guest's kernel half starts.  It must be
 * whole page directory entries, below the Switcher.  The shadows made
 * before (of a few boot instructions) go, so that none is shared that
 * was made for one page directory.
 */
void guest_set_page_offset(struct lguest *lg, unsigned long page_offset)
{
	unsigned int i;

	if (!page_offset || (page_offset & ~PGDIR_MASK) ||
	    page_offset >= LGUEST_SWITCHER_ADDR) {
		kill_guest(lg, "bad PAGE_OFFSET %#lx", page_offset);
		return;
	}
	if (!lg->kernel_pgdir)
		return;
	for (i = 0; i < LGUEST_PGDIRS; i++)
		if (lg->pgdirs[i].pgdir)
			flush_pgdir(lg, lg->pgdirs[i].pgdir, 0,
				    SWITCHER_PGD_INDEX);
	flush_pgdir(lg, lg->kernel_pgdir, lg->kernel_pgd, SWITCHER_PGD_INDEX);
	lg->kernel_pgd = page_offset >> PGDIR_SHIFT;
}

/* Hook this CPU's Switcher pages into the shadow we are about to run. */
void map_switcher_in_guest(struct lguest *lg, unsigned int cpu)
{
	cur_pgdir(lg)[SWITCHER_PGD_INDEX] =
		__pgd(__pa(lguest_switcher_pte_page(cpu)) | _KERNPG_TABLE);
}

void free_guest_pagetables(struct lguest *lg)
{
	unsigned int i;

	for (i = 0; i < LGUEST_PGDIRS; i++) {
		if (!lg->pgdirs[i].pgdir)
			continue;
		flush_pgdir(lg, lg->pgdirs[i].pgdir, 0, SWITCHER_PGD_INDEX);
		/* The Switcher's entry is not ours to free. */
		lg->pgdirs[i].pgdir[SWITCHER_PGD_INDEX] = __pgd(0);
		free_shadow(lg, lg->pgdirs[i].pgdir);
		lg->pgdirs[i].pgdir = NULL;
	}
	if (lg->kernel_pgdir) {
		flush_pgdir(lg, lg->kernel_pgdir, lg->kernel_pgd,
			    SWITCHER_PGD_INDEX);
		free_shadow(lg, lg->kernel_pgdir);
		lg->kernel_pgdir = NULL;
	}
	free_page((unsigned long)lg->scratch);
	lg->scratch = NULL;
	unpin_guest_memory(lg);
}
