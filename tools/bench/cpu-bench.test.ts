import { describe, expect, it } from 'vitest';
import { formatTable, runWorkload, WORKLOADS } from './cpu-bench';

describe('cpu-bench', () => {
  it('measures a workload natively and emulated and checks they agree', () => {
    const crc32 = WORKLOADS.find((w) => w.name === 'crc32')!;
    const result = runWorkload(crc32, 0.01, 1); // one 1 MiB pass
    expect(result.args).toEqual(['1']);
    expect(result.output).toBe('crc32 passes=1 crc=1da381b3');
    expect(result.instructions).toBe(16_797_867); // make -C guests/test-programs count RUN="bin/bench-crc32 1"
    expect(result.emulatedSeconds).toBeGreaterThan(0);
    expect(result.nativeSeconds).toBeGreaterThan(0);
    expect(result.emulatedMips).toBeCloseTo(result.instructions / result.emulatedSeconds / 1e6, 6);
    expect(result.slowdown).toBeCloseTo(result.emulatedSeconds / result.nativeSeconds, 6);
    const table = formatTable([result]).split('\n');
    expect(table[0]).toMatch(
      /^workload\s+work\s+instructions\s+MIPS\s+MIPS \(cpu\)\s+native s\s+emulated s\s+slowdown$/,
    );
    expect(table[1]).toMatch(/^crc32\s+1 x 1 MiB\s+16,797,867\s/);
    expect(table[2]).toMatch(/^total\s+16,797,867\s/);
  });
});
