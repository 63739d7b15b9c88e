/*
 * x86_64 PV specifics of the Xen ABI: selectors, reserved VA range,
 * iret frame, register/context layouts, trap table entries.
 * Written from docs/xen-pv-abi.md §3.6, §6, §9.6.1 (offsets asserted below).
 * Usable from assembly (constants only) and C.
 */
#ifndef XENO_XEN_ARCH_X86_64_H
#define XENO_XEN_ARCH_X86_64_H

/* Flat selectors in the Xen-reserved GDT page (§6.7). Kernel and user share them. */
#define FLAT_RING3_CS32   0xe023
#define FLAT_RING3_CS64   0xe033
#define FLAT_RING3_DS32   0xe02b
#define FLAT_RING3_DS64   0x0000
#define FLAT_RING3_SS32   0xe02b
#define FLAT_RING3_SS64   0xe02b

#define FLAT_KERNEL_CS    FLAT_RING3_CS64
#define FLAT_KERNEL_DS    FLAT_RING3_DS64
#define FLAT_KERNEL_SS    FLAT_RING3_SS64
#define FLAT_USER_CS      FLAT_RING3_CS64
#define FLAT_USER_CS32    FLAT_RING3_CS32
#define FLAT_USER_DS      FLAT_RING3_DS64
#define FLAT_USER_SS      FLAT_RING3_SS64

/* First GDT entry reserved for Xen (GDT page 14); set_gdt entries must be <= this. */
#define FIRST_RESERVED_GDT_PAGE   14
#define FIRST_RESERVED_GDT_ENTRY  (FIRST_RESERVED_GDT_PAGE * 512)

/* Hypervisor-reserved virtual range (L4 slots 256..271) and the RO M2P table. */
#define HYPERVISOR_VIRT_START  0xFFFF800000000000
#define HYPERVISOR_VIRT_END    0xFFFF880000000000
#define MACH2PHYS_VIRT_START   0xFFFF800000000000
#define MACH2PHYS_VIRT_END     0xFFFF804000000000
#define MACH2PHYS_NR_ENTRIES   ((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3)

/* set_segment_base() selectors (§6.5). */
#define SEGBASE_FS           0
#define SEGBASE_GS_USER      1
#define SEGBASE_GS_KERNEL    2
#define SEGBASE_GS_USER_SEL  3

/* vcpu_guest_context.flags and iret_context.flags (§6.6, §9.6.1). */
#define VGCF_i387_valid                (1 << 0)
#define VGCF_in_kernel                 (1 << 2)
#define VGCF_failsafe_disables_events  (1 << 3)
#define VGCF_syscall_disables_events   (1 << 4)
#define VGCF_online                    (1 << 5)
#define VGCF_in_syscall                (1 << 8)

/* trap_info.flags: bits 0-1 = DPL allowed to use INT n, bit 2 = mask events. */
#define TI_DPL_MASK        3
#define TI_MASK_EVENTS     4

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <stddef.h>

/* Frame consumed by HYPERVISOR_iret: RSP points at rax (§6.6). */
struct iret_context {
    uint64_t rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};

/* One trap table entry for HYPERVISOR_set_trap_table (§6.1). */
struct trap_info {
    uint8_t  vector;
    uint8_t  flags;
    uint16_t cs;
    uint32_t _pad;
    uint64_t address;   /* 0 terminates the table */
};

struct arch_vcpu_info {
    uint64_t cr2;
    uint64_t pad;
};

struct arch_shared_info {
    uint64_t max_pfn;
    uint64_t pfn_to_mfn_frame_list_list;
    uint64_t nmi_reason;
    uint64_t p2m_cr3;
    uint64_t p2m_vaddr;
    uint64_t p2m_generation;
};

/* Register file as stored in vcpu_guest_context (200 bytes). */
struct cpu_user_regs {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
    uint64_t rax, rcx, rdx, rsi, rdi;
    uint32_t error_code;
    uint32_t entry_vector;
    uint64_t rip;
    uint16_t cs, _pad0[1];
    uint8_t  saved_upcall_mask;
    uint8_t  _pad1[3];
    uint64_t rflags;
    uint64_t rsp;
    uint16_t ss, _pad2[3];
    uint16_t es, _pad3[3];
    uint16_t ds, _pad4[3];
    uint16_t fs, _pad5[3];
    uint16_t gs, _pad6[3];
};

/* VCPUOP_initialise argument (5168 bytes). */
struct vcpu_guest_context {
    uint8_t  fpu_ctxt[512];
    uint64_t flags;
    struct cpu_user_regs user_regs;
    struct trap_info trap_ctxt[256];
    uint64_t ldt_base, ldt_ents;
    uint64_t gdt_frames[16], gdt_ents;
    uint64_t kernel_ss, kernel_sp;
    uint64_t ctrlreg[8];       /* ctrlreg[3] = kernel CR3, ctrlreg[1] = user CR3 */
    uint64_t debugreg[8];
    uint64_t event_callback_eip;
    uint64_t failsafe_callback_eip;
    uint64_t syscall_callback_eip;
    uint64_t vm_assist;
    uint64_t fs_base;
    uint64_t gs_base_kernel;
    uint64_t gs_base_user;
};

#define xen_pfn_to_cr3(pfn) ((uint64_t)(pfn) << 12)
#define xen_cr3_to_pfn(cr3) ((uint64_t)(cr3) >> 12)

_Static_assert(sizeof(struct iret_context) == 72, "iret_context");
_Static_assert(sizeof(struct trap_info) == 16, "trap_info");
_Static_assert(sizeof(struct cpu_user_regs) == 200, "cpu_user_regs");
_Static_assert(offsetof(struct cpu_user_regs, rip) == 128, "cpu_user_regs.rip");
_Static_assert(offsetof(struct cpu_user_regs, ss) == 160, "cpu_user_regs.ss");
_Static_assert(offsetof(struct cpu_user_regs, gs) == 192, "cpu_user_regs.gs");
_Static_assert(sizeof(struct vcpu_guest_context) == 0x1430, "vcpu_guest_context");
_Static_assert(offsetof(struct vcpu_guest_context, user_regs) == 0x208, "vgc.user_regs");
_Static_assert(offsetof(struct vcpu_guest_context, trap_ctxt) == 0x2D0, "vgc.trap_ctxt");
_Static_assert(offsetof(struct vcpu_guest_context, ldt_base) == 0x12D0, "vgc.ldt_base");
_Static_assert(offsetof(struct vcpu_guest_context, gdt_frames) == 0x12E0, "vgc.gdt_frames");
_Static_assert(offsetof(struct vcpu_guest_context, gdt_ents) == 0x1360, "vgc.gdt_ents");
_Static_assert(offsetof(struct vcpu_guest_context, kernel_ss) == 0x1368, "vgc.kernel_ss");
_Static_assert(offsetof(struct vcpu_guest_context, ctrlreg) == 0x1378, "vgc.ctrlreg");
_Static_assert(offsetof(struct vcpu_guest_context, debugreg) == 0x13B8, "vgc.debugreg");
_Static_assert(offsetof(struct vcpu_guest_context, event_callback_eip) == 0x13F8, "vgc.event");
_Static_assert(offsetof(struct vcpu_guest_context, failsafe_callback_eip) == 0x1400, "vgc.failsafe");
_Static_assert(offsetof(struct vcpu_guest_context, syscall_callback_eip) == 0x1408, "vgc.syscall");
_Static_assert(offsetof(struct vcpu_guest_context, gs_base_user) == 0x1428, "vgc.gs_base_user");
#endif /* !__ASSEMBLY__ */

#endif /* XENO_XEN_ARCH_X86_64_H */
