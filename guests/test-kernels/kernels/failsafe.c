/*
 * failsafe: the failsafe callback (docs/xen-pv-abi.md §6.3, §9.6).
 *
 * Xen enters the failsafe callback when it cannot load a guest data
 * segment selector while switching to a vCPU. The deterministic way to get
 * there with the public ABI: initialise vCPU1 (VCPUOP_initialise) with
 * %ds = a GDT selector whose descriptor is empty, bring it up, and let its
 * first context switch fail the load. vCPU1's failsafe handler checks the
 * 11-word frame ([RCX,R11,DS,ES,FS,GS,RIP,CS,RFLAGS,RSP,SS]), that events
 * got masked (VGCF_failsafe_disables_events), reports to vCPU0 through
 * memory and takes itself down with VCPUOP_down.
 * Needs a domain with 2 vCPUs (only vCPU0 online at boot).
 */
#include "rt.h"
#include <xen/arch-x86_64.h>

#define BAD_DS SEL_GDT(2, 3)   /* no guest GDT: entry 2 reads as zero */

static struct vcpu_guest_context ctxt;
static char ap_stack[8192] aligned_page;
#define AP_STACK_TOP ((unsigned long)ap_stack + sizeof(ap_stack))

static volatile int ap_state __attribute__((used));               /* 0 waiting, 1 failsafe seen, 2 entry reached */
static volatile struct failsafe_frame ap_frame;
static volatile unsigned long ap_frame_addr, ap_mask_after;
static volatile unsigned long ap_entry_ds __attribute__((used));

void ap_entry(void);
__asm__(".pushsection .text\n\t"
        ".globl ap_entry\n"
        "ap_entry:\n\t"
        "xorl %eax, %eax\n\t"
        "movw %ds, %ax\n\t"
        "movq %rax, ap_entry_ds(%rip)\n\t"
        "movl $2, ap_state(%rip)\n\t"
        "movl $2, %edi\n\t"         /* VCPUOP_down */
        "movl $1, %esi\n\t"         /* vcpu 1 */
        "xorl %edx, %edx\n\t"
        "call hypercall_page + 24 * 32\n\t"
        "1: jmp 1b\n\t"
        ".popsection");

/* Runs on vCPU1. No printing: vCPU0 reports. */
static void ap_failsafe(struct failsafe_frame *f)
{
    ap_frame_addr = (unsigned long)f;
    memcpy((void *)&ap_frame, f, sizeof(*f));
    ap_mask_after = shared->vcpu_info[1].evtchn_upcall_mask;
    barrier();
    ap_state = 1;
    HYPERVISOR_vcpu_op(VCPUOP_down, 1, NULL);
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

void test_main(void)
{
    /* vCPU0 may register a masking failsafe callback too. */
    struct callback_register cb = { .type = CALLBACKTYPE_failsafe, .flags = CALLBACKF_mask_events,
                                    .address = (uint64_t)failsafe_callback_entry };
    CHECK_OK(HYPERVISOR_callback_op(CALLBACKOP_register, &cb));

    long up = HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL);
    if (up == -XEN_ENOENT)
        FAIL("the domain has no vCPU1 (this kernel needs vcpus = 2)");
    CHECK_RC(up, 0);

    ctxt.flags = VGCF_in_kernel | VGCF_failsafe_disables_events;
    ctxt.user_regs.rip = (uint64_t)ap_entry;
    ctxt.user_regs.rsp = AP_STACK_TOP;
    ctxt.user_regs.cs = FLAT_KERNEL_CS;
    ctxt.user_regs.ss = FLAT_KERNEL_SS;
    ctxt.user_regs.rflags = X86_EFLAGS_IF | X86_EFLAGS_MBS;
    ctxt.user_regs.ds = BAD_DS;
    ctxt.kernel_ss = FLAT_KERNEL_SS;
    ctxt.kernel_sp = AP_STACK_TOP;
    ctxt.ctrlreg[3] = xen_pfn_to_cr3(current_l4_mfn());
    ctxt.debugreg[6] = 0xffff0ff0;
    ctxt.debugreg[7] = 0x400;
    ctxt.event_callback_eip = (uint64_t)event_callback_entry;
    ctxt.failsafe_callback_eip = (uint64_t)failsafe_callback_entry;
    for (struct trap_info *t = trap_table; t->address; t++)
        ctxt.trap_ctxt[t->vector] = *t;

    failsafe_hook = ap_failsafe;
    shared->vcpu_info[1].evtchn_upcall_mask = 0;    /* so the masking is visible */

    CHECK_OK(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctxt));
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctxt), -XEN_EEXIST);
    say("vCPU1 initialised with ds=%#x, bringing it up", BAD_DS);
    CHECK_OK(HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL));

    unsigned long spins = 0;
    while (!ap_state && spins++ < 1000000)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    if (ap_state == 0)
        FAIL("vCPU1 never ran (no failsafe callback, entry point not reached)");
    if (ap_state == 2)
        FAIL("vCPU1 reached its entry point with ds=%#lx: the bad selector did not trigger the failsafe callback",
             ap_entry_ds);

    const volatile struct failsafe_frame *f = &ap_frame;
    say("failsafe frame at %#lx: ds=%#lx es=%#lx fs=%#lx gs=%#lx rip=%#lx cs=%#lx rflags=%#lx rsp=%#lx ss=%#lx",
        ap_frame_addr, f->ds, f->es, f->fs, f->gs, f->rip, f->cs, f->rflags, f->rsp, f->ss);
    CHECK_EQ(f->ds & 0xffff, BAD_DS);
    CHECK_EQ(f->es & 0xffff, 0);
    CHECK_EQ(f->rip, (uint64_t)ap_entry);
    CHECK_EQ(f->cs & 0xffff, FLAT_KERNEL_CS & ~3);  /* was in kernel mode */
    CHECK_EQ((f->cs >> 32) & 0xff, 0);              /* saved mask */
    CHECK(f->rflags & X86_EFLAGS_IF);
    CHECK_EQ(f->rsp, AP_STACK_TOP);
    CHECK_EQ(f->ss & 0xffff, FLAT_KERNEL_SS);
    CHECK_EQ(ap_frame_addr, (AP_STACK_TOP & ~15UL) - 11 * 8);
    CHECK_EQ(ap_mask_after, 1);                    /* VGCF_failsafe_disables_events */

    spins = 0;
    while (HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL) != 0 && spins++ < 100000)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    say("vCPU1 took the failsafe callback and went down");
}
