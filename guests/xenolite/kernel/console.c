/*
 * Console: the PV console ring (struct xencons_interface, §10.1).
 *
 * Output: copy into out[], write barrier, advance out_prod, EVTCHNOP_send.
 * A full ring is handled by notifying the backend and yielding the vCPU
 * (SCHEDOP_yield) until it has consumed something. '\n' becomes "\r\n" as
 * a serial terminal expects.
 *
 * Input: drained from in[] on every console event (upcall) into a small
 * line-discipline buffer. Ctrl-C is not stored: it discards pending input
 * and raises an "interrupt" that the next blocking read, sleep or yield of
 * the foreground program reports as -EINTR.
 *
 * Without a console ring (start_info console mfn 0, e.g. when booted as
 * the initial domain) output falls back to HYPERVISOR_console_io.
 */
#include "kernel.h"

static struct xencons_interface *ring;
static char inbuf[256];
static unsigned int in_head, in_tail;      /* free running */
static bool intr;
char console_wait;

void console_init(void)
{
    console_port = start_info->console.domU.evtchn;   /* events_init confirms it */
    if (start_info->console.domU.mfn && !(start_info->flags & SIF_INITDOMAIN))
        ring = pfn_to_virt(mfn_to_pfn(start_info->console.domU.mfn));
}

static void notify(void)
{
    if (ring && console_port)
        evtchn_send(console_port);
}

static void ring_put(const char *s, size_t n)
{
    XENCONS_RING_IDX prod = ring->out_prod;
    while (n) {
        XENCONS_RING_IDX cons = READ_ONCE(ring->out_cons);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        uint32_t used = prod - cons;
        if (used >= sizeof(ring->out)) {
            /* Full (or a confused backend): publish, kick, give up the
             * CPU until the backend has made room. */
            __atomic_thread_fence(__ATOMIC_RELEASE);
            WRITE_ONCE(ring->out_prod, prod);
            notify();
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
            continue;
        }
        size_t space = sizeof(ring->out) - used;
        while (n && space--) {
            ring->out[XENCONS_MASK(prod, ring->out)] = *s++;
            prod++;
            n--;
        }
    }
    __atomic_thread_fence(__ATOMIC_RELEASE);      /* data before index */
    WRITE_ONCE(ring->out_prod, prod);
}

static void raw_write(const char *s, size_t n)
{
    if (ring) {
        ring_put(s, n);
        notify();
    } else {
        HYPERVISOR_console_io(CONSOLEIO_write, n, s);
    }
}

void console_write(const char *buf, size_t len)
{
    char tmp[256];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (n >= sizeof(tmp) - 2) {
            raw_write(tmp, n);
            n = 0;
        }
        if (buf[i] == '\n')
            tmp[n++] = '\r';
        tmp[n++] = buf[i];
    }
    if (n)
        raw_write(tmp, n);
}

/* Bounded wait until the backend has taken everything (before shutdown). */
void console_flush(void)
{
    if (!ring)
        return;
    for (int i = 0; i < 10000 && READ_ONCE(ring->out_cons) != READ_ONCE(ring->out_prod); i++) {
        notify();
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
}

static void input_byte(char c)
{
    if (c == 0x03) {                /* Ctrl-C */
        intr = true;
        in_head = in_tail;
        return;
    }
    if (in_tail - in_head < sizeof(inbuf))
        inbuf[in_tail++ % sizeof(inbuf)] = c;
}

void console_rx(void)
{
    if (!ring) {
        /* console_io input (initial domain): poll what Xen has buffered. */
        char buf[64];
        long n = start_info->flags & SIF_INITDOMAIN
                     ? HYPERVISOR_console_io(CONSOLEIO_read, sizeof(buf), buf) : 0;
        for (long i = 0; i < n; i++)
            input_byte(buf[i]);
        return;
    }
    XENCONS_RING_IDX cons = ring->in_cons;
    XENCONS_RING_IDX prod = READ_ONCE(ring->in_prod);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);         /* index before data */
    if (prod == cons)
        return;
    if (prod - cons > sizeof(ring->in))
        cons = prod - sizeof(ring->in);               /* bogus index: keep the newest */
    while (cons != prod)
        input_byte(ring->in[XENCONS_MASK(cons, ring->in)]), cons++;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    WRITE_ONCE(ring->in_cons, cons);
    notify();
}

long console_read(char *buf, size_t len)
{
    for (;;) {
        console_rx();
        if (intr) {
            intr = false;
            return -XL_EINTR;
        }
        if (in_head != in_tail) {
            size_t n = 0;
            while (n < len && in_head != in_tail)
                buf[n++] = inbuf[in_head++ % sizeof(inbuf)];
            return (long)n;
        }
        sleep_on(&console_wait, "tty", 0);
    }
}

bool console_take_intr(void)
{
    console_rx();
    bool was = intr;
    intr = false;
    return was;
}

void printk(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}

noreturn void panic(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printk("\nxenolite: PANIC: %s\n", buf);
    console_flush();
    struct sched_shutdown s = { .reason = SHUTDOWN_crash };
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}
