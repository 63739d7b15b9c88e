/*
 * console-ring: the PV console (docs/xen-pv-abi.md §10.1, §7).
 *
 * Writes through the xencons_interface ring at start_info.console.domU.mfn
 * with EVTCHNOP_send notifications, enough to wrap the 2 KiB out[] ring
 * several times, and waits for the backend to drain it. Then waits (with
 * SCHEDOP_block and the event upcall) for one line of input typed by the
 * harness, echoes it back, and checks it is the expected line.
 *
 * Once the ring is checked, every line of output goes to both console_io and
 * the ring (blocking until the backend drains it), so the final line appears
 * once on each channel.
 */
#include "rt.h"

#define EXPECTED_INPUT "hello xenoserver"

static struct xencons_interface *ring;
static evtchn_port_t port;

/* Read one line from in[]; blocks in SCHEDOP_block between events. */
static size_t read_line(char *buf, size_t size)
{
    size_t len = 0;
    unsigned long blocks = 0;

    for (;;) {
        events_mask();
        XENCONS_RING_IDX cons = ring->in_cons, prod = ACCESS_ONCE(ring->in_prod);
        mb();
        if ((XENCONS_RING_IDX)(prod - cons) > sizeof(ring->in))
            FAIL("bad in[] indices: in_cons=%u in_prod=%u", cons, prod);
        while (cons != prod) {
            char c = ring->in[XENCONS_MASK(cons, ring->in)];
            cons++;
            if (c == '\r' || c == '\n') {
                if (len == 0)
                    continue;        /* skip the LF of a CRLF, or empty lines */
                mb();
                ACCESS_ONCE(ring->in_cons) = cons;
                evtchn_send(port);
                buf[len] = 0;
                return len;
            }
            if (len + 1 < size)
                buf[len++] = c;
        }
        mb();
        ACCESS_ONCE(ring->in_cons) = cons;
        evtchn_send(port);
        /* Block with events unmasked; an event on any port wakes us and is
         * delivered to the upcall handler before SCHEDOP_block returns. */
        blocks++;
        CHECK_OK(HYPERVISOR_sched_op(SCHEDOP_block, NULL));
    }
    (void)blocks;
}

void test_main(void)
{
    port = cons_evtchn();
    ring = cons_ring();
    CHECK(port != 0);
    CHECK(ring != NULL);
    say("ring at mfn %#lx (va %p), evtchn %u, connection=%u in %u/%u out %u/%u",
        (unsigned long)start_info->console.domU.mfn, (void *)ring, port, ring->connection,
        ring->in_cons, ring->in_prod, ring->out_cons, ring->out_prod);
    CHECK_EQ(ring->out_cons, ring->out_prod);

    CHECK_OK(evtchn_send(port));
    CHECK_RC(evtchn_send(4000), -XEN_EINVAL);       /* port not allocated */

    /* From now on every line also goes to the ring, waiting for the backend. */
    console_use_ring = true;
    console_ring_blocking = true;
    say("hello from the PV console ring");
    for (int i = 0; i < 50; i++)
        say("line %02d 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", i);
    CHECK(ring->out_prod > 2 * sizeof(ring->out));
    CHECK_EQ(ring->out_cons, ring->out_prod);
    CHECK_EQ(ring_dropped, 0);
    say("wrote %u bytes through out[] (wrapped %u times), backend drained them",
        ring->out_prod, ring->out_prod / (unsigned)sizeof(ring->out));

    unsigned long upcalls = events_upcalls;
    say("waiting for input");
    char line[128];
    size_t n = read_line(line, sizeof(line));
    events_mask();
    say("echo: %s", line);
    say("got %lu bytes of input after %lu event upcalls", (unsigned long)n, events_upcalls - upcalls);
    if (strcmp(line, EXPECTED_INPUT))
        FAIL("input line \"%s\" is not \"%s\"", line, EXPECTED_INPUT);
    CHECK(events_upcalls > upcalls);
    CHECK(evtchn_test_and_clear_seen(port));
}
