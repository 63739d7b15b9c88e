import { eventChannelOpCompatHypercall, eventChannelOpHypercall } from '../events/event-channel-op';
import { grantTableOpHypercall } from '../grants/grant-table-op';
import { consoleIoHypercall } from './handlers/console-io';
import { memoryOpHypercall } from './handlers/memory-op';
import {
  mmuextOpHypercall,
  mmuUpdateHypercall,
  updateVaMappingHypercall,
  updateVaMappingOtherdomainHypercall,
} from './handlers/mmu';
import { multicallHypercall } from './handlers/multicall';
import { physdevOpCompatHypercall, physdevOpHypercall } from './handlers/physdev-op';
import { vmAssistHypercall } from './handlers/vm-assist';
import { xenVersionHypercall } from './handlers/xen-version';
import { HypercallTable } from './table';

/**
 * The CPU-independent hypercalls. Traps, callbacks, iret, scheduling and
 * timers are registered by the CPU integration layer.
 */
export function createDefaultHypercallTable(): HypercallTable {
  return new HypercallTable()
    .register(mmuUpdateHypercall)
    .register(memoryOpHypercall)
    .register(multicallHypercall)
    .register(updateVaMappingHypercall)
    .register(xenVersionHypercall)
    .register(consoleIoHypercall)
    .register(physdevOpCompatHypercall)
    .register(vmAssistHypercall)
    .register(updateVaMappingOtherdomainHypercall)
    .register(mmuextOpHypercall)
    .register(physdevOpHypercall)
    .register(eventChannelOpHypercall)
    .register(eventChannelOpCompatHypercall)
    .register(grantTableOpHypercall);
}
