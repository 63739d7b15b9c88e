/* sched_op() commands and arguments (docs/xen-pv-abi.md §9.1). */
#ifndef XENO_XEN_SCHED_H
#define XENO_XEN_SCHED_H

#define SCHEDOP_yield            0
#define SCHEDOP_block            1
#define SCHEDOP_shutdown         2
#define SCHEDOP_poll             3
#define SCHEDOP_remote_shutdown  4
#define SCHEDOP_shutdown_code    5
#define SCHEDOP_watchdog         6
#define SCHEDOP_pin_override     7

#define SHUTDOWN_poweroff    0
#define SHUTDOWN_reboot      1
#define SHUTDOWN_suspend     2
#define SHUTDOWN_crash       3
#define SHUTDOWN_watchdog    4
#define SHUTDOWN_soft_reset  5

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <xen/xen.h>

struct sched_shutdown {
    uint32_t reason;
};

struct sched_remote_shutdown {
    domid_t  domain_id;
    uint16_t _pad;
    uint32_t reason;
};

struct sched_poll {
    evtchn_port_t *ports;
    uint32_t nr_ports;
    uint32_t _pad;
    uint64_t timeout;
};

_Static_assert(sizeof(struct sched_remote_shutdown) == 8, "sched_remote_shutdown");
_Static_assert(sizeof(struct sched_poll) == 24, "sched_poll");
#endif

#endif /* XENO_XEN_SCHED_H */
