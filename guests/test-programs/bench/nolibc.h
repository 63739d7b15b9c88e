/* nolibc.h — the whole run-time of the benchmark workloads: _start, three system calls and number
 * formatting. No glibc means no start-up cost, no SSE string routines and no IFUNC selection, so the
 * workloads measure the integer interpreter on the compiler's own code. Build with
 * -nostdlib -ffreestanding -mgeneral-regs-only (see the Makefile). */
#ifndef NOLIBC_H
#define NOLIBC_H

typedef unsigned long size_t;
typedef unsigned long uint64_t;
typedef long int64_t;
typedef unsigned int uint32_t;
typedef int int32_t;
typedef unsigned short uint16_t;
typedef unsigned char uint8_t;

static inline long sys3(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
}

static inline void sys_exit(int code) {
  for (;;) sys3(231 /* exit_group */, code, 0, 0);
}

static inline long sys_write(int fd, const void *p, size_t n) { return sys3(1, fd, (long)p, (long)n); }

/* gcc may emit calls to these for struct copies and zeroing even in freestanding code */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--) *d++ = *s++;
  return dst;
}
void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}

/* A small output buffer, flushed by out_flush(). */
static char out_buf[512];
static size_t out_len;

static void out_flush(void) {
  if (out_len) sys_write(1, out_buf, out_len);
  out_len = 0;
}

static void out_char(char c) {
  if (out_len == sizeof out_buf) out_flush();
  out_buf[out_len++] = c;
}

static void out_str(const char *s) {
  while (*s) out_char(*s++);
}

static void out_u64(uint64_t v) {
  char tmp[21];
  int n = 0;
  do tmp[n++] = (char)('0' + v % 10);
  while (v /= 10);
  while (n) out_char(tmp[--n]);
}

__attribute__((unused)) static void out_hex(uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; i--) out_char("0123456789abcdef"[(v >> (4 * i)) & 15]);
}

__attribute__((unused)) static uint64_t parse_u64(const char *s, uint64_t fallback) {
  if (!s || !*s) return fallback;
  uint64_t v = 0;
  for (; *s >= '0' && *s <= '9'; s++) v = v * 10 + (uint64_t)(*s - '0');
  return v;
}

int main(int argc, char **argv);

__attribute__((used)) static void start_c(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  int code = main(argc, argv);
  out_flush();
  sys_exit(code);
}

__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "  xor %ebp, %ebp\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call start_c\n"
        "  hlt\n");

#endif
