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
 * switches address space.  Those are hypercalls, and they drop shadow
 * entries, which demand_page() rebuilds when next touched.
 *
 * We keep a few shadow page directories, keyed by the guest's page
 * directory address, so that switching back to a recent process does
 * not start from nothing: its kernel half stays (kernel mappings are the
 * same in every process and the guest flushes them all at once), its
 * user half is dropped, as a %cr3 load drops the user TLB.
 *
 * The top page directory entry of every shadow belongs to the Switcher.
 */
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <asm/traps.h>
#include "lg.h"

#define SWITCHER_PGD_INDEX	(LGUEST_SWITCHER_ADDR >> PGDIR_SHIFT)

static pgd_t *cur_pgdir(struct lguest *lg)
{
	return lg->pgdirs[lg->pgdir_cur].pgdir;
}

/* A shadow entry holds a pin on the host page behind it: drop it. */
static void release_pte(pte_t pte)
{
	struct page *page;

	if (!(pte_val(pte) & _PAGE_PRESENT))
		return;
	page = pte_page(pte);
	unpin_user_pages_dirty_lock(&page, 1, pte_val(pte) & _PAGE_DIRTY);
}

static void release_pte_page(pgd_t *spgd)
{
	pte_t *ptes;
	unsigned int i;

	if (!(pgd_val(*spgd) & _PAGE_PRESENT))
		return;
	ptes = __va(pgd_val(*spgd) & PAGE_MASK);
	for (i = 0; i < PTRS_PER_PTE; i++)
		release_pte(ptes[i]);
	free_page((unsigned long)ptes);
	*spgd = __pgd(0);
}

static void flush_pgdir(pgd_t *pgdir, unsigned int from, unsigned int to)
{
	unsigned int i;

	for (i = from; i < to; i++)
		release_pte_page(&pgdir[i]);
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
 * A page fault in the guest.  If the guest's own tables allow the access,
 * fill in the shadow entry and let the guest retry; otherwise it is the
 * guest's fault to handle, and we return false.
 */
bool demand_page(struct lguest *lg, unsigned long vaddr, unsigned long err)
{
	bool write = err & X86_PF_WRITE, user = err & X86_PF_USER;
	unsigned int pgd_i = vaddr >> PGDIR_SHIFT;
	unsigned int pte_i = (vaddr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1);
	unsigned long gpte_pa, flags, pfn;
	pgd_t *spgd = &cur_pgdir(lg)[pgd_i];
	struct page *page;
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
	 * The host page behind the guest frame, pinned for as long as the
	 * shadow entry exists.  Always for writing: a read-only pin of a
	 * copy-on-write page would go stale at the Launcher's first write.
	 */
	pfn = gpte >> PAGE_SHIFT;
	if (pin_user_pages_fast(lg->mem_base + (pfn << PAGE_SHIFT), 1,
				FOLL_WRITE | FOLL_LONGTERM, &page) != 1) {
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

	if (!(pgd_val(*spgd) & _PAGE_PRESENT)) {
		sptes = (pte_t *)get_zeroed_page(GFP_KERNEL);
		if (!sptes) {
			unpin_user_page(page);
			kill_guest(lg, "out of memory for shadow page tables");
			return false;
		}
		*spgd = __pgd(__pa(sptes) | _PAGE_TABLE);
	}
	sptes = __va(pgd_val(*spgd) & PAGE_MASK);
	release_pte(sptes[pte_i]);
	sptes[pte_i] = pfn_pte(page_to_pfn(page), __pgprot(flags));
	return true;
}

/* LHCALL_NEW_PGTABLE: the guest loaded %cr3. */
void guest_new_pagetable(struct lguest *lg, unsigned long gpgdir)
{
	unsigned int i;

	if ((gpgdir & ~PAGE_MASK) || (gpgdir >> PAGE_SHIFT) >= lg->pfn_limit) {
		kill_guest(lg, "bad page directory %#lx", gpgdir);
		return;
	}
	for (i = 0; i < LGUEST_PGDIRS; i++) {
		if (lg->pgdirs[i].pgdir && lg->pgdirs[i].gpgdir == gpgdir) {
			flush_pgdir(lg->pgdirs[i].pgdir, 0, KERNEL_PGD_BOUNDARY);
			lg->pgdir_cur = i;
			return;
		}
	}

	/* Not one we have: take the next slot, round robin. */
	i = lg->pgdir_next++ % LGUEST_PGDIRS;
	if (!lg->pgdirs[i].pgdir) {
		lg->pgdirs[i].pgdir = (pgd_t *)get_zeroed_page(GFP_KERNEL);
		if (!lg->pgdirs[i].pgdir) {
			kill_guest(lg, "out of memory for shadow page tables");
			return;
		}
	} else {
		flush_pgdir(lg->pgdirs[i].pgdir, 0, SWITCHER_PGD_INDEX);
	}
	lg->pgdirs[i].gpgdir = gpgdir;
	lg->pgdir_cur = i;
}

/* LHCALL_FLUSH_TLB: the user half of this shadow, or everything. */
void guest_flush_tlb(struct lguest *lg, bool kernel)
{
	unsigned int i;

	if (!kernel) {
		flush_pgdir(cur_pgdir(lg), 0, KERNEL_PGD_BOUNDARY);
		return;
	}
	for (i = 0; i < LGUEST_PGDIRS; i++)
		if (lg->pgdirs[i].pgdir)
			flush_pgdir(lg->pgdirs[i].pgdir, 0, SWITCHER_PGD_INDEX);
}

static void flush_one(pgd_t *pgdir, unsigned long vaddr)
{
	pgd_t *spgd = &pgdir[vaddr >> PGDIR_SHIFT];
	unsigned int pte_i = (vaddr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1);
	pte_t *sptes;

	if (!(pgd_val(*spgd) & _PAGE_PRESENT))
		return;
	sptes = __va(pgd_val(*spgd) & PAGE_MASK);
	release_pte(sptes[pte_i]);
	sptes[pte_i] = __pte(0);
}

/* LHCALL_FLUSH_TLB_ONE: a kernel address is flushed in every shadow. */
void guest_flush_tlb_one(struct lguest *lg, unsigned long vaddr)
{
	unsigned int i;

	if ((vaddr >> PGDIR_SHIFT) == SWITCHER_PGD_INDEX)
		return;
	if (vaddr < PAGE_OFFSET) {
		flush_one(cur_pgdir(lg), vaddr);
		return;
	}
	for (i = 0; i < LGUEST_PGDIRS; i++)
		if (lg->pgdirs[i].pgdir)
			flush_one(lg->pgdirs[i].pgdir, vaddr);
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
		flush_pgdir(lg->pgdirs[i].pgdir, 0, SWITCHER_PGD_INDEX);
		free_page((unsigned long)lg->pgdirs[i].pgdir);
		lg->pgdirs[i].pgdir = NULL;
	}
}
