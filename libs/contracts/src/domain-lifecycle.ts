/**
 * The domain lifecycle as the API, the queues and the node agents share it: the states a domain is in
 * (stored by the API in Postgres), the jobs the API puts on an agent's lifecycle queue (BullMQ), and the
 * reports an agent sends back. Everything here is plain JSON so it crosses Redis unchanged.
 */

/** Lifecycle states of a domain. The API owns the state machine; agents report facts. */
export const DOMAIN_STATES = [
  'pending', // created, never started
  'scheduling', // a start was requested; placement is choosing an agent
  'starting', // a start job is on an agent's queue or running there
  'running',
  'paused',
  'stopping', // a clean stop was requested (guest asked to power off, forced after a timeout)
  'stopped',
  'crashed', // the guest crashed (shutdown reason crash, or the hypervisor crashed it)
  'lost', // its agent went down while the domain was placed there
  'migrating', // being moved between agents (snapshot on the source, restore on the target)
  'error', // an action failed for good; the reason is recorded
] as const;
export type DomainState = (typeof DOMAIN_STATES)[number];

/** Actions a tenant (or an admin) asks for; each is recorded with an id and an idempotency key. */
export const DOMAIN_ACTIONS = ['start', 'stop', 'reboot', 'pause', 'resume', 'destroy'] as const;
export type DomainAction = (typeof DOMAIN_ACTIONS)[number];

/** Why a guest shut down, as Xen's SHUTDOWN_* reasons name them (plus `destroyed` by the toolstack). */
export type ShutdownReason = 'poweroff' | 'reboot' | 'suspend' | 'crash' | 'watchdog' | 'destroyed';

/** What an agent needs to build a domain. Memory and vCPUs are already checked against quotas. */
export interface DomainSpec {
  /** The API's id of the domain (uuid); the agent's key for everything about it. */
  domainId: string;
  tenantId: string;
  /** xenstore `name` of the domain. */
  name: string;
  /** Image catalog id (e.g. `xenolite`). */
  imageId: string;
  memoryMiB: number;
  vcpus: number;
  /** Credit scheduler weight (Xen's default 256) and cap (% of one pCPU, 0 = none). */
  weight: number;
  cap: number;
  cmdline: string;
}

interface JobBase {
  /** Id of the recorded action this job carries out; results and retries refer to it. */
  actionId: string;
  domainId: string;
}

/**
 * A job on an agent's lifecycle queue. Handlers are idempotent: a retried `domain.start` for a domain
 * the agent already runs reports it running instead of booting it twice.
 */
export type AgentJob =
  | (JobBase & { kind: 'domain.start'; spec: DomainSpec; restoreSnapshotKey?: string })
  | (JobBase & { kind: 'domain.stop'; timeoutMs: number })
  | (JobBase & { kind: 'domain.reboot' })
  | (JobBase & { kind: 'domain.pause' })
  | (JobBase & { kind: 'domain.resume' })
  | (JobBase & { kind: 'domain.destroy' })
  /** Save the domain to a snapshot stored under `snapshotKey` (Redis), then destroy it when `thenDestroy`. */
  | (JobBase & { kind: 'domain.snapshot'; snapshotKey: string; thenDestroy: boolean });
export type AgentJobKind = AgentJob['kind'];
export const AGENT_JOB_KINDS: readonly AgentJobKind[] = [
  'domain.start',
  'domain.stop',
  'domain.reboot',
  'domain.pause',
  'domain.resume',
  'domain.destroy',
  'domain.snapshot',
];

/** What a job handler returns (BullMQ return value). */
export interface AgentJobResult {
  actionId: string;
  domainId: string;
  /** The domain's state on the agent after the job (`stopped` once destroyed or powered off). */
  state: DomainState;
  shutdownReason?: ShutdownReason;
  /** For `domain.snapshot`: the stored snapshot's size. */
  snapshotBytes?: number;
}

/**
 * Something that happened to a domain on an agent: the outcome of every job (success, or `error` with the
 * refusal reason in `detail`) and every change the guest caused itself (poweroff, reboot, crash). Agents add
 * them to the durable DOMAIN_EVENTS_QUEUE, so none is lost while the API is down.
 */
export interface AgentDomainEvent {
  agentId: string;
  domainId: string;
  /** The action whose job caused this event (absent for changes the guest made itself, e.g. poweroff). */
  actionId?: string;
  state: DomainState;
  shutdownReason?: ShutdownReason;
  /** Human-readable detail (crash message, refused job reason). */
  detail?: string;
  /** ISO 8601. */
  at: string;
}

/** One piece of console output, numbered so that viewers resume without gaps or duplicates. */
export interface ConsoleChunk {
  domainId: string;
  /** Sequence number of the first byte of `data` in the domain's console stream. */
  seq: number;
  /** The bytes, base64. */
  data: string;
  /**
   * Bytes the agent had to skip just before this chunk (its buffers were full, e.g. while Redis was down);
   * `seq` already counts them, so a viewer shows a marker instead of silently joining the two sides.
   */
  dropped?: number;
}

/**
 * What an agent reports (job name `reconcile` on DOMAIN_EVENTS_QUEUE) when it (re)connects: the domains it
 * runs right now. The API marks domains it placed on this agent but missing here as lost.
 */
export interface AgentReconcileReport {
  agentId: string;
  domains: Array<{ domainId: string; state: DomainState }>;
  /** ISO 8601. */
  at: string;
}

/** Job name of AgentReconcileReports on DOMAIN_EVENTS_QUEUE (AgentDomainEvents use their state). */
export const RECONCILE_JOB_NAME = 'reconcile';

/** BullMQ queue carrying lifecycle jobs to one agent. */
export function agentLifecycleQueue(agentId: string): string {
  return `lifecycle-${agentId}`;
}

/** BullMQ queue on which every agent puts AgentDomainEvents for the API (job name = event state). */
export const DOMAIN_EVENTS_QUEUE = 'domain-events';

/** BullMQ queue for placement and rescheduling work done by the API. */
export const CONTROL_QUEUE = 'control';

/** Checks a job that came off a queue; returns the reason it is refused, or undefined when it is sound. */
export function agentJobProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'job data is not an object';
  const job = value as Partial<Record<string, unknown>>;
  if (typeof job.kind !== 'string' || !(AGENT_JOB_KINDS as readonly string[]).includes(job.kind))
    return `unknown job kind ${JSON.stringify(job.kind)}`;
  if (typeof job.actionId !== 'string' || job.actionId === '') return 'actionId missing';
  if (typeof job.domainId !== 'string' || job.domainId === '') return 'domainId missing';
  switch (job.kind) {
    case 'domain.start':
      return domainSpecProblem(job.spec, job.domainId);
    case 'domain.stop':
      return isPositiveInt(job.timeoutMs) ? undefined : 'timeoutMs must be a positive integer';
    case 'domain.snapshot':
      if (typeof job.snapshotKey !== 'string' || job.snapshotKey === '') return 'snapshotKey missing';
      return typeof job.thenDestroy === 'boolean' ? undefined : 'thenDestroy must be a boolean';
    default:
      return undefined;
  }
}

function domainSpecProblem(value: unknown, domainId: string): string | undefined {
  if (typeof value !== 'object' || value === null) return 'spec missing';
  const spec = value as Partial<Record<keyof DomainSpec, unknown>>;
  if (spec.domainId !== domainId) return 'spec.domainId differs from the job domainId';
  for (const key of ['tenantId', 'name', 'imageId'] as const)
    if (typeof spec[key] !== 'string' || spec[key] === '') return `spec.${key} missing`;
  if (typeof spec.cmdline !== 'string') return 'spec.cmdline must be a string';
  if (!isPositiveInt(spec.memoryMiB)) return 'spec.memoryMiB must be a positive integer';
  if (!isPositiveInt(spec.vcpus)) return 'spec.vcpus must be a positive integer';
  if (!isPositiveInt(spec.weight)) return 'spec.weight must be a positive integer';
  if (!Number.isInteger(spec.cap) || (spec.cap as number) < 0) return 'spec.cap must be an integer ≥ 0';
  return undefined;
}

function isPositiveInt(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) > 0;
}
