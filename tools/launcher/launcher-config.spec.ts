import { describe, expect, it } from 'vitest';
import { loadLauncherConfig } from './launcher-config';

describe('loadLauncherConfig', () => {
  it('defaults to port 3000, two agents and .data under the project', () => {
    const config = loadLauncherConfig({});
    expect(config).toMatchObject({
      port: 3000,
      agentCount: 2,
      databaseName: 'xenoserver',
      redisPrefix: 'xeno:',
    });
    expect(config.dataDir).toBe(`${config.projectRoot}/.data`);
  });

  it('reads PORT, AGENT_COUNT and DATA_DIR', () => {
    expect(loadLauncherConfig({ PORT: '8080', AGENT_COUNT: '3', DATA_DIR: '/tmp/x' })).toMatchObject({
      port: 8080,
      agentCount: 3,
      dataDir: '/tmp/x',
    });
  });

  it('generates a fresh enrolment secret per start unless AGENT_ENROLMENT_SECRET is given', () => {
    const first = loadLauncherConfig({}).enrolmentSecret;
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(loadLauncherConfig({}).enrolmentSecret).not.toBe(first);
    expect(loadLauncherConfig({ AGENT_ENROLMENT_SECRET: 'given' }).enrolmentSecret).toBe('given');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['AGENT_COUNT', '0'],
    ['AGENT_COUNT', '1.5'],
  ])('rejects %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadLauncherConfig({ [name]: value })).toThrow(new RegExp(`^${name} must be an integer`));
  });
});
