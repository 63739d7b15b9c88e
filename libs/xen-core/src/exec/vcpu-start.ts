/**
 * Bringing a vCPU's registers into existence: vCPU0 from the builder's initial state (§3.6), others
 * from VCPUOP_initialise's vcpu_guest_context (Xen's arch_set_info_guest for PV). Hypervisor-side
 * state (trap table, callbacks, roots, GDT) is applied when the context arrives; the CPU registers are
 * built the first time the vCPU is put on the CPU, where a data selector that cannot be loaded sends
 * the vCPU to its failsafe callback (§6.3).
 */
import { PGT_l4_page_table } from '../mm/frame-table';
import { toMfn } from '../mm/pv-mmu';
import { XEN_EINVAL } from '../public/errno';
import { FLAT_KERNEL_CS, FLAT_KERNEL_SS } from '../public/xen';
import * as A from './abi';
import { bounceFailsafe } from './bounce';
import { setDebugreg } from './debugreg';
import { checkCodeSelector, checkDataSelector, checkStackSelector, setGdt } from './descriptor-tables';
import type { ExecEnv } from './env';
import type { GuestContext } from './guest-context';
import { loadActiveRoot } from './mode';
import type { ArchVcpu } from './vcpu-arch';
import { RSI, RSP, SEG_DS, SEG_ES, SEG_FS, SEG_GS } from './x86/pv-cpu';

const LDT_ENTRIES_MAX = 8192;

function getRoot(env: ExecEnv, v: ArchVcpu, cr3: bigint): number | undefined {
  const mfn = toMfn(cr3 >> 12n);
  const { types } = env.sys.mmu;
  if (types.getPageAndType(mfn, v.dom.id, PGT_l4_page_table) !== 0) return undefined;
  return mfn;
}

/** VCPUOP_initialise for a vCPU that has never run: validate, take references, record. */
export function applyGuestContext(env: ExecEnv, v: ArchVcpu, c: GuestContext): number {
  const addrs = [
    c.rip,
    c.gprs[4],
    c.kernelSp,
    c.ldtBase,
    c.eventCallback,
    c.failsafeCallback,
    c.syscallCallback,
  ];
  if (!addrs.every(A.isCanonical) || !c.traps.every((t) => A.isCanonical(t.address))) return -XEN_EINVAL;
  if (c.ldtBase & 0xfffn || c.ldtEnts > LDT_ENTRIES_MAX) return -XEN_EINVAL;
  const inKernel = (c.flags & A.VGCF_in_kernel) !== 0;
  if (!inKernel && c.ctrlreg[1] === 0n) return -XEN_EINVAL;
  const { types } = env.sys.mmu;
  const root = getRoot(env, v, c.ctrlreg[3]);
  if (root === undefined) return -XEN_EINVAL;
  const userRoot = c.ctrlreg[1] === 0n ? 0 : getRoot(env, v, c.ctrlreg[1]);
  if (userRoot === undefined) {
    types.putPageAndType(root);
    return -XEN_EINVAL;
  }
  const nrFrames = Math.ceil(c.gdtEnts / 512);
  const rc = setGdt(env, v, c.gdtFrames.slice(0, Math.min(nrFrames, 16)), c.gdtEnts);
  if (rc !== 0) {
    types.putPageAndType(root);
    if (userRoot) types.putPageAndType(userRoot);
    return rc;
  }
  if (!v.dom.domain.m2pStrict()) types.fillRoMpt(root);
  v.vcpu.guestTable = root;
  v.vcpu.guestTableUser = userRoot;
  v.vcpu.inKernel = inKernel;
  v.vcpu.ldtBase = c.ldtBase;
  v.vcpu.ldtEnts = c.ldtEnts;
  c.traps.forEach((t, i) => {
    v.trapFlags[i] = t.flags;
    v.trapCs[i] = t.cs | 3;
    v.trapAddr[i] = t.address;
  });
  v.eventCallback = c.eventCallback;
  v.failsafeCallback = c.failsafeCallback;
  v.failsafeMasks = (c.flags & A.VGCF_failsafe_disables_events) !== 0;
  v.syscallCallback = c.syscallCallback;
  v.syscallMasks = (c.flags & A.VGCF_syscall_disables_events) !== 0;
  v.kernelSs = c.kernelSs | 3;
  v.kernelSp = c.kernelSp;
  for (let r = 0; r < 8; r++) setDebugreg(v, r, c.debugreg[r]);
  v.start = { kind: 'context', ctx: c };
  v.initialised = true;
  return 0;
}

/** Build the CPU state of a vCPU that is being put on the CPU for the first time. */
export function startVcpu(env: ExecEnv, v: ArchVcpu): void {
  const cpu = env.cpu;
  const start = v.start;
  v.start = undefined;
  cpu.resetForPv();
  cpu.setGdt(v.dom.area.gdtVa(v.id), A.GDT_LIMIT);
  cpu.setLdt(v.dom.area.ldtVa(v.id), v.vcpu.ldtEnts);
  cpu.setCr4Guest(v.vcr4);
  cpu.setTs(v.vcr0Ts);
  if (!start) return;
  if (start.kind === 'boot') {
    const r = start.regs;
    cpu.rip = r.rip;
    cpu.setReg(RSP, r.rsp);
    cpu.setReg(RSI, r.rsi);
    cpu.rflags = Number(r.rflags);
    cpu.setSegBase(SEG_FS, r.fsBase);
    cpu.setSegBase(SEG_GS, r.gsBaseKernel);
    v.gsBaseInactive = r.gsBaseUser;
    v.kernelSs = r.kernelSs;
    v.kernelSp = r.kernelSp;
    v.vcpu.inKernel = true;
    loadActiveRoot(env, v);
    return;
  }
  const c = start.ctx;
  c.gprs.forEach((val, r) => cpu.setReg(r, val));
  cpu.rip = c.rip;
  cpu.rflags = c.rflags;
  const cs = checkCodeSelector(env, v, c.cs | 3);
  if (cs) cpu.loadCode(c.cs | 3, cs.long);
  else if (c.cs !== FLAT_KERNEL_CS) return v.dom.crash(`vCPU${v.id} initialised with unusable CS ${c.cs}`);
  if (checkStackSelector(env, v, c.ss | 3)) cpu.loadStack(c.ss | 3);
  else if (c.ss !== FLAT_KERNEL_SS) return v.dom.crash(`vCPU${v.id} initialised with unusable SS ${c.ss}`);
  let failed = false;
  for (const [seg, sel] of [
    [SEG_DS, c.ds],
    [SEG_ES, c.es],
    [SEG_FS, c.fs],
    [SEG_GS, c.gs],
  ] as const) {
    const d = checkDataSelector(env, v, sel);
    if (d === undefined) failed = true;
    if (d && d !== 'null') cpu.loadFromDescriptor(seg, sel, d.lo, d.hi);
    else cpu.loadNull(seg, d === 'null' ? sel : 0);
  }
  const inKernel = v.vcpu.inKernel;
  cpu.setSegBase(SEG_FS, c.fsBase);
  cpu.setSegBase(SEG_GS, inKernel ? c.gsBaseKernel : c.gsBaseUser);
  v.gsBaseInactive = inKernel ? c.gsBaseUser : c.gsBaseKernel;
  if (!loadActiveRoot(env, v)) return v.dom.crash(`vCPU${v.id} has no root table for its mode`);
  if (failed) bounceFailsafe(env, v, { ds: c.ds, es: c.es, fs: c.fs, gs: c.gs });
}
