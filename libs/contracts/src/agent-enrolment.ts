/**
 * How a node agent joins the fleet: it presents the cluster's shared enrolment secret once and gets a
 * per-agent credential back, which it then sends (as `Authorization: Bearer <credential>`) on every
 * agent route of the API. The API stores only a hash of the credential.
 */

/** Body of POST /api/agents/enrol. */
export interface AgentEnrolmentRequest {
  agentId: string;
  hostname: string;
  /** The cluster's enrolment secret (ENROLMENT_SECRET). */
  enrolmentSecret: string;
  /** Host resources the agent offers. */
  capacity: { pcpus: number; memoryMiB: number };
}

/** Response of POST /api/agents/enrol (201). */
export interface AgentEnrolmentResponse {
  agentId: string;
  /** Secret credential of this agent; shown once. */
  credential: string;
  /** BullMQ queue the agent consumes (agentLifecycleQueue(agentId)). */
  lifecycleQueue: string;
}

/** Load an agent reports with each heartbeat (in addition to AgentHeartbeat.capacity). */
export interface AgentLoad {
  /** Guest memory handed out to domains. */
  memoryUsedMiB: number;
  /** Share of the host's pCPUs spent running guests over the last interval, 0..1. */
  cpuBusy: number;
  domainCount: number;
  /** Guest instructions retired per second over the last interval. */
  instructionsPerSecond: number;
  /** API domain ids the agent is running, so the API reconciles after restarts. */
  domainIds: string[];
  /** Per-domain figures over the same interval (the domain page's live graphs). */
  domains?: AgentDomainLoad[];
}

/** One domain's share of an agent's load over the last heartbeat interval. */
export interface AgentDomainLoad {
  domainId: string;
  /** pCPU time the domain's vCPUs used, in pCPUs (0.5 = half of one core; up to its vCPU count). */
  cpuShare: number;
  /** Memory the domain holds now (its current reservation; ballooning moves it). */
  memoryMiB: number;
  instructionsPerSecond: number;
}
