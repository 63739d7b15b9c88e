/*
 * xenolite: boot sequence, the init task and shutdown.
 *
 * Boot (every step is a public-ABI call; see guests/README.md):
 *   start_info checks -> console ring -> own page tables (mm.c) -> trap
 *   table and callbacks -> pvclock, periodic timer off -> event channels ->
 *   tasks -> name/domid from xenstore (bounded) -> banner -> the shell.
 * Boot work is kept minimal so the prompt appears within a few ms of guest
 * time; everything optional (xenstore watch, feature keys) happens later in
 * the xenbus task.
 */
#include "kernel.h"

#ifndef XENOLITE_VERSION
#error "XENOLITE_VERSION must be defined by the build"
#endif

struct start_info *start_info;
struct shared_info *shared;
struct vcpu_info *vcpu;
bool boot_debug;
struct xl_sysinfo sysinfo;

extern const uint8_t user_sh_start[], user_sh_end[];
static const struct user_image sh_image = { user_sh_start, 0 };

/* Nothing works without the hypercall page, not even printing: crash with
 * a raw SYSCALL hypercall so the toolstack sees the reason. */
static noreturn void early_crash(void)
{
    struct sched_shutdown s = { .reason = SHUTDOWN_crash };
    for (;;) {
        register unsigned long a1 __asm__("rdi") = SCHEDOP_shutdown;
        register unsigned long a2 __asm__("rsi") = (unsigned long)&s;
        __asm__ volatile("syscall" : "+r"(a1), "+r"(a2) : "a"(__HYPERVISOR_sched_op)
                         : "rcx", "r11", "rdx", "r10", "r8", "memory");
    }
}

noreturn void system_shutdown(unsigned int reason, const char *why)
{
    printk("\nxenolite: %s: %s\n", why, reason == SHUTDOWN_reboot ? "rebooting" : "powering off");
    console_flush();
    struct sched_shutdown s = { .reason = reason };
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}

static bool cmdline_has(const char *word)
{
    const char *c = start_info->cmd_line;
    size_t wl = strlen(word);
    for (const char *p = c; *p; p++)
        if ((p == c || p[-1] == ' ') && !strncmp(p, word, wl) && (p[wl] == ' ' || !p[wl]))
            return true;
    return false;
}

static void sysinfo_init(void)
{
    strlcpy(sysinfo.os, "xenolite", sizeof(sysinfo.os));
    strlcpy(sysinfo.version, XENOLITE_VERSION, sizeof(sysinfo.version));
    strlcpy(sysinfo.machine, "x86_64", sizeof(sysinfo.machine));
    strlcpy(sysinfo.domain_name, "unknown", sizeof(sysinfo.domain_name));
    sysinfo.domid = -1;
    sysinfo.xen_version = (uint32_t)HYPERVISOR_xen_version(XENVER_version, NULL);
    char extra[16] = "";
    if (HYPERVISOR_xen_version(XENVER_extraversion, extra) == 0)
        memcpy(sysinfo.xen_extra, extra, sizeof(extra) - 1);
    strlcpy(sysinfo.cmdline, start_info->cmd_line, sizeof(sysinfo.cmdline));
}

/* Kernel half of the shell task: build its address space, enter user mode. */
static int user_task_main(void *arg)
{
    const struct user_image *img = arg;
    struct user_image sized = { img->data, (size_t)(user_sh_end - user_sh_start) };
    uint64_t entry, sp;
    long rc = exec_load(&sized, &entry, &sp);
    if (rc) {
        printk("init: cannot load the shell: %ld\n", rc);
        vm_reset();
        return 127;
    }
    /* Entries from user mode (syscalls, events, traps) land on this task's
     * kernel stack (§6.5). */
    HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (unsigned long)(current->kstack + KSTACK_SIZE));
    enter_user(entry, sp);
}

static void banner(void)
{
    uint64_t ms = uptime_ns() / 1000;       /* us */
    printk("\nxenolite %s - a small paravirtualised OS for Xen (x86_64 PV)\n", XENOLITE_VERSION);
    if (sysinfo.domid >= 0)
        printk("domain: %s (id %d)\n", sysinfo.domain_name, sysinfo.domid);
    else
        printk("domain: name unknown\n");
    printk("memory: %lu MiB, Xen %u.%u%s, ready in %lu.%03lu ms\n", nr_pages >> 8,
           sysinfo.xen_version >> 16, sysinfo.xen_version & 0xffff, sysinfo.xen_extra,
           (unsigned long)(ms / 1000), (unsigned long)(ms % 1000));
    printk("Type 'help' for the list of commands.\n\n");
}

static noreturn void init_main(void)
{
    /* Name and domid: until 40 ms after kernel entry at most, so a missing
     * or slow xenstore cannot hold up the prompt (50 ms budget); without a
     * store event channel this is skipped. The xenbus task retries later. */
    xs_read_identity(now_ns() - uptime_ns() + 40000000);
    sysinfo.boot_ns = uptime_ns();
    banner();

    for (;;) {
        struct task *sh = task_create("sh", user_task_main, (void *)&sh_image, true);
        if (!sh)
            panic("cannot create the shell task");
        for (;;) {
            struct task *z = task_find_zombie();
            if (!z) {
                sleep_on(&task_exit_wait, "child", 0);
                continue;
            }
            int code = task_reap(z);
            if (z == sh) {
                if (code)
                    printk("init: sh exited with status %d, restarting it\n", code);
                break;
            }
        }
    }
}

noreturn void kmain(struct start_info *si)
{
    start_info = si;
    if (hypercall_page[0] == 0xc3 || memcmp(si->magic, "xen-3.0-x86_64", 14))
        early_crash();
    nr_pages = si->nr_pages;
    p2m = (unsigned long *)si->mfn_list;
    si->cmd_line[MAX_GUEST_CMDLINE - 1] = 0;

    console_init();
    boot_debug = cmdline_has("debug");
    bootlog("start_info: nr_pages %lu, pt_base %#lx (%lu frames), console mfn %#lx port %u, "
            "store mfn %#lx port %u, flags %#x\n",
            (unsigned long)si->nr_pages, (unsigned long)si->pt_base,
            (unsigned long)si->nr_pt_frames, (unsigned long)si->console.domU.mfn,
            si->console.domU.evtchn, (unsigned long)si->store_mfn, si->store_evtchn, si->flags);

    mm_init();
    traps_init();
    timer_init();
    events_init();
    xs_init();
    sysinfo_init();
    sched_init();
    if (!task_create("timerd", timerd_main, NULL, false) ||
        !task_create("xenbus", xenbus_main, NULL, false))
        panic("cannot create kernel tasks");
    init_main();
}
