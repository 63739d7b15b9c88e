/*
 * Tasks and the scheduler: a fixed task table, cooperative round robin.
 *
 * A task runs until it blocks (sleep_on), yields, or exits; additionally an
 * event upcall that interrupted user mode reschedules (trap.c), so a busy
 * user program cannot starve the kernel tasks. The idle task (pid 0) runs
 * when nothing else can and blocks the vCPU in SCHEDOP_block.
 *
 * Wait channels are plain addresses: sleep_on(chan) blocks until
 * wakeup(chan) or the deadline (via timerd).
 */
#include "kernel.h"

static struct task tasks[MAX_TASKS];
static uint8_t kstacks[MAX_TASKS][KSTACK_SIZE] __attribute__((aligned(PAGE_SIZE)));
extern uint8_t init_stack[];
extern void task_trampoline(void);
struct task *current;
static uint32_t next_pid = 2;
char task_exit_wait;

static void set_name(struct task *t, const char *name)
{
    strlcpy(t->name, name, sizeof(t->name));
}

static int idle_main(void *arg)
{
    (void)arg;
    idle_loop();
}

/* The boot context becomes init (pid 1, on the boot stack); slot 0 is idle. */
void sched_init(void)
{
    struct task *init = &tasks[1];
    init->state = TASK_RUNNABLE;
    init->pid = 1;
    init->kstack = init_stack;
    set_name(init, "init");
    init->run_start = now_ns();
    init->switches = 1;
    current = init;

    struct task *idle = task_create("idle", idle_main, NULL, false);
    if (idle != &tasks[0])
        panic("idle task not in slot 0");
    idle->pid = 0;
    next_pid = 2;
}

struct task *task_create(const char *name, int (*fn)(void *), void *arg, bool user)
{
    for (unsigned int i = 0; i < MAX_TASKS; i++) {
        struct task *t = &tasks[i];
        if (t->state != TASK_FREE)
            continue;
        memset(t, 0, sizeof(*t));
        t->pid = next_pid++;
        t->user = user;
        set_name(t, name);
        t->kstack = kstacks[i];
        /* Initial stack as switch_context leaves it: r15 r14 r13 r12 rbx rbp, ret. */
        uint64_t *sp = (uint64_t *)(t->kstack + KSTACK_SIZE) - 7;
        memset(sp, 0, 7 * sizeof(*sp));
        sp[2] = (uint64_t)arg;          /* r13 */
        sp[3] = (uint64_t)fn;           /* r12 */
        sp[6] = (uint64_t)task_trampoline;
        t->ksp = (uint64_t)sp;
        t->state = TASK_RUNNABLE;
        return t;
    }
    return NULL;
}

static struct task *pick_next(void)
{
    unsigned int cur = (unsigned int)(current - tasks);
    for (unsigned int i = 1; i <= MAX_TASKS; i++) {
        struct task *t = &tasks[(cur + i) % MAX_TASKS];
        if (t != &tasks[0] && t->state == TASK_RUNNABLE)
            return t;
    }
    return &tasks[0];
}

bool need_resched(void)
{
    for (unsigned int i = 1; i < MAX_TASKS; i++)
        if (&tasks[i] != current && tasks[i].state == TASK_RUNNABLE)
            return true;
    return false;
}

void schedule(void)
{
    struct task *prev = current, *next = pick_next();
    if (next == prev)
        return;
    uint64_t now = now_ns();
    prev->cpu_ns += now - prev->run_start;
    next->run_start = now;
    next->switches++;
    current = next;
    switch_context(&prev->ksp, next->ksp);
}

int sleep_on(const void *chan, const char *wname, uint64_t deadline)
{
    current->state = TASK_BLOCKED;
    current->wchan = chan;
    current->wname = wname;
    current->deadline = deadline;
    current->timed_out = false;
    if (deadline)
        timer_request(deadline);
    schedule();
    return current->timed_out ? -XEN_ETIMEDOUT : 0;
}

static void make_runnable(struct task *t)
{
    t->state = TASK_RUNNABLE;
    t->wchan = NULL;
    t->wname = NULL;
    t->deadline = 0;
}

void wakeup(const void *chan)
{
    for (unsigned int i = 0; i < MAX_TASKS; i++)
        if (tasks[i].state == TASK_BLOCKED && tasks[i].wchan == chan)
            make_runnable(&tasks[i]);
}

void wake_expired(uint64_t now, uint64_t *next_deadline)
{
    for (unsigned int i = 0; i < MAX_TASKS; i++) {
        struct task *t = &tasks[i];
        if (t->state != TASK_BLOCKED || !t->deadline)
            continue;
        if (t->deadline <= now) {
            make_runnable(t);
            t->timed_out = true;
        } else if (!*next_deadline || t->deadline < *next_deadline) {
            *next_deadline = t->deadline;
        }
    }
}

noreturn void task_exit(int code)
{
    if (current->user)
        vm_reset();
    current->exit_code = code;
    current->state = TASK_ZOMBIE;
    wakeup(&task_exit_wait);
    schedule();
    panic("zombie task %s scheduled", current->name);
}

/* Returns the exit code of a zombie and frees its slot, or -1. */
int task_reap(struct task *t)
{
    if (t->state != TASK_ZOMBIE)
        return -1;
    t->state = TASK_FREE;
    return t->exit_code;
}

struct task *task_find_zombie(void)
{
    for (unsigned int i = 0; i < MAX_TASKS; i++)
        if (tasks[i].state == TASK_ZOMBIE)
            return &tasks[i];
    return NULL;
}

size_t task_list(struct xl_task_info *out, size_t max)
{
    static const char states[] = { [TASK_FREE] = '-', [TASK_RUNNABLE] = 'R',
                                   [TASK_BLOCKED] = 'S', [TASK_ZOMBIE] = 'Z' };
    uint64_t now = now_ns();
    size_t n = 0;
    for (unsigned int i = 0; i < MAX_TASKS && n < max; i++) {
        const struct task *t = &tasks[i];
        if (t->state == TASK_FREE)
            continue;
        struct xl_task_info *o = &out[n++];
        memset(o, 0, sizeof(*o));
        o->pid = t->pid;
        o->state = states[t->state];
        o->user = t->user;
        memcpy(o->name, t->name, sizeof(o->name));
        if (t->state == TASK_BLOCKED && t->wname)
            strlcpy(o->wait, t->wname, sizeof(o->wait));
        o->cpu_ns = t->cpu_ns + (t == current ? now - t->run_start : 0);
        o->switches = t->switches;
    }
    return n;
}

/* Pid 0. Blocks the vCPU whenever no task is runnable: SCHEDOP_block
 * unmasks events atomically with the check for pending ones (§9.1), so a
 * wakeup cannot be lost between need_resched() and the block. The upcall
 * is delivered on the way back; re-mask before touching kernel state. */
static bool deadline_pending(void)
{
    for (unsigned int i = 0; i < MAX_TASKS; i++)
        if (tasks[i].state == TASK_BLOCKED && tasks[i].deadline)
            return true;
    return false;
}

noreturn void idle_loop(void)
{
    for (;;) {
        events_mask();
        if (need_resched()) {
            schedule();
            continue;
        }
        if (timer_polling() && deadline_pending()) {
            /* No timer event will come: yield the vCPU, then look at
             * events and deadlines by hand (still masked, so this is the
             * same context as an upcall that interrupted the block). */
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
            if (READ_ONCE(vcpu->evtchn_upcall_pending))
                events_handle();
            uint64_t next = 0;
            wake_expired(now_ns(), &next);
            continue;
        }
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
        events_mask();
    }
}
