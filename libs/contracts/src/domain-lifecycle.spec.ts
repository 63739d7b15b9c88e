import { describe, expect, it } from 'vitest';
import { agentJobProblem, type AgentJob } from './domain-lifecycle';

const spec = {
  domainId: 'd1',
  tenantId: 't1',
  name: 'web',
  imageId: 'xenolite',
  memoryMiB: 16,
  vcpus: 1,
  weight: 256,
  cap: 0,
  cmdline: '',
};

describe('agentJobProblem', () => {
  it('accepts sound jobs', () => {
    const jobs: AgentJob[] = [
      { kind: 'domain.start', actionId: 'a', domainId: 'd1', spec },
      { kind: 'domain.stop', actionId: 'a', domainId: 'd1', timeoutMs: 5000 },
      { kind: 'domain.destroy', actionId: 'a', domainId: 'd1' },
      { kind: 'domain.snapshot', actionId: 'a', domainId: 'd1', snapshotKey: 'k', thenDestroy: true },
    ];
    for (const job of jobs) expect(agentJobProblem(job)).toBeUndefined();
  });

  it.each([
    [null, 'job data is not an object'],
    [{ kind: 'domain.explode', actionId: 'a', domainId: 'd' }, 'unknown job kind "domain.explode"'],
    [{ kind: 'domain.pause', domainId: 'd' }, 'actionId missing'],
    [{ kind: 'domain.start', actionId: 'a', domainId: 'd1' }, 'spec missing'],
    [
      { kind: 'domain.start', actionId: 'a', domainId: 'd2', spec },
      'spec.domainId differs from the job domainId',
    ],
    [
      { kind: 'domain.start', actionId: 'a', domainId: 'd1', spec: { ...spec, memoryMiB: 0 } },
      'spec.memoryMiB must be a positive integer',
    ],
    [
      { kind: 'domain.stop', actionId: 'a', domainId: 'd1', timeoutMs: -1 },
      'timeoutMs must be a positive integer',
    ],
  ])('refuses %j with a reason', (job, reason) => {
    expect(agentJobProblem(job)).toBe(reason);
  });
});
