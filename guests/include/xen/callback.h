/* callback_op() and nmi_op() (docs/xen-pv-abi.md §6.4). */
#ifndef XENO_XEN_CALLBACK_H
#define XENO_XEN_CALLBACK_H

#define CALLBACKOP_register    0
#define CALLBACKOP_unregister  1

#define CALLBACKTYPE_event                 0
#define CALLBACKTYPE_failsafe              1
#define CALLBACKTYPE_syscall               2
#define CALLBACKTYPE_sysenter_deprecated   3
#define CALLBACKTYPE_nmi                   4
#define CALLBACKTYPE_sysenter              5
#define CALLBACKTYPE_syscall32             7

#define CALLBACKF_mask_events  (1 << 0)

#define XENNMI_register_callback    0
#define XENNMI_unregister_callback  1

#ifndef __ASSEMBLY__
#include <stdint.h>

struct callback_register {
    uint16_t type;
    uint16_t flags;
    uint32_t _pad;
    uint64_t address;
};

struct callback_unregister {
    uint16_t type;
    uint16_t _unused;
};

_Static_assert(sizeof(struct callback_register) == 16, "callback_register");
_Static_assert(sizeof(struct callback_unregister) == 4, "callback_unregister");
#endif

#endif /* XENO_XEN_CALLBACK_H */
