import type { AgentLoad } from '../agent-enrolment';

/**
 * Agent states: ready (takes domains), cordoned (keeps its domains, gets no new ones), draining (its
 * domains are being moved off), down (missed heartbeats; its domains are `lost`).
 */
export const AGENT_STATES = ['ready', 'cordoned', 'draining', 'down'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/** Body of POST /api/agents/heartbeat (Authorization: Bearer <agent credential>). */
export interface AgentHeartbeatRequest {
  capacity: { pcpus: number; memoryMiB: number };
  load: AgentLoad;
}

export interface AgentView {
  agentId: string;
  hostname: string;
  state: AgentState;
  capacity: { pcpus: number; memoryMiB: number };
  /** Last reported load; null before the first heartbeat. */
  load: AgentLoad | null;
  /** Memory of the domains the API placed there (what placement counts as used). */
  reservedMemoryMiB: number;
  lastHeartbeatAt: string | null;
  enrolledAt: string;
}

/** One domain on an agent, in the fleet view (any tenant: admins only). */
export interface FleetDomainView {
  id: string;
  tenantId: string;
  name: string;
  state: string;
  memoryMiB: number;
  vcpus: number;
}

/** Response of GET /api/admin/fleet. */
export interface FleetView {
  agents: Array<AgentView & { domains: FleetDomainView[] }>;
}

/**
 * Pushed on the /events namespace as `agent` to platform admins only, each time an agent's heartbeat
 * arrives: the fleet page follows agents' load without polling.
 */
export interface AgentLoadSample {
  agentId: string;
  /** ISO 8601 time the API received the heartbeat. */
  at: string;
  capacity: { pcpus: number; memoryMiB: number };
  load: AgentLoad;
}
