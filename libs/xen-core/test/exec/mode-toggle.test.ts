/**
 * Guest kernel/user mode (§0, §6.5): toggle_guest_mode switches the root table and swaps the GS
 * bases; FS is shared; set_segment_base and the GS MSRs act on the right copy in either mode; the
 * per-domain GDT slot is present in whichever root is loaded.
 */
import { describe, expect, it } from 'vitest';
import * as A from '../../src/exec/abi';
import { setSegmentBase } from '../../src/exec/hypercalls/segments';
import { gsBaseKernel, gsBaseUser, toggleGuestMode } from '../../src/exec/mode';
import { PERDOMAIN_L4_SLOT } from '../../src/exec/perdomain';
import { newUserBaseptr } from '../../src/mm/baseptr';
import { mmuextOp } from '../../src/mm/mmuext-op';
import { MMUEXT_PIN_L4_TABLE } from '../../src/public/xen';
import { XEN_EINVAL } from '../../src/public/errno';
import { makeGuest, type TestGuest } from './helpers/guest';

/** A second L4 (copy of the kernel's guest slots), pinned and installed as the user root. */
function withUserRoot(g: TestGuest): number {
  const mem = g.host.sys.host.mem;
  const l = g.dom.built!.layout;
  const user = g.dom.built!.p2m[l.usedPages];
  const kernel = g.v.vcpu.guestTable;
  for (let i = 0; i < 512; i++) {
    if (i >= 256 && i <= 271) continue;
    mem.writeU64(user * 4096 + i * 8, mem.readU64(kernel * 4096 + i * 8));
  }
  const ctx = g.host.sys.context(g.dom.exec.domain, g.v.vcpu);
  expect(mmuextOp(ctx, { cmd: MMUEXT_PIN_L4_TABLE, arg1: BigInt(user), arg2: 0n })).toBe(0);
  expect(newUserBaseptr(ctx, user)).toBe(0);
  return user;
}

describe('toggle_guest_mode', () => {
  it('switches CR3 between the kernel and user roots and swaps GS, leaving FS', () => {
    const g = makeGuest({ memoryMiB: 8 });
    const user = withUserRoot(g);
    const kernel = g.v.vcpu.guestTable;
    g.cpu.setSegBase(4, 0xf5n);
    g.cpu.setSegBase(5, 0x6b6bn); // kernel GS
    g.v.gsBaseInactive = 0x7575n; // user GS
    expect(toggleGuestMode(g.host, g.v)).toBe(true);
    expect(g.v.vcpu.inKernel).toBe(false);
    expect(g.cpu.cr3Mfn).toBe(user);
    expect(g.cpu.segBase(5)).toBe(0x7575n);
    expect(g.cpu.segBase(4)).toBe(0xf5n);
    expect(gsBaseKernel(g.host, g.v)).toBe(0x6b6bn);
    expect(gsBaseUser(g.host, g.v)).toBe(0x7575n);
    // The CPU reaches the GDT through the per-domain slot of whichever root is loaded.
    const slot = g.host.sys.host.mem.readU64(user * 4096 + PERDOMAIN_L4_SLOT * 8);
    expect(Number(slot >> 12n)).toBe(g.dom.exec.area.l3Mfn);
    expect(slot & 4n).toBe(0n); // supervisor-only
    expect(toggleGuestMode(g.host, g.v)).toBe(true);
    expect(g.cpu.cr3Mfn).toBe(kernel);
    expect(g.cpu.segBase(5)).toBe(0x6b6bn);
  });

  it('user mode without a user root cannot be entered', () => {
    const g = makeGuest();
    expect(toggleGuestMode(g.host, g.v)).toBe(false);
  });
});

describe('set_segment_base', () => {
  it('FS / GS_KERNEL / GS_USER land in the active or inactive copy by mode; bad input -EINVAL', () => {
    const g = makeGuest({ memoryMiB: 8 });
    withUserRoot(g);
    expect(setSegmentBase(g.host, g.v, A.SEGBASE_GS_KERNEL, 0x1000n)).toBe(0);
    expect(setSegmentBase(g.host, g.v, A.SEGBASE_GS_USER, 0x2000n)).toBe(0);
    expect(g.cpu.segBase(5)).toBe(0x1000n);
    toggleGuestMode(g.host, g.v);
    expect(g.cpu.segBase(5)).toBe(0x2000n);
    expect(setSegmentBase(g.host, g.v, A.SEGBASE_GS_KERNEL, 0x3000n)).toBe(0);
    expect(g.cpu.segBase(5)).toBe(0x2000n);
    toggleGuestMode(g.host, g.v);
    expect(g.cpu.segBase(5)).toBe(0x3000n);
    expect(setSegmentBase(g.host, g.v, A.SEGBASE_FS, 0x0000800000000000n)).toBe(-XEN_EINVAL);
    expect(setSegmentBase(g.host, g.v, 4, 0n)).toBe(-XEN_EINVAL);
  });

  it('GS_USER_SEL loads the selector from the GDT into the user base, kernel base untouched', () => {
    const g = makeGuest();
    g.cpu.setSegBase(5, 0x4444n);
    g.v.gsBaseInactive = 0x9999n;
    expect(setSegmentBase(g.host, g.v, A.SEGBASE_GS_USER_SEL, BigInt(A.FLAT_RING3_DS32))).toBe(0);
    expect(g.cpu.selector(5)).toBe(A.FLAT_RING3_DS32);
    expect(g.cpu.segBase(5)).toBe(0x4444n);
    expect(g.v.gsBaseInactive).toBe(0n);
    // An unusable selector loads NUL and still succeeds (as in Xen).
    expect(setSegmentBase(g.host, g.v, A.SEGBASE_GS_USER_SEL, 0x13n)).toBe(0);
    expect(g.cpu.selector(5)).toBe(0);
  });
});
