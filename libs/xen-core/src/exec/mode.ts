/**
 * Guest kernel/user mode (§0): both run at CPL 3; the hypervisor keeps TF_kernel_mode, loads the
 * kernel or the user root table, and swaps the GS bases exactly like Xen's toggle_guest_mode()
 * (swapgs + CR3 switch). The CPU always holds the active GS base; the inactive one is kept in
 * ArchVcpu.gsBaseInactive. FS is shared.
 */
import type { ExecEnv } from './env';
import type { ArchVcpu } from './vcpu-arch';
import { SEG_GS } from './x86/pv-cpu';

/** The root table of the vCPU's current mode (0 if that mode has none). */
export function activeRoot(v: ArchVcpu): number {
  return v.vcpu.inKernel ? v.vcpu.guestTable : v.vcpu.guestTableUser;
}

/**
 * Load the active root into CR3 (with the per-domain slot the CPU needs for the GDT/LDT).
 * Returns false if the current mode has no root table.
 */
export function loadActiveRoot(env: ExecEnv, v: ArchVcpu): boolean {
  const root = activeRoot(v);
  if (root === 0) return false;
  v.dom.area.installIn(root);
  env.cpu.setCr3(root);
  return true;
}

/** toggle_guest_mode(): swapgs, flip TF_kernel_mode, switch root. False if the new mode has no root. */
export function toggleGuestMode(env: ExecEnv, v: ArchVcpu): boolean {
  const cpu = env.cpu;
  const active = cpu.segBase(SEG_GS);
  cpu.setSegBase(SEG_GS, v.gsBaseInactive);
  v.gsBaseInactive = active;
  v.vcpu.inKernel = !v.vcpu.inKernel;
  return loadActiveRoot(env, v);
}

/** The kernel GS base, wherever it is right now. */
export function gsBaseKernel(env: ExecEnv, v: ArchVcpu): bigint {
  return v.vcpu.inKernel ? env.cpu.segBase(SEG_GS) : v.gsBaseInactive;
}

/** The user GS base, wherever it is right now. */
export function gsBaseUser(env: ExecEnv, v: ArchVcpu): bigint {
  return v.vcpu.inKernel ? v.gsBaseInactive : env.cpu.segBase(SEG_GS);
}

export function setGsBaseKernel(env: ExecEnv, v: ArchVcpu, base: bigint): void {
  if (v.vcpu.inKernel) env.cpu.setSegBase(SEG_GS, base);
  else v.gsBaseInactive = base;
}

export function setGsBaseUser(env: ExecEnv, v: ArchVcpu, base: bigint): void {
  if (v.vcpu.inKernel) v.gsBaseInactive = base;
  else env.cpu.setSegBase(SEG_GS, base);
}
