/**
 * Emulation of privileged instructions on #GP (§11.3): RDMSR/WRMSR of the MSRs PV kernels touch, the
 * hypercall-page MSR, MOV to/from CR0/CR3/CR4/DR7, CLTS, WBINVD, IN/OUT and CLI/STI against the
 * virtual IOPL — in guest kernel mode only; guest user mode gets #GP.
 */
import { describe, expect, it } from 'vitest';
import * as A from '../../src/exec/abi';
import { APIC_BASE_VALUE, PV_EFER, PV_PAT } from '../../src/exec/msr';
import { RAX, RCX, RDX, RSP } from '../../src/exec/x86/pv-cpu';
import { hypercallPageBytes } from '../../src/builder/hypercall-page';
import { CODE_VA, DATA_VA, enterUser, makeGuest, movImm64, type TestGuest } from './helpers/guest';

const RDMSR = [0x0f, 0x32];
const WRMSR = [0x0f, 0x30];

function rdmsr(g: TestGuest, msr: number): bigint | 'gp' {
  const gp = g.trap(A.X86_EXC_GP);
  g.runCode([...movImm64(RCX, BigInt(msr)), ...RDMSR]);
  if (g.cpu.rip === gp) return 'gp';
  expect(g.cpu.rip).toBe(CODE_VA + 12n);
  return (g.cpu.reg(RDX) << 32n) | g.cpu.reg(RAX);
}

function wrmsr(g: TestGuest, msr: number, value: bigint): 'ok' | 'gp' {
  const gp = g.trap(A.X86_EXC_GP);
  g.runCode([
    ...movImm64(RCX, BigInt(msr)),
    ...movImm64(RAX, value & 0xffffffffn),
    ...movImm64(RDX, value >> 32n),
    ...WRMSR,
  ]);
  if (g.cpu.rip === gp) {
    expect(g.readU64(g.cpu.reg(RSP) + 16n)).toBe(0n); // #GP(0)
    return 'gp';
  }
  expect(g.cpu.rip).toBe(CODE_VA + 32n);
  return 'ok';
}

describe('RDMSR/WRMSR from guest kernel mode', () => {
  it('reads the fixed MSRs and refuses changes to them', () => {
    const g = makeGuest();
    expect(rdmsr(g, 0x1b)).toBe(APIC_BASE_VALUE | 0x100n); // vCPU0 is the BSP
    expect(rdmsr(g, 0x277)).toBe(PV_PAT);
    expect(rdmsr(g, 0xc0000080)).toBe(PV_EFER);
    expect(wrmsr(g, 0xc0000080, PV_EFER)).toBe('ok');
    expect(wrmsr(g, 0xc0000080, PV_EFER & ~1n)).toBe('gp');
    expect(wrmsr(g, 0x1b, 0n)).toBe('gp');
    expect(rdmsr(g, 0x1234)).toBe('gp');
    expect(wrmsr(g, 0x1234, 0n)).toBe('gp');
    const t1 = rdmsr(g, 0x10) as bigint;
    const t2 = rdmsr(g, 0x10) as bigint;
    expect(t2 > t1).toBe(true);
  });

  it('fakes an unknown MSR read as 0 while the guest has no #GP handler', () => {
    const g = makeGuest();
    g.runCode([...movImm64(RAX, 0x5555n), ...movImm64(RCX, 0x1234n), ...RDMSR]);
    expect(g.cpu.reg(RAX)).toBe(0n);
    expect(g.dom.exec.shutdown).toBeUndefined();
  });

  it('FS/GS/SHADOW_GS bases are the same state as set_segment_base, and mode-aware', () => {
    const g = makeGuest();
    expect(wrmsr(g, 0xc0000100, 0x1000n)).toBe('ok');
    expect(g.cpu.segBase(4)).toBe(0x1000n);
    expect(wrmsr(g, 0xc0000101, 0x2000n)).toBe('ok'); // kernel GS: active in kernel mode
    expect(g.cpu.segBase(5)).toBe(0x2000n);
    expect(wrmsr(g, 0xc0000102, 0x3000n)).toBe('ok'); // user GS: inactive
    expect(g.v.gsBaseInactive).toBe(0x3000n);
    expect(rdmsr(g, 0xc0000102)).toBe(0x3000n);
    expect(rdmsr(g, 0xc0000101)).toBe(0x2000n);
    expect(wrmsr(g, 0xc0000100, 0x0000800000000000n)).toBe('gp'); // non-canonical
  });

  it('installs a hypercall page through MSR 0x40000000 into a writable frame only', () => {
    const g = makeGuest();
    const maddr = BigInt(g.mfnOf(DATA_VA)) << 12n;
    expect(rdmsr(g, 0x40000000)).toBe(0n);
    expect(wrmsr(g, 0x40000000, maddr | 1n)).toBe('gp');
    expect(wrmsr(g, 0x40000000, BigInt(g.v.vcpu.guestTable) << 12n)).toBe('gp'); // an L4
    expect(wrmsr(g, 0x40000000, maddr)).toBe('ok');
    expect(g.read(DATA_VA, 4096)).toEqual(hypercallPageBytes());
  });

  it('is #GP in guest user mode', () => {
    const g = makeGuest();
    const gp = g.trap(A.X86_EXC_GP);
    enterUser(g, [...movImm64(RCX, 0x1bn), ...RDMSR]);
    expect(g.cpu.rip).toBe(gp);
  });
});

describe('control and debug registers', () => {
  it('mov from CR0/CR3/CR4, CLTS and TS-only writes to CR0, CR3 writes switch roots', () => {
    const g = makeGuest();
    const gp = g.trap(A.X86_EXC_GP);
    g.runCode([0x0f, 0x20, 0xc0]); // mov %cr0, %rax
    expect(g.cpu.reg(RAX)).toBe(0x80010033n);
    g.runCode([0x0f, 0x20, 0xd8]); // mov %cr3, %rax
    expect(g.cpu.reg(RAX)).toBe(BigInt(g.v.vcpu.guestTable) << 12n);
    g.runCode([0x0f, 0x20, 0xe0]); // mov %cr4, %rax
    expect(g.cpu.reg(RAX)).toBe(0x660n);
    g.runCode([...movImm64(RAX, 0x80010033n | 8n), 0x0f, 0x22, 0xc0]); // mov %rax, %cr0 (TS)
    expect(g.v.vcr0Ts).toBe(true);
    expect(g.cpu.ts).toBe(true);
    g.runCode([0x0f, 0x06]); // clts
    expect(g.v.vcr0Ts).toBe(false);
    g.runCode([...movImm64(RAX, 0x80010033n | 4n), 0x0f, 0x22, 0xc0]); // EM: refused
    expect(g.cpu.rip).toBe(gp);
    g.runCode([...movImm64(RAX, BigInt(g.v.vcpu.guestTable) << 12n), 0x0f, 0x22, 0xd8]); // mov %rax, %cr3
    expect(g.cpu.rip).toBe(CODE_VA + 13n);
    g.runCode([0x0f, 0x21, 0xf8]); // mov %dr7, %rax
    expect(g.cpu.reg(RAX)).toBe(0x400n);
    g.runCode([0x0f, 0x09]); // wbinvd
    expect(g.cpu.rip).toBe(CODE_VA + 2n);
  });

  it('a CR4 write keeps invisible bits and applies TSD', () => {
    const g = makeGuest();
    g.runCode([...movImm64(RAX, 0x660n | 0x80n | 0x4n), 0x0f, 0x22, 0xe0]); // PGE ignored, TSD kept
    expect(g.v.vcr4).toBe(0x664);
    const gp = g.trap(A.X86_EXC_GP);
    enterUser(g, [0x0f, 0x31]); // rdtsc in user mode with TSD → #GP
    expect(g.cpu.rip).toBe(gp);
  });
});

describe('I/O and CLI/STI against the virtual IOPL', () => {
  it('IOPL 0: #GP; IOPL 1: IN reads all ones, OUT dropped, CLI/STI are NOPs leaving the mask', () => {
    const g = makeGuest();
    const gp = g.trap(A.X86_EXC_GP);
    g.runCode([0xe4, 0x80]); // in $0x80, %al
    expect(g.cpu.rip).toBe(gp);
    g.runCode([0xfa]); // cli
    expect(g.cpu.rip).toBe(gp);
    g.v.vcpu.iopl = 1;
    g.setMask(false);
    g.runCode([
      ...movImm64(RAX, 0n),
      ...[0xe4, 0x80], // in $0x80, %al
      ...[0x66, 0xed], // in (%dx), %ax
      ...[0xe6, 0x80], // out %al, $0x80
      0xfa, // cli
      0xfb, // sti
    ]);
    expect(g.cpu.rip).toBe(CODE_VA + 18n);
    expect(g.cpu.reg(RAX)).toBe(0xffffn);
    expect(g.mask()).toBe(0);
    // Guest user mode counts as CPL 3: IOPL 1 is not enough.
    enterUser(g, [0xfa]);
    expect(g.cpu.rip).toBe(gp);
  });
});
