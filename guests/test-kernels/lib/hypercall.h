/*
 * Hypercall transport for the test kernels (docs/xen-pv-abi.md §1.2, §1.3).
 *
 * Two transports exist and both are exercised:
 *   - XEN_HCALL_PAGE=1: "call hypercall_page + nr*32" (page filled by the
 *     domain builder from the XEN_ELFNOTE_HYPERCALL_PAGE note);
 *   - XEN_HCALL_PAGE=0: an inline SYSCALL with RAX = nr.
 * The build selects one per kernel; raw_hypercallN() always uses SYSCALL and
 * page_hypercallN() calls through an arbitrary page (e.g. one installed via
 * the hypercall MSR), so a kernel can compare paths.
 *
 * Arguments go in RDI, RSI, RDX, R10, R8. All argument registers, RCX and R11
 * are treated as clobbered (debug Xen poisons used argument registers).
 */
#ifndef TK_HYPERCALL_H
#define TK_HYPERCALL_H

#include <stdint.h>
#include <xen/xen.h>

#ifndef XEN_HCALL_PAGE
#error "XEN_HCALL_PAGE must be defined to 0 or 1 by the build"
#endif

extern uint8_t hypercall_page[4096];

#define _HC_DECLARE_ARGS(a1, a2, a3, a4, a5)                                   \
    register unsigned long _a1 __asm__("rdi") = (unsigned long)(a1);           \
    register unsigned long _a2 __asm__("rsi") = (unsigned long)(a2);           \
    register unsigned long _a3 __asm__("rdx") = (unsigned long)(a3);           \
    register unsigned long _a4 __asm__("r10") = (unsigned long)(a4);           \
    register unsigned long _a5 __asm__("r8")  = (unsigned long)(a5);           \
    register unsigned long _a6 __asm__("r9");

#define _HC_OUTPUTS "=a"(_ret), "+r"(_a1), "+r"(_a2), "+r"(_a3), "+r"(_a4), "+r"(_a5), "=r"(_a6)

/* SYSCALL from guest kernel mode: always available. */
#define raw_hypercall5(nr, a1, a2, a3, a4, a5) ({                              \
    long _ret;                                                                 \
    _HC_DECLARE_ARGS(a1, a2, a3, a4, a5)                                       \
    __asm__ volatile("syscall"                                                 \
                     : _HC_OUTPUTS                                             \
                     : "0"((unsigned long)(nr))                                \
                     : "memory", "rcx", "r11");                                \
    (void)_a6;                                                                 \
    _ret;                                                                      \
})

/* Call through the stub of a page at runtime address `page` (any number). */
#define page_hypercall5(page, nr, a1, a2, a3, a4, a5) ({                       \
    long _ret;                                                                 \
    unsigned long _target = (unsigned long)(page) + (unsigned long)(nr) * 32;  \
    _HC_DECLARE_ARGS(a1, a2, a3, a4, a5)                                       \
    __asm__ volatile("call *%[t]"                                              \
                     : _HC_OUTPUTS                                             \
                     : [t] "m"(_target)                                        \
                     : "memory", "rcx", "r11");                                \
    (void)_a6;                                                                 \
    _ret;                                                                      \
})

#if XEN_HCALL_PAGE
/* nr must be a compile-time constant here. */
#define hypercall5(nr, a1, a2, a3, a4, a5) ({                                  \
    long _ret;                                                                 \
    _HC_DECLARE_ARGS(a1, a2, a3, a4, a5)                                       \
    __asm__ volatile("call hypercall_page + %c[off]"                           \
                     : _HC_OUTPUTS                                             \
                     : [off] "i"((nr) * 32)                                    \
                     : "memory", "rcx", "r11");                                \
    (void)_a6;                                                                 \
    _ret;                                                                      \
})
#define dyn_hypercall5(nr, a1, a2, a3, a4, a5) \
    page_hypercall5(hypercall_page, nr, a1, a2, a3, a4, a5)
#define HCALL_TRANSPORT_NAME "hypercall-page"
#else
#define hypercall5(nr, a1, a2, a3, a4, a5) raw_hypercall5(nr, a1, a2, a3, a4, a5)
#define dyn_hypercall5(nr, a1, a2, a3, a4, a5) raw_hypercall5(nr, a1, a2, a3, a4, a5)
#define HCALL_TRANSPORT_NAME "syscall"
#endif

#define hypercall0(nr)                 hypercall5(nr, 0, 0, 0, 0, 0)
#define hypercall1(nr, a)              hypercall5(nr, a, 0, 0, 0, 0)
#define hypercall2(nr, a, b)           hypercall5(nr, a, b, 0, 0, 0)
#define hypercall3(nr, a, b, c)        hypercall5(nr, a, b, c, 0, 0)
#define hypercall4(nr, a, b, c, d)     hypercall5(nr, a, b, c, d, 0)

/* Typed wrappers: one per hypercall in scope (§1.1). */
#define HYPERVISOR_set_trap_table(t)            hypercall1(__HYPERVISOR_set_trap_table, t)
#define HYPERVISOR_mmu_update(r, n, done, fd)   hypercall4(__HYPERVISOR_mmu_update, r, n, done, fd)
#define HYPERVISOR_set_gdt(frames, n)           hypercall2(__HYPERVISOR_set_gdt, frames, n)
#define HYPERVISOR_stack_switch(ss, sp)         hypercall2(__HYPERVISOR_stack_switch, ss, sp)
#define HYPERVISOR_set_callbacks(ev, fs, sc)    hypercall3(__HYPERVISOR_set_callbacks, ev, fs, sc)
#define HYPERVISOR_fpu_taskswitch(set)          hypercall1(__HYPERVISOR_fpu_taskswitch, set)
#define HYPERVISOR_sched_op_compat(cmd, arg)    hypercall2(__HYPERVISOR_sched_op_compat, cmd, arg)
#define HYPERVISOR_set_debugreg(reg, val)       hypercall2(__HYPERVISOR_set_debugreg, reg, val)
#define HYPERVISOR_get_debugreg(reg)            hypercall1(__HYPERVISOR_get_debugreg, reg)
#define HYPERVISOR_update_descriptor(ma, d)     hypercall2(__HYPERVISOR_update_descriptor, ma, d)
#define HYPERVISOR_memory_op(cmd, arg)          hypercall2(__HYPERVISOR_memory_op, cmd, arg)
#define HYPERVISOR_multicall(list, n)           hypercall2(__HYPERVISOR_multicall, list, n)
#define HYPERVISOR_update_va_mapping(va, pte, f) hypercall3(__HYPERVISOR_update_va_mapping, va, pte, f)
#define HYPERVISOR_xen_version(cmd, arg)        hypercall2(__HYPERVISOR_xen_version, cmd, arg)
#define HYPERVISOR_console_io(cmd, n, buf)      hypercall3(__HYPERVISOR_console_io, cmd, n, buf)
#define HYPERVISOR_vm_assist(cmd, type)         hypercall2(__HYPERVISOR_vm_assist, cmd, type)
#define HYPERVISOR_vcpu_op(cmd, vcpu, arg)      hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg)
#define HYPERVISOR_set_segment_base(w, base)    hypercall2(__HYPERVISOR_set_segment_base, w, base)
#define HYPERVISOR_mmuext_op(ops, n, done, fd)  hypercall4(__HYPERVISOR_mmuext_op, ops, n, done, fd)
#define HYPERVISOR_nmi_op(cmd, arg)             hypercall2(__HYPERVISOR_nmi_op, cmd, arg)
#define HYPERVISOR_sched_op(cmd, arg)           hypercall2(__HYPERVISOR_sched_op, cmd, arg)
#define HYPERVISOR_callback_op(cmd, arg)        hypercall2(__HYPERVISOR_callback_op, cmd, arg)
#define HYPERVISOR_event_channel_op(cmd, arg)   hypercall2(__HYPERVISOR_event_channel_op, cmd, arg)
#define HYPERVISOR_physdev_op(cmd, arg)         hypercall2(__HYPERVISOR_physdev_op, cmd, arg)

#endif /* TK_HYPERCALL_H */
