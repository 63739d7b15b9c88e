import type { DomainActionView } from './domains';

/** Body of POST /api/admin/domains/:id/move. Without a target, placement picks one (never the source). */
export interface MoveDomainRequest {
  targetAgentId?: string;
}

/** Response of POST /api/admin/domains/:id/move (202). */
export type MoveDomainResponse = DomainActionView;

/** Response of POST /api/admin/agents/:agentId/drain: the agent is `draining` and its domains moving off. */
export interface DrainAgentResponse {
  agentId: string;
  state: 'draining';
  /** One move per domain that could move (each also listed in the domain's actions). */
  moves: DomainActionView[];
  /** Domains left on the agent for now, with why (mid-action, no room elsewhere). Drain again later. */
  notMoved: Array<{ domainId: string; reason: string }>;
}

export interface ProposedMove {
  domainId: string;
  fromAgentId: string;
  toAgentId: string;
  memoryMiB: number;
  reason: string;
}

/**
 * Response of GET /api/admin/rebalance (proposal) and POST /api/admin/rebalance (applied: `actions` set).
 * Domains moved within the hysteresis window are never proposed again, so nothing moves back and forth.
 */
export interface RebalancePlan {
  /** Spread of memory use (max − min share) before and after the proposed moves, 0..1. */
  imbalanceBefore: number;
  imbalanceAfter: number;
  moves: ProposedMove[];
  actions?: DomainActionView[];
}

/** A lifecycle job that exhausted its retries (kept by BullMQ as failed: the dead letters). */
export interface DeadLetterJob {
  queue: string;
  jobId: string;
  kind: string;
  actionId: string;
  domainId: string;
  attemptsMade: number;
  failedReason: string;
  failedAt: string | null;
}

export interface DeadLetterList {
  jobs: DeadLetterJob[];
}

/**
 * Response of POST /api/admin/dead-letters/:queue/:jobId/retry (202): the job is waiting again with its
 * attempts reset. It keeps its id (the action id), so an agent that already acted on it does not act twice.
 */
export interface DeadLetterRetry {
  queue: string;
  jobId: string;
  state: 'waiting';
}
