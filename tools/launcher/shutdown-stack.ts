import { ManagedProcess } from '../infra';

/** Thrown into the start-up sequence when a shutdown began while it was still running. */
export class ShutdownInProgress extends Error {
  constructor() {
    super('shutdown in progress');
  }
}

interface Step {
  name: string;
  stop: () => Promise<void>;
}

/**
 * What the launcher started, stopped in reverse order: agents and the API before the Redis and
 * Postgres they use. A signal can arrive at any moment of start-up; anything registered after
 * that is stopped immediately, and the start-up sequence is told to give up.
 */
export class ShutdownStack {
  private readonly steps: Step[] = [];
  private unwinding: Promise<void> | undefined;

  constructor(private readonly log: (line: string) => void) {}

  get isStopping(): boolean {
    return this.unwinding !== undefined;
  }

  async push(name: string, stop: () => Promise<void>): Promise<void> {
    if (this.unwinding) {
      await this.runStep({ name, stop });
      throw new ShutdownInProgress();
    }
    this.steps.push({ name, stop });
  }

  /** Idempotent: every caller gets the same completion. */
  run(): Promise<void> {
    this.unwinding ??= this.unwind();
    return this.unwinding;
  }

  private async unwind(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) await this.runStep(step);
    // Safety net for a process started but not yet registered when the signal came.
    await ManagedProcess.stopAll();
  }

  private async runStep(step: Step): Promise<void> {
    this.log(`stopping ${step.name}`);
    try {
      await step.stop();
    } catch (error) {
      this.log(`failed to stop ${step.name}: ${String(error)}`);
    }
  }
}
