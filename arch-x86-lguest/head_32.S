/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The first instructions an lguest guest runs as itself.
 *
 * The Launcher started the kernel at startup_32 in ring 1, with paging
 * on and guest memory mapped at virtual == physical.  startup_32 saw
 * hardware_subarch == X86_SUBARCH_LGUEST, kept the segments the host
 * loaded, cleared BSS, copied boot_params, built the early page tables
 * (initial_page_table: low memory both at 0 and at PAGE_OFFSET) and
 * jumped here, still at physical addresses.
 */
#include <linux/init.h>
#include <linux/linkage.h>
#include <asm/asm-offsets.h>
#include <asm/lguest_hcall.h>
#include <asm/page_types.h>

	__INIT
SYM_CODE_START(lguest_entry)
	/*
	 * Tell the host where struct lguest_data is (the page we share with
	 * it for the interrupt flag, cr2 and the hypercall ring) and where
	 * the kernel's half of every address space starts.
	 */
	movl	$LHCALL_LGUEST_INIT, %eax
	movl	$lguest_data - __PAGE_OFFSET, %ebx
	movl	$__PAGE_OFFSET, %ecx
	int	$LGUEST_TRAP_ENTRY

	/* Ask for our own early page tables instead of the Launcher's. */
	movl	$LHCALL_NEW_PGTABLE, %eax
	movl	$initial_page_table - __PAGE_OFFSET, %ebx
	int	$LGUEST_TRAP_ENTRY

	/*
	 * They map the kernel at PAGE_OFFSET too: move the stack and the
	 * instruction pointer up there, and continue in C.
	 */
	movl	initial_stack, %esp
	movl	$lguest_init, %eax
	jmp	*%eax
SYM_CODE_END(lguest_entry)

/*
 * G:050 The system call gate.  A system call from our user mode should
 * reach this kernel the way it does on hardware, straight through the
 * CPU's IDT: a round trip through the host for each one would make every
 * system call cost as much as a page table switch.  The host can let the
 * CPU do that (see copy_traps() in the host) only with a trap gate, which
 * leaves the real interrupt flag on: an interrupt gate would turn it off,
 * in ring 1, where only the host may turn it back on.
 *
 * entry_INT80_32 expects an interrupt gate, though: its C code assumes
 * interrupts off until it turns them on.  So we point the gate here and
 * turn the virtual interrupt flag off ourselves first.  Until that one
 * instruction has run the flag is still on, and the host, which knows
 * this address from our IDT, delivers no interrupt at it.  The stack is
 * the TSS's ring-1 stack the host gave the CPU: ours, set with
 * LHCALL_SET_STACK.
 */
	.text
SYM_CODE_START(lguest_entry_INT80)
	movl	$0, %ss:lguest_data	/* lguest_data.irq_enabled */
	jmp	entry_INT80_32
SYM_CODE_END(lguest_entry_INT80)
