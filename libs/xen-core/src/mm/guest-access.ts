import type { GuestPhysicalMemory } from '../mem/guest-physical-memory';
import { PAGE_SIZE } from '../public/page';
import { HYPERVISOR_VIRT_END, HYPERVISOR_VIRT_START } from '../public/xen';
import { walkGuest } from './guest-walk';

/** access_ok(): guest handles may not point into the hypervisor hole. */
export function guestRangeOk(va: bigint, len: number): boolean {
  const start = BigInt.asUintN(64, va);
  const end = start + BigInt(len);
  if (end > 1n << 64n) return false;
  return end <= HYPERVISOR_VIRT_START || start >= HYPERVISOR_VIRT_END;
}

/**
 * copy_from_guest / copy_to_guest through the guest's own page tables (the
 * root `root()` returns, normally the vCPU's kernel L4). Every method returns
 * undefined/false on a fault — the caller turns that into -EFAULT. Nothing is
 * written unless every page of the range is writable.
 */
export class GuestAccess {
  constructor(
    private readonly mem: GuestPhysicalMemory,
    private readonly nrFrames: number,
    private readonly root: () => number,
    private readonly user = true,
  ) {}

  private translate(va: bigint, len: number, write: boolean): Array<[number, number]> | undefined {
    if (len === 0) return [];
    if (!guestRangeOk(va, len)) return undefined;
    const parts: Array<[number, number]> = [];
    let cur = BigInt.asUintN(64, va);
    let left = len;
    while (left > 0) {
      const inPage = Math.min(left, PAGE_SIZE - Number(cur & 0xfffn));
      const w = walkGuest(this.mem, this.nrFrames, this.root(), cur, { write, user: this.user });
      if (!w.ok) return undefined;
      parts.push([w.maddr, inPage]);
      cur += BigInt(inPage);
      left -= inPage;
    }
    return parts;
  }

  read(va: bigint, len: number): Uint8Array | undefined {
    const parts = this.translate(va, len, false);
    if (!parts) return undefined;
    const out = new Uint8Array(len);
    let at = 0;
    for (const [maddr, n] of parts) {
      out.set(this.mem.readBytes(maddr, n), at);
      at += n;
    }
    return out;
  }

  write(va: bigint, data: Uint8Array): boolean {
    const parts = this.translate(va, data.length, true);
    if (!parts) return false;
    let at = 0;
    for (const [maddr, n] of parts) {
      this.mem.writeBytes(maddr, data.subarray(at, at + n));
      at += n;
    }
    return true;
  }

  readU32(va: bigint): number | undefined {
    const b = this.read(va, 4);
    return b && new DataView(b.buffer).getUint32(0, true);
  }

  readU64(va: bigint): bigint | undefined {
    const b = this.read(va, 8);
    return b && new DataView(b.buffer).getBigUint64(0, true);
  }

  writeU32(va: bigint, value: number): boolean {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    return this.write(va, b);
  }

  writeU64(va: bigint, value: bigint): boolean {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    return this.write(va, b);
  }
}
