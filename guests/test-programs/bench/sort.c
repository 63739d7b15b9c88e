/* sort: a hand-written quicksort (median of three, insertion sort below 16) on argv[1] 32-bit ints
 * (default 1 000 000) from a xorshift generator, then a sortedness check and a checksum; argv[2] rounds
 * (default 1), each on fresh numbers. Compares, branches that predict badly, swaps through memory,
 * recursion. */
#include "nolibc.h"

#define MAX_N (4u << 20)
static int32_t values[MAX_N];

static void insertion(int32_t *a, long n) {
  for (long i = 1; i < n; i++) {
    int32_t v = a[i];
    long j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

static void quicksort(int32_t *a, long n) {
  while (n > 16) {
    long mid = n / 2;
    int32_t x = a[0], y = a[mid], z = a[n - 1];
    int32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
    long i = 0, j = n - 1;
    for (;;) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i >= j) break;
      int32_t t = a[i];
      a[i] = a[j];
      a[j] = t;
      i++;
      j--;
    }
    /* recurse into the smaller half, loop on the larger */
    if (j + 1 < n - j - 1) {
      quicksort(a, j + 1);
      a += j + 1;
      n -= j + 1;
    } else {
      quicksort(a + j + 1, n - j - 1);
      n = j + 1;
    }
  }
  insertion(a, n);
}

int main(int argc, char **argv) {
  uint64_t n = parse_u64(argc > 1 ? argv[1] : 0, 1000000);
  uint64_t rounds = parse_u64(argc > 2 ? argv[2] : 0, 1);
  if (n > MAX_N) n = MAX_N;
  uint64_t s = 0x2545f4914f6cdd1dull;
  uint64_t sorted = 1, sum = 0;
  for (uint64_t r = 0; r < rounds; r++) {
    for (uint64_t i = 0; i < n; i++) {
      s ^= s << 13;
      s ^= s >> 7;
      s ^= s << 17;
      values[i] = (int32_t)(s >> 32);
    }
    quicksort(values, (long)n);
    for (uint64_t i = 0; i < n; i++) {
      if (i && values[i - 1] > values[i]) sorted = 0;
      sum = sum * 0x100000001b3ull + (uint32_t)values[i];
    }
  }
  out_str("sort n=");
  out_u64(n);
  out_str(" rounds=");
  out_u64(rounds);
  out_str(" sorted=");
  out_u64(sorted);
  out_str(" checksum=");
  out_hex(sum, 16);
  out_char('\n');
  return sorted ? 0 : 1;
}
