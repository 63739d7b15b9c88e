import { describe, expect, it } from 'vitest';
import { isPageTableType, PGT_seg_desc_page } from '../../src/mm/frame-table';
import { auditMemory } from '../../src/mm/audit';
import { ptwrEmulate } from '../../src/mm/ptwr';
import { updateVaMapping } from '../../src/mm/update-va-mapping';
import { guestRemovePage } from '../../src/hypercall/handlers/reservation';
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_GLOBAL,
  _PAGE_NX,
  _PAGE_PCD,
  _PAGE_PSE,
} from '../../src/public/page';
import * as X from '../../src/public/xen';
import { mmuHelpers, P, pte, RW, U } from '../helpers/mmu';
import { prng } from '../helpers/recording-memory';
import { buildGuest } from '../helpers/system';

const FLAGS = [
  0,
  P,
  P,
  P | RW,
  P | RW,
  P | RW | U,
  P | _PAGE_ACCESSED | _PAGE_DIRTY,
  P | RW | _PAGE_GLOBAL | _PAGE_NX,
  P | _PAGE_PSE,
  P | _PAGE_PCD,
  P | (1 << 22),
];

function runSequence(seed: number, steps: number): { ok: number; failed: number } {
  const g = buildGuest({}, 16, 2048);
  const h = mmuHelpers(g);
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)];
  const spare = Array.from({ length: 40 }, () => h.spare());
  const l = g.built.layout;
  const builderFrames = [0, 1, 100, l.startInfoPfn, l.ptPfn, l.ptPfn + 1, l.ptPfn + 2, l.ptPfn + 3].map(
    h.mfn,
  );
  const foreign = [g.sys.host.m2p.l3Mfn, g.sys.host.frames.nrFrames - 1, 0x100000, g.d.sharedInfoMfn];
  const frame = (): number =>
    rnd() < 0.75 ? pick(spare) : rnd() < 0.7 ? pick(builderFrames) : pick(foreign);
  const value = (): bigint =>
    rnd() < 0.1 ? BigInt.asUintN(64, BigInt(int(2 ** 31)) << BigInt(int(33))) : pte(frame(), pick(FLAGS));
  g.d.vmAssist.add(X.VMASST_TYPE_writable_pagetables);
  let ok = 0;
  let failed = 0;
  // The guest can only write a frame it could map writable: never an in-use table.
  const canPoke = (m: number): boolean =>
    !((isPageTableType(h.f.type[m]) || h.f.type[m] === PGT_seg_desc_page) && h.f.typeCount[m] > 0);
  const count = (rc: number | string): void => {
    if (rc === 0 || rc === 'emulated') ok++;
    else failed++;
  };

  for (let step = 0; step < steps; step++) {
    const action = int(12);
    const t = frame();
    switch (action) {
      case 0:
      case 1:
        count(h.op(X.MMUEXT_PIN_L1_TABLE + int(4), t));
        break;
      case 2:
        count(h.op(X.MMUEXT_UNPIN_TABLE, t));
        break;
      case 3:
      case 4:
        count(h.update(t, int(512), value(), pick([X.MMU_NORMAL_PT_UPDATE, X.MMU_PT_UPDATE_PRESERVE_AD])));
        break;
      case 5: {
        const s = pick(spare);
        if (canPoke(s)) h.poke(s, int(512), value());
        break;
      }
      case 6:
        count(updateVaMapping(g.ctx, BigInt(int(1024)) * 4096n, value(), 0n, g.d.id));
        break;
      case 7: {
        const c = pick(spare);
        if (rnd() < 0.5 && canPoke(c))
          for (let s = 0; s < 256; s++) h.poke(c, s, h.peek(g.built.l4Mfn, s) & ~4n);
        count(h.op(rnd() < 0.5 ? X.MMUEXT_NEW_BASEPTR : X.MMUEXT_NEW_USER_BASEPTR, rnd() < 0.1 ? 0 : t));
        break;
      }
      case 8:
        count(h.op(rnd() < 0.5 ? X.MMUEXT_CLEAR_PAGE : X.MMUEXT_COPY_PAGE, t, frame()));
        break;
      case 9: {
        const va = BigInt(l.ptPfn + 3 + int(2)) * 4096n + BigInt(int(512) * 8);
        const bytes = pick([1, 2, 4, 8, 8, 8]);
        const addr = va + BigInt(int(8 / bytes) * bytes);
        count(ptwrEmulate(g.ctx, va, { addr, bytes, value: value() }).kind);
        break;
      }
      case 10:
        if (rnd() < 0.2) count(guestRemovePage(g.ctx, g.d, pick(spare)) ? 0 : -1);
        break;
      default:
        count(h.update(t, 0, BigInt(int(4096)), X.MMU_MACHPHYS_UPDATE));
        break;
    }
    const errors = auditMemory(g.sys.host, g.sys.allDomains);
    if (errors.length > 0) {
      throw new Error(`seed ${seed} step ${step} action ${action}: ${errors.slice(0, 5).join('; ')}`);
    }
  }
  g.sys.destroyDomain(g.d.id);
  expect(auditMemory(g.sys.host, g.sys.allDomains)).toEqual([]);
  expect(
    g.sys.host.frames.count.filter((c, m) => c > 0 && g.sys.host.frames.owner[m] === g.d.id).length,
  ).toBe(0);
  return { ok, failed };
}

describe('PV MMU property: reference counts always match a from-scratch recount', () => {
  it.each([1, 2, 3, 4, 5, 6])('random sequence, seed %d', (seed) => {
    const { ok, failed } = runSequence(seed, 700);
    // Both outcomes must be exercised substantially.
    expect(ok).toBeGreaterThan(100);
    expect(failed).toBeGreaterThan(100);
  });
});

describe('the audit itself', () => {
  it('detects a corrupted count and a smuggled writable mapping of a page table', () => {
    const g = buildGuest({}, 16, 2048);
    const h = mmuHelpers(g);
    expect(auditMemory(g.sys.host, g.sys.allDomains)).toEqual([]);
    h.f.count[h.mfn(5)]++;
    expect(auditMemory(g.sys.host, g.sys.allDomains).join()).toMatch(/expected count/);
    h.f.count[h.mfn(5)]--;
    const l1 = h.mfn(g.built.layout.ptPfn + 3);
    h.poke(l1, 9, pte(g.built.l4Mfn, P | RW));
    const errors = auditMemory(g.sys.host, g.sys.allDomains).join();
    expect(errors).toMatch(/RW mapping of/);
    h.poke(l1, 10, pte(g.sys.host.m2p.l3Mfn, P));
    expect(auditMemory(g.sys.host, g.sys.allDomains).join()).toMatch(/of d32754/);
  });
});
