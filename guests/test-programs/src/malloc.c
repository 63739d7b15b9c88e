/* malloc: allocator stress — thousands of small blocks from the brk heap, large blocks that glibc serves
 * with mmap/munmap, realloc growth and shrink, calloc zeroing, frees in random order. Every block carries
 * a pattern that is checked before it is freed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 88172645463325252ull;

static uint32_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return (uint32_t)state;
}

struct slot {
  unsigned char *p;
  size_t size;
  unsigned char tag;
};

static int check(const struct slot *s) {
  for (size_t i = 0; i < s->size; i += 1 + s->size / 64)
    if (s->p[i] != (unsigned char)(s->tag + i)) return 0;
  return s->size == 0 || s->p[s->size - 1] == (unsigned char)(s->tag + s->size - 1);
}

static void paint(struct slot *s) {
  for (size_t i = 0; i < s->size; i += 1 + s->size / 64) s->p[i] = (unsigned char)(s->tag + i);
  if (s->size) s->p[s->size - 1] = (unsigned char)(s->tag + s->size - 1);
}

static size_t pick_size(void) {
  uint32_t r = next() % 1000;
  if (r < 700) return next() % 128;
  if (r < 950) return 128 + next() % 4096;
  if (r < 995) return 4096 + next() % 65536;
  return 200000 + next() % 800000; /* above the mmap threshold */
}

int main(void) {
  enum { SLOTS = 512, ROUNDS = 12000 };
  static struct slot slots[SLOTS];
  unsigned bad = 0, mallocs = 0, frees = 0, reallocs = 0, callocs = 0, large = 0;
  for (int round = 0; round < ROUNDS; round++) {
    struct slot *s = &slots[next() % SLOTS];
    uint32_t action = next() % 10;
    if (s->p && action < 4) {
      bad += !check(s);
      free(s->p);
      s->p = NULL;
      frees++;
    } else if (s->p && action < 6) {
      bad += !check(s);
      size_t old = s->size, size = pick_size();
      unsigned char *q = realloc(s->p, size ? size : 1);
      if (!q) return 2;
      s->p = q;
      /* the common prefix must survive the move */
      for (size_t i = 0; i < (old < size ? old : size); i += 1 + old / 64)
        if (q[i] != (unsigned char)(s->tag + i)) {
          bad++;
          break;
        }
      s->size = size;
      paint(s);
      reallocs++;
    } else if (!s->p) {
      s->size = pick_size();
      large += s->size >= 200000;
      if (action == 9) {
        s->p = calloc(1, s->size ? s->size : 1);
        for (size_t i = 0; i < s->size; i++)
          if (s->p[i]) {
            bad++;
            break;
          }
        callocs++;
      } else {
        s->p = malloc(s->size);
        mallocs++;
      }
      if (!s->p) return 2;
      s->tag = (unsigned char)next();
      paint(s);
    }
  }
  size_t live = 0;
  for (int i = 0; i < SLOTS; i++)
    if (slots[i].p) {
      bad += !check(&slots[i]);
      live += slots[i].size;
      free(slots[i].p);
    }
  /* a burst of equal-sized blocks, freed in reverse, exercises the tcache and fastbins */
  void *burst[1000];
  for (int i = 0; i < 1000; i++) burst[i] = malloc(24);
  for (int i = 999; i >= 0; i--) free(burst[i]);
  void *again = malloc(24);
  int reused = -1;
  for (int i = 0; i < 1000; i++)
    if (burst[i] == again) reused = i;
  free(again);
  printf("malloc=%u calloc=%u realloc=%u free=%u large=%u live-bytes-at-end=%zu bad=%u reused-block=%d\n", mallocs,
         callocs, reallocs, frees, large, live, bad, reused);
  return bad != 0;
}
