/* The user-side runtime: syscall wrappers and console I/O helpers. */
#ifndef XENOLITE_ULIB_H
#define XENOLITE_ULIB_H

#include "lib.h"
#include <xenolite/abi.h>

static inline long syscall5(long nr, long a1, long a2, long a3, long a4, long a5)
{
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    __asm__ volatile("syscall"
                     : "+a"(nr), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                     :
                     : "rcx", "r11", "memory");
    return nr;
}
#define syscall0(nr)          syscall5(nr, 0, 0, 0, 0, 0)
#define syscall1(nr, a)       syscall5(nr, (long)(a), 0, 0, 0, 0)
#define syscall2(nr, a, b)    syscall5(nr, (long)(a), (long)(b), 0, 0, 0)
#define syscall3(nr, a, b, c) syscall5(nr, (long)(a), (long)(b), (long)(c), 0, 0)

noreturn void sys_exit(int code);
static inline long sys_write(const void *buf, size_t len) { return syscall2(XL_SYS_write, buf, len); }
static inline long sys_read(void *buf, size_t len) { return syscall2(XL_SYS_read, buf, len); }
static inline long sys_sleep(uint64_t ns) { return syscall1(XL_SYS_sleep, ns); }
static inline uint64_t sys_uptime(void) { return (uint64_t)syscall0(XL_SYS_uptime); }
static inline long sys_gettime(struct xl_timespec *ts) { return syscall1(XL_SYS_gettime, ts); }
static inline long sys_ps(struct xl_task_info *t, size_t max) { return syscall2(XL_SYS_ps, t, max); }
static inline long sys_meminfo(struct xl_meminfo *m) { return syscall1(XL_SYS_meminfo, m); }
static inline long sys_cpuid(uint32_t leaf, uint32_t sub, struct xl_cpuid *r) { return syscall3(XL_SYS_cpuid, leaf, sub, r); }
static inline long sys_shutdown(int how) { return syscall1(XL_SYS_shutdown, how); }
static inline long sys_yield(void) { return syscall0(XL_SYS_yield); }
static inline long sys_mmap(size_t pages) { return syscall1(XL_SYS_mmap, pages); }
static inline long sys_munmap(void *va, size_t pages) { return syscall2(XL_SYS_munmap, va, pages); }
static inline long sys_sysinfo(struct xl_sysinfo *s) { return syscall1(XL_SYS_sysinfo, s); }

void puts_raw(const char *s);
void printf(const char *fmt, ...) printf_like(1, 2);
/* Parses a non-negative decimal number with up to 3 fraction digits into
 * thousandths ("1.5" -> 1500); returns false on junk. */
bool parse_milli(const char *s, uint64_t *out);
bool parse_uint(const char *s, uint64_t *out);

#endif /* XENOLITE_ULIB_H */
