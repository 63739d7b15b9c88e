import type { PvHost } from '../../libs/xen-core/src/exec/pv-host';

/** Kernel text of an x86-64 Linux guest lives in the top 2 GiB; everything below is user space. */
const KERNEL_TEXT_BASE = 0xffffffff80000000n;

/**
 * A sampling profile of where a guest spends its instructions: the guest RIP after every run slice
 * of fixed length, so each sample stands for the same number of instructions. Samples are resolved to
 * kernel functions afterwards from the guest's own /proc/kallsyms (Debian ships no System.map, and the
 * vmlinux extracted from the bzImage has no symbol table).
 */
export class RipProfile {
  private readonly samples = new Map<bigint, number>();
  private userSamples = 0;
  total = 0;

  constructor(readonly instructionsPerSample: number) {}

  /** Records the running vCPU's RIP; a host that went idle (every vCPU blocked) is not sampled. */
  sample(host: PvHost, ranFullSlice: boolean): void {
    if (!ranFullSlice || host.current === undefined || host.current.blocked) return;
    const rip = host.cpu.rip;
    this.total++;
    if (rip < KERNEL_TEXT_BASE) this.userSamples++;
    else this.samples.set(rip, (this.samples.get(rip) ?? 0) + 1);
  }

  /** The most sampled kernel addresses (16-digit hex, as kallsyms prints) covering `coverage` of them. */
  hottest(coverage: number, limit: number): string[] {
    const sorted = [...this.samples].sort((a, b) => b[1] - a[1]);
    const kernelTotal = this.total - this.userSamples;
    const picked: string[] = [];
    let covered = 0;
    for (const [rip, count] of sorted) {
      if (picked.length >= limit || covered >= coverage * kernelTotal) break;
      picked.push(hex(rip));
      covered += count;
    }
    return picked;
  }

  /**
   * Shares per function, largest first. `symbolOf` maps a sampled address to its function (from
   * kallsyms: the greatest symbol at or below it).
   */
  report(
    symbolOf: ReadonlyMap<string, string>,
    top: number,
  ): Array<{ name: string; share: number; samples: number }> {
    const byName = new Map<string, number>();
    for (const [rip, count] of this.samples) {
      const name = symbolOf.get(hex(rip)) ?? '(colder kernel code, not resolved)';
      byName.set(name, (byName.get(name) ?? 0) + count);
    }
    if (this.userSamples > 0) byName.set('(user space: busybox)', this.userSamples);
    return [...byName]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, samples]) => ({ name, samples, share: samples / Math.max(1, this.total) }));
  }
}

function hex(rip: bigint): string {
  return rip.toString(16).padStart(16, '0');
}

/**
 * The kernel addresses that make up `coverage` of the kernel samples (at most `limit`), ascending —
 * the order the lookup below needs.
 */
export function hottestAddresses(profile: RipProfile, coverage: number, limit: number): string[] {
  return profile.hottest(coverage, limit).sort();
}

/**
 * A busybox awk program that prints "address symbol" for each address in `listFile` (ascending hex),
 * with the greatest text symbol at or below it, in one pass over /proc/kallsyms — whose vmlinux
 * entries are in address order — so the emulated guest does O(lines) work.
 */
export function kallsymsLookupCommand(listFile: string): string {
  return (
    `busybox awk 'NR==FNR {w[++n]=$1; next} ` +
    `{while (i<n && (w[i+1] "") < ($1 "")) {i++; print w[i], prev} if ($2 ~ /^[tTwW]$/) prev=$3} ` +
    `END {while (i<n) {i++; print w[i], prev}}' ${listFile} /proc/kallsyms`
  );
}
