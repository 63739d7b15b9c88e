/* event_channel_op() subset (docs/xen-pv-abi.md §7.1). */
#ifndef XENO_XEN_EVENT_CHANNEL_H
#define XENO_XEN_EVENT_CHANNEL_H

#define EVTCHNOP_bind_interdomain  0
#define EVTCHNOP_bind_virq         1
#define EVTCHNOP_bind_pirq         2
#define EVTCHNOP_close             3
#define EVTCHNOP_send              4
#define EVTCHNOP_status            5
#define EVTCHNOP_alloc_unbound     6
#define EVTCHNOP_bind_ipi          7
#define EVTCHNOP_bind_vcpu         8
#define EVTCHNOP_unmask            9
#define EVTCHNOP_reset            10
#define EVTCHNOP_init_control     11

#define EVTCHNSTAT_closed       0
#define EVTCHNSTAT_unbound      1
#define EVTCHNSTAT_interdomain  2
#define EVTCHNSTAT_pirq         3
#define EVTCHNSTAT_virq         4
#define EVTCHNSTAT_ipi          5

/* 2-level ABI limit: 64 words of 64 bits. */
#define EVTCHN_2L_NR_CHANNELS  4096

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <xen/xen.h>

struct evtchn_send {
    evtchn_port_t port;
};

struct evtchn_close {
    evtchn_port_t port;
};

struct evtchn_unmask {
    evtchn_port_t port;
};

struct evtchn_alloc_unbound {
    domid_t dom, remote_dom;
    evtchn_port_t port;        /* OUT */
};

struct evtchn_bind_virq {
    uint32_t virq;
    uint32_t vcpu;
    evtchn_port_t port;        /* OUT */
};

struct evtchn_bind_interdomain {
    domid_t remote_dom;
    evtchn_port_t remote_port;
    evtchn_port_t local_port;  /* OUT */
};

struct evtchn_bind_ipi {
    uint32_t vcpu;
    evtchn_port_t port;        /* OUT */
};

struct evtchn_status {
    domid_t dom;               /* DOMID_SELF or (privileged) any */
    evtchn_port_t port;
    uint32_t status;           /* OUT: EVTCHNSTAT_* */
    uint32_t vcpu;             /* OUT: vCPU the port notifies */
    union {
        struct { domid_t dom; } unbound;
        struct { domid_t dom; evtchn_port_t port; } interdomain;
        uint32_t pirq;
        uint32_t virq;
    } u;
};

_Static_assert(sizeof(struct evtchn_bind_interdomain) == 12, "evtchn_bind_interdomain");
_Static_assert(sizeof(struct evtchn_bind_ipi) == 8, "evtchn_bind_ipi");
_Static_assert(sizeof(struct evtchn_status) == 24, "evtchn_status");
_Static_assert(sizeof(struct evtchn_alloc_unbound) == 8, "evtchn_alloc_unbound");
_Static_assert(sizeof(struct evtchn_bind_virq) == 12, "evtchn_bind_virq");
#endif

#endif /* XENO_XEN_EVENT_CHANNEL_H */
