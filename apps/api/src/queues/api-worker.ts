import { Worker, type Processor, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * A BullMQ worker of the API, started only once the shared Redis client is ready and closed in the order
 * BullMQ needs. A worker created against an unreachable Redis leaves connection promises that reject after
 * close() (unhandled ECONNREFUSED), and closing one while it still initialises its blocking connection
 * makes it disconnect() rather than QUIT, rejecting its fire-and-forget init commands ("Connection is
 * closed") — so close() lets that initialisation finish first, briefly (with Redis away it never does).
 */
export class ApiWorker {
  private worker: Worker | undefined;
  private stopping = false;

  /** `options.connection` should be connection options, not a client: the worker then owns its connections. */
  constructor(
    private readonly redis: Redis,
    private readonly queue: string,
    private readonly processor: Processor,
    private readonly options: WorkerOptions,
    /** Listeners for the worker once it exists ('failed', 'error'). */
    private readonly setUp: (worker: Worker) => void,
  ) {}

  start(): void {
    if (this.redis.status === 'ready') this.startNow();
    else this.redis.once('ready', this.startNow);
  }

  async close(): Promise<void> {
    this.stopping = true;
    this.redis.off('ready', this.startNow);
    const worker = this.worker;
    if (!worker) return;
    await Promise.race([
      worker.waitUntilReady().catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
    ]);
    await worker.close().catch(() => undefined);
  }

  private readonly startNow = (): void => {
    if (this.worker || this.stopping) return;
    this.worker = new Worker(this.queue, this.processor, this.options);
    this.setUp(this.worker);
  };
}
