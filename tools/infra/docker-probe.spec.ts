import { describe, expect, it } from 'vitest';
import { dockerEngineAnswers } from './docker-probe';

describe('dockerEngineAnswers', () => {
  it('is false, quickly, when no engine listens on DOCKER_HOST', async () => {
    const started = Date.now();
    expect(await dockerEngineAnswers({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' })).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
