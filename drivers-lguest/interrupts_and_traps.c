// SPDX-License-Identifier: GPL-2.0
/*
 * Traps and interrupts: the guest's IDT, and delivering to the guest.
 *
 * The CPU never uses the guest's IDT.  While a guest runs, every vector
 * leads into the Switcher and so back to the host.  When the trap turns
 * out to be the guest's (a page fault in its own page tables, a divide
 * by zero, a system call from its user mode), we do by hand what the CPU
 * would have done: push a trap frame on the guest's stack and point the
 * guest at its handler.  Interrupts for the guest (its timer, later its
 * devices) are delivered the same way, when the guest's virtual
 * interrupt flag allows.
 */
#include <linux/bitmap.h>
#include <linux/kernel.h>
#include <asm/desc.h>
#include <asm/msr-index.h>
#include <asm/trapnr.h>
#include <kunit/visibility.h>
#include "lg.h"

/* The CPU pushes an error code for these vectors, and we must too. */
static bool has_err(unsigned int num)
{
	return num == X86_TRAP_DF || (num >= X86_TRAP_TS && num <= X86_TRAP_PF) ||
	       num == X86_TRAP_AC;
}

static bool gate_present(const u32 *gate)
{
	return gate[1] & 0x8000;
}

/* Bits 8-11 of the high word: 0xE is an interrupt gate, 0xF a trap gate. */
static bool is_interrupt_gate(const u32 *gate)
{
	return ((gate[1] >> 8) & 0xF) == GATE_INTERRUPT;
}

static unsigned long guest_gate_offset(const u32 *gate)
{
	return (gate[0] & 0xFFFF) | (gate[1] & 0xFFFF0000);
}

/*
 * Push a trap frame of len bytes (frame holds it as it lies in memory,
 * lowest address first) below *sp on the guest's stack.  One write for
 * each guest page it lies in, top down, where the CPU would push a word
 * at a time: a frame costs as much as one word.  A page that cannot be
 * written (as the CPU would find) stops the guest, named by the address
 * of the highest word of the frame in it (of the part of a word, if the
 * stack is not aligned).
 */
static bool push_guest_frame(struct lguest *lg, unsigned long *sp,
			     const u32 *frame, unsigned int len)
{
	unsigned long top = *sp, start = top - len, lo, at, pa;

	if (top < len) {
		kill_guest(lg, "cannot push a trap frame at %#lx",
			   top - sizeof(u32));
		return false;
	}
	while (top > start) {
		lo = max(start, (top - 1) & PAGE_MASK);
		at = max(lo, top - sizeof(u32));
		if (!guest_pa(lg, at, true, &pa)) {
			kill_guest(lg, "cannot push a trap frame at %#lx", at);
			return false;
		}
		if (!lgwrite(lg, pa - (at - lo),
			     (const void *)frame + (lo - start), top - lo))
			return false;
		top = lo;
	}
	*sp = start;
	return true;
}

static bool read_data(struct lguest *lg, size_t off, unsigned long *val)
{
	return lgread(lg, val, lg->lguest_data + off, sizeof(*val));
}

static bool write_data(struct lguest *lg, size_t off, unsigned long val)
{
	return lgwrite(lg, lg->lguest_data + off, &val, sizeof(val));
}

/*
 * Deliver vector num to the guest as the CPU would: from user mode, switch
 * to the ring-1 stack the guest gave us and push the user's stack; then
 * push EFLAGS (with the virtual interrupt flag in it), CS, EIP and maybe
 * the error code, and jump to the handler.  Returns false if the guest has
 * no handler there.
 */
bool deliver_trap(struct lguest *lg, unsigned int num)
{
	const u32 *gate = lg->idt[num];
	unsigned long sp, ss, irq_enabled = 0, eflags;
	u32 frame[6];		/* ss, esp, eflags, cs, eip, error code */
	unsigned int n = ARRAY_SIZE(frame);

	if (!gate_present(gate))
		return false;

	if ((lg->regs.cs & 3) == 3) {
		if (!lg->ss1) {
			kill_guest(lg, "trap %u from user mode, but no kernel stack set",
				   num);
			return true;
		}
		sp = lg->esp1;
		ss = lg->ss1;
		frame[--n] = lg->regs.ss;
		frame[--n] = lg->regs.esp;
	} else {
		sp = lg->regs.esp;
		ss = lg->regs.ss;
	}

	if (lg->lguest_data &&
	    !read_data(lg, offsetof(struct lguest_data, irq_enabled),
		       &irq_enabled))
		return true;
	eflags = (lg->regs.eflags & ~X86_EFLAGS_IF) |
		 (irq_enabled & X86_EFLAGS_IF);

	frame[--n] = eflags;
	frame[--n] = lg->regs.cs;
	frame[--n] = lg->regs.eip;
	if (has_err(num))
		frame[--n] = lg->regs.errcode;
	if (!push_guest_frame(lg, &sp, frame + n,
			      (ARRAY_SIZE(frame) - n) * sizeof(u32)))
		return true;

	lg->regs.ss = ss;
	lg->regs.esp = sp;
	lg->regs.cs = __KERNEL_CS | 1;
	lg->regs.eip = guest_gate_offset(gate);
	lg->regs.eflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_VM | X86_EFLAGS_RF |
			     X86_EFLAGS_NT);

	/* An interrupt gate turns (virtual) interrupts off, as on hardware. */
	if (is_interrupt_gate(gate) && lg->lguest_data)
		write_data(lg, offsetof(struct lguest_data, irq_enabled), 0);
	return true;
}

/* The interrupts the guest has masked; false if it is gone. */
bool lguest_blocked_irqs(struct lguest *lg, unsigned long *blocked)
{
	if (!lg->lguest_data) {
		bitmap_fill(blocked, LGUEST_IRQS);
		return true;
	}
	return lgread(lg, blocked, lg->lguest_data +
		      offsetof(struct lguest_data, blocked_interrupts),
		      BITS_TO_LONGS(LGUEST_IRQS) * sizeof(long));
}

/* The lowest pending interrupt the guest has not masked, or LGUEST_IRQS. */
static unsigned int deliverable_irq(struct lguest *lg)
{
	DECLARE_BITMAP(blocked, LGUEST_IRQS);

	if (!lg->lguest_data || bitmap_empty(lg->irqs_pending, LGUEST_IRQS))
		return LGUEST_IRQS;
	if (!lguest_blocked_irqs(lg, blocked))
		return LGUEST_IRQS;
	bitmap_andnot(blocked, lg->irqs_pending, blocked, LGUEST_IRQS);
	return find_first_bit(blocked, LGUEST_IRQS);
}

/*
 * Before each entry into the guest: is an interrupt due?  Only if the
 * guest has interrupts enabled, and is not in the middle of its iret
 * (see lguest_noirq_iret in entry_32.S).  If interrupts are off, we
 * tell the guest one is waiting, so it asks for it when it enables them.
 */
bool maybe_do_interrupt(struct lguest *lg)
{
	unsigned long irq_enabled, start, end;
	unsigned int irq = deliverable_irq(lg);

	if (irq >= LGUEST_IRQS)
		return false;

	/* A halted guest had interrupts enabled as it halted. */
	lg->halted = false;

	if (!read_data(lg, offsetof(struct lguest_data, irq_enabled),
		       &irq_enabled))
		return false;
	if (!(irq_enabled & X86_EFLAGS_IF)) {
		write_data(lg, offsetof(struct lguest_data, irq_pending), 1);
		return false;
	}
	if (!read_data(lg, offsetof(struct lguest_data, noirq_start), &start) ||
	    !read_data(lg, offsetof(struct lguest_data, noirq_end), &end))
		return false;
	if (lg->regs.eip >= start && lg->regs.eip < end)
		return false;
	/* Nor before the first instruction of a direct system call. */
	if (lg->regs.eip == guest_gate_offset(lg->idt[IA32_SYSCALL_VECTOR]))
		return false;

	clear_bit(irq, lg->irqs_pending);
	write_data(lg, offsetof(struct lguest_data, irq_pending), 0);
	/* An interrupt nobody handles yet is dropped, as a masked PIC would. */
	if (!gate_present(lg->idt[LGUEST_IRQ_VECTOR(irq)]))
		return false;
	lg_count(lg, LGS_GUEST_IRQ);
	return deliver_trap(lg, LGUEST_IRQ_VECTOR(irq));
}

/*
 * LHCALL_LOAD_IDT_ENTRY.  We keep the guest's gates as it wrote them and
 * use them only to find its handlers.  A few vectors are not the guest's:
 * NMI and double fault belong to the host, and LGUEST_TRAP_ENTRY is the
 * hypercall.  Only interrupt and trap gates make sense; anything else is
 * a broken or hostile guest.
 */
void load_guest_idt_entry(struct lguest *lg, unsigned int num, u32 lo, u32 hi)
{
	u32 type = (hi >> 8) & 0x1F;

	if (num >= IDT_ENTRIES) {
		kill_guest(lg, "IDT entry %u out of range", num);
		return;
	}
	if (num == X86_TRAP_NMI || num == X86_TRAP_DF ||
	    num == LGUEST_TRAP_ENTRY)
		return;
	if (!(hi & 0x8000)) {
		lg->idt[num][0] = 0;
		lg->idt[num][1] = 0;
		return;
	}
	if (type != GATE_INTERRUPT && type != GATE_TRAP) {
		kill_guest(lg, "bad IDT entry %u type %#x", num, type);
		return;
	}
	lg->idt[num][0] = lo;
	lg->idt[num][1] = hi;
}
EXPORT_SYMBOL_IF_KUNIT(load_guest_idt_entry);

/* LHCALL_SET_STACK: where traps from the guest's user mode push frames. */
void set_guest_stack(struct lguest *lg, unsigned long ss, unsigned long esp)
{
	/* Not null, and ring 1; fix_segments() checks the rest each entry. */
	if ((ss & 3) != 1 || ss < 8) {
		kill_guest(lg, "bad kernel stack segment %#lx", ss);
		return;
	}
	lg->ss1 = ss;
	lg->esp1 = esp;
}
EXPORT_SYMBOL_IF_KUNIT(set_guest_stack);

/* The Switcher's own system call gate, for guests that get no direct one. */
static gate_desc switcher_syscall_gate;

/*
 * H:220 Direct system calls.  A system call from guest user mode is a
 * trap for the guest kernel alone, and the CPU can deliver it there
 * itself: we put the guest's own gate in the IDT the CPU uses, with its
 * kernel code segment (DPL 1) and its handler, and the TSS gives the CPU
 * the guest's ring-1 stack to switch to.  Then int $0x80 costs what it
 * costs natively, instead of a round trip through the host.
 *
 * Nothing there can hurt the host: the CPU enters ring 1, never 0, and on
 * the guest's page tables.  Anything that goes wrong on the way (a stack
 * not mapped, a segment the guest broke) is a fault, which comes to us
 * through the Switcher's gate for it like any other.  Only a trap gate
 * will do: an interrupt gate would clear the real interrupt flag, and
 * with it off in ring 1 the host would never get its CPU back.  A guest
 * that asks for anything else (or that has set a stack segment other
 * than its kernel data segment) keeps the Switcher's gate, and its
 * system calls come through us (deliver_trap()) as before.
 *
 * The gate and the stack are per guest, and this CPU's Switcher pages
 * may have run another guest last, so we set both before each entry.
 */
void copy_traps(const struct lguest *lg, struct lguest_ro_state *state)
{
	const u32 *g = lg->idt[IA32_SYSCALL_VECTOR];
	gate_desc *real = &state->guest_idt[IA32_SYSCALL_VECTOR];
	unsigned long handler = guest_gate_offset(g);

	state->guest_tss.ss1 = lg->ss1;
	state->guest_tss.sp1 = lg->esp1;
	if (!lg->lguest_data || !gate_present(g) ||
	    ((g[1] >> 8) & 0x1F) != GATE_TRAP || ((g[1] >> 13) & 3) != 3 ||
	    lg->ss1 != (__KERNEL_DS | 1)) {
		*real = switcher_syscall_gate;
		return;
	}
	pack_gate(real, GATE_TRAP, handler, 3, 0, __KERNEL_CS | 1);
}
EXPORT_SYMBOL_IF_KUNIT(copy_traps);

/*
 * The IDT the CPU uses while a guest runs: 256 interrupt gates into the
 * Switcher's stubs.  Ring 3 may raise int3, into and the system call
 * vector itself (gate DPL 3); the guest kernel may raise the hypercall
 * (DPL 1).  Anything else raised with "int" is a general protection
 * fault, as the guest kernel expects.
 */
void setup_switcher_idt(struct lguest_ro_state *state,
			const unsigned long *stubs)
{
	unsigned int i;

	for (i = 0; i < IDT_ENTRIES; i++) {
		gate_desc *g = &state->guest_idt[i];
		unsigned int dpl = 0;

		if (i == X86_TRAP_BP || i == X86_TRAP_OF ||
		    i == IA32_SYSCALL_VECTOR)
			dpl = 3;
		else if (i == LGUEST_TRAP_ENTRY)
			dpl = 1;
		pack_gate(g, GATE_INTERRUPT, stubs[i], dpl, 0, LGUEST_CS);
	}
	switcher_syscall_gate = state->guest_idt[IA32_SYSCALL_VECTOR];
}

/*
 * MSRs belong to the host, and a ring-1 rdmsr or wrmsr is a general
 * protection fault.  The guest kernel reaches MSRs through paravirt_ops,
 * except in a few places where 6.12 uses the raw instructions on purpose:
 * the CPU setup code of every Intel CPU writes and reads the microcode
 * revision (MSR 0x8b) directly, and the microcode code reads the platform
 * ID.  Those get what a virtual machine sees: revision 1 (in %edx, where
 * Intel puts it; an AMD patch level, read from %eax, is 0), platform 0,
 * and a write of the revision does nothing.  Every other MSR gets the
 * fault hardware gives for an MSR that does not exist; the raw accessors
 * all have exception table entries, and the guest's _safe callers see
 * -EIO.  Returns true if the instruction was done here.
 */
static bool emulate_msr(struct lguest *lg, bool write)
{
	switch (lg->regs.ecx) {
	case MSR_IA32_UCODE_REV:
		if (!write) {
			lg->regs.eax = 0;
			lg->regs.edx = 1;
		}
		return true;
	case MSR_IA32_PLATFORM_ID:
		if (write)
			return false;
		lg->regs.eax = 0;
		lg->regs.edx = 0;
		return true;
	default:
		return false;
	}
}

/*
 * A general protection fault with error code 0 in the guest kernel may
 * be an instruction a ring-1 kernel cannot run but which we can do for
 * it: port I/O (there are no ports: reads see all ones, writes vanish),
 * cli/sti that escaped paravirt_ops, the MSRs above, or wbinvd (there is
 * nothing a guest's caches could owe its memory: a no-op, as the
 * paravirt_ops version is).  Returns true if we did it.
 */
bool lguest_emulate_insn(struct lguest *lg)
{
	unsigned long pa, val;
	unsigned int len = 0, size = 4;
	u8 insn[2];

	if ((lg->regs.cs & 3) != 1 || !guest_pa(lg, lg->regs.eip, false, &pa))
		return false;
	/* The instruction may end on the next page; read it byte by byte. */
	if (!lgread(lg, &insn[0], pa, 1))
		return false;
	if (insn[0] == 0x66 || insn[0] == 0x0F) {
		if (!guest_pa(lg, lg->regs.eip + 1, false, &pa) ||
		    !lgread(lg, &insn[1], pa, 1))
			return false;
	}
	if (insn[0] == 0x0F) {
		if (insn[1] == 0x09 ||
		    ((insn[1] == 0x30 || insn[1] == 0x32) &&
		     emulate_msr(lg, insn[1] == 0x30))) {
			lg->regs.eip += 2;
			return true;
		}
		return false;
	}
	if (insn[0] == 0x66) {
		size = 2;
		len = 1;
		insn[0] = insn[1];
	}

	switch (insn[0]) {
	case 0xE4:	/* in $port, %al */
	case 0xE5:	/* in $port, %eax */
	case 0xE6:	/* out %al, $port */
	case 0xE7:	/* out %eax, $port */
		len += 2;
		break;
	case 0xEC:	/* in (%dx), %al */
	case 0xED:	/* in (%dx), %eax */
	case 0xEE:	/* out %al, (%dx) */
	case 0xEF:	/* out %eax, (%dx) */
		len += 1;
		break;
	case 0xFA:	/* cli */
	case 0xFB:	/* sti */
		if (len || !lg->lguest_data)
			return false;
		val = insn[0] == 0xFB ? X86_EFLAGS_IF : 0;
		write_data(lg, offsetof(struct lguest_data, irq_enabled), val);
		lg->regs.eip += 1;
		return true;
	default:
		return false;
	}

	/* An "in": all ones in the low byte, word or the whole of %eax. */
	if (insn[0] == 0xE4 || insn[0] == 0xEC)
		lg->regs.eax |= 0xFF;
	else if (insn[0] == 0xE5 || insn[0] == 0xED)
		lg->regs.eax |= size == 2 ? 0xFFFF : 0xFFFFFFFF;
	lg->regs.eip += len;
	return true;
}

/*
 * A general protection fault in the guest kernel that is not one of the
 * above may still be the guest's business: restoring a user's bad FPU
 * state in sigreturn, say, faults on purpose and is fixed up.  But an
 * instruction that only ring 0 may run means the guest kernel went
 * around paravirt_ops: that guest is broken or hostile, and we stop it
 * rather than let it carry on half-virtualized.  (Reading %cr4 is not
 * on the list: native_read_cr4() tries it on purpose and takes the fault
 * as "no %cr4".  Nor are rdmsr and wrmsr: a kernel probes MSRs on
 * purpose, and the fault is its answer.)
 */
bool lguest_privileged_insn(struct lguest *lg)
{
	unsigned long pa;
	u8 insn[2];

	if ((lg->regs.cs & 3) != 1 || !guest_pa(lg, lg->regs.eip, false, &pa) ||
	    !lgread(lg, &insn[0], pa, 1))
		return false;
	if (insn[0] == 0xF4)			/* hlt */
		return true;
	if (insn[0] != 0x0F || !guest_pa(lg, lg->regs.eip + 1, false, &pa) ||
	    !lgread(lg, &insn[1], pa, 1))
		return false;
	switch (insn[1]) {
	case 0x00:	/* lldt, ltr */
	case 0x01:	/* lgdt, lidt, lmsw, invlpg */
	case 0x06:	/* clts */
	case 0x08:	/* invd */
	case 0x22:	/* mov to a control register */
	case 0x23:	/* mov to a debug register */
	case 0x34:	/* sysenter */
	case 0x35:	/* sysexit */
		return true;
	default:
		return false;
	}
}
