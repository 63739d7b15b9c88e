/**
 * Checks the oracle itself (no emulator needed): the committed vector files match the group
 * definitions, generation is deterministic, the host CPU reproduces the committed outputs (when gcc is
 * present), the native harness maps faults correctly, and the comparer catches every kind of difference.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CaseBuilder,
  CODE_BASE,
  DATA_BASE,
  type OracleCase,
} from '../../../../tools/x86-oracle/src/case-builder';
import { compareCase, snippetInput, type SnippetOutputLike } from '../../../../tools/x86-oracle/src/compare';
import { COMPARED, STATUS } from '../../../../tools/x86-oracle/src/flags';
import { baseWindows, generateCase, generateGroup } from '../../../../tools/x86-oracle/src/group';
import { GROUPS } from '../../../../tools/x86-oracle/src/groups/index';
import { vectorPath } from '../../../../tools/x86-oracle/src/load';
import {
  harnessBinary,
  nativeAvailable,
  runNative,
  Status,
} from '../../../../tools/x86-oracle/src/native-runner';
import { Rng } from '../../../../tools/x86-oracle/src/rng';
import {
  decodeVectorFile,
  fromNative,
  inputHash,
  readHeader,
  type Expected,
} from '../../../../tools/x86-oracle/src/vector-file';

const SAMPLE = 1500;
const native = nativeAvailable();

describe('x86 oracle self-check', () => {
  it('has a vector file for every group, matching its seed and count', () => {
    let total = 0;
    for (const def of GROUPS) {
      expect(existsSync(vectorPath(def.name)), def.name).toBe(true);
      const h = readHeader(readFileSync(vectorPath(def.name)));
      expect(h).toMatchObject({ name: def.name, seed: def.seed, count: def.count });
      total += def.count;
    }
    expect(total).toBeGreaterThanOrEqual(200_000);
  });

  it('regenerates identical inputs (deterministic generators)', () => {
    for (const def of GROUPS) {
      const a = generateGroup(def, def.seed, 300);
      const b = generateGroup(def, def.seed, 300);
      expect(inputHash(a.base, a.cases), def.name).toBe(inputHash(b.base, b.cases));
      // Vector i does not depend on the vectors before it.
      expect(generateCase(def, def.seed, 299).code).toEqual(a.cases[299].code);
    }
  });

  it('only masks status flags and only where the SDM says so', () => {
    for (const def of GROUPS) {
      for (const c of generateGroup(def, def.seed, 500).cases) {
        expect(c.undefFlags & ~STATUS, `${def.name}: ${c.label}`).toBe(0);
        expect(c.undefFlags & COMPARED & STATUS).not.toBe(STATUS | 0x1000); // never everything + more
      }
    }
  });

  it.runIf(native)('the CPU reproduces the committed outputs (first vectors of every group)', () => {
    const bin = harnessBinary();
    for (const def of GROUPS) {
      const { base, cases } = generateGroup(def, def.seed, Math.min(SAMPLE, def.count));
      const committed = decodeVectorFile(readFileSync(vectorPath(def.name)), cases).expected;
      const fresh = runNative(bin, base, cases).map(fromNative);
      for (let i = 0; i < cases.length; i++) {
        if (fresh[i].status === Status.Timeout) continue;
        const got = outputOf(base, cases[i], fresh[i]);
        expect(
          compareCase(base, cases[i], committed[i], got),
          `${def.name} vector ${i} (${cases[i].label})`,
        ).toEqual([]);
      }
    }
  });

  it.runIf(native)('the native harness maps results and faults as documented', () => {
    const bin = harnessBinary();
    const mk = (code: number[], setup: (b: CaseBuilder) => void): OracleCase => {
      const b = new CaseBuilder(new Rng(7));
      setup(b);
      b.raw(code);
      return b.build();
    };
    const base = baseWindows(1);
    const cases = [
      mk([0x48, 0x01, 0xc8], (b) => (b.setReg(0, 5n), b.setReg(1, -6n), (b.rflags = 0x202n))), // add rax,rcx
      mk([0x90, 0x48, 0xf7, 0xf1], (b) => (b.setReg(1, 0n), b.setReg(2, 0n))), // nop; div rcx -> #DE
      mk([0x0f, 0x0b], () => undefined), // ud2 -> #UD
      mk([0x48, 0x8b, 0x03], (b) => b.setReg(3, DATA_BASE + 0x1000n)), // mov rax,[rbx] unmapped -> #PF
      mk([0x48, 0x8b, 0x03], (b) => b.setReg(3, 0x8000000000000000n)), // non-canonical -> #GP
      mk([0x48, 0x89, 0x18], (b) => (b.setReg(0, DATA_BASE + 8n), b.setReg(3, 0x1122334455667788n))), // mov [rax],rbx
    ];
    const r = runNative(bin, base, cases);
    expect(r[0]).toMatchObject({ status: Status.Ok, rip: CODE_BASE + 3n });
    expect(r[0].gpr[0]).toBe((1n << 64n) - 1n);
    expect(Number(r[0].rflags) & STATUS).toBe(0x84); // SF PF
    expect(r[1]).toMatchObject({ status: Status.Exception, vector: 0, rip: CODE_BASE + 1n });
    expect(r[2]).toMatchObject({ status: Status.Exception, vector: 6, rip: CODE_BASE });
    expect(r[3]).toMatchObject({ status: Status.Exception, vector: 14, faultAddr: DATA_BASE + 0x1000n });
    expect(r[4]).toMatchObject({ status: Status.Exception, vector: 13 });
    expect(r[5].diffs).toEqual([
      { win: 0, off: 8, bytes: Uint8Array.from([0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]) },
    ]);
  });

  it('the comparer reports every kind of difference', () => {
    const def = GROUPS.find((g) => g.name === 'alu')!;
    const { base, cases } = generateGroup(def, def.seed, 50);
    const c = cases.find((x) => x.label.includes(' mem') && x.label.startsWith('add'))!;
    const exp: Expected = {
      status: Status.Ok,
      vector: 0,
      errorCode: 0,
      rip: CODE_BASE + BigInt(c.code.length),
      gpr: c.gpr.map((g, i) => (i === 0 ? g ^ 1n : g)),
      rflags: 0x246n,
      diffs: [{ win: 0, off: 100, bytes: Uint8Array.from([1, 2, 3]) }],
    };
    const good = outputOf(base, c, exp);
    expect(compareCase(base, c, exp, good)).toEqual([]);
    const bad = (f: (o: SnippetOutputLike) => void): string[] => {
      const o = outputOf(base, c, exp);
      f(o);
      return compareCase(base, c, exp, o);
    };
    expect(bad((o) => (o.gpr[3] ^= 1n << 40n)).join()).toMatch(/^rbx: expected/);
    expect(bad((o) => (o.rflags ^= 0x800n)).join()).toMatch(/OF differ/);
    expect(bad((o) => (o.rflags ^= 0x200n)).join()).toMatch(/IF differ/);
    expect(bad((o) => (o.rip += 1n)).join()).toMatch(/^rip/);
    expect(bad((o) => (o.data[101] ^= 0xff)).join()).toMatch(/data: 1 byte/);
    expect(bad((o) => (o.stack[4095] ^= 1)).join()).toMatch(/stack: 1 byte/);
    expect(bad((o) => (o.exception = { vector: 13 })).join()).toMatch(/expected none, got #GP/);
    const fault: Expected = { ...exp, status: Status.Exception, vector: 14, errorCode: 6 };
    expect(compareCase(base, c, fault, { ...good, exception: { vector: 13 } }).join()).toMatch(
      /expected #PF, got #GP/,
    );
    expect(compareCase(base, c, fault, { ...good, exception: { vector: 14, errorCode: 4 } }).join()).toMatch(
      /error code/,
    );
    expect(compareCase(base, c, fault, good).join()).toMatch(/expected #PF, got none/);
    // Undefined flags are masked, but only those.
    const masked = { ...c, undefFlags: 0x800 };
    expect(compareCase(base, masked, exp, { ...good, rflags: good.rflags ^ 0x800n })).toEqual([]);
    expect(compareCase(base, masked, exp, { ...good, rflags: good.rflags ^ 0x801n }).join()).toMatch(
      /CF differ/,
    );
  });
});

/** The output the emulator would have to produce to match `exp` exactly. */
function outputOf(base: ReturnType<typeof baseWindows>, c: OracleCase, exp: Expected): SnippetOutputLike {
  const inp = snippetInput(base, c);
  for (const d of exp.diffs) (d.win ? inp.stack : inp.data).set(d.bytes, d.off);
  return {
    gpr: exp.gpr.slice(),
    rflags: exp.rflags,
    rip: exp.rip,
    data: inp.data,
    stack: inp.stack,
    exception: exp.status === Status.Exception ? { vector: exp.vector, errorCode: exp.errorCode } : undefined,
    instructions: 1,
  };
}
