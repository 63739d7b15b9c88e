import type { INestApplication } from '@nestjs/common';
import type { AgentLoad } from '@xeno/contracts';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, testApiConfig } from '../../api/test/api-test-app';
import { AgentStore } from '../../api/src/agents/agent-store.service';
import { ApiEnrolment, EnrolmentRefused } from '../src/api-enrolment';

const SECRET = `enrol-${randomBytes(8).toString('hex')}`;
const CAPACITY = { pcpus: 1, memoryMiB: 992 };
const LOAD: AgentLoad = {
  memoryUsedMiB: 16,
  cpuBusy: 0.5,
  domainCount: 1,
  instructionsPerSecond: 42,
  domainIds: [],
};
let app: INestApplication;
let baseUrl: string;

beforeAll(async () => {
  process.env.AGENT_ENROLMENT_SECRET = SECRET;
  ({ app, baseUrl } = await startTestApp(testApiConfig()));
});
afterAll(async () => {
  await app?.close();
  delete process.env.AGENT_ENROLMENT_SECRET;
});

/** secret null: the agent runs without AGENT_ENROLMENT_SECRET. */
function agent(dataDir: string, agentId: string, secret: string | null = SECRET): ApiEnrolment {
  return new ApiEnrolment({ apiUrl: baseUrl, agentId, dataDir, enrolmentSecret: secret ?? undefined });
}

describe('the agent enrols with the API and keeps its credential across restarts', () => {
  it('enrols once, stores the credential privately, and a restarted agent reuses it', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'xeno-enrol-'));
    const agentId = `agent-${randomBytes(4).toString('hex')}`;
    const first = await agent(dataDir, agentId).ensureCredential(CAPACITY);
    const file = path.join(dataDir, 'agent-credential');
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // A restart without the secret still works: the stored credential is the identity.
    const restarted = agent(dataDir, agentId, null);
    expect(await restarted.ensureCredential(CAPACITY)).toBe(first);
    await restarted.heartbeat({ capacity: CAPACITY, load: LOAD });
    expect(await app.get(AgentStore).get(agentId)).toMatchObject({
      state: 'ready',
      capacity: CAPACITY,
      load: LOAD,
    });
  });

  it('a credential the API does not know is dropped and the agent enrols again', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'xeno-enrol-'));
    const agentId = `agent-${randomBytes(4).toString('hex')}`;
    const enrolment = agent(dataDir, agentId);
    const original = await enrolment.ensureCredential(CAPACITY);
    await agent(mkdtempSync(path.join(os.tmpdir(), 'xeno-enrol-')), agentId).ensureCredential(CAPACITY); // replaces it
    await expect(enrolment.heartbeat({ capacity: CAPACITY, load: LOAD })).rejects.toThrow(/401/);
    await enrolment.heartbeat({ capacity: CAPACITY, load: LOAD });
    expect(readFileSync(path.join(dataDir, 'agent-credential'), 'utf8').trim()).not.toBe(original);
  });

  it('a wrong or missing secret is refused for good, not retried as an outage', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'xeno-enrol-'));
    await expect(agent(dataDir, 'agent-wrong', 'nope').ensureCredential(CAPACITY)).rejects.toBeInstanceOf(
      EnrolmentRefused,
    );
    await expect(agent(dataDir, 'agent-none', null).ensureCredential(CAPACITY)).rejects.toThrow(
      /AGENT_ENROLMENT_SECRET/,
    );
  });
});
