import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS } from '@xeno/contracts';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from './agent-config';

describe('loadAgentConfig', () => {
  it('reads AGENT_ID, REDIS_URL and API_URL', () => {
    const config = loadAgentConfig({ AGENT_ID: 'a1', REDIS_URL: 'redis://r:1', API_URL: 'http://api:3000' });
    expect(config).toMatchObject({ agentId: 'a1', redisUrl: 'redis://r:1', apiUrl: 'http://api:3000' });
    expect(config.heartbeatIntervalMs).toBe(HEARTBEAT_INTERVAL_MS);
    expect(config.heartbeatTtlMs).toBe(HEARTBEAT_TTL_MS);
  });

  it('splits the host into AGENT_PCPUS partitions of at least 64 MiB (default: cores, 256 MiB each at least)', () => {
    expect(loadAgentConfig({ AGENT_MEMORY_MIB: '1024', AGENT_PCPUS: '4' }).pcpus).toBe(4);
    expect(loadAgentConfig({ AGENT_MEMORY_MIB: '256' }).pcpus).toBe(1);
    expect(() => loadAgentConfig({ AGENT_MEMORY_MIB: '256', AGENT_PCPUS: '8' })).toThrow(/at least 64 MiB/);
    expect(() => loadAgentConfig({ AGENT_PCPUS: '0' })).toThrow(/AGENT_PCPUS/);
  });

  it('keeps the TTL at three intervals when the interval is tuned', () => {
    expect(loadAgentConfig({ HEARTBEAT_INTERVAL_MS: '200' }).heartbeatTtlMs).toBe(600);
  });
});
