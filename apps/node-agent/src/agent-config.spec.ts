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

  it('keeps the TTL at three intervals when the interval is tuned', () => {
    expect(loadAgentConfig({ HEARTBEAT_INTERVAL_MS: '200' }).heartbeatTtlMs).toBe(600);
  });
});
