import { XEN_EINVAL, XEN_ENOSYS } from '../../public/errno';
import {
  __HYPERVISOR_vm_assist,
  VM_ASSIST_VALID_PV64,
  VMASST_CMD_disable,
  VMASST_CMD_enable,
} from '../../public/xen';
import type { HypercallContext } from '../context';
import { defineHypercall } from '../table';

/** vm_assist(cmd, type) (§6.9): the type is checked before the command, as in Xen. */
export function vmAssist(ctx: HypercallContext, cmd: number, type: number): number {
  if (!VM_ASSIST_VALID_PV64.has(type)) return -XEN_EINVAL;
  if (cmd === VMASST_CMD_enable) ctx.domain.vmAssist.add(type);
  else if (cmd === VMASST_CMD_disable) ctx.domain.vmAssist.delete(type);
  else return -XEN_ENOSYS;
  return 0;
}

export const vmAssistHypercall = defineHypercall({
  nr: __HYPERVISOR_vm_assist,
  name: 'vm_assist',
  args: ['uint', 'uint'],
  handler: vmAssist,
});
