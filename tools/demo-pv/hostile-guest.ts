/**
 * A hostile guest against the hypervisor: two domains on one host; domain A executes random
 * hypercalls with random (but often plausible) arguments, random page-table writes and random
 * instruction bytes in guest kernel and user mode, while domain B sits paused. The hypervisor must
 * never throw or hang, B's memory must stay byte-identical, and the MM's reference-count audit must
 * stay clean. A crashing itself is fine: it is rebuilt and the fuzzing goes on.
 *
 * Used by libs/xen-core/test/exec/hostile-guest.test.ts (bounded) and fuzz-hypercalls.ts (long runs).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toggleGuestMode } from '../../libs/xen-core/src/exec/mode';
import { PvHost, type BuiltPvDomain } from '../../libs/xen-core/src/exec/pv-host';
import { MMU_UPDATE_PREEMPTED } from '../../libs/xen-core/src/hypercall/handlers/mmu';
import { newUserBaseptr } from '../../libs/xen-core/src/mm/baseptr';
import { auditMemory } from '../../libs/xen-core/src/mm/audit';
import { VMASST_TYPE_writable_pagetables } from '../../libs/xen-core/src/public/xen';

const ROOT = resolve(__dirname, __dirname.includes(join('dist', 'tools')) ? '../../..' : '../..');
export const KERNELS = join(ROOT, 'guests/test-kernels/dist');

/** Hypercall numbers that exist (the fuzzer prefers these). */
const KNOWN_HYPERCALLS = [
  0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 28, 29, 30, 32, 33,
];
/** Hypercalls that end the domain or block it: drawn rarely so a run does real work. */
const DISRUPTIVE = new Set([6, 23, 29]);

export interface FuzzOptions {
  seed: number;
  operations: number;
  /** Also compare B's memory every N operations (0 = only at the end); the first change is reported. */
  checkEvery?: number;
  /** Instruction budget per operation (bounds every run of A's code). */
  budget?: number;
  log?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  operations: number;
  hypercalls: number;
  pteWrites: number;
  randomCode: number;
  userModeOps: number;
  rebuildsOfA: number;
  /** Hypercalls of A that preempted themselves and were re-executed (continuation paths). */
  continuations: number;
  instructions: number;
  ms: number;
  /** Return values seen per hypercall number (negative errno counts). */
  results: Map<number, Map<string, number>>;
  bIntact: boolean;
  /** Where B first differed: operation index and the changed frames. */
  bChange?: { afterOperation: number; frames: string[]; operation: string };
  auditErrors: string[];
  /** Exceptions out of the host, and exits whose handling threw (each crashed A): must stay empty. */
  hostErrors: string[];
}

/** Entries per hypercall invocation before it continues itself, during the campaign. */
const FUZZ_HYPERCALL_WORK_BUDGET = 4;

/** mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Per-frame hashes of everything domain `id` owns. */
function hashDomain(host: PvHost, id: number): Map<number, string> {
  const f = host.sys.host.frames;
  const out = new Map<number, string>();
  for (let m = 0; m < f.nrFrames; m++) {
    if (f.count[m] > 0 && f.owner[m] === id) {
      out.set(
        m,
        createHash('sha256')
          .update(host.sys.host.mem.readBytes(m * 4096, 4096))
          .digest('hex'),
      );
    }
  }
  return out;
}

function diffDomain(host: PvHost, before: Map<number, string>, id: number): string[] {
  const after = hashDomain(host, id);
  const f = host.sys.host.frames;
  const out: string[] = [];
  for (const [m, h] of before)
    if (after.get(m) !== h) out.push(f.describe(m) + (after.has(m) ? ' (content changed)' : ' (lost)'));
  for (const m of after.keys()) if (!before.has(m)) out.push(`${f.describe(m)} (new)`);
  return out;
}

class Fuzzer {
  /** What the last operation did (for reports). */
  lastOp = '';
  private readonly r: () => number;
  private a!: BuiltPvDomain;
  readonly report: FuzzReport;
  private readonly imageA = new Uint8Array(readFileSync(join(KERNELS, 'hypercalls-basic.elf')));

  constructor(
    private readonly host: PvHost,
    private readonly b: BuiltPvDomain,
    private readonly opts: FuzzOptions,
  ) {
    this.r = rng(opts.seed);
    this.report = {
      seed: opts.seed,
      operations: 0,
      hypercalls: 0,
      continuations: 0,
      pteWrites: 0,
      randomCode: 0,
      userModeOps: 0,
      rebuildsOfA: 0,
      instructions: 0,
      ms: 0,
      results: new Map(),
      bIntact: false,
      auditErrors: [],
      hostErrors: [],
    };
    this.buildA();
  }

  private int(n: number): number {
    return Math.floor(this.r() * n);
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  private u64(): bigint {
    return (BigInt(this.int(2 ** 32)) << 32n) | BigInt(this.int(2 ** 32));
  }

  private buildA(): void {
    this.a = this.host.createDomain({ id: 1, image: this.imageA, memoryMiB: 8, paused: true });
    const v = this.a.exec.vcpus[0];
    this.host.enter(v);
    // A user root (the kernel L4, XTF style) so random code can also run in guest user mode.
    newUserBaseptr(this.host.sys.context(this.a.exec.domain, v.vcpu), v.vcpu.guestTable);
    v.kernelSp = this.a.built.regs.rsp;
    if (this.r() < 0.5) this.a.exec.domain.vmAssist.add(VMASST_TYPE_writable_pagetables);
    // A trap table and callbacks (as the guest would set them): every vector lands on `jmp .`, so a
    // fault does not end A and the next operation continues from a sane state.
    const pad = this.padVa;
    this.writeA(pad, Uint8Array.from([0xeb, 0xfe]));
    for (let vec = 0; vec < 256; vec++) {
      v.trapAddr[vec] = pad;
      v.trapFlags[vec] = this.int(8);
    }
    v.eventCallback = pad;
    v.failsafeCallback = pad;
    v.syscallCallback = pad;
  }

  private get padVa(): bigint {
    return this.va(this.a.built.layout.stackPfn + 9);
  }

  private va(pfn: number): bigint {
    return this.a.built.layout.virtBase + BigInt(pfn) * 4096n;
  }

  /** Scratch pages of A: code, then data for hypercall arguments. */
  private get codeVa(): bigint {
    return this.va(this.a.built.layout.stackPfn + 2);
  }
  private dataVa(k: number): bigint {
    return this.va(this.a.built.layout.stackPfn + 3 + (k % 6));
  }

  private writeA(va: bigint, bytes: Uint8Array): void {
    const l = this.a.built.layout;
    const pfn = Number((va - l.virtBase) >> 12n);
    this.host.sys.host.mem.writeBytes(this.a.built.p2m[pfn] * 4096 + Number(va & 0xfffn), bytes);
  }

  /** Interesting frame numbers: A's, B's, Xen's, out of range. */
  private mfn(): bigint {
    const a = this.a.built;
    const b = this.b.built;
    switch (this.int(7)) {
      case 0:
        return BigInt(this.pick(a.p2m));
      case 1:
        return BigInt(a.p2m[a.layout.ptPfn + this.int(a.layout.usedPages - a.layout.ptPfn)]);
      case 2:
        return BigInt(this.pick(b.p2m));
      case 3:
        return BigInt(b.l4Mfn);
      case 4:
        return BigInt(
          this.pick([this.a.exec.area.l3Mfn, this.b.exec.area.l3Mfn, this.host.xenPages.zeroMfn]),
        );
      case 5:
        return BigInt(this.int(this.host.sys.host.frames.nrFrames));
      default:
        return BigInt(this.host.sys.host.frames.nrFrames + this.int(1 << 20));
    }
  }

  /** A PTE value: interesting frame, random flags (often P, sometimes RW/U/PSE/NX/bit 62). */
  private pte(): bigint {
    let flags = BigInt(this.int(0x1000));
    if (this.r() < 0.8) flags |= 1n;
    if (this.r() < 0.2) flags |= 1n << 63n;
    if (this.r() < 0.05) flags |= 1n << 62n;
    return (this.mfn() << 12n) | flags;
  }

  private arg(): bigint {
    switch (this.int(9)) {
      case 0:
        return BigInt(this.int(16));
      case 1:
        return this.dataVa(this.int(6)) + BigInt(this.int(4096));
      case 2:
        return this.dataVa(this.int(6));
      case 3:
        return this.mfn();
      case 4:
        return (this.mfn() << 12n) | BigInt(this.int(4096) & ~7);
      case 5:
        return this.pick([0x7ff0n, 0x7ff1n, 0x7ff2n, BigInt(this.b.exec.id), 0n]);
      case 6:
        return this.u64();
      case 7:
        return this.pick([0xffff800000000000n, 0x0000800000000000n, 0xffffffffffffffffn, 0x1000n]);
      default:
        return this.va(this.int(this.a.built.layout.usedPages));
    }
  }

  /** Fill A's data pages with struct-like content: frames, PTEs, pointers, small numbers. */
  private scribbleData(): void {
    for (let k = 0; k < 6; k++) {
      const page = new Uint8Array(4096);
      const dv = new DataView(page.buffer);
      for (let i = 0; i < 512; i++) {
        const v = this.int(4) === 0 ? this.pte() : this.r() < 0.5 ? this.arg() : BigInt(this.int(64));
        dv.setBigUint64(i * 8, BigInt.asUintN(64, v), true);
      }
      this.writeA(this.dataVa(k), page);
    }
  }

  private run(budget: number): void {
    const before = this.host.cpu.instructionsRetired;
    this.host.run(budget);
    this.report.instructions += this.host.cpu.instructionsRetired - before;
  }

  private hypercallOp(): void {
    const v = this.a.exec.vcpus[0];
    const cpu = this.host.cpu;
    let nr: bigint;
    const roll = this.r();
    if (roll < 0.85) {
      let n = this.pick(KNOWN_HYPERCALLS);
      if (DISRUPTIVE.has(n) && this.r() < 0.7) n = 17;
      nr = BigInt(n);
    } else if (roll < 0.95) nr = BigInt(this.int(64));
    else nr = this.u64();
    if (nr === 29n || nr === 6n) {
      // sched_op: keep shutdown/block rarer than the rest
      if (this.r() < 0.5) return;
    }
    this.writeA(this.codeVa, Uint8Array.from([0x0f, 0x05, 0xeb, 0xfe])); // syscall ; jmp .
    if (!v.vcpu.inKernel) toggleGuestMode(this.host, v);
    const args = [this.arg(), this.arg(), this.arg(), this.arg(), this.arg()];
    this.biasArgs(Number(nr), args);
    [7, 6, 2, 10, 8].forEach((r, i) => cpu.setReg(r, args[i]));
    cpu.setReg(0, nr);
    this.lastOp = `hypercall ${nr}(${args.map((x) => x.toString(16)).join(', ')})`;
    cpu.setReg(4, this.a.built.regs.rsp - BigInt(this.int(64) * 8));
    cpu.rip = this.codeVa;
    this.report.hypercalls++;
    const continuedBefore = this.a.exec.continuations;
    this.run(50);
    this.report.continuations += this.a.exec.continuations - continuedBefore;
    const rc = BigInt.asIntN(64, cpu.reg(0));
    const key = rc < 0n && rc > -200n ? String(rc) : rc === 0n ? '0' : '+';
    const per = this.report.results.get(Number(nr & 0xffffn)) ?? new Map<string, number>();
    per.set(key, (per.get(key) ?? 0) + 1);
    this.report.results.set(Number(nr & 0xffffn), per);
  }

  /** Mostly-valid argument shapes for the MM hypercalls (so they get past the first checks). */
  private biasArgs(nr: number, a: bigint[]): void {
    if (this.r() < 0.3) return;
    const SELF = 0x7ff0n;
    switch (nr) {
      case 1: // mmu_update(reqs, count, done, foreigndom)
      case 26: // mmuext_op(ops, count, done, foreigndom)
        a[0] = this.dataVa(this.int(6)) + BigInt(this.int(64) * 8);
        // Long batches preempt (the work budget is small); hostile guests also set PREEMPTED themselves.
        a[1] = BigInt(1 + this.int(this.r() < 0.3 ? 128 : 4));
        if (this.r() < 0.25) a[1] |= BigInt(MMU_UPDATE_PREEMPTED);
        a[2] = this.r() < 0.5 ? 0n : this.dataVa(5) + 0xff0n;
        a[3] = this.r() < 0.8 ? SELF : a[3];
        break;
      case 13: // multicall(list, n): entries from the scribbled data pages
        a[0] = this.dataVa(this.int(6)) + BigInt(this.int(64) * 8);
        a[1] = BigInt(this.int(40));
        break;
      case 14: // update_va_mapping(va, pte, flags)
      case 22:
        a[0] = this.va(this.int(this.a.built.layout.usedPages));
        a[1] = this.pte();
        a[2] = BigInt(this.int(8));
        if (nr === 22) a[3] = this.r() < 0.5 ? SELF : BigInt(this.b.exec.id);
        break;
      case 12: // memory_op(cmd, arg)
        a[0] = BigInt(this.int(16));
        a[1] = this.dataVa(this.int(6));
        break;
      case 2: // set_gdt(frames, entries)
        a[0] = this.dataVa(this.int(6));
        a[1] = BigInt(this.int(1024));
        break;
      case 10: // update_descriptor(maddr, desc)
        a[0] = (this.mfn() << 12n) | BigInt(this.int(512) * 8);
        a[1] = this.pick([0x00cff3000000ffffn, 0x00cf93000000ffffn, 0x0000890000000067n, this.u64()]);
        break;
      default:
        break;
    }
  }

  /** A direct store into one of A's page tables (through the RO boot mapping: ptwr or #PF). */
  private pteOp(): void {
    const l = this.a.built.layout;
    const v = this.a.exec.vcpus[0];
    const cpu = this.host.cpu;
    if (!v.vcpu.inKernel) toggleGuestMode(this.host, v);
    const entryVa =
      this.va(l.ptPfn + this.int(l.usedPages - l.ptPfn > 8 ? 8 : 1)) + BigInt(this.int(512) * 8);
    // mov %rax, (%rdi) ; jmp .
    this.writeA(this.codeVa, Uint8Array.from([0x48, 0x89, 0x07, 0xeb, 0xfe]));
    cpu.setReg(7, entryVa);
    cpu.setReg(0, this.pte());
    this.lastOp = `store ${cpu.reg(0).toString(16)} to ${entryVa.toString(16)}`;
    cpu.setReg(4, this.a.built.regs.rsp);
    cpu.rip = this.codeVa;
    this.report.pteWrites++;
    this.run(50);
  }

  private randomCodeOp(): void {
    const v = this.a.exec.vcpus[0];
    const cpu = this.host.cpu;
    const user = this.r() < 0.4;
    if (user !== !v.vcpu.inKernel) toggleGuestMode(this.host, v);
    if (user) this.report.userModeOps++;
    const code = Uint8Array.from({ length: 32 }, () => this.int(256));
    // Bias towards system opcodes: 0F xx, privileged one-byte ops, INT n.
    for (let i = 0; i < 4; i++) {
      const at = this.int(28);
      code.set(
        this.pick([
          [0x0f, this.int(256)],
          [0xcd, this.int(256)],
          [this.pick([0xf4, 0xfa, 0xfb, 0xcf, 0xe4, 0xee])],
        ]),
        at,
      );
    }
    this.writeA(this.codeVa, code);
    this.lastOp = `${user ? 'user' : 'kernel'} code ${Buffer.from(code).toString('hex')}`;
    for (let r = 0; r < 16; r++) if (r !== 4) cpu.setReg(r, this.arg());
    cpu.setReg(4, this.a.built.regs.rsp - BigInt(this.int(32) * 8));
    cpu.rip = this.codeVa;
    this.report.randomCode++;
    this.run(this.opts.budget ?? 500);
  }

  step(): void {
    if (this.int(50) === 0) this.scribbleData();
    const k = this.r();
    if (k < 0.55) this.hypercallOp();
    else if (k < 0.7) this.pteOp();
    else this.randomCodeOp();
    this.report.operations++;
    if (this.a.exec.shutdown) {
      this.host.destroyDomain(this.a.exec.id);
      this.report.rebuildsOfA++;
      this.buildA();
      this.scribbleData();
    } else if (this.host.current !== this.a.exec.vcpus[0]) {
      this.host.enter(this.a.exec.vcpus[0]);
    }
    // Keep A schedulable for the next operation (a block/down is over as far as the fuzzer cares).
    const v = this.a.exec.vcpus[0];
    v.blocked = false;
    v.online = true;
  }
}

/** Run the hostile-guest campaign. Throws only if the harness itself breaks. */
export function fuzzHostileGuest(opts: FuzzOptions): FuzzReport {
  const t0 = Date.now();
  const internal: string[] = [];
  const host = new PvHost({
    memoryMiB: 48,
    log: (l) => {
      if (l.includes('internal error')) internal.push(l);
      opts.log?.(l);
    },
  });
  // A small budget so continuations (and multicall entries resumed mid-way) happen all the time.
  host.sys.hypercallWorkBudget = FUZZ_HYPERCALL_WORK_BUDGET;
  const b = host.createDomain({
    id: 2,
    image: new Uint8Array(readFileSync(join(KERNELS, 'multicall.elf'))),
    memoryMiB: 8,
    paused: true,
  });
  const before = hashDomain(host, 2);
  const f = new Fuzzer(host, b, opts);
  for (let i = 0; i < opts.operations; i++) {
    try {
      f.step();
    } catch (e) {
      f.report.hostErrors.push(`op ${i}: ${(e as Error).stack ?? e}`);
      if (f.report.hostErrors.length > 5) break;
    }
    const every = opts.checkEvery ?? 0;
    if (every > 0 && !f.report.bChange && (i + 1) % every === 0) {
      const d = diffDomain(host, before, 2);
      if (d.length > 0) f.report.bChange = { afterOperation: i, frames: d, operation: f.lastOp };
    }
  }
  f.report.hostErrors.push(...internal);
  const d = diffDomain(host, before, 2);
  if (d.length > 0 && !f.report.bChange) {
    f.report.bChange = { afterOperation: opts.operations - 1, frames: d, operation: f.lastOp };
  }
  f.report.bIntact = d.length === 0;
  f.report.auditErrors = auditMemory(host.sys.host, host.sys.allDomains, host.heldReferences());
  f.report.ms = Date.now() - t0;
  return f.report;
}
