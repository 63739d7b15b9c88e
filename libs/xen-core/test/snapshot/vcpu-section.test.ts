/**
 * The vCPU section between two hosts: a test kernel runs for a while on host A; its vCPU state is
 * written in pfn terms, read into a freshly built domain on host B (other machine frames), and
 * written again from B — the two encodings must be identical, frames must have been translated,
 * and a damaged section must leave B's vCPU untouched.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PvHost, type PvDomain } from '../../src/exec/pv-host';
import { FieldReader, FieldWriter, SnapshotError } from '../../src/snapshot/codec';
import { readVcpu, writeVcpu, type RestoreFrames, type SaveFrames } from '../../src/snapshot/vcpu-section';
import { KERNELS_DIR } from '../exec/helpers/test-kernels';

const image = readFileSync(join(KERNELS_DIR, 'timers-block.elf'));

function saveFrames(host: PvHost, dom: PvDomain): SaveFrames {
  const toPfn = new Map([...dom.exec.domain.p2m].map(([pfn, mfn]) => [mfn, pfn]));
  return {
    toPfn: (mfn) => {
      const pfn = toPfn.get(mfn);
      if (pfn === undefined) throw new SnapshotError(`mfn ${mfn} is not the domain's`);
      return pfn;
    },
    nowNs: host.clock.now(),
    nowTsc: host.cpu.tsc(),
  };
}

function restoreFrames(host: PvHost, dom: PvDomain): RestoreFrames {
  const p2m = dom.exec.domain.p2m;
  return {
    toMfn: (pfn) => {
      const mfn = p2m.get(pfn);
      if (mfn === undefined) throw new SnapshotError(`pfn ${pfn} is not populated`);
      return mfn;
    },
    nowNs: host.clock.now(),
    nowTsc: host.cpu.tsc(),
  };
}

function encode(host: PvHost, dom: PvDomain): Uint8Array {
  const w = new FieldWriter();
  writeVcpu(w, dom.exec.vcpus[0], saveFrames(host, dom));
  return w.done();
}

function runningKernel(): { host: PvHost; dom: PvDomain } {
  const host = new PvHost({ memoryMiB: 64 });
  const dom = host.createDomain({ image, memoryMiB: 16 });
  const v = dom.exec.vcpus[0];
  host.run(3_000_000);
  // Arm the timers as set_timer_op / VCPUOP_set_periodic_timer would, so live deadlines are carried.
  v.singleshotDeadline = host.clock.now() + 3_000_000n;
  v.periodicPeriod = 10_000_000n;
  v.periodicNext = host.clock.now() + 7_000_000n;
  host.enter(v);
  host.cpu.save(v.cpuState); // the live registers are in the CPU while v is current
  return { host, dom };
}

function freshTarget(): { host: PvHost; dom: PvDomain } {
  const host = new PvHost({ memoryMiB: 64 });
  // A first domain shifts the frames the target's domain gets, so translation must really happen.
  host.createDomain({ image, memoryMiB: 4, paused: true });
  const dom = host.createDomain({ image, memoryMiB: 16, paused: true });
  const v = dom.exec.vcpus[0];
  host.enter(v); // consumes the pending boot start, as the saver does
  return { host, dom };
}

describe('vCPU snapshot section', () => {
  it('moves a running vCPU to another host in pfn terms', () => {
    const a = runningKernel();
    const b = freshTarget();
    const va = a.dom.exec.vcpus[0];
    const vb = b.dom.exec.vcpus[0];
    expect(va.vcpu.guestTable).not.toBe(vb.vcpu.guestTable);
    const bytes = encode(a.host, a.dom);
    const r = new FieldReader(bytes, 'VCPU');
    readVcpu(r, vb, restoreFrames(b.host, b.dom));
    r.end();
    expect(encode(b.host, b.dom)).toEqual(bytes);
    const pfnA = saveFrames(a.host, a.dom).toPfn(va.vcpu.guestTable);
    expect(b.dom.exec.domain.p2m.get(pfnA)).toBe(vb.vcpu.guestTable);
    expect(vb.eventCallback).toBe(va.eventCallback);
    expect(vb.cpuState).toEqual(va.cpuState);
    // Timers keep their distance from guest time.
    expect(a.host.clock.now()).not.toBe(b.host.clock.now());
    expect(vb.singleshotDeadline! - b.host.clock.now()).toBe(3_000_000n);
    expect(vb.periodicNext - b.host.clock.now()).toBe(7_000_000n);
    expect(vb.periodicPeriod).toBe(10_000_000n);
  });

  it('refuses a vCPU with a pending start (the saver must put it on the CPU first)', () => {
    const host = new PvHost({ memoryMiB: 64 });
    const dom = host.createDomain({ image, memoryMiB: 16, paused: true });
    expect(() => encode(host, dom)).toThrow(/pending start/);
  });

  it('a truncated or mistargeted section is a SnapshotError and leaves the vCPU untouched', () => {
    const a = runningKernel();
    const b = freshTarget();
    const bytes = encode(a.host, a.dom);
    const before = encode(b.host, b.dom);
    for (let n = 0; n < bytes.length; n += 97) {
      const r = new FieldReader(bytes.subarray(0, n), 'VCPU');
      expect(() => readVcpu(r, b.dom.exec.vcpus[0], restoreFrames(b.host, b.dom))).toThrow(SnapshotError);
    }
    const noFrames: RestoreFrames = {
      ...restoreFrames(b.host, b.dom),
      toMfn: (pfn) => {
        throw new SnapshotError(`pfn ${pfn} is not populated`);
      },
    };
    expect(() => readVcpu(new FieldReader(bytes), b.dom.exec.vcpus[0], noFrames)).toThrow(/not populated/);
    expect(encode(b.host, b.dom)).toEqual(before);
  });
});
