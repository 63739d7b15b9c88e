/*
 * Xenstore client over the shared ring (start_info.store_mfn/store_evtchn,
 * §10.2), and the "xenbus" task that honours control/shutdown.
 *
 * One request is in flight at a time (xs_lock). Whoever holds the lock
 * reads the response ring: replies complete the request, watch events are
 * queued for the xenbus task. Every wait has a deadline, so a domain whose
 * xenstore never answers still boots ("name unknown").
 */
#include "kernel.h"

static struct xenstore_domain_interface *xs;
static uint32_t next_req_id;
static bool busy, broken;
char xs_event;                          /* wait channel: store port fired */

#define MAX_WATCH_EVENTS 4
static struct { char path[64]; char token[16]; } watch_q[MAX_WATCH_EVENTS];
static unsigned int wq_head, wq_tail;

void xs_init(void)
{
    if (start_info->store_evtchn && start_info->store_mfn && !(start_info->flags & SIF_INITDOMAIN))
        xs = pfn_to_virt(mfn_to_pfn(start_info->store_mfn));
}

bool xs_available(void)
{
    return xs && !broken;
}

static void xs_lock(void)
{
    while (busy)
        sleep_on(&busy, "xslock", 0);
    busy = true;
}

static void xs_unlock(void)
{
    busy = false;
    wakeup(&busy);
}

static int ring_write(const void *data, size_t len, uint64_t deadline)
{
    const char *p = data;
    while (len) {
        XENSTORE_RING_IDX prod = xs->req_prod;
        XENSTORE_RING_IDX cons = READ_ONCE(xs->req_cons);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (prod - cons > XENSTORE_RING_SIZE)
            return -XEN_EIO;
        size_t n = MIN(len, XENSTORE_RING_SIZE - (prod - cons));
        n = MIN(n, XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod));   /* up to the wrap */
        if (!n) {
            evtchn_send(store_port);
            if (sleep_on(&xs_event, "xenstore", deadline))
                return -XEN_ETIMEDOUT;
            continue;
        }
        memcpy(xs->req + MASK_XENSTORE_IDX(prod), p, n);
        __atomic_thread_fence(__ATOMIC_RELEASE);
        WRITE_ONCE(xs->req_prod, prod + n);
        p += n;
        len -= n;
    }
    evtchn_send(store_port);
    return 0;
}

static int ring_read(void *data, size_t len, uint64_t deadline)
{
    char *p = data;
    bool consumed = false;      /* notify once per read, or before waiting */
    while (len) {
        XENSTORE_RING_IDX cons = xs->rsp_cons;
        XENSTORE_RING_IDX prod = READ_ONCE(xs->rsp_prod);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (prod - cons > XENSTORE_RING_SIZE)
            return -XEN_EIO;
        size_t n = MIN(len, prod - cons);
        n = MIN(n, XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons));
        if (!n) {
            if (consumed)
                evtchn_send(store_port);     /* the server may wait for room */
            consumed = false;
            if (sleep_on(&xs_event, "xenstore", deadline))
                return -XEN_ETIMEDOUT;
            continue;
        }
        if (p)
            memcpy(p, xs->rsp + MASK_XENSTORE_IDX(cons), n);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        WRITE_ONCE(xs->rsp_cons, cons + n);
        consumed = true;
        if (p)
            p += n;
        len -= n;
    }
    if (consumed)
        evtchn_send(store_port);
    return 0;
}

static bool rsp_pending(void)
{
    return READ_ONCE(xs->rsp_prod) != xs->rsp_cons;
}

static char body[XENSTORE_PAYLOAD_MAX + 1];

/* Read one message into `body` (NUL-terminated); queue it if it is a watch
 * event. Caller holds the lock. */
static int recv_one(struct xsd_sockmsg *h, uint64_t deadline)
{
    int rc = ring_read(h, sizeof(*h), deadline);
    if (!rc && h->len > XENSTORE_PAYLOAD_MAX)
        rc = -XEN_EIO;
    if (!rc)
        rc = ring_read(body, h->len, deadline);
    if (rc) {
        if (rc == -XEN_EIO)
            broken = true;      /* protocol violation: stop using the ring */
        return rc;
    }
    body[h->len] = 0;
    if (h->type == XS_WATCH_EVENT && wq_tail - wq_head < MAX_WATCH_EVENTS) {
        const char *path = body, *token = body + strnlen(body, h->len) + 1;
        unsigned int slot = wq_tail++ % MAX_WATCH_EVENTS;
        strlcpy(watch_q[slot].path, path, sizeof(watch_q[slot].path));
        strlcpy(watch_q[slot].token, token < body + h->len ? token : "", sizeof(watch_q[slot].token));
        wakeup(&xs_event);
    }
    return 0;
}

/* Xenstore errors are errno names (§10.2). */
static long error_code(const char *name)
{
    if (!strcmp(name, "ENOENT")) return -XEN_ENOENT;
    if (!strcmp(name, "EACCES")) return -XEN_EACCES;
    if (!strcmp(name, "EINVAL")) return -XEN_EINVAL;
    if (!strcmp(name, "ENOSYS")) return -XEN_ENOSYS;
    if (!strcmp(name, "EAGAIN")) return -XEN_EAGAIN;
    return -XEN_EIO;
}

/* Send type + payload, wait for the matching reply; on success copy up to
 * out_len - 1 payload bytes into out (NUL-terminated) and return the length. */
static long request(uint32_t type, const char *payload, size_t plen, char *out, size_t out_len,
                    uint64_t timeout_ns)
{
    if (!xs_available())
        return -XEN_ENODEV;
    uint64_t deadline = now_ns() + timeout_ns;
    xs_lock();
    struct xsd_sockmsg h = { .type = type, .req_id = ++next_req_id, .tx_id = 0, .len = (uint32_t)plen };
    uint32_t id = h.req_id;
    long rc = ring_write(&h, sizeof(h), deadline);
    if (!rc)
        rc = ring_write(payload, plen, deadline);
    while (!rc) {
        rc = recv_one(&h, deadline);
        if (!rc && h.type != XS_WATCH_EVENT && h.req_id == id)
            break;               /* ours; anything else is a stale reply */
    }
    if (!rc) {
        if (h.type == XS_ERROR) {
            rc = error_code(body);
        } else {
            if (out && out_len) {
                size_t n = MIN((size_t)h.len, out_len - 1);
                memcpy(out, body, n);
                out[n] = 0;
            }
            rc = h.len;
        }
    }
    xs_unlock();
    return rc;
}

long xs_read(const char *path, char *buf, size_t len, uint64_t timeout_ns)
{
    return request(XS_READ, path, strlen(path) + 1, buf, len, timeout_ns);
}

long xs_write(const char *path, const char *value, uint64_t timeout_ns)
{
    char msg[256];
    size_t pl = strlen(path) + 1, vl = strlen(value);
    if (pl + vl > sizeof(msg))
        return -XEN_EINVAL;
    memcpy(msg, path, pl);
    memcpy(msg + pl, value, vl);
    long rc = request(XS_WRITE, msg, pl + vl, NULL, 0, timeout_ns);
    return rc < 0 ? rc : 0;
}

static long xs_watch(const char *path, const char *token, uint64_t timeout_ns)
{
    char msg[128];
    size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
    if (pl + tl > sizeof(msg))
        return -XEN_EINVAL;
    memcpy(msg, path, pl);
    memcpy(msg + pl, token, tl);
    long rc = request(XS_WATCH, msg, pl + tl, NULL, 0, timeout_ns);
    return rc < 0 ? rc : 0;
}

/* ---- the xenbus task --------------------------------------------------- */

#define SHUTDOWN_TOKEN "xl-shutdown"

static void shutdown_request(void)
{
    char what[32];
    long rc = xs_read("control/shutdown", what, sizeof(what), 1000000000);
    if (rc <= 0)
        return;                  /* empty (our own acknowledgement) or gone */
    unsigned int reason;
    if (!strcmp(what, "poweroff") || !strcmp(what, "halt"))
        reason = SHUTDOWN_poweroff;
    else if (!strcmp(what, "reboot"))
        reason = SHUTDOWN_reboot;
    else {
        printk("\nxenbus: ignoring shutdown request \"%s\"\n", what);
        return;
    }
    /* Acknowledge by clearing the key, as Linux does, then go. */
    xs_write("control/shutdown", "", 1000000000);
    system_shutdown(reason, "shutdown requested by the control domain");
}

/* Both reads share one deadline. */
static void read_identity(uint64_t deadline)
{
    char buf[64];
    uint64_t now = now_ns();
    long rc = xs_read("name", buf, sizeof(buf), deadline > now ? deadline - now : 0);
    if (rc > 0)
        strlcpy(sysinfo.domain_name, buf, sizeof(sysinfo.domain_name));
    if (rc == -XEN_ETIMEDOUT)
        return;                  /* don't pay the timeout twice */
    now = now_ns();
    if (xs_read("domid", buf, sizeof(buf), deadline > now ? deadline - now : 0) > 0) {
        int id = 0;
        for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
            id = id * 10 + (*p - '0');
        sysinfo.domid = id;
    }
}

int xenbus_main(void *arg)
{
    (void)arg;
    if (!xs_available())
        return 0;
    /* Register the watch; retry with back-off if xenstore is slow. */
    uint64_t backoff = 1000000000;
    while (xs_watch("control/shutdown", SHUTDOWN_TOKEN, 1000000000) < 0) {
        if (!xs_available())
            return 1;
        sleep_on(&backoff, "backoff", now_ns() + backoff);
        backoff = MIN(backoff * 2, 60000000000UL);
    }
    /* Tell the toolstack which requests we honour (best effort). */
    xs_write("control/feature-poweroff", "1", 1000000000);
    xs_write("control/feature-reboot", "1", 1000000000);
    if (sysinfo.domid < 0)
        read_identity(now_ns() + 2000000000UL);   /* xenstore was late at boot */

    for (;;) {
        while (wq_head == wq_tail) {
            if (!busy && rsp_pending()) {
                struct xsd_sockmsg h;
                xs_lock();
                while (rsp_pending() && !recv_one(&h, now_ns() + 1000000000))
                    ;
                xs_unlock();
                if (!xs_available())
                    return 1;
                continue;
            }
            sleep_on(&xs_event, "watch", 0);
        }
        unsigned int slot = wq_head++ % MAX_WATCH_EVENTS;
        if (!strcmp(watch_q[slot].token, SHUTDOWN_TOKEN))
            shutdown_request();
    }
}

/* Used by init before the banner, with a deadline so the prompt is never late. */
void xs_read_identity(uint64_t deadline)
{
    if (xs_available())
        read_identity(deadline);
}
