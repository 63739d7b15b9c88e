/*
 * Trap table, callbacks and the C side of every kernel entry.
 *
 * All entries are registered so that Xen masks events on the way in (trap
 * flag TI_MASK_EVENTS, CALLBACKF_mask_events for syscall; the event callback
 * always masks): kernel code never runs with events enabled (kernel.h).
 * Every exit goes through HYPERVISOR_iret, which restores the mask from the
 * frame's RFLAGS.IF.
 */
#include "kernel.h"

#define DECL(v) extern void trap_entry_##v(void)
DECL(0); DECL(1); DECL(2); DECL(3); DECL(4); DECL(5); DECL(6); DECL(7); DECL(8);
DECL(10); DECL(11); DECL(12); DECL(13); DECL(14); DECL(16); DECL(17); DECL(18); DECL(19);
extern void event_entry(void), syscall_entry(void), failsafe_entry(void);

/* DPL 0: INT n from anywhere is refused (#GP); int3 (vector 3) reaches the
 * handler regardless (§11.3). */
#define TE(v) { v, TI_MASK_EVENTS, FLAT_KERNEL_CS, 0, (uint64_t)trap_entry_##v }
static const struct trap_info trap_table[] = {
    TE(0), TE(1), TE(2), TE(3), TE(4), TE(5), TE(6), TE(7), TE(8),
    TE(10), TE(11), TE(12), TE(13), TE(14), TE(16), TE(17), TE(18), TE(19),
    { 0, 0, 0, 0, 0 },
};

static const char *const exc_names[20] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
    "invalid opcode", "device not available", "double fault", "?",
    "invalid TSS", "segment not present", "stack fault", "general protection",
    "page fault", "?", "x87 error", "alignment check", "machine check", "SIMD error",
};

void traps_init(void)
{
    long rc = HYPERVISOR_set_trap_table(trap_table);
    if (rc)
        panic("set_trap_table: %ld", rc);
    const struct callback_register cbs[] = {
        { .type = CALLBACKTYPE_event, .address = (uint64_t)event_entry },
        { .type = CALLBACKTYPE_failsafe, .address = (uint64_t)failsafe_entry },
        { .type = CALLBACKTYPE_syscall, .flags = CALLBACKF_mask_events,
          .address = (uint64_t)syscall_entry },
    };
    for (unsigned int i = 0; i < ARRAY_SIZE(cbs); i++) {
        rc = HYPERVISOR_callback_op(CALLBACKOP_register, &cbs[i]);
        if (rc)
            panic("callback_op(register type %u): %ld", cbs[i].type, rc);
    }
    bootlog("trap table and event/failsafe/syscall callbacks registered\n");
}

static void dump_frame(const struct trap_frame *f)
{
    printk("  rip=%016lx cs=%04lx rflags=%08lx rsp=%016lx ss=%04lx\n", f->rip, f->cs & 0xffff,
           f->rflags, f->rsp, f->ss & 0xffff);
    printk("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    printk("  rsi=%016lx rdi=%016lx rbp=%016lx r8 =%016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
    printk("  r9 =%016lx r10=%016lx r11=%016lx r12=%016lx\n", f->r9, f->r10, f->r11, f->r12);
    printk("  r13=%016lx r14=%016lx r15=%016lx\n", f->r13, f->r14, f->r15);
}

static noreturn void fault(struct trap_frame *f)
{
    static int depth;
    const char *name = f->vector < ARRAY_SIZE(exc_names) ? exc_names[f->vector] : "?";
    char extra[48] = "";
    if (depth++) {
        /* Faulting while reporting a fault: say the least possible. */
        static const char msg[] = "\r\nxenolite: nested kernel fault\r\n";
        console_write(msg, sizeof(msg) - 1);
        struct sched_shutdown s = { .reason = SHUTDOWN_crash };
        for (;;)
            HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
    }
    if (f->vector == X86_EXC_PF && vcpu)
        snprintf(extra, sizeof(extra), " at address %#lx", (unsigned long)vcpu->arch.cr2);

    if (frame_from_user(f)) {
        /* A user program crashed: report it and end the task; init
         * starts a new shell. */
        printk("\n%s[%u]: %s (vector %lu, error %#lx)%s at rip %#lx\n", current->name,
               current->pid, name, f->vector, f->error_code, extra, f->rip);
        depth = 0;
        task_exit(128 + (int)f->vector);
    }
    printk("\nxenolite: kernel %s (vector %lu, error %#lx)%s in task %s\n", name, f->vector,
           f->error_code, extra, current ? current->name : "-");
    dump_frame(f);
    panic("unrecoverable kernel trap");
}

/* Called by trap_common for every entry; returns through HYPERVISOR_iret. */
void trap_entry_c(struct trap_frame *f)
{
    switch (f->vector) {
    case VEC_EVENT:
        events_handle();
        /* Preempt only at the outermost level: an upcall that interrupted
         * user mode may switch tasks (the user context stays on this
         * stack); one that interrupted the idle task's block must not. */
        if (frame_from_user(f) && need_resched())
            schedule();
        break;
    case VEC_SYSCALL:
        syscall_dispatch(f);
        break;
    default:
        fault(f);
    }
    /* iret flags (§6.6): VGCF_in_syscall returns like SYSRET (RCX/R11 are
     * the syscall ABI's clobbers); anything else restores RCX/R11. CS keeps
     * only the selector (bits 32-39 carried the saved upcall mask). */
    f->error_code = f->vector == VEC_SYSCALL ? VGCF_in_syscall : 0;
    f->cs &= 0xffff;
}

struct failsafe_frame {
    uint64_t rcx, r11, ds, es, fs, gs, rip, cs, rflags, rsp, ss;
};

void failsafe_c(struct failsafe_frame *f)
{
    panic("failsafe callback: Xen could not load ds=%#lx es=%#lx fs=%#lx gs=%#lx at rip %#lx",
          f->ds, f->es, f->fs, f->gs, f->rip);
}
