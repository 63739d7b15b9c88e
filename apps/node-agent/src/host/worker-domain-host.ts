/**
 * DomainHost over a worker thread running HostRuntime: the guests execute off the agent's event loop, so
 * sockets, BullMQ and heartbeats are served however busy the guests are.
 */
import type { ShutdownReason } from '@xeno/contracts';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DomainHost, DomainHostEvents } from './domain-host';
import {
  HostError,
  type CreateDomainRequest,
  type FromWorker,
  type HostDomainInfo,
  type HostReplies,
  type HostRequest,
  type HostSnapshot,
  type HostStats,
  type RestoreDomainRequest,
  type ToWorker,
} from './host-protocol';

export interface WorkerDomainHostOptions {
  /** Machine memory of the emulated host. */
  memoryMiB: number;
  /** Compiled worker entry (default: host-worker.js next to this file, as built into dist). */
  workerEntry?: string;
}

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class WorkerDomainHost extends EventEmitter implements DomainHost {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private failure: Error | undefined;
  private closing = false;

  constructor(options: WorkerDomainHostOptions) {
    super();
    this.worker = new Worker(options.workerEntry ?? path.join(__dirname, 'host-worker.js'), {
      workerData: { memoryMiB: options.memoryMiB },
    });
    this.worker.on('message', (message: FromWorker) => this.receive(message));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`host worker exited with code ${code}`));
    });
  }

  override on<E extends keyof DomainHostEvents>(event: E, listener: DomainHostEvents[E]): this {
    return super.on(event, listener);
  }

  create(request: CreateDomainRequest): Promise<HostDomainInfo> {
    const transfer = [request.kernel.buffer, ...(request.ramdisk ? [request.ramdisk.buffer] : [])];
    return this.request(request, transfer as ArrayBuffer[]);
  }
  restore(request: RestoreDomainRequest): Promise<HostDomainInfo> {
    // Copies, not transfers: the caller may still need the bytes (a retry after a refusal).
    return this.request(request);
  }
  save(domainId: string): Promise<HostSnapshot> {
    return this.request({ op: 'save', domainId });
  }
  thaw(domainId: string): Promise<HostDomainInfo> {
    return this.request({ op: 'thaw', domainId });
  }
  start(domainId: string): Promise<HostDomainInfo> {
    return this.request({ op: 'start', domainId });
  }
  stop(domainId: string, timeoutMs: number): Promise<{ shutdownReason: ShutdownReason }> {
    return this.request({ op: 'stop', domainId, timeoutMs });
  }
  reboot(domainId: string, timeoutMs: number): Promise<HostDomainInfo> {
    return this.request({ op: 'reboot', domainId, timeoutMs });
  }
  pause(domainId: string): Promise<HostDomainInfo> {
    return this.request({ op: 'pause', domainId });
  }
  resume(domainId: string): Promise<HostDomainInfo> {
    return this.request({ op: 'resume', domainId });
  }
  destroy(domainId: string): Promise<{ existed: boolean }> {
    return this.request({ op: 'destroy', domainId });
  }
  info(domainId: string): Promise<HostDomainInfo | null> {
    return this.request({ op: 'info', domainId });
  }
  stats(): Promise<HostStats> {
    return this.request({ op: 'stats' });
  }

  sendConsoleInput(domainId: string, data: Uint8Array): void {
    this.send({ type: 'console-input', domainId, data });
  }

  acknowledgeConsole(domainId: string, bytes: number): void {
    this.send({ type: 'console-ack', domainId, bytes });
  }

  /** Destroys every domain and ends the worker. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (!this.failure) {
      const closed = new Promise<void>((resolve) => this.once('closed', resolve));
      this.send({ type: 'close' });
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    }
    await this.worker.terminate();
  }

  private request<O extends HostRequest['op']>(
    request: Extract<HostRequest, { op: O }>,
    transfer: ArrayBuffer[] = [],
  ): Promise<HostReplies[O]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<HostReplies[O]>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ type: 'request', id, request } satisfies ToWorker, transfer);
    });
  }

  private send(message: ToWorker): void {
    if (!this.failure) this.worker.postMessage(message);
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case 'reply': {
        const waiting = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        if (message.ok) waiting?.resolve(message.value);
        else waiting?.reject(new HostError(message.code, message.error));
        return;
      }
      case 'console':
        this.emit('console', message.domainId, message.data);
        return;
      case 'domain-exit':
        this.emit('exit', message.domainId, message.reason, message.detail);
        return;
      case 'domain-rebooted':
        this.emit('rebooted', message.domainId);
        return;
      case 'closed':
        this.emit('closed');
        return;
    }
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
    this.emit('failed', error);
  }
}
