/** Flow-control limits of the console gateway (per viewer unless said otherwise). */
export interface ConsoleLimits {
  /** Output queued for one viewer before its oldest output is skipped. */
  maxQueuedBytes: number;
  /** Output messages sent to one viewer and not yet acknowledged by it. */
  maxInFlight: number;
  /** Input (typing, paste) waiting to be paced into the guest's ring before more is refused. */
  maxPendingInputBytes: number;
  /** Input published per pacing tick, and the tick: the Xen console input ring holds 1 KiB. */
  inputBytesPerTick: number;
  inputTickMs: number;
}

export const DEFAULT_CONSOLE_LIMITS: ConsoleLimits = {
  maxQueuedBytes: 256 * 1024,
  maxInFlight: 4,
  maxPendingInputBytes: 256 * 1024,
  inputBytesPerTick: 512,
  inputTickMs: 10,
};
