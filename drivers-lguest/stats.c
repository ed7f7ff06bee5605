// SPDX-License-Identifier: GPL-2.0
/*
 * H:900 Where a guest's time goes: counters of why it left.
 *
 * Every time a guest stops running and comes back to us costs two page
 * table switches and a few hundred instructions, far more than most of
 * what it stopped for.  Knowing why it left is most of knowing why it is
 * slow, so we count each exit by its reason, and a few things the host
 * does on the guest's behalf (shadow entries made and dropped).  They are
 * in debugfs, one file per running guest named after the Launcher's
 * process ID:
 *
 *	cat /sys/kernel/debug/lguest/PID
 *
 * prints one "name count" line per counter that is not zero, and
 * tools/lguest/lgstat samples them every second and prints the rates,
 * as kvm_stat does for KVM.
 *
 * The counters are updated by the one thread that runs the guest and read
 * without a lock: a reading may be a moment old, never wrong by more.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <asm/trapnr.h>
#include "lg.h"

static struct dentry *lguest_debugfs;

static const char *const stat_names[LGUEST_NR_STATS] = {
	[LGS_EXITS]		= "exits",
	[LGS_HCALL_TRAP]	= "hypercall_traps",
	[LGS_HCALL_ASYNC]	= "hypercalls_queued",
	[LGS_PF_FIXED]		= "page_faults_fixed",
	[LGS_PF_GUEST]		= "page_faults_reflected",
	[LGS_SYSCALL]		= "syscall_traps",
	[LGS_HOST_IRQ]		= "host_interrupts",
	[LGS_GUEST_IRQ]		= "guest_interrupts",
	[LGS_TRAP_REFLECTED]	= "other_traps_reflected",
	[LGS_EMULATED]		= "instructions_emulated",
	[LGS_HALT]		= "halts",
	[LGS_PGDIR_HIT]		= "pgdir_switch_kept",
	[LGS_PGDIR_MISS]	= "pgdir_switch_new",
	[LGS_SHADOW_DROPPED]	= "shadow_ptes_dropped",
	[LGS_REVALIDATE]	= "shadow_revalidations",
	[LGS_PREFAULTED]	= "shadow_ptes_prefaulted",
	[LGS_PINNED]		= "pages_pinned",
	[LGS_REFILLED]		= "shadow_ptes_refilled",
};

static const char *const hcall_names[LGUEST_HCALLS] = {
	[LHCALL_FLUSH_ASYNC]	= "flush_async",
	[LHCALL_LGUEST_INIT]	= "lguest_init",
	[LHCALL_SHUTDOWN]	= "shutdown",
	[LHCALL_CONSOLE_WRITE]	= "console_write",
	[LHCALL_NEW_PGTABLE]	= "new_pgtable",
	[LHCALL_FLUSH_TLB]	= "flush_tlb",
	[LHCALL_LOAD_IDT_ENTRY]	= "load_idt_entry",
	[LHCALL_SET_STACK]	= "set_stack",
	[LHCALL_FLUSH_TLB_ONE]	= "flush_tlb_one",
	[LHCALL_SET_CLOCKEVENT]	= "set_clockevent",
	[LHCALL_HALT]		= "halt",
	[LHCALL_LOAD_GDT_ENTRY]	= "load_gdt_entry",
	[LHCALL_SEND_INTERRUPTS] = "send_interrupts",
	[LHCALL_BIND_DMA]	= "bind_dma",
	[LHCALL_SEND_DMA]	= "send_dma",
};

static int stats_show(struct seq_file *m, void *unused)
{
	const struct lguest_stats *st = m->private;
	unsigned int i;

	for (i = 0; i < LGUEST_NR_STATS; i++)
		if (st->count[i])
			seq_printf(m, "%s %lu\n", stat_names[i], st->count[i]);
	for (i = 0; i < LGUEST_HCALLS; i++)
		if (st->hcall[i])
			seq_printf(m, "hcall_%s %lu\n",
				   hcall_names[i] ?: "unknown", st->hcall[i]);
	for (i = 0; i < FIRST_EXTERNAL_VECTOR; i++)
		if (st->trap[i])
			seq_printf(m, "trap_%u %lu\n", i, st->trap[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

void lguest_stats_add(struct lguest *lg)
{
	char name[16];

	if (IS_ERR_OR_NULL(lguest_debugfs))
		return;
	snprintf(name, sizeof(name), "%d", task_pid_nr(lg->tsk));
	lg->stats_file = debugfs_create_file(name, 0400, lguest_debugfs,
					     &lg->stats, &stats_fops);
}

/* After this, no reader is left looking at lg->stats. */
void lguest_stats_remove(struct lguest *lg)
{
	debugfs_remove(lg->stats_file);
	lg->stats_file = NULL;
}

void lguest_stats_init(void)
{
	lguest_debugfs = debugfs_create_dir("lguest", NULL);
}

void lguest_stats_exit(void)
{
	debugfs_remove_recursive(lguest_debugfs);
}
