/**
 * Carries out the lifecycle jobs of this agent's queue against the DomainHost. Jobs are validated first
 * (agentJobProblem); a refused job throws JobRefusedError, which the queue worker turns into BullMQ's
 * UnrecoverableError so it is not retried. Handlers are idempotent: a completed actionId returns its journalled
 * result, a start for a domain already here reports it running, stop/destroy of a domain not here report it
 * stopped. Every outcome is also sent as an AgentDomainEvent (deduplicated per action and state).
 */
import { agentJobProblem, type AgentJob, type AgentJobResult, type DomainState } from '@xeno/contracts';
import type { ImageStore } from '@xeno/images';
import type { ActionJournal } from './action-journal';
import type { ConsoleRelay } from './console-relay';
import type { DomainEventPublisher } from './domain-event-publisher';
import type { DomainHost } from './host/domain-host';
import { HostError } from './host/host-protocol';

/** How long a reboot waits for the guest before rebuilding it by force. */
const REBOOT_TIMEOUT_MS = 30_000;

export class JobRefusedError extends Error {
  override readonly name = 'JobRefusedError';
}

export class LifecycleJobs {
  constructor(
    private readonly agentId: string,
    private readonly host: DomainHost,
    private readonly images: ImageStore,
    private readonly journal: ActionJournal,
    private readonly consoles: ConsoleRelay,
    private readonly events: DomainEventPublisher,
  ) {}

  async handle(data: unknown): Promise<AgentJobResult> {
    const problem = agentJobProblem(data);
    if (problem) {
      const job = (typeof data === 'object' && data !== null ? data : {}) as Partial<AgentJob>;
      if (typeof job.domainId === 'string' && job.domainId !== '')
        this.report(job.domainId, job.actionId, 'error', `job refused: ${problem}`);
      throw new JobRefusedError(problem);
    }
    const job = data as AgentJob;
    const done = this.journal.get(job.actionId);
    if (done) {
      this.report(done.domainId, done.actionId, done.state, undefined, done.shutdownReason);
      return done;
    }
    let result: AgentJobResult;
    try {
      result = await this.run(job);
    } catch (error) {
      // The host's refusals (unknown domain, wrong state, does not fit) are final; anything else is transient.
      if (!(error instanceof HostError || error instanceof JobRefusedError)) throw error;
      this.report(job.domainId, job.actionId, 'error', error.message);
      throw new JobRefusedError(error.message);
    }
    this.journal.record(result);
    this.report(result.domainId, result.actionId, result.state, undefined, result.shutdownReason);
    return result;
  }

  private async run(job: AgentJob): Promise<AgentJobResult> {
    const { actionId, domainId } = job;
    const result = (state: DomainState, extra: Partial<AgentJobResult> = {}): AgentJobResult => ({
      actionId,
      domainId,
      state,
      ...extra,
    });
    switch (job.kind) {
      case 'domain.start': {
        const present = await this.host.info(domainId);
        if (present) return result(present.state === 'paused' ? 'paused' : 'running');
        if (job.restoreSnapshotKey)
          throw new JobRefusedError('restoring from a snapshot is not supported by this agent yet');
        this.report(domainId, actionId, 'starting');
        let image;
        try {
          image = this.images.load(job.spec.imageId);
        } catch (error) {
          throw new JobRefusedError((error as Error).message);
        }
        await this.consoles.open(domainId);
        try {
          await this.host.create({
            op: 'create',
            spec: job.spec,
            kernel: image.kernel,
            ramdisk: image.ramdisk,
          });
          await this.host.start(domainId);
        } catch (error) {
          await this.consoles.close(domainId);
          await this.host.destroy(domainId).catch(() => undefined);
          throw error;
        }
        return result('running');
      }
      case 'domain.stop': {
        if (!(await this.host.info(domainId))) return result('stopped', { shutdownReason: 'destroyed' });
        const { shutdownReason } = await this.host.stop(domainId, job.timeoutMs);
        await this.consoles.close(domainId);
        return result(shutdownReason === 'crash' ? 'crashed' : 'stopped', { shutdownReason });
      }
      case 'domain.destroy': {
        await this.host.destroy(domainId);
        await this.consoles.close(domainId);
        return result('stopped', { shutdownReason: 'destroyed' });
      }
      case 'domain.reboot':
        await this.host.reboot(domainId, REBOOT_TIMEOUT_MS);
        return result('running');
      case 'domain.pause':
        await this.host.pause(domainId);
        return result('paused');
      case 'domain.resume':
        await this.host.resume(domainId);
        return result('running');
      case 'domain.snapshot':
        throw new JobRefusedError('snapshots are not supported by this agent yet');
    }
  }

  private report(
    domainId: string,
    actionId: string | undefined,
    state: DomainState,
    detail?: string,
    shutdownReason?: AgentJobResult['shutdownReason'],
  ): void {
    this.events.publish(
      {
        agentId: this.agentId,
        domainId,
        ...(actionId ? { actionId } : {}),
        state,
        ...(shutdownReason ? { shutdownReason } : {}),
        ...(detail ? { detail } : {}),
      },
      actionId ? `${actionId}:${state}` : undefined,
    );
  }
}
