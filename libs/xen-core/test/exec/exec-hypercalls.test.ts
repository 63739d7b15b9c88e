/**
 * The execution layer's hypercalls issued by guest code through SYSCALL: set_trap_table (with its
 * continuation), callback_op, stack_switch, fpu_taskswitch + #NM, sched_op block/wake/shutdown,
 * vcpu_op, and the scheduler's idle/wake contract.
 */
import { describe, expect, it } from 'vitest';
import * as A from '../../src/exec/abi';
import { RAX, RDX, RSI, RDI } from '../../src/exec/x86/pv-cpu';
import { XEN_EINVAL, XEN_ENOENT, XEN_ENOSYS, XEN_EPERM } from '../../src/public/errno';
import { CODE_VA, DATA_VA, le64, makeGuest, movImm64, PAD_VA, type TestGuest } from './helpers/guest';

const R10 = 10;
const SYSCALL = [0x0f, 0x05];

/** Issue hypercall `nr` with up to three arguments; returns RAX as a signed number. */
function hypercall(g: TestGuest, nr: number, a: bigint[] = [], budget = 1000): number {
  const regs = [RDI, RSI, RDX, R10];
  const code = [...movImm64(RAX, BigInt(nr)), ...a.flatMap((v, i) => movImm64(regs[i], v)), ...SYSCALL];
  g.runCode(code, budget);
  return Number(BigInt.asIntN(64, g.cpu.reg(RAX)));
}

function trapInfo(vector: number, flags: number, address: bigint): number[] {
  return [vector, flags, 0x33, 0xe0, 0, 0, 0, 0, ...le64(address)];
}

describe('set_trap_table', () => {
  it('applies entries up to the terminator, continuing itself across long lists', () => {
    const g = makeGuest();
    // 300 entries (vector i & 0xff, DPL 3) then a terminator: more than one batch.
    const list: number[] = [];
    for (let i = 0; i < 300; i++) list.push(...trapInfo(i & 0xff, 3, 0x100000n + BigInt(i)));
    list.push(...new Array(16).fill(0));
    const listVa = PAD_VA + 0x800n; // 301 × 16 bytes, crossing into the next page
    g.write(listVa, list);
    expect(hypercall(g, 0, [listVa], 5000)).toBe(0);
    expect(g.v.trapAddr[0x20]).toBe(0x100000n + 0x120n); // the later duplicate wins
    expect(g.v.trapAddr[0x2b]).toBe(0x100000n + 0x12bn);
    expect(g.v.trapFlags[5]).toBe(3);
    g.write(listVa, trapInfo(9, 0, 0x0000800000000000n));
    expect(hypercall(g, 0, [listVa])).toBe(-XEN_EINVAL);
    expect(hypercall(g, 0, [0n])).toBe(0);
    expect(g.v.trapAddr.every((x) => x === 0n)).toBe(true);
  });
});

describe('callbacks and stacks', () => {
  it('callback_op honours CALLBACKF_mask_events for failsafe/syscall; stack_switch forces RPL 3', () => {
    const g = makeGuest();
    const reg = (type: number, flags: number, address: bigint): number => {
      g.write(DATA_VA, [type, 0, flags, 0, 0, 0, 0, 0, ...le64(address)]);
      return hypercall(g, 30, [BigInt(A.CALLBACKOP_register), DATA_VA]);
    };
    expect(reg(A.CALLBACKTYPE_syscall, 1, 0x123000n)).toBe(0);
    expect(g.v.syscallCallback).toBe(0x123000n);
    expect(g.v.syscallMasks).toBe(true);
    expect(reg(A.CALLBACKTYPE_failsafe, 0, 0x124000n)).toBe(0);
    expect(g.v.failsafeMasks).toBe(false);
    expect(reg(6, 0, 0x1n)).toBe(-XEN_ENOSYS);
    expect(reg(A.CALLBACKTYPE_event, 0, 0x0000800000000000n)).toBe(-XEN_EINVAL);
    expect(hypercall(g, 3, [0xe028n, 0x5000n])).toBe(0);
    expect(g.v.kernelSs).toBe(0xe02b);
    expect(g.v.kernelSp).toBe(0x5000n);
  });

  it('fpu_taskswitch(1) makes the next x87 instruction #NM, with TS cleared for the handler', () => {
    const g = makeGuest();
    const nm = g.trap(A.X86_EXC_NM);
    expect(hypercall(g, 5, [1n])).toBe(0);
    expect(g.cpu.ts).toBe(true);
    g.runCode([0xd9, 0xd0]); // fnop
    expect(g.cpu.rip).toBe(nm);
    expect(g.cpu.ts).toBe(false);
    expect(g.v.vcr0Ts).toBe(false);
  });
});

describe('sched_op and the host loop', () => {
  it('block sleeps until an event arrives: run() reports idle, console input wakes the vCPU', async () => {
    const g = makeGuest();
    g.v.eventCallback = g.pad(256);
    g.setMask(true);
    g.write(CODE_VA, [...movImm64(RAX, 29n), ...movImm64(RDI, 1n), ...SYSCALL, 0xeb, 0xfe]);
    g.cpu.rip = CODE_VA;
    const r = g.host.run(10_000);
    expect(r.reason).toBe('idle');
    expect(g.v.blocked).toBe(true);
    expect(g.mask()).toBe(0); // SCHEDOP_block unmasked events
    let woke = false;
    const wait = g.host.whenRunnable().then(() => (woke = true));
    g.dom.exec.console.input.write('x');
    await wait;
    expect(woke).toBe(true);
    expect(g.v.blocked).toBe(false);
    g.host.run(100);
    expect(g.cpu.rip).toBe(g.pad(256)); // the console event was delivered on the way back
  });

  it('shutdown records the reason; remote_shutdown is -EPERM for a domU; unknown -ENOSYS', () => {
    const g = makeGuest();
    g.write(DATA_VA, [0, 0, 0, 0, 1, 0, 0, 0]);
    expect(hypercall(g, 29, [BigInt(A.SCHEDOP_remote_shutdown), DATA_VA])).toBe(-XEN_EPERM);
    expect(hypercall(g, 29, [99n, 0n])).toBe(-XEN_ENOSYS);
    expect(hypercall(g, 29, [BigInt(A.SCHEDOP_yield), 0n])).toBe(0);
    g.write(DATA_VA, [A.SHUTDOWN_reboot, 0, 0, 0]);
    hypercall(g, 29, [BigInt(A.SCHEDOP_shutdown), DATA_VA]);
    expect(g.dom.exec.shutdown?.name).toBe('reboot');
    expect(g.host.run(1000).reason).toBe('halted');
  });
});

describe('vcpu_op', () => {
  it('is_up / -ENOENT / down of the last vCPU powers the domain off', () => {
    const g = makeGuest({ vcpus: 2 });
    expect(hypercall(g, 24, [BigInt(A.VCPUOP_is_up), 0n, 0n])).toBe(1);
    expect(hypercall(g, 24, [BigInt(A.VCPUOP_is_up), 1n, 0n])).toBe(0);
    expect(hypercall(g, 24, [BigInt(A.VCPUOP_up), 1n, 0n])).toBe(-XEN_EINVAL); // never initialised
    expect(hypercall(g, 24, [BigInt(A.VCPUOP_is_up), 2n, 0n])).toBe(-XEN_ENOENT);
    hypercall(g, 24, [BigInt(A.VCPUOP_down), 0n, 0n]);
    expect(g.dom.exec.shutdown?.name).toBe('poweroff');
  });

  it('get_runstate_info: running, with running time accounted', () => {
    const g = makeGuest();
    g.runCode(new Array(50).fill(0x90)); // 50 nops
    expect(hypercall(g, 24, [BigInt(A.VCPUOP_get_runstate_info), 0n, DATA_VA])).toBe(0);
    expect(g.readU64(DATA_VA) & 0xffffffffn).toBe(BigInt(A.RUNSTATE_running));
    expect(g.readU64(DATA_VA + 16n) > 0n).toBe(true);
  });
});
