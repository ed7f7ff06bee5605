// SPDX-License-Identifier: GPL-2.0
/*
 * Hypercalls: what the guest kernel asks of the host.
 *
 * A guest makes one with "int $LGUEST_TRAP_ENTRY", which brings it to
 * handle_trap() in core.c and from there here.  Calls that need no
 * answer can also be queued in the ring in struct lguest_data; we run
 * those first, in order, whenever the guest stops.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <asm/tsc.h>
#include <kunit/visibility.h>
#include "lg.h"

static void write_data(struct lguest *lg, size_t off, const void *val,
		       unsigned int len)
{
	lgwrite(lg, lg->lguest_data + off, val, len);
}

/*
 * LHCALL_LGUEST_INIT: the guest tells us where its lguest_data is and
 * where its kernel half starts (its PAGE_OFFSET), and we tell it the TSC
 * frequency and the time of day.
 */
static void initialize(struct lguest *lg, unsigned long pa,
		       unsigned long page_offset)
{
	struct timespec64 now;
	unsigned long khz = boot_cpu_has(X86_FEATURE_TSC) ? tsc_khz : 0;
	u32 t[3];

	if (pa >= lg->pfn_limit << PAGE_SHIFT ||
	    sizeof(struct lguest_data) > (lg->pfn_limit << PAGE_SHIFT) - pa) {
		kill_guest(lg, "lguest_data at %#lx is past guest memory", pa);
		return;
	}
	guest_set_page_offset(lg, page_offset);
	if (lg->dead)
		return;
	lg->lguest_data = pa;
	ktime_get_real_ts64(&now);
	t[0] = lower_32_bits(now.tv_sec);
	t[1] = upper_32_bits(now.tv_sec);
	t[2] = now.tv_nsec;
	write_data(lg, offsetof(struct lguest_data, tsc_khz), &khz, sizeof(khz));
	write_data(lg, offsetof(struct lguest_data, wallclock_sec_lo), t,
		   sizeof(t));
}

/*
 * LHCALL_SHUTDOWN: the guest is done, and may say why.  The message is
 * a NUL-terminated string in guest memory; we take what fits.
 */
static void shutdown(struct lguest *lg, unsigned long how, unsigned long pa)
{
	static const u32 reasons[] = {
		[LGUEST_SHUTDOWN_POWEROFF] = LGUEST_EXIT_POWEROFF,
		[LGUEST_SHUTDOWN_RESTART] = LGUEST_EXIT_RESTART,
		[LGUEST_SHUTDOWN_CRASH] = LGUEST_EXIT_CRASH,
	};
	unsigned long limit = lg->pfn_limit << PAGE_SHIFT;
	char *msg = lg->exit.msg;
	unsigned int len = 0;

	if (how >= ARRAY_SIZE(reasons)) {
		kill_guest(lg, "LHCALL_SHUTDOWN with unknown reason %lu", how);
		return;
	}
	memset(msg, 0, sizeof(lg->exit.msg));
	if (pa && pa < limit) {
		len = min_t(unsigned long, sizeof(lg->exit.msg) - 1, limit - pa);
		if (!lgread(lg, msg, pa, len))
			return;
		msg[len] = '\0';
	}
	lg->exit.reason = reasons[how];
	lg->dead = true;
}

void do_one_hypercall(struct lguest *lg, struct lguest_hcall_args *args)
{
	unsigned long a1 = args->arg1, a2 = args->arg2, a3 = args->arg3;
	unsigned long limit = lg->pfn_limit << PAGE_SHIFT;
	unsigned long ret = 0;

	if (!lg->lguest_data && args->nr != LHCALL_LGUEST_INIT) {
		kill_guest(lg, "hypercall %lu before LHCALL_LGUEST_INIT",
			   args->nr);
		return;
	}

	if (args->nr < LGUEST_HCALLS)
		lg->stats.hcall[args->nr]++;
	switch (args->nr) {
	case LHCALL_FLUSH_ASYNC:
		/* The ring has been run already. */
		break;
	case LHCALL_LGUEST_INIT:
		if (lg->lguest_data)
			kill_guest(lg, "LHCALL_LGUEST_INIT twice");
		else
			initialize(lg, a1, a2);
		break;
	case LHCALL_SHUTDOWN:
		shutdown(lg, a1, a2);
		break;
	case LHCALL_CONSOLE_WRITE:
		if (a1 >= limit || a2 > limit - a1)
			kill_guest(lg, "console output at %#lx+%lu is past guest memory",
				   a1, a2);
		else
			guest_exit(lg, LGUEST_EXIT_CONSOLE, a1, a2);
		break;
	case LHCALL_NEW_PGTABLE: {
		const u32 version[3] = { a2, a3, args->arg4 };

		guest_new_pagetable(lg, a1, version);
		break;
	}
	case LHCALL_FLUSH_TLB:
		guest_flush_tlb(lg, a1);
		break;
	case LHCALL_LOAD_IDT_ENTRY:
		load_guest_idt_entry(lg, a1, a2, a3);
		break;
	case LHCALL_SET_STACK:
		set_guest_stack(lg, a1, a2);
		break;
	case LHCALL_FLUSH_TLB_ONE:
		guest_flush_tlb_one(lg, a1);
		break;
	case LHCALL_SET_CLOCKEVENT:
		if (a1)
			hrtimer_start(&lg->hrt, ns_to_ktime(a1),
				      HRTIMER_MODE_REL);
		else
			hrtimer_try_to_cancel(&lg->hrt);
		break;
	case LHCALL_HALT: {
		/* "sti; hlt": interrupts on, then sleep until one comes. */
		unsigned long on = X86_EFLAGS_IF;

		write_data(lg, offsetof(struct lguest_data, irq_enabled), &on,
			   sizeof(on));
		lg->halted = true;
		break;
	}
	case LHCALL_LOAD_GDT_ENTRY:
		load_guest_gdt_entry(lg, a1, a2, a3);
		break;
	case LHCALL_SEND_INTERRUPTS:
		/* The run loop delivers them before the guest goes on. */
		break;
	case LHCALL_BIND_DMA:
		ret = bind_dma(lg, a1, a2, a3);
		break;
	case LHCALL_SEND_DMA:
		send_dma(lg, a1, a2);
		break;
	default:
		kill_guest(lg, "bad hypercall %lu", args->nr);
		return;
	}
	args->nr = ret;
}
EXPORT_SYMBOL_IF_KUNIT(do_one_hypercall);

/*
 * The asynchronous ring.  The guest fills slots in order and marks each
 * ready; we run them in order and mark each free again.  A call that
 * would stop the guest, has something for the Launcher or needs an answer
 * cannot be queued: the guest makes those directly.
 */
void do_hypercalls(struct lguest *lg)
{
	unsigned int n;

	if (!lg->lguest_data)
		return;
	for (n = 0; n < LHCALL_RING_SIZE && !lg->dead && !lg->exit_pending;
	     n++) {
		size_t st_off = offsetof(struct lguest_data, hcall_status) +
				lg->next_hcall;
		size_t args_off = offsetof(struct lguest_data, hcalls) +
				  lg->next_hcall * sizeof(struct lguest_hcall_args);
		struct lguest_hcall_args args;
		u8 status;

		if (!lgread(lg, &status, lg->lguest_data + st_off, 1) ||
		    status != LHCALL_STATUS_READY)
			return;
		if (!lgread(lg, &args, lg->lguest_data + args_off, sizeof(args)))
			return;
		switch (args.nr) {
		case LHCALL_LGUEST_INIT:
		case LHCALL_CONSOLE_WRITE:
		case LHCALL_HALT:
		case LHCALL_SHUTDOWN:
		case LHCALL_BIND_DMA:
		case LHCALL_SEND_DMA:
			kill_guest(lg, "hypercall %lu cannot be queued", args.nr);
			return;
		}
		lg_count(lg, LGS_HCALL_ASYNC);
		do_one_hypercall(lg, &args);
		status = LHCALL_STATUS_FREE;
		write_data(lg, st_off, &status, 1);
		lg->next_hcall = (lg->next_hcall + 1) % LHCALL_RING_SIZE;
	}
}
