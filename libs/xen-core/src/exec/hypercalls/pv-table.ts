/**
 * The full 64-bit PV hypercall table: the MM engineer's CPU-independent table plus the execution
 * layer's handlers, registered through HypercallTable.register(). Numbers nobody registers answer
 * -ENOSYS (§1.1).
 */
import { createDefaultHypercallTable } from '../../hypercall/default-table';
import type { HypercallDef, HypercallTable } from '../../hypercall/table';
import { iretHypercall } from './iret';
import { schedOpCompatHypercall, schedOpHypercall, setTimerOpHypercall } from './sched-op';
import {
  getDebugregHypercall,
  setDebugregHypercall,
  setGdtHypercallDef,
  setSegmentBaseHypercall,
  updateDescriptorHypercall,
} from './segments';
import {
  callbackOpHypercall,
  fpuTaskswitchHypercall,
  nmiOpHypercall,
  setCallbacksHypercall,
  setTrapTableHypercall,
  stackSwitchHypercall,
} from './traps-callbacks';
import { vcpuOpHypercall } from './vcpu-op';

export const EXEC_HYPERCALLS: readonly HypercallDef[] = [
  setTrapTableHypercall,
  setGdtHypercallDef,
  stackSwitchHypercall,
  setCallbacksHypercall,
  fpuTaskswitchHypercall,
  schedOpCompatHypercall,
  setTimerOpHypercall,
  setDebugregHypercall,
  getDebugregHypercall,
  updateDescriptorHypercall,
  iretHypercall,
  vcpuOpHypercall,
  setSegmentBaseHypercall,
  nmiOpHypercall,
  schedOpHypercall,
  callbackOpHypercall,
];

/** Register the execution layer's hypercalls into `table` (skipping numbers already taken). */
export function registerExecHypercalls(table: HypercallTable): HypercallTable {
  for (const def of EXEC_HYPERCALLS) if (!table.lookup(def.nr)) table.register(def);
  return table;
}

/** Default table + execution hypercalls: what a PvHost runs guests with. */
export function createPvHypercallTable(): HypercallTable {
  return registerExecHypercalls(createDefaultHypercallTable());
}
