/* strings: glibc's string and memory functions over lengths 0..300 (every one up to ~80) and source/
 * destination alignments 0..15, checked against plain byte loops. glibc picks SSE2 (or better) implementations of these
 * at start-up, so this exercises the vector unit's loads, compares and byte masks. Built with -fno-builtin
 * so that every call really reaches the library. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_LEN 300
#define SLACK 64

static unsigned char src_buf[MAX_LEN + SLACK], dst_buf[MAX_LEN + SLACK], ref_buf[MAX_LEN + SLACK];
static unsigned failures;
static uint32_t checksum = 2166136261u;

static void mix(uint64_t v) {
  for (int i = 0; i < 8; i++) {
    checksum ^= (uint32_t)(v & 0xff);
    checksum *= 16777619u;
    v >>= 8;
  }
}

static void fail(const char *what, size_t len, size_t a, size_t b) {
  if (failures++ < 20) printf("FAIL %s len=%zu align=%zu/%zu\n", what, len, a, b);
}

static void fill(unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)('a' + (i * 7 + seed) % 26);
}

static int sign(int v) { return (v > 0) - (v < 0); }

static int ref_memcmp(const unsigned char *a, const unsigned char *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

static void test_memcpy_memset(void) {
  static const size_t aligns[] = {0, 1, 7, 8, 15};
  for (size_t len = 0; len <= MAX_LEN; len += (len < 80 ? 1 : 9))
    for (size_t i = 0; i < 5; i++)
      for (size_t j = 0; j < 5; j += 2) {
        size_t sa = aligns[i], da = aligns[j];
        fill(src_buf, sizeof src_buf, (unsigned)(len + sa));
        memset(dst_buf, 0x5a, sizeof dst_buf);
        memcpy(dst_buf + da, src_buf + sa, len);
        memcpy(ref_buf, dst_buf, sizeof ref_buf);
        for (size_t i = 0; i < sizeof dst_buf; i++) {
          unsigned char want = (i >= da && i < da + len) ? src_buf[sa + i - da] : 0x5a;
          if (dst_buf[i] != want) {
            fail("memcpy", len, sa, da);
            break;
          }
        }
        memset(dst_buf + da, (int)(len & 0xff), len);
        for (size_t i = 0; i < sizeof dst_buf; i++) {
          unsigned char want = (i >= da && i < da + len) ? (unsigned char)(len & 0xff) : ref_buf[i];
          if (dst_buf[i] != want) {
            fail("memset", len, sa, da);
            break;
          }
        }
      }
}

static void test_memmove(void) {
  for (size_t len = 0; len <= MAX_LEN; len += 13)
    for (size_t from = 0; from < 40; from += 9)
      for (size_t to = 0; to < 40; to += 11) {
        fill(dst_buf, sizeof dst_buf, (unsigned)len);
        memcpy(ref_buf, dst_buf, sizeof ref_buf);
        memmove(dst_buf + to, dst_buf + from, len);
        unsigned char tmp[MAX_LEN];
        for (size_t i = 0; i < len; i++) tmp[i] = ref_buf[from + i];
        for (size_t i = 0; i < len; i++) ref_buf[to + i] = tmp[i];
        if (ref_memcmp(dst_buf, ref_buf, sizeof dst_buf) != 0) fail("memmove", len, from, to);
      }
}

static void test_strlen_strchr(void) {
  for (size_t len = 0; len <= MAX_LEN; len += (len < 70 ? 1 : 11))
    for (size_t a = 0; a < 16; a += 3) {
      char *s = (char *)src_buf + a;
      memset(src_buf, 0, sizeof src_buf);
      fill((unsigned char *)s, len, (unsigned)len);
      if (strlen(s) != len) fail("strlen", len, a, 0);
      if (strnlen(s, len / 2) != len / 2) fail("strnlen", len, a, 0);
      char probe = (char)('a' + len % 26);
      char *hit = strchr(s, probe);
      char *ref = NULL;
      for (size_t i = 0; i < len; i++)
        if (s[i] == probe) {
          ref = s + i;
          break;
        }
      if (hit != ref) fail("strchr", len, a, 0);
      char *last = NULL;
      for (size_t i = 0; i < len; i++)
        if (s[i] == probe) last = s + i;
      if (strrchr(s, probe) != last) fail("strrchr", len, a, 0);
      if (memchr(s, probe, len) != ref) fail("memchr", len, a, 0);
      if (strchr(s, 0) != s + len) fail("strchr-nul", len, a, 0);
      if (rawmemchr(s, 0) != s + len) fail("rawmemchr", len, a, 0);
      mix(len * 31 + a + (uint64_t)(hit ? hit - s : -1));
    }
}

static void test_compare(void) {
  for (size_t len = 1; len <= MAX_LEN; len += (len < 70 ? 1 : 11))
    for (size_t a = 0; a < 16; a += 5)
      for (size_t b = 0; b < 16; b += 6) {
        char *x = (char *)src_buf + a, *y = (char *)dst_buf + b;
        memset(src_buf, 0, sizeof src_buf);
        memset(dst_buf, 0, sizeof dst_buf);
        fill((unsigned char *)x, len, 3);
        fill((unsigned char *)y, len, 3);
        if (strcmp(x, y) != 0 || memcmp(x, y, len) != 0 || strncmp(x, y, len) != 0) fail("cmp-equal", len, a, b);
        size_t at = (len * 13) % len;
        y[at] = (char)(y[at] + 1);
        int want = ref_memcmp((unsigned char *)x, (unsigned char *)y, len);
        if (sign(strcmp(x, y)) != want) fail("strcmp", len, a, b);
        if (sign(memcmp(x, y, len)) != want) fail("memcmp", len, a, b);
        if (sign(strncmp(x, y, at)) != 0) fail("strncmp-prefix", len, a, b);
        if (sign(strncmp(x, y, len)) != want) fail("strncmp", len, a, b);
        y[at] = (char)0xe0; /* high bit set: comparisons are unsigned */
        if (sign(strcmp(x, y)) != -1) fail("strcmp-unsigned", len, a, b);
        mix((uint64_t)len << 8 | at);
      }
}

static void test_copy_cat_search(void) {
  char big[2 * MAX_LEN + 2];
  for (size_t len = 0; len <= MAX_LEN; len += 7) {
    memset(src_buf, 0, sizeof src_buf);
    fill(src_buf, len, 11);
    char *end = stpcpy(big, (char *)src_buf);
    if ((size_t)(end - big) != len || strcmp(big, (char *)src_buf) != 0) fail("stpcpy", len, 0, 0);
    strcat(big, (char *)src_buf);
    if (strlen(big) != 2 * len) fail("strcat", len, 0, 0);
    char needle[8];
    size_t nlen = len < 5 ? len : 5;
    memcpy(needle, src_buf + len - nlen, nlen);
    needle[nlen] = 0;
    char *found = strstr(big, needle);
    mix((uint64_t)(found ? found - big : -1));
    if (len && !found) fail("strstr", len, 0, 0);
    if (strspn(big, "abcdefghijklm") > strlen(big)) fail("strspn", len, 0, 0);
    mix(strcspn(big, "xyz") * 1000 + strspn(big, "aeiouhov"));
  }
  const char *hay = "the quick brown fox jumps over the lazy dog; the end";
  printf("strstr: %s|%s|%s\n", strstr(hay, "fox"), strstr(hay, "the end"), strstr(hay, "cat") ? "?" : "(none)");
  char tok[] = "alpha,beta;;gamma , delta";
  char *save = NULL;
  for (char *t = strtok_r(tok, ",; ", &save); t; t = strtok_r(NULL, ",; ", &save)) printf("token %s\n", t);
}

int main(void) {
  test_memcpy_memset();
  test_memmove();
  test_strlen_strchr();
  test_compare();
  test_copy_cat_search();
  printf("checksum %08x failures %u\n", checksum, failures);
  return failures ? 1 : 0;
}
