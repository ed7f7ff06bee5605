/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lguest host: what its parts share.
 */
#ifndef _LGUEST_LG_H
#define _LGUEST_LG_H

#include <asm/lguest.h>

/*
 * The size of each trap stub in switcher_32.S, where core.c finds them.
 * The offsets into struct lguest_pages that the Switcher needs come from
 * lg-asm-offsets.c, generated at build time.
 */
#define LGUEST_STUB_SIZE	12

/* In lguest_host_state.fault: the Switcher faulted, with this vector. */
#define LGUEST_SWITCHER_FAULT	0x100
/* Or the guest trapped in virtual-8086 mode, with this vector (H:622). */
#define LGUEST_SWITCHER_VM86	0x200

#ifndef __ASSEMBLY__
#include <linux/hrtimer.h>
#include <linux/mutex.h>
#include <linux/processor.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <asm/desc_defs.h>
#include <asm/irq_vectors.h>
#include <asm/lguest_hcall.h>
#include <asm/pgtable_types.h>
#include <uapi/linux/lguest_launcher.h>

/*
 * A guest's registers, in the order the Switcher pushes them when the
 * guest traps: the general registers last pushed first, then the trap
 * number and error code, then what the CPU itself pushed.
 */
struct lguest_regs {
	unsigned long ebx, ecx, edx, esi, edi, ebp;
	unsigned long gs, eax, fs, ds, es;
	unsigned long trapnum, errcode;
	unsigned long eip, cs, eflags, esp, ss;
};

/*
 * The read-only (to the guest) page of a CPU's Switcher pages: what the
 * CPU uses while the guest runs, and the one thing of the host's that the
 * Switcher needs before it can see the host's memory again: the host's
 * page directory.
 */
struct lguest_ro_state {
	unsigned long host_cr3, guest_cr4;
	u16 pad1;
	struct desc_ptr guest_gdt_desc;
	u16 pad2;
	struct desc_ptr guest_idt_desc;
	struct x86_hw_tss guest_tss;
	gate_desc guest_idt[IDT_ENTRIES];
	struct desc_struct guest_gdt[GDT_ENTRIES];
};

/*
 * The host's own page of a CPU's Switcher pages, which the guest's page
 * tables do not map: the Switcher saves the host's state here on the way
 * in and reads it back once the host's page tables are loaded again, so
 * the guest never sees the host's stack or descriptor table addresses.
 */
struct lguest_host_state {
	unsigned long host_cr4, host_sp;
	u16 pad1;
	struct desc_ptr host_gdt;
	u16 pad2;
	struct desc_ptr host_idt;
	/* Written by the Switcher on the way out; see switcher_trap. */
	unsigned long fault, fault_err, fault_eip;
	unsigned long pending;		/* bit 2: an NMI, bit 18: an MCE */
};

/*
 * Each CPU's three Switcher pages.  The first is writable by the guest
 * and ends with its registers, where the CPU pushes a trap frame (the
 * TSS's ring-0 stack points just past them).  The second holds what the
 * CPU uses while the guest runs; the guest may read it.  The third is the
 * host's alone.
 */
struct lguest_pages {
	char spare[PAGE_SIZE - sizeof(struct lguest_regs)];
	struct lguest_regs regs;
	struct lguest_ro_state state;
	struct lguest_host_state host __aligned(PAGE_SIZE);
} __aligned(PAGE_SIZE);

/*
 * How many shadow page directories we keep per guest, and how many shadow
 * pages (page directories and tables, each with its source page) a guest
 * may make the host hold: 4096 is 32 MB.
 */
#define LGUEST_PGDIRS		16
#define LGUEST_MAX_SHADOW_PAGES	4096

struct lguest_pgdir {
	unsigned long gpgdir;	/* guest-physical address of its page directory */
	pgd_t *pgdir;		/* our shadow of it, or NULL */
	unsigned long last_used; /* lguest.pgdir_clock when last loaded */
	u32 version[3];		/* the guest's at that load: see H:415 */
};

/* What stats.c counts; its stat_names[] says each in words. */
enum lguest_stat {
	LGS_EXITS,		/* every return from the guest */
	LGS_HCALL_TRAP,		/* hypercalls by trap */
	LGS_HCALL_ASYNC,	/* hypercalls run from the queue */
	LGS_PF_FIXED,		/* page faults a new shadow entry fixed */
	LGS_PF_GUEST,		/* page faults passed to the guest */
	LGS_SYSCALL,		/* system calls passed to the guest */
	LGS_HOST_IRQ,		/* host interrupts that stopped the guest */
	LGS_GUEST_IRQ,		/* interrupts delivered to the guest */
	LGS_TRAP_REFLECTED,	/* other traps passed to the guest */
	LGS_EMULATED,		/* instructions the host emulated */
	LGS_HALT,		/* times the guest slept in LHCALL_HALT */
	LGS_PGDIR_HIT,		/* %cr3 loads that found their shadow */
	LGS_PGDIR_MISS,		/* %cr3 loads that started a new one */
	LGS_SHADOW_DROPPED,	/* shadow entries dropped as stale */
	LGS_REVALIDATE,		/* shadow user halves checked */
	LGS_PREFAULTED,		/* shadow entries filled beside a fault */
	LGS_PINNED,		/* guest pages pinned (each once) */
	LGS_REFILLED,		/* shadow entries filled again at a flush */
	LGUEST_NR_STATS
};

#define LGUEST_HCALLS	16	/* hypercall numbers counted one by one */

struct dentry;

struct lguest_stats {
	unsigned long count[LGUEST_NR_STATS];
	unsigned long hcall[LGUEST_HCALLS];
	unsigned long trap[FIRST_EXTERNAL_VECTOR];
};

struct lguest {
	struct mutex lock;		/* one read() at a time */
	u64 id;				/* see lguest_init_id() */
	struct task_struct *tsk;	/* the Launcher thread that runs us */
	struct mm_struct *mm;		/* and its address space */
	unsigned long mem_base;		/* Launcher address of guest-physical 0 */
	unsigned long pfn_limit;	/* pages of guest memory */
	unsigned long lguest_data;	/* guest-physical; 0 until LGUEST_INIT */

	struct lguest_regs regs;
	unsigned long esp1, ss1;	/* ring-1 stack for traps from ring 3 */
	struct desc_struct gdt[GDT_ENTRIES];
	u32 idt[IDT_ENTRIES][2];	/* the guest's own IDT, as it wrote it */

	struct lguest_pgdir pgdirs[LGUEST_PGDIRS];
	unsigned int pgdir_cur;
	unsigned long pgdir_clock;
	unsigned int shadow_pages;	/* see LGUEST_MAX_SHADOW_PAGES */
	u32 *scratch;			/* a page for revalidate(), link_kernel_half() */
	pgd_t *kernel_pgdir;		/* the kernel half, shared: H:420 */
	unsigned int kernel_pgd;	/* its first entry: the guest's PAGE_OFFSET */
	struct page **pinned;		/* per guest page, once: guest_page() */

	DECLARE_BITMAP(irqs_pending, LGUEST_IRQS);
	struct hrtimer hrt;
	bool halted;
	bool break_out;
	unsigned int next_hcall;
	u32 time_seq;			/* see update_guest_clock() */

	bool exit_pending;		/* exit has a record for the Launcher */
	bool dead;			/* exit says why the guest is gone */
	struct lguest_exit exit;
	unsigned long cr2;		/* of the last page fault */
	unsigned long no_shadow;	/* lguest_data's, while set: H:414 */
	unsigned long dr6;		/* of the last debug trap */
	/* A fault inside the Switcher: see run_guest_once() */
	unsigned long switcher_fault, switcher_fault_err, switcher_fault_eip;

	struct lguest_stats stats;
	struct dentry *stats_file;
};

static inline void lg_count(struct lguest *lg, enum lguest_stat what)
{
	lg->stats.count[what]++;
}

/* switcher_32.S: the code core.c copies to the Switcher's first page. */
extern char start_switcher_text[], end_switcher_text[], switch_to_guest[];
extern char lguest_trap_stubs[];

/* core.c */
struct lguest_pages *lguest_switcher_pages(unsigned int cpu);
pte_t *lguest_switcher_pte_page(unsigned int cpu);
int lguest_run(struct lguest *lg);
bool lguest_address_ok(const struct lguest *lg, unsigned long addr,
		       unsigned long len);
bool lgread(struct lguest *lg, void *b, unsigned long addr, unsigned int len);
bool lgwrite(struct lguest *lg, unsigned long addr, const void *b,
	     unsigned int len);
__printf(2, 3) void kill_guest(struct lguest *lg, const char *fmt, ...);
void guest_exit(struct lguest *lg, u32 reason, u32 a0, u32 a1);
void lguest_raise_irq(struct lguest *lg, unsigned int irq);
void lguest_init_id(struct lguest *lg);
void lguest_init_timer(struct lguest *lg);

/* hypercalls.c */
void do_hypercalls(struct lguest *lg);
void do_one_hypercall(struct lguest *lg, struct lguest_hcall_args *args);

/* interrupts_and_traps.c */
bool deliver_trap(struct lguest *lg, unsigned int num);
bool lguest_blocked_irqs(struct lguest *lg, unsigned long *blocked);
bool maybe_do_interrupt(struct lguest *lg);
void load_guest_idt_entry(struct lguest *lg, unsigned int num, u32 lo, u32 hi);
void set_guest_stack(struct lguest *lg, unsigned long ss, unsigned long esp);
void copy_traps(const struct lguest *lg, struct lguest_ro_state *state);
bool lguest_emulate_insn(struct lguest *lg);
bool lguest_privileged_insn(struct lguest *lg);
void setup_switcher_idt(struct lguest_ro_state *state,
			const unsigned long *stubs);

/* segments.c */
void lguest_switcher_segments(struct desc_struct *gdt);
void setup_guest_gdt(struct lguest *lg);
void load_guest_gdt_entry(struct lguest *lg, unsigned int i, u32 lo, u32 hi);
void copy_gdt(const struct lguest *lg, struct lguest_ro_state *state);
bool fix_segments(struct lguest *lg);
#if IS_ENABLED(CONFIG_KUNIT)
bool segment_ok(const struct lguest *lg, unsigned long sel, char kind);
#endif

/* page_tables.c */
bool demand_page(struct lguest *lg, unsigned long vaddr, unsigned long err);
void guest_new_pagetable(struct lguest *lg, unsigned long gpgdir,
			 const u32 version[3]);
void guest_flush_tlb(struct lguest *lg, bool kernel);
void guest_flush_tlb_one(struct lguest *lg, unsigned long vaddr);
bool guest_pa(struct lguest *lg, unsigned long vaddr, bool write,
	      unsigned long *pa);
void map_switcher_in_guest(struct lguest *lg, unsigned int cpu);
void free_guest_pagetables(struct lguest *lg);
void guest_set_page_offset(struct lguest *lg, unsigned long page_offset);
bool guest_user_page(const struct lguest *lg, unsigned long vaddr);
void drop_user_page(struct lguest *lg, unsigned long vaddr);

/* io.c */
unsigned long bind_dma(struct lguest *lg, unsigned long key,
		       unsigned long dmas, unsigned long numirq);
void send_dma(struct lguest *lg, unsigned long key, unsigned long pa);
long lguest_get_dma(struct lguest *lg, unsigned long key);
void release_all_dma(struct lguest *lg);

/* stats.c */
void lguest_stats_add(struct lguest *lg);
void lguest_stats_remove(struct lguest *lg);
void lguest_stats_init(void);
void lguest_stats_exit(void);

/* lguest_user.c */
int lguest_device_init(void);
void lguest_device_remove(void);

#endif /* __ASSEMBLY__ */
#endif /* _LGUEST_LG_H */
