/**
 * The emulated host as the worker thread runs it: one PvHost, the domains the agent asked for (keyed by the
 * API's domain id), their console pumps, and a run loop that executes guests in bounded slices and yields
 * to the message queue between them, so requests and console traffic are served while guests run.
 * Guest-caused shutdowns are settled here as a toolstack does: reboot rebuilds the domain from its image,
 * anything else destroys it and reports why.
 */
import type { ShutdownReason } from '@xeno/contracts';
import { PvHost, type PvDomain } from '@xeno/xen-core/exec';
import { restoreDomain } from '@xeno/xen-core/snapshot/restore-domain';
import { saveDomain } from '@xeno/xen-core/snapshot/save-domain';
import { ConsolePump } from './console-pump';
import {
  HostError,
  type CreateDomainRequest,
  type FromWorker,
  type HostDomainInfo,
  type HostRequest,
  type HostSnapshot,
  type HostStats,
  type RestoreDomainRequest,
  type ToWorker,
} from './host-protocol';

/** Console backend buffer: small, because the pump's credit is what bounds console memory. */
const CONSOLE_OUTPUT_LIMIT = 64 * 1024;

/** Instructions per run() call: small enough that messages wait at most a few ms. */
const RUN_SLICE_INSTRUCTIONS = 1_000_000;

interface PendingShutdown {
  kind: 'stop' | 'reboot';
  timer: NodeJS.Timeout;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface HostedDomain {
  request: CreateDomainRequest;
  dom: PvDomain;
  pump: ConsolePump;
  /** Online flags of the vCPUs saved by pause (undefined: not paused). */
  pausedOnline: boolean[] | undefined;
  pending: PendingShutdown | undefined;
  /** Instructions of earlier incarnations (before guest reboots). */
  earlierInstructions: number;
  /** Saved for a move: held by the scheduler until thawed or destroyed. */
  frozen: boolean;
}

export type PostMessage = (message: FromWorker, transfer?: ArrayBuffer[]) => void;

export class HostRuntime {
  private readonly host: PvHost;
  private readonly domains = new Map<string, HostedDomain>();
  private instructions = 0;
  private busyMs = 0;
  private closed = false;
  private wakeIdle: (() => void) | undefined;
  readonly loopDone: Promise<void>;

  constructor(
    memoryMiB: number,
    private readonly post: PostMessage,
  ) {
    // realtime: guest clocks follow the wall clock while every vCPU is blocked (a cloud guest's sleep 1 is 1 s).
    this.host = new PvHost({ memoryMiB, idleTime: 'realtime', log: () => undefined });
    this.loopDone = this.loop();
  }

  receive(message: ToWorker): void {
    switch (message.type) {
      case 'request':
        this.handle(message.request).then(
          (value) => this.post({ type: 'reply', id: message.id, ok: true, value }),
          (error: unknown) => {
            const code = error instanceof HostError ? error.code : 'REFUSED';
            this.post({
              type: 'reply',
              id: message.id,
              ok: false,
              code,
              error: String((error as Error).message),
            });
          },
        );
        break;
      case 'console-input':
        this.domains.get(message.domainId)?.pump.queueInput(message.data);
        this.pumpConsoles();
        break;
      case 'console-ack':
        this.domains.get(message.domainId)?.pump.acknowledge(message.bytes);
        this.pumpConsoles();
        break;
      case 'close':
        void this.close();
        return;
    }
    this.wakeIdle?.();
  }

  private async handle(request: HostRequest): Promise<unknown> {
    switch (request.op) {
      case 'create':
        return this.create(request);
      case 'restore':
        return this.restore(request);
      case 'save':
        return this.save(this.find(request.domainId));
      case 'thaw':
        return this.info(this.thaw(this.find(request.domainId)));
      case 'start': {
        const hosted = this.find(request.domainId);
        this.host.unpause(hosted.dom.exec.id);
        return this.info(hosted);
      }
      case 'stop':
        return this.shutdown(this.find(request.domainId), 'stop', request.timeoutMs);
      case 'reboot':
        return this.shutdown(this.find(request.domainId), 'reboot', request.timeoutMs);
      case 'pause':
        return this.info(this.pause(this.find(request.domainId)));
      case 'resume':
        return this.info(this.resume(this.find(request.domainId)));
      case 'destroy': {
        const hosted = this.domains.get(request.domainId);
        if (hosted) this.remove(hosted, 'destroyed');
        return { existed: hosted !== undefined };
      }
      case 'info': {
        const hosted = this.domains.get(request.domainId);
        return hosted ? this.info(hosted) : null;
      }
      case 'stats':
        return this.stats();
    }
  }

  private find(domainId: string): HostedDomain {
    const hosted = this.domains.get(domainId);
    if (!hosted) throw new HostError('NOT_FOUND', `domain ${domainId} is not on this host`);
    return hosted;
  }

  private create(request: CreateDomainRequest): HostDomainInfo {
    const { domainId } = request.spec;
    if (this.domains.has(domainId)) throw new HostError('CONFLICT', `domain ${domainId} already exists`);
    const pump = new ConsolePump((data) =>
      this.post({ type: 'console', domainId, data }, [data.buffer as ArrayBuffer]),
    );
    const hosted: HostedDomain = {
      request,
      dom: this.build(request, pump, true),
      pump,
      pausedOnline: undefined,
      pending: undefined,
      earlierInstructions: 0,
      frozen: false,
    };
    this.domains.set(domainId, hosted);
    return this.info(hosted);
  }

  /**
   * Freeze and save a domain for a move. Its console is drained completely first (ring → backend → main
   * thread, credit or not), so the chunks are posted before the reply and the relay has every byte the
   * guest printed. The tenant's pause (vCPUs offline) is undone for the save only: the snapshot records the
   * guest's own vCPU state and `paused` says to pause it again on the target.
   */
  private save(hosted: HostedDomain): HostSnapshot {
    const { domainId, name } = hosted.request.spec;
    if (hosted.pending) throw new HostError('CONFLICT', `a ${hosted.pending.kind} is in progress`);
    const id = hosted.dom.exec.id;
    this.host.sched.setPaused(id, true);
    hosted.frozen = true;
    const paused = hosted.pausedOnline;
    if (paused) hosted.dom.exec.vcpus.forEach((v, i) => (v.online = paused[i]));
    try {
      this.drainConsole(hosted);
      const xen = saveDomain(this.host, id, name).bytes;
      this.drainConsole(hosted);
      return { domainId, xen, paused: paused !== undefined, pendingInput: hosted.pump.queuedInput() };
    } catch (error) {
      this.thaw(hosted);
      throw new HostError('REFUSED', `cannot save domain ${domainId}: ${(error as Error).message}`);
    } finally {
      if (paused) for (const v of hosted.dom.exec.vcpus) v.online = false;
    }
  }

  private drainConsole(hosted: HostedDomain): void {
    do hosted.pump.flushOutput();
    while (hosted.dom.exec.console.service());
    hosted.pump.flushOutput();
  }

  private thaw(hosted: HostedDomain): HostedDomain {
    if (hosted.frozen) {
      this.host.sched.setPaused(hosted.dom.exec.id, false);
      hosted.frozen = false;
      this.host.wake();
    }
    return hosted;
  }

  /**
   * A domain saved elsewhere, rebuilt here under the same API domain id (new domid and frames). It keeps
   * its CreateDomainRequest, so a reboot later rebuilds it from the image as for any other domain.
   */
  private restore(request: RestoreDomainRequest): HostDomainInfo {
    const { spec } = request.create;
    const { domainId } = spec;
    if (this.domains.has(domainId)) throw new HostError('CONFLICT', `domain ${domainId} already exists`);
    if (request.snapshot.domainId !== domainId)
      throw new HostError(
        'REFUSED',
        `the snapshot is of domain ${request.snapshot.domainId}, not of ${domainId}`,
      );
    const pump = new ConsolePump((data) =>
      this.post({ type: 'console', domainId, data }, [data.buffer as ArrayBuffer]),
    );
    let dom: PvDomain;
    try {
      dom = restoreDomain(this.host, request.snapshot.xen, {
        name: spec.name,
        console: { outputLimit: CONSOLE_OUTPUT_LIMIT },
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new HostError(
        'REFUSED',
        `cannot restore domain ${domainId}: ${typeof code === 'string' ? `${code}: ` : ''}${(error as Error).message}`,
      );
    }
    pump.attach(dom.exec.console);
    if (request.snapshot.pendingInput.length > 0) pump.queueInput(request.snapshot.pendingInput);
    const hosted: HostedDomain = {
      request: request.create,
      dom,
      pump,
      pausedOnline: undefined,
      pending: undefined,
      earlierInstructions: 0,
      frozen: false,
    };
    this.domains.set(domainId, hosted);
    // Synchronous since restoreDomain: no guest instruction ran in between.
    if (request.snapshot.paused) this.pause(hosted);
    return this.info(hosted);
  }

  /** createDomain, with its failures (no memory, bad image) turned into a refusal the job can report. */
  private build(request: CreateDomainRequest, pump: ConsolePump, paused: boolean): PvDomain {
    const { spec } = request;
    let dom: PvDomain;
    try {
      dom = this.host.createDomain({
        name: spec.name,
        image: request.kernel,
        ramdisk: request.ramdisk,
        memoryMiB: spec.memoryMiB,
        vcpus: spec.vcpus,
        cmdline: spec.cmdline,
        // Small backend buffer: the pump's credit is what bounds console memory.
        console: { outputLimit: CONSOLE_OUTPUT_LIMIT },
        paused,
      });
    } catch (error) {
      throw new HostError('REFUSED', `cannot build domain ${spec.domainId}: ${(error as Error).message}`);
    }
    pump.attach(dom.exec.console);
    return dom;
  }

  /** Clean stop or reboot through xenstore (control/shutdown), forced when the guest ignores it. */
  private shutdown(hosted: HostedDomain, kind: 'stop' | 'reboot', timeoutMs: number): Promise<unknown> {
    if (hosted.pending) throw new HostError('CONFLICT', `a ${hosted.pending.kind} is already in progress`);
    if (hosted.pausedOnline) this.resume(hosted); // a paused guest could not react to the request
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (hosted.pending?.timer !== timer) return;
        hosted.pending = undefined;
        if (kind === 'stop') {
          this.remove(hosted, 'destroyed');
          resolve({ shutdownReason: 'destroyed' satisfies ShutdownReason });
        } else {
          this.rebuild(hosted);
          resolve(this.info(hosted));
        }
      }, timeoutMs);
      hosted.pending = { kind, timer, resolve, reject };
      this.host.requestShutdown(hosted.dom.exec.id, kind === 'stop' ? 'poweroff' : 'reboot');
      this.wakeIdle?.();
    });
  }

  private pause(hosted: HostedDomain): HostedDomain {
    if (hosted.pending) throw new HostError('CONFLICT', `domain is being ${hosted.pending.kind}ped`);
    if (!hosted.pausedOnline) {
      hosted.pausedOnline = hosted.dom.exec.vcpus.map((v) => v.online);
      for (const v of hosted.dom.exec.vcpus) v.online = false;
    }
    return hosted;
  }

  private resume(hosted: HostedDomain): HostedDomain {
    const saved = hosted.pausedOnline;
    if (saved) {
      hosted.dom.exec.vcpus.forEach((v, i) => (v.online = saved[i]));
      hosted.pausedOnline = undefined;
      this.host.wake();
    }
    return hosted;
  }

  private rebuild(hosted: HostedDomain): void {
    hosted.pump.pump();
    hosted.earlierInstructions += hosted.dom.exec.instructions;
    this.host.destroyDomain(hosted.dom.exec.id);
    hosted.dom = this.build(hosted.request, hosted.pump, false);
    hosted.pausedOnline = undefined;
  }

  /** Destroy a domain; settles a pending stop/reboot request with the reason it ended. */
  private remove(hosted: HostedDomain, reason: ShutdownReason, detail?: string): void {
    hosted.pump.pump();
    this.host.destroyDomain(hosted.dom.exec.id);
    this.domains.delete(hosted.request.spec.domainId);
    const pending = hosted.pending;
    hosted.pending = undefined;
    if (!pending) return;
    clearTimeout(pending.timer);
    if (pending.kind === 'stop') pending.resolve({ shutdownReason: reason });
    else
      pending.reject(
        new HostError(
          'CONFLICT',
          `the guest ended (${reason}${detail ? `: ${detail}` : ''}) instead of rebooting`,
        ),
      );
  }

  /** Guests that shut themselves down (or were asked to): rebuild on reboot, destroy otherwise. */
  private settleShutdowns(): void {
    for (const hosted of [...this.domains.values()]) {
      const shutdown = hosted.dom.exec.shutdown;
      if (!shutdown) continue;
      const reason = shutdownReasonOf(shutdown.name);
      const domainId = hosted.request.spec.domainId;
      if (reason === 'reboot' && hosted.pending?.kind !== 'stop') {
        const pending = hosted.pending;
        hosted.pending = undefined;
        if (pending) clearTimeout(pending.timer);
        this.rebuild(hosted);
        if (pending) pending.resolve(this.info(hosted));
        else this.post({ type: 'domain-rebooted', domainId, domid: hosted.dom.exec.id });
        continue;
      }
      const requested = hosted.pending !== undefined;
      this.remove(hosted, reason, shutdown.detail);
      if (!requested) this.post({ type: 'domain-exit', domainId, reason, detail: shutdown.detail });
    }
  }

  private pumpConsoles(): void {
    for (const hosted of this.domains.values()) hosted.pump.pump();
  }

  private info(hosted: HostedDomain): HostDomainInfo {
    const { spec } = hosted.request;
    const exec = hosted.dom.exec;
    const started = exec.vcpus.some((v) => v.online) || hosted.pausedOnline !== undefined;
    return {
      domainId: spec.domainId,
      domid: exec.id,
      name: spec.name,
      imageId: spec.imageId,
      state: hosted.pending
        ? 'stopping'
        : hosted.pausedOnline || hosted.frozen || !started
          ? 'paused'
          : 'running',
      memoryMiB: spec.memoryMiB,
      reservationMiB: Math.round(exec.domain.totPages / 256),
      vcpus: spec.vcpus,
      instructions: hosted.earlierInstructions + exec.instructions,
    };
  }

  private stats(): HostStats {
    const domains = [...this.domains.values()].map((hosted) => this.info(hosted));
    let consoleDroppedBytes = 0;
    for (const hosted of this.domains.values())
      consoleDroppedBytes += hosted.dom.exec.console.stats.droppedOut;
    return {
      domains,
      instructions: this.instructions,
      busyMs: this.busyMs,
      memoryUsedMiB: domains.reduce((sum, d) => sum + d.memoryMiB, 0),
      consoleDroppedBytes,
    };
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      const started = performance.now();
      const result = this.host.run(RUN_SLICE_INSTRUCTIONS);
      this.busyMs += performance.now() - started;
      this.instructions += result.instructions;
      this.settleShutdowns();
      this.pumpConsoles();
      if (result.reason === 'budget') await new Promise((resolve) => setImmediate(resolve));
      else await this.idle(result.sleepNs);
    }
  }

  /** Wait for a timer deadline, an event for a blocked vCPU, or a message. */
  private idle(sleepNs: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeIdle === done) this.wakeIdle = undefined;
        resolve();
      };
      this.wakeIdle = done;
      if (sleepNs !== undefined) timer = setTimeout(done, Math.max(1, Math.ceil(sleepNs / 1e6)));
      void this.host.whenRunnable().then(done);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeIdle?.();
    await this.loopDone;
    for (const hosted of [...this.domains.values()]) this.remove(hosted, 'destroyed');
    this.post({ type: 'closed' });
  }
}

function shutdownReasonOf(name: string): ShutdownReason {
  switch (name) {
    case 'poweroff':
    case 'reboot':
    case 'suspend':
    case 'crash':
    case 'watchdog':
      return name;
    default:
      return 'crash'; // soft_reset and unknown codes: the guest cannot continue as it is
  }
}
