/**
 * SSE/SSE2 semantics against hardware reference vectors (tools/fpu-oracle, committed gzipped).
 * Every vector is replayed on a fresh FpuState; destination and MXCSR must match bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { loadVectors, runSse, sseExecutor } from './oracle-vectors';

const vectors = loadVectors();
const ops = [...vectors.sse.keys()].sort();

describe('SSE reference vectors', () => {
  it('covers the expected instruction set', () => {
    expect(ops.length).toBeGreaterThan(300);
    for (const op of [
      'addps',
      'divsd',
      'cmpsd_7',
      'cvttsd2si64',
      'pmaddwd',
      'pslldq_15',
      'comiss',
      'cvtsi2ss64',
    ])
      expect(ops).toContain(op);
    expect(vectors.total).toBeGreaterThan(50_000);
  });

  it.each(ops)('%s matches hardware', (op) => {
    const exec = sseExecutor(op);
    expect(exec, `no executor for ${op}`).not.toBeNull();
    const bad: string[] = [];
    for (const v of vectors.sse.get(op)!) {
      const [d, mx] = runSse(exec!, v);
      if (!d.equals(v.outD) || mx !== v.outMx)
        bad.push(`${v.line}\n   got ${d.toString('hex')} ${mx.toString(16)}`);
    }
    expect(bad.slice(0, 5).join('\n')).toBe('');
  });
});
