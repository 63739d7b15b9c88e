/*
 * Event channels, 2-level ABI (docs/xen-pv-abi.md §7).
 *
 * Three ports: VIRQ_TIMER (bound here), the console and the xenstore ports
 * (allocated by the toolstack, from start_info). Every other port stays
 * masked. The upcall handler follows §7.3: clear upcall_pending, take
 * pending_sel with an atomic exchange, scan pending & ~mask word by word,
 * clear each pending bit before acting on it; repeat while Xen set
 * upcall_pending again meanwhile.
 */
#include "kernel.h"

evtchn_port_t timer_port, console_port, store_port;

static void unmask(evtchn_port_t port)
{
    struct evtchn_unmask u = { .port = port };
    /* The hypercall (not a plain bit clear) re-raises the upcall if the
     * port became pending while masked. */
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &u);
    if (rc)
        panic("EVTCHNOP_unmask(%u): %ld", port, rc);
}

void evtchn_send(evtchn_port_t port)
{
    struct evtchn_send s = { .port = port };
    HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

void events_init(void)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(shared->evtchn_mask); i++)
        WRITE_ONCE(shared->evtchn_mask[i], ~0UL);

    struct evtchn_bind_virq bind = { .virq = VIRQ_TIMER, .vcpu = 0 };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bind);
    if (rc)
        panic("EVTCHNOP_bind_virq(VIRQ_TIMER): %ld", rc);
    timer_port = bind.port;
    console_port = start_info->console.domU.evtchn;
    if (start_info->flags & SIF_INITDOMAIN) {
        /* The initial domain has no console ring: Xen's own console input
         * arrives as VIRQ_CONSOLE and is read with console_io. */
        struct evtchn_bind_virq con = { .virq = VIRQ_CONSOLE, .vcpu = 0 };
        console_port = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &con) ? 0 : con.port;
    }
    store_port = start_info->store_evtchn;

    unmask(timer_port);
    if (console_port)
        unmask(console_port);
    if (store_port)
        unmask(store_port);
    bootlog("events: timer port %u, console port %u, xenstore port %u\n", timer_port,
            console_port, store_port);
}

static void port_fired(evtchn_port_t port)
{
    if (port == timer_port) {
        wakeup(&timer_wait);
    } else if (port == console_port && port) {
        console_rx();
        wakeup(&console_wait);
    } else if (port == store_port && port) {
        extern char xs_event;
        wakeup(&xs_event);
    }
}

void events_handle(void)
{
    while (READ_ONCE(vcpu->evtchn_upcall_pending)) {
        WRITE_ONCE(vcpu->evtchn_upcall_pending, 0);
        uint64_t sel = __atomic_exchange_n(&vcpu->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        while (sel) {
            unsigned int w = __builtin_ctzll(sel);
            sel &= sel - 1;
            uint64_t pend = READ_ONCE(shared->evtchn_pending[w]) & ~READ_ONCE(shared->evtchn_mask[w]);
            while (pend) {
                unsigned int b = __builtin_ctzll(pend);
                pend &= pend - 1;
                __atomic_fetch_and(&shared->evtchn_pending[w], ~(1UL << b), __ATOMIC_SEQ_CST);
                port_fired(w * 64 + b);
            }
        }
    }
}
