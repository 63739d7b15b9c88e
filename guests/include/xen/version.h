/* xen_version() sub-ops and argument layouts (docs/xen-pv-abi.md §9.4). */
#ifndef XENO_XEN_VERSION_H
#define XENO_XEN_VERSION_H

#define XENVER_version              0
#define XENVER_extraversion         1
#define XENVER_compile_info         2
#define XENVER_capabilities         3
#define XENVER_changeset            4
#define XENVER_platform_parameters  5
#define XENVER_get_features         6
#define XENVER_pagesize             7
#define XENVER_guest_handle         8
#define XENVER_commandline          9
#define XENVER_build_id            10
#define XENVER_extraversion2       11
#define XENVER_capabilities2       12
#define XENVER_changeset2          13
#define XENVER_commandline2        14

#ifndef __ASSEMBLY__
#include <stdint.h>

typedef char xen_extraversion_t[16];
typedef char xen_capabilities_info_t[1024];
typedef char xen_changeset_info_t[64];
typedef char xen_commandline_t[1024];
typedef uint8_t xen_domain_handle_t[16];

struct xen_compile_info {
    char compiler[64];
    char compile_by[16];
    char compile_domain[32];
    char compile_date[32];
};

struct xen_platform_parameters {
    uint64_t virt_start;
};

struct xen_feature_info {
    uint32_t submap_idx;   /* IN */
    uint32_t submap;       /* OUT */
};

/* Variable-length buffer used by build_id and the *2 sub-ops. */
struct xen_varbuf {
    uint32_t len;          /* IN: size of buf[] */
    char     buf[];
};

_Static_assert(sizeof(struct xen_compile_info) == 144, "xen_compile_info");
_Static_assert(sizeof(struct xen_feature_info) == 8, "xen_feature_info");
#endif

#endif /* XENO_XEN_VERSION_H */
