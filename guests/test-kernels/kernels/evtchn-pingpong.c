/*
 * evtchn-pingpong: two domains notify each other over one interdomain event
 * channel (docs/xen-pv-abi.md §7). The same image runs as both ends; the
 * command line, written by the harness acting as the toolstack, says which:
 *
 *   pingpong=server peer=<domid>              the toolstack allocated an
 *       unbound port in this domain's table for <domid>; the server finds it
 *       with EVTCHNOP_status and answers every notification with one of its own.
 *   pingpong=client peer=<domid> port=<port>  binds <domid>:<port> with
 *       EVTCHNOP_bind_interdomain, sends ROUNDS pings and waits for each
 *       pong, then closes its end.
 *
 * Events carry no data, so each side sends only after it saw the other's
 * event: no notification can coalesce and both count exactly ROUNDS.
 */
#include "rt.h"

#define ROUNDS 100
/* Ports the server scans for the one the toolstack allocated. */
#define SCAN_PORTS 64
/* Yields the server allows its peer to close the channel in. */
#define CLOSE_WAIT_YIELDS 100000

/* "key=<decimal>" on the command line; false if absent or not a number. */
static bool cmdline_number(const char *key, unsigned long *out)
{
    const char *c = start_info->cmd_line;
    size_t klen = strlen(key);
    for (const char *p = strstr(c, key); p; p = strstr(p + 1, key)) {
        if ((p != c && p[-1] != ' ') || p[klen] != '=')
            continue;
        const char *d = p + klen + 1;
        unsigned long v = 0;
        if (*d < '0' || *d > '9')
            return false;
        while (*d >= '0' && *d <= '9')
            v = v * 10 + (unsigned long)(*d++ - '0');
        *out = v;
        return true;
    }
    return false;
}

static struct evtchn_status port_status(evtchn_port_t port)
{
    struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
    CHECK_OK(HYPERVISOR_event_channel_op(EVTCHNOP_status, &st));
    return st;
}

static void unmask_port(evtchn_port_t port)
{
    struct evtchn_unmask u = { .port = port };
    CHECK_OK(HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &u));
}

/* SCHEDOP_block until the upcall saw `port`; events are masked again after. */
static void block_until(evtchn_port_t port)
{
    for (int i = 0; i < 1000; i++) {
        if (evtchn_test_and_clear_seen(port)) {
            events_mask();
            return;
        }
        CHECK_OK(HYPERVISOR_sched_op(SCHEDOP_block, NULL));
    }
    FAIL("port %u never fired after 1000 blocks", port);
}

static bool port_pending(evtchn_port_t port)
{
    return (ACCESS_ONCE(shared->evtchn_pending[port / 64]) >> (port % 64)) & 1;
}

static void run_server(unsigned long peer)
{
    evtchn_port_t port = 0;
    for (evtchn_port_t p = 1; p < SCAN_PORTS && !port; p++) {
        struct evtchn_status st = port_status(p);
        if (st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == peer)
            port = p;
    }
    if (!port)
        FAIL("no unbound port for d%lu among ports 1..%u", peer, SCAN_PORTS - 1);
    unmask_port(port);
    say("server: port %u unbound for d%lu (allocated by the toolstack)", port, peer);

    for (int round = 0; round < ROUNDS; round++) {
        block_until(port);
        if (round == 0) {
            struct evtchn_status st = port_status(port);
            CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
            CHECK_EQ(st.u.interdomain.dom, peer);
            say("server: first ping; port %u is interdomain with d%lu port %u", port, peer,
                st.u.interdomain.port);
        }
        CHECK_OK(evtchn_send(port));
    }
    say("server: answered %d pings", ROUNDS);

    /* The client closes its end after the last pong: our port is unbound for it again. */
    int yields = 0;
    while (port_status(port).status != EVTCHNSTAT_unbound) {
        if (++yields > CLOSE_WAIT_YIELDS)
            FAIL("peer never closed its end");
        CHECK_OK(HYPERVISOR_sched_op(SCHEDOP_yield, NULL));
    }
    CHECK_EQ(port_status(port).u.unbound.dom, peer);
    CHECK(!port_pending(port));
    CHECK(!evtchn_test_and_clear_seen(port));
    say("server: peer closed; port %u unbound for d%lu again, no extra ping", port, peer);
}

static void run_client(unsigned long peer, unsigned long remote_port)
{
    /* A port of the peer that is not offered to us, a port beyond the ABI, a closed port. */
    struct evtchn_bind_interdomain bad = { .remote_dom = peer, .remote_port = 1 };
    CHECK_RC(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bad), -XEN_EINVAL);
    bad.remote_port = EVTCHN_2L_NR_CHANNELS;
    CHECK_RC(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bad), -XEN_EINVAL);
    bad.remote_port = SCAN_PORTS + 1;
    CHECK_RC(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bad), -XEN_EINVAL);
    say("client: binding the peer's store port, port 4096 or a closed port -EINVAL");

    struct evtchn_bind_interdomain b = { .remote_dom = peer, .remote_port = remote_port };
    CHECK_OK(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &b));
    evtchn_port_t port = b.local_port;
    struct evtchn_status st = port_status(port);
    CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(st.u.interdomain.dom, peer);
    CHECK_EQ(st.u.interdomain.port, remote_port);
    /* The port is already bound: a second bind of the same remote end is refused. */
    struct evtchn_bind_interdomain again = { .remote_dom = peer, .remote_port = remote_port };
    CHECK_RC(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &again), -XEN_EINVAL);
    say("client: bound d%lu port %lu as local port %u; a second bind -EINVAL", peer, remote_port,
        port);

    /* bind_interdomain conservatively marks the new local port pending: take that event first. */
    unmask_port(port);
    block_until(port);

    unsigned long upcalls = events_upcalls;
    for (int round = 0; round < ROUNDS; round++) {
        CHECK_OK(evtchn_send(port));
        block_until(port);
    }
    CHECK(events_upcalls - upcalls >= ROUNDS);
    say("client: %d pings answered by %d pongs", ROUNDS, ROUNDS);

    struct evtchn_close c = { .port = port };
    CHECK_OK(HYPERVISOR_event_channel_op(EVTCHNOP_close, &c));
    CHECK_EQ(port_status(port).status, EVTCHNSTAT_closed);
    CHECK_RC(evtchn_send(port), -XEN_EINVAL);
    say("client: closed port %u; sending on it -EINVAL", port);
}

void test_main(void)
{
    /* Only the channel's events wake us. */
    CHECK_OK(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL));
    events_mask();
    unsigned long peer, port;
    if (!cmdline_number("peer", &peer) || peer >= DOMID_SELF)
        FAIL("cmdline needs peer=<domid>");
    if (strstr(start_info->cmd_line, "pingpong=server")) {
        run_server(peer);
    } else if (strstr(start_info->cmd_line, "pingpong=client")) {
        if (!cmdline_number("port", &port) || port == 0 || port >= EVTCHN_2L_NR_CHANNELS)
            FAIL("cmdline needs port=<the server's port>");
        run_client(peer, port);
    } else {
        FAIL("cmdline needs pingpong=server or pingpong=client");
    }
}
