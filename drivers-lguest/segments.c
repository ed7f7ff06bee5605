// SPDX-License-Identifier: GPL-2.0
/*
 * Segments: the guest's GDT.
 *
 * The CPU runs the guest with a GDT we build in the Switcher's read-only
 * page: the guest's entries, checked, plus three of ours (the Switcher's
 * ring-0 code and data segments, and the TSS).  Paging keeps the guest
 * out of host memory, so a guest segment may be flat 4 GB; what we must
 * stop is a segment that would let it run with ring-0 privilege.  Linux
 * asks for its kernel segments with DPL 0; we make them DPL 1, the ring
 * the guest kernel runs in.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/desc.h>
#include <asm/processor-flags.h>
#include <kunit/visibility.h>
#include "lg.h"

/*
 * The entries that are ours, not the guest's; its writes are ignored.
 * Entry 0 is the CPU's: a selector for it is null whatever the entry
 * holds, so no guest entry there can mean anything.
 */
static bool ignored_gdt(unsigned int i)
{
	return i == 0 || i == GDT_ENTRY_TSS || i == GDT_ENTRY_LGUEST_CS ||
	       i == GDT_ENTRY_LGUEST_DS || i == GDT_ENTRY_DOUBLEFAULT_TSS;
}

/* The Switcher's flat ring-0 segments, in the host's GDT and the guest's. */
void lguest_switcher_segments(struct desc_struct *gdt)
{
	gdt[GDT_ENTRY_LGUEST_CS] =
		(struct desc_struct)GDT_ENTRY_INIT(DESC_CODE32, 0, 0xfffff);
	gdt[GDT_ENTRY_LGUEST_DS] =
		(struct desc_struct)GDT_ENTRY_INIT(DESC_DATA32, 0, 0xfffff);
}

/*
 * The GDT a new guest starts with: flat kernel code and data at Linux's
 * usual slots, in ring 1.  The Launcher's guest starts with %cs and %ss
 * loaded from these.
 */
void setup_guest_gdt(struct lguest *lg)
{
	memset(lg->gdt, 0, sizeof(lg->gdt));
	lg->gdt[GDT_ENTRY_KERNEL_CS] =
		(struct desc_struct)GDT_ENTRY_INIT(DESC_CODE32, 0, 0xfffff);
	lg->gdt[GDT_ENTRY_KERNEL_DS] =
		(struct desc_struct)GDT_ENTRY_INIT(DESC_DATA32, 0, 0xfffff);
	lg->gdt[GDT_ENTRY_KERNEL_CS].dpl = 1;
	lg->gdt[GDT_ENTRY_KERNEL_DS].dpl = 1;
}
EXPORT_SYMBOL_IF_KUNIT(setup_guest_gdt);

/* LHCALL_LOAD_GDT_ENTRY. */
void load_guest_gdt_entry(struct lguest *lg, unsigned int i, u32 lo, u32 hi)
{
	struct desc_struct d;

	if (i >= GDT_ENTRIES) {
		kill_guest(lg, "GDT entry %u out of range", i);
		return;
	}
	if (ignored_gdt(i))
		return;

	memcpy(&d, &lo, sizeof(lo));
	memcpy((u8 *)&d + sizeof(lo), &hi, sizeof(hi));
	if (d.p) {
		/* Call gates, task gates, TSS and LDT descriptors: no. */
		if (!d.s) {
			kill_guest(lg, "system descriptor in GDT entry %u", i);
			return;
		}
		if (d.dpl == 0)
			d.dpl = 1;
		/*
		 * The CPU sets the accessed bit when it loads a segment, but
		 * the guest's GDT is in a page that is read-only to it: set
		 * the bit now, so the CPU never writes there.
		 */
		d.type |= 1;
	}
	lg->gdt[i] = d;
}
EXPORT_SYMBOL_IF_KUNIT(load_guest_gdt_entry);

/* Before each entry: the guest's entries, and ours, for this CPU. */
void copy_gdt(const struct lguest *lg, struct lguest_ro_state *state)
{
	memcpy(state->guest_gdt, lg->gdt, sizeof(lg->gdt));
	lguest_switcher_segments(state->guest_gdt);
	set_tssldt_descriptor(&state->guest_gdt[GDT_ENTRY_TSS],
			      (unsigned long)&state->guest_tss, DESC_TSS,
			      sizeof(state->guest_tss) - 1);
	memset(&state->guest_gdt[GDT_ENTRY_DOUBLEFAULT_TSS], 0,
	       sizeof(struct desc_struct));
}

/* The last byte offset a segment allows (expand-up). */
static unsigned long seg_limit(const struct desc_struct *d)
{
	unsigned long limit = ((unsigned long)d->limit1 << 16) | d->limit0;

	return d->g ? (limit << PAGE_SHIFT) | ~PAGE_MASK : limit;
}

/*
 * H:630 The Switcher reloads the guest's segment registers and irets, in
 * ring 0.  If one of them names a GDT entry the guest has since changed or
 * cleared, that would fault in the Switcher.  So check them against the
 * GDT first, for what the CPU checks there (SDM vol. 2, IRET and MOV to a
 * segment register):
 *
 *  - %cs: not null, in the GDT, present, code, DPL equal to its RPL
 *    (1 or 3: the guest kernel or its user mode), and %eip within its
 *    limit;
 *  - %ss: not null, in the GDT, present, writable data, DPL and RPL equal
 *    to those of %cs (the CPU does not check %esp against the limit at
 *    iret: a bad %esp faults in the guest, on its first push);
 *  - %ds, %es, %fs, %gs: null (any RPL), or in the GDT, present, and data
 *    or readable code.  The Switcher pops them in ring 0, where privilege
 *    does not matter; the iret then nulls those the new ring may not use.
 *
 * Index 0 is null whatever its RPL, and never a valid %cs or %ss.  A bad
 * data segment becomes the null selector (the guest faults when it uses
 * it, as it would have on hardware after reloading); a bad code or stack
 * segment is a guest bug we cannot paper over.  The trap stack (%ss1)
 * must be the same kind of stack segment for ring 1.
 */
VISIBLE_IF_KUNIT bool segment_ok(const struct lguest *lg, unsigned long sel,
				 char kind)
{
	unsigned int i = sel >> 3, rpl = sel & 3;
	const struct desc_struct *d;

	if ((sel & 4) || i >= GDT_ENTRIES || ignored_gdt(i))
		return false;
	d = &lg->gdt[i];
	if (!d->p || !d->s)
		return false;
	switch (kind) {
	case 'c':	/* code: executable, privilege exactly its RPL */
		return (d->type & 8) && d->dpl == rpl && rpl != 0 && rpl != 2 &&
		       lg->regs.eip <= seg_limit(d);
	case 's':	/* stack: writable data, privilege exactly its RPL */
		return (d->type & 0xA) == 2 && d->dpl == rpl && rpl != 0;
	default:	/* data: readable, and no more privileged than its RPL */
		return (!(d->type & 8) || (d->type & 2)) && d->dpl >= rpl;
	}
}
EXPORT_SYMBOL_IF_KUNIT(segment_ok);

static void fix_data_segment(const struct lguest *lg, unsigned long *sel)
{
	if (*sel > 3 && !segment_ok(lg, *sel, 'd'))
		*sel = 0;
}

bool fix_segments(struct lguest *lg)
{
	struct lguest_regs *regs = &lg->regs;

	if (!segment_ok(lg, regs->cs, 'c') ||
	    !segment_ok(lg, regs->ss, 's') ||
	    (regs->cs & 3) != (regs->ss & 3)) {
		kill_guest(lg, "bad code or stack segment %#lx:%#lx",
			   regs->cs, regs->ss);
		return false;
	}
	fix_data_segment(lg, &regs->ds);
	fix_data_segment(lg, &regs->es);
	fix_data_segment(lg, &regs->fs);
	fix_data_segment(lg, &regs->gs);
	if (lg->ss1 && !segment_ok(lg, lg->ss1, 's')) {
		kill_guest(lg, "bad kernel stack segment %#lx", lg->ss1);
		return false;
	}

	/*
	 * No I/O privilege (it would let the guest turn real interrupts
	 * off) and no virtual-8086 mode (the Switcher's iret would enter
	 * it).  The nested-task flag stays: programs may set it, and an
	 * iret with it set in the guest is the guest's own #TS.
	 */
	regs->eflags |= X86_EFLAGS_IF;
	regs->eflags &= ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(fix_segments);
