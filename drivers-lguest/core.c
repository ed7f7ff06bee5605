// SPDX-License-Identifier: GPL-2.0
/*
 * lguest host core: setting up the Switcher, and running a guest.
 *
 * A guest is a Launcher process with /dev/lguest open.  Its read() lands
 * in lguest_run(), which loops: handle what the guest asked for, deliver
 * it an interrupt if one is due, then run it until it traps.  The actual
 * running is done by the Switcher (switcher_32.S), a page of code mapped
 * at the top of the address space in the host and in every guest.
 */
#include <linux/cpumask.h>
#include <linux/freezer.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include <asm/tsc.h>
#include "lg.h"

/* The pages we map at LGUEST_SWITCHER_ADDR: the code, then three per CPU. */
static struct page **switcher_pages;
static unsigned int switcher_npages;

/* Per CPU, the page table page that maps its Switcher pages in a guest. */
static pte_t **switcher_pte_pages;

/*
 * Which guest last ran on each CPU (struct lguest.id, never 0), so that
 * the next one does not find what it left in the Switcher's pages.
 */
static DEFINE_PER_CPU(u64, lguest_last_run);
static atomic64_t lguest_ids = ATOMIC64_INIT(0);

/* Where run_guest_once() calls into the Switcher: offset, then segment. */
static struct {
	unsigned long offset;
	unsigned short segment;
} __packed lguest_entry;

struct lguest_pages *lguest_switcher_pages(unsigned int cpu)
{
	return (void *)(LGUEST_SWITCHER_ADDR + PAGE_SIZE +
			cpu * sizeof(struct lguest_pages));
}

pte_t *lguest_switcher_pte_page(unsigned int cpu)
{
	return switcher_pte_pages[cpu];
}

/*
 * Guest memory is Launcher memory.  lguest_address_ok() says whether
 * [addr, addr + len) lies in it, without overflow; lgread() and lgwrite()
 * check that, copy, and stop the guest if it was not.
 */
bool lguest_address_ok(const struct lguest *lg, unsigned long addr,
		       unsigned long len)
{
	unsigned long limit = lg->pfn_limit << PAGE_SHIFT;

	return addr < limit && len <= limit - addr;
}
EXPORT_SYMBOL_IF_KUNIT(lguest_address_ok);

bool lgread(struct lguest *lg, void *b, unsigned long addr, unsigned int len)
{
	if (!lguest_address_ok(lg, addr, len) ||
	    copy_from_user(b, (void __user *)(lg->mem_base + addr), len)) {
		kill_guest(lg, "bad read of guest memory at %#lx+%u", addr, len);
		memset(b, 0, len);
		return false;
	}
	return true;
}

bool lgwrite(struct lguest *lg, unsigned long addr, const void *b,
	     unsigned int len)
{
	if (!lguest_address_ok(lg, addr, len) ||
	    copy_to_user((void __user *)(lg->mem_base + addr), b, len)) {
		kill_guest(lg, "bad write to guest memory at %#lx+%u", addr, len);
		return false;
	}
	return true;
}

/*
 * A guest that does something it must not is stopped, and the Launcher's
 * read() returns the reason.  The first reason wins.
 */
void kill_guest(struct lguest *lg, const char *fmt, ...)
{
	va_list ap;

	if (lg->dead)
		return;
	va_start(ap, fmt);
	vsnprintf(lg->exit.msg, sizeof(lg->exit.msg), fmt, ap);
	va_end(ap);
	lg->exit.reason = LGUEST_EXIT_KILLED;
	lg->dead = true;
}

/*
 * Hand the Launcher an exit record at the next opportunity.  There is room
 * for one, and a stopped guest's reason must not be overwritten: every
 * caller runs on a guest that has no record pending (see handle_trap()),
 * and a dead guest's record stays as it is.
 */
void guest_exit(struct lguest *lg, u32 reason, u32 a0, u32 a1)
{
	if (lg->dead || WARN_ON_ONCE(lg->exit_pending))
		return;
	lg->exit.reason = reason;
	lg->exit.arg[0] = a0;
	lg->exit.arg[1] = a1;
	lg->exit_pending = true;
}

/* An interrupt for the guest: note it, and wake the guest if it sleeps. */
void lguest_raise_irq(struct lguest *lg, unsigned int irq)
{
	set_bit(irq, lg->irqs_pending);
	wake_up_process(lg->tsk);
}

static enum hrtimer_restart clockdev_fn(struct hrtimer *timer)
{
	struct lguest *lg = container_of(timer, struct lguest, hrt);

	lguest_raise_irq(lg, 0);
	return HRTIMER_NORESTART;
}

/* A number no other guest has had since the module was loaded. */
void lguest_init_id(struct lguest *lg)
{
	lg->id = atomic64_inc_return(&lguest_ids);
}

void lguest_init_timer(struct lguest *lg)
{
	hrtimer_init(&lg->hrt, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	lg->hrt.function = clockdev_fn;
}

/*
 * Into the guest and back.  Before going in we copy its registers and
 * GDT into this CPU's Switcher pages and hook those pages into the
 * guest's shadow page tables.
 */
static bool run_guest_once(struct lguest *lg, unsigned int cpu)
{
	struct lguest_pages *pages = lguest_switcher_pages(cpu);
	unsigned long clobber_a, clobber_b;

	/*
	 * The registers page is writable by the guest, and the space below
	 * the registers is its to scribble on: another guest must not read
	 * that.  (We rewrite everything else each time.)
	 */
	if (__this_cpu_read(lguest_last_run) != lg->id) {
		memset(pages->spare, 0, sizeof(pages->spare));
		__this_cpu_write(lguest_last_run, lg->id);
	}
	pages->regs = lg->regs;
	copy_gdt(lg, &pages->state);
	copy_traps(lg, &pages->state);
	map_switcher_in_guest(lg, cpu);

	/*
	 * SYSENTER looks at neither the IDT nor the GDT: from any ring it
	 * jumps straight to the host's system call entry, in ring 0, with
	 * the segment in MSR_IA32_SYSENTER_CS.  Under the guest's page
	 * tables that address holds the guest's own code, so one SYSENTER
	 * from a guest program would run guest code in ring 0.  With the
	 * MSR zero, the instruction is a general protection fault instead,
	 * which goes to the guest like any other.  The host keeps its value
	 * in its TSS's ss1 (see enable_sep_cpu()); we put it back after.
	 */
	if (boot_cpu_has(X86_FEATURE_SEP))
		wrmsr(MSR_IA32_SYSENTER_CS, 0, 0);

	asm volatile("pushf; lcall *%4"
		     : "=a"(clobber_a), "=b"(clobber_b)
		     : "0"(pages),
		       "1"(__pa(lg->pgdirs[lg->pgdir_cur].pgdir)),
		       "m"(lguest_entry)
		     : "memory", "cc", "%edx", "%ecx", "%edi", "%esi");

	if (boot_cpu_has(X86_FEATURE_SEP))
		wrmsr(MSR_IA32_SYSENTER_CS,
		      this_cpu_read(cpu_tss_rw.x86_tss.ss1), 0);

	/*
	 * An NMI or machine check that arrived while the CPU was inside
	 * the Switcher was only noted there (switcher_trap): the host's
	 * handler runs now.  Interrupts are off, as they would be.
	 */
	if (unlikely(pages->host.pending)) {
		unsigned long pending = pages->host.pending;

		pages->host.pending = 0;
		if (pending & BIT(X86_TRAP_NMI))
			asm volatile("int $2");
		if (pending & BIT(X86_TRAP_MC))
			asm volatile("int $18");
	}

	/*
	 * A fault of the Switcher's own, on its way in: the guest did not
	 * run, and pages->regs is not a trap frame.  Keep the registers we
	 * had, and tell the caller.  The same for a trap from virtual-8086
	 * mode (H:622), whose frame is not one either.
	 */
	if (unlikely(pages->host.fault)) {
		lg->switcher_fault = pages->host.fault;
		lg->switcher_fault_err = pages->host.fault_err;
		lg->switcher_fault_eip = pages->host.fault_eip;
		return false;
	}
	lg->regs = pages->regs;
	return true;
}

/*
 * What the guest's trap means.  Most of them are the guest's own
 * business and go straight back to it, as if the CPU had delivered them;
 * page faults may be ours (a shadow page table entry we had not filled
 * in yet); the hypercall vector is for us.
 */
static void handle_trap(struct lguest *lg)
{
	unsigned int trap = lg->regs.trapnum;

	lg_count(lg, LGS_EXITS);
	if (trap < FIRST_EXTERNAL_VECTOR)
		lg->stats.trap[trap]++;

	/* The guest stopped: the page it was told of may be mapped again. */
	if (lg->no_shadow) {
		lg->no_shadow = 0;
		if (!lgwrite(lg, lg->lguest_data +
			     offsetof(struct lguest_data, no_shadow),
			     &lg->no_shadow, sizeof(lg->no_shadow)))
			return;
	}

	switch (trap) {
	case X86_TRAP_PF: {
		unsigned long fault[2];

		if (demand_page(lg, lg->cr2, lg->regs.errcode)) {
			lg_count(lg, LGS_PF_FIXED);
			return;
		}
		if (lg->dead)
			return;
		lg_count(lg, LGS_PF_GUEST);
		/*
		 * The guest's own fault: it reads the address from here, and
		 * for a user page, that the page will have no shadow entry
		 * (H:414 in page_tables.c; we drop it just before it runs).
		 */
		BUILD_BUG_ON(offsetof(struct lguest_data, no_shadow) !=
			     offsetof(struct lguest_data, cr2) + sizeof(long));
		fault[0] = lg->cr2;
		fault[1] = 0;
		if (guest_user_page(lg, lg->cr2))
			fault[1] = (lg->cr2 & PAGE_MASK) | 1;
		if (!lgwrite(lg, lg->lguest_data +
			     offsetof(struct lguest_data, cr2),
			     fault, sizeof(fault)))
			return;
		lg->no_shadow = fault[1];
		break;
	}
	case LGUEST_TRAP_ENTRY:
		/* The gate admits ring 1 only, but be sure. */
		if ((lg->regs.cs & 3) == 1) {
			struct lguest_hcall_args args = {
				lg->regs.eax, lg->regs.ebx, lg->regs.ecx,
				lg->regs.edx, lg->regs.esi,
			};

			/*
			 * The queued calls come first: they were made
			 * before this one.  None of them can leave an exit
			 * record (do_hypercalls() refuses those), but one
			 * can stop the guest, and then this call is moot.
			 */
			lg_count(lg, LGS_HCALL_TRAP);
			do_hypercalls(lg);
			if (lg->dead)
				return;
			do_one_hypercall(lg, &args);
			lg->regs.eax = args.nr;
			return;
		}
		break;
	case X86_TRAP_DB:
		/* A single step: the guest's handler will read %dr6 here. */
		if (lg->lguest_data &&
		    !lgwrite(lg, lg->lguest_data +
			     offsetof(struct lguest_data, dr6),
			     &lg->dr6, sizeof(lg->dr6)))
			return;
		break;
	case X86_TRAP_NMI:
	case X86_TRAP_MC:
		/* The host's, not the guest's; and already gone. */
		return;
	case X86_TRAP_DF:
		kill_guest(lg, "double fault at %#lx", lg->regs.eip);
		return;
	case IA32_SYSCALL_VECTOR:
		lg_count(lg, LGS_SYSCALL);
		deliver_trap(lg, trap);
		return;
	default:
		if (trap >= FIRST_EXTERNAL_VECTOR) {
			/* A host interrupt, which the Switcher handled. */
			lg_count(lg, LGS_HOST_IRQ);
			cond_resched();
			return;
		}
		break;
	}
	if (trap == X86_TRAP_GP && lg->regs.errcode == 0) {
		if (lguest_emulate_insn(lg)) {
			lg_count(lg, LGS_EMULATED);
			return;
		}
		/* The guest kernel must use paravirt_ops, not these. */
		if (lguest_privileged_insn(lg)) {
			kill_guest(lg, "privileged instruction at %#lx in the guest kernel",
				   lg->regs.eip);
			return;
		}
	}
	lg_count(lg, LGS_TRAP_REFLECTED);
	if (!deliver_trap(lg, trap))
		kill_guest(lg, "unhandled trap %u at %#lx (error code %#lx, cr2 %#lx)",
			   trap, lg->regs.eip, lg->regs.errcode, lg->cr2);
}

/*
 * A guest without a usable TSC reads the time from lguest_data; it moves
 * on whenever the guest resumes (at least every timer tick).
 */
static void update_guest_clock(struct lguest *lg)
{
	u64 now = ktime_get_ns();
	u32 t[3];

	if (!lg->lguest_data || tsc_khz)
		return;
	lg->time_seq += 2;
	t[0] = lg->time_seq;
	t[1] = lower_32_bits(now);
	t[2] = upper_32_bits(now);
	lgwrite(lg, lg->lguest_data + offsetof(struct lguest_data, time_seq),
		t, sizeof(t));
}

/*
 * The Launcher's read() comes here, and stays until there is something
 * for the Launcher: an exit record, or a signal.
 */
int lguest_run(struct lguest *lg)
{
	unsigned int cpu;

	while (!lg->dead) {
		do_hypercalls(lg);
		if (lg->exit_pending || lg->dead)
			break;
		if (signal_pending(current))
			return -EINTR;
		if (lg->break_out) {
			lg->break_out = false;
			return -EAGAIN;
		}
		try_to_freeze();

		/*
		 * Segment registers the guest left unusable become null; a
		 * bad code or stack segment stops it.  Before an interrupt
		 * replaces them, so that we see where the guest really is.
		 */
		if (!fix_segments(lg))
			break;

		/* What an interrupt puts there must be right too. */
		if (maybe_do_interrupt(lg) && !fix_segments(lg))
			break;
		if (lg->dead)
			break;

		if (lg->halted) {
			/*
			 * Which interrupts the guest blocks is in its memory,
			 * and reading that may sleep: read it before we say we
			 * are about to.  It cannot change while the guest is
			 * halted; lguest_raise_irq() sets irqs_pending and
			 * then wakes us, so checking that after
			 * set_current_state() loses no wakeup.
			 */
			DECLARE_BITMAP(blocked, LGUEST_IRQS);

			if (!lguest_blocked_irqs(lg, blocked))
				break;
			set_current_state(TASK_INTERRUPTIBLE);
			if (!bitmap_andnot(blocked, lg->irqs_pending, blocked,
					   LGUEST_IRQS) && !lg->break_out &&
			    !signal_pending(current)) {
				lg_count(lg, LGS_HALT);
				schedule();
			}
			__set_current_state(TASK_RUNNING);
			continue;
		}

		update_guest_clock(lg);
		cond_resched();

		/*
		 * Last, so that nothing we do on the guest's behalf fills the
		 * entry again before it runs (H:414 in page_tables.c).  The
		 * word is set only until the guest's next exit, so this is the
		 * entry after the fault; a second drop would do nothing.
		 */
		if (lg->no_shadow)
			drop_user_page(lg, lg->no_shadow);

		/*
		 * The guest uses the FPU directly: its FPU state is the
		 * Launcher's, so make sure that is in the registers, and keep
		 * it there (no kernel FPU use) until we are back.
		 */
		fpregs_lock();
		local_irq_disable();
		if (test_thread_flag(TIF_NEED_FPU_LOAD))
			switch_fpu_return();
		cpu = smp_processor_id();
		if (!run_guest_once(lg, cpu)) {
			local_irq_enable();
			fpregs_unlock();
			if (lg->switcher_fault & LGUEST_SWITCHER_VM86) {
				kill_guest(lg,
					   "virtual-8086 mode: trap %lu at %#lx, error code %#lx",
					   lg->switcher_fault & 0xff,
					   lg->switcher_fault_eip,
					   lg->switcher_fault_err);
				break;
			}
			kill_guest(lg,
				   "fault %lu inside the Switcher at %#lx (error code %#lx) entering %#lx:%#lx with ss %#lx ds %#lx es %#lx fs %#lx gs %#lx",
				   lg->switcher_fault & 0xff, lg->switcher_fault_eip,
				   lg->switcher_fault_err, lg->regs.cs,
				   lg->regs.eip, lg->regs.ss, lg->regs.ds,
				   lg->regs.es, lg->regs.fs, lg->regs.gs);
			break;
		}
		if (lg->regs.trapnum == X86_TRAP_PF)
			lg->cr2 = read_cr2();
		if (lg->regs.trapnum == X86_TRAP_DB) {
			get_debugreg(lg->dr6, 6);
			set_debugreg(DR6_RESERVED, 6);
		}
		/* Interrupts first: fpregs_unlock() may run softirqs. */
		local_irq_enable();
		fpregs_unlock();

		handle_trap(lg);
	}
	return 0;
}

/*
 * The Switcher's pages: the code page, which every CPU shares, and per
 * CPU a struct lguest_pages.  The kernel maps them for us at the top of
 * the address space, which it kept free (lguest_map_switcher()), and we
 * prepare per CPU the page table page that maps the same pages, and no
 * others, in a guest.
 */
static void free_switcher(void)
{
	unsigned int i;

	if (switcher_pte_pages) {
		for (i = 0; i < nr_cpu_ids; i++)
			free_page((unsigned long)switcher_pte_pages[i]);
		kfree(switcher_pte_pages);
	}
	if (switcher_pages) {
		for (i = 0; i < switcher_npages; i++)
			if (switcher_pages[i])
				__free_page(switcher_pages[i]);
		kfree(switcher_pages);
	}
}

/* Where each trap stub ends up; needed only while setting up. */
static unsigned long stubs[IDT_ENTRIES] __initdata;

static void __init setup_switcher_cpu(unsigned int cpu)
{
	struct lguest_pages *pages = lguest_switcher_pages(cpu);
	struct lguest_ro_state *state = &pages->state;
	pte_t *ptes = switcher_pte_pages[cpu];
	unsigned int first = 1 + 3 * cpu;

	/*
	 * In a guest, the code is read-only, the registers page writable and
	 * the state page read-only; none is reachable from ring 3, and the
	 * host's page is not there at all.
	 */
	set_pte(&ptes[0], mk_pte(switcher_pages[0],
				 __pgprot(_PAGE_PRESENT | _PAGE_ACCESSED)));
	set_pte(&ptes[first], mk_pte(switcher_pages[first],
				     __pgprot(_PAGE_PRESENT | _PAGE_RW |
					      _PAGE_ACCESSED | _PAGE_DIRTY)));
	set_pte(&ptes[first + 1], mk_pte(switcher_pages[first + 1],
					 __pgprot(_PAGE_PRESENT |
						  _PAGE_ACCESSED)));

	/* The GDT the guest runs with: its entries, plus ours, plus TSS. */
	state->guest_gdt_desc.size = GDT_SIZE - 1;
	state->guest_gdt_desc.address = (unsigned long)state->guest_gdt;
	state->guest_idt_desc.size = IDT_ENTRIES * sizeof(gate_desc) - 1;
	state->guest_idt_desc.address = (unsigned long)state->guest_idt;
	setup_switcher_idt(state, stubs);

	/* Traps push onto the end of the registers; no I/O ports at all. */
	state->guest_tss.sp0 = (unsigned long)(&pages->regs + 1);
	state->guest_tss.ss0 = LGUEST_DS;
	state->guest_tss.io_bitmap_base = sizeof(state->guest_tss);

	lguest_switcher_segments(get_cpu_gdt_rw(cpu));
}

static void clear_lguest_gdt_entries(unsigned int cpu)
{
	struct desc_struct *gdt = get_cpu_gdt_rw(cpu);

	memset(&gdt[GDT_ENTRY_LGUEST_CS], 0, 2 * sizeof(*gdt));
}

static int __init init_switcher(void)
{
	unsigned int i;
	int err;

	BUILD_BUG_ON(sizeof(struct lguest_pages) != 3 * PAGE_SIZE);
	BUILD_BUG_ON(LGUEST_STUB_SIZE * IDT_ENTRIES > PAGE_SIZE / 4 * 3);
	if (end_switcher_text - start_switcher_text > PAGE_SIZE) {
		pr_err("lguest: Switcher code does not fit a page\n");
		return -E2BIG;
	}

	switcher_npages = 1 + 3 * nr_cpu_ids;
	if (switcher_npages > LGUEST_SWITCHER_SIZE / PAGE_SIZE)
		return -E2BIG;

	err = -ENOMEM;
	switcher_pages = kcalloc(switcher_npages, sizeof(*switcher_pages),
				 GFP_KERNEL);
	switcher_pte_pages = kcalloc(nr_cpu_ids, sizeof(*switcher_pte_pages),
				     GFP_KERNEL);
	if (!switcher_pages || !switcher_pte_pages)
		goto free;
	for (i = 0; i < switcher_npages; i++) {
		switcher_pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!switcher_pages[i])
			goto free;
	}
	for (i = 0; i < nr_cpu_ids; i++) {
		switcher_pte_pages[i] = (pte_t *)get_zeroed_page(GFP_KERNEL);
		if (!switcher_pte_pages[i])
			goto free;
	}

	/* The code, copied to the first page. */
	memcpy(page_address(switcher_pages[0]), start_switcher_text,
	       end_switcher_text - start_switcher_text);

	err = lguest_map_switcher(switcher_pages, switcher_npages);
	if (err)
		goto free;

	/* Where each trap stub and the entry point ended up. */
	for (i = 0; i < IDT_ENTRIES; i++)
		stubs[i] = LGUEST_SWITCHER_ADDR +
			   (lguest_trap_stubs - start_switcher_text) +
			   LGUEST_STUB_SIZE * i;
	lguest_entry.offset = LGUEST_SWITCHER_ADDR +
			      (switch_to_guest - start_switcher_text);
	lguest_entry.segment = LGUEST_CS;

	for_each_possible_cpu(i)
		setup_switcher_cpu(i);

	pr_info("lguest: Switcher at %#lx, %u pages\n",
		LGUEST_SWITCHER_ADDR, switcher_npages);
	return 0;

free:
	free_switcher();
	return err;
}

static void unmap_switcher(void)
{
	unsigned int i;

	for_each_possible_cpu(i)
		clear_lguest_gdt_entries(i);
	lguest_unmap_switcher(switcher_npages);
	free_switcher();
}

static int __init lguest_host_init(void)
{
	u64 efer;
	int err;

	if (boot_cpu_has(X86_FEATURE_PV_DEPRIV)) {
		pr_err("lguest: this kernel is itself a paravirtualized guest\n");
		return -EPERM;
	}

	/*
	 * SYSCALL, like SYSENTER above, enters ring 0 without the IDT.  A
	 * 32-bit kernel never enables it (EFER.SCE); if something did, a
	 * guest could use it to run its code in ring 0, so refuse.
	 */
	if (rdmsrl_safe(MSR_EFER, &efer) == 0 && (efer & EFER_SCE)) {
		pr_err("lguest: SYSCALL is enabled (EFER.SCE), which a guest could use to reach ring 0\n");
		return -EPERM;
	}

	err = init_switcher();
	if (err)
		return err;
	lguest_stats_init();
	err = lguest_device_init();
	if (err) {
		lguest_stats_exit();
		unmap_switcher();
		return err;
	}
	return 0;
}

static void __exit lguest_host_exit(void)
{
	lguest_device_remove();
	lguest_stats_exit();
	unmap_switcher();
}

module_init(lguest_host_init);
module_exit(lguest_host_exit);
MODULE_DESCRIPTION("lguest: a minimal hypervisor for 32-bit Linux guests");
MODULE_LICENSE("GPL");
