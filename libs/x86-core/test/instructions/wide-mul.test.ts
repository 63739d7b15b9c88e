/**
 * The BigInt-free 64 × 64 → 128 and 32 × 32 → 64 products behind MUL/IMUL, against BigInt arithmetic
 * on edge operands and a seeded random sweep.
 */
import { describe, expect, it } from 'vitest';
import { imul32x32, mul64x64, WIDE } from '../../src/isa/wide-mul';

const M64 = (1n << 64n) - 1n;
const EDGES = [
  0n,
  1n,
  2n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  0x9e3779b1n,
  0x7fffffffffffffffn,
  0x8000000000000000n,
  0xffffffffffffffffn,
  0xfffffffffffffffen,
  0x123456789abcdef0n,
  0xffffffff00000000n,
  0x00000000ffffffffn,
  0xcccccccccccccccdn,
];

const words = (v: bigint): [number, number] => [
  Number(v & 0xffffffffn) | 0,
  Number((v >> 32n) & 0xffffffffn) | 0,
];
const product = (): bigint =>
  [0, 1, 2, 3].reduce((acc, k) => acc | (BigInt(WIDE[k] >>> 0) << BigInt(32 * k)), 0n);

function check64(a: bigint, b: bigint, signed: boolean): void {
  const [al, ah] = words(a);
  const [bl, bh] = words(b);
  mul64x64(al, ah, bl, bh, signed);
  const want = signed
    ? BigInt.asUintN(128, BigInt.asIntN(64, a) * BigInt.asIntN(64, b))
    : (a & M64) * (b & M64);
  expect(product(), `${signed ? 'imul' : 'mul'} ${a.toString(16)} × ${b.toString(16)}`).toBe(want);
}

function* seeded(n: number): Generator<bigint> {
  let x = 0x2545f4914f6cdd1dn;
  for (let i = 0; i < n; i++) {
    x ^= (x << 13n) & M64;
    x ^= x >> 7n;
    x ^= (x << 17n) & M64;
    yield x;
  }
}

describe('wide multiplication without BigInt', () => {
  it('mul64x64 matches BigInt on every pair of edge operands, signed and unsigned', () => {
    for (const a of EDGES) for (const b of EDGES) for (const signed of [false, true]) check64(a, b, signed);
  });

  it('mul64x64 matches BigInt on 20,000 random pairs', () => {
    const xs = [...seeded(40_000)];
    for (let i = 0; i < xs.length; i += 2) {
      check64(xs[i], xs[i + 1], i % 4 === 0);
      // Mix a random operand with a small one so the sign corrections meet carries.
      check64(xs[i], xs[i + 1] & 0xffffn, true);
    }
  });

  it('imul32x32 gives the signed 64-bit product', () => {
    const vals = [0, 1, -1, 0x7fffffff, -0x80000000, 0x9e3779b1 | 0, 12345, -98765];
    for (const x of seeded(2000)) vals.push(Number(x & 0xffffffffn) | 0);
    for (let i = 0; i < vals.length; i++) {
      const a = vals[i];
      const b = vals[(i * 7 + 3) % vals.length];
      imul32x32(a, b);
      const got = (BigInt(WIDE[1]) << 32n) | BigInt(WIDE[0] >>> 0);
      expect(got, `${a} × ${b}`).toBe(BigInt(a) * BigInt(b));
    }
  });
});
