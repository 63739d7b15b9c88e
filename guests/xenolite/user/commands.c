/*
 * Built-in commands. The table is the single source for dispatch and help;
 * add a command by writing `static int cmd_x(int argc, char **argv)` and
 * one line in `commands[]` (see guests/README.md).
 */
#include "commands.h"
#include "lineedit.h"
#include "ulib.h"

static int cmd_help(int argc, char **argv);

static int cmd_echo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        printf("%s%s", argv[i], i + 1 < argc ? " " : "");
    printf("\n");
    return 0;
}

void print_seconds(uint64_t ns)
{
    printf("%lu.%03lu", (unsigned long)(ns / 1000000000), (unsigned long)(ns / 1000000 % 1000));
}

static int cmd_uptime(int argc, char **argv)
{
    uint64_t ns = sys_uptime();
    uint64_t s = ns / 1000000000;
    struct xl_task_info t[8];
    long n = sys_ps(t, ARRAY_SIZE(t));
    printf("up %lu:%02lu:%02lu.%03lu, %ld tasks\n", (unsigned long)(s / 3600),
           (unsigned long)(s / 60 % 60), (unsigned long)(s % 60),
           (unsigned long)(ns / 1000000 % 1000), n);
    return 0;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    uint64_t doe = (uint64_t)(z - era * 146097);
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    uint64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int cmd_date(int argc, char **argv)
{
    static const char *const wd[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
    static const char *const mn[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    struct xl_timespec ts;
    sys_gettime(&ts);
    int64_t days = ts.sec >= 0 ? ts.sec / 86400 : (ts.sec - 86399) / 86400;
    int64_t secs = ts.sec - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    printf("%s %s %2u %02ld:%02ld:%02ld UTC %ld\n", wd[((days % 7) + 7) % 7], mn[m - 1], d,
           (long)(secs / 3600), (long)(secs / 60 % 60), (long)(secs % 60), (long)y);
    return 0;
}

static int cmd_uname(int argc, char **argv)
{
    struct xl_sysinfo si;
    sys_sysinfo(&si);
    if (argc > 1 && !strcmp(argv[1], "-a"))
        printf("%s %s %s %s Xen %u.%u%s\n", si.os, si.domain_name, si.version, si.machine,
               si.xen_version >> 16, si.xen_version & 0xffff, si.xen_extra);
    else
        printf("%s\n", si.os);
    return 0;
}

static int cmd_free(int argc, char **argv)
{
    struct xl_meminfo m;
    sys_meminfo(&m);
    uint64_t used = m.total_pages - m.free_pages;
    printf("%-6s %10s %10s %10s\n", "KiB", "total", "used", "free");
    printf("%-6s %10lu %10lu %10lu\n", "Mem:", (unsigned long)m.total_pages * 4,
           (unsigned long)used * 4, (unsigned long)m.free_pages * 4);
    printf("used: kernel %lu KiB, page tables %lu KiB, user %lu KiB\n",
           (unsigned long)m.kernel_pages * 4, (unsigned long)m.pagetable_pages * 4,
           (unsigned long)m.user_pages * 4);
    return 0;
}

static void cpuid_str(uint32_t leaf, char *out)
{
    struct xl_cpuid r;
    sys_cpuid(leaf, 0, &r);
    memcpy(out, &r, 16);
}

static int cmd_cpuinfo(int argc, char **argv)
{
    static const struct { uint8_t reg, bit; const char *name; } feats[] = {
        { 3, 0, "fpu" },   { 3, 4, "tsc" },   { 3, 5, "msr" },     { 3, 6, "pae" },
        { 3, 8, "cx8" },   { 3, 15, "cmov" }, { 3, 19, "clflush" }, { 3, 23, "mmx" },
        { 3, 24, "fxsr" }, { 3, 25, "sse" },  { 3, 26, "sse2" },   { 2, 0, "sse3" },
        { 2, 9, "ssse3" }, { 2, 13, "cx16" }, { 2, 19, "sse4_1" }, { 2, 20, "sse4_2" },
        { 2, 23, "popcnt" }, { 2, 26, "xsave" }, { 2, 28, "avx" }, { 2, 31, "hypervisor" },
    };
    struct xl_cpuid r;
    char vendor[13] = { 0 };
    sys_cpuid(0, 0, &r);
    memcpy(vendor, &r.ebx, 4);
    memcpy(vendor + 4, &r.edx, 4);
    memcpy(vendor + 8, &r.ecx, 4);
    uint32_t max_leaf = r.eax;
    printf("vendor      : %s (max leaf %#x)\n", vendor, max_leaf);

    sys_cpuid(0x80000000, 0, &r);
    if (r.eax >= 0x80000004) {
        char brand[49] = { 0 };
        for (unsigned i = 0; i < 3; i++)
            cpuid_str(0x80000002 + i, brand + 16 * i);
        const char *b = brand;
        while (*b == ' ')
            b++;
        printf("model name  : %s\n", b);
    }
    if (max_leaf >= 1) {
        sys_cpuid(1, 0, &r);
        unsigned fam = (r.eax >> 8) & 0xf, model = (r.eax >> 4) & 0xf, step = r.eax & 0xf;
        if (fam == 0xf)
            fam += (r.eax >> 20) & 0xff;
        if (fam >= 6)
            model |= ((r.eax >> 16) & 0xf) << 4;
        printf("family      : %u, model %u, stepping %u\n", fam, model, step);
        printf("flags       :");
        for (unsigned i = 0; i < ARRAY_SIZE(feats); i++) {
            uint32_t v = feats[i].reg == 3 ? r.edx : r.ecx;
            if (v & (1U << feats[i].bit))
                printf(" %s", feats[i].name);
        }
        sys_cpuid(0x80000001, 0, &r);
        if (r.edx & (1U << 20)) printf(" nx");
        if (r.edx & (1U << 29)) printf(" lm");
        printf("\n");
    }
    sys_cpuid(0x40000000, 0, &r);
    char sig[13] = { 0 };
    memcpy(sig, &r.ebx, 4);
    memcpy(sig + 4, &r.ecx, 4);
    memcpy(sig + 8, &r.edx, 4);
    uint32_t hv_max = r.eax;
    sys_cpuid(0x40000001, 0, &r);
    printf("hypervisor  : %s, version %u.%u (leaves up to %#x)\n", sig, r.eax >> 16,
           r.eax & 0xffff, hv_max);
    printf("(CPUID runs as ud2;\"xen\";cpuid, emulated by the hypervisor)\n");
    return 0;
}

static int cmd_ps(int argc, char **argv)
{
    struct xl_task_info t[8];
    long n = sys_ps(t, ARRAY_SIZE(t));
    printf("%5s %s %-6s %10s %8s %-8s %s\n", "PID", "S", "MODE", "TIME(ms)", "SWITCHES", "WAIT",
           "NAME");
    for (long i = 0; i < n; i++)
        printf("%5u %c %-6s %6lu.%03lu %8lu %-8s %s\n", t[i].pid, t[i].state,
               t[i].user ? "user" : "kernel", (unsigned long)(t[i].cpu_ns / 1000000),
               (unsigned long)(t[i].cpu_ns / 1000 % 1000), (unsigned long)t[i].switches,
               t[i].wait[0] ? t[i].wait : "-", t[i].name);
    return 0;
}

static int cmd_sleep(int argc, char **argv)
{
    uint64_t ms;
    if (argc != 2 || !parse_milli(argv[1], &ms)) {
        printf("usage: sleep SECONDS (fractions allowed, e.g. 0.25)\n");
        return 2;
    }
    if (sys_sleep(ms * 1000000) == -XL_EINTR) {
        printf("^C\n");
        return 130;
    }
    return 0;
}

static int cmd_clear(int argc, char **argv)
{
    puts_raw("\033[H\033[2J");
    return 0;
}

static int cmd_history(int argc, char **argv)
{
    history_print();
    return 0;
}

static int cmd_exit(int argc, char **argv)
{
    uint64_t code = 0;
    if (argc > 1)
        parse_uint(argv[1], &code);
    sys_exit((int)code);
}

/* Deliberately fault in user mode: the kernel reports the exception, ends
 * the shell and init starts a new one (tests trap delivery from user mode). */
static int cmd_fault(int argc, char **argv)
{
    const char *kind = argc > 1 ? argv[1] : "pf";
    if (!strcmp(kind, "pf"))
        *(volatile uint64_t *)0x1000 = 1;                 /* unmapped: #PF */
    else if (!strcmp(kind, "ud"))
        __asm__ volatile("ud2");                          /* #UD */
    else if (!strcmp(kind, "gp"))
        __asm__ volatile("cli");                          /* privileged in user mode: #GP */
    else if (!strcmp(kind, "kernel")) {
        /* A system call handed a kernel address is refused, not a crash. */
        long rc = sys_write((const void *)0xffffffff80000000UL, 1);
        printf("write(kernel address) = %ld%s\n", rc, rc == -XL_EFAULT ? " (EFAULT)" : "");
        return rc == -XL_EFAULT ? 0 : 1;
    }
    printf("usage: fault pf|ud|gp|kernel\n");
    return 2;
}

static int cmd_poweroff(int argc, char **argv)
{
    sys_shutdown(XL_SHUTDOWN_POWEROFF);
    return 1;
}

static int cmd_reboot(int argc, char **argv)
{
    sys_shutdown(XL_SHUTDOWN_REBOOT);
    return 1;
}

static const struct command commands[] = {
    { "help", "", "list the commands", cmd_help },
    { "echo", "[WORD...]", "print the words", cmd_echo },
    { "uptime", "", "time since boot (pvclock)", cmd_uptime },
    { "date", "", "wall-clock time (UTC, from Xen)", cmd_date },
    { "uname", "[-a]", "system name (-a: domain, version, Xen)", cmd_uname },
    { "free", "", "memory usage", cmd_free },
    { "cpuinfo", "", "CPUID through the hypervisor", cmd_cpuinfo },
    { "ps", "", "task table", cmd_ps },
    { "sleep", "SECONDS", "sleep (one-shot timer)", cmd_sleep },
    { "bench", "[SECONDS]", "integer CPU benchmark, score = iterations/s", cmd_bench },
    { "hog", "[SECONDS]", "burn CPU until Ctrl-C or timeout", cmd_hog },
    { "spam", "N", "print N numbered lines as fast as possible", cmd_spam },
    { "mem", "[MiB]", "allocate, map, pattern-test and free memory", cmd_mem },
    { "history", "", "recent command lines", cmd_history },
    { "clear", "", "clear the screen", cmd_clear },
    { "exit", "[CODE]", "end the shell (init starts a new one)", cmd_exit },
    { "fault", "[pf|ud|gp|kernel]", "crash the shell on purpose (init restarts it)", cmd_fault },
    { "poweroff", "", "shut the domain down", cmd_poweroff },
    { "reboot", "", "reboot the domain", cmd_reboot },
};

static int cmd_help(int argc, char **argv)
{
    printf("xenolite shell commands:\n");
    for (unsigned i = 0; i < ARRAY_SIZE(commands); i++) {
        char usage[32];
        snprintf(usage, sizeof(usage), "%s %s", commands[i].name, commands[i].args);
        printf("  %-18s %s\n", usage, commands[i].help);
    }
    printf("Line editing: arrows, Backspace, Ctrl-A/E/K/U/L, Ctrl-C.\n");
    return 0;
}

void run_command(int argc, char **argv)
{
    for (unsigned i = 0; i < ARRAY_SIZE(commands); i++)
        if (!strcmp(argv[0], commands[i].name)) {
            commands[i].fn(argc, argv);
            return;
        }
    printf("%s: command not found (try 'help')\n", argv[0]);
}
