/**
 * vCPU runstate accounting (§9.6: vcpu_runstate_info) and the guest copies the hypervisor maintains:
 * the registered runstate area and vcpu_info.time (pvclock). System time is the TSC in nanoseconds.
 */
import { GuestAccess } from '../mm/guest-access';
import { VMASST_TYPE_runstate_update_flag } from '../public/xen';
import { RUNSTATE_INFO_SIZE, XEN_RUNSTATE_UPDATE } from './abi';
import type { ExecEnv } from './env';
import type { ArchVcpu } from './vcpu-arch';
import { writePvclock } from './vcpu-info';

/** Move the vCPU to `state` at system time `now`, charging the time spent in the old state. */
export function setRunstate(v: ArchVcpu, state: number, now: bigint): void {
  if (now > v.runstateEntry) v.runstateTime[v.runstateState] += now - v.runstateEntry;
  v.runstateEntry = now;
  v.runstateState = state;
}

/** struct vcpu_runstate_info as of `now` (time in the current state included). */
export function encodeRunstate(v: ArchVcpu, now: bigint, updating = false): Uint8Array {
  const b = new Uint8Array(RUNSTATE_INFO_SIZE);
  const dv = new DataView(b.buffer);
  dv.setInt32(0, v.runstateState, true);
  // state_entry_time is guest system time (runstateEntry is host TSC).
  const entry = BigInt.asUintN(63, v.dom.guestTime(v.runstateEntry));
  dv.setBigUint64(8, entry | (updating ? XEN_RUNSTATE_UPDATE : 0n), true);
  for (let s = 0; s < 4; s++) {
    const extra = s === v.runstateState && now > v.runstateEntry ? now - v.runstateEntry : 0n;
    dv.setBigUint64(16 + s * 8, v.runstateTime[s] + extra, true);
  }
  return b;
}

/** Refresh the registered runstate area (through the kernel tables; a bad address is ignored). */
export function writeRunstateArea(env: ExecEnv, v: ArchVcpu): void {
  if (v.runstateVa === 0n) return;
  const now = env.cpu.tsc();
  const guest = new GuestAccess(env.sys.host.mem, env.sys.host.frames.nrFrames, () => v.vcpu.guestTable);
  if (v.dom.domain.vmAssist.has(VMASST_TYPE_runstate_update_flag)) {
    const flagged = encodeRunstate(v, now, true);
    guest.write(v.runstateVa + 8n, flagged.subarray(8, 16));
    guest.write(v.runstateVa, flagged);
  }
  guest.write(v.runstateVa, encodeRunstate(v, now));
}

/** Refresh vcpu_info.time where the vCPU's vcpu_info currently lives. */
export function updatePvclock(env: ExecEnv, v: ArchVcpu): void {
  if (v.vcpuInfoMaddr < 0) return;
  const tsc = env.cpu.tsc();
  writePvclock(env.sys.host.mem, v.vcpuInfoMaddr, tsc, v.dom.guestTime(tsc));
}
