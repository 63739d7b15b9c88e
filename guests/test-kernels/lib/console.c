/*
 * Console output: CONSOLEIO_write (default) and the PV console ring
 * (docs/xen-pv-abi.md §9.3, §10.1).
 *
 * printk() output goes through console_io. If console_io is refused
 * (release Xen denies it to domUs) or the command line says "console=ring"
 * or "console=both", output is mirrored to the PV console ring without
 * blocking: when the ring is full, bytes are dropped and counted. A test
 * that relies on the ring (console-ring) sets console_ring_blocking.
 */
#include "rt.h"

bool console_use_hcall = true;
bool console_use_ring;
bool console_ring_blocking;
unsigned long ring_dropped;

struct xencons_interface *cons_ring(void)
{
    return mfn_to_virt(start_info->console.domU.mfn);
}

evtchn_port_t cons_evtchn(void)
{
    return start_info->console.domU.evtchn;
}

long evtchn_send(evtchn_port_t port)
{
    struct evtchn_send send = { .port = port };
    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
}

size_t ring_write_nonblock(const char *buf, size_t len)
{
    struct xencons_interface *r = cons_ring();
    size_t done = 0;

    if (!r)
        return 0;
    XENCONS_RING_IDX cons = ACCESS_ONCE(r->out_cons);
    XENCONS_RING_IDX prod = r->out_prod;
    mb();
    while (done < len && (XENCONS_RING_IDX)(prod - cons) < sizeof(r->out)) {
        r->out[XENCONS_MASK(prod, r->out)] = buf[done++];
        prod++;
    }
    barrier();
    __asm__ volatile("sfence" ::: "memory");
    ACCESS_ONCE(r->out_prod) = prod;
    evtchn_send(cons_evtchn());
    return done;
}

/* Blocking write: yields until the backend has consumed everything. */
void ring_write(const char *buf, size_t len)
{
    struct xencons_interface *r = cons_ring();
    unsigned long spins = 0;

    while (len) {
        size_t n = ring_write_nonblock(buf, len);
        buf += n;
        len -= n;
        if (len) {
            if (++spins > 1000000)
                FAIL("PV console ring full: backend never consumed out[] (out_cons=%u out_prod=%u)",
                     r->out_cons, r->out_prod);
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        }
    }
    spins = 0;
    while (ACCESS_ONCE(r->out_cons) != ACCESS_ONCE(r->out_prod)) {
        if (++spins > 1000000)
            FAIL("PV console ring not drained (out_cons=%u out_prod=%u)", r->out_cons, r->out_prod);
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
}

/* Bounded, silent wait for the ring mirror to drain (before shutting down). */
void console_flush(void)
{
    struct xencons_interface *r;
    if (!console_use_ring || !(r = cons_ring()))
        return;
    for (int i = 0; i < 10000 && ACCESS_ONCE(r->out_cons) != ACCESS_ONCE(r->out_prod); i++)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

void console_write(const char *buf, size_t len)
{
    if (console_use_hcall) {
        long rc = HYPERVISOR_console_io(CONSOLEIO_write, len, buf);
        if (rc < 0) {
            /* Release Xen refuses console_io to domUs: fall back to the ring. */
            console_use_hcall = false;
            console_use_ring = true;
        }
    }
    if (console_use_ring) {
        if (console_ring_blocking) {
            ring_write(buf, len);
        } else {
            size_t n = ring_write_nonblock(buf, len);
            ring_dropped += len - n;
        }
    }
}

void printk(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 1)
        n = sizeof(buf) - 1;
    console_write(buf, n);
}

void say(const char *fmt, ...)
{
    char buf[256];
    int n = snprintf(buf, sizeof(buf), "%s: ", TEST_NAME);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 2)
        n = sizeof(buf) - 2;
    buf[n++] = '\n';
    console_write(buf, n);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
