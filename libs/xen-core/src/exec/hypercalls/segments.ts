/**
 * set_segment_base (§6.5), set_gdt / update_descriptor (§6.7) and set_debugreg / get_debugreg.
 */
import { defineHypercall } from '../../hypercall/table';
import { XEN_EINVAL } from '../../public/errno';
import * as X from '../../public/xen';
import * as A from '../abi';
import { getDebugreg, setDebugreg } from '../debugreg';
import { checkDataSelector, setGdtHypercall, updateDescriptor } from '../descriptor-tables';
import type { ExecEnv } from '../env';
import { setGsBaseKernel, setGsBaseUser } from '../mode';
import type { ArchVcpu } from '../vcpu-arch';
import { SEG_FS, SEG_GS } from '../x86/pv-cpu';
import { withArch } from './exec-context';

/**
 * SEGBASE_GS_USER_SEL: load the user %gs selector from the GDT/LDT; the descriptor's base becomes the
 * user GS base, the kernel GS base stays active. A selector that cannot be loaded loads NUL instead
 * and the call still succeeds (as in Xen, whose Linux callers BUG() on failure).
 */
function loadUserGsSelector(env: ExecEnv, v: ArchVcpu, base: bigint): void {
  const cpu = env.cpu;
  let sel = Number(base & 0xffffn);
  if (sel > 3) sel |= 3;
  const kernelBase = cpu.segBase(SEG_GS);
  const d = checkDataSelector(env, v, sel);
  if (d && d !== 'null') cpu.loadFromDescriptor(SEG_GS, sel, d.lo, d.hi);
  else cpu.loadNull(SEG_GS, d === 'null' ? sel : 0);
  const userBase = cpu.segBase(SEG_GS);
  cpu.setSegBase(SEG_GS, kernelBase);
  setGsBaseUser(env, v, userBase);
}

export function setSegmentBase(env: ExecEnv, v: ArchVcpu, which: number, base: bigint): number {
  if (which === A.SEGBASE_GS_USER_SEL) {
    loadUserGsSelector(env, v, base);
    return 0;
  }
  if (!A.isCanonical(base)) return -XEN_EINVAL;
  switch (which) {
    case A.SEGBASE_FS:
      env.cpu.setSegBase(SEG_FS, base);
      return 0;
    case A.SEGBASE_GS_USER:
      setGsBaseUser(env, v, base);
      return 0;
    case A.SEGBASE_GS_KERNEL:
      setGsBaseKernel(env, v, base);
      return 0;
    default:
      return -XEN_EINVAL;
  }
}

export const setSegmentBaseHypercall = defineHypercall({
  nr: X.__HYPERVISOR_set_segment_base,
  name: 'set_segment_base',
  args: ['uint', 'ulong'],
  handler: (ctx, which, base) => withArch(ctx, (v, env) => setSegmentBase(env, v, which, base)),
});

export const setGdtHypercallDef = defineHypercall({
  nr: X.__HYPERVISOR_set_gdt,
  name: 'set_gdt',
  args: ['ptr', 'uint'],
  handler: (ctx, frames, entries) =>
    withArch(ctx, (v, env) => setGdtHypercall(env, v, ctx.guest, frames, entries)),
});

export const updateDescriptorHypercall = defineHypercall({
  nr: X.__HYPERVISOR_update_descriptor,
  name: 'update_descriptor',
  args: ['u64', 'u64'],
  handler: (ctx, maddr, desc) => withArch(ctx, (v, env) => updateDescriptor(env, v, maddr, desc)),
});

export const setDebugregHypercall = defineHypercall({
  nr: X.__HYPERVISOR_set_debugreg,
  name: 'set_debugreg',
  args: ['int', 'ulong'],
  handler: (ctx, reg, value) => withArch(ctx, (v) => setDebugreg(v, reg, value)),
});

export const getDebugregHypercall = defineHypercall({
  nr: X.__HYPERVISOR_get_debugreg,
  name: 'get_debugreg',
  args: ['int'],
  handler: (ctx, reg) => withArch(ctx, (v) => getDebugreg(v, reg)),
});
