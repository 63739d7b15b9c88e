/*
 * Test-kernel runtime: what every test kernel includes.
 *
 * A test kernel defines `void test_main(void)`. The runtime boots, sets up
 * traps/callbacks/shared_info, calls test_main(), and when it returns prints
 * "TEST <name> PASS" and powers off. Any failed CHECK prints
 * "TEST <name> FAIL: <file>:<line>: <reason>" and shuts down with
 * SHUTDOWN_crash. See ../README.md for the output protocol.
 */
#ifndef TK_RT_H
#define TK_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <x86/desc.h>
#include <x86/page.h>
#include <x86/processor.h>
#include <xen/callback.h>
#include <xen/cpuid.h>
#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/features.h>
#include <xen/io/console.h>
#include <xen/memory.h>
#include <xen/physdev.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/xen.h>

#include "hypercall.h"

#ifndef TEST_NAME
#error "TEST_NAME must be defined by the build"
#endif

#define VIRT_BASE 0xffffffff80000000UL

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define barrier() __asm__ volatile("" ::: "memory")
#define mb() __asm__ volatile("mfence" ::: "memory")
#define ACCESS_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define noreturn __attribute__((noreturn))
#define aligned_page __attribute__((aligned(PAGE_SIZE)))

/* ---- boot state ------------------------------------------------------ */

/* Registers as the domain builder handed them to _start (entry.S). */
struct boot_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rflags;
    uint64_t cs, ss, ds, es, fs, gs;
};
extern struct boot_regs boot_regs;

extern struct start_info *start_info;
extern struct shared_info *shared;     /* mapped by the runtime */
extern struct vcpu_info *vcpu;         /* current vcpu_info of vCPU0 (may move) */
extern unsigned long *p2m;             /* start_info->mfn_list */
extern unsigned long nr_pages;

/* Linker symbols. */
extern char _image_start[], _image_end[], _text_start[], _text_end[];

/* Stacks (bss). kernel_stack_top is what stack_switch() registers. */
extern char boot_stack_top[], trap_stack_top[], user_stack_top[];

/* ---- output ---------------------------------------------------------- */

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One progress line: "<name>: <message>". */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *buf, size_t len);
void console_flush(void);

/* PV console ring (console.c). */
struct xencons_interface *cons_ring(void);
evtchn_port_t cons_evtchn(void);
void ring_write(const char *buf, size_t len);       /* blocking, waits for drain */
size_t ring_write_nonblock(const char *buf, size_t len);
extern bool console_use_ring;      /* mirror printk output to the ring */
extern bool console_ring_blocking; /* ... waiting for the backend instead of dropping */
extern bool console_use_hcall;     /* print through console_io (default) */
extern unsigned long ring_dropped; /* bytes dropped by the non-blocking mirror */

/* ---- failing and passing -------------------------------------------- */

noreturn void test_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
noreturn void shutdown(unsigned int reason);
extern unsigned int pass_shutdown_reason;  /* SHUTDOWN_poweroff unless a test changes it */

const char *errname(long rc);

#define FAIL(...) test_fail_at(__FILE__, __LINE__, __VA_ARGS__)

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            test_fail_at(__FILE__, __LINE__, "check failed: %s", #cond);       \
    } while (0)

#define CHECK_EQ(a, b)                                                         \
    do {                                                                       \
        uint64_t _va = (uint64_t)(a), _vb = (uint64_t)(b);                     \
        if (_va != _vb)                                                        \
            test_fail_at(__FILE__, __LINE__, "%s == %s: got %#lx, expected %#lx", \
                         #a, #b, _va, _vb);                                    \
    } while (0)

/* Hypercall return code check; prints errno names. */
#define CHECK_RC(expr, expected)                                               \
    do {                                                                       \
        long _rc = (long)(expr), _ex = (long)(expected);                       \
        if (_rc != _ex)                                                        \
            test_fail_at(__FILE__, __LINE__, "%s: got %ld (%s), expected %ld (%s)", \
                         #expr, _rc, errname(_rc), _ex, errname(_ex));         \
    } while (0)

#define CHECK_OK(expr) CHECK_RC(expr, 0)

/* ---- traps ----------------------------------------------------------- */

/* Pseudo vectors used by the callback entry points. */
#define VEC_EVENT    0x100
#define VEC_SYSCALL  0x101

/* How trap_return goes back to the interrupted context. */
#define TRAP_RET_IRET     0   /* HYPERVISOR_iret, flags 0 (restores RCX/R11) */
#define TRAP_RET_SYSRET   1   /* HYPERVISOR_iret with VGCF_in_syscall */
#define TRAP_RET_NATIVE   2   /* "orb $3,8(%rsp); iretq" (kernel mode only) */

/* Frame built by trap_common (entry.S); lowest address first. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
    uint64_t rax, rcx, rdx, rsi, rdi;
    uint64_t reserved;
    uint64_t ret_mode;      /* TRAP_RET_* chosen by the handler */
    uint64_t vector;
    uint64_t error_code;    /* 0 for vectors without one */
    uint64_t rip, cs, rflags, rsp, ss;   /* Xen's bounce frame (CS bits 32-39 = saved mask) */
};

/* The last trap/event the runtime saw (reset with trap_reset()). */
struct trap_record {
    unsigned long count;          /* traps since trap_reset() */
    unsigned long vector;
    unsigned long error_code;
    unsigned long rip, cs, rflags, rsp, ss;
    unsigned long cr2;            /* vcpu_info.arch.cr2 at #PF time */
    unsigned long frame_top;      /* address just above the SS slot */
    unsigned long fixup;          /* extable fixup used, 0 if none */
    unsigned int saved_mask;      /* CS bits 32..39 */
    unsigned int mask_in_handler; /* vcpu_info upcall_mask seen by the handler */
    bool from_user;
    unsigned long per_vector[256];
};
extern volatile struct trap_record last_trap;
void trap_reset(void);

/* Optional hooks. Return true when the frame was handled. */
extern bool (*trap_hook)(struct trap_frame *f);
extern void (*syscall_hook)(struct trap_frame *f);
/* Next return from a trap taken in kernel mode uses this mode (one shot). */
extern int next_kernel_return_mode;

/* Exception table: a faulting instruction at label 1 resumes at label 2. */
#define EXTABLE(fault, fixup)                                                  \
    ".pushsection .extable, \"a\"\n\t.balign 8\n\t.quad " #fault ", " #fixup "\n\t.popsection\n\t"

/* Trap table installation (runtime.c): vectors 0-19, soft ints, callbacks. */
struct trap_info;
extern struct trap_info trap_table[];
void install_trap_table(void);
void register_callbacks(void);

/* Soft-interrupt vectors the runtime registers (DPL in parentheses). */
#define SOFTINT_DPL3        0x20  /* (3) */
#define SOFTINT_DPL1        0x21  /* (1) kernel only */
#define SOFTINT_DPL0        0x22  /* (0) nobody: INT n -> #GP */
#define SOFTINT_DPL3_MASK   0x23  /* (3) + mask events on entry */
#define SOFTINT_UNREG       0x24  /* not registered -> #GP */
#define SOFTINT_LINUX       0x80  /* (3) int $0x80 fast path */
#define SOFTINT_USER_DPL0   0x81  /* (0) */
#define SOFTINT_USER_DPL1   0x82  /* (1) */

/* Entry points (entry.S). */
void event_callback_entry(void);
void failsafe_callback_entry(void);
void syscall_callback_entry(void);
void hypercall_iret(void);
/* Enter guest user mode at fn(arg) on `stack`; returns the exit code the
 * user code passed to SYS_EXIT. */
long run_user(long (*fn)(unsigned long), unsigned long arg, void *stack);
noreturn void user_exit_to_kernel(long code);

/* Failsafe frame (11 words, docs §6.3). */
struct failsafe_frame {
    uint64_t rcx, r11, ds, es, fs, gs, rip, cs, rflags, rsp, ss;
};
extern void (*failsafe_hook)(struct failsafe_frame *f);

/* ---- events ---------------------------------------------------------- */

extern volatile unsigned long events_upcalls;       /* event callbacks taken */
extern volatile unsigned long last_event_cs;        /* CS slot of the last event frame */
extern volatile unsigned long last_event_frame_top;
extern volatile uint64_t events_seen[64];           /* ports seen pending (bitmap) */
bool evtchn_test_and_clear_seen(evtchn_port_t port);
static inline void events_mask(void) { ACCESS_ONCE(vcpu->evtchn_upcall_mask) = 1; barrier(); }
static inline void events_unmask(void) { barrier(); ACCESS_ONCE(vcpu->evtchn_upcall_mask) = 0; }
long evtchn_send(evtchn_port_t port);

/* ---- memory ---------------------------------------------------------- */

static inline unsigned long virt_to_pfn(const void *va)
{
    return ((unsigned long)va - VIRT_BASE) >> PAGE_SHIFT;
}
static inline unsigned long pfn_to_mfn(unsigned long pfn) { return p2m[pfn]; }
static inline unsigned long virt_to_mfn(const void *va) { return pfn_to_mfn(virt_to_pfn(va)); }
static inline void *pfn_to_virt(unsigned long pfn) { return (void *)(VIRT_BASE + (pfn << PAGE_SHIFT)); }
static inline uint64_t virt_to_maddr(const void *va)
{
    return (virt_to_mfn(va) << PAGE_SHIFT) | ((unsigned long)va & (PAGE_SIZE - 1));
}
/* Reverse p2m lookup by linear scan (does not rely on the M2P table). */
unsigned long mfn_to_pfn(unsigned long mfn);   /* ~0UL if not ours */
void *mfn_to_virt(unsigned long mfn);          /* NULL if not ours */

/* Reads the M2P table Xen maps at MACH2PHYS_VIRT_START. */
static inline unsigned long m2p_read(unsigned long mfn)
{
    return ((volatile unsigned long *)MACH2PHYS_VIRT_START)[mfn];
}

/* Page-table walk of the *current kernel* tables (the builder's unless a test
 * switched). Returns NULL if an upper level is not present. */
uint64_t *pte_of(unsigned long va, int level);
uint64_t pte_maddr(unsigned long va, int level);  /* machine address of that entry, 0 if none */
unsigned long current_l4_mfn(void);
uint64_t *current_l4(void);

/* Remap one page of our image read-only / read-write via update_va_mapping. */
long set_page_ro(void *va);
long set_page_rw(void *va);
#define PTE_KERNEL_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_KERNEL_RO (_PAGE_PRESENT | _PAGE_ACCESSED)

/* Bump allocator over a zeroed, page-aligned pool inside the image. */
void *page_alloc(void);
unsigned long pool_pages_left(void);

/* ---- small helpers --------------------------------------------------- */

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
const char *strstr(const char *h, const char *n);

struct cpuid_regs { uint32_t eax, ebx, ecx, edx; };
/* CPUID through the forced-emulation prefix (ud2; "xen"; cpuid). */
static inline struct cpuid_regs xen_cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r;
    __asm__ volatile(XEN_EMULATE_PREFIX "cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "0"(leaf), "2"(subleaf));
    return r;
}
static inline struct cpuid_regs native_cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "0"(leaf), "2"(subleaf));
    return r;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline uint16_t read_cs(void) { uint16_t v; __asm__ volatile("mov %%cs, %0" : "=r"(v)); return v; }
static inline uint16_t read_ss(void) { uint16_t v; __asm__ volatile("mov %%ss, %0" : "=r"(v)); return v; }
static inline uint16_t read_ds(void) { uint16_t v; __asm__ volatile("mov %%ds, %0" : "=r"(v)); return v; }
static inline uint16_t read_es(void) { uint16_t v; __asm__ volatile("mov %%es, %0" : "=r"(v)); return v; }
static inline uint16_t read_fs(void) { uint16_t v; __asm__ volatile("mov %%fs, %0" : "=r"(v)); return v; }
static inline uint16_t read_gs(void) { uint16_t v; __asm__ volatile("mov %%gs, %0" : "=r"(v)); return v; }
static inline uint64_t read_rflags(void)
{
    uint64_t v;
    __asm__ volatile("pushfq; popq %0" : "=r"(v));
    return v;
}
static inline uint64_t read_fs_qword0(void)
{
    uint64_t v;
    __asm__ volatile("movq %%fs:0, %0" : "=r"(v));
    return v;
}
static inline uint64_t read_gs_qword0(void)
{
    uint64_t v;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(v));
    return v;
}

/* Convenience wrappers used by several kernels (runtime.c). */
long mmuext1(unsigned int cmd, unsigned long arg1, unsigned long arg2);
long mmu_update1(uint64_t ptr, uint64_t val);
unsigned long xen_version_number(void);
long maximum_ram_page(void);

/* Each test kernel provides this. */
void test_main(void);

#endif /* TK_RT_H */
