/*
 * Hypercalls through the hypercall page (docs/xen-pv-abi.md §1.2, §1.3).
 *
 * The domain builder fills `hypercall_page` (XEN_ELFNOTE_HYPERCALL_PAGE);
 * stub i sits at offset i*32 and does "push rcx; push r11; mov $i,eax;
 * syscall; pop r11; pop rcx; ret". Arguments go in RDI, RSI, RDX, R10, R8;
 * all argument registers are treated as clobbered because debug builds of
 * Xen poison them.
 */
#ifndef XENOLITE_HYPERCALL_H
#define XENOLITE_HYPERCALL_H

#include <stdint.h>
#include <xen/xen.h>

extern uint8_t hypercall_page[4096];

#define _hypercall5(nr, a1, a2, a3, a4, a5) ({                                 \
    long _ret;                                                                 \
    register unsigned long _a1 __asm__("rdi") = (unsigned long)(a1);           \
    register unsigned long _a2 __asm__("rsi") = (unsigned long)(a2);           \
    register unsigned long _a3 __asm__("rdx") = (unsigned long)(a3);           \
    register unsigned long _a4 __asm__("r10") = (unsigned long)(a4);           \
    register unsigned long _a5 __asm__("r8")  = (unsigned long)(a5);           \
    __asm__ volatile("call hypercall_page + %c[off]"                           \
                     : "=a"(_ret), "+r"(_a1), "+r"(_a2), "+r"(_a3), "+r"(_a4), \
                       "+r"(_a5)                                               \
                     : [off] "i"((nr) * 32)                                    \
                     : "memory", "rcx", "r11");                                \
    _ret;                                                                      \
})

#define HYPERVISOR_set_trap_table(t)           _hypercall5(__HYPERVISOR_set_trap_table, t, 0, 0, 0, 0)
#define HYPERVISOR_mmu_update(r, n, done, fd)  _hypercall5(__HYPERVISOR_mmu_update, r, n, done, fd, 0)
#define HYPERVISOR_stack_switch(ss, sp)        _hypercall5(__HYPERVISOR_stack_switch, ss, sp, 0, 0, 0)
#define HYPERVISOR_update_va_mapping(va, pte, f) _hypercall5(__HYPERVISOR_update_va_mapping, va, pte, f, 0, 0)
#define HYPERVISOR_set_timer_op(ns)            _hypercall5(__HYPERVISOR_set_timer_op, ns, 0, 0, 0, 0)
#define HYPERVISOR_xen_version(cmd, arg)       _hypercall5(__HYPERVISOR_xen_version, cmd, arg, 0, 0, 0)
#define HYPERVISOR_console_io(cmd, n, buf)     _hypercall5(__HYPERVISOR_console_io, cmd, n, buf, 0, 0)
#define HYPERVISOR_vcpu_op(cmd, vcpu, arg)     _hypercall5(__HYPERVISOR_vcpu_op, cmd, vcpu, arg, 0, 0)
#define HYPERVISOR_mmuext_op(ops, n, done, fd) _hypercall5(__HYPERVISOR_mmuext_op, ops, n, done, fd, 0)
#define HYPERVISOR_sched_op(cmd, arg)          _hypercall5(__HYPERVISOR_sched_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_callback_op(cmd, arg)       _hypercall5(__HYPERVISOR_callback_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_event_channel_op(cmd, arg)  _hypercall5(__HYPERVISOR_event_channel_op, cmd, arg, 0, 0, 0)

#endif /* XENOLITE_HYPERCALL_H */
