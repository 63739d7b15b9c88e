/**
 * Virtual debug registers (set_debugreg / get_debugreg and emulated MOV to/from DRn), with Xen's
 * checks: DR0–3 must be guest addresses (-EPERM), DR6/DR7 are 32-bit (-EINVAL) with their reserved
 * bits forced, DR7.GD is refused (-EPERM), DR4/DR5 alias DR6/DR7 unless CR4.DE (-ENODEV), other
 * numbers are -ENODEV. x86-core has no hardware breakpoints, so the values are kept but inert.
 */
import { guestRangeOk } from '../mm/guest-access';
import { XEN_EINVAL, XEN_ENODEV, XEN_EPERM } from '../public/errno';
import { DR6_DEFAULT, DR7_DEFAULT, DR7_GD, X86_CR4_DE } from './abi';
import type { ArchVcpu } from './vcpu-arch';

/** DR6 bits a guest may change (B0–B3, BD, BS, BT); the rest read as 1 (Xen's dr6 adjust). */
const DR6_WRITABLE = 0xe00fn;
/** DR7 bits that always read 0 (11, 12, 14, 15) and 1 (10). */
const DR7_ZEROS = (1n << 11n) | (1n << 12n) | (1n << 14n) | (1n << 15n);

export function setDebugreg(v: ArchVcpu, reg: number, value: bigint): number {
  const val = BigInt.asUintN(64, value);
  switch (reg) {
    case 0:
    case 1:
    case 2:
    case 3:
      if (!guestRangeOk(val, 8)) return -XEN_EPERM;
      v.dr[reg] = val;
      return 0;
    case 4:
    case 6:
      if (reg === 4 && v.vcr4 & X86_CR4_DE) return -XEN_ENODEV;
      if (val >> 32n) return -XEN_EINVAL;
      v.dr6 = (val & DR6_WRITABLE) | (DR6_DEFAULT & ~DR6_WRITABLE);
      return 0;
    case 5:
    case 7:
      if (reg === 5 && v.vcr4 & X86_CR4_DE) return -XEN_ENODEV;
      if (val >> 32n) return -XEN_EINVAL;
      if (val & DR7_GD) return -XEN_EPERM;
      v.dr7 = (val & ~DR7_ZEROS) | DR7_DEFAULT;
      return 0;
    default:
      return -XEN_ENODEV;
  }
}

/** The value, or a negative errno (as a number) for a bad register. */
export function getDebugreg(v: ArchVcpu, reg: number): bigint | number {
  switch (reg) {
    case 0:
    case 1:
    case 2:
    case 3:
      return v.dr[reg];
    case 4:
    case 6:
      return reg === 4 && v.vcr4 & X86_CR4_DE ? -XEN_ENODEV : v.dr6;
    case 5:
    case 7:
      return reg === 5 && v.vcr4 & X86_CR4_DE ? -XEN_ENODEV : v.dr7;
    default:
      return -XEN_ENODEV;
  }
}
