/* qsort: glibc's qsort (a merge sort through a malloc'd buffer, with an indirect comparator call per step)
 * on ints, 64-bit keys, strings and records; bsearch over the result. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9e3779b97f4a7c15ull;

static uint64_t next(void) { /* xorshift64* */
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 2685821657736338717ull;
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static int cmp_u64_desc(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x < y) - (x > y);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

struct record {
  char name[12];
  int32_t score;
  uint16_t id;
};

static int cmp_record(const void *a, const void *b) {
  const struct record *x = a, *y = b;
  if (x->score != y->score) return x->score < y->score ? 1 : -1;
  return x->id - y->id;
}

int main(void) {
  enum { N = 8000, S = 1500, R = 2000 };
  static int ints[N];
  static uint64_t keys[N];
  for (int i = 0; i < N; i++) {
    ints[i] = (int)(next() % 200001) - 100000;
    keys[i] = next();
  }
  qsort(ints, N, sizeof *ints, cmp_int);
  qsort(keys, N, sizeof *keys, cmp_u64_desc);
  int ok = 1;
  uint64_t sum = 0;
  for (int i = 1; i < N; i++) {
    ok &= ints[i - 1] <= ints[i];
    ok &= keys[i - 1] >= keys[i];
  }
  for (int i = 0; i < N; i++) sum = sum * 31 + (uint64_t)ints[i] + (keys[i] >> 40);
  printf("ints: sorted=%d min=%d median=%d max=%d checksum=%016llx\n", ok, ints[0], ints[N / 2], ints[N - 1],
         (unsigned long long)sum);
  int found = 0;
  for (int probe = -100000; probe <= 100000; probe += 997) found += bsearch(&probe, ints, N, sizeof *ints, cmp_int) != NULL;
  printf("bsearch hits: %d\n", found);

  static char storage[S][16];
  static char *strs[S];
  for (int i = 0; i < S; i++) {
    int len = 1 + (int)(next() % 14);
    for (int j = 0; j < len; j++) storage[i][j] = (char)('a' + next() % 26);
    storage[i][len] = 0;
    strs[i] = storage[i];
  }
  qsort(strs, S, sizeof *strs, cmp_str);
  ok = 1;
  for (int i = 1; i < S; i++) ok &= strcmp(strs[i - 1], strs[i]) <= 0;
  printf("strings: sorted=%d first=%s last=%s middle=%s\n", ok, strs[0], strs[S - 1], strs[S / 2]);

  static struct record recs[R];
  for (int i = 0; i < R; i++) {
    snprintf(recs[i].name, sizeof recs[i].name, "r%05d", i);
    recs[i].score = (int32_t)(next() % 100);
    recs[i].id = (uint16_t)i;
  }
  qsort(recs, R, sizeof *recs, cmp_record);
  for (int i = 0; i < 5; i++) printf("record %s score=%d id=%u\n", recs[i].name, recs[i].score, recs[i].id);
  printf("record last %s score=%d id=%u\n", recs[R - 1].name, recs[R - 1].score, recs[R - 1].id);
  return ok ? 0 : 1;
}
