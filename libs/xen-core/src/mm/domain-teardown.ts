import type { Domain } from '../domain/domain';
import { releaseBaseptrs } from './baseptr';
import { GuestAccess } from './guest-access';
import type { PvMmu } from './pv-mmu';

/**
 * Release everything a domain holds: vCPU roots, pins (which devalidates its
 * tables and drops their references), then every allocation reference.
 */
export function destroyDomainMemory(mmu: PvMmu, d: Domain): void {
  const { host, types } = mmu;
  const f = host.frames;
  for (const vcpu of d.vcpus) {
    const guest = new GuestAccess(host.mem, f.nrFrames, () => 0);
    releaseBaseptrs({ mmu, domain: d, vcpu, guest, effects: [] });
  }
  for (let m = 0; m < f.nrFrames; m++) {
    if (f.count[m] > 0 && f.owner[m] === d.id && f.pinned[m]) {
      f.pinned[m] = 0;
      types.putPageAndType(m);
    }
  }
  for (let m = 0; m < f.nrFrames; m++) {
    if (f.count[m] > 0 && f.owner[m] === d.id) host.releaseAllocation(m);
  }
  d.p2m.clear();
  d.sharedInfoMfn = 0;
}
