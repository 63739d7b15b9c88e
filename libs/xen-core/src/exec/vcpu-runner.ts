/**
 * The vCPU loop: run the guest on the CPU until the slice budget is used or the vCPU must stop
 * (yield, block, down, shutdown), handling every exit. Before each entry the return-to-guest check
 * delivers a pending, unmasked event upcall (§0). Nothing a guest does may throw out of here: an
 * unexpected error while handling an exit crashes that domain (SHUTDOWN_crash) with a log line.
 */
import { dispatchHypercall } from '../hypercall/dispatch';
import type { HypercallReg, RegisterFile } from '../hypercall/registers';
import { applyEffects } from './apply-effects';
import { bounceToGuest } from './bounce';
import type { ExecEnv } from './env';
import { earliestDeadline, fireDueTimers } from './timers';
import { RIP_SYSCALL_LENGTH } from './hypercalls/regs';
import { handleException, handleSoftwareInterrupt, injectException, syscallFromUser } from './traps';
import type { ArchVcpu } from './vcpu-arch';
import {
  EXIT_BUDGET,
  EXIT_EXCEPTION,
  EXIT_HLT,
  EXIT_NAMES,
  EXIT_SOFTWARE_INT,
  EXIT_STOP,
  EXIT_SYSCALL,
  type PvCpu,
  type RunExit,
} from './x86/pv-cpu';

const HYPERCALL_REGS: Record<HypercallReg, number> = { rax: 0, rdi: 7, rsi: 6, rdx: 2, r10: 10, r8: 8 };
const X86_EXC_GP = 13;

/** The hypercall registers of the vCPU on the CPU. */
class CpuRegisterFile implements RegisterFile {
  constructor(private readonly cpu: PvCpu) {}
  get(reg: HypercallReg): bigint {
    return this.cpu.reg(HYPERCALL_REGS[reg]);
  }
  set(reg: HypercallReg, value: bigint): void {
    this.cpu.setReg(HYPERCALL_REGS[reg], value);
  }
  rewindToHypercall(): void {
    this.cpu.rip = this.cpu.rip - RIP_SYSCALL_LENGTH;
  }
}

export interface SliceResult {
  /** Guest instructions retired. */
  instructions: number;
  /** Budget consumed: instructions, and at least one unit per exit so a slice always ends. */
  cost: number;
}

export class VcpuRunner {
  private readonly regs: RegisterFile;

  constructor(private readonly env: ExecEnv) {
    this.regs = new CpuRegisterFile(env.cpu);
  }

  /** Run `v` (already on the CPU) for at most `budget`. */
  runSlice(v: ArchVcpu, budget: number): SliceResult {
    const cpu = this.env.cpu;
    let instructions = 0;
    let cost = 0;
    if (v.stop !== 'shutdown') v.stop = 'none';
    while (cost < budget && v.stop === 'none' && v.runnable) {
      let ex: RunExit | undefined;
      try {
        // Timers due now raise VIRQ_TIMER (possibly for this vCPU) before the return-to-guest check.
        const until = this.fireTimers();
        if (!v.runnable) break;
        if (!this.enterChecks(v) || v.stop !== 'none') break;
        const before = cpu.instructionsRetired;
        // Stop at the next timer deadline (1 instruction = 1 ns) so it fires on time.
        const chunk = Math.min(budget - cost, until);
        try {
          ex = cpu.run(chunk);
        } finally {
          const n = cpu.instructionsRetired - before;
          instructions += n;
          cost += Math.max(1, n);
          v.dom.instructions += n;
        }
        if (ex.reason === EXIT_BUDGET) {
          if (chunk < budget - cost) continue;
          break;
        }
        v.dom.exits++;
        if (this.env.trace) this.traceExit(v, ex);
        this.handleExit(v, ex);
      } catch (e) {
        // A bug in the CPU or in the hypervisor must not take the host down: crash this domain.
        const err = e as Error;
        const where = ex ? `${EXIT_NAMES[ex.reason]} exit` : 'guest execution';
        this.env.log(`d${v.dom.id}v${v.id}: internal error in ${where}: ${err.stack ?? err}`);
        v.dom.crash(`hypervisor error: ${err.message}`);
      }
    }
    return { instructions, cost };
  }

  /** Fire due timers; instructions until the next deadline (Infinity if none). */
  private fireTimers(): number {
    const { clock, timerVcpus } = this.env;
    if (!clock || !timerVcpus) return Infinity;
    const now = clock.now();
    fireDueTimers(this.env, timerVcpus(), now);
    const next = earliestDeadline(timerVcpus());
    return next === undefined ? Infinity : Math.max(1, Number(next - now));
  }

  private traceExit(v: ArchVcpu, ex: RunExit): void {
    const cpu = this.env.cpu;
    const hex = (x: bigint | number): string => x.toString(16);
    const what =
      ex.reason === EXIT_SYSCALL
        ? v.vcpu.inKernel
          ? `hypercall ${cpu.reg(0)}(${[7, 6, 2, 10, 8].map((r) => hex(cpu.reg(r))).join(', ')})`
          : `syscall ${cpu.reg(0)}`
        : ex.reason === EXIT_EXCEPTION
          ? `exception ${ex.vector} err ${hex(ex.errorCode)} addr ${hex(ex.faultAddress)}`
          : `${EXIT_NAMES[ex.reason]} ${ex.vector}`;
    this.env.trace?.(
      `d${v.dom.id}v${v.id} ${v.vcpu.inKernel ? 'K' : 'U'} rip ${hex(cpu.rip)} rsp ${hex(cpu.reg(4))} ` +
        `rcx ${hex(cpu.reg(1))} r11 ${hex(cpu.reg(11))}: ${what}`,
    );
  }

  /** Return-to-guest checks: deliver a pending unmasked event upcall. False if the domain died. */
  private enterChecks(v: ArchVcpu): boolean {
    if (v.eventCallback !== 0n && this.env.sys.events.hasDeliverableUpcall(v.dom.domain, v.vcpu)) {
      v.dom.upcalls++;
      return bounceToGuest(this.env, v, { address: v.eventCallback, mask: true });
    }
    return true;
  }

  private handleExit(v: ArchVcpu, ex: RunExit): void {
    const env = this.env;
    switch (ex.reason) {
      case EXIT_SYSCALL:
        if (v.vcpu.inKernel) this.hypercall(v);
        else syscallFromUser(env, v, ex.insnLength);
        return;
      case EXIT_EXCEPTION:
        handleException(env, v, ex.vector, ex.errorCode, ex.faultAddress);
        return;
      case EXIT_SOFTWARE_INT:
        handleSoftwareInterrupt(env, v, ex.vector, ex.insnLength);
        return;
      case EXIT_HLT:
        // HLT at CPL 3 faults before it executes; should the CPU ever report it, it is a #GP.
        injectException(env, v, X86_EXC_GP, 0);
        return;
      case EXIT_STOP:
        return;
      default:
        v.dom.crash(`CPU stopped: ${EXIT_NAMES[ex.reason] ?? ex.reason} at ${env.cpu.rip.toString(16)}`);
    }
  }

  /** SYSCALL from guest kernel mode: a hypercall through the dispatch table. */
  private hypercall(v: ArchVcpu): void {
    const env = this.env;
    const { sys } = env;
    const ctx = sys.context(v.dom.domain, v.vcpu);
    const freeBefore = sys.host.allocator.freeFrames;
    const ripBefore = env.cpu.rip;
    dispatchHypercall(sys.hypercalls, ctx, this.regs);
    v.dom.hypercalls++;
    if (env.cpu.rip === ripBefore - RIP_SYSCALL_LENGTH) v.dom.continuations++;
    applyEffects(env, v, ctx.effects);
    // A frame went back to the allocator: no stale translation to it may survive.
    if (sys.host.allocator.freeFrames > freeBefore) env.cpu.flushTlb();
  }
}
