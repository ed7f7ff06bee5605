// SPDX-License-Identifier: GPL-2.0
/*
 * Where the Switcher's assembler finds things in struct lguest_pages:
 * kbuild compiles this file to assembly and turns the DEFINE()s into
 * lg-asm-offsets.h, as asm-offsets.c does for the kernel, so the
 * assembler and the C structures in lg.h cannot disagree.
 */
#define COMPILE_OFFSETS
#include <linux/kbuild.h>
#include "lg.h"

static void __used common(void)
{
	OFFSET(LGUEST_PAGES_REGS, lguest_pages, regs);
	OFFSET(LGUEST_PAGES_TRAPNUM, lguest_pages, regs.trapnum);

	OFFSET(LGUEST_RO_HOST_CR3, lguest_pages, state.host_cr3);
	OFFSET(LGUEST_RO_GUEST_CR4, lguest_pages, state.guest_cr4);
	OFFSET(LGUEST_RO_GUEST_GDT, lguest_pages, state.guest_gdt_desc);
	OFFSET(LGUEST_RO_GUEST_IDT, lguest_pages, state.guest_idt_desc);

	OFFSET(LGUEST_HOST_CR4, lguest_pages, host.host_cr4);
	OFFSET(LGUEST_HOST_SP, lguest_pages, host.host_sp);
	OFFSET(LGUEST_HOST_GDT, lguest_pages, host.host_gdt);
	OFFSET(LGUEST_HOST_IDT, lguest_pages, host.host_idt);
	OFFSET(LGUEST_HOST_FAULT, lguest_pages, host.fault);
	OFFSET(LGUEST_HOST_FAULT_ERR, lguest_pages, host.fault_err);
	OFFSET(LGUEST_HOST_FAULT_EIP, lguest_pages, host.fault_eip);
	OFFSET(LGUEST_HOST_PENDING, lguest_pages, host.pending);
}
