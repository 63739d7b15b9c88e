/*
 * vcpu-op: per-vCPU state owned by the guest (docs/xen-pv-abi.md §4.2,
 * §4.3, §9.6).
 *
 * VCPUOP_is_up, get_runstate_info, register_runstate_memory_area (updated
 * immediately and on reschedule), register_vcpu_info (argument checks,
 * contents copied, the spurious event Xen raises, -EBUSY on a second call,
 * CR2 and pvclock written to the new location afterwards), and the event
 * upcall it triggers once events are unmasked.
 */
#include "rt.h"

static struct vcpu_runstate_info area;
static const char *const state_names[] = { "running", "runnable", "blocked", "offline" };

static uint64_t pvclock_now(const struct vcpu_time_info *t)
{
    uint32_t ver;
    uint64_t ns;
    do {
        ver = ACCESS_ONCE(t->version);
        barrier();
        uint64_t delta = rdtsc() - t->tsc_timestamp;
        if (t->tsc_shift >= 0)
            delta <<= t->tsc_shift;
        else
            delta >>= -t->tsc_shift;
        ns = t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
        barrier();
    } while ((ver & 1) || ver != ACCESS_ONCE(t->version));
    return ns;
}

static void test_is_up(void)
{
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_is_up, 0, NULL), 1);
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), -XEN_ENOENT);
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_is_up, 4096, NULL), -XEN_ENOENT);
    CHECK_RC(HYPERVISOR_vcpu_op(99, 0, NULL), -XEN_ENOSYS);
    say("is_up: vcpu0 up, vcpu1 -ENOENT, unknown cmd -ENOSYS ok");
}

static void test_runstate(void)
{
    struct vcpu_runstate_info info;
    memset(&info, 0xff, sizeof(info));
    CHECK_OK(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, &info));
    say("runstate: state=%s entry=%lu running=%lu runnable=%lu blocked=%lu offline=%lu",
        info.state >= 0 && info.state < 4 ? state_names[info.state] : "?",
        (unsigned long)(info.state_entry_time & ~XEN_RUNSTATE_UPDATE), (unsigned long)info.time[0],
        (unsigned long)info.time[1], (unsigned long)info.time[2], (unsigned long)info.time[3]);
    CHECK_EQ(info.state, RUNSTATE_running);
    CHECK(info.time[RUNSTATE_running] > 0);
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 1, &info), -XEN_ENOENT);

    struct vcpu_register_runstate_memory_area reg = { .v = &area };
    memset(&area, 0xff, sizeof(area));
    CHECK_OK(HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &reg));
    /* Written straight away because vCPU0 is the running vCPU. */
    CHECK_EQ(area.state, RUNSTATE_running);
    uint64_t first = area.state_entry_time & ~XEN_RUNSTATE_UPDATE;
    uint64_t run_before = area.time[RUNSTATE_running];
    for (int i = 0; i < 5; i++)
        CHECK_OK(HYPERVISOR_sched_op(SCHEDOP_yield, NULL));
    CHECK_EQ(area.state, RUNSTATE_running);
    CHECK((area.state_entry_time & ~XEN_RUNSTATE_UPDATE) >= first);
    CHECK(area.time[RUNSTATE_running] >= run_before);
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 1, &reg), -XEN_ENOENT);
    say("runstate: get_runstate_info and registered area ok");
}

static void test_vcpu_info(void)
{
    uint8_t *page = page_alloc();
    struct vcpu_info *old = &shared->vcpu_info[0];
    struct vcpu_info *new = (struct vcpu_info *)(page + 128);
    struct vcpu_register_vcpu_info reg = { .mfn = virt_to_mfn(page), .offset = PAGE_SIZE - 32 };

    CHECK_EQ(old->evtchn_upcall_mask, 1);
    /* Crossing a page / misaligned: -EINVAL (doc) or -ENXIO (Xen >= 4.18). */
    long rc = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &reg);
    if (rc != -XEN_EINVAL && rc != -XEN_ENXIO)
        FAIL("register_vcpu_info crossing a page: %ld (%s), expected -EINVAL or -ENXIO", rc, errname(rc));
    reg.offset = 132;
    rc = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &reg);
    if (rc != -XEN_EINVAL && rc != -XEN_ENXIO)
        FAIL("register_vcpu_info misaligned: %ld (%s), expected -EINVAL or -ENXIO", rc, errname(rc));
    reg.offset = 128;
    reg.mfn = (unsigned long)maximum_ram_page() + 0x100;
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &reg), -XEN_EINVAL);   /* not our frame */
    reg.mfn = virt_to_mfn(page);
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 1, &reg), -XEN_ENOENT);

    uint32_t old_version = old->time.version;
    memset(page, 0x5a, PAGE_SIZE);
    CHECK_OK(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &reg));
    vcpu = new;
    /* Contents copied; everything marked pending so nothing is lost. */
    CHECK_EQ(new->evtchn_upcall_mask, 1);
    CHECK_EQ(new->evtchn_upcall_pending, 1);
    CHECK_EQ(new->evtchn_pending_sel, ~0UL);
    CHECK_EQ(page[0], 0x5a);                        /* bytes around it untouched */
    CHECK_EQ(page[128 + sizeof(*new)], 0x5a);
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &reg), -XEN_EBUSY);
    reg.offset = 0;
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &reg), -XEN_EBUSY);
    say("register_vcpu_info: bad args -EINVAL/-ENOENT, copy, spurious event, second call -EBUSY ok");

    /* Unmask: the pending upcall is delivered on the next exit to the guest. */
    unsigned long upcalls = events_upcalls;
    events_unmask();
    (void)HYPERVISOR_xen_version(XENVER_version, NULL);
    events_mask();
    CHECK_EQ(events_upcalls, upcalls + 1);
    CHECK_EQ(new->evtchn_upcall_pending, 0);
    CHECK_EQ(new->evtchn_pending_sel, 0);

    /* CR2 of the next #PF goes to the new location only. */
    old->arch.cr2 = 0x5e5e5e5e;
    unsigned long rip;
    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t1: movq 0x20000000, %%rax\n\t2:\n\t" EXTABLE(1b, 2b)
                     : "=&r"(rip) : : "rax", "memory");
    CHECK_EQ(last_trap.vector, X86_EXC_PF);
    CHECK_EQ(new->arch.cr2, 0x20000000);
    CHECK_EQ(last_trap.cr2, 0x20000000);
    CHECK_EQ(old->arch.cr2, 0x5e5e5e5e);
    say("register_vcpu_info: upcall delivered on unmask; CR2 written to the new vcpu_info only");

    /* pvclock keeps being maintained in the new location. */
    for (int i = 0; i < 3; i++)
        CHECK_OK(HYPERVISOR_sched_op(SCHEDOP_yield, NULL));
    CHECK_EQ(new->time.version & 1, 0);
    CHECK(new->time.tsc_to_system_mul != 0);
    uint64_t t1 = pvclock_now(&new->time);
    for (int i = 0; i < 3; i++)
        CHECK_OK(HYPERVISOR_sched_op(SCHEDOP_yield, NULL));
    uint64_t t2 = pvclock_now(&new->time);
    say("pvclock: version %u (was %u) mul=%u shift=%d now=%lu ns", new->time.version, old_version,
        new->time.tsc_to_system_mul, new->time.tsc_shift, (unsigned long)t2);
    CHECK(t1 > 0);
    CHECK(t2 >= t1);
}

void test_main(void)
{
    test_is_up();
    test_runstate();
    test_vcpu_info();
}
