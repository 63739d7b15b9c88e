/*
 * timers-block: time-driven events and blocking (docs/xen-pv-abi.md §4.2,
 * §7, §9.2, §9.6).
 *
 * VIRQ_TIMER bound to a port; VCPUOP_set_singleshot_timer fires once at its
 * deadline (measured with pvclock), VCPU_SSHOTTMR_future refuses a past
 * deadline; VCPUOP_set_periodic_timer fires every period until stopped
 * (below 1 ms -EINVAL); SCHEDOP_block returns at once when an event is
 * already pending and otherwise sleeps until the timer's event; SCHEDOP_poll
 * returns at its timeout when nothing arrives and at once for a pending port.
 */
#include "rt.h"

#define MS 1000000UL
/* The emulated host delivers a timer event within this much pvclock time. */
#define FIRE_SLACK_NS (200 * 1000UL)
#define VCPU_SSHOTTMR_future 1

static evtchn_port_t timer_port, ipi_port, idle_port;

static uint64_t pvclock_now(void)
{
    const struct vcpu_time_info *t = &vcpu->time;
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

/*
 * SCHEDOP_block until `port` was seen by the upcall (block unmasks events;
 * the upcall runs on the way back to the guest). Events masked again after.
 */
static void block_until(evtchn_port_t port)
{
    for (int i = 0; i < 64; i++) {
        if (evtchn_test_and_clear_seen(port)) {
            events_mask();
            return;
        }
        CHECK_OK(HYPERVISOR_sched_op(SCHEDOP_block, NULL));
    }
    FAIL("port %u never fired after 64 blocks", port);
}

static void unmask_port(evtchn_port_t port)
{
    struct evtchn_unmask u = { .port = port };
    CHECK_OK(HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &u));
}

static void test_bind(void)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    CHECK_OK(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv));
    CHECK(bv.port > 0);
    timer_port = bv.port;
    struct evtchn_bind_virq again = { .virq = VIRQ_TIMER, .vcpu = 0 };
    CHECK_RC(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &again), -XEN_EEXIST);
    unmask_port(timer_port);

    struct evtchn_bind_ipi bi = { .vcpu = 0 };
    CHECK_OK(HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &bi));
    ipi_port = bi.port;
    unmask_port(ipi_port);

    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
    CHECK_OK(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au));
    idle_port = au.port;
    /* No periodic tick unless this kernel asks for one. */
    CHECK_OK(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL));
    say("bind: VIRQ_TIMER port %u (again -EEXIST), ipi port %u, unbound port %u", timer_port, ipi_port,
        idle_port);
}

static void test_singleshot(void)
{
    uint64_t t0 = pvclock_now();
    struct vcpu_set_singleshot_timer past = { .timeout_abs_ns = t0 - 1, .flags = VCPU_SSHOTTMR_future };
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &past), -XEN_ETIME);

    uint64_t deadline = pvclock_now() + 2 * MS;
    struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline, .flags = VCPU_SSHOTTMR_future };
    CHECK_OK(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t));
    block_until(timer_port);
    uint64_t fired = pvclock_now();
    CHECK(fired >= deadline);
    CHECK(fired - deadline < FIRE_SLACK_NS);
    say("singleshot: +2 ms deadline fired within %lu ns of it; past deadline with future flag -ETIME",
        (unsigned long)(fired - deadline) / 1000 * 1000);

    /* Fired once only: a later deadline is the next event, not a repeat. */
    uint64_t second = pvclock_now() + 3 * MS;
    t.timeout_abs_ns = second;
    CHECK_OK(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t));
    block_until(timer_port);
    CHECK(pvclock_now() >= second);
    say("singleshot: fires once; re-armed at +3 ms fires no earlier than its deadline");
}

static void test_periodic(void)
{
    struct vcpu_set_periodic_timer bad = { .period_ns = MS - 1 };
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &bad), -XEN_EINVAL);

    uint64_t start = pvclock_now();
    struct vcpu_set_periodic_timer p = { .period_ns = MS };
    CHECK_OK(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &p));
    uint64_t prev = start;
    for (int k = 1; k <= 4; k++) {
        block_until(timer_port);
        uint64_t now = pvclock_now();
        CHECK(now >= start + (uint64_t)k * MS);
        CHECK(now - prev < 2 * MS);
        prev = now;
    }
    CHECK_OK(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL));
    say("periodic: 4 ticks of 1 ms each at >= start + k ms, < 2 ms apart; period < 1 ms -EINVAL");

    /* Stopped: the next timer event is a one-shot 5 ms later, with no tick before it. */
    uint64_t deadline = pvclock_now() + 5 * MS;
    struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline };
    CHECK_OK(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t));
    block_until(timer_port);
    CHECK(pvclock_now() >= deadline);
    say("periodic: stop_periodic_timer stops the ticks");
}

static void test_block_pending(void)
{
    events_mask();
    struct evtchn_send s = { .port = ipi_port };
    CHECK_OK(HYPERVISOR_event_channel_op(EVTCHNOP_send, &s));
    CHECK_EQ(vcpu->evtchn_upcall_pending, 1);
    CHECK(!evtchn_test_and_clear_seen(ipi_port));
    uint64_t t0 = pvclock_now();
    unsigned long upcalls = events_upcalls;
    CHECK_OK(HYPERVISOR_sched_op(SCHEDOP_block, NULL));
    /* Returned at once (no timer armed) with events unmasked and the upcall taken. */
    CHECK(pvclock_now() - t0 < FIRE_SLACK_NS);
    CHECK_EQ(events_upcalls, upcalls + 1);
    CHECK(evtchn_test_and_clear_seen(ipi_port));
    CHECK_EQ(vcpu->evtchn_upcall_mask, 0);
    events_mask();
    say("block: returns at once with an event already pending, upcall delivered, events unmasked");
}

static void test_poll(void)
{
    events_mask();
    evtchn_port_t ports[1] = { idle_port };
    uint64_t timeout = pvclock_now() + 3 * MS;
    struct sched_poll p = { .ports = ports, .nr_ports = 1, .timeout = timeout };
    CHECK_OK(HYPERVISOR_sched_op(SCHEDOP_poll, &p));
    uint64_t woke = pvclock_now();
    CHECK(woke >= timeout);
    CHECK(woke - timeout < FIRE_SLACK_NS);
    CHECK_EQ(vcpu->evtchn_upcall_mask, 1);
    say("poll: an idle port times out at +3 ms (within %lu us), events stay masked",
        (unsigned long)(woke - timeout) / 1000);

    /* A port already pending: poll returns at once, even with events masked. */
    struct evtchn_send s = { .port = ipi_port };
    CHECK_OK(HYPERVISOR_event_channel_op(EVTCHNOP_send, &s));
    ports[0] = ipi_port;
    p.timeout = pvclock_now() + 50 * MS;
    uint64_t t0 = pvclock_now();
    CHECK_OK(HYPERVISOR_sched_op(SCHEDOP_poll, &p));
    CHECK(pvclock_now() - t0 < FIRE_SLACK_NS);
    unsigned long upcalls = events_upcalls;
    events_unmask();
    /* Unmasking with upcall_pending set: the pending upcall runs on the next exit to the guest. */
    CHECK(HYPERVISOR_xen_version(XENVER_version, NULL) > 0);
    CHECK_EQ(events_upcalls, upcalls + 1);
    CHECK(evtchn_test_and_clear_seen(ipi_port));
    events_mask();

    p.nr_ports = 129;
    CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_poll, &p), -XEN_EINVAL);
    ports[0] = EVTCHN_2L_NR_CHANNELS;
    p.nr_ports = 1;
    CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_poll, &p), -XEN_EINVAL);
    say("poll: pending port returns at once; 129 ports and port 4096 -EINVAL");
}

void test_main(void)
{
    test_bind();
    test_singleshot();
    test_periodic();
    test_block_pending();
    test_poll();
}
