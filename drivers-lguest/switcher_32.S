/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Switcher: the few instructions that move a CPU from the host into a
 * guest and back.
 *
 * This code is copied to the first page of the Switcher area at the top
 * of the address space, which is mapped at the same address in the host
 * and in every guest's shadow page tables: so it keeps running while %cr3
 * changes under it.  It must therefore be position-independent: relative
 * jumps only, and every address it needs comes from the per-CPU pages,
 * whose Switcher address the host passes in %eax.
 *
 * Going in, the host C code (run_guest_once() in core.c) does
 *	pushf; lcall *lguest_entry
 * with %eax pointing at this CPU's struct lguest_pages and %ebx holding
 * the physical address of the guest's shadow page directory.  The
 * pushf+lcall leaves EFLAGS, CS and EIP on the host stack: exactly the
 * frame an interrupt would push, which matters on the way out.
 */
#include <linux/linkage.h>
#include <asm/irq_vectors.h>
#include <asm/page_types.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/trapnr.h>
#include "lg.h"
#include "lg-asm-offsets.h"

.text
SYM_CODE_START(start_switcher_text)

SYM_INNER_LABEL(switch_to_guest, SYM_L_GLOBAL)
	/* The segment registers and %ebp are the host's to keep. */
	pushl	%es
	pushl	%ds
	pushl	%gs
	pushl	%fs
	pushl	%ebp
	/* And its LDT, which the guest must not see (below). */
	sldt	%edx
	pushl	%edx
	/*
	 * What the host needs back is kept in its own page, which the guest's
	 * page tables do not map (struct lguest_host_state).
	 */
	movl	%esp, LGUEST_HOST_SP(%eax)

	/*
	 * The host's page table root, and its %cr4, which we change: the
	 * guest must not see the host's global pages (a ring-1 kernel could
	 * use the stale TLB entries), and SMEP, SMAP and UMIP would stop a
	 * ring-1 kernel (which they count as supervisor) from running on
	 * pages mapped for user mode, touching its user pages or storing its
	 * GDT; the guest's cpuid does not offer them.
	 */
	movl	%cr3, %edx
	movl	%edx, LGUEST_RO_HOST_CR3(%eax)
	movl	%cr4, %edx
	movl	%edx, LGUEST_HOST_CR4(%eax)
	andl	$~(X86_CR4_PGE | X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_UMIP), %edx
	movl	%edx, LGUEST_RO_GUEST_CR4(%eax)
	sgdt	LGUEST_HOST_GDT(%eax)
	sidt	LGUEST_HOST_IDT(%eax)

	/*
	 * The stack is now the guest's registers, and the descriptor tables
	 * become the guest's: its GDT (checked by the host), an IDT whose
	 * every gate leads back here, and a TSS whose ring-0 stack is the
	 * end of those registers.  The TSS descriptor is fresh (not busy),
	 * because the host copies the GDT before each entry.
	 */
	leal	LGUEST_PAGES_REGS(%eax), %esp
	lgdt	LGUEST_RO_GUEST_GDT(%eax)
	lidt	LGUEST_RO_GUEST_IDT(%eax)
	movl	$(GDT_ENTRY_TSS * 8), %edx
	ltr	%dx

	/*
	 * No LDT.  The Launcher may have one (modify_ldt() needs no
	 * privilege), and the CPU would go on reading its descriptors at the
	 * host's LDT address, which in the guest's page tables holds
	 * whatever the guest puts there: a call gate into ring 0, say.
	 */
	xorl	%edx, %edx
	lldt	%dx

	/*
	 * Switch to the shadow page tables, then to the guest's %cr4.  The
	 * second write changes PGE and so flushes the global TLB entries.
	 */
	movl	%ebx, %cr3
	movl	LGUEST_RO_GUEST_CR4(%eax), %edx
	movl	%edx, %cr4

	/* Pop the guest's registers and iret into ring 1 (or 3). */
	popl	%ebx
	popl	%ecx
	popl	%edx
	popl	%esi
	popl	%edi
	popl	%ebp
	popl	%gs
	popl	%eax
	popl	%fs
	popl	%ds
	popl	%es
	addl	$8, %esp		/* trap number and error code */
	iret

/*
 * Every trap and interrupt in the guest lands in one of the stubs below,
 * on the ring-0 stack at the end of the guest's registers: the CPU has
 * pushed SS, ESP, EFLAGS, CS, EIP and maybe an error code; the stub makes
 * the error code uniform and pushes the vector.  Here we push the rest,
 * which completes struct lguest_regs.
 *
 * H:620 Unless the trap came from ring 0, that is from the Switcher
 * itself: then the CPU pushed no SS and ESP, and the frame is not a
 * struct lguest_regs.  See switcher_trap below.
 */
SYM_INNER_LABEL(return_to_host, SYM_L_LOCAL)
	testl	$X86_EFLAGS_VM, 16(%esp)	/* the EFLAGS the CPU pushed */
	jnz	from_vm86
	testl	$3, 12(%esp)		/* the CS the CPU pushed */
	jz	switcher_trap
	pushl	%es
	pushl	%ds
	pushl	%fs
	pushl	%eax
	pushl	%gs
	pushl	%ebp
	pushl	%edi
	pushl	%esi
	pushl	%edx
	pushl	%ecx
	pushl	%ebx

	/* The guest's %ds could be anything: take our own flat segment. */
	movl	$LGUEST_DS, %edx
	movl	%edx, %ds
	movl	%edx, %es

	/* Our pages start at the page boundary below the registers. */
	movl	%esp, %eax
	andl	$PAGE_MASK, %eax
	movl	LGUEST_PAGES_TRAPNUM(%eax), %ecx
	xorl	%ebx, %ebx
	jmp	back_to_host

/*
 * H:622 Or from virtual-8086 mode.  A guest cannot enter it on hardware:
 * iret honours the flag only in ring 0.  QEMU's iret honours it in any
 * ring, so a guest kernel's own iret can get there.  A trap from it
 * pushes four more words (the data segments, which it then clears), so
 * the frame is not a struct lguest_regs, and the vector is not where
 * back_to_host looks for it.  Take the vector from where the stub put
 * it, so that the host still handles its own interrupt, and tell the
 * host, which stops the guest: there is nothing for a guest kernel to
 * do there.
 */
from_vm86:
	movl	(%esp), %ecx		/* the vector, for back_to_host */
	movl	$LGUEST_SWITCHER_VM86, %ebx
	jmp	tell_host

/*
 * A trap in ring 0, while this CPU was in the Switcher with the guest's
 * IDT loaded: on the way in (after lidt) or on the way out (before the
 * host's lidt).
 *
 * An NMI or a machine check can arrive anywhere, and is the host's.  On
 * the way out, the guest's registers are half saved and half still in
 * the CPU, so we cannot go to the host from here without losing them, and
 * going back into the guest with the registers it had before it ran would
 * replay what it did since.  So we only note it in the host's page, for
 * the host to handle (run_guest_once() raises it again in the host), and
 * return to where we were, which finishes its journey as if nothing had
 * happened.  The guest's page tables do not map the host's page, so we
 * switch to the host's for that one write.  Our segment registers may
 * be the guest's here; %ss is always our flat one.
 *
 * Anything else is a fault of the Switcher's own: a segment register or
 * the iret on the way in (the host checks what they load, so that would
 * be a bug there).  The guest has not run, and the host still has its
 * registers as they were; we go back and say so, with the vector, the
 * instruction and the error code, and the host stops the guest.
 */
switcher_trap:
	cmpl	$X86_TRAP_NMI, (%esp)
	je	1f
	cmpl	$X86_TRAP_MC, (%esp)
	jne	2f
1:	pushl	%eax
	pushl	%edx
	movl	%cr3, %eax
	pushl	%eax
	movl	%esp, %edx
	andl	$PAGE_MASK, %edx
	movl	%ss:LGUEST_RO_HOST_CR3(%edx), %eax
	movl	%eax, %cr3
	movl	12(%esp), %eax		/* the vector: 2 or 18 */
	btsl	%eax, %ss:LGUEST_HOST_PENDING(%edx)
	popl	%eax
	movl	%eax, %cr3
	popl	%edx
	popl	%eax
	addl	$8, %esp		/* vector and error code */
	iret

2:	xorl	%ecx, %ecx		/* back to the C code */
	movl	$LGUEST_SWITCHER_FAULT, %ebx

	/* Either way the host's page gets the vector, error code and place. */
tell_host:
	movl	$LGUEST_DS, %edx
	movl	%edx, %ds
	movl	%edx, %es
	movl	%esp, %eax
	andl	$PAGE_MASK, %eax
	orl	(%esp), %ebx		/* the vector, */
	movl	4(%esp), %edi		/* the error code */
	movl	8(%esp), %esi		/* and where */

back_to_host:
	/*
	 * Host page tables and %cr4 back (this flushes the guest's TLB).  The
	 * host's %cr3 is the one thing of the host's we keep where the guest
	 * can read it: we cannot reach anything else of the host's without it.
	 */
	movl	LGUEST_RO_HOST_CR3(%eax), %edx
	movl	%edx, %cr3
	movl	LGUEST_HOST_CR4(%eax), %edx
	movl	%edx, %cr4

	/*
	 * Now the host's page is there again: whether this was a fault
	 * inside the Switcher (0 if not).
	 */
	movl	%ebx, LGUEST_HOST_FAULT(%eax)
	movl	%edi, LGUEST_HOST_FAULT_ERR(%eax)
	movl	%esi, LGUEST_HOST_FAULT_EIP(%eax)

	/*
	 * The host's descriptor tables.  Its TSS descriptor is still marked
	 * busy from when the host loaded it, and ltr faults on a busy one.
	 */
	lgdt	LGUEST_HOST_GDT(%eax)
	lidt	LGUEST_HOST_IDT(%eax)
	movl	LGUEST_HOST_GDT+2(%eax), %edx
	andb	$~0x02, (GDT_ENTRY_TSS * 8 + 5)(%edx)
	movl	$(GDT_ENTRY_TSS * 8), %edx
	ltr	%dx

	/* The host stack, and what we saved on it. */
	movl	LGUEST_HOST_SP(%eax), %esp
	popl	%edx
	lldt	%dx
	popl	%ebp
	popl	%fs
	popl	%gs
	popl	%ds
	popl	%es

	/*
	 * Traps (vectors below 32) and the guest's system call go back to
	 * the C code, which looks at lguest_regs.trapnum (or, after a trap
	 * inside the Switcher, at the host's page).  Anything else was an
	 * interrupt for the host: run the host's own handler for it.  So are
	 * NMIs and machine checks, which are never the guest's.  The
	 * pushf+lcall frame on our stack is what an interrupt would have
	 * pushed, so the handler's iret returns straight to the C code (and,
	 * after an NMI, unblocks NMIs, as it should).
	 */
	cmpl	$X86_TRAP_NMI, %ecx
	je	2f
	cmpl	$X86_TRAP_MC, %ecx
	je	2f
	cmpl	$32, %ecx
	jb	1f
	cmpl	$IA32_SYSCALL_VECTOR, %ecx
	je	1f
2:	movl	LGUEST_HOST_IDT+2(%eax), %edx
	leal	(%edx,%ecx,8), %edx
	movl	4(%edx), %ecx
	andl	$0xffff0000, %ecx
	movzwl	(%edx), %edx
	orl	%ecx, %edx
	jmp	*%edx
1:	iret

/*
 * The 256 trap stubs, LGUEST_STUB_SIZE bytes apart so the host can find
 * each (12 bytes fit the longest: two pushes and a jump).  The CPU pushes
 * an error code for vectors 8, 10-14 and 17 only; the others get a zero,
 * so the frame is always the same.
 */
SYM_INNER_LABEL(lguest_trap_stubs, SYM_L_GLOBAL)
	vector = 0
	.rept	256
	.if (vector != 8) && ((vector < 10) || (vector > 14)) && (vector != 17)
	pushl	$0
	.endif
	pushl	$vector
	jmp	return_to_host
	.org	lguest_trap_stubs + (vector + 1) * LGUEST_STUB_SIZE, 0xcc
	vector = vector + 1
	.endr
SYM_INNER_LABEL(end_switcher_text, SYM_L_GLOBAL)
SYM_CODE_END(start_switcher_text)
