import { describe, expect, it } from 'vitest';
import { quotaProblem } from '../src/domains/quota-check';

const limits = { maxDomains: 2, maxMemoryMiB: 100, maxVcpus: 4 };

describe('quotaProblem', () => {
  it('accepts a domain that fits exactly', () => {
    expect(
      quotaProblem(limits, { domains: 1, memoryMiB: 60, vcpus: 2 }, { memoryMiB: 40, vcpus: 2 }),
    ).toBeUndefined();
  });

  it('names every limit that would be exceeded', () => {
    expect(quotaProblem(limits, { domains: 2, memoryMiB: 90, vcpus: 4 }, { memoryMiB: 16, vcpus: 1 })).toBe(
      'quota exceeded: domains 3 > 2, memory 106 MiB > 100 MiB, vCPUs 5 > 4',
    );
  });

  it.each([
    [{ domains: 0, memoryMiB: 0, vcpus: 0 }, { memoryMiB: 101, vcpus: 1 }, 'memory 101 MiB > 100 MiB'],
    [{ domains: 0, memoryMiB: 0, vcpus: 3 }, { memoryMiB: 1, vcpus: 2 }, 'vCPUs 5 > 4'],
  ])('refuses %j + %j', (used, size, part) => {
    expect(quotaProblem(limits, used, size)).toBe(`quota exceeded: ${part}`);
  });
});
