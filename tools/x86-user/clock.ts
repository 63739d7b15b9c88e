/**
 * Clocks and entropy for the guest. The host versions read the real time and the OS random source; the
 * deterministic versions make a run repeatable bit for bit: time starts at a fixed instant and advances
 * one nanosecond per retired instruction, and random bytes come from a seeded SplitMix64 stream.
 */
import { randomFillSync } from 'node:crypto';
import { Clock, Entropy } from './process';

export function hostClock(): Clock {
  const started = process.hrtime.bigint();
  return {
    realtime: () => BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n),
    monotonic: () => process.hrtime.bigint(),
    cpuTime: () => process.hrtime.bigint() - started,
  };
}

/** 2024-01-01T00:00:00Z, the deterministic clock's epoch. */
export const DETERMINISTIC_EPOCH_NS = 1_704_067_200n * 1_000_000_000n;

export function deterministicClock(instructionsRetired: () => number): Clock {
  const elapsed = () => BigInt(instructionsRetired());
  return {
    realtime: () => DETERMINISTIC_EPOCH_NS + elapsed(),
    monotonic: () => 1_000_000_000n + elapsed(),
    cpuTime: elapsed,
  };
}

export function hostEntropy(): Entropy {
  return { fill: (bytes) => void randomFillSync(bytes) };
}

export function seededEntropy(seed: bigint): Entropy {
  let state = BigInt.asUintN(64, seed);
  const next = () => {
    state = BigInt.asUintN(64, state + 0x9e3779b97f4a7c15n);
    let z = state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
  return {
    fill(bytes) {
      for (let i = 0; i < bytes.length; i += 8) {
        let word = next();
        for (let j = i; j < Math.min(i + 8, bytes.length); j++, word >>= 8n) bytes[j] = Number(word & 0xffn);
      }
    },
  };
}
