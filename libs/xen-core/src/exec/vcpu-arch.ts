/**
 * The PV-specific state of one vCPU that lives in the hypervisor (Xen's `struct pv_vcpu` and parts of
 * `struct vcpu`): the virtual trap table, callbacks, kernel stack, the inactive GS base, virtual
 * CR0.TS/CR2/CR4, debug registers, where vcpu_info and the runstate area are, descriptor tables, the
 * run state, and the saved CPU context while the vCPU is not on the CPU. TF_kernel_mode and the two
 * root tables stay in the MM's `Vcpu` (kernel root = guestTable, user root = guestTableUser).
 */
import type { Vcpu } from '../domain/vcpu';
import { GUEST_CR4, type InitialVcpuState } from '../builder/initial-vcpu-state';
import { vcpuInfoAddress } from '../events/two-level';
import { FLAT_KERNEL_SS } from '../public/xen';
import { DR6_DEFAULT, DR7_DEFAULT, RUNSTATE_offline } from './abi';
import type { ExecDomain } from './exec-domain';
import type { GuestContext } from './guest-context';
import { LDT_MAX_PAGES } from './perdomain';
import { CPU_STATE_BYTES } from './x86/pv-cpu';

/** Why the vCPU must leave the CPU after the current exit (set by hypercalls and traps). */
export type StopRequest = 'none' | 'yield' | 'block' | 'down' | 'shutdown';

/** How a vCPU's registers are produced the first time it is put on the CPU. */
export type StartState = { kind: 'boot'; regs: InitialVcpuState } | { kind: 'context'; ctx: GuestContext };

export class ArchVcpu {
  readonly id: number;
  /** Virtual IDT (set_trap_table): flags (DPL | mask-events), cs and handler address per vector. */
  readonly trapFlags = new Uint8Array(256);
  readonly trapCs = new Uint16Array(256);
  readonly trapAddr: bigint[] = new Array<bigint>(256).fill(0n);
  eventCallback = 0n;
  failsafeCallback = 0n;
  failsafeMasks = false;
  syscallCallback = 0n;
  syscallMasks = false;
  syscall32Callback = 0n;
  syscall32Masks = false;
  sysenterCallback = 0n;
  sysenterMasks = false;
  nmiCallback = 0n;
  /** stack_switch: the stack used when entering the kernel from user mode (TSS.RSP0). */
  kernelSs = FLAT_KERNEL_SS;
  kernelSp = 0n;
  /** The GS base not loaded in the CPU: the user one in kernel mode, the kernel one in user mode. */
  gsBaseInactive = 0n;
  /** Virtual CR0.TS, CR2 and CR4 (what mov from %crN returns). */
  vcr0Ts = false;
  vcr2 = 0n;
  vcr4 = Number(GUEST_CR4);
  readonly dr: bigint[] = [0n, 0n, 0n, 0n];
  dr6 = DR6_DEFAULT;
  dr7 = DR7_DEFAULT;
  /** Frame holding a relocated vcpu_info (a writable type reference is held), 0 if not relocated. */
  vcpuInfoMfn = 0;
  runstateVa = 0n;
  runstateState = RUNSTATE_offline;
  runstateEntry = 0n;
  readonly runstateTime: bigint[] = [0n, 0n, 0n, 0n];
  /** set_gdt frames (each holds a seg_desc type reference) and entry count. */
  gdtFrames: number[] = [];
  gdtEnts = 0;
  /** Shadow LDT pages mapped so far (mfn per page, 0 = not mapped; each holds a seg_desc reference). */
  readonly ldtShadow: number[] = new Array<number>(LDT_MAX_PAGES).fill(0);
  /** VCPUOP_initialise has run (vCPU0: the builder). */
  initialised = false;
  /** Not down (VCPUOP_up / boot), and not blocked. */
  online = false;
  blocked = false;
  /** Saved CPU state while not on the CPU; `start` is set until the first switch-in builds it. */
  readonly cpuState = new Uint8Array(CPU_STATE_BYTES);
  start: StartState | undefined;
  stop: StopRequest = 'none';
  /** SCHEDOP_poll: ports the vCPU waits on (undefined = not polling). */
  pollPorts: number[] | undefined;
  /** SCHEDOP_poll timeout (absolute system time ns; undefined = none). */
  pollDeadline: bigint | undefined;
  /** One-shot timer deadline (set_timer_op / VCPUOP_set_singleshot_timer; undefined = not armed). */
  singleshotDeadline: bigint | undefined;
  /** Periodic timer period in ns (0 = stopped) and its next expiry. */
  periodicPeriod = 0n;
  periodicNext = 0n;

  constructor(
    readonly dom: ExecDomain,
    readonly vcpu: Vcpu,
  ) {
    this.id = vcpu.id;
  }

  /**
   * Machine address of this vCPU's vcpu_info: the shared_info slot, or where register_vcpu_info put it
   * (the MM's Vcpu.vcpuInfoMaddr, which event delivery uses too); -1 if it has none.
   */
  get vcpuInfoMaddr(): number {
    return vcpuInfoAddress(this.dom.domain, this.vcpu) ?? -1;
  }

  get runnable(): boolean {
    return this.online && !this.blocked && this.dom.shutdown === undefined;
  }

  /** Trap-table entry for `vector` (address 0 = none registered). */
  trap(vector: number): { flags: number; address: bigint } {
    return { flags: this.trapFlags[vector], address: this.trapAddr[vector] };
  }

  clearTrapTable(): void {
    this.trapFlags.fill(0);
    this.trapCs.fill(0);
    this.trapAddr.fill(0n);
  }
}
