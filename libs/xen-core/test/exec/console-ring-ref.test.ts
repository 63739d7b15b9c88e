/**
 * The console backend writes the guest's ring page directly, so while it is attached it holds a
 * writable type reference on it (as xenconsoled's mapping does on Xen): the guest cannot make the
 * page a page table — typed console input would otherwise land in a validated table. Destroy
 * drops the reference with everything else.
 */
import { describe, expect, it } from 'vitest';
import { PvHost } from '../../src/exec/pv-host';
import { auditMemory } from '../../src/mm/audit';
import { PGT_l1_page_table } from '../../src/mm/frame-table';
import { XEN_EINVAL } from '../../src/public/errno';
import { xtfImage } from '../helpers/images';

describe('console ring reference', () => {
  it('keeps the ring page from becoming a page table while the backend uses it', () => {
    const host = new PvHost({ memoryMiB: 32 });
    const free = host.sys.host.allocator.freeFrames;
    const dom = host.createDomain({ image: xtfImage(), memoryMiB: 4, paused: true });
    const { consoleMfn, id } = dom.exec;
    expect(dom.exec.consoleRingRef).toBe(consoleMfn);
    const types = host.sys.mmu.types;
    expect(types.getPageAndType(consoleMfn, id, PGT_l1_page_table)).toBe(-XEN_EINVAL);
    // The audit recounts every type reference from mappings, pins and roots plus `held`: clean with
    // the backend's reference listed, and one short without it, so the reference is really held.
    const held = host.heldReferences();
    expect(held).toContainEqual({ mfn: consoleMfn, count: 1, typeCount: 1 });
    expect(auditMemory(host.sys.host, host.sys.allDomains, held)).toEqual([]);
    const without = held.filter((h) => h.mfn !== consoleMfn);
    expect(auditMemory(host.sys.host, host.sys.allDomains, without).join()).toContain(`mfn ${consoleMfn}`);
    host.destroyDomain(id);
    expect(host.sys.host.allocator.freeFrames).toBe(free);
  });
});
