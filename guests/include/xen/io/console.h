/* PV console ring shared page (docs/xen-pv-abi.md §10.1). */
#ifndef XENO_XEN_IO_CONSOLE_H
#define XENO_XEN_IO_CONSOLE_H

#define XENCONS_CONNECTED     0
#define XENCONS_DISCONNECTED  1

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <stddef.h>

typedef uint32_t XENCONS_RING_IDX;

struct xencons_interface {
    char in[1024];               /* backend -> guest */
    char out[2048];              /* guest -> backend */
    XENCONS_RING_IDX in_cons, in_prod;
    XENCONS_RING_IDX out_cons, out_prod;
    uint8_t connection;
};

/* Indices are free running; mask by the ring size. */
#define XENCONS_MASK(idx, ring) ((idx) & (sizeof(ring) - 1))

_Static_assert(offsetof(struct xencons_interface, out) == 0x400, "xencons.out");
_Static_assert(offsetof(struct xencons_interface, in_cons) == 0xC00, "xencons.in_cons");
_Static_assert(offsetof(struct xencons_interface, out_prod) == 0xC0C, "xencons.out_prod");
_Static_assert(offsetof(struct xencons_interface, connection) == 0xC10, "xencons.connection");
#endif

#endif /* XENO_XEN_IO_CONSOLE_H */
