/**
 * Applying the MM layer's effects to the CPU (docs/xen-core.md "Applying MM effects"): TLB flushes
 * and INVLPG go to the one host CPU (vCPUs that are not on it are flushed when switched in), a new
 * root reloads CR3 if it is the active one (and drops the shadow LDT, as new_guest_cr3 does), and
 * MMUEXT_SET_LDT repoints LDTR at the vCPU's shadow window.
 */
import type { MmEffect } from '../mm/mm-effects';
import { invalidateShadowLdt, loadLdt } from './descriptor-tables';
import type { ExecEnv } from './env';
import { loadActiveRoot } from './mode';
import type { ArchVcpu } from './vcpu-arch';

export function applyEffects(env: ExecEnv, v: ArchVcpu, effects: readonly MmEffect[]): void {
  for (const e of effects) {
    switch (e.kind) {
      case 'tlb-flush':
        env.cpu.flushTlb();
        break;
      case 'invlpg':
        env.cpu.invlpg(e.va);
        break;
      case 'baseptr': {
        const target = v.dom.vcpus[e.vcpu];
        if (!target) break;
        if (!e.user) invalidateShadowLdt(env, target);
        if (env.current === target && e.user === !target.vcpu.inKernel) loadActiveRoot(env, target);
        break;
      }
      case 'ldt': {
        const target = v.dom.vcpus[e.vcpu];
        if (target) loadLdt(env, target);
        break;
      }
    }
  }
}
