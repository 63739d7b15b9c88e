/**
 * Messages between the agent's main thread and the worker thread that runs the emulated host. Plain
 * structured-clone data; console bytes travel as transferred Uint8Arrays.
 */
import type { DomainSpec, ShutdownReason } from '@xeno/contracts';

/** A domain as the host reports it. `stopping`: a clean shutdown was requested and is awaited. */
export interface HostDomainInfo {
  domainId: string;
  /** Xen domain id (changes when the guest reboots: the toolstack builds a new domain). */
  domid: number;
  name: string;
  /** Image the domain was built from (a reboot rebuilds it from this image). */
  imageId: string;
  state: 'running' | 'paused' | 'stopping';
  memoryMiB: number;
  /** Memory the domain holds now (its current reservation, which ballooning moves). */
  reservationMiB: number;
  vcpus: number;
  /** Guest instructions retired since the domain was first created (across guest reboots). */
  instructions: number;
}

export interface HostStats {
  domains: HostDomainInfo[];
  /** Guest instructions retired by the host since it started. */
  instructions: number;
  /** Milliseconds the worker spent executing guests since it started. */
  busyMs: number;
  /** Guest memory handed out to domains. */
  memoryUsedMiB: number;
  /** Console output the hypervisor could not buffer (console_io beyond the backend's limit). */
  consoleDroppedBytes: number;
}

export interface CreateDomainRequest {
  op: 'create';
  spec: DomainSpec;
  kernel: Uint8Array;
  ramdisk?: Uint8Array;
}

/**
 * A domain saved by the host for a move: xen-core's snapshot stream plus what the agent's own side keeps
 * (the user pause, keyboard input still queued in the pump), so a restore elsewhere continues exactly.
 */
export interface HostSnapshot {
  domainId: string;
  /** xen-core's whole-domain stream (libs/xen-core/src/snapshot). */
  xen: Uint8Array;
  /** Paused by the tenant when saved (a restore keeps it paused). */
  paused: boolean;
  /** Keyboard input queued for the guest but not yet in its console ring. */
  pendingInput: Uint8Array;
}

/** Rebuild a domain from a HostSnapshot (the image stays with it so the restored domain can reboot). */
export interface RestoreDomainRequest {
  op: 'restore';
  create: CreateDomainRequest;
  snapshot: HostSnapshot;
}

export type HostRequest =
  | CreateDomainRequest
  | RestoreDomainRequest
  /**
   * Freeze a domain and save it: its console output is all handed over before the reply, and it stays
   * frozen (no guest instruction runs) until `thaw` or `destroy`, so nothing happens after the snapshot.
   */
  | { op: 'save'; domainId: string }
  /** Let a domain frozen by `save` run again (the move did not happen). */
  | { op: 'thaw'; domainId: string }
  /** Let a created domain run. */
  | { op: 'start'; domainId: string }
  /** Ask the guest to power off (xenstore control/shutdown); destroy it if it has not after timeoutMs. */
  | { op: 'stop'; domainId: string; timeoutMs: number }
  /** Ask the guest to reboot; rebuild it by force if it has not after timeoutMs. */
  | { op: 'reboot'; domainId: string; timeoutMs: number }
  | { op: 'pause'; domainId: string }
  | { op: 'resume'; domainId: string }
  | { op: 'destroy'; domainId: string }
  | { op: 'info'; domainId: string }
  | { op: 'stats' };

/** What each request resolves to. */
export interface HostReplies {
  create: HostDomainInfo;
  restore: HostDomainInfo;
  save: HostSnapshot;
  thaw: HostDomainInfo;
  start: HostDomainInfo;
  stop: { shutdownReason: ShutdownReason };
  reboot: HostDomainInfo;
  pause: HostDomainInfo;
  resume: HostDomainInfo;
  destroy: { existed: boolean };
  info: HostDomainInfo | null;
  stats: HostStats;
}

/** Main thread → worker. */
export type ToWorker =
  | { type: 'request'; id: number; request: HostRequest }
  /** Keyboard input for a domain (paced into its console ring by the worker). */
  | { type: 'console-input'; domainId: string; data: Uint8Array }
  /** The main thread has taken `bytes` of a domain's console output: the worker may send more. */
  | { type: 'console-ack'; domainId: string; bytes: number }
  | { type: 'close' };

/** Worker → main thread. */
export type FromWorker =
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string; code: HostErrorCode }
  | { type: 'console'; domainId: string; data: Uint8Array }
  /** The guest ended on its own (poweroff, crash, ...) and the host destroyed it. */
  | { type: 'domain-exit'; domainId: string; reason: ShutdownReason; detail?: string }
  /** The guest asked to reboot; the host rebuilt it from the same image. */
  | { type: 'domain-rebooted'; domainId: string; domid: number }
  | { type: 'closed' };

/** Why a request failed: the domain is unknown, the request does not fit its state, or the host refused it. */
export type HostErrorCode = 'NOT_FOUND' | 'CONFLICT' | 'REFUSED';

export class HostError extends Error {
  constructor(
    readonly code: HostErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
}
