/* sieve: the Sieve of Eratosthenes over a byte array up to argv[1] (default 20 000 000), counting the
 * primes and summing them, argv[2] times (default 1). Strided stores through a large array, a tight
 * compare-and-branch scan. */
#include "nolibc.h"

#define MAX_N (32u << 20)
static uint8_t composite[MAX_N + 1];

int main(int argc, char **argv) {
  uint64_t n = parse_u64(argc > 1 ? argv[1] : 0, 20000000);
  uint64_t rounds = parse_u64(argc > 2 ? argv[2] : 0, 1);
  if (n > MAX_N) n = MAX_N;
  uint64_t count = 0, sum = 0;
  for (uint64_t r = 0; r < rounds; r++) {
    if (r)
      for (uint64_t i = 0; i <= n; i++) composite[i] = 0;
    for (uint64_t i = 2; i * i <= n; i++)
      if (!composite[i])
        for (uint64_t j = i * i; j <= n; j += i) composite[j] = 1;
    count = 0, sum = 0;
    for (uint64_t i = 2; i <= n; i++)
      if (!composite[i]) {
        count++;
        sum += i;
      }
  }
  out_str("sieve n=");
  out_u64(n);
  out_str(" rounds=");
  out_u64(rounds);
  out_str(" primes=");
  out_u64(count);
  out_str(" sum=");
  out_u64(sum);
  out_char('\n');
  return 0;
}
