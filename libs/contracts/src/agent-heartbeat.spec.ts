import { describe, expect, it } from 'vitest';
import { parseAgentHeartbeat, type AgentHeartbeat } from './agent-heartbeat';
import { agentHeartbeatKey, agentHeartbeatPattern } from './redis-keys';

const beat: AgentHeartbeat = {
  agentId: 'host-a-1',
  hostname: 'host-a',
  pid: 42,
  capacity: { pcpus: 2, totalMemoryBytes: 8e9, freeMemoryBytes: 4e9 },
  startedAt: '2025-01-01T00:00:00.000Z',
  timestamp: '2025-01-01T00:00:05.000Z',
};

describe('parseAgentHeartbeat', () => {
  it('round-trips a heartbeat through JSON', () => {
    expect(parseAgentHeartbeat(JSON.stringify(beat))).toEqual(beat);
  });

  it.each([null, '', 'not json', '42', '{"agentId":"x"}'])('rejects %j without throwing', (raw) => {
    expect(parseAgentHeartbeat(raw)).toBeUndefined();
  });
});

describe('redis keys', () => {
  it('puts heartbeats under the prefix', () => {
    expect(agentHeartbeatKey('xeno:', 'a1')).toBe('xeno:agent:heartbeat:a1');
  });

  it('escapes glob characters of the prefix in scan patterns', () => {
    expect(agentHeartbeatPattern('t[1]*:')).toBe('t\\[1\\]\\*:agent:heartbeat:*');
  });
});
