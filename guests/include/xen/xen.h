/*
 * Core of the Xen x86_64 PV guest ABI: hypercall numbers, MMU commands,
 * start_info / shared_info / vcpu_info layouts.
 *
 * Written for Xenoserver guests from docs/xen-pv-abi.md (§1, §3.4, §4, §5);
 * layouts are asserted at compile time. Constants are usable from assembly.
 */
#ifndef XENO_XEN_XEN_H
#define XENO_XEN_XEN_H

#include <xen/arch-x86_64.h>

/* Hypercall numbers (§1.1). */
#define __HYPERVISOR_set_trap_table                  0
#define __HYPERVISOR_mmu_update                      1
#define __HYPERVISOR_set_gdt                         2
#define __HYPERVISOR_stack_switch                    3
#define __HYPERVISOR_set_callbacks                   4
#define __HYPERVISOR_fpu_taskswitch                  5
#define __HYPERVISOR_sched_op_compat                 6
#define __HYPERVISOR_platform_op                     7
#define __HYPERVISOR_set_debugreg                    8
#define __HYPERVISOR_get_debugreg                    9
#define __HYPERVISOR_update_descriptor              10
#define __HYPERVISOR_memory_op                      12
#define __HYPERVISOR_multicall                      13
#define __HYPERVISOR_update_va_mapping              14
#define __HYPERVISOR_set_timer_op                   15
#define __HYPERVISOR_event_channel_op_compat        16
#define __HYPERVISOR_xen_version                    17
#define __HYPERVISOR_console_io                     18
#define __HYPERVISOR_physdev_op_compat              19
#define __HYPERVISOR_grant_table_op                 20
#define __HYPERVISOR_vm_assist                      21
#define __HYPERVISOR_update_va_mapping_otherdomain  22
#define __HYPERVISOR_iret                           23
#define __HYPERVISOR_vcpu_op                        24
#define __HYPERVISOR_set_segment_base               25
#define __HYPERVISOR_mmuext_op                      26
#define __HYPERVISOR_xsm_op                         27
#define __HYPERVISOR_nmi_op                         28
#define __HYPERVISOR_sched_op                       29
#define __HYPERVISOR_callback_op                    30
#define __HYPERVISOR_xenoprof_op                    31
#define __HYPERVISOR_event_channel_op               32
#define __HYPERVISOR_physdev_op                     33
#define __HYPERVISOR_hvm_op                         34
#define __HYPERVISOR_sysctl                         35
#define __HYPERVISOR_domctl                         36
#define __HYPERVISOR_arch_0                         48

/* The hypercall page: 128 stubs of 32 bytes (§1.3). */
#define HYPERCALL_STUB_SIZE   32
#define HYPERCALL_PAGE_STUBS  128

/* mmu_update commands: ptr[1:0] (§5.3). */
#define MMU_NORMAL_PT_UPDATE        0
#define MMU_MACHPHYS_UPDATE         1
#define MMU_PT_UPDATE_PRESERVE_AD   2
#define MMU_PT_UPDATE_NO_TRANSLATE  3

/* mmuext_op commands (§5.4). */
#define MMUEXT_PIN_L1_TABLE       0
#define MMUEXT_PIN_L2_TABLE       1
#define MMUEXT_PIN_L3_TABLE       2
#define MMUEXT_PIN_L4_TABLE       3
#define MMUEXT_UNPIN_TABLE        4
#define MMUEXT_NEW_BASEPTR        5
#define MMUEXT_TLB_FLUSH_LOCAL    6
#define MMUEXT_INVLPG_LOCAL       7
#define MMUEXT_TLB_FLUSH_MULTI    8
#define MMUEXT_INVLPG_MULTI       9
#define MMUEXT_TLB_FLUSH_ALL     10
#define MMUEXT_INVLPG_ALL        11
#define MMUEXT_FLUSH_CACHE       12
#define MMUEXT_SET_LDT           13
#define MMUEXT_NEW_USER_BASEPTR  15
#define MMUEXT_CLEAR_PAGE        16
#define MMUEXT_COPY_PAGE         17
#define MMUEXT_FLUSH_CACHE_GLOBAL 18
#define MMUEXT_MARK_SUPER        19
#define MMUEXT_UNMARK_SUPER      20

/* update_va_mapping flags (§5.5). */
#define UVMF_NONE            0
#define UVMF_TLB_FLUSH       1
#define UVMF_INVLPG          2
#define UVMF_FLUSHTYPE_MASK  3
#define UVMF_MULTI           0
#define UVMF_LOCAL           0
#define UVMF_ALL             4

/* console_io commands (§9.3). */
#define CONSOLEIO_write  0
#define CONSOLEIO_read   1

/* vm_assist (§6.9). */
#define VMASST_CMD_enable                  0
#define VMASST_CMD_disable                 1
#define VMASST_TYPE_4gb_segments           0
#define VMASST_TYPE_4gb_segments_notify    1
#define VMASST_TYPE_writable_pagetables    2
#define VMASST_TYPE_pae_extended_cr3       3
#define VMASST_TYPE_architectural_iopl     4
#define VMASST_TYPE_runstate_update_flag   5
#define VMASST_TYPE_m2p_strict            32

/* Domain ids. */
#define DOMID_FIRST_RESERVED  0x7FF0
#define DOMID_SELF            0x7FF0
#define DOMID_IO              0x7FF1
#define DOMID_XEN             0x7FF2
#define DOMID_INVALID         0x7FF4

/* VIRQs (§7.2). */
#define VIRQ_TIMER      0
#define VIRQ_DEBUG      1
#define VIRQ_CONSOLE    2
#define VIRQ_DOM_EXC    3
#define VIRQ_CON_RING   8
#define NR_VIRQS       24

/* start_info.flags (§4.1). */
#define SIF_PRIVILEGED       (1 << 0)
#define SIF_INITDOMAIN       (1 << 1)
#define SIF_MULTIBOOT_MOD    (1 << 2)
#define SIF_MOD_START_PFN    (1 << 3)
#define SIF_VIRT_P2M_4TOOLS  (1 << 4)

#define MAX_GUEST_CMDLINE     1024
#define XEN_LEGACY_MAX_VCPUS    32

#define INVALID_M2P_ENTRY  (~0UL)
#define INVALID_P2M_ENTRY  (~0UL)

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <stddef.h>

typedef uint16_t domid_t;
typedef uint64_t xen_pfn_t;
typedef uint64_t xen_ulong_t;
typedef uint32_t evtchn_port_t;

struct mmu_update {
    uint64_t ptr;   /* machine address of the entry | MMU_* command */
    uint64_t val;
};

struct mmuext_op {
    uint32_t cmd;
    uint32_t _pad;
    union {
        xen_pfn_t mfn;           /* [UN]PIN_*, NEW_BASEPTR, NEW_USER_BASEPTR, CLEAR/COPY_PAGE dst */
        uint64_t  linear_addr;   /* INVLPG_*, SET_LDT */
    } arg1;
    union {
        uint32_t  nr_ents;       /* SET_LDT */
        const void *vcpumask;    /* TLB_FLUSH_MULTI, INVLPG_MULTI */
        xen_pfn_t src_mfn;       /* COPY_PAGE */
    } arg2;
};

struct multicall_entry {
    uint64_t op;
    uint64_t result;
    uint64_t args[6];
};

struct vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t   tsc_shift;
    uint8_t  flags;
    uint8_t  pad1[2];
};

struct vcpu_info {
    uint8_t  evtchn_upcall_pending;
    uint8_t  evtchn_upcall_mask;
    uint8_t  _pad[6];
    uint64_t evtchn_pending_sel;
    struct arch_vcpu_info arch;
    struct vcpu_time_info time;
};

struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    uint64_t evtchn_pending[64];
    uint64_t evtchn_mask[64];
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
    uint32_t wc_sec_hi;
    struct arch_shared_info arch;
};

struct start_info {
    char     magic[32];          /* "xen-3.0-x86_64" */
    uint64_t nr_pages;
    uint64_t shared_info;        /* machine address of the shared info page */
    uint32_t flags;              /* SIF_* */
    uint32_t _pad0;
    xen_pfn_t store_mfn;
    uint32_t store_evtchn;
    uint32_t _pad1;
    union {
        struct {
            xen_pfn_t mfn;
            uint32_t  evtchn;
            uint32_t  _pad;
        } domU;
        struct {
            uint32_t info_off;
            uint32_t info_size;
        } dom0;
    } console;
    uint64_t pt_base;            /* VA of the bootstrap L4 */
    uint64_t nr_pt_frames;
    uint64_t mfn_list;           /* VA of the p2m array */
    uint64_t mod_start;
    uint64_t mod_len;
    char     cmd_line[MAX_GUEST_CMDLINE];
    uint64_t first_p2m_pfn;
    uint64_t nr_p2m_frames;
};

_Static_assert(sizeof(struct mmu_update) == 16, "mmu_update");
_Static_assert(sizeof(struct mmuext_op) == 24, "mmuext_op");
_Static_assert(offsetof(struct mmuext_op, arg1) == 8, "mmuext_op.arg1");
_Static_assert(offsetof(struct mmuext_op, arg2) == 16, "mmuext_op.arg2");
_Static_assert(sizeof(struct multicall_entry) == 64, "multicall_entry");
_Static_assert(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info");
_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info");
_Static_assert(offsetof(struct vcpu_info, evtchn_pending_sel) == 8, "vcpu_info.sel");
_Static_assert(offsetof(struct vcpu_info, arch) == 0x10, "vcpu_info.arch");
_Static_assert(offsetof(struct vcpu_info, time) == 0x20, "vcpu_info.time");
_Static_assert(offsetof(struct shared_info, evtchn_pending) == 0x800, "shared_info.pending");
_Static_assert(offsetof(struct shared_info, evtchn_mask) == 0xA00, "shared_info.mask");
_Static_assert(offsetof(struct shared_info, wc_version) == 0xC00, "shared_info.wc");
_Static_assert(offsetof(struct shared_info, arch) == 0xC10, "shared_info.arch");
_Static_assert(sizeof(struct shared_info) == 0xC40, "shared_info");
_Static_assert(offsetof(struct start_info, nr_pages) == 0x20, "start_info.nr_pages");
_Static_assert(offsetof(struct start_info, flags) == 0x30, "start_info.flags");
_Static_assert(offsetof(struct start_info, store_mfn) == 0x38, "start_info.store_mfn");
_Static_assert(offsetof(struct start_info, store_evtchn) == 0x40, "start_info.store_evtchn");
_Static_assert(offsetof(struct start_info, console) == 0x48, "start_info.console");
_Static_assert(offsetof(struct start_info, console.domU.evtchn) == 0x50, "start_info.console.evtchn");
_Static_assert(offsetof(struct start_info, pt_base) == 0x58, "start_info.pt_base");
_Static_assert(offsetof(struct start_info, mfn_list) == 0x68, "start_info.mfn_list");
_Static_assert(offsetof(struct start_info, cmd_line) == 0x80, "start_info.cmd_line");
_Static_assert(offsetof(struct start_info, first_p2m_pfn) == 0x480, "start_info.first_p2m_pfn");
_Static_assert(sizeof(struct start_info) == 0x490, "start_info");
#endif /* !__ASSEMBLY__ */

#endif /* XENO_XEN_XEN_H */
