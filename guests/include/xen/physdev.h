/* physdev_op() subset for an unprivileged PV domU (docs/xen-pv-abi.md §9.7). */
#ifndef XENO_XEN_PHYSDEV_H
#define XENO_XEN_PHYSDEV_H

#define PHYSDEVOP_irq_status_query  5
#define PHYSDEVOP_set_iopl          6
#define PHYSDEVOP_set_iobitmap      7

#ifndef __ASSEMBLY__
#include <stdint.h>

struct physdev_set_iopl {
    uint32_t iopl;   /* 0..3 */
};

struct physdev_set_iobitmap {
    uint8_t *bitmap;
    uint32_t nr_ports;
    uint32_t _pad;
};

_Static_assert(sizeof(struct physdev_set_iobitmap) == 16, "physdev_set_iobitmap");
#endif

#endif /* XENO_XEN_PHYSDEV_H */
