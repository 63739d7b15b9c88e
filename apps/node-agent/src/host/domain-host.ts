/**
 * What the agent needs from the machine that runs its domains. The agent codes against this interface only,
 * so the emulated host behind it (today PvHost in one worker thread, later xen-core's Dom0 control API with
 * pCPU workers) can change in one file.
 */
import type { ShutdownReason } from '@xeno/contracts';
import type {
  CreateDomainRequest,
  HostDomainInfo,
  HostSnapshot,
  HostStats,
  RestoreDomainRequest,
} from './host-protocol';

export interface DomainHostEvents {
  /** Console output of a domain, in order; call acknowledgeConsole once it is handed on. */
  console: (domainId: string, data: Uint8Array) => void;
  /** The guest ended on its own and is gone. */
  exit: (domainId: string, reason: ShutdownReason, detail: string | undefined) => void;
  /** The guest rebooted itself (and runs again). */
  rebooted: (domainId: string) => void;
  /** The host itself failed: every domain on it is gone. */
  failed: (error: Error) => void;
}

export interface DomainHost {
  create(request: CreateDomainRequest): Promise<HostDomainInfo>;
  /** Rebuild a saved domain here; it runs at once (or stays paused if it was saved paused). */
  restore(request: RestoreDomainRequest): Promise<HostDomainInfo>;
  /** Freeze and save a domain; its console output is emitted before this resolves. */
  save(domainId: string): Promise<HostSnapshot>;
  /** Let a domain frozen by save run again. */
  thaw(domainId: string): Promise<HostDomainInfo>;
  start(domainId: string): Promise<HostDomainInfo>;
  stop(domainId: string, timeoutMs: number): Promise<{ shutdownReason: ShutdownReason }>;
  reboot(domainId: string, timeoutMs: number): Promise<HostDomainInfo>;
  pause(domainId: string): Promise<HostDomainInfo>;
  resume(domainId: string): Promise<HostDomainInfo>;
  destroy(domainId: string): Promise<{ existed: boolean }>;
  info(domainId: string): Promise<HostDomainInfo | null>;
  stats(): Promise<HostStats>;
  sendConsoleInput(domainId: string, data: Uint8Array): void;
  acknowledgeConsole(domainId: string, bytes: number): void;
  on<E extends keyof DomainHostEvents>(event: E, listener: DomainHostEvents[E]): this;
  close(): Promise<void>;
}
