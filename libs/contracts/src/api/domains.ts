import type { ConsoleChunk, DomainAction, DomainState, ShutdownReason } from '../domain-lifecycle';

/** Body of POST /api/domains. memoryMiB/vcpus default to the image's defaults. */
export interface CreateDomainRequest {
  /** 1..63 characters of [a-z0-9-], starting with a letter; unique within the tenant. */
  name: string;
  imageId: string;
  memoryMiB?: number;
  vcpus?: number;
  /** Credit scheduler weight 1..65535 (default 256). */
  weight?: number;
  /** Kernel command line (default: the image's). */
  cmdline?: string;
}

export interface DomainView {
  id: string;
  tenantId: string;
  name: string;
  imageId: string;
  memoryMiB: number;
  vcpus: number;
  weight: number;
  cmdline: string;
  state: DomainState;
  /** Agent hosting (or chosen to host) the domain; null while not placed. */
  agentId: string | null;
  lastShutdownReason: ShutdownReason | null;
  /** Why the domain is in `error` / `crashed`, or the last refused job's reason. */
  stateDetail: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ListDomainsResponse {
  domains: DomainView[];
}

/**
 * Body of POST /api/domains/:id/actions. Send an `Idempotency-Key` header (1..200 characters) to make
 * retries safe: a repeat with the same key returns the first action instead of acting again.
 */
export interface DomainActionRequest {
  action: DomainAction;
}

/** Where an action stands: accepted → dispatched (job on an agent queue) → succeeded | failed. */
export type DomainActionStatus = 'accepted' | 'dispatched' | 'succeeded' | 'failed';

/** One agent considered by placement, with why it was kept or rejected and its score. */
export interface PlacementCandidate {
  agentId: string;
  eligible: boolean;
  /** e.g. "cordoned", "not enough free memory (12 MiB < 16 MiB)", "free memory 0.62, cpu idle 0.80". */
  reason: string;
  score: number | null;
}

/** Recorded on start (and restart/move) actions: the chosen agent and why. */
export interface PlacementDecision {
  policy: PlacementPolicy;
  chosenAgentId: string | null;
  candidates: PlacementCandidate[];
  /** Move actions only: where the domain comes from and where its snapshot is stored. */
  move?: MovePlan;
}

export interface MovePlan {
  sourceAgentId: string;
  snapshotKey: string;
  /** Set on the move back to the source after the target could not restore: the move that failed. */
  returnOf?: string;
}

export type PlacementPolicy = 'pack' | 'spread';

/** Response of POST /api/domains/:id/actions (202) and items of GET /api/domains/:id/actions. */
export interface DomainActionView {
  id: string;
  domainId: string;
  action: DomainAction | 'move' | 'restart-lost';
  status: DomainActionStatus;
  /** Domain state when the action was accepted, and the state it moved to. */
  fromState: DomainState;
  toState: DomainState;
  /** Set when status is failed. */
  error: string | null;
  placement: PlacementDecision | null;
  requestedBy: string | null;
  idempotencyKey: string | null;
  createdAt: string;
  completedAt: string | null;
}

/** Body of the 409 a refused action gets (NestJS error shape plus the facts). */
export interface DomainActionRefusal {
  statusCode: 409;
  error: 'Conflict';
  /** e.g. `cannot pause a domain that is stopped`. */
  message: string;
  state: DomainState;
  action: DomainAction;
}

/** Response of GET /api/domains/:id/console?fromSeq=N (chunks from seq N on, oldest first). */
export interface ConsoleLogResponse {
  domainId: string;
  chunks: ConsoleChunk[];
  /** Pass as fromSeq to continue without gaps or duplicates. */
  nextSeq: number;
}

/**
 * Pushed on the /events socket.io namespace as `stats` to the domain's tenant (and platform admins) each
 * time its agent's heartbeat reports it: one point of the domain page's CPU and memory graphs.
 */
export interface DomainStatsSample {
  domainId: string;
  tenantId: string;
  /** ISO 8601 time the API received the heartbeat. */
  at: string;
  /** pCPUs the domain used over the heartbeat interval (0.5 = half of one core). */
  cpuShare: number;
  memoryMiB: number;
  instructionsPerSecond: number;
}
