/**
 * Returning from a handler (§6.6): the iret hypercall — RAX from the frame, RCX/R11 restored or
 * (VGCF_in_syscall) set SYSRET-style, the event mask from RFLAGS.IF, CS RPL 3 toggling to user mode
 * with swapgs and the user root — and the native same-privilege path `orb $3, 8(%rsp); iretq`.
 */
import { describe, expect, it } from 'vitest';
import * as A from '../../src/exec/abi';
import { newUserBaseptr } from '../../src/mm/baseptr';
import { RAX, RCX, RSP, R11 } from '../../src/exec/x86/pv-cpu';
import { CODE_VA, le64, makeGuest, movImm64, PAD_VA, type TestGuest } from './helpers/guest';

const R12 = 12;
const HANDLER = PAD_VA + 0x800n;

/** Push a 6-word iret frame [flags, rip, cs, rflags, rsp, ss] and issue HYPERVISOR_iret (stub 23). */
function iretCode(f: {
  flags: bigint;
  rip: bigint;
  cs: bigint;
  rflags: bigint;
  rsp: bigint;
  ss: bigint;
}): number[] {
  const push64 = (v: bigint): number[] => [...movImm64(RAX, v), 0x50]; // mov $v, %rax ; push %rax
  return [
    ...push64(f.ss),
    ...push64(f.rsp),
    ...push64(f.rflags),
    ...push64(f.cs),
    ...push64(f.rip),
    ...push64(f.flags),
    ...movImm64(RCX, 0xc1c1n), // the values the stub saves
    ...movImm64(R11, 0x1b1bn),
    ...movImm64(RAX, 0xa5a5n),
    0x51, // push %rcx
    ...[0x41, 0x53], // push %r11
    0x50, // push %rax
    ...[0xb8, 0x17, 0x00, 0x00, 0x00], // mov $23, %eax
    ...[0x0f, 0x05], // syscall
  ];
}

function stackAndTarget(g: TestGuest): { target: bigint; stack: bigint } {
  const target = CODE_VA + 0x600n;
  g.write(target, [0xeb, 0xfe]);
  return { target, stack: g.stackTop - 0x200n };
}

describe('HYPERVISOR_iret', () => {
  it('flags 0: restores RAX/RCX/R11 from the frame, RIP/RSP, and the event mask from IF', () => {
    const g = makeGuest();
    const { target, stack } = stackAndTarget(g);
    g.setMask(true);
    g.runCode(iretCode({ flags: 0n, rip: target, cs: 0xe030n, rflags: 0x202n, rsp: stack, ss: 0xe02bn }));
    expect(g.cpu.rip).toBe(target);
    expect(g.cpu.reg(RSP)).toBe(stack);
    expect(g.cpu.reg(RAX)).toBe(0xa5a5n);
    expect(g.cpu.reg(RCX)).toBe(0xc1c1n);
    expect(g.cpu.reg(R11)).toBe(0x1b1bn);
    expect(g.mask()).toBe(0); // IF set → events unmasked
    expect(g.v.vcpu.inKernel).toBe(true);
    expect(g.cpu.rflags & A.X86_EFLAGS_IF).not.toBe(0); // hardware IF stays 1
  });

  it('VGCF_in_syscall: RCX = RIP, R11 = RFLAGS; IF clear in the frame masks events', () => {
    const g = makeGuest();
    const { target, stack } = stackAndTarget(g);
    g.setMask(false);
    g.runCode(
      iretCode({
        flags: BigInt(A.VGCF_in_syscall),
        rip: target,
        cs: 0xe030n,
        rflags: 0x2n,
        rsp: stack,
        ss: 0xe02bn,
      }),
    );
    expect(g.cpu.rip).toBe(target);
    expect(g.cpu.reg(RCX)).toBe(target);
    expect(g.cpu.reg(R11)).toBe(BigInt(g.cpu.rflags) & ~BigInt(A.X86_EFLAGS_RF));
    expect(g.mask()).toBe(1);
  });

  it('clears IOPL/VM from the returned RFLAGS and keeps the guest flags', () => {
    const g = makeGuest();
    const { target, stack } = stackAndTarget(g);
    g.runCode(iretCode({ flags: 0n, rip: target, cs: 0xe030n, rflags: 0x23283n, rsp: stack, ss: 0xe02bn }));
    expect(g.cpu.rflags & (A.X86_EFLAGS_IOPL | A.X86_EFLAGS_VM)).toBe(0);
    expect(g.cpu.rflags & A.X86_EFLAGS_CF).toBe(A.X86_EFLAGS_CF);
  });

  it('CS RPL 3 returns to user mode: user root in CR3, swapgs; without a user root the domain crashes', () => {
    const g = makeGuest();
    const { target, stack } = stackAndTarget(g);
    const ctx = g.host.sys.context(g.dom.exec.domain, g.v.vcpu);
    expect(newUserBaseptr(ctx, g.v.vcpu.guestTable)).toBe(0);
    g.cpu.setSegBase(5, 0x5000n); // kernel GS base (active)
    g.v.gsBaseInactive = 0x7000n; // user GS base
    g.runCode(iretCode({ flags: 0n, rip: target, cs: 0xe033n, rflags: 0x202n, rsp: stack, ss: 0xe02bn }));
    expect(g.cpu.rip).toBe(target);
    expect(g.v.vcpu.inKernel).toBe(false);
    expect(g.cpu.cr3Mfn).toBe(g.v.vcpu.guestTableUser);
    expect(g.cpu.segBase(5)).toBe(0x7000n);
    expect(g.v.gsBaseInactive).toBe(0x5000n);
    expect(g.cpu.selector(1)).toBe(0xe033);

    const g2 = makeGuest();
    const t2 = stackAndTarget(g2);
    g2.runCode(
      iretCode({ flags: 0n, rip: t2.target, cs: 0xe033n, rflags: 0x202n, rsp: t2.stack, ss: 0xe02bn }),
    );
    expect(g2.dom.exec.shutdown?.detail).toMatch(/without a user root/);
  });

  it('crashes the domain for an unreadable frame or unusable selectors', () => {
    const g = makeGuest();
    g.runCode([...movImm64(4, 0x40000000n), 0xb8, 0x17, 0, 0, 0, 0x0f, 0x05]); // rsp unmapped; iret
    expect(g.dom.exec.shutdown?.detail).toMatch(/cannot read the iret frame/);
    const g2 = makeGuest();
    const t = stackAndTarget(g2);
    g2.runCode(iretCode({ flags: 0n, rip: t.target, cs: 0x3n, rflags: 0x202n, rsp: t.stack, ss: 0xe02bn }));
    expect(g2.dom.exec.shutdown?.detail).toMatch(/unusable selectors/);
  });
});

describe('native return: orb $3, 8(%rsp); iretq', () => {
  it('returns from a kernel-mode bounce with every GPR preserved (the traps.elf check, done right)', () => {
    const g = makeGuest();
    // handler: pop %rcx ; pop %r11 ; orb $3, 8(%rsp) ; iretq
    g.write(HANDLER, [0x59, 0x41, 0x5b, 0x80, 0x4c, 0x24, 0x08, 0x03, 0x48, 0xcf]);
    g.v.trapAddr[A.X86_EXC_BP] = HANDLER;
    const before = g.stackTop - 0x40n;
    g.cpu.setReg(RSP, before);
    const code = [
      ...movImm64(RCX, 0xc0c0c0c0c0c0c0c0n),
      ...movImm64(R11, 0x1111111111111111n),
      ...movImm64(RAX, 0xaaaaaaaaaaaaaaaan),
      ...movImm64(R12, 0x1212121212121212n),
      0xcc, // int3
    ];
    g.runCode(code, 100);
    expect(g.cpu.rip).toBe(CODE_VA + BigInt(code.length)); // back after int3, at the jmp .
    expect(g.cpu.reg(RCX)).toBe(0xc0c0c0c0c0c0c0c0n);
    expect(g.cpu.reg(R11)).toBe(0x1111111111111111n);
    expect(g.cpu.reg(RAX)).toBe(0xaaaaaaaaaaaaaaaan);
    expect(g.cpu.reg(R12)).toBe(0x1212121212121212n);
    expect(g.cpu.reg(RSP)).toBe(before);
    expect(g.cpu.selector(1)).toBe(0xe033);
    expect(g.dom.exec.shutdown).toBeUndefined();
  });

  it('the same through HYPERVISOR_iret (flags 0) preserves them too', () => {
    const g = makeGuest();
    // handler: pop %rcx ; pop %r11 ; push $0 (flags) ; push %rcx ; push %r11 ; push %rax ;
    //          mov $23, %eax ; syscall
    g.write(HANDLER, [0x59, 0x41, 0x5b, 0x6a, 0x00, 0x51, 0x41, 0x53, 0x50, 0xb8, 0x17, 0, 0, 0, 0x0f, 0x05]);
    g.v.trapAddr[A.X86_EXC_BP] = HANDLER;
    const code = [
      ...movImm64(RCX, 0xc0c0c0c0c0c0c0c0n),
      ...movImm64(R11, 0x1111111111111111n),
      ...movImm64(RAX, 0xaaaaaaaaaaaaaaaan),
      0xcc, // int3
    ];
    g.runCode(code, 100);
    expect(g.cpu.rip).toBe(CODE_VA + BigInt(code.length));
    expect(g.cpu.reg(RCX)).toBe(0xc0c0c0c0c0c0c0c0n);
    expect(g.cpu.reg(R11)).toBe(0x1111111111111111n);
    expect(g.cpu.reg(RAX)).toBe(0xaaaaaaaaaaaaaaaan);
  });
});

describe('HYPERVISOR_iret inside a multicall', () => {
  it("ends the batch and keeps the frame's RAX (the multicall does not overwrite it with its own result)", () => {
    const g = makeGuest();
    const { target, stack } = stackAndTarget(g);
    const list = PAD_VA + 0x400n;
    const u64 = (v: bigint): number[] =>
      Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
    // Entry 0: iret; entry 1 would be xen_version — it must not run (result stays 0x77).
    g.write(list, [...u64(23n), ...u64(0x77n), ...Array(48).fill(0)]);
    g.write(list + 64n, [...u64(17n), ...u64(0x77n), ...Array(48).fill(0)]);
    const iret = iretCode({ flags: 0n, rip: target, cs: 0xe030n, rflags: 0x202n, rsp: stack, ss: 0xe02bn });
    // Replace the final `mov $23, %eax; syscall` by multicall(list, 2).
    const frameSetup = iret.slice(0, iret.length - 7);
    g.runCode([
      ...frameSetup,
      ...movImm64(7, list), // %rdi
      ...movImm64(6, 2n), // %rsi
      ...[0xb8, 0x0d, 0x00, 0x00, 0x00], // mov $13, %eax (multicall)
      ...[0x0f, 0x05],
    ]);
    expect(g.cpu.rip).toBe(target);
    expect(g.cpu.reg(RSP)).toBe(stack);
    expect(g.cpu.reg(RAX)).toBe(0xa5a5n);
    // Xen's mc_exit: the iret entry's result field holds the RAX the iret restored.
    expect([...g.read(list + 8n, 8)]).toEqual(le64(0xa5a5n));
    const second = g.read(list + 64n + 8n, 8);
    expect(second[0]).toBe(0x77);
  });
});
