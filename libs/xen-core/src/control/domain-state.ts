/** The state of a domain as the control domain sees it (xl list's r/b/p/s/c columns). */
import type { ExecDomain } from '../exec/exec-domain';
import { SHUTDOWN_crash } from '../exec/abi';

export type DomainState = 'paused' | 'running' | 'blocked' | 'shutdown' | 'crashed';

export function domainState(exec: ExecDomain, paused: boolean): DomainState {
  if (exec.shutdown) return exec.shutdown.reason === SHUTDOWN_crash ? 'crashed' : 'shutdown';
  if (paused) return 'paused';
  // Running = some vCPU could use the CPU; blocked = every online vCPU waits for an event.
  return exec.vcpus.some((v) => v.runnable) ? 'running' : 'blocked';
}
