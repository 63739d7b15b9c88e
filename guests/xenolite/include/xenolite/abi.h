/*
 * The xenolite system-call ABI, shared by the kernel and user programs.
 *
 * A user program enters the kernel with the SYSCALL instruction. In a PV
 * guest Xen reflects a SYSCALL made in guest user mode to the kernel's
 * registered syscall callback (docs/xen-pv-abi.md §6.4), so this is the same
 * instruction a native program would use:
 *
 *   RAX = number, arguments in RDI, RSI, RDX, R10, R8 (as Linux),
 *   result in RAX: >= 0 success, -XL_E* on error. RCX and R11 are clobbered.
 *
 * Numbers are stable: append, never renumber (the shell binary is embedded
 * in the kernel image, but other programs may not be).
 */
#ifndef XENOLITE_ABI_H
#define XENOLITE_ABI_H

#include <stdint.h>

#define XL_SYS_exit       0   /* (int code) -> does not return */
#define XL_SYS_write      1   /* (const char *buf, size_t len) -> bytes written */
#define XL_SYS_read       2   /* (char *buf, size_t len) -> bytes (>= 1), blocks; -XL_EINTR on Ctrl-C */
#define XL_SYS_sleep      3   /* (uint64_t ns) -> 0, or -XL_EINTR on Ctrl-C */
#define XL_SYS_uptime     4   /* () -> ns of guest (pvclock) time since boot */
#define XL_SYS_gettime    5   /* (struct xl_timespec *) -> 0: UTC wall clock */
#define XL_SYS_ps         6   /* (struct xl_task_info *buf, size_t max) -> entries */
#define XL_SYS_meminfo    7   /* (struct xl_meminfo *) -> 0 */
#define XL_SYS_cpuid      8   /* (uint32_t leaf, uint32_t subleaf, struct xl_cpuid *) -> 0 */
#define XL_SYS_shutdown   9   /* (int XL_SHUTDOWN_*) -> does not return */
#define XL_SYS_yield     10   /* () -> 0, or -XL_EINTR if Ctrl-C was typed (consumes it) */
#define XL_SYS_mmap      11   /* (size_t pages) -> user VA of zeroed RW pages, or -XL_ENOMEM */
#define XL_SYS_munmap    12   /* (void *va, size_t pages) -> 0 */
#define XL_SYS_sysinfo   13   /* (struct xl_sysinfo *) -> 0 */
#define XL_NR_SYSCALLS   14

#define XL_SHUTDOWN_POWEROFF  0   /* = SHUTDOWN_poweroff */
#define XL_SHUTDOWN_REBOOT    1   /* = SHUTDOWN_reboot */

/* Error numbers (returned negated). */
#define XL_EPERM    1
#define XL_EINTR    4
#define XL_ENOMEM  12
#define XL_EFAULT  14
#define XL_EINVAL  22
#define XL_ENOSYS  38

struct xl_timespec {
    int64_t  sec;     /* seconds since 1970-01-01 00:00:00 UTC */
    uint32_t nsec;
    uint32_t _pad;
};

#define XL_TASK_NAME_LEN 16
#define XL_WAIT_NAME_LEN 12

struct xl_task_info {
    uint32_t pid;
    char     state;            /* 'R' running/runnable, 'S' sleeping, 'Z' zombie */
    uint8_t  user;             /* 1: runs in guest user mode */
    uint8_t  _pad[2];
    char     name[XL_TASK_NAME_LEN];
    char     wait[XL_WAIT_NAME_LEN];   /* what a sleeping task waits for */
    uint64_t cpu_ns;           /* guest time spent running */
    uint64_t switches;         /* times it was switched in */
};

struct xl_meminfo {
    uint64_t total_pages;      /* start_info.nr_pages */
    uint64_t kernel_pages;     /* image, boot structures, kernel page tables */
    uint64_t pagetable_pages;  /* frames used as page tables (kernel + user) */
    uint64_t user_pages;       /* frames mapped into the user address space */
    uint64_t free_pages;       /* frames in the allocator */
};

struct xl_cpuid {
    uint32_t eax, ebx, ecx, edx;
};

struct xl_sysinfo {
    char     os[16];           /* "xenolite" */
    char     version[16];      /* XENOLITE_VERSION */
    char     machine[16];      /* "x86_64" */
    char     domain_name[64];  /* from xenstore, or "unknown" */
    int32_t  domid;            /* from xenstore, -1 if unknown */
    uint32_t xen_version;      /* XENVER_version: major << 16 | minor */
    char     xen_extra[16];    /* XENVER_extraversion */
    uint32_t vcpus;
    uint32_t _pad;
    uint64_t boot_ns;          /* guest time from kernel entry to the first prompt */
    char     cmdline[128];
};

#endif /* XENOLITE_ABI_H */
