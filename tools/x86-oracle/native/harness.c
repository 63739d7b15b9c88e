/*
 * Xenoserver x86 oracle: native harness.
 *
 * Runs x86-64 snippets on the host CPU at CPL 3 with the memory layout of the
 * x86-core snippet contract and reports registers, flags, faults and the
 * bytes of the data/stack windows that changed. Protocol (little-endian) is
 * documented in tools/x86-oracle/README.md; the TypeScript side lives in
 * tools/x86-oracle/native-runner.ts.
 *
 * Build: gcc -O2 -o harness harness.c trampoline.S
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_ADDR 0x10000000UL
#define DATA_ADDR 0x20000000UL
#define STACK_ADDR 0x30000000UL
#define WINDOW 4096
#define STUB_LEN 14 /* jmp qword ptr [rip+0]; .quad tramp_epilogue */
#define MAX_CODE (WINDOW - STUB_LEN)
#define MAGIC 0x49524f58u /* "XORI" */
#define VERSION 1u

struct cpu_state {
  uint64_t gpr[16];
  uint64_t rflags;
};

extern int tramp_run(const struct cpu_state *in, struct cpu_state *out);
extern void tramp_epilogue(void);
extern void tramp_fault_return(void);

enum { ST_OK = 0, ST_EXCEPTION = 1, ST_TIMEOUT = 2 };

static uint8_t *code_rw; /* writable alias of the code window */
static uint8_t *data_win, *stack_win;
static uint8_t base_data[WINDOW], base_stack[WINDOW];
static uint8_t pre_data[WINDOW], pre_stack[WINDOW];

/* State shared with the signal handler. */
static volatile sig_atomic_t in_snippet;
static volatile uint64_t serial, watchdog_seen;
static volatile int fault_signal, fault_timeout;
static struct cpu_state fault_state;
static volatile uint64_t fault_rip, fault_trapno, fault_err, fault_addr;

static void die(const char *msg) {
  fprintf(stderr, "x86-oracle harness: %s (errno %d: %s)\n", msg, errno, strerror(errno));
  exit(2);
}

/* ucontext gregs index for each GPR in our order (rax rcx rdx rbx rsp rbp rsi rdi r8..r15). */
static const int greg_index[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                   REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};

static void on_signal(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = (ucontext_t *)ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  if (sig == SIGPROF) {
    if (!in_snippet) return;
    if (watchdog_seen != serial) {
      watchdog_seen = serial;
      return;
    }
    fault_timeout = 1;
  } else if (!in_snippet) {
    /* A fault in the harness itself: die loudly with the default action. */
    signal(sig, SIG_DFL);
    return;
  }
  for (int i = 0; i < 16; i++) fault_state.gpr[i] = (uint64_t)g[greg_index[i]];
  fault_state.rflags = (uint64_t)g[REG_EFL];
  fault_rip = (uint64_t)g[REG_RIP];
  fault_trapno = (uint64_t)g[REG_TRAPNO];
  fault_err = (uint64_t)g[REG_ERR];
  fault_addr = (uint64_t)si->si_addr;
  fault_signal = sig;
  /* Resume in the trampoline's fault exit with a sane DF/AC/TF. */
  g[REG_RIP] = (greg_t)(uintptr_t)tramp_fault_return;
  g[REG_EFL] &= ~(greg_t)(0x400 | 0x40000 | 0x100);
}

static void *map_fixed(uint64_t addr, int prot) {
  void *p = mmap((void *)addr, WINDOW, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED || (uint64_t)p != addr) die("cannot map a window at its fixed address");
  return p;
}

static void setup(void) {
  int fd = memfd_create("x86-oracle-code", 0);
  if (fd < 0) die("memfd_create");
  if (ftruncate(fd, WINDOW) != 0) die("ftruncate");
  void *rx = mmap((void *)CODE_ADDR, WINDOW, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
  if (rx == MAP_FAILED || (uint64_t)rx != CODE_ADDR) die("cannot map the code window");
  code_rw = mmap(NULL, WINDOW, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (code_rw == MAP_FAILED) die("cannot map the code alias");
  data_win = map_fixed(DATA_ADDR, PROT_READ | PROT_WRITE);
  stack_win = map_fixed(STACK_ADDR, PROT_READ | PROT_WRITE);

  static uint8_t altstack[1 << 16];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  if (sigaltstack(&ss, NULL) != 0) die("sigaltstack");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGPROF};
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    if (sigaction(sigs[i], &sa, NULL) != 0) die("sigaction");
  /* The watchdog counts user and system time: some kernels (seen on 6.18 under Firecracker) retry a
   * push through a non-canonical RSP in the kernel for a long while before raising the signal, and a
   * user-time-only timer would let that run for seconds per vector. A snippet runs in microseconds, so
   * 10-20 ms without progress means it will not finish. */
  struct itimerval it = {.it_interval = {0, 10000}, .it_value = {0, 10000}};
  if (setitimer(ITIMER_PROF, &it, NULL) != 0) die("setitimer");
}

/* ---- buffered I/O ---- */
static void read_exact(void *buf, size_t n) {
  if (n && fread(buf, 1, n, stdin) != n) die("truncated input");
}
static uint8_t rd8(void) { uint8_t v; read_exact(&v, 1); return v; }
static uint16_t rd16(void) { uint16_t v; read_exact(&v, 2); return v; }
static uint32_t rd32(void) { uint32_t v; read_exact(&v, 4); return v; }
static void wr(const void *buf, size_t n) {
  if (fwrite(buf, 1, n, stdout) != n) die("write failed");
}

/* Append the runs of bytes of `win` that differ from `pre` (gaps of <= 3 equal bytes are merged). */
static uint8_t diff_buf[3 * 2 * WINDOW];
static size_t diff_len;
static uint16_t diff_count;
static void collect_diffs(uint8_t which, const uint8_t *pre, const uint8_t *win) {
  int i = 0;
  while (i < WINDOW) {
    if ((i & 63) == 0 && memcmp(pre + i, win + i, 64) == 0) { i += 64; continue; }
    if (pre[i] == win[i]) { i++; continue; }
    int start = i, end = i + 1; /* end: one past the last differing byte */
    for (int j = i + 1; j < WINDOW && j - end <= 3; j++)
      if (pre[j] != win[j]) end = j + 1;
    uint16_t off = (uint16_t)start, len = (uint16_t)(end - start);
    diff_buf[diff_len++] = which;
    memcpy(diff_buf + diff_len, &off, 2); diff_len += 2;
    memcpy(diff_buf + diff_len, &len, 2); diff_len += 2;
    memcpy(diff_buf + diff_len, win + start, len); diff_len += len;
    diff_count++;
    i = end;
  }
}

static void run_vector(void) {
  uint16_t code_len = rd16();
  if (code_len > MAX_CODE) die("code too long");
  read_exact(code_rw, code_len);
  /* jmp qword ptr [rip+0]; .quad tramp_epilogue */
  uint8_t *stub = code_rw + code_len;
  stub[0] = 0xff; stub[1] = 0x25; memset(stub + 2, 0, 4);
  uint64_t epi = (uint64_t)(uintptr_t)tramp_epilogue;
  memcpy(stub + 6, &epi, 8);
  /* Poison what the previous (longer) snippet left behind. */
  static uint16_t prev_end = WINDOW;
  uint16_t end = (uint16_t)(code_len + STUB_LEN);
  if (prev_end > end) memset(code_rw + end, 0xcc, prev_end - end);
  prev_end = end;

  struct cpu_state in, out;
  read_exact(in.gpr, sizeof in.gpr);
  in.rflags = ((uint64_t)rd32()) | ((uint64_t)rd32() << 32);
  memcpy(pre_data, base_data, WINDOW);
  memcpy(pre_stack, base_stack, WINDOW);
  uint16_t npatch = rd16();
  for (uint16_t p = 0; p < npatch; p++) {
    uint8_t which = rd8();
    uint16_t off = rd16(), len = rd16();
    if ((uint32_t)off + len > WINDOW) die("patch out of window");
    read_exact((which ? pre_stack : pre_data) + off, len);
  }
  memcpy(data_win, pre_data, WINDOW);
  memcpy(stack_win, pre_stack, WINDOW);

  /* Only the arithmetic flags and DF may vary; IF and bit 1 are forced on. */
  in.rflags = (in.rflags & 0xcd5) | 0x202;
  fault_signal = 0;
  fault_timeout = 0;
  serial++;
  in_snippet = 1;
  int faulted = tramp_run(&in, &out);
  in_snippet = 0;

  uint8_t status = ST_OK, vector = 0;
  uint32_t err = 0;
  uint64_t rip = CODE_ADDR + code_len, addr = 0;
  if (faulted) {
    out = fault_state;
    rip = fault_rip;
    if (fault_timeout) {
      status = ST_TIMEOUT;
    } else {
      status = ST_EXCEPTION;
      vector = (uint8_t)fault_trapno;
      err = (uint32_t)fault_err;
      addr = fault_addr;
    }
  }
  diff_len = 0;
  diff_count = 0;
  collect_diffs(0, pre_data, data_win);
  collect_diffs(1, pre_stack, stack_win);

  uint8_t hdr[8] = {status, vector, 0, 0};
  memcpy(hdr + 4, &err, 4);
  wr(hdr, 8);
  wr(&rip, 8);
  wr(out.gpr, sizeof out.gpr);
  wr(&out.rflags, 8);
  wr(&addr, 8);
  wr(&diff_count, 2);
  wr(diff_buf, diff_len);
}

int main(void) {
  static char inbuf[1 << 20], outbuf[1 << 20];
  setvbuf(stdin, inbuf, _IOFBF, sizeof inbuf);
  setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
  setup();
  if (rd32() != MAGIC) die("bad magic");
  if (rd32() != VERSION) die("unsupported protocol version");
  for (;;) {
    uint8_t msg = rd8();
    if (msg == 'B') {
      read_exact(base_data, WINDOW);
      read_exact(base_stack, WINDOW);
    } else if (msg == 'V') {
      run_vector();
    } else if (msg == 'E') {
      break;
    } else {
      die("unknown message");
    }
  }
  if (fflush(stdout) != 0) die("flush failed");
  return 0;
}
