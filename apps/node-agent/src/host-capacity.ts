import type { HostCapacity } from '@xeno/contracts';
import os from 'node:os';

/** What this host offers to domains, as the operating system reports it right now. */
export function readHostCapacity(): HostCapacity {
  return {
    pcpus: os.availableParallelism?.() ?? os.cpus().length,
    totalMemoryBytes: os.totalmem(),
    freeMemoryBytes: os.freemem(),
  };
}
