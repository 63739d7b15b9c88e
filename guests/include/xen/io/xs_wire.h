/*
 * Xenstore wire protocol and the shared ring page (docs/xen-pv-abi.md §10.2).
 * Written from the ABI document; layouts asserted below.
 */
#ifndef XENO_XEN_IO_XS_WIRE_H
#define XENO_XEN_IO_XS_WIRE_H

/* Message types (xsd_sockmsg.type). */
#define XS_CONTROL              0
#define XS_DIRECTORY            1
#define XS_READ                 2
#define XS_GET_PERMS            3
#define XS_WATCH                4
#define XS_UNWATCH              5
#define XS_TRANSACTION_START    6
#define XS_TRANSACTION_END      7
#define XS_INTRODUCE            8
#define XS_RELEASE              9
#define XS_GET_DOMAIN_PATH     10
#define XS_WRITE               11
#define XS_MKDIR               12
#define XS_RM                  13
#define XS_SET_PERMS           14
#define XS_WATCH_EVENT         15
#define XS_ERROR               16
#define XS_IS_DOMAIN_INTRODUCED 17
#define XS_RESUME              18
#define XS_SET_TARGET          19
#define XS_RESET_WATCHES       21
#define XS_DIRECTORY_PART      22
#define XS_INVALID         0xffff

#define XENSTORE_PAYLOAD_MAX      4096
#define XENSTORE_ABS_PATH_MAX     3072
#define XENSTORE_REL_PATH_MAX     2048
#define XENSTORE_RING_SIZE        1024

/* xenstore_domain_interface.connection / .error */
#define XENSTORE_CONNECTED        0
#define XENSTORE_RECONNECT        1
#define XENSTORE_ERROR_NONE       0
#define XENSTORE_ERROR_COMM       1
#define XENSTORE_ERROR_RINGIDX    2
#define XENSTORE_ERROR_PROTO      3

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <stddef.h>

/* 16-byte header in front of every message; `len` payload bytes follow. */
struct xsd_sockmsg {
    uint32_t type;
    uint32_t req_id;   /* echoed in the reply; 0 in watch events */
    uint32_t tx_id;    /* transaction id, 0 = none */
    uint32_t len;
};

typedef uint32_t XENSTORE_RING_IDX;

/* Free-running indices masked with (XENSTORE_RING_SIZE - 1). */
#define MASK_XENSTORE_IDX(idx) ((idx) & (XENSTORE_RING_SIZE - 1))

struct xenstore_domain_interface {
    char req[XENSTORE_RING_SIZE];   /* guest -> xenstored */
    char rsp[XENSTORE_RING_SIZE];   /* xenstored -> guest: replies and watch events */
    XENSTORE_RING_IDX req_cons, req_prod;
    XENSTORE_RING_IDX rsp_cons, rsp_prod;
    uint32_t server_features;
    uint32_t connection;
    uint32_t error;
    uint32_t evtchn_port;
};

_Static_assert(sizeof(struct xsd_sockmsg) == 16, "xsd_sockmsg");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp) == 0x400, "xs.rsp");
_Static_assert(offsetof(struct xenstore_domain_interface, req_cons) == 0x800, "xs.req_cons");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_prod) == 0x80C, "xs.rsp_prod");
_Static_assert(offsetof(struct xenstore_domain_interface, server_features) == 0x810, "xs.features");
_Static_assert(offsetof(struct xenstore_domain_interface, evtchn_port) == 0x81C, "xs.evtchn_port");
#endif

#endif /* XENO_XEN_IO_XS_WIRE_H */
