/* crc32: table-driven CRC-32 (IEEE) over a 1 MiB generated buffer, argv[1] passes (default 4). Mostly
 * byte loads, a table load, xor and shift — the loop every checksum in a hypervisor looks like. */
#include "nolibc.h"

static uint8_t buffer[1 << 20];
static uint32_t table[256];

int main(int argc, char **argv) {
  uint64_t passes = parse_u64(argc > 1 ? argv[1] : 0, 4);
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  uint32_t seed = 12345;
  for (size_t i = 0; i < sizeof buffer; i++) {
    seed = seed * 1103515245u + 12345u;
    buffer[i] = (uint8_t)(seed >> 16);
  }
  uint32_t crc = 0;
  for (uint64_t p = 0; p < passes; p++) {
    uint32_t c = ~crc;
    for (size_t i = 0; i < sizeof buffer; i++) c = table[(c ^ buffer[i]) & 0xff] ^ (c >> 8);
    crc = ~c;
  }
  out_str("crc32 passes=");
  out_u64(passes);
  out_str(" crc=");
  out_hex(crc, 8);
  out_char('\n');
  return 0;
}
