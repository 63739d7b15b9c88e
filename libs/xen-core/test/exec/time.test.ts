/**
 * Time and timers (§4.2, §4.4, §9.1, §9.2, §9.6): pvclock consistent with rdtsc, the wallclock,
 * one-shot / periodic timers raising VIRQ_TIMER, SCHEDOP_block / poll, and virtual time jumping while
 * every vCPU is blocked (the host's default `jump` idle mode).
 */
import { describe, expect, it } from 'vitest';
import * as A from '../../src/exec/abi';
import { RAX, RDX, RSI, RDI } from '../../src/exec/x86/pv-cpu';
import { VIRQ_TIMER } from '../../src/events/abi';
import { XEN_EINVAL, XEN_ETIME } from '../../src/public/errno';
import { SH_WC_NSEC, SH_WC_SEC, SH_WC_SEC_HI, SH_WC_VERSION, VI_TIME } from '../../src/public/layout';
import { CODE_VA, DATA_VA, le64, makeGuest, movImm64, type TestGuest } from './helpers/guest';

const R10 = 10;
const SYSCALL = [0x0f, 0x05];
const JMP_SELF = [0xeb, 0xfe];
const MS = 1_000_000n;

function hcCode(nr: number, a: bigint[] = []): number[] {
  const regs = [RDI, RSI, RDX, R10];
  return [...movImm64(RAX, BigInt(nr)), ...a.flatMap((v, i) => movImm64(regs[i], v)), ...SYSCALL];
}

/** Issue hypercall `nr`; returns RAX as a signed number. */
function hypercall(g: TestGuest, nr: number, a: bigint[] = [], budget = 1000): number {
  g.runCode(hcCode(nr, a), budget);
  return Number(BigInt.asIntN(64, g.cpu.reg(RAX)));
}

/** Bind VIRQ_TIMER on vCPU0 (EVTCHNOP_bind_virq); returns the port. */
function bindTimer(g: TestGuest): number {
  g.write(DATA_VA, [VIRQ_TIMER, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  expect(hypercall(g, 32, [1n, DATA_VA])).toBe(0);
  const port = Number(g.readU64(DATA_VA + 8n) & 0xffffffffn);
  expect(port).toBeGreaterThan(0);
  return port;
}

function singleshot(g: TestGuest, deadline: bigint, flags = 0): number {
  g.write(DATA_VA + 0x100n, [...le64(deadline), flags, 0, 0, 0, 0, 0, 0, 0]);
  return hypercall(g, 24, [BigInt(A.VCPUOP_set_singleshot_timer), 0n, DATA_VA + 0x100n]);
}

interface Pvclock {
  version: number;
  stamp: bigint;
  system: bigint;
  mul: number;
  shift: number;
  flags: number;
}

function pvclock(g: TestGuest): Pvclock {
  const mem = g.host.sys.host.mem;
  const t = g.v.vcpuInfoMaddr + VI_TIME;
  return {
    version: mem.readU32(t),
    stamp: mem.readU64(t + 8),
    system: mem.readU64(t + 0x10),
    mul: mem.readU32(t + 0x18),
    shift: (mem.readU8(t + 0x1c) << 24) >> 24,
    flags: mem.readU8(t + 0x1d),
  };
}

/** System time the way a guest computes it from a TSC value (§4.2). */
function guestNs(p: Pvclock, tsc: bigint): bigint {
  let d = tsc - p.stamp;
  d = p.shift >= 0 ? d << BigInt(p.shift) : d >> BigInt(-p.shift);
  return p.system + ((d * BigInt(p.mul)) >> 32n);
}

/** rdtsc in the guest; returns edx:eax. */
function rdtsc(g: TestGuest): bigint {
  g.runCode([0x0f, 0x31], 1);
  return ((g.cpu.reg(RDX) & 0xffffffffn) << 32n) | (g.cpu.reg(RAX) & 0xffffffffn);
}

describe('pvclock and wallclock', () => {
  it('vcpu_time_info is consistent with rdtsc, version even, TSC_STABLE set', () => {
    const g = makeGuest();
    g.runCode([], 12_345); // let the TSC move past the last pvclock update
    const tsc = rdtsc(g);
    const p = pvclock(g);
    expect(p.version % 2).toBe(0);
    expect(p.flags & 1).toBe(1);
    // System time = the TSC in ns.
    expect(guestNs(p, tsc)).toBe(tsc);
    const now = g.host.clock.now(); // one instruction (the rdtsc) later
    expect(now - guestNs(p, tsc)).toBe(1n);
    // Nominal TSC frequency from the pvclock parameters: 1 GHz.
    const hz = ((1_000_000_000n << 32n) / BigInt(p.mul)) >> BigInt(p.shift);
    expect(hz).toBe(1_000_000_000n);
    expect(p.stamp).toBeLessThanOrEqual(tsc);
  });

  it('the wallclock is the host time at domain creation, with an even wc_version', () => {
    const before = BigInt(Date.now()) / 1000n;
    const g = makeGuest();
    const mem = g.host.sys.host.mem;
    const sh = g.dom.exec.sharedInfoMaddr;
    expect(mem.readU32(sh + SH_WC_VERSION) % 2).toBe(0);
    const sec = (BigInt(mem.readU32(sh + SH_WC_SEC_HI)) << 32n) | BigInt(mem.readU32(sh + SH_WC_SEC));
    expect(sec).toBeGreaterThanOrEqual(before);
    expect(sec).toBeLessThanOrEqual(BigInt(Date.now()) / 1000n + 1n);
    expect(mem.readU32(sh + SH_WC_NSEC)).toBeLessThan(1_000_000_000);
  });
});

describe('timers', () => {
  it('set_singleshot_timer raises VIRQ_TIMER at (not before) the deadline', () => {
    const g = makeGuest();
    const port = bindTimer(g);
    g.v.eventCallback = g.pad(256);
    g.setMask(false);
    const deadline = g.host.clock.now() + 5000n;
    expect(singleshot(g, deadline)).toBe(0);
    expect(g.v.singleshotDeadline).toBe(deadline);
    g.host.run(1000);
    expect(g.host.sys.events.isPending(g.dom.exec.domain, port)).toBe(false);
    expect(g.cpu.rip).not.toBe(g.pad(256));
    g.host.run(10_000);
    expect(g.host.sys.events.isPending(g.dom.exec.domain, port)).toBe(true);
    expect(g.cpu.rip).toBe(g.pad(256)); // delivered through the event callback
    expect(g.host.clock.now()).toBeGreaterThanOrEqual(deadline);
    expect(g.v.singleshotDeadline).toBeUndefined();
  });

  it('a past deadline: -ETIME with VCPU_SSHOTTMR_future, else it fires at once; stop cancels', () => {
    const g = makeGuest();
    const port = bindTimer(g);
    g.setMask(true);
    const now = g.host.clock.now();
    expect(singleshot(g, now - 10n, 1)).toBe(-XEN_ETIME);
    expect(g.v.singleshotDeadline).toBeUndefined();
    expect(singleshot(g, now + MS)).toBe(0);
    expect(hypercall(g, 24, [BigInt(A.VCPUOP_stop_singleshot_timer), 0n, 0n])).toBe(0);
    expect(g.v.singleshotDeadline).toBeUndefined();
    g.host.run(2_000_000);
    expect(g.host.sys.events.isPending(g.dom.exec.domain, port)).toBe(false);
    expect(singleshot(g, 1n)).toBe(0);
    expect(g.host.sys.events.isPending(g.dom.exec.domain, port)).toBe(true);
  });

  it('set_timer_op (15) arms the one-shot timer; 0 cancels; absurd values clamp to now + 100 ms', () => {
    const g = makeGuest();
    const port = bindTimer(g);
    g.setMask(true);
    const d = g.host.clock.now() + 3000n;
    expect(hypercall(g, 15, [d])).toBe(0);
    expect(g.v.singleshotDeadline).toBe(d);
    expect(hypercall(g, 15, [0n])).toBe(0);
    expect(g.v.singleshotDeadline).toBeUndefined();
    expect(hypercall(g, 15, [1n << 62n])).toBe(0);
    const clamped = g.v.singleshotDeadline!;
    expect(clamped - g.host.clock.now()).toBeLessThanOrEqual(100n * MS);
    expect(hypercall(g, 15, [d + 4000n])).toBe(0);
    g.host.run(20_000);
    expect(g.host.sys.events.isPending(g.dom.exec.domain, port)).toBe(true);
  });

  it('the periodic timer fires repeatedly until stopped; period < 1 ms is -EINVAL', () => {
    const g = makeGuest();
    bindTimer(g);
    g.setMask(true);
    let fired = 0;
    const ev = g.host.sys.events;
    const raise = ev.raiseVirq.bind(ev);
    ev.raiseVirq = (d, vcpu, virq) => {
      if (virq === VIRQ_TIMER) fired++;
      return raise(d, vcpu, virq);
    };
    g.write(DATA_VA + 0x200n, le64(MS - 1n));
    expect(hypercall(g, 24, [BigInt(A.VCPUOP_set_periodic_timer), 0n, DATA_VA + 0x200n])).toBe(-XEN_EINVAL);
    g.write(DATA_VA + 0x200n, le64(MS));
    expect(hypercall(g, 24, [BigInt(A.VCPUOP_set_periodic_timer), 0n, DATA_VA + 0x200n])).toBe(0);
    g.host.run(5_500_000);
    expect(fired).toBe(5);
    expect(hypercall(g, 24, [BigInt(A.VCPUOP_stop_periodic_timer), 0n, 0n])).toBe(0);
    g.host.run(5_000_000);
    expect(fired).toBe(5);
  });
});

describe('blocking', () => {
  it('SCHEDOP_block returns at once (and unmasks) when an event is already pending', () => {
    const g = makeGuest();
    g.setMask(true);
    g.host.sys.host.mem.writeU8(g.v.vcpuInfoMaddr, 1); // evtchn_upcall_pending
    expect(hypercall(g, 29, [BigInt(A.SCHEDOP_block), 0n])).toBe(0);
    expect(g.mask()).toBe(0);
    expect(g.v.blocked).toBe(false);
  });

  it('a vCPU blocked with a timer pending executes nothing until it fires; time jumps there', () => {
    const g = makeGuest();
    bindTimer(g);
    g.v.eventCallback = g.pad(256);
    g.setMask(true);
    const deadline = g.host.clock.now() + 10n * MS;
    expect(singleshot(g, deadline)).toBe(0);
    const before = g.dom.exec.instructions;
    g.write(CODE_VA, [...hcCode(29, [BigInt(A.SCHEDOP_block), 0n]), ...JMP_SELF]);
    g.cpu.rip = CODE_VA;
    // 200 instructions of budget cover 10 ms of system time: the vCPU slept without running.
    const r = g.host.run(200);
    expect(g.dom.exec.instructions - before).toBeLessThan(200);
    expect(r.instructions).toBeLessThan(200);
    expect(g.host.clock.now()).toBeGreaterThanOrEqual(deadline);
    expect(g.v.blocked).toBe(false);
    expect(g.cpu.rip).toBe(g.pad(256)); // woken by VIRQ_TIMER, delivered on the way back
    // pvclock was refreshed and still matches rdtsc after the jump.
    const tsc = rdtsc(g);
    expect(guestNs(pvclock(g), tsc)).toBe(tsc);
    expect(pvclock(g).version % 2).toBe(0);
  });

  it('realtime idle mode reports how long to sleep instead of jumping', () => {
    const g = makeGuest();
    const host = g.host as { idleTime: string };
    host.idleTime = 'realtime';
    bindTimer(g);
    g.setMask(true);
    const deadline = g.host.clock.now() + 50n * MS;
    expect(singleshot(g, deadline)).toBe(0);
    g.write(CODE_VA, [...hcCode(29, [BigInt(A.SCHEDOP_block), 0n]), ...JMP_SELF]);
    g.cpu.rip = CODE_VA;
    const r = g.host.run(1000);
    expect(r.reason).toBe('idle');
    expect(r.sleepNs).toBeGreaterThan(49_000_000);
    expect(r.sleepNs).toBeLessThanOrEqual(50_000_000);
    expect(g.host.clock.now()).toBeLessThan(deadline);
  });

  it('SCHEDOP_poll with a timeout wakes at the timeout without an event', () => {
    const g = makeGuest();
    g.setMask(true);
    const timeout = g.host.clock.now() + 2n * MS;
    g.write(DATA_VA + 0x300n, [5, 0, 0, 0]);
    g.write(DATA_VA, [...le64(DATA_VA + 0x300n), 1, 0, 0, 0, 0, 0, 0, 0, ...le64(timeout)]);
    g.write(CODE_VA, [...hcCode(29, [BigInt(A.SCHEDOP_poll), DATA_VA]), ...JMP_SELF]);
    g.cpu.rip = CODE_VA;
    g.host.run(100);
    expect(g.v.blocked).toBe(false);
    expect(g.v.pollPorts).toBeUndefined();
    expect(g.host.clock.now()).toBeGreaterThanOrEqual(timeout);
  });

  it('time is monotonic across runs, timers and jumps', () => {
    const g = makeGuest();
    bindTimer(g);
    let last = g.host.clock.now();
    let lastSys = pvclock(g).system;
    for (let i = 0; i < 5; i++) {
      g.setMask(true);
      expect(singleshot(g, g.host.clock.now() + BigInt(i + 1) * MS)).toBe(0);
      g.write(CODE_VA, [...hcCode(29, [BigInt(A.SCHEDOP_block), 0n]), ...JMP_SELF]);
      g.cpu.rip = CODE_VA;
      g.host.run(500);
      const now = g.host.clock.now();
      const p = pvclock(g);
      expect(now).toBeGreaterThan(last);
      expect(p.system).toBeGreaterThanOrEqual(lastSys);
      last = now;
      lastSys = p.system;
    }
  });
});
