/* lz: an LZ77 compressor (4-byte hash, single-entry table, literal runs and back-references with
 * varint lengths — LZ4-like) and its decompressor, round-tripping argv[1] KiB of generated text (default
 * 2048) argv[2] times (default 1) and checking the result byte for byte. Byte-granular loads and stores,
 * hashing, unpredictable branches, copy loops. */
#include "nolibc.h"

#define MAX_IN (4u << 20)
static uint8_t input[MAX_IN], packed[MAX_IN + MAX_IN / 8 + 64], unpacked[MAX_IN];
static uint32_t table[1 << 14];

static const char *const words[] = {"the ", "hypervisor ", "domain ", "page ", "table ", "event ", "channel ",
                                    "grant ", "xen ", "guest ", "of ", "and ", "memory ", "vcpu ", "ring ",
                                    "\n", "interrupt ", "a ", "to ", "is "};

static uint32_t read32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t *put_varint(uint8_t *o, size_t v) {
  while (v >= 0x80) {
    *o++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *o++ = (uint8_t)v;
  return o;
}

static const uint8_t *get_varint(const uint8_t *p, size_t *v) {
  size_t r = 0;
  int shift = 0;
  for (;;) {
    uint8_t b = *p++;
    r |= (size_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
  }
  *v = r;
  return p;
}

/* token: varint literal count, literals, varint match length (0 = end), varint offset */
static size_t compress(const uint8_t *in, size_t n, uint8_t *out) {
  memset(table, 0, sizeof table);
  uint8_t *o = out;
  size_t i = 0, lit = 0;
  while (i + 4 <= n) {
    uint32_t h = (read32(in + i) * 2654435761u) >> 18;
    size_t cand = table[h];
    table[h] = (uint32_t)i;
    if (cand < i && i - cand < 65536 && read32(in + cand) == read32(in + i)) {
      size_t len = 4;
      while (i + len < n && in[cand + len] == in[i + len]) len++;
      o = put_varint(o, i - lit);
      for (size_t k = lit; k < i; k++) *o++ = in[k];
      o = put_varint(o, len);
      o = put_varint(o, i - cand);
      i += len;
      lit = i;
    } else {
      i++;
    }
  }
  o = put_varint(o, n - lit);
  for (size_t k = lit; k < n; k++) *o++ = in[k];
  o = put_varint(o, 0);
  return (size_t)(o - out);
}

static size_t decompress(const uint8_t *p, uint8_t *out) {
  uint8_t *o = out;
  for (;;) {
    size_t lit, len, off;
    p = get_varint(p, &lit);
    while (lit--) *o++ = *p++;
    p = get_varint(p, &len);
    if (!len) break;
    p = get_varint(p, &off);
    const uint8_t *from = o - off;
    while (len--) *o++ = *from++;
  }
  return (size_t)(o - out);
}

int main(int argc, char **argv) {
  uint64_t kib = parse_u64(argc > 1 ? argv[1] : 0, 2048);
  uint64_t rounds = parse_u64(argc > 2 ? argv[2] : 0, 1);
  size_t n = kib * 1024;
  if (n > MAX_IN) n = MAX_IN;
  uint32_t s = 2463534242u;
  for (size_t i = 0; i < n;) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    const char *w = words[s % 20];
    while (*w && i < n) input[i++] = (uint8_t)*w++;
    if ((s >> 8) % 7 == 0 && i < n) input[i++] = (uint8_t)('0' + (s >> 12) % 10);
  }
  size_t packed_size = 0;
  uint64_t same = 1;
  uint32_t h = 2166136261u;
  for (uint64_t r = 0; r < rounds; r++) {
    input[r % n] ^= (uint8_t)r; /* a different input each round */
    packed_size = compress(input, n, packed);
    size_t unpacked_size = decompress(packed, unpacked);
    same &= unpacked_size == n;
    for (size_t i = 0; same && i < n; i++) same = input[i] == unpacked[i];
    for (size_t i = 0; i < packed_size; i++) h = (h ^ packed[i]) * 16777619u;
  }
  out_str("lz bytes=");
  out_u64(n);
  out_str(" rounds=");
  out_u64(rounds);
  out_str(" packed=");
  out_u64(packed_size);
  out_str(" roundtrip=");
  out_u64(same);
  out_str(" hash=");
  out_hex(h, 8);
  out_char('\n');
  return same ? 0 : 1;
}
