/*
 * Time: pvclock (vcpu_info.time, §4.2), the wall clock (shared_info wc_*),
 * and the one-shot timer behind every sleep and timeout.
 *
 * The 10 ms periodic timer Xen starts for PV vCPUs is stopped, so an idle
 * xenolite takes no timer interrupts at all: the one-shot timer is armed
 * only for the earliest deadline some task waits for. Its VIRQ_TIMER event
 * wakes "timerd", which wakes expired sleepers and re-arms for the next.
 */
#include "kernel.h"

uint64_t boot_tsc;                 /* rdtsc at _start */
static uint64_t boot_ns, last_ns;
static uint64_t armed;             /* deadline the one-shot timer is set to, 0 = none */
static bool no_timer;              /* the hypervisor refused both one-shot timer calls */
char timer_wait;

static inline uint64_t rdtsc_ordered(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
    return ((uint64_t)hi << 32) | lo;
}

/* (delta << shift) * mul >> 32, with a signed shift (§4.2). */
static uint64_t scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

/* Read a consistent snapshot: retry while the version is odd (update in
 * progress) or changed underneath us. */
uint64_t tsc_to_ns(uint64_t tsc)
{
    const volatile struct vcpu_time_info *t = &vcpu->time;
    uint32_t version;
    uint64_t ns;
    do {
        version = t->version;
        __asm__ volatile("" ::: "memory");
        uint64_t stamp = t->tsc_timestamp, sys = t->system_time;
        uint32_t mul = t->tsc_to_system_mul;
        int8_t shift = t->tsc_shift;
        if (tsc >= stamp) {
            ns = sys + scale_delta(tsc - stamp, mul, shift);
        } else {    /* a TSC read before the last update (e.g. boot_tsc) */
            uint64_t back = scale_delta(stamp - tsc, mul, shift);
            ns = back < sys ? sys - back : 0;
        }
        __asm__ volatile("" ::: "memory");
    } while ((version & 1) || version != t->version);
    return ns;
}

uint64_t now_ns(void)
{
    uint64_t ns = tsc_to_ns(rdtsc_ordered());
    /* pvclock may step back slightly across updates: never go backwards. */
    if (ns < last_ns)
        ns = last_ns;
    last_ns = ns;
    return ns;
}

uint64_t uptime_ns(void)
{
    return now_ns() - boot_ns;
}

void wallclock(struct xl_timespec *ts)
{
    uint32_t version, sec_lo, sec_hi, nsec;
    do {
        version = READ_ONCE(shared->wc_version);
        barrier();
        sec_lo = READ_ONCE(shared->wc_sec);
        sec_hi = READ_ONCE(shared->wc_sec_hi);
        nsec = READ_ONCE(shared->wc_nsec);
        barrier();
    } while ((version & 1) || version != READ_ONCE(shared->wc_version));
    /* wc_* is UTC at system time 0 (§4.4). */
    uint64_t total = (uint64_t)nsec + now_ns();
    ts->sec = (int64_t)(((uint64_t)sec_hi << 32) | sec_lo) + (int64_t)(total / 1000000000);
    ts->nsec = (uint32_t)(total % 1000000000);
}

void timer_init(void)
{
    /* Boot time counts from _start's TSC read, unless that TSC cannot be
     * related to this vCPU's pvclock (e.g. the vCPU moved to a physical CPU
     * whose TSC differs): then from now. */
    uint64_t now = now_ns(), entry_ns = tsc_to_ns(boot_tsc);
    boot_ns = entry_ns <= now && now - entry_ns < 1000000000 ? entry_ns : now;
    /* Stop the default periodic tick: zero CPU while nothing happens. */
    long rc = HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    bootlog("pvclock: system time %lu ns at entry; stop_periodic_timer: %ld\n",
            (unsigned long)entry_ns, rc);
}

static void arm(uint64_t deadline)
{
    struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline, .flags = 0 };
    /* A deadline already in the past fires at once (flags 0, §9.6). */
    long rc = HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
    if (rc == -XEN_ENOSYS)
        rc = HYPERVISOR_set_timer_op(deadline);
    if (rc) {
        /* Keep working on a hypervisor without timers: the idle task then
         * polls deadlines (sched.c), at the cost of CPU while one is pending. */
        if (!no_timer)
            printk("xenolite: one-shot timer unavailable (%ld); polling deadlines\n", rc);
        no_timer = true;
        return;
    }
    armed = deadline;
}

bool timer_polling(void)
{
    return no_timer;
}

/* Make sure VIRQ_TIMER fires no later than `deadline`. */
void timer_request(uint64_t deadline)
{
    if (!armed || deadline < armed)
        arm(deadline);
}

int timerd_main(void *arg)
{
    (void)arg;
    for (;;) {
        sleep_on(&timer_wait, "virq", 0);
        armed = 0;
        uint64_t next = 0;
        wake_expired(now_ns(), &next);
        if (next)
            timer_request(next);
    }
}
