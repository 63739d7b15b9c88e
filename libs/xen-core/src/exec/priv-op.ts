/**
 * Emulation of the privileged instructions PV kernels execute (§11.3), entered on #GP. Guest kernel
 * mode counts as CPL 1 (CPL 0 with VMASST architectural_iopl): CLI/STI and IN/OUT are allowed when the
 * virtual IOPL (physdev_op set_iopl) permits — CLI/STI are then NOPs that do not touch the event mask,
 * port reads return all ones and writes are dropped (no devices). MOV to/from CR0/CR2/CR3/CR4 and
 * DR0–7, CLTS, WBINVD/INVD, RDMSR/WRMSR and RDTSC(P) under CR4.TSD are emulated in kernel mode only.
 * HLT, LGDT and friends stay #GP. Anything not emulated is reported as unhandled and the caller
 * bounces the original #GP.
 */
import { GUEST_CR0 } from '../builder/initial-vcpu-state';
import { newGuestCr3 } from '../mm/baseptr';
import type { MmEffect } from '../mm/mm-effects';
import { drainTypeFlush, toMfn } from '../mm/pv-mmu';
import { VMASST_TYPE_architectural_iopl } from '../public/xen';
import { X86_CR0_TS, X86_CR4_DE, X86_CR4_FSGSBASE, X86_CR4_TSD, X86_EXC_GP, X86_EXC_UD } from './abi';
import { getDebugreg, setDebugreg } from './debugreg';
import type { ExecEnv } from './env';
import { decodeAtRip, readGpr, writeGpr } from './insn-operands';
import { readMsr, writeMsr } from './msr';
import type { ArchVcpu } from './vcpu-arch';
import { MAP_0F, MAP_1, type DecodedInsn } from './x86/decode';
import { RAX, RCX, RDX } from './x86/pv-cpu';

export type PrivOpResult =
  | { kind: 'done'; effects?: MmEffect[] }
  | { kind: 'fault'; vector: number; errorCode?: number }
  | { kind: 'unhandled' };

const DONE: PrivOpResult = { kind: 'done' };
const UNHANDLED: PrivOpResult = { kind: 'unhandled' };
const GP0: PrivOpResult = { kind: 'fault', vector: X86_EXC_GP, errorCode: 0 };
const UD: PrivOpResult = { kind: 'fault', vector: X86_EXC_UD };

/** CR4 bits a PV guest may toggle (§11.3); writes to other bits are ignored, as pv_fixup_guest_cr4 does. */
const CR4_GUEST_WRITABLE = X86_CR4_TSD | X86_CR4_DE | X86_CR4_FSGSBASE;

/** Virtual CPL 1 for the guest kernel (0 with architectural_iopl), 3 for guest user. */
function ioplAllows(v: ArchVcpu): boolean {
  const cpl = v.vcpu.inKernel ? (v.dom.domain.vmAssist.has(VMASST_TYPE_architectural_iopl) ? 0 : 1) : 3;
  return cpl <= v.vcpu.iopl;
}

function guestCr0(v: ArchVcpu): bigint {
  return GUEST_CR0 | (v.vcr0Ts ? BigInt(X86_CR0_TS) : 0n);
}

/** Emulate the instruction at RIP after a #GP. RIP is advanced on success. */
export function emulatePrivOp(env: ExecEnv, v: ArchVcpu): PrivOpResult {
  const i = decodeAtRip(env, v, env.cpu.long);
  if (!i) return UNHANDLED;
  const r =
    i.map === MAP_1 ? portAndInterruptOps(env, v, i) : v.vcpu.inKernel ? kernelOps(env, v, i) : UNHANDLED;
  if (r.kind === 'done') env.cpu.rip = env.cpu.rip + BigInt(i.length);
  return r;
}

function portAndInterruptOps(env: ExecEnv, v: ArchVcpu, i: DecodedInsn): PrivOpResult {
  const cpu = env.cpu;
  switch (i.op) {
    case 0xfa: // cli
    case 0xfb: // sti
      return ioplAllows(v) ? DONE : UNHANDLED;
    case 0xe4:
    case 0xe5:
    case 0xec:
    case 0xed: {
      if (!ioplAllows(v)) return UNHANDLED;
      const size = i.os === 8 ? 4 : i.os;
      writeGpr(cpu, RAX, size, size === 1 ? 0xffn : size === 2 ? 0xffffn : 0xffffffffn);
      return DONE;
    }
    case 0xe6:
    case 0xe7:
    case 0xee:
    case 0xef:
      return ioplAllows(v) ? DONE : UNHANDLED;
    default:
      return UNHANDLED;
  }
}

function kernelOps(env: ExecEnv, v: ArchVcpu, i: DecodedInsn): PrivOpResult {
  if (i.map !== MAP_0F) return UNHANDLED;
  const cpu = env.cpu;
  switch (i.op) {
    case 0x06: // clts
      v.vcr0Ts = false;
      cpu.setTs(false);
      return DONE;
    case 0x08: // invd
    case 0x09: // wbinvd: no caches to flush; ignored for a domU
      return DONE;
    case 0x20:
      return readCr(env, v, i);
    case 0x22:
      return writeCr(env, v, i);
    case 0x21: {
      if ((i.reg === 4 || i.reg === 5) && v.vcr4 & X86_CR4_DE) return UD;
      const val = getDebugreg(v, i.reg);
      if (typeof val === 'number') return UD;
      cpu.setReg(i.rm, val);
      return DONE;
    }
    case 0x23:
      return setDebugreg(v, i.reg, cpu.reg(i.rm)) === 0 ? DONE : GP0;
    case 0x30: {
      const value = (readGpr(cpu, RDX, 4) << 32n) | readGpr(cpu, RAX, 4);
      return writeMsr(env, v, Number(readGpr(cpu, RCX, 4)), value) ? DONE : GP0;
    }
    case 0x32: {
      const val = readMsr(env, v, Number(readGpr(cpu, RCX, 4)));
      if (val === undefined) return GP0;
      cpu.setReg(RAX, val & 0xffffffffn);
      cpu.setReg(RDX, val >> 32n);
      return DONE;
    }
    case 0x31: // rdtsc with CR4.TSD
      putTsc(env);
      return DONE;
    case 0x01:
      if (i.mod === 3 && i.reg === 7 && (i.rm & 7) === 1) {
        putTsc(env); // rdtscp
        cpu.setReg(RCX, 0n);
        return DONE;
      }
      return UNHANDLED;
    default:
      return UNHANDLED;
  }
}

function putTsc(env: ExecEnv): void {
  const t = env.cpu.tsc();
  env.cpu.setReg(RAX, t & 0xffffffffn);
  env.cpu.setReg(RDX, (t >> 32n) & 0xffffffffn);
}

function readCr(env: ExecEnv, v: ArchVcpu, i: DecodedInsn): PrivOpResult {
  let val: bigint;
  switch (i.reg) {
    case 0:
      val = guestCr0(v);
      break;
    case 2:
      val = v.vcr2;
      break;
    case 3:
      val = BigInt(v.vcpu.guestTable) << 12n;
      break;
    case 4:
      val = BigInt(v.vcr4 >>> 0);
      break;
    default:
      return UNHANDLED;
  }
  env.cpu.setReg(i.rm, val);
  return DONE;
}

function writeCr(env: ExecEnv, v: ArchVcpu, i: DecodedInsn): PrivOpResult {
  const val = env.cpu.reg(i.rm);
  switch (i.reg) {
    case 0:
      // Only TS may change (§6.8).
      if ((val ^ guestCr0(v)) & ~BigInt(X86_CR0_TS)) return GP0;
      v.vcr0Ts = (val & BigInt(X86_CR0_TS)) !== 0n;
      env.cpu.setTs(v.vcr0Ts);
      return DONE;
    case 2:
      v.vcr2 = val;
      return DONE;
    case 3: {
      const ctx = env.sys.context(v.dom.domain, v.vcpu);
      const rc = newGuestCr3(ctx, toMfn(val >> 12n));
      drainTypeFlush(ctx);
      return rc === 0 ? { kind: 'done', effects: ctx.effects } : GP0;
    }
    case 4: {
      const w = Number(val & 0xffffffffn);
      v.vcr4 = ((v.vcr4 & ~CR4_GUEST_WRITABLE) | (w & CR4_GUEST_WRITABLE)) >>> 0;
      env.cpu.setCr4Guest(v.vcr4);
      return DONE;
    }
    default:
      return UNHANDLED;
  }
}
