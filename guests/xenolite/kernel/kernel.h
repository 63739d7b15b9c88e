/*
 * xenolite kernel: internal interfaces. One section per source file.
 *
 * Concurrency model (why there are no locks): guest-kernel code always runs
 * with events masked (vcpu_info.evtchn_upcall_mask = 1). Events are unmasked
 * only in guest user mode (the iret into user mode restores IF = 1) and
 * inside SCHEDOP_block in the idle task. So an event upcall interrupts
 * either user mode or the idle task's block, never other kernel code, and
 * tasks switch only where they call schedule().
 */
#ifndef XENOLITE_KERNEL_H
#define XENOLITE_KERNEL_H

#include "lib.h"
#include <x86/page.h>
#include <x86/processor.h>
#include <xen/xen.h>
#include <xen/callback.h>
#include <xen/cpuid.h>
#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>
#include <xenolite/abi.h>
#include "hypercall.h"

#define VIRT_BASE 0xffffffff80000000UL

/* ---- kernel virtual layout (L4 slot 511, L3 slot 510) ------------------- */
#define KERNEL_L2_SLOTS   510                      /* direct map of the boot region */
#define SHADOW_VA  0xffffffffbfc00000UL            /* L2 slot 510: vm.c shadow pages */
#define FIXMAP_VA  0xffffffffbfe00000UL            /* L2 slot 511 */
#define SHARED_INFO_VA  (FIXMAP_VA + 0 * PAGE_SIZE)
_Static_assert(((SHADOW_VA >> 30) & 511) == ((VIRT_BASE >> 30) & 511) &&
               ((FIXMAP_VA >> 30) & 511) == ((VIRT_BASE >> 30) & 511), "windows in the kernel L2");

/* ---- user virtual layout: the first GiB (L4 slot 0, L3 slot 0, one L2) -- */
#define USER_MMAP_BASE   0x10000000UL
#define USER_MMAP_END    0x3f000000UL
#define USER_STACK_TOP   0x3fff0000UL
#define USER_STACK_PAGES 16
#define USER_VA_END      0x40000000UL

/* ---- main.c ------------------------------------------------------------- */
extern struct start_info *start_info;
extern struct shared_info *shared;
extern struct vcpu_info *vcpu;
extern bool boot_debug;
extern uint64_t boot_tsc;
extern struct xl_sysinfo sysinfo;
noreturn void system_shutdown(unsigned int reason, const char *why);
#define bootlog(...) do { if (boot_debug) printk("boot: " __VA_ARGS__); } while (0)

/* ---- console.c: PV console ring ----------------------------------------- */
void console_init(void);
void console_write(const char *buf, size_t len);     /* '\n' -> "\r\n" */
void console_flush(void);
void console_rx(void);                                /* drain the in-ring */
long console_read(char *buf, size_t len);             /* blocking, -EINTR */
bool console_take_intr(void);                         /* consume a pending Ctrl-C */
extern char console_wait;                             /* wait channel: input/intr */
void printk(const char *fmt, ...) printf_like(1, 2);
noreturn void panic(const char *fmt, ...) printf_like(1, 2);

/* ---- mm.c: own page tables, frame allocator ----------------------------- */
extern unsigned long nr_pages;
extern unsigned long *p2m;
extern uint64_t pte_nx;               /* _PAGE_NX if the CPU has it, else 0 */
void mm_init(void);
static inline void *pfn_to_virt(unsigned long pfn) { return (void *)(VIRT_BASE + (pfn << PAGE_SHIFT)); }
static inline unsigned long virt_to_pfn(const void *va) { return ((unsigned long)va - VIRT_BASE) >> PAGE_SHIFT; }
static inline unsigned long pfn_to_mfn(unsigned long pfn) { return p2m[pfn]; }
unsigned long mfn_to_pfn(unsigned long mfn);
long frame_alloc(void);                               /* pfn, or -1 */
void frame_free(unsigned long pfn);
long mmu_update1(uint64_t ptr, uint64_t val);
long mmuext1(unsigned int cmd, unsigned long arg1);
long mmu_update_batch(struct mmu_update *req, unsigned int n);
struct mm_stats { uint64_t kernel, pagetable, user, free; };
extern struct mm_stats mm_stats;

/* ---- vm.c: the user address space --------------------------------------- */
void vm_init(unsigned long user_l2_pfn, unsigned long shadow_l1_pfn);
long vm_map(uint64_t va, size_t pages, bool writable, bool exec);   /* zeroed frames */
void vm_unmap(uint64_t va, size_t pages);
void vm_flush(void);
long vm_mmap(size_t pages);
long vm_munmap(uint64_t va, size_t pages);
void vm_reset(void);                                  /* unmap everything (process exit) */
long vm_protect(uint64_t va, size_t pages, bool writable, bool exec);
bool vm_user_range_ok(uint64_t va, size_t len, bool write);

/* ---- exec.c ------------------------------------------------------------- */
struct user_image { const uint8_t *data; size_t size; };
long exec_load(const struct user_image *img, uint64_t *entry, uint64_t *sp);

/* ---- trap.c ------------------------------------------------------------- */
#define VEC_EVENT    0x100
#define VEC_SYSCALL  0x101
struct trap_frame {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
    uint64_t pad0, pad1;
    uint64_t vector;
    uint64_t error_code;       /* replaced by the iret flags on the way out */
    uint64_t rip, cs, rflags, rsp, ss;
};
static inline bool frame_from_user(const struct trap_frame *f) { return (f->cs & 3) == 3; }
void traps_init(void);
void syscall_dispatch(struct trap_frame *f);

/* ---- events.c: 2-level event channels ----------------------------------- */
extern evtchn_port_t timer_port, console_port, store_port;
void events_init(void);
void evtchn_send(evtchn_port_t port);
void events_handle(void);
static inline void events_mask(void) { vcpu->evtchn_upcall_mask = 1; barrier(); }

/* ---- time.c: pvclock, wall clock, one-shot timer ------------------------ */
uint64_t now_ns(void);                                 /* Xen system time */
uint64_t tsc_to_ns(uint64_t tsc);
uint64_t uptime_ns(void);                              /* since kernel entry */
void wallclock(struct xl_timespec *ts);
void timer_init(void);
void timer_request(uint64_t deadline);
bool timer_polling(void);
int timerd_main(void *arg);
extern char timer_wait;

/* ---- sched.c: tasks ----------------------------------------------------- */
enum task_state { TASK_FREE, TASK_RUNNABLE, TASK_BLOCKED, TASK_ZOMBIE };
#define MAX_TASKS 6
#define KSTACK_SIZE 16384
struct task {
    enum task_state state;
    uint32_t pid;
    bool user;
    char name[XL_TASK_NAME_LEN];
    uint64_t ksp;                 /* saved kernel stack pointer */
    uint8_t *kstack;              /* base of the kernel stack */
    const void *wchan;            /* wait channel while blocked */
    const char *wname;
    uint64_t deadline;            /* 0 = none */
    bool timed_out;
    uint64_t cpu_ns, switches, run_start;
    int exit_code;
};
extern struct task *current;
void sched_init(void);
struct task *task_create(const char *name, int (*fn)(void *), void *arg, bool user);
void schedule(void);
bool need_resched(void);
int sleep_on(const void *chan, const char *wname, uint64_t deadline);   /* 0 or -XEN_ETIMEDOUT */
void wakeup(const void *chan);
void wake_expired(uint64_t now, uint64_t *next_deadline);
noreturn void task_exit(int code);
int task_reap(struct task *t);
struct task *task_find_zombie(void);
extern char task_exit_wait;
size_t task_list(struct xl_task_info *out, size_t max);
noreturn void idle_loop(void);
void switch_context(uint64_t *save_sp, uint64_t load_sp);
noreturn void enter_user(uint64_t rip, uint64_t rsp);

/* ---- xenstore.c --------------------------------------------------------- */
void xs_init(void);
bool xs_available(void);
long xs_read(const char *path, char *buf, size_t len, uint64_t timeout_ns);
long xs_write(const char *path, const char *value, uint64_t timeout_ns);
int xenbus_main(void *arg);
void xs_read_identity(uint64_t deadline);

#endif /* XENOLITE_KERNEL_H */

/* CPUID through Xen's forced-emulation prefix "ud2; .ascii "xen"; cpuid"
 * (§11.1): the #UD traps to Xen, which runs its virtualised CPUID policy and
 * skips the seven bytes. Works in guest kernel and user mode alike. */
static inline struct xl_cpuid cpuid_fep(uint32_t leaf, uint32_t subleaf)
{
    struct xl_cpuid r;
    __asm__ volatile(XEN_EMULATE_PREFIX "cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "0"(leaf), "2"(subleaf));
    return r;
}

#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
