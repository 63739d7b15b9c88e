/**
 * Turning a guest exception into what Linux would do to the process: the signal (arch/x86/kernel/
 * traps.c: #DE → SIGFPE, #UD → SIGILL, #GP → SIGSEGV, #PF → SIGSEGV, ...) and a one-line report of
 * where and why, e.g. "SIGSEGV at rip=0x401b2d <main+0x1d>, addr=0x0: address not mapped (write)".
 */
import { Access } from './address-space';
import { PF_ERR, VECTOR } from './guest-cpu';
import { SIGNAL } from './linux-abi';

export const SIGNAL_NAMES: Readonly<Record<number, string>> = {
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  15: 'SIGTERM',
};

export const signalName = (sig: number) => SIGNAL_NAMES[sig] ?? `signal ${sig}`;

export function signalForVector(vector: number): number {
  switch (vector) {
    case VECTOR.DE:
    case VECTOR.MF:
    case VECTOR.XM:
      return SIGNAL.SIGFPE;
    case VECTOR.DB:
    case VECTOR.BP:
      return SIGNAL.SIGTRAP;
    case VECTOR.UD:
      return SIGNAL.SIGILL;
    case VECTOR.NP:
    case VECTOR.SS:
    case VECTOR.AC:
      return SIGNAL.SIGBUS;
    default:
      return SIGNAL.SIGSEGV; // #OF, #BR, #GP, #PF, and anything else user code cannot cause
  }
}

const VECTOR_NAMES: Readonly<Record<number, string>> = {
  0: 'divide error (#DE)',
  1: 'debug trap (#DB)',
  3: 'breakpoint (#BP)',
  4: 'overflow (#OF)',
  5: 'bound range exceeded (#BR)',
  6: 'invalid opcode (#UD)',
  7: 'device not available (#NM)',
  8: 'double fault (#DF)',
  10: 'invalid TSS (#TS)',
  11: 'segment not present (#NP)',
  12: 'stack-segment fault (#SS)',
  13: 'general protection fault (#GP)',
  14: 'page fault (#PF)',
  16: 'x87 floating-point error (#MF)',
  17: 'alignment check (#AC)',
  18: 'machine check (#MC)',
  19: 'SIMD floating-point exception (#XM)',
};

/** Exceptions that push an error code. */
const HAS_ERROR_CODE: ReadonlySet<number> = new Set([
  VECTOR.DF,
  VECTOR.TS,
  VECTOR.NP,
  VECTOR.SS,
  VECTOR.GP,
  VECTOR.AC,
]);

export function pageFaultAccess(errorCode: number): Access {
  if (errorCode & PF_ERR.FETCH) return 'exec';
  return errorCode & PF_ERR.WRITE ? 'write' : 'read';
}

export interface FaultReport {
  readonly signal: number;
  readonly message: string;
}

const hex = (v: number | bigint) => `0x${v.toString(16)}`;

/**
 * @param where   "rip=0x... <symbol+off>"
 * @param mapped  for #PF: whether some area covers the address (SEGV_ACCERR) or not (SEGV_MAPERR)
 */
export function describeFault(
  vector: number,
  errorCode: number,
  address: bigint,
  where: string,
  mapped: boolean,
): FaultReport {
  const signal = signalForVector(vector);
  if (vector === VECTOR.PF) {
    const access = pageFaultAccess(errorCode);
    let why: string;
    if (errorCode & PF_ERR.RSVD) why = 'reserved bit set in a page-table entry';
    else if (!mapped) why = `address not mapped (${access})`;
    else if (access === 'write') why = 'write to a read-only page';
    else if (access === 'exec') why = 'instruction fetch from a non-executable page';
    else why = 'read of an inaccessible (PROT_NONE) page';
    return { signal, message: `${signalName(signal)} at ${where}, addr=${hex(address)}: ${why}` };
  }
  const code = HAS_ERROR_CODE.has(vector) ? `, error code ${hex(errorCode)}` : '';
  const name = VECTOR_NAMES[vector] ?? `exception vector ${vector}`;
  return { signal, message: `${signalName(signal)} at ${where}: ${name}${code}` };
}
