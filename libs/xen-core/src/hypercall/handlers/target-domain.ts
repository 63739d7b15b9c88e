import type { Domain } from '../../domain/domain';
import { XEN_EPERM, XEN_ESRCH } from '../../public/errno';
import { DOMID_SELF } from '../../public/xen';
import type { HypercallContext } from '../context';

/** rcu_lock_domain_by_any_id() + XSM_TARGET for an unprivileged caller: itself only. */
export function targetDomain(ctx: HypercallContext, domid: number): Domain | number {
  if (domid === DOMID_SELF || domid === ctx.domain.id) return ctx.domain;
  return ctx.sys.get(domid) ? -XEN_EPERM : -XEN_ESRCH;
}
