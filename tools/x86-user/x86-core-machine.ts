/**
 * The runner's Machine on x86-core: one PhysicalMemory and one Cpu put in 64-bit long mode at CPL 3 on
 * the runner's page tables (NX on), with every exception and every CPL-3 SYSCALL intercepted so that
 * they come back to the runner instead of going through an IDT or LSTAR — the runner is ring 0.
 */
import {
  Cpu,
  EXIT_BUDGET,
  EXIT_EXCEPTION,
  EXIT_NAMES,
  EXIT_SYSCALL,
  layout,
  PhysicalMemory,
} from '@xeno/x86-core';
import { defaultCpuid } from '@xeno/x86-core/system/cpuid';
import { CpuEvent, GuestCpu } from './guest-cpu';
import { BootState, Machine } from './runner';

/** Above this many pages an invalidation flushes the whole TLB instead of page by page. */
const INVLPG_LIMIT = 64;
const TWO32 = 2 ** 32;

/** AT_HWCAP is what the processor reports in CPUID.01H:EDX (arch/x86/include/asm/elf.h ELF_HWCAP). */
function hwcap(): number {
  const out = new Int32Array(4);
  defaultCpuid(1, 0, { physAddrBits: 40, apicId: 0 }, out);
  return out[3] >>> 0;
}

class X86CoreGuestCpu implements GuestCpu {
  constructor(private readonly cpu: Cpu) {}

  run(budget: number): CpuEvent {
    const exit = this.cpu.run(budget);
    switch (exit.reason) {
      case EXIT_BUDGET:
        return BUDGET;
      case EXIT_SYSCALL:
        return SYSCALL;
      case EXIT_EXCEPTION:
        return {
          kind: 'exception',
          vector: exit.vector,
          errorCode: exit.errorCode,
          address: exit.faultAddress,
        };
      default:
        return { kind: 'stopped', reason: EXIT_NAMES[exit.reason] ?? `exit reason ${exit.reason}` };
    }
  }

  get rip(): number {
    return Number(this.cpu.rip);
  }

  get instructionsRetired(): number {
    return this.cpu.instructionsRetired;
  }

  get(reg: number): bigint {
    return this.cpu.getReg(reg);
  }

  set(reg: number, value: bigint): void {
    this.cpu.setReg(reg, value);
  }

  getFsBase(): bigint {
    return this.cpu.getSegBase(layout.FS);
  }

  setFsBase(value: bigint): void {
    this.cpu.setSegBase(layout.FS, value);
  }

  invalidatePages(start: number, end: number): void {
    if ((end - start) / 4096 > INVLPG_LIMIT) {
      this.cpu.flushTlb(true);
      return;
    }
    for (let page = start; page < end; page += 4096) {
      this.cpu.invalidatePage((page % TWO32) | 0, Math.floor(page / TWO32));
    }
  }
}

const BUDGET: CpuEvent = { kind: 'budget' };
const SYSCALL: CpuEvent = { kind: 'syscall' };

export function x86CoreMachine(memoryBytes: number): Machine {
  const memory = new PhysicalMemory(memoryBytes);
  return {
    ram: memory,
    hwcap: hwcap(),
    boot(state: BootState): GuestCpu {
      const cpu = new Cpu({ memory });
      cpu.enterLongMode({
        cr3: BigInt(state.cr3),
        cpl: 3,
        rip: BigInt(state.rip),
        rsp: BigInt(state.rsp),
        nxe: true,
      });
      cpu.interceptExceptions = -1; // all 32 vectors
      cpu.interceptSyscallCpls = 1 << 3;
      return new X86CoreGuestCpu(cpu);
    },
  };
}
