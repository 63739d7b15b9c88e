/**
 * The guest CPUID policy (§11.1, §11.2): Xen's hypervisor leaves, an SSE2-level feature set that
 * x86-core really implements, hidden features, and the forced-emulation prefix vs bare CPUID.
 */
import { defaultCpuid } from '@xeno/x86-core/system/cpuid';
import { describe, expect, it } from 'vitest';
import { pvCpuid, type CpuidContext } from '../../src/exec/cpuid-policy';
import { RAX, RCX, RDX } from '../../src/exec/x86/pv-cpu';
import { CODE_VA, makeGuest, movImm64 } from './helpers/guest';

const CTX: CpuidContext = { vcpuId: 1, nrVcpus: 2, xenMajor: 4, xenMinor: 19, physAddrBits: 40 };
const RBX = 3;

function hw(leaf: number, sub = 0): number[] {
  const out = new Int32Array(4);
  defaultCpuid(leaf, sub, { physAddrBits: 40, apicId: 0 }, out);
  return [...out].map((x) => x >>> 0);
}

const bit = (n: number): number => 2 ** n;

describe('PV CPUID policy', () => {
  it('reports Xen in the hypervisor leaves', () => {
    expect(pvCpuid(0x40000000, 0, CTX)).toEqual([0x40000005, 0x566e6558, 0x65584d4d, 0x4d4d566e]);
    expect(pvCpuid(0x40000001, 0, CTX)[0]).toBe(0x00040013);
    expect(pvCpuid(0x40000002, 0, CTX)).toEqual([1, 0x40000000, 1, 0]);
    expect(pvCpuid(0x40000003, 1, CTX)).toEqual([0, 0, 0x80000000, 1]);
    expect(pvCpuid(0x40000005, 0, CTX)[1]).toBe(40);
    expect((pvCpuid(1, 0, CTX)[2] & bit(31)) >>> 0).toBe(bit(31)); // HYPERVISOR
    expect(pvCpuid(1, 0, CTX)[1] >>> 24).toBe(1); // APIC id = vCPU id
  });

  it('offers the SSE2-level set and nothing x86-core does not implement', () => {
    const checks: Array<[number, number, number]> = [
      [1, 2, 0], // ECX
      [1, 3, 0], // EDX
      [7, 1, 0], // EBX
      [0x80000001, 2, 0],
      [0x80000001, 3, 0],
    ];
    for (const [leaf, reg, sub] of checks) {
      const ours = pvCpuid(leaf, sub, CTX)[reg];
      const cpu = hw(leaf, sub)[reg] | (leaf === 1 && reg === 2 ? bit(31) : 0);
      expect((ours & ~cpu) >>> 0, `leaf ${leaf.toString(16)} reg ${reg}`).toBe(0);
    }
    const [, , ecx, edx] = pvCpuid(1, 0, CTX);
    for (const b of [0, 4, 5, 6, 8, 15, 16, 19, 23, 24, 25, 26])
      expect(edx & bit(b), `edx ${b}`).toBe(bit(b));
    expect(ecx & bit(13)).toBe(bit(13)); // CX16
    expect(ecx & bit(23)).toBe(bit(23)); // POPCNT
    const e1 = pvCpuid(0x80000001, 0, CTX);
    expect(e1[3] & (bit(11) | bit(20) | bit(29))).toBe(bit(11) | bit(20) | bit(29)); // SYSCALL NX LM
    expect(e1[2] & 1).toBe(1); // LAHF_LM
  });

  it('hides SSE3+, XSAVE/AVX, PCID, X2APIC, VMX, PGE/PSE/MTRR, SMEP/SMAP, BMI, 1G pages, RDTSCP', () => {
    const [, , ecx, edx] = pvCpuid(1, 0, CTX);
    // SSE3 SSSE3 FMA SSE4.1 SSE4.2 X2APIC PCID VMX XSAVE OSXSAVE AVX MONITOR
    for (const b of [0, 9, 12, 19, 20, 21, 17, 5, 26, 27, 28, 3]) expect(ecx & bit(b), `ecx ${b}`).toBe(0);
    for (const b of [1, 3, 7, 12, 13, 14, 17, 9, 11]) expect(edx & bit(b), `edx ${b}`).toBe(0); // VME PSE MCE MTRR PGE MCA PSE36 APIC SEP
    const [, ebx7, ecx7, edx7] = pvCpuid(7, 0, CTX);
    expect(ebx7 & ~1).toBe(0); // only FSGSBASE
    expect(ecx7 | edx7).toBe(0);
    expect(pvCpuid(0x80000001, 0, CTX)[3] & (bit(26) | bit(27))).toBe(0);
    expect(pvCpuid(0xd, 0, CTX)).toEqual([0, 0, 0, 0]);
  });

  it('answers the forced-emulation prefix and a bare CPUID identically, in both guest modes', () => {
    const g = makeGuest();
    const fep = [0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2];
    for (const [leaf, sub] of [
      [0, 0],
      [1, 0],
      [0x40000000, 0],
      [0x40000003, 1],
      [0x80000001, 0],
    ]) {
      const want = pvCpuid(leaf, sub, { ...CTX, vcpuId: 0, nrVcpus: 1 });
      for (const insn of [fep, [0x0f, 0xa2]]) {
        g.runCode([...movImm64(RAX, BigInt(leaf)), ...movImm64(RCX, BigInt(sub)), ...insn]);
        expect(g.cpu.rip).toBe(CODE_VA + 20n + BigInt(insn.length));
        expect([RAX, RBX, RCX, RDX].map((r) => Number(g.cpu.reg(r)))).toEqual(want);
      }
    }
  });

  it('treats a wrong signature as a plain #UD', () => {
    const g = makeGuest();
    const ud = g.trap(6);
    g.runCode([0x0f, 0x0b, 0x78, 0x65, 0x6d, 0x0f, 0xa2]);
    expect(g.cpu.rip).toBe(ud);
  });
});
