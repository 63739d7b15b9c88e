/* recursion: deep and branchy call trees — Fibonacci, Ackermann, mutual recursion, a recursive
 * permutation generator and a 40 000-frame descent that grows the stack by several megabytes. */
#include <stdint.h>
#include <stdio.h>

static unsigned fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static unsigned long ackermann(unsigned long m, unsigned long n) {
  if (m == 0) return n + 1;
  if (n == 0) return ackermann(m - 1, 1);
  return ackermann(m - 1, ackermann(m, n - 1));
}

static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

static unsigned permutations, checksum;

static void permute(char *s, int k, int n) {
  if (k == n) {
    permutations++;
    for (int i = 0; i < n; i++) checksum = checksum * 31 + (unsigned char)s[i];
    return;
  }
  for (int i = k; i < n; i++) {
    char t = s[k];
    s[k] = s[i], s[i] = t;
    permute(s, k + 1, n);
    t = s[k], s[k] = s[i], s[i] = t;
  }
}

/* a frame of ~100 bytes that the compiler cannot turn into a loop */
static uint64_t descend(unsigned depth, volatile uint64_t *sink) {
  volatile uint64_t local[8];
  for (int i = 0; i < 8; i++) local[i] = depth * 8u + (unsigned)i;
  uint64_t below = depth == 0 ? 0 : descend(depth - 1, local);
  *sink += local[depth % 8];
  return below + local[3];
}

int main(void) {
  printf("fib(24) = %u\n", fib(24));
  printf("ackermann(2, 300) = %lu\n", ackermann(2, 300));
  printf("ackermann(3, 5) = %lu\n", ackermann(3, 5));
  printf("is_even(50001) = %d\n", is_even(50001));
  char letters[] = "abcdefg";
  permute(letters, 0, 7);
  printf("permutations = %u checksum = %08x\n", permutations, checksum);
  volatile uint64_t sink = 0;
  printf("descend(40000) = %llu\n", (unsigned long long)descend(40000, &sink));
  printf("sink = %llu\n", (unsigned long long)sink);
  return 0;
}
