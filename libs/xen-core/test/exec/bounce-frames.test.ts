/**
 * Bounce frames (§6.2, §6.3) built by the hypervisor when it enters the guest kernel at a handler:
 * layout, alignment, the CS "was kernel" marker and saved event mask, RFLAGS.IF mirroring the mask,
 * error codes, CR2 in vcpu_info, frames from user mode on kernel_sp, INT n DPL checks and the
 * SYSCALL-from-user bounce.
 */
import { describe, expect, it } from 'vitest';
import * as A from '../../src/exec/abi';
import { bounceFailsafe } from '../../src/exec/bounce';
import {
  CODE_VA,
  enterUser,
  makeGuest,
  movImm64,
  USER_CODE,
  USER_STACK,
  type TestGuest,
} from './helpers/guest';
import { RAX, RCX, RSP, R11 } from '../../src/exec/x86/pv-cpu';

/** The 8-byte words at the current RSP. */
function frame(g: TestGuest, words: number): bigint[] {
  const rsp = g.cpu.reg(RSP);
  return Array.from({ length: words }, (_, i) => g.readU64(rsp + BigInt(i * 8)));
}

describe('exception bounce frames from guest kernel mode', () => {
  it('#PF: 8-word frame below RSP & ~15 with error code, CS 0xe030, saved mask, CR2 in vcpu_info', () => {
    const g = makeGuest();
    const handler = g.trap(A.X86_EXC_PF);
    g.cpu.setReg(RSP, g.stackTop - 8n); // unaligned
    g.setMask(false);
    // mov $0x10000000, %rax ; mov (%rax), %rbx ; rcx/r11 carry recognisable values
    g.runCode([
      ...movImm64(RAX, 0x10000000n),
      ...movImm64(RCX, 0x1111n),
      ...movImm64(R11, 0x2222n),
      ...[0x48, 0x8b, 0x18], // mov (%rax), %rbx
    ]);
    expect(g.cpu.rip).toBe(handler);
    const faultRip = CODE_VA + 30n;
    const top = (g.stackTop - 8n) & ~15n;
    expect(g.cpu.reg(RSP)).toBe(top - 64n);
    const [rcx, r11, err, rip, cs, rflags, rsp, ss] = frame(g, 8);
    expect([rcx, r11]).toEqual([0x1111n, 0x2222n]);
    expect(err).toBe(0n); // read, not present, kernel mode (U/S clear)
    expect(rip).toBe(faultRip);
    expect(cs).toBe(0xe030n); // RPL cleared: "was kernel"; saved mask 0 in bits 32-39
    expect(rflags & BigInt(A.X86_EFLAGS_IF)).toBe(BigInt(A.X86_EFLAGS_IF));
    expect(rflags & BigInt(A.X86_EFLAGS_IOPL)).toBe(0n);
    expect(rsp).toBe(g.stackTop - 8n);
    expect(ss).toBe(0xe02bn);
    expect(g.host.sys.host.mem.readU64(g.v.vcpuInfoMaddr + 0x10)).toBe(0x10000000n);
    expect(g.v.vcr2).toBe(0x10000000n);
    // Entered with the SYSRET convention: RCX/R11 hold the new RIP/RFLAGS.
    expect(g.cpu.reg(RCX)).toBe(handler);
    expect(g.mask()).toBe(0);
  });

  it('saves the event mask in CS bits 32-39, clears IF in the frame, masks with trap flag 4', () => {
    const g = makeGuest();
    g.trap(A.X86_EXC_BP, A.TI_MASK_EVENTS);
    g.setMask(true);
    g.runCode([0xcc]); // int3
    let [, , rip, cs, rflags] = frame(g, 5);
    expect(rip).toBe(CODE_VA + 1n); // a trap: RIP after the instruction
    expect(cs).toBe(0xe030n | (1n << 32n));
    expect(rflags & BigInt(A.X86_EFLAGS_IF)).toBe(0n);
    expect(g.mask()).toBe(1);

    const g2 = makeGuest();
    g2.trap(A.X86_EXC_BP, A.TI_MASK_EVENTS);
    g2.setMask(false);
    g2.runCode([0xcc]);
    [, , rip, cs, rflags] = frame(g2, 5);
    expect(cs).toBe(0xe030n);
    expect(rflags & BigInt(A.X86_EFLAGS_IF)).not.toBe(0n);
    expect(g2.mask()).toBe(1); // flag 4 masked events on entry
  });

  it('#GP from a privileged instruction carries error code 0 at the faulting RIP', () => {
    const g = makeGuest();
    const handler = g.trap(A.X86_EXC_GP);
    g.runCode([0x90, 0xf4]); // nop ; hlt
    expect(g.cpu.rip).toBe(handler);
    const [, , err, rip] = frame(g, 4);
    expect(err).toBe(0n);
    expect(rip).toBe(CODE_VA + 1n);
  });

  it('crashes the domain when no handler is registered', () => {
    const g = makeGuest();
    g.runCode([0x0f, 0x0b]); // ud2
    expect(g.dom.exec.shutdown?.name).toBe('crash');
    expect(g.dom.exec.shutdown?.detail).toMatch(/unhandled #UD/);
  });

  it('crashes the domain when the frame cannot be written (stack unmapped)', () => {
    const g = makeGuest();
    g.trap(A.X86_EXC_BP);
    g.cpu.setReg(RSP, 0x40000000n);
    g.runCode([0xcc]);
    expect(g.dom.exec.shutdown?.detail).toMatch(/cannot write a bounce frame/);
  });
});

describe('INT n against the virtual IDT DPL', () => {
  it('delivers DPL 1 and 3 from the kernel with RIP after the instruction; DPL 0 or absent is #GP(n*8+2)', () => {
    const g = makeGuest();
    const h21 = g.trap(0x21, 1);
    g.runCode([0xcd, 0x21]); // int $0x21
    expect(g.cpu.rip).toBe(h21);
    expect(frame(g, 3)[2]).toBe(CODE_VA + 2n);

    for (const vec of [0x22, 0x24]) {
      const g2 = makeGuest();
      g2.trap(0x22, 0);
      const gp2 = g2.trap(A.X86_EXC_GP);
      g2.runCode([0xcd, vec]);
      expect(g2.cpu.rip).toBe(gp2);
      const [, , err, rip] = frame(g2, 4);
      expect(err).toBe(BigInt(vec * 8 + 2));
      expect(rip).toBe(CODE_VA);
    }
  });
});

describe('frames from guest user mode', () => {
  it('switches to kernel mode, uses kernel_sp & ~15, records user CS/SS/RSP, swaps GS', () => {
    const g = makeGuest();
    const handler = g.trap(A.X86_EXC_BP, 3);
    g.v.kernelSp = g.stackTop - 0x108n; // not 16-aligned
    g.cpu.setSegBase(5, 0x5000n); // kernel GS base
    g.v.gsBaseInactive = 0x7000n; // user GS base
    enterUser(g, [0xcc]); // int3 from user mode
    expect(g.v.vcpu.inKernel).toBe(true);
    expect(g.cpu.rip).toBe(handler);
    const top = (g.stackTop - 0x108n) & ~15n;
    expect(g.cpu.reg(RSP)).toBe(top - 56n);
    const [, , rip, cs, rflags, rsp, ss] = frame(g, 7);
    expect(rip).toBe(USER_CODE + 1n);
    expect(cs).toBe(0xe033n); // RPL 3: came from user mode
    expect(rflags & BigInt(A.X86_EFLAGS_IF)).not.toBe(0n);
    expect(rsp).toBe(USER_STACK);
    expect(ss).toBe(0xe02bn);
    expect(g.cpu.segBase(5)).toBe(0x5000n);
    expect(g.v.gsBaseInactive).toBe(0x7000n);
  });

  it('#PF from user mode has U/S set; DPL 1 INT n from user mode is #GP', () => {
    const g = makeGuest();
    const pf = g.trap(A.X86_EXC_PF);
    g.v.kernelSp = g.stackTop;
    enterUser(g, [...movImm64(RAX, 0x10000000n), 0x48, 0x89, 0x18]); // mov %rbx, (%rax)
    expect(g.cpu.rip).toBe(pf);
    const [, , err] = frame(g, 3);
    expect(Number(err) & (A.PFEC_user | A.PFEC_write | A.PFEC_present)).toBe(A.PFEC_user | A.PFEC_write);

    const g2 = makeGuest();
    g2.trap(0x21, 1);
    const gp = g2.trap(A.X86_EXC_GP);
    g2.v.kernelSp = g2.stackTop;
    enterUser(g2, [0xcd, 0x21]);
    expect(g2.cpu.rip).toBe(gp);
    expect(frame(g2, 3)[2]).toBe(BigInt(0x21 * 8 + 2));
  });

  it('SYSCALL from user mode enters the syscall callback with RCX/R11 = return RIP/RFLAGS', () => {
    const g = makeGuest();
    g.v.syscallCallback = g.pad(300);
    g.v.syscallMasks = true;
    g.v.kernelSp = g.stackTop;
    g.setMask(false);
    enterUser(g, [0x0f, 0x05]); // syscall
    expect(g.cpu.rip).toBe(g.pad(300));
    const [rcx, r11, rip, cs, rflags, , ss] = frame(g, 7);
    expect(rcx).toBe(USER_CODE + 2n);
    expect(rip).toBe(USER_CODE + 2n);
    expect(r11 & ~BigInt(A.X86_EFLAGS_RF)).toBe(rflags & ~BigInt(A.X86_EFLAGS_RF));
    expect(cs).toBe(0xe033n);
    expect(ss).toBe(0xe02bn);
    expect(g.mask()).toBe(1); // CALLBACKF_mask_events
    expect(g.cpu.rflags & A.X86_EFLAGS_DF).toBe(0);
  });

  it('SYSCALL from user mode without a callback is #UD at the SYSCALL', () => {
    const g = makeGuest();
    const ud = g.trap(A.X86_EXC_UD);
    g.v.kernelSp = g.stackTop;
    enterUser(g, [0x90, 0x0f, 0x05]);
    expect(g.cpu.rip).toBe(ud);
    expect(frame(g, 3)[2]).toBe(USER_CODE + 1n);
  });
});

describe('event upcalls and the failsafe callback', () => {
  it('delivers a pending unmasked upcall before re-entering the guest, masking events', () => {
    const g = makeGuest();
    g.v.eventCallback = g.pad(256);
    const mem = g.host.sys.host.mem;
    mem.writeU8(g.v.vcpuInfoMaddr, 1); // upcall pending
    g.setMask(true);
    g.runCode([0x90, 0x90]);
    expect(g.cpu.rip).toBe(CODE_VA + 2n); // masked: not delivered
    g.setMask(false);
    g.host.run(10);
    expect(g.cpu.rip).toBe(g.pad(256));
    const [, , rip, cs] = frame(g, 4);
    expect(rip).toBe(CODE_VA + 2n);
    expect(cs).toBe(0xe030n);
    expect(g.mask()).toBe(1);
  });

  it('failsafe frame: 11 words with the data selectors at (RSP & ~15) - 88', () => {
    const g = makeGuest();
    g.v.failsafeCallback = g.pad(257);
    g.v.failsafeMasks = true;
    g.setMask(false);
    g.cpu.rip = CODE_VA;
    g.cpu.setReg(RSP, g.stackTop - 4n);
    // The path a vCPU takes when its data selectors cannot be loaded (failsafe.elf runs it for real).
    expect(bounceFailsafe(g.host, g.v, { ds: 0x13, es: 0, fs: 0x2b, gs: 0 })).toBe(true);
    expect(g.cpu.reg(RSP)).toBe(((g.stackTop - 4n) & ~15n) - 88n);
    const f = frame(g, 11);
    expect(f.slice(2, 6)).toEqual([0x13n, 0n, 0x2bn, 0n]);
    expect(f[6]).toBe(CODE_VA);
    expect(f[7]).toBe(0xe030n);
    expect(f[9]).toBe(g.stackTop - 4n);
    expect(g.mask()).toBe(1);
    expect(g.cpu.rip).toBe(g.pad(257));
  });
});
