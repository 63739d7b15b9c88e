/**
 * Carries out the lifecycle jobs of this agent's queue against the DomainHost. Jobs are validated first
 * (agentJobProblem); a refused job throws JobRefusedError, which the queue worker turns into BullMQ's
 * UnrecoverableError so it is not retried. Handlers are idempotent: a completed actionId returns its journalled
 * result, a start for a domain already here reports it running, stop/destroy of a domain not here report it
 * stopped. Every outcome is also sent as an AgentDomainEvent (deduplicated per action and state).
 *
 * Moves: `domain.snapshot` freezes the domain, waits until its console output is all in Redis, stores the
 * snapshot (move-snapshot.ts) under the job's key with a TTL, then destroys the domain (thenDestroy) or
 * lets it run on; any failure before the store lets it run on too, so a failed move loses nothing.
 * `domain.start` with `restoreSnapshotKey` restores that snapshot instead of booting the image.
 */
import {
  agentJobProblem,
  DOMAIN_SNAPSHOT_TTL_SECONDS,
  type AgentJob,
  type AgentJobResult,
  type DomainState,
} from '@xeno/contracts';
import type { ImageStore } from '@xeno/images';
import type { ActionJournal } from './action-journal';
import type { ConsoleRelay } from './console-relay';
import type { DomainEventPublisher } from './domain-event-publisher';
import type { DomainHost } from './host/domain-host';
import { HostError } from './host/host-protocol';
import { decodeMoveSnapshot, encodeMoveSnapshot, type MoveSnapshot } from './move-snapshot';
import type { SnapshotStore } from './snapshot-store';

/** How long a reboot waits for the guest before rebuilding it by force. */
const REBOOT_TIMEOUT_MS = 30_000;
/** How long a snapshot waits for the domain's console output to reach Redis (then the job is retried). */
const CONSOLE_FLUSH_TIMEOUT_MS = 10_000;

type SnapshotJob = Extract<AgentJob, { kind: 'domain.snapshot' }>;
type StartJob = Extract<AgentJob, { kind: 'domain.start' }>;

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
    private readonly snapshots: SnapshotStore,
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

  /**
   * BullMQ will not try a job again. A snapshot that never got stored left the domain running here (each
   * attempt thaws it), so say so: the API then ends the move with the domain where it is. Other kinds stay
   * as dead letters for an admin, their domain's state unknown to this handler.
   */
  gaveUp(data: unknown, reason: string): void {
    if (agentJobProblem(data)) return;
    const job = data as AgentJob;
    if (job.kind === 'domain.snapshot' && !this.journal.get(job.actionId))
      this.report(job.domainId, job.actionId, 'error', reason);
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
        if (job.restoreSnapshotKey) return this.restore(job, job.restoreSnapshotKey);
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
        return this.snapshot(job);
    }
  }

  private async snapshot(job: SnapshotJob): Promise<AgentJobResult> {
    const { actionId, domainId, snapshotKey } = job;
    const present = await this.host.info(domainId);
    if (!present) {
      // An earlier attempt stored the snapshot and destroyed the domain, but did not get to journal it.
      if (job.thenDestroy && (await this.snapshots.exists(snapshotKey)))
        return { actionId, domainId, state: 'stopped', shutdownReason: 'destroyed' };
      throw new JobRefusedError(`domain ${domainId} is not on agent ${this.agentId}`);
    }
    const saved = await this.host.save(domainId);
    let bytes: Buffer;
    try {
      const consoleNextSeq = await this.consoles.flush(domainId, CONSOLE_FLUSH_TIMEOUT_MS);
      const move: MoveSnapshot = { snapshot: saved, imageId: present.imageId, consoleNextSeq };
      bytes = encodeMoveSnapshot(move);
      await this.snapshots.put(snapshotKey, bytes, DOMAIN_SNAPSHOT_TTL_SECONDS);
    } catch (error) {
      await this.host.thaw(domainId).catch(() => undefined);
      throw error;
    }
    if (!job.thenDestroy) {
      const info = await this.host.thaw(domainId);
      return { actionId, domainId, state: info.state, snapshotBytes: bytes.length };
    }
    await this.host.destroy(domainId);
    await this.consoles.close(domainId);
    return { actionId, domainId, state: 'stopped', shutdownReason: 'destroyed', snapshotBytes: bytes.length };
  }

  /** The target side of a move: the stored snapshot restored here under the same domain id. */
  private async restore(job: StartJob, snapshotKey: string): Promise<AgentJobResult> {
    const { actionId, domainId, spec } = job;
    const stored = await this.snapshots.get(snapshotKey);
    if (!stored) throw new JobRefusedError(`no snapshot under ${snapshotKey} (expired, or never stored)`);
    let move: MoveSnapshot;
    try {
      move = decodeMoveSnapshot(stored);
    } catch (error) {
      throw new JobRefusedError(`the snapshot under ${snapshotKey} is damaged: ${(error as Error).message}`);
    }
    if (move.snapshot.domainId !== domainId)
      throw new JobRefusedError(`the snapshot under ${snapshotKey} is of domain ${move.snapshot.domainId}`);
    if (move.imageId !== spec.imageId)
      throw new JobRefusedError(`the snapshot is of image ${move.imageId}, the domain's is ${spec.imageId}`);
    this.report(domainId, actionId, 'starting');
    let image;
    try {
      image = this.images.load(spec.imageId);
    } catch (error) {
      throw new JobRefusedError((error as Error).message);
    }
    await this.consoles.open(domainId, move.consoleNextSeq);
    let info;
    try {
      info = await this.host.restore({
        op: 'restore',
        create: { op: 'create', spec, kernel: image.kernel, ramdisk: image.ramdisk },
        snapshot: move.snapshot,
      });
    } catch (error) {
      await this.consoles.close(domainId);
      throw error;
    }
    // Restored: a retry finds the domain here, so the snapshot is no longer needed.
    await this.snapshots.delete(snapshotKey).catch(() => undefined);
    return { actionId, domainId, state: info.state === 'paused' ? 'paused' : 'running' };
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
