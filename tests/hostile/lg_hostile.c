// SPDX-License-Identifier: GPL-2.0
/*
 * A test-only module for lguest guests: it makes the guest kernel do one
 * forbidden thing, chosen with what=CASE, so that the harness can check
 * that the host stops the guest with the right reason and stays healthy.
 * It is built out of tree (tests/hostile/Makefile) and never shipped.
 *
 * A case that works returns nowhere: the host stops the guest during
 * insmod.  If insmod returns, the host let the guest get away with it,
 * and the module says so and fails to load.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>
#include <asm/asm.h>
#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/lguest.h>
#include <asm/lguest_hcall.h>
#include <asm/msr.h>
#include <asm/segment.h>
#include <asm/tlbflush.h>

static char *what = "";
module_param(what, charp, 0444);
MODULE_PARM_DESC(what, "the forbidden thing to do (see cases[])");

/*
 * The guest kernel's lguest_data is not exported; the harness reads its
 * address from System.map (the guest runs the kernel it was built with).
 */
static unsigned long lguest_data_addr;
module_param(lguest_data_addr, ulong, 0444);
MODULE_PARM_DESC(lguest_data_addr, "&lguest_data, for hcall-queued");

/*
 * A call gate (type 0xC, present, DPL 3) in the GDT: a door into ring 0.
 * Entry 21 is a PnP BIOS slot, which a guest never uses.
 */
static void gdt_call_gate(void)
{
	lguest_hcall(LHCALL_LOAD_GDT_ENTRY, 21,
		     (__KERNEL_CS << 16) | 0x1000, 0xEC00, 0);
}

static void gdt_out_of_range(void)
{
	lguest_hcall(LHCALL_LOAD_GDT_ENTRY, GDT_ENTRIES + 3, 0, 0, 0);
}

/* A task gate (type 5) in the IDT: a hardware task switch. */
static void idt_task_gate(void)
{
	lguest_hcall(LHCALL_LOAD_IDT_ENTRY, 0x40, GDT_ENTRY_TSS << 19, 0x8500, 0);
}

static void idt_out_of_range(void)
{
	lguest_hcall(LHCALL_LOAD_IDT_ENTRY, 256, 0, 0x8E00, 0);
}

/* Traps from user mode onto a ring-0 stack segment. */
static void stack_ring0(void)
{
	lguest_hcall(LHCALL_SET_STACK, __KERNEL_DS & ~3, 0xc0001000, 0, 0);
}

static void hcall_unknown(void)
{
	lguest_hcall(200, 1, 2, 3, 4);
}

static void shutdown_unknown(void)
{
	lguest_hcall(LHCALL_SHUTDOWN, 77, 0, 0, 0);
}

/*
 * A call that stops the guest may not be queued in the ring: the host
 * runs the ring before the direct call that follows, and a queued
 * shutdown would leave that call to overwrite the guest's last words.
 * We fill every slot (we cannot know which one the host looks at next)
 * and then print directly; the host must refuse the queued call.
 */
static void hcall_queued(void)
{
	struct lguest_data *data = (struct lguest_data *)lguest_data_addr;
	char *msg = (char *)get_zeroed_page(GFP_KERNEL);
	unsigned long flags;
	unsigned int i;

	/* Printed from the direct mapping: a module's own data is not there. */
	if (!data || !msg) {
		pr_err("lg_hostile: hcall-queued needs lguest_data_addr= and a page\n");
		return;
	}
	strscpy(msg, "lg_hostile: hcall-queued: printed\n", PAGE_SIZE);
	local_irq_save(flags);
	for (i = 0; i < LHCALL_RING_SIZE; i++) {
		data->hcalls[i] = (struct lguest_hcall_args) {
			.nr = LHCALL_SHUTDOWN,
			.arg1 = LGUEST_SHUTDOWN_POWEROFF,
		};
		wmb();	/* the call before its status, as async_hcall() does */
		data->hcall_status[i] = LHCALL_STATUS_READY;
	}
	lguest_hcall(LHCALL_CONSOLE_WRITE, __pa(msg), strlen(msg), 0, 0);
	local_irq_restore(flags);
}

static void init_twice(void)
{
	lguest_hcall(LHCALL_LGUEST_INIT, 0x1000, 0, 0, 0);
}

/* Console output from an address past the end of guest memory. */
static void console_past_end(void)
{
	lguest_hcall(LHCALL_CONSOLE_WRITE, 0xfffff000, 16, 0, 0);
}

/* A page directory outside guest memory. */
static void pgdir_past_end(void)
{
	lguest_hcall(LHCALL_NEW_PGTABLE, 0xfffff000, 0, 0, 0);
}

/*
 * A page table entry for a physical page past the end of guest memory:
 * ioremap() makes one without question, and the first access asks the
 * host for a shadow entry it must refuse.
 */
static void pte_past_end(void)
{
	void __iomem *p = ioremap(0xf0000000, PAGE_SIZE);

	if (p) {
		readl(p);
		iounmap(p);
	}
}

/* The Switcher's code page is mapped read-only in every guest. */
static void switcher_write(void)
{
	WRITE_ONCE(*(volatile u32 *)LGUEST_SWITCHER_ADDR, 0xdeadbeef);
}

/* Instructions only ring 0 may run, past paravirt_ops. */
static void insn_mov_cr3(void)
{
	asm volatile("mov %0, %%cr3" : : "r"(__read_cr3()) : "memory");
}

/*
 * SYSENTER would enter the host's ring 0 at its system call entry, under
 * the guest's page tables, unless the host disarms it while a guest runs.
 */
static void insn_sysenter(void)
{
	asm volatile("sysenter" ::: "memory");
}

/*
 * Raw MSR instructions, as 6.12's CPU setup code uses them on every Intel
 * CPU: the microcode revision reads as a virtual machine's (1, in %edx),
 * writing it does nothing, and any other MSR is refused with the fault
 * hardware gives, which the _safe accessors return as -EIO.  Also a raw
 * wbinvd, which is harmless.  The guest must go on, not be stopped.
 */
static bool msr_raw(void)
{
	u64 rev;
	int err_rd, err_wr;

	native_write_msr(MSR_IA32_UCODE_REV, 0, 0);
	rev = native_read_msr(MSR_IA32_UCODE_REV);
	native_read_msr_safe(MSR_IA32_SYSENTER_CS, &err_rd);
	err_wr = native_write_msr_safe(MSR_IA32_SYSENTER_CS, 0, 0);
	native_wbinvd();
	if (rev != 1ULL << 32 || err_rd != -EIO || err_wr != -EIO) {
		pr_err("lg_hostile: msr-raw: revision %#llx, errors %d %d\n",
		       rev, err_rd, err_wr);
		return false;
	}
	pr_info("lg_hostile: msr-raw: revision %#llx, other MSRs refused, as they should be\n",
		rev);
	return true;
}

static void msr_raw_case(void)
{
	msr_raw();
}

/* A trap with a stack pointer into unmapped memory: no frame can be pushed. */
static void bad_stack(void)
{
	asm volatile("movl %%esp, %%eax\n\t"
		     "movl $0x100, %%esp\n\t"
		     "ud2\n\t"
		     "movl %%eax, %%esp" ::: "eax", "memory");
}

/*
 * DMA with bad arguments.  The buffers are in a page of ours; the key is
 * that page too, which no device uses.
 */
static struct lguest_dma *dma_page(void)
{
	struct lguest_dma *dma = (void *)get_zeroed_page(GFP_KERNEL);

	if (!dma)
		panic("lg_hostile: no memory");
	return dma;
}

static void dma_bind_past_end(void)
{
	lguest_hcall(LHCALL_BIND_DMA, __pa(dma_page()), 0xfffff000, 1 << 8 | 1, 0);
}

static void dma_bind_huge(void)
{
	struct lguest_dma *dma = dma_page();

	lguest_hcall(LHCALL_BIND_DMA, __pa(dma), __pa(dma), 100000 << 8 | 1, 0);
}

static void dma_bind_irq(void)
{
	struct lguest_dma *dma = dma_page();

	lguest_hcall(LHCALL_BIND_DMA, __pa(dma), __pa(dma), 1 << 8 | 40, 0);
}

static void dma_section_past_end(void)
{
	struct lguest_dma *dma = dma_page();

	dma->addr[0] = 0xfffff000;
	dma->len[0] = 16;
	lguest_hcall(LHCALL_SEND_DMA, __pa(dma) + PAGE_SIZE / 2, __pa(dma), 0, 0);
}

/*
 * A section may be longer than a page now, but must still end inside
 * guest memory: this one starts in the last page of a 64 MB guest and
 * runs 64 KB on, past the device pages that follow it.
 */
static void dma_section_long(void)
{
	struct lguest_dma *dma = dma_page();

	dma->addr[0] = 0x3fff000;
	dma->len[0] = 65535;
	lguest_hcall(LHCALL_SEND_DMA, __pa(dma) + PAGE_SIZE / 2, __pa(dma), 0, 0);
}

static void dma_key_past_end(void)
{
	struct lguest_dma *dma = dma_page();

	lguest_hcall(LHCALL_SEND_DMA, 0xfffff000, __pa(dma), 0, 0);
}

/*
 * A guest's own buffers never receive its sends: bind one at a key in
 * our private memory and send to that key.  The send goes to the
 * Launcher, which has no device there: nothing moves, and the guest goes
 * on.  The case "fails" (insmod says so) and the guest powers off.
 */
static bool dma_send_to_self(void)
{
	struct lguest_dma *dma = dma_page();
	static const char msg[] = "to myself";
	unsigned long key = __pa(dma) + PAGE_SIZE / 2;
	char *rx = (char *)dma + 1024, *tx = (char *)dma + 2048;

	dma[0].addr[0] = __pa(rx);
	dma[0].len[0] = 64;
	memcpy(tx, msg, sizeof(msg));
	dma[1].addr[0] = __pa(tx);
	dma[1].len[0] = sizeof(msg);
	if (!lguest_hcall(LHCALL_BIND_DMA, key, __pa(&dma[0]), 1 << 8 | 5, 0)) {
		pr_err("lg_hostile: dma-send-to-self: the bind failed\n");
		return false;
	}
	lguest_hcall(LHCALL_SEND_DMA, key, __pa(&dma[1]), 0, 0);
	if (dma[0].used_len || dma[1].used_len || rx[0]) {
		pr_err("lg_hostile: dma-send-to-self: the guest received its own send\n");
		return false;
	}
	pr_info("lg_hostile: dma-send-to-self: ignored, as it should be\n");
	return true;
}

static void dma_self(void)
{
	dma_send_to_self();
}

/*
 * The Launcher that runs us has an LDT (LGUEST_TEST_LDT=1, see the
 * hostile step of tests/init).  Its descriptors live at a host kernel
 * address, which in our page tables holds whatever we put there: the host
 * must load a null LDT for us.  sldt says which one the CPU has.
 */
static void ldt_host(void)
{
	unsigned short ldt;

	asm volatile("sldt %0" : "=r"(ldt));
	if (ldt)
		pr_err("lg_hostile: ldt-host: the CPU has an LDT, selector %#x\n",
		       ldt);
	else
		pr_info("lg_hostile: ldt-host: LDT null, as it should be\n");
}

/*
 * Entry 0 of the GDT as a ring-1 data segment, and selector 1 (index 0,
 * RPL 1) as the stack for traps from user mode.  The CPU treats any
 * selector for entry 0 as null, whatever the entry says: an iret onto it
 * faults.
 */
static void stack_null(void)
{
	lguest_hcall(LHCALL_LOAD_GDT_ENTRY, 0, 0x0000ffff, 0x00cfb200, 0);
	lguest_hcall(LHCALL_SET_STACK, 0x0001, 0xc0001000, 0, 0);
}

/*
 * A ring-1 code segment whose limit ends at the first byte of a loop, and
 * a far jump to that byte.  On hardware the next instruction faults (in
 * the guest, which is fine); QEMU's TCG does not check instruction
 * fetches against the limit, so here we run on until the host sees %eip
 * past the limit, where its iret would fault on hardware.  The segment's
 * base is the loop's address rounded down to a megabyte, so that a
 * byte-granular limit reaches it.  GDT entry 22 is a PnP BIOS slot, which
 * a guest never uses.
 */
static void cs_limit(void)
{
	unsigned long loop, base, off;
	struct { u32 off; u16 sel; } __packed far;

	asm volatile("movl $1f, %0\n\t"
		     "jmp 2f\n"
		     "1:\tmovl $200000000, %%ecx\n"
		     "3:\tdecl %%ecx\n\t"
		     "jnz 3b\n\t"
		     "ud2\n"
		     "2:" : "=r"(loop));
	base = loop & 0xfff00000;
	off = loop - base;
	lguest_hcall(LHCALL_LOAD_GDT_ENTRY, 22,
		     (base << 16) | (off & 0xffff),
		     ((base >> 16) & 0xff) | 0x0040ba00 | (off & 0xf0000) |
		     (base & 0xff000000), 0);
	far.off = off;
	far.sel = 22 * 8 + 1;
	asm volatile("ljmp *%0" : : "m"(far) : "ecx", "memory");
}

/*
 * One page, mapped by every entry of one page table, which backs the
 * first 700 entries of each of four page directories: 2.87 million
 * mappings of one page.  We load each directory and touch every 16th
 * page (the host fills up to 64 neighbours per fault, so that is enough
 * to fill every entry; most touches find theirs filled).  Were each shadow
 * entry a pin of its own (1024 references each), the page's reference
 * count would pass 2^31 on the way; the host pins a guest page once.
 */
#define PIN_PGDIRS	4
#define PIN_TABLES	700

static void pin_shared(void)
{
	unsigned long target, pt, pgd[PIN_PGDIRS], flags;
	unsigned int i, j, k;
	u32 sum = 0;

	target = get_zeroed_page(GFP_KERNEL);
	pt = get_zeroed_page(GFP_KERNEL);
	for (j = 0; j < PIN_PGDIRS; j++)
		pgd[j] = get_zeroed_page(GFP_KERNEL);
	for (j = 0; j < PIN_PGDIRS; j++)
		if (!pgd[j] || !pt || !target) {
			pr_err("lg_hostile: pin-shared needs pages\n");
			return;
		}
	*(u32 *)target = 1;
	for (i = 0; i < PTRS_PER_PTE; i++)
		((u32 *)pt)[i] = __pa(target) | _PAGE_PRESENT | _PAGE_RW |
				 _PAGE_ACCESSED | _PAGE_DIRTY;
	for (j = 0; j < PIN_PGDIRS; j++) {
		memcpy((pgd_t *)pgd[j] + KERNEL_PGD_BOUNDARY,
		       current->mm->pgd + KERNEL_PGD_BOUNDARY,
		       KERNEL_PGD_PTRS * sizeof(pgd_t));
		for (i = 0; i < PIN_TABLES; i++)
			((u32 *)pgd[j])[i] = __pa(pt) | _PAGE_PRESENT |
					     _PAGE_RW | _PAGE_ACCESSED;
	}
	local_irq_save(flags);
	for (j = 0; j < PIN_PGDIRS; j++) {
		lguest_hcall(LHCALL_NEW_PGTABLE, __pa(pgd[j]), 0, 0, 0);
		for (i = 0; i < PIN_TABLES; i++)
			for (k = 0; k < PTRS_PER_PTE; k += 16)
				sum += *(volatile u32 *)(i * PGDIR_SIZE +
							 k * PAGE_SIZE);
	}
	lguest_hcall(LHCALL_NEW_PGTABLE, __pa(current->mm->pgd), 0, 0, 0);
	local_irq_restore(flags);
	pr_info("lg_hostile: pin-shared: %u mappings of one page, %u reads of it, all fine\n",
		PIN_PGDIRS * PIN_TABLES * PTRS_PER_PTE, sum);
}

/*
 * This CPU's Switcher pages, as the guest sees them: sgdt gives the GDT
 * the CPU uses, which is in the read-only state page; the page before is
 * the registers page, which the guest may write.
 */
static unsigned long switcher_ro_page(void)
{
	struct desc_ptr gdt;

	asm volatile("sgdt %0" : "=m"(gdt));
	return gdt.address & PAGE_MASK;
}

#define PERCPU_MARK	"lg_hostile percpu mark"

/* Leave a mark below the registers, for the next guest on this CPU. */
static void percpu_write(void)
{
	char *spare = (char *)(switcher_ro_page() - PAGE_SIZE);

	memcpy(spare, PERCPU_MARK, sizeof(PERCPU_MARK));
	pr_info("lg_hostile: percpu-write: mark left\n");
}

/* And look for it: the host must have cleared the page in between. */
static void percpu_read(void)
{
	const char *spare = (const char *)(switcher_ro_page() - PAGE_SIZE);

	if (!memcmp(spare, PERCPU_MARK, sizeof(PERCPU_MARK)))
		pr_err("lg_hostile: percpu-read: found the mark another guest left\n");
	else
		pr_info("lg_hostile: percpu-read: no mark from another guest, as it should be\n");
}

/*
 * The host's descriptor table addresses must not be in what the guest can
 * read of the Switcher's pages.  Host and guest run one kernel image, so
 * we know them: the IDT and each CPU's GDT are in the cpu_entry_area.  We
 * look at every byte offset (a descriptor pointer's address is at +2).
 */
static void state_page(void)
{
	const u8 *ro = (const u8 *)switcher_ro_page();
	unsigned long want[1 + 8];
	unsigned int i, w, found = 0;

	want[0] = CPU_ENTRY_AREA_RO_IDT;
	for (i = 0; i < 8; i++)
		want[1 + i] = CPU_ENTRY_AREA_PER_CPU +
			      i * CPU_ENTRY_AREA_SIZE +
			      offsetof(struct cpu_entry_area, gdt);
	for (i = 0; i + sizeof(u32) <= PAGE_SIZE; i++)
		for (w = 0; w < ARRAY_SIZE(want); w++)
			if (get_unaligned((const u32 *)(ro + i)) == want[w]) {
				pr_err("lg_hostile: state-page: host address %#lx at +%u\n",
				       want[w], i);
				found++;
			}
	if (!found)
		pr_info("lg_hostile: state-page: no host descriptor table address, as it should be\n");
}

/*
 * Not forbidden, but what the host must get right: a changed kernel
 * mapping is seen changed after the flush.  The host keeps one shadow of
 * the kernel half for all page directories and, at a kernel TLB flush,
 * checks it against our page tables instead of dropping it.  Point one
 * vmap()ed address at three pages in turn and read it after each flush:
 * of the whole TLB, then of that address alone.
 */
static void kernel_remap(void)
{
	struct page *pg[3] = { };
	unsigned int i, level;
	u32 seen[3], *v;
	pte_t *pte;

	for (i = 0; i < ARRAY_SIZE(pg); i++) {
		pg[i] = alloc_page(GFP_KERNEL);
		if (!pg[i])
			goto out;
		*(u32 *)page_address(pg[i]) = 0x1000 + i;
	}
	v = vmap(pg, 1, VM_MAP, PAGE_KERNEL);
	if (!v)
		goto out;
	pte = lookup_address((unsigned long)v, &level);
	seen[0] = READ_ONCE(*v);

	set_pte(pte, mk_pte(pg[1], PAGE_KERNEL));
	preempt_disable();
	__flush_tlb_all();
	preempt_enable();
	seen[1] = READ_ONCE(*v);

	set_pte(pte, mk_pte(pg[2], PAGE_KERNEL));
	lguest_hcall(LHCALL_FLUSH_TLB_ONE, (unsigned long)v, 0, 0, 0);
	seen[2] = READ_ONCE(*v);

	set_pte(pte, mk_pte(pg[0], PAGE_KERNEL));
	preempt_disable();
	__flush_tlb_all();
	preempt_enable();
	vunmap(v);
	if (seen[0] == 0x1000 && seen[1] == 0x1001 && seen[2] == 0x1002)
		pr_info("lg_hostile: kernel-remap: each page seen after its flush\n");
	else
		pr_err("lg_hostile: kernel-remap: read %#x %#x %#x, not 0x1000 0x1001 0x1002\n",
		       seen[0], seen[1], seen[2]);
out:
	for (i = 0; i < ARRAY_SIZE(pg); i++)
		if (pg[i])
			__free_page(pg[i]);
}

/*
 * A trap frame across two pages.  The host writes the frame of a trap it
 * passes on into the guest's stack itself; where a word of it crosses a
 * page, its two parts belong in the two pages the guest maps there,
 * which need not be neighbours in guest memory.  We take a page fault the
 * guest handles and fixes up (a read of address 16) on a stack of four
 * pages filled with 0xff, its last two mapped out of their physical
 * order: once with its top two bytes into the last page, so that the
 * frame's EFLAGS word (the highest) straddles the two, and once well
 * inside the last page.  The word must read the same both times.
 */
static u32 fault_on_stack(unsigned long top)
{
	unsigned long saved, val = 0;

	asm volatile("movl %%esp, %0\n\t"
		     "movl %2, %%esp\n"
		     "1:\tmovl 16, %1\n"
		     "2:\tmovl %0, %%esp\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : "=&r"(saved), "+r"(val) : "r"(top) : "memory");
	return get_unaligned((u32 *)(top - sizeof(u32)));
}

static void frame_straddle(void)
{
	struct page *pg[4] = { };
	unsigned long edge;
	u32 across, inside;
	unsigned int i;
	void *stack;

	for (i = 0; i < ARRAY_SIZE(pg); i++) {
		pg[i] = alloc_page(GFP_KERNEL);
		if (!pg[i])
			goto out;
	}
	if (page_to_pfn(pg[3]) == page_to_pfn(pg[2]) + 1)
		swap(pg[2], pg[3]);
	stack = vmap(pg, ARRAY_SIZE(pg), VM_MAP, PAGE_KERNEL);
	if (!stack)
		goto out;
	memset(stack, 0xff, ARRAY_SIZE(pg) * PAGE_SIZE);
	edge = (unsigned long)stack + 3 * PAGE_SIZE;
	across = fault_on_stack(edge + 2);
	inside = fault_on_stack(edge + 64);
	vunmap(stack);
	if (across == inside)
		pr_info("lg_hostile: frame-straddle: EFLAGS across two pages came back whole\n");
	else
		pr_err("lg_hostile: frame-straddle: EFLAGS %#x across two pages, %#x inside one\n",
		       across, inside);
out:
	for (i = 0; i < ARRAY_SIZE(pg); i++)
		if (pg[i])
			__free_page(pg[i]);
}

/*
 * An iret in ring 1 that asks for virtual-8086 mode.  Hardware enters it
 * only from ring 0 and otherwise leaves the flag alone; QEMU enters it
 * from any ring.  Its first trap pushes a larger frame than the Switcher
 * expects, which took the host down; now the host stops the guest.
 * (Where the flag is left alone, the iret returns to the next
 * instruction, which drops the rest of the frame.)
 */
static void iret_vm86(void)
{
	asm volatile("pushl $0\n\t"		/* gs */
		     "pushl $0\n\t"		/* fs */
		     "pushl $0\n\t"		/* ds */
		     "pushl $0\n\t"		/* es */
		     "pushl $0\n\t"		/* ss */
		     "pushl $0x1000\n\t"	/* esp */
		     "pushl %0\n\t"		/* eflags */
		     "pushl %%cs\n\t"
		     "pushl $1f\n\t"
		     "iret\n"
		     "1:\taddl $24, %%esp"
		     : : "i"(X86_EFLAGS_VM | X86_EFLAGS_FIXED) : "memory");
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "gdt-call-gate", gdt_call_gate },
	{ "gdt-out-of-range", gdt_out_of_range },
	{ "idt-task-gate", idt_task_gate },
	{ "idt-out-of-range", idt_out_of_range },
	{ "stack-ring0", stack_ring0 },
	{ "hcall-unknown", hcall_unknown },
	{ "shutdown-unknown", shutdown_unknown },
	{ "hcall-queued", hcall_queued },
	{ "init-twice", init_twice },
	{ "console-past-end", console_past_end },
	{ "pgdir-past-end", pgdir_past_end },
	{ "pte-past-end", pte_past_end },
	{ "switcher-write", switcher_write },
	{ "insn-mov-cr3", insn_mov_cr3 },
	{ "insn-sysenter", insn_sysenter },
	{ "bad-stack", bad_stack },
	{ "dma-bind-past-end", dma_bind_past_end },
	{ "dma-bind-huge", dma_bind_huge },
	{ "dma-bind-irq", dma_bind_irq },
	{ "dma-section-past-end", dma_section_past_end },
	{ "dma-section-long", dma_section_long },
	{ "dma-key-past-end", dma_key_past_end },
	{ "dma-send-to-self", dma_self },
	{ "msr-raw", msr_raw_case },
	{ "ldt-host", ldt_host },
	{ "stack-null", stack_null },
	{ "cs-limit", cs_limit },
	{ "pin-shared", pin_shared },
	{ "percpu-write", percpu_write },
	{ "percpu-read", percpu_read },
	{ "state-page", state_page },
	{ "kernel-remap", kernel_remap },
	{ "frame-straddle", frame_straddle },
	{ "iret-vm86", iret_vm86 },
};

static int __init lg_hostile_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (strcmp(what, cases[i].name))
			continue;
		pr_info("lg_hostile: %s\n", what);
		cases[i].fn();
		pr_err("lg_hostile: %s: the host let the guest carry on\n", what);
		return -EPERM;
	}
	pr_err("lg_hostile: unknown case '%s'\n", what);
	return -EINVAL;
}
module_init(lg_hostile_init);

MODULE_DESCRIPTION("lguest hostile-guest test cases (test only)");
MODULE_LICENSE("GPL");
