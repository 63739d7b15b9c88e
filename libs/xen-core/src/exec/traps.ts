/**
 * What the hypervisor does with each way the guest leaves the CPU (§11.3): exceptions are fixed up
 * (shadow LDT faults, writable page tables, privileged instructions on #GP, the forced-emulation CPUID
 * on #UD, lazy FPU on #NM) or bounced to the guest's trap table (§6.2); INT n is checked against the
 * trap table's DPL; SYSCALL from guest user mode goes to the syscall callback.
 */
import * as A from './abi';
import { applyEffects } from './apply-effects';
import { bounceToGuest } from './bounce';
import { pvCpuid } from './cpuid-policy';
import { mapLdtShadowPage } from './descriptor-tables';
import type { ExecEnv } from './env';
import { fetchInsnBytes } from './insn-operands';
import { emulatePrivOp } from './priv-op';
import { emulatePtwrStore } from './ptwr-store';
import type { ArchVcpu } from './vcpu-arch';
import { setCr2 } from './vcpu-info';
import { RAX, RBX, RCX, RDX, SEG_CS } from './x86/pv-cpu';

const EXC_NAMES = [
  '#DE',
  '#DB',
  'NMI',
  '#BP',
  '#OF',
  '#BR',
  '#UD',
  '#NM',
  '#DF',
  '#09',
  '#TS',
  '#NP',
  '#SS',
  '#GP',
  '#PF',
];
const excName = (v: number): string => EXC_NAMES[v] ?? `vector ${v}`;

/** The forced-emulation prefix: ud2; .ascii "xen"; cpuid (§11.1). */
const FEP = [0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2];

/**
 * Deliver `vector` through the guest's trap table (the CPU state is at the faulting or, for traps, the
 * following instruction). No handler registered: the domain is crashed. False if it was.
 */
export function injectException(env: ExecEnv, v: ArchVcpu, vector: number, errorCode?: number): boolean {
  const t = v.trap(vector);
  if (t.address === 0n) {
    v.dom.crash(`unhandled ${excName(vector)} at ${env.cpu.rip.toString(16)} (no trap handler)`);
    return false;
  }
  return bounceToGuest(env, v, {
    address: t.address,
    errorCode: A.hasErrorCode(vector) ? (errorCode ?? 0) : undefined,
    mask: (t.flags & A.TI_MASK_EVENTS) !== 0,
  });
}

/** #PF to the guest: CR2 into vcpu_info.arch.cr2 and the virtual CR2, U/S reflecting the guest mode. */
export function injectPageFault(env: ExecEnv, v: ArchVcpu, cr2: bigint, errorCode: number): boolean {
  v.vcr2 = cr2;
  if (v.vcpuInfoMaddr >= 0) setCr2(env.sys.host.mem, v.vcpuInfoMaddr, cr2);
  const ec = (errorCode & ~A.PFEC_user) | (v.vcpu.inKernel ? 0 : A.PFEC_user);
  return injectException(env, v, A.X86_EXC_PF, ec);
}

function handlePageFault(env: ExecEnv, v: ArchVcpu, errorCode: number, addr: bigint): void {
  // A supervisor access by the CPU to the shadow LDT window: map the guest's LDT page and retry.
  const ldtOff = v.dom.area.ldtOffset(addr, v.id);
  if (ldtOff !== undefined && !(errorCode & A.PFEC_user)) {
    if (mapLdtShadowPage(env, v, ldtOff)) {
      env.cpu.invlpg(addr);
      return;
    }
    const linear = v.vcpu.ldtBase + BigInt(ldtOff);
    if (!A.isCanonical(linear)) {
      injectException(env, v, A.X86_EXC_GP, (ldtOff & ~3) | 4);
      return;
    }
    injectPageFault(env, v, linear, errorCode);
    return;
  }
  if ((errorCode & (A.PFEC_present | A.PFEC_write)) === (A.PFEC_present | A.PFEC_write)) {
    const effects = emulatePtwrStore(env, v, addr);
    if (effects) {
      applyEffects(env, v, effects);
      return;
    }
  }
  injectPageFault(env, v, addr, errorCode);
}

/** ud2 "xen" cpuid: virtualised CPUID (any mode). False if the bytes are not the prefix. */
function forcedEmulation(env: ExecEnv, v: ArchVcpu): boolean {
  const bytes = fetchInsnBytes(env, v);
  if (bytes.length < FEP.length || FEP.some((b, k) => bytes[k] !== b)) return false;
  const cpu = env.cpu;
  const r = pvCpuid(Number(cpu.reg(RAX) & 0xffffffffn), Number(cpu.reg(RCX) & 0xffffffffn), {
    vcpuId: v.id,
    nrVcpus: v.dom.vcpus.length,
    xenMajor: env.sys.version.major,
    xenMinor: env.sys.version.minor,
    physAddrBits: cpu.physAddrBits,
  });
  [RAX, RBX, RCX, RDX].forEach((reg, k) => cpu.setReg(reg, BigInt(r[k] >>> 0)));
  cpu.rip = cpu.rip + BigInt(FEP.length);
  return true;
}

/** An intercepted exception. */
export function handleException(
  env: ExecEnv,
  v: ArchVcpu,
  vector: number,
  errorCode: number,
  addr: bigint,
): void {
  switch (vector) {
    case A.X86_EXC_PF:
      return handlePageFault(env, v, errorCode, addr);
    case A.X86_EXC_GP: {
      const r = emulatePrivOp(env, v);
      if (r.kind === 'done') {
        if (r.effects) applyEffects(env, v, r.effects);
        return;
      }
      if (r.kind === 'fault') {
        injectException(env, v, r.vector, r.errorCode);
        return;
      }
      injectException(env, v, A.X86_EXC_GP, errorCode < 0 ? 0 : errorCode);
      return;
    }
    case A.X86_EXC_UD:
      if (!forcedEmulation(env, v)) injectException(env, v, A.X86_EXC_UD);
      return;
    case A.X86_EXC_NM:
      // Lazy FPU: Xen clears the guest's TS before bouncing #NM (guests rely on it).
      v.vcr0Ts = false;
      env.cpu.setTs(false);
      injectException(env, v, A.X86_EXC_NM);
      return;
    default:
      injectException(env, v, vector, errorCode < 0 ? undefined : errorCode);
  }
}

/**
 * INT n (RIP after the instruction): delivered if the trap table entry allows the current mode
 * (DPL ≥ 1 from the guest kernel, DPL 3 from guest user), else #GP(n·8+2) at the instruction.
 */
export function handleSoftwareInterrupt(env: ExecEnv, v: ArchVcpu, vector: number, insnLength: number): void {
  const t = v.trap(vector);
  const need = v.vcpu.inKernel ? 1 : 3;
  if (t.address !== 0n && (t.flags & A.TI_DPL_MASK) >= need) {
    bounceToGuest(env, v, { address: t.address, mask: (t.flags & A.TI_MASK_EVENTS) !== 0 });
    return;
  }
  env.cpu.rip = env.cpu.rip - BigInt(insnLength);
  injectException(env, v, A.X86_EXC_GP, vector * 8 + 2);
}

/** SYSCALL from guest user mode (RCX/R11 as SYSCALL left them): the syscall/syscall32 callback. */
export function syscallFromUser(env: ExecEnv, v: ArchVcpu, insnLength: number): void {
  const compat = env.cpu.selector(SEG_CS) === A.FLAT_RING3_CS32 || !env.cpu.long;
  const address = compat ? v.syscall32Callback : v.syscallCallback;
  const masks = compat ? v.syscall32Masks : v.syscallMasks;
  if (address === 0n) {
    // No callback: #UD at the SYSCALL instruction.
    env.cpu.rip = env.cpu.rip - BigInt(insnLength || 2);
    injectException(env, v, A.X86_EXC_UD);
    return;
  }
  bounceToGuest(env, v, { address, mask: masks, syscall: true });
}
