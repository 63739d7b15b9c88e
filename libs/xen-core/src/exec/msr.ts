/**
 * RDMSR/WRMSR from guest kernel mode (§11.3, MSR table): the segment-base MSRs are views of the same
 * state as set_segment_base; EFER, MISC_ENABLE and PAT read fixed values and accept only a write-back
 * of the same value; the hypercall-page MSR (§1.3) writes the stubs into a guest frame. Anything else
 * is #GP — except a read while the guest has no #GP handler yet, which Xen answers with 0 so early
 * boot code cannot crash the domain.
 */
import { hypercallPageBytes } from '../builder/hypercall-page';
import { PGT_writable_page } from '../mm/frame-table';
import { toMfn } from '../mm/pv-mmu';
import { PAGE_SIZE } from '../public/page';
import { isCanonical, X86_EXC_GP, XEN_HYPERCALL_MSR } from './abi';
import type { ExecEnv } from './env';
import { gsBaseKernel, gsBaseUser, setGsBaseKernel, setGsBaseUser } from './mode';
import type { ArchVcpu } from './vcpu-arch';
import { SEG_FS } from './x86/pv-cpu';

export const MSR_IA32_TSC = 0x10;
export const MSR_IA32_APIC_BASE = 0x1b;
export const MSR_IA32_FEATURE_CONTROL = 0x3a;
export const MSR_IA32_UCODE_REV = 0x8b;
export const MSR_PLATFORM_INFO = 0xce;
export const MSR_MISC_FEATURES_ENABLES = 0x140;
export const MSR_IA32_PERF_STATUS = 0x198;
export const MSR_IA32_PERF_CTL = 0x199;
export const MSR_IA32_MISC_ENABLE = 0x1a0;
export const MSR_IA32_CR_PAT = 0x277;
export const MSR_EFER = 0xc0000080;
export const MSR_FS_BASE = 0xc0000100;
export const MSR_GS_BASE = 0xc0000101;
export const MSR_SHADOW_GS_BASE = 0xc0000102;

export const APIC_BASE_VALUE = 0xfee00800n;
export const APIC_BASE_BSP = 0x100n;
export const PV_PAT = 0x0000050100070406n;
/** SCE | LME | LMA | NXE. */
export const PV_EFER = 0xd01n;
/** Fast strings; BTS and PEBS unavailable; xTPR messages disabled (PERF_AVAIL and MONITOR clear). */
export const PV_MISC_ENABLE = 0x1n | (1n << 11n) | (1n << 12n) | (1n << 23n);
const FEATURE_CONTROL_LOCK = 1n;

/** RDMSR: the value, or undefined for #GP. */
export function readMsr(env: ExecEnv, v: ArchVcpu, msr: number): bigint | undefined {
  switch (msr >>> 0) {
    case MSR_IA32_TSC:
      return env.cpu.tsc();
    case MSR_IA32_APIC_BASE:
      return APIC_BASE_VALUE | (v.id === 0 ? APIC_BASE_BSP : 0n);
    case MSR_IA32_CR_PAT:
      return PV_PAT;
    case MSR_EFER:
      return PV_EFER;
    case MSR_IA32_MISC_ENABLE:
      return PV_MISC_ENABLE;
    case MSR_FS_BASE:
      return env.cpu.segBase(SEG_FS);
    case MSR_GS_BASE:
      return gsBaseKernel(env, v);
    case MSR_SHADOW_GS_BASE:
      return gsBaseUser(env, v);
    case MSR_IA32_FEATURE_CONTROL:
      return FEATURE_CONTROL_LOCK;
    case MSR_IA32_UCODE_REV:
    case MSR_PLATFORM_INFO:
    case MSR_MISC_FEATURES_ENABLES:
    case MSR_IA32_PERF_STATUS:
    case MSR_IA32_PERF_CTL:
    case XEN_HYPERCALL_MSR:
      return 0n;
    default:
      // No #GP handler registered yet: Xen fakes the read rather than crash the domain.
      return v.trapAddr[X86_EXC_GP] === 0n ? 0n : undefined;
  }
}

/** WRMSR: true if accepted, false for #GP. */
export function writeMsr(env: ExecEnv, v: ArchVcpu, msr: number, value: bigint): boolean {
  const val = BigInt.asUintN(64, value);
  switch (msr >>> 0) {
    case MSR_FS_BASE:
      if (!isCanonical(val)) return false;
      env.cpu.setSegBase(SEG_FS, val);
      return true;
    case MSR_GS_BASE:
      if (!isCanonical(val)) return false;
      setGsBaseKernel(env, v, val);
      return true;
    case MSR_SHADOW_GS_BASE:
      if (!isCanonical(val)) return false;
      setGsBaseUser(env, v, val);
      return true;
    case MSR_EFER:
      return val === PV_EFER;
    case MSR_IA32_MISC_ENABLE:
      return val === PV_MISC_ENABLE;
    case MSR_IA32_CR_PAT:
      return val === PV_PAT;
    case MSR_MISC_FEATURES_ENABLES:
      return val === 0n;
    case MSR_IA32_UCODE_REV:
      // Intel's "write 0, CPUID, read" sequence: writing 0 is allowed (Xen: Intel vendor, val 0).
      return val === 0n;
    case MSR_IA32_PERF_CTL:
      return true;
    case XEN_HYPERCALL_MSR:
      return writeHypercallPage(env, v, val);
    default:
      return false;
  }
}

/** wrmsr(0x40000000, mfn << 12 | index): index must be 0, the frame must be typable writable. */
function writeHypercallPage(env: ExecEnv, v: ArchVcpu, val: bigint): boolean {
  if (val & 0xfffn) return false;
  const mfn = toMfn(val >> 12n);
  const { types } = env.sys.mmu;
  if (types.getPageAndType(mfn, v.dom.id, PGT_writable_page) !== 0) return false;
  env.sys.host.mem.writeBytes(mfn * PAGE_SIZE, hypercallPageBytes());
  types.putPageAndType(mfn);
  return true;
}
