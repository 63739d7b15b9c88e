/* arith64: 64-bit integer arithmetic — signed/unsigned multiply, divide and remainder at every operand
 * width, 128-bit products and quotients (mul/imul/div plus libgcc's __udivti3), shifts and rotates by
 * every count, bit scans, popcount, byte swaps, carries and overflow flags. Operands come from a generator
 * at run time so that nothing folds away at compile time. */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

static uint64_t state = 0x0123456789abcdefull;
static uint64_t digest = 0xcbf29ce484222325ull;

static uint64_t next(void) {
  state += 0x9e3779b97f4a7c15ull;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void mix(uint64_t v) {
  digest ^= v;
  digest *= 0x100000001b3ull;
}

/* interesting operands: edges of every width plus random values of every magnitude */
static uint64_t operand(int i) {
  static const uint64_t edges[] = {0,
                                   1,
                                   2,
                                   3,
                                   7,
                                   0x7f,
                                   0x80,
                                   0xff,
                                   0x7fff,
                                   0x8000,
                                   0xffff,
                                   0x7fffffff,
                                   0x80000000,
                                   0xffffffff,
                                   0x100000000ull,
                                   0x7fffffffffffffffull,
                                   0x8000000000000000ull,
                                   0xfffffffffffffffeull,
                                   0xffffffffffffffffull};
  int n = (int)(sizeof edges / sizeof *edges);
  if (i < n) return edges[i];
  return next() >> (next() % 64);
}

static void divisions(void) {
  for (int i = 0; i < 80; i++)
    for (int j = 0; j < 80; j++) {
      uint64_t a = operand(i), b = operand(j);
      if (b != 0) {
        mix(a / b), mix(a % b);
        mix((uint32_t)a / ((uint32_t)b ? (uint32_t)b : 1)), mix((uint32_t)a % ((uint32_t)b ? (uint32_t)b : 1));
        mix((uint16_t)a / ((uint16_t)b ? (uint16_t)b : 1u));
        mix((uint8_t)a % ((uint8_t)b ? (uint8_t)b : 1u));
        int64_t sa = (int64_t)a, sb = (int64_t)b;
        if (!(sa == INT64_MIN && sb == -1)) mix((uint64_t)(sa / sb)), mix((uint64_t)(sa % sb));
        int32_t wa = (int32_t)a, wb = (int32_t)b;
        if (wb != 0 && !(wa == INT32_MIN && wb == -1)) mix((uint64_t)(wa / wb)), mix((uint64_t)(wa % wb));
        int8_t ba = (int8_t)a, bb = (int8_t)b;
        if (bb != 0) mix((uint64_t)(ba / bb));
        unsigned __int128 wide = ((unsigned __int128)a << 64 | b) / b;
        mix((uint64_t)wide), mix((uint64_t)(wide >> 64));
      }
      unsigned __int128 p = (unsigned __int128)a * b;
      __int128 sp = (__int128)(int64_t)a * (int64_t)b;
      mix((uint64_t)p), mix((uint64_t)(p >> 64)), mix((uint64_t)(sp >> 64));
      mix(a * b), mix((uint64_t)((int32_t)a * (int64_t)(int32_t)b)), mix((uint32_t)a * (uint32_t)b);
    }
  printf("divisions digest %016" PRIx64 "\n", digest);
}

static void shifts(void) {
  for (int i = 0; i < 40; i++) {
    uint64_t a = operand(i);
    for (volatile unsigned n = 0; n < 64; n++) {
      mix(a << n), mix(a >> n), mix((uint64_t)((int64_t)a >> n));
      mix((a << n) | (a >> ((64 - n) & 63))), mix((a >> n) | (a << ((64 - n) & 63)));
      mix((uint32_t)a << (n & 31)), mix((uint32_t)((int32_t)a >> (n & 31)));
      mix((uint8_t)((uint8_t)a << (n & 7) | (uint8_t)a >> ((8 - n) & 7)));
      mix((uint16_t)((int16_t)a >> (n & 15)));
      /* double-precision shifts (shld/shrd) */
      mix(n ? (a << n) | (state >> (64 - n)) : a);
    }
  }
  printf("shifts digest %016" PRIx64 "\n", digest);
}

static void bits(void) {
  for (int i = 0; i < 200; i++) {
    uint64_t a = operand(i);
    mix((uint64_t)__builtin_popcountll(a));
    mix(a ? (uint64_t)__builtin_clzll(a) : 64), mix(a ? (uint64_t)__builtin_ctzll(a) : 64);
    mix((uint32_t)a ? (uint64_t)__builtin_clz((uint32_t)a) : 32);
    mix(__builtin_bswap64(a)), mix(__builtin_bswap32((uint32_t)a)), mix(__builtin_bswap16((uint16_t)a));
    mix((uint64_t)__builtin_parityll(a)), mix((uint64_t)__builtin_ffsll((long long)a));
    mix(a & -a), mix(a & (a - 1)), mix(~a ^ (a >> 1));
    mix((uint64_t)(int64_t)(int8_t)a), mix((uint64_t)(int64_t)(int16_t)a), mix((uint64_t)(int64_t)(int32_t)a);
    mix((uint64_t)((int64_t)a < 0)), mix(a > 0x123456789ull), mix((int64_t)a < -5);
  }
  printf("bits digest %016" PRIx64 "\n", digest);
}

static void carries(void) {
  unsigned overflows = 0;
  for (int i = 0; i < 60; i++)
    for (int j = 0; j < 60; j++) {
      uint64_t a = operand(i), b = operand(j), r;
      int64_t s;
      overflows += __builtin_add_overflow(a, b, &r), mix(r);
      overflows += __builtin_sub_overflow(a, b, &r), mix(r);
      overflows += __builtin_mul_overflow(a, b, &r), mix(r);
      overflows += __builtin_add_overflow((int64_t)a, (int64_t)b, &s), mix((uint64_t)s);
      overflows += __builtin_sub_overflow((int64_t)a, (int64_t)b, &s), mix((uint64_t)s);
      overflows += __builtin_mul_overflow((int64_t)a, (int64_t)b, &s), mix((uint64_t)s);
      unsigned __int128 sum = (unsigned __int128)a + b + ((unsigned __int128)b << 64); /* adc chains */
      mix((uint64_t)sum), mix((uint64_t)(sum >> 64));
      mix(a < b ? a : b), mix((int64_t)a > (int64_t)b ? a : b); /* cmov */
    }
  printf("carries digest %016" PRIx64 " overflows %u\n", digest, overflows);
}

int main(void) {
  divisions();
  shifts();
  bits();
  carries();
  printf("INT64_MIN %" PRId64 " INT64_MAX %" PRId64 " UINT64_MAX %" PRIu64 "\n", INT64_MIN, INT64_MAX, UINT64_MAX);
  printf("-7 / 2 = %d, -7 %% 2 = %d, 7 / -2 = %d, -7 >> 1 = %d\n", -7 / 2, -7 % 2, 7 / -2, -7 >> 1);
  return 0;
}
