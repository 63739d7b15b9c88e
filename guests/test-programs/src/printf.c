/* printf: integer and string conversions of every width, flag and length modifier glibc's vfprintf knows.
 * No floating point here (see printf-float.c), so this runs on the integer unit plus glibc's SSE2 string
 * routines. */
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void widths(void) {
  int8_t i8[] = {0, 1, -1, INT8_MIN, INT8_MAX, 42};
  int16_t i16[] = {0, 1, -1, INT16_MIN, INT16_MAX, 12345};
  int32_t i32[] = {0, 1, -1, INT32_MIN, INT32_MAX, 123456789};
  int64_t i64[] = {0, 1, -1, INT64_MIN, INT64_MAX, INT64_C(1234567890123456789)};
  uint64_t u64[] = {0, 1, UINT64_MAX, UINT64_C(0x8000000000000000), UINT64_C(0xdeadbeefcafebabe)};
  for (size_t i = 0; i < sizeof i8 / sizeof *i8; i++)
    printf("i8  %" PRId8 " %" PRIi8 " %hhu %hhx %hho|\n", i8[i], i8[i], (unsigned char)i8[i],
           (unsigned char)i8[i], (unsigned char)i8[i]);
  for (size_t i = 0; i < sizeof i16 / sizeof *i16; i++)
    printf("i16 %" PRId16 " %hu %hx %hX %ho|\n", i16[i], (unsigned short)i16[i], (unsigned short)i16[i],
           (unsigned short)i16[i], (unsigned short)i16[i]);
  for (size_t i = 0; i < sizeof i32 / sizeof *i32; i++)
    printf("i32 %d %i %u %x %X %o %#x %#o|\n", i32[i], i32[i], (unsigned)i32[i], (unsigned)i32[i],
           (unsigned)i32[i], (unsigned)i32[i], (unsigned)i32[i], (unsigned)i32[i]);
  for (size_t i = 0; i < sizeof i64 / sizeof *i64; i++)
    printf("i64 %" PRId64 " %lld %ld %" PRIu64 " %" PRIx64 " %llo|\n", i64[i], (long long)i64[i], (long)i64[i],
           (uint64_t)i64[i], (uint64_t)i64[i], (unsigned long long)i64[i]);
  for (size_t i = 0; i < sizeof u64 / sizeof *u64; i++)
    printf("u64 %" PRIu64 " %#" PRIx64 " %" PRIX64 " %#llo %zu %jd|\n", u64[i], u64[i], u64[i],
           (unsigned long long)u64[i], (size_t)u64[i], (intmax_t)u64[i]);
  printf("ptrdiff %td size %zd intmax %jd uintmax %ju\n", (ptrdiff_t)-12345, (ssize_t)-7, INTMAX_MIN, UINTMAX_MAX);
}

static void flags(void) {
  int v[] = {0, 7, -7, 255, -32768, 1000000};
  for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
    printf("[%8d][%-8d][%08d][%+d][% d][%+08d][%-+8d][%.5d][%8.3d][%-8.0d]\n", v[i], v[i], v[i], v[i], v[i],
           v[i], v[i], v[i], v[i], v[i]);
    printf("[%#10x][%#-10x][%#010x][%#o][%.0x][%10.6X]\n", (unsigned)v[i], (unsigned)v[i], (unsigned)v[i],
           (unsigned)v[i], (unsigned)v[i], (unsigned)v[i]);
  }
  printf("[%*d][%-*d][%.*d][%*.*d]\n", 6, 42, 6, 42, 4, 42, 8, 3, -42);
  printf("[%'d]\n", 1234567); /* C locale: no grouping */
  printf("[%1$d %2$s %1$x]\n", 255, "positional");
}

static void strings_and_chars(void) {
  const char *s[] = {"", "a", "hello", "The quick brown fox jumps over the lazy dog"};
  for (size_t i = 0; i < sizeof s / sizeof *s; i++)
    printf("[%s][%10s][%-10s][%.3s][%10.2s][%-*.*s]\n", s[i], s[i], s[i], s[i], s[i], 7, 4, s[i]);
  for (int c = 32; c < 127; c += 7) printf("[%c][%3c][%-3c]", c, c, c);
  printf("\n[%%]\n");
  const char *volatile null_string = NULL;
  printf("[%s][%10s]\n", null_string, null_string);
  printf("[%p][%p][%20p][%-20p|]\n", (void *)0, (void *)0x1234, (void *)0xffffffffffffULL, (void *)0x400000ULL);
}

static void snprintf_cases(void) {
  char buf[16];
  for (volatile size_t n = 0; n <= 16; n += 4) {
    memset(buf, '#', sizeof buf);
    int r = snprintf(buf, n, "%s-%d-%x", "abcdef", 123456, 0xbeef);
    printf("snprintf(n=%zu) = %d \"%.*s\"\n", n, r, (int)(n ? strnlen(buf, n) : 0), buf);
  }
  char big[512];
  int len = 0;
  for (int i = 0; i < 40; i++) len += snprintf(big + len, sizeof big - (size_t)len, "%d,", i * i * i);
  printf("%d %s\n", len, big);
  int count = 0;
  printf("abc%n|", &count);
  printf("%d\n", count);
}

int main(void) {
  widths();
  flags();
  strings_and_chars();
  snprintf_cases();
  return 0;
}
