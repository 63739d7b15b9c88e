import type { Domain } from '../domain/domain';
import { _PAGE_GNTTAB, _PAGE_PRESENT, _PAGE_RW, PAGETABLE_ENTRIES } from '../public/page';
import { isPageTableType, PGT_l1_page_table, PGT_l4_page_table, PGT_writable_page } from './frame-table';
import type { HostMemory } from './host-memory';
import { isGuestL4Slot } from './page-types';
import { entryMaddr, readPte } from './pte';

/**
 * Recompute every frame's general/type/linear reference counts from first
 * principles (allocation, pins, vCPU roots, entries of in-use tables) and
 * compare them with the frame table. Also checks the safety invariants: no
 * writable mapping of a non-writable-typed frame, no mapping of a frame the
 * table's owner does not own. Returns a list of violations (empty = sound).
 * Grant mappings (_PAGE_GNTTAB entries) are not counted from the tables: their references are
 * held by the maptrack and passed in as `held` (GrantTables.heldReferences()).
 */
export function auditMemory(
  host: HostMemory,
  domains: Iterable<Domain>,
  held: Iterable<{ mfn: number; count: number; typeCount: number }> = [],
): string[] {
  const f = host.frames;
  const n = f.nrFrames;
  const count = new Uint32Array(n);
  const tcount = new Uint32Array(n);
  const linear = new Int32Array(n);
  const errors: string[] = [];
  const owned = new Map<number, number>();

  for (let m = 0; m < n; m++) {
    if (f.allocated[m]) count[m]++;
    if (f.pinned[m]) {
      count[m]++;
      tcount[m]++;
    }
    if (f.count[m] > 0 && !f.special[m]) owned.set(f.owner[m], (owned.get(f.owner[m]) ?? 0) + 1);
    if (f.count[m] === 0 && host.allocator.isFree(m) === false) errors.push(`mfn ${m}: dead but not free`);
  }
  for (const h of held) {
    count[h.mfn] += h.count;
    tcount[h.mfn] += h.typeCount;
  }
  for (const d of domains) {
    for (const v of d.vcpus) {
      for (const root of [v.guestTable, v.guestTableUser]) {
        if (root !== 0) {
          count[root]++;
          tcount[root]++;
        }
      }
    }
    if ((owned.get(d.id) ?? 0) !== d.totPages) {
      errors.push(`d${d.id}: tot_pages ${d.totPages} but owns ${owned.get(d.id) ?? 0} frames`);
    }
  }

  for (let m = 0; m < n; m++) {
    const type = f.type[m];
    if (!isPageTableType(type) || f.typeCount[m] === 0) continue;
    if (!f.validated[m]) {
      errors.push(`mfn ${m}: in-use table not validated`);
      continue;
    }
    for (let i = 0; i < PAGETABLE_ENTRIES; i++) {
      if (type === PGT_l4_page_table && !isGuestL4Slot(i)) continue;
      const e = readPte(host.mem, entryMaddr(m, i));
      if (!(e.flags & _PAGE_PRESENT)) continue;
      if (type === PGT_l1_page_table && e.flags & _PAGE_GNTTAB) continue;
      const t = e.mfn;
      if (!f.valid(t)) {
        errors.push(`mfn ${m}[${i}]: maps non-RAM frame ${t}`);
        continue;
      }
      if (f.owner[t] !== f.owner[m]) errors.push(`mfn ${m}[${i}]: maps frame ${t} of d${f.owner[t]}`);
      if (type === PGT_l1_page_table) {
        count[t]++;
        if (e.flags & _PAGE_RW) {
          tcount[t]++;
          if (f.type[t] !== PGT_writable_page) errors.push(`mfn ${m}[${i}]: RW mapping of ${f.describe(t)}`);
        }
        continue;
      }
      if (t === m) {
        if (e.flags & _PAGE_RW) errors.push(`mfn ${m}[${i}]: writable self-map`);
        continue;
      }
      count[t]++;
      tcount[t]++;
      if (f.type[t] === type) {
        if (e.flags & _PAGE_RW) errors.push(`mfn ${m}[${i}]: writable linear entry`);
        linear[m]++;
        linear[t]--;
      } else if (f.type[t] !== type - 1 || !f.validated[t]) {
        errors.push(`mfn ${m}[${i}]: references ${f.describe(t)} from a level-${type} table`);
      }
    }
  }

  for (let m = 0; m < n; m++) {
    if (count[m] !== f.count[m]) errors.push(`${f.describe(m)}: expected count ${count[m]}`);
    if (tcount[m] !== f.typeCount[m]) errors.push(`${f.describe(m)}: expected type count ${tcount[m]}`);
    if (f.typeCount[m] > 0 && linear[m] !== f.linearCount[m]) {
      errors.push(`${f.describe(m)}: linear count ${f.linearCount[m]}, expected ${linear[m]}`);
    }
  }
  return errors;
}
