/**
 * Hypercall handlers of the execution layer receive the MM's HypercallContext; this finds the
 * execution state of the calling vCPU. A context without one (a hypercall run outside a PvHost, as
 * the MM's own tests do) gets -ENOSYS from these handlers.
 */
import type { HypercallContext } from '../../hypercall/context';
import { XEN_ENOSYS } from '../../public/errno';
import { archOf, type ExecEnv } from '../env';
import type { ArchVcpu } from '../vcpu-arch';

export function withArch<R>(ctx: HypercallContext, body: (v: ArchVcpu, env: ExecEnv) => R): R | number {
  const v = archOf(ctx.vcpu);
  return v ? body(v, v.dom.env) : -XEN_ENOSYS;
}
