/**
 * The runner's view of a CPU: run user code until something needs the kernel, plus the registers the
 * kernel touches. x86-core-cpu.ts adapts x86-core's Cpu to it; tests drive the runner with scripted
 * implementations.
 */
import { UserRegisters } from './process';

/** Why the CPU stopped running guest code. */
export type CpuEvent =
  /** The guest executed SYSCALL at CPL 3; RIP is already past it (RCX/R11 hold the SYSRET state). */
  | { readonly kind: 'syscall' }
  /**
   * The guest raised an exception; RIP is the faulting instruction. `address` is the faulting linear
   * address for #PF (0 otherwise); errorCode is -1 for exceptions without one.
   */
  | {
      readonly kind: 'exception';
      readonly vector: number;
      readonly errorCode: number;
      readonly address: bigint;
    }
  /** The instruction budget of this run() call is used up. */
  | { readonly kind: 'budget' }
  /** The CPU cannot go on (triple fault, unsupported state): an emulator problem, not a guest one. */
  | { readonly kind: 'stopped'; readonly reason: string };

export interface GuestCpu extends UserRegisters {
  run(budget: number): CpuEvent;
  readonly rip: number;
  readonly instructionsRetired: number;
  /** Drops cached translations of [start, end) after the page tables changed there. */
  invalidatePages(start: number, end: number): void;
}

/** Exception vectors (Intel SDM vol. 3, 6.3.1). */
export const VECTOR = {
  DE: 0,
  DB: 1,
  BP: 3,
  OF: 4,
  BR: 5,
  UD: 6,
  NM: 7,
  DF: 8,
  TS: 10,
  NP: 11,
  SS: 12,
  GP: 13,
  PF: 14,
  MF: 16,
  AC: 17,
  MC: 18,
  XM: 19,
} as const;

/** #PF error code bits. */
export const PF_ERR = { PRESENT: 1, WRITE: 2, USER: 4, RSVD: 8, FETCH: 16 } as const;
