// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the lguest host's rules: what it accepts from a guest
 * and what stops one.  Each case builds a guest that exists only as a
 * struct lguest (no memory, never run), asks the host's own code to judge
 * one request, and looks at the result: the entry it kept, or the reason
 * it gave for stopping the guest.  The whole-guest tests (the hostile
 * suite of make check) show the same rules end to end, a few seconds per
 * case; these show many more, in milliseconds.
 *
 *	modprobe lguest_kunit	(the results go to the kernel log, as KTAP)
 */
#include <kunit/test.h>
#include <linux/string.h>
#include <asm/desc.h>
#include <asm/lguest_hcall.h>
#include <asm/segment.h>
#include <asm/trapnr.h>
#include "lg.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* Descriptor words: flat 4 GB, 32-bit, page-granular; type and DPL vary. */
#define FLAT_LO			0x0000ffff
#define FLAT_HI(type, dpl)	(0x00cf8000 | ((dpl) << 13) | 0x1000 | ((type) << 8))
#define CODE			0xa	/* execute/read */
#define DATA			0x2	/* read/write */

/* A guest as the host sees it after LHCALL_LGUEST_INIT: 4 MB, nothing run. */
static int lg_test_init(struct kunit *test)
{
	struct lguest *lg = kunit_kzalloc(test, sizeof(*lg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, lg);
	lg->pfn_limit = 1024;
	lg->lguest_data = 0x1000;
	setup_guest_gdt(lg);
	lg->regs.cs = __KERNEL_CS | 1;
	lg->regs.ss = __KERNEL_DS | 1;
	lg->regs.ds = __USER_DS;
	lg->regs.es = __USER_DS;
	lg->regs.eip = 0xc1000000;
	lg->ss1 = __KERNEL_DS | 1;
	test->priv = lg;
	return 0;
}

/* The guest was stopped, and the reason starts with why. */
static void expect_killed(struct kunit *test, const char *why)
{
	struct lguest *lg = test->priv;

	KUNIT_EXPECT_TRUE(test, lg->dead);
	KUNIT_EXPECT_EQ(test, lg->exit.reason, LGUEST_EXIT_KILLED);
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(lg->exit.msg, why, strlen(why)),
			      "reason '%s', wanted '%s...'", lg->exit.msg, why);
}

static void expect_alive(struct kunit *test)
{
	struct lguest *lg = test->priv;

	KUNIT_EXPECT_FALSE_MSG(test, lg->dead, "stopped: %s", lg->exit.msg);
}

/* GDT entries (LHCALL_LOAD_GDT_ENTRY) */

static void gdt_kernel_segment_becomes_ring1(struct kunit *test)
{
	struct lguest *lg = test->priv;

	load_guest_gdt_entry(lg, 15, FLAT_LO, FLAT_HI(DATA, 0));
	expect_alive(test);
	KUNIT_EXPECT_EQ(test, (int)lg->gdt[15].dpl, 1);
	/* Accessed already, so the CPU never writes the read-only copy. */
	KUNIT_EXPECT_EQ(test, (int)lg->gdt[15].type, DATA | 1);
}

static void gdt_user_segment_kept(struct kunit *test)
{
	struct lguest *lg = test->priv;

	load_guest_gdt_entry(lg, 14, FLAT_LO, FLAT_HI(CODE, 3));
	expect_alive(test);
	KUNIT_EXPECT_EQ(test, (int)lg->gdt[14].dpl, 3);
}

static void gdt_system_descriptors_refused(struct kunit *test)
{
	static const u32 types[] = { 0x4, 0x5, 0x9, 0xc, 0x2 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		struct lguest *lg = test->priv;

		lg->dead = false;
		/* S = 0: a gate, a TSS or an LDT. */
		load_guest_gdt_entry(lg, 21, FLAT_LO,
				     FLAT_HI(types[i], 3) & ~0x1000);
		expect_killed(test, "system descriptor in GDT entry 21");
	}
}

static void gdt_out_of_range(struct kunit *test)
{
	load_guest_gdt_entry(test->priv, GDT_ENTRIES, FLAT_LO, FLAT_HI(DATA, 1));
	expect_killed(test, "GDT entry 32 out of range");
}

static void gdt_host_entries_ignored(struct kunit *test)
{
	static const unsigned int ours[] = {
		0, GDT_ENTRY_TSS, GDT_ENTRY_LGUEST_CS, GDT_ENTRY_LGUEST_DS,
		GDT_ENTRY_DOUBLEFAULT_TSS,
	};
	struct lguest *lg = test->priv;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ours); i++) {
		load_guest_gdt_entry(lg, ours[i], FLAT_LO, FLAT_HI(CODE, 0));
		expect_alive(test);
		KUNIT_EXPECT_FALSE(test, (bool)lg->gdt[ours[i]].p);
	}
}

/* IDT entries (LHCALL_LOAD_IDT_ENTRY) */

static void idt_gates_kept(struct kunit *test)
{
	struct lguest *lg = test->priv;

	load_guest_idt_entry(lg, X86_TRAP_PF, 0x00601000, 0xc1008e00);
	load_guest_idt_entry(lg, 0x80, 0x00601000, 0xc100ef00);
	expect_alive(test);
	KUNIT_EXPECT_EQ(test, lg->idt[X86_TRAP_PF][1], 0xc1008e00);
	KUNIT_EXPECT_EQ(test, lg->idt[0x80][1], 0xc100ef00);
}

static void idt_task_gate_refused(struct kunit *test)
{
	load_guest_idt_entry(test->priv, 0x40, GDT_ENTRY_TSS << 19, 0x8500);
	expect_killed(test, "bad IDT entry 64 type 0x5");
}

static void idt_out_of_range(struct kunit *test)
{
	load_guest_idt_entry(test->priv, IDT_ENTRIES, 0, 0x8e00);
	expect_killed(test, "IDT entry 256 out of range");
}

static void idt_host_vectors_ignored(struct kunit *test)
{
	static const unsigned int ours[] = {
		X86_TRAP_NMI, X86_TRAP_DF, LGUEST_TRAP_ENTRY,
	};
	struct lguest *lg = test->priv;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ours); i++) {
		load_guest_idt_entry(lg, ours[i], 0x00601000, 0xc100ee00);
		expect_alive(test);
		KUNIT_EXPECT_EQ(test, lg->idt[ours[i]][1], 0);
	}
}

static void idt_not_present_clears(struct kunit *test)
{
	struct lguest *lg = test->priv;

	load_guest_idt_entry(lg, 0x31, 0x00601000, 0xc1008e00);
	load_guest_idt_entry(lg, 0x31, 0x12345678, 0x00000e00);
	expect_alive(test);
	KUNIT_EXPECT_EQ(test, lg->idt[0x31][0], 0);
	KUNIT_EXPECT_EQ(test, lg->idt[0x31][1], 0);
}

/* Segment registers, checked before each entry (fix_segments) */

/* The guest's user segments, and the guest in user mode on them. */
static void in_user_mode(struct lguest *lg)
{
	load_guest_gdt_entry(lg, GDT_ENTRY_DEFAULT_USER_CS, FLAT_LO,
			     FLAT_HI(CODE, 3));
	load_guest_gdt_entry(lg, GDT_ENTRY_DEFAULT_USER_DS, FLAT_LO,
			     FLAT_HI(DATA, 3));
	lg->regs.cs = __USER_CS;
	lg->regs.ss = __USER_DS;
	lg->regs.eip = 0x08048000;
}

static void segments_kernel_and_user_ok(struct kunit *test)
{
	struct lguest *lg = test->priv;

	KUNIT_EXPECT_TRUE(test, fix_segments(lg));
	in_user_mode(lg);
	KUNIT_EXPECT_TRUE(test, fix_segments(lg));
	expect_alive(test);
}

static void segments_null_selectors(struct kunit *test)
{
	struct lguest *lg = test->priv;
	unsigned int rpl;

	/* Entry 0 is null whatever it holds and whatever the RPL. */
	for (rpl = 0; rpl < 4; rpl++) {
		KUNIT_EXPECT_FALSE(test, segment_ok(lg, rpl, 's'));
		KUNIT_EXPECT_FALSE(test, segment_ok(lg, rpl, 'c'));
	}
	lg->regs.ss = 0x0001;
	KUNIT_EXPECT_FALSE(test, fix_segments(lg));
	expect_killed(test, "bad code or stack segment 0x61:0x1");
}

static void segments_code_limit(struct kunit *test)
{
	struct lguest *lg = test->priv;

	/* Limit 0xbffff pages: 3 GB, below the kernel's %eip. */
	load_guest_gdt_entry(lg, 22, FLAT_LO, 0x00cbba00);
	lg->regs.cs = 22 * 8 + 1;
	KUNIT_EXPECT_FALSE(test, fix_segments(lg));
	expect_killed(test, "bad code or stack segment 0xb1:");
}

static void segments_wrong_kinds(struct kunit *test)
{
	struct lguest *lg = test->priv;

	/* A data segment as code, code as stack, read-only data as stack. */
	KUNIT_EXPECT_FALSE(test, segment_ok(lg, __KERNEL_DS | 1, 'c'));
	KUNIT_EXPECT_FALSE(test, segment_ok(lg, __KERNEL_CS | 1, 's'));
	load_guest_gdt_entry(lg, 22, FLAT_LO, FLAT_HI(0x0, 1));
	KUNIT_EXPECT_FALSE(test, segment_ok(lg, 22 * 8 + 1, 's'));
	/* Privilege: the DPL must be the RPL, and never ring 0 or 2. */
	KUNIT_EXPECT_FALSE(test, segment_ok(lg, __KERNEL_CS | 3, 'c'));
	KUNIT_EXPECT_FALSE(test, segment_ok(lg, __KERNEL_CS, 'c'));
	KUNIT_EXPECT_FALSE(test, segment_ok(lg, __KERNEL_DS | 2, 's'));
	/* Not present, the LDT, past the GDT, the host's own. */
	load_guest_gdt_entry(lg, 23, FLAT_LO, FLAT_HI(DATA, 1) & ~0x8000);
	KUNIT_EXPECT_FALSE(test, segment_ok(lg, 23 * 8 + 1, 'd'));
	KUNIT_EXPECT_FALSE(test, segment_ok(lg, 0x0007, 'd'));
	KUNIT_EXPECT_FALSE(test, segment_ok(lg, GDT_ENTRIES * 8 + 3, 'd'));
	KUNIT_EXPECT_FALSE(test, segment_ok(lg, GDT_ENTRY_LGUEST_CS * 8, 'c'));
	expect_alive(test);
}

static void segments_bad_data_become_null(struct kunit *test)
{
	struct lguest *lg = test->priv;

	lg->regs.ds = 0x0007;			/* an LDT selector */
	lg->regs.es = 23 * 8 + 3;		/* an empty entry */
	lg->regs.fs = GDT_ENTRY_TSS * 8;	/* ours */
	lg->regs.gs = 0x0003;			/* null already */
	KUNIT_EXPECT_TRUE(test, fix_segments(lg));
	KUNIT_EXPECT_EQ(test, lg->regs.ds, 0);
	KUNIT_EXPECT_EQ(test, lg->regs.es, 0);
	KUNIT_EXPECT_EQ(test, lg->regs.fs, 0);
	KUNIT_EXPECT_EQ(test, lg->regs.gs, 3);
	expect_alive(test);
}

static void segments_cs_and_ss_same_ring(struct kunit *test)
{
	struct lguest *lg = test->priv;

	load_guest_gdt_entry(lg, GDT_ENTRY_DEFAULT_USER_DS, FLAT_LO,
			     FLAT_HI(DATA, 3));
	lg->regs.ss = __USER_DS;
	KUNIT_EXPECT_FALSE(test, fix_segments(lg));
	expect_killed(test, "bad code or stack segment");
}

static void segments_flags_cleaned(struct kunit *test)
{
	struct lguest *lg = test->priv;

	lg->regs.eflags = X86_EFLAGS_IOPL | X86_EFLAGS_VM | X86_EFLAGS_NT;
	KUNIT_EXPECT_TRUE(test, fix_segments(lg));
	KUNIT_EXPECT_EQ(test, lg->regs.eflags, X86_EFLAGS_IF | X86_EFLAGS_NT);
}

/* The ring-1 stack (LHCALL_SET_STACK) and the system call gate */

static void stack_must_be_ring1(struct kunit *test)
{
	struct lguest *lg = test->priv;

	set_guest_stack(lg, __KERNEL_DS | 1, 0xc1234000);
	expect_alive(test);
	KUNIT_EXPECT_EQ(test, lg->esp1, 0xc1234000);
	set_guest_stack(lg, __KERNEL_DS, 0xc1234000);
	expect_killed(test, "bad kernel stack segment 0x68");
}

static void stack_null_refused(struct kunit *test)
{
	set_guest_stack(test->priv, 0x0001, 0xc1234000);
	expect_killed(test, "bad kernel stack segment 0x1");
}

static void stack_checked_each_entry(struct kunit *test)
{
	struct lguest *lg = test->priv;

	/* In user mode, with a fine stack; then it makes it read-only. */
	in_user_mode(lg);
	KUNIT_EXPECT_TRUE(test, fix_segments(lg));
	load_guest_gdt_entry(lg, GDT_ENTRY_KERNEL_DS, FLAT_LO, FLAT_HI(0x0, 1));
	KUNIT_EXPECT_FALSE(test, fix_segments(lg));
	expect_killed(test, "bad kernel stack segment 0x69");
}

static void syscall_gate_direct_only_when_safe(struct kunit *test)
{
	struct lguest_ro_state *state;
	struct lguest *lg = test->priv;
	gate_desc *g;

	state = kunit_kzalloc(test, sizeof(*state), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, state);
	g = &state->guest_idt[IA32_SYSCALL_VECTOR];

	/* A trap gate for ring 3, the kernel's stack: the CPU's own. */
	load_guest_idt_entry(lg, IA32_SYSCALL_VECTOR, 0x00601234, 0xc100ef00);
	copy_traps(lg, state);
	KUNIT_EXPECT_EQ(test, g->segment, __KERNEL_CS | 1);
	KUNIT_EXPECT_EQ(test, (int)g->bits.type, GATE_TRAP);
	KUNIT_EXPECT_EQ(test, (int)g->bits.dpl, 3);
	KUNIT_EXPECT_EQ(test, gate_offset(g), 0xc1001234);
	KUNIT_EXPECT_EQ(test, state->guest_tss.ss1, __KERNEL_DS | 1);

	/* An interrupt gate would turn real interrupts off in ring 1. */
	load_guest_idt_entry(lg, IA32_SYSCALL_VECTOR, 0x00601234, 0xc100ee00);
	copy_traps(lg, state);
	KUNIT_EXPECT_EQ(test, g->segment, LGUEST_CS);

	/* Any other stack segment: through the host. */
	load_guest_idt_entry(lg, IA32_SYSCALL_VECTOR, 0x00601234, 0xc100ef00);
	lg->ss1 = __USER_DS;
	copy_traps(lg, state);
	KUNIT_EXPECT_EQ(test, g->segment, LGUEST_CS);
	expect_alive(test);
}

/* Guest addresses */

static void address_ranges(struct kunit *test)
{
	struct lguest *lg = test->priv;
	unsigned long end = lg->pfn_limit << PAGE_SHIFT;

	KUNIT_EXPECT_TRUE(test, lguest_address_ok(lg, 0, end));
	KUNIT_EXPECT_TRUE(test, lguest_address_ok(lg, end - 1, 1));
	KUNIT_EXPECT_TRUE(test, lguest_address_ok(lg, end, 0) == false);
	KUNIT_EXPECT_FALSE(test, lguest_address_ok(lg, end - 1, 2));
	KUNIT_EXPECT_FALSE(test, lguest_address_ok(lg, 0, end + 1));
	/* No wrap-around: a huge length from a small address. */
	KUNIT_EXPECT_FALSE(test, lguest_address_ok(lg, 16, ULONG_MAX - 8));
	KUNIT_EXPECT_FALSE(test, lguest_address_ok(lg, ULONG_MAX, 1));
}

/* Hypercalls */

static void hcall(struct kunit *test, unsigned long nr, unsigned long a1,
		  unsigned long a2, unsigned long a3)
{
	struct lguest_hcall_args args = { nr, a1, a2, a3, 0 };

	do_one_hypercall(test->priv, &args);
}

static void hcall_unknown(struct kunit *test)
{
	hcall(test, 200, 1, 2, 3);
	expect_killed(test, "bad hypercall 200");
}

static void hcall_before_init(struct kunit *test)
{
	struct lguest *lg = test->priv;

	lg->lguest_data = 0;
	hcall(test, LHCALL_FLUSH_TLB, 0, 0, 0);
	expect_killed(test, "hypercall 5 before LHCALL_LGUEST_INIT");
}

static void hcall_init_twice(struct kunit *test)
{
	hcall(test, LHCALL_LGUEST_INIT, 0x2000, 0, 0);
	expect_killed(test, "LHCALL_LGUEST_INIT twice");
}

/* Where the kernel half starts: whole page directory entries, below us. */
static void hcall_init_page_offset(struct kunit *test)
{
	static const unsigned long bad[] = {
		0, 0xc0001000, LGUEST_SWITCHER_ADDR, 0xffffffff,
	};
	struct lguest *lg = test->priv;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		lg->lguest_data = 0;
		lg->dead = false;
		hcall(test, LHCALL_LGUEST_INIT, 0x1000, bad[i], 0);
		expect_killed(test, "bad PAGE_OFFSET");
	}
}

static void hcall_shutdown_reasons(struct kunit *test)
{
	struct lguest *lg = test->priv;

	hcall(test, LHCALL_SHUTDOWN, LGUEST_SHUTDOWN_POWEROFF, 0, 0);
	KUNIT_EXPECT_TRUE(test, lg->dead);
	KUNIT_EXPECT_EQ(test, lg->exit.reason, LGUEST_EXIT_POWEROFF);
	lg->dead = false;
	hcall(test, LHCALL_SHUTDOWN, 77, 0, 0);
	expect_killed(test, "LHCALL_SHUTDOWN with unknown reason 77");
}

static void hcall_console_bounds(struct kunit *test)
{
	struct lguest *lg = test->priv;

	hcall(test, LHCALL_CONSOLE_WRITE, (lg->pfn_limit << PAGE_SHIFT) - 16,
	      17, 0);
	expect_killed(test, "console output at 0x3ffff0+17 is past guest memory");
}

static struct kunit_case lguest_cases[] = {
	KUNIT_CASE(gdt_kernel_segment_becomes_ring1),
	KUNIT_CASE(gdt_user_segment_kept),
	KUNIT_CASE(gdt_system_descriptors_refused),
	KUNIT_CASE(gdt_out_of_range),
	KUNIT_CASE(gdt_host_entries_ignored),
	KUNIT_CASE(idt_gates_kept),
	KUNIT_CASE(idt_task_gate_refused),
	KUNIT_CASE(idt_out_of_range),
	KUNIT_CASE(idt_host_vectors_ignored),
	KUNIT_CASE(idt_not_present_clears),
	KUNIT_CASE(segments_kernel_and_user_ok),
	KUNIT_CASE(segments_null_selectors),
	KUNIT_CASE(segments_code_limit),
	KUNIT_CASE(segments_wrong_kinds),
	KUNIT_CASE(segments_bad_data_become_null),
	KUNIT_CASE(segments_cs_and_ss_same_ring),
	KUNIT_CASE(segments_flags_cleaned),
	KUNIT_CASE(stack_must_be_ring1),
	KUNIT_CASE(stack_null_refused),
	KUNIT_CASE(stack_checked_each_entry),
	KUNIT_CASE(syscall_gate_direct_only_when_safe),
	KUNIT_CASE(address_ranges),
	KUNIT_CASE(hcall_unknown),
	KUNIT_CASE(hcall_before_init),
	KUNIT_CASE(hcall_init_twice),
	KUNIT_CASE(hcall_init_page_offset),
	KUNIT_CASE(hcall_shutdown_reasons),
	KUNIT_CASE(hcall_console_bounds),
	{}
};

static struct kunit_suite lguest_suite = {
	.name = "lguest",
	.init = lg_test_init,
	.test_cases = lguest_cases,
};

kunit_test_suite(lguest_suite);

MODULE_DESCRIPTION("KUnit tests of the lguest host's checks");
MODULE_LICENSE("GPL");
