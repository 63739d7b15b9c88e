import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS } from '../../public/errno';
import { PHYSDEVOP_irq_status_query, PHYSDEVOP_set_iopl } from '../../public/version';
import { __HYPERVISOR_physdev_op, __HYPERVISOR_physdev_op_compat } from '../../public/xen';
import type { HypercallContext } from '../context';
import { defineHypercall } from '../table';

/** physdev_op(cmd, arg) (§9.7) for a device-less domU. */
export function physdevOp(ctx: HypercallContext, cmd: number, arg: bigint): number {
  switch (cmd) {
    case PHYSDEVOP_set_iopl: {
      const iopl = ctx.guest.readU32(arg);
      if (iopl === undefined) return -XEN_EFAULT;
      if (iopl > 3) return -XEN_EINVAL;
      ctx.vcpu.iopl = iopl;
      return 0;
    }
    case PHYSDEVOP_irq_status_query:
      // A PV domU has no PIRQs: every irq is out of range.
      return ctx.guest.readU32(arg) === undefined ? -XEN_EFAULT : -XEN_EINVAL;
    default:
      return -XEN_ENOSYS;
  }
}

/** The legacy form: `struct physdev_op {u32 cmd; union @8}`. */
export function physdevOpCompat(ctx: HypercallContext, arg: bigint): number {
  const cmd = ctx.guest.readU32(arg);
  if (cmd === undefined) return -XEN_EFAULT;
  return physdevOp(ctx, cmd, arg + 8n);
}

export const physdevOpHypercall = defineHypercall({
  nr: __HYPERVISOR_physdev_op,
  name: 'physdev_op',
  args: ['int', 'ptr'],
  handler: physdevOp,
});

export const physdevOpCompatHypercall = defineHypercall({
  nr: __HYPERVISOR_physdev_op_compat,
  name: 'physdev_op_compat',
  args: ['ptr'],
  handler: physdevOpCompat,
});
