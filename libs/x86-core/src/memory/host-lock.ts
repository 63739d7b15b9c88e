/**
 * The host-wide lock for LOCK-prefixed accesses that a single Atomics operation cannot cover: split
 * locks (misaligned or page-crossing operands) and the 16-byte CMPXCHG16B. It lives in a small
 * control SharedArrayBuffer that travels with the guest memory, so every CPU on every worker_thread
 * that shares the memory serialises on the same word (a real CPU locks the bus for a split lock).
 *
 * The word is a futex-style mutex: 0 free, 1 held, 2 held with (possible) waiters. Acquisition spins
 * briefly with compareExchange — a locked operation holds the lock for well under a microsecond — and
 * then sleeps with Atomics.wait, so a descheduled holder on a 2-core host does not burn the other core.
 */
export const LOCK_FREE = 0;
export const LOCK_HELD = 1;
export const LOCK_CONTENDED = 2;

/** Index of the lock word in the control Int32Array. */
export const CTRL_BUS_LOCK = 0;
/** Int32 words in a control buffer (room for future shared per-memory state). */
export const CTRL_WORDS = 4;

const SPIN_ATTEMPTS = 64;
/** Upper bound on one sleep, so a lost wake-up can only delay, never hang, a CPU. */
const WAIT_MS = 1;

export function newControlBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(CTRL_WORDS * 4);
}

export function acquireBusLock(ctl: Int32Array): void {
  if (Atomics.compareExchange(ctl, CTRL_BUS_LOCK, LOCK_FREE, LOCK_HELD) === LOCK_FREE) return;
  for (let k = 0; k < SPIN_ATTEMPTS; k++) {
    if (
      Atomics.load(ctl, CTRL_BUS_LOCK) === LOCK_FREE &&
      Atomics.compareExchange(ctl, CTRL_BUS_LOCK, LOCK_FREE, LOCK_HELD) === LOCK_FREE
    ) {
      return;
    }
  }
  // Mark the word contended so the holder's release wakes us; whoever swaps 0 out owns the lock.
  while (Atomics.exchange(ctl, CTRL_BUS_LOCK, LOCK_CONTENDED) !== LOCK_FREE) {
    Atomics.wait(ctl, CTRL_BUS_LOCK, LOCK_CONTENDED, WAIT_MS);
  }
}

export function releaseBusLock(ctl: Int32Array): void {
  if (Atomics.exchange(ctl, CTRL_BUS_LOCK, LOCK_FREE) === LOCK_CONTENDED) {
    Atomics.notify(ctl, CTRL_BUS_LOCK, 1);
  }
}
