/**
 * One vCPU's architectural state in a snapshot: the saved CPU context (GPRs, RIP/RFLAGS, segment
 * selectors and bases, MSRs, FPU/SSE — x86-core's context-switch image), the PV virtual state
 * (trap table, callbacks, kernel stack, virtual CR0.TS/CR2/CR4, debug registers, GDT frames,
 * LDT base, page-table roots, vcpu_info placement), run/block state and its timers.
 *
 * Frames are written as guest pfns (`toPfn`) and read back through `toMfn`, because a restored
 * domain gets different machine frames. Timer deadlines are written relative to guest system time
 * and the runstate entry relative to the TSC, so they resume the same distance in the future on a
 * host whose clock reads differently. Two kinds of state are host-side caches the saver must drop
 * first and the guest rebuilds lazily (as on Xen after a context switch): a pending start (the
 * vCPU must have been put on the CPU once) and LDT shadow mappings.
 */
import type { ArchVcpu, StopRequest } from '../exec/vcpu-arch';
import { CPU_STATE_BYTES } from '../exec/x86/pv-cpu';
import { FieldReader, FieldWriter, SnapshotError } from './codec';

export interface SaveFrames {
  /** Guest pfn of one of the domain's frames; throws SnapshotError for a frame it does not own. */
  toPfn(mfn: number): number;
  /** Guest system time (ns) and TSC at save. */
  nowNs: bigint;
  nowTsc: bigint;
}

export interface RestoreFrames {
  /** Machine frame now backing guest pfn; throws SnapshotError for a pfn the domain lacks. */
  toMfn(pfn: number): number;
  nowNs: bigint;
  nowTsc: bigint;
}

const STOPS: readonly StopRequest[] = ['none', 'yield', 'block', 'down', 'shutdown'];
/** SCHEDOP_poll's limit (Xen: 128 ports, bounded by the guest's buffer). */
const MAX_POLL_PORTS = 128;
/** The GDT a PV guest may give: 16 frames of 512 descriptors (Xen FIRST_RESERVED_GDT_ENTRY). */
const MAX_GDT_FRAMES = 16;
const MAX_LDT_ENTS = 8192;
const PAGE_MASK = 0xfffn;

/** A deadline as a signed distance from now (absent → flag 0). */
function writeDeadline(w: FieldWriter, at: bigint | undefined, now: bigint): void {
  w.bool(at !== undefined);
  if (at !== undefined) w.u64(at - now);
}
function readDeadline(r: FieldReader, now: bigint): bigint | undefined {
  if (!r.bool()) return undefined;
  const rel = BigInt.asIntN(64, r.u64());
  const at = now + rel;
  return at < 0n ? 0n : at;
}

export function writeVcpu(w: FieldWriter, v: ArchVcpu, f: SaveFrames): void {
  if (v.start) throw new SnapshotError(`vCPU ${v.id} has a pending start; run it onto the CPU before saving`);
  if (v.ldtShadow.some((m) => m !== 0))
    throw new SnapshotError(`vCPU ${v.id} still has LDT shadow mappings; invalidate them before saving`);
  const pfnOrNone = (mfn: number): number => (mfn === 0 ? 0xffffffff : f.toPfn(mfn));
  w.u32(v.id);
  w.raw(v.cpuState);
  w.raw(v.trapFlags);
  for (const cs of v.trapCs) w.u16(cs);
  for (const a of v.trapAddr) w.u64(a);
  for (const cb of [v.eventCallback, v.failsafeCallback, v.syscallCallback, v.syscall32Callback]) w.u64(cb);
  w.u64(v.sysenterCallback);
  w.u64(v.nmiCallback);
  for (const m of [v.failsafeMasks, v.syscallMasks, v.syscall32Masks, v.sysenterMasks]) w.bool(m);
  w.u16(v.kernelSs);
  w.u64(v.kernelSp);
  w.u64(v.gsBaseInactive);
  w.bool(v.vcr0Ts);
  w.u64(v.vcr2);
  w.u32(v.vcr4);
  for (const d of v.dr) w.u64(d);
  w.u64(v.dr6);
  w.u64(v.dr7);
  // vcpu_info: the frame (VCPUOP_register_vcpu_info) and the exact machine address within it.
  w.u32(pfnOrNone(v.vcpuInfoMfn));
  const infoMaddr = v.vcpu.vcpuInfoMaddr;
  w.bool(infoMaddr !== undefined);
  if (infoMaddr !== undefined) {
    w.u32(f.toPfn(Math.floor(infoMaddr / 4096)));
    w.u16(infoMaddr % 4096);
  }
  w.u64(v.runstateVa);
  w.u8(v.runstateState);
  w.u64(v.runstateEntry - f.nowTsc);
  for (const t of v.runstateTime) w.u64(t);
  w.u8(v.gdtFrames.length);
  for (const mfn of v.gdtFrames) w.u32(f.toPfn(mfn));
  w.u16(v.gdtEnts);
  // The generic vCPU: page-table roots, mode, LDT, IOPL.
  w.u32(pfnOrNone(v.vcpu.guestTable));
  w.u32(pfnOrNone(v.vcpu.guestTableUser));
  w.bool(v.vcpu.inKernel);
  w.bool(v.vcpu.online);
  w.u64(v.vcpu.ldtBase);
  w.u16(v.vcpu.ldtEnts);
  w.u8(v.vcpu.iopl);
  w.bool(v.initialised);
  w.bool(v.online);
  w.bool(v.blocked);
  w.u8(STOPS.indexOf(v.stop));
  const poll = v.pollPorts;
  w.bool(poll !== undefined);
  if (poll) {
    w.u8(poll.length);
    for (const p of poll) w.u32(p);
  }
  writeDeadline(w, v.pollDeadline, f.nowNs);
  writeDeadline(w, v.singleshotDeadline, f.nowNs);
  w.u64(v.periodicPeriod);
  writeDeadline(w, v.periodicPeriod > 0n ? v.periodicNext : undefined, f.nowNs);
}

/**
 * Read one vCPU's state into `v` (a vCPU of a freshly built domain). Everything is read and checked
 * before `v` is touched, so a bad section leaves `v` as it was.
 */
export function readVcpu(r: FieldReader, v: ArchVcpu, f: RestoreFrames): void {
  const id = r.u32();
  if (id !== v.id) throw new SnapshotError(`vCPU section for vCPU ${id} where vCPU ${v.id} was expected`);
  const frameOrNone = (pfn: number): number => (pfn === 0xffffffff ? 0 : f.toMfn(pfn));
  const cpuState = r.raw(CPU_STATE_BYTES);
  const trapFlags = r.raw(256);
  const trapCs = Array.from({ length: 256 }, () => r.u16());
  const trapAddr = Array.from({ length: 256 }, () => r.u64());
  const [eventCallback, failsafeCallback, syscallCallback, syscall32Callback] = [
    r.u64(),
    r.u64(),
    r.u64(),
    r.u64(),
  ];
  const sysenterCallback = r.u64();
  const nmiCallback = r.u64();
  const [failsafeMasks, syscallMasks, syscall32Masks, sysenterMasks] = [
    r.bool(),
    r.bool(),
    r.bool(),
    r.bool(),
  ];
  const kernelSs = r.u16();
  const kernelSp = r.u64();
  const gsBaseInactive = r.u64();
  const vcr0Ts = r.bool();
  const vcr2 = r.u64();
  const vcr4 = r.u32();
  const dr = [r.u64(), r.u64(), r.u64(), r.u64()];
  const dr6 = r.u64();
  const dr7 = r.u64();
  const vcpuInfoMfn = frameOrNone(r.u32());
  let vcpuInfoMaddr: number | undefined;
  if (r.bool()) {
    const mfn = f.toMfn(r.u32());
    const offset = r.u16();
    if (offset > 4096 - 64)
      throw new SnapshotError(`vCPU ${id}: vcpu_info offset ${offset} crosses its page`);
    vcpuInfoMaddr = mfn * 4096 + offset;
  }
  const runstateVa = r.u64();
  const runstateState = r.u8();
  if (runstateState > 3) throw new SnapshotError(`vCPU ${id}: runstate ${runstateState}`);
  const runstateEntry = f.nowTsc + BigInt.asIntN(64, r.u64());
  const runstateTime = [r.u64(), r.u64(), r.u64(), r.u64()];
  const nGdt = r.u8();
  if (nGdt > MAX_GDT_FRAMES)
    throw new SnapshotError(`vCPU ${id}: ${nGdt} GDT frames (at most ${MAX_GDT_FRAMES})`);
  const gdtFrames = Array.from({ length: nGdt }, () => f.toMfn(r.u32()));
  const gdtEnts = r.u16();
  if (gdtEnts > nGdt * 512) throw new SnapshotError(`vCPU ${id}: ${gdtEnts} GDT entries in ${nGdt} frames`);
  const guestTable = frameOrNone(r.u32());
  const guestTableUser = frameOrNone(r.u32());
  const inKernel = r.bool();
  const vcpuOnline = r.bool();
  const ldtBase = r.u64();
  const ldtEnts = r.u16();
  if (ldtEnts > MAX_LDT_ENTS || (ldtBase & PAGE_MASK) !== 0n)
    throw new SnapshotError(`vCPU ${id}: bad LDT (base ${ldtBase}, ${ldtEnts} entries)`);
  const iopl = r.u8();
  if (iopl > 3) throw new SnapshotError(`vCPU ${id}: IOPL ${iopl}`);
  const initialised = r.bool();
  const online = r.bool();
  const blocked = r.bool();
  const stop = STOPS[r.u8()];
  if (stop === undefined) throw new SnapshotError(`vCPU ${id}: bad stop request`);
  let pollPorts: number[] | undefined;
  if (r.bool()) {
    const n = r.u8();
    if (n > MAX_POLL_PORTS) throw new SnapshotError(`vCPU ${id}: polls ${n} ports`);
    pollPorts = Array.from({ length: n }, () => r.u32());
  }
  const pollDeadline = readDeadline(r, f.nowNs);
  const singleshotDeadline = readDeadline(r, f.nowNs);
  const periodicPeriod = r.u64();
  const periodicNext = readDeadline(r, f.nowNs) ?? 0n;
  if (online && !initialised) throw new SnapshotError(`vCPU ${id} is online but was never initialised`);

  v.cpuState.set(cpuState);
  v.trapFlags.set(trapFlags);
  v.trapCs.set(trapCs);
  trapAddr.forEach((a, i) => (v.trapAddr[i] = a));
  Object.assign(v, {
    eventCallback,
    failsafeCallback,
    syscallCallback,
    syscall32Callback,
    sysenterCallback,
    nmiCallback,
    failsafeMasks,
    syscallMasks,
    syscall32Masks,
    sysenterMasks,
    kernelSs,
    kernelSp,
    gsBaseInactive,
    vcr0Ts,
    vcr2,
    vcr4,
    dr6,
    dr7,
    vcpuInfoMfn,
    runstateVa,
    runstateState,
    runstateEntry,
    gdtFrames,
    gdtEnts,
    initialised,
    online,
    blocked,
    stop,
    pollPorts,
    pollDeadline,
    singleshotDeadline,
    periodicPeriod,
    periodicNext,
    start: undefined,
  });
  dr.forEach((d, i) => (v.dr[i] = d));
  runstateTime.forEach((t, i) => (v.runstateTime[i] = t));
  v.ldtShadow.fill(0);
  Object.assign(v.vcpu, {
    guestTable,
    guestTableUser,
    inKernel,
    online: vcpuOnline,
    ldtBase,
    ldtEnts,
    iopl,
    vcpuInfoMaddr,
  });
}
