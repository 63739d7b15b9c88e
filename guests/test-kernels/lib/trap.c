/*
 * C side of trap handling: records every trap in last_trap, resolves
 * expected faults through the exception table, handles event upcalls, and
 * fails the test on anything unexpected (with a register dump).
 */
#include "rt.h"

volatile struct trap_record last_trap;
bool (*trap_hook)(struct trap_frame *f);
void (*syscall_hook)(struct trap_frame *f);
void (*failsafe_hook)(struct failsafe_frame *f);
int next_kernel_return_mode = -1;

volatile unsigned long events_upcalls;
volatile unsigned long last_event_cs, last_event_frame_top;
volatile uint64_t events_seen[64];

struct extable_entry {
    uint64_t fault, fixup;
};
extern const struct extable_entry __start_extable[], __stop_extable[];

void trap_reset(void)
{
    memset((void *)&last_trap, 0, sizeof(last_trap));
}

static uint64_t extable_find(uint64_t rip)
{
    for (const struct extable_entry *e = __start_extable; e < __stop_extable; e++)
        if (e->fault == rip)
            return e->fixup;
    return 0;
}

static const char *vector_name(unsigned long v)
{
    static const char *const names[] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#09",
        "#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM",
    };
    if (v < ARRAY_SIZE(names))
        return names[v];
    if (v == VEC_EVENT)
        return "event";
    if (v == VEC_SYSCALL)
        return "syscall";
    return "int";
}

static noreturn void unexpected(struct trap_frame *f, const char *why)
{
    printk("%s: unexpected %s (vector %#lx) err=%#lx rip=%#lx cs=%#lx rflags=%#lx rsp=%#lx ss=%#lx\n",
           TEST_NAME, vector_name(f->vector), f->vector, f->error_code, f->rip, f->cs,
           f->rflags, f->rsp, f->ss);
    printk("%s:   rax=%#lx rbx=%#lx rcx=%#lx rdx=%#lx rsi=%#lx rdi=%#lx rbp=%#lx\n",
           TEST_NAME, f->rax, f->rbx, f->rcx, f->rdx, f->rsi, f->rdi, f->rbp);
    printk("%s:   r8=%#lx r9=%#lx r10=%#lx r11=%#lx r12=%#lx r13=%#lx r14=%#lx r15=%#lx\n",
           TEST_NAME, f->r8, f->r9, f->r10, f->r11, f->r12, f->r13, f->r14, f->r15);
    if (f->vector == X86_EXC_PF && vcpu)
        printk("%s:   cr2=%#lx\n", TEST_NAME, (unsigned long)vcpu->arch.cr2);
    test_fail_at("trap.c", 0, "unexpected %s (vector %#lx) err=%#lx at rip=%#lx (%s mode)%s%s",
                 vector_name(f->vector), f->vector, f->error_code, f->rip,
                 (f->cs & 3) == 3 ? "user" : "kernel", why ? ": " : "", why ? why : "");
}

bool evtchn_test_and_clear_seen(evtchn_port_t port)
{
    uint64_t bit = 1UL << (port % 64);
    if (!(events_seen[port / 64] & bit))
        return false;
    events_seen[port / 64] &= ~bit;
    return true;
}

/* 2-level event demux (docs §7.3, guest side). */
static void event_upcall(void)
{
    events_upcalls++;
    ACCESS_ONCE(vcpu->evtchn_upcall_pending) = 0;
    barrier();
    uint64_t sel = __atomic_exchange_n(&vcpu->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned int w = __builtin_ctzl(sel);
        sel &= sel - 1;
        uint64_t pend = ACCESS_ONCE(shared->evtchn_pending[w]) & ~ACCESS_ONCE(shared->evtchn_mask[w]);
        while (pend) {
            unsigned int b = __builtin_ctzl(pend);
            pend &= pend - 1;
            __atomic_fetch_and(&shared->evtchn_pending[w], ~(1UL << b), __ATOMIC_SEQ_CST);
            events_seen[w] |= 1UL << b;
        }
    }
}

void trap_dispatch(struct trap_frame *f)
{
    bool from_user = (f->cs & 3) == 3;

    if (!vcpu)
        unexpected(f, "trap before shared_info was mapped");
    f->ret_mode = TRAP_RET_IRET;

    if (f->vector == VEC_EVENT) {
        last_event_cs = f->cs;
        last_event_frame_top = (unsigned long)(&f->ss + 1);
        event_upcall();
        return;
    }
    if (f->vector == VEC_SYSCALL) {
        if (!syscall_hook)
            unexpected(f, "no syscall handler in this kernel");
        syscall_hook(f);
        return;
    }

    if (!from_user && next_kernel_return_mode >= 0) {
        f->ret_mode = next_kernel_return_mode;
        next_kernel_return_mode = -1;
    }

    last_trap.count++;
    last_trap.vector = f->vector;
    last_trap.error_code = f->error_code;
    last_trap.rip = f->rip;
    last_trap.cs = f->cs;
    last_trap.rflags = f->rflags;
    last_trap.rsp = f->rsp;
    last_trap.ss = f->ss;
    last_trap.saved_mask = (f->cs >> 32) & 0xff;
    last_trap.mask_in_handler = vcpu->evtchn_upcall_mask;
    last_trap.from_user = from_user;
    last_trap.frame_top = (unsigned long)(&f->ss + 1);
    last_trap.cr2 = f->vector == X86_EXC_PF ? vcpu->arch.cr2 : 0;
    last_trap.fixup = 0;
    if (f->vector < 256)
        last_trap.per_vector[f->vector]++;

    if (trap_hook && trap_hook(f))
        return;

    uint64_t fixup = extable_find(f->rip);
    if (fixup) {
        last_trap.fixup = fixup;
        f->rip = fixup;
        return;
    }

    switch (f->vector) {
    case X86_EXC_BP:          /* trap: RIP already after int3 */
    case X86_EXC_NM:          /* Xen cleared virtual TS: retry the instruction */
    case SOFTINT_DPL3:
    case SOFTINT_DPL1:
    case SOFTINT_DPL3_MASK:
    case SOFTINT_LINUX:
        return;
    default:
        unexpected(f, NULL);
    }
}

void failsafe_dispatch(struct failsafe_frame *f)
{
    if (failsafe_hook) {
        failsafe_hook(f);
        return;
    }
    test_fail_at("trap.c", 0,
                 "failsafe callback: ds=%#lx es=%#lx fs=%#lx gs=%#lx rip=%#lx cs=%#lx rsp=%#lx",
                 f->ds, f->es, f->fs, f->gs, f->rip, f->cs, f->rsp);
}
