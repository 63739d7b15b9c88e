/* vcpu_op() commands and arguments (docs/xen-pv-abi.md §9.6). */
#ifndef XENO_XEN_VCPU_H
#define XENO_XEN_VCPU_H

#define VCPUOP_initialise                     0
#define VCPUOP_up                             1
#define VCPUOP_down                           2
#define VCPUOP_is_up                          3
#define VCPUOP_get_runstate_info              4
#define VCPUOP_register_runstate_memory_area  5
#define VCPUOP_set_periodic_timer             6
#define VCPUOP_stop_periodic_timer            7
#define VCPUOP_set_singleshot_timer           8
#define VCPUOP_stop_singleshot_timer          9
#define VCPUOP_register_vcpu_info            10
#define VCPUOP_send_nmi                      11
#define VCPUOP_get_physid                    12
#define VCPUOP_register_vcpu_time_memory_area 13

#define RUNSTATE_running   0
#define RUNSTATE_runnable  1
#define RUNSTATE_blocked   2
#define RUNSTATE_offline   3

#define XEN_RUNSTATE_UPDATE  (1ULL << 63)

#ifndef __ASSEMBLY__
#include <stdint.h>

struct vcpu_runstate_info {
    int32_t  state;
    uint32_t _pad;
    uint64_t state_entry_time;
    uint64_t time[4];
};

struct vcpu_register_runstate_memory_area {
    struct vcpu_runstate_info *v;   /* guest virtual address */
};

struct vcpu_register_vcpu_info {
    uint64_t mfn;
    uint32_t offset;
    uint32_t rsvd;
};

struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns;
    uint32_t flags;
    uint32_t _pad;
};

struct vcpu_set_periodic_timer {
    uint64_t period_ns;
};

_Static_assert(sizeof(struct vcpu_runstate_info) == 48, "vcpu_runstate_info");
_Static_assert(sizeof(struct vcpu_register_vcpu_info) == 16, "vcpu_register_vcpu_info");
#endif

#endif /* XENO_XEN_VCPU_H */
