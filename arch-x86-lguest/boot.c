// SPDX-License-Identifier: GPL-2.0
/*
 * Booting Linux as an lguest guest.
 *
 * A guest kernel is the very same kernel as its host, started by the
 * Launcher in ring 1 instead of ring 0.  In ring 1 the privileged
 * instructions fault: cli and sti, loading the descriptor tables, the
 * control registers, hlt.  paravirt_ops is where the kernel lets us swap
 * each of them for a call of ours, and most of those calls become
 * hypercalls: "int $LGUEST_TRAP_ENTRY" with a number in %eax, which the
 * host catches.
 *
 * The story of a boot: the Launcher jumps to startup_32, which sees the
 * lguest subarch and goes to lguest_entry (head_32.S), which tells the
 * host where lguest_data is and comes here, to lguest_init().  That
 * fills in paravirt_ops and the platform hooks and then carries on into
 * the normal 32-bit boot path, i386_start_kernel().
 */
#include <linux/acpi.h>
#include <linux/clockchips.h>
#include <linux/console.h>
#include <linux/cpufeature.h>
#include <linux/elfnote.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/kernel.h>
#include <linux/lguest_launcher.h>
#include <linux/mm.h>
#include <linux/panic_notifier.h>
#include <linux/pm.h>
#include <linux/processor.h>
#include <linux/reboot.h>
#include <linux/sizes.h>
#include <linux/start_kernel.h>
#include <asm/apic.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/hw_irq.h>
#include <asm/i8259.h>
#include <asm/io_apic.h>
#include <asm/irq_vectors.h>
#include <asm/lguest.h>
#include <asm/lguest_hcall.h>
#include <asm/paravirt.h>
#include <asm/reboot.h>
#include <asm/setup.h>
#include <asm/time.h>
#include <asm/tlbflush.h>
#include <asm/tsc.h>
#include <asm/x86_init.h>

/* The two ends of the iret window in entry_32.S. */
extern const char lguest_noirq_iret[], lguest_noirq_end[], lguest_entry_INT80[];
asmlinkage __visible void __init __noreturn lguest_init(void);

/* entry_32.S looks at this on every iret; extable.c and cpu/common.c too. */
bool lguest_guest;

/*
 * The page we share with the host.  Its first word is the virtual
 * interrupt flag, which the iret path in entry_32.S writes directly.
 */
struct lguest_data lguest_data = {
	.hcall_status = { [0 ... LHCALL_RING_SIZE - 1] = LHCALL_STATUS_FREE },
	.blocked_interrupts = { [0 ... BITS_TO_LONGS(LGUEST_IRQS) - 1] = ~0UL },
};

/*
 * The asynchronous hypercall ring.  A call that needs no answer goes into
 * the next slot and the host runs it the next time the guest stops for
 * any reason, or at the next synchronous hypercall, which it always runs
 * after the queued ones.  If the ring is full, we make the call
 * synchronously instead: the host empties the ring first, so order holds.
 */
static unsigned int next_call;

/* Whether a call went into the ring since we last asked for it to run. */
static bool async_queued;

static void async_hcall(unsigned long nr, unsigned long a1, unsigned long a2,
			unsigned long a3, unsigned long a4)
{
	struct lguest_hcall_args *args;
	unsigned long flags;

	local_irq_save(flags);
	if (lguest_data.hcall_status[next_call] != LHCALL_STATUS_FREE) {
		lguest_hcall(nr, a1, a2, a3, a4);
	} else {
		args = &lguest_data.hcalls[next_call];
		args->nr = nr;
		args->arg1 = a1;
		args->arg2 = a2;
		args->arg3 = a3;
		args->arg4 = a4;
		/* The host must see the arguments before the status. */
		wmb();
		lguest_data.hcall_status[next_call] = LHCALL_STATUS_READY;
		if (++next_call == LHCALL_RING_SIZE)
			next_call = 0;
		async_queued = true;
	}
	local_irq_restore(flags);
}

/*
 * Run what is queued now.  Lazy MMU mode ends far more often than it
 * queued a flush (most of its page table changes need none), and each
 * hypercall is a trip through the host: with nothing queued, we stay.
 */
static void flush_async_hcalls(void)
{
	unsigned long flags;

	local_irq_save(flags);
	if (async_queued) {
		async_queued = false;
		lguest_hcall(LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	}
	local_irq_restore(flags);
}

/* Inside a context switch: see lguest_start_context_switch(). */
static bool lguest_in_switch;

/*
 * Interrupts.  The host delivers a guest interrupt only while
 * lguest_data.irq_enabled says so.  Disabling is a plain store; enabling
 * is a store too, but if the host left an interrupt pending while they
 * were off, we ask for it at once instead of waiting for the next trap.
 * These are called from everywhere, with the "callee-save" convention:
 * the thunks below preserve every register but %eax.
 */
static __used unsigned long lguest_save_fl(void)
{
	return lguest_data.irq_enabled;
}

PV_CALLEE_SAVE_REGS_THUNK(lguest_save_fl);

static __used void lguest_irq_disable(void)
{
	lguest_data.irq_enabled = 0;
}

PV_CALLEE_SAVE_REGS_THUNK(lguest_irq_disable);

static __used void lguest_irq_enable(void)
{
	lguest_data.irq_enabled = X86_EFLAGS_IF;
	barrier();
	if (unlikely(lguest_data.irq_pending))
		lguest_hcall(LHCALL_SEND_INTERRUPTS, 0, 0, 0, 0);
}

PV_CALLEE_SAVE_REGS_THUNK(lguest_irq_enable);

/* "sti; hlt": the host enables our interrupts and sleeps until one. */
static void lguest_safe_halt(void)
{
	lguest_hcall(LHCALL_HALT, 0, 0, 0, 0);
}

/*
 * The descriptor tables.  The CPU uses the host's copies of our GDT and
 * IDT, which the host checks entry by entry (no ring-0 segments, no gates
 * outside our kernel), so every change goes through a hypercall.  Loading
 * a whole table queues one call per entry and then flushes the queue, so
 * the table is in force when we return, as after lgdt or lidt.
 */
static void lguest_idt_entry(unsigned int num, u32 lo, u32 hi, bool queue)
{
	unsigned long entry = (unsigned long)lguest_entry_INT80;

	/* The system call gate: a trap gate to lguest_entry_INT80. */
	if (num == IA32_SYSCALL_VECTOR && (hi & 0x8000)) {
		lo = (lo & 0xFFFF0000) | (entry & 0xFFFF);
		hi = (entry & 0xFFFF0000) | (hi & 0xF000) |
		     (GATE_TRAP << 8);
	}
	if (queue)
		async_hcall(LHCALL_LOAD_IDT_ENTRY, num, lo, hi, 0);
	else
		lguest_hcall(LHCALL_LOAD_IDT_ENTRY, num, lo, hi, 0);
}

static void lguest_load_idt(const struct desc_ptr *desc)
{
	const u32 *idt = (const u32 *)desc->address;
	unsigned int i, n = (desc->size + 1) / sizeof(gate_desc);

	for (i = 0; i < n && i < IDT_ENTRIES; i++)
		lguest_idt_entry(i, idt[2 * i], idt[2 * i + 1], true);
	flush_async_hcalls();
}

static void lguest_write_idt_entry(gate_desc *dt, int entrynum,
				   const gate_desc *g)
{
	const u32 *w = (const u32 *)g;

	native_write_idt_entry(dt, entrynum, g);
	lguest_idt_entry(entrynum, w[0], w[1], false);
}

static void lguest_load_gdt(const struct desc_ptr *desc)
{
	const u32 *gdt = (const u32 *)desc->address;
	unsigned int i, n = (desc->size + 1) / sizeof(struct desc_struct);

	for (i = 0; i < n && i < GDT_ENTRIES; i++)
		async_hcall(LHCALL_LOAD_GDT_ENTRY, i, gdt[2 * i],
			    gdt[2 * i + 1], 0);
	flush_async_hcalls();
}

static void lguest_write_gdt_entry(struct desc_struct *dt, int entrynum,
				   const void *desc, int type)
{
	const u32 *w = desc;

	native_write_gdt_entry(dt, entrynum, desc, type);
	lguest_hcall(LHCALL_LOAD_GDT_ENTRY, entrynum, w[0], w[1], 0);
}

/*
 * Thread-local storage: three GDT entries that change at every context
 * switch, so they are queued and flushed together (at the end of the
 * switch, when there is one: see lguest_start_context_switch()).
 *
 * Only user mode uses them, and a kernel thread never gets there: for
 * one we leave the entries of the task before it.  A user task that
 * wakes a kernel thread and runs again, as one does at nearly every fork
 * and exit (ksoftirqd, for RCU), then changes nothing and stays out of
 * the host both ways.
 */
static void lguest_load_tls(struct thread_struct *t, unsigned int cpu)
{
	struct desc_struct *gdt = get_cpu_gdt_rw(cpu);
	unsigned int i;

	if (container_of(t, struct task_struct, thread)->flags & PF_KTHREAD)
		return;
	for (i = 0; i < GDT_ENTRY_TLS_ENTRIES; i++) {
		const u32 *w = (const u32 *)&t->tls_array[i];

		/* The host has what our copy of the GDT has. */
		if (!memcmp(&gdt[GDT_ENTRY_TLS_MIN + i], &t->tls_array[i],
			    sizeof(t->tls_array[i])))
			continue;
		gdt[GDT_ENTRY_TLS_MIN + i] = t->tls_array[i];
		async_hcall(LHCALL_LOAD_GDT_ENTRY, GDT_ENTRY_TLS_MIN + i,
			    w[0], w[1], 0);
	}
	if (!lguest_in_switch)
		flush_async_hcalls();
}

/* There is no task register or LDT of ours: the host owns the TSS. */
static void lguest_load_tr_desc(void)
{
}

static unsigned long lguest_store_tr(void)
{
	return GDT_ENTRY_TSS * 8;
}

static void lguest_set_ldt(const void *addr, unsigned int entries)
{
}

/*
 * The stack the CPU switches to when a trap comes from user mode: the
 * host keeps it and builds the trap frame there.  Keep our own TSS
 * copy right as well, because entry_32.S reads it.
 */
static void lguest_load_sp0(unsigned long sp0)
{
	this_cpu_write(cpu_tss_rw.x86_tss.sp0, sp0);
	lguest_hcall(LHCALL_SET_STACK, __KERNEL_DS | 1, sp0, 0, 0);
}

/*
 * cpuid works in ring 1, but it describes the host's CPU.  Hide what a
 * guest must not use: SYSENTER (its exit path needs ring 0), the APIC,
 * MTRR, MCE and other MSR-driven features, PAE and PSE (the host shadows
 * 2-level 4k pages only), XSAVE (xsetbv is ring 0), MONITOR/MWAIT, and
 * everything in the leaves past 4 (SMEP/SMAP/UMIP live there).  Claim
 * PGE, so that the kernel tells kernel and user TLB flushes apart, and
 * say that a hypervisor is present.  RDRAND works in any ring: keep it,
 * for the guest's entropy.
 *
 * Of AMD's extended leaves keep only instruction set extensions: SVM,
 * IBS, MWAITX, the performance counters and the speculation controls
 * (IBPB, IBRS, SSBD: MSR writes) are the host's.  The hypervisor leaves
 * (0x40000000 on) describe the host's own hypervisor, if it runs in a
 * virtual machine: a guest that believed them would talk to KVM or
 * VMware with instructions only the host can use.
 */
static void lguest_cpuid(unsigned int *ax, unsigned int *bx,
			 unsigned int *cx, unsigned int *dx)
{
	unsigned int leaf = *ax;

	native_cpuid(ax, bx, cx, dx);
	switch (leaf) {
	case 0:
		if (*ax > 4)
			*ax = 4;
		break;
	case 1:
		*cx &= BIT(0) | BIT(9) | BIT(13) | BIT(19) | BIT(20) |
		       BIT(22) | BIT(23) | BIT(25) | BIT(29) | BIT(30);
		*cx |= BIT(31);
		*dx &= BIT(0) | BIT(4) | BIT(8) | BIT(15) | BIT(19) |
		       BIT(23) | BIT(24) | BIT(25) | BIT(26);
		*dx |= BIT(13);
		break;
	case 0x80000000:
		if (*ax > 0x80000008)
			*ax = 0x80000008;
		break;
	case 0x80000001:
		/* LAHF, LZCNT, SSE4A, MISALIGNSSE, PREFETCHW, XOP, FMA4, TBM */
		*cx &= BIT(0) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(11) |
		       BIT(16) | BIT(21);
		/* No NX without PAE, no SYSCALL, no RDTSCP, no long mode. */
		*dx &= ~(BIT(11) | BIT(20) | BIT(27) | BIT(29));
		break;
	case 0x80000008:
		/* Address sizes and core counts; no speculation controls. */
		*bx = 0;
		break;
	default:
		if (leaf >= 0x40000000 && leaf < 0x50000000)
			*ax = *bx = *cx = *dx = 0;
		break;
	}
}

/*
 * Control registers.  cr0 and cr4 belong to the host: we remember what
 * the kernel wrote and give it back.  cr2 is the faulting address, which
 * the host stores in lguest_data before it passes us a page fault.  cr3
 * is the page table root: loading it is a hypercall, after which the host
 * shadows our new tables (it keeps the shadows of a few page directories,
 * and checks a kept one against our tables when we load it again: see
 * H:415 in the host's page_tables.c).
 */
static unsigned long current_cr0, current_cr3;

static unsigned long lguest_read_cr0(void)
{
	return current_cr0;
}

static void lguest_write_cr0(unsigned long val)
{
	current_cr0 = val;
}

static void lguest_write_cr4(unsigned long val)
{
}

static __used unsigned long lguest_read_cr2(void)
{
	return lguest_data.cr2;
}

PV_CALLEE_SAVE_REGS_THUNK(lguest_read_cr2);

static void lguest_write_cr2(unsigned long val)
{
	lguest_data.cr2 = val;
}

static unsigned long lguest_read_cr3(void)
{
	return current_cr3;
}

/*
 * G:150 A context switch loads %cr3 and the three TLS entries, and each
 * was a trip to the host.  None of it matters before we next run in user
 * mode: from switch_mm() to the end of __switch_to() the kernel touches
 * only kernel memory, which every page table maps alike, and its own
 * segments.  So between the scheduler's start_context_switch and
 * end_context_switch hooks we queue them, and the host runs them all in
 * the one trip the end takes.  Anywhere else (exec, text_poke()'s
 * temporary mm) a new %cr3 must work at once, but for one case (G:155).
 * We are one CPU with interrupts off there, so a plain flag will do.
 */
static void lguest_start_context_switch(struct task_struct *prev)
{
	lguest_in_switch = true;
}

static void lguest_end_context_switch(struct task_struct *next)
{
	lguest_in_switch = false;
	flush_async_hcalls();
}

/*
 * With the page directory goes which version of it this is (see H:415 in
 * the host's page_tables.c): its mm's never reused id and its TLB
 * generation, from which the host knows whether the page tables changed
 * since it last saw them.  The kernel's own page directory
 * (swapper_pg_dir, init_mm's, which also stands alone early in boot,
 * before there are struct pages) has no version; id 0 means "don't know".
 */
static void lguest_write_cr3(unsigned long cr3)
{
	static bool from_mm;	/* the last load was of a process's tables */
	unsigned long pfn = PFN_DOWN(cr3);
	bool leaving_mm = from_mm;
	struct mm_struct *mm;
	u64 id = 0, gen = 0;

	current_cr3 = cr3;
	if (cr3 != __pa_symbol(swapper_pg_dir) && pfn_valid(pfn)) {
		mm = pgd_page_get_mm(pfn_to_page(pfn));
		if (mm) {
			id = mm->context.ctx_id;
			gen = atomic64_read(&mm->context.tlb_gen);
		}
	}
	from_mm = id != 0;
	async_hcall(LHCALL_NEW_PGTABLE, cr3, lower_32_bits(id),
		    upper_32_bits(id), lower_32_bits(gen));
	if (lguest_in_switch)
		return;
	/*
	 * G:155 From a process's page tables to the kernel's own, outside a
	 * context switch: a task that exits, its CPU lazily still on its mm,
	 * moving off before the mm's page tables go (x86's
	 * flush_tlb_func()), once in every process's life; or text_poke()
	 * going back from its temporary mm, whose one entry it has cleared
	 * and flushed.  The host may go on with the old shadow until the
	 * queue runs: the kernel touches no user address meanwhile, and the
	 * page directory (whose kernel half a fault on a kernel address
	 * still reads) is freed only after the next context switch, whose
	 * end runs the queue, as any hypercall or halt before it does.  So
	 * this load waits in the queue: one trip less per process.
	 */
	if (cr3 == __pa_symbol(swapper_pg_dir) && leaving_mm)
		return;
	flush_async_hcalls();
}

/*
 * The TLB.  The host's shadow page tables behave like a TLB: a change to
 * a present page table entry takes effect when the kernel flushes, as on
 * hardware, and the kernel always flushes after such a change.  In lazy
 * MMU mode (the kernel is changing many entries in a row) the flushes are
 * queued, and run together when it ends.  An interrupt handler that
 * flushes in between expects its flush done at once, so it is not queued.
 */
static bool lguest_lazy_mmu;

static void lguest_flush(unsigned long nr, unsigned long arg)
{
	if (lguest_lazy_mmu && !in_interrupt())
		async_hcall(nr, arg, 0, 0, 0);
	else
		lguest_hcall(nr, arg, 0, 0, 0);
}

static void lguest_flush_tlb_user(void)
{
	lguest_flush(LHCALL_FLUSH_TLB, 0);
}

static void lguest_flush_tlb_kernel(void)
{
	lguest_flush(LHCALL_FLUSH_TLB, 1);
}

/*
 * G:160 A page fault the host passes us on a user page comes with that
 * page in lguest_data.no_shadow: the host has dropped its shadow entry,
 * and nothing fills it again until we next stop, so flushing it (as copy
 * on write does at once) needs no trip.  Not inside a context switch,
 * whose queued %cr3 load the host has not run yet.
 */
static void lguest_flush_tlb_one_user(unsigned long addr)
{
	if (!lguest_in_switch &&
	    READ_ONCE(lguest_data.no_shadow) == ((addr & PAGE_MASK) | 1))
		return;
	lguest_flush(LHCALL_FLUSH_TLB_ONE, addr);
}

/*
 * G:170 Each page fault we handle costs two trips to the host: the fault
 * itself, which the host passes on to us, and the retry, for which it
 * fills its shadow entry from ours.  So a fault on a file maps a wider
 * window of the pages around it (fault-around) than hardware wants:
 * 256 KB, the aligned group of 64 entries the host fills at once on the
 * retry (H:410).  Measured, a build-like shell job made 12% fewer exits
 * with this alone, 25% with the host's wider fill as well.
 */
#define LGUEST_FAULT_AROUND	SZ_256K

static void lguest_enter_lazy_mmu(void)
{
	lguest_lazy_mmu = true;
}

static void lguest_leave_lazy_mmu(void)
{
	lguest_lazy_mmu = false;
	flush_async_hcalls();
}

static void lguest_lazy_flush(void)
{
	if (lguest_lazy_mmu)
		flush_async_hcalls();
}

/*
 * Model-specific registers need ring 0.  cpuid hides the features that
 * use them; what is left reads as zero and ignores writes, and the
 * "safe" variants report the failure.
 */
static u64 lguest_read_msr(unsigned int msr)
{
	return 0;
}

static void lguest_write_msr(unsigned int msr, unsigned int lo,
			     unsigned int hi)
{
}

static u64 lguest_read_msr_safe(unsigned int msr, int *err)
{
	*err = -EIO;
	return 0;
}

static int lguest_write_msr_safe(unsigned int msr, unsigned int lo,
				 unsigned int hi)
{
	return -EIO;
}

static u64 lguest_read_pmc(int counter)
{
	return 0;
}

/*
 * The debug registers need ring 0 too.  There are no hardware breakpoints
 * for a guest (%dr7 reads as zero and ignores writes), but single-stepping
 * works, and the debug trap handler asks %dr6 why it was called: the host
 * copies the CPU's %dr6 into lguest_data for us with each debug trap.
 */
static unsigned long lguest_get_debugreg(int regno)
{
	return regno == 6 ? lguest_data.dr6 : 0;
}

static void lguest_set_debugreg(int regno, unsigned long value)
{
	if (regno == 6)
		lguest_data.dr6 = value;
}

static void lguest_nop(void)
{
}

/*
 * Time.  The TSC runs in ring 1 and, if the host tells us its frequency,
 * it is our clocksource.  The timer is a one-shot hrtimer in the host,
 * armed with a hypercall, which raises interrupt 0.
 */
static unsigned long lguest_tsc_khz(void)
{
	return lguest_data.tsc_khz;
}

static void lguest_get_wallclock(struct timespec64 *now)
{
	now->tv_sec = ((u64)lguest_data.wallclock_sec_hi << 32) |
		      lguest_data.wallclock_sec_lo;
	now->tv_nsec = lguest_data.wallclock_nsec;
}

/*
 * Without a TSC frequency from the host, our clock is the host's
 * monotonic time, which it stores in lguest_data each time we resume.
 * The host may update it between our two reads, hence the sequence.
 */
static u64 lguest_clock_read(struct clocksource *cs)
{
	u32 seq, lo, hi;

	do {
		seq = READ_ONCE(lguest_data.time_seq);
		barrier();
		lo = READ_ONCE(lguest_data.time_ns_lo);
		hi = READ_ONCE(lguest_data.time_ns_hi);
		barrier();
	} while (seq != READ_ONCE(lguest_data.time_seq));
	return ((u64)hi << 32) | lo;
}

static struct clocksource lguest_clock = {
	.name		= "lguest",
	.rating		= 200,
	.read		= lguest_clock_read,
	.mask		= CLOCKSOURCE_MASK(64),
	.flags		= CLOCK_SOURCE_IS_CONTINUOUS,
};

static int lguest_clockevent_set_next(unsigned long delta,
				      struct clock_event_device *evt)
{
	/* Zero would stop the timer; the next event is at least 1ns away. */
	lguest_hcall(LHCALL_SET_CLOCKEVENT, delta ? delta : 1, 0, 0, 0);
	return 0;
}

static int lguest_clockevent_shutdown(struct clock_event_device *evt)
{
	lguest_hcall(LHCALL_SET_CLOCKEVENT, 0, 0, 0, 0);
	return 0;
}

static struct clock_event_device lguest_clockevent = {
	.name			= "lguest",
	.features		= CLOCK_EVT_FEAT_ONESHOT,
	.set_next_event		= lguest_clockevent_set_next,
	.set_state_shutdown	= lguest_clockevent_shutdown,
	.set_state_oneshot_stopped = lguest_clockevent_shutdown,
	.rating			= 400,
	.irq			= 0,
};

static irqreturn_t lguest_timer_interrupt(int irq, void *dev_id)
{
	lguest_clockevent.event_handler(&lguest_clockevent);
	return IRQ_HANDLED;
}

static void __init lguest_time_init(void)
{
	if (request_irq(0, lguest_timer_interrupt, IRQF_TIMER | IRQF_NOBALANCING,
			"timer", NULL))
		panic("lguest: cannot get the timer interrupt\n");

	if (!lguest_data.tsc_khz)
		clocksource_register_hz(&lguest_clock, NSEC_PER_SEC);

	lguest_clockevent.cpumask = cpumask_of(0);
	/* The host's timer counts nanoseconds: at least 1us, at most ~2s. */
	clockevents_config_and_register(&lguest_clockevent, NSEC_PER_SEC,
					1000, LONG_MAX);
}

/*
 * The interrupt controller is a bitmap in lguest_data: a set bit blocks
 * that interrupt.  The host delivers guest interrupt n at vector
 * LGUEST_IRQ_VECTOR(n), and the kernel's own interrupt entry code finds
 * the handler through vector_irq[], as with an APIC.
 */
static void lguest_irq_mask(struct irq_data *data)
{
	set_bit(data->irq, lguest_data.blocked_interrupts);
}

static void lguest_irq_unmask(struct irq_data *data)
{
	clear_bit(data->irq, lguest_data.blocked_interrupts);
}

static struct irq_chip lguest_irq_controller = {
	.name		= "lguest",
	.irq_mask	= lguest_irq_mask,
	.irq_mask_ack	= lguest_irq_mask,
	.irq_unmask	= lguest_irq_unmask,
};

/* Device drivers call this for their interrupt before request_irq(). */
int lguest_setup_irq(unsigned int irq)
{
	int err;

	if (irq >= LGUEST_IRQS)
		return -EINVAL;
	err = irq_alloc_desc_at(irq, 0);
	if (err < 0 && err != -EEXIST)
		return err;
	irq_set_chip_and_handler_name(irq, &lguest_irq_controller,
				      handle_level_irq, "level");
	per_cpu(vector_irq, 0)[LGUEST_IRQ_VECTOR(irq)] = irq_to_desc(irq);
	return 0;
}
EXPORT_SYMBOL_GPL(lguest_setup_irq);

static void __init lguest_init_IRQ(void)
{
	idt_setup_apic_and_irq_gates();
	if (lguest_setup_irq(0))
		panic("lguest: cannot set up the timer interrupt\n");
}

/* Leaving: the host stops the guest and tells the Launcher why. */
static void lguest_power_off(void)
{
	lguest_hcall(LHCALL_SHUTDOWN, LGUEST_SHUTDOWN_POWEROFF,
		     __pa_symbol("Power down"), 0, 0);
}

static void lguest_restart(char *reason)
{
	lguest_hcall(LHCALL_SHUTDOWN, LGUEST_SHUTDOWN_RESTART,
		     reason ? __pa(reason) : 0, 0, 0);
}

/* sysrq-b and the panic timeout: no BIOS or keyboard controller to ask. */
static void lguest_emergency_restart(void)
{
	lguest_restart(NULL);
}

static void lguest_halt(void)
{
	lguest_power_off();
}

static int lguest_panic(struct notifier_block *nb, unsigned long event,
			void *msg)
{
	lguest_hcall(LHCALL_SHUTDOWN, LGUEST_SHUTDOWN_CRASH, __pa(msg), 0, 0);
	return NOTIFY_DONE;
}

static struct notifier_block lguest_panic_block = {
	.notifier_call = lguest_panic,
};

/*
 * A console from the first printk on, so that a guest that dies early
 * still says why.  hvc0 (drivers/tty/hvc/hvc_lguest.c) takes over when it
 * registers, and the kernel then drops this boot console.
 */
static void lguest_early_write(struct console *con, const char *s,
			       unsigned int n)
{
	lguest_hcall(LHCALL_CONSOLE_WRITE, __pa(s), n, 0, 0);
}

static struct console lguest_boot_console = {
	.name	= "lguestboot",
	.write	= lguest_early_write,
	.flags	= CON_PRINTBUFFER | CON_BOOT,
	.index	= -1,
};

static void __init lguest_arch_setup(void)
{
	set_fault_around_bytes(LGUEST_FAULT_AROUND);
	register_console(&lguest_boot_console);
	add_preferred_console("hvc", 0, NULL);
	atomic_notifier_chain_register(&panic_notifier_list,
				       &lguest_panic_block);
}

static void __init lguest_fill_paravirt_ops(void)
{
	pv_info.name = "lguest";

	pv_ops.irq.save_fl = PV_CALLEE_SAVE(lguest_save_fl);
	pv_ops.irq.irq_disable = PV_CALLEE_SAVE(lguest_irq_disable);
	pv_ops.irq.irq_enable = PV_CALLEE_SAVE(lguest_irq_enable);
	pv_ops.irq.safe_halt = lguest_safe_halt;
	pv_ops.irq.halt = lguest_safe_halt;

	pv_ops.cpu.io_delay = lguest_nop;
	pv_ops.cpu.get_debugreg = lguest_get_debugreg;
	pv_ops.cpu.set_debugreg = lguest_set_debugreg;
	pv_ops.cpu.read_cr0 = lguest_read_cr0;
	pv_ops.cpu.write_cr0 = lguest_write_cr0;
	pv_ops.cpu.write_cr4 = lguest_write_cr4;
	pv_ops.cpu.load_tr_desc = lguest_load_tr_desc;
	pv_ops.cpu.load_gdt = lguest_load_gdt;
	pv_ops.cpu.load_idt = lguest_load_idt;
	pv_ops.cpu.set_ldt = lguest_set_ldt;
	pv_ops.cpu.store_tr = lguest_store_tr;
	pv_ops.cpu.load_tls = lguest_load_tls;
	pv_ops.cpu.write_gdt_entry = lguest_write_gdt_entry;
	pv_ops.cpu.write_idt_entry = lguest_write_idt_entry;
	pv_ops.cpu.load_sp0 = lguest_load_sp0;
	pv_ops.cpu.start_context_switch = lguest_start_context_switch;
	pv_ops.cpu.end_context_switch = lguest_end_context_switch;
	pv_ops.cpu.wbinvd = lguest_nop;
	pv_ops.cpu.cpuid = lguest_cpuid;
	pv_ops.cpu.read_msr = lguest_read_msr;
	pv_ops.cpu.write_msr = lguest_write_msr;
	pv_ops.cpu.read_msr_safe = lguest_read_msr_safe;
	pv_ops.cpu.write_msr_safe = lguest_write_msr_safe;
	pv_ops.cpu.read_pmc = lguest_read_pmc;

	pv_ops.mmu.read_cr2 = PV_CALLEE_SAVE(lguest_read_cr2);
	pv_ops.mmu.write_cr2 = lguest_write_cr2;
	pv_ops.mmu.read_cr3 = lguest_read_cr3;
	pv_ops.mmu.write_cr3 = lguest_write_cr3;
	pv_ops.mmu.flush_tlb_user = lguest_flush_tlb_user;
	pv_ops.mmu.flush_tlb_kernel = lguest_flush_tlb_kernel;
	pv_ops.mmu.flush_tlb_one_user = lguest_flush_tlb_one_user;
	pv_ops.mmu.lazy_mode.enter = lguest_enter_lazy_mmu;
	pv_ops.mmu.lazy_mode.leave = lguest_leave_lazy_mmu;
	pv_ops.mmu.lazy_mode.flush = lguest_lazy_flush;
}

static void __init lguest_fill_platform_ops(void)
{
	x86_init.oem.arch_setup = lguest_arch_setup;
	x86_init.irqs.pre_vector_init = x86_init_noop;
	x86_init.irqs.intr_init = lguest_init_IRQ;
	x86_init.irqs.intr_mode_select = x86_init_noop;
	x86_init.irqs.intr_mode_init = x86_init_noop;
	x86_init.mpparse.find_mptable = x86_init_noop;
	x86_init.mpparse.early_parse_smp_cfg = x86_init_noop;
	x86_init.mpparse.parse_smp_cfg = x86_init_noop;
	x86_init.timers.timer_init = lguest_time_init;
	x86_init.timers.setup_percpu_clockev = x86_init_noop;
	x86_init.pci.arch_init = NULL;

	x86_platform.calibrate_tsc = lguest_tsc_khz;
	x86_platform.calibrate_cpu = lguest_tsc_khz;
	x86_platform.get_wallclock = lguest_get_wallclock;
	x86_platform.legacy.i8042 = X86_LEGACY_I8042_PLATFORM_ABSENT;
	x86_platform.realmode_reserve = x86_init_noop;
	x86_platform.realmode_init = x86_init_noop;

	legacy_pic = &null_legacy_pic;
	pm_power_off = lguest_power_off;
	machine_ops.restart = lguest_restart;
	machine_ops.emergency_restart = lguest_emergency_restart;
	machine_ops.halt = lguest_halt;
	machine_ops.power_off = lguest_power_off;
}

/*
 * The Launcher refuses a kernel that cannot be a guest: this note is how
 * it tells (include/uapi/linux/lguest_launcher.h).
 */
ELFNOTE32(LGUEST_NOTE_NAME, LGUEST_NOTE_GUEST, LGUEST_NOTE_VERSION);

/*
 * Here we are, in C at last, at kernel virtual addresses, on the initial
 * kernel stack, with interrupts (the virtual ones) off.
 */
asmlinkage __visible void __init __noreturn lguest_init(void)
{
	/* From now on entry_32.S returns through the lguest iret path. */
	lguest_guest = true;
	BUILD_BUG_ON(offsetof(struct lguest_data, irq_enabled) != 0);
	lguest_data.noirq_start = (unsigned long)lguest_noirq_iret;
	lguest_data.noirq_end = (unsigned long)lguest_noirq_end;
	lguest_data.dr6 = DR6_RESERVED;

	lguest_fill_paravirt_ops();
	lguest_fill_platform_ops();

	/*
	 * Keep the paravirt calls: the kernel patches native instructions
	 * over them unless it is told it runs deprivileged.  The TSC
	 * frequency is the host's and needs no checking.
	 */
	setup_force_cpu_cap(X86_FEATURE_PV_DEPRIV);
	if (lguest_data.tsc_khz) {
		setup_force_cpu_cap(X86_FEATURE_TSC_KNOWN_FREQ);
		setup_force_cpu_cap(X86_FEATURE_TSC_RELIABLE);
	} else {
		setup_clear_cpu_cap(X86_FEATURE_TSC);
	}

	/*
	 * Now our real GDT, as native startup_32 would load it, and the
	 * segment registers it would set (%cs and %ss already hold the
	 * right selectors, with RPL 1).
	 */
	load_gdt(&early_gdt_descr);
	loadsegment(ds, __USER_DS);
	loadsegment(es, __USER_DS);
	loadsegment(fs, __KERNEL_PERCPU);
	loadsegment(gs, 0);

	/* No I/O ports here: make sure no driver finds any. */
	paravirt_disable_iospace();

	/*
	 * A kernel built as distributions build it (SMP, local APIC,
	 * IO-APIC, ACPI) runs here on one CPU, with the host as its
	 * interrupt controller: there are no firmware tables to read, no
	 * APIC to program and no other CPU to start, so say so now, before
	 * setup_arch() goes looking.
	 */
#ifdef CONFIG_ACPI
	disable_acpi();
#endif
	disable_ioapic_support();
#ifdef CONFIG_X86_LOCAL_APIC
	apic_is_disabled = true;
#endif
	setup_clear_cpu_cap(X86_FEATURE_APIC);

	i386_start_kernel();
}
