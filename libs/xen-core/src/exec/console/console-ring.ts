/**
 * The backend's view of one `struct xencons_interface` page (§10.1): out[] (2 KiB, guest → backend)
 * and in[] (1 KiB, backend → guest) with free-running u32 indices. Every index the guest controls is
 * checked: an impossible distance (more than the ring size) means the guest scribbled on the page, and
 * the ring is left alone (counted in `errors`) instead of reading or writing out of bounds.
 */
import type { GuestPhysicalMemory } from '../../mem/guest-physical-memory';
import {
  XENCONS_CONNECTION,
  XENCONS_IN,
  XENCONS_IN_CONS,
  XENCONS_IN_PROD,
  XENCONS_OUT,
  XENCONS_OUT_CONS,
  XENCONS_OUT_PROD,
} from '../../public/layout';
import { PAGE_SIZE } from '../../public/page';
import { XENCONSOLE_CONNECTED } from '../../public/xen';

export const XENCONS_OUT_SIZE = 2048;
export const XENCONS_IN_SIZE = 1024;

export class ConsoleRing {
  private readonly base: number;
  errors = 0;

  constructor(
    private readonly mem: GuestPhysicalMemory,
    mfn: number,
  ) {
    this.base = mfn * PAGE_SIZE;
  }

  /** The backend is servicing the ring (connection = XENCONSOLE_CONNECTED). */
  connect(): void {
    this.mem.writeU8(this.base + XENCONS_CONNECTION, XENCONSOLE_CONNECTED);
  }

  private u32(off: number): number {
    return this.mem.readU32(this.base + off);
  }

  /** Take up to `max` bytes from out[] and advance out_cons. */
  drainOut(max: number): Uint8Array {
    const cons = this.u32(XENCONS_OUT_CONS);
    const prod = this.u32(XENCONS_OUT_PROD);
    const avail = (prod - cons) >>> 0;
    if (avail === 0) return new Uint8Array(0);
    if (avail > XENCONS_OUT_SIZE) {
      this.errors++;
      return new Uint8Array(0);
    }
    const n = Math.min(avail, max);
    const out = new Uint8Array(n);
    for (let done = 0; done < n;) {
      const idx = (cons + done) & (XENCONS_OUT_SIZE - 1);
      const chunk = Math.min(n - done, XENCONS_OUT_SIZE - idx);
      out.set(this.mem.readBytes(this.base + XENCONS_OUT + idx, chunk), done);
      done += chunk;
    }
    this.mem.writeU32(this.base + XENCONS_OUT_CONS, (cons + n) >>> 0);
    return out;
  }

  /** Bytes waiting in out[] (0 if the indices are corrupt). */
  outPending(): number {
    const avail = (this.u32(XENCONS_OUT_PROD) - this.u32(XENCONS_OUT_CONS)) >>> 0;
    return avail > XENCONS_OUT_SIZE ? 0 : avail;
  }

  /** Put as much of `data` into in[] as fits; returns the number of bytes written. */
  fillIn(data: Uint8Array): number {
    const cons = this.u32(XENCONS_IN_CONS);
    const prod = this.u32(XENCONS_IN_PROD);
    const used = (prod - cons) >>> 0;
    if (used > XENCONS_IN_SIZE) {
      this.errors++;
      return 0;
    }
    const n = Math.min(data.length, XENCONS_IN_SIZE - used);
    for (let done = 0; done < n;) {
      const idx = (prod + done) & (XENCONS_IN_SIZE - 1);
      const chunk = Math.min(n - done, XENCONS_IN_SIZE - idx);
      this.mem.writeBytes(this.base + XENCONS_IN + idx, data.subarray(done, done + chunk));
      done += chunk;
    }
    if (n > 0) this.mem.writeU32(this.base + XENCONS_IN_PROD, (prod + n) >>> 0);
    return n;
  }
}
