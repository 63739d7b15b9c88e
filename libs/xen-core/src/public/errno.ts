/**
 * Xen's errno values (xen/include/public/errno.h). Hypercalls return the negative value.
 */
export const XEN_EPERM = 1;
export const XEN_ENOENT = 2;
export const XEN_ESRCH = 3;
export const XEN_EINTR = 4;
export const XEN_EIO = 5;
export const XEN_E2BIG = 7;
export const XEN_EAGAIN = 11;
export const XEN_ENOMEM = 12;
export const XEN_EACCES = 13;
export const XEN_EFAULT = 14;
export const XEN_EBUSY = 16;
export const XEN_EEXIST = 17;
export const XEN_EXDEV = 18;
export const XEN_ENODEV = 19;
export const XEN_EINVAL = 22;
export const XEN_ENOSPC = 28;
export const XEN_EDOM = 33;
export const XEN_ERANGE = 34;
export const XEN_ENOSYS = 38;
export const XEN_ENODATA = 61;
export const XEN_ETIME = 62;
export const XEN_EOPNOTSUPP = 95;
export const XEN_ENOBUFS = 105;
export const XEN_EISCONN = 106;
export const XEN_ETIMEDOUT = 110;

/** A hypercall-level result: 0 / positive on success, `-XEN_E*` on failure. */
export type HypercallResult = number;
