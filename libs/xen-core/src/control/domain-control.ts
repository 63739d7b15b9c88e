/**
 * The Dom0 control API the node agent calls (what libxl/xl offer): create, pause/unpause, clean
 * shutdown through xenstore with a timeout, destroy, reboot, scheduler parameters, memory target,
 * info/list, console streams and state-change events. It drives a PvHost inline; the embedder runs
 * `host.run()` and calls `service()` afterwards, which notices state changes and enforces shutdown
 * timeouts (measured in host system time, so deterministic under `idleTime: 'jump'`).
 *
 * Every operation validates its arguments and throws a ControlError with a stable code. Destroy
 * always succeeds for an existing domain and frees everything (memory, ports, grants, xenstore).
 */
import type { Readable, Writable } from 'node:stream';
import { BuildError, XenCoreError } from '../errors';
import type { PvHost } from '../exec/pv-host';
import type { ShutdownRequest } from '../xenstore/domain-layout';
import { domainPath } from '../xenstore/paths';
import { restoreDomain } from '../snapshot/restore-domain';
import { saveDomain } from '../snapshot/save-domain';
import { SnapshotError } from '../snapshot/codec';
import { ControlError } from './control-error';
import { domainState, type DomainState } from './domain-state';

export interface CreateSpec {
  name: string;
  image: Uint8Array;
  ramdisk?: Uint8Array;
  memoryMiB: number;
  /** Balloon ceiling (default memoryMiB). */
  maxMemoryMiB?: number;
  vcpus?: number;
  cmdline?: string;
  weight?: number;
  cap?: number;
  /** Start paused (default true, as `xl create -p`; call unpause). */
  paused?: boolean;
}

export interface DomainInfo {
  domid: number;
  name: string;
  state: DomainState;
  /** poweroff, reboot, crash, … once shut down. */
  shutdownReason?: string;
  shutdownDetail?: string;
  memoryKiB: number;
  maxMemoryKiB: number;
  targetKiB: number;
  vcpus: number;
  weight: number;
  cap: number;
  /** ns of CPU charged by the scheduler (instructions + exits). */
  cpuTimeNs: number;
  instructionsRetired: number;
  hypercalls: number;
  exits: number;
  /** Event-channel notifications the guest sent (EVTCHNOP_send), raised on its ports, and upcalls delivered. */
  eventsSent: number;
  eventsReceived: number;
  upcalls: number;
}

export interface StateEvent {
  domid: number;
  state: DomainState | 'destroyed';
  reason?: string;
}

interface Managed {
  name: string;
  /** How it was created (undefined for a restored domain, which cannot be rebooted from an image). */
  spec: CreateSpec | undefined;
  maxMemoryKiB: number;
  targetKiB: number;
  lastState: DomainState;
  shutdownDeadline?: bigint;
}

/** Largest vCPU count a domain may ask for (one shared-info vcpu_info slot each, as Xen's legacy 32). */
const MAX_VCPUS = 32;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export class DomainControl {
  private readonly managed = new Map<number, Managed>();
  private readonly listeners: Array<(e: StateEvent) => void> = [];

  constructor(readonly host: PvHost) {}

  /** Subscribe to state changes; returns the unsubscribe function. */
  onStateChange(f: (e: StateEvent) => void): () => void {
    this.listeners.push(f);
    return () => {
      const i = this.listeners.indexOf(f);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  create(spec: CreateSpec): DomainInfo {
    validateSpec(spec, this.host.sched.nrPcpus);
    this.checkNameFree(spec.name);
    const free = this.host.sys.host.allocator.freeFrames;
    if (spec.memoryMiB * 256 > free)
      throw new ControlError('OUT_OF_MEMORY', `${spec.memoryMiB} MiB requested, ${free >> 8} MiB free`);
    const domid = this.build(spec);
    return this.info(domid);
  }

  unpause(domid: number): void {
    const m = this.get(domid);
    if (m.lastState === 'shutdown' || m.lastState === 'crashed')
      throw new ControlError('BAD_STATE', `domain ${domid} has shut down`);
    this.host.sched.setPaused(domid, false);
    this.host.unpause(domid);
    this.service();
  }

  pause(domid: number): void {
    const m = this.get(domid);
    if (m.lastState === 'shutdown' || m.lastState === 'crashed')
      throw new ControlError('BAD_STATE', `domain ${domid} has shut down`);
    this.host.sched.setPaused(domid, true);
    this.service();
  }

  /**
   * Ask the guest to shut down (xenstore control/shutdown). If it has not shut down after
   * `timeoutNs` of host system time, `service()` destroys it.
   */
  shutdown(domid: number, opts: { what?: ShutdownRequest; timeoutNs?: bigint } = {}): void {
    const m = this.get(domid);
    const timeout = opts.timeoutNs ?? 10_000_000_000n;
    if (timeout <= 0n) throw new ControlError('INVALID_ARGUMENT', 'timeoutNs must be positive');
    if (!this.host.xenstore) throw new ControlError('BAD_STATE', 'clean shutdown needs xenstore');
    if (m.lastState === 'shutdown' || m.lastState === 'crashed') return;
    this.host.requestShutdown(domid, opts.what ?? 'poweroff');
    m.shutdownDeadline = this.host.clock.now() + timeout;
    // A paused guest cannot act on the request.
    if (this.host.sched.isPaused(domid)) this.unpause(domid);
  }

  /** Tear the domain down at once, whatever it is doing; frees all its resources. */
  destroy(domid: number, reason = 'destroyed'): void {
    this.get(domid);
    this.host.destroyDomain(domid);
    this.managed.delete(domid);
    this.emit({ domid, state: 'destroyed', reason });
  }

  /** Destroy and build again from the same spec, keeping the domid; returns running. */
  reboot(domid: number): DomainInfo {
    const m = this.get(domid);
    if (!m.spec)
      throw new ControlError('BAD_STATE', `domain ${domid} was restored from a snapshot and has no image`);
    const spec = { ...m.spec, paused: false };
    this.destroy(domid, 'reboot');
    this.build(spec, domid);
    return this.info(domid);
  }

  setSchedParams(domid: number, p: { weight?: number; cap?: number }): void {
    const m = this.get(domid);
    try {
      this.host.sched.setParams(domid, p);
    } catch (e) {
      throw asControlError(e);
    }
    if (m.spec) m.spec = { ...m.spec, ...p };
  }

  /** Balloon target: written to xenstore memory/target for the guest's balloon driver. */
  setMemoryTarget(domid: number, targetKiB: number): void {
    const m = this.get(domid);
    const maxKiB = m.maxMemoryKiB;
    if (!Number.isInteger(targetKiB) || targetKiB < 1024 || targetKiB > maxKiB)
      throw new ControlError('INVALID_ARGUMENT', `memory target must be 1024..${maxKiB} KiB`);
    this.host.xenstore?.client.write(`${domainPath(domid)}/memory/target`, String(targetKiB));
    m.targetKiB = targetKiB;
  }

  info(domid: number): DomainInfo {
    const m = this.get(domid);
    const dom = this.host.domains.get(domid)!;
    const { exec } = dom;
    const params = this.host.sched.params(domid);
    return {
      domid,
      name: m.name,
      state: domainState(exec, this.host.sched.isPaused(domid)),
      ...(exec.shutdown ? { shutdownReason: exec.shutdown.name } : {}),
      ...(exec.shutdown?.detail ? { shutdownDetail: exec.shutdown.detail } : {}),
      memoryKiB: exec.domain.totPages * 4,
      maxMemoryKiB: exec.domain.maxPages * 4,
      targetKiB: m.targetKiB,
      vcpus: exec.vcpus.length,
      weight: params.weight,
      cap: params.cap,
      cpuTimeNs: this.host.sched.cpuNs(domid),
      instructionsRetired: exec.instructions,
      hypercalls: exec.hypercalls,
      exits: exec.exits,
      ...this.eventCounts(domid, exec.upcalls),
    };
  }

  private eventCounts(domid: number, upcalls: number) {
    const { sent, received } = this.host.sys.events.counts(domid);
    return { eventsSent: sent, eventsReceived: received, upcalls };
  }

  list(): DomainInfo[] {
    return [...this.managed.keys()].sort((a, b) => a - b).map((d) => this.info(d));
  }

  /** Everything the guest prints on its console, in order. */
  consoleOutput(domid: number): Readable {
    this.get(domid);
    return this.host.domains.get(domid)!.exec.console.output;
  }

  /** Bytes written here are typed into the guest's console. */
  consoleInput(domid: number): Writable {
    this.get(domid);
    return this.host.domains.get(domid)!.exec.console.input;
  }

  /** Notice state changes and enforce shutdown timeouts; call after every host.run(). */
  service(): void {
    const now = this.host.clock.now();
    for (const [domid, m] of [...this.managed]) {
      const exec = this.host.domains.get(domid)!.exec;
      const state = domainState(exec, this.host.sched.isPaused(domid));
      if (state !== m.lastState) {
        m.lastState = state;
        this.emit({ domid, state, ...(exec.shutdown ? { reason: exec.shutdown.name } : {}) });
      }
      if (m.shutdownDeadline !== undefined && !exec.shutdown && now >= m.shutdownDeadline)
        this.destroy(domid, 'shutdown-timeout');
    }
  }

  private build(spec: CreateSpec, id?: number): number {
    let domid: number;
    try {
      domid = this.host.createDomain({
        id,
        name: spec.name,
        image: spec.image,
        ramdisk: spec.ramdisk,
        memoryMiB: spec.memoryMiB,
        maxMemoryMiB: spec.maxMemoryMiB,
        vcpus: spec.vcpus,
        cmdline: spec.cmdline,
        weight: spec.weight,
        cap: spec.cap,
        paused: spec.paused !== false,
      }).exec.id;
    } catch (e) {
      throw asControlError(e);
    }
    const paused = spec.paused !== false;
    this.host.sched.setPaused(domid, paused);
    this.managed.set(domid, {
      name: spec.name,
      spec,
      maxMemoryKiB: (spec.maxMemoryMiB ?? spec.memoryMiB) * 1024,
      targetKiB: spec.memoryMiB * 1024,
      lastState: paused ? 'paused' : 'running',
    });
    this.emit({ domid, state: paused ? 'paused' : 'running' });
    return domid;
  }

  /**
   * Save the domain to a byte stream (format: docs/xen-core.md, Snapshots). It is paused while
   * saving and afterwards runs again if it was running (like `xl save -c`); destroy it to move it.
   */
  save(domid: number): Uint8Array {
    const m = this.get(domid);
    const sched = this.host.sched;
    const wasPaused = sched.isPaused(domid);
    sched.setPaused(domid, true);
    try {
      return saveDomain(this.host, domid, m.name).bytes;
    } catch (e) {
      if (e instanceof SnapshotError)
        throw new ControlError('BAD_STATE', `cannot save domain ${domid}: ${e.message}`, e.code);
      throw e;
    } finally {
      if (!wasPaused) sched.setPaused(domid, false);
    }
  }

  /**
   * Restore a saved domain on this host under a new domid; it continues exactly where it was
   * saved once unpaused (paused by default, as `xl restore -p`). A truncated, corrupted or
   * wrong-version stream is BAD_SNAPSHOT; nothing is left allocated after any failure.
   */
  restore(bytes: Uint8Array, opts: { name?: string; paused?: boolean } = {}): DomainInfo {
    if (opts.name !== undefined) {
      if (typeof opts.name !== 'string' || !NAME_RE.test(opts.name))
        throw new ControlError('INVALID_ARGUMENT', 'name must be 1-64 of [A-Za-z0-9_.-]');
      this.checkNameFree(opts.name);
    }
    let domid: number;
    try {
      domid = restoreDomain(this.host, bytes, { name: opts.name }).exec.id;
    } catch (e) {
      if (e instanceof SnapshotError) throw new ControlError('BAD_SNAPSHOT', e.message, e.code);
      if (e instanceof XenCoreError && e.code === 'OUT_OF_MEMORY')
        throw new ControlError('OUT_OF_MEMORY', e.message, e.code);
      throw asControlError(e);
    }
    const exec = this.host.domains.get(domid)!.exec;
    const name = this.host.xenstore?.client.tryRead(`${domainPath(domid)}/name`) ?? opts.name ?? `d${domid}`;
    if ([...this.managed.values()].some((m) => m.name === name)) {
      this.host.destroyDomain(domid);
      throw new ControlError('INVALID_ARGUMENT', `a domain named ${name} exists`);
    }
    const paused = opts.paused !== false;
    this.host.sched.setPaused(domid, paused);
    const maxMemoryKiB = exec.domain.maxPages * 4;
    const target = Number(this.host.xenstore?.client.tryRead(`${domainPath(domid)}/memory/target`));
    const state = domainState(exec, paused);
    this.managed.set(domid, {
      name,
      spec: undefined,
      maxMemoryKiB,
      targetKiB: Number.isInteger(target) && target > 0 ? target : maxMemoryKiB,
      lastState: state,
    });
    this.emit({ domid, state });
    return this.info(domid);
  }

  private checkNameFree(name: string): void {
    if ([...this.managed.values()].some((m) => m.name === name))
      throw new ControlError('INVALID_ARGUMENT', `a domain named ${name} exists`);
  }

  private get(domid: number): Managed {
    const m = Number.isInteger(domid) ? this.managed.get(domid) : undefined;
    if (!m) throw new ControlError('NO_SUCH_DOMAIN', `no domain ${domid}`);
    return m;
  }

  private emit(e: StateEvent): void {
    for (const f of [...this.listeners]) f(e);
  }
}

function validateSpec(s: CreateSpec, nrPcpus: number): void {
  const bad = (msg: string): never => {
    throw new ControlError('INVALID_ARGUMENT', msg);
  };
  if (typeof s.name !== 'string' || !NAME_RE.test(s.name)) bad('name must be 1-64 of [A-Za-z0-9_.-]');
  if (!(s.image instanceof Uint8Array) || s.image.length === 0) bad('image must be non-empty bytes');
  if (s.ramdisk !== undefined && !(s.ramdisk instanceof Uint8Array)) bad('ramdisk must be bytes');
  if (!Number.isInteger(s.memoryMiB) || s.memoryMiB < 1) bad('memoryMiB must be a positive integer');
  const max = s.maxMemoryMiB ?? s.memoryMiB;
  if (!Number.isInteger(max) || max < s.memoryMiB) bad('maxMemoryMiB must be an integer ≥ memoryMiB');
  const vcpus = s.vcpus ?? 1;
  if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > MAX_VCPUS) bad(`vcpus must be 1..${MAX_VCPUS}`);
  if (s.cmdline !== undefined && typeof s.cmdline !== 'string') bad('cmdline must be a string');
  try {
    // Weight/cap limits live with the scheduler.
    validateSchedLimits(s, nrPcpus);
  } catch (e) {
    throw asControlError(e);
  }
}

function validateSchedLimits(s: CreateSpec, nrPcpus: number): void {
  if (s.weight !== undefined && (!Number.isInteger(s.weight) || s.weight < 1 || s.weight > 65535))
    throw new ControlError('INVALID_ARGUMENT', 'weight must be an integer in 1..65535');
  if (s.cap !== undefined && (!Number.isInteger(s.cap) || s.cap < 0 || s.cap > 100 * nrPcpus))
    throw new ControlError('INVALID_ARGUMENT', `cap must be an integer in 0..${100 * nrPcpus}`);
}

function asControlError(e: unknown): ControlError {
  if (e instanceof ControlError) return e;
  if (e instanceof BuildError) {
    if (e.code === 'OUT_OF_MEMORY') return new ControlError('OUT_OF_MEMORY', e.message, e.code);
    return new ControlError('BAD_IMAGE', e.message, e.code);
  }
  if (e instanceof XenCoreError) return new ControlError('INVALID_ARGUMENT', e.message, e.code);
  throw e;
}
