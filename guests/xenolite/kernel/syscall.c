/*
 * System calls from guest user mode (ABI in include/xenolite/abi.h).
 *
 * Xen bounces SYSCALL from user mode to the syscall callback (§6.4) on the
 * task's kernel stack with events masked; trap.c returns with
 * HYPERVISOR_iret + VGCF_in_syscall. User pointers are checked against the
 * user page tables (vm_user_range_ok) before the kernel touches them.
 */
#include "kernel.h"

typedef long (*syscall_fn)(struct trap_frame *f);

#define ARG1(f) ((f)->rdi)
#define ARG2(f) ((f)->rsi)
#define ARG3(f) ((f)->rdx)

static long sys_exit(struct trap_frame *f)
{
    task_exit((int)ARG1(f));
}

static long sys_write(struct trap_frame *f)
{
    uint64_t buf = ARG1(f), len = ARG2(f);
    if (!vm_user_range_ok(buf, len, false))
        return -XL_EFAULT;
    console_write((const char *)buf, len);
    return (long)len;
}

static long sys_read(struct trap_frame *f)
{
    uint64_t buf = ARG1(f), len = ARG2(f);
    if (!len)
        return 0;
    if (!vm_user_range_ok(buf, len, true))
        return -XL_EFAULT;
    return console_read((char *)buf, len);
}

static long sys_sleep(struct trap_frame *f)
{
    uint64_t deadline = now_ns() + ARG1(f);
    for (;;) {
        if (console_take_intr())
            return -XL_EINTR;
        if (now_ns() >= deadline)
            return 0;
        /* Woken by the deadline or by console input (maybe Ctrl-C). */
        sleep_on(&console_wait, "sleep", deadline);
    }
}

static long sys_uptime(struct trap_frame *f)
{
    (void)f;
    return (long)uptime_ns();
}

static long sys_gettime(struct trap_frame *f)
{
    if (!vm_user_range_ok(ARG1(f), sizeof(struct xl_timespec), true))
        return -XL_EFAULT;
    wallclock((struct xl_timespec *)ARG1(f));
    return 0;
}

static long sys_ps(struct trap_frame *f)
{
    size_t max = ARG2(f);
    if (max > MAX_TASKS)
        max = MAX_TASKS;
    if (!vm_user_range_ok(ARG1(f), max * sizeof(struct xl_task_info), true))
        return -XL_EFAULT;
    return (long)task_list((struct xl_task_info *)ARG1(f), max);
}

static long sys_meminfo(struct trap_frame *f)
{
    if (!vm_user_range_ok(ARG1(f), sizeof(struct xl_meminfo), true))
        return -XL_EFAULT;
    struct xl_meminfo *m = (struct xl_meminfo *)ARG1(f);
    m->total_pages = nr_pages;
    m->kernel_pages = mm_stats.kernel;
    m->pagetable_pages = mm_stats.pagetable;
    m->user_pages = mm_stats.user;
    m->free_pages = mm_stats.free;
    return 0;
}

/* CPUID on the program's behalf, through the forced-emulation prefix. */
static long sys_cpuid(struct trap_frame *f)
{
    if (!vm_user_range_ok(ARG3(f), sizeof(struct xl_cpuid), true))
        return -XL_EFAULT;
    *(struct xl_cpuid *)ARG3(f) = cpuid_fep((uint32_t)ARG1(f), (uint32_t)ARG2(f));
    return 0;
}

static long sys_shutdown(struct trap_frame *f)
{
    if (ARG1(f) == XL_SHUTDOWN_POWEROFF)
        system_shutdown(SHUTDOWN_poweroff, "poweroff requested");
    if (ARG1(f) == XL_SHUTDOWN_REBOOT)
        system_shutdown(SHUTDOWN_reboot, "reboot requested");
    return -XL_EINVAL;
}

/* Let other tasks run; report (and consume) a pending Ctrl-C. */
static long sys_yield(struct trap_frame *f)
{
    (void)f;
    if (need_resched())
        schedule();
    return console_take_intr() ? -XL_EINTR : 0;
}

static long sys_mmap(struct trap_frame *f)
{
    return vm_mmap(ARG1(f));
}

static long sys_munmap(struct trap_frame *f)
{
    return vm_munmap(ARG1(f), ARG2(f));
}

static long sys_sysinfo(struct trap_frame *f)
{
    if (!vm_user_range_ok(ARG1(f), sizeof(struct xl_sysinfo), true))
        return -XL_EFAULT;
    if (!sysinfo.vcpus) {
        /* Count vCPUs once: VCPUOP_is_up answers -ENOENT past the last. */
        while (sysinfo.vcpus < XEN_LEGACY_MAX_VCPUS &&
               HYPERVISOR_vcpu_op(VCPUOP_is_up, sysinfo.vcpus, NULL) >= 0)
            sysinfo.vcpus++;
    }
    memcpy((void *)ARG1(f), &sysinfo, sizeof(sysinfo));
    return 0;
}

static const syscall_fn syscall_table[XL_NR_SYSCALLS] = {
    [XL_SYS_exit] = sys_exit,       [XL_SYS_write] = sys_write,
    [XL_SYS_read] = sys_read,       [XL_SYS_sleep] = sys_sleep,
    [XL_SYS_uptime] = sys_uptime,   [XL_SYS_gettime] = sys_gettime,
    [XL_SYS_ps] = sys_ps,           [XL_SYS_meminfo] = sys_meminfo,
    [XL_SYS_cpuid] = sys_cpuid,     [XL_SYS_shutdown] = sys_shutdown,
    [XL_SYS_yield] = sys_yield,     [XL_SYS_mmap] = sys_mmap,
    [XL_SYS_munmap] = sys_munmap,   [XL_SYS_sysinfo] = sys_sysinfo,
};

void syscall_dispatch(struct trap_frame *f)
{
    uint64_t nr = f->rax;
    f->rax = nr < XL_NR_SYSCALLS && syscall_table[nr] ? (uint64_t)syscall_table[nr](f)
                                                      : (uint64_t)-XL_ENOSYS;
}
